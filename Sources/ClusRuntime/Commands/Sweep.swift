import ClusAlgorithms
import ClusLang

// `sweep`: fit hdbscan (or umap, then hdbscan on each embedding) over a grid of parameters and score
// every setting without labels, reusing what does not change between settings: one HDBSCAN hierarchy
// (core distances and spanning tree) for all settings that share min_samples, alpha, metric and
// approx_min_span_tree; one kNN search for all umap settings that differ only in the layout's
// parameters (umap's `knn=` reuse). `best` picks a row of the table.

/// The record kind of a sweep's table (its fields are its columns; saved as a table).
let sweepTableKind = "sweep table"

/// umap parameters that change only the layout, not the neighbour search: settings that differ only
/// in these share one kNN graph.
private let umapLayoutParameters: Set<String> = [
  "min_dist", "spread", "n_epochs", "learning_rate", "init", "n_components", "set_op_mix_ratio", "local_connectivity",
  "repulsion_strength", "negative_sample_rate", "a", "b", "disconnection_distance", "densmap", "dens_lambda",
  "dens_frac", "dens_var_shift", "output_dens", "target_metric", "target_weight", "target_n_neighbors",
]

/// Score columns where lower is better (`best` minimises them).
private let lowerIsBetter: Set<String> = ["noise_fraction", "davies_bouldin"]

/// One swept or fixed parameter: its name, its values (one for a fixed parameter) and where it was written.
private struct Axis {
  var keyword: Session.CallKeyword
  var values: [Value]
  var swept: Bool
}

func registerSweep(_ t: inout CommandTable) {
  t.register(Command(
    "sweep", group: "scores",
    summary: "Fit hdbscan, or umap then hdbscan, over every combination of list-valued parameters and score each setting without labels: a table",
    args: [ArgSpec("call", .any, "hdbscan DATA or umap DATA, then their parameters; a list ([50, 100]) is swept")],
    params: [
      ParamSpec("y", .any, .none, nil, "reference labels: adds ari and ami columns (never used to fit)"),
      ParamSpec("seeds", .int, .none, .between(2, 1000), "umap sweeps: fit each setting with this many random_state values (random_state, +1, …) and add stability, the mean pairwise ARI of their labels"),
      ParamSpec("sample_size", .int, .int(2000), .atLeast(2), "the silhouette column scores at most this many clustered points (drawn with random_state 0; its standard error is then about 0.01)"),
      ParamSpec("validity_index", .bool, .bool(false), nil, "add DBCV (validity_index) per setting: exact, but Σ cluster size² distances each"),
    ],
    examples: [
      "s = sweep hdbscan e min_cluster_size=[50, 100, 250, 500, 1000] min_samples=[5, 10]",
      "best s by=\"relative_validity\"",
      "s2 = sweep umap x n_neighbors=[15, 30] min_dist=[0, 0.1] random_state=42 min_cluster_size=500 seeds=3",
      "save s \"sweep.csv\"",
    ],
    syntax: .unevaluated
  ) { inv in
    guard let (args, kwargs, range) = inv.syntax else { return .none }
    return try runSweep(inv.session, args: args, kwargs: kwargs, range: range)
  })
  t.register(Command(
    "best", group: "scores",
    summary: "The row of a sweep table with the best score (the highest; the lowest for noise_fraction): a record of its parameters and scores",
    args: [ArgSpec("table", .any, "the result of `sweep`")],
    params: [ParamSpec("by", .string, .string("relative_validity"), nil, "the column to rank by")],
    examples: ["best s", "b = best s by=\"validity_index\"", "b.min_cluster_size"]
  ) { inv in
    guard case .record(let r) = inv.rawArgs[0], r.kind == sweepTableKind else {
      throw CommandError.invalidArgument("best takes the table of `sweep`, got \(inv.rawArgs[0].kindWithArticle)")
    }
    let by = try inv.string("by")
    guard case .floats(let v)? = r[by] else { throw sweepScoreError(r, by) }
    let low = lowerIsBetter.contains(by)
    var pick: Int? = nil
    for (i, x) in v.enumerated() where !x.isNaN {
      if let p = pick { if low ? x < v[p] : x > v[p] { pick = i } } else { pick = i }
    }
    guard let row = pick else { throw CommandError.invalidArgument("every row's \(by) is nan: no setting can be ranked by it") }
    return .record(Record(kind: "sweep row", fields: r.fields.map { f in (f.name, element(f.value, row)) }))
  })
}

