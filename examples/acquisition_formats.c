/* acquisition_formats: recordings as acquisition systems leave them.
 * Writes a SpikeGLX run in two parts (.ap.bin + .meta each) and an Open
 * Ephys recording (structure.oebin + continuous.dat), then: opens each,
 * prints sampling rate, gains and channel kinds, reads the two SpikeGLX
 * parts as one session, and walks it in float32 microvolts with reflected
 * buffers. */
#include "example_data.h"

#include <sys/stat.h>

static void write_spikeglx(const char *dir, const char *name, uint64_t n_obs) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s.ap.bin", dir, name);
  example_generate(path, 385, n_obs); /* also writes a sidecar; SpikeGLX's .meta wins */
  snprintf(path, sizeof path, "%s/%s.ap.meta", dir, name);
  FILE *f = fopen(path, "w");
  /* As SpikeGLX writes an NP 1.0 .ap.meta: 384 AP + 384 LF + 1 sync channels
   * acquired, of which the .ap.bin keeps the AP channels 0..383 and the sync
   * word (acquired channel 768). */
  fprintf(f, "acqApLfSy=384,384,1\nimAiRangeMax=0.6\nimDatPrb_type=0\nimMaxInt=512\nimSampRate=30000\nnSavedChans=385\n"
             "snsApLfSy=384,0,1\nsnsSaveChanSubset=0:383,768\ntypeThis=imec\n~imroTbl=(0,384)");
  for (int c = 0; c < 384; c++) fprintf(f, "(%d 0 0 %d 250 1)", c, c < 192 ? 500 : 1000);
  fprintf(f, "\n");
  fclose(f);
}

static int describe(nb_reader *r) {
  double rate = 0, gains[385];
  nb_channel_kind kinds[385];
  size_t n = nb_reader_n_channels(r), neural = 0;
  EXAMPLE_TRY(nb_reader_sampling_rate(r, &rate));
  EXAMPLE_TRY(nb_reader_scales_uv(r, gains, n));
  EXAMPLE_TRY(nb_reader_channel_kinds(r, kinds, n));
  /* the neural channels, whatever the probe: no hard-coded 384 */
  for (size_t i = 0; i < n; i++)
    neural += kinds[i] == NB_CHANNEL_KIND_NEURAL || kinds[i] == NB_CHANNEL_KIND_NEURAL_AP || kinds[i] == NB_CHANNEL_KIND_NEURAL_LF;
  printf("  %s: %zu channels (%zu neural, last: %s) x %llu samples at %.0f Hz; channel 0: %.5f uV per count, last: %.5f\n",
         nb_reader_format(r), n, neural, nb_channel_kind_name(kinds[n - 1]), (unsigned long long)nb_reader_n_observations(r), rate,
         gains[0], gains[n - 1]);
  return 0;
}

int main(void) {
  const char *dir = example_dir();
  write_spikeglx(dir, "run_g0_t0.imec0", 40000);
  write_spikeglx(dir, "run_g0_t1.imec0", 25000);
  char p0[600], p1[600];
  snprintf(p0, sizeof p0, "%s/run_g0_t0.imec0.ap.bin", dir);
  snprintf(p1, sizeof p1, "%s/run_g0_t1.imec0.ap.bin", dir);
  nb_reader *r = NULL;
  printf("SpikeGLX, one file:\n");
  EXAMPLE_TRY(nb_reader_open(p0, NULL, &r));
  if (describe(r)) return 1;
  nb_reader_free(r);

  printf("SpikeGLX, two files as one session:\n");
  const char *parts[2] = {p0, p1};
  EXAMPLE_TRY(nb_reader_open_files(parts, 2, NULL, &r));
  if (describe(r)) return 1;
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 385 * 2 * 9000; /* the fifth batch spans the two files */
  bo.buffer_size = 30; /* 1 ms on each side */
  bo.edge = NB_EDGE_REFLECT;
  bo.microvolts = true;
  nb_cursor *c = NULL;
  const nb_batch *b = NULL;
  EXAMPLE_TRY(nb_cursor_new(r, &bo, &c));
  while (nb_cursor_next(c, &b) == NB_STATUS_OK) {
    const float *v = b->data;
    printf("  batch %llu: samples [%llu, %llu)%s, channel 7 starts at %.2f uV\n", (unsigned long long)b->batch_index,
           (unsigned long long)b->idx_start, (unsigned long long)b->idx_stop,
           b->idx_start < 40000 && b->idx_stop > 40000 ? " (spans the two files)" : "", v[b->idx_local_start * b->n_channels + 7]);
  }
  nb_cursor_free(c);
  nb_reader_free(r);

  printf("Open Ephys:\n");
  char folder[700], path[800];
  snprintf(folder, sizeof folder, "%s/Record Node 101/experiment1/recording1/continuous/Acquisition_Board-100.Rhythm Data", dir);
  if (example_mkdirs(folder) != 0) return 1;
  snprintf(path, sizeof path, "%s/continuous.dat", folder);
  example_generate(path, 32, 3000);
  snprintf(path, sizeof path, "%s/Record Node 101/experiment1/recording1/structure.oebin", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"GUI version\": \"0.6.7\", \"continuous\": [{\"folder_name\": \"Acquisition_Board-100.Rhythm Data/\", "
             "\"sample_rate\": 30000.0, \"stream_name\": \"Rhythm Data\", \"num_channels\": 32, \"channels\": [");
  for (int ch = 0; ch < 32; ch++)
    fprintf(f, "%s{\"channel_name\": \"CH%d\", \"description\": \"Headstage data channel\", \"bit_volts\": 0.195, \"units\": \"\"}",
            ch ? ", " : "", ch + 1);
  fprintf(f, "]}], \"events\": [], \"spikes\": []}\n");
  fclose(f);
  EXAMPLE_TRY(nb_reader_open(path, NULL, &r));
  if (describe(r)) return 1;
  nb_reader_free(r);
  example_cleanup(dir);
  return 0;
}
