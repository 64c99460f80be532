/// k nearest neighbours of every point: `n × k` indices and distances, row-major, each row sorted
/// by increasing distance. From a self-join (`knnSelfJoin`), as umap-learn, **the point itself is
/// included** at column 0 with distance 0 (when the data has no duplicates of it); from a
/// cross-join (`knnCrossJoin`) the n rows are the queries. Missing neighbours are index −1,
/// distance ∞.
public struct KNNGraph: Sendable, Equatable {
  /// Number of points (of queries, for a cross-join).
  public var n: Int
  /// Neighbours per point (including the point itself).
  public var k: Int
  /// `n × k` neighbour indices, row-major.
  public var indices: [Int32]
  /// `n × k` distances in the metric's units, row-major, ascending per row.
  public var distances: [Float]

  /// Wraps arrays of `n × k` values.
  public init(n: Int, k: Int, indices: [Int32], distances: [Float]) {
    precondition(
      indices.count == n * k && distances.count == n * k,
      "kNN graph has \(indices.count) indices and \(distances.count) distances, expected \(n) × \(k) = \(n * k) each")
    self.n = n
    self.k = k
    self.indices = indices
    self.distances = distances
  }
}
