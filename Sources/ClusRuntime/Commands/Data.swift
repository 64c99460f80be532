import ClusAlgorithms

/// The language value of a loaded file: a dataset becomes a record whose principal is `data`, a
/// table a data frame, an array of strings a categorical, an `.npz` archive a record (kind `npz`)
/// of its arrays, a model file (`display`) the model (read by `session`, whose command table checks
/// its parameters).
/// - Throws: `DataFileError` for a model file that does not read as a model (`Session.readModel`).
func value(of loaded: LoadedData, session: Session, display: String) throws -> Value {
  switch loaded {
  case .table(let t): return Frames.frame(t)
  case .textVector(let t): return Frames.categorical(codes: t.codes, categories: t.categories)
  case .matrix(let m): return .matrix(m)
  case .sparse(let m): return .sparse(m)
  case .floatVector(let f): return .floats(f.map(Double.init))
  case .doubleVector(let f): return .floats(f)
  case .intVector(let l): return .labels(l)
  case .boolVector(let b): return .mask(b)
  case .dataset(let d):
    let train = d.train, test = d.test
    return .record(Record(kind: "dataset", fields: [
      ("data", .matrix(d.data)), ("target", .labels(d.target)),
      ("train", .record(Record(kind: "dataset part", fields: [("data", .matrix(train.data)), ("target", .labels(train.target))], principal: "data"))),
      ("test", .record(Record(kind: "dataset part", fields: [("data", .matrix(test.data)), ("target", .labels(test.target))], principal: "data"))),
      ("name", .string(d.name)),
    ], principal: "data"))
  case .arrays(let a):
    // np.load(path)'s keys, in archive order: x.embedding, x["arr_0"]; a member that did not read
    // is a field whose use raises its error (np.load fails on that key alone)
    let failed = a.compactMap { m -> (String, DataFileError)? in
      if case .unreadable(let e) = m.value { return (m.name, e) }
      return nil
    }
    if failed.isEmpty {
      return .record(Record(kind: "npz", fields: try a.map { ($0.name, try value(of: $0.value, session: session, display: display)) }))
    }
    // all members as entries, in archive order: the arrays already read, the others their error
    let errors = Dictionary(failed, uniquingKeysWith: { a, _ in a })
    var values: [String: Value] = [:]
    var entries: [(name: String, summary: String)] = []
    for m in a {
      if let e = errors[m.name] {
        entries.append((m.name, LazyFields.unreadablePrefix + e.message))
      } else {
        let v = try value(of: m.value, session: session, display: display)
        values[m.name] = v
        entries.append((m.name, Display.summary(v)))
      }
    }
    var r = Record(kind: "npz", fields: [])
    r.lazy = LazyFields(entries: entries, values: values) { name in
      throw errors[name] ?? DataFileError(path: display, kind: .unreadable, message: "no member \(name)")
    }
    return .record(r)
  case .unreadable(let e):
    throw e
  case .modelArchive(let m):
    return .record(try session.readModel(m.members, display: display).record())
  }
}

extension Session {
  /// The language value of data `loadData` read from the file `display`, as `load` gives it (a
  /// model file becomes the model, its parameters checked by this session's command table).
  /// - Throws: `DataFileError` for a model file that does not read as a model.
  public func value(of loaded: LoadedData, display: String) throws -> Value {
    try ClusRuntime.value(of: loaded, session: self, display: display)
  }
}

/// A numeric vector field as Doubles (for saving tables).
private func column(_ v: Value) -> [Double]? {
  switch v {
  case .labels(let l): return l.map(Double.init)
  case .floats(let f): return f
  case .mask(let m): return m.map { $0 ? 1 : 0 }
  default: return nil
  }
}

