import Foundation
import XCTest
@testable import ClusAlgorithms

/// Reference: Fixtures/hdbscan/*.json made by make_fixtures.py with the hdbscan library 0.8.x.
final class HDBSCANTests: XCTestCase {
  struct Fixture: Decodable {
    struct Params: Decodable {
      var min_cluster_size: Int
      var min_samples: Int?
      var cluster_selection_epsilon: Double?
      var cluster_selection_method: String?
      var allow_single_cluster: Bool?
      var alpha: Double?
      var metric: String?
      var max_cluster_size: Int?
      var cluster_selection_epsilon_max: Double?
      var cluster_selection_persistence: Double?
    }
    var name: String
    var params: Params
    var rows: Int
    var cols: Int
    var X: [Float]
    var labels: [Int]
    var probabilities: [Double]
    var outlier_scores: [Double?]
    var persistence: [Double]
  }

  static let fixtureNames = [
    "blobs_eom", "blobs_leaf", "blobs_ms3", "blobs_eps", "blobs_leaf_eps", "blobs_alpha",
    "blobs_manhattan", "blobs_cosine", "moons", "densities", "single_eom", "single_eps",
    "single_off", "duplicates", "blobs5d", "blobs20d", "identical", "identical_single",
    "fewer_than_mcs", "two_points", "min_samples_ge_n", "dup_groups_single", "blobs_ms40",
    "blobs20d_ms40", "blobs_cosine_alpha", "blobs5d_correlation", "single_leaf", "tiny_leaf",
    "blobs_eps_single", "moons_leaf_eps_single", "blobs_maxsize", "densities_maxsize", "blobs_epsmax",
    "densities_epsmax", "single_epsmax", "blobs_persistence", "densities_persistence", "moons_persistence_leaf",
  ]

  func load(_ name: String) throws -> Fixture {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/hdbscan/\(name).json")
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  func parameters(_ f: Fixture) throws -> HDBSCANParameters {
    let p = f.params
    var r = HDBSCANParameters(
      minClusterSize: p.min_cluster_size, minSamples: p.min_samples,
      clusterSelectionEpsilon: p.cluster_selection_epsilon ?? 0,
      clusterSelectionMethod: try HDBSCANParameters.selectionMethod(named: p.cluster_selection_method ?? "eom"),
      allowSingleCluster: p.allow_single_cluster ?? false, alpha: p.alpha ?? 1,
      metric: try Metric(name: p.metric ?? "euclidean"), approxMinSpanTree: false)
    r.maxClusterSize = p.max_cluster_size ?? 0
    r.clusterSelectionEpsilonMax = p.cluster_selection_epsilon_max ?? .infinity
    r.clusterSelectionPersistence = p.cluster_selection_persistence ?? 0
    return r
  }

  /// Number of points whose label differs after the best one-to-one renumbering (greedy on the
  /// contingency table; noise must map to noise).
  func labelMismatches(_ a: [Int], _ b: [Int]) -> Int {
    var counts = [Int: [Int: Int]]()
    for (x, y) in zip(a, b) { counts[x, default: [:]][y, default: 0] += 1 }
    var pairs = [(Int, Int, Int)]()
    for (x, row) in counts { for (y, c) in row { pairs.append((c, x, y)) } }
    pairs.sort { $0.0 != $1.0 ? $0.0 > $1.0 : ($0.1, $0.2) < ($1.1, $1.2) }
    var usedA = Set<Int>(), usedB = Set<Int>()
    var matched = 0
    for (c, x, y) in pairs where !usedA.contains(x) && !usedB.contains(y) {
      if (x == -1) != (y == -1) { continue }
      usedA.insert(x); usedB.insert(y); matched += c
    }
    return a.count - matched
  }

  func testMatchesReferenceLibrary() throws {
    for name in Self.fixtureNames {
      let f = try load(name)
      let x = Matrix(rows: f.rows, cols: f.cols, data: f.X)
      let r = try hdbscan(x, parameters: try parameters(f), context: RunContext(threads: 2))
      XCTAssertEqual(r.labels.count, f.rows)
      XCTAssertEqual(labelMismatches(r.labels, f.labels), 0, "\(name): labels differ")
      XCTAssertEqual(r.labels, f.labels, "\(name): label numbering differs")
      var worstP = 0.0, worstO = 0.0
      for i in 0..<f.rows {
        worstP = max(worstP, abs(r.probabilities[i] - f.probabilities[i]))
        // null = NaN in the library (λ_max = ∞ divided by itself); clus gives the limit 1
        let expected = f.outlier_scores[i] ?? 1
        worstO = max(worstO, abs(r.outlierScores[i] - expected))
        if abs(r.outlierScores[i] - expected) > 1e-5 || abs(r.probabilities[i] - f.probabilities[i]) > 1e-5 {
          print("DEBUG \(name) \(i) label \(r.labels[i]) vs \(f.labels[i]) prob \(r.probabilities[i]) vs \(f.probabilities[i]) out \(r.outlierScores[i]) vs \(expected)")
        }
      }
      XCTAssertLessThan(worstP, 1e-5, "\(name): probabilities")
      XCTAssertLessThan(worstO, 1e-5, "\(name): outlier scores")
      XCTAssertEqual(r.persistence.count, f.persistence.count, "\(name): cluster count")
      if r.persistence.count == f.persistence.count {
        for (a, b) in zip(r.persistence, f.persistence) {
          XCTAssertEqual(a, b, accuracy: 1e-5, "\(name): persistence")
        }
      }
    }
  }
}

extension HDBSCANTests {
  struct BoruvkaFixture: Decodable {
    struct Params: Decodable {
      var min_cluster_size: Int
      var min_samples: Int?
      var metric: String
      var p: Double?
    }
    var name: String
    var params: Params
    var rows: Int
    var cols: Int
    var X: [Double]
    var edges: [[Double]]
    var labels: [Int]
    var probabilities: [Double]
    var persistence: [Double]
  }

