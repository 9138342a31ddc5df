/* Apply: disk outputs compared byte for byte with results computed here,
 * sidecar text, read-back through the reader, memory mode, pass_batch_results,
 * cleanup (ready and custom), cast, if_file_exists, zero-batch ranges and
 * argument errors that must create nothing. */
#include "fixture.h"

#define N_CH 10
#define N_OBS 1000

static const char *input;       /* samples order, int16 */
static const char *input_wide;  /* channels order, int16 */

/* result = block + 1 (same shape, same dtype), row-major */
static int add_one(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  int *calls = user;
  if (calls) (*calls)++;
  int16_t *dst = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_INT16, b->n_rows, b->n_channels, (void **)&dst) != NB_STATUS_OK) return -1;
  const int16_t *src = b->data;
  for (size_t r = 0; r < b->n_rows; r++)
    for (size_t j = 0; j < b->n_channels; j++)
      dst[r * b->n_channels + j] = (int16_t)((b->layout == NB_LAYOUT_SAMPLE_MAJOR ? src[r * b->n_channels + j] : src[j * b->n_rows + r]) + 1);
  return 0;
}

/* result = the block itself, in its own layout (exercises nb_result_slot_set's layouts) */
static int identity(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  return nb_result_slot_set(out, b->dtype, b->n_rows, b->n_channels, b->layout, b->data) == NB_STATUS_OK ? 0 : -1;
}

/* result = 1 x n_channels maximum of the batch's own rows */
static int max_in_channel(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  int16_t m[64];
  const int16_t *v = b->data;
  for (size_t j = 0; j < b->n_channels; j++) {
    m[j] = INT16_MIN;
    for (uint64_t r = b->idx_local_start; r < b->idx_local_stop; r++)
      if (v[r * b->n_channels + j] > m[j]) m[j] = v[r * b->n_channels + j];
  }
  return nb_result_slot_set(out, NB_DTYPE_INT16, 1, b->n_channels, NB_LAYOUT_SAMPLE_MAJOR, m) == NB_STATUS_OK ? 0 : -1;
}

/* running sum (1 x 1 int64) of channel 0 using the previous batch's result */
static int running_sum(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  int *saw_null_first = user;
  if (b->batch_index == 0) *saw_null_first = prev == NULL;
  else if (!prev || prev->dtype != NB_DTYPE_INT64 || prev->n_rows != 1 || prev->n_cols != 1) return -2;
  int64_t s = prev ? *(const int64_t *)prev->data : 0;
  const int16_t *v = b->data;
  for (size_t r = 0; r < b->n_rows; r++) s += v[r * b->n_channels];
  return nb_result_slot_set(out, NB_DTYPE_INT64, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &s) == NB_STATUS_OK ? 0 : -1;
}

/* a hand-written cleanup, as YASS users write: keep rows idx_local */
static int my_trim(const nb_result_view *res, const nb_batch *b, nb_result_slot *out, void *user) {
  (void)user;
  size_t row = res->n_bytes / res->n_rows;
  const unsigned char *d = res->data;
  return nb_result_slot_set(out, res->dtype, (size_t)(b->idx_local_stop - b->idx_local_start), res->n_cols, NB_LAYOUT_SAMPLE_MAJOR,
                       d + b->idx_local_start * row) == NB_STATUS_OK ? 0 : -1;
}

static nb_reader *open_input(const char *path) {
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(path, NULL, &r));
  if (!r) exit(nbt_finish("test_apply"));
  return r;
}

/* Expected bytes of the add-one output of channels `ch` over [from, to). */
static int16_t *expected_add_one(const size_t *ch, size_t n, uint64_t from, uint64_t to) {
  int16_t *e = malloc(sizeof(int16_t) * (to - from) * n + 2);
  for (uint64_t s = from; s < to; s++)
    for (size_t j = 0; j < n; j++) e[(s - from) * n + j] = (int16_t)(nbt_value(NB_DTYPE_INT16, N_CH, s, ch[j]) + 1);
  return e;
}

