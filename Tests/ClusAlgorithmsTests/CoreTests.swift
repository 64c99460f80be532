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
        XCTAssertEqual((e as? AlgorithmError)?.description.contains("non-finite value (\(name)) at row 1, column 0 (counted from 0)"), true, "\(e)")
      }
    }
  }

  /// `firstNonFinite` finds the first NaN or infinity anywhere (in the first block of 4,096 values,
  /// on either side of a block's edge, in the last, short block, with a later one in the same or the
  /// next block) and nothing among the extreme finite values: the largest (±3.4·10³⁸), the smallest
  /// subnormal, ±0.
  func testFirstNonFiniteFindsTheFirstAtAnyPlace() {
    let rows = 3001, cols = 7  // 21,007 values: five full blocks and a short one
    let finite: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 0, -0.0, 1]
    var base = Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { finite[$0 % finite.count] })
    XCTAssertNil(base.firstNonFinite())
    XCTAssertTrue(base.allFinite)
    for at in [0, 5, 4095, 4096, 4097, 8191, 20479, 20480, rows * cols - 1] {
      for v in [Float.nan, -.nan, .infinity, -.infinity, Float(bitPattern: 0x7F80_0001)] {
        var m = base
        m.data[at] = v
        if at + 3 < rows * cols { m.data[at + 3] = .nan }  // a later one in the same block
        if at + 5000 < rows * cols { m.data[at + 5000] = .infinity }  // and in a later block
        let want = (at / cols, at % cols)
        let got = m.firstNonFinite()
        XCTAssertEqual(got?.row, want.0, "at \(at) \(v)")
        XCTAssertEqual(got?.col, want.1, "at \(at) \(v)")
        XCTAssertFalse(m.allFinite)
      }
    }
    base = Matrix(rows: 0, cols: 3)
    XCTAssertNil(base.firstNonFinite())
  }

  func testSgemmMatchesHandProduct() {
    // [1 2; 3 4] · [5 6; 7 8]ᵀ = [17 23; 39 53]
    let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
    var c = [Float](repeating: 0, count: 4)
    Gemm.sgemmNT(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
    XCTAssertEqual(c, [17, 23, 39, 53])
  }
}
