
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
}

/// Rows per block of the row passes (centring, covariance, projection).
private let pcaBlock = 512

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
func pcaFit(
  _ x: Matrix, parameters: PCAParameters, context: RunContext, floatCovarianceMinWork: Int
) throws -> PCAResult {
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
  let threads = context.threads
  context.progress.begin("PCA", total: 3)
  defer { context.progress.end() }

  let (mean, varying) = columnMeans(x, threads: threads)
  try context.cancellation.check()

  // Eigen-decomposition: all values (descending, clipped at 0) and the leading vectors.
  var values: [Double]  // descending, count = number computed
  var vectors: [Double]  // rows = components (count × d), descending order
  var totalVariance: Double
  let nDen = Double(n - 1)

  if n >= d {
    // Constant columns add zero rows and columns to the covariance: work on the others only
    // (images often have constant borders) and give the zero-variance directions as unit vectors.
    let cols = (0..<d).filter { varying[$0] }
    let da = cols.count
    let useFloat = Double(n) * Double(da) * Double(da) >= Double(floatCovarianceMinWork)
    let cov = da == 0 ? [] : try covariance(
      x, columns: cols, mean: mean, threads: threads, context: context, useFloat: useFloat)
    context.progress.update(1)
    totalVariance = 0
    for f in 0..<da { totalVariance += Swift.max(0, cov[f * da + f]) }
    // Number of leading eigenpairs needed.
    let wanted: Int
    switch parameters.nComponents {
    case .count(let c)?: wanted = c
    default: wanted = d
    }
    let top = Swift.min(wanted, da)
    let (va, vecA) = da > 0 ? try symmetricEigen(cov, d: da, top: top, threads: threads) : ([], [])
    values = va
    vectors = [Double](repeating: 0, count: wanted * d)
    for r in 0..<top { for (a, f) in cols.enumerated() { vectors[r * d + f] = vecA[r * da + a] } }
    if wanted > top {
      let constant = (0..<d).filter { !varying[$0] }
      for (r, f) in constant.prefix(wanted - top).enumerated() {
        values.append(0)
        vectors[(top + r) * d + f] = 1
      }
    }
    if wanted == d {
      // All eigenvalues known: same total as scikit-learn (sum of clipped eigenvalues).
      totalVariance = values.reduce(0, +)
    }
  } else {
    // Only the requested components for a fixed count; all n otherwise (the ratios need them).
    let wanted: Int
    if case .count(let c)? = parameters.nComponents { wanted = c } else { wanted = n }
    let svd = try svdDecomposition(x, mean: mean, count: wanted, threads: threads)
    (values, vectors) = (svd.values, svd.vectors)
    for i in 0..<values.count { values[i] = values[i] * values[i] / nDen }
    totalVariance = wanted == n ? values.reduce(0, +) : svd.sumOfSquares / nDen
    context.progress.update(1)
  }
  try context.cancellation.check()

  // Sign convention (svd_flip): the largest-magnitude entry of each component is positive. The
  // solvers already return rows so; applied again for the unit vectors of constant columns.
  let computed = values.count
  normaliseSigns(&vectors, count: computed, n: d)

  let ratio = values.map { totalVariance > 0 ? $0 / totalVariance : 0 }
  var k: Int
  switch parameters.nComponents {
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
  k = Swift.min(k, computed)
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
    singularValues: ev.map { ($0 * nDen).squareRoot() },
    mean: mean,
    noiseVariance: noise)
}

/// Column means in Double (per-chunk partial sums combined in chunk order), and which columns are
/// not constant (hold some value different from row 0's).
private func columnMeans(_ x: Matrix, threads: Int) -> (mean: [Double], varying: [Bool]) {
  let n = x.rows, d = x.cols
  let chunk = 2048
  let nChunks = chunkCount(n, chunk)
  var partial = [Double](repeating: 0, count: nChunks * d)
  var differs = [UInt8](repeating: 0, count: nChunks * d)
  x.data.withUnsafeBufferPointer { xp in
    partial.withUnsafeMutableBufferPointer { pp in
      differs.withUnsafeMutableBufferPointer { dp in
        let xb = xp.baseAddress!, pb = pp.baseAddress!, db = dp.baseAddress!
        parallelChunks(count: n, chunkSize: chunk, threads: threads) { c, range in
          let s = pb + c * d, v = db + c * d
          for i in range {
            let row = xb + i * d
            for f in 0..<d {
              let a = row[f]
              s[f] += Double(a)
              v[f] |= a != xb[f] ? 1 : 0
            }
          }
        }
      }
    }
  }
  var m = [Double](repeating: 0, count: d)
  var varying = [Bool](repeating: false, count: d)
  for c in 0..<nChunks {
    for f in 0..<d {
      m[f] += partial[c * d + f]
      if differs[c * d + f] != 0 { varying[f] = true }
    }
  }
  for f in 0..<d { m[f] /= Double(n) }
  return (m, varying)
}

