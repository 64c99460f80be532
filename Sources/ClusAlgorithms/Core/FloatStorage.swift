#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory behind a `FloatStorage`: `count` Float32 values at `base`, and how they are given back
/// when the last storage sharing them goes (`free` for memory the storage allocated, `munmap` for a
/// file mapping). A mapping is read-only: a storage copies it before any write.
@usableFromInline
final class FloatBuffer: @unchecked Sendable {
  /// How the memory is released.
  enum Release {
    /// `free(base)`: memory from `malloc`/`calloc`.
    case free
    /// `munmap(start, length)`: a file mapping of `length` bytes at `start`, which holds the values.
    case unmap(start: UnsafeMutableRawPointer, length: Int)
  }

  @usableFromInline let base: UnsafeMutablePointer<Float>
  @usableFromInline let count: Int
  /// Whether the memory is a read-only file mapping (writes go to a copy).
  @usableFromInline let isMapping: Bool
  let release: Release

  init(base: UnsafeMutablePointer<Float>, count: Int, release: Release) {
    self.base = base
    self.count = count
    self.release = release
    if case .unmap = release { isMapping = true } else { isMapping = false }
  }

  /// Fresh memory for `count` values (at least one byte, so that the address is never nil), zeroed
  /// when `zeroed` (calloc: the kernel's zero pages, touched only when written).
  @usableFromInline
  convenience init(allocating count: Int, zeroed: Bool = false) {
    precondition(count >= 0, "FloatStorage count must not be negative")
    let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
    precondition(!overflow, "FloatStorage of \(count) values is too large")
    let raw = zeroed ? calloc(max(bytes, 1), 1) : malloc(max(bytes, 1))
    guard let raw else { fatalError("out of memory: cannot allocate \(bytes) bytes for \(count) Float32 values") }
    self.init(base: raw.bindMemory(to: Float.self, capacity: count), count: count, release: .free)
  }

  deinit {
    switch release {
    case .free: free(base)
    case .unmap(let start, let length): munmap(start, length)
    }
  }
}

/// A copy-on-write array of Float32 values, the storage of `Matrix.data`: like `[Float]`, but its
/// memory may also be a read-only mapping of a file (a float32 `.npy` file that `load` maps instead
/// of copying), so that a large input costs no private memory and reaches every algorithm without a
/// copy.
///
/// Copies share the memory; a write (`subscript` set, `withUnsafeMutableBufferPointer`) first copies
/// it into owned memory when it is shared or is a mapping, as `Array` copies a shared buffer. Reading
/// costs what reading an `Array` costs: one load through a pointer after a bounds check.
///
/// A mapped file must not be truncated or rewritten in place while a storage maps it (reading a page
/// beyond a truncated end raises SIGBUS); clus's own writers replace files with a new one (`rename`),
/// which leaves a mapping of the old file intact.
public struct FloatStorage: @unchecked Sendable {
  /// Owns the memory (`base` and `count` are its own, cached here so reads need no indirection).
  @usableFromInline internal var buffer: FloatBuffer
  @usableFromInline internal var base: UnsafeMutablePointer<Float>
  /// The number of values.
  public private(set) var count: Int

  @usableFromInline
  init(buffer: FloatBuffer) {
    self.buffer = buffer
    self.base = buffer.base
    self.count = buffer.count
  }

  /// An empty storage.
  public init() { self.init(buffer: FloatBuffer(allocating: 0)) }

  /// A copy of `array`'s values in owned memory.
  public init(_ array: [Float]) {
    self.init(unsafeUninitializedCount: array.count) { dst in
      array.withUnsafeBufferPointer { src in
        if let s = src.baseAddress, !src.isEmpty { dst.baseAddress!.update(from: s, count: src.count) }
      }
    }
  }

  /// A copy of the values of `elements` (a slice of another storage, an array slice, ...).
  public init<S: Sequence>(_ elements: S) where S.Element == Float {
    if let copied = elements.withContiguousStorageIfAvailable({ src in
      FloatStorage(unsafeUninitializedCount: src.count) { dst in
        if let s = src.baseAddress, !src.isEmpty { dst.baseAddress!.update(from: s, count: src.count) }
      }
    }) {
      self = copied
    } else {
      self.init(Array(elements))
    }
  }

  /// `count` copies of `value`. Zeros come from `calloc`, so a large zero storage costs memory only
  /// where it is written.
  /// - Precondition: `count >= 0`.
  public init(repeating value: Float, count: Int) {
    if value.bitPattern == 0 {
      self.init(buffer: FloatBuffer(allocating: count, zeroed: true))
    } else {
      self.init(unsafeUninitializedCount: count) { $0.initialize(repeating: value) }
    }
  }

  /// `count` values written by `initializer` into fresh memory, which it must fill completely (its
  /// contents are undefined before): the way to build a large storage without an intermediate array.
  /// - Precondition: `count >= 0`.
  /// - Throws: what `initializer` throws (the memory is then released).
  @inlinable
  public init(unsafeUninitializedCount count: Int,
              initializingWith initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
    let b = FloatBuffer(allocating: count)
    try initializer(UnsafeMutableBufferPointer(start: b.base, count: count))
    self.init(buffer: b)
  }

  /// Adopts `count` Float32 values that lie `offset` bytes into a read-only file mapping of `length`
  /// bytes at `start` (made with `mmap(PROT_READ, MAP_PRIVATE)`); the storage calls
  /// `munmap(start, length)` when its last copy goes, and copies the values before any write.
  /// - Precondition: `offset` is a multiple of 4 and `offset + 4 × count <= length`.
  public init(unsafeAdoptingMapping start: UnsafeMutableRawPointer, length: Int, offset: Int, count: Int) {
    precondition(offset >= 0 && offset % MemoryLayout<Float>.alignment == 0 && count >= 0
                 && offset <= length && count <= (length - offset) / MemoryLayout<Float>.stride,
                 "FloatStorage: \(count) values at offset \(offset) do not fit a mapping of \(length) bytes")
    let values = (start + offset).bindMemory(to: Float.self, capacity: count)
    self.init(buffer: FloatBuffer(base: values, count: count, release: .unmap(start: start, length: length)))
  }

