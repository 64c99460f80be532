#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// An owned, immutable block of bytes followed by one zero byte (so C parsers such as `strtof`
/// stop at the end). Used instead of `Data`/`[UInt8]` so that decompressed files are never copied.
final class ByteBuffer {
  let base: UnsafeMutablePointer<UInt8>
  let count: Int

  /// Takes ownership of `base` (allocated with `malloc`, at least `count + 1` bytes).
  init(taking base: UnsafeMutablePointer<UInt8>, count: Int) {
    self.base = base
    self.count = count
    base[count] = 0
  }

  /// A buffer holding a copy of `bytes`.
  convenience init(_ bytes: [UInt8]) {
    let p = malloc(bytes.count + 1)!.assumingMemoryBound(to: UInt8.self)
    bytes.withUnsafeBufferPointer { b in
      if let a = b.baseAddress { p.update(from: a, count: b.count) }
    }
    self.init(taking: p, count: bytes.count)
  }

  deinit { free(base) }

  /// Runs `body` with the bytes (not including the trailing zero), keeping the buffer alive.
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withExtendedLifetime(self) {
      try body(UnsafeRawBufferPointer(start: base, count: count))
    }
  }

  var startsWithGzipMagic: Bool { count >= 2 && base[0] == 0x1F && base[1] == 0x8B }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// What is at a path.
enum PathKind { case missing, file, directory, other }

func pathKind(_ path: String) -> PathKind {
  var st = stat()
  guard stat(path, &st) == 0 else { return .missing }
  switch st.st_mode & 0o170000 {
  case 0o040000: return .directory
  case 0o100000: return .file
  default: return .other
  }
}

/// The folder that should hold `path` when it does not exist (nil when it does, or when `path`
/// has no folder part): writers refuse such a path with a message naming the folder, as numpy's
/// `save` and matplotlib's `savefig` raise `FileNotFoundError`, rather than create it.
func missingFolder(of path: String) -> String? {
  guard let slash = path.lastIndex(of: "/") else { return nil }
  let folder = slash == path.startIndex ? "/" : String(path[..<slash])
  return pathKind(folder) == .directory ? nil : folder
}

/// The message for a write into a missing folder: `cannot write: no such directory 'dir' (create it first)`,
/// or, when `folder` (or a folder above it) is a file, that it is not a directory (numpy: NotADirectoryError).
func missingFolderMessage(_ folder: String) -> String {
  var above = folder
  while true {
    switch pathKind(above) {
    case .directory: return "cannot write: no such directory '\(folder)' (create it first)"
    case .missing:
      guard let slash = above.lastIndex(of: "/"), slash != above.startIndex else {
        return "cannot write: no such directory '\(folder)' (create it first)"
      }
      above = String(above[..<slash])
    default:
      return "cannot write: '\(above)' is a file, not a directory" + (above == folder ? "" : " (in '\(folder)')")
    }
  }
}

/// Replaces a leading `~/` by `$HOME/`.
func expandTilde(_ path: String) -> String {
  guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
  return String(cString: home) + path.dropFirst()
}

/// The last path component (ignoring trailing slashes).
func lastPathComponent(_ path: String) -> String {
  var p = Substring(path)
  while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
  if let i = p.lastIndex(of: "/"), p.count > 1 { return String(p[p.index(after: i)...]) }
  return String(p)
}

