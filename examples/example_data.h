/* Shared by the examples: a temporary directory and a synthetic
 * Neuropixels-like recording (int16, samples order, with its sidecar). */
#ifndef NB_EXAMPLE_DATA_H
#define NB_EXAMPLE_DATA_H

#define _XOPEN_SOURCE 700
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "neurobatch.h"

#ifdef _WIN32
#include <direct.h>
#include <io.h>
#else
#include <sys/stat.h>
#endif

/* Prints the failing call's status and message; returns 1 for main. */
static inline int example_fail(const char *what, nb_status s) {
  fprintf(stderr, "%s failed: %s: %s\n", what, nb_status_str(s), nb_last_error_message());
  return 1;
}

#define EXAMPLE_TRY(call)                                  \
  do {                                                     \
    nb_status example_s_ = (call);                         \
    if (example_s_ < 0) return example_fail(#call, example_s_); \
  } while (0)

/* A fresh directory under /tmp (or $TMPDIR; %TEMP% on Windows) for this
 * example's files. */
static inline const char *example_dir(void) {
  static char dir[256];
#ifdef _WIN32
  const char *base = getenv("TEMP");
  snprintf(dir, sizeof dir, "%s\\neurobatch-example-XXXXXX", base ? base : ".");
  if (!_mktemp(dir) || _mkdir(dir) != 0) { perror("mkdtemp"); exit(1); }
#else
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/neurobatch-example-XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
#endif
  return dir;
}

/* Creates `path` and its missing parents (mkdir -p); 0 on success. */
#ifdef _WIN32
#define example_mkdir(p) _mkdir(p)
#define example_exists(p) (_access((p), 0) == 0)
#else
#define example_mkdir(p) mkdir((p), 0777)
#define example_exists(p) (access((p), F_OK) == 0)
#endif
static inline int example_mkdirs(const char *path) {
  char p[1024];
  snprintf(p, sizeof p, "%s", path);
  for (char *c = p + 1; *c; c++) {
    if (*c != '/' && *c != '\\') continue;
    char sep = *c;
    *c = 0;
    example_mkdir(p); /* the parents: most exist already */
    *c = sep;
  }
  if (example_mkdir(p) != 0 && !example_exists(p)) { perror(path); return 1; }
  return 0;
}

/* Removes `dir` and the files the examples put in it. */
static inline void example_cleanup(const char *dir) {
  char cmd[512];
#ifdef _WIN32
  snprintf(cmd, sizeof cmd, "rmdir /s /q \"%s\"", dir);
#else
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
#endif
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* The sample value at (s, c): a per-channel offset, noise, and a "spike"
 * every 3000 samples on every 48th channel. Deterministic. */
static inline int16_t example_value(uint64_t s, int c) {
  uint32_t h = (uint32_t)(s * 2654435761u) ^ (uint32_t)(c * 40503u);
  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  int v = (c % 17) * 3 - 24 + (int)(h & 31) - 16;
  if (c % 48 == 7 && s % 3000 < 20) v -= (int)(12 * (20 - s % 3000));
  return (int16_t)v;
}

/* Writes `path` (n_obs samples x n_ch channels, int16, samples order) and its sidecar. */
static inline int example_generate(const char *path, int n_ch, uint64_t n_obs) {
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); return 1; }
  enum { ROWS = 4096 };
  int16_t *block = malloc(sizeof(int16_t) * ROWS * (size_t)n_ch);
  for (uint64_t s0 = 0; s0 < n_obs; s0 += ROWS) {
    uint64_t n = n_obs - s0 < ROWS ? n_obs - s0 : ROWS;
    for (uint64_t r = 0; r < n; r++)
      for (int c = 0; c < n_ch; c++) block[r * (size_t)n_ch + (size_t)c] = example_value(s0 + r, c);
    if (fwrite(block, sizeof(int16_t), n * (size_t)n_ch, f) != n * (size_t)n_ch) { perror(path); fclose(f); free(block); return 1; }
  }
  free(block);
  if (fclose(f)) { perror(path); return 1; }
  char yaml[1024];
  if (nb_sidecar_path(path, yaml, sizeof yaml, NULL) != NB_STATUS_OK) return 1;
  f = fopen(yaml, "w");
  if (!f) { perror(yaml); return 1; }
  fprintf(f, "data_order: samples\ndtype: int16\nn_channels: %d\n", n_ch);
  return fclose(f) ? 1 : 0;
}

#endif
