import ClusAlgorithms
import XCTest

/// `FloatStorage` behaves as `[Float]` does: value semantics by copy-on-write, element-wise
/// equality, the same printed form; and builds large values without an intermediate array.
final class FloatStorageTests: XCTestCase {
  func testCopiesAreIndependent() {
    let a: FloatStorage = [1, 2, 3]
    var b = a
    b[1] = 20
    XCTAssertEqual(Array(a), [1, 2, 3])
    XCTAssertEqual(Array(b), [1, 20, 3])
    var c = a
    c.withUnsafeMutableBufferPointer { $0[0] = -1 }
    XCTAssertEqual(a[0], 1)
    XCTAssertEqual(c[0], -1)
    var m = Matrix(rows: 1, cols: 3, storage: a)
    m[0, 2] = 30
    XCTAssertEqual(Array(a), [1, 2, 3])
    XCTAssertEqual(Array(m.data), [1, 2, 30])
  }

  func testEqualityIsElementWiseAsForArrays() {
    let nan = Float.nan
    XCTAssertEqual(FloatStorage([0, 1]), [-0.0, 1])
    XCTAssertNotEqual(FloatStorage([1, 2]), [1, 2, 3])
    XCTAssertNotEqual(FloatStorage([nan]), FloatStorage([nan]))
    let shared = FloatStorage([nan])
    XCTAssertEqual(shared, shared, "the same memory is equal, as for Array")
  }

  func testInitialisersAndCollectionViews() throws {
    XCTAssertEqual(Array(FloatStorage(repeating: 0, count: 4)), [0, 0, 0, 0])
    XCTAssertEqual(FloatStorage(repeating: 0, count: 1)[0].bitPattern, 0)
    XCTAssertEqual(Array(FloatStorage(repeating: -2.5, count: 3)), [-2.5, -2.5, -2.5])
    XCTAssertTrue(FloatStorage().isEmpty)
    XCTAssertEqual(FloatStorage([Float]()).withUnsafeBufferPointer { $0.count }, 0)
    let filled = FloatStorage(unsafeUninitializedCount: 5) { p in for i in p.indices { p[i] = Float(i * i) } }
    XCTAssertEqual(Array(filled), [0, 1, 4, 9, 16])
    XCTAssertEqual(FloatStorage(filled[1..<3]), [1, 4])
    XCTAssertEqual(filled.reduce(0, +), 30)
    XCTAssertEqual(filled.description, "[0.0, 1.0, 4.0, 9.0, 16.0]")
    XCTAssertEqual(filled.withUnsafeBytes { $0.count }, 20)
    struct Stop: Error {}
    XCTAssertThrowsError(try FloatStorage(unsafeUninitializedCount: 3) { _ in throw Stop() })
    let m = Matrix(rows: 2, cols: 2) { p in p.initialize(repeating: 7) }
    XCTAssertEqual(m, Matrix(rows: 2, cols: 2, data: [7, 7, 7, 7]))
    XCTAssertEqual(m.row(1), [7, 7])
  }
}
