/* Failure injection: a callback that fails or stops at batch k, a progress
 * callback that cancels, and a write error (RLIMIT_FSIZE with SIGXFSZ
 * ignored). Each must leave no output, no sidecar, no temporary file, an
 * existing output untouched, and the input unchanged.
 * Windows has no file size limit per process, and Wine honours neither that
 * nor the mandatory byte-range locks that could fail a write there: the
 * write error is a Unix-only part of this test (docs/platforms.md). */
#include "fixture.h"

#ifndef _WIN32
#include <signal.h>
#include <sys/resource.h>
#endif

#define N_CH 16
#define N_OBS 4000

struct plan { uint64_t at; int value; int calls; };

static int fail_or_stop_at(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  struct plan *p = user;
  p->calls++;
  if (nb_result_slot_set(out, b->dtype, b->n_rows, b->n_channels, b->layout, b->data) != NB_STATUS_OK) return -100;
  return b->batch_index == p->at ? p->value : 0;
}

static int cancel_at_3(uint64_t done, uint64_t total, void *user) {
  struct plan *p = user;
  (void)total;
  return done == 3 && p->value == 0;
}

static unsigned char *input_bytes;
static size_t input_len;

static void input_unchanged(const char *input) {
  size_t len = 0;
  unsigned char *now = nbt_read_file(input, &len);
  NBT_CHECK(now && len == input_len && memcmp(now, input_bytes, len) == 0);
  free(now);
}

int main(void) {
  const char *input = nbt_write_fixture("fail-in.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  input_bytes = nbt_read_file(input, &input_len);
  nb_reader *r = nbt_open(input, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  const char *existing = nbt_path("existing.bin");
  nbt_write_text(existing, "precious data");
  nbt_write_text(nbt_path("existing.yaml"), "precious sidecar");
  const int entries = nbt_count_entries();

  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = N_CH * 2 * 500; /* 8 batches */
  const char *outputs[] = {nbt_path("fresh.bin"), existing};
  for (int o = 0; o < 2; o++) {
    for (int single = 0; single < 2; single++) {
      bo.traversal = single ? NB_TRAVERSAL_SINGLE_CHANNEL : NB_TRAVERSAL_MULTI_CHANNEL;
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      ao.mode = NB_APPLY_MODE_DISK;
      ao.output_path = outputs[o];
      /* fails at batch 5 */
      struct plan p = {5, -7, 0};
      int cb = 0;
      nb_result_list *res = NULL;
      NBT_EXPECT(nb_reader_apply(r, &bo, &ao, fail_or_stop_at, &p, &res, &cb), NB_STATUS_CALLBACK_FAILED);
      NBT_CHECK(cb == -7 && p.calls == 6 && res == NULL);
      NBT_ERROR_MENTIONS("returned -7 at batch 5");
      /* stops at batch 2 */
      p = (struct plan){2, 3, 0};
      cb = 0;
      NBT_EXPECT(nb_reader_apply(r, &bo, &ao, fail_or_stop_at, &p, &res, &cb), NB_STATUS_STOPPED);
      NBT_CHECK(cb == 3 && p.calls == 3);
      NBT_CHECK(res && nb_result_list_n_outputs(res) == 0);
      nb_result_list_free(res);
      res = NULL;
      /* progress cancels after 3 batches */
      p = (struct plan){99, 0, 0};
      ao.progress = cancel_at_3;
      NBT_EXPECT(nb_reader_apply(r, &bo, &ao, fail_or_stop_at, &p, &res, NULL), NB_STATUS_CANCELLED);
      NBT_ERROR_MENTIONS("after 3 of");
      NBT_CHECK(p.calls == 3);
      ao.progress = NULL;
#ifndef _WIN32
      /* write error: the file size limit is below the output's size */
      signal(SIGXFSZ, SIG_IGN);
      struct rlimit old, small;
      getrlimit(RLIMIT_FSIZE, &old);
      small = old;
      small.rlim_cur = 100000;
      setrlimit(RLIMIT_FSIZE, &small);
      p = (struct plan){99, 0, 0};
      NBT_EXPECT(nb_reader_apply(r, &bo, &ao, fail_or_stop_at, &p, &res, NULL), NB_STATUS_IO);
      NBT_ERROR_MENTIONS("writing output");
      setrlimit(RLIMIT_FSIZE, &old);
#endif

      NBT_CHECK(nbt_count_entries() == entries);
      NBT_CHECK(!nbt_exists(nbt_path("fresh.bin")) && !nbt_exists(nbt_path("fresh.yaml")));
      NBT_FILE_TEXT(existing, "precious data");
      NBT_FILE_TEXT(nbt_path("existing.yaml"), "precious sidecar");
      input_unchanged(input);
    }
  }
  /* memory mode: a stop returns the results so far, including the stopping batch's */
  nb_result_list *res = NULL;
  struct plan p = {2, 1, 0};
  bo.traversal = NB_TRAVERSAL_MULTI_CHANNEL;
  NBT_EXPECT(nb_reader_apply(r, &bo, NULL, fail_or_stop_at, &p, &res, NULL), NB_STATUS_STOPPED);
  NBT_CHECK(nb_result_list_count(res) == 3);
  nb_result_list_free(res);
  /* the writer on its own: freed without finish leaves nothing */
  nb_writer *w = NULL;
  int16_t block[6] = {1, 2, 3, 4, 5, 6};
  NBT_OK(nb_writer_open(nbt_path("w.bin"), NB_DATA_ORDER_SAMPLES, 3, NB_DTYPE_INT16, &w));
  NBT_OK(nb_writer_append(w, NB_DTYPE_INT16, 2, 3, NB_LAYOUT_SAMPLE_MAJOR, block));
  NBT_CHECK(nbt_count_entries() == entries + 2); /* its temporary file and that file's lock */
  nb_writer_free(w);
  NBT_CHECK(nbt_count_entries() == entries);
  nb_reader_free(r);
  free(input_bytes);
  return nbt_finish("test_failures");
}
