#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ClusAlgorithms
import ClusKernel
import ClusLang
import ClusRuntime

/// The `clus` executable: runs scripts, code given with `-e`, a script on standard input, or the
/// interactive REPL on a terminal. Exit codes: 0 success, 1 script or runtime error, 2 usage error.
@main
struct Clus: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clus",
    abstract: "Cluster data: UMAP, HDBSCAN, K-Means, PCA and scores in a small pipeline language.",
    discussion: """
      Examples:
        clus examples/mnist.clus          run a script
        clus p.clus --set in=part-7.npy   run a script with in = "part-7.npy"
        clus -e 'm = load "data/mnist"; shape m.data'
        echo 'help umap' | clus           read a script from standard input
        clus                              start the interactive prompt (on a terminal)
        clus --notebook out.ipynb s.clus  run a script and write it as a notebook with its outputs
        clus kernel install               make clus a Jupyter kernel (see clus kernel --help)
      """,
    version: "clus \(AlgorithmsInfo.version)")

  @Argument(help: "Scripts to run in order (`-` reads standard input).")
  var files: [String] = []

  @Option(name: [.customShort("e"), .customLong("execute")], parsing: .unconditionalSingleValue,
          help: "Code to run (may be repeated); it runs before any script files.")
  var code: [String] = []

  @Option(name: .customLong("set"), parsing: .unconditionalSingleValue,
          help: ArgumentHelp("Bind a variable to a string before any code runs (may be repeated).", valueName: "name=value"))
  var assignments: [String] = []

  // unconditional: `--threads -1` is the value −1 (refused by validate), not an unknown option
  @Option(name: .long, parsing: .unconditional, help: "Threads for every algorithm (default: CLUS_THREADS or all cores).")
  var threads: Int?

  @Option(name: .long, help: "Folder for pictures written by `plot` without out= (default: out).")
  var plotDir: String?

  @Option(name: .long, help: ArgumentHelp("Run the scripts and write them as a Jupyter notebook (nbformat 4.5) with their outputs: comment blocks become markdown cells, statements code cells.", valueName: "out.ipynb"))
  var notebook: String?

  @Flag(name: .long, help: .hidden)
  var commandsMarkdown = false

  func validate() throws {
    // an argument that is not UTF-8 (Latin-1 code in -e or --set) reached the language with U+FFFD
    // for its bytes, in silence
    // (a script's file name may be any bytes, as Linux allows: readTextFile opens it by them)
    for (k, arg) in UnsafeBufferPointer(start: CommandLine.unsafeArgv, count: Int(CommandLine.argc)).enumerated().dropFirst() {
      guard let p = arg else { continue }
      let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
      let repaired = String(decoding: bytes, as: UTF8.self)
      let isCode = (code + assignments).contains { !$0.isEmpty && repaired.hasSuffix($0) }
      if isCode, let at = firstInvalidUTF8(bytes) {
        throw ValidationError("argument \(k) is not UTF-8 text: byte 0x\(String(bytes[at], radix: 16, uppercase: true)) at byte \(at + 1) (give clus UTF-8 text)")
      }
    }
    if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
    if notebook != nil && (files.isEmpty || !code.isEmpty) {
      throw ValidationError("--notebook needs script files (and no -e): clus --notebook out.ipynb script.clus")
    }
    _ = try boundVariables()
  }

  /// The `--set name=value` bindings, in order (a later one for the same name wins, with a warning
  /// on stderr): each name an
  /// identifier of the language that is not a keyword, each value taken as a string as written.
  /// - Throws: `ValidationError` (exit code 2) for a missing `=` or a name that is not a variable name.
  func boundVariables() throws -> [(String, String)] {
    try assignments.map { a in
      guard let eq = a.firstIndex(of: "=") else {
        throw ValidationError("--set needs name=value, got '\(a)'")
      }
      let name = String(a[..<eq]), value = String(a[a.index(after: eq)...])
      guard let tokens = try? Lexer.tokenize(name), tokens.count == 2, case .identifier(name) = tokens[0].kind else {
        throw ValidationError("--set: '\(name)' is not a variable name (letters, digits and _, not starting with a digit, not a keyword)")
      }
      return (name, value)
    }
  }

  mutating func run() throws {
    if commandsMarkdown {
      print(ClusRuntime.commandsMarkdown(CommandTable.standard))
      return
    }
    let session = Session(threads: resolvedThreads())
    if let bad = Memory.ignoredOverride() {
      fputs("clus: warning: ignoring CLUS_MEMORY_AVAILABLE=\(bad) (expected bytes, or a number with k, M, G, T, P or E: 800M, 8G)\n", stderr)
    }
    if let (given, used) = Memory.cappedOverride() {
      fputs("clus: warning: CLUS_MEMORY_AVAILABLE=\(given) is more than this machine's memory and swap: using \(Memory.text(used))\n", stderr)
    }
    let bound = try boundVariables()
    for (name, value) in bound { session.variables[name] = .string(value) }
    // a name given twice: the last wins (as papermill's -p), said on stderr so that it is never silent
    var seen = Set<String>()
    for (name, _) in bound where seen.insert(name).inserted && bound.filter({ $0.0 == name }).count > 1 {
      let values = bound.filter { $0.0 == name }.map { "\(name)=\($0.1)" }
      fputs("clus: warning: --set \(name) is given \(values.count) times (\(values.joined(separator: ", "))); using the last\n", stderr)
    }
    // pictures go to the plot folder (the session's default: out/); the prompt's, unless given
    // one, to a temporary folder
    if let d = plotDir { session.display = PlotFolder(d) }
    if TerminalProgress.stderrIsTerminal {
      // a message (a warning during a phase, the error of a step that stopped inside one) starts
      // on a clean line, not after a half-drawn bar
      let bar = TerminalProgress()
      session.progress = bar
      let write = session.errorOutput
      session.errorOutput = { bar.clearLine(); write($0) }
    }
    installInterruptHandler(session.cancellation)
    if let out = notebook { try writeNotebook(out, session) }

    var ok = true
    // `exit` stops the run where it stands: no later -e code or script runs
    for c in code where ok && session.exitStatus == nil {
      ok = session.run(SourceFile(name: "<-e>", text: c))
    }
    for f in files where ok && session.exitStatus == nil {
      let read = f == "-" ? readStandardInputScript() : readTextFile(f)
      guard let text = read.text else {
        fputs("clus: error: cannot read script '\(f == "-" ? "<stdin>" : f)': \(read.reason)\n", stderr)
        throw ExitCode(2)
      }
      ok = session.run(SourceFile(name: f == "-" ? "<stdin>" : f, text: text))
    }
    // a run stopped by Ctrl-C exits as the shell's convention has it (128 + SIGINT), not as an error
    if !ok { throw ExitCode(interruptCount > 0 ? 130 : 1) }
    if let status = session.exitStatus { throw ExitCode(status) }
    if code.isEmpty && files.isEmpty {
      if isatty(0) != 0 {
        interactiveMode = true
        session.display = TerminalDisplay(
          folder: plotDir ?? "/tmp/clus-plots-\(getuid())",
          inline: detectInlineImageProtocol(environment: environmentDictionary(), isTTY: isatty(1) != 0))
        Repl(session: session).loop()
      } else {
        let read = readStandardInputScript()
        guard let text = read.text else {
          fputs("clus: error: cannot read script '<stdin>': \(read.reason)\n", stderr)
          throw ExitCode(2)
        }
        if !session.run(SourceFile(name: "<stdin>", text: text)) { throw ExitCode(1) }
      }
      if let status = session.exitStatus { throw ExitCode(status) }
    }
  }

  func resolvedThreads() -> Int { cappedThreads(threads ?? threadsFromEnvironment()) }

  /// `--notebook`: runs the scripts cell by cell (`NotebookWriter`) and writes the notebook, even
  /// when a cell fails (then with exit code 1). Pictures go into the notebook, not into a folder; the
  /// `--set` bindings become its first code cell, tagged `parameters` (papermill's convention).
  func writeNotebook(_ out: String, _ session: Session) throws -> Never {
    // a notebook's path: one of the scripts given in its place (`--notebook analysis.clus out.ipynb`)
    // was emptied and then removed
    func refuse(_ message: String) throws -> Never {
      fputs("clus: error: \(message)\n", stderr)
      throw ExitCode(2)
    }
    if !out.lowercased().hasSuffix(".ipynb") {
      try refuse("--notebook writes a Jupyter notebook, whose name ends in .ipynb, got '\(out)'"
        + (out.lowercased().hasSuffix(".clus") ? " (a script: the notebook's path comes first, clus --notebook out.ipynb \(out))" : ""))
    }
    var outStat = stat()
    if stat(out, &outStat) == 0 {
      for f in files where f != "-" {
        var st = stat()
        if stat(f, &st) == 0 && st.st_dev == outStat.st_dev && st.st_ino == outStat.st_ino {
          try refuse("--notebook '\(out)' is the script '\(f)' itself; write the notebook to another file")
        }
      }
    }
    // the path is checked first, so that one that cannot be written fails before the script runs; the
    // notebook replaces it whole at the end (a failed or stopped run leaves an old notebook as it was)
    if let why = replacementProblem(out) {
      fputs("clus: error: cannot write '\(out)': \(why)\n", stderr)
      throw ExitCode(1)
    }
    var scripts: [(name: String, text: String)] = []
    for f in files {
      let read = f == "-" ? readStandardInputScript() : readTextFile(f)
      guard let text = read.text else {
        fputs("clus: error: cannot read script '\(f == "-" ? "<stdin>" : f)': \(read.reason)\n", stderr)
        throw ExitCode(2)
      }
      scripts.append((f == "-" ? "<stdin>" : f, text))
    }
    let (nb, ok, failure) = NotebookWriter.notebook(scripts: scripts, session: session, parameters: try boundVariables())
    // the error is in the notebook, and said here too: a batch run's log showed only its exit status
    if let failure { fputs(failure + "\n", stderr) }
    // a run stopped by Ctrl-C writes nothing: an old notebook stays as it was (it was replaced by
    // the part that ran), and the status is the shell's for an interrupt
    if interruptCount > 0 {
      fputs("clus: interrupted: '\(out)' was not written\n", stderr)
      throw ExitCode(130)
    }
    if let why = replaceFile(out, text: nb.pretty(indent: 1) + "\n") {
      fputs("clus: error: cannot write '\(out)': \(why)\n", stderr)
      throw ExitCode(1)
    }
    fputs("wrote \(out)\n", stderr)
    // `exit N` in a script ends the run with N, as `clus script.clus` does
    throw ExitCode(session.exitStatus ?? (ok ? 0 : 1))
  }

  /// Parses arguments; usage errors exit with code 2 (help and version with 0). `clus kernel ...`
  /// goes to the kernel's own commands.
  static func main() {
    Foundation_exit(runToStatus())
  }

  /// The work of `main`, returning the exit status: a function of its own so that every value it
  /// made (the arguments, the command, the session) is freed before `exit`, where LeakSanitizer
  /// would report one still alive as a leak.
  @inline(never)
  static func runToStatus() -> Int32 {
    let args = Array(CommandLine.arguments.dropFirst())
    if args.first == "kernel" {
      // usage errors exit with 2 here too (the parser's own main exited with 64)
      do {
        var command = try KernelCommand.parseAsRoot(Array(args.dropFirst()))
        try command.run()
        return 0
      } catch {
        if let e = error as? ExitCode { return e.rawValue }
        let code = KernelCommand.exitCode(for: error)
        if code == .success {
          print(KernelCommand.fullMessage(for: error))
          return 0
        }
        let msg = KernelCommand.fullMessage(for: error)
        if !msg.isEmpty { fputs(msg + "\n", stderr) }
        return code == .validationFailure ? 2 : code.rawValue
      }
    }
    do {
      var command = try parseAsRoot()
      try command.run()
      return 0
    } catch {
      // the program's own exit codes (0 for a notebook written) print nothing
      if let e = error as? ExitCode { return e.rawValue }
      let code = exitCode(for: error)
      if code == .success {
        report(error, toStandardOutput: true)
        return 0
      }
      report(error, toStandardOutput: false)
      return 2
    }
  }

  /// Writes the parser's message for `error` (help, version or a usage error). A function of its own,
  /// so that the message is freed before `exit`: a string still alive there is what LeakSanitizer
  /// reports as a leak, which turned exit code 2 into 1 under `make test-asan`.
  @inline(never)
  static func report(_ error: Error, toStandardOutput: Bool) {
    let msg = fullMessage(for: error)
    if toStandardOutput {
      print(msg)
    } else if !msg.isEmpty {
      fputs(msg + "\n", stderr)
    }
  }
}