/// The CSV options of a `load` call, checked: `header=` true/false/"auto", a one-character
/// `delimiter=`, `columns=`/`usecols=` names or positions, `na_values=` strings.
private func csvOptions(_ inv: Invocation) throws -> CSVOptions {
  var o = CSVOptions()
  func bad(_ name: String, _ m: String) -> Error { CommandError.badParameter(name: name, message: m) }
  switch try inv.value("header") {
  case .bool(let b): o.header = b ? .yes : .no
  // pandas' spellings: header=None (no header row) and header=0 (the first row)
  case .none: o.header = .no
  case .int(0): o.header = .yes
  case .string(let s) where s == "auto" || s == "infer": o.header = .auto
  case .int(let k): throw bad("header", "header=\(k) (a header on row \(k + 1), the rows above it skipped) is not supported: header is true (pandas' 0), false (pandas' None) or \"auto\"")
  case let v: throw bad("header", "header must be true, false or \"auto\", got \(Display.summary(v))")
  }
  switch try inv.value("delimiter") {
  case .none: break
  case .string(let s) where s.utf8.count == 1 && s != "\"" && s != "\n": o.delimiter = s.utf8.first
  case .string("\\t"): o.delimiter = 0x09
  // pandas' sep=r"\s+" (delim_whitespace): runs of spaces and tabs
  case .string("\\s+"): o.delimiter = 0x20; o.whitespace = true
  case let v: throw bad("delimiter", "delimiter must be one character such as \",\", \";\" or \"\\t\", got \(Display.summary(v))")
  }
  if try inv.isGiven("columns") && inv.isGiven("usecols") { throw bad("usecols", "give columns= or usecols=, not both") }
  let chosen = try inv.isGiven("usecols") ? inv.value("usecols") : inv.value("columns")
  func column(_ v: Value) throws -> CSVColumn {
    switch v {
    case .string(let s): return .name(s)
    case .int(let i): return .index(i)
    default:
      let name = (try? inv.isGiven("usecols")) == true ? "usecols" : "columns"
      throw bad(name, "\(name)= takes column names or 0-based positions, got \(Display.summary(v))")
    }
  }
  switch chosen {
  case .none: break
  case .list(let items): o.columns = try items.map(column)
  case .labels(let l): o.columns = l.map { .index($0) }
  case let v: o.columns = [try column(v)]
  }
  switch try inv.value("na_values") {
  case .none: break
  case .string(let s): o.naValues = [s]
  case .list(let items):
    o.naValues = try items.map {
      switch $0 {
      case .string(let s): return s
      case .int(let i): return String(i)
      case .float(let f) where f.isFinite: return String(f)
      default: throw bad("na_values", "na_values takes strings or numbers, got \(Display.summary($0))")
      }
    }
  case .int(let i): o.naValues = [String(i)]
  case .float(let f) where f.isFinite: o.naValues = [String(f)]
  case let v: throw bad("na_values", "na_values takes a string, a number or a list of them, got \(Display.summary(v))")
  }
  return o
}

