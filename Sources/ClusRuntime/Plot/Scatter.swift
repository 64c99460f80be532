// The last step of a scatter plot, `renderScatter`: the layout (ScatterLayout.swift) of the prepared
// layers (ScatterPrepare.swift) drawn on a canvas.

import ClusAlgorithms
import Foundation

let plotFrameColor = RGB(grey: 0.75)
let plotTickColor = RGB(grey: 0.45)
let plotTextColor = RGB(grey: 0.15)

/// Renders a 2-D scatter plot like matplotlib's `plt.scatter`, one call per layer, in layer order,
/// drawn by Cairo (anti-aliased shapes, text in DejaVu Sans).
///
/// White background, light frame around the axes, common data bounds over all layers with 5 %
/// margins, round tick labels, discs blended in input order (noise points of a categorical layer
/// first), an optional title, and a legend for categorical layers with few labels (category names
/// when the labels carry them) or, with `labelsOnData`, each cluster's name at the median of its
/// points. Deterministic: the same input gives the same pixels (for one Cairo build).
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
  try drawScatter(layers, options: options, format: .png, note: note).image()
}

/// The same figure as `renderScatter` as a file's bytes in `format` (PNG, SVG or PDF): one drawing
/// code path through Cairo for every format.
/// - Throws: the errors of `renderScatter`.
public func renderScatter(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(), format: PictureFormat,
                          note: (String) -> Void = { _ in }) throws -> [UInt8] {
  try drawScatter(layers, options: options, format: format, note: note).finish()
}

/// Draws a figure: the layers' points, then `overlay` (bars, lines, ellipses of the other plot
/// kinds, in the layout's pixels), the axes, title, colorbar and legend.
func drawScatter(_ layers: [ScatterLayer], options: PlotOptions, format: PictureFormat,
                 note: (String) -> Void, overlay: (Painter, PlotLayout) throws -> Void = { _, _ in }) throws -> Painter {
  let prepared = try prepareScatterLayers(layers, options: options)
  let L = makeScatterLayout(prepared, layers: layers, options: options)
  if let n = legendOmittedNote(L, options: options) { note(n) }
  let canvas = Painter(format: format, width: L.width, height: L.height)
  let s = Double(L.textScale)
  let fs = L.fontSize
  let clip = (Double(L.plotLeft), Double(L.plotTop), Double(L.plotRight), Double(L.plotBottom))
  let sx = Double(L.plotRight - L.plotLeft) / (L.xMax - L.xMin)
  let sy = Double(L.plotBottom - L.plotTop) / (L.yMax - L.yMin)
  for (li, p) in prepared.enumerated() {
    let px = p.xs.map { Double(L.plotLeft) + ($0 - L.xMin) * sx }
    let py = p.ys.map { Double(L.plotBottom) - ($0 - L.yMin) * sy }
    canvas.discs(px: px, py: py, rgba: p.rgba, order: p.order, diameter: L.pointSizes[li], clip: clip)
  }
  try overlay(canvas, L)
  // Labels on the data: each cluster's name at the median of its points (scanpy's legend_loc="on data").
  for t in L.onData {
    canvas.text(t.label, x: t.x, y: t.y, size: fs * 1.1, color: .black, anchor: .middle, bold: true, halo: true)
  }
  drawAxesFrame(canvas, L)
  // Title.
  if let t = options.title, !t.isEmpty, L.titleSize > 0 {
    canvas.text(t, x: Double(L.plotLeft + L.plotRight) / 2, y: Double(L.plotTop) / 2, size: L.titleSize, color: .black, anchor: .middle)
  }
  // Colorbar: row y shows the colour of the fraction (bottom − y − 0.5) / height of the range.
  if let cb = L.colorbar {
    let cmap = try Colormap(named: options.cmap)
    let h = Double(cb.bottom - cb.top)
    for y in cb.top..<cb.bottom {
      canvas.fillRect(Double(cb.left), Double(y), Double(cb.right), Double(y + 1), cmap((Double(cb.bottom - y) - 0.5) / h))
    }
    canvas.strokeRect(Double(cb.left) - 0.5, Double(cb.top) - 0.5, Double(cb.right) + 0.5, Double(cb.bottom) + 0.5, plotFrameColor)
    let tickLen = 4 * s
    for (y, label) in [(Double(cb.top), cb.maxLabel), (Double(cb.bottom), cb.minLabel)] {
      canvas.fillRect(Double(cb.right) + 1, y - s / 4, Double(cb.right) + 1 + tickLen, y + s / 4, plotTickColor)
      canvas.text(label, x: Double(cb.right) + 1 + tickLen + 3 * s, y: y, size: fs, color: plotTextColor)
    }
  }
  // Legend.
  if !L.legend.isEmpty {
    let rowH = L.legendRowHeight
    let textW = L.legend.map { TextMetrics.width($0.label, size: fs) }.max() ?? 0
    let bx0 = Double(L.legendX), by0 = Double(L.plotTop)
    let bx1 = bx0 + 20 * s + textW + 6 * s, by1 = by0 + Double(L.legend.count) * rowH + 8 * s
    canvas.strokeRect(bx0 - 0.5, by0 - 0.5, bx1 + 0.5, by1 + 0.5, plotFrameColor)
    for (k, e) in L.legend.enumerated() {
      let cy = by0 + 4 * s + Double(k) * rowH + rowH / 2
      let c = e.color
      canvas.discs(px: [bx0 + 10 * s], py: [cy], rgba: [Float(c.r), Float(c.g), Float(c.b), 1], order: [0],
                   diameter: 8 * s, clip: (bx0, by0, bx1, by1))
      canvas.text(e.label, x: bx0 + 20 * s, y: cy, size: fs, color: plotTextColor)
    }
  }
  if let w = missingGlyphWarning(canvas.missingGlyphs) { note(w) }
  return canvas
}

