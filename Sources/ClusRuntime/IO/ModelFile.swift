import ClusAlgorithms
import ClusLang
import Foundation

// Fitted models as files (docs/model-format.md): a NumPy `.npz` archive of `.npy` arrays, readable
// with `np.load`, plus a `manifest.json` member (format name and version, clus version, model kind,
// every parameter, and the name, dtype and shape of every array). Written uncompressed, so a file
// is the arrays' bytes plus a few hundred bytes of headers.

/// The `format` of a model manifest.
let modelFormatName = "clus-model"
/// The format version this clus writes and the newest it reads.
let modelFormatVersion = 1

/// One array of a model file: its member name (without `.npy`), dtype and shape, and its raw
/// little-endian bytes in C order.
private struct ModelArray {
  var name: String
  var array: NPYArray
}

private func f4(_ name: String, _ shape: [Int], _ v: UnsafeBufferPointer<Float>) -> ModelArray {
  ModelArray(name: name, array: NPYArray(descr: "<f4", shape: shape, data: le32(UnsafeRawBufferPointer(v))))
}
private func f8(_ name: String, _ shape: [Int], _ v: [Double]) -> ModelArray {
  ModelArray(name: name, array: NPYArray(descr: "<f8", shape: shape, data: v.withUnsafeBytes { le64($0) }))
}
private func i8(_ name: String, _ shape: [Int], _ v: [Int]) -> ModelArray {
  ModelArray(name: name, array: NPYArray(descr: "<i8", shape: shape, data: v.map(Int64.init).withUnsafeBytes { le64($0) }))
}
private func i4(_ name: String, _ shape: [Int], _ v: [Int32]) -> ModelArray {
  ModelArray(name: name, array: NPYArray(descr: "<i4", shape: shape, data: v.withUnsafeBytes { le32($0) }))
}
private func matrix(_ name: String, _ m: Matrix) -> ModelArray {
  m.data.withUnsafeBufferPointer { f4(name, [m.rows, m.cols], $0) }
}

/// Raw bytes of 4-byte elements, little-endian.
private func le32(_ b: UnsafeRawBufferPointer) -> [UInt8] {
  #if _endian(little)
  return Array(b)
  #else
  return stride(from: 0, to: b.count, by: 4).flatMap { Array(b[$0..<($0 + 4)].reversed()) }
  #endif
}
/// Raw bytes of 8-byte elements, little-endian.
private func le64(_ b: UnsafeRawBufferPointer) -> [UInt8] {
  #if _endian(little)
  return Array(b)
  #else
  return stride(from: 0, to: b.count, by: 8).flatMap { Array(b[$0..<($0 + 8)].reversed()) }
  #endif
}

extension FittedModel {
  /// The arrays a model file holds: only what prediction and the model's fields need, each once.
  fileprivate var arrays: [ModelArray] {
    switch self {
    case .umap(let m):
      var a = [matrix("training_data", m.trainingData), matrix("embedding", m.embedding)]
      if let g = m.knn {
        a += [i4("knn_indices", [g.n, g.k], g.indices), g.distances.withUnsafeBufferPointer { f4("knn_distances", [g.n, g.k], $0) }]
      }
      return a + [f8("a", [], [m.a]), f8("b", [], [m.b]), i8("n_neighbors", [], [m.nNeighbors]), i8("n_epochs", [], [m.nEpochs])]
    case .hdbscan(let m):
      let r = m.result, t = r.condensedTree, n = m.n, rows = t.count
      return [
        matrix("training_data", m.trainingData), i8("labels", [n], r.labels),
        f8("probabilities", [r.probabilities.count], r.probabilities),
        f8("outlier_scores", [r.outlierScores.count], r.outlierScores),
        f8("cluster_persistence", [r.persistence.count], r.persistence),
        i8("condensed_tree_parent", [rows], t.map(\.parent)), i8("condensed_tree_child", [rows], t.map(\.child)),
        f8("condensed_tree_lambda_val", [rows], t.map(\.lambda)), i8("condensed_tree_child_size", [rows], t.map(\.childSize)),
        i8("selected_clusters", [r.selectedClusters.count], r.selectedClusters),
        // hdbscan's minimum_spanning_tree_ layout: rows (from, to, distance), for relative_validity
        f8("minimum_spanning_tree", [r.spanningTree.count, 3],
           r.spanningTree.flatMap { [Double($0.a), Double($0.b), $0.weight] }),
      ]
    case .kmeans(let m):
      return [matrix("cluster_centers", m.centers), i8("labels", [m.labels.count], m.labels),
              f8("inertia", [], [m.inertia]), i8("n_iter", [], [m.nIter])]
    case .pca(let m):
      let r = m.result, k = r.components.rows
      return [
        matrix("components", r.components), f8("mean", [r.mean.count], r.mean),
        f8("explained_variance", [k], r.explainedVariance), f8("explained_variance_ratio", [k], r.explainedVarianceRatio),
        f8("singular_values", [k], r.singularValues), f8("noise_variance", [], [r.noiseVariance]),
        matrix("transformed", r.transformed),
      ]
    }
  }
}

