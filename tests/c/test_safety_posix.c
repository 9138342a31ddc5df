/* Data safety cases whose mechanism exists on POSIX systems only
 * (test_safety.c has the rest, on every platform): symbolic links to an
 * input and links that loop, FIFOs, a file renamed over a followed one, and
 * the descriptor limit. Not built for Windows: Wine 8 cannot create symbolic
 * links (CreateSymbolicLinkW is a stub there), Windows' named pipes are not
 * files in a directory (devices such as NUL are refused like FIFOs:
 * tests/bad_inputs.rs), a file neurobatch has open is replaced only by a
 * POSIX-semantics rename that Wine 8 lacks, and Windows has no per-process
 * limit on handles to lower (docs/platforms.md). */
#include "fixture.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N_CH = 4, N_OBS = 2000 };

/* Item 1: the same input file through a symbolic link is the input. */
static void symlinked_input_is_protected(void) {
  const char *in = nbt_write_fixture("linked.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  NBT_CHECK(symlink(in, nbt_path("soft.bin")) == 0);
  nb_apply_options ao;
  NBT_OK(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION));
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path("soft.bin");
  const int entries = nbt_count_entries();
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, nbt_copy_rows, NULL, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS("the input recording");
  NBT_CHECK(nbt_count_entries() == entries);
  nb_reader_free(r);
}

/* Item 8: a FIFO never blocks an open (the alarm kills a blocked test). */
static void fifos_do_not_block(void) {
  alarm(20);
  const char *fifo = nbt_path("fifo.bin");
  NBT_CHECK(mkfifo(fifo, 0600) == 0);
  nb_reader *r = NULL;
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  NBT_EXPECT(nb_reader_open(fifo, &o, &r), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("FIFO");
  /* a FIFO as the sidecar, with and without every parameter given */
  nbt_write_fixture("fifo-side.bin", NB_DTYPE_INT16, N_CH, 10, NB_DATA_ORDER_SAMPLES);
  NBT_CHECK(mkfifo(nbt_path("fifo-side.yaml"), 0600) == 0);
  NBT_EXPECT(nb_reader_open(nbt_path("fifo-side.bin"), NULL, &r), NB_STATUS_SIDECAR_INVALID);
  NBT_ERROR_MENTIONS("FIFO");
  NBT_OK(nb_reader_open(nbt_path("fifo-side.bin"), &o, &r));
  nb_reader_free(r);
  alarm(0);
}

/* Item 9: another file renamed over a followed one. */
static void followed_file_replaced(void) {
  const char *rec = nbt_write_fixture("live.bin", NB_DTYPE_INT16, N_CH, 100, NB_DATA_ORDER_SAMPLES);
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  o.follow = true;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(rec, &o, &r));
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.follow = true;
  bo.max_memory = 50 * N_CH * 2;
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  const nb_batch *b = NULL;
  NBT_OK(nb_cursor_next(c, &b));
  nbt_write_fixture("other.bin", NB_DTYPE_INT16, N_CH, 500, NB_DATA_ORDER_SAMPLES);
  NBT_CHECK(rename(nbt_path("other.bin"), rec) == 0);
  nb_status s;
  while ((s = nb_cursor_next(c, &b)) == NB_STATUS_OK) {
  }
  NBT_EXPECT(s, NB_STATUS_INPUT_CHANGED);
  NBT_ERROR_MENTIONS("replaced");
  NBT_EXPECT(nb_reader_refresh(r, NULL), NB_STATUS_INPUT_CHANGED);
  nb_cursor_free(c);
  nb_reader_free(r);
}

/* Clear errors: a sidecar whose symbolic links form a loop. */
static void symlink_loop(void) {
  const char *in = nbt_write_fixture("loop.bin", NB_DTYPE_INT16, N_CH, 100, NB_DATA_ORDER_SAMPLES);
  NBT_CHECK(symlink("loop-b.yaml", nbt_path("loop.yaml")) == 0);
  NBT_CHECK(symlink("loop.yaml", nbt_path("loop-b.yaml")) == 0);
  nb_reader *r = NULL;
  NBT_EXPECT(nb_reader_open(in, NULL, &r), NB_STATUS_IO);
  NBT_ERROR_MENTIONS("loop");
}

/* Issue 19 item 13: a session past the descriptor limit says so. */
static void descriptor_limit(void) {
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  enum { N = 40 };
  const char *paths[N];
  for (int k = 0; k < N; k++) {
    char name[32];
    snprintf(name, sizeof name, "many-%02d.bin", k);
    paths[k] = nbt_write_fixture(name, NB_DTYPE_INT16, 2, 4, NB_DATA_ORDER_SAMPLES);
  }
  struct rlimit low = old;
  low.rlim_cur = 24;
  NBT_CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, 2, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = NULL;
  NBT_EXPECT(nb_reader_open_files(paths, N, &o, &r), NB_STATUS_IO);
  NBT_ERROR_MENTIONS("file descriptors");
  NBT_ERROR_MENTIONS("of the 40 of the session");
  setrlimit(RLIMIT_NOFILE, &old);
  NBT_OK(nb_reader_open_files(paths, N, &o, &r));
  nb_reader_free(r);
}

int main(void) {
  symlinked_input_is_protected();
  fifos_do_not_block();
  followed_file_replaced();
  symlink_loop();
  if (!getenv("NBT_QUICK")) descriptor_limit(); /* valgrind keeps descriptors of its own */
  return nbt_finish("test_safety_posix");
}
