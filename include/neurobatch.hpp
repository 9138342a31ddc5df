// neurobatch.hpp: header-only C++17 wrapper of the neurobatch C API.
//
// Owning classes are move-only (std::unique_ptr with the matching nb_*_free);
// every failing call throws neurobatch::Error (status + message) right after
// the C call returned, and so does any use of an object after it was moved
// from. Batches are views valid until the cursor moves on; calls that would
// hand out a view into a temporary (a cursor's next() or begin(), a
// Results' operator[]) are deleted for rvalues, so they do not compile.
// A const object may be used from several threads at once.
// apply() takes any callable; an exception thrown inside it is caught in the
// trampoline (nothing unwinds through the library) and rethrown after the C
// call returns. With ApplyOptions::n_threads > 1 the callable runs
// concurrently on worker threads and must be thread-safe. convert() is
// apply without a function: each batch, cast, is its result.
#ifndef NEUROBATCH_HPP
#define NEUROBATCH_HPP

// What this header needs, said before the compiler meets code it cannot
// parse: one #error instead of pages of raw errors. The rest of the header
// is in the #else branch so nothing else is reported. C code and C++14 or
// exception-free builds use the C API (neurobatch.h) directly.
#if !defined(__cplusplus)
#error "neurobatch.hpp is the C++17 wrapper; from C, include neurobatch.h"
#elif __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#error "neurobatch.hpp needs C++17 (-std=c++17, or CMAKE_CXX_STANDARD 17); with an older standard use the C API in neurobatch.h"
#elif !defined(__cpp_exceptions) && !defined(__EXCEPTIONS) && !defined(_CPPUNWIND)
#error "neurobatch.hpp needs C++ exceptions (it reports failures as neurobatch::Error); remove -fno-exceptions, or use the C API in neurobatch.h"
#else

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "neurobatch.h"

#if defined(__SANITIZE_THREAD__)
#define NEUROBATCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NEUROBATCH_TSAN 1
#endif
#endif
#ifdef NEUROBATCH_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace neurobatch {

/// A failed neurobatch call: its status and the library's message.
class Error : public std::runtime_error {
 public:
  Error(nb_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
  nb_status status() const noexcept { return status_; }

 private:
  nb_status status_;
};

namespace detail {

inline std::string last_error() {
  std::size_t n = nb_last_error_copy(nullptr, 0);
  std::string s(n + 1, '\0');
  nb_last_error_copy(&s[0], n + 1);
  s.resize(n);
  return s;
}

/// Throws for negative statuses; returns the others (OK, DONE, STOPPED).
inline nb_status check(nb_status s) {
  if (s < 0) throw Error(s, last_error());
  return s;
}

template <class T> struct dtype_of;
template <> struct dtype_of<int8_t> { static constexpr nb_dtype value = NB_DTYPE_INT8; };
template <> struct dtype_of<uint8_t> { static constexpr nb_dtype value = NB_DTYPE_UINT8; };
template <> struct dtype_of<int16_t> { static constexpr nb_dtype value = NB_DTYPE_INT16; };
template <> struct dtype_of<uint16_t> { static constexpr nb_dtype value = NB_DTYPE_UINT16; };
template <> struct dtype_of<int32_t> { static constexpr nb_dtype value = NB_DTYPE_INT32; };
template <> struct dtype_of<uint32_t> { static constexpr nb_dtype value = NB_DTYPE_UINT32; };
template <> struct dtype_of<int64_t> { static constexpr nb_dtype value = NB_DTYPE_INT64; };
template <> struct dtype_of<uint64_t> { static constexpr nb_dtype value = NB_DTYPE_UINT64; };
template <> struct dtype_of<float> { static constexpr nb_dtype value = NB_DTYPE_FLOAT32; };
template <> struct dtype_of<double> { static constexpr nb_dtype value = NB_DTYPE_FLOAT64; };

template <class T> void expect_dtype(nb_dtype have) {
  if (have != dtype_of<T>::value)
    throw Error(NB_STATUS_BAD_DTYPE, std::string("the data holds ") + nb_dtype_name(have) + ", not " + nb_dtype_name(dtype_of<T>::value));
}

/// The handle an owning wrapper holds; throws if it holds none because it was
/// moved from (or released, or default-constructed: `how` says which apply).
template <class T, class D> T *live(const std::unique_ptr<T, D> &p, const char *cls, const char *how) {
  if (!p) throw Error(NB_STATUS_BAD_HANDLE, std::string("neurobatch::") + cls + " used after it was moved from" + how + ": it holds nothing any more; use the object it was moved to");
  return p.get();
}

struct ReaderFree { void operator()(nb_reader *p) const noexcept { nb_reader_free(p); } };
struct CursorFree { void operator()(nb_cursor *p) const noexcept { nb_cursor_free(p); } };
struct ResultsFree { void operator()(nb_result_list *p) const noexcept { nb_result_list_free(p); } };
struct WriterFree { void operator()(nb_writer *p) const noexcept { nb_writer_free(p); } };

}  // namespace detail

/// The nb_dtype of a C++ element type (int16_t -> NB_DTYPE_INT16, ...).
template <class T> constexpr nb_dtype dtype_of_v = detail::dtype_of<T>::value;

/// Parses "int16", "float32", ...
inline nb_dtype dtype_from_name(const std::string &name) {
  nb_dtype d = NB_DTYPE_UNSET;
  detail::check(nb_dtype_from_name(name.c_str(), &d));
  return d;
}

/// Parses "samples"/"long" or "channels"/"wide".
inline nb_data_order data_order_from_name(const std::string &name) {
  nb_data_order o = NB_DATA_ORDER_UNSET;
  detail::check(nb_data_order_from_name(name.c_str(), &o));
  return o;
}

/// Parses a YASS max_memory string ("300MB", 1024-based) into bytes.
inline uint64_t parse_max_memory(const std::string &text) {
  uint64_t bytes = 0;
  detail::check(nb_max_memory_parse(text.c_str(), &bytes));
  return bytes;
}

/// Converts values as apply's cast_dtype does.
template <class To, class From> std::vector<To> cast_values(const std::vector<From> &in) {
  std::vector<To> out(in.size());
  detail::check(nb_dtype_cast(dtype_of_v<From>, in.data(), dtype_of_v<To>, out.data(), in.size()));
  return out;
}

/// A read-only contiguous range (std::span stand-in for C++17).
template <class T> class Span {
 public:
  Span(const T *data, std::size_t size) : data_(data), size_(size) {}
  const T *data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  const T &operator[](std::size_t i) const noexcept { return data_[i]; }
  const T *begin() const noexcept { return data_; }
  const T *end() const noexcept { return data_ + size_; }

 private:
  const T *data_;
  std::size_t size_;
};

/// How to open a recording; unset fields come from the sidecar YAML.
struct OpenOptions {
  nb_dtype dtype = NB_DTYPE_UNSET;
  std::size_t n_channels = 0;
  nb_data_order data_order = NB_DATA_ORDER_UNSET;
  nb_loader loader = NB_LOADER_PREAD;
  double sampling_rate = 0;   ///< 0: from the metadata
  int64_t stream_index = -1;  ///< Open Ephys stream by index; -1: by name or default
  std::string stream_name;    ///< Open Ephys stream by name; empty: by index or default
  bool follow = false;        ///< the file is still being written (see nb_open_options.follow)

