import ClusAlgorithms
import ClusLang

/// Values of a numeric vector or matrix as Doubles, for reductions.
private func numericValues(_ v: Value) -> [Double]? {
  switch v.resolved {
  case .labels(let l): return l.map(Double.init)
  case .floats(let f): return f
  case .mask(let m): return m.map { $0 ? 1 : 0 }
  case .matrix(let m): return m.data.map(Double.init)
  case .list(let l): return l.allSatisfy({ $0.number != nil }) ? l.map { $0.number! } : nil
  default: return nil
  }
}

/// A reduction command (`sum`, `mean`, `std`, `median`, ...) over all values, or per column
/// (`axis=0`) or per row (`axis=1`) of a matrix, as numpy's; `keepdims=true` keeps the reduced
/// axis (a 1 × d or n × 1 matrix) so the result broadcasts against the matrix
/// (`x - mean x axis=0 keepdims=true`). NaN propagates, as numpy's. With `keepsInt`, int and bool
/// inputs give an int over all values (`sum`, `min`, `max`); sums of integers are exact.
/// `f` receives the invocation (for the command's own parameters) and the values; `before`, when
/// given, runs once before the first `f` with the number of values each `f` gets (rows per column,
/// columns per row, or all), for warnings that would otherwise repeat for every column or row.
func reduction(
  _ name: String, _ summary: String, params extra: [ParamSpec] = [], examples: [String]? = nil,
  keepsInt: Bool = false, before: (@Sendable (Invocation, Int) throws -> Void)? = nil,
  _ f: @escaping @Sendable (Invocation, [Double]) throws -> Double
) -> Command {
  Command(
    name, group: "basics", summary: summary,
    args: [ArgSpec("x", .any, "a vector or matrix")],
    params: [
      ParamSpec("axis", .int, .none, .between(0, 1), "none: over all values; 0: per column; 1: per row of a matrix"),
      ParamSpec("keepdims", .bool, .bool(false), nil, "with axis: a 1 × d (axis=0) or n × 1 (axis=1) matrix instead of a vector, to broadcast against x"),
    ] + extra,
    examples: examples ?? ["\(name) (l >= 0)", "\(name) m axis=0"]
  ) { inv in
    // a categorical's values are names: a reduction would reduce its codes (pandas: TypeError)
    try Frames.refuseCategorical(inv.rawArgs[0], in: name, advice: "; count them with unique x counts=true")
    // a frame's text columns would be left out, and float32 would round its exact ones (pandas' df.mean()
    // raises TypeError on a text column)
    try refuseFrameAsData(inv.rawArgs[0], name, pandasRefuses: !["max", "min", "sum"].contains(name))
    let x = Operators.vectorized(inv.args[0].resolved)
    func g(_ v: [Double]) throws -> Double {
      if v.isEmpty && name != "sum" {
        // a 0 × 784 matrix (x[0:0] of MNIST) is no empty vector: say which it is
        if case .matrix(let m) = inv.rawArgs[0] { throw CommandError.invalidArgument("\(name) of a \(m.rows) × \(m.cols) matrix: no values") }
        throw CommandError.invalidArgument("\(name) of an empty vector")
      }
      if v.contains(where: { $0.isNaN }) { return .nan }
      return try f(inv, v)
    }
    // axis=0 of a vector (a one-column frame's column) is the whole reduction, as numpy's sum(v, axis=0)
    var axis = try inv.optionalInt("axis")
    switch x {
    case .labels, .floats, .mask: if axis == 0, !(try inv.bool("keepdims")) { axis = nil }
    default: break
    }
    if let axis {
      guard case .matrix(let m) = x else {
        throw CommandError.invalidParameter(name: "axis", value: "\(axis)", allowed: "axis needs a matrix, got \(inv.args[0].kindWithArticle)")
      }
      try before?(inv, axis == 0 ? m.rows : m.cols)
      let r: [Double]
      if axis == 0 {
        r = try (0..<m.cols).map { j in try g((0..<m.rows).map { Double(m[$0, j]) }) }
      } else {
        r = try (0..<m.rows).map { i in try g((0..<m.cols).map { Double(m[i, $0]) }) }
      }
      if try inv.bool("keepdims") {
        return .matrix(Matrix(rows: axis == 0 ? 1 : r.count, cols: axis == 0 ? r.count : 1, data: r.map(Float.init)))
      }
      return .floats(r)
    }
    if name == "sum", case .labels(let l) = x {
      var s = 0
      for v in l {
        let (r, o) = s.addingReportingOverflow(v)
        if o { throw CommandError.invalidArgument("integer overflow in the sum") }
        s = r
      }
      return .int(s)
    }
    // min and max of ints exactly (through Double, 9007199254740993 came back as 9.0072e+15)
    if name == "min" || name == "max", case .labels(let l) = x, !l.isEmpty {
      return .int(name == "min" ? l.min()! : l.max()!)
    }
    guard let v = numericValues(x) else {
      throw CommandError.invalidArgument("needs a vector or matrix, got \(inv.args[0].kindWithArticle)")
    }
    try before?(inv, v.count)
    let r = try g(v)
    let integral: Bool = {
      switch x {
      case .labels, .mask: return keepsInt
      default: return false
      }
    }()
    return integral && r.isFinite && abs(r) < 9e15 ? .int(Int(r)) : .float(r)
  }
}

