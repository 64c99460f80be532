import Foundation
import XCTest
@testable import ClusAlgorithms

/// The internal validity scores against scikit-learn (Fixtures/validity, made by make_fixtures.py there:
/// silhouette_score, silhouette_samples, calinski_harabasz_score, davies_bouldin_score on float32 data
/// scored in float64), to 1e-6; noise (−1) and a one-point cluster counted as scikit-learn counts them.
final class ValidityTests: XCTestCase {
  private func cases() throws -> [String: [String: Any]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/validity/validity.json")
    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: Any]])
  }

  private func data(_ c: [String: Any]) throws -> (Matrix, [Int]) {
    let rows = try XCTUnwrap(c["x"] as? [[Double]])
    let x = Matrix(rows: rows.count, cols: rows[0].count, data: rows.flatMap { $0.map(Float.init) })
    return (x, try XCTUnwrap(c["labels"] as? [Int]))
  }

  func testEveryScoreEqualsScikitLearn() throws {
    let all = try cases()
    XCTAssertEqual(all.keys.sorted(), ["blobs", "duplicates", "noise", "overlap"])
    for (name, c) in all {
      let (x, labels) = try data(c)
      for threads in [1, 3] {
        let ctx = RunContext(threads: threads)
        let s = try silhouetteScore(x, labels: labels, context: ctx)
        XCTAssertEqual(s, try XCTUnwrap(c["silhouette"] as? Double), accuracy: 1e-6, name)
        let samples = try silhouetteSamples(x, labels: labels, context: ctx)
        let want = try XCTUnwrap(c["silhouette_samples"] as? [Double])
        XCTAssertEqual(samples.count, want.count)
        XCTAssertLessThanOrEqual(zip(samples, want).map { abs($0 - $1) }.max() ?? 0, 1e-6, name)
        if threads == 3 {
          XCTAssertEqual(samples, try silhouetteSamples(x, labels: labels, context: RunContext(threads: 1)), "bits for any thread count")
        }
      }
      let ch = try calinskiHarabaszScore(x, labels: labels), chWant = try XCTUnwrap(c["calinski_harabasz"] as? Double)
      XCTAssertEqual(ch, chWant, accuracy: 1e-6 * max(1, abs(chWant)), name)
      XCTAssertEqual(try daviesBouldinScore(x, labels: labels), try XCTUnwrap(c["davies_bouldin"] as? Double), accuracy: 1e-6, name)
    }
    // the one-point cluster of "noise" scores 0, as scikit-learn's
    let (x, labels) = try data(try XCTUnwrap(all["noise"]))
    XCTAssertEqual(try silhouetteSamples(x, labels: labels)[7], 0)
  }

  func testHandComputed() throws {
    // two clusters on a line: {0, 1} and {4}: a(0) = 1, b(0) = 4, s = 3/4; a(1) = 1, b(1) = 3, s = 2/3;
    // the point 4 is alone: 0. Centroids 0.5 and 4, overall mean 5/3: B = 2(7/6)² + (7/3)² = 49/6,
    // W = 1/2, CH = (49/6 / 1) / (1/2 / 1) = 49/3; DB: s = (1/2, 0), distance 3.5, (1/2)/3.5 = 1/7 both ways
    let x = Matrix(rows: 3, cols: 1, data: [0, 1, 4])
    let l = [5, 5, -1]
    XCTAssertEqual(try silhouetteSamples(x, labels: l), [0.75, 2.0 / 3.0, 0])
    XCTAssertEqual(try silhouetteScore(x, labels: l), (0.75 + 2.0 / 3.0) / 3, accuracy: 1e-15)
    XCTAssertEqual(try calinskiHarabaszScore(x, labels: l), 49.0 / 3.0, accuracy: 1e-12)
    XCTAssertEqual(try daviesBouldinScore(x, labels: l), 1.0 / 7.0, accuracy: 1e-15)
  }

  func testSubsampleAndRefusals() throws {
    let c = try XCTUnwrap(try cases()["blobs"])
    let (x, labels) = try data(c)
    let a = try silhouetteScore(x, labels: labels, sampleSize: 150, randomState: 4)
    XCTAssertEqual(a, try silhouetteScore(x, labels: labels, sampleSize: 150, randomState: 4, context: RunContext(threads: 2)))
    XCTAssertNotEqual(a, try silhouetteScore(x, labels: labels, sampleSize: 150, randomState: 5))
    XCTAssertEqual(a, try XCTUnwrap(c["silhouette"] as? Double), accuracy: 0.05, "a half sample is close to the whole")
    XCTAssertEqual(try silhouetteScore(x, labels: labels, sampleSize: 300, randomState: 1),
                   try silhouetteScore(x, labels: labels), accuracy: 1e-12, "every row, in another order")
    XCTAssertThrowsError(try silhouetteScore(x, labels: labels, sampleSize: 1))
    XCTAssertThrowsError(try silhouetteScore(x, labels: Array(labels.prefix(10))))
    XCTAssertThrowsError(try calinskiHarabaszScore(x, labels: [Int](repeating: -1, count: 300))) { e in
      XCTAssertTrue("\(e)".contains("1 distinct value for 300 points"), "\(e)")
    }
    XCTAssertThrowsError(try daviesBouldinScore(x, labels: Array(0..<300)))
    // one or two points: no count of labels is valid (the message said "2 to n − 1 = 0")
    for m in [1, 2] {
      XCTAssertThrowsError(try silhouetteScore(Matrix(rows: m, cols: 4, data: Array(x.data.prefix(4 * m))), labels: Array(0..<m))) { e in
        XCTAssertTrue("\(e)".contains("the score needs at least 3 points (2 to n − 1 distinct labels, as scikit-learn), got \(m)"), "\(e)")
      }
    }
    var bad = x.data.map { $0 }
    bad[5] = .nan
    XCTAssertThrowsError(try silhouetteScore(Matrix(rows: 300, cols: 4, data: bad), labels: labels))
  }
}
