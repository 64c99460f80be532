import Foundation
import XCTest
@testable import ClusAlgorithms

/// Supervised UMAP with categorical labels (umap-learn 0.5.12 `UMAP.fit(X, y)`,
/// `target_metric="categorical"`): the graph intersection by hand, the end-to-end effect, the
/// unlabelled case and the checks.
final class SupervisedUMAPTests: XCTestCase {
  /// A symmetric graph from undirected weighted edges (both directions stored, columns ascending).
  private func graph(_ n: Int, _ edges: [(Int, Int, Float)]) -> FuzzyGraph {
    var rows = [[(Int32, Float)]](repeating: [], count: n)
    for (i, j, w) in edges {
      rows[i].append((Int32(j), w))
      rows[j].append((Int32(i), w))
    }
    var rowStart = [0], columns = [Int32](), weights = [Float]()
    for r in rows {
      for (c, w) in r.sorted(by: { $0.0 < $1.0 }) { columns.append(c); weights.append(w) }
      rowStart.append(columns.count)
    }
    return FuzzyGraph(n: n, rowStart: rowStart, columns: columns, weights: weights)
  }

  /// Five points, labels y = [0, 0, 1, −1, 1], edges 0–1: 1.0, 0–2: 0.5, 1–2: 0.8, 2–3: 0.6, 1–3: 0.4,
  /// 3–4: 0.9; target_weight 0.5, so far_dist = 2.5 · (1 / (1 − 0.5)) = 5 and unknown_dist = 1.
  ///
  /// 1. Intersection (e₁ = e⁻¹, e₅ = e⁻⁵): 0–1 same label: 1.0; 0–2, 1–2 differ: 0.5·e₅, 0.8·e₅;
  ///    2–3, 1–3, 3–4 touch the unlabelled point 3: 0.6·e₁, 0.4·e₁, 0.9·e₁.
  /// 2. Rows divided by their maxima (row 0: 1, row 1: 1, row 2: 0.6·e₁, row 3: 0.9·e₁, row 4: 0.9·e₁):
  ///    row 0 {1: 1, 2: 0.5·e₅}; row 1 {0: 1, 2: 0.8·e₅, 3: 0.4·e₁};
  ///    row 2 {0: (0.5/0.6)·e⁻⁴, 1: (0.8/0.6)·e⁻⁴, 3: 1}; row 3 {1: 4/9, 2: 6/9, 4: 1}; row 4 {3: 1}.
  /// 3. Fuzzy union a + b − a·b of (i, j) and (j, i):
  ///    0–1: 1 + 1 − 1 = 1;
  ///    0–2: a = 0.5·e₅ = 0.0033690, b = (5/6)·e⁻⁴ = 0.0152630 → 0.0185806;
  ///    1–2: a = 0.8·e₅ = 0.0053904, b = (4/3)·e⁻⁴ = 0.0244209 → 0.0296796;
  ///    1–3: a = 0.4·e₁ = 0.1471518, b = 4/9 → 0.5915962 − 0.0654008 = 0.5261954;
  ///    2–3: 1 + 2/3 − 2/3 = 1;  3–4: 1.
  /// umap-learn 0.5.12's `discrete_metric_simplicial_set_intersection(g, y, far_dist=5.0)` prints the
  /// same float32 values: 0.018580585718154907, 0.029679572209715843, 0.5261954665184021, 1.0.
  func testHandComputedIntersection() throws {
    let g = graph(5, [(0, 1, 1.0), (0, 2, 0.5), (1, 2, 0.8), (2, 3, 0.6), (1, 3, 0.4), (3, 4, 0.9)])
    let y = [0, 0, 1, -1, 1]
    let r = try categoricalIntersection(g, labels: y, targetWeight: 0.5)
    let e1 = Elementary.exp(-1.0), e4 = Elementary.exp(-4.0), e5 = Elementary.exp(-5.0)
    func union(_ a: Double, _ b: Double) -> Double { a + b - a * b }
    let expected: [(Int, Int, Double)] = [
      (0, 1, 1), (0, 2, union(0.5 * e5, 0.5 / 0.6 * e4)), (1, 2, union(0.8 * e5, 0.8 / 0.6 * e4)),
      (1, 3, union(0.4 * e1, 0.4 / 0.9)), (2, 3, 1), (3, 4, 1),
    ]
    XCTAssertEqual(r.nnz, 2 * expected.count)
    for (i, j, w) in expected {
      XCTAssertEqual(Double(r.weight(i, j)), w, accuracy: 1e-7 * w, "\(i)–\(j)")
      XCTAssertEqual(r.weight(i, j), r.weight(j, i), "\(i)–\(j) symmetric")
    }
    // umap-learn's float32 results, to the last bit or one ulp
    let reference: [(Int, Int, Float)] = [
      (0, 2, 0.018580585718154907), (1, 2, 0.029679572209715843), (1, 3, 0.5261954665184021), (2, 3, 1.0),
    ]
    for (i, j, w) in reference { XCTAssertEqual(r.weight(i, j), w, accuracy: w.ulp, "\(i)–\(j) as umap-learn") }

    // target_weight = 1: far_dist = 10¹², exp(−10¹²) = 0: the edges between labels 0 and 1 are dropped
    let hard = try categoricalIntersection(g, labels: y, targetWeight: 1.0)
    XCTAssertEqual(hard.weight(0, 2), 0)
    XCTAssertEqual(hard.weight(1, 2), 0)
    XCTAssertEqual(hard.nnz, 8)
    XCTAssertEqual(hard.weight(1, 3), 0.5261954665184021, accuracy: Float(0.5261954665184021).ulp)
    // target_weight = 0: far_dist = 2.5 (umap-learn: 0.21935278177261353 and 0.34363824129104614)
    let soft = try categoricalIntersection(g, labels: y, targetWeight: 0.0)
    XCTAssertEqual(soft.weight(0, 2), 0.21935278177261353, accuracy: Float(0.21935278177261353).ulp)
    XCTAssertEqual(soft.weight(1, 2), 0.34363824129104614, accuracy: Float(0.34363824129104614).ulp)
    XCTAssertEqual(categoricalFarDistance(targetWeight: 0.5), 5)
    XCTAssertEqual(categoricalFarDistance(targetWeight: 1), 1e12)
  }

