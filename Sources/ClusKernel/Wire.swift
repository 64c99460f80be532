#if canImport(Glibc)
import Glibc
#endif
import CCrypto
import Foundation

/// HMAC-SHA256 of a message's four JSON frames, as the Jupyter messaging protocol signs them
/// (`jupyter_client.session.Session.sign`: the key's HMAC over header, parent header, metadata and
/// content, concatenated), from OpenSSL's libcrypto.
public struct MessageSigner: Sendable {
  /// The connection file's `key` as bytes; empty turns signing off (the protocol's
  /// "authentication disabled": the signature is the empty string and is not checked).
  public let key: [UInt8]

  /// A signer with `key`.
  public init(key: [UInt8]) { self.key = key }

  /// Whether messages are signed and checked.
  public var enabled: Bool { !key.isEmpty }

  /// The lowercase hexadecimal HMAC-SHA256 of `frames` concatenated (64 characters), or "" when
  /// signing is off.
  public func signature(_ frames: [[UInt8]]) -> String {
    guard enabled else { return "" }
    return MessageSigner.hex(MessageSigner.hmacSHA256(key: key, frames))
  }

  /// Whether `signature` (the frame as received) is the HMAC of `frames`, compared in constant time
  /// (`CRYPTO_memcmp`). With signing off (an empty key) every message is accepted, as
  /// jupyter_client accepts them then.
  public func verify(_ signature: [UInt8], _ frames: [[UInt8]]) -> Bool {
    guard enabled else { return true }
    let expected = Array(self.signature(frames).utf8)
    guard signature.count == expected.count else { return false }
    return signature.withUnsafeBytes { a in
      expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, expected.count) == 0 }
    }
  }

  /// The 32-byte HMAC-SHA256 of the concatenation of `parts` (RFC 2104 with SHA-256, through
  /// libcrypto's EVP_MAC interface).
  public static func hmacSHA256(key: [UInt8], _ parts: [[UInt8]]) -> [UInt8] {
    var data: [UInt8] = []
    data.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    for p in parts { data += p }
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var len: UInt32 = 0
    let keyBytes = key.isEmpty ? [0] : key
    _ = keyBytes.withUnsafeBufferPointer { k in
      data.withUnsafeBufferPointer { d in
        HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), d.baseAddress, d.count, &out, &len)
      }
    }
    return Array(out.prefix(Int(len)))
  }

  /// Lowercase hexadecimal.
  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// One message of the Jupyter messaging protocol (version 5.3), as on the wire:
/// `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…]`.
public struct KernelMessage: Sendable {
  /// The routing identities before the delimiter (a ROUTER socket's peers), kept for the reply.
  public var identities: [[UInt8]]
  /// `msg_id`, `session`, `username`, `date`, `msg_type`, `version`.
  public var header: JSON
  /// The header of the request this message answers (an empty object for a request).
  public var parentHeader: JSON
  /// Free-form metadata.
  public var metadata: JSON
  /// The message's content.
  public var content: JSON
  /// Binary buffers after the content (kept, never interpreted).
  public var buffers: [[UInt8]]

  /// A message.
  public init(identities: [[UInt8]] = [], header: JSON, parentHeader: JSON = .object([]),
              metadata: JSON = .object([]), content: JSON, buffers: [[UInt8]] = []) {
    self.identities = identities
    self.header = header
    self.parentHeader = parentHeader
    self.metadata = metadata
    self.content = content
    self.buffers = buffers
  }

  /// The header's `msg_type` ("" when missing).
  public var type: String { header["msg_type"]?.string ?? "" }

  /// The frame that separates identities from the message.
  public static let delimiter = Array("<IDS|MSG>".utf8)

  /// Why received frames are not a message.
  public enum WireError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No `<IDS|MSG>` frame.
    case noDelimiter
    /// Fewer than the signature and four JSON frames after the delimiter.
    case tooFewFrames(Int)
    /// The signature does not match the frames (or is missing while a key is set).
    case badSignature
    /// A JSON frame is not JSON, or not an object.
    case badJSON(frame: String, reason: String)
    /// The header has no `msg_type` string.
    case noMessageType

