#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusRuntime

/// A progress bar with ETA on standard error, drawn only when stderr is a terminal; redrawn at
/// most 10 times a second and erased when the phase ends.
final class TerminalProgress: ProgressSink, @unchecked Sendable {
  private struct State {
    var label = ""
    var total = 0
    var start = 0.0
    var lastDraw = 0.0
    var active = false
  }
  private let state = Locked<State>(State())

  /// A progress bar writer.
  init() {}

  /// Whether standard error is a terminal.
  static var stderrIsTerminal: Bool { isatty(2) != 0 }

  /// Starts a phase.
  func begin(_ label: String, total: Int) {
    state.withLock { s in
      s = State(label: label, total: max(1, total), start: monotonicSeconds(), lastDraw: 0, active: true)
    }
    update(0)
  }

  /// Redraws the bar (rate-limited).
  func update(_ done: Int) {
    let line: String? = state.withLock { s in
      guard s.active else { return nil }
      let now = monotonicSeconds()
      if now - s.lastDraw < 0.1 && done < s.total && done > 0 { return nil }
      s.lastDraw = now
      let frac = min(1, max(0, Double(done) / Double(s.total)))
      let width = 30
      let filled = Int(frac * Double(width))
      let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      let elapsed = now - s.start
      var eta = ""
      if frac > 0.02 && frac < 1 { eta = " ETA " + Self.duration(elapsed * (1 - frac) / frac) }
      return "\r\u{1B}[2K\(s.label) \(bar) \(Int(frac * 100))% \(done)/\(s.total) \(Self.duration(elapsed))\(eta)"
    }
    if var l = line {
      // never wider than the terminal, so the bar redraws in place instead of wrapping
      var ws = winsize()
      if ioctl(2, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 8 {
        let cols = Int(ws.ws_col) - 1
        let visible = l.dropFirst(5)  // "\r" and the erase-line sequence
        if visible.count > cols { l = String(l.prefix(5)) + String(visible.prefix(cols)) }
      }
      fputs(l, stderr)
      fflush(stderr)
    }
  }

  /// Erases the bar from the screen while it stays active (it is redrawn at the next update),
  /// so that a message can be printed on a clean line.
  func clearLine() {
    if state.withLock({ $0.active }) { fputs("\r\u{1B}[2K", stderr); fflush(stderr) }
  }

  /// Erases the bar.
  func end() {
    let wasActive = state.withLock { s -> Bool in
      let a = s.active
      s.active = false
      return a
    }
    if wasActive { fputs("\r\u{1B}[2K", stderr); fflush(stderr) }
  }

  static func duration(_ s: Double) -> String {
    if s < 60 { return Display.cFormat("%.1fs", s) }
    return "\(Int(s) / 60)m\(Int(s) % 60)s"
  }
}
