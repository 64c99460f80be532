// The second step of a scatter plot: the figure layout (data range, round ticks, axes rectangle,
// legend and colorbar places) from the prepared layers.

import ClusAlgorithms
import Foundation

/// Chooses round tick values (1, 2, 2.5, 5 × 10^k steps) inside [lo, hi], at most about `maxCount`.
func plotNiceTicks(_ lo: Double, _ hi: Double, maxCount: Int) -> (values: [Double], labels: [String]) {
  let span = hi - lo
  guard span > 0, span.isFinite else { return ([], []) }
  let raw = span / Double(max(1, maxCount))
  let mag = pow(10, (log10(raw)).rounded(.down))
  var step = 10 * mag
  var mant = 10.0
  for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * mag >= raw * (1 - 1e-9) {
    step = m * mag
    mant = m
    break
  }
  var decimals = max(0, -Int((log10(step) + 1e-9).rounded(.down)))
  if mant == 2.5 && step < 10 { decimals += 1 }
  let first = (lo / step).rounded(.up)
  var values: [Double] = []
  var k = first
  while k * step <= hi + 1e-9 * step && values.count < 100 {
    values.append(k * step)
    k += 1
  }
  let big = values.contains { abs($0) >= 1e6 }
  let labels = values.map { v -> String in
    var s = big || step < 1e-5 ? String(format: "%g", v) : String(format: "%.\(decimals)f", v)
    if s.hasPrefix("-"), Double(s) == 0 { s.removeFirst() }
    return s
  }
  return (values, labels)
}

/// Computes the figure layout (axes rectangle, data range, ticks, legend) for `layers`.
/// - Throws: the same errors as `renderScatter`.
public func scatterLayout(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions()) throws -> PlotLayout {
  try makeScatterLayout(prepareScatterLayers(layers, options: options), layers: layers, options: options)
}

