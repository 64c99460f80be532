// One block of UMAP's two-dimensional SGD layout for one round of one epoch
// (ClusAlgorithms/UMAP/Layout.swift, `optimizeLayoutEuclidean`): the arithmetic of the Swift loop it
// replaced, operation for operation and in the same order (separate multiplies and adds, no fused
// multiply-add), the same random draws in the same order (xoshiro256**, Lemire's multiply-shift), so
// the same bits. Written in C for its instruction count: the Swift loop kept the random stream's
// state and the block's bounds in memory (spilled), about 100 instructions a negative sample; here
// they stay in registers.
#include "clus_gemm_kernels.h"
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

#define LOOKAHEAD 16  // negative samples drawn ahead of their use (their rows prefetched)
#define CELL_FIRST 0x0D80u
#define CELL_LAST 0x7200u

static inline unsigned long long rotl64(unsigned long long x, int k) { return (x << k) | (x >> (64 - k)); }

static inline float clip4(float v) { return v > 4 ? 4 : (v < -4 ? -4 : v); }

// `CurveTable.lookup`: 1 and the value in *out inside the table's range, else 0.
static inline int curve(float x, const float *t, float *out) {
  unsigned int bits;
  memcpy(&bits, &x, 4);
  unsigned int hi = bits >> 16;
  if (hi < CELL_FIRST || hi >= CELL_LAST) return 0;
  const float *c = t + (long)(hi - CELL_FIRST) * 4;
  unsigned int fb = 0x3F800000u | ((bits & 0xFFFFu) << 7);
  float frac;
  memcpy(&frac, &fb, 4);
  frac = frac - 1;
  *out = c[0] + frac * (c[1] + frac * c[2]);
  return 1;
}

