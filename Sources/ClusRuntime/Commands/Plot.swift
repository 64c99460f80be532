import ClusAlgorithms

/// A colour written as a string: `"grey"`, `"#rrggbb"`, or a few names.
private func namedColor(_ s: String) throws -> RGB {
  let names: [String: RGB] = [
    "grey": RGB(grey: 0.5), "gray": RGB(grey: 0.5), "black": .black, "white": .white,
    "red": RGB(1, 0, 0), "green": RGB(0, 0.5, 0), "blue": RGB(0, 0, 1), "C0": .matplotlibC0,
    "lightgrey": RGB(grey: 0.83), "lightgray": RGB(grey: 0.83),
  ]
  if let c = names[s] { return c }
  if s.hasPrefix("#"), s.count == 7, let v = UInt32(s.dropFirst(), radix: 16) {
    return RGB(Double((v >> 16) & 255) / 255, Double((v >> 8) & 255) / 255, Double(v & 255) / 255)
  }
  throw CommandError.invalidArgument(
    "unknown colour \(Display.quote(s)); use \"#rrggbb\", a grey level in [0, 1], [r, g, b], or one of " + names.keys.sorted().joined(separator: ", "))
}

/// Point colours from a value: labels → categorical, floats → continuous, a string, a grey level,
/// `[r, g, b]` or `[[r, g, b]]` → one fixed colour. As matplotlib's `scatter(c=…)`, three numbers
/// on exactly three points are the points' values (value-mapping has precedence); `[[r, g, b]]`
/// is one colour whatever the number of points.
private func pointColors(_ v: Value, count: Int) throws -> PointColors {
  func checkLength(_ n: Int) throws {
    if n != count { throw CommandError.invalidArgument("color has \(n) values but the matrix has \(count) rows") }
  }
  func rgb(_ l: [Value]) -> RGB? {
    guard l.count == 3, l.allSatisfy({ $0.number.map { (0...1).contains($0) } ?? false }) else { return nil }
    return RGB(l[0].number!, l[1].number!, l[2].number!)
  }
  // [[r, g, b]]: one colour (matplotlib's "2-D array with a single row")
  if case .list(let l) = v, l.count == 1, case .list(let row) = l[0], let c = rgb(row) { return .fixed(c) }
  // a literal [r, g, b] is one colour, except on exactly 3 points
  if case .list(let l) = v, count != 3, let c = rgb(l) { return .fixed(c) }
  // three numbers that cannot be a colour: said so (it said "color has 3 values but the matrix has 5 rows")
  func outOfRange(_ l: [Value]) -> Bool { l.count == 3 && l.allSatisfy { $0.number != nil } }
  var single: [Value]? = nil
  if case .list(let l) = v {
    if l.count == 1, case .list(let row) = l[0], outOfRange(row) { single = row }
    if count != 3, outOfRange(l) { single = l }
  }
  if let l = single {
    let values = l.map { $0.number! }
    let shown = values.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : "\($0)" }.joined(separator: ", ")
    let bytes = values.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }
    throw CommandError.invalidArgument("an [r, g, b] colour takes values in [0, 1], got [\(shown)]"
                                       + (bytes ? " (for 0–255 values, divide by 255)" : ""))
  }
  switch Operators.vectorized(v.resolved) {
  case .labels(let l):
    try checkLength(l.count)
    if let bad = l.first(where: { $0 < -1 }) {
      throw CommandError.invalidArgument("a colour label is \(bad); labels are −1 (noise, drawn grey) or 0, 1, …")
    }
    return .categorical(l)
  case .mask(let m): try checkLength(m.count); return .categorical(m.map { $0 ? 1 : 0 })
  case .floats(let f): try checkLength(f.count); return .continuous(f.map(Float.init))
  case .string(let s): return .fixed(try namedColor(s))
  case .int, .float:
    let g = v.number!
    guard (0...1).contains(g) else { throw CommandError.invalidArgument("a grey level must be in [0, 1], got \(Display.number(g))") }
    return .fixed(RGB(grey: g))
  default:
    throw CommandError.invalidArgument("color must be labels, a float vector, a colour name, a grey level or [r, g, b]; got \(v.kindWithArticle)")
  }
}

