/* Cursors: multi-channel and single-channel traversals against the fixture
 * formula, the worked examples of docs/yass.md ("The batch plan"), and every planning error. */
#include "fixture.h"

/* Walks a cursor, checking every batch; returns the number of batches seen. */
static uint64_t walk(nb_reader *r, const nb_batch_options *o, nb_dtype dtype, size_t n_ch, uint64_t n_obs,
                     uint64_t *starts, uint64_t *stops, int64_t *chans) {
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, o, &c));
  if (!c) return 0;
  uint64_t n_plan = 0, rows = 0;
  NBT_OK(nb_reader_plan(r, o, &n_plan, &rows));
  NBT_CHECK(nb_cursor_n_batches(c) == n_plan);
  const nb_batch *b = NULL;
  uint64_t k = 0;
  nb_status s;
  while ((s = nb_cursor_next(c, &b)) == NB_STATUS_OK) {
    NBT_CHECK(b->batch_index == k && b->n_batches == n_plan);
    NBT_CHECK(b->dtype == dtype && b->layout == o->layout);
    NBT_CHECK(b->idx_local_start == b->buffer_size && b->idx_local_stop == b->buffer_size + (b->idx_stop - b->idx_start));
    NBT_CHECK(b->n_rows == b->idx_stop - b->idx_start + 2 * b->buffer_size);
    NBT_CHECK(b->n_bytes == b->n_rows * b->n_channels * nb_dtype_size(dtype));
    NBT_CHECK(b->idx_stop - b->idx_start <= rows);
    nbt_check_block(dtype, n_ch, n_obs, b->data, b->layout, b->n_rows, b->channels, b->n_channels, b->idx_start, b->buffer_size);
    if (starts) starts[k] = b->idx_start;
    if (stops) stops[k] = b->idx_stop;
    if (chans) chans[k] = b->channel;
    k++;
  }
  NBT_CHECK(s == NB_STATUS_DONE);
  NBT_EXPECT(nb_cursor_next(c, &b), NB_STATUS_DONE); /* DONE forever */
  NBT_EXPECT(nb_cursor_next(c, &b), NB_STATUS_DONE);
  NBT_CHECK(k == n_plan);
  nb_cursor_free(c);
  return k;
}

static void worked_example(void) {
  for (nb_data_order order = NB_DATA_ORDER_SAMPLES; order <= NB_DATA_ORDER_CHANNELS; order++) {
    const char *p = nbt_write_fixture(order == NB_DATA_ORDER_SAMPLES ? "w-s.bin" : "w-c.bin", NB_DTYPE_INT16, 10, 1000, order);
    nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 10, order);
    for (nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR; layout <= NB_LAYOUT_CHANNEL_MAJOR; layout++) {
      for (uint64_t buffer = 0; buffer <= 3; buffer += 3) {
        nb_batch_options o;
        NBT_OK(nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION));
        o.max_memory = 6000;
        o.buffer_size = buffer;
        o.layout = layout;
        uint64_t n = 0, rows = 0;
        NBT_OK(nb_reader_plan(r, &o, &n, &rows));
        NBT_CHECK(n == 4 && rows == 300);
        uint64_t starts[8], stops[8];
        int64_t chans[8];
        NBT_CHECK(walk(r, &o, NB_DTYPE_INT16, 10, 1000, starts, stops, chans) == 4);
        const uint64_t want_start[] = {0, 300, 600, 900}, want_stop[] = {300, 600, 900, 1000};
        for (int i = 0; i < 4; i++) NBT_CHECK(starts[i] == want_start[i] && stops[i] == want_stop[i] && chans[i] == -1);
      }
    }
    nb_reader_free(r);
  }
}

static void neuropixels_300mb(void) {
  const char *p = nbt_write_fixture("np.bin", NB_DTYPE_INT16, 385, 3, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 385, NB_DATA_ORDER_SAMPLES);
  nb_batch_options o;
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  NBT_OK(nb_max_memory_parse("300MB", &o.max_memory));
  uint64_t n = 0, rows = 0;
  NBT_OK(nb_reader_plan(r, &o, &n, &rows));
  NBT_CHECK(rows == 408536 && n == 1);
  nb_reader_free(r);
}

