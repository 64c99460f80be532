// DBSCAN (Ester, Kriegel, Sander & Xu 1996) as scikit-learn's sklearn.cluster.DBSCAN computes it
// with the Euclidean metric: radius neighbourhoods from a KD-tree (never an n × n matrix), core
// points, then `_dbscan_inner`'s depth-first expansion.

/// What `dbscan` finds.
public struct DBSCANResult: Sendable, Equatable {
  /// One label per point: clusters 0, 1, ... in the order scikit-learn numbers them, −1 for noise.
  public var labels: [Int]
  /// The indices of the core points (at least `minSamples` points, themselves included, within
  /// `eps`), ascending, as scikit-learn's `core_sample_indices_`.
  public var coreSampleIndices: [Int]
}

/// DBSCAN as `sklearn.cluster.DBSCAN(eps=eps, min_samples=minSamples).fit(x)` (metric
/// "euclidean"): the same labels as scikit-learn.
///
/// A point is a core point when at least `minSamples` points (itself included) lie within
/// distance ≤ `eps`. Clusters are numbered in the order of their first core point; as in
/// scikit-learn's `_dbscan_inner`, each unlabelled core point (in index order) starts a
/// depth-first expansion that labels every point reachable through core points; a border point
/// (within `eps` of a core point, not core itself) takes the cluster that reaches it first, i.e.
/// the lowest-numbered cluster with a core point within `eps` of it. Other points are noise (−1).
///
/// Neighbourhoods come from a KD-tree's radius queries (`RadiusNeighbors`, Neighbors/) and are
/// found twice instead of being stored: memory O(n·d), never n × n. The count that decides a core
/// point stops at `minSamples` (a subtree within eps counted whole), and the expansion's searches
/// look only for unlabelled points (skipping the subtrees that hold none), so a dense region
/// (heavily duplicated rows, an eps that covers much of the data) costs about its size, not its
/// size squared.
/// - Parameters:
///   - x: data, n × d, finite.
///   - eps: the neighbourhood radius, > 0.
///   - minSamples: ≥ 1.
///   - context: threads, cancellation.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (eps ≤ 0 or minSamples < 1), `.cancelled`.
public func dbscan(_ x: Matrix, eps: Double, minSamples: Int, context: RunContext = RunContext()) throws -> DBSCANResult {
  try validateData(x)
  guard eps > 0, eps.isFinite else {
    throw AlgorithmError.invalidParameter(name: "eps", value: "\(eps)", allowed: "a finite number > 0")
  }
  guard minSamples >= 1 else {
    throw AlgorithmError.invalidParameter(name: "min_samples", value: "\(minSamples)", allowed: "≥ 1")
  }
  let n = x.rows
  // no point has more than n points within eps: every point is noise, nothing to search
  if minSamples > n { return DBSCANResult(labels: [Int](repeating: -1, count: n), coreSampleIndices: []) }
  let neighbors = RadiusNeighbors(x)
  var isCore = [Bool](repeating: false, count: n)
  let token = context.cancellation
  isCore.withUnsafeMutableBufferPointer { cp in
    let core = cp.baseAddress!
    parallelChunks(count: n, chunkSize: 256, threads: context.threads) { _, rows in
      for i in rows {
        // per row: a row's count can still visit many leaves (a large min_samples, an eps just short of a subtree)
        if token.isCancelled { return }
        core[i] = neighbors.count(of: i, within: eps, upTo: minSamples) >= minSamples
      }
    }
  }
  try token.check()
  var labels = [Int](repeating: -1, count: n)
  // the unlabelled rows, so that an expansion's searches skip the subtrees labelled already
  let open = neighbors.openRows()
  var label = 0
  var stack: [Int] = []
  var expanded = 0
  for start in 0..<n where labels[start] == -1 && isCore[start] {
    try token.check()
    // A point is labelled when it is pushed, so each is pushed once and the stack holds at most n
    // (scikit-learn labels on pop and may push a point once per core neighbour: up to n² entries
    // when eps covers everything). The labelled set is the same: every point reachable from
    // `start` through core points that no earlier cluster took.
    labels[start] = label
    open.close(start)
    stack.append(start)
    while let i = stack.popLast() {
      expanded += 1
      if expanded & 63 == 0 { try token.check() }
      guard isCore[i] else { continue }
      neighbors.forEachOpenNeighbor(of: i, within: eps, open) { v in
        labels[v] = label
        open.close(v)
        stack.append(v)
      }
    }
    label += 1
  }
  return DBSCANResult(labels: labels, coreSampleIndices: (0..<n).filter { isCore[$0] })
}
