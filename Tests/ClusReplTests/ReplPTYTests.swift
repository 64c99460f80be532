#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Drives the real REPL through a pseudo-terminal: history survives a restart, parameter names
/// complete on Tab, an error keeps the session's variables, Ctrl-D exits.
final class ReplPTYTests: XCTestCase {
  final class Terminal {
    let process = Process()
    var master: Int32 = -1
    var transcript = ""

    init(stateHome: String, arguments: [String] = ["--threads", "1"]) throws {
      // Linux pseudo-terminal multiplexer: unlock (TIOCSPTLCK) and get the number (TIOCGPTN).
      master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
      var unlock: Int32 = 0
      var number: Int32 = -1
      guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
        throw XCTSkip("no pseudo-terminal available")
      }
      let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
      guard slave >= 0 else { throw XCTSkip("cannot open the pseudo-terminal") }
      var ws = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
      _ = ioctl(slave, UInt(TIOCSWINSZ), &ws)
      process.executableURL = URL(fileURLWithPath: try clusBinary())
      process.arguments = arguments
      process.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
      var env = ProcessInfo.processInfo.environment
      env["XDG_STATE_HOME"] = stateHome
      env["TERM"] = "xterm"
      process.environment = env
      let h = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
      process.standardInput = h
      process.standardOutput = h
      process.standardError = h
      try process.run()
    }

    func send(_ s: String) {
      let bytes = Array(s.utf8)
      _ = bytes.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until `needle` has appeared (after `from` characters of the transcript) or 15 s pass.
    @discardableResult
    func expect(_ needle: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
      let start = transcript.count
      let deadline = Date().addingTimeInterval(15)
      var buf = [UInt8](repeating: 0, count: 4096)
      while Date() < deadline {
        if transcript.dropFirst(max(0, start - needle.count)).contains(needle) { return true }
        var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        if poll(&pfd, 1, 200) > 0 {
          let n = read(master, &buf, buf.count)
          if n <= 0 { break }
          transcript += String(decoding: buf[0..<n], as: UTF8.self)
        }
      }
      if transcript.contains(needle) { return true }
      XCTFail("did not see \(needle.debugDescription); transcript:\n\(transcript)", file: file, line: line)
      return false
    }

    /// Reads until `needle` occurs once more than it does now in the transcript, or 15 s pass.
    @discardableResult
    func expectAnother(_ needle: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
      let count = { (t: String) in t.components(separatedBy: needle).count - 1 }
      let before = count(transcript)
      let deadline = Date().addingTimeInterval(15)
      while Date() < deadline {
        if count(transcript) > before { return true }
        _ = expectQuietly()
      }
      if count(transcript) > before { return true }
      XCTFail("did not see another \(needle.debugDescription); transcript:\n\(transcript)", file: file, line: line)
      return false
    }

    /// Waits (up to 5 s) until clus sleeps in the line editor's read, as a user's key would find it
    /// at a drawn prompt: a key that arrives while the prompt is still being set up (under a loaded
    /// machine, after "In [n]: " is written but before libedit has switched the terminal to its raw
    /// mode) can be lost in that switch, which is not what this test is about.
    func waitUntilReading() {
      let deadline = Date().addingTimeInterval(5)
      var sleeping = 0
      while process.isRunning && Date() < deadline && sleeping < 3 {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        // the state is the field after the parenthesised command name
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        sleeping = state == "S" ? sleeping + 1 : 0
        _ = expectQuietly()
      }
    }

    func finish() {
      waitUntilReading()
      send("\u{04}")
      let deadline = Date().addingTimeInterval(10)
      while process.isRunning && Date() < deadline { _ = expectQuietly() }
      if process.isRunning { process.terminate() }
      close(master)
    }

    private func expectQuietly() -> Bool {
      var buf = [UInt8](repeating: 0, count: 4096)
      var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
      if poll(&pfd, 1, 100) > 0 {
        let n = read(master, &buf, buf.count)
        if n > 0 { transcript += String(decoding: buf[0..<n], as: UTF8.self) }
        return n > 0
      }
      return false
    }
  }

