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
    let rows = Double(size ?? x.rows)
    // a Double copy of the rows scored and, per thread, a 256 × 2,048 tile and 256 sums per cluster
    try Memory.require(rows * Double(x.cols) * 8 + Double(inv.context.threads) * 256 * 2048 * 8,
                       what: "the silhouette of \(Int(rows)) rows × \(x.cols) columns (in float64)")
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
}
