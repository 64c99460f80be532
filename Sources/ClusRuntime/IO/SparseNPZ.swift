import ClusAlgorithms

// scipy.sparse.save_npz archives: a `format` member (`csr`, `csc` or `coo`, a 0-d byte string), a
// `shape` member (two integers), `data`, and `indices` + `indptr` (compressed formats) or `row` +
// `col` (COO). Any numeric `data` type becomes Float32; CSC and COO are turned into CSR (a COO's repeated
// coordinates summed, in float32, as scipy's tocsr() sums them).

/// Whether an archive's member names (without `.npy`) are those of `scipy.sparse.save_npz`.
func isScipySparse(_ names: [String]) -> Bool {
  let s = Set(names)
  return s.contains("format") && s.contains("shape") && s.contains("data")
}

/// The values of a numeric array member, converted to `T`.
/// - Throws: `DataFileError` (.unsupportedType) for a text array.
private func numbers<T: LoadedElement>(_ a: NPYArray, _ what: String, display: String, as _: T.Type) throws -> [T] {
  guard let (type, _) = npyElementType(a.descr) else {
    throw DataFileError(path: display, kind: .unsupportedType, message: "member \(what) holds \(a.descr), not numbers")
  }
  let count = checkedProduct(a.shape) ?? 0
  if type == .u64 && T.self == Int.self {
    // a uint64 above Int.max would wrap to a negative number and be reported as one
    let big = a.data.withUnsafeBytes { src -> UInt64? in
      (0..<count).lazy.map { UInt64(littleEndian: src.loadUnaligned(fromByteOffset: $0 &* 8, as: UInt64.self)) }
        .first { $0 > UInt64(Int.max) }
    }
    if let big {
      throw DataFileError(path: display, kind: .invalidData,
                          message: "scipy sparse archive: member \(what) holds \(big), more than the largest integer clus reads (\(Int.max))")
    }
  }
  if type == .f64 && T.self == Float.self {
    // a finite float64 beyond float32's range became infinity, then reported as a non-finite value in the file
    let big = a.data.withUnsafeBytes { src -> Double? in
      (0..<count).lazy.map { Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: $0 &* 8, as: UInt64.self))) }
        .first { $0.isFinite && Float($0).isInfinite }
    }
    if let big {
      throw DataFileError(path: display, kind: .outOfRange,
                          message: "scipy sparse archive: member \(what) holds \(big), beyond float32's range (±3.4e38), in which clus keeps data")
    }
  }
  var out = [T](repeating: T(storedInteger: 0), count: count)
  a.data.withUnsafeBytes { src in
    out.withUnsafeMutableBufferPointer { dst in
      if let s = src.baseAddress, let d = dst.baseAddress { convertElements(s, count: count, type: type, bigEndian: false, into: d) }
    }
  }
  return out
}

