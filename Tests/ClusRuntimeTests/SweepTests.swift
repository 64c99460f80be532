import XCTest
import ClusAlgorithms
import ClusLang
@testable import ClusRuntime

/// `sweep`, `best`, `validity_index` and `relative_validity` through the language: each row of a
/// sweep equals the fit and scores of that setting run on its own (a fresh `hdbscan` or `umap` and
/// the score commands), the reused work is counted through the progress phases the algorithms
/// report, and bad input gets a clear error. The numbers themselves are checked against the
/// reference libraries in ClusAlgorithmsTests (DensityValidityTests, ValidityTests).
final class SweepTests: XCTestCase {
  /// Counts the phases that begin with each label.
  final class PhaseCounter: ProgressSink, @unchecked Sendable {
    private let counts = Locked([String: Int]())
    func begin(_ label: String, total: Int) { counts.withLock { $0[label, default: 0] += 1 } }
    func update(_ done: Int) {}
    func end() {}
    subscript(_ label: String) -> Int { counts.withLock { $0[label] ?? 0 } }
  }

  /// Three groups of 70 points in 2-D with a little structure inside each (a seeded pattern).
  private func blobs(_ c: Capture, rows: Int = 210) {
    var data = [Float]()
    var rng = RandomStream(seed: 11)
    for i in 0..<rows {
      let g = Float(i % 3)
      data += [g * 6 + Float(rng.nextGaussian()), (g == 1 ? 5 : 0) + Float(rng.nextGaussian())]
    }
    c.session.variables["x"] = .matrix(Matrix(rows: rows, cols: 2, data: data))
    c.session.variables["y"] = .labels((0..<rows).map { $0 % 3 })
  }

  private func column(_ c: Capture, _ table: String, _ name: String) -> Value? {
    guard case .record(let r)? = c.session.variables[table] else { return nil }
    return r[name]
  }

  func testEachRowIsThatSettingFittedAloneAndTreesAreShared() throws {
    let c = Capture(threads: 2)
    blobs(c)
    let counter = PhaseCounter()
    c.session.progress = counter
    XCTAssertTrue(c.run("s = sweep hdbscan x min_cluster_size=[5, 10, 20, 40] min_samples=[3, 8] y=y validity_index=true"), c.err)
    XCTAssertEqual(counter["hdbscan spanning tree"], 2, "one spanning tree per min_samples, not one per setting")
    guard case .labels(let sizes)? = column(c, "s", "min_cluster_size"), case .labels(let samples)? = column(c, "s", "min_samples"),
          case .labels(let k)? = column(c, "s", "n_clusters"), case .floats(let rv)? = column(c, "s", "relative_validity"),
          case .floats(let dbcv)? = column(c, "s", "validity_index"), case .floats(let ari)? = column(c, "s", "ari"),
          case .floats(let noise)? = column(c, "s", "noise_fraction") else {
      return XCTFail("columns: \(String(describing: c.session.variables["s"]))")
    }
    XCTAssertEqual(sizes, [5, 5, 10, 10, 20, 20, 40, 40])
    XCTAssertEqual(samples, [3, 8, 3, 8, 3, 8, 3, 8])
    for i in 0..<8 {
      XCTAssertTrue(c.run("""
        l = hdbscan x min_cluster_size=\(sizes[i]) min_samples=\(samples[i])
        r = relative_validity l
        v = validity_index x l
        a = score y l
        """), c.err)
      guard case .record(let l)? = c.session.variables["l"], case .labels(let labels)? = l["labels"],
            case .float(let r)? = c.session.variables["r"], case .float(let v)? = c.session.variables["v"],
            case .record(let a)? = c.session.variables["a"], case .float(let ariAlone)? = a["ari"] else { return XCTFail() }
      XCTAssertEqual(k[i], Set(labels.filter { $0 >= 0 }).count)
      XCTAssertEqual(noise[i], Double(labels.filter { $0 < 0 }.count) / 210)
      XCTAssertEqual(rv[i].bitPattern, r.bitPattern)
      XCTAssertEqual(dbcv[i].bitPattern, v.bitPattern)
      XCTAssertEqual(ari[i].bitPattern, ariAlone.bitPattern)
    }
    // best: the row with the highest relative validity (the first on ties)
    XCTAssertTrue(c.run("b = best s"), c.err)
    guard case .record(let b)? = c.session.variables["b"], case .float(let top)? = b["relative_validity"] else { return XCTFail() }
    XCTAssertEqual(top, rv.max())
    XCTAssertTrue(c.run("b = best s by=\"noise_fraction\""), c.err)
    guard case .record(let b2)? = c.session.variables["b"], case .float(let least)? = b2["noise_fraction"] else { return XCTFail() }
    XCTAssertEqual(least, noise.min())
  }

