#!/usr/bin/env bash
# Builds the Windows (x86_64) distribution of neurobatch from Linux with
# MinGW-w64, through the CMake install (cmake/mingw-w64.cmake):
#   bin/neurobatch.dll            the library (with its version resource)
#   lib/neurobatch.lib            import library for MSVC (made from neurobatch.def)
#   lib/neurobatch.def            the DLL's exports (`lib /def:` makes an MSVC import library)
#   lib/libneurobatch.dll.a       import library for MinGW
#   lib/libneurobatch.a           static library (MinGW only)
#   lib/cmake/neurobatch/, lib/pkgconfig/neurobatch.pc
#   include/neurobatch.h (and neurobatch.hpp)
# into target/dist/neurobatch-<version>-windows-x86_64/ and a .zip of it.
# Needs: cargo with the x86_64-pc-windows-gnu target, MinGW-w64 (gcc, g++,
# binutils), cmake; scripts/test-windows.sh installs them.
#   bash scripts/build-windows.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=$(sed -n 's/^#define NB_VERSION_STRING "\(.*\)"/\1/p' include/neurobatch.h)
name="neurobatch-${version}-windows-x86_64"
out="${1:-target/dist}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# A cargo target directory of its own: `cargo test` builds the library with
# its test hooks under the same file names, and none may be shipped.
cmake -S . -B build-windows-dist -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release -DNB_BUILD_TESTS=OFF \
      -DNB_CARGO_TARGET_DIR="$PWD/target/windows-dist" >/dev/null
cmake --build build-windows-dist -j"$(nproc)" --target neurobatch_cargo
rm -rf "${out:?}/$name" "$out/$name.zip"
cmake --install build-windows-dist --prefix "$out/$name" >/dev/null
(cd "$out" && python3 -m zipfile -c "$name.zip" "$name")
echo "$out/$name"
find "$out/$name" -type f | sed "s|^$out/$name/|  |" | sort
echo "$out/$name.zip"
