import ClusAlgorithms

/// The seed for `random_state = none`: from the clock, below 2⁶³ so that it shows as the integer a
/// user can pass back as `random_state` to repeat the run.
func seedOrClock(_ s: UInt64?) -> UInt64 { s ?? (seedFromClock() & UInt64(Int.max)) }

/// UMAP's allocations, checked before any: first what n_components alone sizes (the embedding and
/// its spectral initialisation, about 80 bytes per row and component), then the whole run's
/// estimate (`UMAPParameters.estimatedBytes`) against the memory available, with what to do.
private func checkUMAPMemory(rows n: Int, cols d: Int, sparse: Bool, _ p: UMAPParameters) throws {
  // n_components is blamed only when it is above its default (2) and alone too large
  if p.nComponents > UMAPParameters().nComponents {
    try Memory.require(
      Double(n) * Double(p.nComponents) * 80, parameter: "n_components", value: p.nComponents,
      what: "\(n) rows × \(p.nComponents) components")
  }
  let k = p.neighbors(forPoints: max(n, 2))
  try Memory.requireForRun(
    p.estimatedBytes(rows: n, cols: d, sparse: sparse), command: "umap",
    what: "\(n) rows × \(d) columns, n_neighbors=\(p.nNeighbors)"
      + (k == p.nNeighbors ? "" : ", used as \(k), the rows less one"),
    advice: "use fewer neighbours (n_neighbors) or a sample of the rows (x[0:N])" + (d > 50 ? ", or fewer columns (pca x n_components=50)" : ""))
}

/// The sparse PCA / truncated SVD's allocations (`sparseFactorisationBytes`: the transpose, column
/// statistics and the eigensolver's vectors, all sized by the columns) against the memory available.
private func checkSparseFactorisationMemory(_ x: SparseMatrix, nComponents k: Int, command: String) throws {
  // a count out of range (1 ..< min(rows, columns)) is the algorithm's range error, not a size
  guard k >= 1, k < min(x.rows, x.cols) else { return }
  try Memory.requireForRun(
    sparseFactorisationBytes(rows: x.rows, cols: x.cols, stored: x.nnz, nComponents: k), command: command,
    what: "\(x.rows) rows × \(x.cols) columns, n_components=\(k)",
    advice: "use fewer components (n_components) or keep only the columns that hold values")
}

/// umap's `knn=`: the neighbours of an earlier `umap` result (its `knn_indices`, `knn_distances`),
/// umap-learn's `precomputed_knn`, so that a sweep over `min_dist` or `n_components` skips the
/// search; nil for `none`. Extra columns beyond `n_neighbors` are dropped (as umap-learn does).
/// - Throws: `CommandError.invalidArgument` naming `knn=` for a value without neighbours, another
///   number of rows, too few neighbours, indices out of range, another metric, or (a fitted model's
///   neighbours) other training data.
private func precomputedKNN(_ v: Value, rows n: Int, data x: Value, parameters p: UMAPParameters) throws -> KNNGraph? {
  if case .none = v { return nil }
  func bad(_ m: String) -> CommandError { .invalidArgument("the knn= result: \(m)") }
  // the neighbours as a table: a fitted model's own (Int32, exact at any size), else one read from
  // the record's matrices (a sparse fit's record has no model); then one set of checks for both
  let g: KNNGraph, metric: String?
  if case .record(let r) = v, case .umap(let m)? = r.model, let table = m.knn {
    // the model keeps its training rows: neighbours of other data would give a wrong embedding
    // without a word (umap-learn's precomputed_knn cannot check; clus can, at the cost of a compare)
    if case .matrix(let xm) = x, xm.rows == m.trainingData.rows,
       xm.cols != m.trainingData.cols || !(xm.data == m.trainingData.data) {
      throw bad("its neighbours are of other data: its fit's training data (\(m.trainingData.rows) × \(m.trainingData.cols)) "
                + "differs from this data in value; pass the same data, or leave knn= out")
    }
    (g, metric) = (table, m.parameters.metric.description)
  } else {
    guard case .record(let r) = v, case .matrix(let ki)? = r["knn_indices"], case .matrix(let kd)? = r["knn_distances"],
          ki.rows == kd.rows, ki.cols == kd.cols else {
      throw CommandError.invalidArgument("knn= takes an earlier umap result (its knn_indices and knn_distances)")
    }
    let (rows, cols) = (ki.rows, ki.cols)
    var idx = [Int32](repeating: 0, count: rows * cols)
    for i in 0..<rows {
      for t in 0..<cols {
        let j = ki[i, t]
        guard j == j.rounded(), j >= -1, j < Float(rows) else { throw bad("its neighbour indices must lie in 0..<\(rows)") }
        idx[i * cols + t] = Int32(j)
      }
    }
    g = KNNGraph(n: rows, k: cols, indices: idx, distances: Array(kd.data))
    if case .record(let params)? = r["params"], case .string(let m)? = params["metric"] { metric = m } else { metric = nil }
  }
  guard g.n == n else { throw bad("its neighbours are of \(g.n) points, but the data has \(n) rows") }
  let k = p.neighbors(forPoints: n)
  guard g.k >= k else { throw bad("it holds \(g.k) neighbours per point; n_neighbors=\(p.nNeighbors) needs \(k)") }
  if let m = metric, m != p.metric.description {
    throw bad("its neighbours are by metric \"\(m)\", this run's metric is \"\(p.metric)\"")
  }
  if g.k == k { return g }
  // extra columns beyond n_neighbors dropped, as umap-learn does
  var idx = [Int32](repeating: 0, count: n * k), dist = [Float](repeating: 0, count: n * k)
  for i in 0..<n {
    for t in 0..<k { idx[i * k + t] = g.indices[i * g.k + t]; dist[i * k + t] = g.distances[i * g.k + t] }
  }
  return KNNGraph(n: n, k: k, indices: idx, distances: dist)
}

