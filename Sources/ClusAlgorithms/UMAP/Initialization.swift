#if canImport(Glibc)
import Glibc
#endif

/// Connected components of a graph: a label per vertex, numbered in order of each component's
/// smallest vertex (as scipy `connected_components`), and the component count.
func connectedComponents(_ g: FuzzyGraph) -> (labels: [Int], count: Int) {
  var parent = Array(0..<g.n)
  func find(_ v: Int) -> Int {
    var r = v
    while parent[r] != r { r = parent[r] }
    var c = v
    while parent[c] != r { let nx = parent[c]; parent[c] = r; c = nx }
    return r
  }
  for i in 0..<g.n {
    for e in g.rowStart[i]..<g.rowStart[i + 1] {
      let a = find(i), b = find(Int(g.columns[e]))
      if a != b { if a < b { parent[b] = a } else { parent[a] = b } }
    }
  }
  var label = [Int](repeating: -1, count: g.n)
  var rootLabel = [Int: Int]()
  var count = 0
  for i in 0..<g.n {
    let r = find(i)
    if let l = rootLabel[r] { label[i] = l } else { rootLabel[r] = count; label[i] = count; count += 1 }
  }
  return (label, count)
}

/// The subgraph induced by `vertices` (ascending), re-indexed 0..<count.
func inducedSubgraph(_ g: FuzzyGraph, _ vertices: [Int], _ local: [Int]) -> FuzzyGraph {
  var rs = [Int](repeating: 0, count: vertices.count + 1)
  var cols = [Int32](), ws = [Float]()
  for (li, v) in vertices.enumerated() {
    for e in g.rowStart[v]..<g.rowStart[v + 1] {
      let c = local[Int(g.columns[e])]
      if c >= 0 { cols.append(Int32(c)); ws.append(g.weights[e]) }
    }
    rs[li + 1] = cols.count
  }
  return FuzzyGraph(n: vertices.count, rowStart: rs, columns: cols, weights: ws)
}

/// Spectral layout of one connected graph: `n × dim` (row-major), nil if the eigensolver fails.
/// A basis accepted before the solver converged (residual ≤ 10⁻² after `maxIter` iterations)
/// is used with a warning that says so (umap-learn's ARPACK path has no such state: it converges
/// or falls back to a random start).
func connectedSpectralLayout(_ g: FuzzyGraph, dim: Int, seed: UInt64, key: UInt64, maxIter: Int = 500, context: RunContext) throws -> [Double]? {
  guard let sol = try largestNonTrivialEigenvectors(
    g, dim: dim, seed: seed, key: key, maxIter: maxIter, threads: context.threads, cancel: context.cancellation,
    // a phase of its own when it can take a while (not for each of many small components)
    progress: g.n >= 20_000 ? context.progress : nil)
  else { return nil }
  // accept a nearly converged basis (still a smooth layout); reject a poor one
  if !sol.converged && !(sol.maxResidual <= 1e-2) { return nil }
  for v in sol.vectors where !v.isFinite { return nil }
  if !sol.converged {
    context.warn("spectral initialisation of \(g.n) points stopped after \(sol.iterations) iterations, before its residual reached 1e-4; the layout starts from approximate eigenvectors")
  }
  return sol.vectors
}

/// The rows UMAP embeds, dense or sparse: its layout reads them only for the centroids of a
/// disconnected graph's components and for `init="pca"` (dense only).
public enum UMAPData: Sendable {
  /// n × d dense rows.
  case dense(Matrix)
  /// n × d sparse rows (CSR).
  case sparse(SparseMatrix)
  /// Number of rows.
  public var rows: Int {
    switch self {
    case .dense(let m): return m.rows
    case .sparse(let m): return m.rows
    }
  }
  /// Number of columns.
  public var cols: Int {
    switch self {
    case .dense(let m): return m.cols
    case .sparse(let m): return m.cols
    }
  }
}

