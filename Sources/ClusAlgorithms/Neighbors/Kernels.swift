#if canImport(Glibc)
import Glibc
#endif

// Distance kernels shared by the exact and the NN-descent neighbour searches.
//
// The searches rank candidates by a *reduced* distance that is monotone in the metric's true
// distance and cheaper to compute (squared euclidean, Σ|d|ᵖ for Minkowski, 1 − u·v on unit
// vectors for cosine/correlation). Every kernel is symmetric bit for bit (k(a, b) == k(b, a)) and
// sums in a fixed order, so a pair's reduced distance never depends on who computed it.

/// Σ (aᵢ − bᵢ)² over `d` Float32 values, SIMD with a fixed summation order.
@inline(__always)
func squaredEuclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
  var i = 0
  let d16 = d & ~15
  let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
  while i < d16 {
    let o = i &* 4
    let t0 = ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      - rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
    let t1 = ra.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
      - rb.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
    s0 += t0 * t0
    s1 += t1 * t1
    i &+= 16
  }
  if i &+ 8 <= d {
    let o = i &* 4
    let t0 = ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      - rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
    s0 += t0 * t0
    i &+= 8
  }
  var s = (s0 + s1).sum()
  while i < d {
    let t = a[i] - b[i]
    s += t * t
    i &+= 1
  }
  return s
}

/// Σ |aᵢ − bᵢ| (SIMD, one 8-lane accumulator, then the tail in order).
@inline(__always)
func manhattanSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
  absoluteDifferences(a, b, d, maximum: false)
}

/// max |aᵢ − bᵢ| (SIMD).
@inline(__always)
func chebyshevMax(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
  absoluteDifferences(a, b, d, maximum: true)
}

/// Σ |aᵢ − bᵢ|, or max |aᵢ − bᵢ| when `maximum` (a constant at every call, so each caller gets
/// its own loop).
@inline(__always)
private func absoluteDifferences(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int, maximum: Bool) -> Float {
  var s0 = SIMD8<Float>()
  var i = 0
  let d8 = d & ~7
  let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
  while i < d8 {
    let o = i &* 4
    let t = ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      - rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
    let u = t.replacing(with: -t, where: t .< 0)
    if maximum { s0 = pointwiseMax(s0, u) } else { s0 += u }
    i &+= 8
  }
  var s = maximum ? s0.max() : s0.sum()
  while i < d {
    let u = abs(a[i] - b[i])
    if maximum { s = max(s, u) } else { s += u }
    i &+= 1
  }
  return s
}

/// The data as the searches see it: rows possibly transformed (cosine: unit rows; correlation:
/// centred unit rows), plus a reduced-distance function on row indices.
///
/// Reduced distances: euclidean → squared distance; manhattan → Σ|d|; chebyshev → max|d|;
/// minkowski(p) → Σ|d|ᵖ; cosine/correlation → 1 − u·v (0 when both rows are zero, 1 when one is).
struct SearchSpace {
  enum Kind { case sqeuclidean, manhattan, chebyshev, minkowski, angular }
  let kind: Kind
  let base: UnsafePointer<Float>
  let d: Int
  let p: Float
  /// angular only: 1 where the (centred) row is all zeros.
  let zero: UnsafePointer<UInt8>?

  @inline(__always)
  func rd(_ i: Int, _ j: Int) -> Float {
    rd(base + i &* d, zero?[i] ?? 0, base + j &* d, zero?[j] ?? 0)
  }

  /// The reduced distance of row `a` (zero flag `za`, from a space of the same kind and width,
  /// e.g. the queries of a cross-join) to row `b` (zero flag `zb`).
  @inline(__always)
  func rd(_ a: UnsafePointer<Float>, _ zi: UInt8, _ b: UnsafePointer<Float>, _ zj: UInt8) -> Float {
    switch kind {
    case .sqeuclidean: return squaredEuclidean(a, b, d)
    case .manhattan: return manhattanSum(a, b, d)
    case .chebyshev: return chebyshevMax(a, b, d)
    case .minkowski:
      var s: Float = 0
      for t in 0..<d { s += Elementary.pow(abs(a[t] - b[t]), p) }
      return s
    case .angular:
      if zi != 0 || zj != 0 { return zi != 0 && zj != 0 ? 0 : 1 }
      return max(0, 1 - dotProduct(a, b, d))
    }
  }

