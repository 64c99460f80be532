import FuzzSupport

/// libFuzzer entry: a tiny matrix (n ≤ 40, d ≤ 5) and labels decoded from the bytes, given to one of
/// umap (+ transform), hdbscan (+ approximate_predict, membership vectors), kmeans, pca, dbscan, the
/// label scores, trustworthiness, the internal validity scores, or DBCV and relative validity,
/// through the language (the product's argument checking), with 1 and with 2 threads. The answers must pass their invariants (`AlgorithmCase.check`) and be
/// the same bits; otherwise the run must end in an error message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  AlgorithmCase(bytes(data, size)).run()
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzAlgorithms_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
