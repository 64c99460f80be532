// Internal validity scores of a clustering (no reference labels), as scikit-learn's
// silhouette_score / silhouette_samples, calinski_harabasz_score and davies_bouldin_score, with the
// Euclidean metric. Every label value is a cluster, −1 (noise) included, exactly as scikit-learn treats
// it; to score only clustered points, pass the rows with labels ≥ 0. Computed in Double; the silhouette
// in blocks of rows, never with an n × n distance matrix.

/// The labels as cluster indices 0..<k in order of first appearance, and k.
/// - Throws: `AlgorithmError.invalidInput` when the lengths differ, or k is outside 2...n − 1
///   (scikit-learn's `check_number_of_labels`).
private func clusterIndices(_ x: Matrix, _ labels: [Int]) throws -> (index: [Int], k: Int) {
  try validateData(x, "the data")
  guard labels.count == x.rows else {
    throw AlgorithmError.invalidInput("the data has \(x.rows) rows and the labels \(labels.count); they must be the same points")
  }
  var seen: [Int: Int] = [:]
  let index = labels.map { l -> Int in
    if let c = seen[l] { return c }
    seen[l] = seen.count
    return seen.count - 1
  }
  let k = seen.count
  guard k >= 2, k <= x.rows - 1 else {
    // fewer than 3 points: no count of labels is valid ("2 to n − 1 = 0" read as a riddle)
    if x.rows < 3 {
      throw AlgorithmError.invalidInput("the score needs at least 3 points (2 to n − 1 distinct labels, as scikit-learn), got \(x.rows)")
    }
    throw AlgorithmError.invalidInput("the labels hold \(k) distinct value\(k == 1 ? "" : "s") for \(x.rows) points; the score needs 2 to n − 1 = \(x.rows - 1) (as scikit-learn)")
  }
  return (index, k)
}

/// The silhouette coefficient of every point, as `sklearn.metrics.silhouette_samples(x, labels)`
/// (metric "euclidean"): s(i) = (b − a) / max(a, b), a the mean distance from i to the other points of
/// its cluster, b the smallest mean distance from i to the points of another cluster; 0 for a point
/// alone in its cluster (Rousseeuw 1987).
///
/// Distances in Double (‖x‖² + ‖y‖² − 2x·y by `Gemm.dgemmNT`, as scikit-learn's `euclidean_distances`
/// upcasts float32 to float64), row blocks of 256 against column tiles of 2,048: memory O(threads ×
/// (256 × 2,048 + 256 × k)) beyond a Double copy of `x`, never n × n; time O(n²·d). Each row's sums run
/// in column order on one thread, so the result does not depend on the thread count.
/// - Parameters:
///   - x: the data, n × d, finite.
///   - labels: n labels (any integers; −1 is one more cluster, as in scikit-learn).
///   - context: threads, cancellation.
/// - Returns: n values in [−1, 1].
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data, lengths differ, fewer than 2 or
///   more than n − 1 clusters), `.cancelled`.
public func silhouetteSamples(_ x: Matrix, labels: [Int], context: RunContext = RunContext()) throws -> [Double] {
  let (index, k) = try clusterIndices(x, labels)
  return try silhouetteOfRows(x, index: index, k: k, rows: Array(0..<x.rows), context: context)
}

/// The rows `silhouetteScore` scores with `sampleSize` (of `count` rows): the first `sampleSize` of a
/// seeded permutation (a partial Fisher–Yates shuffle from `randomState`), in drawn order.
/// - Precondition: 0 ≤ sampleSize ≤ count.
public func silhouetteSampleRows(count: Int, sampleSize: Int, randomState: UInt64) -> [Int] {
  var rng = RandomStream(seed: randomState, 0x5111_0E77E)
  var perm = Array(0..<count)
  for i in 0..<sampleSize { perm.swapAt(i, i + rng.nextInt(count - i)) }
  return Array(perm[0..<sampleSize])
}

