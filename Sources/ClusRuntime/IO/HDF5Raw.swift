#if canImport(Glibc)
import Glibc
#endif
import CZlib

// Variable-length strings read by clus itself, not by libhdf5. Every AnnData attribute
// (encoding-type, column-order, _index) and string array (obs names, categories) is a
// variable-length string: on disk each element is a sequence length (4 bytes), the address of a
// global heap collection and an object index in it (4 bytes); the characters are that heap object.
// libhdf5 1.10.8 trusts all three: a damaged length made it allocate 4 GB and copy past the object, a
// missing object made it copy from address 0x10, damaged collections made it overlap a memcpy, free
// foreign memory or loop forever (FuzzH5AD's finds, docs/reliability.md). So clus reads the elements'
// raw bytes (a dataset's storage, found through the library's layout calls; an attribute's data, from
// the object header as the HDF5 file format specification lays it out) and resolves each reference
// against a collection it has parsed and checked itself.
//
// Layouts, from the HDF5 file format specification (version 3.0):
//   global heap collection (version 1): "GCOL", version 1, 3 reserved, collection size (size of
//     lengths); objects: index (2), reference count (2), 4 reserved, size (size of lengths), data
//     padded to 8; index 0 is the free space that ends the collection.
//   object header version 1: version 1, reserved, message count (2), reference count (4), header size
//     (4), 4 bytes of padding, then messages: type (2), size (2), flags (1), 3 reserved, data.
//   object header version 2: "OHDR", version 2, flags, optional times (16) and attribute phase change
//     (4), chunk 0 size (1/2/4/8 bytes), then messages: type (1), size (2), flags (1), optional
//     creation order (2), data; each chunk ends with a 4-byte checksum; continuation chunks start "OCHK".
//   continuation message (0x10): offset (size of offsets), length (size of lengths).
//   attribute message (0x0C), versions 1–3: version, flags, name size, datatype size, dataspace size
//     (2 each), [version 3: name encoding (1)], name, datatype, dataspace (version 1 pads each to 8), data.

/// A read-only mapping of an HDF5 file with the global heap collections parsed so far: where clus reads
/// variable-length strings without libhdf5. Used under `hdf5Lock`, as the rest of the HDF5 layer.
final class HDF5RawFile {
  private let base: UnsafePointer<UInt8>?
  /// The file's size in bytes.
  let size: Int
  /// The superblock's "size of offsets" and "size of lengths" (8 and 8 in every file h5py writes).
  let sizeofAddr: Int, sizeofSize: Int
  /// The base address (the user block's size) that file addresses are relative to.
  let baseAddress: Int
  private let display: String
  /// index → (first data byte, size) of each collection read, by the collection's file offset.
  private var collections: [Int: [Int: (start: Int, size: Int)]] = [:]

