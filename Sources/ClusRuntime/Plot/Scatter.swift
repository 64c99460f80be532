import ClusAlgorithms
import Foundation

/// Errors of the plot engine (bad input, unknown colormap, file output).
public enum PlotError: Error, Equatable, CustomStringConvertible {
  /// The data or a parameter cannot be plotted; the message says why.
  case invalidInput(String)
  /// The colormap name is not known; `known` lists the accepted names.
  case unknownColormap(name: String, known: [String])
  /// Writing or reading a file failed: the path and the reason.
  case io(path: String, reason: String)
  /// PNG encoding or decoding failed (libpng's message).
  case png(String)

  /// A one-line human-readable message.
  public var description: String {
    switch self {
    case .invalidInput(let m): return m
    case .unknownColormap(let n, let k):
      return "unknown colormap '\(n)'; known colormaps: \(k.joined(separator: ", ")) (append _r to reverse)"
    case .io(let p, let r): return "cannot access '\(p)': \(r)"
    case .png(let m): return "PNG error: \(m)"
    }
  }
}

/// How the points of a layer are coloured.
public enum PointColors: Sendable, Equatable {
  /// One colour for every point (matplotlib `color=`).
  case fixed(RGB)
  /// One integer label per point (matplotlib `c=labels`): label −1 (any negative label) is noise,
  /// drawn first in `PlotOptions.noiseColor`; the other labels go through the colormap after linear
  /// normalisation from the smallest to the largest non-noise label (matplotlib `Normalize`), or, for a
  /// qualitative colormap (`tab10`), label i takes entry i mod N.
  case categorical([Int])
  /// One value per point, min–max normalised through the colormap (matplotlib `c=values`).
  case continuous([Float])
}

/// One `plt.scatter` call: points, their colours, marker size and opacity.
public struct ScatterLayer: Sendable {
  /// `n × d` matrix, d ≥ 2: column 0 is x, column 1 is y (further columns are ignored).
  public var points: Matrix
  /// Colours of the points (a per-point vector must have n entries).
  public var colors: PointColors
  /// Marker diameter in pixels; nil uses `PlotOptions.pointSize` or a size chosen from the number of points.
  public var size: Float?
  /// Opacity in [0, 1] (matplotlib `alpha`), multiplied by `PlotOptions.alpha`.
  public var alpha: Float
  /// Names of categorical labels for the legend (label i is `categoryNames[i]`; −1 is "NaN");
  /// nil shows the label numbers.
  public var categoryNames: [String]?

  /// A layer; the default colour is matplotlib's first cycle colour `C0` (#1f77b4).
  public init(points: Matrix, colors: PointColors = .fixed(.matplotlibC0), size: Float? = nil,
              alpha: Float = 1, categoryNames: [String]? = nil) {
    self.points = points
    self.colors = colors
    self.size = size
    self.alpha = alpha
    self.categoryNames = categoryNames
  }
}

/// Figure options of `renderScatter` (defaults follow the matplotlib figures of the umap-learn
/// clustering walk-through: `plt.scatter(e[:,0], e[:,1], c=labels, s=0.1, cmap='Spectral')` with noise
/// drawn first in grey (0.5, 0.5, 0.5) at alpha 0.5).
public struct PlotOptions: Sendable {
  /// Image width in pixels (16...8192; width × height at most `maxPlotPixels`).
  public var width: Int = 1000
  /// Image height in pixels (16...8192).
  public var height: Int = 800
  /// Title drawn above the axes (printable ASCII; other characters draw as `?`).
  public var title: String? = nil
  /// Label under the x axis (matplotlib `xlabel`; printable ASCII), drawn when the axes are.
  public var xlabel: String? = nil
  /// Label left of the y axis, reading upward (matplotlib `ylabel`), drawn when the axes are.
  public var ylabel: String? = nil
  /// Colormap name for categorical and continuous colours (see `Colormap.knownNames`).
  public var cmap: String = "Spectral"
  /// Colour of noise points (label −1 in a categorical layer).
  public var noiseColor: RGB = RGB(grey: 0.5)
  /// Opacity factor of noise points (the walk-through uses alpha = 0.5 for noise).
  public var noiseAlpha: Float = 0.5
  /// Whether to draw a legend (label → colour) for categorical layers with at most `maxLegendEntries`
  /// distinct non-noise labels.
  public var legend: Bool = true
  /// Largest number of distinct labels that still gets a legend.
  public var maxLegendEntries: Int = 20
  /// Whether to draw tick marks and tick labels (skipped on canvases smaller than 200 × 150).
  public var axes: Bool = true
  /// Marker diameter in pixels for layers without their own size; nil chooses
  /// `clamp(400 / √n, 1.5, 8) × min(width, height) / 800` from the total number of points n
  /// (≈ 1.5 px at 70,000 points on 1000 × 800, like `s=0.1` in matplotlib).
  public var pointSize: Float? = nil
  /// Global opacity factor in [0, 1] applied to every layer.
  public var alpha: Float = 1

