// Deterministic eigensolvers for real symmetric matrices, written in plain Swift.
//
// Why not LAPACK: OpenBLAS chooses its kernels by CPU, and LAPACK's eigensolvers call BLAS, so
// their results differ in the last bits between CPUs (and clusters downstream change with them).
// Everything here uses only + − × ÷ and squareRoot() in fixed loop orders: no BLAS/LAPACK, no libm
// (exp, log, pow, hypot), no fused multiply-add, and threads only over independent eigenvectors,
// so the same input gives the same bits on every x86-64 CPU and for any thread count. SIMD types are used only for element-wise work and for dot products
// whose lane split and final summation order are fixed in the code.
//
// Method (Golub & Van Loan, Matrix Computations, 4th ed.):
// 1. Householder reduction to tridiagonal form T = Qᵀ A Q (§8.3.1), on the lower triangle.
// 2a. All eigenpairs: implicit symmetric QR steps with the Wilkinson shift on T (§8.3.3–8.3.5),
//     rotations accumulated into the eigenvectors of T.
// 2b. Selected eigenpairs: eigenvalues by Sturm-sequence bisection (§8.4.2; Wilkinson, The
//     Algebraic Eigenvalue Problem, ch. 5), eigenvectors by inverse iteration on T (§8.2.2,
//     Wilkinson ch. 9) with Gram–Schmidt re-orthogonalisation inside clusters of close
//     eigenvalues and fixed pseudo-random start vectors.
// 3. Back-transformation by the stored Householder reflectors, x = Q z.
// Each returned eigenvector is normalised and signed so that its entry of largest magnitude
// (the first such entry on ties) is positive.

/// Eigenpairs of a real symmetric matrix, as returned by `symmetricEigenAll` and
/// `symmetricEigenSelected`.
public struct SymmetricEigenResult: Sendable, Equatable {
  /// Order n of the matrix (length of each eigenvector).
  public var n: Int
  /// Eigenvalues, ascending, one per computed pair (length `count`).
  public var values: [Double]
  /// Eigenvectors as rows, `count × n` row-major: row r is the unit eigenvector of `values[r]`,
  /// signed so that its entry of largest magnitude (lowest index on ties) is positive.
  public var vectors: [Double]
  /// Number of eigenpairs computed.
  public var count: Int { values.count }

  /// Eigenvector `r` (of `values[r]`) as an array of length n.
  public func vector(_ r: Int) -> [Double] { Array(vectors[(r * n)..<((r + 1) * n)]) }
}

/// All eigenpairs of the symmetric `n × n` matrix `a` (row-major; only the lower triangle,
/// `a[i * n + j]` with j ≤ i, is read), eigenvalues ascending.
///
/// Householder tridiagonalisation, then implicit QR with Wilkinson shifts on the tridiagonal
/// matrix with the rotations accumulated (Golub & Van Loan §8.3), then back-transformation.
/// O(n³) with a larger constant than `symmetricEigenSelected`: meant for small matrices (up to a
/// few hundred rows) when every pair is needed.
/// - Returns: n values ascending and their eigenvectors as the rows of an `n × n` matrix.
/// - Throws: `AlgorithmError.invalidInput` if `a.count != n * n`, an entry of the lower triangle is
///   not finite, or the QR iteration has not converged after 30·n sweeps (not observed in practice).
public func symmetricEigenAll(_ a: [Double], n: Int) throws -> SymmetricEigenResult {
  let tri = try HouseholderTridiagonal(a, n: n)
  var (values, vectors) = try tridiagonalEigenAll(diagonal: tri.diagonal, offDiagonal: tri.offDiagonal)
  tri.backTransform(&vectors, count: n)
  for r in 0..<n { values[r] *= tri.scale }
  normaliseSigns(&vectors, count: n, n: n)
  return SymmetricEigenResult(n: n, values: values, vectors: vectors)
}

