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
      for i in 0..<d { s += Elementary.pow(abs(Double(x[i]) - Double(y[i])), p) }
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