/// Ends the process with `code`, or with 1 (and a message) when writing standard output failed,
/// as Python does for a print that cannot be written: output lost is never a success.
func Foundation_exit(_ code: Int32) -> Never {
  var err = standardOutputError
  if fflush(stdout) != 0 && err == 0 { err = errno }
  if err != 0 || ferror(stdout) != 0 {
    reportUnwritableOutput(err)
    exit(code == 0 ? 1 : code)
  }
  exit(code)
}

/// The message of `Foundation_exit` for output that could not be written (`errno` `err`, or 0 when
/// unknown), in a function of its own so that its strings are freed before `exit`.
@inline(never)
func reportUnwritableOutput(_ err: Int32) {
  let reason = err != 0 ? ": \(String(cString: strerror(err)))" : ""
  fputs("clus: error: cannot write the standard output\(reason)\n", stderr)
}

/// `requested` threads, at most 4 per core (with a warning): the results are the same for any
/// count, but every thread has its own working buffers, so that 1,000 threads took 1.8 GB where two
/// took 48 MB, and more threads than cores only add switching.
func cappedThreads(_ requested: Int) -> Int {
  let limit = 4 * defaultThreadCount()
  guard requested > limit else { return requested }
  fputs("clus: warning: \(requested) threads is more than 4 per core (\(defaultThreadCount()) cores): using \(limit) (the results are the same for any count)\n", stderr)
  return limit
}

