#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusLang

/// Deterministic text rendering of values, so golden outputs can compare them.
///
/// Numbers show 4 decimals (scientific notation outside [1e-4, 1e6)); matrices and vectors show
/// their shape, element type and a short head and tail, as numpy does.
public enum Display {
  /// A float with 4 decimals, or `%.4e` when very large or very small; `nan`, `inf`, `-inf`.
  public static func number(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    let a = abs(x)
    if a != 0 && (a >= 1e6 || a < 1e-4) { return cFormat("%.4e", x) }
    let s = cFormat("%.4f", x)
    return s == "-0.0000" ? "0.0000" : s
  }

  /// `printf`-style formatting of one Double; a NaN is written as Python's `%` writes it, without
  /// a sign ("nan", "NAN"), whatever its sign bit (glibc writes 0/0's NaN "-nan").
  public static func cFormat(_ fmt: String, _ x0: Double) -> String {
    let x = x0.isNaN ? Double.nan : x0
    var buf = [CChar](repeating: 0, count: 512)
    let n = withVaList([x]) { vsnprintf(&buf, 512, fmt, $0) }
    if n >= 512 {  // wider than the buffer: ask for the exact size
      buf = [CChar](repeating: 0, count: Int(n) + 1)
      _ = withVaList([x]) { vsnprintf(&buf, Int(n) + 1, fmt, $0) }
    }
    return String(cString: buf)
  }

  /// One-line summary: scalars in full, arrays as kind and shape.
  public static func summary(_ v: Value) -> String {
    switch v {
    case .int(let i): return String(i)
    case .float(let d): return number(d)
    case .string(let s): return quote(s)
    case .bool(let b): return b ? "true" : "false"
    case .none: return "none"
    case .list(let l): return l.count <= 8 ? "[" + l.map(summary).joined(separator: ", ") + "]" : "list of \(l.count)"
    case .matrix(let m): return "matrix \(m.rows) × \(m.cols) float32"
    case .sparse(let m): return sparseHeader(m)
    case .labels(let v): return "vector \(v.count) int"
    case .floats(let v): return "vector \(v.count) float"
    case .mask(let v): return "vector \(v.count) bool (\(v.lazy.filter { $0 }.count) true)"
    case .figure(let f):
      return "figure: \(f.layers.count) layer\(f.layers.count == 1 ? "" : "s"), \(f.pointCount) points, \(f.options.width) × \(f.options.height)"
    case .record(let r) where r.kind == "shape": return render(v)
    case .record(let r) where r.kind == Frames.frameKind: return Frames.summary(r)
    case .record where Frames.categories(of: v) != nil:
      let (c, n) = Frames.categories(of: v)!
      return Frames.categoricalSummary(c, n)
    case .record(let r): return "\(v.kindName) (" + r.fieldNames.joined(separator: ", ") + ")"
    }
  }

  /// A string literal as the language writes it (\n, \r, \t, \" and \\ escaped).
  public static func quote(_ s: String) -> String {
    "\"" + escapingControls(s, quotes: true) { _ in nil } + "\""
  }

  /// The full display of a value, as the REPL shows a bare expression.
  public static func render(_ v: Value) -> String {
    switch v {
    case .matrix(let m): return matrix(m)
    case .sparse(let m): return sparseHeader(m) + storedEntries(m)
    case .labels(let x): return "vector \(x.count) int\n" + values(v)
    case .floats(let x): return "vector \(x.count) float\n" + values(v)
    case .mask(let x):
      let t = x.lazy.filter { $0 }.count
      return "vector \(x.count) bool, \(t) true\n" + values(v)
    case .record(let r) where r.kind == "shape":
      return r.fields.map { summary($0.value) }.joined(separator: " × ")
    case .record(let r) where r.kind == "crosstab":
      if case .matrix(let m)? = r["counts"], let rows = r["index"], let cols = r["columns"] { return crosstab(m, rows, cols) }
      return summary(v)
    case .record(let r) where r.kind == Frames.frameKind: return Frames.render(r)
    case .record(let r) where r.kind == sweepTableKind: return table(r)
    case .record where Frames.categories(of: v) != nil:
      let (c, n) = Frames.categories(of: v)!
      return Frames.renderCategorical(c, n)
    case .record(let r):
      var lines = [v.kindName]
      let w = r.fieldNames.map(\.count).max() ?? 0
      for f in r.fields {
        let pad = String(repeating: " ", count: w - f.name.count)
        let star = f.name == r.principal ? "  (principal)" : ""
        lines.append("  .\(f.name)\(pad)  \(summary(f.value))\(star)")
      }
      for e in r.lazy?.entries ?? [] {
        let pad = String(repeating: " ", count: w - e.name.count)
        let unread = e.summary.hasPrefix(LazyFields.unreadablePrefix) ? e.summary : e.summary + " (read on first use)"
        lines.append("  .\(e.name)\(pad)  " + (r.lazy?.cached(e.name).map(summary) ?? unread))
      }
      return lines.joined(separator: "\n")
    case .list(let l): return "[" + l.map(summary).joined(separator: ", ") + "]"
    default: return summary(v)
    }
  }

