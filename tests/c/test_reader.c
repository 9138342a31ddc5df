/* Reader: every order, both loaders and several dtypes against the fixture
 * formula, both layouts, buffers at both edges, channel lists; sidecars in block and flow
 * style; and every open/read error docs/yass.md describes (files, sidecars, max_memory, planning, indexing). */
#include "fixture.h"

static void reads_match_the_formula(void) {
  const nb_dtype dtypes[] = {NB_DTYPE_INT16, NB_DTYPE_UINT8, NB_DTYPE_INT32, NB_DTYPE_FLOAT32, NB_DTYPE_FLOAT64, NB_DTYPE_UINT64};
  const nb_data_order orders[] = {NB_DATA_ORDER_SAMPLES, NB_DATA_ORDER_CHANNELS};
  const size_t n_ch = 9;
  const uint64_t n_obs = 211;
  for (size_t d = 0; d < sizeof dtypes / sizeof *dtypes; d++) {
    for (size_t o = 0; o < 2; o++) {
      char name[64];
      snprintf(name, sizeof name, "r-%s-%d.bin", nb_dtype_name(dtypes[d]), (int)orders[o]);
      const char *path = nbt_write_fixture(name, dtypes[d], n_ch, n_obs, orders[o]);
      for (nb_loader loader = NB_LOADER_PREAD; loader <= NB_LOADER_MMAP; loader++) {
      nb_reader *r = nbt_open_with(path, dtypes[d], n_ch, orders[o], loader);
      NBT_CHECK(nb_reader_n_observations(r) == n_obs);
      NBT_CHECK(nb_reader_n_channels(r) == n_ch);
      NBT_CHECK(nb_reader_dtype(r) == dtypes[d]);
      NBT_CHECK(nb_reader_data_order(r) == orders[o]);
      const size_t list[] = {8, 0, 4, 4};
      struct { uint64_t from, to, buffer; const size_t *ch; size_t n; } cases[] = {
          {0, n_obs, 0, NULL, 0},    /* everything */
          {0, 10, 5, list, 4},       /* zero rows at the start */
          {200, n_obs, 7, list, 4},  /* zero rows at the end */
          {50, 150, 3, list + 2, 1}, /* one channel, buffer from the file */
          {30, 30, 2, list, 2},      /* empty range: only buffer rows */
      };
      for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        for (nb_layout layout = NB_LAYOUT_SAMPLE_MAJOR; layout <= NB_LAYOUT_CHANNEL_MAJOR; layout++) {
          size_t need = 0;
          NBT_EXPECT(nb_reader_read(r, cases[k].from, cases[k].to, cases[k].ch, cases[k].n, cases[k].buffer, layout, NULL, 0, &need),
                     NB_STATUS_BUFFER_TOO_SMALL);
          size_t n_sel = cases[k].ch ? cases[k].n : n_ch;
          size_t rows = (size_t)(cases[k].to - cases[k].from + 2 * cases[k].buffer);
          NBT_CHECK(need == rows * n_sel * nb_dtype_size(dtypes[d]));
          void *buf = malloc(need + 1);
          memset(buf, 0x5A, need);
          NBT_OK(nb_reader_read(r, cases[k].from, cases[k].to, cases[k].ch, cases[k].n, cases[k].buffer, layout, buf, need, NULL));
          size_t all[9];
          for (size_t i = 0; i < n_ch; i++) all[i] = i;
          nbt_check_block(dtypes[d], n_ch, n_obs, buf, layout, rows, cases[k].ch ? cases[k].ch : all, n_sel, cases[k].from, cases[k].buffer);
          free(buf);
        }
      }
      nb_reader_free(r);
      }
    }
  }
}

