/* quickstart: generate a Neuropixels-like recording (385 channels of int16,
 * a few hundred MB, in a temporary directory) and walk it in memory-bounded
 * batches, printing a per-channel summary and the throughput.
 *
 *   quickstart [size_mb] [max_memory]     defaults: 400 "64MB"
 */
#include "example_data.h"

#include <inttypes.h>
#include <math.h>
#include <time.h>

#define N_CH 385

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  double size_mb = argc > 1 ? atof(argv[1]) : 400.0;
  const char *max_memory = argc > 2 ? argv[2] : "64MB";
  uint64_t n_obs = (uint64_t)(size_mb * 1048576.0 / (N_CH * 2));
  if (n_obs == 0) { fprintf(stderr, "size_mb must be positive\n"); return 2; }

  const char *dir = example_dir();
  char path[512];
  snprintf(path, sizeof path, "%s/rec.ap.bin", dir);
  printf("neurobatch %s: generating %" PRIu64 " samples x %d channels of int16 (%.0f MB) in %s\n",
         nb_version_string(), n_obs, N_CH, (double)n_obs * N_CH * 2 / 1048576.0, dir);
  int rc = example_generate(path, N_CH, n_obs);
  if (rc) goto out;

  nb_reader *reader = NULL;
  nb_status s = nb_reader_open(path, NULL, &reader); /* dtype, channels, order from rec.ap.yaml */
  if (s != NB_STATUS_OK) { rc = example_fail("nb_reader_open", s); goto out; }

  nb_batch_options opts;
  nb_batch_options_init(&opts, NB_BATCH_OPTIONS_VERSION);
  if ((s = nb_max_memory_parse(max_memory, &opts.max_memory)) != NB_STATUS_OK) { rc = example_fail("nb_max_memory_parse", s); goto close; }
  uint64_t n_batches = 0, rows = 0;
  if ((s = nb_reader_plan(reader, &opts, &n_batches, &rows)) != NB_STATUS_OK) { rc = example_fail("nb_reader_plan", s); goto close; }
  printf("max_memory %s: %" PRIu64 " batches of up to %" PRIu64 " samples\n", max_memory, n_batches, rows);

  static int64_t sum[N_CH], sumsq[N_CH];
  static int16_t lo[N_CH], hi[N_CH];
  for (int c = 0; c < N_CH; c++) { lo[c] = INT16_MAX; hi[c] = INT16_MIN; }
  nb_cursor *cursor = NULL;
  if ((s = nb_cursor_new(reader, &opts, &cursor)) != NB_STATUS_OK) { rc = example_fail("nb_cursor_new", s); goto close; }
  double t0 = now(), t_read = 0;
  const nb_batch *b;
  for (;;) {
    double t1 = now();
    s = nb_cursor_next(cursor, &b);
    t_read += now() - t1;
    if (s != NB_STATUS_OK) break;
    const int16_t *v = b->data;
    for (size_t r = 0; r < b->n_rows; r++) {
      const int16_t *row = v + r * b->n_channels;
      for (int c = 0; c < N_CH; c++) {
        int16_t x = row[c];
        sum[c] += x;
        sumsq[c] += (int64_t)x * x;
        if (x < lo[c]) lo[c] = x;
        if (x > hi[c]) hi[c] = x;
      }
    }
  }
  double total = now() - t0;
  if (s != NB_STATUS_DONE) { nb_cursor_free(cursor); rc = example_fail("nb_cursor_next", s); goto close; }
  /* A second pass over the same cursor reuses its batch buffer: this is the
     steady-state reading speed, without the first touch of fresh memory. */
  nb_cursor_seek(cursor, 0);
  double t2 = now();
  while ((s = nb_cursor_next(cursor, &b)) == NB_STATUS_OK) {}
  double t_second = now() - t2;
  nb_cursor_free(cursor);

  printf("\nchannel      mean       rms    min    max\n");
  for (int c = 0; c < N_CH; c++) {
    if (c >= 8 && c != 55 && c < N_CH - 2) continue;
    double mean = (double)sum[c] / (double)n_obs;
    printf("%7d %9.3f %9.3f %6d %6d\n", c, mean, sqrt((double)sumsq[c] / (double)n_obs), lo[c], hi[c]);
    if (c == 7) printf("    ...\n");
  }
  double gb = (double)n_obs * N_CH * 2 / 1e9;
  printf("\nread %.3f GB in %" PRIu64 " batches of %s:\n", gb, n_batches, max_memory);
  printf("  first pass:  %6.2f GB/s in nb_cursor_next (includes faulting in the fresh batch buffer), %.2f GB/s with the summary loop\n",
         gb / t_read, gb / total);
  printf("  second pass: %6.2f GB/s in nb_cursor_next (buffer reused after nb_cursor_seek)\n", gb / t_second);
close:
  nb_reader_free(reader);
out:
  example_cleanup(dir);
  return rc;
}
