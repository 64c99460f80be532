#if canImport(Glibc)
import Glibc
#endif

/// Embeds new points into an existing UMAP embedding, as umap-learn 0.5.12 `UMAP.transform`:
/// 1. the `n_neighbors` nearest training points of each new point (exact, `knnCrossJoin`; umap-learn
///    searches approximately), cut at the disconnection distance;
/// 2. `smooth_knn_dist` with local_connectivity − 1 (at least 0) and memberships of the
///    bipartite graph new → training (not symmetrised);
/// 3. each new point starts at the membership-weighted mean of its neighbours' embedding
///    coordinates, or at the coordinates of a training point it coincides with
///    (`init_graph_transform`);
/// 4. edges below 1/n_epochs are pruned, and n_epochs (100, or the fitted n_epochs / 3) of the
///    SGD move the new points only, against the fixed training embedding (attraction along the
///    edges, each sampled every 1/membership epochs; negative samples among the training points),
///    from learning_rate / 4 decayed linearly.
/// Batch independence: each new row's result depends on that row only, never on the other rows of
/// the batch or their order. New points do not interact, each σ is floored by its own row's mean
/// distance (umap-learn by the batch's mean: the same for a batch of one row), each point runs on
/// its own random stream derived from (`transformSeed`, its starting coordinates), and two
/// batch-wide quantities of umap-learn are fixed instead: the largest membership, which scales the
/// sampling rates and the pruning, is taken as 1 (the largest a membership can be; umap-learn uses
/// the batch's largest, which is 1 whenever a new point coincides with a training point), and the
/// epoch count is 100 (umap-learn's for batches of up to 10,000 rows; it uses 30 for larger
/// batches). So a row gets the same bits alone, in any batch and for any thread count, and
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
///   embedding size that does not match, a model's a or b out of range
///   (`UMAPParameters.isCurveValue`: float32's normal range), a model with fewer than 2 neighbours, or a new point
///   with no training point within the disconnection distance (umap-learn would place it at
///   NaN); `.cancelled`.
public func umapTransform(
  _ newData: Matrix, trainingData: Matrix, embedding: Matrix, parameters: UMAPParameters,
  a: Double, b: Double, transformSeed: UInt64 = 42, context: RunContext
) throws -> Matrix {
  try validateData(newData, "new data")
  let n = trainingData.rows, m = newData.rows, dim = embedding.cols
  guard newData.cols == trainingData.cols else {
    throw AlgorithmError.invalidInput("the new data has \(newData.cols) columns but the embedding was fitted on \(trainingData.cols)")
  }
  // over the new rows and the training rows together: the distances run between them
  try parameters.metric.checkRange(of: .dense(newData), along: trainingData, float32: true)
  guard embedding.rows == n, n >= 1 else {
    throw AlgorithmError.invalidInput("the embedding has \(embedding.rows) rows but its training data \(n)")
  }
  // the curve of a model file is checked as `umap` checks a and b given to it
  guard UMAPParameters.isCurveValue(a), UMAPParameters.isCurveValue(b) else {
    throw AlgorithmError.invalidInput("the model's curve has a=\(a), b=\(b); each must be \(UMAPParameters.curveRange), as umap accepts them")
  }
  let k = min(n, parameters.neighbors(forPoints: n))
  // umap-learn's bandwidth search skips the first neighbour's term: with one neighbour there is
  // nothing to fit, and every membership came out 0 ("rescale the data", which would not help)
  guard k >= 2 else {
    throw AlgorithmError.invalidInput(
      "transform needs a model with at least 2 neighbours per point; this one has \(n == 1 ? "none" : "\(k)") (fitted on \(n) point\(n == 1 ? "" : "s")): fit on at least 3 points")
  }
  let nn = try knnCrossJoin(newData, reference: trainingData, k: k, metric: parameters.metric, context: context)
  var (idx, dist) = (nn.indices, nn.distances)
  let cut = parameters.effectiveDisconnectionDistance
  if cut.isFinite { for e in 0..<idx.count where Double(dist[e]) >= cut { idx[e] = -1 } }
  let (sigma, rho) = smoothKNNDist(dist, rows: m, cols: k, k: Double(k),
                                   localConnectivity: max(0, parameters.localConnectivity - 1), rowFloor: true,
                                   threads: context.threads)
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
  let nEpochs = parameters.nEpochs.map { $0 / 3 } ?? 100
  if nEpochs == 0 { return Matrix(rows: m, cols: dim, data: y) }
  // makeEpochsPerSample with the largest membership taken as 1 (batch independence, see above)
  let floorW = 1 / Float(nEpochs)
  let eps = w.map { v -> Double in  // −1: pruned or absent
    let ns = v < floorW ? 0 : Double(nEpochs) * Double(v)
    return ns > 0 ? Double(nEpochs) / ns : -1
  }
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
            if d2 > 0 {
              let pb = Elementary.pow(d2, fb)
              // a·x^b beyond 1e300 (a large b): the coefficient's limit −2b/x, as the layout's
              // (inf/inf otherwise: every point diverged for b ≥ 300)
              coeff = fa * pb <= 1e300 ? -2 * fa * fb * Elementary.pow(d2, fb - 1) / (fa * pb + 1) : -2 * fb / d2
            }
            for t in 0..<dim { cur[t] += Float(clip(coeff * Double(cur[t] - other[t])) * alpha) }
            nextS[j] += es
            let en = es / negRate
            // negative_sample_rate = 0: en and nextN are inf, the quotient NaN (Int(NaN) trapped):
            // no negative samples, as in the layout
            let qNeg = (fe - nextN[j]) / en
            let nNeg = qNeg >= 1 && qNeg.isFinite ? Int(qNeg) : 0
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
