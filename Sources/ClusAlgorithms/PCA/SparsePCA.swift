// PCA and truncated SVD of a sparse CSR matrix, as scikit-learn's `PCA(svd_solver="arpack")` on sparse
// input (`PCA._fit_truncated`, sklearn/decomposition/_pca.py) and `TruncatedSVD(algorithm="arpack")`
// (sklearn/decomposition/_truncated_svd.py), without ARPACK and without densifying X.
//
// Both need the k largest singular triplets of A = X − 1·μᵀ (PCA, μ the column means) or A = X
// (TruncatedSVD), i.e. the k largest eigenpairs of AᵀA (d × d). A is never formed: A·V = X·V − 1·(μᵀV)
// and Aᵀ·U = Xᵀ·U − μ·(1ᵀU) (scikit-learn's `_implicit_column_offset`). Two solvers:
// - d ≤ `sparseDenseMaxCols`: AᵀA = XᵀX − n·μμᵀ formed in Double from the sparse rows (outer products of
//   each row's stored entries, in fixed row groups summed in order), then `symmetricEigenLargest`:
//   exact up to rounding.
// - larger d: a restarted block Krylov iteration (block Lanczos with full re-orthogonalisation and
//   Rayleigh–Ritz, `krylovEigenpairs`) on the implicit operator AᵀA, stopped when every wanted Ritz
//   pair's residual ‖AᵀA·y − θ·y‖ is below 10⁻¹⁰·θ₁.
// With fewer rows than columns (and d above the limit) both work on the smaller AAᵀ (n × n) instead,
// formed from the columns' entries when n ≤ `sparseDenseMaxCols`, and the right singular vectors are
// Aᵀu/‖Aᵀu‖ (ARPACK's `svds` also takes the smaller side).
// Every sum has a fixed order (products by rows of X or of its transpose; Gram–Schmidt and Rayleigh–Ritz
// per vector), and the start block comes from a `RandomStream` with a fixed seed, so the results are the
// same bits for any thread count.

/// Columns up to which the sparse solvers form AᵀA (d × d Double, at most 32 MB) and use the dense
/// symmetric eigensolver; above, the block Krylov iteration on the implicit operator.
let sparseDenseMaxCols = 2000

/// Rows per chunk of the parallel sparse products (each row's result is independent of the chunking).
private let sparseRowChunk = 256

/// The result of `truncatedSVD` (scikit-learn `TruncatedSVD.fit_transform` and its fitted attributes).
public struct TruncatedSVDResult: Sendable, Equatable {
  /// `fit_transform`'s output X·componentsᵀ, n × k (rows × components).
  public var transformed: Matrix
  /// `components_`: right singular vectors, k × d (components × features), unit rows, by decreasing
  /// singular value; each row's entry of largest magnitude is positive (`svd_flip(u_based_decision=False)`).
  public var components: Matrix
  /// `explained_variance_`: the variance (divisor n) of each column of `transformed`, length k.
  public var explainedVariance: [Double]
  /// `explained_variance_ratio_`: explainedVariance / the sum of the variances (divisor n) of X's columns,
  /// length k.
  public var explainedVarianceRatio: [Double]
  /// `singular_values_`: the k largest singular values of X (not centred), descending.
  public var singularValues: [Double]

  /// A result from its parts.
  public init(transformed: Matrix, components: Matrix, explainedVariance: [Double], explainedVarianceRatio: [Double],
              singularValues: [Double]) {
    self.transformed = transformed
    self.components = components
    self.explainedVariance = explainedVariance
    self.explainedVarianceRatio = explainedVarianceRatio
    self.singularValues = singularValues
  }
}

/// Principal component analysis of sparse data, as scikit-learn
/// `PCA(n_components=k, svd_solver="arpack").fit_transform(X)` on a CSR matrix: the data are centred
/// implicitly (X is never densified), the k largest singular triplets of X − 1·μᵀ are computed (see the
/// file's comment for the two solvers), components are signed as `svd_flip(u_based_decision=False)`
/// (each component's entry of largest magnitude positive, the first one on ties).
///
/// The result is a `PCAResult`, as the dense `pca` returns, so `PCAModel` holds either:
/// `explainedVariance` = σ²/(n − 1); `explainedVarianceRatio` over the total variance Σ var(X columns)
/// with divisor n − 1, computed from the stored entries (`mean_variance_axis`); `singularValues` = σ;
/// `mean` = column means; `noiseVariance` = (total variance − Σ explainedVariance)/(min(n, d) − k);
/// `transformed` = (X − μ)·componentsᵀ (the components rounded to Float, as `PCAModel.transform` uses
/// them, so that transforming the training data gives the same bits).
/// - Parameters:
///   - x: the data, n × d (rows × features), sparse.
///   - nComponents: k, 1 ≤ k < min(n, d) (ARPACK's rule).
///   - context: threads (the result does not depend on them), cancellation, progress ("sparse PCA").
/// - Returns: projection (n × k), components (k × d), variances, ratios, singular values, mean (d).
/// - Throws: `AlgorithmError.invalidInput` for an empty matrix, data with fewer than 2 rows or columns, a
///   projection beyond float32's range, or an iteration that has not converged (large d only);
///   `AlgorithmError.invalidParameter` (`n_components`) for k outside 1..<min(n, d);
///   `AlgorithmError.cancelled`.
public func pcaSparse(_ x: SparseMatrix, nComponents: Int, context: RunContext = RunContext()) throws -> PCAResult {
  try pcaSparseFit(x, nComponents: nComponents, context: context, denseMaxCols: sparseDenseMaxCols)
}

