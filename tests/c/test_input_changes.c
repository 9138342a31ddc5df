/* The input file changes under an open reader: another process truncates
 * it (a clear NB_STATUS_INPUT_CHANGED, never SIGBUS, and the cursor and
 * reader stay usable) or appends to it (the reader keeps the length it
 * had at open, and every value read is right). Both loaders, both file
 * orders, and the sparse-selection path that maps the file. */
#include "fixture.h"

#define N_CH 16
#define N_OBS 20000

static void truncate_while_walking(nb_data_order order, nb_loader loader, int sparse) {
  char name[64];
  snprintf(name, sizeof name, "trunc-%d-%d-%d.bin", (int)order, (int)loader, sparse);
  const char *path = nbt_write_fixture(name, NB_DTYPE_INT16, N_CH, N_OBS, order);
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, order);
  oo.loader = loader;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(path, &oo, &r));
  size_t sel[2] = {3, 11};
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 1000; /* 20 batches of 1000 rows (more with a sparse selection) */
  if (sparse) {
    bo.channels = sel;
    bo.n_channels = 2;
    bo.max_memory = 2 * 2 * 1000;
  }
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  const nb_batch *b = NULL;
  NBT_OK(nb_cursor_next(c, &b));
  NBT_CHECK(b && b->idx_start == 0);

  /* Another process cuts the file to a quarter. */
  NBT_CHECK(truncate(path, (off_t)N_CH * 2 * (N_OBS / 4)) == 0);
  nb_status st = NB_STATUS_OK;
  uint64_t seen = 1;
  while ((st = nb_cursor_next(c, &b)) == NB_STATUS_OK) seen++;
  NBT_EXPECT(st, NB_STATUS_INPUT_CHANGED);
  NBT_ERROR_MENTIONS("truncated");
  NBT_ERROR_MENTIONS(name);
  NBT_CHECK(seen < nb_cursor_n_batches(c)); /* it stopped where the data ended */

  /* The cursor and the reader still work on what is left: the first
   * quarter of a samples file's observations, the first 4 channels of a
   * channels file. Asking for more fails the same way again. */
  NBT_OK(nb_cursor_seek(c, 0));
  if (order == NB_DATA_ORDER_SAMPLES) {
    NBT_OK(nb_cursor_next(c, &b));
    NBT_CHECK(nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, b->data, b->layout, b->n_rows, b->channels, b->n_channels, 0, 0) == 0);
  } else {
    NBT_EXPECT(nb_cursor_next(c, &b), NB_STATUS_INPUT_CHANGED);
  }
  size_t first = 0, last = N_CH - 1;
  int16_t v[4];
  NBT_OK(nb_reader_read(r, 0, 4, &first, 1, 0, NB_LAYOUT_SAMPLE_MAJOR, v, sizeof v, NULL));
  NBT_CHECK(nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, v, NB_LAYOUT_SAMPLE_MAJOR, 4, &first, 1, 0, 0) == 0);
  NBT_EXPECT(nb_reader_read(r, N_OBS - 1, N_OBS, &last, 1, 0, NB_LAYOUT_SAMPLE_MAJOR, v, 2, NULL), NB_STATUS_INPUT_CHANGED);
  nb_cursor_free(c);
  nb_reader_free(r);

  /* Reopened, the file is a valid, shorter recording. */
  NBT_OK(nb_reader_open(path, &oo, &r));
  NBT_CHECK(nb_reader_n_observations(r) == N_OBS / 4);
  nb_reader_free(r);
}

static int copy_rows(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  return nb_result_slot_set(out, b->dtype, b->n_rows, b->n_channels, b->layout, b->data);
}

static void truncate_during_apply(nb_loader loader, unsigned threads) {
  const char *path = nbt_write_fixture("trunc-apply.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  oo.loader = loader;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(path, &oo, &r));
  NBT_CHECK(truncate(path, (off_t)N_CH * 2 * (N_OBS / 2)) == 0);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 1000;
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path("trunc-out.bin");
  ao.n_threads = threads;
  const int entries = nbt_count_entries();
  nb_result_list *res = NULL;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, copy_rows, NULL, &res, NULL), NB_STATUS_INPUT_CHANGED);
  NBT_ERROR_MENTIONS("trunc-apply.bin");
  NBT_CHECK(res == NULL);
  NBT_CHECK(nbt_count_entries() == entries); /* no output, no sidecar, no temporary file */
  /* The same reader still serves the part that exists. */
  bo.to_time = N_OBS / 2;
  ao.mode = NB_APPLY_MODE_MEMORY;
  NBT_OK(nb_reader_apply(r, &bo, &ao, copy_rows, NULL, &res, NULL));
  NBT_CHECK(res && nb_result_list_count(res) == 10);
  nb_result_list_free(res);
  nb_reader_free(r);
}

static void grow_while_walking(nb_loader loader) {
  const char *path = nbt_write_fixture("grow.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  oo.loader = loader;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(path, &oo, &r));
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 3000;
  bo.buffer_size = 7;
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  const nb_batch *b = NULL;
  FILE *f = fopen(path, "ab");
  int16_t junk[N_CH * 100];
  for (size_t i = 0; i < N_CH * 100; i++) junk[i] = -1;
  uint64_t rows = 0;
  nb_status st;
  while ((st = nb_cursor_next(c, &b)) == NB_STATUS_OK) {
    /* The writer appends whole and partial observations between batches. */
    fwrite(junk, 1, sizeof junk - 6, f);
    fflush(f);
    NBT_CHECK(nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, b->data, b->layout, b->n_rows, b->channels, b->n_channels, b->idx_start, 7) == 0);
    rows += b->idx_stop - b->idx_start;
  }
  fclose(f);
  NBT_EXPECT(st, NB_STATUS_DONE);
  NBT_CHECK(rows == N_OBS);
  NBT_CHECK(nb_reader_n_observations(r) == N_OBS);
  nb_cursor_free(c);
  nb_reader_free(r);
}

int main(void) {
  for (int order = NB_DATA_ORDER_SAMPLES; order <= NB_DATA_ORDER_CHANNELS; order++)
    for (int loader = NB_LOADER_PREAD; loader <= NB_LOADER_MMAP; loader++)
      for (int sparse = 0; sparse < 2; sparse++) truncate_while_walking(order, loader, sparse);
  for (int loader = NB_LOADER_PREAD; loader <= NB_LOADER_MMAP; loader++) {
    truncate_during_apply(loader, 1);
    truncate_during_apply(loader, 2);
    grow_while_walking(loader);
  }
  return nbt_finish("test_input_changes");
}
