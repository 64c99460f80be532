import Foundation
import XCTest
@testable import ClusAlgorithms

final class MetricsTests: XCTestCase {
  private func fixture() throws -> [[String: Any]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/metrics/scores.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return obj["cases"] as! [[String: Any]]
  }

  private func labels(_ c: [String: Any], _ key: String) -> [Int] {
    if let v = c[key] as? [Int] { return v }
    let runs = c[key + "_runs"] as! [[Int]]
    var out: [Int] = []
    for r in runs { out.append(contentsOf: repeatElement(r[0], count: r[1])) }
    return out
  }

  func testScoresMatchScikitLearn() throws {
    let methods = ["arithmetic", "max", "min", "geometric"]
    let cases = try fixture()
    XCTAssertGreaterThan(cases.count, 40)
    for c in cases {
      let name = c["name"] as! String
      let a = labels(c, "a"), b = labels(c, "b")
      XCTAssertEqual(try adjustedRandScore(a, b), c["ari"] as! Double, accuracy: 1e-9, "ARI \(name)")
      if let mi = c["mi"] as? Double {
        XCTAssertEqual(try mutualInfoScore(a, b), mi, accuracy: 1e-9, "MI \(name)")
      }
      for m in methods {
        XCTAssertEqual(
          try adjustedMutualInfoScore(a, b, averageMethod: m), c["ami_" + m] as! Double,
          accuracy: 1e-9, "AMI \(m) \(name)")
        XCTAssertEqual(
          try normalizedMutualInfoScore(a, b, averageMethod: m), c["nmi_" + m] as! Double,
          accuracy: 1e-9, "NMI \(m) \(name)")
      }
    }
  }

  /// a = [0,0,1,1], b = [0,1,0,1] by hand: every pair of a's classes is split evenly.
  /// Pairs: 6; same in a: 2, same in b: 2, same in both: 0.
  /// ARI = (0 − 2·2/6) / ((2+2)/2 − 2·2/6) = (−2/3)/(4/3) = −0.5. MI = 0 (independent), NMI = 0.
  /// EMI by hand: with N=4, a_i=b_j=2, n_ij ∈ {0,1,2}; P(n_ij=1)=2/3·... giving
  /// EMI = 4 · [P(1)·(1/4)·ln(4·1/4) + P(2)·(2/4)·ln(4·2/4)] = 4 · (1/6)·(1/2)·ln 2 = ln(2)/3,
  /// where P(n_ij=2) = C(2,2)C(2,0)/C(4,2) = 1/6. H(a) = H(b) = ln 2, so
  /// AMI = (0 − ln2/3)/(ln2 − ln2/3) = −1/2.
  func testHandCheckedTinyCase() throws {
    let a = [0, 0, 1, 1], b = [0, 1, 0, 1]
    XCTAssertEqual(try adjustedRandScore(a, b), -0.5, accuracy: 1e-15)
    XCTAssertEqual(try mutualInfoScore(a, b), 0, accuracy: 1e-15)
    XCTAssertEqual(try normalizedMutualInfoScore(a, b), 0)
    let t = Contingency(a, b)
    XCTAssertEqual(expectedMutualInformation(t), log(2.0) / 3, accuracy: 1e-14)
    XCTAssertEqual(try adjustedMutualInfoScore(a, b), -0.5, accuracy: 1e-12)
    // Perfect agreement up to renaming, including the −1 label.
    XCTAssertEqual(try adjustedRandScore([-1, -1, 4, 4, 9], [2, 2, -1, -1, 0]), 1.0)
    XCTAssertEqual(try adjustedMutualInfoScore([-1, -1, 4, 4, 9], [2, 2, -1, -1, 0]), 1.0, accuracy: 1e-12)
    // MI of two identical 2-class labelings of 4 points is ln 2.
    XCTAssertEqual(try mutualInfoScore([0, 0, 1, 1], [1, 1, 0, 0]), log(2.0), accuracy: 1e-15)
  }

  func testEdgeCasesAndErrors() throws {
    XCTAssertEqual(try adjustedRandScore([], []), 1.0)
    XCTAssertEqual(try adjustedMutualInfoScore([], []), 1.0)
    XCTAssertEqual(try normalizedMutualInfoScore([], []), 1.0)
    XCTAssertEqual(try mutualInfoScore([], []), 0.0)
    XCTAssertEqual(try adjustedMutualInfoScore([1, 1, 1], [0, 1, 2]), 0.0)
    // AMI has no lower bound of -1: with average_method="min" the expected MI can exceed the smaller
    // entropy. scikit-learn 1.9.1's adjusted_mutual_info_score gives -1.999999999999991 here (a fuzz find).
    XCTAssertEqual(
      try adjustedMutualInfoScore([0, 0, 4, -1, 1, 5], [3, -1, -1, -1, -1, -1], averageMethod: "min"),
      -1.999999999999991, accuracy: 1e-9)
    XCTAssertThrowsError(try adjustedRandScore([1, 2], [1])) { e in
      guard case .invalidInput = e as? AlgorithmError else { return XCTFail("\(e)") }
    }
    XCTAssertThrowsError(try adjustedMutualInfoScore([1, 2], [1, 2, 3]))
    XCTAssertThrowsError(try normalizedMutualInfoScore([1], [1, 2]))
    XCTAssertThrowsError(try mutualInfoScore([1], [1, 2]))
    XCTAssertThrowsError(try adjustedMutualInfoScore([1, 2], [1, 2], averageMethod: "median")) { e in
      guard case .invalidParameter = e as? AlgorithmError else { return XCTFail("\(e)") }
    }
  }

  /// ARI of a 120 000-point labeling needs more than 64-bit products (n⁴ ≈ 2·10²⁰ > 2⁶³):
  /// a splits the points in halves, b in thirds (a's first half = b's first third plus half the
  /// second third). Exact value from the pair counts (computed by hand with integer arithmetic).
  func testLargeCountsDoNotOverflow() throws {
    let n = 120_000
    var a = [Int](repeating: 0, count: n), b = [Int](repeating: 0, count: n)
    for i in 0..<n {
      a[i] = i < n / 2 ? 0 : 1
      b[i] = i / (n / 3)
    }
    // Contingency [[40000, 20000, 0], [0, 20000, 40000]].
    let cells: [Double] = [40000, 20000, 0, 0, 20000, 40000]
    let pairs = { (v: Double) in v * (v - 1) / 2 }
    let sumIJ = cells.map(pairs).reduce(0, +)
    let sumA = 2 * pairs(60000), sumB = 3 * pairs(40000), total = pairs(Double(n))
    let expected = sumIJ - sumA * sumB / total
    let ari = (expected) / ((sumA + sumB) / 2 - sumA * sumB / total)
    XCTAssertEqual(try adjustedRandScore(a, b), ari, accuracy: 1e-9)
    let ami = try adjustedMutualInfoScore(a, b)
    XCTAssert(ami.isFinite && ami > 0 && ami < 1)
  }
}
