import ClusAlgorithms
#if canImport(Glibc)
import Glibc
#endif

/// A value of the Python literal that forms an NPY header.
private indirect enum PyLiteral {
  case string(String)
  case int(Int)
  case bool(Bool)
  case none
  case tuple([PyLiteral])
  case dict([(String, PyLiteral)])
}

/// A small parser of the Python literal dictionary in an NPY header, for example
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
private struct PyLiteralParser {
  let s: [UInt8]
  var i = 0

  init(_ bytes: [UInt8]) { s = bytes }

  struct Failure: Error { let message: String }

  mutating func skipSpace() {
    while i < s.count && (s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0A || s[i] == 0x0D) { i += 1 }
  }

  mutating func expect(_ c: UInt8) throws {
    skipSpace()
    guard i < s.count, s[i] == c else {
      throw Failure(message: "expected '\(Character(Unicode.Scalar(c)))' at offset \(i)")
    }
    i += 1
  }

  mutating func peek() -> UInt8? {
    skipSpace()
    return i < s.count ? s[i] : nil
  }

  /// Items separated by commas (a trailing comma allowed) until `close`.
  mutating func sequence(until close: UInt8, _ item: (inout PyLiteralParser) throws -> Void) throws -> Int {
    var n = 0
    while true {
      if peek() == close { i += 1; return n }
      try item(&self)
      n += 1
      let c = peek()
      if c == 0x2C { i += 1; continue }  // ,
      if c == close { i += 1; return n }
      throw Failure(message: "expected ',' or '\(Character(Unicode.Scalar(close)))' at offset \(i)")
    }
  }

  mutating func value() throws -> PyLiteral {
    guard let c = peek() else { throw Failure(message: "unexpected end of header") }
    switch c {
    case 0x7B:  // {
      i += 1
      var items: [(String, PyLiteral)] = []
      _ = try sequence(until: 0x7D) { p in
        guard case .string(let k) = try p.value() else { throw Failure(message: "dictionary key is not a string") }
        try p.expect(0x3A)  // :
        items.append((k, try p.value()))
      }
      return .dict(items)
    case 0x28, 0x5B:  // ( [
      i += 1
      var items: [PyLiteral] = []
      _ = try sequence(until: c == 0x28 ? 0x29 : 0x5D) { p in items.append(try p.value()) }
      return .tuple(items)
    case 0x27, 0x22:  // ' "
      i += 1
      let start = i
      while i < s.count && s[i] != c { i += 1 }
      guard i < s.count else { throw Failure(message: "unterminated string") }
      let str = String(decoding: s[start..<i], as: UTF8.self)
      i += 1
      return .string(str)
    case 0x30...0x39, 0x2D:  // digit or -
      let start = i
      i += 1
      while i < s.count && (0x30...0x39).contains(s[i]) { i += 1 }
      let text = String(decoding: s[start..<i], as: UTF8.self)
      if i < s.count && (s[i] == 0x4C || s[i] == 0x6C) { i += 1 }  // Python 2 long suffix
      guard let v = Int(text) else { throw Failure(message: "bad number '\(text)'") }
      return .int(v)
    default:
      let start = i
      while i < s.count && ((0x41...0x5A).contains(s[i]) || (0x61...0x7A).contains(s[i])) { i += 1 }
      switch String(decoding: s[start..<i], as: UTF8.self) {
      case "True": return .bool(true)
      case "False": return .bool(false)
      case "None": return .none
      default: throw Failure(message: "unexpected text at offset \(start)")
      }
    }
  }
}

/// The parsed header of an NPY file.
struct NPYHeader {
  var shape: [Int]
  var type: ElementType
  var bigEndian: Bool
  var dataOffset: Int
  /// Whether the data is in Fortran (column-major) order.
  var fortran = false
  /// For a string array: UTF-32 (`<U…`) or bytes (`|S…`), and the characters per element.
  var text: (unicode: Bool, length: Int)? = nil
  /// Bytes per element.
  var itemSize: Int { text.map { $0.length * ($0.unicode ? 4 : 1) } ?? type.size }
}

