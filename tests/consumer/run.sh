#!/usr/bin/env bash
# install_and_consume: installs the build tree into a temporary prefix, then
# builds and runs the consumer with find_package, with the static library and
# with pkg-config (CMake and plain gcc).
set -euo pipefail
build="$1"; src="$2"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# relocatable: move the installed tree before using it
mv "$work/prefix" "$work/moved"
prefix="$work/moved"
cmake -S "$src" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
for exe in consumer_cmake consumer_cmake_static consumer_pkgconfig; do
  "$work/consumer/$exe" "$work/$exe.bin"
done
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig"
libdir="$(pkg-config --variable=libdir neurobatch)"
gcc -Wall -Wextra -Werror "$src/main.c" $(pkg-config --cflags --libs neurobatch) -Wl,-rpath,"$libdir" -o "$work/consumer_gcc"
"$work/consumer_gcc" "$work/gcc.bin"
readelf -d "$work/consumer_gcc" | grep -q 'NEEDED.*libneurobatch.so.0' || { echo "consumer does not record the SONAME"; exit 1; }
echo "install_and_consume: ok"