static void multi_channel_disk(void) {
  const size_t ch[] = {0, 1, 2};
  const char *out = nbt_path("added.bin");
  const char *inputs[] = {input, input_wide};
  for (int in = 0; in < 2; in++) {
    for (int variant = 0; variant < 4; variant++) {
      nb_reader *r = open_input(inputs[in]);
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.channels = ch;
      bo.n_channels = 3;
      bo.max_memory = 600; /* 100 rows of 3 int16 channels: 10 batches */
      bo.layout = variant == 3 ? NB_LAYOUT_CHANNEL_MAJOR : NB_LAYOUT_SAMPLE_MAJOR;
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      ao.mode = NB_APPLY_MODE_DISK;
      ao.output_path = out;
      if (variant == 1 || variant == 3) { bo.buffer_size = 7; ao.cleanup = nb_result_view_trim_buffer; }
      if (variant == 2) { bo.buffer_size = 5; ao.cleanup = my_trim; }
      int calls = 0;
      nb_result_list *res = NULL;
      NBT_OK(nb_reader_apply(r, &bo, &ao, add_one, &calls, &res, NULL));
      NBT_CHECK(calls == 10);
      size_t len = 0;
      unsigned char *got = nbt_read_file(out, &len);
      int16_t *want = expected_add_one(ch, 3, 0, N_OBS);
      NBT_CHECK(got && len == sizeof(int16_t) * 3 * N_OBS && memcmp(got, want, len) == 0);
      free(got);
      free(want);
      NBT_FILE_TEXT(nbt_path("added.yaml"), "data_bytes: 6000\ndata_order: samples\ndtype: int16\nn_channels: 3\n");
      const nb_output_info *info = NULL;
      NBT_CHECK(nb_result_list_n_outputs(res) == 1 && nb_result_list_count(res) == 0);
      NBT_OK(nb_result_list_output(res, 0, &info));
      NBT_CHECK(info && strcmp(info->path, out) == 0 && info->n_channels == 3 && info->dtype == NB_DTYPE_INT16 &&
                info->data_order == NB_DATA_ORDER_SAMPLES && info->n_observations == N_OBS && !info->skipped);
      nb_result_list_free(res);
      /* read back through the reader and its sidecar */
      nb_reader *back = open_input(out);
      int16_t row[3];
      NBT_OK(nb_reader_read(back, 500, 501, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, row, sizeof row, NULL));
      NBT_CHECK(row[2] == nbt_value(NB_DTYPE_INT16, N_CH, 500, 2) + 1);
      nb_reader_free(back);
      nb_reader_free(r);
    }
  }
}

static void cast_and_identity(void) {
  nb_reader *r = open_input(input_wide);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 2000;
  bo.layout = NB_LAYOUT_CHANNEL_MAJOR; /* the callback hands back column-major data */
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path("cast.f32");
  ao.cast_dtype = NB_DTYPE_FLOAT32;
  NBT_OK(nb_reader_apply(r, &bo, &ao, identity, NULL, NULL, NULL));
  NBT_FILE_TEXT(nbt_path("cast.yaml"), "data_bytes: 40000\ndata_order: samples\ndtype: float32\nn_channels: 10\n");
  size_t len = 0;
  float *got = (float *)nbt_read_file(nbt_path("cast.f32"), &len);
  NBT_CHECK(got && len == sizeof(float) * N_CH * N_OBS);
  int bad = 0;
  for (uint64_t s = 0; got && s < N_OBS; s++)
    for (size_t c = 0; c < N_CH; c++) bad += got[s * N_CH + c] != (float)nbt_value(NB_DTYPE_INT16, N_CH, s, c);
  NBT_CHECK(bad == 0);
  free(got);
  nb_reader_free(r);
}

/* No function: a convert. The channels-order file turned into float32
 * samples order, and a channel subset of a time range, each byte-identical
 * to the identity callback's output, with and without read-ahead. */