/// Meta-layout of component centroids (umap-learn `component_layout`): centroids in data space,
/// affinities exp(−d²) under the metric, a Laplacian eigenmap of them (scikit-learn
/// `SpectralEmbedding` on the precomputed affinity: normalized Laplacian, eigenvectors 1...dim
/// divided by √degree, sign fixed so the largest |entry| is positive), divided by its maximum.
func componentMetaLayout(_ x: UMAPData, labels: [Int], count: Int, dim: Int, metric: Metric) -> [Double]? {
  let d = x.cols, nc = count
  if nc > 2048 { return nil }
  var cent = [Double](repeating: 0, count: nc * d), size = [Int](repeating: 0, count: nc)
  switch x {
  case .dense(let x):
    for i in 0..<x.rows {
      let l = labels[i]; size[l] += 1
      for j in 0..<d { cent[l * d + j] += Double(x.data[i * d + j]) }
    }
  case .sparse(let x):
    // the same sums: a stored column adds its value, an absent one would add exactly zero
    for i in 0..<x.rows {
      let l = labels[i]; size[l] += 1
      for t in x.indptr[i]..<x.indptr[i + 1] { cent[l * d + Int(x.indices[t])] += Double(x.values[t]) }
    }
  }
  var cf = [Float](repeating: 0, count: nc * d)
  for l in 0..<nc { for j in 0..<d { cf[l * d + j] = Float(cent[l * d + j] / Double(max(1, size[l]))) } }
  var aff = [Double](repeating: 0, count: nc * nc)
  cf.withUnsafeBufferPointer { cp in
    let b = cp.baseAddress!
    for i in 0..<nc {
      for j in (i + 1)..<nc {
        let dist = metric.distance(b + i * d, b + j * d, d)
        let a = Elementary.exp(-dist * dist)
        aff[i * nc + j] = a; aff[j * nc + i] = a
      }
    }
  }
  var deg = [Double](repeating: 0, count: nc)
  for i in 0..<nc { for j in 0..<nc { deg[i] += aff[i * nc + j] } }
  let dd = deg.map { $0.squareRoot() }
  if dd.contains(where: { !($0 > 0) }) { return nil }
  // I − D^{-1/2} A D^{-1/2}: smallest eigenvectors = largest of −(D^{-1/2} A D^{-1/2})
  var l = [Double](repeating: 0, count: nc * nc)
  for i in 0..<nc { for j in 0..<nc { l[i * nc + j] = (i == j ? 1 : 0) - aff[i * nc + j] / (dd[i] * dd[j]) } }
  guard nc > dim, let low = try? symmetricEigenSelected(l, n: nc, indices: 1..<(dim + 1)) else { return nil }
  var emb = [Double](repeating: 0, count: nc * dim)
  for c in 0..<dim {
    var col = (0..<nc).map { low.vectors[c * nc + $0] / dd[$0] }
    var best = 0.0, sign = 1.0
    for t in col where abs(t) > best { best = abs(t); sign = t < 0 ? -1 : 1 }
    for t in 0..<nc { col[t] *= sign; emb[t * dim + c] = col[t] }
  }
  var mx = emb.max() ?? 0
  if !(mx > 0) { mx = emb.map { abs($0) }.max() ?? 0 }
  if !(mx > 0) || !mx.isFinite { return nil }
  return emb.map { $0 / mx }
}

/// Spectral initialisation of the (pruned) fuzzy graph as umap-learn's `spectral_layout`:
/// eigenvectors of the smallest non-trivial eigenvalues of the normalized Laplacian; for a
/// disconnected graph umap-learn's `multi_component_layout` (components placed on a meta-layout,
/// each laid out spectrally and scaled to half the smallest gap between meta-positions; components
/// with < 2·dim or ≤ dim + 1 points placed uniformly at random around their meta-position).
/// Returns `n × dim` row-major, or nil when the eigensolver fails on a connected graph.
func spectralLayout(_ g: FuzzyGraph, x: UMAPData, metric: Metric, dim: Int, seed: UInt64, context: RunContext) throws -> [Double]? {
  let n = g.n
  let (labels, nComp) = connectedComponents(g)
  if nComp == 1 {
    return try connectedSpectralLayout(g, dim: dim, seed: seed, key: 0, context: context)
  }
  var rng = RandomStream(seed: seed, 0x3E7A_1A70)
  // meta-positions
  var meta: [Double]
  if nComp > 2 * dim {
    if let m = componentMetaLayout(x, labels: labels, count: nComp, dim: dim, metric: metric) {
      meta = m
    } else {
      meta = (0..<(nComp * dim)).map { _ in rng.nextDouble() * 2 - 1 }
    }
  } else {
    let k = (nComp + 1) / 2
    meta = [Double](repeating: 0, count: nComp * dim)
    for c in 0..<nComp {
      let axis = c % k, s: Double = c < k ? 1 : -1
      if axis < dim { meta[c * dim + axis] = s }
    }
  }
  var members = [[Int]](repeating: [], count: nComp)
  for i in 0..<n { members[labels[i]].append(i) }
  // every vertex's index within its component (edges never leave a component)
  var local = [Int](repeating: -1, count: n)
  for vs in members { for (li, v) in vs.enumerated() { local[v] = li } }
  // the components laid out spectrally; those under 20,000 points are solved side by side, one
  // thread each (each solve gives the same bits for any thread count, and its warnings are given in
  // component order), the larger ones one after the other with every thread and a progress phase
  let spectral = (0..<nComp).filter { !(members[$0].count < 2 * dim || members[$0].count <= dim + 1) }
  let small = spectral.filter { members[$0].count < 20_000 }, large = spectral.filter { members[$0].count >= 20_000 }
  var embs = [[Double]?](repeating: nil, count: nComp)
  let solve = { (c: Int, ctx: RunContext) throws -> [Double]? in
    try connectedSpectralLayout(inducedSubgraph(g, members[c], local), dim: dim, seed: seed, key: UInt64(c + 1), context: ctx)
  }
  if !small.isEmpty {
    let results = Locked([[Double]?](repeating: nil, count: small.count))
    let warnings = Locked([[String]](repeating: [], count: small.count))
    let failure = Locked<Error?>(nil)
    parallelChunks(count: small.count, chunkSize: 1, threads: context.threads) { i, _ in
      if context.cancellation.isCancelled { return }
      let ctx = RunContext(threads: 1, cancellation: context.cancellation,
                           warn: { m in warnings.withLock { $0[i].append(m) } })
      do {
        let e = try solve(small[i], ctx)
        results.withLock { $0[i] = e }
      } catch {
        failure.withLock { if $0 == nil { $0 = error } }
      }
    }
    if let e = failure.withLock({ $0 }) { throw e }
    try context.cancellation.check()
    results.withLock { r in for (i, c) in small.enumerated() { embs[c] = r[i] } }
    warnings.withLock { w in for list in w { for m in list { context.warn(m) } } }
  }
  for c in large {
    try context.cancellation.check()
    embs[c] = try solve(c, context)
  }
  var out = [Double](repeating: 0, count: n * dim)
  for c in 0..<nComp {
    try context.cancellation.check()
    var minGap = Double.infinity
    if nComp <= 4096 {
      for o in 0..<nComp where o != c {
        var s = 0.0
        for t in 0..<dim { let u = meta[c * dim + t] - meta[o * dim + t]; s += u * u }
        let dist = s.squareRoot()
        if dist > 0 && dist < minGap { minGap = dist }
      }
    } else {
      minGap = Elementary.pow(Double(nComp), -1 / Double(dim))  // typical gap of random meta-positions
    }
    let range = minGap.isFinite ? minGap / 2 : 1
    let vs = members[c]
    var emb: [Double]? = nil
    if let e = embs[c] {
      let mx = e.map { abs($0) }.max() ?? 0
      if mx > 0 { emb = e.map { $0 * range / mx } }
    }
    for (li, v) in vs.enumerated() {
      for t in 0..<dim {
        let base = emb?[li * dim + t] ?? (rng.nextDouble() * 2 - 1) * range
        out[v * dim + t] = base + meta[c * dim + t]
      }
    }
  }
  return out
}

