// The C++ wrapper, running the YASS documentation's examples (reader,
// multi_channel with buffer, multi_channel_apply to disk and memory,
// single_channel, single_channel_apply, pipeline) on fixture recordings and
// checking every value against the (observation, channel) formula.
#include <fstream>
#include <chrono>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <thread>

#include "fixture.hpp"

namespace nb = neurobatch;

static void reader_example(const fx::TempDir &dir) {
  // "load the files using the readers, they are agnostic on the data shape"
  auto wide = nb::Reader::open(fx::write_fixture<double>(dir, "wide.bin", 50, 10000, NB_DATA_ORDER_CHANNELS));
  nb::OpenOptions long_opts;
  long_opts.dtype = nb::dtype_from_name("float64");
  long_opts.n_channels = 50;
  long_opts.data_order = nb::data_order_from_name("long");
  auto lng = nb::Reader::open(fx::write_fixture<double>(dir, "long.bin", 50, 10000, NB_DATA_ORDER_SAMPLES), long_opts);
  FX_CHECK(wide.n_observations() == 10000 && lng.n_observations() == 10000 && wide.n_channels() == 50);
  std::vector<std::size_t> ch(10);
  for (std::size_t j = 0; j < 10; j++) ch[j] = 20 + j;  // reader[1000:2000, 20:30]
  auto a = wide.read<double>(1000, 2000, ch);
  auto b = lng.read<double>(1000, 2000, ch);
  FX_CHECK(a == b && a.size() == 1000 * 10);
  FX_CHECK(a[5 * 10 + 3] == fx::value(50, 1005, 23));
  auto cm = wide.read<double>(1000, 2000, ch, 0, NB_LAYOUT_CHANNEL_MAJOR);
  FX_CHECK(cm[3 * 1000 + 5] == a[5 * 10 + 3]);
  FX_THROWS(wide.read<float>(0, 1), NB_STATUS_BAD_DTYPE);
  FX_THROWS(wide.read<double>(0, 10001), NB_STATUS_BAD_RANGE);
  FX_THROWS(wide.read<double>(0, 1, {50}), NB_STATUS_BAD_CHANNEL);
  FX_THROWS(nb::Reader::open(dir / "missing.bin"), NB_STATUS_IO);
  FX_THROWS(nb::dtype_from_name("int12"), NB_STATUS_BAD_DTYPE);
  try {
    nb::parse_max_memory("1.5GB");
    FX_CHECK(false);
  } catch (const nb::Error &e) {
    FX_CHECK(std::string(e.what()).find("'1.5GB'") != std::string::npos);
  }
}

static void multi_channel_example(const fx::TempDir &dir) {
  auto path = fx::write_fixture<int16_t>(dir, "np.bin", 385, 30000, NB_DATA_ORDER_SAMPLES);
  auto bp = nb::Reader::open(path);
  // every channel, batches sized by max_memory
  uint64_t seen = 0;
  auto cursor = bp.batches(nb::BatchOptions().max_memory("300KB"));
  FX_CHECK(cursor.n_batches() == (30000 + 398) / 399);
  for (const nb::Batch &b : cursor) {
    FX_CHECK(b.n_channels() == 385 && b.at<int16_t>(1, 7) == fx::value(385, b.idx().first + 1, 7));
    seen += b.idx().second - b.idx().first;
  }
  FX_CHECK(seen == 30000);
  // a time range and a channel subset
  std::size_t n = 0;
  for (const nb::Batch &b : bp.batches(nb::BatchOptions().from_time(10000).to_time(20000).channels({0, 1, 2}))) {
    FX_CHECK(b.idx().first == 10000 && b.idx().second == 20000 && b.n_channels() == 3 && b.at<int16_t>(0, 2) == fx::value(385, 10000, 2));
    n++;
  }
  FX_CHECK(n == 1);
  // with a buffer: d[idx_local] is the data without the buffer
  bool first = true;
  for (const nb::Batch &b : bp.batches(nb::BatchOptions().max_memory("100KB").buffer_size(10).from_time(0).to_time(30000).channels({0, 1, 2}))) {
    auto [lo, hi] = b.idx_local();
    FX_CHECK(lo == 10 && hi == 10 + (b.idx().second - b.idx().first));
    for (std::size_t r = 0; r < b.n_rows(); r++) {
      int64_t s = static_cast<int64_t>(b.idx().first) + static_cast<int64_t>(r) - 10;
      int64_t want = s < 0 || s >= 30000 ? 0 : fx::value(385, static_cast<uint64_t>(s), 1);
      if (b.at<int16_t>(r, 1) != want) { FX_CHECK(false); break; }
    }
    if (first) FX_CHECK(b.at<int16_t>(0, 0) == 0);  // zero rows before the recording
    first = false;
  }
  FX_THROWS(bp.batches(nb::BatchOptions().max_memory(769)), NB_STATUS_MEMORY_TOO_SMALL);
  FX_THROWS(bp.batches(nb::BatchOptions().channels({})), NB_STATUS_BAD_CHANNEL);
}

