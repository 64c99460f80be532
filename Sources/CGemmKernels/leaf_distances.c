// Squared euclidean distances from one query to the points of a KD-tree leaf stored column by column
// (ClusAlgorithms/Neighbors/LeafColumns.swift). Each distance has exactly the arithmetic of
// `EuclideanKD.rdist`: the coordinates' differences q[j] − x[j] squared by a separate multiply and
// added in coordinate order, one point per lane; only the number of points done at once differs
// (2 with SSE2, 4 with AVX). No fused multiply-add is ever used (AVX without FMA, contraction off).
#include "clus_gemm_kernels.h"
#include <immintrin.h>

#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

static inline double point_sqdist(const double *cols, long m, long d, const double *q, long t) {
  double s = 0.0;
  for (long j = 0; j < d; j++) {
    double u = q[j] - cols[j * m + t];
    s = s + u * u;
  }
  return s;
}

// The points at a distance <= bound: their distances and indices (in point order) go to dist and idx;
// returns how many.
long clus_leaf_sqdist_within(const double *cols, long m, long d, const double *q, double bound, double *dist,
                             int *idx) {
  long c = 0, t = 0;
  __m128d lim = _mm_set1_pd(bound);
  for (; t + 2 <= m; t += 2) {
    __m128d s = _mm_setzero_pd();
    for (long j = 0; j < d; j++) {
      __m128d u = _mm_sub_pd(_mm_set1_pd(q[j]), _mm_loadu_pd(cols + j * m + t));
      s = _mm_add_pd(s, _mm_mul_pd(u, u));
    }
    int mask = _mm_movemask_pd(_mm_cmple_pd(s, lim));
    if (mask) {
      double v[2];
      _mm_storeu_pd(v, s);
      if (mask & 1) { dist[c] = v[0]; idx[c++] = (int)t; }
      if (mask & 2) { dist[c] = v[1]; idx[c++] = (int)t + 1; }
    }
  }
  for (; t < m; t++) {
    double s = point_sqdist(cols, m, d, q, t);
    if (s <= bound) { dist[c] = s; idx[c++] = (int)t; }
  }
  return c;
}

__attribute__((target("avx"))) long clus_leaf_sqdist_within_avx(const double *cols, long m, long d, const double *q,
                                                                 double bound, double *dist, int *idx) {
  long c = 0, t = 0;
  __m256d lim = _mm256_set1_pd(bound);
  for (; t + 4 <= m; t += 4) {
    __m256d s = _mm256_setzero_pd();
    for (long j = 0; j < d; j++) {
      __m256d u = _mm256_sub_pd(_mm256_set1_pd(q[j]), _mm256_loadu_pd(cols + j * m + t));
      s = _mm256_add_pd(s, _mm256_mul_pd(u, u));
    }
    int mask = _mm256_movemask_pd(_mm256_cmp_pd(s, lim, _CMP_LE_OQ));
    if (mask) {
      double v[4];
      _mm256_storeu_pd(v, s);
      while (mask) {
        int b = __builtin_ctz(mask);
        dist[c] = v[b];
        idx[c++] = (int)t + b;
        mask &= mask - 1;
      }
    }
  }
  for (; t < m; t++) {
    double s = point_sqdist(cols, m, d, q, t);
    if (s <= bound) { dist[c] = s; idx[c++] = (int)t; }
  }
  return c;
}
