import CHDF5
import ClusAlgorithms

// AnnData `.h5ad` files (anndata's on-disk format, encoding-type attributes, anndata ≥ 0.7): every
// element carries `encoding-type` and `encoding-version` attributes; clus reads
//   array (dense dataset), csr_matrix / csc_matrix (group: data, indices, indptr, shape attribute),
//   categorical (group: codes, categories; −1 = missing), string-array, dataframe (group: _index
//   attribute names the index dataset, column-order attribute the columns), dict (a group of
//   elements), numeric-scalar and string (scalars in uns), nullable-integer, nullable-boolean and
//   nullable-string-array (group: values, mask; pandas' Int64, boolean and string columns), and the
//   root (encoding-type anndata). Anything else (awkward-array, ...) is named with its group path in
//   the error. A file is opened again for each element read, so a
// loaded record holds no open file.

/// The encodings `readElement` understands, for messages.
let h5adEncodings = "array, csr_matrix, csc_matrix, categorical, string-array, dataframe, dict, numeric-scalar, string, "
  + "nullable-integer, nullable-boolean, nullable-string-array"

/// One AnnData element's encoding at `path` (`encoding-type`), or nil when the attribute is missing.
private func encoding(_ f: H5File, _ path: String) throws -> String? {
  try f.stringAttribute(path, "encoding-type")
}

/// A one-line description of the element at `path` from its metadata alone (nothing is read):
/// `sparse 700 × 765 (csr_matrix)`, `matrix 700 × 50`, `data frame (bulk_labels, n_genes, ...)`.
func h5adSummary(_ f: H5File, _ path: String) throws -> String {
  guard let kind = try f.kind(path) else { return "missing" }
  let enc = try encoding(f, path) ?? (kind == .group ? "dict" : "array")
  switch enc {
  case "array":
    let s = try f.shape(path)
    switch s.count {
    case 0: return "number"
    case 1: return "vector \(s[0])"
    case 2: return "matrix \(s[0]) × \(s[1])"
    default:
      // read as rows × (product of the other axes), as `load` reads a .npy of that shape: said here,
      // where the user sees the element before reading it
      let cols = s.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
      return "matrix \(s[0]) × \(cols) (a \(s.map(String.init).joined(separator: " × ")) array, each row's other axes flattened in C order)"
    }
  case "csr_matrix", "csc_matrix":
    let s = try f.intsAttribute(path, "shape") ?? []
    return s.count == 2 ? "sparse \(s[0]) × \(s[1]) (\(enc))" : "sparse (\(enc))"
  case "dataframe":
    let cols = try f.stringsAttribute(path, "column-order") ?? []
    return "data frame (\(cols.count <= 6 ? cols.joined(separator: ", ") : cols.prefix(5).joined(separator: ", ") + ", …"))"
  case "dict", "anndata", "raw":
    let c = try f.children(path)
    return "{" + (c.count <= 6 ? c.joined(separator: ", ") : c.prefix(5).joined(separator: ", ") + ", …") + "}"
  case "categorical": return "categorical"
  case "string-array": return "strings"
  default: return enc
  }
}

/// Reads the element at `path` (an absolute path inside the file, no leading slash) as a value.
/// Groups of elements (`dict`) come back as lazily read records: nothing under them is read until asked.
/// - Throws: `DataFileError` naming the file and `path`: an encoding clus does not read, a missing
///   member, malformed arrays (categorical codes beyond the categories, an invalid sparse matrix),
///   damaged data, sizes beyond the memory available.
func readH5ADElement(_ f: H5File, _ path: String, opener: @escaping @Sendable () throws -> H5File) throws -> Value {
  let v = try readH5ADElementValue(f, path, opener: opener)
  try checkAlignedShape(f, path, v)
  return v
}

