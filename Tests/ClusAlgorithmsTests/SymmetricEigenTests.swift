import CLapacke
import XCTest
@testable import ClusAlgorithms

/// The deterministic symmetric eigensolvers (Core/SymmetricEigen.swift): a hand-computed case,
/// residuals and orthogonality on random and clustered spectra, agreement with LAPACK dsyevd,
/// the sign convention and edge cases.
final class SymmetricEigenTests: XCTestCase {
  /// Symmetric n × n matrix with entries uniform in (−1, 1), from a fixed seed.
  private func randomSymmetric(_ n: Int, seed: UInt64) -> [Double] {
    var rng = RandomStream(seed: seed, 1, 2)
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { let v = rng.nextDouble() * 2 - 1; a[i * n + j] = v; a[j * n + i] = v } }
    return a
  }

  /// Q diag(values) Qᵀ for a random orthogonal Q (Gram–Schmidt on random vectors).
  private func withSpectrum(_ values: [Double], seed: UInt64) -> [Double] {
    let n = values.count
    var rng = RandomStream(seed: seed, 3, 4)
    var q = [Double](repeating: 0, count: n * n)
    for r in 0..<n {
      for i in 0..<n { q[r * n + i] = rng.nextGaussian() }
      for _ in 0..<2 {
        for p in 0..<r {
          var s = 0.0
          for i in 0..<n { s += q[p * n + i] * q[r * n + i] }
          for i in 0..<n { q[r * n + i] -= s * q[p * n + i] }
        }
      }
      var s = 0.0
      for i in 0..<n { s += q[r * n + i] * q[r * n + i] }
      for i in 0..<n { q[r * n + i] /= s.squareRoot() }
    }
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var s = 0.0
        for r in 0..<n { s += q[r * n + i] * values[r] * q[r * n + j] }
        a[i * n + j] = s; a[j * n + i] = s
      }
    }
    return a
  }

  /// Max over pairs of ‖A v − λ v‖∞ / ‖A‖max, and max |vᵢ·vⱼ − δᵢⱼ|.
  private func quality(_ a: [Double], _ r: SymmetricEigenResult) -> (residual: Double, orthogonality: Double) {
    let n = r.n
    let norm = a.reduce(0) { max($0, abs($1)) }
    var res = 0.0, orth = 0.0
    for k in 0..<r.count {
      for i in 0..<n {
        var s = 0.0
        for j in 0..<n { s += a[i * n + j] * r.vectors[k * n + j] }
        res = max(res, abs(s - r.values[k] * r.vectors[k * n + i]) / max(norm, .leastNormalMagnitude))
      }
      for l in 0...k {
        var s = 0.0
        for i in 0..<n { s += r.vectors[k * n + i] * r.vectors[l * n + i] }
        orth = max(orth, abs(s - (k == l ? 1 : 0)))
      }
    }
    return (res, orth)
  }

  /// All eigenvalues (ascending) by LAPACK dsyevd.
  private func lapackValues(_ a: [Double], _ n: Int) -> [Double] {
    var a = a
    var w = [Double](repeating: 0, count: n)
    let info = LAPACKE_dsyevd(
      LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "L")), Int32(n), &a, Int32(n), &w)
    XCTAssertEqual(info, 0)
    return w
  }

  private func checkSigns(_ r: SymmetricEigenResult, file: StaticString = #filePath, line: UInt = #line) {
    for k in 0..<r.count {
      let v = r.vector(k)
      let big = v.map { abs($0) }.max()!
      let first = v.firstIndex { abs($0) == big }!
      XCTAssertGreaterThan(v[first], 0, "row \(k)", file: file, line: line)
    }
  }

  /// [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: eigenvalues 2 − √2, 2, 2 + √2 with eigenvectors
  /// (1, √2, 1)/2, (1, 0, −1)/√2, (1, −√2, 1)/2 (signs by the largest-entry rule).
  func testHandComputed3x3() throws {
    let a: [Double] = [2, -1, 0, -1, 2, -1, 0, -1, 2]
    let s2 = 2.0.squareRoot()
    let expectedValues = [2 - s2, 2, 2 + s2]
    let expectedVectors: [[Double]] = [[0.5, s2 / 2, 0.5], [1 / s2, 0, -1 / s2], [-0.5, s2 / 2, -0.5]]
    for r in [try symmetricEigenAll(a, n: 3), try symmetricEigenSelected(a, n: 3, indices: 0..<3)] {
      for k in 0..<3 {
        XCTAssertEqual(r.values[k], expectedValues[k], accuracy: 1e-14)
        for i in 0..<3 { XCTAssertEqual(r.vectors[k * 3 + i], expectedVectors[k][i], accuracy: 1e-14) }
      }
    }
    let top = try symmetricEigenLargest(a, n: 3, count: 2)
    XCTAssertEqual(top.values[0], 2 + s2, accuracy: 1e-14)
    XCTAssertEqual(top.values[1], 2, accuracy: 1e-14)
    XCTAssertEqual(top.vector(0)[1], s2 / 2, accuracy: 1e-14)
  }

  func testRandomMatricesAgainstLAPACK() throws {
    for (n, seed) in [(1, 1), (2, 2), (5, 3), (17, 4), (60, 5), (200, 6)] as [(Int, UInt64)] {
      let a = randomSymmetric(n, seed: seed)
      let ref = lapackValues(a, n)
      let scale = ref.map { abs($0) }.max()!
      let all = try symmetricEigenAll(a, n: n)
      let sel = try symmetricEigenSelected(a, n: n, indices: 0..<n)
      for r in [all, sel] {
        XCTAssertEqual(r.count, n)
        for k in 0..<n { XCTAssertEqual(r.values[k], ref[k], accuracy: 1e-12 * scale, "n \(n) k \(k)") }
        let q = quality(a, r)
        XCTAssertLessThan(q.residual, 1e-10, "n \(n)")
        XCTAssertLessThan(q.orthogonality, 1e-10, "n \(n)")
        checkSigns(r)
      }
      let k = min(n, 7)
      let top = try symmetricEigenLargest(a, n: n, count: k)
      for j in 0..<k { XCTAssertEqual(top.values[j], ref[n - 1 - j], accuracy: 1e-12 * scale) }
      let q = quality(a, top)
      XCTAssertLessThan(q.residual, 1e-10)
      XCTAssertLessThan(q.orthogonality, 1e-10)
    }
  }

  /// Clusters of close and exactly repeated eigenvalues (where inverse iteration needs the
  /// re-orthogonalisation), plus a zero eigenvalue and a wide dynamic range.
  func testClusteredEigenvalues() throws {
    let n = 80
    var values = [Double]()
    for i in 0..<n {
      switch i % 4 {
      case 0: values.append(5)  // repeated 20 times
      case 1: values.append(3 + 1e-11 * Double(i))  // tight cluster
      case 2: values.append(1e-6 * Double(i))  // small, one exactly 0… near 0
      default: values.append(-2 - 1e-9 * Double(i))
      }
    }
    values[2] = 0
    let a = withSpectrum(values, seed: 9)
    let ref = lapackValues(a, n)
    let sorted = values.sorted()
    for r in [try symmetricEigenAll(a, n: n), try symmetricEigenSelected(a, n: n, indices: 0..<n)] {
      let q = quality(a, r)
      XCTAssertLessThan(q.residual, 1e-10)
      XCTAssertLessThan(q.orthogonality, 1e-10)
      for k in 0..<n {
        XCTAssertEqual(r.values[k], ref[k], accuracy: 1e-12 * 5)
        XCTAssertEqual(r.values[k], sorted[k], accuracy: 1e-12 * 5)
      }
    }
    let top = try symmetricEigenLargest(a, n: n, count: 30)
    let q = quality(a, top)
    XCTAssertLessThan(q.residual, 1e-10)
    XCTAssertLessThan(q.orthogonality, 1e-10)
  }

  /// A covariance-like matrix (Gram of random data) of order 300, top 50: the PCA use.
  func testTopOfCovarianceAgainstLAPACK() throws {
    let n = 300, m = 400
    var rng = RandomStream(seed: 11, 5, 6)
    var x = [Double](repeating: 0, count: m * n)
    for i in 0..<(m * n) { x[i] = rng.nextGaussian() * (1 + Double(i % n) / 10) }
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var s = 0.0
        for t in 0..<m { s += x[t * n + i] * x[t * n + j] }
        a[i * n + j] = s / Double(m); a[j * n + i] = s / Double(m)
      }
    }
    let ref = lapackValues(a, n)
    let top = try symmetricEigenLargest(a, n: n, count: 50)
    for j in 0..<50 { XCTAssertEqual(top.values[j], ref[n - 1 - j], accuracy: 1e-12 * ref[n - 1]) }
    let q = quality(a, top)
    XCTAssertLessThan(q.residual, 1e-10)
    XCTAssertLessThan(q.orthogonality, 1e-10)
    checkSigns(top)
    // the same bits when run again
    XCTAssertEqual(try symmetricEigenLargest(a, n: n, count: 50), top)
  }

  func testDiagonalZeroAndScaledMatrices() throws {
    let d: [Double] = [3, 0, 0, 0, -1, 0, 0, 0, 2]
    let r = try symmetricEigenAll(d, n: 3)
    XCTAssertEqual(r.values, [-1, 2, 3])
    XCTAssertEqual(r.vectors, [0, 1, 0, 0, 0, 1, 1, 0, 0])
    let z = try symmetricEigenSelected([Double](repeating: 0, count: 16), n: 4, indices: 1..<3)
    XCTAssertEqual(z.values, [0, 0])
    XCTAssertLessThan(quality([Double](repeating: 0, count: 16), z).orthogonality, 1e-15)
    // scaling by 2^k scales the eigenvalues exactly and leaves the vectors unchanged
    let a = randomSymmetric(12, seed: 21)
    let base = try symmetricEigenSelected(a, n: 12, indices: 3..<9)
    let big = try symmetricEigenSelected(a.map { $0 * 0x1p200 }, n: 12, indices: 3..<9)
    XCTAssertEqual(big.values, base.values.map { $0 * 0x1p200 })
    XCTAssertEqual(big.vectors, base.vectors)
    XCTAssertEqual(try symmetricEigenAll([], n: 0).count, 0)
  }

  /// The back-transformation runs one eigenvector per task: the bits do not depend on threads.
  func testSameBitsForAnyThreadCount() throws {
    let a = randomSymmetric(90, seed: 31)
    let one = try symmetricEigenLargest(a, n: 90, count: 40, threads: 1)
    for t in [2, 3, 8] { XCTAssertEqual(try symmetricEigenLargest(a, n: 90, count: 40, threads: t), one) }
  }

  /// PCA of wide (n < d), rank-deficient data goes through the Gram matrix: variances equal the
  /// squared singular values from LAPACK dgesdd / (n − 1), components are orthonormal, including
  /// the ones completed for zero variance.
  func testWidePCAAgainstLAPACKSingularValues() throws {
    let n = 40, d = 100, rank = 12
    var rng = RandomStream(seed: 41, 7, 8)
    var f = [Double](repeating: 0, count: n * rank), g = [Double](repeating: 0, count: rank * d)
    for i in 0..<f.count { f[i] = rng.nextGaussian() }
    for i in 0..<g.count { g[i] = rng.nextGaussian() * Double(1 + i / d) }
    var x = Matrix(rows: n, cols: d)
    for i in 0..<n {
      for j in 0..<d {
        var s = 0.0
        for t in 0..<rank { s += f[i * rank + t] * g[t * d + j] }
        x.data[i * d + j] = Float(s)
      }
    }
    let p = try pca(x)
    XCTAssertEqual(p.components.rows, n)
    // reference: dgesdd of the centred data (Double, from the same Float values)
    var a = [Double](repeating: 0, count: n * d)
    for j in 0..<d {
      var m = 0.0
      for i in 0..<n { m += Double(x.data[i * d + j]) }
      m /= Double(n)
      for i in 0..<n { a[i * d + j] = Double(x.data[i * d + j]) - m }
    }
    var sv = [Double](repeating: 0, count: n)
    var u = [Double](repeating: 0, count: n * n), vt = [Double](repeating: 0, count: n * d)
    XCTAssertEqual(
      LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(n), Int32(d), &a, Int32(d), &sv, &u, Int32(n), &vt, Int32(d)), 0)
    let top = sv[0] * sv[0] / Double(n - 1)
    for k in 0..<n {
      XCTAssertEqual(p.explainedVariance[k], sv[k] * sv[k] / Double(n - 1), accuracy: 1e-11 * top, "k \(k)")
    }
    for k in 0..<rank {  // the same axes as LAPACK's (up to sign)
      var c = 0.0
      for j in 0..<d { c += Double(p.components.data[k * d + j]) * vt[k * d + j] }
      XCTAssertEqual(abs(c), 1, accuracy: 1e-5)
    }
    for k in 0..<n {
      for l in 0...k {
        var c = 0.0
        for j in 0..<d { c += Double(p.components.data[k * d + j]) * Double(p.components.data[l * d + j]) }
        XCTAssertEqual(c, k == l ? 1 : 0, accuracy: 1e-6, "\(k) \(l)")
      }
    }
  }

  func testErrors() {
    XCTAssertThrowsError(try symmetricEigenAll([1, 2, 3], n: 2))
    XCTAssertThrowsError(try symmetricEigenAll([1, 0, .nan, 1], n: 2))
    XCTAssertThrowsError(try symmetricEigenSelected([1, 0, 0, 1], n: 2, indices: 1..<3))
    XCTAssertThrowsError(try symmetricEigenLargest([1, 0, 0, 1], n: 2, count: 3))
  }
}
