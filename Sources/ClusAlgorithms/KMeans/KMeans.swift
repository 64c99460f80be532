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
///
/// The steps of scikit-learn's `KMeans.fit`: check the parameters, centre the data, then for each
/// of the `n_init` runs `_init_centroids` and `_kmeans_single_lloyd`, keeping the run of lowest
/// inertia unless it is the same clustering as the best so far (`_is_same_clustering`).
func kmeansFit(_ x: Matrix, parameters: KMeansParameters, context: RunContext, pruning: Bool)
  throws -> KMeansResult
{
  let nInit = try checkParameters(x, parameters, context: context)
  let k = parameters.nClusters
  let data = KMeansData(x, threads: context.threads)
  let tolerance = data.tolerance(parameters.tol)
  let seed = parameters.randomState ?? seedFromClock()

  context.progress.begin("k-means", total: parameters.maxIter * nInit)
  defer { context.progress.end() }

  var best: LloydResult? = nil
  for run in 0..<nInit {
    try context.cancellation.check()
    let centers = try data.initCentroids(parameters.initialization, k: k, seed: seed, run: run, context: context)
    let r = try data.kmeansSingleLloyd(
      centers: centers, k: k, maxIter: parameters.maxIter, tol: tolerance, context: context,
      progressBase: run * parameters.maxIter, pruning: pruning)
    if best == nil
      || (r.inertia < best!.inertia && !sameClustering(r.labels, best!.labels, k))
    {
      best = r
    }
    context.progress.update((run + 1) * parameters.maxIter)
  }
  return try kmeansResult(best!, data: data, k: k, context: context)
}

/// scikit-learn `_check_params_vs_input`: the parameters against the data.
/// - Returns: the number of runs (1 with explicit centres, with a warning if n_init said more).
/// - Throws: as `kmeans`.
private func checkParameters(_ x: Matrix, _ parameters: KMeansParameters, context: RunContext) throws -> Int {
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
  try checkSpread(x)
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
  return nInit
}

/// The message when squared distances would overflow float32.
private let overflowMessage =
  "squared distances between these points overflow float32 (coordinates beyond about ±1e19), in which K-Means "
  + "computes them; scale the data first (for example standard_scale)"

/// Refuses data whose squared distances could overflow float32 once centred: 4·Σⱼ (maxⱼ − minⱼ)²
/// (in Double) beyond the largest Float bounds every squared distance between two points or a point
/// and a centre inside their range, and ‖x‖² + ‖c‖² − 2x·c on the way. A few huge values among small
/// ones (one point at 3e38) overflowed the assignments while the inertia stayed finite: every point in
/// one cluster, without an error (found by a fresh-user pass).
/// - Throws: `AlgorithmError.invalidInput`.
private func checkSpread(_ x: Matrix) throws {
  let n = x.rows, d = x.cols
  var lo = [Float](repeating: .infinity, count: d), hi = [Float](repeating: -.infinity, count: d)
  x.data.withUnsafeBufferPointer { p in
    for i in 0..<n {
      for j in 0..<d {
        let v = p[i * d + j]
        if v < lo[j] { lo[j] = v }
        if v > hi[j] { hi[j] = v }
      }
    }
  }
  var spread = 0.0
  for j in 0..<d { let r = Double(hi[j]) - Double(lo[j]); spread += r * r }
  if 4 * spread > Double(Float.greatestFiniteMagnitude) { throw AlgorithmError.invalidInput(overflowMessage) }
}

