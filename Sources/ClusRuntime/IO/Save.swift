import ClusAlgorithms

/// The formats `saveData` and `saveTable` write.
let supportedSaveExtensions = ".npy, .csv, .tsv, each optionally followed by .gz"

/// Appends the shortest decimal text that reads back as the same Float32 (Swift's `description`:
/// `0.1`, `5.0`, `1e-05`, `nan`, `inf`).
@inline(__always) private func appendNumber(_ v: Float, to out: inout [UInt8]) {
  out.append(contentsOf: v.description.utf8)
}

/// Appends a Double: as an integer when it is one (|v| < 2^53), otherwise the shortest text that
/// reads back as the same Double.
@inline(__always) private func appendNumber(_ v: Double, to out: inout [UInt8]) {
  if v == v.rounded(), abs(v) < 9_007_199_254_740_992 {
    out.append(contentsOf: String(Int(v)).utf8)
  } else {
    out.append(contentsOf: v.description.utf8)
  }
}

/// Quotes a header name or a text value when it holds the separator, a quote, a line break or
/// surrounding spaces (line breaks kept inside the quotes, as pandas writes them: dropping them from
/// a name renamed it, and could make it another column's); an empty text value (a missing value)
/// stays an empty cell, as pandas' to_csv writes NaN.
private func headerCell(_ name: String, sep: UInt8, value: Bool = false) -> [UInt8] {
  let u = Array(name.utf8)
  if value && u.isEmpty { return [] }
  let needs = u.contains(sep) || u.contains(0x22) || u.contains(0x0A) || u.contains(0x0D)
    || u.first == 0x20 || u.last == 0x20 || u.isEmpty
  guard needs else { return u }
  var out: [UInt8] = [0x22]
  for c in u {
    if c == 0x22 { out.append(0x22) }
    out.append(c)
  }
  out.append(0x22)
  return out
}

/// Writes Float32 or Float64 values little-endian (directly on little-endian hosts, each value's
/// bytes reversed on others).
private func writeLittleEndian<T: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<T>, to sink: FileSink) throws {
  #if _endian(little)
  try sink.writeBytes(UnsafeRawBufferPointer(v))
  #else
  let raw = UnsafeRawBufferPointer(v), width = MemoryLayout<T>.stride
  var out = [UInt8]()
  out.reserveCapacity(raw.count)
  for i in stride(from: 0, to: raw.count, by: width) { out += raw[i..<(i + width)].reversed() }
  try out.withUnsafeBytes { try sink.writeBytes($0) }
  #endif
}

private func saveTarget(_ path: String) throws -> (real: String, format: DataFormat, gzip: Bool) {
  let real = expandTilde(path)
  guard let (format, gz) = formatOf(fileName: lastPathComponent(real)), format != .idx, format != .text, format != .npz else {
    throw DataFileError(path: path, kind: .unknownExtension,
                        message: "unknown file type for saving (supported: \(supportedSaveExtensions); .npz for a fitted model or a "
                          + "sparse matrix; results into an AnnData file with into=\"file.h5ad\")")
  }
  if pathKind(real) == .directory {
    throw DataFileError(path: path, kind: .unwritable, message: "cannot write: it is a directory")
  }
  if let folder = missingFolder(of: real) {
    throw DataFileError(path: path, kind: .unwritable, message: missingFolderMessage(folder))
  }
  return (real, format, gz)
}

