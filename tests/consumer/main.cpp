// Tiny C++ consumer of an installed neurobatch, through neurobatch.hpp:
// writes a 3-channel recording, reads it back in batches through the
// wrapper and checks every value.
#include <cstdint>
#include <cstdio>
#include <fstream>

#include <neurobatch.hpp>
namespace nb = neurobatch;

int main(int argc, char **argv) try {
  if (argc != 2) return 2;
  {
    std::ofstream f(argv[1], std::ios::binary);
    for (int16_t i = 0; i < 300; i++) f.write(reinterpret_cast<const char *>(&i), sizeof i);
  }
  nb::OpenOptions oo;
  oo.dtype = NB_DTYPE_INT16;
  oo.n_channels = 3;
  oo.data_order = NB_DATA_ORDER_SAMPLES;
  nb::Reader reader = nb::Reader::open(argv[1], oo);
  long n = 0, bad = 0;
  for (const nb::Batch &b : reader.batches(nb::BatchOptions().max_memory(60))) {
    auto v = b.values<int16_t>();
    for (std::size_t i = 0; i < v.size(); i++, n++) bad += v[i] != static_cast<int16_t>(b.idx().first * 3 + i);
  }
  std::printf("consumer (C++) %s: %ld values, %ld wrong\n", nb_version_string(), n, bad);
  return (n == 300 && bad == 0) ? 0 : 1;
} catch (const nb::Error &e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