/// The eigenpairs of the symmetric `n × n` matrix `a` (row-major, lower triangle read) whose
/// positions in the ascending order of all eigenvalues are in `indices` (0 = smallest, n − 1 =
/// largest), eigenvalues ascending.
///
/// Householder tridiagonalisation (Golub & Van Loan §8.3.1), the wanted eigenvalues by
/// Sturm-sequence bisection to full precision (§8.4.2), their eigenvectors by inverse iteration
/// on the tridiagonal matrix (§8.2.2; Wilkinson ch. 9), re-orthogonalised by modified Gram–Schmidt
/// within clusters of eigenvalues closer than 10⁻³·‖T‖ (the grouping LAPACK's dstein also uses),
/// start vectors from a fixed integer hash; then back-transformation, one eigenvector per task on
/// `threads` threads (the only parallel step; each vector's arithmetic does not depend on the
/// thread count). About (4/3)n³ operations for the reduction plus O(n²) per wanted pair.
/// - Returns: `indices.count` values ascending and their eigenvectors (rows, `count × n`).
/// - Throws: `AlgorithmError.invalidInput` if `a.count != n * n`, `indices` is not inside
///   `0..<n`, or an entry of the lower triangle is not finite.
public func symmetricEigenSelected(
  _ a: [Double], n: Int, indices: Range<Int>, threads: Int = 1
) throws -> SymmetricEigenResult {
  if indices.lowerBound < 0 || indices.upperBound > n {
    throw AlgorithmError.invalidInput("eigenpair indices \(indices) are outside 0..<\(n)")
  }
  let tri = try HouseholderTridiagonal(a, n: n)
  let t = SymmetricTridiagonal(diagonal: tri.diagonal, offDiagonal: tri.offDiagonal)
  var values = indices.map { t.eigenvalue(index: $0) }
  var vectors = t.eigenvectors(values: values)
  tri.backTransform(&vectors, count: values.count, threads: threads)
  for r in 0..<values.count { values[r] *= tri.scale }
  normaliseSigns(&vectors, count: values.count, n: n)
  return SymmetricEigenResult(n: n, values: values, vectors: vectors)
}

/// The `count` largest eigenpairs of the symmetric `n × n` matrix `a` (row-major, lower triangle
/// read), eigenvalues in *descending* order (row r of `vectors` belongs to `values[r]`).
///
/// `symmetricEigenSelected` on the indices n − count ..< n, reversed.
/// - Returns: `count` values descending and their eigenvectors (rows, `count × n`).
/// - Throws: `AlgorithmError.invalidInput` as `symmetricEigenSelected` (also for count outside 0...n).
public func symmetricEigenLargest(
  _ a: [Double], n: Int, count: Int, threads: Int = 1
) throws -> SymmetricEigenResult {
  if count < 0 || count > n {
    throw AlgorithmError.invalidInput("cannot take \(count) eigenpairs of a \(n) × \(n) matrix")
  }
  let r = try symmetricEigenSelected(a, n: n, indices: (n - count)..<n, threads: threads)
  var values = [Double](repeating: 0, count: count)
  var vectors = [Double](repeating: 0, count: count * n)
  for j in 0..<count {
    let src = count - 1 - j
    values[j] = r.values[src]
    for f in 0..<n { vectors[j * n + f] = r.vectors[src * n + f] }
  }
  return SymmetricEigenResult(n: n, values: values, vectors: vectors)
}

// MARK: - Householder tridiagonalisation

/// T = Qᵀ (A / scale) Q for a symmetric A, Q = H₀ H₁ ⋯ H₍ₙ₋₃₎ a product of Householder reflectors
/// Hₖ = I − βₖ vₖ vₖᵀ acting on coordinates k + 1 ..< n (Golub & Van Loan §8.3.1).
///
/// A is first divided by a power of two (`scale`, exact) so its largest entry has magnitude in
/// [1, 2); the reduction then works on the lower triangle with the symmetric rank-2 update
/// B ← B − v wᵀ − w vᵀ, w = p − (β pᵀv / 2) v, p = β B v.
struct HouseholderTridiagonal {
  /// Order of the matrix.
  let n: Int
  /// The power of two A was divided by (eigenvalues of A = scale × eigenvalues of T).
  let scale: Double
  /// Diagonal of T, length n.
  var diagonal: [Double]
  /// Sub-diagonal of T, length max(0, n − 1): offDiagonal[k] = T[k + 1, k].
  var offDiagonal: [Double]
  /// The vectors vₖ packed one after another (vₖ has n − k − 1 entries, for coordinates k + 1 ..< n).
  private var reflectors: [Double]
  /// Start of vₖ in `reflectors`, length max(0, n − 2).
  private var offsets: [Int]
  /// βₖ = 2 / vₖᵀvₖ, or 0 when no reflection was needed.
  private var betas: [Double]

