import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The number of online processor cores (at least 1).
public func defaultThreadCount() -> Int {
  #if canImport(Glibc)
  return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  #else
  return 1
  #endif
}

/// Runs `body(chunk, range)` for every chunk of `0..<count` cut into pieces of `chunkSize`,
/// on up to `threads` threads.
///
/// The chunking depends only on `count` and `chunkSize`, never on `threads`, so work that writes
/// per-chunk results (or derives per-chunk random streams from the chunk index) gives the same
/// answer for any thread count. Chunks are handed out dynamically for load balance.
/// - Parameters:
///   - count: number of items.
///   - chunkSize: items per chunk (≥ 1).
///   - threads: maximum concurrent workers (≥ 1).
///   - body: called once per chunk with the chunk index and its item range; must be thread-safe.
public func parallelChunks(
  count: Int, chunkSize: Int, threads: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
) {
  let size = max(1, chunkSize)
  let nChunks = (count + size - 1) / size
  if nChunks == 0 { return }
  let workers = min(max(1, threads), nChunks)
  if workers == 1 {
    for c in 0..<nChunks { body(c, (c * size)..<min(count, (c + 1) * size)) }
    return
  }
  let next = Atomic<Int>(0)
  withoutActuallyEscaping(body) { body in
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if c >= nChunks { break }
        body(c, (c * size)..<min(count, (c + 1) * size))
      }
    }
  }
}

/// Number of chunks `parallelChunks` makes of `count` items with `chunkSize` each.
@inlinable public func chunkCount(_ count: Int, _ chunkSize: Int) -> Int {
  (count + max(1, chunkSize) - 1) / max(1, chunkSize)
}

/// A value guarded by a pthread mutex, for the few structures that parallel workers share.
///
/// Used instead of `Synchronization.Mutex`: on Linux that hands a contended lock to the next owner
/// with priority-inheritance futex system calls, which ThreadSanitizer cannot see, so it reported the
/// protected data as raced (`make test-tsan`, docs/reliability.md); pthread mutexes it does see. The
/// uncontended cost is the same order (one atomic each way).
public final class Locked<Value>: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  /// A lock guarding `value`.
  public init(_ value: Value) {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    self.value = value
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` on the value while holding the lock and returns its result.
  public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

/// A thread-safe counter for progress reporting: `add` returns the new total.
final class AtomicCounter: @unchecked Sendable {
  private let value = Locked(0)
  func add(_ x: Int) -> Int { value.withLock { $0 += x; return $0 } }
}