/// The number of cells (`obs`) or genes (`var`, `raw/var`) of the file: the length of that frame's
/// index; for a frame without one (no frame, or no `_index` attribute: anndata refuses such a file,
/// another program wrote it) the matching axis of `X` (`raw/X` for `raw/var`), dense or sparse (its
/// `shape` attribute only when it fits the sparse reader's 32-bit indices and the `indptr` holds one
/// entry more than the rows (CSR) or columns (CSC) it gives); nil when neither says.
private func h5adAxisLength(_ f: H5File, _ frame: String) -> Int? {
  if (try? f.kind(frame)) == .group, let index = (try? f.stringAttribute(frame, "_index")) ?? nil,
     let s = try? f.shape(frame + "/" + index), s.count == 1 {
    return s[0]
  }
  let matrix = frame == "raw/var" ? "raw/X" : "X", axis = frame == "obs" ? 0 : 1
  let shape: [Int]?
  switch try? f.kind(matrix) {
  case .dataset?: shape = try? f.shape(matrix)
  case .group?:
    let major = (try? encoding(f, matrix)) == "csc_matrix" ? 1 : 0
    if let s = (try? f.intsAttribute(matrix, "shape")) ?? nil, s.count == 2,
       s.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }),
       let p = try? f.shape(matrix + "/indptr"), p == [s[major] + 1] {
      shape = s
    } else {
      shape = nil
    }
  default: shape = nil
  }
  guard let s = shape, s.count == 2, s[axis] >= 0 else { return nil }
  return s[axis]
}

/// Refuses, as anndata does when it reads the file, an element whose rows (and columns) do not
/// match the axes it is aligned to: `X` and `layers/*` cells × genes (matrices), `raw/X` cells ×
/// raw genes, `obsm/*` one row per cell,
/// `varm/*` one per gene, `raw/varm/*` one per raw gene, `obsp/*` cells × cells, `varp/*` genes × genes (a file that another
/// program wrote, or a damaged one: its rows would be paired with the wrong cells).
/// - Throws: `DataFileError` (`.invalidData`) naming the element, its shape and the axes'.
private func checkAlignedShape(_ f: H5File, _ path: String, _ v: Value) throws {
  let parts = path.split(separator: "/").map(String.init)
  let axes: [String]
  switch (parts.count, parts.first) {
  case (1, "X"), (2, "layers"): axes = ["obs", "var"]
  case (2, "raw") where parts[1] == "X": axes = ["obs", "raw/var"]
  case (3, "raw") where parts[1] == "varm": axes = ["raw/var"]
  case (2, "obsm"): axes = ["obs"]
  case (2, "varm"): axes = ["var"]
  case (2, "obsp"): axes = ["obs", "obs"]
  case (2, "varp"): axes = ["var", "var"]
  default: return
  }
  // X and layers are cells × genes matrices: a stored array of another rank is not flattened or
  // taken as a vector (anndata refuses it); an aligned element needs rows, not a single number
  if axes.count == 2 && axes[0] == "obs" && axes[1] != "obs", (try? f.kind(path)) == .dataset,
     let s = try? f.shape(path), s.count != 2 {
    throw f.error(path, "is an array of \(s.count) dimensions (\(s.map(String.init).joined(separator: " × "))); it must be a "
                  + "cells × genes matrix (anndata refuses such a file too)", kind: .invalidData)
  }
  let shape: [Int]
  switch v {
  case .float, .int, .bool:
    throw f.error(path, "holds a single number; it must have one row per \(axes[0] == "obs" ? "cell" : axes[0] == "var" ? "gene" : "raw gene") "
                  + "(anndata refuses such a file too)", kind: .invalidData)
  case .matrix(let m): shape = [m.rows, m.cols]
  case .sparse(let m): shape = [m.rows, m.cols]
  case .floats(let x): shape = [x.count]
  case .labels(let x): shape = [x.count]
  case .mask(let x): shape = [x.count]
  default: return
  }
  let what = ["obs": "cells (obs)", "var": "genes (var)", "raw/var": "genes of raw (raw/var)"]
  for (i, axis) in axes.enumerated() where i < shape.count {
    guard let n = h5adAxisLength(f, axis), shape[i] != n else { continue }
    let dim = i == 0 ? "rows" : "columns"
    throw f.error(path, "has \(shape[i]) \(dim), but the file has \(n) \(what[axis]!): its \(dim) would be paired with "
                  + "the wrong \(axis == "obs" ? "cells" : "genes") (anndata refuses such a file too)", kind: .invalidData)
  }
}

