/* Live recordings: a writer thread appends to a file at a steady rate,
 * observations often split across writes, while a following cursor and a
 * following apply read it. Batches come only when complete on disk (never
 * short), NOT_YET in between, the last one once the writer says the
 * recording ended; the apply's output is byte-identical to an offline run
 * on the finished file. */
#include "fixture.h"

#include <pthread.h>
#include <time.h>

#define N_CH 8
#define N_OBS 20011
#define CHUNK 700

struct writer_job {
  const char *path;
  nb_reader *reader; /* told when the recording ended */
  unsigned pause_us;
};

#ifdef _WIN32
#include <windows.h>
/* MinGW's nanosleep sleeps not at all below a millisecond, and the writer
 * would finish before the reader starts: Windows pauses whole milliseconds. */
static void pause_us(unsigned us) { Sleep((us + 999) / 1000); }
#else
static void pause_us(unsigned us) {
  struct timespec t = {0, (long)us * 1000L};
  nanosleep(&t, NULL);
}
#endif

/* Appends the fixture's observations in chunks, each written in two pieces
 * cut at an odd byte (so a partial observation is often on disk). */
static void *append_recording(void *arg) {
  struct writer_job *job = arg;
  int16_t *chunk = malloc(sizeof(int16_t) * CHUNK * N_CH);
  FILE *f = fopen(job->path, "ab");
  for (uint64_t s0 = 0; s0 < N_OBS; s0 += CHUNK) {
    uint64_t n = N_OBS - s0 < CHUNK ? N_OBS - s0 : CHUNK;
    for (uint64_t r = 0; r < n; r++)
      for (size_t c = 0; c < N_CH; c++) chunk[r * N_CH + c] = (int16_t)nbt_value(NB_DTYPE_INT16, N_CH, s0 + r, c);
    size_t bytes = n * N_CH * 2, cut = (bytes / 3) | 1;
    fwrite(chunk, 1, cut, f);
    fflush(f);
    pause_us(job->pause_us);
    fwrite((char *)chunk + cut, 1, bytes - cut, f);
    fflush(f);
    pause_us(job->pause_us);
  }
  fclose(f);
  free(chunk);
  if (job->reader) nb_reader_end_follow(job->reader);
  return NULL;
}

static nb_reader *open_follow(const char *path) {
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  oo.follow = true;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(path, &oo, &r));
  return r;
}

static nb_batch_options follow_options(nb_edge edge) {
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 1000;
  bo.buffer_size = 5;
  bo.edge = edge;
  bo.follow = true;
  return bo;
}

static void following_cursor(void) {
  const char *path = nbt_path("live-cursor.bin");
  nbt_write_text(path, "");
  nb_reader *r = open_follow(path);
  nb_batch_options bo = follow_options(NB_EDGE_ZEROS);
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  struct writer_job job = {path, r, 300};
  pthread_t t;
  pthread_create(&t, NULL, append_recording, &job);
  const nb_batch *b = NULL;
  uint64_t not_yet = 0, next_start = 0, batches = 0;
  nb_status st;
  while ((st = nb_cursor_next(c, &b)) != NB_STATUS_DONE) {
    if (st == NB_STATUS_NOT_YET) {
      not_yet++;
      pause_us(200);
      continue;
    }
    NBT_EXPECT(st, NB_STATUS_OK);
    if (st != NB_STATUS_OK) break;
    NBT_CHECK(b->idx_start == next_start);
    NBT_CHECK(b->idx_stop - b->idx_start == 1000 || b->idx_stop == N_OBS); /* never short but the last */
    NBT_CHECK(nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, b->data, b->layout, b->n_rows, b->channels, N_CH, b->idx_start, 5) == 0);
    next_start = b->idx_stop;
    batches++;
  }
  pthread_join(t, NULL);
  NBT_CHECK(next_start == N_OBS && batches == (N_OBS + 999) / 1000);
  NBT_CHECK(not_yet > 0); /* it did wait for the writer */
  NBT_EXPECT(nb_cursor_next(c, &b), NB_STATUS_DONE);
  fprintf(stderr, "following cursor: %llu batches, %llu NOT_YET answers while the writer ran\n", (unsigned long long)batches,
          (unsigned long long)not_yet);
  nb_cursor_free(c);
  nb_reader_free(r);
}

