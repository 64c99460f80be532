import ClusAlgorithms

/// A stored element type of a binary array file (IDX or NPY).
enum ElementType: Equatable {
  case bool, u8, i8, u16, i16, u32, i32, u64, i64, f16, f32, f64

  /// Bytes per element.
  var size: Int {
    switch self {
    case .bool, .u8, .i8: return 1
    case .u16, .i16, .f16: return 2
    case .u32, .i32, .f32: return 4
    case .u64, .i64, .f64: return 8
    }
  }

  var isInteger: Bool {
    switch self {
    case .u8, .i8, .u16, .i16, .u32, .i32, .u64, .i64: return true
    default: return false
    }
  }

  /// NumPy's name of the type.
  var name: String {
    switch self {
    case .bool: return "bool"
    case .u8: return "uint8"
    case .i8: return "int8"
    case .u16: return "uint16"
    case .i16: return "int16"
    case .u32: return "uint32"
    case .i32: return "int32"
    case .u64: return "uint64"
    case .i64: return "int64"
    case .f16: return "float16"
    case .f32: return "float32"
    case .f64: return "float64"
    }
  }
}

/// Converts `count` elements of `type` at `src` (any alignment) to Float32 into `dst`.
func convertToFloat(_ src: UnsafeRawPointer, count: Int, type: ElementType, bigEndian big: Bool,
                    into dst: UnsafeMutablePointer<Float>) {
  switch type {
  case .bool:
    let s = src.assumingMemoryBound(to: UInt8.self)
    for i in 0..<count { dst[i] = s[i] != 0 ? 1 : 0 }
  case .u8:
    let s = src.assumingMemoryBound(to: UInt8.self)
    for i in 0..<count { dst[i] = Float(s[i]) }
  case .i8:
    let s = src.assumingMemoryBound(to: Int8.self)
    for i in 0..<count { dst[i] = Float(s[i]) }
  case .u16:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
      dst[i] = Float(big ? UInt16(bigEndian: r) : UInt16(littleEndian: r))
    }
  case .i16:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
      dst[i] = Float(Int16(bitPattern: big ? UInt16(bigEndian: r) : UInt16(littleEndian: r)))
    }
  case .u32:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
      dst[i] = Float(big ? UInt32(bigEndian: r) : UInt32(littleEndian: r))
    }
  case .i32:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
      dst[i] = Float(Int32(bitPattern: big ? UInt32(bigEndian: r) : UInt32(littleEndian: r)))
    }
  case .u64:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
      dst[i] = Float(big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    }
  case .i64:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
      dst[i] = Float(Int64(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r)))
    }
  case .f16:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
      dst[i] = float(half: big ? UInt16(bigEndian: r) : UInt16(littleEndian: r))
    }
  case .f32:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
      dst[i] = Float(bitPattern: big ? UInt32(bigEndian: r) : UInt32(littleEndian: r))
    }
  case .f64:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
      dst[i] = Float(Double(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r)))
    }
  }
}

/// Converts `count` integer (or bool) elements at `src` to `Int` into `dst`. uint64 values above
/// `Int.max` would wrap: `makeLoadedData` sends such arrays to the float path instead.
func convertToInt(_ src: UnsafeRawPointer, count: Int, type: ElementType, bigEndian big: Bool,
                  into dst: UnsafeMutablePointer<Int>) {
  switch type {
  case .bool, .u8:
    let s = src.assumingMemoryBound(to: UInt8.self)
    for i in 0..<count { dst[i] = type == .bool ? (s[i] != 0 ? 1 : 0) : Int(s[i]) }
  case .i8:
    let s = src.assumingMemoryBound(to: Int8.self)
    for i in 0..<count { dst[i] = Int(s[i]) }
  case .u16:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
      dst[i] = Int(big ? UInt16(bigEndian: r) : UInt16(littleEndian: r))
    }
  case .i16:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
      dst[i] = Int(Int16(bitPattern: big ? UInt16(bigEndian: r) : UInt16(littleEndian: r)))
    }
  case .u32:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
      dst[i] = Int(big ? UInt32(bigEndian: r) : UInt32(littleEndian: r))
    }
  case .i32:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
      dst[i] = Int(Int32(bitPattern: big ? UInt32(bigEndian: r) : UInt32(littleEndian: r)))
    }
  case .u64, .i64:
    for i in 0..<count {
      let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
      dst[i] = Int(truncatingIfNeeded: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    }
  case .f16, .f32, .f64:
    // Not used for float types; truncate toward zero, clamping to the Int range.
    var tmp = [Float](repeating: 0, count: count)
    tmp.withUnsafeMutableBufferPointer { convertToFloat(src, count: count, type: type, bigEndian: big, into: $0.baseAddress!) }
    for i in 0..<count {
      let v = tmp[i]
      dst[i] = v.isNaN ? 0 : (v >= 9.2e18 ? Int.max : (v <= -9.2e18 ? Int.min : Int(v)))
    }
  }
}

