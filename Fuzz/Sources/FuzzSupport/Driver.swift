import CFuzzerDriver
import ClusRuntime

/// Runs libFuzzer's driver (the options and corpus directories in `argv`, as libFuzzer's own `main`)
/// with `test` as `LLVMFuzzerTestOneInput`. SwiftPM links every executable target with `main`
/// renamed to `<module>_main`, which libFuzzer's `main` then cannot satisfy, so each target defines
/// `<module>_main` and calls this. The sandbox and the command tables are made first, so that
/// their one-time allocations are not taken for leaks of the first input.
public func runFuzzer(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
  _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
  Sandbox.prepare()
  _ = Sandbox.table
  var c = argc
  var v: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
  return LLVMFuzzerRunDriver(&c, &v, test)
}
