#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ClusAlgorithms

/// How `load` reads a CSV/TSV/text file, with the names and meanings of `pandas.read_csv`.
public struct CSVOptions: Sendable, Equatable {
  /// Whether the first row holds the column names.
  public enum Header: Sendable, Equatable {
    /// A first row of numbers (or missing values) is data, any other first row is the header.
    case auto
    /// The first row is the header.
    case yes
    /// Every row is data; columns are named `0`, `1`, ... as pandas names them.
    case no
  }

  /// `header=`: true, false or "auto" (the default).
  public var header: Header
  /// `delimiter=`: the field separator; nil takes `,` for .csv, tab for .tsv/.tab and detects it otherwise.
  public var delimiter: UInt8?
  /// `columns=` / `usecols=`: the columns to keep, in this order; nil keeps all.
  public var columns: [CSVColumn]?
  /// `na_values=`: spellings of a missing value added to pandas' defaults (`pandasNAValues`).
  public var naValues: [String]

  /// Options; the defaults read a file as `pandas.read_csv` does.
  public init(header: Header = .auto, delimiter: UInt8? = nil, columns: [CSVColumn]? = nil, naValues: [String] = []) {
    self.header = header
    self.delimiter = delimiter
    self.columns = columns
    self.naValues = naValues
  }
}

/// A column chosen by `columns=`: by its name in the header or by its position (from 0).
public enum CSVColumn: Sendable, Equatable {
  /// A column name.
  case name(String)
  /// A 0-based position.
  case index(Int)
}

/// The cells pandas reads as a missing value (NaN) by default (`keep_default_na=True`).
public let pandasNAValues = [
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
  "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]

/// How one CSV cell reads.
private enum CellValue {
  case integer(Int)
  case real(Double)
  /// A finite number in the text beyond float32's range.
  case overflow
  case boolean(Bool)
  case text
  case missing
}

@inline(__always) private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

/// Whether `p[start..<end]` is a decimal number as pandas reads one: an optional sign, digits with
/// an optional decimal point (`5`, `5.`, `.5`, `5.25`) and an optional exponent (`e-3`, `E+05`).
/// Hexadecimal (`0x10`), `nan(…)` and other forms only C's `strtod` knows are not numbers.
private func isDecimal(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
  var i = start
  if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
  var digits = 0
  while i < end && isDigit(p[i]) { i += 1; digits += 1 }
  if i < end && p[i] == 0x2E {
    i += 1
    while i < end && isDigit(p[i]) { i += 1; digits += 1 }
  }
  if digits == 0 { return false }
  if i < end && (p[i] | 0x20) == 0x65 {
    i += 1
    if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
    var e = 0
    while i < end && isDigit(p[i]) { i += 1; e += 1 }
    if e == 0 { return false }
  }
  return i == end
}

/// Whether the bytes equal `word` ignoring ASCII case.
private func equalsIgnoringCase(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ word: StaticString) -> Bool {
  guard end - start == word.utf8CodeUnitCount else { return false }
  let w = word.utf8Start
  for k in 0..<(end - start) where p[start + k] | 0x20 != w[k] { return false }
  return true
}

/// The missing-value spellings, matched byte for byte: all spellings in one array, and for each
/// first byte the set of their lengths (bit n: length n, bit 63: 63 or more), so that most cells
/// (`1.5`, `-0.25`) are ruled out by one look-up.
private struct NASet {
  var bytes: [UInt8] = []
  var spans: [(start: Int, count: Int)] = []
  var lengths = [UInt64](repeating: 0, count: 256)
  var empty = false
  init(_ extra: [String]) {
    for w in pandasNAValues + extra {
      let u = Array(w.utf8)
      if u.isEmpty { empty = true; continue }
      lengths[Int(u[0])] |= 1 << UInt64(min(u.count, 63))
      spans.append((bytes.count, u.count))
      bytes += u
    }
  }
  func contains(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    let n = end - start
    if n == 0 { return empty }
    if lengths[Int(p[start])] & (1 << UInt64(min(n, 63))) == 0 { return false }
    outer: for s in spans where s.count == n {
      for k in 0..<n where p[start + k] != bytes[s.start + k] { continue outer }
      return true
    }
    return false
  }
}

/// Parses the cell `p[start..<end]` (trimmed, quotes removed) as pandas' parser types a value:
/// a missing-value spelling, an integer, a decimal number, `inf`/`infinity` with an optional sign
/// (any case), `true`/`false` (any case), or text.
private func parseCell(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, na: NASet) -> CellValue {
  if na.contains(p, start, end) { return .missing }
  if start >= end { return .text }
  // Integer: optional sign and up to 18 digits.
  var i = start
  var neg = false
  if p[i] == 0x2D || p[i] == 0x2B { neg = p[i] == 0x2D; i += 1 }
  if i < end && end - i <= 18 {
    var v = 0
    var j = i
    while j < end && isDigit(p[j]) { v = v &* 10 &+ Int(p[j] &- 0x30); j += 1 }
    if j == end { return .integer(neg ? -v : v) }
  }
  if isDecimal(p, start, end) {
    var stop: UnsafeMutablePointer<CChar>? = nil
    let cp = UnsafeRawPointer(p + start).assumingMemoryBound(to: CChar.self)
    var f = strtod(cp, &stop)
    if let s = stop, cp.distance(to: UnsafePointer(s)) != end - start {
      // strtod read on into the next byte (a digit used as a separator): read the cell alone
      f = Double(String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)) ?? .nan
    }
    if Float(f).isInfinite { return .overflow }
    return .real(f)
  }
  let body = p[start] == 0x2B || p[start] == 0x2D ? start + 1 : start
  if equalsIgnoringCase(p, body, end, "inf") || equalsIgnoringCase(p, body, end, "infinity") {
    return .real(p[start] == 0x2D ? -.infinity : .infinity)
  }
  if equalsIgnoringCase(p, start, end, "true") { return .boolean(true) }
  if equalsIgnoringCase(p, start, end, "false") { return .boolean(false) }
  return .text
}

