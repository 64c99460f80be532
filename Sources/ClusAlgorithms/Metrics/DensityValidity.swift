// Density-based validity of a clustering without reference labels: DBCV (Moulavi, Jaskowiak,
// Campello, Zimek & Sander 2014), as the hdbscan library's `hdbscan.validity.validity_index`, and the
// library's fast approximation from the fitted spanning tree, `HDBSCAN.relative_validity_`.
// Noise (−1) is no cluster: it is left out of every cluster's tree and separation but counts in n, the
// denominator of the weighted mean, as the library does. Never an n × n (or cluster × cluster) matrix:
// each distance is computed when needed, a row at a time.

/// The DBCV index of a clustering and of each cluster (`validityIndex`).
public struct DensityValidity: Sendable, Equatable {
  /// The index, Σ_c (|c| / n) · V_c over the clusters, in [−1, 1] (higher is better); NaN when only
  /// one cluster is present (its separation from the others is undefined, as in the library).
  public var score: Double
  /// V_c for each label 0...max(labels), NaN for a label no point carries (the library leaves those
  /// entries uninitialised).
  public var perCluster: [Double]
}

/// The density-based clustering validation index (DBCV; Moulavi et al. 2014), as
/// `hdbscan.validity.validity_index(x, labels, metric, per_cluster_scores=True, mst_raw_dist)`.
///
/// For each cluster c (its points in index order): the all-points core distance of each point a,
/// core(a) = (Σ_{b ∈ c, d(a,b) > 0} d(a,b)^−D / (|c| − 1))^(−1/D) with D = the number of columns; the
/// minimum spanning tree of c under the mutual reachability distance max(d(a,b), core(a), core(b))
/// (or the raw distance with `mstRawDist`), built by the library's dense Prim from c's first point
/// (`mst_linkage_core`), each edge then attached, as the library does, to the smallest-index tree
/// point whose distance to the new point is `isclose` (rtol 1e-5, atol 1e-8) to the edge's weight; its
/// internal vertices (degree > 1; the first point when there are none) and internal edges (both ends
/// internal; every edge when there are none). The density sparseness of c is the heaviest internal
/// edge; the density separation of c and c' the smallest mutual reachability (or raw) distance
/// between their internal vertices. V_c = (sep_c − sparse_c) / max(sep_c, sparse_c), sep_c the
/// smallest separation of c from another cluster.
///
/// Differences from the library: the core distance's sum is taken in the log domain when
/// d^−D overflows or underflows (high D, for example MNIST's 784 columns), where the library's
/// float64 power becomes ∞ or 0 and its core distances 0 or ∞; below that it is the same value.
/// Distances are the metric's (`Metric.distance`) on the float32 data in Double, where scikit-learn's
/// euclidean `pairwise_distances` uses ‖a‖² + ‖b‖² − 2a·b (the two agree to about 1e-8 relative).
///
/// Cost: Σ_c |c|²·d distance evaluations for the core distances and the trees (each cluster's tree
/// on one thread, the clusters in parallel), and at most Σ_{c<c'} |I_c|·|I_c'| for the separations
/// (rows sorted by core distance, so pairs that cannot lower the minimum are skipped); memory
/// O(n + threads · max |c|). The result does not depend on the thread count (sums run in point order;
/// minima and maxima are exact).
/// - Parameters:
///   - x: n × D data, finite (the data that was clustered, or its embedding).
///   - labels: n labels, −1 noise, clusters 0, 1, …
///   - metric: the distance (the library's `metric`; default euclidean).
///   - mstRawDist: build the trees and separations from raw distances (the library's `mst_raw_dist`).
///   - context: threads, cancellation, progress.
/// - Returns: the index and the per-cluster values.
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data, lengths that differ, labels
///   below −1, no cluster at all (every label −1) or a cluster of one point (the library divides by
///   zero); `.cancelled`.
public func validityIndex(_ x: Matrix, labels: [Int], metric: Metric = .euclidean, mstRawDist: Bool = false,
                          context: RunContext = RunContext()) throws -> DensityValidity {
  try validateData(x, "the data")
  try metric.checkRange(of: .dense(x))
  let n = x.rows, dim = x.cols
  guard labels.count == n else {
    throw AlgorithmError.invalidInput("the data has \(n) rows and the labels \(labels.count); they must be the same points")
  }
  if let bad = labels.first(where: { $0 < -1 }) {
    throw AlgorithmError.invalidInput("a label is \(bad); labels are −1 (noise) or clusters 0, 1, …")
  }
  let k = (labels.max() ?? -1) + 1
  guard k > 0 else {
    throw AlgorithmError.invalidInput("every label is −1 (noise): there is no cluster to score")
  }
  var members = [[Int]](repeating: [], count: k)
  for (i, l) in labels.enumerated() where l >= 0 { members[l].append(i) }
  if let c = members.firstIndex(where: { $0.count == 1 }) {
    throw AlgorithmError.invalidInput("cluster \(c) has one point; DBCV needs at least two in every cluster (its core distance divides by |c| − 1)")
  }
  let present = (0..<k).filter { !members[$0].isEmpty }

  // per cluster: core distances (of its points, in member order), internal vertices, sparseness
  struct ClusterTree: Sendable { var core: [Double] = []; var internalVertices: [Int] = []; var sparseness = 0.0 }
  let trees = Locked([ClusterTree](repeating: ClusterTree(), count: k))
  context.progress.begin("dbcv cluster trees", total: present.count)
  let done = Locked(0)
  let token = context.cancellation
  let (all, separation) = try x.data.withUnsafeBufferPointer { xb -> ([ClusterTree], [Double]) in
    let base = xb.baseAddress!
    let dist = { (a: Int, b: Int) -> Double in metric.distance(base + a * dim, base + b * dim, dim) }
    parallelChunks(count: present.count, chunkSize: 1, threads: context.threads) { _, r in
      for t in r {
        if token.isCancelled { return }
        let c = present[t]
        let t = clusterTree(members[c], dim: dim, raw: mstRawDist, dist: dist)
        trees.withLock { $0[c] = ClusterTree(core: t.core, internalVertices: t.internalVertices, sparseness: t.sparseness) }
        let d = done.withLock { $0 += 1; return $0 }
        context.progress.update(d)
      }
    }
    try token.check()
    context.progress.end()

    // separations: for each ordered pair of present clusters, the minimum over internal vertices
    let all = trees.withLock { $0 }
    var sorted = [[(core: Double, point: Int)]](repeating: [], count: k)
    for c in present {
      let t = all[c]
      sorted[c] = t.internalVertices.map { (mstRawDist ? 0 : t.core[$0], members[c][$0]) }.sorted { ($0.core, $0.point) < ($1.core, $1.point) }
    }
    // work items: (cluster i, cluster j > i, a chunk of i's sorted rows)
    var items: [(i: Int, j: Int, rows: Range<Int>)] = []
    for (ti, i) in present.enumerated() {
      for j in present[(ti + 1)...] {
        let m = sorted[i].count
        let step = max(64, (m + 15) / 16)
        for s in stride(from: 0, to: m, by: step) { items.append((i, j, s..<min(m, s + step))) }
      }
    }
    let partial = Locked([Double](repeating: .infinity, count: items.count))
    if !items.isEmpty { context.progress.begin("dbcv separations", total: items.count) }
    let sepDone = Locked(0)
    parallelChunks(count: items.count, chunkSize: 1, threads: context.threads) { _, r in
      for w in r {
        if token.isCancelled { return }
        let (i, j, rows) = items[w]
        let a = sorted[i], b = sorted[j]
        let minB = b.first?.core ?? 0
        var best = Double.infinity
        for ra in rows {
          let (ca, pa) = a[ra]
          if Swift.max(ca, minB) >= best { break }  // rows sorted by core: no later row can do better
          for (cb, pb) in b {
            let lower = Swift.max(ca, cb)
            if lower >= best { break }
            let v = Swift.max(dist(pa, pb), lower)
            if v < best { best = v }
          }
        }
        partial.withLock { $0[w] = best }
        let d = sepDone.withLock { $0 += 1; return $0 }
        context.progress.update(d)
      }
    }
    try token.check()
    if !items.isEmpty { context.progress.end() }
    var separation = [Double](repeating: .infinity, count: k)
    let values = partial.withLock { $0 }
    for (w, item) in items.enumerated() {
      separation[item.i] = Swift.min(separation[item.i], values[w])
      separation[item.j] = Swift.min(separation[item.j], values[w])
    }
    return (all, separation)
  }
  var perCluster = [Double](repeating: .nan, count: k)
  var score = 0.0
  for c in present {
    let sep = separation[c], sparse = all[c].sparseness
    let v = (sep - sparse) / Swift.max(sep, sparse)
    perCluster[c] = v
    score += Double(members[c].count) / Double(n) * v
  }
  return DensityValidity(score: score, perCluster: perCluster)
}