/// A NumPy string dtype: `<U5` (UTF-32, 5 characters; `>U5` big-endian) or `|S5` / `|a5`
/// (5 bytes); the byte order and the characters per element, or nil for any other dtype.
func npyStringType(_ descr: String) -> (unicode: Bool, bigEndian: Bool, length: Int)? {
  var d = Substring(descr)
  var big = false
  if let f = d.first, "<>|=".contains(f) { big = f == ">"; d = d.dropFirst() }
  guard let k = d.first, "USa".contains(k), let n = Int(d.dropFirst()), n >= 0 else { return nil }
  return (k == "U", big, n)
}

/// Maps an NPY `descr` string (`'<f4'`, `'|u1'`, `'|b1'`, ...) to an element type and byte order.
/// Returns nil for types that are not plain numbers or booleans.
func npyElementType(_ descr: String) -> (ElementType, Bool)? {
  var d = Substring(descr)
  var big = false
  if let f = d.first, "<>|=".contains(f) {
    big = f == ">"
    d = d.dropFirst()
  }
  switch d {
  case "b1", "?": return (.bool, big)
  case "u1", "B": return (.u8, big)
  case "i1", "b": return (.i8, big)
  case "u2": return (.u16, big)
  case "i2": return (.i16, big)
  case "u4": return (.u32, big)
  case "i4": return (.i32, big)
  case "u8": return (.u64, big)
  case "i8": return (.i64, big)
  case "f2", "e": return (.f16, big)
  case "f4": return (.f32, big)
  case "f8": return (.f64, big)
  default: return nil
  }
}