  /// The default tree (`approx_min_span_tree=True`) against the library's own
  /// `KDTreeBoruvkaAlgorithm.spanning_tree()` (Fixtures/hdbscan/make_boruvka_fixtures.py): the
  /// same edges in the same order and orientation with the same weights, and from them the
  /// same labels, probabilities and persistence. These data sets include rounds where the kept
  /// bounds make the library take an edge heavier than the minimum one.
  func testDefaultBoruvkaTree() throws {
    let names = ["blobs2d", "blobs2d_ms3", "moons", "blobs5d", "blobs20d", "blobs2d_manhattan",
                 "blobs2d_chebyshev", "blobs3d_minkowski", "blobs50d"]
    for name in names {
      let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/hdbscan/boruvka_\(name).json")
      let f = try JSONDecoder().decode(BoruvkaFixture.self, from: Data(contentsOf: url))
      let metric = try Metric(name: f.params.metric, p: f.params.p ?? 2)
      let ms = max(1, min(f.rows - 1, f.params.min_samples ?? f.params.min_cluster_size))
      let ctx = RunContext(threads: 2)
      let r: (edges: [HDBSCANEdge], core: [Double])
      switch metric {
      case .manhattan: r = try libraryBoruvkaMST(f.X, n: f.rows, d: f.cols, minSamples: ms, alpha: 1, metric: ManhattanKD(), p: 1, approximate: true, context: ctx)
      case .chebyshev: r = try libraryBoruvkaMST(f.X, n: f.rows, d: f.cols, minSamples: ms, alpha: 1, metric: ChebyshevKD(), p: .infinity, approximate: true, context: ctx)
      case .minkowski(let p): r = try libraryBoruvkaMST(f.X, n: f.rows, d: f.cols, minSamples: ms, alpha: 1, metric: MinkowskiKD(p: p), p: p, approximate: true, context: ctx)
      default: r = try libraryBoruvkaMST(f.X, n: f.rows, d: f.cols, minSamples: ms, alpha: 1, metric: EuclideanKD(), p: 2, approximate: true, context: ctx)
      }
      XCTAssertEqual(r.edges.count, f.edges.count, name)
      var firstDiff: Int? = nil
      for (i, (e, g)) in zip(r.edges, f.edges).enumerated() {
        if Int(e.a) != Int(g[0]) || Int(e.b) != Int(g[1]) || abs(e.weight - g[2]) > 1e-12 * max(1, g[2]) {
          firstDiff = i
          break
        }
      }
      XCTAssertNil(firstDiff, "\(name): edge \(firstDiff ?? -1) differs from the library's")
      let x = Matrix(rows: f.rows, cols: f.cols, data: f.X.map { Float($0) })
      let h = try hdbscan(x, parameters: HDBSCANParameters(
        minClusterSize: f.params.min_cluster_size, minSamples: f.params.min_samples, metric: metric), context: ctx)
      XCTAssertEqual(h.labels, f.labels, "\(name): labels")
      XCTAssertEqual(h.persistence.count, f.persistence.count, "\(name): clusters")
      for (a, b) in zip(h.persistence, f.persistence) { XCTAssertEqual(a, b, accuracy: 1e-9, "\(name): persistence") }
      for (a, b) in zip(h.probabilities, f.probabilities) { XCTAssertEqual(a, b, accuracy: 1e-9, "\(name): probabilities") }
    }
  }

  struct PredictFixture: Decodable {
    struct Params: Decodable { var min_cluster_size: Int; var min_samples: Int? }
    var name: String
    var params: Params
    var rows: Int, cols: Int, newRows: Int
    var X: [Double], Y: [Double]
    var fitLabels: [Int], labels: [Int]
    var probabilities: [Double]
    var clusters: Int
    var membership: [Double]
    var allPointsMembership: [Double]
  }

  /// The prediction fixture `name` (Fixtures/hdbscan/predict_<name>.json): the training rows x, the new
  /// rows y, the library's parameters and clus's fit of x with them.
  func fittedPredictFixture(_ name: String) throws
    -> (PredictFixture, Matrix, Matrix, HDBSCANParameters, HDBSCANResult)
  {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/hdbscan/predict_\(name).json")
    let f = try JSONDecoder().decode(PredictFixture.self, from: Data(contentsOf: url))
    let x = Matrix(rows: f.rows, cols: f.cols, data: f.X.map { Float($0) })
    let y = Matrix(rows: f.newRows, cols: f.cols, data: f.Y.map { Float($0) })
    let p = HDBSCANParameters(minClusterSize: f.params.min_cluster_size, minSamples: f.params.min_samples)
    return (f, x, y, p, try hdbscan(x, parameters: p, context: RunContext(threads: 2)))
  }

  /// Soft clustering against the library's `membership_vector` (new points) and
  /// `all_points_membership_vectors` (training points) on the prediction fixtures (made with a
  /// stable edge sort, so that the whole condensed tree is the deterministic one).
  func testSoftClustering() throws {
    for name in ["blobs2d", "moons", "blobs5d"] {
      let (f, x, y, p, fit) = try fittedPredictFixture(name)
      let mv = try hdbscanMembershipVectors(y, trainingData: x, result: fit, parameters: p)
      XCTAssertEqual(mv.cols, f.clusters, name)
      var worst = 0.0
      for (a, b) in zip(mv.data, f.membership) { worst = max(worst, abs(Double(a) - b)) }
      XCTAssertLessThan(worst, 1e-5, "\(name): membership_vector")
      let ap = try hdbscanAllPointsMembershipVectors(trainingData: x, result: fit, parameters: p)
      worst = 0
      for (a, b) in zip(ap.data, f.allPointsMembership) { worst = max(worst, abs(Double(a) - b)) }
      XCTAssertLessThan(worst, 1e-5, "\(name): all_points_membership_vectors")
    }
  }