    /// What is wrong, for the kernel's log line (`dropped a message on shell: …`).
    public var description: String {
      switch self {
      case .noDelimiter: return "no <IDS|MSG> delimiter frame"
      case .tooFewFrames(let n): return "\(n) frames after the delimiter, expected at least 5 (signature, header, parent header, metadata, content)"
      case .badSignature: return "bad or missing signature"
      case .badJSON(let f, let r): return "the \(f) frame is not a JSON object (\(r))"
      case .noMessageType: return "the header has no msg_type"
      }
    }
  }

  /// Reads a message from its frames, checking the signature before any JSON is parsed.
  /// - Throws: `WireError` for frames that are not a well-formed, correctly signed message.
  public static func decode(_ frames: [[UInt8]], signer: MessageSigner) throws -> KernelMessage {
    guard let d = frames.firstIndex(of: delimiter) else { throw WireError.noDelimiter }
    let rest = frames[(d + 1)...]
    guard rest.count >= 5 else { throw WireError.tooFewFrames(rest.count) }
    let parts = Array(rest.prefix(5))
    let jsonFrames = Array(parts[1...4])
    guard signer.verify(parts[0], jsonFrames) else { throw WireError.badSignature }
    func object(_ bytes: [UInt8], _ name: String) throws -> JSON {
      let v: JSON
      do { v = try JSON.parse(bytes) } catch { throw WireError.badJSON(frame: name, reason: "\(error)") }
      guard case .object = v else { throw WireError.badJSON(frame: name, reason: "not an object") }
      return v
    }
    let header = try object(jsonFrames[0], "header")
    guard header["msg_type"]?.string != nil else { throw WireError.noMessageType }
    return KernelMessage(
      identities: Array(frames[..<d]), header: header,
      parentHeader: try object(jsonFrames[1], "parent header"),
      metadata: try object(jsonFrames[2], "metadata"),
      content: try object(jsonFrames[3], "content"),
      buffers: Array(rest.dropFirst(5)))
  }

  /// The frames to send: identities, delimiter, signature, the four JSON frames, buffers.
  public func encode(signer: MessageSigner) -> [[UInt8]] {
    let json = [header, parentHeader, metadata, content].map { Array($0.text.utf8) }
    return identities + [KernelMessage.delimiter, Array(signer.signature(json).utf8)] + json + buffers
  }
}

/// Makes the headers of the messages a kernel sends: one session id for the life of the process.
public final class MessageFactory: @unchecked Sendable {
  /// The session id in every header.
  public let session: String
  /// The header's `username`.
  public let username: String

  /// A factory with a new random session id.
  public init(username: String = "kernel") {
    session = UUID().uuidString.lowercased()
    self.username = username
  }

  /// A header for a new message of `type`: a new `msg_id`, the session, the time now (ISO 8601,
  /// UTC, microseconds), protocol version 5.3.
  public func header(_ type: String) -> JSON {
    .object([
      ("msg_id", .string(UUID().uuidString.lowercased())), ("session", .string(session)),
      ("username", .string(username)), ("date", .string(MessageFactory.now())),
      ("msg_type", .string(type)), ("version", .string("5.3")),
    ])
  }

  /// A message of `type` with `content`, answering `parent` (its header becomes the parent header;
  /// a reply keeps the request's identities when `routeTo` is set).
  public func message(_ type: String, _ content: JSON, parent: KernelMessage?, route: Bool = false,
                      metadata: JSON = .object([])) -> KernelMessage {
    KernelMessage(identities: route ? (parent?.identities ?? []) : [], header: header(type),
                  parentHeader: parent?.header ?? .object([]), metadata: metadata, content: content)
  }

  /// The time now as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
  static func now() -> String {
    var tv = timeval()
    gettimeofday(&tv, nil)
    var t = time_t(tv.tv_sec)
    var tm = tm()
    gmtime_r(&t, &tm)
    func pad(_ v: Int, _ n: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, n - s.count)) + s
    }
    return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2))T"
      + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)).\(pad(Int(tv.tv_usec), 6))Z"
  }
}