func registerBasics(_ t: inout CommandTable) {
  t.register(Command(
    "help", group: "session", summary: "List the commands, or show one command's arguments and parameters",
    args: [ArgSpec("command", .any, "a command name (bare or quoted)", optional: true)],
    examples: ["help", "help umap"], syntax: .bareNamesAsStrings
  ) { inv in
    var topic: String? = nil
    if let a = inv.rawArgs.first {
      guard case .string(let s) = a else {
        throw CommandError.invalidArgument("help takes a command name, e.g. help umap; got \(a.kindWithArticle)")
      }
      topic = s
      guard inv.session.table[s] != nil else {
        throw CommandError.invalidArgument("no command '\(s)'\(didYouMean(s, inv.session.table.names))")
      }
    }
    inv.session.output(helpText(inv.session.table, topic: topic) + "\n")
    return .none
  })
  t.register(Command(
    "vars", group: "session", summary: "List the variables: name, kind and shape"
  ) { inv in
    let s = inv.session
    let names = s.variables.keys.filter { $0 != "_" }.sorted()
    if names.isEmpty { s.output("no variables\n"); return .none }
    let w = names.map(\.count).max()!
    for n in names {
      let v = s.variables[n]!
      let pad = String(repeating: " ", count: w - n.count)
      s.output("\(n)\(pad)  \(Display.summary(v))\n")
    }
    return .none
  })
  t.register(Command(
    "time", group: "session", summary: "Evaluate an expression, show the wall time and then its value (x = time ... binds it)",
    args: [ArgSpec("expr", .any, "the expression (a command call can follow directly: time umap x)")],
    examples: ["time umap x n_neighbors=30", "e = time umap x random_state=42"], syntax: .unevaluated
  ) { inv in
    guard let (args, kwargs, range) = inv.syntax else { return .none }
    let session = inv.session
    guard let first = args.first else { throw RuntimeError("time needs an expression: time umap x", at: range) }
    var target = first
    // `time umap x n_neighbors=30` times the call `umap x n_neighbors=30`.
    if case .name(let n, let r) = first, session.table[n] != nil, args.count > 1 || !kwargs.isEmpty {
      target = .call(name: n, nameRange: r, args: Array(args.dropFirst()), kwargs: kwargs, range: range)
    } else if args.count > 1 || !kwargs.isEmpty {
      throw RuntimeError("time takes one expression; put a call in parentheses", at: args.count > 1 ? args[1].range : kwargs[0].nameRange)
    }
    let t0 = monotonicSeconds()
    let v = try session.evaluate(target)
    let dt = monotonicSeconds() - t0
    session.output("wall time: \(Display.cFormat("%.3f", dt)) s\n")
    return v
  })
  t.register(Command(
    "shape", group: "basics", summary: "Rows × columns of a matrix or a data frame (every column, as pandas' df.shape), or the length of a vector (fields .rows, .cols)",
    args: [ArgSpec("x", .any, "a matrix, data frame, vector or list")],
    examples: ["shape mnist.data"]
  ) { inv in
    // a data frame counts all its columns, text ones too (it gave its numeric .data's shape)
    // (one column, none, or text only: a frame of one column stands for its column elsewhere, not here)
    if case .record(let r) = inv.rawArgs[0], r.kind == Frames.frameKind, let n = r["data"]?.length {
      return .record(Record(kind: "shape", fields: [("rows", .int(n)), ("cols", .int(Frames.columnNames(r).count))]))
    }
    // a list of equal rows of numbers is a matrix, as in arithmetic (numpy's shape of [[1, 2]] is (1, 2))
    switch Operators.vectorized(inv.args[0].resolved) {
    case .matrix(let m): return .record(Record(kind: "shape", fields: [("rows", .int(m.rows)), ("cols", .int(m.cols))]))
    case .sparse(let m): return .record(Record(kind: "shape", fields: [("rows", .int(m.rows)), ("cols", .int(m.cols))]))
    default:
      if let n = inv.args[0].length { return .record(Record(kind: "shape", fields: [("rows", .int(n))])) }
      throw CommandError.invalidArgument("needs a matrix or vector, got \(inv.args[0].kindWithArticle)")
    }
  })
  t.register(Command(
    "nnz", group: "basics", summary: "Number of stored entries of a sparse matrix (scipy's nnz), or of non-zero values of a matrix or vector",
    args: [ArgSpec("x", .any, "a sparse matrix, a matrix or a vector")],
    examples: ["nnz a.X"]
  ) { inv in
    // a categorical's non-zero codes are not its non-zero values (it counted every name but the first)
    try Frames.refuseCategorical(inv.rawArgs[0], in: "nnz")
    switch inv.args[0].resolved {
    case .sparse(let m): return .int(m.nnz)
    case .matrix(let m): return .int(m.data.lazy.filter { $0 != 0 }.count)
    case .floats(let v): return .int(v.lazy.filter { $0 != 0 }.count)
    case .labels(let v): return .int(v.lazy.filter { $0 != 0 }.count)
    case .mask(let v): return .int(v.lazy.filter { $0 }.count)
    default: throw CommandError.invalidArgument("nnz needs a sparse matrix, a matrix or a vector, got \(inv.args[0].kindWithArticle)")
    }
  })
  t.register(Command(
    "dense", group: "basics", summary: "A dense copy of a sparse matrix (scipy's toarray), after checking that it fits in memory",
    args: [ArgSpec("x", .matrixOrSparse, "a sparse matrix (a dense matrix is returned as it is)")],
    examples: ["d = dense a.X[0:100]"]
  ) { inv in
    guard case .sparse(let m) = inv.args[0] else { return inv.args[0] }
    try Memory.require(Double(m.rows) * Double(m.cols) * 4, what: "a dense \(m.rows) × \(m.cols) float32 copy")
    return .matrix(m.dense())
  })
  t.register(Command(
    "count", group: "basics", summary: "Number of true values of a mask, or number of elements (rows)",
    args: [ArgSpec("x", .any, "a mask, vector, matrix or list")],
    examples: ["count (l >= 0)"]
  ) { inv in
    // (a list of bools is a bool vector, as everywhere: it counted its elements)
    if case .mask(let m) = Operators.vectorized(inv.args[0].resolved) { return .int(m.lazy.filter { $0 }.count) }
    if let n = inv.args[0].length { return .int(n) }
    throw CommandError.invalidArgument("count needs a vector, matrix or list, got \(inv.args[0].kindWithArticle)")
  })
  t.register(reduction("sum", "Sum of the values (a mask counts its true values)", keepsInt: true) { _, v in
    var s = 0.0
    for x in v { s += x }
    return s
  })
  t.register(reduction("mean", "Mean of the values (a mask gives the fraction true)") { _, v in
    Statistics.mean(v)
  })
  t.register(reduction("min", "Smallest value", keepsInt: true) { _, v in v.min()! })
  t.register(reduction("max", "Largest value", keepsInt: true) { _, v in v.max()! })
  t.register(Command(
    "unique", group: "basics", summary: "Sorted distinct values of a vector (NaN, if any, once and last, as numpy's unique); of a categorical, its names",
    args: [ArgSpec("x", .vector, "a vector")],
    params: [ParamSpec("counts", .bool, .bool(false), nil, "also return how often each value occurs")]
  ) { inv in
    let counts = try inv.bool("counts")
    // `extra`: values that equal no other (NaN) and follow the sorted ones, with their count
    func finish<T: Hashable & Comparable>(_ v: [T], extra: (T, Int)? = nil, _ make: ([T]) -> Value) -> Value {
      var c: [T: Int] = [:]
      for x in v { c[x, default: 0] += 1 }
      var keys = c.keys.sorted()
      var tally = keys.map { c[$0] ?? 0 }
      if let (value, count) = extra { keys.append(value); tally.append(count) }
      if counts {
        return .record(Record(kind: "unique", fields: [("values", make(keys)), ("counts", .labels(tally))], principal: "values"))
      }
      return make(keys)
    }
    // a categorical (a text column): its names, sorted as numpy sorts strings (by code point), as
    // np.unique of the column's values; a missing value (NaN in pandas) is `none`, once and last
    if let (codes, names) = Frames.categories(of: inv.rawArgs[0]) {
      let missing = codes.reduce(0) { $0 + ($1 >= 0 && $1 < names.count ? 0 : 1) }
      let present = codes.filter { $0 >= 0 && $0 < names.count }
      let order = names.indices.sorted {
        names[$0].unicodeScalars.lexicographicallyPrecedes(names[$1].unicodeScalars) { $0.value < $1.value }
      }
      var rank = [Int](repeating: 0, count: names.count)
      for (r, k) in order.enumerated() { rank[k] = r }
      // counted by rank, so that finish's numeric sort is the names' order; -1 stands for missing
      let ranked = present.map { rank[$0] }
      return finish(ranked, extra: missing > 0 ? (-1, missing) : nil) { keys in
        .list(keys.map { $0 < 0 ? .none : .string(names[order[$0]]) })
      }
    }
    switch inv.args[0] {
    case .labels(let l): return finish(l) { .labels($0) }
    case .floats(let f):
      // NaN equals nothing, not even itself: counted apart, shown once (numpy's equal_nan=True)
      let nans = f.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
      if nans == 0 { return finish(f) { .floats($0) } }
      return finish(f.filter { !$0.isNaN }, extra: (Double.nan, nans)) { .floats($0) }
    case .mask(let m): return finish(m.map { $0 ? 1 : 0 }) { .mask($0.map { $0 == 1 }) }
    default: return .none
    }
  })
  t.register(Command(
    "int", group: "basics", summary: "A number or a string as an integer, as Python's int(): int \"5\", int 2.7 (→ 2, toward zero)",
    args: [ArgSpec("x", .any, "a number, a bool, or a string holding an integer (a --set value)")],
    examples: ["k = kmeans x n_clusters=(int k)"]
  ) { inv in
    switch inv.rawArgs[0] {
    case .int(let i): return .int(i)
    case .bool(let b): return .int(b ? 1 : 0)
    case .float(let d):
      guard d.isFinite else {
        throw CommandError.invalidArgument("\(Display.summary(.float(d))) has no integer value")
      }
      guard let i = Int(exactly: d.rounded(.towardZero)) else {
        throw CommandError.invalidArgument("\(Display.summary(.float(d))) is beyond the integers clus holds (64-bit, ±9223372036854775807)")
      }
      return .int(i)
    case .string(let s):
      let text = pythonNumberText(s)
      guard let text, let i = Int(text) else {
        // digits that Int cannot hold are a number too large, not a text that is no number
        if let text, !text.isEmpty,
           text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy({ $0.isASCII && $0.isNumber }),
           text.filter({ $0 == "-" || $0 == "+" }).count <= 1, text.contains(where: \.isNumber) {
          throw CommandError.invalidArgument("\(Display.quote(s)) is beyond the integers clus holds (64-bit, ±9223372036854775807)")
        }
        throw CommandError.invalidArgument("cannot read \(Display.quote(s)) as an integer")
      }
      return .int(i)
    case let v: throw CommandError.invalidArgument("needs a number or a string, got \(v.kindWithArticle)")
    }
  })
  t.register(Command(
    "float", group: "basics", summary: "A number or a string as a float, as Python's float(): float \"0.5\", float \"inf\"",
    args: [ArgSpec("x", .any, "a number, a bool, or a string holding a number (a --set value)")],
    examples: ["e = umap x min_dist=(float d)"]
  ) { inv in
    switch inv.rawArgs[0] {
    case .int(let i): return .float(Double(i))
    case .bool(let b): return .float(b ? 1 : 0)
    case .float(let d): return .float(d)
    case .string(let s):
      let t = (pythonNumberText(s) ?? "?").lowercased()
      let special: [String: Double] = ["inf": .infinity, "+inf": .infinity, "-inf": -.infinity, "infinity": .infinity,
                                       "+infinity": .infinity, "-infinity": -.infinity, "nan": .nan, "+nan": .nan, "-nan": .nan]
      guard let d = special[t] ?? (t.contains(where: { $0.isLetter && $0 != "e" }) ? nil : Double(t)) else {
        throw CommandError.invalidArgument("cannot read \(Display.quote(s)) as a number")
      }
      return .float(d)
    case let v: throw CommandError.invalidArgument("needs a number or a string, got \(v.kindWithArticle)")
    }
  })
  for name in ["exit", "quit"] {
    t.register(Command(
      name, group: "basics",
      summary: "End the script (or the prompt) here, as Python's \(name)(): the statements after it do not run; \(name) 3 sets the status",
      args: [ArgSpec("status", .int, "the process's exit status, 0 to 255 (default 0)", optional: true)],
      examples: ["\(name)", "\(name) 3"]
    ) { inv in
      var status = 0
      if let v = inv.args.first, case .int(let s) = v { status = s }
      guard (0...255).contains(status) else {
        throw CommandError.invalidArgument("the status must be 0 to 255, got \(status)")
      }
      guard inv.session.allowsExit else {
        throw CommandError.invalidArgument(
          "\(name) ends a script or the prompt, not a notebook's cell: stop the kernel from the notebook (Kernel → Shut Down); the variables are kept")
      }
      throw ExitRequest(status: Int32(status))
    })
  }
  t.register(Command(
    "print", group: "basics", summary: "Print values on one line (strings without quotes, vectors by their values; a matrix or a record in full, as its display)",
    args: [ArgSpec("values", .any, "anything", optional: true, variadic: true)],
    examples: ["print \"ARI\" (ari l y)"]
  ) { inv in
    let parts = inv.rawArgs.map(Display.printed)
    // values on one line, separated by a space; after a value of several lines (a matrix, a
    // record) the next one starts a line of its own
    var text = ""
    for (i, p) in parts.enumerated() {
      if i > 0 { text += parts[i - 1].contains("\n") ? "\n" : " " }
      text += p
    }
    inv.session.output(text + "\n")
    return .none
  })
  t.register(Command(
    "format", group: "basics", summary: "Format a number with printf-style precision: format x \"%.3f\"",
    args: [ArgSpec("x", .float, "a number"), ArgSpec("spec", .string, "a printf format for one double, e.g. \"%.4f\" or \"%8.2f\"")]
  ) { inv in
    guard case .float(let x) = inv.args[0], case .string(let f) = inv.args[1] else { return .none }
    guard f.utf8.count <= 32 else { throw CommandError.invalidArgument("format spec is too long (at most 32 characters)") }
    // vsnprintf stops at a NUL and reads multibyte text by the locale: printable ASCII only
    guard f.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
      throw CommandError.invalidArgument("a format spec holds printable ASCII only (no control characters, no accents), got \"\(f.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined())\"")
    }
    // widths and precisions above 999 would build huge strings
    let parsed = formatSpec(f)
    if let p = parsed, p.widest > 999 {
      throw CommandError.invalidArgument("format width and precision are limited to 999, got \(Display.quote(f))")
    }
    // the spec goes to vsnprintf with one double: anything else it would read (a `*` width, %s, %d)
    // or write (%n) is refused, not left undefined
    guard parsed?.conversions == 1 else {
      throw CommandError.invalidArgument("needs one %f, %e or %g conversion (flags -+ #0, a width, a precision; %% for a "
                                         + "percent sign), got \(Display.quote(f))")
    }
    let out = Display.cFormat(f, x)
    return .string(out)
  })
}

