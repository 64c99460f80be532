#if canImport(Glibc)
import Glibc
#endif

/// How UMAP's embedding is initialised before the SGD layout (umap-learn's `init`).
public enum UMAPInit: String, Sendable, Equatable, CaseIterable {
  /// Eigenvectors of the normalized Laplacian of the fuzzy graph (umap-learn `spectral_layout`).
  case spectral
  /// Uniform(−10, 10) coordinates.
  case random
  /// The first principal components of the data (umap-learn `init="pca"`).
  case pca
}

/// Parameters of `umap(_:knn:y:parameters:context:)`, named and defaulted as umap-learn 0.5's `UMAP`
/// constructor (the umap-learn name is given for each; Swift uses lower camel case).
public struct UMAPParameters: Sendable, Equatable {
  /// `n_neighbors` (default 15): size of the local neighbourhood, the point itself included.
  public var nNeighbors: Int = 15
  /// `n_components` (default 2): dimension of the embedding.
  public var nComponents: Int = 2
  /// `metric` (default euclidean): distance of the input space (used by the kNN search and the
  /// centroids of disconnected components).
  public var metric: Metric = .euclidean
  /// `n_epochs` (default nil = 500 epochs if n ≤ 10,000, else 200).
  public var nEpochs: Int? = nil
  /// `learning_rate` (default 1.0): initial SGD step, decayed linearly to 0.
  public var learningRate: Double = 1.0
  /// `init` (default spectral).
  public var initialization: UMAPInit = .spectral
  /// `init` given as an array (default nil): the initial layout, n × n_components. As umap-learn,
  /// rows that repeat get N(0, (0.001 · mean nearest-neighbour distance)²) noise, and every
  /// dimension is then rescaled to [0, 10] like any other initialisation. Overrides
  /// `initialization`.
  public var initialEmbedding: Matrix? = nil
  /// `disconnection_distance` (default nil = ∞, or 2 for cosine and correlation, as umap-learn's
  /// `DISCONNECTION_DISTANCES`): kNN edges at this distance or more are removed before the fuzzy
  /// graph is built; > 0.
  public var disconnectionDistance: Double? = nil
  /// `min_dist` (default 0.1): minimum distance of points in the embedding (0 ≤ min_dist ≤ spread).
  public var minDist: Double = 0.1
  /// `spread` (default 1.0): scale of the embedded points.
  public var spread: Double = 1.0
  /// `set_op_mix_ratio` (default 1.0): 1 = fuzzy union, 0 = fuzzy intersection.
  public var setOpMixRatio: Double = 1.0
  /// `local_connectivity` (default 1.0): neighbours assumed connected at distance ρ.
  public var localConnectivity: Double = 1.0
  /// `repulsion_strength` (default 1.0): γ, weight of the negative samples.
  public var repulsionStrength: Double = 1.0
  /// `negative_sample_rate` (default 5): negative samples per positive sample.
  public var negativeSampleRate: Int = 5
  /// `a` (default nil = fitted from spread and min_dist by `findABParams`).
  public var a: Double? = nil
  /// `b` (default nil = fitted from spread and min_dist by `findABParams`).
  public var b: Double? = nil
  /// `densmap` (default false): densMAP (Narayan, Berger & Cho 2021), which also preserves the
  /// local density of the data: a term that correlates the embedding's local radii with the
  /// data's, during the last `densFrac` of the epochs (umap-learn's `densmap=True`).
  public var densmap: Bool = false
  /// `dens_lambda` (default 2.0): weight of the density term; ≥ 0.
  public var densLambda: Double = 2.0
  /// `dens_frac` (default 0.3): fraction of the epochs (the last ones) that use it; in [0, 1].
  public var densFrac: Double = 0.3
  /// `dens_var_shift` (default 0.1): added to the variance of the embedding's log radii; ≥ 0.
  public var densVarShift: Double = 0.1
  /// `output_dens` (default false): also return the log local radii of the data and of the
  /// embedding (umap-learn's `rad_orig_`, `rad_emb_`).
  public var outputDens: Bool = false
  /// `target_metric` (default "categorical"): how the labels `y` given to the fit are compared
  /// (supervised UMAP). Only "categorical" (umap-learn's default: labels are categories, −1 unknown) is
  /// supported; any other value is refused by `validate`.
  public var targetMetric: String = "categorical"
  /// `target_n_neighbors` (default −1 = n_neighbors): the neighbour count of the labels' own graph for a
  /// non-categorical target metric; unused for "categorical". −1 or ≥ 2.
  public var targetNNeighbors: Int = -1
  /// `target_weight` (default 0.5): how much the labels count against the data, in [0, 1]; labels that
  /// differ are at distance 2.5 / (1 − target_weight) (10¹² at 1), see `categoricalFarDistance`.
  public var targetWeight: Double = 0.5
  /// `random_state` (default nil = a seed from the clock, so runs differ). With a seed the result
  /// is identical run to run and for any thread count.
  public var randomState: UInt64? = nil