/// One cluster's all-points core distances, the internal vertices of its mutual reachability
/// spanning tree (indices into `points`) and its density sparseness (`validity_index`'s
/// `distances_between_points` and `internal_minimum_spanning_tree`).
private func clusterTree(_ points: [Int], dim: Int, raw: Bool, dist: (Int, Int) -> Double)
  -> (core: [Double], internalVertices: [Int], sparseness: Double) {
  let m = points.count
  var row = [Double](repeating: 0, count: m)
  // all-points core distances
  var core = [Double](repeating: 0, count: m)
  if !raw {
    var anyNonZero = false
    for a in 0..<m {
      for b in 0..<m { row[b] = b == a ? 0 : dist(points[a], points[b]) }
      let s = powerMeanSum(row, dim: dim)
      core[a] = s.coreDistance(count: m - 1, dim: dim)
      if s.isNonZero { anyNonZero = true }
    }
    if !anyNonZero { core = [Double](repeating: 0, count: m) }  // the library: every sum zero → zeros
  }
  func mr(_ a: Int, _ b: Int, _ d: Double) -> Double { raw ? d : Swift.max(d, core[a], core[b]) }

  // the library's dense Prim from point 0: strict improvements, the lowest index first on ties
  var inTree = [Bool](repeating: false, count: m)
  var current = [Double](repeating: .greatestFiniteMagnitude, count: m)
  var source = [Int](repeating: 0, count: m)
  var from = [Int](), to = [Int](), weight = [Double]()
  from.reserveCapacity(m - 1); to.reserveCapacity(m - 1); weight.reserveCapacity(m - 1)
  var node = 0
  var edgeOfNode = -1   // the edge that brought `node` into the tree
  while true {
    inTree[node] = true
    for b in 0..<m where b != node { row[b] = mr(node, b, dist(points[node], points[b])) }
    if edgeOfNode > 0 {
      // re-attach the edge to the smallest tree point at (isclose) its weight, as the library does
      let w = weight[edgeOfNode]
      for b in 0..<m where inTree[b] && b != node && abs(row[b] - w) <= 1e-8 + 1e-5 * abs(w) {
        from[edgeOfNode] = b
        break
      }
    }
    if from.count == m - 1 { break }
    var best = Double.greatestFiniteMagnitude, next = 0, src = 0
    for b in 0..<m where !inTree[b] {
      if row[b] < current[b] { current[b] = row[b]; source[b] = node }
      if current[b] < best { best = current[b]; src = source[b]; next = b }
    }
    from.append(src); to.append(next); weight.append(best)
    edgeOfNode = from.count - 1
    node = next
  }
  var degree = [Int](repeating: 0, count: m)
  for e in 0..<from.count { degree[from[e]] += 1; degree[to[e]] += 1 }
  var internalVertices = (0..<m).filter { degree[$0] > 1 }
  if internalVertices.isEmpty { internalVertices = [0] }
  var isInternal = [Bool](repeating: false, count: m)
  for v in internalVertices { isInternal[v] = true }
  var sparse = -Double.infinity, anyInternal = false
  for e in 0..<from.count where isInternal[from[e]] && isInternal[to[e]] {
    sparse = Swift.max(sparse, weight[e]); anyInternal = true
  }
  if !anyInternal { sparse = weight.max() ?? 0 }  // no internal edge: the heaviest of all (the library)
  return (raw ? [Double](repeating: 0, count: m) : core, internalVertices, sparse)
}