  /// Ctrl-C at the prompt always brings a fresh prompt back, also right after a parallel step
  /// (found by the soak test, scripts/soak.py: with libdispatch's threads about, a Ctrl-C that landed
  /// before libedit's read() left the prompt waiting for Enter and swallowed the next Ctrl-D), and
  /// keys typed after it, UTF-8 included, still reach the line.
  func testCtrlCAtThePromptAfterAParallelStep() throws {
    let state = NSTemporaryDirectory() + "clus-repl-int-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    var csv = ""
    for i in 0..<600 { csv += (0..<6).map { j in String((i * 7 + j * 13) % 29 + (i % 3) * 40) }.joined(separator: ",") + "\n" }
    try csv.write(toFile: state + "/points.csv", atomically: true, encoding: .utf8)

    let t = try Terminal(stateHome: state, arguments: ["--threads", "2"])
    t.expect("In [1]: ")
    t.send("x = load \"\(state)/points.csv\"; e = umap x n_neighbors=10 n_epochs=5 random_state=1\r")
    t.expect("In [2]: ")
    // The terminal is not clus's controlling terminal here (Process cannot make it one), so Ctrl-C is
    // the SIGINT the terminal would send, not the byte 0x03 (scripts/soak.py sends the byte).
    for _ in 0..<20 {
      kill(t.process.processIdentifier, SIGINT)  // at once, while the prompt may still be being set up
      guard t.expectAnother("In [2]: ") else { break }
    }
    // Made certain: strace delays the return of each write clus makes by 0.3 s, so a Ctrl-C sent as
    // soon as the prompt shows arrives before libedit reads the terminal (before the fix, every
    // second one left the prompt waiting).
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") {
      let tracer = Process()
      tracer.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
      tracer.arguments = ["-qq", "-o", "/dev/null", "-e", "trace=write", "-e", "inject=write:delay_exit=300000",
                          "-p", String(t.process.processIdentifier)]
      try tracer.run()
      Thread.sleep(forTimeInterval: 0.5)
      if tracer.isRunning {  // attached (ptrace may be forbidden)
        for _ in 0..<6 {
          kill(t.process.processIdentifier, SIGINT)
          guard t.expectAnother("In [2]: ") else { break }
        }
        tracer.terminate()
      }
      tracer.waitUntilExit()
    }
    t.send("shape e\r")
    t.expect("600 × 2")
    t.send("s = \"αβ × ü\"\r")
    t.expect("In [4]: ")
    t.send("s\r")
    t.expect("αβ × ü")
    // Ctrl-D at the drawn prompt, as a user presses it (a Ctrl-D typed ahead of the prompt, before the
    // line editor has the terminal, once went unanswered for 10 s under AddressSanitizer)
    t.expect("In [5]: ")
    t.finish()
    XCTAssertFalse(t.process.isRunning, "Ctrl-D ends the REPL; transcript's end: \(t.transcript.suffix(200).debugDescription)")
  }

  /// `exit` and `quit` end the session, as in IPython; a variable of that name is shown instead.
  func testExitAndQuitEndTheSession() throws {
    /// A prompt with a history of its own, and a wait for its end.
    func fresh() throws -> Terminal {
      let state = NSTemporaryDirectory() + "clus-repl-exit-\(getpid())-\(Int.random(in: 0..<1_000_000))"
      try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
      let t = try Terminal(stateHome: state)
      t.expect("In [1]: ")
      return t
    }
    func waitForEnd(_ t: Terminal) {
      let deadline = Date().addingTimeInterval(10)
      while t.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }
    for word in ["exit", "quit"] {
      let t = try fresh()
      t.send("\(word) = 5\r")
      t.expect("In [2]: ")
      t.send("\(word)\r")
      t.expect("5")
      t.expect("In [3]: ")
      t.send("\(word)()\r")
      waitForEnd(t)
      XCTAssertFalse(t.process.isRunning, "\(word)() ends the REPL")
      t.finish()
    }
    // as a command after other statements, with a status: the process ends with it
    let t = try fresh()
    t.send("print 7; exit 3\r")
    t.expect("7")
    waitForEnd(t)
    XCTAssertFalse(t.process.isRunning, "exit 3 ends the REPL")
    if !t.process.isRunning { XCTAssertEqual(t.process.terminationStatus, 3) }
    t.finish()
  }

  func testHistorySurvivesRestartAndParametersComplete() throws {
    let state = NSTemporaryDirectory() + "clus-repl-\(getpid())-\(Int.random(in: 0..<1_000_000))"
    try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)

    let first = try Terminal(stateHome: state)
    first.expect("In [1]: ")
    first.send("x = 41\r")
    first.expect("In [2]: ")
    first.send("x + nosuch\r")  // an error keeps the session
    first.expect("unknown variable or command 'nosuch'")
    first.expect("In [3]: ")
    first.send("x\r")
    first.expect("41")
    first.finish()
    let saved = try String(contentsOfFile: state + "/clus/history", encoding: .utf8)
    XCTAssertEqual(saved, "x = 41\nx + nosuch\nx\n")

    let second = try Terminal(stateHome: state)
    second.expect("In [1]: ")
    second.send("\u{1B}[A\u{1B}[A\u{1B}[A\r")  // up three times: `x = 41` from the last session
    second.expect("In [2]: ")
    second.send("x + 1\r")
    second.expect("42")
    second.send("v = unique [1, 2, 2] cou\t")  // completes to counts=
    second.send("true\r")
    second.send("v.counts\r")
    second.expect("[1 2]")
    // with text typed, Up searches for entries that contain it (libedit's ed-search-prev-history):
    // "y =" then Up skips `v.counts` and recalls `y = 1000`; Ctrl-E, "7" and Enter make y 10007
    // (a plain Up would recall `v.counts`, and y would stay 1000)
    second.send("y = 1000\r")
    second.send("v.counts\r")
    second.send("y =\u{1B}[A\u{05}7\r")
    second.send("y\r")
    second.expect("10007")
    // anywhere in the entry, not only at its start (as the README says): "w" then Up recalls
    // `z = 100 + w`, the latest entry holding a w, and Enter makes z 105 (a prefix search would
    // recall `w = 5` and leave z at 0)
    second.send("w = 5\r")
    second.send("z = 100 + w\r")
    second.send("z = 0\r")
    second.send("w\u{1B}[A\r")
    second.send("z\r")
    second.expect("105")
    // a for loop continues over lines while its '{' is open, then runs
    second.send("for k in [1, 2] {\r")
    second.expect("...: ")
    second.send("k * 111\r")
    second.expect("...: ")
    second.send("}\r")
    second.expect("222")
    second.finish()
  }
}
