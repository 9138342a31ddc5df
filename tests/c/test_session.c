/* Multi-file sessions: a fixture split into three files of uneven length
 * (in both data orders) read through nb_reader_open_files must give every
 * block the single file gives: batches spanning the boundaries, buffers,
 * channel subsets, both layouts, every traversal, and byte-identical apply
 * outputs. Files that disagree are refused with both names. */
#include "fixture.h"

#define N_CH 5
#define N_OBS 3001
static const uint64_t SPLIT[4] = {0, 1000, 1001, N_OBS}; /* the middle file holds one observation */

/* Writes the fixture's observations [a, b) as its own file in `order`. */
static const char *write_part(const char *name, nb_data_order order, uint64_t a, uint64_t b) {
  const char *path = nbt_path(name);
  int16_t *v = malloc(sizeof(int16_t) * N_CH * (size_t)(b - a) + 2);
  for (uint64_t s = a; s < b; s++)
    for (size_t c = 0; c < N_CH; c++) {
      size_t i = order == NB_DATA_ORDER_SAMPLES ? (size_t)(s - a) * N_CH + c : c * (size_t)(b - a) + (size_t)(s - a);
      v[i] = (int16_t)nbt_value(NB_DTYPE_INT16, N_CH, s, c);
    }
  FILE *f = fopen(path, "wb");
  fwrite(v, sizeof(int16_t), N_CH * (size_t)(b - a), f);
  fclose(f);
  free(v);
  return path;
}

static void session(nb_data_order order, const char *tag) {
  char name[64];
  const char *parts[3];
  for (int k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "%s-part%d.bin", tag, k);
    parts[k] = write_part(name, order, SPLIT[k], SPLIT[k + 1]);
  }
  snprintf(name, sizeof name, "%s-whole.bin", tag);
  const char *whole = nbt_write_fixture(name, NB_DTYPE_INT16, N_CH, N_OBS, order);
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, order);
  for (int loader = 0; loader < 2; loader++) {
    oo.loader = loader;
    nb_reader *r = NULL;
    NBT_OK(nb_reader_open_files(parts, 3, &oo, &r));
    NBT_CHECK(nb_reader_n_observations(r) == N_OBS);
    size_t subset[2] = {4, 1};
    for (int trav = 0; trav < 2; trav++)
      for (int layout = 0; layout < 2; layout++)
        for (int sub = 0; sub < 2; sub++) {
          nb_batch_options bo;
          nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
          bo.max_memory = trav ? 2 * 700 : N_CH * 2 * 333; /* 333-row batches cross both boundaries */
          bo.traversal = trav;
          bo.force_complete_channel_batch = false;
          bo.buffer_size = 7;
          bo.layout = layout;
          bo.edge = NB_EDGE_REFLECT;
          if (sub) {
            bo.channels = subset;
            bo.n_channels = 2;
          }
          nb_cursor *c = NULL;
          const nb_batch *b = NULL;
          NBT_OK(nb_cursor_new(r, &bo, &c));
          nb_reader *single = nbt_open_with(whole, NB_DTYPE_INT16, N_CH, order, (nb_loader)loader);
          nb_cursor *ref = NULL;
          const nb_batch *rb = NULL;
          NBT_OK(nb_cursor_new(single, &bo, &ref));
          NBT_CHECK(nb_cursor_n_batches(c) == nb_cursor_n_batches(ref));
          while (nb_cursor_next(c, &b) == NB_STATUS_OK) {
            NBT_OK(nb_cursor_next(ref, &rb));
            NBT_CHECK(b->idx_start == rb->idx_start && b->n_bytes == rb->n_bytes);
            if (memcmp(b->data, rb->data, b->n_bytes) != 0) {
              fprintf(stderr, "%s loader %d traversal %d layout %d subset %d: batch %llu differs\n", tag, loader, trav, layout, sub,
                      (unsigned long long)b->batch_index);
              nbt_failures++;
            }
          }
          nb_cursor_free(c);
          nb_cursor_free(ref);
          nb_reader_free(single);
        }
    /* an apply over the session writes what an apply over the whole file writes */
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    bo.max_memory = N_CH * 2 * 400;
    nb_apply_options ao;
    nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
    ao.mode = NB_APPLY_MODE_DISK;
    snprintf(name, sizeof name, "%s-session-out-%d.bin", tag, loader);
    const char *out_session = nbt_path(name);
    ao.output_path = out_session;
    NBT_OK(nb_reader_apply(r, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL));
    nb_reader *single = nbt_open_with(whole, NB_DTYPE_INT16, N_CH, order, (nb_loader)loader);
    snprintf(name, sizeof name, "%s-whole-out-%d.bin", tag, loader);
    ao.output_path = nbt_path(name);
    NBT_OK(nb_reader_apply(single, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL));
    NBT_CHECK(nbt_same_file(out_session, ao.output_path));
    nb_reader_free(single);
    nb_reader_free(r);
  }
}

static void disagreeing_files(void) {
  const char *a = nbt_write_fixture("mix-a.bin", NB_DTYPE_INT16, 4, 100, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("mix-a.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n");
  const char *b = nbt_write_fixture("mix-b.bin", NB_DTYPE_INT16, 2, 100, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("mix-b.yaml"), "dtype: int16\nn_channels: 2\ndata_order: samples\n");
  const char *paths[2] = {a, b};
  nb_reader *r = NULL;
  NBT_EXPECT(nb_reader_open_files(paths, 2, NULL, &r), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("mix-b.bin");
  NBT_ERROR_MENTIONS("mix-a.bin");
  NBT_ERROR_MENTIONS("int16 / 2 / samples");
  NBT_CHECK(r == NULL);
  NBT_EXPECT(nb_reader_open_files(paths, 0, NULL, &r), NB_STATUS_INVALID_ARGUMENT);
  const char *missing[2] = {a, nbt_path("mix-missing.bin")};
  /* A missing part is reported as missing, not as a missing sidecar, and named. */
  NBT_EXPECT(nb_reader_open_files(missing, 2, NULL, &r), NB_STATUS_IO);
  NBT_ERROR_MENTIONS("mix-missing");
  NBT_ERROR_MENTIONS("does not exist");
  NBT_ERROR_MENTIONS("file 2 of the 2");
}

int main(void) {
  session(NB_DATA_ORDER_SAMPLES, "samples");
  session(NB_DATA_ORDER_CHANNELS, "channels");
  disagreeing_files();
  return nbt_finish("test_session");
}
