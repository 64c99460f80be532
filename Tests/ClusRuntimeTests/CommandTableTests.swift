import XCTest
import ClusAlgorithms
import ClusLang
@testable import ClusRuntime

/// Every command of the standard table runs here, once as written in `calls` and once more per
/// value of each keyword parameter (`variants`), so that a command's code reading a parameter its
/// table entry does not declare (a misspelt name), or reading it as the wrong type, fails the
/// tests: `Invocation`'s accessors throw `CommandDefinitionError` ("internal error: …").
final class CommandTableTests: XCTestCase {
  /// A folder for the files the calls read and write.
  static let folder: String = {
    let dir = NSTemporaryDirectory() + "clus-command-table-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try? "x,y,name\n1,2,p\n3,NA,q\n".write(toFile: dir + "/a.csv", atomically: true, encoding: .utf8)
    return dir
  }()

  override class func tearDown() {
    try? FileManager.default.removeItem(atPath: folder)
    super.tearDown()
  }

  /// Calls that run each command on the fixture's variables (`x` 30 × 3 in two groups, `y` their
  /// labels, `v` floats, `e` a umap result, `h` an hdbscan result, `f` a figure). Each must
  /// succeed; a parameter already given here gets no variants.
  static let calls: [String: [String]] = {
    let dir = folder
    var c: [String: [String]] = [
      "help": ["help", "help umap"], "vars": ["vars"], "time": ["time sum v", "time umap x n_epochs=5 random_state=1"],
      "shape": ["shape x"], "nnz": ["nnz x", "nnz v"], "dense": ["dense x"], "svd": ["svd x", "svd x n_components=1"],
      "count": ["count v"], "unique": ["unique y"], "print": ["print 1 \"a\""],
      "format": ["format 1.5 \"%.2f\""], "power": ["power v 2"], "quantile": ["quantile v q=0.5"],
      "sort": ["sort x", "sort v"], "argsort": ["argsort v"], "where": ["where (y >= 1) y 0"],
      "standard_scale": ["standard_scale x"], "l2_normalize": ["l2_normalize x"], "crosstab": ["crosstab y y"],
      "load": [
        "load \"\(dir)/a.csv\"", "load \"\(dir)/a.csv\" header=false delimiter=\",\" columns=[0, 2] na_values=[\"NA\"]",
        "load \"\(dir)/a.csv\" header=true usecols=[0, 1] na_values=\"-\"",
      ],
      "save": ["save x \"\(dir)/x.npy\"", "save e \"\(dir)/e.npz\""], "concat": ["concat x x"],
      "umap": ["umap x n_epochs=5 random_state=1", "umap x n_epochs=5 random_state=1 init=e.embedding",
               "umap x n_epochs=5 random_state=1 y=y target_weight=0.9", "umap x n_neighbors=5 n_epochs=5 random_state=1 knn=e"],
      "transform": ["transform e x[0:3]", "transform e x[0:3] transform_seed=5", "transform (pca x n_components=2) x[0:3]"],
      "predict": ["predict (kmeans x n_clusters=2 random_state=0) x[0:3]"],
      "int": ["int \"5\"", "int 2.7"], "float": ["float \"0.5\"", "float 3"],
      // (the fixture's session stops the statement and keeps running later ones)
      "exit": ["exit", "exit 3"], "quit": ["quit"],
      "hdbscan": ["hdbscan x min_cluster_size=5"],
      "approximate_predict": ["approximate_predict h x[0:3]"], "membership_vector": ["membership_vector h x[0:3]"],
      "all_points_membership_vectors": ["all_points_membership_vectors h"],
      "assign_noise": ["assign_noise h", "assign_noise h strategy=\"membership\""],
      "kmeans": ["kmeans x n_clusters=2 random_state=0"], "pca": ["pca x"], "trustworthiness": ["trustworthiness x x"],
      "dbscan": ["dbscan x"],
      "validity_index": ["validity_index x y", "validity_index x y per_cluster_scores=true mst_raw_dist=true metric=\"minkowski\" p=3"],
      "relative_validity": ["relative_validity h"],
      "sweep": ["sweep hdbscan x min_cluster_size=[5, 10] y=y sample_size=10 validity_index=true",
                "sweep umap x n_neighbors=[5, 6] n_epochs=5 random_state=1 min_cluster_size=5 seeds=2"],
      "best": ["best (sweep hdbscan x min_cluster_size=[5, 10]) by=\"silhouette\""],
      "silhouette": ["silhouette x y", "silhouette x y sample_size=20 random_state=3"], "silhouette_samples": ["silhouette_samples x y"],
      "calinski_harabasz": ["calinski_harabasz x y"], "davies_bouldin": ["davies_bouldin x y"],
      "plot": [
        "plot x width=64 height=48", "plot x y noise_color=\"red\" width=64 height=48", "plot x color=v width=64 height=48", "plot f x out=\"\(dir)/f.svg\"", "plot f x noise_color=0.3",
        "plot (sweep hdbscan x min_cluster_size=[5, 10]) by=\"silhouette\" width=64 height=48", "plot h.condensed_tree out=\"\(dir)/t.pdf\""],
    ]
    for name in ["sum", "mean", "min", "max", "var", "std", "median", "sqrt", "log", "log1p", "exp", "abs"] {
      c[name] = ["\(name) x"]
    }
    for name in ["ari", "ami", "nmi", "score"] { c[name] = ["\(name) y y"] }
    return c
  }()

