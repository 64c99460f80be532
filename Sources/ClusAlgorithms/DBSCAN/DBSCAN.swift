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

/// A KD-tree over Double copies of the rows for radius queries: leaves of at most 40 points,
/// each node split at the median of its widest coordinate, bounding boxes kept for pruning.
struct RadiusKDTree {
  let n: Int, d: Int
  /// The rows as Doubles, n × d.
  let points: [Double]
  /// Point indices, permuted so every node owns a contiguous range.
  var order: [Int]
  /// Per node: its range in `order` and its children (−1 for leaves).
  var nodes: [(start: Int, end: Int, left: Int, right: Int)] = []
  /// Per node: the box's lower and upper corner, d values each.
  var lower: [Double] = [], upper: [Double] = []

  init(_ x: Matrix, leafSize: Int = 40) {
    n = x.rows
    d = x.cols
    points = x.data.map(Double.init)
    order = Array(0..<n)
    _ = build(0, n, leafSize)
  }

  /// Builds the node for `order[start..<end]` and returns its index.
  private mutating func build(_ start: Int, _ end: Int, _ leafSize: Int) -> Int {
    let id = nodes.count
    nodes.append((start, end, -1, -1))
    var lo = [Double](repeating: .infinity, count: d), hi = [Double](repeating: -.infinity, count: d)
    for p in order[start..<end] {
      for c in 0..<d {
        let v = points[p * d + c]
        lo[c] = min(lo[c], v)
        hi[c] = max(hi[c], v)
      }
    }
    lower += lo
    upper += hi
    if end - start <= leafSize { return id }
    var axis = 0
    for c in 1..<d where hi[c] - lo[c] > hi[axis] - lo[axis] { axis = c }
    if hi[axis] == lo[axis] { return id }  // all points equal: one leaf
    let pts = points, dd = d
    order[start..<end].sort { pts[$0 * dd + axis] < pts[$1 * dd + axis] || (pts[$0 * dd + axis] == pts[$1 * dd + axis] && $0 < $1) }
    let mid = (start + end) / 2
    let left = build(start, mid, leafSize)
    let right = build(mid, end, leafSize)
    nodes[id].left = left
    nodes[id].right = right
    return id
  }

  /// Calls `visit` with every point within Euclidean distance `radius` of point `q` (itself
  /// included): Σ(xᵢ − qᵢ)² ≤ radius², in Double, as scikit-learn's KD-tree compares.
  func forEachNeighbor(of q: Int, radius: Double, _ visit: (Int) -> Void) {
    let r2 = radius * radius
    var stack = [0]
    while let node = stack.popLast() {
      var box = 0.0
      for c in 0..<d {
        let v = points[q * d + c]
        let gap = v < lower[node * d + c] ? lower[node * d + c] - v : (v > upper[node * d + c] ? v - upper[node * d + c] : 0)
        box += gap * gap
      }
      if box > r2 { continue }
      let nd = nodes[node]
      if nd.left >= 0 {
        stack.append(nd.right)
        stack.append(nd.left)
        continue
      }
      for p in order[nd.start..<nd.end] {
        var s = 0.0
        for c in 0..<d {
          let t = points[p * d + c] - points[q * d + c]
          s += t * t
        }
        if s <= r2 { visit(p) }
      }
    }
  }
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
/// Neighbourhoods come from a KD-tree (`RadiusKDTree`) and are found twice (counting in
/// parallel, then during the expansion) instead of being stored: memory O(n·d), never n × n.
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
  let tree = RadiusKDTree(x)
  var isCore = [Bool](repeating: false, count: n)
  let token = context.cancellation
  isCore.withUnsafeMutableBufferPointer { cp in
    let core = cp.baseAddress!
    parallelChunks(count: n, chunkSize: 256, threads: context.threads) { _, rows in
      for i in rows {
        // per row: with a large eps one row visits every point
        if token.isCancelled { return }
        var count = 0
        tree.forEachNeighbor(of: i, radius: eps) { _ in count += 1 }
        core[i] = count >= minSamples
      }
    }
  }
  try token.check()
  var labels = [Int](repeating: -1, count: n)
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
    stack.append(start)
    while let i = stack.popLast() {
      expanded += 1
      if expanded & 63 == 0 { try token.check() }
      guard isCore[i] else { continue }
      tree.forEachNeighbor(of: i, radius: eps) { v in
        if labels[v] == -1 {
          labels[v] = label
          stack.append(v)
        }
      }
    }
    label += 1
  }
  return DBSCANResult(labels: labels, coreSampleIndices: (0..<n).filter { isCore[$0] })
}
