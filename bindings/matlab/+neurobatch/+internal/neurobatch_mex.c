/* neurobatch_mex: the one MEX gateway of the +neurobatch package.
 *
 *   out = neurobatch_mex(command, args...)
 *
 * Handles live in a registry of integer ids (never raw pointers given to
 * MATLAB): a wrong kind or an unknown id is an error, not a crash. The
 * registry locks the MEX file while it holds handles, and frees every
 * remaining handle at exit (clear mex / clear all / quit).
 *
 * MATLAB function handles never run under a Rust frame: the package runs user
 * functions in its own M-code loop over a cursor and writes results through
 * a writer handle; a convert (reader_convert) calls nb_reader_apply without
 * a function, so only C runs under it. Errors are raised with
 * mexErrMsgIdAndTxt only after every C call returned, with ids like
 * neurobatch:reader:badSize.
 *
 * Every mxArray is checked before its data is touched: numeric data must be
 * full (not sparse), real, two-dimensional where a matrix is expected, and of
 * a supported class; text must be a character row vector without NUL
 * characters; a cell array of paths must be a vector. The M-code validates
 * user options first and names them; these checks are the gateway's own
 * guard, for any caller. Memory from mxMalloc (strings, channel lists) is
 * freed by MATLAB/Octave when an error leaves the MEX function.
 *
 * Built with the R2018a interleaved-complex API (mkoctfile --mex
 * -DMX_HAS_INTERLEAVED_COMPLEX=1, or mex -R2018a). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mex.h"
#include "neurobatch.h"

enum kind { K_READER = 1, K_CURSOR, K_WRITER };
static const char *kind_name[] = {"", "reader", "cursor", "writer"};

typedef struct { double id; int kind; void *ptr; } entry;
static entry *table = NULL;
static size_t n_entries = 0, cap_entries = 0;
static double next_id = 1;

static void free_entry(entry *e) {
  switch (e->kind) {
    case K_READER: nb_reader_free(e->ptr); break;
    case K_CURSOR: nb_cursor_free(e->ptr); break;
    case K_WRITER: nb_writer_free(e->ptr); break; /* unfinished: no output is left */
  }
}

/* A result list whose contents are becoming mxArrays. An mxCreate* that runs
 * out of memory leaves the MEX call without returning (MATLAB jumps out, Octave
 * throws), so the list is held here rather than in a local, and the next call
 * (or exit) frees it: it is never leaked. */
static nb_result_list *held_results = NULL;

static void release_results(void) {
  nb_result_list_free(held_results);
  held_results = NULL;
}

static nb_result_list *hold_results(nb_result_list *res) {
  release_results();
  return held_results = res;
}

static void free_all(void) {
  release_results();
  for (size_t i = 0; i < n_entries; i++) free_entry(&table[i]);
  if (n_entries) mexUnlock();
  n_entries = 0;
  free(table);
  table = NULL;
  cap_entries = 0;
}

static double add_entry(int kind, void *ptr) {
  if (n_entries == cap_entries) {
    size_t cap = cap_entries ? 2 * cap_entries : 16;
    entry *t = realloc(table, cap * sizeof *t);
    if (!t) {
      free_entry(&(entry){0, kind, ptr});
      mexErrMsgIdAndTxt("neurobatch:handle:noMemory", "out of memory for the handle registry");
    }
    table = t;
    cap_entries = cap;
  }
  if (n_entries == 0) mexLock();
  table[n_entries] = (entry){next_id++, kind, ptr};
  return table[n_entries++].id;
}

/* ---------------------------------------------------------------- errors */

static const char *mnemonic(nb_status s) {
  switch (s) {
    case NB_STATUS_NULL_ARGUMENT: return "nullArgument";
    case NB_STATUS_INVALID_ARGUMENT: return "badArgument";
    case NB_STATUS_IO: return "io";
    case NB_STATUS_BAD_FILE_SIZE: return "badSize";
    case NB_STATUS_BAD_DTYPE: return "badDtype";
    case NB_STATUS_BAD_DATA_ORDER: return "badDataOrder";
    case NB_STATUS_BAD_MEMORY: return "badMemory";
    case NB_STATUS_MEMORY_TOO_SMALL: return "memoryTooSmall";
    case NB_STATUS_BAD_RANGE: return "badRange";
    case NB_STATUS_BAD_CHANNEL: return "badChannel";
    case NB_STATUS_SIDECAR_MISSING: return "sidecarMissing";
    case NB_STATUS_SIDECAR_INVALID: return "sidecarInvalid";
    case NB_STATUS_BUFFER_TOO_SMALL: return "bufferTooSmall";
    case NB_STATUS_BAD_VERSION: return "badVersion";
    case NB_STATUS_CALLBACK_FAILED: return "callbackFailed";
    case NB_STATUS_CANCELLED: return "cancelled";
    case NB_STATUS_FILE_EXISTS: return "fileExists";
    case NB_STATUS_RESULT_MISMATCH: return "resultMismatch";
    case NB_STATUS_BAD_OUTPUT_PATH: return "badOutputPath";
    case NB_STATUS_NO_RESULT: return "noResult";
    case NB_STATUS_BAD_HANDLE: return "badHandle";
    case NB_STATUS_INPUT_CHANGED: return "inputChanged";
    case NB_STATUS_SHARD_INCOMPLETE: return "shardIncomplete";
    case NB_STATUS_METADATA_INVALID: return "metadataInvalid";
    case NB_STATUS_NO_METADATA: return "noMetadata";
    case NB_STATUS_PANIC: return "panic";
    case NB_STATUS_POISONED: return "poisoned";
    default: return "failed";
  }
}

