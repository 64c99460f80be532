#if canImport(Glibc)
import Glibc
#endif
import ClusLang

/// Completion of what is typed, for the REPL (libedit) and the Jupyter kernel alike: commands,
/// variables, parameter names, parameter choices, record fields and file paths.
public enum Completions {
  /// The characters that end the word being completed (libedit's word breaks in the REPL; the
  /// kernel cuts the same word out of a cell).
  public static let wordBreaks = " \t\n\"'=([,;+-*/<>"

  /// The word before `cursor` (a UTF-8 byte offset into `line`): the text back to the last word break.
  public static func word(in line: String, cursor: Int) -> String {
    let before = String(decoding: Array(line.utf8.prefix(cursor)), as: UTF8.self)
    var scalars = String.UnicodeScalarView()
    for s in before.unicodeScalars.reversed() {
      if wordBreaks.unicodeScalars.contains(s) { break }
      scalars.append(s)
    }
    return String(String.UnicodeScalarView(scalars.reversed()))
  }

  /// Completions of `word` (the text before the cursor back to a word break) in `line`, each to
  /// replace `word`; `isPath` when they are file names inside a string (then no space should follow).
  /// `cursor` is a UTF-8 byte offset into `line`.
  public static func candidates(in s: Session, line: String, cursor: Int, word: String) -> (matches: [String], isPath: Bool) {
    let prefixBytes = Array(line.utf8.prefix(cursor))
    let before = String(decoding: prefixBytes, as: UTF8.self)
    let vars = s.variables.keys.filter { $0 != "_" }
    switch Parser.completionContext(before, cursor: before.utf8.count) {
    case .parameter(let command, let prefix):
      var out = (s.table[command]?.params.map { $0.name + "=" } ?? []).filter { $0.hasPrefix(prefix) }
      out += vars.filter { $0.hasPrefix(prefix) }
      return (out.sorted(), false)
    case .commandOrVariable(let prefix):
      return (Array(Set(s.table.names + vars)).filter { $0.hasPrefix(prefix) }.sorted(), false)
    case .field(let base, let prefix):
      guard let v = try? s.evaluate(Parser.parseExpression(base)), case .record(let r) = v else { return ([], false) }
      let stem = word.hasSuffix(prefix) ? String(word.dropLast(prefix.count)) : base + "."
      return (r.fieldNames.filter { $0.hasPrefix(prefix) }.map { stem + $0 }, false)
    case .path(let prefix):
      // `umap x init="sp`: a parameter with fixed choices completes to those, not to file names
      if let choices = choiceCompletions(before: before, prefix: prefix, table: s.table) { return (choices, true) }
      // libedit replaces only `word` (the text after the last word break), so drop what precedes it.
      let lead = prefix.hasSuffix(word) ? prefix.count - word.count : 0
      let found = pathCandidates(prefix)
      // a single file closes the string (as a finished name), so Enter runs the line
      if found.count == 1, let only = found.first, !only.hasSuffix("/"), let q = quoteBefore(before) {
        return ([String(only.dropFirst(lead)) + String(q)], true)
      }
      return (found.map { String($0.dropFirst(lead)) }, true)
    case .none:
      return ([], false)
    }
  }

  /// The choices of `param="prefix` when the statement's command declares `param` with fixed
  /// choices (nil when the string is not such a parameter's value).
  public static func choiceCompletions(before: String, prefix: String, table: CommandTable) -> [String]? {
    let chars = Array(before)
    guard let quote = chars.lastIndex(where: { $0 == "\"" || $0 == "'" }), quote >= 2, chars[quote - 1] == "=" else { return nil }
    var k = quote - 2
    var name = ""
    while k >= 0, chars[k].isLetter || chars[k].isNumber || chars[k] == "_" { name = String(chars[k]) + name; k -= 1 }
    // the command is the first word of the statement (after `name =` if it is an assignment)
    let stmt = before.split(separator: ";").last.map(String.init) ?? before
    var words = stmt.split(whereSeparator: { $0 == " " || $0 == "(" }).map(String.init)
    if words.count > 2, words[1] == "=" { words.removeFirst(2) }
    guard let cmd = words.first.flatMap({ table[$0] }) ?? words.compactMap({ table[$0] }).first,
      let p = cmd.param(name)
    else { return nil }
    let options: [String]
    switch p.type {
    case .choice(let o), .choiceOrMatrix(let o): options = o
    default: return nil
    }
    return options.filter { $0.hasPrefix(prefix) }.map { $0 + String(chars[quote]) }
  }

  /// The quote character that opens the string the cursor is in, if any.
  public static func quoteBefore(_ before: String) -> Character? {
    var open: Character? = nil
    for ch in before where ch == "\"" || ch == "'" {
      if open == nil { open = ch } else if open == ch { open = nil }
    }
    return open
  }

  /// Files and folders starting with `prefix` (folders get a trailing `/`).
  public static func pathCandidates(_ prefix: String) -> [String] {
    var dir = ".", stem = prefix, lead = ""
    if let slash = prefix.lastIndex(of: "/") {
      lead = String(prefix[...slash])
      dir = lead.isEmpty ? "/" : lead
      stem = String(prefix[prefix.index(after: slash)...])
    }
    guard let d = opendir(dir) else { return [] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
      if name == "." || name == ".." || !name.hasPrefix(stem) { continue }
      if name.hasPrefix(".") && !stem.hasPrefix(".") { continue }
      var st = stat()
      let full = (lead.isEmpty ? "" : lead) + name
      let isDir = stat(lead.isEmpty ? name : full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
      out.append(full + (isDir ? "/" : ""))
    }
    return out.sorted()
  }
}