static void multi_channel_apply_examples(const fx::TempDir &dir) {
  auto path = fx::write_fixture<int16_t>(dir, "raw.bin", 20, 5000, NB_DATA_ORDER_SAMPLES);
  auto bp = nb::Reader::open(path);
  // disk: sum_one on channels [0, 1, 2]
  nb::ApplyOptions disk;
  disk.mode = NB_APPLY_MODE_DISK;
  disk.output_path = dir / "modified.bin";
  auto out = bp.apply(nb::BatchOptions().max_memory("5KB").channels({0, 1, 2}), disk, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    auto v = b.values<int16_t>();
    int16_t *dst = slot.lend<int16_t>(b.n_rows(), b.n_channels());
    for (std::size_t i = 0; i < v.size(); i++) dst[i] = static_cast<int16_t>(v[i] + 1);
  });
  auto info = out.outputs().at(0);
  FX_CHECK(info.path == disk.output_path && info.n_channels == 3 && info.n_observations == 5000);
  auto filtered = nb::Reader::open(disk.output_path);  // parameters from the sidecar
  auto raw0 = bp.read<int16_t>(0, 2000, {0});
  auto mod0 = filtered.read<int16_t>(0, 2000, {0});
  bool plus_one = true;
  for (std::size_t i = 0; i < 2000; i++) plus_one &= mod0[i] == raw0[i] + 1;
  FX_CHECK(plus_one);
  FX_CHECK(fx::read_text(dir / "modified.yaml") == "data_bytes: 30000\ndata_order: samples\ndtype: int16\nn_channels: 3\n");
  // memory: max per channel per batch, then the overall max
  auto res = bp.apply(nb::BatchOptions().max_memory("600B").channels({0, 1, 2}), nb::ApplyOptions{}, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    std::vector<int16_t> m(b.n_channels(), INT16_MIN);
    for (std::size_t r = 0; r < b.n_rows(); r++)
      for (std::size_t j = 0; j < b.n_channels(); j++) m[j] = std::max(m[j], b.at<int16_t>(r, j));
    slot.set(1, m.size(), m);
    return 0;
  });
  FX_CHECK(res.size() == (5000 + 99) / 100);
  std::vector<int16_t> overall(3, INT16_MIN);
  for (std::size_t k = 0; k < res.size(); k++)
    for (std::size_t j = 0; j < 3; j++) overall[j] = std::max(overall[j], res[k].values<int16_t>()[j]);
  for (std::size_t j = 0; j < 3; j++) {
    int64_t want = 0;
    for (uint64_t s = 0; s < 5000; s++) want = std::max(want, fx::value(20, s, j));
    FX_CHECK(overall[j] == want);
  }
  // an exception inside the callable comes back as itself, with no output left
  disk.output_path = dir / "never.bin";
  try {
    bp.apply(nb::BatchOptions().max_memory("5KB"), disk, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) -> int {
      if (b.batch_index() == 2) throw std::out_of_range("user error at batch 2");
      slot.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
      return 0;
    });
    FX_CHECK(false);
  } catch (const std::out_of_range &e) {
    FX_CHECK(std::string(e.what()) == "user error at batch 2");
  }
  FX_CHECK(!std::filesystem::exists(disk.output_path));
  for (const auto &entry : std::filesystem::directory_iterator(dir.path))
    FX_CHECK(entry.path().filename().string().find("nbtmp") == std::string::npos);  // no temporary file left
  // ... and the processor is still usable: the same apply without the throw succeeds
  bp.apply(nb::BatchOptions().max_memory("5KB"), disk, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    slot.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
  });
  FX_CHECK(std::filesystem::exists(disk.output_path));
  // the same apply in 3 shards, assembled by shard_finish: the same bytes
  {
    auto identity = [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
      slot.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
    };
    nb::ApplyOptions whole;
    whole.mode = NB_APPLY_MODE_DISK;
    whole.output_path = dir / "unsharded.bin";
    bp.apply(nb::BatchOptions().max_memory("5KB").channels({0, 1, 2}), whole, identity);
    nb::ApplyOptions sharded;
    sharded.mode = NB_APPLY_MODE_DISK;
    sharded.output_path = dir / "sharded.bin";
    sharded.shard_count = 3;
    sharded.shard_output = NB_SHARD_OUTPUT_SAME_ROWS;
    for (uint64_t k = 0; k < 3; k++) {
      sharded.shard_index = k;
      bp.apply(nb::BatchOptions().max_memory("5KB").channels({0, 1, 2}), sharded, identity);
      FX_CHECK(!std::filesystem::exists(sharded.output_path));
    }
    nb::shard_finish(sharded.output_path, 3);
    FX_CHECK(fx::read_text(sharded.output_path) == fx::read_text(whole.output_path));
    // the batches each shard ran: contiguous, balanced, covering the plan
    const auto opts = nb::BatchOptions().max_memory("5KB").channels({0, 1, 2});
    const uint64_t n_batches = bp.plan(opts).first;
    uint64_t next = 0;
    for (uint64_t k = 0; k < 3; k++) {
      auto [first, stop] = bp.shard_batches(opts, k, 3);
      FX_CHECK(first == next && stop - first >= n_batches / 3 && stop - first <= n_batches / 3 + 1);
      next = stop;
    }
    FX_CHECK(next == n_batches && n_batches >= 3);
    FX_THROWS(bp.shard_batches(opts, 3, 3), NB_STATUS_INVALID_ARGUMENT);
    FX_CHECK(fx::read_text(dir / "sharded.yaml") == fx::read_text(dir / "unsharded.yaml"));
    try {
      nb::shard_finish(sharded.output_path, 3);  // the pieces are gone: nothing to finish
      FX_CHECK(false);
    } catch (const nb::Error &e) {
      FX_CHECK(e.status() == NB_STATUS_SHARD_INCOMPLETE);
    }
  }
  // parallel apply: the callable runs on worker threads; results match serial
  nb::ApplyOptions par;
  par.n_threads = 2;
  std::atomic<int> calls{0};
  auto copy = [&calls](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    calls++;
    slot.set(b.n_rows(), b.n_channels(), b.values<int16_t>().data(), b.layout());
  };
  auto p = bp.apply(nb::BatchOptions().max_memory("4KB").buffer_size(3), par, copy);
  auto s = bp.apply(nb::BatchOptions().max_memory("4KB").buffer_size(3), nb::ApplyOptions{}, copy);
  FX_CHECK(p.size() == s.size() && p.size() > 2);
  for (std::size_t k = 0; k < p.size(); k++) {
    auto a = p[k].values<int16_t>(), b = s[k].values<int16_t>();
    FX_CHECK(a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()));
  }
  // cleanup, cast, pass_batch_results and progress
  nb::ApplyOptions opts;
  opts.cast_dtype = NB_DTYPE_FLOAT32;
  opts.cleanup = [](const nb::ResultView &r, const nb::Batch &b, nb::ResultSlot &slot) {
    auto v = r.values<float>();
    auto [lo, hi] = b.idx_local();
    slot.set(static_cast<std::size_t>(hi - lo), r.n_cols(), v.data() + lo * r.n_cols());
  };
  uint64_t last_done = 0;
  opts.progress = [&last_done](uint64_t done, uint64_t) { last_done = done; return false; };
  auto trimmed = bp.apply(nb::BatchOptions().max_memory("4KB").buffer_size(5).channels({4}), opts, copy);
  FX_CHECK(trimmed.size() == last_done && trimmed[0].n_rows() == 2048 && trimmed[0].values<float>()[7] == fx::value(20, 7, 4));
  nb::ApplyOptions running;
  running.pass_batch_results = true;
  auto total = bp.apply(nb::BatchOptions().max_memory("2KB").channels({1}), running, [](const nb::Batch &b, const nb::ResultView *prev, nb::ResultSlot &slot) {
    int64_t sum = prev ? prev->values<int64_t>()[0] : 0;
    for (int16_t x : b.values<int16_t>()) sum += x;
    slot.set<int64_t>(1, 1, &sum);
  });
  int64_t want = 0;
  for (uint64_t t = 0; t < 5000; t++) want += fx::value(20, t, 1);
  FX_CHECK(total.size() == 1 && total[0].values<int64_t>()[0] == want);
}

