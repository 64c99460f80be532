import XCTest
import ClusAlgorithms
import ClusLang
@testable import ClusRuntime

/// Runs code in a fresh (or given) session and captures what it prints.
final class Capture {
  var out = ""
  var err = ""
  let session: Session
  init(threads: Int = 1) {
    session = Session(threads: threads)
    session.output = { [unowned self] in self.out += $0 }
    session.errorOutput = { [unowned self] in self.err += $0 }
  }
  @discardableResult
  func run(_ code: String, name: String = "<test>") -> Bool {
    out = ""
    err = ""
    return session.run(SourceFile(name: name, text: code))
  }
  /// Runs `code`, which must succeed and print exactly `expected`.
  func expectOutput(_ code: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(run(code), err, file: file, line: line)
    XCTAssertEqual(out, expected, file: file, line: line)
  }
  /// Runs `code`, which must fail with `message` in its error output.
  func expectError(_ code: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(run(code), file: file, line: line)
    XCTAssertTrue(err.contains(message), err, file: file, line: line)
  }
}

/// Two well-separated groups of `n / 2` rows each: a deterministic pattern in [0, 1) per group,
/// the second shifted by `offset`.
func twoGroups(_ n: Int, _ d: Int, period: Int, offset: Float) -> Value {
  var rows = [Float]()
  for i in 0..<n { for j in 0..<d { rows.append(Float((i * 7 + j * 3) % period) / Float(period) + (i < n / 2 ? 0 : offset)) } }
  return .matrix(Matrix(rows: n, cols: d, data: rows))
}

final class EvaluatorTests: XCTestCase {
  /// A plot's argument numbers in its messages count a figure given first (the figure was not counted:
  /// `plot f f` blamed argument 1).
  func testPlotArgumentNumbersCountAFigure() {
    let c = Capture()
    XCTAssertTrue(c.run("x = [[0, 0], [1, 1], [2, 0]]\nf = plot x \"red\""), c.err)
    c.expectError("plot f f", "argument 2 should be a matrix of points, got a figure")
    c.expectError("plot f x \"red\" f", "argument 4 should be a matrix of points, got a figure")
    c.expectError("plot x \"red\" f", "argument 3 should be a matrix of points, got a figure")
  }

  func testArithmeticPrecedenceAndDisplay() {
    let c = Capture()
    c.run("1 + 2 * 3\n7 / 2\n-2 * 3\n(1 + 2) * 3\n10 - 4 - 3")
    XCTAssertEqual(c.out, "7\n3.5000\n-6\n9\n3\n")
  }

  func testAssignmentDisplaysNothingAndUnderscoreHoldsLastValue() {
    let c = Capture()
    c.run("x = 40\nx + 2\n_ + 1")
    XCTAssertEqual(c.out, "42\n43\n")
  }

