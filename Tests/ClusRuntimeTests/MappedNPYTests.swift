import ClusAlgorithms
import Foundation
import XCTest
@testable import ClusRuntime

/// `load` maps float32 little-endian C-order `.npy` matrices instead of copying them
/// (`loadMappedNPY`): the same values, bit for bit, and the same errors as the copied load; writes
/// copy; `save` replaces a mapped file without disturbing the mapping; memory stays bounded.
final class MappedNPYTests: DataFileTestCase {
  /// An NPY file of `values` with the dtype `descr` and the shape text `shape` (a C-order array),
  /// its data at a multiple of 64 bytes as numpy writes it, plus `misalign` bytes.
  func npyFile(_ descr: String, _ shape: String, _ values: [Float], misalign: Int = 0) -> [UInt8] {
    var h = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
    while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
    h += [UInt8](repeating: 0x20, count: misalign)
    h.append(0x0A)
    var b: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(h.count & 255), UInt8(h.count >> 8)]
    b += h
    for v in values {
      let bits = descr.hasPrefix(">") ? v.bitPattern.bigEndian : v.bitPattern.littleEndian
      withUnsafeBytes(of: bits) { b += $0 }
    }
    return b
  }

  /// Values with every kind of bit pattern float32 has: signed zeros, subnormals, infinities,
  /// quiet and signalling NaNs with payloads, the extremes, and a spread of ordinary numbers.
  func awkwardValues(_ count: Int) -> [Float] {
    let specials: [Float] = [0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .infinity, -.infinity,
                             Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFFA0_0001), Float(bitPattern: 0x7F80_0001),
                             .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1, .pi]
    return (0..<count).map { i in i < specials.count ? specials[i] : Float(i % 997) * 0.37 - Float(i % 13) * 1e-3 }
  }

  /// The matrix `loadData(path:)` gives (failing the test for another kind of value).
  func loadedMatrix(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Matrix {
    guard case .matrix(let m) = try loadData(path: path) else {
      XCTFail("\(path) did not load as a matrix", file: file, line: line)
      return Matrix(rows: 0, cols: 0)
    }
    return m
  }

  /// The load of `path` through the copying path (read, then converted), as before mapping existed.
  func copiedLoad(_ path: String) throws -> LoadedData {
    try loadNPY(try readFileBytes(path, display: path), display: path)
  }

  /// The text of a file under /proc (whose size stat reports as 0, so read until the end).
  func procText(_ path: String) -> String {
    guard let f = fopen(path, "r") else { return "" }
    defer { fclose(f) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&chunk, 1, chunk.count, f)
      if n == 0 { break }
      bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Whether this process maps the file at `path` (`/proc/self/maps` names it).
  func isMapped(_ path: String) -> Bool {
    let maps = procText("/proc/self/maps")
    XCTAssertTrue(maps.contains("[stack]"), "/proc/self/maps is readable")
    return maps.contains(URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
  }

  func bits(_ m: Matrix) -> [UInt32] { m.data.map(\.bitPattern) }

  func testMappedLoadGivesTheCopiedValuesBitForBit() throws {
    let values = awkwardValues(300 * 7)
    let p = write("le.npy", npyFile("<f4", "(300, 7)", values))
    let m = try loadedMatrix(p)
    XCTAssertTrue(m.data.isMapping)
    XCTAssertEqual(m.rows, 300)
    XCTAssertEqual(m.cols, 7)
    XCTAssertEqual(bits(m), values.map(\.bitPattern))
    guard case .matrix(let copied) = try copiedLoad(p) else { return XCTFail("the copied load is not a matrix") }
    XCTAssertFalse(copied.data.isMapping)
    XCTAssertEqual(bits(m), bits(copied))
    // the same values stored big-endian take the converting path and give the same bits
    let big = try loadedMatrix(write("be.npy", npyFile(">f4", "(300, 7)", values)))
    XCTAssertFalse(big.data.isMapping)
    XCTAssertEqual(bits(big), bits(m))
    // '=f4' and 'f4' are the host's order (little-endian here): mapped too
    for descr in ["=f4", "f4"] {
      let n = try loadedMatrix(write("native\(descr).npy", npyFile(descr, "(300, 7)", values)))
      XCTAssertTrue(n.data.isMapping, descr)
      XCTAssertEqual(bits(n), bits(m), descr)
    }
  }

  func testHigherDimensionsAreMappedAsRows() throws {
    let values = awkwardValues(4 * 2 * 3)
    let p = write("cube.npy", npyFile("<f4", "(4, 2, 3)", values))
    let m = try loadedMatrix(p)
    XCTAssertTrue(m.data.isMapping)
    XCTAssertEqual([m.rows, m.cols], [4, 6])
    guard case .matrix(let copied) = try copiedLoad(p) else { return XCTFail("the copied load is not a matrix") }
    XCTAssertEqual([copied.rows, copied.cols], [4, 6])
    XCTAssertEqual(bits(copied), bits(m))
    XCTAssertEqual(bits(m), values.map(\.bitPattern))
  }

  func testOtherFilesTakeTheCopyingPath() throws {
    let values = awkwardValues(12)
    // a vector, a misaligned data offset, Fortran order, float64, gzip: read and converted as before
    let vector = try loadData(path: write("v.npy", npyFile("<f4", "(12,)", values)))
    guard case .floatVector(let v) = vector else { return XCTFail("\(vector)") }
    XCTAssertEqual(v.map(\.bitPattern), values.map(\.bitPattern))
    let odd = try loadedMatrix(write("odd.npy", npyFile("<f4", "(3, 4)", values, misalign: 2)))
    XCTAssertFalse(odd.data.isMapping)
    XCTAssertEqual(bits(odd), values.map(\.bitPattern))
    var fortran = npyFile("<f4", "(3, 4)", values)
    let key = Array("False".utf8), at = fortran.firstRange(of: key)!
    fortran.replaceSubrange(at, with: Array("True ".utf8))
    let f = try loadedMatrix(write("f.npy", fortran))
    XCTAssertFalse(f.data.isMapping)
    XCTAssertEqual(f[1, 0], values[1])  // column-major: the second stored value is row 1
    let gz = write("g.npy.gz", Array(try gzipped(npyFile("<f4", "(3, 4)", values))))
    let g = try loadedMatrix(gz)
    XCTAssertFalse(g.data.isMapping)
    XCTAssertEqual(bits(g), values.map(\.bitPattern))
  }

  /// gzip of `bytes`, by the writer `save` uses for `.gz` paths.
  func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let p = dir + "/tmp.bin.gz"
    let sink = try FileSink(path: p, display: p, gzip: true)
    sink.buffer = bytes
    try sink.finish()
    return read(p)
  }

  func testTinyAndEmptyFilesLoadAsBefore() throws {
    let one = write("one.npy", npyFile("<f4", "(1, 5)", [1, 2, 3, 4, 5]))
    XCTAssertEqual(try loadData(path: one), .matrix(Matrix(rows: 1, cols: 5, data: [1, 2, 3, 4, 5])))
    XCTAssertEqual(try loadData(path: one), try copiedLoad(one))
    let empty = write("empty.npy", npyFile("<f4", "(0, 5)", []))
    let e = try loadedMatrix(empty)
    XCTAssertEqual([e.rows, e.cols], [0, 5])
    XCTAssertTrue(e.data.isEmpty)
    XCTAssertFalse(e.data.isMapping)
    XCTAssertEqual(try loadData(path: empty), try copiedLoad(empty))
    assertLoadFails(write("zero.npy", []), .empty, ["empty file"])
  }

  func testTruncatedOrLongFileIsRefusedWithTheSameError() throws {
    let whole = npyFile("<f4", "(10, 4)", awkwardValues(40))
    for (name, bytes, kind, fragment) in [
      ("cut.npy", Array(whole.dropLast(6)), DataFileError.Kind.truncated, "truncated data: the NPY shape 10 × 4 of float32 needs 160 bytes, found 154"),
      ("long.npy", whole + [0, 0, 0, 0], .sizeMismatch, "(4 extra)"),
      ("header.npy", Array(whole.prefix(40)), .truncated, "truncated NPY header"),
    ] {
      let p = write(name, bytes)
      assertLoadFails(p, kind, [fragment])
      var copied: DataFileError? = nil, mapped: DataFileError? = nil
      XCTAssertThrowsError(try copiedLoad(p)) { copied = $0 as? DataFileError }
      XCTAssertThrowsError(try loadData(path: p)) { mapped = $0 as? DataFileError }
      XCTAssertNotNil(mapped, name)
      XCTAssertEqual(mapped, copied, name)
      XCTAssertFalse(isMapped(p), "a refused file is unmapped")
    }
  }

  func testWritesCopyAndLeaveTheFileAlone() throws {
    let values = (0..<200).map { Float($0) * 0.5 - 7 }
    let p = write("w.npy", npyFile("<f4", "(20, 10)", values))
    let before = read(p)
    let m = try loadedMatrix(p)
    var changed = m
    changed[0, 0] = 42
    XCTAssertTrue(m.data.isMapping)
    XCTAssertFalse(changed.data.isMapping)
    XCTAssertEqual(m[0, 0], -7)
    XCTAssertEqual(changed[0, 0], 42)
    XCTAssertEqual(Array(changed.data.dropFirst()), Array(m.data.dropFirst()))
    var viaPointer = m
    viaPointer.data.withUnsafeMutableBufferPointer { $0[1] = -1 }
    XCTAssertEqual(viaPointer[0, 1], -1)
    XCTAssertEqual(m[0, 1], -6.5)
    // the language's operators, indexing and scaling on the mapped matrix equal those on a copy
    let c = Capture()
    c.session.variables["c"] = .matrix(Matrix(rows: 20, cols: 10, data: values))
    XCTAssertTrue(c.run("x = load \"\(p)\"; a = x * 2; b = -x; i = x[3:7, 2]; s = standard_scale x; e = sqrt (abs x)\n"
      + "a2 = c * 2; b2 = -c; i2 = c[3:7, 2]; s2 = standard_scale c; e2 = sqrt (abs c); x[0, 0]"), c.err)
    XCTAssertEqual(c.out, "-7.0000\n")
    XCTAssertEqual(c.matrix("x")?.data.isMapping, true)
    for (a, b) in [("a", "a2"), ("b", "b2"), ("s", "s2"), ("e", "e2")] {
      XCTAssertEqual(c.matrix(a).map(bits), c.matrix(b).map(bits), a)
    }
    XCTAssertEqual(Display.render(c.value("i")!), Display.render(c.value("i2")!))
    XCTAssertEqual(read(p), before, "the file is unchanged")
  }

  func testSavingOverTheMappedFileKeepsTheLoadedValues() throws {
    let values = (0..<60).map { Float($0) + 0.25 }
    let p = write("same.npy", npyFile("<f4", "(6, 10)", values))
    let c = Capture()
    // save replaces the file (a new one renamed over it); x still reads the old file's values
    XCTAssertTrue(c.run("x = load \"\(p)\"; save (x * 2) \"\(p)\"; print x[5, 9] (sum x)"), c.err)
    XCTAssertEqual(c.out, "59.2500 1785.0000\n")
    XCTAssertEqual(try loadData(path: p), .matrix(Matrix(rows: 6, cols: 10, data: values.map { $0 * 2 })))
    // saving the mapped matrix to its own file, then reading it again
    XCTAssertTrue(c.run("save x \"\(p)\"; print x[5, 9]; y = load \"\(p)\"; print (sum (y - x))"), c.err)
    XCTAssertEqual(c.out, "59.2500\n0.0000\n")
    XCTAssertEqual(try loadData(path: p), .matrix(Matrix(rows: 6, cols: 10, data: values)))
    // no temporary file is left next to it
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("clus-") }, [])
  }

  func testMappingIsReleasedWithTheLastCopy() throws {
    let p = write("released.npy", npyFile("<f4", "(50, 4)", awkwardValues(200)))
    do {
      let m = try loadedMatrix(p)
      XCTAssertTrue(isMapped(p))
      var copy = m
      copy[0, 0] = 1  // a private copy: the mapping is still m's
      XCTAssertTrue(isMapped(p))
      XCTAssertEqual(copy.rows, 50)
    }
    XCTAssertFalse(isMapped(p))
  }

  /// RssAnon of this process (private memory in resident pages), in bytes.
  func anonymousResident() -> Int {
    let status = procText("/proc/self/status")
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
          let kb = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1]) else {
      XCTFail("no RssAnon in /proc/self/status")
      return 0
    }
    return kb * 1024
  }

  func testALargeMappedFileCostsNoPrivateMemory() throws {
    let rows = 262_144, cols = 64  // 64 MB of float32
    let p = dir + "/large.npy"
    let header = npyFile("<f4", "(\(rows), \(cols))", [])
    guard let f = fopen(p, "wb") else { return XCTFail("cannot write \(p)") }
    _ = header.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    func value(_ k: Int) -> Float { Float(k % 1000) * 0.001 }
    var block = [Float](repeating: 0, count: 4096 * cols)
    for start in stride(from: 0, to: rows, by: 4096) {
      for k in block.indices { block[k] = value(start * cols + k) }
      _ = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    }
    fclose(f)
    let before = anonymousResident()
    XCTAssertGreaterThan(before, 0)
    let m = try loadedMatrix(p)
    XCTAssertTrue(m.data.isMapping)
    let (mean, _) = Statistics.standardScalerFit(m)  // reads every value
    let grown = anonymousResident() - before
    XCTAssertEqual(mean.count, cols)
    XCTAssertEqual(mean[0], (0..<rows).reduce(0.0) { $0 + Double(value($1 * cols)) } / Double(rows), accuracy: 1e-9)
    XCTAssertLessThan(grown, 8 << 20, "private memory grew by \(grown) bytes for a 64 MB mapped file")
  }
}
