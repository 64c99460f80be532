import ClusAlgorithms

/// A kNN table (n × k) as a Float32 matrix, for display and saving.
private func knnMatrices(_ g: KNNGraph) -> (Value, Value) {
  (.matrix(Matrix(rows: g.n, cols: g.k, data: g.indices.map(Float.init))),
   .matrix(Matrix(rows: g.n, cols: g.k, data: g.distances)))
}

/// The seed for `random_state = none`: from the clock.
private func seedOrClock(_ s: UInt64?) -> UInt64 { s ?? seedFromClock() }

/// UMAP's allocations that parameters size, checked before any: the embedding and its spectral
/// initialisation (about 80 bytes per row and component: the eigensolver's blocks in Double) and
/// the kNN graph with its fuzzy memberships (about 64 bytes per row and neighbour).
private func checkUMAPMemory(rows n: Int, _ p: UMAPParameters) throws {
  let k = min(p.nNeighbors, max(1, n - 1))
  try Memory.require(
    Double(n) * Double(k) * 64, parameter: "n_neighbors", value: p.nNeighbors, what: "\(n) rows × \(k) neighbours")
  try Memory.require(
    Double(n) * Double(p.nComponents) * 80, parameter: "n_components", value: p.nComponents,
    what: "\(n) rows × \(p.nComponents) components")
}