static void convert_without_callback(void) {
  nb_reader *r = open_input(input_wide);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 2000;
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.cast_dtype = NB_DTYPE_FLOAT32;
  for (int subset = 0; subset < 2; subset++) {
    size_t chans[3] = {9, 0, 4};
    bo.channels = subset ? chans : NULL;
    bo.n_channels = subset ? 3 : 0;
    bo.from_time = subset ? 11 : 0;
    bo.to_time = subset ? N_OBS - 7 : NB_TO_END;
    bo.layout = NB_LAYOUT_CHANNEL_MAJOR; /* what the identity callback hands back as is */
    ao.output_path = nbt_path(subset ? "conv-id-sub.f32" : "conv-id.f32");
    NBT_OK(nb_reader_apply(r, &bo, &ao, identity, NULL, NULL, NULL));
    for (int ahead = 1; ahead <= 2; ahead++) {
      bo.layout = NB_LAYOUT_SAMPLE_MAJOR;
      bo.read_ahead = ahead == 1 ? NB_READ_AHEAD_ON : NB_READ_AHEAD_OFF;
      char name[64];
      snprintf(name, sizeof name, "conv-%d-%d.f32", subset, ahead);
      ao.output_path = nbt_path(name);
      NBT_OK(nb_reader_apply(r, &bo, &ao, NULL, NULL, NULL, NULL));
      NBT_CHECK(nbt_same_file(nbt_path(name), nbt_path(subset ? "conv-id-sub.f32" : "conv-id.f32")));
      snprintf(name, sizeof name, "conv-%d-%d.yaml", subset, ahead);
      NBT_CHECK(nbt_same_file(nbt_path(name), nbt_path(subset ? "conv-id-sub.yaml" : "conv-id.yaml")));
    }
    bo.read_ahead = NB_READ_AHEAD_AUTO;
  }
  /* memory mode: every batch itself */
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 2000;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, NULL, NULL, NULL, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == (N_OBS + 99) / 100);
  const nb_result_view *v = NULL;
  NBT_OK(nb_result_list_get(res, 1, &v));
  NBT_CHECK(v->n_rows == 100 && v->n_cols == N_CH && ((const int16_t *)v->data)[3] == (int16_t)nbt_value(NB_DTYPE_INT16, N_CH, 100, 3));
  nb_result_list_free(res);
  nb_reader_free(r);
}

static void memory_mode_and_previous(void) {
  nb_reader *r = open_input(input);
  const size_t ch[] = {3, 9};
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.channels = ch;
  bo.n_channels = 2;
  bo.max_memory = 4 * 128; /* 128 rows per batch: 8 batches */
  bo.buffer_size = 3;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, NULL, max_in_channel, NULL, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == 8);
  int16_t overall[2] = {INT16_MIN, INT16_MIN};
  for (size_t k = 0; k < nb_result_list_count(res); k++) {
    const nb_result_view *v = NULL;
    NBT_OK(nb_result_list_get(res, k, &v));
    NBT_CHECK(v->n_rows == 1 && v->n_cols == 2 && v->dtype == NB_DTYPE_INT16 && v->n_bytes == 4);
    for (size_t j = 0; j < 2; j++) {
      int16_t want = INT16_MIN;
      for (uint64_t s = k * 128; s < (k + 1) * 128 && s < N_OBS; s++)
        if (nbt_value(NB_DTYPE_INT16, N_CH, s, ch[j]) > want) want = (int16_t)nbt_value(NB_DTYPE_INT16, N_CH, s, ch[j]);
      NBT_CHECK(((const int16_t *)v->data)[j] == want);
      if (((const int16_t *)v->data)[j] > overall[j]) overall[j] = ((const int16_t *)v->data)[j];
    }
  }
  const nb_result_view *v = NULL;
  NBT_EXPECT(nb_result_list_get(res, 8, &v), NB_STATUS_INVALID_ARGUMENT);
  NBT_CHECK(overall[0] > 0 && overall[1] > 0);
  nb_result_list_free(res);

  /* pass_batch_results: running sums; only the last result comes back */
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 20 * 64; /* 64 rows of all 10 channels */
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.pass_batch_results = true;
  int saw_null_first = 0;
  res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, &ao, running_sum, &saw_null_first, &res, NULL));
  NBT_CHECK(saw_null_first);
  NBT_CHECK(nb_result_list_count(res) == 1);
  int64_t want = 0;
  for (uint64_t s = 0; s < N_OBS; s++) want += nbt_value(NB_DTYPE_INT16, N_CH, s, 0);
  NBT_OK(nb_result_list_get(res, 0, &v));
  NBT_CHECK(v && *(const int64_t *)v->data == want);
  nb_result_list_free(res);
  /* ... and none with zero batches */
  bo.from_time = bo.to_time = 10;
  res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, &ao, running_sum, &saw_null_first, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == 0);
  nb_result_list_free(res);
  /* pass_batch_results needs the serial path */
  ao.n_threads = 2;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, running_sum, &saw_null_first, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("n_threads");
  nb_reader_free(r);
}

