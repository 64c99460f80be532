#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZip

// NumPy `.npz` archives: zip files whose members are `.npy` files, as `np.savez` (stored) and
// `np.savez_compressed` (deflate) write them. Read from memory and written with libzip; the
// members' `.npy` bytes are parsed by NPY.swift.

/// One member of an `.npz` archive as stored in the zip: its name (with any `.npy`) and its
/// uncompressed bytes.
struct NPZMember: Sendable, Equatable {
  /// The member's name in the archive, for example `embedding.npy` or `manifest.json`.
  var name: String
  /// The member's uncompressed content.
  var bytes: [UInt8]
}

/// One array of an `.npy` member, normalised: the elements in C order (last index fastest), as
/// raw little-endian bytes.
///
/// Fortran-order input is rearranged into C order; big-endian input is byte-swapped and its
/// `descr` rewritten with `<`. `data.count` is the product of `shape` times the element size.
struct NPYArray: Equatable {
  /// NumPy's dtype string, little-endian or byte-order free: `<f4`, `<i8`, `|b1`, `<U5`, `|S3`, ...
  var descr: String
  /// The dimensions (`[]` for a 0-d array).
  var shape: [Int]
  /// The elements in C order, little-endian.
  var data: [UInt8]
}

/// The text that names a member in errors: `file.npz: member x.npy`.
func npzMemberDisplay(_ display: String, _ name: String) -> String { "\(display): member \(name)" }

/// Parses the `.npy` bytes of an archive member into a C-order little-endian array.
/// - Parameters:
///   - m: the member (its bytes a whole `.npy` file).
///   - display: the archive's name as the user gave it; errors name `display: member NAME`.
/// - Returns: the array with `data.count == product(shape) × element size`.
/// - Throws: `DataFileError` whose path is `display: member NAME` for a bad header, an unsupported
///   dtype (object arrays, which are pickles, are refused), or data shorter or longer than the shape.
func npyArray(_ m: NPZMember, display: String) throws -> NPYArray {
  let shown = npzMemberDisplay(display, m.name)
  return try m.bytes.withUnsafeBytes { b -> NPYArray in
    let h = try parseNPYHeader(b, display: shown)
    let count = checkedProduct(h.shape) ?? 0
    let size = h.itemSize
    let start = b.baseAddress.map { $0 + h.dataOffset }
    var data: [UInt8]
    if h.fortran, let s = start {
      let c = fortranToC(s, shape: h.shape, size: size)
      data = c.withBytes { Array($0) }
    } else {
      data = Array(b[h.dataOffset..<(h.dataOffset + count * size)])
    }
    // the unit that is byte-swapped: a UTF-32 character, a plain element, nothing for byte strings
    let unit = h.text.map { $0.unicode ? 4 : 1 } ?? size
    if h.bigEndian && unit > 1 {
      data.withUnsafeMutableBufferPointer { d in
        var i = 0
        while i + unit <= d.count {
          var lo = i, hi = i + unit - 1
          while lo < hi { d.swapAt(lo, hi); lo += 1; hi -= 1 }
          i += unit
        }
      }
    }
    let code = h.text.map { ($0.unicode ? "U" : "S") + String($0.length) } ?? h.type.npyCode
    let descr = (unit > 1 ? "<" : "|") + code
    return NPYArray(descr: descr, shape: h.shape, data: data)
  }
}

extension ElementType {
  /// NumPy's type code without the byte order: `f4`, `i8`, `b1`, `u1`, ...
  var npyCode: String {
    switch self {
    case .bool: return "b1"
    case .u8: return "u1"
    case .i8: return "i1"
    case .u16: return "u2"
    case .i16: return "i2"
    case .u32: return "u4"
    case .i32: return "i4"
    case .u64: return "u8"
    case .i64: return "i8"
    case .f16: return "f2"
    case .f32: return "f4"
    case .f64: return "f8"
    }
  }
}

/// The bytes of a `.npy` file (format 1.0, or 2.0 for a header beyond 64 KB) holding `a`: the
/// header from `npyHeaderBytes` (C order), then `a.data`.
func npyFileBytes(_ a: NPYArray) -> [UInt8] {
  npyHeaderBytes(descr: a.descr, shape: a.shape) + a.data
}

