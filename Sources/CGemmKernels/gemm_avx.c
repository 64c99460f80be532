// AVX tiles of clus's deterministic dot-product kernel. The element arithmetic is fixed by
// Sources/ClusAlgorithms/Core/Gemm.swift: `lanes` partial sums over k (lane l takes the terms with index
// = l mod lanes, in increasing order, each added as acc = acc + a*b with a separate multiply), the
// lanes then added in lane order, then the tail terms (index >= k - k % lanes) summed in order and
// added last. A 256-bit register holds the lanes of two neighbouring elements side by side, so the
// arithmetic of each element is unchanged; no fused multiply-add is ever used (the functions are
// compiled for AVX without FMA, and contraction is off).
#include "clus_gemm_kernels.h"
#include <cpuid.h>
#include <immintrin.h>

#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

int clus_gemm_have_avx(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 27)) || !(c & (1u << 28))) return 0;  // OSXSAVE, AVX
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6u) == 6u;  // XMM and YMM state enabled by the OS
}

__attribute__((target("avx"))) static inline __m256 pair_ps(const float *lo, const float *hi) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
}

// One row of a tile: e[q] holds the 4 lanes of element (r, q). The lanes of the 4 elements are
// transposed so that one vector addition adds lane l of all four: ((l0 + l1) + l2) + l3, each element
// in lane order; then the tail terms, summed in index order, for the 4 elements at once.
__attribute__((target("avx"))) static inline void finish_row_ps(__m128 e0, __m128 e1, __m128 e2, __m128 e3,
                                                                const float *a, const float *b0, const float *b1,
                                                                const float *b2, const float *b3, long kv, long k,
                                                                float *c) {
  _MM_TRANSPOSE4_PS(e0, e1, e2, e3);
  __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(e0, e1), e2), e3);
  if (kv < k) {
    __m128 t = _mm_mul_ps(_mm_set1_ps(a[kv]), _mm_setr_ps(b0[kv], b1[kv], b2[kv], b3[kv]));
    for (long p = kv + 1; p < k; p++)
      t = _mm_add_ps(t, _mm_mul_ps(_mm_set1_ps(a[p]), _mm_setr_ps(b0[p], b1[p], b2[p], b3[p])));
    s = _mm_add_ps(s, t);
  }
  _mm_storeu_ps(c, s);
}

// The R x 4 tile (R = 4 or 6, a constant where it is inlined) of rows a[0..R-1] against rows b[0..3] (each k
// floats, anywhere in memory), written at c (row stride ldc). Each step loads two pairs of b rows and serves
// R rows of a with them: the 6 x 4 tile (12 accumulators, 15 of the 16 registers) spends about a quarter
// fewer instructions per product than the 4 x 4 one, with the same arithmetic per element.
__attribute__((target("avx"), always_inline)) static inline void tile_ps(const float *const *a, const int R,
                                                                         const float *const *b, long k, float *c,
                                                                         long ldc) {
  const long kv = k - k % 4;
  const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
  __m256 ca[6], cb[6];
  for (int r = 0; r < R; r++) ca[r] = cb[r] = _mm256_setzero_ps();
  for (long p = 0; p < kv; p += 4) {
    const __m256 bx = pair_ps(b0 + p, b1 + p), by = pair_ps(b2 + p, b3 + p);
    for (int r = 0; r < R; r++) {
      const __m256 x = _mm256_broadcast_ps((const __m128 *)(a[r] + p));
      ca[r] = _mm256_add_ps(ca[r], _mm256_mul_ps(x, bx));
      cb[r] = _mm256_add_ps(cb[r], _mm256_mul_ps(x, by));
    }
  }
  for (int r = 0; r < R; r++) {
    finish_row_ps(_mm256_castps256_ps128(ca[r]), _mm256_extractf128_ps(ca[r], 1), _mm256_castps256_ps128(cb[r]),
                  _mm256_extractf128_ps(cb[r], 1), a[r], b0, b1, b2, b3, kv, k, c + r * ldc);
  }
}