  /// The metric's distance from a reduced distance (only used for euclidean; other metrics are
  /// recomputed exactly with `Metric.distance`).
  @inline(__always)
  func trueDistance(_ r: Float) -> Float {
    switch kind {
    case .sqeuclidean: return max(0, r).squareRoot()
    case .manhattan, .chebyshev: return r
    case .minkowski: return Elementary.pow(max(0, r), 1 / p)
    case .angular: return r
    }
  }
}

/// The share of two rows' squared norms below which a Float32 Gram distance ‖p‖² + ‖q‖² − 2p·q
/// may be dominated by cancellation (its rounding error is up to about d·2⁻²⁴ of the norms; this
/// is 8 times that): such distances are recomputed from the differences. Rows far from the origin
/// in groups of their own (two groups at ±10⁴, or one offset per class), which no common centre
/// brings near the origin, are ranked right this way; on data near the origin it only touches
/// near-duplicate rows (MNIST: distances below about 58, on a 0–255 scale).
@inline(__always) func gramExactBelow(_ d: Int) -> Float { Float(d) * 0x1p-21 }

/// A centre for the rows of `x` (n × d) when they lie far from the origin compared with their
/// spread (‖μ‖² > the mean of ‖x − μ‖², μ the column means), else nil.
///
/// The searches rank euclidean candidates by Gram distances ‖p‖² + ‖q‖² − 2p·q in Float32, which
/// lose about 10⁻⁷ · (‖p‖² + ‖q‖²) to cancellation: for rows at an offset of 1,000 with a spread of
/// 1 that is more than the distances between neighbours (1,500 MNIST digits scaled to [0, 1] plus
/// 1,000: 92 % of the "exact" neighbours were wrong). Distances do not change under a translation,
/// so such rows are searched centred, with the accuracy of centred data. Rows near the origin
/// (MNIST: ‖μ‖² is 0.18 of the spread) are searched as given, with the same bits as before.
/// Each coordinate of the centre is μⱼ rounded to a multiple of the power of two at or below the
/// column's standard deviation (the constant itself for a constant column): coarse enough that
/// x − c is exact for data on a grid (integers stay integers or halves, so distances that tie
/// still tie exactly), fine enough to remove the offset. Deterministic for any thread count (sums
/// per fixed chunk, added in order).
func farCentre(_ x: UnsafePointer<Float>, n: Int, d: Int, threads: Int) -> [Float]? {
  if n < 2 || d == 0 { return nil }
  let mean = columnMeans(x, rows: n, cols: d, chunkRows: 4096, threads: threads)
  let partial: [Double] = chunkPartials(rows: n, width: d, chunkRows: 4096, threads: threads) { _, range, s in
    for i in range {
      let row = x + i * d
      for t in 0..<d { let u = Double(row[t]) - mean[t]; s[t] += u * u }
    }
  }
  var variance = [Double](repeating: 0, count: d)
  for c in 0..<(partial.count / max(1, d)) { for t in 0..<d { variance[t] += partial[c * d + t] } }
  for t in 0..<d { variance[t] /= Double(n) }
  let spread = variance.reduce(0, +)
  let offset = mean.reduce(0) { $0 + $1 * $1 }
  guard offset > spread else { return nil }
  return (0..<d).map { t in
    let sd = variance[t].squareRoot()
    if !(sd > 0) { return x[t] }  // a constant column: its value
    let q = Double(sign: .plus, exponent: sd.exponent, significand: 1)  // 2^⌊log₂ sd⌋
    return Float((mean[t] / q).rounded() * q)
  }
}

/// Owns the transformed copy of the data that `SearchSpace` points into (if one is needed).
final class PreparedData {
  let kind: SearchSpace.Kind
  let p: Float
  let n: Int
  let d: Int
  /// Transformed rows (angular metrics) or nil (use the caller's rows directly).
  let rows: UnsafeMutablePointer<Float>?
  let zero: UnsafeMutablePointer<UInt8>?

