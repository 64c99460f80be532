#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusLang
import ClusRuntime
import Foundation

/// One output of a cell, as a notebook stores it and the kernel sends it (nbformat 4 output types).
public enum CellOutput: Sendable, Equatable {
  /// Text written to `stdout` (printed values, tables) or `stderr` (warnings, progress).
  case stream(name: String, text: String)
  /// A value shown before the cell's last statement, or a picture: MIME bundle and its metadata.
  case displayData(data: JSON, metadata: JSON)
  /// The value of the cell's last statement when it is a bare expression.
  case executeResult(data: JSON, metadata: JSON)
  /// The error that stopped the cell: a name, the message, and the traceback's lines (the
  /// diagnostic as the REPL prints it, `cell:line:col: error: …`, source line and caret, in ANSI colour).
  case error(name: String, value: String, traceback: [String])
  /// The progress of a long step: shown as a display with id `id` (`update` false), then updated in
  /// place (`update` true); its last update is empty, so nothing of it stays in a saved notebook.
  /// A written notebook keeps no progress.
  case progress(id: String, text: String, update: Bool)

  /// The output as an nbformat 4 output object (`execute_result` gets `executionCount`).
  public func notebookJSON(executionCount: Int?) -> JSON {
    switch self {
    case .stream(let name, let text):
      return .object([("name", .string(name)), ("output_type", .string("stream")), ("text", CellOutput.lines(text))])
    case .displayData(let data, let metadata):
      return .object([("data", CellOutput.multiline(data)), ("metadata", metadata), ("output_type", .string("display_data"))])
    case .executeResult(let data, let metadata):
      return .object([("data", CellOutput.multiline(data)), ("execution_count", executionCount.map { .int($0) } ?? .null),
                      ("metadata", metadata), ("output_type", .string("execute_result"))])
    case .error(let name, let value, let traceback):
      return .object([("ename", .string(name)), ("evalue", .string(value)), ("output_type", .string("error")),
                      ("traceback", .array(traceback.map { .string($0) }))])
    case .progress(_, let text, _):
      return .object([("data", .object([("text/plain", CellOutput.lines(text))])), ("metadata", .object([])),
                      ("output_type", .string("display_data"))])
    }
  }

  /// Text as nbformat's multi-line strings: a list of lines, each keeping its newline.
  static func lines(_ text: String) -> JSON {
    var out: [JSON] = []
    var cur = ""
    for c in text {
      cur.append(c)
      if c == "\n" || c == "\r\n" { out.append(.string(cur)); cur = "" }
    }
    if !cur.isEmpty { out.append(.string(cur)) }
    return .array(out)
  }

  /// A MIME bundle with its text types as lists of lines (images stay one base64 string).
  static func multiline(_ data: JSON) -> JSON {
    guard case .object(let m) = data else { return data }
    return .object(m.map { k, v in
      if k.hasPrefix("text/"), let s = v.string { return (k, lines(s)) }
      return (k, v)
    })
  }
}

/// How a cell ended.
public enum CellStatus: Sendable, Equatable {
  /// Every statement ran.
  case ok
  /// A syntax or runtime error (or an interrupt) stopped it; the `.error` output was emitted.
  case error(name: String, value: String, traceback: [String])
}

/// Runs cells of clus code in a session and turns what they show into `CellOutput`s, for the Jupyter
/// kernel and for `clus --notebook`: printed text as stdout streams, warnings as stderr, each
/// displayed value as `display_data` (the last statement's as `execute_result`) with `text/plain`
/// as the REPL renders it and `text/html` for tables and records, each picture as `image/png` (or
/// `image/svg+xml`), an error as an `error` output.
public final class CellRunner: @unchecked Sendable {
  /// The session the cells run in (its variables live across cells).
  public let session: Session
  /// Receives the outputs in order; called from the running thread, from algorithm threads (warnings,
  /// progress) and from the timer that sends held-back prints, always under `sendLock`, one at a time.
  private let sink: (CellOutput) -> Void
  /// Guards the buffer and every call of `sink`, so that outputs keep their order whoever sends them.
  private let sendLock = NSLock()
  /// Printed text not sent yet (under `sendLock`).
  private var buffered = ""
  /// When printed text was last sent, and whether a timer will send what is held back (under `sendLock`).
  private var lastFlush = 0.0
  private var flushScheduled = false
  /// Whether held-back prints are sent by a timer 0.2 s later (the kernel) rather than with the next
  /// output or at the cell's end only (a written notebook, whose sink is not thread-safe).
  private let live: Bool
  /// Whether the statement being run is the cell's last (its value is the cell's result).
  private var runningLast = false

