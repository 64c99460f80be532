// Plots that are not scatters of points: an HDBSCAN condensed tree (the hdbscan library's icicle
// plot) and a sweep table's scores against a parameter. Both are drawn by `drawScatter` with an
// overlay, so they share its layout, axes, colorbar, legend and formats.

import ClusAlgorithms
import Foundation

/// The bars, split lines and cluster extents of a condensed tree's icicle plot, in data units
/// (x: point counts from the left, y: λ), as hdbscan's `CondensedTree.get_plot_data`
/// (`leaf_separation=1`, `max_rectangle_per_icicle=20`, linear sizes).
struct IciclePlotData {
  var bars: [(center: Double, bottom: Double, top: Double, width: Double)] = []
  var lines: [(x0: Double, x1: Double, y: Double)] = []
  /// Each cluster's extent: left, right, λ where it appears, largest λ of its rows.
  var bounds: [Int: (left: Double, right: Double, bottom: Double, top: Double)] = [:]
}

/// hdbscan's `get_plot_data` on `tree` (every row; points are children of size 1). Infinite λ
/// (duplicate points) are drawn at `lambdaCap`.
func iciclePlotData(_ tree: [CondensedTreeRow], lambdaCap: Double) -> IciclePlotData {
  var data = IciclePlotData()
  guard let root = tree.map(\.parent).min(), let lastLeaf = tree.map(\.parent).max() else { return data }
  var rowsOf: [Int: [CondensedTreeRow]] = [:]
  var clusterChildren: [Int: [Int]] = [:]
  for r in tree {
    rowsOf[r.parent, default: []].append(r)
    if r.childSize > 1 { clusterChildren[r.parent, default: []].append(r.child) }
  }
  // leaves left to right: a depth-first walk from the root (`_recurse_leaf_dfs`), iteratively
  var leaves: [Int] = []
  var stack = [root]
  while let c = stack.popLast() {
    if let kids = clusterChildren[c], !kids.isEmpty { stack += kids.reversed() } else { leaves.append(c) }
  }
  var x: [Int: Double] = [:], y: [Int: Double] = [root: 0]
  for (k, leaf) in leaves.enumerated() { x[leaf] = Double(k) }
  let cap = { (l: Double) in l.isFinite ? l : lambdaCap }
  for c in stride(from: lastLeaf, through: root, by: -1) {
    let split = (rowsOf[c] ?? []).filter { $0.childSize > 1 }
    if split.count > 1 {
      x[c] = ((x[split[0].child] ?? 0) + (x[split[1].child] ?? 0)) / 2
      y[split[0].child] = cap(split[0].lambda)
      y[split[1].child] = cap(split[1].lambda)
    }
  }
  let scaling = Double((rowsOf[root] ?? []).reduce(0) { $0 + $1.childSize })
  for c in stride(from: lastLeaf, through: root, by: -1) {
    guard let rows = rowsOf[c], !rows.isEmpty, let cx = x[c] else { continue }
    var currentSize = Double(rows.reduce(0) { $0 + $1.childSize })
    var currentLambda = y[c] ?? 0
    let maxLambda = cap(rows.map(\.lambda).max()!)
    let minSize = Double(rows.filter { cap($0.lambda) == maxLambda }.reduce(0) { $0 + $1.childSize })
    let step = (currentSize - minSize) / 20
    data.bounds[c] = (cx * scaling - currentSize / 2, cx * scaling + currentSize / 2, currentLambda, maxLambda)
    var lastSize = currentSize, lastLambda = currentLambda
    let sorted = rows.enumerated().sorted { (cap($0.element.lambda), $0.offset) < (cap($1.element.lambda), $1.offset) }.map(\.element)
    for r in sorted {
      let l = cap(r.lambda)
      if l != currentLambda && (lastSize - currentSize > step || l == maxLambda) {
        data.bars.append((cx * scaling, lastLambda, l, lastSize))
        lastSize = currentSize
        lastLambda = currentLambda
      }
      currentSize -= Double(r.childSize)
      currentLambda = l
    }
  }
  for r in tree where r.childSize > 1 {
    guard let xp = x[r.parent], let xc = x[r.child] else { continue }
    let sign: Double = xc > xp ? 1 : (xc < xp ? -1 : 0)
    data.lines.append((xp * scaling, xc * scaling + sign * Double(r.childSize) / 2, y[r.child] ?? 0))
  }
  return data
}

