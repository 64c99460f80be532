#if canImport(Glibc)
import Glibc
#endif

/// The input-space data of densMAP (Narayan, Berger & Cho 2021; umap-learn
/// `simplicial_set_embedding` with `densmap=True`): the standardised log local radius R of every
/// vertex, the total membership and the settings.
struct DensMAPInput {
  /// `dens_lambda`.
  var lambda: Double
  /// `dens_frac`: the density term runs while (epoch + 1)/n_epochs > 1 − frac.
  var frac: Double
  /// `dens_var_shift`.
  var varShift: Double
  /// n values: (rᵢ − mean)/std of rᵢ = log(10⁻⁸ + Σ μ·d² / Σ μ) over vertex i's edges (d the
  /// input distance of the edge, μ its membership); 0 for a vertex without edges.
  var R: [Float]
  /// Half the sum of the per-vertex membership sums (umap-learn `mu_tot`).
  var muTot: Double
  /// Whether each vertex has an edge (vertices without one are left out of every mean).
  var hasEdge: [Bool]
  /// The unstandardised log radii rᵢ (umap-learn `rad_orig_`; NaN for a vertex without edges).
  var logRadius: [Double] = []
}

/// Per vertex, Σ μ·D and Σ μ over the stored entries of `graph` (each entry (i, j) adds to both
/// ends, as umap-learn's loops over the COO entries), D the edge's distance — the larger of
/// d(i → j) and d(j → i) among the first `kUse` kNN entries that exist (umap-learn's
/// `graph_dists`, `dmat.maximum(dmat.transpose())`) — squared or not.
func edgeRadiusSums(graph: FuzzyGraph, knn: KNNGraph, kUse: Int, squared: Bool) -> (sum: [Double], mu: [Double]) {
  let n = graph.n
  func knnDistance(_ i: Int, _ j: Int32) -> Float {
    for t in 0..<kUse where knn.indices[i * knn.k + t] == j { return knn.distances[i * knn.k + t] }
    return 0
  }
  var sum = [Double](repeating: 0, count: n), mu = [Double](repeating: 0, count: n)
  for i in 0..<n {
    for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
      let j = Int(graph.columns[e])
      let d = Double(max(knnDistance(i, Int32(j)), knnDistance(j, Int32(i))))
      let w = Double(graph.weights[e])
      let v = squared ? w * d * d : w * d
      sum[i] += v; sum[j] += v
      mu[i] += w; mu[j] += w
    }
  }
  return (sum, mu)
}

/// Builds `DensMAPInput` from the pruned graph and the kNN distances: the distance of edge (i, j)
/// is the larger of d(i → j) and d(j → i) among the kNN entries that exist (umap-learn's
/// `graph_dists`, `dmat.maximum(dmat.transpose())`), squared as in umap-learn. Each stored
/// entry (i, j) adds μ·d² and μ to both ends, as umap-learn's loop over the COO entries does.
func densmapInput(graph: FuzzyGraph, knn: KNNGraph, kUse: Int, parameters p: UMAPParameters) -> DensMAPInput {
  let n = graph.n
  let (ro, muSum) = edgeRadiusSums(graph: graph, knn: knn, kUse: kUse, squared: true)
  let has = muSum.map { $0 > 0 }
  var logs = [Double](repeating: 0, count: n)
  var mean = 0.0, cnt = 0
  for i in 0..<n where has[i] { logs[i] = Elementary.log(1e-8 + ro[i] / muSum[i]); mean += logs[i]; cnt += 1 }
  mean /= Double(max(1, cnt))
  var v = 0.0
  for i in 0..<n where has[i] { v += (logs[i] - mean) * (logs[i] - mean) }
  let sd = (v / Double(max(1, cnt))).squareRoot()
  let R = (0..<n).map { has[$0] && sd > 0 ? Float((logs[$0] - mean) / sd) : 0 }
  return DensMAPInput(lambda: p.densLambda, frac: p.densFrac, varShift: p.densVarShift, R: R,
                      muTot: muSum.reduce(0, +) / 2, hasEdge: has,
                      logRadius: (0..<n).map { has[$0] ? logs[$0] : .nan })
}

/// umap-learn's `rad_emb_` (`output_dens=True`): the log local radius of every point of the
/// final embedding, log(10⁻⁸ + Σ μ·d / Σ μ) over the edges of the fuzzy graph of the embedding's
/// own k nearest neighbours (d the larger kNN distance of the edge, not squared, as umap-learn);
/// NaN for a point without edges.
func embeddingLogRadii(_ y: Matrix, k: Int, seed: UInt64, context: RunContext) throws -> [Double] {
  let n = y.rows
  let knn = try knnSelfJoin(y, k: min(k, n), metric: .euclidean, search: .umap(seed: seed), context: context)
  let g = fuzzySimplicialSet(knn: knn, threads: context.threads).graph
  let (re, mu) = edgeRadiusSums(graph: g, knn: knn, kUse: knn.k, squared: false)
  return (0..<n).map { mu[$0] > 0 ? Elementary.log(1e-8 + re[$0] / mu[$0]) : .nan }
}

/// The embedding-side quantities of one densMAP epoch (umap-learn
/// `_optimize_layout_euclidean_densmap_epoch_init` and the statistics after it), from the
/// coordinates at the start of the epoch: per vertex the log of Σ φ·d² / Σ φ over its edges
/// (φ = 1/(1 + a·d^{2b}), d² the squared embedding distance, each undirected edge counted from
/// both of its stored entries) and Σ φ; then the standard deviation (with `varShift` added to the
/// variance), the mean, and the covariance with R (divided by n − 1), over vertices with edges.
struct DensMAPEpoch {
  var reSum: [Float]
  var phiSum: [Float]
  var reStd: Double
  var reMean: Double
  var reCov: Double

  init(y: UnsafePointer<Float>, dim: Int, graph: FuzzyGraph, a: Double, b: Double, input: DensMAPInput, threads: Int) {
    let n = graph.n
    var rs = [Float](repeating: 0, count: n), ps = [Float](repeating: 0, count: n)
    rs.withUnsafeMutableBufferPointer { rp in
    ps.withUnsafeMutableBufferPointer { pp in
      let R = rp.baseAddress!, P = pp.baseAddress!
      parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
        for i in rows {
          var re = 0.0, ph = 0.0
          for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
            let j = Int(graph.columns[e])
            var d2 = 0.0
            for t in 0..<dim { let u = Double(y[i * dim + t] - y[j * dim + t]); d2 += u * u }
            let phi = 1 / (1 + a * Elementary.pow(d2, b))
            re += 2 * phi * d2
            ph += 2 * phi
          }
          R[i] = Float(Elementary.log(1e-8 + re / ph))
          P[i] = Float(ph)
        }
      }
    }}
    var mean = 0.0, cnt = 0
    for i in 0..<n where input.hasEdge[i] { mean += Double(rs[i]); cnt += 1 }
    mean /= Double(max(1, cnt))
    var v = 0.0, cov = 0.0
    for i in 0..<n where input.hasEdge[i] {
      v += (Double(rs[i]) - mean) * (Double(rs[i]) - mean)
      cov += Double(rs[i]) * Double(input.R[i])
    }
    reSum = rs
    phiSum = ps
    reStd = (v / Double(max(1, cnt)) + input.varShift).squareRoot()
    reMean = mean
    reCov = cov / Double(max(1, cnt - 1))
  }
}
