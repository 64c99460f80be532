import ClusAlgorithms
import Foundation

/// Largest number of points `renderSVG` accepts (an SVG element per point).
public let svgMaxPoints = 20_000

/// Renders the same figure as `renderScatter` as an SVG document (one `<circle>` per point, same
/// layout, colours, drawing order and opacities; text in a sans-serif font).
/// `note` receives the same notes as `renderScatter`'s.
/// - Throws: the errors of `renderScatter`, and `PlotError.invalidInput` for more than
///   `svgMaxPoints` points (use PNG output then).
public func renderSVG(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(),
                      note: (String) -> Void = { _ in }) throws -> String {
  let total = layers.reduce(0) { $0 + $1.points.rows }
  guard total <= svgMaxPoints else {
    throw PlotError.invalidInput(
      "SVG output is limited to \(svgMaxPoints) points (got \(total)); write a .png instead")
  }
  let prepared = try prepareScatterLayers(layers, options: options)
  let L = makeScatterLayout(prepared, layers: layers, options: options)
  if let n = legendOmittedNote(L, options: options) { note(n) }
  let s = Double(L.textScale)
  func f(_ v: Double) -> String {
    var t = String(format: "%.2f", v)
    while t.hasSuffix("0") { t.removeLast() }
    if t.hasSuffix(".") { t.removeLast() }
    return t == "-0" ? "0" : t
  }
  func esc(_ t: String) -> String {
    t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
  func hex(_ r: Float, _ g: Float, _ b: Float) -> String { RGB(Double(r), Double(g), Double(b)).hex }
  var o = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(L.width)" height="\(L.height)" \
    viewBox="0 0 \(L.width) \(L.height)">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <clipPath id="axes"><rect x="\(L.plotLeft)" y="\(L.plotTop)" width="\(L.plotRight - L.plotLeft)" \
    height="\(L.plotBottom - L.plotTop)"/></clipPath>
    <g clip-path="url(#axes)" stroke="none">

    """
  for (li, p) in prepared.enumerated() {
    let r = f(L.pointSizes[li] / 2)
    for i in p.order {
      let (x, y) = L.pixel(x: p.xs[i], y: p.ys[i])
      let c = hex(p.rgba[4 * i], p.rgba[4 * i + 1], p.rgba[4 * i + 2])
      let a = p.rgba[4 * i + 3]
      o += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(r)\" fill=\"\(c)\""
      o += a < 1 ? " fill-opacity=\"\(f(Double(a)))\"/>\n" : "/>\n"
    }
  }
  o += "</g>\n"
  o += "<rect x=\"\(f(Double(L.plotLeft) - 0.5))\" y=\"\(f(Double(L.plotTop) - 0.5))\" "
  o += "width=\"\(L.plotRight - L.plotLeft + 1)\" height=\"\(L.plotBottom - L.plotTop + 1)\" "
  o += "fill=\"none\" stroke=\"\(plotFrameColor.hex)\" stroke-width=\"1\"/>\n"
  let fontSize = f(10 * s)
  o += "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"\(fontSize)\" fill=\"\(plotTextColor.hex)\">\n"
  let tickLen = 4 * s
  for (v, label) in zip(L.xTicks, L.xTickLabels) {
    let x = L.pixel(x: v, y: L.yMin).x
    o += "<line x1=\"\(f(x))\" y1=\"\(L.plotBottom)\" x2=\"\(f(x))\" y2=\"\(f(Double(L.plotBottom) + tickLen))\" stroke=\"\(plotTickColor.hex)\"/>"
    o += "<text x=\"\(f(x))\" y=\"\(f(Double(L.plotBottom) + tickLen + 12 * s))\" text-anchor=\"middle\">\(esc(label))</text>\n"
  }
  for (v, label) in zip(L.yTicks, L.yTickLabels) {
    let y = L.pixel(x: L.xMin, y: v).y
    o += "<line x1=\"\(f(Double(L.plotLeft) - tickLen))\" y1=\"\(f(y))\" x2=\"\(L.plotLeft)\" y2=\"\(f(y))\" stroke=\"\(plotTickColor.hex)\"/>"
    o += "<text x=\"\(f(Double(L.plotLeft) - tickLen - 3 * s))\" y=\"\(f(y + 3.5 * s))\" text-anchor=\"end\">\(esc(label))</text>\n"
  }
  if let t = options.title, !t.isEmpty {
    let y = Double(L.plotTop) / 2 + 5 * Double(L.titleScale) / 2
    o += "<text x=\"\(f(Double(L.plotLeft + L.plotRight) / 2))\" y=\"\(f(y))\" text-anchor=\"middle\" "
    o += "font-size=\"\(f(10 * Double(L.titleScale)))\" fill=\"#000000\">\(esc(t))</text>\n"
  }
  if let t = options.xlabel, L.xLabelTop >= 0 {
    o += "<text x=\"\(f(Double(L.plotLeft + L.plotRight) / 2))\" y=\"\(f(Double(L.xLabelTop) + 7 * s))\" "
    o += "text-anchor=\"middle\">\(esc(t))</text>\n"
  }
  if let t = options.ylabel, L.yLabelLeft >= 0 {
    let x = Double(L.yLabelLeft) + 7 * s, y = Double(L.plotTop + L.plotBottom) / 2
    o += "<text transform=\"translate(\(f(x)),\(f(y))) rotate(-90)\" text-anchor=\"middle\">\(esc(t))</text>\n"
  }
  if let cb = L.colorbar {
    let cmap = try Colormap(named: options.cmap)
    o += "<linearGradient id=\"colorbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
    for k in 0...16 { o += "<stop offset=\"\(f(Double(k) / 16))\" stop-color=\"\(cmap(Double(k) / 16).hex)\"/>" }
    o += "</linearGradient>\n"
    o += "<rect x=\"\(cb.left)\" y=\"\(cb.top)\" width=\"\(cb.right - cb.left)\" height=\"\(cb.bottom - cb.top)\" "
    o += "fill=\"url(#colorbar)\" stroke=\"\(plotFrameColor.hex)\"/>\n"
    for (y, label) in [(cb.top, cb.maxLabel), (cb.bottom, cb.minLabel)] {
      o += "<text x=\"\(f(Double(cb.right) + tickLen + 3 * s))\" y=\"\(f(Double(y) + 3.5 * s))\">\(esc(label))</text>\n"
    }
  }
  if !L.legend.isEmpty {
    let rowH = 12 * s
    let x0 = Double(L.legendX), y0 = Double(L.plotTop)
    let textW = Double(L.legend.map { BitmapFont.width($0.label, scale: L.textScale) }.max() ?? 0)
    o += "<rect x=\"\(f(x0 - 0.5))\" y=\"\(f(y0 - 0.5))\" width=\"\(f(26 * s + textW + 1))\" "
    o += "height=\"\(f(Double(L.legend.count) * rowH + 8 * s + 1))\" fill=\"none\" stroke=\"\(plotFrameColor.hex)\"/>\n"
    for (k, e) in L.legend.enumerated() {
      let cy = y0 + 4 * s + Double(k) * rowH + rowH / 2
      o += "<circle cx=\"\(f(x0 + 10 * s))\" cy=\"\(f(cy))\" r=\"\(f(4 * s))\" fill=\"\(e.color.hex)\"/>"
      o += "<text x=\"\(f(x0 + 20 * s))\" y=\"\(f(cy + 3.5 * s))\">\(esc(e.label))</text>\n"
    }
  }
  o += "</g>\n</svg>\n"
  return o
}

/// Renders an SVG document (see `renderSVG`) and writes it to `path`.
/// `note` receives `renderSVG`'s notes.
/// - Throws: the errors of `renderSVG`; `PlotError.io` naming the path if it cannot be written.
public func writeSVG(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(), path: String,
                     note: (String) -> Void = { _ in }) throws {
  try plotWriteFile(Array(try renderSVG(layers, options: options, note: note).utf8), path: path)
}
