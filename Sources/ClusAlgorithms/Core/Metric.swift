#if canImport(Glibc)
import Glibc
#endif

/// A distance between data points, named as in umap-learn / hdbscan / scikit-learn.
public enum Metric: Sendable, Equatable, CustomStringConvertible {
  /// √Σ(xᵢ − yᵢ)²
  case euclidean
  /// Σ|xᵢ − yᵢ|
  case manhattan
  /// max |xᵢ − yᵢ|
  case chebyshev
  /// (Σ|xᵢ − yᵢ|ᵖ)^(1/p), p ≥ 1
  case minkowski(p: Double)
  /// 1 − x·y / (‖x‖‖y‖); as umap-learn: 0 when both are zero vectors, 1 when one is.
  case cosine
  /// cosine distance of the mean-centred vectors (umap-learn's `correlation`).
  case correlation

  /// The names accepted by `Metric(name:p:)`.
  public static let names = ["euclidean", "manhattan", "chebyshev", "minkowski", "cosine", "correlation"]

  /// Parses a metric name (`l2` = euclidean, `l1`/`taxicab`/`cityblock` = manhattan, as umap-learn).
  /// Minkowski with p = 2, 1 or +∞ is euclidean, manhattan or chebyshev (its limit), as scikit-learn's
  /// `DistanceMetric` (which hdbscan's trees use) treats p = ∞.
  /// - Throws: `AlgorithmError.invalidParameter` for an unknown name or p < 1.
  public init(name: String, p: Double = 2) throws {
    switch name.lowercased() {
    case "euclidean", "l2": self = .euclidean
    case "manhattan", "l1", "taxicab", "cityblock": self = .manhattan
    case "chebyshev", "linfinity", "linf", "infinity": self = .chebyshev
    case "minkowski":
      guard p >= 1 else {
        throw AlgorithmError.invalidParameter(name: "p", value: "\(p)", allowed: "p must be ≥ 1")
      }
      self = p == 2 ? .euclidean : (p == 1 ? .manhattan : (p.isInfinite ? .chebyshev : .minkowski(p: p)))
    case "cosine": self = .cosine
    case "correlation": self = .correlation
    default:
      throw AlgorithmError.invalidParameter(
        name: "metric", value: "\"\(name)\"", allowed: "one of " + Metric.names.joined(separator: ", "))
    }
  }

  /// Refuses data on which the metric's sums would overflow or lose its small differences:
  /// Σ|xᵢ − yᵢ|ᵖ for minkowski with a large finite p, summed in float64 as every implementation sums
  /// it (scipy, scikit-learn, umap-learn) — p = 1000 on data of range 10 gave a third of UMAP's
  /// neighbour distances as inf and others as 0 — and, with `float32` (UMAP's dense neighbour search
  /// ranks by Float sums), also the squares of euclidean, cosine and correlation: data near 10¹⁹
  /// gave every row wrong neighbours, silently. R is the widest column's max − min (over the stored
  /// values and 0 for sparse rows; the largest |x| for cosine and correlation), p = 2 for the
  /// squares. Allowed, with E = 1023 (float64) or 127 (float32): p·log₂R + log₂d < E (no overflow)
  /// and p·(log₂R − 20) > −(E − 1) (differences of 10⁻⁶·R stay normal numbers).
  /// With `along` (the training data of a `transform`, already checked on its own), R is the
  /// widest difference between a value of `data` and one of `along` in a column (the distances
  /// computed run between the two sets only): a row of `data` is refused alone exactly when it is
  /// refused within any batch.
  /// - Throws: `AlgorithmError.invalidParameter` (`p`) for minkowski, with the largest p the data
  ///   allows and the hint that p = inf (chebyshev) is the limit of large p;
  ///   `AlgorithmError.invalidInput` for the other metrics, saying to scale the data.
  public func checkRange(of data: UMAPData, along other: Matrix? = nil, float32: Bool = false) throws {
    let p: Double
    switch self {
    case .minkowski(let q): p = q
    case .euclidean, .cosine, .correlation:
      guard float32 else { return }
      p = 2
    default: return
    }
    let fromZero = self == .cosine || self == .correlation
    var lo = [Double](), hi = [Double]()
    let d: Int
    switch data {
    case .dense(let x):
      d = x.cols
      guard x.rows > 0, d > 0 else { return }
      (lo, hi) = Metric.columnBounds(x, fromZero: fromZero)
      if let o = other, o.cols == d, o.rows > 0 {
        // a column's widest difference between the two sets: from this data's largest to the
        // other's smallest or the other way round (as a range from lo to hi below)
        let (olo, ohi) = Metric.columnBounds(o, fromZero: fromZero)
        for j in 0..<d {
          let w = fromZero ? Swift.max(hi[j], ohi[j]) : Swift.max(hi[j] - olo[j], ohi[j] - lo[j], 0)
          (lo[j], hi[j]) = (0, w)
        }
      }
    case .sparse(let x):
      d = x.cols
      guard x.rows > 0, d > 0 else { return }
      lo = [Double](repeating: 0, count: d); hi = [Double](repeating: 0, count: d)
      for e in 0..<x.values.count {
        let j = Int(x.indices[e]), v = Double(x.values[e])
        lo[j] = Swift.min(lo[j], v); hi[j] = Swift.max(hi[j], v)
      }
    }
    var range = 0.0
    for j in 0..<d { range = Swift.max(range, fromZero ? Swift.max(-lo[j], hi[j]) : hi[j] - lo[j]) }
    guard range > 0, range.isFinite else { return }
    let top = float32 ? 127.0 : 1023.0
    let l = Elementary.log2(range), ld = Elementary.log2(Double(d))
    let overflowAbove = l > 0 ? (top - ld) / l : Double.infinity
    let underflowAbove = l < 20 ? (top - 1) / (20 - l) : Double.infinity
    let most = Swift.min(overflowAbove, underflowAbove)
    if p < most { return }
    let kind = float32 ? "float32 (the neighbour search's sums)" : "float64"
    let why = p >= overflowAbove && p >= underflowAbove
      ? "|x − y|^p would overflow \(kind) at this data's largest difference (\(range)), and differences below 10⁻⁶ of it vanish"
      : p >= overflowAbove
      ? "|x − y|^p would overflow \(kind) at this data's largest difference (\(range))"
      : "differences below 10⁻⁶ of this data's largest (\(range)) would vanish in \(kind) as |x − y|^p"
    if case .minkowski = self {
      throw AlgorithmError.invalidParameter(
        name: "p", value: "\(p)",
        allowed: "\(why); this data allows p below \((most * 100).rounded(.down) / 100); p=inf (chebyshev) is the limit of large p, or scale the data")
    }
    let size = fromZero ? "largest value" : "largest difference"
    // minkowski with p = 2 is euclidean (`Metric(name:p:)`): say so, for whoever asked for minkowski
    let named = self == .euclidean ? "metric=euclidean (or minkowski with p=2)" : "metric=\(self)"
    throw AlgorithmError.invalidInput(
      "\(named): the data's \(size) (\(range)) is \(p >= overflowAbove ? "too large" : "too small") for the \(kind): "
        + "its squares would \(p >= overflowAbove ? "overflow" : "vanish"); scale the data first (e.g. multiply it by \(scaleHint(range)))")
  }

