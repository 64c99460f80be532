import ClusAlgorithms

/// A named collection of values, such as a data set (`mnist.data`, `mnist.target`) or an
/// algorithm's result (`umap`'s embedding, kNN indices, ...). A record with a principal field
/// acts as that field wherever an array is expected: a clustering result acts as its labels.
public struct Record: Sendable {
  /// What made it (`dataset`, `umap`, `hdbscan`, ...), shown on display.
  public var kind: String
  /// Fields in display order.
  public var fields: [(name: String, value: Value)]
  /// The field that stands for the record where an array is expected, if any.
  public var principal: String?
  /// The typed model when the record is a fitted model (`umap`, `hdbscan`, `kmeans`, `pca`), which
  /// `transform`, `approximate_predict`, `predict` and `save` read; its fields are views of it.
  public var model: FittedModel?
  /// Fields read from a file on first access (an AnnData file's `X`, `obsm`, ...), besides `fields`.
  public var lazy: LazyFields?

  /// A record.
  public init(kind: String, fields: [(String, Value)], principal: String? = nil, model: FittedModel? = nil) {
    self.kind = kind
    self.fields = fields.map { (name: $0.0, value: $0.1) }
    self.principal = principal
    self.model = model
  }

  /// The field named `name`, if present.
  public subscript(name: String) -> Value? {
    fields.first(where: { $0.name == name })?.value
  }

  /// The names of every field: those held, then those read on first access.
  public var fieldNames: [String] { fields.map(\.name) + (lazy?.entries.map(\.name) ?? []) }

  /// The principal field's value, if the record has one.
  public var principalValue: Value? { principal.flatMap { self[$0] } }
}

/// A value of the clus language.
///
/// Matrices are n × d Float32 row-major (`ClusAlgorithms.Matrix`); vectors are Int labels, Double
/// values or Bool masks; records hold named fields.
public indirect enum Value: Sendable {
  /// An integer.
  case int(Int)
  /// A floating-point number.
  case float(Double)
  /// A string.
  case string(String)
  /// `true` / `false`.
  case bool(Bool)
  /// `none`.
  case none
  /// A list `[a, b, ...]`.
  case list([Value])
  /// An n × d Float32 matrix.
  case matrix(Matrix)
  /// An n × d sparse Float32 matrix in CSR form (scipy's `csr_matrix`; AnnData's sparse `.X`).
  /// Commands that take sparse data say so (`matrix|sparse`); no command densifies it silently.
  case sparse(SparseMatrix)
  /// An Int vector (labels; −1 is noise).
  case labels([Int])
  /// A Double vector.
  case floats([Double])
  /// A Bool vector (mask).
  case mask([Bool])
  /// A record of named fields.
  case record(Record)
  /// A scatter-plot figure (its layers and options), which `plot` can add to.
  case figure(Figure)

  /// The kind's name as users see it in messages and `vars`.
  public var kindName: String {
    switch self {
    case .int: return "integer"
    case .float: return "float"
    case .string: return "string"
    case .bool: return "bool"
    case .none: return "none"
    case .list: return "list"
    case .matrix: return "matrix"
    case .sparse: return "sparse matrix"
    case .labels: return "int vector"
    case .floats: return "float vector"
    case .mask: return "bool vector"
    // a categorical and a data frame are values of their own to the user, not records
    case .record(let r) where r.kind == "categorical" || r.kind == "data frame": return r.kind
    case .record(let r): return r.kind + (r.model != nil ? " model" : " record")
    case .figure: return "figure"
    }
  }

  /// `kindName` with its article, for messages: "an int vector", "an integer", "a float", "a umap
  /// model" ("an" before a, e, i, o; "u" of umap sounds as "you"), and "none" alone.
  public var kindWithArticle: String {
    if case .none = self { return "none" }
    let k = kindName
    return (k.first.map { "aeio".contains($0) } ?? false ? "an " : "a ") + k
  }

  /// The value itself, or a record's principal field (repeatedly).
  public var resolved: Value {
    if case .record(let r) = self, let p = r.principalValue { return p.resolved }
    return self
  }

  /// The number as a Double, for `int` and `float`.
  public var number: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .float(let d): return d
    default: return nil
    }
  }

  /// Number of elements along the first axis (rows of a matrix, length of a vector or list).
  public var length: Int? {
    switch resolved {
    case .matrix(let m): return m.rows
    case .sparse(let m): return m.rows
    case .labels(let v): return v.count
    case .floats(let v): return v.count
    case .mask(let v): return v.count
    case .list(let v): return v.count
    default: return nil
    }
  }

  /// The shape as users see it: `70000 × 784`, `70000`, or nil for scalars; a data frame's counts
  /// every column, text ones too, as `shape` and pandas' `df.shape` (not its numeric `.data`'s).
  public var shapeText: String? {
    if case .record(let r) = self, r.kind == Frames.frameKind { return "\(length ?? 0) × \(Frames.columnNames(r).count)" }
    switch resolved {
    case .matrix(let m): return "\(m.rows) × \(m.cols)"
    case .sparse(let m): return "\(m.rows) × \(m.cols), \(m.nnz) stored"
    case .labels(let v): return "\(v.count)"
    case .floats(let v): return "\(v.count)"
    case .mask(let v): return "\(v.count)"
    case .list(let v): return "\(v.count)"
    default: return nil
    }
  }
}


