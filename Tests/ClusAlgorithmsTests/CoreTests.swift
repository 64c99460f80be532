import XCTest
@testable import ClusAlgorithms

final class CoreTests: XCTestCase {
  func testParallelChunksCoversEveryItemOnce() {
    var hits = [Int](repeating: 0, count: 1003)
    hits.withUnsafeMutableBufferPointer { p in
      let base = p.baseAddress!
      parallelChunks(count: 1003, chunkSize: 10, threads: 4) { _, r in
        for i in r { base[i] += 1 }
      }
    }
    XCTAssertEqual(hits, [Int](repeating: 1, count: 1003))
    XCTAssertEqual(chunkCount(1003, 10), 101)
  }

  /// `Locked` serialises read-modify-write from many workers: every chunk's additions arrive. Under
  /// `make test-tsan` this is also the lock ThreadSanitizer must see (it did not see `Mutex`'s handover).
  func testLockedSerialisesWorkers() {
    let total = Locked<(sum: Int, chunks: [Int])>((0, []))
    parallelChunks(count: 4000, chunkSize: 7, threads: 8) { c, r in
      for i in r { total.withLock { $0.sum += i } }
      total.withLock { $0.chunks.append(c) }
    }
    XCTAssertEqual(total.withLock { $0.sum }, 3999 * 4000 / 2)
    XCTAssertEqual(total.withLock { $0.chunks.sorted() }, Array(0..<chunkCount(4000, 7)))
  }

  func testRandomStreamIsDeterministicAndKeyed() {
    var a = RandomStream(seed: 42, 1, 2)
    var b = RandomStream(seed: 42, 1, 2)
    var c = RandomStream(seed: 42, 1, 3)
    let xa = (0..<5).map { _ in a.next() }
    XCTAssertEqual(xa, (0..<5).map { _ in b.next() })
    XCTAssertNotEqual(xa, (0..<5).map { _ in c.next() })
    var r = RandomStream(seed: 7)
    for _ in 0..<1000 {
      let v = r.nextInt(10); XCTAssert((0..<10).contains(v))
      let f = r.nextFloat(); XCTAssert(f >= 0 && f < 1)
    }
  }

  func testValidateDataRejectsNaNAndEmpty() {
    XCTAssertThrowsError(try validateData(Matrix(rows: 0, cols: 3)))
    var m = Matrix(rows: 2, cols: 2, data: [1, 2, 3, 4])
    XCTAssertNoThrow(try validateData(m))
    m[1, 0] = .nan
    XCTAssertThrowsError(try validateData(m)) { e in
      XCTAssertEqual((e as? AlgorithmError)?.description.contains("row 1, column 0"), true)
    }
    // a NaN with its sign bit set (what 0/0 gives on x86) is named as numpy prints it, "nan", not
    // Swift's "-nan"; infinities keep their sign
    m[1, 0] = -Float.nan
    XCTAssertEqual(m[1, 0].sign, .minus)
    for (v, name) in [(-Float.nan, "nan"), (Float.nan, "nan"), (-Float.infinity, "-inf"), (Float.infinity, "inf")] {
      m[1, 0] = v
      XCTAssertThrowsError(try validateData(m)) { e in
        XCTAssertEqual((e as? AlgorithmError)?.description.contains("non-finite value (\(name)) at row 1, column 0"), true, "\(e)")
      }
    }
  }

  func testSgemmMatchesHandProduct() {
    // [1 2; 3 4] · [5 6; 7 8]ᵀ = [17 23; 39 53]
    let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
    var c = [Float](repeating: 0, count: 4)
    Gemm.sgemmNT(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
    XCTAssertEqual(c, [17, 23, 39, 53])
  }
}
