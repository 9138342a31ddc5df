/* The per-batch work of the sharding examples: common average reference
 * (each sample minus the mean of its row across channels), as float32.
 * Deterministic and with the batch's own rows, so a sharded run can write
 * straight into the shared output (NB_SHARD_OUTPUT_SAME_ROWS). */
#ifndef CAR_FILTER_H
#define CAR_FILTER_H

#include <neurobatch.h>

static int car_filter(const nb_batch *b, const nb_result_view *previous, nb_result_slot *out, void *user_data) {
  (void)previous;
  (void)user_data;
  const size_t rows = (size_t)(b->idx_local_stop - b->idx_local_start), n = b->n_channels;
  float *dst = NULL;
  int st = nb_result_slot_lend(out, NB_DTYPE_FLOAT32, rows, n, (void **)&dst);
  if (st) return st;
  const int16_t *src = (const int16_t *)b->data + b->idx_local_start * n; /* sample-major block */
  for (size_t r = 0; r < rows; r++) {
    double mean = 0;
    for (size_t j = 0; j < n; j++) mean += src[r * n + j];
    mean /= (double)n;
    for (size_t j = 0; j < n; j++) dst[r * n + j] = (float)(src[r * n + j] - mean);
  }
  return 0;
}

#endif
