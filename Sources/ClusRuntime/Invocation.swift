import ClusAlgorithms
import ClusLang

/// What a command's implementation receives: checked arguments with defaults filled in, the
/// session, and the algorithm context (threads, cancellation, progress, warnings).
///
/// Keyword parameters are read by name only through the accessors below (`int`, `double`,
/// `string`, `value`, `isGiven`, …), which throw `CommandDefinitionError` when the name is not
/// declared in the command's table entry or the value is not of the type asked for: a misspelt
/// name in a command's code fails its call (and `CommandTableTests`), never reads a silent default.
public struct Invocation {
  /// The command's name (for `CommandDefinitionError`).
  public let command: String
  /// Positional values (records already resolved where an array type is declared).
  public var args: [Value]
  /// Every declared keyword parameter, defaults filled in.
  private let kwargs: [String: Value]
  /// Which keyword parameters the user gave explicitly.
  private let given: Set<String>
  /// The session running the command.
  public unowned var session: Session
  /// Context for the algorithms.
  public var context: RunContext
  /// Unresolved positional values (records intact) for commands that want them.
  public var rawArgs: [Value]
  /// The call's syntax, unevaluated, for a command whose table entry says `.unevaluated`
  /// (`time`); nil for the others.
  public var syntax: (args: [Expr], kwargs: [KeywordArg], range: SourceRange)?
  /// Whether the statement running the command binds its value to a name (`f = plot ...`), so
  /// that `plot` draws nothing unless asked with `out=`.
  public var resultIsBound: Bool

  /// An invocation of `command` with checked values.
  public init(
    command: String, args: [Value], kwargs: [String: Value], given: Set<String>, session: Session,
    context: RunContext, rawArgs: [Value], syntax: (args: [Expr], kwargs: [KeywordArg], range: SourceRange)? = nil,
    resultIsBound: Bool = false
  ) {
    self.command = command
    self.args = args
    self.kwargs = kwargs
    self.given = given
    self.session = session
    self.context = context
    self.rawArgs = rawArgs
    self.syntax = syntax
    self.resultIsBound = resultIsBound
  }

  /// The values of every keyword parameter (given or default), in no particular order.
  public var parameterValues: [Value] { Array(kwargs.values) }

  /// Parameter `name` as checked by the table (the default when not given).
  /// - Throws: `CommandDefinitionError` when the table entry does not declare `name`.
  public func value(_ name: String) throws -> Value {
    guard let v = kwargs[name] else { throw CommandDefinitionError(command: command, parameter: name, problem: nil) }
    return v
  }
  /// Whether the user gave parameter `name` explicitly.
  /// - Throws: `CommandDefinitionError` when the table entry does not declare `name`.
  public func isGiven(_ name: String) throws -> Bool {
    _ = try value(name)
    return given.contains(name)
  }

  /// Parameter `name` converted by `extract`, which gives nil when the value is not of the
  /// `type` asked for.
  private func read<T>(_ name: String, as type: String, _ extract: (Value) -> T?) throws -> T {
    let v = try value(name)
    if let x = extract(v) { return x }
    throw CommandDefinitionError(command: command, parameter: name, problem: "as \(type), but its value is \(Display.summary(v)) (\(v.kindName))")
  }
  /// nil when parameter `name` is `none`, else what `read` gives.
  private func unlessNone<T>(_ name: String, _ read: (String) throws -> T) throws -> T? {
    if case .none = try value(name) { return nil }
    return try read(name)
  }

  /// Parameter `name` as an Int.
  /// - Throws: `CommandDefinitionError` when it is not declared or not an integer.
  public func int(_ name: String) throws -> Int {
    try read(name, as: "an integer") { if case .int(let i) = $0 { return i }; return nil }
  }
  /// Parameter `name` as an Int, nil when `none`.
  /// - Throws: `CommandDefinitionError` when it is not declared or neither an integer nor `none`.
  public func optionalInt(_ name: String) throws -> Int? { try unlessNone(name, int) }
  /// Parameter `name` as a Double (an integer is converted).
  /// - Throws: `CommandDefinitionError` when it is not declared or not a number.
  public func double(_ name: String) throws -> Double {
    try read(name, as: "a number") {
      switch $0 {
      case .float(let d): return d
      case .int(let i): return Double(i)
      default: return nil
      }
    }
  }
  /// Parameter `name` as a Double, nil when `none`.
  /// - Throws: `CommandDefinitionError` when it is not declared or neither a number nor `none`.
  public func optionalDouble(_ name: String) throws -> Double? { try unlessNone(name, double) }
  /// Parameter `name` as a String.
  /// - Throws: `CommandDefinitionError` when it is not declared or not a string.
  public func string(_ name: String) throws -> String {
    try read(name, as: "a string") { if case .string(let s) = $0 { return s }; return nil }
  }
  /// Parameter `name` as a String, nil when `none`.
  /// - Throws: `CommandDefinitionError` when it is not declared or neither a string nor `none`.
  public func optionalString(_ name: String) throws -> String? { try unlessNone(name, string) }
  /// Parameter `name` as a Bool.
  /// - Throws: `CommandDefinitionError` when it is not declared or not `true`/`false`.
  public func bool(_ name: String) throws -> Bool {
    try read(name, as: "true or false") { if case .bool(let b) = $0 { return b }; return nil }
  }
  /// A seed parameter (an integer ≥ 0, checked by the table): nil for `none`.
  /// - Throws: `CommandDefinitionError` when it is not declared or neither an integer ≥ 0 nor `none`.
  public func seed(_ name: String = "random_state") throws -> UInt64? {
    try unlessNone(name) { n in
      try read(n, as: "a seed (an integer ≥ 0)") { if case .int(let i) = $0 { return UInt64(exactly: i) }; return nil }
    }
  }
  /// Parameter `name` as a matrix, nil when it is something else (a string or `none`).
  /// - Throws: `CommandDefinitionError` when it is not declared.
  public func optionalMatrix(_ name: String) throws -> Matrix? {
    if case .matrix(let m) = try value(name) { return m }
    return nil
  }

  /// Positional `i` as a matrix (checked by the table).
  public func matrix(_ i: Int) -> Matrix {
    if case .matrix(let m) = args[i] { return m }
    return Matrix(rows: 0, cols: 0)
  }
  /// Positional `i` as labels (checked by the table).
  public func labels(_ i: Int) -> [Int] {
    if case .labels(let l) = args[i] { return l }
    return []
  }
  /// Sends a warning to the session (stderr).
  public func warn(_ message: String) { context.warn(message) }
}

/// A command's code read a keyword parameter that its table entry does not declare, or read one
/// as a type its value does not have: a mistake in the command's definition, never in the
/// user's call. The evaluator reports it as an error of the call; `CommandTableTests` runs every
/// command and parameter so that such a read fails the tests.
public struct CommandDefinitionError: Error, CustomStringConvertible {
  /// The command whose code made the read.
  public var command: String
  /// The parameter name it read.
  public var parameter: String
  /// What was wrong when the name is declared (the type asked for and the value); nil when the
  /// name is not declared.
  public var problem: String?

  /// `internal error: umap reads parameter 'n_neigbors', which its table entry does not declare`.
  public var description: String {
    if let p = problem { return "internal error: \(command) reads parameter '\(parameter)' \(p)" }
    return "internal error: \(command) reads parameter '\(parameter)', which its table entry does not declare"
  }
}