/// (X − μ)ᵀ(X − μ)/(n − 1), d × d Double (full symmetric): block products (Float ssyrk or Double
/// dsyrk) accumulated in Double.
/// Rows are split in a fixed number of groups (depending on n and d only), each with its own
/// accumulator, summed in group order.
private func covariance(
  _ x: Matrix, columns: [Int], mean: [Double], threads: Int, context: RunContext, useFloat: Bool
) throws
  -> [Double]
{
  let n = x.rows, d = columns.count
  let nBlocks = chunkCount(n, pcaBlock)
  let budget = 256 << 20
  let maxGroups = Swift.max(1, Swift.min(8, budget / Swift.max(1, d * d * 8)))
  let nGroups = Swift.min(nBlocks, maxGroups)
  let groupRows = ((nBlocks + nGroups - 1) / nGroups) * pcaBlock
  let groups = chunkCount(n, groupRows)
  var acc = [Double](repeating: 0, count: groups * d * d)
  if useFloat {
    blockProducts(Float.self, x, columns: columns, mean: mean, threads: threads, groupRows: groupRows,
                  groups: groups, acc: &acc) { a, m, k, c in Gemm.ssyrkUpper(m: m, k: k, a: a, lda: k, c: c, ldc: m) }
  } else {
    blockProducts(Double.self, x, columns: columns, mean: mean, threads: threads, groupRows: groupRows,
                  groups: groups, acc: &acc) { a, m, k, c in Gemm.dsyrkUpper(m: m, k: k, a: a, lda: k, c: c, ldc: m) }
  }
  try context.cancellation.check()
  var cov = [Double](repeating: 0, count: d * d)
  for g in 0..<groups {
    let base = g * d * d
    for i in 0..<d { for j in i..<d { cov[i * d + j] += acc[base + i * d + j] } }
  }
  let inv = 1.0 / Double(n - 1)
  for i in 0..<d {
    for j in i..<d {
      let v = cov[i * d + j] * inv
      cov[i * d + j] = v
      cov[j * d + i] = v
    }
  }
  return cov
}

/// Per group g: acc[g] (upper triangle) += Σ over blocks of the Gram matrix (`syrk`, the upper
/// triangle of a d × d product of the transposed block) of the centred block in precision `T`
/// (Float: centred in Double, then rounded; Double), added in Double.
private func blockProducts<T: BinaryFloatingPoint>(
  _: T.Type, _ x: Matrix, columns: [Int], mean: [Double], threads: Int, groupRows: Int, groups: Int,
  acc: inout [Double], syrk: (UnsafePointer<T>, _ m: Int, _ k: Int, UnsafeMutablePointer<T>) -> Void
) {
  let n = x.rows, d = columns.count, stride = x.cols
  // Mean of each used column, in order.
  let mu = columns.map { mean[$0] }
  let colPtr = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, d))
  colPtr.initialize(from: columns, count: d)
  defer { colPtr.deallocate() }
  let cb = UnsafePointer(colPtr)
  var scratch = [T](repeating: 0, count: groups * pcaBlock * d)
  var blockResult = [T](repeating: 0, count: groups * d * d)
  x.data.withUnsafeBufferPointer { xp in
    mu.withUnsafeBufferPointer { mp in
      acc.withUnsafeMutableBufferPointer { ap in
        scratch.withUnsafeMutableBufferPointer { sp in
          blockResult.withUnsafeMutableBufferPointer { rp in
            let xb = xp.baseAddress!, mb = mp.baseAddress!, ab = ap.baseAddress!
            let sb = sp.baseAddress!, rb = rp.baseAddress!
            parallelChunks(count: n, chunkSize: groupRows, threads: threads) { g, range in
              let c = ab + g * d * d
              let blk = sb + g * pcaBlock * d
              let res = rb + g * d * d
              var start = range.lowerBound
              while start < range.upperBound {
                let m = Swift.min(pcaBlock, range.upperBound - start)
                // the block transposed (d × m), so that its Gram matrix is the product's
                for r in 0..<m {
                  let row = xb + (start + r) * stride
                  for f in 0..<d { blk[f * m + r] = T(Double(row[cb[f]]) - mb[f]) }
                }
                syrk(blk, d, m, res)
                for i in 0..<d {
                  let ci = c + i * d, ri = res + i * d
                  for j in i..<d { ci[j] += Double(ri[j]) }
                }
                start += m
              }
            }
          }
        }
      }
    }
  }
}