/// A `format` spec as printf reads it: the number of conversions of one double, each
/// `%[-+ #0]…[width][.precision][l]` then one of `eEfFgG`, the rest literal text (`%%` a percent
/// sign), and the largest width or precision written (a width's leading zeros are the 0 flag); nil
/// when a `%` starts anything else (`%*f`, `%s`, `%n`, `%d`, a length other than `l`, a trailing `%`).
func formatSpec(_ spec: String) -> (conversions: Int, widest: Int)? {
  let c = Array(spec.utf8)
  var i = 0, count = 0, widest = 0
  func number() -> Int {
    var v = 0
    while i < c.count, c[i] >= 0x30, c[i] <= 0x39 { v = min(v * 10 + Int(c[i] - 0x30), 1_000_000); i += 1 }
    return v
  }
  while i < c.count {
    guard c[i] == 0x25 else { i += 1; continue }  // %
    i += 1
    if i < c.count, c[i] == 0x25 { i += 1; continue }  // %%
    while i < c.count, "-+ #0".utf8.contains(c[i]) { i += 1 }
    widest = max(widest, number())
    if i < c.count, c[i] == 0x2E { i += 1; widest = max(widest, number()) }  // .precision
    if i < c.count, c[i] == 0x6C { i += 1 }  // l, as in %lf
    guard i < c.count, "eEfFgG".utf8.contains(c[i]) else { return nil }
    i += 1
    count += 1
  }
  return (count, widest)
}