/// One cell of a record: the byte range (quotes removed) and whether it holds doubled quotes.
private struct Cell {
  var start: Int
  var end: Int
  var escaped: Bool
}

/// Splits delimited text into records (RFC 4180: a field in double quotes may hold the separator,
/// newlines and doubled quotes), skipping blank lines and tracking line numbers.
private struct RecordScanner {
  let p: UnsafePointer<UInt8>
  let count: Int
  let sep: UInt8
  var pos: Int
  /// The line `pos` is on (1-based).
  var line = 1

  /// Reads the next record into `cells`; returns the line it starts on, or nil at the end.
  /// - Throws: the line and column of a quoted field that is never closed.
  mutating func next(into cells: inout [Cell], unterminated: (Int, Int) -> Error) throws -> Int? {
    cells.removeAll(keepingCapacity: true)
    while pos < count {  // skip blank lines
      var i = pos
      while i < count && isSpace(p[i]) { i += 1 }
      if i < count && p[i] == 0x0A { pos = i + 1; line += 1; continue }
      if i >= count { pos = count }
      break
    }
    if pos >= count { return nil }
    let startLine = line
    var lineStart = pos
    var i = pos
    while true {
      while i < count && p[i] != sep && isSpace(p[i]) { i += 1 }
      if i < count && p[i] == 0x22 {
        let openLine = line, openColumn = i - lineStart + 1
        i += 1
        let cs = i
        var escaped = false
        while true {
          if i >= count { throw unterminated(openLine, openColumn) }
          if p[i] == 0x22 {
            if i + 1 < count && p[i + 1] == 0x22 { i += 2; escaped = true; continue }
            break
          }
          if p[i] == 0x0A { line += 1; lineStart = i + 1 }
          i += 1
        }
        cells.append(Cell(start: cs, end: i, escaped: escaped))
        i += 1
        while i < count && p[i] != sep && p[i] != 0x0A { i += 1 }
      } else {
        let cs = i
        while i < count && p[i] != sep && p[i] != 0x0A { i += 1 }
        var ce = i
        while ce > cs && isSpace(p[ce - 1]) { ce -= 1 }
        cells.append(Cell(start: cs, end: ce, escaped: false))
      }
      if i >= count { pos = count; return startLine }
      if p[i] == 0x0A { line += 1; pos = i + 1; return startLine }
      i += 1  // the separator
    }
  }
}