/// The names in a directory (without `.` and `..`), sorted.
func directoryEntries(_ path: String, display: String) throws -> [String] {
  guard let dir = opendir(path) else {
    let e = errno
    throw DataFileError(path: display, kind: .unreadable, message: "cannot read directory: \(errnoText(e))")
  }
  defer { closedir(dir) }
  var names: [String] = []
  while let ent = readdir(dir) {
    let name = withUnsafePointer(to: &ent.pointee.d_name) {
      String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted()
}

/// Opens a file for reading; the caller closes the descriptor.
/// - Returns: the descriptor and the file's status (size, type).
/// - Throws: `DataFileError` (.missingFile, .unreadable, a directory) naming `display`.
private func openForReading(_ path: String, display: String) throws -> (fd: Int32, status: stat) {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else {
    let e = errno
    throw DataFileError(path: display, kind: e == ENOENT ? .missingFile : .unreadable,
                        message: e == ENOENT ? "no such file" : "cannot open: \(errnoText(e))")
  }
  var st = stat()
  guard fstat(fd, &st) == 0 else {
    let e = errno
    close(fd)
    throw DataFileError(path: display, kind: .unreadable, message: "cannot read: \(errnoText(e))")
  }
  if st.st_mode & 0o170000 == 0o040000 {
    close(fd)
    throw DataFileError(path: display, kind: .unreadable, message: "is a directory, expected a file")
  }
  return (fd, st)
}

/// A whole regular file mapped read-only (`mmap(PROT_READ, MAP_PRIVATE)`): `length` bytes at `start`.
/// Whoever takes it (a `FloatStorage`) unmaps it, or `unmap()` does.
struct FileMapping {
  let start: UnsafeMutableRawPointer
  let length: Int

  /// The mapped bytes.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: length) }

  /// Gives the mapping back.
  func unmap() { munmap(start, length) }
}

/// Maps the whole regular file at `path` read-only, or nil when it is empty, not a regular file (a
/// pipe, a device) or cannot be mapped: then the caller reads it instead. The mapping holds exactly
/// the file's size at this moment, never more, so that no page is mapped beyond its end.
/// - Throws: `DataFileError` (.missingFile, .unreadable) naming `display`, as `readFileBytes`.
func mapFile(_ path: String, display: String) throws -> FileMapping? {
  let (fd, st) = try openForReading(path, display: display)
  defer { close(fd) }
  guard st.st_mode & 0o170000 == 0o100000, st.st_size > 0, let length = Int(exactly: st.st_size) else { return nil }
  guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
  return FileMapping(start: p, length: length)
}

/// Reads a whole regular file, or a stream (a pipe) to its end.
/// - Throws: `DataFileError` (.missingFile, .unreadable) naming `display`; a character or block device
///   (`/dev/zero` never ends) is refused before reading, and a stream longer than the memory available
///   is stopped there.
func readFileBytes(_ path: String, display: String) throws -> ByteBuffer {
  let (fd, st) = try openForReading(path, display: display)
  defer { close(fd) }
  let kind = st.st_mode & 0o170000
  if kind == 0o020000 || kind == 0o060000 {
    throw DataFileError(path: display, kind: .unreadable,
                        message: "is a \(kind == 0o020000 ? "character" : "block") device, not a file (a device such as /dev/zero never ends)")
  }
  let streamLimit = kind == 0o100000 ? nil : Memory.available()
  // One spare byte for the terminator and one so that the final read() seeing EOF needs no growth.
  var cap = max(Int(st.st_size), 0) + 2
  // an allocation the system refuses (ulimit -v, a full machine) is an error, not a crash
  func noMemory(_ bytes: Int) -> DataFileError {
    DataFileError(path: display, kind: .unreadable, message: "cannot read: the system refused \(Memory.text(Double(bytes))) of memory for the file's bytes")
  }
  guard let first = malloc(cap) else { throw noMemory(cap) }
  var p = first.assumingMemoryBound(to: UInt8.self)
  var n = 0
  while true {
    if n + 1 >= cap {
      cap *= 2
      guard let grown = realloc(p, cap) else { free(p); throw noMemory(cap) }
      p = grown.assumingMemoryBound(to: UInt8.self)
    }
    let r = read(fd, p + n, min(cap - 1 - n, 1 << 30))
    if r < 0 {
      let e = errno
      if e == EINTR { continue }
      free(p)
      throw DataFileError(path: display, kind: .unreadable, message: "cannot read: \(errnoText(e))")
    }
    if r == 0 { break }
    n += r
    if let limit = streamLimit, Double(n) > limit {
      free(p)
      throw DataFileError(path: display, kind: .unreadable,
                          message: "the stream has given more than the memory available (\(Memory.text(limit))) and has not ended")
    }
  }
  return ByteBuffer(taking: p, count: n)
}

/// Decompresses a gzip file (one or more concatenated members) held in `input`.
///
/// The whole compressed input is inflated in one pass into a buffer sized from the ISIZE field of
/// the last member (grown by doubling when that is too small, as for multi-member files).
/// Trailing zero padding is ignored.
/// - Throws: `DataFileError` (.corruptGzip) for a bad header, damaged data, a truncated stream,
///   or garbage after the last member.
func gunzip(_ input: ByteBuffer, display: String) throws -> ByteBuffer {
  func corrupt(_ m: String) -> DataFileError {
    DataFileError(path: display, kind: .corruptGzip, message: "corrupt gzip data: \(m)")
  }
  guard input.startsWithGzipMagic else {
    throw corrupt(input.count == 0 ? "the file is empty" : "not a gzip file (bad magic bytes)")
  }
  let inCount = input.count
  var cap = 64 * 1024
  if inCount >= 18 {
    let t = input.base + (inCount - 4)
    let isize = Int(t[0]) | Int(t[1]) << 8 | Int(t[2]) << 16 | Int(t[3]) << 24
    // deflate cannot expand more than ~1032:1; ignore implausible hints (modulo 2^32 sizes).
    if isize > 0 && isize <= inCount * 1100 { cap = isize }
  }
  cap += 2
  // an allocation the system refuses (ulimit -v, a full machine) is an error, not a crash
  func noMemory(_ bytes: Int) -> DataFileError {
    DataFileError(path: display, kind: .corruptGzip, message: "cannot decompress: the system refused \(Memory.text(Double(bytes))) of memory")
  }
  guard let first = malloc(cap) else { throw noMemory(cap) }
  var out = first.assumingMemoryBound(to: UInt8.self)
  var outCount = 0
  let zs = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
  zs.initialize(to: z_stream())
  defer { zs.deallocate() }
  guard inflateInit2_(zs, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
    free(out)
    throw corrupt("zlib could not be initialised")
  }
  defer { inflateEnd(zs) }
  zs.pointee.next_in = input.base
  zs.pointee.avail_in = uInt(min(inCount, Int(UInt32.max)))
  var failure: DataFileError? = nil
  withExtendedLifetime(input) {
    while true {
      if outCount + 1 >= cap {
        cap = cap * 2
        guard let grown = realloc(out, cap) else { failure = noMemory(cap); return }
        out = grown.assumingMemoryBound(to: UInt8.self)
      }
      zs.pointee.next_out = out + outCount
      let room = min(cap - 1 - outCount, Int(UInt32.max))
      zs.pointee.avail_out = uInt(room)
      let rc = inflate(zs, Z_NO_FLUSH)
      outCount += room - Int(zs.pointee.avail_out)
      // Position of the next unread input byte.
      let pos = zs.pointee.next_in - input.base
      var refilled = false
      if zs.pointee.avail_in == 0 && pos < inCount {
        refilled = true
        zs.pointee.avail_in = uInt(min(inCount - pos, Int(UInt32.max)))
      }
      switch rc {
      case Z_OK:
        continue
      case Z_STREAM_END:
        var rest = pos
        while rest < inCount && input.base[rest] == 0 { rest += 1 }
        if rest >= inCount { return }
        if rest == pos && inCount - pos >= 2 && input.base[pos] == 0x1F && input.base[pos + 1] == 0x8B {
          inflateReset(zs)  // another member follows
          continue
        }
        failure = corrupt("\(inCount - pos) unexpected bytes after the end of the compressed data")
        return
      case Z_BUF_ERROR:
        if zs.pointee.avail_out == 0 || refilled { continue }  // needs more room or more input
        failure = corrupt("the compressed data ends early (truncated file)")
        return
      default:
        let detail = zs.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
        failure = corrupt(detail)
        return
      }
    }
  }
  if let f = failure {
    free(out)
    throw f
  }
  if cap - outCount > 1 << 20 {  // the size hint was too large: give the rest back
    out = realloc(out, outCount + 1)!.assumingMemoryBound(to: UInt8.self)
  }
  return ByteBuffer(taking: out, count: outCount)
}

/// Reads a file and, if it starts with the gzip magic bytes (or `compressed` is true), inflates it.
func readDataBytes(_ path: String, display: String, compressed: Bool) throws -> ByteBuffer {
  try inflateIfCompressed(readFileBytes(path, display: display), display: display, compressed: compressed)
}

/// `raw` inflated when it starts with the gzip magic bytes (or `compressed` is true), else `raw`.
func inflateIfCompressed(_ raw: ByteBuffer, display: String, compressed: Bool) throws -> ByteBuffer {
  if compressed || raw.startsWithGzipMagic { return try gunzip(raw, display: display) }
  return raw
}

/// A file written whole, then put in the place of `path`: the bytes go to a new file next to it (in
/// the same directory, named `.NAME.clus-RANDOM`), which `commit()` renames over `path`. Readers, and a
/// mapping of the old file (`loadMappedNPY`), keep the old contents (rename leaves the old file
/// whole until its last user goes, where writing in place would truncate a mapped file under its
/// reader, a SIGBUS); a failure leaves the old file as it was. A replaced file keeps its permission
/// bits; a symbolic link stays and the file it names is replaced. A path that exists but is not a
/// regular file (a device, a FIFO) is written in place, as before, and never removed.
final class ReplacementFile {
  /// An error of a system call, with its `errno`.
  struct Failure: Error { let code: Int32 }

  /// The descriptor to write to (-1 once committed or discarded).
  private(set) var fd: Int32
  /// Where the bytes go until `commit()`: the new file, or the target itself when written in place.
  let writtenPath: String
  /// The file that `commit()` replaces.
  let targetPath: String
  private var inPlace: Bool { writtenPath == targetPath }

  /// Creates the new file (or opens a non-regular file for writing).
  /// - Throws: `Failure` with the system's reason (a missing or read-only directory, no permission).
  init(replacing path: String) throws {
    var st = stat()
    var keptMode: mode_t? = nil
    var target = path
    if stat(path, &st) == 0 {
      if st.st_mode & 0o170000 != 0o100000 {  // a device or a FIFO: nothing to replace
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(code: errno) }
        writtenPath = path
        targetPath = path
        return
      }
      keptMode = st.st_mode & 0o777
      if let r = realpath(path, nil) {  // a symbolic link: replace the file it names
        target = String(cString: r)
        free(r)
      }
    }
    let slash = target.lastIndex(of: "/")
    let folder = slash.map { String(target[...$0]) } ?? ""
    let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
    var tries = 0
    while true {
      let candidate = folder + "." + name + ".clus-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
      // mode 0644 less the umask, as the file written in place had
      let d = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o644)
      if d >= 0 {
        fd = d
        writtenPath = candidate
        break
      }
      let e = errno
      tries += 1
      guard e == EEXIST && tries < 100 else { throw Failure(code: e) }
    }
    targetPath = target
    if let m = keptMode { fchmod(fd, m) }
  }

  deinit { discard() }

  /// Closes the file and renames it over the target.
  /// - Throws: `Failure` when closing (a delayed write error) or renaming fails; the new file is then removed.
  func commit() throws {
    let rc = close(fd)
    fd = -1
    if rc != 0 {
      let e = errno
      if !inPlace { unlink(writtenPath) }
      throw Failure(code: e)
    }
    if !inPlace && rename(writtenPath, targetPath) != 0 {
      let e = errno
      unlink(writtenPath)
      throw Failure(code: e)
    }
  }

  /// Closes and removes the new file unless committed (a file written in place stays).
  func discard() {
    guard fd >= 0 else { return }
    close(fd)
    fd = -1
    if !inPlace { unlink(writtenPath) }
  }
}