  /// Prepares `x` (n × d) for `metric`; euclidean rows are centred on `centre` if given
  /// (`farCentre`; the same centre for the queries as for the reference).
  init(_ x: UnsafePointer<Float>, n: Int, d: Int, metric: Metric, centre: [Float]? = nil) {
    self.n = n
    self.d = d
    switch metric {
    case .euclidean: kind = .sqeuclidean; p = 2
    case .manhattan: kind = .manhattan; p = 1
    case .chebyshev: kind = .chebyshev; p = 1
    case .minkowski(let pp): kind = .minkowski; p = Float(pp)
    case .cosine, .correlation: kind = .angular; p = 2
    }
    if kind == .angular {
      let centre = metric == .correlation
      let r = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
      let z = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
      for i in 0..<n {
        let src = x + i * d, dst = r + i * d
        let (mean, scale) = unitRowMap(src, d, centred: centre)
        if let inv = scale {
          z[i] = 0
          for t in 0..<d { dst[t] = Float((Double(src[t]) - mean) * inv) }
        } else {
          z[i] = 1
          for t in 0..<d { dst[t] = 0 }
        }
      }
      rows = r
      zero = z
    } else if kind == .sqeuclidean, let c = centre {
      let r = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * d))
      for i in 0..<n {
        let src = x + i * d, dst = r + i * d
        for t in 0..<d { dst[t] = src[t] - c[t] }
      }
      rows = r
      zero = nil
    } else {
      rows = nil
      zero = nil
    }
  }

  deinit {
    rows?.deallocate()
    zero?.deallocate()
  }

  /// The search space over `rows` if transformed, else over `x`.
  func space(_ x: UnsafePointer<Float>) -> SearchSpace {
    SearchSpace(kind: kind, base: UnsafePointer(rows ?? UnsafeMutablePointer(mutating: x)), d: d, p: p,
                zero: zero.map { UnsafePointer($0) })
  }
}

/// Checks the common arguments of the neighbour searches.
func validateKNNInput(_ x: Matrix, k: Int) throws {
  try validateData(x)
  guard k >= 1, k <= x.rows else {
    throw AlgorithmError.invalidParameter(
      name: "n_neighbors", value: "\(k)", allowed: "1 ≤ n_neighbors ≤ number of points (\(x.rows))")
  }
}

/// Sorts the `count` (distance, index) pairs of one output row: ascending distance, the point
/// itself first among equal distances, then by index; missing entries (−1) last.
/// The order is total (the indices of a row differ, and the distances of finite data are never
/// NaN), so the result does not depend on the algorithm: insertion sort for short rows (the
/// usual k, nearly sorted), heapsort above 64 entries (an exact search of n_neighbors = 4,099
/// keeps its candidates in heap order: insertion sort took minutes there).
@inline(__always)
func sortRow(_ dist: UnsafeMutablePointer<Double>, _ idx: UnsafeMutablePointer<Int32>, _ count: Int, selfIndex: Int32) {
  if count < 2 { return }
  if count > 64 {
    heapSortRow(dist, idx, count, selfIndex: selfIndex)
    return
  }
  // insertion sort
  for a in 1..<count {
    let dv = dist[a], iv = idx[a]
    var b = a - 1
    while b >= 0 && rowKeyLess(dv, iv, dist[b], idx[b], selfIndex) {
      dist[b + 1] = dist[b]; idx[b + 1] = idx[b]
      b -= 1
    }
    dist[b + 1] = dv; idx[b + 1] = iv
  }
}

