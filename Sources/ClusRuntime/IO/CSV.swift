#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ClusAlgorithms

/// Whether the number written in `p[start..<end]` has at most 6 significant digits (leading zeros
/// and an exponent not counted): float32's FLT_DIG, so that its shortest decimal is that number.
@inline(__always)
private func atMostSixDigits(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
  var n = 0
  var i = start
  while i < end {
    let b = p[i]
    if b == 0x65 || b == 0x45 { break }  // e, E
    if b >= 0x30 && b <= 0x39 && (n > 0 || b != 0x30) {
      n += 1
      if n > 6 { return false }
    }
    i += 1
  }
  return true
}

/// Whether the number `v`, written in `p[start..<end]`, is neither held by float32 nor given back by its
/// shortest decimal (0.123456789; not 0.1, nor a float32 written in full with 17 digits). Out of the
/// per-cell loop (a cold check, once a file).
@inline(never)
private func losesDigitsInFloat32(_ v: Double, _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
  // (a number float32 holds only as 0 is said by the warning of numbers below float32's smallest)
  v.isFinite && Float(v) != 0 && Double(Float(v)) != v && !(Float(v).isNormal && atMostSixDigits(p, start, end))
    && shortestDecimal(Float(v)) != v
}

/// What clus makes of "-0" and of integers beyond int64 in a numeric column, tracked per column as
/// the cells are read, after pandas' C parser where it can be followed without rounding in silence:
/// - a column of integers only (and missing values) holding one beyond int64 is read by pandas as uint64
///   when every value is a non-negative integer within 2^64 − 1 (float64 here, said), otherwise as an
///   object column of the strings (a negative integer or a "-0", a missing value, an integer beyond
///   2^64 − 1): text here, its integers as written;
/// - with a decimal too, float64 (pandas' too, unless the first big integer comes before the first
///   decimal and uint64 does not hold it: then an object column), said with the first it rounds;
/// - "-0" is -0.0 in a column with a decimal, which pandas reads as float64 (a column of integers that
///   is float64 only for a missing value is ints cast, 0.0).
/// (Out of line: the per-cell loop stays small enough for the compiler to keep its array accesses inline.)
private struct PandasIntegers {
  enum Reading { case float64, uint64, object }
  /// Per column, the first integer beyond int64: its text (as messages show it) and line.
  var big: [(text: String, line: Int)?]
  /// Per column, the first integer beyond int64 that float64 changes: its text, line and float64 value.
  var rounded: [(text: String, line: Int, value: Double)?]
  /// Per column, the rows of "-0" read as the integer 0.
  var negativeZeros: [[Int]]
  /// Per column, whether it holds a negative integer (or "-0"), a missing value, or an integer beyond uint64.
  private var stops: [Bool]

  init(width: Int) {
    big = Array(repeating: nil, count: width)
    rounded = Array(repeating: nil, count: width)
    negativeZeros = Array(repeating: [], count: width)
    stops = Array(repeating: false, count: width)
  }

  /// An integer cell ≤ 0 (`minus`: written with a minus sign; "-0" for 0).
  @inline(never) mutating func nonPositive(column k: Int, row: Int, value v: Int, minus: Bool) {
    if v < 0 || minus { stops[k] = true }
    if v == 0 && minus { negativeZeros[k].append(row) }
  }

  @inline(never) mutating func missing(column k: Int, row: Int) { stops[k] = true }

  /// A cell of magnitude at least 2^63 read as the real number `v` from `p[start..<end]`; returns whether
  /// it is written as an integer.
  @inline(never) mutating func real(column k: Int, line: Int, _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, value v: Double) -> Bool {
    guard isIntegerSpelling(p, start, end) else { return false }
    func shown() -> String {
      let t = String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
      return t.count > 40 ? String(t.prefix(40)) + "…" : t
    }
    if big[k] == nil { big[k] = (shown(), line) }
    let exact = p[start] == 0x2D ? nil : uint64Value(p, start, end)
    if p[start] == 0x2D || exact == nil { stops[k] = true }
    if rounded[k] == nil && (exact == nil || UInt64(exactly: v) != exact) { rounded[k] = (shown(), line, v) }
    return true
  }