static void single_channel_examples(const fx::TempDir &dir) {
  auto bp = nb::Reader::open(fx::write_fixture<int16_t>(dir, "sc.bin", 8, 4000, NB_DATA_ORDER_SAMPLES));
  // force_complete_channel_batch: the whole channel must fit in max_memory
  FX_THROWS(bp.batches(nb::BatchOptions().max_memory("1KB").single_channel()), NB_STATUS_MEMORY_TOO_SMALL);
  std::map<int64_t, int> parts;
  for (const nb::Batch &b : bp.batches(nb::BatchOptions().max_memory("4KB").single_channel(false).channels({0, 1, 2}))) {
    parts[b.channel()]++;
    FX_CHECK(b.n_channels() == 1 && b.values<int16_t>()[3] == fx::value(8, b.idx().first + 3, static_cast<std::size_t>(b.channel())));
  }
  FX_CHECK(parts.size() == 3 && parts[0] == 2 && parts[2] == 2);  // every channel split in two parts
  int n = 0;
  for (const nb::Batch &b : bp.batches(nb::BatchOptions().max_memory("1MB").single_channel().from_time(1000).to_time(2000).channels({0, 1, 2}))) {
    FX_CHECK(b.n_rows() == 1000);
    n++;
  }
  FX_CHECK(n == 3);
  // single_channel_apply to disk: a filter per channel, saved in channels order
  nb::ApplyOptions disk;
  disk.mode = NB_APPLY_MODE_DISK;
  disk.output_path = dir / "filtered.bin";
  bp.apply(nb::BatchOptions().max_memory("500MB").single_channel().channels({0, 1, 2}), disk, [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    auto x = b.values<int16_t>();
    float *y = slot.lend<float>(x.size(), 1);
    for (std::size_t i = 0; i < x.size(); i++) y[i] = static_cast<float>(x[i]) - (i ? static_cast<float>(x[i - 1]) : 0.0f);
  });
  auto filtered = nb::Reader::open(disk.output_path);
  FX_CHECK(filtered.data_order() == NB_DATA_ORDER_CHANNELS && filtered.n_channels() == 3 && filtered.dtype() == NB_DTYPE_FLOAT32);
  auto f = filtered.read<float>(100, 101);
  for (std::size_t j = 0; j < 3; j++) FX_CHECK(f[j] == static_cast<float>(fx::value(8, 100, j) - fx::value(8, 99, j)));
}

