/// A fitted PCA (scikit-learn's fitted `PCA`: `components_`, `mean_`, `explained_variance_`, ...)
/// and its `transform`.
public struct PCAModel: Sendable {
  /// The fit's result: the training projection and the fitted attributes.
  public var result: PCAResult
  /// The parameters of the fit (`whiten` is what `transform` reads).
  public var parameters: PCAParameters

  /// A model from a fit's parts.
  /// - Throws: `AlgorithmError.invalidInput` when the shapes disagree (k components × d, a mean of
  ///   d, k variances, ratios and singular values, a k-column projection) or a value is not finite.
  public init(result: PCAResult, parameters: PCAParameters) throws {
    let k = result.components.rows, d = result.components.cols
    try validateData(result.components, "the model's components")
    guard result.mean.count == d, result.explainedVariance.count == k, result.explainedVarianceRatio.count == k,
      result.singularValues.count == k, result.transformed.cols == k || result.transformed.rows == 0
    else {
      throw AlgorithmError.invalidInput(
        "the model's arrays do not fit \(k) components of \(d) features (mean \(result.mean.count), variances \(result.explainedVariance.count), ratios \(result.explainedVarianceRatio.count), singular values \(result.singularValues.count), projection \(result.transformed.rows) × \(result.transformed.cols))")
    }
    let values = result.mean + result.explainedVariance + result.explainedVarianceRatio + result.singularValues + [result.noiseVariance]
    guard values.allSatisfy(\.isFinite), (result.explainedVariance + result.singularValues).allSatisfy({ $0 >= 0 }) else {
      throw AlgorithmError.invalidInput("the model's mean, variances, ratios or singular values are not finite (and non-negative)")
    }
    if result.transformed.firstNonFinite() != nil {
      throw AlgorithmError.invalidInput("the model's projection of its training data holds a non-finite value")
    }
    self.result = result
    self.parameters = parameters
  }

  /// Projects rows on the components (scikit-learn `PCA.transform`): (x − mean) · componentsᵀ,
  /// divided by sqrt(explained variance) when whitening; the same arithmetic as the fit's own
  /// projection, so `transform` of the training data gives the fit's `transformed` exactly.
  /// - Parameter x: m × d rows, d as the training data.
  /// - Returns: m × k coordinates.
  /// - Throws: `AlgorithmError.invalidInput` for empty or non-finite data, a column mismatch, or
  ///   a projection beyond float32's range.
  public func transform(_ x: Matrix, context: RunContext = RunContext()) throws -> Matrix {
    try validateData(x, "new data")
    let c = result.components
    guard x.cols == c.cols else {
      throw AlgorithmError.invalidInput("the new data has \(x.cols) columns but the components \(c.cols)")
    }
    let y = project(x, mean: result.mean, components: c.data.map { Double($0) }, k: c.rows,
                    whiten: parameters.whiten ? result.explainedVariance : nil, threads: context.threads)
    if let (r, col) = y.firstNonFinite() {
      throw AlgorithmError.invalidInput("the projection of row \(r) on component \(col) is beyond float32's range (±3.4e38)")
    }
    return y
  }
}
