import CHDF5
#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms

// A thin reading layer over the HDF5 C library: open a file (from disk or from bytes in memory),
// list a group, read attributes and whole datasets as Float32, Int, Bool or String arrays. Every
// failure becomes a `DataFileError` naming the file and the object's path inside it. HDF5's own
// error printing is switched off; its calls run on one thread at a time (Debian's build is not
// thread-safe), under `hdf5Lock`.

/// Serialises every HDF5 call (the library is built without its thread-safety option).
let hdf5Lock = HDF5Lock()

/// A recursive lock (Foundation-free) for the HDF5 calls: reading an element may read the elements
/// under it on the same thread.
final class HDF5Lock: @unchecked Sendable {
  private var m = pthread_mutex_t()
  init() {
    var attr = pthread_mutexattr_t()
    pthread_mutexattr_init(&attr)
    pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
    pthread_mutex_init(&m, &attr)
    pthread_mutexattr_destroy(&attr)
  }
  func run<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(&m)
    defer { pthread_mutex_unlock(&m) }
    return try body()
  }
}

#if canImport(Glibc)
import Glibc
#endif

/// An open HDF5 object (file, group, dataset, attribute, type or space), closed when released.
final class H5Object {
  let id: hid_t
  private let closer: (hid_t) -> herr_t
  init(_ id: hid_t, _ closer: @escaping (hid_t) -> herr_t) {
    self.id = id
    self.closer = closer
  }
  deinit { _ = closer(id) }
}

/// The kind of object a link names.
enum H5Kind { case group, dataset, other }

/// An HDF5 file opened for reading, with the name it is shown by in errors.
final class H5File {
  let file: H5Object
  let display: String

  /// Opens `path` read-only.
  /// - Throws: `DataFileError`: not an HDF5 file (`.badHeader`), or a file HDF5 cannot open (damaged, truncated).
  init(path: String, display: String) throws {
    clus_h5_silence()
    self.display = display
    // a file that is not there was "not an HDF5 file" (save ... into="missing.h5ad")
    if access(path, F_OK) != 0 { throw DataFileError(path: display, kind: .missingFile, message: "no such file or directory") }
    if H5Fis_hdf5(path) <= 0 {
      throw DataFileError(path: display, kind: .badHeader, message: "not an HDF5 file (an .h5ad file is HDF5, as anndata writes it)")
    }
    let f = H5Fopen(path, clus_h5f_acc_rdonly(), clus_h5_p_default())
    guard f >= 0 else {
      throw DataFileError(path: display, kind: .corruptArchive, message: "damaged or truncated HDF5 file: the HDF5 library cannot open it")
    }
    file = H5Object(f, H5Fclose)
    // the superblock's sizes, for the variable-length strings clus resolves itself (HDF5Raw.swift)
    let fcpl = H5Object(H5Fget_create_plist(f), H5Pclose)
    var sizeofAddr = 0, sizeofSize = 0
    var userBlock: hsize_t = 0
    guard H5Pget_sizes(fcpl.id, &sizeofAddr, &sizeofSize) >= 0, H5Pget_userblock(fcpl.id, &userBlock) >= 0,
          [2, 4, 8].contains(sizeofAddr), [2, 4, 8].contains(sizeofSize), userBlock < 1 << 40 else {
      throw DataFileError(path: display, kind: .corruptArchive, message: "damaged HDF5 file: its superblock gives sizes of offsets and lengths clus does not read")
    }
    raw = HDF5RawFile(path: path, display: display, sizeofAddr: sizeofAddr, sizeofSize: sizeofSize, baseAddress: Int(userBlock))
    self.path = path
  }

  /// The file's bytes, where variable-length strings are read (`HDF5RawFile`).
  let raw: HDF5RawFile
  private let path: String

