import ClusAlgorithms
import ClusLang

/// Data frames (a CSV with names) and categorical vectors (a text column) as language values.
///
/// A data frame is a record of kind `data frame` with `.data` (the numeric columns as a float32
/// matrix, its principal field), `.columns` (the names), `.dtypes` (pandas' names of the column
/// kinds), one field per text column and one per numeric column that float32 would round (its int64
/// or float64 values as read); `d["name"]` and `d.name` give any column. A one-column
/// frame stands for its column. A categorical is a record of kind `categorical` whose principal
/// `.codes` are int labels (−1 for a missing value) into `.categories`, so it acts as labels
/// wherever labels are accepted and shows its names.
enum Frames {
  /// The record kind of a data frame.
  static let frameKind = "data frame"
  /// The record kind of a categorical vector.
  static let categoricalKind = "categorical"
  /// Field names a column cannot take as a field of its own.
  private static let reserved: Set<String> = ["data", "columns", "dtypes"]

  /// A categorical vector: `codes` into `categories`.
  static func categorical(codes: [Int], categories: [String]) -> Value {
    .record(Record(kind: categoricalKind, fields: [("codes", .labels(codes)), ("categories", .list(categories.map { .string($0) }))],
                   principal: "codes"))
  }

  /// What float32 (`.data`) holds, for the messages about a frame's columns kept exactly beside it.
  static let float32Holds = "float32 holds integers exactly only to 2^24 and reals to about 7 significant digits"

  /// Why a categorical is refused where numbers are expected, for every such message.
  static let namesNotCodes = "its values are names (its integer codes are .codes)"

  /// Refuses a categorical where `what` (a command's name) would act on its codes, as numpy and
  /// pandas refuse strings (TypeError); `advice` follows the reason.
  /// - Throws: `CommandError.invalidArgument` when `v` is a categorical.
  static func refuseCategorical(_ v: Value, in what: String, advice: String = "") throws {
    if categories(of: v) != nil { throw CommandError.invalidArgument("\(what) of a categorical: \(namesNotCodes)\(advice)") }
  }

  /// The codes and category names of a categorical record (or of a record standing for one, such
  /// as a one-column data frame), or nil for any other value.
  static func categories(of v: Value) -> (codes: [Int], names: [String])? {
    guard case .record(let r) = v else { return nil }
    if r.kind != categoricalKind, let p = r.principalValue { return categories(of: p) }
    guard r.kind == categoricalKind, case .labels(let c)? = r["codes"],
          case .list(let l)? = r["categories"] else { return nil }
    return (c, l.map { if case .string(let s) = $0 { return s }; return "" })
  }

