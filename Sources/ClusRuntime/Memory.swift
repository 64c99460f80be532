#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms

/// Memory checks made before an allocation whose size a parameter sets, so that a large value is
/// a clear error naming the parameter instead of an abort ("failed to allocate").
public enum Memory {
  /// Bytes the machine can give now without swapping: `MemAvailable` of /proc/meminfo (nil when
  /// it cannot be read). `CLUS_MEMORY_AVAILABLE` (bytes) overrides it, for tests.
  public static func available() -> Double? {
    if let s = getenv("CLUS_MEMORY_AVAILABLE"), let v = Double(String(cString: s)) { return v }
    guard let f = fopen("/proc/meminfo", "r") else { return nil }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
      let s = String(cString: line)
      guard s.hasPrefix("MemAvailable:") else { continue }
      let digits = s.dropFirst("MemAvailable:".count).filter(\.isNumber)
      guard let kb = Double(String(digits)) else { return nil }
      return kb * 1024  // the file counts in kB (KiB)
    }
    return nil
  }

  /// "22.9 GB", "512.0 MB": decimal units, one decimal.
  public static func text(_ bytes: Double) -> String {
    if bytes >= 1e9 { return Display.cFormat("%.1f GB", bytes / 1e9) }
    return Display.cFormat("%.1f MB", bytes / 1e6)
  }

  /// Throws `DataFileError` (.tooLarge) naming the file `path` when reading `what` needs `bytes`
  /// more than the memory available. Does nothing when that is unknown.
  static func requireForFile(_ bytes: Double, path: String, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    throw DataFileError(path: path, kind: .tooLarge,
                        message: "\(what) needs about \(text(bytes)); this machine has \(text(avail)) available")
  }

  /// Throws `CommandError.invalidArgument` when `bytes` (an estimate of what the command will
  /// allocate for `what`) exceed the memory available. Does nothing when that is unknown.
  public static func require(_ bytes: Double, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    throw CommandError.invalidArgument("\(what) needs about \(text(bytes)); this machine has \(text(avail)) available")
  }

  /// Throws `CommandError.invalidParameter` for `parameter` when `bytes` (an estimate of what
  /// the command will allocate) exceed the memory available; `what` says what is that large
  /// ("300 rows × 1000000 components"). Does nothing when the available memory is unknown.
  public static func require(_ bytes: Double, parameter: String, value: Int, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    throw CommandError.invalidParameter(
      name: parameter, value: String(value),
      allowed: "it needs about \(text(bytes)) (\(what)); this machine has \(text(avail)) available")
  }
}
