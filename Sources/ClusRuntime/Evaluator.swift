import ClusAlgorithms
import ClusLang

extension Session {
  /// Whether the text around `r` in the file being run is a pair of parentheses, `(umap)`: the
  /// parser keeps no node for them.
  func isParenthesized(_ r: SourceRange) -> Bool {
    let u = Array(currentFile.text.utf8)
    guard r.start.offset <= u.count, r.end.offset <= u.count else { return false }
    var a = r.start.offset - 1
    while a >= 0 && (u[a] == 32 || u[a] == 9) { a -= 1 }
    var b = r.end.offset
    while b < u.count && (u[b] == 32 || u[b] == 9) { b += 1 }
    return a >= 0 && u[a] == UInt8(ascii: "(") && b < u.count && u[b] == UInt8(ascii: ")")
  }

  /// Evaluates an expression.
  /// - Throws: `RuntimeError` with the range of the offending sub-expression.
  public func evaluate(_ e: Expr) throws -> Value {
    switch e {
    case .int(let i, _): return .int(i)
    case .float(let d, _): return .float(d)
    case .string(let s, _): return .string(s)
    case .bool(let b, _): return .bool(b)
    case .none: return .none
    case .list(let items, _): return .list(try items.map(evaluate))
    case .name(let n, let r):
      if let v = variables[n] { return v }
      if let c = table[n] {
        if c.needsArguments {
          throw RuntimeError("'\(n)' needs arguments: \(c.briefUsage)", at: r)
        }
        return try call(c, args: [], kwargs: [], range: r, nameRange: r)
      }
      let known = Array(variables.keys) + table.names
      // Python's None, True and False (header=None, as pandas writes it)
      if let word = ["None": "none", "True": "true", "False": "false"][n] {
        throw RuntimeError("unknown variable or command '\(n)'; did you mean \(word)? (Python's \(n) is written \(word) in clus)", at: r)
      }
      throw RuntimeError("unknown variable or command '\(n)'\(didYouMean(n, known))", at: r)
    case .call(let name, let nameRange, let args, let kwargs, let range):
      guard let c = table[name] else {
        if variables[name] != nil {
          throw RuntimeError("'\(name)' is a variable, not a command; separate values with operators, or call a command", at: nameRange)
        }
        throw RuntimeError("unknown command '\(name)'\(didYouMean(name, table.names))", at: nameRange)
      }
      return try call(c, args: args, kwargs: kwargs, range: range, nameRange: nameRange)
    case .binary(let op, let l, let r, let range):
      let a = try evaluate(l)
      // Python's short circuit: `false and x` is false and `true or x` true without evaluating x
      // (x ran first: `false and (exit 3)` exited); a mask on the left still combines row by row
      if case .bool(let v) = a, (op == .and && !v) || (op == .or && v) { return .bool(v) }
      let b = try evaluate(r)
      do { return try Operators.binary(op, a, b) } catch let m as OperatorError {
        throw RuntimeError(m.message, at: range)
      }
    case .unary(let op, let x, let range):
      let a = try evaluate(x)
      do { return try Operators.unary(op, a) } catch let m as OperatorError {
        throw RuntimeError(m.message, at: range)
      }
    case .index(let base, let items, let range):
      let b = try evaluate(base)
      var parts: [Indexer] = []
      for it in items {
        switch it {
        case .expr(let x): parts.append(.value(try evaluate(x), x.range))
        case .slice(let lo, let hi, let r):
          let l = try lo.map { try sliceBound(evaluate($0), $0.range) }
          let h = try hi.map { try sliceBound(evaluate($0), $0.range) }
          parts.append(.slice(l, h, r))
        }
      }
      return try Indexing.index(b, parts, range: range)
    case .field(let base, let name, let fr, _):
      let b = try evaluate(base)
      guard case .record(let rec) = b else {
        throw RuntimeError("\(b.kindName) has no fields (.\(name))", at: fr)
      }
      if let v = rec[name] { return v }
      if let lz = rec.lazy, lz.has(name) {
        do { return try lz.value(name) } catch let e as DataFileError { throw RuntimeError(e.description, at: fr) }
      }
      if rec.kind == Frames.frameKind { return try Frames.column(rec, name, at: fr) }
      throw RuntimeError(
        "\(rec.kind) record has no field '\(name)'\(didYouMean(name, rec.fieldNames)); fields: "
          + rec.fieldNames.joined(separator: ", "), at: fr)
    }
  }