/// The `top` largest eigenvalues (descending, clipped at 0) and their eigenvectors (rows, top × d)
/// of the symmetric d × d matrix `a` (row-major), by `symmetricEigenLargest` (Householder
/// tridiagonalisation, bisection, inverse iteration: deterministic on every CPU).
/// - Throws: `AlgorithmError.invalidInput` if the matrix has a non-finite entry.
private func symmetricEigen(_ a: [Double], d: Int, top: Int, threads: Int) throws -> ([Double], [Double]) {
  let r = try symmetricEigenLargest(a, n: d, count: top, threads: threads)
  return (r.values.map { Swift.max(0, $0) }, r.vectors)
}

/// The `count` largest singular values (descending) and right singular vectors (rows,
/// count × d, orthonormal) of the centred data X − μ (n × d, n < d), and the sum of all squared
/// singular values (the trace of the Gram matrix).
///
/// Deterministic replacement of an SVD (LAPACK dgesdd): the n × n Gram matrix G = (X − μ)(X − μ)ᵀ
/// is formed in Double (each entry one fixed-order dot product, rows in parallel), its leading
/// eigenpairs (λ, u) come from `symmetricEigenLargest`, σ = √max(λ, 0) and v = (X − μ)ᵀu / σ.
/// Squaring costs relative accuracy in the small singular values: a direction with
/// σ² ≤ 10³·n·ε·σ₁² (at the rounding level of G, e.g. the null direction left by centring) is
/// not formed from u but completed with unit vectors; the rows are then made orthonormal by
/// modified Gram–Schmidt in order of decreasing σ (`orthonormaliseRows`).
/// - Throws: `AlgorithmError.invalidInput` if the data are not finite.
private func svdDecomposition(_ x: Matrix, mean: [Double], count: Int, threads: Int) throws
  -> (values: [Double], vectors: [Double], sumOfSquares: Double)
{
  let n = x.rows, d = x.cols
  var a = [Double](repeating: 0, count: n * d)
  for i in 0..<n { for f in 0..<d { a[i * d + f] = Double(x.data[i * d + f]) - mean[f] } }
  var g = [Double](repeating: 0, count: n * n)
  a.withUnsafeBufferPointer { ap in
    g.withUnsafeMutableBufferPointer { gp in
      let ab = ap.baseAddress!, gb = gp.baseAddress!
      parallelChunks(count: n, chunkSize: 16, threads: threads) { _, rows in
        for i in rows { for j in 0...i { gb[i * n + j] = dot(ab + i * d, ab + j * d, d) } }
      }
    }
  }
  var trace = 0.0
  for i in 0..<n { trace += g[i * n + i] }
  let eig = try symmetricEigenLargest(g, n: n, count: count, threads: threads)
  let lmax = Swift.max(0, eig.values.first ?? 0)
  let floor = 1e3 * Double(n) * Double.ulpOfOne * lmax
  var s = [Double](repeating: 0, count: count)
  var valid = [Bool](repeating: false, count: count)
  var vt = [Double](repeating: 0, count: count * d)
  for r in 0..<count {
    let lam = Swift.max(0, eig.values[r])
    s[r] = lam.squareRoot()
    valid[r] = lam > floor
  }
  a.withUnsafeBufferPointer { ap in
    vt.withUnsafeMutableBufferPointer { vp in
      let ab = ap.baseAddress!, vb = vp.baseAddress!
      parallelChunks(count: count, chunkSize: 1, threads: threads) { _, rows in
        for r in rows where valid[r] {
          let v = vb + r * d
          for i in 0..<n {
            let ui = eig.vectors[r * n + i]
            let row = ab + i * d
            for f in 0..<d { v[f] += ui * row[f] }
          }
          let inv = 1 / s[r]
          for f in 0..<d { v[f] *= inv }
        }
      }
    }
  }
  orthonormaliseRows(&vt, count: count, d: d, valid: valid)
  return (s, vt, trace)
}