  /// Reduces the symmetric `n × n` row-major `a` (lower triangle read).
  /// - Throws: `AlgorithmError.invalidInput` for a size mismatch or a non-finite entry.
  init(_ a: [Double], n: Int) throws {
    if n < 0 || a.count != n * n {
      throw AlgorithmError.invalidInput("a symmetric eigenproblem of order \(n) needs \(n * n) entries, got \(a.count)")
    }
    self.n = n
    var maxAbs = 0.0
    for i in 0..<n {
      for j in 0...i {
        let v = a[i * n + j]
        if !v.isFinite { throw AlgorithmError.invalidInput("the matrix of an eigenproblem has a non-finite entry") }
        maxAbs = Swift.max(maxAbs, Swift.abs(v))
      }
    }
    // Power of two with maxAbs / scale in [1, 2): exact scaling, no libm.
    scale = maxAbs > 0 ? Double(sign: .plus, exponent: maxAbs.exponent, significand: 1) : 1
    let inv = 1 / scale
    var w = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { w[i * n + j] = a[i * n + j] * inv } }
    diagonal = [Double](repeating: 0, count: n)
    offDiagonal = [Double](repeating: 0, count: Swift.max(0, n - 1))
    let steps = Swift.max(0, n - 2)
    offsets = [Int](repeating: 0, count: steps)
    var total = 0
    for k in 0..<steps { offsets[k] = total; total += n - k - 1 }
    reflectors = [Double](repeating: 0, count: total)
    betas = [Double](repeating: 0, count: steps)
    var p = [Double](repeating: 0, count: n)
    var wv = [Double](repeating: 0, count: n)
    let nn = n
    w.withUnsafeMutableBufferPointer { wp in
      reflectors.withUnsafeMutableBufferPointer { rp in
        p.withUnsafeMutableBufferPointer { pp in
          wv.withUnsafeMutableBufferPointer { wvp in
            let ab = wp.baseAddress!, pb = pp.baseAddress!, wb = wvp.baseAddress!
            for k in 0..<steps {
              let lo = k + 1
              // v indexed by global coordinate: vg[i] for i in lo..<n
              let vg = rp.baseAddress! + offsets[k] - lo
              let x0 = ab[lo * nn + k]
              var tail = 0.0
              for i in (lo + 1)..<nn { let x = ab[i * nn + k]; tail += x * x }
              diagonal[k] = ab[k * nn + k]
              if tail == 0 {
                offDiagonal[k] = x0
                betas[k] = 0
                continue
              }
              let norm = (x0 * x0 + tail).squareRoot()
              let alpha = x0 >= 0 ? -norm : norm
              let v0 = x0 - alpha
              vg[lo] = v0
              for i in (lo + 1)..<nn { vg[i] = ab[i * nn + k] }
              let beta = 2 / (v0 * v0 + tail)
              betas[k] = beta
              offDiagonal[k] = alpha
              // p = β B v over the lower triangle of B = A[lo..., lo...]
              for i in lo..<nn { pb[i] = 0 }
              for i in lo..<nn {
                let row = ab + i * nn
                let vi = vg[i]
                let s = dotAndAxpy(row + lo, UnsafePointer(vg + lo), pb + lo, i - lo, vi)
                pb[i] += s + row[i] * vi
              }
              var pv = 0.0
              for i in lo..<nn { pb[i] *= beta; pv += pb[i] * vg[i] }
              let half = 0.5 * beta * pv
              for i in lo..<nn { wb[i] = pb[i] - half * vg[i] }
              // B ← B − v wᵀ − w vᵀ (lower triangle)
              for i in lo..<nn {
                let row = ab + i * nn
                let vi = vg[i], wi = wb[i]
                for j in lo...i { row[j] -= vi * wb[j] + wi * vg[j] }
              }
            }
          }
        }
      }
    }
    if n >= 1 { diagonal[n - 1] = w[(n - 1) * n + (n - 1)] }
    if n >= 2 {
      diagonal[n - 2] = w[(n - 2) * n + (n - 2)]
      offDiagonal[n - 2] = w[(n - 1) * n + (n - 2)]
    }
  }

  /// Replaces each of the `count` rows z of `z` (`count × n`, eigenvectors of T) by Q z
  /// (eigenvectors of A): applies H₍ₙ₋₃₎ first, H₀ last, each as z ← z − β (vᵀz) v.
  /// Rows run in parallel on `threads` threads; each row's arithmetic is the same for any count.
  func backTransform(_ z: inout [Double], count: Int, threads: Int = 1) {
    let n = self.n
    if n < 3 || count == 0 { return }
    reflectors.withUnsafeBufferPointer { rp in
      z.withUnsafeMutableBufferPointer { zp in
        let zb = zp.baseAddress!
        parallelChunks(count: count, chunkSize: 1, threads: threads) { r, _ in
          let zr = zb + r * n
          for k in stride(from: n - 3, through: 0, by: -1) {
            let beta = betas[k]
            if beta == 0 { continue }
            let lo = k + 1, m = n - lo
            let v = rp.baseAddress! + offsets[k]
            let s = beta * dot(v, UnsafePointer(zr + lo), m)
            for i in 0..<m { zr[lo + i] -= s * v[i] }
          }
        }
      }
    }
  }
}

