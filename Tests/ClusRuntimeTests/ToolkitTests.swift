import XCTest
import ClusAlgorithms
import ClusLang
@testable import ClusRuntime

/// The toolkit commands and broadcasting through the language, on hand-computed cases (the
/// numeric parts are checked against numpy / scikit-learn / pandas in ClusAlgorithmsTests).
final class ToolkitTests: XCTestCase {
  private func value(_ c: Capture, _ name: String) -> Value? { c.session.variables[name] }

  private func floats(_ c: Capture, _ name: String) -> [Double] {
    switch value(c, name) {
    case .floats(let f)?: return f
    case .matrix(let m)?: return m.data.map(Double.init)
    default: XCTFail("\(name) is \(String(describing: value(c, name)))"); return []
    }
  }

  /// hdbscan's n_clusters: distinct labels ≥ 0, counted by hand.
  func testDistinctClusterLabels() {
    XCTAssertEqual(distinctClusterLabels([-1, 0, 2, 2, -1, 0]), 2)
    XCTAssertEqual(distinctClusterLabels([]), 0)
    XCTAssertEqual(distinctClusterLabels([-1, -1]), 0)
    XCTAssertEqual(distinctClusterLabels([3, 3]), 1)  // a label above the count takes the hashed path
    XCTAssertEqual(distinctClusterLabels([0, 1, 2, 3]), 4)
  }

