import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

/// `scipy.sparse.save_npz` archives (Fixtures/sparse, made by make_fixtures.py there with scipy 1.17.1;
/// expected.json holds the dense values): every format clus reads gives the reference's dense values,
/// every invalid matrix is refused naming where it is invalid, `save` writes what scipy reads back,
/// and the language's sparse values (shape, nnz, indexing, `dense`, dense-only commands).
final class SparseNPZTests: DataFileTestCase {
  func npz(_ name: String) -> String { fixturePath("sparse", name) }

  /// The reference matrix M of every good file: rows, cols, nnz and its dense values.
  func reference() throws -> (rows: Int, cols: Int, nnz: Int, dense: [Float]) {
    let e = try expectedJSON("sparse")
    let shape = jsonInts(e["shape"])
    return (shape[0], shape[1], try XCTUnwrap(e["nnz"] as? Int), jsonFloats(e["dense"]))
  }

  /// expected.json's note for `name`.
  func note(_ name: String) throws -> [String: Any] {
    try XCTUnwrap((try expectedJSON("sparse")["files"] as? [String: Any])?[name] as? [String: Any], name)
  }

  /// The sparse matrix `load` gives for `path` (through a session).
  func loadSparse(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> SparseMatrix? {
    let c = Capture()
    XCTAssertTrue(c.run("m = load \"\(path)\"\n"), c.err, file: file, line: line)
    return c.sparse("m", file: file, line: line)
  }

  // MARK: scipy's archives

  /// CSR (deflated and stored members), CSC float64 → CSR, COO → CSR, int64 index arrays: all the
  /// same CSR matrix, whose dense values are scipy's toarray() exactly.
  func testEveryFormatGivesTheReferenceValues() throws {
    let ref = try reference()
    XCTAssertEqual(ref.dense.count, ref.rows * ref.cols)
    XCTAssertEqual(ref.dense.filter { $0 != 0 }.count, ref.nnz)
    var first: SparseMatrix?
    for name in ["csr.npz", "csr_uncompressed.npz", "csc.npz", "coo.npz", "csr_int64_index.npz"] {
      let fmt = try note(name)["format"] as? String
      guard let m = loadSparse(npz(name)) else { continue }
      XCTAssertEqual([m.rows, m.cols, m.nnz], [ref.rows, ref.cols, ref.nnz], "\(name) (\(fmt ?? "?"))")
      XCTAssertEqual(m.dense().data.array, ref.dense, name)
      // CSR with increasing columns in each row, whatever the file's format
      for i in 0..<m.rows {
        let cols = m.indices[m.indptr[i]..<m.indptr[i + 1]].map { Int($0) }
        XCTAssertEqual(cols, (0..<ref.cols).filter { ref.dense[i * ref.cols + $0] != 0 }, "\(name) row \(i)")
      }
      if let f = first { XCTAssertEqual(m, f, name) } else { first = m }
    }
    XCTAssertEqual(try note("csc.npz")["data_dtype"] as? String, "float64")
    XCTAssertEqual(try note("csr_int64_index.npz")["index_dtype"] as? String, "int64")
  }

  /// An archive with a member scipy's load_npz does not read (here one that is no array at all: an
  /// object array's header) still loads, as load_npz reads it, to the same matrix.
  func testMemberScipyDoesNotReadIsLeftAlone() throws {
    var members = try readNPZ(path: npz("csr_uncompressed.npz"))
    let ref = try XCTUnwrap(loadSparse(npz("csr_uncompressed.npz")))
    members.append(NPZMember(name: "notes.npy", bytes: npyFileBytes(NPYArray(descr: "|O", shape: [1], data: [0, 0, 0, 0, 0, 0, 0, 0]))))
    try writeNPZ(members, path: dir + "/extra.npz", compress: false)
    XCTAssertEqual(loadSparse(dir + "/extra.npz"), ref)
  }

  /// Matrices scipy writes but that are not valid CSR for clus, each refused naming the place.
  func testInvalidMatricesAreRefusedByPlace() throws {
    // unsorted: reversed columns in every row with two or more entries; row 0 is the first such row
    let unsorted = try note("unsorted.npz")
    let ref = try reference()
    let firstRow = (0..<ref.rows).first { i in (0..<ref.cols).filter { ref.dense[i * ref.cols + $0] != 0 }.count >= 2 }!
    XCTAssertEqual(jsonInts(unsorted["indices"]).count, ref.nnz)
    assertLoadFails(npz("unsorted.npz"), .invalidData, ["column indices are unsorted in row \(firstRow)", "sort_indices()"])
    // duplicates: row 1 holds column 2 twice (scipy would sum them to 3.75)
    let dup = try note("duplicates.npz")
    XCTAssertEqual(jsonFloats(dup["dense"])[1 * 3 + 2], 3.75)
    assertLoadFails(npz("duplicates.npz"), .invalidData, ["column indices are repeated in row 1", "sum_duplicates()"])
    // NaN: at the row and column expected.json names
    let nan = try XCTUnwrap(try note("nan.npz")["nan_entry"] as? [String: Int])
    assertLoadFails(npz("nan.npz"), .invalidData, ["non-finite value (nan) at row \(nan["row"]!), column \(nan["col"]!)"])
    // a column index equal to the number of columns (scipy's load_npz accepts it)
    let oor = try note("out_of_range.npz")
    let shape = jsonInts(oor["shape"])
    // named at its row (the file's indptr [0, 2, 3, 3, 4, 4] puts entry 2, the bad one, in row 1)
    assertLoadFails(npz("out_of_range.npz"), .invalidData,
                    ["column index \(oor["bad_index"] as! Int) in row 1, and only \(shape[1]) columns (0 to \(shape[1] - 1))"])
    // more columns than 32-bit indices reach: said so, not 'the shape must be two non-negative integers'
    var members = try readNPZ(path: npz("csr_uncompressed.npz"))
    let at = try XCTUnwrap(members.firstIndex { $0.name == "shape.npy" })
    let wide: [Int64] = [3, 1 << 40]
    members[at].bytes = npyFileBytes(NPYArray(descr: "<i8", shape: [2], data: wide.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }))
    try writeNPZ(members, path: dir + "/wide.npz", compress: false)
    assertLoadFails(dir + "/wide.npz", .tooLarge, ["1099511627776 columns, more than the 2147483647", "32-bit column indices"])
    // a finite float64 beyond float32's range is said as such (it was "a non-finite value (inf)", not in the file)
    var big = try readNPZ(path: npz("csr_uncompressed.npz"))
    let d = try XCTUnwrap(big.firstIndex { $0.name == "data.npy" })
    let count = try npyArray(big[d], display: "data").shape[0]
    let values = [1e300] + [Double](repeating: 1, count: count - 1)
    big[d].bytes = npyFileBytes(NPYArray(descr: "<f8", shape: [count], data: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }))
    try writeNPZ(big, path: dir + "/big.npz", compress: false)
    assertLoadFails(dir + "/big.npz", .outOfRange, ["member data holds 1e+300, beyond float32's range (±3.4e38)"])
    // the most columns that do fit: rows selected without a list of every column (it took 16 GB)
    let original = try XCTUnwrap(try readNPZ(path: npz("csr_uncompressed.npz")).first { $0.name == "shape.npy" })
    let rowsCount = try XCTUnwrap(try npyArray(original, display: "shape").data.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }.first)
    let widest: [Int64] = [rowsCount, Int64(Int32.max)]
    members[at].bytes = npyFileBytes(NPYArray(descr: "<i8", shape: [2], data: widest.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }))
    try writeNPZ(members, path: dir + "/widest.npz", compress: false)
    let w = Capture()
    XCTAssertTrue(w.run("z = load \"\(dir)/widest.npz\"\ny = z[0:2]\n"), w.err)
    XCTAssertEqual(w.sparse("y")?.rows, 2)
    XCTAssertEqual(w.sparse("y")?.cols, Int(Int32.max))
    // a few of those columns: no table of every column (8.6 GB, aborted under a memory limit)
    XCTAssertTrue(w.run("y5 = z[:, 0:5]\n"), w.err)
    XCTAssertEqual(w.sparse("y5")?.cols, 5)
    XCTAssertEqual(w.sparse("y5")?.rows, Int(rowsCount))
    // a CSC matrix (csc.npz's entries) declaring 2³¹ − 1 rows: its rows (CSR) would take 16 bytes a
    // row, 34.4 GB, refused with the estimate before any allocation (it aborted asking for 17 GB)
    var tall = try readNPZ(path: npz("csc.npz"))
    let tallAt = try XCTUnwrap(tall.firstIndex { $0.name == "shape.npy" })
    let tallShape = try npyArray(tall[tallAt], display: "shape").data.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    tall[tallAt].bytes = npyFileBytes(NPYArray(descr: "<i8", shape: [2], data: [Int64(Int32.max), tallShape[1]].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }))
    try writeNPZ(tall, path: dir + "/tall.npz", compress: false)
    setenv("CLUS_MEMORY_AVAILABLE", "8G", 1)
    assertLoadFails(dir + "/tall.npz", .tooLarge, ["building the rows of this sparse matrix (2147483647 rows, ", "needs about 34.4 GB; this machine has 8.0 GB available"])
    unsetenv("CLUS_MEMORY_AVAILABLE")
    // a CSR archive of one entry declaring 1,000,000 rows: its int32 offsets (4 MB, compressed to
    // a few kB) fit in the archive check, but the rows take (1,000,001)·16 + 8 = 16,000,024 bytes
    // once read; with 10 MB available that is refused (a 300,000,000-row one loaded using 4.7 GB
    // under a 2 GB limit), with 20 MB it loads
    func le<T: FixedWidthInteger>(_ v: [T]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) } }
    let manyRows = 1_000_000
    let offsets = [Int32(0)] + [Int32](repeating: 1, count: manyRows)
    try writeNPZ([
      NPZMember(name: "format.npy", bytes: npyFileBytes(NPYArray(descr: "|S3", shape: [], data: Array("csr".utf8)))),
      NPZMember(name: "shape.npy", bytes: npyFileBytes(NPYArray(descr: "<i8", shape: [2], data: le([Int64(manyRows), 5])))),
      NPZMember(name: "data.npy", bytes: npyFileBytes(NPYArray(descr: "<f4", shape: [1], data: le([Float(2.5).bitPattern])))),
      NPZMember(name: "indices.npy", bytes: npyFileBytes(NPYArray(descr: "<i4", shape: [1], data: le([Int32(3)])))),
      NPZMember(name: "indptr.npy", bytes: npyFileBytes(NPYArray(descr: "<i4", shape: [manyRows + 1], data: le(offsets)))),
    ], path: dir + "/many_rows.npz", compress: true)
    setenv("CLUS_MEMORY_AVAILABLE", "10M", 1)
    assertLoadFails(dir + "/many_rows.npz", .tooLarge,
                    ["building the rows of this sparse matrix (1000000 rows, 1 stored value) needs about 16.0 MB; this machine has 10.0 MB available"])
    setenv("CLUS_MEMORY_AVAILABLE", "20M", 1)
    let many = Capture()
    XCTAssertTrue(many.run("m = load \"\(dir)/many_rows.npz\"\n"), many.err)
    XCTAssertEqual(many.sparse("m")?.rows, manyRows)
    XCTAssertEqual(many.sparse("m")?.nnz, 1)
    // small archives written member by member: `member` one .npy, `archive` a format and its members
    func member(_ name: String, _ descr: String, _ shape: [Int], _ data: [UInt8]) -> NPZMember {
      NPZMember(name: name + ".npy", bytes: npyFileBytes(NPYArray(descr: descr, shape: shape, data: data)))
    }
    func archive(_ file: String, _ format: String, _ members: [NPZMember]) throws {
      try writeNPZ([member("format", "|S3", [], Array(format.utf8))] + members, path: dir + "/" + file, compress: false)
    }
    // a BSR archive (data of shape blocks × r × c) is named by its format, not by its data's shape
    try archive("bsr.npz", "bsr", [
      member("shape", "<i8", [2], le([Int64(2), 2])),
      member("data", "<f4", [1, 2, 2], le([Float(1), 2, 3, 4].map(\.bitPattern))),
      member("indices", "<i4", [1], le([Int32(0)])),
      member("indptr", "<i4", [2], le([Int32(0), 1])),
    ])
    assertLoadFails(dir + "/bsr.npz", .unsupportedType, ["scipy sparse archive of format \"bsr\": clus reads csr, csc and coo"])
    // 2⁶³ − 1 rows, as CSR and as COO: refused with the estimate (rows + 1 overflowed: a trap)
    try archive("most_rows_coo.npz", "coo", [
      member("shape", "<i8", [2], le([Int64.max, 3])),
      member("data", "<f4", [1], le([Float(2.5).bitPattern])),
      member("row", "<i4", [1], le([Int32(5)])),
      member("col", "<i4", [1], le([Int32(2)])),
    ])
    try archive("most_rows_csr.npz", "csr", [
      member("shape", "<i8", [2], le([Int64.max, 3])),
      member("data", "<f4", [1], le([Float(2.5).bitPattern])),
      member("indices", "<i4", [1], le([Int32(1)])),
      member("indptr", "<i4", [4], le([Int32(0), 1, 1, 1])),
    ])
    for name in ["most_rows_coo.npz", "most_rows_csr.npz"] {
      assertLoadFails(dir + "/" + name, .tooLarge, ["building the rows of this sparse matrix (9223372036854775807 rows, 1 stored value) needs about"])
    }
    // a uint64 shape past Int.max (scipy fails on it too) is named by its value; it read as −1
    // ("the shape must be two non-negative integers, found [-1, 3]")
    try archive("u64_shape.npz", "csr", [
      member("shape", "<u8", [2], le([UInt64.max, 3])),
      member("data", "<f4", [1], le([Float(2.5).bitPattern])),
      member("indices", "<i4", [1], le([Int32(1)])),
      member("indptr", "<i4", [4], le([Int32(0), 1, 1, 1])),
    ])
    assertLoadFails(dir + "/u64_shape.npz", .invalidData,
                    ["scipy sparse archive: member shape holds 18446744073709551615, more than the largest integer clus reads (9223372036854775807)"])
    // a shape of floats (3.5 read as 3; nan as 0, "0 rows need 1 row offsets") is refused, as scipy's
    // operator.index refuses it
    for (name, v) in [("float_shape", 3.5), ("nan_shape", Double.nan)] {
      try archive("\(name).npz", "csr", [
        member("shape", "<f8", [2], le([v.bitPattern, Double(3).bitPattern])),
        member("data", "<f4", [1], le([Float(2.5).bitPattern])),
        member("indices", "<i4", [1], le([Int32(1)])),
        member("indptr", "<i4", [4], le([Int32(0), 1, 1, 1])),
      ])
      assertLoadFails(dir + "/\(name).npz", .badHeader, ["the shape must be two non-negative integers (rows, columns), found float64 values"])
    }
    // members of other shapes than scipy's (a 1 × 2 shape, 2-D indices) are refused, as scipy refuses them
    for (name, shapeShape, indicesShape, fragment) in [
      ("shape_2d", [1, 2], [2], "found an array of shape [1, 2]"), ("indices_2d", [2], [1, 2], "member indices must be one-dimensional, found shape [1, 2]"),
    ] {
      try archive("\(name).npz", "csr", [
        member("shape", "<i8", shapeShape, le([Int64(3), 4])),
        member("data", "<f4", [2], le([Float(2.5).bitPattern, Float(1).bitPattern])),
        member("indices", "<i4", indicesShape, le([Int32(0), 2])),
        member("indptr", "<i4", [4], le([Int32(0), 1, 2, 2])),
      ])
      assertLoadFails(dir + "/\(name).npz", .badHeader, [fragment])
    }
    // a COO coordinate out of range is named by its entry (it read "col holds 4, outside 0..<4")
    try archive("coo_col.npz", "coo", [
      member("shape", "<i8", [2], le([Int64(3), 4])),
      member("data", "<f4", [2], le([Float(2.5).bitPattern, Float(1).bitPattern])),
      member("row", "<i4", [2], le([Int32(0), 2])),
      member("col", "<i4", [2], le([Int32(1), 4])),
    ])
    assertLoadFails(dir + "/coo_col.npz", .invalidData, ["scipy sparse archive: entry 1 is at column 4, and the matrix has only 4 columns (0 to 3)"])
    // a COO's repeated coordinates are summed, as scipy's tocsr() sums them (they were refused with
    // advice about CSR): (1, 2) three times, 2.5 + 1.25 + 0.5 = 4.25 in archive order, (0, 3) once,
    // and (2, 0) twice summing to an explicit 0 (kept, as scipy keeps it)
    try archive("coo_dup.npz", "coo", [
      member("shape", "<i8", [2], le([Int64(3), 4])),
      member("data", "<f4", [6], le([Float(2.5), 7, 1.25, -1, 0.5, 1].map(\.bitPattern))),
      member("row", "<i4", [6], le([Int32(1), 0, 1, 2, 1, 2])),
      member("col", "<i4", [6], le([Int32(2), 3, 2, 0, 2, 0])),
    ])
    let summed = try XCTUnwrap(loadSparse(dir + "/coo_dup.npz"))
    XCTAssertEqual(summed.indptr, [0, 1, 2, 3])
    XCTAssertEqual(summed.indices, [3, 2, 0])
    XCTAssertEqual(summed.values, [7, 4.25, 0])
    unsetenv("CLUS_MEMORY_AVAILABLE")
    // commands whose allocations grow with the columns refuse them with their estimate first (svd,
    // pca and umap were killed at 24 GB). By hand, 30 rows × d = 2^31 − 1 columns, 90 entries, k = 2:
    // the transpose 16(d + 1) + 8·90, the column statistics 16d, components and projection 24(d + 30),
    // the Krylov cycle (blocks of 10, depth 2 as 8 blocks of d Doubles exceed 512 MB) 8d·(2·20 + 2·10)
    // = 536d + 1,456 bytes; umap (k = 15): 30 rows × (48·15 + 100·3 + 40 + 8) + 16(d + 1)
    setenv("CLUS_MEMORY_AVAILABLE", "16G", 1)
    defer { unsetenv("CLUS_MEMORY_AVAILABLE") }
    for (command, needs) in [("svd z n_components=2", "1.2 TB"), ("pca z n_components=2", "1.2 TB"), ("umap z", "34.4 GB")] {
      w.expectError("r = \(command)", "the run needs about \(needs) beyond its input (30 rows × 2147483647 columns")
      XCTAssertNil(w.value("r"))
    }
    // a component count beyond the range is the range error, never a size (and not the trap its
    // block size k + k/2 hit near Int.max: SIGILL, found by a fresh-user pass)
    for command in ["svd", "pca"] {
      for k in ["9223372036854775807", "4611686018427387904", "100000000"] {
        w.expectError("r = \(command) z n_components=\(k)", "\(command): n_components=\(k) is out of range: between 1 and min(n_samples, n_features) − 1 = 29")
      }
    }
    // the language says the same, naming the file, and binds nothing
    let c = Capture()
    c.expectError("m = load \"\(npz("nan.npz"))\"", "load: \(npz("nan.npz")): a sparse matrix has a non-finite value")
    XCTAssertNil(c.value("m"))
  }

  /// The checked initialiser refuses the same things when called directly (the error names the row).
  func testSparseMatrixInitialiserChecks() {
    func refused(_ rows: Int, _ cols: Int, _ p: [Int], _ i: [Int32], _ v: [Float], _ fragment: String, line: UInt = #line) {
      XCTAssertThrowsError(try SparseMatrix(rows: rows, cols: cols, indptr: p, indices: i, values: v), line: line) { e in
        guard case AlgorithmError.invalidInput(let m) = e else { return XCTFail("\(e)", line: line) }
        XCTAssertTrue(m.contains(fragment), "'\(m)' lacks '\(fragment)'", line: line)
      }
    }
    refused(2, 3, [0, 1, 3], [0, 2, 1], [1, 2, 3], "unsorted in row 1")
    refused(2, 3, [0, 1, 3], [0, 2, 2], [1, 2, 3], "repeated in row 1")
    refused(2, 3, [0, 1, 3], [0, 1, 3], [1, 2, 3], "column index 3 in row 1")
    refused(2, 3, [0, 1, 3], [0, 1, 2], [1, .infinity, 3], "row 1, column 1")
    refused(2, 3, [0, 2, 1], [0, 1], [1, 2], "nnz = 2, not from 0 to 1")
    refused(2, 3, [0, 2, 1, 2], [0, 1], [1, 2], "needs 3 row offsets")
    refused(3, 3, [0, 2, 1, 2], [0, 1], [1, 2], "decrease at row 1: indptr[1] = 2, indptr[2] = 1")
    // an offset past nnz is named as that, at the row it ends (it read "decrease at row 0")
    refused(3, 3, [0, 5, 1, 2], [0, 1], [1, 2], "pass nnz = 2 at row 0: indptr[1] = 5")
    // CSC arrays are said as columns with row indices, and a non-finite value is placed at its own
    // row and column (the 2 × 4 matrix below has its NaN at row 1, column 2, as scipy's toarray()
    // shows; it was reported at row 2, column 1, and a short indptr as "4 rows need 5 row offsets")
    func refusedCSC(_ rows: Int, _ cols: Int, _ p: [Int], _ i: [Int32], _ v: [Float], _ fragment: String, line: UInt = #line) {
      XCTAssertThrowsError(try SparseMatrix(cscRows: rows, cols: cols, indptr: p, indices: i, values: v), line: line) { e in
        guard case AlgorithmError.invalidInput(let m) = e else { return XCTFail("\(e)", line: line) }
        XCTAssertTrue(m.contains(fragment), "'\(m)' lacks '\(fragment)'", line: line)
      }
    }
    refusedCSC(2, 4, [0, 1, 2, 3, 4], [0, 1, 1, 0], [1, 2, .nan, 4], "non-finite value (nan) at row 1, column 2 (counted from 0)")
    refusedCSC(2, 4, [0, 1, 2, 3], [0, 1, 1], [1, 2, 3], "a sparse matrix of 4 columns needs 5 column offsets (indptr), not 4")
    refusedCSC(2, 4, [0, 2, 1, 3, 4], [0, 1, 1, 0], [1, 2, 3, 4], "column offsets (indptr) decrease at column 1: indptr[1] = 2, indptr[2] = 1")
    refusedCSC(2, 4, [0, 2, 2, 3, 4], [0, 0, 1, 0], [1, 2, 3, 4], "row indices are repeated in column 0")
    refusedCSC(2, 4, [0, 1, 2, 3, 4], [0, 2, 1, 0], [1, 2, 3, 4], "row index 2 in column 1, and only 2 rows (0 to 1)")
    XCTAssertEqual(try SparseMatrix(cscRows: 2, cols: 4, indptr: [0, 1, 2, 3, 4], indices: [0, 1, 1, 0], values: [1, 2, 3, 4]).dense().data,
                   [1, 0, 0, 4, 0, 2, 3, 0])
    // and accepts an explicit zero, counted in nnz as scipy does
    XCTAssertEqual(try SparseMatrix(rows: 1, cols: 2, indptr: [0, 1], indices: [1], values: [0]).nnz, 1)
  }

  // MARK: save

  /// `save m "x.npz"` then `load` gives the identical matrix (also for an empty row and an explicit
  /// zero), and the same bytes for the same matrix.
  func testSaveThenLoadIsIdentical() throws {
    let ref = try reference()
    let c = Capture()
    XCTAssertTrue(c.run("""
      m = load "\(npz("csc.npz"))"
      save m "\(dir)/m.npz"
      n = load "\(dir)/m.npz"
      s = m[[4, 0, 29]]
      save s "\(dir)/s.npz"
      t = load "\(dir)/s.npz"
      save m "\(dir)/again.npz"
      """), c.err)
    guard let m = c.sparse("m"), let n = c.sparse("n"), let s = c.sparse("s"), let t = c.sparse("t") else { return }
    XCTAssertEqual(n, m)
    XCTAssertEqual(n.dense().data.array, ref.dense)
    XCTAssertEqual(t, s)
    XCTAssertEqual(t.rows, 3)
    XCTAssertEqual(read(dir + "/m.npz"), read(dir + "/again.npz"))
    // an explicit zero and an all-zero row survive
    let z = try SparseMatrix(rows: 3, cols: 4, indptr: [0, 2, 2, 3], indices: [1, 3, 0], values: [0, -2.5, .leastNonzeroMagnitude])
    try writeScipySparse(z, path: dir + "/z.npz")
    XCTAssertEqual(loadSparse(dir + "/z.npz"), z)
    // a sparse matrix is not saved as .npy or .csv
    c.expectError("save m \"\(dir)/m.npy\"", "save `dense m`")
  }

  /// scipy.sparse.load_npz reads clus's file to the same matrix (format, shape, dtype, sorted indices,
  /// values); skipped without scipy.
  func testScipyReadsSavedMatrix() throws {
    try requirePythonModules(["scipy"])
    let ref = try reference()
    let c = Capture()
    XCTAssertTrue(c.run("m = load \"\(npz("coo.npz"))\"\nsave m \"\(dir)/m.npz\"\nsave m[[2, 3, 5]] \"\(dir)/rows.npz\"\n"), c.err)
    let out = try runPython("""
      import json, sys, numpy as np, scipy.sparse as sp
      m = sp.load_npz(sys.argv[1] + '/m.npz')
      r = sp.load_npz(sys.argv[1] + '/rows.npz')
      assert m.format == 'csr' and m.dtype == np.float32 and m.has_sorted_indices, (m.format, m.dtype)
      m.check_format(full_check=True)
      print(json.dumps({'shape': list(m.shape), 'nnz': int(m.nnz), 'dense': m.toarray().ravel().tolist(),
                        'rows': r.toarray().ravel().tolist(), 'rshape': list(r.shape)}))
      """, [dir])
    let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    XCTAssertEqual(jsonInts(got["shape"]), [ref.rows, ref.cols])
    XCTAssertEqual(got["nnz"] as? Int, ref.nnz)
    XCTAssertEqual(jsonFloats(got["dense"]), ref.dense)
    XCTAssertEqual(jsonInts(got["rshape"]), [3, ref.cols])
    XCTAssertEqual(jsonFloats(got["rows"]), [2, 3, 5].flatMap { r in ref.dense[(r * ref.cols)..<((r + 1) * ref.cols)] })
  }

  // MARK: the language

  /// shape, nnz, m[rows], m[rows, cols], one element, one row and one column, `dense m`: each equal to
  /// the same selection of scipy's toarray().
  func testLanguageOnSparseValues() throws {
    let ref = try reference()
    let (n, d) = (ref.rows, ref.cols)
    func at(_ i: Int, _ j: Int) -> Float { ref.dense[i * d + j] }
    let c = Capture()
    XCTAssertTrue(c.run("""
      m = load "\(npz("csr.npz"))"
      sh = shape m
      k = nnz m
      dm = dense m
      r = m[[5, 0, 5, 29]]
      rc = m[[5, 0, 29], [19, 0, 6]]
      sl = m[2:6, 3:9]
      e = m[0, 5]
      row = m[0]
      col = m[:, 6]
      kd = nnz (dense m)
      """), c.err)
    guard case .record(let sh)? = c.value("sh"), case .int(let k)? = c.value("k"), case .int(let kd)? = c.value("kd"),
          case .float(let e)? = c.value("e"), case .floats(let row)? = c.value("row"), case .floats(let col)? = c.value("col") else {
      return XCTFail("kinds: \(["sh", "k", "kd", "e", "row", "col"].map { c.value($0)?.kindName ?? "-" })")
    }
    if case .int(let rows)? = sh["rows"], case .int(let cols)? = sh["cols"] { XCTAssertEqual([rows, cols], [n, d]) } else { XCTFail("shape") }
    XCTAssertEqual(k, ref.nnz)
    XCTAssertEqual(kd, ref.nnz)
    XCTAssertEqual(c.matrix("dm")?.data.array, ref.dense)
    XCTAssertEqual(c.sparse("r")?.dense().data.array, [5, 0, 5, 29].flatMap { i in (0..<d).map { at(i, $0) } })
    XCTAssertEqual(c.sparse("rc")?.dense().data.array, [5, 0, 29].flatMap { i in [19, 0, 6].map { at(i, $0) } })
    XCTAssertEqual(c.sparse("sl")?.dense().data.array, (2..<6).flatMap { i in (3..<9).map { at(i, $0) } })
    XCTAssertEqual(e, Double(at(0, 5)))
    XCTAssertEqual(e, Double(Float(5.023)))  // make_fixtures.py rounds the values to 3 decimals
    XCTAssertEqual(row, (0..<d).map { Double(at(0, $0)) })
    XCTAssertEqual(col, (0..<n).map { Double(at($0, 6)) })
    XCTAssertTrue(c.run("m\n"), c.err)
    XCTAssertTrue(c.out.hasPrefix("sparse matrix 30 × 20 float32, 90 stored (15.0 %)"), c.out)
    c.expectError("x = m[[1], [2, 2]]", "columns cannot be selected twice")
  }

  /// A command that needs dense data refuses a sparse matrix with the message that names `dense`, and
  /// runs on `dense m`.
  func testDenseOnlyCommandNamesDense() throws {
    let c = Capture()
    XCTAssertTrue(c.run("m = load \"\(npz("csr.npz"))\"\n"), c.err)
    c.expectError("l = kmeans m n_clusters=2", "kmeans: DATA must be a dense matrix, got a sparse matrix (30 × 20, 90 stored); `dense` makes a dense copy")
    XCTAssertNil(c.value("l"))
    XCTAssertTrue(c.run("l = kmeans (dense m) n_clusters=2 random_state=0\n"), c.err)
    XCTAssertNotNil(c.value("l"))
  }
}
