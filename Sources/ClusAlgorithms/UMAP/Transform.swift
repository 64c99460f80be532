#if canImport(Glibc)
import Glibc
#endif

/// The k nearest rows of `data` (n × d) for every row of `queries` (m × d): m × k indices into
/// `data` and distances, ascending, ties by the smaller index.
///
/// Euclidean, cosine and correlation rank candidates by a Gram product (`Gemm` on blocks of
/// 256 queries × 2048 data rows, never m × n), keep the best k + 8 and re-rank them with the exact
/// `Metric.distance` (Double); other metrics (and cosine/correlation with an all-zero row, and
/// euclidean coordinates large enough to overflow Float32 squares) compute every distance exactly. Parallel over query blocks; the result does not depend on the
/// thread count.
/// - Throws: `AlgorithmError.cancelled`.
func queryKNN(_ queries: Matrix, data: Matrix, k: Int, metric: Metric, context: RunContext) throws -> (indices: [Int32], distances: [Float]) {
  let m = queries.rows, n = data.rows, d = data.cols
  let cap = min(n, k + 8)
  var outI = [Int32](repeating: -1, count: m * k)
  var outD = [Float](repeating: .infinity, count: m * k)
  // rows for the Gram product: raw (euclidean) or unit, centred for correlation (nil: direct path)
  func unitRows(_ x: Matrix) -> [Float]? {
    var u = x.data
    for i in 0..<x.rows {
      var mean: Float = 0
      if metric == .correlation {
        for j in 0..<d { mean += u[i * d + j] }
        mean /= Float(d)
      }
      var s: Double = 0
      for j in 0..<d { u[i * d + j] -= mean; s += Double(u[i * d + j]) * Double(u[i * d + j]) }
      if s == 0 { return nil }
      let inv = Float(1 / s.squareRoot())
      for j in 0..<d { u[i * d + j] *= inv }
    }
    return u
  }
  var gq: [Float]? = nil, gd: [Float]? = nil
  // Float32 Gram products overflow for coordinates beyond about 1e18: those use the direct path
  let maxAbs = max(queries.data.lazy.map { abs($0) }.max() ?? 0, data.data.lazy.map { abs($0) }.max() ?? 0)
  let gramSafe = Double(maxAbs) * Double(maxAbs) * Double(d) < Double(Float.greatestFiniteMagnitude) / 16
  switch metric {
  case .euclidean where gramSafe: gq = queries.data; gd = data.data
  case .cosine, .correlation:
    if let a = unitRows(queries), let b = unitRows(data) { gq = a; gd = b }
  default: break
  }
  let token = context.cancellation
  let blockRows = 256, tile = 2048
  queries.data.withUnsafeBufferPointer { qp in
  data.data.withUnsafeBufferPointer { dp in
  outI.withUnsafeMutableBufferPointer { oip in
  outD.withUnsafeMutableBufferPointer { odp in
    let Q = qp.baseAddress!, D = dp.baseAddress!, OI = oip.baseAddress!, OD = odp.baseAddress!
    parallelChunks(count: m, chunkSize: blockRows, threads: context.threads) { _, rows in
      if token.isCancelled { return }
      let nb = rows.count
      var cand = [Int32](repeating: 0, count: nb * cap)
      var candCount = [Int](repeating: 0, count: nb)
      if let gq = gq, let gd = gd {
        var keys = [Float](repeating: 0, count: nb * cap)
        var norms = [Float](repeating: 0, count: n)
        if metric == .euclidean { for j in 0..<n { var s: Float = 0; for t in 0..<d { s += gd[j * d + t] * gd[j * d + t] }; norms[j] = s } }
        var g = [Float](repeating: 0, count: nb * min(tile, n))
        gq.withUnsafeBufferPointer { gqp in
        gd.withUnsafeBufferPointer { gdp in
        keys.withUnsafeMutableBufferPointer { kp in
        cand.withUnsafeMutableBufferPointer { cp in
        g.withUnsafeMutableBufferPointer { gp in
          var j0 = 0
          while j0 < n {
            let w = min(tile, n - j0)
            Gemm.sgemmNT(m: nb, n: w, k: d, a: gqp.baseAddress! + rows.lowerBound * d, lda: d,
                         b: gdp.baseAddress! + j0 * d, ldb: d, c: gp.baseAddress!, ldc: w)
            for r in 0..<nb {
              var cnt = candCount[r]
              let row = gp.baseAddress! + r * w
              for t in 0..<w {
                let v = metric == .euclidean ? norms[j0 + t] - 2 * row[t] : 1 - row[t]
                boundedHeapPush(kp.baseAddress! + r * cap, cp.baseAddress! + r * cap, &cnt, cap, v, Int32(j0 + t))
              }
              candCount[r] = cnt
            }
            j0 += w
          }
        }}}}}
      }
      var pairs = [(Double, Int32)]()
      for r in 0..<nb {
        let i = rows.lowerBound + r
        let a = Q + i * d
        pairs.removeAll(keepingCapacity: true)
        if gq != nil {
          for t in 0..<candCount[r] {
            let j = Int(cand[r * cap + t])
            pairs.append((metric.distance(a, D + j * d, d), Int32(j)))
          }
        } else {
          for j in 0..<n { pairs.append((metric.distance(a, D + j * d, d), Int32(j))) }
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for t in 0..<min(k, pairs.count) { OI[i * k + t] = pairs[t].1; OD[i * k + t] = Float(pairs[t].0) }
      }
    }
  }}}}
  try token.check()
  return (outI, outD)
}

/// Embeds new points into an existing UMAP embedding, as umap-learn 0.5.12 `UMAP.transform`:
/// 1. the `n_neighbors` nearest training points of each new point (exact, `queryKNN`; umap-learn
///    searches approximately), cut at the disconnection distance;
/// 2. `smooth_knn_dist` with local_connectivity − 1 (at least 0) and memberships of the
///    bipartite graph new → training (not symmetrised);
/// 3. each new point starts at the membership-weighted mean of its neighbours' embedding
///    coordinates, or at the coordinates of a training point it coincides with
///    (`init_graph_transform`);
/// 4. edges below max/n_epochs are pruned, and n_epochs (100 for ≤ 10,000 new points, else 30;
///    or the fitted n_epochs / 3) of the SGD move the new points only, against the fixed
///    training embedding (attraction along the edges, negative samples among the training
///    points), from learning_rate / 4 decayed linearly.
/// New points do not interact, so each runs on its own random stream derived from
/// (`transformSeed`, its starting coordinates): the result is identical for any thread count, and
/// identical new rows get identical coordinates (as in umap-learn).
/// - Parameters:
///   - newData: m × d new points (d as the training data).
///   - trainingData: the n × d data the embedding was fitted on.
///   - embedding: its n × n_components embedding.
///   - parameters: the parameters of that fit (n_neighbors, metric, n_epochs, learning_rate,
///     local_connectivity, repulsion_strength, negative_sample_rate, disconnection_distance).
///   - a, b: the fitted curve parameters.
///   - transformSeed: umap-learn `transform_seed` (default 42).
/// - Returns: the m × n_components embedding of the new points.
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data, a column count or
///   embedding size that does not match, or a new point with no training point within the
///   disconnection distance (umap-learn would place it at NaN); `.cancelled`.
public func umapTransform(
  _ newData: Matrix, trainingData: Matrix, embedding: Matrix, parameters: UMAPParameters,
  a: Double, b: Double, transformSeed: UInt64 = 42, context: RunContext
) throws -> Matrix {
  try validateData(newData, "new data")
  let n = trainingData.rows, m = newData.rows, dim = embedding.cols
  guard newData.cols == trainingData.cols else {
    throw AlgorithmError.invalidInput("the new data has \(newData.cols) columns but the embedding was fitted on \(trainingData.cols)")
  }
  guard embedding.rows == n, n >= 1 else {
    throw AlgorithmError.invalidInput("the embedding has \(embedding.rows) rows but its training data \(n)")
  }
  let k = min(n, parameters.neighbors(forPoints: n))
  var (idx, dist) = try queryKNN(newData, data: trainingData, k: k, metric: parameters.metric, context: context)
  let cut = parameters.effectiveDisconnectionDistance
  if cut.isFinite { for e in 0..<idx.count where Double(dist[e]) >= cut { idx[e] = -1 } }
  let (sigma, rho) = smoothKNNDist(dist, rows: m, cols: k, k: Double(k),
                                   localConnectivity: max(0, parameters.localConnectivity - 1), threads: context.threads)
  var w = [Float](repeating: 0, count: m * k)
  for i in 0..<m {
    for j in 0..<k where idx[i * k + j] >= 0 {
      let dd = Double(dist[i * k + j]) - rho[i]
      w[i * k + j] = dd <= 0 || sigma[i] == 0 ? 1 : Float(Elementary.exp(-dd / sigma[i]))
    }
  }
  // initial positions: weighted mean of the neighbours' coordinates (a coincident one wins)
  var y = [Float](repeating: 0, count: m * dim)
  var lonely = 0
  for i in 0..<m {
    var sum: Float = 0
    for j in 0..<k where w[i * k + j] > 0 { sum += w[i * k + j] }
    if sum == 0 { lonely += 1; continue }
    for j in 0..<k where w[i * k + j] > 0 {
      let c = Int(idx[i * k + j])
      if w[i * k + j] == 1 {
        for t in 0..<dim { y[i * dim + t] = embedding.data[c * dim + t] }
        break
      }
      for t in 0..<dim { y[i * dim + t] += w[i * k + j] / sum * embedding.data[c * dim + t] }
    }
  }
  if lonely > 0 {
    let what = "\(lonely) new point\(lonely == 1 ? " has" : "s have")"
    if cut.isFinite && idx.contains(-1) {
      throw AlgorithmError.invalidInput("\(what) no training point closer than disconnection_distance = \(cut)")
    }
    // umap-learn would place them at NaN: memberships exp(−d/σ) all underflow to 0 when the
    // distances are far beyond the bandwidth search's range (about 2⁶⁴ · 10⁻³ of the mean distance)
    let far = dist.filter { $0.isFinite }.max() ?? 0
    throw AlgorithmError.invalidInput(
      "\(what) zero membership to all of \(lonely == 1 ? "its" : "their") \(k) nearest training points (distances up to \(far) are too large for the bandwidth search); rescale the data")
  }
  let nEpochs = parameters.nEpochs.map { $0 / 3 } ?? (m <= 10_000 ? 100 : 30)
  if nEpochs == 0 { return Matrix(rows: m, cols: dim, data: y) }
  let wmax = w.max() ?? 0
  let floorW = wmax / Float(nEpochs)
  let eps = makeEpochsPerSample(w.map { $0 < floorW ? 0 : $0 }, nEpochs: nEpochs)  // −1: pruned or absent
  let (fa, fb) = (a, b)
  let gamma = parameters.repulsionStrength
  let negRate = Double(parameters.negativeSampleRate)
  let alpha0 = parameters.learningRate / 4
  let token = context.cancellation
  context.progress.begin("transform epochs", total: m)
  defer { context.progress.end() }
  @inline(__always) func clip(_ v: Double) -> Double { v > 4 ? 4 : (v < -4 ? -4 : v) }
  y.withUnsafeMutableBufferPointer { yp in
  embedding.data.withUnsafeBufferPointer { ep in
    let Y = yp.baseAddress!, E = ep.baseAddress!
    let done = AtomicCounter()
    parallelChunks(count: m, chunkSize: 64, threads: context.threads) { _, rows in
      if token.isCancelled { return }
      var nextS = [Double](repeating: 0, count: k), nextN = [Double](repeating: 0, count: k)
      for i in rows {
        // the stream depends on the starting position, not the row number (as umap-learn's
        // per-point states, seeded from the point's coordinates): identical rows end identical
        var key: UInt64 = 0x7_2A45_F02E
        for t in 0..<dim { key = (key &* 0x100_0000_01B3) ^ UInt64(Y[i * dim + t].bitPattern) }
        var rng = RandomStream(seed: transformSeed, key)
        for j in 0..<k { nextS[j] = eps[i * k + j]; nextN[j] = eps[i * k + j] / negRate }
        let cur = Y + i * dim
        for epoch in 0..<nEpochs {
          let alpha = epoch == 0 ? alpha0 : alpha0 * (1 - Double(epoch - 1) / Double(nEpochs))
          let fe = Double(epoch)
          for j in 0..<k {
            let es = eps[i * k + j]
            if es <= 0 || nextS[j] > fe { continue }
            let other = E + Int(idx[i * k + j]) * dim
            var d2 = 0.0
            for t in 0..<dim { let u = Double(cur[t] - other[t]); d2 += u * u }
            var coeff = 0.0
            if d2 > 0 { coeff = -2 * fa * fb * Elementary.pow(d2, fb - 1) / (fa * Elementary.pow(d2, fb) + 1) }
            for t in 0..<dim { cur[t] += Float(clip(coeff * Double(cur[t] - other[t])) * alpha) }
            nextS[j] += es
            let en = es / negRate
            let nNeg = Int((fe - nextN[j]) / en)
            if nNeg > 0 {
              for _ in 0..<nNeg {
                let o = E + rng.nextInt(n) * dim
                var q2 = 0.0
                for t in 0..<dim { let u = Double(cur[t] - o[t]); q2 += u * u }
                if q2 > 0 {
                  let rc = 2 * gamma * fb / ((0.001 + q2) * (fa * Elementary.pow(q2, fb) + 1))
                  if rc > 0 { for t in 0..<dim { cur[t] += Float(clip(rc * Double(cur[t] - o[t])) * alpha) } }
                }
              }
              nextN[j] += Double(nNeg) * en
            }
          }
        }
      }
      let c = done.add(rows.count)
      context.progress.update(c)
    }
  }}
  try token.check()
  if y.contains(where: { !$0.isFinite }) {
    throw AlgorithmError.invalidInput("the transform diverged (non-finite coordinates); lower learning_rate")
  }
  return Matrix(rows: m, cols: dim, data: y)
}
