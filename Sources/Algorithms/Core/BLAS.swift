import COpenBLAS

/// Thin wrappers over OpenBLAS (CBLAS, row-major) used by the distance and PCA kernels.
public enum BLAS {
  /// C (m × n) = alpha · A (m × k) · op(B) + beta · C, all row-major Float32.
  /// `transB` multiplies by Bᵀ where B is stored n × k. Leading dimensions are the row lengths.
  public static func sgemm(
    m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, transB: Bool, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Double-precision version of `sgemm` (row-major), with optional transposition of A.
  public static func dgemm(
    m: Int, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, transA: Bool = false,
    b: UnsafePointer<Double>, ldb: Int, transB: Bool, beta: Double = 0,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Sets OpenBLAS's own thread count. Call with 1 around BLAS calls made from inside clus's
  /// parallel regions, so the two thread pools do not oversubscribe the cores.
  public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

  /// OpenBLAS's current thread count.
  public static var threads: Int { Int(openblas_get_num_threads()) }
}
