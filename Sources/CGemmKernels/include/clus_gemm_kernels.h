// 4 x 4 tiles of the deterministic dot-product kernel (ClusAlgorithms/Core/Gemm.swift) in 256-bit AVX, and the
// KD-tree search's distances to a column-stored subtree (leaf_distances.c), HDBSCAN's box gaps (box_gaps.c) and
// UMAP's two-dimensional layout (layout2d.c).
// Each element is computed with exactly the arithmetic of the Swift kernel (lanes over k, lanes
// added in order, then the tail; separate multiplies and adds): only the vector width differs.
#ifndef CLUS_GEMM_KERNELS_H
#define CLUS_GEMM_KERNELS_H

/// 1 when the processor and the operating system support AVX (CPUID.1:ECX.AVX and OSXSAVE, and
/// XCR0 enables the SSE and AVX state), else 0.
int clus_gemm_have_avx(void);

/// c[r * ldc + q] = dot(a + r * lda, b + q * ldb) over k for r, q in 0..<4 (Float32, 4 lanes).
/// Requires AVX (see clus_gemm_have_avx).
void clus_sgemm_tile4x4_avx(const float *a, long lda, const float *b, long ldb, long k, float *c, long ldc);

/// The same tile for rows anywhere in memory: c[r * ldc + q] = dot(a[r], b[q]) over k, r, q in 0..<4
/// (a gather of rows without copying them). Requires AVX.
void clus_sgemm_tile4x4_rows_avx(const float *const *a, const float *const *b, long k, float *c, long ldc);

/// The Double version (2 lanes): c[r * ldc + q] = dot(a + r * lda, b + q * ldb), r, q in 0..<4.
void clus_dgemm_tile4x4_avx(const double *a, long lda, const double *b, long ldb, long k, double *c, long ldc);

/// The even and odd lanes of the block Gram AᵀB (a: rows of p doubles, b: rows of q, both row-major)
/// over `pairs` pairs of rows: even[i * q + j] += a[2t][i] · b[2t][j] and odd[i * q + j] +=
/// a[2t + 1][i] · b[2t + 1][j] for t in 0..<pairs in order, each as acc = acc + x·y (separate multiply
/// and add), the `p × q` lanes accumulating onto what they hold. Requires AVX.
void clus_gram_lanes_avx(const double *a, long p, const double *b, long q, long pairs, double *even, double *odd);

/// Squared euclidean distances from the query q (d values) to m points stored column by column
/// (coordinate j of point t at cols[j * m + t]), Σ_j (q[j] − cols[j * m + t])² with the terms added in
/// order j = 0, 1, … from 0 (`EuclideanKD.rdist`'s arithmetic, bit for bit), 2 points at a time
/// (SSE2, any x86-64): the points at a distance <= bound (a NaN bound keeps none), their distances
/// and indices in point order in dist[0..<c] and idx[0..<c]; returns c.
long clus_leaf_sqdist_within(const double *cols, long m, long d, const double *q, double bound, double *dist, int *idx);

/// The same, 4 points at a time. Requires AVX (see clus_gemm_have_avx).
long clus_leaf_sqdist_within_avx(const double *cols, long m, long d, const double *q, double bound, double *dist,
                                 int *idx);

/// The squared box gaps of node a (corners la, ha) against nodes 1 and 2 (l1, h1 and l2, h2), d ≤ 64
/// coordinates each: t1[j] = g1_j², t2[j] = g2_j² with g = max(lo_a − hi_b, lo_b − hi_a, 0) (the
/// library's 0.5 · ((d1 + |d1|) + (d2 + |d2|)) exactly, for boxes whose coordinates' differences do
/// not overflow when doubled), and in *m1, *m2 bit j set when that square is not zero (SSE2).
void clus_box_gaps2(const double *la, const double *ha, const double *l1, const double *h1, const double *l2,
                    const double *h2, long d, double *t1, double *t2, unsigned long long *m1,
                    unsigned long long *m2);

/// The same, 4 coordinates at a time. Requires AVX (see clus_gemm_have_avx).
void clus_box_gaps2_avx(const double *la, const double *ha, const double *l1, const double *h1, const double *l2,
                        const double *h2, long d, double *t1, double *t2, unsigned long long *m1,
                        unsigned long long *m2);

/// One block of UMAP's two-dimensional layout for one round of one epoch (layout2d.c): the head
/// vertices lo..<hi, their edges sampled at `epoch`, each edge's negative samples and attraction, as
/// `optimizeLayoutEuclidean`'s 2-D loop in ClusAlgorithms/UMAP/Layout.swift describes (the same
/// arithmetic and draws, so the same bits). Tails outside the block get their moves recorded in
/// def_target / def_delta (from slot 0); rng is the block's xoshiro256** state, left advanced.
typedef struct clus_layout2d_block {
  float *y;              // n x 2 live rows
  const float *snap;     // rows rlo..<rhi as at the start of the round (n x 2 addressing)
  const long *rs;        // CSR row starts (n + 1)
  const int *cols;       // CSR columns
  const float *ep;       // epochs per sample, per edge
  float *ns, *nn;        // epoch of the next sample / next negative sample, per edge
  const float *atab, *rtab;  // `CurveTable` cells of the attraction and repulsion coefficients
  float a, b, gamma, neg_rate, epoch, alpha;
  long n, rlo, rhi, lo, hi;
  int *def_target;       // one slot per deferred move
  float *def_delta;      // two values per slot
  long *selection;       // scratch: 2 * max_degree
  long max_degree;
  unsigned long long rng[4];
  float (*attraction_outside)(float x, float a, float b);
  float (*repulsion_outside)(float x, float a, float b, float gamma);
} clus_layout2d_block;

/// Runs the block; returns the number of deferred moves recorded.
long clus_layout2d_run(clus_layout2d_block *p);

#endif
