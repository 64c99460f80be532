// Reading delimited text a cell and a record at a time: pandas' number and missing-value rules for a
// cell, quoted fields across lines, and the detected separator. `loadDelimited` (CSV.swift) uses them.

import CFastFloat

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How one CSV cell reads.
enum CellValue: Equatable {
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

/// Whether `p[start..<end]` is written as an integer: an optional sign and digits only.
func isIntegerSpelling(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
  var i = start
  if i < end && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
  if i == end { return false }
  while i < end { if !isDigit(p[i]) { return false }; i += 1 }
  return true
}

/// The unsigned integer written in `p[start..<end]` (an optional "+", digits), nil beyond 2^64 − 1 =
/// 18446744073709551615, which numpy's uint64 holds.
func uint64Value(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt64? {
  var i = start
  if i < end && p[i] == 0x2B { i += 1 }
  while i < end - 1 && p[i] == 0x30 { i += 1 }  // leading zeros
  var v: UInt64 = 0
  while i < end {
    let (m, o1) = v.multipliedReportingOverflow(by: 10)
    let (a, o2) = m.addingReportingOverflow(UInt64(p[i] &- 0x30))
    if o1 || o2 { return nil }
    v = a
    i += 1
  }
  return v
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
struct NASet {
  var bytes: [UInt8] = []
  var spans: [(start: Int, count: Int)] = []
  var lengths = [UInt64](repeating: 0, count: 256)
  var empty = false
  /// The extra spellings that are numbers: a cell of an equal number is missing too, as pandas
  /// matches na_values by value in a numeric column (-999 and -999.0).
  var numbers: Set<Double> = []
  init(_ extra: [String]) {
    // and, as pandas' _stringify_na_values, a whole number's spellings "-999" and "-999.0" (for text
    // columns, which match by spelling: na_values="-999.00" makes a text cell "-999" missing, not "-999.00")
    var spellings = extra
    for w in extra {
      let t = w.filter { $0 != " " && $0 != "\t" }
      guard let v = Double(t), v.isFinite, t.allSatisfy({ "0123456789+-.eE".contains($0) }) else { continue }
      numbers.insert(v)
      if v == v.rounded(), abs(v) < 9e18 { spellings += [String(Int(v)), String(Int(v)) + ".0"] }
    }
    for w in pandasNAValues + spellings {
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
func parseCell(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, na: NASet) -> CellValue {
  let value = parseCellSpelling(p, start, end, na: na)
  guard !na.numbers.isEmpty else { return value }
  switch value {
  case .integer(let v) where na.numbers.contains(Double(v)): return .missing
  case .real(let v) where na.numbers.contains(v): return .missing
  default: return value
  }
}

/// `parseCell` before na_values' numbers are matched by value.
private func parseCellSpelling(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, na: NASet) -> CellValue {
  if na.contains(p, start, end) { return .missing }
  if start >= end { return .text }
  // Integer: optional sign and up to 19 digits, within int64 (as pandas' int64; beyond it, a number)
  var i = start
  var neg = false
  if p[i] == 0x2D || p[i] == 0x2B { neg = p[i] == 0x2D; i += 1 }
  // (leading zeros do not count: 00000000000000000007 is the int 7, as pandas reads it)
  var significant = i
  while significant < end - 1 && p[significant] == 0x30 { significant += 1 }
  if i < end && end - significant <= 19 {
    // accumulated negatively, so that −2^63 fits
    var v = 0
    var j = i
    var overflow = false
    while j < end && isDigit(p[j]) {
      let (m, o1) = v.multipliedReportingOverflow(by: 10)
      let (d, o2) = m.subtractingReportingOverflow(Int(p[j] &- 0x30))
      overflow = overflow || o1 || o2
      v = d
      j += 1
    }
    if j == end && !overflow {
      if neg { return .integer(v) }
      if v != Int.min { return .integer(-v) }
    }
  }
  // A decimal number as pandas reads one: an optional sign, digits with an optional decimal point (`5`,
  // `5.`, `.5`, `5.25`) and an optional exponent (`e-3`, `E+05`), read by fast_float, which takes that
  // syntax whole (not a leading "+": skipped here) and no more: not hexadecimal (`0x10`), nor the `nan(…)`
  // and `inf` that C's strtod reads (a digit or a point must follow the sign)
  let body = i < end && (p[i] == 0x2E || isDigit(p[i]))
  if body {
    let from = p[start] == 0x2B ? start + 1 : start
    let cp = UnsafeRawPointer(p + from).assumingMemoryBound(to: CChar.self)
    var f = 0.0
    if clus_parse_double(cp, cp + (end - from), &f) == end - from {
      if Float(f).isInfinite { return .overflow }
      return .real(f)
    }
  }
  if equalsIgnoringCase(p, i, end, "inf") || equalsIgnoringCase(p, i, end, "infinity") {
    return .real(p[start] == 0x2D ? -.infinity : .infinity)
  }
  if equalsIgnoringCase(p, start, end, "true") { return .boolean(true) }
  if equalsIgnoringCase(p, start, end, "false") { return .boolean(false) }
  return .text
}

/// One cell of a record: the byte range (quotes removed) and whether it holds doubled quotes.
struct Cell {
  var start: Int
  var end: Int
  var escaped: Bool
}

/// Splits delimited text into records (RFC 4180: a field in double quotes may hold the separator,
/// newlines and doubled quotes), skipping blank lines and tracking line numbers.
struct RecordScanner {
  let p: UnsafePointer<UInt8>
  let count: Int
  let sep: UInt8
  /// Fields separated by runs of spaces and tabs (pandas' `sep=r"\s+"`), those at a line's ends ignored.
  var runs = false
  var pos: Int
  /// The line `pos` is on (1-based).
  var line = 1

  /// Reads the next record into `cells`; returns the line it starts on, or nil at the end.
  /// - Throws: `unterminated(line, column)` for a quoted field that is never closed (the column of its
  ///   opening quote), `afterQuote(line, column)` for text after a closing quote other than spaces
  ///   (`"x"y`: pandas and Python's csv join it as `xy`; it was dropped silently).
  mutating func next(into cells: inout [Cell], unterminated: (Int, Int) -> Error,
                     afterQuote: (Int, Int) -> Error) throws -> Int? {
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
      while i < count && (runs || p[i] != sep) && isSpace(p[i]) { i += 1 }
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
        if runs {
          if i < count && !isSpace(p[i]) && p[i] != 0x0A { throw afterQuote(line, i - lineStart + 1) }
        } else {
          while i < count && p[i] != sep && isSpace(p[i]) { i += 1 }
          if i < count && p[i] != sep && p[i] != 0x0A { throw afterQuote(line, i - lineStart + 1) }
        }
      } else {
        let cs = i
        if runs {
          while i < count && p[i] != 0x0A && !isSpace(p[i]) { i += 1 }
        } else {
          while i < count && p[i] != sep && p[i] != 0x0A { i += 1 }
        }
        var ce = i
        while ce > cs && isSpace(p[ce - 1]) { ce -= 1 }
        cells.append(Cell(start: cs, end: ce, escaped: false))
      }
      if runs { while i < count && isSpace(p[i]) { i += 1 } }  // the separator, and spaces ending the line
      if i >= count { pos = count; return startLine }
      if p[i] == 0x0A { line += 1; pos = i + 1; return startLine }
      if !runs { i += 1 }  // the separator
    }
  }
}

/// The separator of a file whose extension does not say: of `,`, tab, `;` and `|`, the one found
/// most often (outside quotes) on the first non-blank line; without any, a space when spaces split the
/// first two non-blank lines (or the only one) into the same number of fields, two or more (`1.0e+00 2.0e+00`, as
/// numpy.savetxt writes: read as runs of spaces); else `,` (one column: lines of text stay whole).
func detectDelimiter(_ p: UnsafePointer<UInt8>, from start: Int, count: Int) -> UInt8 {
  let candidates: [UInt8] = [0x2C, 0x09, 0x3B, 0x7C]
  var seen = [Int](repeating: 0, count: candidates.count)
  var i = start
  /// The fields that runs of spaces split the non-blank line at `i` into (quotes kept whole); `i` moves past it.
  func spaceFields(_ i: inout Int, countingCandidates: Bool) -> Int {
    while i < count && (isSpace(p[i]) || p[i] == 0x0A) { i += 1 }
    var quoted = false, fields = 0, inField = false
    while i < count && (quoted || p[i] != 0x0A) {
      if p[i] == 0x22 { quoted.toggle() } else if countingCandidates && !quoted, let k = candidates.firstIndex(of: p[i]) { seen[k] += 1 }
      if !quoted && isSpace(p[i]) { inField = false } else if !inField { inField = true; fields += 1 }
      i += 1
    }
    return fields
  }
  let first = spaceFields(&i, countingCandidates: true)
  let best = seen.indices.max { seen[$0] < seen[$1] || (seen[$0] == seen[$1] && $0 > $1) }!
  if seen[best] > 0 { return candidates[best] }
  let second = spaceFields(&i, countingCandidates: false)  // 0: a file of one line
  return first >= 2 && (second == first || second == 0) ? 0x20 : 0x2C
}
