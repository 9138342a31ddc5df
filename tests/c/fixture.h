/* Test helpers shared by the C tests: fixture recordings whose value at
 * (observation s, channel c) is computed from both, and checks that print
 * where they failed. Header-only so each test is one translation unit. */
#ifndef NBT_FIXTURE_H
#define NBT_FIXTURE_H

#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "neurobatch.h"

/* Windows (MinGW, run under Wine by scripts/test-windows.sh): mkdtemp and
 * mkdir from the C runtime's _mktemp and _mkdir; temporary files under %TEMP%. */
#ifdef _WIN32
#include <direct.h>
#include <io.h>
static inline char *nbt_mkdtemp(char *tmpl) { return _mktemp(tmpl) && _mkdir(tmpl) == 0 ? tmpl : NULL; }
static inline int nbt_mkdir(const char *path) { return _mkdir(path); }
#define NBT_TEMP_VAR "TEMP"
#else
#include <sys/stat.h>
static inline char *nbt_mkdtemp(char *tmpl) { return mkdtemp(tmpl); }
static inline int nbt_mkdir(const char *path) { return mkdir(path, 0777); }
#define NBT_TEMP_VAR "TMPDIR"
#endif

static int nbt_failures = 0;

#define NBT_CHECK(cond)                                                          \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      nbt_failures++;                                                            \
    }                                                                            \
  } while (0)