/// Truncated SVD of sparse data (latent semantic analysis), as scikit-learn
/// `TruncatedSVD(n_components=k, algorithm="arpack").fit_transform(X)` on a CSR matrix: the k largest
/// singular triplets of X itself (no centring), components signed as `svd_flip(u_based_decision=False)`.
///
/// `explainedVariance` is the variance (divisor n) of each transformed column about its own mean, and
/// `explainedVarianceRatio` divides it by the sum of the variances (divisor n) of X's columns computed
/// from the stored entries, as scikit-learn does.
/// - Parameters:
///   - x: the data, n × d (rows × features), sparse.
///   - nComponents: k, 1 ≤ k < min(n, d) (ARPACK's rule).
///   - context: threads (the result does not depend on them), cancellation, progress ("truncated SVD").
/// - Returns: projection X·componentsᵀ (n × k), components (k × d), variances, ratios, singular values.
/// - Throws: as `pcaSparse`.
public func truncatedSVD(_ x: SparseMatrix, nComponents: Int, context: RunContext = RunContext()) throws
  -> TruncatedSVDResult
{
  try truncatedSVDFit(x, nComponents: nComponents, context: context, denseMaxCols: sparseDenseMaxCols)
}

extension PCAModel {
  /// Projects sparse rows on the components (scikit-learn `PCA.transform` on a sparse matrix):
  /// (X − mean)·componentsᵀ computed as X·componentsᵀ − 1·(mean·componentsᵀ) without densifying X,
  /// divided by sqrt(explained variance) when whitening (clipped at machine epsilon, as `transform`).
  /// - Parameters:
  ///   - x: m × d sparse rows, d as the training data.
  ///   - context: threads (the result does not depend on them).
  /// - Returns: m × k coordinates (rows × components).
  /// - Throws: `AlgorithmError.invalidInput` for an empty matrix, a column mismatch, or a projection
  ///   beyond float32's range.
  public func transform(_ x: SparseMatrix, context: RunContext = RunContext()) throws -> Matrix {
    let c = result.components
    if x.rows == 0 || x.cols == 0 {
      throw AlgorithmError.invalidInput("new data is empty (\(x.rows) × \(x.cols))")
    }
    guard x.cols == c.cols else {
      throw AlgorithmError.invalidInput("the new data has \(x.cols) columns but the components \(c.cols)")
    }
    let op = SparseOperator(x, transposed: nil, mean: result.mean, threads: context.threads)
    var scale = [Double](repeating: 1, count: c.rows)
    if parameters.whiten {
      for j in 0..<c.rows { scale[j] = 1 / Swift.max(result.explainedVariance[j].squareRoot(), Double.ulpOfOne) }
    }
    let y = projectSparse(op, components: c, scale: scale)
    if let (r, col) = y.firstNonFinite() {
      throw AlgorithmError.invalidInput("the projection of row \(r) on component \(col) is beyond float32's range (±3.4e38)")
    }
    return y
  }
}

/// The k leading singular triplets of the sparse rows `x`, centred or not, and the projection of the rows
/// on them: what PCA and TruncatedSVD share (progress: statistics, eigenpairs, then the caller's step).
private func sparseFactorisation(
  _ x: SparseMatrix, k: Int, centred: Bool, context: RunContext, denseMaxCols: Int, what: String
) throws -> (values: [Double], components: Matrix, transformed: Matrix, stats: (mean: [Double], variance: [Double])) {
  try checkSparseInput(x, k)
  let xt = x.transposed()
  let stats = sparseColumnStatistics(transposed: xt, rows: x.rows)
  context.progress.update(1)
  try context.cancellation.check()
  let op = SparseOperator(x, transposed: xt, mean: centred ? stats.mean : nil, threads: context.threads)
  let (values, vectors) = try leadingEigenpairs(op, k: k, denseMaxCols: denseMaxCols, context: context, what: what)
  context.progress.update(2)
  let components = Matrix(rows: k, cols: x.cols, data: vectors.map { Float($0) })
  let transformed = projectSparse(op, components: components, scale: [Double](repeating: 1, count: k))
  if let (r, c) = transformed.firstNonFinite() {
    throw AlgorithmError.invalidInput(
      "the projection of row \(r) on component \(c) is beyond float32's range (±3.4e38), in which clus keeps "
        + "data; scale the data first")
  }
  return (values, components, transformed, (stats.mean, stats.variance))
}

/// `pcaSparse` with the dense/iterative switch exposed (tests force the iterative solver on small data).
func pcaSparseFit(_ x: SparseMatrix, nComponents k: Int, context: RunContext, denseMaxCols: Int) throws -> PCAResult {
  let n = x.rows, d = x.cols
  context.progress.begin("sparse PCA", total: 3)
  defer { context.progress.end() }
  let (values, components, transformed, stats) = try sparseFactorisation(
    x, k: k, centred: true, context: context, denseMaxCols: denseMaxCols, what: "sparse PCA")
  let nDen = Double(n - 1)
  let ev = values.map { $0 / nDen }
  // total variance with ddof = 1 (scikit-learn: var.sum() * n / (n − 1))
  let totalVariance = stats.variance.reduce(0, +) * Double(n) / nDen
  let ratio = ev.map { totalVariance > 0 ? $0 / totalVariance : 0 }
  let noise = (totalVariance - ev.reduce(0, +)) / Double(Swift.min(n, d) - k)
  context.progress.update(3)
  return PCAResult(
    transformed: transformed, components: components, explainedVariance: ev, explainedVarianceRatio: ratio,
    singularValues: values.map { $0.squareRoot() }, mean: stats.mean, noiseVariance: noise)
}