  /// Default options (1000 × 800, Spectral, grey noise, legend on).
  public init(width: Int = 1000, height: Int = 800, title: String? = nil, cmap: String = "Spectral") {
    self.width = width
    self.height = height
    self.title = title
    self.cmap = cmap
  }
}

/// A colorbar for continuous colours (matplotlib `plt.colorbar()`): a vertical bar right of the
/// axes from the colormap's first entry at the bottom (the smallest value) to its last at the top
/// (the largest), with those two values as tick labels.
public struct PlotColorbar: Sendable, Equatable {
  /// Left pixel column of the bar's interior.
  public let left: Int
  /// Top pixel row of the bar's interior.
  public let top: Int
  /// One past the right pixel column of the bar's interior.
  public let right: Int
  /// One past the bottom pixel row of the bar's interior.
  public let bottom: Int
  /// The smallest colour value (bottom of the bar).
  public let min: Double
  /// The largest colour value (top of the bar).
  public let max: Double
  /// Tick label of `min` (4 significant digits).
  public let minLabel: String
  /// Tick label of `max`.
  public let maxLabel: String
}

/// Where things go on the figure: the axes rectangle in pixels and the data range it shows.
public struct PlotLayout: Sendable {
  /// Image size in pixels.
  public let width: Int
  /// Image height in pixels.
  public let height: Int
  /// Axes interior, pixel columns `plotLeft..<plotRight`, rows `plotTop..<plotBottom` (the frame is
  /// drawn just outside). Points are clipped to it.
  public let plotLeft: Int
  /// Top pixel row of the axes interior.
  public let plotTop: Int
  /// One past the right pixel column of the axes interior.
  public let plotRight: Int
  /// One past the bottom pixel row of the axes interior.
  public let plotBottom: Int
  /// Data range shown: the common bounds of all layers widened by 5 % on each side (matplotlib margins).
  public let xMin: Double
  /// Largest x shown (data units).
  public let xMax: Double
  /// Smallest y shown (data units).
  public let yMin: Double
  /// Largest y shown (data units).
  public let yMax: Double
  /// Tick values on each axis (empty when axes are not drawn).
  public let xTicks: [Double]
  /// Tick values on the y axis.
  public let yTicks: [Double]
  /// Legend entries (label text and colour), empty when no legend is drawn.
  public let legend: [(label: String, color: RGB)]
  /// Marker diameter (pixels) used for each layer.
  public let pointSizes: [Double]
  /// The colorbar of the first layer with continuous colours (nil when there is none or the axes
  /// are not drawn); its range is that layer's.
  public let colorbar: PlotColorbar?
  /// The number of distinct labels when a legend was asked for but left out because there are more
  /// than `PlotOptions.maxLegendEntries` (0 otherwise); `renderScatter` reports it as a note.
  public let omittedLegendLabels: Int

  let textScale: Int
  let titleScale: Int
  let xTickLabels: [String]
  let yTickLabels: [String]
  let legendX: Int
  let xLabelTop: Int
  let yLabelLeft: Int

  /// Continuous pixel position of data point (x, y); pixel (i, j) covers [i, i+1) × [j, j+1), y grows downward.
  public func pixel(x: Double, y: Double) -> (x: Double, y: Double) {
    (Double(plotLeft) + (x - xMin) / (xMax - xMin) * Double(plotRight - plotLeft),
     Double(plotBottom) - (y - yMin) / (yMax - yMin) * Double(plotBottom - plotTop))
  }
}

/// A layer ready to draw: per-point RGBA (straight) and drawing order.
struct PreparedScatterLayer {
  var xs: [Double]
  var ys: [Double]
  var rgba: [Float]
  var order: [Int]
  var legend: [(key: Int, label: String, color: RGB)]
  var distinctLabels: Int
  /// The smallest and largest colour value of a continuous layer.
  var range: (lo: Float, hi: Float)? = nil
}

