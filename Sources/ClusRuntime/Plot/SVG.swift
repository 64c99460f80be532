import ClusAlgorithms
import Foundation

/// Largest number of points `renderSVG` (and PDF output) accepts: every point is a path element.
public let svgMaxPoints = 200_000

/// Renders the same figure as `renderScatter` as an SVG document, drawn by the same code through
/// Cairo's SVG surface (points as circles, text as glyph outlines in DejaVu Sans).
/// `note` receives the same notes as `renderScatter`'s.
/// - Throws: the errors of `renderScatter`, and `PlotError.invalidInput` for more than
///   `svgMaxPoints` points (use PNG output then).
public func renderSVG(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(),
                      note: (String) -> Void = { _ in }) throws -> String {
  try checkVectorPoints(layers, "SVG")
  return String(decoding: try renderScatter(layers, options: options, format: .svg, note: note), as: UTF8.self)
}

/// Refuses more points than a vector picture should hold.
func checkVectorPoints(_ layers: [ScatterLayer], _ what: String) throws {
  let total = layers.reduce(0) { $0 + $1.points.rows }
  guard total <= svgMaxPoints else {
    throw PlotError.invalidInput("\(what) output is limited to \(svgMaxPoints) points (got \(total)); write a .png instead")
  }
}

/// Renders an SVG document (see `renderSVG`) and writes it to `path`.
/// `note` receives `renderSVG`'s notes.
/// - Throws: the errors of `renderSVG`; `PlotError.io` naming the path if it cannot be written.
public func writeSVG(_ layers: [ScatterLayer], options: PlotOptions = PlotOptions(), path: String,
                     note: (String) -> Void = { _ in }) throws {
  try plotWriteFile(Array(try renderSVG(layers, options: options, note: note).utf8), path: path)
}
