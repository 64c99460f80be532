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

/// What a stored element becomes in memory: Float32 (matrices, float vectors) or Int (int
/// vectors). Every stored type is read as one of three wide values and converted from it; a
/// widened integer rounds to Float32 exactly as the narrow one would.
protocol LoadedElement {
  /// From an integer that Int64 holds (bool as 0 or 1, int8 … int64, uint8 … uint32).
  init(storedInteger v: Int64)
  /// From a uint64.
  init(storedUnsigned v: UInt64)
  /// From a float (float16 and float32 exactly, float64 rounded to Float32 first).
  init(storedFloat v: Float)
}

extension Float: LoadedElement {
  init(storedInteger v: Int64) { self.init(v) }
  init(storedUnsigned v: UInt64) { self.init(v) }
  init(storedFloat v: Float) { self = v }
}

extension Int: LoadedElement {
  init(storedInteger v: Int64) { self.init(v) }
  /// uint64 values above `Int.max` wrap: `makeLoadedData` sends such arrays to the float path instead.
  init(storedUnsigned v: UInt64) { self.init(truncatingIfNeeded: v) }
  /// Not used for float types; truncates toward zero, clamping to the Int range (NaN → 0).
  init(storedFloat v: Float) { self = v.isNaN ? 0 : (v >= 9.2e18 ? Int.max : (v <= -9.2e18 ? Int.min : Int(v))) }
}