/// The error for `by=` naming no score column of a sweep table: a misspelling gets "did you mean", a
/// score the sweep was not asked for says how to ask for it, a parameter says it is one.
func sweepScoreError(_ r: Record, _ by: String) -> CommandError {
  let params = Array(r.fieldNames.prefix { $0 != "n_clusters" })
  let scores = r.fieldNames.filter { n in !params.contains(n) && { if case .floats = r[n]! { return true }; return false }() }
  let list = "(the table's scores: " + scores.joined(separator: ", ") + ")"
  let hint: String
  switch by {
  case _ where params.contains(by) || by == "n_clusters": hint = "\(by) is not a score \(list)"
  case "validity_index": hint = "this sweep has no validity_index column: run it with validity_index=true \(list)"
  case "ari", "ami": hint = "this sweep has no \(by) column: run it with y= (reference labels) \(list)"
  case "stability": hint = "this sweep has no stability column: run a umap sweep with seeds= \(list)"
  default: hint = "no column '\(by)'\(didYouMean(by, scores)) \(list)"
  }
  return CommandError.invalidArgument("by=\(Display.quote(by)): \(hint)")
}

private func isNone(_ v: Value) -> Bool { if case .none = v { return true }; return false }

/// Element `i` of a table column as a scalar value.
private func element(_ v: Value, _ i: Int) -> Value {
  switch v {
  case .floats(let x): return .float(x[i])
  case .labels(let x): return .int(x[i])
  case .list(let x): return x[i]
  case .mask(let x): return .bool(x[i])
  default: return .none
  }
}

