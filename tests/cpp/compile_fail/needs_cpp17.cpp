// Issue 19 item 13: compiled as C++14, the header says it needs C++17, and
// nothing else.
// good-flags: -std=c++17
// bad-flags: -std=c++14
// expect-error: neurobatch.hpp needs C\+\+17
// single-error
#include "neurobatch.hpp"

int main() { return 0; }