  func testVectorsMasksAndIndexing() {
    let c = Capture()
    c.run("""
      v = [3, -1, 4, -1, 5]
      m = v >= 0
      count m
      v[m]
      v[1:3]
      v[-1]
      sum v
      mean (v >= 0)
      not m
      (v > 0) and (v < 5)
      """)
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, """
      3
      vector 3 int
      [3 4 5]
      vector 2 int
      [-1 4]
      5
      10
      0.6000
      vector 5 bool, 2 true
      [false true false true false]
      vector 5 bool, 2 true
      [true false true false false]

      """)
  }

  /// A bool vector against true or false is element-wise, as numpy's m == True (it was refused:
  /// "'==' is not defined for bool vector and bool").
  /// List literals of bools, and of floats that are whole numbers, are the vectors they make, as numpy
  /// arrays and scikit-learn take them ("must be a label vector, got a list (3)"; "'and' needs bools or
  /// masks, got a bool vector and a list"); scores by hand: both pairs agree up to renaming.
  func testListsOfBoolsAndWholeFloatsAreVectors() {
    let c = Capture()
    c.run("""
      ari [0, 1, 1] [0.0, 1.0, 1.0]
      ari [true, false, true] [0, 1, 0]
      sum [true, false, true]
      count [true, false, false]
      where [true, false] [1, 2] [3, 4]
      where [true, false] [true, true] false
      ([1, 2, 3] > 1) and [true, false, true]
      not [true, false]
      """)
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, """
      1.0000
      1.0000
      2
      1
      vector 2 int
      [1 4]
      vector 2 bool, 1 true
      [true false]
      vector 3 bool, 1 true
      [false false true]
      vector 2 bool, 1 true
      [false true]

      """)
  }

  func testMaskComparedWithABool() {
    let c = Capture()
    c.run("""
      m = [3, -1, 4] >= 0
      m == true
      false == m
      m != true
      """)
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, """
      vector 3 bool, 2 true
      [true false true]
      vector 3 bool, 1 true
      [false true false]
      vector 3 bool, 1 true
      [false true false]

      """)
  }

  func testMatrixIndexingByRowsColumnsAndMask() {
    let c = Capture()
    c.session.variables["m"] = .matrix(.init(rows: 3, cols: 2, data: [1, 2, 3, 4, 5, 6]))
    c.run("m[:, 1]\nm[1]\nm[[true, false, true]]\nm[2, 0]\nshape m[0:2]")
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, """
      vector 3 float
      [2.0000 4.0000 6.0000]
      vector 2 float
      [3.0000 4.0000]
      matrix 2 × 2 float32
      [[1.0000 2.0000]
       [5.0000 6.0000]]
      5.0000
      2 × 2

      """)
    // a column list as long as the row: reordered, repeated (not the matrix unchanged)
    c.run("m[:, [1, 0]]\nm[0:2, [1, 1]]")
    XCTAssertEqual(c.out, """
      matrix 3 × 2 float32
      [[2.0000 1.0000]
       [4.0000 3.0000]
       [6.0000 5.0000]]
      matrix 2 × 2 float32
      [[2.0000 2.0000]
       [4.0000 4.0000]]

      """)
  }

  /// Integer parameters at the edge of Int: a range error or a clear refusal, never an overflow trap
  /// (found by a fresh-user pass: silhouette's sample_size, trustworthiness's n_neighbors and a
  /// sweep's random_state + seeds crashed).
  func testExtremeIntegerParametersAreRefusedNotTrapped() {
    let c = Capture()
    c.session.variables["x"] = .matrix(Matrix(rows: 40, cols: 2, data: (0..<80).map { Float($0 % 7) + Float($0) / 100 }))
    c.session.variables["y"] = .labels((0..<40).map { $0 % 2 })
    c.expectError("silhouette x y sample_size=9223372036854775807", "sample_size")
    c.expectError("trustworthiness x x n_neighbors=9223372036854775807", "n_neighbors < n_samples / 2 = 20")
    c.expectError("sweep umap x n_neighbors=[5] seeds=3 random_state=9223372036854775806 min_cluster_size=5",
                  "the last seed, random_state + 2, would pass 9223372036854775807")
    c.expectError("sweep umap x n_neighbors=[5] seeds=9223372036854775807 min_cluster_size=5", "seeds")
  }

  func testUnknownNamesSuggestNearest() {
    let c = Capture()
    c.run("counts = 3\ncount_s = 4\ncoutns")
    XCTAssertTrue(c.err.contains("<test>:3:1: error: unknown variable or command 'coutns'; did you mean counts"), c.err)
    c.run("uniqe [1]")
    XCTAssertTrue(c.err.contains("unknown command 'uniqe'; did you mean unique?"), c.err)
    // other tools' names for a parameter (pandas' sep, R's k and centers), which no spelling distance finds
    for (code, said) in [("kmeans [[1, 2], [3, 4]] k=2", "kmeans has no parameter 'k'; did you mean n_clusters?"),
                         ("umap [[1, 2], [3, 4]] k=2", "umap has no parameter 'k'; did you mean n_neighbors?"),
                         ("load \"x.csv\" sep=\";\"", "load has no parameter 'sep'; did you mean delimiter?"),
                         ("hdbscan [[1, 2], [3, 4]] minPts=2", "hdbscan has no parameter 'minPts'; did you mean min_samples?"),
                         ("kmeans [[1, 2], [3, 4]] K=2", "kmeans has no parameter 'K'; did you mean n_clusters?"),
                         ("kmeans [[1, 2], [3, 4]] random_seed=2", "kmeans has no parameter 'random_seed'; did you mean random_state?"),
                         ("pca [[1, 2], [3, 4]] k=1", "pca has no parameter 'k'; did you mean n_components?"),
                         ("hdbscan [[1, 2], [3, 4]] k=1", "hdbscan has no parameter 'k'; did you mean min_samples?"),
                         // sweep's own unknown-parameter path gives the same hints
                         ("sweep hdbscan [[1, 2], [3, 4]] minPts=[2, 3]", "sweep hdbscan has no parameter 'minPts'; did you mean min_samples?"),
                         ("sweep umap [[1, 2], [3, 4]] seed=1 min_cluster_size=2", "sweep umap has no parameter 'seed'; did you mean random_state?"),
                         // transform's seed is umap-learn's transform_seed (it had no hint)
                         ("transform (umap [[1, 2], [3, 4], [5, 6]] n_neighbors=2 random_state=1) [[1, 2]] seed=3",
                          "transform has no parameter 'seed'; did you mean transform_seed?"),
                         // umap-learn's and scikit-learn's n_jobs: clus's thread count is the run's
                         ("umap [[1, 2], [3, 4]] n_jobs=2", "umap has no parameter 'n_jobs'; clus's thread count is set for the whole run (--threads N"),
                         ("hdbscan [[1, 2], [3, 4]] core_dist_n_jobs=2", "hdbscan has no parameter 'core_dist_n_jobs'; clus's thread count"),
                         // umap-learn's, R's and scikit-learn's other names, which spelling distance missed or misread
                         ("umap [[1, 2], [3, 4]] min_distance=0", "umap has no parameter 'min_distance'; did you mean min_dist?"),
                         ("umap [[1, 2], [3, 4]] n_dims=3", "umap has no parameter 'n_dims'; did you mean n_components?"),
                         ("umap [[1, 2], [3, 4]] nn=5", "umap has no parameter 'nn'; did you mean n_neighbors?"),
                         ("dbscan [[1, 2], [3, 4]] epsilon=1", "dbscan has no parameter 'epsilon'; did you mean eps?"),
                         ("hdbscan [[1, 2], [3, 4]] epsilon=1", "hdbscan has no parameter 'epsilon'; did you mean cluster_selection_epsilon?"),
                         ("hdbscan [[1, 2], [3, 4]] prediction_data=true", "hdbscan has no parameter 'prediction_data'; every hdbscan result keeps what approximate_predict needs"),
                         ("umap [[1, 2], [3, 4]] verbose=true", "umap has no parameter 'verbose'; clus shows the progress of long steps by itself")] {
      c.err = ""
      XCTAssertFalse(c.run(code))
      XCTAssertTrue(c.err.contains(said), c.err)
    }
    // umap's y= takes labels as the scores do, and names a value that is no integer
    for (code, said) in [("umap [[1, 2], [3, 4], [5, 6]] y=[1, 0.5, 2]", "y= takes labels (integers, or a categorical), one per row, got the value 0.5"),
                         ("umap [[1, 2], [3, 4], [5, 6]] y=\"a\"", "y= takes labels (an int vector or a categorical), one per row, got a string")] {
      c.err = ""
      XCTAssertFalse(c.run(code))
      XCTAssertTrue(c.err.contains(said), c.err)
    }
  }

  /// A bare name that is no variable, given to a parameter that takes a string, is refused with a hint
  /// to quote it, the caret under the name: the name itself when it is one of the choices (or any name
  /// for a free string), else the choices near it; a name near no choice keeps the plain message.
  func testBareNameForStringParameterHintsQuotes() {
    let c = Capture()
    c.session.variables["x"] = twoGroups(60, 3, period: 11, offset: 6)
    XCTAssertFalse(c.run("hdbscan x metric=manhattan"))
    XCTAssertEqual(
      c.err,
      """
      <test>:1:18: error: unknown variable or command 'manhattan'; did you mean metric="manhattan"?
      hdbscan x metric=manhattan
                       ^~~~~~~~~

      """)
    XCTAssertFalse(c.run("labels = hdbscan x min_cluster_size=5 cluster_selection_method=leaf"))
    XCTAssertTrue(
      c.err.hasPrefix(
        """
        <test>:1:64: error: unknown variable or command 'leaf'; did you mean cluster_selection_method="leaf"?
        labels = hdbscan x min_cluster_size=5 cluster_selection_method=leaf
                                                                       ^~~~
        """), c.err)
    c.expectError("kmeans x n_clusters=2 init=random", "<test>:1:28: error: unknown variable or command 'random'; did you mean init=\"random\"?")
    // a command that needs arguments, bare among another command's arguments: the parentheses it needs
    c.expectError("print shape x", "<test>:1:7: error: 'shape' needs arguments (shape X); as an argument of print, put the call in parentheses: print (shape …)")
    XCTAssertTrue(c.run("print (shape x)"), c.err)
    // a command of many parameters shows its arguments and where the parameters are listed, not its
    // whole usage line (umap's runs to about 600 characters)
    let umapParams = CommandTable.standard["umap"]!.params.count
    XCTAssertGreaterThan(umapParams, 20)
    c.expectError("umap", "<test>:1:1: error: 'umap' needs arguments: umap DATA [name=value …] (help umap lists its \(umapParams) parameters)\n")
    // in parentheses already: no hint to add them, the plain error
    c.expectError("print (umap) x", "<test>:1:8: error: 'umap' needs arguments: umap DATA [name=value …] (help umap lists its \(umapParams) parameters)\n")
    // too many positional arguments: the brief usage too
    c.expectError("umap x x", "umap takes at most 1 positional argument, got 2; usage: umap DATA [name=value …] (help umap lists its \(umapParams) parameters)\n")
    c.expectError("print umap x", "<test>:1:7: error: 'umap' needs arguments (umap DATA [name=value …] (help umap lists its \(umapParams) parameters)); as an argument of print, put the call in parentheses: print (umap …)\n")
    // a command that needs arguments is no string either
    c.expectError("umap x init=pca", "<test>:1:13: error: 'pca' is a command, not a string; did you mean init=\"pca\"?")
    // near a choice: the choice; a free string: the name; a list of a sweep: each item
    c.expectError("hdbscan x metric=manhatan", "unknown variable or command 'manhatan'; did you mean metric=\"manhattan\"?")
    c.expectError("plot x title=Results", "<test>:1:14: error: unknown variable or command 'Results'; did you mean title=\"Results\"?")
    // one bare name in brackets, as a Python list: the same hint, at the name
    c.expectError("hdbscan x metric=[manhattan]", "<test>:1:19: error: unknown variable or command 'manhattan'; did you mean metric=\"manhattan\"?")
    c.expectError(
      "sweep hdbscan x min_cluster_size=5 cluster_selection_method=[eom, leaf]",
      "<test>:1:62: error: unknown variable or command 'eom'; did you mean \"eom\"?")
    // a name near no choice, or for a parameter that takes no string: as before
    c.expectError("hdbscan x metric=foo", "<test>:1:18: error: unknown variable or command 'foo'\n")
    c.expectError("hdbscan x min_cluster_size=five", "<test>:1:28: error: unknown variable or command 'five'; did you mean save or time?\n")
    // a command is never run as a value, not even one that needs no arguments (help printed the help)
    c.expectError(
      "hdbscan x metric=help",
      "<test>:1:18: error: 'help' is a command, not a value of metric; metric is one of \"euclidean\"|\"manhattan\"|\"chebyshev\"|\"minkowski\"|\"cosine\"|\"correlation\"|\"l1\"|\"l2\"\n")
    XCTAssertEqual(c.out, "")
    c.expectError("hdbscan x min_cluster_size=vars", "<test>:1:28: error: 'vars' is a command, not a value of min_cluster_size\n")
    c.expectError("umap x n_neighbors=umap", "<test>:1:20: error: 'umap' is a command, not a value of n_neighbors\n")
    c.expectError("plot x title=print", "<test>:1:14: error: 'print' is a command, not a string; did you mean title=\"print\"?")
    // a variable is its value
    XCTAssertTrue(c.run("m = \"manhattan\"\nl = hdbscan x min_cluster_size=5 metric=m"), c.err)
  }

  func testErrorsKeepVariables() {
    let c = Capture()
    c.run("a = 1")
    XCTAssertFalse(c.run("b = a + nope"))
    XCTAssertTrue(c.run("a + 1"))
    XCTAssertEqual(c.out, "2\n")
    XCTAssertNil(c.session.variables["b"])
  }

  func testMismatchedLengthsAndBadOperandsAreErrors() {
    let c = Capture()
    XCTAssertFalse(c.run("[1, 2] + [1, 2, 3]"))
    XCTAssertTrue(c.err.contains("vectors of different lengths: 2 and 3"), c.err)
    XCTAssertFalse(c.run("\"a\" * 2"))
    XCTAssertTrue(c.err.contains("'*' is not defined for a string"), c.err)
    XCTAssertFalse(c.run("v = [1, 2, 3]\nv[5]"))
    XCTAssertTrue(c.err.contains("index 5 is out of range for 3 elements"), c.err)
    XCTAssertFalse(c.run("w = [7]\nw[1]"))
    XCTAssertTrue(c.err.contains("index 1 is out of range for 1 element\n"), c.err)
    XCTAssertFalse(c.run("m = [[1, 2]]\nm[3, 0]"))
    XCTAssertTrue(c.err.contains("index 3 is out of range for 1 row\n"), c.err)
    XCTAssertFalse(c.run("v[[true, false]]"))
    XCTAssertTrue(c.err.contains("mask has 2 elements but there are 3 elements"), c.err)
  }

  /// unique with NaN (a CSV's missing value): numpy's answer, sorted values then NaN once with the
  /// count of every NaN (np.unique([3, nan, 1, 2, 5, nan, 4], return_counts=True): [1 2 3 4 5 nan],
  /// counts [1 1 1 1 1 2]); it trapped on the counts (NaN ≠ NaN as a dictionary key) and gave
  /// unsorted values with NaN twice.
  func testUniqueWithNaNIsNumpys() {
    let c = Capture()
    XCTAssertTrue(c.run("u = unique [3, 0/0, 1, 2, 5, 0/0, 4] counts=true\nu.values\nu.counts\nunique [0/0]\nunique [2.5, -1]"), c.err)
    XCTAssertEqual(c.out, """
      vector 6 float
      [1.0000 2.0000 3.0000 4.0000 5.0000 nan]
      vector 6 int
      [1 1 1 1 1 2]
      vector 1 float
      [nan]
      vector 2 float
      [-1.0000 2.5000]

      """)
    // a categorical gives its names, as np.unique of the column's strings (sorted by code point:
    // "Z" before "a"), each with its count; a missing value is none, once and last (it gave the codes)
    let k = Capture()
    k.session.variables["cat"] = Frames.categorical(codes: [2, 0, -1, 2, 1, 0, 0], categories: ["b", "a", "Z", "unused"])
    XCTAssertTrue(k.run("u = unique cat counts=true\nv = unique cat"), k.err)
    guard case .record(let r)? = k.value("u"), case .list(let names)? = r["values"], case .labels(let counts)? = r["counts"] else {
      return XCTFail("\(String(describing: k.value("u")))")
    }
    XCTAssertEqual(names.map { if case .string(let s) = $0 { return s }; return "<\($0.kindName)>" }, ["Z", "a", "b", "<none>"])
    XCTAssertEqual(counts, [2, 1, 3, 1])
    guard case .list(let plain)? = k.value("v") else { return XCTFail("\(String(describing: k.value("v")))") }
    XCTAssertEqual(plain.count, 4)
    // arithmetic, ordering and reductions of a categorical would act on its codes (pandas: TypeError):
    // refused; a comparison with a name and the codes themselves still work
    k.expectError("cat + 1", "'+' is not defined for a categorical: its values are names")
    k.expectError("cat < cat", "'<' is not defined for a categorical")
    // == with a number compared the codes (cat == 1 was true for the rows of "a"; pandas compares
    // the names, and no name equals 1): refused with the others
    k.expectError("cat == 1", "'==' is not defined for a categorical and an integer: its values are names")
    // concat joins categoricals by their names (it joined the codes: q's "b" (code 0) read as p's "a")
    let j = Capture()
    j.session.variables["p"] = Frames.categorical(codes: [0, 1, -1], categories: ["a", "b"])
    j.session.variables["q"] = Frames.categorical(codes: [0, 1], categories: ["b", "c"])
    XCTAssertTrue(j.run("r = concat p q\nr2 = concat [q, p]\n"), j.err)
    let joined = j.value("r").flatMap { Frames.categories(of: $0) }
    XCTAssertEqual(joined?.codes, [0, 1, -1, 1, 2])
    XCTAssertEqual(joined?.names, ["a", "b", "c"])
    XCTAssertEqual(j.value("r2").flatMap { Frames.categories(of: $0) }?.codes, [1, 2, 0, 1, -1])
    j.expectError("s = concat p [1, 2]", "part 2 is a list, not a categorical")
    // sort keeps a categorical, ordered by its categories with missing values last (pandas'
    // sort_values); it returned the codes with the missing −1 first
    XCTAssertTrue(k.run("s = sort cat"), k.err)
    let sorted = k.value("s").flatMap { Frames.categories(of: $0) }
    XCTAssertEqual(sorted?.codes, [0, 0, 0, 1, 2, 2, -1])  // b b b a Z Z, missing
    XCTAssertEqual(sorted?.names, ["b", "a", "Z", "unused"])
    // where chooses by name between categoricals, or a categorical and a name, on the union of the
    // categories; it gave the codes (p's "a" and q's "b" were both 0)
    XCTAssertTrue(j.run("two = [1, 0] == 1\nthree = [1, 0, 1] == 1\nw = where two (p[[0, 1]]) q\nw2 = where three p \"z\"\n"), j.err)
    let w = j.value("w").flatMap { Frames.categories(of: $0) }, w2 = j.value("w2").flatMap { Frames.categories(of: $0) }
    XCTAssertEqual(w?.names, ["a", "b", "c"])
    XCTAssertEqual(w?.codes, [0, 2])
    XCTAssertEqual(w2?.names, ["a", "b", "z"])
    XCTAssertEqual(w2?.codes, [0, 2, -1])
    // == and != of two categoricals compare names, a missing value equal to nothing (pandas' object
    // columns); they compared the codes: p's "a" (0) equalled q's "b" (0), missing equalled missing
    j.session.variables["r3"] = Frames.categorical(codes: [1, 0, -1], categories: ["a", "b"])
    j.session.variables["q3"] = Frames.categorical(codes: [0, 0, -1], categories: ["b", "c"])
    XCTAssertTrue(j.run("e1 = p == q3\ne2 = p != q3\ne3 = p == p\ne4 = r3 == q3\n"), j.err)
    func mask(_ name: String) -> [Bool]? { j.value(name).flatMap { if case .mask(let b) = $0 { return b }; return nil } }
    XCTAssertEqual(mask("e1"), [false, true, false])
    XCTAssertEqual(mask("e2"), [true, false, true])
    XCTAssertEqual(mask("e3"), [true, true, false])
    XCTAssertEqual(mask("e4"), [true, false, false])
    j.expectError("p == q", "'==' of categoricals of lengths 3 and 2; they must match")
    // argsort orders as sort does, missing values last (its code −1 came first)
    XCTAssertTrue(k.run("o = argsort cat\nsame = (cat[o]).codes == (sort cat).codes"), k.err)
    XCTAssertEqual(k.value("o").flatMap { if case .labels(let l) = $0 { return l }; return nil }, [1, 5, 6, 4, 0, 3, 2])
    // functions of numbers and the algorithms refuse a categorical (they ran on its codes, a missing
    // value as −1); scikit-learn and numpy refuse strings
    for call in ["abs cat", "power cat 2", "sqrt cat", "log cat", "exp cat"] {
      k.expectError(call, "of a categorical: its values are names (its integer codes are .codes)")
    }
    for call in ["kmeans cat n_clusters=2", "pca cat", "standard_scale cat", "hdbscan cat"] {
      k.expectError(call, "must be numbers, got a categorical: its values are names")
    }
    XCTAssertTrue(k.run("w = abs cat.codes"), k.err)
    j.expectError("where two q 1", "where: b is an integer and the other a categorical")
    j.expectError("where two q p", "where: b has length 3, the condition 2")
    k.expectError("0 != cat", "'!=' is not defined for a categorical")
    // a vector or a list compared its codes too (d.a == d.n was true where a code equalled a number),
    // and unary minus negated them
    k.expectError("cat == [2, 0, 1, 2, 1, 0, 0]", "'==' is not defined for a categorical and a list: its values are names")
    k.expectError("(cat.codes * 1.5) != cat", "'!=' is not defined for a categorical and a float vector")
    k.expectError("-cat", "unary '-' is not defined for a categorical")
    k.expectError("nnz cat", "nnz of a categorical: its values are names")
    k.expectError("not cat", "'not' needs a bool or a mask, got a categorical")
    k.expectError("mean cat", "mean of a categorical: its values are names")
    XCTAssertTrue(k.run("m = cat == \"a\"\nc = cat.codes + 1\n"), k.err)
    XCTAssertEqual(k.value("m").flatMap { if case .mask(let b) = $0 { return b }; return nil }, [false, false, false, false, true, false, false])
    XCTAssertEqual(k.value("c").flatMap { if case .labels(let l) = $0 { return l }; return nil }, [3, 1, 0, 3, 2, 1, 1])
  }

  func testParameterTypeAndRangeErrorsNameTheParameter() {
    // labels that are numbers but not integers name a value (it said "got a list (2)")
    Capture().expectError("ari [1.5, 2.5] [1, 2]", "ari: LABELS_TRUE must be a label vector (integers), got the value 1.5")
    Capture().expectError("ari [nan, 1] [0, 1]", "ari: LABELS_TRUE must be a label vector (integers), got the value nan")
    let c = Capture()
    XCTAssertFalse(c.run("unique [1, 2] counts=3"))
    XCTAssertTrue(c.err.contains("unique: counts must be true or false, got 3"), c.err)
    XCTAssertFalse(c.run("unique [1, 2] counts=true counts=false"))
    XCTAssertTrue(c.err.contains("duplicate keyword argument 'counts'"), c.err)
    XCTAssertFalse(c.run("kmeans [[1, 2]] n_clusters=0"))
    XCTAssertTrue(c.err.contains("kmeans: n_clusters=0 is out of range: it must be ≥ 1"), c.err)
  }

  /// A floating-point parameter given inf or nan is refused before the command runs, with the
  /// same words and the caret under the value, for every such parameter of the fitting commands;
  /// only those where inf means something take it: "no limit" (umap-learn's
  /// `disconnection_distance`, hdbscan's `cluster_selection_epsilon_max`) and the minkowski `p`
  /// (chebyshev). (inf passed the bounds check and was refused by each algorithm in its own
  /// words, with the caret under the whole argument.)
  func testNonFiniteFloatParametersAreRefusedAlike() {
    let takesInf: Set<String> = ["disconnection_distance", "cluster_selection_epsilon_max", "p"]
    var checked = 0
    for c in CommandTable.standard.commands where ["umap", "hdbscan", "kmeans", "dbscan", "validity_index"].contains(c.name) {
      for p in c.params where p.type == .float && p.bounds != nil {
        for v in ["inf", "nan"] {
          let k = Capture()
          let args = c.name == "validity_index" ? "[[1, 2], [3, 4], [5, 7]] [0, 0, 1]" : "[[1, 2], [3, 4], [5, 7]]"
          let line = "l = \(c.name) \(args) \(p.name)=\(v)"
          let at = line.range(of: "\(p.name)=")!.upperBound
          let caret = line.distance(from: line.startIndex, to: at) + 1
          // nan is refused everywhere; where inf is allowed the message says so
          let allowed = takesInf.contains(p.name) ? "a number \(p.bounds!.text) or inf" : "a finite number \(p.bounds!.text)"
          let refused = "\(c.name): \(p.name)=\(v) is out of range: it must be \(allowed)"
          _ = k.run(line)
          if v == "inf" && takesInf.contains(p.name) {
            XCTAssertFalse(k.err.contains("is out of range"), "\(line): \(k.err)")
          } else {
            XCTAssertTrue(k.err.contains("<test>:1:\(caret): error: \(refused)\n"), "\(line): \(k.err)")
          }
          checked += 1
        }
      }
    }
    XCTAssertEqual(checked, 2 * 22, "floating-point parameters with bounds")
  }

  /// A spread below min_dist's default names spread (the parameter given), a min_dist above the
  /// spread names min_dist; an alpha so small that the distances divided by it overflow names alpha,
  /// with both spanning trees. Each with the caret under the parameter given.
  func testTheParameterAtFaultIsNamed() {
    let data = "x = [[0, 0], [0, 1], [1, 0], [1, 1], [9, 9], [9, 8], [8, 9], [8, 8]] * 1.5\n"
    for (call, message) in [
      ("umap x n_neighbors=3 spread=0.05", "umap: spread=0.05 is out of range: spread must be greater than or equal to min_dist (0.1, its default; give a smaller min_dist too)"),
      ("umap x n_neighbors=3 spread=0.05 min_dist=0.2", "umap: min_dist=0.2 is out of range: min_dist must be less than or equal to spread (0.05)"),
      ("hdbscan x min_cluster_size=2 alpha=1e-300", "hdbscan: alpha=1e-300 is out of range: the distances divided by alpha overflow float64"),
      ("hdbscan x min_cluster_size=2 alpha=1e-300 approx_min_span_tree=false", "hdbscan: alpha=1e-300 is out of range: the distances divided by alpha overflow float64"),
    ] {
      let k = Capture()
      XCTAssertFalse(k.run(data + "r = " + call), call)
      let name = String(message.split(separator: " ")[1].split(separator: "=")[0])
      let column = ("r = " + call).range(of: name + "=")!.lowerBound.utf16Offset(in: "r = " + call) + 1
      XCTAssertTrue(k.err.contains("<test>:2:\(column): error: \(message)"), "\(call): \(k.err)")
    }
    // the bounds check shows values as the algorithms do (it showed four decimals: a=0.0000, and
    // min_dist=-0.0000 for -1e-09)
    Capture().expectError(data + "r = umap x n_neighbors=3 a=0 b=1", "umap: a=0.0 is out of range: it must be > 0")
    Capture().expectError(data + "r = umap x n_neighbors=3 min_dist=-1e-9", "umap: min_dist=-1e-09 is out of range: it must be ≥ 0")
  }

  /// `concat [a, b]` (numpy's concatenate([a, b])) joins the list's parts as `concat a b` does;
  /// a bad part is named by its place in the list; an empty list is an error (it returned the list,
  /// or nothing, silently). Lists of numbers join as the vectors and matrices they are in
  /// arithmetic: rows of another width are refused, as numpy refuses them (they joined into a
  /// ragged list), and int and float vectors join as floats in either order, as numpy upcasts (int
  /// then float was refused).
  func testConcatOfAList() {
    // shape sees a list of equal rows as the matrix it is in arithmetic (it printed the list's length)
    Capture().expectOutput("print (shape [[1, 2]])\nprint (shape [[1, 2], [3, 4], [5, 6]])\n", "1 × 2\n3 × 2\n")
    Capture().expectError("c = concat [[[1, 2]], [[3]]]", "part 2 has 1 column, part 1 has 2")
    Capture().expectError("c = concat [[[1, 2]], [3, 4]]", "part 2 is an int vector, not a matrix")
    Capture().expectError("c = concat [[[1, 2], [3]], [[1]]]", "part 1 is a list of lists that is not a matrix")
    Capture().expectError("c = concat [[1, 2], 5]", "part 2 is an integer, not an int vector")
    Capture().expectOutput("y = [1, 2]\nprint (concat y [0.5])\nprint (concat [0.5] y)\nprint (concat [\"a\"] [\"b\", 1])\n",
                           "[1.0000 2.0000 0.5000]\n[0.5000 1.0000 2.0000]\n[\"a\", \"b\", 1]\n")
    // a list that is not numbers makes the join a list's in any order (numbers first was refused)
    Capture().expectOutput("print (concat [1, 2] [\"a\"])\n", "[1, 2, \"a\"]\n")
    let k = Capture()
    XCTAssertTrue(k.run("a = [[1, 2]] * 1\nb = [[3, 4], [5, 6]] * 1\nprint (shape (concat [a, b]))\nprint (sum ((concat [a, b]) - (concat a b)))\nprint (concat [[1, 2], [3]])\n"), k.err)
    XCTAssertEqual(k.out, "3 × 2\n0.0000\n[1 2 3]\n")
    Capture().expectError("a = [[1, 2]] * 1\nc = concat [a, \"x\"]", "part 2 is a string, not a matrix")
    Capture().expectError("c = concat []", "concat: needs matrices or vectors to join, got an empty list")
    // a bad part of a list of vectors is named by its place in the list (this crashed: the
    // message indexed the command's arguments, of which there is one)
    for (first, kind) in [("[1, 2, 3] * 1", "int vector"), ("[1.5, 2.5] * 1", "vector")] {
      let v = Capture()
      XCTAssertFalse(v.run("v = \(first)\nc = concat [v, \"a\"]"))
      XCTAssertTrue(v.err.contains("part 2 is a string, not a \(kind)") || v.err.contains("part 2 is a string, not an \(kind)"), v.err)
    }
  }

  /// A unary plus leaves a number, vector or matrix as it is (a keyword value too: p=+inf), and
  /// refuses anything else with the operator named.
  func testUnaryPlus() {
    let k = Capture()
    XCTAssertTrue(k.run("print (+3)\nprint (+2.5)\nprint (+[1, -2])\nprint (-+4)\n"), k.err)
    XCTAssertEqual(k.out, "3\n2.5000\n[1 -2]\n-4\n")
    let h = Capture()
    XCTAssertTrue(h.run("x = [[0, 0], [0, 1], [1, 0], [9, 9], [9, 8], [8, 9]] * 1\nl = hdbscan x metric=\"minkowski\" p=+inf min_cluster_size=2\nprint l\n"), h.err)
    let s = Capture()
    XCTAssertFalse(s.run("x = +\"a\""))
    XCTAssertTrue(s.err.contains("<test>:1:5: error: unary '+' needs a number, vector or matrix, got a string"), s.err)
  }

  /// A sign glued to a bracket after a command passes a signed argument: `print -(1)` prints −1,
  /// and `exit -(1)` is refused as `exit -1` is (it ran `exit`, status 0, before the subtraction
  /// could fail); `a -(1)` with a variable `a` is the error `a -1` gives, and `a - (1)` subtracts.
  func testASignBeforeABracketIsAnArgument() {
    Capture().expectOutput("print -(1)\nprint -[1, 2]\na = 5\nprint (a - (1))\n", "-1\n[-1 -2]\n4\n")
    Capture().expectError("exit -(1)\n", "the status must be 0 to 255, got -1")
    Capture().expectError("exit -+3\n", "the status must be 0 to 255, got -3")
    Capture().expectOutput("print --1\nprint -+-(1)\n", "1\n1\n")
    Capture().expectError("a = 5\nprint (a -(1))\n", "'a' is a variable, not a command")
  }

  /// minkowski with a p too large for float64 on the data is refused by umap, hdbscan and
  /// validity_index alike, naming p and the way out (p=inf); p=inf itself works.
  func testMinkowskiWithTooLargeAFiniteP() {
    let data = "x = [[0, 0], [10, 1], [4, 0.5], [3, 3], [7, 2], [1, 9]] * 1\nl = [0, 0, 0, 1, 1, 1]\n"
    for call in ["umap x metric=\"minkowski\" p=1000 n_neighbors=3", "hdbscan x metric=\"minkowski\" p=1000 min_cluster_size=2",
                 "validity_index x l metric=\"minkowski\" p=1000"] {
      let k = Capture()
      XCTAssertFalse(k.run(data + "r = " + call), call)
      XCTAssertTrue(k.err.contains("p=1000.0 is out of range") && k.err.contains("p=inf (chebyshev)"), "\(call): \(k.err)")
    }
    let k = Capture()
    XCTAssertTrue(k.run(data + "v = validity_index x l metric=\"minkowski\" p=inf\n"), k.err)
  }

  func testRecordsFieldsAndPrincipal() {
    let c = Capture()
    c.session.variables["r"] = .record(Record(kind: "test", fields: [("labels", .labels([0, 1, -1])), ("n", .int(3))], principal: "labels"))
    c.run("r.n\nr >= 0\nr[0:2]\nr.lables")
    XCTAssertTrue(c.out.hasPrefix("3\nvector 3 bool, 2 true\n[true true false]\nvector 2 int\n[0 1]\n"), c.out)
    XCTAssertTrue(c.err.contains("test record has no field 'lables'; did you mean labels?"), c.err)
  }

  func testStringsConcatenateAndFormat() {
    let c = Capture()
    c.run("print \"ARI\" 0.5 (format 0.123456 \"%.3f\")\n\"n=\" + 3")
    XCTAssertEqual(c.out, "ARI 0.5000 0.123\n\"n=3\"\n")
    // a number joins in full, as Python's str(): a float as the shortest text that reads back as it
    // (was cut to five digits: "e_1.2346e+06.npy"), a bool as true/false
    c.expectOutput("\"e_\" + 1234567.89 + \".npy\"", "\"e_1234567.89.npy\"\n")
    c.expectOutput("\"k\" + 5.0 + \"/\" + 1e-05 + \"/\" + true + \"/\" + (0/0)", "\"k5.0/1e-05/true/nan\"\n")
    // an element of float32 data joins as numpy's str() of a float32 (it gave the double
    // 0.2745097875595093 of 0.2745098f); a double of 9 digits or fewer that happens to be a float32
    // stays Python's str() of it (1e10 is a float32, str(1e10) is 10000000000.0)
    c.run("px = [[0.2745098, 16777216.0], [0.1, 1e10]]")
    c.expectOutput("\"a\" + px[0, 0] + \"/\" + px[0, 1] + \"/\" + px[1, 1] + \"/\" + 1e10 + \"/\" + 0.2745098",
                   "\"a0.2745098/16777216.0/10000000000.0/10000000000.0/0.2745098\"\n")
    c.expectOutput("\"b\" + px[1, 0]", "\"b0.1\"\n")
    // anything else is refused, not pasted as its display summary ("vvector 2 int")
    c.expectError("\"v\" + [1, 2]", "'+' joins a string with a string or a number, not with an int vector; write the "
                    + "number (x[0], count x, format v \"%.4f\") or use print to show an int vector")
    c.expectError("[1, 2, 3] + \"a\"", "'+' joins a string with a string or a number, not with an int vector")
    c.expectError("\"v\" + [1.5]", "not with a float vector")
    c.expectError("\"x\" + none", "not with none;")
    // a string that reads as a number (a --set value) and a number: arithmetic was meant, not "31"
    c.expectError("\"3\" + 1", "'+' of the string \"3\" and the number 1 would join them as text (\"31\"), not add them: "
                    + "convert the string first ((int x) + 1, (float x) + 1), or join two strings (\"3\" + \"1\")")
    c.expectError("2.5 + \"1e3\"", "'+' of the string \"1e3\" and the number 2.5 would join them as text (\"2.51e3\")")
    c.expectOutput("(int \"3\") + 1", "4\n")
    c.expectOutput("\"3\" + \"1\"", "\"31\"\n")
    c.expectOutput("\"part-\" + 7 + \".npy\"", "\"part-7.npy\"\n")
    c.expectOutput("\"nan\" + 1", "\"nan1\"\n")
  }

  func testIntegerOverflowIsAnErrorNotAWrapOrACrash() {
    let c = Capture()
    XCTAssertFalse(c.run("9223372036854775807 + 1"))
    XCTAssertTrue(c.err.contains("integer overflow in 9223372036854775807 + 1"), c.err)
    XCTAssertFalse(c.run("[9223372036854775807] * 2"))
    XCTAssertTrue(c.err.contains("integer overflow"), c.err)
    XCTAssertFalse(c.run("sum [9223372036854775807, 1]"))
    XCTAssertTrue(c.err.contains("integer overflow in the sum"), c.err)
    XCTAssertTrue(c.run("[9007199254740993] + 0"))
    XCTAssertEqual(c.out, "vector 1 int\n[9007199254740993]\n")  // exact, not through Double
  }

  func testIntsCompareExactly() {
    // 2^53 + 1 and 2^53 are one Double; Python's ints compare them as different
    let c = Capture()
    c.expectOutput("print (9007199254740993 == 9007199254740992) (9007199254740993 != 9007199254740992) (9007199254740993 > 9007199254740992)",
                   "false true true\n")
    c.expectOutput("print ([9007199254740993, 1] == 9007199254740992) ([9007199254740993] <= [9007199254740992])",
                   "[false false] [false]\n")
  }

  func testDeepExpressionsAreRefusedNotOverflowingTheStack() {
    let c = Capture()
    let long = "x = " + Array(repeating: "1", count: 5000).joined(separator: " + ")
    XCTAssertFalse(c.run(long))
    XCTAssertTrue(c.err.contains("expression nested too deeply (limit 1000 levels"), c.err)
    XCTAssertTrue(c.run(Array(repeating: "1", count: 500).joined(separator: " + ")))
    XCTAssertEqual(c.out, "500\n")
    // the deepest tree the parser accepts evaluates without exhausting the stack
    XCTAssertTrue(c.run("-(" + Array(repeating: "1", count: 999).joined(separator: " + ") + ")"), c.err)
    XCTAssertEqual(c.out, "-999\n")
  }

  func testReductionsAlongAxesAndNaN() {
    let c = Capture()
    c.session.variables["m"] = .matrix(.init(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6]))
    c.run("sum m axis=0\nmax m axis=1\nmean m\nmax [1.0, 0 / 0, 3.0]")
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, "vector 3 float\n[5.0000 7.0000 9.0000]\nvector 2 float\n[3.0000 6.0000]\n3.5000\nnan\n")
    XCTAssertFalse(c.run("m2 = m[[false, false]]\nmax m2 axis=0"))
    XCTAssertTrue(c.err.contains("max of a 0 × 3 matrix: no values"), c.err)
    XCTAssertFalse(c.run("mean m[0:0]"))
    XCTAssertTrue(c.err.contains("mean of a 0 × 3 matrix: no values"), c.err)
    XCTAssertFalse(c.run("v = [1.0, 2.0]\nmean v[[false, false]]"))
    XCTAssertTrue(c.err.contains("mean of an empty vector"), c.err)
    XCTAssertFalse(c.run("sum m axis=2"))
    XCTAssertTrue(c.err.contains("axis=2 is out of range"), c.err)
  }

  /// `umap ... init=<matrix>` and `transform`: a fitted model embeds new rows; errors name the problem.
  func testUMAPInitArrayAndTransform() {
    let c = Capture(threads: 2)
    c.session.variables["x"] = twoGroups(60, 3, period: 11, offset: 6)
    XCTAssertTrue(c.run("e = umap x n_neighbors=5 random_state=1\nt = transform e x[0:4]\nshape t"), c.err)
    XCTAssertEqual(c.out, "4 × 2\n")
    XCTAssertTrue(c.run("f = umap x n_neighbors=5 init=e n_epochs=0 random_state=1\nmin f"), c.err)
    XCTAssertEqual(c.out, "0.0000\n")
    // every row of init the same point: the jitter is scaled by the mean nearest-neighbour
    // distance (umap-learn's), 0 here, and every distance is 0, so the layout never moves it; the
    // [0, 10] rescale puts a dimension without spread at 5 (umap-learn's divides by 0); said so
    XCTAssertTrue(c.run("g = umap x n_neighbors=5 init=(x[:, 0:2] * 0 + 3) n_epochs=30 random_state=1\nmin g.embedding\nmax g.embedding"), c.err)
    XCTAssertEqual(c.out, "5.0000\n5.0000\n")
    XCTAssertTrue(c.err.contains("warning: init: every row is the same point, so the embedding stays a single point (every distance is 0, so nothing moves; each dimension is placed at 5, the middle of the [0, 10] it is scaled to); give init rows that differ"), c.err)
    XCTAssertFalse(c.run("transform x x"))
    XCTAssertTrue(c.err.contains("transform: the model must be the result of `umap` or `pca` (or such a model loaded from a file), got a matrix"), c.err)
    XCTAssertFalse(c.run("transform e x[:, 0:2]"))
    XCTAssertTrue(c.err.contains("the new data has 2 columns but the embedding was fitted on 3"), c.err)
    // a PCA model's transform takes no seed (it was accepted and ignored)
    XCTAssertTrue(c.run("p = pca x n_components=2\nq = transform p x[0:3]"), c.err)
    XCTAssertFalse(c.run("q = transform p x[0:3] transform_seed=5"))
    XCTAssertTrue(c.err.contains("transform_seed= is for a UMAP model; a PCA model's transform has no randomness"), c.err)
    XCTAssertFalse(c.run("umap x init=\"spectal\""))
    XCTAssertTrue(c.err.contains("did you mean spectral?"), c.err)
    XCTAssertFalse(c.run("umap x init=3"))
    XCTAssertTrue(c.err.contains("init must be one of \"spectral\"|\"random\"|\"pca\"|matrix"), c.err)
  }

  /// umap-learn accepts learning_rate = 0 (its layout then leaves the initial positions where they
  /// are: every move is scaled by 0); an infinite distance or strength is refused as not finite.
  func testUMAPLearningRateZeroAndInfiniteParameters() {
    let c = Capture(threads: 2)
    c.session.variables["x"] = twoGroups(60, 3, period: 11, offset: 6)
    XCTAssertTrue(c.run("""
      e0 = umap x n_neighbors=5 n_epochs=0 random_state=1
      e1 = umap x n_neighbors=5 n_epochs=30 learning_rate=0 random_state=1
      e2 = umap x n_neighbors=5 n_epochs=30 random_state=1
      max (abs (e1.embedding - e0.embedding))
      (max (abs (e2.embedding - e0.embedding))) > 0
      """), c.err)
    XCTAssertEqual(c.out, "0.0000\ntrue\n")
    c.expectError("umap x min_dist=(float \"inf\")", "min_dist=inf is out of range: it must be a finite number ≥ 0")
    c.expectError("umap x repulsion_strength=(float \"inf\")", "repulsion_strength=inf is out of range: it must be a finite number ≥ 0")
    c.expectError("umap x a=(float \"inf\") b=1", "a=inf is out of range: it must be a finite number > 0")
    c.expectError("umap x learning_rate=-1", "learning_rate")
  }

  /// `int` and `float` read numbers from strings (a `--set` value) as Python's int() and float() do.
  func testIntAndFloatConvertStrings() {
    let c = Capture()
    c.expectOutput("int \"5\"; int \" -12 \"; int 2.7; int -2.7; int true", "5\n-12\n2\n-2\n1\n")
    c.expectOutput("float \"0.5\"; float \"1e-3\"; float \"-inf\"; float 3", "0.5000\n0.0010\n-inf\n3.0000\n")
    // Python's float() reads a signed nan in any case (float("-NaN") is nan)
    c.expectOutput("float \"-nan\"; float \"+NaN\"; float \" nan \"", "nan\nnan\nnan\n")
    // digits grouped by underscores, and any script's decimal digits, as Python reads them
    // (int("1_000") is 1000, float("１.５") is 1.5, int("٣") is 3)
    c.expectOutput("int \"1_000\"; float \"1_000.5\"; float \"１.５\"; int \"٣\"", "1000\n1000.5000\n1.5000\n3\n")
    for bad in ["_1", "1_", "1__0", "1_.5", "1._5"] {
      c.expectError("float \"\(bad)\"", "cannot read \"\(bad)\" as a number")
    }
    c.expectError("int \"5.5\"", "cannot read \"5.5\" as an integer")
    // beyond Int64 (Python's int has no bound): said as such, not as a text that is no number
    c.expectError("int \"9223372036854775808\"", "\"9223372036854775808\" is beyond the integers clus holds (64-bit")
    c.expectError("int \"-99999999999999999999\"", "is beyond the integers clus holds")
    c.expectError("int 1e20", "1.0000e+20 is beyond the integers clus holds (64-bit")
    c.expectError("int \"1-2\"", "cannot read \"1-2\" as an integer")
    c.expectError("int (float \"nan\")", "has no integer value")
    c.expectError("float \"abc\"", "cannot read \"abc\" as a number")
    c.expectError("float \"0x1p3\"", "cannot read \"0x1p3\" as a number")
    c.session.variables["k"] = .string("3")
    c.session.variables["x"] = twoGroups(40, 2, period: 7, offset: 5)
    c.expectOutput("m = kmeans x n_clusters=(int k) random_state=0; shape m.cluster_centers", "3 × 2\n")
  }

  /// The prediction commands read an `hdbscan` record: approximate_predict, membership_vector
  /// (rows of new points × clusters), all_points_membership_vectors (training rows × clusters).
  func testHDBSCANPredictionCommands() {
    let c = Capture(threads: 2)
    c.session.variables["x"] = twoGroups(80, 2, period: 13, offset: 8)
    XCTAssertTrue(c.run("l = hdbscan x min_cluster_size=10\nl.n_clusters\np = approximate_predict l x[0:3]\np.labels\nshape (membership_vector l x[0:3])\nshape (all_points_membership_vectors l)"), c.err)
    XCTAssertEqual(c.out, "2\nvector 3 int\n[0 0 0]\n3 × 2\n80 × 2\n")
    XCTAssertFalse(c.run("membership_vector x x"))
    XCTAssertTrue(c.err.contains("membership_vector: the model must be the result of `hdbscan` (or such a model loaded from a file), got a matrix"), c.err)
    XCTAssertFalse(c.run("approximate_predict l x[0]"))
    XCTAssertTrue(c.err.contains("one new point must be a 1 × 2 matrix"), c.err)
    // saving the prediction writes its labels and says the probabilities are left out (it was silent)
    let out = NSTemporaryDirectory() + "clus-prediction-\(getpid()).npy"
    defer { try? FileManager.default.removeItem(atPath: out) }
    XCTAssertTrue(c.run("save p \"\(out)\""), c.err)
    XCTAssertTrue(c.err.contains("note: wrote the prediction record's field labels; its other array (probabilities) is not in the file"), c.err)
  }

  /// Found by a REPL test: non-finite or huge float indices are errors (they crashed), slices
  /// clamp; lists of rows index and save as matrices; huge format widths are refused.
  func testFloatIndicesListsAndFormatLimits() {
    let c = Capture()
    XCTAssertTrue(c.run("x = [3, 1, 2]\nx[0:inf]\nx[-inf:2]"), c.err)
    XCTAssertEqual(c.out, "vector 3 int\n[3 1 2]\nvector 2 int\n[3 1]\n")
    // a NaN formats as Python's '%f' % nan does, whatever its sign bit (0/0 has it set: glibc wrote "-nan")
    c.expectOutput("format (0.0 / 0) \"%.3f\"", "\"nan\"\n")
    c.expectOutput("format ([[0.0]] / 0)[0, 0] \"%E\"", "\"NAN\"\n")
    c.expectOutput("format (-inf) \"%f\"", "\"-inf\"\n")
    for bad in ["x[inf]", "x[-1e19]", "x[1e300]"] {
      XCTAssertFalse(c.run(bad))
      XCTAssertTrue(c.err.contains("is out of range for 3 elements"), c.err)
    }
    XCTAssertTrue(c.run("m = [[1, 2], [3, 4]]\nm[1, 0]"), c.err)
    XCTAssertEqual(c.out, "3.0000\n")
    XCTAssertFalse(c.run("format 3 \"%99999999f\""))
    XCTAssertTrue(c.err.contains("limited to 999"), c.err)
    // the spec is checked as printf would read it: a width from a missing argument, a string, an
    // int, a write (%n), two conversions or none are refused (vsnprintf's behaviour was undefined;
    // "%*f" and "%n f" passed, the check only counted % signs and looked for an f anywhere)
    for bad in ["%*f", "%n f", "%s f", "%d", "%f %f", "Error", "%", "%.2q", "%hf", "%-*.2f"] {
      c.expectError("format 3 \"\(bad)\"", "needs one %f, %e or %g conversion")
    }
    // a NUL would end the spec early (the number silently dropped), multibyte text depends on the locale
    c.expectError("format 1.5 \"a\\u{0}%f\"", "printable ASCII only (no control characters, no accents), got \"a\\u{0}%f\"")
    c.expectError("format 1.5 \"é%f\"", "printable ASCII only")
    // leading zeros are the 0 flag (a width) or nothing (a precision), not a width beyond 999
    c.expectOutput("print (format 2.5 \"%000005.1f\") (format 2.5 \"%.0002f\")", "002.5 2.50\n")
    c.expectError("format 2.5 \"%.1000f\"", "limited to 999")
    // flags, widths, precisions, %lf and a literal percent sign are printf's
    c.expectOutput("print (format 0.5 \"%.1f%%\") (format 3.14159 \"%+08.3lf\") (format 1234.5 \"%-10.2e|\") (format 2 \"%#g\")",
                   "0.5% +003.142 1.23e+03  | 2.00000\n")
  }

  /// `for k in [...] { ... }` runs the body per item; the loop variable and what the body binds
  /// stay visible afterwards, as in Python; errors point into the body.
  func testForLoopRunsTheBodyPerItemAndKeepsItsBindings() {
    let c = Capture(threads: 2)
    c.session.variables["e"] = twoGroups(80, 2, period: 13, offset: 8)
    c.expectOutput("for k in [5, 10, 50] { l = hdbscan e min_cluster_size=k; print k l.n_clusters }\nk\nl.n_clusters", "5 4\n10 2\n50 0\n50\n0\n")
    // bare expressions display each time (unless `;` ends their line); vectors give their elements
    c.expectOutput("total = 0\nfor v in [1, 2] + 0 {\n  v * 10\n  total = total + v;\n}\ntotal", "10\n20\n3\n")
    // nested loops, an empty list (the variable stays unbound)
    c.expectOutput("for a in [1, 2] { for b in [10, 20] { print a b } }\nfor z in [] { print z }", "1 10\n1 20\n2 10\n2 20\n")
    XCTAssertNil(c.session.variables["z"])
    // an error inside the body points at the body's source and names the item
    XCTAssertFalse(c.run("for k in [1, 0] {\n  x = k\n  y = nosuch + k\n}", name: "loop.clus"))
    XCTAssertTrue(
      c.err.hasPrefix("loop.clus:3:7: error: unknown variable or command 'nosuch' (in the for loop, k = 1)\n  y = nosuch + k\n      ^~~~~~"),
      c.err)
    guard case .int(1)? = c.session.variables["x"] else { return XCTFail("x = \(String(describing: c.session.variables["x"]))") }
    c.expectError("for k in 3 { k }", "<test>:1:10: error: for needs a list or a vector to run over, got an integer")
  }

  /// `print` shows a vector's values as display does, not its kind and length.
  func testPrintShowsVectorValues() {
    let c = Capture()
    c.expectOutput("v = [3, 1, 2] + 0\nprint v\nprint \"x\" (v * 0.5) (v > 1) 7", "[3 1 2]\nx [1.5000 0.5000 1.0000] [true false true] 7\n")
    c.expectOutput("print ([" + (0..<20).map(String.init).joined(separator: ", ") + "] + 0)", "[0 1 2 ... 17 18 19]\n")
  }

  /// IPython's trailing semicolon: `expr;` at the end of a line is evaluated (and bound to _)
  /// without being displayed; `a; b` still displays both.
  func testTrailingSemicolonHidesTheValue() {
    let c = Capture()
    XCTAssertTrue(c.run("x = 5; x * 2;\n_\nx; x + 1"), c.err)
    XCTAssertEqual(c.out, "10\n5\n6\n")
    // a call's arguments end at an operator: the error shows both readings, nothing is printed
    c.expectError("print 1 + 1", "write (print 1) + 1 or print (1 + 1)")
    XCTAssertEqual(c.out, "")
    XCTAssertTrue(c.run("print (1 + 1)"))
    XCTAssertEqual(c.out, "2\n")
  }

  func testHelpTakesABareCommandName() {
    let c = Capture()
    XCTAssertTrue(c.run("help umap"))
    XCTAssertTrue(c.out.hasPrefix("umap: UMAP embedding"), c.out)
    XCTAssertTrue(c.out.contains("  n_neighbors             = 15  (int, ≥ 2)  size of the local neighbourhood"), c.out)
    XCTAssertFalse(c.run("help umapp"))
    XCTAssertTrue(c.err.contains("no command 'umapp'; did you mean umap?"), c.err)
  }

  func testCommandsMarkdownIsUpToDate() throws {
    var root = "\(#filePath)".split(separator: "/").map(String.init)
    root.removeLast(3)
    let path = "/" + root.joined(separator: "/") + "/docs/commands.md"
    let committed = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertEqual(committed, commandsMarkdown(CommandTable.standard) + "\n", "docs/commands.md is stale: run make docs")
  }

  func testAndOrShortCircuitAndListsAsData() {
    let c = Capture()
    // Python's `false and x` and `true or x` do not evaluate x (clus evaluated it: an unknown name failed)
    c.expectOutput("print (false and nope) (true or nope)\n", "false true\n")
    c.expectError("print (true and nope)", "unknown variable or command 'nope'")
    // a list of numbers as data is n points of one value each, as a vector is (it was refused)
    c.expectOutput("print (ari (kmeans [1, 2, 10, 11, 12] n_clusters=2 random_state=0) [0, 0, 1, 1, 1])\n", "1.0000\n")
    // umap-learn's init="pca" refuses more components than columns (scikit-learn's PCA); clus filled them with noise
    c.session.variables["x"] = twoGroups(20, 3, period: 7, offset: 5)
    c.expectError("umap x init=\"pca\" n_components=5 n_neighbors=5", "init=\"pca\" needs n_components (5) at most the data's columns and rows (20 × 3)")
  }

  func testLineBreaksAreUniversalNewlines() {
    // a classic Mac file (lone \r) is three statements, as Python reads source; \r was whitespace and
    // ran them together ("a = 1 b = ...": an error at b)
    let c = Capture()
    c.expectOutput("a = 1\rb = a + 1\rprint b\r", "2\n")
    // a string across a Windows line break holds \n alone (it kept the \r), as Python's does
    c.expectOutput("s = \"x\r\ny\"\r\nprint (s == \"x\\ny\")\r\n", "true\n")
    // an error's line and column count lone \r breaks
    c.expectError("a = 1\rb = nope + 1\r", "<test>:2:5: error:")
  }

  /// A warning is shown as an error is: `file:line:col: warning:`, then the statement's line and a
  /// caret under the command that warned.
  func testWarningShowsTheSourceLineAndACaret() {
    let c = Capture()
    c.session.variables["x"] = twoGroups(8, 2, period: 5, offset: 4)
    XCTAssertTrue(c.run("a = 1\nl = hdbscan x min_samples=9 min_cluster_size=2\n"), c.err)
    XCTAssertEqual(c.err, """
      <test>:2:5: warning: min_samples=9 is more than the other points (7): using 7, as the hdbscan library does, so few or no points can be core
      l = hdbscan x min_samples=9 min_cluster_size=2
          ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~

      """)
  }

  /// `print` writes a record (a model's timings, a score) in full, field by field, as its display
  /// shows it (Python's print of a dict shows the values, not only the keys).
  func testPrintOfARecordShowsItsFields() {
    let c = Capture()
    c.session.variables["x"] = .labels([0, 0, 1, 1])
    c.session.variables["y"] = .labels([1, 1, 0, 0])
    XCTAssertTrue(c.run("s = score x y\ns\n"), c.err)
    let shown = c.out
    XCTAssertTrue(shown.contains(".ari") && shown.contains("1.0000"), shown)
    XCTAssertTrue(c.run("print s\n"), c.err)
    XCTAssertEqual(c.out, shown)
    XCTAssertTrue(c.run("print \"scores:\" s\n"), c.err)
    XCTAssertEqual(c.out, "scores: " + shown)
    // after a value of several lines the next value starts a line (it was glued to the last field)
    XCTAssertTrue(c.run("print \"a\" s \"b\"\n"), c.err)
    XCTAssertEqual(c.out, "a " + shown + "b\n")
    XCTAssertTrue(c.run("print s s\n"), c.err)
    XCTAssertEqual(c.out, shown + shown)
  }
}