func registerAlgorithms(_ t: inout CommandTable) {
  t.register(Command(
    "umap", group: "embedding",
    summary: "UMAP embedding (McInnes, Healy & Melville 2018), as umap-learn 0.5: rows × n_components",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: ParamTable(UMAPParameters(), [
      .int("n_neighbors", \.nNeighbors, .atLeast(2), "size of the local neighbourhood (k of the kNN graph, the point itself included)"),
      .int("n_components", \.nComponents, .atLeast(1), "dimension of the embedding"),
      .metric(\.metric, "distance in the input space"),
      .int("n_epochs", \.nEpochs, .between(0, 100_000), "training epochs (none: 500 when n ≤ 10,000, else 200)"),
      .float("learning_rate", \.learningRate, .greaterThan(0), "initial SGD learning rate, decayed linearly"),
      .initialLayout("initial layout, or an n × n_components matrix to start from"),
      .float("min_dist", \.minDist, .atLeast(0), "how tightly points may pack in the embedding (≤ spread)"),
      .float("spread", \.spread, .greaterThan(0), "scale of the embedded points"),
      .float("set_op_mix_ratio", \.setOpMixRatio, .between(0, 1), "1: fuzzy union of the local graphs, 0: intersection"),
      .float("local_connectivity", \.localConnectivity, .atLeast(0), "number of nearest neighbours assumed connected"),
      .float("repulsion_strength", \.repulsionStrength, .atLeast(0), "weight of negative samples (gamma)"),
      .int("negative_sample_rate", \.negativeSampleRate, .between(0, 1000), "negative samples per positive edge sample"),
      .float("a", \.a, .greaterThan(0), "curve parameter (none: fitted from min_dist and spread)"),
      .float("b", \.b, .greaterThan(0), "curve parameter (none: fitted from min_dist and spread)"),
      .float("disconnection_distance", \.disconnectionDistance, .greaterThan(0), "kNN edges this long or longer are cut (none: ∞, or 2 for cosine and correlation)"),
      .bool("densmap", \.densmap, "densMAP: also preserve local density (200 more epochs by default)"),
      .float("dens_lambda", \.densLambda, .atLeast(0), "weight of densMAP's density term"),
      .float("dens_frac", \.densFrac, .between(0, 1), "fraction of the epochs (the last ones) with the density term"),
      .float("dens_var_shift", \.densVarShift, .atLeast(0), "added to the variance of the embedding's log radii"),
      .bool("output_dens", \.outputDens, "also return the log local radii of the data and of the embedding (rad_orig, rad_emb)"),
      .seed("random_state", \.randomState, "seed; with it the result is identical for any thread count"),
    ]),
    examples: [
      "e = umap mnist.data random_state=42",
      "e = umap mnist.data n_neighbors=30 min_dist=0 random_state=42",
    ]
  ) { inv, p in
    var p = p
    let seed = seedOrClock(p.randomState)
    p.randomState = seed
    let x = inv.matrix(0)
    try checkUMAPMemory(rows: x.rows, p)
    let ctx = inv.context
    var knnSeconds = 0.0
    let r = try umap(x, parameters: p, context: ctx) { data, k in
      let t0 = monotonicSeconds()
      defer { knnSeconds = monotonicSeconds() - t0 }
      return try knnSelfJoin(data, k: k, metric: p.metric, search: .umap(seed: seed), context: ctx)
    }
    let timings = Record(kind: "timings", fields: [
      ("knn", .float(knnSeconds)), ("graph", .float(r.timings.graph)),
      ("init", .float(r.timings.initialization)), ("layout", .float(r.timings.layout)),
    ])
    let (ki, kd) = knnMatrices(r.knn)
    // what `transform` needs besides the embedding: the fitted parameters (umap-learn keeps them
    // on the estimator) and the training data (`_raw_data`; shared, not copied)
    let params = Record(kind: "umap parameters", fields: [
      ("metric", .string(try inv.string("metric"))), ("p", .float(try inv.double("p"))),
      ("n_epochs", p.nEpochs.map { .int($0) } ?? .none), ("learning_rate", .float(p.learningRate)),
      ("local_connectivity", .float(p.localConnectivity)), ("repulsion_strength", .float(p.repulsionStrength)),
      ("negative_sample_rate", .int(p.negativeSampleRate)),
      ("disconnection_distance", p.disconnectionDistance.map { .float($0) } ?? .none),
      ("random_state", .int(Int(truncatingIfNeeded: seed))), ("densmap", .bool(p.densmap)),
    ])
    return .record(Record(kind: "umap", fields: [
      ("embedding", .matrix(r.embedding)), ("graph_nnz", .int(r.graphNNZ)),
      ("knn_indices", ki), ("knn_distances", kd), ("n_neighbors", .int(r.nNeighbors)),
      ("n_epochs", .int(r.nEpochs)), ("a", .float(r.a)), ("b", .float(r.b)),
      ("timings", .record(timings)), ("params", .record(params)), ("data", .matrix(x)),
    ] + (p.outputDens ? [("rad_orig", .floats(r.radOrig)), ("rad_emb", .floats(r.radEmb))] : []),
    principal: "embedding"))
  })

  t.register(Command(
    "transform", group: "embedding",
    summary: "Embed new points into a fitted UMAP embedding, as umap-learn's UMAP.transform: rows × n_components",
    args: [ArgSpec("model", .any, "the result of `umap`"), ArgSpec("data", .matrix, "m × d new points, d as the data the model was fitted on")],
    params: [
      ParamSpec("transform_seed", .seed, .int(42), nil, "seed of the negative sampling (umap-learn's transform_seed)"),
    ],
    examples: [
      "e = umap mnist.data[0:60000] random_state=42",
      "t = transform e mnist.data[60000:70000]",
    ]
  ) { inv in
    guard case .record(let rec) = inv.rawArgs[0], rec.kind == "umap",
      case .matrix(let emb)? = rec["embedding"], case .matrix(let train)? = rec["data"],
      case .record(let pr)? = rec["params"], case .int(let k)? = rec["n_neighbors"],
      let a = rec["a"]?.number, let b = rec["b"]?.number,
      case .string(let metricName)? = pr["metric"]
    else {
      throw CommandError.invalidArgument("the model must be the result of `umap`, got \(inv.rawArgs[0].kindName)")
    }
    if case .bool(true)? = pr["densmap"] {
      throw CommandError.invalidArgument("transforming new points into a densMAP embedding is not supported (as in umap-learn)")
    }
    if case .floats(let v) = inv.rawArgs[1].resolved, v.count == train.cols, train.cols > 1 {
      throw CommandError.invalidArgument("one new point must be a 1 × \(train.cols) matrix, not a vector: index rows with a range, as x[5:6]")
    }
    var p = UMAPParameters()
    p.nNeighbors = max(2, k)
    p.nComponents = emb.cols
    // the fitted parameters `umap` kept (its `params` record); the defaults of UMAPParameters()
    // for any it lacks
    p.metric = try Metric(name: metricName, p: pr["p"]?.number ?? metricNameAndP(p.metric).p)
    if case .int(let e)? = pr["n_epochs"] { p.nEpochs = e }
    p.learningRate = pr["learning_rate"]?.number ?? p.learningRate
    p.localConnectivity = pr["local_connectivity"]?.number ?? p.localConnectivity
    p.repulsionStrength = pr["repulsion_strength"]?.number ?? p.repulsionStrength
    if case .int(let r)? = pr["negative_sample_rate"] { p.negativeSampleRate = r }
    p.disconnectionDistance = pr["disconnection_distance"]?.number
    let y = try umapTransform(inv.matrix(1), trainingData: train, embedding: emb, parameters: p, a: a, b: b,
                              transformSeed: try inv.seed("transform_seed") ?? seedFromClock(), context: inv.context)
    return .matrix(y)
  })

  t.register(Command(
    "hdbscan", group: "clustering",
    summary: "HDBSCAN clustering (Campello, Moulavi & Sander 2013), as the hdbscan library 0.8: labels, −1 for noise",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: ParamTable(HDBSCANParameters(), [
      .int("min_cluster_size", \.minClusterSize, .atLeast(2), "smallest group of points that counts as a cluster"),
      .int("min_samples", \.minSamples, .atLeast(1), "neighbours for the core distance (none: min_cluster_size)"),
      .float("cluster_selection_epsilon", \.clusterSelectionEpsilon, .atLeast(0), "distance below which clusters are not split"),
      .choice("cluster_selection_method", \.clusterSelectionMethod, "excess of mass, or the leaves of the condensed tree"),
      .float("cluster_selection_persistence", \.clusterSelectionPersistence, .atLeast(0), "undo splits whose smaller side persists less than this (in λ = 1/distance)"),
      .int("max_cluster_size", \.maxClusterSize, .atLeast(0), "excess of mass refuses larger clusters (0: no limit)"),
      .float("cluster_selection_epsilon_max", \.clusterSelectionEpsilonMax, .greaterThan(0), "excess of mass refuses clusters formed at a larger distance"),
      .bool("allow_single_cluster", \.allowSingleCluster, "allow the root to be the only cluster"),
      .float("alpha", \.alpha, .greaterThan(0), "distance scaling in the mutual reachability"),
      .metric(\.metric, "distance between points"),
      .bool("approx_min_span_tree", \.approxMinSpanTree, "the library's default spanning tree (dual-tree Borůvka keeping its bounds between rounds; ≤ 60 columns); false: the exact minimum tree"),
    ]),
    examples: ["l = hdbscan e min_samples=10 min_cluster_size=500", "clustered = l >= 0"]
  ) { inv, p in
    let x = inv.matrix(0)
    // the core distances come from each row's min_samples nearest neighbours (indices, distances
    // and the search's candidate lists)
    let ms = p.minSamples ?? p.minClusterSize
    let (name, k) = (p.minSamples == nil ? "min_cluster_size" : "min_samples", min(ms, max(1, x.rows)))
    try Memory.require(Double(x.rows) * Double(k) * 32, parameter: name, value: ms, what: "\(x.rows) rows × \(k) neighbours")
    let r = try hdbscan(x, parameters: p, context: inv.context)
    let tree = r.condensedTree
    let table = Record(kind: "condensed tree table", fields: [
      ("parent", .labels(tree.map(\.parent))), ("child", .labels(tree.map(\.child))),
      ("lambda_val", .floats(tree.map(\.lambda))), ("child_size", .labels(tree.map(\.childSize))),
    ])
    let nClusters = Set(r.labels.filter { $0 >= 0 }).count
    // what `approximate_predict` needs (the library's prediction_data): the parameters, the
    // condensed-tree ids of the selected clusters, and the training data (shared, not copied)
    let params = Record(kind: "hdbscan parameters", fields: [
      ("min_cluster_size", .int(p.minClusterSize)), ("min_samples", p.minSamples.map { .int($0) } ?? .none),
      ("metric", .string(try inv.string("metric"))), ("p", .float(try inv.double("p"))),
      ("selected_clusters", .labels(r.selectedClusters)),
      ("cluster_selection_epsilon", .float(p.clusterSelectionEpsilon)),
    ])
    return .record(Record(kind: "hdbscan", fields: [
      ("labels", .labels(r.labels)), ("n_clusters", .int(nClusters)),
      ("probabilities", .floats(r.probabilities)), ("outlier_scores", .floats(r.outlierScores)),
      ("persistence", .floats(r.persistence)), ("condensed_tree", .record(table)),
      ("params", .record(params)), ("data", .matrix(inv.matrix(0))),
    ], principal: "labels"))
  })

  t.register(Command(
    "approximate_predict", group: "clustering",
    summary: "Labels and membership strengths of new points under a fitted HDBSCAN, as hdbscan's approximate_predict",
    args: [ArgSpec("model", .any, "the result of `hdbscan`"), ArgSpec("data", .matrix, "m × d new points, d as the clustered data")],
    examples: ["l = hdbscan e[0:60000] min_samples=10 min_cluster_size=500", "p = approximate_predict l e[60000:70000]"]
  ) { inv in
    let (fit, hp, train) = try fittedHDBSCAN(inv, newData: true)
    let r = try hdbscanApproximatePredict(inv.matrix(1), trainingData: train, result: fit, parameters: hp, context: inv.context)
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
    let (fit, hp, train) = try fittedHDBSCAN(inv, newData: true)
    return .matrix(try hdbscanMembershipVectors(inv.matrix(1), trainingData: train, result: fit, parameters: hp, context: inv.context))
  })

  t.register(Command(
    "all_points_membership_vectors", group: "clustering",
    summary: "Soft cluster memberships of the clustered points, as hdbscan's all_points_membership_vectors: rows × clusters",
    args: [ArgSpec("model", .any, "the result of `hdbscan`")],
    examples: ["l = hdbscan e min_samples=10 min_cluster_size=500", "s = all_points_membership_vectors l"]
  ) { inv in
    let (fit, hp, train) = try fittedHDBSCAN(inv, newData: false)
    return .matrix(hdbscanAllPointsMembershipVectors(trainingData: train, result: fit, parameters: hp))
  })

  t.register(Command(
    "kmeans", group: "clustering", summary: "K-Means (Lloyd), as scikit-learn's KMeans: labels 0..n_clusters−1",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: ParamTable(KMeansParameters(), [
      .int("n_clusters", \.nClusters, .atLeast(1), "number of clusters"),
      .initAndRuns(
        "greedy k-means++ (2 + ln k trials) or random points",
        "runs from different starts, best inertia kept (none: 1 for k-means++, 10 for random, as \"auto\")"),
      .int("max_iter", \.maxIter, .between(1, 1_000_000), "Lloyd iterations per run"),
      .float("tol", \.tol, .atLeast(0), "convergence tolerance, relative to the mean feature variance"),
      .seed("random_state", \.randomState, "seed of the initialisation"),
    ]),
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
    return .record(Record(kind: "kmeans", fields: [
      ("labels", .labels(r.labels)), ("centers", .matrix(r.centers)), ("inertia", .float(r.inertia)),
      ("n_iter", .int(r.nIter)),
    ], principal: "labels"))
  })

  t.register(Command(
    "pca", group: "embedding", summary: "Principal component analysis, as scikit-learn's PCA (full solver)",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: ParamTable(PCAParameters(), [
      .components("components to keep, or a float in (0, 1): the share of variance to keep (none: all)"),
      .bool("whiten", \.whiten, "scale components to unit variance"),
    ]),
    examples: ["lowd = pca mnist.data n_components=50", "p = pca x n_components=0.95"]
  ) { inv, p in
    let r = try pca(inv.matrix(0), parameters: p, context: inv.context)
    return .record(Record(kind: "pca", fields: [
      ("transformed", .matrix(r.transformed)), ("components", .matrix(r.components)),
      ("explained_variance", .floats(r.explainedVariance)),
      ("explained_variance_ratio", .floats(r.explainedVarianceRatio)),
      ("singular_values", .floats(r.singularValues)), ("mean", .floats(r.mean)),
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

/// The fitted clustering, its parameters and training data from an `hdbscan` record (the
/// model argument of the prediction commands); with `newData`, checks that the second argument
/// is not a single row given as a vector.
/// - Throws: `CommandError.invalidArgument` when the model is not an `hdbscan` result.
private func fittedHDBSCAN(_ inv: Invocation, newData: Bool) throws -> (HDBSCANResult, HDBSCANParameters, Matrix) {
  guard case .record(let rec) = inv.rawArgs[0], rec.kind == "hdbscan",
    case .labels(let labels)? = rec["labels"], case .floats(let probs)? = rec["probabilities"],
    case .matrix(let train)? = rec["data"], case .record(let pr)? = rec["params"],
    case .record(let tree)? = rec["condensed_tree"], case .int(let mcs)? = pr["min_cluster_size"],
    case .labels(let selected)? = pr["selected_clusters"], case .string(let metricName)? = pr["metric"],
    case .labels(let parents)? = tree["parent"], case .labels(let childs)? = tree["child"],
    case .floats(let lambdas)? = tree["lambda_val"], case .labels(let sizes)? = tree["child_size"]
  else {
    throw CommandError.invalidArgument("the model must be the result of `hdbscan`, got \(inv.rawArgs[0].kindName)")
  }
  if newData, case .floats(let v) = inv.rawArgs[1].resolved, v.count == train.cols, train.cols > 1 {
    throw CommandError.invalidArgument("one new point must be a 1 × \(train.cols) matrix, not a vector: index rows with a range, as x[5:6]")
  }
  // the parameters `hdbscan` kept (its `params` record); the defaults of HDBSCANParameters() for
  // any it lacks
  var hp = HDBSCANParameters(minClusterSize: mcs)
  hp.metric = try Metric(name: metricName, p: pr["p"]?.number ?? metricNameAndP(hp.metric).p)
  if case .int(let ms)? = pr["min_samples"] { hp.minSamples = ms }
  hp.clusterSelectionEpsilon = pr["cluster_selection_epsilon"]?.number ?? hp.clusterSelectionEpsilon
  let rows = (0..<parents.count).map {
    CondensedTreeRow(parent: parents[$0], child: childs[$0], lambda: lambdas[$0], childSize: sizes[$0])
  }
  let fit = HDBSCANResult(labels: labels, probabilities: probs, outlierScores: [], persistence: [],
                          condensedTree: rows, coreDistances: [], selectedClusters: selected)
  return (fit, hp, train)
}
