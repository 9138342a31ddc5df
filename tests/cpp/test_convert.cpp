// Reader::convert (nb_reader_apply without a function) and
// BatchOptions::read_ahead: a convert's output is byte-identical to an apply
// whose lambda copies each batch (disk: data and sidecar; memory: every
// block), with and without read-ahead, streamed or not; read-ahead on and
// off walk identical batches; misuse throws nb::Error with its status and
// leaves no output.
#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "fixture.hpp"

namespace nb = neurobatch;

namespace {

const std::size_t N_CH = 23;
const uint64_t N_OBS = 5003;  // not a multiple of any batch size used here

// The function a convert stands for: each batch's block, as it is, is its result.
void copy_batch(const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &out) {
  out.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
}

bool same_file(const std::string &a, const std::string &b) {
  return std::filesystem::exists(a) && std::filesystem::exists(b) && fx::read_text(a) == fx::read_text(b);
}

std::string sidecar(const std::string &path) {
  char yaml[1024];
  nb_sidecar_path(path.c_str(), yaml, sizeof yaml, nullptr);
  return yaml;
}

nb::ApplyOptions to_disk(const std::string &path, nb_dtype cast = NB_DTYPE_UNSET) {
  nb::ApplyOptions o;
  o.mode = NB_APPLY_MODE_DISK;
  o.output_path = path;
  o.cast_dtype = cast;
  return o;
}

// A channels-order int16 file turned into samples-order float32, a channel
// subset (reordered, repeated) of a time range, and a single-channel convert
// ("channels" output): each against the copy lambda's output, with
// read-ahead on, off and automatic.
void disk_outputs_match_the_copy_lambda(const fx::TempDir &dir) {
  auto reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "wide.bin", N_CH, N_OBS, NB_DATA_ORDER_CHANNELS));
  struct Case {
    const char *name;
    nb::BatchOptions opts;
    nb_dtype cast;
  };
  std::vector<Case> cases = {
      {"all", nb::BatchOptions().max_memory(N_CH * 2 * 301), NB_DTYPE_FLOAT32},
      {"subset", nb::BatchOptions().max_memory(3 * 2 * 97).channels({9, 0, 4, 9}).from_time(11).to_time(N_OBS - 7), NB_DTYPE_INT32},
      {"uncast", nb::BatchOptions().max_memory("4KB").from_time(1000), NB_DTYPE_UNSET},
      {"single", nb::BatchOptions().max_memory(2 * 700).single_channel(false).channels({3, 1}), NB_DTYPE_FLOAT64},
  };
  for (auto &c : cases) {
    std::string want = dir / (std::string(c.name) + "-apply.bin");
    reader.apply(nb::BatchOptions(c.opts).layout(NB_LAYOUT_CHANNEL_MAJOR), to_disk(want, c.cast), copy_batch);
    for (nb_read_ahead ahead : {NB_READ_AHEAD_AUTO, NB_READ_AHEAD_ON, NB_READ_AHEAD_OFF}) {
      std::string got = dir / (std::string(c.name) + "-convert-" + std::to_string(ahead) + ".bin");
      nb::Results res = reader.convert(nb::BatchOptions(c.opts).read_ahead(ahead), to_disk(got, c.cast));
      FX_CHECK(res.size() == 0 && res.outputs().size() == 1 && res.outputs()[0].path == got);
      FX_CHECK(same_file(got, want));
      FX_CHECK(same_file(sidecar(got), sidecar(want)));
    }
  }
  // the values themselves: the subset case read back
  auto back = nb::Reader::open(dir / "subset-convert-0.bin");
  FX_CHECK(back.dtype() == NB_DTYPE_INT32 && back.n_channels() == 4 && back.n_observations() == N_OBS - 7 - 11);
  auto v = back.read<int32_t>(0, back.n_observations());
  bool all_match = true;
  for (uint64_t s = 0; s < back.n_observations(); s++) {
    std::size_t wanted[4] = {9, 0, 4, 9};
    for (std::size_t j = 0; j < 4; j++) all_match = all_match && v[s * 4 + j] == fx::value(N_CH, s + 11, wanted[j]);
  }
  FX_CHECK(all_match);
  auto single = nb::Reader::open(dir / "single-convert-0.bin");
  FX_CHECK(single.data_order() == NB_DATA_ORDER_CHANNELS && single.n_channels() == 2 && single.n_observations() == N_OBS);
  FX_CHECK(single.read<double>(17, 18, {0})[0] == static_cast<double>(fx::value(N_CH, 17, 3)));
}

