# Cross-compiles neurobatch, its C/C++ tests and examples for 64-bit Windows
# with MinGW-w64 (Debian: gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64), and
# runs the tests under Wine:
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
#   cmake --build build-windows && ctest --test-dir build-windows
#   cmake --install build-windows --prefix dist/neurobatch-windows
# scripts/test-windows.sh does all of it, Wine's setup included.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(NB_MINGW x86_64-w64-mingw32)

# The posix thread model: C++ std::thread and <pthread.h> (winpthreads).
find_program(CMAKE_C_COMPILER NAMES ${NB_MINGW}-gcc-posix ${NB_MINGW}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${NB_MINGW}-g++-posix ${NB_MINGW}-g++ REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${NB_MINGW}-windres)
find_program(NB_DLLTOOL NAMES ${NB_MINGW}-dlltool REQUIRED)
find_program(CMAKE_OBJDUMP NAMES ${NB_MINGW}-objdump REQUIRED)

# Appended: a consumer may add its own roots (an installed neurobatch) with -DCMAKE_FIND_ROOT_PATH.
list(APPEND CMAKE_FIND_ROOT_PATH /usr/${NB_MINGW})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs carry libgcc, libstdc++ and winpthreads inside them, so they need
# no MinGW DLLs beside them; neurobatch.dll stays a DLL.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# What cargo builds: the Rust target of this toolchain.
set(NB_RUST_TARGET x86_64-pc-windows-gnu CACHE STRING "Rust target triple")

# ctest runs each program through Wine.
find_program(NB_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(NB_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NB_WINE})
endif()
