#if canImport(Glibc)
import Glibc
#endif
import CEdit
import ClusLang
import ClusRuntime

/// The interactive prompt: libedit line editing, a persistent history, tab completion of
/// commands, variables, parameter names, record fields and file paths, `In [n]:` prompts.
final class Repl {
  let session: Session
  let history: History

  init(session: Session) {
    self.session = session
    self.history = History(path: History.defaultPath())
  }

  func loop() {
    setlocale(LC_ALL, "")
    clus_set_readline_name("clus")
    Completion.session = session
    Completion.install()
    // Keys are read by promptGetc, which returns as soon as Ctrl-C is pressed, whenever it lands:
    // libedit's own read() is only interrupted when the signal arrives while it waits, so a Ctrl-C
    // just as the prompt is drawn (a step ending) left the prompt waiting for Enter.
    clus_set_getc_function(promptGetc)
    // Up/Down search the history for entries that contain what is typed anywhere (libedit's
    // ed-search-prev-history: a substring, or the text as a regular expression; with nothing typed
    // they step through it as usual)
    _ = rl_initialize()  // the bindings need libedit's editor, which readline() would create later
    for key in ["^[[A", "^[OA"] { _ = rl_parse_and_bind("bind \(key) ed-search-prev-history") }
    for key in ["^[[B", "^[OB"] { _ = rl_parse_and_bind("bind \(key) ed-search-next-history") }
    history.load()
    print("clus \(ClusRuntime.version) — type help for the commands, Ctrl-D to quit")
    var n = 1
    while true {
      guard let entry = readEntry(number: n) else { break }
      let trimmed = entry.trimmingWhitespace
      if trimmed.isEmpty { continue }
      // as IPython: exit and quit end the session (Ctrl-D too), unless they name a variable
      if ["exit", "quit", "exit()", "quit()"].contains(trimmed) && session.variables[trimmed] == nil {
        history.add(entry)
        break
      }
      history.add(entry)
      session.cancellation.reset()
      interruptCount = 0
      _ = session.run(SourceFile(name: "<repl>", text: entry))
      if session.exitStatus != nil { break }  // `exit 3`, or exit after other statements
      n += 1
    }
    print("")
  }

  /// Reads one entry, asking for continuation lines while brackets are open. Nil at end of input.
  func readEntry(number: Int) -> String? {
    var text = ""
    var prompt = "In [\(number)]: "
    while true {
      let before = interruptCount
      promptInterruptBase = before
      guard let cLine = readline(prompt) else {
        if interruptCount != before {  // Ctrl-C at the prompt: drop the line
          print("")
          text = ""
          prompt = "In [\(number)]: "
          continue
        }
        return text.isEmpty ? nil : text
      }
      let line = String(cString: cLine)
      free(cLine)
      if interruptCount != before { text = ""; prompt = "In [\(number)]: "; continue }
      text += text.isEmpty ? line : "\n" + line
      if Parser.isComplete(text) { return text }
      prompt = String(repeating: " ", count: max(0, "In [\(number)]".count - 3)) + "...: "
    }
  }
}

/// The interrupt count when the current prompt began; `promptGetc` ends the line once it changes.
nonisolated(unsafe) var promptInterruptBase: Int32 = 0

/// Reads one key for libedit's readline(): a byte, or a whole UTF-8 sequence as its code point
/// (libedit turns the result into one wide character). Returns -1 (end of the line) at end of input
/// or as soon as Ctrl-C has been pressed since the prompt began: the signal handler counts it and
/// writes to `interruptPipe`, which wakes the poll() here even when the signal arrived before it.
func promptGetc(_ stream: UnsafeMutablePointer<FILE>?) -> Int32 {
  let fd = stream.map { fileno($0) } ?? 0
  guard let first = readKeyByte(fd) else { return -1 }
  if first < 0x80 { return Int32(first) }
  let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
  var scalar = UInt32(first) & (0x3F >> UInt32(extra))
  for _ in 0..<extra {
    guard let b = readKeyByte(fd) else { return -1 }
    if b & 0xC0 != 0x80 { return Int32(b) }  // not UTF-8: the stray lead byte is dropped
    scalar = scalar << 6 | UInt32(b & 0x3F)
  }
  return extra == 0 ? Int32(first) : Int32(bitPattern: scalar)
}

/// The next byte from `fd`, or nil at end of input, on a read error, or once Ctrl-C was pressed.
private func readKeyByte(_ fd: Int32) -> UInt8? {
  while true {
    if interruptCount != promptInterruptBase { return nil }
    var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
               pollfd(fd: interruptPipe.read, events: Int16(POLLIN), revents: 0)]
    let r = poll(&fds, interruptPipe.read >= 0 ? 2 : 1, -1)
    if r < 0 {
      if errno == EINTR || errno == EAGAIN { continue }
      return nil
    }
    if interruptPipe.read >= 0 && fds[1].revents != 0 {
      var sink = [UInt8](repeating: 0, count: 64)
      while read(interruptPipe.read, &sink, sink.count) > 0 {}
      continue
    }
    if fds[0].revents != 0 {
      var b: UInt8 = 0
      let n = read(fd, &b, 1)
      if n == 1 { return b }
      if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
      return nil
    }
  }
}

extension String {
  var trimmingWhitespace: String {
    var s = Substring(self)
    while let f = s.first, f.isWhitespace { s.removeFirst() }
    while let l = s.last, l.isWhitespace { s.removeLast() }
    return String(s)
  }
}

/// The persistent history: a plain text file, one entry per line (newlines inside an entry
/// escaped as `\n`, backslashes as `\\`), appended after each entry so a crash loses nothing,
/// and capped at `limit` entries.
final class History {
  let path: String
  let limit = 1000

  init(path: String) { self.path = path }

  /// `$XDG_STATE_HOME/clus/history`, default `~/.local/state/clus/history`.
  static func defaultPath() -> String {
    if let x = getenv("XDG_STATE_HOME"), x.pointee != 0 { return String(cString: x) + "/clus/history" }
    let home = getenv("HOME").map { String(cString: $0) } ?? "."
    return home + "/.local/state/clus/history"
  }

  static func encode(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.append(c)
      }
    }
    return out
  }

  static func decode(_ s: String) -> String {
    var out = ""
    var esc = false
    for c in s {
      if esc {
        out.append(c == "n" ? "\n" : c)
        esc = false
      } else if c == "\\" {
        esc = true
      } else {
        out.append(c)
      }
    }
    return out
  }

  func entries() -> [String] {
    guard let f = fopen(path, "r") else { return [] }
    defer { fclose(f) }
    var out: [String] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var cap = 0
    while getline(&line, &cap, f) > 0 {
      var s = String(cString: line!)
      if s.hasSuffix("\n") { s.removeLast() }
      if !s.isEmpty { out.append(History.decode(s)) }
    }
    free(line)
    return out
  }

  func load() {
    stifle_history(Int32(limit))
    var all = entries()
    if all.count > limit * 2 {  // keep the file bounded
      all = Array(all.suffix(limit))
      rewrite(all)
    }
    for e in all.suffix(limit) { add_history(e) }
  }

  func rewrite(_ all: [String]) {
    let tmp = path + ".tmp"
    guard let f = fopen(tmp, "w") else { return }
    for e in all { fputs(History.encode(e) + "\n", f) }
    fclose(f)
    rename(tmp, path)
  }

  func add(_ entry: String) {
    add_history(entry)
    makeDirectories(forFile: path)
    guard let f = fopen(path, "a") else { return }
    fputs(History.encode(entry) + "\n", f)
    fclose(f)
  }
}
