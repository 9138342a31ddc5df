/* Tiny consumer of an installed neurobatch: writes a 3-channel recording,
 * reads it back in batches and checks every value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <neurobatch.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *path = argv[1];
  FILE *f = fopen(path, "wb");
  for (int16_t i = 0; i < 300; i++) fwrite(&i, sizeof i, 1, f);
  fclose(f);
  if (nb_abi_version() != NB_ABI_VERSION) return 3;
  nb_open_options oo;
  nb_open_options_init(&oo, NB_OPEN_OPTIONS_VERSION);
  oo.dtype = NB_DTYPE_INT16;
  oo.n_channels = 3;
  oo.data_order = NB_DATA_ORDER_SAMPLES;
  nb_reader *r = NULL;
  if (nb_reader_open(path, &oo, &r) != NB_STATUS_OK) { fprintf(stderr, "%s\n", nb_last_error_message()); return 1; }
  nb_batch_options bo;
  nb_batch_options_init(&bo, NB_BATCH_OPTIONS_VERSION);
  bo.max_memory = 60;
  nb_cursor *c = NULL;
  if (nb_cursor_new(r, &bo, &c) != NB_STATUS_OK) return 1;
  const nb_batch *b;
  long n = 0, bad = 0;
  while (nb_cursor_next(c, &b) == NB_STATUS_OK) {
    const int16_t *v = b->data;
    for (size_t i = 0; i < b->n_rows * b->n_channels; i++, n++) bad += v[i] != (int16_t)(b->idx_start * 3 + i);
  }
  nb_cursor_free(c);
  nb_reader_free(r);
  printf("consumer %s: %ld values, %ld wrong\n", nb_version_string(), n, bad);
  return (n == 300 && bad == 0) ? 0 : 1;
}