/* Raises the library's last error as neurobatch:<area>:<mnemonic>. The
 * message is copied first; nothing after mexErrMsgIdAndTxt runs. */
static void check(nb_status s, const char *area) {
  if (s >= 0) return;
  char msg[2048], id[128];
  nb_last_error_copy(msg, sizeof msg);
  snprintf(id, sizeof id, "neurobatch:%s:%s", area, mnemonic(s));
  mexErrMsgIdAndTxt(id, "%s", msg);
}

static void arg_error(const char *what) { mexErrMsgIdAndTxt("neurobatch:arg:badType", "%s", what); }

/* ---------------------------------------------------------------- arguments */

/* What an argument is, in a user's words: "a 6000x6000 sparse double",
 * "a 1x2 complex double", "a 2x5 char array", "a 1x2 cell array". */
static void describe(const mxArray *a, char *buf, size_t len) {
  const mwSize *d = mxGetDimensions(a);
  char dims[64] = "";
  size_t nd = mxGetNumberOfDimensions(a), used = 0;
  for (size_t k = 0; k < nd && used + 24 < sizeof dims; k++)
    used += (size_t)snprintf(dims + used, sizeof dims - used, k ? "x%zu" : "%zu", (size_t)d[k]);
  snprintf(buf, len, "a %s %s%s%s%s", dims, mxIsSparse(a) ? "sparse " : "", mxIsNumeric(a) && mxIsComplex(a) ? "complex " : "",
           mxGetClassName(a), mxIsChar(a) || mxIsCell(a) || mxIsStruct(a) ? " array" : "");
}

/* A real, full (not sparse) numeric array: the only kind whose data the
 * gateway reads as a plain buffer of its class. */
static int plain_numeric(const mxArray *a) { return mxIsNumeric(a) && !mxIsSparse(a) && !mxIsComplex(a); }

/* A row of text (or an empty char), without NUL. */
static int char_row(const mxArray *a) {
  if (!mxIsChar(a) || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) > 1) || (mxGetM(a) == 0 && mxGetN(a) > 0)) return 0;
  return 1;
}

static void *lookup(const mxArray *a, int kind) {
  if (!mxIsDouble(a) || !plain_numeric(a) || mxGetNumberOfElements(a) != 1) arg_error("a handle id must be a real double scalar");
  double id = mxGetScalar(a);
  for (size_t i = 0; i < n_entries; i++)
    if (table[i].id == id) {
      if (table[i].kind != kind)
        mexErrMsgIdAndTxt("neurobatch:handle:wrongKind", "handle %g is a %s, not a %s", id, kind_name[table[i].kind], kind_name[kind]);
      return table[i].ptr;
    }
  mexErrMsgIdAndTxt("neurobatch:handle:invalid", "handle %g is not open (closed, or never opened)", id);
  return NULL;
}

/* A char row vector as a NUL-terminated UTF-8 string, allocated with
 * mxMalloc. A 2-row char matrix would be read column-major (garbled) and a
 * NUL would silently cut the text, so both are errors. */
static char *text(const mxArray *a, const char *what) {
  char m[512], d[96];
  if (!char_row(a)) {
    describe(a, d, sizeof d);
    snprintf(m, sizeof m, "%s must be a character vector (one row of text), got %s", what, d);
    arg_error(m);
  }
  const mxChar *c = mxGetChars(a);
  size_t n = mxGetNumberOfElements(a);
  for (size_t k = 0; k < n; k++)
    if (c[k] == 0) {
      snprintf(m, sizeof m, "%s contains a NUL character at position %zu; text passed to the library cannot contain NUL", what, k + 1);
      arg_error(m);
    }
#ifdef HAVE_OCTAVE
  char *s = mxArrayToString(a); /* Octave's char arrays hold UTF-8 bytes */
#else
  char *s = mxArrayToUTF8String(a);
#endif
  if (!s) {
    snprintf(m, sizeof m, "%s could not be converted to UTF-8 text", what);
    arg_error(m);
  }
  return s;
}

static double number(const mxArray *a, const char *what) {
  if (!plain_numeric(a) || mxGetNumberOfElements(a) != 1) {
    char m[256], d[96];
    describe(a, d, sizeof d);
    snprintf(m, sizeof m, "%s must be a real numeric scalar, got %s", what, d);
    arg_error(m);
  }
  return mxGetScalar(a);
}

/* true/false: a logical scalar, or a real numeric 0 or 1. */
static bool flag(const mxArray *a, const char *what) {
  if (mxIsLogical(a) && mxGetNumberOfElements(a) == 1) return mxIsLogicalScalarTrue(a);
  double v = plain_numeric(a) && mxGetNumberOfElements(a) == 1 ? mxGetScalar(a) : -1;
  if (v != 0 && v != 1) {
    char m[256];
    snprintf(m, sizeof m, "%s must be true or false", what);
    arg_error(m);
  }
  return v == 1;
}

/* A non-negative whole number that fits uint64. */
static uint64_t count(const mxArray *a, const char *what) {
  if (mxIsUint64(a) && !mxIsComplex(a) && mxGetNumberOfElements(a) == 1) return *mxGetUint64s(a);
  double v = number(a, what);
  if (!(v >= 0) || v >= 18446744073709551616.0 || v != (double)(uint64_t)v) {
    char m[256];
    snprintf(m, sizeof m, "%s must be a non-negative whole number, got %g", what, v);
    arg_error(m);
  }
  return (uint64_t)v;
}

