import XCTest
@testable import ClusAlgorithms

/// Rows `r` of `m` as a matrix of their own.
private func rows(_ m: Matrix, _ r: Range<Int>) -> Matrix {
  Matrix(rows: r.count, cols: m.cols, data: Array(m.data[(r.lowerBound * m.cols)..<(r.upperBound * m.cols)]))
}

/// `m`'s rows in reverse order.
private func reversedRows(_ m: Matrix) -> Matrix {
  Matrix(rows: m.rows, cols: m.cols, data: (0..<m.rows).reversed().flatMap { Array(m.data[($0 * m.cols)..<(($0 + 1) * m.cols)]) })
}

/// Gaussian blobs (unit variance) around `centres`, `per` rows each, in blob order.
private func blobs(_ centres: [[Float]], per: Int, seed: UInt64) -> Matrix {
  var r = RandomStream(seed: seed)
  let d = centres[0].count
  var m = Matrix(rows: centres.count * per, cols: d)
  for i in 0..<m.rows { for j in 0..<d { m[i, j] = centres[i / per][j] + Float(r.nextGaussian()) } }
  return m
}

/// The typed models: predictions are per row (the same bits alone, in any batch, in any order and
/// for any thread count), and the models' own predictions agree with the fits and with hand
/// calculations.
final class ModelTests: XCTestCase {
  private let centres: [[Float]] = [[0, 0, 0, 0, 0], [8, 8, 0, 0, 0], [0, 8, 8, 0, 0]]

  /// `transform(X)[i] == transform(X[i:i+1])` for every i, and for the batch reversed, with 1 and 2
  /// threads: each row's kNN, memberships, sampling rates, epoch count and random stream are its own.
  func testUMAPTransformIsBatchIndependent() throws {
    let x = blobs(centres, per: 60, seed: 1)
    var p = UMAPParameters()
    p.randomState = 7
    p.nEpochs = 120
    let fit = try umap(x, parameters: p, context: RunContext(threads: 2))
    let model = try UMAPModel(parameters: p, trainingData: x, embedding: fit.embedding, knn: fit.knn,
                              nNeighbors: fit.nNeighbors, nEpochs: fit.nEpochs, a: fit.a, b: fit.b)
    let new = blobs(centres, per: 12, seed: 2)
    let all = try model.transform(new, context: RunContext(threads: 2))
    XCTAssertEqual(try model.transform(new, context: RunContext(threads: 1)).data, all.data)
    let dim = all.cols
    for i in 0..<new.rows {
      let one = try model.transform(rows(new, i..<(i + 1)), context: RunContext(threads: 1))
      XCTAssertEqual(Array(one.data), Array(all.data[(i * dim)..<((i + 1) * dim)]), "row \(i) alone")
    }
    let rev = try model.transform(reversedRows(new), context: RunContext(threads: 2))
    XCTAssertEqual(rev.data, reversedRows(all).data, "reversed batch")
    // a different transform_seed changes the answer (the seed reaches the streams)
    XCTAssertNotEqual(try model.transform(new, transformSeed: 43, context: RunContext(threads: 2)).data, all.data)
  }

