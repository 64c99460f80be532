import ClusAlgorithms

/// The content of a data file read by `loadData(path:)` (the `load PATH` command), or the input
/// of `saveData(_:path:)` (the `save VALUE PATH` command).
///
/// Shapes follow the NumPy conventions of the files: one-dimensional arrays become vectors whose
/// element kind follows the stored element type, arrays of two or more dimensions become an
/// `n × d` Float32 `Matrix` (an `n × a × b × …` array is flattened to `n × (a·b·…)`, so 28 × 28
/// images become rows of 784 values).
public enum LoadedData: Sendable, Equatable {
  /// An `n × d` Float32 matrix (rows are data points). Integer and Float64 data are converted; a
  /// float32 `.npy` file is mapped (`FloatStorage.isMapping`).
  case matrix(Matrix)
  /// A one-dimensional floating-point array (float32 or float64 storage, kept as Float32).
  case floatVector([Float])
  /// A one-dimensional float64 array, a float vector as clus holds it (scores, probabilities): saved
  /// as float64, so that its values are kept (loaders never make one; they read vectors as
  /// `.floatVector`).
  case doubleVector([Double])
  /// A one-dimensional integer array, typically class labels.
  case intVector([Int])
  /// A one-dimensional boolean array, typically a mask.
  case boolVector([Bool])
  /// A labelled data set with a train/test split (an IDX directory in the MNIST layout).
  case dataset(Dataset)
  /// A delimited file with column names or text columns (a `pandas.DataFrame`).
  case table(Table)
  /// A one-dimensional array of strings (NumPy `<U…` / `|S…`): codes into sorted categories.
  case textVector(TextColumn)
  /// The arrays of a NumPy `.npz` archive in archive order, each named as `np.load(path)[name]`
  /// (the member's name without `.npy`) and converted as a `.npy` file is.
  indirect case arrays([(name: String, value: LoadedData)])
  /// A `.npz` archive that is a clus model file (it has a `manifest.json` member), which `load`
  /// turns into a model with the session's command table (`Session.readModel`).
  case modelArchive(ModelArchive)
  /// A sparse matrix (`scipy.sparse.save_npz`'s archive), in CSR form.
  case sparse(SparseMatrix)
  /// A member of an `.npz` archive (in `.arrays`) that does not read as an array: its error,
  /// raised when the member is used, as `np.load` reads a member only when it is asked for.
  case unreadable(DataFileError)