  private func sliceBound(_ v: Value, _ r: SourceRange) throws -> Int {
    if case .int(let i) = v { return i }
    // a whole float (or ±inf) clamps to the ends like any out-of-range bound
    if case .float(let d) = v, d == d.rounded() || d.isInfinite {
      return d >= 9.2e18 ? Int.max / 2 : (d <= -9.2e18 ? Int.min / 2 : Int(d))
    }
    throw RuntimeError("a slice bound must be an integer, not \(v.kindName)" + numericTextHint(v), at: r)
  }

  /// Checks arguments against the command's table entry and runs it; a command whose entry
  /// takes its arguments `.unevaluated` receives the syntax instead.
  func call(_ c: Command, args: [Expr], kwargs: [KeywordArg], range: SourceRange, nameRange: SourceRange) throws -> Value {
    if c.syntax == .unevaluated {
      var inv = Invocation(
        command: c.name, args: [], kwargs: [:], given: [], session: self, context: makeContext(), rawArgs: [],
        syntax: (args, kwargs, range))
      return try run(c, &inv, range: range, kwRanges: [:])
    }
    // `help umap`: a bare name is the topic, not a call of that command
    var args = args
    if c.syntax == .bareNamesAsStrings {
      args = args.map { if case .name(let n, let r) = $0 { return .string(n, r) }; return $0 }
    }
    try checkArgumentCount(c, args.count, range: range, extra: { args[$0].range })
    // a bare command name among the arguments (print shape x): its own arguments need parentheses
    // (time and sweep read theirs as syntax, help takes a bare name: neither comes here with one)
    for case .name(let n, let r) in args where variables[n] == nil {
      // (in parentheses already, as `print (umap)`, the plain "needs arguments" error comes below)
      if let inner = table[n], inner.needsArguments, !isParenthesized(r) {
        throw RuntimeError(
          "'\(n)' needs arguments (\(inner.briefUsage)); as an argument of \(c.name), put the call in parentheses: \(c.name) (\(n) …)", at: r)
      }
    }
    var evaluated: [(Value, SourceRange)] = []
    for a in args { evaluated.append((try evaluate(a), a.range)) }
    var keywords: [CallKeyword] = []
    for k in kwargs {
      // an unknown parameter is refused before its value is computed
      guard let p = c.param(k.name) else { throw unknownParameter(c, k.name, at: k.nameRange) }
      if keywords.contains(where: { $0.name == k.name }) { throw RuntimeError("parameter '\(k.name)' given twice", at: k.nameRange) }
      if let e = bareStringError(k.value, for: p) { throw e }
      keywords.append(CallKeyword(k.name, k.nameRange, try evaluate(k.value), k.value.range))
    }
    var (inv, kwRanges) = try checkedInvocation(c, args: evaluated, keywords: keywords, range: range)
    return try run(c, &inv, range: range, kwRanges: kwRanges)
  }

  /// A keyword argument with its value computed: the name, where it was written, the value and where
  /// the value was written.
  struct CallKeyword {
    var name: String
    var nameRange: SourceRange
    var value: Value
    var valueRange: SourceRange
    init(_ name: String, _ nameRange: SourceRange, _ value: Value, _ valueRange: SourceRange) {
      (self.name, self.nameRange, self.value, self.valueRange) = (name, nameRange, value, valueRange)
    }
  }

  /// Checks keyword arguments against `c`'s parameters (known names, each once, types and bounds)
  /// and adds the defaults of the others: the parameters, the names given and each one's source range.
  func checkedKeywords(_ c: Command, _ keywords: [CallKeyword]) throws -> (kw: [String: Value], given: Set<String>, ranges: [String: SourceRange]) {
    var kw: [String: Value] = [:]
    var given = Set<String>()
    var kwRanges: [String: SourceRange] = [:]
    for k in keywords {
      guard let p = c.param(k.name) else { throw unknownParameter(c, k.name, at: k.nameRange) }
      if given.contains(k.name) { throw RuntimeError("parameter '\(k.name)' given twice", at: k.nameRange) }
      kw[k.name] = try checkParam(p, k.value, command: c.name, at: k.valueRange)
      given.insert(k.name)
      kwRanges[k.name] = k.nameRange.union(k.valueRange)
    }
    for p in c.params where kw[p.name] == nil { kw[p.name] = p.defaultValue }
    return (kw, given, kwRanges)
  }

  /// The error for a parameter `c` does not have, with "did you mean".
  func unknownParameter(_ c: Command, _ name: String, at r: SourceRange) -> RuntimeError {
    let names = c.params.map(\.name)
    let hint = names.isEmpty ? "; \(c.name) takes no parameters" : parameterHint(name, names)
    return RuntimeError("\(c.name) has no parameter '\(name)'\(hint)", at: r)
  }

