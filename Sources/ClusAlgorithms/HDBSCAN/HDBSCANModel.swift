/// A fitted HDBSCAN clustering: what fitting produced (`result`), the parameters it used and the
/// training data, with the structures prediction needs (the hdbscan library's `PredictionData`:
/// the training KD-tree, each training point's core distance for prediction, the condensed tree
/// indexed, the exemplars of each selected cluster) built on the first prediction and kept, so
/// later calls only search. As `hdbscan.HDBSCAN(prediction_data=True)` after `fit`.
///
/// Predictions are per row: a row's label, probability and membership vector do not depend on
/// which other rows are in the batch or their order. Safe to share between threads.
public final class HDBSCANModel: @unchecked Sendable {
  /// The parameters of the fit (`min_samples`, `metric`, `cluster_selection_epsilon` are what
  /// prediction reads).
  public let parameters: HDBSCANParameters
  /// The n × d training data, as clustered.
  public let trainingData: Matrix
  /// The fitted attributes: labels, probabilities, outlier scores, persistence, condensed tree,
  /// selected clusters (core distances may be empty: prediction computes its own).
  public let result: HDBSCANResult
  private let prediction = Locked<HDBSCANPredictionData?>(nil)
  private let soft = Locked<SoftTree?>(nil)

  /// Fits `hdbscan(x, parameters:context:)` and keeps what prediction needs. The result is the
  /// fit's own, so the consistency checks of `init(trainingData:result:parameters:)` (for parts
  /// from elsewhere: a file) are not run again (at 10,000,000 points they cost a third of a second).
  /// - Parameters: x: n × d training data (shared, not copied).
  /// - Throws: as `hdbscan(_:parameters:context:)`.
  public static func fit(_ x: Matrix, parameters: HDBSCANParameters, context: RunContext = RunContext()) throws -> HDBSCANModel {
    let r = try hdbscan(x, parameters: parameters, context: context)
    return HDBSCANModel(fitted: x, result: r, parameters: parameters)
  }

  private init(fitted x: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters) {
    trainingData = x
    self.result = result
    self.parameters = parameters
  }

  /// A model from a fit's parts (a fresh `hdbscan` result, or one read back from a file), checked
  /// for consistency so that no prediction can index out of range or loop: n labels in
  /// −1..<k and n probabilities for the n training rows, k selected clusters that are clusters of
  /// the condensed tree, and tree rows whose parent is a cluster id (≥ n) smaller than a child
  /// cluster's id, a child that is a point (< n) or a cluster, λ ≥ 0 (or +∞), sizes ≥ 1.
  /// - Throws: `AlgorithmError.invalidInput` naming the first inconsistency.
  public init(trainingData: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters) throws {
    let n = trainingData.rows
    guard n >= 1, trainingData.cols >= 1 else {
      throw AlgorithmError.invalidInput("the clustering's training data is empty (\(n) × \(trainingData.cols))")
    }
    try validateData(trainingData, "the clustering's training data")
    guard result.labels.count == n else {
      throw AlgorithmError.invalidInput("the clustering has \(result.labels.count) labels but its training data \(n) rows")
    }
    guard result.probabilities.isEmpty || result.probabilities.count == n else {
      throw AlgorithmError.invalidInput("the clustering has \(result.probabilities.count) probabilities but \(n) labels")
    }
    let k = result.selectedClusters.count
    if let bad = result.labels.first(where: { $0 < -1 || $0 >= k }) {
      throw AlgorithmError.invalidInput("a label is \(bad), outside −1..<\(k) (\(k) selected clusters)")
    }
    guard result.outlierScores.isEmpty || result.outlierScores.count == n, result.persistence.isEmpty || result.persistence.count == k else {
      throw AlgorithmError.invalidInput(
        "the clustering has \(result.outlierScores.count) outlier scores and \(result.persistence.count) persistences for \(n) points and \(k) clusters")
    }
    if let bad = result.probabilities.first(where: { !($0 >= 0 && $0 <= 1) }) {  // NaN too
      throw AlgorithmError.invalidInput("a membership probability is \(bad), outside [0, 1]")
    }
    // a tree over the n points: every point a child exactly once, every cluster a child once (the
    // root n never), every parent the root or a cluster, child clusters numbered above their parent
    var clusters: Set<Int> = [n]
    var pointSeen = [Bool](repeating: false, count: n)
    for (i, r) in result.condensedTree.enumerated() {
      let ok = r.parent >= n && r.child >= 0 && (r.child < n || r.child > r.parent)
        && !r.lambda.isNaN && r.lambda >= 0 && r.childSize >= 1 && r.childSize <= n
        && (r.child >= n || !pointSeen[r.child]) && (r.child < n || !clusters.contains(r.child))
      guard ok else {
        throw AlgorithmError.invalidInput(
          "condensed tree row \(i) (parent \(r.parent), child \(r.child), λ \(r.lambda), size \(r.childSize)) is not a row of a tree over \(n) points")
      }
      if r.child < n { pointSeen[r.child] = true } else { clusters.insert(r.child) }
    }
    if !result.condensedTree.isEmpty {
      if let missing = pointSeen.firstIndex(of: false) {
        throw AlgorithmError.invalidInput("point \(missing) is not in the condensed tree (every point of the \(n) must be)")
      }
      // rows come in runs of one parent: each run's parent is looked up once
      var checked = -1
      for r in result.condensedTree where r.parent != checked {
        guard clusters.contains(r.parent) else {
          throw AlgorithmError.invalidInput("condensed tree parent \(r.parent) is neither the root nor a cluster of the tree")
        }
        checked = r.parent
      }
    }
    if let bad = result.selectedClusters.first(where: { !clusters.contains($0) }) {
      throw AlgorithmError.invalidInput("selected cluster \(bad) is not a cluster of the condensed tree")
    }
    if Set(result.selectedClusters).count != k {
      throw AlgorithmError.invalidInput("the selected clusters \(result.selectedClusters) repeat a cluster")
    }
    self.trainingData = trainingData
    self.result = result
    self.parameters = parameters
  }