__attribute__((target("avx"))) void clus_sgemm_tile4x4_avx(const float *a, long lda, const float *b, long ldb, long k,
                                                           float *c, long ldc) {
  const float *ar[4] = {a, a + lda, a + 2 * lda, a + 3 * lda}, *br[4] = {b, b + ldb, b + 2 * ldb, b + 3 * ldb};
  tile_ps(ar, 4, br, k, c, ldc);
}

__attribute__((target("avx"))) void clus_sgemm_tile4x4_rows_avx(const float *const *a, const float *const *b, long k,
                                                                float *c, long ldc) {
  const float *ar[4] = {a[0], a[1], a[2], a[3]};
  tile_ps(ar, 4, b, k, c, ldc);
}

__attribute__((target("avx"))) void clus_sgemm_tile6x4_rows_avx(const float *const *a, const float *const *b, long k,
                                                                float *c, long ldc) {
  const float *ar[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
  tile_ps(ar, 6, b, k, c, ldc);
}

__attribute__((target("avx"))) static inline __m256d pair_pd(const double *lo, const double *hi) {
  return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(lo)), _mm_loadu_pd(hi), 1);
}

// Two elements of a tile: e and f hold the 2 lanes of elements (r, q) and (r, q + 1); one addition adds
// l0 + l1 of both, then the tail terms in index order.
__attribute__((target("avx"))) static inline void finish_pair_pd(__m128d e, __m128d f, const double *a,
                                                                 const double *bq, const double *bq1, long kv,
                                                                 long k, double *c) {
  __m128d s = _mm_add_pd(_mm_unpacklo_pd(e, f), _mm_unpackhi_pd(e, f));
  if (kv < k) {
    __m128d t = _mm_mul_pd(_mm_set1_pd(a[kv]), _mm_setr_pd(bq[kv], bq1[kv]));
    for (long p = kv + 1; p < k; p++) t = _mm_add_pd(t, _mm_mul_pd(_mm_set1_pd(a[p]), _mm_setr_pd(bq[p], bq1[p])));
    s = _mm_add_pd(s, t);
  }
  _mm_storeu_pd(c, s);
}

__attribute__((target("avx"))) void clus_dgemm_tile4x4_avx(const double *a, long lda, const double *b, long ldb, long k,
                                                           double *c, long ldc) {
  const long kv = k - k % 2;
  __m256d c0a = _mm256_setzero_pd(), c0b = _mm256_setzero_pd(), c1a = _mm256_setzero_pd(), c1b = _mm256_setzero_pd();
  __m256d c2a = _mm256_setzero_pd(), c2b = _mm256_setzero_pd(), c3a = _mm256_setzero_pd(), c3b = _mm256_setzero_pd();
  const double *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  for (long p = 0; p < kv; p += 2) {
    const __m256d bx = pair_pd(b0 + p, b1 + p), by = pair_pd(b2 + p, b3 + p);
    __m256d x = _mm256_broadcast_pd((const __m128d *)(a0 + p));
    c0a = _mm256_add_pd(c0a, _mm256_mul_pd(x, bx)); c0b = _mm256_add_pd(c0b, _mm256_mul_pd(x, by));
    x = _mm256_broadcast_pd((const __m128d *)(a1 + p));
    c1a = _mm256_add_pd(c1a, _mm256_mul_pd(x, bx)); c1b = _mm256_add_pd(c1b, _mm256_mul_pd(x, by));
    x = _mm256_broadcast_pd((const __m128d *)(a2 + p));
    c2a = _mm256_add_pd(c2a, _mm256_mul_pd(x, bx)); c2b = _mm256_add_pd(c2b, _mm256_mul_pd(x, by));
    x = _mm256_broadcast_pd((const __m128d *)(a3 + p));
    c3a = _mm256_add_pd(c3a, _mm256_mul_pd(x, bx)); c3b = _mm256_add_pd(c3b, _mm256_mul_pd(x, by));
  }
  const __m256d acc[4][2] = {{c0a, c0b}, {c1a, c1b}, {c2a, c2b}, {c3a, c3b}};
  const double *rows[4] = {a0, a1, a2, a3};
  for (int r = 0; r < 4; r++) {
    finish_pair_pd(_mm256_castpd256_pd128(acc[r][0]), _mm256_extractf128_pd(acc[r][0], 1), rows[r], b0, b1, kv, k,
                   c + r * ldc);
    finish_pair_pd(_mm256_castpd256_pd128(acc[r][1]), _mm256_extractf128_pd(acc[r][1], 1), rows[r], b2, b3, kv, k,
                   c + r * ldc + 2);
  }
}

