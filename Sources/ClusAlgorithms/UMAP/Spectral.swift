#if canImport(Glibc)
import Glibc
#endif

// MARK: small dense helpers (row-major Double)

/// Eigen-decomposition of a symmetric `m × m` matrix (row-major, symmetrised first as
/// (H + Hᵀ)/2): eigenvalues ascending, eigenvectors as the columns of the returned row-major
/// `m × m` matrix, each signed so its entry of largest magnitude is positive. By
/// `symmetricEigenAll` (Householder + implicit QR in plain Swift, the same bits on every CPU).
/// nil if an entry is not finite or the iteration fails.
func symmetricEigen(_ h: [Double], _ m: Int) -> (values: [Double], vectors: [Double])? {
  if m == 0 { return ([], []) }
  var a = h
  for i in 0..<m { for j in 0..<i { let v = 0.5 * (a[i * m + j] + a[j * m + i]); a[i * m + j] = v; a[j * m + i] = v } }
  guard let r = try? symmetricEigenAll(a, n: m) else { return nil }
  var columns = [Double](repeating: 0, count: m * m)
  for j in 0..<m { for i in 0..<m { columns[i * m + j] = r.vectors[j * m + i] } }
  return (r.values, columns)
}

/// Aᵀ·B for row-major `n × p` A and `n × q` B, summed over fixed row chunks in chunk order
/// (deterministic for any thread count). Returns `p × q` row-major.
func blockGram(_ a: UnsafePointer<Double>, _ p: Int, _ b: UnsafePointer<Double>, _ q: Int, _ n: Int, threads: Int) -> [Double] {
  let chunk = 2048
  let nc = chunkCount(n, chunk)
  var partial = [Double](repeating: 0, count: max(1, nc) * p * q)
  partial.withUnsafeMutableBufferPointer { pp in
    let base = pp.baseAddress!
    parallelChunks(count: n, chunkSize: chunk, threads: threads) { c, rows in
      // partial_c = A[rows]ᵀ · B[rows]  (p × q), from the two blocks transposed
      let m = rows.count
      let at = UnsafeMutablePointer<Double>.allocate(capacity: max(1, p * m))
      let bt = UnsafeMutablePointer<Double>.allocate(capacity: max(1, q * m))
      defer { at.deallocate(); bt.deallocate() }
      Gemm.transpose(rows: m, cols: p, a + rows.lowerBound * p, lds: p, into: at)
      Gemm.transpose(rows: m, cols: q, b + rows.lowerBound * q, lds: q, into: bt)
      Gemm.dgemmNT(m: p, n: q, k: m, a: at, lda: m, b: bt, ldb: m, c: base + c * p * q, ldc: q)
    }
  }
  var out = [Double](repeating: 0, count: p * q)
  for c in 0..<nc { for t in 0..<(p * q) { out[t] += partial[c * p * q + t] } }
  return out
}

/// A (`n × p`) · C (`p × q`), row-major, into `out` (`n × q`), by `Gemm` on fixed row chunks.
func blockTimesSmall(_ a: UnsafePointer<Double>, _ p: Int, _ c: [Double], _ q: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Double>, threads: Int) {
  // Cᵀ (q × p), so that every output element is a row-by-row product
  var ct = [Double](repeating: 0, count: max(1, q * p))
  c.withUnsafeBufferPointer { cp in
    ct.withUnsafeMutableBufferPointer { tp in
      Gemm.transpose(rows: p, cols: q, cp.baseAddress!, lds: q, into: tp.baseAddress!)
    }
  }
  ct.withUnsafeBufferPointer { tp in
    let tb = tp.baseAddress!
    parallelChunks(count: n, chunkSize: 2048, threads: threads) { _, rows in
      Gemm.dgemmNT(m: rows.count, n: q, k: p, a: a + rows.lowerBound * p, lda: p,
                   b: tb, ldb: p, c: out + rows.lowerBound * q, ldc: q)
    }
  }
}

/// The normalized adjacency D^{-1/2} W D^{-1/2} of a connected graph, as CSR in Double.
struct NormalizedAdjacency {
  var n: Int
  var rowStart: [Int]
  var columns: [Int32]
  var values: [Double]
  /// √degree / ‖√degree‖: the eigenvector of eigenvalue 1.
  var trivial: [Double]

