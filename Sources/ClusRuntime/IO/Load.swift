import ClusAlgorithms

/// The file formats `loadData` reads.
enum DataFormat: Equatable {
  case idx, npy, csv, tsv
  /// A NumPy `.npz` archive (a zip of `.npy` members).
  case npz
  /// Delimited text whose separator is detected (`.txt`, `.dat`).
  case text
}

/// The supported names, for error messages.
let supportedLoadExtensions = ".npy, .npz, .csv, .tsv, .txt/.dat (delimited text), IDX (.idx1/.idx3/…, *-ubyte), each optionally .gz, "
  + "AnnData .h5ad, or a directory of IDX files in the MNIST layout"

/// The format implied by a file name (case-insensitive), and whether it carries `.gz`.
func formatOf(fileName: String) -> (DataFormat, gzip: Bool)? {
  var name = fileName.lowercased()
  var gz = false
  if name.hasSuffix(".gz") {
    gz = true
    name.removeLast(3)
  }
  if name.hasSuffix(".npy") { return (.npy, gz) }
  if name.hasSuffix(".npz") { return (.npz, gz) }
  if name.hasSuffix(".csv") { return (.csv, gz) }
  if name.hasSuffix(".tsv") || name.hasSuffix(".tab") { return (.tsv, gz) }
  if name.hasSuffix(".txt") || name.hasSuffix(".dat") { return (.text, gz) }
  if name.hasSuffix("ubyte") { return (.idx, gz) }
  if let dot = name.lastIndex(of: "."), name[dot...].hasPrefix(".idx") { return (.idx, gz) }
  return nil
}

/// Loads a data file or an IDX data-set directory (the `load PATH` command).
///
/// - Directory: IDX image/label pairs in the MNIST layout (`train-images-idx3-ubyte[.gz]`,
///   `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`;
///   also `train-images.idx3-ubyte` style names and `test` for `t10k`) → `.dataset` with the train
///   rows then the test rows (70,000 × 784 for MNIST, pixel values 0–255 as Float32) and their labels.
/// - IDX file (`*.idx*`, `*-ubyte`): every IDX element type (uint8, int8, int16, int32, float32,
///   float64; big-endian).
/// - `.npy` (format 1.0/2.0/3.0, C or Fortran order): bool, (u)int8/16/32/64, float16/32/64, either
///   byte order; 1-D string arrays (`<U…`, `|S…`) become `.textVector`; object arrays are refused.
///   A float32 little-endian C-order file of two or more dimensions is mapped, not read
///   (`loadMappedNPY`): the matrix reads the file in place, and the file must not be truncated or
///   rewritten in place while it is in use (`saveData` replaces files whole, which is safe).
/// - `.npz` (numpy's `savez` and `savez_compressed`: a zip of `.npy` members, stored or deflated) →
///   `.arrays`, one entry per `.npy` member in archive order, named without `.npy` and converted as
///   a `.npy` file; other members are skipped, an archive without arrays is an error.
/// - `.csv` / `.tsv` / `.tab`, and `.txt` / `.dat` with a detected separator: as `pandas.read_csv`
///   reads them (see `loadDelimited` and `CSVOptions`); a file with column names or text columns
///   gives `.table`.
/// - Any of these compressed with gzip (`.gz`, or a file that starts with the gzip magic bytes).
///
/// 1-D arrays become `.intVector` / `.floatVector` / `.boolVector` by element type; arrays of two or
/// more dimensions become an `n × (product of the other dimensions)` Float32 `.matrix`.
/// A leading `~/` is replaced by the home directory.
/// - Throws: `DataFileError` naming the file and what is wrong (missing file, unknown extension,
///   bad header, unsupported element type, truncated data, size mismatch, object arrays, ragged
///   rows, unterminated quotes or text in a numeric column of a CSV, empty file, mislabelled data
///   set, corrupt gzip, a damaged or encrypted zip archive, an `.npz` without arrays; an error in a
///   member of an `.npz` names it: `x.npz: member a.npy: …`).
public func loadData(path: String) throws -> LoadedData {
  try loadData(path: path, warn: { _ in })
}

/// `loadData(path:)`, sending warnings (float64 columns whose variation float32 cannot hold) to
/// `warn`; a CSV/TSV read stops with `AlgorithmError.cancelled` once `cancelled()` is true.
/// - Throws: as `loadData(path:)`, and `.outOfRange` for a finite value beyond float32's range.
public func loadData(path: String, warn: (String) -> Void, cancelled: () -> Bool = { false }) throws -> LoadedData {
  try loadData(path: path, csv: CSVOptions(), warn: warn, note: { _ in }, cancelled: cancelled)
}

