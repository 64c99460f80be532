#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How K-Means chooses its starting centres (scikit-learn parameter `init`).
public enum KMeansInit: Sendable, Equatable {
  /// Greedy k-means++ (scikit-learn `_kmeans_plusplus`): each new centre is the best, by
  /// potential, of `2 + ⌊ln k⌋` candidates drawn with probability ∝ squared distance.
  case kMeansPlusPlus
  /// k distinct data points drawn uniformly (scikit-learn `init="random"`).
  case random
  /// Explicit starting centres, `k × d` (scikit-learn `init=<array>`); only one run is made.
  case centers(Matrix)

  /// Parses the scikit-learn name: "k-means++" or "random".
  /// - Throws: `AlgorithmError.invalidParameter` for any other name.
  public init(name: String) throws {
    switch name {
    case "k-means++": self = .kMeansPlusPlus
    case "random": self = .random
    default:
      throw AlgorithmError.invalidParameter(
        name: "init", value: name, allowed: "\"k-means++\" or \"random\"")
    }
  }
}

/// Parameters of `kmeans`, named after scikit-learn's `sklearn.cluster.KMeans`, same defaults
/// (except `n_init`, which is 1 here, scikit-learn's "auto" for k-means++).
public struct KMeansParameters: Sendable, Equatable {
  /// `n_clusters`: number of clusters k (1 ≤ k ≤ number of points). Default 8.
  public var nClusters: Int
  /// `init`: starting centres. Default k-means++.
  public var initialization: KMeansInit
  /// `n_init`: independent runs from different starts; the run with the lowest inertia is kept.
  /// Default 1. Forced to 1 with explicit centres.
  public var nInit: Int
  /// `max_iter`: maximum Lloyd iterations per run (≥ 1). Default 300.
  public var maxIter: Int
  /// `tol`: relative tolerance on the total squared centre shift; the effective threshold is
  /// `tol ×` mean of the per-feature variances of the data (scikit-learn `_tolerance`). Default 1e-4.
  public var tol: Double
  /// `random_state`: seed of the initialisation; nil draws a seed from the clock.
  public var randomState: UInt64?

  /// Parameters with scikit-learn's defaults.
  public init(
    nClusters: Int = 8, initialization: KMeansInit = .kMeansPlusPlus, nInit: Int = 1,
    maxIter: Int = 300, tol: Double = 1e-4, randomState: UInt64? = nil
  ) {
    self.nClusters = nClusters
    self.initialization = initialization
    self.nInit = nInit
    self.maxIter = maxIter
    self.tol = tol
    self.randomState = randomState
  }
}

/// Result of `kmeans` (scikit-learn attributes `labels_`, `cluster_centers_`, `inertia_`, `n_iter_`).
public struct KMeansResult: Sendable, Equatable {
  /// Cluster index in `0..<k` of each of the n points.
  public var labels: [Int]
  /// The `k × d` cluster centres.
  public var centers: Matrix
  /// Sum over points of the squared Euclidean distance to the assigned centre (Double accumulation).
  public var inertia: Double
  /// Lloyd iterations of the kept run.
  public var nIter: Int
}