  /// A session holding the fixture's variables, writing pictures to `folder`.
  static func fixture(table: CommandTable = .standard) -> Capture {
    let c = Capture()
    c.session.table = table
    c.session.display = PlotFolder(folder)
    c.session.variables["x"] = twoGroups(30, 3, period: 7, offset: 5)
    c.session.variables["y"] = .labels((0..<30).map { $0 < 15 ? 0 : 1 })
    c.session.variables["v"] = .floats((0..<30).map { Double($0 % 7) + 0.5 })
    if table["umap"] != nil {
      let ok = c.run("e = umap x n_neighbors=5 n_epochs=5 random_state=1\nh = hdbscan x min_cluster_size=5\nf = plot x width=64 height=48")
      precondition(ok, c.err)
    }
    return c
  }

  /// Values to try for a parameter besides its default: each choice, the other Boolean, a number
  /// inside its bounds. Parameters of type `any` are covered by the calls themselves.
  static func variants(_ p: ParamSpec) -> [String] {
    func inBounds(_ x: Double) -> Bool { p.bounds?.contains(x) ?? true }
    let d = p.defaultValue.number
    switch p.type {
    case .bool: if case .bool(true) = p.defaultValue { return ["false"] } else { return ["true"] }
    case .choice(let options), .choiceOrMatrix(let options): return options.map { "\"\($0)\"" }
    case .seed: return ["7"]
    case .intOrFraction: return ["2", "0.5"]
    case .int:
      let candidates = (d.map { [$0 + 1] } ?? []) + [p.bounds?.lower ?? 1, 1, 2, 0]
      return candidates.first(where: { inBounds($0) && $0 != d }).map { [String(Int($0))] } ?? []
    case .float:
      let candidates = (d.map { [$0 / 2] } ?? []) + [(p.bounds?.lower ?? 0) + 0.5, 0.5, 1.5]
      return candidates.first(where: { inBounds($0) && $0 != d }).map { ["\($0)"] } ?? []
    case .string: return ["\"t\""]
    case .path: return ["\"\(folder)/p.png\""]
    default: return []
    }
  }

  /// Runs every call of every command in `table`, then each with every variant of each parameter
  /// it does not give; returns the failures: commands without a call, calls that fail, and
  /// internal errors (reads of undeclared parameters) anywhere.
  static func failures(table: CommandTable, calls: [String: [String]]) -> [String] {
    let c = fixture(table: table)
    var out: [String] = []
    for command in table.commands {
      guard let base = calls[command.name], !base.isEmpty else {
        out.append("\(command.name): no call in CommandTableTests.calls")
        continue
      }
      for call in base {
        if !c.run(call) { out.append("\(call): \(c.err)") }
        for p in command.params where !call.contains(" \(p.name)=") {
          for v in variants(p) where !c.run("\(call) \(p.name)=\(v)") && c.err.contains("internal error") {
            out.append("\(call) \(p.name)=\(v): \(c.err)")
          }
        }
      }
    }
    return out
  }

  func testEveryCommandAndParameterReadsOnlyWhatItsTableDeclares() {
    let failures = Self.failures(table: .standard, calls: Self.calls)
    XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
  }

  /// A table with one command, `probe`, declaring `param` and running `run`.
  static func probe(_ param: ParamSpec, _ run: @escaping @Sendable (inout Invocation) throws -> Value) -> CommandTable {
    var t = CommandTable()
    t.register(Command("probe", group: "basics", summary: "a test command", params: [param], run: run))
    return t
  }

  func testAMisspeltParameterReadIsCaught() {
    let t = Self.probe(ParamSpec("n_neighbors", .int, .int(15), .atLeast(2), "k")) { inv in .int(try inv.int("n_neighbor")) }
    let failures = Self.failures(table: t, calls: ["probe": ["probe"]])
    XCTAssertEqual(failures.count, 2, failures.joined(separator: "\n"))  // the call and its variant
    XCTAssertTrue(failures[0].contains("internal error: probe reads parameter 'n_neighbor', which its table entry does not declare"), failures[0])
  }