/// `loadData(path:warn:cancelled:)` reading CSV/TSV/text files with `csv` (header, delimiter,
/// columns, missing values); a file of an unknown extension is read as delimited text when `csv`
/// is not the default. `note` receives remarks such as a first row read as data.
/// - Throws: as `loadData(path:)`.
public func loadData(path: String, csv: CSVOptions, warn: (String) -> Void, note: (String) -> Void,
                     cancelled: () -> Bool = { false }) throws -> LoadedData {
  let real = expandTilde(path)
  let kind = pathKind(real)
  switch kind {
  case .missing:
    throw DataFileError(path: path, kind: .missingFile, message: "no such file or directory")
  case .directory:
    return .dataset(try loadIDXDirectory(real, display: path))
  case .file, .other:
    break
  }
  let (format, gz) = try loadFormat(fileName: lastPathComponent(real), csv: csv, display: path)
  // a float32 .npy matrix is mapped, not copied (see loadMappedNPY)
  if format == .npy && !gz && kind == .file, let mapped = try loadMappedNPY(real, display: path, note: note) { return mapped }
  let buf = try readDataBytes(real, display: path, compressed: gz)
  return try decodeData(buf, format: format, csv: csv, display: path, warn: warn, note: note, cancelled: cancelled)
}

/// Decodes a data file held in memory, as `loadData(path:)` decodes the file `fileName` with these
/// bytes: the format comes from the name (`.npy`, `.npz`, `.csv`, `.tsv`/`.tab`, `.txt`/`.dat`, `*.idx*`,
/// `*-ubyte`, each optionally `.gz`; bytes starting with the gzip magic are inflated whatever the
/// name). No file is read; the fuzz targets (Fuzz/) feed arbitrary bytes through it.
/// - Returns: the same `LoadedData` as `loadData(path:)` for a file holding `bytes`.
/// - Throws: `DataFileError` naming `fileName` (unknown extension, bad header, truncated data,
///   corrupt gzip, ...), `AlgorithmError.cancelled` once `cancelled()` is true during a CSV read.
public func loadData(bytes: [UInt8], fileName: String, csv: CSVOptions = CSVOptions(), warn: (String) -> Void = { _ in },
                     note: (String) -> Void = { _ in }, cancelled: () -> Bool = { false }) throws -> LoadedData {
  let (format, gz) = try loadFormat(fileName: fileName, csv: csv, display: fileName)
  let buf = try inflateIfCompressed(ByteBuffer(bytes), display: fileName, compressed: gz)
  return try decodeData(buf, format: format, csv: csv, display: fileName, warn: warn, note: note, cancelled: cancelled)
}

/// The format `load` reads a file named `fileName` as, and whether it is gzip-compressed; a file of
/// another extension given CSV options (delimiter=, header=, ...) is delimited text.
/// - Throws: `DataFileError` (.unknownExtension) naming `display`.
private func loadFormat(fileName: String, csv: CSVOptions, display: String) throws -> (DataFormat, gzip: Bool) {
  let explicitCSV = csv != CSVOptions() ? (DataFormat.text, fileName.lowercased().hasSuffix(".gz")) : nil
  guard let f = formatOf(fileName: fileName) ?? explicitCSV else {
    throw DataFileError(path: display, kind: .unknownExtension,
                        message: "unknown file type (supported: \(supportedLoadExtensions))")
  }
  return f
}

/// Decodes bytes already read (and inflated) as `format`.
private func decodeData(_ buf: ByteBuffer, format: DataFormat, csv: CSVOptions, display: String, warn: (String) -> Void,
                        note: (String) -> Void, cancelled: () -> Bool) throws -> LoadedData {
  switch format {
  case .idx: return try loadIDX(buf, display: display, warn: warn)
  case .npy: return try loadNPY(buf, display: display, warn: warn, note: note)
  case .npz: return try loadNPZ(buf, display: display, warn: warn, note: note)
  case .csv, .tsv, .text:
    let sep: UInt8? = format == .csv ? 0x2C : (format == .tsv ? 0x09 : nil)
    return try loadDelimited(buf, sep: sep, options: csv, display: display, warn: warn, note: note, cancelled: cancelled)
  }
}

/// Role of a file in an IDX data-set directory.
private struct IDXRole: Hashable {
  var test: Bool
  var labels: Bool
  var text: String { (test ? "test" : "train") + (labels ? " labels" : " images") }
}