  /// What becomes of column `k` (`decimal`: it holds a number written as a decimal).
  func reading(column k: Int, decimal: Bool) -> Reading {
    guard big[k] != nil else { return .float64 }
    if decimal { return .float64 }
    return stops[k] ? .object : .uint64
  }
}

/// Column `k`'s float64 values for the `rows` rows read so far, when it starts keeping them: its ints
/// kept exactly (`exactInts`), else the decimals of the float32 values in `values` (`rows × width`,
/// exact: float32 held them as read).
private func startedExactFloats(column k: Int, rows: Int, width: Int, values: [Float], exactInts: [Int]?) -> [Double] {
  (0..<rows).map { r in exactInts.map { Double($0[r]) } ?? shortestDecimal(values[r * width + k]) }
}

/// Reads CSV (`sep` = `,`), TSV (`sep` = tab) or other delimited text (`sep` nil: detected), with
/// the behaviour of `pandas.read_csv` (see `CSVOptions`).
///
/// Rows are records (`\n` or `\r\n`; a quoted field may span lines); blank lines are skipped; a
/// UTF-8 byte-order mark is ignored; cells are trimmed of spaces. With `header` `.auto` the first
/// row is the header unless every cell in it is a number, a boolean or a missing value (and not
/// all are empty); then it is data and `note` says so. Missing values (`pandasNAValues` and `options.naValues`) become NaN.
/// A column whose first non-missing cell is text is a text column (categories), and so is one that
/// mixes numbers with text or booleans (read again as text, with a warning: pandas' object column);
/// any other column is numeric. An `na_values` spelling that is a number also matches equal numbers.
///
/// Without a header and with only numeric columns the result is as before names existed: one
/// column of integers gives `.intVector`, of `true`/`false` `.boolVector`, any other single column
/// `.doubleVector` (the float64 values of its text, `shortestDecimal`), several columns an `n × d` `.matrix` (`true`/`false` as 1/0). Otherwise it is a
/// `.table` (columns named `0`, `1`, ... without a header). Numbers are stored as float32: a
/// finite number beyond its range is an error, and columns whose variation float32 cannot hold
/// get a warning (`float32LossWarning`).
/// - Throws: `DataFileError` with the line number for a ragged row, an unterminated quoted field,
///   an unknown column name in `columns=` (with "did you mean"),
///   and for an empty file or a header without rows.
func loadDelimited(_ buf: ByteBuffer, sep defaultSep: UInt8?, options: CSVOptions = CSVOptions(), display: String,
                   warn: (String) -> Void = { _ in }, note: (String) -> Void = { _ in },
                   cancelled: () -> Bool = { false }) throws -> LoadedData {
  // a column that mixes numbers with text (or with booleans) is read again as text, as pandas reads
  // an object column, with a warning (it was an error: such a file could not be read at all)
  var o = options
  var mixed: [String] = []
  while true {
    var warnings: [String] = [], notes: [String] = []
    do {
      let data = try loadDelimitedOnce(buf, sep: defaultSep, options: o, display: display, warn: { warnings.append($0) },
                                       note: { notes.append($0) }, cancelled: cancelled)
      notes.forEach(note)
      mixed.forEach(warn)
      warnings.forEach(warn)
      return data
    } catch let found as MixedColumns {
      for m in found.columns { o.textColumns.insert(m.column) }
      // one warning a column, for the first three (a wide file of such columns got one a column)
      for m in found.columns.prefix(3) {
        if m.bigIntegers {
          mixed.append("\(display): \(m.name) holds integers beyond int64's range ('\(m.cell)' on line \(m.line)) beside negative or missing "
            + "values, or beyond uint64's, so it is read as text (categories, its integers as written), as pandas reads an object column; "
            + "float64 would round them")
          continue
        }
        mixed.append("\(display): \(m.name) holds numbers and \(m.boolean ? "booleans" : "text") ('\(m.cell)' on line \(m.line)), so it is read "
          + "as text (categories, its numbers as written), as pandas reads an object column"
          + (m.boolean ? "" : "; na_values= makes a spelling of a missing value missing instead"))
      }
      if found.columns.count > 3 {
        mixed.append("\(display): \(found.columns.count - 3) more columns hold numbers and text or booleans, and are read as text too")
      }
    }
  }
}

