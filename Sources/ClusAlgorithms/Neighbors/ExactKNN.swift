// Exact k nearest neighbours by blocked brute force, for both joins of the neighbours API
// (`knnSelfJoin` with `.exact`, `knnCrossJoin`): scikit-learn's `pairwise_distances` followed by
// a per-row selection, as umap-learn's small-data path in `nearest_neighbors`.

/// Exact k nearest neighbours of every row of `x` (n × d), the point itself included at column 0.
///
/// Blocked brute force (`exactJoin`): candidates ranked by a reduced distance, the best
/// `k − 1 + max(k, 8)` other points of each row re-ranked with the exact `Metric.distance`
/// (Double), so distances match `bruteForceKNN` (self distance exactly 0, no NaN) and ties are
/// broken by the smaller index, the point itself first.
/// Parallel over row blocks (`context.threads`); the result does not depend on the thread count.
/// - Parameters:
///   - x: data, n × d, finite.
///   - k: neighbours per point including the point itself (umap-learn `n_neighbors`), 1 ≤ k ≤ n.
///   - metric: distance.
///   - context: threads, cancellation.
/// - Returns: `KNNGraph` n × k, rows ascending.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (k out of range), `.cancelled`.
func exactKNN(_ x: Matrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  try validateKNNInput(x, k: k)
  return try exactJoin(queries: nil, reference: x, k: k, metric: metric, context: context)
}

/// The k nearest rows of `reference` (n × d) for every row of `queries` (m × d): an m × k graph
/// of indices into `reference` and distances, ascending, ties by the smaller index.
///
/// Blocked brute force (`exactJoin`): the best k + 8 candidates by reduced distance, re-ranked
/// with the exact `Metric.distance` (Double). Parallel over query blocks; the result does not
/// depend on the thread count.
/// - Throws: `AlgorithmError.cancelled`. The caller has checked the data (finite, same columns)
///   and 1 ≤ k ≤ n.
func exactCrossKNN(_ queries: Matrix, reference: Matrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  try exactJoin(queries: queries, reference: reference, k: k, metric: metric, context: context)
}