/// `truncatedSVD` with the dense/iterative switch exposed (tests force the iterative solver on small data).
func truncatedSVDFit(_ x: SparseMatrix, nComponents k: Int, context: RunContext, denseMaxCols: Int) throws
  -> TruncatedSVDResult
{
  let n = x.rows
  context.progress.begin("truncated SVD", total: 3)
  defer { context.progress.end() }
  let (values, components, transformed, stats) = try sparseFactorisation(
    x, k: k, centred: false, context: context, denseMaxCols: denseMaxCols, what: "truncated SVD")
  // np.var(X_transformed, axis=0): divisor n, about each column's mean (in Double, rows in order)
  var ev = [Double](repeating: 0, count: k)
  for j in 0..<k {
    var s = 0.0
    for i in 0..<n { s += Double(transformed.data[i * k + j]) }
    let m = s / Double(n)
    var q = 0.0
    for i in 0..<n {
      let t = Double(transformed.data[i * k + j]) - m
      q += t * t
    }
    ev[j] = q / Double(n)
  }
  let fullVariance = stats.variance.reduce(0, +)
  context.progress.update(3)
  return TruncatedSVDResult(
    transformed: transformed, components: components, explainedVariance: ev,
    explainedVarianceRatio: ev.map { fullVariance > 0 ? $0 / fullVariance : 0 },
    singularValues: values.map { $0.squareRoot() })
}

/// The shape and k as scikit-learn checks them for the ARPACK solver.
/// - Throws: `AlgorithmError.invalidInput` for an empty matrix or one with fewer than 2 rows or columns;
///   `AlgorithmError.invalidParameter` for k outside 1..<min(n, d).
private func checkSparseInput(_ x: SparseMatrix, _ k: Int) throws {
  if x.rows == 0 || x.cols == 0 {
    throw AlgorithmError.invalidInput("the sparse data is empty (\(x.rows) × \(x.cols))")
  }
  let maxK = Swift.min(x.rows, x.cols)
  if maxK < 2 {
    throw AlgorithmError.invalidInput(
      "the sparse data has \(x.rows) × \(x.cols) entries; the ARPACK-style solver needs at least 2 rows and 2 columns")
  }
  if k < 1 || k >= maxK {
    throw AlgorithmError.invalidParameter(
      name: "n_components", value: "\(k)",
      allowed: "between 1 and min(n_samples, n_features) − 1 = \(maxK - 1) (the ARPACK solver needs k < min(n, d))")
  }
}

/// Column means and variances (divisor n) of a sparse matrix from its stored entries, in Double, as
/// scikit-learn's `mean_variance_axis(X, axis=0)`: var_f = (Σ_stored (x − μ_f)² + (n − nnz_f)·μ_f²)/n.
/// Each column is summed in row order, from the transpose.
/// - Parameters:
///   - xt: Xᵀ (d × n) in CSR form.
///   - rows: n.
/// - Returns: d means and d variances.
func sparseColumnStatistics(transposed xt: SparseMatrix, rows: Int) -> (mean: [Double], variance: [Double]) {
  let n = Double(rows), d = xt.rows
  var mean = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
  for f in 0..<d {
    let lo = xt.indptr[f], hi = xt.indptr[f + 1]
    var s = 0.0
    for t in lo..<hi { s += Double(xt.values[t]) }
    let m = s / n
    var q = 0.0
    for t in lo..<hi {
      let e = Double(xt.values[t]) - m
      q += e * e
    }
    q += (n - Double(hi - lo)) * m * m
    mean[f] = m
    variance[f] = q / n
  }
  return (mean, variance)
}

/// A symmetric positive semi-definite operator B on blocks of p vectors of `dimension` entries
/// (row-major, `dimension × p`), as the Krylov iteration sees it.
protocol GramOperator {
  /// The side of the square operator.
  var dimension: Int { get }
  /// B·V for V (`dimension × p`, row-major).
  func gram(_ v: [Double], p: Int) -> [Double]
}

/// AAᵀ (n × n) of a `SparseOperator`'s A: the smaller operator when A has fewer rows than columns
/// (what ARPACK's `svds` works on in that case).
struct RowGramOperator: GramOperator {
  /// The operator A, n × d (its transpose is needed).
  let op: SparseOperator

  /// AAᵀ of `op` (which must hold Xᵀ).
  init(_ op: SparseOperator) { self.op = op }

  var dimension: Int { op.x.rows }