/// K-Means clustering by Lloyd's algorithm, as scikit-learn `KMeans(algorithm="lloyd")`.
///
/// The data are centred on their column means first, in a Float copy (n × d; scikit-learn does
/// the same for dense input). Each iteration assigns every point to its nearest centre using
/// `‖c‖² − 2 x·c` from `Gemm` products on blocks of at most 256 rows (never an n × k matrix), then
/// recomputes the centres as means, accumulated in Double per fixed group of rows and combined in
/// group order, so the result is identical for any thread count. Points whose nearest centre
/// provably cannot have changed (Hamerly 2010 bounds, widened by the Float rounding error) are not
/// recomputed; this changes the cost, not the iterates. A run stops when the labels no longer
/// change (strict convergence), or when the total squared centre shift is ≤ the effective
/// tolerance, after which one more assignment step is made. Clusters that become empty are moved
/// to the points farthest from their centres (scikit-learn `_relocate_empty_clusters_dense`).
/// k-means++ and random starts draw from `RandomStream(random_state, run)`, so they differ from
/// numpy's streams (same distribution, not the same draws).
/// - Parameters:
///   - x: the data, n × d.
///   - parameters: see `KMeansParameters`.
///   - context: threads, cancellation (polled every iteration), progress ("k-means", one unit
///     per iteration budget `max_iter × n_init`), warnings (fewer distinct clusters than k).
/// - Returns: labels (n), centres (k × d), inertia, iterations.
/// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data, bad explicit centres, or
///   coordinates so large (beyond about ±1e19) that squared distances overflow float32,
///   `AlgorithmError.invalidParameter` for k < 1, k > n, n_init < 1, max_iter < 1, tol < 0;
///   `AlgorithmError.cancelled`.
public func kmeans(_ x: Matrix, parameters: KMeansParameters, context: RunContext = RunContext())
  throws -> KMeansResult
{
  try kmeansFit(x, parameters: parameters, context: context, pruning: true)
}

/// `kmeans` with the bound-based pruning of the assignment step switchable (tests compare both).
func kmeansFit(_ x: Matrix, parameters: KMeansParameters, context: RunContext, pruning: Bool)
  throws -> KMeansResult
{
  try validateData(x)
  let n = x.rows, d = x.cols, k = parameters.nClusters
  if k < 1 {
    throw AlgorithmError.invalidParameter(name: "n_clusters", value: "\(k)", allowed: "at least 1")
  }
  if k > n {
    throw AlgorithmError.invalidParameter(
      name: "n_clusters", value: "\(k)", allowed: "at most the number of points (\(n))")
  }
  if parameters.nInit < 1 {
    throw AlgorithmError.invalidParameter(
      name: "n_init", value: "\(parameters.nInit)", allowed: "at least 1")
  }
  if parameters.maxIter < 1 {
    throw AlgorithmError.invalidParameter(
      name: "max_iter", value: "\(parameters.maxIter)", allowed: "at least 1")
  }
  if !(parameters.tol >= 0) || !parameters.tol.isFinite {
    throw AlgorithmError.invalidParameter(
      name: "tol", value: "\(parameters.tol)", allowed: "a finite value ≥ 0")
  }
  var nInit = parameters.nInit
  if case .centers(let c) = parameters.initialization {
    if c.rows != k || c.cols != d {
      throw AlgorithmError.invalidInput(
        "initial centers are \(c.rows) × \(c.cols), expected n_clusters × features = \(k) × \(d)")
    }
    try validateData(c, "initial centers")
    if nInit != 1 {
      context.warn("n_init=\(nInit) ignored: explicit initial centers allow a single run")
      nInit = 1
    }
  }


  let threads = context.threads
  let data = KMeansData(x, threads: threads)
  let tolerance = parameters.tol == 0 ? 0 : data.meanVariance * parameters.tol
  let seed = parameters.randomState ?? seedFromClock()

  context.progress.begin("k-means", total: parameters.maxIter * nInit)
  defer { context.progress.end() }

  var best: (labels: [Int32], centers: [Double], inertia: Double, nIter: Int)? = nil
  for run in 0..<nInit {
    try context.cancellation.check()
    var centers: [Double]
    switch parameters.initialization {
    case .centers(let c):
      centers = [Double](repeating: 0, count: k * d)
      for j in 0..<k { for f in 0..<d { centers[j * d + f] = Double(c[j, f]) - data.mean[f] } }
    case .random:
      var rng = RandomStream(seed: seed, keys: [0x6B6D_6561_6E73, UInt64(run)])
      centers = data.randomCenters(k, &rng)
    case .kMeansPlusPlus:
      var rng = RandomStream(seed: seed, keys: [0x6B6D_6561_6E73, UInt64(run)])
      centers = try data.kMeansPlusPlus(k, &rng, context: context)
    }
    let r = try data.lloyd(
      centers: centers, k: k, maxIter: parameters.maxIter, tol: tolerance, context: context,
      progressBase: run * parameters.maxIter, pruning: pruning)
    if best == nil
      || (r.inertia < best!.inertia && !sameClustering(r.labels, best!.labels, k))
    {
      best = r
    }
    context.progress.update((run + 1) * parameters.maxIter)
  }

  let b = best!
  // Squared distances are float32: coordinates beyond about 1e19 overflow them, and the
  // assignments are then meaningless (found by FuzzAlgorithms). A clear error, not inertia = inf.
  if !b.inertia.isFinite {
    throw AlgorithmError.invalidInput(
      "squared distances between these points overflow float32 (coordinates beyond about ±1e19), in which K-Means "
        + "computes them; scale the data first (for example standard_scale)")
  }
  var centers = Matrix(rows: k, cols: d)
  for j in 0..<k {
    // A mean lies within its points' range, but the centred Float copy's rounding can carry a
    // centre next to ±3.4e38 just past it (infinite in Float; found by FuzzAlgorithms): clamp.
    let limit = Double(Float.greatestFiniteMagnitude)
    for f in 0..<d { centers.data[j * d + f] = Float(min(max(b.centers[j * d + f] + data.mean[f], -limit), limit)) }
  }
  let labels = b.labels.map { Int($0) }
  var seen = [Bool](repeating: false, count: k)
  for l in b.labels { seen[Int(l)] = true }
  let distinct = seen.reduce(0) { $0 + ($1 ? 1 : 0) }
  if distinct < k {
    context.warn(
      "number of distinct clusters (\(distinct)) found smaller than n_clusters (\(k)); possibly due to duplicate points")
  }
  return KMeansResult(labels: labels, centers: centers, inertia: b.inertia, nIter: b.nIter)
}