/// Σ_b d_b^−D over the positive distances of a row, kept as a value or, when that overflows or
/// underflows Double, as its logarithm.
private struct PowerMeanSum {
  var value: Double
  var logValue: Double?
  var isNonZero: Bool { logValue != nil || value > 0 }
  /// (sum / count)^(−1/D): the all-points core distance; ∞ for an empty sum (every distance zero),
  /// as the library's 0^(−1/D).
  func coreDistance(count: Int, dim: Int) -> Double {
    if let l = logValue { return Elementary.exp(-(l - Elementary.log(Double(count))) / Double(dim)) }
    if value == 0 { return .infinity }
    return Elementary.pow(value / Double(count), -1 / Double(dim))
  }
}

/// d^−D by repeated squaring (D a positive integer), as numpy's float power for small D.
@inline(__always) private func inversePower(_ d: Double, _ dim: Int) -> Double {
  var base = 1 / d, e = dim, r = 1.0
  while e > 0 {
    if e & 1 == 1 { r *= base }
    e >>= 1
    if e > 0 { base *= base }
  }
  return r
}

private func powerMeanSum(_ row: [Double], dim: Int) -> PowerMeanSum {
  var s = 0.0
  for d in row where d > 0 { s += inversePower(d, dim) }
  if s.isFinite && (s == 0 || s >= 1e-290) {
    // an all-underflow row (s == 0 with positive distances) falls through to the log domain
    if s > 0 || !row.contains(where: { $0 > 0 }) { return PowerMeanSum(value: s, logValue: nil) }
  }
  // log-sum-exp of −D·log d
  var top = -Double.infinity
  for d in row where d > 0 { top = Swift.max(top, -Double(dim) * Elementary.log(d)) }
  var t = 0.0
  for d in row where d > 0 { t += Elementary.exp(-Double(dim) * Elementary.log(d) - top) }
  return PowerMeanSum(value: 0, logValue: top + Elementary.log(t))
}

