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
