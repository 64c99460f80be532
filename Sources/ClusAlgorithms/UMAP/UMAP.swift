import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds of UMAP's phases.
public struct UMAPTimings: Sendable, Equatable {
  /// smooth_knn_dist, memberships, fuzzy union and pruning.
  public var graph: Double = 0
  /// The initial layout (spectral / pca / random) and its scaling.
  public var initialization: Double = 0
  /// The SGD epochs.
  public var layout: Double = 0
}

/// What `umap(_:knn:y:parameters:context:)` returns.
public struct UMAPResult: Sendable {
  /// The embedding, `n × n_components`.
  public var embedding: Matrix
  /// Number of stored entries (both directions) of the fuzzy graph before pruning, after the
  /// intersection with the labels when supervised (umap-learn `graph_.nnz`).
  public var graphNNZ: Int
  /// Entries of the pruned graph that the SGD samples.
  public var prunedNNZ: Int
  /// The kNN graph used (its first `nNeighbors` columns).
  public var knn: KNNGraph
  /// The neighbour count used (n − 1 when n ≤ n_neighbors, as umap-learn).
  public var nNeighbors: Int
  /// The number of SGD epochs run.
  public var nEpochs: Int
  /// Curve parameters a and b (given or fitted by `findABParams`).
  public var a: Double
  /// See `a`.
  public var b: Double
  /// Phase timings.
  public var timings: UMAPTimings
  /// With `outputDens`: n log local radii of the data (umap-learn `rad_orig_`), else empty.
  public var radOrig: [Double] = []
  /// With `outputDens`: n log local radii of the embedding (umap-learn `rad_emb_`), else empty.
  public var radEmb: [Double] = []
}

@inline(__always) private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// Uniform Manifold Approximation and Projection of `x` (`n × d`) into `n × n_components`,
/// following umap-learn 0.5.12 `UMAP.fit` / `simplicial_set_embedding`:
/// 1. fuzzy simplicial set of the kNN graph (`fuzzySimplicialSet`, k = n_neighbors); with labels `y`
///    (supervised UMAP, `target_metric="categorical"`), intersected with them and its local
///    connectivity reset (`categoricalIntersection`, far_dist from `target_weight`);
/// 2. pruning of edges below max/n_epochs (max/500 or /200 by size when n_epochs ≤ 10);
/// 3. initial layout: spectral (LOBPCG on the normalized Laplacian, multi-component layout for
///    disconnected graphs, fallback to random with a warning) or pca, each scaled to max |x| = 10
///    plus N(0, 10⁻⁴) noise (`noisy_scale_coords`), or random uniform(−10, 10); then every
///    dimension min-max rescaled to [0, 10];
/// 4. `n_epochs` of SGD (`optimize_layout_euclidean`, deterministic parallel scheme described at
///    `optimizeLayoutEuclidean`).
///
/// Small inputs as umap-learn: n == 1 gives a zero embedding; n ≤ n_neighbors warns and uses
/// n − 1 neighbours (see `UMAPParameters.neighbors(forPoints:)`).
/// - Parameters:
///   - x: the data, `n × d` (used for PCA init and the centroids of disconnected components).
///   - knn: nearest neighbours of every row of `x` under `parameters.metric`, the point itself at
///     column 0, with at least `parameters.neighbors(forPoints: n)` columns (extra ones are ignored).
///   - y: labels for supervised UMAP (umap-learn's `fit(X, y)`), one per row of `x`, −1 = unknown;
///     nil (the default) for unsupervised UMAP.
///   - parameters: umap-learn parameters; `randomState` nil draws a seed from the clock.
///   - context: threads (the result does not depend on them), cancellation (checked per epoch),
///     progress ("embedding epochs", one update per epoch), warnings.
/// - Throws: `AlgorithmError.invalidParameter` (see `UMAPParameters.validate`),
///   `.invalidInput` for empty / non-finite data, a kNN graph of the wrong shape or labels `y` whose
///   count is not n ("y has N labels for M rows"), `.cancelled`.
public func umap(
  _ x: Matrix, knn: KNNGraph, y: [Int]? = nil, parameters: UMAPParameters, context: RunContext
) throws -> UMAPResult {
  try validateData(x)
  return try umap(data: .dense(x), knn: knn, y: y, parameters: parameters, context: context)
}

