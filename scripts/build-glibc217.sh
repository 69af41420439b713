#!/usr/bin/env bash
# Build the linux-x64-gnu addon the way it is published: release mode, linked against glibc 2.17, so it loads on
# Debian 11, Ubuntu 20.04, Amazon Linux 2, RHEL/CentOS 7 and newer. A plain `napi build` on this Debian 12 host
# links against the host's glibc (2.34+ symbols) and would not load there.
#
#   bash scripts/build-glibc217.sh            (= npm run build:compat; about 4 minutes from cold here)
#
# Runs `napi build --platform --release -x --target x86_64-unknown-linux-gnu.2.17` through build-zig.sh, which
# installs zig (PyPI `ziglang`) and cargo-zigbuild (crates.io) when missing. The `.2.17` suffix makes zig link
# against glibc 2.17's symbol versions.
#
# Output: target/glibc217/mirage-native.linux-x64-gnu.node. __test__/compat.test.mjs checks it (highest GLIBC_
# version 2.17, loads in Node, passes the Node tests through NAPI_RS_NATIVE_LIBRARY_PATH) and
# __test__/package.test.mjs packs it into the linux-x64-gnu package when it exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec bash scripts/build-zig.sh x86_64-unknown-linux-gnu.2.17 "${MIRAGE_GLIBC217_OUT:-target/glibc217}"