func registerData(_ t: inout CommandTable) {
  t.register(Command(
    "load", group: "data",
    summary: "Read a data file: IDX (plain or .gz), an MNIST-layout folder, .npy, .npz (numpy's or scipy.sparse's), .csv or .tsv, AnnData .h5ad; or a fitted model saved as .npz",
    args: [ArgSpec("path", .path, "file or folder; a folder of IDX image/label pairs gives a dataset record (.data, .target, .train, .test); an array of 3 or more dimensions becomes rows × (product of the others), as the 784 pixels of an MNIST image; matrix values become float32 (a float64 vector, as scores or a saved column, keeps its float64 values); a CSV with column names or text columns gives a data frame record (.data, .columns, d[\"name\"]; .data is float32, what the algorithms read; a column such as d.a gives its numbers as pandas reads them, float64 and int64, kept beside .data when float32 would round them); an .npz archive (numpy's savez, savez_compressed) gives a record of its arrays in archive order, named as np.load names them (z.embedding, z[\"arr_0\"]), a member that does not read as an array said at once and an error only where it is used, as np.load fails on that key alone; a model file that `save` wrote gives the fitted model back (docs/model-format.md); an archive of scipy.sparse.save_npz gives a sparse matrix; an AnnData .h5ad file gives a record whose fields (.X, .obs, .var, .obsm, .layers, .uns) are read on first use, and refused once the file has changed (load it again); a float32 .npy matrix (little-endian, C order, as np.save writes float32) is mapped, not copied: it costs no memory of its own, and changing that file in place while clus uses it (another program truncating or rewriting it) is unsafe and can stop clus with SIGBUS, while clus's own save replaces a file whole (a new file renamed over it), which is safe")],
    params: [
      ParamSpec("header", .any, .string("auto"), nil, "CSV: true (the first row names the columns; pandas' header=0), false (no header; pandas' header=None, also written none), or \"auto\": a first row of numbers is data (with a note), any other is the header"),
      ParamSpec("delimiter", .any, .none, nil, "CSV: the field separator; default \",\" for .csv, tab for .tsv/.tab, detected (, tab ; | or runs of spaces, as numpy.savetxt writes) for .txt/.dat; \"\\\\s+\": runs of spaces and tabs, as pandas' sep=r\"\\s+\""),
      ParamSpec("columns", .any, .none, nil, "CSV: the columns to keep, by name or 0-based position, in this order (a name, a position or a list)"),
      ParamSpec("usecols", .any, .none, nil, "CSV: the same as columns=, as pandas names it"),
      ParamSpec("na_values", .any, .none, nil, "CSV: further missing values (a string, a number or a list), besides pandas' defaults (empty, NA, NaN, nan, N/A, NULL, null, None, ...): a cell written so is missing, and, as pandas matches them, so is a number equal to one that is a number (na_values=\"-999\" also makes -999.0 missing)"),
    ],
    examples: ["mnist = load \"data/mnist\"", "x = load \"points.csv\"", "d = load \"iris.csv\"; plot d.data color=d[\"species\"]",
               "x = load \"scores.tsv\" columns=[\"a\", \"b\"] na_values=\"-999\"", "z = load \"arrays.npz\"; z.embedding"]
  ) { inv in
    guard case .string(let path) = inv.args[0] else { return .none }
    let ctx = inv.context
    let session = inv.session
    let csv = try csvOptions(inv)
    let csvParams = try ["header", "delimiter", "columns", "usecols", "na_values"].filter { try inv.isGiven($0) }
    if let p = csvParams.first, let (f, _) = formatOf(fileName: lastPathComponent(expandTilde(path))), ![.csv, .tsv, .text].contains(f) {
      throw CommandError.badParameter(name: p, message: "\(p)= applies to CSV, TSV and other delimited text files, not to \(Display.quote(path))")
    }
    if lastPathComponent(expandTilde(path)).lowercased().hasSuffix(".h5ad") {
      if let p = csvParams.first { throw CommandError.badParameter(name: p, message: "\(p)= applies to CSV, TSV and other delimited text files, not to \(Display.quote(path))") }
      guard pathKind(expandTilde(path)) != .missing else {
        throw DataFileError(path: path, kind: .missingFile, message: "no such file or directory")
      }
      return try loadH5AD(path: expandTilde(path), display: path)
    }
    return try value(of: try loadData(path: path, csv: csv, warn: { ctx.warn($0) },
                                  note: { session.progress.clearLine(); session.errorOutput("note: \($0)\n") },
                                  cancelled: { ctx.cancellation.isCancelled }), session: session, display: path)
  })
  t.register(Command(
    "save", group: "data", summary: "Write a matrix, vector or table to .npy or .csv (.tsv, optionally .gz), or a fitted model or a sparse matrix to .npz",
    args: [ArgSpec("value", .any, "a matrix, a vector, a record acting as one, a table record, a data frame (to .csv or .tsv every column under its name, as pandas' to_csv(index=False); to .npy its numbers), a crosstab (to .csv or .tsv with its labels, as pandas' crosstab(a, b).to_csv()), a fitted model (to .npz), or a sparse matrix (to .npz, as scipy.sparse.save_npz writes)"),
           ArgSpec("path", .path, "where to write; the extension picks the format; an existing file is replaced whole: the new file is written next to it and renamed over it, so a failed write leaves the old one, and a loaded (mapped) .npy keeps its values")],
    params: [
      ParamSpec("into", .any, .none, nil, ".h5ad: the AnnData file (a loaded record or a path) the output is a copy of, with the value added (an entry of the same name is replaced, as anndata's assignment does): a matrix as obsm[key], a clustering result or a categorical as an obs categorical (noise −1 missing), other numbers as an obs column; the same path as the source updates it"),
      ParamSpec("key", .any, .none, nil, ".h5ad: the entry's name (none: \"X_umap\" for a matrix, \"clusters\" for labels)"),
    ],
    examples: ["save e \"embedding.npy\"", "save l.condensed_tree \"tree.csv\"", "save e \"umap-model.npz\"",
               "save e \"cells-umap.h5ad\" into=a key=\"X_umap\"", "save l \"cells-umap.h5ad\" into=\"cells-umap.h5ad\" key=\"hdbscan\""]
  ) { inv in
    guard case .string(let path) = inv.args[1] else { return .none }
    let raw = inv.rawArgs[0]
    if lastPathComponent(expandTilde(path)).lowercased().hasSuffix(".h5ad") {
      try saveIntoAnnData(raw, path: path, inv)
      return .none
    }
    for p in ["into", "key"] where try inv.isGiven(p) {
      throw CommandError.invalidArgument("\(p)= applies to saving into an AnnData .h5ad file")
    }
    if case .sparse(let m) = raw.resolved {
      guard lastPathComponent(expandTilde(path)).lowercased().hasSuffix(".npz") else {
        throw CommandError.invalidArgument(
          "a sparse matrix is saved as .npz (scipy.sparse.load_npz reads it); for .npy or .csv save `dense m`")
      }
      try writeScipySparse(m, path: path)
      return .none
    }
    if case .record(let r) = raw, let m = r.model {
      let file = lastPathComponent(expandTilde(path))
      if file.lowercased().hasSuffix(".npz") {
        try writeModelFile(m, path: path)
        return .none
      }
      // an extension that names no format save writes (none, .txt, .npz.gz): the model's own first
      let writable = formatOf(fileName: file).map { f, _ in f != .idx && f != .text && f != .npz } ?? false
      if !writable {
        throw DataFileError(path: path, kind: .unknownExtension, message:
          "unknown file type for saving: a fitted \(m.kind) model is saved whole as .npz (load gives it back); the \(r.principal ?? "principal") array alone as \(supportedSaveExtensions)")
      }
    } else if lastPathComponent(expandTilde(path)).lowercased().hasSuffix(".npz") {
      if case .record(let r) = raw, ["umap", "hdbscan"].contains(r.kind) {
        // a result without a model: fitted on sparse data (transform and approximate_predict say the same)
        throw CommandError.invalidArgument("this \(r.kind) result was fitted on a sparse matrix and keeps no model to save "
          + "(`pca` of it first gives dense data, whose fit keeps its model); save its \(r.principal ?? "arrays") as .npy, .csv or .tsv")
      }
      throw CommandError.invalidArgument("a .npz file holds a fitted model (the result of umap, hdbscan, kmeans or pca); save arrays as .npy, .csv or .tsv")
    }
    if case .record(let r) = raw, r.kind.hasSuffix("table") {
      var cols: [(name: String, values: [Double])] = []
      var text: [String: [String]] = [:]
      for f in r.fields where !(r.kind == "condensed tree table" && f.name == "selected_clusters") {
        if case .list(let items) = f.value, items.allSatisfy({ if case .string = $0 { return true }; return false }) {
          text[f.name] = items.map { if case .string(let s) = $0 { return s }; return "" }
          cols.append((f.name, [Double](repeating: 0, count: items.count)))
          continue
        }
        guard let c = column(f.value) else { throw CommandError.invalidArgument("column \(f.name) is not a vector") }
        cols.append((f.name, c))
      }
      try saveTable(columns: cols, text: text, path: path)
      if path.lowercased().hasSuffix(".npy") || path.lowercased().hasSuffix(".npy.gz") {
        inv.warn("\(path) holds the \(cols.count) columns side by side without their names (\(cols.map(\.name).joined(separator: ", "))); save as .csv to keep them")
      }
      return .none
    }
    // a crosstab to .csv or .tsv: its row labels, then a column per column label, as pandas'
    // crosstab(a, b).to_csv() (the row axis named row_0, as pandas names an unnamed array's)
    if case .record(let r) = raw, r.kind == "crosstab", delimitedTarget(path) {
      guard let t = crosstabTable(r) else {
        // (it fell through to the counts alone, as a float matrix without labels, in silence)
        throw CommandError.invalidArgument("this crosstab's column labels repeat or include \"row_0\", the name of its row axis in "
          + "the file, so its table cannot be written as pandas writes it; save c.counts, c.index and c.columns on their own")
      }
      try saveTable(columns: t.columns, text: t.text, path: path)
      return .none
    }
    // a data frame to .csv or .tsv: every column under its name, as pandas' to_csv(index=False)
    if case .record(let r) = raw, r.kind == Frames.frameKind, delimitedTarget(path), let t = frameTable(r) {
      try saveTable(columns: t.columns, text: t.text, path: path)
      return .none
    }
    // a frame of text columns only would write a file of no columns (with a note that its columns are not in it)
    // (a frame of one text column wrote its category codes, with a note that its text column was not in the file)
    if case .record(let r) = raw, r.kind == Frames.frameKind, case .matrix(let m)? = r["data"], m.cols == 0,
      !Frames.columnNames(r).isEmpty {
      let names = Frames.columnNames(r)
      throw CommandError.invalidArgument("this data frame has no numeric column (\(names.count == 1 ? "its column" : "its columns") "
        + "\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") text), so a .npy of it would hold none; save it as .csv or .tsv"
        + (names.count == 1 ? ", or its category codes knowingly (d.\(names[0]).codes)" : ""))
    }
    let data: LoadedData
    switch raw.resolved {
    case .matrix(let m): data = .matrix(m)
    // a float vector is saved float64, as clus holds it (scores, probabilities, literals such as
    // 16777217.5, which float32 rounded to 16777218), whatever its values, so that a file's dtype never
    // depends on them (parts of one result saved apart must join as one array)
    case .floats(let f): data = .doubleVector(f)
    case .labels(let l): data = .intVector(l)
    case .mask(let b): data = .boolVector(b)
    case .list(let items) where !items.isEmpty:
      // a list literal: rows of numbers → a matrix; numbers → a vector (ints stay ints)
      if let m = matrixFromRows(items) {
        data = .matrix(m)
      } else if items.allSatisfy({ if case .int = $0 { return true }; return false }) {
        data = .intVector(items.map { if case .int(let i) = $0 { return i }; return 0 })
      } else if items.allSatisfy({ $0.number != nil }) {
        data = .doubleVector(items.map { $0.number! })
      } else {
        throw CommandError.invalidArgument("save needs a matrix, a vector or a table; this list is neither rows of numbers nor numbers")
      }
    default: throw CommandError.invalidArgument("save needs a matrix, a vector or a table, got \(raw.kindWithArticle)")
    }
    let token = inv.context.cancellation
    try saveData(data, path: path, cancelled: { token.isCancelled })
    if case .record(let r) = raw, let m = r.model {
      // the model's principal array (embedding, labels, projection), as before models had files
      inv.session.progress.clearLine()
      // named as a field ("the transformed of the pca model" read badly)
      inv.session.errorOutput("note: wrote the \(m.kind) model's field \(r.principal ?? "(its principal array)"); save the model to a .npz file to keep all of it\n")
    } else if case .record(let r) = raw, r.kind == Frames.frameKind {
      // a data frame to .npy (or one whose text column has a reserved name) stands for its numeric
      // columns: say what is not in the file
      let texts = r.fields.filter { Frames.categories(of: $0.1) != nil }.map(\.0)
      // integer columns kept exactly beside .data (ids beyond 2^24) went to the file rounded, unsaid
      // (a frame of one column is saved as that column, exactly)
      let rounded = Frames.roundedInData(raw)
      inv.session.progress.clearLine()
      inv.session.errorOutput("note: wrote the data frame's \(r.principal ?? "data") without column names"
        + (texts.isEmpty ? "" : "; its text column\(texts.count == 1 ? "" : "s") \(texts.joined(separator: ", ")) \(texts.count == 1 ? "is" : "are") not in the file")
        + (rounded.isEmpty ? "" : "; the values of \(rounded.joined(separator: ", ")) are rounded to float32 in it")
        + "; save it as .csv or .tsv to keep every column\n")
    } else if Frames.categories(of: raw) != nil {
      inv.session.progress.clearLine()
      inv.session.errorOutput("note: wrote the categorical's integer codes; its names are not in the file\n")
    } else if case .record(let r) = raw, let principal = r.principal {
      // a result of several arrays (approximate_predict's labels and probabilities): say which are left out
      let others = r.fields.filter { f in
        guard f.name != principal else { return false }
        switch f.value { case .matrix, .labels, .floats, .mask, .sparse: return true; default: return false }
      }.map(\.name)
      if !others.isEmpty {
        inv.session.progress.clearLine()
        inv.session.errorOutput("note: wrote the \(r.kind) record's field \(principal); its other array\(others.count == 1 ? "" : "s") "
          + "(\(others.joined(separator: ", "))) \(others.count == 1 ? "is" : "are") not in the file: save each field on its own\n")
      }
    }
    return .none
  })
  t.register(Command(
    "concat", group: "data", summary: "Stack matrices (rows), vectors or data frames (rows, as pandas' concat of frames with the same columns) end to end",
    args: [ArgSpec("parts", .any, "two or more matrices with the same number of columns, or vectors (or one list of them, as numpy's concatenate([a, b])); int and float vectors join as floats; a list of numbers is a vector and a list of equal rows a matrix, other lists join as lists", variadic: true)],
    examples: ["all = concat mnist.train.data mnist.test.data", "all = concat [a, b, c]"]
  ) { inv in
    // one list holds the parts (numpy's np.concatenate([a, b])); otherwise the arguments are
    var raw = inv.args
    if raw.count == 1, case .list(let l) = raw[0].resolved { raw = l }
    // data frames of several columns join as frames (pandas' concat): they stood for their float32
    // .data, and lost their names, text columns and exact ints in silence
    // (one-column frames alone stand for their columns and join as those)
    let frames = raw.map { v -> Record? in
      if case .record(let r) = v, r.kind == Frames.frameKind { return r }
      return nil
    }
    // (frames of one column each join as a frame too, as pandas' concat of frames; with other values
    // a one-column frame stands for its column)
    if frames.contains(where: { $0?.principal == "data" }) || (raw.count > 1 && frames.allSatisfy { $0 != nil }) {
      if let k = frames.firstIndex(where: { $0 == nil }) {
        throw CommandError.invalidArgument("part \(k + 1) is \(raw[k].kindWithArticle), not a data frame (other parts are data frames; join their .data for the numbers)")
      }
      return try Frames.concatenated(frames.map { $0! })
    }
    // categoricals join by their names (pandas' union_categoricals, sort_categories=True): one part's codes would mean
    // other names in another's categories (they were joined as plain codes)
    let cats = raw.map { Frames.categories(of: $0) }
    if cats.contains(where: { $0 != nil }) {
      if let k = cats.firstIndex(where: { $0 == nil }) {
        throw CommandError.invalidArgument("part \(k + 1) is \(raw[k].kindWithArticle), not a categorical (other parts are categoricals; join their .codes for the codes)")
      }
      let common = Frames.onCommonCategories(cats.map { $0! })
      return Frames.categorical(codes: common.codes.flatMap { $0 }, categories: common.names)
    }
    // a list of numbers is a vector and a list of equal rows a matrix, as in arithmetic
    // (numpy's concatenate([[1, 2], [3]]) is array([1, 2, 3])); other lists join as lists
    let resolved = raw.map(\.resolved)
    var parts = resolved.map(Operators.vectorized)
    guard let first = parts.first else { throw CommandError.invalidArgument("needs matrices or vectors to join, got an empty list") }
    if parts.contains(where: { if case .list = $0 { return true }; return false }) {
      for (k, p) in resolved.enumerated() {
        guard case .list(let items) = p else { throw CommandError.invalidArgument("part \(k + 1) is \(raw[k].kindWithArticle), not a list (other parts are lists that are not numbers)") }
        if case .list? = items.first, case .list = Operators.vectorized(p) {
          throw CommandError.invalidArgument("part \(k + 1) is a list of lists that is not a matrix (rows of numbers of one length)")
        }
      }
      return .list(resolved.flatMap { if case .list(let l) = $0 { return l }; return [] })
    }
    // int and float vectors join as floats (numpy upcasts)
    if case .labels = first, parts.contains(where: { if case .floats = $0 { return true }; return false }) {
      parts = parts.map { if case .labels(let v) = $0 { return .floats(v.map(Double.init)) }; return $0 }
    }
    // a part as the user sees it: a list by what it became, another value by its own kind
    func kind(_ k: Int) -> String {
      if case .list = resolved[k] { return parts[k].kindWithArticle }
      return raw[k].kindWithArticle
    }
    switch parts[0] {
    case .matrix(let m0):
      var matrices: [Matrix] = []
      for (k, p) in parts.enumerated() {
        guard case .matrix(let m) = p else { throw CommandError.invalidArgument("part \(k + 1) is \(kind(k)), not a matrix") }
        guard m.cols == m0.cols else { throw CommandError.invalidArgument("part \(k + 1) has \(m.cols) column\(m.cols == 1 ? "" : "s"), part 1 has \(m0.cols)") }
        matrices.append(m)
      }
      return .matrix(Matrix.stacked(matrices))
    case .labels:
      var out: [Int] = []
      for (k, p) in parts.enumerated() {
        guard case .labels(let v) = p else { throw CommandError.invalidArgument("part \(k + 1) is \(kind(k)), not an int vector") }
        out += v
      }
      return .labels(out)
    case .floats, .mask:
      if case .mask = first, parts.allSatisfy({ if case .mask = $0 { return true }; return false }) {
        return .mask(parts.flatMap { if case .mask(let m) = $0 { return m }; return [] })
      }
      var out: [Double] = []
      for (k, p) in parts.enumerated() {
        switch p {
        case .floats(let v): out += v
        case .labels(let v): out += v.map(Double.init)
        default: throw CommandError.invalidArgument("part \(k + 1) is \(kind(k)), not a vector")
        }
      }
      return .floats(out)
    default:
      throw CommandError.invalidArgument("needs matrices or vectors, got \(raw[0].kindWithArticle)")
    }
  })
}