  /// Per column, the smallest and largest value of `x` (the largest |x| as hi, 0 as lo, with
  /// `fromZero`).
  private static func columnBounds(_ x: Matrix, fromZero: Bool) -> (lo: [Double], hi: [Double]) {
    let d = x.cols
    var lo = [Double](repeating: fromZero ? 0 : .infinity, count: d), hi = [Double](repeating: fromZero ? 0 : -.infinity, count: d)
    for i in 0..<x.rows {
      for j in 0..<d {
        let v = Double(x[i, j])
        if fromZero { hi[j] = Swift.max(hi[j], Swift.abs(v)) } else { lo[j] = Swift.min(lo[j], v); hi[j] = Swift.max(hi[j], v) }
      }
    }
    return (lo, hi)
  }

  /// A power of ten that brings `range` near 1, as a hint.
  private func scaleHint(_ range: Double) -> String {
    let e = Int((Elementary.log(range) / Elementary.log(10)).rounded())
    return "1e\(-e)"
  }

  /// The metric's name.
  public var description: String {
    switch self {
    case .euclidean: return "euclidean"
    case .manhattan: return "manhattan"
    case .chebyshev: return "chebyshev"
    case .minkowski(let p): return "minkowski(p=\(p))"
    case .cosine: return "cosine"
    case .correlation: return "correlation"
    }
  }

  /// Distance between two vectors of length `d` (plain scalar loop; kernels specialise the hot
  /// cases). Accumulates in Double for the same value whatever the caller's blocking.
  public func distance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Double {
    switch self {
    case .euclidean:
      var s = 0.0
      for i in 0..<d { let t = Double(x[i]) - Double(y[i]); s += t * t }
      return s.squareRoot()
    case .manhattan:
      var s = 0.0
      for i in 0..<d { s += abs(Double(x[i]) - Double(y[i])) }
      return s
    case .chebyshev:
      var s = 0.0
      for i in 0..<d { s = max(s, abs(Double(x[i]) - Double(y[i]))) }
      return s
    case .minkowski(let p):
      var s = 0.0
      for i in 0..<d { s += Elementary.minkowskiPower(abs(Double(x[i]) - Double(y[i])), p) }
      return Elementary.pow(s, 1 / p)
    case .cosine:
      var xy = 0.0, xx = 0.0, yy = 0.0
      for i in 0..<d { xy += Double(x[i]) * Double(y[i]); xx += Double(x[i]) * Double(x[i]); yy += Double(y[i]) * Double(y[i]) }
      if xx == 0 && yy == 0 { return 0 }
      if xx == 0 || yy == 0 { return 1 }
      return max(0, 1 - xy / (xx * yy).squareRoot())
    case .correlation:
      var mx = 0.0, my = 0.0
      for i in 0..<d { mx += Double(x[i]); my += Double(y[i]) }
      mx /= Double(d); my /= Double(d)
      var xy = 0.0, xx = 0.0, yy = 0.0
      for i in 0..<d {
        let a = Double(x[i]) - mx, b = Double(y[i]) - my
        xy += a * b; xx += a * a; yy += b * b
      }
      if xx == 0 && yy == 0 { return 0 }
      if xx == 0 || yy == 0 { return 1 }
      return max(0, 1 - xy / (xx * yy).squareRoot())
    }
  }
}
