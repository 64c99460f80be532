// Supervised UMAP with categorical labels: umap-learn's `UMAP.fit(X, y)` with
// `target_metric="categorical"` (umap/umap_.py): the fuzzy graph of the data is intersected with the
// labels' discrete metric (`discrete_metric_simplicial_set_intersection`, `fast_intersection`), and
// the local connectivity is then restored (`reset_local_connectivity`), in umap-learn's order of
// operations and float32 arithmetic.

/// The distance umap-learn gives two points of different labels for `target_weight` w:
/// 2.5 · (1 / (1 − w)) for w < 1, else 10¹² (`UMAP.fit`, `far_dist`).
/// - Parameter targetWeight: w in [0, 1] (not checked here; see `UMAPParameters.validate`).
public func categoricalFarDistance(targetWeight: Double) -> Double {
  targetWeight < 1.0 ? 2.5 * (1.0 / (1.0 - targetWeight)) : 1.0e12
}

/// The fuzzy graph intersected with categorical labels for `target_weight` w, as umap-learn's
/// `UMAP.fit(X, y)` with `target_metric="categorical"`: `categoricalIntersection(graph, labels:
/// farDistance:)` with far_dist = `categoricalFarDistance(targetWeight: w)` and unknown_dist = 1.
/// w = 0.5 (the default) gives far_dist 5, w → 1 separates the labels ever more (w = 1: edges between
/// different labels are removed), w = 0 gives far_dist 2.5.
/// - Parameters:
///   - graph: the fuzzy graph of the data, n vertices (as `fuzzySimplicialSet` returns it).
///   - labels: n labels; −1 = unknown (unknown_dist = 1).
///   - targetWeight: w in [0, 1].
/// - Returns: the intersected graph after `resetLocalConnectivity`, n vertices, symmetric.
/// - Throws: `AlgorithmError.invalidParameter` (`target_weight`) for w outside [0, 1];
///   `AlgorithmError.invalidInput` "y has N labels for M rows" when the counts differ.
public func categoricalIntersection(_ graph: FuzzyGraph, labels: [Int], targetWeight: Double) throws -> FuzzyGraph {
  guard targetWeight >= 0 && targetWeight <= 1 else {
    throw AlgorithmError.invalidParameter(
      name: "target_weight", value: "\(targetWeight)", allowed: "target_weight must be between 0.0 and 1.0")
  }
  return try categoricalIntersection(graph, labels: labels, farDistance: categoricalFarDistance(targetWeight: targetWeight))
}

/// The fuzzy graph intersected with categorical labels, as umap-learn's
/// `discrete_metric_simplicial_set_intersection(graph, y, unknown_dist, far_dist)` with no metric:
/// 1. every stored entry (i, j) with weight w becomes w·exp(−unknownDistance) if y[i] or y[j] is −1
///    (unlabelled), w·exp(−farDistance) if the labels differ, and stays w if they agree
///    (`fast_intersection`: the product in Double, stored as float32);
/// 2. entries that became 0 (float32 underflow, or exp(−10¹²) = 0 for target_weight = 1) are dropped
///    (`eliminate_zeros`);
/// 3. `resetLocalConnectivity`: each row divided by its maximum, then the fuzzy union with the transpose.
///
/// Any other integer is a category of its own (−2 included), as in umap-learn.
/// - Parameters:
///   - graph: the fuzzy graph of the data, n vertices (both directions of every edge stored, as
///     `fuzzySimplicialSet` returns it).
///   - labels: n labels; −1 = unknown.
///   - farDistance: the distance between points of different labels (`categoricalFarDistance`;
///     umap-learn's default 5.0 is target_weight = 0.5).
///   - unknownDistance: the distance of an unlabelled point to any point (umap-learn's `unknown_dist`,
///     1.0).
/// - Returns: the intersected graph, n vertices, symmetric, no zero entries.
/// - Throws: `AlgorithmError.invalidInput` "y has N labels for M rows" when the counts differ.
public func categoricalIntersection(
  _ graph: FuzzyGraph, labels: [Int], farDistance: Double, unknownDistance: Double = 1.0
) throws -> FuzzyGraph {
  let n = graph.n
  guard labels.count == n else {
    throw AlgorithmError.invalidInput("y has \(labels.count) labels for \(n) rows")
  }
  let unknownFactor = Elementary.exp(-unknownDistance)
  let farFactor = Elementary.exp(-farDistance)
  var rowStart = [Int](repeating: 0, count: n + 1)
  var columns = [Int32](), weights = [Float]()
  columns.reserveCapacity(graph.nnz); weights.reserveCapacity(graph.nnz)
  for i in 0..<n {
    for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
      let j = Int(graph.columns[e])
      var w = graph.weights[e]
      if labels[i] == -1 || labels[j] == -1 {
        w = Float(Double(w) * unknownFactor)
      } else if labels[i] != labels[j] {
        w = Float(Double(w) * farFactor)
      }
      if w != 0 {
        columns.append(graph.columns[e])
        weights.append(w)
      }
    }
    rowStart[i + 1] = columns.count
  }
  return resetLocalConnectivity(FuzzyGraph(n: n, rowStart: rowStart, columns: columns, weights: weights))
}