  /// `hdbscanApproximatePredict` against the library's `approximate_predict`
  /// (Fixtures/hdbscan/make_predict_fixtures.py): same fit labels, then the same predicted labels
  /// and probabilities for new points, noise included.
  func testApproximatePredict() throws {
    for name in ["blobs2d", "moons", "blobs5d"] {
      let (f, x, y, p, fit) = try fittedPredictFixture(name)
      XCTAssertEqual(fit.labels, f.fitLabels, "\(name): fit")
      let r = try hdbscanApproximatePredict(y, trainingData: x, result: fit, parameters: p, context: RunContext(threads: 2))
      XCTAssertEqual(r.labels, f.labels, "\(name): predicted labels")
      for (a, b) in zip(r.probabilities, f.probabilities) { XCTAssertEqual(a, b, accuracy: 1e-9, "\(name): probabilities") }
    }
    // allow_single_cluster with the root as the only cluster: predicting the training points
    // follows the fit's rule (the same points are noise), and a far point is noise
    var r = RandomStream(seed: 4)
    let single = Matrix(rows: 200, cols: 2, data: (0..<400).map { i in Float(r.nextGaussian()) + (i / 2 < 100 ? 0 : 3) })
    let sp = HDBSCANParameters(minClusterSize: 20, allowSingleCluster: true)
    let sfit = try hdbscan(single, parameters: sp)
    XCTAssertEqual(Set(sfit.labels), [-1, 0])
    let again = try hdbscanApproximatePredict(single, trainingData: single, result: sfit, parameters: sp)
    XCTAssertEqual(again.labels.filter { $0 < 0 }.count, sfit.labels.filter { $0 < 0 }.count)
    let far = try hdbscanApproximatePredict(Matrix(rows: 1, cols: 2, data: [1000, 1000]), trainingData: single,
                                            result: sfit, parameters: sp)
    XCTAssertEqual(far.labels, [-1])
    // wrong column count: a clear error
    let x = Matrix(rows: 20, cols: 2, data: (0..<40).map { Float($0 % 7) })
    let fit = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 3))
    XCTAssertThrowsError(try hdbscanApproximatePredict(Matrix(rows: 1, cols: 3, data: [0, 0, 0]), trainingData: x,
                                                       result: fit, parameters: HDBSCANParameters(minClusterSize: 3)))
  }

  /// The permutation of libstdc++'s `std::nth_element`, which decides the order of points in
  /// scikit-learn's KD-tree nodes. [5, 1, 4, 2, 3, 0], nth = 3, by hand: the median of (1, 2, 0)
  /// goes to the front → [1, 5, 4, 2, 3, 0]; the partition swaps 5 and 0 and cuts at 2; in
  /// [4, 2, 3, 5] the median of (2, 3, 5) goes to the front → [3, 2, 4, 5], cut at index 4 > 3;
  /// the insertion sort of [3, 2] gives [1, 0, 2, 3, 4, 5] (also what g++ prints).
  /// The core distances kept as each point's k-th neighbour distance alone (issue 16: no n × k
  /// distance table) equal the k-th column of the full table, and the kept rows equal its rows,
  /// on the KD-tree path (2 and 5 columns, three metrics) and the GEMM path (12 columns).
  /// The radix order of spanning-tree edges equals a comparison sort by (weight, position): ties (many
  /// equal weights, 0 and −0, +∞), weights differing only in their last bits or only in their exponent.
  func testEdgeOrderByWeightEqualsComparisonSort() {
    var rng = SystemRandomNumberGenerator()
    var edges: [HDBSCANEdge] = []
    let pool: [Double] = [0, -0.0, .infinity, 1, 1.0000000000000002, 0.9999999999999999, 1e-300, 1e300, 2, 4, 0.5]
    for i in 0..<20_000 {
      let w: Double
      switch i % 4 {
      case 0: w = pool[Int.random(in: 0..<pool.count, using: &rng)]
      case 1: w = Double.random(in: 0..<10, using: &rng)
      case 2: w = Double(Int.random(in: 0..<50, using: &rng)) / 7
      default: w = Double(bitPattern: 0x3FF0_0000_0000_0000 | UInt64.random(in: 0..<16, using: &rng))
      }
      edges.append(HDBSCANEdge(a: Int32(i), b: Int32(i + 1), weight: w))
    }
    let expected = (0..<edges.count).sorted { edges[$0].weight != edges[$1].weight ? edges[$0].weight < edges[$1].weight : $0 < $1 }
    XCTAssertEqual(orderByWeight(edges).map { Int($0) }, expected)
    // in parts on several workers (a part from 2^18 edges on): the same order for any count
    var big: [HDBSCANEdge] = []
    for i in 0..<700_000 { big.append(HDBSCANEdge(a: 0, b: 1, weight: Double((i &* 7_919) % 1_000) / 8 + (i % 3 == 0 ? 1e-9 : 0))) }
    let bigExpected = (0..<big.count).sorted { big[$0].weight != big[$1].weight ? big[$0].weight < big[$1].weight : $0 < $1 }
    for t in [1, 2, 3] { XCTAssertEqual(orderByWeight(big, threads: t).map { Int($0) }, bigExpected, "threads \(t)") }
    // one weight for all: positions unchanged; empty and single
    XCTAssertEqual(orderByWeight([HDBSCANEdge](repeating: HDBSCANEdge(a: 0, b: 1, weight: 3), count: 5)), [0, 1, 2, 3, 4])
    XCTAssertEqual(orderByWeight([]), [])
    XCTAssertEqual(orderByWeight([HDBSCANEdge(a: 0, b: 1, weight: 2)]), [0])
  }

  /// The single-linkage tree's union-find over points (union by rank, labels per root) against the
  /// library's `UnionFind` over node ids, written out here: the same rows for random spanning trees.
  func testSingleLinkageTreeEqualsTheLibrarysUnionFind() {
    var rng = RandomStream(seed: 16, 2)
    for n in [2, 3, 17, 1_000, 20_000] {
      // a random spanning tree (each point joins an earlier one), weights with many ties
      var edges: [HDBSCANEdge] = []
      for i in 1..<n {
        let j = Int(rng.nextDouble() * Double(i))
        let w = Double(Int(rng.nextDouble() * 40)) / 8
        edges.append(i % 2 == 0 ? HDBSCANEdge(a: Int32(i), b: Int32(j), weight: w) : HDBSCANEdge(a: Int32(j), b: Int32(i), weight: w))
      }
      let got = singleLinkageTree(emitted: edges, n: n)
      let order = orderByWeight(edges).map { edges[Int($0)] }
      var parent = [Int](repeating: -1, count: 2 * n - 1)
      var size = [Int](repeating: 1, count: 2 * n - 1)
      func find(_ x0: Int) -> Int { var x = x0; while parent[x] != -1 { x = parent[x] }; return x }
      for (i, e) in order.enumerated() {
        let a = find(Int(e.a)), b = find(Int(e.b))
        XCTAssertEqual(Int(got.left[i]), a, "n=\(n) edge \(i)")
        XCTAssertEqual(Int(got.right[i]), b, "n=\(n) edge \(i)")
        XCTAssertEqual(got.distance[i], e.weight)
        size[n + i] = size[a] + size[b]
        XCTAssertEqual(Int(got.size[i]), size[n + i])
        parent[a] = n + i; parent[b] = n + i
      }
    }
  }

  /// The leaf scans' test of a point against a box from 16 columns (`euclideanBoxReaches`, which
  /// stops summing once a partial sum decides) answers as the full sum does:
  /// max(f · `EuclideanKD.boxRdist`, cp) ≥ cand, for points inside, beside and far from the box,
  /// limits at, just above and just below the distance, alpha factors 1 and not, every d from 16 to 64.
  func testBoxReachesAnswersAsTheFullSum() {
    var rng = RandomStream(seed: 12, 0xB0C6)
    var decided = (yes: 0, no: 0)
    for d in 16...64 {
      for trial in 0..<60 {
        let lo = (0..<d).map { _ in Double(rng.nextInt(9)) - 4 }
        let hi = lo.map { $0 + Double(rng.nextInt(3)) }
        // mostly inside the box in each column, now and then beyond it (the later columns too)
        let a = (0..<d).map { j -> Double in
          let k = rng.nextInt(10)
          return k < 7 ? lo[j] : (k < 9 ? hi[j] + Double(rng.nextInt(4)) * 0.75 : lo[j] - 1.5)
        }
        let f = trial % 3 == 0 ? 0.49 : 1.0
        let full = EuclideanKD().boxRdist(a, lo, hi, d)
        let scaled = f == 1 ? full : full * f
        for cand in [scaled, scaled.nextUp, scaled.nextDown, scaled * 0.3, scaled * 3 + 1, 0.0] {
          for cp in [0.0, cand, scaled * 2] {
            let want = max(scaled, cp) >= cand
            XCTAssertEqual(euclideanBoxReaches(a, lo, hi, d: d, f: f, cp, cand), want,
                           "d=\(d) trial \(trial) cand=\(cand) cp=\(cp) full=\(full)")
            if want { decided.yes += 1 } else { decided.no += 1 }
          }
        }
      }
    }
    XCTAssertGreaterThan(decided.yes, 5000)
    XCTAssertGreaterThan(decided.no, 5000)
  }

  /// The box distances of the default spanning tree's traversal from 16 columns
  /// (`euclideanBoxRdist2`: gaps as max(d1, d2, 0) from a C kernel, only the nonzero squares added)
  /// equal, bit for bit, the library's `kdtree_min_rdist_dual` written out: Σ over every coordinate,
  /// in order from 0, of (0.5 · ((d1 + |d1|) + (d2 + |d2|)))² — for boxes apart, touching, nested and
  /// overlapping in random columns, signed zeros, and magnitudes from 1e-300 to 1e300, with SSE2 and
  /// (where the CPU has it) AVX, for every d from 16 to 64.
  func testBoxGapKernelsEqualTheLibrarysBoxDistance() {
    var rng = RandomStream(seed: 11, 0xB0C5)
    func library(_ la: [Double], _ ha: [Double], _ lb: [Double], _ hb: [Double]) -> Double {
      var r = 0.0
      for j in 0..<la.count {
        let d1 = la[j] - hb[j], d2 = lb[j] - ha[j]
        let h = 0.5 * ((d1 + abs(d1)) + (d2 + abs(d2)))
        r += h * h
      }
      return r
    }
    let scales = [1.0, 1e-300, 1e300, 3.4e38, 0.37]
    var checked = 0, nonzero = 0
    for d in 16...64 {
      for trial in 0..<40 {
        let scale = scales[trial % scales.count]
        // a box per node: lo ≤ hi per column; many columns share corners or overlap (zero gaps)
        func box() -> ([Double], [Double]) {
          var lo = [Double](), hi = [Double]()
          for _ in 0..<d {
            let kind = rng.nextInt(6)
            let a = (Double(rng.nextInt(9)) - 4) * 0.25 * scale, w = Double(rng.nextInt(3)) * 0.5 * scale
            switch kind {
            case 0: lo.append(-0.0); hi.append(0.0)
            case 1: lo.append(a); hi.append(a)
            default: lo.append(a); hi.append(a + w)
            }
          }
          return (lo, hi)
        }
        let (la, ha) = box(), (l1, h1) = box(), (l2, h2) = box()
        let want = (library(la, ha, l1, h1), library(la, ha, l2, h2))
        nonzero += want.0 > 0 ? 1 : 0
        var scratch = [Double](repeating: .nan, count: 2 * d)
        for avx in Gemm.avx ? [false, true] : [false] {
          let got = euclideanBoxRdist2(la, ha, l1, h1, l2, h2, d: d, avx: avx, scratch: &scratch)
          XCTAssertEqual(got.0.bitPattern, want.0.bitPattern, "d=\(d) trial \(trial) avx=\(avx): \(got.0) against \(want.0)")
          XCTAssertEqual(got.1.bitPattern, want.1.bitPattern, "d=\(d) trial \(trial) avx=\(avx): \(got.1) against \(want.1)")
          checked += 1
        }
      }
    }
    XCTAssertGreaterThan(checked, 1900)
    XCTAssertGreaterThan(nonzero, 1000, "most pairs should be apart in some column")
  }

  /// The two-column euclidean metric gives EuclideanKD's reduced distances bit for bit.
  func testTwoColumnEuclideanEqualsTheGeneralOne() {
    var rng = RandomStream(seed: 16, 3)
    for _ in 0..<10_000 {
      let v = (0..<8).map { _ in (rng.nextDouble() - 0.5) * pow(10, Double(Int(rng.nextDouble() * 12)) - 6) }
      v.withUnsafeBufferPointer { p in
        let a = p.baseAddress!, b = a + 2, lo = a + 4, hi = a + 6
        XCTAssertEqual(EuclideanKD2().rdist(a, b, 2).bitPattern, EuclideanKD().rdist(a, b, 2).bitPattern)
        XCTAssertEqual(EuclideanKD2().boxRdist(a, lo, hi, 2).bitPattern, EuclideanKD().boxRdist(a, lo, hi, 2).bitPattern)
      }
    }
  }

  /// The Borůvka leaf scan of two euclidean columns (EuclideanKD2: rows packed with their core
  /// distance and component) takes the same edges, in the same order and with the same weights
  /// bit for bit, as the general scan (EuclideanKD over the same two columns): grid data with
  /// exact ties and duplicated points, alpha 1 and not, approximate and exact trees.
  func testTwoColumnBoruvkaScanTakesTheGeneralScansEdges() throws {
    var rng = RandomStream(seed: 16, 4)
    for n in [2, 3, 40, 3_000] {
      var x = [Double](repeating: 0, count: n * 2)
      for i in 0..<(2 * n) { x[i] = (rng.nextDouble() * 40).rounded() / 4 + Double(i % 3) }
      for i in 0..<min(n / 2, 30) { x[2 * (n - 1 - i)] = x[2 * i]; x[2 * (n - 1 - i) + 1] = x[2 * i + 1] }
      for (ms, alpha, approximate) in [(1, 1.0, true), (5, 1.0, true), (10, 0.7, true), (4, 1.3, false)] {
        let m = min(ms, n - 1)
        let ctx = RunContext(threads: 2)
        let packed = try libraryBoruvkaMST(x, n: n, d: 2, minSamples: m, alpha: alpha, metric: EuclideanKD2(), p: 2, approximate: approximate, context: ctx)
        let general = try libraryBoruvkaMST(x, n: n, d: 2, minSamples: m, alpha: alpha, metric: EuclideanKD(), p: 2, approximate: approximate, context: ctx)
        XCTAssertEqual(packed.edges.count, n - 1)
        XCTAssertEqual(packed.edges.map { [Int($0.a), Int($0.b)] }, general.edges.map { [Int($0.a), Int($0.b)] }, "n=\(n) ms=\(m) alpha=\(alpha)")
        XCTAssertEqual(packed.edges.map { $0.weight.bitPattern }, general.edges.map { $0.weight.bitPattern }, "n=\(n) ms=\(m) alpha=\(alpha)")
        XCTAssertEqual(packed.core.map(\.bitPattern), general.core.map(\.bitPattern))
      }
    }
  }

  /// HDBSCAN's clusters do not depend on the data's scale. Scaled by 2^-125 (exactly, in float32:
  /// the points stay normal numbers), the distances are near 1e-38, λ = 1/distance near 1e38 and
  /// the children's summed stabilities pass Float32's range: the library's float32 sums overflow
  /// (with them, 401 of these 2,000 points became noise); clus sums in double there, says so, and
  /// finds the clusters of the unscaled data.
  func testTinyDistancesGiveTheClustersOfTheUnscaledData() throws {
    final class Warnings: @unchecked Sendable { var list = [String]() }
    var rng = RandomStream(seed: 16, 5)
    let n = 2_000
    var v = [Float](repeating: 0, count: n * 2)
    for i in 0..<n {
      let c = Double(i % 4)
      v[2 * i] = Float(60 + 10 * c + rng.nextGaussian())
      v[2 * i + 1] = Float(60 + 10 * (3 - c) + rng.nextGaussian())
    }
    let scale = Float(sign: .plus, exponent: -125, significand: 1)
    let p = HDBSCANParameters(minClusterSize: 20)
    let plain = Warnings(), tiny = Warnings()
    let a = try hdbscan(Matrix(rows: n, cols: 2, data: v), parameters: p, context: RunContext(threads: 2, warn: { plain.list.append($0) }))
    let b = try hdbscan(Matrix(rows: n, cols: 2, data: v.map { $0 * scale }), parameters: p,
                        context: RunContext(threads: 2, warn: { tiny.list.append($0) }))
    XCTAssertEqual(Set(a.labels).subtracting([-1]).count, 4)
    XCTAssertEqual(a.labels.filter { $0 == -1 }.count, b.labels.filter { $0 == -1 }.count)
    XCTAssertEqual(a.labels, b.labels)
    XCTAssertEqual(plain.list, [])
    XCTAssertEqual(tiny.list.count, 1)
    XCTAssertTrue(tiny.list.first?.contains("exceed float32's range") ?? false, "\(tiny.list)")
  }

  func testKthDistanceCoreDistancesEqualTheFullTable() throws {
    var rng = RandomStream(seed: 16, 1)
    for (n, d) in [(700, 2), (500, 5), (400, 12)] {
      var x = [Double](repeating: 0, count: n * d)
      for i in 0..<(n * d) { x[i] = Double(Float(rng.nextGaussian() * 3 + Double(i % 7))) }
      for i in 0..<20 { for j in 0..<d { x[(n - 1 - i) * d + j] = x[i * d + j] } }  // exact ties
      let k = 11
      func check<M: KDMetric>(_ metric: M, _ name: String) throws {
        let compact = try sortedSelfKNN(x, n: n, d: d, k: k, metric: metric, context: RunContext(threads: 2))
        let full = try kdCrossKNN(data: x, n: n, d: d, queries: x, m: n, k: k, metric: metric, context: RunContext(threads: 1))
        XCTAssertEqual(compact.kth.count, n)
        XCTAssertEqual(compact.indices.count, n * k)
        for i in 0..<n {
          XCTAssertEqual(compact.kth[i], full.rdist[i * k + k - 1], "\(name) d=\(d) point \(i)")
          // the same neighbours up to ties: the GEMM path may keep another of two equally far rows
          x.withUnsafeBufferPointer { xp in
            let X = xp.baseAddress!
            for t in 0..<k {
              let q = Int(compact.indices[i * k + t])
              XCTAssertEqual(metric.rdist(X + i * d, X + q * d, d), full.rdist[i * k + t], "\(name) d=\(d) point \(i) #\(t)")
              if d < 10 { XCTAssertEqual(q, full.indices[i * k + t], "\(name) d=\(d) point \(i) #\(t)") }
            }
          }
        }
      }
      try check(EuclideanKD(), "euclidean")
      if d < 10 {
        try check(ManhattanKD(), "manhattan")
        try check(ChebyshevKD(), "chebyshev")
      }
    }
  }

  func testNthElementPermutation() {
    var a = [5, 1, 4, 2, 3, 0]
    a.withUnsafeMutableBufferPointer { p in stdNthElement(p.baseAddress!, 3, 6) { $0 < $1 } }
    XCTAssertEqual(a, [1, 0, 2, 3, 4, 5])
    // 40 values with repeats, nth = 17; expected: g++ 12 / libstdc++ std::nth_element output
    var b = [36, 56, 85, 98, 95, 45, 9, 90, 10, 29, 52, 27, 58, 87, 75, 68, 1, 80, 61, 64, 59, 65, 71, 96, 49, 64,
             80, 44, 29, 14, 43, 50, 44, 51, 34, 50, 91, 51, 66, 79]
    b.withUnsafeMutableBufferPointer { p in stdNthElement(p.baseAddress!, 17, 40) { $0 < $1 } }
    XCTAssertEqual(b, [49, 36, 44, 29, 34, 45, 9, 14, 10, 29, 1, 27, 43, 44, 50, 50, 51, 51, 58, 52, 56, 59, 71, 96,
                       65, 64, 80, 64, 61, 80, 68, 75, 87, 90, 95, 98, 91, 85, 66, 79])
  }

  /// Arrays large enough for the block partition: (value, original index) pairs ordered by value
  /// alone, so that the place of every equal value shows. Expected: g++ 12.2 / libstdc++
  /// `std::nth_element` on the same pairs (values from the same 64-bit LCG, Knuth's MMIX
  /// constants, value = (state >> 33) % range, then nth = (state >> 33) % n), as FNV-1a hashes of
  /// the original indices in their final order.
  func testNthElementPermutationOfLargeArraysWithTies() {
    var state: UInt64 = 12345
    func next() -> UInt64 {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return state >> 33
    }
    let expected: [UInt64] = [10551462718566879259, 7119711070661081731, 7805779721814971189,
                              4420224663245326035, 6128982753470255133, 17666519672040421615]
    var c = 0
    for n in [1000, 5000, 100000] {
      for range in [50, 1000000] as [UInt64] {
        let a = (0..<n).map { i in (value: Int64(next() % range), index: i) }
        let nth = Int(next() % UInt64(n))
        for blocks in [true, false] {
          var b = a
          b.withUnsafeMutableBufferPointer { p in stdNthElement(p.baseAddress!, nth, n, blocks: blocks) { $0.value < $1.value } }
          var h: UInt64 = 1469598103934665603
          for v in b { h ^= UInt64(v.index); h = h &* 1099511628211 }
          XCTAssertEqual(h, expected[c], "n=\(n) range=\(range) nth=\(nth) blocks=\(blocks)")
        }
        c += 1
      }
    }
  }

  /// The block partition makes the same swaps as the element-by-element one: sizes around the
  /// blocks' threshold (4 × 64), every nth of some, few distinct values (long runs of ties),
  /// sorted and reversed input.
  func testNthElementBlocksEqualOneByOne() {
    var rng = RandomStream(seed: 7)
    for n in [3, 100, 255, 256, 257, 258, 259, 300, 511, 512, 513, 640, 1023, 1024, 1300, 4096, 20000] {
      for kind in 0..<4 {
        let a: [Int] = (0..<n).map { i in
          switch kind {
          case 0: return Int(rng.next() % 3)
          case 1: return Int(rng.next() % UInt64(n))
          case 2: return i
          default: return n - i
          }
        }
        let nths = n <= 1024 ? Array(stride(from: 0, to: n, by: max(1, n / 97))) : [0, n / 3, n / 2, n - 1]
        for nth in nths {
          var x = a.enumerated().map { ($0.element, $0.offset) }, y = x
          x.withUnsafeMutableBufferPointer { p in stdNthElement(p.baseAddress!, nth, n, blocks: true) { $0.0 < $1.0 } }
          y.withUnsafeMutableBufferPointer { p in stdNthElement(p.baseAddress!, nth, n, blocks: false) { $0.0 < $1.0 } }
          XCTAssertEqual(x.map { $0.1 }, y.map { $0.1 }, "n=\(n) kind=\(kind) nth=\(nth)")
        }
      }
    }
  }

  /// The Borůvka's KD-tree checked node by node against its definition, for 1, 2 and 3 threads
  /// (150,000 points: the top levels' passes are cut among the workers) in two columns (the
  /// gather's own loop) and three, with many equal coordinates: every node's box is the min and
  /// max of its points, its radius half the box's diagonal, a split node's points are the lower
  /// and upper halves by (coordinate, row) on the dimension of largest spread, the rows left in
  /// tree order are the input's, and the trees are the same for every thread count.
  func testBoruvkaKDTreeNodesAndThreads() {
    var rng = RandomStream(seed: 11)
    let n = 150_000
    for d in [2, 3] {
      let x = (0..<(n * d)).map { _ in Double(Int(rng.next() % 2000)) / 8 }
      var trees: [(HeapKDTree, [Double])] = []
      for threads in [1, 2, 3] {
        let rows = UnsafeMutablePointer<Double>.allocate(capacity: n * d)
        defer { rows.deallocate() }
        let t = HeapKDTree({ dst in x.withUnsafeBufferPointer { dst.initialize(from: $0.baseAddress!, count: n * d) } },
                           n: n, d: d, leafSize: 13, p: 2, threads: threads, rows: rows)
        trees.append((t, Array(UnsafeBufferPointer(start: rows, count: n * d))))
      }
      let (t, rows) = trees[0]
      XCTAssertEqual(Set(t.idx).count, n)
      for u in 0..<n { for j in 0..<d where rows[u * d + j] != x[t.idx[u] * d + j] { XCTFail("d=\(d): row \(u)"); return } }
      for v in 0..<t.nNodes {
        var lo = [Double](repeating: .infinity, count: d), hi = [Double](repeating: -.infinity, count: d)
        for u in t.start[v]..<t.end[v] { for j in 0..<d { lo[j] = min(lo[j], x[t.idx[u] * d + j]); hi[j] = max(hi[j], x[t.idx[u] * d + j]) } }
        XCTAssertEqual(Array(t.lo[(v * d)..<((v + 1) * d)]), lo, "d=\(d) node \(v)")
        XCTAssertEqual(Array(t.hi[(v * d)..<((v + 1) * d)]), hi, "d=\(d) node \(v)")
        var r2 = 0.0
        for j in 0..<d { let half = 0.5 * (hi[j] - lo[j]); r2 += half * half }
        let r = r2.squareRoot()
        XCTAssertEqual(t.radius[v], r, accuracy: 1e-12 * max(1, r))
        if t.isLeaf[v] { continue }
        var dim = 0
        for j in 0..<d where hi[j] - lo[j] > hi[dim] - lo[dim] { dim = j }
        let key = { (u: Int) in (x[t.idx[u] * d + dim], t.idx[u]) }
        let left = (t.start[2 * v + 1]..<t.end[2 * v + 1]).map(key).max { $0 < $1 }!
        let right = (t.start[2 * v + 2]..<t.end[2 * v + 2]).map(key).min { $0 < $1 }!
        XCTAssertTrue(left < right, "d=\(d) node \(v): halves by (coordinate, row)")
        XCTAssertEqual(t.end[2 * v + 1] - t.start[2 * v + 1], (t.end[v] - t.start[v]) / 2)
      }
      for (o, orows) in trees.dropFirst() {
        XCTAssertEqual(o.idx, t.idx); XCTAssertEqual(o.lo, t.lo); XCTAssertEqual(o.hi, t.hi)
        XCTAssertEqual(o.radius, t.radius); XCTAssertEqual(o.isLeaf, t.isLeaf); XCTAssertEqual(orows, rows)
      }
    }
  }

  /// Two groups on a line, {0, 1, 2} and {10, 11, 12}, min_cluster_size 2, min_samples 1: every
  /// core distance is 1, the groups join at distance 8. By hand: the root splits at λ = 1/8 into
  /// two clusters of 3 whose points all leave at λ = 1; stability (1 − 1/8)·3 = 2.625 each against
  /// 0.75 for the root, so EOM keeps both; probability 1, GLOSH 0, persistence 2.625/3 = 0.875.
  func testHandCheckedLine() throws {
    let x = Matrix(rows: 6, cols: 1, data: [0, 1, 2, 10, 11, 12])
    let p = HDBSCANParameters(minClusterSize: 2, minSamples: 1)
    let r = try hdbscan(x, parameters: p, context: RunContext(threads: 1))
    XCTAssertEqual(r.labels, [0, 0, 0, 1, 1, 1])
    XCTAssertEqual(r.probabilities, [1, 1, 1, 1, 1, 1])
    XCTAssertEqual(r.outlierScores, [0, 0, 0, 0, 0, 0])
    XCTAssertEqual(r.persistence.count, 2)
    for v in r.persistence { XCTAssertEqual(v, 0.875, accuracy: 1e-12) }
    XCTAssertEqual(r.coreDistances, [1, 1, 1, 1, 1, 1])
    XCTAssertEqual(r.condensedTree.first, CondensedTreeRow(parent: 6, child: 7, lambda: 0.125, childSize: 3))
    XCTAssertEqual(r.condensedTree.count, 2 + 6)
    // leaf selection gives the same two clusters; with epsilon 10 > 8 they merge: the walk up
    // reaches the root, which only allow_single_cluster may select
    var leaf = p
    leaf.clusterSelectionMethod = .leaf
    XCTAssertEqual(try hdbscan(x, parameters: leaf).labels, [0, 0, 0, 1, 1, 1])
    var eps = p
    eps.clusterSelectionEpsilon = 10
    XCTAssertEqual(try hdbscan(x, parameters: eps).labels, [0, 0, 0, 1, 1, 1])
    eps.allowSingleCluster = true
    XCTAssertEqual(try hdbscan(x, parameters: eps).labels, [0, 0, 0, 0, 0, 0])
  }

  /// Groups {0, 1, 2} and {5, 6, 7} join at distance 3; the point 20 (core distance 13 with
  /// min_samples 1) leaves the root at λ = 1/13. Stabilities: 2 per group against
  /// 1/13 + 6/3 for the root, so both groups are kept; 20 is noise with GLOSH (1 − 1/13)/1.
  func testHandCheckedNoisePoint() throws {
    let x = Matrix(rows: 7, cols: 1, data: [0, 1, 2, 20, 5, 6, 7])
    let r = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 3, minSamples: 1))
    XCTAssertEqual(r.labels, [0, 0, 0, -1, 1, 1, 1])
    XCTAssertEqual(r.probabilities[3], 0)
    XCTAssertEqual(r.outlierScores[3], 12.0 / 13.0, accuracy: 1e-12)
    XCTAssertEqual(r.coreDistances[3], 13)
    XCTAssertEqual(r.persistence, [2.0 / 3.0, 2.0 / 3.0])
  }

  func testOnePointAndInvalidInput() throws {
    // one point: refused, as the library refuses it (no other point for a core distance)
    XCTAssertThrowsError(try hdbscan(Matrix(rows: 1, cols: 3, data: [1, 2, 3]), parameters: HDBSCANParameters())) { e in
      guard case .invalidInput(let m) = e as? AlgorithmError else { return XCTFail("\(e)") }
      XCTAssertTrue(m.contains("at least 2 points"), m)
    }
    XCTAssertThrowsError(try hdbscan(Matrix(rows: 0, cols: 2), parameters: HDBSCANParameters()))
    let nan = Matrix(rows: 3, cols: 1, data: [0, .nan, 1])
    XCTAssertThrowsError(try hdbscan(nan, parameters: HDBSCANParameters())) { e in
      guard case .invalidInput = e as? AlgorithmError else { return XCTFail("\(e)") }
    }
    let inf = Matrix(rows: 3, cols: 1, data: [0, .infinity, 1])
    XCTAssertThrowsError(try hdbscan(inf, parameters: HDBSCANParameters()))
    let x = Matrix(rows: 3, cols: 1, data: [0, 1, 2])
    let bad: [(HDBSCANParameters, String)] = [
      (HDBSCANParameters(minClusterSize: 1), "min_cluster_size"),
      (HDBSCANParameters(minSamples: 0), "min_samples"),
      (HDBSCANParameters(clusterSelectionEpsilon: -1), "cluster_selection_epsilon"),
      (HDBSCANParameters(clusterSelectionEpsilon: .nan), "cluster_selection_epsilon"),
      (HDBSCANParameters(alpha: 0), "alpha"),
      (HDBSCANParameters(alpha: -2), "alpha"),
      ({ var p = HDBSCANParameters(clusterSelectionEpsilon: 1); p.clusterSelectionEpsilonMax = 0.5; return p }(),
       "cluster_selection_epsilon_max"),
      ({ var p = HDBSCANParameters(); p.maxClusterSize = -1; return p }(), "max_cluster_size"),
    ]
    for (p, name) in bad {
      XCTAssertThrowsError(try hdbscan(x, parameters: p)) { e in
        guard case .invalidParameter(let n, _, _) = e as? AlgorithmError else { return XCTFail("\(e)") }
        XCTAssertEqual(n, name)
      }
    }
    XCTAssertThrowsError(try HDBSCANParameters.selectionMethod(named: "mean"))
    XCTAssertEqual(try HDBSCANParameters.selectionMethod(named: "LEAF"), .leaf)
  }

  func randomData(_ n: Int, _ d: Int, seed: UInt64, duplicates: Bool = false) -> Matrix {
    var r = RandomStream(seed: seed)
    var data = [Float](repeating: 0, count: n * d)
    for i in 0..<n {
      let c = Double(r.nextInt(4)) * 3
      for j in 0..<d { data[i * d + j] = Float(c + r.nextGaussian()) }
      if duplicates && i > 0 && r.nextInt(4) == 0 {
        let src = r.nextInt(i)
        for j in 0..<d { data[i * d + j] = data[src * d + j] }
      }
    }
    return Matrix(rows: n, cols: d, data: data)
  }

  /// The KD-tree / GEMM Borůvka tree has the same total weight as brute-force Prim (an MST is
  /// unique in weight), and the clustering does not depend on the thread count.
  func testSpanningTreeIsMinimalAndDeterministic() throws {
    for (n, d, dup) in [(700, 2, false), (600, 3, true), (400, 24, false), (300, 20, true)] {
      let x = randomData(n, d, seed: UInt64(n + d), duplicates: dup)
      for (ms, alpha) in [(5, 1.0), (1, 1.0), (9, 1.7)] {
        let (kd, _, coreA) = try mutualReachabilityMST(x, minSamples: ms, alpha: alpha, metric: .euclidean,
                                                       context: RunContext(threads: 2))
        let (prim, coreB) = try primMST(x, minSamples: ms, alpha: alpha, metric: .euclidean, context: RunContext(threads: 1))
        XCTAssertEqual(kd.count, n - 1)
        let wa = kd.reduce(0) { $0 + $1.weight }, wb = prim.reduce(0) { $0 + $1.weight }
        XCTAssertEqual(wa, wb, accuracy: 1e-9 * max(1, wb), "n=\(n) d=\(d) ms=\(ms)")
        for i in 0..<n { XCTAssertEqual(coreA[i], coreB[i], accuracy: 1e-12) }
      }
      let p = HDBSCANParameters(minClusterSize: 8)
      let r1 = try hdbscan(x, parameters: p, context: RunContext(threads: 1))
      let r3 = try hdbscan(x, parameters: p, context: RunContext(threads: 3))
      XCTAssertEqual(r1, r3)
    }
    let m = randomData(300, 3, seed: 5)
    let shifted = Matrix(rows: m.rows, cols: m.cols, data: m.data.map { $0 + 4 })
    for (metric, alpha) in [(Metric.cosine, 1.0), (.cosine, 1.6), (.correlation, 1.0)] {
      let (kd, _, coreA) = try mutualReachabilityMST(shifted, minSamples: 4, alpha: alpha, metric: metric, context: RunContext())
      let (prim, coreB) = try primMST(shifted, minSamples: 4, alpha: alpha, metric: metric, context: RunContext())
      XCTAssertEqual(kd.reduce(0) { $0 + $1.weight }, prim.reduce(0) { $0 + $1.weight }, accuracy: 1e-9, "\(metric)")
      for i in 0..<m.rows { XCTAssertEqual(coreA[i], coreB[i], accuracy: 1e-9) }
    }
    for metric in [Metric.manhattan, .chebyshev, .minkowski(p: 3)] {
      let (kd, _, _) = try mutualReachabilityMST(m, minSamples: 4, alpha: 1, metric: metric, context: RunContext())
      let (prim, _) = try primMST(m, minSamples: 4, alpha: 1, metric: metric, context: RunContext())
      XCTAssertEqual(kd.reduce(0) { $0 + $1.weight }, prim.reduce(0) { $0 + $1.weight }, accuracy: 1e-9, "\(metric)")
    }
  }

  /// Huge coordinates overflow the Float32 GEMM values; the exact fallback still gives the answer
  /// of the scaled-down data (mutual reachability scales linearly, so labels are unchanged).
  func testHugeCoordinatesInHighDimension() throws {
    let x = randomData(120, 20, seed: 9)
    var big = x
    for i in 0..<big.data.count { big.data[i] *= 1e30 }
    let p = HDBSCANParameters(minClusterSize: 6)
    let a = try hdbscan(x, parameters: p), b = try hdbscan(big, parameters: p)
    XCTAssertEqual(a.labels, b.labels)
    for (u, v) in zip(a.coreDistances, b.coreDistances) { XCTAssertEqual(v / 1e30, u, accuracy: 1e-6 * max(u, 1)) }
  }

  /// Many exact duplicates (core distance 0, λ = ∞) on a larger input: finishes, no NaN.
  func testManyDuplicates() throws {
    var r = RandomStream(seed: 3)
    var data = [Float]()
    for _ in 0..<6000 { let c = r.nextInt(40); data.append(Float(c % 8)); data.append(Float(c / 8)) }
    let x = Matrix(rows: 6000, cols: 2, data: data)
    let res = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 20))
    XCTAssertFalse(res.probabilities.contains { $0.isNaN })
    XCTAssertFalse(res.outlierScores.contains { $0.isNaN })
    XCTAssertFalse(res.persistence.contains { $0.isNaN })
    // 40 sites of ~150 identical points: every site is a cluster
    XCTAssertEqual(Set(res.labels).count, 40)
  }

  /// Tiny and duplicate inputs in the GEMM path (≥ 10 dimensions) give the low-dimension answers.
  func testDegenerateHighDimension() throws {
    for n in [2, 3, 7] {
      let x = randomData(n, 12, seed: UInt64(n))
      let r = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 2, minSamples: 1))
      XCTAssertEqual(r.labels.count, n)
      XCTAssertFalse(r.outlierScores.contains { $0.isNaN })
    }
    let same = Matrix(rows: 30, cols: 12, repeating: 1)
    let a = try hdbscan(same, parameters: HDBSCANParameters(allowSingleCluster: true))
    XCTAssertEqual(a.labels, [Int](repeating: 0, count: 30))
    XCTAssertEqual(a.coreDistances, [Double](repeating: 0, count: 30))
    // 12-d rows built from 2-d ones padded with zeros: same clustering as the 2-d data
    let low = randomData(200, 2, seed: 4, duplicates: true)
    var pad = [Float]()
    for i in 0..<200 { pad.append(low[i, 0]); pad.append(low[i, 1]); pad.append(contentsOf: [Float](repeating: 0, count: 10)) }
    let p = HDBSCANParameters(minClusterSize: 6)
    let r2 = try hdbscan(low, parameters: p), r12 = try hdbscan(Matrix(rows: 200, cols: 12, data: pad), parameters: p)
    XCTAssertEqual(r2.labels, r12.labels)
    for (u, v) in zip(r2.outlierScores, r12.outlierScores) { XCTAssertEqual(u, v, accuracy: 1e-9) }
    // heavy duplication (150 sites × 20 copies): tied distances beyond the core distance
    let sites = randomData(150, 2, seed: 8)
    var d2 = [Float](), d12 = [Float]()
    for _ in 0..<20 {
      for i in 0..<150 {
        d2.append(sites[i, 0]); d2.append(sites[i, 1])
        d12.append(sites[i, 0]); d12.append(sites[i, 1]); d12.append(contentsOf: [Float](repeating: 0, count: 10))
      }
    }
    let q = HDBSCANParameters(minClusterSize: 30, minSamples: 8)
    let s2 = try hdbscan(Matrix(rows: 3000, cols: 2, data: d2), parameters: q)
    let s12 = try hdbscan(Matrix(rows: 3000, cols: 12, data: d12), parameters: q, context: RunContext(threads: 3))
    XCTAssertEqual(s2.labels, s12.labels)
    XCTAssertEqual(s2.coreDistances, s12.coreDistances)
  }

  func testCancellation() {
    let token = CancellationToken()
    token.cancel()
    XCTAssertThrowsError(try hdbscan(randomData(500, 2, seed: 1), parameters: HDBSCANParameters(),
                                     context: RunContext(cancellation: token))) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
  }
}