  func testAUMAPSweepSharesNeighboursAcrossLayoutSettingsAndMeasuresStability() throws {
    let c = Capture(threads: 2)
    blobs(c, rows: 4500)  // past 4,096 rows the neighbours come from NN-descent, a phase of its own
    let counter = PhaseCounter()
    c.session.progress = counter
    XCTAssertTrue(c.run("""
      s = sweep umap x min_dist=[0, 0.5] n_epochs=20 random_state=3 min_cluster_size=[50, 100] min_samples=10 seeds=2
      """), c.err)
    // two seeds, each one neighbour search for both min_dist values
    XCTAssertEqual(counter["nearest neighbours"], 2)
    XCTAssertEqual(counter["embedding epochs"], 4)
    XCTAssertEqual(counter["hdbscan spanning tree"], 4, "one tree per embedding, shared by both min_cluster_size (min_samples is fixed)")
    guard case .floats(let md)? = column(c, "s", "min_dist"), case .labels(let mcs)? = column(c, "s", "min_cluster_size"),
          case .labels(let k)? = column(c, "s", "n_clusters"), case .floats(let stability)? = column(c, "s", "stability") else {
      return XCTFail("\(String(describing: c.session.variables["s"]))")
    }
    XCTAssertEqual(md, [0, 0, 0.5, 0.5])
    XCTAssertEqual(mcs, [50, 100, 50, 100])
    // row 3 (min_dist 0.5, min_cluster_size 100) is that fit alone, with the first seed, and its
    // stability the ARI between the two seeds' labels
    XCTAssertTrue(c.run("""
      e3 = umap x min_dist=0.5 n_epochs=20 random_state=3
      e4 = umap x min_dist=0.5 n_epochs=20 random_state=4
      l3 = hdbscan e3 min_cluster_size=100 min_samples=10
      l4 = hdbscan e4 min_cluster_size=100 min_samples=10
      a = score l3 l4
      """), c.err)
    guard case .record(let l3)? = c.session.variables["l3"], case .labels(let labels)? = l3["labels"],
          case .record(let a)? = c.session.variables["a"], case .float(let ari)? = a["ari"] else { return XCTFail() }
    XCTAssertEqual(k[3], Set(labels.filter { $0 >= 0 }).count)
    XCTAssertEqual(stability[3].bitPattern, ari.bitPattern)
  }

  func testASweptRandomStateFitsEachRowWithItsOwnSeed() throws {
    // a fresh user's find: every row used the first seed while naming its own
    let c = Capture(threads: 2)
    blobs(c)
    XCTAssertTrue(c.run("s = sweep umap x n_neighbors=[5] n_epochs=30 min_cluster_size=10 random_state=[1, 2, 3]"), c.err)
    guard case .floats(let rv)? = column(c, "s", "relative_validity"), case .labels(let seeds)? = column(c, "s", "random_state") else {
      return XCTFail("\(String(describing: c.session.variables["s"]))")
    }
    XCTAssertEqual(seeds, [1, 2, 3])
    for (i, seed) in seeds.enumerated() {
      XCTAssertTrue(c.run("r = relative_validity (hdbscan (umap x n_neighbors=5 n_epochs=30 random_state=\(seed)) min_cluster_size=10)"), c.err)
      guard case .float(let alone)? = c.session.variables["r"] else { return XCTFail() }
      XCTAssertEqual(rv[i].bitPattern, alone.bitPattern, "random_state=\(seed)")
    }
  }

  func testBadSweepsAndScoresGetClearErrors() {
    let c = Capture()
    blobs(c)
    c.expectError("sweep hdbscan x min_cluster_sise=[5, 10]", "no parameter 'min_cluster_sise'; did you mean min_cluster_size")
    c.expectError("sweep hdbscan x min_cluster_size=[]", "the list of min_cluster_size values is empty")
    c.expectError("sweep hdbscan x min_cluster_size=[5, 1]", "min_cluster_size")
    c.expectError("sweep hdbscan x min_cluster_size=10", "nothing to sweep")
    c.expectError("sweep hdbscan x min_cluster_size=[5, 10] seeds=3", "hdbscan is deterministic")
    c.expectError("sweep kmeans x n_clusters=[2, 3]", "sweep runs hdbscan or umap")
    c.expectError("sweep umap x n_neighbors=[5, 10]", "give its parameters too")
    c.expectError("sweep hdbscan x min_cluster_size=[5, 10] y=y[0:5]", "y has 5 labels for 210 rows")
    XCTAssertTrue(c.run("s = sweep hdbscan x min_cluster_size=[5, 10]"), c.err)
    c.expectError("best s by=\"relative_validty\"", "did you mean relative_validity?")
    c.expectError("best s by=\"min_cluster_size\"", "min_cluster_size is not a score (the table's scores: noise_fraction, relative_validity, silhouette)")
    c.expectError("best s by=\"ari\"", "run it with y= (reference labels)")
    c.expectError("best s by=\"validity_index\"", "run it with validity_index=true")
    c.expectError("sweep hdbscan x n_neighbors=[5, 10]", "n_neighbors is umap's: sweep umap DATA")
    c.expectError("best x", "best takes the table of `sweep`")
    c.expectError("validity_index x (x[:, 0] * 0 - 1)", "every label is −1")
    c.expectError("validity_index x y[0:10]", "the same points")
    XCTAssertTrue(c.run("l = hdbscan x min_cluster_size=5"), c.err)
    c.expectError("relative_validity x", "the model must be the result of `hdbscan`")
  }

  func testASweepTableSavesAsCSVWithItsHeader() throws {
    let c = Capture()
    blobs(c)
    let path = NSTemporaryDirectory() + "clus-sweep-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }
    XCTAssertTrue(c.run("s = sweep hdbscan x min_cluster_size=[5, 10] cluster_selection_method=[\"eom\", \"leaf\"]\nsave s \"\(path)\""), c.err)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n")
    XCTAssertEqual(lines.first, "min_cluster_size,cluster_selection_method,n_clusters,noise_fraction,relative_validity,silhouette")
    XCTAssertEqual(lines.count, 5)
    XCTAssertTrue(lines[2].hasPrefix("5,leaf,"), String(lines[2]))
    // .npy keeps no names: said so
    XCTAssertTrue(c.run("save (sweep hdbscan x min_cluster_size=[5, 10]) \"\(path).npy\""), c.err)
    defer { try? FileManager.default.removeItem(atPath: path + ".npy") }
    XCTAssertTrue(c.err.contains("without their names (min_cluster_size, n_clusters"), c.err)
    c.expectError("save s \"\(path).npy\"", "holds text, which .npy cannot")
  }
}
