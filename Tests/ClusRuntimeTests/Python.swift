import Foundation
import XCTest

/// The Python the tests compare with numpy through: `$CLUS_PYTHON`, else the repository's
/// `.venv/bin/python3` (made by scripts/install-deps.sh, with numpy), else `python3` on the PATH.
/// - Returns: the executable and the arguments that come before the script's.
func testPython() -> (executable: URL, leading: [String]) {
  if let p = ProcessInfo.processInfo.environment["CLUS_PYTHON"], !p.isEmpty {
    return (URL(fileURLWithPath: p), [])
  }
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let venv = root.appendingPathComponent(".venv/bin/python3")
  if FileManager.default.isExecutableFile(atPath: venv.path) { return (venv, []) }
  return (URL(fileURLWithPath: "/usr/bin/env"), ["python3"])
}

/// Runs `script` (Python source) with `arguments` in `testPython()`.
/// - Returns: what the script printed on stdout.
/// - Throws: `XCTSkip` when that Python cannot be started or cannot import numpy; an error holding
///   the script's stderr when the script itself fails.
@discardableResult
func runPython(_ script: String, _ arguments: [String] = []) throws -> String {
  func run(_ code: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let (exe, leading) = testPython()
    let p = Process()
    p.executableURL = exe
    p.arguments = leading + ["-c", code] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { throw XCTSkip("cannot run \(exe.path): \(error)") }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }
  if try run("import numpy", []).status != 0 {
    throw XCTSkip("Python with numpy is not installed (set CLUS_PYTHON, or run scripts/install-deps.sh for .venv)")
  }
  let r = try run(script, arguments)
  if r.status != 0 { throw PythonFailure(message: r.err) }
  return r.out
}

/// A test script that exited with an error; `message` is its stderr.
struct PythonFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { "the Python script failed:\n\(message)" }
}
