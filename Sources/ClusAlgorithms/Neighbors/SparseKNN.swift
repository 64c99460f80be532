// Nearest neighbours of sparse (CSR) rows, with the same distances as the dense rows they stand
// for: `Metric.distance` accumulates its terms in Double in increasing column order, and a term of
// two zeros adds exactly nothing (x + 0 = x), so walking the union of two rows' stored columns in
// order gives the very same Double as the dense loop. Correlation centres every column, zeros
// included, so it walks all d columns.

extension Metric {
  /// The distance between sparse rows `a` and `b` of `x`, equal bit for bit to `distance` on their
  /// dense copies (see the file's comment).
  public func distance(_ x: SparseMatrix, _ a: Int, _ b: Int) -> Double {
    distance(x, a, x, b)
  }

  /// The distance between row `a` of `x` and row `b` of `y` (the same number of columns), equal to
  /// `distance` on the dense rows.
  public func distance(_ x: SparseMatrix, _ a: Int, _ y: SparseMatrix, _ b: Int) -> Double {
    x.indices.withUnsafeBufferPointer { xi in
      x.values.withUnsafeBufferPointer { xv in
        y.indices.withUnsafeBufferPointer { yi in
          y.values.withUnsafeBufferPointer { yv in
            sparseDistance(xi.baseAddress! + x.indptr[a], xv.baseAddress! + x.indptr[a], x.indptr[a + 1] - x.indptr[a],
                           yi.baseAddress! + y.indptr[b], yv.baseAddress! + y.indptr[b], y.indptr[b + 1] - y.indptr[b], d: x.cols)
          }
        }
      }
    }
  }

  /// The distance of two sparse rows given as (columns, values, count), `d` columns in all.
  @inline(__always)
  func sparseDistance(_ ai: UnsafePointer<Int32>, _ av: UnsafePointer<Float>, _ na: Int,
                      _ bi: UnsafePointer<Int32>, _ bv: UnsafePointer<Float>, _ nb: Int, d: Int) -> Double {
    // the union of the stored columns in increasing order: (x, y) at each
    @inline(__always) func merge(_ body: (Double, Double) -> Void) {
      var p = 0, q = 0
      while p < na || q < nb {
        let ca = p < na ? ai[p] : Int32.max, cb = q < nb ? bi[q] : Int32.max
        if ca == cb { body(Double(av[p]), Double(bv[q])); p += 1; q += 1 }
        else if ca < cb { body(Double(av[p]), 0); p += 1 }
        else { body(0, Double(bv[q])); q += 1 }
      }
    }
    switch self {
    case .euclidean:
      var s = 0.0
      merge { x, y in let t = x - y; s += t * t }
      return s.squareRoot()
    case .manhattan:
      var s = 0.0
      merge { x, y in s += abs(x - y) }
      return s
    case .chebyshev:
      var s = 0.0
      merge { x, y in s = max(s, abs(x - y)) }
      return s
    case .minkowski(let p):
      var s = 0.0
      merge { x, y in s += Elementary.minkowskiPower(abs(x - y), p) }
      return Elementary.pow(s, 1 / p)
    case .cosine:
      var xy = 0.0, xx = 0.0, yy = 0.0
      merge { x, y in xy += x * y; xx += x * x; yy += y * y }
      if xx == 0 && yy == 0 { return 0 }
      if xx == 0 || yy == 0 { return 1 }
      return max(0, 1 - xy / (xx * yy).squareRoot())
    case .correlation:
      var mx = 0.0, my = 0.0
      for t in 0..<na { mx += Double(av[t]) }
      for t in 0..<nb { my += Double(bv[t]) }
      mx /= Double(d); my /= Double(d)
      var xy = 0.0, xx = 0.0, yy = 0.0
      var p = 0, q = 0
      for c in 0..<d {
        var x = 0.0, y = 0.0
        if p < na && Int(ai[p]) == c { x = Double(av[p]); p += 1 }
        if q < nb && Int(bi[q]) == c { y = Double(bv[q]); q += 1 }
        let u = x - mx, v = y - my
        xy += u * v; xx += u * u; yy += v * v
      }
      if xx == 0 && yy == 0 { return 0 }
      if xx == 0 || yy == 0 { return 1 }
      return max(0, 1 - xy / (xx * yy).squareRoot())
    }
  }
}