/// The separator of a file whose extension does not say: of `,`, tab, `;` and `|`, the one found
/// most often (outside quotes) on the first non-blank line; `,` when none is.
private func detectDelimiter(_ p: UnsafePointer<UInt8>, from start: Int, count: Int) -> UInt8 {
  let candidates: [UInt8] = [0x2C, 0x09, 0x3B, 0x7C]
  var seen = [Int](repeating: 0, count: candidates.count)
  var i = start
  while i < count && (isSpace(p[i]) || p[i] == 0x0A) { i += 1 }
  var quoted = false
  while i < count && (quoted || p[i] != 0x0A) {
    if p[i] == 0x22 { quoted.toggle() } else if !quoted, let k = candidates.firstIndex(of: p[i]) { seen[k] += 1 }
    i += 1
  }
  let best = seen.indices.max { seen[$0] < seen[$1] || (seen[$0] == seen[$1] && $0 > $1) }!
  return seen[best] > 0 ? candidates[best] : 0x2C
}

/// What a column turned out to hold, as pandas names the dtype.
public enum ColumnKind: String, Sendable, Equatable {
  /// Integers (no missing values).
  case int = "int64"
  /// Numbers, or integers with missing values.
  case float = "float64"
  /// `true`/`false` only.
  case bool
  /// Text: the values are categories.
  case text = "category"
}

/// A text column: each row's category code (−1 for a missing value, as pandas' `Categorical.codes`)
/// and the category names in sorted order, as `pandas.Categorical` orders them.
public struct TextColumn: Sendable, Equatable {
  /// One code per row: an index into `categories`, or −1 for a missing value.
  public var codes: [Int]
  /// The distinct values, sorted.
  public var categories: [String]

  /// A text column.
  public init(codes: [Int], categories: [String]) {
    self.codes = codes
    self.categories = categories
  }

  /// A text column from codes in order of first appearance (`firstSeen[c]` is the value of code
  /// `c`; −1 stays missing), recoded so that the categories are sorted.
  init(appearanceCodes: [Int], firstSeen: [String]) {
    let order = firstSeen.indices.sorted { firstSeen[$0] < firstSeen[$1] }
    var remap = [Int](repeating: 0, count: order.count)
    for (new, old) in order.enumerated() { remap[old] = new }
    self.init(codes: appearanceCodes.map { $0 < 0 ? -1 : remap[$0] }, categories: order.map { firstSeen[$0] })
  }
}

/// A delimited file read with column names or with text columns, as a `pandas.DataFrame`.
public struct Table: Sendable, Equatable {
  /// Column names, in the file's order (or the order `columns=` asked for).
  public var names: [String]
  /// Each column's kind, parallel to `names`.
  public var kinds: [ColumnKind]
  /// The numeric (int, float, bool) columns in order, as an `n × (number of them)` float32 matrix.
  public var data: Matrix
  /// The text columns in order.
  public var text: [TextColumn]
  /// Number of data rows.
  public var rows: Int

  /// A table.
  public init(names: [String], kinds: [ColumnKind], data: Matrix, text: [TextColumn], rows: Int) {
    self.names = names
    self.kinds = kinds
    self.data = data
    self.text = text
    self.rows = rows
  }
}

