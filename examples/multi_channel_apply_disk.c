/* multi_channel_apply to disk (YASS's multi_channel_apply_disk example):
 * add one to every observation of channels 0, 1, 2 and save the result;
 * then read it back through its sidecar and compare with the raw data. */
#include "example_data.h"

/* result = batch + 1, same shape and dtype */
static int sum_one(const nb_batch *batch, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous; (void)user_data;
  int16_t *dst = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_INT16, batch->n_rows, batch->n_channels, (void **)&dst) != NB_STATUS_OK) return -1;
  const int16_t *src = batch->data;
  for (size_t i = 0; i < batch->n_rows * batch->n_channels; i++) dst[i] = (int16_t)(src[i] + 1);
  return 0;
}

int main(void) {
  const char *dir = example_dir();
  char raw_path[512], out_path[512];
  snprintf(raw_path, sizeof raw_path, "%s/rawDataSample.bin", dir);
  snprintf(out_path, sizeof out_path, "%s/modified.bin", dir);
  if (example_generate(raw_path, 385, 100000)) return 1;

  nb_reader *raw = NULL;
  EXAMPLE_TRY(nb_reader_open(raw_path, NULL, &raw));
  nb_batch_options batch;
  nb_batch_options_init(&batch, NB_BATCH_OPTIONS_VERSION);
  EXAMPLE_TRY(nb_max_memory_parse("500KB", &batch.max_memory));
  const size_t channels[] = {0, 1, 2};
  batch.channels = channels;
  batch.n_channels = 3;
  nb_apply_options apply;
  nb_apply_options_init(&apply, NB_APPLY_OPTIONS_VERSION);
  apply.mode = NB_APPLY_MODE_DISK;
  apply.output_path = out_path;
  nb_result_list *results = NULL;
  EXAMPLE_TRY(nb_reader_apply(raw, &batch, &apply, sum_one, NULL, &results, NULL));
  const nb_output_info *info = NULL;
  EXAMPLE_TRY(nb_result_list_output(results, 0, &info));
  printf("wrote %s: %llu samples x %zu channels of %s (%s order)\n", info->path, (unsigned long long)info->n_observations,
         info->n_channels, nb_dtype_name(info->dtype), info->data_order == NB_DATA_ORDER_SAMPLES ? "samples" : "channels");
  nb_result_list_free(results);

  /* no parameters needed: the output's sidecar has them */
  nb_reader *filtered = NULL;
  EXAMPLE_TRY(nb_reader_open(out_path, NULL, &filtered));
  int16_t a[2000 * 3], b[2000 * 3];
  EXAMPLE_TRY(nb_reader_read(raw, 0, 2000, channels, 3, 0, NB_LAYOUT_SAMPLE_MAJOR, a, sizeof a, NULL));
  EXAMPLE_TRY(nb_reader_read(filtered, 0, 2000, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, b, sizeof b, NULL));
  int wrong = 0;
  for (int i = 0; i < 2000 * 3; i++) wrong += b[i] != a[i] + 1;
  printf("raw[:5, 0] = %d %d %d %d %d; modified[:5, 0] = %d %d %d %d %d; %d of 6000 values differ from raw + 1\n", a[0], a[3], a[6],
         a[9], a[12], b[0], b[3], b[6], b[9], b[12], wrong);
  nb_reader_free(filtered);
  nb_reader_free(raw);
  example_cleanup(dir);
  return wrong ? 1 : 0;
}
