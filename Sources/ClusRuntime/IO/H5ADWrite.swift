import CHDF5
import ClusAlgorithms
#if canImport(Glibc)
import Glibc
#endif

// Writing results into a copy of an AnnData file: an embedding as obsm[key] (an "array" element) and
// labels as obs[key] (a "categorical" element, noise −1 as a missing value), with the attributes
// anndata ≥ 0.7 writes, so `anndata.read_h5ad` reads the copy with the new entries.

/// What to write into an `.h5ad` copy.
enum H5ADEntry {
  /// An n_obs × d matrix → `obsm/<key>` (float32).
  case obsm(Matrix)
  /// A categorical (codes, −1 missing, and category names) → `obs/<key>`, added to `column-order`.
  case obsCategorical(codes: [Int], categories: [String])
  /// Numbers → `obs/<key>` (float64).
  case obsNumbers([Double])
  /// Integers → `obs/<key>` (int64, as pandas' int64 column).
  case obsInts([Int])
  /// Booleans → `obs/<key>` (numpy's bool as h5py stores it: an enum over int8, FALSE = 0, TRUE = 1).
  case obsBools([Bool])
}

/// Copies the AnnData file `source` to `path` (unless they are the same file) and writes `entry`
/// under `key` there (replacing an entry of that name); the file appears complete or not at all.
/// - Throws: `DataFileError`: `source` not an AnnData file; a key that is empty or holds `/`; a row
///   count other than the file's n_obs (`.sizeMismatch`); a path that cannot be written (`.unwritable`).
func writeIntoH5AD(_ entry: H5ADEntry, key: String, source: String, path: String, display: String) throws {
  guard !key.isEmpty, !key.contains("/"), key != "_index" else {
    throw DataFileError(path: display, kind: .unsupportedValue, message: "the key \"\(key)\" cannot name an AnnData entry")
  }
  // (an obs column may be named data, columns, dtypes or index, as anndata allows: d["index"] reads it,
  // while d.index stays the cell names)
  let real = expandTilde(path), from = expandTilde(source)
  let tmp = real + ".clus-tmp"
  func fail(_ m: String, _ k: DataFileError.Kind = .unwritable) -> DataFileError { DataFileError(path: display, kind: k, message: m) }
  try hdf5Lock.run {
    // the n_obs of the source, and that it is an AnnData file, before anything is written
    let src = try H5File(path: from, display: source)
    guard try src.stringAttribute("", "encoding-type") == "anndata" else {
      throw DataFileError(path: source, kind: .unsupportedType, message: "not an AnnData file (no encoding-type \"anndata\" at its root)")
    }
    let indexName = try src.stringAttribute("obs", "_index") ?? "_index"
    let nObs = try src.shape("obs/" + indexName).first ?? 0
    if case .obsm = entry {} else if key == indexName {
      throw DataFileError(path: display, kind: .unsupportedValue,
                          message: "obs/\(key) holds the cell names (obs's _index names it); choose another key")
    }
    let rows: Int
    switch entry {
    case .obsm(let m): rows = m.rows
    case .obsCategorical(let c, _): rows = c.count
    case .obsNumbers(let v): rows = v.count
    case .obsInts(let v): rows = v.count
    case .obsBools(let v): rows = v.count
    }
    guard rows == nObs else {
      throw fail("the value has \(rows) rows, the AnnData file \(source) has \(nObs) cells (n_obs)", .sizeMismatch)
    }
    try copyFile(from, to: tmp, display: display)
    var ok = false
    defer { if !ok { unlink(tmp) } }
    let fid = H5Fopen(tmp, clus_h5f_acc_rdwr(), clus_h5_p_default())
    guard fid >= 0 else { throw fail("the copy cannot be opened for writing") }
    do {
      defer { H5Fclose(fid) }
      /// A 1-D obs column of `count` values of file type `fileType`, from `bytes` in `memType`.
      func obsColumn(_ count: Int, _ fileType: hid_t, _ memType: hid_t, _ bytes: UnsafeRawPointer) throws {
        let obs = H5Gopen2(fid, "obs", clus_h5_p_default())
        guard obs >= 0 else { throw fail("the copy has no obs group") }
        defer { H5Gclose(obs) }
        if H5Lexists(obs, key, clus_h5_p_default()) > 0 { H5Ldelete(obs, key, clus_h5_p_default()) }
        var n = [hsize_t(count)]
        let d = try dataset(obs, key, fileType, &n, fail)
        defer { H5Dclose(d) }
        guard H5Dwrite(d, memType, clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), bytes) >= 0 else {
          throw fail("obs/\(key) cannot be written")
        }
        try encodingAttributes(d, "array", "0.2.0", fail)
        try addColumn(obs, key, fail)
      }
      switch entry {
      case .obsm(let m):
        let g = try group(fid, "obsm", encoding: "dict", version: "0.1.0", fail)
        defer { H5Gclose(g) }
        if H5Lexists(g, key, clus_h5_p_default()) > 0 { H5Ldelete(g, key, clus_h5_p_default()) }
        var dims = [hsize_t(m.rows), hsize_t(m.cols)]
        let d = try dataset(g, key, clus_h5_ieee_f32le(), &dims, fail)
        defer { H5Dclose(d) }
        guard m.data.withUnsafeBytes({ H5Dwrite(d, clus_h5_native_float(), clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), $0.baseAddress) }) >= 0 else {
          throw fail("obsm/\(key) cannot be written")
        }
        try encodingAttributes(d, "array", "0.2.0", fail)
      case .obsCategorical(let codes, let cats):
        let obs = H5Gopen2(fid, "obs", clus_h5_p_default())
        guard obs >= 0 else { throw fail("the copy has no obs group") }
        defer { H5Gclose(obs) }
        if H5Lexists(obs, key, clus_h5_p_default()) > 0 { H5Ldelete(obs, key, clus_h5_p_default()) }
        let g = H5Gcreate2(obs, key, clus_h5_p_default(), clus_h5_p_default(), clus_h5_p_default())
        guard g >= 0 else { throw fail("obs/\(key) cannot be created") }
        defer { H5Gclose(g) }
        try encodingAttributes(g, "categorical", "0.2.0", fail)
        try intAttribute(g, "ordered", 0, fail)
        var n = [hsize_t(codes.count)]
        let c = try dataset(g, "codes", clus_h5_std_i32le(), &n, fail)
        defer { H5Dclose(c) }
        let c32 = codes.map { Int32($0) }
        guard c32.withUnsafeBytes({ H5Dwrite(c, clus_h5_native_int32(), clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), $0.baseAddress) }) >= 0 else {
          throw fail("obs/\(key)/codes cannot be written")
        }
        try encodingAttributes(c, "array", "0.2.0", fail)
        try stringDataset(g, "categories", cats, fail)
        try addColumn(obs, key, fail)
      case .obsNumbers(let v):
        try v.withUnsafeBytes { try obsColumn(v.count, clus_h5_ieee_f64le(), clus_h5_native_double(), $0.baseAddress!) }
      case .obsInts(let v):
        let w = v.map { Int64($0) }
        try w.withUnsafeBytes { try obsColumn(v.count, clus_h5_std_i64le(), clus_h5_native_int64(), $0.baseAddress!) }
      case .obsBools(let v):
        // h5py's bool: an enum over int8 with members FALSE = 0 and TRUE = 1
        let t = H5Tenum_create(clus_h5_native_int8())
        defer { H5Tclose(t) }
        var f: Int8 = 0, tr: Int8 = 1
        guard t >= 0, H5Tenum_insert(t, "FALSE", &f) >= 0, H5Tenum_insert(t, "TRUE", &tr) >= 0 else {
          throw fail("obs/\(key): the bool type cannot be made")
        }
        let w = v.map { Int8($0 ? 1 : 0) }
        try w.withUnsafeBytes { try obsColumn(v.count, t, t, $0.baseAddress!) }
      }
    }
    H5garbage_collect()
    guard rename(tmp, real) == 0 else { throw fail("cannot write: \(String(cString: strerror(errno)))") }
    ok = true
  }
}

