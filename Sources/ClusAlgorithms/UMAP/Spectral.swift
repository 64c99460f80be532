#if canImport(Glibc)
import Glibc
#endif
import CGemmKernels

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
///
/// A chunk's partial sum is `Gemm.dgemmNT` of the chunk's two blocks transposed, element by element
/// the same arithmetic (two lanes: the even rows' products summed in order, the odd rows' likewise,
/// then the lanes added and a last odd row after them), computed here as rank-one updates of the
/// two lanes row by row, without the transposes: their writes 2,048 rows apart fell into one cache
/// set and cost more than the products. With AVX (`Gemm.avx`) the updates run in
/// `clus_gram_lanes_avx`, four columns a register with the lanes held in registers: the same
/// operations per element in the same order, so the same bits.
func blockGram(_ a: UnsafePointer<Double>, _ p: Int, _ b: UnsafePointer<Double>, _ q: Int, _ n: Int, threads: Int) -> [Double] {
  let chunk = 2048
  let nc = chunkCount(n, chunk)
  let pq = p * q
  var partial = [Double](repeating: 0, count: max(1, nc) * pq)
  partial.withUnsafeMutableBufferPointer { pp in
    let base = pp.baseAddress!
    parallelChunks(count: n, chunkSize: chunk, threads: threads) { c, rows in
      let out = base + c * pq
      let lanes = UnsafeMutablePointer<Double>.allocate(capacity: max(1, 2 * pq))
      defer { lanes.deallocate() }
      lanes.initialize(repeating: 0, count: 2 * pq)
      let even = lanes, odd = lanes + pq
      let pairsEnd = rows.lowerBound + (rows.count - rows.count % 2)
      var t = rows.lowerBound
      if Gemm.avx {
        // the same lanes, four columns a register, the accumulators in registers (gemm_avx.c)
        clus_gram_lanes_avx(a + t * p, p, b + t * q, q, (pairsEnd - t) / 2, even, odd)
        t = pairsEnd
      }
      while t < pairsEnd {
        let a0 = a + t * p, a1 = a0 + p, b0 = b + t * q, b1 = b0 + q
        for i in 0..<p {
          let x0 = a0[i], x1 = a1[i]
          let e = even + i * q, o = odd + i * q
          for j in 0..<q { e[j] = e[j] + x0 * b0[j]; o[j] = o[j] + x1 * b1[j] }
        }
        t += 2
      }
      for e in 0..<pq { out[e] = even[e] + odd[e] }
      if pairsEnd < rows.upperBound {
        let at = a + pairsEnd * p, bt = b + pairsEnd * q
        for i in 0..<p { for j in 0..<q { out[i * q + j] = out[i * q + j] + at[i] * bt[j] } }
      }
    }
  }
  var out = [Double](repeating: 0, count: pq)
  for c in 0..<nc { for t in 0..<pq { out[t] += partial[c * pq + t] } }
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
    self.init(n: g.n, rowStart: g.rowStart, columns: g.columns) { Double(g.weights[$0]) }
  }

  /// M of the graph with `n` vertices whose stored entry e (CSR `rowStart`, `columns`) has
  /// weight `weight(e)` ≥ 0 (symmetric; a diagonal entry is a self-loop).
  init(n: Int, rowStart: [Int], columns: [Int32], weight: (Int) -> Double) {
    self.n = n
    self.rowStart = rowStart
    self.columns = columns
    var deg = [Double](repeating: 0, count: n)
    for i in 0..<n { for e in rowStart[i]..<rowStart[i + 1] { deg[i] += weight(e) } }
    let isq = deg.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    values = [Double](repeating: 0, count: columns.count)
    for i in 0..<n {
      for e in rowStart[i]..<rowStart[i + 1] { values[e] = weight(e) * isq[i] * isq[Int(columns[e])] }
    }
    var t = deg.map { $0.squareRoot() }
    let norm = t.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if norm > 0 { for i in 0..<n { t[i] /= norm } }
    trivial = t
  }

  /// Y (`n × p`) = M · X (`n × p`), row-major: each yᵢⱼ = 0 + Σₑ wₑ·x_{cₑ j} over row i's entries
  /// in order. With `avx` and p ≤ 16, by `clus_csr_rows_avx` (the same operations per element in the
  /// same order, so the same bits, with the columns in registers and X's rows prefetched).
  func apply(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ p: Int, threads: Int, avx: Bool = Gemm.avx) {
    rowStart.withUnsafeBufferPointer { rsp in
      columns.withUnsafeBufferPointer { cp in
        values.withUnsafeBufferPointer { vp in
          let rs = rsp.baseAddress!, cs = cp.baseAddress!, vs = vp.baseAddress!
          parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
            if avx && p >= 1 && p <= 16 {
              clus_csr_rows_avx(rs, cs, vs, x, y, p, rows.lowerBound, rows.upperBound)
              return
            }
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
/// Solver: up to `chebyshevRounds` rounds of Chebyshev-filtered subspace iteration (Zhou & Saad
/// 2007; degree `chebyshevDegree`; none on graphs of more than `chebyshevMaxEntriesPerVertex`
/// entries a vertex or from a start within the tolerance), then LOBPCG (Knyazev 2001) without preconditioner, both on a
/// block of `dim + 4` vectors with the trivial vector deflated, Rayleigh–Ritz on [X, R, P] by
/// `symmetricEigen`, orthonormalization by SVQB; converged when every wanted residual
/// ‖Mx − θx‖ ≤ `tol` (at most `maxIter` LOBPCG iterations; `iterations` counts those only).
/// The block starts at random, or from `multilevelFrom` vertices on from the solution on a
/// coarsened graph (`multilevelLargest`, levels down to `coarsest` vertices); `iterations` counts
/// the graph's own level only.
/// Dense (`symmetricEigenLargest`) for n ≤ 256. With `progress`, a phase "spectral initialisation"
/// of 1,000 units reports the way from the first residual down to `tol` on a log scale (the
/// iterations a solve needs are not known in advance; the residual falls roughly geometrically);
/// each coarse level first reports a phase of its own.
func largestNonTrivialEigenvectors(
  _ g: FuzzyGraph, dim: Int, seed: UInt64, key: UInt64, tol: Double = 1e-4, maxIter: Int = 500,
  multilevelFrom: Int = multilevelSpectralMinimum, coarsest: Int = multilevelCoarsest, threads: Int,
  cancel: CancellationToken, progress: ProgressSink? = nil
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
  let label = "spectral initialisation"
  let block: LOBPCGBlock?
  if n >= multilevelFrom {
    block = try multilevelLargest(op, m: m, dim: dim, rng: &rng, tol: tol, maxIter: maxIter, coarsest: coarsest, threads: threads,
                                  cancel: cancel, progress: progress, label: label)
  } else {
    var x = [Double](repeating: 0, count: n * m)
    for i in 0..<(n * m) { x[i] = rng.nextGaussian() }
    block = try lobpcgLargest(op, start: x, m: m, dim: dim, tol: tol, maxIter: maxIter, threads: threads,
                              cancel: cancel, progress: progress, label: label)
  }
  guard let r = block else { return nil }
  var vec = [Double](repeating: 0, count: n * dim)
  for i in 0..<n { for j in 0..<dim { vec[i * dim + j] = r.x[i * r.bs + j] } }
  return SpectralSolution(vectors: vec, values: Array(r.theta.prefix(dim)), converged: r.converged,
                          iterations: r.iterations, maxResidual: r.maxResidual)
}

/// The block LOBPCG ends with: `x` (`n × bs`, orthonormal, ⟂ the trivial vector, by decreasing
/// Ritz value `theta`), and how it ended.
struct LOBPCGBlock {
  var x: [Double]
  var bs: Int
  var theta: [Double]
  var converged: Bool
  var iterations: Int
  var maxResidual: Double
}

/// Polynomial degree of each Chebyshev-filtered round that precedes LOBPCG (`lobpcgLargest`).
let chebyshevDegree = 16

/// Filtered rounds at most before LOBPCG takes over (fewer once the residual reaches the tolerance).
/// On 200,000 × 50 (20 Gaussian components of 10,000 points, whose leading eigenvalues lie within
/// 0.02 of each other) 4 rounds of degree 16 left 1.6 LOBPCG iterations of the 45 a random start
/// needed; 6 rounds converged outright but took longer (docs/benchmarks.md, 2026-12-06).
let chebyshevRounds = 4

/// Stored entries per vertex of the graph being solved (one connected component after pruning, or
/// a coarse level of one: the test is made on each) above which no filtered round runs: a round's
/// 16 sparse products then
/// cost more than several LOBPCG iterations, and such dense graphs' solves converge in few. MNIST
/// 4,000 with n_neighbors=200 (about 300 entries a vertex) took 0.12 s without the rounds and 0.20 s
/// with them; n_neighbors=100 was level, n_neighbors=50 (about 80) faster with them.
let chebyshevMaxEntriesPerVertex = 100.0

/// p(M)·X for the `n × m` block X (row-major), p the Chebyshev polynomial of degree `degree` (≥ 1)
/// mapped from [−1, `cut`] onto [−1, 1]: |p| ≤ 1 on the eigenvalues of M at or below `cut` (M's
/// spectrum lies in [−1, 1]) and p grows fast above it, so the eigenvectors of the largest
/// eigenvalues dominate the result (Zhou & Saad 2007, Chebyshev-filtered subspace iteration; the
/// three-term recurrence Tₖ₊₁(t) = 2t·Tₖ(t) − Tₖ₋₁(t) with t = (λ − c)/e). `cut` must lie in
/// (−1, 1). Row-wise passes and `NormalizedAdjacency.apply`, so the same bits for any thread count.
func chebyshevFilter(_ op: NormalizedAdjacency, _ x: [Double], _ m: Int, degree: Int, cut: Double, threads: Int) -> [Double] {
  let n = op.n
  let e = (cut + 1) / 2, c = (cut - 1) / 2
  var prev = x
  var mx = [Double](repeating: 0, count: n * m)
  prev.withUnsafeBufferPointer { xp in mx.withUnsafeMutableBufferPointer { ap in op.apply(xp.baseAddress!, ap.baseAddress!, m, threads: threads) } }
  var cur = mx.withUnsafeBufferPointer { ap in
    prev.withUnsafeBufferPointer { xp in
      filledArray(n * m) { Y in
        let A = ap.baseAddress!, X = xp.baseAddress!
        eachRowChunk(n, threads: threads) { rows in
          for i in (rows.lowerBound * m)..<(rows.upperBound * m) { Y[i] = (A[i] - c * X[i]) / e }
        }
      }
    }
  }
  for _ in 1..<max(1, degree) {
    cur.withUnsafeBufferPointer { yp in mx.withUnsafeMutableBufferPointer { ap in op.apply(yp.baseAddress!, ap.baseAddress!, m, threads: threads) } }
    // the next term overwrites the one before the current
    mx.withUnsafeBufferPointer { ap in
      cur.withUnsafeBufferPointer { yp in
        prev.withUnsafeMutableBufferPointer { pp in
          let A = ap.baseAddress!, Y = yp.baseAddress!, P = pp.baseAddress!
          eachRowChunk(n, threads: threads) { rows in
            for i in (rows.lowerBound * m)..<(rows.upperBound * m) { P[i] = 2 * (A[i] - c * Y[i]) / e - P[i] }
          }
        }
      }
    }
    swap(&prev, &cur)
  }
  return cur
}

/// The `dim` largest eigenpairs of `op` orthogonal to its trivial vector, from the `n × m` block
/// `start`: Chebyshev-filtered rounds, then LOBPCG (see `largestNonTrivialEigenvectors`). nil if
/// the block degenerates.
func lobpcgLargest(
  _ op: NormalizedAdjacency, start: [Double], m: Int, dim: Int, tol: Double, maxIter: Int, threads: Int,
  cancel: CancellationToken, progress: ProgressSink?, label: String
) throws -> LOBPCGBlock? {
  let n = op.n
  var x = start
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
  progress?.begin(label, total: units)
  defer { progress?.end() }
  /// the residual's way from the first one down to `tol`, on a log scale
  func report(_ res: Double) {
    guard let sink = progress else { return }
    if firstRes.isNaN { firstRes = res }
    if firstRes > tol {
      let f = Elementary.log(firstRes / res) / Elementary.log(firstRes / tol)
      let done = Int(Double(units) * min(1, max(0, f)))
      if done > shown { shown = done; sink.update(done) }
    }
  }
  // Chebyshev-filtered rounds first: each costs `chebyshevDegree` products with M and one
  // orthonormalisation and Rayleigh–Ritz, where an iteration of LOBPCG costs one product and
  // three of each (on a block of up to three times the width); where the leading eigenvalues lie
  // close together, a round does the work of many iterations. The cut is the block's smallest Ritz
  // value, so the filter damps what lies below the block. A round that loses a direction is undone.
  // the largest wanted residual ‖Mx − θx‖ of a block and its product, summed in row order, and the
  // block's smallest Ritz value (the next round's cut)
  func wantedResidual(_ x: [Double], _ ax: [Double]) -> (worst: Double, smallest: Double) {
    var th = [Double](repeating: 0, count: bs), res = [Double](repeating: 0, count: bs)
    for i in 0..<n { for j in 0..<bs { th[j] += x[i * bs + j] * ax[i * bs + j] } }
    for i in 0..<n { for j in 0..<bs { let v = ax[i * bs + j] - th[j] * x[i * bs + j]; res[j] += v * v } }
    var worst = 0.0
    for j in 0..<dim { worst = max(worst, res[j].squareRoot()) }
    return (worst, th[bs - 1])
  }
  let dense = Double(op.columns.count) > chebyshevMaxEntriesPerVertex * Double(n)
  // no round for a dense graph or a start already within the tolerance (a prolonged one can be)
  var state = wantedResidual(x, ax)
  let rounds = dense || state.worst <= tol ? 0 : chebyshevRounds
  for _ in 0..<rounds {
    try cancel.check()
    let cut = max(state.smallest, -0.9)
    if !(cut < 1) { break }
    var y = chebyshevFilter(op, x, bs, degree: chebyshevDegree, cut: cut, threads: threads)
    projectOut(op.trivial, &y, n, bs, threads: threads)
    if svqb(&y, bs, n, threads: threads) < bs { break }
    var ay = [Double](repeating: 0, count: n * bs)
    y.withUnsafeBufferPointer { yp in ay.withUnsafeMutableBufferPointer { ap in op.apply(yp.baseAddress!, ap.baseAddress!, bs, threads: threads) } }
    guard rayleighRitz(&y, &ay, bs, n, threads: threads) else { break }
    x = y
    ax = ay
    state = wantedResidual(x, ax)
    let worst = state.worst
    if !worst.isFinite { return nil }
    if worst <= tol { break }
    report(worst)
  }
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
    report(maxRes)
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
  if !converged {
    // ended by maxIter (or no search direction left): theta is of an earlier X, or zeroed by the
    // re-orthonormalisation; the Ritz values of the X returned are the diagonal of XᵀAX
    let xax = x.withUnsafeBufferPointer { xp in ax.withUnsafeBufferPointer { ap in blockGram(xp.baseAddress!, bs, ap.baseAddress!, bs, n, threads: threads) } }
    theta = (0..<bs).map { xax[$0 * bs + $0] }
  }
  return LOBPCGBlock(x: x, bs: bs, theta: theta, converged: converged, iterations: iter, maxResidual: maxRes)
}

// MARK: multilevel start (large graphs)

/// Vertices (of one connected component) from which `largestNonTrivialEigenvectors` starts
/// LOBPCG from the prolonged solution on a coarsened graph (`multilevelLargest`) instead of a
/// random block. On a 300,000-point swiss roll the random start ran out of its 500 iterations
/// (93 s) where the multilevel one converged in 185 iterations on 11,549 aggregates and 10 on the
/// graph (3.5 s). From 100,000 down to 20,000 (the coarsest level's size) on 2026-12-06: MNIST's
/// 70,000 digits then take 2.1–2.5 s instead of 4.0–6.6 s on a 2 GHz AMD EPYC (docs/benchmarks.md).
/// Below this size nothing changes, so the results of smaller runs keep their bits.
let multilevelSpectralMinimum = 20_000

/// Levels are coarsened while they have more vertices than this; the coarsest starts at random.
let multilevelCoarsest = 20_000

/// Greedy aggregation of a graph (the plain aggregation of algebraic multigrid, Vaněk, Mandel &
/// Brezina 1996, with every stored edge a strong connection): in vertex order, a vertex whose
/// neighbours are all free forms an aggregate with them; then each vertex left joins the
/// aggregate of its heaviest neighbour among those placed in the first pass (the first such
/// neighbour on ties). Returns the aggregate of every vertex (`0..<count`, in order of formation)
/// and the count. Serial, so the same for any thread count.
func aggregateVertices(_ op: NormalizedAdjacency) -> (aggregate: [Int32], count: Int) {
  let n = op.n
  var agg = [Int32](repeating: -1, count: n)
  var count: Int32 = 0
  op.rowStart.withUnsafeBufferPointer { rs in
    op.columns.withUnsafeBufferPointer { cs in
      op.values.withUnsafeBufferPointer { vs in
        agg.withUnsafeMutableBufferPointer { a in
          for i in 0..<n where a[i] < 0 {
            var free = true
            for e in rs[i]..<rs[i + 1] where a[Int(cs[e])] >= 0 { free = false; break }
            if !free { continue }
            a[i] = count
            for e in rs[i]..<rs[i + 1] { a[Int(cs[e])] = count }
            count += 1
          }
          // the vertices left join an aggregate of the first pass (each has a neighbour in one)
          let formed = [Int32](a)
          for i in 0..<n where formed[i] < 0 {
            var best = -Double.infinity, to: Int32 = -1
            for e in rs[i]..<rs[i + 1] {
              let c = formed[Int(cs[e])]
              if c >= 0 && vs[e] > best { best = vs[e]; to = c }
            }
            if to < 0 { to = count; count += 1 }  // an isolated vertex: an aggregate of its own
            a[i] = to
          }
        }
      }
    }
  }
  return (agg, Int(count))
}

/// The Galerkin coarsening PᵀWP of the graph of `op`, P the 0/1 aggregation matrix: the weight
/// between two aggregates is the sum over the edges between their vertices, an aggregate's inner
/// edges a self-loop, so each aggregate's degree is the sum of its vertices' degrees. The raw
/// weights are taken back from M as Mᵢⱼ·tᵢ·tⱼ (t the trivial vector √d / ‖√d‖: W up to one
/// factor, which M of the coarse graph does not see). Rows in aggregate order, entries in order of
/// first appearance; serial.
func coarsenedAdjacency(_ op: NormalizedAdjacency, aggregate: [Int32], count: Int) -> NormalizedAdjacency {
  let n = op.n
  // the vertices of each aggregate, in vertex order (counting sort)
  var first = [Int](repeating: 0, count: count + 1)
  for i in 0..<n { first[Int(aggregate[i]) + 1] += 1 }
  for c in 0..<count { first[c + 1] += first[c] }
  var fill = first
  var members = [Int32](repeating: 0, count: n)
  for i in 0..<n { let c = Int(aggregate[i]); members[fill[c]] = Int32(i); fill[c] += 1 }
  var rowStart = [Int](repeating: 0, count: count + 1)
  var columns = [Int32](), weights = [Double]()
  columns.reserveCapacity(op.columns.count / 4); weights.reserveCapacity(op.columns.count / 4)
  var mark = [Int](repeating: -1, count: count)
  for c in 0..<count {
    let row0 = columns.count
    for u in first[c]..<first[c + 1] {
      let i = Int(members[u])
      let ti = op.trivial[i]
      for e in op.rowStart[i]..<op.rowStart[i + 1] {
        let j = Int(op.columns[e])
        let w = op.values[e] * ti * op.trivial[j]
        let cj = Int(aggregate[j])
        if mark[cj] < row0 { mark[cj] = columns.count; columns.append(Int32(cj)); weights.append(w) }
        else { weights[mark[cj]] += w }
      }
    }
    rowStart[c + 1] = columns.count
  }
  return NormalizedAdjacency(n: count, rowStart: rowStart, columns: columns) { weights[$0] }
}

/// LOBPCG on `op` started from its coarsened graph's solution (cascadic multigrid): the graph is
/// aggregated (`aggregateVertices`, `coarsenedAdjacency`) level by level while a level has more
/// than `coarsest` vertices; the coarsest level starts from a random block, and each
/// finer level from the block of the level below prolonged as the same D^{-1/2}-scaled function,
/// constant on every aggregate (xᵢ = y_a · tᵢ / t_a, t the trivial vectors): its smooth part is
/// already right, so the fine iterations only remove the rough rest, which they do fast. Each level
/// is solved to `tol` (at most `maxIter` iterations), its progress a phase of its own. nil as
/// `lobpcgLargest`.
func multilevelLargest(
  _ op: NormalizedAdjacency, m: Int, dim: Int, rng: inout RandomStream, tol: Double, maxIter: Int, coarsest: Int,
  threads: Int, cancel: CancellationToken, progress: ProgressSink?, label: String
) throws -> LOBPCGBlock? {
  let n = op.n
  var start: [Double]? = nil
  if n > coarsest {
    let (aggregate, count) = aggregateVertices(op)
    if count >= 4 * m && count <= n - n / 4 {
      let coarse = coarsenedAdjacency(op, aggregate: aggregate, count: count)
      if let y = try multilevelLargest(
        coarse, m: m, dim: dim, rng: &rng, tol: tol, maxIter: maxIter, coarsest: coarsest, threads: threads, cancel: cancel,
        progress: progress, label: "spectral initialisation, coarse graph of \(count) vertices"), y.bs == m {
        let yc = y.x, tf = op.trivial, tc = coarse.trivial
        start = filledArray(n * m) { X in
          eachRowChunk(n, threads: threads) { rows in
            for i in rows {
              let a = Int(aggregate[i]), s = tc[a] > 0 ? tf[i] / tc[a] : 0
              for j in 0..<m { X[i * m + j] = yc[a * m + j] * s }
            }
          }
        }
      }
    }
  }
  let x: [Double]
  if let s = start { x = s } else {
    var r = [Double](repeating: 0, count: n * m)
    for i in 0..<(n * m) { r[i] = rng.nextGaussian() }
    x = r
  }
  return try lobpcgLargest(op, start: x, m: m, dim: dim, tol: tol, maxIter: maxIter, threads: threads,
                           cancel: cancel, progress: progress, label: label)
}