/// Parses and validates an NPY header (format versions 1.0, 2.0 and 3.0): the magic `\x93NUMPY`,
/// the version bytes, the header length (uint16 for 1.0, uint32 otherwise, little-endian), then the
/// Python dictionary with `descr`, `fortran_order` and `shape`; the data follows in C or Fortran order.
/// - Throws: `DataFileError` for an empty file, a bad magic, an unreadable header, an unsupported
///   dtype (object arrays, which are pickles, are refused), or data that is shorter or longer than
///   the shape.
func parseNPYHeader(_ b: UnsafeRawBufferPointer, display: String) throws -> NPYHeader {
  func err(_ k: DataFileError.Kind, _ m: String) -> DataFileError { DataFileError(path: display, kind: k, message: m) }
  if b.count == 0 { throw err(.empty, "empty file") }
  let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
  if b.count < 6 || !zip(magic, b.prefix(6)).allSatisfy({ $0 == $1 }) {
    throw err(.badHeader, "bad NPY magic: an NPY file starts with the bytes \\x93NUMPY")
  }
  if b.count < 10 { throw err(.truncated, "truncated NPY header: found only \(b.count) bytes") }
  let major = b[6]
  let lengthStart = 8
  let headerStart: Int
  let headerLength: Int
  switch major {
  case 1:
    headerStart = 10
    headerLength = Int(b[8]) | Int(b[9]) << 8
  case 2, 3:
    if b.count < 12 { throw err(.truncated, "truncated NPY header: found only \(b.count) bytes") }
    headerStart = 12
    headerLength = (0..<4).reduce(0) { $0 | Int(b[lengthStart + $1]) << (8 * $1) }
  default:
    throw err(.badHeader, "bad NPY header: unsupported format version \(major).\(b[7]) (supported: 1.0, 2.0, 3.0)")
  }
  let dataOffset = headerStart + headerLength
  if dataOffset > b.count {
    throw err(.truncated, "truncated NPY header: it declares \(headerLength) bytes but the file ends "
      + "after \(b.count - headerStart)")
  }
  var parser = PyLiteralParser(Array(b[headerStart..<dataOffset]))
  let literal: PyLiteral
  do { literal = try parser.value() } catch let f as PyLiteralParser.Failure {
    throw err(.badHeader, "bad NPY header: \(f.message)")
  }
  guard case .dict(let items) = literal else { throw err(.badHeader, "bad NPY header: not a dictionary") }
  func item(_ key: String) throws -> PyLiteral {
    guard let v = items.first(where: { $0.0 == key })?.1 else {
      throw err(.badHeader, "bad NPY header: the key '\(key)' is missing")
    }
    return v
  }
  guard case .string(let descr) = try item("descr") else {
    throw err(.unsupportedType, "unsupported NPY dtype: structured arrays (record dtypes) are not supported")
  }
  if descr.hasSuffix("O") && descr.count <= 2 {
    throw err(.unsupportedType, "the array holds Python objects (dtype=object), stored as a pickle, which clus "
      + "does not read (unpickling can run code); save it with a numeric or string dtype, e.g. "
      + "np.save(path, a.astype(float)) or a.astype(str)")
  }
  let stringType = npyStringType(descr)
  // a string element of more than 2^31 − 1 bytes (numpy's own limit on an item's size): refused
  // here, before its size is multiplied by anything (a damaged '<U4611686018427387904' overflowed)
  if let t = stringType, t.length > Int(Int32.max) / (t.unicode ? 4 : 1) {
    throw err(.sizeMismatch, "bad NPY dtype '\(descr)': elements of \(t.length) \(t.unicode ? "characters" : "bytes") "
              + "(\(t.unicode ? "4 bytes a character, " : "")at most 2,147,483,647 bytes an element)")
  }
  guard let (type, big) = npyElementType(descr) ?? stringType.map({ (ElementType.u8, $0.bigEndian) }) else {
    throw err(.unsupportedType, "unsupported NPY dtype '\(descr)' (supported: bool '|b1', uint8 '|u1', "
      + "int8 '|i1', int16 '<i2', int32 '<i4', int64 '<i8', uint16/32/64, float16 '<f2', float32 '<f4', "
      + "float64 '<f8', strings '<U…' and '|S…')")
  }
  guard case .bool(let fortran) = try item("fortran_order") else {
    throw err(.badHeader, "bad NPY header: 'fortran_order' is not True or False")
  }
  guard case .tuple(let dims) = try item("shape") else {
    throw err(.badHeader, "bad NPY header: 'shape' is not a tuple")
  }
  var shape: [Int] = []
  for d in dims {
    guard case .int(let v) = d, v >= 0 else { throw err(.badHeader, "bad NPY shape: the dimensions must be non-negative integers") }
    shape.append(v)
  }
  // rows and columns are counted in Int32 in places (neighbour tables, trees), and an empty array
  // with one huge dimension would still be indexed by it: every dimension, and the product of those
  // after the first (the matrix's columns), at most 2^31 − 1
  let limit = Int(Int32.max)
  let columns = shape.count >= 2 ? checkedProduct(shape.dropFirst()) : 1  // nil: the product overflows
  if shape.contains(where: { $0 > limit }) || (columns ?? Int.max) > limit {
    throw err(.sizeMismatch, "bad NPY shape: \(shapeText(shape)): clus holds at most 2,147,483,647 (2^31 − 1) rows, "
              + "and as many columns (the dimensions after the first multiplied)")
  }
  var header = NPYHeader(shape: shape, type: type, bigEndian: big, dataOffset: dataOffset, fortran: fortran && shape.count >= 2,
                         text: stringType.map { ($0.unicode, $0.length) })
  if header.text != nil && shape.count > 1 {
    throw err(.unsupportedType, "a string array must have one dimension (labels), found \(shapeText(shape))")
  }
  guard let n = checkedProduct(shape), case let (bytes, false) = n.multipliedReportingOverflow(by: header.itemSize) else {
    throw err(.sizeMismatch, "bad NPY shape: the dimensions \(shapeText(shape)) are too large")
  }
  let found = b.count - dataOffset
  if found < bytes {
    throw err(.truncated, "truncated data: the NPY shape \(shapeText(shape)) of \(header.typeName) needs \(bytes) "
      + "bytes, found \(found)")
  }
  if found > bytes {
    throw err(.sizeMismatch, "the NPY shape \(shapeText(shape)) of \(header.typeName) needs \(bytes) bytes of data "
      + "but the file holds \(found) (\(found - bytes) extra)")
  }
  header.dataOffset = dataOffset
  return header
}

extension NPYHeader {
  /// NumPy's name of the element type (`float32`, `<U5`, `|S3`).
  var typeName: String { text.map { $0.unicode ? "<U\($0.length)" : "|S\($0.length)" } ?? type.name }
}

/// The elements of an N-D array stored in Fortran order (first index fastest) rearranged into C
/// order (last index fastest), `size` bytes each: what `numpy.ascontiguousarray` does.
func fortranToC(_ src: UnsafeRawPointer, shape: [Int], size: Int) -> ByteBuffer {
  let total = checkedProduct(shape) ?? 0
  let out = ByteBuffer(taking: malloc(total * size + 1)!.assumingMemoryBound(to: UInt8.self), count: total * size)
  let nd = shape.count
  var stride = [Int](repeating: size, count: nd)  // Fortran strides in bytes
  for k in stride.indices.dropFirst() { stride[k] = stride[k - 1] * shape[k - 1] }
  var index = [Int](repeating: 0, count: nd)
  var offset = 0
  let dst = UnsafeMutableRawPointer(out.base)
  for o in 0..<total {
    (dst + o * size).copyMemory(from: src + offset, byteCount: size)
    var k = nd - 1
    while k >= 0 {  // next C-order index: the last dimension moves first
      index[k] += 1
      offset += stride[k]
      if index[k] < shape[k] { break }
      offset -= stride[k] * shape[k]
      index[k] = 0
      k -= 1
    }
  }
  return out
}

