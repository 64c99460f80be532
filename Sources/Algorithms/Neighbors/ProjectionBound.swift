import CLapacke
#if canImport(Glibc)
import Glibc
#endif

/// A cheap lower bound of squared euclidean distances from a principal-subspace projection.
///
/// With Q (r × d) orthonormal rows spanning the top principal directions of a sample of rows,
/// z = Q(x − μ) and ρ = ‖(I − QᵀQ)(x − μ)‖, Pythagoras and the triangle inequality give
/// ‖x − y‖² ≥ ‖z_x − z_y‖² + (ρ_x − ρ_y)². The bound costs r instead of d operations, so a
/// candidate pair that cannot enter either point's neighbour list is rejected without computing
/// its distance. A small relative slack covers Float32 rounding, so the rejection never changes
/// which updates are made except for pairs within ~10⁻⁴ of a threshold.
/// The projected rows also serve as the data of the random-projection trees.
final class ProjectionBound {
  let r: Int
  let z: UnsafeMutablePointer<Float>
  let res: UnsafeMutablePointer<Float>
  let tol: UnsafeMutablePointer<Float>

  deinit {
    z.deallocate()
    res.deallocate()
    tol.deallocate()
  }

  @inline(__always) func bound(_ p: Int, _ q: Int) -> Float {
    let e = squaredEuclidean(z + p &* r, z + q &* r, r)
    let g = max(0, abs(res[p] - res[q]) - tol[p] - tol[q])
    return 0.9999 * e + g * g
  }

  /// Builds the projection for `x` (n × d) with r dimensions (multiple of 8, r < d), from a
  /// strided sample of at most 2048 rows. BLAS runs single-threaded inside fixed row blocks, so
  /// the values do not depend on `threads`. Returns nil if LAPACK fails.
  init?(_ x: UnsafePointer<Float>, n: Int, d: Int, r: Int, threads: Int) {
    self.r = r
    let prevBLAS = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(prevBLAS) }
    // mean over all rows (per-chunk partial sums combined in chunk order)
    let chunk = 4096
    let nChunks = chunkCount(n, chunk)
    var partial = [Double](repeating: 0, count: nChunks * d)
    partial.withUnsafeMutableBufferPointer { pp in
      let pb = pp.baseAddress!
      parallelChunks(count: n, chunkSize: chunk, threads: threads) { c, rows in
        let acc = pb + c * d
        for i in rows {
          let row = x + i * d
          for t in 0..<d { acc[t] += Double(row[t]) }
        }
      }
    }
    var mean = [Double](repeating: 0, count: d)
    for c in 0..<nChunks { for t in 0..<d { mean[t] += partial[c * d + t] } }
    for t in 0..<d { mean[t] /= Double(n) }
    let meanF = mean.map { Float($0) }
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
        BLAS.sgemm(m: d, n: d, k: s, a: ap.baseAddress!, lda: s, b: ap.baseAddress!, ldb: s, transB: true,
                   c: cp.baseAddress!, ldc: d)
      }
    }
    var w = [Float](repeating: 0, count: d)
    var vecs = [Float](repeating: 0, count: d * r)
    var isuppz = [Int32](repeating: 0, count: 2 * r)
    var found: Int32 = 0
    let info = LAPACKE_ssyevr(
      LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "I")), Int8(UInt8(ascii: "U")),
      Int32(d), &cov, Int32(d), 0, 0, Int32(d - r + 1), Int32(d), 0, &found, &w,
      &vecs, Int32(r), &isuppz)
    if info != 0 || Int(found) != r { return nil }
    // Q rows = eigenvectors by decreasing eigenvalue, re-orthonormalised in Double
    var q = [Double](repeating: 0, count: r * d)
    for j in 0..<r {
      let col = r - 1 - j
      for t in 0..<d { q[j * d + t] = Double(vecs[t * r + col]) }
    }
    for j in 0..<r {
      for _ in 0..<2 {
        for l in 0..<j {
          var dp = 0.0
          for t in 0..<d { dp += q[j * d + t] * q[l * d + t] }
          for t in 0..<d { q[j * d + t] -= dp * q[l * d + t] }
        }
      }
      var nn = 0.0
      for t in 0..<d { nn += q[j * d + t] * q[j * d + t] }
      let inv = nn > 0 ? 1 / nn.squareRoot() : 0
      for t in 0..<d { q[j * d + t] *= inv }
    }
    let qf = q.map { Float($0) }
    // μQᵀ
    var muQ = [Float](repeating: 0, count: r)
    for j in 0..<r {
      var acc = 0.0
      for t in 0..<d { acc += q[j * d + t] * mean[t] }
      muQ[j] = Float(acc)
    }
    var muNorm = 0.0
    for t in 0..<d { muNorm += mean[t] * mean[t] }
    let muLen = Float(muNorm.squareRoot())
    z = .allocate(capacity: n * r)
    res = .allocate(capacity: n)
    tol = .allocate(capacity: n)
    let zb = z, rb = res, tb = tol
    qf.withUnsafeBufferPointer { qp in
      meanF.withUnsafeBufferPointer { mp in
        muQ.withUnsafeBufferPointer { mqp in
          let qb = qp.baseAddress!, mb = mp.baseAddress!, mq = mqp.baseAddress!
          parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
            let zr = zb + rows.lowerBound * r
            BLAS.sgemm(m: rows.count, n: r, k: d, a: x + rows.lowerBound * d, lda: d, b: qb, ldb: d,
                       transB: true, c: zr, ldc: r)
            for i in rows {
              let zi = zb + i * r
              var zz = 0.0
              for j in 0..<r { zi[j] -= mq[j]; zz += Double(zi[j]) * Double(zi[j]) }
              let row = x + i * d
              var xx = 0.0
              for t in 0..<d { let v = Double(row[t]) - Double(mb[t]); xx += v * v }
              rb[i] = Float(max(0, xx - zz).squareRoot())
              tb[i] = 1e-3 * (Float(xx.squareRoot()) + muLen)
            }
          }
        }
      }
    }
  }
}