/// Why `path` cannot be replaced by a new file (its folder missing or not writable), as the
/// system says it (strerror), or nil when it can: the new file is created and removed again.
public func replacementProblem(_ path: String) -> String? {
  do {
    let file = try ReplacementFile(replacing: path)
    file.discard()
    return nil
  } catch let f as ReplacementFile.Failure {
    return String(cString: strerror(f.code))
  } catch {
    return "\(error)"
  }
}

/// Replaces `path` whole with `text` (`ReplacementFile`: a failure leaves the old file as it was).
/// - Returns: nil, or why it could not (strerror).
public func replaceFile(_ path: String, text: String) -> String? {
  var bytes = Array(text.utf8)
  do {
    try bytes.withUnsafeMutableBytes { try replaceFile(path, with: UnsafeRawBufferPointer($0)) }
    return nil
  } catch let f as ReplacementFile.Failure {
    return String(cString: strerror(f.code))
  } catch {
    return "\(error)"
  }
}

/// Writes `bytes` as the whole new content of `path` through a `ReplacementFile`.
/// - Throws: `ReplacementFile.Failure` with the system's reason; `path` is then unchanged.
func replaceFile(_ path: String, with bytes: UnsafeRawBufferPointer) throws {
  let file = try ReplacementFile(replacing: path)
  try writeAll(file.fd, bytes)
  try file.commit()
}

