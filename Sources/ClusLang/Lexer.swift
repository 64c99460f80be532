/// Turns source text into tokens.
///
/// Lexical rules:
/// - Whitespace is spaces, tabs and `\r`; `#` starts a comment that runs to the end of the line.
/// - A line break is a `newline` token (a statement separator) unless a `(` or `[` is open, in which
///   case it is ignored, so a statement continues on the next line while a bracket is open. Inside
///   the braces `{ }` of a `for` body (and not in a bracket within them) line breaks separate
///   statements again.
/// - Identifiers are ASCII `[A-Za-z_][A-Za-z0-9_]*`; `true false none and or not` are reserved.
/// - Integers: digits with optional `_` between digits (`70_000`). Floats: `1.5`, `1e-3`, `2.5E+3`,
///   `.5` (a leading `.` makes a number only when the character before it is not part of a name,
///   number, string or closing bracket, so `a.b` stays a field access). `2.` is not a number; a
///   number directly followed by a letter, `_` or `.` (`12ab`, `2.`, `1.5.3`) is a bad number literal.
/// - Strings use double or single quotes and may span lines; escapes are `\n \t \r \0 \\ \" \'` and
///   `\u{XXXX}` (1–8 hex digits).
/// - Operators and punctuation: `( ) [ ] { } , ; : . = == != < <= > >= + - * /`.
///
/// Positions: lines and columns are 1-based, columns count Unicode scalars, offsets are UTF-8 bytes.
public enum Lexer {
  /// All tokens of `source`, ending with an `eof` token.
  ///
  /// - Throws: `Diagnostic` for an unknown character, a bad number literal, an integer literal too
  ///   large for `Int`, an unknown or invalid escape sequence, or an unterminated string (reported
  ///   at its opening quote).
  public static func tokenize(_ source: String) throws -> [Token] {
    let r = scan(source)
    if let e = r.error { throw e }
    return r.tokens
  }

  /// The outcome of a scan that does not throw: tokens up to the first error, and what is still
  /// open at the end (used by `Parser.isComplete` and `Parser.completionContext`).
  struct ScanResult {
    /// Tokens scanned (ending with `eof` when there was no error).
    var tokens: [Token] = []
    /// The first error, if any (scanning stops there).
    var error: Diagnostic?
    /// When input ends inside a string: where it starts and its content so far (escapes resolved).
    var openString: (start: SourceLocation, content: String)?
    /// Opening brackets still open at the end of input (innermost last).
    var openBrackets: [Token] = []
    /// True when some closing bracket did not match the innermost open bracket.
    var strayCloser = false
  }

  /// Scans `source` without throwing.
  static func scan(_ source: String) -> ScanResult {
    var s = Scanner(source)
    s.run()
    return s.result
  }
}

/// The scanning state: a cursor over Unicode scalars with line, column and UTF-8 offset.
private struct Scanner {
  let chars: [Unicode.Scalar]
  var i = 0
  var line = 1
  var col = 1
  var offset = 0
  var result = Lexer.ScanResult()
  var spaceBefore = true

  init(_ source: String) { chars = Array(source.unicodeScalars) }

  static let singleKinds: [Unicode.Scalar: TokenKind] = [
    ",": .comma, ";": .semicolon, ":": .colon, "+": .plus, "-": .minus, "*": .star, "/": .slash,
    "=": .assign, "<": .lt, ">": .gt,
  ]
  static let withEqualsKinds: [Unicode.Scalar: TokenKind] = ["=": .eq, "!": .ne, "<": .le, ">": .ge]
  static let reserved: [String: TokenKind] = [
    "true": .kwTrue, "false": .kwFalse, "none": .kwNone, "and": .kwAnd, "or": .kwOr, "not": .kwNot,
  ]
  static let escapes: [Unicode.Scalar: Unicode.Scalar] = [
    "n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "\"": "\"", "'": "'",
  ]

  var loc: SourceLocation { SourceLocation(line: line, column: col, offset: offset) }