  /// Maps `path` read-only. A file that cannot be mapped gives an empty view (every string read then
  /// fails with a clear error).
  init(path: String, display: String, sizeofAddr: Int, sizeofSize: Int, baseAddress: Int) {
    self.display = display
    self.sizeofAddr = sizeofAddr
    self.sizeofSize = sizeofSize
    self.baseAddress = baseAddress
    var mapped: UnsafePointer<UInt8>? = nil
    var length = 0
    let fd = open(path, O_RDONLY)
    if fd >= 0 {
      let n = Int(lseek(fd, 0, SEEK_END))
      if n > 0, let p = mmap(nil, n, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED {
        mapped = UnsafePointer(p.assumingMemoryBound(to: UInt8.self))
        length = n
      }
      close(fd)
    }
    base = mapped
    size = length
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
  }

  /// The bytes of one variable-length element on disk: length, collection address, object index.
  var elementSize: Int { 8 + sizeofAddr }

  func damaged(_ what: String) -> DataFileError {
    DataFileError(path: display, kind: .corruptArchive, message: "damaged HDF5 file: \(what)")
  }

  /// An unsigned little-endian integer of `n` bytes at file offset `at` (the caller checks the range).
  private func uint(_ at: Int, _ n: Int) -> UInt64 {
    var v: UInt64 = 0
    for t in 0..<n { v |= UInt64(base![at + t]) << UInt64(8 * t) }
    return v
  }

  /// Whether `count` bytes from `at` lie inside the file.
  func holds(_ at: Int, _ count: Int) -> Bool { at >= 0 && count >= 0 && at <= size && count <= size - at }

  /// The file offset of a file address, or nil when it is undefined (all ones) or outside the file.
  func offset(ofAddress a: UInt64) -> Int? {
    if sizeofAddr < 8, a >= 1 << UInt64(8 * sizeofAddr) - 1 { return nil }
    guard a != UInt64.max, a < UInt64(Int.max / 2) else { return nil }
    let o = Int(a) + baseAddress
    return o < size ? o : nil
  }

  /// Copies `count` bytes from file offset `at`.
  /// - Throws: `DataFileError` (.corruptArchive) when they run past the end of the file.
  func bytes(_ at: Int, _ count: Int, _ what: String) throws -> [UInt8] {
    guard holds(at, count), let base else { throw damaged("\(what) runs past the end of the file") }
    return Array(UnsafeBufferPointer(start: base + at, count: count))
  }

  // MARK: global heap

  /// The objects of the collection at file offset `at`, parsed and checked once.
  /// - Throws: `DataFileError` (.corruptArchive): no collection there, its size below the format's 4,096
  ///   bytes or past the end of the file, an object (or the free space) past its end, an index twice.
  private func collection(_ at: Int, _ what: String) throws -> [Int: (start: Int, size: Int)] {
    if let c = collections[at] { return c }
    let header = 8 + sizeofSize
    guard holds(at, header), let b = base,
          b[at] == 0x47, b[at + 1] == 0x43, b[at + 2] == 0x4F, b[at + 3] == 0x4C, b[at + 4] == 1 else {
      throw damaged("\(what): a string refers to byte \(at), where no global heap collection is")
    }
    let total = uint(at + 8, sizeofSize)
    guard total >= 4096, total <= UInt64(size - at) else { throw damaged("\(what): the global heap at byte \(at) claims \(total) bytes") }
    let end = at + Int(total)
    let objectHeader = 8 + sizeofSize
    var objects: [Int: (start: Int, size: Int)] = [:]
    var q = at + header
    while q + objectHeader <= end {
      let index = Int(uint(q, 2)), objectSize = uint(q + 8, sizeofSize)
      if index == 0 {
        guard objectSize <= UInt64(end - q) else { throw damaged("\(what): the global heap at byte \(at) has free space beyond its end") }
        break
      }
      guard objectSize <= UInt64(end - q - objectHeader) else { throw damaged("\(what): the global heap at byte \(at) has object \(index) beyond its end") }
      guard objects[index] == nil else { throw damaged("\(what): the global heap at byte \(at) has object \(index) twice") }
      objects[index] = (q + objectHeader, Int(objectSize))
      q += objectHeader + (Int(objectSize) + 7) / 8 * 8
    }
    collections[at] = objects
    return objects
  }

  /// Resolves variable-length string elements (`count` × `elementSize` raw bytes) to strings; each
  /// ends at its first NUL, as libhdf5 gives them.
  /// - Throws: `DataFileError` (.corruptArchive) naming `what`: a reference to a missing collection
  ///   or object, a length beyond its object, more characters in all than the file holds.
  func strings(raw: [UInt8], count: Int, what: String) throws -> [String] {
    precondition(raw.count >= count * elementSize)
    var out: [String] = []
    out.reserveCapacity(count)
    var characters = 0
    try raw.withUnsafeBufferPointer { r in
      func field(_ at: Int, _ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for t in 0..<n { v |= UInt64(r[at + t]) << UInt64(8 * t) }
        return v
      }
      for i in 0..<count {
        let e = i * elementSize
        let length = Int(field(e, 4))
        if length == 0 {
          out.append("")
          continue
        }
        let address = field(e + 4, sizeofAddr), index = Int(field(e + 4 + sizeofAddr, 4))
        guard let at = offset(ofAddress: address) else {
          throw damaged("\(what): string \(i) refers to address \(address), outside the file")
        }
        guard let object = try collection(at, what)[index] else {
          throw damaged("\(what): string \(i) refers to object \(index) of the global heap at byte \(at), which it does not hold")
        }
        guard length <= object.size else {
          throw damaged("\(what): string \(i) claims \(length) bytes, its heap object holds \(object.size)")
        }
        characters += length
        guard characters <= size else { throw damaged("\(what): the strings claim more bytes than the file holds") }
        let chars = UnsafeBufferPointer(start: base! + object.start, count: length)
        let end = chars.firstIndex(of: 0) ?? length
        out.append(String(decoding: UnsafeBufferPointer(rebasing: chars[0..<end]), as: UTF8.self))
      }
    }
    return out
  }

  // MARK: object headers

  /// The raw elements of the attribute `name` in the object header at file address `header`, when it is
  /// a variable-length string attribute stored in the header (compact storage, as every file h5py and
  /// clus write has it): its element count and `count` × `elementSize` bytes. Nil when the header holds
  /// no such message (the attribute is in dense storage, or shared): the caller then asks libhdf5.
  /// - Throws: `DataFileError` (.corruptArchive) when the header or the attribute message is damaged.
  func vlenStringAttribute(header: UInt64, name: String) throws -> (count: Int, raw: [UInt8])? {
    guard let start = offset(ofAddress: header) else { throw damaged("an object header at address \(header) lies outside the file") }
    var found: (count: Int, raw: [UInt8])? = nil
    try forEachMessage(header: start) { type, flags, at, length in
      guard type == 0x0C, flags & 0x02 == 0, found == nil else { return }
      found = try vlenAttributeMessage(at, length, name: name)
    }
    return found
  }

  /// Calls `body(type, flags, data offset, data size)` for every message of the object header at file
  /// offset `start`, following continuation messages (at most 4,096 chunks, none twice).
  private func forEachMessage(header start: Int, _ body: (Int, Int, Int, Int) throws -> Void) throws {
    guard let b = base, holds(start, 16) else { throw damaged("the object header at byte \(start) runs past the end of the file") }
    let v2 = b[start] == 0x4F && b[start + 1] == 0x48 && b[start + 2] == 0x44 && b[start + 3] == 0x52
    var chunks: [(at: Int, length: Int)] = []
    if v2 {
      guard b[start + 4] == 2 else { throw damaged("the object header at byte \(start) has version \(b[start + 4])") }
      let flags = Int(b[start + 5])
      var p = start + 6
      if flags & 0x20 != 0 { p += 16 }
      if flags & 0x10 != 0 { p += 4 }
      let width = 1 << (flags & 3)
      guard holds(p, width) else { throw damaged("the object header at byte \(start) runs past the end of the file") }
      let length = uint(p, width)
      guard length <= UInt64(size) else { throw damaged("the object header at byte \(start) claims \(length) bytes") }
      chunks.append((p + width, Int(length)))
    } else {
      guard b[start] == 1 else { throw damaged("the object header at byte \(start) has version \(b[start])") }
      chunks.append((start + 16, Int(uint(start + 8, 4))))
    }
    var seen = Set<Int>()
    var k = 0
    while k < chunks.count {
      let (at, length) = chunks[k]
      k += 1
      guard chunks.count <= 4096, seen.insert(at).inserted else { throw damaged("the object header at byte \(start) loops") }
      guard holds(at, length) else { throw damaged("the object header at byte \(start) runs past the end of the file") }
      let end = at + length
      let prefix = v2 ? 4 + ((Int(b[start + 5]) & 0x04) != 0 ? 2 : 0) : 8
      var q = at
      while q + prefix <= end {
        let type: Int, size: Int, flags: Int
        if v2 {
          type = Int(b[q]); size = Int(uint(q + 1, 2)); flags = Int(b[q + 3])
        } else {
          type = Int(uint(q, 2)); size = Int(uint(q + 2, 2)); flags = Int(b[q + 4])
        }
        let data = q + prefix
        guard size <= end - data else { throw damaged("the object header at byte \(start) has a message past its end") }
        if type == 0x10 {
          guard size >= sizeofAddr + sizeofSize else { throw damaged("the object header at byte \(start) has a short continuation") }
          guard let next = offset(ofAddress: uint(data, sizeofAddr)) else {
            throw damaged("the object header at byte \(start) continues outside the file")
          }
          let nextLength = uint(data + sizeofAddr, sizeofSize)
          guard nextLength <= UInt64(self.size) else { throw damaged("the object header at byte \(start) continues for \(nextLength) bytes") }
          if v2 {
            // "OCHK", the messages, a 4-byte checksum
            guard nextLength >= 8, holds(next, 4), b[next] == 0x4F, b[next + 1] == 0x43, b[next + 2] == 0x48, b[next + 3] == 0x4B else {
              throw damaged("the object header at byte \(start) continues where no continuation block is")
            }
            chunks.append((next + 4, Int(nextLength) - 8))
          } else {
            chunks.append((next, Int(nextLength)))
          }
        } else {
          try body(type, flags, data, size)
        }
        q = data + size
      }
    }
  }

  /// The elements of an attribute message at `at` (`length` bytes) named `name` whose datatype is a
  /// variable-length string; nil for another name, another type or a shared datatype or dataspace.
  private func vlenAttributeMessage(_ at: Int, _ length: Int, name: String) throws -> (count: Int, raw: [UInt8])? {
    let b = base!
    func bad() -> DataFileError { damaged("the attribute message at byte \(at) is damaged") }
    guard length >= 8 else { throw bad() }
    let version = Int(b[at]), flags = Int(b[at + 1])
    guard (1...3).contains(version) else { throw bad() }
    let nameSize = Int(uint(at + 2, 2)), typeSize = Int(uint(at + 4, 2)), spaceSize = Int(uint(at + 6, 2))
    func padded(_ n: Int) -> Int { version == 1 ? (n + 7) / 8 * 8 : n }
    var p = at + 8 + (version == 3 ? 1 : 0)
    let end = at + length
    guard nameSize >= 1, padded(nameSize) <= end - p else { throw bad() }
    let nameBytes = UnsafeBufferPointer(start: b + p, count: nameSize - 1)
    guard nameBytes.elementsEqual(name.utf8) else { return nil }
    if version >= 2, flags & 0x03 != 0 { return nil }  // a shared (committed) datatype or dataspace
    p += padded(nameSize)
    // datatype: class in the low 4 bits of its first byte; 9 is variable-length, its type 1 a string
    guard typeSize >= 8, padded(typeSize) <= end - p else { throw bad() }
    guard Int(b[p]) & 0x0F == 9, Int(b[p + 1]) & 0x0F == 1 else { return nil }
    p += padded(typeSize)
    guard spaceSize >= 4, padded(spaceSize) <= end - p else { throw bad() }
    let spaceVersion = Int(b[p]), rank = Int(b[p + 1])
    var count = 1
    let dims: Int
    switch spaceVersion {
    case 1: dims = p + 8
    case 2:
      dims = p + 4
      if b[p + 3] == 2 { count = 0 }  // a null dataspace: no elements
    default: throw bad()
    }
    guard rank <= 32, rank * sizeofSize <= spaceSize - (dims - p) else { throw bad() }
    for r in 0..<rank {
      let d = uint(dims + r * sizeofSize, sizeofSize)
      guard d <= UInt64(size) else { throw bad() }
      let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
      guard !overflow else { throw bad() }
      count = c
    }
    p += padded(spaceSize)
    guard count <= (end - p) / elementSize else { throw bad() }
    return (count, try bytes(p, count * elementSize, "an attribute"))
  }

  // MARK: datatypes

  /// Object headers already checked by `checkDatatypes`.
  private var checkedHeaders = Set<Int>()

  /// Checks every datatype in the object header at file address `header` (the object's own, and each
  /// attribute's) before libhdf5 decodes it: libhdf5 1.10.8 trusts a datatype's sizes, and one damaged
  /// byte in an enum's base type made it crash opening the object, one in an integer's size made it
  /// allocate 2.8 GB for a 44 KB file. Each header is checked once.
  /// - Throws: `DataFileError` (.corruptArchive) naming `what`: a header that does not parse, or a
  ///   datatype whose size or bit fields cannot be (an integer or float wider than 16 bytes, bits past
  ///   its size, an enum whose base is not a small integer, a size of 0 or beyond 16 MB).
  func checkDatatypes(header: UInt64, what: String) throws {
    guard let start = offset(ofAddress: header) else { throw damaged("\(what): its object header lies outside the file") }
    if checkedHeaders.contains(start) { return }
    try forEachMessage(header: start) { type, flags, at, length in
      if flags & 0x02 != 0 { return }  // a shared message: a reference, not the datatype itself
      switch type {
      case 0x03:
        try checkDatatype(at, at + length, what: what, depth: 0)
      case 0x0C:
        // an attribute: version, flags, name size, datatype size, dataspace size, [encoding], name, datatype
        guard length >= 8 else { throw damaged("\(what): an attribute message is damaged") }
        let version = Int(base![at]), aflags = Int(base![at + 1])
        guard (1...3).contains(version) else { throw damaged("\(what): an attribute message has version \(version)") }
        if version >= 2, aflags & 0x01 != 0 { return }  // its datatype is shared (committed)
        let nameSize = Int(uint(at + 2, 2)), typeSize = Int(uint(at + 4, 2))
        let p = at + 8 + (version == 3 ? 1 : 0) + (version == 1 ? (nameSize + 7) / 8 * 8 : nameSize)
        guard typeSize >= 8, p <= at + length, typeSize <= at + length - p else { throw damaged("\(what): an attribute message is damaged") }
        try checkDatatype(p, p + typeSize, what: what, depth: 0)
        if version >= 2, aflags & 0x02 != 0 { return }  // its dataspace is shared
        try checkAttributeSpace(message: at, space: p + (version == 1 ? (typeSize + 7) / 8 * 8 : typeSize),
                                end: at + length, elementSize: Int(uint(p + 4, 4)), version: version, what: what)
      default:
        break
      }
    }
    checkedHeaders.insert(start)
  }

  /// Checks the dataspace of the attribute message at `message` (version `version`, ending at `end`),
  /// which starts at `space` after its datatype, and that the attribute's data (elements of
  /// `elementSize` bytes) fit the message: libhdf5 1.10.8 trusts the dataspace's size field and
  /// dimensions, and one damaged byte there made it read past the header and crash in `H5Aexists`
  /// (found by the fresh-user pass).
  private func checkAttributeSpace(message: Int, space: Int, end: Int, elementSize: Int, version: Int, what: String) throws {
    func bad(_ why: String) -> DataFileError { damaged("\(what): an attribute's dataspace is damaged (\(why))") }
    let spaceSize = Int(uint(message + 6, 2))
    let spaceBytes = version == 1 ? (spaceSize + 7) / 8 * 8 : spaceSize
    guard spaceSize >= 4, space <= end, spaceBytes <= end - space, holds(space, spaceBytes) else {
      throw bad("it claims \(spaceSize) bytes of a \(end - message)-byte message")
    }
    let b = base!
    let spaceVersion = Int(b[space]), rank = Int(b[space + 1])
    let header: Int
    var count = 1
    switch spaceVersion {
    case 1: header = 8
    case 2: header = 4; if b[space + 3] == 2 { count = 0 }
    default: throw bad("version \(spaceVersion)")
    }
    guard rank <= 32, spaceSize >= header, rank * sizeofSize <= spaceSize - header else { throw bad("rank \(rank)") }
    for r in 0..<rank {
      let d = uint(space + header + r * sizeofSize, sizeofSize)
      guard d <= UInt64(size) else { throw bad("a dimension of \(d)") }
      let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
      guard !overflow else { throw bad("its dimensions overflow") }
      count = c
    }
    let data = space + spaceBytes
    guard count <= (end - data) / max(1, elementSize) else { throw bad("\(count) elements of \(elementSize) bytes in \(end - data)") }
  }

  /// Checks the datatype encoded from `at` (at most to `end`); enum, variable-length and array types
  /// check their base type too.
  private func checkDatatype(_ at: Int, _ end: Int, what: String, depth: Int) throws {
    func bad(_ why: String) -> DataFileError { damaged("\(what): its datatype is damaged (\(why))") }
    guard depth < 8 else { throw bad("nested too deeply") }
    guard at + 8 <= end, holds(at, 8) else { throw bad("cut short") }
    let b = base!
    let cls = Int(b[at]) & 0x0F, version = Int(b[at]) >> 4
    guard (1...4).contains(version) else { throw bad("version \(version)") }
    let size = Int(uint(at + 4, 4))
    guard size >= 1, size <= 1 << 24 else { throw bad("class \(cls), \(size) bytes") }
    func bits(_ p: Int) throws -> (offset: Int, precision: Int) {
      guard p + 4 <= end else { throw bad("cut short") }
      return (Int(uint(p, 2)), Int(uint(p + 2, 2)))
    }
    switch cls {
    case 0, 4:  // fixed-point, bitfield
      guard size <= 16 else { throw bad("an integer of \(size) bytes") }
      let (o, pr) = try bits(at + 8)
      guard pr >= 1, o + pr <= 8 * size else { throw bad("\(pr) bits from bit \(o) in \(size) bytes") }
    case 1:  // floating-point
      guard size <= 16 else { throw bad("a float of \(size) bytes") }
      let (o, pr) = try bits(at + 8)
      guard pr >= 1, o + pr <= 8 * size, at + 16 <= end else { throw bad("\(pr) bits from bit \(o) in \(size) bytes") }
      let expLoc = Int(b[at + 12]), expSize = Int(b[at + 13]), manLoc = Int(b[at + 14]), manSize = Int(b[at + 15])
      guard expSize >= 1, expLoc + expSize <= 8 * size, manLoc + manSize <= 8 * size else { throw bad("exponent or mantissa past \(size) bytes") }
    case 2, 7:  // time, reference
      guard size <= 64 else { throw bad("class \(cls), \(size) bytes") }
    case 8:  // enumeration: the base integer type follows
      guard size <= 16 else { throw bad("an enumeration of \(size) bytes") }
      try checkDatatype(at + 8, end, what: what, depth: depth + 1)
      guard Int(b[at + 8]) & 0x0F == 0, Int(uint(at + 12, 4)) == size else { throw bad("an enumeration whose base is not a \(size)-byte integer") }
    case 9, 10:  // variable-length (its base follows), array (dimensions, then its base: checked by size only)
      if cls == 9 { try checkDatatype(at + 8, end, what: what, depth: depth + 1) }
    default:  // string, opaque, compound: the size bound above
      break
    }
  }

  // MARK: chunks

  /// Undoes a chunk's filters (in reverse order, those not masked): deflate, shuffle, Fletcher-32.
  /// - Throws: `DataFileError`: another filter (.unsupportedType), a chunk that does not inflate to
  ///   `expected` bytes (.corruptArchive).
  func unfilter(_ chunk: [UInt8], filters: [Int], mask: UInt32, elementSize: Int, expected: Int, what: String) throws -> [UInt8] {
    var data = chunk
    for (i, filter) in filters.enumerated().reversed() where mask & (1 << UInt32(i)) == 0 {
      switch filter {
      case 1:  // deflate (zlib's format, as H5Z_filter_deflate writes it)
        var out = [UInt8](repeating: 0, count: expected)
        var outLength = uLongf(expected)
        let rc = out.withUnsafeMutableBufferPointer { o in
          data.withUnsafeBufferPointer { d in uncompress(o.baseAddress, &outLength, d.baseAddress, uLong(d.count)) }
        }
        guard rc == Z_OK, Int(outLength) == expected else { throw damaged("\(what): a compressed chunk does not inflate to its size") }
        data = out
      case 2:  // shuffle: byte k of every element stored together
        guard elementSize > 1, data.count % elementSize == 0 else { break }
        let n = data.count / elementSize
        var out = [UInt8](repeating: 0, count: data.count)
        for k in 0..<elementSize {
          for e in 0..<n { out[e * elementSize + k] = data[k * n + e] }
        }
        data = out
      case 3:  // Fletcher-32: a 4-byte checksum after the data
        guard data.count >= 4 else { throw damaged("\(what): a chunk is shorter than its checksum") }
        data.removeLast(4)
      default:
        throw DataFileError(path: display, kind: .unsupportedType,
                            message: "\(what): its strings are stored with HDF5 filter \(hdf5FilterName(filter)), which clus does not read (deflate, shuffle and fletcher32 are read)")
      }
    }
    return data
  }
}

/// An HDF5 filter's id with its name for the common ones clus does not read (LZF, which anndata writes with
/// compression="lzf", and the Blosc and Zstandard plugins), for messages.
func hdf5FilterName(_ id: Int) -> String {
  switch id {
  case 32000: return "LZF (32000)"
  case 32001: return "Blosc (32001)"
  case 32015: return "Zstandard (32015)"
  default: return "\(id)"
  }
}
