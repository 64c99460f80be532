#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusLang
import ClusRuntime
import Synchronization

/// The language's surroundings while fuzzing: a temporary directory holding a few tiny data files
/// (`load "a.csv"` reads the one there; the working directory is not changed, since libFuzzer
/// writes its corpus and artifacts to relative paths), a command table that cannot write files or read outside that directory, small
/// memory and value-size limits, and a watchdog that cancels a statement running too long.
public enum Sandbox {
  /// Largest value (in elements) a command may receive or return; bigger is an error.
  public static let maxElements = 100_000
  /// Wall-clock budget of one input; the watchdog then cancels it (as Ctrl-C would).
  public static let secondsPerInput = 2.0
  /// Memory the `Memory.require` checks believe the machine has (`CLUS_MEMORY_AVAILABLE`).
  public static let memoryBytes = "200000000"

  /// The sandbox directory, where `load` looks for the names it is given.
  public nonisolated(unsafe) private(set) static var directory = ""

  /// Creates the directory with its data files, sets the memory override and starts the watchdog (once).
  public static func prepare() {
    if !directory.isEmpty { return }
    setenv("CLUS_MEMORY_AVAILABLE", memoryBytes, 1)
    setenv("HOME", "/nonexistent", 1)  // `~/...` paths lead nowhere
    var template = Array((access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp").utf8CString.dropLast())
    template += Array("/clus-fuzz-XXXXXX".utf8CString)
    guard let d = mkdtemp(&template) else { fatalError("cannot create the sandbox directory") }
    directory = String(cString: d)
    for (name, content) in sandboxFiles { write(content, to: directory + "/" + name) }
    atexit {  // libFuzzer exits normally at the end of a run: leave no directory behind
      for (name, _) in Sandbox.sandboxFiles { unlink(Sandbox.directory + "/" + name) }
      rmdir(Sandbox.directory)
    }
    startWatchdog()
  }

  /// Small files `load` may read: CSV/TSV/text, NPY, and an MNIST-layout IDX pair (`load "."`).
  static let sandboxFiles: [(String, [UInt8])] = [
    ("a.csv", Array("x,y,name\n1,2,p\n3,4.5,q\n-1,NaN,p\n0,7,r\n".utf8)),
    ("b.tsv", Array("1\t2\n3\t4\n5\t6\n".utf8)),
    ("c.txt", Array("1;2;3\n4;5;6\n".utf8)),
    ("d.npy", npyFloat32(rows: 3, cols: 2, values: [0, 1, 2, 3, 4, 5])),
    ("train-images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2] + (0..<12).map { UInt8($0 * 20) }),
    ("train-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 3, 1, 0, 1]),
  ]

  /// A C-order float32 `.npy` file.
  static func npyFloat32(rows: Int, cols: Int, values: [Float]) -> [UInt8] {
    var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(cols)), }".utf8)
    while (10 + dict.count + 1) % 64 != 0 { dict.append(0x20) }
    dict.append(0x0A)
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count & 255), UInt8(dict.count >> 8)] + dict
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
    return out
  }

  private static func write(_ bytes: [UInt8], to path: String) {
    guard let f = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    _ = fwrite(bytes, 1, bytes.count, f)
    fclose(f)
  }

  // MARK: the command table

  /// The standard table with `save` refused, `load` limited to plain names, read in the sandbox
  /// directory, `plot` refusing `out=` and pictures over 1024 pixels, and every command refusing
  /// arguments or results of more than `maxElements` elements or a call after the input's deadline.
  public static let table: CommandTable = {
    var t = CommandTable()
    for var c in CommandTable.standard.commands {
      let inner = c.run
      let name = c.name
      c.run = { inv in
        if Watchdog.expired { throw CommandError.invalidArgument("fuzz sandbox: the input's time is up") }
        for a in inv.rawArgs + inv.parameterValues where elementCount(a) > maxElements {
          throw CommandError.invalidArgument("fuzz sandbox: an argument of \(name) is larger than \(maxElements) elements")
        }
        try refuseOutsideSandbox(name, inv)
        if name == "load", case .string(let p) = inv.args[0] { inv.args[0] = .string(directory + "/" + p) }
        let v = try inner(&inv)
        if elementCount(v) > maxElements {
          throw CommandError.invalidArgument("fuzz sandbox: the result of \(name) is larger than \(maxElements) elements")
        }
        return v
      }
      t.register(c)
    }
    return t
  }()

  /// Throws for a call that would write a file or read outside the sandbox directory.
  private static func refuseOutsideSandbox(_ name: String, _ inv: Invocation) throws {
    func refuse(_ why: String) -> Error { CommandError.invalidArgument("fuzz sandbox: \(why)") }
    switch name {
    case "save":
      throw refuse("save writes files")
    case "load":
      guard case .string(let p) = inv.args[0] else { return }
      if p.contains("/") || p.hasPrefix("~") || p == ".." || p.utf8.contains(0) { throw refuse("load reads only names in the sandbox") }
    case "plot":
      if try inv.isGiven("out") { throw refuse("plot writes no file with out=") }
      for k in ["width", "height"] where try inv.int(k) > 1024 { throw refuse("plot \(k) > 1024") }
    default:
      break
    }
  }

  /// Elements in a value (matrix cells, vector and list items, recursively through records).
  public static func elementCount(_ v: Value) -> Int {
    switch v {
    case .matrix(let m): return m.data.count
    case .sparse(let m): return m.nnz + m.rows
    case .labels(let l): return l.count
    case .floats(let f): return f.count
    case .mask(let m): return m.count
    case .string(let s): return s.utf8.count / 8
    case .list(let items): return items.reduce(items.count) { $0 + elementCount($1) }
    case .record(let r): return r.fields.reduce(0) { $0 + elementCount($1.value) }
    case .figure(let f): return f.pointCount
    case .int, .float, .bool, .none: return 1
    }
  }

  // MARK: running one input

  /// Runs `text` as a script in a fresh session (one thread) inside the sandbox, discarding its
  /// output; returns what it printed and reported.
  @discardableResult
  public static func run(_ text: String, threads: Int = 1) -> (ok: Bool, output: String, errors: String) {
    prepare()
    let session = Session(threads: threads, table: table)
    var out = "", err = ""
    session.output = { out += $0 }
    session.errorOutput = { err += $0 }
    session.display = PlotFolder("/dev/null/plots")  // a picture without out= is drawn, then cannot be written
    Watchdog.arm(session.cancellation, seconds: secondsPerInput)
    defer { Watchdog.disarm() }
    let ok = session.run(SourceFile(name: "fuzz.clus", text: text))
    return (ok, out, err)
  }
}

/// Cancels the running input's session once its time is up (polled every 10 ms by a thread), as
/// Ctrl-C does: loops and algorithms then stop with an error.
enum Watchdog {
  private struct State { var token: CancellationToken?; var deadline: Double = .infinity }
  private static let state = Mutex(State())

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  static func arm(_ token: CancellationToken, seconds: Double) {
    state.withLock { $0 = State(token: token, deadline: now() + seconds) }
  }

  static func disarm() { state.withLock { $0 = State() } }

  static var expired: Bool { state.withLock { now() > $0.deadline } }

  static func poll() {
    state.withLock { s in if now() > s.deadline { s.token?.cancel() } }
  }
}

private func startWatchdog() {
  var thread = pthread_t()
  let rc = pthread_create(&thread, nil, { _ in
    while true {
      usleep(10_000)
      Watchdog.poll()
    }
  }, nil)
  if rc != 0 { fatalError("cannot start the watchdog thread") }
  pthread_detach(thread)
}