/// Writes all of `bytes` to `fd`, retrying after interruptions and short writes.
/// - Throws: `ReplacementFile.Failure` with the system's reason.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
  guard let p = bytes.baseAddress else { return }
  var done = 0
  while done < bytes.count {
    let r = write(fd, p + done, min(bytes.count - done, 1 << 30))
    if r < 0 {
      let e = errno
      if e == EINTR { continue }
      throw ReplacementFile.Failure(code: e)
    }
    done += r
  }
}

/// Writes a file, optionally gzip-compressed, through a 1 MB buffer, as a `ReplacementFile`: the
/// file at `path` is replaced when `finish()` succeeds and left as it was otherwise.
final class FileSink {
  private let file: ReplacementFile
  private let display: String
  private var zs: UnsafeMutablePointer<z_stream>? = nil
  private var zbuf: UnsafeMutablePointer<UInt8>? = nil
  private let zbufSize = 1 << 18
  /// Pending bytes; callers append and then call `flushIfLarge()`.
  var buffer: [UInt8] = []

  /// Starts the file that will replace `path`.
  /// - Throws: `DataFileError` (.unwritable) with the system's reason.
  init(path: String, display: String, gzip: Bool) throws {
    self.display = display
    do { file = try ReplacementFile(replacing: path) } catch let f as ReplacementFile.Failure {
      var m = "cannot write: \(errnoText(f.code))"
      if f.code == ENOENT {
        // ENOENT also comes from a directory that exists but takes no new files (/proc)
        m += missingFolder(of: path) == nil ? " (the directory exists but takes no new files)" : " (the directory does not exist)"
      }
      throw DataFileError(path: display, kind: .unwritable, message: m)
    }
    buffer.reserveCapacity(1 << 20 + 4096)
    if gzip {
      let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
      z.initialize(to: z_stream())
      let rc = deflateInit2_(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                             Int32(MemoryLayout<z_stream>.size))
      if rc != Z_OK {
        z.deallocate()
        throw DataFileError(path: display, kind: .unwritable, message: "cannot start gzip compression")
      }
      zs = z
      zbuf = UnsafeMutablePointer<UInt8>.allocate(capacity: zbufSize)
    }
  }