  /// The C struct; it borrows `stream_name`, so use it while this object lives.
  nb_open_options c() const {
    nb_open_options o;
    detail::check(nb_open_options_init(&o, NB_OPEN_OPTIONS_VERSION));
    o.dtype = dtype;
    o.n_channels = n_channels;
    o.data_order = data_order;
    o.loader = loader;
    o.sampling_rate = sampling_rate;
    o.stream_index = stream_index;
    o.stream_name = stream_name.empty() ? nullptr : stream_name.c_str();
    o.follow = follow;
    return o;
  }
};

/// Traversal, time range, channels, buffer, max_memory and layout of batches.
class BatchOptions {
 public:
  BatchOptions() { detail::check(nb_batch_options_init(&o_, NB_BATCH_OPTIONS_VERSION)); }
  BatchOptions &max_memory(uint64_t bytes) { o_.max_memory = bytes; return *this; }
  BatchOptions &max_memory(const std::string &text) { o_.max_memory = parse_max_memory(text); return *this; }
  BatchOptions &from_time(uint64_t t) { o_.from_time = t; return *this; }
  BatchOptions &to_time(uint64_t t) { o_.to_time = t; return *this; }
  BatchOptions &channels(std::vector<std::size_t> list) { channels_ = std::move(list); has_channels_ = true; return *this; }
  BatchOptions &all_channels() { channels_.clear(); has_channels_ = false; return *this; }
  BatchOptions &buffer_size(uint64_t rows) { o_.buffer_size = rows; return *this; }
  BatchOptions &multi_channel() { o_.traversal = NB_TRAVERSAL_MULTI_CHANNEL; return *this; }
  BatchOptions &single_channel(bool force_complete_channel_batch = true) {
    o_.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
    o_.force_complete_channel_batch = force_complete_channel_batch;
    return *this;
  }
  BatchOptions &layout(nb_layout l) { o_.layout = l; return *this; }
  /// Buffer rows beyond the recording's edges: NB_EDGE_ZEROS (default), _REFLECT or _REPLICATE.
  BatchOptions &edge(nb_edge e) { o_.edge = e; return *this; }
  /// Deliver blocks as float32 microvolts (SpikeGLX and Open Ephys recordings).
  BatchOptions &microvolts(bool on = true) { o_.microvolts = on; return *this; }
  /// Follow a recording still being written; 0: until Reader::end_follow, else
  /// also end after `idle_timeout_ms` without growth (nb_batch_options.follow).
  BatchOptions &follow(uint32_t idle_timeout_ms = 0) {
    o_.follow = true;
    o_.follow_idle_timeout_ms = idle_timeout_ms;
    return *this;
  }
  /// Whether the next batch is read on a thread of its own while the current
  /// one is used (a second batch buffer: up to twice the batch memory):
  /// NB_READ_AHEAD_AUTO (default: apply and convert do, cursors do not),
  /// NB_READ_AHEAD_ON or NB_READ_AHEAD_OFF. Batches and outputs are the same either way.
  BatchOptions &read_ahead(nb_read_ahead r) { o_.read_ahead = r; return *this; }

