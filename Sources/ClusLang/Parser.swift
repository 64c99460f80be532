/// Parses clus source into a `Program`.
///
/// Grammar (loosest to tightest):
/// ```
/// program    := statements EOF
/// statements := (statement? (NEWLINE | ';'))*
/// statement  := NAME '=' expr | 'for' NAME 'in' expr '{' statements '}' | expr
/// expr       := and ('or' and)*
/// and        := not ('and' not)*
/// not        := 'not' not | comparison
/// comparison := additive (('=='|'!='|'<'|'<='|'>'|'>=') additive)?     -- not chainable
/// additive   := term (('+'|'-') term)*
/// term       := unary (('*'|'/') unary)*
/// unary      := ('-'|'+') unary | call | postfix
/// call       := NAME argument* (NAME '=' kwvalue)*
/// argument   := postfix | ('-'|'+') postfix  -- the signed form only under the rule below
/// kwvalue    := ('-'|'+')* postfix
/// postfix    := primary ('.' NAME | '[' index ']')*   -- '[' directly after its base, no space
/// index      := item (',' item)?
/// item       := expr | expr? ':' expr?
/// primary    := INT | FLOAT | STRING | 'true' | 'false' | 'none' | NAME
///             | '(' expr ')' | '[' (expr (',' expr)* ','?)? ']'
/// ```
///
/// Command calls are written by juxtaposition: `umap x n_neighbors=30 min_dist=0`. A call starts
/// where a name stands at the start of an operand (statement start, after `=`, an operator, `not`,
/// `(`, `[` or `,`) and the next token can start an argument:
/// - a name, a number, a string, `true`, `false`, `none` or `(`;
/// - a `[` with whitespace before it (`f [1, 2]` passes a list; `m[1]` indexes `m`);
/// - a `-` (or `+`) with whitespace before it and none after it, directly followed by an operand
///   (a number, a name, a string, `true`, `false`, `none`, `(` or `[`): `f -1`, `f x -y`,
///   `print +3` and `exit -(x)` pass signed arguments, while `a - 1` and `a-1` are subtractions
///   (`f - (x)` too: it never runs `f` and then subtracts);
/// - `name=` (a keyword argument).
///
/// Arguments are postfix expressions (`umap mnist.data`, `score l[c] y[c]`); a nested call needs
/// parentheses (`score (hdbscan e min_cluster_size=500) y`). Positional arguments come first, then
/// keyword arguments. The argument list ends at the first token that cannot start an argument
/// (an operator, `)`, `]`, `,`, `;`, a line break, end of input). A call with arguments directly
/// followed by a binary operator (`count l == 1`, `mean l >= 0`, `print 1 + 1`, `f k=n + 1`) is an
/// error that shows both readings (`(count l) == 1` or `count (l == 1)`): it never silently means
/// one of them. A call ending an operand is fine (`a + f x`, `not f x`, `[f x, g y]`, `m[f x]`).
/// A keyword value is likewise a postfix expression, optionally signed (`seed=-1`, `p=+inf`); an operator
/// glued to it (`k=n+1`) is an error asking for `k=(n+1)`. A negative literal is
/// `Expr.unary(.neg, .int(1))`. A name alone is `Expr.name` (the evaluator decides whether it is a
/// variable or a command without arguments).
///
/// `for` and `in` are words only where a loop starts (`for k in [5, 10] { ... }` at the start of a
/// statement); elsewhere they are names. The body's statements separate by line breaks or `;` as
/// at top level; loops nest.
///
/// Depth is bounded so that no input can exhaust the stack while parsing, evaluating or freeing a
/// tree: brackets, prefix operators and nested calls at most `maxNesting` levels, and a whole
/// expression tree at most `maxTreeDepth` levels, where each operator of a chain such as
/// `1 + 1 + … + 1` is one level (the parser stops the chain as soon as it gets too deep).
public struct Parser {
  // The parser's state and token helpers are internal, not private, for the extensions in
  // Parser+Expressions.swift and Parser+Operands.swift; nothing outside the parser uses them.
  var toks: [Token]
  var pos = 0
  /// Indices of opening brackets that are never closed in the whole input.
  var unmatched: Set<Int> = []
  /// Indices of the brackets the parser is inside (innermost last).
  var openStack: [Int] = []
  /// Current nesting of expressions and prefix operators (bounded to keep recursion shallow).
  var depth = 0
  /// The source as UTF-8 bytes, to quote parts of it in messages.
  let bytes: [UInt8]
  /// The first command call followed by a binary operator in the expression being parsed.
  var ambiguity: Ambiguity?
  /// The deepest nesting of brackets, prefix operators and calls the parser accepts.
  public static let maxNesting = 200
  /// The deepest expression tree accepted (each operator of a chain counts as one level); the
  /// evaluator recurses once per level.
  public static let maxTreeDepth = 1000

