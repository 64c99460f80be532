import XCTest
import CGemmKernels
@testable import ClusAlgorithms

/// Deterministic test data.
private enum NeighborData {
  /// n × d integers in 0..<levels (many exact ties), with rows 1, 2 copying row 0 and row 5 copying row 3.
  static func integerGrid(n: Int, d: Int, levels: Int, seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed, 1)
    var m = Matrix(rows: n, cols: d)
    for i in 0..<n { for j in 0..<d { m[i, j] = Float(rng.nextInt(levels)) } }
    for j in 0..<d { m[1, j] = m[0, j]; m[2, j] = m[0, j]; m[5, j] = m[3, j] }
    return m
  }

  /// n × d standard normal values, with duplicated rows (1 = 0, 7 = 4).
  static func gaussian(n: Int, d: Int, seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed, 2)
    var m = Matrix(rows: n, cols: d)
    for i in 0..<n { for j in 0..<d { m[i, j] = Float(rng.nextGaussian()) } }
    for j in 0..<d { m[1, j] = m[0, j]; m[7, j] = m[4, j] }
    return m
  }

  /// `centres` Gaussian blobs (centre coordinates uniform in ±10, unit spread), points assigned
  /// round-robin.
  static func blobs(n: Int, d: Int, centres: Int, seed: UInt64) -> Matrix {
    var rng = RandomStream(seed: seed, 3)
    var c = [Float](repeating: 0, count: centres * d)
    for t in 0..<c.count { c[t] = Float(rng.nextDouble() * 20 - 10) }
    var m = Matrix(rows: n, cols: d)
    for i in 0..<n {
      let b = i % centres
      for j in 0..<d { m[i, j] = c[b * d + j] + Float(rng.nextGaussian()) }
    }
    return m
  }
}

/// Fraction of true neighbours (excluding the point itself) found by `approx`.
private func recall(_ approx: KNNGraph, _ exact: KNNGraph) -> Double {
  var hit = 0, total = 0
  for i in 0..<exact.n {
    let truth = Set(exact.indices[(i * exact.k + 1)..<((i + 1) * exact.k)])
    let got = Set(approx.indices[(i * approx.k + 1)..<((i + 1) * approx.k)])
    hit += truth.intersection(got).count
    total += truth.count
  }
  return Double(hit) / Double(max(total, 1))
}

/// Structural checks every graph must pass: self first at distance 0, ascending rows, valid and
/// distinct indices, finite non-negative distances.
private func assertValidGraph(
  _ g: KNNGraph, n: Int, k: Int, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(g.n, n, file: file, line: line)
  XCTAssertEqual(g.k, k, file: file, line: line)
  for i in 0..<n {
    XCTAssertEqual(g.indices[i * k], Int32(i), "row \(i) self", file: file, line: line)
    XCTAssertEqual(g.distances[i * k], 0, file: file, line: line)
    var seen = Set<Int32>()
    for t in 0..<k {
      let j = g.indices[i * k + t], dv = g.distances[i * k + t]
      XCTAssert(j >= 0 && Int(j) < n, "row \(i) index \(j)", file: file, line: line)
      XCTAssert(dv.isFinite && dv >= 0, "row \(i) distance \(dv)", file: file, line: line)
      XCTAssert(seen.insert(j).inserted, "row \(i) repeats \(j)", file: file, line: line)
      if t > 0 { XCTAssert(g.distances[i * k + t - 1] <= dv, "row \(i) not ascending", file: file, line: line) }
    }
  }
}

final class NeighborsTests: XCTestCase {
  let allMetrics: [Metric] = [.euclidean, .manhattan, .chebyshev, .minkowski(p: 3), .cosine, .correlation]

  /// The KD-tree's Euclidean sums four coordinates a turn and its box gaps without a branch: the
  /// same values bit for bit as one coordinate at a time from 0 and as `boxGap` (so every
  /// neighbour, core distance and label stays the same), for 1 to 9 columns, on random points
  /// and boxes, points on a box's faces, inside and outside, and ±0.
  func testEuclideanKDSumsAndBoxGapsAreTheSequentialOnes() {
    var rng = RandomStream(seed: 11, 3)
    let m = EuclideanKD()
    let a = UnsafeMutablePointer<Double>.allocate(capacity: 9), b = UnsafeMutablePointer<Double>.allocate(capacity: 9)
    let lo = UnsafeMutablePointer<Double>.allocate(capacity: 9), hi = UnsafeMutablePointer<Double>.allocate(capacity: 9)
    defer { a.deallocate(); b.deallocate(); lo.deallocate(); hi.deallocate() }
    for trial in 0..<2_000 {
      let d = 1 + trial % 9
      for i in 0..<d {
        a[i] = rng.nextGaussian() * 1e3; b[i] = rng.nextGaussian() * 1e-3
        let p = rng.nextGaussian(), q = rng.nextGaussian()
        lo[i] = min(p, q); hi[i] = max(p, q)
        switch rng.nextInt(5) {
        case 0: a[i] = lo[i]            // on a face
        case 1: a[i] = hi[i]
        case 2: lo[i] = 0; hi[i] = 0; a[i] = -0.0
        default: break
        }
      }
      var sum = 0.0, box = 0.0
      for i in 0..<d {
        let t = a[i] - b[i]; sum += t * t
        let g = boxGap(a[i], lo[i], hi[i]); box += g * g
        XCTAssertEqual(boxGapBranchless(a[i], lo[i], hi[i]).bitPattern, boxGap(a[i], lo[i], hi[i]).bitPattern)
      }
      XCTAssertEqual(m.rdist(a, b, d).bitPattern, sum.bitPattern, "d = \(d)")
      XCTAssertEqual(m.boxRdist(a, lo, hi, d).bitPattern, box.bitPattern, "d = \(d)")
    }
  }

  func testExactKNNHandComputed() throws {
    // points on a line at 0, 1, 3, 7: neighbour order and distances by hand
    let x = Matrix(rows: 4, cols: 1, data: [0, 1, 3, 7])
    let g = try exactKNN(x, k: 3, metric: .euclidean, context: RunContext(threads: 1))
    XCTAssertEqual(g.indices, [0, 1, 2, 1, 0, 2, 2, 1, 0, 3, 2, 1])
    XCTAssertEqual(g.distances, [0, 1, 3, 0, 1, 2, 0, 2, 3, 0, 4, 6])
    // manhattan in 2-D: (0,0), (1,2), (3,0): d01 = 3, d02 = 3 (tie → smaller index), d12 = 4
    let y = Matrix(rows: 3, cols: 2, data: [0, 0, 1, 2, 3, 0])
    let h = try exactKNN(y, k: 3, metric: .manhattan, context: RunContext(threads: 1))
    XCTAssertEqual(h.indices, [0, 1, 2, 1, 0, 2, 2, 0, 1])
    XCTAssertEqual(h.distances, [0, 3, 3, 0, 3, 4, 0, 3, 4])
  }

  func testMinkowskiWithInfiniteExponentIsChebyshev() throws {
    // scikit-learn's DistanceMetric (hdbscan's trees) takes minkowski p=inf as chebyshev, the limit of
    // (Σ|d|ᵖ)^(1/p): for (0, 0) and (3, -4) that is 4, where pow(|d|, inf) would give inf
    XCTAssertEqual(try Metric(name: "minkowski", p: .infinity), .chebyshev)
    let a: [Float] = [0, 0], b: [Float] = [3, -4]
    XCTAssertEqual(try Metric(name: "minkowski", p: .infinity).distance(a, b, 2), 4)
    XCTAssertEqual(try Metric(name: "minkowski", p: 2), .euclidean)
    XCTAssertEqual(try Metric(name: "minkowski", p: 1), .manhattan)
  }