  /// The defaults of umap-learn.
  public init() {}

  /// Checks the ranges umap-learn's `UMAP._validate_parameters` checks (plus spread > 0,
  /// local_connectivity ≥ 0, a, b > 0 when given, and target_weight in [0, 1], which umap-learn leaves
  /// unchecked; target_metric must be "categorical", the only one supported here).
  /// As umap-learn, learning_rate = 0 is accepted (it leaves the initial layout in place).
  /// - Throws: `AlgorithmError.invalidParameter` naming the first offending parameter.
  public func validate() throws {
    func bad(_ name: String, _ value: Any, _ allowed: String) -> AlgorithmError {
      AlgorithmError.invalidParameter(name: name, value: "\(value)", allowed: allowed)
    }
    // a parameter that must be finite and ≥ 0: umap-learn's "cannot be negative" for negatives
    func nonNegative(_ name: String, _ v: Double) throws {
      if !v.isFinite { throw bad(name, v, "\(name) must be a finite number") }
      if v < 0 { throw bad(name, v, "\(name) cannot be negative") }
    }
    if nNeighbors < 2 { throw bad("n_neighbors", nNeighbors, "n_neighbors must be greater than 1") }
    if nComponents < 1 { throw bad("n_components", nComponents, "n_components must be greater than 0") }
    if let e = nEpochs, e < 0 { throw bad("n_epochs", e, "n_epochs must be a nonnegative integer") }
    if !learningRate.isFinite || learningRate < 0 {
      throw bad("learning_rate", learningRate, "learning_rate must be a finite number ≥ 0")
    }
    if !spread.isFinite || spread <= 0 { throw bad("spread", spread, "spread must be a finite number > 0") }
    try nonNegative("min_dist", minDist)
    if minDist > spread {
      // at min_dist's default the spread given is what is out of range (umap-learn says the same
      // condition, "min_dist must be less than or equal to spread", either way)
      if minDist == UMAPParameters().minDist {
        throw bad("spread", spread, "spread must be greater than or equal to min_dist (\(minDist), its default; give a smaller min_dist too)")
      }
      throw bad("min_dist", minDist, "min_dist must be less than or equal to spread (\(spread))")
    }
    if !(setOpMixRatio >= 0 && setOpMixRatio <= 1) {
      throw bad("set_op_mix_ratio", setOpMixRatio, "set_op_mix_ratio must be between 0.0 and 1.0")
    }
    try nonNegative("local_connectivity", localConnectivity)
    try nonNegative("repulsion_strength", repulsionStrength)
    if negativeSampleRate < 0 {
      throw bad("negative_sample_rate", negativeSampleRate, "negative sample rate must be positive")
    }
    try nonNegative("dens_lambda", densLambda)
    if !(densFrac >= 0 && densFrac <= 1) { throw bad("dens_frac", densFrac, "dens_frac must be between 0.0 and 1.0") }
    try nonNegative("dens_var_shift", densVarShift)
    if let dd = disconnectionDistance, !(dd > 0) {
      throw bad("disconnection_distance", dd, "disconnection_distance must be a positive number (or none)")
    }
    if let m = initialEmbedding {
      if m.cols != nComponents {
        throw bad("init", "a \(m.rows) × \(m.cols) matrix", "an init array must have n_components = \(nComponents) columns")
      }
      if m.data.contains(where: { !$0.isFinite }) {
        throw bad("init", "an array with a non-finite value", "an init array must hold finite numbers")
      }
    }
    if targetMetric != "categorical" {
      throw bad("target_metric", targetMetric, "only \"categorical\" is supported (labels as categories, -1 unknown)")
    }
    if targetNNeighbors < 2 && targetNNeighbors != -1 {
      throw bad("target_n_neighbors", targetNNeighbors, "target_n_neighbors must be greater than 1 (or -1 for n_neighbors)")
    }
    if !(targetWeight >= 0 && targetWeight <= 1) {
      throw bad("target_weight", targetWeight, "target_weight must be between 0.0 and 1.0")
    }
    // the layout keeps a and b in float32 (beyond its range, a became inf and every run diverged)
    if let a = a, !UMAPParameters.isCurveValue(a) { throw bad("a", a, "a must be \(UMAPParameters.curveRange)") }
    if let b = b, !UMAPParameters.isCurveValue(b) { throw bad("b", b, "b must be \(UMAPParameters.curveRange)") }
    // umap-learn uses a and b only together (a lone one is ignored and both are fitted): refused
    // rather than ignored, or used where umap-learn would not
    if (a == nil) != (b == nil) {
      let (given, other) = a != nil ? ("a", "b") : ("b", "a")
      throw bad(given, (a ?? b)!, "\(given) is used only with \(other) (umap-learn ignores a lone \(given) and fits both from min_dist and spread): give both, or neither")
    }
  }

