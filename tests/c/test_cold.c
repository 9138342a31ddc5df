/* A recording that is not in the page cache, as a long one is not: batches
 * of 16 MiB or more of whole rows in file order are then read past the page
 * cache (Linux: O_DIRECT; other systems read through it). From C, the bytes
 * must be those of the file either way: through cursors with and without
 * read-ahead, with buffer rows (zeros past the edges), and through applies
 * on 1, 2 and 4 threads whose function returns the batch, and a convert (no
 * function): their output must equal the input.
 * Before each, posix_fadvise(POSIX_FADV_DONTNEED) drops the file's pages.
 * Not built on Windows, which has no call that drops a file's cached pages;
 * where posix_fadvise is missing (macOS) the reads are warm and a note says so. */
#include "fixture.h"

#include <fcntl.h>

#define N_CH 385
#define N_OBS 70000 /* 53.9 MB: three batches of 18 MB at max_memory 18 MB */
#define ROW (N_CH * 2)

static const char *input;
static unsigned char *expect;

static void evict(void) {
#ifdef POSIX_FADV_DONTNEED
  int fd = open(input, O_RDONLY);
  if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) { perror("evicting the fixture"); exit(2); }
  close(fd);
#endif
}

/* Walks every batch; each block row must hold its observation's bytes, or
 * zeros outside the recording. Returns the batches seen. */
static size_t walk(nb_reader *r, uint64_t buffer, nb_read_ahead read_ahead) {
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.max_memory = 18000000;
  bo.buffer_size = buffer;
  bo.read_ahead = read_ahead;
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, &bo, &c));
  if (!c) return 0;
  static const unsigned char zeros[ROW];
  const nb_batch *b = NULL;
  size_t n = 0, bad = 0;
  nb_status s;
  while ((s = nb_cursor_next(c, &b)) == NB_STATUS_OK) {
    n++;
    NBT_CHECK(b->n_channels == N_CH && b->buffer_size == buffer);
    const unsigned char *data = b->data;
    for (size_t row = 0; row < b->n_rows; row++) {
      int64_t obs = (int64_t)b->idx_start - (int64_t)buffer + (int64_t)row;
      const unsigned char *want = obs < 0 || obs >= N_OBS ? zeros : expect + (size_t)obs * ROW;
      if (memcmp(data + row * ROW, want, ROW) != 0 && bad++ < 3)
        fprintf(stderr, "  batch %llu, block row %zu (observation %lld) differs from the file\n", (unsigned long long)b->batch_index, row, (long long)obs);
    }
  }
  NBT_EXPECT(s, NB_STATUS_DONE);
  NBT_CHECK(bad == 0);
  nb_cursor_free(c);
  return n;
}

int main(void) {
  input = nbt_write_fixture("cold.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  size_t len = 0;
  expect = nbt_read_file(input, &len);
  NBT_CHECK(expect && len == (size_t)N_OBS * ROW);
  {
    /* dirty pages cannot be dropped: write them out first */
    int fd = open(input, O_RDWR);
    if (fd < 0 || fsync(fd) != 0) { perror("syncing the fixture"); return 2; }
    close(fd);
  }
#ifndef POSIX_FADV_DONTNEED
  printf("NOTE: no posix_fadvise here: the file stays in the page cache and these reads are warm\n");
#endif
  nb_reader *r = nbt_open(input, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  const nb_read_ahead read_ahead[] = {NB_READ_AHEAD_ON, NB_READ_AHEAD_OFF};
  for (int k = 0; k < 2; k++) {
    evict();
    NBT_CHECK(walk(r, 0, read_ahead[k]) == 3);
    evict();
    NBT_CHECK(walk(r, 64, read_ahead[k]) == 3); /* the middle batch's buffer rows lie inside the file */
  }
  /* applies whose function returns the block as it is, and a convert (no function) */
  const unsigned threads[] = {1, 2, 4, 2};
  for (int k = 0; k < 4; k++) {
    evict();
    nb_batch_options bo;
    NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
    bo.max_memory = 18000000;
    nb_apply_options ao;
    NBT_OK(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION));
    ao.mode = NB_APPLY_MODE_DISK;
    char name[32];
    snprintf(name, sizeof name, "copy%d.bin", k);
    ao.output_path = nbt_path(name);
    ao.n_threads = threads[k];
    NBT_OK(nb_reader_apply(r, &bo, &ao, k < 3 ? nbt_copy_rows : NULL, NULL, NULL, NULL));
    size_t got_len = 0;
    unsigned char *got = nbt_read_file(ao.output_path, &got_len);
    NBT_CHECK(got && got_len == len && memcmp(got, expect, len) == 0);
    free(got);
  }
  nb_reader_free(r);
  free(expect);
  return nbt_finish("test_cold");
}
