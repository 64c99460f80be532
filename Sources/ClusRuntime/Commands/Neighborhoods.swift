import ClusAlgorithms

// Commands built on neighbourhoods: `trustworthiness` (an embedding's score) and `dbscan`.

func registerNeighborhoods(_ t: inout CommandTable) {
  t.register(Command(
    "trustworthiness", group: "scores",
    summary: "How well an embedding keeps each point's nearest neighbours, as sklearn.manifold.trustworthiness (euclidean; 1 is perfect)",
    args: [
      ArgSpec("data", .matrix, "the original n × d data"),
      ArgSpec("embedding", .matrix, "its n × d′ embedding (the same points in the same order)"),
    ],
    params: [ParamSpec("n_neighbors", .int, .int(5), .atLeast(1), "k, the neighbourhood size; must be < n/2 (default 5, as scikit-learn)")],
    examples: ["trustworthiness x e", "trustworthiness mnist.data e n_neighbors=15"]
  ) { inv in
    let x = inv.matrix(0), k = try inv.int("n_neighbors")
    // the embedding's (k + 1)-nearest-neighbour table (index and distance), its search heaps and the
    // n × k table of targets: about 24 bytes per row and neighbour, checked before any is allocated
    // scikit-learn's bound first (k < n/2), so that no size is estimated for a k that cannot run
    try checkTrustworthinessNeighbors(k, rows: x.rows)
    try Memory.require(
      Double(x.rows) * (Double(k) + 1) * 24, parameter: "n_neighbors", value: k, what: "\(x.rows) rows × \(k + 1) neighbours")
    return .float(try trustworthiness(x, inv.matrix(1), nNeighbors: k, context: inv.context))
  })
  t.register(Command(
    "dbscan", group: "clustering",
    summary: "DBSCAN, as scikit-learn's DBSCAN (euclidean) on the float32 values: clusters of points with min_samples neighbours within eps; noise is −1",
    args: [ArgSpec("data", .matrix, "n × d data, one point per row")],
    parameters: ParamTable(DBSCANParameters(), [
      .float("eps", \.eps, .greaterThan(0), "the neighbourhood radius (distance ≤ eps)"),
      .int("min_samples", \.minSamples, .atLeast(1), "points within eps (the point itself included) that make a core point"),
    ]),
    examples: ["l = dbscan e eps=0.3 min_samples=10", "count (l == -1)"]
  ) { inv, p in
    let r = try dbscan(inv.matrix(0), parameters: p, context: inv.context)
    return .record(Record(kind: "dbscan", fields: [
      ("labels", .labels(r.labels)), ("core_sample_indices", .labels(r.coreSampleIndices)),
    ], principal: "labels"))
  })
}
