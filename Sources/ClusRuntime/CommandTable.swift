import ClusAlgorithms
import ClusLang

/// The type a command argument accepts. Checking, `help` and the generated reference read it.
public enum ParamType: Sendable, Equatable {
  /// An integer.
  case int
  /// A number (an integer is accepted and converted).
  case float
  /// A string.
  case string
  /// `true` / `false`.
  case bool
  /// One of the listed strings.
  case choice([String])
  /// One of the listed strings, or an n × d matrix (umap's `init`).
  case choiceOrMatrix([String])
  /// A seed: an integer ≥ 0, or `none`.
  case seed
  /// An integer, or a float strictly between 0 and 1 (PCA's `n_components`).
  case intOrFraction
  /// An n × d matrix (a record with a matrix principal is accepted).
  case matrix
  /// An n × d matrix or a sparse matrix (the commands that compute on sparse data directly).
  case matrixOrSparse
  /// An Int label vector (a record with labels as principal is accepted).
  case labels
  /// A vector of any element type, or labels.
  case vector
  /// A string path.
  case path
  /// Anything.
  case any

  /// How the type is named in help and errors.
  public var name: String {
    switch self {
    case .int: return "int"
    case .float: return "float"
    case .string: return "string"
    case .bool: return "bool"
    case .choice(let c): return c.map { "\"\($0)\"" }.joined(separator: "|")
    case .choiceOrMatrix(let c): return (c.map { "\"\($0)\"" } + ["matrix"]).joined(separator: "|")
    case .seed: return "int|none"
    case .intOrFraction: return "int|float in (0, 1)"
    case .matrix: return "matrix"
    case .matrixOrSparse: return "matrix|sparse"
    case .labels: return "labels"
    case .vector: return "vector"
    case .path: return "path"
    case .any: return "value"
    }
  }
}

/// An allowed range for a numeric parameter, checked before the command runs.
public struct Bounds: Sendable, Equatable {
  /// Lower bound, if any.
  public var lower: Double?
  /// Whether the lower bound itself is allowed.
  public var lowerInclusive: Bool
  /// Upper bound, if any.
  public var upper: Double?
  /// Whether the upper bound itself is allowed.
  public var upperInclusive: Bool
  /// Whether ±inf may be given (where it means "no limit", as umap-learn's and hdbscan's defaults
  /// do); otherwise a floating-point parameter must be finite.
  public var allowsInfinity = false

  /// These bounds, with ±inf allowed where they contain it.
  public var orInfinity: Bounds { var b = self; b.allowsInfinity = true; return b }

  /// x ≥ v
  public static func atLeast(_ v: Double) -> Bounds { Bounds(lower: v, lowerInclusive: true, upper: nil, upperInclusive: false) }
  /// x > v
  public static func greaterThan(_ v: Double) -> Bounds { Bounds(lower: v, lowerInclusive: false, upper: nil, upperInclusive: false) }
  /// lo ≤ x ≤ hi
  public static func between(_ lo: Double, _ hi: Double) -> Bounds { Bounds(lower: lo, lowerInclusive: true, upper: hi, upperInclusive: true) }

  /// Whether `x` is inside.
  public func contains(_ x: Double) -> Bool {
    if let l = lower { if lowerInclusive ? x < l : x <= l { return false } }
    if let u = upper { if upperInclusive ? x > u : x >= u { return false } }
    return !x.isNaN
  }

  /// `≥ 2`, `> 0`, `in [0, 1]`.
  public var text: String {
    func f(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
    switch (lower, upper) {
    case let (l?, u?): return "in \(lowerInclusive ? "[" : "(")\(f(l)), \(f(u))\(upperInclusive ? "]" : ")")"
    case let (l?, nil): return (lowerInclusive ? "≥ " : "> ") + f(l)
    case let (nil, u?): return (upperInclusive ? "≤ " : "< ") + f(u)
    default: return "any"
    }
  }
}

/// A keyword parameter of a command: `name=value`.
public struct ParamSpec: Sendable {
  /// The name, as in umap-learn / hdbscan / scikit-learn.
  public var name: String
  /// Accepted type.
  public var type: ParamType
  /// Default value (`.none` means "none" / computed from the others; see `doc`).
  public var defaultValue: Value
  /// Allowed numeric range, if any.
  public var bounds: Bounds?
  /// One-line description.
  public var doc: String

  /// A parameter.
  public init(_ name: String, _ type: ParamType, _ defaultValue: Value, _ bounds: Bounds? = nil, _ doc: String) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
    self.bounds = bounds
    self.doc = doc
  }
}

/// A positional argument of a command.
public struct ArgSpec: Sendable {
  /// Name used in help and errors.
  public var name: String
  /// Accepted type.
  public var type: ParamType
  /// One-line description.
  public var doc: String
  /// Whether it may be left out.
  public var optional: Bool
  /// Whether it takes all remaining positional arguments (at least one unless optional).
  public var variadic: Bool

