#include "neurobatch.hpp"

uint64_t parse_in_b(const char *text) { return neurobatch::parse_max_memory(text); }