long clus_layout2d_run(clus_layout2d_block *p) {
  float *const y = p->y;
  const float *const snap = p->snap;
  const long *const rs = p->rs;
  const int *const cols = p->cols;
  const float *const ep = p->ep;
  float *const ns = p->ns, *const nn = p->nn;
  const float *const atab = p->atab, *const rtab = p->rtab;
  const float a = p->a, b = p->b, gamma = p->gamma, negRate = p->neg_rate, fEpoch = p->epoch, al = p->alpha;
  const long n = p->n, rlo = p->rlo, lo = p->lo, hi = p->hi;
  const unsigned long long roundCount = (unsigned long long)(p->rhi - rlo), blockCount = (unsigned long long)(hi - lo);
  int *const dt = p->def_target;
  float *const dd = p->def_delta;
  unsigned long long s0 = p->rng[0], s1 = p->rng[1], s2 = p->rng[2], s3 = p->rng[3];

  // `rowToRead`: in the round but outside the block, the snapshot; else the live row
#define ROW(k2) \
  (((unsigned long long)((k2) - rlo) < roundCount && (unsigned long long)((k2) - lo) >= blockCount ? snap : y) + (k2) * 2)
  // `RandomStream.nextInt(n)`
#define DRAW(out)                                                                      \
  do {                                                                                 \
    unsigned long long r_ = rotl64(s1 * 5, 7) * 9, t_ = s1 << 17;                      \
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t_; s3 = rotl64(s3, 45);            \
    (out) = (long)(((r_ >> 32) * (unsigned long long)n) >> 32);                        \
  } while (0)

  const float *ring[LOOKAHEAD];
  for (int i = 0; i < LOOKAHEAD; i++) {
    long k2;
    DRAW(k2);
    ring[i] = ROW(k2);
    __builtin_prefetch(ring[i], 0, 3);
  }
  unsigned head = 0;

  // the edges of vertex v sampled at this epoch (ns[e] <= epoch, as the sign bit of epoch - ns[e]),
  // their tails' rows prefetched
#define GATHER(v, into, count)                                                        \
  do {                                                                                \
    long m_ = 0;                                                                      \
    for (long e_ = rs[v]; e_ < rs[(v) + 1]; e_++) {                                   \
      float d_ = fEpoch - ns[e_];                                                     \
      unsigned int b_;                                                                \
      memcpy(&b_, &d_, 4);                                                            \
      (into)[m_] = e_;                                                                \
      m_ += (long)((b_ >> 31) ^ 1u);                                                  \
    }                                                                                 \
    for (long t_ = 0; t_ < m_; t_++) __builtin_prefetch(ROW((long)cols[(into)[t_]]), 0, 3); \
    (count) = m_;                                                                     \
  } while (0)

  long *curSel = p->selection, *nextSel = p->selection + p->max_degree;
  long curCount, nDef = 0;
  GATHER(lo, curSel, curCount);
  for (long j = lo; j < hi; j++) {
    long nextCount = 0;
    if (j + 1 < hi) GATHER(j + 1, nextSel, nextCount);
    float *const cur = y + j * 2;
    float c0 = cur[0], c1 = cur[1];
    for (long t = 0; t < curCount; t++) {
      const long e = curSel[t];
      const long k = cols[e];
      const int own = (unsigned long long)(k - lo) < blockCount;
      const float *const other = ROW(k);
      const float epe = ep[e];
      const float en = epe / negRate;
      const float qNeg = (fEpoch - nn[e]) / en;
      long nNeg = 0;
      if (qNeg >= 1 && isfinite(qNeg)) {
        nNeg = (long)qNeg;
        nn[e] += (float)nNeg * en;
      }
      ns[e] += epe;
      // the repulsion, at j's position before this sample's attraction
      float m0 = 0, m1 = 0;
      for (long i = 0; i < nNeg; i++) {
        const float *const o2 = ring[head];
        long k2;
        DRAW(k2);
        const float *const drawn = ROW(k2);
        ring[head] = drawn;
        __builtin_prefetch(drawn, 0, 3);
        head = (head + 1) & (LOOKAHEAD - 1);
        if (o2 == cur) continue;
        const float v0 = c0 - o2[0], v1 = c1 - o2[1];
        const float q2 = v0 * v0 + v1 * v1;
        if (q2 > 0) {
          float rc;
          if (!curve(q2, rtab, &rc)) rc = p->repulsion_outside(q2, a, b, gamma);
          if (rc > 0) {
            m0 += clip4(rc * v0);
            m1 += clip4(rc * v1);
          }
        }
      }
      // a loop edge reads j's own (current) position
      const float u0 = c0 - (k == j ? c0 : other[0]), u1 = c1 - (k == j ? c1 : other[1]);
      const float d2 = u0 * u0 + u1 * u1;
      float coeff = 0;
      if (d2 > 0 && !curve(d2, atab, &coeff)) coeff = p->attraction_outside(d2, a, b);
      const float g0 = clip4(coeff * u0), g1 = clip4(coeff * u1);
      if (k == j) {
        c0 = (c0 + g0 * al) - g0 * al;
        c1 = (c1 + g1 * al) - g1 * al;
      } else if (own) {
        c0 += g0 * al;
        c1 += g1 * al;
        float *const om = y + k * 2;
        om[0] -= g0 * al;
        om[1] -= g1 * al;
      } else {
        dt[nDef] = (int)k;
        float *const ds = dd + nDef * 2;
        c0 += g0 * al;
        c1 += g1 * al;
        ds[0] = -g0 * al;
        ds[1] = -g1 * al;
        nDef += 1;
      }
      if (nNeg > 0) {
        c0 = c0 + m0 * al;
        c1 = c1 + m1 * al;
      }
    }
    cur[0] = c0;
    cur[1] = c1;
    long *const sw = curSel;
    curSel = nextSel;
    nextSel = sw;
    curCount = nextCount;
  }
#undef ROW
#undef DRAW
#undef GATHER
  p->rng[0] = s0; p->rng[1] = s1; p->rng[2] = s2; p->rng[3] = s3;
  return nDef;
}
