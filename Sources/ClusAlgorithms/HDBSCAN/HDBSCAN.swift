/// Parameters of HDBSCAN*, named and defaulted as the hdbscan library 0.8.x (`hdbscan.HDBSCAN`).
public struct HDBSCANParameters: Sendable, Equatable {
  /// How flat clusters are chosen from the condensed tree (`cluster_selection_method`).
  public enum SelectionMethod: String, Sendable, Equatable, CaseIterable {
    /// Excess of mass (`"eom"`).
    case eom
    /// The leaves of the condensed tree (`"leaf"`).
    case leaf
  }

  /// `min_cluster_size` (default 5): smallest group that counts as a cluster; ≥ 2.
  public var minClusterSize: Int
  /// `min_samples` (default nil = `min_cluster_size`): the core distance of a point is the
  /// distance to its `min_samples`-th nearest other point; ≥ 1 (clipped to n − 1).
  public var minSamples: Int?
  /// `cluster_selection_epsilon` (default 0): clusters split below this distance are merged; ≥ 0.
  public var clusterSelectionEpsilon: Double
  /// `max_cluster_size` (default 0 = no limit): excess of mass refuses clusters with more points
  /// (their children are kept instead); ≥ 0; ignored by `leaf`.
  public var maxClusterSize: Int = 0
  /// `cluster_selection_epsilon_max` (default ∞): excess of mass refuses clusters that form at a
  /// distance above it; > 0.
  public var clusterSelectionEpsilonMax: Double = .infinity
  /// `cluster_selection_persistence` (default 0): before selection, splits whose less
  /// persistent side lives less than this (in λ = 1/distance) are undone (`simplify_hierarchy`); ≥ 0.
  public var clusterSelectionPersistence: Double = 0
  /// `cluster_selection_method` (default eom).
  public var clusterSelectionMethod: SelectionMethod
  /// `allow_single_cluster` (default false): whether the root may be selected.
  public var allowSingleCluster: Bool
  /// `alpha` (default 1): distances are divided by alpha in the mutual reachability; > 0.
  public var alpha: Double
  /// `metric` (default euclidean).
  public var metric: Metric
  /// `approx_min_span_tree` (default true, as the library): for euclidean, manhattan, chebyshev
  /// and minkowski data of at most 60 columns, build the spanning tree as the library's default
  /// dual-tree Borůvka does, keeping node bounds between rounds, which may take a heavier edge
  /// than the minimum (`libraryBoruvkaMST`); false, or other metrics or more columns (where the
  /// library runs Prim's algorithm), gives the exact minimum spanning tree.
  public var approxMinSpanTree: Bool

  /// Creates parameters; defaults are those of `hdbscan.HDBSCAN`.
  public init(
    minClusterSize: Int = 5, minSamples: Int? = nil, clusterSelectionEpsilon: Double = 0,
    clusterSelectionMethod: SelectionMethod = .eom, allowSingleCluster: Bool = false,
    alpha: Double = 1, metric: Metric = .euclidean, approxMinSpanTree: Bool = true
  ) {
    self.minClusterSize = minClusterSize
    self.minSamples = minSamples
    self.clusterSelectionEpsilon = clusterSelectionEpsilon
    self.clusterSelectionMethod = clusterSelectionMethod
    self.allowSingleCluster = allowSingleCluster
    self.alpha = alpha
    self.metric = metric
    self.approxMinSpanTree = approxMinSpanTree
  }

  /// Parses `cluster_selection_method` ("eom" or "leaf").
  /// - Throws: `AlgorithmError.invalidParameter` for any other name.
  public static func selectionMethod(named name: String) throws -> SelectionMethod {
    guard let m = SelectionMethod(rawValue: name.lowercased()) else {
      throw AlgorithmError.invalidParameter(
        name: "cluster_selection_method", value: "\"\(name)\"", allowed: "one of eom, leaf")
    }
    return m
  }