  /// A densMAP model refuses `transform`, as umap-learn does; inconsistent parts are refused.
  func testUMAPModelChecksItsParts() throws {
    let x = blobs(centres, per: 10, seed: 3)
    let e = Matrix(rows: 30, cols: 2, data: (0..<60).map { Float($0) })
    var p = UMAPParameters()
    p.densmap = true
    let m = try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: nil, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9)
    XCTAssertThrowsError(try m.transform(x))
    let short = Matrix(rows: 29, cols: 2, data: Array(e.data[0..<58]))
    XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: short, knn: nil, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9))
    XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: nil, nNeighbors: 31, nEpochs: 10, a: 1.5, b: 0.9))
    XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: nil, nNeighbors: 15, nEpochs: 10, a: .nan, b: 0.9))
    let badKNN = KNNGraph(n: 30, k: 1, indices: [Int32](repeating: 30, count: 30), distances: [Float](repeating: 0, count: 30))
    XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: badKNN, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9))
    // from a fresh-user pass on model files: a neighbour count other than the fit's (15 for 30 rows)
    // changed transform; a NaN distance, or a missing neighbour (−1) at a finite one, was accepted
    XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: nil, nNeighbors: 14, nEpochs: 10, a: 1.5, b: 0.9))
    let own = KNNGraph(n: 30, k: 1, indices: (0..<30).map { Int32($0) }, distances: [Float](repeating: 0, count: 30))
    XCTAssertNoThrow(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: own, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9))
    for (i, d) in [(Int32(0), Float.nan), (-1, 0), (3, -1), (3, .infinity)] {
      var g = own
      g.indices[5] = i; g.distances[5] = d
      XCTAssertThrowsError(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: g, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9), "\(i) \(d)")
    }
    var missing = own
    missing.indices[5] = -1; missing.distances[5] = .infinity
    XCTAssertNoThrow(try UMAPModel(parameters: p, trainingData: x, embedding: e, knn: missing, nNeighbors: 15, nEpochs: 10, a: 1.5, b: 0.9))
  }

  /// K-Means `predict`: the fit's own labels for its training rows on separated blobs, and the
  /// nearest centre by hand — centres (0, 0) and (10, 0): (4, 0) → 0, (6, 0) → 1, (5, 0) is a tie →
  /// the lower index 0, (5, 100) → 0 (equidistant too), (11, −1) → 1.
  func testKMeansPredict() throws {
    let x = blobs(centres, per: 50, seed: 4)
    var p = KMeansParameters(nClusters: 3)
    p.randomState = 0
    let r = try kmeans(x, parameters: p, context: RunContext(threads: 2))
    let m = try KMeansModel(parameters: p, centers: r.centers, labels: r.labels, inertia: r.inertia, nIter: r.nIter)
    XCTAssertEqual(try m.predict(x, context: RunContext(threads: 2)), r.labels)
    let two = try KMeansModel(parameters: p, centers: Matrix(rows: 2, cols: 2, data: [0, 0, 10, 0]), labels: [0, 1], inertia: 0, nIter: 1)
    let q = Matrix(rows: 5, cols: 2, data: [4, 0, 6, 0, 5, 0, 5, 100, 11, -1])
    XCTAssertEqual(try two.predict(q), [0, 1, 0, 0, 1])
    XCTAssertThrowsError(try two.predict(Matrix(rows: 1, cols: 3, data: [0, 0, 0])))
    XCTAssertThrowsError(try two.predict(Matrix(rows: 1, cols: 2, data: [.nan, 0])))
    XCTAssertThrowsError(try KMeansModel(parameters: p, centers: r.centers, labels: [3], inertia: 0, nIter: 1))
  }

  /// PCA `transform`: the training rows give the fit's projection bit for bit (whitened or not);
  /// new rows give (x − mean) · componentsᵀ computed here in Double, to float32 rounding.
  func testPCATransform() throws {
    let x = blobs(centres, per: 40, seed: 5)
    for whiten in [false, true] {
      let p = PCAParameters(nComponents: .count(3), whiten: whiten)
      let r = try pca(x, parameters: p, context: RunContext(threads: 2))
      let m = try PCAModel(result: r, parameters: p)
      XCTAssertEqual(try m.transform(x, context: RunContext(threads: 1)).data, r.transformed.data, "whiten \(whiten)")
      let new = blobs(centres, per: 3, seed: 6)
      let t = try m.transform(new)
      for i in 0..<new.rows {
        for c in 0..<3 {
          var s = 0.0
          for f in 0..<x.cols { s += (Double(new[i, f]) - r.mean[f]) * Double(r.components[c, f]) }
          if whiten { s /= r.explainedVariance[c].squareRoot() }
          XCTAssertEqual(Double(t[i, c]), s, accuracy: 1e-4 * max(1, abs(s)), "row \(i), component \(c)")
        }
      }
    }
    let r = try pca(x, parameters: PCAParameters(nComponents: .count(2)))
    var bad = r
    bad.mean.removeLast()
    XCTAssertThrowsError(try PCAModel(result: bad, parameters: PCAParameters()))
  }
}

extension HDBSCANTests {
  /// `approximate_predict` and `membership_vector` are per row: each new row alone, and the batch
  /// reversed, give the same bits as the whole batch; the model's cached prediction data gives the
  /// same answers as a fresh model, on the library's fixtures.
  func testPredictionIsBatchIndependent() throws {
    for name in ["blobs2d", "moons", "blobs5d"] {
      let (_, x, y, p, fit) = try fittedPredictFixture(name)
      let model = try HDBSCANModel(trainingData: x, result: fit, parameters: p)
      let all = try model.approximatePredict(y, context: RunContext(threads: 2))
      let mv = try model.membershipVectors(y, context: RunContext(threads: 2))
      let k = mv.cols
      for i in 0..<y.rows {
        let yi = Matrix(rows: 1, cols: y.cols, data: Array(y.data[(i * y.cols)..<((i + 1) * y.cols)]))
        let one = try model.approximatePredict(yi, context: RunContext(threads: 1))
        XCTAssertEqual(one.labels, [all.labels[i]], "\(name) row \(i)")
        XCTAssertEqual(one.probabilities, [all.probabilities[i]], "\(name) row \(i)")
        XCTAssertEqual(Array(try model.membershipVectors(yi).data), Array(mv.data[(i * k)..<((i + 1) * k)]), "\(name) row \(i)")
      }
      let rev = Matrix(rows: y.rows, cols: y.cols, data: (0..<y.rows).reversed().flatMap { Array(y.data[($0 * y.cols)..<(($0 + 1) * y.cols)]) })
      XCTAssertEqual(try model.approximatePredict(rev).labels, all.labels.reversed(), name)
      let fresh = try hdbscanApproximatePredict(y, trainingData: x, result: fit, parameters: p)
      XCTAssertEqual(fresh, all, name)
    }
  }

