import ClusAlgorithms

// The bindings of the algorithm commands' parameters that are not one field each (ParamTable's
// `.converted` entries): `metric` + `p`, umap's `init`, kmeans's `init` + `n_init`, pca's
// `n_components`.

/// Metric names accepted by `umap` and `hdbscan` (as umap-learn / hdbscan).
let metricChoice = ParamType.choice(["euclidean", "manhattan", "chebyshev", "minkowski", "cosine", "correlation", "l1", "l2"])

/// The name and minkowski exponent that give `m` (the defaults of `metric` and `p`).
func metricNameAndP(_ m: Metric) -> (name: String, p: Double) {
  if case .minkowski(let p) = m { return ("minkowski", p) }
  return (m.description, 2)
}

extension Param {
  /// `metric` and minkowski's `p`, which together set a `Metric` field.
  static func metric(_ field: WritableKeyPath<Root, Metric>, _ doc: String) -> Param {
    .converted({ d in
      let m = metricNameAndP(d[keyPath: field])
      return [
        ParamSpec("metric", metricChoice, .string(m.name), nil, doc),
        ParamSpec("p", .float, .float(m.p), .atLeast(1).orInfinity, "exponent of the minkowski metric (inf: chebyshev)"),
      ]
    }) { r, inv in r[keyPath: field] = try Metric(name: inv.string("metric"), p: inv.double("p")) }
  }
}

extension Param where Root == UMAPParameters {
  /// umap's `init`: the name of a layout (`initialization`) or an n × n_components matrix to
  /// start from (`initialEmbedding`).
  static func initialLayout(_ doc: String) -> Param {
    .converted({ d in
      // a fit started from a matrix shows that matrix (a model file writes it as null)
      [ParamSpec("init", .choiceOrMatrix(UMAPInit.allCases.map(\.rawValue)),
                 d.initialEmbedding.map { Value.matrix($0) } ?? .string(d.initialization.rawValue), nil, doc)]
    }) { p, inv in
      p.initialEmbedding = try inv.optionalMatrix("init")
      if case .string(let s) = try inv.value("init"), let i = UMAPInit(rawValue: s) { p.initialization = i }
    }
  }
}

extension Param where Root == KMeansParameters {
  /// kmeans's `init` ("k-means++" or "random") and `n_init`, whose default (none, scikit-learn's
  /// "auto") depends on it: 1 run for k-means++, 10 for random.
  static func initAndRuns(_ initDoc: String, _ runsDoc: String) -> Param {
    .converted({ d in
      [ParamSpec("init", .choice(["k-means++", "random"]), .string(d.initialization == .random ? "random" : "k-means++"), nil, initDoc),
       ParamSpec("n_init", .int, .none, .between(1, 1000), runsDoc)]
    }) { p, inv in
      let name = try inv.string("init")
      p.initialization = try KMeansInit(name: name)
      p.nInit = try inv.optionalInt("n_init") ?? (name == "random" ? 10 : 1)
    }
  }
}

extension Param where Root == PCAParameters {
  /// pca's `n_components`: a count (int), a share of the variance (a float in (0, 1)) or `none`.
  static func components(_ doc: String) -> Param {
    .converted({ d in
      let value: Value
      switch d.nComponents {
      case .count(let k)?: value = .int(k)
      case .varianceFraction(let f)?: value = .float(f)
      case nil: value = .none
      }
      return [ParamSpec("n_components", .intOrFraction, value, .greaterThan(0), doc)]
    }) { p, inv in
      switch try inv.value("n_components") {
      case .int(let k): p.nComponents = .count(k)
      case .float(let f): p.nComponents = .varianceFraction(f)
      default: p.nComponents = nil
      }
    }
  }
}