  /// An upper estimate of the bytes HDBSCAN allocates beyond its input for `n` rows × `d`
  /// columns (dense), per row with k = min_samples + 1: 16d (the rows in Double, and from 3
  /// columns the neighbour search's copy of them by columns, `LeafColumns`) + 16k (the
  /// neighbour rows as Int32 for the first Borůvka round, and the search's candidates) + 250
  /// (the tree, the Borůvka state, the spanning tree's edges, the single-linkage and condensed
  /// trees, labels, probabilities and outlier scores). Measured on 10,000,000 × 2 with
  /// min_samples=10: 168 bytes a row, against 458 here (docs/benchmarks.md).
  public func estimatedBytes(rows n: Int, cols d: Int) -> Double {
    let k = Double(min(max(1, n - 1), minSamples ?? minClusterSize) + 1)
    return Double(n) * (16 * Double(d) + 16 * k + 250)
  }

  /// Checks the ranges of the library: min_cluster_size ≥ 2, min_samples ≥ 1, epsilon ≥ 0 and
  /// finite, alpha > 0 and finite.
  /// - Throws: `AlgorithmError.invalidParameter` naming the first offending parameter.
  public func validate() throws {
    if minClusterSize < 2 {
      throw AlgorithmError.invalidParameter(
        name: "min_cluster_size", value: "\(minClusterSize)", allowed: "an integer ≥ 2")
    }
    if let m = minSamples, m < 1 {
      throw AlgorithmError.invalidParameter(name: "min_samples", value: "\(m)", allowed: "an integer ≥ 1")
    }
    if !(clusterSelectionEpsilon >= 0) || !clusterSelectionEpsilon.isFinite {
      throw AlgorithmError.invalidParameter(
        name: "cluster_selection_epsilon", value: "\(clusterSelectionEpsilon)", allowed: "a finite number ≥ 0")
    }
    if !(clusterSelectionPersistence >= 0) || !clusterSelectionPersistence.isFinite {
      throw AlgorithmError.invalidParameter(
        name: "cluster_selection_persistence", value: "\(clusterSelectionPersistence)", allowed: "a finite number ≥ 0")
    }
    if maxClusterSize < 0 {
      throw AlgorithmError.invalidParameter(name: "max_cluster_size", value: "\(maxClusterSize)", allowed: "an integer ≥ 0 (0: no limit)")
    }
    if clusterSelectionEpsilonMax < clusterSelectionEpsilon {
      throw AlgorithmError.invalidParameter(
        name: "cluster_selection_epsilon_max", value: "\(clusterSelectionEpsilonMax)",
        allowed: "a number ≥ cluster_selection_epsilon (\(clusterSelectionEpsilon))")
    }
    if !(clusterSelectionEpsilonMax > 0) {
      throw AlgorithmError.invalidParameter(
        name: "cluster_selection_epsilon_max", value: "\(clusterSelectionEpsilonMax)", allowed: "a number > 0 (∞: no limit)")
    }
    if !(alpha > 0) || !alpha.isFinite {
      throw AlgorithmError.invalidParameter(name: "alpha", value: "\(alpha)", allowed: "a finite number > 0")
    }
  }
}

/// The output of `hdbscan(_:parameters:context:)`, as the fitted attributes of `hdbscan.HDBSCAN`.
public struct HDBSCANResult: Sendable, Equatable {
  /// `labels_`: n cluster labels `0..<k` (selected clusters in the library's order), −1 = noise.
  public var labels: [Int]
  /// `probabilities_`: n membership strengths in [0, 1]; 0 for noise.
  public var probabilities: [Double]
  /// `outlier_scores_`: n GLOSH outlier scores in [0, 1].
  public var outlierScores: [Double]
  /// `cluster_persistence_`: k persistence scores, one per cluster label.
  public var persistence: [Double]
  /// `condensed_tree_`: rows (parent, child, λ, child size); points are `0..<n`, clusters `n...`.
  public var condensedTree: [CondensedTreeRow]
  /// The n core distances (distance to the `min_samples`-th nearest other point).
  public var coreDistances: [Double]
  /// The condensed-tree cluster id (≥ n) of each label 0..<k.
  public var selectedClusters: [Int] = []
  /// `minimum_spanning_tree_`: the n − 1 edges of the spanning tree the hierarchy was built from, by
  /// weight (what `relativeValidity` reads); empty for a result rebuilt from a file saved without it.
  public var spanningTree: [HDBSCANEdge] = []

