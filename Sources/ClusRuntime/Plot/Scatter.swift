// The last step of a scatter plot, `renderScatter`: the layout (ScatterLayout.swift) of the prepared
// layers (ScatterPrepare.swift) drawn on a canvas.

import ClusAlgorithms
import Foundation

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