static void sidecars_block_and_flow_style(void) {
  const char *a = nbt_write_fixture("side-a.bin", NB_DTYPE_INT16, 10, 50, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("side-a.yaml"), "dtype: int16\nn_channels: 10\ndata_order: samples\n");
  const char *b = nbt_write_fixture("side-b.dat", NB_DTYPE_FLOAT32, 4, 30, NB_DATA_ORDER_CHANNELS);
  nbt_write_text(nbt_path("side-b.yaml"), "{data_order: channels, dtype: float32, n_channels: 4}\n");
  const char *c = nbt_write_fixture("side-c", NB_DTYPE_UINT16, 3, 20, NB_DATA_ORDER_CHANNELS);
  nbt_write_text(nbt_path("side-c.yaml"), "{data_format: wide, dtype: uint16, n_channels: 3}\n");
  nb_reader *r = NULL;
  NBT_OK(nb_reader_open(a, NULL, &r));
  NBT_CHECK(nb_reader_n_observations(r) == 50 && nb_reader_dtype(r) == NB_DTYPE_INT16 && nb_reader_data_order(r) == NB_DATA_ORDER_SAMPLES);
  nb_reader_free(r);
  r = NULL;
  NBT_OK(nb_reader_open(b, NULL, &r));
  NBT_CHECK(nb_reader_n_observations(r) == 30 && nb_reader_dtype(r) == NB_DTYPE_FLOAT32 && nb_reader_data_order(r) == NB_DATA_ORDER_CHANNELS);
  float v[4];
  NBT_OK(nb_reader_read(r, 7, 8, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, v, sizeof v, NULL));
  NBT_CHECK(v[3] == (float)nbt_value(NB_DTYPE_FLOAT32, 4, 7, 3));
  nb_reader_free(r);
  r = NULL;
  NBT_OK(nb_reader_open(c, NULL, &r));
  NBT_CHECK(nb_reader_n_channels(r) == 3 && nb_reader_data_order(r) == NB_DATA_ORDER_CHANNELS);
  nb_reader_free(r);
  /* explicit values win over the sidecar */
  nb_open_options o;
  nb_open_options_init(&o, NB_OPEN_OPTIONS_VERSION);
  o.n_channels = 5;
  r = NULL;
  NBT_OK(nb_reader_open(a, &o, &r));
  NBT_CHECK(nb_reader_n_channels(r) == 5 && nb_reader_n_observations(r) == 100);
  nb_reader_free(r);
}

