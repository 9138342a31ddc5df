/* Recording metadata: SpikeGLX .meta and Open Ephys structure.oebin files
 * written here as SpikeGLX and the Open Ephys GUI write them, the sampling
 * rate, channel kinds and per-channel scales to microvolts through the C ABI
 * (checked against values computed by hand from the formats' documentation),
 * float32 microvolt batches, and the sidecar's sampling_rate read and
 * carried to outputs. */
#include "fixture.h"

#include <math.h>
#include <sys/stat.h>

static void write_int16(const char *path, size_t n_ch, uint64_t n_obs) {
  const char *p = nbt_write_fixture("tmp-int16.bin", NB_DTYPE_INT16, n_ch, n_obs, NB_DATA_ORDER_SAMPLES);
  if (rename(p, path) != 0) { perror(path); exit(2); }
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fabs(b); }

/* Number of channels of kind k in kinds[0..n). */
static size_t count_kind(const nb_channel_kind *kinds, size_t n, nb_channel_kind k) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += kinds[i] == k;
  return c;
}

/* An NP 1.0 run's .meta for one of its files: acquired AP 384, LF 384, SY 1
 * (acqApLfSy); the .ap.bin saves acquired channels 0..383 and 768, the
 * .lf.bin 384..768 (snsSaveChanSubset indexes the acquired channels).
 * Channel 7 at AP gain 1000, the rest at 500; LF gain 250. */
static void write_np1_meta(const char *path, int lf) {
  char *imro = malloc(384 * 24 + 16);
  int at = sprintf(imro, "(0,384)");
  for (int c = 0; c < 384; c++) at += sprintf(imro + at, "(%d 0 0 %d 250 1)", c, c == 7 ? 1000 : 500);
  FILE *f = fopen(path, "w");
  fprintf(f,
          "acqApLfSy=384,384,1\nappVersion=20230425\nfileCreateTime=2026-11-25T10:00:00\nfileName=run_g0_t0.imec0.%s.bin\n"
          "fileSizeBytes=999\nfileTimeSecs=0.01\nimAiRangeMax=0.6\nimAiRangeMin=-0.6\nimChan0apGain=500\nimChan0lfGain=250\n"
          "imDatPrb_type=0\nimMaxInt=512\nimSampRate=%s\nimroFile=\nnSavedChans=385\nsnsApLfSy=%s\nsnsSaveChanSubset=%s\n"
          "typeThis=imec\n~imroTbl=%s\n~snsChanMap=(384,384,1)(AP0;0:0)\n",
          lf ? "lf" : "ap", lf ? "2500.0" : "30000.123", lf ? "0,384,1" : "384,0,1", lf ? "384:768" : "0:383,768", imro);
  fclose(f);
  free(imro);
}

/* Neuropixels 1.0, AP file: 384 AP channels + the sync word. fileSizeBytes
 * is stale on purpose (SpikeGLX rewrites it at the end): the real size wins. */