  /// `resetLocalConnectivity` by hand: rows {0: [1: 0.5, 2: 0.25], 1: [0: 0.2], 2: [0: 0.1]} (not
  /// symmetric) → divided by the row maxima {1: 1, 2: 0.5}, {0: 1}, {0: 1} → union: 0–1: 1 + 1 − 1 = 1,
  /// 0–2: 0.5 + 1 − 0.5 = 1; nothing else.
  func testResetLocalConnectivityByHand() {
    let g = FuzzyGraph(n: 3, rowStart: [0, 2, 3, 4], columns: [1, 2, 0, 0], weights: [0.5, 0.25, 0.2, 0.1])
    let r = resetLocalConnectivity(g)
    XCTAssertEqual(r.rowStart, [0, 2, 3, 4])
    XCTAssertEqual(r.columns, [1, 2, 0, 0])
    XCTAssertEqual(r.weights, [1, 1, 1, 1])
  }

  /// Two Gaussian blobs in 10-D whose means differ by 1.3 in every coordinate (4.1 standard deviations
  /// apart: they touch; data-space 1-NN of held-out points is right 97 % of the time), 400 training
  /// points with their labels, 200 held-out points placed by `UMAPModel.transform` (which, as umap-learn's,
  /// does not use labels) and classified by their nearest training point in the embedding.
  /// Asserted: (1) held-out 1-NN accuracy ≥ 0.95 with supervision, and not below the unsupervised one;
  /// (2) the separation — distance between the two classes' centroids over the mean distance of a
  /// point to its class centroid — is at least 3 times the unsupervised one (measured: 17.0 vs 3.9);
  /// (3) leave-one-out 1-NN accuracy of the training points ≥ 0.99 with supervision (0.95 without).
  /// Held-out accuracy cannot exceed what the data's own neighbourhoods allow (about the 15-NN vote in
  /// data space, 0.985 here), so the large gain is in the separation of the labelled points.
  func testSupervisionSeparatesOverlappingBlobs() throws {
    let nTrain = 400, nTest = 200, d = 10
    let gap: Float = 1.3
    var rng = RandomStream(seed: 1)
    var x = Matrix(rows: nTrain, cols: d), xTest = Matrix(rows: nTest, cols: d)
    for i in 0..<nTrain { for j in 0..<d { x[i, j] = Float(rng.nextGaussian()) + (i % 2 == 0 ? 0 : gap) } }
    for i in 0..<nTest { for j in 0..<d { xTest[i, j] = Float(rng.nextGaussian()) + (i % 2 == 0 ? 0 : gap) } }
    let y = (0..<nTrain).map { $0 % 2 }
    var p = UMAPParameters()
    p.randomState = 7
    let ctx = RunContext(threads: 2)
    let supervised = try umap(x, y: y, parameters: p, context: ctx)
    let unsupervised = try umap(x, parameters: p, context: ctx)

    func heldOutAccuracy(_ r: UMAPResult) throws -> Double {
      let model = try UMAPModel(parameters: p, trainingData: x, embedding: r.embedding, knn: r.knn,
                                nNeighbors: r.nNeighbors, nEpochs: r.nEpochs, a: r.a, b: r.b)
      let t = try model.transform(xTest, context: ctx)
      return nearestLabelAccuracy(queries: t, queryLabels: (0..<nTest).map { $0 % 2 }, reference: r.embedding, labels: y)
    }
    func separation(_ e: Matrix) -> Double {
      var c = [[Double]](repeating: [0, 0], count: 2)
      for i in 0..<e.rows { for t in 0..<2 { c[y[i]][t] += Double(e[i, t]) / Double(e.rows / 2) } }
      var radius = 0.0
      for i in 0..<e.rows {
        let dx = Double(e[i, 0]) - c[y[i]][0], dy = Double(e[i, 1]) - c[y[i]][1]
        radius += (dx * dx + dy * dy).squareRoot() / Double(e.rows)
      }
      let dx = c[0][0] - c[1][0], dy = c[0][1] - c[1][1]
      return (dx * dx + dy * dy).squareRoot() / radius
    }
    let accS = try heldOutAccuracy(supervised), accU = try heldOutAccuracy(unsupervised)
    let sepS = separation(supervised.embedding), sepU = separation(unsupervised.embedding)
    let looS = nearestLabelAccuracy(queries: supervised.embedding, queryLabels: y, reference: supervised.embedding,
                                    labels: y, leaveOneOut: true)
    let looU = nearestLabelAccuracy(queries: unsupervised.embedding, queryLabels: y, reference: unsupervised.embedding,
                                    labels: y, leaveOneOut: true)
    print("supervised UMAP: held-out 1-NN \(accS) (unsupervised \(accU)), separation \(sepS) (\(sepU)), "
          + "training leave-one-out 1-NN \(looS) (\(looU))")
    XCTAssertGreaterThanOrEqual(accS, 0.95)
    XCTAssertGreaterThanOrEqual(accS, accU)
    XCTAssertGreaterThanOrEqual(sepS, 3 * sepU)
    XCTAssertGreaterThanOrEqual(looS, 0.99)
    XCTAssertEqual(try umap(x, y: y, parameters: p, context: RunContext(threads: 1)).embedding, supervised.embedding,
                   "the same bits for 1 and 2 threads")
  }