/// Each sparse row's k nearest rows, exactly, in the order of the dense `knnSelfJoin(.exact)` and
/// `.bruteForce`: by `Metric.distance` on the sparse rows (the dense rows' Double distance, bit for
/// bit), the row itself first among equal distances, then the smaller index.
///
/// Euclidean and cosine (the text metrics) find candidates through an inverted index, as a sparse
/// product X·Xᵀ one row at a time: only the rows sharing a column with row i get a dot product; every
/// other row's reduced distance follows from its norm alone (cosine 1; euclidean ‖xᵢ‖² + ‖xⱼ‖²). The
/// best `k − 1 + max(k, 8)` candidates by that reduced distance are then ranked by the exact distance,
/// as the dense exact search ranks its Gram-matrix candidates. Time: the sum over row i's columns of
/// their posting lists, instead of n merges. Other metrics compare every pair (O(n² · entries per row)).
/// O(n · k) memory besides a transposed copy; parallel over rows; the result does not depend on the
/// thread count.
/// - Parameters:
///   - x: n × d sparse data (finite by construction).
///   - k: neighbours per point including itself, 1 ≤ k ≤ n.
///   - metric: any metric (correlation walks all d columns of each pair).
///   - context: threads, cancellation (per block of rows), progress ("nearest neighbours", rows done).
/// - Returns: `KNNGraph` n × k, the point itself at column 0.
/// - Throws: `AlgorithmError.invalidInput` (no rows or columns, k out of range), `.cancelled`.
public func knnSelfJoin(_ x: SparseMatrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  let n = x.rows
  guard n > 0, x.cols > 0 else { throw AlgorithmError.invalidInput("data is empty (\(x.rows) × \(x.cols))") }
  guard k >= 1, k <= n else { throw AlgorithmError.invalidInput("k = \(k) neighbours needs 1 ≤ k ≤ n = \(n)") }
  try metric.checkRange(of: .sparse(x))
  if metric == .euclidean || metric == .cosine {
    return try invertedIndexKNN(x, k: k, metric: metric, context: context)
  }
  return try allPairsSparseKNN(x, k: k, metric: metric, context: context)
}

/// `knnSelfJoin(SparseMatrix)` by every pair's exact distance (the merge of two rows).
func allPairsSparseKNN(_ x: SparseMatrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  let n = x.rows
  var idx = [Int32](repeating: -1, count: n * k)
  var dist = [Float](repeating: .infinity, count: n * k)
  let token = context.cancellation
  var cancelled = false
  let progress = context.progress
  progress.begin("nearest neighbours", total: n)
  let counter = AtomicCounter()
  try x.indices.withUnsafeBufferPointer { xi in
    try x.values.withUnsafeBufferPointer { xv in
      try idx.withUnsafeMutableBufferPointer { ip in
        try dist.withUnsafeMutableBufferPointer { dp in
          let ib = ip.baseAddress!, db = dp.baseAddress!
          let ptr = x.indptr
          parallelChunks(count: n, chunkSize: 32, threads: context.threads) { _, rows in
            if token.isCancelled { cancelled = true; return }
            var bestD = [Double](repeating: .infinity, count: k), bestJ = [Int](repeating: Int.max, count: k)
            for i in rows {
              for t in 0..<k { bestD[t] = .infinity; bestJ[t] = Int.max }
              let ai = xi.baseAddress! + ptr[i], av = xv.baseAddress! + ptr[i], na = ptr[i + 1] - ptr[i]
              for j in 0..<n {
                let dij = j == i ? 0 : metric.sparseDistance(ai, av, na, xi.baseAddress! + ptr[j], xv.baseAddress! + ptr[j],
                                                             ptr[j + 1] - ptr[j], d: x.cols)
                // before (dij, j) in the order: distance, the row itself first, index
                @inline(__always) func before(_ d: Double, _ a: Int, _ e: Double, _ b: Int) -> Bool {
                  if d != e { return d < e }
                  if (a == i) != (b == i) { return a == i }
                  return a < b
                }
                if !before(dij, j, bestD[k - 1], bestJ[k - 1]) { continue }
                var s = k - 1
                while s > 0 && before(dij, j, bestD[s - 1], bestJ[s - 1]) {
                  bestD[s] = bestD[s - 1]; bestJ[s] = bestJ[s - 1]; s -= 1
                }
                bestD[s] = dij; bestJ[s] = j
              }
              for t in 0..<k {
                ib[i * k + t] = Int32(bestJ[t])
                db[i * k + t] = Float(bestD[t])
              }
            }
            progress.update(counter.add(rows.count))
          }
        }
      }
    }
  }
  progress.end()
  if cancelled { throw AlgorithmError.cancelled }
  return KNNGraph(n: n, k: k, indices: idx, distances: dist)
}

