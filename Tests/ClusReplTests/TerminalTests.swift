import ClusRuntime
import Foundation
import XCTest

@testable import ClusRepl

/// What the `clus` executable adds for a terminal: inline images and the display that shows them.
final class TerminalTests: XCTestCase {
  func testInlineImageDetection() {
    XCTAssertEqual(detectInlineImageProtocol(environment: ["TERM": "xterm-kitty"], isTTY: true), .kitty)
    XCTAssertEqual(detectInlineImageProtocol(environment: ["KITTY_WINDOW_ID": "1", "TERM": "xterm-256color"], isTTY: true), .kitty)
    XCTAssertEqual(detectInlineImageProtocol(environment: ["TERM_PROGRAM": "iTerm.app"], isTTY: true), .iterm2)
    XCTAssertEqual(detectInlineImageProtocol(environment: ["TERM_PROGRAM": "WezTerm"], isTTY: true), .iterm2)
    XCTAssertNil(detectInlineImageProtocol(environment: ["TERM": "xterm-256color"], isTTY: true))
    XCTAssertNil(detectInlineImageProtocol(environment: ["TERM": "xterm-kitty"], isTTY: false))
    XCTAssertNil(detectInlineImageProtocol(environment: ["TERM_PROGRAM": "iTerm.app"], isTTY: false))
  }

  func testInlineImageEscapes() throws {
    let png = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let b64 = Data(png).base64EncodedString()  // 13,336 characters → 4 chunks
    let kitty = inlineImageEscape(png: png, protocol: .kitty)
    let parts = kitty.components(separatedBy: "\u{1B}\\").dropLast()
    XCTAssertTrue(kitty.hasSuffix("\u{1B}\\"))
    XCTAssertEqual(parts.count, 4)
    var joined = ""
    for (k, p) in parts.enumerated() {
      let head = k == 0 ? "\u{1B}_Ga=T,f=100,q=2,m=1;" : (k == parts.count - 1 ? "\u{1B}_Gm=0;" : "\u{1B}_Gm=1;")
      XCTAssertTrue(p.hasPrefix(head), "chunk \(k): \(p.prefix(24))")
      let payload = String(p.dropFirst(head.count))
      XCTAssertLessThanOrEqual(payload.count, 4096)
      if k < parts.count - 1 { XCTAssertEqual(payload.count, 4096) }
      joined += payload
    }
    XCTAssertEqual(joined, b64)
    XCTAssertEqual(Data(base64Encoded: joined), Data(png))
    // One chunk only: m=0 in the first escape.
    let small = inlineImageEscape(png: [1, 2, 3], protocol: .kitty)
    XCTAssertEqual(small, "\u{1B}_Ga=T,f=100,q=2,m=0;AQID\u{1B}\\")
    XCTAssertEqual(inlineImageEscape(png: [1, 2, 3], protocol: .iterm2),
                   "\u{1B}]1337;File=inline=1;size=3:AQID\u{07}")
  }
  /// The REPL's display writes pictures without out= to its folder and shows PNGs inline; a
  /// picture out= has written is shown, not written again; SVGs are not shown.
  func testTerminalDisplayWritesToItsFolderAndShowsPNGsInline() throws {
    let fm = FileManager.default
    let dir = NSTemporaryDirectory() + "clus-terminal-display-\(getpid())"
    defer { try? fm.removeItem(atPath: dir) }
    var shown: [String] = []
    let display = TerminalDisplay(folder: dir + "/plots", inline: .iterm2, output: { shown.append($0) })
    let png = Picture(format: .png, bytes: [1, 2, 3], suggestedName: "plot")
    XCTAssertEqual(try display.show(png), dir + "/plots/plot-1.png")
    XCTAssertEqual(try display.show(png), dir + "/plots/plot-2.png")
    XCTAssertEqual(fm.contents(atPath: dir + "/plots/plot-2.png"), Data([1, 2, 3]))
    XCTAssertEqual(shown, Array(repeating: "\u{1B}]1337;File=inline=1;size=3:AQID\u{07}\n", count: 2))
    XCTAssertNil(try display.show(Picture(format: .png, bytes: [1, 2, 3], suggestedName: "plot", path: "given.png")))
    XCTAssertFalse(fm.fileExists(atPath: dir + "/plots/plot-3.png"))
    XCTAssertEqual(shown.count, 3)
    _ = try display.show(Picture(format: .svg, bytes: Array("<svg/>".utf8), suggestedName: "plot"))
    XCTAssertTrue(fm.fileExists(atPath: dir + "/plots/plot-1.svg"))
    XCTAssertEqual(shown.count, 3)
  }
}