  /// The C struct, built without writing this object (so a const
  /// BatchOptions may be shared between threads). It borrows the channel
  /// list: use it while this object lives and is not modified.
  nb_batch_options c() const {
    nb_batch_options c = o_;
    c.channels = has_channels_ ? channels_.data() : nullptr;
    c.n_channels = has_channels_ ? channels_.size() : 0;
    if (has_channels_ && channels_.empty()) c.channels = &empty_;  // an explicit empty list is an error, not "all"
    return c;
  }

 private:
  nb_batch_options o_;
  std::vector<std::size_t> channels_;
  bool has_channels_ = false;
  std::size_t empty_ = 0;
};

/// One batch (a view). Valid until the cursor moves on, or the callback returns.
class Batch {
 public:
  explicit Batch(const nb_batch *b) : b_(b) {}
  const nb_batch *c() const noexcept { return b_; }
  std::size_t n_rows() const noexcept { return b_->n_rows; }
  std::size_t n_channels() const noexcept { return b_->n_channels; }
  nb_dtype dtype() const noexcept { return b_->dtype; }
  nb_layout layout() const noexcept { return b_->layout; }
  /// idx: absolute observations [first, second) of the batch's own rows.
  std::pair<uint64_t, uint64_t> idx() const noexcept { return {b_->idx_start, b_->idx_stop}; }
  /// idx_local: rows [first, second) of the block that are the batch's own.
  std::pair<uint64_t, uint64_t> idx_local() const noexcept { return {b_->idx_local_start, b_->idx_local_stop}; }
  uint64_t buffer_size() const noexcept { return b_->buffer_size; }
  uint64_t batch_index() const noexcept { return b_->batch_index; }
  uint64_t n_batches() const noexcept { return b_->n_batches; }
  /// Single-channel traversal: the channel; -1 for multi-channel batches.
  int64_t channel() const noexcept { return b_->channel; }
  Span<std::size_t> channels() const noexcept { return {b_->channels, b_->n_channels}; }
  /// The block as T values in its layout; throws if T is not the block's dtype.
  template <class T> Span<T> values() const {
    detail::expect_dtype<T>(b_->dtype);
    return {static_cast<const T *>(b_->data), b_->n_rows * b_->n_channels};
  }
  /// Element (row, column j), whatever the layout.
  template <class T> T at(std::size_t row, std::size_t j) const {
    auto v = values<T>();
    return b_->layout == NB_LAYOUT_SAMPLE_MAJOR ? v[row * b_->n_channels + j] : v[j * b_->n_rows + row];
  }

 private:
  const nb_batch *b_;
};

/// A walk over batches; a C++ input range: for (const Batch &b : cursor).
/// Not thread-safe: one thread at a time (it may move between threads).
///
/// The batches it returns point into its memory, so next() and begin() exist
/// only for a named cursor: on a temporary (`r.batches(o).next()`) they are
/// deleted, as the batch would outlive the cursor freed at the end of the
/// statement. A range-for over a temporary cursor is fine: the loop keeps it.
class Cursor {
 public:
  explicit Cursor(nb_cursor *c) : c_(c) {}
  /// The C handle (null once moved from); the Cursor still owns it.
  nb_cursor *capi() noexcept { return c_.get(); }
  nb_cursor *release() noexcept { return c_.release(); }
  uint64_t n_batches() { return nb_cursor_n_batches(handle()); }
  void seek(uint64_t index) { detail::check(nb_cursor_seek(handle(), index)); }
  /// The next batch, or nothing when every batch was returned. A following
  /// cursor waits until the next batch is on disk (or the recording ended).
  std::optional<Batch> next() & {
    const nb_batch *b = nullptr;
    nb_status st;
    while ((st = detail::check(nb_cursor_next_wait(handle(), 100, &b))) == NB_STATUS_NOT_YET) {
    }
    if (st == NB_STATUS_DONE) return std::nullopt;
    return Batch(b);
  }
  std::optional<Batch> next() && = delete;  // the batch would dangle: the temporary cursor dies at the ';' (name the cursor)
  /// Following cursors: the next batch if it is on disk within `timeout_ms`;
  /// `not_yet` tells a wait that timed out from the end of the walk.
  std::optional<Batch> next_within(unsigned timeout_ms, bool &not_yet) & {
    const nb_batch *b = nullptr;
    nb_status st = detail::check(nb_cursor_next_wait(handle(), timeout_ms, &b));
    not_yet = st == NB_STATUS_NOT_YET;
    if (st != NB_STATUS_OK) return std::nullopt;
    return Batch(b);
  }
  std::optional<Batch> next_within(unsigned, bool &) && = delete;  // the batch would dangle: the temporary cursor dies at the ';' (name the cursor)

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch *;
    using reference = const Batch &;
    iterator() = default;
    explicit iterator(Cursor *c) : c_(c) { advance(); }
    reference operator*() const { return *batch_; }
    pointer operator->() const { return &*batch_; }
    iterator &operator++() { advance(); return *this; }
    bool operator==(const iterator &o) const { return c_ == o.c_; }
    bool operator!=(const iterator &o) const { return c_ != o.c_; }