/// The group `name` of `fid`, created (with its encoding attributes) when missing.
private func group(_ fid: hid_t, _ name: String, encoding: String, version: String,
                   _ fail: (String, DataFileError.Kind) -> DataFileError) throws -> hid_t {
  if H5Lexists(fid, name, clus_h5_p_default()) > 0 {
    let g = H5Gopen2(fid, name, clus_h5_p_default())
    guard g >= 0 else { throw fail("\(name) cannot be opened", .unwritable) }
    return g
  }
  let g = H5Gcreate2(fid, name, clus_h5_p_default(), clus_h5_p_default(), clus_h5_p_default())
  guard g >= 0 else { throw fail("\(name) cannot be created", .unwritable) }
  try encodingAttributes(g, encoding, version, fail)
  return g
}

private func dataset(_ loc: hid_t, _ name: String, _ type: hid_t, _ dims: inout [hsize_t],
                     _ fail: (String, DataFileError.Kind) -> DataFileError) throws -> hid_t {
  let space = H5Screate_simple(Int32(dims.count), &dims, nil)
  defer { H5Sclose(space) }
  let d = H5Dcreate2(loc, name, type, space, clus_h5_p_default(), clus_h5_p_default(), clus_h5_p_default())
  guard d >= 0 else { throw fail("\(name) cannot be created", .unwritable) }
  return d
}

/// A variable-length UTF-8 string type (as h5py's `string_dtype()`).
private func utf8Type() -> hid_t {
  let t = H5Tcopy(clus_h5_c_s1())
  H5Tset_size(t, clus_h5_variable())
  H5Tset_cset(t, H5T_CSET_UTF8)
  return t
}

