import ClusAlgorithms
import ClusLang

/// One evaluated part of `base[...]`.
enum Indexer {
  case value(Value, SourceRange)
  case slice(Int?, Int?, SourceRange)
}

/// Row and element selection: by mask, by index (negative counts from the end), by index
/// vector, by slice; `m[:, j]` selects a column and `m[rows, cols]` both.
enum Indexing {
  /// "1 row", "3 rows": `axis` is a plural ending in s.
  static func counted(_ n: Int, _ axis: String) -> String { n == 1 ? "1 \(axis.dropLast())" : "\(n) \(axis)" }

  /// Which positions of `0..<n` an indexer selects, and whether it was a single index.
  static func positions(_ ix: Indexer, n: Int, axis: String) throws -> (rows: [Int], single: Bool) {
    switch ix {
    case .slice(let lo, let hi, _):
      func clamp(_ v: Int) -> Int { v < 0 ? max(0, n + v) : min(n, v) }
      let a = lo.map(clamp) ?? 0, b = hi.map(clamp) ?? n
      return (a < b ? Array(a..<b) : [], false)
    case .value(let v, let r):
      switch v.resolved {
      case .int(let i):
        let k = i < 0 ? n + i : i
        guard k >= 0 && k < n else { throw RuntimeError("index \(i) is out of range for \(counted(n, axis))", at: r) }
        return ([k], true)
      case .mask(let m):
        guard m.count == n else {
          throw RuntimeError("mask has \(m.count) elements but there are \(n) \(axis)", at: r)
        }
        var out: [Int] = []
        out.reserveCapacity(n)
        for (i, b) in m.enumerated() where b { out.append(i) }
        return (out, false)
      case .labels(let l):
        var out: [Int] = []
        out.reserveCapacity(l.count)
        for i in l {
          let k = i < 0 ? n + i : i
          guard k >= 0 && k < n else { throw RuntimeError("index \(i) is out of range for \(counted(n, axis))", at: r) }
          out.append(k)
        }
        return (out, false)
      case .list(let items) where !items.isEmpty && items.allSatisfy({ if case .bool = $0 { return true }; return false }):
        return try positions(.value(.mask(items.map { if case .bool(let b) = $0 { return b }; return false }), r), n: n, axis: axis)
      case .list(let items):
        var out: [Int] = []
        for it in items {
          guard case .int(let i) = it else { throw RuntimeError("an index list must hold integers", at: r) }
          let k = i < 0 ? n + i : i
          guard k >= 0 && k < n else { throw RuntimeError("index \(i) is out of range for \(counted(n, axis))", at: r) }
          out.append(k)
        }
        return (out, false)
      case .float(let d) where d == d.rounded() || d.isInfinite:
        guard abs(d) < 9.2e18 else { throw RuntimeError("index \(Display.summary(v)) is out of range for \(counted(n, axis))", at: r) }
        return try positions(.value(.int(Int(d)), r), n: n, axis: axis)
      default:
        throw RuntimeError("cannot index with \(v.kindWithArticle); use an integer, a slice, a mask or an index vector"
                           + numericTextHint(v), at: r)
      }
    }
  }