  /// Equal when of the same case with equal contents (for `.arrays`: the same names and values in
  /// the same order).
  public static func == (a: LoadedData, b: LoadedData) -> Bool {
    switch (a, b) {
    case (.matrix(let x), .matrix(let y)): return x == y
    case (.floatVector(let x), .floatVector(let y)): return x == y
    case (.doubleVector(let x), .doubleVector(let y)): return x == y
    case (.intVector(let x), .intVector(let y)): return x == y
    case (.boolVector(let x), .boolVector(let y)): return x == y
    case (.dataset(let x), .dataset(let y)): return x == y
    case (.table(let x), .table(let y)): return x == y
    case (.textVector(let x), .textVector(let y)): return x == y
    case (.arrays(let x), .arrays(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    case (.modelArchive(let x), .modelArchive(let y)): return x == y
    case (.sparse(let x), .sparse(let y)): return x == y
    case (.unreadable(let x), .unreadable(let y)): return x == y
    default: return false
    }
  }
}

extension LoadedData: CustomStringConvertible {
  /// A short summary of kind and shape, for example `matrix 70000 × 784`.
  public var description: String {
    switch self {
    case .matrix(let m): return "matrix \(m.rows) × \(m.cols)"
    case .floatVector(let v): return "float vector of \(v.count)"
    case .doubleVector(let v): return "float64 vector of \(v.count)"
    case .intVector(let v): return "int vector of \(v.count)"
    case .boolVector(let v): return "bool vector of \(v.count)"
    case .dataset(let d):
      return "dataset \(d.name): \(d.data.rows) × \(d.data.cols), "
        + "train \(d.trainCount), test \(d.data.rows - d.trainCount)"
    case .table(let t): return "table \(t.rows) × \(t.names.count) (\(t.names.joined(separator: ", ")))"
    case .textVector(let t): return "text vector of \(t.codes.count) (\(t.categories.count) categories)"
    case .modelArchive(let m): return "clus model file of \(m.members.count) members"
    case .sparse(let m): return "sparse matrix \(m.rows) × \(m.cols) (\(m.nnz) stored)"
    case .arrays(let a): return "npz of \(a.count) arrays (\(a.map(\.name).joined(separator: ", ")))"
    case .unreadable(let e): return "unreadable (\(e))"
    }
  }
}

/// The members of a clus model file as read (`manifest.json` and the `.npy` arrays, in archive
/// order), before the manifest is checked.
public struct ModelArchive: Sendable, Equatable {
  let members: [NPZMember]
}

/// One part (train or test) of a `Dataset`: an `n × d` matrix and its `n` integer labels.
public struct DatasetPart: Sendable, Equatable {
  /// The `n × d` data (rows are samples).
  public var data: Matrix
  /// The `n` class labels, `target[i]` belongs to row `i`.
  public var target: [Int]

  /// Wraps `data` (`n × d`) and `target` (`n` labels).
  /// - Precondition: `target.count == data.rows`.
  public init(data: Matrix, target: [Int]) {
    precondition(target.count == data.rows, "dataset part has \(data.rows) rows but \(target.count) labels")
    self.data = data
    self.target = target
  }
}

/// A labelled data set: the train rows followed by the test rows in one `n × d` matrix with `n`
/// labels, like scikit-learn's `fetch_openml("mnist_784")` ("MNIST Original": 70,000 × 784, the
/// 60,000 training images then the 10,000 test images).
///
/// The parts are stored once; `train` and `test` are copied out of `data` when asked for.
public struct Dataset: Sendable, Equatable {
  /// The name of the data set (the directory name, for example `mnist`).
  public var name: String
  /// All `n × d` rows: the `trainCount` training rows, then the test rows.
  public var data: Matrix
  /// The `n` labels of `data`.
  public var target: [Int]
  /// How many of the leading rows of `data` form the training part.
  public var trainCount: Int

  /// Wraps the concatenated data.
  /// - Precondition: `target.count == data.rows` and `0 <= trainCount <= data.rows`.
  public init(name: String, data: Matrix, target: [Int], trainCount: Int) {
    precondition(target.count == data.rows, "dataset has \(data.rows) rows but \(target.count) labels")
    precondition(trainCount >= 0 && trainCount <= data.rows, "dataset train count out of range")
    self.name = name
    self.data = data
    self.target = target
    self.trainCount = trainCount
  }

  /// Concatenates `train` and `test` (train rows first).
  /// - Precondition: both parts have the same number of columns (or one part has no rows).
  public init(name: String, train: DatasetPart, test: DatasetPart) {
    let cols = train.data.rows > 0 ? train.data.cols : test.data.cols
    precondition(train.data.rows == 0 || test.data.rows == 0 || train.data.cols == test.data.cols,
                 "dataset parts have different column counts")
    let a = train.data.data, b = test.data.data
    let values = a.isEmpty || b.isEmpty ? (a.isEmpty ? b : a) : FloatStorage(unsafeUninitializedCount: a.count + b.count) { dst in
      _ = dst.initialize(fromContentsOf: a)
      _ = UnsafeMutableBufferPointer(rebasing: dst[a.count...]).initialize(fromContentsOf: b)
    }
    self.init(name: name, data: Matrix(rows: train.data.rows + test.data.rows, cols: cols, storage: values),
              target: train.target + test.target, trainCount: train.data.rows)
  }

  /// The training part: the first `trainCount` rows and labels (a copy).
  public var train: DatasetPart { part(0..<trainCount) }

  /// The test part: the rows and labels after the first `trainCount` (a copy).
  public var test: DatasetPart { part(trainCount..<data.rows) }

  private func part(_ r: Range<Int>) -> DatasetPart {
    let c = data.cols
    return DatasetPart(
      data: Matrix(rows: r.count, cols: c, storage: FloatStorage(data.data[(r.lowerBound * c)..<(r.upperBound * c)])),
      target: Array(target[r]))
  }
}

/// An error reading or writing a data file. `description` names the file and says what is wrong,
/// for example `data/x.npy: truncated data: expected 48 bytes, found 40`.
public struct DataFileError: Error, Equatable, CustomStringConvertible {
  /// The broad class of problem, for callers that react differently to some of them.
  public enum Kind: String, Sendable, Equatable {
    /// The path does not exist.
    case missingFile
    /// The file could not be opened or read (permissions, a directory where a file was expected, ...).
    case unreadable
    /// The file name has no extension the loader or saver knows.
    case unknownExtension
    /// The header is not what the format requires (IDX magic, NPY magic, NPY header dictionary).
    case badHeader
    /// The element type (IDX type byte, NPY dtype) is not supported.
    case unsupportedType
    /// The file ends before all the data its header announces.
    case truncated
    /// The dimensions do not match the amount of data (extra bytes, overflowing sizes).
    case sizeMismatch
    /// The layout is not supported (no longer raised: Fortran order is read since it is rearranged on load).
    case unsupportedLayout
    /// A CSV/TSV row has a different number of columns than the first row.
    case raggedRow
    /// A CSV/TSV cell is not a number.
    case notNumeric
    /// A CSV/TSV quoted field is never closed, or text follows its closing quote.
    case unterminatedQuote
    /// Delimited text that is not UTF-8 (a UTF-16 byte-order mark, or bytes that are no UTF-8).
    case badEncoding
    /// `columns=` names a column the file does not have.
    case unknownColumn
    /// The file holds no data.
    case empty
    /// An IDX data set directory whose image and label files do not match up.
    case mislabelled
    /// The gzip stream is damaged or incomplete.
    case corruptGzip
    /// The value cannot be stored in the requested format.
    case unsupportedValue
    /// A finite value in the file is beyond float32's range (clus keeps data as float32).
    case outOfRange
    /// The file could not be written.
    case unwritable
    /// A zip archive (`.npz`) is damaged, is not a zip, or its members disagree with its directory.
    case corruptArchive
    /// The file's content needs more memory than the machine has available.
    case tooLarge
    /// The file changed (was written or replaced) since it was loaded, and a field read on first
    /// use would come from the new content.
    case changed
    /// The arrays break the rules of what they encode: a sparse matrix's column indices out of
    /// range, unsorted or repeated, its row offsets decreasing, a NaN among its values.
    case invalidData
  }

  /// The path as the user gave it.
  public var path: String
  /// The line of a text file the problem is on, if it is on one.
  public var line: Int?
  /// The kind of problem.
  public var kind: Kind
  /// What is wrong, without the path.
  public var message: String

  /// Creates an error about `path`.
  public init(path: String, line: Int? = nil, kind: Kind, message: String) {
    self.path = path
    self.line = line
    self.kind = kind
    self.message = message
  }

  /// `PATH: message`, or `PATH:LINE: message`; an empty path is written `""` (an empty file name).
  public var description: String {
    let shown = path.isEmpty ? "\"\" (an empty file name)" : path
    return line.map { "\(shown):\($0): \(message)" } ?? "\(shown): \(message)"
  }
}