// Memory mode: one block per batch, row-major, buffer rows included, equal
// to the copy lambda's results (in either layout of the batches).
void memory_results_match_the_copy_lambda(const fx::TempDir &dir) {
  auto reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "long.bin", N_CH, N_OBS, NB_DATA_ORDER_SAMPLES));
  auto opts = nb::BatchOptions().max_memory(N_CH * 2 * 400).buffer_size(5).edge(NB_EDGE_REFLECT);
  nb::ApplyOptions cast;
  cast.cast_dtype = NB_DTYPE_FLOAT32;
  nb::Results want = reader.apply(opts, cast, copy_batch);
  for (nb_layout layout : {NB_LAYOUT_SAMPLE_MAJOR, NB_LAYOUT_CHANNEL_MAJOR}) {
    nb::Results got = reader.convert(nb::BatchOptions(opts).layout(layout), cast);
    FX_CHECK(got.size() == want.size() && got.size() == (N_OBS + 399) / 400);
    for (std::size_t k = 0; k < got.size() && k < want.size(); k++) {
      nb::ResultView g = got[k], w = want[k];
      FX_CHECK(g.n_rows() == w.n_rows() && g.n_cols() == N_CH && g.dtype() == NB_DTYPE_FLOAT32);
      auto gv = g.values<float>(), wv = w.values<float>();
      FX_CHECK(gv.size() == wv.size() && std::equal(gv.begin(), gv.end(), wv.begin()));
    }
  }
}

// A buffered convert with trim_buffer is the plain convert; progress is
// reported and can cancel, leaving no output.
void cleanup_and_progress(const fx::TempDir &dir) {
  auto reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "p.bin", N_CH, N_OBS, NB_DATA_ORDER_SAMPLES));
  auto opts = nb::BatchOptions().max_memory(N_CH * 2 * 512);
  std::string plain = dir / "plain.bin", trimmed = dir / "trimmed.bin", cancelled = dir / "cancelled.bin";
  uint64_t reports = 0, last = 0, total = 0;
  auto counted = to_disk(plain);
  counted.progress = [&](uint64_t done, uint64_t all) {
    reports++;
    last = done;
    total = all;
    return false;
  };
  reader.convert(opts, counted);
  uint64_t n_batches = reader.plan(opts).first;
  FX_CHECK(reports >= 1 && last == n_batches && total == n_batches);
  auto trim = to_disk(trimmed);
  trim.trim_buffer = true;
  reader.convert(nb::BatchOptions(opts).buffer_size(9), trim);
  FX_CHECK(same_file(plain, trimmed));
  auto stop = to_disk(cancelled);
  stop.progress = [](uint64_t, uint64_t) { return true; };
  FX_THROWS(reader.convert(opts, stop), NB_STATUS_CANCELLED);
  FX_CHECK(!std::filesystem::exists(cancelled) && !std::filesystem::exists(sidecar(cancelled)));
  // an exception in the progress callable comes back as itself
  auto throwing = to_disk(cancelled);
  throwing.progress = [](uint64_t, uint64_t) -> bool { throw std::logic_error("from progress"); };
  bool caught = false;
  try {
    reader.convert(opts, throwing);
  } catch (const std::logic_error &e) {
    caught = std::string(e.what()) == "from progress";
  }
  FX_CHECK(caught && !std::filesystem::exists(cancelled));
}

// read_ahead on and off: the same batches from cursors (with seeks) and the
// same results from apply.
void read_ahead_gives_identical_batches(const fx::TempDir &dir) {
  auto reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "ra.bin", N_CH, N_OBS, NB_DATA_ORDER_CHANNELS));
  auto opts = nb::BatchOptions().max_memory(4 * 2 * 128).buffer_size(3).channels({2, 7, 7, 0});
  auto on = reader.batches(nb::BatchOptions(opts).read_ahead(NB_READ_AHEAD_ON));
  auto off = reader.batches(nb::BatchOptions(opts).read_ahead(NB_READ_AHEAD_OFF));
  FX_CHECK(on.n_batches() == off.n_batches() && on.n_batches() == (N_OBS + 127) / 128);
  auto same = [](const nb::Batch &a, const nb::Batch &b) {
    auto va = a.values<int16_t>(), vb = b.values<int16_t>();
    return a.idx() == b.idx() && a.idx_local() == b.idx_local() && a.batch_index() == b.batch_index() && va.size() == vb.size() &&
           std::equal(va.begin(), va.end(), vb.begin());
  };
  uint64_t n = 0;
  for (auto a = on.next(), b = off.next(); a || b; a = on.next(), b = off.next(), n++) {
    FX_CHECK(a && b && same(*a, *b));
    if (!a || !b) break;
  }
  FX_CHECK(n == on.n_batches());
  for (uint64_t k : {uint64_t{5}, uint64_t{1}, on.n_batches() - 1, uint64_t{0}}) {
    on.seek(k);
    off.seek(k);
    auto a = on.next();
    auto b = off.next();
    FX_CHECK(a && b && a->batch_index() == k && same(*a, *b));
  }
  auto sums = [&](nb_read_ahead ahead) {
    std::vector<int64_t> out;
    auto res = reader.apply(nb::BatchOptions(opts).read_ahead(ahead), {}, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
      int64_t s = 0;
      for (int16_t v : b.values<int16_t>()) s += v;
      slot.set<int64_t>(1, 1, &s);
    });
    for (std::size_t k = 0; k < res.size(); k++) out.push_back(res[k].values<int64_t>()[0]);
    return out;
  };
  auto with = sums(NB_READ_AHEAD_ON), without = sums(NB_READ_AHEAD_OFF);
  FX_CHECK(with.size() == on.n_batches() && with == without);
}