/// Whether `v` is the result of a clustering (its labels become an obs categorical; other integers a number column).
private func isClustering(_ v: Value) -> Bool {
  guard case .record(let r) = v else { return false }
  return ["hdbscan", "kmeans", "dbscan", "prediction"].contains(r.kind) || r.model.map { ["hdbscan", "kmeans"].contains($0.kind) } == true
}

/// `save VALUE "out.h5ad" into=A key=K`: a copy of the AnnData file `A` with the value added.
/// Whether `path` names a delimited text file `save` writes (.csv or .tsv, optionally .gz).
private func delimitedTarget(_ path: String) -> Bool {
  let p = path.lowercased()
  return [".csv", ".tsv", ".csv.gz", ".tsv.gz"].contains { p.hasSuffix($0) }
}

/// A crosstab's columns for `saveTable`: `row_0` (the row labels), then one column of counts per
/// column label, named by it; nil when a field is missing or its size does not match.
private func crosstabTable(_ r: Record) -> (columns: [(name: String, values: [Double])], text: [String: [String]])? {
  guard case .matrix(let counts)? = r["counts"], let rows = r["index"], let cols = r["columns"] else { return nil }
  func labels(_ v: Value) -> [String]? {
    switch v {
    case .list(let l): return l.map { if case .string(let s) = $0 { return s }; return Display.printed($0) }
    case .labels(let l): return l.map(String.init)
    // a value that float32 holds exactly (data read as float32) in float32's shortest form: 0.1, not
    // 0.10000000149011612, as pandas writes the float64 it read
    case .floats(let f): return f.map { pythonFloatText($0) }
    case .mask(let m): return m.map { $0 ? "True" : "False" }
    default: return nil
    }
  }
  guard let rowNames = labels(rows), let colNames = labels(cols), rowNames.count == counts.rows,
        colNames.count == counts.cols, Set(colNames).count == colNames.count, !colNames.contains("row_0") else { return nil }
  var columns: [(name: String, values: [Double])] = [("row_0", [Double](repeating: 0, count: counts.rows))]
  for (j, name) in colNames.enumerated() {
    columns.append((name, (0..<counts.rows).map { Double(counts.data[$0 * counts.cols + j]) }))
  }
  return (columns, ["row_0": rowNames])
}