static const mxArray *field(const mxArray *s, const char *name) {
  return (s && mxIsStruct(s) && mxGetNumberOfElements(s) == 1) ? mxGetField(s, 0, name) : NULL;
}

static int field_set(const mxArray *f) { return f && !mxIsEmpty(f); }

/* 0-based channel indices from a real double vector; NULL for all ('all',
 * an empty double, or no value). */
static size_t *channel_list(const mxArray *a, size_t *n, int *all) {
  *n = 0;
  *all = !a || mxIsChar(a) || (mxIsEmpty(a) && mxIsDouble(a));
  if (a && mxIsChar(a)) {
    char *t = text(a, "channels");
    if (strcmp(t, "all") != 0) arg_error("channels must be 'all' or a vector of channel indices");
    mxFree(t);
  }
  if (*all) return NULL;
  if (!mxIsDouble(a) || !plain_numeric(a) || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1)) {
    char m[256], d[96];
    describe(a, d, sizeof d);
    snprintf(m, sizeof m, "channels must be 'all' or a real, full double vector of channel indices, got %s", d);
    arg_error(m);
  }
  *n = mxGetNumberOfElements(a);
  size_t *ch = mxMalloc(*n * sizeof *ch);
  const double *v = mxGetDoubles(a);
  for (size_t i = 0; i < *n; i++) {
    if (!(v[i] >= 0) || v[i] >= 18446744073709551616.0 || v[i] != (double)(size_t)v[i])
      mexErrMsgIdAndTxt("neurobatch:arg:badChannel", "channel index %g (0-based) is not a valid channel", v[i]);
    ch[i] = (size_t)v[i];
  }
  return ch;
}

static nb_dtype dtype_of_class(mxClassID c) {
  switch (c) {
    case mxINT8_CLASS: return NB_DTYPE_INT8;
    case mxUINT8_CLASS: return NB_DTYPE_UINT8;
    case mxINT16_CLASS: return NB_DTYPE_INT16;
    case mxUINT16_CLASS: return NB_DTYPE_UINT16;
    case mxINT32_CLASS: return NB_DTYPE_INT32;
    case mxUINT32_CLASS: return NB_DTYPE_UINT32;
    case mxINT64_CLASS: return NB_DTYPE_INT64;
    case mxUINT64_CLASS: return NB_DTYPE_UINT64;
    case mxSINGLE_CLASS: return NB_DTYPE_FLOAT32;
    case mxDOUBLE_CLASS: return NB_DTYPE_FLOAT64;
    default: return NB_DTYPE_UNSET;
  }
}

static mxClassID class_of_dtype(nb_dtype d) {
  switch (d) {
    case NB_DTYPE_INT8: return mxINT8_CLASS;
    case NB_DTYPE_UINT8: return mxUINT8_CLASS;
    case NB_DTYPE_INT16: return mxINT16_CLASS;
    case NB_DTYPE_UINT16: return mxUINT16_CLASS;
    case NB_DTYPE_INT32: return mxINT32_CLASS;
    case NB_DTYPE_UINT32: return mxUINT32_CLASS;
    case NB_DTYPE_INT64: return mxINT64_CLASS;
    case NB_DTYPE_UINT64: return mxUINT64_CLASS;
    case NB_DTYPE_FLOAT32: return mxSINGLE_CLASS;
    default: return mxDOUBLE_CLASS;
  }
}

static nb_dtype dtype_arg(const mxArray *a, const char *area) {
  nb_dtype d = NB_DTYPE_UNSET;
  char *t = text(a, "dtype");
  check(nb_dtype_from_name(t, &d), area);
  mxFree(t);
  return d;
}

/* Values the library may read as a plain buffer: a real, full numeric array
 * of a supported class; a 2-D matrix when `matrix` is set. */
static nb_dtype values_dtype(const mxArray *a, const char *what, int matrix) {
  nb_dtype d = plain_numeric(a) && (!matrix || mxGetNumberOfDimensions(a) == 2) ? dtype_of_class(mxGetClassID(a)) : NB_DTYPE_UNSET;
  if (d == NB_DTYPE_UNSET) {
    char m[512], desc[96];
    describe(a, desc, sizeof desc);
    const char *hint = mxIsSparse(a) ? ": convert it with full()"
                       : mxIsNumeric(a) && mxIsComplex(a) ? ": take real() or abs() first"
                       : mxIsLogical(a) ? ": convert it, e.g. with uint8() or double()"
                       : "";
    snprintf(m, sizeof m, "%s must be a real, full %snumeric array (int8..uint64, single or double), got %s%s", what,
             matrix ? "2-D " : "", desc, hint);
    mexErrMsgIdAndTxt("neurobatch:arg:badResult", "%s", m);
  }
  return d;
}

/* One path, or a vector cell array of paths (a session), as mxMalloc'd
 * strings. */
static char **path_list(const mxArray *a, const char *what, size_t *n) {
  if (!mxIsCell(a)) {
    char **one = mxMalloc(sizeof *one);
    one[0] = text(a, what);
    *n = 1;
    return one;
  }
  char m[256], d[96];
  *n = mxGetNumberOfElements(a);
  if (*n == 0 || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1)) {
    describe(a, d, sizeof d);
    snprintf(m, sizeof m, "a session's paths must be a non-empty vector cell array, in time order, got %s", d);
    arg_error(m);
  }
  char **paths = mxMalloc(*n * sizeof *paths);
  for (size_t k = 0; k < *n; k++) {
    const mxArray *e = mxGetCell(a, k);
    snprintf(m, sizeof m, "path %zu of the session", k + 1);
    if (!e) arg_error("every path of a session must be a character vector");
    paths[k] = text(e, m);
  }
  return paths;
}