  init(_ g: FuzzyGraph) {
    n = g.n
    rowStart = g.rowStart
    columns = g.columns
    var deg = [Double](repeating: 0, count: n)
    for i in 0..<n { for e in g.rowStart[i]..<g.rowStart[i + 1] { deg[i] += Double(g.weights[e]) } }
    let isq = deg.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    values = [Double](repeating: 0, count: g.nnz)
    for i in 0..<n {
      for e in g.rowStart[i]..<g.rowStart[i + 1] { values[e] = Double(g.weights[e]) * isq[i] * isq[Int(g.columns[e])] }
    }
    var t = deg.map { $0.squareRoot() }
    let norm = t.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if norm > 0 { for i in 0..<n { t[i] /= norm } }
    trivial = t
  }

  /// Y (`n × p`) = M · X (`n × p`), row-major.
  func apply(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ p: Int, threads: Int) {
    rowStart.withUnsafeBufferPointer { rsp in
      columns.withUnsafeBufferPointer { cp in
        values.withUnsafeBufferPointer { vp in
          let rs = rsp.baseAddress!, cs = cp.baseAddress!, vs = vp.baseAddress!
          parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
            for i in rows {
              let yi = y + i * p
              for j in 0..<p { yi[j] = 0 }
              for e in rs[i]..<rs[i + 1] {
                let w = vs[e], xj = x + Int(cs[e]) * p
                for j in 0..<p { yi[j] += w * xj[j] }
              }
            }
          }
        }
      }
    }
  }
}

/// Removes from every column of X (`n × p`) its component along the unit vector v.
func projectOut(_ v: [Double], _ x: inout [Double], _ n: Int, _ p: Int, threads: Int) {
  let c = v.withUnsafeBufferPointer { vp in x.withUnsafeBufferPointer { xp in blockGram(vp.baseAddress!, 1, xp.baseAddress!, p, n, threads: threads) } }
  v.withUnsafeBufferPointer { vp in
    x.withUnsafeMutableBufferPointer { xp in
      let V = vp.baseAddress!, X = xp.baseAddress!
      c.withUnsafeBufferPointer { cp in
        let C = cp.baseAddress!
        eachRowChunk(n, threads: threads) { rows in
          for i in rows { let vi = V[i]; for j in 0..<p { X[i * p + j] -= vi * C[j] } }
        }
      }
    }
  }
}

/// `body` over 0..<n cut into fixed chunks of rows on `threads` workers: for row-wise work, whose
/// values do not depend on the cut (copies, elementwise updates).
func eachRowChunk(_ n: Int, threads: Int, _ body: (Range<Int>) -> Void) {
  parallelChunks(count: n, chunkSize: 4096, threads: threads) { _, rows in body(rows) }
}

/// An n-value array that `fill` writes whole (no zeroing pass first).
func filledArray(_ count: Int, _ fill: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
  [Double](unsafeUninitializedCapacity: count) { p, c in
    if count > 0 { fill(p.baseAddress!) }
    c = count
  }
}

/// Removes from Q (`n × q`) its components in the span of the orthonormal X (`n × p`).
func projectOutBlock(_ x: [Double], _ p: Int, _ qm: inout [Double], _ q: Int, _ n: Int, threads: Int) {
  let c = x.withUnsafeBufferPointer { xp in qm.withUnsafeBufferPointer { qp in blockGram(xp.baseAddress!, p, qp.baseAddress!, q, n, threads: threads) } }
  let t = x.withUnsafeBufferPointer { xp in filledArray(n * q) { blockTimesSmall(xp.baseAddress!, p, c, q, n, $0, threads: threads) } }
  t.withUnsafeBufferPointer { tp in
    qm.withUnsafeMutableBufferPointer { qp in
      let T = tp.baseAddress!, Q = qp.baseAddress!
      eachRowChunk(n, threads: threads) { rows in for i in (rows.lowerBound * q)..<(rows.upperBound * q) { Q[i] -= T[i] } }
    }
  }
}

