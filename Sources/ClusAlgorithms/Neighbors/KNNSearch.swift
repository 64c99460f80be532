// The neighbours API: every k-nearest-neighbour search of the library goes through one of two
// joins, on Float32 matrices with a `Metric`:
// - `knnSelfJoin`: each point's k nearest among the data, itself at column 0 (UMAP, densMAP's
//   radii, trustworthiness, the repeated rows of a given initial embedding);
// - `knnCrossJoin`: each query's k nearest among a reference set (UMAP's transform, hdbscan's
//   `approximate_predict` for cosine and correlation).
// HDBSCAN's core distances, which work in Double on a KD-tree's points with reduced distances,
// use the KD-tree side of this folder (`KDTree.swift`, `GemmSelfKNN.swift`, `CoreNeighbors.swift`).

/// How `knnSelfJoin` finds the neighbours.
public enum KNNSearch: Sendable, Equatable {
  /// Exact: blocked Gram products (euclidean, cosine, correlation) or SIMD kernels, each row's
  /// candidates re-ranked with `Metric.distance` in Double (scikit-learn's brute force).
  case exact
  /// Approximate: a random-projection forest, then NN-descent (pynndescent's `NNDescent`).
  /// `nTrees` / `nIters`: pynndescent `n_trees` / `n_iters` (≥ 0); nil for umap-learn's defaults.
  case approximate(seed: UInt64, nTrees: Int? = nil, nIters: Int? = nil)
  /// umap-learn's choice in `nearest_neighbors` (with `UMAP.fit`'s small-data rule): exact when
  /// n < 4096, otherwise approximate with umap-learn's defaults and `seed` (`random_state`);
  /// exact also when k ≥ n / 64, where it is faster (`nearestNeighbors`).
  case umap(seed: UInt64)
  /// The plain reference: every pair by `Metric.distance`, O(n²·d) time (tests, tiny inputs).
  case bruteForce
}

/// Each point's k nearest neighbours among the rows of `x` (the self-join).
///
/// The point itself is column 0 with distance 0; rows ascend by distance, ties by the smaller
/// index (exact searches). Seeded results are bit-identical for any thread count.
/// - Parameters:
///   - x: data, n × d, finite.
///   - k: neighbours per point including itself (umap-learn `n_neighbors`), 1 ≤ k ≤ n.
///   - metric: distance.
///   - search: exact, approximate, umap-learn's choice between the two, or brute force.
///   - context: threads, cancellation (per block or iteration), progress (NN-descent's iterations).
/// - Returns: `KNNGraph` n × k, distances in the metric's units.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (k, n_trees or n_iters out of range), `.cancelled`.
public func knnSelfJoin(_ x: Matrix, k: Int, metric: Metric, search: KNNSearch, context: RunContext) throws -> KNNGraph {
  switch search {
  case .exact:
    return try exactKNN(x, k: k, metric: metric, context: context)
  case .approximate(let seed, let nTrees, let nIters):
    return try nnDescentKNN(x, k: k, metric: metric, seed: seed, nTrees: nTrees, nIters: nIters, context: context)
  case .umap(let seed):
    return try nearestNeighbors(x, k: k, metric: metric, seed: seed, context: context)
  case .bruteForce:
    try validateKNNInput(x, k: k)
    return try bruteForceKNN(x, k: k, metric: metric, context: context)
  }
}

/// Each query's k nearest rows of `reference` (the cross-join), exactly: m × k indices into
/// `reference` and distances, rows ascending, ties by the smaller index (blocked Gram products
/// or SIMD kernels for the candidates, re-ranked with `Metric.distance` in Double).
/// umap-learn's `transform` queries its NN-descent index approximately; this search is exact.
/// - Parameters:
///   - queries: m × d, finite.
///   - reference: n × d, finite, the same d.
///   - k: neighbours per query, 1 ≤ k ≤ n.
///   - metric: distance.
///   - context: threads, cancellation.
/// - Returns: `KNNGraph` m × k (a query equal to a reference row finds it at distance 0).
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data, column counts differ),
///   `.invalidParameter` (k out of range), `.cancelled`.
public func knnCrossJoin(_ queries: Matrix, reference: Matrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  try validateData(queries, "the queries")
  try validateKNNInput(reference, k: k)
  guard queries.cols == reference.cols else {
    throw AlgorithmError.invalidInput("the queries have \(queries.cols) columns and the reference data \(reference.cols)")
  }
  return try exactCrossKNN(queries, reference: reference, k: k, metric: metric, context: context)
}

/// umap-learn's `nearest_neighbors` (with `UMAP.fit`'s small-data rule): exact search
/// (`exactKNN`) when n < 4096, otherwise NN-descent (`nnDescentKNN`) with umap-learn's
/// `n_trees`, `n_iters` and `max_candidates = 60`. The point itself is column 0 with distance 0.
/// One departure: with k ≥ n / 64 (`exactSearchPays`) the search is exact at any size, the
/// answer NN-descent approximates, and far faster there (NN-descent keeps each point's k
/// candidates sorted, so its work grows with k²: 4,100 points with k = 1,000 took 34 s where
/// the exact search takes under 1 s).
/// - Throws: as `knnSelfJoin`.
func nearestNeighbors(_ x: Matrix, k: Int, metric: Metric, seed: UInt64, context: RunContext) throws -> KNNGraph {
  try validateKNNInput(x, k: k)
  if x.rows < 4096 || exactSearchPays(n: x.rows, k: k) {
    return try exactKNN(x, k: k, metric: metric, context: context)
  }
  return try nnDescentKNN(x, k: k, metric: metric, seed: seed, context: context)
}

/// Exact k nearest neighbours by brute force, one row at a time with `Metric.distance` (O(n²·d)
/// time, O(n·k) memory). A plain reference for tests and for tiny inputs
/// (`KNNSearch.bruteForce`). Ties are broken by the smaller index. The point itself is at column 0.
/// - Throws: `AlgorithmError.invalidInput` if k > n; `.cancelled`.
func bruteForceKNN(_ x: Matrix, k: Int, metric: Metric = .euclidean, context: RunContext = RunContext()) throws -> KNNGraph {
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

/// Whether `nearestNeighbors` searches k neighbours of n points exactly although n ≥ 4096:
/// k ≥ n / 64, where the exact join's n² distances cost less than NN-descent's sorted
/// candidate lists of k (a cost growing with n · k²).
func exactSearchPays(n: Int, k: Int) -> Bool {
  k >= 1 && n <= 64 * k
}