/// Prints the duration of each phase (benchmarks only).
final class PhaseTimer: ProgressSink, @unchecked Sendable {
  var label = ""
  var t0 = Date()
  func begin(_ label: String, total: Int) { self.label = label; t0 = Date() }
  func update(_ done: Int) {}
  func end() { print(String(format: "BENCH   phase %@: %.3f s", label, Date().timeIntervalSince(t0))) }
}

/// Timings (run with CLUS_BENCH=1, in release: `swift test -c release --filter HDBSCANBench`).
final class HDBSCANBench: XCTestCase {
  func blobs(_ n: Int, seed: UInt64) -> Matrix {
    var r = RandomStream(seed: seed)
    var data = [Float](repeating: 0, count: 2 * n)
    let centers: [(Double, Double, Double)] = [(0, 0, 1), (8, 3, 0.5), (-5, 7, 1.5), (4, -6, 0.8), (10, 10, 2)]
    for i in 0..<n {
      if i % 20 == 0 {
        data[2 * i] = Float(r.nextDouble() * 30 - 10); data[2 * i + 1] = Float(r.nextDouble() * 30 - 10)
      } else {
        let c = centers[r.nextInt(centers.count)]
        data[2 * i] = Float(c.0 + c.2 * r.nextGaussian()); data[2 * i + 1] = Float(c.1 + c.2 * r.nextGaussian())
      }
    }
    return Matrix(rows: n, cols: 2, data: data)
  }

