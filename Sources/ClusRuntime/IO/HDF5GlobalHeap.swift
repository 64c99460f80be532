#if canImport(Glibc)
import Glibc
#endif

// The whole file's global heap collections ("GCOL" blocks), checked before libhdf5 reads a
// variable-length string itself. clus resolves nearly every string on its own (HDF5Raw.swift); the
// library still reads an attribute kept in dense storage, and this scan is what guards that path.
// libhdf5 1.10.8 trusts the collections' sizes: a damaged collection made it overlap a memcpy, free
// foreign memory, crash or loop forever (docs/reliability.md, "FuzzH5AD"). A collection, as the HDF5
// file format specification (version 1 of the global heap) lays it out:
//   "GCOL", version 1, 3 reserved bytes, the collection size (lengths of 8 bytes, as anndata's files
//   have them), then objects: index (2 bytes), reference count (2), 4 reserved, size (8), the data
//   padded to a multiple of 8; index 0 is the free space that ends the collection.

/// Files larger than this are not scanned (the scan reads the whole file; a large file's collections
/// are still read by libhdf5 unchecked).
let globalHeapScanLimit = 4 << 30

/// What tells the file at `path` apart from another file or from its own earlier content: device,
/// inode, size, modification and status-change times (nanoseconds; a write in place whose
/// modification time is set back still moves the status-change time); nil when it cannot be read.
func fileIdentity(_ path: String) -> String? {
  var st = stat()
  guard stat(path, &st) == 0 else { return nil }
  return fileIdentity(st)
}

/// `fileIdentity(_:)` of a file's status as `stat` or `fstat` gave it.
func fileIdentity(_ st: stat) -> String {
  "\(st.st_dev)|\(st.st_ino)|\(st.st_size)|\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)|\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
}

/// Throws when a global heap collection of the file at `path` is inconsistent: its size beyond the file
/// or below the format's 4,096 bytes, or an object (or the free space) running past its end.
/// - Throws: `DataFileError` (.corruptArchive) naming `display` and the collection's offset.
func checkGlobalHeaps(path: String, display: String) throws {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { return }  // libhdf5 reports what is wrong with opening it
  defer { close(fd) }
  let size = Int(lseek(fd, 0, SEEK_END))
  guard size > 16, size <= globalHeapScanLimit else { return }
  // a file already found sound is not scanned again while it is unchanged (each lazily read field
  // opens the file anew)
  var st = stat()
  let key = fstat(fd, &st) == 0 ? path + "|" + fileIdentity(st) : nil
  if let key, soundGlobalHeaps.contains(key) { return }
  guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return }
  defer { munmap(base, size) }
  let b = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
  func u16(_ p: Int) -> Int { Int(b[p]) | Int(b[p + 1]) << 8 }
  func u64(_ p: Int) -> UInt64 {
    var v: UInt64 = 0
    for t in 0..<8 { v |= UInt64(b[p + t]) << UInt64(8 * t) }
    return v
  }
  func bad(_ at: Int, _ what: String) -> DataFileError {
    DataFileError(path: display, kind: .corruptArchive, message: "damaged HDF5 file: the global heap at byte \(at) \(what)")
  }
  var at = 0
  while at + 16 <= size {
    // "GCOL", version 1 and three zero bytes: eight bytes that data almost never spell by chance
    guard b[at] == 0x47, b[at + 1] == 0x43, b[at + 2] == 0x4F, b[at + 3] == 0x4C,
          b[at + 4] == 1, b[at + 5] == 0, b[at + 6] == 0, b[at + 7] == 0 else {
      at += 1
      continue
    }
    let total = u64(at + 8)
    guard total >= 4096, total <= UInt64(size - at) else { throw bad(at, "claims \(total) bytes") }
    let end = at + Int(total)
    var q = at + 16
    while q + 16 <= end {
      let index = u16(q), objectSize = u64(q + 8)
      if index == 0 {
        // the free space: the rest of the collection
        guard objectSize <= UInt64(end - q) else { throw bad(at, "has free space beyond its end") }
        break
      }
      guard objectSize <= UInt64(end - q - 16) else { throw bad(at, "has object \(index) beyond its end") }
      q += 16 + (Int(objectSize) + 7) / 8 * 8
    }
    at += 8
  }
  if let key { soundGlobalHeaps.insert(key) }
}

/// Files whose global heaps were checked and found sound (path, device, inode, size, modification
/// time); read and written under `hdf5Lock`, as every use of `checkGlobalHeaps` is.
nonisolated(unsafe) private var soundGlobalHeaps = Set<String>()