/// `sortRow`'s order by heapsort: O(count · log count), in place.
func heapSortRow(_ dist: UnsafeMutablePointer<Double>, _ idx: UnsafeMutablePointer<Int32>, _ count: Int, selfIndex s: Int32) {
  // max-heap under rowKeyLess; then the largest moves to the end, one at a time
  func siftDown(_ start: Int, _ end: Int) {
    let dv = dist[start], iv = idx[start]
    var c = start
    while true {
      var w = 2 * c + 1
      if w >= end { break }
      if w + 1 < end && rowKeyLess(dist[w], idx[w], dist[w + 1], idx[w + 1], s) { w += 1 }
      if !rowKeyLess(dv, iv, dist[w], idx[w], s) { break }
      dist[c] = dist[w]; idx[c] = idx[w]
      c = w
    }
    dist[c] = dv; idx[c] = iv
  }
  var start = count / 2
  while start > 0 {
    start -= 1
    siftDown(start, count)
  }
  var end = count - 1
  while end > 0 {
    swap(&dist[0], &dist[end]); swap(&idx[0], &idx[end])
    siftDown(0, end)
    end -= 1
  }
}

@inline(__always)
func rowKeyLess(_ d1: Double, _ i1: Int32, _ d2: Double, _ i2: Int32, _ s: Int32) -> Bool {
  if (i1 < 0) != (i2 < 0) { return i2 < 0 }
  if d1 != d2 { return d1 < d2 }
  if (i1 == s) != (i2 == s) { return i1 == s }
  return i1 < i2
}

/// Allocates `count` Floats aligned to 2 MiB and asks the kernel for transparent huge pages
/// (fewer TLB misses on random row access). Release with `free`.
func allocateLargeFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
  let bytes = max(1, count) * MemoryLayout<Float>.stride
  let align = 1 << 21
  var raw: UnsafeMutableRawPointer?
  if posix_memalign(&raw, align, bytes) != 0 || raw == nil {
    return UnsafeMutableRawPointer(malloc(bytes)!).bindMemory(to: Float.self, capacity: max(1, count))
  }
  #if canImport(Glibc)
  if bytes >= align { _ = madvise(raw, (bytes + align - 1) & ~(align - 1), Int32(MADV_HUGEPAGE)) }
  #endif
  return raw!.bindMemory(to: Float.self, capacity: max(1, count))
}

/// A copy of a search space's rows in a given order (working index w holds data row order[w]),
/// without the columns that cannot change any reduced distance (constant columns for the
/// difference-based metrics, all-zero columns for the angular ones). Fewer columns means less
/// memory traffic in every distance evaluation (MNIST: 784 → 717).
final class PermutedRows {
  let rows: UnsafeMutablePointer<Float>
  let zero: UnsafeMutablePointer<UInt8>?
  let space: SearchSpace

  /// `centre` (euclidean only, `farCentre`): the copy holds the rows minus it.
  init(_ src: SearchSpace, order: [Int32], centre: [Float]? = nil, threads: Int) {
    let n = order.count, d = src.d
    // columns to keep: those that vary (and, for the angular metrics, non-zero constant ones)
    let angular = src.kind == .angular
    let base = src.base
    let varies = varyingColumns(base, rows: n, cols: d, chunkRows: 4096, threads: threads)
    var keep = [Int]()
    for t in 0..<d where varies[t] || (angular && base[t] != 0) { keep.append(t) }
    if keep.isEmpty { keep = [0] }
    let dk = keep.count
    let r = allocateLargeFloats(n * dk)
    rows = r
    let all = dk == d
    order.withUnsafeBufferPointer { op in
      keep.withUnsafeBufferPointer { kp in
        let ob = op.baseAddress!, kb = kp.baseAddress!
        parallelChunks(count: n, chunkSize: 4096, threads: threads) { _, range in
          for w in range {
            let s = base + Int(ob[w]) * d, t = r + w * dk
            if let c = centre {
              for j in 0..<dk { t[j] = s[kb[j]] - c[kb[j]] }
            } else if all { t.update(from: s, count: d) } else { for j in 0..<dk { t[j] = s[kb[j]] } }
          }
        }
      }
    }
    if let z = src.zero {
      let zz = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
      for w in 0..<n { zz[w] = z[Int(order[w])] }
      zero = zz
    } else {
      zero = nil
    }
    space = SearchSpace(kind: src.kind, base: UnsafePointer(r), d: dk, p: src.p, zero: zero.map { UnsafePointer($0) })
  }

  deinit {
    free(rows)
    zero?.deallocate()
  }
}
