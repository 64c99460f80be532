#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms

/// Memory checks made before an allocation whose size a parameter sets, so that a large value is
/// a clear error naming the parameter instead of an abort ("failed to allocate").
public enum Memory {
  /// Bytes this process can still allocate without swapping or being killed: the smaller of
  /// `MemAvailable` in /proc/meminfo and the room left under the memory limit of the process's
  /// control group (cgroup v2 `memory.max` − `memory.current`, or v1 `memory.limit_in_bytes` −
  /// `memory.usage_in_bytes`, each less the group's reclaimable `inactive_file` page cache), as
  /// a container or a batch scheduler sets it. nil when neither can be read.
  /// `CLUS_MEMORY_AVAILABLE` (bytes) overrides it, for tests and for users who know better, up to
  /// the machine's memory and swap (`ceiling()`): an allocation past them fails at once, and Swift
  /// ends the process on a failed allocation.
  public static func available() -> Double? {
    if let v = overrideValue() { return min(v, ceiling() ?? v) }
    let machine = meminfoAvailable()
    guard let group = cgroupRoom() else { return machine }
    return machine.map { min($0, group) } ?? group
  }

  /// `CLUS_MEMORY_AVAILABLE` as a size, nil when unset or not a size.
  private static func overrideValue() -> Double? {
    guard let s = getenv("CLUS_MEMORY_AVAILABLE") else { return nil }
    return bytes(String(cString: s))
  }

  /// The most memory any step can be given: `MemTotal` + `SwapTotal` of /proc/meminfo (nil when
  /// it cannot be read).
  static func ceiling() -> Double? {
    guard let total = meminfoField("MemTotal") else { return nil }
    return total + (meminfoField("SwapTotal") ?? 0)
  }

  /// `CLUS_MEMORY_AVAILABLE` when it is a size above `ceiling()`, and the ceiling used instead,
  /// for the executable to warn about; else nil.
  public static func cappedOverride() -> (given: String, used: Double)? {
    guard let v = overrideValue(), let c = ceiling(), v > c, let s = getenv("CLUS_MEMORY_AVAILABLE") else { return nil }
    return (String(cString: s), c)
  }

  /// The value of `CLUS_MEMORY_AVAILABLE` when it is set but not a size `available()` can use
  /// (so the machine's own figure is used instead), for the executable to warn about; else nil.
  public static func ignoredOverride() -> String? {
    guard let s = getenv("CLUS_MEMORY_AVAILABLE") else { return nil }
    let text = String(cString: s)
    return bytes(text) == nil ? text : nil
  }

  /// A size as `CLUS_MEMORY_AVAILABLE` takes it: bytes, or a number with k, M, G, T, P or E in
  /// either case, with or without B (powers of 1000, as `text` prints them, GB = 10⁹ bytes); nil
  /// for anything else or a negative or non-finite size.
  static func bytes(_ s: String) -> Double? {
    var digits = Substring(s.filter { !$0.isWhitespace })
    let units: [Character: Double] = ["k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15, "e": 1e18]
    if digits.count > 1 && (digits.hasSuffix("B") || digits.hasSuffix("b")) { digits = digits.dropLast() }
    var scale = 1.0
    if let last = digits.last, let u = units[Character(last.lowercased())] { scale = u; digits = digits.dropLast() }
    // decimal only: Double() would also read hexadecimal ("0x10" as 16)
    guard !digits.contains(where: { $0 == "x" || $0 == "X" }), let v = Double(digits), v.isFinite, v >= 0 else { return nil }
    return v * scale
  }

  /// `MemAvailable` of /proc/meminfo in bytes.
  static func meminfoAvailable() -> Double? { meminfoField("MemAvailable") }

  /// A field of /proc/meminfo (`MemAvailable`, `MemTotal`, ...) in bytes.
  static func meminfoField(_ name: String) -> Double? {
    guard let text = readSmallFile("/proc/meminfo") else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
      let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
      return Double(String(digits)).map { $0 * 1024 }  // the file counts in kB (KiB)
    }
    return nil
  }

