#if canImport(Glibc)
import Glibc
#endif
import ClusRuntime
import Foundation

/// Terminal graphics protocols that can show a PNG inline.
enum InlineImageProtocol: String, Sendable, Equatable {
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
func detectInlineImageProtocol(environment: [String: String], isTTY: Bool) -> InlineImageProtocol? {
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
let kittyChunkSize = 4096

/// The escape sequence that displays a PNG inline.
///
/// - kitty: the base64 data is cut into chunks of at most 4096 characters; the first escape is
///   `ESC _G a=T,f=100,q=2,m=1;<chunk> ESC \`, following ones `ESC _G m=1;<chunk> ESC \`, the last
///   one has `m=0` (a single chunk: `ESC _G a=T,f=100,q=2,m=0;<data> ESC \`).
/// - iTerm2: `ESC ]1337;File=inline=1;size=<PNG byte count>:<base64> BEL`.
/// The caller prints it, followed by a newline.
func inlineImageEscape(png: [UInt8], protocol proto: InlineImageProtocol) -> String {
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

/// Where the `clus` executable's pictures go: files in the plot folder (`PlotFolder`), and at
/// the prompt, in a terminal that speaks an inline-image protocol, each PNG shown on standard
/// output as well.
final class TerminalDisplay: DisplaySink {
  /// Where pictures without `out=` are written.
  let folder: PlotFolder
  /// The protocol to show PNGs with; nil shows nothing.
  let inline: InlineImageProtocol?
  /// Writes an escape sequence to the terminal (standard output).
  let output: (String) -> Void

  /// A display writing to `folder` and showing PNGs with `inline`, if given, through `output`.
  init(folder: String, inline: InlineImageProtocol?,
       output: @escaping (String) -> Void = { s in fputs(s, stdout); fflush(stdout) }) {
    self.folder = PlotFolder(folder)
    self.inline = inline
    self.output = output
  }

  /// Writes the picture to the plot folder unless `out=` has, then shows a PNG inline.
  /// - Returns: the path written, or nil.
  func show(_ picture: Picture) throws -> String? {
    let written = try folder.show(picture)
    if picture.format == .png, let proto = inline {
      output(inlineImageEscape(png: picture.bytes, protocol: proto) + "\n")
    }
    return written
  }
}

/// The process environment as a dictionary.
func environmentDictionary() -> [String: String] {
  var out: [String: String] = [:]
  var p = environ
  while let e = p.pointee {
    let s = String(cString: e)
    if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
    p += 1
  }
  return out
}
