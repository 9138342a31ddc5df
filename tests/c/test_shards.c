/* Sharded applies: any number of shards (more than batches too), run in any
 * order, assembled by nb_shard_finish, give an output byte-identical to the
 * single-process apply, for multi- and single-channel traversals, both
 * shard outputs, serial and parallel shards; a failing shard leaves nothing;
 * memory-mode shards concatenate to the full results; a version-1 options
 * struct (older header) is still read correctly. */
#include "fixture.h"

#define N_CH 6
#define N_OBS 10007

static const char *input;

/* The batch's own rows plus 1: the same rows as the batch. */
static int own_rows_plus_one(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  size_t rows = (size_t)(b->idx_stop - b->idx_start), n = b->n_channels;
  int16_t *dst = NULL;
  int st = nb_result_slot_lend(out, NB_DTYPE_INT16, rows, n, (void **)&dst);
  if (st) return st;
  const int16_t *src = b->data;
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < n; j++) {
      size_t br = r + (size_t)b->idx_local_start;
      dst[r * n + j] = (int16_t)((b->layout == NB_LAYOUT_SAMPLE_MAJOR ? src[br * n + j] : src[j * b->n_rows + br]) + 1);
    }
  return 0;
}

/* One row per batch (a per-channel maximum): a size the plan does not give. */
static int max_per_channel(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  int32_t m[N_CH];
  const int16_t *src = b->data;
  for (size_t j = 0; j < b->n_channels; j++) {
    m[j] = INT32_MIN;
    for (size_t r = 0; r < b->n_rows; r++) {
      int16_t v = b->layout == NB_LAYOUT_SAMPLE_MAJOR ? src[r * b->n_channels + j] : src[j * b->n_rows + r];
      if (v > m[j]) m[j] = v;
    }
  }
  return nb_result_slot_set(out, NB_DTYPE_INT32, 1, b->n_channels, NB_LAYOUT_SAMPLE_MAJOR, m);
}

static int fail_in_shard(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  if (b->batch_index == *(const uint64_t *)user) return -5;
  return own_rows_plus_one(b, prev, out, NULL);
}

struct setup {
  nb_apply_fn fn;
  nb_traversal traversal;
  nb_shard_output how;
  uint64_t buffer;
  nb_dtype cast;
};

static nb_batch_options batch_options(const struct setup *s) {
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.traversal = s->traversal;
  bo.force_complete_channel_batch = false;
  bo.buffer_size = s->buffer;
  bo.max_memory = s->traversal == NB_TRAVERSAL_MULTI_CHANNEL ? N_CH * 2 * 700 : 2 * 3000;
  return bo;
}

static nb_status run(nb_reader *r, const struct setup *s, const char *out, uint64_t k, uint64_t n, unsigned threads, void *user) {
  nb_batch_options bo = batch_options(s);
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = out;
  ao.n_threads = threads;
  ao.cast_dtype = s->cast;
  ao.shard_index = k;
  ao.shard_count = n;
  ao.shard_output = s->how;
  nb_result_list *res = NULL;
  nb_status st = nb_reader_apply(r, &bo, &ao, s->fn, user, &res, NULL);
  if (st == NB_STATUS_OK && n >= 1) NBT_CHECK(res && nb_result_list_n_outputs(res) == 0); /* published by finish */
  nb_result_list_free(res);
  return st;
}

static void sharded_equals_single(nb_reader *r, const struct setup *s, const char *tag) {
  char name[128];
  snprintf(name, sizeof name, "single-%s.bin", tag);
  const char *single = nbt_path(name);
  NBT_OK(run(r, s, single, 0, 0, 1, NULL)); /* no sharding */
  snprintf(name, sizeof name, "single-%s.yaml", tag);
  const char *single_yaml = nbt_path(name);
  uint64_t n_batches = 0, rows = 0;
  nb_batch_options bo = batch_options(s);
  NBT_OK(nb_reader_plan(r, &bo, &n_batches, &rows));
  const uint64_t counts[] = {1, 2, 3, 4, 7, n_batches + 2};
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    uint64_t n = counts[c];
    snprintf(name, sizeof name, "sharded-%s-%llu.bin", tag, (unsigned long long)n);
    const char *out = nbt_path(name);
    const int entries = nbt_count_entries();
    /* Shards run in reverse order, alternately serial and parallel. */
    for (uint64_t k = n; k-- > 0;) {
      uint64_t first = 0, stop = 0;
      NBT_OK(nb_reader_shard_batches(r, &bo, k, n, &first, &stop));
      NBT_CHECK(stop - first <= n_batches / n + 1);
      NBT_OK(run(r, s, out, k, n, (unsigned)(k % 2 + 1), NULL));
      NBT_CHECK(!nbt_exists(out)); /* nothing visible before finish */
    }
    nb_result_list *res = NULL;
    NBT_OK(nb_shard_finish(out, n, NULL, &res));
    const nb_output_info *info = NULL;
    NBT_OK(nb_result_list_output(res, 0, &info));
    NBT_CHECK(info && strcmp(info->path, out) == 0);
    nb_result_list_free(res);
    if (!nbt_same_file(out, single)) {
      fprintf(stderr, "%s with %llu shards differs from the single-process output\n", tag, (unsigned long long)n);
      nbt_failures++;
    }
    snprintf(name, sizeof name, "sharded-%s-%llu.yaml", tag, (unsigned long long)n);
    NBT_CHECK(nbt_same_file(nbt_path(name), single_yaml));
    NBT_CHECK(nbt_count_entries() == entries + 2); /* output and sidecar; no hidden piece left */
  }
}

