#if canImport(Glibc)
import Glibc
#endif

/// A sparse symmetric weighted graph on `n` vertices in compressed sparse row form: the
/// neighbours of vertex `i` are `columns[rowStart[i]..<rowStart[i+1]]` (ascending) with weights
/// `weights[...]`. Both directions of every edge are stored (as umap-learn's COO `graph_`).
public struct FuzzyGraph: Sendable, Equatable {
  /// Number of vertices.
  public var n: Int
  /// `n + 1` offsets into `columns` / `weights`.
  public var rowStart: [Int]
  /// Column (neighbour) index of every stored entry, ascending within a row.
  public var columns: [Int32]
  /// Membership strength of every stored entry, in (0, 1].
  public var weights: [Float]

  /// Number of stored entries (twice the number of undirected edges).
  public var nnz: Int { columns.count }

  /// The weight of entry (i, j), or 0 if it is not stored (binary search; for tests and tools).
  public func weight(_ i: Int, _ j: Int) -> Float {
    var lo = rowStart[i], hi = rowStart[i + 1]
    while lo < hi {
      let mid = (lo + hi) / 2
      let c = Int(columns[mid])
      if c == j { return weights[mid] }
      if c < j { lo = mid + 1 } else { hi = mid }
    }
    return 0
  }

  /// The graph keeping only the entries with weight ≥ `threshold` (umap-learn's pruning
  /// `graph.data[graph.data < max / n_epochs] = 0; eliminate_zeros()`).
  public func pruned(below threshold: Float) -> FuzzyGraph {
    var rs = [Int](repeating: 0, count: n + 1)
    var cols = [Int32](), ws = [Float]()
    cols.reserveCapacity(nnz); ws.reserveCapacity(nnz)
    for i in 0..<n {
      for e in rowStart[i]..<rowStart[i + 1] where weights[e] >= threshold && weights[e] > 0 {
        cols.append(columns[e]); ws.append(weights[e])
      }
      rs[i + 1] = cols.count
    }
    return FuzzyGraph(n: n, rowStart: rs, columns: cols, weights: ws)
  }
}

private let smoothKTolerance = 1e-5
private let minKDistScale = 1e-3

