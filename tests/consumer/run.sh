#!/usr/bin/env bash
# install_and_consume: installs the build tree into a prefix and builds and
# runs consumers of it with the README's commands (its "Install" section):
# CMake projects in C and C++ finding the prefix through CMAKE_PREFIX_PATH
# (shared and static library), and a C program compiled with pkg-config,
# found at run time through its rpath, through LD_LIBRARY_PATH, and not at
# all without either (the error the README quotes).
set -euo pipefail
build="$1"; src="$2"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# relocatable: move the installed tree before using it
mv "$work/prefix" "$work/moved"
prefix="$work/moved"

cmake -S "$src" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
for exe in consumer_cmake consumer_cmake_static consumer_cpp consumer_pkgconfig; do
  "$work/consumer/$exe" "$work/$exe.bin"
done

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
libdir="$(pkg-config --variable=libdir neurobatch)"
cc -Wall -Wextra -Werror "$src/main.c" $(pkg-config --cflags --libs neurobatch) -Wl,-rpath,"$libdir" -o "$work/consumer_rpath"
"$work/consumer_rpath" "$work/rpath.bin"
readelf -d "$work/consumer_rpath" | grep -q 'NEEDED.*libneurobatch.so.0' || { echo "consumer does not record the SONAME"; exit 1; }

cc -Wall -Wextra -Werror "$src/main.c" $(pkg-config --cflags --libs neurobatch) -o "$work/consumer_norpath"
if out=$(env -u LD_LIBRARY_PATH "$work/consumer_norpath" "$work/norpath.bin" 2>&1); then
  echo "a program without rpath or LD_LIBRARY_PATH found the library: the README's run-time section is wrong here"; exit 1
fi
grep -q 'libneurobatch.so.0: cannot open shared object file' <<<"$out" || { echo "unexpected failure: $out"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$work/consumer_norpath" "$work/norpath.bin"
echo "install_and_consume: ok"
