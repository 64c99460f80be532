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
  // four coordinates a turn, added in the same order as one at a time (the same sums, bit for bit),
  // so that few columns cost no loop test each
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    var i = 0
    while i &+ 4 <= d {
      let t0 = a[i] - b[i], t1 = a[i &+ 1] - b[i &+ 1], t2 = a[i &+ 2] - b[i &+ 2], t3 = a[i &+ 3] - b[i &+ 3]
      s += t0 * t0; s += t1 * t1; s += t2 * t2; s += t3 * t3
      i &+= 4
    }
    while i < d { let t = a[i] - b[i]; s += t * t; i &+= 1 }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    var i = 0
    while i &+ 4 <= d {
      let g0 = boxGapBranchless(a[i], lo[i], hi[i]), g1 = boxGapBranchless(a[i &+ 1], lo[i &+ 1], hi[i &+ 1])
      let g2 = boxGapBranchless(a[i &+ 2], lo[i &+ 2], hi[i &+ 2]), g3 = boxGapBranchless(a[i &+ 3], lo[i &+ 3], hi[i &+ 3])
      s += g0 * g0; s += g1 * g1; s += g2 * g2; s += g3 * g3
      i &+= 4
    }
    while i < d { let g = boxGapBranchless(a[i], lo[i], hi[i]); s += g * g; i &+= 1 }
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
    let g0 = boxGapBranchless(a[0], lo[0], hi[0]), g1 = boxGapBranchless(a[1], lo[1], hi[1])
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
    for i in 0..<d { s += Elementary.minkowskiPower(abs(a[i] - b[i]), p) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      s += Elementary.minkowskiPower(boxGap(a[i], lo[i], hi[i]), p)
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { Elementary.pow(r, 1 / p) }
  func alphaFactor(_ alpha: Double) -> Double { Elementary.pow(alpha, -p) }
}

/// The distance from v to the interval [lo, hi] (0 inside).
@inline(__always)
func boxGap(_ v: Double, _ lo: Double, _ hi: Double) -> Double { v < lo ? lo - v : (v > hi ? v - hi : 0) }

/// `boxGap` without a branch to mispredict (which side of a box a query lies on follows no
/// pattern): the larger of lo − v and v − hi, or 0 when that is not positive; the same value as
/// `boxGap` for lo ≤ hi (below the box, v − hi < 0 < lo − v; above it, the reverse).
@inline(__always)
func boxGapBranchless(_ v: Double, _ lo: Double, _ hi: Double) -> Double {
  let below = lo - v, above = v - hi
  let g = below > above ? below : above
  return g > 0 ? g : 0
}
