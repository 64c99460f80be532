import Foundation
import XCTest
@testable import ClusAlgorithms

/// Thread counts the sweep compares with one thread: `CLUS_TEST_THREADS` (comma-separated, e.g.
/// `CLUS_TEST_THREADS=2,3,8`), else 2, 3 and 8 — fewer, as many and more workers than chunks in places,
/// and more threads than this machine's cores.
let sweepThreadCounts: [Int] = {
  let spec = ProcessInfo.processInfo.environment["CLUS_TEST_THREADS"] ?? ""
  let parsed = spec.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 >= 1 }
  return parsed.isEmpty ? [2, 3, 8] : parsed
}()

/// Every parallel algorithm of the library on small data at several thread counts: each result must
/// equal the one-thread result bit for bit (the chunking depends on the problem size only,
/// docs/reliability.md). The sizes (up to 4,500 rows) are chosen so that the `parallelChunks` loops cut
/// their work into several chunks (of up to 4,096 rows), so that workers really run at once. `make test-tsan`
/// runs this class under ThreadSanitizer, which also checks that no two workers race.
final class ThreadSweepTests: XCTestCase {
  /// `blobs` Gaussian blobs of `perBlob` points in `d` dimensions, blob b centred at b·gap·(1, −1, 1, −1, …).
  private func blobs(_ blobs: Int, _ perBlob: Int, d: Int, gap: Float = 6, seed: UInt64) -> Matrix {
    var r = RandomStream(seed: seed)
    var m = Matrix(rows: blobs * perBlob, cols: d)
    for i in 0..<m.rows {
      for j in 0..<d { m[i, j] = Float(r.nextGaussian()) + Float(i / perBlob) * gap * (j % 2 == 0 ? 1 : -1) }
    }
    return m
  }

  /// Runs `body` with one thread, then with each of `sweepThreadCounts`, and asserts equal results.
  /// Returns the one-thread result for further checks.
  @discardableResult
  private func sweep<T: Equatable>(
    _ what: String, file: StaticString = #filePath, line: UInt = #line, _ body: (RunContext) throws -> T
  ) throws -> T {
    let one = try body(RunContext(threads: 1))
    for t in sweepThreadCounts {
      XCTAssertEqual(try body(RunContext(threads: t)), one, "\(what): \(t) threads differ from 1", file: file, line: line)
    }
    return one
  }

  func testNeighbourSearches() throws {
    let x = blobs(3, 1500, d: 12, seed: 1)  // 4500 rows: several 4096-, 1024- and 256-row chunks
    let exact = try sweep("exactKNN") { try exactKNN(x, k: 10, metric: .euclidean, context: $0) }
    XCTAssertEqual(exact.indices[0], 0)  // the point itself first
    let approx = try sweep("nnDescentKNN") { try nnDescentKNN(x, k: 10, metric: .euclidean, seed: 7, context: $0) }
    // NN-descent finds almost all of the true neighbours
    let hits = zip(exact.indices, approx.indices).filter { $0 == $1 }.count
    XCTAssertGreaterThan(Double(hits) / Double(exact.indices.count), 0.9)
    try sweep("nnDescentKNN cosine") { try nnDescentKNN(x, k: 8, metric: .cosine, seed: 3, nIters: 2, context: $0) }
    try sweep("nnDescentKNN manhattan") { try nnDescentKNN(x, k: 8, metric: .manhattan, seed: 3, nIters: 2, context: $0) }
    let small = blobs(2, 300, d: 5, seed: 2)
    try sweep("bruteForceKNN") { try bruteForceKNN(small, k: 6, metric: .chebyshev, context: $0) }
  }

  func testUMAPLayoutSpectralDensMAPAndTransform() throws {
    let x = blobs(2, 1100, d: 8, seed: 4)  // 2200 rows: two 2048-row chunks in the spectral initialisation
    let knn = try nnDescentKNN(x, k: 10, metric: .euclidean, seed: 1, context: RunContext(threads: 1))
    var p = UMAPParameters()
    p.nNeighbors = 10
    p.randomState = 42
    p.nEpochs = 8
    let fit = try sweep("umap") { try umap(x, knn: knn, parameters: p, context: $0).embedding }
    XCTAssertTrue(fit.allFinite)
    XCTAssertEqual(fit.rows, 2200)
    var dens = p
    dens.densmap = true
    dens.nEpochs = 6
    dens.initialization = .random
    try sweep("densMAP") { try umap(x, knn: knn, parameters: dens, context: $0).embedding }
    let new = blobs(2, 100, d: 8, seed: 5)
    let placed = try sweep("umapTransform") {
      try umapTransform(new, trainingData: x, embedding: fit, parameters: p, a: 1.577, b: 0.895, context: $0)
    }
    XCTAssertEqual(placed.rows, 200)
    XCTAssertTrue(placed.allFinite)
  }