/// Saves a matrix or vector (the `save VALUE PATH` command).
///
/// - `.npy` (format 1.0, C order, little-endian): a matrix and a float vector as float32 (`<f4`,
///   shape `(n, d)` / `(n,)`), an int vector as int64 (`<i8`), a bool vector as bool (`|b1`).
/// - `.csv` / `.tsv`: one row per matrix row or vector element, no header; floats in the shortest
///   form that reads back as the same Float32 (`0.1`, `5.0`, `1e-05`), ints as integers, bools as
///   `true`/`false` — so `loadData` gives back the same value.
/// - Either followed by `.gz` writes gzip-compressed output.
/// A leading `~/` is replaced by the home directory. An existing file is replaced whole (a new file
/// written next to it, then renamed over it: `ReplacementFile`), so a mapped `.npy` being read keeps
/// its values; on failure no partial file is left behind and the old file stays as it was.
/// - Throws: `DataFileError` for an unknown extension, a data set (save its data or target instead),
///   or a path that cannot be written (with the system's reason).
public func saveData(_ data: LoadedData, path: String, cancelled: () -> Bool = { false }) throws {
  let (real, format, gz) = try saveTarget(path)
  switch data {
  case .dataset:
    throw DataFileError(path: path, kind: .unsupportedValue, message:
      "a data set cannot be saved as one file; save its data matrix and its target labels separately")
  case .table, .textVector:
    throw DataFileError(path: path, kind: .unsupportedValue, message:
      "text columns cannot be saved; save the numeric data (.data) or a column's codes")
  case .arrays, .modelArchive:
    throw DataFileError(path: path, kind: .unsupportedValue, message:
      "the arrays of an .npz archive cannot be saved as one file; save each array on its own")
  case .sparse:
    throw DataFileError(path: path, kind: .unsupportedValue, message:
      "a sparse matrix is saved as .npz (scipy.sparse.load_npz reads it); for .npy or .csv save `dense m`")
  case .unreadable(let e):
    throw e
  default: break
  }
  let sink = try FileSink(path: real, display: path, gzip: gz)
  switch format {
  case .npy:
    switch data {
    case .matrix(let m):
      sink.buffer = npyHeaderBytes(descr: "<f4", shape: [m.rows, m.cols])
      try m.data.withUnsafeBufferPointer { try writeLittleEndian($0, to: sink) }
    case .floatVector(let v):
      sink.buffer = npyHeaderBytes(descr: "<f4", shape: [v.count])
      try v.withUnsafeBufferPointer { try writeLittleEndian($0, to: sink) }
    case .doubleVector(let v):
      sink.buffer = npyHeaderBytes(descr: "<f8", shape: [v.count])
      try v.withUnsafeBufferPointer { try writeLittleEndian($0, to: sink) }
    case .intVector(let v):
      sink.buffer = npyHeaderBytes(descr: "<i8", shape: [v.count])
      let le = v.map { Int64($0).littleEndian }
      try le.withUnsafeBytes { try sink.writeBytes($0) }
    case .boolVector(let v):
      sink.buffer = npyHeaderBytes(descr: "|b1", shape: [v.count])
      sink.buffer += v.map { $0 ? 1 : 0 }
    case .dataset, .table, .textVector, .arrays, .modelArchive, .sparse, .unreadable:
      break
    }
  case .csv, .tsv:
    let sep: UInt8 = format == .csv ? 0x2C : 0x09
    switch data {
    case .matrix(let m):
      try m.data.withUnsafeBufferPointer { p in
        for r in 0..<m.rows {
          for c in 0..<m.cols {
            if c > 0 { sink.buffer.append(sep) }
            appendNumber(p[r * m.cols + c], to: &sink.buffer)
          }
          sink.buffer.append(0x0A)
          try sink.flushIfLarge()
          // a cancelled write stops here; the sink removes the partial file
          if r & 0xFFF == 0xFFF && cancelled() { throw AlgorithmError.cancelled }
        }
      }
    case .floatVector(let v):
      for x in v {
        appendNumber(x, to: &sink.buffer)
        sink.buffer.append(0x0A)
        try sink.flushIfLarge()
      }
    case .doubleVector(let v):
      // Python's repr, as pandas writes a float64 column (16777217.5); a value of float32 data in
      // float32's shortest form (0.1, not 0.10000000149011612)
      for x in v {
        sink.buffer.append(contentsOf: pythonFloatText(x).utf8)
        sink.buffer.append(0x0A)
        try sink.flushIfLarge()
      }
    case .intVector(let v):
      for x in v {
        sink.buffer.append(contentsOf: String(x).utf8)
        sink.buffer.append(0x0A)
        try sink.flushIfLarge()
      }
    case .boolVector(let v):
      for x in v {
        sink.buffer.append(contentsOf: (x ? "true\n" : "false\n").utf8)
        try sink.flushIfLarge()
      }
    case .dataset, .table, .textVector, .arrays, .modelArchive, .sparse, .unreadable:
      break
    }
  case .idx, .text, .npz:
    break
  }
  try sink.finish()
}

