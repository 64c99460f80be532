/// Rows projected on the top `r` principal directions of a sample: z = Q(x − μ), n × r.
///
/// The random-projection trees split in this space: a hyperplane between two random points costs
/// r instead of d operations per point, and for high-dimensional data the leading principal
/// directions carry most of the spread the splits act on.
final class PrincipalProjection {
  let r: Int
  let z: UnsafeMutablePointer<Float>

  deinit { z.deallocate() }

  /// Projects `x` (n × d) on r < d directions (eigenvectors of the covariance of a strided
  /// sample of at most 2048 rows, by `symmetricEigenLargest` in Double: the same bits on every CPU,
  /// each direction's largest |entry| positive). The projection runs `Gemm` inside fixed row
  /// blocks, so the values do not depend on `threads` or the CPU. Returns nil if the data are not finite.
  init?(_ x: UnsafePointer<Float>, n: Int, d: Int, r: Int, threads: Int) {
    self.r = r
    // mean over all rows (per-chunk partial sums combined in chunk order)
    let mean = columnMeans(x, rows: n, cols: d, chunkRows: 4096, threads: threads)
    // covariance of a strided sample: A is d × s (centred sample, transposed)
    let s = min(n, 2048)
    var a = [Float](repeating: 0, count: d * s)
    for u in 0..<s {
      let i = (u * n) / s
      for t in 0..<d { a[t * s + u] = Float(Double(x[i * d + t]) - mean[t]) }
    }
    var cov = [Float](repeating: 0, count: d * d)
    a.withUnsafeBufferPointer { ap in
      cov.withUnsafeMutableBufferPointer { cp in
        Gemm.sgemmNT(m: d, n: d, k: s, a: ap.baseAddress!, lda: s, b: ap.baseAddress!, ldb: s,
                     c: cp.baseAddress!, ldc: d)
      }
    }
    // top r eigenvectors of the covariance, in Double by the deterministic solver
    guard let top = try? symmetricEigenLargest(cov.map { Double($0) }, n: d, count: r, threads: threads) else { return nil }
    // Q (r × d): eigenvectors by decreasing eigenvalue; μQᵀ
    let q = top.vectors.map { Float($0) }
    var muQ = [Float](repeating: 0, count: r)
    for j in 0..<r {
      var acc = 0.0
      for t in 0..<d { acc += Double(q[j * d + t]) * mean[t] }
      muQ[j] = Float(acc)
    }
    z = .allocate(capacity: n * r)
    let zb = z
    q.withUnsafeBufferPointer { qp in
      muQ.withUnsafeBufferPointer { mqp in
        let qb = qp.baseAddress!, mq = mqp.baseAddress!
        parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
          Gemm.sgemmNT(m: rows.count, n: r, k: d, a: x + rows.lowerBound * d, lda: d, b: qb, ldb: d,
                       c: zb + rows.lowerBound * r, ldc: r)
          for i in rows {
            let zi = zb + i * r
            for j in 0..<r { zi[j] -= mq[j] }
          }
        }
      }
    }
  }
}