/// Largest image area `renderScatter` accepts (4096 × 4096 pixels).
public let maxPlotPixels = 4096 * 4096

/// Validates layers and options and resolves colours. Throws `PlotError.invalidInput` or `.unknownColormap`.
func prepareScatterLayers(_ layers: [ScatterLayer], options: PlotOptions) throws -> [PreparedScatterLayer] {
  guard (16...8192).contains(options.width), (16...8192).contains(options.height),
        options.width * options.height <= maxPlotPixels else {
    throw PlotError.invalidInput(
      "plot size \(options.width) × \(options.height) is out of range (16...8192 pixels each side, "
        + "at most \(maxPlotPixels) pixels)")
  }
  guard options.alpha.isFinite, (0...1).contains(options.alpha) else {
    throw PlotError.invalidInput("alpha=\(options.alpha) is out of range: 0...1")
  }
  guard options.noiseAlpha.isFinite, (0...1).contains(options.noiseAlpha) else {
    throw PlotError.invalidInput("noise alpha=\(options.noiseAlpha) is out of range: 0...1")
  }
  if let s = options.pointSize, !(s.isFinite && s > 0 && s <= 200) {
    throw PlotError.invalidInput("point size=\(s) is out of range: (0, 200] pixels")
  }
  guard !layers.isEmpty, layers.contains(where: { $0.points.rows > 0 }) else {
    throw PlotError.invalidInput("nothing to plot: no data points")
  }
  let cmap = try Colormap(named: options.cmap)
  var out: [PreparedScatterLayer] = []
  for (li, layer) in layers.enumerated() {
    let what = layers.count == 1 ? "plot data" : "plot layer \(li + 1)"
    let m = layer.points
    let n = m.rows
    guard m.cols >= 2 else {
      throw PlotError.invalidInput("\(what) needs at least 2 columns (x, y), got \(n) × \(m.cols)")
    }
    if let s = layer.size, !(s.isFinite && s > 0 && s <= 200) {
      throw PlotError.invalidInput("\(what): point size=\(s) is out of range: (0, 200] pixels")
    }
    guard layer.alpha.isFinite, (0...1).contains(layer.alpha) else {
      throw PlotError.invalidInput("\(what): alpha=\(layer.alpha) is out of range: 0...1")
    }
    var xs = [Double](repeating: 0, count: n)
    var ys = [Double](repeating: 0, count: n)
    for i in 0..<n {
      let x = m.data[i * m.cols], y = m.data[i * m.cols + 1]
      guard x.isFinite, y.isFinite else {
        throw PlotError.invalidInput(
          "\(what) contains a non-finite coordinate (\(x.isFinite ? y : x)) at row \(i)")
      }
      xs[i] = Double(x)
      ys[i] = Double(y)
    }
    let alpha = layer.alpha * options.alpha
    var rgba = [Float](repeating: 0, count: 4 * n)
    func put(_ i: Int, _ c: RGB, _ a: Float) {
      rgba[4 * i] = Float(c.r); rgba[4 * i + 1] = Float(c.g); rgba[4 * i + 2] = Float(c.b); rgba[4 * i + 3] = a
    }
    var order = Array(0..<n)
    var legend: [(key: Int, label: String, color: RGB)] = []
    var distinct = 0
    var range: (lo: Float, hi: Float)? = nil
    switch layer.colors {
    case .fixed(let c):
      for i in 0..<n { put(i, c, alpha) }
    case .categorical(let labels):
      guard labels.count == n else {
        throw PlotError.invalidInput("\(what): \(labels.count) colour labels for \(n) points")
      }
      var lo = Int.max, hi = Int.min
      for l in labels where l >= 0 {
        lo = min(lo, l)
        hi = max(hi, l)
      }
      // matplotlib Normalize(vmin, vmax) on float64 labels; vmin == vmax maps everything to 0.
      func color(_ l: Int) -> RGB {
        if cmap.isQualitative { return cmap.categorical(l) }
        if hi == lo { return cmap(0) }
        return cmap((Double(l) - Double(lo)) / (Double(hi) - Double(lo)))
      }
      var seen = Set<Int>()
      var hasNoise = false
      for i in 0..<n {
        let l = labels[i]
        if l < 0 {
          put(i, options.noiseColor, alpha * options.noiseAlpha)
          hasNoise = true
        } else {
          put(i, color(l), alpha)
          seen.insert(l)
        }
      }
      distinct = seen.count
      if hasNoise {
        order = (0..<n).filter { labels[$0] < 0 } + (0..<n).filter { labels[$0] >= 0 }
        legend.append((key: -1, label: layer.categoryNames == nil ? "noise" : "NaN", color: options.noiseColor))
      }
      let names = layer.categoryNames ?? []
      for l in seen.sorted() { legend.append((key: l, label: l < names.count ? names[l] : String(l), color: color(l))) }
    case .continuous(let values):
      guard values.count == n else {
        throw PlotError.invalidInput("\(what): \(values.count) colour values for \(n) points")
      }
      var lo = Float.infinity, hi = -Float.infinity
      for (i, v) in values.enumerated() {
        guard v.isFinite else {
          throw PlotError.invalidInput("\(what): colour value \(v) at row \(i) is not finite")
        }
        lo = min(lo, v)
        hi = max(hi, v)
      }
      if n > 0 { range = (lo, hi) }
      // matplotlib Normalize keeps float32 input in float32: (v − vmin) / (vmax − vmin), then × N.
      let nLut = Float(cmap.count)
      for i in 0..<n {
        var idx = 0
        if hi > lo {
          let t = (values[i] - lo) / (hi - lo) * nLut
          idx = t >= nLut ? cmap.count - 1 : (t > 0 ? Int(t) : 0)
        }
        put(i, cmap.lut[idx], alpha)
      }
    }
    out.append(PreparedScatterLayer(xs: xs, ys: ys, rgba: rgba, order: order, legend: legend, distinctLabels: distinct,
                                    range: range))
  }
  return out
}

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
  var ts = s + 1
  if let t = options.title {
    while ts > 1 && BitmapFont.width(t, scale: ts) > W - 4 { ts -= 1 }
  }
  let titleText = options.title.flatMap { $0.isEmpty ? nil : $0 }
  let showTitle = titleText != nil && H >= 60
  let top = showTitle ? 2 * pad + BitmapFont.height(scale: ts) + pad : pad + (showAxes ? 2 * s : 0)
  // Axis labels: one line of text (with descenders) below the x tick labels, one column left of the y ones.
  let axisLabelH = (BitmapFont.glyphHeight + 2) * s
  let hasXLabel = showAxes && !(options.xlabel ?? "").isEmpty
  let hasYLabel = showAxes && !(options.ylabel ?? "").isEmpty
  let bottom = H - (showAxes ? pad + tickLen + 3 * s + BitmapFont.height(scale: s) : pad)
    - (hasXLabel ? axisLabelH + 3 * s : 0)

  // Legend.
  var entries: [(label: String, color: RGB)] = []
  var omitted = 0
  if options.legend {
    var keys = Set<Int>()
    var distinct = 0
    var any = false
    for p in prepared where !p.legend.isEmpty {
      any = true
      distinct = max(distinct, p.distinctLabels)
      for e in p.legend where !keys.contains(e.key) {
        keys.insert(e.key)
        entries.append((e.label, e.color))
      }
    }
    let nonNoise = keys.filter { $0 >= 0 }.count
    if any && nonNoise > options.maxLegendEntries { omitted = nonNoise }
    if !any || nonNoise > options.maxLegendEntries || nonNoise == 0 { entries = [] }
  }
  let rowH = 12 * s
  var legendW = 0
  if !entries.isEmpty {
    let textW = entries.map { BitmapFont.width($0.label, scale: s) }.max() ?? 0
    legendW = 6 * s + 8 * s + 6 * s + textW + 6 * s
    if legendW > W / 3 || entries.count * rowH + 8 * s > bottom - top { entries = []; legendW = 0 }
  }

  var yt = (values: [Double](), labels: [String]())
  if showAxes { yt = plotNiceTicks(y0, y1, maxCount: max(2, min(10, (bottom - top) / (40 * s)))) }
  let yLabelW = yt.labels.map { BitmapFont.width($0, scale: s) }.max() ?? 0
  let left = (showAxes ? pad + yLabelW + 3 * s + tickLen : pad) + (hasYLabel ? axisLabelH + 3 * s : 0)
  // Colorbar: a gap, the bar, its ticks and the two value labels.
  let continuous = showAxes ? prepared.first(where: { $0.range != nil })?.range : nil
  let cbLabels = continuous.map { [plotColorbarLabel(Double($0.lo)), plotColorbarLabel(Double($0.hi))] } ?? []
  let barW = 10 * s
  let cbW = continuous == nil ? 0
    : 2 * pad + barW + tickLen + 3 * s + (cbLabels.map { BitmapFont.width($0, scale: s) }.max() ?? 0)
  let right = W - (legendW > 0 ? legendW + 2 * pad : (showAxes ? 2 * pad : pad)) - cbW
  let colorbar = continuous.map { r in
    PlotColorbar(left: right + 2 * pad, top: top, right: right + 2 * pad + barW, bottom: max(bottom, top + 1),
                 min: Double(r.lo), max: Double(r.hi), minLabel: cbLabels[0], maxLabel: cbLabels[1])
  }
  var xt = (values: [Double](), labels: [String]())
  if showAxes {
    let widest = max(1, max(BitmapFont.width(String(format: "%g", x0), scale: s),
                            BitmapFont.width(String(format: "%g", x1), scale: s)))
    xt = plotNiceTicks(x0, x1, maxCount: max(2, min(10, (right - left) / max(50 * s, widest + 12 * s))))
  }
  let n = prepared.reduce(0) { $0 + $1.xs.count }
  let auto = min(max(400 / Double(n).squareRoot(), 1.5), 8) * max(Double(min(W, H)) / 800, 0.25)
  let sizes = layers.map { Double($0.size ?? options.pointSize ?? Float(auto)) }
  return PlotLayout(
    width: W, height: H, plotLeft: left, plotTop: top, plotRight: max(right, left + 1),
    plotBottom: max(bottom, top + 1), xMin: x0, xMax: x1, yMin: y0, yMax: y1,
    xTicks: xt.values, yTicks: yt.values, legend: entries, pointSizes: sizes, colorbar: colorbar,
    omittedLegendLabels: omitted, textScale: s, titleScale: ts, xTickLabels: xt.labels,
    yTickLabels: yt.labels, legendX: right + cbW + pad,
    xLabelTop: hasXLabel ? max(bottom, top + 1) + 1 + tickLen + 3 * s + BitmapFont.height(scale: s) + 3 * s : -1,
    yLabelLeft: hasYLabel ? pad : -1)
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