private func readH5ADElementValue(_ f: H5File, _ path: String, opener: @escaping @Sendable () throws -> H5File) throws -> Value {
  // a frame's column named "." or a hard link to an ancestor names the same group again: a path this
  // deep is such a cycle (anndata nests a few levels)
  guard path.split(separator: "/").count <= 64 else {
    throw f.error(String(path.prefix(200)) + "…", "is nested more than 64 levels deep (a link cycle in a damaged file?)", kind: .corruptArchive)
  }
  guard let kind = try f.kind(path) else { throw f.error(path, "no such element") }
  let enc = try encoding(f, path) ?? (kind == .group ? "dict" : "array")
  switch (enc, kind) {
  case ("array", .dataset):
    let (cls, _) = try f.elementClass(path)
    let shape = try f.shape(path)
    if cls == H5T_INTEGER, shape.count == 1, let wide = try f.uint64s(path) {
      // uint64 values beyond int64 (hashed ids): clus keeps integers in int64 and float64 would round
      // them, so the column reads as their exact decimal text, a categorical (it made the whole frame
      // unreadable); within int64, ints (read once)
      if wide.contains(where: { $0 > UInt64(Int.max) }) { return stringsValue(wide.map { String($0) }) }
      return .labels(wide.map { Int($0) })
    }
    if cls == H5T_ENUM || cls == H5T_INTEGER, shape.count == 1 {
      let v = try f.ints(path)
      return cls == H5T_ENUM ? .mask(v.map { $0 != 0 }) : .labels(v)
    }
    if cls == H5T_STRING, shape.count <= 1 { return stringsValue(try f.strings(path)) }
    if shape.count == 1 { return .floats(try f.doubles(path)) }
    let (s, values) = try f.floats(path)
    if s.count == 1 { return .floats(values.map(Double.init)) }
    if s.isEmpty { return .float(Double(values.first ?? 0)) }
    let rows = s[0], cols = s.dropFirst().reduce(1, *)
    return .matrix(Matrix(rows: rows, cols: cols, data: values))
  case ("csr_matrix", .group), ("csc_matrix", .group):
    return .sparse(try h5adSparse(f, path, csr: enc == "csr_matrix"))
  case ("categorical", .group):
    let codes = try f.ints(path + "/codes")
    let cats = try readH5ADElement(f, path + "/categories", opener: opener)
    let names: [String]
    switch cats {
    case .record where Frames.categories(of: cats) != nil:
      // string categories read as a categorical of themselves: back to the names in order
      let (c, n) = Frames.categories(of: cats)!
      names = c.map { $0 >= 0 && $0 < n.count ? n[$0] : "" }
    case .labels(let l): names = l.map(String.init)
    case .floats(let x): names = x.map { Display.number($0) }
    case .mask(let b): names = b.map { $0 ? "True" : "False" }
    default: throw f.error(path + "/categories", "holds categories clus does not read", kind: .unsupportedType)
    }
    if let bad = codes.first(where: { $0 < -1 || $0 >= names.count }) {
      throw f.error(path + "/codes", "holds code \(bad), outside −1..<\(names.count) categories", kind: .invalidData)
    }
    return Frames.categorical(codes: codes, categories: names)
  case ("string-array", .dataset):
    return stringsValue(try f.strings(path))
  case ("nullable-integer", .group), ("nullable-boolean", .group), ("nullable-string-array", .group):
    // pandas' Int64, boolean and string columns: values and a mask (true where missing). Without a
    // missing value, the plain column; with one, integers and booleans become float64 with NaN
    // (numpy's form of pandas' <NA>) and strings a categorical with the value missing
    let mask = try f.ints(path + "/mask").map { $0 != 0 }
    if enc == "nullable-string-array" {
      let s = try f.strings(path + "/values")
      guard s.count == mask.count else { throw f.error(path, "has \(s.count) values but a mask of \(mask.count)", kind: .sizeMismatch) }
      // the categories of the values present only (a masked slot's placeholder is no category)
      return stringsValue(s, missing: mask)
    }
    let v = try f.ints(path + "/values")
    guard v.count == mask.count else { throw f.error(path, "has \(v.count) values but a mask of \(mask.count)", kind: .sizeMismatch) }
    if !mask.contains(true) { return enc == "nullable-boolean" ? .mask(v.map { $0 != 0 }) : .labels(v) }
    return .floats(zip(v, mask).map { $1 ? .nan : (enc == "nullable-boolean" ? ($0 != 0 ? 1 : 0) : Double($0)) })
  case ("dataframe", .group):
    return try h5adFrame(f, path, opener: opener)
  case ("dict", .group), ("anndata", .group), ("raw", .group):
    return try h5adLazyRecord(f, path, kind: enc == "anndata" ? "AnnData" : "dict", opener: opener)
  case ("numeric-scalar", .dataset):
    let (cls, _) = try f.elementClass(path)
    if cls == H5T_INTEGER { return .int(try f.ints(path).first ?? 0) }
    if cls == H5T_ENUM { return .bool((try f.ints(path).first ?? 0) != 0) }
    return .float(Double(try f.floats(path).values.first ?? 0))
  case ("string", .dataset):
    return .string(try f.strings(path).first ?? "")
  default:
    throw f.error(path, "encoding \"\(enc)\" is not read by clus (it reads \(h5adEncodings))", kind: .unsupportedType)
  }
}