static void spikeglx_ap(void) {
  const char *bin = nbt_path("run_g0_t0.imec0.ap.bin");
  write_int16(bin, 385, 300);
  write_np1_meta(nbt_path("run_g0_t0.imec0.ap.meta"), 0);
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(bin, NULL, &r));
  NBT_CHECK(strcmp(nb_reader_format(r), "spikeglx") == 0);
  NBT_CHECK(nb_reader_n_channels(r) == 385 && nb_reader_n_observations(r) == 300);
  NBT_CHECK(nb_reader_dtype(r) == NB_DTYPE_INT16 && nb_reader_data_order(r) == NB_DATA_ORDER_SAMPLES);
  double rate = 0, scales[385];
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_CHECK(rate == 30000.123);
  NBT_OK(nb_reader_scales_uv(r, scales, 385));
  /* 0.6 V / 512 / 500 x 1e6 = 2.34375 uV per count; gain 1000: 1.171875; sync: 1 */
  NBT_CHECK(close_to(scales[0], 2.34375) && close_to(scales[383], 2.34375));
  NBT_CHECK(close_to(scales[7], 1.171875));
  NBT_CHECK(scales[384] == 1.0);
  NBT_EXPECT(nb_reader_scales_uv(r, scales, 10), NB_STATUS_BUFFER_TOO_SMALL);
  /* kinds: 384 AP channels, then the SY word */
  nb_channel_kind kinds[385];
  NBT_OK(nb_reader_channel_kinds(r, kinds, 385));
  NBT_CHECK(count_kind(kinds, 384, NB_CHANNEL_KIND_NEURAL_AP) == 384 && kinds[384] == NB_CHANNEL_KIND_DIGITAL);
  NBT_CHECK(strcmp(nb_channel_kind_name(kinds[0]), "neural_ap") == 0 && strcmp(nb_channel_kind_name(kinds[384]), "digital") == 0);
  NBT_CHECK(strcmp(nb_channel_kind_name(99), "") == 0);
  NBT_EXPECT(nb_reader_channel_kinds(r, kinds, 384), NB_STATUS_BUFFER_TOO_SMALL);
  NBT_ERROR_MENTIONS("385 channels");
  NBT_EXPECT(nb_reader_channel_kinds(r, NULL, 385), NB_STATUS_NULL_ARGUMENT);

  /* microvolt batches: float32 value x scale, in both layouts */
  for (int layout = 0; layout < 2; layout++) {
    nb_batch_options bo;
    nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
    bo.microvolts = true;
    bo.layout = layout;
    size_t ch[3] = {7, 0, 384};
    bo.channels = ch;
    bo.n_channels = 3;
    bo.buffer_size = 2;
    nb_cursor *c = NULL;
    const nb_batch *b = NULL;
    NBT_OK(nb_cursor_new(r, &bo, &c));
    NBT_OK(nb_cursor_next(c, &b));
    NBT_CHECK(b->dtype == NB_DTYPE_FLOAT32 && b->n_bytes == b->n_rows * 3 * 4);
    const float *v = b->data;
    int bad = 0;
    for (size_t row = 2; row < b->n_rows - 2; row++)
      for (size_t j = 0; j < 3; j++) {
        size_t i = layout == NB_LAYOUT_SAMPLE_MAJOR ? row * 3 + j : j * b->n_rows + row;
        float want = (float)((double)nbt_value(NB_DTYPE_INT16, 385, row - 2, ch[j]) * scales[ch[j]]);
        bad += v[i] != want;
      }
    NBT_CHECK(bad == 0);
    NBT_CHECK(v[0] == 0.0f); /* the buffer before observation 0: zeros, in microvolts too */
    nb_cursor_free(c);
  }
  /* an apply over microvolts writes float32 with the input's sampling rate */
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.microvolts = true;
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path("uv.bin");
  NBT_OK(nb_reader_apply(r, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL));
  NBT_FILE_TEXT(nbt_path("uv.yaml"), "data_bytes: 462000\ndata_order: samples\ndtype: float32\nn_channels: 385\nsampling_rate: 30000.123\n");
  nb_reader_free(r);

  /* explicit options win over the .meta */
  nb_open_options oo;
  nb_open_options_init(&oo, NB_OPEN_OPTIONS_VERSION);
  oo.sampling_rate = 25000;
  NBT_OK(nb_reader_open(bin, &oo, &r));
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_CHECK(rate == 25000);
  nb_reader_free(r);

  /* an n_channels unlike the metadata's: the per-channel metadata no longer applies */
  oo.n_channels = 5;
  oo.sampling_rate = 0;
  NBT_OK(nb_reader_open(bin, &oo, &r));
  NBT_EXPECT(nb_reader_channel_kinds(r, kinds, 385), NB_STATUS_NO_METADATA);
  NBT_EXPECT(nb_reader_scales_uv(r, scales, 385), NB_STATUS_NO_METADATA);
  NBT_ERROR_MENTIONS("n_channels was given as 5");
  nb_reader_free(r);
}