/// Makes the `count` rows (length d) of `v` orthonormal, in row order, by modified Gram–Schmidt
/// (a second pass for a row that lost more than 1 % of its norm in the first). A row marked not `valid`, or one that loses more than half of its norm to the
/// rows before it, is replaced by the first unit vector e_f (f ascending, not used before) that
/// keeps more than half of its norm after the projection.
private func orthonormaliseRows(_ v: inout [Double], count: Int, d: Int, valid: [Bool]) {
  var nextUnit = 0
  v.withUnsafeMutableBufferPointer { vp in
    let vb = vp.baseAddress!
    for r in 0..<count {
      let row = vb + r * d
      /// Removes the components along rows 0..<r and returns the remaining norm; a second pass
      /// when the first removed more than 1 % of the norm ("twice is enough").
      func project() -> Double {
        var norm = dot(UnsafePointer(row), UnsafePointer(row), d).squareRoot()
        for _ in 0..<2 {
          for q in 0..<r {
            let other = vb + q * d
            let c = dot(UnsafePointer(other), UnsafePointer(row), d)
            for f in 0..<d { row[f] -= c * other[f] }
          }
          let after = dot(UnsafePointer(row), UnsafePointer(row), d).squareRoot()
          if after >= 0.99 * norm { return after }
          norm = after
        }
        return norm
      }
      var norm = 0.0
      if valid[r] {
        let before = dot(UnsafePointer(row), UnsafePointer(row), d).squareRoot()
        norm = project()
        if !(norm > 0.5 * before) { norm = 0 }
      }
      while norm == 0 && nextUnit < d {
        for f in 0..<d { row[f] = f == nextUnit ? 1 : 0 }
        nextUnit += 1
        norm = project()
        if !(norm > 0.5) { norm = 0 }
      }
      if norm > 0 { for f in 0..<d { row[f] /= norm } }
    }
  }
}

/// (X − μ) · componentsᵀ by blocks of rows centred in Double then rounded to Float (sgemm), optionally divided by sqrt(variance)
/// (variances below machine epsilon² are clipped as scikit-learn does), as Float n × k.
private func project(
  _ x: Matrix, mean: [Double], components: [Double], k: Int, whiten: [Double]?, threads: Int
) -> Matrix {
  let n = x.rows, d = x.cols
  var out = Matrix(rows: n, cols: k)
  let nBlocks = chunkCount(n, pcaBlock)
  var scale = [Double](repeating: 1, count: k)
  if let ev = whiten {
    for j in 0..<k { scale[j] = 1 / Swift.max(ev[j].squareRoot(), Double.ulpOfOne) }
  }
  // Fixed groups of blocks, each owning its scratch.
  let nGroups = Swift.min(nBlocks, 64)
  let groupRows = ((nBlocks + nGroups - 1) / nGroups) * pcaBlock
  let groups = chunkCount(n, groupRows)
  var scratchIn = [Float](repeating: 0, count: groups * pcaBlock * d)
  var scratchOut = [Float](repeating: 0, count: groups * pcaBlock * k)
  let componentsF = components.map { Float($0) }
  x.data.withUnsafeBufferPointer { xp in
    mean.withUnsafeBufferPointer { mp in
      componentsF.withUnsafeBufferPointer { cp in
        scale.withUnsafeBufferPointer { scp in
          out.data.withUnsafeMutableBufferPointer { op in
            scratchIn.withUnsafeMutableBufferPointer { sip in
              scratchOut.withUnsafeMutableBufferPointer { sop in
                let xb = xp.baseAddress!, mb = mp.baseAddress!, cb = cp.baseAddress!
                let scb = scp.baseAddress!, ob = op.baseAddress!
                let sib = sip.baseAddress!, sob = sop.baseAddress!
                parallelChunks(count: n, chunkSize: groupRows, threads: threads) { g, range in
                  let blkIn = sib + g * pcaBlock * d
                  let blkOut = sob + g * pcaBlock * k
                  var start = range.lowerBound
                  while start < range.upperBound {
                    let m = Swift.min(pcaBlock, range.upperBound - start)
                    for r in 0..<m {
                      let row = xb + (start + r) * d, o = blkIn + r * d
                      for f in 0..<d { o[f] = Float(Double(row[f]) - mb[f]) }
                    }
                    Gemm.sgemmNT(m: m, n: k, k: d, a: blkIn, lda: d, b: cb, ldb: d, c: blkOut, ldc: k)
                    for r in 0..<m {
                      let o = ob + (start + r) * k
                      for j in 0..<k { o[j] = Float(Double(blkOut[r * k + j]) * scb[j]) }
                    }
                    start += m
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out
}