/// Strings as a categorical (the distinct values as categories, sorted as pandas sorts them); the
/// rows where `missing` is true missing (code −1).
private func stringsValue(_ s: [String], missing: [Bool]? = nil) -> Value {
  var seen: [ExactText: Int] = [:]
  var first: [String] = []
  let codes = s.indices.map { i -> Int in
    if let m = missing, m[i] { return -1 }
    let x = s[i]
    if let c = seen[ExactText(x)] { return c }
    seen[ExactText(x)] = first.count
    first.append(x)
    return first.count - 1
  }
  let t = TextColumn(appearanceCodes: codes, firstSeen: first)
  return Frames.categorical(codes: t.codes, categories: t.categories)
}

/// A `csr_matrix` / `csc_matrix` group as CSR.
private func h5adSparse(_ f: H5File, _ path: String, csr: Bool) throws -> SparseMatrix {
  guard let shape = try f.intsAttribute(path, "shape"), shape.count == 2, shape[0] >= 0, shape[1] >= 0,
        shape[1] <= Int(Int32.max), shape[0] <= Int(Int32.max) else {
    throw f.error(path, "a sparse matrix needs a shape attribute of two non-negative integers")
  }
  for m in ["data", "indices", "indptr"] where try f.kind(path + "/" + m) != .dataset {
    throw f.error(path, "a sparse matrix needs a \(m) dataset")
  }
  let values = try f.floats(path + "/data").values
  let indices = try f.ints(path + "/indices")
  let indptr = try f.ints(path + "/indptr")
  guard indices.count == values.count else {
    throw f.error(path, "has \(indices.count) indices but \(values.count) values", kind: .sizeMismatch)
  }
  // (an index out of range but within Int32 passes, for the matrix's check to name its row or column)
  let ind = try indices.map { i -> Int32 in
    guard let v = Int32(exactly: i) else { throw f.error(path + "/indices", "holds \(i), beyond 32-bit indices", kind: .invalidData) }
    return v
  }
  do {
    if csr { return try SparseMatrix(rows: shape[0], cols: shape[1], indptr: indptr, indices: ind, values: values) }
    try Memory.requireForRowForm(rows: shape[0], stored: values.count, path: f.display)
    return try SparseMatrix(cscRows: shape[0], cols: shape[1], indptr: indptr, indices: ind, values: values)
  } catch AlgorithmError.invalidInput(let m) {
    throw f.error(path, m, kind: .invalidData)
  }
}