  /// Whether `v` can be the curve's a or b: a positive normal float32 number, 1.2·10⁻³⁸ to 3.4·10³⁸ (the
  /// layout computes in float32; beyond the range a became inf, or 0, and every run diverged). One check
  /// for a and b given to `umap`, fitted by `findABParams`, and read from a model file by `transform`.
  public static func isCurveValue(_ v: Double) -> Bool {
    v.isFinite && v >= Double(Float.leastNormalMagnitude) && v <= Double(Float.greatestFiniteMagnitude)
  }

  /// The range `isCurveValue` accepts, for messages.
  static let curveRange = "a positive float32 number from 1.2e-38 to 3.4e38 (the layout's arithmetic)"

  /// The disconnection distance in effect: `disconnectionDistance`, or umap-learn's default for
  /// the metric (2 for cosine and correlation, ∞ otherwise).
  public var effectiveDisconnectionDistance: Double {
    if let d = disconnectionDistance { return d }
    switch metric {
    case .cosine, .correlation: return 2
    default: return .infinity
    }
  }

  /// The number of SGD epochs for `n` points: `nEpochs`, or umap-learn's default (500 if
  /// n ≤ 10,000, else 200; 200 more with densMAP).
  public func epochs(forPoints n: Int) -> Int { nEpochs ?? ((n <= 10_000 ? 500 : 200) + (densmap ? 200 : 0)) }

  /// The neighbour count umap-learn actually uses for `n` points: `n_neighbors`, or n − 1 when
  /// n ≤ n_neighbors (umap-learn `UMAP.fit` truncates with a warning). The caller computes the kNN
  /// graph with this many neighbours (the point itself included).
  public func neighbors(forPoints n: Int) -> Int { n <= nNeighbors ? max(1, n - 1) : nNeighbors }