  func testHDBSCANBoruvkaPrimCoreDistancesAndPrediction() throws {
    let x = blobs(3, 700, d: 4, gap: 8, seed: 6)
    var p = HDBSCANParameters(minClusterSize: 20, minSamples: 8)
    let approx = try sweep("hdbscan approximate Borůvka") { try hdbscan(x, parameters: p, context: $0) }
    XCTAssertEqual(Set(approx.labels.filter { $0 >= 0 }).count, 3)
    p.approxMinSpanTree = false
    let exact = try sweep("hdbscan exact Borůvka") { try hdbscan(x, parameters: p, context: $0) }
    XCTAssertEqual(exact.labels, approx.labels)
    var wide = p
    wide.metric = .manhattan
    try sweep("hdbscan manhattan") { try hdbscan(x, parameters: wide, context: $0) }
    let high = blobs(2, 300, d: 70, gap: 2, seed: 7)  // more than 60 columns: the brute-force core distances
    try sweep("hdbscan 70 columns") { try hdbscan(high, parameters: HDBSCANParameters(minClusterSize: 15), context: $0) }
    try sweep("primMST") {
      let (edges, core) = try primMST(x, minSamples: 8, alpha: 1, metric: .cosine, context: $0)
      return edges.map { [Double($0.a), Double($0.b), $0.weight] } + [core]
    }
    let new = blobs(3, 100, d: 4, gap: 8, seed: 8)
    try sweep("hdbscanApproximatePredict") {
      try hdbscanApproximatePredict(new, trainingData: x, result: exact, parameters: p, context: $0)
    }
    try sweep("hdbscanMembershipVectors") {
      try hdbscanMembershipVectors(new, trainingData: x, result: exact, parameters: p, context: $0)
    }
  }

  func testKMeansPCADBSCANAndScores() throws {
    let x = blobs(4, 1100, d: 10, seed: 9)  // 4400 rows: several 2048-row chunks and 512-row blocks
    for initialization in [KMeansInit.kMeansPlusPlus, .random] {
      let p = KMeansParameters(nClusters: 4, initialization: initialization, nInit: 2, maxIter: 20, randomState: 11)
      let r = try sweep("kmeans \(initialization)") { try kmeans(x, parameters: p, context: $0) }
      XCTAssertEqual(Set(r.labels).count, 4)
    }
    let pc = try sweep("pca") { try pca(x, parameters: PCAParameters(nComponents: .count(3)), context: $0) }
    XCTAssertGreaterThan(pc.explainedVarianceRatio[0], 0.5)
    let wide = blobs(2, 40, d: 150, seed: 10)  // n < d: the Gram-matrix path
    try sweep("pca n < d") { try pca(wide, parameters: PCAParameters(whiten: true), context: $0) }
    let y = blobs(4, 300, d: 10, seed: 13)  // 1200 rows: several 256-row chunks
    let db = try sweep("dbscan") { try dbscan(y, eps: 2.5, minSamples: 10, context: $0) }
    XCTAssertGreaterThanOrEqual(Set(db.labels.filter { $0 >= 0 }).count, 4)
    let emb = try pca(y, parameters: PCAParameters(nComponents: .count(3)), context: RunContext(threads: 1)).transformed
    let t = try sweep("trustworthiness") { try trustworthiness(y, emb, nNeighbors: 7, context: $0) }
    XCTAssertGreaterThan(t, 0.8)
    XCTAssertLessThanOrEqual(t, 1)
    try sweep("symmetricEigenLargest") {
      var a = [Double](repeating: 0, count: 80 * 80)
      for i in 0..<80 { for j in 0..<80 { a[i * 80 + j] = 1 / Double(i + j + 1) + (i == j ? Double(i) : 0) } }
      return try symmetricEigenLargest(a, n: 80, count: 30, threads: $0.threads)
    }
  }

  /// `Gemm` called from several workers at once on shared inputs, each writing its own rows: the same
  /// bits as one call.
  func testGemmFromConcurrentWorkers() throws {
    let m = 300, n = 70, k = 33
    var r = RandomStream(seed: 12)
    let a = (0..<(m * k)).map { _ in Float(r.nextGaussian()) }
    let b = (0..<(n * k)).map { _ in Float(r.nextGaussian()) }
    var whole = [Float](repeating: 0, count: m * n)
    Gemm.sgemmNT(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &whole, ldc: n)
    var dot = 0.0
    for p in 0..<k { dot += Double(a[5 * k + p]) * Double(b[9 * k + p]) }
    XCTAssertEqual(Double(whole[5 * n + 9]), dot, accuracy: 1e-4)
    try sweep("Gemm.sgemmNT in row chunks") { ctx -> [Float] in
      var c = [Float](repeating: .nan, count: m * n)
      a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
          c.withUnsafeMutableBufferPointer { cp in
            let (ab, bb, cb) = (ap.baseAddress!, bp.baseAddress!, cp.baseAddress!)
            parallelChunks(count: m, chunkSize: 37, threads: ctx.threads) { _, rows in
              Gemm.sgemmNT(m: rows.count, n: n, k: k, a: ab + rows.lowerBound * k, lda: k, b: bb, ldb: k,
                           c: cb + rows.lowerBound * n, ldc: n)
            }
          }
        }
      }
      XCTAssertEqual(c, whole)
      return c
    }
  }
}