/// The file `out=` names (a relative path is relative to the working directory, as matplotlib's
/// `savefig`; its folder must exist).
/// - Throws: an error naming the folder when it does not exist.
private func outPath(_ out: String) throws -> String {
  let p = expandTilde(out)
  if let folder = missingFolder(of: p) {
    throw CommandError.invalidArgument("out=\(Display.quote(out)): \(missingFolderMessage(folder))")
  }
  return p
}

func registerPlot(_ t: inout CommandTable) {
  t.register(Command(
    "plot", group: "plots",
    summary: "Scatter of the first two columns to a PNG (or SVG, PDF), drawn by Cairo: labels in categorical colours, noise (−1) grey underneath; also a condensed tree (l.condensed_tree) or a sweep table",
    args: [ArgSpec("layers", .any, "a matrix, each optionally followed by its colour; a figure first adds to it", variadic: true)],
    params: [
      ParamSpec("color", .any, .none, nil, "colours of a single layer: labels (categorical), floats (continuous; NaN drawn grey), a colour name, grey level, or [r, g, b] (on exactly 3 points 3 values, as matplotlib; [[r, g, b]] is one colour)"),
      ParamSpec("cmap", .choice(["Spectral", "viridis", "tab10", "gray", "Spectral_r", "viridis_r", "gray_r"]), .string("Spectral"), nil, "colormap, as matplotlib's"),
      ParamSpec("noise_color", .any, .float(0.5), nil, "colour of label −1 (drawn first, at alpha 0.5)"),
      ParamSpec("size", .float, .none, .greaterThan(0), "point diameter in pixels (default suits the number of points)"),
      ParamSpec("alpha", .float, .float(1), .between(0, 1), "point opacity"),
      ParamSpec("width", .int, .int(1000), .between(16, 8192), "picture width in pixels (width × height at most 16,777,216: 4096 × 4096)"),
      ParamSpec("height", .int, .int(800), .between(16, 8192), "picture height in pixels (width × height at most 16,777,216)"),
      ParamSpec("title", .string, .none, nil, "title above the plot"),
      ParamSpec("xlabel", .string, .none, nil, "label under the x axis"),
      ParamSpec("ylabel", .string, .none, nil, "label left of the y axis (reading upward)"),
      ParamSpec("legend", .bool, .bool(true), nil, "a key from label to colour (up to 20 labels; more give a note on stderr and no legend); float colours get a colorbar instead"),
      ParamSpec("legend_loc", .choice(["right margin", "on data"]), .string("right margin"), nil, "where the key goes, as scanpy's: a legend right of the axes, or each cluster's name at the median of its points"),
      ParamSpec("by", .string, .string("relative_validity"), nil, "the score a sweep table is plotted by"),
      ParamSpec("out", .path, .none, nil, "file to write (.png, .svg or .pdf), relative to the working directory as matplotlib's savefig; its folder must exist. Without out=, plot-N.png in the plot folder (--plot-dir, default out/)"),
    ],
    examples: [
      "plot e color=mnist.target out=\"digits.png\"",
      "plot e color=l title=\"HDBSCAN\" out=\"hdbscan.png\"",
      "f = plot e[not c] \"grey\"; plot f e[c] l[c] out=\"two-layers.png\"",
      "plot e color=mnist.target legend_loc=\"on data\"",
      "plot l.condensed_tree out=\"tree.pdf\"", "plot s by=\"silhouette\"",
    ]
  ) { inv in
    if case .record(let r)? = inv.rawArgs.first, r.kind == "condensed tree table" || r.kind == sweepTableKind {
      return try plotTable(r, inv)
    }
    var figure: Figure? = nil
    var items = inv.rawArgs.map { v -> Value in
      if case .list(let rows) = v, let m = matrixFromRows(rows) { return .matrix(m) }
      return v
    }
    // (argument numbers in messages count the figure too)
    var first = 1
    if case .figure(let f)? = items.first { figure = f; items.removeFirst(); first = 2 }
    var layers: [ScatterLayer] = []
    var i = 0
    while i < items.count {
      guard case .matrix(let m) = items[i].resolved else {
        throw CommandError.invalidArgument("argument \(i + first) should be a matrix of points, got \(items[i].kindWithArticle)")
      }
      guard m.cols >= 2 else { throw CommandError.invalidArgument("needs at least 2 columns, got a \(m.rows) × \(m.cols) matrix") }
      var colors: PointColors = .fixed(.matplotlibC0)
      var colorValue: Value = .none
      if i + 1 < items.count, !isMatrix(items[i + 1]) {
        colorValue = items[i + 1]
        i += 1
      } else {
        colorValue = try inv.value("color")
      }
      if case .none = colorValue {} else { colors = try pointColors(colorValue, count: m.rows) }
      layers.append(ScatterLayer(points: m, colors: colors, size: try inv.optionalDouble("size").map(Float.init), alpha: Float(try inv.double("alpha")),
                                 categoryNames: Frames.categories(of: colorValue)?.names))
      i += 1
    }
    if figure == nil && layers.isEmpty { throw CommandError.invalidArgument("needs a matrix of points") }
    if try inv.isGiven("by") { throw CommandError.invalidArgument("by= chooses the score of a sweep table's plot, not of a scatter") }
    var fig = figure ?? Figure(layers: [], options: PlotOptions())
    fig.layers += layers
    if try figure == nil || inv.isGiven("width") { fig.options.width = try inv.int("width") }
    if try figure == nil || inv.isGiven("height") { fig.options.height = try inv.int("height") }
    if try figure == nil || inv.isGiven("cmap") { fig.options.cmap = try inv.string("cmap") }
    if try figure == nil || inv.isGiven("legend") { fig.options.legend = try inv.bool("legend") }
    if try figure == nil || inv.isGiven("legend_loc") { fig.options.labelsOnData = try inv.string("legend_loc") == "on data" }
    if let s = try inv.optionalString("title") { fig.options.title = s }
    if let s = try inv.optionalString("xlabel") { fig.options.xlabel = s }
    if let s = try inv.optionalString("ylabel") { fig.options.ylabel = s }
    if try inv.isGiven("noise_color") || figure == nil {
      if case .fixed(let c) = try pointColors(inv.value("noise_color"), count: 0) { fig.options.noiseColor = c }
    }
    // Nothing is written when building a figure to add to later, unless out= asks for it.
    let out = try inv.optionalString("out")
    let assignedOnly = out == nil && figure == nil && inv.resultIsBound
    let format = try outFormat(out)
    if !assignedOnly {
      let note = { (m: String) in inv.session.errorOutput(m + "\n") }
      let path = try out.map(outPath)
      if format != .png { try checkVectorPoints(fig.layers, format.rawValue.uppercased()) }
      let bytes = try renderScatter(fig.layers, options: fig.options, format: format, note: note)
      let picture = Picture(format: Picture.Format(rawValue: format.rawValue)!, bytes: bytes, suggestedName: "plot", path: path)
      if let p = path { try writePicture(picture, to: p) }
      // the session's display sink shows the picture, and keeps it where it likes when out= did not
      if let written = try inv.session.display.show(picture) ?? path { inv.session.errorOutput("wrote \(written)\n") }
    }
    return .figure(fig)
  })
}