  func testBroadcastingRowAndColumnAgainstAMatrix() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      x = [[1, 2], [3, 4], [5, 9]]
      a = x - mean x axis=0
      b = x - (mean x axis=1 keepdims=true)
      k = mean x axis=0 keepdims=true
      r = [10, 20] + x
      s = shape k
      o = (mean x axis=1 keepdims=true) * k
      """), c.err)
    XCTAssertEqual(floats(c, "a"), [-2, -3, 0, -1, 2, 4])
    XCTAssertEqual(floats(c, "b"), [-0.5, 0.5, -0.5, 0.5, -2, 2])
    XCTAssertEqual(floats(c, "r"), [11, 22, 13, 24, 15, 29])
    c.run("s")
    XCTAssertEqual(c.out, "1 × 2\n")
    XCTAssertEqual(floats(c, "o"), [4.5, 7.5, 10.5, 17.5, 21, 35])  // 3 × 1 times 1 × 2
  }

  /// `**`, numpy's power: ints to non-negative int powers stay exact ints (overflow is an error),
  /// otherwise floats; broadcasting as the other operators; a call before it must be parenthesised.
  func testPowerOperator() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      a = -2 ** 2
      b = 2 ** 3 ** 2
      h = 2 ** -1
      v = [1, 2, 3] ** 2
      r = [4, 9] ** 0.5
      m = [[1, 2], [3, 4]] ** 2
      p = 3 ** [0, 1, 2]
      """), c.err)
    func shown(_ name: String) -> String { value(c, name).map(Display.render) ?? "missing" }
    XCTAssertEqual(shown("a"), "-4")
    XCTAssertEqual(shown("b"), "512")
    XCTAssertEqual(shown("h"), "0.5000")
    XCTAssertEqual(shown("v"), "vector 3 int\n[1 4 9]")
    XCTAssertEqual(floats(c, "r"), [2, 3])
    XCTAssertEqual(floats(c, "m"), [1, 4, 9, 16])
    XCTAssertEqual(shown("p"), "vector 3 int\n[1 3 9]")
    XCTAssertFalse(c.run("2 ** 63"))
    XCTAssertTrue(c.err.contains("integer overflow in 2 ** 63"), c.err)
    // the caret marks the power, not the whole statement (it started at column 1)
    Capture().expectError("y = 1 + (2 ** 63)", "<test>:1:10: error: integer overflow in 2 ** 63")
    // a bracketed base: the caret from its bracket; a negative base shown in brackets
    Capture().expectError("y = (-2) ** 64", "<test>:1:5: error: integer overflow in (-2) ** 64")
    XCTAssertFalse(c.run("[1, 2, 3] ** [1, 2]"))
    XCTAssertTrue(c.err.contains("vectors of different lengths: 3 and 2"), c.err)
    XCTAssertFalse(c.run("count [1, 2] ** 2"))
    XCTAssertTrue(c.err.contains("write (count [1, 2]) ** 2 or count ([1, 2] ** 2)"), c.err)
  }

  func testIncompatibleShapesNameBothShapes() {
    let c = Capture()
    XCTAssertFalse(c.run("x = [[1, 2], [3, 4], [5, 9]]\nx - (mean x axis=1)"))
    XCTAssertTrue(c.err.contains("shapes 3 × 2 and 3 (a vector)"), c.err)
    XCTAssertTrue(c.err.contains("keepdims=true"), c.err)
    XCTAssertFalse(c.run("x - [[1, 2, 3]]"))
    XCTAssertTrue(c.err.contains("shapes 3 × 2 and 1 × 3"), c.err)
  }

  func testElementwiseFunctionsAndPower() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      s = sqrt [4, 2.25, -1]
      l = log [1, 0]
      lp = log1p 1e-10
      e = exp [0, 1]
      a = abs [-3, 2]
      p = power [2, -3] 3
      q = power [4.0, 9.0] 0.5
      m = abs [[-1.5, 2]]
      """), c.err)
    let s = floats(c, "s")
    XCTAssertEqual(s[0], 2)
    XCTAssertEqual(s[1], 1.5)
    XCTAssertTrue(s[2].isNaN)
    XCTAssertEqual(floats(c, "l"), [0, -.infinity])
    XCTAssertEqual(value(c, "lp")?.number, 9.999999999500001e-11)
    XCTAssertEqual(floats(c, "e"), [1, 2.718281828459045])
    guard case .labels(let a)? = value(c, "a"), case .labels(let p)? = value(c, "p") else { return XCTFail("ints expected") }
    XCTAssertEqual(a, [3, 2])
    XCTAssertEqual(p, [8, -27])
    XCTAssertEqual(floats(c, "q"), [2, 3])
    XCTAssertEqual(floats(c, "m"), [1.5, 2])
    XCTAssertFalse(c.run("power 10 40"))
    XCTAssertTrue(c.err.contains("integer overflow"), c.err)
  }

  func testStatisticsCommands() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      v = var [1, 2, 3, 4]
      v1 = var [1, 2, 3, 4] ddof=1
      sd = std [[1, 2], [3, 6]] axis=0
      md = median [5, 1, 3, 2]
      q = quantile [10, 20, 30] q=0.25
      qs = quantile [[1, 2], [3, 4], [5, 6]] q=0.5 axis=0
      """), c.err)
    XCTAssertEqual(value(c, "v")?.number, 1.25)
    XCTAssertEqual(value(c, "v1")!.number!, 5.0 / 3, accuracy: 1e-15)
    XCTAssertEqual(floats(c, "sd"), [1, 2])
    XCTAssertEqual(value(c, "md")?.number, 2.5)
    XCTAssertEqual(value(c, "q")?.number, 15)
    XCTAssertEqual(floats(c, "qs"), [3, 4])
    // ddof beyond the values: numpy's division by zero (inf or NaN), warned once, not per column
    let w = Capture()
    XCTAssertTrue(w.run("vz = var [[1, 2, 3], [4, 5, 7]] axis=0 ddof=2"), w.err)
    XCTAssertEqual(w.err.components(separatedBy: "var: ddof=2 ≥ 2 values").count - 1, 1, w.err)
    XCTAssertTrue(floats(w, "vz").allSatisfy { $0.isInfinite }, "\(floats(w, "vz"))")
    XCTAssertTrue(w.run("sz = std [1, 2] ddof=1"), w.err)
    XCTAssertFalse(w.err.contains("std:"), w.err)
    XCTAssertFalse(c.run("quantile [1, 2]"))
    XCTAssertTrue(c.err.contains("quantile: needs q="), c.err)
    XCTAssertFalse(c.run("quantile [1, 2] q=1.5"))
  }

  func testSortArgsortWhere() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      s = sort [3, 1, 2]
      f = sort [2.5, nan, -1]
      o = argsort [2, 1, 2, 1, 0]
      m = sort [[3, 1], [0, 2]]
      m0 = sort [[3, 1], [0, 2]] axis=0
      w = where ([1, -1, 2] >= 0) [1, -1, 2] 99
      wf = where ([1, -1] > 0) 0.5 [7, 8]
      """), c.err)
    guard case .labels(let s)? = value(c, "s"), case .labels(let o)? = value(c, "o"), case .labels(let w)? = value(c, "w") else {
      return XCTFail("ints expected")
    }
    XCTAssertEqual(s, [1, 2, 3])
    let f = floats(c, "f")
    XCTAssertEqual(Array(f.prefix(2)), [-1, 2.5])
    XCTAssertTrue(f[2].isNaN)
    XCTAssertEqual(o, [4, 1, 3, 0, 2])
    XCTAssertEqual(floats(c, "m"), [1, 3, 0, 2])
    XCTAssertEqual(floats(c, "m0"), [0, 1, 3, 2])
    XCTAssertEqual(w, [1, 99, 2])
    XCTAssertEqual(floats(c, "wf"), [0.5, 8])
    XCTAssertFalse(c.run("where ([1, 2] > 0) [1, 2, 3] 0"))
    XCTAssertTrue(c.err.contains("length 3"), c.err)
  }

  func testScalersAndCrosstab() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      z = standard_scale [[1, 5], [3, 5]]
      u = l2_normalize [[3, 4], [0, 0]]
      """), c.err)
    XCTAssertEqual(floats(c, "z"), [-1, 0, 1, 0])
    XCTAssertEqual(floats(c, "u"), [0.6, 0.8, 0, 0].map { Double(Float($0)) })
    c.run("crosstab [1, 0, 1, 1, 2] [7, 7, -1, 7, 7]")
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, """
      crosstab 3 × 2 (rows: values of the first vector, columns: of the second)
         -1   7
      0   0   1
      1   1   2
      2   0   1

      """)
    XCTAssertTrue(c.run("t = crosstab [1, 0] [2, 2]\nn = sum t.counts"))
    XCTAssertEqual(value(c, "n")?.number, 2)
    // saved as .csv, a crosstab keeps its labels and integer counts: pandas'
    // crosstab(np.array([1.5, 2, 1.5]), np.array([0, 0, 5])).to_csv() writes exactly this (it wrote
    // the counts alone, as floats)
    let out = NSTemporaryDirectory() + "clus-crosstab-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: out) }
    XCTAssertTrue(c.run("save (crosstab [1.5, 2, 1.5] [0, 0, 5]) \"\(out)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "row_0,0,5\n1.5,1,1\n2.0,1,0\n")
    // float32 labels in float32's shortest form, as pandas writes the float64 it read: for a column of
    // 0.1, 0.2, 0.1, 1e-7 against 1.3, 2.7, 2.7, 1.3 pandas writes this (it wrote 0.10000000149011612)
    let m = Matrix(rows: 4, cols: 2, data: [0.1, 1.3, 0.2, 2.7, 0.1, 2.7, 1e-7, 1.3])
    c.session.variables["m"] = .matrix(m)
    XCTAssertTrue(c.run("save (crosstab m[:, 0] m[:, 1]) \"\(out)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "row_0,1.3,2.7\n1e-07,1,0\n0.1,1,1\n0.2,0,1\n")
  }

  func testTrustworthinessCommand() {
    let c = Capture()
    // the embedding swaps the last two points of a line with growing gaps (no ties)
    XCTAssertTrue(c.run("""
      x = [[0], [1], [3], [6], [10], [15], [21]]
      same = trustworthiness x x n_neighbors=2
      e = [[0], [1], [3], [6], [10], [21], [15]]
      t = trustworthiness x e n_neighbors=1
      """), c.err)
    XCTAssertEqual(value(c, "same")?.number, 1)
    // k = 1: points 5 and 6 each get an embedding neighbour of rank 2 in x (penalty 1 each):
    // 1 − 2 · 2 / (7 · 1 · (14 − 3 − 1)) = 1 − 4/70, as sklearn.manifold.trustworthiness gives
    XCTAssertEqual(value(c, "t")!.number!, 1 - 4.0 / 70, accuracy: 1e-15)
    XCTAssertFalse(c.run("trustworthiness x e n_neighbors=4"))
    XCTAssertTrue(c.err.contains("n_neighbors"), c.err)
  }

  func testDBSCANCommand() {
    let c = Capture()
    XCTAssertTrue(c.run("""
      x = [[0, 0], [0, 0.5], [0.5, 0], [9, 9], [5, 5], [5, 5.5], [5.5, 5]]
      d = dbscan x eps=0.6 min_samples=3
      n = count (d == -1)
      """), c.err)
    guard case .record(let r)? = value(c, "d"), case .labels(let l)? = r["labels"], case .labels(let core)? = r["core_sample_indices"] else {
      return XCTFail("a dbscan record expected")
    }
    XCTAssertEqual(l, [0, 0, 0, -1, 1, 1, 1])
    XCTAssertEqual(core, [0, 4])  // (0, 0.5) and (0.5, 0) are 0.71 apart: border points of the corner's core
    XCTAssertEqual(value(c, "n")?.number, 1)
    XCTAssertFalse(c.run("dbscan x eps=0"))
    XCTAssertTrue(c.err.contains("eps"), c.err)
  }

  /// A float vector is saved as float64, as clus holds it and numpy saves a float64 array (16777217.5
  /// was written as 16777218, 0.1 as 0.10000000149011612), whatever its values: [0.5, 2.0] too, so
  /// that parts of one result saved apart have one dtype. Expected bytes: numpy's '<f8' of
  /// [16777217.5, 0.1] (IEEE 754 doubles), and pandas' to_csv text of them.
  func testFloat64VectorsAreSavedExactly() throws {
    let c = Capture()
    let dir = NSTemporaryDirectory() + "clus-f64-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    XCTAssertTrue(c.run("v = [16777217.5, 0.1]\nsave v \"\(dir)/v.npy\"\nsave v \"\(dir)/v.csv\"\nsave [0.5, 2.0] \"\(dir)/w.npy\""), c.err)
    let v = try Data(contentsOf: URL(fileURLWithPath: dir + "/v.npy"))
    XCTAssertTrue(String(decoding: v.prefix(64), as: UTF8.self).contains("'descr': '<f8'"))
    let values = v.suffix(16).withUnsafeBytes { b in (0..<2).map { Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) } }
    XCTAssertEqual(values, [16777217.5, 0.1])
    XCTAssertEqual(try String(contentsOfFile: dir + "/v.csv", encoding: .utf8), "16777217.5\n0.1\n")
    let w = try Data(contentsOf: URL(fileURLWithPath: dir + "/w.npy"))
    XCTAssertTrue(String(decoding: w.prefix(64), as: UTF8.self).contains("'descr': '<f8'"))
  }

  /// crosstab's table (a count for every pair of distinct values: 20,000 ids against themselves took
  /// 6.3 GB) is estimated first and refused when it would not fit, with the estimate.
  func testStandardScaleRefusesInfinity() {
    // scikit-learn: "Input X contains infinity"; clus made the column NaN
    Capture().expectError("standard_scale [[1, 2], [nan, 3], [5, -inf]]", "X holds -inf at row 2, column 1; standard_scale needs finite numbers")
  }

  func testCrosstabThatWouldNotFitIsRefused() {
    setenv("CLUS_MEMORY_AVAILABLE", "100000", 1)
    defer { unsetenv("CLUS_MEMORY_AVAILABLE") }
    let c = Capture()
    // 100 × 100 pairs at 12 bytes: 120,000 bytes
    let ids = "[" + (0..<100).map(String.init).joined(separator: ", ") + "]"
    c.expectError("a = \(ids)\ncrosstab a a", "a crosstab of 100 × 100 counts (one for each pair of distinct values) needs about")
    XCTAssertTrue(c.run("b = [1, 2, 1]\nprint (crosstab b b).counts"), c.err)
  }

}
