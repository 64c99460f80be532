import Foundation
import XCTest
@testable import ClusAlgorithms

/// DBCV and relative validity against the hdbscan library 0.8.44 (Fixtures/validity/dbcv.json, made by
/// make_dbcv.py there: `hdbscan.validity.validity_index` with per-cluster scores, and
/// `HDBSCAN(gen_min_span_tree=True).relative_validity_`, also with cluster_selection_method="leaf"), to 1e-6; a hand-computed case; the sweep's
/// reuse of one hierarchy.
final class DensityValidityTests: XCTestCase {
  private func fixtures() throws -> [String: [String: [String: Any]]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/validity/dbcv.json")
    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: [String: [String: Any]]])
  }

  private func matrix(_ c: [String: Any]) throws -> Matrix {
    let rows = try XCTUnwrap(c["x"] as? [[Double]])
    return Matrix(rows: rows.count, cols: rows[0].count, data: rows.flatMap { $0.map(Float.init) })
  }

  func testValidityIndexEqualsTheLibrary() throws {
    let all = try XCTUnwrap(try fixtures()["dbcv"])
    XCTAssertEqual(all.keys.sorted(), ["blobs2d", "blobs5d", "duplicates", "grid", "manhattan", "missing", "raw"])
    for (name, c) in all {
      let x = try matrix(c)
      let labels = try XCTUnwrap(c["labels"] as? [Int])
      let metric = try Metric(name: try XCTUnwrap(c["metric"] as? String))
      let raw = try XCTUnwrap(c["mst_raw_dist"] as? Bool)
      let one = try validityIndex(x, labels: labels, metric: metric, mstRawDist: raw, context: RunContext(threads: 1))
      XCTAssertEqual(one.score, try XCTUnwrap(c["score"] as? Double), accuracy: 1e-6, name)
      let want = try XCTUnwrap(c["per_cluster"] as? [Any])
      XCTAssertEqual(one.perCluster.count, want.count, name)
      for (i, w) in want.enumerated() {
        if let w = w as? Double {
          XCTAssertEqual(one.perCluster[i], w, accuracy: 1e-6, "\(name) cluster \(i)")
        } else {
          XCTAssertTrue(one.perCluster[i].isNaN, "\(name): label \(i) carries no point")
        }
      }
      let three = try validityIndex(x, labels: labels, metric: metric, mstRawDist: raw, context: RunContext(threads: 3))
      XCTAssertEqual(three.score.bitPattern, one.score.bitPattern, "\(name): the same bits for any thread count")
    }
  }

  func testValidityIndexByHand() throws {
    // 1-D, D = 1. Cluster 0 = {0, 1, 2}: all-points core distances ((1 + 1/2)/2)^−1 = 4/3, 1, 4/3;
    // mutual reachability (0,1) = (1,2) = 4/3, (0,2) = 2; tree 0–1–2, internal vertex {1}, no internal
    // edge, so sparseness = the heaviest edge 4/3. Cluster 1 = {10, 11}: cores 1, tree one edge of 1,
    // no internal vertex (the first point stands for it), sparseness 1. Separation: max(|1 − 10|, 1, 1)
    // = 9. V0 = (9 − 4/3)/9 = 23/27, V1 = 8/9; with one noise point n = 6:
    // 3/6 · 23/27 + 2/6 · 8/9 = 13/18.
    let x = Matrix(rows: 6, cols: 1, data: [0, 1, 2, 10, 11, 5])
    let v = try validityIndex(x, labels: [0, 0, 0, 1, 1, -1])
    XCTAssertEqual(v.score, 13.0 / 18.0, accuracy: 1e-14)
    XCTAssertEqual(v.perCluster[0], 23.0 / 27.0, accuracy: 1e-14)
    XCTAssertEqual(v.perCluster[1], 8.0 / 9.0, accuracy: 1e-14)
    // one cluster: no separation, NaN (the library's inf/inf)
    XCTAssertTrue(try validityIndex(x, labels: [0, 0, 0, 0, 0, -1]).score.isNaN)
  }

  func testValidityIndexInHighDimensionStaysFinite() throws {
    // 784 columns: d^−784 overflows Double for d < 0.41 and underflows for d > 2.6. Distances inside the
    // clusters here are about 0.35 (overflow), ×4 about 1.4 (a plain sum), ×64 about 22 (underflow): the
    // index is scale-free, so the log-domain sums must give the plain sum's value.
    var rng = RandomStream(seed: 7)
    var data = [Float]()
    for i in 0..<60 {
      for _ in 0..<784 { data.append(Float(i / 30) * 3 + Float(rng.nextDouble() * 0.03)) }
    }
    let labels = (0..<60).map { $0 / 30 }
    let small = Matrix(rows: 60, cols: 784, data: data)
    let plain = Matrix(rows: 60, cols: 784, data: data.map { $0 * 4 })
    let big = Matrix(rows: 60, cols: 784, data: data.map { $0 * 64 })
    let a = try validityIndex(small, labels: labels), b = try validityIndex(big, labels: labels)
    let c = try validityIndex(plain, labels: labels)
    XCTAssertTrue(c.score.isFinite && c.score > 0.5, "\(c.score)")
    XCTAssertEqual(a.score, c.score, accuracy: 1e-9)
    XCTAssertEqual(b.score, c.score, accuracy: 1e-9)
  }

  func testValidityIndexRefusals() throws {
    let x = Matrix(rows: 4, cols: 2, data: [0, 0, 1, 0, 5, 5, 6, 5])
    XCTAssertThrowsError(try validityIndex(x, labels: [-1, -1, -1, -1])) {
      XCTAssertTrue("\($0)".contains("every label is −1"), "\($0)")
    }
    XCTAssertThrowsError(try validityIndex(x, labels: [0, 0, 1])) { XCTAssertTrue("\($0)".contains("same points"), "\($0)") }
    XCTAssertThrowsError(try validityIndex(x, labels: [0, 0, 1, -1])) { XCTAssertTrue("\($0)".contains("one point"), "\($0)") }
    XCTAssertThrowsError(try validityIndex(x, labels: [0, 0, -2, 1])) { XCTAssertTrue("\($0)".contains("label is -2"), "\($0)") }
    var bad = x
    bad.data[3] = .nan
    XCTAssertThrowsError(try validityIndex(bad, labels: [0, 0, 1, 1]))
  }

  func testRelativeValidityEqualsTheLibrary() throws {
    let all = try XCTUnwrap(try fixtures()["relative"])
    XCTAssertEqual(all.keys.sorted(), ["blobs2d", "blobs2d_leaf", "blobs2d_leaf_ties", "blobs5d", "blobs5d_leaf", "single"])
    for (name, c) in all {
      let x = try matrix(c)
      let p = try XCTUnwrap(c["params"] as? [String: Any])
      var params = HDBSCANParameters(minClusterSize: try XCTUnwrap(p["min_cluster_size"] as? Int))
      params.minSamples = p["min_samples"] as? Int
      params.allowSingleCluster = p["allow_single_cluster"] as? Bool ?? false
      params.clusterSelectionMethod = try HDBSCANParameters.selectionMethod(named: p["cluster_selection_method"] as? String ?? "eom")
      let r = try hdbscan(x, parameters: params)
      XCTAssertEqual(r.labels, try XCTUnwrap(c["labels"] as? [Int]), name)
      XCTAssertEqual(r.spanningTree.count, x.rows - 1, name)
      let v = try relativeValidity(labels: r.labels, spanningTree: r.spanningTree)
      XCTAssertEqual(v, try XCTUnwrap(c["relative_validity"] as? Double), accuracy: 1e-6, name)
    }
  }

  func testRelativeValidityByHand() throws {
    // clusters {0,1,2} and {3,4}, point 5 noise; tree edges 0–1 (1), 1–2 (1), 2–5 (3), 5–3 (4), 3–4 (1).
    // Sparseness 1 and 1; no edge joins the clusters, so each separation is 2 × the heaviest edge = 8;
    // V = 7/8 each, score (3 + 2)/6 · 7/8 = 35/48.
    let e = [(0, 1, 1.0), (1, 2, 1), (2, 5, 3), (5, 3, 4), (3, 4, 1)].map { HDBSCANEdge(a: Int32($0.0), b: Int32($0.1), weight: $0.2) }
    XCTAssertEqual(try relativeValidity(labels: [0, 0, 0, 1, 1, -1], spanningTree: e), 35.0 / 48.0, accuracy: 1e-15)
    XCTAssertThrowsError(try relativeValidity(labels: [0, 0], spanningTree: [HDBSCANEdge(a: 0, b: 2, weight: 1)]))
  }

  func testOneHierarchyServesEveryMinClusterSize() throws {
    let c = try XCTUnwrap(try fixtures()["relative"]?["blobs2d"])
    let x = try matrix(c)
    final class Counter: ProgressSink, @unchecked Sendable {
      var trees = 0
      func begin(_ label: String, total: Int) { if label == "hdbscan spanning tree" { trees += 1 } }
      func update(_ done: Int) {}
      func end() {}
    }
    let counter = Counter()
    var ctx = RunContext(threads: 2)
    ctx.progress = counter
    var base = HDBSCANParameters(minClusterSize: 5)
    base.minSamples = 5
    let h = try hdbscanHierarchy(x, parameters: base, context: ctx)
    XCTAssertEqual(counter.trees, 1)
    for size in [5, 10, 15, 40, 100] {
      var p = base
      p.minClusterSize = size
      let shared = try hdbscan(hierarchy: h, parameters: p, context: ctx)
      XCTAssertEqual(shared, try hdbscan(x, parameters: p), "min_cluster_size=\(size): the same result as a fresh fit")
    }
    XCTAssertEqual(counter.trees, 1, "condensing again builds no tree")
    var other = base
    other.minSamples = 10
    XCTAssertThrowsError(try hdbscan(hierarchy: h, parameters: other))
  }
}