/// umap's `y=`: labels (an int vector or a categorical, whose missing values are −1), nil for `none`.
/// - Throws: `CommandError.invalidArgument` for anything else.
private func supervisedLabels(_ v: Value) throws -> [Int]? {
  if case .none = v { return nil }
  // as a score's labels, except that a categorical's missing value (code −1) is umap-learn's −1, "no label"
  guard let l = Operators.labelVector(v) else {
    if case .floats(let f) = Operators.vectorized(v.resolved), let bad = f.first(where: { $0 != $0.rounded() || abs($0) >= 1e15 }) {
      throw CommandError.invalidArgument("y= takes labels (integers, or a categorical), one per row, got the value \(Display.number(bad))")
    }
    throw CommandError.invalidArgument("y= takes labels (an int vector or a categorical), one per row, got \(v.kindWithArticle)")
  }
  return l
}

/// umap's parameters, bound to `UMAPParameters` (the command's table and a model's `params`).
let umapParameterTable = ParamTable(UMAPParameters(), [
  .int("n_neighbors", \.nNeighbors, .atLeast(2), "size of the local neighbourhood (k of the kNN graph, the point itself included); searched exactly below 4,096 points (as umap-learn) and whenever n_neighbors ≥ points / 64 (faster there), else by NN-descent"),
  .int("n_components", \.nComponents, .atLeast(1), "dimension of the embedding"),
  .metric(\.metric, "distance in the input space"),
  .int("n_epochs", \.nEpochs, .between(0, 100_000), "training epochs (none: 500 when n ≤ 10,000, else 200)"),
  .float("learning_rate", \.learningRate, .atLeast(0), "initial SGD learning rate, decayed linearly (0: the initial layout is kept, as umap-learn)"),
  .initialLayout("initial layout, or an n × n_components matrix to start from"),
  .float("min_dist", \.minDist, .atLeast(0), "how tightly points may pack in the embedding (≤ spread)"),
  .float("spread", \.spread, .greaterThan(0), "scale of the embedded points"),
  .float("set_op_mix_ratio", \.setOpMixRatio, .between(0, 1), "1: fuzzy union of the local graphs, 0: intersection"),
  .float("local_connectivity", \.localConnectivity, .atLeast(0), "number of nearest neighbours assumed connected"),
  .float("repulsion_strength", \.repulsionStrength, .atLeast(0), "weight of negative samples (gamma)"),
  .int("negative_sample_rate", \.negativeSampleRate, .between(0, 1000), "negative samples per positive edge sample"),
  .float("a", \.a, .greaterThan(0), "curve parameter, given with b (none: both fitted from min_dist and spread)"),
  .float("b", \.b, .greaterThan(0), "curve parameter, given with a (none: both fitted from min_dist and spread)"),
  .float("disconnection_distance", \.disconnectionDistance, .greaterThan(0).orInfinity, "kNN edges this long or longer are cut (none: ∞, or 2 for cosine and correlation)"),
  .bool("densmap", \.densmap, "densMAP: also preserve local density (200 more epochs by default)"),
  .float("dens_lambda", \.densLambda, .atLeast(0), "weight of densMAP's density term"),
  .float("dens_frac", \.densFrac, .between(0, 1), "fraction of the epochs (the last ones) with the density term"),
  .float("dens_var_shift", \.densVarShift, .atLeast(0), "added to the variance of the embedding's log radii"),
  .bool("output_dens", \.outputDens, "also return the log local radii of the data and of the embedding (rad_orig, rad_emb)"),
  .seed("random_state", \.randomState, "seed; with it the result is identical for any thread count"),
  .converted({ p in [ParamSpec("target_metric", .choice(["categorical"]), .string(p.targetMetric), nil,
                                "supervised UMAP (y=): how labels are compared; categorical, as umap-learn's default for labels")] },
             assign: { p, inv in p.targetMetric = try inv.string("target_metric") }),
  .float("target_weight", \.targetWeight, .between(0, 1), "supervised UMAP: 0 weighs mostly the data, 1 mostly the labels (an edge between different labels is weighted × exp(−2.5/(1 − w)), so even 0 weakens it)"),
  .int("target_n_neighbors", \.targetNNeighbors, .atLeast(-1), "supervised UMAP with a metric target: its neighbours (−1: n_neighbors); unused for categorical"),
  .converted({ _ in [ParamSpec("y", .any, .none, nil,
                               "labels for supervised UMAP, one per row (umap-learn's fit(X, y)); −1 or a missing category: unlabelled (semi-supervised)")] },
             assign: { _, _ in }),
  .converted({ _ in [ParamSpec("knn", .any, .none, nil,
                               "an earlier umap result of the same data and metric whose neighbours to reuse (umap-learn's precomputed_knn)")] },
             assign: { _, _ in }),
])