/* Runs `call`, which must return `want`; prints the status and last error if not. */
#define NBT_EXPECT(call, want)                                                   \
  do {                                                                           \
    nb_status nbt_s_ = (call);                                                   \
    if (nbt_s_ != (want)) {                                                      \
      fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d: %s\n", __FILE__, \
              __LINE__, #call, (int)nbt_s_, nb_status_str(nbt_s_), (int)(want),  \
              nb_last_error_message());                                          \
      nbt_failures++;                                                            \
    }                                                                            \
  } while (0)

#define NBT_OK(call) NBT_EXPECT(call, NB_STATUS_OK)

/* The last error must mention `part`. */
#define NBT_ERROR_MENTIONS(part)                                                 \
  do {                                                                           \
    if (!strstr(nb_last_error_message(), (part))) {                              \
      fprintf(stderr, "%s:%d: last error \"%s\" does not mention \"%s\"\n",      \
              __FILE__, __LINE__, nb_last_error_message(), (part));              \
      nbt_failures++;                                                            \
    }                                                                            \
  } while (0)

static inline int nbt_finish(const char *name) {
  printf("%s: %s (%d failed checks)\n", name, nbt_failures ? "FAILED" : "ok", nbt_failures);
  return nbt_failures ? 1 : 0;
}

static char nbt_dir[256];

static inline int nbt_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  return remove(path);
}

static inline void nbt_cleanup(void) {
  if (nbt_dir[0]) nftw(nbt_dir, nbt_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh temporary directory, removed at exit. */
static inline const char *nbt_tempdir(void) {
  if (!nbt_dir[0]) {
    const char *base = getenv(NBT_TEMP_VAR);
    snprintf(nbt_dir, sizeof nbt_dir, "%s/nbtest-XXXXXX", base ? base : "/tmp");
    if (!nbt_mkdtemp(nbt_dir)) { perror("mkdtemp"); exit(2); }
    atexit(nbt_cleanup);
  }
  return nbt_dir;
}

/* `name` inside the test directory. Each call returns a new string that
 * stays valid until exit (a test makes a few hundred at most). */
static inline char *nbt_path(const char *name) {
  static char buf[512][512];
  static int next = 0;
  if (next == 512) { fprintf(stderr, "nbt_path: too many paths\n"); exit(2); }
  char *p = buf[next++];
  snprintf(p, 512, "%s/%s", nbt_tempdir(), name);
  return p;
}

/* Creates `path` and its missing parents (mkdir -p); exits on failure. */
static inline void nbt_mkdirs(const char *path) {
  char p[1024];
  snprintf(p, sizeof p, "%s", path);
  for (char *c = p + 1; *c; c++) {
    if (*c != '/' && *c != '\\') continue;
    char sep = *c;
    *c = 0;
    nbt_mkdir(p);
    *c = sep;
  }
  if (nbt_mkdir(p) != 0 && access(p, F_OK) != 0) { perror(path); exit(2); }
}

/* The fixture value at (s, c): representable in every dtype. */
static inline int64_t nbt_value(nb_dtype dtype, size_t n_ch, uint64_t s, size_t c) {
  uint64_t m = nb_dtype_size(dtype) == 1 ? 101 : 32749;
  return (int64_t)((s * n_ch + c) % m);
}

static inline void nbt_put(nb_dtype d, void *dst, size_t i, int64_t v) {
  switch (d) {
    case NB_DTYPE_INT8: ((int8_t *)dst)[i] = (int8_t)v; break;
    case NB_DTYPE_UINT8: ((uint8_t *)dst)[i] = (uint8_t)v; break;
    case NB_DTYPE_INT16: ((int16_t *)dst)[i] = (int16_t)v; break;
    case NB_DTYPE_UINT16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
    case NB_DTYPE_INT32: ((int32_t *)dst)[i] = (int32_t)v; break;
    case NB_DTYPE_UINT32: ((uint32_t *)dst)[i] = (uint32_t)v; break;
    case NB_DTYPE_INT64: ((int64_t *)dst)[i] = v; break;
    case NB_DTYPE_UINT64: ((uint64_t *)dst)[i] = (uint64_t)v; break;
    case NB_DTYPE_FLOAT32: ((float *)dst)[i] = (float)v; break;
    case NB_DTYPE_FLOAT64: ((double *)dst)[i] = (double)v; break;
    default: abort();
  }
}

static inline int64_t nbt_get(nb_dtype d, const void *src, size_t i) {
  switch (d) {
    case NB_DTYPE_INT8: return ((const int8_t *)src)[i];
    case NB_DTYPE_UINT8: return ((const uint8_t *)src)[i];
    case NB_DTYPE_INT16: return ((const int16_t *)src)[i];
    case NB_DTYPE_UINT16: return ((const uint16_t *)src)[i];
    case NB_DTYPE_INT32: return ((const int32_t *)src)[i];
    case NB_DTYPE_UINT32: return ((const uint32_t *)src)[i];
    case NB_DTYPE_INT64: return ((const int64_t *)src)[i];
    case NB_DTYPE_UINT64: return (int64_t)((const uint64_t *)src)[i];
    case NB_DTYPE_FLOAT32: return (int64_t)((const float *)src)[i];
    case NB_DTYPE_FLOAT64: return (int64_t)((const double *)src)[i];
    default: abort();
  }
}

/* Writes an n_obs x n_ch fixture in `order` and returns its path. */
static inline const char *nbt_write_fixture(const char *name, nb_dtype dtype, size_t n_ch, uint64_t n_obs, nb_data_order order) {
  const char *path = nbt_path(name);
  size_t isz = nb_dtype_size(dtype);
  void *buf = malloc(n_ch * n_obs * isz + 1);
  for (uint64_t s = 0; s < n_obs; s++)
    for (size_t c = 0; c < n_ch; c++)
      nbt_put(dtype, buf, order == NB_DATA_ORDER_SAMPLES ? s * n_ch + c : c * n_obs + s, nbt_value(dtype, n_ch, s, c));
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, isz, n_ch * n_obs, f) != n_ch * n_obs || fclose(f)) { perror(path); exit(2); }
  free(buf);
  return path;
}

/* Writes `text` byte for byte ("wb": Windows' text mode would write \r\n). */
static inline void nbt_write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f || fputs(text, f) < 0 || fclose(f)) { perror(path); exit(2); }
}

/* Checks a block: block row r is observation first + r - buffer, zero outside
 * [0, n_obs); column j is file channel channels[j]. Returns mismatches. */
