import XCTest
@testable import ClusAlgorithms

/// `trustworthiness` against sklearn.manifold.trustworthiness (Fixtures/trustworthiness, made by
/// make_fixtures.py there) and against a direct n × n computation on small data.
final class TrustworthinessTests: XCTestCase {
  private func matrix(_ rows: Any?) -> Matrix {
    let r = rows as! [[Double]]
    return Matrix(rows: r.count, cols: r.first?.count ?? 0, data: r.flatMap { $0.map(Float.init) })
  }

  func testMatchesScikitLearn() throws {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/trustworthiness/trustworthiness.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    let cases = obj["cases"] as! [[String: Any]]
    XCTAssertEqual(cases.count, 3)
    for c in cases {
      let x = matrix(c["x"]), e = matrix(c["e"])
      for pair in c["scores"] as! [[Double]] {
        for threads in [1, 2] {
          var ctx = RunContext()
          ctx.threads = threads
          let ours = try trustworthiness(x, e, nNeighbors: Int(pair[0]), context: ctx)
          XCTAssertEqual(ours, pair[1], accuracy: 1e-12, "\(c["name"]!) k = \(Int(pair[0])), \(threads) threads")
        }
      }
    }
  }

  /// The definition with full distance matrices, for data without ties.
  private func direct(_ x: Matrix, _ e: Matrix, _ k: Int) -> Double {
    let n = x.rows
    func dist(_ m: Matrix, _ i: Int, _ j: Int) -> Double {
      (0..<m.cols).reduce(0.0) { $0 + Double(m[i, $1] - m[j, $1]) * Double(m[i, $1] - m[j, $1]) }
    }
    var penalty = 0
    for i in 0..<n {
      let others = (0..<n).filter { $0 != i }
      let byX = others.sorted { dist(x, i, $0) < dist(x, i, $1) }
      let byE = others.sorted { dist(e, i, $0) < dist(e, i, $1) }
      for j in byE.prefix(k) { penalty += max(0, byX.firstIndex(of: j)! + 1 - k) }
    }
    return 1 - Double(penalty) * 2 / Double(n * k * (2 * n - 3 * k - 1))
  }

  func testAgreesWithTheDefinitionAndBounds() throws {
    var s: UInt64 = 5
    let n = 40
    let x = Matrix(rows: n, cols: 4, data: (0..<(n * 4)).map { _ in Float(Double(splitMix64(&s) >> 11) * 0x1p-53) })
    let e = Matrix(rows: n, cols: 2, data: (0..<(n * 2)).map { _ in Float(Double(splitMix64(&s) >> 11) * 0x1p-53) })
    for k in [1, 3, 7, 19] {
      XCTAssertEqual(try trustworthiness(x, e, nNeighbors: k), direct(x, e, k), accuracy: 1e-12, "k = \(k)")
    }
    // an embedding equal to the data is perfectly trustworthy
    XCTAssertEqual(try trustworthiness(x, x, nNeighbors: 5), 1)
    XCTAssertThrowsError(try trustworthiness(x, e, nNeighbors: 20))  // k must be < n/2
    XCTAssertThrowsError(try trustworthiness(x, Matrix(rows: 39, cols: 2), nNeighbors: 5))
  }
}