  /// The room left under the process's cgroup memory limit (see `available()`), nil without a
  /// limit. `root` is where the cgroup file systems are mounted, `selfCgroup` the text of
  /// /proc/self/cgroup (both parameters for tests).
  static func cgroupRoom(root: String = "/sys/fs/cgroup", selfCgroup: String? = nil) -> Double? {
    let membership = selfCgroup ?? readSmallFile("/proc/self/cgroup") ?? ""
    var v2Path: String?, v1Path: String?
    for line in membership.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      if parts[0] == "0" && parts[1].isEmpty { v2Path = String(parts[2]) }
      if parts[1].split(separator: ",").contains("memory") { v1Path = String(parts[2]) }
    }
    func number(_ path: String) -> Double? {
      guard let t = readSmallFile(path)?.filter({ !$0.isWhitespace }), t != "max" else { return nil }
      return Double(t)
    }
    func inactiveFile(_ stat: String, key: String) -> Double {
      guard let text = readSmallFile(stat) else { return 0 }
      for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count == 2 && f[0] == key { return Double(f[1]) ?? 0 }
      }
      return 0
    }
    // the group's own directory, or the mount's root inside a container (where the path shown
    // is the host's and does not exist)
    func dirs(_ base: String, _ path: String?) -> [String] {
      var out: [String] = []
      if let p = path, p != "/" { out.append(base + p) }
      out.append(base)
      return out
    }
    var rooms: [Double] = []
    for d in dirs(root, v2Path) {
      guard v2Path != nil, let limit = number(d + "/memory.max"), let used = number(d + "/memory.current") else { continue }
      rooms.append(limit - max(0, used - inactiveFile(d + "/memory.stat", key: "inactive_file")))
      break
    }
    for d in dirs(root + "/memory", v1Path) {
      guard v1Path != nil, let limit = number(d + "/memory.limit_in_bytes"), let used = number(d + "/memory.usage_in_bytes") else { continue }
      // v1 reports "no limit" as a page-rounded 2⁶³ − 1
      if limit < 1e18 { rooms.append(limit - max(0, used - inactiveFile(d + "/memory.stat", key: "total_inactive_file"))) }
      break
    }
    return rooms.min().map { max(0, $0) }
  }

  /// A small text file's contents (procfs and cgroup files), nil if it cannot be read.
  private static func readSmallFile(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while out.count < 1 << 20 {
      let r = fread(&buf, 1, buf.count, f)
      if r <= 0 { break }
      out += buf[0..<r]
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// "22.9 GB", "512.0 MB", "4 kB" (below 0.1 MB), "512 B" (below 1 kB), "2.4 TB", "73.8 EB": decimal units (powers of
  /// 1000, kB to EB); `extra` more decimals.
  public static func text(_ bytes: Double, extra: Int = 0) -> String { text(bytes, unitOf: bytes, extra: extra) }

  /// `bytes` in the unit `text` would choose for `unitOf`.
  private static func text(_ bytes: Double, unitOf u: Double, extra: Int) -> String {
    for (scale, unit) in [(1e18, "EB"), (1e15, "PB"), (1e12, "TB"), (1e9, "GB")] where u >= scale {
      return Display.cFormat("%.\(1 + extra)f \(unit)", bytes / scale)
    }
    if u < 1e3 { return Display.cFormat("%.0f B", bytes) }
    if u < 1e5 { return Display.cFormat("%.\(extra)f kB", bytes / 1e3) }
    return Display.cFormat("%.\(1 + extra)f MB", bytes / 1e6)
  }

  /// What a step needs and what the machine has, as `text`, with more decimals while the two would
  /// read the same ("needs about 0.1 MB; this machine has 0.1 MB" said nothing): 0.13 MB and 0.10 MB.
  static func texts(needed: Double, available: Double) -> (String, String) {
    // amounts within a factor of 10 in the unit of the larger, so that "0.1 MB" never faces "100 kB";
    // others each in its own
    if max(needed, available) > 10 * min(needed, available) { return (text(needed), text(available)) }
    let unit = max(needed, available)
    func inUnit(_ v: Double, _ extra: Int) -> String { text(v, unitOf: unit, extra: extra) }
    var extra = 0
    while extra < 6 && inUnit(needed, extra) == inUnit(available, extra) { extra += 1 }
    return (inUnit(needed, extra), inUnit(available, extra))
  }

  /// Refuses, naming the file `path`, to build the rows (CSR) of a sparse matrix of `rows` rows and
  /// `stored` entries that the file holds otherwise (by column, or as coordinates) when that would
  /// not fit: the row offsets and their counts (16 bytes a row) and a copy of the entries (8 bytes
  /// each). A file of few entries can declare 2³¹ rows.
  static func requireForRowForm(rows: Int, stored: Int, path: String) throws {
    // in Double: a file can declare 2⁶³ − 1 rows, whose rows + 1 would overflow
    try requireForFile((Double(rows) + 1) * 16 + Double(stored) * 8, path: path,
                       what: "building the rows of this sparse matrix (\(rows) row\(rows == 1 ? "" : "s"), "
                         + "\(stored) stored value\(stored == 1 ? "" : "s"))")
  }

  /// Throws `DataFileError` (.tooLarge) naming the file `path` when reading `what` needs `bytes`
  /// more than the memory available. Does nothing when that is unknown.
  static func requireForFile(_ bytes: Double, path: String, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    let (need, have) = texts(needed: bytes, available: avail)
    throw DataFileError(path: path, kind: .tooLarge,
                        message: "\(what) needs about \(need); this machine has \(have) available")
  }

  /// Throws `CommandError.invalidArgument` when `bytes` (an estimate of what the command will
  /// allocate for `what`) exceed the memory available. Does nothing when that is unknown.
  public static func require(_ bytes: Double, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    let (need, have) = texts(needed: bytes, available: avail)
    throw CommandError.invalidArgument("\(what) needs about \(need); this machine has \(have) available")
  }

  /// Throws `CommandError.invalidArgument` when a whole run of `command` (an estimate of what it
  /// will allocate beyond its input: `bytes`, for `what`) exceeds the memory available (see
  /// `available()`), with the estimate, its bytes per row and `advice`: a clear error before
  /// the step instead of the kernel's out-of-memory kill in its middle. Does nothing when the
  /// available memory is unknown.
  public static func requireForRun(_ bytes: Double, command: String, what: String, advice: String) throws {
    guard let avail = available(), bytes > avail else { return }
    let (need, have) = texts(needed: bytes, available: avail)
    throw CommandError.invalidArgument(
      "the run needs about \(need) beyond its input (\(what)); this machine has \(have) available: \(advice)")
  }

  /// Throws `CommandError.invalidParameter` for `parameter` when `bytes` (an estimate of what
  /// the command will allocate) exceed the memory available; `what` says what is that large
  /// ("300 rows × 1000000 components"). Does nothing when the available memory is unknown.
  public static func require(_ bytes: Double, parameter: String, value: Int, what: String) throws {
    guard let avail = available(), bytes > avail else { return }
    let (need, have) = texts(needed: bytes, available: avail)
    throw CommandError.invalidParameter(
      name: parameter, value: String(value),
      allowed: "it needs about \(need) (\(what)); this machine has \(have) available")
  }
}
