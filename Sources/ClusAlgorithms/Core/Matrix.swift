/// A dense matrix of `rows × cols` Float32 values stored row-major in one flat `FloatStorage`.
///
/// This is the data type every algorithm takes and returns: `data[i * cols + j]` is row `i`,
/// column `j`. Rows are data points, columns are features (the scikit-learn convention). The values
/// may live in a read-only mapping of a file (see `FloatStorage`); a write copies them first.
public struct Matrix: Sendable, Equatable {
  /// Number of rows (data points).
  public var rows: Int
  /// Number of columns (features or embedding dimensions).
  public var cols: Int
  /// The `rows × cols` values, row-major.
  public var data: FloatStorage

  /// A matrix holding a copy of `data` (row-major, `rows × cols` values).
  /// - Precondition: `data.count == rows * cols`.
  public init(rows: Int, cols: Int, data: [Float]) {
    self.init(rows: rows, cols: cols, storage: FloatStorage(data))
  }

  /// A matrix over `storage` (row-major, `rows × cols` values), shared, not copied.
  /// - Precondition: `storage.count == rows * cols`.
  @inlinable
  public init(rows: Int, cols: Int, storage: FloatStorage) {
    precondition(storage.count == rows * cols,
                 "matrix data has \(storage.count) values, expected \(rows) × \(cols)")
    self.rows = rows
    self.cols = cols
    self.data = storage
  }

  /// A `rows × cols` matrix whose values `initializer` writes, row-major, into fresh memory (it must
  /// write all `rows × cols` of them): a large result without an intermediate array.
  /// - Throws: what `initializer` throws.
  @inlinable
  public init(rows: Int, cols: Int, initializingWith initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
    self.init(rows: rows, cols: cols, storage: try FloatStorage(unsafeUninitializedCount: rows * cols, initializingWith: initializer))
  }

  /// The rows of `parts` end to end: a `(Σ rows) × cols` matrix, numpy's `concatenate(parts)` on axis 0.
  /// One copy of each part's values into fresh memory (a mapped part is read in place).
  /// - Precondition: `parts` is not empty and every part has `cols` columns.
  public static func stacked(_ parts: [Matrix]) -> Matrix {
    let cols = parts[0].cols
    precondition(parts.allSatisfy { $0.cols == cols }, "stacked matrices need the same number of columns")
    return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: cols) { dst in
      var offset = 0
      for m in parts { offset += UnsafeMutableBufferPointer(rebasing: dst[offset...]).initialize(fromContentsOf: m.data) }
    }
  }

  /// A `rows × cols` matrix filled with `value`.
  public init(rows: Int, cols: Int, repeating value: Float = 0) {
    self.rows = rows
    self.cols = cols
    self.data = FloatStorage(repeating: value, count: rows * cols)
  }

  /// Element at row `i`, column `j`.
  @inlinable public subscript(i: Int, j: Int) -> Float {
    get { data[i &* cols &+ j] }
    set { data[i &* cols &+ j] = newValue }
  }

  /// Row `i` as a new array of `cols` values.
  public func row(_ i: Int) -> [Float] {
    let start = i * cols, end = start + cols
    precondition(start >= 0 && start <= end && end <= data.count, "row \(i) out of range 0..<\(rows)")
    return data.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[start..<end])) }
  }

  /// Whether every value is finite (no NaN, no ±infinity).
  public var allFinite: Bool { firstNonFinite() == nil }

  /// The first (row, column) holding a NaN or infinite value, if any. Blocks of 4,096 values are
  /// tested first without a branch per value (a vectorised OR of the exponent bits), then the first
  /// block with one is searched value by value.
  public func firstNonFinite() -> (row: Int, col: Int)? {
    let k: Int? = data.withUnsafeBufferPointer { p in
      guard let base = p.baseAddress else { return nil }
      let count = p.count
      return base.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
        for lo in stride(from: 0, to: count, by: 4096) {
          let hi = min(count, lo + 4096)
          // all exponent bits set (NaN or ±∞) ⟺ adding one to the exponent carries into the sign bit
          var flag: UInt32 = 0
          for i in lo..<hi { flag |= ((bits[i] & 0x7F80_0000) &+ 0x0080_0000) & 0x8000_0000 }
          if flag != 0 { return (lo..<hi).first { bits[$0] & 0x7F80_0000 == 0x7F80_0000 } }
        }
        return nil
      }
    }
    guard let k else { return nil }
    return (k / max(cols, 1), k % max(cols, 1))
  }
}

extension Matrix {
  /// The rows `indices` (each in 0..<rows, repeats allowed), in that order: indices.count × cols.
  public func gatheringRows(_ indices: [Int]) -> Matrix {
    let d = cols
    return Matrix(rows: indices.count, cols: d) { out in
      data.withUnsafeBufferPointer { src in
        for (r, i) in indices.enumerated() {
          precondition(i >= 0 && i < rows, "row \(i) outside 0..<\(rows)")
          for j in 0..<d { out[r * d + j] = src[i * d + j] }
        }
      }
    }
  }
}

/// Checks that `x` is a usable data matrix: at least one row and one column, every value finite.
/// - Throws: `AlgorithmError.invalidInput` naming the first NaN or infinite entry, or the empty shape.
/// - Parameter what: how the input is named in the message (for example "data").
public func validateData(_ x: Matrix, _ what: String = "data") throws {
  if x.rows == 0 || x.cols == 0 {
    throw AlgorithmError.invalidInput("\(what) is empty (\(x.rows) × \(x.cols))")
  }
  if let (r, c) = x.firstNonFinite() {
    throw AlgorithmError.invalidInput(
      "\(what) contains a non-finite value (\(nonFiniteName(x[r, c]))) at row \(r), column \(c) (counted from 0)")
  }
}

/// A non-finite value as numpy prints it: `nan` whatever its sign bit (0/0 gives a NaN whose sign
/// bit is set, which Swift prints `-nan`), `inf` or `-inf`; a finite value as Swift prints it.
public func nonFiniteName(_ v: Float) -> String {
  v.isNaN ? "nan" : v.description
}
