// PCA's full solver for n ≥ d, as scikit-learn's `_fit_full` (sklearn/decomposition/_pca.py) but
// through the covariance: column means, (X − μ)ᵀ(X − μ)/(n − 1) by blocks, and its leading
// eigenpairs by the deterministic symmetric eigensolver.

/// The eigenpairs of the covariance for `pcaFit` (n ≥ d): values descending (clipped at 0), the
/// leading vectors as rows (wanted × d), and the total variance.
///
/// Constant columns add zero rows and columns to the covariance: the solver works on the others
/// only (images often have constant borders) and gives the zero-variance directions as unit
/// vectors. The block products are in Float when n · d² ≥ `floatCovarianceMinWork`.
func covarianceEigenpairs(
  _ x: Matrix, mean: [Double], varying: [Bool], nComponents: PCAComponents?, context: RunContext,
  floatCovarianceMinWork: Int
) throws -> (values: [Double], vectors: [Double], totalVariance: Double) {
  let n = x.rows, d = x.cols, threads = context.threads
  let cols = (0..<d).filter { varying[$0] }
  let da = cols.count
  let useFloat = Double(n) * Double(da) * Double(da) >= Double(floatCovarianceMinWork)
  let cov = da == 0 ? [] : try covariance(
    x, columns: cols, mean: mean, threads: threads, context: context, useFloat: useFloat)
  context.progress.update(1)
  var totalVariance = 0.0
  for f in 0..<da { totalVariance += Swift.max(0, cov[f * da + f]) }
  // Number of leading eigenpairs needed.
  let wanted: Int
  switch nComponents {
  case .count(let c)?: wanted = c
  default: wanted = d
  }
  let top = Swift.min(wanted, da)
  let (va, vecA) = da > 0 ? try symmetricEigen(cov, d: da, top: top, threads: threads) : ([], [])
  var values = va
  var vectors = [Double](repeating: 0, count: wanted * d)
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
  return (values, vectors, totalVariance)
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
  // The used columns and their means, in order; per group a block (d × pcaBlock) and its product.
  let cb = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, d))
  cb.initialize(from: columns, count: d)
  let mb = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(1, d))
  mb.initialize(from: columns.map { mean[$0] }, count: d)
  let scratch = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, groups * pcaBlock * d))
  scratch.initialize(repeating: 0, count: Swift.max(1, groups * pcaBlock * d))
  let blockResult = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, groups * d * d))
  blockResult.initialize(repeating: 0, count: Swift.max(1, groups * d * d))
  defer {
    cb.deallocate()
    mb.deallocate()
    scratch.deallocate()
    blockResult.deallocate()
  }
  x.data.withUnsafeBufferPointer { xp in
    acc.withUnsafeMutableBufferPointer { ap in
      let xb = xp.baseAddress!, ab = ap.baseAddress!
      parallelChunks(count: n, chunkSize: groupRows, threads: threads) { g, range in
        let c = ab + g * d * d
        let blk = scratch + g * pcaBlock * d
        let res = blockResult + g * d * d
        forEachBlock(of: range, blockRows: pcaBlock) { start, m in
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