private func runSweep(_ session: Session, args: [Expr], kwargs: [KeywordArg], range: SourceRange) throws -> Value {
  let sweepCommand = session.table["sweep"]!
  guard args.count == 2, case .name(let target, let targetRange) = args[0] else {
    throw RuntimeError("sweep needs a command and its data: sweep hdbscan e min_cluster_size=[50, 100]", at: args.count > 2 ? args[2].range : range)
  }
  guard target == "hdbscan" || target == "umap" else {
    throw RuntimeError("sweep runs hdbscan or umap (then hdbscan), not '\(target)'\(didYouMean(target, ["hdbscan", "umap"]))", at: targetRange)
  }
  let hdbscanCommand = session.table["hdbscan"]!, umapCommand = session.table["umap"]!
  let data = try session.evaluate(args[1])
  let x = try session.coerce(data, to: .matrix, what: "sweep: DATA", at: args[1].range)
  guard case .matrix(let matrix) = x else { return .none }

  // the sweep's own parameters, then the swept command's (a list is an axis)
  var own: [Session.CallKeyword] = []
  var umapAxes: [Axis] = [], hdbscanAxes: [Axis] = []
  for k in kwargs {
    // a bare name for a string (cluster_selection_method=[eom, leaf]) is refused with a hint to quote it
    let ownParam = sweepCommand.param(k.name)
    if let p = ownParam ?? (target == "umap" ? umapCommand.param(k.name) : nil) ?? hdbscanCommand.param(k.name),
      let e = session.bareStringError(k.value, for: p, swept: ownParam == nil) { throw e }
    let value = try session.evaluate(k.value)
    let keyword = Session.CallKeyword(k.name, k.nameRange, value, k.value.range)
    if ownParam != nil { own.append(keyword); continue }
    let toUMAP = target == "umap" && umapCommand.param(k.name) != nil
    guard toUMAP || hdbscanCommand.param(k.name) != nil else {
      let names = (target == "umap" ? umapCommand.params.map(\.name) : []) + hdbscanCommand.params.map(\.name) + sweepCommand.params.map(\.name)
      let umapHint = target == "hdbscan" && umapCommand.param(k.name) != nil
        ? " (\(k.name) is umap's: sweep umap DATA \(k.name)=[…] min_cluster_size=… embeds and then clusters)" : parameterHint(k.name, names)
      throw RuntimeError("sweep \(target) has no parameter '\(k.name)'\(umapHint)", at: k.nameRange)
    }
    var axis = Axis(keyword: keyword, values: [value], swept: false)
    if case .list(let items) = value {
      guard !items.isEmpty else { throw RuntimeError("the list of \(k.name) values is empty: give at least one", at: k.value.range) }
      if let bad = items.first(where: { if case .list = $0 { return true }; return false }) {
        throw RuntimeError("\(k.name): a swept value must be one value, not \(bad.kindName)", at: k.value.range)
      }
      axis.values = items
      axis.swept = true
    }
    if toUMAP { umapAxes.append(axis) } else { hdbscanAxes.append(axis) }
  }
  let (ownKw, _, _) = try session.checkedKeywords(sweepCommand, own)
  let seeds: Int? = { if case .int(let s)? = ownKw["seeds"] { return s }; return nil }()
  guard case .int(let sampleSize)? = ownKw["sample_size"], case .bool(let withDBCV)? = ownKw["validity_index"] else { return .none }
  var reference: [Int]? = nil
  if let y = ownKw["y"], !isNone(y) {
    let r = own.first { $0.name == "y" }!.valueRange
    guard case .labels(let l) = try session.coerce(y, to: .labels, what: "sweep: y", at: r) else { return .none }
    guard l.count == matrix.rows else { throw RuntimeError("y has \(l.count) labels for \(matrix.rows) rows", at: r) }
    reference = l
  }
  if target == "hdbscan" {
    if let s = own.first(where: { $0.name == "seeds" }), seeds != nil {
      throw RuntimeError("hdbscan is deterministic: seeds applies to umap sweeps", at: s.nameRange)
    }
  } else if hdbscanAxes.isEmpty {
    throw RuntimeError("a umap sweep clusters each embedding with hdbscan: give its parameters too (min_cluster_size=500)", at: range)
  }
  if umapAxes.allSatisfy({ !$0.swept }) && hdbscanAxes.allSatisfy({ !$0.swept }) && seeds == nil {
    throw RuntimeError("nothing to sweep: give a parameter a list of values (min_cluster_size=[50, 100])", at: range)
  }

  // every setting checked (types and bounds) before anything runs
  let umapSettings = product(umapAxes), hdbscanSettings = product(hdbscanAxes)
  for s in umapSettings { _ = try session.checkedKeywords(umapCommand, s) }
  var hdbscanParameters: [HDBSCANParameters] = []
  for s in hdbscanSettings {
    let (kw, given, _) = try session.checkedKeywords(hdbscanCommand, s)
    let inv = Invocation(command: "hdbscan", args: [], kwargs: kw, given: given, session: session,
                         context: session.makeContext(), rawArgs: [])
    do { hdbscanParameters.append(try hdbscanParameterTable.fill(inv)) } catch {
      throw RuntimeError("sweep: hdbscan: \(error)", at: range)
    }
  }
  let context = session.makeContext()
  let scorer = SweepScorer(reference: reference, sampleSize: sampleSize, withDBCV: withDBCV, context: context)

  var columns: [(name: String, value: Value)] = []
  var rows: [[Double]] = []
  if target == "hdbscan" {
    for p in hdbscanParameters {
      try Memory.requireForRun(p.estimatedBytes(rows: matrix.rows, cols: matrix.cols), command: "sweep hdbscan",
                               what: "\(matrix.rows) rows × \(matrix.cols) columns", advice: "use a sample of the rows (x[0:N])")
    }
    let results = try clusterEvery(matrix, hdbscanParameters, context: context)
    rows = try results.map { try scorer.scores(matrix, $0.labels, tree: $0.spanningTree) }
    columns = axisColumns(hdbscanAxes, hdbscanSettings)
  } else {
    let base = umapAxes.first { $0.keyword.name == "random_state" }
    let startSeed: Int = { if case .int(let s)? = base?.values.first { return s }; return 0 }()
    if let n = seeds, startSeed > Int.max - (n - 1) {
      throw RuntimeError("random_state=\(startSeed) with seeds=\(n): the last seed, random_state + \(n - 1), would pass \(Int.max)",
                         at: base?.keyword.valueRange ?? range)
    }
    if seeds != nil, let b = base, b.swept {
      throw RuntimeError("give one random_state with seeds= (the sweep uses random_state, +1, …)", at: b.keyword.valueRange)
    }
    var knnSource: [String: Value] = [:]
    var labelsBySeed: [[[Int]]] = []   // [umap setting × hdbscan setting][seed]
    var firstScores: [[Double]] = []
    for setting in umapSettings {
      var perSetting = [[[Int]]](repeating: [], count: hdbscanSettings.count)
      var scoresOfFirst: [[Double]] = []
      for s in 0..<(seeds ?? 1) {
        // with seeds=, random_state, +1, …; otherwise the setting's own random_state (swept or not)
        var kws = setting
        if seeds != nil {
          kws.removeAll { $0.name == "random_state" }
          kws.append(Session.CallKeyword("random_state", base?.keyword.nameRange ?? range, .int(startSeed + s), base?.keyword.valueRange ?? range))
        }
        // settings that differ only in the layout share the first one's neighbours
        let key = kws.filter { !umapLayoutParameters.contains($0.name) }.map { "\($0.name)=\(Display.summary($0.value))" }.sorted().joined(separator: " ")
        if let src = knnSource[key], !kws.contains(where: { $0.name == "knn" }) {
          kws.append(Session.CallKeyword("knn", range, src, range))
        }
        var (inv, kwRanges) = try session.checkedInvocation(umapCommand, args: [(data, args[1].range)], keywords: kws, range: range)
        let fitted = try session.run(umapCommand, &inv, range: range, kwRanges: kwRanges)
        if knnSource[key] == nil { knnSource[key] = fitted }
        guard case .matrix(let e) = fitted.resolved else { return .none }
        let results = try clusterEvery(e, hdbscanParameters, context: context)
        for (h, r) in results.enumerated() {
          perSetting[h].append(r.labels)
          if s == 0 { scoresOfFirst.append(try scorer.scores(e, r.labels, tree: r.spanningTree)) }
        }
      }
      labelsBySeed += perSetting
      firstScores += scoresOfFirst
    }
    rows = firstScores
    if seeds != nil {
      for (i, runs) in labelsBySeed.enumerated() {
        var sum = 0.0, pairs = 0
        for a in 0..<runs.count { for b in (a + 1)..<runs.count { sum += try adjustedRandScore(runs[a], runs[b]); pairs += 1 } }
        rows[i].append(sum / Double(pairs))
      }
    }
    // umap's axes vary slowest, then hdbscan's
    let u = axisColumns(umapAxes, umapSettings), h = axisColumns(hdbscanAxes, hdbscanSettings)
    let nu = umapSettings.count, nh = hdbscanSettings.count
    columns = u.map { c in (c.name, repeatEach(c.value, nh)) } + h.map { c in (c.name, tile(c.value, nu)) }
  }
  var names = scorer.columnNames
  if seeds != nil { names.append("stability") }
  for (j, name) in names.enumerated() {
    let col = rows.map { $0[j] }
    columns.append((name, name == "n_clusters" ? .labels(col.map { Int($0) }) : .floats(col)))
  }
  return .record(Record(kind: sweepTableKind, fields: columns))
}

