import ClusAlgorithms

// Scores of a clustering without reference labels (scikit-learn's internal validity scores): every
// label value is a cluster, −1 (noise) included, as scikit-learn counts it; score the clustered points
// alone with `silhouette x[l >= 0] l[l >= 0]`.

func registerValidity(_ t: inout CommandTable) {
  let pair = [ArgSpec("data", .matrix, "the n × d data (or its embedding) that was clustered"),
              ArgSpec("labels", .labels, "n cluster labels (−1, noise, counts as one more cluster, as scikit-learn)")]
  t.register(Command(
    "silhouette", group: "scores",
    summary: "Mean silhouette coefficient, as sklearn.metrics.silhouette_score (euclidean; in [−1, 1], higher is better)",
    args: pair,
    params: [
      ParamSpec("sample_size", .int, .none, .atLeast(2), "score a random subset of this many rows (clus's seeded draw, not numpy's); none: every row"),
      ParamSpec("random_state", .seed, .int(0), nil, "seed of the subset drawn with sample_size"),
    ],
    examples: ["silhouette e l", "silhouette e[l >= 0] l[l >= 0]", "silhouette mnist.data l sample_size=10000 random_state=0"]
  ) { inv in
    let x = inv.matrix(0)
    let size = try inv.optionalInt("sample_size")
    // (a sample_size above the rows is refused by the score itself, after this check)
    let scored = min(size ?? x.rows, x.rows)
    // a Double copy of the rows scored and, per thread, a 256 × 2,048 tile and 256 sums per cluster
    try Memory.require(Double(scored) * Double(x.cols) * 8 + Double(inv.context.threads) * 256 * 2048 * 8,
                       what: "the silhouette of \(scored) rows × \(x.cols) columns (in float64)")
    return .float(try silhouetteScore(x, labels: inv.labels(1), sampleSize: size,
                                      randomState: try inv.seed() ?? 0, context: inv.context))
  })
  t.register(Command(
    "silhouette_samples", group: "scores",
    summary: "The silhouette coefficient of every point, as sklearn.metrics.silhouette_samples (euclidean)",
    args: pair,
    examples: ["s = silhouette_samples e l", "mean s[l == 3]"]
  ) { inv in
    let x = inv.matrix(0)
    try Memory.require(Double(x.rows) * Double(x.cols) * 8 + Double(inv.context.threads) * 256 * 2048 * 8,
                       what: "the silhouette of \(x.rows) rows × \(x.cols) columns (in float64)")
    return .floats(try silhouetteSamples(x, labels: inv.labels(1), context: inv.context))
  })
  t.register(Command(
    "calinski_harabasz", group: "scores",
    summary: "Calinski–Harabasz index (variance ratio), as sklearn.metrics.calinski_harabasz_score; higher is better",
    args: pair,
    examples: ["calinski_harabasz e l"]
  ) { inv in .float(try calinskiHarabaszScore(inv.matrix(0), labels: inv.labels(1))) })
  t.register(Command(
    "davies_bouldin", group: "scores",
    summary: "Davies–Bouldin index, as sklearn.metrics.davies_bouldin_score; lower is better (0 at best)",
    args: pair,
    examples: ["davies_bouldin e l"]
  ) { inv in .float(try daviesBouldinScore(inv.matrix(0), labels: inv.labels(1))) })

  t.register(Command(
    "validity_index", group: "scores",
    summary: "Density-based cluster validity (DBCV, Moulavi et al. 2014), as hdbscan.validity.validity_index; in [−1, 1], higher is better; noise is no cluster; sums in the log domain where the library's d^−D under- or overflows (many columns: MNIST's 784)",
    args: [ArgSpec("data", .matrix, "the n × d data (or its embedding) that was clustered"),
           ArgSpec("labels", .labels, "n cluster labels (−1 noise, left out of every cluster but counted in n, as hdbscan)")],
    params: [
      ParamSpec("metric", metricChoice, .string("euclidean"), nil, "the distance, as the clustering's"),
      ParamSpec("p", .float, .float(2), .atLeast(1).orInfinity, "exponent of the minkowski metric (inf: chebyshev)"),
      ParamSpec("per_cluster_scores", .bool, .bool(false), nil, "also return each cluster's value (a record: validity_index, per_cluster_scores)"),
      ParamSpec("mst_raw_dist", .bool, .bool(false), nil, "build each cluster's tree from raw distances instead of mutual reachability"),
    ],
    examples: ["validity_index e l", "v = validity_index e l per_cluster_scores=true", "v.per_cluster_scores"]
  ) { inv in
    let x = inv.matrix(0)
    let labels = inv.labels(1)
    let metric = try Metric(name: inv.string("metric"), p: inv.double("p"))
    // per thread one row of the largest cluster, and per point a few words
    try Memory.require(Double(x.rows) * 48 + Double(inv.context.threads) * Double(x.rows) * 8,
                       what: "DBCV of \(x.rows) points")
    let v = try validityIndex(x, labels: labels, metric: metric, mstRawDist: try inv.bool("mst_raw_dist"), context: inv.context)
    if v.score.isNaN {
      inv.context.warn("only one cluster: its separation from other clusters is undefined, so DBCV is nan (as hdbscan)")
    }
    guard try inv.bool("per_cluster_scores") else { return .float(v.score) }
    return .record(Record(kind: "validity_index", fields: [("validity_index", .float(v.score)),
                                                           ("per_cluster_scores", .floats(v.perCluster))],
                          principal: "validity_index"))
  })
  t.register(Command(
    "relative_validity", group: "scores",
    summary: "hdbscan's relative_validity_: DBCV approximated from the fit's own spanning tree (fast; compares settings on the same data only)",
    args: [ArgSpec("model", .any, "the result of `hdbscan` (or such a model loaded from a file)")],
    examples: ["l = hdbscan e min_cluster_size=100", "relative_validity l"]
  ) { inv in
    guard case .hdbscan(let m) = try modelArgument(inv.rawArgs[0], ["hdbscan"], command: "relative_validity") else { return .none }
    let r = m.result
    if r.spanningTree.isEmpty && m.n > 1 {
      throw CommandError.invalidArgument("this hdbscan model was saved without its spanning tree (by an older clus): fit it again to get relative_validity")
    }
    guard r.labels.contains(where: { $0 >= 0 }) else {
      throw CommandError.invalidArgument("every point is noise (label −1): relative_validity has no cluster to score (hdbscan answers 0)")
    }
    return .float(try relativeValidity(labels: r.labels, spanningTree: r.spanningTree))
  })
}