/// The strings of a 1-D NumPy string array (trailing NULs dropped) as sorted categories and codes.
func npyStrings(_ src: UnsafeRawPointer, count: Int, unicode: Bool, length: Int, bigEndian: Bool) -> TextColumn {
  var codes = [Int](repeating: 0, count: count)
  var first: [ExactText: Int] = [:]
  var byCode: [String] = []
  for i in 0..<count {
    var s = ""
    if unicode {
      for c in 0..<length {
        let r = src.loadUnaligned(fromByteOffset: (i * length + c) * 4, as: UInt32.self)
        let v = bigEndian ? UInt32(bigEndian: r) : UInt32(littleEndian: r)
        if v == 0 { break }
        s.unicodeScalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
      }
    } else {
      let b = src.assumingMemoryBound(to: UInt8.self) + i * length
      var n = length
      while n > 0 && b[n - 1] == 0 { n -= 1 }
      s = String(decoding: UnsafeBufferPointer(start: b, count: n), as: UTF8.self)
    }
    if let c = first[ExactText(s)] { codes[i] = c } else { codes[i] = byCode.count; first[ExactText(s)] = byCode.count; byCode.append(s) }
  }
  return TextColumn(appearanceCodes: codes, firstSeen: byCode)
}

/// Loads an NPY file already read (and decompressed) into `buf`.
func loadNPY(_ buf: ByteBuffer, display: String, warn: (String) -> Void = { _ in }, note: (String) -> Void = { _ in }) throws -> LoadedData {
  let h = try buf.withBytes { try parseNPYHeader($0, display: display) }
  noteFlattened(h.shape, display: display, note: note)
  if let t = h.text {
    return buf.withBytes { b in
      .textVector(npyStrings(b.baseAddress! + h.dataOffset, count: checkedProduct(h.shape) ?? 0, unicode: t.unicode,
                             length: t.length, bigEndian: h.bigEndian))
    }
  }
  if h.fortran {
    // rearranged into C order, then read as any C-order array
    let c = buf.withBytes { fortranToC($0.baseAddress! + h.dataOffset, shape: h.shape, size: h.itemSize) }
    var ch = h
    ch.fortran = false
    ch.dataOffset = 0
    return try loadNPYData(c, ch, display: display, warn: warn)
  }
  return try loadNPYData(buf, h, display: display, warn: warn)
}

/// Loads the `.npy` file at `path` by mapping it when its values can be used in place: float32 in the
/// host's (little-endian) byte order, C order, two or more dimensions (an `n × (product of the
/// others)` matrix), some values, and the data at a multiple of 4 bytes in the file. The matrix's
/// `FloatStorage` then reads the mapping, which costs no private memory; a write copies it.
///
/// The header is the one `loadNPY` parses, from the same bytes, so every refusal (a truncated file,
/// extra bytes, a bad header) is the same error; float32 data gets no further check on the copy
/// path either (NaN and infinity are kept, the algorithms refuse them), so the values are the same,
/// bit for bit.
/// - Returns: nil for any other file (empty, gzip-compressed, another dtype or order, a vector, a
///   misaligned offset, not a regular file, or not mappable): `load` then reads and converts it.
/// - Throws: `DataFileError` as `loadNPY` for the file's bytes.
func loadMappedNPY(_ path: String, display: String, note: (String) -> Void = { _ in }) throws -> LoadedData? {
  #if _endian(little)
  guard let map = try mapFile(path, display: display) else { return nil }
  var adopted = false
  defer { if !adopted { map.unmap() } }
  let b = map.bytes
  if b.count >= 2 && b[0] == 0x1F && b[1] == 0x8B { return nil }  // gzip: inflated on the copy path
  let h = try parseNPYHeader(b, display: display)
  guard h.text == nil, h.type == .f32, !h.bigEndian, !h.fortran, h.shape.count >= 2,
        h.dataOffset % MemoryLayout<Float>.alignment == 0,
        let total = checkedProduct(h.shape), total > 0 else { return nil }
  // parseNPYHeader checked that the file holds exactly dataOffset + 4 × total bytes
  noteFlattened(h.shape, display: display, note: note)
  let storage = FloatStorage(unsafeAdoptingMapping: map.start, length: map.length, offset: h.dataOffset, count: total)
  adopted = true
  return .matrix(Matrix(rows: h.shape[0], cols: checkedProduct(h.shape.dropFirst()) ?? 0, storage: storage))
  #else
  return nil
  #endif
}

