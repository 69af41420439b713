#!/usr/bin/env bash
# The one test command (`npm test`). On a fresh clone it installs and builds what it needs, then runs every test:
#   1. npm packages (npm ci)              4. the addon (napi build; MIRAGE_RELEASE=1 for --release)
#   2. s3s-fs, the local S3 server,       5. generated index.js/index.d.ts match the committed ones
#      only if it is missing              6. the published linux-x64-gnu build: release, glibc 2.17, with zig
#   3. Rust core tests (cargo test)          (about 4-8 minutes cold; MIRAGE_SKIP_COMPAT=1 skips it)
#                                         7. type tests (tsc)
#                                         8. Node tests (node --test): with 6, also the pack/install test on the
#                                            2.17 binary and the whole Node suite once more against it; the
#                                            browser test installs Chromium itself
# The S3 servers are started on 127.0.0.1 by the tests themselves (Rust and Node) and stopped by them, also on
# failure. Any failing step stops the script with a non-zero exit code.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "npm packages"
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

step "s3s-fs (local S3 server that verifies SigV4)"
if [[ -n "${S3S_FS_BIN:-}" && -x "${S3S_FS_BIN}" ]]; then
  echo "using \$S3S_FS_BIN=${S3S_FS_BIN}"
elif command -v s3s-fs >/dev/null 2>&1; then
  S3S_FS_BIN="$(command -v s3s-fs)"
  echo "found ${S3S_FS_BIN}"
else
  echo "not found; installing (takes a few minutes)"
  cargo install s3s-fs@0.14.1 --features binary --locked
  S3S_FS_BIN="$HOME/.cargo/bin/s3s-fs"
fi
export S3S_FS_BIN

step "redis-server (for the shared-cache tests), only if it is missing"
if command -v redis-server >/dev/null 2>&1; then
  echo "found $(command -v redis-server)"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
    || echo "could not install redis-server: the Redis tests will say they skipped"
  # The package starts a system service; the tests start their own on a random port.
  (service redis-server stop >/dev/null 2>&1 || true)
else
  echo "redis-server missing and cannot be installed here: the Redis tests will say they skipped"
fi

step "Rust tests (cargo test --workspace)"
cargo test --workspace

if [[ "${MIRAGE_RELEASE:-}" == "1" ]]; then
  step "build the addon (napi build --platform --release)"
  npx napi build --platform --release
else
  step "build the addon (napi build --platform, debug)"
  npx napi build --platform
fi

step "generated index.js / index.d.ts match the committed files"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tracked=()
  for f in index.js index.d.ts; do
    if git ls-files --error-unmatch -- "$f" >/dev/null 2>&1; then tracked+=("$f"); fi
  done
  if ((${#tracked[@]})); then
    if ! git diff --exit-code -- "${tracked[@]}"; then
      echo "error: the build changed ${tracked[*]}; rebuild and commit the generated files" >&2
      exit 1
    fi
    echo "ok: ${tracked[*]} unchanged"
  else
    echo "skipped: index.js / index.d.ts are not tracked yet"
  fi
else
  echo "skipped: not a git checkout"
fi

if [[ "${MIRAGE_SKIP_COMPAT:-}" == "1" ]]; then
  step "glibc 2.17 release build: skipped (MIRAGE_SKIP_COMPAT=1)"
elif [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] && getconf GNU_LIBC_VERSION >/dev/null 2>&1; then
  step "the published linux-x64-gnu build: release, glibc 2.17 (scripts/build-glibc217.sh)"
  bash scripts/build-glibc217.sh
else
  step "glibc 2.17 release build: skipped (not Linux x86_64 with glibc)"
fi

step "type tests (tsc -p __test__/tsconfig.json)"
npx tsc -p __test__/tsconfig.json

step "Node tests (node --test __test__/*.test.mjs)"
node --test __test__/*.test.mjs

step "all tests passed"
