/* Pipelines: two steps (single-channel then multi-channel) with the
 * intermediate removed (keep = false), outputs reported, the input kept;
 * invalid steps rejected before any step runs. */
#include "fixture.h"

#define N_CH 6
#define N_OBS 3000

static int plus_one_series(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  int *calls = user;
  (*calls)++;
  int16_t *dst = NULL;
  size_t n = (size_t)(b->idx_local_stop - b->idx_local_start);
  if (nb_result_slot_lend(out, NB_DTYPE_INT16, n, 1, (void **)&dst)) return -1;
  for (size_t r = 0; r < n; r++) dst[r] = (int16_t)(((const int16_t *)b->data)[b->idx_local_start + r] + 1);
  return 0;
}

static int times_two(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  int *calls = user;
  (*calls)++;
  int32_t *dst = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_INT32, b->n_rows, b->n_channels, (void **)&dst)) return -1;
  for (size_t i = 0; i < b->n_rows * b->n_channels; i++) dst[i] = 2 * ((const int16_t *)b->data)[i];
  return 0;
}

int main(void) {
  const char *input = nbt_write_fixture("pipe-in.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("pipe-in.yaml"), "data_order: samples\ndtype: int16\nn_channels: 6\n");
  int calls1 = 0, calls2 = 0;
  nb_pipeline_step s1, s2;
  NBT_OK(nb_pipeline_step_init(&s1, NB_PIPELINE_STEP_VERSION));
  NBT_OK(nb_pipeline_step_init(&s2, NB_PIPELINE_STEP_VERSION));
  s1.fn = plus_one_series;
  s1.user_data = &calls1;
  s1.output_name = "filtered.bin";
  s1.mode = NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH;
  s1.keep = false;
  s2.fn = times_two;
  s2.user_data = &calls2;
  s2.output_name = "scaled.bin";
  s2.mode = NB_PIPELINE_MODE_MULTI_CHANNEL;
  s2.keep = false; /* the last output is kept anyway */
  const nb_pipeline_step *steps[] = {&s1, &s2};
  nb_pipeline_options po;
  NBT_OK(nb_pipeline_options_init(&po, NB_PIPELINE_OPTIONS_VERSION));
  po.output_dir = nbt_tempdir();
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 2 * N_OBS * 2; /* two channels at once; 500 rows of 6 */
  const size_t ch[] = {5, 2, 0, 1};
  bo.channels = ch;
  bo.n_channels = 4;
  bo.from_time = 100;
  bo.to_time = 2900;

  nb_result_list *res = NULL;
  NBT_OK(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, &res, NULL));
  NBT_CHECK(calls1 == 4 && calls2 == 2); /* step 2 holds 1500 rows of 4 channels per batch */
  NBT_CHECK(nb_result_list_n_outputs(res) == 2);
  const nb_output_info *o1 = NULL, *o2 = NULL;
  NBT_OK(nb_result_list_output(res, 0, &o1));
  NBT_OK(nb_result_list_output(res, 1, &o2));
  NBT_CHECK(o1 && !o1->kept && o1->data_order == NB_DATA_ORDER_CHANNELS && o1->n_channels == 4 && o1->n_observations == 2800);
  NBT_CHECK(o2 && o2->kept && o2->data_order == NB_DATA_ORDER_SAMPLES && o2->dtype == NB_DTYPE_INT32 && o2->n_channels == 4);
  NBT_CHECK(o2 && nbt_same_path(o2->path, nbt_path("scaled.bin")));
  nb_result_list_free(res);
  NBT_CHECK(!nbt_exists(nbt_path("filtered.bin")) && !nbt_exists(nbt_path("filtered.yaml")));
  NBT_CHECK(nbt_exists(input) && nbt_exists(nbt_path("pipe-in.yaml")));
  size_t len = 0;
  int32_t *got = (int32_t *)nbt_read_file(nbt_path("scaled.bin"), &len);
  NBT_CHECK(got && len == 2800 * 4 * sizeof(int32_t));
  int bad = 0;
  for (uint64_t s = 0; got && s < 2800; s++)
    for (size_t j = 0; j < 4; j++) bad += got[s * 4 + j] != 2 * (nbt_value(NB_DTYPE_INT16, N_CH, s + 100, ch[j]) + 1);
  NBT_CHECK(bad == 0);
  free(got);
  NBT_FILE_TEXT(nbt_path("scaled.yaml"), "data_bytes: 44800\ndata_order: samples\ndtype: int32\nn_channels: 4\n");

  /* keep = true keeps the intermediate; the second run overwrites */
  s1.keep = true;
  NBT_OK(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL));
  NBT_CHECK(nbt_exists(nbt_path("filtered.bin")) && nbt_exists(nbt_path("filtered.yaml")));

  /* invalid steps are rejected before any step runs */
  const int entries = nbt_count_entries();
  calls1 = calls2 = 0;
  s2.mode = 7;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("step 1: mode = 7");
  s2.mode = NB_PIPELINE_MODE_MULTI_CHANNEL;
  s2.output_name = "filtered.bin";
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS("steps 0 and 1");
  s2.output_name = "pipe-in.bin";
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  s2.output_name = "scaled.bin";
  s2.if_file_exists = 4;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  s2.if_file_exists = NB_IF_FILE_EXISTS_ABORT;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_FILE_EXISTS);
  NBT_CHECK(calls1 == 0 && calls2 == 0); /* abort is checked before any step runs */
  s2.if_file_exists = NB_IF_FILE_EXISTS_OVERWRITE;
  s2.cast_dtype = 50;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_DTYPE);
  s2.cast_dtype = NB_DTYPE_UNSET;
  s1.fn = NULL;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_NULL_ARGUMENT);
  s1.fn = plus_one_series;
  bo.to_time = N_OBS + 5;
  calls1 = 0;
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_RANGE);
  NBT_CHECK(calls1 == 0);
  bo.to_time = NB_TO_END;
  po.output_dir = nbt_path("missing-dir");
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_EXPECT(nb_pipeline_run(input, NULL, &bo, &po, steps, 0, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_CHECK(nbt_count_entries() == entries);
  nb_pipeline_mode m = -1;
  NBT_OK(nb_pipeline_mode_from_name("single_channel", &m));
  NBT_CHECK(m == NB_PIPELINE_MODE_SINGLE_CHANNEL);
  NBT_EXPECT(nb_pipeline_mode_from_name("multi", &m), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("'multi'");
  return nbt_finish("test_pipeline");
}
