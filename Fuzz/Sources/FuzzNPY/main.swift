import FuzzSupport

/// libFuzzer entry: arbitrary bytes as a `.npy` file (gzip-compressed when they start with its magic).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  fuzzLoader(bytes(data, size), fileName: "fuzz.npy")
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzNPY_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