  /// `HDBSCANModel.fit` does not re-check its own result: that result must pass the checks it
  /// skips, and be the plain fit's, on the library's fixtures (each with 1 and 2 threads).
  func testFittedModelPassesTheChecksItSkips() throws {
    for name in ["blobs2d", "moons", "blobs5d"] {
      let (_, x, _, p, _) = try fittedPredictFixture(name)
      for threads in [1, 2] {
        let m = try HDBSCANModel.fit(x, parameters: p, context: RunContext(threads: threads))
        XCTAssertEqual(m.result, try hdbscan(x, parameters: p), name)
        XCTAssertNoThrow(try HDBSCANModel(trainingData: x, result: m.result, parameters: p), name)
      }
    }
  }

  /// A model whose parts do not form a condensed tree over its training points is refused, so no
  /// prediction can index out of range or loop: a child cluster numbered below its parent, a
  /// negative child, a NaN λ, a label beyond the selected clusters, a selected cluster not in the tree.
  func testHDBSCANModelRefusesInconsistentParts() throws {
    let (_, x, _, p, fit) = try fittedPredictFixture("blobs2d")
    XCTAssertNoThrow(try HDBSCANModel(trainingData: x, result: fit, parameters: p))
    let n = x.rows
    func refused(_ change: (inout HDBSCANResult) -> Void, _ what: String) {
      var r = fit
      change(&r)
      XCTAssertThrowsError(try HDBSCANModel(trainingData: x, result: r, parameters: p), what)
    }
    refused({ $0.condensedTree.append(CondensedTreeRow(parent: n + 5, child: n + 1, lambda: 1, childSize: 3)) }, "child cluster below its parent")
    refused({ $0.condensedTree[0].child = -1 }, "negative child")
    refused({ $0.condensedTree[0].lambda = .nan }, "NaN λ")
    refused({ $0.labels[0] = $0.selectedClusters.count }, "label beyond the clusters")
    refused({ $0.selectedClusters[0] = 10 * n }, "selected cluster not in the tree")
    refused({ $0.labels.removeLast() }, "one label short")
    refused({ $0.selectedClusters = [$0.selectedClusters[0], $0.selectedClusters[0]] }, "a selected cluster twice")
    refused({ r in r.condensedTree.append(CondensedTreeRow(parent: n, child: r.condensedTree.first { $0.child < n }!.child, lambda: 1, childSize: 1)) },
            "a point twice")
    refused({ r in r.condensedTree.remove(at: r.condensedTree.firstIndex { $0.child < n }!) }, "a point missing")
    refused({ r in
      let i = r.condensedTree.firstIndex { $0.child < n && $0.parent > n }!
      r.condensedTree[i].parent = 10 * n
    }, "a parent that is no cluster of the tree")
  }
}

extension HDBSCANTests {
  /// `assignNoise`: every noise point gets the label of its nearest clustered point (a direct scan, the
  /// smaller index among equal distances) or of its largest soft membership; clustered points keep
  /// theirs; `moved` counts the noise; on the library's fixtures.
  func testAssignNoiseNearestAndMembership() throws {
    var checked = 0
    for name in ["blobs2d", "moons", "blobs5d"] {
      let (_, x, _, p, fit) = try fittedPredictFixture(name)
      let model = try HDBSCANModel(trainingData: x, result: fit, parameters: p)
      let noise = fit.labels.indices.filter { fit.labels[$0] < 0 }
      for strategy in NoiseAssignment.allCases {
        let (labels, moved) = try model.assignNoise(strategy: strategy, context: RunContext(threads: 2))
        XCTAssertEqual(moved, noise.count, name)
        XCTAssertFalse(labels.contains(-1), name)
        for i in fit.labels.indices where fit.labels[i] >= 0 { XCTAssertEqual(labels[i], fit.labels[i]) }
        let m = model.allPointsMembershipVectors()
        for i in noise {
          var want = -1
          switch strategy {
          case .nearest:
            var best = Float.infinity
            for j in fit.labels.indices where fit.labels[j] >= 0 {
              let d = x.data.withUnsafeBufferPointer { b in p.metric.distance(b.baseAddress! + i * x.cols, b.baseAddress! + j * x.cols, x.cols) }
              if Float(d) < best { best = Float(d); want = fit.labels[j] }
            }
          case .membership:
            want = (0..<m.cols).max { m[i, $0] < m[i, $1] || (m[i, $0] == m[i, $1] && $0 > $1) }!
          }
          XCTAssertEqual(labels[i], want, "\(name) \(strategy) point \(i)")
          checked += 1
        }
      }
    }
    XCTAssertGreaterThan(checked, 10, "the fixtures hold noise")
  }
}
