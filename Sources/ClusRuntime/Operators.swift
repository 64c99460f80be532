import ClusAlgorithms
import ClusLang

/// An operator applied to values it does not support; the evaluator adds the source range.
struct OperatorError: Error {
  var message: String
  init(_ m: String) { message = m }
}

/// Arithmetic, comparison and logic on values: scalars, element-wise on vectors and matrices,
/// with scalar broadcast. Comparisons on vectors give masks.
enum Operators {
  /// A vector as Doubles (labels and floats), for element-wise work.
  private static func doubles(_ v: Value) -> [Double]? {
    switch v {
    case .labels(let l): return l.map(Double.init)
    case .floats(let f): return f
    default: return nil
    }
  }

  /// A list of numbers acts as a vector (ints → labels, else floats), a list of rows of numbers
  /// (all of the same length) as a matrix.
  static func vectorized(_ v: Value) -> Value {
    if case .list(let l) = v, case .list? = l.first, let m = matrixFromRows(l) { return .matrix(m) }
    // a list of bools is a bool vector, as numpy's array([True, False])
    if case .list(let l) = v, !l.isEmpty, l.allSatisfy({ if case .bool = $0 { return true }; return false }) {
      return .mask(l.map { if case .bool(let b) = $0 { return b }; return false })
    }
    guard case .list(let l) = v, !l.isEmpty, l.allSatisfy({ $0.number != nil }) else { return v }
    if l.allSatisfy({ if case .int = $0 { return true }; return false }) {
      return .labels(l.map { if case .int(let i) = $0 { return i }; return 0 })
    }
    return .floats(l.map { $0.number! })
  }