// The two lanes of a block Gram AᵀB over `pairs` pairs of rows (ClusAlgorithms/UMAP/Spectral.swift,
// `blockGram`): even[i * q + j] = even[i * q + j] + a[2t][i] * b[2t][j] for t = 0, 1, ... in order, and
// odd likewise with the rows 2t + 1; the same operations in the same order per element as the Swift
// loop, four columns j per 256-bit register, the accumulators held in registers for up to 16 columns
// while the rows stream past (the Swift loop reloads and stores them per row pair). A last group of
// fewer than four columns is loaded and stored through a mask; its idle lanes are never written.
__attribute__((target("avx"))) static inline void gram_lanes_group(const double *a, long p, const double *b, long q,
                                                                  long pairs, long i, long j0, int groups,
                                                                  __m256i lastMask, double *e, double *o) {
  const __m256i all = _mm256_set1_epi64x(-1);
  __m256i m[4];
  for (int g = 0; g < 4; g++) m[g] = g == groups - 1 ? lastMask : all;
  __m256d ea[4], oa[4];
  for (int g = 0; g < 4; g++) {
    ea[g] = g < groups ? _mm256_maskload_pd(e + j0 + 4 * g, m[g]) : _mm256_setzero_pd();
    oa[g] = g < groups ? _mm256_maskload_pd(o + j0 + 4 * g, m[g]) : _mm256_setzero_pd();
  }
  for (long t = 0; t < pairs; t++) {
    const double *ra = a + 2 * t * p, *rb = b + 2 * t * q + j0, *rb1 = rb + q;
    const __m256d x0 = _mm256_broadcast_sd(ra + i), x1 = _mm256_broadcast_sd(ra + p + i);
    for (int g = 0; g < 4; g++) {
      if (g >= groups) break;
      ea[g] = _mm256_add_pd(ea[g], _mm256_mul_pd(x0, _mm256_maskload_pd(rb + 4 * g, m[g])));
      oa[g] = _mm256_add_pd(oa[g], _mm256_mul_pd(x1, _mm256_maskload_pd(rb1 + 4 * g, m[g])));
    }
  }
  for (int g = 0; g < groups; g++) {
    _mm256_maskstore_pd(e + j0 + 4 * g, m[g], ea[g]);
    _mm256_maskstore_pd(o + j0 + 4 * g, m[g], oa[g]);
  }
}

__attribute__((target("avx"))) void clus_gram_lanes_avx(const double *a, long p, const double *b, long q, long pairs,
                                                       double *even, double *odd) {
  const long groups = (q + 3) / 4, rest = q % 4;
  const __m256i lastMask = _mm256_setr_epi64x(-1, rest == 0 || rest > 1 ? -1 : 0, rest == 0 || rest > 2 ? -1 : 0,
                                              rest == 0 ? -1 : 0);
  const __m256i all = _mm256_set1_epi64x(-1);
  for (long i = 0; i < p; i++) {
    for (long g0 = 0; g0 < groups; g0 += 4) {
      const int w = groups - g0 < 4 ? (int)(groups - g0) : 4;
      const __m256i last = g0 + w == groups ? lastMask : all;
      switch (w) {  // constant group counts, so that the accumulators stay in registers
      case 1: gram_lanes_group(a, p, b, q, pairs, i, 4 * g0, 1, last, even + i * q, odd + i * q); break;
      case 2: gram_lanes_group(a, p, b, q, pairs, i, 4 * g0, 2, last, even + i * q, odd + i * q); break;
      case 3: gram_lanes_group(a, p, b, q, pairs, i, 4 * g0, 3, last, even + i * q, odd + i * q); break;
      default: gram_lanes_group(a, p, b, q, pairs, i, 4 * g0, 4, last, even + i * q, odd + i * q); break;
      }
    }
  }
}