/// umap-learn's `reset_local_connectivity(simplicial_set)` (without `reset_local_metric`): every row
/// divided by its largest weight (scikit-learn `normalize(norm="max")`, in float32; a row without entries
/// stays empty), then the fuzzy union S + Sᵀ − S∘Sᵀ, each entry (a + b) − a·b in float32 arithmetic with 0
/// for a missing entry, and zero entries dropped (`eliminate_zeros`).
/// - Parameter graph: a graph of n vertices with positive weights (the columns of each row ascending).
/// - Returns: the symmetric graph, n vertices, columns ascending per row.
public func resetLocalConnectivity(_ graph: FuzzyGraph) -> FuzzyGraph {
  let n = graph.n
  // S: rows normalised by their maximum
  var s = graph.weights
  for i in 0..<n {
    let lo = graph.rowStart[i], hi = graph.rowStart[i + 1]
    if lo == hi { continue }
    // the max norm of a sparse row counts its implicit zeros: max(|min|, max) over the row
    var mx: Float = 0
    for e in lo..<hi { mx = Swift.max(mx, Swift.abs(s[e])) }
    if mx != 0 { for e in lo..<hi { s[e] = s[e] / mx } }
  }
  // Sᵀ by a counting sort (columns ascending within each row)
  var tStart = [Int](repeating: 0, count: n + 1)
  for c in graph.columns { tStart[Int(c) + 1] += 1 }
  for i in 0..<n { tStart[i + 1] += tStart[i] }
  var tCol = [Int32](repeating: 0, count: graph.nnz), tVal = [Float](repeating: 0, count: graph.nnz)
  var fill = tStart
  for i in 0..<n {
    for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
      let c = Int(graph.columns[e])
      tCol[fill[c]] = Int32(i)
      tVal[fill[c]] = s[e]
      fill[c] += 1
    }
  }
  // S + Sᵀ − S∘Sᵀ, row by row
  var rowStart = [Int](repeating: 0, count: n + 1)
  var columns = [Int32](), weights = [Float]()
  columns.reserveCapacity(2 * graph.nnz); weights.reserveCapacity(2 * graph.nnz)
  for i in 0..<n {
    var p = graph.rowStart[i], q = tStart[i]
    let pe = graph.rowStart[i + 1], qe = tStart[i + 1]
    while p < pe || q < qe {
      let cp = p < pe ? graph.columns[p] : Int32.max, cq = q < qe ? tCol[q] : Int32.max
      var a: Float = 0, b: Float = 0
      let c: Int32
      if cp == cq {
        a = s[p]; b = tVal[q]; c = cp; p += 1; q += 1
      } else if cp < cq {
        a = s[p]; c = cp; p += 1
      } else {
        b = tVal[q]; c = cq; q += 1
      }
      let sum: Float = a + b
      let product: Float = a * b
      let w: Float = sum - product
      if w != 0 {
        columns.append(c)
        weights.append(w)
      }
    }
    rowStart[i + 1] = columns.count
  }
  return FuzzyGraph(n: n, rowStart: rowStart, columns: columns, weights: weights)
}