   private:
    void advance() {
      batch_ = c_->next();
      if (!batch_) c_ = nullptr;
    }
    Cursor *c_ = nullptr;
    std::optional<Batch> batch_;
  };
  iterator begin() & { return iterator(this); }
  iterator begin() && = delete;  // the iterator would dangle: the temporary cursor dies at the ';' (name the cursor, or use a range-for)
  iterator end() const noexcept { return iterator(); }

 private:
  nb_cursor *handle() const { return detail::live(c_, "Cursor", " (or released)"); }
  std::unique_ptr<nb_cursor, detail::CursorFree> c_;
};

/// A read-only result: n_rows x n_cols values, row-major.
class ResultView {
 public:
  explicit ResultView(const nb_result_view *v) : v_(v) {}
  const nb_result_view *c() const noexcept { return v_; }
  nb_dtype dtype() const noexcept { return v_->dtype; }
  std::size_t n_rows() const noexcept { return v_->n_rows; }
  std::size_t n_cols() const noexcept { return v_->n_cols; }
  template <class T> Span<T> values() const {
    detail::expect_dtype<T>(v_->dtype);
    return {static_cast<const T *>(v_->data), v_->n_rows * v_->n_cols};
  }

 private:
  const nb_result_view *v_;
};

/// Where a callback puts its result.
class ResultSlot {
 public:
  explicit ResultSlot(nb_result_slot *r) : r_(r) {}
  /// Copies rows x cols values in `layout` (row-major by default).
  template <class T> void set(std::size_t rows, std::size_t cols, const T *data, nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR) {
    detail::check(nb_result_slot_set(r_, dtype_of_v<T>, rows, cols, layout, data));
  }
  template <class T> void set(std::size_t rows, std::size_t cols, const std::vector<T> &data) { set(rows, cols, data.data()); }
  /// A zeroed rows x cols row-major buffer to fill in place.
  template <class T> T *lend(std::size_t rows, std::size_t cols) {
    void *p = nullptr;
    detail::check(nb_result_slot_lend(r_, dtype_of_v<T>, rows, cols, &p));
    return static_cast<T *>(p);
  }

 private:
  nb_result_slot *r_;
};

/// An output file, as its sidecar describes it.
struct OutputInfo {
  std::string path;
  nb_dtype dtype;
  std::size_t n_channels;
  nb_data_order data_order;
  uint64_t n_observations;
  bool skipped;
  bool kept;
};

/// What apply, a writer or a pipeline produced. Immutable: may be read from
/// several threads at once.
class Results {
 public:
  Results() = default;
  Results(nb_result_list *r, nb_status status, int callback_value) : r_(r), stopped_(status == NB_STATUS_STOPPED), callback_value_(callback_value) {}
  /// The C handle (null once moved from); the Results still owns it.
  nb_result_list *capi() const noexcept { return r_.get(); }
  /// Memory mode: the results, in batch order.
  std::size_t size() const { return nb_result_list_count(handle()); }
  /// Result `i`: a view into this object, so not on a temporary Results.
  ResultView operator[](std::size_t i) const & {
    const nb_result_view *v = nullptr;
    detail::check(nb_result_list_get(handle(), i, &v));
    return ResultView(v);
  }
  ResultView operator[](std::size_t) const && = delete;  // the view would dangle: the temporary Results dies at the ';' (name it)
  /// The output files (copies: fine on a temporary).
  std::vector<OutputInfo> outputs() const {
    std::vector<OutputInfo> out;
    for (std::size_t i = 0; i < nb_result_list_n_outputs(handle()); i++) {
      const nb_output_info *o = nullptr;
      detail::check(nb_result_list_output(handle(), i, &o));
      out.push_back({o->path, o->dtype, o->n_channels, o->data_order, o->n_observations, o->skipped, o->kept});
    }
    return out;
  }
  /// A callback returned > 0; callback_value() says what it returned.
  bool stopped() const noexcept { return stopped_; }
  int callback_value() const noexcept { return callback_value_; }

