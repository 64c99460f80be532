// Parsing operands (see `Parser` in Parser.swift for the grammar): command calls and their
// arguments, postfix fields and indexing, and primaries (literals, names, parentheses, lists).

extension Parser {
  /// Whether the token at `k` can start a call argument (see the type's documentation).
  func startsArgument(_ k: Int) -> Bool {
    guard k < toks.count else { return false }
    let t = toks[k]
    switch t.kind {
    case .identifier, .int, .float, .string, .kwTrue, .kwFalse, .kwNone, .lparen: return true
    case .lbracket: return t.spaceBefore
    case .minus, .plus:
      guard t.spaceBefore, k + 1 < toks.count else { return false }
      // signs glued one after another (`exit --3`, `print -+1`) sign one argument, as in Python
      var a = k + 1
      while a < toks.count, !toks[a].spaceBefore, toks[a].kind == .minus || toks[a].kind == .plus { a += 1 }
      guard a < toks.count else { return false }
      let n = toks[a]
      if n.spaceBefore { return false }
      switch n.kind {
      case .int, .float, .identifier, .string, .kwTrue, .kwFalse, .kwNone, .lparen, .lbracket: return true
      default: return false
      }
    default: return false
    }
  }

  /// A call and where its last argument starts (the value, for a keyword argument).
  mutating func parseCall() throws -> (Expr, SourceLocation) {
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
    if cur.kind == .minus || cur.kind == .plus {
      let start = cur.range.start
      let op: UnaryOp = cur.kind == .minus ? .neg : .pos
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseArgument()
      return .unary(op, operand, SourceRange(start, lastEnd))
    }
    return try parsePostfix()
  }

  private mutating func parseKeywordValue() throws -> Expr {
    if cur.kind == .minus || cur.kind == .plus {
      let start = cur.range.start
      let op: UnaryOp = cur.kind == .minus ? .neg : .pos
      try enter()
      defer { depth -= 1 }
      advance()
      let operand = try parseKeywordValue()
      return .unary(op, operand, SourceRange(start, lastEnd))
    }
    return try parsePostfix()
  }

  mutating func parsePostfix() throws -> Expr {
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
    if cur.kind != .colon && !endsSliceBound(cur.kind) {
      hi = try parseExpr()
    }
    // numpy's step (v[::2], v[::-1]): said so, not "expected an expression after ':'"; an empty one
    // (v[::], v[0:2:]) is Python's default step
    if cur.kind == .colon {
      let colon = cur.range
      advance()
      if !endsSliceBound(cur.kind) {
        throw error("a slice takes start:stop; a step (v[::2], v[::-1]) is not part of clus: index with a vector of positions", colon)
      }
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
      let previous = toks[pos - 1]
      let arithmetic: [TokenKind] = [.plus, .minus, .star, .slash, .starStar]
      // Python spellings clus does not have, named (they read "expected an expression after '+'")
      if arithmetic.contains(previous.kind), t.kind == .assign, !t.spaceBefore {
        throw error("'\(previous.text)=' is not part of clus: write x = x \(previous.text) …", SourceRange(previous.range.start, t.range.end))
      }
      if previous.kind == .slash, t.kind == .slash, !t.spaceBefore {
        throw error("'//' (floor division) is not part of clus: '/' divides (7 / 2 is 3.5)", SourceRange(previous.range.start, t.range.end))
      }
      throw error("expected an expression after '\(previous.text)'", missingRange)
    }
  }
}
