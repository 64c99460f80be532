// Parsing expressions (see `Parser` in Parser.swift for the grammar): depth limits, the ambiguity
// of a call before an operator, and the operator levels from `or` down to `**`.

extension Parser {
  mutating func parseExpr() throws -> Expr {
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

  mutating func enter() throws {
    depth += 1
    if depth > Parser.maxNesting {
      throw error("expression nested too deeply (limit \(Parser.maxNesting) levels of brackets, prefix operators and calls)", cur.range)
    }
  }

  /// Refuses a tree deeper than `maxTreeDepth`.
  func checkTreeDepth(_ d: Int, at range: SourceRange) throws {
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
  func checkChain(_ height: Int, _ opRange: SourceRange) throws {
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
    if cur.kind == .minus || cur.kind == .plus {
      let start = cur.range.start
      let op: UnaryOp = cur.kind == .minus ? .neg : .pos
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseUnary()
      return .unary(op, operand, SourceRange(start, lastEnd))
    }
    // where the base starts: its opening bracket, if any (a parenthesised base's own range starts
    // inside the bracket)
    let start = cur.range.start
    if cur.isIdentifier && startsArgument(pos + 1) {
      let (call, lastArgument) = try parseCall()
      if ambiguity == nil, cur.binaryOp != nil {
        ambiguity = Ambiguity(call: call.range.start, lastArgument: lastArgument, op: cur.range)
      }
      // (a `**` after a call is read too, so that the ambiguity error can show the whole statement)
      return try parsePower(call, from: start)
    }
    return try parsePower(try parsePostfix(), from: start)
  }

  /// `base ** exponent` when a `**` follows: tighter than a unary minus on its left, grouping to the
  /// right, the exponent possibly negated (Python's rule). The range runs from `start`.
  private mutating func parsePower(_ base: Expr, from start: SourceLocation) throws -> Expr {
    guard cur.kind == .starStar else { return base }
    try enter()
    defer { depth -= 1 }
    advance()
    let exponent = try parseUnary()
    return .binary(.pow, base, exponent, SourceRange(start, lastEnd))
  }
}