/* ---------------------------------------------------------------- structs */

static mxArray *info_struct(const nb_output_info *o) {
  const char *names[] = {"path", "dtype", "n_channels", "data_order", "n_observations"};
  mxArray *s = mxCreateStructMatrix(1, 1, 5, names);
  mxSetField(s, 0, "path", mxCreateString(o->path));
  mxSetField(s, 0, "dtype", mxCreateString(nb_dtype_name(o->dtype)));
  mxSetField(s, 0, "n_channels", mxCreateDoubleScalar((double)o->n_channels));
  mxSetField(s, 0, "data_order", mxCreateString(o->data_order == NB_DATA_ORDER_SAMPLES ? "samples" : "channels"));
  mxSetField(s, 0, "n_observations", mxCreateDoubleScalar((double)o->n_observations));
  return s;
}

static void batch_options(const mxArray *s, nb_batch_options *o, size_t **channels) {
  check(nb_batch_options_init(o, NB_BATCH_OPTIONS_VERSION), "cursor");
  o->layout = NB_LAYOUT_CHANNEL_MAJOR; /* MATLAB's column-major observations x channels */
  const mxArray *f;
  if (field_set(f = field(s, "max_memory"))) {
    if (mxIsChar(f)) {
      char *t = text(f, "max_memory");
      check(nb_max_memory_parse(t, &o->max_memory), "arg");
      mxFree(t);
    } else {
      o->max_memory = count(f, "max_memory");
    }
  }
  if (field_set(f = field(s, "from_time"))) o->from_time = count(f, "from_time");
  if (field_set(f = field(s, "to_time"))) o->to_time = count(f, "to_time");
  if (field_set(f = field(s, "buffer_size"))) o->buffer_size = count(f, "buffer_size");
  if (field_set(f = field(s, "edge"))) {
    char *e = text(f, "edge");
    if (strcmp(e, "zeros") == 0) o->edge = NB_EDGE_ZEROS;
    else if (strcmp(e, "reflect") == 0) o->edge = NB_EDGE_REFLECT;
    else if (strcmp(e, "replicate") == 0) o->edge = NB_EDGE_REPLICATE;
    else mexErrMsgIdAndTxt("neurobatch:arg:badEdge", "unknown edge '%s': expected 'zeros', 'reflect' or 'replicate'", e);
    mxFree(e);
  }
  if (field_set(f = field(s, "microvolts"))) o->microvolts = flag(f, "microvolts");
  if (field_set(f = field(s, "read_ahead"))) {
    char *t = text(f, "read_ahead");
    if (strcmp(t, "auto") == 0) o->read_ahead = NB_READ_AHEAD_AUTO;
    else if (strcmp(t, "on") == 0) o->read_ahead = NB_READ_AHEAD_ON;
    else if (strcmp(t, "off") == 0) o->read_ahead = NB_READ_AHEAD_OFF;
    else mexErrMsgIdAndTxt("neurobatch:arg:badReadAhead", "unknown read_ahead '%s': expected 'auto', 'on' or 'off'", t);
    mxFree(t);
  }
  if (field_set(f = field(s, "single_channel"))) o->traversal = flag(f, "single_channel") ? NB_TRAVERSAL_SINGLE_CHANNEL : NB_TRAVERSAL_MULTI_CHANNEL;
  if (field_set(f = field(s, "force_complete_channel_batch"))) o->force_complete_channel_batch = flag(f, "force_complete_channel_batch");
  int all = 1;
  size_t n = 0;
  *channels = channel_list(field(s, "channels"), &n, &all);
  if (!all) {
    o->channels = *channels;
    o->n_channels = n;
  }
}

/* ---------------------------------------------------------------- commands */

static void cmd_reader_open(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 2) arg_error("reader_open needs a path");
  /* A cell array of paths: a session of several files, concatenated in time. */
  size_t n_files = 0;
  char **paths = path_list(prhs[1], "path", &n_files);
  nb_open_options o;
  check(nb_open_options_init(&o, NB_OPEN_OPTIONS_VERSION), "reader");
  const mxArray *s = nrhs > 2 ? prhs[2] : NULL, *f;
  if (field_set(f = field(s, "dtype"))) o.dtype = dtype_arg(f, "reader");
  if (field_set(f = field(s, "n_channels"))) {
    uint64_t n = count(f, "n_channels");
    if (n == 0 || n > SIZE_MAX) mexErrMsgIdAndTxt("neurobatch:reader:badChannel", "n_channels must be at least 1, got %g", (double)n);
    o.n_channels = (size_t)n;
  }
  if (field_set(f = field(s, "data_order"))) {
    char *t = text(f, "data_order");
    check(nb_data_order_from_name(t, &o.data_order), "reader");
  }
  if (field_set(f = field(s, "loader"))) {
    char *t = text(f, "loader");
    if (!strcmp(t, "pread")) o.loader = NB_LOADER_PREAD;
    else if (!strcmp(t, "mmap")) o.loader = NB_LOADER_MMAP;
    else mexErrMsgIdAndTxt("neurobatch:reader:badLoader", "unknown loader '%s': expected 'pread' or 'mmap'", t);
  }
  if (field_set(f = field(s, "sampling_rate"))) o.sampling_rate = number(f, "sampling_rate");
  if (field_set(f = field(s, "stream"))) {
    if (mxIsChar(f)) {
      o.stream_name = text(f, "stream");
    } else {
      uint64_t k = count(f, "stream");
      if (k == 0 || k > INT64_MAX) mexErrMsgIdAndTxt("neurobatch:reader:badStream", "stream numbers count from 1, got %g", (double)k);
      o.stream_index = (int64_t)k - 1; /* 1-based in MATLAB */
    }
  }
  nb_reader *r = NULL;
  if (mxIsCell(prhs[1])) check(nb_reader_open_files((const char *const *)paths, n_files, &o, &r), "reader");
  else check(nb_reader_open(paths[0], &o, &r), "reader");
  plhs[0] = mxCreateDoubleScalar(add_entry(K_READER, r));
}