/// The inverted-index search of `knnSelfJoin(SparseMatrix)` for euclidean and cosine.
func invertedIndexKNN(_ x: SparseMatrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  let n = x.rows, d = x.cols
  let cap = min(n, k - 1 + max(k, 8))
  let cosine = metric == .cosine
  let t = x.transposed()  // column c's rows: t.indices[t.indptr[c] ..< t.indptr[c + 1]]
  var sq = [Double](repeating: 0, count: n)
  for i in 0..<n { for e in x.indptr[i]..<x.indptr[i + 1] { sq[i] += Double(x.values[e]) * Double(x.values[e]) } }
  // rows in order of (the reduced distance of a row sharing no column, index): euclidean by norm,
  // cosine by index (every such row is at distance 1, a zero row too)
  let byNorm: [Int32] = cosine ? (0..<n).map { Int32($0) }
    : (0..<n).sorted { sq[$0] != sq[$1] ? sq[$0] < sq[$1] : $0 < $1 }.map { Int32($0) }
  var idx = [Int32](repeating: -1, count: n * k)
  var dist = [Float](repeating: .infinity, count: n * k)
  let token = context.cancellation
  var cancelled = false
  context.progress.begin("nearest neighbours", total: n)
  let counter = AtomicCounter()
  let chunk = max(64, (n + 255) / 256)
  try idx.withUnsafeMutableBufferPointer { ip in
    try dist.withUnsafeMutableBufferPointer { dp in
      let ib = ip.baseAddress!, db = dp.baseAddress!
      try x.indices.withUnsafeBufferPointer { xi in
        try x.values.withUnsafeBufferPointer { xv in
          try t.indices.withUnsafeBufferPointer { ti in
            try t.values.withUnsafeBufferPointer { tv in
              parallelChunks(count: n, chunkSize: chunk, threads: context.threads) { _, rows in
                if token.isCancelled { cancelled = true; return }
                var dot = [Double](repeating: 0, count: n)
                var stamp = [Int32](repeating: -1, count: n)
                var touched = [Int32]()
                var cand = [(rd: Double, j: Int32)]()
                var exactD = [Double](repeating: 0, count: cap), exactI = [Int32](repeating: 0, count: cap)
                for i in rows {
                  touched.removeAll(keepingCapacity: true)
                  for e in x.indptr[i]..<x.indptr[i + 1] {
                    let c = Int(xi[e]), v = Double(xv[e])
                    for f in t.indptr[c]..<t.indptr[c + 1] {
                      let j = Int(ti[f])
                      if stamp[j] != Int32(i) { stamp[j] = Int32(i); dot[j] = 0; touched.append(Int32(j)) }
                      dot[j] += v * Double(tv[f])
                    }
                  }
                  // the reduced distance of a touched row, and of any other (no column shared)
                  @inline(__always) func reduced(_ j: Int, _ p: Double) -> Double {
                    if cosine {
                      if sq[i] == 0 || sq[j] == 0 { return sq[i] == 0 && sq[j] == 0 ? 0 : 1 }
                      return max(0, 1 - p / (sq[i] * sq[j]).squareRoot())
                    }
                    return max(0, sq[i] + sq[j] - 2 * p)
                  }
                  cand.removeAll(keepingCapacity: true)
                  for j in touched { cand.append((reduced(Int(j), dot[Int(j)]), j)) }
                  // the best rows sharing no column: the first `cap` of `byNorm` not touched (the row
                  // itself included: an empty row shares no column with itself)
                  var added = 0
                  for j in byNorm {
                    if added == cap { break }
                    if stamp[Int(j)] == Int32(i) { continue }
                    cand.append((reduced(Int(j), 0), j))
                    added += 1
                  }
                  if stamp[i] != Int32(i) && !cand.contains(where: { $0.j == Int32(i) }) { cand.append((0, Int32(i))) }
                  // the best `cap` by reduced distance (the row itself first), then exact distances
                  cand.sort { a, b in
                    let sa = a.j == Int32(i), sb = b.j == Int32(i)
                    if sa != sb { return sa }
                    return a.rd != b.rd ? a.rd < b.rd : a.j < b.j
                  }
                  let m = min(cap, cand.count)
                  let ai = xi.baseAddress! + x.indptr[i], av = xv.baseAddress! + x.indptr[i], na = x.indptr[i + 1] - x.indptr[i]
                  for q in 0..<m {
                    let j = Int(cand[q].j)
                    exactI[q] = Int32(j)
                    exactD[q] = j == i ? 0 : metric.sparseDistance(ai, av, na, xi.baseAddress! + x.indptr[j], xv.baseAddress! + x.indptr[j],
                                                                   x.indptr[j + 1] - x.indptr[j], d: d)
                  }
                  exactD.withUnsafeMutableBufferPointer { edp in
                    exactI.withUnsafeMutableBufferPointer { eip in
                      sortRow(edp.baseAddress!, eip.baseAddress!, m, selfIndex: Int32(i))
                    }
                  }
                  for q in 0..<min(k, m) {
                    ib[i * k + q] = exactI[q]
                    db[i * k + q] = Float(exactD[q])
                  }
                }
                context.progress.update(counter.add(rows.count))
              }
            }
          }
        }
      }
    }
  }
  context.progress.end()
  if cancelled { throw AlgorithmError.cancelled }
  return KNNGraph(n: n, k: k, indices: idx, distances: dist)
}