/// Converts `count` elements of `type` at `src` (any alignment, byte order `bigEndian` or little)
/// into `dst`, as Float32 or Int.
func convertElements<T: LoadedElement>(_ src: UnsafeRawPointer, count: Int, type: ElementType, bigEndian big: Bool,
                                       into dst: UnsafeMutablePointer<T>) {
  /// Element `i` as a stored integer of type `U`, in the host's byte order.
  @inline(__always) func load<U: FixedWidthInteger>(_ i: Int, _: U.Type) -> U {
    let r = src.loadUnaligned(fromByteOffset: i &* MemoryLayout<U>.size, as: U.self)
    return big ? U(bigEndian: r) : U(littleEndian: r)
  }
  switch type {
  case .bool: for i in 0..<count { dst[i] = T(storedInteger: load(i, UInt8.self) != 0 ? 1 : 0) }
  case .u8: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, UInt8.self))) }
  case .i8: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, Int8.self))) }
  case .u16: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, UInt16.self))) }
  case .i16: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, Int16.self))) }
  case .u32: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, UInt32.self))) }
  case .i32: for i in 0..<count { dst[i] = T(storedInteger: Int64(load(i, Int32.self))) }
  case .u64: for i in 0..<count { dst[i] = T(storedUnsigned: load(i, UInt64.self)) }
  case .i64: for i in 0..<count { dst[i] = T(storedInteger: load(i, Int64.self)) }
  case .f16: for i in 0..<count { dst[i] = T(storedFloat: float(half: load(i, UInt16.self))) }
  case .f32: for i in 0..<count { dst[i] = T(storedFloat: Float(bitPattern: load(i, UInt32.self))) }
  case .f64: for i in 0..<count { dst[i] = T(storedFloat: Float(Double(bitPattern: load(i, UInt64.self)))) }
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
/// kind (float64 ones kept in float64), N-D arrays (N ≥ 2) an `n × (product of the other dimensions)` Float32 matrix.
/// - Precondition: `src` holds `product(shape)` elements; the product does not overflow.
func makeLoadedData(shape: [Int], type: ElementType, bigEndian: Bool, src: UnsafeRawPointer) -> LoadedData {
  let total = checkedProduct(shape) ?? 0
  /// All `total` elements as Float32 or Int.
  func elements<T: LoadedElement>(_: T.Type) -> [T] {
    [T](unsafeUninitializedCapacity: total) { p, n in
      if total > 0 { convertElements(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
      n = total
    }
  }
  guard shape.count <= 1 else {
    return .matrix(Matrix(rows: shape[0], cols: checkedProduct(shape.dropFirst()) ?? 0) { p in
      if total > 0 { convertElements(src, count: total, type: type, bigEndian: bigEndian, into: p.baseAddress!) }
    })
  }
  switch type {
  case .bool:
    let s = src.assumingMemoryBound(to: UInt8.self)
    return .boolVector((0..<total).map { s[$0] != 0 })
  case .f64:
    // a float64 vector (scores, probabilities, a column) keeps its values, as np.load gives them: a
    // vector clus saved reads back equal (it was rounded to float32 on loading)
    return .doubleVector((0..<total).map { i in
      let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
      return Double(bitPattern: bigEndian ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    })
  case .f16, .f32:
    return .floatVector(elements(Float.self))
  case .u64 where (0..<total).contains(where: {
    let r = src.loadUnaligned(fromByteOffset: $0 &* 8, as: UInt64.self)
    return (bigEndian ? UInt64(bigEndian: r) : UInt64(littleEndian: r)) > UInt64(Int.max)
  }):
    // values beyond the Int range: a float vector (rounded to Float32), never a wrapped sign
    return .floatVector(elements(Float.self))
  default:
    return .intVector(elements(Int.self))
  }
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
  var vanished = 0, firstVanished = 0
  for i in 0..<count {
    let r = src.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)
    let v = Double(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    if !v.isFinite { continue }
    if abs(v) > Double(Float.greatestFiniteMagnitude) {
      throw DataFileError(path: display, kind: .outOfRange, message:
        "the value \(v) (row \(i / c), column \(i % c)) is beyond float32's range (±3.4e38), in which clus keeps data")
    }
    if v != 0 && Float(v) == 0 {
      if vanished == 0 { firstVanished = i }
      vanished += 1
    }
    let j = i % c
    if v < lo[j] { lo[j] = v }
    if v > hi[j] { hi[j] = v }
  }
  float32LossWarning(lo: lo, hi: hi, integers: false, display: display, warn: warn)
  if vanished > 0 {
    // the other end of float32's range: below about 7e-46 a value becomes 0, silently in numpy's
    // astype too; said here because it can empty the data (every distance 0)
    let r = src.loadUnaligned(fromByteOffset: firstVanished &* 8, as: UInt64.self)
    let v = Double(bitPattern: big ? UInt64(bigEndian: r) : UInt64(littleEndian: r))
    warn(float32UnderflowWarning(display, count: vanished, noun: "value", first: v, at: "row \(firstVanished / c), column \(firstVanished % c)"))
  }
}

/// The warning for `count` non-zero numbers that float32 holds only as 0 (below about 7e-46), the
/// first `first` at `at` ("row 1, column 0", "line 2, column 2"): binary and text files alike.
func float32UnderflowWarning(_ display: String, count: Int, noun: String, first: Double, at: String) -> String {
  "\(display): \(count) non-zero \(noun)\(count == 1 ? " is" : "s are") below float32's smallest (1.4e-45) and read as 0 "
    + "(the first: \(first), \(at)); clus keeps data as float32: scale the data up before saving"
}

/// Warns about data that float32 cannot hold: a column whose values vary by less than 2⁻¹² of
/// their magnitude (that variation is mostly lost), or, for integer data, values beyond 2²⁴ (not
/// all exact). `lo`/`hi` are each column's finite minimum and maximum (+∞/−∞ when none).
@discardableResult
func float32LossWarning(lo: [Double], hi: [Double], integers: Bool, display: String, names: [String]? = nil,
                        exactInts: Bool = false, keptExactly: [String?]? = nil, warn: (String) -> Void) -> Bool {
  var lost = [Int]()
  for j in 0..<lo.count where hi[j] > lo[j] && hi[j] - lo[j] < max(abs(lo[j]), abs(hi[j])) * 0x1p-12 { lost.append(j) }
  if let j = lost.first {
    let more = lost.count > 1 ? " (and \(lost.count - 1) more column\(lost.count > 2 ? "s" : ""))" : ""
    let named = names.map { $0[j] } ?? "column \(j)"
    // a frame's int column keeps its values beside .data: only .data loses the variation (it said "lost")
    if let kept = keptExactly?[j] ?? nil {
      let c = "d[\(Display.quote(kept))]"
      warn("\(display): \(named)\(more) varies by \(hi[j] - lo[j]) around \((lo[j] + hi[j]) / 2); float32 holds about 7 significant digits, so "
        + "the frame's .data (float32, what umap and the other algorithms use) loses most of that variation, while the column keeps "
        + "its values exactly (\(c)). Subtract a common offset (\(c) - \(c)[0]) before using it as data.")
      return true
    }
    warn("\(display): \(named)\(more) varies by \(hi[j] - lo[j]) around \((lo[j] + hi[j]) / 2); float32, in which clus keeps data, holds about 7 significant digits, so most of that variation is lost. Subtract a common offset before saving.")
    return true
  }
  if integers {
    let big = zip(lo, hi).map { max(abs($0), abs($1)) }.filter { $0.isFinite }.max() ?? 0
    if big > 16_777_216 {
      // %.0f, not Int(big): uint64 values reach 2⁶⁴, beyond Int; above 2⁵³ the largest is only
      // known to float64's precision (2⁶⁴ − 1 reads as 2⁶⁴), so it is given as "about"
      let text = big < 0x1p53 ? Display.cFormat("%.0f", big) : "about " + Display.cFormat("%.3e", big)
      // a frame's int columns keep their values exactly (d["id"]); its float32 matrix does not
      let kept = exactInts ? "; each int column keeps them exactly (d[\"name\"], save), .data (float32) does not" : ""
      warn("\(display): integers up to \(text) are beyond 2^24 = 16,777,216, so float32, in which clus keeps data, does not hold them all exactly\(kept)")
      return true
    }
  }
  return false
}

/// For integer N-D data becoming a float32 matrix: each column's range, then `float32LossWarning`.
func checkIntegersForFloat32(_ src: UnsafeRawPointer, count: Int, cols: Int, type: ElementType, bigEndian big: Bool,
                             display: String, warn: (String) -> Void) {
  // 8- and 16-bit integers always fit float32 exactly
  guard [.u32, .i32, .u64, .i64].contains(type), count > 0 else { return }
  var ints = [Int](repeating: 0, count: count)
  ints.withUnsafeMutableBufferPointer { convertElements(src, count: count, type: type, bigEndian: big, into: $0.baseAddress!) }
  let c = max(1, cols)
  var lo = [Double](repeating: .infinity, count: c), hi = [Double](repeating: -.infinity, count: c)
  for i in 0..<count {
    let v = type == .u64 && ints[i] < 0 ? Double(UInt64(bitPattern: Int64(ints[i]))) : Double(ints[i])
    lo[i % c] = min(lo[i % c], v); hi[i % c] = max(hi[i % c], v)
  }
  float32LossWarning(lo: lo, hi: hi, integers: true, display: display, warn: warn)
}