static void cmd_reader_info(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 2) arg_error("reader_info needs a handle");
  nb_reader *r = lookup(prhs[1], K_READER);
  const char *names[] = {"n_observations", "n_channels", "dtype", "data_order", "format", "sampling_rate", "scales_uv", "channel_kinds"};
  mxArray *s = mxCreateStructMatrix(1, 1, 8, names);
  mxSetField(s, 0, "format", mxCreateString(nb_reader_format(r)));
  double hz = 0;
  nb_status st = nb_reader_sampling_rate(r, &hz);
  if (st != NB_STATUS_NO_METADATA) check(st, "reader");
  mxSetField(s, 0, "sampling_rate", st == NB_STATUS_OK ? mxCreateDoubleScalar(hz) : mxCreateDoubleMatrix(0, 0, mxREAL));
  size_t n_ch = nb_reader_n_channels(r);
  mxArray *scales = mxCreateDoubleMatrix(1, n_ch, mxREAL);
  st = nb_reader_scales_uv(r, mxGetDoubles(scales), n_ch);
  if (st == NB_STATUS_NO_METADATA) {
    mxDestroyArray(scales);
    scales = mxCreateDoubleMatrix(0, 0, mxREAL);
  } else {
    check(st, "reader");
  }
  mxSetField(s, 0, "scales_uv", scales);
  /* Channel kinds as a 1 x n_channels cell of names ({} for plain files). */
  mxArray *kinds = mxCreateCellMatrix(0, 0);
  nb_channel_kind *codes = mxMalloc((n_ch ? n_ch : 1) * sizeof *codes);
  st = nb_reader_channel_kinds(r, codes, n_ch);
  if (st == NB_STATUS_OK) {
    mxDestroyArray(kinds);
    kinds = mxCreateCellMatrix(1, n_ch);
    for (size_t k = 0; k < n_ch; k++) mxSetCell(kinds, k, mxCreateString(nb_channel_kind_name(codes[k])));
  }
  mxFree(codes);
  if (st != NB_STATUS_OK && st != NB_STATUS_NO_METADATA) check(st, "reader");
  mxSetField(s, 0, "channel_kinds", kinds);
  mxSetField(s, 0, "n_observations", mxCreateDoubleScalar((double)nb_reader_n_observations(r)));
  mxSetField(s, 0, "n_channels", mxCreateDoubleScalar((double)nb_reader_n_channels(r)));
  mxSetField(s, 0, "dtype", mxCreateString(nb_dtype_name(nb_reader_dtype(r))));
  mxSetField(s, 0, "data_order", mxCreateString(nb_reader_data_order(r) == NB_DATA_ORDER_SAMPLES ? "samples" : "channels"));
  plhs[0] = s;
}

/* reader_read(id, from, to, channels0, buffer): observations x channels */
static void cmd_reader_read(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 6) arg_error("reader_read needs id, from, to, channels, buffer");
  nb_reader *r = lookup(prhs[1], K_READER);
  uint64_t from = count(prhs[2], "from"), to = count(prhs[3], "to"), buffer = count(prhs[5], "buffer");
  int all = 1;
  size_t n = 0;
  size_t *ch = channel_list(prhs[4], &n, &all);
  /* Validates the range and channels, and says how many bytes the block takes. */
  size_t need = 0;
  nb_status s = nb_reader_read(r, from, to, all ? NULL : ch, all ? 0 : n, buffer, NB_LAYOUT_CHANNEL_MAJOR, NULL, 0, &need);
  if (s != NB_STATUS_BUFFER_TOO_SMALL) check(s, "reader");
  size_t n_sel = all ? nb_reader_n_channels(r) : n;
  size_t rows = (size_t)(to - from + 2 * buffer);
  mxArray *m = mxCreateNumericMatrix(rows, n_sel, class_of_dtype(nb_reader_dtype(r)), mxREAL);
  /* The size passed is the matrix's own: the library never writes past it. */
  size_t bytes = mxGetNumberOfElements(m) * mxGetElementSize(m);
  s = nb_reader_read(r, from, to, all ? NULL : ch, all ? 0 : n, buffer, NB_LAYOUT_CHANNEL_MAJOR, mxGetData(m), bytes, NULL);
  mxFree(ch);
  if (s < 0) mxDestroyArray(m);
  check(s, "reader");
  plhs[0] = m;
}

