// Proves the ThreadSanitizer job is not blind: a callable that increments a
// plain int from a parallel apply (n_threads = 2) is a data race, and TSan
// must report it despite the suppressions for the uninstrumented library and
// the orderings the wrapper declares. Registered only with
// -DNB_SANITIZE=thread; the test passes when TSan reports the race.
#include <atomic>
#include <chrono>
#include <thread>

#include "fixture.hpp"

namespace nb = neurobatch;

int main() {
  fx::TempDir dir;
  auto r = nb::Reader::open(fx::write_fixture<int16_t>(dir, "race.bin", 2, 20000, NB_DATA_ORDER_SAMPLES));
  nb::ApplyOptions par;
  par.n_threads = 2;
  int calls = 0;  // the race: written by both workers without synchronization
  // The first callbacks wait (up to 2 s) until both workers are in one, so
  // the two increments surely come from two threads; each increments before
  // touching the atomic, so the atomic orders nothing before it.
  std::atomic<int> arrived{0};
  auto res = r.apply(nb::BatchOptions().max_memory(400), par, [&](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
    calls++;
    if (arrived.fetch_add(1) < 2) {
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (arrived.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    }
    out.set(1, 1, b.values<int16_t>().data());
  });
  std::cout << "callbacks: " << calls << " of " << res.size() << std::endl;
  return 0;
}