  func time(_ label: String, _ body: () throws -> HDBSCANResult) rethrows -> HDBSCANResult {
    var times = [Double]()
    var result: HDBSCANResult?
    let reps = Int(ProcessInfo.processInfo.environment["CLUS_BENCH_REPS"] ?? "3") ?? 3
    for _ in 0..<reps {
      let t0 = Date()
      result = try body()
      times.append(Date().timeIntervalSince(t0))
    }
    times.sort()
    let r = result!
    print(String(format: "BENCH %@: median %.3f s (min %.3f) clusters %d noise %d", label, times[times.count / 2], times[0],
                 (r.labels.max() ?? -1) + 1, r.labels.filter { $0 < 0 }.count))
    return r
  }

  func testBench() throws {
    let env = ProcessInfo.processInfo.environment
    guard env["CLUS_BENCH"] == "1" else { throw XCTSkip("set CLUS_BENCH=1") }
    let threads = Int(env["CLUS_BENCH_THREADS"] ?? "2") ?? 2
    let ctx = RunContext(threads: threads, progress: env["CLUS_BENCH_PHASES"] == "1" ? PhaseTimer() : SilentProgress.shared)
    let which = env["CLUS_BENCH_ONLY"] ?? "70k,1m,mnist"
    if which.contains("70k") {
      let x = blobs(70_000, seed: 1)
      _ = try time("70k x 2 blobs mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
    }
    if which.contains("1m") {
      let x = blobs(1_000_000, seed: 2)
      _ = try time("1M x 2 blobs mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
    }
    if let dims = env["CLUS_BENCH_DIMS"] {
      for d in dims.split(separator: ",").compactMap({ Int($0) }) {
        var r = RandomStream(seed: UInt64(d))
        let n = 70_000
        var data = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
          let c = r.nextInt(10)
          for j in 0..<d { data[i * d + j] = Float(Double((c * 7 + j) % 10) + 0.8 * r.nextGaussian()) }
        }
        let x = Matrix(rows: n, cols: d, data: data)
        _ = try time("70k x \(d) blobs mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
      }
    }
    if which.contains("mnist10k"), let raw = FileManager.default.contents(atPath: "/tmp/mnist_pca50.f32"),
       let lraw = FileManager.default.contents(atPath: "/tmp/hdb/mnist10k_mcs15_labels.i32"),
       let praw = FileManager.default.contents(atPath: "/tmp/hdb/mnist10k_mcs15_probs.f64"),
       let sraw = FileManager.default.contents(atPath: "/tmp/hdb/mnist10k_mcs15_scores.f64") {
      let data = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      let x = Matrix(rows: 10_000, cols: 50, data: Array(data[0..<(10_000 * 50)]))
      let r = try time("MNIST PCA-50 first 10k mcs=15") { try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 15), context: ctx) }
      let ref = lraw.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }.map { Int($0) }
      let probs = praw.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
      let scores = sraw.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
      let same = zip(ref, r.labels).filter { $0 == $1 }.count
      let dp = zip(probs, r.probabilities).map { abs($0 - $1) }.max() ?? 0
      let ds = zip(scores, r.outlierScores).map { abs($0 - $1) }.max() ?? 0
      print("BENCH MNIST 10k vs library (prims_kdtree, stable sort): identical labels \(same) / 10000, max |Δprob| \(dp), max |Δscore| \(ds)")
    }
    if which.contains("mnist,") || which.hasSuffix("mnist"), let raw = FileManager.default.contents(atPath: "/tmp/mnist_pca50.f32") {
      let data = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      let x = Matrix(rows: data.count / 50, cols: 50, data: data)
      let r = try time("MNIST PCA-50 70k mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
      let out = r.labels.map { Int32($0) }
      let outPath = "/tmp/clus_mnist_pca50_labels_t\(threads).i32"
      out.withUnsafeBytes { try? Data($0).write(to: URL(fileURLWithPath: outPath)) }
      if let lraw = FileManager.default.contents(atPath: "/tmp/hdb/mnist_exact_labels.i32") {
        let ref = lraw.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }.map { Int($0) }
        let same = zip(ref, r.labels).filter { $0 == $1 }.count
        print("BENCH MNIST labels identical to the library's exact-MST run: \(same) / \(ref.count); library clusters \((ref.max() ?? -1) + 1) noise \(ref.filter { $0 < 0 }.count)")
      }
      if let lraw = FileManager.default.contents(atPath: "/tmp/hdb/mnist_mcs5_labels.i32") {
        let ref = lraw.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }.map { Int($0) }
        let same = zip(ref, r.labels).filter { $0 == $1 }.count
        print("BENCH MNIST labels identical to the library's default run: \(same) / \(ref.count); library clusters \((ref.max() ?? -1) + 1) noise \(ref.filter { $0 < 0 }.count)")
      }
    }
  }

  /// min_samples beyond the other points: the library lowers it to n − 1 silently (hdbscan 0.8.44,
  /// every algorithm); clus does the same and says so (8 points on a line, min_samples=9: one warning
  /// naming both figures).
  func testMinSamplesBeyondTheDataIsWarned() throws {
    let x = Matrix(rows: 8, cols: 1, data: (0..<8).map { Float($0) })
    let seen = Locked<[String]>([])
    var ctx = RunContext()
    ctx.warn = { m in seen.withLock { $0.append(m) } }
    _ = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 2, minSamples: 9), context: ctx)
    XCTAssertEqual(seen.withLock { $0 }.count, 1)
    XCTAssertTrue(seen.withLock { $0 }.first?.hasPrefix("min_samples=9 is more than the other points (7): using 7") ?? false)
    _ = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 2, minSamples: 7), context: ctx)
    XCTAssertEqual(seen.withLock { $0 }.count, 1)  // 7 is allowed: no second warning
    // unset min_samples takes min_cluster_size (10 here): lowered to 7 the same way, and said
    _ = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 10), context: ctx)
    XCTAssertEqual(seen.withLock { $0 }.count, 2)
    XCTAssertTrue(seen.withLock { $0 }.last?.hasPrefix("min_samples (unset: min_cluster_size=10) is more than the other points (7): using 7") ?? false)
  }
}