/// The cartesian product of the axes (the last varies fastest), each setting as keyword arguments.
private func product(_ axes: [Axis]) -> [[Session.CallKeyword]] {
  var out: [[Session.CallKeyword]] = [[]]
  for a in axes {
    out = out.flatMap { prefix in a.values.map { v in prefix + [Session.CallKeyword(a.keyword.name, a.keyword.nameRange, v, a.keyword.valueRange)] } }
  }
  return out
}

/// One column per swept axis: each setting's value.
private func axisColumns(_ axes: [Axis], _ settings: [[Session.CallKeyword]]) -> [(name: String, value: Value)] {
  axes.filter(\.swept).map { a in
    let vals = settings.map { s in s.first { $0.name == a.keyword.name }!.value }
    if vals.allSatisfy({ if case .int = $0 { return true }; return false }) {
      return (a.keyword.name, .labels(vals.map { if case .int(let i) = $0 { return i }; return 0 }))
    }
    if vals.allSatisfy({ $0.number != nil }) { return (a.keyword.name, .floats(vals.map { $0.number! })) }
    return (a.keyword.name, .list(vals))
  }
}

private func repeatEach(_ v: Value, _ k: Int) -> Value {
  switch v {
  case .labels(let x): return .labels(x.flatMap { Array(repeating: $0, count: k) })
  case .floats(let x): return .floats(x.flatMap { Array(repeating: $0, count: k) })
  case .list(let x): return .list(x.flatMap { Array(repeating: $0, count: k) })
  default: return v
  }
}

