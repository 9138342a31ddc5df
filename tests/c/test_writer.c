/* The sink on its own (what the MATLAB and Julia bindings use): both layouts
 * in, row-major out, channels-order series, finish publishes atomically,
 * free without finish leaves nothing, and nb_writer_check_path's rules. */
#include "fixture.h"

int main(void) {
  const int entries = nbt_count_entries();
  /* samples order from a column-major block and a row-major block */
  nb_writer *w = NULL;
  const char *out = nbt_path("w.bin");
  NBT_OK(nb_writer_open(out, NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_FLOAT64, &w));
  const double cm[6] = {1, 3, 5, 2, 4, 6}; /* 3 x 2, column by column */
  const double rm[2] = {7, 8};             /* 1 x 2 */
  NBT_OK(nb_writer_append(w, NB_DTYPE_FLOAT64, 3, 2, NB_LAYOUT_CHANNEL_MAJOR, cm));
  NBT_OK(nb_writer_append(w, NB_DTYPE_FLOAT64, 1, 2, NB_LAYOUT_SAMPLE_MAJOR, rm));
  NBT_EXPECT(nb_writer_append_channel(w, 0, NB_DTYPE_FLOAT64, 1, 2, NB_LAYOUT_SAMPLE_MAJOR, rm), NB_STATUS_INVALID_ARGUMENT);
  NBT_CHECK(!nbt_exists(out));
  nb_result_list *res = NULL;
  NBT_OK(nb_writer_finish(w, &res));
  const nb_output_info *info = NULL;
  NBT_OK(nb_result_list_output(res, 0, &info));
  NBT_CHECK(info && info->n_observations == 4 && info->n_channels == 2 && info->dtype == NB_DTYPE_FLOAT64);
  nb_result_list_free(res);
  NBT_EXPECT(nb_writer_append(w, NB_DTYPE_FLOAT64, 1, 2, NB_LAYOUT_SAMPLE_MAJOR, rm), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("finished");
  nb_writer_free(w);
  size_t len = 0;
  double *got = (double *)nbt_read_file(out, &len);
  const double want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  NBT_CHECK(got && len == sizeof want && memcmp(got, want, len) == 0);
  free(got);
  NBT_FILE_TEXT(nbt_path("w.yaml"), "data_bytes: 64\ndata_order: samples\ndtype: float64\nn_channels: 2\n");

  /* channels order: series in several pieces, positions forward only */
  w = NULL;
  NBT_OK(nb_writer_open(nbt_path("c.bin"), NB_DATA_ORDER_CHANNELS, 2, NB_DTYPE_INT16, &w));
  const int16_t a[3] = {1, 2, 3}, b[1] = {4}, c[4] = {5, 6, 7, 8};
  NBT_OK(nb_writer_append_channel(w, 0, NB_DTYPE_INT16, 3, 1, NB_LAYOUT_SAMPLE_MAJOR, a));
  NBT_OK(nb_writer_append_channel(w, 0, NB_DTYPE_INT16, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, b));
  NBT_OK(nb_writer_append_channel(w, 1, NB_DTYPE_INT16, 1, 4, NB_LAYOUT_SAMPLE_MAJOR, c));
  NBT_OK(nb_writer_finish(w, NULL));
  nb_writer_free(w);
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(nbt_path("c.bin"), NULL, &r));
  int16_t m[8];
  NBT_OK(nb_reader_read(r, 0, 4, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, m, sizeof m, NULL));
  const int16_t mw[8] = {1, 5, 2, 6, 3, 7, 4, 8};
  NBT_CHECK(memcmp(m, mw, sizeof m) == 0);
  nb_reader_free(r);

  /* abandoned: nothing left */
  w = NULL;
  NBT_OK(nb_writer_open(nbt_path("gone.bin"), NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_INT16, &w));
  NBT_OK(nb_writer_append(w, NB_DTYPE_INT16, 3, 1, NB_LAYOUT_SAMPLE_MAJOR, a));
  NBT_EXPECT(nb_writer_append(w, NB_DTYPE_INT32, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, a), NB_STATUS_RESULT_MISMATCH);
  NBT_EXPECT(nb_writer_finish(w, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("failed earlier");
  nb_writer_free(w);
  NBT_CHECK(!nbt_exists(nbt_path("gone.bin")) && !nbt_exists(nbt_path("gone.yaml")));
  NBT_CHECK(nbt_count_entries() == entries + 4);

  /* open errors */
  NBT_EXPECT(nb_writer_open(nbt_path("x.yaml"), NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_INT16, &w), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_EXPECT(nb_writer_open(nbt_path("nodir/x.bin"), NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_INT16, &w), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_EXPECT(nb_writer_open(nbt_path("x.bin"), 7, 1, NB_DTYPE_INT16, &w), NB_STATUS_BAD_DATA_ORDER);
  NBT_EXPECT(nb_writer_open(nbt_path("x.bin"), NB_DATA_ORDER_CHANNELS, 0, NB_DTYPE_INT16, &w), NB_STATUS_INVALID_ARGUMENT);
  NBT_EXPECT(nb_writer_open(nbt_path("x.bin"), NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_UNSET, &w), NB_STATUS_BAD_DTYPE);
  NBT_EXPECT(nb_writer_open(NULL, NB_DATA_ORDER_SAMPLES, 1, NB_DTYPE_INT16, &w), NB_STATUS_NULL_ARGUMENT);

  /* nb_writer_check_path */
  bool skip = true;
  NBT_OK(nb_writer_check_path(nbt_path("new.bin"), out, NB_IF_FILE_EXISTS_ABORT, &skip));
  NBT_CHECK(!skip);
  NBT_EXPECT(nb_writer_check_path(out, NULL, NB_IF_FILE_EXISTS_ABORT, &skip), NB_STATUS_FILE_EXISTS);
  NBT_OK(nb_writer_check_path(out, NULL, NB_IF_FILE_EXISTS_SKIP, &skip));
  NBT_CHECK(skip);
  NBT_OK(nb_writer_check_path(out, NULL, NB_IF_FILE_EXISTS_OVERWRITE, &skip));
  NBT_CHECK(!skip);
  NBT_EXPECT(nb_writer_check_path(out, out, NB_IF_FILE_EXISTS_OVERWRITE, &skip), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_EXPECT(nb_writer_check_path(nbt_path("w.dat"), out, NB_IF_FILE_EXISTS_OVERWRITE, &skip), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS("sidecar");
  NBT_EXPECT(nb_writer_check_path(out, NULL, 3, &skip), NB_STATUS_INVALID_ARGUMENT);
  remove(nbt_path("w.yaml"));
  NBT_EXPECT(nb_writer_check_path(out, NULL, NB_IF_FILE_EXISTS_SKIP, &skip), NB_STATUS_SIDECAR_MISSING);
  return nbt_finish("test_writer");
}
