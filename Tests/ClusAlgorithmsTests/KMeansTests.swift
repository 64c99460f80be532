import Foundation
import XCTest
@testable import ClusAlgorithms

final class KMeansTests: XCTestCase {
  private func fixture() throws -> [[String: Any]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/kmeans/kmeans.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return obj["cases"] as! [[String: Any]]
  }

  private func floats(_ c: [String: Any], _ key: String) -> [Float] {
    (c[key] as! [NSNumber]).map { $0.floatValue }
  }

  /// Lloyd from given centres (scikit-learn init=<array>): same partition, centres, inertia, n_iter.
  func testLloydFromGivenCentersMatchesScikitLearn() throws {
    let cases = try fixture().filter { ($0["kind"] as! String) == "lloyd" }
    XCTAssertEqual(cases.count, 5)
    for c in cases {
      let name = c["name"] as! String
      let rows = c["rows"] as! Int, cols = c["cols"] as! Int, k = c["k"] as! Int
      let x = Matrix(rows: rows, cols: cols, data: floats(c, "x"))
      let initC = Matrix(rows: k, cols: cols, data: floats(c, "init"))
      let p = KMeansParameters(
        nClusters: k, initialization: .centers(initC), maxIter: c["max_iter"] as! Int,
        tol: (c["tol"] as! NSNumber).doubleValue)
      for (threads, pruning) in [(1, true), (2, true), (2, false)] {
        let r = try kmeansFit(x, parameters: p, context: RunContext(threads: threads), pruning: pruning)
        XCTAssertEqual(r.labels, c["labels"] as! [Int], name)
        XCTAssertEqual(r.nIter, c["n_iter"] as! Int, name)
        let inertia = (c["inertia"] as! NSNumber).doubleValue
        XCTAssertEqual(r.inertia, inertia, accuracy: 1e-4 * inertia, name)
        let centers = floats(c, "centers")
        for i in 0..<(k * cols) {
          XCTAssertEqual(r.centers.data[i], centers[i], accuracy: 1e-4 * (1 + abs(centers[i])), name)
        }
      }
    }
  }

  /// k-means++ (n_init=1) over 20 seeds: the median inertia is within 2 % of scikit-learn's.
  func testKMeansPlusPlusQuality() throws {
    let cases = try fixture().filter { ($0["kind"] as! String) == "plusplus" }
    XCTAssertEqual(cases.count, 2)
    for c in cases {
      let name = c["name"] as! String
      let rows = c["rows"] as! Int, cols = c["cols"] as! Int, k = c["k"] as! Int
      let x = Matrix(rows: rows, cols: cols, data: floats(c, "x"))
      let ref = (c["inertias"] as! [NSNumber]).map { $0.doubleValue }.sorted()
      var ours: [Double] = []
      for seed in 0..<20 {
        let r = try kmeans(
          x, parameters: KMeansParameters(nClusters: k, randomState: UInt64(seed)),
          context: RunContext(threads: 2))
        XCTAssertEqual(Set(r.labels).count, k, name)
        ours.append(r.inertia)
      }
      ours.sort()
      let medOurs = (ours[9] + ours[10]) / 2, medRef = (ref[9] + ref[10]) / 2
      XCTAssertLessThan(abs(medOurs - medRef) / medRef, 0.02, "\(name): \(medOurs) vs \(medRef)")
      XCTAssertLessThan(ours[0], ref[0] * 1.001, name)
    }
  }

  /// Three tight pairs of points by hand: k=3 finds the pairs, centres are the pair midpoints and
  /// the inertia is 6 · 0.5² = 1.5. "random" initialisation with n_init=10 finds them too.
  func testHandCheckedPairs() throws {
    let x = Matrix(rows: 6, cols: 2, data: [0, 0, 1, 0, 10, 10, 11, 10, -10, 5, -9, 5])
    for initialization in [KMeansInit.kMeansPlusPlus, .random] {
      let r = try kmeans(
        x, parameters: KMeansParameters(nClusters: 3, initialization: initialization, nInit: 10, randomState: 1))
      XCTAssertEqual(r.inertia, 1.5, accuracy: 1e-9)
      XCTAssertEqual(r.labels[0], r.labels[1])
      XCTAssertEqual(r.labels[2], r.labels[3])
      XCTAssertEqual(r.labels[4], r.labels[5])
      XCTAssertEqual(Set(r.labels).count, 3)
      let c = r.centers.row(r.labels[2])
      XCTAssertEqual(c, [10.5, 10])
    }
  }

  func testDeterministicAcrossThreadCountsAndRuns() throws {
    var rng = RandomStream(seed: 11)
    let n = 5000, d = 16
    let x = Matrix(rows: n, cols: d, data: (0..<(n * d)).map { i in
      Float(rng.nextGaussian()) + Float((i / d) % 7) * 2 })
    let p = KMeansParameters(nClusters: 12, nInit: 2, randomState: 42)
    let r1 = try kmeans(x, parameters: p, context: RunContext(threads: 1))
    let r2 = try kmeans(x, parameters: p, context: RunContext(threads: 2))
    let r3 = try kmeans(x, parameters: p, context: RunContext(threads: 3))
    XCTAssertEqual(r1, r2)
    XCTAssertEqual(r1, r3)
    XCTAssertEqual(r1, try kmeans(x, parameters: p, context: RunContext(threads: 2)))
    let other = try kmeans(x, parameters: KMeansParameters(nClusters: 12, randomState: 43))
    XCTAssertNotEqual(r1.labels, other.labels)
  }

