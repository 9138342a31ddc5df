#!/usr/bin/env bash
# Windows and macOS from Linux: builds neurobatch for x86_64 Windows with
# MinGW-w64 and runs under Wine the C and C++ tests and the examples (ctest
# with cmake/mingw-w64.cmake); installs the Windows distribution
# (scripts/build-windows.sh's layout), checks that the DLL exports exactly
# the header's functions, and builds and runs a separate consumer against
# it; runs every Rust test under Wine (cargo test for x86_64-pc-windows-gnu;
# after the install, as its test build of the DLL exports test hooks); and
# type-checks every target for aarch64- and x86_64-apple-darwin (no macOS SDK
# here: nothing is linked). Installs what it needs (MinGW-w64,
# Wine, the Rust targets) when missing; safe to run again.
#   bash scripts/test-windows.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never
SECONDS=0
step() { printf '\n=== [%4ss] %s\n' "$SECONDS" "$*"; }
T=x86_64-pc-windows-gnu
MACOS=(aarch64-apple-darwin x86_64-apple-darwin)

command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs) first" >&2; exit 1; }
command -v rustup >/dev/null || { echo "rustup not found: it adds the Rust targets $T ${MACOS[*]}" >&2; exit 1; }
# cargo's target directory (CARGO_TARGET_DIR when set, as cargo reads it
# here), given to CMake too so a build directory configured earlier with
# another one follows it.
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-target}")
mkdir -p "$TARGET_DIR"
missing=()
command -v x86_64-w64-mingw32-gcc-posix >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-g++-posix >/dev/null || missing+=(g++-mingw-w64-x86-64)
[[ -x /usr/lib/wine/wine64 ]] || command -v wine64 >/dev/null || missing+=(wine64)
command -v cmake >/dev/null || missing+=(cmake)
command -v python3 >/dev/null || missing+=(python3)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  [[ $(id -u) == 0 ]] || { echo "missing tools: ${missing[*]}; run as root or install them" >&2; exit 1; }
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
installed_targets=$(rustup target list --installed)
for t in "$T" "${MACOS[@]}"; do
  grep -qx "$t" <<<"$installed_targets" || { step "rustup target add $t"; rustup target add "$t"; }
done

# Wine: its own prefix beside the build, made once (about 10 s).
WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
export WINEPREFIX="${NB_WINEPREFIX:-$TARGET_DIR/wine}" WINEDEBUG=-all
if [[ ! -f "$WINEPREFIX/system.reg" ]]; then
  step "wineboot (new Wine prefix $WINEPREFIX)"
  mkdir -p "$WINEPREFIX"
  "$WINE" wineboot -i >/dev/null 2>&1
fi
# Rust's standard library (1.78 on) needs bcryptprimitives.dll, which Windows
# 10 and later have and Wine has from 9.0; older Wine (Debian 12: 8.0) gets a
# shim (tests/wine/bcryptprimitives.c) in the prefix, never shipped.
sys32="$WINEPREFIX/drive_c/windows/system32"
if [[ ! -f "$sys32/bcryptprimitives.dll" ]]; then
  step "bcryptprimitives.dll shim for Wine $("$WINE" --version 2>/dev/null)"
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$sys32/bcryptprimitives.dll" tests/wine/bcryptprimitives.c -ladvapi32
fi

# Cargo runs the Windows test programs through Wine; warnings are errors for
# the cross targets (exported: CMake's cargo build shares the flags, so
# nothing is built twice).
T_ENV=${T^^}; T_ENV=${T_ENV//-/_}
export "CARGO_TARGET_${T_ENV}_RUNNER=$WINE" "CARGO_TARGET_${T_ENV}_RUSTFLAGS=-Dwarnings"

step "C and C++ tests and examples under Wine (ctest, cmake/mingw-w64.cmake)"
cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release -DNB_CARGO_TARGET_DIR="$TARGET_DIR" >/dev/null
cmake --build build-windows -j"$(nproc)"
ctest --test-dir build-windows --output-on-failure --timeout 900 -j"$(nproc)"

step "install the Windows distribution and consume it"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
prefix="$work/neurobatch-windows"
cmake --install build-windows --prefix "$prefix" >/dev/null
for f in bin/neurobatch.dll lib/neurobatch.lib lib/neurobatch.def lib/libneurobatch.dll.a lib/libneurobatch.a \
         include/neurobatch.h lib/cmake/neurobatch/neurobatchConfig.cmake lib/pkgconfig/neurobatch.pc; do
  [[ -f "$prefix/$f" ]] || { echo "the install lacks $f" >&2; exit 1; }
done
# Every function of the header is exported by the DLL, and nothing else.
header_fns=$(grep -E '^[a-z].*[ *]nb_[a-z0-9_]+\(' include/neurobatch.h | grep -oE 'nb_[a-z0-9_]+\(' | tr -d '(' | sort)
def_fns=$(awk 'found && NF {print $1} /^EXPORTS/ {found = 1}' "$prefix/lib/neurobatch.def" | sort)
diff <(echo "$header_fns") <(echo "$def_fns") || { echo "the DLL's exports (above, >) differ from the header's functions (<)" >&2; exit 1; }
head -1 "$prefix/lib/neurobatch.def" | grep -qx 'LIBRARY neurobatch.dll' || { echo "neurobatch.def lacks its LIBRARY line" >&2; exit 1; }
echo "neurobatch.dll exports the header's $(wc -l <<<"$header_fns") functions"
# A separate project: find_package (shared and static) and pkg-config, as on
# Linux (tests/consumer), then a plain link against each import library.
PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" cmake -S tests/consumer -B "$work/consumer" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64.cmake" \
      -DCMAKE_FIND_ROOT_PATH="$prefix" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
for lib in neurobatch.lib libneurobatch.dll.a; do
  x86_64-w64-mingw32-gcc -Wall -Wextra -Werror -I"$prefix/include" tests/consumer/main.c "$prefix/lib/$lib" -o "$work/consumer/consumer_${lib%%.*}.exe"
done
# Windows finds the DLL on PATH (Wine: WINEPATH), as a user's program would.
export WINEPATH="Z:${prefix//\//\\}\\bin"
for exe in consumer_cmake consumer_cmake_static consumer_pkgconfig consumer_neurobatch consumer_libneurobatch; do
  "$WINE" "$work/consumer/$exe.exe" "Z:${work//\//\\}\\$exe.bin"
done
unset WINEPATH

step "cargo test --target $T under Wine"
log="$TARGET_DIR/test-windows-cargo.log"
# pipefail: the pipeline fails when cargo does (the filter never fails).
if ! cargo test --release --locked --workspace --target "$T" 2>&1 | tee "$log" | { grep -E '^(test result|error|failures)|FAILED|panicked' || true; }; then
  echo "cargo test for $T failed (log: $log)" >&2
  exit 1
fi
awk '/^test result:/ {n += $4} END {print "Rust tests passed under Wine: " n}' "$log"

step "cargo check --all-targets for ${MACOS[*]} (type-checked only: no macOS SDK here)"
for t in "${MACOS[@]}"; do
  t_env=${t^^}; t_env=${t_env//-/_}
  env "CARGO_TARGET_${t_env}_RUSTFLAGS=-Dwarnings" cargo check --release --locked --workspace --all-targets --target "$t"
done

step "Windows and macOS checks passed"