/// The mean silhouette coefficient, as `sklearn.metrics.silhouette_score(x, labels)`; with
/// `sampleSize`, of a random subset of that many rows (drawn without replacement from `randomState`
/// by clus's own stream, so not scikit-learn's numpy subset: the value is the same in expectation, and
/// the same bits for the same seed).
/// - Parameters:
///   - sampleSize: nil for every row, else 2 ≤ sampleSize ≤ n.
///   - randomState: the seed of the subset (needed with `sampleSize`).
/// - Throws: as `silhouetteSamples`; `.invalidParameter` for a sample size out of range; the labels of
///   the subset must also hold 2 to size − 1 clusters.
public func silhouetteScore(_ x: Matrix, labels: [Int], sampleSize: Int? = nil, randomState: UInt64 = 0,
                            context: RunContext = RunContext()) throws -> Double {
  var data = x, lab = labels
  if let m = sampleSize {
    guard m >= 2, m <= x.rows else {
      throw AlgorithmError.invalidParameter(name: "sample_size", value: "\(m)", allowed: "2 ≤ sample_size ≤ n_samples = \(x.rows)")
    }
    try validateData(x, "the data")
    guard labels.count == x.rows else {
      throw AlgorithmError.invalidInput("the data has \(x.rows) rows and the labels \(labels.count); they must be the same points")
    }
    let pick = silhouetteSampleRows(count: x.rows, sampleSize: m, randomState: randomState)
    data = x.gatheringRows(pick)
    lab = pick.map { labels[$0] }
  }
  let s = try silhouetteSamples(data, labels: lab, context: context)
  var sum = 0.0
  for v in s { sum += v }
  return sum / Double(s.count)
}

/// s(i) for the rows `rows` (all of them, in order, from the callers above).
private func silhouetteOfRows(_ x: Matrix, index: [Int], k: Int, rows: [Int], context: RunContext) throws -> [Double] {
  let n = x.rows, d = x.cols
  var size = [Int](repeating: 0, count: k)
  for c in index { size[c] += 1 }
  let xd = x.data.map(Double.init)
  let norms = xd.withUnsafeBufferPointer { squaredRowNorms($0.baseAddress!, rows: n, cols: d) }
  var out = [Double](repeating: 0, count: rows.count)
  let token = context.cancellation
  let blockRows = 256, tile = 2048
  xd.withUnsafeBufferPointer { xp in
    norms.withUnsafeBufferPointer { np in
      index.withUnsafeBufferPointer { ip in
        out.withUnsafeMutableBufferPointer { op in
          let xb = xp.baseAddress!, nb = np.baseAddress!, ib = ip.baseAddress!, ob = op.baseAddress!
          parallelChunks(count: rows.count, chunkSize: blockRows, threads: context.threads) { _, range in
            if token.isCancelled { return }
            let m = range.count
            // the block's rows, contiguous
            let a = UnsafeMutablePointer<Double>.allocate(capacity: m * d)
            let sums = UnsafeMutablePointer<Double>.allocate(capacity: m * k)
            let g = UnsafeMutablePointer<Double>.allocate(capacity: m * min(tile, n))
            defer { a.deallocate(); sums.deallocate(); g.deallocate() }
            sums.initialize(repeating: 0, count: m * k)
            for (r, t) in range.enumerated() { (a + r * d).update(from: xb + rows[t] * d, count: d) }
            var j0 = 0
            while j0 < n {
              let w = min(tile, n - j0)
              Gemm.dgemmNT(m: m, n: w, k: d, a: a, lda: d, b: xb + j0 * d, ldb: d, c: g, ldc: w)
              for (r, t) in range.enumerated() {
                let i = rows[t], ni = nb[i]
                let s = sums + r * k, gr = g + r * w
                for u in 0..<w {
                  let j = j0 + u
                  if j == i { continue }
                  s[ib[j]] += (ni + nb[j] - 2 * gr[u]).squareRoot(nonNegative: true)
                }
              }
              j0 += w
            }
            for (r, t) in range.enumerated() {
              let i = rows[t], c = ib[i]
              if size[c] <= 1 { ob[t] = 0; continue }
              let s = sums + r * k
              let a = s[c] / Double(size[c] - 1)
              var b = Double.infinity
              for o in 0..<k where o != c { b = Swift.min(b, s[o] / Double(size[o])) }
              let den = Swift.max(a, b)
              ob[t] = den > 0 ? (b - a) / den : 0
            }
          }
        }
      }
    }
  }
  if token.isCancelled { throw AlgorithmError.cancelled }
  return out
}

private extension Double {
  /// The square root of a squared distance that rounding may have pushed just below zero.
  func squareRoot(nonNegative: Bool) -> Double { Swift.max(self, 0).squareRoot() }
}