/// The text `help` prints: the command list, or one command's reference.
public func helpText(_ t: CommandTable, topic: String?) -> String {
  guard let topic = topic else {
    var out = ["Commands (help NAME for details):"]
    let groups = ["data", "basics", "embedding", "clustering", "scores", "plots", "session"]
    for g in groups {
      let cs = t.commands.filter { $0.group == g }
      if cs.isEmpty { continue }
      out.append("  \(g):")
      let w = cs.map(\.name.count).max()!
      for c in cs { out.append("    \(c.name)\(String(repeating: " ", count: w - c.name.count))  \(c.summary)") }
    }
    return out.joined(separator: "\n")
  }
  guard let c = t[topic] else {
    return "no command '\(topic)'\(didYouMean(topic, t.names))"
  }
  var out = ["\(c.name): \(c.summary)", "usage: \(c.usage)"]
  if !c.args.isEmpty {
    out.append("arguments:")
    for a in c.args { out.append("  \(a.name.uppercased())  (\(a.type.name)\(a.optional ? ", optional" : ""))  \(a.doc)") }
  }
  if !c.params.isEmpty {
    out.append("parameters:")
    let w = c.params.map(\.name.count).max()!
    for p in c.params {
      let pad = String(repeating: " ", count: w - p.name.count)
      var line = "  \(p.name)\(pad)  = \(Display.summary(p.defaultValue))  (\(p.type.name)"
      if let b = p.bounds { line += ", \(b.text)" }
      out.append(line + ")  \(p.doc)")
    }
  }
  if !c.examples.isEmpty {
    out.append("examples:")
    for e in c.examples { out.append("  \(e)") }
  }
  return out.joined(separator: "\n")
}

