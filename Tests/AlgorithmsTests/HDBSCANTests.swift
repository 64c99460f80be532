import Foundation
import XCTest
@testable import Algorithms

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
    "single_off", "duplicates", "blobs5d", "blobs20d",
  ]

  func load(_ name: String) throws -> Fixture {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/hdbscan/\(name).json")
    return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
  }

  func parameters(_ f: Fixture) throws -> HDBSCANParameters {
    let p = f.params
    return HDBSCANParameters(
      minClusterSize: p.min_cluster_size, minSamples: p.min_samples,
      clusterSelectionEpsilon: p.cluster_selection_epsilon ?? 0,
      clusterSelectionMethod: try HDBSCANParameters.selectionMethod(named: p.cluster_selection_method ?? "eom"),
      allowSingleCluster: p.allow_single_cluster ?? false, alpha: p.alpha ?? 1,
      metric: try Metric(name: p.metric ?? "euclidean"))
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
    let ctx = RunContext(threads: 2, progress: env["CLUS_BENCH_PHASES"] == "1" ? PhaseTimer() : SilentProgress.shared)
    let which = env["CLUS_BENCH_ONLY"] ?? "70k,1m,mnist"
    if which.contains("70k") {
      let x = blobs(70_000, seed: 1)
      _ = try time("70k x 2 blobs mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
    }
    if which.contains("1m") {
      let x = blobs(1_000_000, seed: 2)
      _ = try time("1M x 2 blobs mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
    }
    if which.contains("mnist"), let raw = FileManager.default.contents(atPath: "/tmp/mnist_pca50.f32") {
      let data = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      let x = Matrix(rows: data.count / 50, cols: 50, data: data)
      let r = try time("MNIST PCA-50 70k mcs=5") { try hdbscan(x, parameters: HDBSCANParameters(), context: ctx) }
      if let lraw = FileManager.default.contents(atPath: "/tmp/hdb/mnist_mcs5_labels.i32") {
        let ref = lraw.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }.map { Int($0) }
        let same = zip(ref, r.labels).filter { $0 == $1 }.count
        print("BENCH MNIST labels identical to the library's default run: \(same) / \(ref.count); library clusters \((ref.max() ?? -1) + 1) noise \(ref.filter { $0 < 0 }.count)")
      }
    }
  }
}