/// The kept run as the public result: centres moved back by the column means (k × d Float),
/// labels as Int, and a warning when fewer than k clusters hold points.
/// - Throws: `AlgorithmError.invalidInput` when the inertia overflowed.
private func kmeansResult(_ b: LloydResult, data: KMeansData, k: Int, context: RunContext) throws -> KMeansResult {
  let d = data.d
  // Squared distances are float32: coordinates beyond about 1e19 overflow them, and the
  // assignments are then meaningless (found by FuzzAlgorithms). A clear error, not inertia = inf.
  if !b.inertia.isFinite {
    throw AlgorithmError.invalidInput(overflowMessage)
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

/// Rows per chunk of the simple row-parallel passes (means, norms, inertia).
let kmRowChunk = 2048

/// The data centred on their column means (as scikit-learn's `fit` centres dense data before its
/// runs), and what every run shares. Owns the centred copy and its row norms.
final class KMeansData: @unchecked Sendable {
  let n: Int
  let d: Int
  let threads: Int
  /// Column means (Double), length d.
  let mean: [Double]
  /// Centred data, n × d Float, row-major.
  let xc: UnsafeMutablePointer<Float>
  /// Squared norms of the centred Float rows (Double), length n.
  let norms: UnsafeMutablePointer<Double>
  /// Mean of the per-feature variances (population variance, as numpy `var`).
  let meanVariance: Double

  /// Centres `x` (n × d, n, d ≥ 1): column means by `columnMeans`, then one pass that writes the
  /// centred Float rows, their squared norms and per-chunk sums of squares (combined in chunk order).
  init(_ x: Matrix, threads: Int) {
    let n = x.rows, d = x.cols
    self.n = n
    self.d = d
    self.threads = threads
    let m = x.data.withUnsafeBufferPointer {
      columnMeans($0.baseAddress!, rows: n, cols: d, chunkRows: kmRowChunk, threads: threads)
    }
    mean = m
    let xc = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
    let norms = UnsafeMutablePointer<Double>.allocate(capacity: n)
    // Per-chunk, per-feature sums of the squared (Double) differences.
    let squares: [Double] = x.data.withUnsafeBufferPointer { xp in
      m.withUnsafeBufferPointer { mp in
        let xb = xp.baseAddress!, mb = mp.baseAddress!
        return chunkPartials(rows: n, width: d, chunkRows: kmRowChunk, threads: threads) { _, range, s in
          for i in range {
            let row = xb + i * d, out = xc + i * d
            var nrm = 0.0
            for f in 0..<d {
              let v = Double(row[f]) - mb[f]
              s[f] += v * v
              let fv = Float(v)
              out[f] = fv
              nrm += Double(fv) * Double(fv)
            }
            norms[i] = nrm
          }
        }
      }
    }
    let nChunks = chunkCount(n, kmRowChunk)
    var v = [Double](repeating: 0, count: d)
    for c in 0..<nChunks { for f in 0..<d { v[f] += squares[c * d + f] } }
    var total = 0.0
    for f in 0..<d { total += v[f] / Double(n) }
    meanVariance = total / Double(d)
    self.xc = xc
    self.norms = norms
  }

  deinit {
    xc.deallocate()
    norms.deallocate()
  }

  /// scikit-learn `_tolerance`: `tol` × the mean of the per-feature variances (0 stays 0).
  func tolerance(_ tol: Double) -> Double {
    tol == 0 ? 0 : meanVariance * tol
  }

  /// scikit-learn `_inertia_dense`: Σ_i ‖x_i − c_{label_i}‖² in Double, per-chunk partial sums
  /// combined in chunk order.
  func inertia(centers: [Double], labels: UnsafePointer<Int32>) -> Double {
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
  func distancesToAssigned(centers: [Double], labels: UnsafePointer<Int32>) -> [Double] {
    let n = self.n, d = self.d, xb = UnsafePointer(xc)
    var out = [Double](repeating: 0, count: n)
    centers.withUnsafeBufferPointer { cp in
      out.withUnsafeMutableBufferPointer { op in
        let cb = cp.baseAddress!, ob = op.baseAddress!
        parallelChunks(count: n, chunkSize: kmRowChunk, threads: threads) { _, range in
          for i in range {
            let row = xb + i * d, c = cb + Int(labels[i]) * d
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
    return out
  }
}