  /// The fraction of `queries` whose nearest row of `reference` (2-D, Euclidean; itself excluded with
  /// `leaveOneOut`) has their label.
  private func nearestLabelAccuracy(
    queries: Matrix, queryLabels: [Int], reference: Matrix, labels: [Int], leaveOneOut: Bool = false
  ) -> Double {
    var right = 0
    for i in 0..<queries.rows {
      var best = Float.infinity, nearest = -1
      for j in 0..<reference.rows where !(leaveOneOut && j == i) {
        let dx = queries[i, 0] - reference[j, 0], dy = queries[i, 1] - reference[j, 1]
        if dx * dx + dy * dy < best { best = dx * dx + dy * dy; nearest = j }
      }
      if labels[nearest] == queryLabels[i] { right += 1 }
    }
    return Double(right) / Double(queries.rows)
  }

  /// With every label −1 each weight is multiplied by e⁻¹, which the division by the row maximum
  /// cancels: the graph equals `resetLocalConnectivity` of the unsupervised graph — the same entries,
  /// weights within 2 float ulps (measured on the fuzzy graph of 300 points, 15 neighbours) — and the
  /// fit reports that graph's size.
  func testAllUnlabelledIsTheResetUnsupervisedGraph() throws {
    var rng = RandomStream(seed: 4)
    var x = Matrix(rows: 300, cols: 5)
    for i in 0..<x.data.count { x.data[i] = Float(rng.nextGaussian()) }
    let knn = try knnSelfJoin(x, k: 15, metric: .euclidean, search: .bruteForce, context: RunContext(threads: 2))
    let g = fuzzySimplicialSet(knn: knn).graph
    let unlabelled = [Int](repeating: -1, count: 300)
    let s = try categoricalIntersection(g, labels: unlabelled, targetWeight: 0.5)
    let reset = resetLocalConnectivity(g)
    XCTAssertEqual(s.rowStart, reset.rowStart)
    XCTAssertEqual(s.columns, reset.columns)
    for e in 0..<s.nnz {
      XCTAssertEqual(s.weights[e], reset.weights[e], accuracy: 2 * reset.weights[e].ulp, "entry \(e)")
    }
    // the reset changes the graph (rows no longer reach 1 only through ρ), but not its pattern
    XCTAssertEqual(reset.columns, g.columns)
    var p = UMAPParameters()
    p.randomState = 3
    p.nEpochs = 20
    let fit = try umap(x, knn: knn, y: unlabelled, parameters: p, context: RunContext(threads: 2))
    XCTAssertEqual(fit.graphNNZ, reset.nnz)
  }