// MARK: - manifest JSON

/// JSON text of a parameter value: numbers as the shortest text that reads back as the same Double
/// (non-finite ones as the strings "inf", "-inf", "nan", which JSON has no numbers for), strings
/// escaped, `none` as null.
private func json(_ v: Value) -> String {
  switch v {
  case .int(let i): return String(i)
  case .float(let d):
    if d.isNaN { return "\"nan\"" }
    if d.isInfinite { return d > 0 ? "\"inf\"" : "\"-inf\"" }
    return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
  case .bool(let b): return b ? "true" : "false"
  case .string(let s): return jsonString(s)
  default: return "null"
  }
}

private func jsonString(_ s: String) -> String {
  "\"" + Display.escapingControls(s, quotes: true) { $0 < 0x20 ? String(format: "\\u%04x", $0) : nil } + "\""
}

/// The manifest of `model` with these arrays, as pretty-printed JSON.
private func manifest(_ model: FittedModel, _ arrays: [ModelArray]) -> String {
  let params = model.parameterValues.map { "    \(jsonString($0.name)): \(json($0.value))" }.joined(separator: ",\n")
  let members = arrays.map {
    "    \(jsonString($0.name)): {\"dtype\": \(jsonString($0.array.descr)), \"shape\": [\($0.array.shape.map(String.init).joined(separator: ", "))]}"
  }.joined(separator: ",\n")
  return """
    {
      "format": "\(modelFormatName)",
      "format_version": \(modelFormatVersion),
      "clus_version": "\(AlgorithmsInfo.version)",
      "model": "\(model.kind)",
      "parameters": {
    \(params)
      },
      "arrays": {
    \(members)
      }
    }

    """
}

// MARK: - writing

/// Writes `model` to `path` as a model file (an uncompressed `.npz`: `manifest.json` first, then one
/// `.npy` member per array). No partial file is left behind on failure.
/// - Throws: `DataFileError` for a path that cannot be written (with the system's reason).
func writeModelFile(_ model: FittedModel, path: String) throws {
  let arrays = model.arrays
  var members = [NPZMember(name: "manifest.json", bytes: Array(manifest(model, arrays).utf8))]
  members += arrays.map { NPZMember(name: $0.name + ".npy", bytes: npyFileBytes($0.array)) }
  try writeNPZ(members, path: expandTilde(path), compress: false)
}

// MARK: - reading

/// Whether an archive's members make a clus model file (it has a `manifest.json`).
func isModelArchive(_ members: [NPZMember]) -> Bool { members.contains { $0.name == "manifest.json" } }

/// Reads the arrays of a model file by name, checking each one's dtype and shape against the
/// manifest and against what the model kind needs.
private struct ModelReader {
  let display: String
  let arrays: [String: NPYArray]
  let listed: [String: (descr: String, shape: [Int])]

  func fail(_ kind: DataFileError.Kind, _ message: String) -> DataFileError {
    DataFileError(path: display, kind: kind, message: message)
  }

  /// The array `name` with dtype `descr` and `dims` dimensions (nil when `optional` and absent).
  func array(_ name: String, _ descr: String, dims: Int, optional: Bool = false) throws -> NPYArray? {
    guard let a = arrays[name] else {
      if optional && listed[name] == nil { return nil }
      throw fail(.truncated, "member \(name).npy is missing")
    }
    guard let l = listed[name] else { throw fail(.badHeader, "member \(name).npy is not listed in manifest.json") }
    guard a.descr == descr else {
      throw fail(.unsupportedType, "member \(name).npy has dtype \(a.descr), expected \(descr)")
    }
    guard a.shape.count == dims else {
      throw fail(.sizeMismatch, "member \(name).npy has shape \(shapeText(a.shape)), expected \(dims) dimension\(dims == 1 ? "" : "s")")
    }
    // the member is read in either byte order (a big-endian one converted): the manifest's order too
    let listedDescr = l.descr.hasPrefix(">") ? "<" + l.descr.dropFirst() : l.descr
    guard listedDescr == a.descr, l.shape == a.shape else {
      throw fail(.sizeMismatch, "member \(name).npy is \(a.descr) \(shapeText(a.shape)) but manifest.json lists \(l.descr) \(shapeText(l.shape))")
    }
    return a
  }

