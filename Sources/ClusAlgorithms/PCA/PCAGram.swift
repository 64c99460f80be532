// PCA for n < d: the singular values and right singular vectors of the centred data from the
// n × n Gram matrix, in place of scikit-learn's LAPACK SVD (`_fit_full`).

/// The eigenpairs for `pcaFit` when n < d: only the requested components for a fixed count, all n
/// otherwise (the ratios need them). Values are σ²/(n − 1), descending; vectors are rows.
func gramEigenpairs(_ x: Matrix, mean: [Double], nComponents: PCAComponents?, context: RunContext) throws
  -> (values: [Double], vectors: [Double], totalVariance: Double)
{
  let n = x.rows
  let nDen = Double(n - 1)
  let wanted: Int
  if case .count(let c)? = nComponents { wanted = c } else { wanted = n }
  let svd = try svdDecomposition(x, mean: mean, count: wanted, threads: context.threads)
  var values = svd.values
  for i in 0..<values.count { values[i] = values[i] * values[i] / nDen }
  let totalVariance = wanted == n ? values.reduce(0, +) : svd.sumOfSquares / nDen
  context.progress.update(1)
  return (values, svd.vectors, totalVariance)
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
func orthonormaliseRows(_ v: inout [Double], count: Int, d: Int, valid: [Bool]) {
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