/* The LF file of the same run: acquired channels 384..767 (LF) and 768. */
static void spikeglx_lf(void) {
  const char *bin = nbt_path("run_g0_t0.imec0.lf.bin");
  write_int16(bin, 385, 25);
  write_np1_meta(nbt_path("run_g0_t0.imec0.lf.meta"), 1);
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(bin, NULL, &r));
  double rate = 0, s[385];
  nb_channel_kind k[385];
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_OK(nb_reader_scales_uv(r, s, 385));
  NBT_OK(nb_reader_channel_kinds(r, k, 385));
  NBT_CHECK(rate == 2500.0 && nb_reader_n_channels(r) == 385);
  /* LF gain 250 for every channel (channel 7's AP gain does not apply):
   * 0.6 / 512 / 250 x 1e6 = 4.6875 uV */
  NBT_CHECK(close_to(s[0], 4.6875) && close_to(s[7], 4.6875) && s[384] == 1.0);
  NBT_CHECK(count_kind(k, 385, NB_CHANNEL_KIND_NEURAL_LF) == 384 && k[384] == NB_CHANNEL_KIND_DIGITAL);
  nb_reader_free(r);
}

/* NP 2.0 multishank (2013) without imChan0apGain (metadata before it
 * existed), a subset of 120 channels and the sync word. */
static void spikeglx_np2(void) {
  const char *bin = nbt_path("np2_g0_t0.imec0.ap.bin");
  write_int16(bin, 121, 40);
  char *imro = malloc(384 * 24 + 16);
  int at = sprintf(imro, "(2013,384)");
  for (int c = 0; c < 384; c++) at += sprintf(imro + at, "(%d 0 0 0 %d)", c, c);
  FILE *f = fopen(nbt_path("np2_g0_t0.imec0.ap.meta"), "w");
  fprintf(f,
          "acqApLfSy=384,0,1\nappVersion=20230101\nimAiRangeMax=0.62\nimAiRangeMin=-0.62\nimDatPrb_type=2013\nimMaxInt=2048\n"
          "imSampRate=30000\nnSavedChans=121\nsnsApLfSy=120,0,1\nsnsSaveChanSubset=0:35,72:95,192:227,264:287,384\n"
          "typeThis=imec\n~imroTbl=%s\n",
          imro);
  fclose(f);
  free(imro);
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(bin, NULL, &r));
  double s[121];
  nb_channel_kind k[121];
  NBT_OK(nb_reader_scales_uv(r, s, 121));
  NBT_OK(nb_reader_channel_kinds(r, k, 121));
  /* type 2013: gain 100; 0.62 / 2048 / 100 x 1e6 = 3.02734375 uV. No LF band: full-band neural. */
  NBT_CHECK(close_to(s[0], 3.02734375) && close_to(s[119], 3.02734375) && s[120] == 1.0);
  NBT_CHECK(count_kind(k, 121, NB_CHANNEL_KIND_NEURAL) == 120 && k[120] == NB_CHANNEL_KIND_DIGITAL);
  nb_reader_free(r);
}

/* NI-DAQ: acquired 2 MN channels at gain 200, 1 XA channel, 1 digital word;
 * MN channel 0 not saved (snsSaveChanSubset indexes the acquired channels). */
static void spikeglx_nidq(void) {
  const char *bin = nbt_path("run_g0_t0.nidq.bin");
  write_int16(bin, 3, 100);
  nbt_write_text(nbt_path("run_g0_t0.nidq.meta"),
                 "acqMnMaXaDw=2,0,1,1\nniAiRangeMax=5\nniAiRangeMin=-5\nniMaxInt=32768\nniMAGain=1\nniMNGain=200\nniSampRate=25000\n"
                 "nSavedChans=3\nsnsMnMaXaDw=1,0,1,1\nsnsSaveChanSubset=1:3\ntypeThis=nidq\n");
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(bin, NULL, &r));
  double rate = 0, s[3];
  nb_channel_kind k[3];
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_OK(nb_reader_scales_uv(r, s, 3));
  NBT_OK(nb_reader_channel_kinds(r, k, 3));
  NBT_CHECK(rate == 25000);
  /* saved: acquired 1 (MN: 5 / 32768 / 200 x 1e6 = 0.762939453125 uV), 2 (XA: 5 / 32768 x 1e6 = 152.587890625 uV), 3 (XD word) */
  NBT_CHECK(close_to(s[0], 0.762939453125) && close_to(s[1], 152.587890625) && s[2] == 1.0);
  NBT_CHECK(k[0] == NB_CHANNEL_KIND_NEURAL && k[1] == NB_CHANNEL_KIND_ANALOG && k[2] == NB_CHANNEL_KIND_DIGITAL);
  nb_reader_free(r);
}