/// `CLUS_THREADS` when it is an integer ≥ 1 (a warning otherwise), else all cores.
func threadsFromEnvironment() -> Int {
  if let e = getenv("CLUS_THREADS") {
    let text = String(cString: e)
    if let t = Int(text), t >= 1 { return t }
    fputs("clus: warning: ignoring CLUS_THREADS=\(text) (expected an integer ≥ 1)\n", stderr)
  }
  return defaultThreadCount()
}

/// The whole of a text file (a UTF-8 byte-order mark dropped), or nil and the system's reason (strerror) if it cannot be read.
func readTextFile(_ path: String) -> (text: String?, reason: String) {
  // a file name that is not UTF-8 reached here with U+FFFD for its bytes: open it by the argument's own bytes
  let raw = UnsafeBufferPointer(start: CommandLine.unsafeArgv, count: Int(CommandLine.argc)).compactMap { $0 }
    .first { String(cString: $0) == path && firstInvalidUTF8(Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0)))) != nil }
  guard let f = raw.map({ fopen($0, "rb") }) ?? fopen(path, "rb") else { return (nil, String(cString: strerror(errno))) }
  defer { fclose(f) }
  var bytes: [UInt8] = []
  var buf = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = fread(&buf, 1, buf.count, f)
    if n <= 0 { break }
    bytes.append(contentsOf: buf[0..<n])
  }
  if ferror(f) != 0 { return (nil, String(cString: strerror(errno))) }
  // a data file given as a script failed on its first comma
  let lower = path.lowercased()
  if [".csv", ".tsv", ".csv.gz", ".tsv.gz"].contains(where: lower.hasSuffix) {
    return (nil, "it is a data file, not a clus script; a script reads it with load \"\(path)\"")
  }
  // a notebook failed on its JSON's first bracket
  if lower.hasSuffix(".ipynb") {
    return (nil, "it is a Jupyter notebook, not a clus script: open it in Jupyter with the clus kernel (clus kernel install)")
  }
  return scriptText(bytes)
}

