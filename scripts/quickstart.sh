#!/usr/bin/env bash
# Builds libneurobatch and examples/quickstart.c with CMake, the same build
# the README's Install section describes, and runs it on a generated
# Neuropixels-like recording (385 channels of int16, 400 MB by default, in a
# temporary directory that is removed afterwards).
#   bash scripts/quickstart.sh [size_mb] [max_memory]
# Needs cargo; installs a C/C++ compiler and cmake with apt when missing (as root).
# CMake, not cc directly: the library's SONAME is libneurobatch.so.0, a name
# only the CMake build creates beside the library, and CMake gives the program
# the run-time path to it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs) first" >&2; exit 1; }
missing=()
command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v c++ >/dev/null || missing+=(g++)
command -v cmake >/dev/null || missing+=(cmake)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "missing tools: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2; exit 1; }
  echo "installing ${missing[*]} with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target example_quickstart -j"$(nproc)"
exec build/example_quickstart "$@"
