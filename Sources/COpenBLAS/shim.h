#include <cblas.h>
/* OpenBLAS extensions (declared in OpenBLAS's cblas.h, repeated for clarity). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
