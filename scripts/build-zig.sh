#!/usr/bin/env bash
# Build the addon for a Linux target with zig as the linker (napi's `-x`, i.e. cargo-zigbuild), in release mode.
#
#   bash scripts/build-zig.sh TARGET [OUT_DIR]
#
#   TARGET   x86_64-unknown-linux-gnu.2.17   the published linux-x64-gnu binary (glibc 2.17: see build-glibc217.sh)
#            aarch64-unknown-linux-gnu.2.17  linux-arm64-gnu
#            x86_64-unknown-linux-musl       linux-x64-musl (Alpine)
#            aarch64-unknown-linux-musl      linux-arm64-musl
#   OUT_DIR  default target/zig/TARGET; the .node file is named as napi names it (mirage-native.<platform>.node)
#
# Installs what is missing: `zig` from PyPI (the `ziglang` wheel), `cargo-zigbuild` from crates.io, and the Rust
# standard library for TARGET with `rustup target add` (not needed for the host's own x86_64-unknown-linux-gnu).
# The committed index.js / index.d.ts are not touched (--no-js, and the .d.ts goes to OUT_DIR).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$HOME/.local/bin:$PATH"

target="${1:?usage: build-zig.sh TARGET [OUT_DIR]}"
out_dir="${2:-target/zig/$target}"
rust_target="${target%.2.*}" # x86_64-unknown-linux-gnu.2.17 -> x86_64-unknown-linux-gnu

step() { printf '\n==> %s\n' "$*"; }

step "zig"
if command -v zig >/dev/null 2>&1; then
  echo "found $(command -v zig) ($(zig version))"
else
  if ! python3 -c 'import ziglang' >/dev/null 2>&1; then
    echo "installing ziglang from PyPI"
    python3 -m pip install --quiet 'ziglang>=0.13' ||
      python3 -m pip install --quiet --break-system-packages 'ziglang>=0.13'
  fi
  # napi's -x looks for `zig` on PATH: a shim that runs the wheel's zig.
  shim_dir="$PWD/target/zig-shim"
  mkdir -p "$shim_dir"
  printf '#!/bin/sh\nexec python3 -m ziglang "$@"\n' >"$shim_dir/zig"
  chmod +x "$shim_dir/zig"
  export PATH="$shim_dir:$PATH"
  echo "using python3 -m ziglang ($(zig version))"
fi

step "cargo-zigbuild"
if command -v cargo-zigbuild >/dev/null 2>&1; then
  echo "found $(command -v cargo-zigbuild)"
else
  cargo install cargo-zigbuild --locked
fi

step "Rust standard library for ${rust_target}"
if rustup target list --installed 2>/dev/null | grep -qx "$rust_target"; then
  echo "installed"
else
  rustup target add "$rust_target"
fi

step "napi build --platform --release -x --target ${target} -o ${out_dir}"
mkdir -p "$out_dir"
npx napi build --platform --release -x --target "$target" -o "$out_dir" --no-js --dts index.d.ts

step "result"
for f in "$out_dir"/*.node; do
  ls -l "$f"
  if command -v file >/dev/null 2>&1; then file "$f"; fi
  if [[ "$rust_target" == *-gnu ]] && command -v objdump >/dev/null 2>&1; then
    echo "highest GLIBC_ symbol version: $(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)"
  fi
done
