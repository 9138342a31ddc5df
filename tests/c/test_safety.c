/* Data safety under hostile paths, crashes and misuse, through the C ABI:
 * inputs (every file of a session, format metadata, hard links to them) are
 * never outputs, outputs are refused before anything runs, pipelines compare
 * outputs by identity, shards of different runs never mix, absurd thread
 * counts are refused, handles freed or used wrongly are caught, result slots
 * are checked, and option structs of older versions are written by their
 * own size. On every platform; what needs POSIX (symbolic links, FIFOs,
 * renaming over an open file, descriptor limits) is in test_safety_posix.c. */
#include "fixture.h"

#include <pthread.h>
#include <stddef.h>
#include <time.h>

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
/* A hard link (NTFS), paths in UTF-8 as the library takes them. */
static int nbt_link(const char *existing, const char *name) {
  wchar_t e[1024], n[1024];
  if (!MultiByteToWideChar(CP_UTF8, 0, existing, -1, e, 1024) || !MultiByteToWideChar(CP_UTF8, 0, name, -1, n, 1024)) return -1;
  return CreateHardLinkW(n, e, NULL) ? 0 : -1;
}
#else
static int nbt_link(const char *existing, const char *name) { return link(existing, name); }
#endif

enum { N_CH = 4, N_OBS = 2000 };

static int calls = 0;

static int count_calls(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)user;
  calls++;
  return nbt_copy_rows(b, prev, out, NULL);
}

static nb_apply_options disk_to(const char *out) {
  nb_apply_options ao;
  NBT_OK(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION));
  ao.mode = NB_APPLY_MODE_DISK;
  ao.output_path = out;
  return ao;
}

/* An apply of `r` into `out` must be refused before any callback, creating nothing. */
static void refused(nb_reader *r, const char *out, const char *mention) {
  nb_apply_options ao = disk_to(out);
  const int entries = nbt_count_entries();
  calls = 0;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, count_calls, NULL, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS(mention);
  NBT_CHECK(calls == 0);
  NBT_CHECK(nbt_count_entries() == entries);
}

/* Item 1: a session's later files and their sidecars are inputs too. */
static void session_files_are_protected(void) {
  const char *a = nbt_write_fixture("part1.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  const char *b = nbt_write_fixture("part2.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("part1.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n");
  nbt_write_text(nbt_path("part2.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n");
  const char *paths[2] = {a, b};
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open_files(paths, 2, NULL, &r));
  size_t len = 0;
  unsigned char *before = nbt_read_file(b, &len);
  refused(r, b, "the input recording");
  refused(r, nbt_path("part2.dat"), "the input's sidecar"); /* its sidecar would be part2.yaml */
  refused(r, nbt_path("./part2.bin"), "the input recording");
  /* the same file through a hard link (symbolic links: test_safety_posix.c) */
  NBT_CHECK(nbt_link(b, nbt_path("hard.bin")) == 0);
  refused(r, nbt_path("hard.bin"), "the input recording");
  size_t len2 = 0;
  unsigned char *after = nbt_read_file(b, &len2);
  NBT_CHECK(len == len2 && memcmp(before, after, len) == 0);
  NBT_FILE_TEXT(nbt_path("part2.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\n");
  free(before);
  free(after);
  nb_reader_free(r);
}

/* Item 2: the metadata a reader was opened from. */
static void metadata_is_protected(void) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/rec/continuous/Board-100.Rhythm Data", nbt_tempdir());
  nbt_mkdirs(dir);
  nbt_write_fixture("rec/continuous/Board-100.Rhythm Data/continuous.dat", NB_DTYPE_INT16, 2, 100, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("rec/continuous/Board-100.Rhythm Data/timestamps.npy"), "not really numpy");
  const char *oebin = nbt_path("rec/structure.oebin");
  nbt_write_text(oebin,
                 "{\"continuous\": [{\"folder_name\": \"Board-100.Rhythm Data/\", \"sample_rate\": 30000.0, \"num_channels\": 2,"
                 " \"channels\": [{\"channel_name\": \"CH1\", \"bit_volts\": 0.195, \"units\": \"uV\"},"
                 " {\"channel_name\": \"CH2\", \"bit_volts\": 0.195, \"units\": \"uV\"}]}]}\n");
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(oebin, NULL, &r));
  refused(r, oebin, "structure.oebin");
  refused(r, nbt_path("rec/continuous/Board-100.Rhythm Data/timestamps.npy"), "Open Ephys stream");
  refused(r, nbt_path("rec/continuous/Board-100.Rhythm Data/continuous.dat"), "the input recording");
  nb_reader_free(r);

  /* SpikeGLX: the .meta by identity, not by a name rule */
  nbt_write_fixture("glx.ap.bin", NB_DTYPE_INT16, 3, 100, NB_DATA_ORDER_SAMPLES);
  char meta[8192];
  int n = snprintf(meta, sizeof meta, "imSampRate=30000\nimAiRangeMax=0.6\nimMaxInt=512\nnSavedChans=3\nacqApLfSy=384,384,1\n"
                   "snsApLfSy=2,0,1\nsnsSaveChanSubset=0:1,768\n~imroTbl=(0,384)");
  for (int c = 0; c < 384; c++) n += snprintf(meta + n, sizeof meta - (size_t)n, "(%d 0 0 500 250 1)", c);
  snprintf(meta + n, sizeof meta - (size_t)n, "\n");
  nbt_write_text(nbt_path("glx.ap.meta"), meta);
  NBT_OK(nb_reader_open(nbt_path("glx.ap.bin"), NULL, &r));
  NBT_CHECK(nbt_link(nbt_path("glx.ap.meta"), nbt_path("meta-link.dat")) == 0);
  refused(r, nbt_path("meta-link.dat"), "SpikeGLX metadata");
  nb_reader_free(r);
}

