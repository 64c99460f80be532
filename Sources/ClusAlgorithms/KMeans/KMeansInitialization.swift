// K-Means starting centres, as scikit-learn's `_init_centroids` and `_kmeans_plusplus`
// (sklearn/cluster/_kmeans.py), on the centred data of `KMeansData`.

/// Rows per product block in the k-means++ distance passes.
private let plusPlusBlockRows = 64

extension KMeansData {
  /// scikit-learn `_init_centroids`: the k starting centres of run `run` (k × d Double, centred
  /// coordinates). k-means++ and random starts draw from `RandomStream(seed, run)`.
  func initCentroids(_ initialization: KMeansInit, k: Int, seed: UInt64, run: Int, context: RunContext) throws
    -> [Double]
  {
    switch initialization {
    case .centers(let c):
      var centers = [Double](repeating: 0, count: k * d)
      for j in 0..<k { for f in 0..<d { centers[j * d + f] = Double(c[j, f]) - mean[f] } }
      return centers
    case .random:
      var rng = RandomStream(seed: seed, keys: [0x6B6D_6561_6E73, UInt64(run)])
      return randomCenters(k, &rng)
    case .kMeansPlusPlus:
      var rng = RandomStream(seed: seed, keys: [0x6B6D_6561_6E73, UInt64(run)])
      return try kMeansPlusPlus(k, &rng, context: context)
    }
  }

  /// k distinct rows drawn uniformly (Floyd's algorithm), as Double centres (scikit-learn
  /// `init="random"`).
  func randomCenters(_ k: Int, _ rng: inout RandomStream) -> [Double] {
    var chosen = Set<Int>()
    var order: [Int] = []
    for j in (n - k)..<n {
      let t = rng.nextInt(j + 1)
      if chosen.contains(t) {
        chosen.insert(j); order.append(j)
      } else {
        chosen.insert(t); order.append(t)
      }
    }
    var c = [Double](repeating: 0, count: k * d)
    for (j, i) in order.enumerated() { for f in 0..<d { c[j * d + f] = Double(xc[i * d + f]) } }
    return c
  }

  /// Greedy k-means++ seeding (scikit-learn `_kmeans_plusplus` with unit sample weights): the
  /// first centre uniformly, then each next one the best, by potential, of `2 + ⌊ln k⌋`
  /// candidates drawn with probability ∝ the squared distance to the nearest centre so far.
  func kMeansPlusPlus(_ k: Int, _ rng: inout RandomStream, context: RunContext) throws -> [Double] {
    let n = self.n, d = self.d
    let trials = 2 + Int(Elementary.log(Double(k)))
    var centers = [Double](repeating: 0, count: k * d)
    let first = rng.nextInt(n)
    for f in 0..<d { centers[f] = Double(xc[first * d + f]) }
    // Squared distances from the candidates to every point (trials × n), and the distance from
    // every point to its nearest centre so far.
    let candDist = UnsafeMutablePointer<Double>.allocate(capacity: trials * n)
    let closest = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer {
      candDist.deallocate()
      closest.deallocate()
    }
    var currentPot = candidateDistances([first], into: candDist, closest: nil)[0]
    closest.update(from: candDist, count: n)
    var cumsum = [Double](repeating: 0, count: n)
    for c in 1..<k {
      try context.cancellation.check()
      var acc = 0.0
      for i in 0..<n { acc += closest[i]; cumsum[i] = acc }
      var ids = [Int]()
      ids.reserveCapacity(trials)
      for _ in 0..<trials {
        let r = rng.nextDouble() * currentPot
        // searchsorted(side="left"): first index with cumsum ≥ r.
        var lo = 0, hi = n
        while lo < hi {
          let mid = (lo + hi) / 2
          if cumsum[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        ids.append(Swift.min(lo, n - 1))
      }
      let pots = candidateDistances(ids, into: candDist, closest: closest)
      var bestA = 0
      for a in 1..<ids.count where pots[a] < pots[bestA] { bestA = a }
      currentPot = pots[bestA]
      closest.update(from: candDist + bestA * n, count: n)
      let id = ids[bestA]
      for f in 0..<d { centers[c * d + f] = Double(xc[id * d + f]) }
    }
    return centers
  }

  /// The squared distances from the candidate rows `ids` to every point, by `Gemm` products on
  /// blocks of 64 rows, clipped at 0 and (with `closest`) at each point's distance to its nearest
  /// centre so far, into `out` (ids.count × n).
  /// - Returns: each candidate's potential Σ_i out_ti, per-block partial sums added in block order.
  private func candidateDistances(_ ids: [Int], into out: UnsafeMutablePointer<Double>, closest: UnsafePointer<Double>?)
    -> [Double]
  {
    let n = self.n, d = self.d, t = ids.count
    let xb = UnsafePointer(xc), nb = UnsafePointer(norms)
    var candidates = [Float](repeating: 0, count: t * d)
    for (a, i) in ids.enumerated() { for f in 0..<d { candidates[a * d + f] = xb[i * d + f] } }
    let candNorms = ids.map { nb[$0] }
    let nChunks = chunkCount(n, plusPlusBlockRows)
    let dots = UnsafeMutablePointer<Float>.allocate(capacity: nChunks * plusPlusBlockRows * t)
    defer { dots.deallocate() }
    let partialPot: [Double] = candidates.withUnsafeBufferPointer { cp in
      let cb = cp.baseAddress!
      return chunkPartials(rows: n, width: t, chunkRows: plusPlusBlockRows, threads: threads) { c, range, pot in
        let m = range.count
        let dot = dots + c * plusPlusBlockRows * t
        Gemm.sgemmNT(
          m: m, n: t, k: d, a: xb + range.lowerBound * d, lda: d, b: cb, ldb: d, c: dot, ldc: t)
        for a in 0..<t {
          var p = 0.0
          let cn = candNorms[a]
          for r in 0..<m {
            let i = range.lowerBound + r
            var v = nb[i] + cn - 2 * Double(dot[r * t + a])
            if v < 0 { v = 0 }
            if let clb = closest, clb[i] < v { v = clb[i] }
            out[a * n + i] = v
            p += v
          }
          pot[a] = p
        }
      }
    }
    var pots = [Double](repeating: 0, count: t)
    for c in 0..<nChunks { for a in 0..<t { pots[a] += partialPot[c * t + a] } }
    return pots
  }
}