/// Principal-component scores (`n × dim`) of the centred data: eigenvectors of the covariance
/// (accumulated in Double over fixed row blocks), sign fixed so each loading's largest |entry| is
/// positive (`symmetricEigenLargest`). Used by `init = pca`. nil if the data has too many columns
/// (> 4096) or are not finite.
func pcaScores(_ x: Matrix, dim: Int, threads: Int) -> [Double]? {
  let n = x.rows, d = x.cols
  if d > 4096 { return nil }
  var mean = [Double](repeating: 0, count: d)
  for i in 0..<n { for j in 0..<d { mean[j] += Double(x.data[i * d + j]) } }
  for j in 0..<d { mean[j] /= Double(n) }
  var xc = [Double](repeating: 0, count: n * d)
  for i in 0..<n { for j in 0..<d { xc[i * d + j] = Double(x.data[i * d + j]) - mean[j] } }
  // covariance by fixed 256-row blocks (each block transposed, its Gram matrix by `Gemm`),
  // summed in block order
  var cov = [Double](repeating: 0, count: d * d)
  var part = [Double](repeating: 0, count: d * d)
  var blockT = [Double](repeating: 0, count: 256 * d)
  xc.withUnsafeBufferPointer { xp in
    part.withUnsafeMutableBufferPointer { pp in
      blockT.withUnsafeMutableBufferPointer { tp in
        var r0 = 0
        while r0 < n {
          let rows = min(256, n - r0)
          Gemm.transpose(rows: rows, cols: d, xp.baseAddress! + r0 * d, lds: d, into: tp.baseAddress!)
          Gemm.dgemmNT(m: d, n: d, k: rows, a: tp.baseAddress!, lda: rows, b: tp.baseAddress!, ldb: rows,
                       c: pp.baseAddress!, ldc: d)
          for t in 0..<(d * d) { cov[t] += pp[t] }
          r0 += rows
        }
      }
    }
  }
  let k = min(dim, d)
  // rows = loadings, largest eigenvalue first, largest |entry| already positive
  guard let top = try? symmetricEigenLargest(cov, n: d, count: k, threads: threads) else { return nil }
  var out = [Double](repeating: 0, count: n * dim)
  for c in 0..<k {
    for i in 0..<n {
      var s = 0.0
      for t in 0..<d { s += xc[i * d + t] * top.vectors[c * d + t] }
      out[i * dim + c] = s
    }
  }
  return out
}