/// hdbscan's condensed-tree icicle plot (`condensed_tree_.plot(select_clusters=True)`): each
/// cluster a column of bars whose width is its number of points as λ = 1/distance grows downward,
/// coloured by that width (`options.cmap`; `plot` uses viridis, as the library), with a colorbar, black lines where clusters
/// split, and the selected clusters circled in the colours their labels have in a scatter plot
/// (Spectral over the labels, as `plot e color=l`).
/// - Parameters:
///   - tree: the condensed tree's rows (`HDBSCANResult.condensedTree`).
///   - selected: the condensed-tree id of each label 0..<k (`HDBSCANResult.selectedClusters`).
///   - options: size, title, axis labels; `cmap` colours the bars.
///   - format: PNG, SVG or PDF.
/// - Returns: the picture's bytes.
/// - Throws: `PlotError.invalidInput` for an empty tree (a single point).
public func renderCondensedTree(_ tree: [CondensedTreeRow], selected: [Int], options: PlotOptions = PlotOptions(),
                                format: PictureFormat = .png, note: (String) -> Void = { _ in }) throws -> [UInt8] {
  guard !tree.isEmpty else { throw PlotError.invalidInput("the condensed tree is empty (one point has no tree)") }
  let finite = tree.map(\.lambda).filter(\.isFinite)
  let top = finite.max() ?? 1
  let cap = top > 0 ? top * 1.05 : 1
  if tree.contains(where: { !$0.lambda.isFinite }) {
    note("note: plot: infinite λ (duplicate points) drawn at \(Display.number(cap)), below the largest finite λ")
  }
  let d = iciclePlotData(tree, lambdaCap: cap)
  let maxWidth = d.bars.map(\.width).max() ?? 1
  let left = d.bounds.values.map(\.left).min() ?? 0, right = d.bounds.values.map(\.right).max() ?? 1
  let deepest = max(d.bars.map(\.top).max() ?? 0, d.bounds.values.map(\.top).max() ?? 0, 1e-12)
  // an invisible layer spanning the tree gives the layout its ranges and the colorbar its scale
  let frame = ScatterLayer(points: Matrix(rows: 2, cols: 2, data: [Float(left), Float(-deepest), Float(right), 0]),
                           colors: .continuous([0, Float(maxWidth)]), alpha: 0)
  var opt = options
  opt.xTicks = false
  opt.yDownward = true
  if opt.ylabel == nil { opt.ylabel = "λ value" }
  let bars = try Colormap(named: opt.cmap)
  let labels = try Colormap(named: "Spectral")
  let k = selected.count
  return try drawScatter([frame], options: opt, format: format, note: note) { canvas, L in
    for b in d.bars {
      let p0 = L.pixel(x: b.center - b.width / 2, y: -b.bottom), p1 = L.pixel(x: b.center + b.width / 2, y: -b.top)
      // at least one pixel wide, so that a thin branch stays visible
      let w = max(p1.x - p0.x, 1), cx = (p0.x + p1.x) / 2
      canvas.fillRect(cx - w / 2, p0.y, cx + w / 2, p1.y, bars(maxWidth > 0 ? b.width / maxWidth : 0))
    }
    for l in d.lines {
      let a = L.pixel(x: l.x0, y: -l.y), b = L.pixel(x: l.x1, y: -l.y)
      canvas.polyline([(a.x, a.y), (b.x, b.y)], .black, lineWidth: 1)
    }
    // hdbscan's ellipses: twice the cluster's width, 1.2 × its height (at least a tenth of the plot's)
    let minHeight = 0.1 * deepest
    for (i, c) in selected.enumerated() {
      guard let bnd = d.bounds[c] else { continue }
      let w = bnd.right - bnd.left, h = max(bnd.top - bnd.bottom, minHeight)
      let centre = L.pixel(x: (bnd.left + bnd.right) / 2, y: -(bnd.top + bnd.bottom) / 2)
      let rx = abs(L.pixel(x: w, y: 0).x - L.pixel(x: 0, y: 0).x)
      let ry = abs(L.pixel(x: 0, y: 0.6 * h).y - L.pixel(x: 0, y: 0).y)
      canvas.strokeEllipse(cx: centre.x, cy: centre.y, rx: max(rx, 3), ry: max(ry, 3),
                           labels(k > 1 ? Double(i) / Double(k - 1) : 0), lineWidth: 2 * Double(L.textScale))
    }
  }.finish()
}

/// A sweep's score against its first swept numeric parameter: one line (with its points) per value
/// of the other swept parameters, named in the legend (matplotlib's `plot(x, y, marker="o")` per group).
/// - Parameters:
///   - x: the parameter's name and each row's value.
///   - y: the score's name and each row's value (NaN rows are left out).
///   - groups: each row's group name ("" for one group).
/// - Throws: `PlotError.invalidInput` when no row has a finite score.
public func renderSweep(x: (name: String, values: [Double]), y: (name: String, values: [Double]), groups: [String],
                        options: PlotOptions = PlotOptions(), format: PictureFormat = .png,
                        note: (String) -> Void = { _ in }) throws -> [UInt8] {
  let keep = y.values.indices.filter { y.values[$0].isFinite && x.values[$0].isFinite }
  guard !keep.isEmpty else { throw PlotError.invalidInput("no setting has a finite \(y.name) to plot") }
  var names: [String] = []
  for g in keep.map({ groups[$0] }) where !names.contains(g) { names.append(g) }
  let codes = keep.map { names.firstIndex(of: groups[$0])! }
  let pts = Matrix(rows: keep.count, cols: 2, data: keep.flatMap { [Float(x.values[$0]), Float(y.values[$0])] })
  let layer = ScatterLayer(points: pts, colors: .categorical(codes), size: Float(6 * max(1, min(options.width, options.height) / 400)),
                           categoryNames: names)
  var opt = options
  if opt.xlabel == nil { opt.xlabel = x.name }
  if opt.ylabel == nil { opt.ylabel = y.name }
  opt.legend = names.count > 1
  let cmap = try Colormap(named: opt.cmap)
  return try drawScatter([layer], options: opt, format: format, note: note) { canvas, L in
    for (g, _) in names.enumerated() {
      let rows = keep.indices.filter { codes[$0] == g }.sorted { pts[$0, 0] < pts[$1, 0] }
      let line = rows.map { r -> (Double, Double) in let p = L.pixel(x: Double(pts[r, 0]), y: Double(pts[r, 1])); return (p.x, p.y) }
      let c = cmap.isQualitative ? cmap.categorical(g) : cmap(names.count > 1 ? Double(g) / Double(names.count - 1) : 0)
      canvas.polyline(line, c, lineWidth: 1.5 * Double(L.textScale))
    }
  }.finish()
}
