#if canImport(Glibc)
import Glibc
#endif
import ClusRuntime

/// The kernelspec that tells Jupyter how to start clus: `kernels/NAME/kernel.json` in a Jupyter data
/// folder, as `jupyter kernelspec install` lays it out.
public enum KernelSpec {
  /// Why a kernelspec cannot be installed.
  public struct Problem: Error, CustomStringConvertible, Sendable {
    /// The message.
    public var description: String
  }

  /// ASCII letters, digits, `.`, `_` and `-`.
  static func isNameByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
    case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"): return true
    default: return false
    }
  }

  /// The user's Jupyter data folder, as jupyter_core finds it on Linux: `$JUPYTER_DATA_DIR`, else
  /// `$XDG_DATA_HOME/jupyter`, else `~/.local/share/jupyter`.
  public static func userDataDirectory(environment: [String: String]) -> String {
    if let d = environment["JUPYTER_DATA_DIR"], !d.isEmpty { return d }
    if let x = environment["XDG_DATA_HOME"], !x.isEmpty { return x + "/jupyter" }
    return (environment["HOME"] ?? ".") + "/.local/share/jupyter"
  }

  /// The text of `kernel.json` for the clus at `executable` (an absolute path): `argv` runs
  /// `clus kernel -f {connection_file}`; interrupts come as messages (`interrupt_mode: message`).
  public static func kernelJSON(executable: String, displayName: String) -> String {
    JSON.object([
      ("argv", .array([.string(executable), .string("kernel"), .string("-f"), .string("{connection_file}")])),
      ("display_name", .string(displayName)), ("language", .string("clus")),
      ("interrupt_mode", .string("message")), ("metadata", .object([("debugger", .bool(false))])),
    ]).pretty(indent: 1) + "\n"
  }

  /// Writes `<kernels>/<name>/kernel.json`, where `<kernels>` is `prefix/share/jupyter/kernels` when
  /// a prefix is given, else the user's data folder's `kernels`.
  /// - Returns: the folder written.
  /// - Throws: `Problem` for a name that is not a kernel name (letters, digits, `.`, `_`, `-`, not
  ///   starting with `.`, so that it stays inside `kernels/`), an empty prefix, or a folder or file that
  ///   cannot be written.
  public static func install(executable: String, name: String, prefix: String?,
                             environment: [String: String]) throws -> String {
    guard !name.isEmpty, name.count <= 64,
          name.utf8.allSatisfy(KernelSpec.isNameByte), !name.hasPrefix(".")
    else {
      throw Problem(description: "'\(name)' is not a kernel name (letters, digits, '.', '_' and '-', at most 64, not starting with '.')")
    }
    if let p = prefix, p.isEmpty { throw Problem(description: "--prefix is empty") }
    let base = prefix.map { $0 + "/share/jupyter" } ?? userDataDirectory(environment: environment)
    let dir = base + "/kernels/" + name
    makeDirectories(forFile: dir + "/kernel.json")
    let display = name == "clus" ? "clus" : "clus (\(name))"
    let text = kernelJSON(executable: executable, displayName: display)
    guard let f = fopen(dir + "/kernel.json", "w") else {
      throw Problem(description: "cannot write \(dir)/kernel.json: \(String(cString: strerror(errno)))")
    }
    let ok = fputs(text, f) >= 0
    if fclose(f) != 0 || !ok {
      throw Problem(description: "cannot write \(dir)/kernel.json: \(String(cString: strerror(errno)))")
    }
    return dir
  }
}