/// scikit-learn `_is_same_clustering`: equal up to a permutation of the labels.
private func sameClustering(_ a: [Int32], _ b: [Int32], _ k: Int) -> Bool {
  var map = [Int32](repeating: -1, count: k)
  for i in 0..<a.count {
    let l = Int(a[i])
    if map[l] == -1 { map[l] = b[i] } else if map[l] != b[i] { return false }
  }
  return true
}

/// Rows per product block in the k-means++ distance passes.
private let kmBlock = 64

/// Rows per product block in the assignment step, from k and d only (never from the thread count):
/// when possible small enough (rows × k × d ≤ 10⁶) that a block stays in cache; between 16 and 256 rows.
private func assignmentBlockRows(k: Int, d: Int) -> Int {
  return Swift.max(16, Swift.min(256, (1_000_000 / Swift.max(1, k * d)) / 16 * 16))
}
/// Rows per chunk of the simple row-parallel passes (means, norms, inertia).
private let kmRowChunk = 2048

/// The centred data and what every run shares.
private final class KMeansData: @unchecked Sendable {
  let n: Int
  let d: Int
  let threads: Int
  /// Column means (Double), length d.
  let mean: [Double]
  /// Centred data, n × d Float, row-major.
  let xc: [Float]
  /// Squared norms of the centred rows (Double), length n.
  let norms: [Double]
  /// Mean of the per-feature variances (population variance, as numpy `var`).
  let meanVariance: Double