  /// The error for a bare name written as the value of parameter `p` that is not a variable: where `p`
  /// takes a string (`metric=manhattan`), what the name is, with a hint to quote it (`did you mean
  /// metric="manhattan"?`), at the name. For a parameter with choices the hint is the name when it is
  /// one of them, else the choices near it. A command is never run as a parameter's value, not even one
  /// that needs no arguments (`metric=help` printed the help before failing): with no hint, "'help' is
  /// a command, not a value of metric" and the choices if any. nil for another unknown name with no hint:
  /// the value is evaluated and fails as any unknown name does. `swept`: the value may be a list of
  /// values (a `sweep` axis), whose items are checked, each hinted alone.
  func bareStringError(_ value: Expr, for p: ParamSpec, swept: Bool = false) -> RuntimeError? {
    if swept, case .list(let items, _) = value {
      return items.lazy.compactMap { self.bareStringError($0, for: p, prefix: "") }.first
    }
    // one bare name in brackets (`metric=[manhattan]`, a Python list habit): the same hint, for the
    // single value the parameter takes
    if !swept, case .list(let items, _) = value, items.count == 1 {
      return bareStringError(items[0], for: p, prefix: "\(p.name)=")
    }
    return bareStringError(value, for: p, prefix: "\(p.name)=")
  }

  /// `bareStringError` for one value, its hints written after `prefix` (`metric=`, or nothing in a list).
  private func bareStringError(_ value: Expr, for p: ParamSpec, prefix: String) -> RuntimeError? {
    guard case .name(let n, let r) = value, variables[n] == nil else { return nil }
    let command = table[n]
    let meant: [String]
    var choices: [String] = []
    switch p.type {
    case .string, .path: meant = [n]
    case .choice(let options), .choiceOrMatrix(let options): choices = options; meant = options.contains(n) ? [n] : nearestNames(n, in: options)
    default: meant = []
    }
    if meant.isEmpty {
      guard command != nil else { return nil }
      let oneOf = choices.isEmpty ? "" : "; \(p.name) is one of \(choices.map { Display.quote($0) }.joined(separator: "|"))"
      return RuntimeError("'\(n)' is a command, not a value of \(p.name)\(oneOf)", at: r)
    }
    let what = command == nil ? "unknown variable or command '\(n)'" : "'\(n)' is a command, not a string"
    let hints = meant.map { prefix + Display.quote($0) }.joined(separator: " or ")
    return RuntimeError("\(what); did you mean \(hints)?", at: r)
  }

  /// Refuses too many or too few positional arguments for `c` (`extra(k)`: where argument k was written).
  func checkArgumentCount(_ c: Command, _ count: Int, range: SourceRange, extra: (Int) -> SourceRange) throws {
    let maxArgs = c.args.contains(where: \.variadic) ? Int.max : c.args.count
    let minArgs = c.args.filter { !$0.optional }.count
    if count > maxArgs {
      throw RuntimeError("\(c.name) takes \(maxArgs == 0 ? "no" : "at most \(maxArgs)") positional argument\(maxArgs == 1 ? "" : "s"), got \(count); usage: \(c.briefUsage)", at: extra(maxArgs))
    }
    if count < minArgs {
      let missing = c.args.filter { !$0.optional }[count].name
      throw RuntimeError("\(c.name) needs \(missing.uppercased()); usage: \(c.briefUsage)", at: range)
    }
  }

  /// An invocation of `c` from computed arguments, checked as a call written in the source is
  /// (the number and types of positional arguments, then `checkedKeywords`), with each parameter's
  /// source range for errors.
  func checkedInvocation(_ c: Command, args: [(Value, SourceRange)], keywords: [CallKeyword], range: SourceRange)
    throws -> (Invocation, [String: SourceRange]) {
    try checkArgumentCount(c, args.count, range: range, extra: { args[$0].1 })
    var raw: [Value] = []
    var values: [Value] = []
    for (k, (v, r)) in args.enumerated() {
      let spec = k < c.args.count ? c.args[k] : c.args[c.args.count - 1]
      raw.append(v)
      values.append(try coerce(v, to: spec.type, what: "\(c.name): \(spec.name.uppercased())", at: r))
    }
    let (kw, given, kwRanges) = try checkedKeywords(c, keywords)
    let inv = Invocation(
      command: c.name, args: values, kwargs: kw, given: given, session: self, context: makeContext(), rawArgs: raw,
      resultIsBound: assigning)
    return (inv, kwRanges)
  }