/// Σ a[j]·x[j] for j in 0..<count (returned) while y[j] += a[j]·alpha, in one pass.
/// Four SIMD lanes of partial sums, combined as (l0 + l1) + (l2 + l3), then the remainder in
/// order: a fixed summation order.
@inline(__always)
private func dotAndAxpy(
  _ a: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
  _ count: Int, _ alpha: Double
) -> Double {
  var acc = SIMD4<Double>(repeating: 0)
  let al = SIMD4<Double>(repeating: alpha)
  var j = 0
  while j + 4 <= count {
    let av = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
    let xv = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Double>.self)
    let yv = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD4<Double>.self)
    acc += av * xv
    UnsafeMutableRawPointer(y + j).storeBytes(of: yv + av * al, as: SIMD4<Double>.self)
    j += 4
  }
  var s = (acc[0] + acc[1]) + (acc[2] + acc[3])
  while j < count {
    s += a[j] * x[j]
    y[j] += a[j] * alpha
    j += 1
  }
  return s
}

/// Σ a[j]·b[j] for j in 0..<count, with the fixed summation order of `dotAndAxpy`.
@inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
  var acc = SIMD4<Double>(repeating: 0)
  var j = 0
  while j + 4 <= count {
    acc += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
      * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Double>.self)
    j += 4
  }
  var s = (acc[0] + acc[1]) + (acc[2] + acc[3])
  while j < count { s += a[j] * b[j]; j += 1 }
  return s
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

/// Makes the entry of largest magnitude of each of the `count` rows (length n) of `v` positive
/// (the first such entry on ties).
func normaliseSigns(_ v: inout [Double], count: Int, n: Int) {
  for r in 0..<count {
    var arg = 0
    var best = -1.0
    for f in 0..<n {
      let a = Swift.abs(v[r * n + f])
      if a > best { best = a; arg = f }
    }
    if n > 0 && v[r * n + arg] < 0 { for f in 0..<n { v[r * n + f] = -v[r * n + f] } }
  }
}

// MARK: - Tridiagonal: all eigenpairs by implicit QR

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

// MARK: - Tridiagonal: selected eigenpairs by bisection and inverse iteration

/// A symmetric tridiagonal matrix T (diagonal d, sub-diagonal e) with the operations of
/// `symmetricEigenSelected`: Sturm-sequence bisection and inverse iteration.
struct SymmetricTridiagonal {
  /// Diagonal, length n.
  let d: [Double]
  /// Sub-diagonal, length n − 1 (e[k] = T[k + 1, k]).
  let e: [Double]
  /// Squares of e.
  private let e2: [Double]
  /// Gershgorin interval containing every eigenvalue.
  private let lower: Double, upper: Double
  /// Largest absolute row sum (the 1-norm of T); 1 for the zero matrix.
  let norm: Double
  /// Smallest magnitude allowed for a pivot of the Sturm recurrence.
  private let pivmin: Double
  /// Whether every entry is zero (all eigenvalues are then exactly 0).
  private let isZero: Bool

  /// T from its diagonal (length n ≥ 0) and sub-diagonal (length max(0, n − 1)).
  init(diagonal: [Double], offDiagonal: [Double]) {
    d = diagonal
    e = offDiagonal
    e2 = offDiagonal.map { $0 * $0 }
    let n = diagonal.count
    var lo = Double.infinity, hi = -Double.infinity, nrm = 0.0, maxE2 = 0.0
    for i in 0..<n {
      let r = (i > 0 ? Swift.abs(e[i - 1]) : 0) + (i < n - 1 ? Swift.abs(e[i]) : 0)
      lo = Swift.min(lo, d[i] - r)
      hi = Swift.max(hi, d[i] + r)
      nrm = Swift.max(nrm, Swift.abs(d[i]) + r)
      if i < n - 1 { maxE2 = Swift.max(maxE2, e2[i]) }
    }
    isZero = nrm == 0
    norm = isZero ? 1 : nrm
    pivmin = Double.leastNormalMagnitude * Swift.max(1, maxE2)
    let pad = 4 * Double.ulpOfOne * norm + 2 * pivmin
    lower = n > 0 ? lo - pad : 0
    upper = n > 0 ? hi + pad : 0
  }

