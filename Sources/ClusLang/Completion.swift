/// What the word under the cursor is, for the REPL's tab completion.
public enum CompletionContext: Sendable, Equatable {
  /// A name at the start of an operand (`um` in `e = um`), the first argument of a call (`mn` in
  /// `umap mn`) or a keyword value (`e` in `score l labels=e`): offer commands and variables.
  case commandOrVariable(prefix: String)
  /// A word after the first argument of `command` (`n_nei` in `umap x n_nei`), where a keyword
  /// argument may stand: offer `name=` for the command's parameters (and variables).
  case parameter(command: String, prefix: String)
  /// A field name after `.`: `baseExpressionText` is the source text of the expression before
  /// the dot (`mnist` in `mnist.da`, `m[0:10]` in `m[0:10].sh`).
  case field(baseExpressionText: String, prefix: String)
  /// Inside a string literal that is still open at the cursor: `prefix` is its content so far,
  /// escapes resolved (`data/mn` in `load "data/mn`).
  case path(prefix: String)
  /// Nothing sensible to complete (after a number, a closing bracket, inside a bad token, ...).
  case none
}

extension Parser {
  /// The completion context at `cursor` in `line` (only the text before the cursor is looked at).
  ///
  /// `cursor` is a UTF-8 byte offset into `line` (as libedit reports it; `line.utf8.count` for the
  /// end); it is clamped to the line and moved back to the start of a scalar if needed. Examples:
  /// `umap x n_nei` → `.parameter(command: "umap", prefix: "n_nei")`; `mnist.da` →
  /// `.field(baseExpressionText: "mnist", prefix: "da")`; `load "data/mn` → `.path(prefix: "data/mn")`;
  /// `e = um` → `.commandOrVariable(prefix: "um")`; `umap mn` → `.commandOrVariable(prefix: "mn")`.
  public static func completionContext(_ line: String, cursor: Int) -> CompletionContext {
    let bytes = Array(line.utf8)
    var c = min(max(0, cursor), bytes.count)
    while c > 0 && c < bytes.count && (bytes[c] & 0xC0) == 0x80 { c -= 1 }
    let prefixBytes = Array(bytes[0..<c])
    let text = String(decoding: prefixBytes, as: UTF8.self)
    let scan = Lexer.scan(text)
    if let open = scan.openString { return .path(prefix: open.content) }
    if scan.error != nil { return .none }
    var toks = scan.tokens.filter { $0.kind != .eof }

    // The word being completed is the last token when it is a name (or reserved word) ending at
    // the cursor; otherwise an empty word is appended.
    var word = ""
    if let last = toks.last, last.range.end.offset == c {
      switch last.kind {
      case .identifier(let n):
        word = n
      case .kwTrue, .kwFalse, .kwNone, .kwAnd, .kwOr, .kwNot:
        word = last.text
        toks[toks.count - 1].kind = .identifier(word)
      case .int, .float, .string, .rparen, .rbracket:
        return .none
      default:
        toks.append(virtualWord(at: last.range.end, spaceBefore: false))
      }
    } else {
      let end = toks.last?.range.end ?? SourceLocation(line: 1, column: 1, offset: 0)
      toks.append(virtualWord(at: end, spaceBefore: true))
    }
    let w = toks.count - 1

    // Field access: `base.word`.
    if w >= 1 && toks[w - 1].kind == .dot {
      guard let baseStart = postfixStart(toks, endingAt: w - 2) else { return .none }
      let from = toks[baseStart].range.start.offset
      let to = toks[w - 1].range.start.offset
      let base = String(decoding: prefixBytes[from..<to], as: UTF8.self)
      return .field(baseExpressionText: base, prefix: word)
    }

    // Atoms of the innermost open bracket level after its last separator; closed bracket groups
    // count as one atom (represented by their opening token).
    var stack: [Int] = []
    var depthOf: [Int] = []
    for k in 0..<w {
      depthOf.append(stack.count)
      if toks[k].isOpener {
        stack.append(k)
      } else if toks[k].isCloser, !stack.isEmpty {
        stack.removeLast()
      }
    }
    let depth = stack.count
    var segStart = stack.last.map { $0 + 1 } ?? 0
    var atStatementStart = stack.isEmpty
    for k in segStart..<w where depthOf[k] == depth {
      switch toks[k].kind {
      case .comma, .colon:
        segStart = k + 1
        atStatementStart = false
      case .semicolon, .newline, .lbrace, .rbrace:  // a `for` body's braces start statements too
        segStart = k + 1
        atStatementStart = depth == 0
      default: break
      }
    }
    var atoms: [Token] = []
    var k = segStart
    while k < w {
      atoms.append(toks[k])
      if toks[k].isOpener {
        var d = 0
        var j = k
        while j < w {
          if toks[j].isOpener { d += 1 } else if toks[j].isCloser { d -= 1 }
          if d == 0 { break }
          j += 1
        }
        k = j + 1
      } else {
        k += 1
      }
    }
    atoms.append(toks[w])
    return classify(atoms, atStatementStart: atStatementStart, word: word)
  }

