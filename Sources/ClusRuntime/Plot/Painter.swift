// Drawing through Cairo: one set of primitives (rectangles, discs, lines, text in DejaVu Sans found
// through fontconfig) onto a raster image (PNG), an SVG or a PDF surface, so every kind of picture is
// drawn by one code path whatever its format.

import CCairo
import Foundation

/// The file formats a picture can be drawn in.
public enum PictureFormat: String, Sendable, CaseIterable {
  /// A raster image (8-bit RGB), written as PNG.
  case png
  /// Scalable vector graphics (text as text outlines, points as circles).
  case svg
  /// A PDF page, one pixel to one point.
  case pdf

  /// The format a file name's extension names (`.png`, `.svg`, `.pdf`), or nil.
  public init?(path: String) {
    let lower = path.lowercased()
    guard let f = PictureFormat.allCases.first(where: { lower.hasSuffix("." + $0.rawValue) }) else { return nil }
    self = f
  }
}

/// The font every picture uses (fontconfig resolves it; fonts-dejavu-core provides it on Debian).
let plotFontFamily = "DejaVu Sans"

/// Where text is placed relative to its anchor point.
enum TextAnchor {
  case start, middle, end
}

/// Text metrics in pixels for the plot font at `size` pixels, measured by Cairo (for layouts that
/// are computed before anything is drawn). Thread-safe: each call uses its own context.
enum TextMetrics {
  /// The advance width of `text`.
  static func width(_ text: String, size: Double) -> Double {
    withMeasuringContext(size) { cr in
      var e = cairo_text_extents_t()
      cairo_text_extents(cr, text, &e)
      return e.x_advance
    }
  }

  /// The font's ascent plus descent (a line of text's height).
  static func lineHeight(size: Double) -> Double {
    withMeasuringContext(size) { cr in
      var e = cairo_font_extents_t()
      cairo_font_extents(cr, &e)
      return e.ascent + e.descent
    }
  }

  private static func withMeasuringContext<R>(_ size: Double, _ body: (OpaquePointer) -> R) -> R {
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)!
    let cr = cairo_create(surface)!
    defer { cairo_destroy(cr); cairo_surface_destroy(surface) }
    cairo_select_font_face(cr, plotFontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(cr, size)
    return body(cr)
  }
}

/// A Cairo drawing surface of `width × height` pixels with a white background. Not thread-safe;
/// one painter draws one picture.
final class Painter {
  let format: PictureFormat
  let width: Int
  let height: Int
  private let surface: OpaquePointer
  let cr: OpaquePointer
  /// The SVG or PDF bytes Cairo writes (its stream callback appends here).
  private let sink = ByteSink()

  private final class ByteSink { var bytes: [UInt8] = [] }

  /// The characters drawn that the font has no glyph for (in order of first use): drawn as its empty
  /// box. `drawScatter` warns of them, as matplotlib warns "Glyph … missing from font(s)".
  private(set) var missingGlyphs: [Unicode.Scalar] = []
  private var glyphKnown: [Unicode.Scalar: Bool] = [:]

  /// Notes the characters of `text` that the current font (Cairo's selected face, DejaVu Sans through
  /// fontconfig, which the toy text API draws without a fallback font) maps to glyph 0, its "missing" box.
  private func checkGlyphs(_ text: String) {
    let font = cairo_get_scaled_font(cr)
    for u in text.unicodeScalars where !u.isASCII || u.value < 0x20 || u.value == 0x7F {
      if glyphKnown[u] != nil { continue }
      var glyphs: UnsafeMutablePointer<cairo_glyph_t>? = nil
      var count: Int32 = 0
      let status = String(u).withCString {
        cairo_scaled_font_text_to_glyphs(font, 0, 0, $0, -1, &glyphs, &count, nil, nil, nil)
      }
      let present = status == CAIRO_STATUS_SUCCESS && count > 0 && glyphs.map { $0[0].index != 0 } ?? false
      if let g = glyphs { cairo_glyph_free(g) }
      glyphKnown[u] = present
      if !present { missingGlyphs.append(u) }
    }
  }