static void open_errors(void) {
  nb_reader *r = NULL;
  nb_open_options o;
  nb_open_options_init(&o, NB_OPEN_OPTIONS_VERSION);
  o.dtype = NB_DTYPE_INT16;
  o.n_channels = 10;
  o.data_order = NB_DATA_ORDER_SAMPLES;
  /* 146 bytes: not a multiple of 10 x 2 */
  const char *odd = nbt_path("odd.bin");
  FILE *f = fopen(odd, "wb");
  char zeros[146] = {0};
  fwrite(zeros, 1, sizeof zeros, f);
  fclose(f);
  NBT_EXPECT(nb_reader_open(odd, &o, &r), NB_STATUS_BAD_FILE_SIZE);
  NBT_ERROR_MENTIONS("146");
  NBT_ERROR_MENTIONS("int16");
  NBT_ERROR_MENTIONS("10");
  NBT_ERROR_MENTIONS("remainder 6");
  NBT_CHECK(r == NULL);
  /* missing sidecar names the file it looked for */
  NBT_EXPECT(nb_reader_open(odd, NULL, &r), NB_STATUS_SIDECAR_MISSING);
  NBT_ERROR_MENTIONS("odd.yaml");
  /* missing data file */
  NBT_EXPECT(nb_reader_open(nbt_path("nope.bin"), &o, &r), NB_STATUS_IO);
  NBT_ERROR_MENTIONS("nope.bin");
  /* bad dtype string and value */
  nb_dtype d = -7;
  NBT_EXPECT(nb_dtype_from_name("int12", &d), NB_STATUS_BAD_DTYPE);
  NBT_ERROR_MENTIONS("'int12'");
  NBT_CHECK(d == -7);
  o.dtype = 42;
  NBT_EXPECT(nb_reader_open(odd, &o, &r), NB_STATUS_BAD_DTYPE);
  NBT_ERROR_MENTIONS("42");
  o.dtype = NB_DTYPE_INT16;
  /* a sidecar naming a bad dtype */
  const char *s = nbt_write_fixture("badside.bin", NB_DTYPE_INT16, 2, 4, NB_DATA_ORDER_SAMPLES);
  nbt_write_text(nbt_path("badside.yaml"), "dtype: int17\nn_channels: 2\ndata_order: samples\n");
  NBT_EXPECT(nb_reader_open(s, NULL, &r), NB_STATUS_SIDECAR_INVALID);
  NBT_ERROR_MENTIONS("int17");
  /* data orders and their aliases */
  nb_data_order order = 0;
  NBT_OK(nb_data_order_from_name("long", &order));
  NBT_CHECK(order == NB_DATA_ORDER_SAMPLES);
  NBT_OK(nb_data_order_from_name("wide", &order));
  NBT_CHECK(order == NB_DATA_ORDER_CHANNELS);
  NBT_EXPECT(nb_data_order_from_name("rows", &order), NB_STATUS_BAD_DATA_ORDER);
  NBT_ERROR_MENTIONS("'rows'");
  /* NULL arguments */
  NBT_EXPECT(nb_reader_open(NULL, &o, &r), NB_STATUS_NULL_ARGUMENT);
  NBT_EXPECT(nb_reader_open(odd, &o, NULL), NB_STATUS_NULL_ARGUMENT);
  o.loader = 5;
  NBT_EXPECT(nb_reader_open(odd, &o, &r), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("loader = 5");
  o.loader = NB_LOADER_PREAD;
  NBT_EXPECT(nb_open_options_init(NULL, NB_OPEN_OPTIONS_VERSION), NB_STATUS_NULL_ARGUMENT);
  NBT_EXPECT(nb_open_options_init(&o, 0), NB_STATUS_BAD_VERSION);
  NBT_CHECK(r == NULL);
}

static void read_errors(void) {
  const char *p = nbt_write_fixture("re.bin", NB_DTYPE_INT16, 4, 100, NB_DATA_ORDER_SAMPLES);
  nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 4, NB_DATA_ORDER_SAMPLES);
  int16_t buf[1024];
  const size_t bad_ch[] = {1, 4};
  NBT_EXPECT(nb_reader_read(r, 5, 101, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_BAD_RANGE);
  NBT_ERROR_MENTIONS("[5, 101)");
  NBT_EXPECT(nb_reader_read(r, 9, 8, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_BAD_RANGE);
  NBT_EXPECT(nb_reader_read(r, 0, 8, bad_ch, 2, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_BAD_CHANNEL);
  NBT_ERROR_MENTIONS("channel 4");
  NBT_EXPECT(nb_reader_read(r, 0, 8, bad_ch, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_BAD_CHANNEL);
  NBT_ERROR_MENTIONS("empty");
  NBT_EXPECT(nb_reader_read(r, 0, 8, NULL, 3, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_NULL_ARGUMENT);
  NBT_EXPECT(nb_reader_read(r, 0, 8, NULL, 0, 0, 7, buf, sizeof buf, NULL), NB_STATUS_INVALID_ARGUMENT);
  NBT_ERROR_MENTIONS("layout = 7");
  NBT_EXPECT(nb_reader_read(NULL, 0, 8, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, buf, sizeof buf, NULL), NB_STATUS_NULL_ARGUMENT);
  NBT_EXPECT(nb_reader_read(r, 0, 8, NULL, 0, 0, NB_LAYOUT_SAMPLE_MAJOR, NULL, 64, NULL), NB_STATUS_NULL_ARGUMENT);
  nb_reader_free(r);
}

static void memory_strings(void) {
  struct { const char *s; uint64_t v; } good[] = {{"1GB", 1073741824ULL}, {"300MB", 314572800ULL}, {"100KB", 102400}, {"160B", 160}, {"160", 160}, {"2G", 2147483648ULL}};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    uint64_t v = 0;
    NBT_OK(nb_max_memory_parse(good[i].s, &v));
    NBT_CHECK(v == good[i].v);
  }
  const char *bad[] = {"1.5GB", "1kB", "1TB", "", "-5", "+5", "99999999999999999999", "1 GB"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    uint64_t v = 77;
    NBT_EXPECT(nb_max_memory_parse(bad[i], &v), NB_STATUS_BAD_MEMORY);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
    NBT_ERROR_MENTIONS(quoted);
    NBT_CHECK(v == 77);
  }
}

#ifdef _WIN32
#include <windows.h>
/* Windows has no descriptors to count: whether `path` is open anywhere, as
 * 0 or 1 (a file nobody has open opens without sharing; Wine reports no
 * handle counts). */
static int count_open(const char *path) {
  HANDLE h = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return GetLastError() == ERROR_SHARING_VIOLATION;
  CloseHandle(h);
  return 0;
}
#else
/* The process's open descriptors. */
static int count_open(const char *path) {
  (void)path;
  int n = 0;
  for (int fd = 0; fd < 1024; fd++)
    if (fcntl(fd, F_GETFD) != -1) n++;
  return n;
}
#endif

static void closing_closes_the_file(void) {
  const char *p = nbt_write_fixture("close.bin", NB_DTYPE_INT16, 2, 10, NB_DATA_ORDER_SAMPLES);
  int before = count_open(p);
  nb_reader *r = nbt_open(p, NB_DTYPE_INT16, 2, NB_DATA_ORDER_SAMPLES);
  NBT_CHECK(count_open(p) == before + 1);
  nb_cursor *c = NULL;
  NBT_OK(nb_cursor_new(r, NULL, &c));
  nb_reader_free(r);
  NBT_CHECK(count_open(p) == before + 1); /* the cursor keeps it open */
  nb_cursor_free(c);
  NBT_CHECK(count_open(p) == before);
}

int main(void) {
  reads_match_the_formula();
  sidecars_block_and_flow_style();
  open_errors();
  read_errors();
  memory_strings();
  closing_closes_the_file();
  return nbt_finish("test_reader");
}
