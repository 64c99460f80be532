/// The k-nearest-neighbour graph UMAP builds on, dispatched as umap-learn's `nearest_neighbors`
/// (with `UMAP.fit`'s small-data rule): exact search (`exactKNN`) when n < 4096, otherwise
/// NN-descent (`nnDescentKNN`) with umap-learn's `n_trees`, `n_iters` and `max_candidates = 60`.
/// The point itself is column 0 with distance 0.
/// - Parameters:
///   - x: data, n × d, finite.
///   - k: neighbours per point including itself (umap-learn `n_neighbors`), 1 ≤ k ≤ n.
///   - metric: distance.
///   - seed: random seed for NN-descent (umap-learn `random_state`); unused by the exact path.
///   - context: threads, cancellation, progress.
/// - Returns: `KNNGraph` n × k, rows ascending by distance.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (k out of range), `.cancelled`.
public func nearestNeighbors(_ x: Matrix, k: Int, metric: Metric, seed: UInt64, context: RunContext) throws -> KNNGraph {
  try validateKNNInput(x, k: k)
  if x.rows < 4096 {
    return try exactKNN(x, k: k, metric: metric, context: context)
  }
  return try nnDescentKNN(x, k: k, metric: metric, seed: seed, context: context)
}