static void pipeline_example(const fx::TempDir &dir) {
  auto input = fx::write_fixture<int16_t>(dir, "pipe.bin", 6, 3000, NB_DATA_ORDER_SAMPLES);
  auto center = [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    auto x = b.values<int16_t>();
    double mean = 0;
    for (int16_t v : x) mean += v;
    mean /= static_cast<double>(x.size());
    float *y = slot.lend<float>(x.size(), 1);
    for (std::size_t i = 0; i < x.size(); i++) y[i] = static_cast<float>(x[i] - mean);
    return 0;
  };
  auto scale = [](const nb::Batch &b, const nb::ResultView *, nb::ResultSlot &slot) {
    auto x = b.values<float>();
    float *y = slot.lend<float>(b.n_rows(), b.n_channels());
    for (std::size_t i = 0; i < x.size(); i++) y[i] = 2 * x[i];
    return 0;
  };
  nb::Pipeline pipeline(input, dir.path.string(), nb::BatchOptions().max_memory("500MB"));
  pipeline.add({center, "filtered.bin", NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH, true, NB_IF_FILE_EXISTS_OVERWRITE, NB_DTYPE_UNSET});
  pipeline.add({scale, "standarized.bin", NB_PIPELINE_MODE_MULTI_CHANNEL, true, NB_IF_FILE_EXISTS_OVERWRITE, NB_DTYPE_UNSET});
  auto outs = pipeline.run().outputs();
  FX_CHECK(outs.size() == 2 && outs[0].kept && outs[1].path == dir / "standarized.bin");
  auto filtered = nb::Reader::open(dir / "filtered.bin").read<float>(0, 3000, {2});
  auto standard = nb::Reader::open(dir / "standarized.bin").read<float>(0, 3000, {2});
  double mean = 0;
  for (uint64_t s = 0; s < 3000; s++) mean += static_cast<double>(fx::value(6, s, 2));
  mean /= 3000;
  FX_CHECK(std::abs(filtered[17] - static_cast<float>(fx::value(6, 17, 2) - mean)) < 1e-3f && standard[17] == 2 * filtered[17]);
  // the writer on its own
  {
    auto w = nb::Writer::open(dir / "w.bin", NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT32);
    int32_t rows[4] = {1, 2, 3, 4};
    w.append(2, 2, rows);
    auto o = w.finish();
    FX_CHECK(o.n_observations == 2 && fx::read_values<int32_t>(dir / "w.bin") == std::vector<int32_t>({1, 2, 3, 4}));
  }
  {
    auto w = nb::Writer::open(dir / "abandoned.bin", NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT32);
    int32_t rows[2] = {1, 2};
    w.append(1, 2, rows);
  }
  FX_CHECK(!std::filesystem::exists(dir / "abandoned.bin"));
}

