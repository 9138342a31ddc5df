#!/usr/bin/env bash
# Builds libneurobatch and runs examples/quickstart.c on a generated
# Neuropixels-like recording (385 channels of int16, 400 MB by default, in a
# temporary directory that is removed afterwards).
#   bash scripts/quickstart.sh [size_mb] [max_memory]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs) first" >&2; exit 1; }
if ! command -v cc >/dev/null; then
  [[ $(id -u) == 0 ]] || { echo "a C compiler is needed: apt-get install gcc" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null
fi
cargo build --release --locked --quiet
mkdir -p target/examples
cc -O2 -Wall -Wextra -Werror -Iinclude -Iexamples examples/quickstart.c -Ltarget/release -lneurobatch \
   -Wl,-rpath,"$PWD/target/release" -lm -o target/examples/quickstart
exec target/examples/quickstart "$@"
