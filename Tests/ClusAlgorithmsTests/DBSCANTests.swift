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

  /// scikit-learn's `dbscan_inner` written out over brute-force neighbourhoods (every pair, distance
  /// ≤ eps in Double from the Float32 values): core points counted in full; from each unlabelled
  /// core point in index order, a depth-first walk that labels on pop and pushes every neighbour of
  /// a core point.
  private func bruteForceDBSCAN(_ x: Matrix, eps: Double, minSamples: Int) -> (labels: [Int], core: [Int]) {
    let n = x.rows, d = x.cols
    func within(_ i: Int, _ j: Int) -> Bool {
      var s = 0.0
      for c in 0..<d { let u = Double(x.data[i * d + c]) - Double(x.data[j * d + c]); s += u * u }
      return s <= eps * eps
    }
    let hood = (0..<n).map { i in (0..<n).filter { within(i, $0) } }
    let core = (0..<n).map { hood[$0].count >= minSamples }
    var labels = [Int](repeating: -1, count: n)
    var label = 0
    for i in 0..<n where labels[i] == -1 && core[i] {
      var stack = [i]
      while let v = stack.popLast() {
        if labels[v] != -1 { continue }
        labels[v] = label
        if core[v] { stack += hood[v].filter { labels[$0] == -1 } }
      }
      label += 1
    }
    return (labels, (0..<n).filter { core[$0] })
  }

  /// Heavily duplicated rows (the case whose cost the count's limit and the search among unlabelled
  /// rows bound), a grid with ties at exactly eps, and points bridging groups: the same labels and
  /// core points as the brute-force reference, at 1 and 2 threads, for several eps and min_samples.
  func testDuplicatedRowsGiveTheReferenceLabels() throws {
    var r = RandomStream(seed: 3)
    var sets: [(String, Matrix)] = []
    // 5 locations, most rows on one of them, a few scattered between
    let spots: [(Float, Float)] = [(0, 0), (1, 0), (0, 3), (5, 5), (5.4, 5)]
    var a = [Float]()
    for i in 0..<1500 {
      if i % 10 == 9 {
        a += [Float(r.nextDouble() * 6), Float(r.nextDouble() * 6)]
      } else {
        let s = spots[r.nextInt(i % 7 == 0 ? 5 : 2)]
        a += [s.0, s.1]
      }
    }
    sets.append(("duplicates", Matrix(rows: 1500, cols: 2, data: a)))
    // a 3-D integer grid, each point twice: many distances of exactly 1 and √2
    var g = [Float]()
    for i in 0..<8 { for j in 0..<8 { for k in 0..<8 { for _ in 0..<2 { g += [Float(i), Float(j), Float(k)] } } } }
    sets.append(("grid", Matrix(rows: 1024, cols: 3, data: g)))
    var runs = 0
    for (name, x) in sets {
      for (eps, ms) in [(0.5, 5), (1.0, 5), (1.0, 30), (1.5, 10), (0.05, 200), (2.0, 3), (1.0, 1), (1e6, 1024), (1e6, 1025)] {
        let ref = bruteForceDBSCAN(x, eps: eps, minSamples: ms)
        for threads in [1, 2] {
          let res = try dbscan(x, eps: eps, minSamples: ms, context: RunContext(threads: threads))
          XCTAssertEqual(res.labels, ref.labels, "\(name) eps=\(eps) min_samples=\(ms) threads=\(threads)")
          XCTAssertEqual(res.coreSampleIndices, ref.core, "\(name) eps=\(eps) min_samples=\(ms) threads=\(threads)")
        }
        if Set(ref.labels).count > 2 && ref.labels.contains(-1) { runs += 1 }
      }
    }
    XCTAssertGreaterThanOrEqual(runs, 3)  // clusters and noise, not one trivial answer
  }

  /// `RadiusNeighbors.count` (a subtree within eps counted whole, the count stopped at a limit)
  /// against counting every pair with `EuclideanKD.rdist`: a doubled integer grid (boxes and points
  /// at exactly eps) and Gaussian points at scales 10⁻³ to 10⁵, eps from below every distance to
  /// above all; without a limit the counts are equal, with one they are the brute count when it is
  /// below the limit and at least the limit otherwise. And `farthestRdist` bounds the computed
  /// distance of every point of a box, bit for bit (random boxes, values of mixed signs and scales).
  func testRadiusCountEqualsBruteForce() {
    var r = RandomStream(seed: 9)
    var sets: [Matrix] = []
    var g = [Float]()
    for i in 0..<6 { for j in 0..<6 { for k in 0..<6 { for _ in 0..<2 { g += [Float(i), Float(j), Float(k)] } } } }
    sets.append(Matrix(rows: 432, cols: 3, data: g))
    for scale in [1e-3, 1, 1e5] {
      sets.append(Matrix(rows: 500, cols: 4, data: (0..<2000).map { _ in Float((r.nextDouble() * 2 - 1) * scale) }))
    }
    var compared = 0
    for x in sets {
      let nb = RadiusNeighbors(x)
      let rows = x.data.map(Double.init)
      let d = x.cols, n = x.rows
      let spread = Double(x.data.map { abs($0) }.max()!)
      for eps in [spread * 1e-4, 1, spread * 0.3, spread * 0.9, 2, spread * 4] {
        rows.withUnsafeBufferPointer { p in
          for i in stride(from: 0, to: n, by: 7) {
            var brute = 0
            for q in 0..<n where EuclideanKD().rdist(p.baseAddress! + i * d, p.baseAddress! + q * d, d) <= eps * eps { brute += 1 }
            XCTAssertEqual(nb.count(of: i, within: eps), brute, "row \(i) eps \(eps)")
            for limit in [1, 5, 40] {
              let c = nb.count(of: i, within: eps, upTo: limit)
              if brute < limit { XCTAssertEqual(c, brute) } else { XCTAssertGreaterThanOrEqual(c, limit) }
            }
            compared += 1
          }
        }
      }
    }
    XCTAssertGreaterThan(compared, 1000)
    for _ in 0..<20000 {
      let d = 1 + r.nextInt(6)
      let scale = [1e-200, 1e-3, 1, 1e7, 1e150][r.nextInt(5)]
      var lo = [Double](), hi = [Double](), a = [Double](), p = [Double]()
      for _ in 0..<d {
        let u = (r.nextDouble() * 2 - 1) * scale, v = (r.nextDouble() * 2 - 1) * scale
        lo.append(min(u, v)); hi.append(max(u, v))
        let inside = min(max(min(u, v) + (max(u, v) - min(u, v)) * r.nextDouble(), min(u, v)), max(u, v))
        p.append(r.nextInt(4) == 0 ? (r.nextInt(2) == 0 ? min(u, v) : max(u, v)) : inside)
        a.append((r.nextDouble() * 2 - 1) * scale * 3)
      }
      let far = farthestRdist(a, lo, hi, d), dist = EuclideanKD().rdist(a, p, d)
      XCTAssertLessThanOrEqual(dist, far, "d=\(d) a=\(a) box=\(lo)…\(hi) p=\(p)")
    }
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
