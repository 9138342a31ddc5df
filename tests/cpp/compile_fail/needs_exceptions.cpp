// Issue 19 item 13: compiled with -fno-exceptions, the header says it needs
// exceptions, and nothing else.
// good-flags: -std=c++17
// bad-flags: -std=c++17 -fno-exceptions
// expect-error: neurobatch.hpp needs C\+\+ exceptions
// single-error
#include "neurobatch.hpp"

int main() { return 0; }