// MARK: reading

/// The ratio deflate cannot exceed (about 1032:1, with room for headers): a member announcing a
/// larger uncompressed size than this times its compressed size is inconsistent.
private let maxDeflateRatio = 1040

/// libzip's text for an error.
private func zipErrorText(_ e: inout zip_error_t) -> String { String(cString: zip_error_strerror(&e)) }

/// Reads every member of a zip archive held in memory.
/// - Parameter members: whether to keep a member (by name); the others are checked but not inflated.
/// - Returns: the kept members in archive order, their contents in owned buffers.
/// - Throws: `DataFileError` naming `display` (and the member where one is at fault): an empty or
///   non-zip file, a damaged directory, encrypted members, compression other than stored or
///   deflate, duplicate names, members whose sizes exceed the memory available or disagree with the
///   directory, damaged compressed data or a CRC mismatch.
func readNPZBuffers(_ raw: UnsafeRawBufferPointer, display: String,
                    keep: (String) -> Bool = { _ in true }) throws -> [(name: String, buffer: ByteBuffer)] {
  func corrupt(_ m: String) -> DataFileError { DataFileError(path: display, kind: .corruptArchive, message: m) }
  if raw.count == 0 { throw DataFileError(path: display, kind: .empty, message: "empty file") }
  var err = zip_error_t()
  zip_error_init(&err)
  defer { zip_error_fini(&err) }
  guard let src = zip_source_buffer_create(raw.baseAddress, zip_uint64_t(raw.count), 0, &err) else {
    throw corrupt("cannot read the zip archive: \(zipErrorText(&err))")
  }
  guard let za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err) else {
    zip_source_free(src)
    let code = zip_error_code_zip(&err)
    let startsAsZip = raw.count >= 4 && raw[0] == 0x50 && raw[1] == 0x4B && raw[2] == 0x03 && raw[3] == 0x04
    if code == ZIP_ER_NOZIP && startsAsZip {
      throw DataFileError(path: display, kind: .truncated, message:
        "truncated or damaged zip archive: it starts as one but the directory at its end is missing")
    }
    if code == ZIP_ER_EXISTS {
      throw corrupt("the archive holds two members of the same name")
    }
    if code == ZIP_ER_NOZIP {
      throw corrupt("not a zip archive (an .npz file is a zip of .npy arrays, as numpy's savez writes)")
    }
    throw corrupt("damaged zip archive: \(zipErrorText(&err))")
  }
  defer { zip_discard(za) }
  let n = zip_get_num_entries(za, 0)
  if n < 0 { throw corrupt("damaged zip archive: \(String(cString: zip_strerror(za)))") }

  // The directory first: names, sizes and methods, checked before anything is inflated.
  struct Entry { var index: zip_uint64_t; var name: String; var size: Int }
  var entries: [Entry] = []
  var seen = Set<String>()
  var total = 0.0
  for i in 0..<zip_uint64_t(n) {
    var st = zip_stat_t()
    zip_stat_init(&st)
    guard zip_stat_index(za, i, 0, &st) == 0, let namePointer = st.name else {
      throw corrupt("damaged zip archive: member \(i + 1) cannot be read: \(String(cString: zip_strerror(za)))")
    }
    let name = String(cString: namePointer)
    func bad(_ m: String) -> DataFileError {
      DataFileError(path: npzMemberDisplay(display, name), kind: .corruptArchive, message: m)
    }
    if !seen.insert(name).inserted { throw corrupt("the archive holds two members of the same name, '\(name)'") }
    if st.valid & zip_uint64_t(ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != zip_uint16_t(ZIP_EM_NONE) {
      throw DataFileError(path: npzMemberDisplay(display, name), kind: .unsupportedType,
                          message: "the member is encrypted; clus reads only unencrypted archives")
    }
    let method = Int32(st.comp_method)
    if method != ZIP_CM_STORE && method != ZIP_CM_DEFLATE {
      throw DataFileError(path: npzMemberDisplay(display, name), kind: .unsupportedType,
                          message: "unsupported zip compression method \(method) (supported: stored and deflate, "
                            + "as numpy's savez and savez_compressed write)")
    }
    if name.hasSuffix("/") { continue }  // a folder entry holds nothing
    guard st.size <= UInt64(Int.max / 2), st.comp_size <= UInt64(raw.count) else {
      throw bad("damaged zip archive: the directory gives sizes beyond the file (\(st.size) bytes, "
        + "\(st.comp_size) compressed, in a file of \(raw.count))")
    }
    let size = Int(st.size), comp = Int(st.comp_size)
    if method == ZIP_CM_STORE && size != comp {
      throw bad("damaged zip archive: a stored member of \(size) bytes takes \(comp) bytes in the archive")
    }
    if method == ZIP_CM_DEFLATE && size > comp.multipliedReportingOverflow(by: maxDeflateRatio).partialValue + 64 {
      throw bad("damaged zip archive: \(comp) compressed bytes cannot inflate to the \(size) bytes the directory gives")
    }
    guard keep(name) else { continue }
    total += Double(size)
    entries.append(Entry(index: i, name: name, size: size))
  }
  if let avail = Memory.available(), total > avail {
    throw DataFileError(path: display, kind: .tooLarge, message:
      "the archive's arrays take \(Memory.texts(needed: total, available: avail).0) uncompressed; this machine has \(Memory.texts(needed: total, available: avail).1) available")
  }

  var out: [(name: String, buffer: ByteBuffer)] = []
  for e in entries {
    func bad(_ m: String) -> DataFileError {
      DataFileError(path: npzMemberDisplay(display, e.name), kind: .corruptArchive, message: m)
    }
    guard let f = zip_fopen_index(za, e.index, 0) else {
      throw bad("cannot read the member: \(String(cString: zip_strerror(za)))")
    }
    defer { zip_fclose(f) }
    // one byte more than the directory says, to notice a member that inflates to more
    let p = malloc(e.size + 2)!.assumingMemoryBound(to: UInt8.self)
    var got = 0
    var failure: DataFileError? = nil
    while got <= e.size {
      let r = zip_fread(f, p + got, zip_uint64_t(e.size + 1 - got))
      if r < 0 {
        failure = bad("damaged data: \(String(cString: zip_file_strerror(f)))")
        break
      }
      if r == 0 { break }
      got += Int(r)
    }
    if failure == nil && got != e.size {
      failure = bad("damaged zip archive: the member inflates to \(got > e.size ? "more than" : "only") "
        + "\(got > e.size ? e.size : got) bytes\(got > e.size ? "" : ", the directory gives \(e.size)")")
    }
    if let fl = failure {
      free(p)
      throw fl
    }
    out.append((e.name, ByteBuffer(taking: p, count: got)))
  }
  return out
}

