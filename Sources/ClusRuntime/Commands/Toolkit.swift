import ClusAlgorithms

// The everyday numpy / pandas / scikit-learn toolkit: element-wise functions, descriptive
// statistics, sorting, `where`, feature scaling and `crosstab`. Values are computed by
// `Elementary` (never libm) and `Statistics`, so they are the same on every CPU.

/// An element-wise function over a number, vector or matrix, as the numpy ufunc of the same name.
///
/// Ints give ints when `intF` is given (`abs`), floats otherwise; a bool vector counts as 0/1;
/// matrices stay Float32 (computed in Double, rounded once). Throws for other kinds.
private func elementwise(
  _ name: String, _ summary: String, examples: [String],
  intF: (@Sendable (Int) throws -> Int)? = nil, _ f: @escaping @Sendable (Double) -> Double
) -> Command {
  Command(
    name, group: "basics", summary: summary,
    args: [ArgSpec("x", .any, "a number, vector or matrix")],
    examples: examples
  ) { inv in try mapElements(inv.args[0], name: name, intF: intF, f) }
}

/// `Operators.refuseFrameStandingForData` for a command: a data frame with a text column (or a column
/// float32 rounds) standing for its numeric `.data` in `name` is refused, as pandas raises TypeError.
/// - Throws: `CommandError.invalidArgument`.
func refuseFrameAsData(_ v: Value, _ name: String, pandasRefuses: Bool = true) throws {
  do { try Operators.refuseFrameStandingForData(v, name, pandasRefuses: pandasRefuses) } catch let e as OperatorError {
    throw CommandError.invalidArgument(e.message)
  }
}

/// `f` applied to every element of `v` (see `elementwise`).
/// - Throws: `CommandError.invalidArgument` when `v` is not numeric.
private func mapElements(
  _ v: Value, name: String, intF: ((Int) throws -> Int)?, _ f: (Double) -> Double
) throws -> Value {
  // a categorical's values are names: the function would act on its codes (numpy: TypeError)
  try Frames.refuseCategorical(v, in: name)
  // a frame with a text column (or a column float32 rounds) as its .data: as the operators refuse it
  try refuseFrameAsData(v, name)
  switch Operators.vectorized(v.resolved) {
  case .int(let i): return try intF.map { .int(try $0(i)) } ?? .float(f(Double(i)))
  case .float(let d): return .float(f(d))
  case .labels(let l): return try intF.map { g in .labels(try l.map(g)) } ?? .floats(l.map { f(Double($0)) })
  case .floats(let x): return .floats(x.map(f))
  case .mask(let m): return .floats(m.map { f($0 ? 1 : 0) })
  case .matrix(let m): return .matrix(m.elementwise { Float(f(Double($0))) })
  default:
    throw CommandError.invalidArgument("\(name) needs a number, vector or matrix, got \(v.kindWithArticle)")
  }
}

/// `base` to the integer power `e` ≥ 0, exactly, by repeated squaring.
/// - Throws: `CommandError.invalidArgument` on Int overflow.
func intPower(_ base: Int, _ e: Int) throws -> Int {
  var result = 1, b = base, k = e
  // a negative base in brackets: -2 ** 64 would read as -(2 ** 64)
  let shown = base < 0 ? "(\(base))" : "\(base)"
  while k > 0 {
    if k & 1 == 1 {
      let (r, o) = result.multipliedReportingOverflow(by: b)
      if o { throw CommandError.invalidArgument("integer overflow in \(shown) ** \(e); write the base as a float (e.g. \(base).0)") }
      result = r
    }
    k >>= 1
    if k > 0 {
      let (s, o) = b.multipliedReportingOverflow(by: b)
      if o { throw CommandError.invalidArgument("integer overflow in \(shown) ** \(e); write the base as a float (e.g. \(base).0)") }
      b = s
    }
  }
  return result
}

/// A vector's values as Doubles (ints, floats, bools as 0/1), or nil for other kinds.
private func vectorDoubles(_ v: Value) -> [Double]? {
  switch Operators.vectorized(v.resolved) {
  case .labels(let l): return l.map(Double.init)
  case .floats(let f): return f
  case .mask(let m): return m.map { $0 ? 1 : 0 }
  default: return nil
  }
}

