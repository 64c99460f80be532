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
// Steps 1 and 3 are in HouseholderTridiagonal.swift, 2a in TridiagonalQR.swift, 2b in
// TridiagonalBisection.swift; this file holds the API that runs them.

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
