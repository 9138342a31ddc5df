/* multi_channel_apply in memory (YASS's multi_channel_apply_memory example):
 * the maximum of every channel in every batch, then the overall maximum. */
#include "example_data.h"

/* result = 1 x n_channels: the maximum of each channel in the batch */
static int max_in_channel(const nb_batch *batch, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous; (void)user_data;
  int16_t *m = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_INT16, 1, batch->n_channels, (void **)&m) != NB_STATUS_OK) return -1;
  const int16_t *v = batch->data;
  for (size_t j = 0; j < batch->n_channels; j++) m[j] = INT16_MIN;
  for (size_t r = 0; r < batch->n_rows; r++)
    for (size_t j = 0; j < batch->n_channels; j++)
      if (v[r * batch->n_channels + j] > m[j]) m[j] = v[r * batch->n_channels + j];
  return 0;
}

int main(void) {
  const char *dir = example_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/rawDataSample.bin", dir);
  const uint64_t n_obs = 200000;
  if (example_generate(path, 385, n_obs)) return 1;

  nb_reader *reader = NULL;
  EXAMPLE_TRY(nb_reader_open(path, NULL, &reader));
  nb_batch_options batch;
  nb_batch_options_init(&batch, NB_BATCH_OPTIONS_VERSION);
  EXAMPLE_TRY(nb_max_memory_parse("10KB", &batch.max_memory));
  const size_t channels[] = {0, 1, 7};
  batch.channels = channels;
  batch.n_channels = 3;
  nb_result_list *res = NULL;
  EXAMPLE_TRY(nb_reader_apply(reader, &batch, NULL, max_in_channel, NULL, &res, NULL));
  size_t n = nb_result_list_count(res);
  printf("%zu results (one per batch)\n", n);
  int16_t overall[3] = {INT16_MIN, INT16_MIN, INT16_MIN};
  for (size_t k = 0; k < n; k++) {
    const nb_result_view *v = NULL;
    EXAMPLE_TRY(nb_result_list_get(res, k, &v));
    const int16_t *m = v->data;
    if (k == 0) printf("batch 0: max = [%d, %d, %d]\n", m[0], m[1], m[2]);
    for (int j = 0; j < 3; j++)
      if (m[j] > overall[j]) overall[j] = m[j];
  }
  nb_result_list_free(res);
  /* check against a direct computation */
  int16_t want[3] = {INT16_MIN, INT16_MIN, INT16_MIN};
  for (uint64_t s = 0; s < n_obs; s++)
    for (int j = 0; j < 3; j++)
      if (example_value(s, (int)channels[j]) > want[j]) want[j] = example_value(s, (int)channels[j]);
  printf("overall max = [%d, %d, %d]\n", overall[0], overall[1], overall[2]);
  nb_reader_free(reader);
  example_cleanup(dir);
  return memcmp(overall, want, sizeof want) ? 1 : 0;
}
