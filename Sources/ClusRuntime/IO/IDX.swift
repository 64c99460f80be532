/// The parsed header of an IDX file (LeCun's MNIST format).
struct IDXHeader {
  var shape: [Int]
  var type: ElementType
  /// Byte offset of the first value.
  var dataOffset: Int
}

/// IDX type bytes and their element types.
let idxTypes: [(code: UInt8, type: ElementType)] = [
  (0x08, .u8), (0x09, .i8), (0x0B, .i16), (0x0C, .i32), (0x0D, .f32), (0x0E, .f64),
]

/// Parses and validates an IDX header: two zero bytes, the type byte, the number of dimensions,
/// then each dimension as a big-endian uint32; the values follow, big-endian, row-major.
/// - Throws: `DataFileError` for an empty file, a wrong magic, an unsupported type byte, a short
///   header, too little data (truncated) or too much data (dimensions not matching the size).
func parseIDXHeader(_ b: UnsafeRawBufferPointer, display: String) throws -> IDXHeader {
  func err(_ k: DataFileError.Kind, _ m: String) -> DataFileError { DataFileError(path: display, kind: k, message: m) }
  if b.count == 0 { throw err(.empty, "empty file") }
  if b.count < 4 { throw err(.truncated, "truncated IDX header: expected at least 4 bytes, found \(b.count)") }
  if b[0] != 0 || b[1] != 0 {
    throw err(.badHeader, "wrong IDX magic number: the file starts with bytes "
      + "\(hex(b[0])) \(hex(b[1])) \(hex(b[2])) \(hex(b[3])), an IDX file starts with 0x00 0x00, "
      + "a type byte and the number of dimensions")
  }
  guard let type = idxTypes.first(where: { $0.code == b[2] })?.type else {
    throw err(.unsupportedType, "unsupported IDX element type \(hex(b[2])) "
      + "(supported: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)")
  }
  let nd = Int(b[3])
  if nd == 0 { throw err(.badHeader, "the IDX header declares 0 dimensions") }
  let headerSize = 4 + 4 * nd
  if b.count < headerSize {
    throw err(.truncated, "truncated IDX header: \(nd) dimensions need \(headerSize) bytes, found \(b.count)")
  }
  var shape: [Int] = []
  for k in 0..<nd {
    let o = 4 + 4 * k
    shape.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
  }
  guard let n = checkedProduct(shape), case let (bytes, false) = n.multipliedReportingOverflow(by: type.size) else {
    throw err(.sizeMismatch, "the IDX dimensions \(shapeText(shape)) are too large")
  }
  let found = b.count - headerSize
  if found < bytes {
    throw err(.truncated, "truncated data: the IDX dimensions \(shapeText(shape)) of \(type.name) "
      + "need \(bytes) bytes, found \(found)")
  }
  if found > bytes {
    throw err(.sizeMismatch, "the IDX dimensions \(shapeText(shape)) of \(type.name) need \(bytes) bytes "
      + "of data but the file holds \(found) (\(found - bytes) extra)")
  }
  return IDXHeader(shape: shape, type: type, dataOffset: headerSize)
}

func hex(_ v: UInt8) -> String {
  let d = Array("0123456789ABCDEF")
  return "0x" + String(d[Int(v >> 4)]) + String(d[Int(v & 15)])
}

/// Loads an IDX file already read (and decompressed) into `buf`.
func loadIDX(_ buf: ByteBuffer, display: String, warn: (String) -> Void = { _ in }) throws -> LoadedData {
  try buf.withBytes { b in
    let h = try parseIDXHeader(b, display: display)
    // (a float64 vector is kept in float64: makeLoadedData)
    if h.type == .f64 && h.shape.count >= 2 {
      try checkFloat64ForFloat32(b.baseAddress! + h.dataOffset, count: checkedProduct(h.shape) ?? 0,
                                 cols: h.shape.count <= 1 ? 1 : checkedProduct(h.shape.dropFirst()) ?? 1,
                                 bigEndian: true, display: display, warn: warn)
    }
    if h.shape.count >= 2 {
      checkIntegersForFloat32(b.baseAddress! + h.dataOffset, count: checkedProduct(h.shape) ?? 0,
                              cols: checkedProduct(h.shape.dropFirst()) ?? 1, type: h.type, bigEndian: true,
                              display: display, warn: warn)
    }
    return makeLoadedData(shape: h.shape, type: h.type, bigEndian: true, src: b.baseAddress! + h.dataOffset)
  }
}