/// Writes `strings` through `write`, which receives the memory type and the array of C strings.
private func withCStrings(_ strings: [String], _ write: (UnsafeRawPointer) -> herr_t) -> herr_t {
  let copies = strings.map { strdup($0) }
  defer { for p in copies { free(p) } }
  return copies.withUnsafeBytes { write($0.baseAddress!) }
}

private func stringAttribute(_ obj: hid_t, _ name: String, _ values: [String], scalar: Bool,
                             _ fail: (String, DataFileError.Kind) -> DataFileError) throws {
  if H5Aexists(obj, name) > 0 { H5Adelete(obj, name) }
  let t = utf8Type()
  defer { H5Tclose(t) }
  var dims = [hsize_t(values.count)]
  let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
  defer { H5Sclose(space) }
  let a = H5Acreate2(obj, name, t, space, clus_h5_p_default(), clus_h5_p_default())
  guard a >= 0 else { throw fail("attribute \(name) cannot be written", .unwritable) }
  defer { H5Aclose(a) }
  guard withCStrings(values, { H5Awrite(a, t, $0) }) >= 0 else { throw fail("attribute \(name) cannot be written", .unwritable) }
}

private func intAttribute(_ obj: hid_t, _ name: String, _ value: Int8, _ fail: (String, DataFileError.Kind) -> DataFileError) throws {
  let space = H5Screate(H5S_SCALAR)
  defer { H5Sclose(space) }
  let a = H5Acreate2(obj, name, clus_h5_std_i8le(), space, clus_h5_p_default(), clus_h5_p_default())
  guard a >= 0 else { throw fail("attribute \(name) cannot be written", .unwritable) }
  defer { H5Aclose(a) }
  var v = value
  guard H5Awrite(a, clus_h5_native_int8(), &v) >= 0 else { throw fail("attribute \(name) cannot be written", .unwritable) }
}

private func encodingAttributes(_ obj: hid_t, _ type: String, _ version: String,
                                _ fail: (String, DataFileError.Kind) -> DataFileError) throws {
  try stringAttribute(obj, "encoding-type", [type], scalar: true, fail)
  try stringAttribute(obj, "encoding-version", [version], scalar: true, fail)
}

private func stringDataset(_ loc: hid_t, _ name: String, _ values: [String], _ fail: (String, DataFileError.Kind) -> DataFileError) throws {
  let t = utf8Type()
  defer { H5Tclose(t) }
  var dims = [hsize_t(values.count)]
  let d = try dataset(loc, name, t, &dims, fail)
  defer { H5Dclose(d) }
  guard values.isEmpty || withCStrings(values, { H5Dwrite(d, t, clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), $0) }) >= 0 else {
    throw fail("\(name) cannot be written", .unwritable)
  }
  try encodingAttributes(d, "string-array", "0.2.0", fail)
}

/// Appends `key` to the data frame's `column-order` attribute (unless it is there).
private func addColumn(_ frame: hid_t, _ key: String, _ fail: (String, DataFileError.Kind) -> DataFileError) throws {
  var order: [String] = []
  if H5Aexists(frame, "column-order") > 0 {
    let a = H5Aopen(frame, "column-order", clus_h5_p_default())
    defer { H5Aclose(a) }
    let ft = H5Aget_type(a)
    defer { H5Tclose(ft) }
    // an empty frame's column-order is an empty float array (anndata's writing of [])
    if H5Tget_class(ft) == H5T_STRING {
      let space = H5Aget_space(a)
      defer { H5Sclose(space) }
      let n = Int(H5Sget_simple_extent_npoints(space))
      if n > 0, n < 1 << 20 {
        let t = utf8Type()
        defer { H5Tclose(t) }
        var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
        if H5Aread(a, t, &ptrs) >= 0 { order = ptrs.map { $0.map { String(cString: $0) } ?? "" } }
        for p in ptrs { if let p { H5free_memory(p) } }
      }
    }
  }
  if !order.contains(key) { order.append(key) }
  try stringAttribute(frame, "column-order", order, scalar: false, fail)
}

/// Copies a file's bytes.
private func copyFile(_ from: String, to: String, display: String) throws {
  guard let i = fopen(from, "rb") else { throw DataFileError(path: display, kind: .unreadable, message: "cannot read \(from)") }
  defer { fclose(i) }
  guard let o = fopen(to, "wb") else {
    throw DataFileError(path: display, kind: .unwritable, message: "cannot write: \(String(cString: strerror(errno)))")
  }
  var buf = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let n = fread(&buf, 1, buf.count, i)
    if n == 0 { break }
    if fwrite(buf, 1, n, o) != n {
      fclose(o)
      unlink(to)
      throw DataFileError(path: display, kind: .unwritable, message: "cannot write: \(String(cString: strerror(errno)))")
    }
  }
  guard fclose(o) == 0 else {
    unlink(to)
    throw DataFileError(path: display, kind: .unwritable, message: "cannot write: \(String(cString: strerror(errno)))")
  }
}