/// The output format `out=` asks for (PNG without it).
private func outFormat(_ out: String?) throws -> PictureFormat {
  guard let o = out else { return .png }
  guard let f = PictureFormat(path: o) else {
    throw CommandError.invalidArgument("out=\(Display.quote(o)): the file name must end in .png, .svg or .pdf")
  }
  return f
}

/// Draws a picture and hands it to the session's display (and to `out=`).
private func show(_ inv: Invocation, format: PictureFormat, _ draw: (PictureFormat, @escaping (String) -> Void) throws -> [UInt8]) throws {
  let out = try inv.optionalString("out")
  let note = { (m: String) in inv.session.errorOutput(m + "\n") }
  let path = try out.map(outPath)
  let picture = Picture(format: Picture.Format(rawValue: format.rawValue)!, bytes: try draw(format, note), suggestedName: "plot", path: path)
  if let p = path { try writePicture(picture, to: p) }
  if let written = try inv.session.display.show(picture) ?? path { inv.session.errorOutput("wrote \(written)\n") }
}

/// `plot l.condensed_tree` (hdbscan's icicle plot) and `plot s` (a sweep's score against its first
/// swept parameter, one line per value of the others).
private func plotTable(_ r: Record, _ inv: Invocation) throws -> Value {
  guard inv.rawArgs.count == 1 else { throw CommandError.invalidArgument("a \(r.kind) is plotted alone") }
  for p in ["color", "noise_color", "size", "alpha", "legend", "legend_loc"] + (r.kind == sweepTableKind ? [] : ["by"]) where try inv.isGiven(p) {
    throw CommandError.invalidArgument("\(p)= applies to scatter plots\(p == "by" ? " and sweep tables" : ""), not to a \(r.kind)")
  }
  var opt = PlotOptions(width: try inv.int("width"), height: try inv.int("height"))
  opt.title = try inv.optionalString("title")
  opt.xlabel = try inv.optionalString("xlabel")
  opt.ylabel = try inv.optionalString("ylabel")
  let format = try outFormat(try inv.optionalString("out"))
  if r.kind == "condensed tree table" {
    guard case .labels(let parent)? = r["parent"], case .labels(let child)? = r["child"], case .floats(let lambda)? = r["lambda_val"],
          case .labels(let size)? = r["child_size"] else { throw CommandError.invalidArgument("this condensed tree lacks its columns") }
    let selected: [Int] = { if case .labels(let s)? = r["selected_clusters"] { return s }; return [] }()
    let tree = parent.indices.map { CondensedTreeRow(parent: parent[$0], child: child[$0], lambda: lambda[$0], childSize: size[$0]) }
    opt.cmap = try inv.isGiven("cmap") ? try inv.string("cmap") : "viridis"
    try show(inv, format: format) { f, note in try renderCondensedTree(tree, selected: selected, options: opt, format: f, note: note) }
    return .none
  }
  // a sweep table: the swept parameters are the columns before n_clusters
  let names = r.fieldNames
  let params = Array(names.prefix { $0 != "n_clusters" })
  let by = try inv.string("by")
  guard case .floats(let y)? = r[by] else { throw sweepScoreError(r, by) }
  func number(_ v: Value, _ i: Int) -> Double? {
    switch v { case .labels(let l): return Double(l[i]); case .floats(let f): return f[i]; default: return nil }
  }
  guard let xName = params.first(where: { number(r[$0]!, 0) != nil }) else {
    throw CommandError.invalidArgument("the sweep has no numeric swept parameter to draw along x")
  }
  let x = y.indices.map { number(r[xName]!, $0)! }
  let groups = y.indices.map { i in
    params.filter { $0 != xName }.map { p -> String in
      switch r[p]! {
      case .list(let l): if case .string(let s) = l[i] { return "\(p)=\(s)" }; return p
      default: return "\(p)=\(String(format: "%g", number(r[p]!, i) ?? .nan))"
      }
    }.joined(separator: " ")
  }
  opt.cmap = try inv.isGiven("cmap") ? try inv.string("cmap") : "tab10"
  try show(inv, format: format) { f, note in try renderSweep(x: (xName, x), y: (by, y), groups: groups, options: opt, format: f, note: note) }
  return .none
}

private func isMatrix(_ v: Value) -> Bool {
  if case .matrix = v.resolved { return true }
  if case .figure = v { return true }
  return false
}