func makeScatterLayout(_ prepared: [PreparedScatterLayer], layers: [ScatterLayer], options: PlotOptions) -> PlotLayout {
  let W = options.width, H = options.height
  // Data bounds over all layers, widened by 5 % per side.
  var x0 = Double.infinity, x1 = -Double.infinity, y0 = Double.infinity, y1 = -Double.infinity
  for p in prepared {
    for v in p.xs { x0 = min(x0, v); x1 = max(x1, v) }
    for v in p.ys { y0 = min(y0, v); y1 = max(y1, v) }
  }
  func widen(_ a: Double, _ b: Double) -> (Double, Double) {
    if b > a { let m = 0.05 * (b - a); return (a - m, b + m) }
    let m = max(0.5, abs(a) * 0.05)
    return (a - m, b + m)
  }
  (x0, x1) = widen(x0, x1)
  (y0, y1) = widen(y0, y1)

  let s = max(1, min(W, H) / 400)
  let showAxes = options.axes && W >= 200 && H >= 150
  let pad = showAxes ? 8 * s : max(2, min(W, H) / 50)
  let tickLen = 4 * s
  let fs = plotFontSize(s)
  func textW(_ t: String, _ size: Double = fs) -> Int { Int(TextMetrics.width(t, size: size).rounded(.up)) }
  let lineH = Int(TextMetrics.lineHeight(size: fs).rounded(.up))
  var titleSize = fs * 1.3
  if let t = options.title {
    while titleSize > 6 && Double(textW(t, titleSize)) > Double(W - 4) { titleSize -= 1 }
  }
  let titleText = options.title.flatMap { $0.isEmpty ? nil : $0 }
  let showTitle = titleText != nil && H >= 60
  let titleH = Int(TextMetrics.lineHeight(size: titleSize).rounded(.up))
  let top = showTitle ? 2 * pad + titleH : pad + (showAxes ? 2 * s : 0)
  // Axis labels: one line of text below the x tick labels, one column left of the y ones.
  let axisLabelH = lineH
  let hasXLabel = showAxes && !(options.xlabel ?? "").isEmpty
  let hasYLabel = showAxes && !(options.ylabel ?? "").isEmpty
  let bottom = H - (showAxes ? pad + tickLen + 3 * s + lineH : pad)
    - (hasXLabel ? axisLabelH + 3 * s : 0)

  // Legend.
  var entries: [(label: String, color: RGB)] = []
  var omitted = 0
  if options.legend && !options.labelsOnData {
    var keys = Set<Int>()
    var distinct = 0
    var any = false
    for p in prepared where !p.legend.isEmpty {
      any = true
      distinct = max(distinct, p.distinctLabels)
      for e in p.legend where !keys.contains(e.key) {
        keys.insert(e.key)
        // noise's swatch shows the colour its points have: drawn at noiseAlpha over the white background
        let a = Double(options.noiseAlpha)
        let c = e.key < 0 ? RGB(e.color.r * a + (1 - a), e.color.g * a + (1 - a), e.color.b * a + (1 - a)) : e.color
        entries.append((e.label, c))
      }
    }
    let nonNoise = keys.filter { $0 >= 0 }.count
    if any && nonNoise > options.maxLegendEntries { omitted = nonNoise }
    if !any || nonNoise > options.maxLegendEntries || nonNoise == 0 { entries = [] }
  }
  let rowH = max(12 * s, lineH + 2 * s)
  var legendW = 0
  if !entries.isEmpty {
    // labels too long for a third of the width are shortened with "..." (long category names)
    let room = W / 3 - (6 * s + 8 * s + 6 * s + 6 * s)
    entries = entries.map { e in
      guard textW(e.label) > room else { return e }
      var base = e.label
      while base.count > 1 && textW(base + "…") > room { base.removeLast() }
      return (base + "…", e.color)
    }
    let widest = entries.map { textW($0.label) }.max() ?? 0
    legendW = 6 * s + 8 * s + 6 * s + widest + 6 * s
    if legendW > W / 3 || entries.count * rowH + 8 * s > bottom - top { entries = []; legendW = 0 }
  }

  var yt = (values: [Double](), labels: [String]())
  if showAxes { yt = plotNiceTicks(y0, y1, maxCount: max(2, min(10, (bottom - top) / (40 * s)))) }
  if options.yDownward {
    // the data hold −y: show each tick's value positive
    yt.labels = yt.labels.map { l in l.hasPrefix("-") ? String(l.dropFirst()) : (Double(l) == 0 ? l : "-" + l) }
  }
  let yLabelW = yt.labels.map { textW($0) }.max() ?? 0
  let left = (showAxes ? pad + yLabelW + 3 * s + tickLen : pad) + (hasYLabel ? axisLabelH + 3 * s : 0)
  // Colorbar: a gap, the bar, its ticks and the two value labels.
  let continuous = showAxes ? prepared.first(where: { $0.range != nil })?.range : nil
  let cbLabels = continuous.map { [plotColorbarLabel(Double($0.lo)), plotColorbarLabel(Double($0.hi))] } ?? []
  let barW = 10 * s
  let cbW = continuous == nil ? 0
    : 2 * pad + barW + tickLen + 3 * s + (cbLabels.map { textW($0) }.max() ?? 0)
  let right = W - (legendW > 0 ? legendW + 2 * pad : (showAxes ? 2 * pad : pad)) - cbW
  let colorbar = continuous.map { r in
    PlotColorbar(left: right + 2 * pad, top: top, right: right + 2 * pad + barW, bottom: max(bottom, top + 1),
                 min: Double(r.lo), max: Double(r.hi), minLabel: cbLabels[0], maxLabel: cbLabels[1])
  }
  var xt = (values: [Double](), labels: [String]())
  if showAxes && options.xTicks {
    let widest = max(1, max(textW(String(format: "%g", x0)), textW(String(format: "%g", x1))))
    xt = plotNiceTicks(x0, x1, maxCount: max(2, min(10, (right - left) / max(50 * s, widest + 12 * s))))
  }
  let n = prepared.reduce(0) { $0 + $1.xs.count }
  let auto = min(max(400 / Double(n).squareRoot(), 1.5), 8) * max(Double(min(W, H)) / 800, 0.25)
  let sizes = layers.map { Double($0.size ?? options.pointSize ?? Float(auto)) }
  let plotRight = max(right, left + 1), plotBottom = max(bottom, top + 1)
  var onData = options.labelsOnData
    ? labelsOnData(prepared, layers: layers, x0: x0, x1: x1, y0: y0, y1: y1,
                   box: (Double(left), Double(top), Double(plotRight), Double(plotBottom)))
    : []
  // two names whose boxes would overlap: the later one moves a line down or up (the nearer free place)
  let nameSize = fs * 1.1, nameH = TextMetrics.lineHeight(size: nameSize)
  var placed: [(x0: Double, x1: Double, y0: Double, y1: Double)] = []
  for k in onData.indices {
    let w = TextMetrics.width(onData[k].label, size: nameSize)
    func box(_ dy: Double) -> (x0: Double, x1: Double, y0: Double, y1: Double) {
      // a third of a line of room around each name, so that two names never read as one
      (onData[k].x - w / 2 - nameH / 3, onData[k].x + w / 2 + nameH / 3, onData[k].y + dy - nameH / 2, onData[k].y + dy + nameH / 2)
    }
    func free(_ b: (x0: Double, x1: Double, y0: Double, y1: Double)) -> Bool {
      !placed.contains { $0.x0 < b.x1 && b.x0 < $0.x1 && $0.y0 < b.y1 && b.y0 < $0.y1 }
    }
    var dy = 0.0
    for step in 0..<12 where !free(box(dy)) {
      dy = Double(step / 2 + 1) * nameH * (step % 2 == 0 ? 1 : -1)
    }
    onData[k].y += dy
    placed.append(box(0))
  }
  return PlotLayout(
    width: W, height: H, plotLeft: left, plotTop: top, plotRight: max(right, left + 1),
    plotBottom: max(bottom, top + 1), xMin: x0, xMax: x1, yMin: y0, yMax: y1,
    xTicks: xt.values, yTicks: yt.values, legend: entries, pointSizes: sizes, colorbar: colorbar,
    omittedLegendLabels: omitted, textScale: s, fontSize: fs, titleSize: showTitle ? titleSize : 0, xTickLabels: xt.labels,
    yTickLabels: yt.labels, legendX: right + cbW + pad, legendRowHeight: Double(rowH),
    xLabelTop: hasXLabel ? max(bottom, top + 1) + 1 + tickLen + 3 * s + lineH + 3 * s : -1,
    yLabelLeft: hasYLabel ? pad : -1, xlabel: options.xlabel, ylabel: options.ylabel, onData: onData)
}