  /// Whether the values are read from a file mapping (not yet copied by a write).
  public var isMapping: Bool { buffer.isMapping }

  /// Makes the memory this storage's own and writable: copies it when it is shared with another
  /// storage or is a mapping.
  @inlinable
  mutating func makeUniqueWritable() {
    if _slowPath(!isKnownUniquelyReferenced(&buffer) || buffer.isMapping) { copyToOwnedMemory() }
  }

  @usableFromInline
  mutating func copyToOwnedMemory() {
    let b = FloatBuffer(allocating: count)
    if count > 0 { b.base.update(from: base, count: count) }
    self = FloatStorage(buffer: b)
  }

  /// Runs `body` with the values in place (valid only during the call).
  @inlinable
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try withExtendedLifetime(buffer) { try body(UnsafeBufferPointer(start: base, count: count)) }
  }

  /// Runs `body` with the values' bytes in place (valid only during the call).
  @inlinable
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
  }

  /// Runs `body` with the values in writable memory of this storage's own, copying them first when
  /// they are shared or mapped (as `Array.withUnsafeMutableBufferPointer`).
  /// - Precondition: `body` does not replace the buffer pointer it is given.
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    makeUniqueWritable()
    var p = UnsafeMutableBufferPointer(start: base, count: count)
    defer {
      precondition(p.baseAddress == base && p.count == count, "FloatStorage: withUnsafeMutableBufferPointer replaced its buffer")
    }
    return try body(&p)
  }
}

extension FloatStorage: RandomAccessCollection, MutableCollection {
  /// Positions are `0..<count`.
  public typealias Index = Int
  /// `0..<count`.
  public typealias Indices = Range<Int>

  /// Reads the values in order.
  public struct Iterator: IteratorProtocol {
    @usableFromInline let storage: FloatStorage
    @usableFromInline var position: Int

    @inlinable init(_ storage: FloatStorage, position: Int) {
      self.storage = storage
      self.position = position
    }

    /// The next value, or nil after the last.
    @inlinable public mutating func next() -> Float? {
      guard position < storage.count else { return nil }
      defer { position += 1 }
      return storage.base[position]
    }
  }

  /// An iterator from the first value.
  @inlinable public func makeIterator() -> Iterator { Iterator(self, position: 0) }

  /// Always 0.
  @inlinable public var startIndex: Int { 0 }
  /// `count`.
  @inlinable public var endIndex: Int { count }
  /// `0..<count`.
  @inlinable public var indices: Range<Int> { 0..<count }
  /// `i + 1`.
  @inlinable public func index(after i: Int) -> Int { i + 1 }
  /// `i - 1`.
  @inlinable public func index(before i: Int) -> Int { i - 1 }

  /// The value at `position`; setting it first makes the memory this storage's own (see the type).
  /// - Precondition: `0 <= position < count`.
  @inlinable
  public subscript(position: Int) -> Float {
    get {
      precondition(UInt(bitPattern: position) < UInt(bitPattern: count), "FloatStorage index out of range")
      return base[position]
    }
    _modify {
      precondition(UInt(bitPattern: position) < UInt(bitPattern: count), "FloatStorage index out of range")
      makeUniqueWritable()
      yield &base[position]
    }
  }

  /// The values in place, for algorithms of the standard library that use contiguous memory.
  @inlinable
  public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
    try withUnsafeBufferPointer(body)
  }

  /// The values in writable memory of this storage's own (see `withUnsafeMutableBufferPointer`).
  @inlinable
  public mutating func withContiguousMutableStorageIfAvailable<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R? {
    try withUnsafeMutableBufferPointer(body)
  }

  /// `transform` of each value, in order, read in place (as `Array.map`).
  /// - Throws: what `transform` throws.
  @inlinable
  public func map<T>(_ transform: (Float) throws -> T) rethrows -> [T] {
    try withUnsafeBufferPointer { try $0.map(transform) }
  }

  /// Copies the values into `target` in one block (what `Array(storage)` uses).
  @inlinable
  public __consuming func _copyContents(
    initializing target: UnsafeMutableBufferPointer<Float>
  ) -> (Iterator, Int) {
    let n = Swift.min(count, target.count)
    if n > 0 { withUnsafeBufferPointer { target.baseAddress!.initialize(from: $0.baseAddress!, count: n) } }
    return (Iterator(self, position: n), n)
  }
}

extension FloatStorage: ExpressibleByArrayLiteral {
  /// The literal's values, as `[Float]` takes them.
  public init(arrayLiteral elements: Float...) { self.init(elements) }
}

extension FloatStorage: Equatable {
  /// Equal when of the same length with equal values (Float `==`: NaN differs from itself, `-0 == 0`),
  /// and, as for `Array`, always when both share the same memory.
  public static func == (a: FloatStorage, b: FloatStorage) -> Bool {
    guard a.count == b.count else { return false }
    if a.base == b.base { return true }
    return a.withUnsafeBufferPointer { p in
      b.withUnsafeBufferPointer { q in
        for i in 0..<p.count where p[i] != q[i] { return false }
        return true
      }
    }
  }
}

extension FloatStorage: CustomStringConvertible, CustomDebugStringConvertible {
  /// The values as `[Float]` prints them: `[1.0, 2.5]`.
  public var description: String { Array(self).description }
  /// The values as `[Float]` prints them.
  public var debugDescription: String { description }
}