let plotFrameColor = RGB(grey: 0.75)
let plotTickColor = RGB(grey: 0.45)
let plotTextColor = RGB(grey: 0.15)

/// Renders a 2-D scatter plot like matplotlib's `plt.scatter`, one call per layer, in layer order.
///
/// White background, light frame around the axes, common data bounds over all layers with 5 %
/// margins, round tick labels, anti-aliased discs blended in input order (noise points of a
/// categorical layer first), an optional title and a legend for categorical layers with few labels.
/// Deterministic: the same input gives the same pixels.
/// - Parameters:
///   - layers: the scatter layers (each `n × ≥2` points).
///   - options: figure size, colormap, title, legend, sizes (see `PlotOptions`).
///   - note: receives a one-line note when the legend is left out for too many labels.
/// - Returns: an opaque `options.width × options.height` RGBA image.
/// - Throws: `PlotError.invalidInput` for no points, fewer than 2 columns, non-finite coordinates or
///   colour values, colour vectors of the wrong length, bad sizes or opacities;
///   `PlotError.unknownColormap` listing the known colormaps.
public func renderScatter(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(),
                          note: (String) -> Void = { _ in }) throws -> RGBAImage {
  let prepared = try prepareScatterLayers(layers, options: options)
  let L = makeScatterLayout(prepared, layers: layers, options: options)
  if let n = legendOmittedNote(L, options: options) { note(n) }
  var canvas = PlotCanvas(width: L.width, height: L.height, background: .white)
  let s = L.textScale
  let clip = (L.plotLeft, L.plotTop, L.plotRight, L.plotBottom)
  let sx = Double(L.plotRight - L.plotLeft) / (L.xMax - L.xMin)
  let sy = Double(L.plotBottom - L.plotTop) / (L.yMax - L.yMin)
  for (li, p) in prepared.enumerated() {
    let px = p.xs.map { Double(L.plotLeft) + ($0 - L.xMin) * sx }
    let py = p.ys.map { Double(L.plotBottom) - ($0 - L.yMin) * sy }
    canvas.drawDiscs(px: px, py: py, rgba: p.rgba, order: p.order, diameter: L.pointSizes[li], clip: clip)
  }
  canvas.strokeRectOutside(L.plotLeft, L.plotTop, L.plotRight, L.plotBottom, plotFrameColor)
  // Ticks and tick labels.
  let tickLen = 4 * s
  for (v, label) in zip(L.xTicks, L.xTickLabels) {
    let x = Int(L.pixel(x: v, y: L.yMin).x.rounded(.down))
    canvas.fillRect(x, L.plotBottom + 1, x + max(1, s / 2), L.plotBottom + 1 + tickLen, plotTickColor)
    let w = BitmapFont.width(label, scale: s)
    canvas.drawText(label, x: x - w / 2, y: L.plotBottom + 1 + tickLen + 3 * s, scale: s, color: plotTextColor)
  }
  for (v, label) in zip(L.yTicks, L.yTickLabels) {
    let y = Int(L.pixel(x: L.xMin, y: v).y.rounded(.down))
    canvas.fillRect(L.plotLeft - 1 - tickLen, y, L.plotLeft - 1, y + max(1, s / 2), plotTickColor)
    let w = BitmapFont.width(label, scale: s)
    canvas.drawText(label, x: L.plotLeft - 1 - tickLen - 3 * s - w,
                    y: y - BitmapFont.height(scale: s) / 2, scale: s, color: plotTextColor)
  }
  // Title.
  if let t = options.title, !t.isEmpty, L.plotTop > BitmapFont.height(scale: L.titleScale) {
    let w = BitmapFont.width(t, scale: L.titleScale)
    let cx = (L.plotLeft + L.plotRight) / 2
    let x = min(max(0, cx - w / 2), max(0, L.width - w))
    let y = (L.plotTop - BitmapFont.height(scale: L.titleScale)) / 2
    canvas.drawText(t, x: x, y: y, scale: L.titleScale, color: .black)
  }
  // Axis labels.
  if let t = options.xlabel, L.xLabelTop >= 0 {
    let w = BitmapFont.width(t, scale: s)
    canvas.drawText(t, x: (L.plotLeft + L.plotRight) / 2 - w / 2, y: L.xLabelTop, scale: s, color: plotTextColor)
  }
  if let t = options.ylabel, L.yLabelLeft >= 0 {
    let w = BitmapFont.width(t, scale: s)
    canvas.drawTextUp(t, x: L.yLabelLeft, bottom: (L.plotTop + L.plotBottom) / 2 + w / 2, scale: s, color: plotTextColor)
  }
  // Colorbar: row y shows the colour of the fraction (bottom − y − 0.5) / height of the range.
  if let cb = L.colorbar {
    let cmap = try Colormap(named: options.cmap)
    let h = Double(cb.bottom - cb.top)
    for y in cb.top..<cb.bottom {
      canvas.fillRect(cb.left, y, cb.right, y + 1, cmap((Double(cb.bottom - y) - 0.5) / h))
    }
    canvas.strokeRectOutside(cb.left, cb.top, cb.right, cb.bottom, plotFrameColor)
    for (y, label) in [(cb.top, cb.maxLabel), (cb.bottom - max(1, s / 2), cb.minLabel)] {
      canvas.fillRect(cb.right + 1, y, cb.right + 1 + tickLen, y + max(1, s / 2), plotTickColor)
      canvas.drawText(label, x: cb.right + 1 + tickLen + 3 * s, y: y - BitmapFont.height(scale: s) / 2, scale: s,
                      color: plotTextColor)
    }
  }
  // Legend.
  if !L.legend.isEmpty {
    let rowH = 12 * s
    let textW = L.legend.map { BitmapFont.width($0.label, scale: s) }.max() ?? 0
    let bx0 = L.legendX, by0 = L.plotTop
    let bx1 = bx0 + 6 * s + 8 * s + 6 * s + textW + 6 * s, by1 = by0 + L.legend.count * rowH + 8 * s
    canvas.strokeRectOutside(bx0, by0, bx1, by1, plotFrameColor)
    for (k, e) in L.legend.enumerated() {
      let cy = by0 + 4 * s + k * rowH + rowH / 2
      canvas.drawDisc(cx: Double(bx0 + 6 * s) + 4 * Double(s), cy: Double(cy), diameter: 8 * Double(s),
                      color: e.color, alpha: 1, clip: (bx0, by0, bx1, by1))
      canvas.drawText(e.label, x: bx0 + 20 * s, y: cy - BitmapFont.height(scale: s) / 2, scale: s,
                      color: plotTextColor)
    }
  }
  return canvas.image()
}
