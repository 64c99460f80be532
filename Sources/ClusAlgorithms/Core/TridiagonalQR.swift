// Step 2a of the symmetric eigensolvers (SymmetricEigen.swift): every eigenpair of the tridiagonal
// matrix by implicit QR with Wilkinson shifts.

/// All eigenpairs of the symmetric tridiagonal matrix with the given diagonal (length n) and
/// sub-diagonal (length n − 1), by implicit QR steps with the Wilkinson shift and bulge chasing
/// (Golub & Van Loan Algorithm 8.3.2), deflating when |e_k| ≤ ε(|d_k| + |d_{k+1}|) (§8.3.5).
/// - Returns: eigenvalues ascending (ties kept in position order) and unit eigenvectors as the
///   rows of an `n × n` row-major matrix.
/// - Throws: `AlgorithmError.invalidInput` if it has not converged after 30·n QR steps.
func tridiagonalEigenAll(diagonal: [Double], offDiagonal: [Double]) throws -> ([Double], [Double]) {
  let n = diagonal.count
  var d = diagonal, e = offDiagonal
  // rows of p: P = R_N ⋯ R_1, eigenvector of d[j] = row j of P
  var p = [Double](repeating: 0, count: n * n)
  for i in 0..<n { p[i * n + i] = 1 }
  let eps = Double.ulpOfOne
  let tiny = Double.leastNormalMagnitude
  var hi = n - 1
  var steps = 0
  try p.withUnsafeMutableBufferPointer { pp in
    let pb = pp.baseAddress!
    while hi > 0 {
      // deflate converged values at the bottom
      let eh = Swift.abs(e[hi - 1])
      if eh <= eps * (Swift.abs(d[hi - 1]) + Swift.abs(d[hi])) || eh < tiny {
        e[hi - 1] = 0
        hi -= 1
        continue
      }
      // unreduced block lo...hi
      var lo = hi - 1
      while lo > 0 {
        let el = Swift.abs(e[lo - 1])
        if el <= eps * (Swift.abs(d[lo - 1]) + Swift.abs(d[lo])) || el < tiny { e[lo - 1] = 0; break }
        lo -= 1
      }
      steps += 1
      if steps > 30 * n {
        throw AlgorithmError.invalidInput("the tridiagonal QR iteration did not converge")
      }
      // Wilkinson shift: eigenvalue of the trailing 2 × 2 block closer to d[hi]
      let b = e[hi - 1]
      let delta = (d[hi - 1] - d[hi]) / 2
      let r = hypotenuse(delta, b)
      let mu = d[hi] - b * b / (delta + (delta >= 0 ? r : -r))
      var x = d[lo] - mu, z = e[lo]
      for k in lo..<hi {
        let rr = hypotenuse(x, z)
        let c = rr == 0 ? 1 : x / rr, s = rr == 0 ? 0 : z / rr
        if k > lo { e[k - 1] = rr }
        let dk = d[k], dk1 = d[k + 1], ek = e[k]
        let cc = c * c, ss = s * s, cs = c * s
        d[k] = cc * dk + 2 * cs * ek + ss * dk1
        d[k + 1] = ss * dk - 2 * cs * ek + cc * dk1
        e[k] = cs * (dk1 - dk) + (cc - ss) * ek
        if k + 1 < hi {
          x = e[k]
          z = s * e[k + 1]
          e[k + 1] = c * e[k + 1]
        }
        let rk = pb + k * n, rk1 = pb + (k + 1) * n
        for i in 0..<n {
          let a0 = rk[i], a1 = rk1[i]
          rk[i] = c * a0 + s * a1
          rk1[i] = c * a1 - s * a0
        }
      }
    }
  }
  // ascending, stable on ties
  let order = (0..<n).sorted { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }
  var values = [Double](repeating: 0, count: n)
  var vectors = [Double](repeating: 0, count: n * n)
  for (r, j) in order.enumerated() {
    values[r] = d[j]
    for i in 0..<n { vectors[r * n + i] = p[j * n + i] }
  }
  return (values, vectors)
}

/// √(a² + b²) without overflow or harmful underflow, by scaling with max(|a|, |b|) (no libm hypot).
@inline(__always)
private func hypotenuse(_ a: Double, _ b: Double) -> Double {
  let x = Swift.abs(a), y = Swift.abs(b)
  let big = Swift.max(x, y), small = Swift.min(x, y)
  if big == 0 { return 0 }
  let q = small / big
  return big * (1 + q * q).squareRoot()
}
