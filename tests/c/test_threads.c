/* Concurrency as documented in the header: one nb_reader used from several
 * threads at once (reads, cursors, applies with their own worker threads),
 * the last error kept per thread, and many open/close cycles that leave no
 * file descriptor and no memory behind. */
#include "fixture.h"

#include <pthread.h>

#define N_CH 8
#define N_OBS 30000
#define N_THREADS 4

static nb_reader *shared_reader;

static int copy_rows(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  return nb_result_slot_set(out, b->dtype, b->n_rows, b->n_channels, b->layout, b->data);
}

struct job {
  unsigned seed;
  int failures;
};

static unsigned next_random(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (*s >> 8) & 0xffffff;
}

static void *hammer(void *arg) {
  struct job *job = arg;
  int16_t *buf = malloc(sizeof(int16_t) * N_CH * 2000);
  for (int it = 0; it < 60; it++) {
    /* A random block through nb_reader_read. */
    uint64_t from = next_random(&job->seed) % (N_OBS - 1);
    uint64_t to = from + 1 + next_random(&job->seed) % 1500;
    if (to > N_OBS) to = N_OBS;
    size_t ch[3] = {next_random(&job->seed) % N_CH, next_random(&job->seed) % N_CH, next_random(&job->seed) % N_CH};
    nb_layout layout = (nb_layout)(it % 2);
    if (nb_reader_read(shared_reader, from, to, ch, 3, 5, layout, buf, sizeof(int16_t) * N_CH * 2000, NULL) != NB_STATUS_OK) job->failures++;
    else if (nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, buf, layout, (size_t)(to - from + 10), ch, 3, from, 5)) job->failures++;

    /* The thread's own cursor over the shared reader. */
    if (it % 10 == 0) {
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.max_memory = N_CH * 2 * (1000 + it);
      bo.buffer_size = 3;
      nb_cursor *c = NULL;
      const nb_batch *b = NULL;
      if (nb_cursor_new(shared_reader, &bo, &c) != NB_STATUS_OK) job->failures++;
      while (c && nb_cursor_next(c, &b) == NB_STATUS_OK)
        if (nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, b->data, b->layout, b->n_rows, b->channels, b->n_channels, b->idx_start, 3))
          job->failures++;
      nb_cursor_free(c);
    }
    /* An apply with its own workers, on the shared reader. */
    if (it % 20 == 5) {
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.max_memory = N_CH * 2 * 4000;
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      ao.n_threads = 2;
      nb_result_list *res = NULL;
      if (nb_reader_apply(shared_reader, &bo, &ao, copy_rows, NULL, &res, NULL) != NB_STATUS_OK) job->failures++;
      uint64_t first = 0;
      for (size_t i = 0; res && i < nb_result_list_count(res); i++) {
        const nb_result_view *v = NULL;
        size_t all[N_CH] = {0, 1, 2, 3, 4, 5, 6, 7};
        nb_result_list_get(res, i, &v);
        if (nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, v->data, NB_LAYOUT_SAMPLE_MAJOR, v->n_rows, all, N_CH, first, 0)) job->failures++;
        first += v->n_rows;
      }
      if (first != N_OBS) job->failures++;
      nb_result_list_free(res);
    }
    /* Each thread's last error is its own. */
    char text[32];
    snprintf(text, sizeof text, "%uXB", job->seed % 1000);
    uint64_t v = 0;
    if (nb_max_memory_parse(text, &v) != NB_STATUS_BAD_MEMORY || !strstr(nb_last_error_message(), text)) job->failures++;
  }
  free(buf);
  return NULL;
}

#ifdef _WIN32
#define PSAPI_VERSION 2
#include <windows.h>
#include <psapi.h>
/* Windows: how many of the files the cycles use are open anywhere (a file
 * nobody has open opens without sharing), as handles are what would leak;
 * Wine reports no handle counts. */
static int count_fds(void) {
  const char *files[] = {nbt_path("threads.bin"), nbt_path("cycle-out.bin")};
  int n = 0;
  for (int i = 0; i < 2; i++) {
    HANDLE h = CreateFileA(files[i], GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) n += GetLastError() == ERROR_SHARING_VIOLATION;
    else CloseHandle(h);
  }
  return n;
}

static long rss_kib(void) {
  PROCESS_MEMORY_COUNTERS pmc;
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc)) return -1;
  return (long)(pmc.WorkingSetSize / 1024);
}
#else
static int count_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}
#endif

static void open_close_cycles(const char *input, int cycles) {
  static const char *out, *missing;
  if (!out) {
    out = nbt_path("cycle-out.bin");
    missing = nbt_path("cycle-missing.bin");
  }
  for (int i = 0; i < cycles; i++) {
    nb_reader *r = nbt_open_with(input, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES, (nb_loader)(i % 2));
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    bo.max_memory = N_CH * 2 * 5000;
    nb_cursor *c = NULL;
    const nb_batch *b = NULL;
    NBT_OK(nb_cursor_new(r, &bo, &c));
    NBT_OK(nb_cursor_next(c, &b));
    /* The cursor outlives the reader handle (it keeps the file open). */
    nb_reader_free(r);
    NBT_OK(nb_cursor_next(c, &b));
    nb_cursor_free(c);
    if (i % 10 == 0) {
      nb_writer *w = NULL;
      int16_t row[N_CH] = {0};
      NBT_OK(nb_writer_open(out, NB_DATA_ORDER_SAMPLES, N_CH, NB_DTYPE_INT16, &w));
      NBT_OK(nb_writer_append(w, NB_DTYPE_INT16, 1, N_CH, NB_LAYOUT_SAMPLE_MAJOR, row));
      if (i % 20 == 0) NBT_OK(nb_writer_finish(w, NULL));
      nb_writer_free(w); /* every other writer is abandoned unfinished */
    }
    /* Failed opens must not leak either. */
    nb_reader *bad = NULL;
    NBT_EXPECT(nb_reader_open(missing, NULL, &bad), NB_STATUS_IO);
  }
}

int main(void) {
  const char *input = nbt_write_fixture("threads.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  for (int loader = NB_LOADER_PREAD; loader <= NB_LOADER_MMAP; loader++) {
    shared_reader = nbt_open_with(input, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES, (nb_loader)loader);
    pthread_t th[N_THREADS];
    struct job jobs[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
      jobs[t] = (struct job){(unsigned)(t * 7919 + 1 + loader), 0};
      pthread_create(&th[t], NULL, hammer, &jobs[t]);
    }
    for (int t = 0; t < N_THREADS; t++) {
      pthread_join(th[t], NULL);
      if (jobs[t].failures) fprintf(stderr, "thread %d: %d failures\n", t, jobs[t].failures);
      NBT_CHECK(jobs[t].failures == 0);
    }
    nb_reader_free(shared_reader);
  }

  /* Warm up allocator caches, then count descriptors and resident memory
   * around many open/close cycles. */
  open_close_cycles(input, 20);
  const int fds = count_fds();
  const long rss = rss_kib();
  open_close_cycles(input, getenv("NBT_QUICK") ? 100 : 1000);
  NBT_CHECK(count_fds() == fds);
  fprintf(stderr, "open/close cycles: %d fds before and after, RSS %ld -> %ld KiB\n", fds, rss, rss_kib());
  NBT_CHECK(rss_kib() - rss < 16 * 1024);
  return nbt_finish("test_threads");
}