/// A `dataframe` group (obs, var) as a data frame: numeric and bool columns in `.data`, text and
/// categorical columns as categoricals, and `.index` (the obs or var names).
private func h5adFrame(_ f: H5File, _ path: String, opener: @escaping @Sendable () throws -> H5File) throws -> Value {
  let declared = try f.stringAttribute(path, "_index")
  let indexName = declared ?? "_index"
  let order = try f.stringsAttribute(path, "column-order") ?? []
  let indexKind = try f.kind(path + "/" + indexName)
  // an `_index` attribute naming what the frame does not hold (anndata: KeyError): said so, not
  // read as a frame of 0 rows whose every column "has 40 values for 0 rows"
  if let name = declared, indexKind != .dataset {
    let names = path == "obs" ? "cell" : path == "var" || path.hasSuffix("/var") ? "gene" : "row"
    if indexKind == nil {
      throw f.error(path, "its _index attribute names \"\(name)\", which is not in \(path): "
                      + "the \(names) names are missing (anndata refuses the file)", kind: .corruptArchive)
    }
    throw f.error(path, "its _index attribute names \"\(name)\", a group (a categorical?), not a dataset of strings: "
                    + "clus reads the \(names) names from a dataset of strings, as anndata writes them", kind: .unsupportedType)
  }
  let index = indexKind == .dataset ? try f.strings(path + "/" + indexName) : []
  var names: [String] = [], kinds: [ColumnKind] = [], text: [TextColumn] = [], numeric: [[Float]] = []
  var exactColumns: [Value] = []
  let rows = index.count
  for c in order {
    guard !c.isEmpty, c != ".", !c.contains("/") else {
      throw f.error(path, "column-order names \"\(c)\", which is not a column's name", kind: .corruptArchive)
    }
    let v = try readH5ADElement(f, path + "/" + c, opener: opener)
    guard (v.length ?? -1) == rows else {
      throw f.error(path + "/" + c, "has \(v.length ?? 0) values for \(rows) rows", kind: .sizeMismatch)
    }
    names.append(c)
    exactColumns.append(v)
    switch v {
    case .labels(let l): kinds.append(.int); numeric.append(l.map(Float.init))
    case .floats(let x): kinds.append(.float); numeric.append(x.map(Float.init))
    case .mask(let b): kinds.append(.bool); numeric.append(b.map { $0 ? 1 : 0 })
    case .record where Frames.categories(of: v) != nil:
      let (codes, cats) = Frames.categories(of: v)!
      kinds.append(.text); text.append(TextColumn(codes: codes, categories: cats))
    default:
      throw f.error(path + "/" + c, "is \(v.kindWithArticle); a data frame column must be a vector", kind: .unsupportedType)
    }
  }
  var data = [Float](repeating: 0, count: rows * numeric.count)
  for (j, col) in numeric.enumerated() { for i in 0..<rows { data[i * numeric.count + j] = col[i] } }
  let table = Table(names: names, kinds: kinds, data: Matrix(rows: rows, cols: numeric.count, data: data), text: text, rows: rows)
  guard case .record(var r) = Frames.frame(table) else { return .none }
  // numeric columns also as fields, exactly as stored (int64 beyond 2^24, float64): .data is float32
  // the row names first, so that d.index finds them before a column named "index" (Frames.isRowNames)
  r.fields.insert((name: "index", value: .list(index.map { .string($0) })), at: 3)
  for (k, c) in order.enumerated() where kinds[k] != .text && !["data", "columns", "dtypes"].contains(c) {
    // a one-column frame has the column as a field already, from the float32 .data: replaced
    // (123456789 was shown as 123456792)
    if let i = r.fields.firstIndex(where: { $0.name == c && !Frames.isRowNames($0) }) { r.fields[i].value = exactColumns[k]; continue }
    r.fields.append((name: c, value: exactColumns[k]))
  }
  if names.isEmpty { r.principal = nil }
  return .record(r)
}

/// A group read lazily: its members are listed now (with a summary from their metadata) and read
/// on first access.
/// - Throws: `DataFileError` when the group's members cannot be listed (a damaged link table: never an
///   empty record in its place).
private func h5adLazyRecord(_ f: H5File, _ path: String, kind: String, opener: @escaping @Sendable () throws -> H5File) throws -> Value {
  let names = try f.children(path)
  let entries = names.map { n in (name: n, summary: (try? h5adSummary(f, path.isEmpty ? n : path + "/" + n)) ?? "?") }
  let lazy = LazyFields(entries: entries) { name in
    try hdf5Lock.run {
      let file = try opener()
      return try readH5ADElement(file, path.isEmpty ? name : path + "/" + name, opener: opener)
    }
  }
  var r = Record(kind: kind, fields: [])
  r.lazy = lazy
  return .record(r)
}

