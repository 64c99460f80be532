#if canImport(Glibc)
import Glibc
#endif

// Soft clustering, as the hdbscan library's `membership_vector` and
// `all_points_membership_vectors` (prediction.py, _prediction_utils.pyx): a point's membership
// in each selected cluster combines its distance to the cluster's exemplars (the points of its
// leaves that persist longest) with how high in the condensed tree it merges with the cluster,
// scaled by the probability that it is in some cluster at all. The library's formulas are kept
// as they are, including where its two functions differ (new points: distance^0.5 · outlier^2
// with outlier scores max λ/(max λ − height); training points: distance · outlier with
// exp(−max λ/height), both passed through a softmax).

/// The parts of a fitted condensed tree that soft clustering reads (built once per model).
struct SoftTree: @unchecked Sendable {
  let n: Int
  /// Selected cluster ids, ascending (the label order).
  let clusters: [Int]
  /// The condensed tree's parents, λs and largest λs.
  let index: CondensedTreeIndex
  var clusterParent: [Int: Int] { index.clusterParent }
  var clusterLambda: [Int: Double] { index.clusterLambda }
  var maxLambda: [Int: Double] { index.maxLambda }
  var pointParent: [Int] { index.pointParent }
  var pointLambda: [Double] { index.pointLambda }
  /// Per selected cluster, the training rows of its exemplars.
  var exemplars: [[Int]] = []

  init(_ r: HDBSCANResult, n: Int, index: CondensedTreeIndex) {
    self.n = n
    clusters = r.selectedClusters.sorted()
    self.index = index
    var rowsUnder = [Int: [(child: Int, lambda: Double)]]()
    for row in r.condensedTree { rowsUnder[row.parent, default: []].append((row.child, row.lambda)) }
    let children = index.children, maxLambda = index.maxLambda
    // exemplars: in each leaf below the cluster (depth first, children in row order), the
    // points that leave at the leaf's largest λ
    for c in clusters {
      var rows = [Int]()
      func visit(_ node: Int) {
        if let ch = children[node], !ch.isEmpty {
          for x in ch { visit(x) }
          return
        }
        let top = maxLambda[node] ?? 0
        for (child, l) in rowsUnder[node] ?? [] where l == top && child < n { rows.append(child) }
      }
      visit(c)
      exemplars.append(rows)
    }
  }

  /// The library's `merge_height`: for each selected cluster, the λ at which the point's
  /// cluster and it meet in the tree (the birth λ of the last cluster stepped through), or the
  /// point's own λ when one contains the other.
  func mergeHeights(_ pointCluster: Int, _ pointLambda: Double) -> [Double] {
    clusters.map { c in
      var left = pointCluster, right = c
      var tookLeft = false, tookRight = false
      var last = c
      while left != right {
        if left > right {
          tookLeft = true; last = left; left = clusterParent[left] ?? n
        } else {
          tookRight = true; last = right; right = clusterParent[right] ?? n
        }
      }
      return tookLeft && tookRight ? clusterLambda[last] ?? pointLambda : pointLambda
    }
  }

  /// `dist_membership_vector` (no softmax): 1/(distance to the nearest exemplar), normalised.
  func distanceVector(_ p: UnsafePointer<Float>, _ data: UnsafePointer<Float>, d: Int, metric: Metric) -> [Double] {
    let k = clusters.count
    var v = (0..<k).map { c -> Double in
      var best = Double.greatestFiniteMagnitude
      for j in exemplars[c] { best = min(best, metric.distance(p, data + j * d, d)) }
      return best != 0 ? 1 / best : Double.greatestFiniteMagnitude / Double(k)
    }
    let s = v.reduce(0, +)
    for i in 0..<k { v[i] /= s }
    return v
  }
}

/// Replaces non-finite entries of a membership row (ties of infinite λ, the library's NaN) by 0.
private func finite(_ v: [Double]) -> [Double] { v.map { $0.isFinite ? $0 : 0 } }

/// Soft cluster memberships of new points (hdbscan `membership_vector`): m × k values (k selected
/// clusters, in label order), each row summing to the probability that the point is in some
/// cluster. Neighbour search and λ as `hdbscanApproximatePredict`.
/// - Parameters: as `hdbscanApproximatePredict`.
/// - Returns: an m × k matrix (k = 0 columns when the fit found no cluster).
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data or a column mismatch.
public func hdbscanMembershipVectors(
  _ newData: Matrix, trainingData: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters,
  context: RunContext = RunContext()
) throws -> Matrix {
  try HDBSCANModel(trainingData: trainingData, result: result, parameters: parameters)
    .membershipVectors(newData, context: context)
}

