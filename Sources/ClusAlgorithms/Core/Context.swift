import Synchronization

/// A flag that a long computation polls to stop early (set by Ctrl-C in the REPL).
///
/// Setting it is lock-free and async-signal-safe; algorithms call `check()` at a coarse grain
/// (per epoch, per block of rows) and it throws `AlgorithmError.cancelled` once the flag is set.
public final class CancellationToken: Sendable {
  private let flag = Atomic<Bool>(false)
  /// A new token, not cancelled.
  public init() {}
  /// Requests cancellation.
  public func cancel() { flag.store(true, ordering: .relaxed) }
  /// Clears a previous request (before the next statement runs).
  public func reset() { flag.store(false, ordering: .relaxed) }
  /// Whether cancellation was requested.
  public var isCancelled: Bool { flag.load(ordering: .relaxed) }
  /// - Throws: `AlgorithmError.cancelled` if cancellation was requested.
  public func check() throws { if isCancelled { throw AlgorithmError.cancelled } }
}

/// Receives progress of a long step: a label, a total number of units, and the units done.
/// The runtime draws a bar with ETA on a terminal; the default does nothing.
public protocol ProgressSink: AnyObject, Sendable {
  /// A new phase begins with `total` units of work (for example epochs).
  func begin(_ label: String, total: Int)
  /// `done` of the current phase's units are complete (monotone, `0...total`).
  func update(_ done: Int)
  /// The current phase ended.
  func end()
  /// Takes whatever the sink draws off the screen until its next update, so that a message can
  /// be printed on a clean line (a warning during a phase).
  func clearLine()
}

extension ProgressSink {
  /// Nothing to clear for sinks that draw nothing.
  public func clearLine() {}
}

/// A `ProgressSink` that ignores everything.
public final class SilentProgress: ProgressSink {
  /// The shared instance.
  public static let shared = SilentProgress()
  /// Ignored.
  public func begin(_ label: String, total: Int) {}
  /// Ignored.
  public func update(_ done: Int) {}
  /// Ignored.
  public func end() {}
}

/// What every algorithm receives besides its data and parameters: the number of threads to use,
/// the cancellation token, where to report progress and where to send warnings.
public struct RunContext: @unchecked Sendable {
  /// Worker threads to use (≥ 1). Results never depend on it when a `random_state` is set.
  public var threads: Int
  /// Polled at a coarse grain; `check()` throws `AlgorithmError.cancelled`.
  public var cancellation: CancellationToken
  /// Progress of long phases.
  public var progress: ProgressSink
  /// Receives a warning message (one line, no prefix).
  public var warn: @Sendable (String) -> Void

  /// A context; by default one thread per core, no progress, warnings dropped.
  public init(
    threads: Int = defaultThreadCount(), cancellation: CancellationToken = CancellationToken(),
    progress: ProgressSink = SilentProgress.shared, warn: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.threads = max(1, threads)
    self.cancellation = cancellation
    self.progress = progress
    self.warn = warn
  }
}
