/* The public header compiles on its own, twice included, as strict C99. */
#include "neurobatch.h"
#include "neurobatch.h"

int main(void) {
  return (NB_CHECK_VERSION(0, 0, 0) && nb_abi_version() == NB_ABI_VERSION && nb_version_number() == NB_VERSION_NUMBER) ? 0 : 1;
}