/// Reads the members of an `.npz` archive (any zip) held in memory, with libzip
/// (`zip_source_buffer_create` + `zip_open_from_source`).
///
/// Stored and deflate members are read, zip64 archives too. Before anything is inflated, the
/// directory is checked: no encrypted member, no other compression method, no two members of the
/// same name, sizes consistent with the file and in all within the memory available.
/// - Parameters:
///   - bytes: the whole archive.
///   - display: the file's name as the user gave it, for errors.
/// - Returns: every member (folder entries excepted) in archive order, names as stored.
/// - Throws: `DataFileError` naming `display` (and `member NAME` when a member is at fault):
///   `.empty`, `.corruptArchive` (not a zip, damaged directory or data, CRC mismatch, a member
///   inflating to another size than the directory gives, duplicate names), `.unsupportedType`
///   (encryption, compression method), `.tooLarge` (more than the memory available).
func readNPZ(bytes: [UInt8], display: String) throws -> [NPZMember] {
  try bytes.withUnsafeBytes { try readNPZBuffers($0, display: display) }
    .map { m in NPZMember(name: m.name, bytes: m.buffer.withBytes { Array($0) }) }
}

/// Reads the members of the `.npz` file at `path` (a leading `~/` is the home directory), as
/// `readNPZ(bytes:display:)`.
/// - Throws: `DataFileError` naming `path`: `.missingFile`, `.unreadable` (a directory, no
///   permission), then as `readNPZ(bytes:display:)`.
func readNPZ(path: String) throws -> [NPZMember] {
  let buf = try readFileBytes(expandTilde(path), display: path)
  return try buf.withBytes { try readNPZBuffers($0, display: path) }
    .map { m in NPZMember(name: m.name, bytes: m.buffer.withBytes { Array($0) }) }
}