  /// The number of training points.
  public var n: Int { trainingData.rows }

  /// The prediction data, built on first use.
  private func predictionData(_ context: RunContext) throws -> HDBSCANPredictionData {
    try prediction.withLock { pd in
      if let p = pd { return p }
      let p = try HDBSCANPredictionData(trainingData: trainingData, result: result, parameters: parameters, context: context)
      pd = p
      return p
    }
  }

  /// The soft-clustering tree (exemplars per selected cluster), built on first use.
  private func softTree(_ index: CondensedTreeIndex) -> SoftTree {
    soft.withLock { st in
      if let t = st { return t }
      let t = SoftTree(result, n: n, index: index)
      st = t
      return t
    }
  }

  /// Checks new points before any prediction structure is built.
  private func checkNewData(_ x: Matrix) throws {
    try validateData(x, "new data")
    guard x.cols == trainingData.cols else {
      throw AlgorithmError.invalidInput("the new data has \(x.cols) columns but the clustering was fitted on \(trainingData.cols)")
    }
  }

  /// Labels and membership strengths of new points (hdbscan `approximate_predict`; the method is
  /// described at `hdbscanApproximatePredict`).
  /// - Parameter newData: m × d points, d as the training data.
  /// - Returns: m labels (−1 noise) and m probabilities.
  /// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data or a column mismatch;
  ///   `.cancelled`.
  public func approximatePredict(_ newData: Matrix, context: RunContext = RunContext()) throws -> HDBSCANPrediction {
    try checkNewData(newData)
    return try ClusAlgorithms.approximatePredict(
      newData, data: predictionData(context), result: result, parameters: parameters, context: context)
  }

  /// Soft cluster memberships of new points (hdbscan `membership_vector`; see
  /// `hdbscanMembershipVectors`): m × k, k selected clusters in label order.
  /// - Throws: as `approximatePredict`.
  public func membershipVectors(_ newData: Matrix, context: RunContext = RunContext()) throws -> Matrix {
    try checkNewData(newData)
    let pd = try predictionData(context)
    return try ClusAlgorithms.membershipVectors(
      newData, data: pd, soft: softTree(pd.index), parameters: parameters, context: context)
  }

  /// Soft cluster memberships of the training points (hdbscan `all_points_membership_vectors`):
  /// n × k.
  public func allPointsMembershipVectors() -> Matrix {
    let index = soft.withLock { $0?.index } ?? CondensedTreeIndex(result.condensedTree, n: n)
    return ClusAlgorithms.allPointsMembershipVectors(trainingData: trainingData, soft: softTree(index), parameters: parameters)
  }
}
