#if canImport(Glibc)
import Glibc
#endif

/// A picture `plot` has drawn, as the contents of a file.
public struct Picture: Sendable, Equatable {
  /// The file formats of a picture.
  public enum Format: String, Sendable, Equatable {
    /// PNG bytes (8-bit RGB, or RGBA when a pixel is not opaque).
    case png
    /// An SVG document, as UTF-8.
    case svg
    /// A PDF document (one page).
    case pdf
  }

  /// The format, which is also the file name's extension.
  public var format: Format
  /// The file's contents: PNG bytes, the SVG document's UTF-8, or the PDF's bytes.
  public var bytes: [UInt8]
  /// A name for a file holding it, without folder, number or extension (`plot`).
  public var suggestedName: String
  /// The file `out=` has already written it to; nil when the sink decides whether and where to keep it.
  public var path: String?

  /// A picture.
  public init(format: Format, bytes: [UInt8], suggestedName: String, path: String? = nil) {
    self.format = format
    self.bytes = bytes
    self.suggestedName = suggestedName
    self.path = path
  }
}

/// Where pictures go once drawn. The runtime renders a figure and hands the picture to the
/// session's sink: `PlotFolder` writes it to a folder (scripts); the REPL's sink writes it there
/// too and shows it in a terminal that can show images; a notebook kernel's would send it to the
/// notebook, and a test's can record it.
public protocol DisplaySink: AnyObject {
  /// Takes a picture just drawn.
  /// - Returns: the file the sink wrote it to, if it wrote one (the runtime then reports
  ///   `wrote PATH` on the session's error output), else nil.
  /// - Throws: an error naming the file when the picture cannot be stored.
  func show(_ picture: Picture) throws -> String?
}

/// Writes each picture that no `out=` has written to the next free `NAME-N.EXT` in a folder
/// (`plot-1.png`, `plot-2.png`, ...), creating the folder when it is missing; shows nothing.
public final class PlotFolder: DisplaySink {
  /// The folder, relative to the working directory unless absolute.
  public let directory: String

  /// A sink writing into `directory` (an empty string is the working directory).
  public init(_ directory: String) { self.directory = directory.isEmpty ? "." : directory }

  /// Writes `picture` unless `out=` has; returns the path written, or nil.
  /// - Throws: `CommandError.cannotWrite` (PNG) or `PlotError.io` (SVG) naming the file.
  public func show(_ picture: Picture) throws -> String? {
    guard picture.path == nil else { return nil }
    makeDirectories(forFile: directory + "/" + picture.suggestedName)
    let stem = "\(directory)/\(picture.suggestedName)-", ext = "." + picture.format.rawValue
    var k = 1
    while access(stem + String(k) + ext, F_OK) == 0 { k += 1 }
    let path = stem + String(k) + ext
    try writePicture(picture, to: path)
    return path
  }
}

/// Writes a picture's file at `path`, replacing any file there.
/// - Throws: `CommandError.cannotWrite` for a PNG, `PlotError.io` for an SVG or PDF, naming the path
///   and the system's reason.
public func writePicture(_ picture: Picture, to path: String) throws {
  switch picture.format {
  case .png: try writeBytes(picture.bytes, path: path)
  case .svg, .pdf: try plotWriteFile(picture.bytes, path: path)
  }
}

/// Creates the folders above a file path (those that are missing).
public func makeDirectories(forFile path: String) {
  var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
  parts.removeLast()
  var cur = path.hasPrefix("/") ? "" : "."
  for p in parts where !p.isEmpty && p != "." {
    cur += "/" + p
    mkdir(cur, 0o755)
  }
}

/// Writes bytes as the file at `path`, replacing any file there whole (`replaceFile`).
/// - Throws: `CommandError.cannotWrite` naming the path and the system's reason.
func writeBytes(_ bytes: [UInt8], path: String) throws {
  do { try bytes.withUnsafeBytes { try replaceFile(path, with: $0) } } catch let f as ReplacementFile.Failure {
    throw CommandError.cannotWrite(path: path, reason: errnoText(f.code))
  }
}
