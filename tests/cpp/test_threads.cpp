// Const means thread-safe (issue 19 item 4): one const BatchOptions, one
// const Reader and one const Results shared by several threads, each planning,
// walking its own cursor, reading and applying at once, and checking every
// value. Built with -DNB_SANITIZE=thread, ThreadSanitizer fails the test on
// any data race in the wrapper (the Rust library itself is not instrumented).
#include <atomic>
#include <thread>

#include "fixture.hpp"

namespace nb = neurobatch;

static const std::size_t kChannels = 6;
static const uint64_t kObservations = 20000;

// Sum of the fixture's values over `channels` and every observation.
static int64_t expected_sum(const std::vector<std::size_t> &channels) {
  int64_t sum = 0;
  for (uint64_t s = 0; s < kObservations; s++)
    for (std::size_t c : channels) sum += fx::value(kChannels, s, c);
  return sum;
}

int main() {
  fx::TempDir dir;
  const std::vector<std::size_t> channels{0, 2, 5};
  const nb::Reader reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "shared.bin", kChannels, kObservations, NB_DATA_ORDER_SAMPLES));
  const nb::BatchOptions opts = nb::BatchOptions().max_memory("6KB").buffer_size(4).channels(channels);
  const int64_t want = expected_sum(channels);
  const auto plan = reader.plan(opts);
  const auto sum_own_rows = [](const nb::Batch &b) {
    int64_t sum = 0;
    auto [lo, hi] = b.idx_local();
    for (uint64_t r = lo; r < hi; r++)
      for (std::size_t j = 0; j < b.n_channels(); j++) sum += b.at<int16_t>(r, j);
    return sum;
  };
  // computed once here, then read by every thread
  const nb::Results shared = reader.apply(opts, nb::ApplyOptions{}, [&](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
    int64_t sum = sum_own_rows(b);
    out.set<int64_t>(1, 1, &sum);
  });

  const int kThreads = 4, kRounds = 3;
  std::atomic<int> ready{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++)
    threads.emplace_back([&] {
      ready++;
      while (ready.load() < kThreads) std::this_thread::yield();  // start together, to overlap
      for (int round = 0; round < kRounds; round++) {
        if (reader.plan(opts) != plan) bad++;
        int64_t sum = 0;
        uint64_t n = 0;
        for (const nb::Batch &b : reader.batches(opts)) {
          sum += sum_own_rows(b);
          n++;
        }
        if (sum != want || n != plan.first) bad++;
        auto per_batch = reader.apply(opts, nb::ApplyOptions{}, [&](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
          int64_t s = sum_own_rows(b);
          out.set<int64_t>(1, 1, &s);
        });
        int64_t total = 0, total_shared = 0;
        for (std::size_t k = 0; k < per_batch.size(); k++) total += per_batch[k].values<int64_t>()[0];
        for (std::size_t k = 0; k < shared.size(); k++) total_shared += shared[k].values<int64_t>()[0];
        if (total != want || total_shared != want) bad++;
        auto block = reader.read<int16_t>(100, 200, channels);
        if (block.size() != 300 || block[3 * 7 + 1] != fx::value(kChannels, 107, 2)) bad++;
      }
    });
  for (auto &t : threads) t.join();
  FX_CHECK(bad.load() == 0);
  FX_CHECK(plan.first > 10);  // enough batches for the threads to overlap
  return fx::finish("test_cpp_threads");
}