  /// A result from its parts (for example, rebuilt from a saved clustering for
  /// `hdbscanApproximatePredict`); every per-point array has n entries.
  public init(labels: [Int], probabilities: [Double], outlierScores: [Double], persistence: [Double],
              condensedTree: [CondensedTreeRow], coreDistances: [Double], selectedClusters: [Int] = [],
              spanningTree: [HDBSCANEdge] = []) {
    self.labels = labels
    self.probabilities = probabilities
    self.outlierScores = outlierScores
    self.persistence = persistence
    self.condensedTree = condensedTree
    self.coreDistances = coreDistances
    self.selectedClusters = selectedClusters
    self.spanningTree = spanningTree
  }
}

/// HDBSCAN* clustering (Campello, Moulavi & Sander 2013) as the hdbscan library 0.8.x
/// (`hdbscan.HDBSCAN(...).fit(X)`).
///
/// Core distances are distances to the `min_samples`-th nearest other point; the mutual
/// reachability of a, b is max(core_a, core_b, d(a, b)/alpha). Its spanning tree is built:
/// - by default (`approx_min_span_tree`), for euclidean, manhattan, chebyshev and minkowski data
///   of at most 60 columns, as the library's default does: dual-tree Borůvka keeping node bounds
///   between rounds (`libraryBoruvkaMST`), the same edges in the same order as the library, a
///   spanning tree that is sometimes heavier than the minimum; on one thread;
/// - otherwise exactly (the library's Prim or exact Borůvka results), by Borůvka rounds on a
///   KD-tree (cosine and correlation through the euclidean distance of unit rows), with core
///   distances from the KD-tree below 10 dimensions and from exact blocked GEMM tiles from 10
///   on; its edges are ordered as the library's Prim emits them (ties included).
/// The edges are sorted stably by weight, giving the single-linkage tree, which is condensed with
/// `min_cluster_size`; flat clusters are selected by excess of mass or leaves, optionally merged
/// below `cluster_selection_epsilon`. Deterministic for any thread count. Memory
/// O(n · (d + min(min_samples, 32))) plus, from 10 dimensions, O(threads · n · min_samples).
/// Time about n log n in low dimension; the exact tree needs n² · d / 2 multiply-adds from 10
/// dimensions (euclidean, cosine, correlation), the library's tree often more.
///
/// Differences from the library: its `np.argsort` of equal weights is unspecified (a few tied
/// points may then be labelled differently, or two clusters numbered the other way round); alpha
/// is applied where the library's Borůvka path ignores it; a stability or GLOSH score of the form
/// ∞ − ∞ or ∞/∞ (duplicate points) is 0 or 1 where the library gives NaN.
/// - Parameters:
///   - x: n × d data (rows are points).
///   - parameters: see `HDBSCANParameters`.
///   - context: threads, cancellation and progress.
/// - Returns: labels, probabilities, outlier scores (n each), persistence (one per cluster), the
///   condensed tree and the core distances. One point gives label −1 (the library raises).
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data;
///   `.invalidParameter` for out-of-range parameters; `.cancelled`.
public func hdbscan(_ x: Matrix, parameters: HDBSCANParameters, context: RunContext = RunContext()) throws -> HDBSCANResult {
  try validateData(x)
  return try hdbscan(rows: .dense(x), parameters: parameters, context: context)
}