static inline int nbt_check_block(nb_dtype dtype, size_t n_ch, uint64_t n_obs, const void *data, nb_layout layout,
                           size_t n_rows, const size_t *channels, size_t n_sel, uint64_t first, uint64_t buffer) {
  int bad = 0;
  for (size_t r = 0; r < n_rows; r++) {
    int64_t s = (int64_t)first + (int64_t)r - (int64_t)buffer;
    for (size_t j = 0; j < n_sel; j++) {
      int64_t want = (s < 0 || s >= (int64_t)n_obs) ? 0 : nbt_value(dtype, n_ch, (uint64_t)s, channels[j]);
      size_t i = layout == NB_LAYOUT_SAMPLE_MAJOR ? r * n_sel + j : j * n_rows + r;
      int64_t got = nbt_get(dtype, data, i);
      if (got != want) {
        if (bad < 5)
          fprintf(stderr, "  block row %zu (obs %lld) column %zu (channel %zu): got %lld, want %lld\n", r,
                  (long long)s, j, channels[j], (long long)got, (long long)want);
        bad++;
      }
    }
  }
  if (bad) nbt_failures++;
  return bad;
}

/* The whole file at `path` (malloc'd; caller frees), its size in *len; NULL if absent. */
static inline unsigned char *nbt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  buf[got] = 0;
  *len = got;
  return buf;
}

static inline int nbt_exists(const char *path) { return access(path, F_OK) == 0; }

/* Whether two paths are equal, a path built by the library using the
 * platform's separator ('\\' on Windows, where '/' is one too). */
static inline int nbt_same_path(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
#ifdef _WIN32
    if ((*a == '/' || *a == '\\') && (*b == '/' || *b == '\\')) continue;
#endif
    if (*a != *b) return 0;
  }
  return *a == *b;
}

/* Number of entries in the test directory (temporary files included). */
static inline int nbt_count_entries(void) {
  int n = 0;
  DIR *d = opendir(nbt_tempdir());
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

/* The file's text must equal `want`. */
#define NBT_FILE_TEXT(path, want)                                                  \
  do {                                                                             \
    size_t nbt_n_;                                                                 \
    unsigned char *nbt_t_ = nbt_read_file((path), &nbt_n_);                        \
    if (!nbt_t_ || strcmp((const char *)nbt_t_, (want))) {                         \
      fprintf(stderr, "%s:%d: %s holds \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
              (path), nbt_t_ ? (const char *)nbt_t_ : "(missing)", (want));        \
      nbt_failures++;                                                              \
    }                                                                              \
    free(nbt_t_);                                                                  \
  } while (0)

/* Open options with explicit parameters (the rest as nb_open_options_init sets them). */
static inline nb_open_options nbt_open_options(nb_dtype dtype, size_t n_ch, nb_data_order order) {
  nb_open_options o;
  NBT_OK(nb_open_options_init(&o, NB_OPEN_OPTIONS_VERSION));
  o.dtype = dtype;
  o.n_channels = n_ch;
  o.data_order = order;
  return o;
}

/* Whether two files hold the same bytes (both must exist). */
static inline int nbt_same_file(const char *a, const char *b) {
  size_t la = 0, lb = 0;
  unsigned char *x = nbt_read_file(a, &la), *y = nbt_read_file(b, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  return same;
}

/* Opens `path` with explicit parameters and a loader. */
static inline nb_reader *nbt_open_with(const char *path, nb_dtype dtype, size_t n_ch, nb_data_order order, nb_loader loader) {
  nb_open_options o = nbt_open_options(dtype, n_ch, order);
  nb_reader *r = NULL;
  o.loader = loader;
  NBT_OK(nb_reader_open(path, &o, &r));
  if (!r) exit(nbt_finish("open"));
  return r;
}

/* An apply function whose result is the whole block, as it is. */
static inline int nbt_copy_rows(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  return nb_result_slot_set(out, b->dtype, b->n_rows, b->n_channels, b->layout, b->data);
}

/* An apply function whose result is the block's first row only. */
static inline int nbt_first_row(const nb_batch *b, const nb_result_view *prev, nb_result_slot *out, void *user) {
  (void)prev;
  (void)user;
  if (b->layout != NB_LAYOUT_SAMPLE_MAJOR) return -1;
  return nb_result_slot_set(out, b->dtype, 1, b->n_channels, NB_LAYOUT_SAMPLE_MAJOR, b->data);
}

/* Opens `path` with explicit parameters and the default loader. */
static inline nb_reader *nbt_open(const char *path, nb_dtype dtype, size_t n_ch, nb_data_order order) {
  return nbt_open_with(path, dtype, n_ch, order, NB_LOADER_PREAD);
}

#endif
