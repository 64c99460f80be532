#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusRuntime

/// The `size` bytes at `data` as an array (libFuzzer may pass a null pointer with size 0).
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
  guard let d = data, size > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: d, count: size))
}

/// Stops the process with `message` so that libFuzzer records the input as a crash.
public func violated(_ message: String) -> Never {
  fatalError("fuzz invariant violated: \(message)")
}

/// Feeds `bytes` to the loader as the file `fileName` would be read by `load`.
///
/// Every input must give data whose shapes agree with themselves (`checkLoaded`) or a
/// `DataFileError`; any other error is a violation, as is a crash, a hang or a sanitizer report.
public func fuzzLoader(_ bytes: [UInt8], fileName: String, csv: CSVOptions = CSVOptions()) {
  do {
    let loaded = try loadData(bytes: bytes, fileName: fileName, csv: csv)
    checkLoaded(loaded)
    if case .modelArchive = loaded { try fuzzModel(loaded, fileName: fileName) }
  } catch is DataFileError {
  } catch {
    violated("\(fileName): the loader threw \(type(of: error)) \(error), not a DataFileError")
  }
}

/// A model file read as `load` reads it (its manifest checked by the command table), then, when it
/// reads, each of its predictions on a few of its own rows: they may refuse (an `AlgorithmError`),
/// never crash or hang.
/// - Throws: the `DataFileError` of a file that does not read as a model.
func fuzzModel(_ loaded: LoadedData, fileName: String) throws {
  let v = try Session(threads: 1).value(of: loaded, display: fileName)
  guard case .record(let r) = v, let model = r.model else { violated("a model file that loaded as \(v.kindName)") }
  func head(_ m: Matrix) -> Matrix {
    let k = min(3, m.rows)
    return Matrix(rows: k, cols: m.cols, data: Array(m.data[0..<(k * m.cols)]))
  }
  switch model {
  case .umap(let m): _ = try? m.transform(head(m.trainingData))
  case .hdbscan(let m):
    _ = try? m.approximatePredict(head(m.trainingData))
    _ = try? m.membershipVectors(head(m.trainingData))
    _ = m.allPointsMembershipVectors()
  case .kmeans(let m): _ = try? m.predict(head(m.centers))
  case .pca(let m): _ = try? m.transform(Matrix(rows: 1, cols: m.result.components.cols))
  }
}

/// Checks that a loaded value is internally consistent: a matrix holds rows × cols values, a
/// table's columns all have its number of rows, category codes index their categories, an npz
/// holds at least one array and each of its arrays is itself consistent.
public func checkLoaded(_ d: LoadedData) {
  func matrix(_ m: Matrix, _ what: String) {
    if m.rows < 0 || m.cols < 0 || m.data.count != m.rows * m.cols {
      violated("\(what): \(m.rows) × \(m.cols) matrix holding \(m.data.count) values")
    }
  }
  func text(_ t: TextColumn, rows: Int?) {
    if let r = rows, t.codes.count != r { violated("text column of \(t.codes.count) codes in a table of \(r) rows") }
    if t.codes.contains(where: { $0 < -1 || $0 >= t.categories.count }) { violated("category code out of range") }
    if Set(t.categories).count != t.categories.count { violated("repeated category") }
  }
  switch d {
  case .matrix(let m): matrix(m, "matrix")
  case .floatVector, .doubleVector, .intVector, .boolVector: break
  case .dataset(let s):
    matrix(s.data, "dataset")
    if s.target.count != s.data.rows { violated("dataset of \(s.data.rows) rows with \(s.target.count) labels") }
  case .table(let t):
    matrix(t.data, "table")
    if t.names.count != t.kinds.count { violated("table with \(t.names.count) names and \(t.kinds.count) kinds") }
    if t.data.rows != t.rows && t.data.cols > 0 { violated("table of \(t.rows) rows with a \(t.data.rows)-row matrix") }
    if t.data.cols + t.text.count != t.names.count {
      violated("table of \(t.names.count) columns: \(t.data.cols) numeric + \(t.text.count) text")
    }
    for c in t.text { text(c, rows: t.rows) }
  case .textVector(let t): text(t, rows: nil)
  case .modelArchive: break  // checked by fuzzModel
  case .sparse(let m):
    // the checked initialiser's invariants, and that its dense copy reads back the same entries
    if m.indptr.count != m.rows + 1 || m.indices.count != m.nnz || m.indptr.last != m.nnz { violated("sparse matrix of broken arrays") }
    if m.values.contains(where: { !$0.isFinite }) { violated("sparse matrix holding a non-finite value") }
    if m.rows * m.cols <= 1 << 16 {
      let d = m.dense()
      for i in 0..<m.rows { for t in m.indptr[i]..<m.indptr[i + 1] where d[i, Int(m.indices[t])] != m.values[t] { violated("sparse entry lost") } }
    }
  case .arrays(let a):
    if a.isEmpty { violated("an npz of no arrays") }
    if a.allSatisfy({ if case .unreadable = $0.value { return true }; return false }) { violated("an npz of no readable array") }
    for x in a {
      if case .arrays = x.value { violated("an npz array '\(x.name)' holding arrays") }
      checkLoaded(x.value)
    }
  case .unreadable(let e):
    if e.message.isEmpty { violated("an unreadable npz member without a message") }
  }
}

/// Arbitrary bytes as an AnnData `.h5ad` file (an HDF5 file image read through libhdf5): every
/// element read, as a user touching each field would. Errors must be `DataFileError`s.
public func fuzzH5AD(_ bytes: [UInt8]) {
  do {
    _ = try loadH5AD(bytes: bytes, display: "fuzz.h5ad")
  } catch is DataFileError {
  } catch {
    violated("fuzz.h5ad: the reader threw \(type(of: error)) \(error), not a DataFileError")
  }
}

/// The bytes loaded from a file, where `load` maps a float32 `.npy` matrix instead of reading it
/// (`loadMappedNPY`), and from memory (the copy path): both refuse with a `DataFileError`, or both
/// give a matrix with the same shape and the same values bit for bit (NaN payloads included).
public func fuzzMappedLoad(_ bytes: [UInt8]) {
  Sandbox.prepare()
  let path = Sandbox.directory + "/mapped-\(getpid()).npy"
  guard let f = fopen(path, "wb") else { return }
  let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
  fclose(f)
  defer { unlink(path) }
  if written != bytes.count { return }
  func load(_ body: () throws -> LoadedData) -> LoadedData? {
    do { return try body() } catch is DataFileError { return nil } catch {
      violated("fuzz.npy: the loader threw \(type(of: error)) \(error), not a DataFileError")
    }
  }
  let fromMemory = load { try loadData(bytes: bytes, fileName: "fuzz.npy") }
  let fromFile = load { try loadData(path: path) }
  if (fromMemory == nil) != (fromFile == nil) {
    violated("fuzz.npy: loaded from \(fromMemory == nil ? "the file" : "memory") only")
  }
  if case .matrix(let a)? = fromMemory, case .matrix(let b)? = fromFile {
    if a.rows != b.rows || a.cols != b.cols || !a.data.elementsEqual(b.data, by: { $0.bitPattern == $1.bitPattern }) {
      violated("fuzz.npy: the file's matrix (\(b.rows) × \(b.cols)) differs from the bytes' (\(a.rows) × \(a.cols))")
    }
  }
}
