/// A sparse `rows × cols` Float32 matrix in compressed sparse row form (scipy's `csr_matrix`, the
/// layout AnnData stores `.X` in): row `i`'s stored entries are `values[indptr[i] ..< indptr[i + 1]]` at
/// the columns `indices[...]` of the same range, in increasing column order, with no column twice.
///
/// The initialiser checks every invariant, so an instance is always well formed: algorithms index it
/// without further checks. Zeros may be stored explicitly (they count in `nnz`, as in scipy).
public struct SparseMatrix: Sendable, Equatable {
  /// Number of rows (data points).
  public let rows: Int
  /// Number of columns (features).
  public let cols: Int
  /// `rows + 1` offsets into `indices`/`values`; `indptr[0] == 0`, non-decreasing, `indptr[rows] == nnz`.
  public let indptr: [Int]
  /// Column of each stored entry, `0 ..< cols`, strictly increasing within a row.
  public let indices: [Int32]
  /// Value of each stored entry, finite.
  public let values: [Float]

  /// Number of stored entries (scipy's `nnz`).
  public var nnz: Int { values.count }

  /// A CSR matrix from its three arrays, checked.
  /// - Throws: `AlgorithmError.invalidInput` naming the first broken invariant: `indptr`'s length,
  ///   start, end or order; a column index out of `0 ..< cols`; columns unsorted or repeated within a
  ///   row (say how to fix it: scipy's `sort_indices()` / `sum_duplicates()`); a NaN or infinite value
  ///   (with its row and column); more than 2³¹ − 1 columns.
  public init(rows: Int, cols: Int, indptr: [Int], indices: [Int32], values: [Float]) throws {
    guard rows >= 0, cols >= 0, cols <= Int(Int32.max) else {
      throw AlgorithmError.invalidInput("a sparse matrix of \(rows) × \(cols) is not supported")
    }
    try SparseMatrix.checkCompressed(major: rows, minor: cols, indptr: indptr, indices: indices, values: values, byColumn: false)
    self.rows = rows
    self.cols = cols
    self.indptr = indptr
    self.indices = indices
    self.values = values
  }

  /// The invariants of compressed arrays over `major` rows (CSR) or columns (CSC, `byColumn`),
  /// whose `indices` number the other dimension (`minor`); each message speaks of rows or columns
  /// as the arrays hold them, and places a non-finite value at its row and column.
  private static func checkCompressed(major: Int, minor: Int, indptr: [Int], indices: [Int32], values: [Float], byColumn: Bool) throws {
    let line = byColumn ? "column" : "row", other = byColumn ? "row" : "column"
    guard indptr.count == major + 1 else {
      throw AlgorithmError.invalidInput("a sparse matrix of \(major) \(line)s needs \(major + 1) \(line) offsets (indptr), not \(indptr.count)")
    }
    guard indices.count == values.count else {
      throw AlgorithmError.invalidInput("a sparse matrix has \(indices.count) \(other) indices but \(values.count) values")
    }
    guard indptr[0] == 0, indptr[major] == values.count else {
      throw AlgorithmError.invalidInput(
        "a sparse matrix's \(line) offsets (indptr) must run from 0 to nnz = \(values.count), not from \(indptr[0]) to \(indptr[major])")
    }
    try indices.withUnsafeBufferPointer { ix in
      try values.withUnsafeBufferPointer { vx in
        for i in 0..<major {
          let lo = indptr[i], hi = indptr[i + 1]
          guard lo <= hi else {
            throw AlgorithmError.invalidInput(
              "a sparse matrix's \(line) offsets (indptr) decrease at \(line) \(i): indptr[\(i)] = \(lo), indptr[\(i + 1)] = \(hi)")
          }
          guard hi <= ix.count else {
            throw AlgorithmError.invalidInput(
              "a sparse matrix's \(line) offsets (indptr) pass nnz = \(ix.count) at \(line) \(i): indptr[\(i + 1)] = \(hi)")
          }
          var last = -1
          for t in lo..<hi {
            let c = Int(ix[t])
            guard c >= 0, c < minor else {
              throw AlgorithmError.invalidInput(
                "a sparse matrix has \(other) index \(c) in \(line) \(i), and only \(minor) \(other)s" + (minor > 0 ? " (0 to \(minor - 1))" : ""))
            }
            guard c > last else {
              throw AlgorithmError.invalidInput(
                "a sparse matrix's \(other) indices are \(c == last ? "repeated" : "unsorted") in \(line) \(i) "
                  + "(in scipy: m.sum_duplicates(); m.sort_indices() before saving)")
            }
            last = c
            guard vx[t].isFinite else {
              let (r, col) = byColumn ? (c, i) : (i, c)
              throw AlgorithmError.invalidInput("a sparse matrix has a non-finite value (\(nonFiniteName(vx[t]))) at row \(r), column \(col) (counted from 0)")
            }
          }
        }
      }
    }
  }

  /// The CSR form of a compressed sparse column matrix (scipy's `csc_matrix`): `indptr` has `cols + 1`
  /// offsets, `indices` are row numbers. Columns within a row come out in increasing order.
  /// - Throws: as `init(rows:cols:indptr:indices:values:)`, with the CSC arrays' invariants (said
  ///   of columns and their row indices), and for more than 2³¹ − 1 rows or columns.
  public init(cscRows rows: Int, cols: Int, indptr: [Int], indices: [Int32], values: [Float]) throws {
    guard rows >= 0, cols >= 0, cols <= Int(Int32.max), rows <= Int(Int32.max) else {
      throw AlgorithmError.invalidInput("a sparse matrix of \(rows) × \(cols) is not supported")
    }
    // the CSC arrays are the CSR arrays of the transpose: checked as such, then transposed
    try SparseMatrix.checkCompressed(major: cols, minor: rows, indptr: indptr, indices: indices, values: values, byColumn: true)
    self = SparseMatrix(unchecked: cols, cols: rows, indptr: indptr, indices: indices, values: values).transposed()
  }

