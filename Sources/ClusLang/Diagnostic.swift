/// Source text with a display name (`mnist.clus`, `<repl>`, `<stdin>`, `<-e>`), used to render
/// diagnostics with the offending line and a caret.
public struct SourceFile: Sendable {
  /// The name shown in `name:line:col: error: ...`.
  public let name: String
  /// The full text, its line breaks as `\n`.
  public let text: String
  /// A source file. Its line breaks are read as Python reads source (universal newlines): `\r\n` and
  /// a lone `\r` (a classic Mac file) are `\n`, also inside strings; a lone `\r` was whitespace,
  /// which ran a file's lines together, and a string across a `\r\n` kept the `\r`.
  public init(name: String, text: String) {
    self.name = name
    self.text = SourceFile.universalNewlines(text)
  }

  /// `text` with `\r\n` and lone `\r` as `\n`.
  static func universalNewlines(_ text: String) -> String {
    guard text.utf8.contains(13) else { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    var afterCR = false
    for b in text.utf8 {
      if b == 10 && afterCR { afterCR = false; continue }  // the \n of \r\n, already written
      afterCR = b == 13
      out.append(b == 13 ? 10 : b)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The text of 1-based line `n` without its newline ("" past the end).
  public func line(_ n: Int) -> String {
    var i = 1
    // "\r\n" is one Character in Swift: split on it as well as on "\n"
    for l in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
      if i == n { return String(l.hasSuffix("\r") ? l.dropLast() : l) }
      i += 1
    }
    return ""
  }
}

/// Severity of a diagnostic.
public enum Severity: String, Sendable {
  case error, warning, note
}

/// A message tied to a source range, rendered as
/// `file:line:col: error: message`, then the source line and a caret (`^~~~`) under the range.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
  /// error / warning / note.
  public var severity: Severity
  /// The message (no trailing period needed).
  public var message: String
  /// Where it applies.
  public var range: SourceRange
  /// A diagnostic.
  public init(_ severity: Severity = .error, _ message: String, at range: SourceRange) {
    self.severity = severity
    self.message = message
    self.range = range
  }

  /// Source lines longer than this many characters are shown as a window around the caret.
  public static let maxShownColumns = 160

  /// `line:col: error: message` (without file name or caret).
  public var description: String { "\(range.start.line):\(range.start.column): \(severity.rawValue): \(message)" }

  /// The full rendering against `file`: header line, source line, caret line.
  public func render(in file: SourceFile) -> String {
    let header = "\(file.name):\(range.start.line):\(range.start.column): \(severity.rawValue): \(message)"
    // control characters (a binary file run as a script) are shown as U+FFFD, one for one, so that
    // the caret stays under its column and the terminal gets no raw control bytes
    var src = file.line(range.start.line)
    if src.unicodeScalars.contains(where: isControl) {
      var v = String.UnicodeScalarView()
      v.append(contentsOf: src.unicodeScalars.map { isControl($0) ? "\u{FFFD}" : $0 })
      src = String(v)
    }
    if src.isEmpty && range.start.column <= 1 { return header }
    var srcScalars = Array(src.unicodeScalars)
    var startCol = max(1, range.start.column)
    var width = 1
    if range.end.line == range.start.line { width = max(1, range.end.column - range.start.column) }
    else { width = max(1, srcScalars.count - startCol + 1) }
    var shown = src
    // a very long line (a generated expression) shows a window around the caret, marked with …
    let window = Diagnostic.maxShownColumns
    if srcScalars.count > window {
      let lo = min(max(0, startCol - 1 - window / 4), srcScalars.count - window)
      let hi = lo + window
      var v = String.UnicodeScalarView()
      v.append(contentsOf: srcScalars[lo..<hi])
      shown = (lo > 0 ? "…" : "") + String(v) + (hi < srcScalars.count ? "…" : "")
      srcScalars = Array(shown.unicodeScalars)
      startCol += (lo > 0 ? 1 : 0) - lo
      width = max(1, min(width, hi - lo + (lo > 0 ? 1 : 0) - startCol + 1))
    }
    // the caret goes under the range's columns as a terminal shows them: a wide character (CJK, emoji)
    // takes two, a combining mark none; a tab is copied, so that it reaches the same tab stop
    var pad = ""
    for s in srcScalars.prefix(startCol - 1) {
      if s == "\t" { pad.append("\t") } else { pad += String(repeating: " ", count: displayWidth(s)) }
    }
    if srcScalars.count < startCol - 1 { pad += String(repeating: " ", count: startCol - 1 - srcScalars.count) }
    // the underline: one '~' a column, a tab and each column past the line's end counting one
    let underlined = (startCol - 1..<startCol - 1 + width).reduce(0) { sum, k in
      sum + (k < srcScalars.count && srcScalars[k] != "\t" ? displayWidth(srcScalars[k]) : 1)
    }
    let caret = "^" + String(repeating: "~", count: max(1, underlined) - 1)
    return header + "\n" + shown + "\n" + pad + caret
  }
}

/// A control character other than tab (C0, DEL, C1).
private func isControl(_ s: Unicode.Scalar) -> Bool {
  (s.value < 0x20 && s != "\t") || (s.value >= 0x7F && s.value < 0xA0)
}