/// Loads every `.npy` member of an archive held in `buf` as `load` loads a `.npy` file; other
/// members (a `manifest.json`) are skipped.
/// - Returns: `.arrays` with one entry per array, in archive order, named without `.npy` (the keys
///   of `np.load(path)`).
/// - Throws: as `readNPZ(bytes:display:)`; `.empty` for an archive without `.npy` members; the
///   NPY error of the first member (object arrays refused) with the path `display: member NAME`
///   when no member reads. A member that does not read among others that do is kept as
///   `.unreadable` (its error, raised when it is used) with a warning.
func loadNPZ(_ buf: ByteBuffer, display: String, warn: (String) -> Void = { _ in }, note: (String) -> Void = { _ in }) throws -> LoadedData {
  let members = try buf.withBytes {
    try readNPZBuffers($0, display: display, keep: { $0.hasSuffix(".npy") || $0 == "manifest.json" })
  }
  // a clus model file: its manifest names the format (other manifests are skipped, as np.load skips them)
  if let man = members.first(where: { $0.name == "manifest.json" }),
    man.buffer.withBytes({ $0.firstRange(of: Array(modelFormatName.utf8)) != nil }) {
    return .modelArchive(ModelArchive(members: members.map { m in NPZMember(name: m.name, bytes: m.buffer.withBytes { Array($0) }) }))
  }
  // another manifest is skipped, as np.load skips it, but said: a model file's damaged manifest loaded
  // as a plain archive in silence, and `transform` then refused "an npz record"
  if members.contains(where: { $0.name == "manifest.json" }) {
    warn("\(display): its manifest.json does not name the clus model format (\"\(modelFormatName)\"), so its arrays are read as "
         + "a plain .npz, as np.load reads them; if it is a clus model file, its manifest is damaged")
  }
  // a model file that numpy saved again (np.savez(p, **np.load(model))): np.load gives the manifest
  // as bytes, and savez stores them as the array manifest.json.npy (a 0-d |S array); its text is the
  // manifest, the other members are the model's arrays as before
  if let wrapped = members.first(where: { $0.name == "manifest.json.npy" }),
     let a = try? npyArray(NPZMember(name: wrapped.name, bytes: wrapped.buffer.withBytes { Array($0) }), display: display),
     a.descr.hasPrefix("|S"), a.shape.isEmpty, a.data.firstRange(of: Array(modelFormatName.utf8)) != nil {
    let text = Array(a.data.prefix { $0 != 0 })
    let rest = members.filter { $0.name != wrapped.name }.map { m in NPZMember(name: m.name, bytes: m.buffer.withBytes { Array($0) }) }
    note("\(display): a clus model file saved again by numpy (its manifest.json became an array): read as the model")
    return .modelArchive(ModelArchive(members: [NPZMember(name: "manifest.json", bytes: text)] + rest))
  }
  let arrays = members.filter { $0.name.hasSuffix(".npy") }
  // scipy.sparse.save_npz: one sparse matrix
  if isScipySparse(arrays.map { String($0.name.dropLast(4)) }) {
    return .sparse(try loadScipySparse(arrays.map { m in NPZMember(name: m.name, bytes: m.buffer.withBytes { Array($0) }) },
                                       display: display))
  }
  if arrays.isEmpty {
    throw DataFileError(path: display, kind: .empty, message:
      "the archive holds no .npy arrays (an .npz file is a zip of .npy arrays, as numpy's savez writes)")
  }
  // a member that does not read as an array (an object array, a dtype clus does not read, a
  // damaged header) is kept as its error: the others load, and using it raises the error, as
  // np.load fails on that key alone; said at once, so that nothing is missing in silence
  // (any other error, such as a cancellation, stops the load)
  let loaded: [(name: String, value: LoadedData)] = try arrays.map { m in
    let name = String(m.name.dropLast(4))
    do {
      return (name, try loadNPY(m.buffer, display: npzMemberDisplay(display, m.name), warn: warn, note: note))
    } catch let e as DataFileError {
      return (name, .unreadable(e))
    }
  }
  let failed = loaded.compactMap { m -> (String, DataFileError)? in
    if case .unreadable(let e) = m.value { return (m.name, e) }
    return nil
  }
  if let first = failed.first, failed.count == loaded.count { throw first.1 }
  for (name, e) in failed {
    warn("\(e); the archive's other arrays are loaded, and using '\(name)' gives this error")
  }
  return .arrays(loaded)
}