/// Tells `note` that an array of three or more dimensions becomes an n × (product of the others)
/// matrix, each row's axes flattened in C order (numpy's `x.reshape(len(x), -1)`, what a user of
/// 28 × 28 images wants), so that the shape the user sees is never a surprise.
private func noteFlattened(_ shape: [Int], display: String, note: (String) -> Void) {
  guard shape.count >= 3, let cols = checkedProduct(shape.dropFirst()) else { return }
  note("\(display): a \(shapeText(shape)) array, loaded as a \(shape[0]) × \(cols) matrix "
       + "(each row's other axes flattened in C order, as numpy's x.reshape(len(x), -1))")
}

/// Reads the C-order data of `buf` that `h` describes (float64 and wide integers checked for float32).
private func loadNPYData(_ buf: ByteBuffer, _ h: NPYHeader, display: String, warn: (String) -> Void) throws -> LoadedData {
  try buf.withBytes { b in
    // (a float64 vector is kept in float64: makeLoadedData)
    if h.type == .f64 && h.shape.count >= 2 {
      try checkFloat64ForFloat32(b.baseAddress! + h.dataOffset, count: checkedProduct(h.shape) ?? 0,
                                 cols: h.shape.count <= 1 ? 1 : checkedProduct(h.shape.dropFirst()) ?? 1,
                                 bigEndian: h.bigEndian, display: display, warn: warn)
    }
    if h.shape.count >= 2 {
      checkIntegersForFloat32(b.baseAddress! + h.dataOffset, count: checkedProduct(h.shape) ?? 0,
                              cols: checkedProduct(h.shape.dropFirst()) ?? 1, type: h.type, bigEndian: h.bigEndian,
                              display: display, warn: warn)
    }
    if h.shape.count <= 1 && h.type == .u64 {
      // a uint64 vector beyond int64 becomes a float32 vector (makeLoadedData): say what it rounds
      let src = b.baseAddress! + h.dataOffset, total = checkedProduct(h.shape) ?? 0
      let big = (0..<total).compactMap { i -> (Int, UInt64)? in
        let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
        let v = h.bigEndian ? UInt64(bigEndian: r) : UInt64(littleEndian: r)
        return v > UInt64(Int.max) ? (i, v) : nil
      }
      if let (i, v) = big.first {
        warn("\(display): \(big.count) uint64 value\(big.count == 1 ? "" : "s") beyond int64's range (2^63 − 1), in which clus keeps "
          + "integers: the vector is read as float32, which rounds them (\(v) at position \(i) is kept as \(Float(v)))")
      }
    }
    return makeLoadedData(shape: h.shape, type: h.type, bigEndian: h.bigEndian, src: b.baseAddress! + h.dataOffset)
  }
}

/// The bytes of an NPY version 1.0 header (version 2.0 when the dictionary exceeds 65,535 bytes)
/// for a C-order array, padded with spaces and a newline so the data starts at a multiple of 64.
func npyHeaderBytes(descr: String, shape: [Int]) -> [UInt8] {
  let shapeStr = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  let dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeStr), }".utf8)
  var version: UInt8 = 1
  var prefix = 10
  if dict.count + 1 + prefix > 65535 {
    version = 2
    prefix = 12
  }
  var total = prefix + dict.count + 1
  total = (total + 63) / 64 * 64
  let hlen = total - prefix
  var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
  if version == 1 {
    out += [UInt8(hlen & 0xFF), UInt8(hlen >> 8)]
  } else {
    out += (0..<4).map { UInt8((hlen >> (8 * $0)) & 0xFF) }
  }
  out += dict
  out += [UInt8](repeating: 0x20, count: hlen - dict.count - 1)
  out.append(0x0A)
  return out
}