  func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < chars.count ? chars[i + k] : nil }

  mutating func advance() {
    let c = chars[i]
    i += 1
    offset += UTF8.width(c)
    if c == "\n" {
      line += 1
      col = 1
    } else {
      col += 1
    }
  }

  func text(_ a: Int, _ b: Int) -> String {
    var v = String.UnicodeScalarView()
    v.append(contentsOf: chars[a..<b])
    return String(v)
  }

  static func isDigit(_ c: Unicode.Scalar?) -> Bool {
    guard let c = c else { return false }
    return c >= "0" && c <= "9"
  }
  static func isIdentStart(_ c: Unicode.Scalar?) -> Bool {
    guard let c = c else { return false }
    return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
  }
  static func isIdentChar(_ c: Unicode.Scalar?) -> Bool { isIdentStart(c) || isDigit(c) }

  mutating func emit(_ kind: TokenKind, from start: SourceLocation, _ startI: Int) {
    result.tokens.append(
      Token(kind: kind, range: SourceRange(start, loc), text: text(startI, i), spaceBefore: spaceBefore))
    spaceBefore = false
  }

  mutating func fail(_ message: String, _ range: SourceRange) {
    result.error = Diagnostic(.error, message, at: range)
  }

  mutating func run() {
    while let c = peek() {
      let start = loc
      let startI = i
      switch c {
      case " ", "\t", "\r":
        advance()
        spaceBefore = true
      case "#":
        while let d = peek(), d != "\n" { advance() }
        spaceBefore = true
      case "\n":
        advance()
        if result.openBrackets.last.map({ $0.kind == .lbrace }) ?? true { emit(.newline, from: start, startI) }
        spaceBefore = true
      case "\"", "'":
        if !scanString(quote: c) { return }
      case "(", "[", "{":
        advance()
        emit(c == "(" ? .lparen : (c == "[" ? .lbracket : .lbrace), from: start, startI)
        result.openBrackets.append(result.tokens[result.tokens.count - 1])
      case ")", "]", "}":
        advance()
        let kind: TokenKind = c == ")" ? .rparen : (c == "]" ? .rbracket : .rbrace)
        emit(kind, from: start, startI)
        if let top = result.openBrackets.last,
          (top.kind == .lparen && kind == .rparen) || (top.kind == .lbracket && kind == .rbracket)
            || (top.kind == .lbrace && kind == .rbrace)
        {
          result.openBrackets.removeLast()
        } else {
          result.strayCloser = true
        }
      case "*" where peek(1) == "*":
        advance(); advance()
        emit(.starStar, from: start, startI)
      case ",", ";", ":", "+", "-", "*", "/":
        advance()
        emit(Scanner.singleKinds[c]!, from: start, startI)
      case "=", "!", "<", ">":
        advance()
        if peek() == "=" {
          advance()
          emit(Scanner.withEqualsKinds[c]!, from: start, startI)
        } else if c == "!" {
          fail("unknown character '!' (use 'not' for negation, '!=' for inequality)", SourceRange(start, loc))
          return
        } else {
          emit(Scanner.singleKinds[c]!, from: start, startI)
        }
      case ".":
        let prev: Unicode.Scalar? = i > 0 ? chars[i - 1] : nil
        let glued = Scanner.isIdentChar(prev) || prev == ")" || prev == "]" || prev == "\"" || prev == "'"
        if Scanner.isDigit(peek(1)) && !glued {
          if !scanNumber() { return }
        } else {
          advance()
          emit(.dot, from: start, startI)
        }
      default:
        if Scanner.isDigit(c) {
          if !scanNumber() { return }
        } else if Scanner.isIdentStart(c) {
          while Scanner.isIdentChar(peek()) { advance() }
          let word = text(startI, i)
          // `inf` and `nan` are number literals (as the defaults `help` shows)
          let kind = word == "inf" ? .float(.infinity) : (word == "nan" ? .float(.nan) : Scanner.reserved[word] ?? .identifier(word))
          emit(kind, from: start, startI)
        } else {
          advance()
          // invisible characters by their code (a zero-width space, U+200B, was shown as '' itself)
          let invisible = c.properties.isWhitespace || c.value < 0x20 || c.value == 0x7F || c.properties.generalCategory == .format
            || c.properties.generalCategory == .control || c.properties.generalCategory == .nonspacingMark
          let shown = invisible ? "U+" + String(c.value, radix: 16, uppercase: true) : String(Character(c))
          // numpy's and pandas' operators that clus spells as words, or lacks
          let hint = ["&": " (use 'and', which works element-wise on bool vectors)", "|": " (use 'or', which works element-wise on bool vectors)",
                      "~": " (use 'not', which works element-wise on bool vectors)", "%": " (clus has no modulo operator)",
                      "^": " (use '**' for a power; clus has no exclusive or)", "@": " (clus has no matrix product operator)",
                      // a word processor's quotes
                      "\u{201C}": " (a curly quote: write strings with straight quotes \" or ')", "\u{201D}": " (a curly quote: write strings with straight quotes \" or ')",
                      "\u{2018}": " (a curly quote: write strings with straight quotes \" or ')", "\u{2019}": " (a curly quote: write strings with straight quotes \" or ')",
                      "U+200B": " (a zero-width space, invisible in most editors: delete it)", "U+FEFF": " (a byte-order mark inside the text: delete it)",
                      "U+A0": " (a no-break space: replace it with a space)"][shown] ?? ""
          fail("unknown character '\(shown)'\(hint)", SourceRange(start, loc))
          return
        }
      }
    }
    emit(.eof, from: loc, i)
  }

  /// Scans digits and underscores.
  mutating func digits() {
    while Scanner.isDigit(peek()) || peek() == "_" { advance() }
  }

  /// Scans a number starting at a digit or at `.` followed by a digit. Returns false on error.
  mutating func scanNumber() -> Bool {
    let start = loc
    let startI = i
    var isFloat = false
    let leadingDigits = peek() != "."
    if leadingDigits { digits() }
    if peek() == "." && Scanner.isDigit(peek(1)) {
      isFloat = true
      advance()
      digits()
    } else if leadingDigits && peek() == "." {
      // `1.` and `1.e5` are floats, as in Python: a point after digits, followed by an exponent or
      // by nothing that continues a name or a number (`1.x` and `1..2` stay errors)
      let exponent = (peek(1) == "e" || peek(1) == "E")
        && (Scanner.isDigit(peek(2)) || ((peek(2) == "+" || peek(2) == "-") && Scanner.isDigit(peek(3))))
      if exponent || !(Scanner.isIdentChar(peek(1)) || peek(1) == ".") {
        isFloat = true
        advance()
      }
    }
    if peek() == "e" || peek() == "E" {
      if Scanner.isDigit(peek(1)) || ((peek(1) == "+" || peek(1) == "-") && Scanner.isDigit(peek(2))) {
        isFloat = true
        advance()
        if peek() == "+" || peek() == "-" { advance() }
        digits()
      }
    }
    var bad = false
    if Scanner.isIdentChar(peek()) || peek() == "." {
      bad = true
      while Scanner.isIdentChar(peek()) || peek() == "." { advance() }
    }
    let raw = text(startI, i)
    let scalars = Array(raw.unicodeScalars)
    for (k, ch) in scalars.enumerated() where ch == "_" {
      if k == 0 || k + 1 >= scalars.count || !Scanner.isDigit(scalars[k - 1]) || !Scanner.isDigit(scalars[k + 1]) {
        bad = true
      }
    }
    if bad {
      fail("bad number literal '\(raw)'", SourceRange(start, loc))
      return false
    }
    var clean = String(raw.filter { $0 != "_" })
    // a point with no digit after it (`1.`, `1.e5`): a zero fraction for the conversion
    if let dot = clean.firstIndex(of: "."), clean.index(after: dot) == clean.endIndex
      || !clean[clean.index(after: dot)].isNumber {
      clean.insert("0", at: clean.index(after: dot))
    }
    if isFloat {
      guard let v = Double(clean) else {
        fail("bad number literal '\(raw)'", SourceRange(start, loc))
        return false
      }
      guard v.isFinite else {
        fail("number literal '\(raw)' is beyond float64's range (±1.8e308); write inf for infinity", SourceRange(start, loc))
        return false
      }
      // a literal with a nonzero digit before its exponent that rounds to 0 (below 4.9e-324)
      let mantissa = clean.prefix { $0 != "e" && $0 != "E" }
      if v == 0, mantissa.contains(where: { $0 >= "1" && $0 <= "9" }) {
        fail("number literal '\(raw)' is below float64's smallest positive value (4.9e-324); write 0 for zero", SourceRange(start, loc))
        return false
      }
      emit(.float(v), from: start, startI)
    } else {
      guard let v = Int(clean) else {
        fail("integer literal '\(raw)' is too large", SourceRange(start, loc))
        return false
      }
      emit(.int(v), from: start, startI)
    }
    return true
  }

  /// Scans a string literal opened by `quote`. Returns false on error.
  mutating func scanString(quote: Unicode.Scalar) -> Bool {
    let start = loc
    let startI = i
    advance()
    var content = String.UnicodeScalarView()
    while true {
      guard let d = peek() else {
        result.openString = (start, String(content))
        fail("unterminated string", SourceRange(start, loc))
        return false
      }
      if d == quote {
        advance()
        break
      }
      if d != "\\" {
        content.append(d)
        advance()
        continue
      }
      let escStart = loc
      advance()
      guard let e = peek() else {
        result.openString = (start, String(content))
        fail("unterminated string", SourceRange(start, loc))
        return false
      }
      if let v = Scanner.escapes[e] {
        content.append(v)
        advance()
        continue
      }
      if e == "u" {
        advance()
        var hex = ""
        var ok = false
        if peek() == "{" {
          advance()
          while let h = peek(), h.properties.isASCIIHexDigit, hex.unicodeScalars.count < 8 {
            hex.unicodeScalars.append(h)
            advance()
          }
          if peek() == "}" {
            advance()
            ok = !hex.isEmpty
          }
        }
        if ok, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) {
          content.append(scalar)
          continue
        }
        fail("invalid unicode escape (expected \\u{XXXX} with 1 to 8 hex digits)", SourceRange(escStart, loc))
        return false
      }
      advance()
      fail("unknown escape sequence '\\\(Character(e))'", SourceRange(escStart, loc))
      return false
    }
    emit(.string(String(content)), from: start, startI)
    return true
  }
}
