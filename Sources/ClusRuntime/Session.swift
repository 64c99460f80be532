#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusLang

/// Thrown by `exit` and `quit` where the session allows it (`Session.allowsExit`): ends the run
/// with `status` (`Session.execute` stops and sets `Session.exitStatus`).
struct ExitRequest: Error {
  let status: Int32
}

/// One clus session: variables, `_`, settings, the command table, and where output goes.
/// The REPL keeps one for its whole life; an error or Ctrl-C never loses its variables.
public final class Session {
  /// Bound variables (`_` holds the last displayed value).
  public var variables: [String: Value] = [:]
  /// The commands.
  public var table: CommandTable
  /// Threads for every algorithm (`--threads`, `CLUS_THREADS`; default: all cores).
  public var threads: Int
  /// Set by Ctrl-C; polled by the algorithms.
  public let cancellation = CancellationToken()
  /// Standard output (values, tables).
  public var output: (String) -> Void
  /// Standard error (diagnostics, warnings).
  public var errorOutput: (String) -> Void
  /// Progress bars for long steps.
  public var progress: ProgressSink
  /// Where pictures drawn by `plot` go: by default the next free `plot-N.png` in `out/` (see
  /// `PlotFolder`); the REPL's sink also shows them in the terminal.
  public var display: DisplaySink = PlotFolder("out")
  /// Whether the statement being run binds its value (`f = plot ...`): commands see it as
  /// `Invocation.resultIsBound`.
  var assigning = false
  /// Where a displayed value goes (a statement that is a bare expression); nil (the default)
  /// writes `Display.render` of it to `output`. The Jupyter kernel sets it to send values as results.
  public var showValue: ((Value) -> Void)?
  /// Where an error that stops a run goes, as the diagnostic and the file it points into; nil (the
  /// default) writes the rendered diagnostic to `errorOutput`.
  public var reportError: ((Diagnostic, SourceFile) -> Void)?
  /// Statements evaluated so far.
  public private(set) var entryCount = 0
  /// Whether `exit` and `quit` may end the run (scripts, `-e`, the prompt); a notebook's kernel
  /// turns them into an error instead, so that a cell never ends the session.
  public var allowsExit = true
  /// The status `exit` or `quit` asked for: the run stopped there, and the caller ends the process
  /// with it. Nil until then.
  public private(set) var exitStatus: Int32?

  /// The file being run and the range of the command running, for warnings.
  var currentFile: SourceFile = SourceFile(name: "<none>", text: "")
  var currentRange: SourceRange?

  /// A session writing to the process's stdout/stderr, with the standard command table.
  public init(threads: Int = defaultThreadCount(), table: CommandTable = .standard) {
    self.threads = max(1, threads)
    self.table = table
    self.output = { s in writeAll(s, stdout) }
    self.errorOutput = { s in writeAll(s, stderr) }
    self.progress = SilentProgress.shared
  }

  /// Emits a warning tied to the command being run: `file:line:col: warning: message`, then the
  /// source line and a caret under the command, as an error is shown.
  public func warn(_ message: String) {
    progress.clearLine()
    if let r = currentRange {
      errorOutput(Diagnostic(.warning, message, at: r).render(in: currentFile) + "\n")
    } else {
      errorOutput("warning: \(message)\n")
    }
  }

  /// The algorithm context for the next command.
  func makeContext() -> RunContext {
    let box = WarningBox(self)
    return RunContext(threads: threads, cancellation: cancellation, progress: progress, warn: { m in box.send(m) })
  }

  /// Parses and runs `file`, displaying values and reporting the first error on `errorOutput`.
  /// - Returns: false if a syntax or runtime error stopped it.
  @discardableResult
  public func run(_ file: SourceFile) -> Bool {
    let program: Program
    do {
      program = try Parser.parse(file)
    } catch let d as Diagnostic {
      report(d, in: file)
      return false
    } catch {
      errorOutput("\(file.name): error: \(error)\n")  // the parser throws only diagnostics
      return false
    }
    return execute(program, in: file)
  }

