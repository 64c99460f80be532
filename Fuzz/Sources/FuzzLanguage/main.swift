import FuzzSupport
import ClusLang

/// libFuzzer entry: arbitrary bytes as a clus script (decoded as the `clus` executable decodes a
/// script file: invalid UTF-8 becomes U+FFFD), lexed, parsed and run in a fresh session inside the
/// sandbox (`Sandbox`); also the REPL's continuation test and Tab-completion context on it.
/// Syntax and runtime errors are expected; a crash, a hang past the watchdog or a sanitizer report
/// is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: bytes(data, size), as: UTF8.self)
  _ = Parser.isComplete(text)
  let line = text.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
  _ = Parser.completionContext(line, cursor: line.utf8.count / 2)
  Sandbox.run(text)
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzLanguage_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