static void cmd_cursor_new(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 3) arg_error("cursor_new needs a reader and options");
  nb_reader *r = lookup(prhs[1], K_READER);
  nb_batch_options o;
  size_t *ch = NULL;
  batch_options(prhs[2], &o, &ch);
  nb_cursor *c = NULL;
  uint64_t n = 0, rows = 0;
  nb_status s = nb_cursor_new(r, &o, &c);
  if (s >= 0) s = nb_reader_plan(r, &o, &n, &rows);
  mxFree(ch);
  if (s < 0) nb_cursor_free(c);
  check(s, "cursor");
  plhs[0] = mxCreateDoubleScalar(add_entry(K_CURSOR, c));
  if (nlhs > 1) plhs[1] = mxCreateDoubleScalar((double)n);
  if (nlhs > 2) plhs[2] = mxCreateDoubleScalar((double)rows);
}

/* cursor_next(id) -> data ([] when done), info struct (0-based indices) */
static void cmd_cursor_next(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  if (nrhs < 2) arg_error("cursor_next needs a handle");
  nb_cursor *c = lookup(prhs[1], K_CURSOR);
  const nb_batch *b = NULL;
  nb_status s = nb_cursor_next(c, &b);
  check(s, "cursor");
  if (s == NB_STATUS_DONE) {
    plhs[0] = mxCreateDoubleMatrix(0, 0, mxREAL);
    if (nlhs > 1) plhs[1] = mxCreateDoubleMatrix(0, 0, mxREAL);
    return;
  }
  /* channel-major rows x channels is exactly MATLAB's column-major matrix */
  mxArray *m = mxCreateNumericMatrix(b->n_rows, b->n_channels, class_of_dtype(b->dtype), mxREAL);
  size_t bytes = mxGetNumberOfElements(m) * mxGetElementSize(m);
  if (b->n_bytes != bytes) {
    mxDestroyArray(m);
    mexErrMsgIdAndTxt("neurobatch:cursor:badBatch", "a batch of %zu bytes does not fill %zu x %zu values", b->n_bytes, b->n_rows, b->n_channels);
  }
  if (bytes) memcpy(mxGetData(m), b->data, bytes);
  plhs[0] = m;
  if (nlhs > 1) {
    const char *names[] = {"batch_index", "n_batches", "idx_start", "idx_stop", "idx_local_start", "idx_local_stop", "buffer_size", "channel", "channels"};
    mxArray *st = mxCreateStructMatrix(1, 1, 9, names);
    mxSetField(st, 0, "batch_index", mxCreateDoubleScalar((double)b->batch_index));
    mxSetField(st, 0, "n_batches", mxCreateDoubleScalar((double)b->n_batches));
    mxSetField(st, 0, "idx_start", mxCreateDoubleScalar((double)b->idx_start));
    mxSetField(st, 0, "idx_stop", mxCreateDoubleScalar((double)b->idx_stop));
    mxSetField(st, 0, "idx_local_start", mxCreateDoubleScalar((double)b->idx_local_start));
    mxSetField(st, 0, "idx_local_stop", mxCreateDoubleScalar((double)b->idx_local_stop));
    mxSetField(st, 0, "buffer_size", mxCreateDoubleScalar((double)b->buffer_size));
    mxSetField(st, 0, "channel", mxCreateDoubleScalar((double)b->channel));
    mxArray *chs = mxCreateDoubleMatrix(1, b->n_channels, mxREAL);
    for (size_t j = 0; j < b->n_channels; j++) mxGetDoubles(chs)[j] = (double)b->channels[j];
    mxSetField(st, 0, "channels", chs);
    plhs[1] = st;
  }
}

static void cmd_cursor_seek(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs; (void)plhs;
  if (nrhs < 3) arg_error("cursor_seek needs a handle and a batch index");
  check(nb_cursor_seek(lookup(prhs[1], K_CURSOR), count(prhs[2], "batch index")), "cursor");
}

static void cmd_writer_open(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 5) arg_error("writer_open needs path, order, n_channels, dtype");
  char *path = text(prhs[1], "output_path"), *order = text(prhs[2], "order");
  nb_data_order o = NB_DATA_ORDER_UNSET;
  check(nb_data_order_from_name(order, &o), "writer");
  uint64_t n_channels = count(prhs[3], "n_channels");
  if (n_channels > SIZE_MAX) arg_error("n_channels is too large");
  nb_dtype d = dtype_arg(prhs[4], "writer");
  nb_writer *w = NULL;
  check(nb_writer_open(path, o, (size_t)n_channels, d, &w), "writer");
  plhs[0] = mxCreateDoubleScalar(add_entry(K_WRITER, w));
}

/* writer_append(id, matrix) or writer_append(id, matrix, position0) for channels order */
static void cmd_writer_append(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs; (void)plhs;
  if (nrhs < 3) arg_error("writer_append needs a handle and a matrix");
  nb_writer *w = lookup(prhs[1], K_WRITER);
  const mxArray *m = prhs[2];
  nb_dtype d = values_dtype(m, "a result", 1);
  size_t rows = mxGetM(m), cols = mxGetN(m);
  if (nrhs > 3) {
    uint64_t position = count(prhs[3], "channel position");
    if (position > SIZE_MAX) arg_error("channel position is too large");
    check(nb_writer_append_channel(w, (size_t)position, d, rows * cols, 1, NB_LAYOUT_SAMPLE_MAJOR, mxGetData(m)), "writer");
  } else {
    check(nb_writer_append(w, d, rows, cols, NB_LAYOUT_CHANNEL_MAJOR, mxGetData(m)), "writer");
  }
}

