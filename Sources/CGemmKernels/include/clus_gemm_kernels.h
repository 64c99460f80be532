// 4 x 4 tiles of the deterministic dot-product kernel (ClusAlgorithms/Core/Gemm.swift) in 256-bit AVX.
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

/// The Double version (2 lanes): c[r * ldc + q] = dot(a + r * lda, b + q * ldb), r, q in 0..<4.
void clus_dgemm_tile4x4_avx(const double *a, long lda, const double *b, long ldb, long k, double *c, long ldc);

/// The even and odd lanes of the block Gram AᵀB (a: rows of p doubles, b: rows of q, both row-major)
/// over `pairs` pairs of rows: even[i * q + j] += a[2t][i] · b[2t][j] and odd[i * q + j] +=
/// a[2t + 1][i] · b[2t + 1][j] for t in 0..<pairs in order, each as acc = acc + x·y (separate multiply
/// and add), the `p × q` lanes accumulating onto what they hold. Requires AVX.
void clus_gram_lanes_avx(const double *a, long p, const double *b, long q, long pairs, double *even, double *odd);

#endif