  /// The bound-based pruning of the assignment step gives Lloyd's iterates: identical labels,
  /// iteration counts and (to rounding) centres and inertia, with and without pruning.
  func testPruningGivesLloydIterates() throws {
    var rng = RandomStream(seed: 3)
    let n = 4000, d = 10
    let x = Matrix(rows: n, cols: d, data: (0..<(n * d)).map { i in
      Float(rng.nextGaussian()) * 1.5 + Float((i / d) % 9) })
    for k in [1, 2, 9, 25] {
      let p = KMeansParameters(nClusters: k, randomState: 9)
      let a = try kmeansFit(x, parameters: p, context: RunContext(threads: 2), pruning: true)
      let b = try kmeansFit(x, parameters: p, context: RunContext(threads: 2), pruning: false)
      XCTAssertEqual(a.labels, b.labels, "k=\(k)")
      XCTAssertEqual(a.nIter, b.nIter, "k=\(k)")
      XCTAssertGreaterThan(a.nIter, k > 1 ? 3 : 0, "k=\(k)")
      XCTAssertEqual(a.inertia, b.inertia, accuracy: 1e-9 * b.inertia, "k=\(k)")
      for i in 0..<(k * d) { XCTAssertEqual(a.centers.data[i], b.centers.data[i], accuracy: 1e-5) }
    }
  }

  private final class Recorder: ProgressSink, @unchecked Sendable {
    var labels: [String] = []
    var updates: [Int] = []
    var ended = 0
    var warnings: [String] = []
    func begin(_ label: String, total: Int) { labels.append(label) }
    func update(_ done: Int) { updates.append(done) }
    func end() { ended += 1 }
  }

  /// Duplicated points: fewer distinct clusters than k gives a warning (as scikit-learn's
  /// ConvergenceWarning); progress is reported per iteration and closed.
  func testProgressAndDuplicateWarning() throws {
    let rec = Recorder()
    let ctx = RunContext(threads: 1, progress: rec, warn: { [rec] m in rec.warnings.append(m) })
    let x = Matrix(rows: 5, cols: 2, data: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    let r = try kmeans(x, parameters: KMeansParameters(nClusters: 3, randomState: 4), context: ctx)
    XCTAssertEqual(r.inertia, 0, accuracy: 1e-9)
    XCTAssertEqual(Set(r.labels).count, 2)
    XCTAssertEqual(rec.warnings.count, 1)
    XCTAssert(rec.warnings.first?.contains("distinct clusters (2)") == true)
    XCTAssertEqual(rec.labels, ["k-means"])
    XCTAssertEqual(rec.ended, 1)
    XCTAssertEqual(rec.updates, rec.updates.sorted())
    XCTAssertEqual(rec.updates.last, 300)
    XCTAssertGreaterThanOrEqual(rec.updates.count, 2)
  }

  func testErrors() throws {
    let x = Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 2])
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 4))) { e in
      guard case .invalidParameter(let name, _, _) = e as? AlgorithmError else { return XCTFail("\(e)") }
      XCTAssertEqual(name, "n_clusters")
    }
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 0)))
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 2, nInit: 0)))
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 2, maxIter: 0)))
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 2, tol: -1)))
    XCTAssertThrowsError(
      try kmeans(x, parameters: KMeansParameters(nClusters: 2, initialization: .centers(Matrix(rows: 2, cols: 3)))))
    XCTAssertThrowsError(try KMeansInit(name: "kmeans||"))
    XCTAssertEqual(try KMeansInit(name: "random"), .random)
    // k = n: every point its own cluster, zero inertia.
    let r = try kmeans(x, parameters: KMeansParameters(nClusters: 3, randomState: 0))
    XCTAssertEqual(Set(r.labels).count, 3)
    XCTAssertEqual(r.inertia, 0)
    // a few huge coordinates among small ones: squared distances overflow float32 (a fresh-user pass
    // found every point put in one cluster, inertia 9e76, no error). The spread decides: one point at
    // 3e38 or 1e20 is refused; spread 9e18 (4 · 8.1e37 < 3.4e38) fits; points all near 1e30 differ by
    // little once centred and fit.
    var g = RandomStream(seed: 4)
    var small = Matrix(rows: 100, cols: 2, data: (0..<200).map { _ in Float(g.nextGaussian()) })
    for (huge, refused) in [(Float(3e38), true), (1e20, true), (9e18, false)] {
      var m = small
      m[0, 0] = huge
      let p = KMeansParameters(nClusters: 3, randomState: 0)
      if refused {
        XCTAssertThrowsError(try kmeans(m, parameters: p)) { e in
          XCTAssertTrue("\(e)".contains("overflow float32"), "\(huge): \(e)")
        }
      } else {
        let r = try kmeans(m, parameters: p)
        XCTAssertEqual(r.labels.filter { $0 == r.labels[0] }.count, 1, "\(huge): the far point alone")
      }
    }
    for i in 0..<100 { small[i, 0] += 1e30 }
    XCTAssertNoThrow(try kmeans(small, parameters: KMeansParameters(nClusters: 3, randomState: 0)))
    let token = CancellationToken()
    token.cancel()
    XCTAssertThrowsError(try kmeans(x, parameters: KMeansParameters(nClusters: 2), context: RunContext(cancellation: token))) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
  }
}