  /// A runner over `session` that reports outputs to `sink`. It takes over the session's output,
  /// error output, value display, error report and display sink; `progress: true` (the kernel) shows
  /// long steps' progress as a display updated in place and sends held-back prints after 0.2 s (a
  /// written notebook keeps no progress, and its prints are sent in order at the cell's end).
  public init(session: Session, progress: Bool, sink: @escaping (CellOutput) -> Void) {
    self.session = session
    self.sink = sink
    live = progress
    // a cell never ends the session (the kernel and `clus --notebook` alike): `exit` is an error
    session.allowsExit = false
    session.output = { [unowned self] s in self.write(s) }
    session.errorOutput = { [unowned self] s in self.emit(.stream(name: "stderr", text: s)) }
    session.showValue = { [unowned self] v in
      let data = CellRunner.bundle(v)
      self.emit(self.runningLast ? .executeResult(data: data, metadata: .object([])) : .displayData(data: data, metadata: .object([])))
    }
    session.display = NotebookDisplay { [unowned self] out in self.emit(out) }
    session.progress = progress ? NotebookProgress { [unowned self] out in self.emit(out) } : SilentProgress.shared
  }

  /// `text/plain` (as the REPL renders the value) and, for tables and records, `text/html`.
  public static func bundle(_ v: Value) -> JSON {
    var m: [(String, JSON)] = []
    if let h = Display.html(v) { m.append(("text/html", .string(h))) }
    m.append(("text/plain", .string(Display.render(v))))
    return .object(m)
  }

  /// Printed text: buffered, and sent when other output follows, when the cell ends, when 0.2 s have
  /// passed since the last send, or (live) by a timer 0.2 s after it was held back, so that a slow loop's
  /// prints appear as they come and a print before a long step appears at once.
  private func write(_ s: String) {
    sendLock.lock()
    defer { sendLock.unlock() }
    buffered += s
    let now = monotonicSeconds()
    if now - lastFlush >= 0.2 || buffered.utf8.count > 1 << 16 {
      sendBuffered()
    } else if live && !flushScheduled {
      flushScheduled = true
      DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { [weak self] in
        guard let self else { return }
        self.sendLock.lock()
        defer { self.sendLock.unlock() }
        self.flushScheduled = false
        self.sendBuffered()
      }
    }
  }

  /// Sends the buffer as a stdout stream (the caller holds `sendLock`).
  private func sendBuffered() {
    lastFlush = monotonicSeconds()
    guard !buffered.isEmpty else { return }
    let text = buffered
    buffered = ""
    sink(.stream(name: "stdout", text: text))
  }

  /// Sends buffered stdout, then `out`.
  private func emit(_ out: CellOutput) {
    sendLock.lock()
    defer { sendLock.unlock() }
    sendBuffered()
    sink(out)
  }

  /// Sends what is buffered.
  public func flush() {
    sendLock.lock()
    defer { sendLock.unlock() }
    sendBuffered()
  }

  /// Runs `code` as one cell named `name` in diagnostics; `firstLine` is the line number of its first
  /// line (a script's cell reports the script's lines). Statements run in order until one fails or
  /// the session's cancellation token is set (the kernel's interrupt).
  /// - Returns: `.ok`, or the error (also emitted as an `.error` output).
  @discardableResult
  public func run(_ code: String, name: String, firstLine: Int = 1) -> CellStatus {
    defer { flush() }
    (session.progress as? NotebookProgress)?.startCell()
    let file = SourceFile(name: name, text: String(repeating: "\n", count: max(0, firstLine - 1)) + code)
    var failure: CellStatus?
    session.reportError = { [unowned self] d, f in
      let status = CellRunner.errorStatus(d, f)
      if case .error(let n, let v, let t) = status { self.emit(.error(name: n, value: v, traceback: t)) }
      failure = status
    }
    defer { session.reportError = nil }
    let program: Program
    do {
      program = try Parser.parse(file)
    } catch let d as Diagnostic {
      session.reportError?(d, file)
      return failure ?? .ok
    } catch {
      return .ok
    }
    for (k, stmt) in program.statements.enumerated() {
      if session.cancellation.isCancelled {
        session.reportError?(Diagnostic(.error, "interrupted", at: stmt.range), file)
        return failure ?? .ok
      }
      // only a bare expression ending the cell is its result (a for loop's values are displays)
      if case .expr = stmt { runningLast = k == program.statements.count - 1 } else { runningLast = false }
      defer { runningLast = false }
      let one = Program(statements: [stmt], quiet: program.quiet.contains(k) ? [0] : [])
      if !session.execute(one, in: file) { return failure ?? .error(name: "Error", value: "", traceback: []) }
      // `exit` where the session allows it (a notebook written from scripts): nothing after it runs
      if session.exitStatus != nil { return .ok }
    }
    return .ok
  }

  /// The error output for a diagnostic: `Interrupted` for a cancelled step, else `Error`; the
  /// traceback is the REPL's rendering with the location and `error:` in bold red and the caret in green.
  static func errorStatus(_ d: Diagnostic, _ file: SourceFile) -> CellStatus {
    let lines = d.render(in: file).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var colored: [String] = []
    for (k, l) in lines.enumerated() {
      if k == 0, let r = l.range(of: ": \(d.severity.rawValue): ") {
        let location = String(l[..<r.lowerBound]), message = String(l[r.upperBound...])
        let severity = d.severity.rawValue
        colored.append("\u{1B}[1m\(location): \u{1B}[31m\(severity):\u{1B}[0m\u{1B}[1m \(message)\u{1B}[0m")
      } else if k == lines.count - 1 && k > 0 && l.contains("^") {
        colored.append("\u{1B}[32m\(l)\u{1B}[0m")
      } else {
        colored.append(l)
      }
    }
    let interrupted = d.message == "interrupted" || d.message.hasSuffix(": interrupted")
    return .error(name: interrupted ? "Interrupted" : "Error", value: d.message, traceback: colored)
  }
}