  init(_ x: Matrix, threads: Int) {
    n = x.rows
    d = x.cols
    self.threads = threads
    let n = self.n, d = self.d
    let nChunks = chunkCount(n, kmRowChunk)
    // Column means: per-chunk partial sums combined in chunk order.
    var partial = [Double](repeating: 0, count: nChunks * d)
    x.data.withUnsafeBufferPointer { xp in
      partial.withUnsafeMutableBufferPointer { pp in
        let xb = xp.baseAddress!, pb = pp.baseAddress!
        parallelChunks(count: n, chunkSize: kmRowChunk, threads: threads) { c, range in
          let s = pb + c * d
          for i in range {
            let row = xb + i * d
            for f in 0..<d { s[f] += Double(row[f]) }
          }
        }
      }
    }
    var m = [Double](repeating: 0, count: d)
    for c in 0..<nChunks { for f in 0..<d { m[f] += partial[c * d + f] } }
    for f in 0..<d { m[f] /= Double(n) }
    mean = m
    // Centred copy, row norms and per-feature sums of squares.
    var xc = [Float](repeating: 0, count: n * d)
    var norms = [Double](repeating: 0, count: n)
    for i in 0..<partial.count { partial[i] = 0 }
    x.data.withUnsafeBufferPointer { xp in
      xc.withUnsafeMutableBufferPointer { cp in
        norms.withUnsafeMutableBufferPointer { np in
          partial.withUnsafeMutableBufferPointer { pp in
            m.withUnsafeBufferPointer { mp in
              let xb = xp.baseAddress!, cb = cp.baseAddress!, nb = np.baseAddress!
              let pb = pp.baseAddress!, mb = mp.baseAddress!
              parallelChunks(count: n, chunkSize: kmRowChunk, threads: threads) { c, range in
                let s = pb + c * d
                for i in range {
                  let row = xb + i * d, out = cb + i * d
                  var nrm = 0.0
                  for f in 0..<d {
                    let v = Double(row[f]) - mb[f]
                    s[f] += v * v
                    let fv = Float(v)
                    out[f] = fv
                    nrm += Double(fv) * Double(fv)
                  }
                  nb[i] = nrm
                }
              }
            }
          }
        }
      }
    }
    var v = [Double](repeating: 0, count: d)
    for c in 0..<nChunks { for f in 0..<d { v[f] += partial[c * d + f] } }
    var total = 0.0
    for f in 0..<d { total += v[f] / Double(n) }
    meanVariance = total / Double(d)
    self.xc = xc
    self.norms = norms
  }

  /// k distinct rows drawn uniformly (Floyd's algorithm), as Double centres.
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