static void open_ephys(void) {
  char dir_a[600], dir_b[600];
  const char *root = nbt_path("Record Node 101/experiment1/recording1");
  snprintf(dir_a, sizeof dir_a, "%s/continuous/Acquisition_Board-100.Rhythm Data", root);
  snprintf(dir_b, sizeof dir_b, "%s/continuous/Acquisition_Board-100.Rhythm Data_ADC", root);
  nbt_mkdirs(dir_a);
  nbt_mkdirs(dir_b);
  char dat_a[700], dat_b[700], oebin[700];
  snprintf(dat_a, sizeof dat_a, "%s/continuous.dat", dir_a);
  snprintf(dat_b, sizeof dat_b, "%s/continuous.dat", dir_b);
  snprintf(oebin, sizeof oebin, "%s/structure.oebin", root);
  write_int16(dat_a, 4, 250);
  write_int16(dat_b, 2, 250);
  nbt_write_text(oebin,
                 "{\n \"GUI version\": \"0.6.7\",\n \"continuous\": [\n"
                 "  {\"folder_name\": \"Acquisition_Board-100.Rhythm Data/\", \"sample_rate\": 30000.0,\n"
                 "   \"source_processor_name\": \"Acquisition Board\", \"source_processor_id\": 100, \"stream_name\": \"Rhythm Data\",\n"
                 "   \"recorded_processor\": \"Acquisition Board\", \"recorded_processor_id\": 100, \"num_channels\": 4,\n"
                 "   \"channels\": [\n"
                 "    {\"channel_name\": \"CH1\", \"description\": \"Headstage data channel\", \"identifier\": \"\", \"history\": \"Acquisition Board -> Record Node\", \"bit_volts\": 0.19499999284744263, \"units\": \"\"},\n"
                 "    {\"channel_name\": \"CH2\", \"description\": \"Headstage data channel\", \"bit_volts\": 0.19499999284744263, \"units\": \"\"},\n"
                 "    {\"channel_name\": \"CH3\", \"description\": \"Headstage data channel\", \"bit_volts\": 0.19499999284744263, \"units\": \"\"},\n"
                 "    {\"channel_name\": \"AUX1\", \"description\": \"Auxiliar data channel\", \"bit_volts\": 0.0000374, \"units\": \"\"}]},\n"
                 "  {\"folder_name\": \"Acquisition_Board-100.Rhythm Data_ADC/\", \"sample_rate\": 30000.0, \"stream_name\": \"Rhythm Data_ADC\", \"num_channels\": 2,\n"
                 "   \"channels\": [{\"channel_name\": \"ADC1\", \"description\": \"ADC data channel\", \"bit_volts\": 0.00015258789, \"units\": \"\"}, {\"channel_name\": \"ADC2\", \"description\": \"ADC data channel\", \"bit_volts\": 0.00015258789, \"units\": \"\"}]}\n"
                 " ],\n \"events\": [], \"spikes\": []\n}\n");
  /* the .oebin itself: the first stream by default */
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(oebin, NULL, &r));
  char path[800];
  NBT_CHECK(strcmp(nb_reader_format(r), "openephys") == 0 && nb_reader_n_channels(r) == 4);
  nb_reader_data_path(r, path, sizeof path);
  NBT_CHECK(nbt_same_path(path, dat_a));
  double rate = 0, s[4];
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_OK(nb_reader_scales_uv(r, s, 4));
  /* GUI 0.6: empty units. Headstage channels: bit_volts in uV (0.195); the
   * AUX input: volts, 0.0000374 V = 37.4 uV */
  NBT_CHECK(rate == 30000.0 && s[0] == 0.19499999284744263 && close_to(s[3], 37.4));
  nb_channel_kind k[4];
  NBT_OK(nb_reader_channel_kinds(r, k, 4));
  NBT_CHECK(count_kind(k, 3, NB_CHANNEL_KIND_NEURAL) == 3 && k[3] == NB_CHANNEL_KIND_ANALOG);
  nb_reader_free(r);
  /* by name, and by index: the ADC stream, in volts -> microvolts */
  nb_open_options oo;
  nb_open_options_init(&oo, NB_OPEN_OPTIONS_VERSION);
  oo.stream_name = "Rhythm Data_ADC";
  NBT_OK(nb_reader_open(oebin, &oo, &r));
  NBT_CHECK(nb_reader_n_channels(r) == 2);
  NBT_OK(nb_reader_scales_uv(r, s, 2));
  NBT_CHECK(close_to(s[1], 152.58789)); /* 0.00015258789 V */
  NBT_OK(nb_reader_channel_kinds(r, k, 2));
  NBT_CHECK(k[0] == NB_CHANNEL_KIND_ANALOG && k[1] == NB_CHANNEL_KIND_ANALOG);
  nb_reader_free(r);
  nb_open_options_init(&oo, NB_OPEN_OPTIONS_VERSION);
  oo.stream_index = 1;
  NBT_OK(nb_reader_open(oebin, &oo, &r));
  NBT_CHECK(nb_reader_n_channels(r) == 2);
  nb_reader_free(r);
  /* a continuous.dat opened directly finds its own stream in the .oebin above it */
  NBT_OK(nb_reader_open(dat_b, NULL, &r));
  NBT_CHECK(nb_reader_n_channels(r) == 2 && strcmp(nb_reader_format(r), "openephys") == 0);
  nb_reader_free(r);
}