/// The axes' frame, ticks, tick labels and axis labels of a layout (shared by every plot kind).
func drawAxesFrame(_ canvas: Painter, _ L: PlotLayout) {
  let s = Double(L.textScale), fs = L.fontSize
  canvas.strokeRect(Double(L.plotLeft) - 0.5, Double(L.plotTop) - 0.5, Double(L.plotRight) + 0.5, Double(L.plotBottom) + 0.5,
                    plotFrameColor)
  let tickLen = 4 * s
  let lineH = TextMetrics.lineHeight(size: fs)
  for (v, label) in zip(L.xTicks, L.xTickLabels) {
    let x = L.pixel(x: v, y: L.yMin).x
    canvas.fillRect(x - s / 4, Double(L.plotBottom) + 1, x + s / 4, Double(L.plotBottom) + 1 + tickLen, plotTickColor)
    canvas.text(label, x: x, y: Double(L.plotBottom) + 1 + tickLen + 3 * s + lineH / 2, size: fs, color: plotTextColor, anchor: .middle)
  }
  for (v, label) in zip(L.yTicks, L.yTickLabels) {
    let y = L.pixel(x: L.xMin, y: v).y
    canvas.fillRect(Double(L.plotLeft) - 1 - tickLen, y - s / 4, Double(L.plotLeft) - 1, y + s / 4, plotTickColor)
    canvas.text(label, x: Double(L.plotLeft) - 1 - tickLen - 3 * s, y: y, size: fs, color: plotTextColor, anchor: .end)
  }
  if let t = L.xlabel, L.xLabelTop >= 0 {
    canvas.text(t, x: Double(L.plotLeft + L.plotRight) / 2, y: Double(L.xLabelTop) + lineH / 2, size: fs, color: plotTextColor, anchor: .middle)
  }
  if let t = L.ylabel, L.yLabelLeft >= 0 {
    canvas.text(t, x: Double(L.yLabelLeft) + lineH / 2, y: Double(L.plotTop + L.plotBottom) / 2, size: fs, color: plotTextColor,
                anchor: .middle, upward: true)
  }
}

/// The warning for characters the plot font has no glyph for (drawn as empty boxes), or nil when there
/// are none: each named with its code point, the first eight.
func missingGlyphWarning(_ missing: [Unicode.Scalar]) -> String? {
  guard !missing.isEmpty else { return nil }
  let named = missing.prefix(8).map { u -> String in
    let hex = String(u.value, radix: 16, uppercase: true)
    let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    switch u {
    case "\n": return "a line break (\(code))"
    case "\t": return "a tab (\(code))"
    default: return u.value < 0x20 || u.value == 0x7F ? "a control character (\(code))" : "'\(u)' (\(code))"
    }
  }
  let more = missing.count > 8 ? " and \(missing.count - 8) more" : ""
  let lines = missing.contains("\n") ? "; titles and labels are drawn on one line" : ""
  return "warning: plot: the font (\(plotFontFamily)) has no glyph for \(named.joined(separator: ", "))\(more): drawn as empty boxes\(lines)"
}