/* result = the channel's series, n x 1 */
static int series(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  return nb_result_slot_set(out, b->dtype, (size_t)(b->idx_local_stop - b->idx_local_start), 1, NB_LAYOUT_SAMPLE_MAJOR,
                       (const int16_t *)b->data + b->idx_local_start) == NB_STATUS_OK ? 0 : -1;
}

static void single_channel_disk(void) {
  const size_t ch[] = {4, 1};
  const char *inputs[] = {input, input_wide};
  size_t first_len = 0;
  unsigned char *first = NULL;
  for (int in = 0; in < 2; in++) {
    for (int complete = 0; complete < 2; complete++) {
      nb_reader *r = open_input(inputs[in]);
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
      bo.force_complete_channel_batch = complete;
      bo.channels = ch;
      bo.n_channels = 2;
      bo.from_time = 100;
      bo.to_time = 900;
      bo.buffer_size = 2;
      bo.max_memory = complete ? 1600 : 300; /* split: 150-row windows */
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      ao.mode = NB_APPLY_MODE_DISK;
      ao.output_path = nbt_path("single.bin");
      NBT_OK(nb_reader_apply(r, &bo, &ao, series, NULL, NULL, NULL));
      NBT_FILE_TEXT(nbt_path("single.yaml"), "data_bytes: 3200\ndata_order: channels\ndtype: int16\nn_channels: 2\n");
      size_t len = 0;
      unsigned char *got = nbt_read_file(nbt_path("single.bin"), &len);
      NBT_CHECK(got && len == 2 * 800 * sizeof(int16_t));
      const int16_t *g = (const int16_t *)got;
      int bad = 0;
      for (size_t j = 0; got && j < 2; j++)
        for (uint64_t s = 100; s < 900; s++) bad += g[j * 800 + (s - 100)] != nbt_value(NB_DTYPE_INT16, N_CH, s, ch[j]);
      NBT_CHECK(bad == 0);
      if (!first) { first = got; first_len = len; }
      else { NBT_CHECK(len == first_len && memcmp(got, first, len) == 0); free(got); }
      /* read back: channels order gives the [obs, channel] matrix */
      nb_reader *back = open_input(nbt_path("single.bin"));
      int16_t m[2 * 3];
      NBT_OK(nb_reader_read(back, 10, 13, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, m, sizeof m, NULL));
      for (int k = 0; k < 3; k++)
        for (int j = 0; j < 2; j++) NBT_CHECK(m[k * 2 + j] == nbt_value(NB_DTYPE_INT16, N_CH, 110 + (uint64_t)k, ch[j]));
      nb_reader_free(back);
      nb_reader_free(r);
    }
  }
  free(first);
}

static void if_file_exists(void) {
  nb_reader *r = open_input(input);
  const char *out = nbt_path("exists.bin");
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = out;
  NBT_OK(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL));
  size_t len0 = 0;
  unsigned char *before = nbt_read_file(out, &len0);
  /* abort: error, nothing touched, callback never called */
  int calls = 0;
  ao.if_file_exists = NB_IF_FILE_EXISTS_ABORT;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, identity, &calls, NULL, NULL), NB_STATUS_FILE_EXISTS);
  NBT_ERROR_MENTIONS("exists.bin");
  /* skip: the existing output's parameters, callback never called */
  ao.if_file_exists = NB_IF_FILE_EXISTS_SKIP;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, NULL, &ao, add_one, &calls, &res, NULL));
  NBT_CHECK(calls == 0);
  const nb_output_info *info = NULL;
  NBT_OK(nb_result_list_output(res, 0, &info));
  NBT_CHECK(info && info->skipped && info->n_channels == N_CH && info->n_observations == N_OBS);
  nb_result_list_free(res);
  size_t len1 = 0;
  unsigned char *after = nbt_read_file(out, &len1);
  NBT_CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
  free(after);
  /* skip without a sidecar is an error */
  remove(nbt_path("exists.yaml"));
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, &calls, NULL, NULL), NB_STATUS_SIDECAR_MISSING);
  NBT_ERROR_MENTIONS("exists.yaml");
  /* overwrite replaces data and sidecar */
  ao.if_file_exists = NB_IF_FILE_EXISTS_OVERWRITE;
  ao.cast_dtype = NB_DTYPE_INT32;
  NBT_OK(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL));
  NBT_FILE_TEXT(nbt_path("exists.yaml"), "data_bytes: 40000\ndata_order: samples\ndtype: int32\nn_channels: 10\n");
  after = nbt_read_file(out, &len1);
  NBT_CHECK(len1 == 2 * len0);
  free(after);
  free(before);
  nb_if_file_exists v = 0;
  NBT_OK(nb_if_file_exists_from_name("skip", &v));
  NBT_CHECK(v == NB_IF_FILE_EXISTS_SKIP);
  NBT_EXPECT(nb_if_file_exists_from_name("replace", &v), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("'replace'");
  nb_reader_free(r);
}