  /// Greedy k-means++ seeding (scikit-learn `_kmeans_plusplus` with unit sample weights).
  func kMeansPlusPlus(_ k: Int, _ rng: inout RandomStream, context: RunContext) throws -> [Double] {
    let n = self.n, d = self.d, threads = self.threads
    let trials = 2 + Int(Elementary.log(Double(k)))
    var centers = [Double](repeating: 0, count: k * d)
    let first = rng.nextInt(n)
    for f in 0..<d { centers[f] = Double(xc[first * d + f]) }
    var closest = [Double](repeating: 0, count: n)
    // Distances from candidate rows to every point: `cand` rows of xc, result T × n in `out`,
    // and per-candidate potentials Σ_i min(closest_i, dist_ti) (or Σ dist_ti if `closest` is nil).
    let nChunks = chunkCount(n, kmBlock)
    var dots = [Float](repeating: 0, count: nChunks * kmBlock * trials)
    var candRows = [Float](repeating: 0, count: trials * d)
    var candDist = [Double](repeating: 0, count: trials * n)
    var partialPot = [Double](repeating: 0, count: nChunks * trials)

    func distances(_ ids: [Int], useClosest: Bool) -> [Double] {
      let t = ids.count
      for (a, i) in ids.enumerated() { for f in 0..<d { candRows[a * d + f] = xc[i * d + f] } }
      let candNorms = ids.map { norms[$0] }
      for i in 0..<partialPot.count { partialPot[i] = 0 }
      xc.withUnsafeBufferPointer { xp in
        candRows.withUnsafeBufferPointer { cp in
          dots.withUnsafeMutableBufferPointer { dp in
            candDist.withUnsafeMutableBufferPointer { op in
              partialPot.withUnsafeMutableBufferPointer { pp in
                closest.withUnsafeBufferPointer { clp in
                  norms.withUnsafeBufferPointer { np in
                    let xb = xp.baseAddress!, cb = cp.baseAddress!, ob = op.baseAddress!
                    let pb = pp.baseAddress!, clb = clp.baseAddress!, nb = np.baseAddress!
                    let db = dp.baseAddress!
                    parallelChunks(count: n, chunkSize: kmBlock, threads: threads) { c, range in
                      let m = range.count
                      let dot = db + c * kmBlock * trials
                      Gemm.sgemmNT(
                        m: m, n: t, k: d, a: xb + range.lowerBound * d, lda: d, b: cb, ldb: d,
                        c: dot, ldc: t)
                      for a in 0..<t {
                        var pot = 0.0
                        let cn = candNorms[a]
                        for r in 0..<m {
                          let i = range.lowerBound + r
                          var v = nb[i] + cn - 2 * Double(dot[r * t + a])
                          if v < 0 { v = 0 }
                          if useClosest && clb[i] < v { v = clb[i] }
                          ob[a * n + i] = v
                          pot += v
                        }
                        pb[c * trials + a] = pot
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      var pots = [Double](repeating: 0, count: t)
      for c in 0..<nChunks { for a in 0..<t { pots[a] += partialPot[c * trials + a] } }
      return pots
    }

    var currentPot = distances([first], useClosest: false)[0]
    for i in 0..<n { closest[i] = candDist[i] }
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
      let pots = distances(ids, useClosest: true)
      var bestA = 0
      for a in 1..<ids.count where pots[a] < pots[bestA] { bestA = a }
      currentPot = pots[bestA]
      for i in 0..<n { closest[i] = candDist[bestA * n + i] }
      let id = ids[bestA]
      for f in 0..<d { centers[c * d + f] = Double(xc[id * d + f]) }
    }
    return centers
  }

  /// Lloyd iterations from `centers` (k × d Double, centred coordinates), as scikit-learn
  /// `_kmeans_single_lloyd`.
  ///
  /// With `pruning`, a row is not recomputed when Hamerly's bounds (Hamerly 2010) prove that its
  /// nearest centre cannot have changed: an upper bound on the distance to its centre and a lower
  /// bound on the distance to every other centre, moved by the centre shifts each iteration and
  /// widened by the rounding error of the Float distance computation. The iterates are Lloyd's
  /// (the same labels and centres), except possibly at exact ties within rounding; centre sums
  /// are then updated by the rows that changed cluster (in Double, in row order per group).
  func lloyd(
    centers initial: [Double], k: Int, maxIter: Int, tol: Double, context: RunContext,
    progressBase: Int, pruning: Bool = true
  ) throws -> (labels: [Int32], centers: [Double], inertia: Double, nIter: Int) {
    let n = self.n, d = self.d, threads = self.threads
    // Fixed reduction groups (depend on n, k, d only): each group owns Double partial sums.
    let kmBlock = assignmentBlockRows(k: k, d: d)
    let nBlocks = chunkCount(n, kmBlock)
    let budget = 64 << 20
    let maxGroups = Swift.max(1, Swift.min(64, budget / Swift.max(1, k * d * 8)))
    let nGroups = Swift.min(nBlocks, maxGroups)
    let groupRows = ((nBlocks + nGroups - 1) / nGroups) * kmBlock
    let groups = chunkCount(n, groupRows)

    var centers = initial
    var centersNew = [Double](repeating: 0, count: k * d)
    var centersF = [Float](repeating: 0, count: k * d)
    var cNorms = [Float](repeating: 0, count: k)
    var labels = [Int32](repeating: -1, count: n)
    var labelsOld = [Int32](repeating: -1, count: n)
    var sums = [Double](repeating: 0, count: groups * k * d)
    var counts = [Int](repeating: 0, count: groups * k)
    var scratch = [Float](repeating: 0, count: groups * kmBlock * k)
    // Per-group Float sums of one block of rows (at most kmBlock values each), added to the
    // group's Double sums after every block.
    var blockSums = [Float](repeating: 0, count: groups * k * d)
    var blockCounts = [Int32](repeating: 0, count: groups * k)
    // Rows gathered for recomputation in the pruned steps.
    var gather = [Float](repeating: 0, count: groups * kmBlock * d)
    var gatherIndex = [Int](repeating: 0, count: groups * kmBlock)
    // Hamerly bounds (distances, not squared) and the rounding allowance (squared distance).
    var upper = [Double](repeating: 0, count: pruning ? n : 0)
    var lower = [Double](repeating: 0, count: pruning ? n : 0)
    // Running totals of the centre sums and sizes for the labels in `labels`.
    var totalSums = [Double](repeating: 0, count: k * d)
    var totalCounts = [Int](repeating: 0, count: k)
    // Shift of each centre in the last update, and for each j the largest shift of the others.
    var shift = [Double](repeating: 0, count: k)
    var shiftOthers = [Double](repeating: 0, count: k)
    var needFull = true
    var maxCNorm = 0.0

    /// One assignment step with `centers`. `full`: every row is recomputed, and (with `update`)
    /// the centre sums are rebuilt; otherwise only rows whose bounds fail are recomputed and the
    /// sums are updated by the rows that changed cluster.
    func step(update: Bool, full: Bool) {
      maxCNorm = 0
      for j in 0..<k {
        var s: Float = 0
        for f in 0..<d {
          let v = Float(centers[j * d + f])
          centersF[j * d + f] = v
          s += v * v
        }
        cNorms[j] = s
        maxCNorm = Swift.max(maxCNorm, Double(s))
      }
      for i in 0..<sums.count { sums[i] = 0 }
      for i in 0..<counts.count { counts[i] = 0 }
      let maxC = maxCNorm
      xc.withUnsafeBufferPointer { xp in
        norms.withUnsafeBufferPointer { np in
        centersF.withUnsafeBufferPointer { cp in
          cNorms.withUnsafeBufferPointer { cnp in
            labels.withUnsafeMutableBufferPointer { lp in
              sums.withUnsafeMutableBufferPointer { sp in
                counts.withUnsafeMutableBufferPointer { ctp in
                  scratch.withUnsafeMutableBufferPointer { scp in
                    blockSums.withUnsafeMutableBufferPointer { bsp in
                    blockCounts.withUnsafeMutableBufferPointer { bcp in
                    gather.withUnsafeMutableBufferPointer { gp in
                    gatherIndex.withUnsafeMutableBufferPointer { gip in
                    upper.withUnsafeMutableBufferPointer { up in
                    lower.withUnsafeMutableBufferPointer { lop in
                    shift.withUnsafeBufferPointer { shp in
                    shiftOthers.withUnsafeBufferPointer { shop in
                    let xb = xp.baseAddress!, cb = cp.baseAddress!, cnb = cnp.baseAddress!
                    let lb = lp.baseAddress!, sb = sp.baseAddress!, ctb = ctp.baseAddress!
                    let scb = scp.baseAddress!, nb = np.baseAddress!
                    let bsb = bsp.baseAddress!, bcb = bcp.baseAddress!
                    let gb = gp.baseAddress!, gib = gip.baseAddress!
                    let ub = pruning ? up.baseAddress : nil, lob = pruning ? lop.baseAddress : nil
                    let shb = shp.baseAddress!, shob = shop.baseAddress!
                    parallelChunks(count: n, chunkSize: groupRows, threads: threads) { g, range in
                      let dist = scb + g * kmBlock * k
                      let gs = sb + g * k * d
                      let gc = ctb + g * k
                      let bs = bsb + g * k * d
                      let bc = bcb + g * k
                      let rows = gb + g * kmBlock * d
                      let rowIndex = gib + g * kmBlock

                      /// Assigns the m rows at `a` (row-major, stride d), global indices `index`.
                      func assign(_ a: UnsafePointer<Float>, _ m: Int, _ index: (Int) -> Int) {
                        Gemm.sgemmNT(m: m, n: k, k: d, a: a, lda: d, b: cb, ldb: d, c: dist, ldc: k)
                        for r in 0..<m { for j in 0..<k { dist[r * k + j] = cnb[j] - 2 * dist[r * k + j] } }
                        for r in 0..<m {
                          let row = dist + r * k
                          var best = row[0]
                          var second = Float.infinity
                          var label = 0
                          var j = 1
                          while j < k {
                            let v = row[j]
                            if v < best {
                              second = best; best = v; label = j
                            } else if v < second {
                              second = v
                            }
                            j += 1
                          }
                          let i = index(r)
                          let old = Int(lb[i])
                          lb[i] = Int32(label)
                          if let ub = ub, let lob = lob {
                            let xn = nb[i]
                            let err = 1e-5 * (xn + maxC)
                            ub[i] = (Swift.max(0, xn + Double(best)) + err).squareRoot()
                            lob[i] = second == .infinity
                              ? .infinity : Swift.max(0, xn + Double(second) - err).squareRoot()
                          }
                          if !update { continue }
                          let xr = a + r * d
                          if full {
                            if bc[label] == 0 {
                              let s = bs + label * d
                              for f in 0..<d { s[f] = 0 }
                            }
                            bc[label] += 1
                            let s = bs + label * d
                            for f in 0..<d { s[f] += xr[f] }
                          } else if old != label {
                            gc[label] += 1
                            gc[old] -= 1
                            let sNew = gs + label * d, sOld = gs + old * d
                            for f in 0..<d {
                              let v = Double(xr[f])
                              sNew[f] += v
                              sOld[f] -= v
                            }
                          }
                        }
                        if update && full {
                          for j in 0..<k where bc[j] > 0 {
                            gc[j] += Int(bc[j])
                            bc[j] = 0
                            let s = gs + j * d, b = bs + j * d
                            for f in 0..<d { s[f] += Double(b[f]) }
                          }
                        }
                      }

                      if full {
                        var start = range.lowerBound
                        while start < range.upperBound {
                          let m = Swift.min(kmBlock, range.upperBound - start)
                          let s0 = start
                          assign(xb + start * d, m) { s0 + $0 }
                          start += m
                        }
                        return
                      }
                      // Pruned step: update the bounds, gather the rows that need recomputing.
                      let ub = ub!, lob = lob!
                      var m = 0
                      for i in range {
                        let a = Int(lb[i])
                        let u = ub[i] + shb[a]
                        let l = lob[i] - shob[a]
                        ub[i] = u
                        lob[i] = l
                        let err = 1e-5 * (nb[i] + maxC)
                        if l > u && l * l - u * u > 2 * err { continue }
                        let src = xb + i * d, dst = rows + m * d
                        for f in 0..<d { dst[f] = src[f] }
                        rowIndex[m] = i
                        m += 1
                        if m == kmBlock {
                          assign(rows, m) { rowIndex[$0] }
                          m = 0
                        }
                      }
                      if m > 0 { assign(rows, m) { rowIndex[$0] } }
                    }
                    }
                    }
                    }
                    }
                    }
                    }
                    }
                    }
                  }
                }
              }
            }
          }
        }
        }
      }
      if !update { return }
      if full {
        for i in 0..<(k * d) { totalSums[i] = 0 }
        for j in 0..<k { totalCounts[j] = 0 }
      }
      // Combine group partial sums (or changes) in group order.
      for g in 0..<groups {
        for j in 0..<k { totalCounts[j] += counts[g * k + j] }
        let base = g * k * d
        for i in 0..<(k * d) { totalSums[i] += sums[base + i] }
      }
      for i in 0..<(k * d) { centersNew[i] = totalSums[i] }
      var weight = totalCounts
      let relocated = relocateEmptyClusters(
        k: k, centersOld: centers, sums: &centersNew, weight: &weight, labels: labels)
      // After a relocation the sums no longer follow the labels: rebuild them next time.
      if relocated { needFull = true }
      var argmax = 0
      for j in 1..<Swift.max(1, k) where weight[j] > weight[argmax] { argmax = j }
      for j in 0..<k where weight[j] > 0 {
        let inv = 1.0 / Double(weight[j])
        for f in 0..<d { centersNew[j * d + f] *= inv }
      }
      for j in 0..<k where weight[j] <= 0 {
        for f in 0..<d { centersNew[j * d + f] = centersNew[argmax * d + f] }
      }
    }

    var strict = false
    var iter = 0
    while iter < maxIter {
      try context.cancellation.check()
      let full = !pruning || needFull
      needFull = false
      step(update: true, full: full)
      var shiftTotal = 0.0
      for j in 0..<k {
        var s = 0.0
        for f in 0..<d {
          let t = centersNew[j * d + f] - centers[j * d + f]
          s += t * t
        }
        shiftTotal += s
        shift[j] = s.squareRoot()
      }
      // Largest shift among the other centres, for each centre.
      var top1 = -1.0, top2 = -1.0, topIndex = -1
      for j in 0..<k {
        if shift[j] > top1 { top2 = top1; top1 = shift[j]; topIndex = j } else if shift[j] > top2 { top2 = shift[j] }
      }
      for j in 0..<k { shiftOthers[j] = Swift.max(0, j == topIndex ? top2 : top1) }
      swap(&centers, &centersNew)
      context.progress.update(progressBase + iter + 1)
      if labels == labelsOld {
        strict = true
        break
      }
      if shiftTotal <= tol { break }
      labelsOld = labels
      iter += 1
    }
    let nIter = Swift.min(iter + 1, maxIter)
    if !strict { step(update: false, full: !pruning || needFull) }
    let inertia = self.inertia(centers: centers, labels: labels)
    return (labels, centers, inertia, nIter)
  }

  /// Σ_i ‖x_i − c_{label_i}‖² in Double, per-chunk partial sums combined in chunk order.
  func inertia(centers: [Double], labels: [Int32]) -> Double {
    let dist = distancesToAssigned(centers: centers, labels: labels)
    let nChunks = chunkCount(n, kmRowChunk)
    var total = 0.0
    for c in 0..<nChunks {
      var s = 0.0
      for i in (c * kmRowChunk)..<Swift.min(n, (c + 1) * kmRowChunk) { s += dist[i] }
      total += s
    }
    return total
  }

  /// ‖x_i − c_{label_i}‖² for every point (Double).
  func distancesToAssigned(centers: [Double], labels: [Int32]) -> [Double] {
    let n = self.n, d = self.d
    var out = [Double](repeating: 0, count: n)
    xc.withUnsafeBufferPointer { xp in
      centers.withUnsafeBufferPointer { cp in
        labels.withUnsafeBufferPointer { lp in
          out.withUnsafeMutableBufferPointer { op in
            let xb = xp.baseAddress!, cb = cp.baseAddress!, lb = lp.baseAddress!
            let ob = op.baseAddress!
            parallelChunks(count: n, chunkSize: kmRowChunk, threads: threads) { _, range in
              for i in range {
                let row = xb + i * d, c = cb + Int(lb[i]) * d
                var s = 0.0
                for f in 0..<d {
                  let t = Double(row[f]) - c[f]
                  s += t * t
                }
                ob[i] = s
              }
            }
          }
        }
      }
    }
    return out
  }

  /// scikit-learn `_relocate_empty_clusters_dense`: every empty cluster takes one of the points
  /// farthest from their assigned (old) centre, farthest first (ties: lower index first).
  /// - Returns: whether any cluster was moved.
  @discardableResult
  func relocateEmptyClusters(
    k: Int, centersOld: [Double], sums: inout [Double], weight: inout [Int], labels: [Int32]
  ) -> Bool {
    let empty = (0..<k).filter { weight[$0] == 0 }
    if empty.isEmpty { return false }
    let dist = distancesToAssigned(centers: centersOld, labels: labels)
    guard let maxDist = dist.max(), maxDist > 0 else { return false }
    let order = (0..<n).sorted { dist[$0] > dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }
    for (idx, newId) in empty.enumerated() {
      let far = order[idx]
      let oldId = Int(labels[far])
      for f in 0..<d {
        let v = Double(xc[far * d + f])
        sums[oldId * d + f] -= v
        sums[newId * d + f] = v
      }
      weight[newId] = 1
      weight[oldId] -= 1
    }
    return true
  }
}