/// The generated reference `docs/commands.md`, from the command table.
public func commandsMarkdown(_ t: CommandTable) -> String {
  var out = ["# clus command reference", "", "Generated from the command table by `clus --commands-markdown`; do not edit by hand.", ""]
  for g in ["data", "basics", "embedding", "clustering", "scores", "plots", "session"] {
    let cs = t.commands.filter { $0.group == g }
    if cs.isEmpty { continue }
    out.append("## \(g)")
    out.append("")
    for c in cs {
      out.append("### `\(c.name)`")
      out.append("")
      out.append(c.summary + ".")
      out.append("")
      out.append("    " + c.usage)
      out.append("")
      if !c.args.isEmpty {
        out.append("| argument | type | description |")
        out.append("| --- | --- | --- |")
        for a in c.args { out.append("| `\(a.name.uppercased())`\(a.optional ? " (optional)" : "") | \(a.type.name.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")) | \(a.doc) |") }
        out.append("")
      }
      if !c.params.isEmpty {
        out.append("| parameter | default | type | allowed | description |")
        out.append("| --- | --- | --- | --- | --- |")
        for p in c.params {
          out.append("| `\(p.name)` | `\(Display.summary(p.defaultValue))` | \(p.type.name.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")) | \(p.bounds?.text ?? "") | \(p.doc) |")
        }
        out.append("")
      }
      if !c.examples.isEmpty {
        out.append("Examples:")
        out.append("")
        for e in c.examples { out.append("    " + e) }
        out.append("")
      }
    }
  }
  return out.joined(separator: "\n")
}

