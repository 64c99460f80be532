import XCTest
@testable import ClusAlgorithms

/// `Statistics` against numpy, scikit-learn and pandas (Fixtures/statistics, made by
/// make_fixtures.py there), plus hand-computed cases.
final class StatisticsTests: XCTestCase {
  private func fixture() throws -> [String: Any] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/statistics/statistics.json")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  private func matrix(_ rows: Any?) -> Matrix {
    let r = rows as! [[Double]]
    return Matrix(rows: r.count, cols: r.first?.count ?? 0, data: r.flatMap { $0.map(Float.init) })
  }

  func testVectorStatisticsMatchNumpy() throws {
    let cases = try fixture()["vectors"] as! [[String: Any]]
    XCTAssertEqual(cases.count, 5)
    for c in cases {
      let name = c["name"] as! String
      let x = c["x"] as! [Double]
      func close(_ a: Double, _ b: Double, _ what: String) {
        XCTAssertEqual(a, b, accuracy: 1e-13 * max(1, Swift.abs(b)), "\(name) \(what)")
      }
      close(Statistics.variance(x), c["var0"] as! Double, "var")
      if let v1 = c["var1"] as? Double { close(Statistics.variance(x, ddof: 1), v1, "var ddof=1") }
      close(Statistics.variance(x).squareRoot(), c["std0"] as! Double, "std")
      close(Statistics.median(x), c["median"] as! Double, "median")
      for pair in c["quantiles"] as! [[Double]] {
        close(Statistics.quantile(x, pair[0]), pair[1], "quantile \(pair[0])")
      }
      XCTAssertEqual(Statistics.argsort(x), c["argsort"] as! [Int], "\(name) argsort")
    }
  }

  func testHandComputed() {
    XCTAssertEqual(Statistics.variance([1, 2, 3, 4]), 1.25)
    XCTAssertEqual(Statistics.variance([1, 2, 3, 4], ddof: 1), 5.0 / 3)
    XCTAssertEqual(Statistics.variance([3, 5], ddof: 2), .infinity)  // 2 / 0, as numpy
    XCTAssertTrue(Statistics.variance([3], ddof: 1).isNaN)  // 0 / 0, as numpy
    XCTAssertEqual(Statistics.median([5, 1, 3, 2]), 2.5)
    XCTAssertEqual(Statistics.quantile([1, 2, 3, 4], 0.5), 2.5)
    XCTAssertEqual(Statistics.quantile([10, 20, 30], 0.25), 15)
    XCTAssertTrue(Statistics.median([1, .nan, 2]).isNaN)
    XCTAssertEqual(Statistics.argsort([2, 1, 2, .nan, 1, 0]), [5, 1, 4, 0, 2, 3])  // stable, NaN last
    XCTAssertEqual(Statistics.sorted([3, .nan, -1]).prefix(2), [-1, 3])
  }

  func testScalersMatchScikitLearn() throws {
    let m = try fixture()["matrix"] as! [String: Any]
    let x = matrix(m["x"]), z = matrix(m["z"])
    for (name, ours) in [("standard_scale", Statistics.standardScale(x)), ("l2_normalize", Statistics.l2NormalizeRows(z))] {
      let ref = matrix(m[name])
      XCTAssertEqual(ours.rows, ref.rows)
      XCTAssertEqual(ours.cols, ref.cols)
      for i in 0..<ref.data.count {
        XCTAssertEqual(ours.data[i], ref.data[i], accuracy: 2e-6 * max(1, Swift.abs(ref.data[i])), "\(name)[\(i / ref.cols), \(i % ref.cols)]")
      }
    }
    let scaled = Statistics.standardScale(x)
    for i in 0..<x.rows { XCTAssertEqual(scaled[i, 3], 0) }  // the constant column
    for j in 0..<z.cols { XCTAssertEqual(Statistics.l2NormalizeRows(z)[7, j], 0) }  // the zero row
  }

  /// A NaN is left out of its column's mean and deviation and stays NaN, as scikit-learn's
  /// StandardScaler fits (it made the whole column NaN). Reference: StandardScaler().fit_transform
  /// of this float32 matrix (scikit-learn 1.x): column 1 over 2, 4, 9 (mean 5, deviation √(26/3)).
  func testStandardScaleLeavesNaNOut() {
    let x = Matrix(rows: 4, cols: 2, data: [1, 2, 3, 4, 5, .nan, 7, 9])
    let s = Statistics.standardScale(x)
    let ref: [Float] = [-1.3416407, -1.0190493, -0.4472136, -0.3396831, 0.4472136, .nan, 1.3416407, 1.3587323]
    for i in 0..<8 {
      if ref[i].isNaN { XCTAssertTrue(s.data[i].isNaN, "\(i)") } else { XCTAssertEqual(s.data[i], ref[i], accuracy: 1e-6, "\(i)") }
    }
    // by hand: (2 − 5) / √(26/3)
    XCTAssertEqual(Double(s[0, 1]), -3 / (26.0 / 3).squareRoot(), accuracy: 1e-6)
    // a column of NaN only stays NaN
    XCTAssertTrue(Statistics.standardScale(Matrix(rows: 2, cols: 1, data: [.nan, .nan])).data.allSatisfy(\.isNaN))
  }

  func testCrosstabMatchesPandas() throws {
    let c = try fixture()["crosstab"] as! [String: Any]
    let t = Statistics.crosstab(c["a"] as! [Int], c["b"] as! [Int])
    XCTAssertEqual(t.rows, c["rows"] as! [Int])
    XCTAssertEqual(t.columns, c["columns"] as! [Int])
    XCTAssertEqual(t.counts, (c["counts"] as! [[Int]]).flatMap { $0 })
    let small = Statistics.crosstab([1, 0, 1, 1], [7, 7, 3, 7])
    XCTAssertEqual(small.rows, [0, 1])
    XCTAssertEqual(small.columns, [3, 7])
    XCTAssertEqual(small.counts, [0, 1, 1, 2])
  }
}
