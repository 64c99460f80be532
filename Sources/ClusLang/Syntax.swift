/// A position in source text: 1-based line and column (columns count Unicode scalars), and the
/// 0-based offset in UTF-8 bytes.
public struct SourceLocation: Sendable, Equatable, Hashable, Comparable {
  /// 1-based line number.
  public var line: Int
  /// 1-based column (Unicode scalars from the start of the line).
  public var column: Int
  /// 0-based UTF-8 byte offset from the start of the source.
  public var offset: Int
  /// A location.
  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }
  /// Orders by offset.
  public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
}

/// A half-open range of source text `[start, end)`, which every syntax node keeps.
public struct SourceRange: Sendable, Equatable, Hashable {
  /// First character of the range.
  public var start: SourceLocation
  /// One past the last character.
  public var end: SourceLocation
  /// A range.
  public init(_ start: SourceLocation, _ end: SourceLocation) {
    self.start = start
    self.end = end
  }
  /// The smallest range covering both.
  public func union(_ o: SourceRange) -> SourceRange {
    SourceRange(Swift.min(start, o.start), Swift.max(end, o.end))
  }
}

/// Binary operators, loosest first: `or`; `and`; comparisons; `+ -`; `* /`; then `**` (power), which
/// binds tighter than a unary minus on its left and groups to the right, as in Python (`-2 ** 2` is −4,
/// `2 ** 3 ** 2` is 512, `2 ** -1` is 0.5).
public enum BinaryOp: String, Sendable, Equatable {
  case or, and
  case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
  case add = "+", sub = "-", mul = "*", div = "/"
  case pow = "**"
}

/// Unary operators: arithmetic negation, unary plus (a number, vector or matrix unchanged, as
/// Python's `+x`) and logical `not`.
public enum UnaryOp: String, Sendable, Equatable {
  case neg = "-"
  case pos = "+"
  case not
}

/// One part of an index expression `m[...]`: a full expression, or a slice `a:b` (either bound
/// may be absent; `:` alone selects all).
public indirect enum IndexItem: Sendable, Equatable {
  /// `m[e]`: an integer, a mask or an index vector.
  case expr(Expr)
  /// `m[lo:hi]`, `m[:hi]`, `m[lo:]`, `m[:]`.
  case slice(lo: Expr?, hi: Expr?, range: SourceRange)
}

/// A keyword argument `name=value` of a command call.
public struct KeywordArg: Sendable, Equatable {
  /// The parameter name.
  public var name: String
  /// Where the name stands (for "unknown parameter" errors).
  public var nameRange: SourceRange
  /// The value expression.
  public var value: Expr
  /// A keyword argument.
  public init(name: String, nameRange: SourceRange, value: Expr) {
    self.name = name
    self.nameRange = nameRange
    self.value = value
  }
}

/// An expression node with its source range.
public indirect enum Expr: Sendable, Equatable {
  /// An integer literal.
  case int(Int, SourceRange)
  /// A floating-point literal (`1.5`, `1e-3`, `.5`).
  case float(Double, SourceRange)
  /// A string literal, escapes resolved.
  case string(String, SourceRange)
  /// `true` / `false`.
  case bool(Bool, SourceRange)
  /// `none`.
  case none(SourceRange)
  /// A list literal `[a, b, c]`.
  case list([Expr], SourceRange)
  /// A variable reference (or a command used without arguments, resolved at run time).
  case name(String, SourceRange)
  /// A command call by juxtaposition: `cmd pos1 pos2 key=value`. `nameRange` covers the command name.
  case call(name: String, nameRange: SourceRange, args: [Expr], kwargs: [KeywordArg], range: SourceRange)
  /// `lhs op rhs`.
  case binary(BinaryOp, Expr, Expr, SourceRange)
  /// `op operand`.
  case unary(UnaryOp, Expr, SourceRange)
  /// `base[items]` (one item for vectors/rows, two for `m[rows, cols]`).
  case index(Expr, [IndexItem], SourceRange)
  /// `base.field`.
  case field(Expr, String, fieldRange: SourceRange, range: SourceRange)

  /// The node's source range.
  public var range: SourceRange {
    switch self {
    case .int(_, let r), .float(_, let r), .string(_, let r), .bool(_, let r), .none(let r),
      .list(_, let r), .name(_, let r), .binary(_, _, _, let r), .unary(_, _, let r),
      .index(_, _, let r):
      return r
    case .call(_, _, _, _, let r): return r
    case .field(_, _, _, let r): return r
    }
  }
}

/// A statement: a binding `name = expr` (displays nothing), a bare expression (its value is
/// displayed, as a notebook cell shows its last value) or a `for` loop.
public enum Stmt: Sendable, Equatable {
  /// `name = value`.
  case assign(name: String, nameRange: SourceRange, value: Expr, range: SourceRange)
  /// A bare expression.
  case expr(Expr)
  /// `for name in sequence { body }`: runs `body` once per item of `sequence` with `name` bound to
  /// it. `quiet` holds the indices of body statements ending their line with `;`.
  case forLoop(name: String, nameRange: SourceRange, sequence: Expr, body: [Stmt], quiet: Set<Int>, range: SourceRange)

  /// The statement's source range.
  public var range: SourceRange {
    switch self {
    case .assign(_, _, _, let r): return r
    case .expr(let e): return e.range
    case .forLoop(_, _, _, _, _, let r): return r
    }
  }
}

/// A parsed program: statements in order.
public struct Program: Sendable, Equatable {
  /// The statements.
  public var statements: [Stmt]
  /// Indices of the statements whose line ends with `;` right after them: their value is not
  /// displayed (IPython's trailing semicolon).
  public var quiet: Set<Int> = []
  /// A program.
  public init(statements: [Stmt], quiet: Set<Int> = []) {
    self.statements = statements
    self.quiet = quiet
  }
}

extension Expr {
  /// The depth of the tree (a leaf is 1), computed without recursion so any tree is safe to measure.
  public var depth: Int {
    var stack: [(Expr, Int)] = [(self, 1)]
    var deepest = 0
    while let (x, d) = stack.popLast() {
      deepest = max(deepest, d)
      switch x {
      case .list(let items, _): for i in items { stack.append((i, d + 1)) }
      case .call(_, _, let args, let kw, _):
        for a in args { stack.append((a, d + 1)) }
        for k in kw { stack.append((k.value, d + 1)) }
      case .binary(_, let l, let r, _): stack.append((l, d + 1)); stack.append((r, d + 1))
      case .unary(_, let a, _): stack.append((a, d + 1))
      case .index(let b, let items, _):
        stack.append((b, d + 1))
        for it in items {
          switch it {
          case .expr(let x): stack.append((x, d + 1))
          case .slice(let lo, let hi, _):
            if let lo = lo { stack.append((lo, d + 1)) }
            if let hi = hi { stack.append((hi, d + 1)) }
          }
        }
      case .field(let b, _, _, _): stack.append((b, d + 1))
      default: break
      }
    }
    return deepest
  }
}
