// Issue 19 item 3: an iterator from begin() on a temporary cursor points at
// the cursor destroyed at the end of the statement (stack-use-after-scope).
// A range-for over the same temporary is fine (the loop keeps it alive): the
// good version has both.
// good-flags: -std=c++17
// bad-flags: -std=c++17 -DNB_MISUSE
// expect-error: deleted (member )?function.*begin
#include "neurobatch.hpp"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  auto r = neurobatch::Reader::open(argv[1]);
  neurobatch::BatchOptions o;
  std::size_t rows = 0;
  for (const neurobatch::Batch &b : r.batches(o)) rows += b.n_rows();
#ifdef NB_MISUSE
  auto it = r.batches(o).begin();
#else
  auto cursor = r.batches(o);
  auto it = cursor.begin();
#endif
  ++it;
  return rows > 0 && it != neurobatch::Cursor::iterator() ? 0 : 1;
}