  private func shapeText(_ s: [Int]) -> String { s.count == 1 ? "(\(s[0]),)" : "(" + s.map(String.init).joined(separator: ", ") + ")" }

  func matrix(_ name: String) throws -> Matrix {
    let a = try array(name, "<f4", dims: 2)!
    return Matrix(rows: a.shape[0], cols: a.shape[1], data: floats(a))
  }
  func optionalMatrix(_ name: String) throws -> Matrix? {
    guard let a = try array(name, "<f4", dims: 2, optional: true) else { return nil }
    return Matrix(rows: a.shape[0], cols: a.shape[1], data: floats(a))
  }
  /// The spanning tree `name` ((n − 1) × 3 float64 rows: from, to, distance), empty when the file has
  /// none (saved before clus kept it); endpoints must be points 0..<points.
  func spanningTree(_ name: String, points: Int) throws -> [HDBSCANEdge] {
    guard let a = try array(name, "<f8", dims: 2, optional: true) else { return [] }
    let v = read(a, as: Double.self)
    guard a.shape[1] == 3 else { throw fail(.sizeMismatch, "member \(name).npy has \(a.shape[1]) columns, not 3 (from, to, distance)") }
    return try (0..<a.shape[0]).map { i in
      let (f, t, w) = (v[3 * i], v[3 * i + 1], v[3 * i + 2])
      guard f >= 0, f < Double(points), t >= 0, t < Double(points), f == f.rounded(), t == t.rounded(), w >= 0 else {
        throw fail(.outOfRange, "member \(name).npy row \(i) (\(f), \(t), \(w)) is not an edge between two of the \(points) points")
      }
      return HDBSCANEdge(a: Int32(f), b: Int32(t), weight: w)
    }
  }
  func doubles(_ name: String) throws -> [Double] { read(try array(name, "<f8", dims: 1)!, as: Double.self) }
  func ints(_ name: String) throws -> [Int] { read(try array(name, "<i8", dims: 1)!, as: Int64.self).map { Int($0) } }
  func double(_ name: String) throws -> Double { read(try array(name, "<f8", dims: 0)!, as: Double.self)[0] }
  func int(_ name: String) throws -> Int { Int(read(try array(name, "<i8", dims: 0)!, as: Int64.self)[0]) }

  private func floats(_ a: NPYArray) -> [Float] { read(a, as: Float.self) }

  /// The elements of `a` (whose byte count `npyArray` checked against its shape).
  func read<T>(_ a: NPYArray, as: T.Type) -> [T] {
    let count = a.data.count / MemoryLayout<T>.stride
    return [T](unsafeUninitializedCapacity: count) { buf, done in
      a.data.withUnsafeBytes { src in
        let dst = UnsafeMutableRawBufferPointer(buf)
        dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(count * MemoryLayout<T>.stride)]))
      }
      done = count
    }
  }
}

/// A JSON value of a manifest, decoded by Foundation's `JSONDecoder` (booleans, integers and other
/// numbers kept apart).
private enum JSONValue: Decodable {
  case null, bool(Bool), int(Int), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null; return }
    if let b = try? c.decode(Bool.self) { self = .bool(b); return }
    if let i = try? c.decode(Int.self) { self = .int(i); return }
    if let d = try? c.decode(Double.self) { self = .number(d); return }
    if let s = try? c.decode(String.self) { self = .string(s); return }
    if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
    self = .object(try c.decode([String: JSONValue].self))
  }

  var string: String? { if case .string(let s) = self { return s }; return nil }
  var int: Int? { if case .int(let i) = self { return i }; return nil }
  var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
  var ints: [Int]? {
    guard case .array(let a) = self else { return nil }
    let v = a.compactMap(\.int)
    return v.count == a.count ? v : nil
  }

  /// A parameter as a language value (the inverse of `json(_: Value)`); nil for arrays and objects.
  var parameter: Value? {
    switch self {
    case .null: return Value.none
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .number(let d): return .float(d)
    case .string("inf"): return .float(.infinity)
    case .string("-inf"): return .float(-.infinity)
    case .string("nan"): return .float(.nan)
    case .string(let s): return .string(s)
    case .array, .object: return nil
    }
  }
}

