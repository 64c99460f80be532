import ClusAlgorithms

/// A fitted model the language holds (in a `Record`'s `model`): what `umap`, `hdbscan`, `kmeans`
/// and `pca` produced and what `transform`, `approximate_predict`, `membership_vector`,
/// `all_points_membership_vectors` and `predict` need, typed. `save m "m.npz"` writes it and
/// `load` reads it back (docs/model-format.md).
public enum FittedModel: Sendable {
  /// A UMAP embedding (`transform`).
  case umap(UMAPModel)
  /// An HDBSCAN clustering (`approximate_predict`, the membership vectors).
  case hdbscan(HDBSCANModel)
  /// A K-Means clustering (`predict`).
  case kmeans(KMeansModel)
  /// A PCA (`transform`).
  case pca(PCAModel)

  /// The command that fits it, which is also the model's kind in files and messages.
  public var kind: String {
    switch self {
    case .umap: return "umap"
    case .hdbscan: return "hdbscan"
    case .kmeans: return "kmeans"
    case .pca: return "pca"
    }
  }
}

/// A kNN table (n × k) as two Float32 matrices (indices, distances), for display and saving.
func knnMatrices(_ g: KNNGraph) -> (Value, Value)? {
  // a matrix holds float32, exact for whole numbers up to 2^24: beyond, an index could come out as
  // its neighbour (the model keeps the exact Int32 table for knn= and model files)
  guard g.n <= 1 << 24 else { return nil }
  return (.matrix(Matrix(rows: g.n, cols: g.k, data: g.indices.map(Float.init))),
          .matrix(Matrix(rows: g.n, cols: g.k, data: g.distances)))
}

/// A record of parameter values (a model's `params` field).
func parameterRecord(_ kind: String, _ values: [(name: String, value: Value)]) -> Value {
  .record(Record(kind: "\(kind) parameters", fields: values.map { ($0.name, $0.value) }))
}

extension FittedModel {
  /// Every parameter of the fit, by the language's names, in the command's order.
  var parameterValues: [(name: String, value: Value)] {
    switch self {
    case .umap(let m): return umapParameterTable.values(of: m.parameters)
    case .hdbscan(let m): return hdbscanParameterTable.values(of: m.parameters)
    case .kmeans(let m):
      // n_init as run (the table shows none, "auto", when it is the default for the init)
      return kmeansParameterTable.values(of: m.parameters).map { $0.name == "n_init" ? ($0.name, .int(m.parameters.nInit)) : $0 }
    case .pca(let m): return pcaParameterTable.values(of: m.parameters)
    }
  }

  /// The record the language shows for the model: its fitted attributes under scikit-learn's and
  /// the libraries' names, the parameters (`params`) and, for UMAP and HDBSCAN, the training data
  /// (`data`). `fit` adds what only a fresh fit has (timings, graph size, densMAP radii), in place.
  func record(fit: [(String, Value)] = []) -> Record {
    let extra = Dictionary(fit, uniquingKeysWith: { a, _ in a })
    func extras(_ names: [String]) -> [(String, Value)] { names.compactMap { n in extra[n].map { (n, $0) } } }
    let params = parameterRecord(kind, parameterValues)
    switch self {
    case .umap(let m):
      var fields: [(String, Value)] = [("embedding", .matrix(m.embedding))] + extras(["graph_nnz"])
      if let g = m.knn, let (ki, kd) = knnMatrices(g) {
        fields += [("knn_indices", ki), ("knn_distances", kd)]
      }
      fields += [("n_neighbors", .int(m.nNeighbors)), ("n_epochs", .int(m.nEpochs)), ("a", .float(m.a)), ("b", .float(m.b))]
      fields += extras(["timings"]) + [("params", params), ("data", .matrix(m.trainingData))] + extras(["rad_orig", "rad_emb"])
      return Record(kind: kind, fields: fields, principal: "embedding", model: self)
    case .hdbscan(let m):
      return Record(kind: kind, fields: hdbscanFields(m.result) + [("params", params), ("data", .matrix(m.trainingData))],
                    principal: "labels", model: self)
    case .kmeans(let m):
      return Record(kind: kind, fields: [
        ("labels", .labels(m.labels)), ("cluster_centers", .matrix(m.centers)), ("inertia", .float(m.inertia)),
        ("n_iter", .int(m.nIter)), ("params", params),
      ], principal: "labels", model: self)
    case .pca(let m):
      let r = m.result
      return Record(kind: kind, fields: [
        ("transformed", .matrix(r.transformed)), ("components", .matrix(r.components)),
        ("explained_variance", .floats(r.explainedVariance)),
        ("explained_variance_ratio", .floats(r.explainedVarianceRatio)),
        ("singular_values", .floats(r.singularValues)), ("mean", .floats(r.mean)),
        ("noise_variance", .float(r.noiseVariance)), ("params", params),
      ], principal: "transformed", model: self)
    }
  }
}

/// The model a prediction command was given: the record of a fit (or of a loaded model file) of
/// one of `kinds`.
/// - Throws: `CommandError.invalidArgument` naming what was expected and what was given.
func modelArgument(_ v: Value, _ kinds: [String], command: String) throws -> FittedModel {
  if case .record(let r) = v, let m = r.model, kinds.contains(m.kind) { return m }
  let want = kinds.map { "`\($0)`" }.joined(separator: " or ")
  var got = v.kindWithArticle
  if case .record(let r) = v, let m = r.model { got = "a fitted \(m.kind) model" }
  if case .record(let r) = v, r.model == nil, kinds.contains(r.kind) {
    throw CommandError.invalidArgument("this \(r.kind) result was fitted on a sparse matrix and keeps no model "
                                       + "(\(command) needs one fitted on dense data)")
  }
  throw CommandError.invalidArgument("the model must be the result of \(want) (or such a model loaded from a file), got \(got)")
}

/// Refuses a single new point given as a vector (`x[5]`) where a 1 × d matrix is needed.
func checkNewPoints(_ v: Value, columns d: Int) throws {
  if case .floats(let f) = v.resolved, f.count == d, d > 1 {
    throw CommandError.invalidArgument("one new point must be a 1 × \(d) matrix, not a vector: index rows with a range, as x[5:6]")
  }
}

/// The fields of an HDBSCAN result as the language shows them (the library's attribute names).
/// The number of distinct labels ≥ 0 (noise, −1, is no cluster), in one pass without hashing.
func distinctClusterLabels(_ labels: [Int]) -> Int {
  guard let top = labels.max(), top >= 0 else { return 0 }
  if top > labels.count { return Set(labels.filter { $0 >= 0 }).count }
  var seen = [Bool](repeating: false, count: top + 1)
  var count = 0
  for l in labels where l >= 0 && !seen[l] { seen[l] = true; count += 1 }
  return count
}

func hdbscanFields(_ r: HDBSCANResult) -> [(String, Value)] {
  let tree = r.condensedTree
  let table = Record(kind: "condensed tree table", fields: [
    ("parent", .labels(tree.map(\.parent))), ("child", .labels(tree.map(\.child))),
    ("lambda_val", .floats(tree.map(\.lambda))), ("child_size", .labels(tree.map(\.childSize))),
    // what `plot l.condensed_tree` circles (not a column: `save` leaves it out)
    ("selected_clusters", .labels(r.selectedClusters)),
  ])
  return [
    ("labels", .labels(r.labels)), ("n_clusters", .int(distinctClusterLabels(r.labels))),
    ("probabilities", .floats(r.probabilities)), ("outlier_scores", .floats(r.outlierScores)),
    ("cluster_persistence", .floats(r.persistence)), ("condensed_tree", .record(table)),
  ]
}
