#!/usr/bin/env bash
# Runs every test suite, starting with the README's first command
# (scripts/quickstart.sh) before anything else has been built, so a step that
# command misses on a fresh clone fails here. Then: rustfmt and clippy; Rust
# (unit, integration, property tests, the bad-input catalogue, injected
# faults); the Python package (pytest, with YASS 0.9 for the differential
# tests); the header staleness check; every fuzz target for a bounded time;
# the C and C++ tests under ASan/UBSan and the C++ tests under TSan; under
# ctest the C tests (also under valgrind and statically linked), the C++
# wrapper tests, the MATLAB package under GNU Octave, the Julia checks, every
# code block of README.md and docs/, and the install-and-consume test. Last,
# Windows and macOS (scripts/test-windows.sh): the Rust, C and C++ tests
# cross-built with MinGW-w64 and run under Wine, the Windows install
# consumed, macOS type-checked. Installs what it needs (cmake, pkg-config,
# valgrind, octave, octave-dev, openmpi, python3-venv, cargo-fuzz, rustfmt,
# clippy; MinGW-w64, Wine and the Rust targets) when missing; safe to run
# again.
#   bash scripts/test-all.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never
SECONDS=0
step() { printf '\n=== [%4ss] %s\n' "$SECONDS" "$*"; }

command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs) first" >&2; exit 1; }

step "bash scripts/quickstart.sh (the README's first command, before anything else builds)"
bash scripts/quickstart.sh

missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v c++ >/dev/null || missing+=(g++)
command -v git >/dev/null || missing+=(git)
{ command -v octave-cli && command -v mkoctfile; } >/dev/null || missing+=(octave octave-dev)
{ command -v python3 && python3 -m pip --version; } >/dev/null 2>&1 || missing+=(python3 python3-pip)
# The Python package's tests run in a fresh virtual environment (Debian: python3-venv).
probe="$(mktemp -d)"; python3 -m venv "$probe/v" >/dev/null 2>&1 || missing+=(python3-venv); rm -rf "$probe"
# Open MPI for the sharded-apply test: mpirun, and mpicc with its headers.
{ command -v mpirun && echo '#include <mpi.h>' | mpicc -x c -E - ; } >/dev/null 2>&1 || missing+=(openmpi-bin libopenmpi-dev)
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  [[ $(id -u) == 0 ]] || { echo "missing tools: ${missing[*]}; run as root or install them" >&2; exit 1; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Julia binding is checked statically where julia cannot be installed.
if ! python3 -c 'import tree_sitter, tree_sitter_julia' 2>/dev/null; then
  step "pip install tree-sitter tree-sitter-julia"
  ts=(tree-sitter==0.26.1 tree-sitter-julia==0.23.1)
  # Debian's own python3 refuses system-wide installs (PEP 668) unless told.
  python3 -m pip install -q --root-user-action=ignore "${ts[@]}" 2>/dev/null ||
    python3 -m pip install -q --root-user-action=ignore --break-system-packages "${ts[@]}"
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || { echo "cargo $component is missing and there is no rustup to add it" >&2; exit 1; }
    step "rustup component add $component"
    rustup component add "$component"
  fi
done

step "cargo fmt --check (rustfmt.toml)"
cargo fmt --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "cargo test (release; shares target/ with the CMake build)"
cargo test --release --locked --workspace

step "Python package: rustfmt, clippy, then pytest in a fresh venv (bindings/python/run_tests.sh)"
cargo fmt --check --manifest-path bindings/python/Cargo.toml
(cd bindings/python && cargo clippy --locked --release --all-targets -- -D warnings)
bash bindings/python/run_tests.sh

step "include/neurobatch.h matches the Rust sources"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git diff --exit-code -- include/neurobatch.h || { echo "include/neurobatch.h is stale: commit the regenerated header" >&2; exit 1; }
else
  echo "not a git checkout: staleness check skipped"
fi

step "fuzz every target for ${FUZZ_SECONDS:-30} s (scripts/fuzz.sh)"
bash scripts/fuzz.sh

step "C and C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer (Debug)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DNB_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure --timeout 900

step "C++ wrapper tests under ThreadSanitizer (one Reader shared by threads)"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DNB_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$(nproc)"
ctest --test-dir build-tsan --output-on-failure --timeout 900 -L cpp

step "cmake build + ctest"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DNB_REQUIRE_ALL_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure --timeout 900

step "Windows (MinGW-w64, tests under Wine) and macOS (type-checked): scripts/test-windows.sh"
bash scripts/test-windows.sh
