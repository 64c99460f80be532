/// A fitted UMAP embedding and what `transform` needs, as umap-learn's fitted `UMAP` keeps it:
/// the parameters of the fit, the training data (`_raw_data`), the embedding (`embedding_`), the
/// fitted curve parameters (`_a`, `_b`) and the neighbour count used (`_n_neighbors`); the kNN
/// graph of the fit (`_knn_indices`, `_knn_dists`) when it is kept.
///
/// `transform` is per row: a new row's coordinates do not depend on which other rows are in the
/// batch or their order (each row's kNN, memberships and random stream are its own).
public struct UMAPModel: Sendable {
  /// The parameters of the fit, `random_state` as used (the seed the fit drew when none was given).
  public var parameters: UMAPParameters
  /// The n × d training data.
  public var trainingData: Matrix
  /// The n × n_components embedding.
  public var embedding: Matrix
  /// The fit's kNN graph (n × n_neighbors, the point itself first), if kept.
  public var knn: KNNGraph?
  /// The neighbour count used (n − 1 when n ≤ n_neighbors).
  public var nNeighbors: Int
  /// The SGD epochs the fit ran.
  public var nEpochs: Int
  /// Curve parameters a and b of the fit.
  public var a: Double
  /// See `a`.
  public var b: Double

  /// A model from a fit's parts (a fresh `umap` result, or one read back from a file).
  /// - Throws: `AlgorithmError.invalidInput` when the parts do not fit together: an embedding whose
  ///   row count differs from the training data's, an empty or non-finite embedding or training
  ///   data, a kNN graph of other than n rows, with indices outside 0..<n or distances that are not
  ///   numbers ≥ 0 (+∞ exactly for a missing neighbour, −1), a neighbour count other than a fit's
  ///   (`parameters.neighbors(forPoints:)`, 0 for one row), or a and b not finite and positive.
  public init(parameters: UMAPParameters, trainingData: Matrix, embedding: Matrix, knn: KNNGraph?,
              nNeighbors: Int, nEpochs: Int, a: Double, b: Double) throws {
    let n = trainingData.rows
    try validateData(trainingData, "the model's training data")
    try validateData(embedding, "the model's embedding")
    guard embedding.rows == n else {
      throw AlgorithmError.invalidInput("the embedding has \(embedding.rows) rows but its training data \(n)")
    }
    // one training point has no neighbour (its embedding is the origin, as umap-learn's)
    guard nNeighbors >= (n == 1 ? 0 : 1), nNeighbors <= n else {
      throw AlgorithmError.invalidInput("the model's neighbour count \(nNeighbors) is outside \(n == 1 ? 0 : 1)...\(n)")
    }
    // the count a fit of n rows uses (n − 1 when n ≤ n_neighbors, 0 for one row): another one would
    // change what transform computes
    let expected = n == 1 ? 0 : parameters.neighbors(forPoints: n)
    guard nNeighbors == expected else {
      throw AlgorithmError.invalidInput("the model's neighbour count \(nNeighbors) is not what n_neighbors=\(parameters.nNeighbors) gives for \(n) rows (\(expected))")
    }
    if let g = knn {
      guard g.n == n, g.indices.allSatisfy({ $0 >= -1 && Int($0) < n }) else {
        throw AlgorithmError.invalidInput("the model's kNN graph has \(g.n) rows or indices outside 0..<\(n) for \(n) training rows")
      }
      // a missing neighbour is index −1 at distance +∞; every other distance is a number ≥ 0
      for (i, d) in zip(g.indices, g.distances) where !(i == -1 ? d == .infinity : d >= 0 && d.isFinite) {
        throw AlgorithmError.invalidInput("the model's kNN graph holds neighbour \(i) at distance \(d): a distance must be finite and ≥ 0 (+inf only for a missing neighbour, −1)")
      }
    }
    guard a.isFinite, a > 0, b.isFinite, b > 0 else {
      throw AlgorithmError.invalidInput("the model's curve parameters a = \(a), b = \(b) must be finite and positive")
    }
    guard nEpochs >= 0 else { throw AlgorithmError.invalidInput("the model's epoch count \(nEpochs) is negative") }
    self.parameters = parameters
    self.trainingData = trainingData
    self.embedding = embedding
    self.knn = knn
    self.nNeighbors = nNeighbors
    self.nEpochs = nEpochs
    self.a = a
    self.b = b
  }

  /// Embeds new points (umap-learn `UMAP.transform`; the method is described at `umapTransform`).
  /// - Parameters:
  ///   - newData: m × d new points, d as the training data.
  ///   - transformSeed: umap-learn's `transform_seed` (default 42).
  /// - Returns: the m × n_components embedding of the new points.
  /// - Throws: `AlgorithmError.invalidInput` for a densMAP model (as umap-learn), and as
  ///   `umapTransform`.
  public func transform(_ newData: Matrix, transformSeed: UInt64 = 42, context: RunContext = RunContext()) throws -> Matrix {
    if parameters.densmap {
      throw AlgorithmError.invalidInput("transforming new points into a densMAP embedding is not supported (as in umap-learn)")
    }
    var p = parameters
    p.nNeighbors = max(2, nNeighbors)
    p.nComponents = embedding.cols
    return try umapTransform(newData, trainingData: trainingData, embedding: embedding, parameters: p, a: a, b: b,
                             transformSeed: transformSeed, context: context)
  }
}