/// The font size (pixels) of tick labels, legends and axis labels for text scale `s` (1 up to
/// 799-pixel pictures, 2 for 1000 × 800): about matplotlib's 10 points at 100 dpi on its 640 × 480 default.
func plotFontSize(_ s: Int) -> Double { 6 * Double(s) + 5 }

/// For labels drawn on the data: each category's name (or label) at the median of its points, per
/// coordinate (scanpy's `legend_loc="on data"`), for the categorical layers; noise gets none. Positions
/// in pixels of the axes `box` (x0, y0, x1, y1) showing [x0, x1] × [y0, y1].
func labelsOnData(_ prepared: [PreparedScatterLayer], layers: [ScatterLayer], x0: Double, x1: Double, y0: Double, y1: Double,
                  box: (Double, Double, Double, Double)) -> [(label: String, x: Double, y: Double)] {
  var out: [(label: String, x: Double, y: Double)] = []
  var seen = Set<String>()
  for (li, layer) in layers.enumerated() {
    guard case .categorical(let labels) = layer.colors else { continue }
    let p = prepared[li]
    var members: [Int: [Int]] = [:]
    for (i, l) in labels.enumerated() where l >= 0 { members[l, default: []].append(i) }
    for l in members.keys.sorted() {
      let idx = members[l]!
      func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
      }
      let mx = median(idx.map { p.xs[$0] }), my = median(idx.map { p.ys[$0] })
      let name = layer.categoryNames.flatMap { l < $0.count ? $0[l] : nil } ?? String(l)
      guard !seen.contains(name) else { continue }
      seen.insert(name)
      out.append((name, box.0 + (mx - x0) / (x1 - x0) * (box.2 - box.0), box.3 - (my - y0) / (y1 - y0) * (box.3 - box.1)))
    }
  }
  return out
}

/// A colorbar tick label: the value with 4 significant digits (`%.4g`), without a minus zero.
func plotColorbarLabel(_ v: Double) -> String {
  let t = String(format: "%.4g", v)
  return t == "-0" ? "0" : t
}

/// The note for a legend left out because of too many labels (nil when none was left out).
public func legendOmittedNote(_ layout: PlotLayout, options: PlotOptions) -> String? {
  guard layout.omittedLegendLabels > 0 else { return nil }
  return "note: plot: \(layout.omittedLegendLabels) labels are too many for a legend (at most "
    + "\(options.maxLegendEntries)); the legend was left out (legend=false skips this note)"
}
