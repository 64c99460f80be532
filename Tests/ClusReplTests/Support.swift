#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// The repository root (two levels above this file).
let repoRoot: String = {
  var parts = "\(#filePath)".split(separator: "/").map(String.init)
  parts.removeLast(3)
  return "/" + parts.joined(separator: "/")
}()

/// The `clus` binary under test: `CLUS_BIN`, or the one built beside the test bundle.
func clusBinary() throws -> String {
  if let b = ProcessInfo.processInfo.environment["CLUS_BIN"] {
    return b.hasPrefix("/") ? b : repoRoot + "/" + b
  }
  let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  let candidate = exe.deletingLastPathComponent().appendingPathComponent("clus").path
  if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
  let fallback = repoRoot + "/.build/debug/clus"
  if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
  throw XCTSkip("clus binary not built (run swift build first)")
}

/// Result of running the binary.
struct RunResult {
  var stdout: String
  var stderr: String
  var status: Int32
}

/// Runs `clus` with `args` in the repository root, feeding `stdin`.
func runClus(_ args: [String], stdin: String? = nil, stdinBytes: [UInt8]? = nil, env: [String: String] = [:],
             executable: String? = nil) throws -> RunResult {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: try executable ?? clusBinary())
  p.arguments = args
  p.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
  var e = ProcessInfo.processInfo.environment
  for (k, v) in env { e[k] = v }
  p.environment = e
  let out = Pipe(), err = Pipe(), inp = Pipe()
  p.standardOutput = out
  p.standardError = err
  p.standardInput = inp
  try p.run()
  if let s = stdin { inp.fileHandleForWriting.write(s.data(using: .utf8)!) }
  if let b = stdinBytes { inp.fileHandleForWriting.write(Data(b)) }
  try inp.fileHandleForWriting.close()
  final class Box: @unchecked Sendable { var data = Data() }
  let outBox = Box(), errBox = Box()
  let g = DispatchGroup()
  g.enter()
  DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); g.leave() }
  g.enter()
  DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
  p.waitUntilExit()
  g.wait()
  let outData = outBox.data, errData = errBox.data
  return RunResult(
    stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
    status: p.terminationStatus)
}