/// hdbscan's `relative_validity_`: DBCV's fast approximation computed from the clustering's own
/// mutual reachability spanning tree instead of each cluster's all-points tree. Density sparseness of
/// c = the heaviest tree edge inside c; separation of c = the lightest tree edge from c to another
/// cluster (noise ends ignored), replaced when c has none by 2 × the heaviest tree edge (2 × the
/// lightest edge to noise, or the heaviest edge when there is none, for a single cluster), as the
/// library; V_c = (sep − sparse) / max(sep, sparse), weighted by |c| / n. Only comparable between
/// settings on the same data (the library's words: a relative score).
/// - Parameters:
///   - labels: n labels (−1 noise, clusters 0, 1, …).
///   - spanningTree: the n − 1 edges of the clustering's spanning tree (`HDBSCANResult.spanningTree`).
/// - Returns: the score (0 when there is no cluster, as the library).
/// - Throws: `AlgorithmError.invalidInput` when an edge names a point outside 0..<n or a label is below −1.
public func relativeValidity(labels: [Int], spanningTree: [HDBSCANEdge]) throws -> Double {
  let n = labels.count
  if let bad = labels.first(where: { $0 < -1 }) {
    throw AlgorithmError.invalidInput("a label is \(bad); labels are −1 (noise) or clusters 0, 1, …")
  }
  let k = (labels.max() ?? -1) + 1
  var size = [Int](repeating: 0, count: k)
  for l in labels where l >= 0 { size[l] += 1 }
  var dsc = [Double](repeating: 0, count: k)
  var dspc = [Double](repeating: .infinity, count: k)
  var maxDistance = 0.0, minOutlierSep = Double.infinity
  for e in spanningTree {
    let a = Int(e.a), b = Int(e.b)
    guard a >= 0, a < n, b >= 0, b < n else {
      throw AlgorithmError.invalidInput("a spanning-tree edge joins points \(a) and \(b), outside 0..<\(n)")
    }
    maxDistance = Swift.max(maxDistance, e.weight)
    let la = labels[a], lb = labels[b]
    if la < 0 && lb < 0 { continue }
    if la < 0 || lb < 0 { minOutlierSep = Swift.min(minOutlierSep, e.weight); continue }
    if la == lb {
      dsc[la] = Swift.max(dsc[la], e.weight)
    } else {
      dspc[la] = Swift.min(dspc[la], e.weight)
      dspc[lb] = Swift.min(dspc[lb], e.weight)
    }
  }
  if minOutlierSep == .infinity { minOutlierSep = maxDistance }
  let correction = 2 * (k > 1 ? maxDistance : minOutlierSep)
  var score = 0.0
  for c in 0..<k {
    let sep = dspc[c] == .infinity ? correction : dspc[c]
    let v = (sep - dsc[c]) / Swift.max(sep, dsc[c])
    score += Double(size[c]) * v / Double(n)
  }
  return score
}