// Panels (clus_sgemm_packed_avx): the rows of a matrix in groups of 8, each group stored k x 8, coordinate p
// of row 8g + l at panels[(g * k + p) * 8 + l]. Eight neighbouring elements of one row of C then share a
// register, one element per lane, and each element keeps its 4 lanes over k in 4 registers: lane l adds the
// terms with index = l mod 4 in increasing order (acc = acc + a*b, a separate multiply), the 4 lanes are
// added in lane order, then the tail terms in index order: the arithmetic of every element is that of the
// 4 x 4 tiles above and of the Swift kernel, with no transposition or gather in the epilogue.
void clus_sgemm_pack_panels(const float *x, long ldx, long rows, long k, float *panels) {
  for (long g = 0; g * 8 < rows; g++) {
    float *dst = panels + g * k * 8;
    for (long l = 0; l < 8; l++) {
      const long r = g * 8 + l;
      if (r < rows) {
        const float *src = x + r * ldx;
        for (long p = 0; p < k; p++) dst[p * 8 + l] = src[p];
      } else {
        for (long p = 0; p < k; p++) dst[p * 8 + l] = 0.0f;
      }
    }
  }
}

// R rows (a[0..<R], each read at stride 8) against one panel b (k x 8), the R x 8 results at c (row stride
// ldc), of which the first `cols` columns are stored.
__attribute__((always_inline, target("avx"))) static inline void packed_rows_ps(const float *const *a, const int R,
                                                                               const float *b, long k, float *c,
                                                                               long ldc, long cols) {
  const long kv = k - k % 4;
  __m256 acc[3][4];
  for (int r = 0; r < R; r++)
    for (int l = 0; l < 4; l++) acc[r][l] = _mm256_setzero_ps();
  for (long p = 0; p < kv; p += 4) {
    for (int l = 0; l < 4; l++) {
      const __m256 bv = _mm256_loadu_ps(b + (p + l) * 8);
      for (int r = 0; r < R; r++)
        acc[r][l] = _mm256_add_ps(acc[r][l], _mm256_mul_ps(_mm256_broadcast_ss(a[r] + (p + l) * 8), bv));
    }
  }
  for (int r = 0; r < R; r++) {
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[r][0], acc[r][1]), acc[r][2]), acc[r][3]);
    if (kv < k) {
      __m256 t = _mm256_mul_ps(_mm256_broadcast_ss(a[r] + kv * 8), _mm256_loadu_ps(b + kv * 8));
      for (long p = kv + 1; p < k; p++)
        t = _mm256_add_ps(t, _mm256_mul_ps(_mm256_broadcast_ss(a[r] + p * 8), _mm256_loadu_ps(b + p * 8)));
      s = _mm256_add_ps(s, t);
    }
    if (cols == 8) {
      _mm256_storeu_ps(c + r * ldc, s);
    } else {
      float tmp[8];
      _mm256_storeu_ps(tmp, s);
      for (long q = 0; q < cols; q++) c[r * ldc + q] = tmp[q];
    }
  }
}