static void failing_shard_leaves_nothing(nb_reader *r) {
  struct setup s = {fail_in_shard, NB_TRAVERSAL_MULTI_CHANNEL, NB_SHARD_OUTPUT_SAME_ROWS, 0, NB_DTYPE_UNSET};
  for (int how = 0; how < 2; how++) {
    s.how = how;
    const char *out = nbt_path(how ? "fail-same.bin" : "fail-parts.bin");
    nbt_write_text(out, "previous output");
    const int entries = nbt_count_entries();
    uint64_t failing_batch = 8; /* in shard 1 of 3 (15 batches) */
    NBT_OK(run(r, &s, out, 0, 3, 1, &failing_batch));
    NBT_EXPECT(run(r, &s, out, 1, 3, 2, &failing_batch), NB_STATUS_CALLBACK_FAILED);
    NBT_OK(run(r, &s, out, 2, 3, 1, &failing_batch));
    NBT_EXPECT(nb_shard_finish(out, 3, NULL, NULL), NB_STATUS_SHARD_INCOMPLETE);
    NBT_ERROR_MENTIONS("shard 1 of 3 (run ");
    NBT_ERROR_MENTIONS("did not complete");
    NBT_CHECK(nbt_count_entries() == entries); /* every piece removed */
    NBT_FILE_TEXT(out, "previous output");
    /* nb_shard_abort is the other way to clean up, and may run twice. */
    NBT_OK(run(r, &s, out, 0, 3, 1, &failing_batch));
    NBT_OK(nb_shard_abort(out, 3, NULL));
    NBT_OK(nb_shard_abort(out, 3, NULL));
    NBT_CHECK(nbt_count_entries() == entries);
  }
  /* same_rows with a result of another size fails that shard clearly */
  s.fn = max_per_channel;
  s.how = NB_SHARD_OUTPUT_SAME_ROWS;
  const char *out = nbt_path("wrong-size.bin");
  NBT_EXPECT(run(r, &s, out, 0, 2, 1, NULL), NB_STATUS_RESULT_MISMATCH);
  NBT_ERROR_MENTIONS("same_rows");
  NBT_OK(nb_shard_abort(out, 2, NULL));
  NBT_CHECK(!nbt_exists(out));
  /* bad shard values */
  NBT_EXPECT(run(r, &s, out, 2, 2, 1, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("shard 2 of 2");
}

static int copy_own_rows(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  return own_rows_plus_one(b, prev, out, user);
}

static void memory_shards_concatenate(nb_reader *r) {
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 1000;
  nb_result_list *all = NULL;
  NBT_OK(nb_reader_apply(r, &bo, NULL, copy_own_rows, NULL, &all, NULL));
  size_t next = 0;
  for (uint64_t k = 0; k < 4; k++) {
    nb_apply_options ao;
    nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
    ao.shard_index = k;
    ao.shard_count = 4;
    nb_result_list *part = NULL;
    NBT_OK(nb_reader_apply(r, &bo, &ao, copy_own_rows, NULL, &part, NULL));
    for (size_t i = 0; i < nb_result_list_count(part); i++, next++) {
      const nb_result_view *a = NULL, *b = NULL;
      NBT_OK(nb_result_list_get(part, i, &a));
      NBT_OK(nb_result_list_get(all, next, &b));
      NBT_CHECK(a->n_bytes == b->n_bytes && memcmp(a->data, b->data, a->n_bytes) == 0);
    }
    nb_result_list_free(part);
  }
  NBT_CHECK(next == nb_result_list_count(all));
  nb_result_list_free(all);
}

/* A caller built against version 1 of the header passes a shorter struct. */
static void version_1_options(nb_reader *r) {
  size_t v1 = offsetof(nb_apply_options, shard_index);
  nb_apply_options full;
  nb_apply_options_init(&full, 1);
  nb_apply_options *small = malloc(v1); /* exactly the version-1 size: ASan/valgrind catch over-reads */
  memcpy(small, &full, v1);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 1000;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, small, copy_own_rows, NULL, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == (N_OBS + 999) / 1000); /* every batch: no sharding */
  nb_result_list_free(res);
  free(small);
}

int main(void) {
  input = nbt_write_fixture("shard-in.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(input, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  const struct setup setups[] = {
      {own_rows_plus_one, NB_TRAVERSAL_MULTI_CHANNEL, NB_SHARD_OUTPUT_SAME_ROWS, 5, NB_DTYPE_UNSET},
      {own_rows_plus_one, NB_TRAVERSAL_MULTI_CHANNEL, NB_SHARD_OUTPUT_SAME_ROWS, 0, NB_DTYPE_FLOAT64},
      {own_rows_plus_one, NB_TRAVERSAL_MULTI_CHANNEL, NB_SHARD_OUTPUT_PARTS, 5, NB_DTYPE_UNSET},
      {max_per_channel, NB_TRAVERSAL_MULTI_CHANNEL, NB_SHARD_OUTPUT_PARTS, 3, NB_DTYPE_UNSET},
      {own_rows_plus_one, NB_TRAVERSAL_SINGLE_CHANNEL, NB_SHARD_OUTPUT_SAME_ROWS, 2, NB_DTYPE_UNSET},
      {own_rows_plus_one, NB_TRAVERSAL_SINGLE_CHANNEL, NB_SHARD_OUTPUT_PARTS, 0, NB_DTYPE_INT32},
  };
  const char *tags[] = {"multi-same", "multi-same-cast", "multi-parts", "multi-max-parts", "single-same", "single-parts-cast"};
  for (size_t i = 0; i < sizeof setups / sizeof setups[0]; i++) sharded_equals_single(r, &setups[i], tags[i]);
  failing_shard_leaves_nothing(r);
  memory_shards_concatenate(r);
  version_1_options(r);
  nb_reader_free(r);
  return nbt_finish("test_shards");
}