  static func index(_ base0: Value, _ parts: [Indexer], range: SourceRange) throws -> Value {
    // d["name"]: a data frame's column
    if case .record(let r) = base0, r.kind == Frames.frameKind, parts.count == 1, case .value(.string(let s), let sr) = parts[0] {
      return try Frames.column(r, s, at: sr)
    }
    // d[["a", "b"]]: a frame of those columns, as pandas' df[["a", "b"]] (it said "an index list must hold integers")
    if case .record(let r) = base0, r.kind == Frames.frameKind, parts.count == 1, case .value(.list(let items), let sr) = parts[0],
       !items.isEmpty, items.allSatisfy({ if case .string = $0 { return true }; return false }) {
      return try Frames.selectingColumns(r, items.map { if case .string(let s) = $0 { return s }; return "" }, at: sr)
    }
    // r["name"]: any record's field, also one whose name is no identifier (an AnnData layer "spliced-counts")
    if case .record(let r) = base0, r.kind != Frames.frameKind, Frames.categories(of: base0) == nil, parts.count == 1,
       case .value(.string(let s), let sr) = parts[0] {
      if let v = r[s] { return v }
      if let lz = r.lazy, lz.has(s) {
        do { return try lz.value(s) } catch let e as DataFileError { throw RuntimeError(e.description, at: sr) }
      }
      throw RuntimeError("\(r.kind) record has no field \(Display.quote(s))\(didYouMean(s, r.fieldNames)); fields: "
                         + r.fieldNames.joined(separator: ", "), at: sr)
    }
    // rows of a data frame (a slice, a mask, an index vector) stay a data frame, with its names and
    // its text columns, as pandas' df[0:2] and df[mask]; one row is the numeric row's vector
    if case .record(let r) = base0, r.kind == Frames.frameKind, parts.count == 1, case .matrix(let m)? = r["data"] {
      let (rows, _, one) = try selection(parts, m.rows, m.cols, range) { m[$0, $1] }
      if one == nil { return Frames.selectingRows(r, rows) }
      // one row is .data's float32 numbers: an exact column's value there would be rounded, unsaid
      // (a one-column frame stands for its exact column: its d[3] is exact)
      let rounded = Frames.roundedInData(base0)
      if !rounded.isEmpty {
        throw RuntimeError("one row of this data frame is its float32 .data, where \(rounded.joined(separator: ", ")) "
          + "\(rounded.count == 1 ? "is" : "are") rounded (\(Frames.float32Holds)); take d[i:i+1] (a frame of that row, exact) or d.\(rounded[0])[i]", at: range)
      }
    }
    // d[rows, cols] counts .data's numeric columns and reads their float32 values: with a text column
    // or an exact one (ints beyond 2^24) that is not pandas' iloc[rows, cols], so it is refused
    if let r = Frames.standingForData(base0), parts.count == 2,
       case .matrix(let m)? = r["data"], Frames.columnNames(r).count != m.cols || r.fields.count > 3 {
      throw RuntimeError("d[rows, cols] of a data frame with text columns, or columns kept exactly beside its .data (float32 would round them), would count and read only "
        + ".data's float32 numeric columns: take a column by name (d[\"name\"][rows]), or index d.data[rows, cols] for those numbers", at: range)
    }
    // a categorical indexed stays a categorical; one element is its name
    if let (codes, names) = Frames.categories(of: base0) {
      switch try index(.labels(codes), parts, range: range) {
      case .labels(let l): return Frames.categorical(codes: l, categories: names)
      case .int(let c): return c >= 0 && c < names.count ? .string(names[c]) : .float(.nan)
      case let other: return other
      }
    }
    var base = Operators.vectorized(base0.resolved)
    // a list of rows indexed by [rows, cols] is the matrix it spells
    if parts.count == 2, case .list(let rows) = base, let m = matrixFromRows(rows) { base = .matrix(m) }
    switch base {
    case .matrix(let m):
      let (rows, chosen, one) = try selection(parts, m.rows, m.cols, range) { m[$0, $1] }
      if let v = one { return v }
      let cols = chosen ?? Array(0..<m.cols)
      let full = chosen == nil || cols.elementsEqual(0..<m.cols)  // all columns in order: copy whole rows
      let out = Matrix(rows: rows.count, cols: cols.count) { dst in
        m.data.withUnsafeBufferPointer { src in
          for (k, r) in rows.enumerated() {
            if full {
              for j in 0..<m.cols { dst[k * m.cols + j] = src[r * m.cols + j] }
            } else {
              for (t, c) in cols.enumerated() { dst[k * cols.count + t] = src[r * m.cols + c] }
            }
          }
        }
      }
      return .matrix(out)
    case .sparse(let m):
      // rows (and columns) stay sparse; one element is a number, one row or column a dense vector
      let (rows, chosen, one) = try selection(parts, m.rows, m.cols, range) { m[$0, $1] }
      if let v = one { return v }
      var out = m.selectingRows(rows)
      if let cols = chosen, !cols.elementsEqual(0..<m.cols) {
        guard Set(cols).count == cols.count else {
          throw RuntimeError("a sparse matrix's columns cannot be selected twice", at: range)
        }
        out = out.selectingColumns(cols)
      }
      return .sparse(out)
    case .labels(let v): return try vectorIndex(v, parts, range) { .labels($0) } scalar: { .int($0) }
    case .floats(let v): return try vectorIndex(v, parts, range) { .floats($0) } scalar: { .float($0) }
    case .mask(let v): return try vectorIndex(v, parts, range) { .mask($0) } scalar: { .bool($0) }
    case .list(let v): return try vectorIndex(v, parts, range) { .list($0) } scalar: { $0 }
    default:
      throw RuntimeError("\(base0.kindName) cannot be indexed", at: range)
    }
  }

  /// The rows and columns `m[rows]` or `m[rows, cols]` selects in a rows × cols matrix whose elements
  /// `at` gives (columns nil: all of them, in order, without a list of their positions, which for a
  /// sparse matrix of 2³¹ columns would take 16 GB); `value` is the answer itself when an index is
  /// single (a number, or a row or column as a float vector), nil when a matrix of the selection is
  /// wanted.
  /// - Throws: `RuntimeError` for a bad index, or a single row whose dense vector would not fit in memory.
  private static func selection(
    _ parts: [Indexer], _ nRows: Int, _ nCols: Int, _ range: SourceRange, _ at: (Int, Int) -> Float
  ) throws -> (rows: [Int], cols: [Int]?, value: Value?) {
    guard parts.count <= 2 else { throw RuntimeError("a matrix takes at most two indices [rows, columns]", at: range) }
    let (rows, singleRow) = try positions(parts[0], n: nRows, axis: "rows")
    var cols: [Int]? = nil, singleCol = false
    if parts.count == 2 {
      let (c, single) = try positions(parts[1], n: nCols, axis: "columns")
      cols = c; singleCol = single
    }
    if singleRow && singleCol, let c = cols { return (rows, cols, .float(Double(at(rows[0], c[0])))) }
    if singleCol, let c = cols { return (rows, cols, .floats(rows.map { Double(at($0, c[0])) })) }
    if singleRow {
      let count = cols?.count ?? nCols
      do {
        try Memory.require(Double(count) * 8, what: "row \(rows[0]) as a vector of \(count) numbers")
      } catch let e as CommandError {
        throw RuntimeError("\(e): select columns too (m[i, cols]) or keep rows as a matrix (m[i:i+1])", at: range)
      }
      if let c = cols { return (rows, cols, .floats(c.map { Double(at(rows[0], $0)) })) }
      return (rows, cols, .floats((0..<nCols).map { Double(at(rows[0], $0)) }))
    }
    return (rows, cols, nil)
  }

  private static func vectorIndex<T>(
    _ v: [T], _ parts: [Indexer], _ range: SourceRange, make: ([T]) -> Value, scalar: (T) -> Value
  ) throws -> Value {
    guard parts.count == 1 else { throw RuntimeError("a vector takes one index", at: range) }
    let (pos, single) = try positions(parts[0], n: v.count, axis: "elements")
    if single { return scalar(v[pos[0]]) }
    return make(pos.map { v[$0] })
  }
}