/// HDBSCAN of sparse rows (CSR), as the library's generic path (`_hdbscan_generic`: all pairwise
/// distances, then Prim's spanning tree of the mutual reachability graph) — here without the n × n
/// matrix: the core distances and Prim's algorithm compute each distance from the sparse rows when
/// needed (O(n²) distance evaluations, O(n) memory), for any metric (cosine for text). The rest
/// (single-linkage tree, condensed tree, selection) is `hdbscan(_:parameters:context:)`'s.
/// - Throws: as `hdbscan(_:parameters:context:)`.
public func hdbscan(sparse x: SparseMatrix, parameters: HDBSCANParameters, context: RunContext = RunContext()) throws -> HDBSCANResult {
  guard x.rows > 0, x.cols > 0 else { throw AlgorithmError.invalidInput("data is empty (\(x.rows) × \(x.cols))") }
  return try hdbscan(rows: .sparse(x), parameters: parameters, context: context)
}

func hdbscan(rows input: UMAPData, parameters: HDBSCANParameters, context: RunContext) throws -> HDBSCANResult {
  try hdbscan(hierarchy: hdbscanHierarchy(rows: input, parameters: parameters, context: context),
              parameters: parameters, context: context)
}

/// What an HDBSCAN fit computes before `min_cluster_size` and the cluster selection enter: the core
/// distances, the spanning tree of the mutual reachability graph and its single-linkage tree. It
/// depends only on the data and `min_samples`, `alpha`, `metric` and `approx_min_span_tree`, so one
/// hierarchy serves every `min_cluster_size`, selection method and epsilon (a sweep). Memory
/// O(n) (about 50 bytes per point).
public struct HDBSCANHierarchy: Sendable {
  let tree: SingleLinkageTree
  /// The n core distances.
  public let coreDistances: [Double]
  /// The number of points.
  public var n: Int { tree.n }
  /// The parameters it was built with (only `min_samples`, `alpha`, `metric` and
  /// `approx_min_span_tree` matter).
  public let parameters: HDBSCANParameters

  /// True when `other` would build the same hierarchy (the same `min_samples` as given, `alpha`,
  /// `metric` and `approx_min_span_tree`).
  public func serves(_ other: HDBSCANParameters) -> Bool {
    (other.minSamples ?? other.minClusterSize) == (parameters.minSamples ?? parameters.minClusterSize)
      && other.alpha == parameters.alpha && other.metric == parameters.metric
      && other.approxMinSpanTree == parameters.approxMinSpanTree
  }
}

/// The hierarchy of `hdbscan(_:parameters:context:)` (core distances and spanning tree), without
/// condensing or selecting: the expensive part, to be shared between fits that differ only in
/// `min_cluster_size`, `cluster_selection_method`, `cluster_selection_epsilon`,
/// `allow_single_cluster` or `max_cluster_size` (`hdbscan(hierarchy:parameters:context:)`).
/// - Parameters: as `hdbscan(_:parameters:context:)`; `min_samples` defaults to `min_cluster_size`.
/// - Throws: as `hdbscan(_:parameters:context:)`.
public func hdbscanHierarchy(_ x: Matrix, parameters: HDBSCANParameters, context: RunContext = RunContext()) throws -> HDBSCANHierarchy {
  try validateData(x)
  return try hdbscanHierarchy(rows: .dense(x), parameters: parameters, context: context)
}