__attribute__((target("avx"))) void clus_sgemm_packed_avx(const float *ap, long m, const float *bp, long n, long k,
                                                          float *c, long ldc) {
  for (long j0 = 0; j0 < n; j0 += 8) {
    const float *b = bp + (j0 / 8) * k * 8;
    const long cols = n - j0 < 8 ? n - j0 : 8;
    long i = 0;
    for (; i + 3 <= m; i += 3) {
      const float *a[3] = {ap + (i / 8) * k * 8 + i % 8, ap + ((i + 1) / 8) * k * 8 + (i + 1) % 8,
                           ap + ((i + 2) / 8) * k * 8 + (i + 2) % 8};
      packed_rows_ps(a, 3, b, k, c + i * ldc + j0, ldc, cols);
    }
    if (m - i == 2) {
      const float *a[2] = {ap + (i / 8) * k * 8 + i % 8, ap + ((i + 1) / 8) * k * 8 + (i + 1) % 8};
      packed_rows_ps(a, 2, b, k, c + i * ldc + j0, ldc, cols);
    } else if (m - i == 1) {
      const float *a[1] = {ap + (i / 8) * k * 8 + i % 8};
      packed_rows_ps(a, 1, b, k, c + i * ldc + j0, ldc, cols);
    }
  }
}

// The full product of one row (a, read at stride 8) with one panel b (k x 8): the arithmetic of
// packed_rows_ps for R = 1, returned in a register.
__attribute__((always_inline, target("avx"))) static inline __m256 packed_row8_ps(const float *a, const float *b,
                                                                                  long k) {
  const long kv = k - k % 4;
  __m256 l0 = _mm256_setzero_ps(), l1 = _mm256_setzero_ps(), l2 = _mm256_setzero_ps(), l3 = _mm256_setzero_ps();
  for (long p = 0; p < kv; p += 4) {
    l0 = _mm256_add_ps(l0, _mm256_mul_ps(_mm256_broadcast_ss(a + p * 8), _mm256_loadu_ps(b + p * 8)));
    l1 = _mm256_add_ps(l1, _mm256_mul_ps(_mm256_broadcast_ss(a + (p + 1) * 8), _mm256_loadu_ps(b + (p + 1) * 8)));
    l2 = _mm256_add_ps(l2, _mm256_mul_ps(_mm256_broadcast_ss(a + (p + 2) * 8), _mm256_loadu_ps(b + (p + 2) * 8)));
    l3 = _mm256_add_ps(l3, _mm256_mul_ps(_mm256_broadcast_ss(a + (p + 3) * 8), _mm256_loadu_ps(b + (p + 3) * 8)));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(l0, l1), l2), l3);
  if (kv < k) {
    __m256 t = _mm256_mul_ps(_mm256_broadcast_ss(a + kv * 8), _mm256_loadu_ps(b + kv * 8));
    for (long p = kv + 1; p < k; p++)
      t = _mm256_add_ps(t, _mm256_mul_ps(_mm256_broadcast_ss(a + p * 8), _mm256_loadu_ps(b + p * 8)));
    s = _mm256_add_ps(s, t);
  }
  return s;
}

// One group test of clus_sgemm_skip_tile_avx: the row's partial products p (8 columns), kept unless
// both sides are certainly beyond their limits; a kept group gets its full products appended.
__attribute__((always_inline, target("avx"))) static inline long skip_group_ps(
    __m256 p, long r, long g, const float *af, const float *bpanel, long d, const float *ta, const float *na,
    const float *lima, __m256 tb8, __m256 nb8, __m256 limb8, __m256 valid, int *idx, float *vals, long count) {
  const __m256 bound = _mm256_add_ps(p, _mm256_mul_ps(_mm256_set1_ps(ta[r]), tb8));
  const __m256 twice = _mm256_add_ps(bound, bound);
  const __m256 rowBeyond = _mm256_cmp_ps(_mm256_sub_ps(nb8, twice), _mm256_set1_ps(lima[r]), _CMP_GT_OQ);
  const __m256 colBeyond = _mm256_cmp_ps(_mm256_sub_ps(_mm256_set1_ps(na[r]), twice), limb8, _CMP_GT_OQ);
  const __m256 skip = _mm256_or_ps(_mm256_and_ps(rowBeyond, colBeyond), _mm256_xor_ps(valid, _mm256_castsi256_ps(_mm256_set1_epi32(-1))));
  if (_mm256_movemask_ps(skip) == 0xff) return count;
  idx[count] = (int)(r * 64 + g);
  _mm256_storeu_ps(vals + count * 8, packed_row8_ps(af + (r / 8) * d * 8 + r % 8, bpanel, d));
  return count + 1;
}

