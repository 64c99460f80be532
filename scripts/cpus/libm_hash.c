/* Hashes exp, log, pow, sin, cos, log2, atan, tan and expf, logf, powf, sinf, cosf, log2f over 10^6 fixed
 * inputs each, one line per function and an "all" line. glibc picks each function's variant (FMA, FMA4, AVX,
 * SSE2) by CPU at load time; a GLIBC_TUNABLES=glibc.cpu.hwcaps=... setting that changes the hashes really
 * changes the variant. Built (with -fno-builtin) and run by scripts/test-cpus.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define N 1000000

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
  return h;
}

static uint64_t st = 0x9E3779B97F4A7C15ULL;
static double u01(void) {
  st ^= st << 13; st ^= st >> 7; st ^= st << 17;
  return (double)(st >> 11) / 9007199254740992.0;
}

static double xs[N], ys[N];

int main(void) {
  for (int i = 0; i < N; i++) { xs[i] = u01(); ys[i] = u01(); }
  uint64_t all = 1469598103934665603ULL;
#define RUN(name, T, expr)                                                     \
  do {                                                                         \
    uint64_t h = 1469598103934665603ULL;                                       \
    for (int i = 0; i < N; i++) {                                              \
      double x = xs[i], y = ys[i];                                             \
      (void)y;                                                                 \
      T r = (expr);                                                            \
      h = fnv(&r, sizeof r, h);                                                \
    }                                                                          \
    printf("%-6s %016llx\n", name, (unsigned long long)h);                     \
    all = fnv(&h, sizeof h, all);                                              \
  } while (0)
  RUN("exp", double, exp(x * 60 - 30));
  RUN("log", double, log(x * 100 + 1e-3));
  RUN("pow", double, pow(x * 10 + 1e-3, y * 8 - 4));
  RUN("sin", double, sin(x * 200 - 100));
  RUN("cos", double, cos(x * 200 - 100));
  RUN("log2", double, log2(x * 100 + 1e-3));
  RUN("atan", double, atan(x * 20 - 10));
  RUN("tan", double, tan(x * 3 - 1.5));
  RUN("expf", float, expf((float)(x * 60 - 30)));
  RUN("logf", float, logf((float)(x * 100 + 1e-3)));
  RUN("powf", float, powf((float)(x * 10 + 1e-3), (float)(y * 8 - 4)));
  RUN("sinf", float, sinf((float)(x * 200 - 100)));
  RUN("cosf", float, cosf((float)(x * 200 - 100)));
  RUN("log2f", float, log2f((float)(x * 100 + 1e-3)));
  printf("all    %016llx\n", (unsigned long long)all);
  return 0;
}