 private:
  nb_result_list *handle() const { return detail::live(r_, "Results", " (or default-constructed)"); }
  std::unique_ptr<nb_result_list, detail::ResultsFree> r_;
  bool stopped_ = false;
  int callback_value_ = 0;
};

/// Options of apply. `cleanup` may replace a result (YASS cleanup_function);
/// `trim_buffer` uses the library's ready cleanup instead. `progress`
/// returns true to cancel.
struct ApplyOptions {
  nb_apply_mode mode = NB_APPLY_MODE_MEMORY;
  std::string output_path;
  nb_if_file_exists if_file_exists = NB_IF_FILE_EXISTS_OVERWRITE;
  nb_dtype cast_dtype = NB_DTYPE_UNSET;
  bool trim_buffer = false;
  std::function<void(const ResultView &, const Batch &, ResultSlot &)> cleanup;
  bool pass_batch_results = false;
  unsigned n_threads = 0;
  std::function<bool(uint64_t done, uint64_t total)> progress;
  /// Run only shard `shard_index` of `shard_count` (0: no sharding); in disk
  /// mode the output appears when `shard_finish` runs (see nb_apply_options).
  uint64_t shard_index = 0;
  uint64_t shard_count = 0;
  nb_shard_output shard_output = NB_SHARD_OUTPUT_PARTS;
  /// The run the shard belongs to (nb_apply_options.shard_run_id); empty:
  /// derived alike by every shard of the job.
  std::string shard_run_id;
};

namespace detail {

/// Calls `f` as f(batch, previous, slot), returning its int, or 0 for void.
template <class F> int invoke_user(F &f, const nb_batch *b, const nb_result_view *prev, nb_result_slot *out) {
  Batch batch(b);
  ResultSlot slot(out);
  std::optional<ResultView> pv;
  if (prev) pv.emplace(prev);
  const ResultView *p = pv ? &*pv : nullptr;
  if constexpr (std::is_void_v<std::invoke_result_t<F &, const Batch &, const ResultView *, ResultSlot &>>) {
    f(batch, p, slot);
    return 0;
  } else {
    return static_cast<int>(f(batch, p, slot));
  }
}

/// ThreadSanitizer cannot see the library's own synchronization (the Rust
/// library is not instrumented), so under -fsanitize=thread the wrapper
/// states the two orderings the C API guarantees: what the caller did before
/// apply happens before every callback, and every callback happens before
/// apply returns. Callbacks stay unordered with one another, so a race
/// between concurrent callbacks is still reported. Empty otherwise.
struct CallbackOrder {
  char started = 0, finished = 0;  // only their addresses are used
#ifdef NEUROBATCH_TSAN
  void before_run() noexcept { __tsan_release(&started); }
  void after_run() noexcept { __tsan_acquire(&finished); }
  void enter() noexcept { __tsan_acquire(&started); }
  void leave() noexcept { __tsan_release(&finished); }
#else
  void before_run() noexcept {}
  void after_run() noexcept {}
  void enter() noexcept {}
  void leave() noexcept {}
#endif
};

/// The "function" of a convert: there is none (its ApplyContext::call is never instantiated).
struct NoFunction {};

/// What the trampolines share: the callables and the first exception.
template <class F> struct ApplyContext {
  F *f = nullptr;
  const ApplyOptions *opts = nullptr;
  std::mutex mutex;
  std::exception_ptr error;
  CallbackOrder order;

  void keep(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!error) error = e;
  }
  static int call(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) noexcept {
    auto *c = static_cast<ApplyContext *>(user);
    c->order.enter();
    int ret;
    try {
      ret = invoke_user(*c->f, b, prev, out);
    } catch (...) {
      c->keep(std::current_exception());
      ret = -1;
    }
    c->order.leave();
    return ret;
  }
  static int cleanup(const nb_result_view *r, const nb_batch *b, nb_result_slot *out, void *user) noexcept {
    auto *c = static_cast<ApplyContext *>(user);
    c->order.enter();
    int ret = 0;
    try {
      ResultSlot slot(out);
      c->opts->cleanup(ResultView(r), Batch(b), slot);
    } catch (...) {
      c->keep(std::current_exception());
      ret = -1;
    }
    c->order.leave();
    return ret;
  }
  static int progress(uint64_t done, uint64_t total, void *user) noexcept {
    auto *c = static_cast<ApplyContext *>(user);
    try {
      return c->opts->progress(done, total) ? 1 : 0;
    } catch (...) {
      c->keep(std::current_exception());
      return 1;
    }
  }
};

}  // namespace detail