  /// Categoricals put on one set of categories by name, as pandas' `union_categoricals` with
  /// `sort_categories=True` (without it pandas keeps the order of appearance): the
  /// sorted union of their names, and each part's codes into it (−1, or a code without a name,
  /// stays missing).
  static func onCommonCategories(_ parts: [(codes: [Int], names: [String])]) -> (names: [String], codes: [[Int]]) {
    // by exact bytes and sorted by code point, as the loaders make categories
    let names = Set(parts.flatMap(\.names).map(ExactText.init)).sorted().map(\.string)
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { (ExactText($1), $0) })
    return (names, parts.map { p in p.codes.map { $0 < 0 || $0 >= p.names.count ? -1 : index[ExactText(p.names[$0])]! } })
  }

  /// `a == b` (or `!=`) of two categoricals, row by row: by name, as pandas compares the values of
  /// two text columns (their codes may mean other names), a missing value equal to nothing (pandas:
  /// NaN == NaN is False, NaN != NaN True); nil unless both are categoricals.
  /// - Throws: `OperatorError` when the lengths differ.
  static func compareCategoricals(_ a: Value, _ b: Value, equal: Bool) throws -> Value? {
    guard let ca = categories(of: a), let cb = categories(of: b) else { return nil }
    guard ca.codes.count == cb.codes.count else {
      throw OperatorError("'\(equal ? "==" : "!=")' of categoricals of lengths \(ca.codes.count) and \(cb.codes.count); they must match")
    }
    let common = onCommonCategories([ca, cb])
    return .mask(zip(common.codes[0], common.codes[1]).map { x, y in (x >= 0 && x == y) == equal })
  }

  /// `categorical == "name"` (or `!=`): the mask of the rows in (or not in) that category; nil
  /// unless `a` is a categorical and `b` a string. A name that is no category matches no row.
  static func compare(_ a: Value, _ b: Value, equal: Bool) -> Value? {
    guard let (codes, names) = categories(of: a), case .string(let s) = b else { return nil }
    let k = names.firstIndex { ExactText($0) == ExactText(s) } ?? -2
    return .mask(codes.map { ($0 == k) == equal })
  }

  /// The data frame of a table read from a file.
  static func frame(_ t: Table) -> Value {
    var fields: [(String, Value)] = [
      ("data", .matrix(t.data)), ("columns", .list(t.names.map { .string($0) })),
      ("dtypes", .list(t.kinds.map { .string($0.rawValue) })),
    ]
    var textIndex = 0
    for (k, name) in t.names.enumerated() where t.kinds[k] == .text {
      let c = t.text[textIndex]
      textIndex += 1
      // a text column named data, columns or dtypes is a field after those three: `d.data` stays the
      // matrix (the first field of the name), `d["data"]` finds the column (it was unreadable)
      fields.append((name, categorical(codes: c.codes, categories: c.categories)))
    }
    // int columns beyond float32's exact integers (ids, counts): fields with their exact values
    for (k, ints) in t.exactInts.sorted(by: { $0.key < $1.key }) where k < t.names.count && t.kinds[k] == .int {
      fields.append((t.names[k], .labels(ints)))
    }
    // float columns with more digits than float32 holds (0.123456789, pandas' float64 written in
    // full): fields with their float64 values, as pandas reads them
    for (k, reals) in t.exactFloats.sorted(by: { $0.key < $1.key }) where k < t.names.count && t.kinds[k] == .float {
      fields.append((t.names[k], .floats(reals)))
    }
    var principal = "data"
    if t.names.count == 1, !reserved.contains(t.names[0]) {
      principal = t.names[0]
      if t.kinds[0] != .text, t.exactInts[0] == nil, t.exactFloats[0] == nil, let v = numericColumn(t.data, 0, t.kinds[0]) {
        fields.append((t.names[0], v))
      }
    }
    return .record(Record(kind: frameKind, fields: fields, principal: principal))
  }

  private static func numericColumn(_ m: Matrix, _ j: Int, _ kind: ColumnKind) -> Value? {
    let col = (0..<m.rows).map { m[$0, j] }
    switch kind {
    case .int:
      // a float32 beyond Int's range (an int64 near its limit, rounded) stays a float
      guard col.allSatisfy({ abs($0) < 9.2e18 }) else { return .floats(col.map(Double.init)) }
      return .labels(col.map { Int($0) })
    case .bool: return .mask(col.map { $0 != 0 })
    // a float64 column of a CSV is held in float32: as a column, its values are the decimals read
    // (0.1, as pandas reads it; 0.10000000149011612 was the float32 widened, unsaid)
    case .float: return .floats(col.map(shortestDecimal))
    case .boolWithMissing: return .floats(col.map(Double.init))
    case .text: return nil
    }
  }

  static func strings(_ v: Value?) -> [String] {
    guard case .list(let l)? = v else { return [] }
    return l.map { if case .string(let s) = $0 { return s }; return "" }
  }

  /// The data frame `r` with only the rows `rows` (in that order, repeats allowed): `.data`'s rows, and
  /// those of every field with one value per row (text columns, exact columns, an AnnData `.index`).
  static func selectingRows(_ r: Record, _ rows: [Int]) -> Value {
    guard case .matrix(let m)? = r["data"] else { return .record(r) }
    func pick<T>(_ a: [T]) -> [T] { rows.map { a[$0] } }
    var out = r
    for (i, f) in r.fields.enumerated() {
      // the first three fields are data, columns and dtypes; a column may take one of those names after them
      if i == 0 { out.fields[i].value = .matrix(Matrix(rows: rows.count, cols: m.cols) { dst in
        for (k, row) in rows.enumerated() { for j in 0..<m.cols { dst[k * m.cols + j] = m.data[row * m.cols + j] } }
      }) }
      if i < 3 || f.value.length != m.rows { continue }
      switch f.value {
      case .labels(let v): out.fields[i].value = .labels(pick(v))
      case .floats(let v): out.fields[i].value = .floats(pick(v))
      case .mask(let v): out.fields[i].value = .mask(pick(v))
      case .list(let v): out.fields[i].value = .list(pick(v))
      case let v:
        if let (codes, names) = categories(of: v) { out.fields[i].value = categorical(codes: pick(codes), categories: names) }
      }
    }
    return .record(out)
  }

  /// Data frames one after the other, as pandas' `concat` of frames with the same columns: `.data`
  /// stacked, text columns joined by name (`onCommonCategories`), exact columns (and an AnnData
  /// `.index`) end to end.
  /// - Throws: `CommandError.invalidArgument` when the frames' columns or their kinds differ (pandas
  ///   would fill the missing columns with NaN or change a kind; clus says so instead).
  static func concatenated(_ frames: [Record]) throws -> Value {
    let names = columnNames(frames[0])
    var kinds = strings(frames[0]["dtypes"])
    var matrices: [Matrix] = []
    for (k, f) in frames.enumerated() {
      guard columnNames(f) == names, case .matrix(let m)? = f["data"] else {
        func listed(_ n: [String]) -> String { n.isEmpty ? "none" : n.joined(separator: ", ") }
        throw CommandError.invalidArgument("data frames join only with the same columns in the same order: part \(k + 1) has "
          + "\(listed(columnNames(f))), part 1 \(listed(names))")
      }
      // an int column beside a float one joins as floats, as pandas upcasts int64 and float64; other kinds must agree
      for (j, kind) in strings(f["dtypes"]).enumerated() where j < kinds.count && kind != kinds[j] {
        let numeric: Set<String> = [ColumnKind.int.rawValue, ColumnKind.float.rawValue]
        guard numeric.contains(kind), numeric.contains(kinds[j]) else {
          throw CommandError.invalidArgument("data frames join only with columns of the same kinds (int64 and float64 join as float64): "
            + "column \(names[j]) is \(kind) in part \(k + 1) and \(kinds[j]) before it")
        }
        kinds[j] = ColumnKind.float.rawValue
      }
      matrices.append(m)
    }
    var out = frames[0]
    out.fields[0].value = .matrix(Matrix.stacked(matrices))
    if let d = out.fields.firstIndex(where: { $0.name == "dtypes" }) { out.fields[d].value = .list(kinds.map { .string($0) }) }
    // a column kept exactly in a later part only (ids beyond 2^24 there, small ints in part 1) is kept
    // exactly in the whole: it was joined through the float32 .data (123456789 became 123456792, unsaid)
    for n in names where ownField(out, n) == nil && frames.dropFirst().contains(where: { ownField($0, n) != nil }) {
      out.fields.append((n, .none))
    }
    for (i, f) in out.fields.enumerated() where i >= 3 {
      // a column's own field (text, or kept exactly), from each part's column; an AnnData index
      let parts = frames.map { part in
        isRowNames(f) ? part.fields.dropFirst(3).first(where: isRowNames)?.value : names.contains(f.name) ? column(part, f.name) : part[f.name]
      }
      let cats = parts.map { $0.flatMap { categories(of: $0) } }
      if cats.allSatisfy({ $0 != nil }) {
        let common = onCommonCategories(cats.map { $0! })
        out.fields[i].value = categorical(codes: common.codes.flatMap { $0 }, categories: common.names)
        continue
      }
      func all<T>(_ pick: (Value?) -> [T]?) -> [T]? {
        var joined: [T] = []
        for p in parts { guard let v = pick(p) else { return nil }; joined += v }
        return joined
      }
      if let v = all({ if case .labels(let l)? = $0 { return l }; return nil }) {
        out.fields[i].value = .labels(v)
      } else if let v = all({ if case .mask(let m)? = $0 { return m }; return nil }) {
        out.fields[i].value = .mask(v)
      } else if let v = all({ if case .list(let l)? = $0 { return l }; return nil }) {
        out.fields[i].value = .list(v)
      } else if let v = all({ (p: Value?) -> [Double]? in
        switch p {
        case .labels(let l)?: return l.map(Double.init)
        case .floats(let f)?: return f
        default: return nil
        }
      }) {
        // ints beside floats join as floats (pandas upcasts)
        out.fields[i].value = .floats(v)
      }
    }
    return .record(out)
  }

  /// The data frame record of `v` when it stands for its float32 `.data` (several columns, or one
  /// named data, columns or dtypes), nil for any other value: a one-column frame stands for its
  /// column instead. Every place that would act on `.data` for a frame asks this.
  static func standingForData(_ v: Value) -> Record? {
    guard case .record(let r) = v, r.kind == frameKind, r.principal == "data" else { return nil }
    return r
  }

  /// For an algorithm's error about `.data`'s "column c (counted from 0)" when the data was a frame
  /// with text columns: which of the frame's columns that is (`.data` leaves the text ones out, so
  /// its column 1 named another column of the frame); "" otherwise.
  static func dataColumnNote(_ error: Error, _ data: Value?) -> String {
    guard let data, let r = standingForData(data), case .invalidInput(let m)? = error as? AlgorithmError,
          let at = m.ranges(of: ", column ").last,
          let c = Int(m[at.upperBound...].prefix(while: { $0.isNumber })), m[at.upperBound...].contains("(counted from 0)") else { return "" }
    let names = columnNames(r), kinds = strings(r["dtypes"])
    let numeric = zip(names, kinds).filter { $0.1 != ColumnKind.text.rawValue }.map(\.0)
    guard c < numeric.count, numeric.count != names.count else { return "" }
    return ": column \(c) of the frame's .data is its column \(Display.quote(numeric[c]))"
  }

  /// The columns of a frame standing for its `.data` (`standingForData`) that float32 rounds there
  /// (`roundedByFloat32`); none for any other value.
  static func roundedInData(_ v: Value) -> [String] { standingForData(v).map(roundedByFloat32) ?? [] }

  /// The columns of a data frame kept exactly beside its float32 `.data` (int or float fields) that
  /// float32 rounds there: their values in `.data` differ from the column's.
  static func roundedByFloat32(_ r: Record) -> [String] {
    columnNames(r).filter { name in
      switch ownField(r, name) {
      case .labels(let v)?: return v.contains { Int(exactly: Float($0)) != $0 }
      case .floats(let v)?: return v.contains { $0.isFinite && Double(Float($0)) != $0 }
      default: return false
      }
    }
  }

  /// The column names of a data frame record.
  static func columnNames(_ r: Record) -> [String] { strings(r["columns"]) }

  /// The field of a data frame's column `name` after data, columns and dtypes: a text column's
  /// categorical, or a numeric column kept exactly beside the float32 `.data` (ints beyond 2^24
  /// from a CSV, AnnData's obs columns); nil for a column that is only in `.data`.
  static func ownField(_ r: Record, _ name: String) -> Value? {
    r.fields.dropFirst(3).first(where: { $0.name == name && !isRowNames($0) })?.value
  }

  /// Whether a data frame's field is its row names: AnnData's obs and var frames have them as `.index`,
  /// a list of strings, which no column's field is (a column named "index" is a vector or a categorical,
  /// found by `d["index"]` as pandas' `df["index"]`, while `d.index` stays the row names: `df.index`).
  static func isRowNames(_ field: (name: String, value: Value)) -> Bool {
    guard field.name == "index", case .list = field.value else { return false }
    return true
  }

  /// The column `name` of a data frame: numeric columns from `.data` (int labels, floats or a
  /// mask by kind), text columns as categoricals; nil when there is no such column.
  static func column(_ r: Record, _ name: String) -> Value? {
    let names = columnNames(r), kinds = strings(r["dtypes"])
    guard let k = names.firstIndex(of: name), k < kinds.count else { return nil }
    if let f = ownField(r, name) { return f }
    if kinds[k] == ColumnKind.text.rawValue { return nil }
    guard case .matrix(let m)? = r["data"] else { return nil }
    let j = kinds[..<k].filter { $0 != ColumnKind.text.rawValue }.count
    return numericColumn(m, j, ColumnKind(rawValue: kinds[k]) ?? .float)
  }

  /// `d["name"]`: the column, or an error naming the columns (with "did you mean").
  static func column(_ r: Record, _ name: String, at range: SourceRange) throws -> Value {
    if let v = column(r, name) { return v }
    let names = columnNames(r)
    throw RuntimeError("no column '\(name)'\(didYouMean(name, names)); columns: "
      + names.map { Display.quote($0) }.joined(separator: ", "), at: range)
  }

  /// `d[["a", "b"]]`: the frame of the columns `chosen`, in that order, as pandas' `df[["a", "b"]]`:
  /// their numbers in `.data`, their text and exact values as fields, the row names (`index`) kept.
  /// - Throws: `RuntimeError` for a name that is no column (with "did you mean") or one given twice.
  static func selectingColumns(_ r: Record, _ chosen: [String], at range: SourceRange) throws -> Value {
    let names = columnNames(r), kinds = strings(r["dtypes"])
    guard case .matrix(let m)? = r["data"], kinds.count == names.count else { return .record(r) }
    for c in chosen where !names.contains(c) { _ = try column(r, c, at: range) }
    if let twice = chosen.first(where: { c in chosen.filter { $0 == c }.count > 1 }) {
      throw RuntimeError("column '\(twice)' is chosen twice; a clus data frame's column names are distinct", at: range)
    }
    var position: [String: Int] = [:]  // a numeric column's place in .data
    for (k, n) in names.enumerated() where kinds[k] != ColumnKind.text.rawValue { position[n] = position.count }
    let picks = chosen.compactMap { position[$0] }
    let data = Matrix(rows: m.rows, cols: picks.count) { dst in
      for i in 0..<m.rows { for (t, c) in picks.enumerated() { dst[i * picks.count + t] = m.data[i * m.cols + c] } }
    }
    var fields: [(String, Value)] = [
      ("data", .matrix(data)), ("columns", .list(chosen.map { .string($0) })),
      ("dtypes", .list(chosen.map { c in .string(kinds[names.firstIndex(of: c)!]) })),
    ]
    for c in chosen { if let f = ownField(r, c) { fields.append((c, f)) } }
    var principal = "data"
    if chosen.count == 1, !reserved.contains(chosen[0]) {
      principal = chosen[0]
      if ownField(r, chosen[0]) == nil, let v = column(r, chosen[0]) { fields.append((chosen[0], v)) }
    }
    if let index = r.fields.dropFirst(3).first(where: isRowNames) { fields.insert(("index", index.value), at: 3) }
    return .record(Record(kind: frameKind, fields: fields, principal: principal))
  }

  /// One line for a data frame: `data frame 150 × 5 (a, b, ...)`.
  static func summary(_ r: Record) -> String {
    let names = columnNames(r)
    let rows = r["data"]?.length ?? 0
    return "data frame \(rows) × \(names.count) (\(shortList(names)))"
  }

  /// Up to six names, each on one line (`Display.escaped`), the first five and "…" past six.
  static func shortList(_ names: [String]) -> String {
    let e = names.prefix(6).map(Display.escaped)
    return names.count <= 6 ? e.joined(separator: ", ") : e.prefix(5).joined(separator: ", ") + ", …"
  }

  /// One line for a categorical: `categorical 150 (3 categories: a, b, c)`.
  static func categoricalSummary(_ codes: [Int], _ names: [String]) -> String {
    "categorical \(codes.count) (\(names.count) categor\(names.count == 1 ? "y" : "ies"): \(shortList(names)))"
  }

  /// A categorical's display: the summary, then the values by name (NaN for a missing value).
  static func renderCategorical(_ codes: [Int], _ names: [String]) -> String {
    categoricalSummary(codes, names) + "\n"
      + Display.vector(codes.count) { codes[$0] >= 0 && codes[$0] < names.count ? Display.escaped(names[codes[$0]]) : "NaN" }
  }

  /// The first rows of a data frame as pandas shows them: a header of column names and a row per
  /// data row under its position (its name, for a frame with row names), at most 10 of each (the first and last 5 around "…"); ints exactly,
  /// floats as clus shows numbers, booleans True/False, text by name, a missing value NaN. nil for a
  /// frame of no rows or columns.
  static func preview(_ r: Record) -> (head: [String], body: [[String]])? {
    let names = columnNames(r)
    guard case .matrix(let m)? = r["data"], m.rows > 0, !names.isEmpty else { return nil }
    let rows = Display.headAndTail(m.rows), cols = Display.headAndTail(names.count)
    // the shown rows only (a frame of millions of rows is not read whole for its display)
    guard case .record(let shown) = selectingRows(r, rows.compactMap { $0 }) else { return nil }
    let columns: [[String]] = cols.map { c in
      guard let c else { return [] }
      let v = column(shown, names[c])
      if let (codes, cats) = v.flatMap(categories(of:)) { return codes.map { $0 >= 0 && $0 < cats.count ? Display.escaped(cats[$0]) : "NaN" } }
      switch v {
      case .labels(let l)?: return l.map(String.init)
      case .floats(let f)?: return f.map { $0.isNaN ? "NaN" : Display.number($0) }
      case .mask(let b)?: return b.map { $0 ? "True" : "False" }
      default: return []
      }
    }
    let head = [""] + cols.map { $0.map { Display.escaped(names[$0]) } ?? "…" }
    // the rows' names when the frame has them (AnnData's cell and gene names, as pandas shows its index)
    let rowNames = shown.fields.dropFirst(3).first(where: isRowNames).map { strings($0.value) }
    var body: [[String]] = [], k = 0
    for row in rows {
      guard let row else { body.append(["…"] + cols.map { _ in "…" }); continue }
      let label = rowNames.map { k < $0.count ? Display.escaped($0[k]) : "…" } ?? String(row)
      body.append([label] + cols.indices.map { j in k < columns[j].count ? columns[j][k] : "…" })
      k += 1
    }
    return (head, body)
  }

  /// A data frame's display: its size, each column with its kind, then its first rows (`preview`),
  /// the columns aligned to the right as pandas prints them.
  static func render(_ r: Record) -> String {
    let names = columnNames(r), kinds = strings(r["dtypes"])
    var lines = ["data frame \(r["data"]?.length ?? 0) × \(names.count): .data is the "
      + "\(r["data"]?.shapeText ?? "0 × 0") matrix of the numeric columns"]
    let shownNames = names.map(Display.escaped)
    let w = min(shownNames.map(terminalWidth).max() ?? 0, 30)
    for (k, n) in names.enumerated() {
      var kind = k < kinds.count ? kinds[k] : ""
      if let (_, cats) = column(r, n).flatMap(categories(of:)) { kind += " (\(cats.count): " + shortList(cats) + ")" }
      lines.append("  " + shownNames[k] + String(repeating: " ", count: max(0, w - terminalWidth(shownNames[k]))) + "  " + kind)
    }
    if let (head, body) = preview(r) {
      // a cell of more than 24 columns is cut with "…"
      func cut(_ t: String) -> String { terminalWidth(t) <= 24 ? t : String(t.prefix(23)) + "…" }
      let grid = ([head] + body).map { $0.map(cut) }
      let widths = head.indices.map { j in grid.map { terminalWidth($0[j]) }.max() ?? 0 }
      for line in grid {
        lines.append(line.enumerated().map { j, t in String(repeating: " ", count: widths[j] - terminalWidth(t)) + t }
          .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
      }
    }
    return lines.joined(separator: "\n")
  }
}
