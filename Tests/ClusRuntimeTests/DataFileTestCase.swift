import ClusAlgorithms
import Foundation
import XCTest
@testable import ClusRuntime

extension FloatStorage {
  /// The values as an array, to compare with an array of expected values.
  var array: [Float] { Array(self) }
}

/// A test case with a fresh temporary directory (`dir`, removed afterwards) for the files it
/// writes and loads, and the assertions of the loaders' tests.
class DataFileTestCase: XCTestCase {
  var dir = ""

  override func setUpWithError() throws {
    dir = NSTemporaryDirectory() + "clus-io-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// Writes `bytes` to `dir/name`; returns the path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) -> String {
    let p = dir + "/" + name
    _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
    return p
  }

  /// Writes `text` (UTF-8) to `dir/name`; returns the path.
  func write(_ name: String, text: String) -> String { write(name, Array(text.utf8)) }

  /// The bytes of a file (none when it cannot be read).
  func read(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

  /// Asserts that loading fails with a `DataFileError` of `kind` whose text starts with `prefix` (by
  /// default the path; for an archive's member `path: member NAME`) and a colon, and holds every fragment.
  func assertLoadFails(_ path: String, _ kind: DataFileError.Kind, prefix: String? = nil, _ fragments: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
      let v = try loadData(path: path)
      XCTFail("expected an error, loaded \(v)", file: file, line: line)
    } catch let e as DataFileError {
      XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
      XCTAssertTrue(e.description.hasPrefix((prefix ?? path) + ":"), e.description, file: file, line: line)
      for f in fragments {
        XCTAssertTrue(e.description.contains(f), "'\(e.description)' lacks '\(f)'", file: file, line: line)
      }
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
    }
  }
}