/// An open recording. Every member is const and thread-safe: one Reader may
/// be shared between threads (each with its own cursors).
class Reader {
 public:
  /// Several files concatenated in time, as one recording (nb_reader_open_files).
  static Reader open_files(const std::vector<std::string> &paths, const OpenOptions &opts = {}) {
    std::vector<const char *> ptrs;
    for (const auto &p : paths) ptrs.push_back(p.c_str());
    nb_open_options o = opts.c();
    nb_reader *r = nullptr;
    detail::check(nb_reader_open_files(ptrs.data(), ptrs.size(), &o, &r));
    return Reader(r);
  }
  static Reader open(const std::string &path, const OpenOptions &opts = {}) {
    nb_reader *r = nullptr;
    nb_open_options o = opts.c();
    detail::check(nb_reader_open(path.c_str(), &o, &r));
    return Reader(r);
  }
  explicit Reader(nb_reader *r) : r_(r) {}
  /// The C handle (null once moved from); the Reader still owns it.
  nb_reader *capi() const noexcept { return r_.get(); }
  nb_reader *release() noexcept { return r_.release(); }
  uint64_t n_observations() const { return nb_reader_n_observations(handle()); }
  std::size_t n_channels() const { return nb_reader_n_channels(handle()); }
  /// Followed recordings: the complete observations now on disk.
  uint64_t refresh() const {
    uint64_t n = 0;
    detail::check(nb_reader_refresh(handle(), &n));
    return n;
  }
  /// Followed recordings: the writer has finished (any thread may say so).
  void end_follow() const { detail::check(nb_reader_end_follow(handle())); }
  /// "raw", "spikeglx" or "openephys".
  std::string format() const { return nb_reader_format(handle()); }
  /// The data file read (for Open Ephys, the stream's continuous.dat).
  std::string data_path() const {
    std::string p(nb_reader_data_path(handle(), nullptr, 0), '\0');
    nb_reader_data_path(handle(), p.data(), p.size() + 1);
    return p;
  }
  /// Samples per second, or nullopt when the recording does not say.
  std::optional<double> sampling_rate() const {
    double hz = 0;
    nb_status st = nb_reader_sampling_rate(handle(), &hz);
    if (st == NB_STATUS_NO_METADATA) return std::nullopt;
    detail::check(st);
    return hz;
  }
  /// Microvolts per count of each channel, or nullopt for plain files.
  std::optional<std::vector<double>> scales_uv() const {
    std::vector<double> v(n_channels());
    nb_status st = nb_reader_scales_uv(handle(), v.data(), v.size());
    if (st == NB_STATUS_NO_METADATA) return std::nullopt;
    detail::check(st);
    return v;
  }
  /// What each channel holds (NB_CHANNEL_KIND_*), or nullopt for plain files.
  std::optional<std::vector<nb_channel_kind>> channel_kinds() const {
    std::vector<nb_channel_kind> v(n_channels());
    nb_status st = nb_reader_channel_kinds(handle(), v.data(), v.size());
    if (st == NB_STATUS_NO_METADATA) return std::nullopt;
    detail::check(st);
    return v;
  }
  /// The channels (0-based) whose kind is neural (wideband or the AP band);
  /// empty for plain files.
  std::vector<std::size_t> neural_channels() const {
    std::vector<std::size_t> out;
    auto kinds = channel_kinds();
    if (!kinds) return out;
    for (std::size_t c = 0; c < kinds->size(); c++)
      if ((*kinds)[c] == NB_CHANNEL_KIND_NEURAL || (*kinds)[c] == NB_CHANNEL_KIND_NEURAL_AP) out.push_back(c);
    return out;
  }

  nb_dtype dtype() const { return nb_reader_dtype(handle()); }
  nb_data_order data_order() const { return nb_reader_data_order(handle()); }

  /// Observations [from, to) of `channels` (empty: all) with `buffer` rows on
  /// each side, in [observation, channel] orientation and `layout`.
  template <class T>
  std::vector<T> read(uint64_t from, uint64_t to, const std::vector<std::size_t> &channels = {}, uint64_t buffer = 0,
                      nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR) const {
    detail::expect_dtype<T>(dtype());
    std::size_t need = 0;
    const std::size_t *ch = channels.empty() ? nullptr : channels.data();
    nb_status s = nb_reader_read(handle(), from, to, ch, channels.size(), buffer, layout, nullptr, 0, &need);
    if (s != NB_STATUS_BUFFER_TOO_SMALL) detail::check(s);
    std::vector<T> out(need / sizeof(T));
    detail::check(nb_reader_read(handle(), from, to, ch, channels.size(), buffer, layout, out.data(), need, nullptr));
    return out;
  }

  /// Number of batches and observations per full batch.
  std::pair<uint64_t, uint64_t> plan(const BatchOptions &opts = {}) const {
    uint64_t n = 0, rows = 0;
    nb_batch_options bo = opts.c();
    detail::check(nb_reader_plan(handle(), &bo, &n, &rows));
    return {n, rows};
  }