  init(format: PictureFormat, width: Int, height: Int) {
    self.format = format
    self.width = width
    self.height = height
    let write: cairo_write_func_t = { closure, data, length in
      let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
      sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
      return CAIRO_STATUS_SUCCESS
    }
    let ctx = Unmanaged.passUnretained(sink).toOpaque()
    switch format {
    case .png: surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
    case .svg:
      surface = cairo_svg_surface_create_for_stream(write, ctx, Double(width), Double(height))
      cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)  // width="1000px", as the PNG
    case .pdf: surface = cairo_pdf_surface_create_for_stream(write, ctx, Double(width), Double(height))
    }
    cr = cairo_create(surface)
    cairo_select_font_face(cr, plotFontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
    // hinting off: the same glyph positions at every size, as in the layout's measurements
    let fo = cairo_font_options_create()
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF)
    cairo_set_font_options(cr, fo)
    cairo_font_options_destroy(fo)
    setColor(.white)
    cairo_paint(cr)
  }

  deinit {
    cairo_destroy(cr)
    cairo_surface_destroy(surface)
  }

  func setColor(_ c: RGB, alpha: Double = 1) {
    cairo_set_source_rgba(cr, min(max(c.r, 0), 1), min(max(c.g, 0), 1), min(max(c.b, 0), 1), alpha)
  }

  /// Fills the rectangle [x0, x1) × [y0, y1).
  func fillRect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: RGB, alpha: Double = 1) {
    setColor(color, alpha: alpha)
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0)
    cairo_fill(cr)
  }

  /// A line of `lineWidth` pixels through `points`.
  func polyline(_ points: [(Double, Double)], _ color: RGB, lineWidth: Double, alpha: Double = 1) {
    guard let first = points.first else { return }
    setColor(color, alpha: alpha)
    cairo_set_line_width(cr, lineWidth)
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
    cairo_move_to(cr, first.0, first.1)
    for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
    cairo_stroke(cr)
  }

  /// The outline of a rectangle, `lineWidth` pixels wide, centred on its edges.
  func strokeRect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: RGB, lineWidth: Double = 1) {
    setColor(color)
    cairo_set_line_width(cr, lineWidth)
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0)
    cairo_stroke(cr)
  }

  /// An ellipse's outline (the circle around a selected cluster of a condensed tree).
  func strokeEllipse(cx: Double, cy: Double, rx: Double, ry: Double, _ color: RGB, lineWidth: Double) {
    guard rx > 0, ry > 0 else { return }
    setColor(color)
    cairo_save(cr)
    cairo_translate(cr, cx, cy)
    cairo_scale(cr, rx, ry)
    cairo_arc(cr, 0, 0, 1, 0, 2 * Double.pi)
    cairo_restore(cr)
    cairo_set_line_width(cr, lineWidth)
    cairo_stroke(cr)
  }

  /// Discs of one `diameter` at (px[i], py[i]) for i in `order`, colour and opacity from
  /// `rgba[4i ..< 4i+4]`, clipped to the rectangle `clip` (x0, y0, x1, y1). Discs below one pixel
  /// across are drawn one pixel across with their opacity scaled by their area, so that the ink of
  /// 200,000 tiny points stays proportional to their number.
  func discs(px: [Double], py: [Double], rgba: [Float], order: [Int], diameter: Double, clip: (Double, Double, Double, Double)) {
    let r0 = max(diameter, 0) / 2
    let r = max(r0, 0.5)
    let gain = r0 < 0.5 ? (r0 / 0.5) * (r0 / 0.5) : 1
    cairo_save(cr)
    cairo_rectangle(cr, clip.0, clip.1, clip.2 - clip.0, clip.3 - clip.1)
    cairo_clip(cr)
    // consecutive points of one colour go into one path (one fill), as matplotlib's collections
    var current: (Float, Float, Float, Float)? = nil
    func flush() { if current != nil { cairo_fill(cr) } }
    for i in order {
      let a = Double(rgba[4 * i + 3]) * gain
      if !(a > 0) { continue }
      let c = (rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], Float(a))
      if current == nil || current! != c {
        flush()
        cairo_set_source_rgba(cr, Double(c.0), Double(c.1), Double(c.2), a)
        current = c
      }
      cairo_new_sub_path(cr)
      cairo_arc(cr, px[i], py[i], r, 0, 2 * Double.pi)
    }
    flush()
    cairo_restore(cr)
  }

  /// Draws `text` at `size` pixels: horizontally placed by `anchor` at x, its vertical middle (half
  /// the line height below the ascent line) at y; `upward` turns it a quarter turn anticlockwise
  /// about (x, y), reading upward, as matplotlib's ylabel; `halo` outlines it in white first.
  func text(_ text: String, x: Double, y: Double, size: Double, color: RGB, anchor: TextAnchor = .start,
            upward: Bool = false, bold: Bool = false, halo: Bool = false) {
    cairo_save(cr)
    cairo_select_font_face(cr, plotFontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(cr, size)
    checkGlyphs(text)
    var e = cairo_text_extents_t()
    cairo_text_extents(cr, text, &e)
    var f = cairo_font_extents_t()
    cairo_font_extents(cr, &f)
    cairo_translate(cr, x, y)
    if upward { cairo_rotate(cr, -Double.pi / 2) }
    let dx: Double
    switch anchor {
    case .start: dx = 0
    case .middle: dx = -e.x_advance / 2
    case .end: dx = -e.x_advance
    }
    // the baseline sits (ascent − descent) / 2 below the middle
    cairo_move_to(cr, dx, (f.ascent - f.descent) / 2)
    if halo {
      // a white outline under the glyphs keeps text legible on top of points (scanpy's legend_fontoutline)
      cairo_text_path(cr, text)
      setColor(.white, alpha: 0.85)
      cairo_set_line_width(cr, max(2, size / 5))
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
      cairo_stroke_preserve(cr)
      setColor(color)
      cairo_fill(cr)
    } else {
      setColor(color)
      cairo_show_text(cr, text)
    }
    cairo_restore(cr)
  }

  /// The finished picture: for PNG the pixels (`image()`), for SVG and PDF the file's bytes.
  func finish() -> [UInt8] {
    if format == .png { return (try? encodePNG(image())) ?? [] }
    cairo_surface_finish(surface)
    return sink.bytes
  }

  /// The raster's pixels as an opaque 8-bit RGBA image (PNG painters only).
  func image() -> RGBAImage {
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface))
    let data = cairo_image_surface_get_data(surface)!
    var px = [UInt8](repeating: 255, count: width * height * 4)
    for y in 0..<height {
      let row = data + y * stride
      for x in 0..<width {
        // RGB24: one native-endian 32-bit word per pixel, 0x00RRGGBB
        let v = UnsafeRawPointer(row + 4 * x).loadUnaligned(as: UInt32.self)
        let k = 4 * (y * width + x)
        px[k] = UInt8((v >> 16) & 0xFF)
        px[k + 1] = UInt8((v >> 8) & 0xFF)
        px[k + 2] = UInt8(v & 0xFF)
      }
    }
    return RGBAImage(width: width, height: height, pixels: px)
  }
}
