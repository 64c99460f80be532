import ClusAlgorithms
import Foundation
import XCTest
@testable import ClusRuntime

/// Writers replace a file whole (`ReplacementFile`: a new file renamed over the old one): a reader of
/// the old file keeps its bytes, a failed write keeps the old file, and no temporary file stays.
final class AtomicSaveTests: DataFileTestCase {
  /// The names in the test's directory that are temporary files of a writer.
  func leftovers() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".clus-") }
  }

  func testAMappingOfTheOldFileKeepsItsBytes() throws {
    let p = dir + "/m.npy"
    try saveData(.matrix(Matrix(rows: 1000, cols: 10, repeating: 1)), path: p)
    let old = read(p)
    let fd = open(p, O_RDONLY)
    XCTAssertGreaterThanOrEqual(fd, 0)
    defer { close(fd) }
    guard let map = mmap(nil, old.count, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return XCTFail("mmap") }
    defer { munmap(map, old.count) }
    // a smaller file in its place: written in place, the old mapping's last pages would be gone (SIGBUS)
    try saveData(.matrix(Matrix(rows: 2, cols: 2, repeating: 5)), path: p)
    XCTAssertEqual(Array(UnsafeRawBufferPointer(start: map, count: old.count)), old)
    XCTAssertEqual(try loadData(path: p), .matrix(Matrix(rows: 2, cols: 2, repeating: 5)))
    XCTAssertEqual(try leftovers(), [])
  }

  func testAFailedSaveLeavesTheOldFile() throws {
    // a cancelled CSV write (stopped after 4,096 rows) removes its temporary file and keeps the old one
    let csv = write("keep.csv", text: "1,2\n")
    let big = Matrix(rows: 10_000, cols: 2, repeating: 1)
    XCTAssertThrowsError(try saveData(.matrix(big), path: csv, cancelled: { true }))
    XCTAssertEqual(read(csv), Array("1,2\n".utf8))
    XCTAssertEqual(try leftovers(), [])
  }

  func testSaveKeepsPermissionsAndSymbolicLinks() throws {
    let target = dir + "/target.npy"
    try saveData(.matrix(Matrix(rows: 1, cols: 2, data: [1, 2])), path: target)
    chmod(target, 0o600)
    let link = dir + "/link.npy"
    XCTAssertEqual(symlink(target, link), 0)
    try saveData(.matrix(Matrix(rows: 1, cols: 2, data: [3, 4])), path: link)
    var st = stat()
    XCTAssertEqual(lstat(link, &st), 0)
    XCTAssertEqual(st.st_mode & 0o170000, 0o120000, "the link stays a link")
    XCTAssertEqual(stat(target, &st), 0)
    XCTAssertEqual(st.st_mode & 0o777, 0o600, "the replaced file keeps its permissions")
    XCTAssertEqual(try loadData(path: target), .matrix(Matrix(rows: 1, cols: 2, data: [3, 4])))
  }

  func testPicturesReplaceFilesAndDevicesAreWrittenInPlace() throws {
    let png = write("p.png", [1, 2, 3])
    try writeBytes([9, 8], path: png)
    XCTAssertEqual(read(png), [9, 8])
    try plotWriteFile([7], path: png)
    XCTAssertEqual(read(png), [7])
    // not a regular file: written as before, and never removed
    try writeBytes([1], path: "/dev/null")
    XCTAssertEqual(pathKind("/dev/null"), .other)
    XCTAssertThrowsError(try writeBytes([1], path: dir + "/missing/p.png")) {
      XCTAssertTrue("\($0)".contains("No such file or directory"), "\($0)")
    }
    XCTAssertEqual(try leftovers(), [])
  }
}