/// `s` without leading and trailing whitespace.
private func trimmed(_ s: String) -> String {
  String(String(s.drop(while: \.isWhitespace).reversed()).drop(while: \.isWhitespace).reversed())
}

/// A number's text as Python's int() and float() read it, in ASCII: surrounding whitespace
/// dropped, every Unicode decimal digit (fullwidth １, Arabic-Indic ٣, ...) as its ASCII digit,
/// and the underscores that group digits ("1_000") removed; nil when an underscore is not
/// between two digits (Python refuses "_1", "1__0", "1_.5").
private func pythonNumberText(_ s: String) -> String? {
  var out: [Character] = []
  for c in trimmed(s) {
    if c.unicodeScalars.count == 1, let u = c.unicodeScalars.first, u.properties.generalCategory == .decimalNumber,
       let v = u.properties.numericValue, v >= 0, v <= 9 {
      out.append(Character(String(Int(v))))
    } else {
      out.append(c)
    }
  }
  var kept: [Character] = []
  for (i, c) in out.enumerated() {
    if c == "_" {
      guard i > 0, i + 1 < out.count, out[i - 1].isASCII, out[i - 1].isNumber, out[i + 1].isASCII, out[i + 1].isNumber else { return nil }
      continue
    }
    kept.append(c)
  }
  return String(kept)
}
