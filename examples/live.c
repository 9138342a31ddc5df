/* live: process a recording while it is being acquired. A thread plays the
 * acquisition software: it appends 385-channel int16 samples to a SpikeGLX
 * .ap.bin at about real time (30 kHz, sped up 10x here), in pieces that
 * split observations, and says when the recording ended. Meanwhile a
 * following apply computes each batch's RMS in microvolts as soon as the
 * batch is complete on disk, and prints it.
 *
 *   live [seconds]        default 2 seconds of recording */
#include "example_data.h"

#include <math.h>
#include <pthread.h>
#include <time.h>

#define N_CH 385
#define RATE 30000

struct acquisition {
  char bin[512];
  nb_reader *reader;
  uint64_t n_obs;
};

static void *acquire(void *arg) {
  struct acquisition *a = arg;
  enum { PIECE = 3000 }; /* 0.1 s of samples per write */
  int16_t *buf = malloc(sizeof(int16_t) * PIECE * N_CH);
  FILE *f = fopen(a->bin, "ab");
  for (uint64_t s0 = 0; s0 < a->n_obs; s0 += PIECE) {
    uint64_t n = a->n_obs - s0 < PIECE ? a->n_obs - s0 : PIECE;
    for (uint64_t r = 0; r < n; r++)
      for (int c = 0; c < N_CH; c++) buf[r * N_CH + (size_t)c] = example_value(s0 + r, c);
    size_t bytes = n * N_CH * 2, cut = bytes / 2 + 1; /* a partial observation is on disk in between */
    fwrite(buf, 1, cut, f);
    fflush(f);
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, NULL);
    fwrite((char *)buf + cut, 1, bytes - cut, f);
    fflush(f);
    nanosleep(&pause, NULL);
  }
  fclose(f);
  free(buf);
  nb_reader_end_follow(a->reader); /* the acquisition closed the file */
  return NULL;
}

static int rms_uv(const nb_batch *b, const nb_result_view *previous, nb_result_slot *out, void *user) {
  (void)previous;
  (void)user;
  const float *v = b->data; /* float32 microvolts: nb_batch_options.microvolts */
  double sum = 0;
  for (size_t i = 0; i < b->n_rows * b->n_channels; i++) sum += (double)v[i] * v[i];
  float rms = (float)sqrt(sum / (double)(b->n_rows * b->n_channels));
  printf("  batch %3llu: samples [%7llu, %7llu)  RMS %.1f uV\n", (unsigned long long)b->batch_index,
         (unsigned long long)b->idx_start, (unsigned long long)b->idx_stop, rms);
  return nb_result_slot_set(out, NB_DTYPE_FLOAT32, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &rms);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  const char *dir = example_dir();
  struct acquisition a;
  snprintf(a.bin, sizeof a.bin, "%s/live_g0_t0.imec0.ap.bin", dir);
  a.n_obs = (uint64_t)(seconds * RATE);
  /* SpikeGLX writes the .meta when the run starts; an empty .bin so far */
  char meta[512], imro[384 * 20 + 16];
  snprintf(meta, sizeof meta, "%s/live_g0_t0.imec0.ap.meta", dir);
  int at = sprintf(imro, "(0,384)");
  for (int c = 0; c < 384; c++) at += sprintf(imro + at, "(%d 0 0 500 250 1)", c);
  FILE *m = fopen(meta, "w");
  fprintf(m,
          "acqApLfSy=384,384,1\nimAiRangeMax=0.6\nimDatPrb_type=0\nimMaxInt=512\nimSampRate=%d\nnSavedChans=385\nsnsApLfSy=384,0,1\n"
          "snsSaveChanSubset=0:383,768\ntypeThis=imec\n~imroTbl=%s\n",
          RATE, imro);
  fclose(m);
  fclose(fopen(a.bin, "wb"));

  nb_open_options oo;
  nb_open_options_init(&oo, NB_OPEN_OPTIONS_VERSION);
  oo.follow = true; /* the file is still being written */
  EXAMPLE_TRY(nb_reader_open(a.bin, &oo, &a.reader));
  double rate = 0;
  EXAMPLE_TRY(nb_reader_sampling_rate(a.reader, &rate));
  printf("following %s (%s, %.0f Hz) while it is written\n", a.bin, nb_reader_format(a.reader), rate);

  pthread_t t;
  pthread_create(&t, NULL, acquire, &a);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = (uint64_t)N_CH * 2 * (RATE / 4); /* 0.25 s batches */
  bo.follow = true;
  bo.microvolts = true;
  nb_result_list *res = NULL;
  nb_status s = nb_reader_apply(a.reader, &bo, NULL, rms_uv, NULL, &res, NULL); /* returns once the recording ended */
  pthread_join(t, NULL);
  int rc = 0;
  if (s != NB_STATUS_OK) rc = example_fail("nb_reader_apply", s);
  else printf("%zu batches processed live; the recording has %llu samples\n", nb_result_list_count(res),
              (unsigned long long)nb_reader_n_observations(a.reader));
  nb_result_list_free(res);
  nb_reader_free(a.reader);
  example_cleanup(dir);
  return rc;
}
