/* single_channel_apply to disk (YASS's single_channel_apply example): a
 * filter applied to each whole channel (here a simple high-pass: the signal
 * minus its moving average over `user_data` samples), saved in "channels"
 * order and read back through the sidecar as an [observation, channel] matrix. */
#include "example_data.h"

#include <math.h>

static int highpass(const nb_batch *batch, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous;
  const int window = *(const int *)user_data;
  const int16_t *x = batch->data;
  size_t n = batch->n_rows;
  float *y = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_FLOAT32, n, 1, (void **)&y) != NB_STATUS_OK) return -1;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    sum += x[i];
    if (i >= (size_t)window) sum -= x[i - (size_t)window];
    size_t len = i + 1 < (size_t)window ? i + 1 : (size_t)window;
    y[i] = (float)(x[i] - sum / (double)len);
  }
  return 0;
}

int main(void) {
  const char *dir = example_dir();
  char raw_path[512], out_path[512];
  snprintf(raw_path, sizeof raw_path, "%s/rawDataSample.bin", dir);
  snprintf(out_path, sizeof out_path, "%s/filtered.bin", dir);
  if (example_generate(raw_path, 385, 60000)) return 1;

  nb_reader *raw = NULL;
  EXAMPLE_TRY(nb_reader_open(raw_path, NULL, &raw));
  nb_batch_options batch;
  nb_batch_options_init(&batch, NB_BATCH_OPTIONS_VERSION);
  EXAMPLE_TRY(nb_max_memory_parse("500MB", &batch.max_memory));
  batch.traversal = NB_TRAVERSAL_SINGLE_CHANNEL; /* each batch: all observations of one channel */
  const size_t channels[] = {0, 1, 2};
  batch.channels = channels;
  batch.n_channels = 3;
  nb_apply_options apply;
  nb_apply_options_init(&apply, NB_APPLY_OPTIONS_VERSION);
  apply.mode = NB_APPLY_MODE_DISK;
  apply.output_path = out_path;
  int window = 64;
  EXAMPLE_TRY(nb_reader_apply(raw, &batch, &apply, highpass, &window, NULL, NULL));

  nb_reader *filtered = NULL;
  EXAMPLE_TRY(nb_reader_open(out_path, NULL, &filtered));
  printf("filtered: %llu samples x %zu channels of %s, %s order\n", (unsigned long long)nb_reader_n_observations(filtered),
         nb_reader_n_channels(filtered), nb_dtype_name(nb_reader_dtype(filtered)),
         nb_reader_data_order(filtered) == NB_DATA_ORDER_CHANNELS ? "channels" : "samples");
  float f[5 * 3];
  int16_t r[5 * 3];
  EXAMPLE_TRY(nb_reader_read(filtered, 1000, 1005, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, f, sizeof f, NULL));
  EXAMPLE_TRY(nb_reader_read(raw, 1000, 1005, channels, 3, 0, NB_LAYOUT_SAMPLE_MAJOR, r, sizeof r, NULL));
  for (int i = 0; i < 5; i++) printf("  sample %d: raw %4d %4d %4d -> filtered %7.2f %7.2f %7.2f\n", 1000 + i, r[i * 3], r[i * 3 + 1], r[i * 3 + 2], f[i * 3], f[i * 3 + 1], f[i * 3 + 2]);
  /* recompute channel 0 from the raw file and compare */
  int ok = nb_reader_n_observations(filtered) == 60000 && nb_reader_n_channels(filtered) == 3;
  int16_t *x = malloc(sizeof(int16_t) * 1005);
  EXAMPLE_TRY(nb_reader_read(raw, 0, 1005, channels, 1, 0, NB_LAYOUT_SAMPLE_MAJOR, x, sizeof(int16_t) * 1005, NULL));
  for (int i = 0; i < 5; i++) {
    double sum = 0;
    for (int k = 1000 + i - window + 1; k <= 1000 + i; k++) sum += x[k];
    ok &= fabsf(f[i * 3] - (float)(x[1000 + i] - sum / window)) < 1e-3f;
  }
  free(x);
  nb_reader_free(filtered);
  nb_reader_free(raw);
  example_cleanup(dir);
  return ok ? 0 : 1;
}