/// `load "cells.h5ad"`: the AnnData file as a record whose fields (`X`, `obs`, `var`, `obsm`,
/// `layers`, `uns`, ...) are read on first access; `n_obs` and `n_vars` come from the metadata.
/// - Throws: `DataFileError`: not HDF5, damaged, or not an AnnData file (no `encoding-type` of
///   `anndata` at the root: an anndata older than 0.7 wrote it, or another program).
///   A field first used after the file changed (another program wrote it, or `save ... into=` replaced
///   it) throws `.changed` instead of reading the new content into the old record.
func loadH5AD(path: String, display: String) throws -> Value {
  try hdf5Lock.run {
    let loaded = fileIdentity(path)
    let f = try H5File(path: path, display: display)
    let unchanged: @Sendable () throws -> Void = {
      guard fileIdentity(path) == loaded else {
        if pathKind(path) == .missing {
          throw DataFileError(path: display, kind: .changed, message:
            "the file was deleted or moved since it was loaded; its fields not yet read cannot be read (clus reads a field on first use)")
        }
        throw DataFileError(path: display, kind: .changed, message:
          "the file changed since it was loaded (written or replaced); load it again to read its fields")
      }
    }
    let root = try h5adRoot(f) {
      try unchanged()
      return try H5File(path: path, display: display)
    }
    guard case .record(let r) = root else { return root }
    r.lazy?.check = unchanged
    return .record(r)
  }
}

/// `loadH5AD` from bytes in memory (the fuzz target); every element is read at once.
/// - Throws: as `loadH5AD`, and any error of reading an element.
public func loadH5AD(bytes: [UInt8], display: String) throws -> String {
  try hdf5Lock.run {
    let f = try H5File(bytes: bytes, display: display)
    let v = try h5adRoot(f) { f }
    // read every element, as a user touching each field would
    func touch(_ v: Value, _ depth: Int) throws {
      guard depth < 8, case .record(let r) = v, let lz = r.lazy else { return }
      for e in lz.entries { try touch(try lz.value(e.name), depth + 1) }
    }
    try touch(v, 0)
    return Display.render(v)
  }
}

private func h5adRoot(_ f: H5File, opener: @escaping @Sendable () throws -> H5File) throws -> Value {
  let enc = try encoding(f, "")
  // (the root's members are listed here only for a root not marked "anndata": a file's first listing
  // is the one that reports a damaged member list, which a second listing may no longer see)
  let top = enc == "anndata" ? [] : (try? f.children("")) ?? []
  // elements marked as anndata ≥ 0.7 marks them (obs, var: "dataframe")
  let marked = ["obs", "var"].filter { top.contains($0) && (try? encoding(f, $0)) == "dataframe" }
  // a root without either mark (encoding-type, encoding-version) over marked elements is read as
  // anndata reads it, element by element
  let unmarkedRoot = enc == nil && (try? f.stringAttribute("", "encoding-version")) == nil
  guard enc == "anndata" || (unmarkedRoot && !marked.isEmpty) else {
    // a root mark damaged or half removed, which no conversion mends (anndata refuses the file too:
    // it reads the root by its encoding-type once an encoding-version is there)
    if !marked.isEmpty {
      let found = enc.map { "is \"\($0)\"" } ?? "is missing"
      throw f.error("", "the root's encoding-type attribute \(found), not \"anndata\", though \(marked.joined(separator: " and ")) "
                    + "\(marked.count == 1 ? "is" : "are") marked as anndata ≥ 0.7 writes them: the file is damaged "
                    + "(anndata refuses it too); write it again from its source", kind: .corruptArchive)
    }
    if top.contains("X") || top.contains("obs") {
      throw f.error("", "this AnnData file has no encoding-type attribute: an anndata older than 0.7 wrote it; "
                    + "read it with a current anndata and write it again (anndata.read_h5ad(p).write_h5ad(p))", kind: .unsupportedType)
    }
    throw f.error("", "an HDF5 file, but not an AnnData file (no encoding-type \"anndata\" at its root)", kind: .unsupportedType)
  }
  guard case .record(var r) = try h5adLazyRecord(f, "", kind: "AnnData", opener: opener) else { return .none }
  // n_obs × n_vars from the obs and var index lengths (metadata only)
  // (none when nothing in the file says: no index and no readable X)
  r.fields = [(name: "n_obs", value: h5adAxisLength(f, "obs").map { .int($0) } ?? .none),
              (name: "n_vars", value: h5adAxisLength(f, "var").map { .int($0) } ?? .none),
              (name: "filename", value: .string(f.display))]
  return .record(r)
}
