// The metrics of the KD-tree searches (hdbscan's and scikit-learn's `DistanceMetric` with
// `rdist`, `min_rdist` and `_rdist_to_dist`): a reduced distance that is monotone in the true
// distance (squared for euclidean, Σ|d|ᵖ for minkowski) and a lower bound of it from a point to
// an axis-aligned box. Generic searches specialise on them at compile time.

/// A metric with a reduced distance that is monotone in the true distance and a lower bound of
/// the reduced distance from a point to an axis-aligned box.
protocol KDMetric {
  /// Reduced distance between two d-vectors.
  func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double
  /// Reduced distance from `a` to the box [lo, hi] (0 inside).
  func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double
  /// True distance of a reduced distance.
  func toDist(_ r: Double) -> Double
  /// Factor f with rdist(x/alpha) = f · rdist(x).
  func alphaFactor(_ alpha: Double) -> Double
}

struct EuclideanKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { let t = a[i] - b[i]; s += t * t }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      let g = boxGap(a[i], lo[i], hi[i])
      s += g * g
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r.squareRoot() }
  func alphaFactor(_ alpha: Double) -> Double { 1 / (alpha * alpha) }
}

/// `EuclideanKD` for two columns: the same sums (0 + t₀² + t₁², which is t₀² + t₁² exactly) with
/// the coordinate count fixed, so the searches' inner loops unroll. Only for d = 2.
struct EuclideanKD2: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    let t0 = a[0] - b[0], t1 = a[1] - b[1]
    return t0 * t0 + t1 * t1
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    let g0 = boxGap(a[0], lo[0], hi[0]), g1 = boxGap(a[1], lo[1], hi[1])
    return g0 * g0 + g1 * g1
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r.squareRoot() }
  func alphaFactor(_ alpha: Double) -> Double { 1 / (alpha * alpha) }
}

struct ManhattanKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s += abs(a[i] - b[i]) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      s += boxGap(a[i], lo[i], hi[i])
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r }
  func alphaFactor(_ alpha: Double) -> Double { 1 / alpha }
}

struct ChebyshevKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s = max(s, abs(a[i] - b[i])) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      s = max(s, boxGap(a[i], lo[i], hi[i]))
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r }
  func alphaFactor(_ alpha: Double) -> Double { 1 / alpha }
}

struct MinkowskiKD: KDMetric {
  let p: Double
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s += Elementary.pow(abs(a[i] - b[i]), p) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      s += Elementary.pow(boxGap(a[i], lo[i], hi[i]), p)
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { Elementary.pow(r, 1 / p) }
  func alphaFactor(_ alpha: Double) -> Double { Elementary.pow(alpha, -p) }
}

/// The distance from v to the interval [lo, hi] (0 inside).
@inline(__always)
func boxGap(_ v: Double, _ lo: Double, _ hi: Double) -> Double { v < lo ? lo - v : (v > hi ? v - hi : 0) }