/// A data frame's columns in the file's order for `saveTable`: numbers from `.data` (floats with
/// their point, in float32's shortest form), text columns as their names (a missing value empty),
/// booleans as True/False (pandas' to_csv); nil when a
/// column cannot be found (a text column named data, columns or dtypes has no field of its own).
private func frameTable(_ r: Record) -> (columns: [(name: String, values: [Double])], text: [String: [String]])? {
  guard case .list(let names)? = r["columns"], case .list(let kinds)? = r["dtypes"], case .matrix(let m)? = r["data"],
        names.count == kinds.count else { return nil }
  var columns: [(name: String, values: [Double])] = [], text: [String: [String]] = [:]
  var numeric = 0
  for (nameValue, kindValue) in zip(names, kinds) {
    guard case .string(let name) = nameValue, case .string(let kind) = kindValue, text[name] == nil else { return nil }
    if kind == ColumnKind.text.rawValue {
      guard let field = Frames.column(r, name), let (codes, categories) = Frames.categories(of: field), codes.count == m.rows else { return nil }
      text[name] = codes.map { $0 >= 0 && $0 < categories.count ? categories[$0] : "" }
      columns.append((name, [Double](repeating: 0, count: m.rows)))
    } else {
      guard numeric < m.cols else { return nil }
      let values = (0..<m.rows).map { Double(m.data[$0 * m.cols + numeric]) }
      if kind == ColumnKind.bool.rawValue { text[name] = values.map { $0 != 0 ? "True" : "False" } }
      // booleans with missing values, as pandas writes its object column (it was 1.0, 0.0)
      if kind == ColumnKind.boolWithMissing.rawValue { text[name] = values.map { $0.isNaN ? "" : $0 != 0 ? "True" : "False" } }
      // a float column keeps its point (2.0, not 2: it reads back as float64, as pandas writes it), and
      // its values are the column's (shortestDecimal: the decimals read, 0.1 and 1e+20, as d.x gives them)
      if kind == ColumnKind.float.rawValue { text[name] = values.map { $0.isNaN ? "" : pythonFloatText(shortestDecimal(Float($0)).description) } }
      // a column kept exactly beside the float32 matrix (ids beyond 2^24 from a CSV, an AnnData obs
      // column): its own values, not the rounded ones
      switch Frames.ownField(r, name) {
      case .labels(let l)? where l.count == m.rows && kind == ColumnKind.int.rawValue: text[name] = l.map { String($0) }
      // (a float32 value, as a one-column frame's field holds, in float32's shortest form: 0.1, not 0.10000000149011612)
      case .floats(let f)? where f.count == m.rows && kind == ColumnKind.float.rawValue:
        // float64 values kept beside .data: Double's digits (2^64 was written in float32's 1.8446744e+19,
        // another number); a one-column frame's field holds float32 values' decimals, which these digits give too
        text[name] = f.map { $0.isNaN ? "" : pythonFloatText($0.description) }
      default: break
      }
      columns.append((name, values))
      numeric += 1
    }
  }
  return numeric == m.cols && !columns.isEmpty ? (columns, text) : nil
}