/// The sparse matrix of a `scipy.sparse.save_npz` archive, whose members (`name.npy`) are given;
/// members other than those `scipy.sparse.load_npz` reads are not read.
/// - Returns: CSR, Float32 values (float64 rounded; integer counts exact up to 2²⁴).
/// - Throws: `DataFileError` naming `display`: a format other than csr/csc/coo (bsr, dia, ...), a
///   shape that is not two non-negative integers, member lengths that disagree, and every invalid
///   matrix `SparseMatrix` refuses (index out of range, unsorted or repeated indices of a CSR or CSC
///   archive, NaN or infinity, offsets that decrease; a COO's repeated coordinates are summed), as `.badHeader` / `.sizeMismatch` / `.invalidData`.
func loadScipySparse(_ members: [NPZMember], display: String) throws -> SparseMatrix {
  func bad(_ m: String) -> DataFileError { DataFileError(path: display, kind: .badHeader, message: "scipy sparse archive: " + m) }
  // only the members scipy's load_npz reads: another one (even one that does not read as an
  // array) is left alone, as np.load reads a member only when asked
  let read: Set<String> = ["format", "shape", "data", "indices", "indptr", "row", "col"]
  var arrays: [String: NPYArray] = [:]
  for m in members where m.name.hasSuffix(".npy") && read.contains(String(m.name.dropLast(4))) {
    arrays[String(m.name.dropLast(4))] = try npyArray(m, display: display)
  }
  guard let f = arrays["format"], let shapeArray = arrays["shape"], let dataArray = arrays["data"] else {
    throw bad("the format, shape or data member is missing")
  }
  // the format: a 0-d byte string (|S3) or unicode string (<U3)
  var format = ""
  if let t = npyStringType(f.descr), checkedProduct(f.shape) == 1 {
    if t.unicode {
      format = String(decoding: stride(from: 0, to: f.data.count, by: 4).compactMap { i -> UInt8? in
        let v = UInt32(f.data[i]) | UInt32(f.data[i + 1]) << 8 | UInt32(f.data[i + 2]) << 16 | UInt32(f.data[i + 3]) << 24
        return v == 0 || v > 127 ? nil : UInt8(v)
      }, as: UTF8.self)
    } else {
      format = String(decoding: f.data.filter { $0 != 0 }, as: UTF8.self)
    }
  }
  // another format (bsr, dia) is named before its members are read: a BSR archive's data is
  // three-dimensional, which was reported instead
  if !format.isEmpty && !["csr", "csc", "coo"].contains(format) {
    throw DataFileError(path: display, kind: .unsupportedType,
                        message: "scipy sparse archive of format \"\(format)\": clus reads csr, csc and coo (in scipy: m.tocsr())")
  }
  // scipy reads the shape through operator.index: floats (and bools) are refused there too
  if let (t, _) = npyElementType(shapeArray.descr), !t.isInteger {
    throw bad("the shape must be two non-negative integers (rows, columns), found \(t.name) values")
  }
  guard shapeArray.shape == [2] else {
    throw bad("the shape must be two non-negative integers (rows, columns), found an array of shape \(shapeArray.shape)")
  }
  let shape = try numbers(shapeArray, "shape", display: display, as: Int.self)
  guard shape.count == 2, shape[0] >= 0, shape[1] >= 0 else {
    throw bad("the shape must be two non-negative integers (rows, columns), found \(shape)")
  }
  guard shape[1] <= Int(Int32.max) else {
    throw DataFileError(path: display, kind: .tooLarge, message:
      "scipy sparse archive: \(shape[1]) columns, more than the \(Int32.max) that clus's sparse matrices "
        + "index (32-bit column indices, as scipy's default)")
  }
  let (rows, cols) = (shape[0], shape[1])
  // the rows (CSR) are built in memory whatever the file's format: a CSR archive of few entries
  // can declare 300,000,000 rows, whose offsets (1.2 GB as int32 in the file, compressed to
  // nothing) take 16 bytes a row once read; refused with the estimate before any conversion
  try Memory.requireForRowForm(rows: rows, stored: checkedProduct(dataArray.shape) ?? Int.max, path: display)
  guard dataArray.shape.count == 1 else { throw bad("member data must be one-dimensional, found shape \(dataArray.shape)") }
  let values = try numbers(dataArray, "data", display: display, as: Float.self)
  func indexArray(_ name: String) throws -> [Int] {
    guard let a = arrays[name] else { throw bad("the \(name) member is missing") }
    guard let (type, _) = npyElementType(a.descr), type != .f16, type != .f32, type != .f64, type != .bool else {
      throw bad("member \(name) must hold integers, found \(a.descr)")
    }
    // scipy's index arrays are 1-D ("index pointer array and index array must be 1-D")
    guard a.shape.count == 1 else { throw bad("member \(name) must be one-dimensional, found shape \(a.shape)") }
    return try numbers(a, name, display: display, as: Int.self)
  }
  func matrix(_ make: () throws -> SparseMatrix) throws -> SparseMatrix {
    do { return try make() } catch let e as AlgorithmError {
      if case .invalidInput(let m) = e { throw DataFileError(path: display, kind: .invalidData, message: m) }
      throw e
    }
  }
  /// Compressed indices as Int32; those within Int32 but out of range pass, for the matrix's own
  /// check to name their row or column.
  func compressedIndices(_ v: [Int]) throws -> [Int32] {
    try v.map {
      guard let i = Int32(exactly: $0) else {
        throw DataFileError(path: display, kind: .invalidData, message: "scipy sparse archive: indices holds \($0), beyond 32-bit indices")
      }
      return i
    }
  }
  /// COO coordinates (`name` row or col) within `limit`, as Int32.
  func int32s(_ v: [Int], limit: Int, _ name: String) throws -> [Int32] {
    let what = name == "row" ? "row" : "column"
    return try v.enumerated().map { e, x in
      guard x >= 0, x < limit else {
        throw DataFileError(path: display, kind: .invalidData, message:
          "scipy sparse archive: entry \(e) is at \(what) \(x), and the matrix has only \(limit) \(what)s" + (limit > 0 ? " (0 to \(limit - 1))" : ""))
      }
      return Int32(x)
    }
  }
  switch format {
  case "csr", "csc":
    let indptr = try indexArray("indptr"), indices = try indexArray("indices")
    guard indices.count == values.count else {
      throw DataFileError(path: display, kind: .sizeMismatch,
                          message: "scipy sparse archive: \(indices.count) indices but \(values.count) values")
    }
    let ind = try compressedIndices(indices)
    if format == "csr" {
      return try matrix { try SparseMatrix(rows: rows, cols: cols, indptr: indptr, indices: ind, values: values) }
    }
    return try matrix { try SparseMatrix(cscRows: rows, cols: cols, indptr: indptr, indices: ind, values: values) }
  case "coo":
    let r = try indexArray("row"), c = try indexArray("col")
    guard r.count == values.count, c.count == values.count else {
      throw DataFileError(path: display, kind: .sizeMismatch,
                          message: "scipy sparse archive: \(r.count) rows, \(c.count) columns but \(values.count) values")
    }
    let ri = try int32s(r, limit: rows, "row"), ci = try int32s(c, limit: cols, "col")
    // COO → CSR: sorted on the row, then on the column within each row (stable), and repeated
    // coordinates summed in the archive's order, as scipy's tocsr() sums them
    let order = (0..<values.count).sorted { (p: Int, q: Int) -> Bool in
      if ri[p] != ri[q] { return ri[p] < ri[q] }
      if ci[p] != ci[q] { return ci[p] < ci[q] }
      return p < q
    }
    var indptr = [Int](repeating: 0, count: rows + 1)
    var indices: [Int32] = [], summed: [Float] = []
    indices.reserveCapacity(order.count)
    summed.reserveCapacity(order.count)
    var last = -1
    for e in order {
      if last >= 0, ri[last] == ri[e], ci[last] == ci[e] {
        summed[summed.count - 1] += values[e]
        continue
      }
      indices.append(ci[e]); summed.append(values[e])
      indptr[Int(ri[e]) + 1] += 1
      last = e
    }
    for i in 0..<rows { indptr[i + 1] += indptr[i] }
    return try matrix { try SparseMatrix(rows: rows, cols: cols, indptr: indptr, indices: indices, values: summed) }
  default:
    throw DataFileError(path: display, kind: .unsupportedType,
                        message: "scipy sparse archive of format \"\(format)\": clus reads csr, csc and coo (in scipy: m.tocsr())")
  }
}

