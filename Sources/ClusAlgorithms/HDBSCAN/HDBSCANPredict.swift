#if canImport(Glibc)
import Glibc
#endif

/// A condensed tree indexed for the prediction functions: each point's parent cluster and λ,
/// each cluster's parent, birth λ and child clusters (in row order), and the largest λ of the
/// rows directly under each cluster (the library's `leaf_max_lambdas` / `max_lambdas`).
struct CondensedTreeIndex {
  let n: Int
  var pointParent: [Int]
  var pointLambda: [Double]
  var clusterParent: [Int: Int] = [:]
  var clusterLambda: [Int: Double] = [:]
  var children: [Int: [Int]] = [:]
  var maxLambda: [Int: Double] = [:]

  init(_ rows: [CondensedTreeRow], n: Int) {
    self.n = n
    pointParent = [Int](repeating: n, count: n)
    pointLambda = [Double](repeating: 0, count: n)
    for r in rows {
      maxLambda[r.parent] = max(maxLambda[r.parent] ?? 0, r.lambda)  // λ ≥ 0
      if r.child < n {
        pointParent[r.child] = r.parent; pointLambda[r.child] = r.lambda
      } else {
        clusterParent[r.child] = r.parent; clusterLambda[r.child] = r.lambda
        children[r.parent, default: []].append(r.child)
      }
    }
  }
}

/// Labels and membership strengths of new points under an existing HDBSCAN clustering.
public struct HDBSCANPrediction: Sendable, Equatable {
  /// m labels of the fitted clustering (−1 = noise).
  public var labels: [Int]
  /// m membership strengths in [0, 1] (0 for noise).
  public var probabilities: [Double]
}

/// Assigns new points to the clusters of a fitted HDBSCAN, as the hdbscan library's
/// `approximate_predict` (prediction.py, with `prediction_data=True`):
/// - training core distances for prediction are the distances to the `min_samples`-th nearest
///   training point counting the point itself (the library's `PredictionData`, one neighbour fewer
///   than the clustering's own);
/// - a new point's core distance is the distance to its (min_samples + 1)-th nearest training
///   point; among its 2·min_samples nearest, the one of least mutual reachability
///   max(core, core′, distance) is its neighbour and λ = 1/that distance;
/// - it joins its neighbour's condensed-tree cluster, or the ancestor it would still belong to at
///   λ; the label is that cluster's selected cluster (or −1), the probability λ / (the cluster's
///   largest λ), at most 1.
/// Differences: the selected clusters are the fit's own (the library re-selects them without
/// `cluster_selection_epsilon`, so its predictions can disagree with its labels); when the whole
/// data is the single selected cluster (`allow_single_cluster`), a new point joins it only as
/// the fit's labelling would (λ at least the root's largest, or 1/`cluster_selection_epsilon`),
/// where the library labels every point; a point at distance 0 has λ = ∞ and probability 1 in a
/// cluster whose largest λ is ∞; distances are those of `parameters.metric` (alpha is ignored,
/// as by the library).
/// - Parameters:
///   - newData: m × d points, d as the training data.
///   - trainingData: the n × d data the clustering was fitted on.
///   - result: that fit's result; parameters: its parameters.
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data or a column mismatch;
///   `.cancelled`.
public func hdbscanApproximatePredict(
  _ newData: Matrix, trainingData: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters,
  context: RunContext = RunContext()
) throws -> HDBSCANPrediction {
  try HDBSCANModel(trainingData: trainingData, result: result, parameters: parameters)
    .approximatePredict(newData, context: context)
}

/// `approximate_predict` with the model's prediction data (see `hdbscanApproximatePredict`).
func approximatePredict(
  _ newData: Matrix, data pd: HDBSCANPredictionData, result: HDBSCANResult, parameters: HDBSCANParameters,
  context: RunContext
) throws -> HDBSCANPrediction {
  // (validates the data and the shapes)
  let near = try pd.neighborAndLambda(newData, context: context)
  let n = pd.n, m = newData.rows
  let root = n
  let tree = pd.index
  let (pointParent, pointLambda) = (tree.pointParent, tree.pointLambda)
  let (clusterParent, clusterLambda, maxLambda, children) = (tree.clusterParent, tree.clusterLambda, tree.maxLambda, tree.children)
  // every cluster under a selected one carries its label and its largest λ
  var labelOf = [Int: Int](), maxOf = [Int: Double]()
  for (label, c) in result.selectedClusters.enumerated() {
    var stack = [c]
    let ml = maxLambda[c] ?? 0
    while let x = stack.popLast() {
      labelOf[x] = label; maxOf[x] = ml
      stack.append(contentsOf: children[x] ?? [])
    }
  }
  var labels = [Int](repeating: -1, count: m), probs = [Double](repeating: 0, count: m)
  for i in 0..<m {
    let best = near.neighbor[i]
    if best < 0 { continue }
    var lambda = near.lambda[i]
    var potential = pointParent[best]
    if pointLambda[best] > lambda {
      while potential > root, let cl = clusterLambda[potential], cl >= lambda { potential = clusterParent[potential] ?? root }
    }
    guard let label = labelOf[potential] else { continue }
    let ml = maxOf[potential] ?? 0
    // the root as the single selected cluster: the fit's own rule (do_labelling) — a point
    // belongs only from the root's largest λ on, or from 1/cluster_selection_epsilon
    if potential == root && result.selectedClusters == [root] {
      let threshold = parameters.clusterSelectionEpsilon != 0 ? 1 / parameters.clusterSelectionEpsilon : ml
      if lambda < threshold { continue }
    }
    labels[i] = label
    if ml.isInfinite {
      probs[i] = lambda.isInfinite ? 1 : 0  // the fit's ∞/∞ convention (duplicate points)
    } else if ml > 0 {
      lambda = min(ml, lambda)
      probs[i] = lambda / ml
    } else {
      probs[i] = 1
    }
  }
  return HDBSCANPrediction(labels: labels, probabilities: probs)
}

