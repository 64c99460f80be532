import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

/// `save VALUE "out.h5ad" into=A key=K`: a copy of an AnnData file with an embedding in obsm or clustering labels
/// as an obs categorical. The copy reads back in clus (and, when installed, in anndata) with what was
/// saved; the source file is not touched; wrong sizes and missing sources are refused.
final class H5ADWriteTests: DataFileTestCase {
  /// A 40 × 3 embedding with distinct, non-round values (not in the file).
  let embedding = Matrix(rows: 40, cols: 3, data: (0..<120).map { Float($0 % 7) * 1.25 - Float($0) / 37 + 0.001 })
  /// 40 labels: noise (−1) at every fifth cell, otherwise 0, 3 or 7 — categories "0", "3", "7".
  let labels = (0..<40).map { $0 % 5 == 0 ? -1 : [0, 3, 7][$0 % 3] }

  /// The codes the obs categorical must hold for `labels` (categories "0", "3", "7"; −1 missing).
  var labelCodes: [Int] { labels.map { [-1: -1, 0: 0, 3: 1, 7: 2][$0]! } }

  /// A session with `a` = the copy `src.h5ad` of dense.h5ad loaded, `e` the embedding and `l` the labels.
  func session() -> (Capture, String) {
    let src = fixtureCopy("h5ad", "dense.h5ad", as: "src.h5ad")
    let c = Capture()
    XCTAssertTrue(c.run("a = load \"\(src)\"\n"), c.err)
    c.session.variables["e"] = .matrix(embedding)
    // a clustering result (an hdbscan record standing for its labels): saved as an obs categorical
    c.session.variables["l"] = .record(Record(kind: "hdbscan", fields: [("labels", .labels(labels))], principal: "labels"))
    return (c, src)
  }