  /// A call with arguments followed by a binary operator: `count l == 1`.
  struct Ambiguity {
    /// Start of the call (its name).
    var call: SourceLocation
    /// Where the call's last argument starts (after `key=` for a keyword argument).
    var lastArgument: SourceLocation
    /// The operator token.
    var op: SourceRange
  }

  private init(tokens: [Token], text: String) {
    toks = tokens
    bytes = Array(text.utf8)
    var stack: [Int] = []
    for (k, t) in tokens.enumerated() {
      if t.isOpener {
        stack.append(k)
      } else if t.isCloser, let top = stack.last,
        (toks[top].kind == .lparen) == (t.kind == .rparen)
      {
        stack.removeLast()
      }
    }
    unmatched = Set(stack)
  }

  /// Parses a whole file.
  ///
  /// - Throws: the first lexical or syntax error as a `Diagnostic` with the exact range of the
  ///   offending text (`Diagnostic.render(in: file)` shows it with a caret). First in the file:
  ///   a syntax error in a statement that ends before a lexical error is reported, not the lexical
  ///   error after it (as Python, whose tokenizer runs as the parser reads).
  public static func parse(_ file: SourceFile) throws -> Program {
    let scanned = Lexer.scan(file.text)
    if let lexical = scanned.error {
      // a lexical error inside a bracket opened on an earlier line and never closed: the bracket is the
      // error (as Python says "'[' was never closed"; the bad character is often a sign of it)
      if let open = unclosedBracket(before: lexical, scanned.tokens, text: file.text) {
        throw Diagnostic(.error, "unclosed '\(open.text)'", at: open.range)
      }
      // the complete statements before the lexical error: up to the last line break or `;` outside
      // every bracket (a cut inside one would make an unclosed bracket the error)
      var depth = 0, cut = 0
      for (k, t) in scanned.tokens.enumerated() {
        switch t.kind {
        case .lparen, .lbracket, .lbrace: depth += 1
        case .rparen, .rbracket, .rbrace: depth = max(0, depth - 1)  // a stray closer is the parser's error
        case .newline where depth == 0, .semicolon where depth == 0: cut = k + 1
        default: break
        }
      }
      if cut > 0 {
        let end = scanned.tokens[cut - 1].range.end
        let eof = Token(kind: .eof, range: SourceRange(end, end), text: "", spaceBefore: true)
        var p = Parser(tokens: Array(scanned.tokens[..<cut]) + [eof], text: file.text)
        do { _ = try p.parseProgram() } catch let d as Diagnostic where d.range.start < lexical.range.start { throw d } catch {}
      }
      throw lexical
    }
    var p = Parser(tokens: scanned.tokens, text: file.text)
    return try p.parseProgram()
  }

  /// The innermost bracket open at a lexical error, when it was opened on an earlier line and the rest of
  /// the text (scanned past each further lexical error) never closes it; else nil.
  private static func unclosedBracket(before lexical: Diagnostic, _ tokens: [Token], text: String) -> Token? {
    var stack: [Token] = []
    for t in tokens {
      switch t.kind {
      case .lparen, .lbracket, .lbrace: stack.append(t)
      case .rparen, .rbracket, .rbrace: if !stack.isEmpty { stack.removeLast() }
      default: break
      }
    }
    guard let open = stack.last, open.range.start.line < lexical.range.start.line else { return nil }
    // the brackets after the error: closed when the depth falls below the innermost's
    // the text after an error's range (at least one Unicode scalar after its start)
    func after(_ s: Substring, _ e: Diagnostic) -> Substring {
      let scalars = s.unicodeScalars
      var i = s.utf8.index(s.startIndex, offsetBy: min(max(e.range.start.offset, 0), s.utf8.count))
      i = scalars.index(i, offsetBy: i < scalars.endIndex ? 1 : 0)
      let end = s.utf8.index(s.startIndex, offsetBy: min(max(e.range.end.offset, 0), s.utf8.count))
      return s[max(i, end)...]
    }
    var depth = 0
    var rest = after(Substring(text), lexical)
    for _ in 0..<1000 {
      let r = Lexer.scan(String(rest))
      for t in r.tokens {
        switch t.kind {
        case .lparen, .lbracket, .lbrace: depth += 1
        case .rparen, .rbracket, .rbrace:
          depth -= 1
          if depth < 0 { return nil }
        default: break
        }
      }
      guard let e = r.error else { return open }
      let next = after(rest, e)
      if next.isEmpty { return open }
      rest = next
    }
    return nil
  }

  /// For the REPL: false when the input ends while a `(` or `[` is still open or inside a string,
  /// so another line should be read and appended (with a line break) before parsing. True otherwise,
  /// including when the input has an error that more text cannot fix (then `parse` reports it).
  public static func isComplete(_ source: String) -> Bool {
    let r = Lexer.scan(source)
    if r.openString != nil { return false }
    if r.error != nil || r.strayCloser { return true }
    return r.openBrackets.isEmpty
  }

