/* n_threads = 2: outputs byte-identical to the serial run for several
 * configurations (buffer included), memory results identical, and an error
 * in one worker reported promptly (ctest gives this test a timeout). */
#include "fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define N_CH 12
#define N_OBS 20000

/* a per-batch transform that depends on the batch's position: value*3 + row - column */
static int transform(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev; (void)user;
  int32_t *dst = NULL;
  if (nb_result_slot_lend(out, NB_DTYPE_INT32, b->n_rows, b->n_channels, (void **)&dst)) return -1;
  const int16_t *src = b->data;
  for (size_t r = 0; r < b->n_rows; r++)
    for (size_t j = 0; j < b->n_channels; j++)
      dst[r * b->n_channels + j] = src[r * b->n_channels + j] * 3 + (int32_t)(b->idx_start + r) - (int32_t)b->channels[j];
  return 0;
}

static int fail_on_worker(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  atomic_int *calls = user;
  atomic_fetch_add(calls, 1);
  if (b->batch_index == 5) return -42;
  if (b->batch_index > 5) { struct timespec t = {0, 2000000}; nanosleep(&t, NULL); }
  return transform(b, prev, out, NULL);
}

/* records which thread ran each batch */
static _Atomic unsigned long threads_seen[256];
static int record_thread(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)user;
  if (b->batch_index < 256) threads_seen[b->batch_index] = (unsigned long)pthread_self();
  struct timespec t = {0, 1000000};
  nanosleep(&t, NULL);
  return transform(b, prev, out, NULL);
}

static unsigned char *run(nb_reader *r, const nb_batch_options *bo, unsigned threads, int cleanup, const char *name, size_t *len) {
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path(name);
  ao.n_threads = threads;
  ao.cleanup = cleanup ? nb_result_view_trim_buffer : NULL;
  NBT_OK(nb_reader_apply(r, bo, &ao, transform, NULL, NULL, NULL));
  return nbt_read_file(ao.output_path, len);
}

int main(void) {
  const nb_data_order orders[] = {NB_DATA_ORDER_SAMPLES, NB_DATA_ORDER_CHANNELS};
  for (int o = 0; o < 2; o++) {
    const char *input = nbt_write_fixture(o ? "par-c.bin" : "par-s.bin", NB_DTYPE_INT16, N_CH, N_OBS, orders[o]);
    nb_reader *r = nbt_open(input, NB_DTYPE_INT16, N_CH, orders[o]);
    const size_t ch[] = {11, 0, 5};
    for (int config = 0; config < 4; config++) {
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.max_memory = 24 * 700; /* ~29 batches of all channels */
      if (config >= 1) bo.buffer_size = 33;
      if (config == 2) { bo.channels = ch; bo.n_channels = 3; bo.from_time = 123; bo.to_time = 19000; }
      if (config == 3) { bo.traversal = NB_TRAVERSAL_SINGLE_CHANNEL; bo.force_complete_channel_batch = false; bo.max_memory = 2 * 3000; }
      size_t l1 = 0, l2 = 0, l3 = 0;
      unsigned char *serial = run(r, &bo, 1, config == 1, "serial.bin", &l1);
      unsigned char *par = run(r, &bo, 2, config == 1, "par2.bin", &l2);
      unsigned char *par3 = run(r, &bo, 3, config == 1, "par3.bin", &l3);
      NBT_CHECK(serial && par && par3 && l1 > 0 && l1 == l2 && l1 == l3 && memcmp(serial, par, l1) == 0 && memcmp(serial, par3, l1) == 0);
      free(serial); free(par); free(par3);
      size_t y1 = 0, y2 = 0;
      unsigned char *s1 = nbt_read_file(nbt_path("serial.yaml"), &y1), *s2 = nbt_read_file(nbt_path("par2.yaml"), &y2);
      NBT_CHECK(s1 && s2 && y1 == y2 && memcmp(s1, s2, y1) == 0);
      free(s1); free(s2);
      /* memory mode: same results in the same order */
      nb_result_list *a = NULL, *b = NULL;
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      NBT_OK(nb_reader_apply(r, &bo, &ao, transform, NULL, &a, NULL));
      ao.n_threads = 2;
      NBT_OK(nb_reader_apply(r, &bo, &ao, transform, NULL, &b, NULL));
      NBT_CHECK(nb_result_list_count(a) == nb_result_list_count(b) && nb_result_list_count(a) > 2);
      for (size_t k = 0; k < nb_result_list_count(a); k++) {
        const nb_result_view *va = NULL, *vb = NULL;
        nb_result_list_get(a, k, &va);
        nb_result_list_get(b, k, &vb);
        NBT_CHECK(va && vb && va->n_bytes == vb->n_bytes && memcmp(va->data, vb->data, va->n_bytes) == 0);
      }
      nb_result_list_free(a);
      nb_result_list_free(b);
    }
    /* callbacks really ran on more than one worker thread, none on this one */
    {
      nb_batch_options bo;
      nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
      bo.max_memory = 24 * 1000; /* 20 batches */
      nb_apply_options ao;
      nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
      ao.n_threads = 2;
      nb_result_list *res = NULL;
      NBT_OK(nb_reader_apply(r, &bo, &ao, record_thread, NULL, &res, NULL));
      nb_result_list_free(res);
      int distinct = 0, on_caller = 0;
      for (int k = 0; k < 20; k++) {
        on_caller += threads_seen[k] == (unsigned long)pthread_self();
        distinct += k > 0 && threads_seen[k] != threads_seen[0];
      }
      NBT_CHECK(distinct > 0 && on_caller == 0);
    }
    /* an error in one worker stops the run and is reported */
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    bo.max_memory = 24 * 100; /* 200 batches */
    nb_apply_options ao;
    nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
    ao.mode = NB_APPLY_MODE_DISK;
    ao.output_path = nbt_path("par-fail.bin");
    ao.n_threads = 2;
    atomic_int calls = 0;
    int cb = 0;
    NBT_EXPECT(nb_reader_apply(r, &bo, &ao, fail_on_worker, &calls, NULL, &cb), NB_STATUS_CALLBACK_FAILED);
    NBT_CHECK(cb == -42);
    NBT_ERROR_MENTIONS("batch 5");
    NBT_CHECK(atomic_load(&calls) < 20); /* the others stopped promptly */
    NBT_CHECK(!nbt_exists(ao.output_path));
    nb_reader_free(r);
  }
  return nbt_finish("test_parallel");
}
