// 4 x 4 tiles and packed panels of the deterministic dot-product kernel (ClusAlgorithms/Core/Gemm.swift) in
// 256-bit AVX, HDBSCAN's core-distance tiles through a bound on a few columns (gemm_avx.c), and the
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

/// The 6 x 4 tile of rows anywhere in memory: c[r * ldc + q] = dot(a[r], b[q]) over k, r in 0..<6, q in
/// 0..<4, each element with the 4 x 4 tile's arithmetic (the same bits). Requires AVX.
void clus_sgemm_tile6x4_rows_avx(const float *const *a, const float *const *b, long k, float *c, long ldc);

/// Packs `rows` rows of x (k floats each, row stride ldx) in panels of 8 rows: coordinate p of row 8g + l
/// at panels[(g * k + p) * 8 + l], the missing rows of the last panel zero. `panels` holds
/// ceil(rows / 8) * 8 * k floats. Any x86-64 (plain C, moves only).
void clus_sgemm_pack_panels(const float *x, long ldx, long rows, long k, float *panels);

/// c[i * ldc + j] = dot(row i of ap, row j of bp) over k for i < m, j < n, both operands packed by
/// clus_sgemm_pack_panels (row 0 at the start of a panel): the same bits as the 4 x 4 tiles, 8 columns
/// of C per register and 3 rows at a time. Requires AVX.
void clus_sgemm_packed_avx(const float *ap, long m, const float *bp, long n, long k, float *c, long ldc);

/// One tile of HDBSCAN's core-distance self-join (ClusAlgorithms/Neighbors/GemmSelfKNN.swift, `gemmSelfKNN`)
/// through a bound on a few columns: rows 0..<mi of block I against rows 0..<mj of block J, 8 columns (a
/// group) at a time. as, bs: the blocks packed over `sub` columns; af, bf: over all d; ta, tb: the rows'
/// norms over the other columns (rounded up); na, nb: the squared norms; lima, limb: each row's limit.
/// With P the partial product over the sub columns (any order: it only bounds), a group of row r is
/// skipped when for each of its columns q both nb[q] - 2(P + ta[r] tb[q]) > lima[r] and
/// na[r] - 2(P + ta[r] tb[q]) > limb[q] (a NaN keeps it). A kept group appends idx = r * 64 + g and its
/// 8 full products, the bits of clus_sgemm_packed_avx (lanes past mj unspecified), to idx and vals
/// (capacity: one per group). Returns the count kept. Requires AVX.
long clus_sgemm_skip_tile_avx(const float *as, const float *bs, long sub, const float *af, const float *bf, long d,
                              long mi, long mj, const float *ta, const float *tb, const float *na, const float *nb,
                              const float *lima, const float *limb, int *idx, float *vals);

/// The Double version (2 lanes): c[r * ldc + q] = dot(a + r * lda, b + q * ldb), r, q in 0..<4.
void clus_dgemm_tile4x4_avx(const double *a, long lda, const double *b, long ldb, long k, double *c, long ldc);

/// The even and odd lanes of the block Gram AᵀB (a: rows of p doubles, b: rows of q, both row-major)
/// over `pairs` pairs of rows: even[i * q + j] += a[2t][i] · b[2t][j] and odd[i * q + j] +=
/// a[2t + 1][i] · b[2t + 1][j] for t in 0..<pairs in order, each as acc = acc + x·y (separate multiply
/// and add), the `p × q` lanes accumulating onto what they hold. Requires AVX.
void clus_gram_lanes_avx(const double *a, long p, const double *b, long q, long pairs, double *even, double *odd);

/// Rows lo..<hi of Y = M·X for the CSR matrix M (row starts rs, column indices cols, values vals) and
/// row-major X and Y of p columns, 1 ≤ p ≤ 16: y[i][j] = 0 + vals[e]·x[cols[e]][j] summed over row i's
/// entries e in order, each product rounded and then added (`NormalizedAdjacency.apply`'s loop, bit for
/// bit), up to 16 columns held in registers and the rows of X prefetched 16 entries ahead. Requires AVX.
void clus_csr_rows_avx(const long *rs, const int *cols, const double *vals, const double *x, double *y, long p,
                       long lo, long hi);

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