  // MARK: - Token access

  var cur: Token { toks[pos] }
  func peek(_ k: Int) -> Token { toks[min(pos + k, toks.count - 1)] }
  mutating func advance() { if pos < toks.count - 1 { pos += 1 } }
  /// End of the last consumed token.
  var lastEnd: SourceLocation { pos > 0 ? toks[pos - 1].range.end : toks[0].range.start }

  func error(_ message: String, _ range: SourceRange) -> Diagnostic {
    Diagnostic(.error, message, at: range)
  }

  /// Where to point when something is missing: the current token, or just after the previous
  /// token when the current one is a line break, `;` or end of input.
  var missingRange: SourceRange {
    switch cur.kind {
    case .newline, .semicolon, .eof:
      if pos > 0 { return SourceRange(lastEnd, lastEnd) }
      return cur.range
    default: return cur.range
    }
  }

  // MARK: - Statements

  private mutating func parseProgram() throws -> Program {
    let (stmts, quiet) = try parseStatements(inBraces: false)
    return Program(statements: stmts, quiet: quiet)
  }

  /// Statements up to end of input, or up to (not past) the `}` closing a loop's body.
  private mutating func parseStatements(inBraces: Bool) throws -> ([Stmt], Set<Int>) {
    var stmts: [Stmt] = []
    var quiet = Set<Int>()
    let end: TokenKind = inBraces ? .rbrace : .eof
    while true {
      while cur.kind == .newline || cur.kind == .semicolon { advance() }
      if cur.kind == end || cur.kind == .eof { break }
      let s = try parseStatement()
      stmts.append(s)
      switch cur.kind {
      case .semicolon:
        // `x;` at the end of a line: the value is not displayed
        if [TokenKind.newline, .eof, end].contains(peek(1).kind) { quiet.insert(stmts.count - 1) }
        advance()
      case .newline: advance()
      case .eof: break
      case end: break
      default: throw endOfStatementError(s)
      }
    }
    return (stmts, quiet)
  }

  /// Whether a `for` loop starts here: `for NAME in`.
  private var atForLoop: Bool {
    guard case .identifier("for") = cur.kind, peek(1).isIdentifier else { return false }
    return peek(2).kind == .identifier("in")
  }

  /// `for NAME in expr { statements }`.
  private mutating func parseForLoop() throws -> Stmt {
    let start = cur.range.start
    try enter()
    defer { depth -= 1 }
    advance()  // for
    guard case .identifier(let name) = cur.kind else { preconditionFailure("checked by atForLoop") }
    let nameRange = cur.range
    advance()
    advance()  // in
    let sequence = try parseExpr()
    try checkTreeDepth(sequence.depth, at: sequence.range)
    guard cur.kind == .lbrace else {
      throw error("expected '{' after the list of a for loop: for \(name) in [1, 2] { ... }", missingRange)
    }
    let open = cur
    advance()
    let (body, quiet) = try parseStatements(inBraces: true)
    guard cur.kind == .rbrace else { throw error("unclosed '{'", open.range) }
    advance()
    return .forLoop(
      name: name, nameRange: nameRange, sequence: sequence, body: body, quiet: quiet, range: SourceRange(start, lastEnd))
  }

  private mutating func parseStatement() throws -> Stmt {
    if atForLoop { return try parseForLoop() }
    if case .identifier(let name) = cur.kind, peek(1).kind == .assign {
      let nameTok = cur
      advance()
      advance()
      if cur.isIdentifier && peek(1).kind == .assign {
        throw error("assignments cannot be chained", peek(1).range)
      }
      let value = try parseExpr()
      try checkTreeDepth(value.depth, at: value.range)
      return .assign(name: name, nameRange: nameTok.range, value: value, range: SourceRange(nameTok.range.start, lastEnd))
    }
    let e = try parseExpr()
    try checkTreeDepth(e.depth, at: e.range)
    return .expr(e)
  }

  private func endOfStatementError(_ s: Stmt) -> Diagnostic {
    switch cur.kind {
    case .assign:
      if case .expr(let e) = s {
        return error("cannot assign to this expression; only a name can be assigned", e.range)
      }
      return error("unexpected '='", cur.range)
    case .identifier, .int, .float, .string, .kwTrue, .kwFalse, .kwNone, .lparen, .lbracket:
      var hint = ""
      if case .expr(let e) = s, case .call = e {
      } else if case .assign(_, _, let v, _) = s, case .call = v {
      } else if case .forLoop = s {
      } else {
        hint = " (only a command name can take arguments)"
      }
      return error("unexpected \(cur.describe)\(hint)", cur.range)
    default:
      return error("unexpected \(cur.describe)", cur.range)
    }
  }
}
