import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

/// UMAP and HDBSCAN on the example data sets of `data/` (an AnnData file, a scipy.sparse TF-IDF
/// matrix) against what the reference libraries gave on the same files: hdbscan 0.8.44's labels
/// (Fixtures/sparse/make_hdbscan_reference.py) and umap-learn 0.5.12's semi-supervised separation
/// (examples/reference/supervised_reference.py), and `knn=` reuse against a fresh run.
final class RealDataSparseTests: XCTestCase {
  /// The repository's root (this file is Tests/ClusRuntimeTests/…).
  static let root: String = {
    var parts = "\(#filePath)".split(separator: "/").map(String.init)
    parts.removeLast(3)
    return "/" + parts.joined(separator: "/")
  }()

  func capture(_ code: String, threads: Int = 2, file: StaticString = #filePath, line: UInt = #line) -> Capture {
    let c = Capture(threads: threads)
    XCTAssertTrue(c.run(code.replacingOccurrences(of: "DATA/", with: Self.root + "/data/")), c.err, file: file, line: line)
    return c
  }

  func labels(_ c: Capture, _ name: String) throws -> [Int] {
    guard case .labels(let l)? = c.session.variables[name]?.resolved else { throw XCTSkip("no labels in \(name)") }
    return l
  }

  func reference(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + path))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// hdbscan on the sparse TF-IDF matrix by cosine: the library's generic path gives these labels
  /// (min_cluster_size=15: every label equal; min_cluster_size=5: the data's 3 duplicate rows make
  /// equal spanning-tree weights, whose order the library leaves to numpy's unstable argsort, so a few
  /// points may differ: at most 6 of 1,186, ARI ≥ 0.99).
  func testHDBSCANCosineOnSparseMatchesTheLibrary() throws {
    let c = capture("""
      x = load "DATA/topics_tfidf.npz"
      h15 = hdbscan x metric="cosine" min_cluster_size=15
      h5 = hdbscan x metric="cosine" min_cluster_size=5
      """)
    let ref = try reference("Tests/ClusRuntimeTests/Fixtures/sparse/hdbscan_cosine_topics.json")
    XCTAssertEqual(try labels(c, "h15"), jsonInts(ref["labels"]))
    let runs = try XCTUnwrap(ref["runs"] as? [[String: Any]])
    let five = try XCTUnwrap(runs.first { ($0["min_cluster_size"] as? Int) == 5 && ($0["metric"] as? String) == "cosine" })
    let mine = try labels(c, "h5"), theirs = jsonInts(five["labels"])
    XCTAssertEqual(mine.count, theirs.count)
    XCTAssertLessThanOrEqual(zip(mine, theirs).filter { $0 != $1 }.count, 6)
    XCTAssertGreaterThanOrEqual(try adjustedRandScore(mine, theirs), 0.99)
    XCTAssertEqual(Set(mine.filter { $0 >= 0 }).count, five["n_clusters"] as? Int)
  }

  /// The dense copy clustered by the exact tree gives the same labels as the sparse matrix.
  func testHDBSCANSparseEqualsDenseCopy() throws {
    let c = capture("""
      x = load "DATA/topics_tfidf.npz"
      a = hdbscan x[0:400] metric="cosine" min_cluster_size=5
      b = hdbscan (dense x[0:400]) metric="cosine" min_cluster_size=5 approx_min_span_tree=false
      """)
    XCTAssertEqual(try labels(c, "a"), try labels(c, "b"))
  }

  /// Supervised UMAP on pbmc68k_reduced's X_pca, scored as examples/reference/supervised_reference.py
  /// scores umap-learn's: a 15-nearest-neighbour vote in the 2-D embedding, trained on the even cells,
  /// predicting the odd cells' types. With every label given (`full`) the labels shape the layout and
  /// the vote is right for about 95 % of the cells (unsupervised: 79 %); with the odd cells' labels
  /// hidden (−1, semi-supervised) it gains little, as for umap-learn. The median over random_state
  /// 1–5 must lie within 0.02 of umap-learn's range in both cases (its values in the JSON).
  func testSupervisedUMAPSeparatesAsUMAPLearn() throws {
    let ref = try reference("examples/reference/supervised_reference.json")
    let theirsFull = try XCTUnwrap(ref["full"] as? [Double]), theirsSemi = try XCTUnwrap(ref["supervised"] as? [Double])
    let c = capture("""
      a = load "DATA/pbmc68k_reduced.h5ad"
      x = a.obsm.X_pca
      t = a.obs.bulk_labels.codes
      """)
    let truth = try labels(c, "t")
    let n = truth.count
    c.session.variables["split"] = .labels((0..<n).map { $0 % 2 == 0 ? truth[$0] : -1 })
    let train = (0..<n).filter { $0 % 2 == 0 }, test = (0..<n).filter { $0 % 2 == 1 }
    func accuracy(_ name: String) throws -> Double {
      guard case .matrix(let e)? = c.session.variables[name]?.resolved else { throw XCTSkip("no embedding") }
      func rows(_ r: [Int]) -> Matrix { Matrix(rows: r.count, cols: e.cols, data: r.flatMap { e.row($0) }) }
      let g = try knnCrossJoin(rows(test), reference: rows(train), k: 15, metric: .euclidean, context: RunContext(threads: 1))
      var right = 0
      for (q, i) in test.enumerated() {
        // scikit-learn's KNeighborsClassifier (uniform weights): the most frequent label, ties to the smaller
        var votes = [Int: Int]()
        for t in 0..<15 { votes[truth[train[Int(g.indices[q * 15 + t])]], default: 0] += 1 }
        let best = votes.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        if best == truth[i] { right += 1 }
      }
      return Double(right) / Double(test.count)
    }
    var full: [Double] = [], semi: [Double] = [], none: [Double] = []
    for seed in 1...5 {
      XCTAssertTrue(c.run("f = umap x y=t random_state=\(seed)\ne = umap x y=split random_state=\(seed)\nu = umap x random_state=\(seed)"), c.err)
      full.append(try accuracy("f"))
      semi.append(try accuracy("e"))
      none.append(try accuracy("u"))
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    for (mine, theirs, what) in [(full, theirsFull, "supervised"), (semi, theirsSemi, "semi-supervised")] {
      XCTAssertGreaterThanOrEqual(median(mine), theirs.min()! - 0.02, "\(what): clus \(mine), umap-learn \(theirs)")
      XCTAssertLessThanOrEqual(median(mine), theirs.max()! + 0.02, "\(what): clus \(mine), umap-learn \(theirs)")
    }
    XCTAssertGreaterThan(median(full), median(none) + 0.1, "supervised \(full), unsupervised \(none)")
  }

  /// `knn=` gives what a fresh run with the same seed gives (dense and sparse data), and refuses the
  /// neighbours of other data or of another metric.
  func testKNNReuseEqualsAFreshRun() throws {
    let c = capture("""
      a = load "DATA/pbmc68k_reduced.h5ad"
      x = a.obsm.X_pca
      e0 = umap x random_state=7
      e1 = umap x min_dist=0.5 random_state=7
      e2 = umap x min_dist=0.5 random_state=7 knn=e0
      s = load "DATA/topics_tfidf.npz"
      f0 = umap s[0:500] metric="cosine" random_state=3
      f1 = umap s[0:500] metric="cosine" n_components=3 random_state=3
      f2 = umap s[0:500] metric="cosine" n_components=3 random_state=3 knn=f0
      """)
    func emb(_ name: String) -> Matrix? {
      if case .matrix(let m)? = c.session.variables[name]?.resolved { return m }
      return nil
    }
    XCTAssertNotNil(emb("e1"))
    XCTAssertEqual(emb("e1"), emb("e2"))
    XCTAssertNotNil(emb("f1"))
    XCTAssertEqual(emb("f1"), emb("f2"))
    c.expectError("umap x[0:100] knn=e0", "its neighbours are of 700 points, but the data has 100 rows")
    c.expectError("umap x metric=\"cosine\" knn=e0", "its neighbours are by metric \"euclidean\"")
    // other rows of the same size (a user's fresh-user find: a wrong embedding without a word)
    c.expectError("umap (x * 2) knn=e0", "the knn= result: its neighbours are of other data")
    // a record shows its neighbour indices as a float32 matrix only while every row id is exact in
    // float32 (up to 2^24 rows); knn= reads a fitted model's own Int32 table at any size
    let rows = (1 << 24) + 1
    XCTAssertNil(knnMatrices(KNNGraph(n: rows, k: 1, indices: [Int32](repeating: 0, count: rows), distances: [Float](repeating: 0, count: rows))))
    XCTAssertNotNil(knnMatrices(KNNGraph(n: 1 << 24, k: 1, indices: [Int32](repeating: 0, count: 1 << 24), distances: [Float](repeating: 0, count: 1 << 24))))
    c.expectError("umap x n_neighbors=30 knn=e0", "n_neighbors=30 needs 30")
    c.expectError("umap x knn=x", "knn= takes an earlier umap result")
  }

  /// `pca whiten=true` of a sparse matrix (scikit-learn's arpack PCA whitens too; it was refused): each
  /// coordinate over √(explained variance), so every training column has variance 1 (divisor n − 1, by
  /// hand), and the fit's coordinates are the model's transform of its training rows, bit for bit.
  func testSparsePCAWhitens() throws {
    let c = capture("""
      s = load "DATA/topics_tfidf.npz"
      x = s[0:300]
      p = pca x n_components=5 whiten=true
      q = transform p x
      """)
    guard case .record(let r)? = c.session.variables["p"], case .matrix(let t)? = r["transformed"],
          case .matrix(let q)? = c.session.variables["q"] else { return XCTFail("pca") }
    XCTAssertEqual(t, q)
    for j in 0..<5 {
      let col = (0..<t.rows).map { Double(t[$0, j]) }
      let mean = col.reduce(0, +) / Double(col.count)
      let variance = col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(col.count - 1)
      XCTAssertEqual(mean, 0, accuracy: 1e-5)
      XCTAssertEqual(variance, 1, accuracy: 1e-4, "column \(j)")
    }
  }

  /// Saving a result fitted on a sparse matrix to .npz says it keeps no model, for hdbscan as for umap
  /// (hdbscan's said "a .npz file holds a fitted model (the result of umap, hdbscan, ...)").
  func testSparseFitsSayTheyKeepNoModel() throws {
    let out = NSTemporaryDirectory() + "clus-sparse-fit-\(getpid()).npz"
    defer { unlink(out) }
    let c = capture("""
      s = load "DATA/topics_tfidf.npz"
      l = hdbscan s[0:300] min_cluster_size=5
      e = umap s[0:300] metric="cosine" n_epochs=10 random_state=1
      """)
    c.expectError("save l \"\(out)\"", "this hdbscan result was fitted on a sparse matrix and keeps no model to save")
    c.expectError("save e \"\(out)\"", "this umap result was fitted on a sparse matrix and keeps no model to save")
  }

  /// Found by a user's first try: obs numbers are kept exactly (not through the float32 `.data`), a
  /// plain integer vector is saved as numbers (only a clustering result becomes a categorical), an int
  /// column beyond Int's range in float32 does not trap, a record's field is reachable by a string, and
  /// a umap result fitted on sparse data says why it has no model.
  func testUsersFirstTryFindings() throws {
    let out = NSTemporaryDirectory() + "clus-first-try-\(getpid()).h5ad"
    defer { unlink(out) }
    let c = capture("""
      a = load "DATA/pbmc68k_reduced.h5ad"
      big = (a.obs.n_genes * 0) + 16777217
      save big "\(out)" into=a key="big"
      b = load "\(out)"
      save (b.obs.n_genes > (mean b.obs.n_genes)) "\(out)" into=b key="many"
      b = load "\(out)"
      v = b.obs.big
      w = b.obs["big"]
      m = b.obs.many
      t = b.obs.dtypes
      p = a["obsm"]["X_pca"]
      """)
    // ints are written as int64 and booleans as numpy's bool (a fresh-user pass found both written
    // as float64), and read back as such
    guard case .labels(let v)? = c.session.variables["v"], case .labels(let w)? = c.session.variables["w"] else {
      return XCTFail("obs.big is not an int column: \(String(describing: c.session.variables["v"]))")
    }
    guard case .mask(let m)? = c.session.variables["m"] else { return XCTFail("obs.many is not a bool column") }
    XCTAssertEqual(m.count, 700)
    XCTAssertTrue(m.contains(true) && m.contains(false))
    if case .list(let t)? = c.session.variables["t"] {
      XCTAssertEqual(t.suffix(2).map { v -> String in if case .string(let x) = v { return x }; return "" }, ["int64", "bool"])
    } else { XCTFail("dtypes") }
    XCTAssertEqual(Set(v), [16777217])
    XCTAssertEqual(v, w)
    XCTAssertEqual(c.session.variables["p"]?.shapeText, "700 × 50")
    let csv = NSTemporaryDirectory() + "clus-first-try-\(getpid()).csv"
    defer { unlink(csv) }
    try "id,x\n9223372036854775807,1\n-9223372036854775807,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
    XCTAssertTrue(c.run("d = load \"\(csv)\"\nd[\"id\"]"), c.err)
    c.expectError("s = load \"\(Self.root)/data/topics_tfidf.npz\"\nf = umap s[0:40] random_state=1\ntransform f (dense s[0:2])",
                  "this umap result was fitted on a sparse matrix and keeps no model")
  }
}