// MARK: writing

/// Writes `members` as a zip archive at `path` (a leading `~/` is the home directory), with
/// libzip: into a temporary file in the same folder, renamed into place once complete, so that a
/// failure leaves no partial file (and an existing file untouched).
///
/// Members keep their order and names; each is deflated when `compress` (as
/// `np.savez_compressed`), otherwise stored (as `np.savez`). Times are fixed (2000-01-01), so the
/// same members give the same bytes.
/// - Throws: `DataFileError` (.unwritable) naming `path` with the system's reason (missing folder,
///   a directory at `path`, no permission, disk full), or for two members of the same name.
func writeNPZ(_ members: [NPZMember], path: String, compress: Bool) throws {
  let real = expandTilde(path)
  func fail(_ m: String) -> DataFileError { DataFileError(path: path, kind: .unwritable, message: m) }
  if pathKind(real) == .directory { throw fail("cannot write: it is a directory") }
  if let folder = missingFolder(of: real) { throw fail(missingFolderMessage(folder)) }
  var names = Set<String>()
  for m in members where !names.insert(m.name).inserted {
    throw fail("cannot write: two members are named '\(m.name)'")
  }
  // A fresh name next to the target (mkstemp reserves it; libzip replaces it on close).
  let slash = real.lastIndex(of: "/")
  let folder = slash.map { String(real[...$0]) } ?? ""
  var template = Array((folder + "." + lastPathComponent(real) + ".tmp-XXXXXX").utf8CString)
  let fd = mkstemp(&template)
  if fd < 0 {
    let e = errno
    throw fail("cannot write: \(errnoText(e))")
  }
  let tmp = String(cString: template)
  var finished = false
  defer { if !finished { unlink(tmp) } }
  func moveIntoPlace() throws {
    chmod(tmp, 0o644)
    if rename(tmp, real) != 0 {
      let e = errno
      throw fail("cannot write: \(errnoText(e))")
    }
    finished = true
  }
  if members.isEmpty {
    // libzip writes no file for an archive without members; numpy's is the end record alone
    let end: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
    let w = write(fd, end, end.count)
    let e = errno
    if close(fd) != 0 || w != end.count { throw fail("cannot write: \(errnoText(w < 0 ? e : ENOSPC))") }
    try moveIntoPlace()
    return
  }
  close(fd)

  var code: Int32 = 0
  guard let za = zip_open(tmp, ZIP_TRUNCATE, &code) else {
    var e = zip_error_t()
    zip_error_init_with_code(&e, code)
    defer { zip_error_fini(&e) }
    throw fail("cannot write: \(zipErrorText(&e))")
  }
  var open = true
  defer { if open { zip_discard(za) } }
  func zipFailure() -> DataFileError { fail("cannot write: \(String(cString: zip_strerror(za)))") }
  for m in members {
    // libzip reads the data at zip_close: it gets its own copy, which it frees (an empty member has no
    // data: libzip keeps no pointer for it, so a 1-byte copy would leak)
    let copy = m.bytes.isEmpty ? nil : malloc(m.bytes.count)!
    if let c = copy { m.bytes.withUnsafeBytes { b in c.copyMemory(from: b.baseAddress!, byteCount: b.count) } }
    guard let src = zip_source_buffer(za, copy, zip_uint64_t(m.bytes.count), copy == nil ? 0 : 1) else {
      free(copy)
      throw zipFailure()
    }
    let index = zip_file_add(za, m.name, src, zip_flags_t(ZIP_FL_ENC_UTF_8))
    if index < 0 {
      zip_source_free(src)
      throw zipFailure()
    }
    let u = zip_uint64_t(index)
    guard zip_set_file_compression(za, u, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, compress ? 6 : 0) == 0,
          zip_file_set_mtime(za, u, 946_684_800, 0) == 0 else { throw zipFailure() }
  }
  if zip_close(za) != 0 { throw zipFailure() }
  open = false
  try moveIntoPlace()
}