private func tile(_ v: Value, _ k: Int) -> Value {
  switch v {
  case .labels(let x): return .labels(Array([[Int]](repeating: x, count: k).joined()))
  case .floats(let x): return .floats(Array([[Double]](repeating: x, count: k).joined()))
  case .list(let x): return .list(Array([[Value]](repeating: x, count: k).joined()))
  default: return v
  }
}

/// HDBSCAN for every parameter setting on `x`, building one hierarchy per group of settings that
/// share it (`HDBSCANHierarchy.serves`), one group at a time; results in the settings' order.
private func clusterEvery(_ x: Matrix, _ settings: [HDBSCANParameters], context: RunContext) throws -> [HDBSCANResult] {
  var results = [HDBSCANResult?](repeating: nil, count: settings.count)
  for i in settings.indices where results[i] == nil {
    let h = try hdbscanHierarchy(x, parameters: settings[i], context: context)
    for j in settings.indices where results[j] == nil && h.serves(settings[j]) {
      results[j] = try hdbscan(hierarchy: h, parameters: settings[j], context: context)
    }
  }
  return results.map { $0! }
}

/// The scores of one setting's labels: the columns `columnNames`, NaN where a score is undefined
/// (no cluster, one cluster).
private struct SweepScorer {
  let reference: [Int]?
  let sampleSize: Int
  let withDBCV: Bool
  let context: RunContext

  var columnNames: [String] {
    ["n_clusters", "noise_fraction", "relative_validity"] + (withDBCV ? ["validity_index"] : []) + ["silhouette"]
      + (reference != nil ? ["ari", "ami"] : [])
  }

  func scores(_ x: Matrix, _ labels: [Int], tree: [HDBSCANEdge]) throws -> [Double] {
    let n = labels.count
    let clusters = Set(labels.filter { $0 >= 0 }).count
    let noise = labels.lazy.filter { $0 < 0 }.count
    var out = [Double(clusters), Double(noise) / Double(n)]
    out.append(clusters > 0 ? try relativeValidity(labels: labels, spanningTree: tree) : .nan)
    if withDBCV { out.append(clusters > 0 ? try validityIndex(x, labels: labels, context: context).score : .nan) }
    // the silhouette of the clustered points (a sample of them)
    let kept = labels.indices.filter { labels[$0] >= 0 }
    if clusters >= 2 && clusters < kept.count {
      // `silhouette x[kept] l[kept] sample_size=… random_state=0`, gathering only the drawn rows
      let rows = kept.count > sampleSize
        ? silhouetteSampleRows(count: kept.count, sampleSize: sampleSize, randomState: 0).map { kept[$0] } : kept
      // nan when the drawn sample holds fewer than two clusters
      out.append((try? silhouetteScore(x.gatheringRows(rows), labels: rows.map { labels[$0] }, context: context)) ?? .nan)
    } else {
      out.append(.nan)
    }
    if let y = reference {
      out.append(try adjustedRandScore(y, labels))
      out.append(try adjustedMutualInfoScore(y, labels))
    }
    return out
  }
}