/// Reads CSV (`sep` = `,`), TSV (`sep` = tab) or other delimited text (`sep` nil: detected), with
/// the behaviour of `pandas.read_csv` (see `CSVOptions`).
///
/// Rows are records (`\n` or `\r\n`; a quoted field may span lines); blank lines are skipped; a
/// UTF-8 byte-order mark is ignored; cells are trimmed of spaces. With `header` `.auto` the first
/// row is the header unless every cell in it is a number, a boolean or a missing value (and not
/// all are empty); then it is data and `note` says so. Missing values (`pandasNAValues` and `options.naValues`) become NaN.
/// A column whose first non-missing cell is text is a text column (categories); any other column is
/// numeric, and a text cell further down it is an error.
///
/// Without a header and with only numeric columns the result is as before names existed: one
/// column of integers gives `.intVector`, of `true`/`false` `.boolVector`, any other single column
/// `.floatVector`, several columns an `n × d` `.matrix` (`true`/`false` as 1/0). Otherwise it is a
/// `.table` (columns named `0`, `1`, ... without a header). Numbers are stored as float32: a
/// finite number beyond its range is an error, and columns whose variation float32 cannot hold
/// get a warning (`float32LossWarning`).
/// - Throws: `DataFileError` with the line number for a ragged row, an unterminated quoted field,
///   a text cell in a numeric column, an unknown column name in `columns=` (with "did you mean"),
///   and for an empty file or a header without rows.
func loadDelimited(_ buf: ByteBuffer, sep defaultSep: UInt8?, options: CSVOptions = CSVOptions(), display: String,
                   warn: (String) -> Void = { _ in }, note: (String) -> Void = { _ in },
                   cancelled: () -> Bool = { false }) throws -> LoadedData {
  try buf.withBytes { raw in
    func err(_ k: DataFileError.Kind, _ line: Int?, _ m: String) -> DataFileError {
      DataFileError(path: display, line: line, kind: k, message: m)
    }
    let count = raw.count
    if count == 0 { throw err(.empty, nil, "empty file") }
    let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let bom = count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
    let sep = options.delimiter ?? defaultSep ?? detectDelimiter(p, from: bom, count: count)
    var scanner = RecordScanner(p: p, count: count, sep: sep, pos: bom)
    let unterminated = { (line: Int, column: Int) -> Error in
      err(.unterminatedQuote, line, "unterminated quoted field: the quote opened at column \(column) is never closed")
    }
    let na = NASet(options.naValues)
    func text(_ c: Cell) -> String {
      let s = String(decoding: UnsafeBufferPointer(start: p + c.start, count: c.end - c.start), as: UTF8.self)
      return c.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
    func shown(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }

    var cells: [Cell] = []
    cells.reserveCapacity(1024)
    guard let firstLine = try scanner.next(into: &cells, unterminated: unterminated) else {
      throw err(.empty, nil, "empty file (no rows)")
    }
    let ncols = cells.count
    // The header, decided on the first row: it is data when no cell is text (numbers, booleans and
    // missing-value spellings such as nan), unless every cell is empty.
    let firstAllNumbers = cells.contains(where: { $0.end > $0.start })
      && !cells.contains(where: { if case .text = parseCell(p, $0.start, $0.end, na: na) { return true }; return false })
    let hasHeader: Bool
    switch options.header {
    case .yes: hasHeader = true
    case .no: hasHeader = false
    case .auto:
      hasHeader = !firstAllNumbers
      if firstAllNumbers {
        note("\(display): first row is numeric, read as data (header=true to use it as column names)")
      }
    }
    var names: [String]
    if hasHeader {
      // pandas: an empty name is "Unnamed: k"; a repeated name gets ".1", ".2", ...
      names = []
      var used = Set<String>()
      for (k, c) in cells.enumerated() {
        let base = c.end > c.start ? text(c) : "Unnamed: \(k)"
        var name = base
        var n = 0
        while used.contains(name) { n += 1; name = "\(base).\(n)" }
        used.insert(name)
        names.append(name)
      }
    } else {
      names = (0..<ncols).map(String.init)
    }
    // The selected columns.
    var selected = Array(0..<ncols)
    if let chosen = options.columns {
      selected = []
      for c in chosen {
        let j: Int
        switch c {
        case .index(let i):
          guard i >= 0 && i < ncols else {
            throw err(.unknownColumn, firstLine, "no column \(i): the file has \(ncols) column\(ncols == 1 ? "" : "s") (0 to \(ncols - 1))")
          }
          j = i
        case .name(let s):
          guard let i = names.firstIndex(of: s) else {
            throw err(.unknownColumn, firstLine, "no column named '\(s)'\(didYouMean(s, names)); columns: "
              + names.map { "'\($0)'" }.joined(separator: ", "))
          }
          j = i
        }
        if selected.contains(j) { throw err(.unknownColumn, firstLine, "column '\(names[j])' is chosen twice") }
        selected.append(j)
      }
      if selected.isEmpty { throw err(.unknownColumn, firstLine, "columns= chooses no column") }
    }
    let width = selected.count

    enum State { case undecided, int, float, bool, text }
    var state = [State](repeating: .undecided, count: width)
    var missingSeen = [Bool](repeating: false, count: width)
    var codes = [[String: Int]](repeating: [:], count: width)
    var lo = [Double](repeating: .infinity, count: width), hi = [Double](repeating: -.infinity, count: width)
    var values: [Float] = []
    var ints: [Int] = []  // one-column files only: integers exactly
    var rows = 0
    var line = firstLine
    var reading = !hasHeader
    if hasHeader { line = try scanner.next(into: &cells, unterminated: unterminated) ?? 0 }
    if line > 0 {
      let guess = min(count / max(scanner.pos - bom, 1) + 16, 1 << 26)
      values.reserveCapacity(guess * width)
      reading = true
    }
    while reading {
      if rows & 0x3FFF == 0x3FFF && cancelled() { throw AlgorithmError.cancelled }
      if cells.count != ncols {
        throw err(.raggedRow, line, "ragged row: expected \(ncols) field\(ncols == 1 ? "" : "s") "
          + "(as on line \(firstLine)), found \(cells.count)")
      }
      for k in 0..<width {
        let c = cells[selected[k]]
        if state[k] == .text {
          if na.contains(p, c.start, c.end) { values.append(-1); continue }
          let s = text(c)
          if let code = codes[k][s] { values.append(Float(code)) } else {
            values.append(Float(codes[k].count))
            codes[k][s] = codes[k].count
          }
          continue
        }
        switch parseCell(p, c.start, c.end, na: na) {
        case .missing:
          values.append(.nan)
          missingSeen[k] = true
          if state[k] == .int || state[k] == .bool { state[k] = .float }
          if width == 1 { ints.append(0) }
        case .integer(let v):
          values.append(Float(v))
          lo[k] = min(lo[k], Double(v)); hi[k] = max(hi[k], Double(v))
          if width == 1 { ints.append(v) }
          if state[k] == .undecided || state[k] == .bool { state[k] = missingSeen[k] ? .float : .int }
        case .real(let v):
          values.append(Float(v))
          if v.isFinite { lo[k] = min(lo[k], v); hi[k] = max(hi[k], v) }
          state[k] = .float
        case .boolean(let v):
          values.append(v ? 1 : 0)
          if width == 1 { ints.append(v ? 1 : 0) }
          if state[k] == .undecided { state[k] = missingSeen[k] ? .float : .bool }
        case .overflow:
          throw err(.outOfRange, line, "the number in column \(selected[k] + 1) ('\(names[selected[k]])') is beyond "
            + "float32's range (±3.4e38), in which clus keeps data")
        case .text:
          if state[k] != .undecided {
            throw err(.notNumeric, line, "not a number in column \(selected[k] + 1) ('\(names[selected[k]])'): "
              + "'\(shown(text(c)))', where the rows above hold numbers (na_values= adds spellings of a missing value)")
          }
          // the first value of a text column: earlier rows were missing values (code −1)
          state[k] = .text
          codes[k][text(c)] = 0
          var r = rows - 1
          while r >= 0 { values[r * width + k] = -1; r -= 1 }
          values.append(0)
        }
      }
      rows += 1
      guard let l = try scanner.next(into: &cells, unterminated: unterminated) else { break }
      line = l
    }
    if rows == 0 { throw err(.empty, nil, "the file has a header row but no data rows") }

    let kinds: [ColumnKind] = state.map {
      switch $0 {
      case .int: return .int
      case .bool: return .bool
      case .text: return .text
      case .float, .undecided: return .float
      }
    }
    let numeric = (0..<width).filter { kinds[$0] != .text }
    float32LossWarning(lo: numeric.map { lo[$0] }, hi: numeric.map { hi[$0] },
                       integers: numeric.allSatisfy { kinds[$0] == .int }, display: display, warn: warn)
    if !hasHeader && numeric.count == width {
      if width == 1 {
        switch kinds[0] {
        case .bool: return .boolVector(ints.map { $0 != 0 })
        case .int: return .intVector(ints)
        default: return .floatVector(values)
        }
      }
      return .matrix(Matrix(rows: rows, cols: width, data: values))
    }
    var text: [TextColumn] = []
    for k in 0..<width where kinds[k] == .text {
      // categories in sorted order, as pandas.Categorical
      text.append(TextColumn(appearanceCodes: (0..<rows).map { Int(values[$0 * width + k]) },
                             firstSeen: codes[k].sorted { $0.value < $1.value }.map(\.key)))
    }
    let data: Matrix
    if numeric.count == width {
      data = Matrix(rows: rows, cols: width, data: values)
    } else {
      var out = [Float](repeating: 0, count: rows * numeric.count)
      for r in 0..<rows { for (t, k) in numeric.enumerated() { out[r * numeric.count + t] = values[r * width + k] } }
      data = Matrix(rows: rows, cols: numeric.count, data: out)
    }
    return .table(Table(names: selected.map { names[$0] }, kinds: kinds, data: data, text: text, rows: rows))
  }
}