/// The warning of `var` and `std` when ddof leaves no degree of freedom (numpy divides by zero
/// and warns likewise), given once for all columns or rows.
private func ddofWarning(_ name: String) -> @Sendable (Invocation, Int) throws -> Void {
  { inv, count in
    let ddof = try inv.int("ddof")
    if count > 0 && count - ddof <= 0 { inv.warn("\(name): ddof=\(ddof) ≥ \(count) values: division by zero (as numpy)") }
  }
}

func registerToolkit(_ t: inout CommandTable) {
  t.register(elementwise("sqrt", "Square root of each element, as numpy.sqrt (NaN below 0)", examples: ["sqrt (sum (x * x) axis=1)"]) {
    $0.squareRoot()
  })
  t.register(elementwise("log", "Natural logarithm of each element, as numpy.log (−inf at 0, NaN below)", examples: ["log (x + 1)"]) {
    Elementary.log($0)
  })
  t.register(elementwise("log1p", "log(1 + x) of each element, accurate for small x, as numpy.log1p", examples: ["log1p counts"]) {
    Elementary.log1p($0)
  })
  t.register(elementwise("exp", "e to the power of each element, as numpy.exp", examples: ["exp (-d / 2)"]) {
    Elementary.exp($0)
  })
  t.register(elementwise(
    "abs", "Absolute value of each element, as numpy.abs (ints stay ints)", examples: ["abs (x - y)"],
    intF: { i in
      if i == Int.min { throw CommandError.invalidArgument("integer overflow in abs(\(i))") }
      return Swift.abs(i)
    }
  ) { Swift.abs($0) })
  t.register(Command(
    "power", group: "basics",
    summary: "Each element to the power p, as numpy's x ** p (ints to an int power ≥ 0 stay ints)",
    args: [ArgSpec("x", .any, "a number, vector or matrix"), ArgSpec("p", .float, "the exponent (a number)")],
    examples: ["power x 2", "sqrt (sum (power (a - b) 2) axis=1)"]
  ) { inv in
    let p = inv.args[1].number ?? .nan
    let intExponent: Int? = {
      if case .int(let e) = inv.rawArgs[1], e >= 0 { return e }
      return nil
    }()
    return try mapElements(inv.args[0], name: "power", intF: intExponent.map { e in { try intPower($0, e) } }) {
      Elementary.pow($0, p)
    }
  })

  let ddof = ParamSpec("ddof", .int, .int(0), .atLeast(0), "delta degrees of freedom: divide by n − ddof (numpy's default 0; pandas uses 1)")
  t.register(reduction(
    "var", "Variance, as numpy.var: mean squared deviation from the mean (ddof=0)", params: [ddof],
    examples: ["var x", "var m axis=0 ddof=1"], before: ddofWarning("var")
  ) { inv, v in
    let ddof = try inv.int("ddof")
    return Statistics.variance(v, ddof: ddof)
  })
  t.register(reduction(
    "std", "Standard deviation, as numpy.std: √var (ddof=0)", params: [ddof],
    examples: ["std x", "x / (std x axis=0 keepdims=true)"], before: ddofWarning("std")
  ) { inv, v in
    let ddof = try inv.int("ddof")
    return Statistics.variance(v, ddof: ddof).squareRoot()
  })
  t.register(reduction(
    "median", "Median, as numpy.median (mean of the two middle values for an even count)",
    examples: ["median d", "median m axis=0"]
  ) { _, v in Statistics.median(v) })
  t.register(reduction(
    "quantile", "The q-th quantile, as numpy.quantile with its default linear interpolation",
    params: [ParamSpec("q", .float, .none, .between(0, 1), "which quantile, in [0, 1] (required): 0.5 is the median")],
    examples: ["quantile d q=0.9", "quantile m q=0.25 axis=0"]
  ) { inv, v in
    guard let q = try inv.optionalDouble("q") else {
      throw CommandError.invalidArgument("needs q=, a number in [0, 1]: quantile x q=0.9")
    }
    return Statistics.quantile(v, q)
  })

  t.register(Command(
    "sort", group: "basics", summary: "Values sorted ascending (NaN last), as numpy.sort; a matrix along each row by default",
    args: [ArgSpec("x", .any, "a vector or matrix (a categorical sorts by its categories and stays one, missing values last)")],
    params: [ParamSpec("axis", .int, .int(-1), .between(-1, 1), "for a matrix: -1 or 1 sorts each row (numpy's default, the last axis), 0 each column")],
    examples: ["sort d", "sort m axis=0"]
  ) { inv in
    // a categorical sorts by its categories' order and stays a categorical, missing values last
    // (pandas' sort_values, na_position="last"); its codes alone would lose the names
    if let (codes, names) = Frames.categories(of: inv.args[0]) {
      return Frames.categorical(codes: codes.filter { $0 >= 0 }.sorted() + codes.filter { $0 < 0 }, categories: names)
    }
    // a data frame of several columns stood for .data, and each row's numbers were sorted across
    // unrelated columns; pandas sorts a frame's rows by a column (sort_values)
    if Frames.standingForData(inv.rawArgs[0]) != nil {
      throw CommandError.invalidArgument("sort of a data frame would sort each row's numbers across its columns; sort a column "
        + "(sort d.x), or order the rows by one as pandas' sort_values does: d[argsort d.x]")
    }
    switch Operators.vectorized(inv.args[0].resolved) {
    case .labels(let l): return .labels(l.sorted())
    case .floats(let f): return .floats(Statistics.sorted(f))
    case .mask(let m): return .mask(m.sorted { !$0 && $1 })
    case .matrix(var m):
      let byColumn = try inv.int("axis") == 0
      let (outer, inner) = byColumn ? (m.cols, m.rows) : (m.rows, m.cols)
      for a in 0..<outer {
        let idx = (0..<inner).map { byColumn ? $0 * m.cols + a : a * m.cols + $0 }
        let sorted = Statistics.sorted(idx.map { Double(m.data[$0]) })
        for (p, i) in idx.enumerated() { m.data[i] = Float(sorted[p]) }
      }
      return .matrix(m)
    default:
      throw CommandError.invalidArgument("sort needs a vector or matrix, got \(inv.args[0].kindWithArticle)")
    }
  })
  t.register(Command(
    "argsort", group: "basics", summary: "Positions that sort a vector ascending, stably (ties keep their order, NaN last), as numpy.argsort(kind=\"stable\")",
    args: [ArgSpec("x", .vector, "a vector")],
    examples: ["order = argsort d", "d[argsort d]"]
  ) { inv in
    // a categorical orders by its categories, missing values last (as `sort`; its code −1 sorted first)
    if let (codes, _) = Frames.categories(of: inv.rawArgs[0]) {
      return .labels(Statistics.argsort(codes.map { $0 < 0 ? .nan : Double($0) }))
    }
    return .labels(Statistics.argsort(vectorDoubles(inv.args[0]) ?? []))
  })
  t.register(Command(
    "where", group: "basics", summary: "Element-wise choice, as numpy.where(cond, a, b): a where cond is true, else b",
    args: [
      ArgSpec("cond", .vector, "a bool vector (mask)"),
      ArgSpec("a", .any, "a number or a vector as long as cond: taken where cond is true (a categorical, with a categorical or a category name as b, gives a categorical)"),
      ArgSpec("b", .any, "a number or a vector as long as cond: taken where cond is false"),
    ],
    examples: ["where (l >= 0) l 99", "where (d > 1) (log d) 0"]
  ) { inv in
    guard case .mask(let c) = inv.args[0] else {
      throw CommandError.invalidArgument("where needs a bool vector as its condition (e.g. l >= 0), got \(inv.args[0].kindWithArticle)")
    }
    let n = c.count
    // categoricals choose by name and give a categorical on the union of the categories (as
    // pandas' where on categoricals); a category name (a string) may stand for every row
    let ca = Frames.categories(of: inv.args[1]), cb = Frames.categories(of: inv.args[2])
    if ca != nil || cb != nil {
      func part(_ v: Value, _ cat: (codes: [Int], names: [String])?, _ what: String) throws -> (codes: [Int], names: [String]) {
        if let cat = cat {
          guard cat.codes.count == n else {
            throw CommandError.invalidArgument("\(what) has length \(cat.codes.count), the condition \(n); they must match")
          }
          return cat
        }
        if case .string(let s) = v.resolved { return ([Int](repeating: 0, count: n), [s]) }
        throw CommandError.invalidArgument("\(what) is \(v.kindWithArticle) and the other a categorical; give a categorical or a category name (a string), or use .codes to choose codes")
      }
      let common = Frames.onCommonCategories([try part(inv.args[1], ca, "a"), try part(inv.args[2], cb, "b")])
      return Frames.categorical(codes: (0..<n).map { c[$0] ? common.codes[0][$0] : common.codes[1][$0] }, categories: common.names)
    }
    func pick(_ v: Value, _ what: String) throws -> (doubles: [Double], ints: [Int]?) {
      let x = Operators.vectorized(v.resolved)
      switch x {
      case .int(let i): return ([Double](repeating: Double(i), count: n), [Int](repeating: i, count: n))
      case .float(let d): return ([Double](repeating: d, count: n), nil)
      default:
        guard let d = vectorDoubles(x) else {
          throw CommandError.invalidArgument("\(what) must be a number or a vector, got \(v.kindWithArticle)")
        }
        guard d.count == n else {
          throw CommandError.invalidArgument("\(what) has length \(d.count), the condition \(n); they must match")
        }
        if case .labels(let l) = x { return (d, l) }
        return (d, nil)
      }
    }
    // bools from bools stay bools, as numpy.where(c, [True, ...], [False, ...]) (they became floats)
    func bools(_ v: Value) -> [Bool]? {
      switch Operators.vectorized(v.resolved) {
      case .bool(let b): return [Bool](repeating: b, count: n)
      case .mask(let m) where m.count == n: return m
      default: return nil
      }
    }
    if let ab = bools(inv.args[1]), let bb = bools(inv.args[2]) { return .mask((0..<n).map { c[$0] ? ab[$0] : bb[$0] }) }
    let a = try pick(inv.args[1], "a"), b = try pick(inv.args[2], "b")
    if let ai = a.ints, let bi = b.ints { return .labels((0..<n).map { c[$0] ? ai[$0] : bi[$0] }) }
    return .floats((0..<n).map { c[$0] ? a.doubles[$0] : b.doubles[$0] })
  })

  t.register(Command(
    "standard_scale", group: "basics",
    summary: "Each column to mean 0 and standard deviation 1 (ddof=0), as sklearn's StandardScaler().fit_transform; constant columns become 0, and a NaN stays NaN, left out of its column's mean and deviation",
    args: [ArgSpec("x", .matrix, "n × d data, one point per row")],
    examples: ["z = standard_scale x", "e = umap (standard_scale x)"]
  ) { inv in
    let x = inv.matrix(0)
    guard x.rows >= 1 else { throw CommandError.invalidArgument("needs at least one row") }
    // infinity is refused, as scikit-learn refuses it ("Input X contains infinity"): it made its column NaN
    if let k = x.data.withUnsafeBufferPointer({ $0.firstIndex(where: \.isInfinite) }) {
      throw CommandError.invalidArgument("X holds \(x.data[k]) at row \(k / x.cols), column \(k % x.cols); standard_scale needs finite numbers (NaN is left out)")
    }
    return .matrix(Statistics.standardScale(x))
  })
  t.register(Command(
    "l2_normalize", group: "basics",
    summary: "Each row divided by its Euclidean norm, as sklearn.preprocessing.normalize; zero rows stay zero",
    args: [ArgSpec("x", .matrix, "n × d data, one point per row")],
    examples: ["u = l2_normalize x"]
  ) { inv in .matrix(Statistics.l2NormalizeRows(inv.matrix(0))) })

  t.register(Command(
    "crosstab", group: "scores",
    summary: "How often each pair of values occurs, as pandas.crosstab: a table with the first vector's values as rows and the second's as columns (a categorical's names; its missing values dropped)",
    args: [ArgSpec("rows", .vector, "a vector: its distinct values label the rows"), ArgSpec("columns", .vector, "a vector as long: its distinct values label the columns")],
    examples: ["crosstab mnist.target l", "c = crosstab y l; c.counts"]
  ) { inv in
    func keys(_ v: Value) -> (ints: [Int]?, doubles: [Double]) {
      switch v {
      case .labels(let l): return (l, l.map(Double.init))
      case .mask(let m): return (m.map { $0 ? 1 : 0 }, m.map { $0 ? 1 : 0 })
      default: return (nil, vectorDoubles(v) ?? [])
      }
    }
    // a categorical's codes, a missing value (−1) as NaN so that it is dropped; its names label the axis
    let catA = Frames.categories(of: inv.rawArgs[0]), catB = Frames.categories(of: inv.rawArgs[1])
    func categoricalKeys(_ c: (codes: [Int], names: [String])) -> (ints: [Int]?, doubles: [Double]) {
      (c.codes, c.codes.map { $0 < 0 ? .nan : Double($0) })
    }
    let a = catA.map(categoricalKeys) ?? keys(inv.args[0]), b = catB.map(categoricalKeys) ?? keys(inv.args[1])
    guard a.doubles.count == b.doubles.count else {
      throw CommandError.invalidArgument("needs two vectors of the same length, got \(a.doubles.count) and \(b.doubles.count)")
    }
    // pandas drops the pairs with a missing (NaN) value
    let keep = (0..<a.doubles.count).filter { !a.doubles[$0].isNaN && !b.doubles[$0].isNaN }
    func axis(_ k: (ints: [Int]?, doubles: [Double])) -> ([Double], (([Double]) -> Value)) {
      guard let ints = k.ints else { return (keep.map { k.doubles[$0] }, { .floats($0) }) }
      // integers by their rank among the distinct values (exact: as Doubles, integers beyond 2^53
      // merged, 9007199254740993 into ...992), the labels back from the ranks
      let distinct = Array(Set(keep.map { ints[$0] })).sorted()
      let rank = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
      return (keep.map { Double(rank[ints[$0]]!) }, { .labels($0.map { distinct[Int($0)] }) })
    }
    func named(_ c: (codes: [Int], names: [String])?, _ make: @escaping ([Double]) -> Value) -> ([Double]) -> Value {
      guard let names = c?.names else { return make }
      // the axis' codes (from their ranks) to the categories' names
      return { v in
        guard case .labels(let codes) = make(v) else { return make(v) }
        return .list(codes.map { .string(names[$0]) })
      }
    }
    // a mask's axis is labelled False and True, as pandas labels a bool column's
    func booleans(_ v: Value, _ make: @escaping ([Double]) -> Value) -> ([Double]) -> Value {
      guard case .mask = v else { return make }
      return { d in if case .labels(let l) = make(d) { return .mask(l.map { $0 != 0 }) }; return make(d) }
    }
    let (ra, rowValues) = axis(a), (cb, columnValues) = axis(b)
    let makeRows = named(catA, booleans(inv.args[0], rowValues)), makeCols = named(catB, booleans(inv.args[1], columnValues))
    // the table has a count for every pair of distinct values (Int, then Float32 in the result):
    // 20,000 ids against themselves took 6.3 GB; refused first when that would not fit
    let table = try Statistics.crosstab(ra, cb) { nRows, nCols in
      try Memory.require(Double(nRows) * Double(nCols) * 12, what: "a crosstab of \(nRows) × \(nCols) counts (one for each pair of distinct values)")
    }
    let counts = Matrix(rows: table.rows.count, cols: table.columns.count, data: table.counts.map(Float.init))
    return .record(Record(kind: "crosstab", fields: [
      ("counts", .matrix(counts)), ("index", makeRows(table.rows)), ("columns", makeCols(table.columns)),
    ], principal: "counts"))
  })
}
