// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pthread build).
#include <openblas-pthread/cblas.h>