  /// An upper estimate of the bytes UMAP allocates beyond its input for `n` rows × `d` columns
  /// (dense; `sparse` for CSR rows, whose exact search keeps its own index), the largest of its
  /// phases, per row with k = `neighbors(forPoints: n)` and c = `nComponents`:
  /// - the neighbour search (NN-descent): 4d (the rows in leaf order) + 22k (the working graph,
  ///   its reverse lists and the candidate lists) + 60, plus 256 from 128 columns on (the rows
  ///   projected on 64 principal directions for the trees);
  /// - the fuzzy graph, its pruned copy, the spectral initialisation and the layout: 48k (the kNN
  ///   graph kept for the result, the graph's ≤ 2k edges a row with their schedule) + 100(c + 1)
  ///   (the eigensolver's blocks in Double) + 40;
  /// plus the n × c embedding, and for sparse rows the exact search's transpose: 16 bytes a column
  /// (its column counts) besides its entries. Measured on 1,000,000 × 50 (k = 15, c = 2): 470 and 729 bytes a
  /// row for the two phases, against 590 and 1,060 here (docs/benchmarks.md).
  public func estimatedBytes(rows n: Int, cols d: Int, sparse: Bool = false) -> Double {
    let k = Double(neighbors(forPoints: max(n, 2))), c = Double(nComponents), dd = Double(d)
    let search = sparse ? 24 * k + 60 : 4 * dd + 22 * k + 60 + (d >= 128 ? 256 : 0)
    let graph = 48 * k + 100 * (c + 1) + 40
    return Double(n) * (max(search, graph) + 4 * c) + (sparse ? 16 * (dd + 1) : 0)
  }
}

/// Fits the curve 1 / (1 + a·x^(2b)) to the offset exponential that UMAP's low-dimensional
/// membership should follow: 1 for x < min_dist, exp(−(x − min_dist)/spread) beyond, sampled on
/// 300 points of linspace(0, 3·spread). Least squares by Levenberg–Marquardt in Double from
/// (a, b) = (1, 1), as umap-learn's `find_ab_params` (scipy `curve_fit`).
/// Defaults (spread 1, min_dist 0.1) give a ≈ 1.577, b ≈ 0.895.
///
/// The best fit scales with the spread (x → x/spread maps the problem to spread 1 and
/// min_dist/spread, with a' = a·spread^(2b) and the same b), but a fit started at (1, 1) only
/// finds it for spreads near 1: umap-learn returns (1, 1) unchanged for spread 10⁻⁶ or 10¹⁰⁰, and a
/// negative b for 10⁻³. So the fit is also run on the scaled problem, and its (a'·spread^(−2b), b)
/// is returned where the direct fit's squared error is larger (by more than 10⁻⁶ relative) or its
/// a or b is not positive; elsewhere (every spread where umap-learn's fit converges) the result is
/// the direct fit's, umap-learn's. For spread = 1 the two are the same computation.
/// - Parameters: spread > 0; 0 ≤ minDist ≤ spread (not checked here; see `UMAPParameters.validate`).
/// - Returns: a and b; either may be non-finite or not positive where spread^(2b) leaves Double's
///   range (spread 10⁻³⁰⁰: the caller refuses such a curve).
public func findABParams(spread: Double, minDist: Double) -> (a: Double, b: Double) {
  let direct = fitCurve(spread: spread, minDist: minDist)
  if spread == 1 { return (direct.a, direct.b) }
  let scaled = fitCurve(spread: 1, minDist: minDist / spread)
  let b = scaled.b, a = scaled.a * Elementary.exp(-2 * b * Elementary.log(spread))
  let valid = direct.a > 0 && direct.b > 0 && direct.a.isFinite && direct.b.isFinite
  let scaledCost = curveCost(a, b, spread: spread, minDist: minDist)
  if valid && !(direct.cost > scaledCost * (1 + 1e-6)) { return (direct.a, direct.b) }
  return (a, b)
}

/// The mean squared error of the curve 1 / (1 + a·x^(2b)) against `findABParams`'s target (1 below
/// min_dist, exp(−(x − min_dist)/spread) above) at its 300 samples of [0, 3·spread]; inf where the
/// curve is not finite there. umap-learn's successful fits stay below 0.001 (spreads 10⁻³ to 10⁴,
/// min_dist from 0 to spread); a fit that failed (a curve that overflows, or umap-learn's start
/// (1, 1) left unmoved) is near 0.17 or more.
public func curveFitError(a: Double, b: Double, spread: Double, minDist: Double) -> Double {
  curveCost(a, b, spread: spread, minDist: minDist) / 300
}

