import CPNG
import Foundation

// libpng simplified API constants (png.h; function-like macros do not import into Swift).
private let pngImageVersion: png_uint_32 = 1  // PNG_IMAGE_VERSION
private let pngFormatRGB: png_uint_32 = 0x02  // PNG_FORMAT_RGB (PNG_FORMAT_FLAG_COLOR)
private let pngFormatRGBA: png_uint_32 = 0x03  // PNG_FORMAT_RGBA (COLOR | ALPHA)

private func pngMessage(_ img: inout png_image) -> String {
  withUnsafeBytes(of: &img.message) { raw in
    let bytes = raw.prefix { $0 != 0 }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Encodes an image as PNG with libpng's simplified write API (`png_image_write_to_memory`):
/// 8-bit RGB when every pixel is opaque, 8-bit RGBA otherwise; no time or text chunks, so the same
/// image always gives the same bytes.
/// - Returns: the PNG file contents.
/// - Throws: `PlotError.png` with libpng's message if encoding fails.
public func encodePNG(_ image: RGBAImage) throws -> [UInt8] {
  let w = image.width, h = image.height
  guard w > 0, h > 0 else { throw PlotError.png("cannot encode an empty \(w) × \(h) image") }
  let opaque = image.isOpaque
  let channels = opaque ? 3 : 4
  var buffer: [UInt8]
  if opaque {
    buffer = [UInt8](repeating: 0, count: w * h * 3)
    image.pixels.withUnsafeBufferPointer { src in
      buffer.withUnsafeMutableBufferPointer { dst in
        for p in 0..<(w * h) {
          dst[3 * p] = src[4 * p]
          dst[3 * p + 1] = src[4 * p + 1]
          dst[3 * p + 2] = src[4 * p + 2]
        }
      }
    }
  } else {
    buffer = image.pixels
  }
  let raw = (w * channels + 1) * h
  var capacity = raw + raw / 100 + 4096
  for _ in 0..<2 {
    var img = png_image()
    img.version = pngImageVersion
    img.width = png_uint_32(w)
    img.height = png_uint_32(h)
    img.format = opaque ? pngFormatRGB : pngFormatRGBA
    var out = [UInt8](repeating: 0, count: capacity)
    var size = png_alloc_size_t(capacity)
    let ok = out.withUnsafeMutableBytes { o in
      buffer.withUnsafeBytes { b in
        png_image_write_to_memory(&img, o.baseAddress, &size, 0, b.baseAddress, 0, nil)
      }
    }
    if ok != 0 {
      png_image_free(&img)
      out.removeLast(capacity - Int(size))
      return out
    }
    let message = pngMessage(&img)
    png_image_free(&img)
    if Int(size) > capacity {
      capacity = Int(size)
      continue
    }
    throw PlotError.png(message.isEmpty ? "png_image_write_to_memory failed" : message)
  }
  throw PlotError.png("PNG output did not fit the buffer")
}

/// Encodes `image` as PNG (see `encodePNG`) and writes it to `path`, replacing any existing file.
/// - Throws: `PlotError.io` naming the path and the system's reason if the file cannot be written;
///   `PlotError.png` if encoding fails.
public func writePNG(_ image: RGBAImage, path: String) throws {
  try plotWriteFile(try encodePNG(image), path: path)
}

/// Writes `bytes` as the file at `path`, replacing any file there whole (`replaceFile`).
/// Throws `PlotError.io` naming the path.
func plotWriteFile(_ bytes: [UInt8], path: String) throws {
  do { try bytes.withUnsafeBytes { try replaceFile(path, with: $0) } } catch let f as ReplacementFile.Failure {
    throw PlotError.io(path: path, reason: errnoText(f.code))
  }
}

/// Decodes PNG file contents to 8-bit RGBA with libpng's simplified read API
/// (`png_image_begin_read_from_memory` / `png_image_finish_read`); grey, palette and 16-bit images
/// are converted by libpng.
/// - Throws: `PlotError.png` with libpng's message for data that is not a readable PNG.
public func decodePNG(bytes: [UInt8]) throws -> RGBAImage {
  var img = png_image()
  img.version = pngImageVersion
  let begun = bytes.withUnsafeBytes { b in
    png_image_begin_read_from_memory(&img, b.baseAddress, b.count)
  }
  guard begun != 0 else {
    let m = pngMessage(&img)
    png_image_free(&img)
    throw PlotError.png(m.isEmpty ? "not a PNG image" : m)
  }
  img.format = pngFormatRGBA
  let w = Int(img.width), h = Int(img.height)
  var pixels = [UInt8](repeating: 0, count: w * h * 4)
  let ok = pixels.withUnsafeMutableBytes { p in png_image_finish_read(&img, nil, p.baseAddress, 0, nil) }
  guard ok != 0 else {
    let m = pngMessage(&img)
    png_image_free(&img)
    throw PlotError.png(m.isEmpty ? "png_image_finish_read failed" : m)
  }
  png_image_free(&img)
  return RGBAImage(width: w, height: h, pixels: pixels)
}

/// Reads and decodes the PNG file at `path` (see `decodePNG(bytes:)`).
/// - Throws: `PlotError.io` naming the path if it cannot be read; `PlotError.png` if it is not a PNG.
public func decodePNG(path: String) throws -> RGBAImage {
  guard let f = fopen(path, "rb") else {
    throw PlotError.io(path: path, reason: String(cString: strerror(errno)))
  }
  defer { fclose(f) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
    if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
    if n < chunk.count {
      if ferror(f) != 0 { throw PlotError.io(path: path, reason: String(cString: strerror(errno))) }
      break
    }
  }
  do {
    return try decodePNG(bytes: bytes)
  } catch PlotError.png(let m) {
    throw PlotError.png("'\(path)': \(m)")
  }
}