  /// Runs a checked invocation of `c`, turning what it throws into a `RuntimeError` at the call
  /// (at the parameter's range for an invalid parameter).
  func run(_ c: Command, _ inv: inout Invocation, range: SourceRange, kwRanges: [String: SourceRange]) throws -> Value {
    let saved = currentRange
    currentRange = range
    defer { currentRange = saved }
    do {
      return try c.run(&inv)
    } catch AlgorithmError.cancelled {
      throw RuntimeError("\(c.name): interrupted", at: range, interrupted: true)
    } catch let e as RuntimeError {
      throw e
    } catch let d as Diagnostic {
      throw d
    } catch let e as ExitRequest {
      throw e  // not an error: `exit` ends the run (Session.execute)
    } catch {
      // an error about one parameter points at it
      var parameter: String? = nil
      if case .invalidParameter(let name, _, _) = error as? CommandError { parameter = name }
      if case .badParameter(let name, _) = error as? CommandError { parameter = name }
      if case .invalidParameter(let name, _, _) = error as? AlgorithmError { parameter = name }
      throw RuntimeError("\(c.name): \(error)\(Frames.dataColumnNote(error, inv.rawArgs.first))", at: parameter.flatMap { kwRanges[$0] } ?? range)
    }
  }

  /// Converts `v` to what `type` expects, or throws a clear error.
  func coerce(_ v: Value, to type: ParamType, what: String, at r: SourceRange) throws -> Value {
    let x = v.resolved
    func fail(_ expected: String) -> RuntimeError {
      RuntimeError("\(what) must be \(expected), got \(v.kindWithArticle)\(v.shapeText.map { " (\($0))" } ?? "")", at: r)
    }
    switch type {
    case .any: return v
    case .choiceOrMatrix(let options):
      if case .string = x { return try checkScalar(x, .choice(options), what: what, at: r) }
      do {
        return try coerce(v, to: .matrix, what: what, at: r)
      } catch {
        throw fail("one of \(type.name)")
      }
    case .matrixOrSparse:
      if case .sparse = x { return x }
      return try coerce(v, to: .matrix, what: what, at: r)
    case .matrix:
      // a categorical's codes are no coordinates (scikit-learn refuses strings: ValueError)
      if Frames.categories(of: v) != nil {
        throw RuntimeError("\(what) must be numbers, got a categorical: \(Frames.namesNotCodes)", at: r)
      }
      // a frame of text columns only stands for a matrix of no columns ("data is empty (3 × 0)" said nothing of why)
      if case .record(let f) = v, f.kind == Frames.frameKind, case .matrix(let m)? = f["data"], m.cols == 0, !Frames.columnNames(f).isEmpty {
        let names = Frames.columnNames(f)
        throw RuntimeError("\(what) is a data frame with no numeric column (\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") text); "
          + "a text column's category codes are no coordinates (d.x.codes gives them)", at: r)
      }
      switch x {
      case .matrix: return x
      case .sparse(let m):
        throw RuntimeError(
          "\(what) must be a dense matrix, got a sparse matrix (\(m.rows) × \(m.cols), \(m.nnz) stored); "
            + "`dense` makes a dense copy (\(Memory.text(Double(m.rows) * Double(m.cols) * 4)))", at: r)
      case .floats(let f): return .matrix(Matrix(rows: f.count, cols: 1, data: f.map(Float.init)))
      case .labels(let l): return .matrix(Matrix(rows: l.count, cols: 1, data: l.map(Float.init)))
      case .list(let rows) where !rows.isEmpty:
        // a list of numbers is a vector, and a vector as data is n points of one value each, as a
        // loaded vector is (kmeans [1, 2, 10, 11] was refused while (load "v.npy") was taken)
        if rows.allSatisfy({ if case .list = $0 { return false }; return $0.number != nil }) {
          return .matrix(Matrix(rows: rows.count, cols: 1, data: rows.map { Float($0.number!) }))
        }
        guard let m = matrixFromRows(rows) else {
          throw fail("a matrix (a list of rows of numbers, all of the same length)")
        }
        return .matrix(m)
      default: throw fail("a matrix")
      }
    case .labels:
      // a categorical's missing values are code −1, which would count as one more label (scikit-learn
      // refuses NaN labels: "Input contains NaN")
      if let (codes, _) = Frames.categories(of: v) {
        let missing = codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
        if missing > 0 {
          throw RuntimeError("\(what) is a categorical with \(missing) missing value\(missing == 1 ? "" : "s") (NaN), which are no labels "
            + "(scikit-learn refuses NaN labels); keep the rows that have a value: k = y.codes >= 0, then give every argument indexed by k (y[k], …)", at: r)
        }
      }
      // a list literal as the vector it makes (bools, ints, floats of whole numbers: scikit-learn takes them all)
      if let l = Operators.labelVector(v) { return .labels(l) }
      // numbers that are not integers: name one (it said "got a list (2)")
      if case .floats(let f) = Operators.vectorized(x), let bad = f.first(where: { !($0 == $0.rounded() && abs($0) < 1e15) }) {
        throw RuntimeError("\(what) must be a label vector (integers), got the value \(bad)", at: r)
      }
      throw fail("a label vector")
    case .vector:
      let vx = Operators.vectorized(x)
      switch vx {
      case .labels, .floats, .mask: return vx
      default: throw fail("a vector")
      }
    default:
      return try checkScalar(v, type, what: what, at: r)
    }
  }

  private func checkScalar(_ v: Value, _ type: ParamType, what: String, at r: SourceRange) throws -> Value {
    func fail(_ expected: String) -> RuntimeError {
      RuntimeError("\(what) must be \(expected), got \(Display.summary(v))\(numericTextHint(v))", at: r)
    }
    switch type {
    case .int:
      if case .int = v { return v }
      if case .float(let d) = v, d == d.rounded(), abs(d) < 1e15 { return .int(Int(d)) }
      throw fail("an integer")
    case .float:
      if let d = v.number { return .float(d) }
      throw fail("a number")
    case .string, .path:
      if case .string = v { return v }
      throw fail("a string")
    case .bool:
      if case .bool = v { return v }
      throw fail("true or false")
    case .choice(let options):
      if case .string(let s) = v {
        if options.contains(s) { return v }
        throw RuntimeError("\(what) must be one of \(type.name), got \(Display.quote(s))\(didYouMean(s, options))", at: r)
      }
      throw fail("one of \(type.name)")
    case .seed:
      if case .none = v { return v }
      if case .int(let i) = v, i >= 0 { return v }
      throw fail("an integer ≥ 0 or none")
    case .intOrFraction:
      if case .int = v { return v }
      if case .float(let d) = v, d > 0, d < 1 { return v }
      if case .none = v { return v }
      throw fail("an integer, or a float strictly between 0 and 1")
    default:
      return try coerce(v, to: type, what: what, at: r)
    }
  }

  /// Checks a keyword value: type, then bounds.
  func checkParam(_ p: ParamSpec, _ v: Value, command: String, at r: SourceRange) throws -> Value {
    if case .none = v, case .none = p.defaultValue { return v }
    let what = "\(command): \(p.name)"
    let x = try coerce(v, to: p.type, what: what, at: r)
    if let b = p.bounds, case .float(let d) = x, d.isNaN, b.allowsInfinity {
      throw RuntimeError("\(what)=nan is out of range: it must be a number \(b.text) or inf", at: r)
    }
    // the value as the algorithms' range errors show theirs (`a=0.0`, `p=1000.0`, `alpha=1e-300`),
    // not in the display's four decimals (`a=0.0000`, which hid a value such as 1e-9)
    let shown: String
    switch x {
    case .float(let d): shown = "\(d)"
    case .int(let i): shown = "\(i)"
    default: shown = Display.summary(x)
    }
    if let b = p.bounds, case .float(let d) = x, !d.isFinite, !b.allowsInfinity {
      throw RuntimeError("\(what)=\(shown) is out of range: it must be a finite number \(b.text)", at: r)
    }
    if let b = p.bounds, let d = x.number, !b.contains(d) {
      throw RuntimeError("\(what)=\(shown) is out of range: it must be \(b.text)", at: r)
    }
    return x
  }
}

/// Seconds from a monotonic clock.
public func monotonicSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

#if canImport(Glibc)
import Glibc
#endif

/// `[[1, 2], [3, 4]]`: a list of equal-length numeric lists as a matrix (nil otherwise).
func matrixFromRows(_ rows: [Value]) -> Matrix? {
  var data: [Float] = []
  var cols = -1
  for row in rows {
    guard case .list(let items) = row, items.allSatisfy({ $0.number != nil }), cols == -1 || items.count == cols else {
      return nil
    }
    cols = items.count
    data += items.map { Float($0.number!) }
  }
  return rows.isEmpty ? nil : Matrix(rows: rows.count, cols: cols, data: data)
}

/// For text that reads as a number or a boolean (a --set value, always text) where a number or a
/// boolean was wanted: how to convert it; "" otherwise.
func numericTextHint(_ v: Value) -> String {
  guard case .string(let s) = v else { return "" }
  if Double(s) != nil { return "; text is not converted: convert it first, (int x) or (float x) (a --set value is always text)" }
  if ["true", "false"].contains(s.lowercased()) {
    return "; text is not converted: compare it, e.g. (flag == \"true\") (a --set value is always text)"
  }
  return ""
}
