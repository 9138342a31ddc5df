// Issue 19 item 3: the batch returned by next() on a temporary cursor points
// into the cursor freed at the end of the statement (heap-use-after-free).
// good-flags: -std=c++17
// bad-flags: -std=c++17 -DNB_MISUSE
// expect-error: deleted (member )?function.*next
#include "neurobatch.hpp"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  auto r = neurobatch::Reader::open(argv[1]);
  neurobatch::BatchOptions o;
#ifdef NB_MISUSE
  auto b = r.batches(o).next();
#else
  auto cursor = r.batches(o);
  auto b = cursor.next();
#endif
  return b && b->values<int16_t>().size() > 0 ? 0 : 1;
}