/// The 300 sample points of `findABParams` and their targets.
private func curveSamples(spread: Double, minDist: Double) -> (xs: [Double], ys: [Double]) {
  let m = 300
  var xs = [Double](repeating: 0, count: m), ys = [Double](repeating: 0, count: m)
  let top = 3 * spread
  for i in 0..<m {
    let x = top * Double(i) / Double(m - 1)
    xs[i] = x
    ys[i] = x < minDist ? 1 : Elementary.exp(-(x - minDist) / spread)
  }
  return (xs, ys)
}

/// The squared error of 1 / (1 + a·x^(2b)) on `findABParams`'s samples (inf where not finite).
private func curveCost(_ a: Double, _ b: Double, spread: Double, minDist: Double) -> Double {
  guard a.isFinite, b.isFinite else { return .infinity }
  let (xs, ys) = curveSamples(spread: spread, minDist: minDist)
  var s = 0.0
  for (x, y) in zip(xs, ys) {
    let p = x > 0 ? Elementary.exp(2 * b * Elementary.log(x)) : 0
    let r = 1 / (1 + a * p) - y
    s += r * r
  }
  return s.isFinite ? s : .infinity
}

/// umap-learn's `find_ab_params` fit (see `findABParams`) and its squared error.
private func fitCurve(spread: Double, minDist: Double) -> (a: Double, b: Double, cost: Double) {
  let (xs, ys) = curveSamples(spread: spread, minDist: minDist)
  let m = xs.count
  // sum of squares and its Gauss–Newton pieces at (a, b)
  func evaluate(_ a: Double, _ b: Double, _ jtj: inout (Double, Double, Double), _ jtr: inout (Double, Double)) -> Double {
    var s = 0.0
    jtj = (0, 0, 0); jtr = (0, 0)
    for i in 0..<m {
      let x = xs[i]
      var p = 0.0, lx = 0.0
      if x > 0 { lx = Elementary.log(x); p = Elementary.exp(2 * b * lx) }
      let den = 1 + a * p
      let f = 1 / den
      let r = f - ys[i]
      let g = -1 / (den * den)
      let ja = g * p, jb = g * a * p * 2 * lx
      s += r * r
      jtj.0 += ja * ja; jtj.1 += ja * jb; jtj.2 += jb * jb
      jtr.0 += ja * r; jtr.1 += jb * r
    }
    return s
  }
  var a = 1.0, b = 1.0
  var jtj = (0.0, 0.0, 0.0), jtr = (0.0, 0.0)
  var cost = evaluate(a, b, &jtj, &jtr)
  var lambda = 1e-3
  for _ in 0..<500 {
    var improved = false
    for _ in 0..<60 {
      let h00 = jtj.0 * (1 + lambda), h11 = jtj.2 * (1 + lambda), h01 = jtj.1
      let det = h00 * h11 - h01 * h01
      if !(det.isFinite && det != 0) { lambda *= 10; continue }
      let da = -(h11 * jtr.0 - h01 * jtr.1) / det
      let db = -(h00 * jtr.1 - h01 * jtr.0) / det
      let na = a + da, nb = b + db
      var njtj = (0.0, 0.0, 0.0), njtr = (0.0, 0.0)
      let ncost = evaluate(na, nb, &njtj, &njtr)
      if ncost.isFinite && ncost <= cost {
        let small = abs(da) <= 1e-12 * (abs(a) + 1e-12) && abs(db) <= 1e-12 * (abs(b) + 1e-12)
        let flat = cost - ncost <= 1e-15 * cost
        a = na; b = nb; jtj = njtj; jtr = njtr; cost = ncost
        lambda = max(lambda / 10, 1e-12)
        improved = !(small || flat)
        break
      }
      lambda *= 10
    }
    if !improved { break }
  }
  return (a, b, cost)
}
