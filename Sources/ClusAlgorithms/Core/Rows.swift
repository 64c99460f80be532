// Per-row quantities of row-major data that several algorithms need: dot products, squared row
// norms, unit (centred) rows (per-column passes are in Blocks.swift). Each helper fixes its
// arithmetic (summation order and precision), so every caller gets the same bits for any thread
// count; where two callers need different roundings there are two helpers, named for them.

/// Σ aᵢ·bᵢ over `d` Float32 values, SIMD (two 8-lane accumulators, then the lanes, then the
/// tail in order): the same bits on every CPU and for every caller.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
  var i = 0
  let d16 = d & ~15
  let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
  while i < d16 {
    let o = i &* 4
    s0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
      * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
    s1 += ra.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
      * rb.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
    i &+= 16
  }
  var s = (s0 + s1).sum()
  while i < d {
    s += a[i] * b[i]
    i &+= 1
  }
  return s
}

/// ‖xᵢ‖² of the n rows of `x` (n × d) by `dotProduct` (SIMD), into `out` (n values); parallel
/// over fixed chunks of rows (each value depends on its row only).
func squaredRowNormsSIMD(_ x: UnsafePointer<Float>, rows n: Int, cols d: Int, into out: UnsafeMutablePointer<Float>, threads: Int) {
  parallelChunks(count: n, chunkSize: 4096, threads: threads) { _, rows in
    for i in rows { out[i] = dotProduct(x + i * d, x + i * d, d) }
  }
}

/// ‖xᵢ‖² of the n rows of `x` (n × d) as a plain loop, Σ xᵢⱼ² from j = 0 up in `T` (the
/// rounding of the scalar references: Float for the GEMM self-join's candidate bound, Double
/// for trustworthiness).
func squaredRowNorms<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, rows n: Int, cols d: Int) -> [T] {
  var out = [T](repeating: 0, count: n)
  for i in 0..<n {
    var s: T = 0
    let row = x + i * d
    for j in 0..<d { s += row[j] * row[j] }
    out[i] = s
  }
  return out
}

/// The affine map that makes one row a unit vector, as the cosine and correlation metrics see
/// it: u = (x − mean) · scale, with mean the row's mean when `centred` (correlation) else 0, and
/// scale = 1/‖x − mean‖, all in Double; nil scale for an all-zero (centred) row.
@inline(__always)
func unitRowMap(_ row: UnsafePointer<Float>, _ d: Int, centred: Bool) -> (mean: Double, scale: Double?) {
  var mean = 0.0
  if centred {
    for t in 0..<d { mean += Double(row[t]) }
    mean /= Double(d)
  }
  var ss = 0.0
  for t in 0..<d { let v = Double(row[t]) - mean; ss += v * v }
  return (mean, ss == 0 ? nil : 1 / ss.squareRoot())
}

/// The rows of `x` (n × d) as unit vectors in Double (`unitRowMap`; centred first when
/// `centred`), row-major; nil if a row is all zeros (after centring).
func unitRows(_ x: Matrix, centred: Bool) -> [Double]? {
  let n = x.rows, d = x.cols
  var u = [Double](repeating: 0, count: n * d)
  let ok = x.data.withUnsafeBufferPointer { xp -> Bool in
    for i in 0..<n {
      let row = xp.baseAddress! + i * d
      let (mean, scale) = unitRowMap(row, d, centred: centred)
      guard let s = scale else { return false }
      for t in 0..<d { u[i * d + t] = (Double(row[t]) - mean) * s }
    }
    return true
  }
  return ok ? u : nil
}

/// Reorders the n rows of `x` (n × `cols`, row-major) in place so that row w becomes the former
/// row `order[w]` (`order` a permutation of 0..<n), following the permutation's cycles: one row
/// of scratch and n bits, not a second copy of the rows.
func permuteRowsInPlace(_ x: UnsafeMutablePointer<Float>, rows n: Int, cols: Int, order: [Int32]) {
  precondition(order.count == n)
  var done = [Bool](repeating: false, count: n)
  let hold = UnsafeMutablePointer<Float>.allocate(capacity: max(1, cols))
  defer { hold.deallocate() }
  for start in 0..<n where !done[start] {
    done[start] = true
    var w = start
    var from = Int(order[w])
    if from == start { continue }
    hold.update(from: x + start * cols, count: cols)
    while from != start {
      (x + w * cols).update(from: x + from * cols, count: cols)
      done[from] = true
      w = from
      from = Int(order[w])
    }
    (x + w * cols).update(from: hold, count: cols)
  }
}