  /// Labels of the wrong count, an unsupported target metric and out-of-range target parameters are refused.
  func testChecks() throws {
    var rng = RandomStream(seed: 2)
    var x = Matrix(rows: 20, cols: 3)
    for i in 0..<x.data.count { x.data[i] = Float(rng.nextGaussian()) }
    var p = UMAPParameters()
    p.randomState = 1
    p.nEpochs = 5
    XCTAssertThrowsError(try umap(x, y: [0, 1, 0], parameters: p, context: RunContext())) { e in
      XCTAssertEqual(e as? AlgorithmError, .invalidInput("y has 3 labels for 20 rows"))
    }
    let knn = try knnSelfJoin(x, k: 15, metric: .euclidean, search: .bruteForce, context: RunContext())
    XCTAssertThrowsError(try umap(x, knn: knn, y: [Int](repeating: 0, count: 21), parameters: p, context: RunContext())) { e in
      XCTAssertEqual(e as? AlgorithmError, .invalidInput("y has 21 labels for 20 rows"))
    }
    func rejects(_ name: String, _ edit: (inout UMAPParameters) -> Void) {
      var q = p
      edit(&q)
      XCTAssertThrowsError(try umap(x, y: [Int](repeating: 0, count: 20), parameters: q, context: RunContext())) { e in
        guard case AlgorithmError.invalidParameter(let n, _, _) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(n, name)
      }
    }
    rejects("target_metric") { $0.targetMetric = "euclidean" }
    rejects("target_weight") { $0.targetWeight = 1.5 }
    rejects("target_weight") { $0.targetWeight = -0.1 }
    rejects("target_weight") { $0.targetWeight = .nan }
    rejects("target_n_neighbors") { $0.targetNNeighbors = 1 }
    XCTAssertThrowsError(try categoricalIntersection(fuzzySimplicialSet(knn: knn).graph, labels: [], targetWeight: 0.5))
    XCTAssertThrowsError(
      try categoricalIntersection(fuzzySimplicialSet(knn: knn).graph, labels: [Int](repeating: 0, count: 20), targetWeight: 2))
    // the defaults are umap-learn's, and the supervised fit runs with them
    XCTAssertEqual(UMAPParameters().targetMetric, "categorical")
    XCTAssertEqual(UMAPParameters().targetWeight, 0.5)
    XCTAssertEqual(UMAPParameters().targetNNeighbors, -1)
    XCTAssertNoThrow(try umap(x, y: (0..<20).map { $0 % 3 - 1 }, parameters: p, context: RunContext()))
  }
}