// A SpikeGLX recording: sampling rate, gains and microvolt batches through the wrapper.
static void spikeglx_example(const fx::TempDir &dir) {
  std::vector<int16_t> values(300 * 5);
  for (std::size_t i = 0; i < values.size(); i++) values[i] = static_cast<int16_t>(i % 200 - 100);
  {
    std::ofstream bin(dir / "rec_g0_t0.imec0.ap.bin", std::ios::binary);
    bin.write(reinterpret_cast<const char *>(values.data()), static_cast<std::streamsize>(values.size() * 2));
    // A Neuropixels 1.0 .ap.meta as SpikeGLX writes a subset save: acquired
    // 384 AP + 384 LF + 1 SY; saved AP 0-3 and the sync word (768).
    std::ofstream meta(dir / "rec_g0_t0.imec0.ap.meta");
    meta << "imSampRate=30000\nimAiRangeMax=0.6\nimMaxInt=512\nnSavedChans=5\nacqApLfSy=384,384,1\n"
         << "snsApLfSy=4,0,1\nsnsSaveChanSubset=0:3,768\n~imroTbl=(0,384)";
    for (int c = 0; c < 384; c++) meta << "(" << c << " 0 0 " << (c == 2 ? 250 : 500) << " 250 1)";
    meta << "\n";
  }
  auto r = nb::Reader::open(dir / "rec_g0_t0.imec0.ap.bin");
  FX_CHECK(r.format() == "spikeglx" && r.n_channels() == 5 && r.n_observations() == 300);
  FX_CHECK(r.sampling_rate() == 30000.0);
  auto scales = r.scales_uv().value();
  FX_CHECK(scales[0] == 2.34375 && scales[2] == 4.6875 && scales[4] == 1.0);  // 0.6 / 512 / gain x 1e6
  auto kinds = r.channel_kinds().value();
  FX_CHECK(kinds.size() == 5 && kinds[0] == NB_CHANNEL_KIND_NEURAL_AP && kinds[4] == NB_CHANNEL_KIND_DIGITAL);
  FX_CHECK(r.neural_channels() == std::vector<std::size_t>({0, 1, 2, 3}));
  bool exact = true;
  std::size_t batches = 0;
  for (const nb::Batch &b : r.batches(nb::BatchOptions().microvolts().max_memory("1KB"))) {
    batches++;
    for (std::size_t row = 0; row < b.n_rows(); row++)
      for (std::size_t j = 0; j < 5; j++)
        exact &= b.at<float>(row, j) == static_cast<float>(values[(b.idx().first + row) * 5 + j] * scales[j]);
  }
  FX_CHECK(exact && batches == 3);
  // a plain file says nothing about its rate or gains
  auto plain = nb::Reader::open(dir / "rec_g0_t0.imec0.ap.bin", [] {
    nb::OpenOptions o;
    o.sampling_rate = 1000;
    return o;
  }());
  FX_CHECK(plain.sampling_rate() == 1000.0);
}