/// hdbscan's parameters, bound to `HDBSCANParameters`.
let hdbscanParameterTable = ParamTable(HDBSCANParameters(), [
  .int("min_cluster_size", \.minClusterSize, .atLeast(2), "smallest group of points that counts as a cluster"),
  .int("min_samples", \.minSamples, .atLeast(1), "neighbours for the core distance (none: min_cluster_size), the point itself not counted, as the hdbscan library counts them; scikit-learn's HDBSCAN counts the point, so its min_samples=k+1 is clus's k"),
  .float("cluster_selection_epsilon", \.clusterSelectionEpsilon, .atLeast(0), "distance below which clusters are not split"),
  .choice("cluster_selection_method", \.clusterSelectionMethod, "excess of mass, or the leaves of the condensed tree"),
  .float("cluster_selection_persistence", \.clusterSelectionPersistence, .atLeast(0), "undo splits whose smaller side persists less than this (in λ = 1/distance)"),
  .int("max_cluster_size", \.maxClusterSize, .atLeast(0), "excess of mass refuses larger clusters (0: no limit)"),
  .float("cluster_selection_epsilon_max", \.clusterSelectionEpsilonMax, .greaterThan(0).orInfinity, "excess of mass refuses clusters formed at a larger distance"),
  .bool("allow_single_cluster", \.allowSingleCluster, "allow the root to be the only cluster"),
  .float("alpha", \.alpha, .greaterThan(0), "distance scaling in the mutual reachability"),
  .metric(\.metric, "distance between points"),
  .bool("approx_min_span_tree", \.approxMinSpanTree, "the library's default spanning tree (dual-tree Borůvka keeping its bounds between rounds; ≤ 60 columns); false: the exact minimum tree"),
])