func hdbscanHierarchy(rows input: UMAPData, parameters: HDBSCANParameters, context: RunContext) throws -> HDBSCANHierarchy {
  try parameters.validate()
  try parameters.metric.checkRange(of: input)
  let n = input.rows
  if n == 1 {
    // the library refuses one point too (its tree query: "k must be less than or equal to the
    // number of training points"): a core distance needs another point
    throw AlgorithmError.invalidInput("at least 2 points (rows) are needed, got 1: a core distance is the distance to other points")
  }
  var minSamples = parameters.minSamples ?? parameters.minClusterSize
  if minSamples > n - 1 {
    // the library (hdbscan_.py: min(size − 1, min_samples)) lowers it silently; clus says so,
    // also when min_samples is unset and min_cluster_size stands for it
    let what = parameters.minSamples == nil ? "min_samples (unset: min_cluster_size=\(minSamples))" : "min_samples=\(minSamples)"
    context.warn("\(what) is more than the other points (\(n - 1)): using \(n - 1), as the hdbscan library does, so few or no points can be core")
  }
  minSamples = max(1, min(n - 1, minSamples))
  let slt: SingleLinkageTree
  let core: [Double]
  switch input {
  case .sparse(let sx):
    let (edges, c) = try primMST(sx, minSamples: minSamples, alpha: parameters.alpha, metric: parameters.metric, context: context)
    try context.cancellation.check()
    slt = singleLinkageTree(edges: edges, extra: [], n: n)
    core = c
  case .dense(let x):
    if parameters.approxMinSpanTree && x.cols <= 60, let p = parameters.metric.boruvkaExponent {
      let xd = x.data
      let (d, a) = (x.cols, parameters.alpha)
      let r: (edges: [HDBSCANEdge], core: [Double])
      switch parameters.metric {
      case .manhattan: r = try libraryBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: a, metric: ManhattanKD(), p: p, approximate: true, context: context)
      case .chebyshev: r = try libraryBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: a, metric: ChebyshevKD(), p: p, approximate: true, context: context)
      case .minkowski: r = try libraryBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: a, metric: MinkowskiKD(p: p), p: p, approximate: true, context: context)
      case .euclidean where d == 2:
        r = try libraryBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: a, metric: EuclideanKD2(), p: p, approximate: true, context: context)
      default: r = try libraryBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: a, metric: EuclideanKD(), p: p, approximate: true, context: context)
      }
      try context.cancellation.check()
      slt = singleLinkageTree(emitted: r.edges, n: n, threads: context.threads)
      core = r.core
    } else {
      let (edges, extra, c) = try mutualReachabilityMST(
        x, minSamples: minSamples, alpha: parameters.alpha, metric: parameters.metric, context: context)
      try context.cancellation.check()
      slt = singleLinkageTree(edges: edges, extra: extra, n: n)
      core = c
    }
  }
  return HDBSCANHierarchy(tree: slt, coreDistances: core, parameters: parameters)
}

/// An HDBSCAN fit from a hierarchy already built (`hdbscanHierarchy`): the condensed tree with
/// `min_cluster_size`, then the selection; the same result as `hdbscan(_:parameters:context:)` on the
/// same data with `parameters`, in O(n log n).
/// - Throws: `AlgorithmError.invalidParameter` for out-of-range parameters;
///   `.invalidInput` when `parameters` would need another hierarchy (`HDBSCANHierarchy.serves`).
public func hdbscan(hierarchy h: HDBSCANHierarchy, parameters: HDBSCANParameters, context: RunContext = RunContext()) throws -> HDBSCANResult {
  try parameters.validate()
  guard h.serves(parameters) else {
    throw AlgorithmError.invalidInput("the hierarchy was built with other min_samples, alpha, metric or approx_min_span_tree than these parameters")
  }
  let n = h.n
  if n == 1 {
    return HDBSCANResult(labels: [-1], probabilities: [0], outlierScores: [0], persistence: [],
                         condensedTree: [], coreDistances: [0])
  }
  var rows = condenseTree(h.tree, minClusterSize: parameters.minClusterSize)
  if parameters.clusterSelectionPersistence > 0 && !rows.isEmpty {
    rows = simplifyHierarchy(rows, n: n, persistence: parameters.clusterSelectionPersistence)
  }
  let sel = selectClusters(
    rows: rows, n: n, method: parameters.clusterSelectionMethod,
    allowSingleCluster: parameters.allowSingleCluster, epsilon: parameters.clusterSelectionEpsilon,
    maxClusterSize: parameters.maxClusterSize, epsilonMax: parameters.clusterSelectionEpsilonMax)
  if sel.wideStabilitySums {
    context.warn("the clusters' stabilities exceed float32's range (the distances are tiny, near 1e-37 or below): "
      + "they were compared in double precision, where the hdbscan library's float32 sums overflow (and can select other clusters); "
      + "scaling the data up (x * 1e30) gives both the same clusters")
  }
  return HDBSCANResult(labels: sel.labels, probabilities: sel.probabilities, outlierScores: sel.outlierScores,
                       persistence: sel.persistence, condensedTree: rows, coreDistances: h.coreDistances,
                       selectedClusters: sel.selectedClusters, spanningTree: h.tree.edges)
}