// Misuse: each throws nb::Error with its status, before anything is written.
void errors(const fx::TempDir &dir) {
  auto reader = nb::Reader::open(fx::write_fixture<int16_t>(dir, "e.bin", N_CH, 100, NB_DATA_ORDER_SAMPLES));
  nb::ApplyOptions previous;
  previous.pass_batch_results = true;  // a convert has no function to hand the previous result to
  try {
    reader.convert(nb::BatchOptions(), previous);
    FX_CHECK(false);
  } catch (const nb::Error &e) {
    FX_CHECK(e.status() == NB_STATUS_INVALID_ARGUMENT && std::string(e.what()).find("pass_batch_results") != std::string::npos);
  }
  auto disk_previous = to_disk(dir / "never.bin");
  disk_previous.pass_batch_results = true;
  FX_THROWS(reader.convert(nb::BatchOptions(), disk_previous), NB_STATUS_INVALID_ARGUMENT);
  FX_CHECK(!std::filesystem::exists(dir / "never.bin"));
  try {
    reader.batches(nb::BatchOptions().read_ahead(7));
    FX_CHECK(false);
  } catch (const nb::Error &e) {
    FX_CHECK(e.status() == NB_STATUS_INVALID_ARGUMENT && std::string(e.what()).find("read_ahead = 7") != std::string::npos);
  }
  FX_THROWS(reader.convert(nb::BatchOptions().read_ahead(-1), to_disk(dir / "never.bin")), NB_STATUS_INVALID_ARGUMENT);
  FX_CHECK(!std::filesystem::exists(dir / "never.bin"));
  FX_THROWS(reader.convert(nb::BatchOptions().channels({N_CH})), NB_STATUS_BAD_CHANNEL);
  FX_THROWS(reader.convert(nb::BatchOptions().from_time(50).to_time(101)), NB_STATUS_BAD_RANGE);
  FX_THROWS(reader.convert(nb::BatchOptions(), to_disk(dir / "e.bin")), NB_STATUS_BAD_OUTPUT_PATH);  // the input itself
  FX_THROWS(reader.convert(nb::BatchOptions(), to_disk(dir / "no-such-dir/out.bin")), NB_STATUS_BAD_OUTPUT_PATH);
  // an existing output: abort leaves it untouched, skip reports it without running
  std::string existing = dir / "existing.bin";
  reader.convert(nb::BatchOptions(), to_disk(existing));
  std::string before = fx::read_text(existing);
  auto abort = to_disk(existing, NB_DTYPE_FLOAT64);
  abort.if_file_exists = NB_IF_FILE_EXISTS_ABORT;
  FX_THROWS(reader.convert(nb::BatchOptions(), abort), NB_STATUS_FILE_EXISTS);
  auto skip = to_disk(existing, NB_DTYPE_FLOAT64);
  skip.if_file_exists = NB_IF_FILE_EXISTS_SKIP;
  auto skipped = reader.convert(nb::BatchOptions(), skip).outputs().at(0);
  FX_CHECK(skipped.skipped && skipped.dtype == NB_DTYPE_INT16 && fx::read_text(existing) == before);
  // a moved-from reader
  nb::Reader moved = std::move(reader);
  FX_THROWS(reader.convert(), NB_STATUS_BAD_HANDLE);
  FX_CHECK(moved.convert().size() == 1);  // 100 rows fit the default 1 GiB
}

}  // namespace

int main() {
  fx::TempDir dir;
  disk_outputs_match_the_copy_lambda(dir);
  memory_results_match_the_copy_lambda(dir);
  cleanup_and_progress(dir);
  read_ahead_gives_identical_batches(dir);
  errors(dir);
  return fx::finish("test_convert");
}
