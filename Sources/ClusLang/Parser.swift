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
/// unary      := '-' unary | call | postfix
/// call       := NAME argument* (NAME '=' kwvalue)*
/// argument   := postfix | '-' postfix        -- the '-' form only under the rule below
/// kwvalue    := '-'* postfix
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
/// - a `-` with whitespace before it and none after it, directly followed by a number or a name:
///   `f -1` and `f x -y` pass negative arguments, while `a - 1` and `a-1` are subtractions
///   (`f -(x)` is `f - (x)`: parenthesise, `f (-x)`);
/// - `name=` (a keyword argument).
///
/// Arguments are postfix expressions (`umap mnist.data`, `score l[c] y[c]`); a nested call needs
/// parentheses (`score (hdbscan e min_cluster_size=500) y`). Positional arguments come first, then
/// keyword arguments. The argument list ends at the first token that cannot start an argument
/// (an operator, `)`, `]`, `,`, `;`, a line break, end of input). A call with arguments directly
/// followed by a binary operator (`count l == 1`, `mean l >= 0`, `print 1 + 1`, `f k=n + 1`) is an
/// error that shows both readings (`(count l) == 1` or `count (l == 1)`): it never silently means
/// one of them. A call ending an operand is fine (`a + f x`, `not f x`, `[f x, g y]`, `m[f x]`).
/// A keyword value is likewise a postfix expression, optionally negated (`seed=-1`); an operator
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
  private var toks: [Token]
  private var pos = 0
  /// Indices of opening brackets that are never closed in the whole input.
  private var unmatched: Set<Int> = []
  /// Indices of the brackets the parser is inside (innermost last).
  private var openStack: [Int] = []
  /// Current nesting of expressions and prefix operators (bounded to keep recursion shallow).
  private var depth = 0
  /// The source as UTF-8 bytes, to quote parts of it in messages.
  private let bytes: [UInt8]
  /// The first command call followed by a binary operator in the expression being parsed.
  private var ambiguity: Ambiguity?
  /// The deepest nesting of brackets, prefix operators and calls the parser accepts.
  public static let maxNesting = 200
  /// The deepest expression tree accepted (each operator of a chain counts as one level); the
  /// evaluator recurses once per level.
  public static let maxTreeDepth = 1000

  /// A call with arguments followed by a binary operator: `count l == 1`.
  private struct Ambiguity {
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
  ///   offending text (`Diagnostic.render(in: file)` shows it with a caret).
  public static func parse(_ file: SourceFile) throws -> Program {
    let tokens = try Lexer.tokenize(file.text)
    var p = Parser(tokens: tokens, text: file.text)
    return try p.parseProgram()
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

  private var cur: Token { toks[pos] }
  private func peek(_ k: Int) -> Token { toks[min(pos + k, toks.count - 1)] }
  private mutating func advance() { if pos < toks.count - 1 { pos += 1 } }
  /// End of the last consumed token.
  private var lastEnd: SourceLocation { pos > 0 ? toks[pos - 1].range.end : toks[0].range.start }

  private func error(_ message: String, _ range: SourceRange) -> Diagnostic {
    Diagnostic(.error, message, at: range)
  }

  /// Where to point when something is missing: the current token, or just after the previous
  /// token when the current one is a line break, `;` or end of input.
  private var missingRange: SourceRange {
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

  // MARK: - Expressions

  private mutating func parseExpr() throws -> Expr {
    try enter()
    let outer = ambiguity
    ambiguity = nil
    defer {
      depth -= 1
      ambiguity = outer
    }
    let e = try parseOr()
    if let a = ambiguity { throw ambiguityError(a, end: lastEnd) }
    return e
  }

  private mutating func enter() throws {
    depth += 1
    if depth > Parser.maxNesting {
      throw error("expression nested too deeply (limit \(Parser.maxNesting) levels of brackets, prefix operators and calls)", cur.range)
    }
  }

  /// Refuses a tree deeper than `maxTreeDepth`.
  private func checkTreeDepth(_ d: Int, at range: SourceRange) throws {
    if d > Parser.maxTreeDepth {
      throw error(
        "expression nested too deeply (limit \(Parser.maxTreeDepth) levels, each operator of a chain counting as one); split it into several statements",
        range)
    }
  }

  /// The source text in `[a, b)` on one line (each run of white space, line breaks included, as one space).
  private func text(_ a: SourceLocation, _ b: SourceLocation) -> String {
    let lo = max(0, min(a.offset, bytes.count)), hi = max(lo, min(b.offset, bytes.count))
    var out = ""
    var space = false
    for ch in String(decoding: bytes[lo..<hi], as: UTF8.self) {
      if ch.isWhitespace {
        space = true
      } else {
        if space { out.append(" ") }
        space = false
        out.append(ch)
      }
    }
    return space ? out + " " : out
  }

  /// "write (count l) == 1 or count (l == 1)", pointing at the operator.
  private func ambiguityError(_ a: Ambiguity, end: SourceLocation) -> Diagnostic {
    var callText = text(a.call, a.op.start)
    if callText.hasSuffix(" ") { callText.removeLast() }
    let rest = text(a.op.start, end)
    let first = "(\(callText)) \(rest)"
    let second = "\(text(a.call, a.lastArgument))(\(text(a.lastArgument, end)))"
    return error(
      "a command call before an operator is ambiguous (its arguments end at the operator): write \(first) or \(second)",
      a.op)
  }

  /// After a binary operator token that continues a chain whose tree is now `height` deep.
  private func checkChain(_ height: Int, _ opRange: SourceRange) throws {
    if height > Parser.maxTreeDepth { try checkTreeDepth(height, at: opRange) }
  }

  private mutating func parseOr() throws -> Expr {
    let start = cur.range.start
    var lhs = try parseAnd()
    var height = 0
    while cur.kind == .kwOr {
      if height == 0 { height = lhs.depth }
      let opRange = cur.range
      advance()
      let rhs = try parseAnd()
      height = max(height, rhs.depth) + 1
      try checkChain(height, opRange)
      lhs = .binary(.or, lhs, rhs, SourceRange(start, lastEnd))
    }
    return lhs
  }

  private mutating func parseAnd() throws -> Expr {
    let start = cur.range.start
    var lhs = try parseNot()
    var height = 0
    while cur.kind == .kwAnd {
      if height == 0 { height = lhs.depth }
      let opRange = cur.range
      advance()
      let rhs = try parseNot()
      height = max(height, rhs.depth) + 1
      try checkChain(height, opRange)
      lhs = .binary(.and, lhs, rhs, SourceRange(start, lastEnd))
    }
    return lhs
  }

  private mutating func parseNot() throws -> Expr {
    if cur.kind == .kwNot {
      let start = cur.range.start
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseNot()
      return .unary(.not, operand, SourceRange(start, lastEnd))
    }
    return try parseComparison()
  }

  private static func isComparison(_ k: TokenKind) -> Bool {
    switch k {
    case .eq, .ne, .lt, .le, .gt, .ge: return true
    default: return false
    }
  }

  private mutating func parseComparison() throws -> Expr {
    let start = cur.range.start
    let lhs = try parseAdditive()
    guard Parser.isComparison(cur.kind), let op = cur.binaryOp else { return lhs }
    advance()
    let rhs = try parseAdditive()
    if Parser.isComparison(cur.kind) {
      throw error("comparison operators cannot be chained; use 'and' or parentheses", cur.range)
    }
    return .binary(op, lhs, rhs, SourceRange(start, lastEnd))
  }

  private mutating func parseAdditive() throws -> Expr {
    let start = cur.range.start
    var lhs = try parseTerm()
    var height = 0
    while cur.kind == .plus || cur.kind == .minus {
      let op: BinaryOp = cur.kind == .plus ? .add : .sub
      if height == 0 { height = lhs.depth }
      let opRange = cur.range
      advance()
      let rhs = try parseTerm()
      height = max(height, rhs.depth) + 1
      try checkChain(height, opRange)
      lhs = .binary(op, lhs, rhs, SourceRange(start, lastEnd))
    }
    return lhs
  }

  private mutating func parseTerm() throws -> Expr {
    let start = cur.range.start
    var lhs = try parseUnary()
    var height = 0
    while cur.kind == .star || cur.kind == .slash {
      let op: BinaryOp = cur.kind == .star ? .mul : .div
      if height == 0 { height = lhs.depth }
      let opRange = cur.range
      advance()
      let rhs = try parseUnary()
      height = max(height, rhs.depth) + 1
      try checkChain(height, opRange)
      lhs = .binary(op, lhs, rhs, SourceRange(start, lastEnd))
    }
    return lhs
  }

  private mutating func parseUnary() throws -> Expr {
    if cur.kind == .minus {
      let start = cur.range.start
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseUnary()
      return .unary(.neg, operand, SourceRange(start, lastEnd))
    }
    if cur.isIdentifier && startsArgument(pos + 1) {
      let (call, lastArgument) = try parseCall()
      if ambiguity == nil, cur.binaryOp != nil {
        ambiguity = Ambiguity(call: call.range.start, lastArgument: lastArgument, op: cur.range)
      }
      // (a `**` after a call is read too, so that the ambiguity error can show the whole statement)
      return try parsePower(call)
    }
    return try parsePower(try parsePostfix())
  }

  /// `base ** exponent` when a `**` follows: tighter than a unary minus on its left, grouping to the
  /// right, the exponent possibly negated (Python's rule).
  private mutating func parsePower(_ base: Expr) throws -> Expr {
    guard cur.kind == .starStar else { return base }
    try enter()
    defer { depth -= 1 }
    advance()
    let exponent = try parseUnary()
    return .binary(.pow, base, exponent, SourceRange(base.range.start, lastEnd))
  }

  /// Whether the token at `k` can start a call argument (see the type's documentation).
  private func startsArgument(_ k: Int) -> Bool {
    guard k < toks.count else { return false }
    let t = toks[k]
    switch t.kind {
    case .identifier, .int, .float, .string, .kwTrue, .kwFalse, .kwNone, .lparen: return true
    case .lbracket: return t.spaceBefore
    case .minus:
      guard t.spaceBefore, k + 1 < toks.count else { return false }
      let n = toks[k + 1]
      if n.spaceBefore { return false }
      switch n.kind {
      case .int, .float, .identifier: return true
      default: return false
      }
    default: return false
    }
  }

  /// A call and where its last argument starts (the value, for a keyword argument).
  private mutating func parseCall() throws -> (Expr, SourceLocation) {
    let head = cur
    var lastArgument = head.range.end
    guard case .identifier(let name) = head.kind else { preconditionFailure("call head must be a name") }
    advance()
    var args: [Expr] = []
    var kwargs: [KeywordArg] = []
    while true {
      if case .identifier(let key) = cur.kind, peek(1).kind == .assign {
        let keyTok = cur
        advance()
        advance()
        lastArgument = cur.range.start
        let value = try parseKeywordValue()
        if let op = cur.binaryOp, op != .and, op != .or, !cur.spaceBefore {
          throw error(
            "'\(cur.text)' directly after the value of keyword argument '\(key)'; write \(key)=(...) to pass an expression",
            cur.range)
        }
        if kwargs.contains(where: { $0.name == key }) {
          throw error("duplicate keyword argument '\(key)'", keyTok.range)
        }
        kwargs.append(KeywordArg(name: key, nameRange: keyTok.range, value: value))
      } else if startsArgument(pos) {
        lastArgument = cur.range.start
        let arg = try parseArgument()
        if !kwargs.isEmpty {
          throw error("positional argument after keyword argument", arg.range)
        }
        args.append(arg)
      } else {
        break
      }
    }
    let call = Expr.call(
      name: name, nameRange: head.range, args: args, kwargs: kwargs, range: SourceRange(head.range.start, lastEnd))
    return (call, lastArgument)
  }

  private mutating func parseArgument() throws -> Expr {
    if cur.kind == .minus {
      let start = cur.range.start
      advance()
      let operand = try parsePostfix()
      return .unary(.neg, operand, SourceRange(start, lastEnd))
    }
    return try parsePostfix()
  }

  private mutating func parseKeywordValue() throws -> Expr {
    if cur.kind == .minus {
      let start = cur.range.start
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseKeywordValue()
      return .unary(.neg, operand, SourceRange(start, lastEnd))
    }
    return try parsePostfix()
  }

  private mutating func parsePostfix() throws -> Expr {
    let start = cur.range.start
    var e = try parsePrimary()
    var height = 0
    while true {
      if cur.kind == .dot || (cur.kind == .lbracket && !cur.spaceBefore) {
        height = (height == 0 ? e.depth : height) + 1
        try checkChain(height, cur.range)
      }
      if cur.kind == .dot {
        advance()
        guard case .identifier(let field) = cur.kind else {
          throw error("expected a field name after '.'", missingRange)
        }
        let fieldRange = cur.range
        advance()
        e = .field(e, field, fieldRange: fieldRange, range: SourceRange(start, lastEnd))
      } else if cur.kind == .lbracket && !cur.spaceBefore {
        let items = try parseIndex()
        e = .index(e, items, SourceRange(start, lastEnd))
      } else {
        return e
      }
    }
  }

  /// The error for a missing closing bracket of the opener at token index `open`.
  private func closeError(_ open: Int, _ message: String) -> Diagnostic {
    let opener = toks[open]
    if cur.kind == .eof || (unmatched.contains(open) && !cur.isCloser) {
      return error("unclosed '\(opener.text)'", opener.range)
    }
    return error(message, cur.range)
  }

  private mutating func parseIndex() throws -> [IndexItem] {
    let open = pos
    advance()
    openStack.append(open)
    defer { openStack.removeLast() }
    if cur.kind == .rbracket {
      throw error("empty index; use m[:] to select everything", SourceRange(toks[open].range.start, cur.range.end))
    }
    var items: [IndexItem] = []
    while true {
      items.append(try parseIndexItem())
      if cur.kind == .comma {
        if items.count == 2 {
          throw error("an index has at most two items: m[rows, columns]", cur.range)
        }
        advance()
        continue
      }
      if cur.kind == .rbracket {
        advance()
        return items
      }
      throw closeError(open, "expected ']'")
    }
  }

  private func endsSliceBound(_ k: TokenKind) -> Bool { k == .comma || k == .rbracket }

  private mutating func parseIndexItem() throws -> IndexItem {
    let start = cur.range.start
    var lo: Expr? = nil
    if cur.kind != .colon {
      let e = try parseExpr()
      if cur.kind != .colon { return .expr(e) }
      lo = e
    }
    advance()  // ':'
    var hi: Expr? = nil
    if !endsSliceBound(cur.kind) {
      hi = try parseExpr()
    }
    return .slice(lo: lo, hi: hi, range: SourceRange(start, lastEnd))
  }

  private mutating func parsePrimary() throws -> Expr {
    let t = cur
    switch t.kind {
    case .int(let v):
      advance()
      return .int(v, t.range)
    case .float(let v):
      advance()
      return .float(v, t.range)
    case .string(let v):
      advance()
      return .string(v, t.range)
    case .kwTrue:
      advance()
      return .bool(true, t.range)
    case .kwFalse:
      advance()
      return .bool(false, t.range)
    case .kwNone:
      advance()
      return .none(t.range)
    case .identifier(let n):
      if peek(1).kind == .assign {
        throw error("keyword argument outside a call", SourceRange(t.range.start, peek(1).range.end))
      }
      advance()
      return .name(n, t.range)
    case .lparen:
      let open = pos
      advance()
      openStack.append(open)
      defer { openStack.removeLast() }
      let e = try parseExpr()
      guard cur.kind == .rparen else { throw closeError(open, "expected ')'") }
      advance()
      return e
    case .lbracket:
      let open = pos
      advance()
      openStack.append(open)
      defer { openStack.removeLast() }
      var items: [Expr] = []
      while true {
        if cur.kind == .rbracket { break }
        items.append(try parseExpr())
        if cur.kind == .comma {
          advance()
          continue
        }
        if cur.kind == .rbracket { break }
        throw closeError(open, "expected ',' or ']'")
      }
      advance()
      return .list(items, SourceRange(t.range.start, lastEnd))
    default:
      if t.kind == .eof, let open = openStack.last {
        throw error("unclosed '\(toks[open].text)'", toks[open].range)
      }
      if pos == 0 || toks[pos - 1].kind == .newline || toks[pos - 1].kind == .semicolon {
        throw error("unexpected \(t.describe)", t.range)
      }
      throw error("expected an expression after '\(toks[pos - 1].text)'", missingRange)
    }
  }
}