  /// The value as labels, as scikit-learn takes them: an int vector, a bool vector (0 and 1), floats
  /// that are all whole numbers, a list literal of these, or a categorical's codes (−1 for a missing
  /// value, which the caller refuses or takes as "no label"); nil for anything else.
  static func labelVector(_ v: Value) -> [Int]? {
    if let (codes, _) = Frames.categories(of: v) { return codes }
    switch vectorized(v.resolved) {
    case .labels(let l): return l
    case .mask(let m): return m.map { $0 ? 1 : 0 }
    case .floats(let f) where f.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }): return f.map { Int($0) }
    default: return nil
    }
  }

  /// `intPower` with its overflow as an operator error, so that the caret marks the `**`
  /// expression (it marked the whole statement).
  private static func powerOfInts(_ i: Int, _ j: Int) throws -> Int {
    do { return try intPower(i, j) } catch CommandError.invalidArgument(let m) { throw OperatorError(m) }
  }

  static func binary(_ op: BinaryOp, _ a0: Value, _ b0: Value) throws -> Value {
    for v in [a0, b0] { try refuseFrameStandingForData(v, "'\(op.rawValue)'") }
    // a categorical against a category name: a mask, as pandas' df.species == "setosa"; two
    // categoricals compare by name (their codes may mean other names)
    if op == .eq || op == .ne, let m = Frames.compare(a0, b0, equal: op == .eq) ?? Frames.compare(b0, a0, equal: op == .eq) {
      return m
    }
    if op == .eq || op == .ne, let m = try Frames.compareCategoricals(a0, b0, equal: op == .eq) { return m }
    // == and != of a categorical with anything else (a number, a vector, a list) would compare its
    // codes (d.a == d.n was true where a code equalled a number; pandas: all False)
    if op == .eq || op == .ne, Frames.categories(of: a0) != nil || Frames.categories(of: b0) != nil {
      let other = Frames.categories(of: a0) != nil ? b0 : a0
      throw OperatorError("'\(op.rawValue)' is not defined for a categorical and \(other.kindWithArticle): \(Frames.namesNotCodes); "
                          + "compare it with a name, e.g. d.species == \"setosa\", or with another categorical")
    }
    // arithmetic and ordering of a categorical would act on its codes, which pandas refuses (TypeError)
    if op != .and && op != .or, Frames.categories(of: a0) != nil || Frames.categories(of: b0) != nil {
      throw OperatorError("'\(op.rawValue)' is not defined for a categorical: \(Frames.namesNotCodes); "
                          + "compare it with a name, e.g. d.species == \"setosa\"")
    }
    let a = vectorized(a0.resolved), b = vectorized(b0.resolved)
    switch op {
    case .and, .or: return try logic(op, a, b)
    default: break
    }
    // strings
    if case .string(let s) = a {
      if op == .add { try refuseNumericJoin(s, b, stringFirst: true); return .string(s + (try text(b))) }
      if case .string(let t) = b, op == .eq || op == .ne { return .bool((s == t) == (op == .eq)) }
      throw OperatorError("'\(op.rawValue)' is not defined for a string and \(b.kindWithArticle)" + numericTextHint(a))
    }
    if case .string(let t) = b, op == .add { try refuseNumericJoin(t, a, stringFirst: false); return .string((try text(a)) + t) }
    if case .bool(let x) = a, case .bool(let y) = b, op == .eq || op == .ne { return .bool((x == y) == (op == .eq)) }
    // scalars
    if let x = a.number, let y = b.number {
      if case .int(let i) = a, case .int(let j) = b, op == .add || op == .sub || op == .mul {
        return .int(try intArith(op, i, j))
      }
      // an int to a non-negative int power stays an exact int, as in Python
      if case .int(let i) = a, case .int(let j) = b, op == .pow, j >= 0 { return .int(try powerOfInts(i, j)) }
      // ints compare exactly (as Doubles, 2^53 + 1 == 2^53 was true; Python: False)
      if case .int(let i) = a, case .int(let j) = b, let r = compare(op, i, j) { return .bool(r) }
      return try scalar(op, x, y)
    }
    // matrices
    if case .matrix(let m) = a { return try matrixOp(op, m, b, flipped: false) }
    if case .matrix(let m) = b { return try matrixOp(op, m, a, flipped: true) }
    // masks compared for equality
    if case .mask(let x) = a, case .mask(let y) = b, op == .eq || op == .ne {
      guard x.count == y.count else { throw OperatorError("vectors of different lengths: \(x.count) and \(y.count)") }
      return .mask(zip(x, y).map { ($0 == $1) == (op == .eq) })
    }
    // a mask against true or false, element-wise (numpy's and pandas' m == True)
    if op == .eq || op == .ne {
      if case .mask(let x) = a, case .bool(let y) = b { return .mask(x.map { ($0 == y) == (op == .eq) }) }
      if case .bool(let y) = a, case .mask(let x) = b { return .mask(x.map { ($0 == y) == (op == .eq) }) }
    }
    // vectors
    let va = doubles(a), vb = doubles(b)
    if va == nil && vb == nil || (va == nil && a.number == nil) || (vb == nil && b.number == nil) {
      throw OperatorError("'\(op.rawValue)' is not defined for \(a0.kindName) and \(b0.kindName)"
                          + (numericTextHint(a).isEmpty ? numericTextHint(b) : numericTextHint(a)))
    }
    let n = va?.count ?? vb!.count
    if let x = va, let y = vb, x.count != y.count {
      throw OperatorError("vectors of different lengths: \(x.count) and \(y.count)")
    }
    let bothInt = isInt(a) && isInt(b)
    if bothInt && (op == .add || op == .sub || op == .mul) {
      // exact integer arithmetic, with an error on overflow
      let xi = ints(a, n), yi = ints(b, n)
      var out = [Int](repeating: 0, count: n)
      for i in 0..<n { out[i] = try intArith(op, xi[i], yi[i]) }
      return .labels(out)
    }
    if bothInt, [.eq, .ne, .lt, .le, .gt, .ge].contains(op) {
      let xi = ints(a, n), yi = ints(b, n)
      return .mask((0..<n).map { compare(op, xi[$0], yi[$0])! })
    }
    if bothInt && op == .pow, ints(b, n).allSatisfy({ $0 >= 0 }) {
      // ints to non-negative int powers stay exact ints (numpy's int ** int)
      let xi = ints(a, n), yi = ints(b, n)
      var out = [Int](repeating: 0, count: n)
      for i in 0..<n { out[i] = try powerOfInts(xi[i], yi[i]) }
      return .labels(out)
    }
    let xs = va ?? [Double](repeating: a.number!, count: n)
    let ys = vb ?? [Double](repeating: b.number!, count: n)
    switch op {
    case .eq, .ne, .lt, .le, .gt, .ge:
      return .mask((0..<n).map { compare(op, xs[$0], ys[$0]) ?? false })
    case .add, .sub, .mul, .pow:
      let r = (0..<n).map { arith(op, xs[$0], ys[$0]) }
      return .floats(r)
    case .div:
      return .floats((0..<n).map { xs[$0] / ys[$0] })
    default:
      throw OperatorError("'\(op.rawValue)' is not defined here")
    }
  }

  /// `i op j` on Ints; overflow is an error, not a wrapped or trapped value.
  static func intArith(_ op: BinaryOp, _ i: Int, _ j: Int) throws -> Int {
    let (r, o): (Int, Bool)
    switch op {
    case .add: (r, o) = i.addingReportingOverflow(j)
    case .sub: (r, o) = i.subtractingReportingOverflow(j)
    default: (r, o) = i.multipliedReportingOverflow(by: j)
    }
    if o { throw OperatorError("integer overflow in \(i) \(op.rawValue) \(j); write one operand as a float (e.g. \(i).0)") }
    return r
  }

  /// An int scalar or int vector as `n` Ints.
  private static func ints(_ v: Value, _ n: Int) -> [Int] {
    switch v {
    case .int(let i): return [Int](repeating: i, count: n)
    case .labels(let l): return l
    default: return []
    }
  }

  private static func isInt(_ v: Value) -> Bool {
    switch v {
    case .int, .labels: return true
    default: return false
    }
  }

  /// Refuses `+` of a string that reads as a number (a `--set` value, a CSV cell) and a number: it
  /// would join them as text ("3" + 1 is "31") where arithmetic was surely meant (Python raises a
  /// TypeError there). A string that does not read as a number joins as before ("part-" + 7).
  private static func refuseNumericJoin(_ s: String, _ other: Value, stringFirst: Bool) throws {
    // Double reads every integer text too; "nan", "inf" and hexadecimal texts do not count
    guard other.number != nil, Double(s) != nil, !s.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else { return }
    let num = try text(other)
    let joined = stringFirst ? s + num : num + s
    throw OperatorError("'+' of the string \(Display.quote(s)) and the number \(num) would join them as text (\(Display.quote(joined))), "
                        + "not add them: convert the string first ((int x) + 1, (float x) + 1), or join two strings (\(Display.quote(s)) + \(Display.quote(num)))")
  }

  /// A value joined to a string by `+`, as Python's str() of it: a string itself, an int in full, a
  /// float as the shortest text that reads back as the same number (`5.0`, `1234567.89`, `1e-05`),
  /// or, for an element of float32 data, as the shortest that reads back as the same float32, as
  /// numpy's str() of a float32 (`0.2745098`); a bool as true/false. Anything else is refused (its display summary, "vector 2 int", pasted into
  /// a path, would silently name the wrong file).
  private static func text(_ v: Value) throws -> String {
    switch v {
    case .string(let s): return s
    case .int(let i): return String(i)
    case .float(let d):
      // an element of a float32 matrix or vector, as numpy's str() of a float32 (0.2745098, not
      // 0.2745097875595093): a number that is exactly a float32 and needs more digits than a
      // float32 holds (9) as a double; a number of 9 digits or fewer is Python's str() of it
      let f = Float(d)
      if Double(f) == d && significantDigits(d.description) > 9 { return f.description }
      return d.description
    case .bool(let b): return b ? "true" : "false"
    default:
      throw OperatorError("'+' joins a string with a string or a number, not with \(v.kindWithArticle); write the number "
                          + "(x[0], count x, format v \"%.4f\") or use print to show \(v.kindWithArticle)")
    }
  }

  /// The significant digits of a number's text ("0.2745097875595093" has 16, "16777216.0" 8).
  private static func significantDigits(_ text: String) -> Int {
    let mantissa = text.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber)
    return mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
  }

  /// `x op y` for a comparison (ints exactly, Doubles as IEEE compares them); nil for other operators.
  private static func compare<T: Comparable>(_ op: BinaryOp, _ x: T, _ y: T) -> Bool? {
    switch op {
    case .eq: return x == y
    case .ne: return x != y
    case .lt: return x < y
    case .le: return x <= y
    case .gt: return x > y
    case .ge: return x >= y
    default: return nil
    }
  }

  private static func arith(_ op: BinaryOp, _ x: Double, _ y: Double) -> Double {
    switch op {
    case .add: return x + y
    case .sub: return x - y
    case .mul: return x * y
    case .div: return x / y
    case .pow: return Elementary.pow(x, y)
    default: return .nan
    }
  }

  private static func scalar(_ op: BinaryOp, _ x: Double, _ y: Double) throws -> Value {
    switch op {
    case .eq, .ne, .lt, .le, .gt, .ge: return .bool(compare(op, x, y) ?? false)
    default: return .float(arith(op, x, y))
    }
  }

  /// A matrix and a number, vector or matrix, element-wise with numpy's broadcasting: a number
  /// applies to every element; a vector of length d acts as a 1 × d row; matrices broadcast
  /// when each dimension is equal or 1 (n × d with 1 × d, n × 1 or 1 × 1; 1 × d with n × 1 gives
  /// n × d). Computed in Float32, the matrices' type. Throws an `OperatorError` naming both shapes
  /// when they do not broadcast.
  private static func matrixOp(_ op: BinaryOp, _ m: Matrix, _ other: Value, flipped: Bool) throws -> Value {
    switch op {
    case .add, .sub, .mul, .div, .pow: break
    default: throw OperatorError("'\(op.rawValue)' is not defined for matrices; compare a column, e.g. m[:, 0] \(op.rawValue) x")
    }
    func f(_ p: Float, _ q: Float) -> Float {
      switch op {
      case .add: return p + q
      case .sub: return p - q
      case .mul: return p * q
      case .pow: return Float(Elementary.pow(Double(p), Double(q)))
      default: return p / q
      }
    }
    if let s = other.number {
      let y = Float(s)
      return .matrix(m.elementwise { flipped ? f(y, $0) : f($0, y) })
    }
    let o: Matrix
    var isVector = false
    switch other {
    case .matrix(let x): o = x
    case .floats(let v): o = Matrix(rows: 1, cols: v.count, data: v.map(Float.init)); isVector = true
    case .labels(let v): o = Matrix(rows: 1, cols: v.count, data: v.map(Float.init)); isVector = true
    default:
      throw OperatorError("'\(op.rawValue)' between a matrix and \(other.kindName) is not defined; use a number, a vector or a matrix")
    }
    let (a, b) = flipped ? (o, m) : (m, o)
    func dim(_ p: Int, _ q: Int) -> Int? { p == q || q == 1 ? p : (p == 1 ? q : nil) }
    guard let rows = dim(a.rows, b.rows), let cols = dim(a.cols, b.cols) else {
      let shapes = flipped ? (other, Value.matrix(m)) : (Value.matrix(m), other)
      var hint = ""
      if isVector && o.cols == m.rows {
        hint = "; a vector acts as a row (1 × \(o.cols)), as in numpy: for one value per row use an n × 1 matrix, e.g. mean x axis=1 keepdims=true"
      }
      throw OperatorError(
        "operands could not be broadcast together: shapes \(shapes.0.shapeText!)\(isVector && flipped ? " (a vector)" : "") and \(shapes.1.shapeText!)\(isVector && !flipped ? " (a vector)" : "")\(hint)")
    }
    let ar = a.rows == 1 ? 0 : 1, ac = a.cols == 1 ? 0 : 1, br = b.rows == 1 ? 0 : 1, bc = b.cols == 1 ? 0 : 1
    return .matrix(Matrix(rows: rows, cols: cols) { out in
      a.data.withUnsafeBufferPointer { ap in
        b.data.withUnsafeBufferPointer { bp in
          for i in 0..<rows {
            for j in 0..<cols {
              out[i * cols + j] = f(ap[(i * ar) * a.cols + j * ac], bp[(i * br) * b.cols + j * bc])
            }
          }
        }
      }
    })
  }

  private static func logic(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
    let isAnd = op == .and
    switch (a, b) {
    case (.bool(let x), .bool(let y)): return .bool(isAnd ? x && y : x || y)
    case (.mask(let x), .mask(let y)):
      guard x.count == y.count else { throw OperatorError("masks of different lengths: \(x.count) and \(y.count)") }
      return .mask(zip(x, y).map { isAnd ? $0 && $1 : $0 || $1 })
    case (.mask(let x), .bool(let y)): return .mask(x.map { isAnd ? $0 && y : $0 || y })
    case (.bool(let y), .mask(let x)): return .mask(x.map { isAnd ? $0 && y : $0 || y })
    default:
      throw OperatorError("'\(op.rawValue)' needs bools or masks, got \(a.kindWithArticle) and \(b.kindWithArticle)")
    }
  }

  /// A data frame of several columns stands for its numeric float32 `.data` in an operator; refused
  /// when that would drop a text column in silence (pandas' df + 1 and -df raise TypeError on a string
  /// column) or round a column kept exactly (ids beyond 2^24, which `d.id + 1` keeps).
  static func refuseFrameStandingForData(_ v: Value, _ what: String, pandasRefuses: Bool = true) throws {
    guard let r = Frames.standingForData(v) else { return }
    let names = Frames.columnNames(r), kinds = Frames.strings(r["dtypes"])
    let text = zip(names, kinds).filter { $0.1 == ColumnKind.text.rawValue }.map(\.0)
    if !text.isEmpty {
      // (pandas' max, min and sum answer per column, text ones too: not refused there, but not this question either)
      throw OperatorError("\(what) of a data frame with text column\(text.count == 1 ? "" : "s") \(text.joined(separator: ", ")) "
                          + (pandasRefuses ? "(pandas refuses it too)" : "would act on the numbers of .data only (pandas answers per column)")
                          + "; use a column (d.x), or d.data for the numeric columns")
    }
    let rounded = Frames.roundedByFloat32(r)
    if !rounded.isEmpty {
      throw OperatorError("\(what) of this data frame would act on its float32 .data, where \(rounded.joined(separator: ", ")) "
                          + "\(rounded.count == 1 ? "is" : "are") rounded (\(Frames.float32Holds)); use the column\(rounded.count == 1 ? "" : "s") (d.\(rounded[0])), kept exactly")
    }
  }

  static func unary(_ op: UnaryOp, _ a0: Value) throws -> Value {
    if op != .not { try refuseFrameStandingForData(a0, "unary '\(op == .neg ? "-" : "+")'") }
    // a categorical's values are names: -d.name negated its codes
    if op != .not, Frames.categories(of: a0) != nil {
      throw OperatorError("unary '\(op == .neg ? "-" : "+")' is not defined for a categorical: \(Frames.namesNotCodes)")
    }
    let a = vectorized(a0.resolved)
    switch op {
    case .not:
      switch a {
      case .bool(let b): return .bool(!b)
      case .mask(let m): return .mask(m.map { !$0 })
      default: throw OperatorError("'not' needs a bool or a mask, got \(a0.kindWithArticle)")
      }
    case .neg:
      switch a {
      case .int(let i):
        if i == Int.min { throw OperatorError("integer overflow in -(\(i))") }
        return .int(-i)
      case .float(let d): return .float(-d)
      case .labels(let l):
        if l.contains(Int.min) { throw OperatorError("integer overflow negating \(Int.min)") }
        return .labels(l.map { -$0 })
      case .floats(let f): return .floats(f.map { -$0 })
      case .matrix(let m): return .matrix(m.elementwise { -$0 })
      default: throw OperatorError("unary '-' needs a number, vector or matrix, got \(a0.kindWithArticle)" + numericTextHint(a0.resolved))
      }
    case .pos:
      switch a {
      case .int, .float, .labels, .floats, .matrix: return a
      default: throw OperatorError("unary '+' needs a number, vector or matrix, got \(a0.kindWithArticle)")
      }
    }
  }
}

extension Matrix {
  /// A new matrix of the same shape holding `f` of each value, read in place (a mapped matrix is not
  /// copied first) and written once into fresh memory.
  /// - Throws: what `f` throws.
  @inline(__always)
  func elementwise(_ f: (Float) throws -> Float) rethrows -> Matrix {
    try data.withUnsafeBufferPointer { src in
      try Matrix(rows: rows, cols: cols) { dst in
        for i in 0..<src.count { dst[i] = try f(src[i]) }
      }
    }
  }
}
