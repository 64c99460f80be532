/// How many principal components to keep (scikit-learn parameter `n_components`).
public enum PCAComponents: Sendable, Equatable {
  /// Exactly this many components (1 ≤ count ≤ min(n, d)).
  case count(Int)
  /// The fewest components whose cumulative explained-variance ratio exceeds this fraction,
  /// in (0, 1) (scikit-learn's float `n_components`, `searchsorted(side="right") + 1`).
  case varianceFraction(Double)
}

/// Parameters of `pca`, named after scikit-learn's `sklearn.decomposition.PCA`
/// (`svd_solver="full"` semantics).
public struct PCAParameters: Sendable, Equatable {
  /// `n_components`; nil keeps min(n, d) components (scikit-learn's default None).
  public var nComponents: PCAComponents?
  /// `whiten`: divide each projected coordinate by the square root of its explained variance
  /// (unit-variance outputs). Default false.
  public var whiten: Bool

  /// Parameters with scikit-learn's defaults.
  public init(nComponents: PCAComponents? = nil, whiten: Bool = false) {
    self.nComponents = nComponents
    self.whiten = whiten
  }
}

/// Result of `pca` (scikit-learn `fit_transform` output and fitted attributes).
public struct PCAResult: Sendable, Equatable {
  /// The data projected on the components, n × k (`fit_transform`), whitened if asked.
  public var transformed: Matrix
  /// `components_`: principal axes, k × d, unit rows, by decreasing variance; each row's entry of
  /// largest magnitude is positive (scikit-learn `svd_flip(u_based_decision=False)`).
  public var components: Matrix
  /// `explained_variance_`: variance along each component (eigenvalues of the covariance with
  /// divisor n − 1), length k.
  public var explainedVariance: [Double]
  /// `explained_variance_ratio_`: explainedVariance / total variance, length k.
  public var explainedVarianceRatio: [Double]
  /// `singular_values_`: sqrt(explainedVariance · (n − 1)), length k.
  public var singularValues: [Double]
  /// `mean_`: per-feature mean, length d.
  public var mean: [Double]
  /// `noise_variance_`: mean of the discarded eigenvalues (0 if none is discarded).
  public var noiseVariance: Double

  /// A result from its parts (for example, read back from a model file; `PCAModel` checks that
  /// they fit together).
  public init(transformed: Matrix, components: Matrix, explainedVariance: [Double], explainedVarianceRatio: [Double],
              singularValues: [Double], mean: [Double], noiseVariance: Double) {
    self.transformed = transformed
    self.components = components
    self.explainedVariance = explainedVariance
    self.explainedVarianceRatio = explainedVarianceRatio
    self.singularValues = singularValues
    self.mean = mean
    self.noiseVariance = noiseVariance
  }
}

/// Rows per block of the row passes (centring, covariance, projection).
let pcaBlock = 512

/// Principal component analysis, as scikit-learn `PCA(svd_solver="full").fit_transform`.
///
/// The mean is taken in Double. When n ≥ d the covariance (X − μ)ᵀ(X − μ)/(n − 1) is accumulated
/// in Double over blocks of 512 centred rows (fixed row groups summed in order, so the result does
/// not depend on the thread count) and `symmetricEigenLargest` (Core/SymmetricEigen.swift, plain
/// Swift, the same bits on every CPU) gives the leading eigenpairs. Block products
/// are formed with `Gemm` (the same bits on every CPU) on Double rows, or, for large inputs (n·d² ≥ 2³⁰), on
/// the centred rows rounded to Float, twice as fast: on MNIST (70 000 × 784, 50 components) that
/// agrees with a float64 computation to 3·10⁻⁶ of the output scale, though components of tiny
/// relative variance (below ~10⁻⁴ of the largest) are then less accurate. When n < d the leading
/// eigenpairs of the n × n Gram matrix of the centred data (Double) give the singular values and
/// right singular vectors (see `svdDecomposition`). Both give
/// scikit-learn's components, variances and projection up to rounding; signs follow `svd_flip`
/// with `u_based_decision=False` (as PCA does in scikit-learn 1.9).
/// - Parameters:
///   - x: the data, n × d (n ≥ 2).
///   - parameters: see `PCAParameters`.
///   - context: threads, cancellation (polled between phases and row groups), progress ("PCA").
/// - Returns: projection (n × k), components (k × d), variances, ratios, singular values, mean.
/// - Throws: `AlgorithmError.invalidInput` for empty, non-finite or single-row data, or data whose
///   projection exceeds float32's range (coordinates near ±3.4e38);
///   `AlgorithmError.invalidParameter` when the count is outside 1...min(n, d) or the fraction
///   outside (0, 1); `AlgorithmError.cancelled`.
public func pca(_ x: Matrix, parameters: PCAParameters = PCAParameters(), context: RunContext = RunContext())
  throws -> PCAResult
{
  try pcaFit(x, parameters: parameters, context: context, floatCovarianceMinWork: pcaFloatCovarianceMinWork)
}

/// n · d² above which the covariance block products are formed in Float (ssyrk) rather than in
/// Double (dsyrk). Below it the Double path costs at most a few tens of milliseconds.
let pcaFloatCovarianceMinWork = 1 << 30