  /// The sparse form of a dense matrix: every non-zero entry stored (as scipy's `csr_matrix(x)`).
  /// - Throws: `AlgorithmError.invalidInput` if `x` holds NaN or infinity, named as `validateData`
  ///   names it ("data contains a non-finite value … at row r, column c"); the arrays built from a
  ///   finite matrix are valid and not checked again.
  public init(dense x: Matrix) throws {
    if x.rows > 0 && x.cols > 0 { try validateData(x) }  // an empty matrix stays an empty sparse one
    var ptr = [Int](repeating: 0, count: x.rows + 1)
    var ind = [Int32](), val = [Float]()
    for i in 0..<x.rows {
      for j in 0..<x.cols {
        let v = x.data[i * x.cols + j]
        if v != 0 { ind.append(Int32(j)); val.append(v) }
      }
      ptr[i + 1] = val.count
    }
    self.init(unchecked: x.rows, cols: x.cols, indptr: ptr, indices: ind, values: val)
  }

  /// Unchecked, for results built here from a valid matrix.
  init(unchecked rows: Int, cols: Int, indptr: [Int], indices: [Int32], values: [Float]) {
    self.rows = rows
    self.cols = cols
    self.indptr = indptr
    self.indices = indices
    self.values = values
  }

  /// The transpose (`cols × rows`), in CSR form; O(nnz + rows + cols).
  public func transposed() -> SparseMatrix {
    var count = [Int](repeating: 0, count: cols + 1)
    for c in indices { count[Int(c) + 1] += 1 }
    for j in 0..<cols { count[j + 1] += count[j] }
    let ptr = count
    var next = count
    var ind = [Int32](repeating: 0, count: nnz), val = [Float](repeating: 0, count: nnz)
    for i in 0..<rows {
      for t in indptr[i]..<indptr[i + 1] {
        let c = Int(indices[t])
        ind[next[c]] = Int32(i)
        val[next[c]] = values[t]
        next[c] += 1
      }
    }
    return SparseMatrix(unchecked: cols, cols: rows, indptr: ptr, indices: ind, values: val)
  }

  /// The dense `rows × cols` copy. The caller checks that it fits in memory (`rows · cols · 4` bytes).
  public func dense() -> Matrix {
    var m = Matrix(rows: rows, cols: cols)
    for i in 0..<rows {
      for t in indptr[i]..<indptr[i + 1] { m.data[i * cols + Int(indices[t])] = values[t] }
    }
    return m
  }

  /// The rows `which` (in that order, repeats allowed), as a new CSR matrix.
  /// - Precondition: every index is in `0 ..< rows`.
  public func selectingRows(_ which: [Int]) -> SparseMatrix {
    var ptr = [Int](repeating: 0, count: which.count + 1)
    var ind = [Int32](), val = [Float]()
    for (r, i) in which.enumerated() {
      ind.append(contentsOf: indices[indptr[i]..<indptr[i + 1]])
      val.append(contentsOf: values[indptr[i]..<indptr[i + 1]])
      ptr[r + 1] = val.count
    }
    return SparseMatrix(unchecked: which.count, cols: cols, indptr: ptr, indices: ind, values: val)
  }

  /// The columns `which` (in that order), as a new CSR matrix. Columns may not repeat. The map from
  /// old to new column is a table of `cols` entries when `which` is a sizeable part of them, else a
  /// dictionary of `which.count` (a few columns of a matrix of 2³¹ would otherwise take 8 GB).
  /// - Precondition: every index is in `0 ..< cols`, no index twice.
  public func selectingColumns(_ which: [Int]) -> SparseMatrix {
    let dense = which.count >= cols / 16
    var newIndex = [Int32](repeating: -1, count: dense ? cols : 0)
    var sparseIndex = [Int32: Int32](minimumCapacity: dense ? 0 : which.count)
    for (k, j) in which.enumerated() {
      if dense { newIndex[j] = Int32(k) } else { sparseIndex[Int32(j)] = Int32(k) }
    }
    var ptr = [Int](repeating: 0, count: rows + 1)
    var ind = [Int32](), val = [Float]()
    var row = [(Int32, Float)]()
    for i in 0..<rows {
      row.removeAll(keepingCapacity: true)
      for t in indptr[i]..<indptr[i + 1] {
        let k = dense ? newIndex[Int(indices[t])] : sparseIndex[indices[t]] ?? -1
        if k >= 0 { row.append((k, values[t])) }
      }
      row.sort { $0.0 < $1.0 }
      for (c, v) in row { ind.append(c); val.append(v) }
      ptr[i + 1] = val.count
    }
    return SparseMatrix(unchecked: rows, cols: which.count, indptr: ptr, indices: ind, values: val)
  }

  /// Element at row `i`, column `j` (0 where nothing is stored); O(log of the row's entries).
  public subscript(i: Int, j: Int) -> Float {
    var lo = indptr[i], hi = indptr[i + 1]
    while lo < hi {
      let mid = (lo + hi) / 2
      let c = Int(indices[mid])
      if c == j { return values[mid] }
      if c < j { lo = mid + 1 } else { hi = mid }
    }
    return 0
  }
}