  /// Number of eigenvalues smaller than x: negative pivots of the LDLᵀ factorisation of T − xI
  /// (Sturm sequence; Golub & Van Loan §8.4.2), pivots of magnitude below `pivmin` taken as −pivmin.
  func countBelow(_ x: Double) -> Int {
    let n = d.count
    var count = 0
    var q = d[0] - x
    if Swift.abs(q) < pivmin { q = -pivmin }
    if q < 0 { count += 1 }
    var i = 1
    while i < n {
      q = d[i] - x - e2[i - 1] / q
      if Swift.abs(q) < pivmin { q = -pivmin }
      if q < 0 { count += 1 }
      i += 1
    }
    return count
  }

  /// The eigenvalue at position `index` of the ascending order (0-based), by bisection of the
  /// Gershgorin interval (0 for the zero matrix) until the bracket is below 2ε of its magnitude (or 10⁻³ε‖T‖) or has no
  /// representable midpoint.
  func eigenvalue(index: Int) -> Double {
    if isZero { return 0 }
    var lo = lower, hi = upper
    let absTol = 1e-3 * Double.ulpOfOne * norm
    while true {
      let mid = lo + (hi - lo) / 2
      if mid <= lo || mid >= hi { break }
      if countBelow(mid) > index { hi = mid } else { lo = mid }
      let width = hi - lo
      if width <= 2 * Double.ulpOfOne * Swift.max(Swift.abs(lo), Swift.abs(hi)) || width <= absTol { break }
    }
    return lo + (hi - lo) / 2
  }

  /// Unit eigenvectors of T (rows, `values.count × n`) for the given ascending eigenvalues, by
  /// inverse iteration with partial pivoting (Wilkinson ch. 9; Golub & Van Loan §8.2.2).
  ///
  /// Eigenvalues closer than 10⁻³‖T‖ to the previous one form a cluster: each new vector of a
  /// cluster is orthogonalised against the cluster's earlier ones (modified Gram–Schmidt) after
  /// every solve, and shifts that are (nearly) equal are separated by 10ε‖T‖ so the factorisations
  /// differ. Start vectors come from a fixed integer hash of (index, coordinate). Iteration stops
  /// one solve after the growth ‖(T − λI)⁻¹x‖ reaches 1/(16√n ε‖T‖), at most 8 solves.
  func eigenvectors(values: [Double]) -> [Double] {
    let n = d.count, count = values.count
    var z = [Double](repeating: 0, count: count * n)
    if n == 0 || count == 0 { return z }
    if n == 1 { for r in 0..<count { z[r] = 1 }; return z }
    let eps = Double.ulpOfOne
    let clusterGap = 1e-3 * norm
    let separation = 10 * eps * norm
    let goal = 1 / (16 * Double(n).squareRoot() * eps * norm)
    var u0 = [Double](repeating: 0, count: n), u1 = u0, u2 = u0, mult = u0
    var swapped = [Bool](repeating: false, count: n)
    var x = [Double](repeating: 0, count: n)
    var clusterStart = 0
    var prevShift = -Double.infinity
    for r in 0..<count {
      var shift = values[r]
      if r > 0 && values[r] - values[r - 1] <= clusterGap {
        if shift < prevShift + separation { shift = prevShift + separation }
      } else {
        clusterStart = r
      }
      prevShift = shift
      factor(shift: shift, u0: &u0, u1: &u1, u2: &u2, mult: &mult, swapped: &swapped)
      // deterministic start vector in (−1, 1)
      for i in 0..<n { x[i] = startEntry(r, i) }
      var extra = -1
      for _ in 0..<8 {
        scaleToUnit(&x)
        solve(&x, u0: u0, u1: u1, u2: u2, mult: mult, swapped: swapped)
        orthogonalise(&x, against: z, rows: clusterStart..<r, n: n)
        var nrm2 = 0.0
        let big = x.reduce(0) { Swift.max($0, Swift.abs($1)) }
        if big > 0 { for v in x { let s = v / big; nrm2 += s * s } }
        let growth = big * nrm2.squareRoot()
        if extra >= 0 { extra += 1 } else if growth >= goal { extra = 0 }
        if extra >= 1 { break }
      }
      scaleToUnit(&x)
      if r > clusterStart {
        orthogonalise(&x, against: z, rows: clusterStart..<r, n: n)
        scaleToUnit(&x)
      }
      for i in 0..<n { z[r * n + i] = x[i] }
    }
    return z
  }

