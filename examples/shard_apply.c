/* shard_apply: one shard of a common-average-reference apply, for any
 * launcher that starts independent processes (Slurm job arrays, a shell
 * loop, xargs -P). Every shard is told its number; one process finishes.
 *
 *   shard_apply generate REC N_OBS        write a 385-channel int16 recording (+ sidecar)
 *   shard_apply run REC OUT [K N]         shard K of N (0-based); K and N default to
 *                                         NB_SHARD_INDEX / NB_SHARD_COUNT, else to Slurm's
 *                                         SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN /
 *                                         SLURM_ARRAY_TASK_COUNT; with neither, no sharding
 *   shard_apply finish OUT N              publish OUT once all N shards succeeded
 *   shard_apply abort OUT N               remove the pieces after a failed shard
 *
 * Exit status 0 on success, 1 on failure (the message names the cause). */
#include "example_data.h"

#include <inttypes.h>

#include "car_filter.h"

static int env_u64(const char *name, uint64_t *out) {
  const char *v = getenv(name);
  if (!v || !*v) return 0;
  *out = strtoull(v, NULL, 10);
  return 1;
}

static int run(const char *rec, const char *out, uint64_t k, uint64_t n) {
  nb_reader *reader = NULL;
  nb_status s = nb_reader_open(rec, NULL, &reader);
  if (s != NB_STATUS_OK) return example_fail("nb_reader_open", s);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  nb_max_memory_parse("64MB", &bo.max_memory);
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = out;
  ao.shard_index = k;
  ao.shard_count = n;
  ao.shard_output = NB_SHARD_OUTPUT_SAME_ROWS;
  uint64_t first = 0, stop = 0;
  if (n > 0 && (s = nb_reader_shard_batches(reader, &bo, k, n, &first, &stop)) != NB_STATUS_OK) {
    nb_reader_free(reader);
    return example_fail("nb_reader_shard_batches", s);
  }
  s = nb_reader_apply(reader, &bo, &ao, car_filter, NULL, NULL, NULL);
  nb_reader_free(reader);
  if (s != NB_STATUS_OK) return example_fail("nb_reader_apply", s);
  if (n > 0) printf("shard %" PRIu64 " of %" PRIu64 ": batches [%" PRIu64 ", %" PRIu64 ") written\n", k, n, first, stop);
  else printf("%s written\n", out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "generate") == 0) {
    int rc = example_generate(argv[2], 385, strtoull(argv[3], NULL, 10));
    return rc ? 1 : 0;
  }
  if ((argc == 4 || argc == 6) && strcmp(argv[1], "run") == 0) {
    uint64_t k = 0, n = 0, id = 0, min = 0;
    if (argc == 6) {
      k = strtoull(argv[4], NULL, 10);
      n = strtoull(argv[5], NULL, 10);
    } else if (env_u64("NB_SHARD_COUNT", &n)) {
      env_u64("NB_SHARD_INDEX", &k);
    } else if (env_u64("SLURM_ARRAY_TASK_COUNT", &n) && env_u64("SLURM_ARRAY_TASK_ID", &id)) {
      env_u64("SLURM_ARRAY_TASK_MIN", &min);
      k = id - min;
    }
    return run(argv[2], argv[3], k, n);
  }
  if (argc == 4 && strcmp(argv[1], "finish") == 0) {
    nb_status s = nb_shard_finish(argv[2], strtoull(argv[3], NULL, 10), NULL, NULL);
    if (s != NB_STATUS_OK) return example_fail("nb_shard_finish", s);
    printf("%s published\n", argv[2]);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "abort") == 0) {
    nb_status s = nb_shard_abort(argv[2], strtoull(argv[3], NULL, 10), NULL);
    return s == NB_STATUS_OK ? 0 : example_fail("nb_shard_abort", s);
  }
  fprintf(stderr, "usage: shard_apply generate REC N_OBS | run REC OUT [K N] | finish OUT N | abort OUT N\n");
  return 2;
}