/// The Float32 value of IEEE 754 half-precision bits (numpy's float16), exactly.
func float(half h: UInt16) -> Float {
  let sign: UInt32 = UInt32(h & 0x8000) << 16
  let exp = Int((h >> 10) & 0x1F), frac = UInt32(h & 0x3FF)
  if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | frac << 13) }  // inf, nan
  if exp == 0 {  // zero and subnormals: frac × 2⁻²⁴
    let v = Float(frac) * 0x1p-24
    return sign != 0 ? -v : v
  }
  return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | frac << 13)
}

/// Product of `dims`, or nil on overflow.
func checkedProduct<S: Sequence>(_ dims: S) -> Int? where S.Element == Int {
  var p = 1
  for d in dims {
    let (r, o) = p.multipliedReportingOverflow(by: d)
    if o { return nil }
    p = r
  }
  return p
}

/// `2 × 3 × 4`, or `scalar` for no dimensions.
func shapeText(_ shape: [Int]) -> String {
  shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: " × ")
}

/// Turns a decoded N-D array into `LoadedData`: 0-D and 1-D arrays become vectors of the element
/// kind, N-D arrays (N ≥ 2) an `n × (product of the other dimensions)` Float32 matrix.
/// - Precondition: `src` holds `product(shape)` elements; the product does not overflow.
func makeLoadedData(shape: [Int], type: ElementType, bigEndian: Bool, src: UnsafeRawPointer) -> LoadedData {
  let total = checkedProduct(shape) ?? 0
  if shape.count <= 1 {
    switch type {
    case .bool:
      let s = src.assumingMemoryBound(to: UInt8.self)
      return .boolVector((0..<total).map { s[$0] != 0 })
    case .f16, .f32, .f64:
      return .floatVector([Float](unsafeUninitializedCapacity: total) { p, n in
        if total > 0 { convertToFloat(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
        n = total
      })
    case .u64 where (0..<total).contains(where: {
      let r = src.loadUnaligned(fromByteOffset: $0 &* 8, as: UInt64.self)
      return (bigEndian ? UInt64(bigEndian: r) : UInt64(littleEndian: r)) > UInt64(Int.max)
    }):
      // values beyond the Int range: a float vector (rounded to Float32), never a wrapped sign
      return .floatVector([Float](unsafeUninitializedCapacity: total) { p, n in
        if total > 0 { convertToFloat(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
        n = total
      })
    default:
      return .intVector([Int](unsafeUninitializedCapacity: total) { p, n in
        if total > 0 { convertToInt(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
        n = total
      })
    }
  }
  let rows = shape[0]
  let cols = checkedProduct(shape.dropFirst()) ?? 0
  let values = [Float](unsafeUninitializedCapacity: total) { p, n in
    if total > 0 { convertToFloat(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
    n = total
  }
  return .matrix(Matrix(rows: rows, cols: cols, data: values))
}

/// Checks float64 data before it becomes float32: a finite value beyond float32's range is an
/// error; a column whose values vary by less than 2⁻¹² of their magnitude (for example data
/// around 10⁹ varying by units) loses that variation in float32 and gets a warning.
/// - Parameters: `count` elements, `cols` per row (1 for a vector).
/// - Throws: `DataFileError` (`.outOfRange`) naming the first such value.
func checkFloat64ForFloat32(_ src: UnsafeRawPointer, count: Int, cols: Int, bigEndian big: Bool, display: String,
                            warn: (String) -> Void) throws {
  // no values (a dimension of 0): nothing to check, and `cols` may be any size (0 × 2³¹ × 2³¹)
  guard count > 0 else { return }
  let c = max(1, cols)
  var lo = [Double](repeating: .infinity, count: c), hi = [Double](repeating: -.infinity, count: c)
  for i in 0..<count {
    let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
    let v = Double(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    if !v.isFinite { continue }
    if abs(v) > Double(Float.greatestFiniteMagnitude) {
      throw DataFileError(path: display, kind: .outOfRange, message:
        "the value \(v) (row \(i / c), column \(i % c)) is beyond float32's range (±3.4e38), in which clus keeps data")
    }
    let j = i % c
    if v < lo[j] { lo[j] = v }
    if v > hi[j] { hi[j] = v }
  }
  float32LossWarning(lo: lo, hi: hi, integers: false, display: display, warn: warn)
}

/// Warns about data that float32 cannot hold: a column whose values vary by less than 2⁻¹² of
/// their magnitude (that variation is mostly lost), or, for integer data, values beyond 2²⁴ (not
/// all exact). `lo`/`hi` are each column's finite minimum and maximum (+∞/−∞ when none).
func float32LossWarning(lo: [Double], hi: [Double], integers: Bool, display: String, warn: (String) -> Void) {
  var lost = [Int]()
  for j in 0..<lo.count where hi[j] > lo[j] && hi[j] - lo[j] < max(abs(lo[j]), abs(hi[j])) * 0x1p-12 { lost.append(j) }
  if let j = lost.first {
    let more = lost.count > 1 ? " (and \(lost.count - 1) more column\(lost.count > 2 ? "s" : ""))" : ""
    warn("\(display): column \(j)\(more) varies by \(hi[j] - lo[j]) around \((lo[j] + hi[j]) / 2); float32, in which clus keeps data, holds about 7 significant digits, so most of that variation is lost. Subtract a common offset before saving.")
    return
  }
  if integers {
    let big = zip(lo, hi).map { max(abs($0), abs($1)) }.filter { $0.isFinite }.max() ?? 0
    if big > 16_777_216 {
      // %.0f, not Int(big): uint64 values reach 2⁶⁴, beyond Int
      warn("\(display): integers up to \(Display.cFormat("%.0f", big)) are beyond 2^24 = 16,777,216, so float32, in which clus keeps data, does not hold them all exactly")
    }
  }
}

/// For integer N-D data becoming a float32 matrix: each column's range, then `float32LossWarning`.
func checkIntegersForFloat32(_ src: UnsafeRawPointer, count: Int, cols: Int, type: ElementType, bigEndian big: Bool,
                             display: String, warn: (String) -> Void) {
  // 8- and 16-bit integers always fit float32 exactly
  guard [.u32, .i32, .u64, .i64].contains(type), count > 0 else { return }
  var ints = [Int](repeating: 0, count: count)
  ints.withUnsafeMutableBufferPointer { convertToInt(src, count: count, type: type, bigEndian: big, into: $0.baseAddress!) }
  let c = max(1, cols)
  var lo = [Double](repeating: .infinity, count: c), hi = [Double](repeating: -.infinity, count: c)
  for i in 0..<count {
    let v = type == .u64 && ints[i] < 0 ? Double(UInt64(bitPattern: Int64(ints[i]))) : Double(ints[i])
    lo[i % c] = min(lo[i % c], v); hi[i % c] = max(hi[i % c], v)
  }
  float32LossWarning(lo: lo, hi: hi, integers: true, display: display, warn: warn)
}
