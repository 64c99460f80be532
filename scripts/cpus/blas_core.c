/* Prints the OpenBLAS kernel family in use (openblas_get_corename(), after OPENBLAS_CORETYPE) and a hash of
 * an sgemm, a dgemm and an sdot on fixed data, to show that families compute different bits.
 * Built and run by scripts/test-cpus.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cblas.h>

char *openblas_get_corename(void);

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
  return h;
}

int main(void) {
  const int n = 97, k = 301;
  float *a = malloc(sizeof(float) * n * k), *c = malloc(sizeof(float) * n * n);
  double *ad = malloc(sizeof(double) * n * k), *cd = malloc(sizeof(double) * n * n);
  uint32_t s = 12345;
  for (int i = 0; i < n * k; i++) {
    s = s * 1664525u + 1013904223u;
    a[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    ad[i] = a[i];
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, k, 1.0f, a, k, a, k, 0.0f, c, n);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, k, 1.0, ad, k, ad, k, 0.0, cd, n);
  float dot = cblas_sdot(k, a, 1, a + k, 1);
  uint64_t h = fnv(c, sizeof(float) * n * n, 1469598103934665603ULL);
  h = fnv(cd, sizeof(double) * n * n, h);
  h = fnv(&dot, sizeof dot, h);
  printf("%s %016llx\n", openblas_get_corename(), (unsigned long long)h);
  return 0;
}
