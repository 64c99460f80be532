/// A fitted K-Means clustering (scikit-learn's fitted `KMeans`: `cluster_centers_`, `labels_`,
/// `inertia_`, `n_iter_`) and its `predict`.
public struct KMeansModel: Sendable {
  /// The parameters of the fit, `random_state` as used.
  public var parameters: KMeansParameters
  /// The k × d cluster centres.
  public var centers: Matrix
  /// The n training labels in 0..<k.
  public var labels: [Int]
  /// Sum of squared distances of the training points to their centres.
  public var inertia: Double
  /// Lloyd iterations of the kept run.
  public var nIter: Int

  /// A model from a fit's parts.
  /// - Throws: `AlgorithmError.invalidInput` for empty or non-finite centres or a label outside 0..<k.
  public init(parameters: KMeansParameters, centers: Matrix, labels: [Int], inertia: Double, nIter: Int) throws {
    try validateData(centers, "the model's cluster centres")
    guard inertia.isFinite, inertia >= 0, nIter >= 0 else {
      throw AlgorithmError.invalidInput("the model's inertia \(inertia) or iteration count \(nIter) is not a finite non-negative number")
    }
    if let bad = labels.first(where: { $0 < 0 || $0 >= centers.rows }) {
      throw AlgorithmError.invalidInput("a label is \(bad), outside 0..<\(centers.rows) (\(centers.rows) centres)")
    }
    self.parameters = parameters
    self.centers = centers
    self.labels = labels
    self.inertia = inertia
    self.nIter = nIter
  }

  /// The nearest centre of each row (scikit-learn `KMeans.predict`): squared Euclidean distances
  /// summed in Double over the columns in order, ties to the lower centre index. Per row, so the
  /// answer does not depend on the batch or the thread count; it can differ from scikit-learn's
  /// float32 `‖x‖² − 2x·c + ‖c‖²` only for a row equidistant from two centres to within rounding.
  /// - Parameter x: m × d rows, d as the centres.
  /// - Returns: m labels in 0..<k.
  /// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data or a column mismatch.
  public func predict(_ x: Matrix, context: RunContext = RunContext()) throws -> [Int] {
    try validateData(x, "new data")
    let k = centers.rows, d = centers.cols, m = x.rows
    guard x.cols == d else {
      throw AlgorithmError.invalidInput("the new data has \(x.cols) columns but the centres \(d)")
    }
    var out = [Int](repeating: 0, count: m)
    x.data.withUnsafeBufferPointer { xp in
      centers.data.withUnsafeBufferPointer { cp in
        out.withUnsafeMutableBufferPointer { op in
          let X = xp.baseAddress!, C = cp.baseAddress!, O = op.baseAddress!
          parallelChunks(count: m, chunkSize: 1024, threads: context.threads) { _, rows in
            for i in rows {
              var best = 0, bestD = Double.infinity
              for c in 0..<k {
                var s = 0.0
                for t in 0..<d { let u = Double(X[i * d + t]) - Double(C[c * d + t]); s += u * u }
                if s < bestD { bestD = s; best = c }
              }
              O[i] = best
            }
          }
        }
      }
    }
    return out
  }
}
