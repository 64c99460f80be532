import Foundation

/// Terminal graphics protocols that can show a PNG inline.
public enum InlineImageProtocol: String, Sendable, Equatable {
  /// kitty graphics protocol (APC `ESC _G ... ESC \`), also spoken by Ghostty.
  case kitty
  /// iTerm2 inline images (OSC 1337 `File=`), also spoken by WezTerm.
  case iterm2
}

/// Which inline-image protocol the terminal understands, from its environment variables.
///
/// Never when standard output is not a terminal. kitty: `TERM=xterm-kitty`, `KITTY_WINDOW_ID` set, or
/// `TERM_PROGRAM=ghostty`; iTerm2: `TERM_PROGRAM=iTerm.app` or `TERM_PROGRAM=WezTerm`.
/// - Parameters:
///   - environment: the process environment (for example `ProcessInfo.processInfo.environment`).
///   - isTTY: whether standard output is a terminal (`isatty(1)`).
/// - Returns: the protocol, or nil when images cannot be shown inline.
public func detectInlineImageProtocol(environment: [String: String], isTTY: Bool) -> InlineImageProtocol? {
  guard isTTY else { return nil }
  let term = environment["TERM"] ?? ""
  let program = environment["TERM_PROGRAM"] ?? ""
  if term == "xterm-kitty" || environment["KITTY_WINDOW_ID"] != nil || program == "ghostty" {
    return .kitty
  }
  if program == "iTerm.app" || program == "WezTerm" { return .iterm2 }
  return nil
}

/// Largest base64 payload of one kitty graphics escape (the protocol's chunk limit).
public let kittyChunkSize = 4096

/// The escape sequence that displays a PNG inline.
///
/// - kitty: the base64 data is cut into chunks of at most 4096 characters; the first escape is
///   `ESC _G a=T,f=100,q=2,m=1;<chunk> ESC \`, following ones `ESC _G m=1;<chunk> ESC \`, the last
///   one has `m=0` (a single chunk: `ESC _G a=T,f=100,q=2,m=0;<data> ESC \`).
/// - iTerm2: `ESC ]1337;File=inline=1;size=<PNG byte count>:<base64> BEL`.
/// The caller prints it, followed by a newline.
public func inlineImageEscape(png: [UInt8], protocol proto: InlineImageProtocol) -> String {
  let b64 = Data(png).base64EncodedString()
  switch proto {
  case .iterm2:
    return "\u{1B}]1337;File=inline=1;size=\(png.count):\(b64)\u{07}"
  case .kitty:
    let chars = Array(b64.utf8)
    var out = ""
    out.reserveCapacity(chars.count + chars.count / kittyChunkSize * 16 + 32)
    var start = 0
    repeat {
      let end = min(start + kittyChunkSize, chars.count)
      let more = end < chars.count ? 1 : 0
      out += start == 0 ? "\u{1B}_Ga=T,f=100,q=2,m=\(more);" : "\u{1B}_Gm=\(more);"
      out += String(decoding: chars[start..<end], as: UTF8.self)
      out += "\u{1B}\\"
      start = end
    } while start < chars.count
    return out
  }
}