/* writer_finish(id) -> info; the handle is freed either way */
static void cmd_writer_finish(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 2) arg_error("writer_finish needs a handle");
  nb_writer *w = lookup(prhs[1], K_WRITER);
  nb_result_list *res = NULL;
  nb_status s = nb_writer_finish(w, &res);
  hold_results(res);
  const nb_output_info *o = NULL;
  if (s >= 0) s = nb_result_list_output(res, 0, &o);
  if (s >= 0) plhs[0] = info_struct(o);
  release_results();
  check(s, "writer");
}

/* output_check(output, input, if_file_exists) -> skip. The input is a path,
 * a cell array of a session's paths (the output may be none of them), or ''
 * for none. */
static void cmd_output_check(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 4) arg_error("output_check needs output path, input path, if_file_exists");
  char *out = text(prhs[1], "output_path"), *how = text(prhs[3], "if_file_exists");
  nb_if_file_exists v = 0;
  check(nb_if_file_exists_from_name(how, &v), "output");
  size_t n_inputs = 0;
  char **inputs = path_list(prhs[2], "input path", &n_inputs);
  bool skip = false;
  /* nb_writer_check_path takes one input: each file of a session in turn
   * (the check has no side effect; skip and abort depend on the output only). */
  for (size_t k = 0; k < n_inputs; k++) check(nb_writer_check_path(out, inputs[k][0] ? inputs[k] : NULL, v, &skip), "output");
  plhs[0] = mxCreateLogicalScalar(skip);
}

/* The progress bar of a convert, printed as the M-code loops print theirs.
 * Runs on MATLAB's thread (the library calls progress on the calling thread). */
static int convert_progress(uint64_t done, uint64_t total, void *user_data) {
  (void)user_data;
  static const char bar[] = "########################################........................................";
  int width = 40, filled = (int)((2 * (uint64_t)width * done + (total ? total : 1)) / (2 * (total ? total : 1)));
  if (filled > width) filled = width;
  mexPrintf("\r[%.*s%.*s] %llu/%llu", filled, bar, width - filled, bar + width, (unsigned long long)done, (unsigned long long)total);
  if (done == total) mexPrintf("\n");
  return 0;
}

/* The area of a convert's error id: the output's own problems get the ids an
 * apply's output check gives (neurobatch:output:fileExists, ...). */
static const char *convert_area(nb_status s) {
  return s == NB_STATUS_FILE_EXISTS || s == NB_STATUS_BAD_OUTPUT_PATH || s == NB_STATUS_SIDECAR_MISSING ? "output" : "convert";
}

/* reader_convert(id, batch options, convert options): nb_reader_apply
 * without a function, each batch as it is (cast) the result. Convert options:
 * mode ('memory' or 'disk'), output_path, if_file_exists, cast_dtype,
 * show_progress_bar. Memory: a 1 x n cell of observations x channels blocks
 * (the library's row-major results turned column-major). Disk: the output's
 * info struct, and whether it existed and was skipped. */
static void cmd_reader_convert(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  if (nrhs < 4) arg_error("reader_convert needs a reader, batch options and convert options");
  nb_reader *r = lookup(prhs[1], K_READER);
  nb_batch_options bo;
  size_t *ch = NULL;
  batch_options(prhs[2], &bo, &ch);
  nb_apply_options ao;
  check(nb_apply_options_init(&ao, NB_APPLY_OPTIONS_VERSION), "convert");
  const mxArray *s = prhs[3], *f;
  char *path = NULL;
  if (field_set(f = field(s, "mode"))) {
    char *t = text(f, "mode");
    if (!strcmp(t, "memory")) ao.mode = NB_APPLY_MODE_MEMORY;
    else if (!strcmp(t, "disk")) ao.mode = NB_APPLY_MODE_DISK;
    else mexErrMsgIdAndTxt("neurobatch:arg:badMode", "unknown mode '%s': expected 'memory' or 'disk'", t);
    mxFree(t);
  }
  if (field_set(f = field(s, "output_path"))) ao.output_path = path = text(f, "output_path");
  if (field_set(f = field(s, "if_file_exists"))) {
    char *t = text(f, "if_file_exists");
    check(nb_if_file_exists_from_name(t, &ao.if_file_exists), "arg");
    mxFree(t);
  }
  if (field_set(f = field(s, "cast_dtype"))) ao.cast_dtype = dtype_arg(f, "arg");
  if (field_set(f = field(s, "show_progress_bar")) && flag(f, "show_progress_bar")) ao.progress = convert_progress;
  nb_result_list *res = NULL;
  nb_status st = nb_reader_apply(r, &bo, &ao, NULL, NULL, &res, NULL);
  mxFree(ch);
  mxFree(path);
  check(st, convert_area(st)); /* on failure there is no result list to free */
  hold_results(res);
  if (ao.mode == NB_APPLY_MODE_DISK) {
    const nb_output_info *o = NULL;
    st = nb_result_list_output(res, 0, &o);
    if (st >= 0) {
      plhs[0] = info_struct(o);
      if (nlhs > 1) plhs[1] = mxCreateLogicalScalar(o->skipped);
    }
    release_results();
    check(st, "convert");
    return;
  }
  size_t n = nb_result_list_count(res);
  mxArray *blocks = mxCreateCellMatrix(1, n);
  for (size_t k = 0; k < n; k++) {
    const nb_result_view *v = NULL;
    st = nb_result_list_get(res, k, &v);
    if (st < 0) break;
    mxArray *m = mxCreateNumericMatrix(v->n_rows, v->n_cols, class_of_dtype(v->dtype), mxREAL);
    size_t size = mxGetElementSize(m);
    if (v->n_bytes != v->n_rows * v->n_cols * size) {
      release_results();
      mexErrMsgIdAndTxt("neurobatch:convert:badResult", "a result of %zu bytes does not hold %zu x %zu values", v->n_bytes, v->n_rows, v->n_cols);
    }
    /* row-major (the library's results) to column-major (MATLAB's matrices) */
    const char *src = v->data;
    char *dst = mxGetData(m);
    for (size_t i = 0; i < v->n_rows; i++)
      for (size_t j = 0; j < v->n_cols; j++) memcpy(dst + (j * v->n_rows + i) * size, src + (i * v->n_cols + j) * size, size);
    mxSetCell(blocks, k, m);
  }
  release_results();
  if (st < 0) mxDestroyArray(blocks);
  check(st, "convert");
  plhs[0] = blocks;
}