/// A script's bytes as text, or nil and why not, for a file and for standard input alike: a UTF-8
/// byte-order mark dropped; NUL bytes (binary data) and bytes that are not UTF-8 refused.
func scriptText(_ bytes0: [UInt8]) -> (text: String?, reason: String) {
  var bytes = bytes0
  // UTF-16 text (Windows editors' "Unicode") has a NUL in every ASCII character
  if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
    return (nil, "it is UTF-16 text; save the script as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
  }
  // a data file given as a script printed its bytes under "unknown character"
  if bytes.contains(0) { return (nil, "it holds binary data (NUL bytes), not a clus script (a script reads data files with load)") }
  if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // UTF-8 byte-order mark
  // bytes that are not UTF-8 (a Latin-1 file) became U+FFFD in silence, inside strings too
  if let at = firstInvalidUTF8(bytes) {
    let before = bytes[..<at]
    let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    let column = at - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
    return (nil, "byte 0x\(String(bytes[at], radix: 16, uppercase: true)) at line \(line), column \(column) is not UTF-8 text (save the script as UTF-8)")
  }
  return (String(decoding: bytes, as: UTF8.self), "")
}

/// The offset of the first byte of `bytes` that does not begin a valid UTF-8 sequence, nil when all are text.
func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
  var parser = Unicode.UTF8.ForwardParser()
  var it = bytes.makeIterator()
  var offset = 0
  while true {
    switch parser.parseScalar(from: &it) {
    case .valid(let s): offset += s.count
    case .emptyInput: return nil
    case .error: return offset
    }
  }
}

