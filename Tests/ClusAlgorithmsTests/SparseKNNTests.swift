import Foundation
import XCTest
@testable import ClusAlgorithms

/// Sparse (CSR) rows give what their dense copies give: `Metric.distance` bit for bit, the exact kNN
/// graph, UMAP's embedding (same kNN graph and seed; one connected graph, and well separated groups
/// whose meta-layout is computed from the component centroids), and HDBSCAN's labels (Prim over all
/// pairs against the exact dense tree).
final class SparseKNNTests: XCTestCase {
  static let metrics: [Metric] = [.euclidean, .manhattan, .cosine, .correlation, .chebyshev, .minkowski(p: 3)]

  /// An n × d matrix with about 15% of its entries non-zero (values of both signs, from a fixed seed),
  /// row `zeroRow` all zero and the rows of `copies` (copy ← source) repeated.
  func sparseData(_ n: Int, _ d: Int, seed: UInt64, zeroRow: Int? = nil, copies: [(Int, Int)] = []) -> Matrix {
    var rng = RandomStream(seed: seed, 0x5A5)
    var m = Matrix(rows: n, cols: d)
    for i in 0..<n where i != zeroRow {
      for j in 0..<d where rng.nextDouble() < 0.15 {
        m.data[i * d + j] = Float(rng.nextGaussian() * 2 + (rng.nextDouble() < 0.8 ? 1.5 : -1.5))
      }
    }
    for (to, from) in copies { for j in 0..<d { m.data[to * d + j] = m.data[from * d + j] } }
    return m
  }

