import XCTest
@testable import ClusAlgorithms

/// `dbscan` against sklearn.cluster.DBSCAN (Fixtures/dbscan, made by make_fixtures.py there) and
/// hand-made cases for the border-point rule.
final class DBSCANTests: XCTestCase {
  func testSameLabelsAsScikitLearn() throws {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/dbscan/dbscan.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    let cases = obj["cases"] as! [[String: Any]]
    XCTAssertEqual(cases.count, 3)
    var clusteredRuns = 0
    for c in cases {
      let rows = c["x"] as! [[Double]]
      let x = Matrix(rows: rows.count, cols: rows[0].count, data: rows.flatMap { $0.map(Float.init) })
      for run in c["runs"] as! [[String: Any]] {
        let eps = run["eps"] as! Double, ms = run["min_samples"] as! Int
        for threads in [1, 2] {
          var ctx = RunContext()
          ctx.threads = threads
          let r = try dbscan(x, eps: eps, minSamples: ms, context: ctx)
          XCTAssertEqual(r.labels, run["labels"] as! [Int], "\(c["name"]!) eps=\(eps) min_samples=\(ms)")
          XCTAssertEqual(r.coreSampleIndices, run["core"] as! [Int], "\(c["name"]!) eps=\(eps) min_samples=\(ms)")
        }
        if Set(run["labels"] as! [Int]).count > 2 { clusteredRuns += 1 }
      }
    }
    XCTAssertGreaterThan(clusteredRuns, 5)  // the fixtures exercise several clusters
  }

  func testBorderPointGoesToTheFirstCluster() throws {
    // group A at 0…1.5, group C at 3.3…4.5, eps = 1, min_samples = 4: the point at 2.4 is within
    // eps of a core point of each (1.5 and 3.3) but has only 3 neighbours itself, so it is a
    // border point and joins whichever cluster is numbered first (the one whose first core point
    // has the lower index), as in scikit-learn's _dbscan_inner; 10 is noise.
    let cFirst: [Float] = [3.3, 3.7, 4.1, 4.5, 2.4, 0, 0.5, 1, 1.5, 10]
    let r1 = try dbscan(Matrix(rows: 10, cols: 1, data: cFirst), eps: 1, minSamples: 4)
    XCTAssertEqual(r1.labels, [0, 0, 0, 0, 0, 1, 1, 1, 1, -1])  // 2.4 with C
    XCTAssertEqual(r1.coreSampleIndices, [0, 1, 2, 6, 7, 8])
    let aFirst: [Float] = [0, 0.5, 1, 1.5, 2.4, 3.3, 3.7, 4.1, 4.5, 10]
    let r2 = try dbscan(Matrix(rows: 10, cols: 1, data: aFirst), eps: 1, minSamples: 4)
    XCTAssertEqual(r2.labels, [0, 0, 0, 0, 0, 1, 1, 1, 1, -1])  // 2.4 with A
    XCTAssertEqual(r2.coreSampleIndices, [1, 2, 3, 5, 6, 7])
    XCTAssertThrowsError(try dbscan(Matrix(rows: 10, cols: 1, data: aFirst), eps: 0, minSamples: 3))
  }

  /// An eps that covers every point: every point is core and all form one cluster (by hand: each of
  /// the n points has n neighbours ≥ min_samples). The expansion labels a point when it pushes it,
  /// so its stack never holds more than n entries (pushing once per core neighbour would hold n²).
  func testEpsCoveringEverythingGivesOneCluster() throws {
    let n = 3000
    let x = Matrix(rows: n, cols: 2, data: (0..<(2 * n)).map { Float(($0 * 7919) % 1000) / 10 })
    for threads in [1, 2] {
      var ctx = RunContext()
      ctx.threads = threads
      let r = try dbscan(x, eps: 1e6, minSamples: 5, context: ctx)
      XCTAssertEqual(r.labels, [Int](repeating: 0, count: n))
      XCTAssertEqual(r.coreSampleIndices, Array(0..<n))
    }
  }
}
