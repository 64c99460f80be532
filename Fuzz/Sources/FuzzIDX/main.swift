import FuzzSupport

/// libFuzzer entry: arbitrary bytes as an IDX file, plain or gzip-compressed (inflated when the bytes
/// start with the gzip magic, as `load` does).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  fuzzLoader(bytes(data, size), fileName: "fuzz-idx3-ubyte")
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzIDX_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