/// The manifest's JSON object.
/// - Throws: `DataFileError` when it is not a JSON object, is not a clus model, or comes from a
///   newer format version.
private func parseManifest(_ bytes: [UInt8], display: String) throws -> [String: JSONValue] {
  func fail(_ kind: DataFileError.Kind, _ m: String) -> DataFileError { DataFileError(path: display, kind: kind, message: m) }
  guard let obj = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let m = obj.object else {
    throw fail(.badHeader, "member manifest.json is not a JSON object")
  }
  guard m["format"]?.string == modelFormatName else {
    throw fail(.unsupportedValue, "member manifest.json does not describe a clus model (its format is not \"\(modelFormatName)\")")
  }
  guard let v = m["format_version"]?.int else {
    throw fail(.badHeader, "member manifest.json has no integer format_version")
  }
  guard v >= 1 else {
    throw fail(.badHeader, "member manifest.json: format_version \(v) is not a version of the format (the first is 1)")
  }
  guard v <= modelFormatVersion else {
    let by = m["clus_version"]?.string.map { " (written by clus \($0))" } ?? ""
    throw fail(.unsupportedValue,
               "model format version \(v)\(by) is newer than this clus \(AlgorithmsInfo.version) reads (version \(modelFormatVersion)); update clus")
  }
  return m
}

extension Session {
  /// The model in a model file's members (`load "m.npz"` when the archive has a `manifest.json`).
  ///
  /// The parameters are checked as a call of the fitting command checks them (types, bounds; an
  /// unknown name is an error, a missing one takes its default), the arrays against the manifest
  /// and the model kind, and the parts against each other (`UMAPModel.init`, `HDBSCANModel.init`,
  /// ...), so a file that reads is a model that predicts.
  /// - Throws: `DataFileError` naming the file and the member: not a model, a newer format
  ///   version, a missing member, a wrong dtype or shape, a parameter out of range, parts that do
  ///   not fit together.
  func readModel(_ members: [NPZMember], display: String) throws -> FittedModel {
    let model = try readModelParts(members, display: display)
    // the parameters that size the arrays must agree with them
    func disagree(_ what: String) -> DataFileError {
      DataFileError(path: display, kind: .sizeMismatch, message: "member manifest.json: \(what)")
    }
    switch model {
    case .umap(let m) where m.parameters.nComponents != m.embedding.cols:
      throw disagree("n_components is \(m.parameters.nComponents) but the embedding has \(m.embedding.cols) columns")
    case .kmeans(let m) where m.parameters.nClusters != m.centers.rows:
      throw disagree("n_clusters is \(m.parameters.nClusters) but cluster_centers has \(m.centers.rows) rows")
    case .pca(let m):
      if case .count(let c)? = m.parameters.nComponents, c != m.result.components.rows {
        throw disagree("n_components is \(c) but components has \(m.result.components.rows) rows")
      }
    default: break
    }
    return model
  }