/// Layers of a scatter plot collected into one picture; `plot` returns one and can add to it.
public struct Figure: Sendable {
  /// The layers, drawn in order.
  public var layers: [ScatterLayer]
  /// Size, title, colormap and the other options.
  public var options: PlotOptions
  /// A figure.
  public init(layers: [ScatterLayer], options: PlotOptions) {
    self.layers = layers
    self.options = options
  }
  /// Total number of points over all layers.
  public var pointCount: Int { layers.reduce(0) { $0 + $1.points.rows } }
}

/// Fields of a record read from a file on first access and then kept (an AnnData file's `X`,
/// `obsm`, `layers`: a 10 GB file's `obsm.X_pca` is read without reading `X`).
public final class LazyFields: @unchecked Sendable {
  /// Each field's name and a one-line summary from the file's metadata (shown before it is read).
  public let entries: [(name: String, summary: String)]
  private let read: @Sendable (String) throws -> Value
  private var cache: [String: Value] = [:]
  private var lock = pthread_mutex_t()

  /// Fields `entries`, each read by `read(name)` on first access, except those `values` holds
  /// already (read before, as the arrays of an archive beside one that did not read).
  public init(entries: [(name: String, summary: String)], values: [String: Value] = [:],
              read: @escaping @Sendable (String) throws -> Value) {
    self.entries = entries
    self.read = read
    self.cache = values
    pthread_mutex_init(&lock, nil)
  }

  /// Throws when the fields' source is no longer what they were listed from (an .h5ad file changed
  /// since `load`), for a command that reads the source by its path (`save ... into=`); nil when
  /// nothing needs checking.
  public var check: (@Sendable () throws -> Void)? = nil

  /// How the summary of an entry that cannot be read begins (shown without "read on first use").
  public static let unreadablePrefix = "unreadable: "

  /// Whether `name` is one of the fields.
  public func has(_ name: String) -> Bool { entries.contains { $0.name == name } }

  /// The value of field `name`, read now unless read before.
  /// - Throws: what reading it throws (a `DataFileError` naming the file and the element).
  public func value(_ name: String) throws -> Value {
    pthread_mutex_lock(&lock)
    defer { pthread_mutex_unlock(&lock) }
    if let v = cache[name] { return v }
    let v = try read(name)
    cache[name] = v
    return v
  }

  /// The value of field `name` if it has been read.
  public func cached(_ name: String) -> Value? {
    pthread_mutex_lock(&lock)
    defer { pthread_mutex_unlock(&lock) }
    return cache[name]
  }
}

#if canImport(Glibc)
import Glibc
#endif
