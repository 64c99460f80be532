#if canImport(Glibc)
import Glibc
#endif

/// A JSON value, as the Jupyter messages, connection files and notebooks hold them. Objects keep
/// their keys in the order given, so that a written notebook reads as nbformat writes one.
public enum JSON: Sendable, Equatable {
  /// `null`.
  case null
  /// `true` or `false`.
  case bool(Bool)
  /// A number (JSON has one kind; integers up to 2^53 are exact).
  case number(Double)
  /// A string (any Unicode text; written as UTF-8 with the escapes JSON requires).
  case string(String)
  /// An array, in order.
  case array([JSON])
  /// An object's members in order (a key appears once; `parse` keeps the last of duplicates, as
  /// Python's `json` does).
  case object([(String, JSON)])

  /// Equal kinds with equal contents; objects compare their members in order (numbers as doubles,
  /// so `-0` equals `0`).
  public static func == (a: JSON, b: JSON) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// An integer as a JSON number.
  public static func int(_ n: Int) -> JSON { .number(Double(n)) }

  /// The member `key` of an object (nil for a missing key or a value that is not an object).
  public subscript(key: String) -> JSON? {
    guard case .object(let m) = self else { return nil }
    return m.last(where: { $0.0 == key })?.1
  }

  /// The string, if this is one.
  public var string: String? { if case .string(let s) = self { return s } else { return nil } }
  /// The number, if this is one.
  public var number: Double? { if case .number(let x) = self { return x } else { return nil } }
  /// The number as an integer, if this is a number with an integral value in Int's range.
  public var int: Int? {
    guard case .number(let x) = self, x == x.rounded(), abs(x) < 9.2e18 else { return nil }
    return Int(x)
  }
  /// The boolean, if this is one.
  public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }

  // MARK: - Writing

  /// Compact JSON text (RFC 8259): strings escaped, non-ASCII kept as UTF-8, integral numbers
  /// without a fraction, non-finite numbers as `null` (JSON has none).
  public var text: String {
    var out = ""
    write(into: &out, indent: nil, level: 0)
    return out
  }

  /// JSON text indented by `indent` spaces per level with one member per line, as nbformat writes
  /// notebooks (`json.dumps(nb, indent=1)`).
  public func pretty(indent: Int = 1) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  private func write(into out: inout String, indent: Int?, level: Int) {
    func newline(_ l: Int) {
      if let i = indent { out += "\n" + String(repeating: " ", count: i * l) }
    }
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let x):
      if !x.isFinite {
        out += "null"
      } else if x == x.rounded() && abs(x) < 1e15 {
        out += String(Int(x))
      } else {
        out += "\(x)"
      }
    case .string(let s): JSON.writeString(s, into: &out)
    case .array(let a):
      if a.isEmpty { out += "[]"; return }
      out += "["
      for (k, v) in a.enumerated() {
        if k > 0 { out += "," }
        newline(level + 1)
        v.write(into: &out, indent: indent, level: level + 1)
      }
      newline(level)
      out += "]"
    case .object(let m):
      if m.isEmpty { out += "{}"; return }
      out += "{"
      for (k, (key, v)) in m.enumerated() {
        if k > 0 { out += "," }
        newline(level + 1)
        JSON.writeString(key, into: &out)
        out += indent == nil ? ":" : ": "
        v.write(into: &out, indent: indent, level: level + 1)
      }
      newline(level)
      out += "}"
    }
  }

  private static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 || u.value == 0x7F {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }

  // MARK: - Reading

  /// Why a text is not JSON: the message and the byte offset.
  public struct ParseError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    /// The byte offset in the input where it was noticed.
    public var offset: Int
    /// `message at byte N`.
    public var description: String { "\(message) at byte \(offset)" }
  }

  /// Nesting deeper than this is refused (the reader recurses once per level).
  public static let maxDepth = 256

  /// Parses UTF-8 JSON text (RFC 8259; one value, surrounded by whitespace only).
  /// - Throws: `ParseError` for anything that is not JSON: invalid UTF-8, bad escapes, lone
  ///   surrogates, trailing text, nesting deeper than `maxDepth`.
  public static func parse(_ bytes: [UInt8]) throws -> JSON {
    var r = Reader(bytes: bytes)
    r.skipSpace()
    let v = try r.value(depth: 0)
    r.skipSpace()
    if r.pos != bytes.count { throw ParseError(message: "unexpected text after the value", offset: r.pos) }
    return v
  }

  /// Parses JSON text.
  /// - Throws: `ParseError`, as `parse(_: [UInt8])`.
  public static func parse(_ text: String) throws -> JSON { try parse(Array(text.utf8)) }

  private struct Reader {
    let bytes: [UInt8]
    var pos = 0

    mutating func skipSpace() {
      while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    func fail(_ m: String) -> ParseError { ParseError(message: m, offset: pos) }

    mutating func literal(_ word: String, _ v: JSON) throws -> JSON {
      let w = Array(word.utf8)
      guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else { throw fail("invalid literal") }
      pos += w.count
      return v
    }

    mutating func value(depth: Int) throws -> JSON {
      guard depth < JSON.maxDepth else { throw fail("nested more than \(JSON.maxDepth) levels") }
      guard pos < bytes.count else { throw fail("unexpected end of input") }
      switch bytes[pos] {
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "["):
        pos += 1
        var items: [JSON] = []
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
          skipSpace()
          items.append(try value(depth: depth + 1))
          skipSpace()
          guard pos < bytes.count else { throw fail("unexpected end of input in an array") }
          if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
          if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
          throw fail("expected , or ] in an array")
        }
      case UInt8(ascii: "{"):
        pos += 1
        var members: [(String, JSON)] = []
        var index: [String: Int] = [:]
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
        while true {
          skipSpace()
          guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key in an object") }
          let key = try string()
          skipSpace()
          guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected : after a key") }
          pos += 1
          skipSpace()
          let v = try value(depth: depth + 1)
          if let k = index[key] { members[k].1 = v } else { index[key] = members.count; members.append((key, v)) }
          skipSpace()
          guard pos < bytes.count else { throw fail("unexpected end of input in an object") }
          if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
          if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(members) }
          throw fail("expected , or } in an object")
        }
      default:
        return .number(try number())
      }
    }

    mutating func number() throws -> Double {
      let start = pos
      func digits() -> Int {
        let s = pos
        while pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 { pos += 1 }
        return pos - s
      }
      if pos < bytes.count && bytes[pos] == UInt8(ascii: "-") { pos += 1 }
      guard pos < bytes.count else { throw fail("invalid number") }
      if bytes[pos] == UInt8(ascii: "0") { pos += 1 } else if digits() == 0 { throw fail("invalid value") }
      if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
        pos += 1
        if digits() == 0 { throw fail("invalid number") }
      }
      if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
        pos += 1
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
        if digits() == 0 { throw fail("invalid number") }
      }
      let text = String(decoding: bytes[start..<pos], as: UTF8.self)
      guard let x = Double(text) else { throw ParseError(message: "invalid number", offset: start) }
      guard x.isFinite else { throw ParseError(message: "number out of range", offset: start) }
      return x
    }

    mutating func hex4() throws -> UInt32 {
      guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let c = bytes[pos]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        default: throw fail("bad \\u escape")
        }
        v = v << 4 | d
        pos += 1
      }
      return v
    }

    mutating func string() throws -> String {
      pos += 1  // the opening quote
      var out = String.UnicodeScalarView()
      var runStart = pos
      func flushRun() throws {
        if runStart < pos {
          guard let s = String(validating: bytes[runStart..<pos], as: UTF8.self) else {
            throw ParseError(message: "invalid UTF-8 in a string", offset: runStart)
          }
          out.append(contentsOf: s.unicodeScalars)
        }
      }
      while true {
        guard pos < bytes.count else { throw fail("unterminated string") }
        let c = bytes[pos]
        if c == UInt8(ascii: "\"") {
          try flushRun()
          pos += 1
          return String(out)
        }
        if c < 0x20 { throw fail("control character in a string") }
        if c != UInt8(ascii: "\\") { pos += 1; continue }
        try flushRun()
        pos += 1
        guard pos < bytes.count else { throw fail("unterminated string") }
        let e = bytes[pos]
        pos += 1
        switch e {
        case UInt8(ascii: "\""): out.append("\"")
        case UInt8(ascii: "\\"): out.append("\\")
        case UInt8(ascii: "/"): out.append("/")
        case UInt8(ascii: "b"): out.append("\u{08}")
        case UInt8(ascii: "f"): out.append("\u{0C}")
        case UInt8(ascii: "n"): out.append("\n")
        case UInt8(ascii: "r"): out.append("\r")
        case UInt8(ascii: "t"): out.append("\t")
        case UInt8(ascii: "u"):
          var u = try hex4()
          if (0xD800..<0xDC00).contains(u) {
            guard pos + 2 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
              throw fail("lone surrogate in a \\u escape")
            }
            pos += 2
            let lo = try hex4()
            guard (0xDC00..<0xE000).contains(lo) else { throw fail("lone surrogate in a \\u escape") }
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
          } else if (0xDC00..<0xE000).contains(u) {
            throw fail("lone surrogate in a \\u escape")
          }
          guard let s = Unicode.Scalar(u) else { throw fail("bad \\u escape") }
          out.append(s)
        default: throw fail("bad escape in a string")
        }
        runStart = pos
      }
    }
  }
}