/// The columns that turned out to mix numbers with text or booleans: `loadDelimited` reads the
/// file again with them as text.
private struct MixedColumns: Error { let columns: [MixedColumn] }

/// A column that mixes numbers with text or booleans, and where it was found.
private struct MixedColumn {
  /// The column's position in the file, from 0.
  let column: Int
  /// How messages name it, the first cell of the other kind, its line, and whether that was a boolean.
  let name: String, cell: String, line: Int, boolean: Bool
  /// Integers beyond int64 that uint64 does not hold either (beyond 2^64 − 1, or beside a negative
  /// integer): pandas keeps such a column as an object column of the strings, and so clus as text.
  var bigIntegers = false
}

/// One reading of the file (`loadDelimited`), with `options.textColumns` read as text.
/// - Throws: `MixedColumns` for columns that mix kinds; otherwise as `loadDelimited`.
private func loadDelimitedOnce(_ buf: ByteBuffer, sep defaultSep: UInt8?, options: CSVOptions, display: String,
                               warn: (String) -> Void, note: (String) -> Void, cancelled: () -> Bool) throws -> LoadedData {
  try buf.withBytes { raw in
    func err(_ k: DataFileError.Kind, _ line: Int?, _ m: String) -> DataFileError {
      DataFileError(path: display, line: line, kind: k, message: m)
    }
    let count = raw.count
    if count == 0 { throw err(.empty, nil, "empty file") }
    let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
    let bom = count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
    // UTF-8 only, as pandas' default: other encodings were read with their bytes replaced, so
    // that "café" and "cafè" in Latin-1 became one category
    if count >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)) {
      throw err(.badEncoding, nil, "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
    }
    // lines ended by a carriage return alone (classic Mac OS text): read as one long line, it gave
    // "a header row but no data rows"
    if memchr(p, 0x0A, count) == nil, let cr = memchr(p, 0x0D, count), UnsafeRawPointer(cr) - UnsafeRawPointer(p) < count - 1 {
      throw err(.badEncoding, nil, "its lines end with a carriage return alone (classic Mac OS text); convert them to line feeds (e.g. tr '\\r' '\\n')")
    }
    if let bad = firstInvalidUTF8(p, from: bom, count: count) {
      var line = 1
      for t in 0..<bad where p[t] == 0x0A { line += 1 }
      throw err(.badEncoding, line, String(format: "byte 0x%02X is not UTF-8 text (Latin-1 or another 8-bit encoding?); save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)", p[bad]))
    }
    let sep = options.delimiter ?? defaultSep ?? detectDelimiter(p, from: bom, count: count)
    // (a detected space: runs of spaces and tabs, as numpy.savetxt writes and numpy.loadtxt reads)
    let runs = options.whitespace || (options.delimiter == nil && defaultSep == nil && sep == 0x20)
    var scanner = RecordScanner(p: p, count: count, sep: sep, runs: runs, pos: bom)
    let unterminated = { (line: Int, column: Int) -> Error in
      err(.unterminatedQuote, line, "unterminated quoted field: the quote opened at column \(column) is never closed")
    }
    let afterQuote = { (line: Int, column: Int) -> Error in
      err(.unterminatedQuote, line, "text after a closing quote at column \(column): a quoted field ends at its quote; put the whole value inside the quotes (\"xy\", not \"x\"y)")
    }
    let na = NASet(options.naValues)
    func text(_ c: Cell) -> String {
      let s = String(decoding: UnsafeBufferPointer(start: p + c.start, count: c.end - c.start), as: UTF8.self)
      return c.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
    func shown(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }

    var cells: [Cell] = []
    cells.reserveCapacity(1024)
    guard let firstLine = try scanner.next(into: &cells, unterminated: unterminated, afterQuote: afterQuote) else {
      throw err(.empty, nil, "empty file (no rows)")
    }
    let ncols = cells.count
    // one column whose first row is numbers separated by spaces: most likely np.savetxt's default
    // output, which no detected delimiter splits (pandas reads it as one text column too)
    if ncols == 1, options.delimiter == nil, defaultSep == nil {
      let words = text(cells[0]).split(whereSeparator: { $0 == " " || $0 == "\t" })
      if words.count >= 2, words.allSatisfy({ Double($0) != nil }) {
        note("\(display): one column, whose first row holds numbers separated by spaces; give delimiter=\" \" to split them (np.savetxt's default)")
      }
    }
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
      // pandas: an empty name is "Unnamed: k"; a repeated name gets ".1", ".2", ..., skipping the
      // names the header has (a,a,,b,a.1 gives a, a.2, Unnamed: 2, b, a.1: the file's own a.1 keeps
      // its name; it became a.1.1 and d["a.1"] gave the second a)
      let bases = cells.enumerated().map { k, c in c.end > c.start ? text(c) : "Unnamed: \(k)" }
      let inHeader = Set(bases)
      names = []
      var used = Set<String>()
      for base in bases {
        var name = base
        var n = 0
        while used.contains(name) || (n > 0 && inHeader.contains(name)) { n += 1; name = "\(base).\(n)" }
        used.insert(name)
        names.append(name)
      }
    } else {
      names = (0..<ncols).map(String.init)
    }
    // how an error names column k: by its position, and by its header's name if there is one
    func column(_ k: Int) -> String { hasHeader ? "column \(k + 1) ('\(names[k])')" : "column \(k + 1)" }
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

    // (.decimal: float, with a number written as a decimal, which pandas' int64 and uint64 readings stop at)
    enum State { case undecided, int, float, decimal, bool, text }
    var state = selected.map { options.textColumns.contains($0) ? State.text : .undecided }
    // the columns found to mix numbers with text or booleans, each with its first such cell: the
    // whole file is read once, then again with them all as text (once a column, it could take a pass each)
    var mixed = [MixedColumn?](repeating: nil, count: width)
    var anyMixed = false
    var numberMissing = [Bool](repeating: false, count: width)
    func mixedAt(_ k: Int, _ c: Cell, boolean: Bool) {
      mixed[k] = MixedColumn(column: selected[k], name: column(selected[k]), cell: shown(text(c)), line: line, boolean: boolean)
      anyMixed = true
    }
    var missingSeen = [Bool](repeating: false, count: width)
    var codes = [[ExactText: Int]](repeating: [:], count: width)
    var lo = [Double](repeating: .infinity, count: width), hi = [Double](repeating: -.infinity, count: width)
    // numbers that float32 holds only as 0 (below about 7e-46): how many, and the first (value, line, column)
    var vanished = 0
    var firstVanished = (0.0, 0, 0)
    var vanishedIn = Set<Int>()  // the columns that hold them
    var values: [Float] = []
    var ints: [Int] = []  // one-column files only: integers exactly
    // an int column holding a value beyond 2^24 (ids, counts), which float32 rounds: its values exactly,
    // from that row on (the rows above hold integers up to 2^24 or booleans, exact in float32)
    var exactInts = [[Int]](repeating: [], count: width)
    var keepsInts = [Bool](repeating: false, count: width)
    // a float column holding a number that float32 does not give back as read (more than about 7
    // significant digits): its float64 values, as pandas reads them, from the first row
    // (flags beside plain arrays, and no local function capturing the arrays: this loop is per cell)
    var exactFloats = [[Double]](repeating: [], count: width)
    var keepsFloats = [Bool](repeating: false, count: width)
    // numbers beyond 2^24 that float32 changes (timestamps, ids), per column: how many, and the first
    // (value, line, column); counted at the end unless the column stays int (its values kept exactly)
    var rounded = [Int](repeating: 0, count: width)
    var firstRounded = [(Double, Int, Int)](repeating: (0, 0, 0), count: width)
    // booleans, and numbers, seen per column: booleans with a missing value and no number make
    // pandas' object column of True/False/NaN
    var sawBool = [Bool](repeating: false, count: width), sawNumber = [Bool](repeating: false, count: width)
    // "-0" and integers beyond int64, as pandas reads them (see PandasIntegers)
    var pandasIntegers = PandasIntegers(width: width)
    // the first number with more digits than float32 holds (text, line, column, its float32), for a file
    // read as a float32 matrix, whose columns keep nothing beside it
    var firstLostDigits: (text: String, line: Int, column: Int, kept: Float)? = nil
    var rows = 0
    var line = firstLine
    var reading = !hasHeader
    if hasHeader { line = try scanner.next(into: &cells, unterminated: unterminated, afterQuote: afterQuote) ?? 0 }
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
        if anyMixed && mixed[k] != nil { values.append(0); continue }  // read again as text: see loadDelimited
        if state[k] == .text {
          // a missing-value spelling (na_values' whole numbers in both spellings, -999 and -999.0, as pandas)
          if na.contains(p, c.start, c.end) {
            values.append(-1)
            continue
          }
          let s = ExactText(text(c))
          if let code = codes[k][s] { values.append(Float(code)) } else {
            values.append(Float(codes[k].count))
            codes[k][s] = codes[k].count
          }
          continue
        }
        switch parseCell(p, c.start, c.end, na: na) {
        case .missing:
          // a number na_values matched by value, not by spelling: a text column would keep it (pandas)
          if !na.numbers.isEmpty && !na.contains(p, c.start, c.end) { numberMissing[k] = true }
          // an int column with ints beyond 2^24 becomes float: its float64 values keep them
          if keepsInts[k] && !keepsFloats[k] { exactFloats[k] = startedExactFloats(column: k, rows: rows, width: width, values: values, exactInts: keepsInts[k] ? exactInts[k] : nil); keepsFloats[k] = true }
          if keepsFloats[k] { exactFloats[k].append(.nan) }
          values.append(.nan)
          missingSeen[k] = true
          pandasIntegers.missing(column: k, row: rows)
          if state[k] == .int || state[k] == .bool { state[k] = .float }
          if keepsInts[k] { exactInts[k] = []; keepsInts[k] = false }  // a float column now, as pandas makes it
          if width == 1 { ints.append(0) }
        case .integer(let v):
          if sawBool[k] { mixedAt(k, c, boolean: true); values.append(0); continue }
          if v <= 0 { pandasIntegers.nonPositive(column: k, row: rows, value: v, minus: p[c.start] == 0x2D) }
          if keepsFloats[k] { exactFloats[k].append(Double(v)) }
          values.append(Float(v))
          sawNumber[k] = true
          lo[k] = min(lo[k], Double(v)); hi[k] = max(hi[k], Double(v))
          if width == 1 { ints.append(v) }
          if state[k] == .undecided || state[k] == .bool { state[k] = missingSeen[k] ? .float : .int }
          // an integer that float32 rounds, in a float column (an int column keeps its ints in exactInts)
          if (state[k] == .float || state[k] == .decimal) && !keepsFloats[k] && v.magnitude >= 1_000_000 && shortestDecimal(Float(v)) != Double(v) {
            exactFloats[k] = startedExactFloats(column: k, rows: rows, width: width, values: values, exactInts: keepsInts[k] ? exactInts[k] : nil)
            keepsFloats[k] = true
            exactFloats[k].append(Double(v))
          }
          if state[k] == .int {
            if !keepsInts[k], v.magnitude > 1 << 24 { exactInts[k] = (0..<rows).map { Int(values[$0 * width + k]) }; keepsInts[k] = true }
            if keepsInts[k] { exactInts[k].append(v) }
          }
          if v.magnitude > 1 << 24 && Double(Float(v)) != Double(v) {
            if rounded[k] == 0 { firstRounded[k] = (Double(v), line, selected[k] + 1) }
            rounded[k] += 1
          }
        case .real(let v):
          if sawBool[k] { mixedAt(k, c, boolean: true); values.append(0); continue }
          // (a cell of at most 6 significant digits comes back from a normal float32 as written: FLT_DIG)
          // (2^64 is a float32 too, whose shortest decimal 1.8446744e+19 is another number: compared as decimals)
          if !keepsFloats[k] && (keepsInts[k] || (v.isFinite && !(Float(v).isNormal && atMostSixDigits(p, c.start, c.end))
                                                          && shortestDecimal(Float(v)) != v)) { exactFloats[k] = startedExactFloats(column: k, rows: rows, width: width, values: values, exactInts: keepsInts[k] ? exactInts[k] : nil); keepsFloats[k] = true }
          if keepsFloats[k] { exactFloats[k].append(v) }
          values.append(Float(v))
          sawNumber[k] = true
          if keepsInts[k] { exactInts[k] = []; keepsInts[k] = false }
          // an integer beyond int64 (a uint64 id, a hash) read as float64, rounded: see PandasIntegers
          var decimal = true
          if v.magnitude >= 9.223372036854775807e18 {
            decimal = !pandasIntegers.real(column: k, line: line, p, c.start, c.end, value: v)
          }
          // the first number whose float32 is neither it nor its decimals (0.123456789; not 0.1, nor a float32 written in full)
          if !hasHeader && firstLostDigits == nil && losesDigitsInFloat32(v, p, c.start, c.end) {
            firstLostDigits = (shown(text(c)), line, selected[k] + 1, Float(v))
          }
          if abs(v) >= 16_777_216 && v.isFinite && Double(Float(v)) != v {
            if rounded[k] == 0 { firstRounded[k] = (v, line, selected[k] + 1) }
            rounded[k] += 1
          }
          if v != 0 && Float(v) == 0 {
            if vanished == 0 { firstVanished = (v, line, selected[k] + 1) }
            vanished += 1
            vanishedIn.insert(k)
          }
          if v.isFinite { lo[k] = min(lo[k], v); hi[k] = max(hi[k], v) }
          if decimal { state[k] = .decimal } else if state[k] != .decimal { state[k] = .float }
        case .boolean(let v):
          if sawNumber[k] { mixedAt(k, c, boolean: true); values.append(0); continue }
          values.append(v ? 1 : 0)
          if keepsFloats[k] { exactFloats[k].append(v ? 1 : 0) }
          sawBool[k] = true
          if width == 1 { ints.append(v ? 1 : 0) }
          if state[k] == .undecided { state[k] = missingSeen[k] ? .float : .bool }
          if state[k] == .int && keepsInts[k] { exactInts[k].append(v ? 1 : 0) }
        case .overflow:
          throw err(.outOfRange, line, "the number '\(shown(text(c)))' in \(column(selected[k])) is beyond "
            + "float32's range (±3.4e38), in which clus keeps data")
        case .text:
          // (a column whose only numbers so far were na_values matched by value holds numbers too)
          if state[k] != .undecided || numberMissing[k] {
            mixedAt(k, c, boolean: false)
            values.append(0)
            continue
          }
          // the first value of a text column: earlier rows were missing values (code −1)
          state[k] = .text
          codes[k][ExactText(text(c))] = 0
          var r = rows - 1
          while r >= 0 { values[r * width + k] = -1; r -= 1 }
          values.append(0)
        }
      }
      rows += 1
      guard let l = try scanner.next(into: &cells, unterminated: unterminated, afterQuote: afterQuote) else { break }
      line = l
    }
    if rows == 0 { throw err(.empty, nil, "the file has a header row but no data rows") }
    // Integers beyond int64 (PandasIntegers): a column of integers that pandas keeps as an object column
    // of the strings is text (float64 rounded them, unsaid: 77941797032362897100); one of uint64 is float64
    var asUInt64 = [Bool](repeating: false, count: width)
    for k in 0..<width where mixed[k] == nil && !sawBool[k] {
      guard let big = pandasIntegers.big[k] else { continue }
      switch pandasIntegers.reading(column: k, decimal: state[k] == .decimal) {
      case .object: mixed[k] = MixedColumn(column: selected[k], name: column(selected[k]), cell: big.text, line: big.line, boolean: false, bigIntegers: true)
      case .uint64: asUInt64[k] = true
      case .float64: break
      }
    }
    if mixed.contains(where: { $0 != nil }) { throw MixedColumns(columns: mixed.compactMap { $0 }) }

    let kinds: [ColumnKind] = state.indices.map { k in
      switch state[k] {
      case .int: return .int
      case .bool: return .bool
      case .text: return .text
      case .float where sawBool[k] && !sawNumber[k] && missingSeen[k]: return .boolWithMissing
      case .float, .decimal, .undecided: return .float
      }
    }
    // "-0" in a column with a decimal is -0.0, as pandas reads it (the integer 0 had lost its sign)
    for k in 0..<width where kinds[k] == .float && state[k] == .decimal {
      for r in pandasIntegers.negativeZeros[k] {
        values[r * width + k] = -0.0
        if keepsFloats[k] && r < exactFloats[k].count { exactFloats[k][r] = -0.0 }
      }
    }
    // integers beyond int64 that float64 (a float32 matrix: float32) rounds, in a column read as numbers:
    // said here with the first that changes (not by the warning below, which says a column keeps its
    // numbers as read)
    var beyondInt64: [String] = []
    let matrix = !hasHeader && (0..<width).allSatisfy { kinds[$0] != .text } && width > 1
    for k in 0..<width where kinds[k] == .float && pandasIntegers.big[k] != nil {
      rounded[k] = 0
      guard let first = pandasIntegers.rounded[k] else { continue }
      let kept = matrix ? Double(Float(first.value)) : first.value
      let keptText = UInt64(exactly: kept).map(String.init) ?? kept.description
      let how = asUInt64[k] ? "pandas reads it as uint64, clus as \(matrix ? "float32 (a matrix)" : "float64")"
        : "beside decimals it is read as \(matrix ? "float32 (a matrix)" : "float64"), as pandas reads it"
      beyondInt64.append("\(display): \(column(selected[k])) holds integers beyond int64's range (2^63 − 1), in which clus keeps integers: "
        + "\(how), which rounds them (\(first.text) on line \(first.line) is kept as \(keptText))")
    }
    let numeric = (0..<width).filter { kinds[$0] != .text }
    let exactColumns = hasHeader || numeric.count < width
    let warned = float32LossWarning(lo: numeric.map { lo[$0] }, hi: numeric.map { hi[$0] },
                                    integers: numeric.allSatisfy { kinds[$0] == .int }, display: display,
                                    names: numeric.map { column(selected[$0]) }, exactInts: exactColumns,
                                    keptExactly: numeric.map { k in
                                      exactColumns && ((kinds[k] == .int && keepsInts[k]) || (kinds[k] == .float && keepsFloats[k]))
                                        ? names[selected[k]] : nil
                                    },
                                    warn: warn)
    // the float columns' rounded numbers (reals, and the integers of a column that became float with a
    // missing value or a decimal), the first by line, then column; one warning of lost digits is enough
    let lossy = (0..<width).filter { kinds[$0] == .float && rounded[$0] > 0 }
    let roundedCount = lossy.reduce(0) { $0 + rounded[$1] }
    if roundedCount > 0 && !warned, let first = lossy.min(by: { (firstRounded[$0].1, firstRounded[$0].2) < (firstRounded[$1].1, firstRounded[$1].2) }) {
      let (v, l, c) = firstRounded[first]
      let many = "\(display): \(roundedCount) number\(roundedCount == 1 ? "" : "s") beyond 2^24 = 16,777,216 \(roundedCount == 1 ? "loses" : "lose") digits in float32"
      if exactColumns && lossy.allSatisfy({ keepsFloats[$0] }) {
        // the columns keep them (float64); only the float32 .data the algorithms read rounds them
        warn(many + ": the frame's .data (float32, what umap and the other algorithms use) has \(Double(Float(v))) for \(v) on line \(l), "
          + "column \(c), while the column keeps the numbers as read (d[\(Display.quote(names[selected[first]]))]). Subtract a common offset, or change the unit, "
          + "before using it as data.")
      } else {
        warn(many + ", in which clus keeps data (\(v) on line \(l), column \(c) is kept as \(Double(Float(v)))). Subtract a common offset, or change "
          + "the unit, before loading.")
      }
    }
    beyondInt64.forEach(warn)
    let vanishedKept = vanishedIn.allSatisfy { keepsFloats[$0] }
    if vanished > 0 && vanishedKept && exactColumns {
      // (p-values: -log10 of the column works; only the float32 .data holds 0)
      warn("\(display): \(vanished) non-zero number\(vanished == 1 ? " is" : "s are") below float32's smallest (1.4e-45): the frame's .data "
        + "(float32, what umap and the other algorithms use) holds \(vanished == 1 ? "it" : "them") as 0 (the first: \(firstVanished.0), line "
        + "\(firstVanished.1), column \(firstVanished.2)), while the column keeps the numbers as read")
    } else if vanished > 0 && !(vanishedKept && !hasHeader && width == 1) {
      // (a one-column file's float64 vector keeps them: nothing is lost)
      warn(float32UnderflowWarning(display, count: vanished, noun: "number", first: firstVanished.0,
                                   at: "line \(firstVanished.1), column \(firstVanished.2)"))
    }
    if !hasHeader && numeric.count == width {
      if width == 1 {
        switch kinds[0] {
        case .bool: return .boolVector(ints.map { $0 != 0 })
        case .int: return .intVector(ints)
        // a float64 column as pandas reads it: the numbers of the file (see shortestDecimal)
        default: return .doubleVector(keepsFloats[0] ? exactFloats[0] : values.map(shortestDecimal))
        }
      }
      // a float32 matrix keeps nothing beside it: numbers it rounds are said (pandas' float64 and int64 keep them)
      let intColumns = (0..<width).filter { kinds[$0] == .int && rounded[$0] > 0 }
      if !warned && roundedCount == 0 && beyondInt64.isEmpty,
         let first = intColumns.min(by: { (firstRounded[$0].1, firstRounded[$0].2) < (firstRounded[$1].1, firstRounded[$1].2) }) {
        let (v, l, c) = firstRounded[first]
        warn("\(display): integers beyond 2^24 = 16,777,216 lose digits in the float32 matrix, in which clus keeps data (\(Display.cFormat("%.0f", v)) "
          + "on line \(l), column \(c) is kept as \(Display.cFormat("%.0f", Double(Float(v)))))")
      } else if !warned && roundedCount == 0 && beyondInt64.isEmpty, let first = firstLostDigits {
        note("\(display): numbers with more digits than float32 holds, in which clus keeps a matrix, are rounded (the first: \(first.text) "
          + "on line \(first.line), column \(first.column), is kept as \(shortestDecimal(first.kept)); pandas' float64 keeps them)")
      }
      return .matrix(Matrix(rows: rows, cols: width, data: values))
    }
    var text: [TextColumn] = []
    for k in 0..<width where kinds[k] == .text {
      // categories in sorted order, as pandas.Categorical
      text.append(TextColumn(appearanceCodes: (0..<rows).map { Int(values[$0 * width + k]) },
                             firstSeen: codes[k].sorted { $0.value < $1.value }.map(\.key.string)))
    }
    let data: Matrix
    if numeric.count == width {
      data = Matrix(rows: rows, cols: width, data: values)
    } else {
      var out = [Float](repeating: 0, count: rows * numeric.count)
      for r in 0..<rows { for (t, k) in numeric.enumerated() { out[r * numeric.count + t] = values[r * width + k] } }
      data = Matrix(rows: rows, cols: numeric.count, data: out)
    }
    var exact: [Int: [Int]] = [:]
    for k in 0..<width where kinds[k] == .int { if keepsInts[k], exactInts[k].count == rows { exact[k] = exactInts[k] } }
    var exactReal: [Int: [Double]] = [:]
    for k in 0..<width where kinds[k] == .float { if keepsFloats[k], exactFloats[k].count == rows { exactReal[k] = exactFloats[k] } }
    return .table(Table(names: selected.map { names[$0] }, kinds: kinds, data: data, text: text, rows: rows, exactInts: exact,
                        exactFloats: exactReal))
  }
}