/// Per-cluster sizes and centroids (k × d, Double, sums in row order) and the overall mean.
private func centroids(_ x: Matrix, _ index: [Int], _ k: Int) -> (size: [Int], centre: [Double], mean: [Double]) {
  let n = x.rows, d = x.cols
  var size = [Int](repeating: 0, count: k)
  var centre = [Double](repeating: 0, count: k * d), mean = [Double](repeating: 0, count: d)
  for i in 0..<n {
    let c = index[i]
    size[c] += 1
    for j in 0..<d {
      let v = Double(x.data[i * d + j])
      centre[c * d + j] += v
      mean[j] += v
    }
  }
  for c in 0..<k { for j in 0..<d { centre[c * d + j] /= Double(size[c]) } }
  for j in 0..<d { mean[j] /= Double(n) }
  return (size, centre, mean)
}

/// The Calinski–Harabasz index (variance ratio criterion, Caliński & Harabasz 1974), as
/// `sklearn.metrics.calinski_harabasz_score`: [B / (k − 1)] / [W / (n − k)] with B = Σ_c n_c‖μ_c − μ‖² and
/// W = Σ_i ‖x_i − μ_c(i)‖²; 1.0 when W = 0 (as scikit-learn). Higher is better. O(n·d), Double.
/// - Parameters: `x` (n × d, finite), `labels` (n; −1 is one more cluster, as in scikit-learn).
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data, lengths differ, fewer than 2 or
///   more than n − 1 clusters).
public func calinskiHarabaszScore(_ x: Matrix, labels: [Int]) throws -> Double {
  let (index, k) = try clusterIndices(x, labels)
  let n = x.rows, d = x.cols
  let (size, centre, mean) = centroids(x, index, k)
  var between = 0.0, within = 0.0
  for c in 0..<k {
    var s = 0.0
    for j in 0..<d { let t = centre[c * d + j] - mean[j]; s += t * t }
    between += Double(size[c]) * s
  }
  for i in 0..<n {
    let c = index[i]
    for j in 0..<d { let t = Double(x.data[i * d + j]) - centre[c * d + j]; within += t * t }
  }
  if within == 0 { return 1 }
  return between * Double(n - k) / (within * Double(k - 1))
}

/// The Davies–Bouldin index (Davies & Bouldin 1979), as `sklearn.metrics.davies_bouldin_score`: the mean
/// over clusters of max_{j ≠ i} (s_i + s_j) / ‖μ_i − μ_j‖, s_i the mean distance of cluster i's points to
/// its centroid; 0 when every s_i or every centroid distance is 0 (numpy's `allclose`, as scikit-learn);
/// two equal centroids count as infinitely far apart. Lower is better. O(n·d + k²·d), Double.
/// - Parameters: `x` (n × d, finite), `labels` (n; −1 is one more cluster, as in scikit-learn).
/// - Throws: as `calinskiHarabaszScore`.
public func daviesBouldinScore(_ x: Matrix, labels: [Int]) throws -> Double {
  let (index, k) = try clusterIndices(x, labels)
  let n = x.rows, d = x.cols
  let (size, centre, _) = centroids(x, index, k)
  var intra = [Double](repeating: 0, count: k)
  for i in 0..<n {
    let c = index[i]
    var s = 0.0
    for j in 0..<d { let t = Double(x.data[i * d + j]) - centre[c * d + j]; s += t * t }
    intra[c] += s.squareRoot()
  }
  for c in 0..<k { intra[c] /= Double(size[c]) }
  var dist = [Double](repeating: 0, count: k * k)
  for a in 0..<k {
    for b in 0..<k where b != a {
      var s = 0.0
      for j in 0..<d { let t = centre[a * d + j] - centre[b * d + j]; s += t * t }
      dist[a * k + b] = s.squareRoot()
    }
  }
  // numpy.allclose(v, 0): |v| ≤ 1e-8 everywhere
  if intra.allSatisfy({ Swift.abs($0) <= 1e-8 }) || dist.allSatisfy({ Swift.abs($0) <= 1e-8 }) { return 0 }
  var total = 0.0
  for a in 0..<k {
    var best = -Double.infinity
    for b in 0..<k where b != a {
      let m = dist[a * k + b]
      best = Swift.max(best, m == 0 ? 0 : (intra[a] + intra[b]) / m)
    }
    total += best
  }
  return total / Double(k)
}
