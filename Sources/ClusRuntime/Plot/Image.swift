/// An opaque-or-translucent colour with components in [0, 1] (sRGB, not premultiplied).
public struct RGB: Sendable, Equatable, CustomStringConvertible {
  /// Red, green and blue in [0, 1].
  public var r: Double
  /// Green in [0, 1].
  public var g: Double
  /// Blue in [0, 1].
  public var b: Double

  /// A colour from components in [0, 1] (values outside are clamped when drawn).
  public init(_ r: Double, _ g: Double, _ b: Double) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// A grey level in [0, 1].
  public init(grey v: Double) { self.init(v, v, v) }

  /// The 8-bit sRGB components, each `round(component × 255)` clamped to 0...255.
  public var bytes: (r: UInt8, g: UInt8, b: UInt8) { (plotByte(r), plotByte(g), plotByte(b)) }

  /// `#rrggbb` hexadecimal form of `bytes`.
  public var hex: String {
    let b = bytes
    return "#" + [b.r, b.g, b.b].map { v in
      let s = String(v, radix: 16)
      return s.count == 1 ? "0" + s : s
    }.joined()
  }

  /// The colour as `#rrggbb`.
  public var description: String { hex }

  /// White.
  public static let white = RGB(1, 1, 1)
  /// matplotlib's first colour-cycle colour `C0` (#1f77b4, tab10 entry 0).
  public static let matplotlibC0 = RGB(0.12156862745098039, 0.4666666666666667, 0.7058823529411765)
  /// Black.
  public static let black = RGB(0, 0, 0)
}

@inline(__always) func plotByte(_ v: Double) -> UInt8 {
  if !(v > 0) { return 0 }
  if v >= 1 { return 255 }
  return UInt8((v * 255).rounded())
}

/// A raster image: `height` rows × `width` columns of 8-bit RGBA pixels, row-major, top row first,
/// 4 bytes per pixel (not premultiplied).
public struct RGBAImage: Sendable, Equatable {
  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// `height × width × 4` bytes: R, G, B, A of pixel (x, y) at `(y * width + x) * 4`.
  public var pixels: [UInt8]

  /// Wraps `pixels` (`width × height × 4` bytes, RGBA, row-major).
  /// - Precondition: `pixels.count == width * height * 4`.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(pixels.count == width * height * 4, "pixel buffer has \(pixels.count) bytes, expected \(width) × \(height) × 4")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// A `width × height` image filled with one opaque colour.
  public init(width: Int, height: Int, fill: RGB = .white) {
    let b = fill.bytes
    var px = [UInt8](repeating: 255, count: width * height * 4)
    var k = 0
    while k < px.count {
      px[k] = b.r; px[k + 1] = b.g; px[k + 2] = b.b
      k += 4
    }
    self.width = width
    self.height = height
    self.pixels = px
  }

  /// The pixel at column `x`, row `y` (0-based, top-left origin) as (r, g, b, a).
  public func pixel(_ x: Int, _ y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
    let k = (y * width + x) * 4
    return (pixels[k], pixels[k + 1], pixels[k + 2], pixels[k + 3])
  }

  /// Whether every pixel has alpha 255.
  public var isOpaque: Bool {
    pixels.withUnsafeBufferPointer { p in
      var k = 3
      while k < p.count {
        if p[k] != 255 { return false }
        k += 4
      }
      return true
    }
  }
}
