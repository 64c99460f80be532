import XCTest
@testable import ClusAlgorithms
import CGemmKernels

/// The deterministic products: every element must equal, bit for bit, the documented arithmetic
/// (lanes over k in index order, lanes added in order, then the tail), written out here as a plain
/// scalar loop; and be close to the exact product.
final class GemmTests: XCTestCase {
  /// The documented order of one element, as scalar code.
  private func reference<T: BinaryFloatingPoint>(_ a: [T], _ i: Int, _ lda: Int, _ b: [T], _ j: Int, _ ldb: Int,
                                                  k: Int, lanes: Int) -> T {
    let kv = k - k % lanes
    var lane = [T](repeating: 0, count: lanes)
    var p = 0
    while p < kv {
      for l in 0..<lanes { lane[l] = lane[l] + a[i * lda + p + l] * b[j * ldb + p + l] }
      p += lanes
    }
    var s = lane[0]
    for l in 1..<lanes { s = s + lane[l] }
    if kv < k {
      var t = a[i * lda + kv] * b[j * ldb + kv]
      for q in (kv + 1)..<k { t = t + a[i * lda + q] * b[j * ldb + q] }
      s = s + t
    }
    return s
  }

  func testFloatProductIsTheDocumentedArithmeticForEveryShape() {
    var rng = RandomStream(seed: 5)
    for (m, n, k) in [(1, 1, 1), (4, 2, 4), (7, 5, 3), (9, 11, 17), (13, 6, 64), (5, 9, 130), (33, 3, 7), (9, 21, 4099)] {  // the last in several column blocks
      let lda = k + 3, ldb = k + 1, ldc = n + 2
      let a = (0..<(m * lda)).map { _ in Float(rng.nextGaussian()) }
      let b = (0..<(n * ldb)).map { _ in Float(rng.nextGaussian()) }
      var c = [Float](repeating: .nan, count: m * ldc)
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          c.withUnsafeMutableBufferPointer { cp in
            Gemm.sgemmNT(m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                         c: cp.baseAddress!, ldc: ldc)
          }
        }
      }
      for i in 0..<m {
        for j in 0..<n {
          let want = reference(a, i, lda, b, j, ldb, k: k, lanes: 4)
          XCTAssertEqual(c[i * ldc + j].bitPattern, want.bitPattern, "m \(m) n \(n) k \(k) at (\(i), \(j))")
          // and close to the exact product
          var exact = 0.0, mag = 0.0
          for p in 0..<k { exact += Double(a[i * lda + p]) * Double(b[j * ldb + p]); mag += abs(Double(a[i * lda + p]) * Double(b[j * ldb + p])) }
          XCTAssertLessThanOrEqual(abs(Double(c[i * ldc + j]) - exact), Double(k) * 1.2e-7 * mag + 1e-30)
        }
        // columns past n untouched
        for j in n..<ldc { XCTAssert(c[i * ldc + j].isNaN) }
      }
    }
  }

  func testDoubleProductAndSymmetricUpperTriangle() {
    var rng = RandomStream(seed: 9)
    let m = 19, k = 9001  // several column blocks
    let a = (0..<(m * k)).map { _ in rng.nextGaussian() }
    var c = [Double](repeating: 0, count: m * m)
    var u = [Double](repeating: .nan, count: m * m)
    a.withUnsafeBufferPointer { ap in
      c.withUnsafeMutableBufferPointer { cp in
        Gemm.dgemmNT(m: m, n: m, k: k, a: ap.baseAddress!, lda: k, b: ap.baseAddress!, ldb: k,
                     c: cp.baseAddress!, ldc: m)
      }
      u.withUnsafeMutableBufferPointer { up in
        Gemm.dsyrkUpper(m: m, k: k, a: ap.baseAddress!, lda: k, c: up.baseAddress!, ldc: m)
      }
    }
    for i in 0..<m {
      for j in 0..<m {
        XCTAssertEqual(c[i * m + j].bitPattern, reference(a, i, k, a, j, k, k: k, lanes: 2).bitPattern)
        // a product of a row with itself is symmetric bit for bit
        XCTAssertEqual(c[i * m + j].bitPattern, c[j * m + i].bitPattern)
        if j >= i { XCTAssertEqual(u[i * m + j].bitPattern, c[i * m + j].bitPattern) }
      }
    }
    // single-precision upper triangle equals the general product
    let af = a.map { Float($0) }
    var cf = [Float](repeating: 0, count: m * m), uf = [Float](repeating: 0, count: m * m)
    af.withUnsafeBufferPointer { ap in
      cf.withUnsafeMutableBufferPointer { cp in
        Gemm.sgemmNT(m: m, n: m, k: k, a: ap.baseAddress!, lda: k, b: ap.baseAddress!, ldb: k, c: cp.baseAddress!, ldc: m)
      }
      uf.withUnsafeMutableBufferPointer { up in
        Gemm.ssyrkUpper(m: m, k: k, a: ap.baseAddress!, lda: k, c: up.baseAddress!, ldc: m)
      }
    }
    for i in 0..<m { for j in i..<m { XCTAssertEqual(uf[i * m + j].bitPattern, cf[i * m + j].bitPattern) } }
  }

  func testTranspose() {
    let rows = 37, cols = 45, lds = 50
    let src = (0..<(rows * lds)).map { Double($0) }
    var dst = [Double](repeating: -1, count: rows * cols)
    src.withUnsafeBufferPointer { sp in
      dst.withUnsafeMutableBufferPointer { dp in
        Gemm.transpose(rows: rows, cols: cols, sp.baseAddress!, lds: lds, into: dp.baseAddress!)
      }
    }
    for i in 0..<rows { for j in 0..<cols { XCTAssertEqual(dst[j * rows + i], src[i * lds + j]) } }
  }

  /// `sgemmNTRows` (rows gathered by address, every element in an AVX tile, partial blocks padded
  /// by repeating the last row) gives every element the documented arithmetic, bit for bit; only
  /// the m × n elements are stored (the padding's never), and with `upperOnly` the upper triangle.
  func testRowsGatheredByAddressGiveTheDocumentedBits() throws {
    guard Gemm.avx else { throw XCTSkip("this CPU has no AVX (or CLUS_NO_AVX is set)") }
    var rng = RandomStream(seed: 13)
    for (m, n, k) in [(1, 1, 1), (4, 4, 3), (5, 7, 50), (13, 17, 784), (3, 2, 2), (67, 53, 717), (40, 80, 9),
                      (6, 4, 8), (6, 3, 5), (12, 9, 717), (75, 75, 717), (11, 6, 1)] {
      let stock = 2 * max(m, n) + 3  // rows picked from a larger table, in a scrambled order
      let table = (0..<(stock * k)).map { _ in Float(rng.nextGaussian()) }
      let ai = (0..<m).map { _ in rng.nextInt(stock) }, bi = (0..<n).map { _ in rng.nextInt(stock) }
      let a = ai.flatMap { table[($0 * k)..<($0 * k + k)] }, b = bi.flatMap { table[($0 * k)..<($0 * k + k)] }
      for upper in [false, true] {
        let nn = upper ? m : n, ldc = nn + 3
        var c = [Float](repeating: .nan, count: m * ldc)
        table.withUnsafeBufferPointer { tp in
          let rowsA = ai.map { UnsafePointer(tp.baseAddress! + $0 * k) }
          let rowsB = upper ? rowsA : bi.map { UnsafePointer(tp.baseAddress! + $0 * k) }
          rowsA.withUnsafeBufferPointer { ap in rowsB.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
              Gemm.sgemmNTRows(m: m, n: nn, k: k, aRows: ap.baseAddress!, bRows: bp.baseAddress!, c: cp.baseAddress!,
                               ldc: ldc, upperOnly: upper)
            }
          } }
        }
        for i in 0..<m {
          for j in (upper ? i : 0)..<nn {
            let want = reference(a, i, k, upper ? a : b, j, k, k: k, lanes: 4)
            XCTAssertEqual(c[i * ldc + j].bitPattern, want.bitPattern, "m \(m) n \(nn) k \(k) upper \(upper) at (\(i), \(j))")
          }
          for j in nn..<ldc { XCTAssert(c[i * ldc + j].isNaN, "m \(m) n \(nn): column \(j) past n written") }
        }
      }
    }
  }

  /// The AVX tiles compute the same bits as the baseline kernel (what every CPU without AVX runs).
  func testAVXTilesGiveTheBaselineBits() throws {
    guard clus_gemm_have_avx() == 1 else { throw XCTSkip("this CPU has no AVX") }
    var rng = RandomStream(seed: 11)
    for (m, n, k) in [(4, 4, 1), (4, 4, 3), (8, 12, 50), (13, 17, 784), (7, 9, 2), (64, 40, 33), (30, 30, 4099)] {
      let a = (0..<(m * k)).map { _ in Float(rng.nextGaussian()) }
      let b = (0..<(n * k)).map { _ in Float(rng.nextGaussian()) }
      let ad = a.map { Double($0) * 1.000000001 }, bd = b.map { Double($0) / 3 }
      for upper in [false, true] {
        let nn = upper ? m : n
        var c0 = [Float](repeating: 0, count: m * nn), c1 = c0
        var d0 = [Double](repeating: 0, count: m * nn), d1 = d0
        let bs = upper ? a : b, bds = upper ? ad : bd
        for (avx, out) in [(false, 0), (true, 1)] {
          a.withUnsafeBufferPointer { ap in bs.withUnsafeBufferPointer { bp in
            var c = [Float](repeating: 0, count: m * nn)
            c.withUnsafeMutableBufferPointer { cp in
              Gemm.sgemmNT(m: m, n: nn, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: k,
                           c: cp.baseAddress!, ldc: nn, upperOnly: upper, avx: avx)
            }
            if out == 0 { c0 = c } else { c1 = c }
          } }
          ad.withUnsafeBufferPointer { ap in bds.withUnsafeBufferPointer { bp in
            var d = [Double](repeating: 0, count: m * nn)
            d.withUnsafeMutableBufferPointer { dp in
              Gemm.dgemmNT(m: m, n: nn, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: k,
                           c: dp.baseAddress!, ldc: nn, upperOnly: upper, avx: avx)
            }
            if out == 0 { d0 = d } else { d1 = d }
          } }
        }
        for i in 0..<m {
          for j in (upper ? i : 0)..<nn {
            XCTAssertEqual(c0[i * nn + j].bitPattern, c1[i * nn + j].bitPattern, "Float \(m)×\(nn)×\(k) (\(i), \(j))")
            XCTAssertEqual(d0[i * nn + j].bitPattern, d1[i * nn + j].bitPattern, "Double \(m)×\(nn)×\(k) (\(i), \(j))")
          }
        }
        // and the tiles did run: an element in a full 4 × 4 tile equals the documented arithmetic
        XCTAssertEqual(c1[0].bitPattern, reference(a, 0, k, bs, 0, k, k: k, lanes: 4).bitPattern)
      }
    }
  }

  /// Packed panels (8 columns of C per register): every element the documented arithmetic, bit for bit,
  /// with and without AVX; an operand packed from a panel further in; only the n columns written; and
  /// signed zeros, infinities and NaN as the plain kernel gives them.
  func testPackedPanelsGiveTheDocumentedBits() {
    var rng = RandomStream(seed: 17)
    let shapes = [(1, 1, 1), (3, 8, 4), (2, 9, 3), (11, 5, 50), (24, 17, 2), (7, 31, 13), (26, 16, 784), (9, 3, 5), (512, 512, 50)]
    for (m, n, k) in shapes {
      let skipA = 8, skipB = 16  // the products start that many rows into their packed operands
      let ra = m + skipA, rb = n + skipB
      var a = (0..<(ra * k)).map { _ in Float(rng.nextGaussian()) }
      var b = (0..<(rb * k)).map { _ in Float(rng.nextGaussian()) }
      if k >= 3 && m > 1 && n > 2 {  // special values through the lanes and the tail
        a[(skipA + 1) * k] = -0.0; b[(skipB + 1) * k] = 0.0
        a[(skipA + 1) * k + k - 1] = .infinity; b[(skipB + 2) * k + 1] = .nan
        b[(skipB + 1) * k + k - 1] = -1e38; a[(skipA + 0) * k + 2] = 1e38
      }
      let pa = a.withUnsafeBufferPointer { Gemm.packPanels($0.baseAddress!, rows: ra, k: k, ldx: k) }
      let pb = b.withUnsafeBufferPointer { Gemm.packPanels($0.baseAddress!, rows: rb, k: k, ldx: k) }
      XCTAssertEqual(pa.count, (ra + 7) / 8 * 8 * k)
      let ldc = n + 5
      var outs = [[Float]]()
      for avx in Gemm.avx ? [false, true] : [false] {
        var c = [Float](repeating: .nan, count: m * ldc)
        pa.withUnsafeBufferPointer { ap in pb.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
          Gemm.sgemmPacked(m: m, n: n, k: k, a: ap.baseAddress! + skipA * k, b: bp.baseAddress! + skipB * k,
                           c: cp.baseAddress!, ldc: ldc, avx: avx)
        } } }
        outs.append(c)
      }
      // the plain kernel on the unpacked rows
      var plain = [Float](repeating: .nan, count: m * ldc)
      a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in plain.withUnsafeMutableBufferPointer { cp in
        Gemm.sgemmNT(m: m, n: n, k: k, a: ap.baseAddress! + skipA * k, lda: k, b: bp.baseAddress! + skipB * k, ldb: k,
                     c: cp.baseAddress!, ldc: ldc)
      } } }
      for c in outs {
        for i in 0..<m {
          for j in 0..<n {
            let want = reference(a, skipA + i, k, b, skipB + j, k, k: k, lanes: 4)
            XCTAssertEqual(c[i * ldc + j].bitPattern, want.bitPattern, "m \(m) n \(n) k \(k) at (\(i), \(j))")
            XCTAssertEqual(c[i * ldc + j].bitPattern, plain[i * ldc + j].bitPattern)
          }
          for j in n..<ldc { XCTAssert(c[i * ldc + j].isNaN, "m \(m) n \(n): column \(j) past n written") }
        }
      }
    }
  }
}