  private static func virtualWord(at loc: SourceLocation, spaceBefore: Bool) -> Token {
    Token(kind: .identifier(""), range: SourceRange(loc, loc), text: "", spaceBefore: spaceBefore)
  }

  /// Index of the first token of the postfix expression whose last token is at `end`.
  private static func postfixStart(_ toks: [Token], endingAt end: Int) -> Int? {
    var j = end
    while j >= 0 {
      let t = toks[j]
      var start: Int
      if t.isIdentifier || t.isLiteral {
        start = j
      } else if t.isCloser {
        var d = 0
        var o = j
        while o >= 0 {
          if toks[o].isCloser { d += 1 } else if toks[o].isOpener { d -= 1 }
          if d == 0 { break }
          o -= 1
        }
        if o < 0 { return nil }
        if toks[o].kind == .lbracket && !toks[o].spaceBefore && o > 0
          && (toks[o - 1].isIdentifier || toks[o - 1].isLiteral || toks[o - 1].isCloser)
        {
          j = o - 1
          continue
        }
        start = o
      } else {
        return nil
      }
      if start >= 2 && toks[start - 1].kind == .dot {
        j = start - 2
        continue
      }
      return start
    }
    return nil
  }

  private enum State {
    case operand
    case after
    case args(head: String, count: Int)
  }

  /// Whether an atom can start a call argument (same rule as the parser's).
  private static func startsArgument(_ atoms: [Token], _ k: Int) -> Bool {
    let t = atoms[k]
    switch t.kind {
    case .identifier, .int, .float, .string, .kwTrue, .kwFalse, .kwNone, .lparen: return true
    case .lbracket: return t.spaceBefore
    case .minus:
      guard t.spaceBefore, k + 1 < atoms.count, !atoms[k + 1].spaceBefore else { return false }
      switch atoms[k + 1].kind {
      case .int, .float, .identifier: return true
      default: return false
      }
    default: return false
    }
  }

  /// Skips a postfix chain (`.name`, directly attached `[...]` groups) starting at `k`; returns the
  /// next index, or nil when the word is reached inside the chain.
  private static func skipPostfix(_ atoms: [Token], _ k: Int) -> Int {
    var k = k
    let last = atoms.count - 1
    while k < last {
      if atoms[k].kind == .dot {
        k += 2
      } else if atoms[k].kind == .lbracket && !atoms[k].spaceBefore {
        k += 1
      } else {
        break
      }
    }
    return k
  }

  private static func classify(_ atoms: [Token], atStatementStart: Bool, word: String) -> CompletionContext {
    let last = atoms.count - 1
    var k = 0
    if atStatementStart && last >= 2 && atoms[0].isIdentifier && atoms[1].kind == .assign {
      k = 2
    }
    var state = State.operand
    while k <= last {
      if k == last {
        switch state {
        case .operand: return .commandOrVariable(prefix: word)
        case .after: return .none
        case .args(let head, let count):
          return count == 0 ? .commandOrVariable(prefix: word) : .parameter(command: head, prefix: word)
        }
      }
      let a = atoms[k]
      switch state {
      case .operand:
        if a.kind == .minus || a.kind == .kwNot {
          k += 1
        } else if case .identifier(let name) = a.kind {
          if startsArgument(atoms, k + 1) {
            state = .args(head: name, count: 0)
            k += 1
          } else {
            state = .after
            k = skipPostfix(atoms, k + 1)
          }
        } else if a.isLiteral || a.isOpener {
          state = .after
          k = skipPostfix(atoms, k + 1)
        } else {
          return .none
        }
      case .after:
        if a.binaryOp != nil {
          state = .operand
          k += 1
        } else {
          return .none
        }
      case .args(let head, let count):
        if a.isIdentifier && atoms[k + 1].kind == .assign {
          k += 2
          while k < last && atoms[k].kind == .minus { k += 1 }
          if k == last { return .commandOrVariable(prefix: word) }
          k = skipPostfix(atoms, k + 1)
          state = .args(head: head, count: count + 1)
        } else if startsArgument(atoms, k) {
          if a.kind == .minus {
            k += 1
            if k == last { return .commandOrVariable(prefix: word) }
          }
          k = skipPostfix(atoms, k + 1)
          state = .args(head: head, count: count + 1)
        } else if a.binaryOp != nil {
          state = .operand
          k += 1
        } else {
          return .none
        }
      }
    }
    return .none
  }
}

extension Parser {
  /// Parses `text` as a single expression (for completing fields of `mnist.` in the REPL).
  /// - Throws: `Diagnostic` if it is not exactly one bare expression.
  public static func parseExpression(_ text: String) throws -> Expr {
    let p = try parse(SourceFile(name: "<expr>", text: text))
    guard p.statements.count == 1, case .expr(let e) = p.statements[0] else {
      throw Diagnostic(.error, "expected one expression", at: SourceRange(
        SourceLocation(line: 1, column: 1, offset: 0), SourceLocation(line: 1, column: 1, offset: 0)))
    }
    return e
  }
}