/// For every row of a kNN distance table, the bandwidth σᵢ and offset ρᵢ such that
/// Σ_{j≥1} exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ) = log2(k)·bandwidth (umap-learn `smooth_knn_dist`).
///
/// ρᵢ is the `localConnectivity`-th smallest non-zero distance (interpolated for fractional
/// values; the largest non-zero distance if there are fewer; 0 if all are zero). σᵢ comes from a
/// bisection of at most `nIter` steps (tolerance 1e-5, starting at 1 and doubling while
/// unbounded), floored at 1e-3 × the mean distance of the row (if ρᵢ > 0, or always with
/// `rowFloor`) or of the whole table. Column 0 (the point itself) is skipped in the sum.
/// Non-finite distances (missing neighbours) contribute 0 to the sum and are left out of the means.
/// - Parameters:
///   - distances: `rows × cols` distances, row-major, ascending per row.
///   - k: the target neighbour count (umap-learn passes `n_neighbors`).
///   - rowFloor: floor every σᵢ by its own row's mean distance, so that a row's σ and ρ depend on
///     that row only (`umapTransform`'s batch independence; umap-learn floors by the table's mean
///     when ρᵢ = 0, which equals the row's own for a table of one row).
/// - Returns: σ and ρ, `rows` values each.
public func smoothKNNDist(
  _ distances: [Float], rows: Int, cols: Int, k: Double, nIter: Int = 64,
  localConnectivity: Double = 1.0, bandwidth: Double = 1.0, rowFloor: Bool = false, threads: Int = 1
) -> (sigma: [Double], rho: [Double]) {
  precondition(distances.count == rows * cols)
  let target = Elementary.log2(k) * bandwidth
  var total = 0.0, count = 0
  if !rowFloor { for v in distances where v.isFinite { total += Double(v); count += 1 } }
  let meanAll = count > 0 ? total / Double(count) : 0
  var sigma = [Double](repeating: 0, count: rows), rho = [Double](repeating: 0, count: rows)
  distances.withUnsafeBufferPointer { dp in
    sigma.withUnsafeMutableBufferPointer { sp in
      rho.withUnsafeMutableBufferPointer { rp in
        let d = dp.baseAddress!, sg = sp.baseAddress!, rh = rp.baseAddress!
        parallelChunks(count: rows, chunkSize: 1024, threads: threads) { _, range in
          for i in range {
            let row = d + i * cols
            // ρ from the non-zero distances (ascending)
            var nonZero = 0
            for j in 0..<cols where row[j] > 0 && row[j].isFinite { nonZero += 1 }
            func nz(_ t: Int) -> Double {  // t-th non-zero finite distance
              var c = 0
              for j in 0..<cols where row[j] > 0 && row[j].isFinite {
                if c == t { return Double(row[j]) }
                c += 1
              }
              return 0
            }
            var r = 0.0
            if nonZero > 0 && Double(nonZero) >= localConnectivity {
              let index = Int(localConnectivity.rounded(.down))
              let interpolation = localConnectivity - Double(index)
              if index > 0 {
                r = nz(index - 1)
                if interpolation > smoothKTolerance && index < nonZero {
                  r += interpolation * (nz(index) - nz(index - 1))
                }
              } else {
                r = interpolation * nz(0)
              }
            } else if nonZero > 0 {
              r = nz(nonZero - 1)
            }
            r = Double(Float(r))  // umap-learn keeps ρ in float32
            rh[i] = r
            var lo = 0.0, hi = Double.greatestFiniteMagnitude, mid = 1.0
            for _ in 0..<nIter {
              var psum = 0.0
              for j in 1..<max(cols, 1) {
                let dj = Double(row[j]) - r
                if dj > 0 { psum += Elementary.exp(-(dj / mid)) } else if row[j].isFinite { psum += 1 }
              }
              if abs(psum - target) < smoothKTolerance { break }
              if psum > target {
                hi = mid; mid = (lo + hi) / 2
              } else {
                lo = mid
                if hi >= Double.greatestFiniteMagnitude { mid *= 2 } else { mid = (lo + hi) / 2 }
              }
            }
            var s = mid
            if r > 0 || rowFloor {
              var rs = 0.0, rc = 0
              for j in 0..<cols where row[j].isFinite { rs += Double(row[j]); rc += 1 }
              let meanRow = rc > 0 ? rs / Double(rc) : 0
              if s < minKDistScale * meanRow { s = minKDistScale * meanRow }
            } else if s < minKDistScale * meanAll {
              s = minKDistScale * meanAll
            }
            sg[i] = Double(Float(s))
          }
        }
      }
    }
  }
  return (sigma, rho)
}

