import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

final class IOTests: DataFileTestCase {
  func matrix(_ d: LoadedData, file: StaticString = #filePath, line: UInt = #line) -> Matrix? {
    if case .matrix(let m) = d { return m }
    XCTFail("expected a matrix, got \(d)", file: file, line: line)
    return nil
  }

  /// An IDX file: magic 0 0 type ndims, big-endian uint32 dimensions, then `payload` as given.
  func idx(_ type: UInt8, _ dims: [Int], _ payload: [UInt8]) -> [UInt8] {
    var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { b += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return b + payload
  }

  /// An NPY file per the format specification: magic, version, little-endian header length
  /// (2 bytes for 1.0, 4 for 2.0), the dictionary padded with spaces and ended by a newline so
  /// that the data starts at a multiple of 64.
  func npy(_ dict: String, _ payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
    let pre = version == 1 ? 10 : 12
    var h = Array(dict.utf8)
    while (pre + h.count + 1) % 64 != 0 { h.append(0x20) }
    h.append(0x0A)
    var b: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    b += version == 1 ? [UInt8(h.count & 255), UInt8(h.count >> 8)]
      : [UInt8(h.count & 255), UInt8(h.count >> 8 & 255), 0, 0]
    return b + h + payload
  }

  // MARK: IDX

  func testIDXElementTypes() throws {
    // uint8 1-D -> labels
    XCTAssertEqual(try loadData(path: write("a-labels-idx1-ubyte", idx(0x08, [4], [5, 0, 255, 7]))),
                   .intVector([5, 0, 255, 7]))
    // int8
    XCTAssertEqual(try loadData(path: write("b.idx1", idx(0x09, [3], [0xFF, 0x80, 0x7F]))),
                   .intVector([-1, -128, 127]))
    // int16 big-endian: -2 = FF FE, 300 = 01 2C
    XCTAssertEqual(try loadData(path: write("c.idx1", idx(0x0B, [2], [0xFF, 0xFE, 0x01, 0x2C]))),
                   .intVector([-2, 300]))
    // int32: -70000 = FF FE EE 90, 16909060 = 01 02 03 04
    XCTAssertEqual(try loadData(path: write("d.idx1", idx(0x0C, [2], [0xFF, 0xFE, 0xEE, 0x90, 1, 2, 3, 4]))),
                   .intVector([-70000, 16_909_060]))
    // float32: 1.5 = 3FC00000, -2.25 = C0100000
    XCTAssertEqual(try loadData(path: write("e.idx1", idx(0x0D, [2], [0x3F, 0xC0, 0, 0, 0xC0, 0x10, 0, 0]))),
                   .floatVector([1.5, -2.25]))
    // float64 2-D: 0.1 = 3FB999999999999A, -3 = C008000000000000
    let f64 = try loadData(path: write("f.idx2", idx(0x0E, [2, 1],
      [0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A, 0xC0, 0x08, 0, 0, 0, 0, 0, 0])))
    XCTAssertEqual(f64, .matrix(Matrix(rows: 2, cols: 1, data: [0.1, -3])))
    // int16 2-D -> matrix of floats
    XCTAssertEqual(try loadData(path: write("g.idx2", idx(0x0B, [1, 2], [0x80, 0x00, 0x00, 0x09]))),
                   .matrix(Matrix(rows: 1, cols: 2, data: [-32768, 9])))
    // 3-D uint8 flattens: 2 × 2 × 3 -> 2 × 6
    let img = try loadData(path: write("h-images-idx3-ubyte", idx(0x08, [2, 2, 3], Array(0..<12))))
    XCTAssertEqual(img, .matrix(Matrix(rows: 2, cols: 6, data: (0..<12).map { Float($0) })))
  }

  // u8 2 × 3 = [0, 1, 2, 253, 254, 255], gzip.compress(..., mtime=0) by Python.
  let gzIDX: [UInt8] = [
    0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xE0, 0x60, 0x62, 0x60, 0x60,
    0x00, 0x61, 0x66, 0x06, 0x46, 0xA6, 0xBF, 0xFF, 0xFE, 0x03, 0x00, 0xC9, 0x60, 0x42, 0x58, 0x12, 0x00,
    0x00, 0x00,
  ]
  // The same file as two gzip members (bytes 0..<7 and 7..<18).
  let gzIDX2: [UInt8] = [
    0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x63, 0x60, 0xE0, 0x60, 0x62, 0x60, 0x60,
    0x00, 0x00, 0x34, 0x5C, 0x15, 0x07, 0x07, 0x00, 0x00, 0x00, 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x02, 0x03, 0x63, 0x62, 0x60, 0x60, 0x60, 0x66, 0x60, 0x64, 0xFA, 0xFB, 0xEF, 0x3F, 0x00, 0xB6,
    0x30, 0x4B, 0x8F, 0x0B, 0x00, 0x00, 0x00,
  ]

  func testGzip() throws {
    let expected = LoadedData.matrix(Matrix(rows: 2, cols: 3, data: [0, 1, 2, 253, 254, 255]))
    XCTAssertEqual(try loadData(path: write("x-idx2-ubyte.gz", gzIDX)), expected)
    XCTAssertEqual(try loadData(path: write("multi.idx2.gz", gzIDX2)), expected)
    // Trailing zero padding is ignored; gzip content is recognised without the .gz name too.
    XCTAssertEqual(try loadData(path: write("pad.idx2.gz", gzIDX + [0, 0, 0])), expected)
    XCTAssertEqual(try loadData(path: write("sniffed.idx2", gzIDX)), expected)

    let plain = idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255])
    assertLoadFails(write("notgz.idx2.gz", plain), .corruptGzip, ["not a gzip file"])
    assertLoadFails(write("cut.idx2.gz", Array(gzIDX.prefix(20))), .corruptGzip, ["truncated"])
    var damaged = gzIDX
    damaged[12] ^= 0xFF
    damaged[13] ^= 0xFF
    assertLoadFails(write("bad.idx2.gz", damaged), .corruptGzip, ["corrupt gzip"])
    var crc = gzIDX
    crc[28] ^= 0x01  // CRC32 field
    assertLoadFails(write("crc.idx2.gz", crc), .corruptGzip, ["corrupt gzip"])
    assertLoadFails(write("junk.idx2.gz", gzIDX + [0x41, 0x42]), .corruptGzip, ["2 unexpected bytes"])
    assertLoadFails(write("empty.npy.gz", []), .corruptGzip, ["empty"])
  }

  func testIDXErrors() {
    assertLoadFails(write("empty.idx1", []), .empty, ["empty file"])
    assertLoadFails(write("magic.idx1", [1, 2, 8, 1, 0, 0, 0, 1, 9]), .badHeader, ["wrong IDX magic", "0x01 0x02"])
    assertLoadFails(write("type.idx1", idx(0x0A, [1], [0])), .unsupportedType, ["element type 0x0A"])
    assertLoadFails(write("short.idx1", [0, 0, 8, 2, 0, 0]), .truncated, ["2 dimensions need 12 bytes, found 6"])
    assertLoadFails(write("trunc.idx3", idx(0x0B, [2, 2, 2], Array(repeating: 1, count: 13))), .truncated,
                    ["2 × 2 × 2", "need 16 bytes, found 13"])
    assertLoadFails(write("extra.idx1", idx(0x08, [3], [1, 2, 3, 4])), .sizeMismatch,
                    ["need 3 bytes", "holds 4"])
    assertLoadFails(write("zero.idx1", [0, 0, 8, 0]), .badHeader, ["0 dimensions"])
  }

  /// A device is refused before it is read (a link to /dev/zero named .npy read forever, growing by
  /// about 1.5 GB/s), and a stream (a named pipe) is stopped once it has given more than the memory
  /// available; a short stream still loads.
  func testDevicesAndEndlessStreamsAreRefused() throws {
    let zero = dir + "/zero.npy"
    try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
    assertLoadFails(zero, .unreadable, ["is a character device, not a file"])
    // each writer signals when it has finished, so that SIGPIPE is restored only after the last write (a
    // writer still running after the test had restored it was killed by the signal, with the process)
    var finished: [DispatchSemaphore] = []
    func fifo(_ name: String, _ bytes: Int, _ head: String) -> String {
      let path = dir + "/" + name
      XCTAssertEqual(mkfifo(path, 0o600), 0)
      let done = DispatchSemaphore(value: 0)
      finished.append(done)
      Thread.detachNewThread {
        defer { done.signal() }
        guard let f = fopen(path, "w") else { return }
        fputs(head, f)
        let block = [UInt8](repeating: 0x31, count: 65536)
        var left = bytes
        while left > 0 { let w = fwrite(block, 1, min(left, block.count), f); if w == 0 { break }; left -= w }
        fclose(f)
      }
      return path
    }
    setenv("CLUS_MEMORY_AVAILABLE", "1M", 1)
    defer { unsetenv("CLUS_MEMORY_AVAILABLE") }
    // the writer's pipe closes under it when the load stops: an error for it, not a signal for us
    let previous = signal(SIGPIPE, SIG_IGN)
    defer { signal(SIGPIPE, previous) }
    defer { for f in finished { f.wait() } }  // (runs before the line above)
    assertLoadFails(fifo("endless.csv", 3_000_000, "a\n"), .unreadable, ["the stream has given more than the memory available (1.0 MB)"])
    let small = try loadData(path: fifo("small.csv", 0, "1,2\n3,4\n"))
    XCTAssertEqual(matrix(small)?.data, [1, 2, 3, 4])
  }

  // MARK: NPY

  /// float64 data that float32 cannot hold: a finite value beyond ±3.4e38 is an error (NPY and
  /// CSV), a column varying by a few units around 10⁹ loads with a warning.
  func testFloat64BeyondFloat32() throws {
    func f8(_ v: [Double]) -> [UInt8] { v.flatMap { d in withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } } }
    assertLoadFails(write("big.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", f8([1, 1e300]))),
                    .outOfRange, ["1e+300", "row 1, column 0", "float32"])
    assertLoadFails(write("big.csv", text: "1,2\n3,-4e39\n"), .outOfRange, ["big.csv:2: ", "column 2"])
    XCTAssertEqual(try loadData(path: write("inf.csv", text: "1,inf\n")), .matrix(Matrix(rows: 1, cols: 2, data: [1, .infinity])))
    var warnings = [String]()
    let path = write("offset.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
                                       f8([1e9, 0, 1e9 + 3, 1, 1e9 + 7, 2])))
    _ = try loadData(path: path, warn: { warnings.append($0) })
    XCTAssertEqual(warnings.count, 1)
    XCTAssertTrue(warnings.first?.contains("column 0 varies by 7.0 around 1000000003.5") ?? false, "\(warnings)")
    // the same in CSV, and integers beyond 2^24 in a matrix
    warnings = []
    _ = try loadData(path: write("offset.csv", text: "1000000001.5,1\n1000000002.25,2\n"), warn: { warnings.append($0) })
    // a CSV's columns are counted from 1, as its other messages count them (and named when it has a header)
    XCTAssertTrue(warnings.first?.contains("column 1 varies by 0.75 around 1000000001.875") ?? false, "\(warnings)")
    XCTAssertEqual(warnings.count, 1, "\(warnings)")
    warnings = []
    _ = try loadData(path: write("bigint.csv", text: "16777217,1\n3,2\n"), warn: { warnings.append($0) })
    XCTAssertTrue(warnings.first?.contains("integers up to 16777217 are beyond 2^24") ?? false, "\(warnings)")
    warnings = []
    _ = try loadData(path: write("fine.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8([1e9, 2e9]))),
                     warn: { warnings.append($0) })
    XCTAssertEqual(warnings, [])
    // below float32's smallest (a subnormal of 1.4e-45; half of it rounds to 0) a value is read
    // as 0, as numpy's astype(float32) makes it, with a warning (1e-300 vanished silently); 1e-45
    // stays (as 1.4e-45)
    let tiny = write("tiny.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1), }", f8([1, 1e-300, 2e-46, 1e-45])))
    XCTAssertEqual(try loadData(path: tiny, warn: { warnings.append($0) }),
                   .matrix(Matrix(rows: 4, cols: 1, data: [1, 0, 0, Float(1e-45)])))
    XCTAssertEqual(warnings.count, 1)
    XCTAssertTrue(warnings.first?.contains("2 non-zero values are below float32's smallest (1.4e-45) and read as 0 (the first: 1e-300, row 1, column 0)") ?? false, "\(warnings)")
    warnings = []
    XCTAssertEqual(try loadData(path: write("tiny.csv", text: "1,2\n3,1e-300\n"), warn: { warnings.append($0) }),
                   .matrix(Matrix(rows: 2, cols: 2, data: [1, 2, 3, 0])))
    XCTAssertTrue(warnings.first?.contains("1 non-zero number is below float32's smallest (1.4e-45) and read as 0 (the first: 1e-300, line 2, column 2)") ?? false, "\(warnings)")
  }

  /// Ctrl-C: a long CSV read or write stops with `cancelled`, and no partial file is left.
  func testCancelledCSVLoadAndSave() throws {
    let text = String(repeating: "1,2\n", count: 20_000)
    let path = write("long.csv", text: text)
    XCTAssertThrowsError(try loadData(path: path, warn: { _ in }, cancelled: { true })) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
    XCTAssertNoThrow(try loadData(path: path, warn: { _ in }, cancelled: { false }))
    let out = NSTemporaryDirectory() + "clus-cancel-\(getpid()).csv"
    XCTAssertThrowsError(try saveData(.matrix(Matrix(rows: 10_000, cols: 2)), path: out, cancelled: { true })) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  func testNPYDtypes() throws {
    let f4: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xA0, 0x40, 0, 0, 0xC0, 0xC0]
    XCTAssertEqual(try loadData(path: write("f4.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4))),
                   .matrix(Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, -6])))
    // float64 0.1 little-endian = 9A 99 99 99 99 99 B9 3F
    XCTAssertEqual(try loadData(path: write("f8.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                                                          [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F]))),
                   .doubleVector([0.1]))
    XCTAssertEqual(try loadData(path: write("i4.npy", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
                                                          [0x90, 0xEE, 0xFE, 0xFF, 7, 0, 0, 0]))),
                   .intVector([-70000, 7]))
    XCTAssertEqual(try loadData(path: write("i8.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                                          [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 0, 0, 0]))),
                   .intVector([-1, 1 << 32]))
    XCTAssertEqual(try loadData(path: write("u1.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [0, 9, 255]))),
                   .intVector([0, 9, 255]))
    XCTAssertEqual(try loadData(path: write("b1.npy", npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [1, 0, 1]))),
                   .boolVector([true, false, true]))
    XCTAssertEqual(try loadData(path: write("i2.npy", npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", [0xFE, 0xFF, 0x2C, 0x01]))),
                   .intVector([-2, 300]))
    XCTAssertEqual(try loadData(path: write("i1.npy", npy("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", [0x80, 5]))),
                   .intVector([-128, 5]))
    XCTAssertEqual(try loadData(path: write("bef4.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", [0x3F, 0xC0, 0, 0]))),
                   .floatVector([1.5]))
    // unsigned types and big-endian integers
    XCTAssertEqual(try loadData(path: write("u2.npy", npy("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", [0xFF, 0xFF, 1, 2]))),
                   .intVector([65535, 0x0201]))
    XCTAssertEqual(try loadData(path: write("u4.npy", npy("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", [0xFF, 0xFF, 0xFF, 0xFF]))),
                   .intVector([4_294_967_295]))
    XCTAssertEqual(try loadData(path: write("u8.npy", npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", [1, 0, 0, 0, 0, 0, 0, 0x10]))),
                   .intVector([0x1000_0000_0000_0001]))
    // uint64 above Int.max (2^64 − 1 and 2^63): a float vector, never a wrapped negative number
    XCTAssertEqual(try loadData(path: write("u8big.npy", npy("{'descr': '<u8', 'fortran_order': False, 'shape': (2,), }",
                                                             [255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0x80]))),
                   .floatVector([18_446_744_073_709_551_615, 9_223_372_036_854_775_808]))
    // and says so (it was silent): 2^64 − 1 is float32's 1.8446744e+19, 2^63 exact
    var said: [String] = []
    _ = try loadData(path: dir + "/u8big.npy", warn: { said.append($0) })
    XCTAssertEqual(said, [dir + "/u8big.npy: 2 uint64 values beyond int64's range (2^63 − 1), in which clus keeps integers: the vector is read "
                          + "as float32, which rounds them (18446744073709551615 at position 0 is kept as 1.8446744e+19)"])
    XCTAssertEqual(try loadData(path: write("bei4.npy", npy("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", [0xFF, 0xFE, 0xEE, 0x90]))),
                   .intVector([-70000]))
    // 3-D uint8 flattens; 2-D bool becomes a 0/1 matrix
    XCTAssertEqual(try loadData(path: write("u3.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 2), }", [1, 2, 3, 4]))),
                   .matrix(Matrix(rows: 2, cols: 2, data: [1, 2, 3, 4])))
    // the flattening is said, on the copied path (uint8) and on the mapped one (float32), as the
    // shape numpy gives and the matrix clus gives; a 2-D array gets no note
    for (name, dict, payload) in [("u3n.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 2), }", [UInt8]([1, 2, 3, 4])),
                                  ("f3n.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 1), }", [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])] {
      var notes: [String] = []
      let path = write(name, npy(dict, payload))
      _ = try loadData(path: path, csv: CSVOptions(), warn: { _ in }, note: { notes.append($0) })
      let cols = name == "u3n.npy" ? 2 : 1
      XCTAssertEqual(notes, ["\(path): a 2 × 1 × \(cols) array, loaded as a 2 × \(cols) matrix (each row's other axes flattened in C order, as numpy's x.reshape(len(x), -1))"])
    }
    var none: [String] = []
    _ = try loadData(path: write("f2n.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", [0, 0, 0x80, 0x3F])),
                     csv: CSVOptions(), warn: { _ in }, note: { none.append($0) })
    XCTAssertEqual(none, [])
    XCTAssertEqual(try loadData(path: write("b2.npy", npy("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 2), }", [0, 1]))),
                   .matrix(Matrix(rows: 1, cols: 2, data: [0, 1])))
    // version 2.0 header, double-quoted keys, no trailing comma
    XCTAssertEqual(try loadData(path: write("v2.npy", npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1, 1)}",
                                                          [0, 0, 0x20, 0x41], version: 2))),
                   .matrix(Matrix(rows: 1, cols: 1, data: [10])))
    // empty array, and Fortran order of a 1-D array (same layout as C order)
    XCTAssertEqual(try loadData(path: write("e.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", []))),
                   .floatVector([]))
    XCTAssertEqual(try loadData(path: write("f1.npy", npy("{'descr': '<i8', 'fortran_order': True, 'shape': (1,), }", [3, 0, 0, 0, 0, 0, 0, 0]))),
                   .intVector([3]))
  }

  func testNPYErrors() {
    let h = { (d: String, s: String) in "{'descr': '\(d)', 'fortran_order': False, 'shape': \(s), }" }
    assertLoadFails(write("empty.npy", []), .empty, ["empty file"])
    assertLoadFails(write("magic.npy", Array("PK\u{3}\u{4}abcdefgh".utf8)), .badHeader, ["bad NPY magic"])
    assertLoadFails(write("ver.npy", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 9, 0, 0, 0]), .badHeader, ["version 9.0"])
    assertLoadFails(write("hlen.npy", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0x00, 0x7B]), .truncated,
                    ["declares 255 bytes"])
    assertLoadFails(write("syntax.npy", npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", [0, 0, 0, 0])),
                    .badHeader, ["bad NPY header"])
    assertLoadFails(write("nokey.npy", npy("{'descr': '<f4', 'fortran_order': False, }", [0, 0, 0, 0])),
                    .badHeader, ["'shape' is missing"])
    assertLoadFails(write("c8.npy", npy(h("<c8", "(1,)"), Array(repeating: 0, count: 8))), .unsupportedType,
                    ["unsupported NPY dtype '<c8'"])
    assertLoadFails(write("str2.npy", npy(h("<U3", "(1, 1)"), Array(repeating: 0, count: 12))), .unsupportedType,
                    ["string array must have one dimension"])
    assertLoadFails(write("obj.npy", npy(h("|O", "(2,)"), Array(repeating: 0, count: 16))), .unsupportedType,
                    ["dtype=object", "pickle", "astype"])
    assertLoadFails(write("ustr.npy", npy(h("<U2", "(2,)"), Array(repeating: 0, count: 12))), .truncated,
                    ["<U2 needs 16 bytes, found 12"])
    // a string element too long for any item size: refused at the dtype (a damaged '<U4611686018427387904'
    // overflowed the item size, 4 bytes a character, and trapped; '|S' of Int.max blamed the shape)
    assertLoadFails(write("uhuge.npy", npy(h("<U4611686018427387904", "(2,)"), Array(repeating: 0, count: 16))), .sizeMismatch,
                    ["bad NPY dtype '<U4611686018427387904'", "at most 2,147,483,647 bytes an element"])
    assertLoadFails(write("uhuge2.npy", npy(h("<U9223372036854775807", "(2,)"), Array(repeating: 0, count: 16))), .sizeMismatch,
                    ["bad NPY dtype '<U9223372036854775807'"])
    assertLoadFails(write("shuge.npy", npy(h("|S9223372036854775807", "(2,)"), Array(repeating: 0, count: 16))), .sizeMismatch,
                    ["bad NPY dtype '|S9223372036854775807': elements of 9223372036854775807 bytes"])
    // the limit itself: 536,870,911 characters (2^31 − 4 bytes) is read as far as the data, which is short
    assertLoadFails(write("ulimit.npy", npy(h("<U536870911", "(1,)"), Array(repeating: 0, count: 16))), .truncated,
                    ["needs 2147483644 bytes, found 16"])
    assertLoadFails(write("rec.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0])),
                    .unsupportedType, ["structured"])
    assertLoadFails(write("fort.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", Array(repeating: 0, count: 12))),
                    .truncated, ["needs 16 bytes, found 12"])
    assertLoadFails(write("trunc.npy", npy(h("<f8", "(2, 3)"), Array(repeating: 0, count: 40))), .truncated,
                    ["2 × 3 of float64 needs 48 bytes, found 40"])
    assertLoadFails(write("extra.npy", npy(h("<i4", "(2,)"), Array(repeating: 0, count: 12))), .sizeMismatch,
                    ["needs 8 bytes", "holds 12"])
    assertLoadFails(write("neg.npy", npy(h("<i4", "(-2,)"), [])), .badHeader, ["bad NPY shape"])
    // empty arrays with a dimension (or columns) beyond 2^31 − 1: numpy loads some of them, clus
    // refuses them at the header instead of failing later when indexing by that dimension
    for shape in ["(0, 1000000000000)", "(1000000000000, 0)", "(0, 4611686018427387904, 4)", "(0, 3037000500, 3037000500)",
                  "(0, 65536, 65536)"] {
      assertLoadFails(write("huge.npy", npy(h("<f4", shape), [])), .sizeMismatch, ["clus holds at most 2,147,483,647"])
    }
    XCTAssertNoThrow(try loadData(path: write("wide.npy", npy(h("<f4", "(0, 2147483647)"), []))))
  }

  func testNPYFortranOrderHalfFloatsAndStrings() throws {
    let h = { (d: String, f: Bool, s: String) in "{'descr': '\(d)', 'fortran_order': \(f ? "True" : "False"), 'shape': \(s), }" }
    // np.asfortranarray([[1, 2, 3], [4, 5, 6]], dtype='<f4'): columns are contiguous
    let f4: [Float] = [1, 4, 2, 5, 3, 6]
    XCTAssertEqual(try loadData(path: write("f.npy", npy(h("<f4", true, "(2, 3)"), f4.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))),
                   .matrix(Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6])))
    // 3-D int8 in Fortran order: a[i, j, k] = 4i + 2j + k, flattened to 2 × 4 in C order
    XCTAssertEqual(try loadData(path: write("f3.npy", npy(h("|i1", true, "(2, 2, 2)"), [0, 4, 2, 6, 1, 5, 3, 7]))),
                   .matrix(Matrix(rows: 2, cols: 4, data: [0, 1, 2, 3, 4, 5, 6, 7])))
    // big-endian float64 in Fortran order
    let be: [Double] = [0.5, -1, 2, 8]  // [[0.5, 2], [-1, 8]]
    XCTAssertEqual(try loadData(path: write("fbe.npy", npy(h(">f8", true, "(2, 2)"), be.flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian, Array.init) }))),
                   .matrix(Matrix(rows: 2, cols: 2, data: [0.5, 2, -1, 8])))
    // float16: 1, -2.5, 65504 (largest), 2^-24 (smallest subnormal), inf; both byte orders
    XCTAssertEqual(try loadData(path: write("f2.npy", npy(h("<f2", false, "(5,)"), [0, 0x3C, 0, 0xC1, 0xFF, 0x7B, 1, 0, 0, 0x7C]))),
                   .floatVector([1, -2.5, 65504, 0x1p-24, .infinity]))
    XCTAssertEqual(try loadData(path: write("bf2.npy", npy(h(">f2", false, "(1, 2)"), [0xB8, 0, 0x44, 0]))),
                   .matrix(Matrix(rows: 1, cols: 2, data: [-0.5, 4])))
    // strings: UTF-32 '<U…' (NUL-padded) and bytes '|S…' become codes into sorted categories
    var u: [UInt8] = []
    for word in ["b", "a", "bé"] {
      let scalars = word.unicodeScalars.map(\.value) + Array(repeating: 0, count: 3 - word.unicodeScalars.count)
      for c in scalars { u += withUnsafeBytes(of: c.littleEndian, Array.init) }
    }
    XCTAssertEqual(try loadData(path: write("u.npy", npy(h("<U3", false, "(3,)"), u))),
                   .textVector(TextColumn(codes: [1, 0, 2], categories: ["a", "b", "bé"])))
    XCTAssertEqual(try loadData(path: write("s.npy", npy(h("|S2", false, "(3,)"), Array("x\0yzx\0".utf8)))),
                   .textVector(TextColumn(codes: [0, 1, 0], categories: ["x", "yz"])))
    let be32 = ["ab", "c"].flatMap { w in (w.unicodeScalars.map(\.value) + [0, 0]).prefix(2).flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) } }
    XCTAssertEqual(try loadData(path: write("ube.npy", npy(h(">U2", false, "(2,)"), be32))),
                   .textVector(TextColumn(codes: [0, 1], categories: ["ab", "c"])))
  }

  /// The same arrays written by numpy itself, when Python with numpy is installed (`runPython`).
  func testNPYFromNumpy() throws {
    let script = """
      import numpy as np, sys
      d = sys.argv[1]
      np.save(d + '/fo.npy', np.asfortranarray(np.arange(12, dtype='>f8').reshape(3, 4) - 5.5))
      np.save(d + '/fi.npy', np.asfortranarray(np.arange(24, dtype='<i2').reshape(2, 3, 4)))
      np.save(d + '/sp.npy', np.array(['setosa', 'virginica', 'setosa', 'versicolor']))
      np.save(d + '/by.npy', np.array([b'no', b'yes', b'no']))
      np.save(d + '/h.npy', np.array([[0.1, -3], [1e4, 7]], dtype='<f2'))
      np.save(d + '/ob.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
      np.save(d + '/u8.npy', np.asfortranarray(np.array([[1, 2], [3, 255]], dtype='u1')))
      """
    try runPython(script, [dir])
    XCTAssertEqual(try loadData(path: dir + "/fo.npy"), .matrix(Matrix(rows: 3, cols: 4, data: (0..<12).map { Float($0) - 5.5 })))
    XCTAssertEqual(try loadData(path: dir + "/fi.npy"), .matrix(Matrix(rows: 2, cols: 12, data: (0..<24).map(Float.init))))
    XCTAssertEqual(try loadData(path: dir + "/sp.npy"),
                   .textVector(TextColumn(codes: [0, 2, 0, 1], categories: ["setosa", "versicolor", "virginica"])))
    XCTAssertEqual(try loadData(path: dir + "/by.npy"), .textVector(TextColumn(codes: [0, 1, 0], categories: ["no", "yes"])))
    XCTAssertEqual(try loadData(path: dir + "/h.npy"), .matrix(Matrix(rows: 2, cols: 2, data: [Float(Float16(0.1)), -3, 1e4, 7])))
    XCTAssertEqual(try loadData(path: dir + "/u8.npy"), .matrix(Matrix(rows: 2, cols: 2, data: [1, 2, 3, 255])))
    assertLoadFails(dir + "/ob.npy", .unsupportedType, ["dtype=object"])
  }

  func testNPYSaveBytesFollowTheSpec() throws {
    // np.save(f, np.array([1.0, 2.0], dtype='<f4')) writes exactly these 136 bytes.
    let p = dir + "/v.npy"
    try saveData(.floatVector([1, 2]), path: p)
    let expected = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
    XCTAssertEqual(expected.count, 136)
    XCTAssertEqual(read(p), expected)

    let q = dir + "/m.npy"
    try saveData(.matrix(Matrix(rows: 2, cols: 1, data: [0.5, -1])), path: q)
    XCTAssertEqual(read(q), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", [0, 0, 0, 0x3F, 0, 0, 0x80, 0xBF]))

    let r = dir + "/i.npy"
    try saveData(.intVector([-1, 2]), path: r)
    XCTAssertEqual(read(r), npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 0, 0, 0, 0]))

    let s = dir + "/b.npy"
    try saveData(.boolVector([false, true]), path: s)
    XCTAssertEqual(read(s), npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", [0, 1]))
  }

  // MARK: CSV / TSV

  /// Delimited text must be UTF-8 (pandas' default): Latin-1 bytes were read as replacement
  /// characters, so "café" and "cafè" became one category; a UTF-16 file was a "ragged row".
  func testDelimitedTextMustBeUTF8() throws {
    let dir = NSTemporaryDirectory() + "clus-enc-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let latin = dir + "/latin.csv", utf16 = dir + "/u16.csv", good = dir + "/good.csv"
    try Data([UInt8]("name,v\ncafe,1\ncaf".utf8) + [0xE9] + [UInt8](",2\n".utf8)).write(to: URL(fileURLWithPath: latin))
    try Data([0xFF, 0xFE] + [UInt8]("a,b\n1,2\n".utf8).flatMap { [$0, 0] }).write(to: URL(fileURLWithPath: utf16))
    try Data("name,v\ncafé,1\ncafè,2\n€,3\n".utf8).write(to: URL(fileURLWithPath: good))
    let c = Capture()
    c.expectError("d = load \"\(latin)\"", "latin.csv:3: byte 0xE9 is not UTF-8 text")
    c.expectError("d = load \"\(utf16)\"", "the file is UTF-16")
    // lines ended by CR alone (it was "a header row but no data rows"); a final CR alone is fine
    let mac = dir + "/mac.csv", oneLine = dir + "/one.csv"
    try Data("a,b\r1,2\r3,4\r".utf8).write(to: URL(fileURLWithPath: mac))
    try Data("1,2\r".utf8).write(to: URL(fileURLWithPath: oneLine))
    c.expectError("d = load \"\(mac)\"", "its lines end with a carriage return alone (classic Mac OS text)")
    c.expectOutput("d = load \"\(oneLine)\"\nprint (shape d)\n", "1 × 2\n")
    c.expectOutput("d = load \"\(good)\"\nprint (count (unique d.name))\n", "3\n")
    // space-separated numbers (np.savetxt's default): runs of spaces detected (CSVFrameTests); a file whose
    // lines do not split alike is read as one column, with a note giving the way out
    let spaced = dir + "/spaced.txt", uneven = dir + "/uneven.txt"
    try Data("1 2\n3 4\n".utf8).write(to: URL(fileURLWithPath: spaced))
    try Data("1 2\n3 4 5\n".utf8).write(to: URL(fileURLWithPath: uneven))
    let n = Capture()
    XCTAssertTrue(n.run("d = load \"\(spaced)\"\ne = load \"\(spaced)\" delimiter=\" \"\nprint (shape d)\nprint (shape e)\n"), n.err)
    XCTAssertEqual(n.out, "2 × 2\n2 × 2\n")
    XCTAssertTrue(n.run("u = load \"\(uneven)\""), n.err)
    XCTAssertTrue(n.err.contains("one column, whose first row holds numbers separated by spaces; give delimiter=\" \""), n.err)
    // the validator on its own: overlong, surrogate, truncated and out-of-range sequences
    for (bytes, bad) in [([0x61, 0xC0, 0x80], 1), ([0xED, 0xA0, 0x80], 0), ([0x61, 0x62, 0xE2, 0x82], 2),
                         ([0xF4, 0x90, 0x80, 0x80], 0), ([0xE2, 0x82, 0xAC, 0x61], -1)] as [([UInt8], Int)] {
      let got = bytes.withUnsafeBufferPointer { firstInvalidUTF8($0.baseAddress!, from: 0, count: bytes.count) }
      XCTAssertEqual(got ?? -1, bad, "\(bytes)")
    }
  }

  func testCSV() throws {
    XCTAssertEqual(try loadData(path: write("a.csv", text: "1,2.5,3\n4,5,-6e-1\n")),
                   .matrix(Matrix(rows: 2, cols: 3, data: [1, 2.5, 3, 4, 5, -0.6])))
    // header (with a quoted name holding a comma), CRLF, spaces, blank lines, BOM, no final newline:
    // a table with the names
    XCTAssertEqual(try loadData(path: write("b.csv", text: "\u{FEFF}x, \"y,z\"\r\n 1 , 2\r\n\r\n3,4")),
                   .table(Table(names: ["x", "y,z"], kinds: [.int, .int], data: Matrix(rows: 2, cols: 2, data: [1, 2, 3, 4]),
                                text: [], rows: 2)))
    XCTAssertEqual(try loadData(path: write("c.tsv", text: "a\tb\n0.25\t1e3\n")),
                   .table(Table(names: ["a", "b"], kinds: [.float, .float], data: Matrix(rows: 1, cols: 2, data: [0.25, 1000]),
                                text: [], rows: 1)))
    XCTAssertEqual(try loadData(path: write("labels.csv", text: "label\n3\n-1\n0\n")),
                   .table(Table(names: ["label"], kinds: [.int], data: Matrix(rows: 3, cols: 1, data: [3, -1, 0]), text: [], rows: 3)))
    XCTAssertEqual(try loadData(path: write("f.csv", text: "1\n2.5\n")), .doubleVector([1, 2.5]))
    // a float64 column as pandas reads it: 0.1 and 3.7, not float32's 0.10000000149011612 and 3.700000047683716
    XCTAssertEqual(try loadData(path: write("g.csv", text: "0.1\n3.7\n-1e-05\n")), .doubleVector([0.1, 3.7, -1e-05]))
    XCTAssertEqual(try loadData(path: write("m.csv", text: "True\nfalse\n")), .boolVector([true, false]))
    XCTAssertEqual(try loadData(path: write("q.csv", text: "\"1\",\"2\"\n")), .matrix(Matrix(rows: 1, cols: 2, data: [1, 2])))
    // pandas-style index header with an empty first cell: pandas' name "Unnamed: 0"
    XCTAssertEqual(try loadData(path: write("p.csv", text: ",a,b\n0,1.5,2\n1,3,4\n")),
                   .table(Table(names: ["Unnamed: 0", "a", "b"], kinds: [.int, .float, .int],
                                data: Matrix(rows: 2, cols: 3, data: [0, 1.5, 2, 1, 3, 4]), text: [], rows: 2)))
    if case .doubleVector(let v) = try loadData(path: write("n.csv", text: "nan\ninf\n")) {
      XCTAssertTrue(v[0].isNaN)
      XCTAssertEqual(v[1], .infinity)
    } else { XCTFail("expected floats") }
  }

  func testCSVErrors() {
    assertLoadFails(write("empty.csv", []), .empty, ["empty file"])
    assertLoadFails(write("blank.csv", text: "\n  \n"), .empty, ["empty file"])
    assertLoadFails(write("header.csv", text: "a,b\n"), .empty, ["header row but no data rows"])
    assertLoadFails(write("ragged.csv", text: "a,b\n1,2\n3,4,5\n"), .raggedRow,
                    ["ragged.csv:3: ", "expected 2 fields", "found 3"])
    // a column of numbers and text is text (pandas' object column), with a warning: see CSVFrameTests
  }

  // MARK: saving

  func testRoundTrips() throws {
    let m = Matrix(rows: 3, cols: 2, data: [0.1, -2, 1e-5, 3.4028235e38, -0.0, 123456.79])
    let values: [LoadedData] = [
      .matrix(m), .floatVector([0.1, 1, -7.25e-12]), .intVector([3, -1, 1 << 40]), .boolVector([true, false, false]),
    ]
    for ext in ["npy", "csv", "tsv", "npy.gz", "csv.gz"] {
      for (k, v) in values.enumerated() {
        let p = dir + "/rt\(k).\(ext)"
        try saveData(v, path: p)
        // a CSV's float column reads as the float64 values of its text, as pandas reads it
        let expected: LoadedData = ext.hasPrefix("npy") || k != 1 ? v : .doubleVector([0.1, 1, -7.25e-12])
        XCTAssertEqual(try loadData(path: p), expected, "\(ext) \(v)")
      }
    }
    // a float64 vector (scores, probabilities) reads back from .npy with its own values (it was rounded to float32)
    for ext in ["npy", "npy.gz"] {
      let v = LoadedData.doubleVector([0.1, 16_777_217.5, 1e-300, -.infinity])
      try saveData(v, path: dir + "/d.\(ext)")
      XCTAssertEqual(try loadData(path: dir + "/d.\(ext)"), v, ext)
    }
    // Float32 text is the shortest that reads back exactly.
    let p = dir + "/t.csv"
    try saveData(.matrix(Matrix(rows: 1, cols: 3, data: [0.1, 5, 1e-5])), path: p)
    XCTAssertEqual(String(decoding: read(p), as: UTF8.self), "0.1,5.0,1e-05\n")
    // A large matrix passes the 1 MB write buffer and compresses.
    let big = Matrix(rows: 3000, cols: 50, data: (0..<150_000).map { Float($0 % 977) / 7 })
    try saveData(.matrix(big), path: dir + "/big.csv.gz")
    XCTAssertEqual(try loadData(path: dir + "/big.csv.gz"), .matrix(big))
    try saveData(.matrix(big), path: dir + "/big.npy")
    XCTAssertEqual(try loadData(path: dir + "/big.npy"), .matrix(big))
  }

  func testSaveTable() throws {
    let cols: [(name: String, values: [Double])] = [
      ("parent", [10, 10]), ("child", [3, 11]), ("lambda_val", [0.1, 0.25]), ("child_size", [1, 4]),
    ]
    let p = dir + "/tree.csv"
    try saveTable(columns: cols, path: p)
    XCTAssertEqual(String(decoding: read(p), as: UTF8.self),
                   "parent,child,lambda_val,child_size\n10,3,0.1,1\n10,11,0.25,4\n")
    XCTAssertEqual(try loadData(path: p), .table(Table(names: ["parent", "child", "lambda_val", "child_size"],
                                                       kinds: [.int, .int, .float, .int],
                                                       data: Matrix(rows: 2, cols: 4, data: [10, 3, 0.1, 1, 10, 11, 0.25, 4]),
                                                       text: [], rows: 2)))
    let q = dir + "/tree.npy"
    try saveTable(columns: cols, path: q)
    var payload: [UInt8] = []
    for v in [10, 3, 0.1, 1, 10, 11, 0.25, 4] as [Double] {
      withUnsafeBytes(of: v.bitPattern.littleEndian) { payload += $0 }
    }
    XCTAssertEqual(read(q), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }", payload))
    let t = dir + "/names.tsv"
    try saveTable(columns: [("a b", [1.5]), ("c\td", [2])], path: t)
    XCTAssertEqual(String(decoding: read(t), as: UTF8.self), "a b\t\"c\td\"\n1.5\t2\n")

    XCTAssertThrowsError(try saveTable(columns: [("a", [1]), ("b", [1, 2])], path: dir + "/r.csv")) { e in
      XCTAssertEqual((e as? DataFileError)?.kind, .unsupportedValue)
      XCTAssertTrue("\(e)".contains("differ in length"), "\(e)")
    }
    XCTAssertThrowsError(try saveTable(columns: [], path: dir + "/r.csv"))
  }

  func testSaveAndPathErrors() {
    func fails(_ kind: DataFileError.Kind, _ fragment: String, _ body: () throws -> Void,
               line: UInt = #line) {
      XCTAssertThrowsError(try body(), line: line) { e in
        XCTAssertEqual((e as? DataFileError)?.kind, kind, "\(e)", line: line)
        XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
      }
    }
    let v = LoadedData.floatVector([1])
    fails(.unwritable, "/no-such-dir-xyz/a.csv: cannot write") { try saveData(v, path: "/no-such-dir-xyz/a.csv") }
    fails(.unwritable, "no such directory '/no-such-dir-xyz'") { try saveData(v, path: "/no-such-dir-xyz/a.csv") }
    fails(.unwritable, "directory") { try saveData(v, path: self.dir + "/d.npy/x.npy") }
    // a directory that exists but takes no new files (Linux's /proc answers ENOENT): not "does not exist"
    if FileManager.default.fileExists(atPath: "/proc/self") {
      fails(.unwritable, "(the directory exists but takes no new files)") { try saveData(v, path: "/proc/x.npy") }
    }
    try? FileManager.default.createDirectory(atPath: dir + "/sub.csv", withIntermediateDirectories: true)
    fails(.unwritable, "it is a directory") { try saveData(v, path: self.dir + "/sub.csv") }
    fails(.unknownExtension, "supported: .npy, .csv") { try saveData(v, path: self.dir + "/a.xlsx") }
    // an empty file name is named as such (it printed as "save: : unknown file type")
    fails(.unknownExtension, "\"\" (an empty file name): unknown file type") { try saveData(v, path: "") }
    let ds = Dataset(name: "d", data: Matrix(rows: 1, cols: 1, data: [1]), target: [0], trainCount: 1)
    fails(.unsupportedValue, "save its data matrix") { try saveData(.dataset(ds), path: self.dir + "/a.npy") }
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a.npy"))

    assertLoadFails(dir + "/missing.npy", .missingFile, ["no such file"])
    assertLoadFails("", .missingFile, prefix: "\"\" (an empty file name)", ["no such file"])
    assertLoadFails(write("data.xlsx", [1, 2, 3]), .unknownExtension, ["unknown file type", ".npy", ".csv", "IDX", "AnnData .h5ad"])
  }

  // MARK: IDX directories

  func testIDXDirectory() throws {
    let mn = dir + "/mini"
    try FileManager.default.createDirectory(atPath: mn, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: mn + "/train-images-idx3-ubyte",
                                   contents: Data(idx(0x08, [3, 1, 2], [1, 2, 3, 4, 5, 6])))
    FileManager.default.createFile(atPath: mn + "/train-labels-idx1-ubyte", contents: Data(idx(0x08, [3], [5, 0, 4])))
    FileManager.default.createFile(atPath: mn + "/t10k-images-idx3-ubyte.gz", contents: Data(gzIDX))
    FileManager.default.createFile(atPath: mn + "/t10k-labels-idx1-ubyte", contents: Data(idx(0x08, [2], [7, 2])))
    FileManager.default.createFile(atPath: mn + "/README.md", contents: Data("x".utf8))
    // the test images are 2 × 3, the train images 3 × (1 × 2): columns differ
    XCTAssertThrowsError(try loadData(path: mn)) { e in
      XCTAssertEqual((e as? DataFileError)?.kind, .mislabelled, "\(e)")
    }
    try FileManager.default.removeItem(atPath: mn + "/t10k-images-idx3-ubyte.gz")
    FileManager.default.createFile(atPath: mn + "/t10k-images-idx3-ubyte", contents: Data(idx(0x08, [2, 2, 1], [9, 8, 7, 6])))
    guard case .dataset(let d) = try loadData(path: mn) else { return XCTFail("expected a dataset") }
    XCTAssertEqual(d.name, "mini")
    XCTAssertEqual(d.data, Matrix(rows: 5, cols: 2, data: [1, 2, 3, 4, 5, 6, 9, 8, 7, 6]))
    XCTAssertEqual(d.target, [5, 0, 4, 7, 2])
    XCTAssertEqual(d.train, DatasetPart(data: Matrix(rows: 3, cols: 2, data: [1, 2, 3, 4, 5, 6]), target: [5, 0, 4]))
    XCTAssertEqual(d.test, DatasetPart(data: Matrix(rows: 2, cols: 2, data: [9, 8, 7, 6]), target: [7, 2]))
    XCTAssertEqual(Dataset(name: "mini", train: d.train, test: d.test), d)

    // label count differs
    FileManager.default.createFile(atPath: mn + "/t10k-labels-idx1-ubyte", contents: Data(idx(0x08, [3], [7, 2, 1])))
    assertLoadFails(mn, .mislabelled, ["mislabelled", "holds 2 images", "holds 3 labels"])
    // missing partner
    try FileManager.default.removeItem(atPath: mn + "/t10k-labels-idx1-ubyte")
    assertLoadFails(mn, .mislabelled, ["t10k-images-idx3-ubyte has no partner", "test labels"])

    // alternative names, train part only
    let alt = dir + "/alt"
    try FileManager.default.createDirectory(atPath: alt, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: alt + "/train-images.idx3-ubyte", contents: Data(idx(0x08, [1, 1, 1], [42])))
    FileManager.default.createFile(atPath: alt + "/train-labels.idx1-ubyte", contents: Data(idx(0x08, [1], [3])))
    XCTAssertEqual(try loadData(path: alt),
                   .dataset(Dataset(name: "alt", data: Matrix(rows: 1, cols: 1, data: [42]), target: [3], trainCount: 1)))

    assertLoadFails(dir, .unknownExtension, ["no IDX data set"])
  }

  /// The real MNIST files of the repository (data/mnist). Reference values from Python:
  /// `numpy.frombuffer(gzip.open(f).read(), numpy.uint8, offset=16)` for the images (offset 8 for labels).
  func testRealMNIST() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    guard case .dataset(let d) = try loadData(path: root + "/data/mnist") else { return XCTFail("expected a dataset") }
    XCTAssertEqual(d.name, "mnist")
    XCTAssertEqual(d.data.rows, 70_000)
    XCTAssertEqual(d.data.cols, 784)
    XCTAssertEqual(d.target.count, 70_000)
    XCTAssertEqual(d.trainCount, 60_000)
    XCTAssertEqual(d.target[0], 5)
    XCTAssertEqual(d.target[60_000], 7)
    XCTAssertEqual(Array(d.target[0..<3]), [5, 0, 4])
    XCTAssertEqual(Array(d.target[60_000..<60_003]), [7, 2, 1])
    var counts = [Int](repeating: 0, count: 10)
    for t in d.target { counts[t] += 1 }
    XCTAssertEqual(counts, [6903, 7877, 6990, 7141, 6824, 6313, 6876, 7293, 6825, 6958])
    XCTAssertEqual(d.data.row(0).reduce(0, +), 27525)
    XCTAssertEqual(d.data.row(60_000).reduce(0, +), 18454)
    XCTAssertEqual(d.data.row(69_999).reduce(0, +), 41833)
    var lo: Float = .infinity, hi: Float = -.infinity, total = 0.0
    d.data.data.withUnsafeBufferPointer { p in
      for v in p { lo = min(lo, v); hi = max(hi, v); total += Double(v) }
    }
    XCTAssertEqual(lo, 0)
    XCTAssertEqual(hi, 255)
    XCTAssertEqual(total, 1_567_298_545 + 264_923_200)
  }
}