extension Metric {
  /// The Minkowski exponent of the metrics the library's KD-tree Borůvka handles (2, 1, ∞, p);
  /// nil for cosine and correlation (the library computes those exactly).
  var boruvkaExponent: Double? {
    switch self {
    case .euclidean: return 2
    case .manhattan: return 1
    case .chebyshev: return .infinity
    case .minkowski(let p): return p
    case .cosine, .correlation: return nil
    }
  }
}

/// The exact minimum spanning tree of the mutual reachability graph (n − 1 edges, weights in
/// distance units), candidate edges for the tie rules of `singleLinkageTree` (the k-nearest-
/// neighbour edges), and the core distances.
func mutualReachabilityMST(
  _ x: Matrix, minSamples: Int, alpha: Double, metric: Metric, context: RunContext
) throws -> ([HDBSCANEdge], [HDBSCANEdge], [Double]) {
  let n = x.rows, d = x.cols
  let xd = metric == .cosine || metric == .correlation ? [] : x.data.map { Double($0) }
  switch metric {
  case .euclidean:
    return try kdBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: alpha, metric: EuclideanKD(), context: context)
  case .manhattan:
    return try kdBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: alpha, metric: ManhattanKD(), context: context)
  case .chebyshev:
    return try kdBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: alpha, metric: ChebyshevKD(), context: context)
  case .minkowski(let p):
    return try kdBoruvkaMST(xd, n: n, d: d, minSamples: minSamples, alpha: alpha, metric: MinkowskiKD(p: p), context: context)
  case .cosine, .correlation:
    // On rows scaled to unit length (centred first for correlation) the cosine distance is
    // e²/2 with e the euclidean distance, an increasing function, and
    // max(g(a), g(b), g(e)/alpha) = g(max(a, b, e/√alpha)): the euclidean tree with alpha' = √alpha
    // is the cosine tree. Zero rows (distance 0 or 1 by convention) use Prim's algorithm.
    if let u = unitRows(x, centred: metric == .correlation) {
      let edges: [HDBSCANEdge], extra: [HDBSCANEdge], core: [Double]
      do {
        (edges, extra, core) = try kdBoruvkaMST(u, n: n, d: d, minSamples: minSamples, alpha: alpha.squareRoot(),
                                                metric: EuclideanKD(), context: context)
      } catch AlgorithmError.invalidParameter(name: "alpha", _, let allowed) {
        throw AlgorithmError.invalidParameter(name: "alpha", value: "\(alpha)", allowed: allowed)  // alpha, not √alpha
      }
      let g = { (e: Double) -> Double in e * e / 2 }
      return (edges.map { HDBSCANEdge(a: $0.a, b: $0.b, weight: g($0.weight)) },
              extra.map { HDBSCANEdge(a: $0.a, b: $0.b, weight: g($0.weight)) }, core.map(g))
    }
    let (edges, core) = try primMST(x, minSamples: minSamples, alpha: alpha, metric: metric, context: context)
    return (edges, [], core)
  }
}