  /// `groups` groups of `per` rows, each stored only in its own block of `block` columns (values near
  /// `level`, spread 0.02), plus a rare small entry elsewhere: far apart, so each row's neighbours are
  /// in its group, yet close enough (centroids √(2·block)·level apart) for exp(−d²) to be positive.
  func separatedGroups(groups: Int, per: Int, block: Int, level: Float, seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed, 0x6E7)
    let d = groups * block
    var m = Matrix(rows: groups * per, cols: d)
    for g in 0..<groups {
      for r in 0..<per {
        let i = g * per + r
        for j in 0..<block where rng.nextDouble() < 0.9 || j == 0 {
          m.data[i * d + g * block + j] = level + Float(rng.nextDouble() * 0.02)
        }
        if rng.nextDouble() < 0.2 { m.data[i * d + rng.nextInt(d)] += Float(rng.nextDouble() * 0.001) }
      }
    }
    return m
  }

  func dense(_ m: Matrix, _ a: Int, _ b: Int, _ metric: Metric) -> Double {
    m.data.withUnsafeBufferPointer { p in metric.distance(p.baseAddress! + a * m.cols, p.baseAddress! + b * m.cols, m.cols) }
  }

  /// The test data are what they claim: about 15% stored, one zero row, the duplicates, CSR of the dense.
  /// Column selection gives the dense selection's values, whether its map from old to new columns is
  /// a table (many columns chosen) or a dictionary (a few of many: 2 of 1,000), in the order chosen.
  func testSelectingColumnsEqualsDenseSelection() throws {
    let rows = 4, cols = 1_000
    var dense = [Float](repeating: 0, count: rows * cols)
    var rng = RandomStream(seed: 3)
    for i in 0..<rows { for _ in 0..<30 { dense[i * cols + rng.nextInt(cols)] = Float(rng.nextInt(9) + 1) } }
    dense[0 * cols + 999] = 7; dense[2 * cols + 3] = 5; dense[3 * cols + 3] = -2
    let m = try SparseMatrix(dense: Matrix(rows: rows, cols: cols, data: dense))
    for which in [[999, 3], [3], Array((0..<cols).reversed()), Array(stride(from: 1, to: cols, by: 7))] {
      let got = m.selectingColumns(which)
      XCTAssertEqual(got.rows, rows)
      XCTAssertEqual(got.cols, which.count)
      for i in 0..<rows {
        for (k, j) in which.enumerated() { XCTAssertEqual(got[i, k], dense[i * cols + j], "row \(i), column \(j) of \(which.count)") }
        // within a row the new columns are stored in increasing order
        let stored = got.indices[got.indptr[i]..<got.indptr[i + 1]]
        XCTAssertEqual(Array(stored), stored.sorted())
      }
    }
  }

  func testDataAreSparseWithZeroAndRepeatedRows() throws {
    let x = sparseData(120, 40, seed: 1, zeroRow: 7, copies: [(20, 3), (21, 3), (90, 55)])
    let s = try SparseMatrix(dense: x)
    let density = Double(s.nnz) / Double(x.rows * x.cols)
    XCTAssertGreaterThan(density, 0.12)
    XCTAssertLessThan(density, 0.18)
    XCTAssertEqual(s.indptr[8] - s.indptr[7], 0)
    XCTAssertEqual(s.dense().data, x.data)
    XCTAssertEqual(s.selectingRows([20]), s.selectingRows([3]))
  }

  /// Every pair of rows (zero row, duplicates, a row with itself) under every metric: the sparse
  /// distance is the dense one bit for bit; the metric's definition checked by hand on two rows.
  func testSparseDistanceIsTheDenseDistanceBitForBit() throws {
    let x = sparseData(64, 37, seed: 2, zeroRow: 5, copies: [(9, 4), (10, 4), (63, 0)])
    let s = try SparseMatrix(dense: x)
    for metric in Self.metrics {
      var mismatches = 0
      for a in 0..<x.rows {
        for b in 0..<x.rows where metric.distance(s, a, b).bitPattern != dense(x, a, b, metric).bitPattern {
          mismatches += 1
          if mismatches <= 3 { XCTFail("\(metric) rows \(a), \(b): sparse \(metric.distance(s, a, b)), dense \(dense(x, a, b, metric))") }
        }
      }
      XCTAssertEqual(mismatches, 0, "\(metric)")
      XCTAssertEqual(metric.distance(s, 9, 10), 0, "\(metric)")
      XCTAssertEqual(metric.distance(s, 5, 5), 0, "\(metric)")
    }
    // by hand: rows (3, 0, 4) and (0, 0, 0) and (0, 1, 0)
    let h = try SparseMatrix(rows: 3, cols: 3, indptr: [0, 2, 2, 3], indices: [0, 2, 1], values: [3, 4, 1])
    XCTAssertEqual(Metric.euclidean.distance(h, 0, 1), 5)
    XCTAssertEqual(Metric.manhattan.distance(h, 0, 2), 8)
    XCTAssertEqual(Metric.chebyshev.distance(h, 0, 2), 4)
    XCTAssertEqual(Metric.cosine.distance(h, 0, 1), 1)  // a zero vector: 1 (umap-learn)
    XCTAssertEqual(Metric.cosine.distance(h, 1, 1), 0)
    XCTAssertEqual(Metric.cosine.distance(h, 0, 2), 1)  // orthogonal
    XCTAssertEqual(Metric.minkowski(p: 3).distance(h, 0, 2), Elementary.pow(27 + 1 + 64, 1.0 / 3))
  }

  /// The sparse exact kNN graph equals the dense exact and brute-force graphs (indices and distances),
  /// for every metric, with one and two threads.
  func testSparseKNNEqualsDenseExactAndBruteForce() throws {
    let x = sparseData(150, 48, seed: 3, zeroRow: 11, copies: [(30, 12), (31, 12), (149, 77)])
    let s = try SparseMatrix(dense: x)
    let k = 12
    for metric in Self.metrics {
      let one = try knnSelfJoin(s, k: k, metric: metric, context: RunContext(threads: 1))
      let two = try knnSelfJoin(s, k: k, metric: metric, context: RunContext(threads: 2))
      let exact = try knnSelfJoin(x, k: k, metric: metric, search: .exact, context: RunContext(threads: 2))
      let brute = try knnSelfJoin(x, k: k, metric: metric, search: .bruteForce, context: RunContext(threads: 1))
      XCTAssertEqual(one, two, "\(metric): threads")
      XCTAssertEqual(one.indices, brute.indices, "\(metric): indices vs brute force")
      XCTAssertEqual(one.distances, brute.distances, "\(metric): distances vs brute force")
      XCTAssertEqual(one.indices, exact.indices, "\(metric): indices vs exact")
      XCTAssertEqual(one.distances, exact.distances, "\(metric): distances vs exact")
      // self first, even among the duplicates (distance 0 to 30 and 31); then the smaller index
      XCTAssertEqual(Array(one.indices[(30 * k)..<(30 * k + 3)]), [30, 12, 31], "\(metric)")
      XCTAssertEqual(Array(one.indices[(12 * k)..<(12 * k + 3)]), [12, 30, 31], "\(metric)")
      // each row's distances are the pair distances, ascending
      for i in [0, 11, 77] {
        for t in 0..<k {
          let j = Int(one.indices[i * k + t])
          XCTAssertEqual(one.distances[i * k + t], Float(dense(x, i, j, metric)), "\(metric) \(i)→\(j)")
          if t > 0 { XCTAssertLessThanOrEqual(one.distances[i * k + t - 1], one.distances[i * k + t]) }
        }
      }
    }
    XCTAssertThrowsError(try knnSelfJoin(s, k: 151, metric: .euclidean, context: RunContext()))
    XCTAssertThrowsError(try knnSelfJoin(s, k: 0, metric: .euclidean, context: RunContext()))
  }

  func umapParameters(metric: Metric = .euclidean) -> UMAPParameters {
    var p = UMAPParameters()
    p.nNeighbors = 15
    p.nEpochs = 120
    p.metric = metric
    p.randomState = 7
    return p
  }

  /// UMAP of the sparse rows equals UMAP of their dense copy bit for bit, given the same kNN graph and
  /// seed, for one and two threads; one connected data set (with a zero row and duplicates) under
  /// euclidean and cosine.
  func testUMAPSparseEqualsDense() throws {
    let x = sparseData(300, 40, seed: 4, zeroRow: 0, copies: [(100, 101), (250, 17)])
    let s = try SparseMatrix(dense: x)
    for metric in [Metric.euclidean, .cosine] {
      let p = umapParameters(metric: metric)
      let knn = try knnSelfJoin(s, k: p.nNeighbors, metric: metric, context: RunContext(threads: 2))
      let d = try umap(x, knn: knn, parameters: p, context: RunContext(threads: 2))
      for threads in [1, 2] {
        let e = try umap(sparse: s, knn: knn, parameters: p, context: RunContext(threads: threads))
        XCTAssertEqual(e.embedding.data.map(\.bitPattern), d.embedding.data.map(\.bitPattern), "\(metric) threads \(threads)")
        XCTAssertEqual(e.graphNNZ, d.graphNNZ)
      }
      XCTAssertTrue(d.embedding.data.allSatisfy(\.isFinite))
    }
  }

  /// Six well separated groups: the kNN graph has six components (more than 2 · n_components), so the
  /// spectral initialisation places them by the meta-layout of the component centroids, summed from
  /// the sparse rows; the embedding equals the dense one bit for bit and keeps the groups apart.
  func testUMAPSparseEqualsDenseOnDisconnectedGroups() throws {
    let x = separatedGroups(groups: 6, per: 50, block: 5, level: 0.5, seed: 5)
    let s = try SparseMatrix(dense: x)
    XCTAssertLessThan(Double(s.nnz) / Double(x.rows * x.cols), 0.2)
    let p = umapParameters()
    let knn = try knnSelfJoin(s, k: p.nNeighbors, metric: .euclidean, context: RunContext(threads: 2))
    // every neighbour in the row's own group: the graph is disconnected
    for i in 0..<x.rows { for t in 0..<knn.k { XCTAssertEqual(Int(knn.indices[i * knn.k + t]) / 50, i / 50) } }
    // the centroids' affinities are positive: the meta-layout is the one computed, not a random fallback
    let labels = (0..<x.rows).map { $0 / 50 }
    let metaSparse = componentMetaLayout(.sparse(s), labels: labels, count: 6, dim: 2, metric: .euclidean)
    let metaDense = componentMetaLayout(.dense(x), labels: labels, count: 6, dim: 2, metric: .euclidean)
    XCTAssertNotNil(metaSparse)
    XCTAssertEqual(metaSparse?.map(\.bitPattern), metaDense?.map(\.bitPattern))
    let d = try umap(x, knn: knn, parameters: p, context: RunContext(threads: 2))
    let e = try umap(sparse: s, knn: knn, parameters: p, context: RunContext(threads: 1))
    XCTAssertEqual(e.embedding.data.map(\.bitPattern), d.embedding.data.map(\.bitPattern))
    XCTAssertTrue(e.embedding.data.allSatisfy(\.isFinite))
  }

  /// `init="pca"` needs dense data; an empty matrix is refused.
  func testUMAPSparseRefusals() throws {
    let s = try SparseMatrix(dense: sparseData(20, 6, seed: 6))
    var p = umapParameters()
    p.initialization = .pca
    let knn = try knnSelfJoin(s, k: 15, metric: .euclidean, context: RunContext())
    XCTAssertThrowsError(try umap(sparse: s, knn: knn, parameters: p, context: RunContext())) { e in
      XCTAssertTrue("\(e)".contains("needs dense data"), "\(e)")
    }
    let empty = try SparseMatrix(rows: 0, cols: 3, indptr: [0], indices: [], values: [])
    XCTAssertThrowsError(try umap(sparse: empty, knn: knn, parameters: umapParameters(), context: RunContext()))
    XCTAssertThrowsError(try hdbscan(sparse: empty, parameters: HDBSCANParameters()))
  }

  /// Three groups, each dense in its own block of 12 of the 60 columns (values 2 ± 0.5) and rare small
  /// values elsewhere: continuous values (no ties), no zero or repeated rows, about 17% stored.
  func groupsWithoutTies(seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed, 0x7F1)
    let (n, d) = (180, 60)
    var m = Matrix(rows: n, cols: d)
    for i in 0..<n {
      let g = i % 3
      for j in 0..<d {
        let inBlock = j / 12 == g
        if rng.nextDouble() < (inBlock ? 0.75 : 0.02) {
          m.data[i * d + j] = Float(inBlock ? 2 + rng.nextGaussian() * 0.5 : 0.3 * rng.nextDouble())
        }
      }
      m.data[i * d + g * 12] = Float(1.5 + rng.nextDouble())  // no row is all zero
    }
    return m
  }

  /// HDBSCAN of sparse rows (Prim over all pairs) gives the labels of the dense exact tree, for
  /// euclidean and cosine, with one and two threads; the clustering finds the groups.
  func testHDBSCANSparseLabelsEqualDenseExact() throws {
    let x = groupsWithoutTies(seed: 8)
    let s = try SparseMatrix(dense: x)
    XCTAssertLessThan(Double(s.nnz) / Double(x.rows * x.cols), 0.2)
    for metric in [Metric.euclidean, .cosine] {
      let p = HDBSCANParameters(minClusterSize: 10, minSamples: 5, metric: metric, approxMinSpanTree: false)
      let dense = try hdbscan(x, parameters: p, context: RunContext(threads: 2))
      for threads in [1, 2] {
        let sparse = try hdbscan(sparse: s, parameters: p, context: RunContext(threads: threads))
        XCTAssertEqual(sparse.labels, dense.labels, "\(metric) threads \(threads)")
        XCTAssertEqual(sparse.coreDistances.count, x.rows)
        for (a, b) in zip(sparse.coreDistances, dense.coreDistances) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, b)) }
      }
      // the groups are found: three clusters, each mostly one group
      XCTAssertEqual(Set(dense.labels.filter { $0 >= 0 }).count, 3, "\(metric): \(dense.labels)")
      for c in 0..<3 {
        let members = (0..<x.rows).filter { dense.labels[$0] == c }
        let top = Dictionary(grouping: members, by: { $0 % 3 }).values.map(\.count).max() ?? 0
        XCTAssertGreaterThan(Double(top), 0.9 * Double(members.count), "\(metric) cluster \(c)")
      }
    }
  }
}
