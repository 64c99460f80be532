import ClusLang
import ClusRuntime

/// A script cut into notebook cells: comment blocks become markdown, statements code.
public enum ScriptCell: Sendable, Equatable {
  /// Consecutive comment lines, without their `#` and the space after it.
  case markdown(String)
  /// Consecutive statement lines (a blank line or a comment-only line ends them, unless a bracket
  /// or string is still open); `firstLine` is the script line the code starts on.
  case code(String, firstLine: Int)
}

/// `clus --notebook out.ipynb script.clus`: runs a script and writes it as an nbformat 4.5 notebook
/// with its outputs, as if its cells had been run in the clus kernel.
public enum NotebookWriter {
  /// Cuts a script into cells. A line whose first non-blank character is `#` is a comment line
  /// (`#!` on the first line is dropped); blank lines separate cells; a statement left open at a line
  /// break (a bracket or string) takes the following lines whatever they are.
  public static func cells(of text: String) -> [ScriptCell] {
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    if lines.last == "" { lines.removeLast() }
    var out: [ScriptCell] = []
    var comment: [String] = []
    var code: [String] = []
    var codeStart = 0
    func flushComment() {
      if !comment.isEmpty { out.append(.markdown(comment.joined(separator: "\n"))) }
      comment = []
    }
    func flushCode() {
      if !code.isEmpty { out.append(.code(code.joined(separator: "\n"), firstLine: codeStart)) }
      code = []
    }
    for (k, raw) in lines.enumerated() {
      let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
      if !code.isEmpty && !Parser.isComplete(code.joined(separator: "\n")) {
        code.append(line)
        continue
      }
      let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
      if k == 0 && trimmed.hasPrefix("#!") { continue }
      if trimmed.isEmpty {
        flushComment()
        flushCode()
      } else if trimmed.hasPrefix("#") {
        flushCode()
        var c = trimmed.dropFirst()
        if c.first == " " { c = c.dropFirst() }
        comment.append(String(c))
      } else {
        flushComment()
        if code.isEmpty { codeStart = k + 1 }
        code.append(line)
      }
    }
    flushComment()
    flushCode()
    return out
  }

  /// Adds a cell's output to `outputs`, as Jupyter stores them: a stream right after one of its name
  /// is merged into it; progress is not kept.
  private static func runnerOutput(_ out: CellOutput, into outputs: inout [CellOutput]) {
    if case .progress = out { return }
    if case .stream(let name, let text) = out, let last = outputs.last, case .stream(name, let before) = last {
      outputs[outputs.count - 1] = .stream(name: name, text: before + text)
    } else {
      outputs.append(out)
    }
  }

  /// Runs `scripts` (name and text, in order) in `session` cell by cell and returns the notebook
  /// and whether every cell ran, with the error that stopped them as the REPL prints it (without
  /// colour); after an error the remaining code cells are kept without outputs, and so they are after
  /// `exit` (the session's `exitStatus` is then set, as a script run sets it; the cell that ran it
  /// says so on stderr).
  /// Consecutive stream outputs of one name are merged, as Jupyter stores them.
  ///
  /// `parameters` (the `--set` bindings, already bound in the session) become a first code cell of
  /// assignments tagged `parameters`, as papermill marks the cell it rewrites, so that the notebook
  /// re-runs on its own and a parameterising tool knows what to change.
  public static func notebook(scripts: [(name: String, text: String)], session: Session,
                              parameters: [(String, String)] = []) -> (notebook: JSON, ok: Bool, error: String?) {
    var outputs: [CellOutput] = []
    let runner = CellRunner(session: session, progress: false) { out in runnerOutput(out, into: &outputs) }
    // scripts run as `clus script.clus` runs them: `exit` ends the run there, with its status
    // (the session's exitStatus), and no later cell runs (it was an error, meant for the kernel)
    session.allowsExit = true
    var cells: [JSON] = []
    var ok = true, failure: String? = nil
    var count = 0
    if !parameters.isEmpty {
      var seen = Set<String>()
      let lines = parameters.reversed().filter { seen.insert($0.0).inserted }.reversed()
        .map { "\($0.0) = \(Display.quote($0.1))" }
      count += 1
      cells.append(.object([
        ("cell_type", .string("code")), ("execution_count", .int(count)), ("id", .string("parameters")),
        ("metadata", .object([("tags", .array([.string("parameters")]))])), ("outputs", .array([])),
        ("source", CellOutput.lines(lines.joined(separator: "\n"))),
      ]))
    }
    let all = scripts.flatMap { script in NotebookWriter.cells(of: script.text).map { (script, $0) } }
    // after each cell, whether a code cell follows (what an `exit` there leaves unrun)
    var codeAfter = [Bool](repeating: false, count: all.count)
    var seenCode = false
    for t in all.indices.reversed() {
      codeAfter[t] = seenCode
      if case .code = all[t].1 { seenCode = true }
    }
    for (t, (script, cell)) in all.enumerated() {
      let id = String(cells.count + 1)
      switch cell {
      case .markdown(let text):
        cells.append(.object([("cell_type", .string("markdown")), ("id", .string("md-" + id)), ("metadata", .object([])),
                              ("source", CellOutput.lines(text))]))
      case .code(let code, let firstLine):
        var number: Int? = nil
        outputs = []
        if ok && session.exitStatus == nil {
          count += 1
          number = count
          session.cancellation.reset()
          if case .error(_, _, let traceback) = runner.run(code, name: script.name, firstLine: firstLine) {
            ok = false
            failure = traceback.joined(separator: "\n").replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
          }
          // the cell that ran `exit` says so under it, and that the cells below were not run
          if let status = session.exitStatus {
            let below = codeAfter[t] ? "; the cells below did not run" : ""
            runnerOutput(.stream(name: "stderr", text: "exit \(status): the run ended here\(below)\n"), into: &outputs)
          }
        }
        cells.append(.object([
          ("cell_type", .string("code")), ("execution_count", number.map { .int($0) } ?? .null),
          ("id", .string("code-" + id)), ("metadata", .object([])),
          ("outputs", .array(outputs.map { $0.notebookJSON(executionCount: number) })),
          ("source", CellOutput.lines(code)),
        ]))
      }
    }
    let nb: JSON = .object([
      ("cells", .array(cells)),
      ("metadata", .object([
        ("kernelspec", .object([("display_name", .string("clus")), ("language", .string("clus")), ("name", .string("clus"))])),
        ("language_info", Kernel.languageInfo),
      ])),
      ("nbformat", .int(4)), ("nbformat_minor", .int(5)),
    ])
    return (nb, ok, failure)
  }
}