  func testExactKNNMatchesBruteForceWithTiesAndDuplicates() throws {
    // integer data: every metric's distances are exact in Float, so ties are real ties
    let xi = NeighborData.integerGrid(n: 300, d: 4, levels: 3, seed: 11)
    for metric in [Metric.euclidean, .manhattan, .chebyshev, .minkowski(p: 3)] {
      for k in [1, 5, 12] {
        let ctx = RunContext(threads: 2)
        let a = try exactKNN(xi, k: k, metric: metric, context: ctx)
        let b = try bruteForceKNN(xi, k: k, metric: metric, context: ctx)
        XCTAssertEqual(a.indices, b.indices, "\(metric) k=\(k)")
        XCTAssertEqual(a.distances, b.distances, "\(metric) k=\(k)")
        assertValidGraph(a, n: 300, k: k)
      }
    }
    // continuous data (plus duplicate rows) for every metric, including the angular ones
    let xg = NeighborData.gaussian(n: 257, d: 9, seed: 5)
    for metric in allMetrics {
      let a = try exactKNN(xg, k: 10, metric: metric, context: RunContext(threads: 2))
      let b = try bruteForceKNN(xg, k: 10, metric: metric, context: RunContext(threads: 1))
      XCTAssertEqual(a.indices, b.indices, "\(metric)")
      XCTAssertEqual(a.distances, b.distances, "\(metric)")
      // the duplicated rows find each other at distance 0 right after themselves
      XCTAssertEqual(a.indices[1 * 10 + 1], 0)
      XCTAssertEqual(a.indices[0 * 10 + 1], 1)
      XCTAssertEqual(a.distances[0 * 10 + 1], 0)
    }
  }

  func testExactKNNWithALargeKMatchesBruteForce() throws {
    // k near n keeps every other point as a candidate (in heap order): the rows are sorted by heapsort
    // above 64 entries, and must still match the brute force's (distance, itself first, index) order,
    // with ties everywhere (integer data) and for a metric ranked by the kernels
    let x = NeighborData.integerGrid(n: 700, d: 3, levels: 4, seed: 31)
    for metric in [Metric.euclidean, .manhattan] {
      for k in [65, 300, 700] {
        let a = try exactKNN(x, k: k, metric: metric, context: RunContext(threads: 2))
        let b = try bruteForceKNN(x, k: k, metric: metric, context: RunContext(threads: 1))
        XCTAssertEqual(a.indices, b.indices, "\(metric) k=\(k)")
        XCTAssertEqual(a.distances, b.distances, "\(metric) k=\(k)")
      }
    }
  }

  func testUMAPSearchIsExactFromKOfOneSixtyFourthOfThePoints() throws {
    // past 4,096 points umap-learn's rule searches approximately, but from k ≥ n / 64 the exact search
    // is the faster one (NN-descent's work grows with k²): the neighbours are then the brute force's
    let n = 4200
    let x = NeighborData.gaussian(n: n, d: 5, seed: 41)
    XCTAssertFalse(exactSearchPays(n: n, k: 65))
    XCTAssertTrue(exactSearchPays(n: n, k: 66))
    let a = try knnSelfJoin(x, k: 66, metric: .euclidean, search: .umap(seed: 1), context: RunContext(threads: 2))
    let b = try bruteForceKNN(x, k: 66, metric: .euclidean, context: RunContext(threads: 2))
    XCTAssertEqual(a.indices, b.indices)
    XCTAssertEqual(a.distances, b.distances)
    // below the line NN-descent runs, with its own (seeded) answer
    let c = try knnSelfJoin(x, k: 65, metric: .euclidean, search: .umap(seed: 1), context: RunContext(threads: 2))
    let d = try nnDescentKNN(x, k: 65, metric: .euclidean, seed: 1, context: RunContext(threads: 2))
    XCTAssertEqual(c.indices, d.indices)
  }

  func testSortRowOrdersLongAndShortRowsAlike() {
    // the same rows sorted by the insertion sort (≤ 64) and the heapsort (> 64): compare each with a plain
    // sort under the documented order (distance, the row itself first, index; −1 entries last)
    var rng = RandomStream(seed: 9)
    for count in [2, 17, 64, 65, 200, 1000] {
      let selfIndex: Int32 = 3
      var dist = (0..<count).map { _ in Double(rng.next() % 5) }
      var idx = (0..<count).map { Int32($0) }
      idx.shuffle(using: &rng)
      for t in 0..<count where rng.next() % 10 == 0 { idx[t] = -1; dist[t] = .infinity }
      var expected = Array(zip(dist, idx))
      expected.sort { a, b in
        if (a.1 < 0) != (b.1 < 0) { return b.1 < 0 }
        if a.0 != b.0 { return a.0 < b.0 }
        if (a.1 == selfIndex) != (b.1 == selfIndex) { return a.1 == selfIndex }
        return a.1 < b.1
      }
      dist.withUnsafeMutableBufferPointer { dp in
        idx.withUnsafeMutableBufferPointer { ip in sortRow(dp.baseAddress!, ip.baseAddress!, count, selfIndex: selfIndex) }
      }
      XCTAssertEqual(dist, expected.map { $0.0 }, "count \(count)")
      XCTAssertEqual(idx, expected.map { $0.1 }, "count \(count)")
    }
  }

