import Foundation
import XCTest
@testable import ClusAlgorithms

/// `pcaSparse` and `truncatedSVD` against scikit-learn 1.9.1's `PCA(svd_solver="arpack")` and
/// `TruncatedSVD(algorithm="arpack")` on CSR input (Fixtures/sparse_pca/make_fixtures.py), with both
/// solvers (the formed AᵀA and the block Krylov iteration), and their determinism and errors.
final class SparsePCATests: XCTestCase {
  private func cases() throws -> [[String: Any]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sparse_pca/sparse_pca.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return obj["cases"] as! [[String: Any]]
  }

  private func doubles(_ c: [String: Any], _ key: String) -> [Double] {
    (c[key] as! [NSNumber]).map { $0.doubleValue }
  }

  private func matrix(_ c: [String: Any]) throws -> SparseMatrix {
    try SparseMatrix(
      rows: c["rows"] as! Int, cols: c["cols"] as! Int, indptr: (c["indptr"] as! [NSNumber]).map { $0.intValue },
      indices: (c["indices"] as! [NSNumber]).map { Int32($0.intValue) },
      values: (c["values"] as! [NSNumber]).map { $0.floatValue })
  }

  /// A random sparse n × d matrix (about `density` of the entries stored, gamma-like positive values,
  /// column scales decreasing from 2 to 0.3 as the fixture's), from a fixed seed.
  private func randomSparse(rows n: Int, cols d: Int, density: Double, seed: UInt64) throws -> SparseMatrix {
    var rng = RandomStream(seed: seed, 7)
    var indptr = [0], indices = [Int32](), values = [Float]()
    for _ in 0..<n {
      for f in 0..<d where rng.nextDouble() < density {
        let scale = 2.0 - 1.7 * Double(f) / Double(max(1, d - 1))
        let v = -Elementary.log(1 - rng.nextDouble()) - Elementary.log(1 - rng.nextDouble())
        indices.append(Int32(f))
        values.append(Float(v * scale))
      }
      indptr.append(values.count)
    }
    return try SparseMatrix(rows: n, cols: d, indptr: indptr, indices: indices, values: values)
  }