  /// AAᵀ·U for U (n × p) column by column of A: t = a_fᵀU = x_fᵀU − μ_f·(1ᵀU), then each stored x_if
  /// adds x_if·t to row i and μ_f·t is gathered to be taken from every row, so that no d × p
  /// intermediate is formed (for 2,000,000 columns it was 450 MB a product, read back at random).
  /// The centring is applied per column, as A·V and Aᵀ·U apply it: a column far from 0 cancels
  /// within its own term (forming XXᵀ and subtracting Xμ terms afterwards lost the spectrum of data
  /// with a column at 1,000 to rounding: the iteration did not converge). The columns are cut into a
  /// fixed number of groups (from n, d and p only), each with its own n × p sum and p-vector of
  /// μ_f·t, added in group order.
  func gram(_ u: [Double], p: Int) -> [Double] {
    let n = op.x.rows
    let groups = Swift.max(1, Swift.min(8, (256 << 20) / Swift.max(1, n * p * 8)))
    let t = UnsafeMutablePointer<Double>.allocate(capacity: p * groups)
    defer { t.deallocate() }
    var ones = [Double](repeating: 0, count: p)
    if op.mean != nil { for i in 0..<n { for j in 0..<p { ones[j] += u[i * p + j] } } }
    let mu = op.mean
    let sums = u.withUnsafeBufferPointer { up in
      ones.withUnsafeBufferPointer { op1 in
        let U = up.baseAddress!, O = op1.baseAddress!
        // the rows of Xᵀ are the columns of X; a group's scratch t is its own; the last p entries
        // of a group's sum gather μ_f·t
        return groupedSums(op.xt!, groups: groups, size: n * p + p, threads: op.threads) { out, g, f, entries, cols, vals in
          let m = mu?[f] ?? 0
          if entries.isEmpty && m == 0 { return }
          let tf = t + g * p
          for j in 0..<p { tf[j] = 0 }
          for e in entries {
            let a = Double(vals[e]), row = U + Int(cols[e]) * p
            for j in 0..<p { tf[j] += a * row[j] }
          }
          if m != 0 {
            for j in 0..<p { tf[j] -= m * O[j] }
            let c = out + n * p
            for j in 0..<p { c[j] += m * tf[j] }
          }
          for e in entries {
            let a = Double(vals[e]), o = out + Int(cols[e]) * p
            for j in 0..<p { o[j] += a * tf[j] }
          }
        }
      }
    }
    var y = Array(sums[0..<(n * p)])
    if mu != nil { for i in 0..<n { for j in 0..<p { y[i * p + j] -= sums[n * p + j] } } }
    return y
  }
}

/// A = X − 1·μᵀ (or A = X without a mean) as an operator on blocks of p vectors, never formed.
/// Blocks are row-major: V is d × p (features × vectors), U is n × p (rows × vectors).
struct SparseOperator: GramOperator {
  /// X, n × d.
  let x: SparseMatrix
  /// Xᵀ (d × n) in CSR form, for Aᵀ·U by rows; nil when only A·V is needed.
  let xt: SparseMatrix?
  /// μ (length d), or nil for A = X.
  let mean: [Double]?
  /// Worker threads (the results do not depend on them).
  let threads: Int

  /// The operator of `x` centred by `mean` (if any); `transposed` is Xᵀ (`x.transposed()`), needed by
  /// `applyTransposed` only.
  init(_ x: SparseMatrix, transposed: SparseMatrix?, mean: [Double]?, threads: Int) {
    self.x = x
    self.xt = transposed
    self.mean = mean
    self.threads = threads
  }

  /// A·V for V (d × p, row-major): X·V − 1·(μᵀV), n × p row-major.
  func apply(_ v: [Double], p: Int) -> [Double] {
    var shift = [Double](repeating: 0, count: p)
    if let mu = mean {
      for f in 0..<x.cols where mu[f] != 0 { for j in 0..<p { shift[j] += mu[f] * v[f * p + j] } }
    }
    return sparseTimesBlock(x, v, p: p, shift: shift, threads: threads)
  }

  /// Aᵀ·U for U (n × p, row-major): Xᵀ·U − μ·(1ᵀU), d × p row-major.
  func applyTransposed(_ u: [Double], p: Int) -> [Double] {
    var out = sparseTimesBlock(xt!, u, p: p, shift: [Double](repeating: 0, count: p), threads: threads)
    if let mu = mean {
      var colSum = [Double](repeating: 0, count: p)
      for i in 0..<x.rows { for j in 0..<p { colSum[j] += u[i * p + j] } }
      for f in 0..<x.cols where mu[f] != 0 { for j in 0..<p { out[f * p + j] -= mu[f] * colSum[j] } }
    }
    return out
  }

  /// AᵀA·V (d × p row-major).
  func gram(_ v: [Double], p: Int) -> [Double] { applyTransposed(apply(v, p: p), p: p) }

  /// d: AᵀA is d × d.
  var dimension: Int { x.cols }
}

/// M·V − 1·shiftᵀ for a sparse M (r × c) and V (c × p row-major), r × p row-major in Double. Each output
/// row sums its stored entries in column order; rows run in parallel chunks.
private func sparseTimesBlock(_ m: SparseMatrix, _ v: [Double], p: Int, shift: [Double], threads: Int) -> [Double] {
  var out = [Double](repeating: 0, count: m.rows * p)
  m.indptr.withUnsafeBufferPointer { ip in
    m.indices.withUnsafeBufferPointer { cp in
      m.values.withUnsafeBufferPointer { xp in
        v.withUnsafeBufferPointer { vp in
          out.withUnsafeMutableBufferPointer { op in
            let vb = vp.baseAddress!, ob = op.baseAddress!
            parallelChunks(count: m.rows, chunkSize: sparseRowChunk, threads: threads) { _, rows in
              for i in rows {
                let o = ob + i * p
                for t in ip[i]..<ip[i + 1] {
                  let a = Double(xp[t]), row = vb + Int(cp[t]) * p
                  for j in 0..<p { o[j] += a * row[j] }
                }
                for j in 0..<p { o[j] -= shift[j] }
              }
            }
          }
        }
      }
    }
  }
  return out
}

