import FuzzSupport
import ClusRuntime

/// libFuzzer entry: the first byte picks the file name (.csv, .tsv, .txt) and `load`'s CSV options
/// (header, delimiter, columns, na_values); the rest is the file.
///
/// First byte: bits 0–1 the extension (0 .csv, 1 .tsv, 2 .txt, 3 .csv.gz), bits 2–3 the header
/// (auto, yes, no), bit 4 `delimiter=";"`, bit 5 `columns=[1, 0]`, bit 6 `columns=["a"]`,
/// bit 7 `na_values=["-", "x"]`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size > 0 else { return 0 }
  let b = data[0]
  let name = ["fuzz.csv", "fuzz.tsv", "fuzz.txt", "fuzz.csv.gz"][Int(b & 3)]
  var o = CSVOptions()
  o.header = [.auto, .yes, .no, .auto][Int(b >> 2 & 3)]
  if b & 16 != 0 { o.delimiter = 0x3B }
  if b & 32 != 0 { o.columns = [.index(1), .index(0)] }
  if b & 64 != 0 { o.columns = (o.columns ?? []) + [.name("a")] }
  if b & 128 != 0 { o.naValues = ["-", "x"] }
  fuzzLoader(bytes(data + 1, size - 1), fileName: name, csv: o)
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzCSV_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
