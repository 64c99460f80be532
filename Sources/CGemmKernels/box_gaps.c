// The squared gaps between one KD-tree node's box and two others', coordinate by coordinate, for the
// dual-tree Borůvka's box distances (ClusAlgorithms/HDBSCAN/HDBSCANApproxBoruvka.swift, `nodeRdist2`).
// The library's gap of a coordinate is 0.5 · ((d1 + |d1|) + (d2 + |d2|)) with d1 = lo_a − hi_b and
// d2 = lo_b − hi_a. For boxes (lo ≤ hi) at most one of d1, d2 is positive, so, without overflow,
// that is exactly max(d1, d2, 0): d + |d| is 2d or +0, 2d + 0 = 2d and 0.5 · 2d = d. The caller
// checks that 2·|d| cannot overflow. Each gap is squared by a separate multiply, as there; the
// nonzero squares are flagged in a bit mask so that the caller adds only those, in coordinate order
// (adding +0 to a sum ≥ +0 leaves it unchanged: the same bits as adding every term). No fused
// multiply-add is used.
#include "clus_gemm_kernels.h"
#include <immintrin.h>

#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

static inline double gap(double la, double ha, double lb, double hb) {
  double d1 = la - hb, d2 = lb - ha;
  double g = d1 > d2 ? d1 : d2;
  return g > 0 ? g : 0.0;
}

// Coordinates j..<d one at a time, onto the masks a and b gathered so far; stores the masks.
static inline void gaps_from(long j, const double *la, const double *ha, const double *l1, const double *h1,
                             const double *l2, const double *h2, long d, double *t1, double *t2,
                             unsigned long long a, unsigned long long b, unsigned long long *m1,
                             unsigned long long *m2) {
  for (; j < d; j++) {
    double g1 = gap(la[j], ha[j], l1[j], h1[j]), g2 = gap(la[j], ha[j], l2[j], h2[j]);
    t1[j] = g1 * g1;
    t2[j] = g2 * g2;
    if (t1[j] != 0) a |= 1ULL << j;
    if (t2[j] != 0) b |= 1ULL << j;
  }
  *m1 = a;
  *m2 = b;
}

void clus_box_gaps2(const double *la, const double *ha, const double *l1, const double *h1, const double *l2,
                    const double *h2, long d, double *t1, double *t2, unsigned long long *m1,
                    unsigned long long *m2) {
  unsigned long long a = 0, b = 0;
  long j = 0;
  __m128d zero = _mm_setzero_pd();
  for (; j + 2 <= d; j += 2) {
    __m128d lA = _mm_loadu_pd(la + j), hA = _mm_loadu_pd(ha + j);
    __m128d g1 = _mm_max_pd(_mm_max_pd(_mm_sub_pd(lA, _mm_loadu_pd(h1 + j)), _mm_sub_pd(_mm_loadu_pd(l1 + j), hA)), zero);
    __m128d g2 = _mm_max_pd(_mm_max_pd(_mm_sub_pd(lA, _mm_loadu_pd(h2 + j)), _mm_sub_pd(_mm_loadu_pd(l2 + j), hA)), zero);
    __m128d s1 = _mm_mul_pd(g1, g1), s2 = _mm_mul_pd(g2, g2);
    _mm_storeu_pd(t1 + j, s1);
    _mm_storeu_pd(t2 + j, s2);
    a |= (unsigned long long)_mm_movemask_pd(_mm_cmpneq_pd(s1, zero)) << j;
    b |= (unsigned long long)_mm_movemask_pd(_mm_cmpneq_pd(s2, zero)) << j;
  }
  gaps_from(j, la, ha, l1, h1, l2, h2, d, t1, t2, a, b, m1, m2);
}

__attribute__((target("avx"))) void clus_box_gaps2_avx(const double *la, const double *ha, const double *l1,
                                                       const double *h1, const double *l2, const double *h2, long d,
                                                       double *t1, double *t2, unsigned long long *m1,
                                                       unsigned long long *m2) {
  unsigned long long a = 0, b = 0;
  long j = 0;
  __m256d zero = _mm256_setzero_pd();
  for (; j + 4 <= d; j += 4) {
    __m256d lA = _mm256_loadu_pd(la + j), hA = _mm256_loadu_pd(ha + j);
    __m256d g1 = _mm256_max_pd(_mm256_max_pd(_mm256_sub_pd(lA, _mm256_loadu_pd(h1 + j)),
                                             _mm256_sub_pd(_mm256_loadu_pd(l1 + j), hA)), zero);
    __m256d g2 = _mm256_max_pd(_mm256_max_pd(_mm256_sub_pd(lA, _mm256_loadu_pd(h2 + j)),
                                             _mm256_sub_pd(_mm256_loadu_pd(l2 + j), hA)), zero);
    __m256d s1 = _mm256_mul_pd(g1, g1), s2 = _mm256_mul_pd(g2, g2);
    _mm256_storeu_pd(t1 + j, s1);
    _mm256_storeu_pd(t2 + j, s2);
    a |= (unsigned long long)_mm256_movemask_pd(_mm256_cmp_pd(s1, zero, _CMP_NEQ_UQ)) << j;
    b |= (unsigned long long)_mm256_movemask_pd(_mm256_cmp_pd(s2, zero, _CMP_NEQ_UQ)) << j;
  }
  gaps_from(j, la, ha, l1, h1, l2, h2, d, t1, t2, a, b, m1, m2);
}