/// What prediction needs from a fit, built once per model (the hdbscan library's
/// `PredictionData`): the training rows in Double, the KD-tree over them (KD metrics), each
/// training point's core distance for prediction (to its `min_samples`-th nearest training point,
/// itself included) and the condensed tree indexed. Read-only after `init`, so concurrent
/// predictions share it.
final class HDBSCANPredictionData: @unchecked Sendable {
  let n: Int
  let d: Int
  let minSamples: Int
  let metric: Metric
  let training: [Double]
  /// nil for cosine and correlation (searched by `knnCrossJoin`).
  let tree: KDTreeIndex?
  let trainingData: Matrix
  let coreDistances: [Double]
  let index: CondensedTreeIndex

  /// - Throws: `AlgorithmError.cancelled`.
  init(trainingData: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters, context: RunContext) throws {
    n = trainingData.rows
    d = trainingData.cols
    metric = parameters.metric
    self.trainingData = trainingData
    let ms = parameters.minSamples ?? parameters.minClusterSize
    minSamples = ms
    let kCore = max(1, min(n, ms))
    training = trainingData.data.map { Double($0) }
    index = CondensedTreeIndex(result.condensedTree, n: n)
    switch parameters.metric {
    case .cosine, .correlation:
      tree = nil
      let c = try knnCrossJoin(trainingData, reference: trainingData, k: kCore, metric: parameters.metric, context: context)
      coreDistances = (0..<n).map { Double(c.distances[$0 * kCore + kCore - 1]) }
    default:
      let t = KDTreeIndex(crossJoinOver: training, n: n, d: d)
      tree = t
      let c = try Self.kdQuery(t, training, m: n, k: kCore, metric: parameters.metric, context: context)
      coreDistances = (0..<n).map { c.distances[$0 * kCore + kCore - 1] }
    }
  }

  /// `kdQueryKNN` with the KD form of `metric`, distances in the metric's units.
  private static func kdQuery(
    _ t: KDTreeIndex, _ queries: [Double], m: Int, k: Int, metric: Metric, context: RunContext
  ) throws -> (indices: [Int], distances: [Double]) {
    func run<M: KDMetric>(_ km: M) throws -> (indices: [Int], distances: [Double]) {
      let r = try kdQueryKNN(t, queries: queries, m: m, k: k, metric: km, context: context)
      return (r.indices, r.rdist.map { km.toDist($0) })
    }
    switch metric {
    case .euclidean: return try run(EuclideanKD())
    case .manhattan: return try run(ManhattanKD())
    case .chebyshev: return try run(ChebyshevKD())
    case .minkowski(let p): return try run(MinkowskiKD(p: p))
    case .cosine, .correlation: preconditionFailure("cosine and correlation are searched without a KD-tree")
    }
  }

  /// For each new point, its neighbour among the training points in mutual reachability and
  /// λ = 1/that distance (hdbscan `_find_neighbor_and_lambda`; see `hdbscanApproximatePredict`);
  /// neighbour −1 when none is found. Each row's answer depends on that row only.
  /// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data or a column mismatch;
  ///   `.cancelled`.
  func neighborAndLambda(_ newData: Matrix, context: RunContext) throws -> (neighbor: [Int], lambda: [Double]) {
    try validateData(newData, "new data")
    guard newData.cols == d else {
      throw AlgorithmError.invalidInput("the new data has \(newData.cols) columns but the clustering was fitted on \(d)")
    }
    let m = newData.rows, ms = minSamples
    let kNew = max(1, min(n, 2 * ms))
    let nbI: [Int], nbD: [Double]
    if let t = tree {
      (nbI, nbD) = try Self.kdQuery(t, newData.data.map { Double($0) }, m: m, k: kNew, metric: metric, context: context)
    } else {
      let q = try knnCrossJoin(newData, reference: trainingData, k: kNew, metric: metric, context: context)
      nbI = q.indices.map { Int($0) }
      nbD = q.distances.map { Double($0) }
    }
    var neighbor = [Int](repeating: -1, count: m), lambdas = [Double](repeating: 0, count: m)
    for i in 0..<m {
      let pointCore = nbD[i * kNew + min(ms, kNew - 1)]
      var best = -1, bestMR = Double.infinity
      for t in 0..<kNew {
        let j = nbI[i * kNew + t]
        if j < 0 { continue }
        let mr = max(coreDistances[j], pointCore, nbD[i * kNew + t])
        if mr < bestMR { bestMR = mr; best = j }
      }
      neighbor[i] = best
      lambdas[i] = bestMR > 0 ? 1 / bestMR : Double.infinity
    }
    return (neighbor, lambdas)
  }
}
