// The self-joins of HDBSCAN's core distances (hdbscan's `_compute_bounds` / `KDTree.query`):
// exact, on Double rows, with a `KDMetric`'s reduced distances. Euclidean data of 10 or more
// columns goes through GEMM tiles (`gemmSelfKNN`), the rest through the KD-tree (`kdSelfKNN`,
// `kdCrossKNN`).

/// Each point's nearest points on a KD-tree's points, itself included: what the exact Borůvka
/// needs. All indices are tree positions, all distances reduced.
struct TreeNeighbors {
  /// How many are kept per point.
  let keep: Int
  /// n reduced core distances (the k-th nearest, itself included).
  var coreR: [Double]
  /// n × keep nearest, ascending (tree positions, −1 when missing).
  var indices: [Int32]
  /// n × keep reduced distances.
  var rdist: [Double]
  /// n lower bounds of the reduced distance to any point not kept.
  var beyond: [Double]
}

/// The k nearest (including itself) of every point of `tree`, keeping up to 33 per point as
/// bounds for Borůvka and tie candidates for Prim's order: from 10 dimensions on (euclidean)
/// all 33 come from the GEMM tiles at little cost, with a certified bound on every other point;
/// otherwise the tree search keeps min(k, 33) and the last kept distance is the bound.
/// - Throws: `AlgorithmError.cancelled`.
func treeSelfKNN<M: KDMetric>(_ tree: KDTreeIndex, k: Int, metric: M, context: RunContext) throws -> TreeNeighbors {
  let n = tree.n, d = tree.d
  if metric is EuclideanKD && d >= 10 {
    let ks = min(n, 33)
    let g = try gemmSelfKNN(pts: tree.pts, n: n, d: d, k: k, keep: ks, threads: context.threads,
                            token: context.cancellation, progress: context.progress)
    return TreeNeighbors(keep: ks, coreR: g.coreR, indices: g.knnI, rdist: g.knnR, beyond: g.beyond)
  }
  let ks = min(k, 33)
  let t = try kdSelfKNN(tree, k: k, keep: ks, metric: metric, context: context)
  let beyond = (0..<n).map { ks < n ? t.rdist[$0 * ks + ks - 1] : Double.infinity }
  return TreeNeighbors(keep: ks, coreR: t.coreR, indices: t.indices, rdist: t.rdist, beyond: beyond)
}

/// The k nearest (including itself) of every row of `x` (n × d, Double), as original rows
/// ascending by (reduced distance, row), kept compactly:
/// the n × k rows as Int32 (what the first Borůvka round reads) and only each point's k-th
/// reduced distance (its core distance); the n × k distance table is never stored. From GEMM
/// tiles in KD-tree order (euclidean, 10 or more columns; the distances then recomputed exactly
/// as `metric.rdist`) or from the KD-tree search of the data against itself. When more than k
/// rows tie at the k-th distance, the KD-tree search keeps the smallest rows; the GEMM tiles keep
/// those they meet first (KD-tree order, the same for any thread count). The core distance is the
/// same either way (the hdbscan library's own tree query keeps the ones its heap meets first).
/// - Throws: `AlgorithmError.cancelled`.
func sortedSelfKNN<M: KDMetric>(
  _ x: [Double], n: Int, d: Int, k: Int, metric: M, context: RunContext
) throws -> (indices: [Int32], kth: [Double]) {
  var knnI = [Int32](repeating: -1, count: n * k)
  var kth = [Double](repeating: .infinity, count: n)
  guard metric is EuclideanKD && d >= 10 else {
    try knnI.withUnsafeMutableBufferPointer { ip in
      try kth.withUnsafeMutableBufferPointer { kp in
        let I = ip.baseAddress!, K = kp.baseAddress!
        try kdQueryEach(KDTreeIndex(crossJoinOver: x, n: n, d: d), queries: nil, m: n, k: k, metric: metric,
                        context: context, progress: "hdbscan core distances") { i, best in
          for t in 0..<best.count { I[i * k + t] = Int32(best.row(t)) }
          if best.count == k { K[i] = best.dist[k - 1] }
        }
      }
    }
    return (knnI, kth)
  }
  // in KD-tree order, so that the first tiles hold near points (tight heap thresholds early)
  let order = KDTreeIndex(x, n: n, d: d, leafSize: 32)
  let g = try gemmSelfKNN(pts: order.pts, n: n, d: d, k: k, keep: k, threads: context.threads,
                          token: context.cancellation, progress: context.progress)
  for i in 0..<n {
    let o = Int(order.perm[i])
    for t in 0..<k { knnI[o * k + t] = order.perm[Int(g.knnI[i * k + t])] }
  }
  // the reduced distances exactly as the traversal computes them, ordered by (distance, index)
  x.withUnsafeBufferPointer { xp in
    let X = xp.baseAddress!
    for i in 0..<n {
      var pairs = (0..<k).map { t -> (Double, Int32) in
        let q = knnI[i * k + t]
        return (metric.rdist(X + i * d, X + Int(q) * d, d), q)
      }
      pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
      for t in 0..<k { knnI[i * k + t] = pairs[t].1 }
      kth[i] = pairs[k - 1].0
    }
  }
  return (knnI, kth)
}
