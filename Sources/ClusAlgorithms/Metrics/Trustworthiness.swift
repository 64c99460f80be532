// Trustworthiness of an embedding (Venna & Kaski 2001), as sklearn.manifold.trustworthiness with
// the Euclidean metric, without the n × n distance and rank matrices scikit-learn builds.

/// scikit-learn's bound on `trustworthiness`'s k for n points: 1 ≤ k < n/2 (for callers that
/// check it before estimating the score's memory).
/// - Throws: `AlgorithmError.invalidParameter` naming n_neighbors when k is outside it.
public func checkTrustworthinessNeighbors(_ k: Int, rows n: Int) throws {
  // k < n/2 as k ≤ (n − 1)/2: no overflow for any k
  guard k >= 1, k <= (n - 1) / 2 else {
    throw AlgorithmError.invalidParameter(name: "n_neighbors", value: "\(k)", allowed: "1 ≤ n_neighbors < n_samples / 2 = \(Double(n) / 2)")
  }
}

/// How well an embedding keeps local neighbourhoods, as `sklearn.manifold.trustworthiness(x,
/// embedded, n_neighbors=k)` (metric "euclidean"):
///
///     T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Nᵏᵢ} max(0, r(i, j) − k)
///
/// where Nᵏᵢ are the k nearest neighbours of point i in the embedding (the point itself
/// excluded; `knnSelfJoin` exact, ties by the smaller index) and r(i, j) is the rank of j among the other
/// points by distance from i in the original space (1 for the nearest; equal distances are
/// ranked by index, where scikit-learn's unstable argsort picks an arbitrary order). 1 means
/// every embedding neighbour is also a neighbour in the data.
///
/// Memory is a Double copy of `x` plus O(n·block) per thread (block ≤ 256 rows, at most 4 M
/// distances), never n × n: the original-space distances from a block of rows to all
/// points come from `Gemm.dgemmNT` in Double (‖x‖² + ‖y‖² − 2x·y, as scikit-learn's
/// `euclidean_distances` computes them in float64), and each row's ranks are counted against
/// its k targets by binary search (O(n·log k) per row). Time O(n²·d). Parallel over row blocks;
/// the result does not depend on the thread count (integer sums).
/// - Parameters:
///   - x: the data, n × d, finite.
///   - embedded: the embedding, n × d′ (same n), finite.
///   - nNeighbors: k, 1 ≤ k < n/2 (scikit-learn's bound).
///   - context: threads, cancellation.
/// - Returns: T(k), at most 1.
/// - Throws: `AlgorithmError.invalidInput` (row counts differ, empty or non-finite data),
///   `.invalidParameter` (k out of range), `.cancelled`.
public func trustworthiness(_ x: Matrix, _ embedded: Matrix, nNeighbors k: Int, context: RunContext = RunContext()) throws -> Double {
  try validateData(x, "the data")
  try validateData(embedded, "the embedding")
  let n = x.rows, d = x.cols
  guard embedded.rows == n else {
    throw AlgorithmError.invalidInput("the data has \(n) rows and the embedding \(embedded.rows); they must be the same points")
  }
  try checkTrustworthinessNeighbors(k, rows: n)
  // the embedding's k nearest neighbours of each point, itself excluded
  let knn = try knnSelfJoin(embedded, k: k + 1, metric: .euclidean, search: .exact, context: context)
  var targets = [Int](repeating: 0, count: n * k)
  for i in 0..<n {
    var c = 0
    for t in 0..<(k + 1) where c < k {
      let j = Int(knn.indices[i * (k + 1) + t])
      if j != i && j >= 0 { targets[i * k + c] = j; c += 1 }
    }
  }
  let xd = x.data.map(Double.init)
  let norms = xd.withUnsafeBufferPointer { squaredRowNorms($0.baseAddress!, rows: n, cols: d) }
  let block = max(1, min(256, (1 << 22) / n))  // at most 4 M distances (32 MB) per block
  var penalties = [Int](repeating: 0, count: chunkCount(n, block))
  let token = context.cancellation
  xd.withUnsafeBufferPointer { xp in
    penalties.withUnsafeMutableBufferPointer { pp in
      let pen = pp.baseAddress!
      parallelChunks(count: n, chunkSize: block, threads: context.threads) { chunk, rows in
        if token.isCancelled { return }
        let nb = rows.count
        let dist = UnsafeMutablePointer<Double>.allocate(capacity: nb * n)
        defer { dist.deallocate() }
        Gemm.dgemmNT(m: nb, n: n, k: d, a: xp.baseAddress! + rows.lowerBound * d, lda: d, b: xp.baseAddress!, ldb: d, c: dist, ldc: n)
        var sum = 0
        var sortedTargets = [(dist: Double, index: Int)](repeating: (0, 0), count: k)
        var buckets = [Int](repeating: 0, count: k + 1)
        for r in 0..<nb {
          let i = rows.lowerBound + r
          let row = dist + r * n
          for j in 0..<n { row[j] = norms[i] + norms[j] - 2 * row[j] }
          for c in 0..<k {
            let j = targets[i * k + c]
            sortedTargets[c] = (row[j], j)
          }
          sortedTargets.sort { $0.dist < $1.dist || ($0.dist == $1.dist && $0.index < $1.index) }
          for c in 0...k { buckets[c] = 0 }
          var tieCount = [Int](repeating: 0, count: k)
          for l in 0..<n where l != i {
            let v = row[l]
            // first target farther than l: l is closer than it and every later target
            var lo = 0, hi = k
            while lo < hi {
              let mid = (lo + hi) / 2
              if sortedTargets[mid].dist > v { hi = mid } else { lo = mid + 1 }
            }
            buckets[lo] += 1
            // equal distances: l ranks before a target of larger index
            var e = lo - 1
            while e >= 0 && sortedTargets[e].dist == v {
              if l < sortedTargets[e].index { tieCount[e] += 1 }
              e -= 1
            }
          }
          var closer = 0
          for c in 0..<k {
            closer += buckets[c]
            let rank = 1 + closer + tieCount[c]
            if rank > k { sum += rank - k }
          }
        }
        pen[chunk] = sum
      }
    }
  }
  try token.check()
  let total = Double(penalties.reduce(0, +))
  let nf = Double(n), kf = Double(k)
  return 1 - total * (2 / (nf * kf * (2 * nf - 3 * kf - 1)))
}