long clus_sgemm_skip_tile_avx(const float *as, const float *bs, long sub, const float *af, const float *bf, long d,
                              long mi, long mj, const float *ta, const float *tb, const float *na, const float *nb,
                              const float *lima, const float *limb, int *idx, float *vals)
    __attribute__((target("avx")));

long clus_sgemm_skip_tile_avx(const float *as, const float *bs, long sub, const float *af, const float *bf, long d,
                              long mi, long mj, const float *ta, const float *tb, const float *na, const float *nb,
                              const float *lima, const float *limb, int *idx, float *vals) {
  long count = 0;
  const long kv = sub - sub % 4;
  const __m256 lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
  for (long g = 0; g * 8 < mj; g++) {
    const long cols = mj - g * 8 < 8 ? mj - g * 8 : 8;
    const __m256 valid = _mm256_cmp_ps(lane, _mm256_set1_ps((float)cols), _CMP_LT_OQ);
    float tbuf[8] = {0}, nbuf[8] = {0}, lbuf[8] = {0};
    for (long q = 0; q < cols; q++) { tbuf[q] = tb[g * 8 + q]; nbuf[q] = nb[g * 8 + q]; lbuf[q] = limb[g * 8 + q]; }
    const __m256 tb8 = _mm256_loadu_ps(tbuf), nb8 = _mm256_loadu_ps(nbuf), limb8 = _mm256_loadu_ps(lbuf);
    const float *b = bs + g * sub * 8, *bpanel = bf + g * d * 8;
    long r = 0;
    for (; r + 3 <= mi; r += 3) {
      const float *a0 = as + (r / 8) * sub * 8 + r % 8, *a1 = as + ((r + 1) / 8) * sub * 8 + (r + 1) % 8,
                  *a2 = as + ((r + 2) / 8) * sub * 8 + (r + 2) % 8;
      __m256 x0 = _mm256_setzero_ps(), x1 = _mm256_setzero_ps(), y0 = _mm256_setzero_ps(), y1 = _mm256_setzero_ps();
      __m256 z0 = _mm256_setzero_ps(), z1 = _mm256_setzero_ps();
      long p = 0;
      for (; p < kv; p += 2) {
        const __m256 b0 = _mm256_loadu_ps(b + p * 8), b1 = _mm256_loadu_ps(b + (p + 1) * 8);
        x0 = _mm256_add_ps(x0, _mm256_mul_ps(_mm256_broadcast_ss(a0 + p * 8), b0));
        y0 = _mm256_add_ps(y0, _mm256_mul_ps(_mm256_broadcast_ss(a1 + p * 8), b0));
        z0 = _mm256_add_ps(z0, _mm256_mul_ps(_mm256_broadcast_ss(a2 + p * 8), b0));
        x1 = _mm256_add_ps(x1, _mm256_mul_ps(_mm256_broadcast_ss(a0 + (p + 1) * 8), b1));
        y1 = _mm256_add_ps(y1, _mm256_mul_ps(_mm256_broadcast_ss(a1 + (p + 1) * 8), b1));
        z1 = _mm256_add_ps(z1, _mm256_mul_ps(_mm256_broadcast_ss(a2 + (p + 1) * 8), b1));
      }
      for (; p < sub; p++) {
        const __m256 b0 = _mm256_loadu_ps(b + p * 8);
        x0 = _mm256_add_ps(x0, _mm256_mul_ps(_mm256_broadcast_ss(a0 + p * 8), b0));
        y0 = _mm256_add_ps(y0, _mm256_mul_ps(_mm256_broadcast_ss(a1 + p * 8), b0));
        z0 = _mm256_add_ps(z0, _mm256_mul_ps(_mm256_broadcast_ss(a2 + p * 8), b0));
      }
      count = skip_group_ps(_mm256_add_ps(x0, x1), r, g, af, bpanel, d, ta, na, lima, tb8, nb8, limb8, valid, idx,
                            vals, count);
      count = skip_group_ps(_mm256_add_ps(y0, y1), r + 1, g, af, bpanel, d, ta, na, lima, tb8, nb8, limb8, valid,
                            idx, vals, count);
      count = skip_group_ps(_mm256_add_ps(z0, z1), r + 2, g, af, bpanel, d, ta, na, lima, tb8, nb8, limb8, valid,
                            idx, vals, count);
    }
    for (; r < mi; r++) {
      const float *a0 = as + (r / 8) * sub * 8 + r % 8;
      __m256 x0 = _mm256_setzero_ps();
      for (long p = 0; p < sub; p++)
        x0 = _mm256_add_ps(x0, _mm256_mul_ps(_mm256_broadcast_ss(a0 + p * 8), _mm256_loadu_ps(b + p * 8)));
      count = skip_group_ps(x0, r, g, af, bpanel, d, ta, na, lima, tb8, nb8, limb8, valid, idx, vals, count);
    }
  }
  return count;
}

