// The first step of a scatter plot: layers and options checked, colours resolved per point
// (categorical, continuous or fixed) and the drawing order fixed.

import ClusAlgorithms
import Foundation

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
          "\(what) contains a non-finite coordinate (\(nonFiniteName(x.isFinite ? y : x))) at row \(i)")
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
      // a missing value (NaN: an Int64 or boolean column with <NA>) is drawn grey, beneath the others, as
      // scanpy draws it (na_color) and as clus draws noise; it was refused
      var lo = Float.infinity, hi = -Float.infinity
      var missing = false
      for (i, v) in values.enumerated() {
        if v.isNaN { missing = true; continue }
        guard v.isFinite else {
          throw PlotError.invalidInput("\(what): colour value \(nonFiniteName(v)) at row \(i) is not finite")
        }
        lo = min(lo, v)
        hi = max(hi, v)
      }
      if lo <= hi { range = (lo, hi) }
      if missing { order = (0..<n).filter { values[$0].isNaN } + (0..<n).filter { !values[$0].isNaN } }
      // matplotlib Normalize keeps float32 input in float32: (v − vmin) / (vmax − vmin), then × N.
      let nLut = Float(cmap.count)
      for i in 0..<n {
        if values[i].isNaN { put(i, options.noiseColor, alpha * options.noiseAlpha); continue }
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