  /// A positional argument.
  public init(_ name: String, _ type: ParamType, _ doc: String, optional: Bool = false, variadic: Bool = false) {
    self.name = name
    self.type = type
    self.doc = doc
    self.optional = optional
    self.variadic = variadic
  }
}

/// How the evaluator hands a command its positional arguments.
public enum ArgumentSyntax: Sendable, Equatable {
  /// Evaluated and checked against the `ArgSpec`s (nearly every command).
  case values
  /// As `.values`, except that a bare name is the string of that name, not a variable or a call
  /// (`help umap`: a topic).
  case bareNamesAsStrings
  /// Unevaluated: the command receives the call's syntax in `Invocation.syntax` and evaluates
  /// it itself (`time umap x`: timing the call needs it before it runs).
  case unevaluated
}

/// One entry of the command table: name, summary, arguments, parameters and implementation.
/// Argument checking, evaluation, `help`, tab completion and `docs/commands.md` all read it.
public struct Command: Sendable {
  /// The name typed by users.
  public var name: String
  /// Family for the reference (data, basics, embedding, clustering, scores, plots, session).
  public var group: String
  /// One-line summary.
  public var summary: String
  /// Positional arguments.
  public var args: [ArgSpec]
  /// Keyword parameters.
  public var params: [ParamSpec]
  /// Usage examples shown by `help`.
  public var examples: [String]
  /// How the evaluator passes the positional arguments (evaluated, bare names as strings, or
  /// unevaluated syntax).
  public var syntax: ArgumentSyntax
  /// The implementation.
  public var run: @Sendable (inout Invocation) throws -> Value

  /// A command.
  public init(
    _ name: String, group: String, summary: String, args: [ArgSpec] = [], params: [ParamSpec] = [],
    examples: [String] = [], syntax: ArgumentSyntax = .values, run: @escaping @Sendable (inout Invocation) throws -> Value
  ) {
    self.name = name
    self.group = group
    self.summary = summary
    self.args = args
    self.params = params
    self.examples = examples
    self.syntax = syntax
    self.run = run
  }

  /// A command whose keyword parameters are bound to the fields of an algorithm's parameter
  /// struct (`ParamTable`): `run` receives the struct filled from the call, the struct's own
  /// defaults where a parameter is not given.
  public init<P: Sendable>(
    _ name: String, group: String, summary: String, args: [ArgSpec] = [], parameters: ParamTable<P>,
    examples: [String] = [], run: @escaping @Sendable (inout Invocation, P) throws -> Value
  ) {
    self.init(name, group: group, summary: summary, args: args, params: parameters.specs, examples: examples) { inv in
      try run(&inv, try parameters.fill(inv))
    }
  }

  /// The parameter named `name`.
  public func param(_ name: String) -> ParamSpec? { params.first { $0.name == name } }

  /// Whether a bare use of the name (no arguments) cannot run: some argument is required.
  public var needsArguments: Bool { args.contains { !$0.optional } }

  /// The usage that errors quote (a bare command, a wrong count of positional arguments): `usage`
  /// for a command of at most 3 parameters, else its arguments and `[name=value …]`, with where the
  /// parameters are listed (umap's full usage line runs to about 600 characters).
  public var briefUsage: String {
    if params.count <= 3 { return usage }
    return ([name] + argumentUsage + ["[name=value …] (help \(name) lists its \(params.count) parameters)"]).joined(separator: " ")
  }

  /// `umap DATA [n_neighbors=15] ...` usage line.
  public var usage: String {
    ([name] + argumentUsage + params.map { "[\($0.name)=\(Display.summary($0.defaultValue))]" }).joined(separator: " ")
  }

  /// The positional arguments of a usage line: `DATA`, `[VALUES ...]`.
  private var argumentUsage: [String] {
    args.map { a in
      let s = a.name.uppercased() + (a.variadic ? " ..." : "")
      return a.optional ? "[\(s)]" : s
    }
  }
}

/// An error raised while evaluating, tied to a source range; rendered like a syntax error.
public struct RuntimeError: Error, CustomStringConvertible {
  /// The message.
  public var message: String
  /// Where it happened.
  public var range: SourceRange
  /// Whether it is the user's interrupt (Ctrl-C, a notebook's stop button) ending a step, not a failure:
  /// a `for` loop passes it on as it is, without the loop's variable (the kernel names it `Interrupted`).
  public var interrupted: Bool
  /// An error (`interrupted`: the user's interrupt).
  public init(_ message: String, at range: SourceRange, interrupted: Bool = false) {
    self.message = message
    self.range = range
    self.interrupted = interrupted
  }
  /// The message.
  public var description: String { message }
}

/// The commands known to the language, in registration order.
public struct CommandTable: Sendable {
  /// All commands.
  public private(set) var commands: [Command] = []
  private var index: [String: Int] = [:]

