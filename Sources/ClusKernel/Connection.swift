#if canImport(Glibc)
import Glibc
#endif

/// A Jupyter connection file: where the kernel's five sockets bind and the key that signs messages
/// (`jupyter_client.connect.write_connection_file` writes it; the kernel only reads it).
public struct ConnectionInfo: Sendable, Equatable {
  /// `tcp` or `ipc`.
  public var transport: String
  /// The address to bind (`127.0.0.1`; for `ipc`, a path prefix).
  public var ip: String
  /// The five ports (for `ipc`, the suffixes of the socket paths).
  public var shellPort, iopubPort, stdinPort, controlPort, hbPort: Int
  /// The HMAC key (the text of `key`, as bytes); empty turns signing off.
  public var key: [UInt8]
  /// `hmac-sha256` (the only scheme accepted).
  public var signatureScheme: String

  /// Why a connection file cannot be used.
  public struct Problem: Error, CustomStringConvertible, Sendable {
    /// The message, naming the file.
    public var description: String
  }

  /// The endpoint of a socket bound at `port`: `tcp://ip:port` or `ipc://ip-port` (as jupyter_client
  /// names ipc sockets).
  public func endpoint(_ port: Int) -> String {
    transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
  }

  /// Reads and checks the connection file at `path`.
  /// - Throws: `Problem` naming the file when it is missing, unreadable, not JSON, or has a field
  ///   missing or wrong: a transport other than `tcp`/`ipc`, a port outside 1–65535, a signature
  ///   scheme other than `hmac-sha256`.
  public static func read(path: String) throws -> ConnectionInfo {
    guard let f = fopen(path, "rb") else {
      throw Problem(description: "cannot read the connection file '\(path)': \(String(cString: strerror(errno)))")
    }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buf, 1, buf.count, f)
      if n <= 0 { break }
      bytes += buf[0..<n]
      if bytes.count > 1 << 20 { throw Problem(description: "the connection file '\(path)' is larger than 1 MB: not a connection file") }
    }
    if ferror(f) != 0 {
      throw Problem(description: "cannot read the connection file '\(path)': \(String(cString: strerror(errno)))")
    }
    return try parse(bytes, name: path)
  }

  /// Checks the text of a connection file; `name` is used in messages.
  /// - Throws: `Problem`, as `read(path:)`.
  public static func parse(_ bytes: [UInt8], name: String) throws -> ConnectionInfo {
    let json: JSON
    do { json = try JSON.parse(bytes) } catch {
      throw Problem(description: "the connection file '\(name)' is not JSON: \(error)")
    }
    guard case .object = json else { throw Problem(description: "the connection file '\(name)' is not a JSON object") }
    func text(_ key: String, default d: String? = nil) throws -> String {
      if let v = json[key] {
        guard let s = v.string else { throw Problem(description: "the connection file '\(name)': \(key) must be a string") }
        return s
      }
      if let d { return d }
      throw Problem(description: "the connection file '\(name)' has no \(key)")
    }
    func port(_ key: String) throws -> Int {
      guard let v = json[key] else { throw Problem(description: "the connection file '\(name)' has no \(key)") }
      guard let p = v.int, (1...65535).contains(p) else {
        throw Problem(description: "the connection file '\(name)': \(key) must be a port number from 1 to 65535, got \(v.text)")
      }
      return p
    }
    let transport = try text("transport", default: "tcp")
    guard transport == "tcp" || transport == "ipc" else {
      throw Problem(description: "the connection file '\(name)': unknown transport '\(transport)' (expected tcp or ipc)")
    }
    let scheme = try text("signature_scheme", default: "hmac-sha256")
    guard scheme == "hmac-sha256" else {
      throw Problem(description: "the connection file '\(name)': unsupported signature_scheme '\(scheme)' (clus signs with hmac-sha256)")
    }
    let ip = try text("ip", default: "127.0.0.1")
    guard !ip.isEmpty else { throw Problem(description: "the connection file '\(name)': ip is empty") }
    return ConnectionInfo(
      transport: transport, ip: ip, shellPort: try port("shell_port"), iopubPort: try port("iopub_port"),
      stdinPort: try port("stdin_port"), controlPort: try port("control_port"), hbPort: try port("hb_port"),
      key: Array(try text("key", default: "").utf8), signatureScheme: scheme)
  }
}