/// `membership_vector` with the model's prediction data and soft tree.
func membershipVectors(
  _ newData: Matrix, data pd: HDBSCANPredictionData, soft t: SoftTree, parameters: HDBSCANParameters, context: RunContext
) throws -> Matrix {
  let d = pd.d, m = newData.rows
  let trainingData = pd.trainingData
  // the prediction's neighbour search gives each point's neighbour and λ
  let near = try pd.neighborAndLambda(newData, context: context)
  let k = t.clusters.count
  var out = [Float](repeating: 0, count: m * k)
  if k == 0 { return Matrix(rows: m, cols: 0) }
  newData.data.withUnsafeBufferPointer { qp in
  trainingData.data.withUnsafeBufferPointer { dp in
    for i in 0..<m {
      let nb = near.neighbor[i]
      if nb < 0 { continue }  // no training point in reach: no membership
      var lambda = near.lambda[i]
      if t.pointLambda[nb] <= lambda { lambda = t.pointLambda[nb] }
      let dist = t.distanceVector(qp.baseAddress! + i * d, dp.baseAddress!, d: d, metric: parameters.metric)
      let pc = t.pointParent[nb]
      // outlier_membership_vector: λ in float32 as the library's signature, scores
      // max λ/(max λ − height), softmax
      let ml = t.maxLambda[pc] ?? 0
      let heights32 = t.mergeHeights(pc, Double(Float(lambda)))
      var score = heights32.map { h -> Double in let den = ml - h; return ml / (den <= 0 ? 1e-8 : den) }
      let top = score.filter { !$0.isNaN }.max() ?? 0
      score = score.map { Elementary.exp($0 - top) }
      let ss = score.reduce(0, +)
      score = score.map { $0 / ss }
      var row = (0..<k).map { dist[$0].squareRoot() * score[$0] * score[$0] }
      let rs = row.reduce(0, +)
      row = row.map { $0 / rs }
      // prob_in_some_cluster
      let heights = t.mergeHeights(pc, lambda)
      var arg = 0
      for c in 1..<k where heights[c] > heights[arg] { arg = c }
      let prob = heights[arg] / (max(lambda, t.maxLambda[t.clusters[arg]] ?? 0) + 1e-8)
      for (c, v) in finite(row.map { $0 * prob }).enumerated() { out[i * k + c] = Float(v) }
    }
  }}
  return Matrix(rows: m, cols: k, data: out)
}

/// Soft cluster memberships of the training points (hdbscan `all_points_membership_vectors`):
/// n × k values, each row summing to the probability that the point is in some cluster.
/// - Returns: an n × k matrix (k = 0 columns when the fit found no cluster).
public func hdbscanAllPointsMembershipVectors(
  trainingData: Matrix, result: HDBSCANResult, parameters: HDBSCANParameters
) throws -> Matrix {
  try HDBSCANModel(trainingData: trainingData, result: result, parameters: parameters).allPointsMembershipVectors()
}

/// `all_points_membership_vectors` with the model's soft tree.
func allPointsMembershipVectors(trainingData: Matrix, soft t: SoftTree, parameters: HDBSCANParameters) -> Matrix {
  let n = trainingData.rows, d = trainingData.cols
  let k = t.clusters.count
  if k == 0 { return Matrix(rows: n, cols: 0) }
  // outlier scores exp(−(max λ + 1e-8)/height) of every point, then one softmax shift over all
  var scores = [Double](repeating: 0, count: n * k)
  var inCluster = [Double](repeating: 0, count: n)
  for p in 0..<n {
    let pc = t.pointParent[p], pl = t.pointLambda[p]
    let ml = (t.maxLambda[pc] ?? 0) + 1e-8
    let h = t.mergeHeights(pc, pl)
    for c in 0..<k { scores[p * k + c] = Elementary.exp(-(ml / h[c])) }
    var arg = 0
    for c in 1..<k where h[c] > h[arg] { arg = c }
    inCluster[p] = h[arg] / max(t.maxLambda[t.clusters[arg]] ?? 0, pl)
  }
  let top = scores.filter { !$0.isNaN }.max() ?? 0
  var out = [Float](repeating: 0, count: n * k)
  trainingData.data.withUnsafeBufferPointer { dp in
    for p in 0..<n {
      var o = (0..<k).map { Elementary.exp(scores[p * k + $0] - top) }
      let os = o.reduce(0, +)
      o = o.map { $0 / os }
      let dist = t.distanceVector(dp.baseAddress! + p * d, dp.baseAddress!, d: d, metric: parameters.metric)
      var row = (0..<k).map { dist[$0] * o[$0] }
      let rs = row.reduce(0, +)
      row = row.map { $0 / rs * inCluster[p] }
      for (c, v) in finite(row).enumerated() { out[p * k + c] = Float(v) }
    }
  }
  return Matrix(rows: n, cols: k, data: out)
}
