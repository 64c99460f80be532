#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Algorithms

/// How one CSV cell reads.
private enum CellValue {
  case integer(Int)
  case real(Double)
  /// A finite number in the text beyond float32's range.
  case overflow
  case boolean(Bool)
  case text
  case empty
}

@inline(__always) private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

/// Parses the cell `p[start..<end]` (already trimmed, quotes removed). `p[end]` is never part of a
/// number (a separator, newline, quote, space or the buffer's trailing zero).
@inline(__always)
private func parseCell(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> CellValue {
  if start >= end { return .empty }
  // Integer: optional sign and up to 18 digits.
  var i = start
  var neg = false
  if p[i] == 0x2D || p[i] == 0x2B { neg = p[i] == 0x2D; i += 1 }
  if i < end && end - i <= 18 {
    var v = 0
    var j = i
    while j < end {
      let d = Int(p[j]) &- 0x30
      if d < 0 || d > 9 { break }
      v = v &* 10 &+ d
      j += 1
    }
    if j == end { return .integer(neg ? -v : v) }
  }
  var stop: UnsafeMutablePointer<CChar>? = nil
  let cp = UnsafeRawPointer(p + start).assumingMemoryBound(to: CChar.self)
  let f = strtod(cp, &stop)
  if let s = stop, cp.distance(to: UnsafePointer(s)) == end - start {
    // strtod also accepts hexadecimal ("0x1p3"), which is harmless; it rejects an empty string.
    // beyond float32 from a number that is not written as inf/infinity: an overflow
    if Float(f).isInfinite && !(start..<end).contains(where: { p[$0] | 0x20 == 0x69 }) { return .overflow }
    return .real(f)
  }
  let n = end - start
  if n == 4 || n == 5 {
    var w: [UInt8] = []
    for k in start..<end { w.append(p[k] | 0x20) }  // lowercase ASCII letters
    if w == Array("true".utf8) { return .boolean(true) }
    if w == Array("false".utf8) { return .boolean(false) }
  }
  return .text
}

/// Splits the line `p[start..<end]` into trimmed cells separated by `sep`; a cell in double quotes
/// may contain the separator (`""` inside quotes is a literal quote). Returns (start, end) pairs.
private func splitLine(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, sep: UInt8,
                       into cells: inout [(Int, Int)]) {
  cells.removeAll(keepingCapacity: true)
  var i = start
  while true {
    while i < end && p[i] != sep && isSpace(p[i]) { i += 1 }
    var cs = i
    var ce: Int
    if i < end && p[i] == 0x22 {  // quoted
      i += 1
      cs = i
      while i < end {
        if p[i] == 0x22 {
          if i + 1 < end && p[i + 1] == 0x22 { i += 2; continue }
          break
        }
        i += 1
      }
      ce = i
      while i < end && p[i] != sep { i += 1 }
    } else {
      while i < end && p[i] != sep { i += 1 }
      ce = i
      while ce > cs && isSpace(p[ce - 1]) { ce -= 1 }
    }
    cells.append((cs, ce))
    if i >= end { return }
    i += 1  // skip the separator
  }
}

/// Loads numeric CSV (`sep` = `,`) or TSV (`sep` = tab) text.
///
/// Rows are lines (`\n` or `\r\n`); blank lines are skipped; a UTF-8 byte-order mark is ignored.
/// The first row is a header when any of its cells is not a number (nor `true`/`false`).
/// One column of integers gives `.intVector`, one column of `true`/`false` gives `.boolVector`,
/// any other single column `.floatVector`; several columns give an `n × d` `.matrix`
/// (`true`/`false` read as 1/0). Numbers are read with `strtod` (C locale, so `nan`/`inf` pass) and
/// stored as float32: a finite number beyond its range is an error, and columns whose variation
/// float32 cannot hold get a warning (`float32LossWarning`).
/// - Throws: `DataFileError` for an empty file, a header without rows, a ragged row (line number,
///   expected and found column counts) or a cell that is not a number (line, column and text).
func loadDelimited(_ buf: ByteBuffer, sep: UInt8, display: String, warn: (String) -> Void = { _ in },
                   cancelled: () -> Bool = { false }) throws -> LoadedData {
  try buf.withBytes { raw in
    func err(_ k: DataFileError.Kind, _ m: String) -> DataFileError { DataFileError(path: display, kind: k, message: m) }
    let count = raw.count
    if count == 0 { throw err(.empty, "empty file") }
    let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var pos = 0
    if count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { pos = 3 }
    var lineNo = 0
    var cells: [(Int, Int)] = []
    cells.reserveCapacity(1024)
    var ncols = -1
    var firstLine = 0
    var rows = 0
    var floats: [Float] = []
    var ints: [Int] = []  // one-column files only
    var bools: [Bool] = []
    var allInt = true
    var allBool = true
    var estimated = false
    var lo = [Double](), hi = [Double]()  // per column, for the float32 check
    func cellText(_ c: (Int, Int)) -> String {
      let t = String(decoding: UnsafeBufferPointer(start: p + c.0, count: c.1 - c.0), as: UTF8.self)
      return t.count > 40 ? String(t.prefix(40)) + "…" : t
    }
    while pos < count {
      lineNo += 1
      if lineNo & 0x3FFF == 0 && cancelled() { throw AlgorithmError.cancelled }
      var e = pos
      while e < count && p[e] != 0x0A { e += 1 }
      let lineStart = pos
      var lineEnd = e
      pos = e + 1
      if lineEnd > lineStart && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      var blank = true
      for k in lineStart..<lineEnd where !isSpace(p[k]) { blank = false; break }
      if blank { continue }
      splitLine(p, lineStart, lineEnd, sep: sep, into: &cells)
      if ncols < 0 {
        ncols = cells.count
        firstLine = lineNo
        // Header detection: any cell that is not a number or boolean.
        var header = false
        for c in cells {
          switch parseCell(p, c.0, c.1) {
          case .text, .empty: header = true
          default: break
          }
          if header { break }
        }
        if header { continue }
      } else if cells.count != ncols {
        throw err(.raggedRow, "ragged row at line \(lineNo): expected \(ncols) column\(ncols == 1 ? "" : "s") "
          + "(as on line \(firstLine)), found \(cells.count)")
      }
      if !estimated {
        estimated = true
        let guess = min(count / max(lineEnd - lineStart + 1, 1) + 16, 1 << 26)
        floats.reserveCapacity(guess * ncols)
        if ncols == 1 { ints.reserveCapacity(guess) }
      }
      if lo.isEmpty { lo = [Double](repeating: .infinity, count: ncols); hi = [Double](repeating: -.infinity, count: ncols) }
      for (k, c) in cells.enumerated() {
        switch parseCell(p, c.0, c.1) {
        case .integer(let v):
          floats.append(Float(v))
          lo[k] = min(lo[k], Double(v)); hi[k] = max(hi[k], Double(v))
          if ncols == 1 { ints.append(v); bools.append(v != 0) }
          allBool = false
        case .real(let v):
          floats.append(Float(v))
          if v.isFinite { lo[k] = min(lo[k], v); hi[k] = max(hi[k], v) }
          allInt = false
          allBool = false
        case .boolean(let v):
          floats.append(v ? 1 : 0)
          if ncols == 1 { ints.append(v ? 1 : 0); bools.append(v) }
          allInt = false
        case .empty:
          throw err(.notNumeric, "empty cell at line \(lineNo), column \(k + 1)")
        case .overflow:
          throw err(.outOfRange, "the number at line \(lineNo), column \(k + 1) is beyond float32's range (±3.4e38), in which clus keeps data")
        case .text:
          throw err(.notNumeric, "not a number at line \(lineNo), column \(k + 1): '\(cellText(c))'")
        }
      }
      rows += 1
    }
    if ncols < 0 { throw err(.empty, "empty file (no rows)") }
    if rows == 0 { throw err(.empty, "the file has a header row but no data rows") }
    if ncols == 1 {
      if allBool { return .boolVector(bools) }
      if allInt { return .intVector(ints) }
    }
    float32LossWarning(lo: lo, hi: hi, integers: allInt, display: display, warn: warn)
    if ncols == 1 { return .floatVector(floats) }
    return .matrix(Matrix(rows: rows, cols: ncols, data: floats))
  }
}
