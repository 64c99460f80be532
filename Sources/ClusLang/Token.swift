/// The kind of a lexical token, with its value for literals and identifiers.
///
/// Reserved words (`true`, `false`, `none`, `and`, `or`, `not`) have their own kinds and are never
/// identifiers.
public enum TokenKind: Sendable, Equatable {
  /// A name: `[A-Za-z_][A-Za-z0-9_]*` that is not a reserved word.
  case identifier(String)
  /// An integer literal (`42`, `70_000`), underscores removed.
  case int(Int)
  /// A floating-point literal (`1.5`, `1e-3`, `.5`).
  case float(Double)
  /// A string literal (double or single quotes) with escapes resolved.
  case string(String)
  /// `true`.
  case kwTrue
  /// `false`.
  case kwFalse
  /// `none`.
  case kwNone
  /// `and`.
  case kwAnd
  /// `or`.
  case kwOr
  /// `not`.
  case kwNot
  /// `(`.
  case lparen
  /// `)`.
  case rparen
  /// `[`.
  case lbracket
  /// `]`.
  case rbracket
  /// `{` (opens a `for` loop's body).
  case lbrace
  /// `}`.
  case rbrace
  /// `,`.
  case comma
  /// `;` (statement separator).
  case semicolon
  /// `:` (slices).
  case colon
  /// `.` (field access).
  case dot
  /// `=` (assignment or keyword argument).
  case assign
  /// `==`.
  case eq
  /// `!=`.
  case ne
  /// `<`.
  case lt
  /// `<=`.
  case le
  /// `>`.
  case gt
  /// `>=`.
  case ge
  /// `+`.
  case plus
  /// `-`.
  case minus
  /// `*`.
  case star
  /// `**` (power).
  case starStar
  /// `/`.
  case slash
  /// A line break outside brackets (statement separator). Line breaks while a `(` or `[` is open
  /// produce no token (inside a `{` they separate statements again).
  case newline
  /// End of input (always the last token).
  case eof
}

/// A token: its kind, exact source range, source text and whether whitespace precedes it.
public struct Token: Sendable, Equatable {
  /// What the token is.
  public var kind: TokenKind
  /// Where it stands (`[start, end)`; the `newline` token covers the `\n`, `eof` is empty).
  public var range: SourceRange
  /// The exact source text (quotes and escapes included for strings; "" for `eof`).
  public var text: String
  /// True when whitespace, a comment, a line break or the start of input comes directly before the
  /// token. The parser uses it for juxtaposition rules (`f -1` vs `a-1`, `m[i]` vs `f [1, 2]`).
  public var spaceBefore: Bool

  /// A token.
  public init(kind: TokenKind, range: SourceRange, text: String, spaceBefore: Bool) {
    self.kind = kind
    self.range = range
    self.text = text
    self.spaceBefore = spaceBefore
  }

  /// A short description for error messages: `identifier 'x'`, `number '42'`, `')'`, `end of line`.
  public var describe: String {
    switch kind {
    case .identifier(let n): return "identifier '\(n)'"
    case .int, .float: return "number '\(text)'"
    case .string: return "string literal"
    case .newline: return "end of line"
    case .eof: return "end of input"
    default: return "'\(text)'"
    }
  }

  /// True for `(` and `[`.
  var isOpener: Bool { kind == .lparen || kind == .lbracket }
  /// True for `)` and `]`.
  var isCloser: Bool { kind == .rparen || kind == .rbracket }
  /// True for an identifier.
  var isIdentifier: Bool {
    if case .identifier = kind { return true }
    return false
  }
  /// True for a literal token (number, string, `true`, `false`, `none`).
  var isLiteral: Bool {
    switch kind {
    case .int, .float, .string, .kwTrue, .kwFalse, .kwNone: return true
    default: return false
    }
  }
  /// The binary operator this token stands for, if any.
  var binaryOp: BinaryOp? {
    switch kind {
    case .kwOr: return .or
    case .kwAnd: return .and
    case .eq: return .eq
    case .ne: return .ne
    case .lt: return .lt
    case .le: return .le
    case .gt: return .gt
    case .ge: return .ge
    case .plus: return .add
    case .minus: return .sub
    case .star: return .mul
    case .starStar: return .pow
    case .slash: return .div
    default: return nil
    }
  }
}