  /// Runs parsed statements in order; stops at the first error, which it reports.
  /// - Returns: false on error.
  @discardableResult
  public func execute(_ program: Program, in file: SourceFile) -> Bool {
    currentFile = file
    for (index, stmt) in program.statements.enumerated() {
      cancellation.reset()
      entryCount += 1
      do {
        try executeStatement(stmt, quiet: program.quiet.contains(index))
      } catch let e as ExitRequest {
        // not an error: the statements after it do not run, and the caller ends the process
        exitStatus = e.status
        return true
      } catch let e as RuntimeError {
        report(Diagnostic(.error, e.message, at: e.range), in: file)
        return false
      } catch let d as Diagnostic {
        report(d, in: file)
        return false
      } catch {
        report(Diagnostic(.error, "\(error)", at: stmt.range), in: file)
        return false
      }
    }
    return true
  }

  /// Sends an error that stops a run to `reportError`, or writes it to `errorOutput`.
  func report(_ d: Diagnostic, in file: SourceFile) {
    if let r = reportError { r(d, file) } else { errorOutput(d.render(in: file) + "\n") }
  }

  /// Expressions nested deeper than this are refused before evaluation (the evaluator recurses).
  static let maxDepth = Parser.maxTreeDepth

  /// Refuses a tree the evaluator could not recurse through (the parser never builds one).
  private func checkDepth(_ e: Expr) throws {
    let d = e.depth
    if d > Session.maxDepth {
      throw RuntimeError("expression is nested too deeply (\(d) levels, at most \(Session.maxDepth)); split it into several statements", at: e.range)
    }
  }

  func executeStatement(_ stmt: Stmt, quiet: Bool = false) throws {
    switch stmt {
    case .assign(_, _, let e, _), .expr(let e): try checkDepth(e)
    case .forLoop(_, _, let e, _, _, _): try checkDepth(e)
    }
    switch stmt {
    case .forLoop(let name, _, let sequence, let body, let quiet, _):
      let items = try loopItems(evaluate(sequence), at: sequence.range)
      for item in items {
        if cancellation.isCancelled { throw RuntimeError("for: interrupted", at: stmt.range, interrupted: true) }
        variables[name] = item
        for (k, s) in body.enumerated() {
          do {
            try executeStatement(s, quiet: quiet.contains(k))
          } catch let e as RuntimeError where !e.interrupted {
            throw RuntimeError(e.message + " (in the for loop, \(name) = \(Display.summary(item)))", at: e.range)
          }
        }
      }
    case .assign(let name, _, let e, _):
      assigning = true
      defer { assigning = false }
      let v = try evaluate(e)
      variables[name] = v
    case .expr(let e):
      let v = try evaluate(e)
      if case .none = v { return }
      variables["_"] = v
      if !quiet {
        if let show = showValue { show(v) } else { output(Display.render(v) + "\n") }
      }
    }
  }
}

extension Session {
  /// What a `for` loop runs over: a list's items, a vector's elements as numbers or booleans, or a
  /// categorical's values by name (NaN for a missing one), as indexing one element gives them.
  func loopItems(_ v: Value, at range: SourceRange) throws -> [Value] {
    if case .record = v, let (codes, names) = Frames.categories(of: v) {
      return codes.map { $0 >= 0 && $0 < names.count ? .string(names[$0]) : .float(.nan) }
    }
    switch v.resolved {
    case .list(let items): return items
    case .labels(let x): return x.map { .int($0) }
    case .floats(let x): return x.map { .float($0) }
    case .mask(let x): return x.map { .bool($0) }
    default:
      throw RuntimeError("for needs a list or a vector to run over, got \(v.kindWithArticle)", at: range)
    }
  }
}

/// Forwards warnings from algorithm threads to the session, one at a time.
final class WarningBox: @unchecked Sendable {
  private unowned let session: Session
  private let lock = Locked<Void>(())
  init(_ s: Session) { session = s }
  func send(_ m: String) { lock.withLock { _ in session.warn(m) } }
}

/// The clus version.
public let version = AlgorithmsInfo.version

/// Writes all of `s` to `file` and flushes it: its UTF-8 bytes by count, so that a NUL inside a
/// value (a CSV column name can hold one) does not cut off the rest, as `fputs` would.
private func writeAll(_ s: String, _ file: UnsafeMutablePointer<FILE>) {
  var s = s
  s.withUTF8 { b in if let p = b.baseAddress { _ = fwrite(p, 1, b.count, file) } }
  if fflush(file) != 0 && file == stdout && standardOutputError == 0 { standardOutputError = errno }
}

/// The `errno` of the first write to standard output that failed (a full disk, a closed pipe), 0
/// if none: the executable reports it and exits with status 1 instead of losing output silently.
public nonisolated(unsafe) var standardOutputError: Int32 = 0
