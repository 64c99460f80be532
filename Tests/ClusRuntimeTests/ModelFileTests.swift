import ClusAlgorithms
import ClusLang
import Foundation
import XCTest
@testable import ClusRuntime

/// Fitted models as files (docs/model-format.md): the round trip of every kind, the committed
/// version-1 files, numpy reading a model file, and the files that must be refused.
final class ModelFileTests: DataFileTestCase {
  /// The committed version-1 fixture folder (Fixtures/models, made by make_v1.py).
  private var fixtures: String { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/models").path }

  /// The matrix, labels or floats a variable (or a record's principal) holds, as comparable bits.
  private func bits(_ v: Value?, file: StaticString = #filePath, line: UInt = #line) -> [UInt64] {
    switch v?.resolved {
    case .matrix(let m)?: return [UInt64(m.rows), UInt64(m.cols)] + m.data.map { UInt64($0.bitPattern) }
    case .labels(let l)?: return l.map { UInt64(bitPattern: Int64($0)) }
    case .floats(let f)?: return f.map(\.bitPattern)
    default:
      XCTFail("not an array: \(String(describing: v))", file: file, line: line)
      return []
    }
  }

  /// Fits one model of each kind on the fixture data, saves them, loads them back (in the same
  /// session, for 1 and 2 threads) and checks that fields, parameters and every prediction are the
  /// same bits as from the fitted models.
  func testEveryModelKindRoundTripsBitForBit() throws {
    for threads in [1, 2] {
      let c = Capture(threads: threads)
      let d = dir
      XCTAssertTrue(c.run("""
        x = load "\(fixtures)/data.npy"
        y = load "\(fixtures)/new.npy"
        e = umap x n_neighbors=10 n_epochs=60 random_state=3
        l = hdbscan e min_samples=5 min_cluster_size=10 cluster_selection_epsilon=0.25
        k = kmeans x n_clusters=3 init="random" n_init=2 random_state=1
        q = pca x n_components=0.9
        save e "\(d)/e.npz"; save l "\(d)/l.npz"; save k "\(d)/k.npz"; save q "\(d)/q.npz"
        e2 = load "\(d)/e.npz"; l2 = load "\(d)/l.npz"; k2 = load "\(d)/k.npz"; q2 = load "\(d)/q.npz"
        t = transform e y; t2 = transform e2 y
        p = approximate_predict l t; p2 = approximate_predict l2 t
        mv = membership_vector l t; mv2 = membership_vector l2 t
        ap = all_points_membership_vectors l; ap2 = all_points_membership_vectors l2
        kp = predict k y; kp2 = predict k2 y
        qt = transform q y; qt2 = transform q2 y
        """), c.err)
      let v = c.session.variables
      for (a, b) in [("t", "t2"), ("mv", "mv2"), ("ap", "ap2"), ("kp", "kp2"), ("qt", "qt2"), ("e", "e2"), ("l", "l2"),
                     ("k", "k2"), ("q", "q2")] {
        XCTAssertEqual(bits(v[a]), bits(v[b]), "\(a) and \(b), \(threads) threads")
      }
      guard case .record(let p)? = v["p"], case .record(let p2)? = v["p2"] else { return XCTFail("predictions") }
      XCTAssertEqual(bits(p["probabilities"]), bits(p2["probabilities"]))
      XCTAssertEqual(bits(p["labels"]), bits(p2["labels"]))
      for name in ["e", "l", "k", "q"] {
        guard case .record(let r)? = v[name], case .record(let r2)? = v[name + "2"] else { return XCTFail(name) }
        XCTAssertEqual(r2.model?.kind, r.model?.kind)
        XCTAssertEqual(Display.render(r["params"]!), Display.render(r2["params"]!), "\(name): parameters")
        for f in ["embedding", "knn_indices", "knn_distances", "data", "probabilities", "outlier_scores", "cluster_persistence",
                  "cluster_centers", "components", "explained_variance", "explained_variance_ratio", "singular_values", "mean"]
        where r[f] != nil {
          XCTAssertEqual(bits(r[f]), bits(r2[f]), "\(name).\(f)")
        }
      }
      // the parameters given reach the file: n_init=2 with init random, n_components 0.9
      XCTAssertTrue(c.run("k2.params.n_init; k2.params.init; q2.params.n_components; l2.params.cluster_selection_epsilon"), c.err)
      XCTAssertEqual(c.out, "2\n\"random\"\n0.9000\n0.2500\n")
    }
  }

  /// The committed files of format version 1 (Fixtures/models, written by make_v1.py) load and give
  /// the predictions written beside them, bit for bit (probabilities as the float32 they were saved as).
  func testVersion1FixtureLoadsAndPredictsAsWritten() throws {
    let c = Capture(threads: 2)
    let f = fixtures
    XCTAssertTrue(c.run("""
      y = load "\(f)/new.npy"
      e = load "\(f)/umap-v1.npz"; l = load "\(f)/hdbscan-v1.npz"; k = load "\(f)/kmeans-v1.npz"; q = load "\(f)/pca-v1.npz"
      t = transform e y
      p = approximate_predict l t
      mv = membership_vector l t
      kp = predict k y
      qt = transform q y
      """), c.err)
    let v = c.session.variables
    func expected(_ name: String) throws -> Value {
      try c.session.value(of: loadData(path: "\(f)/expected-\(name).npy"), display: name)
    }
    XCTAssertEqual(bits(v["t"]), bits(try expected("transform")))
    XCTAssertEqual(bits(v["mv"]), bits(try expected("membership")))
    XCTAssertEqual(bits(v["kp"]), bits(try expected("kmeans")))
    XCTAssertEqual(bits(v["qt"]), bits(try expected("pca")))
    guard case .record(let p)? = v["p"], case .labels(let labels)? = p["labels"], case .floats(let probs)? = p["probabilities"],
      case .floats(let written) = try expected("predict-probabilities")
    else { return XCTFail("prediction") }
    XCTAssertEqual(bits(.labels(labels)), bits(try expected("predict-labels")))
    XCTAssertEqual(probs.map { Double(Float($0)) }, written)
  }

  /// numpy opens a model file: the documented keys, dtypes and shapes, the manifest as JSON, and the
  /// training data equal to the file it was loaded from.
  func testNumpyReadsAModelFile() throws {
    let out = try runPython("""
      import json, sys
      import numpy as np
      z = np.load(sys.argv[1])
      m = json.loads(bytes(z["manifest.json"]))
      assert m["format"] == "clus-model" and m["format_version"] == 1 and m["model"] == "umap", m
      keys = [k for k in z.files if k != "manifest.json"]
      assert keys == ["training_data", "embedding", "knn_indices", "knn_distances", "a", "b", "n_neighbors", "n_epochs"], keys
      for k in keys:
          assert z[k].dtype.str == m["arrays"][k]["dtype"] and list(z[k].shape) == m["arrays"][k]["shape"], k
      assert np.array_equal(z["training_data"], np.load(sys.argv[2]))
      assert z["embedding"].shape == (120, 2) and z["knn_indices"].shape == (120, 10)
      assert m["parameters"]["n_neighbors"] == 10 and m["parameters"]["random_state"] == 7
      print(float(z["a"]), int(z["n_epochs"]))
      """, ["\(fixtures)/umap-v1.npz", "\(fixtures)/data.npy"])
    let parts = out.split(separator: " ").map(String.init)
    XCTAssertEqual(parts.count, 2, out)
    XCTAssertEqual(parts.last?.trimmingCharacters(in: .whitespacesAndNewlines), "60")
  }

  /// A model file that numpy saved again (`np.savez(p, **np.load(model))`, which turns the manifest into
  /// the array manifest.json.npy) loads as the model, with a note, and transforms as the original does
  /// (a fresh-user pass: it loaded as a plain archive, and `transform` said only "got a npz record").
  func testAModelFileSavedAgainByNumpyLoads() throws {
    let resaved = NSTemporaryDirectory() + "clus-resaved-\(getpid()).npz"
    defer { unlink(resaved) }
    _ = try runPython("""
      import sys
      import numpy as np
      np.savez(sys.argv[2], **dict(np.load(sys.argv[1])))
      """, ["\(fixtures)/umap-v1.npz", resaved])
    let c = Capture()
    XCTAssertTrue(c.run("y = load \"\(fixtures)/new.npy\"\nt = transform (load \"\(fixtures)/umap-v1.npz\") y\n"
                        + "u = transform (load \"\(resaved)\") y\n"), c.err)
    XCTAssertTrue(c.err.contains("a clus model file saved again by numpy"), c.err)
    guard case .matrix(let t)? = c.session.variables["t"], case .matrix(let u)? = c.session.variables["u"] else {
      return XCTFail("transform")
    }
    XCTAssertEqual(t, u)
  }

  /// The members of the version-1 UMAP fixture, for making broken files.
  private func umapMembers() throws -> [NPZMember] { try readNPZ(path: "\(fixtures)/umap-v1.npz") }

  /// `members` with the manifest's text changed by `edit`.
  private func editManifest(_ members: [NPZMember], _ edit: (String) -> String) -> [NPZMember] {
    members.map { m in
      m.name == "manifest.json" ? NPZMember(name: m.name, bytes: Array(edit(String(decoding: m.bytes, as: UTF8.self)).utf8)) : m
    }
  }

  /// Asserts that the model file made of `members` is refused with `kind` and every fragment.
  private func assertRefused(_ members: [NPZMember], _ kind: DataFileError.Kind, _ fragments: [String],
                             file: StaticString = #filePath, line: UInt = #line) throws {
    let path = dir + "/bad.npz"
    try writeNPZ(members, path: path, compress: false)
    do {
      let v = try Session(threads: 1).value(of: loadData(path: path), display: path)
      XCTFail("loaded \(v.kindName)", file: file, line: line)
    } catch let e as DataFileError {
      XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
      XCTAssertTrue(e.description.hasPrefix(path), e.description, file: file, line: line)
      for f in fragments { XCTAssertTrue(e.description.contains(f), "'\(e.description)' lacks '\(f)'", file: file, line: line) }
    }
  }

  /// Files that are not models clus can use get clear errors naming the file and the member: a
  /// newer format version, another format, a manifest that is not JSON, an unknown or out-of-range
  /// parameter, a missing member, a member of the wrong dtype or of another shape than listed, parts
  /// that do not fit together, a truncated or damaged archive.
  func testBadModelFilesAreRefusedClearly() throws {
    let good = try umapMembers()
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 2") },
                      .unsupportedValue, ["format version 2", "newer", "update clus"])
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"format\": \"clus-model\"", with: "\"format\": \"clus-model-2\"") },
                      .unsupportedValue, ["manifest.json", "not describe a clus model"])
    // a manifest of another format is not a model file: the arrays load as any .npz
    let other = editManifest(good) { $0.replacingOccurrences(of: "clus-model", with: "other-model") }
    try writeNPZ(other, path: dir + "/other.npz", compress: true)
    var warnings: [String] = []
    guard case .arrays(let a) = try loadData(path: dir + "/other.npz", warn: { warnings.append($0) }) else { return XCTFail("not arrays") }
    XCTAssertEqual(a.first?.name, "training_data")
    // ... and said, as is a manifest damaged beyond naming the format (it loaded as arrays in silence)
    let damaged = good.map { $0.name == "manifest.json" ? NPZMember(name: $0.name, bytes: Array("{not json".utf8)) : $0 }
    try writeNPZ(damaged, path: dir + "/damaged.npz", compress: false)
    guard case .arrays = try loadData(path: dir + "/damaged.npz", warn: { warnings.append($0) }) else { return XCTFail("not arrays") }
    XCTAssertEqual(warnings.count, 2)
    XCTAssertTrue(warnings.allSatisfy { $0.contains("manifest.json does not name the clus model format") && $0.contains("its manifest is damaged") }, "\(warnings)")
    try assertRefused(editManifest(good) { String($0.dropLast(20)) }, .badHeader, ["manifest.json", "not a JSON object"])
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"n_neighbors\": 10", with: "\"n_neighbours\": 10") },
                      .badHeader, ["n_neighbours", "did you mean n_neighbors"])
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 0") },
                      .badHeader, ["format_version 0 is not a version of the format"])
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"n_components\": 2", with: "\"n_components\": 5") },
                      .sizeMismatch, ["n_components is 5 but the embedding has 2 columns"])
    try assertRefused(editManifest(good) { $0.replacingOccurrences(of: "\"n_neighbors\": 10", with: "\"n_neighbors\": 1") },
                      .outOfRange, ["manifest.json", "n_neighbors=1 is out of range"])
    try assertRefused(good.filter { $0.name != "embedding.npy" }, .truncated, ["embedding.npy is missing"])
    // training data as float64, listed as such: the dtype is checked against the model kind
    let f8 = good.map { m -> NPZMember in
      guard m.name == "training_data.npy", let a = try? npyArray(m, display: "x") else { return m }
      let values: [Double] = a.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }.map { Double($0) }
      return NPZMember(name: m.name, bytes: npyFileBytes(NPYArray(descr: "<f8", shape: a.shape, data: values.withUnsafeBytes { [UInt8]($0) })))
    }
    try assertRefused(editManifest(f8) { $0.replacingOccurrences(of: "\"training_data\": {\"dtype\": \"<f4\"", with: "\"training_data\": {\"dtype\": \"<f8\"") },
                      .unsupportedType, ["training_data.npy has dtype <f8, expected <f4"])
    // an embedding of fewer rows than the training data, listed consistently: the parts do not fit
    let short = good.map { m -> NPZMember in
      guard m.name == "embedding.npy", let a = try? npyArray(m, display: "x") else { return m }
      return NPZMember(name: m.name, bytes: npyFileBytes(NPYArray(descr: a.descr, shape: [119, 2], data: Array(a.data[0..<(119 * 8)]))))
    }
    try assertRefused(short, .sizeMismatch, ["embedding.npy is <f4 (119, 2) but manifest.json lists <f4 (120, 2)"])
    try assertRefused(editManifest(short) { $0.replacingOccurrences(of: "\"embedding\": {\"dtype\": \"<f4\", \"shape\": [120, 2]}", with: "\"embedding\": {\"dtype\": \"<f4\", \"shape\": [119, 2]}") },
                      .outOfRange, ["do not fit together", "119 rows"])
    // a truncated archive and a damaged one
    let bytes = read("\(fixtures)/umap-v1.npz")
    assertLoadFails(write("cut.npz", Array(bytes[0..<(bytes.count / 2)])), .truncated, ["truncated"])
    var flipped = bytes
    flipped[bytes.count / 3] ^= 0xFF
    assertLoadFails(write("flip.npz", flipped), .corruptArchive)
  }

  /// An HDBSCAN file whose condensed tree is not a tree over its points is refused before any
  /// prediction can index out of range or loop.
  func testInconsistentHDBSCANFileIsRefused() throws {
    let members = try readNPZ(path: "\(fixtures)/hdbscan-v1.npz").map { m -> NPZMember in
      guard m.name == "condensed_tree_child.npy", let a = try? npyArray(m, display: "x") else { return m }
      var v = a.data.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
      v[0] = -5
      return NPZMember(name: m.name, bytes: npyFileBytes(NPYArray(descr: a.descr, shape: a.shape, data: v.withUnsafeBytes { [UInt8]($0) })))
    }
    try assertRefused(members, .outOfRange, ["hdbscan model", "condensed tree row 0", "child -5"])
  }

  /// A model saved to .npy writes its principal array, with a note; `save` of a non-model to .npz
  /// says what .npz is for, and of a model to an unknown extension, that .npz keeps it whole.
  func testSavingAModelAsAnArrayOrAnArrayAsAModel() throws {
    let c = Capture(threads: 1)
    XCTAssertTrue(c.run("x = load \"\(fixtures)/data.npy\"; k = kmeans x n_clusters=3 random_state=0; save k \"\(dir)/k.npy\""), c.err)
    XCTAssertTrue(c.err.contains("note: wrote the kmeans model's field labels; save the model to a .npz file to keep all of it"), c.err)
    c.expectError("save x \"\(dir)/x.npz\"", "a .npz file holds a fitted model")
    // an extension of no format: the model's own (.npz) is named first (it listed .npy, .csv, .tsv only)
    for name in ["k.model", "k.txt", "k.npz.gz"] {
      c.expectError("save k \"\(dir)/\(name)\"", "\(name): unknown file type for saving: a fitted kmeans model is saved whole as .npz (load gives it back); the labels array alone as .npy, .csv, .tsv, each optionally followed by .gz")
      XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/\(name)"))
    }
    c.expectError("transform k x", "the model must be the result of `umap` or `pca` (or such a model loaded from a file), got a fitted kmeans model")
    c.expectError("predict x x", "the model must be the result of `kmeans`")
    // a one-point UMAP is the origin (as umap-learn), a model too, and saves
    XCTAssertTrue(c.run("o = umap [[1, 2, 3]]; sum (abs o); save o \"\(dir)/o.npz\"; o2 = load \"\(dir)/o.npz\"; shape o2"), c.err)
    XCTAssertEqual(c.out, "0.0000\n1 × 2\n")
  }
}