/// Classifies a file name of an MNIST-style directory, or nil when it is not one of the four files.
private func idxRole(_ fileName: String) -> IDXRole? {
  var n = fileName.lowercased()
  if n.hasSuffix(".gz") { n.removeLast(3) }
  guard n.contains("idx") || n.hasSuffix("ubyte") else { return nil }
  let test: Bool
  if n.hasPrefix("train") { test = false } else if n.hasPrefix("t10k") || n.hasPrefix("test") { test = true } else { return nil }
  if n.contains("label") { return IDXRole(test: test, labels: true) }
  if n.contains("image") { return IDXRole(test: test, labels: false) }
  return nil
}

/// Loads an MNIST-layout directory into one `Dataset` (train rows first), decoding the images of
/// both parts straight into the concatenated matrix.
func loadIDXDirectory(_ dir: String, display: String) throws -> Dataset {
  func err(_ m: String) -> DataFileError { DataFileError(path: display, kind: .mislabelled, message: m) }
  var files: [IDXRole: String] = [:]
  for name in try directoryEntries(dir, display: display) {
    guard let role = idxRole(name) else { continue }
    // Prefer the uncompressed file when both are present (names are sorted, plain first).
    if files[role] == nil { files[role] = name }
  }
  if files.isEmpty {
    throw DataFileError(path: display, kind: .unknownExtension, message:
      "the directory holds no IDX data set (expected train-images-idx3-ubyte[.gz], "
      + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])")
  }
  let base = dir.hasSuffix("/") ? dir : dir + "/"
  let shownBase = display.hasSuffix("/") ? display : display + "/"

  struct Part {
    var images: ByteBuffer
    var imageHeader: IDXHeader
    var imageName: String
    var labels: [Int]
  }
  var parts: [Part] = []
  for test in [false, true] {
    let imgRole = IDXRole(test: test, labels: false)
    let labRole = IDXRole(test: test, labels: true)
    switch (files[imgRole], files[labRole]) {
    case (nil, nil):
      continue
    case (let i?, nil):
      throw err("\(i) has no partner: the \(labRole.text) file is missing")
    case (nil, let l?):
      throw err("\(l) has no partner: the \(imgRole.text) file is missing")
    case (let i?, let l?):
      let imgShown = shownBase + i
      let labShown = shownBase + l
      let images = try readDataBytes(base + i, display: imgShown, compressed: i.lowercased().hasSuffix(".gz"))
      let header = try images.withBytes { try parseIDXHeader($0, display: imgShown) }
      if header.shape.count < 2 {
        throw DataFileError(path: imgShown, kind: .badHeader,
                            message: "an images file needs at least 2 dimensions, found \(shapeText(header.shape))")
      }
      let labBuf = try readDataBytes(base + l, display: labShown, compressed: l.lowercased().hasSuffix(".gz"))
      let labels: [Int]
      switch try loadIDX(labBuf, display: labShown) {
      case .intVector(let v): labels = v
      default:
        throw DataFileError(path: labShown, kind: .badHeader,
                            message: "a labels file must be a 1-dimensional integer IDX array")
      }
      if labels.count != header.shape[0] {
        throw err("mislabelled data set: \(i) holds \(header.shape[0]) images but \(l) holds "
          + "\(labels.count) labels")
      }
      parts.append(Part(images: images, imageHeader: header, imageName: i, labels: labels))
    }
  }
  let cols = checkedProduct(parts[0].imageHeader.shape.dropFirst()) ?? 0
  if parts.count == 2 {
    let c2 = checkedProduct(parts[1].imageHeader.shape.dropFirst()) ?? 0
    if c2 != cols {
      throw err("the train images are \(shapeText(Array(parts[0].imageHeader.shape.dropFirst()))) but the test "
        + "images are \(shapeText(Array(parts[1].imageHeader.shape.dropFirst())))")
    }
  }
  let rows = parts.reduce(0) { $0 + $1.imageHeader.shape[0] }
  let images = Matrix(rows: rows, cols: cols) { dst in
    var offset = 0
    for part in parts {
      let h = part.imageHeader
      let count = h.shape[0] * cols
      if count > 0 {
        part.images.withBytes { b in
          convertElements(b.baseAddress! + h.dataOffset, count: count, type: h.type, bigEndian: true,
                         into: dst.baseAddress! + offset)
        }
      }
      offset += count
    }
  }
  let trainCount = files[IDXRole(test: false, labels: false)] != nil ? parts[0].imageHeader.shape[0] : 0
  return Dataset(name: lastPathComponent(display), data: images,
                 target: parts.flatMap { $0.labels }, trainCount: trainCount)
}