// y[i] = 0 + Σ_e vals[e]·x[cols[e]] over the stored entries e of row i, G groups of 4 columns in
// registers (the last group masked), each product rounded and then added in the entries' order
#define CSR_ROWS_BODY(G)                                                                          \
  for (long i = lo; i < hi; i++) {                                                                \
    __m256d acc0 = _mm256_setzero_pd(), acc1 = acc0, acc2 = acc0, acc3 = acc0;                    \
    const long end = rs[i + 1];                                                                   \
    for (long e = rs[i]; e < end; e++) {                                                          \
      if (e + 16 < last) __builtin_prefetch(x + (long)cols[e + 16] * p, 0, 3);                    \
      const __m256d w = _mm256_broadcast_sd(vals + e);                                            \
      const double *xr = x + (long)cols[e] * p;                                                   \
      acc0 = _mm256_add_pd(acc0, _mm256_mul_pd(w, G == 1 ? _mm256_maskload_pd(xr, tail) : _mm256_loadu_pd(xr))); \
      if (G >= 2) acc1 = _mm256_add_pd(acc1, _mm256_mul_pd(w, G == 2 ? _mm256_maskload_pd(xr + 4, tail) : _mm256_loadu_pd(xr + 4))); \
      if (G >= 3) acc2 = _mm256_add_pd(acc2, _mm256_mul_pd(w, G == 3 ? _mm256_maskload_pd(xr + 8, tail) : _mm256_loadu_pd(xr + 8))); \
      if (G >= 4) acc3 = _mm256_add_pd(acc3, _mm256_mul_pd(w, _mm256_maskload_pd(xr + 12, tail)));  \
    }                                                                                             \
    double *yr = y + i * p;                                                                       \
    if (G == 1) _mm256_maskstore_pd(yr, tail, acc0); else _mm256_storeu_pd(yr, acc0);             \
    if (G >= 2) { if (G == 2) _mm256_maskstore_pd(yr + 4, tail, acc1); else _mm256_storeu_pd(yr + 4, acc1); } \
    if (G >= 3) { if (G == 3) _mm256_maskstore_pd(yr + 8, tail, acc2); else _mm256_storeu_pd(yr + 8, acc2); } \
    if (G >= 4) _mm256_maskstore_pd(yr + 12, tail, acc3);                                         \
  }

__attribute__((target("avx"))) void clus_csr_rows_avx(const long *rs, const int *cols, const double *vals,
                                                      const double *x, double *y, long p, long lo, long hi) {
  const long groups = (p + 3) / 4, rest = p - (groups - 1) * 4;
  const __m256i tail = _mm256_set_epi64x(rest > 3 ? -1 : 0, rest > 2 ? -1 : 0, rest > 1 ? -1 : 0, -1);
  const long last = rs[hi];
  switch (groups) {
  case 1: CSR_ROWS_BODY(1) break;
  case 2: CSR_ROWS_BODY(2) break;
  case 3: CSR_ROWS_BODY(3) break;
  default: CSR_ROWS_BODY(4) break;
  }
}
#undef CSR_ROWS_BODY