/* cast(values, dtype): the library's cast, so MATLAB casts as C does; any
 * number of dimensions, the shape kept. */
static void cmd_cast(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 3) arg_error("cast needs values and a dtype");
  nb_dtype from = values_dtype(prhs[1], "the values to cast", 0), to = dtype_arg(prhs[2], "arg");
  mxArray *m = mxCreateNumericArray(mxGetNumberOfDimensions(prhs[1]), mxGetDimensions(prhs[1]), class_of_dtype(to), mxREAL);
  nb_status s = nb_dtype_cast(from, mxGetData(prhs[1]), to, mxGetData(m), mxGetNumberOfElements(prhs[1]));
  if (s < 0) mxDestroyArray(m);
  check(s, "arg");
  plhs[0] = m;
}

/* check_name(kind, name): the library's own parser of dtype, data_order or
 * if_file_exists names, so MATLAB accepts exactly what C accepts. */
static void cmd_check_name(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 3) arg_error("check_name needs a kind and a name");
  char *kind = text(prhs[1], "kind"), *name = text(prhs[2], "name");
  nb_dtype d;
  nb_data_order o;
  nb_if_file_exists f;
  if (!strcmp(kind, "dtype")) check(nb_dtype_from_name(name, &d), "arg");
  else if (!strcmp(kind, "data_order")) check(nb_data_order_from_name(name, &o), "arg");
  else if (!strcmp(kind, "if_file_exists")) check(nb_if_file_exists_from_name(name, &f), "arg");
  else arg_error("check_name: kind must be 'dtype', 'data_order' or 'if_file_exists'");
  plhs[0] = mxCreateLogicalScalar(true);
}

static void cmd_parse_max_memory(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs;
  if (nrhs < 2) arg_error("parse_max_memory needs a string");
  uint64_t v = 0;
  char *t = text(prhs[1], "max_memory");
  check(nb_max_memory_parse(t, &v), "arg");
  plhs[0] = mxCreateDoubleScalar((double)v);
}

static void cmd_free(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs; (void)plhs;
  if (nrhs < 2) arg_error("free needs a handle");
  double id = number(prhs[1], "handle id");
  for (size_t i = 0; i < n_entries; i++)
    if (table[i].id == id) {
      free_entry(&table[i]);
      table[i] = table[--n_entries];
      if (n_entries == 0) mexUnlock();
      return;
    }
  /* freeing a closed handle is a no-op, so close() is idempotent */
}

static void cmd_live(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs; (void)nrhs; (void)prhs;
  plhs[0] = mxCreateDoubleScalar((double)n_entries);
}

static void cmd_version(int nlhs, mxArray **plhs, int nrhs, const mxArray **prhs) {
  (void)nlhs; (void)nrhs; (void)prhs;
  plhs[0] = mxCreateString(nb_version_string());
}

typedef void (*command_fn)(int, mxArray **, int, const mxArray **);
static const struct { const char *name; command_fn fn; } commands[] = {
    {"reader_open", cmd_reader_open},   {"reader_info", cmd_reader_info},     {"reader_read", cmd_reader_read},
    {"cursor_new", cmd_cursor_new},     {"cursor_next", cmd_cursor_next},     {"cursor_seek", cmd_cursor_seek},
    {"writer_open", cmd_writer_open},   {"writer_append", cmd_writer_append}, {"writer_finish", cmd_writer_finish},
    {"output_check", cmd_output_check}, {"cast", cmd_cast},                   {"check_name", cmd_check_name},
    {"parse_max_memory", cmd_parse_max_memory}, {"free", cmd_free},           {"live", cmd_live},
    {"version", cmd_version},           {"reader_convert", cmd_reader_convert},
};

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
  static int initialised = 0;
  if (!initialised) {
    if (nb_abi_version() != NB_ABI_VERSION)
      mexErrMsgIdAndTxt("neurobatch:version:abiMismatch", "libneurobatch ABI %u does not match the ABI %d this MEX file was built for",
                        nb_abi_version(), NB_ABI_VERSION);
    mexAtExit(free_all);
    initialised = 1;
  }
  release_results(); /* left by a call that ran out of memory */
  if (nrhs < 1) arg_error("usage: neurobatch_mex(command, ...)");
  char *name = text(prhs[0], "command");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(name, commands[i].name)) {
      mxFree(name);
      commands[i].fn(nlhs, plhs, nrhs, prhs);
      return;
    }
  mexErrMsgIdAndTxt("neurobatch:arg:unknownCommand", "unknown command '%s'", name);
}