/// A·componentsᵀ (n × k) with the Float components promoted to Double, each column multiplied by
/// `scale[j]`, rounded to Float: the projection of the fit and of `PCAModel.transform` alike.
func projectSparse(_ op: SparseOperator, components: Matrix, scale: [Double]) -> Matrix {
  let k = components.rows, d = components.cols
  var v = [Double](repeating: 0, count: d * k)
  for j in 0..<k { for f in 0..<d { v[f * k + j] = Double(components.data[j * d + f]) } }
  let y = op.apply(v, p: k)
  var out = Matrix(rows: op.x.rows, cols: k)
  for i in 0..<op.x.rows { for j in 0..<k { out.data[i * k + j] = Float(y[i * k + j] * scale[j]) } }
  return out
}

/// The k largest eigenvalues of AᵀA (= squared singular values of A, descending, clipped at 0) and their
/// unit eigenvectors (k × d rows), each signed so that its entry of largest magnitude is positive.
/// Dense eigensolver on the formed AᵀA for d ≤ `denseMaxCols` (or when the Krylov basis would not fit
/// in d), else `krylovEigenpairs`.
/// - Throws: `AlgorithmError.invalidInput` if the iteration does not converge; `.cancelled`.
private func leadingEigenpairs(
  _ op: SparseOperator, k: Int, denseMaxCols: Int, context: RunContext, what: String
) throws -> (values: [Double], vectors: [Double]) {
  let n = op.x.rows, d = op.x.cols
  let block = krylovBlockSize(k)
  if d <= denseMaxCols || 2 * block > d {
    let g = sparseGram(op, context: context)
    try context.cancellation.check()
    let r = try symmetricEigenLargest(g, n: d, count: k, threads: context.threads)
    return (r.values.map { Swift.max(0, $0) }, r.vectors)
  }
  // Fewer rows than columns: the eigenpairs (θ, u) of AAᵀ (n × n), then v = Aᵀu/‖Aᵀu‖, as ARPACK's
  // `svds` takes the smaller side (a Krylov basis of n-vectors instead of d-vectors: 20,000 × 200,000
  // took minutes). Unless a wanted singular value is 0 or lost in rounding, when v is not defined by u.
  if n < d {
    let values: [Double], u: [Double]
    if n <= denseMaxCols || 2 * block > n {
      let g = rowGram(op, context: context)
      try context.cancellation.check()
      let r = try symmetricEigenLargest(g, n: n, count: k, threads: context.threads)
      (values, u) = (r.values, r.vectors)
    } else {
      (values, u) = try krylovEigenpairs(RowGramOperator(op), k: k, block: block, context: context, what: what)
    }
    if var vectors = rightSingularVectors(op, u: u, k: k) {
      normaliseSigns(&vectors, count: k, n: d)
      return (values.map { Swift.max(0, $0) }, vectors)
    }
  }
  var (values, vectors) = try krylovEigenpairs(op, k: k, block: block, context: context, what: what)
  normaliseSigns(&vectors, count: k, n: d)
  return (values.map { Swift.max(0, $0) }, vectors)
}

/// AᵀA = XᵀX − n·μμᵀ (d × d, Double, full symmetric): per row, the outer product of its stored entries
/// (upper triangle), accumulated in a fixed number of row groups (from n and d only), each with its own
/// accumulator, added in group order. Costs Σ (stored entries per row)² / 2.
private func sparseGram(_ op: SparseOperator, context: RunContext) -> [Double] {
  let x = op.x
  let n = x.rows, d = x.cols
  let nGroups = Swift.min(chunkCount(n, sparseRowChunk), sparseGramMaxGroups(cols: d))
  // (the lower triangle stays 0 in every group)
  var g = groupedSums(x, groups: nGroups, size: d * d, threads: context.threads) { c, _, _, entries, cols, vals in
    for s in entries {
      let a = Double(vals[s]), row = c + Int(cols[s]) * d
      for t in s..<entries.upperBound { row[Int(cols[t])] += a * Double(vals[t]) }
    }
  }
  let mu = op.mean
  let nn = Double(n)
  for i in 0..<d {
    for j in i..<d {
      var v = g[i * d + j]
      if let mu = mu { v -= nn * mu[i] * mu[j] }
      g[i * d + j] = v
      g[j * d + i] = v
    }
  }
  return g
}

/// The most row groups `sparseGram` accumulates AᵀA in (each a d × d Double accumulator): up to 8,
/// as many as fit in 128 MB, at least 1.
private func sparseGramMaxGroups(cols d: Int) -> Int { Swift.max(1, Swift.min(8, (128 << 20) / Swift.max(1, d * d * 8))) }

/// Σ over the rows of a CSR matrix `m` of `body`'s contributions, accumulated in `groups` fixed
/// groups of rows (each with its own `size` Doubles, zeroed; `group` < `groups` names it), the groups
/// run on `threads` workers and added in group order: the same bits for any thread count.
private func groupedSums(
  _ m: SparseMatrix, groups: Int, size: Int, threads: Int,
  _ body: (_ out: UnsafeMutablePointer<Double>, _ group: Int, _ row: Int, _ entries: Range<Int>,
           _ columns: UnsafePointer<Int32>, _ values: UnsafePointer<Float>) -> Void
) -> [Double] {
  let groupRows = (m.rows + groups - 1) / groups
  let used = chunkCount(m.rows, groupRows)
  var acc = [Double](repeating: 0, count: used * size)
  m.indptr.withUnsafeBufferPointer { ip in
    m.indices.withUnsafeBufferPointer { cp in
      m.values.withUnsafeBufferPointer { xp in
        acc.withUnsafeMutableBufferPointer { ap in
          let base = ap.baseAddress!, C = cp.baseAddress!, X = xp.baseAddress!
          parallelChunks(count: m.rows, chunkSize: groupRows, threads: threads) { g, rows in
            for i in rows { body(base + g * size, g, i, ip[i]..<ip[i + 1], C, X) }
          }
        }
      }
    }
  }
  var out = [Double](repeating: 0, count: size)
  for g in 0..<used { for e in 0..<size { out[e] += acc[g * size + e] } }
  return out
}

