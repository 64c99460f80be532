import FuzzSupport

/// libFuzzer entry: arbitrary bytes as a `.npz` file (a zip of `.npy` members, as numpy's savez writes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  fuzzLoader(bytes(data, size), fileName: "fuzz.npz")
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzNPZ_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
