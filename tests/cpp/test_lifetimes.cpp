// What the wrapper lets a user write about lifetimes compiles and is correct
// (run under AddressSanitizer with -DNB_SANITIZE=address,undefined, and under
// valgrind): range-for over temporary cursors, named cursors and iterators,
// a cursor outliving its Reader, a cursor moved mid-walk. The misuses that
// would dangle do not compile (tests/cpp/compile_fail). And a moved-from
// Reader, Cursor, Writer or Results says it was moved from (issue 14).
#include "fixture.hpp"

namespace nb = neurobatch;

static const std::size_t kChannels = 4;
static const uint64_t kObservations = 1000;

// Every batch's first own row, channel 1, checked against the fixture.
static bool batch_is_right(const nb::Batch &b) {
  return b.n_channels() == kChannels && b.at<int16_t>(0, 1) == fx::value(kChannels, b.idx().first, 1);
}

// `expr` must throw neurobatch::Error with NB_STATUS_BAD_HANDLE and a message
// naming the class and saying it was moved from.
#define CHECK_MOVED_FROM(expr, cls)                                                                  \
  do {                                                                                               \
    try {                                                                                            \
      (void)(expr);                                                                                  \
      std::cerr << __FILE__ << ":" << __LINE__ << ": no exception from " #expr << std::endl;         \
      fx::failures++;                                                                                \
    } catch (const nb::Error &e) {                                                                   \
      std::string m = e.what();                                                                      \
      FX_CHECK(e.status() == NB_STATUS_BAD_HANDLE);                                                  \
      FX_CHECK(m.find("neurobatch::" cls " used after it was moved from") == 0);                     \
      FX_CHECK(m.find("NULL") == std::string::npos && m.find("null") == std::string::npos);          \
    }                                                                                                \
  } while (0)

static void good_uses(const std::string &path) {
  const nb::Reader r = nb::Reader::open(path);
  const nb::BatchOptions o = nb::BatchOptions().max_memory(kChannels * 2 * 100);  // 100 rows a batch
  // range-for over a temporary cursor: the loop keeps it alive
  uint64_t rows = 0;
  for (const nb::Batch &b : r.batches(o)) {
    FX_CHECK(batch_is_right(b));
    rows += b.n_rows();
  }
  FX_CHECK(rows == kObservations);
  // ... even when the Reader is a temporary too: a cursor keeps the file open
  std::size_t n = 0;
  for (const nb::Batch &b : nb::Reader::open(path).batches(o)) {
    FX_CHECK(batch_is_right(b));
    n++;
  }
  FX_CHECK(n == 10);
  // named cursor: next(), then an iterator
  auto cursor = r.batches(o);
  auto first = cursor.next();
  FX_CHECK(first && first->batch_index() == 0 && batch_is_right(*first));
  auto it = cursor.begin();  // fetches batch 1
  ++it;                       // batch 2
  FX_CHECK(it != cursor.end() && it->batch_index() == 2 && batch_is_right(*it));
  // a cursor moved mid-walk goes on where it was
  nb::Cursor moved = std::move(cursor);
  auto third = moved.next();
  FX_CHECK(third && third->batch_index() == 3 && batch_is_right(*third));
  // results named before indexing
  auto results = r.apply(o, nb::ApplyOptions{}, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
    out.set(1, b.n_channels(), b.values<int16_t>().data());
  });
  FX_CHECK(results.size() == 10 && results[9].values<int16_t>()[1] == fx::value(kChannels, 900, 1));
  // outputs() copies, so it is fine on a temporary
  nb::ApplyOptions disk;
  disk.mode = NB_APPLY_MODE_DISK;
  disk.output_path = path + ".copy.bin";
  auto outs = r.apply(o, disk, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
                 out.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
               }).outputs();
  FX_CHECK(outs.size() == 1 && outs[0].n_observations == kObservations);
}

static void moved_from(const fx::TempDir &dir, const std::string &path) {
  nb::Reader a = nb::Reader::open(path);
  nb::Reader b = std::move(a);
  FX_CHECK(b.n_observations() == kObservations);
  CHECK_MOVED_FROM(a.n_observations(), "Reader");
  CHECK_MOVED_FROM(a.n_channels(), "Reader");
  CHECK_MOVED_FROM(a.dtype(), "Reader");
  CHECK_MOVED_FROM(a.format(), "Reader");
  CHECK_MOVED_FROM(a.read<int16_t>(0, 1), "Reader");
  CHECK_MOVED_FROM(a.plan(), "Reader");
  CHECK_MOVED_FROM(a.batches(), "Reader");
  CHECK_MOVED_FROM(a.apply({}, {}, [](const nb::Batch &, const nb::ResultView *, nb::ResultSlot &) {}), "Reader");
  nb_reader *raw = b.release();
  CHECK_MOVED_FROM(b.n_channels(), "Reader");
  nb_reader_free(raw);

  nb::Reader r = nb::Reader::open(path);
  nb::Cursor c = r.batches();
  auto it = c.begin();
  nb::Cursor c2 = std::move(c);
  CHECK_MOVED_FROM(c.next(), "Cursor");
  CHECK_MOVED_FROM(c.n_batches(), "Cursor");
  CHECK_MOVED_FROM(c.seek(0), "Cursor");
  CHECK_MOVED_FROM(++it, "Cursor");  // the iterator walks the object it came from
  FX_CHECK(c2.n_batches() == 1);

  nb::Results res = r.apply({}, {}, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) { out.set(1, 1, b.values<int16_t>().data()); });
  nb::Results res2 = std::move(res);
  FX_CHECK(res2.size() == 1);
  CHECK_MOVED_FROM(res.size(), "Results");
  CHECK_MOVED_FROM(res[0], "Results");
  CHECK_MOVED_FROM(res.outputs(), "Results");
  CHECK_MOVED_FROM(nb::Results().size(), "Results");

  auto w = nb::Writer::open(dir / "moved_writer.bin", NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_INT16);
  auto w2 = std::move(w);
  int16_t v[2] = {1, 2};
  CHECK_MOVED_FROM(w.append(2, 1, v), "Writer");
  CHECK_MOVED_FROM(w.finish(), "Writer");
  w2.append(2, 1, v);
  FX_CHECK(w2.finish().n_observations == 2);
}

int main() {
  fx::TempDir dir;
  auto path = fx::write_fixture<int16_t>(dir, "lifetimes.bin", kChannels, kObservations, NB_DATA_ORDER_SAMPLES);
  good_uses(path);
  moved_from(dir, path);
  return fx::finish("test_cpp_lifetimes");
}