/* A plain file: the sidecar may carry sampling_rate; outputs keep it only
 * when they keep the time base (one row per input observation). */
static void sidecar_rate(void) {
  const char *bin = nbt_write_fixture("rated.bin", NB_DTYPE_INT16, 3, 1000, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("rated.yaml"), "dtype: int16\nn_channels: 3\ndata_order: samples\nsampling_rate: 20000\n");
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(bin, NULL, &r));
  double rate = 0;
  NBT_OK(nb_reader_sampling_rate(r, &rate));
  NBT_CHECK(rate == 20000);
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 3 * 2 * 300;
  nb_apply_options ao;
  nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION);
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = nbt_path("same-rows.bin");
  NBT_OK(nb_reader_apply(r, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL));
  NBT_FILE_TEXT(nbt_path("same-rows.yaml"), "data_bytes: 6000\ndata_order: samples\ndtype: int16\nn_channels: 3\nsampling_rate: 20000.0\n");
  ao.output_path = nbt_path("one-row-per-batch.bin");
  NBT_OK(nb_reader_apply(r, &bo, &ao, nbt_first_row, NULL, NULL, NULL));
  NBT_FILE_TEXT(nbt_path("one-row-per-batch.yaml"), "data_bytes: 24\ndata_order: samples\ndtype: int16\nn_channels: 3\n");
  /* and a reader of the output sees the rate again */
  nb_reader *o = NULL;
  NBT_OK(nb_reader_open(nbt_path("same-rows.bin"), NULL, &o));
  NBT_OK(nb_reader_sampling_rate(o, &rate));
  NBT_CHECK(rate == 20000);
  nb_reader_free(o);
  nb_reader_free(r);
}

int main(void) {
  spikeglx_ap();
  spikeglx_lf();
  spikeglx_np2();
  spikeglx_nidq();
  open_ephys();
  sidecar_rate();
  return nbt_finish("test_formats");
}