/// AAᵀ (n × n, Double, full symmetric): without a mean XXᵀ, as `sparseGram` of Xᵀ (the outer
/// products of each column's stored entries); centred, `RowGramOperator` applied to the identity
/// (each column centred in its own term: XXᵀ − Xμ1ᵀ − 1μᵀXᵀ + (μᵀμ)11ᵀ lost data with a column far
/// from 0 to rounding).
private func rowGram(_ op: SparseOperator, context: RunContext) -> [Double] {
  let n = op.x.rows
  guard op.mean != nil else {
    return sparseGram(SparseOperator(op.xt!, transposed: nil, mean: nil, threads: op.threads), context: context)
  }
  // centred: AAᵀ·I by the operator (per-column centring), symmetrised
  var identity = [Double](repeating: 0, count: n * n)
  for i in 0..<n { identity[i * n + i] = 1 }
  var g = RowGramOperator(op).gram(identity, p: n)
  for i in 0..<n { for j in 0..<i { let v = 0.5 * (g[i * n + j] + g[j * n + i]); g[i * n + j] = v; g[j * n + i] = v } }
  return g
}

/// The right singular vectors v = Aᵀu/‖Aᵀu‖ (k × d rows) of the left ones u (k × n rows, eigenvectors
/// of AAᵀ), orthonormalised; nil if some ‖Aᵀu‖ is at most 10⁻⁴ of the largest (a singular value of 0,
/// or so small that the residual of u, up to 10⁻¹⁰·σ₁², would dominate v).
private func rightSingularVectors(_ op: SparseOperator, u: [Double], k: Int) -> [Double]? {
  let n = op.x.rows, d = op.x.cols
  var ut = [Double](repeating: 0, count: n * k)
  for j in 0..<k { for i in 0..<n { ut[i * k + j] = u[j * n + i] } }
  let w = op.applyTransposed(ut, p: k)  // d × k
  var norms = [Double](repeating: 0, count: k)
  for f in 0..<d { for j in 0..<k { norms[j] += w[f * k + j] * w[f * k + j] } }
  norms = norms.map { $0.squareRoot() }
  let largest = norms.max() ?? 0
  guard largest > 0, norms.allSatisfy({ $0 > 1e-4 * largest }) else { return nil }
  var v = [Double](repeating: 0, count: k * d)
  for j in 0..<k { for f in 0..<d { v[j * d + f] = w[f * k + j] / norms[j] } }
  // Aᵀu_i·Aᵀu_j = u_iᵀ(AAᵀu_j) is the residual's share only, which 1/(σ_i σ_j) magnifies: Gram–Schmidt
  // in order keeps the vectors orthonormal (as the dense PCA's right vectors from its Gram matrix)
  orthonormaliseRows(&v, count: k, d: d, valid: [Bool](repeating: true, count: k))
  return v
}

/// Block size of the Krylov iteration for k wanted pairs: k plus max(8, k/2) guard vectors.
private func krylovBlockSize(_ k: Int) -> Int { k + Swift.max(8, k / 2) }

/// Blocks in one cycle of the Krylov iteration (`krylovEigenpairs`) for blocks of p vectors on d
/// columns: 8 when they fit in d and in 512 MB for Q and Z, else fewer, at least 2.
private func krylovDepth(block p: Int, cols d: Int) -> Int {
  var q = 8
  while q > 2 && (q * p > d || q * p * d * 16 > (512 << 20)) { q -= 1 }
  return q
}

/// An upper estimate of the bytes `pcaSparse` and `truncatedSVD` allocate beyond their input for n rows
/// × d columns with `stored` entries and k components: the transpose (two counts per column and 8
/// bytes an entry), the column statistics (16 per column), then either AᵀA with its row-group
/// accumulators and the eigensolver's copy (d ≤ `sparseDenseMaxCols`, 8·d² each) or the Krylov
/// cycle's Q and Z (2·m·d Doubles, m = depth × block) and one block product (2·block·d), or, with
/// fewer rows than columns, the same for AAᵀ (n in place of d, with up to 8 n × block sums of its
/// product) and two d × k blocks, then the k
/// components (12 per column each, Double and Float) and the n × k projection (12 per row each). What
/// a run on 3 × 2³¹ columns would allocate (hundreds of GB in the Krylov basis), so that the caller can
/// refuse it first.
public func sparseFactorisationBytes(rows n: Int, cols d: Int, stored: Int, nComponents k: Int) -> Double {
  let dd = Double(d), kk = Double(max(1, k))
  var bytes = 16 * (dd + 1) + 8 * Double(stored) + 16 * dd + 12 * kk * (dd + Double(n))
  // (the block of a count beyond the columns is that of the columns: k + k/2 overflowed near Int.max)
  let block = krylovBlockSize(min(max(1, k), max(1, d)))
  if d <= sparseDenseMaxCols || 2 * block > d {
    bytes += 8 * dd * dd * Double(sparseGramMaxGroups(cols: d) + 2)
  } else {
    let m = Double(krylovDepth(block: block, cols: d) * block)
    var most = 8 * dd * (2 * m + 2 * Double(block))
    if n < d {
      // AAᵀ first (formed, or its Krylov cycle on n-vectors), then v = Aᵀu (two d × k blocks)
      let nn = Double(n)
      let rowSide = n <= sparseDenseMaxCols || 2 * block > n
        ? 8 * nn * nn * Double(Swift.max(sparseGramMaxGroups(cols: n) + 2, Swift.min(8, Swift.max(1, (256 << 20) / Swift.max(1, n * n * 8))) + 3))
        : 8 * nn * (2 * Double(krylovDepth(block: block, cols: n) * block) + 2 * Double(block))
          + Swift.min(8 * 8 * nn * Double(block), Swift.max(Double(256 << 20), 8 * nn * Double(block)))
      most = Swift.max(most, rowSide + 16 * dd * kk)
    }
    bytes += most
  }
  return bytes
}