  func testExactKNNEuclideanLargerThanOneTile() throws {
    // more columns than one 2048-wide tile and several row blocks; reference rows by a direct scan
    let n = 2300, d = 3, k = 4
    let x = NeighborData.gaussian(n: n, d: d, seed: 8)
    let a = try exactKNN(x, k: k, metric: .euclidean, context: RunContext(threads: 2))
    x.data.withUnsafeBufferPointer { p in
      let b = p.baseAddress!
      for i in stride(from: 0, to: n, by: 23) {
        var all = (0..<n).map { j in (j == i ? 0 : Metric.euclidean.distance(b + i * d, b + j * d, d), j) }
        all.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1 == i || ($1.1 != i && $0.1 < $1.1))) }
        XCTAssertEqual(Array(a.indices[(i * k)..<((i + 1) * k)]), all.prefix(k).map { Int32($0.1) }, "row \(i)")
        XCTAssertEqual(Array(a.distances[(i * k)..<((i + 1) * k)]), all.prefix(k).map { Float($0.0) }, "row \(i)")
      }
    }
  }

  func testExactKNNSkipsOnlyWhatCannotEnterWithManyTies() throws {
    // past the first tile the euclidean join offers distances eight at a time, only when one is not
    // above the heap's top: with integer data (exact distances, ties everywhere, the kth distance
    // equal to many others) the neighbours must still be those of a scan that offers every one, the
    // smaller index first among equal distances
    let n = 4200, d = 3
    let x = NeighborData.integerGrid(n: n, d: d, levels: 4, seed: 21)
    for k in [1, 6, 13] {
      let a = try exactKNN(x, k: k, metric: .euclidean, context: RunContext(threads: 2))
      let b = try bruteForceKNN(x, k: k, metric: .euclidean, context: RunContext(threads: 1))
      XCTAssertEqual(a.indices, b.indices, "self-join k=\(k)")
      XCTAssertEqual(a.distances, b.distances, "self-join k=\(k)")
    }
    // queries against a reference (transform's path): a direct scan of each query
    let q = NeighborData.integerGrid(n: 300, d: d, levels: 4, seed: 22)
    let k = 9
    let c = try exactCrossKNN(q, reference: x, k: k, metric: .euclidean, context: RunContext(threads: 2))
    q.data.withUnsafeBufferPointer { qp in
      x.data.withUnsafeBufferPointer { xp in
        for i in 0..<q.rows {
          var all = (0..<n).map { j in (Metric.euclidean.distance(qp.baseAddress! + i * d, xp.baseAddress! + j * d, d), j) }
          all.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
          XCTAssertEqual(Array(c.indices[(i * k)..<((i + 1) * k)]), all.prefix(k).map { Int32($0.1) }, "query \(i)")
          XCTAssertEqual(Array(c.distances[(i * k)..<((i + 1) * k)]), all.prefix(k).map { Float($0.0) }, "query \(i)")
        }
      }
    }
  }

  func testNNDescentRecallOnBlobs() throws {
    let x = NeighborData.blobs(n: 3000, d: 12, centres: 6, seed: 3)
    let exact = try exactKNN(x, k: 15, metric: .euclidean, context: RunContext(threads: 2))
    let approx = try nnDescentKNN(x, k: 15, metric: .euclidean, seed: 42, context: RunContext(threads: 2))
    assertValidGraph(approx, n: 3000, k: 15)
    let r = recall(approx, exact)
    XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r)")
    // distances of the found neighbours are the true distances (to Float rounding)
    for i in stride(from: 0, to: 3000, by: 97) {
      for t in 1..<15 {
        let j = Int(approx.indices[i * 15 + t])
        let ref = x.data.withUnsafeBufferPointer { p in
          Metric.euclidean.distance(p.baseAddress! + i * 12, p.baseAddress! + j * 12, 12)
        }
        XCTAssertEqual(Double(approx.distances[i * 15 + t]), ref, accuracy: 1e-5 * max(1, ref))
      }
    }
  }

  /// Rows far from the origin (the blobs shifted by 1,000 in every coordinate, spread about 1):
  /// the searches rank them centred (`farCentre`), so the exact join finds what the brute force of
  /// every pair in Double finds (its Float32 Gram distances ‖p‖² + ‖q‖² − 2p·q lose about
  /// 10⁻⁷ · 2·10⁶·d to cancellation, more than the gaps between neighbours: on MNIST digits + 1,000
  /// it found 8 % of the true neighbours), and NN-descent keeps its recall (it was 7 % on MNIST
  /// digits + 1,000). Unshifted data keeps its bits (the centre is only taken far from the origin).
  func testSearchesOfRowsFarFromTheOrigin() throws {
    let x = NeighborData.blobs(n: 4200, d: 24, centres: 6, seed: 5)
    let shifted = Matrix(rows: x.rows, cols: x.cols, data: x.data.map { $0 * 0.2 + 1000 })
    let ctx = RunContext(threads: 2)
    let truth = try bruteForceKNN(shifted, k: 10, metric: .euclidean, context: ctx)
    let exact = try exactKNN(shifted, k: 10, metric: .euclidean, context: ctx)
    XCTAssertEqual(recall(exact, truth), 1, "exact join on shifted rows")
    let approx = try nnDescentKNN(shifted, k: 10, metric: .euclidean, seed: 4, context: ctx)
    let r = recall(approx, truth)
    XCTAssertGreaterThanOrEqual(r, 0.95, "NN-descent recall on shifted rows \(r)")
    XCTAssertNil(x.data.withUnsafeBufferPointer { farCentre($0.baseAddress!, n: x.rows, d: x.cols, threads: 2) })
    // groups far from the origin on opposite sides (their common mean is near 0, so no centre
    // helps): the Gram distances cancellation may dominate are recomputed from the differences
    // (recall was 0.09 exact and 0.07 NN-descent on two groups at ±10⁴)
    var rng = RandomStream(seed: 8)
    let groups = Matrix(rows: 4200, cols: 10, data: (0..<42_000).map { t in
      Float(rng.nextDouble() * 2 - 1) + ((t / 10) % 2 == 0 ? 10_000 : -10_000)
    })
    XCTAssertNil(groups.data.withUnsafeBufferPointer { farCentre($0.baseAddress!, n: 4200, d: 10, threads: 2) })
    let groupTruth = try bruteForceKNN(groups, k: 10, metric: .euclidean, context: ctx)
    XCTAssertEqual(recall(try exactKNN(groups, k: 10, metric: .euclidean, context: ctx), groupTruth), 1, "exact join, two groups")
    let g = recall(try nnDescentKNN(groups, k: 10, metric: .euclidean, seed: 4, context: ctx), groupTruth)
    XCTAssertGreaterThanOrEqual(g, 0.95, "NN-descent recall, two groups \(g)")
  }

  /// A transform query row's neighbours do not depend on the other rows of its batch: a row with a
  /// coordinate of 2·10¹⁸ (its squares would overflow the Float32 Gram products, so it is ranked by
  /// the kernels) switched every row of its batch from the Gram path to the kernels, whose rankings
  /// differ where the Gram distances are inexact (rows far from the origin, as here).
  func testCrossJoinRowsAreRankedOnTheirOwn() throws {
    func shifted(_ m: Matrix) -> Matrix { Matrix(rows: m.rows, cols: m.cols, data: m.data.map { $0 * 0.2 + 1000 }) }
    let ref = shifted(NeighborData.blobs(n: 600, d: 8, centres: 3, seed: 6))
    let queries = shifted(NeighborData.blobs(n: 30, d: 8, centres: 3, seed: 7))
    var big = Array(queries.data[0..<8])
    big[0] = 2e18
    let ctx = RunContext(threads: 2)
    let alone = try knnCrossJoin(queries, reference: ref, k: 7, metric: .euclidean, context: ctx)
    let batch = try knnCrossJoin(Matrix(rows: 31, cols: 8, data: queries.data.map { $0 } + big), reference: ref, k: 7,
                                 metric: .euclidean, context: ctx)
    XCTAssertEqual(alone.indices, Array(batch.indices[0..<(30 * 7)]))
    XCTAssertEqual(alone.distances, Array(batch.distances[0..<(30 * 7)]))
  }

  func testNNDescentRecallHighDimensionalWithPrincipalTrees() throws {
    // d ≥ 128: trees split in the principal subspace; Gram-matrix joins
    // k = 30: candidate lists of ≥ 40 points take the symmetric (ssyrk) Gram path
    let x = NeighborData.blobs(n: 1500, d: 160, centres: 5, seed: 9)
    let exact = try exactKNN(x, k: 30, metric: .euclidean, context: RunContext(threads: 2))
    let approx = try nnDescentKNN(x, k: 30, metric: .euclidean, seed: 1, nTrees: 3, context: RunContext(threads: 2))
    assertValidGraph(approx, n: 1500, k: 30)
    let r = recall(approx, exact)
    XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r)")
  }

  func testTreesOnReorderedRowsAreTheSameTrees() throws {
    // the trees after the first group read the rows in the working order (the working copy, or
    // the principal projection reordered in place): the neighbours must be the bits of the trees
    // read in data order, with the trees alone (nIters 0) and after the iterations; cosine's
    // working copy holds the unit rows, and data far from the origin are centred (data order kept)
    let cases: [(Matrix, Metric, Int)] = [
      (NeighborData.blobs(n: 2500, d: 12, centres: 6, seed: 31), .euclidean, 10),
      (NeighborData.blobs(n: 1500, d: 160, centres: 5, seed: 32), .euclidean, 15),
      (NeighborData.blobs(n: 1200, d: 8, centres: 4, seed: 33), .cosine, 8),
      (NeighborData.blobs(n: 1200, d: 8, centres: 4, seed: 34), .manhattan, 8),
      (Matrix(rows: 1200, cols: 8, data: NeighborData.blobs(n: 1200, d: 8, centres: 4, seed: 35).data.map { $0 + 1000 }),
       .euclidean, 8),
    ]
    for (x, metric, k) in cases {
      for iters in [0, 3] {
        for threads in [1, 3] {
          let ctx = RunContext(threads: threads)
          let a = try nnDescentKNN(x, k: k, metric: metric, seed: 6, nTrees: 7, nIters: iters, context: ctx)
          let b = try nnDescentKNN(x, k: k, metric: metric, seed: 6, nTrees: 7, nIters: iters, context: ctx,
                                   reorderTreeRows: false)
          XCTAssertEqual(a.indices, b.indices, "\(metric) d=\(x.cols) iters \(iters) threads \(threads)")
          XCTAssertEqual(a.distances, b.distances, "\(metric) d=\(x.cols) iters \(iters) threads \(threads)")
        }
      }
    }
  }

  func testSplitSideDrawsOnlyForAZeroOrNaNMargin() {
    // a positive margin goes left (0), a negative one right (1), neither drawing; 0, −0 and NaN
    // take the low bit of one draw (the stream then stands one value further on)
    for (margin, expected) in [(Float(2.5), UInt8(0)), (.leastNonzeroMagnitude, 0), (.infinity, 0),
                               (-2.5, 1), (-.leastNonzeroMagnitude, 1), (-.infinity, 1)] {
      var rng = RandomStream(seed: 3, 9)
      var untouched = RandomStream(seed: 3, 9)
      XCTAssertEqual(splitSide(margin, &rng), expected, "\(margin)")
      XCTAssertEqual(rng.next(), untouched.next(), "\(margin) drew")
    }
    for margin in [Float(0), -0.0, .nan] {
      var rng = RandomStream(seed: 3, 9)
      var reference = RandomStream(seed: 3, 9)
      XCTAssertEqual(splitSide(margin, &rng), UInt8(truncatingIfNeeded: reference.next() & 1), "\(margin)")
      XCTAssertEqual(rng.next(), reference.next(), "\(margin) drew once")
    }
  }

  func testPermuteRowsInPlaceGathersByTheOrder() {
    var rng = RandomStream(seed: 8, 1)
    for n in [1, 2, 7, 100] {
      let cols = 3
      let x = (0..<(n * cols)).map { Float($0) }
      var order = (0..<n).map { Int32($0) }
      for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
      var y = x
      y.withUnsafeMutableBufferPointer { permuteRowsInPlace($0.baseAddress!, rows: n, cols: cols, order: order) }
      for w in 0..<n {
        XCTAssertEqual(Array(y[(w * cols)..<((w + 1) * cols)]),
                       Array(x[(Int(order[w]) * cols)..<((Int(order[w]) + 1) * cols)]), "n \(n) row \(w)")
      }
    }
  }

  func testNNDescentOtherMetricsRecall() throws {
    let x = NeighborData.blobs(n: 1200, d: 8, centres: 4, seed: 21)
    for metric in [Metric.manhattan, .cosine, .correlation, .chebyshev] {
      let exact = try exactKNN(x, k: 8, metric: metric, context: RunContext(threads: 2))
      let approx = try nnDescentKNN(x, k: 8, metric: metric, seed: 5, nTrees: 2, context: RunContext(threads: 2))
      assertValidGraph(approx, n: 1200, k: 8)
      let r = recall(approx, exact)
      XCTAssertGreaterThanOrEqual(r, 0.95, "\(metric) recall \(r)")
    }
  }

  func testNNDescentIsExactWhenOneLeafHoldsAllPoints() throws {
    // n ≤ leaf_size: the forest's leaf join already compares every pair
    let x = NeighborData.gaussian(n: 59, d: 6, seed: 12)
    for metric in allMetrics {
      let e = try exactKNN(x, k: 9, metric: metric, context: RunContext(threads: 1))
      let a = try nnDescentKNN(x, k: 9, metric: metric, seed: 3, nTrees: 1, nIters: 0, context: RunContext(threads: 2))
      XCTAssertEqual(a.indices, e.indices, "\(metric)")
      for t in 0..<a.distances.count {
        XCTAssertEqual(a.distances[t], e.distances[t], accuracy: 1e-5 * max(1, e.distances[t]), "\(metric)")
      }
    }
  }

  func testNNDescentIsIndependentOfThreadCount() throws {
    let x = NeighborData.blobs(n: 2500, d: 10, centres: 8, seed: 4)
    let g1 = try nnDescentKNN(x, k: 12, metric: .euclidean, seed: 7, context: RunContext(threads: 1))
    let g2 = try nnDescentKNN(x, k: 12, metric: .euclidean, seed: 7, context: RunContext(threads: 2))
    let g3 = try nnDescentKNN(x, k: 12, metric: .euclidean, seed: 7, context: RunContext(threads: 3))
    XCTAssertEqual(g1, g2)
    XCTAssertEqual(g1, g3)
    let y = NeighborData.blobs(n: 900, d: 130, centres: 3, seed: 6)
    let h1 = try nnDescentKNN(y, k: 6, metric: .euclidean, seed: 2, nTrees: 2, context: RunContext(threads: 1))
    let h2 = try nnDescentKNN(y, k: 6, metric: .euclidean, seed: 2, nTrees: 2, context: RunContext(threads: 2))
    XCTAssertEqual(h1, h2)
    // a different seed gives a different forest (the graph itself may still coincide)
    let z1 = try nnDescentKNN(x, k: 12, metric: .cosine, seed: 7, nTrees: 1, nIters: 1, context: RunContext(threads: 1))
    let z2 = try nnDescentKNN(x, k: 12, metric: .cosine, seed: 7, nTrees: 1, nIters: 1, context: RunContext(threads: 2))
    XCTAssertEqual(z1, z2)
  }

  func testDegenerateInputs() throws {
    let ctx = RunContext(threads: 2)
    // n = 2, k = n
    let two = Matrix(rows: 2, cols: 3, data: [0, 0, 0, 3, 4, 0])
    for g in [try exactKNN(two, k: 2, metric: .euclidean, context: ctx),
              try nnDescentKNN(two, k: 2, metric: .euclidean, seed: 1, context: ctx)] {
      XCTAssertEqual(g.indices, [0, 1, 1, 0])
      XCTAssertEqual(g.distances, [0, 5, 0, 5])
    }
    // k = n on more points: every row is a permutation
    let small = NeighborData.gaussian(n: 40, d: 2, seed: 3)
    for metric in allMetrics {
      assertValidGraph(try exactKNN(small, k: 40, metric: metric, context: ctx), n: 40, k: 40)
      assertValidGraph(try nnDescentKNN(small, k: 40, metric: metric, seed: 3, context: ctx), n: 40, k: 40)
    }
    // all rows identical: every distance is 0, ties by index after self
    let same = Matrix(rows: 150, cols: 4, repeating: 2.5)
    for metric in allMetrics {
      let e = try exactKNN(same, k: 5, metric: metric, context: ctx)
      assertValidGraph(e, n: 150, k: 5)
      XCTAssertEqual(Array(e.indices[(7 * 5)..<(8 * 5)]), [7, 0, 1, 2, 3])
      XCTAssert(e.distances.allSatisfy { $0 == 0 })
      let a = try nnDescentKNN(same, k: 5, metric: metric, seed: 9, context: ctx)
      assertValidGraph(a, n: 150, k: 5)
      XCTAssert(a.distances.allSatisfy { $0 == 0 })
    }
    // all rows identical and more points than a leaf (degenerate tree splits), d ≥ 128
    let sameWide = Matrix(rows: 400, cols: 130, repeating: 1)
    let w = try nnDescentKNN(sameWide, k: 4, metric: .euclidean, seed: 9, context: ctx)
    assertValidGraph(w, n: 400, k: 4)
    XCTAssert(w.distances.allSatisfy { $0 == 0 })
    // one column, zero rows for cosine
    let col = Matrix(rows: 300, cols: 1, data: (0..<300).map { Float($0 % 17) - 8 })
    for metric in allMetrics {
      let e = try exactKNN(col, k: 6, metric: metric, context: ctx)
      assertValidGraph(e, n: 300, k: 6)
      let b = try bruteForceKNN(col, k: 6, metric: metric, context: ctx)
      XCTAssertEqual(e.indices, b.indices, "\(metric)")
      let a = try nnDescentKNN(col, k: 6, metric: metric, seed: 4, context: ctx)
      assertValidGraph(a, n: 300, k: 6)
    }
    // a single point
    let single = Matrix(rows: 1, cols: 3, data: [1, 2, 3])
    for g in [try exactKNN(single, k: 1, metric: .cosine, context: ctx),
              try nnDescentKNN(single, k: 1, metric: .euclidean, seed: 0, context: ctx),
              try nearestNeighbors(single, k: 1, metric: .manhattan, seed: 0, context: ctx)] {
      XCTAssertEqual(g.indices, [0])
      XCTAssertEqual(g.distances, [0])
    }
    // k = 1: only the point itself
    let one = try nnDescentKNN(small, k: 1, metric: .euclidean, seed: 1, context: ctx)
    XCTAssertEqual(one.indices, (0..<40).map { Int32($0) })
  }

  func testInvalidInputThrows() {
    let ctx = RunContext(threads: 1)
    let x = NeighborData.gaussian(n: 10, d: 2, seed: 1)
    for f in [{ try exactKNN(x, k: 0, metric: .euclidean, context: ctx) },
              { try exactKNN(x, k: 11, metric: .euclidean, context: ctx) },
              { try nnDescentKNN(x, k: 11, metric: .euclidean, seed: 0, context: ctx) },
              { try nnDescentKNN(x, k: 3, metric: .euclidean, seed: 0, nTrees: -1, context: ctx) },
              { try nearestNeighbors(x, k: 0, metric: .euclidean, seed: 0, context: ctx) }] {
      XCTAssertThrowsError(try f()) { e in
        guard case .invalidParameter = e as? AlgorithmError else { return XCTFail("\(e)") }
      }
    }
    var bad = x
    bad[3, 1] = .nan
    XCTAssertThrowsError(try nearestNeighbors(bad, k: 3, metric: .euclidean, seed: 0, context: ctx)) { e in
      guard case .invalidInput = e as? AlgorithmError else { return XCTFail("\(e)") }
    }
    XCTAssertThrowsError(try nnDescentKNN(Matrix(rows: 0, cols: 2), k: 1, metric: .euclidean, seed: 0, context: ctx))
  }

  func testDispatchCancellationAndProgress() throws {
    let x = NeighborData.gaussian(n: 500, d: 4, seed: 2)
    // below 4096 points the dispatch is exact
    XCTAssertEqual(try nearestNeighbors(x, k: 7, metric: .manhattan, seed: 1, context: RunContext(threads: 2)),
                   try bruteForceKNN(x, k: 7, metric: .manhattan))
    let token = CancellationToken()
    token.cancel()
    XCTAssertThrowsError(try nnDescentKNN(x, k: 5, metric: .euclidean, seed: 1, context: RunContext(threads: 2, cancellation: token))) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
    XCTAssertThrowsError(try exactKNN(x, k: 5, metric: .euclidean, context: RunContext(threads: 2, cancellation: token))) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
    final class Recorder: ProgressSink, @unchecked Sendable {
      var log: [String] = []
      func begin(_ label: String, total: Int) { log.append("begin \(label) \(total)") }
      func update(_ done: Int) { log.append("update \(done)") }
      func end() { log.append("end") }
    }
    let rec = Recorder()
    _ = try nnDescentKNN(x, k: 5, metric: .euclidean, seed: 1, nIters: 3, context: RunContext(threads: 1, progress: rec))
    // two phases: the trees (one unit per tree, pynndescent's default count), then the iterations
    let trees = min(64, 5 + Int((Double(x.rows).squareRoot() / 20).rounded(.toNearestOrEven)))
    XCTAssertEqual(rec.log.first, "begin neighbour trees \(trees)")
    XCTAssert(rec.log.contains("update \(trees)"))
    XCTAssertEqual(rec.log.filter { $0.hasPrefix("begin") }, ["begin neighbour trees \(trees)", "begin nearest neighbours 3"])
    XCTAssertEqual(rec.log.last, "end")
    XCTAssert(rec.log.contains("update 1"))
  }

  /// HDBSCAN's core distances from 10 columns (`sortedSelfKNN`, GEMM tiles in Float32) on data whose
  /// squared norms overflow Float32: scaled by a power of two (exact in Double, so the same
  /// neighbours and the k-th squared distances times its square), 2⁶⁶ and 2¹²⁶, the Float32 values
  /// would be NaN (and at 2⁻⁸⁰ the squares would flush to 0), and the k nearest must still be those of the unscaled data, at 1, 2 and 3 threads —
  /// duplicated rows included, whose k-th distance is 0. (The repeats of a point's own candidate, one
  /// per worker, survived as NaN ≠ NaN: at 2 threads a point was its own second neighbour, with a
  /// core distance of 0.) The tiles' copy is scaled back by a power of two, so no more rows are
  /// scanned exactly than for the unscaled data (before, every row was: 128 s instead of 1.5 s for
  /// 50,000 × 20 points near 10²⁰, and 141 s near 10⁻³⁰).
  func testGemmCoreDistancesWhenFloat32Overflows() throws {
    var rng = RandomStream(seed: 8, 0x0F10)
    for (n, d, k) in [(1500, 15, 2), (900, 20, 5), (700, 12, 11)] {
      var x = (0..<(n * d)).map { _ in Double(rng.nextInt(3) - 1) + 0.25 * Double(rng.nextInt(4)) }
      for r in stride(from: 0, to: n / 3, by: 7) { for j in 0..<d { x[(r + 1) * d + j] = x[r * d + j]; x[(r + 2) * d + j] = x[r * d + j] } }
      let ref = try sortedSelfKNN(x, n: n, d: d, k: k, metric: EuclideanKD(), context: RunContext(threads: 1))
      let ctx = RunContext(threads: 1)
      func rescans(_ v: [Double]) throws -> Int {
        try v.withUnsafeBufferPointer {
          try gemmSelfKNN(pts: $0.baseAddress!, n: n, d: d, k: k, keep: k, threads: 1, token: ctx.cancellation,
                          progress: ctx.progress).rescanned
        }
      }
      let unscaledRescans = try rescans(x)
      for e in [66, 126, -80] {
        let s = Double(sign: .plus, exponent: e, significand: 1)
        let y = x.map { $0 * s }
        // the tiles rank a copy scaled back by a power of two, so the certificate settles as many
        // rows as for the unscaled data (without it, every row was scanned exactly: slow, not wrong)
        XCTAssertEqual(try rescans(y), unscaledRescans, "n=\(n) d=\(d) scale 2^\(e): rows scanned exactly")
        for threads in [1, 2, 3] {
          let got = try sortedSelfKNN(y, n: n, d: d, k: k, metric: EuclideanKD(), context: RunContext(threads: threads))
          var wrong = 0
          for p in 0..<n where Array(got.indices[(p * k)..<(p * k + k)]) != Array(ref.indices[(p * k)..<(p * k + k)])
            || got.kth[p] != ref.kth[p] * s * s { wrong += 1 }
          XCTAssertEqual(wrong, 0, "n=\(n) d=\(d) scale 2^\(e) threads=\(threads): rows with other neighbours")
        }
      }
    }
  }

  /// `gemmSelfKNN` from 32 columns skips the 8-column groups of a tile that a bound on the columns
  /// of largest variance puts beyond both rows' heaps. On data whose variance falls off across the
  /// columns (blobs in 40 and 64 columns scaled as a PCA's output), at scales 1, 2⁶⁶, 2⁻⁸⁰ and 2⁻⁶⁵, the
  /// bound skips many groups and every result is the same, bit for bit, as with every group
  /// multiplied, at 1 and 2 threads; the k nearest and the kept distances are the brute-force ones.
  /// On Gaussian noise (the same variance in every column) the bound skips next to nothing, and the
  /// results are again the same; below 32 columns it does not run.
  func testGemmSkipsGroupsBeyondTheBoundWithTheSameBits() throws {
    guard Gemm.avx else { throw XCTSkip("the bound runs with AVX only (this CPU has none, or CLUS_NO_AVX is set)") }
    let ctx = RunContext(threads: 1)
    func run(_ v: [Double], n: Int, d: Int, k: Int, keep: Int, threads: Int, bound: Bool) throws
      -> (coreR: [Double], knnI: [Int32], knnR: [Double], beyond: [Double], rescanned: Int, skipped: Int) {
      try v.withUnsafeBufferPointer {
        try gemmSelfKNN(pts: $0.baseAddress!, n: n, d: d, k: k, keep: keep, threads: threads,
                        token: ctx.cancellation, progress: ctx.progress, boundColumns: bound)
      }
    }
    for (d, decaying) in [(40, true), (64, true), (33, false), (20, true)] {
      let n = 2600, k = 10, keep = 33
      let blobs = NeighborData.blobs(n: n, d: d, centres: 15, seed: 77)
      var rng = RandomStream(seed: 78)
      // column j scaled by 0.8^j: most of the spread in the first columns, as after a PCA; or
      // Gaussian noise, the same spread in every column
      let base = decaying ? (0..<(n * d)).map { Double(blobs[$0 / d, $0 % d]) * pow(0.8, Double($0 % d)) }
        : (0..<(n * d)).map { _ in rng.nextGaussian() }
      for e in [0, 66, -80, -65] {  // at 2⁻⁶⁵ the data is not rescaled and its small columns' products underflow
        let s = Double(sign: .plus, exponent: e, significand: 1)
        let x = base.map { $0 * s }
        let whole = try run(x, n: n, d: d, k: k, keep: keep, threads: 1, bound: false)
        XCTAssertEqual(whole.skipped, 0)
        for threads in [1, 2] {
          let got = try run(x, n: n, d: d, k: k, keep: keep, threads: threads, bound: true)
          let what = "d=\(d) scale 2^\(e) threads=\(threads)"
          // 2600 rows: 6 blocks, 15 tiles off the diagonal, 512 × 64 groups each at most (measured
          // when written: 24,000–205,000 skipped on the blobs, depending on d and the threads; 0 on
          // the noise)
          if d < 32 {
            XCTAssertEqual(got.skipped, 0, "\(what): the bound runs from 32 columns")
          } else if e == -65 {
            // norms near 2⁻¹¹⁸: the allowance for underflow (2⁻¹²⁰ a term) outweighs every gap
            XCTAssertEqual(got.skipped, 0, "\(what): skipped where products underflow")
          } else if decaying {
            XCTAssertGreaterThan(got.skipped, 15_000, "\(what): the bound skipped too little")
          } else {
            XCTAssertLessThan(got.skipped, 1_000, "\(what): equal variances, skipped \(got.skipped)")
          }
          XCTAssertEqual(got.coreR.map(\.bitPattern), whole.coreR.map(\.bitPattern), what)
          XCTAssertEqual(got.knnI, whole.knnI, what)
          XCTAssertEqual(got.knnR.map(\.bitPattern), whole.knnR.map(\.bitPattern), what)
          XCTAssertEqual(got.beyond.map(\.bitPattern), whole.beyond.map(\.bitPattern), what)
          XCTAssertEqual(got.rescanned, whole.rescanned, what)
        }
        // brute force on every 13th row: the k nearest distances and the kept ones
        var wrong = 0
        for p in stride(from: 0, to: n, by: 13) {
          var all = (0..<n).map { q -> (Double, Int32) in
            var t = 0.0
            for j in 0..<d { let u = x[p * d + j] - x[q * d + j]; t += u * u }
            return (t, Int32(q))
          }
          all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
          if whole.coreR[p] != all[k - 1].0 || Array(whole.knnR[(p * keep)..<(p * keep + keep)]) != all[0..<keep].map({ $0.0 }) {
            wrong += 1
          }
        }
        XCTAssertEqual(wrong, 0, "d=\(d) scale 2^\(e): rows whose distances differ from brute force")
      }
    }
  }

  /// `gemmSelfKNN`'s certificate on rows of very different lengths. (1) Blobs with a few far
  /// outliers (50 times the blobs' scale) and (2) blobs at 2⁴⁰ stacked on the same blobs at 2⁻⁴⁰:
  /// the certificate settles about as many rows as for the blobs alone. (Its error bound used the
  /// longest row's squared norm for every row, so the short rows failed it and were scanned
  /// exactly: slow, not wrong; the hdbscan library was faster on such data.) Data far from the
  /// origin is ranked about its mean, so it settles as many rows as at the origin. (3) Groups of integer
  /// grids, duplicates and zero rows at scales from 2²⁰ down to 2⁻¹⁵⁶, so that the tiles' Float32
  /// squares of the short rows are subnormal or flush to 0: every row's k nearest and k-th
  /// distance are the brute-force ones, the others kept come with their true distances, and its
  /// bound on the points not kept is below all of them, at 1 and 2 threads.
  func testGemmCertificateOnRowsOfVeryDifferentLengths() throws {
    let ctx = RunContext(threads: 1)
    func run(_ v: [Double], n: Int, d: Int, k: Int, keep: Int, threads: Int = 1) throws
      -> (coreR: [Double], knnI: [Int32], knnR: [Double], beyond: [Double], rescanned: Int, skipped: Int) {
      try v.withUnsafeBufferPointer {
        try gemmSelfKNN(pts: $0.baseAddress!, n: n, d: d, k: k, keep: keep, threads: threads,
                        token: ctx.cancellation, progress: ctx.progress)
      }
    }
    let d = 20, n = 3000, k = 10
    let blobs = NeighborData.blobs(n: n, d: d, centres: 12, seed: 41)
    let base = (0..<(n * d)).map { Double(blobs[$0 / d, $0 % d]) }
    let alone = try run(base, n: n, d: d, k: k, keep: k).rescanned
    var far = base
    for r in [3, 700, 1400, 2100, 2999] { for j in 0..<d { far[r * d + j] *= 50 } }
    let withOutliers = try run(far, n: n, d: d, k: k, keep: k).rescanned
    XCTAssertLessThanOrEqual(withOutliers, alone + 5, "far outliers: rows scanned exactly (blobs alone: \(alone))")
    let stacked = base.map { $0 * 0x1p40 } + base.map { $0 * 0x1p-40 }
    let mixed = try run(stacked, n: 2 * n, d: d, k: k, keep: k).rescanned
    XCTAssertLessThanOrEqual(mixed, 2 * alone + 2, "2^40 with 2^-40: rows scanned exactly (blobs alone: \(alone))")

    // the brute-force check: the k nearest and the k-th distance certified, the others kept with
    // their true distances, and the bound below every point not kept
    func check(_ x: [Double], n m: Int, d dd: Int, k kk: Int, keep: Int, _ what: String) throws {
      for threads in [1, 2] {
        let got = try run(x, n: m, d: dd, k: kk, keep: keep, threads: threads)
        var wrong = 0, loose = 0
        for p in 0..<m {
          var all = (0..<m).map { q -> (Double, Int) in
            var s = 0.0
            for j in 0..<dd { let u = x[p * dd + j] - x[q * dd + j]; s += u * u }
            return (s, q)
          }
          all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
          var trueOf = [Int: Double]()
          for (s, q) in all { trueOf[q] = s }
          let nearest: [Double] = all[0..<kk].map { $0.0 }
          let keptTrue = (0..<keep).allSatisfy { t in got.knnR[p * keep + t] == trueOf[Int(got.knnI[p * keep + t])] }
          if got.coreR[p] != all[kk - 1].0 || Array(got.knnR[(p * keep)..<(p * keep + kk)]) != nearest || !keptTrue {
            wrong += 1
          }
          let kept = Set(got.knnI[(p * keep)..<(p * keep + keep)].map { Int($0) })
          if all.contains(where: { !kept.contains($0.1) && $0.0 < got.beyond[p] }) { loose += 1 }
        }
        XCTAssertEqual(wrong, 0, "\(what), threads=\(threads): rows whose kept distances differ from brute force")
        XCTAssertEqual(loose, 0, "\(what), threads=\(threads): rows whose bound exceeds a point not kept")
      }
    }
    var rng = RandomStream(seed: 9, 0x5CA1E)
    let g = 12, per = 100, dd = 12
    var x = [Double]()
    for t in 0..<g {
      let s = Double(sign: .plus, exponent: 20 - 16 * t, significand: 1)
      var rows = (0..<(per * dd)).map { _ in Double(rng.nextInt(3)) * s }
      for r in stride(from: 0, to: 30, by: 3) { for j in 0..<dd { rows[(r + 1) * dd + j] = rows[r * dd + j] } }
      for j in 0..<dd { rows[50 * dd + j] = 0 }
      x += rows
    }
    try check(x, n: g * per, d: dd, k: 5, keep: 9, "scales 2^20 to 2^-156")
    // (4) two groups far from each other (and from their mean, the tiles' origin) relative to
    // their spread: the Float32 ranking is mostly rounding, so the bound must take its error into
    // account (without it, wrong neighbours)
    for spread in [3.0, 1.0, 0.3, 0.1, 0.01] {
      let offset = (0..<(800 * dd)).map { t in (t / dd % 2 == 0 ? 1000 : -1000) + spread * rng.nextGaussian() }
      try check(offset, n: 800, d: dd, k: 5, keep: 9, "groups at ±1000, spread \(spread)")
    }
    // one group far from the origin is ranked about its mean: as many rows settled as at the origin
    let near = (0..<(800 * dd)).map { _ in rng.nextGaussian() }
    let atOrigin = try run(near, n: 800, d: dd, k: 5, keep: 9).rescanned
    let offsetRescans = try run(near.map { $0 + 1e4 }, n: 800, d: dd, k: 5, keep: 9).rescanned
    XCTAssertLessThanOrEqual(offsetRescans, atOrigin + 8, "offset 10^4: rows scanned exactly (at the origin: \(atOrigin))")
    // (5) a point at the origin among points on a sphere of radius 1000 (radial spread 3·10⁻⁵ to 3·10⁻⁴):
    // its distances differ by less than the Float32 error of ‖y‖², which comes from the others'
    // norms, not its own
    for round in 0..<12 {
      var sphere = [Double](repeating: 0, count: 400 * dd)
      for r in 1..<400 {
        let u = (0..<dd).map { _ in rng.nextGaussian() }
        let len = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let radius = 1000 + [3e-5, 1e-4, 3e-4][round % 3] * rng.nextGaussian()
        for j in 0..<dd { sphere[r * dd + j] = u[j] / len * radius }
      }
      try check(sphere, n: 400, d: dd, k: 5, keep: 9, "origin inside a sphere, round \(round)")
    }
  }

  /// Minkowski with a large finite p is refused where float64's Σ|xᵢ − yᵢ|ᵖ would overflow at the
  /// data's largest difference R or lose differences of 10⁻⁶·R (p = 1000 on data of range 10 gave a
  /// third of UMAP's neighbour distances as inf and others as 0). By hand: R = 10, d = 2: underflow
  /// limit 1022 / (20 − log₂10) = 61.27, overflow limit (1023 − 1) / log₂10 = 307.6; R = 2²⁰·1.5,
  /// d = 1: overflow limit 1023 / log₂R = 1023 / 20.585 = 49.7. Sparse rows count their implicit zeros.
  func testMinkowskiRangeCheck() throws {
    let small = Matrix(rows: 3, cols: 2, data: [0, 0, 10, 1, 4, 0.5])
    XCTAssertNoThrow(try Metric.minkowski(p: 61).checkRange(of: .dense(small)))
    for p in [62.0, 307, 1000, 1e308] {
      XCTAssertThrowsError(try Metric.minkowski(p: p).checkRange(of: .dense(small))) {
        let m = "\($0)"
        XCTAssertTrue(m.contains("allows p below 61.27") && m.contains("vanish") && m.contains("p=inf"), m)
      }
    }
    let wide = Matrix(rows: 2, cols: 1, data: [0, 1.5 * 1_048_576])
    XCTAssertNoThrow(try Metric.minkowski(p: 49).checkRange(of: .dense(wide)))
    XCTAssertThrowsError(try Metric.minkowski(p: 50).checkRange(of: .dense(wide))) {
      XCTAssertTrue("\($0)".contains("would overflow float64") && "\($0)".contains("allows p below 49.69"), "\($0)")
    }
    for m in [Metric.euclidean, .manhattan, .chebyshev, .cosine, .correlation] {
      XCTAssertNoThrow(try m.checkRange(of: .dense(wide)))
    }
    // UMAP's dense neighbour search sums in Float32 (limits 127 and −126 for 2^E): R = 10, d = 2:
    // p below (127 − 1)/log₂10 = 37.9 and 126/(20 − log₂10) = 7.55; the squares of euclidean,
    // cosine and correlation (p = 2) overflow from R = 2^63 / √d on and vanish below R = 2^−43
    XCTAssertNoThrow(try Metric.minkowski(p: 7).checkRange(of: .dense(small), float32: true))
    XCTAssertThrowsError(try Metric.minkowski(p: 8).checkRange(of: .dense(small), float32: true)) {
      XCTAssertTrue("\($0)".contains("allows p below 7.55") && "\($0)".contains("float32"), "\($0)")
    }
    let huge = Matrix(rows: 2, cols: 2, data: [0, 0, 1e19, 1])
    let tiny = Matrix(rows: 2, cols: 2, data: [0, 0, 1e-14, 0])
    for m in [Metric.euclidean, .cosine, .correlation] {
      XCTAssertNoThrow(try m.checkRange(of: .dense(small), float32: true))
      XCTAssertNoThrow(try m.checkRange(of: .dense(huge)), "float64: no limit for \(m)")
      XCTAssertThrowsError(try m.checkRange(of: .dense(huge), float32: true)) {
        XCTAssertTrue("\($0)".contains("too large") && "\($0)".contains("scale the data"), "\($0)")
      }
      XCTAssertThrowsError(try m.checkRange(of: .dense(tiny), float32: true)) {
        XCTAssertTrue("\($0)".contains("too small"), "\($0)")
      }
    }
    // one stored value 10 in a column of 3 rows: its range is 10 (the zeros are implicit)
    let sparse = try SparseMatrix(rows: 3, cols: 2, indptr: [0, 1, 1, 2], indices: [0, 1], values: [10, 0.5])
    XCTAssertNoThrow(try Metric.minkowski(p: 61).checkRange(of: .sparse(sparse)))
    XCTAssertThrowsError(try Metric.minkowski(p: 62).checkRange(of: .sparse(sparse)))
  }

  /// The column kernels of the euclidean self-join (`clus_leaf_sqdist_within`, SSE2, and its AVX
  /// form where the CPU has AVX) keep exactly the points within the bound, ties included, in point
  /// order, with `EuclideanKD.rdist`'s distances bit for bit: for 1 to 9 columns and 1 to 23 points
  /// (every tail of 2- and 4-point steps), bounds of +∞, a held distance, below all, and NaN.
  func testLeafColumnKernelsEqualRdist() {
    var rng = RandomStream(seed: 5, 0x1EAF)
    for d in 1...9 {
      for m in 1...23 {
        // integer coordinates give equal distances; halves give inexact sums
        let q = (0..<d).map { _ in Double(rng.nextInt(5)) * 0.5 + 0.1 }
        let pts = (0..<(m * d)).map { _ in Double(rng.nextInt(5)) * 0.5 - 0.3 }
        let cols = (0..<(m * d)).map { i in pts[(i % m) * d + i / m] }  // coordinate j of point t at j·m + t
        let exact: [Double] = (0..<m).map { t in
          q.withUnsafeBufferPointer { qp in pts.withUnsafeBufferPointer { pp in
            EuclideanKD().rdist(qp.baseAddress!, pp.baseAddress! + t * d, d)
          }}
        }
        for bound in [Double.infinity, exact[m / 2], -1, .nan] {
          let want = (0..<m).filter { exact[$0] <= bound }
          for avx in Gemm.avx ? [false, true] : [false] {
            var dist = [Double](repeating: -7, count: m), idx = [Int32](repeating: -7, count: m)
            let c = avx ? clus_leaf_sqdist_within_avx(cols, m, d, q, bound, &dist, &idx)
              : clus_leaf_sqdist_within(cols, m, d, q, bound, &dist, &idx)
            let what = "d=\(d) m=\(m) bound=\(bound) avx=\(avx)"
            XCTAssertEqual(c, want.count, what)
            XCTAssertEqual(idx.prefix(c).map { Int($0) }, want, what)
            XCTAssertEqual(dist.prefix(c).map { $0.bitPattern }, want.map { exact[$0].bitPattern }, what)
          }
        }
      }
    }
  }

  /// The KD-tree self-join walks the tree once per leaf (`kdQueryEach` with no queries, up to two
  /// columns; the 3- to 7-column sets check the search per point against brute force, which for the
  /// euclidean metric scans subtrees of up to 64 points from their columns, `LeafColumns`); the k
  /// nearest it finds must be, row for row, what a search per point finds (`kdQueryEach` with the
  /// points as queries) and what a brute-force ranking by (reduced distance, row) gives — on
  /// integer grids (ties everywhere, duplicated rows) and Gaussian data, for the euclidean (also its
  /// two-column form), manhattan and chebyshev metrics, one and two threads, and a few leaf sizes.
  func testSelfJoinByLeafEqualsSearchPerPointAndBruteForce() throws {
    let sets: [(String, Matrix)] = [
      ("grid 2-D", NeighborData.integerGrid(n: 700, d: 2, levels: 9, seed: 3)),
      ("grid 3-D", NeighborData.integerGrid(n: 500, d: 3, levels: 4, seed: 4)),
      ("gaussian 2-D", NeighborData.gaussian(n: 900, d: 2, seed: 6)),
      ("gaussian 5-D", NeighborData.gaussian(n: 400, d: 5, seed: 7)),
      ("gaussian 7-D", NeighborData.gaussian(n: 1500, d: 7, seed: 10)),
      ("grid 4-D", NeighborData.integerGrid(n: 1100, d: 4, levels: 3, seed: 11)),
      // hundreds of copies of each of four points: the k nearest of a copy are the k smallest rows
      // among its copies, found while skipping nodes at distance 0 with no smaller row
      ("copies 2-D", NeighborData.integerGrid(n: 1200, d: 2, levels: 2, seed: 8)),
      ("copies 3-D", NeighborData.integerGrid(n: 800, d: 3, levels: 2, seed: 9)),
    ]
    func check<M: KDMetric>(_ name: String, _ x: Matrix, _ metric: M, k: Int, leafSize: Int, threads: Int) throws {
      let n = x.rows, d = x.cols
      let xs = (0..<(n * d)).map { Double(x.data[$0]) }
      let tree = KDTreeIndex(xs, n: n, d: d, leafSize: leafSize)
      let ctx = RunContext(threads: threads)
      var byLeaf = [[Int]](repeating: [], count: n), byLeafR = [[Double]](repeating: [], count: n)
      try kdQueryEach(tree, queries: nil, m: n, k: k, metric: metric, context: ctx) { i, best in
        byLeaf[i] = (0..<best.count).map { best.row($0) }; byLeafR[i] = (0..<best.count).map { best.dist[$0] }
      }
      var perPoint = [[Int]](repeating: [], count: n)
      try kdQueryEach(tree, queries: xs, m: n, k: k, metric: metric, context: ctx) { i, best in
        perPoint[i] = (0..<best.count).map { best.row($0) }
      }
      for i in 0..<n {
        var all: [(r: Double, j: Int)] = []
        xs.withUnsafeBufferPointer { xp in
          let X = xp.baseAddress!
          for j in 0..<n { all.append((metric.rdist(X + i * d, X + j * d, d), j)) }
        }
        all.sort { (a: (r: Double, j: Int), b: (r: Double, j: Int)) -> Bool in a.r != b.r ? a.r < b.r : a.j < b.j }
        let brute = all.prefix(k)
        let what = "\(name) \(M.self) k=\(k) leaf=\(leafSize) threads=\(threads) point \(i)"
        XCTAssertEqual(byLeaf[i], brute.map { $0.j }, what)
        XCTAssertEqual(byLeafR[i], brute.map { $0.r }, what)
        XCTAssertEqual(byLeaf[i], perPoint[i], what)
      }
    }
    for (name, x) in sets {
      for (k, leafSize, threads) in [(11, 13, 2), (1, 4, 1), (30, 40, 2)] {
        try check(name, x, EuclideanKD(), k: k, leafSize: leafSize, threads: threads)
        if x.cols == 2 { try check(name, x, EuclideanKD2(), k: k, leafSize: leafSize, threads: threads) }
        try check(name, x, ManhattanKD(), k: k, leafSize: leafSize, threads: threads)
        try check(name, x, ChebyshevKD(), k: k, leafSize: leafSize, threads: threads)
      }
    }
  }

  /// Many copies of a few points (a coarse grid): a search by (distance, row) stops visiting the
  /// copies once its k hold the smallest rows it can reach; a heap that keeps the first of equal
  /// values stops at the first k copies. 4,000 points on 4 locations, leaves of 16: the search per
  /// point offered every copy (about 1,000 points) before nodes at exactly the bound with no
  /// smaller row were skipped; the results are checked against the k smallest rows of each
  /// location (and the heap's k-th value is 0).
  func testSearchAmongManyCopiesSkipsNodesThatCannotEnter() throws {
    let x = NeighborData.integerGrid(n: 4000, d: 2, levels: 2, seed: 11)
    let n = x.rows, d = x.cols, k = 10
    let xs = (0..<(n * d)).map { Double(x.data[$0]) }
    let tree = KDTreeIndex(xs, n: n, d: d, leafSize: 16)
    struct Counting<C: KDCandidates>: KDCandidates {
      var inner: C
      var offers = 0
      var bound: Double { inner.bound }
      var tieRow: Int { inner.tieRow }
      mutating func offer(_ r: Double, _ q: Int) { offers += 1; inner.offer(r, q) }
    }
    // each location's rows, ascending
    var rowsAt: [[Double]: [Int]] = [:]
    for i in 0..<n { rowsAt[[xs[i * d], xs[i * d + 1]], default: []].append(i) }
    XCTAssertEqual(rowsAt.count, 4)
    let stack = KDStack.allocate()
    defer { stack.deallocate() }
    var sortedOffers = 0, heapOffers = 0, largest = 0
    for i in 0..<n {
      let q = UnsafeMutablePointer<Double>.allocate(capacity: d)
      defer { q.deallocate() }
      q[0] = xs[i * d]; q[1] = xs[i * d + 1]
      var best = Counting(inner: SortedCandidates(k: k, perm: tree.perm))
      tree.search(q, metric: EuclideanKD(), &best, stack)
      XCTAssertEqual((0..<k).map { best.inner.row($0) }, Array(rowsAt[[q[0], q[1]]]!.prefix(k)), "point \(i)")
      XCTAssertEqual(best.inner.bound, 0)
      best.inner.deallocate()
      sortedOffers += best.offers
      largest = max(largest, best.offers)
      var heap = Counting(inner: HeapCandidates(values: .allocate(capacity: k), ids: .allocate(capacity: k), k: k))
      heap.inner.reset()
      tree.search(q, metric: EuclideanKD(), &heap, stack)
      XCTAssertEqual(heap.inner.bound, 0)
      heap.inner.values.deallocate(); heap.inner.ids.deallocate()
      heapOffers += heap.offers
    }
    // about 1,000 copies per location: a search that offered every copy at distance 0 would
    // average 1,000 offers; the heap's stops after its first full leaf or two
    XCTAssertLessThan(Double(heapOffers) / Double(n), 40, "heap: average offers per point \(Double(heapOffers) / Double(n)) sorted \(Double(sortedOffers) / Double(n))")
    XCTAssertLessThan(Double(sortedOffers) / Double(n), 400, "sorted: average offers per point, largest \(largest)")
  }
}