  /// Batches [first, stop) of the plan that shard `shard_index` of
  /// `shard_count` runs (nb_reader_shard_batches).
  std::pair<uint64_t, uint64_t> shard_batches(const BatchOptions &opts, uint64_t shard_index, uint64_t shard_count) const {
    uint64_t first = 0, stop = 0;
    nb_batch_options bo = opts.c();
    detail::check(nb_reader_shard_batches(handle(), &bo, shard_index, shard_count, &first, &stop));
    return {first, stop};
  }

  /// A cursor over the batches `opts` plans. It keeps the recording open, so
  /// it may outlive this Reader; it copies `opts`.
  Cursor batches(const BatchOptions &opts = {}) const {
    nb_cursor *c = nullptr;
    nb_batch_options bo = opts.c();
    detail::check(nb_cursor_new(handle(), &bo, &c));
    return Cursor(c);
  }

  /// Runs f(const Batch&, const ResultView *previous, ResultSlot &out) -> int
  /// (or void) over every batch; see nb_reader_apply.
  template <class F> Results apply(const BatchOptions &batch, const ApplyOptions &opts, F &&f) const {
    detail::ApplyContext<std::remove_reference_t<F>> ctx;
    ctx.f = &f;
    return run_apply(batch, opts, &decltype(ctx)::call, ctx);
  }

  /// A convert: every batch, as it is, is its result (nb_reader_apply without
  /// a function), with `opts.cast_dtype`, the channels, time range and
  /// microvolts of `batch` applied; returns what apply returns. In disk mode
  /// it writes a "samples" file (single-channel: "channels") byte-identical to
  /// an apply whose function copies each batch, and a multi-channel convert
  /// without buffer rows or cleanup streams in pieces of a few MiB, reading,
  /// converting and writing at once: the fast way to cast, subset or reorder
  /// a recording. In memory mode each result is a batch block, row-major,
  /// buffer rows included. `pass_batch_results` needs a function: it throws
  /// nb::Error (NB_STATUS_INVALID_ARGUMENT); `cleanup`, `trim_buffer`,
  /// `progress`, shards and `n_threads` work as in apply.
  Results convert(const BatchOptions &batch = {}, const ApplyOptions &opts = {}) const {
    detail::ApplyContext<const detail::NoFunction> ctx;
    return run_apply(batch, opts, nullptr, ctx);
  }

 private:
  nb_reader *handle() const { return detail::live(r_, "Reader", " (or released)"); }

  /// nb_reader_apply with `fn` (nullptr: a convert); `ctx` carries the
  /// callables of `opts` and keeps the first exception any of them throws.
  template <class Ctx> Results run_apply(const BatchOptions &batch, const ApplyOptions &opts, nb_apply_fn fn, Ctx &ctx) const {
    ctx.opts = &opts;
    nb_apply_options ao;
    detail::check(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION));
    ao.mode = opts.mode;
    ao.output_path = opts.output_path.empty() ? nullptr : opts.output_path.c_str();
    ao.if_file_exists = opts.if_file_exists;
    ao.cast_dtype = opts.cast_dtype;
    ao.cleanup = opts.trim_buffer ? nb_result_view_trim_buffer : (opts.cleanup ? &Ctx::cleanup : nullptr);
    ao.pass_batch_results = opts.pass_batch_results;
    ao.n_threads = opts.n_threads;
    ao.progress = opts.progress ? &Ctx::progress : nullptr;
    ao.shard_index = opts.shard_index;
    ao.shard_count = opts.shard_count;
    ao.shard_output = opts.shard_output;
    ao.shard_run_id = opts.shard_run_id.empty() ? nullptr : opts.shard_run_id.c_str();
    nb_result_list *res = nullptr;
    int cbv = 0;
    nb_batch_options bo = batch.c();
    ctx.order.before_run();
    nb_status s = nb_reader_apply(handle(), &bo, &ao, fn, &ctx, &res, &cbv);
    ctx.order.after_run();
    if (ctx.error) {
      nb_result_list_free(res);
      std::rethrow_exception(ctx.error);
    }
    detail::check(s);
    return Results(res, s, cbv);
  }
  std::unique_ptr<nb_reader, detail::ReaderFree> r_;
};

/// Publishes a sharded disk output once every shard returned (nb_shard_finish);
/// throws neurobatch::Error naming a missing or inconsistent shard.
/// `run_id`: the ApplyOptions::shard_run_id the shards were given; empty:
/// the only run whose pieces are present.
inline void shard_finish(const std::string &output_path, uint64_t shard_count, const std::string &run_id = {}) {
  detail::check(nb_shard_finish(output_path.c_str(), shard_count, run_id.empty() ? nullptr : run_id.c_str(), nullptr));
}