/// Restarts of the block Krylov iteration before it gives up.
let krylovMaxRestarts = 300

/// Relative residual ‖AᵀA·y − θ·y‖ / θ₁ below which a Ritz pair counts as converged.
let krylovTolerance = 1e-10

/// The k largest eigenpairs of B (AᵀA, or AAᵀ when A has fewer rows than columns) by a restarted
/// block Krylov iteration: block Lanczos (Golub & Underwood 1977) with full re-orthogonalisation and Rayleigh–Ritz on the whole basis, restarted from
/// the p leading Ritz vectors.
///
/// A cycle spans Q = [Q₁, B·Q₁, …, B^(q−1)·Q₁] (q = 8 where it fits; each block orthogonalised against
/// the previous ones by two passes of Gram–Schmidt, then within itself), with Z = B·Q kept alongside; the
/// Rayleigh–Ritz matrix H = QᵀZ (m × m, m = q·p, symmetrised) gives Ritz values θ and vectors y = Q·s, whose residuals
/// ‖Z·s − θ·Q·s‖ need no further product. When the k leading residuals are at most 10⁻¹⁰·θ₁ it stops;
/// otherwise the p leading Ritz vectors (and their Z) start the next cycle. The start block is Gaussian
/// from `RandomStream(seed: 0x5EED_5CA1)`; a vector that Gram–Schmidt reduces to rounding noise (rank
/// deficiency, an invariant subspace) is replaced by a fresh random vector from the same seeded stream.
/// Every product and dot product has a fixed order; parallel tasks are per vector or per row.
/// - Returns: k values (descending) and k unit vectors (rows, k × d), unsigned.
/// - Throws: `AlgorithmError.invalidInput` after `krylovMaxRestarts` cycles without convergence;
///   `AlgorithmError.cancelled`.
private func krylovEigenpairs<B: GramOperator>(
  _ op: B, k: Int, block p: Int, context: RunContext, what: String
) throws -> (values: [Double], vectors: [Double]) {
  let d = op.dimension, threads = context.threads
  // depth: 8 blocks when they fit in d and in 512 MB for Q and Z, else fewer (at least 2; 2p ≤ d here).
  // Deeper spaces need fewer products in all (on a flat spectrum, 20,000 × 5,000 with 5·10⁶ entries,
  // k = 10: 171 block products at depth 4, 115 at 6, 90 at 10).
  let q = krylovDepth(block: p, cols: d)
  let m = q * p
  var basis = [Double](repeating: 0, count: m * d)   // Q, rows
  var image = [Double](repeating: 0, count: m * d)   // Z = B·Q, rows
  var rng = RandomStream(seed: 0x5EED_5CA1, 0x5BA2_5E)

  /// B applied to basis rows r0..<r0+count, into the same rows of `image`.
  func applyB(rows r0: Int, count: Int) {
    var v = [Double](repeating: 0, count: d * count)
    for j in 0..<count { for f in 0..<d { v[f * count + j] = basis[(r0 + j) * d + f] } }
    let w = op.gram(v, p: count)
    for j in 0..<count { for f in 0..<d { image[(r0 + j) * d + f] = w[f * count + j] } }
  }

  /// Orthonormalises basis rows r0..<r0+count against rows 0..<r0 (in parallel, per row) and then
  /// within themselves (in order), two passes each; when `withImage`, the same combinations are
  /// applied to `image`. A row left with less than 10⁻⁸ of its norm is replaced by a random vector
  /// (whose image is then recomputed when `withImage`).
  func orthonormalise(rows r0: Int, count: Int, withImage: Bool) {
    var replaced = [Int]()
    // against the previous rows: independent per new row
    if r0 > 0 {
      basis.withUnsafeMutableBufferPointer { bp in
        image.withUnsafeMutableBufferPointer { zp in
          let bb = bp.baseAddress!, zb = zp.baseAddress!
          parallelChunks(count: count, chunkSize: 1, threads: threads) { _, range in
            for r in range {
              let w = bb + (r0 + r) * d, wz = zb + (r0 + r) * d
              for _ in 0..<2 {
                for l in 0..<r0 {
                  let ql = bb + l * d
                  let c = dot(ql, w, d)
                  for f in 0..<d { w[f] -= c * ql[f] }
                  if withImage {
                    let zl = zb + l * d
                    for f in 0..<d { wz[f] -= c * zl[f] }
                  }
                }
              }
            }
          }
        }
      }
    }
    basis.withUnsafeMutableBufferPointer { bp in
      image.withUnsafeMutableBufferPointer { zp in
        let bb = bp.baseAddress!, zb = zp.baseAddress!
        for r in r0..<(r0 + count) {
          let w = bb + r * d, wz = zb + r * d
          let before = dot(w, w, d).squareRoot()
          for _ in 0..<2 {
            for l in r0..<r {
              let ql = bb + l * d
              let c = dot(ql, w, d)
              for f in 0..<d { w[f] -= c * ql[f] }
              if withImage {
                let zl = zb + l * d
                for f in 0..<d { wz[f] -= c * zl[f] }
              }
            }
          }
          var norm = dot(w, w, d).squareRoot()
          if !(norm > 1e-8 * before) || norm == 0 {
            // replacement: a random direction orthogonal to every row before it
            replaced.append(r)
            for attempt in 0..<8 {
              for f in 0..<d { w[f] = rng.nextGaussian() }
              let b2 = dot(w, w, d).squareRoot()
              for _ in 0..<2 {
                for l in 0..<r {
                  let ql = bb + l * d
                  let c = dot(ql, w, d)
                  for f in 0..<d { w[f] -= c * ql[f] }
                }
              }
              norm = dot(w, w, d).squareRoot()
              if norm > 1e-3 * b2 || attempt == 7 { break }
            }
          }
          let inv = 1 / norm
          for f in 0..<d { w[f] *= inv }
          if withImage { for f in 0..<d { wz[f] *= inv } }
        }
      }
    }
    if withImage { for r in replaced { applyB(rows: r, count: 1) } }
  }

  // start block: Gaussian, orthonormal, and its image
  for i in 0..<(p * d) { basis[i] = rng.nextGaussian() }
  orthonormalise(rows: 0, count: p, withImage: false)
  applyB(rows: 0, count: p)

  var h = [Double](repeating: 0, count: m * m)
  var lastResidual = Double.infinity
  for _ in 0..<krylovMaxRestarts {
    try context.cancellation.check()
    // the Krylov blocks B·Q_{j−1}, orthonormalised, and their images
    for j in 1..<q {
      let r0 = j * p
      for i in 0..<(p * d) { basis[r0 * d + i] = image[(r0 - p) * d + i] }
      orthonormalise(rows: r0, count: p, withImage: false)
      applyB(rows: r0, count: p)
    }
    // Rayleigh–Ritz: H = Qᵀ·Z by rows (each element one fixed-order dot product), symmetrised
    basis.withUnsafeBufferPointer { bp in
      image.withUnsafeBufferPointer { zp in
        h.withUnsafeMutableBufferPointer { hp in
          let bb = bp.baseAddress!, zb = zp.baseAddress!, hb = hp.baseAddress!
          parallelChunks(count: m, chunkSize: 4, threads: threads) { _, rows in
            Gemm.dgemmNT(m: rows.count, n: m, k: d, a: bb + rows.lowerBound * d, lda: d, b: zb, ldb: d,
                         c: hb + rows.lowerBound * m, ldc: m)
          }
        }
      }
    }
    for a in 0..<m {
      for b in (a + 1)..<m {
        let s = 0.5 * (h[a * m + b] + h[b * m + a])
        h[a * m + b] = s
        h[b * m + a] = s
      }
    }
    let ritz = try symmetricEigenLargest(h, n: m, count: p, threads: threads)
    // Ritz vectors y = Q·s and their images Z·s, per vector (fixed order over the basis)
    var y = [Double](repeating: 0, count: p * d), by = [Double](repeating: 0, count: p * d)
    basis.withUnsafeBufferPointer { bp in
      image.withUnsafeBufferPointer { zp in
        y.withUnsafeMutableBufferPointer { yp in
          by.withUnsafeMutableBufferPointer { byp in
            let bb = bp.baseAddress!, zb = zp.baseAddress!, yb = yp.baseAddress!, byb = byp.baseAddress!
            parallelChunks(count: p, chunkSize: 1, threads: threads) { _, range in
              for i in range {
                let yi = yb + i * d, zi = byb + i * d
                for l in 0..<m {
                  let s = ritz.vectors[i * m + l]
                  let ql = bb + l * d, zl = zb + l * d
                  for f in 0..<d {
                    yi[f] += s * ql[f]
                    zi[f] += s * zl[f]
                  }
                }
              }
            }
          }
        }
      }
    }
    // residuals of the k wanted pairs
    let top = Swift.max(ritz.values[0], 0)
    var worst = 0.0
    for i in 0..<k {
      var s = 0.0
      let theta = ritz.values[i]
      for f in 0..<d {
        let r = by[i * d + f] - theta * y[i * d + f]
        s += r * r
      }
      worst = Swift.max(worst, s.squareRoot())
    }
    lastResidual = top > 0 ? worst / top : 0
    if worst <= krylovTolerance * top {
      return (Array(ritz.values[0..<k]), Array(y[0..<(k * d)]))
    }
    // restart from the p leading Ritz vectors (re-orthonormalised with their images)
    for i in 0..<(p * d) {
      basis[i] = y[i]
      image[i] = by[i]
    }
    orthonormalise(rows: 0, count: p, withImage: true)
  }
  throw AlgorithmError.invalidInput(
    "\(what): the block Krylov iteration for \(k) singular vectors did not converge in \(krylovMaxRestarts) restarts "
      + "(largest relative residual \(lastResidual)); the spectrum may have a cluster of nearly equal singular values "
      + "around the \(k)th: try another n_components")
}