/// The fuzzy simplicial set of a kNN graph (umap-learn `fuzzy_simplicial_set` with precomputed
/// neighbours): memberships aᵢⱼ = exp(−(dᵢⱼ − ρᵢ)/σᵢ) (1 if dᵢⱼ ≤ ρᵢ or σᵢ = 0, 0 for the point
/// itself; `compute_membership_strengths`), then the symmetric combination
/// r·(A + Aᵀ − A∘Aᵀ) + (1 − r)·A∘Aᵀ with r = `setOpMixRatio`; zero entries are dropped.
/// - Parameters:
///   - knn: neighbours with the point itself at column 0; only the first `nNeighbors` columns are
///     used (all if nil). Index −1 (missing neighbour) is skipped.
/// - Returns: the graph (weights computed in Double, stored as Float), σ and ρ.
public func fuzzySimplicialSet(
  knn: KNNGraph, nNeighbors: Int? = nil, setOpMixRatio: Double = 1.0,
  localConnectivity: Double = 1.0, threads: Int = 1
) -> (graph: FuzzyGraph, sigma: [Double], rho: [Double]) {
  let n = knn.n
  let kk = min(knn.k, nNeighbors ?? knn.k)
  // the first kk columns (the kNN graph's own arrays when it has exactly kk)
  var dists = knn.distances, idx = knn.indices
  if kk != knn.k {
    dists = [Float](repeating: 0, count: n * kk)
    idx = [Int32](repeating: 0, count: n * kk)
    for i in 0..<n {
      for j in 0..<kk {
        dists[i * kk + j] = knn.distances[i * knn.k + j]
        idx[i * kk + j] = knn.indices[i * knn.k + j]
      }
    }
  }
  let (sigma, rho) = smoothKNNDist(
    dists, rows: n, cols: kk, k: Double(kk), localConnectivity: localConnectivity, threads: threads)
  // A as CSR (rows sorted by column, duplicates summed, zeros dropped)
  var aStart = [Int](repeating: 0, count: n + 1)
  var aCol = [Int32](), aVal = [Float]()  // float32 memberships, as umap-learn stores them
  aCol.reserveCapacity(n * kk); aVal.reserveCapacity(n * kk)
  var rowBuf = [(Int32, Double)]()
  for i in 0..<n {
    rowBuf.removeAll(keepingCapacity: true)
    for t in 0..<kk {
      let j = idx[i * kk + t]
      if j < 0 || Int(j) >= n { continue }
      let dv = Double(dists[i * kk + t])
      var v: Double
      if Int(j) == i { v = 0 } else if dv - rho[i] <= 0 || sigma[i] == 0 { v = 1 } else { v = Elementary.exp(-((dv - rho[i]) / sigma[i])) }
      v = Double(Float(v))  // umap-learn stores memberships as float32
      if v > 0 { rowBuf.append((j, v)) }
    }
    rowBuf.sort { $0.0 < $1.0 }
    var t = 0
    while t < rowBuf.count {
      var v = rowBuf[t].1
      var u = t + 1
      while u < rowBuf.count && rowBuf[u].0 == rowBuf[t].0 { v += rowBuf[u].1; u += 1 }
      aCol.append(rowBuf[t].0); aVal.append(Float(v))
      t = u
    }
    aStart[i + 1] = aCol.count
  }
  // Aᵀ as CSR (counting sort keeps columns ascending)
  var tStart = [Int](repeating: 0, count: n + 1)
  for c in aCol { tStart[Int(c) + 1] += 1 }
  for i in 0..<n { tStart[i + 1] += tStart[i] }
  var tCol = [Int32](repeating: 0, count: aCol.count), tVal = [Float](repeating: 0, count: aCol.count)
  var fill = tStart
  for i in 0..<n {
    for e in aStart[i]..<aStart[i + 1] {
      let c = Int(aCol[e])
      tCol[fill[c]] = Int32(i); tVal[fill[c]] = aVal[e]; fill[c] += 1
    }
  }
  // merge rows of A and Aᵀ
  let r = setOpMixRatio
  var gStart = [Int](repeating: 0, count: n + 1)
  var gCol = [Int32](), gVal = [Float]()
  gCol.reserveCapacity(2 * aCol.count); gVal.reserveCapacity(2 * aCol.count)
  for i in 0..<n {
    var p = aStart[i], q = tStart[i]
    let pe = aStart[i + 1], qe = tStart[i + 1]
    while p < pe || q < qe {
      let cp = p < pe ? aCol[p] : Int32.max, cq = q < qe ? tCol[q] : Int32.max
      var x = 0.0, y = 0.0
      let c: Int32
      if cp == cq { x = Double(aVal[p]); y = Double(tVal[q]); c = cp; p += 1; q += 1 } else if cp < cq { x = Double(aVal[p]); c = cp; p += 1 } else { y = Double(tVal[q]); c = cq; q += 1 }
      let prod = x * y
      let v = r * (x + y - prod) + (1 - r) * prod
      let f = Float(v)
      if f > 0 { gCol.append(c); gVal.append(f) }
    }
    gStart[i + 1] = gCol.count
  }
  return (FuzzyGraph(n: n, rowStart: gStart, columns: gCol, weights: gVal), sigma, rho)
}
