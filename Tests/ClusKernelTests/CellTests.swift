import ClusAlgorithms
import ClusKernel
import ClusRuntime
import XCTest

/// What a cell shows, as the kernel and `clus --notebook` send it.
final class CellTests: XCTestCase {
  func run(_ cells: [String]) -> (outputs: [CellOutput], statuses: [CellStatus], session: Session) {
    let session = Session(threads: 1)
    var outputs: [CellOutput] = []
    let runner = CellRunner(session: session, progress: false) { outputs.append($0) }
    let statuses = cells.map { runner.run($0, name: "<cell>") }
    return (outputs, statuses, session)
  }

  func plain(_ data: JSON) -> String? { data["text/plain"]?.string }

  /// The text without its ANSI SGR sequences (ESC [ … m).
  func stripANSI(_ s: String) -> String {
    var out = "", inEscape = false
    for c in s.unicodeScalars {
      if inEscape { if c == "m" { inEscape = false }; continue }
      if c == "\u{1B}" { inEscape = true; continue }
      out.unicodeScalars.append(c)
    }
    return out
  }

  /// Earlier values are display_data, the last statement's is execute_result; prints are stdout, in order.
  func testValuesPrintsAndTheResult() {
    let (out, statuses, _) = run(["x = 2\nx\nprint (x + 1)\nx * 3"])
    XCTAssertEqual(statuses, [.ok])
    XCTAssertEqual(out.count, 3, "\(out)")
    guard out.count == 3 else { return }
    if case .displayData(let d, _) = out[0] { XCTAssertEqual(plain(d), "2") } else { XCTFail("\(out[0])") }
    XCTAssertEqual(out[1], .stream(name: "stdout", text: "3\n"))
    if case .executeResult(let d, _) = out[2] { XCTAssertEqual(plain(d), "6") } else { XCTFail("\(out[2])") }
  }

  /// `exit` and `quit` in a cell are an error that keeps the session (IPython would stop the
  /// kernel): the statements before it ran, those after it in the cell did not, later cells run.
  func testExitInACellIsAnErrorThatKeepsTheSession() {
    let (out, statuses, session) = run(["x = 2\nexit\nx = 3", "quit 1", "x"])
    XCTAssertEqual(statuses.count, 3)
    guard statuses.count == 3 else { return }
    if case .error(_, let v, _) = statuses[0] { XCTAssertTrue(v.contains("exit ends a script or the prompt, not a notebook's cell"), v) } else { XCTFail("\(statuses[0])") }
    if case .error = statuses[1] {} else { XCTFail("\(statuses[1])") }
    XCTAssertEqual(statuses[2], .ok)
    XCTAssertNil(session.exitStatus)
    guard case .int(2)? = session.variables["x"] else { return XCTFail("\(String(describing: session.variables["x"]))") }
    if case .executeResult(let d, _)? = out.last { XCTAssertEqual(plain(d), "2") } else { XCTFail("\(out)") }
  }

  /// A trailing `;` hides a value; an assignment shows nothing.
  func testQuietStatements() {
    let (out, _, _) = run(["y = 5\ny;"])
    XCTAssertEqual(out, [])
  }

  /// An error stops the cell with the REPL's diagnostic (location, message, source line, caret), keeps
  /// the variables, and the next cell runs.
  func testErrorKeepsVariables() {
    let (out, statuses, session) = run(["a = 1\nb = zzz + 1\nc = 3", "a + 1"])
    guard case .error(let name, let value, let traceback) = statuses[0] else { return XCTFail("\(statuses)") }
    XCTAssertEqual(name, "Error")
    XCTAssertEqual(value, "unknown variable or command 'zzz'")
    let plainLines = traceback.map(stripANSI)
    XCTAssertEqual(plainLines, ["<cell>:2:5: error: unknown variable or command 'zzz'", "b = zzz + 1", "    ^~~"])
    XCTAssertTrue(traceback[0].contains("\u{1B}[31merror:"), traceback[0])
    XCTAssertNotNil(session.variables["a"])
    XCTAssertNil(session.variables["c"], "a statement after the error ran")
    XCTAssertEqual(statuses[1], .ok)
    if case .executeResult(let d, _)? = out.last { XCTAssertEqual(plain(d), "2") } else { XCTFail("\(out)") }
  }

  /// A cancelled session stops the cell before its next statement with an Interrupted error.
  func testInterruptedBetweenStatements() {
    let session = Session(threads: 1)
    var outputs: [CellOutput] = []
    let runner = CellRunner(session: session, progress: false) { outputs.append($0) }
    session.cancellation.cancel()
    let status = runner.run("x = 1", name: "<cell>")
    guard case .error(let name, let value, _) = status else { return XCTFail("\(status)") }
    XCTAssertEqual(name, "Interrupted")
    XCTAssertEqual(value, "interrupted")
    XCTAssertNil(session.variables["x"])
  }

  /// A step interrupted inside a `for` loop is the cell's Interrupted error as outside one (the loop
  /// added its variable to the message, and the kernel named it Error).
  func testInterruptedInsideALoop() {
    var table = CommandTable()
    table.register(Command("stop", group: "basics", summary: "a command interrupted as it runs", params: []) { _ in
      throw AlgorithmError.cancelled
    })
    let runner = CellRunner(session: Session(threads: 1, table: table), progress: false) { _ in }
    let status = runner.run("for i in [1, 2] { stop }", name: "<cell>")
    guard case .error(let name, let value, _) = status else { return XCTFail("\(status)") }
    XCTAssertEqual(name, "Interrupted")
    XCTAssertEqual(value, "stop: interrupted")
  }

  /// A record has an HTML table beside its text, with its text escaped.
  func testRecordHTMLIsEscaped() {
    let v = Value.record(Record(kind: "demo", fields: [("name", .string("<b>&\""))]))
    let html = Display.html(v) ?? ""
    XCTAssertTrue(html.contains("&lt;b&gt;&amp;"), html)
    XCTAssertFalse(html.contains("<b>"), html)
  }

  /// A plot goes into the outputs as image/png with its size, and writes no file without out=.
  func testPlotIsInline() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clus-cell-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let cwd = FileManager.default.currentDirectoryPath
    _ = FileManager.default.changeCurrentDirectoryPath(dir.path)
    defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
    let (out, statuses, _) = run(["plot [[0, 0], [1, 1], [2, 0]] width=300 height=200"])
    XCTAssertEqual(statuses, [.ok], "\(out)")
    let images = out.compactMap { o -> JSON? in
      if case .displayData(let d, let m) = o, d["image/png"] != nil { return m }
      return nil
    }
    XCTAssertEqual(images.count, 1, "\(out)")
    XCTAssertEqual(images.first?["image/png"]?["width"]?.int, 300)
    XCTAssertEqual(images.first?["image/png"]?["height"]?.int, 200)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "a plot folder was made")
  }
}