/// Pictures from `plot` as notebook outputs: `image/png` (with its width and height in the
/// metadata, read from the PNG header) or `image/svg+xml`, plus a `text/plain` line. Writes no
/// file: `out=` still writes its own.
final class NotebookDisplay: DisplaySink {
  let send: (CellOutput) -> Void
  init(_ send: @escaping (CellOutput) -> Void) { self.send = send }

  func show(_ picture: Picture) throws -> String? {
    switch picture.format {
    case .png:
      let b = picture.bytes
      var width = 0, height = 0
      if b.count >= 24 {  // IHDR: width and height, big-endian, at bytes 16 and 20
        width = b[16..<20].reduce(0) { $0 << 8 | Int($1) }
        height = b[20..<24].reduce(0) { $0 << 8 | Int($1) }
      }
      send(.displayData(
        data: .object([("image/png", .string(Data(b).base64EncodedString())),
                       ("text/plain", .string("<\(picture.suggestedName) \(width) × \(height) png>"))]),
        metadata: .object([("image/png", .object([("width", .int(width)), ("height", .int(height))]))])))
    case .svg:
      send(.displayData(
        data: .object([("image/svg+xml", .string(String(decoding: picture.bytes, as: UTF8.self))),
                       ("text/plain", .string("<\(picture.suggestedName) svg>"))]),
        metadata: .object([])))
    case .pdf:
      send(.displayData(
        data: .object([("application/pdf", .string(Data(picture.bytes).base64EncodedString())),
                       ("text/plain", .string("<\(picture.suggestedName) pdf>"))]),
        metadata: .object([])))
    }
    return nil
  }
}

/// Progress of long steps in a notebook: one display per cell (`CellOutput.progress`), begun only when
/// a phase has run for a second, updated in place at most twice a second with a bar, counts and ETA (each
/// phase of the cell in the same display), and emptied when a phase ends, so that it disappears from the
/// page and from a saved notebook (whose outputs then do not depend on how fast the machine was).
final class NotebookProgress: ProgressSink, @unchecked Sendable {
  private struct State {
    var label = ""
    var total = 1
    var start = 0.0
    var lastDraw = 0.0
    var active = false
    var done = 0
    /// The cell's number (a new display id for each cell) and whether its display exists.
    var cell = 0
    var shown = false
  }
  private let state = Locked<State>(State())
  private let send: (CellOutput) -> Void
  /// A prefix of the display ids, unique to this process.
  private let idPrefix = "clus-progress-\(getpid())-\(UInt(bitPattern: Int(monotonicSeconds() * 1e6)))"

  init(_ send: @escaping (CellOutput) -> Void) { self.send = send }

  /// A new cell begins: its progress goes into a display of its own.
  func startCell() {
    state.withLock { s in
      s.cell += 1
      s.shown = false
      s.active = false
    }
  }

  func begin(_ label: String, total: Int) {
    state.withLock { s in
      s.label = label
      s.total = max(1, total)
      s.start = monotonicSeconds()
      s.lastDraw = 0
      s.done = 0
      s.active = true
    }
  }

  func update(_ done: Int) {
    let out: CellOutput? = state.withLock { s in
      guard s.active else { return nil }
      s.done = done
      let now = monotonicSeconds()
      guard now - s.start >= 1, now - s.lastDraw >= 0.5 else { return nil }
      s.lastDraw = now
      defer { s.shown = true }
      return .progress(id: "\(idPrefix)-\(s.cell)", text: NotebookProgress.line(s, now: now), update: s.shown)
    }
    if let o = out { send(o) }
  }

  func end() {
    let out: CellOutput? = state.withLock { s in
      defer { s.active = false }
      // emptied only when this phase drew in it (an earlier phase already left it empty)
      guard s.active, s.shown, s.lastDraw > 0 else { return nil }
      return .progress(id: "\(idPrefix)-\(s.cell)", text: "", update: true)
    }
    if let o = out { send(o) }
  }

  private static func line(_ s: State, now: Double) -> String {
    let frac = min(1, max(0, Double(s.done) / Double(s.total)))
    let width = 30, filled = Int(frac * Double(width))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    let elapsed = now - s.start
    var tail = ""
    if frac > 0.02 && frac < 1 { tail = " ETA " + duration(elapsed * (1 - frac) / frac) }
    return "\(s.label) \(bar) \(Int(frac * 100))% \(s.done)/\(s.total) \(duration(elapsed))\(tail)"
  }

  private static func duration(_ s: Double) -> String {
    s < 60 ? Display.cFormat("%.1fs", s) : "\(Int(s) / 60)m\(Int(s) % 60)s"
  }
}