/// UMAP of sparse rows `x` (`n × d`, CSR) with their kNN graph, as `umap(_:knn:parameters:context:)`
/// on the dense copy: the same graph, initialisation and layout, so the same embedding for the same
/// kNN graph and seed. `init="pca"` needs dense data.
/// - Throws: as `umap(_:knn:y:parameters:context:)`; `.invalidParameter` for `init="pca"`.
public func umap(sparse x: SparseMatrix, knn: KNNGraph, y: [Int]? = nil, parameters: UMAPParameters, context: RunContext) throws -> UMAPResult {
  guard x.rows > 0, x.cols > 0 else { throw AlgorithmError.invalidInput("data is empty (\(x.rows) × \(x.cols))") }
  if parameters.initialization == .pca {
    throw AlgorithmError.invalidParameter(name: "init", value: "\"pca\"", allowed: "init=\"pca\" needs dense data; use \"spectral\" or \"random\" on a sparse matrix")
  }
  return try umap(data: .sparse(x), knn: knn, y: y, parameters: parameters, context: context)
}

func umap(data x: UMAPData, knn: KNNGraph, y: [Int]?, parameters: UMAPParameters, context: RunContext) throws -> UMAPResult {
  try parameters.validate()
  // umap-learn's PCA(n_components) of the data refuses more components than columns (scikit-learn's
  // ValueError); the extra dimensions started as noise, unsaid
  if parameters.initialization == .pca, case .dense(let m) = x, parameters.nComponents > min(m.cols, m.rows) {
    throw AlgorithmError.invalidParameter(name: "init", value: "\"pca\"", allowed: "init=\"pca\" needs n_components (\(parameters.nComponents)) at most "
      + "the data's columns and rows (\(m.rows) × \(m.cols)), as scikit-learn's PCA does; use \"spectral\" or \"random\"")
  }
  let n = x.rows, dim = parameters.nComponents
  try checkLabels(y, rows: n)
  let (a, b): (Double, Double) = {
    if let a = parameters.a, let b = parameters.b { return (a, b) }
    let f = findABParams(spread: parameters.spread, minDist: parameters.minDist)
    return (parameters.a ?? f.a, parameters.b ?? f.b)
  }()
  // the layout computes in float32: a fitted a or b beyond its range (spread 1e-30 fits a = 5e47,
  // spread 1e30 a = 7e-48, which is 0 in float32) is refused, as a given one beyond it is (given ones
  // are checked by `validate` first, with the parameter's name)
  guard UMAPParameters.isCurveValue(a), UMAPParameters.isCurveValue(b) else {
    throw AlgorithmError.invalidInput(
      "the curve fitted to spread=\(parameters.spread), min_dist=\(parameters.minDist) has a=\(a), b=\(b), but each must be \(UMAPParameters.curveRange); choose a spread nearer 1, or give a and b")
  }
  // a fit that failed (spread=1e200: the curve overflows at every sample and the fit stays at its
  // start a = b = 1, as umap-learn's does) is refused rather than run with a curve of another shape
  if parameters.a == nil {
    let error = curveFitError(a: a, b: b, spread: parameters.spread, minDist: parameters.minDist)
    guard error <= 0.01 else {
      throw AlgorithmError.invalidInput(
        "no curve 1/(1 + a·d^(2b)) fits spread=\(parameters.spread), min_dist=\(parameters.minDist) (the best, a=\(a), b=\(b), is \((error * 1000).rounded() / 1000) from the target in mean square; umap-learn's fits stay below 0.001); choose a spread nearer 1, or give a and b")
    }
  }
  let nEpochs = parameters.epochs(forPoints: n)
  var timings = UMAPTimings()
  if n == 1 {
    context.warn("a single point: its embedding is the origin (as umap-learn)")
    return UMAPResult(embedding: Matrix(rows: 1, cols: dim), graphNNZ: 0, prunedNNZ: 0, knn: knn,
                      nNeighbors: 0, nEpochs: nEpochs, a: a, b: b, timings: timings)
  }
  let kUse = parameters.neighbors(forPoints: n)
  if kUse < parameters.nNeighbors {
    context.warn("n_neighbors is larger than the dataset size; truncating to X.shape[0] - 1 = \(kUse)")
  }
  guard knn.n == n else {
    throw AlgorithmError.invalidInput("the kNN graph has \(knn.n) points but the data has \(n) rows")
  }
  guard knn.k >= kUse else {
    throw AlgorithmError.invalidInput("the kNN graph has \(knn.k) neighbours per point; UMAP needs \(kUse)")
  }
  for v in knn.indices where v < -1 || Int(v) >= n {
    throw AlgorithmError.invalidInput("the kNN graph holds an index (\(v)) outside 0..<\(n)")
  }
  if let m = parameters.initialEmbedding, m.rows != n {
    throw AlgorithmError.invalidParameter(
      name: "init", value: "a \(m.rows) × \(m.cols) matrix", allowed: "an init array must have one row per data point (\(n))")
  }
  let seed = parameters.randomState ?? seedFromClock()

  // 1–2. fuzzy graph and pruning (after removing kNN edges at the disconnection distance or more)
  var t0 = now()
  var graphKNN = knn
  let cut = parameters.effectiveDisconnectionDistance
  var edgesRemoved = 0
  if cut.isFinite {
    var idx = knn.indices, dist = knn.distances
    for e in 0..<idx.count where idx[e] >= 0 && Double(dist[e]) >= cut {
      idx[e] = -1
      dist[e] = .infinity
      if e % knn.k < kUse { edgesRemoved += 1 }
    }
    graphKNN = KNNGraph(n: n, k: knn.k, indices: idx, distances: dist)
  }
  var (graph, _, _) = fuzzySimplicialSet(
    knn: graphKNN, nNeighbors: kUse, setOpMixRatio: parameters.setOpMixRatio,
    localConnectivity: parameters.localConnectivity, threads: context.threads)
  if edgesRemoved > 0 {
    // umap-learn `raise_disconnected_warning`: vertices left with no edge in the fuzzy graph
    var isolated = 0
    for i in 0..<n where !graph.weights[graph.rowStart[i]..<graph.rowStart[i + 1]].contains(where: { $0 > 0 }) { isolated += 1 }
    if isolated > 0 && Double(isolated) <= 0.1 * Double(n) {
      context.warn("a few vertices were disconnected from the manifold: disconnection_distance = \(cut) removed \(edgesRemoved) edges and fully disconnected \(isolated) vertices")
    } else if isolated > 0 {
      context.warn("a large number of vertices were disconnected from the manifold: disconnection_distance = \(cut) removed \(edgesRemoved) edges and fully disconnected \(isolated) of \(n) vertices; consider removing these points")
    }
  }
  if let y = y {
    // supervised: umap-learn's `discrete_metric_simplicial_set_intersection` after the warning above
    graph = try categoricalIntersection(
      graph, labels: y, farDistance: categoricalFarDistance(targetWeight: parameters.targetWeight))
  }
  let wmax = graph.weights.max() ?? 0
  let pruneEpochs = nEpochs > 10 ? nEpochs : (n <= 10_000 ? 500 : 200) + (parameters.densmap ? 200 : 0)
  let pruned = wmax > 0 ? graph.pruned(below: Float(Double(wmax) / Double(pruneEpochs))) : graph
  // only the pruned graph is used from here on: the full one is released (its size is kept)
  let graphNNZ = graph.nnz
  graph = FuzzyGraph(n: 0, rowStart: [0], columns: [], weights: [])
  var t1 = now()
  timings.graph = t1 - t0

  // 3. initial layout
  t0 = t1
  var initRng = RandomStream(seed: seed, 0x1417_1A11)
  func uniform10() -> [Double] { (0..<(n * dim)).map { _ in initRng.nextDouble() * 20 - 10 } }
  var coords: [Double]
  if let m = parameters.initialEmbedding {
    coords = m.data.map { Double($0) }
    if n > 1 && (1..<n).allSatisfy({ i in (0..<dim).allSatisfy { m.data[i * dim + $0] == m.data[$0] } }) {
      context.warn("init: every row is the same point, so the embedding stays a single point (every distance is 0, so nothing moves; each dimension is placed at 5, the middle of the [0, 10] it is scaled to); give init rows that differ")
    }
    // repeated rows get a little noise, scaled to the mean nearest-neighbour distance
    var rows = Set<[Float]>()
    var repeated = false
    for i in 0..<n where !rows.insert(Array(m.data[(i * dim)..<((i + 1) * dim)])).inserted { repeated = true; break }
    if repeated {
      let nn = try knnSelfJoin(m, k: 2, metric: .euclidean, search: .exact, context: context)
      var total = 0.0
      for i in 0..<n { total += Double(nn.distances[i * 2 + 1]) }
      let scale = 0.001 * total / Double(n)
      for i in 0..<coords.count { coords[i] += Double(Float(scale * initRng.nextGaussian())) }
    }
  } else {
  switch parameters.initialization {
  case .random:
    coords = uniform10()
  case .spectral, .pca:
    var base: [Double]?
    if parameters.initialization == .spectral {
      base = try spectralLayout(pruned, x: x, metric: parameters.metric, dim: dim, seed: seed, context: context)
      if base == nil && pruned.n <= dim + 1 {
        context.warn("spectral initialisation needs at least \(dim + 2) points for \(dim) dimensions (got \(pruned.n)); falling back to random initialisation")
      } else if base == nil {
        context.warn("spectral initialisation failed (the eigensolver did not converge); falling back to random initialisation")
      }
    } else {
      if case .dense(let m) = x { base = pcaScores(m, dim: dim, threads: context.threads) }
      if base == nil { context.warn("PCA initialisation failed; falling back to random initialisation") }
    }
    if var c = base {
      // noisy_scale_coords: max |coord| = 10, then N(0, 1e-4) noise (in float32 as umap-learn)
      let mx = c.map { abs($0) }.max() ?? 0
      let expansion = mx > 0 && mx.isFinite ? 10 / mx : 1
      for i in 0..<c.count { c[i] = Double(Float(c[i] * expansion)) + Double(Float(1e-4 * initRng.nextGaussian())) }
      coords = c
    } else {
      coords = uniform10()
    }
  }
  }
  // min-max rescale of every dimension to [0, 10]
  var emb = [Float](repeating: 0, count: n * dim)
  for t in 0..<dim {
    var lo = Double.infinity, hi = -Double.infinity
    for i in 0..<n { let v = coords[i * dim + t]; lo = min(lo, v); hi = max(hi, v) }
    let span = hi - lo
    for i in 0..<n {
      let v = span > 0 && span.isFinite ? 10 * (coords[i * dim + t] - lo) / span : 5
      emb[i * dim + t] = v.isFinite ? Float(v) : 5
    }
  }
  t1 = now()
  timings.initialization = t1 - t0

  // 4. SGD
  t0 = t1
  var settings = LayoutSettings(
    a: Float(a), b: Float(b), gamma: Float(parameters.repulsionStrength),
    initialAlpha: Float(parameters.learningRate), negativeSampleRate: Double(parameters.negativeSampleRate),
    nEpochs: nEpochs, seed: seed)
  var densIn: DensMAPInput? = nil
  if parameters.densmap || parameters.outputDens {
    densIn = densmapInput(graph: pruned, knn: graphKNN, kUse: kUse, parameters: parameters)
  }
  if parameters.densmap { settings.dens = densIn }
  let eps = makeEpochsPerSampleFloat(pruned.weights, nEpochs: nEpochs)
  try optimizeLayoutEuclidean(embedding: &emb, dim: dim, graph: pruned, epochsPerSample: eps,
                              settings: settings, context: context)
  timings.layout = now() - t0
  if emb.contains(where: { !$0.isFinite }) {
    throw AlgorithmError.invalidInput(
      "the layout diverged (non-finite coordinates); lower learning_rate or check a, b, spread and min_dist")
  }

  var kept = knn
  if knn.k != kUse {
    var idx = [Int32](repeating: 0, count: n * kUse), dist = [Float](repeating: 0, count: n * kUse)
    for i in 0..<n { for j in 0..<kUse { idx[i * kUse + j] = knn.indices[i * knn.k + j]; dist[i * kUse + j] = knn.distances[i * knn.k + j] } }
    kept = KNNGraph(n: n, k: kUse, indices: idx, distances: dist)
  }
  var result = UMAPResult(
    embedding: Matrix(rows: n, cols: dim, data: emb), graphNNZ: graphNNZ, prunedNNZ: pruned.nnz,
    knn: kept, nNeighbors: kUse, nEpochs: nEpochs, a: a, b: b, timings: timings)
  if parameters.outputDens, let d = densIn {
    result.radOrig = d.logRadius
    result.radEmb = try embeddingLogRadii(result.embedding, k: kUse, seed: seed, context: context)
  }
  return result
}