// A recording written by another thread while a following cursor reads it.
static void follow_example(const fx::TempDir &dir) {
  const std::string path = dir / "live.bin";
  { std::ofstream(path, std::ios::binary); }
  nb::OpenOptions o;
  o.dtype = NB_DTYPE_INT16;
  o.n_channels = 4;
  o.data_order = NB_DATA_ORDER_SAMPLES;
  o.follow = true;
  auto r = nb::Reader::open(path, o);
  std::thread writer([&] {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    for (int16_t s = 0; s < 1000; s++) {
      int16_t row[4] = {s, static_cast<int16_t>(s + 1), static_cast<int16_t>(s + 2), static_cast<int16_t>(s + 3)};
      f.write(reinterpret_cast<const char *>(row), sizeof row);
      if (s % 50 == 0) {
        f.flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    f.flush();
    r.end_follow();
  });
  int64_t sum = 0, rows = 0;
  for (const nb::Batch &b : r.batches(nb::BatchOptions().max_memory("800B").follow())) {
    FX_CHECK(b.n_rows() == 100);
    for (std::size_t i = 0; i < b.n_rows(); i++) sum += b.at<int16_t>(i, 0);
    rows += static_cast<int64_t>(b.n_rows());
  }
  writer.join();
  FX_CHECK(rows == 1000 && sum == 999 * 1000 / 2);
}

// Two files read as one session: observations continue across the boundary.
static void session_example(const fx::TempDir &dir) {
  auto a = fx::write_fixture<int16_t>(dir, "part-a.bin", 3, 100, NB_DATA_ORDER_SAMPLES);
  auto b = fx::write_fixture<int16_t>(dir, "part-b.bin", 3, 50, NB_DATA_ORDER_SAMPLES);
  auto r = nb::Reader::open_files({a, b});
  FX_CHECK(r.n_observations() == 150);
  auto across = r.read<int16_t>(98, 102, {2});
  FX_CHECK(across == std::vector<int16_t>({static_cast<int16_t>(fx::value(3, 98, 2)), static_cast<int16_t>(fx::value(3, 99, 2)),
                                           static_cast<int16_t>(fx::value(3, 0, 2)), static_cast<int16_t>(fx::value(3, 1, 2))}));
}

// An Open Ephys recording with two streams, chosen by name.
static void open_ephys_example(const fx::TempDir &dir) {
  const std::filesystem::path root = std::filesystem::path(dir.path) / "Record Node 101" / "experiment1" / "recording1";
  for (const char *stream : {"Neuropix-PXI-100.ProbeA-AP", "Neuropix-PXI-100.ProbeA-LFP"}) {
    std::filesystem::create_directories(root / "continuous" / stream);
    std::vector<int16_t> v(2 * 40, 7);
    std::ofstream(root / "continuous" / stream / "continuous.dat", std::ios::binary).write(reinterpret_cast<const char *>(v.data()), 160);
  }
  std::ofstream(root / "structure.oebin")
      << R"({"GUI version": "0.6.7", "continuous": [)"
      << R"({"folder_name": "Neuropix-PXI-100.ProbeA-AP/", "sample_rate": 30000.0, "stream_name": "ProbeA-AP", "num_channels": 2,)"
      << R"( "channels": [{"channel_name": "AP1", "bit_volts": 0.195, "units": "uV"}, {"channel_name": "AP2", "bit_volts": 0.195, "units": "uV"}]},)"
      << R"({"folder_name": "Neuropix-PXI-100.ProbeA-LFP/", "sample_rate": 2500.0, "stream_name": "ProbeA-LFP", "num_channels": 2,)"
      << R"( "channels": [{"channel_name": "LFP1", "bit_volts": 0.195, "units": "uV"}, {"channel_name": "LFP2", "bit_volts": 0.195, "units": "uV"}]}]})";
  nb::OpenOptions o;
  o.stream_name = "ProbeA-LFP";
  auto r = nb::Reader::open((root / "structure.oebin").string(), o);
  FX_CHECK(r.format() == "openephys" && r.sampling_rate() == 2500.0 && r.n_observations() == 40);
  FX_CHECK(r.data_path() == (root / "continuous" / "Neuropix-PXI-100.ProbeA-LFP" / "continuous.dat").string());
  FX_CHECK(r.scales_uv().value() == std::vector<double>({0.195, 0.195}));
  FX_CHECK(r.channel_kinds().has_value() && r.channel_kinds()->size() == 2);
  auto ap = nb::Reader::open((root / "continuous" / "Neuropix-PXI-100.ProbeA-AP" / "continuous.dat").string());
  FX_CHECK(ap.sampling_rate() == 30000.0);
}

int main() {
  fx::TempDir dir;
  open_ephys_example(dir);
  session_example(dir);
  follow_example(dir);
  spikeglx_example(dir);
  reader_example(dir);
  multi_channel_example(dir);
  multi_channel_apply_examples(dir);
  single_channel_examples(dir);
  pipeline_example(dir);
  FX_CHECK(nb::cast_values<int16_t>(std::vector<double>{1.9, -1.9}) == std::vector<int16_t>({1, -1}));
  return fx::finish("test_cpp");
}