/* Item 4: paths that cannot be an output file, refused before anything runs. */
static void bad_output_paths(void) {
  const char *in = nbt_write_fixture("in.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  /* an existing output with its sidecar: left alone by every refused path */
  nbt_write_text(nbt_path("out.bin"), "previous data");
  nbt_write_text(nbt_path("out.yaml"), "previous sidecar");
  refused(r, nbt_path("out.bin/"), "path separator");
  nbt_mkdir(nbt_path("adir"));
  refused(r, nbt_path("adir"), "is a directory");
  refused(r, nbt_path("out.bin/x.bin"), "is not a directory");
  refused(r, nbt_path("sub/.."), "no file name");
  /* names whose sidecar would not fit the name limit (255 here: bytes on
   * Linux, UTF-16 code units on Windows, the same for these ASCII names) */
  char name[300];
  memset(name, 'n', 252);
  name[252] = 0; /* 252 bytes, no extension: the sidecar name has 257 */
  refused(r, nbt_path(name), "sidecar's name");
  memset(name, 'n', 256);
  strcpy(name + 256, ".bin");
  refused(r, nbt_path(name), "its name is 260 ");
  NBT_FILE_TEXT(nbt_path("out.bin"), "previous data");
  NBT_FILE_TEXT(nbt_path("out.yaml"), "previous sidecar");
  /* nb_writer_check_path says the same before a writer exists */
  bool skip = false;
  NBT_EXPECT(nb_writer_check_path(nbt_path("out.bin/"), NULL, NB_IF_FILE_EXISTS_ABORT, &skip), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_CHECK(nbt_link(in, nbt_path("in-link.dat")) == 0);
  NBT_EXPECT(nb_writer_check_path(nbt_path("in-link.dat"), in, NB_IF_FILE_EXISTS_OVERWRITE, &skip), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS("the input recording");
  nb_reader_free(r);
}

/* Item 5: pipeline steps writing one file under two spellings. */
static void pipeline_outputs_by_identity(void) {
  const char *in = nbt_write_fixture("pipe.bin", NB_DTYPE_INT16, N_CH, 500, NB_DATA_ORDER_SAMPLES);
  nbt_mkdir(nbt_path("sub"));
  nb_pipeline_step s1, s2;
  NBT_OK(nb_pipeline_step_init(&s1, NB_PIPELINE_STEP_VERSION));
  NBT_OK(nb_pipeline_step_init(&s2, NB_PIPELINE_STEP_VERSION));
  s1.fn = count_calls;
  s1.output_name = "filtered.dat";
  s1.keep = true;
  s1.mode = NB_PIPELINE_MODE_MULTI_CHANNEL;
  s2 = s1;
  s2.output_name = "./sub/../filtered.dat";
  const nb_pipeline_step *steps[2] = {&s1, &s2};
  nb_pipeline_options po;
  NBT_OK(nb_pipeline_options_init(&po, NB_PIPELINE_OPTIONS_VERSION));
  po.output_dir = nbt_tempdir();
  nb_open_options oo = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  calls = 0;
  NBT_EXPECT(nb_pipeline_run(in, &oo, NULL, &po, steps, 2, NULL, NULL), NB_STATUS_BAD_OUTPUT_PATH);
  NBT_ERROR_MENTIONS("steps 0 and 1");
  NBT_CHECK(calls == 0);
  NBT_CHECK(!nbt_exists(nbt_path("filtered.dat")));
  s2.output_name = "filtered2.dat"; /* its sidecar is filtered2.yaml: fine */
  NBT_OK(nb_pipeline_run(in, &oo, NULL, &po, steps, 2, NULL, NULL));
}

/* Item 6: shards of different runs never mix. */
static nb_status shard(nb_reader *r, const char *out, uint64_t k, uint64_t max_memory, const char *run) {
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.max_memory = max_memory;
  nb_apply_options ao = disk_to(out);
  ao.shard_index = k;
  ao.shard_count = 3;
  ao.shard_run_id = run;
  return nb_reader_apply(r, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL);
}

static void shard_runs_never_mix(void) {
  const char *in = nbt_write_fixture("shin.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  const char *out = nbt_path("sharded.bin");
  /* job A completes every shard but never finishes; job B runs shards 0 and 1 */
  for (uint64_t k = 0; k < 3; k++) NBT_OK(shard(r, out, k, 800, "jobA"));
  for (uint64_t k = 0; k < 2; k++) NBT_OK(shard(r, out, k, 1600, "jobB"));
  NBT_EXPECT(nb_shard_finish(out, 3, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("jobA");
  NBT_ERROR_MENTIONS("jobB");
  NBT_EXPECT(nb_shard_finish(out, 3, "jobB", NULL), NB_STATUS_SHARD_INCOMPLETE);
  NBT_ERROR_MENTIONS("shard 2 of 3 (run jobB)");
  NBT_CHECK(!nbt_exists(out));
  /* job A's pieces were left alone: it still finishes, byte-identical to one process */
  NBT_OK(nb_shard_finish(out, 3, "jobA", NULL));
  nb_apply_options ao = disk_to(nbt_path("single.bin"));
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.max_memory = 800;
  NBT_OK(nb_reader_apply(r, &bo, &ao, nbt_copy_rows, NULL, NULL, NULL));
  NBT_CHECK(nbt_same_file(out, nbt_path("single.bin")));
  /* without run ids, two jobs with other options derive other runs */
  const char *out2 = nbt_path("derived.bin");
  for (uint64_t k = 0; k < 3; k++) NBT_OK(shard(r, out2, k, 800, NULL));
  NBT_OK(shard(r, out2, 0, 1600, NULL));
  NBT_EXPECT(nb_shard_finish(out2, 3, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("2 runs");
  NBT_EXPECT(nb_shard_finish(out2, 3, "bad id!", NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_OK(nb_shard_abort(out2, 3, NULL));
  NBT_EXPECT(nb_shard_finish(out2, 3, NULL, NULL), NB_STATUS_SHARD_INCOMPLETE);
  /* a rerun of the same job is the same run: its pieces are replaced */
  for (uint64_t k = 0; k < 3; k++) NBT_OK(shard(r, out2, k, 800, NULL));
  NBT_OK(shard(r, out2, 1, 800, NULL));
  NBT_OK(nb_shard_finish(out2, 3, NULL, NULL));
  NBT_CHECK(nbt_same_file(out2, nbt_path("single.bin")));
  nb_reader_free(r);
}

/* Item 11: absurd thread counts are an ordinary error; the reader stays usable. */
static void absurd_thread_counts(void) {
  const char *in = nbt_write_fixture("threads.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  nb_apply_options ao;
  NBT_OK(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION));
  ao.n_threads = 4294967295u;
  NBT_EXPECT(nb_reader_apply(r, NULL, &ao, nbt_copy_rows, NULL, NULL, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("4294967295");
  int16_t row[N_CH];
  NBT_OK(nb_reader_read(r, 5, 6, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, row, sizeof row, NULL));
  NBT_CHECK(row[1] == (int16_t)nbt_value(NB_DTYPE_INT16, N_CH, 5, 1));
  nb_reader_free(r);
}

/* Item 12: freeing a reader inside its own apply callback. */
struct free_ctx {
  nb_reader *r;
  int batches;
};

static int free_own_reader(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  struct free_ctx *c = user;
  if (++c->batches == 2) nb_reader_free(c->r); /* deferred: the apply still runs on it */
  return nbt_copy_rows(b, prev, out, NULL);
}

static void free_in_callback(void) {
  const char *in = nbt_write_fixture("freed.bin", NB_DTYPE_INT16, N_CH, N_OBS, NB_DATA_ORDER_SAMPLES);
  struct free_ctx c = {nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES), 0};
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.max_memory = 400 * N_CH * 2;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(c.r, &bo, NULL, free_own_reader, &c, &res, NULL));
  NBT_CHECK(c.batches == 5 && nb_result_list_count(res) == 5);
  nb_result_list_free(res);
  /* freed once the apply returned: every later use is a bad handle */
  NBT_CHECK(nb_reader_n_channels(c.r) == 0);
  NBT_EXPECT(nb_reader_read(c.r, 0, 1, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, NULL, 0, NULL), NB_STATUS_BAD_HANDLE);
  NBT_ERROR_MENTIONS("freed");
  nb_reader_free(c.r); /* a double free is caught too: nothing happens */
}

/* Item 12: a cursor in use by a waiting call answers BUSY to another thread. */
struct waiter {
  nb_cursor *c;
  nb_status status;
};

static void *wait_for_batch(void *arg) {
  struct waiter *w = arg;
  const nb_batch *b = NULL;
  w->status = nb_cursor_next_wait(w->c, 1500, &b);
  return NULL;
}

static void busy_cursor(void) {
  const char *rec = nbt_write_fixture("busy.bin", NB_DTYPE_INT16, N_CH, 10, NB_DATA_ORDER_SAMPLES);
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  o.follow = true;
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(rec, &o, &r));
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.follow = true;
  bo.max_memory = 100 * N_CH * 2; /* 100 rows: not on disk, so the waiting call waits */
  struct waiter w = {NULL, 0};
  NBT_OK(nb_cursor_new(r, &bo, &w.c));
  pthread_t t;
  pthread_create(&t, NULL, wait_for_batch, &w);
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  const nb_batch *b = NULL;
  NBT_EXPECT(nb_cursor_next(w.c, &b), NB_STATUS_BUSY);
  NBT_ERROR_MENTIONS("in use");
  NBT_CHECK(nb_cursor_n_batches(w.c) == 0); /* a getter answers its default while busy */
  nb_cursor_free(w.c);                       /* deferred until the waiting call returns */
  NBT_OK(nb_reader_end_follow(r));
  pthread_join(t, NULL);
  NBT_CHECK(w.status == NB_STATUS_OK || w.status == NB_STATUS_DONE || w.status == NB_STATUS_NOT_YET);
  NBT_EXPECT(nb_cursor_next(w.c, &b), NB_STATUS_BAD_HANDLE);
  nb_reader_free(r);
}

/* Item 13: structs of older versions, as a program built against an older
 * header declares them, allocated at exactly their size (ASan and valgrind
 * catch any byte written past them). */
struct open_options_v1 {
  uint32_t version;
  nb_dtype dtype;
  size_t n_channels;
  nb_data_order data_order;
  nb_loader loader;
};

struct batch_options_v1 {
  uint32_t version;
  uint64_t max_memory, from_time, to_time;
  const size_t *channels;
  size_t n_channels;
  uint64_t buffer_size;
  nb_traversal traversal;
  bool force_complete_channel_batch;
  nb_layout layout;
};

struct batch_options_v2 {
  uint32_t version;
  uint64_t max_memory, from_time, to_time;
  const size_t *channels;
  size_t n_channels;
  uint64_t buffer_size;
  nb_traversal traversal;
  bool force_complete_channel_batch;
  nb_layout layout;
  nb_edge edge;
};

struct apply_options_v1 {
  uint32_t version;
  nb_apply_mode mode;
  const char *output_path;
  nb_if_file_exists if_file_exists;
  nb_dtype cast_dtype;
  nb_cleanup_fn cleanup;
  bool pass_batch_results;
  uint32_t n_threads;
  nb_progress_fn progress;
};

struct apply_options_v2 {
  uint32_t version;
  nb_apply_mode mode;
  const char *output_path;
  nb_if_file_exists if_file_exists;
  nb_dtype cast_dtype;
  nb_cleanup_fn cleanup;
  bool pass_batch_results;
  uint32_t n_threads;
  nb_progress_fn progress;
  uint64_t shard_index, shard_count;
  nb_shard_output shard_output;
};

static void old_struct_versions(void) {
  /* the mirrors match the layouts the library reads for each version */
  /* the v2 mirrors have the current layout's fields at the same places */
  NBT_CHECK(offsetof(struct batch_options_v2, edge) == offsetof(nb_batch_options, edge));
  NBT_CHECK(offsetof(struct apply_options_v2, shard_output) == offsetof(nb_apply_options, shard_output));
  NBT_CHECK(offsetof(nb_open_options, sampling_rate) <= sizeof(struct open_options_v1));
  NBT_CHECK(offsetof(nb_batch_options, edge) <= sizeof(struct batch_options_v1));
  NBT_CHECK(offsetof(nb_batch_options, microvolts) <= sizeof(struct batch_options_v2));
  NBT_CHECK(offsetof(nb_apply_options, shard_index) <= sizeof(struct apply_options_v1));
  NBT_CHECK(offsetof(nb_apply_options, shard_run_id) <= sizeof(struct apply_options_v2));
  struct open_options_v1 *o1 = malloc(sizeof *o1);
  NBT_OK(nb_open_options_init((nb_open_options *)o1, 1));
  NBT_CHECK(o1->version == 1 && o1->loader == NB_LOADER_PREAD && o1->n_channels == 0);
  o1->dtype = NB_DTYPE_INT16;
  o1->n_channels = N_CH;
  o1->data_order = NB_DATA_ORDER_SAMPLES;
  const char *in = nbt_write_fixture("v1.bin", NB_DTYPE_INT16, N_CH, 300, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(in, (nb_open_options *)o1, &r));
  struct batch_options_v1 *b1 = malloc(sizeof *b1);
  struct batch_options_v2 *b2 = malloc(sizeof *b2);
  NBT_OK(nb_batch_options_init((nb_batch_options *)b1, 1));
  NBT_OK(nb_batch_options_init((nb_batch_options *)b2, 2));
  NBT_CHECK(b1->max_memory == 1u << 30 && b2->edge == NB_EDGE_ZEROS);
  b1->max_memory = 100 * N_CH * 2;
  b2->max_memory = 100 * N_CH * 2;
  uint64_t n = 0;
  NBT_OK(nb_reader_plan(r, (nb_batch_options *)b1, &n, NULL));
  NBT_CHECK(n == 3);
  NBT_OK(nb_reader_plan(r, (nb_batch_options *)b2, &n, NULL));
  NBT_CHECK(n == 3);
  struct apply_options_v1 *a1 = malloc(sizeof *a1);
  struct apply_options_v2 *a2 = malloc(sizeof *a2);
  NBT_OK(nb_apply_options_init((nb_apply_options *)a1, 1));
  NBT_OK(nb_apply_options_init((nb_apply_options *)a2, 2));
  NBT_CHECK(a2->shard_count == 0);
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, (nb_batch_options *)b1, (nb_apply_options *)a1, nbt_first_row, NULL, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == 3);
  nb_result_list_free(res);
  NBT_OK(nb_reader_apply(r, (nb_batch_options *)b2, (nb_apply_options *)a2, nbt_first_row, NULL, NULL, NULL));
  free(o1);
  free(b1);
  free(b2);
  free(a1);
  free(a2);
  nb_reader_free(r);
}

/* Issue 19 item 2: result slots are checked like handles. */
static nb_result_slot *kept_slot = NULL;
static nb_cursor *some_cursor = NULL;
static nb_status wrong_slot_status = 0;

static int misuse_slots(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  kept_slot = out;
  int16_t v = 1;
  wrong_slot_status = nb_result_slot_set((nb_result_slot *)some_cursor, NB_DTYPE_INT16, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &v);
  return nb_result_slot_set(out, b->dtype, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, b->data);
}

static void result_slots_are_checked(void) {
  const char *in = nbt_write_fixture("slots.bin", NB_DTYPE_INT16, N_CH, 100, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  NBT_OK(nb_cursor_new(r, NULL, &some_cursor));
  NBT_OK(nb_reader_apply(r, NULL, NULL, misuse_slots, NULL, NULL, NULL));
  NBT_EXPECT(wrong_slot_status, NB_STATUS_BAD_HANDLE);
  /* the cursor was not overwritten */
  const nb_batch *b = NULL;
  NBT_OK(nb_cursor_next(some_cursor, &b));
  NBT_CHECK(b->n_rows == 100);
  /* a slot kept after its callback returned, and zeroed memory */
  int16_t v = 7;
  NBT_EXPECT(nb_result_slot_set(kept_slot, NB_DTYPE_INT16, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &v), NB_STATUS_BAD_HANDLE);
  NBT_ERROR_MENTIONS("callback has returned");
  void *lent = NULL;
  NBT_EXPECT(nb_result_slot_lend(kept_slot, NB_DTYPE_INT16, 1, 1, &lent), NB_STATUS_BAD_HANDLE);
  uint64_t zeros[16] = {0};
  NBT_EXPECT(nb_result_slot_set((nb_result_slot *)zeros, NB_DTYPE_INT16, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, &v), NB_STATUS_BAD_HANDLE);
  nb_cursor_free(some_cursor);
  nb_reader_free(r);
}

/* Issue 19 item 11: a failed lend is replaced by a later successful set. */
static int lend_fails_then_set(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  void *p = NULL;
  if (nb_result_slot_lend(out, 99, 1, 1, &p) != NB_STATUS_BAD_DTYPE) return -7;
  return nb_result_slot_set(out, b->dtype, 1, b->n_channels, NB_LAYOUT_SAMPLE_MAJOR, b->data);
}

/* Issue 14: in memory mode a callback may set no result (side effects only). */
static int every_other(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  int *seen = user;
  if ((*seen)++ % 2) return 0;
  return nb_result_slot_set(out, b->dtype, 1, 1, NB_LAYOUT_SAMPLE_MAJOR, b->data);
}

static void results_and_slots(void) {
  const char *in = nbt_write_fixture("slots2.bin", NB_DTYPE_INT16, N_CH, 1000, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  nb_batch_options bo;
  NBT_OK(nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION));
  bo.max_memory = 100 * N_CH * 2;
  nb_result_list *res = NULL;
  NBT_OK(nb_reader_apply(r, &bo, NULL, lend_fails_then_set, NULL, &res, NULL));
  NBT_CHECK(nb_result_list_count(res) == 10);
  nb_result_list_free(res);
  int seen = 0;
  NBT_OK(nb_reader_apply(r, &bo, NULL, every_other, &seen, &res, NULL));
  NBT_CHECK(seen == 10 && nb_result_list_count(res) == 5);
  nb_result_list_free(res);
  nb_apply_options ao = disk_to(nbt_path("every-other.bin"));
  seen = 0;
  NBT_EXPECT(nb_reader_apply(r, &bo, &ao, every_other, &seen, NULL, NULL), NB_STATUS_NO_RESULT);
  NBT_ERROR_MENTIONS("nb_result_slot_set");
  NBT_CHECK(!nbt_exists(nbt_path("every-other.bin")));
  nb_reader_free(r);
}

/* Issue 19 item 10: the writer checks its shape at open and append. */
static void writer_shapes(void) {
  nb_writer *w = NULL;
  NBT_EXPECT(nb_writer_open(nbt_path("w0.bin"), NB_DATA_ORDER_SAMPLES, 0, NB_DTYPE_INT16, &w), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("n_channels");
  NBT_CHECK(w == NULL);
  NBT_OK(nb_writer_open(nbt_path("w1.bin"), NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT16, &w));
  NBT_EXPECT(nb_writer_append(w, NB_DTYPE_INT16, 0, (size_t)1 << 25, NB_LAYOUT_SAMPLE_MAJOR, NULL), NB_STATUS_BAD_CHANNEL);
  nb_writer_free(w);
  NBT_CHECK(!nbt_exists(nbt_path("w1.bin")));
}

/* Issue 19 item 12: a truncated copy of the last error is valid UTF-8. */
static int valid_utf8(const unsigned char *s) {
  for (size_t i = 0; s[i];) {
    int n = s[i] < 0x80 ? 1 : (s[i] >> 5) == 6 ? 2 : (s[i] >> 4) == 14 ? 3 : (s[i] >> 3) == 30 ? 4 : 0;
    if (!n) return 0;
    for (int k = 1; k < n; k++)
      if ((s[i + k] & 0xC0) != 0x80) return 0;
    i += (size_t)n;
  }
  return 1;
}

static void last_error_copies_whole_characters(void) {
  nbt_write_text(nbt_path("odd.bin"), "12345"); /* 5 bytes: not 4 channels of int16 */
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = NULL;
  NBT_EXPECT(nb_reader_open(nbt_path("odd.bin"), &o, &r), NB_STATUS_BAD_FILE_SIZE);
  const char *msg = nb_last_error_message();
  const char *times = strstr(msg, "\xc3\x97"); /* U+00D7 MULTIPLICATION SIGN */
  NBT_CHECK(times != NULL);
  if (times) {
    char buf[512];
    size_t cut = (size_t)(times - msg) + 1; /* inside the two bytes of the sign */
    size_t full = nb_last_error_copy(buf, cut + 1);
    NBT_CHECK(full == strlen(msg));
    NBT_CHECK(strlen(buf) == cut - 1 && valid_utf8((const unsigned char *)buf));
  }
}

/* Clear errors: misleading cases of the issue, and the size check of sidecars. */
static void clear_errors(void) {
  const char *in = nbt_write_fixture("clear.bin", NB_DTYPE_INT16, N_CH, 100, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = NULL;
  nbt_write_text(nbt_path("clear.yaml"), "\xef\xbb\xbf" "dtype: int16\nn_channels: 4\ndata_order: samples\n");
  NBT_OK(nb_reader_open(in, NULL, &r)); /* a byte order mark is fine */
  nb_reader_free(r);
  nbt_write_text(nbt_path("clear.yaml"), "dtype: int16\nn_channels: 4\ndata_order: samples\ndata_format: wide\n");
  NBT_EXPECT(nb_reader_open(in, NULL, &r), NB_STATUS_SIDECAR_INVALID);
  NBT_ERROR_MENTIONS("disagree");
  remove(nbt_path("clear.yaml"));
  NBT_EXPECT(nb_reader_open(in, NULL, &r), NB_STATUS_SIDECAR_MISSING);
  NBT_ERROR_MENTIONS("dtype, n_channels and data_order were not given");
  NBT_ERROR_MENTIONS("n_channels: 385");
  /* channels and sizes in C terms */
  r = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  size_t bad_channel = 4;
  NBT_EXPECT(nb_reader_read(r, 0, 1, &bad_channel, 1, 0, NB_LAYOUT_SAMPLE_MAJOR, NULL, 0, NULL), NB_STATUS_BAD_CHANNEL);
  NBT_ERROR_MENTIONS("valid indices are 0 to 3");
  nb_reader_free(r);
  nb_open_options o = nbt_open_options(NB_DTYPE_INT16, 3, NB_DATA_ORDER_SAMPLES);
  NBT_EXPECT(nb_reader_open(in, &o, &r), NB_STATUS_BAD_FILE_SIZE);
  NBT_ERROR_MENTIONS("1, 2, 4, 5, 8, 10 channels would divide it");
  /* a sidecar written for another size: the pair does not belong together */
  nb_reader *src = nbt_open(in, NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
  nb_apply_options ao = disk_to(nbt_path("pair.bin"));
  NBT_OK(nb_reader_apply(src, NULL, &ao, nbt_copy_rows, NULL, NULL, NULL));
  nb_reader_free(src);
  FILE *f = fopen(nbt_path("pair.bin"), "ab");
  fwrite("\0\0\0\0\0\0\0\0", 1, 8, f); /* one more observation of 4 int16 channels */
  fclose(f);
  NBT_EXPECT(nb_reader_open(nbt_path("pair.bin"), NULL, &r), NB_STATUS_SIDECAR_INVALID);
  NBT_ERROR_MENTIONS("do not belong together");
}

int main(void) {
  session_files_are_protected();
  metadata_is_protected();
  bad_output_paths();
  pipeline_outputs_by_identity();
  shard_runs_never_mix();
  absurd_thread_counts();
  free_in_callback();
  busy_cursor();
  old_struct_versions();
  result_slots_are_checked();
  results_and_slots();
  writer_shapes();
  last_error_copies_whole_characters();
  clear_errors();
  return nbt_finish("test_safety");
}