/// Standard input to its end as a script (`scriptText`): a Latin-1 script piped in became U+FFFD
/// in silence, and a byte-order mark an unknown character.
func readStandardInputScript() -> (text: String?, reason: String) {
  var bytes: [UInt8] = []
  var buf = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = read(0, &buf, buf.count)
    if n < 0 && errno == EINTR { continue }
    if n < 0 { return (nil, String(cString: strerror(errno))) }
    if n == 0 { break }
    bytes.append(contentsOf: buf[0..<n])
  }
  return scriptText(bytes)
}

/// The token Ctrl-C cancels; read by the signal handler.
nonisolated(unsafe) var interruptToken: CancellationToken?
/// Whether the REPL is running (Ctrl-C never exits it).
nonisolated(unsafe) var interactiveMode = false
/// Set when Ctrl-C arrives, so the prompt can tell it from end of input.
nonisolated(unsafe) var interruptCount: Int32 = 0

/// A pipe the Ctrl-C handler writes a byte to, so that the prompt's key reader, waiting in poll(),
/// wakes up whenever the signal arrives (non-blocking, close-on-exec; -1 when it could not be made).
nonisolated(unsafe) var interruptPipe: (read: Int32, write: Int32) = (-1, -1)

/// Ctrl-C sets the session's cancellation token: the running step stops at its next check and
/// the prompt returns with every variable intact.
func installInterruptHandler(_ token: CancellationToken) {
  interruptToken = token
  var fds: [Int32] = [-1, -1]
  if pipe(&fds) == 0 {
    for fd in fds {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
    interruptPipe = (fds[0], fds[1])
  }
  var action = sigaction()
  action.__sigaction_handler.sa_handler = { _ in
    let saved = errno
    interruptToken?.cancel()
    interruptCount &+= 1
    // Outside the REPL a second Ctrl-C ends the program at once, ending any half-drawn progress
    // line first so that the shell's prompt does not land on it (write(2) is async-signal-safe)
    if !interactiveMode && interruptCount >= 2 {
      let note: StaticString = "\nclus: interrupted twice: stopped at once\n"
      _ = write(2, note.utf8Start, note.utf8CodeUnitCount)
      _exit(130)
    }
    var byte: UInt8 = 3
    if interruptPipe.write >= 0 { _ = write(interruptPipe.write, &byte, 1) }  // async-signal-safe
    errno = saved
  }
  sigemptyset(&action.sa_mask)
  action.sa_flags = 0
  sigaction(SIGINT, &action, nil)
}