/// Orthonormalizes the columns of Q (`n × q`) by SVQB (Stathopoulos & Wu 2002) applied twice,
/// dropping numerically dependent directions. Returns the new column count.
func svqb(_ qm: inout [Double], _ q: Int, _ n: Int, threads: Int) -> Int {
  var cols = q
  for _ in 0..<2 {
    if cols == 0 { return 0 }
    let g = qm.withUnsafeBufferPointer { qp in blockGram(qp.baseAddress!, cols, qp.baseAddress!, cols, n, threads: threads) }
    var d = [Double](repeating: 0, count: cols)
    var maxDiag = 0.0
    for i in 0..<cols { maxDiag = max(maxDiag, g[i * cols + i]) }
    if !(maxDiag > 0) || !maxDiag.isFinite { return 0 }
    for i in 0..<cols { let gi = g[i * cols + i]; d[i] = gi > 1e-28 * maxDiag ? 1 / gi.squareRoot() : 0 }
    var gs = g
    for i in 0..<cols { for j in 0..<cols { gs[i * cols + j] *= d[i] * d[j] } }
    guard let (lam, v) = symmetricEigen(gs, cols) else { return 0 }
    let lmax = lam.last ?? 0
    if !(lmax > 0) { return 0 }
    var keep = [Int]()
    for j in (0..<cols).reversed() where lam[j] > 1e-12 * lmax { keep.append(j) }
    let nq = keep.count
    var t = [Double](repeating: 0, count: cols * nq)
    for (c, j) in keep.enumerated() {
      let s = 1 / lam[j].squareRoot()
      for i in 0..<cols { t[i * nq + c] = d[i] * v[i * cols + j] * s }
    }
    qm = qm.withUnsafeBufferPointer { qp in filledArray(n * nq) { blockTimesSmall(qp.baseAddress!, cols, t, nq, n, $0, threads: threads) } }
    cols = nq
  }
  return cols
}

/// Rayleigh–Ritz on the block X (`n × bs`, orthonormal) with AX = M·X: X and AX become X·C and
/// AX·C, C the eigenvectors of XᵀAX by decreasing eigenvalue. false if the eigensolver fails.
func rayleighRitz(_ x: inout [Double], _ ax: inout [Double], _ bs: Int, _ n: Int, threads: Int) -> Bool {
  let h = x.withUnsafeBufferPointer { xp in ax.withUnsafeBufferPointer { ap in blockGram(xp.baseAddress!, bs, ap.baseAddress!, bs, n, threads: threads) } }
  guard let (_, v) = symmetricEigen(h, bs) else { return false }
  var c = [Double](repeating: 0, count: bs * bs)
  for col in 0..<bs { for i in 0..<bs { c[i * bs + col] = v[i * bs + (bs - 1 - col)] } }
  x = x.withUnsafeBufferPointer { xp in filledArray(n * bs) { blockTimesSmall(xp.baseAddress!, bs, c, bs, n, $0, threads: threads) } }
  ax = ax.withUnsafeBufferPointer { xp in filledArray(n * bs) { blockTimesSmall(xp.baseAddress!, bs, c, bs, n, $0, threads: threads) } }
  return true
}

/// Result of `largestNonTrivialEigenvectors`.
struct SpectralSolution {
  /// `n × dim` row-major eigenvectors (largest eigenvalues of M first).
  var vectors: [Double]
  var values: [Double]
  var converged: Bool
  var iterations: Int
  var maxResidual: Double
}