  /// Largest |a − b| over the entries, relative to the largest |b| (for the report in the log).
  private func relDiff(_ a: [Double], _ b: [Double]) -> Double {
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-300)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
  }

  /// PCA(arpack) on the fixture's CSR matrices, k = 3 and 5, threads 1 and 2, dense and Krylov solvers:
  /// transformed data, components, variances, ratios, singular values, mean and noise variance to 1e-4
  /// (relative to the largest entry of each array).
  func testPCAMatchesScikitLearnArpack() throws {
    let all = try cases()
    XCTAssertEqual(all.count, 4)
    for c in all {
      let name = c["name"] as! String, k = c["k"] as! Int
      let x = try matrix(c)
      let ref = c["pca_arpack"] as! [String: Any]
      for denseMaxCols in [sparseDenseMaxCols, 0] {
        for threads in [1, 2] {
          let r = try pcaSparseFit(x, nComponents: k, context: RunContext(threads: threads), denseMaxCols: denseMaxCols)
          let label = "\(name) denseMaxCols=\(denseMaxCols) threads=\(threads)"
          XCTAssertEqual(r.transformed.rows, x.rows, label)
          XCTAssertEqual(r.transformed.cols, k, label)
          XCTAssertEqual(r.components.rows, k, label)
          XCTAssertEqual(r.components.cols, x.cols, label)
          let diffs = [
            "transformed": relDiff(r.transformed.data.map(Double.init), doubles(ref, "transformed")),
            "components": relDiff(r.components.data.map(Double.init), doubles(ref, "components")),
            "explained_variance": relDiff(r.explainedVariance, doubles(ref, "explained_variance")),
            "explained_variance_ratio": relDiff(r.explainedVarianceRatio, doubles(ref, "explained_variance_ratio")),
            "singular_values": relDiff(r.singularValues, doubles(ref, "singular_values")),
            "mean": relDiff(r.mean, doubles(ref, "mean")),
            "noise_variance": relDiff([r.noiseVariance], [(ref["noise_variance"] as! NSNumber).doubleValue]),
          ]
          for (key, v) in diffs.sorted(by: { $0.key < $1.key }) { XCTAssertLessThan(v, 1e-4, "\(label) \(key)") }
          if threads == 1 { print("sparse PCA \(label): largest relative difference \(diffs.values.max()!)") }
        }
      }
    }
  }

  /// TruncatedSVD(arpack) on the same matrices: transformed, components, explained variance (of the
  /// transformed columns), ratio, singular values to 1e-4.
  func testTruncatedSVDMatchesScikitLearnArpack() throws {
    for c in try cases() {
      let name = c["name"] as! String, k = c["k"] as! Int
      let x = try matrix(c)
      let ref = c["tsvd_arpack"] as! [String: Any]
      for denseMaxCols in [sparseDenseMaxCols, 0] {
        for threads in [1, 2] {
          let r = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: threads), denseMaxCols: denseMaxCols)
          let label = "\(name) denseMaxCols=\(denseMaxCols) threads=\(threads)"
          XCTAssertEqual(r.transformed.cols, k, label)
          XCTAssertEqual(r.components.rows, k, label)
          let diffs = [
            "transformed": relDiff(r.transformed.data.map(Double.init), doubles(ref, "transformed")),
            "components": relDiff(r.components.data.map(Double.init), doubles(ref, "components")),
            "explained_variance": relDiff(r.explainedVariance, doubles(ref, "explained_variance")),
            "explained_variance_ratio": relDiff(r.explainedVarianceRatio, doubles(ref, "explained_variance_ratio")),
            "singular_values": relDiff(r.singularValues, doubles(ref, "singular_values")),
          ]
          for (key, v) in diffs.sorted(by: { $0.key < $1.key }) { XCTAssertLessThan(v, 1e-4, "\(label) \(key)") }
          if threads == 1 { print("truncated SVD \(label): largest relative difference \(diffs.values.max()!)") }
        }
      }
    }
  }

  /// The block Krylov solver agrees with the formed AᵀA on a larger matrix (1,500 × 300, k = 10) and on
  /// a wide one: the singular values to 1e-9 relative, the components to 1e-6.
  func testKrylovSolverMatchesDenseSolver() throws {
    let x = try randomSparse(rows: 1500, cols: 300, density: 0.05, seed: 3)
    let k = 10
    let dense = try pcaSparseFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: sparseDenseMaxCols)
    let krylov = try pcaSparseFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: 0)
    XCTAssertLessThan(relDiff(krylov.singularValues, dense.singularValues), 1e-9)
    XCTAssertLessThan(relDiff(krylov.components.data.map(Double.init), dense.components.data.map(Double.init)), 1e-6)
    let t1 = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: sparseDenseMaxCols)
    let t2 = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: 0)
    XCTAssertLessThan(relDiff(t2.singularValues, t1.singularValues), 1e-9)
    XCTAssertLessThan(relDiff(t2.components.data.map(Double.init), t1.components.data.map(Double.init)), 1e-6)
    // wide data (40 rows, 300 columns): the Krylov basis (8 blocks of 13) exceeds the rank (39), so
    // Gram–Schmidt replaces exhausted directions by random ones
    let wide = try randomSparse(rows: 40, cols: 300, density: 0.1, seed: 4)
    let w1 = try pcaSparseFit(wide, nComponents: 5, context: RunContext(threads: 2), denseMaxCols: sparseDenseMaxCols)
    let w2 = try pcaSparseFit(wide, nComponents: 5, context: RunContext(threads: 2), denseMaxCols: 0)
    XCTAssertLessThan(relDiff(w2.singularValues, w1.singularValues), 1e-9)
    XCTAssertLessThan(relDiff(w2.components.data.map(Double.init), w1.components.data.map(Double.init)), 1e-6)
    XCTAssertLessThan(relDiff(w2.transformed.data.map(Double.init), w1.transformed.data.map(Double.init)), 1e-6)
  }

  /// With fewer rows than columns (and the columns above the dense limit) the factorisation works on
  /// AAᵀ (n × n): formed (n ≤ the limit) or by the Krylov iteration on n-vectors, the right vectors
  /// from Aᵀu. Both agree with the formed AᵀA (d × d) on wide matrices, centred (PCA) or not
  /// (TruncatedSVD): singular values to 1e-9, components and projections to 1e-6, at 1 and 2 threads
  /// bit for bit, with orthonormal components. A wide matrix of rank 3 with k = 5 (two singular
  /// values 0, so Aᵀu defines no v: normalised, its rounding noise gave components that were not
  /// orthogonal) falls back to the iteration on AᵀA and still agrees.
  func testWideDataUsesTheSmallerSide() throws {
    let wide = try randomSparse(rows: 60, cols: 500, density: 0.08, seed: 11)
    var threeRows = try randomSparse(rows: 3, cols: 500, density: 0.2, seed: 12)
    // 45 rows, each a multiple of one of 3 rows: rank 3
    var indptr = [0], indices = [Int32](), values = [Float]()
    for i in 0..<45 {
      let r = i % 3, c = Float(1 + i / 3)
      for e in threeRows.indptr[r]..<threeRows.indptr[r + 1] { indices.append(threeRows.indices[e]); values.append(threeRows.values[e] * c) }
      indptr.append(values.count)
    }
    threeRows = try SparseMatrix(rows: 45, cols: 500, indptr: indptr, indices: indices, values: values)
    for (x, k) in [(wide, 6), (threeRows, 5)] {
      let exact = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: sparseDenseMaxCols)
      let exactPCA = try pcaSparseFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: sparseDenseMaxCols)
      // 100: AAᵀ formed (n ≤ 100 < d); 0: the Krylov iteration on AAᵀ
      for limit in [100, 0] {
        let label = "\(x.rows) × \(x.cols) k=\(k) denseMaxCols=\(limit)"
        let t = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: limit)
        let t1 = try truncatedSVDFit(x, nComponents: k, context: RunContext(threads: 1), denseMaxCols: limit)
        XCTAssertEqual(t, t1, "\(label): threads")
        // the rank-3 matrix's zero singular values have no defined vectors: compare the first 3 only
        let r = x.rows == 45 ? 3 : k
        XCTAssertLessThan(relDiff(Array(t.singularValues.prefix(r)), Array(exact.singularValues.prefix(r))), 1e-9, label)
        XCTAssertLessThan(relDiff(Array(t.components.data.prefix(r * x.cols)).map(Double.init),
                                  Array(exact.components.data.prefix(r * x.cols)).map(Double.init)), 1e-6, label)
        let p = try pcaSparseFit(x, nComponents: k, context: RunContext(threads: 2), denseMaxCols: limit)
        // all k components orthonormal, those of the zero singular values included
        for c in [t.components, p.components] {
          var worst = 0.0
          for a in 0..<k {
            for b in 0..<k {
              var dot = 0.0
              for f in 0..<c.cols { dot += Double(c.data[a * c.cols + f]) * Double(c.data[b * c.cols + f]) }
              worst = max(worst, abs(dot - (a == b ? 1 : 0)))
            }
          }
          XCTAssertLessThan(worst, 1e-5, "\(label): components not orthonormal")
        }
        XCTAssertLessThan(relDiff(Array(p.singularValues.prefix(r)), Array(exactPCA.singularValues.prefix(r))), 1e-9, "PCA \(label)")
        XCTAssertLessThan(relDiff(Array(p.components.data.prefix(r * x.cols)).map(Double.init),
                                  Array(exactPCA.components.data.prefix(r * x.cols)).map(Double.init)), 1e-6, "PCA \(label)")
        if x.rows == 60 {
          XCTAssertLessThan(relDiff(p.transformed.data.map(Double.init), exactPCA.transformed.data.map(Double.init)), 1e-6, "PCA \(label)")
          XCTAssertLessThan(relDiff(t.transformed.data.map(Double.init), exact.transformed.data.map(Double.init)), 1e-6, label)
        }
      }
    }
  }

  /// Sparse PCA equals the dense full-solver `pca` of the densified matrix (components, variances).
  /// Wide data with a column far from 0 (a constant 10⁶ in every row): the centring must cancel in
  /// each column's own term. Forming XXᵀ and subtracting the Xμ terms after lost the spectrum to
  /// rounding (the formed AAᵀ was off by 10⁻⁵ and the Krylov iteration on it did not converge);
  /// both paths on AAᵀ agree with the dense PCA of the densified matrix.
  func testWideDataWithAColumnFarFromZero() throws {
    var x = try randomSparse(rows: 60, cols: 500, density: 0.08, seed: 13)
    var indptr = [0], indices = [Int32](), values = [Float]()
    for i in 0..<x.rows {
      var row = (x.indptr[i]..<x.indptr[i + 1]).map { (x.indices[$0], x.values[$0]) }.filter { $0.0 != 5 }
      row.append((5, 1e6))
      row.sort { $0.0 < $1.0 }
      for (c, v) in row { indices.append(c); values.append(v) }
      indptr.append(values.count)
    }
    x = try SparseMatrix(rows: x.rows, cols: x.cols, indptr: indptr, indices: indices, values: values)
    let reference = try pca(x.dense(), parameters: PCAParameters(nComponents: .count(6)))
    for limit in [100, 0] {
      let s = try pcaSparseFit(x, nComponents: 6, context: RunContext(threads: 2), denseMaxCols: limit)
      XCTAssertLessThan(relDiff(s.singularValues, reference.singularValues), 1e-9, "denseMaxCols=\(limit)")
      XCTAssertLessThan(relDiff(s.transformed.data.map(Double.init), reference.transformed.data.map(Double.init)), 1e-5,
                        "denseMaxCols=\(limit)")
    }
  }

  func testAgreesWithDensePCA() throws {
    let x = try randomSparse(rows: 400, cols: 60, density: 0.1, seed: 5)
    let s = try pcaSparse(x, nComponents: 6)
    let d = try pca(x.dense(), parameters: PCAParameters(nComponents: .count(6)))
    XCTAssertLessThan(relDiff(s.explainedVariance, d.explainedVariance), 1e-9)
    XCTAssertLessThan(relDiff(s.explainedVarianceRatio, d.explainedVarianceRatio), 1e-9)
    XCTAssertLessThan(relDiff(s.components.data.map(Double.init), d.components.data.map(Double.init)), 1e-5)
    XCTAssertLessThan(relDiff(s.transformed.data.map(Double.init), d.transformed.data.map(Double.init)), 1e-5)
  }

  /// Thread counts 1 and 2 give the same bits, for both solvers and both algorithms (rows > one chunk).
  func testThreadCountsGiveIdenticalBits() throws {
    let x = try randomSparse(rows: 1200, cols: 200, density: 0.05, seed: 9)
    for denseMaxCols in [sparseDenseMaxCols, 0] {
      let p1 = try pcaSparseFit(x, nComponents: 7, context: RunContext(threads: 1), denseMaxCols: denseMaxCols)
      let p2 = try pcaSparseFit(x, nComponents: 7, context: RunContext(threads: 2), denseMaxCols: denseMaxCols)
      XCTAssertEqual(p1, p2, "PCA denseMaxCols=\(denseMaxCols)")
      let t1 = try truncatedSVDFit(x, nComponents: 7, context: RunContext(threads: 1), denseMaxCols: denseMaxCols)
      let t2 = try truncatedSVDFit(x, nComponents: 7, context: RunContext(threads: 2), denseMaxCols: denseMaxCols)
      XCTAssertEqual(t1, t2, "TruncatedSVD denseMaxCols=\(denseMaxCols)")
    }
  }

  /// A `PCAModel` of a sparse fit transforms its sparse training data to the fit's projection exactly,
  /// and dense rows (through the dense `transform`) to within Float rounding.
  func testModelTransformsSparseRows() throws {
    let x = try randomSparse(rows: 300, cols: 50, density: 0.1, seed: 11)
    let r = try pcaSparse(x, nComponents: 4, context: RunContext(threads: 2))
    let model = try PCAModel(result: r, parameters: PCAParameters(nComponents: .count(4)))
    XCTAssertEqual(try model.transform(x, context: RunContext(threads: 1)), r.transformed)
    let dense = try model.transform(x.dense())
    XCTAssertLessThan(relDiff(dense.data.map(Double.init), r.transformed.data.map(Double.init)), 1e-5)
    XCTAssertThrowsError(try model.transform(try SparseMatrix(dense: Matrix(rows: 2, cols: 3, repeating: 1))))
  }

  /// k must satisfy 1 ≤ k < min(n, d) (ARPACK); empty data and data with one row or column are refused.
  func testBadInputIsRefused() throws {
    let x = try randomSparse(rows: 30, cols: 8, density: 0.4, seed: 2)
    for k in [0, -1, 8, 9] {
      XCTAssertThrowsError(try pcaSparse(x, nComponents: k)) { e in
        guard case AlgorithmError.invalidParameter(let name, _, let allowed) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(name, "n_components")
        XCTAssertTrue(allowed.contains("7"), allowed)
      }
      XCTAssertThrowsError(try truncatedSVD(x, nComponents: k)) { e in
        guard case AlgorithmError.invalidParameter(let name, _, _) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(name, "n_components")
      }
    }
    XCTAssertNoThrow(try pcaSparse(x, nComponents: 7))
    let empty = try SparseMatrix(rows: 0, cols: 5, indptr: [0], indices: [], values: [])
    XCTAssertThrowsError(try pcaSparse(empty, nComponents: 1)) { e in
      guard case AlgorithmError.invalidInput(let m) = e else { return XCTFail("\(e)") }
      XCTAssertTrue(m.contains("empty"), m)
    }
    XCTAssertThrowsError(try truncatedSVD(empty, nComponents: 1))
    let oneRow = try SparseMatrix(rows: 1, cols: 5, indptr: [0, 2], indices: [0, 3], values: [1, 2])
    XCTAssertThrowsError(try pcaSparse(oneRow, nComponents: 1)) { e in
      guard case AlgorithmError.invalidInput = e else { return XCTFail("\(e)") }
    }
  }

  /// All-zero data: no variance, zero components' variances and ratios, no error.
  func testZeroMatrix() throws {
    let x = try SparseMatrix(rows: 5, cols: 4, indptr: [0, 0, 0, 0, 0, 0], indices: [], values: [])
    let r = try pcaSparse(x, nComponents: 2)
    XCTAssertEqual(r.explainedVariance, [0, 0])
    XCTAssertEqual(r.explainedVarianceRatio, [0, 0])
    XCTAssertTrue(r.transformed.data.allSatisfy { $0 == 0 })
    let t = try truncatedSVDFit(x, nComponents: 2, context: RunContext(), denseMaxCols: 0)
    XCTAssertEqual(t.singularValues, [0, 0])
  }
}
