/// Pushes (v, j) into the bounded max-heap `keys`/`ids` holding `count` of at most `cap` entries.
/// Order is (value, index): among equal values the larger index is "worse" and leaves first.
@inline(__always)
func boundedHeapPush(
  _ keys: UnsafeMutablePointer<Float>, _ ids: UnsafeMutablePointer<Int32>, _ count: inout Int, _ cap: Int,
  _ v: Float, _ j: Int32
) {
  if count < cap {
    // sift up
    var c = count
    count += 1
    while c > 0 {
      let p = (c - 1) >> 1
      if keys[p] > v || (keys[p] == v && ids[p] > j) { break }
      keys[c] = keys[p]; ids[c] = ids[p]
      c = p
    }
    keys[c] = v; ids[c] = j
    return
  }
  if v > keys[0] || (v == keys[0] && j >= ids[0]) { return }
  // replace root, sift down
  var c = 0
  while true {
    let l = 2 * c + 1
    if l >= cap { break }
    var w = l
    let r = l + 1
    if r < cap && (keys[r] > keys[l] || (keys[r] == keys[l] && ids[r] > ids[l])) { w = r }
    if keys[w] < v || (keys[w] == v && ids[w] < j) { break }
    keys[c] = keys[w]; ids[c] = ids[w]
    c = w
  }
  keys[c] = v; ids[c] = j
}

/// Exact k nearest neighbours of every row of `x` (n × d), the point itself included at column 0.
///
/// Blocked brute force as scikit-learn's `pairwise_distances` followed by a per-row selection
/// (umap-learn's small-data path in `nearest_neighbors`, used when n < 4096):
/// - euclidean: ‖x‖² + ‖y‖² − 2x·y with `Gemm` on blocks of 256 rows × 2048 columns
///   (never n × n), a bounded max-heap per row; cosine/correlation: 1 − u·v the same way on
///   unit (centred) rows;
/// - other metrics: SIMD kernels on contiguous rows.
/// The best `k − 1 + max(k, 8)` candidates of each row are then re-ranked with the exact
/// `Metric.distance` (Double), so distances match `bruteForceKNN` (self distance exactly 0, no NaN)
/// and ties are broken by the smaller index, the point itself first.
/// Parallel over row blocks (`context.threads`); the result does not depend on the thread count.
/// - Parameters:
///   - x: data, n × d, finite.
///   - k: neighbours per point including the point itself (umap-learn `n_neighbors`), 1 ≤ k ≤ n.
///   - metric: distance.
///   - context: threads, cancellation.
/// - Returns: `KNNGraph` n × k, rows ascending.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (k out of range), `.cancelled`.
public func exactKNN(_ x: Matrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  try validateKNNInput(x, k: k)
  let n = x.rows, d = x.cols
  var outIdx = [Int32](repeating: -1, count: n * k)
  var outDist = [Float](repeating: .infinity, count: n * k)
  let cap = min(n - 1, (k - 1) + max(k, 8))  // other points kept for the exact re-ranking
  let token = context.cancellation
  let blockRows = 256, tile = 2048

  x.data.withUnsafeBufferPointer { xbp in
    outIdx.withUnsafeMutableBufferPointer { oip in
      outDist.withUnsafeMutableBufferPointer { odp in
        let xb = xbp.baseAddress!, oi = oip.baseAddress!, od = odp.baseAddress!
        let prep = PreparedData(xb, n: n, d: d, metric: metric)
        let sp = prep.space(xb)
        // Gram path: euclidean (‖x‖² + ‖y‖² − 2x·y on the rows) and angular (1 − u·v on unit rows)
        let euclid = metric == .euclidean
        let angular = sp.kind == .angular
        let useGram = euclid || angular
        let gb = sp.base  // the raw rows for euclidean, the unit rows for angular
        var norms = [Float](repeating: 0, count: useGram ? n : 0)
        if euclid { for i in 0..<n { norms[i] = dotProduct(xb + i * d, xb + i * d, d) } }
        if angular { for i in 0..<n { norms[i] = sp.zero![i] != 0 ? 1 : 0 } }
        norms.withUnsafeBufferPointer { nbp in
          let nrm = nbp.baseAddress
          parallelChunks(count: n, chunkSize: blockRows, threads: context.threads) { _, rows in
            if token.isCancelled { return }
            let nb = rows.count
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: max(1, nb * cap))
            let ids = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, nb * cap))
            var counts = [Int](repeating: 0, count: nb)
            defer { keys.deallocate(); ids.deallocate() }
            if cap > 0 {
              if useGram {
                let tw = min(tile, n)
                let g = UnsafeMutablePointer<Float>.allocate(capacity: nb * tw)
                defer { g.deallocate() }
                var j0 = 0
                while j0 < n {
                  let w = min(tw, n - j0)
                  Gemm.sgemmNT(
                    m: nb, n: w, k: d, a: gb + rows.lowerBound * d, lda: d, b: gb + j0 * d, ldb: d,
                    c: g, ldc: w)
                  for r in 0..<nb {
                    let i = rows.lowerBound + r
                    let ni = nrm![i]
                    let gr = g + r * w
                    let hk = keys + r * cap, hi = ids + r * cap
                    var cnt = counts[r]
                    for t in 0..<w {
                      let j = j0 + t
                      if j == i { continue }
                      let v: Float
                      if angular {
                        let zj = nrm![j]
                        v = ni + zj == 0 ? 1 - gr[t] : (ni * zj != 0 ? 0 : 1)
                      } else {
                        v = ni + nrm![j] - 2 * gr[t]
                      }
                      boundedHeapPush(hk, hi, &cnt, cap, v, Int32(j))
                    }
                    counts[r] = cnt
                  }
                  j0 += w
                }
              } else {
                for r in 0..<nb {
                  let i = rows.lowerBound + r
                  let hk = keys + r * cap, hi = ids + r * cap
                  var cnt = 0
                  for j in 0..<n where j != i {
                    boundedHeapPush(hk, hi, &cnt, cap, sp.rd(i, j), Int32(j))
                  }
                  counts[r] = cnt
                }
              }
            }
            // exact re-ranking with the reference distance
            let cd = UnsafeMutablePointer<Double>.allocate(capacity: cap + 1)
            let ci = UnsafeMutablePointer<Int32>.allocate(capacity: cap + 1)
            defer { cd.deallocate(); ci.deallocate() }
            for r in 0..<nb {
              let i = rows.lowerBound + r
              let cnt = counts[r]
              cd[0] = 0; ci[0] = Int32(i)
              for t in 0..<cnt {
                let j = Int(ids[r * cap + t])
                ci[t + 1] = Int32(j)
                cd[t + 1] = metric.distance(xb + i * d, xb + j * d, d)
              }
              sortRow(cd, ci, cnt + 1, selfIndex: Int32(i))
              for t in 0..<min(k, cnt + 1) {
                oi[i * k + t] = ci[t]
                od[i * k + t] = Float(cd[t])
              }
            }
          }
        }
      }
    }
  }
  try token.check()
  return KNNGraph(n: n, k: k, indices: outIdx, distances: outDist)
}