static int plus_one(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  int16_t *dst = NULL;
  int st = nb_result_slot_lend(out, NB_DTYPE_INT16, b->n_rows, b->n_channels, (void **)&dst);
  if (st) return st;
  const int16_t *src = b->data;
  for (size_t i = 0; i < b->n_rows * b->n_channels; i++) dst[i] = (int16_t)(src[i] + 1);
  return 0;
}

/* An apply runs while the file is written; then the same apply offline. */
static void following_apply(nb_edge edge, const char *tag) {
  char name[64];
  snprintf(name, sizeof name, "live-%s.bin", tag);
  const char *path = nbt_path(name);
  nbt_write_text(path, "");
  nb_reader *r = open_follow(path);
  struct writer_job job = {path, r, 1500}; /* ~90 ms of writing: the apply runs alongside */
  pthread_t t;
  pthread_create(&t, NULL, append_recording, &job);
  nb_batch_options bo = follow_options(edge);
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  snprintf(name, sizeof name, "live-%s-out.bin", tag);
  const char *live_out = nbt_path(name);
  ao.output_path = live_out;
  ao.cleanup = nb_result_view_trim_buffer;
  NBT_OK(nb_reader_apply(r, &bo, &ao, plus_one, NULL, NULL, NULL));
  pthread_join(t, NULL);
  nb_reader_free(r);

  nb_reader *offline = nbt_open(path, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  bo.follow = false;
  snprintf(name, sizeof name, "offline-%s-out.bin", tag);
  ao.output_path = nbt_path(name);
  NBT_OK(nb_reader_apply(offline, &bo, &ao, plus_one, NULL, NULL, NULL));
  nb_reader_free(offline);
  if (!nbt_same_file(live_out, ao.output_path)) {
    fprintf(stderr, "%s: the live apply's output differs from the offline one\n", tag);
    nbt_failures++;
  }
}

/* No end signal: the recording is over when it stops growing for a while. */
static void idle_timeout(void) {
  const char *path = nbt_write_fixture("idle.bin", NB_DTYPE_INT16, N_CH, 2500, NB_DATA_ORDER_SAMPLES);
  FILE *f = fopen(path, "ab");
  fwrite("\1\2\3", 1, 3, f); /* a partial observation the writer never completes */
  fclose(f);
  nb_reader *r = open_follow(path);
  NBT_CHECK(nb_reader_n_observations(r) == 2500);
  nb_batch_options bo = follow_options(NB_EDGE_ZEROS);
  bo.follow_idle_timeout_ms = 150;
  nb_cursor *c = NULL;
  const nb_batch *b = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  uint64_t rows = 0;
  nb_status st;
  while ((st = nb_cursor_next_wait(c, 50, &b)) != NB_STATUS_DONE) {
    if (st == NB_STATUS_OK) rows += b->idx_stop - b->idx_start;
    else NBT_EXPECT(st, NB_STATUS_NOT_YET);
  }
  NBT_CHECK(rows == 2500);
  nb_cursor_free(c);
  uint64_t n = 0;
  NBT_OK(nb_reader_refresh(r, &n));
  NBT_CHECK(n == 2500);
  nb_reader_free(r);
}

static void misuse(void) {
  const char *path = nbt_write_fixture("plain-follow.bin", NB_DTYPE_INT16, N_CH, 100, NB_DATA_ORDER_SAMPLES);
  nb_reader *plain = nbt_open(path, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  nb_batch_options bo = follow_options(NB_EDGE_ZEROS);
  nb_cursor *c = NULL;
  NBT_EXPECT(nb_cursor_new(plain, &bo, &c), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("was not opened with follow");
  NBT_EXPECT(nb_reader_refresh(plain, NULL), NB_STATUS_INVALID_ARGUMENT);
  nb_reader_free(plain);
  nb_reader *r = open_follow(path);
  bo.to_time = 50;
  NBT_EXPECT(nb_cursor_new(r, &bo, &c), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("NB_TO_END");
  bo = follow_options(NB_EDGE_ZEROS);
  bo.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
  NBT_EXPECT(nb_cursor_new(r, &bo, &c), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("multi-channel");
  bo = follow_options(NB_EDGE_ZEROS);
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.n_threads = 2;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, plus_one, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("n_threads must be 1");
  nb_reader_free(r);
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_CHANNELS);
  oo.follow = true;
  NBT_EXPECT(nb_reader_open(path, &oo, &r), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("channels order");
}

/* Issue 19 item 5: several following cursors and refreshing threads on one
 * reader while the file grows: lengths only ever go up, so nobody sees a
 * growing file as truncated, and every cursor delivers every batch right. */
struct stress {
  nb_reader *r;
  volatile int stop;
  int refresh_errors;
  int cursor_errors;
  uint64_t batches;
};

static void *refresh_loop(void *arg) {
  struct stress *s = arg;
  while (!s->stop) {
    uint64_t n = 0;
    if (nb_reader_refresh(s->r, &n) != NB_STATUS_OK) {
      fprintf(stderr, "refresh: %s\n", nb_last_error_message());
      __atomic_add_fetch(&s->refresh_errors, 1, __ATOMIC_RELAXED);
    }
    /* Thousands of refreshes a second, but not a spin: under valgrind, which
     * runs one thread at a time, a spinning thread starves the writer. */
    struct timespec pause = {0, 50000};
    nanosleep(&pause, NULL);
  }
  return NULL;
}

static void *cursor_loop(void *arg) {
  struct stress *s = arg;
  nb_batch_options bo = follow_options(NB_EDGE_ZEROS);
  nb_cursor *c = NULL;
  if (nb_cursor_new(s->r, &bo, &c) != NB_STATUS_OK) {
    __atomic_add_fetch(&s->cursor_errors, 1, __ATOMIC_RELAXED);
    return NULL;
  }
  const nb_batch *b = NULL;
  nb_status st;
  uint64_t next = 0;
  while ((st = nb_cursor_next_wait(c, 50, &b)) == NB_STATUS_OK || st == NB_STATUS_NOT_YET) {
    if (st != NB_STATUS_OK) continue;
    size_t all[N_CH];
    for (size_t k = 0; k < N_CH; k++) all[k] = k;
    if (b->idx_start != next || nbt_check_block(NB_DTYPE_INT16, N_CH, N_OBS, b->data, b->layout, b->n_rows, all, N_CH, b->idx_start, 5))
      __atomic_add_fetch(&s->cursor_errors, 1, __ATOMIC_RELAXED);
    next = b->idx_stop;
    __atomic_add_fetch(&s->batches, 1, __ATOMIC_RELAXED);
  }
  if (st != NB_STATUS_DONE || next != N_OBS) {
    fprintf(stderr, "cursor ended with %d at %llu: %s\n", (int)st, (unsigned long long)next, nb_last_error_message());
    __atomic_add_fetch(&s->cursor_errors, 1, __ATOMIC_RELAXED);
  }
  nb_cursor_free(c);
  return NULL;
}

static void concurrent_followers(void) {
  /* Rounds of a growing file for about 3 s (one round under valgrind). */
  const double seconds = getenv("NBT_QUICK") ? 0 : 3;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int round = 0;
  do {
    char name[64];
    snprintf(name, sizeof name, "live-stress-%d.bin", round);
    const char *path = nbt_path(name);
    nbt_write_text(path, "");
    struct stress s = {open_follow(path), 0, 0, 0, 0};
    struct writer_job job = {path, s.r, 50};
    pthread_t w, refreshers[2], cursors[3];
    for (int k = 0; k < 3; k++) pthread_create(&cursors[k], NULL, cursor_loop, &s);
    for (int k = 0; k < 2; k++) pthread_create(&refreshers[k], NULL, refresh_loop, &s);
    pthread_create(&w, NULL, append_recording, &job);
    pthread_join(w, NULL);
    for (int k = 0; k < 3; k++) pthread_join(cursors[k], NULL);
    s.stop = 1;
    for (int k = 0; k < 2; k++) pthread_join(refreshers[k], NULL);
    NBT_CHECK(s.refresh_errors == 0);
    NBT_CHECK(s.cursor_errors == 0);
    NBT_CHECK(s.batches == 3 * ((N_OBS + 999) / 1000));
    nb_reader_free(s.r);
    round++;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec) < seconds);
  printf("concurrent followers: %d rounds of 3 cursors, 2 refreshers and a writer\n", round);
}

int main(void) {
  concurrent_followers();
  following_cursor();
  following_apply(NB_EDGE_ZEROS, "zeros");
  following_apply(NB_EDGE_REFLECT, "reflect");
  idle_timeout();
  misuse();
  return nbt_finish("test_follow");
}