/// kmeans's parameters, bound to `KMeansParameters`.
let kmeansParameterTable = ParamTable(KMeansParameters(), [
  .int("n_clusters", \.nClusters, .atLeast(1), "number of clusters"),
  .initAndRuns(
    "greedy k-means++ (2 + ln k trials) or random points",
    "runs from different starts, best inertia kept (none: 1 for k-means++, 10 for random, as \"auto\")"),
  .int("max_iter", \.maxIter, .between(1, 1_000_000), "Lloyd iterations per run"),
  .float("tol", \.tol, .atLeast(0), "convergence tolerance, relative to the mean feature variance"),
  .seed("random_state", \.randomState, "seed of the initialisation"),
])

/// pca's parameters, bound to `PCAParameters`.
let pcaParameterTable = ParamTable(PCAParameters(), [
  .components("components to keep, or a float in (0, 1): the share of variance to keep (none: all)"),
  .bool("whiten", \.whiten, "scale components to unit variance"),
])

func registerAlgorithms(_ t: inout CommandTable) {
  t.register(Command(
    "umap", group: "embedding",
    summary: "UMAP embedding (McInnes, Healy & Melville 2018), as umap-learn 0.5: rows × n_components",
    args: [ArgSpec("data", .matrixOrSparse, "n × d data, one point per row, dense or sparse (a sparse matrix is never densified)")],
    parameters: umapParameterTable,
    examples: [
      "e = umap mnist.data random_state=42",
      "e = umap mnist.data n_neighbors=30 min_dist=0 random_state=42",
      "e2 = umap mnist.data min_dist=0.5 random_state=42 knn=e   # reuses e's neighbours",
    ]
  ) { inv, p in
    var p = p
    let seed = seedOrClock(p.randomState)
    p.randomState = seed
    let ctx = inv.context
    let n = inv.args[0].length ?? 0
    let sparseInput: Bool = { if case .sparse = inv.args[0] { return true }; return false }()
    let cols: Int = { switch inv.args[0] { case .matrix(let m): return m.cols; case .sparse(let m): return m.cols; default: return 1 } }()
    try checkUMAPMemory(rows: n, cols: cols, sparse: sparseInput, p)
    let given = try precomputedKNN(try inv.value("knn"), rows: n, data: inv.args[0], parameters: p)
    let y = try supervisedLabels(try inv.value("y"))
    // what would fail after the neighbour search, refused before it
    if let y = y, y.count != n { throw CommandError.invalidArgument("y has \(y.count) labels for \(n) rows") }
    if case .sparse = inv.args[0], p.initialization == .pca {
      throw CommandError.invalidParameter(name: "init", value: "\"pca\"", allowed: "init=\"pca\" needs dense data; use \"spectral\" or \"random\" on a sparse matrix")
    }
    var knnSeconds = 0.0
    let r: UMAPResult
    if case .sparse(let x) = inv.args[0] {
      let knn: KNNGraph
      if let g = given {
        knn = g
      } else {
        let indexed = p.metric == .euclidean || p.metric == .cosine
        if x.rows >= (indexed ? 200_000 : 4096) {
          // umap-learn (pynndescent) searches approximately from 4,096 rows; clus's sparse search is exact
          ctx.warn("the neighbours of a sparse matrix are searched exactly (\(indexed ? "through an inverted index" : "every pair of rows")) "
                   + "on \(x.rows) rows; on large data, reduce it first (`svd x n_components=100`, as scanpy and BERTopic do)")
        }
        let t0 = monotonicSeconds()
        knn = try knnSelfJoin(x, k: p.neighbors(forPoints: x.rows), metric: p.metric, context: ctx)
        knnSeconds = monotonicSeconds() - t0
      }
      r = try umap(sparse: x, knn: knn, y: y, parameters: p, context: ctx)
    } else {
      r = try umap(inv.matrix(0), y: y, parameters: p, context: ctx) { data, k in
        if let g = given { return g }
        let t0 = monotonicSeconds()
        defer { knnSeconds = monotonicSeconds() - t0 }
        return try knnSelfJoin(data, k: k, metric: p.metric, search: .umap(seed: seed), context: ctx)
      }
    }
    let timings = Record(kind: "timings", fields: [
      ("knn", .float(knnSeconds)), ("graph", .float(r.timings.graph)),
      ("init", .float(r.timings.initialization)), ("layout", .float(r.timings.layout)),
    ])
    var fit: [(String, Value)] = [("graph_nnz", .int(r.graphNNZ)), ("timings", .record(timings))]
    if p.outputDens { fit += [("rad_orig", .floats(r.radOrig)), ("rad_emb", .floats(r.radEmb))] }
    guard case .matrix(let x) = inv.args[0] else {
      // a fit on sparse data: the embedding and its neighbours (transform needs dense training data)
      let knn = knnMatrices(r.knn).map { [("knn_indices", $0.0), ("knn_distances", $0.1)] } ?? []
      return .record(Record(kind: "umap", fields: [("embedding", .matrix(r.embedding))] + fit.prefix(1) + knn
                              + [("n_neighbors", .int(r.nNeighbors)),
                                 ("n_epochs", .int(r.nEpochs)), ("a", .float(r.a)), ("b", .float(r.b))] + fit.dropFirst()
                              + [("params", parameterRecord("umap", umapParameterTable.values(of: p)))],
                            principal: "embedding"))
    }
    // what `transform` needs besides the embedding (umap-learn keeps it on the estimator): the
    // parameters, the curve and the training data (`_raw_data`; shared, not copied)
    let model = try UMAPModel(parameters: p, trainingData: x, embedding: r.embedding, knn: r.knn,
                              nNeighbors: r.nNeighbors, nEpochs: r.nEpochs, a: r.a, b: r.b)
    return .record(FittedModel.umap(model).record(fit: fit))
  })

  t.register(Command(
    "transform", group: "embedding",
    summary: "Embed new points with a fitted model: UMAP as umap-learn's UMAP.transform, PCA as scikit-learn's PCA.transform",
    args: [ArgSpec("model", .any, "the result of `umap` or `pca` (or such a model loaded from a .npz file)"),
           ArgSpec("data", .matrixOrSparse, "m × d new points, d as the data the model was fitted on (PCA: sparse rows too)")],
    params: [
      ParamSpec("transform_seed", .seed, .int(42), nil, "UMAP: seed of the negative sampling (umap-learn's transform_seed); each row's stream derives from it and the row, so a row's result does not depend on its batch"),
    ],
    examples: [
      "e = umap mnist.data[0:60000] random_state=42",
      "t = transform e mnist.data[60000:70000]",
      "p = pca mnist.data[0:60000] n_components=50",
      "q = transform p mnist.data[60000:70000]",
    ]
  ) { inv in
    switch try modelArgument(inv.rawArgs[0], ["umap", "pca"], command: "transform") {
    case .umap(let m):
      if case .sparse = inv.args[1] {
        throw CommandError.invalidArgument("transform of sparse rows into a UMAP model is not supported; `dense` makes them dense")
      }
      try checkNewPoints(inv.rawArgs[1], columns: m.trainingData.cols)
      return .matrix(try m.transform(inv.matrix(1), transformSeed: try inv.seed("transform_seed") ?? seedOrClock(nil), context: inv.context))
    case .pca(let m):
      // scikit-learn's PCA.transform takes no seed (it is deterministic); the value was ignored in silence
      if try inv.isGiven("transform_seed") {
        throw CommandError.badParameter(name: "transform_seed", message: "transform_seed= is for a UMAP model; a PCA model's transform has no randomness (scikit-learn's PCA.transform takes no seed)")
      }
      if case .sparse(let x) = inv.args[1] { return .matrix(try m.transform(x, context: inv.context)) }
      try checkNewPoints(inv.rawArgs[1], columns: m.result.components.cols)
      return .matrix(try m.transform(inv.matrix(1), context: inv.context))
    default: preconditionFailure("modelArgument returned another kind")
    }
  })

  t.register(Command(
    "hdbscan", group: "clustering",
    summary: "HDBSCAN clustering (Campello, Moulavi & Sander 2013), as the hdbscan library 0.8: labels, −1 for noise",
    args: [ArgSpec("data", .matrixOrSparse, "n × d data, one point per row; a sparse matrix is clustered as the library's generic path does (all pairs, any metric: cosine for text)")],
    parameters: hdbscanParameterTable,
    examples: ["l = hdbscan e min_samples=10 min_cluster_size=500", "clustered = l >= 0",
               "t = hdbscan tfidf metric=\"cosine\" min_cluster_size=15"]
  ) { inv, p in
    if case .sparse(let sx) = inv.args[0] {
      let r = try hdbscan(sparse: sx, parameters: p, context: inv.context)
      // no model: approximate_predict needs dense training data
      return .record(Record(kind: "hdbscan", fields: hdbscanFields(r) + [
        ("params", parameterRecord("hdbscan", hdbscanParameterTable.values(of: p))),
      ], principal: "labels"))
    }
    let x = inv.matrix(0)
    // the core distances come from each row's min_samples nearest neighbours (indices, distances
    // and the search's candidate lists)
    let ms = p.minSamples ?? p.minClusterSize
    let (name, k) = (p.minSamples == nil ? "min_cluster_size" : "min_samples", min(ms, max(1, x.rows)))
    // the parameter is blamed only when it is above the default (5) and alone too large
    if ms > HDBSCANParameters().minClusterSize {
      try Memory.require(Double(x.rows) * Double(k) * 32, parameter: name, value: ms, what: "\(x.rows) rows × \(k) neighbours")
    }
    try Memory.requireForRun(
      p.estimatedBytes(rows: x.rows, cols: x.cols), command: "hdbscan", what: "\(x.rows) rows × \(x.cols) columns, \(name)=\(ms)",
      advice: "use a sample of the rows (x[0:N])" + (x.cols > 2 ? ", fewer columns (umap or pca first)" : "")
        + (ms > HDBSCANParameters().minClusterSize ? " or a smaller \(name)" : ""))
    // what `approximate_predict` needs (the library's prediction_data): the parameters, the
    // condensed tree with its selected clusters, and the training data (shared, not copied)
    return .record(FittedModel.hdbscan(try HDBSCANModel.fit(x, parameters: p, context: inv.context)).record())
  })

  t.register(Command(
    "approximate_predict", group: "clustering",
    summary: "Labels and membership strengths of new points under a fitted HDBSCAN, as hdbscan's approximate_predict",
    args: [ArgSpec("model", .any, "the result of `hdbscan`"), ArgSpec("data", .matrix, "m × d new points, d as the clustered data")],
    examples: ["l = hdbscan e[0:60000] min_samples=10 min_cluster_size=500", "p = approximate_predict l e[60000:70000]"]
  ) { inv in
    let m = try fittedHDBSCAN(inv, newData: true)
    let r = try m.approximatePredict(inv.matrix(1), context: inv.context)
    return .record(Record(kind: "prediction", fields: [
      ("labels", .labels(r.labels)), ("probabilities", .floats(r.probabilities)),
    ], principal: "labels"))
  })

  t.register(Command(
    "membership_vector", group: "clustering",
    summary: "Soft cluster memberships of new points under a fitted HDBSCAN, as hdbscan's membership_vector: rows × clusters",
    args: [ArgSpec("model", .any, "the result of `hdbscan`"), ArgSpec("data", .matrix, "m × d new points, d as the clustered data")],
    examples: ["l = hdbscan e min_samples=10 min_cluster_size=500", "s = membership_vector l e[0:10]"]
  ) { inv in
    return .matrix(try fittedHDBSCAN(inv, newData: true).membershipVectors(inv.matrix(1), context: inv.context))
  })

  t.register(Command(
    "all_points_membership_vectors", group: "clustering",
    summary: "Soft cluster memberships of the clustered points, as hdbscan's all_points_membership_vectors: rows × clusters",
    args: [ArgSpec("model", .any, "the result of `hdbscan`")],
    examples: ["l = hdbscan e min_samples=10 min_cluster_size=500", "s = all_points_membership_vectors l"]
  ) { inv in
    return .matrix(try fittedHDBSCAN(inv, newData: false).allPointsMembershipVectors())
  })
  t.register(Command(
    "assign_noise", group: "clustering",
    summary: "Give every noise point of an hdbscan result a cluster, as BERTopic's reduce_outliers: the nearest clustered point's or the strongest soft membership",
    args: [ArgSpec("model", .any, "the result of `hdbscan`")],
    params: [ParamSpec("strategy", .choice(NoiseAssignment.allCases.map(\.rawValue)), .string("nearest"), nil,
                       "nearest: the label of the nearest clustered point (the model's metric); membership: the cluster of the largest all_points_membership_vectors value")],
    examples: ["l2 = assign_noise l", "l2.moved", "l3 = assign_noise l strategy=\"membership\"", "score y l2"]
  ) { inv in
    let m = try fittedHDBSCAN(inv, newData: false)
    let strategy = NoiseAssignment(rawValue: try inv.string("strategy"))!
    let (labels, moved) = try m.assignNoise(strategy: strategy, context: inv.context)
    return .record(Record(kind: "assign_noise", fields: [("labels", .labels(labels)), ("moved", .int(moved))], principal: "labels"))
  })

  t.register(Command(
    "kmeans", group: "clustering", summary: "K-Means (Lloyd), as scikit-learn's KMeans: labels 0..n_clusters−1",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: kmeansParameterTable,
    examples: ["k = kmeans mnist.data n_clusters=10 random_state=0"]
  ) { inv, p in
    var p = p
    p.randomState = seedOrClock(p.randomState)
    let x = inv.matrix(0)
    // centres, their sums and each point's distances to them (sklearn's chunked n × k block at most)
    try Memory.require(
      Double(p.nClusters) * (Double(x.cols) * 16 + Double(min(x.rows, 1 << 20)) * 8), parameter: "n_clusters",
      value: p.nClusters, what: "\(p.nClusters) centres × \(x.cols) columns, distances to \(x.rows) rows")
    let r = try kmeans(x, parameters: p, context: inv.context)
    let model = try KMeansModel(parameters: p, centers: r.centers, labels: r.labels, inertia: r.inertia, nIter: r.nIter)
    return .record(FittedModel.kmeans(model).record())
  })

  t.register(Command(
    "predict", group: "clustering",
    summary: "The nearest cluster centre of new points under a fitted K-Means, as scikit-learn's KMeans.predict",
    args: [ArgSpec("model", .any, "the result of `kmeans` (or such a model loaded from a .npz file)"),
           ArgSpec("data", .matrix, "m × d new points, d as the clustered data")],
    examples: ["k = kmeans mnist.data[0:60000] n_clusters=10 random_state=0", "p = predict k mnist.data[60000:70000]"]
  ) { inv in
    guard case .kmeans(let m) = try modelArgument(inv.rawArgs[0], ["kmeans"], command: "predict") else { return .none }
    try checkNewPoints(inv.rawArgs[1], columns: m.centers.cols)
    return .labels(try m.predict(inv.matrix(1), context: inv.context))
  })

  t.register(Command(
    "pca", group: "embedding",
    summary: "Principal component analysis, as scikit-learn's PCA (the full solver; on a sparse matrix the arpack solver, centred implicitly)",
    args: [ArgSpec("data", .matrixOrSparse, "n × d data, one point per row; a sparse matrix is never densified")],
    parameters: pcaParameterTable,
    examples: ["lowd = pca mnist.data n_components=50", "p = pca x n_components=0.95", "p = pca a.X n_components=50   # sparse counts"]
  ) { inv, p in
    if case .sparse(let x) = inv.args[0] {
      // scikit-learn's PCA on sparse input: svd_solver="arpack", an integer n_components < min(n, d)
      let k: Int
      switch p.nComponents {
      case .count(let c)?: k = c
      case .varianceFraction?:
        throw CommandError.invalidParameter(name: "n_components", value: Display.summary(try inv.value("n_components")),
                                            allowed: "on a sparse matrix n_components must be an integer (scikit-learn's arpack solver)")
      case nil: k = min(x.rows, x.cols) - 1
      }
      try checkSparseFactorisationMemory(x, nComponents: k, command: "pca")
      var r = try pcaSparse(x, nComponents: k, context: inv.context)
      if p.whiten {
        // scikit-learn's whitened fit_transform (arpack): each coordinate over √(explained variance),
        // computed as the model's transform computes it (it was refused)
        r.transformed = try PCAModel(result: r, parameters: p).transform(x, context: inv.context)
      }
      return .record(FittedModel.pca(try PCAModel(result: r, parameters: p)).record())
    }
    let r = try pca(inv.matrix(0), parameters: p, context: inv.context)
    return .record(FittedModel.pca(try PCAModel(result: r, parameters: p)).record())
  })

  t.register(Command(
    "svd", group: "embedding",
    summary: "Truncated SVD (latent semantic analysis), as scikit-learn's TruncatedSVD (algorithm=\"arpack\"): rows × n_components, no centring",
    args: [ArgSpec("data", .matrixOrSparse, "n × d data, sparse (a TF-IDF or count matrix) or dense")],
    params: [ParamSpec("n_components", .int, .int(2), .atLeast(1), "components to keep, fewer than min(n, d)")],
    examples: ["z = svd tfidf n_components=100", "e = umap z metric=\"cosine\" random_state=42"]
  ) { inv in
    let x: SparseMatrix
    switch inv.args[0] {
    case .sparse(let m): x = m
    default: x = try SparseMatrix(dense: inv.matrix(0))
    }
    let k = try inv.int("n_components")
    try checkSparseFactorisationMemory(x, nComponents: k, command: "svd")
    let r = try truncatedSVD(x, nComponents: k, context: inv.context)
    return .record(Record(kind: "svd", fields: [
      ("transformed", .matrix(r.transformed)), ("components", .matrix(r.components)),
      ("explained_variance", .floats(r.explainedVariance)), ("explained_variance_ratio", .floats(r.explainedVarianceRatio)),
      ("singular_values", .floats(r.singularValues)),
    ], principal: "transformed"))
  })

  let averages = ParamType.choice(["arithmetic", "max", "min", "geometric"])
  let pair = [ArgSpec("labels_true", .labels, "reference labels"), ArgSpec("labels_pred", .labels, "labels to score")]
  t.register(Command(
    "ari", group: "scores", summary: "Adjusted Rand index, as sklearn.metrics.adjusted_rand_score", args: pair,
    examples: ["ari mnist.target l"]
  ) { inv in .float(try adjustedRandScore(inv.labels(0), inv.labels(1))) })
  t.register(Command(
    "ami", group: "scores", summary: "Adjusted mutual information, as sklearn.metrics.adjusted_mutual_info_score", args: pair,
    params: [ParamSpec("average_method", averages, .string("arithmetic"), nil, "normaliser; the walk-through's published figures used \"max\"")],
    examples: ["ami mnist.target l", "ami mnist.target l average_method=\"max\""]
  ) { inv in
    .float(try adjustedMutualInfoScore(inv.labels(0), inv.labels(1), averageMethod: try inv.string("average_method")))
  })
  t.register(Command(
    "nmi", group: "scores", summary: "Normalized mutual information, as sklearn.metrics.normalized_mutual_info_score", args: pair,
    params: [ParamSpec("average_method", averages, .string("arithmetic"), nil, "normaliser")]
  ) { inv in
    .float(try normalizedMutualInfoScore(inv.labels(0), inv.labels(1), averageMethod: try inv.string("average_method")))
  })
  t.register(Command(
    "score", group: "scores", summary: "Adjusted Rand index and adjusted mutual information together", args: pair,
    params: [ParamSpec("average_method", averages, .string("arithmetic"), nil, "normaliser of the AMI")],
    examples: ["score mnist.target l", "score y[c] l[c]"]
  ) { inv in
    let a = inv.labels(0), b = inv.labels(1)
    return .record(Record(kind: "score", fields: [
      ("ari", .float(try adjustedRandScore(a, b))),
      ("ami", .float(try adjustedMutualInfoScore(a, b, averageMethod: try inv.string("average_method")))),
    ]))
  })
}

/// The fitted HDBSCAN model of a prediction command's first argument; with `newData`, checks that
/// the second argument is not a single row given as a vector.
/// - Throws: `CommandError.invalidArgument` when the model is not an `hdbscan` result.
private func fittedHDBSCAN(_ inv: Invocation, newData: Bool) throws -> HDBSCANModel {
  guard case .hdbscan(let m) = try modelArgument(inv.rawArgs[0], ["hdbscan"], command: inv.command) else {
    preconditionFailure("modelArgument returned another kind")
  }
  if newData { try checkNewPoints(inv.rawArgs[1], columns: m.trainingData.cols) }
  return m
}
