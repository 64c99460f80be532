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

  /// For minkowski with a large finite p: refuses data on which Σ|xᵢ − yᵢ|ᵖ, summed in float64 as
  /// every implementation sums it (scipy, scikit-learn, umap-learn), would overflow for the largest
  /// difference R (the widest column's max − min, over the stored values and 0 for sparse rows) or
  /// lose differences of 10⁻⁶·R to underflow: distances of inf, or of 0 between distinct points,
  /// then silently replaced the nearest neighbours (p = 1000 on data of range 10: a third inf).
  /// Allowed: p·log₂R + log₂d < 1023 and p·(log₂R − 20) > −1022. Other metrics, and p for which both
  /// hold, pass.
  /// - Throws: `AlgorithmError.invalidParameter` (`p`), with the largest p the data allows and the
  ///   hint that p = inf (chebyshev) is the limit of large p.
  public func checkRange(of data: UMAPData) throws {
    guard case .minkowski(let p) = self else { return }
    var lo = [Double](), hi = [Double]()
    let d: Int
    switch data {
    case .dense(let x):
      d = x.cols
      guard x.rows > 0, d > 0 else { return }
      lo = [Double](repeating: .infinity, count: d); hi = [Double](repeating: -.infinity, count: d)
      for i in 0..<x.rows { for j in 0..<d { let v = Double(x[i, j]); lo[j] = Swift.min(lo[j], v); hi[j] = Swift.max(hi[j], v) } }
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
    for j in 0..<d { range = Swift.max(range, hi[j] - lo[j]) }
    guard range > 0, range.isFinite else { return }
    let l = Elementary.log2(range), ld = Elementary.log2(Double(d))
    let overflowAbove = l > 0 ? (1023 - ld) / l : Double.infinity
    let underflowAbove = l < 20 ? 1022 / (20 - l) : Double.infinity
    let most = Swift.min(overflowAbove, underflowAbove)
    if p < most { return }
    let why = overflowAbove <= underflowAbove
      ? "|x − y|^p would overflow float64 at this data's largest difference (\(range))"
      : "differences below 10⁻⁶ of this data's largest (\(range)) would vanish in float64 as |x − y|^p"
    throw AlgorithmError.invalidParameter(
      name: "p", value: "\(p)",
      allowed: "\(why); this data allows p below \(Int(most.rounded(.down))); p=inf (chebyshev) is the limit of large p, or scale the data")
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