/// UMAP computing its own neighbours: with `neighbors` (called as `neighbors(x, k)` and expected
/// to return the k nearest neighbours of every row under `parameters.metric`, self at column 0),
/// or, when it is nil, with the exact `KNNSearch.bruteForce` — allowed only for n ≤ 5000 (O(n²) time).
/// `y` as in `umap(_:knn:y:parameters:context:)` (labels for supervised UMAP, checked before the search).
/// - Throws: as `umap(_:knn:y:parameters:context:)`; `.invalidInput` for n > 5000 without `neighbors`.
public func umap(
  _ x: Matrix, y: [Int]? = nil, parameters: UMAPParameters, context: RunContext,
  neighbors: ((Matrix, Int) throws -> KNNGraph)? = nil
) throws -> UMAPResult {
  try parameters.validate()
  try validateData(x)
  try parameters.metric.checkRange(of: .dense(x), float32: true)
  let n = x.rows
  try checkLabels(y, rows: n)
  if n == 1 {
    return try umap(
      x, knn: KNNGraph(n: 1, k: 1, indices: [0], distances: [0]), y: y, parameters: parameters, context: context)
  }
  let k = parameters.neighbors(forPoints: n)
  let knn: KNNGraph
  if let f = neighbors {
    knn = try f(x, k)
  } else {
    guard n <= 5000 else {
      throw AlgorithmError.invalidInput("UMAP of \(n) points needs a fast kNN search (exact brute force is limited to 5000 points)")
    }
    knn = try knnSelfJoin(x, k: k, metric: parameters.metric, search: .bruteForce, context: context)
  }
  return try umap(x, knn: knn, y: y, parameters: parameters, context: context)
}

/// Labels for supervised UMAP must number one per row (umap-learn's "Length of x = …, length of y = …").
/// - Throws: `AlgorithmError.invalidInput` "y has N labels for M rows".
private func checkLabels(_ y: [Int]?, rows n: Int) throws {
  if let y = y, y.count != n {
    throw AlgorithmError.invalidInput("y has \(y.count) labels for \(n) rows")
  }
}
