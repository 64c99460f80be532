import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

// Shared by H5ADTests, SparseNPZTests and H5ADWriteTests: the committed fixtures made by reference
// libraries (Fixtures/h5ad, Fixtures/sparse, each with make_fixtures.py and expected.json), values
// taken out of a session, and the Python modules beyond numpy those tests compare with.

extension DataFileTestCase {
  /// The path of `Fixtures/<folder>/<name>` in the test bundle.
  func fixturePath(_ folder: String, _ name: String) -> String {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(folder)/\(name)").path
  }

  /// `Fixtures/<folder>/expected.json`, as the reference library's script wrote it.
  func expectedJSON(_ folder: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath(folder, "expected.json")))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// A copy of fixture `name` in the test's directory (never write next to the committed files).
  func fixtureCopy(_ folder: String, _ name: String, as copy: String? = nil) -> String {
    write(copy ?? name, read(fixturePath(folder, name)))
  }
}

/// The numbers of a JSON array (nested lists flattened row by row), as Float32: the fixtures hold
/// float32 values written exactly, so the conversion is exact.
func jsonFloats(_ v: Any?) -> [Float] {
  if let n = v as? NSNumber { return [n.floatValue] }
  return (v as? [Any] ?? []).flatMap { jsonFloats($0) }
}

/// The integers of a JSON array.
func jsonInts(_ v: Any?) -> [Int] { (v as? [NSNumber] ?? []).map(\.intValue) }

/// The strings of a JSON array.
func jsonStrings(_ v: Any?) -> [String] { v as? [String] ?? [] }

/// Values of a session's variables, by kind; nil (with the kind in the failure) for another kind.
extension Capture {
  func value(_ name: String) -> Value? { session.variables[name] }

  func matrix(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> Matrix? {
    if case .matrix(let m)? = value(name) { return m }
    XCTFail("\(name) is \(value(name)?.kindName ?? "unset"), not a matrix", file: file, line: line)
    return nil
  }

  func sparse(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> SparseMatrix? {
    if case .sparse(let m)? = value(name) { return m }
    XCTFail("\(name) is \(value(name)?.kindName ?? "unset"), not a sparse matrix", file: file, line: line)
    return nil
  }

  /// A categorical's codes and category names.
  func categorical(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> (codes: [Int], names: [String])? {
    if let v = value(name), let c = Frames.categories(of: v) { return c }
    XCTFail("\(name) is \(value(name)?.kindName ?? "unset"), not a categorical", file: file, line: line)
    return nil
  }
}

/// Skips the test unless `testPython()` imports every module of `modules` (numpy checked by
/// `runPython` itself).
func requirePythonModules(_ modules: [String]) throws {
  do {
    try runPython("import " + modules.joined(separator: ", "))
  } catch is PythonFailure {
    throw XCTSkip("Python with \(modules.joined(separator: ", ")) is not installed (set CLUS_PYTHON)")
  }
}