  /// Opens a file held in memory (the fuzz target's way in) exactly as a file on disk is opened: the
  /// bytes go to a temporary file, opened with the library's default driver and unlinked at once (the
  /// library's in-memory "core" driver reads past the end of a damaged image, which a file never does).
  /// - Throws: as `init(path:display:)`; `.unwritable` when no temporary file can be made.
  convenience init(bytes: [UInt8], display: String) throws {
    var template = Array((temporaryDirectory() + "/clus-h5ad-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw DataFileError(path: display, kind: .unwritable, message: "cannot make a temporary file") }
    let path = String(cString: template)
    defer { unlink(path) }
    let written = bytes.withUnsafeBytes { b in b.baseAddress.map { write(fd, $0, b.count) } ?? 0 }
    close(fd)
    guard written == bytes.count else { throw DataFileError(path: display, kind: .unwritable, message: "cannot write a temporary file") }
    try self.init(path: path, display: display)
  }

  func error(_ path: String, _ message: String, kind: DataFileError.Kind = .badHeader) -> DataFileError {
    DataFileError(path: display, kind: kind, message: path.isEmpty ? message : "\(path): \(message)")
  }

  /// What `path` names: a group, a dataset, something else, or nil when a part of it is missing.
  /// - Throws: `DataFileError` when its object header holds a damaged datatype (`checkHeader`).
  func kind(_ path: String) throws -> H5Kind? {
    // each link on the way must exist (H5Lexists on a deep path fails if a parent is missing)
    var prefix = ""
    for part in path.split(separator: "/") {
      prefix += (prefix.isEmpty ? "" : "/") + part
      if H5Lexists(file.id, prefix, clus_h5_p_default()) <= 0 { return nil }
    }
    try checkHeader(path)
    let o = H5Oopen(file.id, path.isEmpty ? "/" : path, clus_h5_p_default())
    guard o >= 0 else { return nil }
    defer { H5Oclose(o) }
    switch H5Iget_type(o) {
    case H5I_GROUP: return .group
    case H5I_DATASET: return .dataset
    default: return .other
    }
  }

  /// Checks the datatypes in the object header `path` links to (its own and its attributes') before
  /// libhdf5 decodes them (`HDF5RawFile.checkDatatypes`); a soft link is left to the library.
  /// - Throws: `DataFileError` (.corruptArchive) for a damaged datatype or header; (.unsupportedType)
  ///   for an external link, whose target is another file.
  func checkHeader(_ path: String) throws {
    if path.isEmpty {
      var info = H5O_info_t()
      guard H5Oget_info2(file.id, &info, UInt32(H5O_INFO_BASIC)) >= 0 else { throw error("", "its root group cannot be read (damaged file?)", kind: .corruptArchive) }
      try raw.checkDatatypes(header: UInt64(info.addr), what: "/")
      return
    }
    var link = H5L_info_t()
    guard H5Lget_info(file.id, path, &link, clus_h5_p_default()) >= 0 else { throw error(path, "cannot be opened (damaged file?)", kind: .corruptArchive) }
    if link.type == H5L_TYPE_HARD { try raw.checkDatatypes(header: UInt64(link.u.address), what: path) }
    if link.type == H5L_TYPE_EXTERNAL {
      throw error(path, "is an external link to another HDF5 file; clus reads only what the file itself holds "
                    + "(copy the linked element into the file, e.g. with h5py)", kind: .unsupportedType)
    }
  }

  /// Opens the object at `path` (group or dataset), its header checked first (`checkHeader`).
  func open(_ path: String) throws -> H5Object {
    try checkHeader(path)
    let o = H5Oopen(file.id, path.isEmpty ? "/" : path, clus_h5_p_default())
    guard o >= 0 else { throw error(path, "cannot be opened (damaged file?)") }
    return H5Object(o, H5Oclose)
  }

  /// The names of a group's members, in name order.
  func children(_ path: String) throws -> [String] {
    let g = try open(path)
    var info = H5G_info_t()
    guard H5Gget_info(g.id, &info) >= 0 else { throw error(path, "is not a readable group") }
    var names: [String] = []
    for i in 0..<info.nlinks {
      let n = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, clus_h5_p_default())
      guard n >= 0, n < 1 << 16 else { throw error(path, "has a member whose name cannot be read") }
      var buf = [CChar](repeating: 0, count: Int(n) + 1)
      _ = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, clus_h5_p_default())
      names.append(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return names
  }

  /// The dimensions of the dataset at `path`.
  func shape(_ path: String) throws -> [Int] {
    let d = try open(path)
    let s = H5Object(H5Dget_space(d.id), H5Sclose)
    return try dims(s, path)
  }

  private func dims(_ space: H5Object, _ path: String) throws -> [Int] {
    let nd = H5Sget_simple_extent_ndims(space.id)
    guard nd >= 0, nd <= 32 else { throw error(path, "has an unreadable shape") }
    var d = [hsize_t](repeating: 0, count: Int(nd))
    guard H5Sget_simple_extent_dims(space.id, &d, nil) >= 0 else { throw error(path, "has an unreadable shape") }
    guard d.allSatisfy({ $0 < 1 << 48 }), checkedProduct(d.map { Int($0) }) != nil else { throw error(path, "has an impossible shape") }
    return d.map { Int($0) }
  }

  // MARK: attributes

  /// A string attribute (variable- or fixed-length, scalar or one element), or nil when absent or not a string.
  func stringAttribute(_ path: String, _ name: String) throws -> String? {
    try stringsAttribute(path, name)?.first
  }

  /// A string-array attribute (`column-order`), or nil when absent or not strings.
  func stringsAttribute(_ path: String, _ name: String) throws -> [String]? {
    guard let (attr, type, count) = try attribute(path, name, H5T_STRING) else { return nil }
    guard count <= 1 << 20 else { throw error(path, "attribute \(name) is too long") }
    let what = "\(path.isEmpty ? "/" : path) attribute \(name)"
    return try readStrings(type: type, count: count, path: what, vlen: {
      // the elements from the object header (compact storage); nil (dense storage) leaves it to libhdf5
      let o = try open(path)
      var info = H5O_info_t()
      guard H5Oget_info2(o.id, &info, UInt32(H5O_INFO_BASIC)) >= 0 else { throw error(path, "its header cannot be read (damaged file?)", kind: .corruptArchive) }
      guard let (n, bytes) = try raw.vlenStringAttribute(header: UInt64(info.addr), name: name) else { return nil }
      guard n == count else { throw raw.damaged("\(what) has \(n) elements in its header, \(count) by its dataspace") }
      return bytes
    }) { mem, buf in H5Aread(attr.id, mem, buf) }
  }

  /// An integer-array attribute (a sparse matrix's `shape`), or nil when absent or not integers.
  func intsAttribute(_ path: String, _ name: String) throws -> [Int]? {
    guard let (attr, _, count) = try attribute(path, name, H5T_INTEGER), count <= 64 else { return nil }
    var out = [Int64](repeating: 0, count: count)
    guard H5Aread(attr.id, clus_h5_native_int64(), &out) >= 0 else { throw error(path, "attribute \(name) cannot be read") }
    return out.map { Int($0) }
  }

  /// The attribute `name` of the object at `path` when it exists and its elements are of `cls`: the
  /// attribute, its type and its number of elements.
  private func attribute(_ path: String, _ name: String, _ cls: H5T_class_t) throws -> (H5Object, H5Object, Int)? {
    let o = try open(path)
    guard H5Aexists(o.id, name) > 0 else { return nil }
    let a = H5Aopen(o.id, name, clus_h5_p_default())
    guard a >= 0 else { throw error(path, "attribute \(name) cannot be read") }
    let attr = H5Object(a, H5Aclose)
    let type = H5Object(H5Aget_type(attr.id), H5Tclose)
    guard H5Tget_class(type.id) == cls else { return nil }
    let space = H5Object(H5Aget_space(attr.id), H5Sclose)
    return (attr, type, try dims(space, path).reduce(1, *))
  }

  /// Strings, variable- or fixed-length. Variable-length ones are resolved by clus from the raw elements
  /// `vlen` gives (`HDF5RawFile.strings`); only when it gives nil (an attribute in dense storage) and for
  /// fixed-length strings does `read` (an `H5Aread`/`H5Dread` with the memory type given) read them.
  private func readStrings(type: H5Object, count: Int, path: String, vlen: () throws -> [UInt8]?,
                           _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
    if count == 0 { return [] }
    let mem = H5Object(H5Tcopy(clus_h5_c_s1()), H5Tclose)
    H5Tset_cset(mem.id, H5T_CSET_UTF8)
    if H5Tis_variable_str(type.id) > 0 {
      if let elements = try vlen() {
        return try raw.strings(raw: elements, count: count, what: path)
      }
      try checkGlobalHeaps(path: self.path, display: display)
      H5Tset_size(mem.id, clus_h5_variable())
      var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      let ok = ptrs.withUnsafeMutableBytes { read(mem.id, $0.baseAddress!) } >= 0
      defer {
        // the library allocated each string
        for p in ptrs { if let p { H5free_memory(p) } }
      }
      guard ok else { throw error(path, "its strings cannot be read (damaged file?)", kind: .corruptArchive) }
      return ptrs.map { $0.map { String(cString: $0) } ?? "" }
    }
    let size = H5Tget_size(type.id)
    guard size > 0, size < 1 << 16, count <= (1 << 34) / size else { throw error(path, "has strings of an unreadable size") }
    H5Tset_size(mem.id, size)
    // ASCII (numpy's bytes, "S8") or UTF-8: libhdf5 converts neither into the other
    if H5Tget_cset(type.id) == H5T_CSET_ASCII { H5Tset_cset(mem.id, H5T_CSET_ASCII) }
    // the file's padding (numpy's are padded with NULs, not terminated: "fixed8ch" fills all 8 bytes)
    H5Tset_strpad(mem.id, H5Tget_strpad(type.id))
    var buf = [UInt8](repeating: 0, count: count * size)
    guard buf.withUnsafeMutableBytes({ read(mem.id, $0.baseAddress!) }) >= 0 else {
      throw error(path, "its strings cannot be read (damaged file?)", kind: .corruptArchive)
    }
    return (0..<count).map { i in
      let s = buf[(i * size)..<((i + 1) * size)]
      return String(decoding: s.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  // MARK: datasets

  /// Why a dataset's data could not be read: a compression filter this libhdf5 lacks (LZF, which
  /// anndata writes with compression="lzf", or a plugin such as Blosc), named; else damage.
  func unreadable(_ d: H5Object, _ path: String) -> DataFileError {
    let dcpl = H5Object(H5Dget_create_plist(d.id), H5Pclose)
    for i in 0..<max(0, Int(H5Pget_nfilters(dcpl.id))) {
      var flags: UInt32 = 0, values = [UInt32](repeating: 0, count: 8), config: UInt32 = 0
      var n = values.count
      let id = H5Pget_filter2(dcpl.id, UInt32(i), &flags, &n, &values, 0, nil, &config)
      if id >= 0 && H5Zfilter_avail(id) <= 0 {
        return error(path, "is compressed with HDF5 filter \(hdf5FilterName(Int(id))), which clus does not read (gzip, shuffle and fletcher32 are "
                     + "read): write the file again with compression=\"gzip\" (anndata's write_h5ad), or none", kind: .unsupportedType)
      }
    }
    return error(path, "its data cannot be read (damaged or truncated file?)", kind: .corruptArchive)
  }

  /// The HDF5 class of a dataset's elements and its size in bytes.
  func elementClass(_ path: String) throws -> (H5T_class_t, Int) {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    return (H5Tget_class(t.id), H5Tget_size(t.id))
  }

  /// A whole numeric dataset as Float32, read in blocks of about 8 M elements (integers and float64
  /// converted; a finite value beyond float32's range is an error).
  /// - Throws: `DataFileError`: not numbers (`.unsupportedType`), out of range (`.outOfRange`), NaN or
  ///   infinity when `finite` (`.invalidData`), damaged data (`.corruptArchive`).
  func floats(_ path: String, finite: Bool = false, cancelled: () -> Bool = { false }) throws -> (shape: [Int], values: [Float]) {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    let cls = H5Tget_class(t.id)
    guard cls == H5T_FLOAT || cls == H5T_INTEGER else { throw error(path, "does not hold numbers", kind: .unsupportedType) }
    let space = H5Object(H5Dget_space(d.id), H5Sclose)
    let shape = try dims(space, path)
    let total = shape.reduce(1, *)
    try Memory.requireForFile(Double(total) * 4, path: display, what: "\(path) (\(shape.map(String.init).joined(separator: " × ")) float32)")
    var out = [Float](repeating: 0, count: total)
    if total == 0 { return (shape, out) }
    let float32 = cls == H5T_FLOAT && H5Tget_size(t.id) == 4
    // read along the first axis in blocks (a hyperslab of whole rows)
    let rowLength = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
    let rows = shape.isEmpty ? 1 : shape[0]
    let block = max(1, (8 << 20) / max(rowLength, 1))
    var scratch = float32 ? [] : [Double](repeating: 0, count: min(rows, block) * rowLength)
    var r0 = 0
    while r0 < rows {
      if cancelled() { throw AlgorithmError.cancelled }
      let nr = min(block, rows - r0)
      let fileSpace = H5Object(H5Scopy(space.id), H5Sclose)
      let memSpace: H5Object
      if shape.isEmpty {
        memSpace = H5Object(H5Scopy(space.id), H5Sclose)
      } else {
        var start = [hsize_t](repeating: 0, count: shape.count), count = shape.map { hsize_t($0) }
        start[0] = hsize_t(r0)
        count[0] = hsize_t(nr)
        H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, count, nil)
        var m = [hsize_t(nr * rowLength)]
        memSpace = H5Object(H5Screate_simple(1, &m, nil), H5Sclose)
      }
      let status: herr_t
      if float32 {
        status = out.withUnsafeMutableBufferPointer { H5Dread(d.id, clus_h5_native_float(), memSpace.id, fileSpace.id, clus_h5_p_default(), $0.baseAddress! + r0 * rowLength) }
      } else {
        status = scratch.withUnsafeMutableBufferPointer { H5Dread(d.id, clus_h5_native_double(), memSpace.id, fileSpace.id, clus_h5_p_default(), $0.baseAddress!) }
        if status >= 0 {
          for k in 0..<(nr * rowLength) {
            let v = scratch[k]
            if v.isFinite && abs(v) > Double(Float.greatestFiniteMagnitude) {
              throw error(path, "holds \(v), beyond float32's range (clus keeps data as float32)", kind: .outOfRange)
            }
            out[r0 * rowLength + k] = Float(v)
          }
        }
      }
      guard status >= 0 else { throw unreadable(d, path) }
      r0 += nr
    }
    if finite, let k = out.firstIndex(where: { !$0.isFinite }) {
      throw error(path, "holds \(out[k]) at element \(k)", kind: .invalidData)
    }
    return (shape, out)
  }

  /// A whole numeric dataset as Double (exact for float64 and for integers up to 2⁵³, float32 as its
  /// shortest decimal: `shortestDecimal`): obs and var columns.
  /// - Throws: `DataFileError`: not numbers, damaged data.
  func doubles(_ path: String) throws -> [Double] {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    let cls = H5Tget_class(t.id)
    guard cls == H5T_FLOAT || cls == H5T_INTEGER else { throw error(path, "does not hold numbers", kind: .unsupportedType) }
    let space = H5Object(H5Dget_space(d.id), H5Sclose)
    let total = try dims(space, path).reduce(1, *)
    try Memory.requireForFile(Double(total) * 8, path: display, what: "\(path) (\(total) numbers)")
    var out = [Double](repeating: 0, count: total)
    guard total == 0 || H5Dread(d.id, clus_h5_native_double(), clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), &out) >= 0 else {
      throw unreadable(d, path)
    }
    // a float32 column as a float64 one holds it when pandas writes it and reads it back (0.1, as
    // a CSV's column: shortestDecimal), which is what saving it writes (0.10000000149011612 was its widening)
    if cls == H5T_FLOAT && H5Tget_size(t.id) == 4 { return out.map { shortestDecimal(Float($0)) } }
    return out
  }

  /// A whole integer (or bool/enum) dataset as Int.
  /// - Throws: `DataFileError`: not integers, damaged data.
  func ints(_ path: String) throws -> [Int] {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    let cls = H5Tget_class(t.id)
    let space = H5Object(H5Dget_space(d.id), H5Sclose)
    let total = try dims(space, path).reduce(1, *)
    try Memory.requireForFile(Double(total) * 8, path: display, what: "\(path) (\(total) integers)")
    if cls == H5T_ENUM {
      // numpy bools: an enum over int8 (FALSE = 0, TRUE = 1), read in its own native type
      guard H5Tget_size(t.id) == 1 else { throw error(path, "holds an enumeration clus does not read", kind: .unsupportedType) }
      let native = H5Object(H5Tget_native_type(t.id, H5T_DIR_ASCEND), H5Tclose)
      var raw = [Int8](repeating: 0, count: total)
      guard total == 0 || H5Dread(d.id, native.id, clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), &raw) >= 0 else {
        throw unreadable(d, path)
      }
      return raw.map { Int($0) }
    }
    guard cls == H5T_INTEGER else { throw error(path, "does not hold integers", kind: .unsupportedType) }
    if let raw = try uint64Values(d, t, total: total, path: path) {
      // uint64: read as such (through int64, values beyond 2^63 − 1 were clamped to it in silence)
      if let big = raw.first(where: { $0 > UInt64(Int.max) }) {
        throw error(path, "holds the uint64 value \(big), beyond int64's range (2^63 − 1), in which clus keeps integers", kind: .outOfRange)
      }
      return raw.map { Int($0) }
    }
    var out = [Int64](repeating: 0, count: total)
    guard total == 0 || H5Dread(d.id, clus_h5_native_int64(), clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), &out) >= 0 else {
      throw unreadable(d, path)
    }
    return out.map { Int($0) }
  }

  /// A whole uint64 dataset, read as such; nil for a dataset of any other type (`ints` reads those).
  /// - Throws: `DataFileError`: damaged data.
  func uint64s(_ path: String) throws -> [UInt64]? {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    let space = H5Object(H5Dget_space(d.id), H5Sclose)
    let total = try dims(space, path).reduce(1, *)
    return try uint64Values(d, t, total: total, path: path)
  }

  /// The `total` values of dataset `d` of type `t` when it is uint64, nil otherwise.
  private func uint64Values(_ d: H5Object, _ t: H5Object, total: Int, path: String) throws -> [UInt64]? {
    guard H5Tget_class(t.id) == H5T_INTEGER, H5Tget_sign(t.id) == H5T_SGN_NONE, H5Tget_size(t.id) == 8 else { return nil }
    try Memory.requireForFile(Double(total) * 8, path: display, what: "\(path) (\(total) integers)")
    let native = H5Object(H5Tget_native_type(t.id, H5T_DIR_ASCEND), H5Tclose)
    var raw = [UInt64](repeating: 0, count: total)
    guard total == 0 || H5Dread(d.id, native.id, clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), &raw) >= 0 else {
      throw unreadable(d, path)
    }
    return raw
  }

