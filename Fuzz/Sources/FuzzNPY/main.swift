import FuzzSupport

/// libFuzzer entry: arbitrary bytes as a `.npy` file (gzip-compressed when they start with its magic),
/// read from memory, then written to a file and loaded from it, where a float32 matrix is mapped instead
/// of read (`loadMappedNPY`): both must give the same values bit for bit, or both refuse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let b = bytes(data, size)
  fuzzLoader(b, fileName: "fuzz.npy")
  fuzzMappedLoad(b)
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzNPY_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