static void multi_channel_range_list_buffer(void) {
  const nb_dtype dtypes[] = {NB_DTYPE_INT16, NB_DTYPE_FLOAT32, NB_DTYPE_INT8};
  const size_t list[] = {6, 2, 2, 0};
  for (size_t d = 0; d < 3; d++) {
    for (nb_data_order order = NB_DATA_ORDER_SAMPLES; order <= NB_DATA_ORDER_CHANNELS; order++) {
      const char *p = nbt_write_fixture("m.bin", dtypes[d], 7, 333, order);
      nb_reader *r = nbt_open(p, dtypes[d], 7, order);
      for (nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR; layout <= NB_LAYOUT_CHANNEL_MAJOR; layout++) {
        nb_batch_options o;
        nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
        o.layout = layout;
        o.max_memory = 4 * nb_dtype_size(dtypes[d]) * 50 + 1; /* 50 rows of 4 channels */
        o.from_time = 17;
        o.to_time = 320;
        o.channels = list;
        o.n_channels = 4;
        o.buffer_size = 20; /* reaches before 0 in batch 0 and past the end in the last */
        uint64_t starts[16], stops[16];
        NBT_CHECK(walk(r, &o, dtypes[d], 7, 333, starts, stops, NULL) == 7);
        NBT_CHECK(starts[0] == 17 && stops[0] == 67 && starts[6] == 317 && stops[6] == 320);
        o.from_time = 300;
        o.to_time = NB_TO_END;
        NBT_CHECK(walk(r, &o, dtypes[d], 7, 333, starts, stops, NULL) == 1);
        NBT_CHECK(stops[0] == 333);
        /* without buffer, all channels */
        nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
        o.layout = layout;
        o.max_memory = 7 * nb_dtype_size(dtypes[d]) * 100;
        NBT_CHECK(walk(r, &o, dtypes[d], 7, 333, NULL, NULL, NULL) == 4);
      }
      nb_reader_free(r);
    }
  }
}

static void single_channel_both_modes(void) {
  for (nb_data_order order = NB_DATA_ORDER_SAMPLES; order <= NB_DATA_ORDER_CHANNELS; order++) {
    const char *p = nbt_write_fixture("sc.bin", NB_DTYPE_INT16, 5, 400, order);
    nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 5, order);
    const size_t list[] = {3, 1, 3};
    nb_batch_options o;
    nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
    o.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
    o.channels = list;
    o.n_channels = 3;
    o.buffer_size = 4;
    o.from_time = 100;
    o.to_time = 400;
    o.max_memory = 600; /* exactly one channel's range: allowed */
    uint64_t starts[32], stops[32];
    int64_t chans[32];
    NBT_CHECK(walk(r, &o, NB_DTYPE_INT16, 5, 400, starts, stops, chans) == 3);
    for (int i = 0; i < 3; i++) NBT_CHECK(chans[i] == (int64_t)list[i] && starts[i] == 100 && stops[i] == 400);
    o.max_memory = 599;
    nb_cursor *c = NULL;
    NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_MEMORY_TOO_SMALL);
    NBT_ERROR_MENTIONS("600 bytes");
    NBT_CHECK(c == NULL);
    /* split mode: 120-row windows, channel after channel */
    o.force_complete_channel_batch = false;
    o.max_memory = 240;
    NBT_CHECK(walk(r, &o, NB_DTYPE_INT16, 5, 400, starts, stops, chans) == 9);
    const uint64_t ws[] = {100, 220, 340}, we[] = {220, 340, 400};
    for (int i = 0; i < 9; i++) NBT_CHECK(chans[i] == (int64_t)list[i / 3] && starts[i] == ws[i % 3] && stops[i] == we[i % 3]);
    /* all channels, whole recording, several channels per read pass */
    nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
    o.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
    o.max_memory = 2000;
    o.layout = NB_LAYOUT_CHANNEL_MAJOR;
    NBT_CHECK(walk(r, &o, NB_DTYPE_INT16, 5, 400, starts, stops, chans) == 5);
    for (int i = 0; i < 5; i++) NBT_CHECK(chans[i] == i);
    nb_reader_free(r);
  }
}