  /// An empty table.
  public init() {}

  /// Adds (or replaces) a command.
  public mutating func register(_ c: Command) {
    if let i = index[c.name] { commands[i] = c } else {
      index[c.name] = commands.count
      commands.append(c)
    }
  }

  /// The command named `name`.
  public subscript(name: String) -> Command? { index[name].map { commands[$0] } }

  /// All names, sorted.
  public var names: [String] { commands.map(\.name).sorted() }

  /// The standard table: every built-in and algorithm command.
  public static let standard: CommandTable = {
    var t = CommandTable()
    registerBasics(&t)
    registerToolkit(&t)
    registerData(&t)
    registerAlgorithms(&t)
    registerNeighborhoods(&t)
    registerValidity(&t)
    registerSweep(&t)
    registerPlot(&t)
    return t
  }()
}

/// Damerau–Levenshtein-style edit distance (optimal string alignment) for "did you mean".
public func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.lowercased()), y = Array(b.lowercased())
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
  for i in 0...x.count { d[i][0] = i }
  for j in 0...y.count { d[0][j] = j }
  for i in 1...x.count {
    for j in 1...y.count {
      let cost = x[i - 1] == y[j - 1] ? 0 : 1
      d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
    }
  }
  return d[x.count][y.count]
}

/// The candidates closest to `name` (prefix matches first, then small edit distance), for
/// messages like "did you mean n_neighbors?".
public func nearestNames(_ name: String, in candidates: [String], limit: Int = 3) -> [String] {
  let scored = candidates.compactMap { c -> (Int, String)? in
    if c.hasPrefix(name) && !name.isEmpty { return (0, c) }
    let d = editDistance(name, c)
    // two edits in a name of three letters or fewer leave too little of it ("zzz" is not "nnz")
    let shorter = min(c.count, name.count)
    let allowed = shorter <= 3 ? 1 : max(2, shorter / 3)
    return d <= allowed ? (d, c) : nil
  }
  return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.1)
}

/// Other tools' names for a parameter, which no spelling distance finds (pandas' sep, R's centers and
/// set.seed, DBSCAN's minPts, "k" for a count), each with the clus names it may stand for, in order.
let parameterSynonyms: [String: [String]] = [
  "sep": ["delimiter"], "separator": ["delimiter"], "k": ["n_clusters", "n_neighbors", "n_components", "min_samples"],
  "centers": ["n_clusters"], "seed": ["random_state", "transform_seed"], "random_seed": ["random_state", "transform_seed"],
  "min_distance": ["min_dist"], "mindist": ["min_dist"], "dim": ["n_components"], "dims": ["n_components"], "n_dim": ["n_components"],
  "n_dims": ["n_components"], "ndim": ["n_components"], "epsilon": ["eps", "cluster_selection_epsilon"], "nn": ["n_neighbors"],
  "neighbors": ["n_neighbors"], "n_neighbours": ["n_neighbors"], "random_state": ["transform_seed"], "eps": ["cluster_selection_epsilon"], "minpts": ["min_samples"], "min_pts": ["min_samples"],
]

/// "; did you mean p?" for an unknown parameter `name` among `candidates`: another tool's name for
/// one of them (`parameterSynonyms`, any case) first, else the nearest spellings (`didYouMean`).
func parameterHint(_ name: String, _ candidates: [String]) -> String {
  // umap-learn's, hdbscan's and scikit-learn's n_jobs: clus's thread count is the run's, not a parameter's
  if ["n_jobs", "core_dist_n_jobs", "n_threads"].contains(name.lowercased()) && !candidates.contains(name) {
    return "; clus's thread count is set for the whole run (--threads N, or CLUS_THREADS), all cores by default, and results are the same for any count"
  }
  // the Python libraries' switches for what clus always does
  let always = ["verbose": "clus shows the progress of long steps by itself (on a terminal or in a notebook)",
                "prediction_data": "every hdbscan result keeps what approximate_predict needs",
                "gen_min_span_tree": "every hdbscan result keeps its trees (.condensed_tree, and the others in its fields)",
                "index_col": "a clus data frame keeps every column as a column (d[\"id\"]) and numbers its rows from 0",
                "dtype": "a CSV's columns are int64, float64, bool or text (categories) as pandas infers them; .data holds the numbers as float32"]
  if let said = always[name.lowercased()], !candidates.contains(name) { return "; \(said)" }
  if let same = parameterSynonyms[name.lowercased()]?.first(where: candidates.contains) { return "; did you mean \(same)?" }
  return didYouMean(name, candidates)
}

/// " (did you mean a, b?)" or "".
func didYouMean(_ name: String, _ candidates: [String]) -> String {
  let near = nearestNames(name, in: candidates)
  if near.isEmpty { return "" }
  return "; did you mean " + near.map { $0 }.joined(separator: " or ") + "?"
}