static void zero_batches(void) {
  nb_reader *r = open_input(input);
  const size_t ch[] = {2, 5, 7};
  for (int single = 0; single < 2; single++) {
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    bo.from_time = bo.to_time = 400;
    bo.channels = ch;
    bo.n_channels = 3;
    bo.traversal = single ? NB_TRAVERSAL_SINGLE_CHANNEL : NB_TRAVERSAL_MULTI_CHANNEL;
    nb_apply_options ao;
    nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
    ao.mode = NB_APPLY_MODE_DISK;
    ao.output_path = nbt_path("empty.out");
    ao.cast_dtype = single ? NB_DTYPE_UNSET : NB_DTYPE_FLOAT64;
    int calls = 0;
    NBT_OK(nb_reader_apply(r, &bo, &ao, add_one, &calls, NULL, NULL));
    NBT_CHECK(calls == 0);
    size_t len = 99;
    free(nbt_read_file(nbt_path("empty.out"), &len));
    NBT_CHECK(len == 0);
    NBT_FILE_TEXT(nbt_path("empty.yaml"), single ? "data_bytes: 0\ndata_order: channels\ndtype: int16\nn_channels: 3\n"
                                                 : "data_bytes: 0\ndata_order: samples\ndtype: float64\nn_channels: 3\n");
    nb_result_list *res = NULL;
    ao.mode = NB_APPLY_MODE_MEMORY;
    NBT_OK(nb_reader_apply(r, &bo, &ao, add_one, &calls, &res, NULL));
    NBT_CHECK(nb_result_list_count(res) == 0 && nb_result_list_n_outputs(res) == 0);
    nb_result_list_free(res);
  }
  nb_reader_free(r);
}

static int changing_columns(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  int16_t z[4] = {0};
  return nb_result_slot_set(out, NB_DTYPE_INT16, 1, b->batch_index == 2 ? 4 : 3, NB_LAYOUT_SAMPLE_MAJOR, z) ? -1 : 0;
}

static int changing_dtype(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  int32_t z[3] = {0};
  return nb_result_slot_set(out, b->batch_index == 1 ? NB_DTYPE_INT32 : NB_DTYPE_UINT32, 1, 3, NB_LAYOUT_SAMPLE_MAJOR, z) ? -1 : 0;
}

static int uneven_series(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  int16_t z[8] = {0};
  return nb_result_slot_set(out, NB_DTYPE_INT16, b->channel == 3 ? 7 : 8, 1, NB_LAYOUT_SAMPLE_MAJOR, z) ? -1 : 0;
}

static int no_result(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)b; (void)prev; (void)out; (void)user;
  return 0;
}

static int bad_result(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)b; (void)prev; (void)user;
  int16_t z = 0;
  nb_result_slot_set(out, 99, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &z); /* ignores the error */
  return 0;
}