/// Blocked brute force for the self-join (`queries` nil: every row of `reference` against the
/// others, itself prepended at distance 0) and the cross-join:
/// - euclidean: ‖x‖² + ‖y‖² − 2x·y with `Gemm` on blocks of 256 query rows × 2048 reference rows
///   (never m × n), a bounded max-heap per row; cosine/correlation: 1 − u·v the same way on
///   unit (centred) rows (`PreparedData`, `GramData`); coordinates large enough to overflow
///   Float32 squares use the kernels instead;
/// - other metrics: SIMD kernels on contiguous rows (`SearchSpace`).
/// Each row's best `cap` candidates are then re-ranked with `Metric.distance` (Double) by
/// `sortRow`: ascending distance, the point itself first (self-join), then by index.
private func exactJoin(queries: Matrix?, reference x: Matrix, k: Int, metric: Metric, context: RunContext) throws -> KNNGraph {
  let selfJoin = queries == nil
  let q = queries ?? x
  let n = x.rows, m = q.rows, d = x.cols
  var outIdx = [Int32](repeating: -1, count: m * k)
  var outDist = [Float](repeating: .infinity, count: m * k)
  // candidates kept for the exact re-ranking (other points only, in a self-join)
  let cap = selfJoin ? min(n - 1, (k - 1) + max(k, 8)) : min(n, k + 8)
  let first = selfJoin ? 1 : 0  // output columns before the candidates (the point itself)
  let token = context.cancellation
  let blockRows = 256, tile = 2048
  // progress by row blocks (a large k, or many queries, can take minutes)
  context.progress.begin("nearest neighbours (exact)", total: m)
  defer { context.progress.end() }
  let doneRows = AtomicCounter()

  x.data.withUnsafeBufferPointer { xbp in
    q.data.withUnsafeBufferPointer { qbp in
      outIdx.withUnsafeMutableBufferPointer { oip in
        outDist.withUnsafeMutableBufferPointer { odp in
          let xb = xbp.baseAddress!, qb = qbp.baseAddress!, oi = oip.baseAddress!, od = odp.baseAddress!
          // euclidean rows far from the origin are ranked centred on the reference's means (the
          // queries on the same centre: a property of the reference, never of the batch)
          let centre = metric == .euclidean ? farCentre(xb, n: n, d: d, threads: context.threads) : nil
          let prep = PreparedData(xb, n: n, d: d, metric: metric, centre: centre)
          let prepQ = selfJoin ? prep : PreparedData(qb, n: m, d: d, metric: metric, centre: centre)
          let sp = prep.space(xb), spQ = prepQ.space(qb)
          // Gram path: euclidean (‖x‖² + ‖y‖² − 2x·y on the rows) and angular (1 − u·v on unit rows).
          // Decided on the reference rows, and for each query row on that row alone (a row whose
          // squares could overflow is ranked by the kernels): one row never changes another's.
          let angular = sp.kind == .angular
          let useGram = angular || (metric == .euclidean && gramSafe(maxAbs(sp.base, n * d), d: d))
          let euclid = useGram && !angular
          let gram = useGram ? GramData(sp, n: n, threads: context.threads) : nil
          let gramQ = useGram ? (selfJoin ? gram : GramData(spQ, n: m, threads: context.threads)) : nil
          parallelChunks(count: m, chunkSize: blockRows, threads: context.threads) { _, rows in
            if token.isCancelled { return }
            let nb = rows.count
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: max(1, nb * cap))
            let ids = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, nb * cap))
            var counts = [Int](repeating: 0, count: nb)
            defer { keys.deallocate(); ids.deallocate() }
            if cap > 0 {
              // query rows ranked by the kernels: all (no Gram), or those the Gram would overflow
              var kernelRows = [Int]()
              if let g = gram, let gq = gramQ {
                if euclid {
                  for r in 0..<nb where !gramSafe(maxAbs(spQ.base + (rows.lowerBound + r) * d, d), d: d) { kernelRows.append(r) }
                }
                let nrm = g.norms, nrmQ = gq.norms
                let exactBelow = gramExactBelow(d)
                let tw = min(tile, n)
                let block = UnsafeMutablePointer<Float>.allocate(capacity: nb * tw)
                defer { block.deallocate() }
                var j0 = 0
                while j0 < n {
                  let w = min(tw, n - j0)
                  Gemm.sgemmNT(
                    m: nb, n: w, k: d, a: gq.base + rows.lowerBound * d, lda: d, b: g.base + j0 * d, ldb: d,
                    c: block, ldc: w)
                  for r in 0..<nb {
                    let i = rows.lowerBound + r
                    let ni = nrmQ[i]
                    let gr = block + r * w
                    let hk = keys + r * cap, hi = ids + r * cap
                    var cnt = counts[r]
                    var t = 0
                    @inline(__always) func offer(_ t: Int) {
                      let j = j0 + t
                      if selfJoin && j == i { return }
                      var v: Float
                      if euclid {
                        v = ni + nrm[j] - 2 * gr[t]
                        if v < exactBelow * (ni + nrm[j]) { v = squaredEuclidean(spQ.base + i * d, sp.base + j * d, d) }
                      } else {
                        let zj = nrm[j]
                        v = ni + zj == 0 ? 1 - gr[t] : (ni * zj != 0 ? 0 : 1)
                      }
                      boundedHeapPush(hk, hi, &cnt, cap, v, Int32(j))
                    }
                    while t < w && (!euclid || cnt < cap) {
                      offer(t)
                      t += 1
                    }
                    if euclid {
                      // the heap is full: eight distances at a time, offered only when one of them is
                      // not above its top (NaN too, as the one-at-a-time check lets it through); the
                      // others would leave the heap unchanged, and the order is the same, so the
                      // neighbours are the same bits as when every distance is offered
                      let ni8 = SIMD8<Float>(repeating: ni)
                      while t + 8 <= w {
                        let j = j0 + t
                        let g8 = UnsafeRawPointer(gr + t).loadUnaligned(as: SIMD8<Float>.self)
                        let n8 = UnsafeRawPointer(nrm + j).loadUnaligned(as: SIMD8<Float>.self)
                        var v8 = (ni8 + n8) - 2 * g8
                        // distances that cancellation may dominate, from the differences
                        let inexact = v8 .< SIMD8<Float>(repeating: exactBelow) * (ni8 + n8)
                        if any(inexact) {
                          for u in 0..<8 where inexact[u] { v8[u] = squaredEuclidean(spQ.base + i * d, sp.base + (j + u) * d, d) }
                        }
                        if any(.!(v8 .> SIMD8<Float>(repeating: hk[0]))) || (selfJoin && i >= j && i < j + 8) {
                          for u in 0..<8 where !(selfJoin && j + u == i) {
                            heapReplaceTop(hk, hi, cap, v8[u], Int32(j + u))
                          }
                        }
                        t += 8
                      }
                    }
                    while t < w {
                      offer(t)
                      t += 1
                    }
                    counts[r] = cnt
                  }
                  j0 += w
                }
              } else {
                kernelRows = Array(0..<nb)
              }
              for r in kernelRows {
                do {
                  let i = rows.lowerBound + r
                  let a = spQ.base + i * d, za = spQ.zero?[i] ?? 0
                  let hk = keys + r * cap, hi = ids + r * cap
                  var cnt = 0
                  for j in 0..<n where !(selfJoin && j == i) {
                    boundedHeapPush(hk, hi, &cnt, cap, sp.rd(a, za, sp.base + j * d, sp.zero?[j] ?? 0), Int32(j))
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
              if selfJoin { cd[0] = 0; ci[0] = Int32(i) }
              for t in 0..<cnt {
                let j = Int(ids[r * cap + t])
                ci[first + t] = Int32(j)
                cd[first + t] = metric.distance(qb + i * d, xb + j * d, d)
              }
              sortRow(cd, ci, first + cnt, selfIndex: selfJoin ? Int32(i) : Int32.min)
              for t in 0..<min(k, first + cnt) {
                oi[i * k + t] = ci[t]
                od[i * k + t] = Float(cd[t])
              }
            }
            context.progress.update(doneRows.add(nb))
          }
        }
      }
    }
  }
  try token.check()
  return KNNGraph(n: m, k: k, indices: outIdx, distances: outDist)
}

/// Whether squared norms and Gram products of rows of `d` coordinates up to `maxAbs` in magnitude
/// stay far from Float32 overflow (coordinates up to about 10¹⁸): otherwise the euclidean search
/// ranks by the kernels.
private func gramSafe(_ maxAbs: Float, d: Int) -> Bool {
  Double(maxAbs) * Double(maxAbs) * Double(d) < Double(Float.greatestFiniteMagnitude) / 16
}

/// The largest magnitude among `count` Floats at `p`.
private func maxAbs(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
  var m: Float = 0
  for t in 0..<count { m = max(m, abs(p[t])) }
  return m
}
