/* mpi_apply: a common-average-reference apply over a recording, sharded
 * across MPI ranks. Every rank opens the recording (on a shared
 * filesystem), computes the same plan and runs its own contiguous range of
 * batches, writing straight into the shared output
 * (NB_SHARD_OUTPUT_SAME_ROWS). After a barrier, rank 0 publishes the output
 * when every rank succeeded, or removes every piece when any failed; the
 * job then exits non-zero. The output is byte-identical to a
 * single-process run (`shard_apply run REC OUT`).
 *
 *   mpirun -np 4 mpi_apply REC OUT [--fail-rank R] [--max-memory 64MB]
 *
 * Rank 0 prints the wall time from the first barrier to the published
 * output, and the input throughput. */
#define _XOPEN_SOURCE 700
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <neurobatch.h>

#include "../car_filter.h"

static int fail_at_first_batch(const nb_batch *b, const nb_result_view *p, nb_result_slot *out, void *user) {
  (void)b;
  (void)p;
  (void)out;
  (void)user;
  return -1; /* an injected failure, as a crashing filter would */
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: mpirun -np N mpi_apply REC OUT [--fail-rank R] [--max-memory M]\n");
    MPI_Finalize();
    return 2;
  }
  const char *rec = argv[1], *out = argv[2], *max_memory = "64MB";
  int fail_rank = -1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--fail-rank") == 0) fail_rank = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--max-memory") == 0) max_memory = argv[i + 1];
  }

  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  int ok = 1;
  char why[512] = "";
  nb_reader *reader = NULL;
  nb_status s = nb_reader_open(rec, NULL, &reader);
  uint64_t first = 0, stop = 0;
  if (s == NB_STATUS_OK) {
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    s = nb_max_memory_parse(max_memory, &bo.max_memory);
    nb_apply_options ao;
    nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
    ao.mode = NB_APPLY_MODE_DISK;
    ao.output_path = out;
    ao.shard_index = (uint64_t)rank;
    ao.shard_count = (uint64_t)size;
    ao.shard_output = NB_SHARD_OUTPUT_SAME_ROWS;
    if (s == NB_STATUS_OK) s = nb_reader_shard_batches(reader, &bo, ao.shard_index, ao.shard_count, &first, &stop);
    if (s == NB_STATUS_OK) s = nb_reader_apply(reader, &bo, &ao, rank == fail_rank ? fail_at_first_batch : car_filter, NULL, NULL, NULL);
  }
  if (s != NB_STATUS_OK) {
    ok = 0;
    snprintf(why, sizeof why, "%s: %s", nb_status_str(s), nb_last_error_message());
    fprintf(stderr, "rank %d failed: %s\n", rank, why);
  }
  nb_reader_free(reader);

  /* Every rank learns whether all succeeded; only then is the output published. */
  int all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  int published = 0;
  if (rank == 0) {
    if (all_ok) {
      s = nb_shard_finish(out, (uint64_t)size, NULL, NULL);
      published = s == NB_STATUS_OK;
      if (!published) fprintf(stderr, "nb_shard_finish failed: %s: %s\n", nb_status_str(s), nb_last_error_message());
    } else {
      nb_shard_abort(out, (uint64_t)size, NULL);
      fprintf(stderr, "a rank failed: nothing published, every piece removed\n");
    }
  }
  MPI_Bcast(&published, 1, MPI_INT, 0, MPI_COMM_WORLD);
  double elapsed = MPI_Wtime() - t0;
  if (rank == 0 && published) {
    struct stat st;
    double mb = stat(rec, &st) == 0 ? (double)st.st_size / 1048576.0 : 0;
    printf("ranks %d: %.3f s, %.0f MB/s input (%.0f MB)\n", size, elapsed, mb / elapsed, mb);
  }
  MPI_Finalize();
  return published ? 0 : 1;
}
