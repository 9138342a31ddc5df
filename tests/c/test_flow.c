/* The exact flow of a C user: open -> plan -> cursor loop -> free. Also run
 * under valgrind and linked against the static library. */
#include "fixture.h"

int main(void) {
  const char *path = nbt_write_fixture("flow.bin", NB_DTYPE_INT16, 32, 5000, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("flow.yaml"), "dtype: int16\nn_channels: 32\ndata_order: samples\n");
  nb_reader *reader = NULL;
  NBT_OK(nb_reader_open(path, NULL, &reader));
  if (!reader) return nbt_finish("test_flow");

  nb_batch_options opts;
  NBT_OK(nb_batch_options_init(&opts, NB_BATCH_OPTIONS_VERSION));
  NBT_OK(nb_max_memory_parse("20KB", &opts.max_memory));
  opts.buffer_size = 8;
  uint64_t n_batches = 0, rows = 0;
  NBT_OK(nb_reader_plan(reader, &opts, &n_batches, &rows));
  NBT_CHECK(rows == 20480 / 64 && n_batches == (5000 + rows - 1) / rows);

  nb_cursor *cursor = NULL;
  NBT_OK(nb_cursor_new(reader, &opts, &cursor));
  const nb_batch *batch;
  int64_t total = 0, want = 0;
  while (nb_cursor_next(cursor, &batch) == NB_STATUS_OK) {
    const int16_t *v = batch->data;
    for (uint64_t r = batch->idx_local_start; r < batch->idx_local_stop; r++) total += v[r * batch->n_channels + 5];
    nbt_check_block(NB_DTYPE_INT16, 32, 5000, batch->data, batch->layout, batch->n_rows, batch->channels, batch->n_channels, batch->idx_start, batch->buffer_size);
  }
  for (uint64_t s = 0; s < 5000; s++) want += nbt_value(NB_DTYPE_INT16, 32, s, 5);
  NBT_CHECK(total == want);
  nb_cursor_free(cursor);
  nb_reader_free(reader);
  return nbt_finish("test_flow");
}
