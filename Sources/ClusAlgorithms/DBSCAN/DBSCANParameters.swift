/// Parameters of `dbscan(_:parameters:context:)`, named and defaulted as scikit-learn's
/// `sklearn.cluster.DBSCAN` constructor (the Euclidean metric only).
public struct DBSCANParameters: Sendable, Equatable {
  /// `eps` (default 0.5): the neighbourhood radius (distance ≤ eps); finite, > 0.
  public var eps: Double = 0.5
  /// `min_samples` (default 5): points within `eps`, the point itself included, that make a core
  /// point; ≥ 1.
  public var minSamples: Int = 5

  /// The defaults of scikit-learn.
  public init() {}
}

/// DBSCAN with `parameters` (see `dbscan(_:eps:minSamples:context:)`).
/// - Parameters:
///   - x: data, n × d, finite.
///   - parameters: eps and min_samples.
///   - context: threads, cancellation.
/// - Throws: as `dbscan(_:eps:minSamples:context:)`.
public func dbscan(_ x: Matrix, parameters: DBSCANParameters, context: RunContext = RunContext()) throws -> DBSCANResult {
  try dbscan(x, eps: parameters.eps, minSamples: parameters.minSamples, context: context)
}