/// `pca` with the covariance precision switch exposed (tests force either path).
///
/// The steps of scikit-learn's `PCA._fit_full`: the mean, the eigenpairs of the covariance
/// (`covarianceEigenpairs`, n ≥ d) or of the Gram matrix (`gramEigenpairs`, n < d), `svd_flip`,
/// the explained variances and the number of components kept (`componentCount`), the noise
/// variance; then `transform` (`project`).
func pcaFit(
  _ x: Matrix, parameters: PCAParameters, context: RunContext, floatCovarianceMinWork: Int
) throws -> PCAResult {
  try checkParameters(x, parameters)
  let n = x.rows, d = x.cols
  let maxK = Swift.min(n, d)
  let threads = context.threads
  context.progress.begin("PCA", total: 3)
  defer { context.progress.end() }

  let (mean, varying) = x.data.withUnsafeBufferPointer { xp in
    (columnMeans(xp.baseAddress!, rows: n, cols: d, chunkRows: 2048, threads: threads),
     varyingColumns(xp.baseAddress!, rows: n, cols: d, chunkRows: 2048, threads: threads))
  }
  try context.cancellation.check()

  // Eigen-decomposition: all values (descending, clipped at 0) and the leading vectors.
  let eigenpairs = n >= d
    ? try covarianceEigenpairs(
      x, mean: mean, varying: varying, nComponents: parameters.nComponents, context: context,
      floatCovarianceMinWork: floatCovarianceMinWork)
    : try gramEigenpairs(x, mean: mean, nComponents: parameters.nComponents, context: context)
  try context.cancellation.check()
  let values = eigenpairs.values, totalVariance = eigenpairs.totalVariance
  var vectors = eigenpairs.vectors

  // Sign convention (svd_flip): the largest-magnitude entry of each component is positive. The
  // solvers already return rows so; applied again for the unit vectors of constant columns.
  let computed = values.count
  normaliseSigns(&vectors, count: computed, n: d)

  let ratio = values.map { totalVariance > 0 ? $0 / totalVariance : 0 }
  let k = componentCount(parameters.nComponents, ratio: ratio, maxK: maxK)
  // Mean of the discarded eigenvalues (scikit-learn `noise_variance_`); when only the leading
  // eigenpairs were computed, the discarded variance is the trace remainder.
  let noise = k < maxK ? Swift.max(0, totalVariance - values[0..<k].reduce(0, +)) / Double(maxK - k) : 0

  let comps = Array(vectors[0..<(k * d)])
  let ev = Array(values[0..<k])
  let transformed = project(
    x, mean: mean, components: comps, k: k, whiten: parameters.whiten ? ev : nil, threads: threads)
  // Coordinates near ±3.4e38 can project beyond float32's range (found by FuzzAlgorithms): a
  // clear error rather than infinite coordinates.
  if let (r, c) = transformed.firstNonFinite() {
    throw AlgorithmError.invalidInput(
      "the projection of row \(r) on component \(c) is beyond float32's range (±3.4e38), in which clus keeps "
        + "data; scale the data first (for example standard_scale)")
  }
  context.progress.update(3)
  return PCAResult(
    transformed: transformed,
    components: Matrix(rows: k, cols: d, data: comps.map { Float($0) }),
    explainedVariance: ev,
    explainedVarianceRatio: Array(ratio[0..<k]),
    singularValues: ev.map { ($0 * Double(n - 1)).squareRoot() },
    mean: mean,
    noiseVariance: noise)
}

/// The data and `n_components` against each other, as scikit-learn's `_fit` checks them.
/// - Throws: as `pca`.
private func checkParameters(_ x: Matrix, _ parameters: PCAParameters) throws {
  try validateData(x)
  let n = x.rows, d = x.cols
  if n < 2 {
    throw AlgorithmError.invalidInput("PCA needs at least 2 points, got \(n)")
  }
  let maxK = Swift.min(n, d)
  switch parameters.nComponents {
  case .count(let c)?:
    if c < 1 || c > maxK {
      throw AlgorithmError.invalidParameter(
        name: "n_components", value: "\(c)", allowed: "between 1 and min(n_samples, n_features) = \(maxK)")
    }
  case .varianceFraction(let f)?:
    if !(f > 0 && f < 1) {
      throw AlgorithmError.invalidParameter(
        name: "n_components", value: "\(f)", allowed: "a fraction strictly between 0 and 1")
    }
  case nil: break
  }
}

/// The number of components kept, as scikit-learn's `_fit_full`: the count asked for; for a
/// fraction, the fewest components whose cumulative explained-variance ratio exceeds it
/// (`searchsorted(side="right") + 1`); all min(n, d) by default; never more than were computed.
private func componentCount(_ nComponents: PCAComponents?, ratio: [Double], maxK: Int) -> Int {
  let computed = ratio.count
  var k: Int
  switch nComponents {
  case .count(let c)?: k = c
  case .varianceFraction(let frac)?:
    var cum = 0.0
    var below = 0
    for r in ratio {
      cum += r
      if cum <= frac { below += 1 } else { break }
    }
    k = Swift.min(below + 1, computed)
  case nil: k = maxK
  }
  return Swift.min(k, computed)
}
