// Issue 19 item 3, the waiting form of next(): the same dangling batch.
// good-flags: -std=c++17
// bad-flags: -std=c++17 -DNB_MISUSE
// expect-error: deleted (member )?function.*next_within
#include "neurobatch.hpp"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  auto r = neurobatch::Reader::open(argv[1]);
  bool not_yet = false;
#ifdef NB_MISUSE
  auto b = r.batches().next_within(10, not_yet);
#else
  auto cursor = r.batches();
  auto b = cursor.next_within(10, not_yet);
#endif
  return b && b->n_rows() > 0 ? 0 : 1;
}