static void errors_create_nothing(void) {
  nb_reader *r = open_input(input);
  int entries = nbt_count_entries();
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  struct { const char *path; const char *mention; } bad_paths[] = {
      {input, "the input recording"},
      {nbt_path("apply-in.yaml"), ".yaml"},
      {nbt_path("no/such/dir/out.bin"), "does not exist"},
      {nbt_path("apply-in.dat"), "input's sidecar"},
  };
  for (size_t k = 0; k < sizeof bad_paths / sizeof *bad_paths; k++) {
    ao.output_path = bad_paths[k].path;
    NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
    NBT_ERROR_MENTIONS(bad_paths[k].mention);
  }
  ao.output_path = NULL;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_NULL_ARGUMENT);
  ao.output_path = nbt_path("never.bin");
  ao.if_file_exists = 5;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  ao.mode = NB_APPLY_MODE_MEMORY; /* unknown values are errors in every mode */
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.if_file_exists = NB_IF_FILE_EXISTS_OVERWRITE;
  ao.cast_dtype = 33;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_BAD_DTYPE);
  ao.cast_dtype = NB_DTYPE_UNSET;
  ao.mode = 9;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  ao.mode = NB_APPLY_MODE_DISK;
  /* no function is a convert; with pass_batch_results it is an argument error */
  ao.pass_batch_results = true;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, NULL, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("no function");
  ao.pass_batch_results = false;
  NBT_EXPECT(nb_reader_apply(NULL, NULL, &ao, add_one, NULL, NULL, NULL), NB_STATUS_NULL_ARGUMENT);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.to_time = N_OBS + 1;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, add_one, NULL, NULL, NULL), NB_STATUS_BAD_RANGE);
  bo.to_time = NB_TO_END;
  bo.max_memory = 3;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, add_one, NULL, NULL, NULL), NB_STATUS_MEMORY_TOO_SMALL);
  /* results that disagree */
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 2000;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, changing_columns, NULL, NULL, NULL), NB_STATUS_RESULT_MISMATCH);
  NBT_ERROR_MENTIONS("4 columns");
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, changing_dtype, NULL, NULL, NULL), NB_STATUS_RESULT_MISMATCH);
  NBT_ERROR_MENTIONS("int32");
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, no_result, NULL, NULL, NULL), NB_STATUS_NO_RESULT);
  NBT_ERROR_MENTIONS("batch 0");
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, bad_result, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("99");
  ao.cleanup = nb_result_view_trim_buffer; /* result rows != block rows */
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, changing_columns, NULL, NULL, NULL), NB_STATUS_RESULT_MISMATCH);
  NBT_ERROR_MENTIONS("trim_buffer");
  ao.cleanup = NULL;
  bo.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, uneven_series, NULL, NULL, NULL), NB_STATUS_RESULT_MISMATCH);
  NBT_ERROR_MENTIONS("same length");
  NBT_CHECK(nbt_count_entries() == entries);
  nb_reader_free(r);
}

static void cast_values(void) {
  const double f[4] = {1.9, -1.9, 300.7, 0.0 / 0.0};
  int16_t i[4] = {9, 9, 9, 9};
  NBT_OK(nb_dtype_cast(NB_DTYPE_FLOAT64, f, NB_DTYPE_INT16, i, 4));
  NBT_CHECK(i[0] == 1 && i[1] == -1 && i[2] == 300 && i[3] == 0);
  const int32_t w[2] = {300, -1};
  uint8_t u[2];
  NBT_OK(nb_dtype_cast(NB_DTYPE_INT32, w, NB_DTYPE_UINT8, u, 2));
  NBT_CHECK(u[0] == 44 && u[1] == 255);
  /* values at any alignment: doubles one byte into a buffer, to int32s two bytes in */
  unsigned char src[1 + 3 * sizeof(double)], dst[2 + 3 * sizeof(int32_t)];
  const double d3[3] = {-2.5, 70000.9, 5.0};
  memcpy(src + 1, d3, sizeof d3);
  NBT_OK(nb_dtype_cast(NB_DTYPE_FLOAT64, src + 1, NB_DTYPE_INT32, dst + 2, 3));
  int32_t got[3];
  memcpy(got, dst + 2, sizeof got);
  NBT_CHECK(got[0] == -2 && got[1] == 70000 && got[2] == 5);
  NBT_EXPECT(nb_dtype_cast(NB_DTYPE_UNSET, w, NB_DTYPE_UINT8, u, 2), NB_STATUS_BAD_DTYPE);
  NBT_EXPECT(nb_dtype_cast(NB_DTYPE_INT32, NULL, NB_DTYPE_UINT8, u, 2), NB_STATUS_NULL_ARGUMENT);
}

int main(void) {
  cast_values();
  input = nbt_write_fixture("apply-in.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("apply-in.yaml"), "{data_order: samples, dtype: int16, n_channels: 10}\n");
  input_wide = nbt_write_fixture("apply-wide.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_CHANNELS);
  nbt_write_text(nbt_path("apply-wide.yaml"), "data_order: channels\ndtype: int16\nn_channels: 10\n");
  multi_channel_disk();
  cast_and_identity();
  convert_without_callback();
  memory_mode_and_previous();
  single_channel_disk();
  if_file_exists();
  zero_batches();
  errors_create_nothing();
  return nbt_finish("test_apply");
}