private func saveIntoAnnData(_ raw: Value, path: String, _ inv: Invocation) throws {
  let source: String
  switch try inv.value("into") {
  case .string(let s): source = s
  case .record(let r) where r.kind == "AnnData":
    guard case .string(let s)? = r["filename"] else { throw CommandError.invalidArgument("into= names an AnnData record without its file") }
    // the copy is of the file as loaded: one changed since is refused, as reading its fields is
    try r.lazy?.check?()
    source = s
  case .none: throw CommandError.invalidArgument("saving to .h5ad writes into a copy of an AnnData file: give it with into= (a loaded .h5ad record or its path)")
  case let v: throw CommandError.invalidArgument("into= must be a loaded AnnData record or a path, got \(v.kindWithArticle)")
  }
  var key: String? = nil
  switch try inv.value("key") {
  case .string(let s): key = s
  case .none: break
  case let v: throw CommandError.invalidArgument("key= must be a string, got \(v.kindWithArticle)")
  }
  // a frame of several columns stood for its float32 .data and went to obsm["X_umap"] (its names, text
  // and exact columns lost); anndata keeps whole frames in obs itself
  if Frames.standingForData(raw) != nil {
    throw CommandError.invalidArgument("into= writes one obs column or one obsm matrix, not a data frame; save its columns one "
      + "by one (save d.x \"out.h5ad\" into=a key=\"x\"), or d.data as an obsm matrix")
  }
  let entry: H5ADEntry
  if let (codes, names) = Frames.categories(of: raw) {
    entry = .obsCategorical(codes: codes, categories: names)
  } else {
    switch raw.resolved {
    case .matrix(let m): entry = .obsm(m)
    case .labels(let l) where !isClustering(raw):
      entry = .obsInts(l)  // int64, as pandas' int column (it was float64)
    case .labels(let l):
      // clusters as an obs categorical: the distinct labels ≥ 0 as names, noise (−1) missing
      let distinct = Array(Set(l.filter { $0 >= 0 })).sorted()
      let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
      entry = .obsCategorical(codes: l.map { code[$0] ?? -1 }, categories: distinct.map(String.init))
    case .floats(let f): entry = .obsNumbers(f)
    case .mask(let b): entry = .obsBools(b)  // numpy's bool (it was float64)
    default:
      throw CommandError.invalidArgument("an AnnData file takes a matrix (obsm), labels, a categorical or numbers (obs), got \(raw.kindWithArticle)")
    }
  }
  if case .obsm = entry { key = key ?? "X_umap" } else { key = key ?? "clusters" }
  try writeIntoH5AD(entry, key: key!, source: source, path: path, display: path)
}
