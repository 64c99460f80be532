import XCTest
import ClusAlgorithms
@testable import ClusRuntime

/// Inputs the fuzz targets (Fuzz/, docs/reliability.md "Fuzzing") found crashing, as plain tests:
/// each must now load or fail with a clear `DataFileError`. The inputs are also in the targets'
/// corpora (Fuzz/Corpus/<target>/regression-*).
final class FuzzRegressionTests: XCTestCase {
  /// An IDX/NPY header: big-endian dims for IDX.
  func idx(_ type: UInt8, _ dims: [UInt32], _ payload: [UInt8] = []) -> [UInt8] {
    var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { b += [UInt8(d >> 24), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return b + payload
  }

  func npy(_ dict: String, _ payload: [UInt8]) -> [UInt8] {
    var h = Array(dict.utf8)
    while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
    h.append(0x0A)
    return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(h.count & 255), UInt8(h.count >> 8)] + h + payload
  }

  /// FuzzIDX: float64 data with a dimension of 0 and the others huge (0 × 2²⁵ × 520 × 33553920)
  /// holds no values, but the float32 range check allocated per column (5.8e17 columns) and
  /// aborted. Now: an empty matrix.
  func testZeroRowsWithHugeRowWidth() throws {
    let d = try loadData(bytes: idx(0x0E, [0, 0x0200_0000, 0x208, 0x01FF_FE00]), fileName: "x-idx4-ubyte")
    guard case .matrix(let m) = d else { return XCTFail("expected a matrix, got \(d)") }
    XCTAssertEqual(m.rows, 0)
    XCTAssertTrue(m.data.isEmpty)
  }

  /// FuzzNPY: uint64 values beyond Int.max in a matrix (numpy writes them: `np.uint64(2**64 - 1)`)
  /// crashed the warning that integers beyond 2²⁴ lose precision in float32 (`Int(2⁶⁴)` traps).
  func testUInt64BeyondIntMaxWarns() throws {
    let payload: [UInt8] = Array(repeating: 0xFF, count: 8) + [5, 0, 0, 0, 0, 0, 0, 0]
    var warnings: [String] = []
    let d = try loadData(bytes: npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1, 2), }", payload),
                         fileName: "big.npy", warn: { warnings.append($0) })
    guard case .matrix(let m) = d else { return XCTFail("expected a matrix, got \(d)") }
    XCTAssertEqual(m.data, [Float(UInt64.max), 5])
    XCTAssertEqual(warnings.count, 1)
    // 2^64 − 1 is read as float64 2^64: given as "about", not as an exact figure one above the maximum
    XCTAssertTrue(warnings.first?.contains("integers up to about 1.845e+19 are beyond 2^24") ?? false, "\(warnings)")
  }

  /// FuzzAlgorithms: one value at float32's largest (3.4e38) among small ones gave K-Means an
  /// infinite centre (the centred Float copy's rounding carried the mean past float32's range); the
  /// centres are clamped to the range. Such data's squared distances overflow float32, so it is now
  /// refused before the fit (a fresh-user pass found its assignments meaningless: every point in one
  /// cluster); data all at 3.4e38 still fit, with finite centres.
  func testKMeansCentreNextToFloatMax() throws {
    let x = Matrix(rows: 10, cols: 2, data: [9, -5, .greatestFiniteMagnitude, -0.875, 1, 1.125, -10, 4, -0.25, 0.125,
                                             4, -9, -10, 0.375, 0, -0.875, 5, 0, 3, 1])
    // near 3.4e38 distinct floats lie 2e31 apart, beyond the limit: only equal values fit there
    let near = Matrix(rows: 10, cols: 2, repeating: .greatestFiniteMagnitude)
    for run in [KMeansParameters(nClusters: 5, initialization: .random, nInit: 2, maxIter: 4, randomState: 3),
                KMeansParameters(nClusters: 2, randomState: 0)] {
      XCTAssertThrowsError(try kmeans(x, parameters: run, context: RunContext(threads: 1))) {
        XCTAssertTrue("\($0)".contains("overflow float32"), "\($0)")
      }
      let r = try kmeans(near, parameters: run, context: RunContext(threads: 1))
      XCTAssertTrue(r.centers.data.allSatisfy(\.isFinite), "\(r.centers.data)")
    }
  }

  /// FuzzAlgorithms: points ±3.4e38 apart in one cluster gave an infinite inertia (float32 squared
  /// distances overflow beyond about 1e19; the assignments then mean nothing). Now a clear error.
  func testKMeansSquaredDistancesBeyondFloat32() {
    let data: [Float] = [
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, -4.0, -7.0, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      -5.0, -6.0, 0.125, -4.0, 0.125,
      -8.0, 0.125, 0.125, -1.4980391, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, -9.0, 2.0, -8.0, -10.0,
      -10.0, -9.6242016e+30, -9.6242016e+30, -9.6242016e+30, -9.6242016e+30,
      -9.6242016e+30, -9.6242016e+30, -9.6242016e+30, -9.6242016e+30, -9.6242016e+30,
      -9.6242016e+30, -9.6242016e+30, -9.6242016e+30, -2.5353012e+30, -10.0,
      -10.0, 2.0, 3.4028235e+38, -3.4028235e+38, -5.0,
      -5.0, -5.0, -0.0, 1e-45, -3.918315e-39,
      3.4028235e+38, -3.4028235e+38, 1e+30, 1e-30, 1.0000001,
      3e+19, -5.0, -5.0, -5.0, -0.0,
      1e-45, -3.918315e-39, 3.4028235e+38, -3.4028235e+38, 1e+30,
      -5.0, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, 0.125,
      0.125, 0.125, 0.125, 0.125, -0.875,
      0.125, 0.125, 0.125, 0.125, 0.125]
    let x = Matrix(rows: 27, cols: 5, data: data)
    let p = KMeansParameters(nClusters: 4, initialization: .random, nInit: 4, maxIter: 42, randomState: 3)
    XCTAssertThrowsError(try kmeans(x, parameters: p, context: RunContext(threads: 1))) {
      XCTAssertTrue("\($0)".contains("overflow float32"), "\($0)")
    }
  }

  /// FuzzAlgorithms: a row holding +3.4e38 and −3.4e38 projects beyond float32's range; PCA gave
  /// infinite coordinates. Now a clear error.
  func testPCAProjectionBeyondFloat32() {
    var data = [Float](repeating: -5, count: 15)
    data[4] = .greatestFiniteMagnitude  // row 1: (−5, 3.4e38, −3.4e38)
    data[5] = -.greatestFiniteMagnitude
    data[0] = -7
    XCTAssertThrowsError(try pca(Matrix(rows: 5, cols: 3, data: data), context: RunContext(threads: 1))) {
      XCTAssertTrue("\($0)".contains("beyond float32's range"), "\($0)")
    }
  }
}