  /// The row or column values of a crosstab as text.
  static func crosstabNames(_ v: Value) -> [String] {
    switch v {
    case .labels(let l): return l.map(String.init)
    case .floats(let f): return f.map(number)
    case .mask(let m): return m.map { $0 ? "True" : "False" }
    case .list(let l): return l.map { if case .string(let s) = $0 { return escaped(s) }; return summary($0) }
    default: return []
    }
  }

  /// Text as one line for a listing, as pandas prints it: a newline, carriage return or tab as \n, \r,
  /// \t, other control characters as \x.. (a category holding a newline broke the listing).
  static func escaped(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else { return s }
    return escapingControls(s, quotes: false) { v in
      v < 0x20 || (0x7F...0x9F).contains(v) ? "\\x" + (v < 16 ? "0" : "") + String(v, radix: 16) : nil
    }
  }

  /// `s` with newline, carriage return and tab written \n, \r, \t, with `quotes` also " and \ escaped, and
  /// every other scalar for which `control` gives text written as that text (JSON's \u00XX, a listing's \xXX).
  static func escapingControls(_ s: String, quotes: Bool, control: (UInt32) -> String?) -> String {
    var out = ""
    for c in s.unicodeScalars {
      switch c {
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\"" where quotes: out += "\\\""
      case "\\" where quotes: out += "\\\\"
      default:
        if let e = control(c.value) { out += e } else { out.unicodeScalars.append(c) }
      }
    }
    return out
  }

  /// A `crosstab` as pandas prints one: the column values as a header, each row's value and
  /// its counts, right-aligned. At most 60 rows and 30 columns are shown (the rest is counted).
  static func crosstab(_ counts: Matrix, _ rows: Value, _ cols: Value) -> String {
    let rn = crosstabNames(rows), cn = crosstabNames(cols)
    let shownRows = min(rn.count, 60), shownCols = min(cn.count, 30)
    var cells = [[""] + cn.prefix(shownCols)]
    for i in 0..<shownRows {
      cells.append([rn[i]] + (0..<shownCols).map { String(Int(counts[i, $0])) })
    }
    // widths in terminal columns (a CJK label takes two a character: counted as one, it misaligned)
    let first = cells.map { terminalWidth($0[0]) }.max() ?? 0
    // each column as wide as its name or its widest count with a sign's place before it, as pandas
    // prints integer columns
    let widths = (0..<(shownCols + 1)).map { j in
      max(terminalWidth(cells[0][j]), (cells.dropFirst().map { $0[j].count }.max() ?? 0) + 1)
    }
    var out = ["crosstab \(rn.count) × \(cn.count) (rows: values of the first vector, columns: of the second)"]
    for row in cells {
      let head = row[0] + String(repeating: " ", count: first - terminalWidth(row[0]))
      out.append(head + row.enumerated().dropFirst().map { j, c in "  " + String(repeating: " ", count: widths[j] - terminalWidth(c)) + c }.joined())
    }
    if shownRows < rn.count || shownCols < cn.count {
      out.append("(\(rn.count - shownRows) more rows, \(cn.count - shownCols) more columns: see .counts, .index, .columns)")
    }
    return out.joined(separator: "\n")
  }

  /// The values of a vector as display shows them (`[1 2 3]`, the middle elided past 10); other
  /// values as `summary`.
  public static func values(_ v: Value) -> String {
    switch v {
    case .labels(let x): return vector(x.count) { String(x[$0]) }
    case .floats(let x): return vector(x.count) { number(x[$0]) }
    case .mask(let x): return vector(x.count) { x[$0] ? "true" : "false" }
    default: return summary(v)
    }
  }

  /// How `print` writes a value: strings without quotes, vectors by their values (as display
  /// shows them), matrices and records (a model, a score, a data frame: header and fields, as
  /// Python's print of a dict or a DataFrame shows the contents) in full display, anything else as
  /// `summary`.
  public static func printed(_ v: Value) -> String {
    switch v {
    case .string(let s): return s
    case .labels, .floats, .mask: return values(v)
    case .matrix, .sparse, .record: return render(v)
    default: return summary(v)
    }
  }