static void planning_errors(void) {
  const char *p = nbt_write_fixture("pe.bin", NB_DTYPE_INT16, 10, 1000, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 10, NB_DATA_ORDER_SAMPLES);
  nb_batch_options o;
  nb_cursor *c = NULL;
  uint64_t n = 99;
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  o.max_memory = 19; /* one row of 10 int16 channels is 20 bytes */
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_MEMORY_TOO_SMALL);
  NBT_ERROR_MENTIONS("at least 20 bytes");
  NBT_EXPECT(nb_reader_plan(r, &o, &n, NULL), NB_STATUS_MEMORY_TOO_SMALL);
  NBT_CHECK(n == 99);
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  o.from_time = 10;
  o.to_time = 1001;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_BAD_RANGE);
  NBT_ERROR_MENTIONS("[10, 1001)");
  o.from_time = 11;
  o.to_time = 10;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_BAD_RANGE);
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  const size_t bad[] = {0, 10};
  o.channels = bad;
  o.n_channels = 2;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_BAD_CHANNEL);
  NBT_ERROR_MENTIONS("channel 10");
  o.n_channels = 0;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_BAD_CHANNEL);
  o.channels = NULL;
  o.n_channels = 2;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_NULL_ARGUMENT);
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  o.traversal = 9;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_INVALID_ARGUMENT);
  o.traversal = NB_TRAVERSAL_MULTI_CHANNEL;
  o.version = 77;
  NBT_EXPECT(nb_cursor_new(r, &o, &c), NB_STATUS_BAD_VERSION);
  NBT_CHECK(c == NULL);
  /* empty ranges plan zero batches in every traversal */
  for (int t = 0; t < 3; t++) {
    nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
    o.from_time = o.to_time = 500;
    o.traversal = t ? NB_TRAVERSAL_SINGLE_CHANNEL : NB_TRAVERSAL_MULTI_CHANNEL;
    o.force_complete_channel_batch = t == 1;
    NBT_CHECK(walk(r, &o, NB_DTYPE_INT16, 10, 1000, NULL, NULL, NULL) == 0);
  }
  /* seek */
  nb_batch_options_init(&o, NB_BATCH_OPTIONS_VERSION);
  o.max_memory = 6000;
  NBT_OK(nb_cursor_new(r, &o, &c));
  const nb_batch *b = NULL;
  NBT_OK(nb_cursor_seek(c, 3));
  NBT_OK(nb_cursor_next(c, &b));
  NBT_CHECK(b && b->idx_start == 900);
  NBT_EXPECT(nb_cursor_seek(c, 5), NB_STATUS_INVALID_ARGUMENT);
  NBT_OK(nb_cursor_seek(c, 4));
  NBT_EXPECT(nb_cursor_next(c, &b), NB_STATUS_DONE);
  nb_cursor_free(c);
  nb_reader_free(r);
}

/* Edge policies on a 6-observation recording with a buffer of 8 (longer
 * than the recording: reflection folds back, as numpy's pad does). The
 * expected observation of each block row is copied from numpy 2.4:
 * np.pad(np.arange(6), 8, mode=...). */
static void edge_policies(void) {
  const char *path = nbt_write_fixture("edges.bin", NB_DTYPE_INT16, 2, 6, NB_DATA_ORDER_CHANNELS);
  nb_reader *r = nbt_open(path, NB_DTYPE_INT16, 2, NB_DATA_ORDER_CHANNELS);
  static const int reflect[22] = {2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, 1, 2, 3};
  static const int replicate[22] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5};
  for (int e = NB_EDGE_ZEROS; e <= NB_EDGE_REPLICATE; e++)
    for (int layout = 0; layout < 2; layout++) {
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.buffer_size = 8;
      bo.edge = e;
      bo.layout = layout;
      nb_cursor *c = NULL;
      const nb_batch *b = NULL;
      NBT_OK(nb_cursor_new(r, &bo, &c));
      NBT_OK(nb_cursor_next(c, &b));
      NBT_CHECK(b->n_rows == 22);
      for (size_t row = 0; row < 22; row++)
        for (size_t j = 0; j < 2; j++) {
          int s = (int)row - 8;
          int src = e == NB_EDGE_REFLECT ? reflect[row] : e == NB_EDGE_REPLICATE ? replicate[row] : s;
          int64_t want = (e == NB_EDGE_ZEROS && (s < 0 || s >= 6)) ? 0 : nbt_value(NB_DTYPE_INT16, 2, (uint64_t)src, j);
          size_t i = layout == NB_LAYOUT_SAMPLE_MAJOR ? row * 2 + j : j * 22 + row;
          if (nbt_get(NB_DTYPE_INT16, b->data, i) != want) {
            fprintf(stderr, "edge %d layout %d: row %zu channel %zu: got %lld, want %lld\n", e, layout, row, j,
                    (long long)nbt_get(NB_DTYPE_INT16, b->data, i), (long long)want);
            nbt_failures++;
          }
        }
      nb_cursor_free(c);
    }
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.edge = 7;
  nb_cursor *c = NULL;
  NBT_EXPECT(nb_cursor_new(r, &bo, &c), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("edge = 7");
  nb_reader_free(r);
}

int main(void) {
  worked_example();
  edge_policies();
  neuropixels_300mb();
  multi_channel_range_list_buffer();
  single_channel_both_modes();
  planning_errors();
  return nbt_finish("test_cursor");
}