  private func readModelParts(_ members: [NPZMember], display: String) throws -> FittedModel {
    func fail(_ kind: DataFileError.Kind, _ m: String) -> DataFileError { DataFileError(path: display, kind: kind, message: m) }
    guard let man = members.first(where: { $0.name == "manifest.json" }) else {
      throw fail(.unsupportedValue, "not a clus model file (no manifest.json member)")
    }
    let m = try parseManifest(man.bytes, display: display)
    guard let kind = m["model"]?.string, ["umap", "hdbscan", "kmeans", "pca"].contains(kind), let command = table[kind] else {
      throw fail(.unsupportedValue, "member manifest.json names no model kind clus knows (umap, hdbscan, kmeans, pca)")
    }
    guard let params = m["parameters"]?.object, let listedArrays = m["arrays"]?.object else {
      throw fail(.badHeader, "member manifest.json lacks its parameters or arrays object")
    }
    var listed: [String: (descr: String, shape: [Int])] = [:]
    for (name, v) in listedArrays {
      guard let d = v.object, let descr = d["dtype"]?.string, let shape = d["shape"]?.ints else {
        throw fail(.badHeader, "member manifest.json: array \(name) needs a dtype string and a shape list")
      }
      listed[name] = (descr, shape)
    }
    var arrays: [String: NPYArray] = [:]
    for mem in members where mem.name.hasSuffix(".npy") {
      arrays[String(mem.name.dropLast(4))] = try npyArray(mem, display: display)
    }
    // parameters, checked as a call of the command checks them
    var kw: [String: Value] = [:]
    for (name, raw) in params {
      guard let spec = command.param(name) else {
        throw fail(.badHeader, "member manifest.json: \(kind) has no parameter '\(name)'\(parameterHint(name, command.params.map(\.name)))")
      }
      guard let v = raw.parameter else {
        throw fail(.badHeader, "member manifest.json: parameter \(name) has a value of no supported type")
      }
      // null where none is not a value: not stored (umap's init given as a matrix), the default
      if case .none = v, !isNone(spec.defaultValue) { continue }
      do {
        kw[name] = try checkParam(spec, v, command: kind, at: SourceRange(SourceLocation(line: 1, column: 1, offset: 0), SourceLocation(line: 1, column: 1, offset: 0)))
      } catch let e as RuntimeError {
        throw fail(.outOfRange, "member manifest.json: \(e.message)")
      }
    }
    for p in command.params where kw[p.name] == nil { kw[p.name] = p.defaultValue }
    let inv = Invocation(command: kind, args: [], kwargs: kw, given: Set(params.keys), session: self,
                         context: makeContext(), rawArgs: [])
    let r = ModelReader(display: display, arrays: arrays, listed: listed)
    do {
      switch kind {
      case "umap":
        let p = try umapParameterTable.fill(inv)
        let train = try r.matrix("training_data"), emb = try r.matrix("embedding")
        var knn: KNNGraph? = nil
        if let ki = try r.array("knn_indices", "<i4", dims: 2, optional: true) {
          let kd = try r.matrix("knn_distances")
          guard kd.rows == ki.shape[0], kd.cols == ki.shape[1] else {
            throw fail(.sizeMismatch, "members knn_indices.npy and knn_distances.npy differ in shape")
          }
          knn = KNNGraph(n: kd.rows, k: kd.cols, indices: r.read(ki, as: Int32.self), distances: Array(kd.data))
        }
        return .umap(try UMAPModel(parameters: p, trainingData: train, embedding: emb, knn: knn,
                                   nNeighbors: try r.int("n_neighbors"), nEpochs: try r.int("n_epochs"),
                                   a: try r.double("a"), b: try r.double("b")))
      case "hdbscan":
        let p = try hdbscanParameterTable.fill(inv)
        let parents = try r.ints("condensed_tree_parent"), children = try r.ints("condensed_tree_child")
        let lambdas = try r.doubles("condensed_tree_lambda_val"), sizes = try r.ints("condensed_tree_child_size")
        guard parents.count == children.count, parents.count == lambdas.count, parents.count == sizes.count else {
          throw fail(.sizeMismatch, "the condensed_tree_* members differ in length")
        }
        let tree = (0..<parents.count).map {
          CondensedTreeRow(parent: parents[$0], child: children[$0], lambda: lambdas[$0], childSize: sizes[$0])
        }
        let result = HDBSCANResult(
          labels: try r.ints("labels"), probabilities: try r.doubles("probabilities"),
          outlierScores: try r.doubles("outlier_scores"), persistence: try r.doubles("cluster_persistence"),
          condensedTree: tree, coreDistances: [], selectedClusters: try r.ints("selected_clusters"),
          spanningTree: try r.spanningTree("minimum_spanning_tree", points: try r.ints("labels").count))
        return .hdbscan(try HDBSCANModel(trainingData: try r.matrix("training_data"), result: result, parameters: p))
      case "kmeans":
        let p = try kmeansParameterTable.fill(inv)
        return .kmeans(try KMeansModel(parameters: p, centers: try r.matrix("cluster_centers"), labels: try r.ints("labels"),
                                       inertia: try r.double("inertia"), nIter: try r.int("n_iter")))
      default:
        let p = try pcaParameterTable.fill(inv)
        let result = PCAResult(
          transformed: try r.matrix("transformed"), components: try r.matrix("components"),
          explainedVariance: try r.doubles("explained_variance"), explainedVarianceRatio: try r.doubles("explained_variance_ratio"),
          singularValues: try r.doubles("singular_values"), mean: try r.doubles("mean"), noiseVariance: try r.double("noise_variance"))
        return .pca(try PCAModel(result: result, parameters: p))
      }
    } catch let e as AlgorithmError {
      throw fail(.outOfRange, "the \(kind) model's arrays do not fit together: \(e)")
    } catch let e as CommandDefinitionError {
      throw fail(.badHeader, "member manifest.json: \(e)")
    } catch let e as CommandError {
      throw fail(.outOfRange, "member manifest.json: \(e)")
    }
  }
}

/// Whether a value is `none`.
private func isNone(_ v: Value) -> Bool { if case .none = v { return true }; return false }