  /// A whole string dataset.
  func strings(_ path: String) throws -> [String] {
    let d = try open(path)
    let t = H5Object(H5Dget_type(d.id), H5Tclose)
    guard H5Tget_class(t.id) == H5T_STRING else { throw error(path, "does not hold strings", kind: .unsupportedType) }
    let space = H5Object(H5Dget_space(d.id), H5Sclose)
    let total = try dims(space, path).reduce(1, *)
    try Memory.requireForFile(Double(total) * 64, path: display, what: "\(path) (\(total) strings)")
    return try readStrings(type: t, count: total, path: path, vlen: { try vlenElements(d, count: total, path: path) }) { mem, buf in
      H5Dread(d.id, mem, clus_h5_s_all(), clus_h5_s_all(), clus_h5_p_default(), buf)
    }
  }

  /// The raw variable-length elements (`count` × `raw.elementSize` bytes, row-major) of the dataset `d`,
  /// from its contiguous storage or its chunks (the library gives their places; clus reads the bytes).
  /// - Throws: `DataFileError`: storage outside the file or chunks that do not fit the shape
  ///   (.corruptArchive), a compact dataset or an unknown filter (.unsupportedLayout, .unsupportedType).
  private func vlenElements(_ d: H5Object, count: Int, path: String) throws -> [UInt8] {
    let es = raw.elementSize
    let total = count * es
    let dcpl = H5Object(H5Dget_create_plist(d.id), H5Pclose)
    switch H5Pget_layout(dcpl.id) {
    case H5D_CONTIGUOUS:
      let a = H5Dget_offset(d.id)
      // storage never written holds the fill value: empty strings
      if a == haddr_t.max { return [UInt8](repeating: 0, count: total) }
      guard let at = raw.offset(ofAddress: UInt64(a)) else { throw raw.damaged("\(path): its data lie outside the file") }
      return try raw.bytes(at, total, path)
    case H5D_CHUNKED:
      let space = H5Object(H5Dget_space(d.id), H5Sclose)
      let shape = try dims(space, path)
      var cd = [hsize_t](repeating: 0, count: 32)
      let rank = Int(H5Pget_chunk(dcpl.id, 32, &cd))
      let chunk = cd.prefix(max(rank, 0)).map { Int(min($0, 1 << 32)) }
      guard rank >= 1, rank == shape.count, chunk.allSatisfy({ $0 > 0 }), let per = checkedProduct(chunk), per <= 1 << 28 else {
        throw raw.damaged("\(path): its chunks do not fit its shape")
      }
      var filters: [Int] = []
      for i in 0..<max(0, Int(H5Pget_nfilters(dcpl.id))) {
        var flags: UInt32 = 0, values = [UInt32](repeating: 0, count: 8), config: UInt32 = 0
        var n = values.count
        filters.append(Int(H5Pget_filter2(dcpl.id, UInt32(i), &flags, &n, &values, 0, nil, &config)))
      }
      var out = [UInt8](repeating: 0, count: total)
      var chunks: hsize_t = 0
      guard H5Dget_num_chunks(d.id, space.id, &chunks) >= 0 else { throw raw.damaged("\(path): its chunks cannot be listed") }
      var offset = [hsize_t](repeating: 0, count: rank)
      var local = [Int](repeating: 0, count: rank)
      for i in 0..<chunks {
        var mask: UInt32 = 0, address: haddr_t = 0, stored: hsize_t = 0
        guard H5Dget_chunk_info(d.id, space.id, i, &offset, &mask, &address, &stored) >= 0,
              let at = raw.offset(ofAddress: UInt64(address)), stored <= UInt64(raw.size),
              (0..<rank).allSatisfy({ offset[$0] < UInt64(shape[$0]) && offset[$0] % UInt64(chunk[$0]) == 0 }) else {
          throw raw.damaged("\(path): chunk \(i) is damaged")
        }
        let data = try raw.unfilter(try raw.bytes(at, Int(stored), path), filters: filters, mask: mask, elementSize: es,
                                    expected: per * es, what: path)
        guard data.count == per * es else { throw raw.damaged("\(path): chunk \(i) holds \(data.count) bytes, not \(per * es)") }
        // each element of the chunk to its place in the whole array (edge chunks reach past the shape)
        for r in 0..<rank { local[r] = 0 }
        for e in 0..<per {
          var g = 0, inside = true
          for r in 0..<rank {
            let x = Int(offset[r]) + local[r]
            if x >= shape[r] { inside = false; break }
            g = g * shape[r] + x
          }
          if inside {
            for t in 0..<es { out[g * es + t] = data[e * es + t] }
          }
          var r = rank - 1
          while r >= 0 {
            local[r] += 1
            if local[r] < chunk[r] { break }
            local[r] = 0
            r -= 1
          }
        }
      }
      return out
    default:
      throw error(path, "is a compact or virtual string dataset, which clus does not read", kind: .unsupportedLayout)
    }
  }
}

/// The folder for temporary files: `TMPDIR`, else /tmp.
func temporaryDirectory() -> String {
  if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
  return "/tmp"
}