/// Writes `m` as `scipy.sparse.save_npz(path, m)` does (compressed): members `indices` (int32),
/// `indptr` (int32, or int64 past 2³¹ − 1 entries), `format` (`b"csr"`), `shape` (int64) and `data`
/// (float32), so that `scipy.sparse.load_npz` gives back the same `csr_matrix`.
/// - Throws: `DataFileError` (.unwritable) as `writeNPZ`.
func writeScipySparse(_ m: SparseMatrix, path: String) throws {
  func member(_ name: String, _ descr: String, _ shape: [Int], _ body: [UInt8]) -> NPZMember {
    NPZMember(name: name + ".npy", bytes: npyHeaderBytes(descr: descr, shape: shape) + body)
  }
  func bytes<T: FixedWidthInteger>(_ v: [T]) -> [UInt8] { v.map(\.littleEndian).withUnsafeBytes { Array($0) } }
  let wide = m.nnz > Int(Int32.max)
  let indptr = wide ? member("indptr", "<i8", [m.rows + 1], bytes(m.indptr.map { Int64($0) }))
    : member("indptr", "<i4", [m.rows + 1], bytes(m.indptr.map { Int32($0) }))
  try writeNPZ([
    member("indices", "<i4", [m.nnz], bytes(m.indices)),
    indptr,
    member("format", "|S3", [], Array("csr".utf8)),
    member("shape", "<i8", [2], bytes([Int64(m.rows), Int64(m.cols)])),
    member("data", "<f4", [m.nnz], bytes(m.values.map(\.bitPattern))),
  ], path: path, compress: true)
}
