import Foundation
import XCTest
import ClusAlgorithms
import ClusLang
@testable import ClusRuntime

/// NumPy `.npz` archives: the committed fixtures (Fixtures/npz, made by make_fixtures.py there),
/// archives numpy writes at test time (skipped without numpy), `writeNPZ` ↔ `readNPZ`, and damaged
/// files, each a `DataFileError` naming the file and the member.
final class NPZTests: DataFileTestCase {
  func fixture(_ name: String) -> String {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/npz/" + name).path
  }

  func arrays(_ d: LoadedData, file: StaticString = #filePath, line: UInt = #line) -> [(name: String, value: LoadedData)] {
    if case .arrays(let a) = d { return a }
    XCTFail("expected arrays, got \(d)", file: file, line: line)
    return []
  }

  /// The `.npy` file of a C-order float32 matrix.
  func npyFloat32(_ rows: Int, _ cols: Int, _ v: [Float]) -> [UInt8] {
    npyFileBytes(NPYArray(descr: "<f4", shape: [rows, cols], data: v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
  }

  /// Replaces every occurrence of `old` by `new` (the same length) in `b`.
  func patch(_ b: [UInt8], _ old: String, _ new: String) -> [UInt8] {
    let o = Array(old.utf8), n = Array(new.utf8)
    var out = b
    var i = 0
    while i + o.count <= out.count {
      if Array(out[i..<(i + o.count)]) == o { out.replaceSubrange(i..<(i + o.count), with: n); i += o.count } else { i += 1 }
    }
    return out
  }

  /// Offsets of a zip signature (`PK\x03\x04` local header, `PK\x01\x02` directory entry).
  func offsets(of sig: [UInt8], in b: [UInt8]) -> [Int] {
    (0..<(b.count - 3)).filter { Array(b[$0..<($0 + 4)]) == sig }
  }
  /// Where the first member's data starts (after its local header, name and extra field).
  func firstDataOffset(_ b: [UInt8]) -> Int {
    let o = offsets(of: local, in: b)[0]
    return o + 30 + (Int(b[o + 26]) | Int(b[o + 27]) << 8) + (Int(b[o + 28]) | Int(b[o + 29]) << 8)
  }
  let local: [UInt8] = [0x50, 0x4B, 3, 4]
  let central: [UInt8] = [0x50, 0x4B, 1, 2]

  // MARK: numpy's archives, committed

  func testSavezFixture() throws {
    let a = arrays(try loadData(path: fixture("savez.npz")))
    XCTAssertEqual(a.map(\.name), ["embedding", "labels", "mask", "names"])
    XCTAssertEqual(a[0].value, .matrix(Matrix(rows: 3, cols: 2, data: [0.5, -1, 2, 3.25, 1e-3, 7])))
    XCTAssertEqual(a[1].value, .intVector([2, -1, 0]))
    XCTAssertEqual(a[2].value, .boolVector([true, false, true]))
    XCTAssertEqual(a[3].value, .textVector(TextColumn(codes: [1, 0, 1], categories: ["a", "b"])))
  }

  func testSavezCompressedFixture() throws {
    let a = arrays(try loadData(path: fixture("savez_compressed.npz")))
    XCTAssertEqual(a.map(\.name), ["arr_0", "arr_1", "arr_2", "arr_3"])
    XCTAssertEqual(a[0].value, .matrix(Matrix(rows: 2, cols: 3, data: [1.5, 2, 3, 4, 5, -6])))  // Fortran, big-endian
    XCTAssertEqual(a[1].value, .doubleVector([2.5]))  // 0-d float64, as a .npy
    XCTAssertEqual(a[2].value, .matrix(Matrix(rows: 0, cols: 3, data: [])))
    XCTAssertEqual(a[3].value, .intVector([0, 7, 255]))
  }

  /// `npyArray` gives C order and little-endian bytes whatever the file held.
  func testNPYArrayNormalisesOrderAndByteOrder() throws {
    let members = try readNPZ(path: fixture("savez_compressed.npz"))
    XCTAssertEqual(members.map(\.name), ["arr_0.npy", "arr_1.npy", "arr_2.npy", "arr_3.npy"])
    let a = try npyArray(members[0], display: "c.npz")
    XCTAssertEqual(a.descr, "<f8")
    XCTAssertEqual(a.shape, [2, 3])
    XCTAssertEqual(a.data, [1.5, 2, 3, 4, 5, -6].flatMap { (v: Double) in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
    let s = try npyArray(members[1], display: "c.npz")
    XCTAssertEqual(s.shape, [])
    XCTAssertEqual(s.data.count, 8)
    let u = try npyArray(members[3], display: "c.npz")
    XCTAssertEqual(u.descr, "|u1")
    XCTAssertEqual(u.data, [0, 7, 255])
    // and back: the .npy file of the normalised array loads as the original
    XCTAssertEqual(try loadData(bytes: npyFileBytes(a), fileName: "a.npy"), .matrix(Matrix(rows: 2, cols: 3, data: [1.5, 2, 3, 4, 5, -6])))
    XCTAssertEqual(try loadData(bytes: npyFileBytes(s), fileName: "s.npy"), .doubleVector([2.5]))
  }

  /// Members other than .npy are skipped by `load` but kept by `readNPZ`.
  func testManifestMemberSkipped() throws {
    let a = arrays(try loadData(path: fixture("manifest.npz")))
    XCTAssertEqual(a.map(\.name), ["x"])
    XCTAssertEqual(a[0].value, .matrix(Matrix(rows: 2, cols: 2, data: [0, 1, 2, 3])))
    let m = try readNPZ(path: fixture("manifest.npz"))
    XCTAssertEqual(m.map(\.name), ["manifest.json", "x.npy"])
    XCTAssertEqual(String(decoding: m[0].bytes, as: UTF8.self), #"{"format": "test", "version": 1}"#)
  }

  func testObjectArrayRefused() {
    let p = fixture("object.npz")
    assertLoadFails(p, .unsupportedType, prefix: p + ": member o.npy", ["dtype=object", "pickle"])
  }

  /// An archive with one member that does not read (numpy's object array, from object.npz) among
  /// one that does: the load succeeds with a warning naming the member, the good array reads, and
  /// only using the bad one fails (as np.load fails on that key alone), keeping the session's
  /// variables.
  func testOneUnreadableMemberFailsOnlyWhenUsed() throws {
    let object = try readNPZ(path: fixture("object.npz"))
    let p = dir + "/mixed.npz"
    try writeNPZ([NPZMember(name: "a.npy", bytes: npyFloat32(2, 2, [1, 2, 3, 4])), object[0],
                  NPZMember(name: "b.npy", bytes: npyFloat32(1, 1, [5]))], path: p, compress: false)
    let c = Capture()
    XCTAssertTrue(c.run("z = load \"\(p)\"\ns = sum z.a\n"), c.err)
    XCTAssertTrue(c.err.contains("mixed.npz: member o.npy"), c.err)
    XCTAssertTrue(c.err.contains("dtype=object"), c.err)
    XCTAssertTrue(c.err.contains("using 'o' gives this error"), c.err)
    XCTAssertEqual(c.session.variables["s"]?.number, 10)
    // listed in archive order; the bad member's summary is its error (not "read on first use")
    XCTAssertTrue(c.run("z"), c.err)
    let lines = c.out.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.filter { $0.hasPrefix("  .") }.map { $0.split(separator: " ").first.map(String.init) ?? "" }, [".a", ".o", ".b"], c.out)
    XCTAssertTrue(c.out.contains("unreadable: "), c.out)
    XCTAssertFalse(c.out.contains("read on first use"), c.out)
    XCTAssertFalse(c.run("t = z.o"))
    XCTAssertTrue(c.err.contains("member o.npy") && c.err.contains("dtype=object"), c.err)
    XCTAssertNil(c.session.variables["t"])
    XCTAssertNotNil(c.session.variables["z"])
    // the library's value keeps the member as its error
    let d = try loadData(path: p)
    let a = arrays(d)
    XCTAssertEqual(a.map(\.name), ["a", "o", "b"])
    if case .unreadable(let e) = a[1].value { XCTAssertEqual(e.kind, .unsupportedType) } else { XCTFail("\(a[1].value)") }
  }

  /// `load "x.npz"` in the language: a record of kind npz with its arrays as fields, in order.
  func testLoadCommandGivesARecord() throws {
    let p = write("z.npz", read(fixture("savez.npz")))
    let c = Capture()
    XCTAssertTrue(c.run("z = load \"\(p)\"\nz.labels\nz.embedding[1]\n"), c.err)
    XCTAssertEqual(c.out, "vector 3 int\n[2 -1 0]\nvector 2 float\n[2.0000 3.2500]\n")
    guard case .record(let r)? = c.session.variables["z"] else { return XCTFail("z is not a record") }
    XCTAssertEqual(r.kind, "npz")
    XCTAssertEqual(r.fields.map(\.name), ["embedding", "labels", "mask", "names"])
  }

  // MARK: writeNPZ

  func testWriteReadRoundTripIsBitExact() throws {
    let members = [
      NPZMember(name: "b.npy", bytes: npyFloat32(2, 2, [.nan, -0.0, .infinity, .leastNonzeroMagnitude])),
      NPZMember(name: "manifest.json", bytes: Array("{\"v\": 1}".utf8)),
      NPZMember(name: "a.npy", bytes: npyFileBytes(NPYArray(descr: "<i8", shape: [0], data: []))),
      NPZMember(name: "empty", bytes: []),
      NPZMember(name: "big.npy", bytes: npyFileBytes(NPYArray(descr: "|u1", shape: [100_000], data: (0..<100_000).map { UInt8($0 % 7) }))),
    ]
    for compress in [false, true] {
      let p = dir + "/r\(compress).npz"
      try writeNPZ(members, path: p, compress: compress)
      XCTAssertEqual(try readNPZ(path: p), members)
      XCTAssertEqual(try readNPZ(bytes: read(p), display: p), members)
      let size = read(p).count
      if compress { XCTAssertLessThan(size, 10_000) } else { XCTAssertGreaterThan(size, 100_000) }
      // the same members give the same bytes
      let q = dir + "/again.npz"
      try writeNPZ(members, path: q, compress: compress)
      XCTAssertEqual(read(p), read(q))
      let loaded = arrays(try loadData(path: p))
      XCTAssertEqual(loaded.map(\.name), ["b", "a", "big"])
    }
    // an existing file is replaced; no temporary file is left next to it
    try writeNPZ(Array(members.prefix(1)), path: dir + "/r.npz", compress: false)
    try writeNPZ(Array(members.prefix(2)), path: dir + "/r.npz", compress: false)
    XCTAssertEqual(try readNPZ(path: dir + "/r.npz").count, 2)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("tmp") }, [])
    // no members: an empty zip, which load refuses as holding no arrays
    try writeNPZ([], path: dir + "/none.npz", compress: true)
    XCTAssertEqual(try readNPZ(path: dir + "/none.npz"), [])
    assertLoadFails(dir + "/none.npz", .empty, ["no .npy arrays"])
  }

  func testWriteErrors() throws {
    let m = [NPZMember(name: "a.npy", bytes: npyFloat32(1, 1, [1]))]
    XCTAssertThrowsError(try writeNPZ(m, path: dir + "/no/such/x.npz", compress: false)) { e in
      XCTAssertEqual("\(e)", dir + "/no/such/x.npz: cannot write: no such directory '\(dir)/no/such' (create it first)")
    }
    XCTAssertThrowsError(try writeNPZ(m, path: dir, compress: false)) { e in
      XCTAssertEqual("\(e)", dir + ": cannot write: it is a directory")
    }
    XCTAssertThrowsError(try writeNPZ(m + m, path: dir + "/d.npz", compress: false)) { e in
      XCTAssertEqual("\(e)", dir + "/d.npz: cannot write: two members are named 'a.npy'")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/d.npz"))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
  }

  // MARK: damaged archives

  func testDamagedArchives() throws {
    let good = read(fixture("savez.npz"))
    // empty, not a zip, truncated
    assertLoadFails(write("empty.npz", []), .empty, ["empty file"])
    assertLoadFails(write("text.npz", Array("hello, world\n".utf8)), .corruptArchive, ["not a zip archive"])
    assertLoadFails(write("half.npz", Array(good.prefix(good.count / 2))), .truncated, ["truncated"])
    assertLoadFails(write("cut.npz", Array(good.dropLast(1))), .truncated)
    // a stored member's data changed: the CRC no longer matches
    var crc = good
    crc[firstDataOffset(good) + 130] ^= 0xFF  // in embedding.npy's values, after its 128-byte header
    let pc = write("crc.npz", crc)
    assertLoadFails(pc, .corruptArchive, prefix: pc + ": member embedding.npy", ["damaged data", "CRC"])
    // deflated data changed
    let comp = read(fixture("savez_compressed.npz"))
    var def = comp
    def[firstDataOffset(comp) + 10] ^= 0x55
    let pd = write("deflate.npz", def)
    assertLoadFails(pd, .corruptArchive, prefix: pd + ": member arr_0.npy")
    // a member that is not a valid .npy: alone, the load fails; beside a good one, it is kept as
    // its error (raised when used) with a warning
    try writeNPZ([NPZMember(name: "bad.npy", bytes: Array("not npy".utf8))], path: dir + "/badonly.npz", compress: true)
    assertLoadFails(dir + "/badonly.npz", .badHeader, prefix: dir + "/badonly.npz: member bad.npy", ["NPY magic"])
    try writeNPZ([NPZMember(name: "a.npy", bytes: npyFloat32(1, 1, [1])), NPZMember(name: "bad.npy", bytes: Array("not npy".utf8))],
                 path: dir + "/badnpy.npz", compress: true)
    var warnings: [String] = []
    let mixed = arrays(try loadData(path: dir + "/badnpy.npz", warn: { warnings.append($0) }))
    XCTAssertEqual(mixed.map(\.name), ["a", "bad"])
    XCTAssertEqual(mixed[0].value, .matrix(Matrix(rows: 1, cols: 1, data: [1])))
    if case .unreadable(let e) = mixed[1].value {
      XCTAssertEqual(e.kind, .badHeader)
      XCTAssertTrue("\(e)".hasPrefix(dir + "/badnpy.npz: member bad.npy"), "\(e)")
      XCTAssertTrue("\(e)".contains("NPY magic"), "\(e)")
    } else { XCTFail("\(mixed[1].value)") }
    XCTAssertEqual(warnings.count, 1)
    XCTAssertTrue(warnings.first?.contains("using 'bad' gives this error") == true, "\(warnings)")
    // a member whose array is shorter than its shape
    var short = npyFloat32(2, 2, [1, 2, 3, 4])
    short.removeLast(4)
    try writeNPZ([NPZMember(name: "s.npy", bytes: short)], path: dir + "/short.npz", compress: false)
    assertLoadFails(dir + "/short.npz", .truncated, prefix: dir + "/short.npz: member s.npy", ["needs 16 bytes, found 12"])
    // a zip holding text only
    try writeNPZ([NPZMember(name: "readme.txt", bytes: Array("hi".utf8))], path: dir + "/t.zip.npz", compress: false)
    assertLoadFails(dir + "/t.zip.npz", .empty, ["no .npy arrays"])
  }

  func testDuplicateNames() throws {
    let m = [NPZMember(name: "a.npy", bytes: npyFloat32(1, 1, [1])), NPZMember(name: "b.npy", bytes: npyFloat32(1, 1, [2]))]
    try writeNPZ(m, path: dir + "/ab.npz", compress: false)
    let p = write("dup.npz", patch(read(dir + "/ab.npz"), "b.npy", "a.npy"))
    assertLoadFails(p, .corruptArchive, ["two members of the same name"])
  }

  /// Flag bit 0 (encrypted) set in the local and central headers: refused before reading.
  func testEncryptedRefused() throws {
    try writeNPZ([NPZMember(name: "a.npy", bytes: npyFloat32(1, 1, [1]))], path: dir + "/e.npz", compress: false)
    var b = read(dir + "/e.npz")
    for o in offsets(of: local, in: b) { b[o + 6] |= 1 }
    for o in offsets(of: central, in: b) { b[o + 8] |= 1 }
    let p = write("enc.npz", b)
    assertLoadFails(p, .unsupportedType, prefix: p + ": member a.npy", ["encrypted"])
  }

  /// The directory gives another uncompressed size than the member inflates to.
  func testSizeDisagreesWithDirectory() throws {
    let data = npyFloat32(4, 4, Array(repeating: 1, count: 16))
    for compress in [false, true] {
      try writeNPZ([NPZMember(name: "a.npy", bytes: data)], path: dir + "/s.npz", compress: compress)
      var b = read(dir + "/s.npz")
      for o in offsets(of: local, in: b) { b[o + 22] &-= 1 }
      for o in offsets(of: central, in: b) { b[o + 24] &-= 1 }
      let p = write("size\(compress).npz", b)
      assertLoadFails(p, .corruptArchive, prefix: p + ": member a.npy")
    }
  }

  /// Sizes are checked against the memory available before anything is inflated.
  func testMemoryLimit() throws {
    setenv("CLUS_MEMORY_AVAILABLE", "100", 1)
    defer { unsetenv("CLUS_MEMORY_AVAILABLE") }
    let p = fixture("savez.npz")
    assertLoadFails(p, .tooLarge, ["this machine has"])
  }

  func testMissingAndDirectory() {
    XCTAssertThrowsError(try readNPZ(path: dir + "/none.npz")) { e in
      XCTAssertEqual((e as? DataFileError)?.kind, .missingFile)
      XCTAssertEqual("\(e)", dir + "/none.npz: no such file")
    }
    XCTAssertThrowsError(try readNPZ(path: dir)) { e in
      XCTAssertEqual((e as? DataFileError)?.kind, .unreadable)
    }
    assertLoadFails(dir + "/none.npz", .missingFile)
  }

  // MARK: with numpy at test time

  func testNumpyArchives() throws {
    try runPython("""
      import numpy as np, sys
      d = sys.argv[1]
      x = np.arange(12, dtype=np.float32).reshape(3, 4) / 4
      np.savez(d + '/s.npz', x=x, y=np.array([3, 1, 2], dtype=np.int32), z=np.float32(7))
      np.savez_compressed(d + '/c.npz', np.asfortranarray(x.astype('>f8')), np.array(['p', 'q', 'p']),
                          np.zeros((2, 0, 3), np.uint16), np.array([True]))
      """, [dir])
    let s = arrays(try loadData(path: dir + "/s.npz"))
    let x = Matrix(rows: 3, cols: 4, data: (0..<12).map { Float($0) / 4 })
    XCTAssertEqual(s.map(\.name), ["x", "y", "z"])
    XCTAssertEqual(s[0].value, .matrix(x))
    XCTAssertEqual(s[1].value, .intVector([3, 1, 2]))
    XCTAssertEqual(s[2].value, .floatVector([7]))
    let c = arrays(try loadData(path: dir + "/c.npz"))
    XCTAssertEqual(c.map(\.name), ["arr_0", "arr_1", "arr_2", "arr_3"])
    XCTAssertEqual(c[0].value, .matrix(x))
    XCTAssertEqual(c[1].value, .textVector(TextColumn(codes: [0, 1, 0], categories: ["p", "q"])))
    XCTAssertEqual(c[2].value, .matrix(Matrix(rows: 2, cols: 0, data: [])))
    XCTAssertEqual(c[3].value, .boolVector([true]))
  }

  func testNumpyReadsWriteNPZ() throws {
    let f64 = [1.5, -2.25, 1e300, 0].flatMap { (v: Double) in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
    let members = [
      NPZMember(name: "m.npy", bytes: npyFloat32(2, 3, [0, 1, 2, 3, 4, 5.5])),
      NPZMember(name: "manifest.json", bytes: Array("{}".utf8)),
      NPZMember(name: "d.npy", bytes: npyFileBytes(NPYArray(descr: "<f8", shape: [2, 2], data: f64))),
      NPZMember(name: "e.npy", bytes: npyFileBytes(NPYArray(descr: "<i8", shape: [0], data: []))),
    ]
    for compress in [false, true] {
      let p = dir + "/w\(compress).npz"
      try writeNPZ(members, path: p, compress: compress)
      let out = try runPython("""
        import numpy as np, sys
        f = np.load(sys.argv[1])
        assert f.files == ['m', 'manifest.json', 'd', 'e'], f.files
        assert f['m'].dtype == np.float32 and f['m'].tolist() == [[0, 1, 2], [3, 4, 5.5]], f['m']
        assert f['d'].dtype == np.float64 and f['d'].tolist() == [[1.5, -2.25], [1e300, 0]], f['d']
        assert f['e'].dtype == np.int64 and f['e'].shape == (0,)
        print('ok')
        """, [p])
      XCTAssertEqual(out, "ok\n")
    }
  }
}
