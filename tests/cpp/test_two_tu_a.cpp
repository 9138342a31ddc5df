// Two translation units include the wrapper: every function must be inline
// (this links only if there are no duplicate definitions).
#include "neurobatch.hpp"
#include "neurobatch.hpp"

uint64_t parse_in_b(const char *text);

int main() {
  return neurobatch::parse_max_memory("1KB") == 1024 && parse_in_b("2KB") == 2048 ? 0 : 1;
}
