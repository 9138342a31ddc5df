// A result view from operator[] on a temporary Results points into the
// result list freed at the end of the statement.
// good-flags: -std=c++17
// bad-flags: -std=c++17 -DNB_MISUSE
// expect-error: deleted.*operator ?\[\]
#include "neurobatch.hpp"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  auto r = neurobatch::Reader::open(argv[1]);
  auto first_row = [](const neurobatch::Batch &b, const neurobatch::ResultView *, neurobatch::ResultSlot &out) {
    out.set(1, b.n_channels(), b.values<int16_t>().data());
  };
#ifdef NB_MISUSE
  auto v = r.apply({}, {}, first_row)[0];
#else
  auto results = r.apply({}, {}, first_row);
  auto v = results[0];
#endif
  return v.values<int16_t>().size() > 0 ? 0 : 1;
}
