/* A two-step pipeline (YASS's BatchPipeline example): a per-channel filter,
 * then a standardisation, each reading the previous output through its
 * sidecar. The filtered intermediate is kept (keep = true), as in the seed. */
#include "example_data.h"

#include <math.h>

/* the channel minus its mean, as float32 */
static int center(const nb_batch *batch, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous; (void)user_data;
  const int16_t *x = batch->data;
  float *y = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_FLOAT32, batch->n_rows, 1, (void **)&y) != NB_STATUS_OK) return -1;
  double mean = 0;
  for (size_t i = 0; i < batch->n_rows; i++) mean += x[i];
  mean /= (double)batch->n_rows;
  for (size_t i = 0; i < batch->n_rows; i++) y[i] = (float)(x[i] - mean);
  return 0;
}

/* the channel divided by its standard deviation */
static int standardize(const nb_batch *batch, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous; (void)user_data;
  const float *x = batch->data;
  float *y = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_FLOAT32, batch->n_rows, 1, (void **)&y) != NB_STATUS_OK) return -1;
  double ss = 0;
  for (size_t i = 0; i < batch->n_rows; i++) ss += (double)x[i] * x[i];
  double sd = sqrt(ss / (double)batch->n_rows);
  for (size_t i = 0; i < batch->n_rows; i++) y[i] = (float)(x[i] / (sd > 0 ? sd : 1));
  return 0;
}

int main(void) {
  const char *dir = example_dir();
  char raw_path[512];
  snprintf(raw_path, sizeof raw_path, "%s/rawDataSample.bin", dir);
  if (example_generate(raw_path, 385, 30000)) return 1;

  nb_pipeline_step filter, standard;
  nb_pipeline_step_init(&filter, NB_PIPELINE_STEP_VERSION);
  filter.fn = center;
  filter.output_name = "filtered.bin";
  filter.mode = NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH;
  filter.keep = true;
  nb_pipeline_step_init(&standard, NB_PIPELINE_STEP_VERSION);
  standard.fn = standardize;
  standard.output_name = "standarized.bin";
  standard.mode = NB_PIPELINE_MODE_SINGLE_CHANNEL_ONE_BATCH;
  standard.keep = true;
  const nb_pipeline_step *steps[] = {&filter, &standard};

  nb_pipeline_options pipeline;
  nb_pipeline_options_init(&pipeline, NB_PIPELINE_OPTIONS_VERSION);
  pipeline.output_dir = dir;
  nb_batch_options batch;
  nb_batch_options_init(&batch, NB_BATCH_OPTIONS_VERSION);
  EXAMPLE_TRY(nb_max_memory_parse("500MB", &batch.max_memory));
  nb_result_list *res = NULL;
  EXAMPLE_TRY(nb_pipeline_run(raw_path, NULL, &batch, &pipeline, steps, 2, &res, NULL));
  int ok = nb_result_list_n_outputs(res) == 2;
  for (size_t k = 0; k < nb_result_list_n_outputs(res); k++) {
    const nb_output_info *o = NULL;
    EXAMPLE_TRY(nb_result_list_output(res, k, &o));
    printf("step %zu: %s (%llu samples x %zu channels of %s)\n", k, o->path, (unsigned long long)o->n_observations, o->n_channels, nb_dtype_name(o->dtype));
  }
  nb_result_list_free(res);

  /* read the standardised output back: unit RMS on channel 0 */
  char std_path[512];
  snprintf(std_path, sizeof std_path, "%s/standarized.bin", dir);
  nb_reader *r = NULL;
  EXAMPLE_TRY(nb_reader_open(std_path, NULL, &r));
  const size_t ch0[] = {0};
  float *x = malloc(sizeof(float) * 30000);
  EXAMPLE_TRY(nb_reader_read(r, 0, 30000, ch0, 1, 0, NB_LAYOUT_SAMPLE_MAJOR, x, sizeof(float) * 30000, NULL));
  double ss = 0;
  for (int i = 0; i < 30000; i++) ss += (double)x[i] * x[i];
  double rms = sqrt(ss / 30000);
  printf("channel 0 of standarized.bin: rms %.4f\n", rms);
  free(x);
  nb_reader_free(r);
  example_cleanup(dir);
  return ok && fabs(rms - 1) < 1e-3 ? 0 : 1;
}