/// The `dim` largest eigenpairs of the normalized adjacency M = D^{-1/2} W D^{-1/2} orthogonal to
/// the trivial eigenvector √degree — the eigenvectors of the `dim` smallest non-zero eigenvalues of
/// the symmetric normalized Laplacian I − M (umap-learn `_spectral_layout`, which uses ARPACK).
///
/// Solver: LOBPCG (Knyazev 2001) without preconditioner on a block of `dim + 4` vectors with the
/// trivial vector deflated, Rayleigh–Ritz on [X, R, P] by `symmetricEigen`, orthonormalization by
/// SVQB; converged when every wanted residual ‖Mx − θx‖ ≤ `tol` (at most `maxIter` iterations).
/// Dense (`symmetricEigenLargest`) for n ≤ 256. With `progress`, a phase "spectral initialisation"
/// of 1,000 units reports the way from the first residual down to `tol` on a log scale (the
/// iterations a solve needs are not known in advance; the residual falls roughly geometrically).
func largestNonTrivialEigenvectors(
  _ g: FuzzyGraph, dim: Int, seed: UInt64, key: UInt64, tol: Double = 1e-4, maxIter: Int = 500,
  threads: Int, cancel: CancellationToken, progress: ProgressSink? = nil
) throws -> SpectralSolution? {
  let op = NormalizedAdjacency(g)
  let n = g.n
  if n <= dim + 1 { return nil }
  if n <= 256 {
    // dense: M − 2·v0·v0ᵀ moves the trivial eigenvalue 1 to −1
    var m = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for e in op.rowStart[i]..<op.rowStart[i + 1] { m[i * n + Int(op.columns[e])] += op.values[e] } }
    for i in 0..<n { for j in 0..<n { m[i * n + j] -= 2 * op.trivial[i] * op.trivial[j] } }
    guard let top = try? symmetricEigenLargest(m, n: n, count: dim, threads: threads) else { return nil }
    var vec = [Double](repeating: 0, count: n * dim)
    for c in 0..<dim { for i in 0..<n { vec[i * dim + c] = top.vectors[c * n + i] } }
    let vals = top.values
    return SpectralSolution(vectors: vec, values: vals, converged: true, iterations: 0, maxResidual: 0)
  }
  let m = min(dim + 4, max(dim, (n - 1) / 3))
  var rng = RandomStream(seed: seed, 0x5BEC_7A11, key)
  var x = [Double](repeating: 0, count: n * m)
  for i in 0..<(n * m) { x[i] = rng.nextGaussian() }
  projectOut(op.trivial, &x, n, m, threads: threads)
  let mx = svqb(&x, m, n, threads: threads)
  if mx < dim { return nil }
  var bs = mx
  var ax = [Double](repeating: 0, count: n * bs)
  x.withUnsafeBufferPointer { xp in ax.withUnsafeMutableBufferPointer { ap in op.apply(xp.baseAddress!, ap.baseAddress!, bs, threads: threads) } }
  // initial Rayleigh–Ritz on X
  guard rayleighRitz(&x, &ax, bs, n, threads: threads) else { return nil }
  var theta = [Double](repeating: 0, count: bs)
  var p: [Double] = [], pc = 0
  var iter = 0
  var maxRes = Double.infinity
  var converged = false
  var r = [Double](repeating: 0, count: n * bs)
  let units = 1_000
  var firstRes = Double.nan, shown = 0
  progress?.begin("spectral initialisation", total: units)
  defer { progress?.end() }
  while iter < maxIter {
    if iter % 16 == 0 { try cancel.check() }
    // Ritz values and residuals
    let xax = x.withUnsafeBufferPointer { xp in ax.withUnsafeBufferPointer { ap in blockGram(xp.baseAddress!, bs, ap.baseAddress!, bs, n, threads: threads) } }
    for j in 0..<bs { theta[j] = xax[j * bs + j] }
    // R = AX − XΘ row by row on the workers; the squared norms then summed in row order
    var res = [Double](repeating: 0, count: bs)
    ax.withUnsafeBufferPointer { ap in
    x.withUnsafeBufferPointer { xp in
    r.withUnsafeMutableBufferPointer { rp in
    theta.withUnsafeBufferPointer { tp in
      let A = ap.baseAddress!, X = xp.baseAddress!, R = rp.baseAddress!, T = tp.baseAddress!
      eachRowChunk(n, threads: threads) { rows in
        for i in rows { for j in 0..<bs { R[i * bs + j] = A[i * bs + j] - T[j] * X[i * bs + j] } }
      }
      for i in 0..<n { for j in 0..<bs { let v = R[i * bs + j]; res[j] += v * v } }
    }}}}
    maxRes = 0
    for j in 0..<dim { maxRes = max(maxRes, res[j].squareRoot()) }
    if !maxRes.isFinite { return nil }
    if maxRes <= tol { converged = true; progress?.update(units); break }
    if let sink = progress {
      if firstRes.isNaN { firstRes = maxRes }
      if firstRes > tol {
        let f = Elementary.log(firstRes / maxRes) / Elementary.log(firstRes / tol)
        let done = Int(Double(units) * min(1, max(0, f)))
        if done > shown { shown = done; sink.update(done) }
      }
    }
    iter += 1
    // search directions Q = [R, P] ⟂ {v0, X}, orthonormal
    let qn = bs + pc
    var q = r.withUnsafeBufferPointer { rp in
      p.withUnsafeBufferPointer { pp in
        filledArray(n * qn) { Q in
          let R = rp.baseAddress!, P = pp.baseAddress
          eachRowChunk(n, threads: threads) { rows in
            for i in rows {
              for j in 0..<bs { Q[i * qn + j] = R[i * bs + j] }
              for j in 0..<pc { Q[i * qn + bs + j] = P![i * pc + j] }
            }
          }
        }
      }
    }
    projectOut(op.trivial, &q, n, qn, threads: threads)
    projectOutBlock(x, bs, &q, qn, n, threads: threads)
    projectOutBlock(x, bs, &q, qn, n, threads: threads)
    let qc = svqb(&q, qn, n, threads: threads)
    if qc == 0 { break }
    let aq = q.withUnsafeBufferPointer { qp in filledArray(n * qc) { op.apply(qp.baseAddress!, $0, qc, threads: threads) } }
    // Rayleigh–Ritz on S = [X, Q]
    let sc = bs + qc
    // S = [X, Q] and AS = [AX, AQ], row by row on the workers
    func sideBySide(_ left: [Double], _ right: [Double]) -> [Double] {
      left.withUnsafeBufferPointer { lp in
        right.withUnsafeBufferPointer { rp in
          filledArray(n * sc) { S in
            let Lb = lp.baseAddress!, Rb = rp.baseAddress!
            eachRowChunk(n, threads: threads) { rows in
              for i in rows {
                for j in 0..<bs { S[i * sc + j] = Lb[i * bs + j] }
                for j in 0..<qc { S[i * sc + bs + j] = Rb[i * qc + j] }
              }
            }
          }
        }
      }
    }
    let s = sideBySide(x, q), asm = sideBySide(ax, aq)
    let h = s.withUnsafeBufferPointer { sp in asm.withUnsafeBufferPointer { ap in blockGram(sp.baseAddress!, sc, ap.baseAddress!, sc, n, threads: threads) } }
    guard let (_, v) = symmetricEigen(h, sc) else { return nil }
    var c = [Double](repeating: 0, count: sc * bs)
    for col in 0..<bs { for i in 0..<sc { c[i * bs + col] = v[i * sc + (sc - 1 - col)] } }
    var cq = [Double](repeating: 0, count: qc * bs)
    for i in 0..<qc { for col in 0..<bs { cq[i * bs + col] = c[(bs + i) * bs + col] } }
    x = s.withUnsafeBufferPointer { sp in filledArray(n * bs) { blockTimesSmall(sp.baseAddress!, sc, c, bs, n, $0, threads: threads) } }
    ax = asm.withUnsafeBufferPointer { sp in filledArray(n * bs) { blockTimesSmall(sp.baseAddress!, sc, c, bs, n, $0, threads: threads) } }
    p = q.withUnsafeBufferPointer { sp in filledArray(n * bs) { blockTimesSmall(sp.baseAddress!, qc, cq, bs, n, $0, threads: threads) } }
    pc = bs
    // keep X orthonormal against drift
    if iter % 20 == 0 {
      projectOut(op.trivial, &x, n, bs, threads: threads)
      let k = svqb(&x, bs, n, threads: threads)
      if k < bs { bs = k; if bs < dim { return nil } }
      ax = [Double](repeating: 0, count: n * bs)
      x.withUnsafeBufferPointer { xp in ax.withUnsafeMutableBufferPointer { ap in op.apply(xp.baseAddress!, ap.baseAddress!, bs, threads: threads) } }
      guard rayleighRitz(&x, &ax, bs, n, threads: threads) else { return nil }
      p = []; pc = 0
      theta = [Double](repeating: 0, count: bs)
      r = [Double](repeating: 0, count: n * bs)
    }
  }
  var vec = [Double](repeating: 0, count: n * dim)
  for i in 0..<n { for j in 0..<dim { vec[i * dim + j] = x[i * bs + j] } }
  return SpectralSolution(vectors: vec, values: Array(theta.prefix(dim)), converged: converged, iterations: iter, maxResidual: maxRes)
}