  static func vector(_ n: Int, _ item: (Int) -> String) -> String {
    if n == 0 { return "[]" }
    if n <= 10 { return "[" + (0..<n).map(item).joined(separator: " ") + "]" }
    return "[" + (0..<3).map(item).joined(separator: " ") + " ... "
      + ((n - 3)..<n).map(item).joined(separator: " ") + "]"
  }

  static func matrix(_ m: Matrix) -> String {
    "matrix \(m.rows) × \(m.cols) float32" + grid(rows: m.rows, cols: m.cols) { m[$0, $1] }
  }

  /// `sparse matrix 30 × 20 float32, 91 stored (15.2 %)`: shape, element type and stored entries,
  /// as scipy names them.
  static func sparseHeader(_ m: SparseMatrix) -> String {
    let cells = Double(m.rows) * Double(m.cols)
    let density = cells > 0 ? 100 * Double(m.nnz) / cells : 0
    return "sparse matrix \(m.rows) × \(m.cols) float32, \(m.nnz) stored (\(cFormat("%.1f", density)) %)"
  }

  /// A sparse matrix's stored entries as scipy prints them, `(row, column)  value`: all of them up
  /// to 10, else the first and last 3 around `...`.
  static func storedEntries(_ m: SparseMatrix) -> String {
    func entry(_ t: Int) -> String {
      // the row of stored entry t: the last row whose offset is ≤ t
      var lo = 0, hi = m.rows
      while hi - lo > 1 { let mid = (lo + hi) / 2; if m.indptr[mid] <= t { lo = mid } else { hi = mid } }
      return "\n  (\(lo), \(m.indices[t]))  \(number(Double(m.values[t])))"
    }
    let n = m.nnz
    if n <= 10 { return (0..<n).map(entry).joined() }
    return (0..<3).map(entry).joined() + "\n  ..." + ((n - 3)..<n).map(entry).joined()
  }

  /// The rows of a matrix display: at most 6 rows and columns, the middle elided as numpy does,
  /// each line starting with a newline.
  static func grid(rows: Int, cols: Int, _ at: (Int, Int) -> Float) -> String {
    if rows == 0 || cols == 0 { return "\n[]" }
    let rowList: [Int?] = rows <= 6 ? Array(0..<rows) : [0, 1, 2, nil, rows - 3, rows - 2, rows - 1]
    let colList: [Int?] = cols <= 6 ? Array(0..<cols) : [0, 1, 2, nil, cols - 3, cols - 2, cols - 1]
    var cells: [[String]] = []
    for r in rowList {
      cells.append(colList.map { c in
        guard let r = r, let c = c else { return "..." }
        return number(Double(at(r, c)))
      })
    }
    let width = cells.flatMap { $0 }.map(\.count).max() ?? 1
    var out = ""
    for (k, row) in cells.enumerated() {
      let open = k == 0 ? "[[" : " ["
      let close = k == cells.count - 1 ? "]]" : "]"
      let body = row.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: " ")
      out += "\n" + open + body + close
    }
    return out
  }


  /// A table of columns (a record whose fields are equal-length vectors) as aligned text: a header,
  /// then one line per row (at most 30; the middle elided); floats with 4 decimals, nan as "nan".
  static func table(_ r: Record) -> String {
    let names = r.fieldNames
    let n = r.fields.first?.value.length ?? 0
    func cell(_ v: Value, _ i: Int) -> String {
      switch v {
      case .floats(let x): return number(x[i])
      case .labels(let x): return String(x[i])
      case .list(let x): if case .string(let s) = x[i] { return s }; return summary(x[i])
      case .mask(let x): return x[i] ? "true" : "false"
      default: return ""
      }
    }
    let shown: [Int?] = n <= 30 ? Array(0..<n) : Array(0..<10) + [nil] + Array((n - 10)..<n)
    var grid = [names]
    for i in shown { grid.append(r.fields.map { i == nil ? "…" : cell($0.value, i!) }) }
    let widths = names.indices.map { j in grid.map { $0[j].count }.max() ?? 0 }
    let lines = grid.map { row in
      row.enumerated().map { j, c in String(repeating: " ", count: widths[j] - c.count) + c }.joined(separator: "  ")
    }
    return "\(r.kind) \(n) × \(names.count)\n" + lines.joined(separator: "\n")
  }
}