/// Removes the pieces of a sharded disk output after a failed shard
/// (nb_shard_abort): those of `run_id`, or of every run when it is empty.
inline void shard_abort(const std::string &output_path, uint64_t shard_count, const std::string &run_id = {}) {
  detail::check(nb_shard_abort(output_path.c_str(), shard_count, run_id.empty() ? nullptr : run_id.c_str()));
}

/// The result sink on its own: append, then finish (publishes atomically);
/// destroyed without finish, it leaves no output. One thread at a time.
class Writer {
 public:
  static Writer open(const std::string &path, nb_data_order order, std::size_t n_channels, nb_dtype dtype) {
    nb_writer *w = nullptr;
    detail::check(nb_writer_open(path.c_str(), order, n_channels, dtype, &w));
    return Writer(w);
  }
  explicit Writer(nb_writer *w) : w_(w) {}
  template <class T> void append(std::size_t rows, std::size_t cols, const T *data, nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR) {
    detail::check(nb_writer_append(handle(), dtype_of_v<T>, rows, cols, layout, data));
  }
  template <class T> void append_channel(std::size_t position, std::size_t n, const T *data) {
    detail::check(nb_writer_append_channel(handle(), position, dtype_of_v<T>, n, 1, NB_LAYOUT_SAMPLE_MAJOR, data));
  }
  OutputInfo finish() {
    nb_result_list *r = nullptr;
    detail::check(nb_writer_finish(handle(), &r));
    return Results(r, NB_STATUS_OK, 0).outputs().at(0);
  }

 private:
  nb_writer *handle() const { return detail::live(w_, "Writer", ""); }
  std::unique_ptr<nb_writer, detail::WriterFree> w_;
};

/// One pipeline step (YASS PipedTransformation).
struct Step {
  std::function<int(const Batch &, const ResultView *, ResultSlot &)> fn;
  std::string output_name;
  nb_pipeline_mode mode = NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH;
  bool keep = false;
  nb_if_file_exists if_file_exists = NB_IF_FILE_EXISTS_OVERWRITE;
  nb_dtype cast_dtype = NB_DTYPE_UNSET;
};

/// Steps chained on one input (YASS BatchPipeline); see nb_pipeline_run.
class Pipeline {
 public:
  Pipeline(std::string input, std::string output_dir, BatchOptions batch = {}, OpenOptions open = {})
      : input_(std::move(input)), output_dir_(std::move(output_dir)), batch_(std::move(batch)), open_(open) {}
  Pipeline &add(Step step) { steps_.push_back(std::move(step)); return *this; }
  Pipeline &n_threads(unsigned n) { n_threads_ = n; return *this; }

  Results run() const {
    using Fn = std::function<int(const Batch &, const ResultView *, ResultSlot &)>;
    std::vector<detail::ApplyContext<const Fn>> ctx(steps_.size());
    std::vector<nb_pipeline_step> c(steps_.size());
    std::vector<const nb_pipeline_step *> ptrs;
    for (std::size_t k = 0; k < steps_.size(); k++) {
      ctx[k].f = &steps_[k].fn;
      detail::check(nb_pipeline_step_init(&c[k], NB_PIPELINE_STEP_VERSION));
      c[k].fn = steps_[k].fn ? &detail::ApplyContext<const Fn>::call : nullptr;
      c[k].user_data = &ctx[k];
      c[k].output_name = steps_[k].output_name.c_str();
      c[k].mode = steps_[k].mode;
      c[k].keep = steps_[k].keep;
      c[k].if_file_exists = steps_[k].if_file_exists;
      c[k].cast_dtype = steps_[k].cast_dtype;
      ptrs.push_back(&c[k]);
    }
    nb_pipeline_options po;
    detail::check(nb_pipeline_options_init(&po, NB_PIPELINE_OPTIONS_VERSION));
    po.output_dir = output_dir_.c_str();
    po.n_threads = n_threads_;
    nb_open_options oo = open_.c();
    nb_result_list *res = nullptr;
    int cbv = 0;
    nb_batch_options bo = batch_.c();
    for (auto &x : ctx) x.order.before_run();
    nb_status s = nb_pipeline_run(input_.c_str(), &oo, &bo, &po, ptrs.data(), ptrs.size(), &res, &cbv);
    for (auto &x : ctx) x.order.after_run();
    for (auto &x : ctx)
      if (x.error) {
        nb_result_list_free(res);
        std::rethrow_exception(x.error);
      }
    detail::check(s);
    return Results(res, s, cbv);
  }

 private:
  std::string input_, output_dir_;
  BatchOptions batch_;
  OpenOptions open_;
  std::vector<Step> steps_;
  unsigned n_threads_ = 0;
};

}  // namespace neurobatch

#endif  // C++17 with exceptions
#endif  // NEUROBATCH_HPP