/// Saves a table of named numeric columns, for example a condensed tree
/// (hdbscan `condensed_tree_.to_pandas()`: parent, child, lambda_val, child_size).
///
/// - `.csv` / `.tsv`: a header row with the column names, then one row per index; whole numbers
///   are written as integers, others in the shortest form that reads back as the same Float64.
/// - `.npy`: an `n × k` float64 (`<f8`) array, the columns side by side (names are not stored).
/// - Either followed by `.gz` writes gzip-compressed output.
/// Columns named in `text` hold those strings instead (CSV and TSV only; quoted where needed, as a
/// header cell is).
/// - Throws: `DataFileError` when there are no columns, the columns differ in length, the
///   extension is unknown, text columns go to `.npy`, or the path cannot be written.
public func saveTable(columns: [(name: String, values: [Double])], text: [String: [String]] = [:], path: String) throws {
  let (real, format, gz) = try saveTarget(path)
  guard let n = columns.first?.values.count else {
    throw DataFileError(path: path, kind: .unsupportedValue, message: "the table has no columns")
  }
  if let bad = columns.first(where: { $0.values.count != n }) {
    throw DataFileError(path: path, kind: .unsupportedValue, message:
      "the table's columns differ in length: '\(columns[0].name)' has \(n) values, '\(bad.name)' has \(bad.values.count)")
  }
  if format == .npy, let name = columns.first(where: { text[$0.name] != nil })?.name {
    throw DataFileError(path: path, kind: .unsupportedValue, message: "column '\(name)' holds text, which .npy cannot; save the table as .csv or .tsv")
  }
  let sink = try FileSink(path: real, display: path, gzip: gz)
  switch format {
  case .npy:
    sink.buffer = npyHeaderBytes(descr: "<f8", shape: [n, columns.count])
    var row = [UInt64](repeating: 0, count: columns.count)
    for i in 0..<n {
      for (k, c) in columns.enumerated() { row[k] = c.values[i].bitPattern.littleEndian }
      row.withUnsafeBytes { sink.buffer.append(contentsOf: $0) }
      try sink.flushIfLarge()
    }
  case .csv, .tsv:
    let sep: UInt8 = format == .csv ? 0x2C : 0x09
    for (k, c) in columns.enumerated() {
      if k > 0 { sink.buffer.append(sep) }
      sink.buffer += headerCell(c.name, sep: sep)
    }
    sink.buffer.append(0x0A)
    for i in 0..<n {
      for (k, c) in columns.enumerated() {
        if k > 0 { sink.buffer.append(sep) }
        if let t = text[c.name] {
          // a one-column row's empty value is written "" (a blank line would be skipped on reading,
          // and the row lost), as pandas' to_csv writes it
          sink.buffer += columns.count == 1 && t[i].isEmpty ? [0x22, 0x22] : headerCell(t[i], sep: sep, value: true)
        } else {
          appendNumber(c.values[i], to: &sink.buffer)
        }
      }
      sink.buffer.append(0x0A)
      try sink.flushIfLarge()
    }
  case .idx, .text, .npz:
    break
  }
  try sink.finish()
}

/// A value as pandas' to_csv writes it (`pythonFloatText` of its shortest form): a value that is a
/// Float32 (from clus's float32 data) in Float32's shortest digits (`0.1`, not
/// `0.10000000149011612`), any other in Double's. A whole number below 10^16 (written without an
/// exponent) is written in its own digits, whatever it is: 2^40 is a Float32 too, whose shortest
/// digits `1.0995116e+12` read back as 1099511600000 (pandas writes `1099511627776.0`).
func pythonFloatText(_ v: Double) -> String {
  if v == v.rounded() && abs(v) < 1e16 { return pythonFloatText(v.description) }
  return pythonFloatText(Double(Float(v)) == v ? Float(v).description : v.description)
}

/// A number as Python's `repr(float)` writes it, and so pandas' to_csv, from Swift's shortest
/// round-trip `description` of a Float or Double (the same digits; only the layout differs): plain
/// digits with a point from 1e-4 up to 1e16 (`33554432.0`, `0.0001`, `2.0`), else an exponent of at
/// least two digits (`1e+16`, `1.5e-05`); `nan` and `inf` as given. Swift wrote `3.3554432e+07`.
func pythonFloatText(_ description: String) -> String {
  var t = Substring(description)
  var sign = ""
  if t.hasPrefix("-") { sign = "-"; t = t.dropFirst() }
  guard let first = t.first, first.isNumber else { return description }  // nan, inf
  var exponent = 0
  if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) {
    exponent = Int(t[t.index(after: e)...]) ?? 0
    t = t[..<e]
  }
  // value = 0.D × 10^point
  var digits = Array(t.filter { $0 != "." })
  var point = (t.firstIndex(of: ".").map { t.distance(from: t.startIndex, to: $0) } ?? t.count) + exponent
  while digits.first == "0" { digits.removeFirst(); point -= 1 }
  while digits.last == "0" { digits.removeLast() }
  if digits.isEmpty { return sign + "0.0" }
  let x = point - 1  // the exponent of the first digit
  if x >= -4 && x < 16 {
    if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
    if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
    return sign + String(digits[..<point]) + "." + String(digits[point...])
  }
  let mantissa = digits.count > 1 ? String(digits[0]) + "." + String(digits[1...]) : String(digits[0])
  return sign + mantissa + "e" + (x < 0 ? "-" : "+") + (abs(x) < 10 ? "0" : "") + String(abs(x))
}
