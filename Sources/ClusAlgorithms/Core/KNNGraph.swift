/// k nearest neighbours of every point: `n × k` indices and distances, row-major, each row sorted
/// by increasing distance. As umap-learn, **the point itself is included** at column 0 with
/// distance 0 (when the data has no duplicates of it). Missing neighbours are index −1, distance ∞.
public struct KNNGraph: Sendable, Equatable {
  /// Number of points.
  public var n: Int
  /// Neighbours per point (including the point itself).
  public var k: Int
  /// `n × k` neighbour indices, row-major.
  public var indices: [Int32]
  /// `n × k` distances in the metric's units, row-major, ascending per row.
  public var distances: [Float]

  /// Wraps arrays of `n × k` values.
  public init(n: Int, k: Int, indices: [Int32], distances: [Float]) {
    precondition(indices.count == n * k && distances.count == n * k)
    self.n = n
    self.k = k
    self.indices = indices
    self.distances = distances
  }
}

/// Exact k nearest neighbours by brute force, one row at a time with `Metric.distance` (O(n²·d)
/// time, O(n·k) memory). A plain reference for tests and for tiny inputs; fast kernels live in
/// `Neighbors/`. Ties are broken by the smaller index. The point itself is at column 0.
/// - Throws: `AlgorithmError.invalidInput` if k > n; `.cancelled`.
public func bruteForceKNN(_ x: Matrix, k: Int, metric: Metric = .euclidean, context: RunContext = RunContext()) throws -> KNNGraph {
  let n = x.rows, d = x.cols
  guard k >= 1, k <= n else {
    throw AlgorithmError.invalidInput("k = \(k) neighbours needs 1 ≤ k ≤ n = \(n)")
  }
  var idx = [Int32](repeating: -1, count: n * k)
  var dist = [Float](repeating: .infinity, count: n * k)
  try x.data.withUnsafeBufferPointer { xp in
    try idx.withUnsafeMutableBufferPointer { ip in
      try dist.withUnsafeMutableBufferPointer { dp in
        let xb = xp.baseAddress!, ib = ip.baseAddress!, db = dp.baseAddress!
        let token = context.cancellation
        var cancelled = false
        parallelChunks(count: n, chunkSize: 64, threads: context.threads) { _, rows in
          if token.isCancelled { cancelled = true; return }
          var cand = [(Double, Int)]()
          cand.reserveCapacity(n)
          for i in rows {
            cand.removeAll(keepingCapacity: true)
            for j in 0..<n {
              let dij = j == i ? 0 : metric.distance(xb + i * d, xb + j * d, d)
              cand.append((dij, j))
            }
            // self first among zero distances, then by distance, then index
            cand.sort { a, b in
              if a.0 != b.0 { return a.0 < b.0 }
              if (a.1 == i) != (b.1 == i) { return a.1 == i }
              return a.1 < b.1
            }
            for t in 0..<k {
              ib[i * k + t] = Int32(cand[t].1)
              db[i * k + t] = Float(cand[t].0)
            }
          }
        }
        if cancelled { throw AlgorithmError.cancelled }
      }
    }
  }
  return KNNGraph(n: n, k: k, indices: idx, distances: dist)
}