/// The offset of the first byte of `p[from..<count]` that does not belong to a well-formed UTF-8
/// sequence (overlong forms, surrogates and values above U+10FFFF are not well formed), or nil.
/// ASCII runs are skipped eight bytes at a time.
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
  var i = from
  while i < count {
    if i + 8 <= count, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
      i += 8
      continue
    }
    let b = p[i]
    if b < 0x80 { i += 1; continue }
    let need: Int, lo: UInt8, hi: UInt8  // continuation bytes, and the second byte's range
    switch b {
    case 0xC2...0xDF: need = 1; lo = 0x80; hi = 0xBF
    case 0xE0: need = 2; lo = 0xA0; hi = 0xBF
    case 0xE1...0xEC, 0xEE...0xEF: need = 2; lo = 0x80; hi = 0xBF
    case 0xED: need = 2; lo = 0x80; hi = 0x9F
    case 0xF0: need = 3; lo = 0x90; hi = 0xBF
    case 0xF1...0xF3: need = 3; lo = 0x80; hi = 0xBF
    case 0xF4: need = 3; lo = 0x80; hi = 0x8F
    default: return i
    }
    if i + need >= count { return i }  // cut off by the end of the file
    if p[i + 1] < lo || p[i + 1] > hi { return i }
    if need >= 2 { for t in 2...need where p[i + t] & 0xC0 != 0x80 { return i } }
    i += need + 1
  }
  return nil
}
