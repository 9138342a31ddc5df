// neurobatch.hpp compiles on its own (it includes neurobatch.h itself).
#include "neurobatch.hpp"

int main() { return neurobatch::dtype_of_v<float> == NB_DTYPE_FLOAT32 && nb_abi_version() == NB_ABI_VERSION ? 0 : 1; }