  deinit {
    if let z = zs { deflateEnd(z); z.deallocate() }
    zbuf?.deallocate()
    file.discard()  // not finished: an error occurred, remove the partial file
  }

  private func fail(_ e: Int32) -> DataFileError {
    DataFileError(path: display, kind: .unwritable, message: "cannot write: \(errnoText(e))")
  }

  private func writeAll(_ p: UnsafeRawPointer, _ n: Int) throws {
    do { try ClusRuntime.writeAll(file.fd, UnsafeRawBufferPointer(start: p, count: n)) } catch let f as ReplacementFile.Failure {
      throw fail(f.code)
    }
  }

  private func deflateChunk(_ p: UnsafeRawPointer?, _ n: Int, finish: Bool) throws {
    guard let z = zs, let zb = zbuf else { return }
    var offset = 0
    repeat {
      let take = min(n - offset, Int(UInt32.max))
      z.pointee.next_in = UnsafeMutablePointer(mutating: p.map { ($0 + offset).assumingMemoryBound(to: UInt8.self) })
      z.pointee.avail_in = uInt(take)
      offset += take
      let last = finish && offset == n
      while true {
        z.pointee.next_out = zb
        z.pointee.avail_out = uInt(zbufSize)
        let rc = deflate(z, last ? Z_FINISH : Z_NO_FLUSH)
        let produced = zbufSize - Int(z.pointee.avail_out)
        if produced > 0 { try writeAll(zb, produced) }
        if rc == Z_STREAM_ERROR {
          throw DataFileError(path: display, kind: .unwritable, message: "gzip compression failed")
        }
        if last { if rc == Z_STREAM_END { break } } else if z.pointee.avail_out != 0 { break }
      }
    } while offset < n
  }

  /// Writes raw bytes (after the pending buffer).
  func writeBytes(_ bytes: UnsafeRawBufferPointer) throws {
    try flush()
    guard let b = bytes.baseAddress, bytes.count > 0 else { return }
    if zs != nil { try deflateChunk(b, bytes.count, finish: false) } else { try writeAll(b, bytes.count) }
  }

  /// Writes the pending buffer when it holds more than 1 MB.
  func flushIfLarge() throws {
    if buffer.count >= 1 << 20 { try flush() }
  }

  /// Writes the pending buffer.
  func flush() throws {
    if buffer.isEmpty { return }
    try buffer.withUnsafeBytes { b in
      if zs != nil { try deflateChunk(b.baseAddress!, b.count, finish: false) } else { try writeAll(b.baseAddress!, b.count) }
    }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes everything, ends the gzip stream, closes the file and puts it in the place of the path.
  func finish() throws {
    try flush()
    if zs != nil { try deflateChunk(nil, 0, finish: true) }
    do { try file.commit() } catch let f as ReplacementFile.Failure { throw fail(f.code) }
  }
}