  /// Saving the embedding and then the labels into copies: the copy has obsm[key] equal to the
  /// embedding, obs[key] a categorical of the labels with −1 missing, and everything the source had;
  /// the source file keeps every byte.
  func testSavedEntriesReadBack() throws {
    let (c, src) = session()
    let before = read(src)
    XCTAssertEqual(before, read(fixturePath("h5ad", "dense.h5ad")))
    let out = dir + "/out.h5ad"
    XCTAssertTrue(c.run("""
      save e "\(out)" into=a key="X_test"
      save l "\(out)" into="\(out)" key="hdbscan"
      b = load "\(out)"
      be = b.obsm.X_test
      bl = b.obs.hdbscan
      bp = b.obsm.X_pca
      ap = a.obsm.X_pca
      bx = b.X
      ax = a.X
      bo = b.obs
      bc = b.obs.cell_type
      ac = a.obs.cell_type
      n = b.n_obs
      """), c.err)
    XCTAssertEqual(read(src), before, "the source file is unchanged")
    XCTAssertEqual(c.matrix("be")?.data, embedding.data)
    XCTAssertEqual(c.matrix("be")?.cols, 3)
    let bl = c.categorical("bl")
    XCTAssertEqual(bl?.names, ["0", "3", "7"])
    XCTAssertEqual(bl?.codes, labelCodes)
    // the source's entries are all there
    XCTAssertEqual(c.matrix("bp")?.data, c.matrix("ap")?.data)
    XCTAssertEqual(c.matrix("bx")?.data, c.matrix("ax")?.data)
    XCTAssertEqual(c.categorical("bc")?.codes, c.categorical("ac")?.codes)
    if case .record(let bo)? = c.value("bo") {
      XCTAssertEqual(Frames.columnNames(bo), ["cell_type", "n_counts", "n_genes", "batch", "is_doublet", "hdbscan"])
    } else { XCTFail("obs is not a record") }
    if case .int(let n)? = c.value("n") { XCTAssertEqual(n, 40) } else { XCTFail("n_obs") }
    // the first save alone left no labels; no temporary file is left behind
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["out.h5ad", "src.h5ad"])
  }

  /// The default keys (X_umap replaced for a matrix, "clusters" for labels), a categorical saved as
  /// itself, and saving again over the same key replaces it.
  func testDefaultKeysAndReplacement() throws {
    let (c, _) = session()
    let out = dir + "/d.h5ad"
    XCTAssertTrue(c.run("""
      save e "\(out)" into=a
      save l "\(out)" into="\(out)"
      save a.obs.cell_type "\(out)" into="\(out)" key="ct2"
      save e[:, 0:2] "\(out)" into="\(out)" key="X_pca"
      b = load "\(out)"
      u = b.obsm.X_umap
      p = b.obsm.X_pca
      k = b.obs.clusters
      ct = b.obs.ct2
      ac = a.obs.cell_type
      """), c.err)
    XCTAssertEqual(c.matrix("u")?.data, embedding.data)
    XCTAssertEqual(c.matrix("p")?.data.array, (0..<40).flatMap { [embedding[$0, 0], embedding[$0, 1]] })
    XCTAssertEqual(c.categorical("k")?.codes, labelCodes)
    XCTAssertEqual(c.categorical("ct")?.names, ["B", "T", "NK"])
    XCTAssertEqual(c.categorical("ct")?.codes, c.categorical("ac")?.codes)
  }

  /// Refusals: another row count (naming both counts), no into=, into= something else, a bad key,
  /// a sparse matrix; nothing is written for any of them.
  func testRefusals() throws {
    let (c, src) = session()
    let out = dir + "/bad.h5ad"
    c.expectError("save e[0:39] \"\(out)\" into=a", "\(out): the value has 39 rows, the AnnData file \(src) has 40 cells (n_obs)")
    c.expectError("save l[1:] \"\(out)\" into=a key=\"k\"", "the value has 39 rows")
    c.expectError("save e \"\(out)\"", "saving to .h5ad writes into a copy of an AnnData file: give it with into=")
    c.expectError("save e \"\(out)\" into=5", "into= must be a loaded AnnData record or a path, got an integer")
    c.expectError("save e \"\(out)\" into=a key=\"obsm/x\"", "the key \"obsm/x\" cannot name an AnnData entry")
    c.expectError("save e \"\(dir)/e.npy\" into=a", "into= applies to saving into an AnnData .h5ad file")
    // a frame of several columns went to obsm["X_umap"] as its float32 .data (a fresh-user pass)
    c.expectError("save a.obs \"\(out)\" into=a", "into= writes one obs column or one obsm matrix, not a data frame")
    // a source that is not there (it said "not an HDF5 file")
    c.expectError("save e \"\(out)\" into=\"\(dir)/missing.h5ad\"", "\(dir)/missing.h5ad: no such file or directory")
    let npz = fixturePath("sparse", "csr.npz")
    c.expectError("save e \"\(out)\" into=\"\(npz)\"", npz)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["src.h5ad"])
  }

  /// An obs column may be named index (or data, columns, dtypes), as anndata allows: `d["index"]` reads it
  /// back while `.index` stays the cell names (it was refused as "hidden by the data frame's own .index",
  /// which it no longer is); the dataset of the cell names themselves is refused as a key.
  func testObsColumnNamedIndex() throws {
    let (c, _) = session()
    let out = dir + "/index.h5ad"
    XCTAssertTrue(c.run("save l \"\(out)\" into=a key=\"index\"\nb = load \"\(out)\"\ni = b.obs[\"index\"]\nn = b.obs.index"), c.err)
    let (codes, names) = try XCTUnwrap(Frames.categories(of: c.value("i") ?? .none))
    XCTAssertEqual(codes.map { $0 < 0 ? -1 : Int(names[$0])! }, labels)
    guard case .list(let cells)? = c.value("n") else { return XCTFail("b.obs.index") }
    XCTAssertEqual(Frames.strings(.list(cells)), (0..<40).map { "cell\($0)" })
    c.expectError("save l \"\(dir)/x.h5ad\" into=a key=\"_index\"", "the key \"_index\" cannot name an AnnData entry")
  }

  /// anndata reads the copy: obsm[key] holds the embedding (float32), obs[key] is a pandas categorical
  /// with categories "0", "3", "7" and NaN for noise, and the rest of the file is as before; skipped
  /// without anndata.
  func testAnndataReadsTheCopy() throws {
    try requirePythonModules(["anndata"])
    let (c, src) = session()
    let out = dir + "/ad.h5ad"
    XCTAssertTrue(c.run("save e \"\(out)\" into=a key=\"X_clus\"\nsave l \"\(out)\" into=\"\(out)\" key=\"clusters\"\n"
                        + "save (l * 0 + 16777217) \"\(out)\" into=\"\(out)\" key=\"big\"\nsave (l > 0) \"\(out)\" into=\"\(out)\" key=\"flag\"\n"), c.err)
    let text = try runPython("""
      import json, sys, warnings
      import anndata as ad, numpy as np, pandas as pd
      warnings.simplefilter('ignore')
      b = ad.read_h5ad(sys.argv[1])
      a = ad.read_h5ad(sys.argv[2])
      e = b.obsm['X_clus']
      k = b.obs['clusters']
      assert isinstance(k.dtype, pd.CategoricalDtype), k.dtype
      same = (np.array_equal(b.X, a.X) and np.array_equal(b.obsm['X_pca'], a.obsm['X_pca'])
              and list(b.obs.columns) == list(a.obs.columns) + ['clusters', 'big', 'flag'] and b.obs_names.equals(a.obs_names))
      print(json.dumps({'dtype': str(e.dtype), 'shape': list(e.shape), 'values': e.ravel().tolist(),
                        'categories': [str(x) for x in k.cat.categories], 'codes': k.cat.codes.astype(int).tolist(),
                        'nan': [bool(x) for x in k.isna()], 'same': bool(same),
                        'big': [str(b.obs['big'].dtype), int(b.obs['big'].iloc[0])], 'flag': [str(b.obs['flag'].dtype), int(b.obs['flag'].sum())]}))
      """, [out, src])
    let got = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    XCTAssertEqual(got["dtype"] as? String, "float32")
    XCTAssertEqual(jsonInts(got["shape"]), [40, 3])
    XCTAssertEqual(jsonFloats(got["values"]), embedding.data.array)
    XCTAssertEqual(jsonStrings(got["categories"]), ["0", "3", "7"])
    XCTAssertEqual(jsonInts(got["codes"]), labelCodes)
    XCTAssertEqual(got["nan"] as? [Bool], labels.map { $0 == -1 })
    XCTAssertEqual(got["same"] as? Bool, true)
    // ints as int64 and a mask as bool (both were written as float64)
    let big = try XCTUnwrap(got["big"] as? [Any]), flag = try XCTUnwrap(got["flag"] as? [Any])
    XCTAssertEqual(big.first as? String, "int64")
    XCTAssertEqual((big.last as? NSNumber)?.intValue, 16777217)
    XCTAssertEqual(flag.first as? String, "bool")
    XCTAssertEqual((flag.last as? NSNumber)?.intValue, labels.filter { $0 > 0 }.count)
  }
}
