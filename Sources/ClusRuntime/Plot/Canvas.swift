/// A floating-point RGB drawing surface (opaque), converted to 8-bit RGBA at the end.
/// Blending is straight "over" compositing, in drawing order, single-threaded (deterministic).
struct PlotCanvas {
  let width: Int
  let height: Int
  /// `height × width × 3` components in [0, 1].
  var rgb: [Float]

  init(width: Int, height: Int, background: RGB) {
    self.width = width
    self.height = height
    rgb = [Float](repeating: 0, count: width * height * 3)
    let r = Float(background.r), g = Float(background.g), b = Float(background.b)
    var k = 0
    while k < rgb.count {
      rgb[k] = r; rgb[k + 1] = g; rgb[k + 2] = b
      k += 3
    }
  }

  /// Blends `color` with opacity `alpha` over pixel (x, y); pixels outside the canvas are ignored.
  @inline(__always) mutating func blend(_ x: Int, _ y: Int, _ color: RGB, _ alpha: Float) {
    guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
    let k = (y * width + x) * 3
    let a = min(alpha, 1)
    rgb[k] += (Float(color.r) - rgb[k]) * a
    rgb[k + 1] += (Float(color.g) - rgb[k + 1]) * a
    rgb[k + 2] += (Float(color.b) - rgb[k + 2]) * a
  }

  /// Fills the rectangle [x0, x1) × [y0, y1) (clipped).
  mutating func fillRect(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB, alpha: Float = 1) {
    let xa = max(0, x0), xb = min(width, x1), ya = max(0, y0), yb = min(height, y1)
    guard xa < xb, ya < yb else { return }
    for y in ya..<yb {
      for x in xa..<xb { blend(x, y, color, alpha) }
    }
  }

  /// Draws the 1-pixel outline just outside the interior [x0, x1) × [y0, y1).
  mutating func strokeRectOutside(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
    fillRect(x0 - 1, y0 - 1, x1 + 1, y0, color)
    fillRect(x0 - 1, y1, x1 + 1, y1 + 1, color)
    fillRect(x0 - 1, y0, x0, y1, color)
    fillRect(x1, y0, x1 + 1, y1, color)
  }

  /// Draws `text` with the bitmap font, top-left corner at (x, y), each font pixel a
  /// `scale × scale` block.
  mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: RGB) {
    BitmapFont.forEachPixel(text) { fx, fy in
      self.fillRect(x + fx * scale, y + fy * scale, x + (fx + 1) * scale, y + (fy + 1) * scale, color)
    }
  }

  /// Draws `text` turned a quarter turn anticlockwise (reading upward, as matplotlib's ylabel):
  /// the glyphs' tops face left, the text's left edge at column `x`, its start at row `bottom`.
  mutating func drawTextUp(_ text: String, x: Int, bottom: Int, scale: Int, color: RGB) {
    BitmapFont.forEachPixel(text) { fx, fy in
      self.fillRect(x + fy * scale, bottom - (fx + 1) * scale, x + (fy + 1) * scale, bottom - fx * scale, color)
    }
  }

  /// Draws an anti-aliased filled disc (see `drawDiscs`).
  mutating func drawDisc(cx: Double, cy: Double, diameter: Double, color: RGB, alpha: Float,
                         clip: (Int, Int, Int, Int)) {
    drawDiscs(px: [cx], py: [cy], rgba: [Float(color.r), Float(color.g), Float(color.b), alpha],
              order: [0], diameter: diameter, clip: clip)
  }

  /// Draws anti-aliased discs of one `diameter` (pixels) at canvas positions (px[i], py[i]) for
  /// i in `order`, colour and opacity from `rgba[4i ..< 4i+4]`, clipped to [x0, x1) × [y0, y1).
  ///
  /// Coverage of a pixel whose centre lies at distance d from the disc centre is
  /// clamp(r + 0.5 − d, 0, 1) (a one-pixel linear ramp across the edge). Discs smaller than one
  /// pixel (r < 0.5) use the r = 0.5 footprint with opacity scaled by (r / 0.5)², so their total
  /// ink is proportional to their area.
  mutating func drawDiscs(px pxs: [Double], py pys: [Double], rgba rgbaArray: [Float], order: [Int],
                          diameter: Double, clip: (Int, Int, Int, Int)) {
    let r0 = max(diameter, 0) / 2
    let r = max(r0, 0.5)
    let gain = Float(r0 < 0.5 ? (r0 / 0.5) * (r0 / 0.5) : 1)
    let reach = r + 0.5
    let (cx0, cy0, cx1, cy1) = (max(clip.0, 0), max(clip.1, 0), min(clip.2, width), min(clip.3, height))
    guard cx0 < cx1, cy0 < cy1 else { return }
    let w = width
    let xs = pxs, ys = pys
    rgbaArray.withUnsafeBufferPointer { rgba in
    rgb.withUnsafeMutableBufferPointer { buf in
      for i in order {
        let px = xs[i], py = ys[i]
        let a0 = rgba[4 * i + 3] * gain
        if !(a0 > 0) { continue }
        let cr = rgba[4 * i], cg = rgba[4 * i + 1], cb = rgba[4 * i + 2]
        let xa = max(cx0, Int((px - reach).rounded(.down)))
        let xb = min(cx1 - 1, Int((px + reach).rounded(.down)))
        let ya = max(cy0, Int((py - reach).rounded(.down)))
        let yb = min(cy1 - 1, Int((py + reach).rounded(.down)))
        if xa > xb || ya > yb { continue }
        for yy in ya...yb {
          let dy = Double(yy) + 0.5 - py
          let row = yy * w
          for xx in xa...xb {
            let dx = Double(xx) + 0.5 - px
            let d = (dx * dx + dy * dy).squareRoot()
            var cov = reach - d
            if cov <= 0 { continue }
            if cov > 1 { cov = 1 }
            let a = Float(cov) * a0
            let k = (row + xx) * 3
            buf[k] += (cr - buf[k]) * a
            buf[k + 1] += (cg - buf[k + 1]) * a
            buf[k + 2] += (cb - buf[k + 2]) * a
          }
        }
      }
    }
    }
  }

  /// The canvas as an opaque 8-bit RGBA image (each component `round(v × 255)`).
  func image() -> RGBAImage {
    var px = [UInt8](repeating: 255, count: width * height * 4)
    rgb.withUnsafeBufferPointer { src in
      px.withUnsafeMutableBufferPointer { dst in
        for p in 0..<(width * height) {
          dst[4 * p] = plotByteF(src[3 * p])
          dst[4 * p + 1] = plotByteF(src[3 * p + 1])
          dst[4 * p + 2] = plotByteF(src[3 * p + 2])
        }
      }
    }
    return RGBAImage(width: width, height: height, pixels: px)
  }
}

@inline(__always) func plotByteF(_ v: Float) -> UInt8 {
  if !(v > 0) { return 0 }
  if v >= 1 { return 255 }
  return UInt8((v * 255).rounded())
}
