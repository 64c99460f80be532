#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ClusKernel
import ClusRuntime

/// `clus kernel`: the Jupyter kernel (`clus kernel -f CONNECTION_FILE`, as Jupyter starts it) and the
/// kernelspec that tells Jupyter how (`clus kernel install`).
struct KernelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clus kernel",
    abstract: "Run clus as a Jupyter kernel, or install its kernelspec.",
    discussion: """
      Examples:
        clus kernel install              kernelspec "clus" for this user (then: jupyter lab, New → clus)
        clus kernel install --prefix P   into P/share/jupyter/kernels/clus (a virtual environment: --prefix "$VIRTUAL_ENV")
        clus kernel -f CONNECTION_FILE   what Jupyter runs
      """,
    subcommands: [KernelRun.self, KernelInstall.self], defaultSubcommand: KernelRun.self)
}

/// Serves a Jupyter frontend over the sockets of a connection file.
struct KernelRun: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Serve the Jupyter messaging protocol on the sockets of a connection file (the default).")

  @Option(name: [.customShort("f"), .customLong("connection-file")], help: "The connection file Jupyter wrote.")
  var connectionFile: String

  @Option(name: .long, parsing: .unconditional, help: "Threads for every algorithm (default: CLUS_THREADS or all cores).")
  var threads: Int?

  func validate() throws {
    if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let info: ConnectionInfo
    do {
      info = try ConnectionInfo.read(path: connectionFile)
    } catch {
      fputs("clus kernel: error: \(error)\n", stderr)
      throw ExitCode(2)
    }
    let session = Session(threads: cappedThreads(threads ?? threadsFromEnvironment()))
    // interrupt_mode "message" is the kernelspec's; SIGINT (a frontend that signals) does the same
    interactiveMode = true
    installInterruptHandler(session.cancellation)
    let kernel: Kernel
    do {
      kernel = try Kernel(info: info, session: session)
    } catch {
      fputs("clus kernel: error: \(error)\n", stderr)
      throw ExitCode(2)
    }
    kernel.run()
  }
}

/// Writes the kernelspec.
struct KernelInstall: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "install", abstract: "Write the kernelspec (kernel.json with this clus's absolute path).")

  @Flag(name: .long, help: "Into the user's Jupyter data folder (the default): $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter.")
  var user = false

  @Option(name: .long, help: "Into PREFIX/share/jupyter/kernels (for a virtual environment or a system prefix).")
  var prefix: String?

  @Option(name: .long, help: "The kernel's name (default: clus).")
  var name = "clus"

  func validate() throws {
    if user && prefix != nil { throw ValidationError("--user and --prefix are exclusive") }
  }

  func run() throws {
    do {
      let dir = try KernelSpec.install(executable: executablePath(), name: name, prefix: prefix.map(absolutePath),
                                       environment: environmentDictionary())
      print("installed kernelspec \(name) in \(dir)")
    } catch {
      fputs("clus kernel install: error: \(error)\n", stderr)
      throw ExitCode(1)
    }
  }
}

/// This process's executable as an absolute path (`/proc/self/exe`), else argv[0] made absolute.
func executablePath() -> String {
  var buf = [CChar](repeating: 0, count: 4096)
  let n = readlink("/proc/self/exe", &buf, buf.count - 1)
  if n > 0 { return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
  return absolutePath(CommandLine.arguments[0])
}

/// `path` made absolute against the working directory.
func absolutePath(_ path: String) -> String {
  if path.hasPrefix("/") { return path }
  var buf = [CChar](repeating: 0, count: 4096)
  guard getcwd(&buf, buf.count) != nil else { return path }
  return String(cString: buf) + "/" + path
}