  func testAMisspeltNameInABindingIsCaught() {
    var t = CommandTable()
    t.register(Command(
      "probe", group: "basics", summary: "a conversion that reads a misspelt name",
      parameters: ParamTable(UMAPParameters(), [
        .int("n_neighbors", \.nNeighbors, .atLeast(2), "k"),
        .converted({ _ in [ParamSpec("metric", .string, .string("euclidean"), nil, "distance")] }) { p, inv in
          p.metric = try Metric(name: inv.string("metrc"))
        },
      ])
    ) { _, p in .int(p.nNeighbors) })
    let failures = Self.failures(table: t, calls: ["probe": ["probe"]])
    XCTAssertFalse(failures.isEmpty)
    XCTAssertTrue(failures.allSatisfy { $0.contains("internal error: probe reads parameter 'metrc'") }, failures.joined(separator: "\n"))
  }

  func testReadingAParameterAsTheWrongTypeIsCaught() {
    let t = Self.probe(ParamSpec("min_dist", .float, .float(0.1), .atLeast(0), "d")) { inv in .int(try inv.int("min_dist")) }
    let c = Self.fixture(table: t)
    XCTAssertFalse(c.run("probe"))
    XCTAssertTrue(c.err.contains("internal error: probe reads parameter 'min_dist' as an integer, but its value is 0.1"), c.err)
  }

  func testEveryCommandHasACallAndNoOtherNames() {
    XCTAssertEqual(Set(Self.calls.keys), Set(CommandTable.standard.names))
  }

  /// Bound parameters take their defaults from the parameter struct, and a call that gives none
  /// fills in exactly that struct.
  func testBoundDefaultsComeFromTheParameterStruct() {
    var defaults = UMAPParameters()
    defaults.nNeighbors = 7
    defaults.minDist = 0.25
    let table = ParamTable(defaults, [
      .int("n_neighbors", \.nNeighbors, .atLeast(2), "k"),
      .float("min_dist", \.minDist, .atLeast(0), "d"),
      .int("n_epochs", \.nEpochs, .atLeast(0), "e"),
      .seed("random_state", \.randomState, "s"),
    ])
    XCTAssertEqual(table.specs.map { Display.summary($0.defaultValue) }, ["7", "0.2500", "none", "none"])
    var t = CommandTable()
    let expected = defaults
    t.register(Command("probe", group: "basics", summary: "fills UMAPParameters", parameters: table) { _, p in
      if p.nNeighbors == 7 { XCTAssertEqual(p, expected) }
      return .int(p.nNeighbors)
    })
    let c = Self.fixture(table: t)
    c.expectOutput("probe", "7\n")
    c.expectOutput("probe n_neighbors=9", "9\n")
  }

  /// Each declared default is accepted by its own type and bounds, and names are unique.
  func testDefaultsSatisfyTheirTypesAndBounds() {
    let s = Session(threads: 1)
    let at = SourceRange(SourceLocation(line: 1, column: 1, offset: 0), SourceLocation(line: 1, column: 1, offset: 0))
    for c in CommandTable.standard.commands {
      XCTAssertEqual(Set(c.params.map(\.name)).count, c.params.count, "\(c.name) declares a parameter twice")
      for p in c.params {
        XCTAssertNoThrow(try s.checkParam(p, p.defaultValue, command: c.name, at: at), "\(c.name) \(p.name)")
      }
    }
  }

  /// The evaluator dispatches on the table's `syntax`, not on command names.
  func testSyntaxIsDeclaredByTheTable() {
    let t = CommandTable.standard
    XCTAssertEqual(t["time"]?.syntax, .unevaluated)
    XCTAssertEqual(t["help"]?.syntax, .bareNamesAsStrings)
    XCTAssertEqual(t["sweep"]?.syntax, .unevaluated)
    XCTAssertEqual(t.commands.filter { $0.syntax != .values }.map(\.name).sorted(), ["help", "sweep", "time"])
    // a command of another name with the same syntax behaves the same way
    var custom = CommandTable()
    var topic = t["help"]!
    topic.name = "about"
    custom.register(topic)
    var timer = t["time"]!
    timer.name = "clock"
    custom.register(timer)
    let c = Self.fixture(table: custom)
    XCTAssertTrue(c.run("about about"), c.err)
    XCTAssertTrue(c.out.hasPrefix("about: List the commands"), c.out)
    XCTAssertTrue(c.run("x = 2\nclock (x + 1)"), c.err)
    XCTAssertTrue(c.out.hasPrefix("wall time: ") && c.out.hasSuffix(" s\n3\n"), c.out)
  }
}