  /// Gaussian elimination with partial pivoting of T − shift·I = P L U; U has the diagonal u0 and
  /// two super-diagonals u1, u2; mult[i] and swapped[i] record the step eliminating column i.
  /// Zero pivots are replaced by ε‖T‖.
  private func factor(
    shift: Double, u0: inout [Double], u1: inout [Double], u2: inout [Double], mult: inout [Double],
    swapped: inout [Bool]
  ) {
    let n = d.count
    let tinyPivot = Double.ulpOfOne * norm
    // current row i in columns i, i+1, i+2
    var a = d[0] - shift, b = e[0], c = 0.0
    for i in 0..<(n - 1) {
      let below0 = e[i], below1 = d[i + 1] - shift, below2 = i + 1 < n - 1 ? e[i + 1] : 0
      if Swift.abs(a) >= Swift.abs(below0) {
        if a == 0 { a = tinyPivot }
        let m = below0 / a
        u0[i] = a; u1[i] = b; u2[i] = c; mult[i] = m; swapped[i] = false
        a = below1 - m * b
        b = below2 - m * c
      } else {
        let m = a / below0
        u0[i] = below0; u1[i] = below1; u2[i] = below2; mult[i] = m; swapped[i] = true
        a = b - m * below1
        b = c - m * below2
      }
      c = 0
    }
    if a == 0 { a = tinyPivot }
    u0[n - 1] = a; u1[n - 1] = 0; u2[n - 1] = 0
  }

  /// x ← (T − shift·I)⁻¹ x from the factorisation of `factor`; the partial solution is rescaled
  /// by 2⁻⁶⁰⁰ whenever an entry exceeds 2⁶⁰⁰ (no overflow near tiny pivots).
  private func solve(
    _ x: inout [Double], u0: [Double], u1: [Double], u2: [Double], mult: [Double], swapped: [Bool]
  ) {
    let n = d.count
    for i in 0..<(n - 1) {
      if swapped[i] { x.swapAt(i, i + 1) }
      x[i + 1] -= mult[i] * x[i]
    }
    let limit = Double(sign: .plus, exponent: 600, significand: 1)
    let down = Double(sign: .plus, exponent: -600, significand: 1)
    var i = n - 1
    while i >= 0 {
      var s = x[i]
      if i + 1 < n { s -= u1[i] * x[i + 1] }
      if i + 2 < n { s -= u2[i] * x[i + 2] }
      x[i] = s / u0[i]
      if Swift.abs(x[i]) > limit { for t in i..<n { x[t] *= down } }
      i -= 1
    }
  }

  /// Entry i of the start vector of eigenpair r: a SplitMix64-style hash of (r, i) mapped to (−1, 1).
  private func startEntry(_ r: Int, _ i: Int) -> Double {
    var h = UInt64(truncatingIfNeeded: r) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: i) &* 0xD1B5_4A32_D192_ED03
    h ^= h >> 30; h &*= 0xBF58_476D_1CE4_E5B9
    h ^= h >> 27; h &*= 0x94D0_49BB_1331_11EB
    h ^= h >> 31
    return Double(h >> 11) * 0x1p-52 - 1 + 0x1p-53
  }
}

/// Divides x by its 2-norm (computed after scaling by the largest magnitude); a zero vector
/// becomes the first unit vector.
private func scaleToUnit(_ x: inout [Double]) {
  let big = x.reduce(0) { Swift.max($0, Swift.abs($1)) }
  if !(big > 0) {
    for i in 0..<x.count { x[i] = i == 0 ? 1 : 0 }
    return
  }
  var s = 0.0
  for i in 0..<x.count { x[i] /= big; s += x[i] * x[i] }
  let inv = 1 / s.squareRoot()
  for i in 0..<x.count { x[i] *= inv }
}

/// Modified Gram–Schmidt: removes from x its components along the unit rows `rows` of `z`
/// (`… × n`), in row order.
private func orthogonalise(_ x: inout [Double], against z: [Double], rows: Range<Int>, n: Int) {
  if rows.isEmpty { return }
  z.withUnsafeBufferPointer { zp in
    x.withUnsafeMutableBufferPointer { xp in
      for q in rows {
        let zq = zp.baseAddress! + q * n
        let s = dot(zq, UnsafePointer(xp.baseAddress!), n)
        for i in 0..<n { xp[i] -= s * zq[i] }
      }
    }
  }
}
