import Foundation
import XCTest
@testable import ClusAlgorithms

final class UMAPTests: XCTestCase {
  private func fixture(_ name: String) throws -> Any {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/umap/\(name)", withExtension: "json"))
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
  }

  private func blobs(_ nPer: Int, d: Int, gap: Float, seed: UInt64) -> Matrix {
    var r = RandomStream(seed: seed)
    var m = Matrix(rows: 2 * nPer, cols: d)
    for i in 0..<(2 * nPer) {
      for j in 0..<d { m[i, j] = Float(r.nextGaussian()) + (i < nPer ? 0 : gap) }
    }
    return m
  }

  private func params(seed: UInt64 = 42, epochs: Int? = nil) -> UMAPParameters {
    var p = UMAPParameters()
    p.randomState = seed
    p.nEpochs = epochs
    return p
  }

  // MARK: find_ab_params

  func testFindABParamsMatchesUmapLearn() throws {
    let rows = try XCTUnwrap(fixture("ab_params") as? [[String: Double]])
    XCTAssertGreaterThanOrEqual(rows.count, 5)
    for r in rows {
      let (a, b) = findABParams(spread: r["spread"]!, minDist: r["min_dist"]!)
      XCTAssertEqual(a, r["a"]!, accuracy: 1e-3 * r["a"]!, "a for \(r)")
      XCTAssertEqual(b, r["b"]!, accuracy: 1e-3 * r["b"]!, "b for \(r)")
    }
  }

  /// Spreads far from 1, where a fit started at (1, 1) does not move (umap-learn 0.5.12's
  /// `find_ab_params` returns (1, 1) for spread 10⁻⁶ and 10¹⁰⁰, and b = −70.5 for 10⁻³): the curve
  /// found follows the target, 1/(1 + a·x^(2b)) ≈ exp(−(x − min_dist)/spread) at one and two
  /// spreads beyond min_dist (e⁻¹ = 0.368 and e⁻² = 0.135, to 0.03 as the default fit does), with
  /// the b of spread 1 (the fit scales: x → x/spread). Where umap-learn's fit converges far from
  /// spread 1 its result stays: find_ab_params(1e5, 0.1) = (2.405623740361213e-08, 0.790496017361075)
  /// (to 10⁻⁴ relative: the two optimisers stop at slightly different points).
  func testFindABParamsAtExtremeSpreads() {
    let unit = findABParams(spread: 1, minDist: 0)
    for spread in [1e-3, 1e-6, 1e-10, 1e100] {
      let (a, b) = findABParams(spread: spread, minDist: 0)
      XCTAssertTrue(a > 0 && a.isFinite && b > 0, "spread \(spread): a \(a), b \(b)")
      XCTAssertEqual(b, unit.b, accuracy: 1e-9, "spread \(spread)")
      for (t, target) in [(1.0, 0.36788), (2.0, 0.13534)] {
        let x = t * spread
        let curve = 1 / (1 + a * Elementary.exp(2 * b * Elementary.log(x)))
        XCTAssertEqual(curve, target, accuracy: 0.03, "spread \(spread) at \(t) spreads")
      }
    }
    // spreads whose curve leaves float32 (the layout's arithmetic) are refused by name: spread
    // 1e-30 fits a = 5.2e47 (it ran, and the model's transform refused it), 1e30 a = 7.2e-48 (0 in
    // float32: no attraction)
    let x = blobs(20, d: 3, gap: 5, seed: 1)
    for spread in [1e-30, 1e30] {
      var p = params(epochs: 5)
      p.spread = spread
      p.minDist = 0
      XCTAssertThrowsError(try umap(x, parameters: p, context: RunContext(threads: 1))) {
        XCTAssertTrue("\($0)".contains("each must be a positive float32 number from 1.2e-38 to 3.4e38"), "\($0)")
      }
    }
    // a spread where no curve fits (the samples' powers overflow; the fit stays at a = b = 1, as
    // umap-learn's) is refused: it ran silently with a = b = 1
    for (spread, minDist) in [(1e200, 0.1), (1e90, 1e90)] {
      var p = params(epochs: 5)
      p.spread = spread
      p.minDist = minDist
      XCTAssertThrowsError(try umap(x, parameters: p, context: RunContext(threads: 1))) {
        XCTAssertTrue("\($0)".contains("no curve 1/(1 + a·d^(2b)) fits spread=\(spread)"), "\($0)")
      }
    }
    // umap-learn's own fits are far inside the bound (its worst over spreads 1e-3 to 1e4: 0.00098)
    XCTAssertLessThan(curveFitError(a: 1.577, b: 0.8951, spread: 1, minDist: 0.1), 0.001)
    XCTAssertLessThan(curveFitError(a: 1.6677, b: 1.9292, spread: 0.5, minDist: 0.5), 0.001)
    let far = findABParams(spread: 1e5, minDist: 0.1)
    XCTAssertEqual(far.a, 2.405623740361213e-08, accuracy: 1e-4 * 2.405623740361213e-08)
    XCTAssertEqual(far.b, 0.790496017361075, accuracy: 1e-4)
  }

  // MARK: smooth_knn_dist / fuzzy_simplicial_set

  private func fuzzyFixture() throws -> ([String: Any], KNNGraph) {
    let f = try XCTUnwrap(fixture("fuzzy") as? [String: Any])
    let n = f["n"] as! Int, k = f["k"] as! Int
    let idx = (f["knn_indices"] as! [Int]).map { Int32($0) }
    let dist = (f["knn_dists"] as! [Double]).map { Float($0) }
    return (f, KNNGraph(n: n, k: k, indices: idx, distances: dist))
  }

  func testSmoothKNNDistMatchesUmapLearn() throws {
    let (f, knn) = try fuzzyFixture()
    for (lc, key) in [(1.0, "lc1.0"), (1.5, "lc1.5")] {
      let (sigma, rho) = smoothKNNDist(knn.distances, rows: knn.n, cols: knn.k, k: Double(knn.k), localConnectivity: lc)
      let es = f["sigmas_\(key)"] as! [Double], er = f["rhos_\(key)"] as! [Double]
      for i in 0..<knn.n {
        XCTAssertEqual(rho[i], er[i], accuracy: 1e-5 * max(1, er[i]), "rho[\(i)] lc=\(lc)")
        XCTAssertEqual(sigma[i], es[i], accuracy: 1e-5 * max(1, es[i]), "sigma[\(i)] lc=\(lc)")
      }
    }
  }

  func testSmoothKNNDistHandComputedRow() {
    // one row, k = 3 columns: self (0), 1, 2. ρ = 1 (first non-zero distance).
    // Σ_{j≥1} exp(−max(0, d−ρ)/σ) = 1 + exp(−1/σ) must equal log2(3) → σ = −1/ln(log2(3) − 1).
    let (sigma, rho) = smoothKNNDist([0, 1, 2], rows: 1, cols: 3, k: 3)
    XCTAssertEqual(rho[0], 1, accuracy: 1e-12)
    let expected = -1 / log(log2(3.0) - 1)
    XCTAssertEqual(sigma[0], expected, accuracy: 1e-4 * expected)
    // local_connectivity = 1.5: ρ = 1 + 0.5·(2 − 1) = 1.5; the sum is 1 + exp(−0.5/σ).
    let (s2, r2) = smoothKNNDist([0, 1, 2], rows: 1, cols: 3, k: 3, localConnectivity: 1.5)
    XCTAssertEqual(r2[0], 1.5, accuracy: 1e-12)
    XCTAssertEqual(s2[0], -0.5 / log(log2(3.0) - 1), accuracy: 1e-4)
    // all distances zero: ρ = 0, σ floored at 1e-3·mean(all) = 0 → memberships 1
    let (s3, r3) = smoothKNNDist([0, 0, 0], rows: 1, cols: 3, k: 3)
    XCTAssertEqual(r3[0], 0)
    XCTAssertTrue(s3[0].isFinite)
  }

  func testFuzzySimplicialSetMatchesUmapLearn() throws {
    let (f, knn) = try fuzzyFixture()
    for (mix, key) in [(1.0, "mix1.0"), (0.5, "mix0.5")] {
      let g = fuzzySimplicialSet(knn: knn, setOpMixRatio: mix).graph
      let ref = f["graph_\(key)"] as! [String: [Double]]
      let rows = ref["rows"]!, cols = ref["cols"]!, vals = ref["vals"]!
      XCTAssertEqual(g.nnz, vals.count, "nnz for mix \(mix)")
      for t in 0..<vals.count {
        XCTAssertEqual(Double(g.weight(Int(rows[t]), Int(cols[t]))), vals[t], accuracy: 1e-5, "(\(rows[t]), \(cols[t]))")
      }
      // symmetric
      for i in 0..<g.n { for e in g.rowStart[i]..<g.rowStart[i + 1] { XCTAssertEqual(g.weights[e], g.weight(Int(g.columns[e]), i)) } }
    }
  }

  func testPowTableAccuracy() {
    for b: Float in [0.79, 0.895, 1.334, 1.916] {
      let pt = PowTable(exponent: b)
      pt.table.withUnsafeBufferPointer { t in
        var x: Float = 1e-35
        while x < 1e35 {
          let approx = Double(PowTable.lookup(x, b, t.baseAddress!)), exact = pow(Double(x), Double(b))
          if exact > Double(Float.leastNormalMagnitude) && exact < Double(Float.greatestFiniteMagnitude) {
            XCTAssertEqual(approx, exact, accuracy: 3e-5 * exact, "\(x)^\(b)")
          }
          x *= 1.0137
        }
      }
    }
  }

  /// The layout's two coefficient tables against their formulas in Double (glibc's pow), over
  /// the whole range of the table, for the curves of several (min_dist, spread).
  func testCurveTableAccuracy() {
    for (a, b): (Double, Double) in [(1.929, 0.7915), (1.577, 0.8951), (0.583, 1.334), (0.115, 1.916), (4.0, 0.6)] {
      let attraction = CurveTable { x in -2 * a * b * pow(x, b - 1) / (1 + a * pow(x, b)) }
      let repulsion = CurveTable { x in 2 * b / ((0.001 + x) * (1 + a * pow(x, b))) }
      var worst = 0.0
      for (which, table) in [attraction, repulsion].enumerated() {
        table.table.withUnsafeBufferPointer { t in
          var x: Float = 1e-35
          while x < 1e35 {
            let exact = which == 0 ? -2 * a * b * pow(Double(x), b - 1) / (1 + a * pow(Double(x), b))
              : 2 * b / ((0.001 + Double(x)) * (1 + a * pow(Double(x), b)))
            if let v = CurveTable.lookup(x, t.baseAddress!) {
              XCTAssert(x >= 7.8e-31 && x < 2.6e30, "\(x) is outside the table")
              if abs(exact) > Double(Float.leastNormalMagnitude) * 1e3 { worst = max(worst, abs(Double(v) - exact) / abs(exact)) }
            } else {
              XCTAssert(x < 8e-31 || x > 2.4e30, "\(x) is inside the table")
            }
            x *= 1.000731
          }
        }
      }
      print("curve table a=\(a) b=\(b): worst relative error \(worst)")
      XCTAssertLessThan(worst, 5e-7, "a=\(a) b=\(b)")
    }
  }

  func testEpochsPerSample() {
    XCTAssertEqual(makeEpochsPerSample([1, 0.5, 0.25, 0], nEpochs: 200), [1, 2, 4, -1])
  }

  // MARK: parameters

  func testParameterValidation() {
    func rejects(_ name: String, _ edit: (inout UMAPParameters) -> Void) {
      var p = UMAPParameters(); edit(&p)
      XCTAssertThrowsError(try p.validate(), name) { e in
        guard case .invalidParameter(let n, _, _)? = e as? AlgorithmError else { return XCTFail("\(e)") }
        XCTAssertEqual(n, name)
      }
    }
    XCTAssertNoThrow(try UMAPParameters().validate())
    rejects("n_neighbors") { $0.nNeighbors = 1 }
    rejects("n_components") { $0.nComponents = 0 }
    rejects("min_dist") { $0.minDist = 1.5 }
    rejects("min_dist") { $0.minDist = -0.1 }
    rejects("learning_rate") { $0.learningRate = -1 }
    rejects("set_op_mix_ratio") { $0.setOpMixRatio = 1.1 }
    rejects("set_op_mix_ratio") { $0.setOpMixRatio = -0.1 }
    rejects("negative_sample_rate") { $0.negativeSampleRate = -1 }
    rejects("n_epochs") { $0.nEpochs = -1 }
    rejects("repulsion_strength") { $0.repulsionStrength = -1 }
    // a and b are kept in float32 by the layout
    rejects("a") { $0.a = 4e38 }
    rejects("b") { $0.b = 4e38 }
    var big = UMAPParameters()
    big.a = 3e38
    big.b = 3e38
    XCTAssertNoThrow(try big.validate())
    // a lone a or b: umap-learn ignores it and fits both; refused by name (clus used it and fitted
    // the other, a curve umap-learn never gives)
    rejects("a") { $0.a = 1 }
    rejects("b") { $0.b = 1 }
    XCTAssertEqual(UMAPParameters().epochs(forPoints: 10_000), 500)
    XCTAssertEqual(UMAPParameters().epochs(forPoints: 10_001), 200)
    XCTAssertEqual(UMAPParameters().neighbors(forPoints: 15), 14)
    XCTAssertEqual(UMAPParameters().neighbors(forPoints: 16), 15)
  }

  // MARK: layout

  /// A large b: a·x^b overflows double from x ≈ 1,200 on for b = 100, where the attraction
  /// coefficient −2ab·x^{b−1}/(1 + a·x^b) is −2b/x to double precision (it was inf/inf: NaN, and
  /// every such run "diverged"). umap-learn gives a finite embedding there too.
  func testALargeBKeepsTheLayoutFinite() throws {
    let table = CurveTable { x in
      let pb = pow(x, 100.0)
      return !(pb <= 1e300) ? -200 / x : -200 * (pb / x) / (pb + 1)
    }
    table.table.withUnsafeBufferPointer { t in
      for x: Float in [0.5, 1, 1.5, 2, 1000, 5000, 1e20] {
        let v = Double(CurveTable.lookup(x, t.baseAddress!)!), exact = x < 2 ? -200 * pow(Double(x), 99) / (pow(Double(x), 100) + 1) : -200 / Double(x)
        XCTAssertEqual(v, exact, accuracy: 1e-6 * abs(exact) + 1e-300, "\(x)")
      }
    }
    var p = params(epochs: 100)
    p.a = 1
    p.b = 100
    let fit = try umap(blobs(100, d: 5, gap: 8, seed: 3), parameters: p, context: RunContext(threads: 2))
    XCTAssertTrue((0..<fit.embedding.data.count).allSatisfy { fit.embedding.data[$0].isFinite })
  }

  /// The 2-D loop (position in registers, negative samples drawn before the attraction) gives
  /// the general loop's bits: a random symmetric graph of 3,000 vertices (several blocks per
  /// round, so own, snapshotted and deferred tails), one loop edge, random weights, 1 and 2
  /// threads, and a negative-sample rate above the 2-D loop's batch of 32.
  func testTwoDimensionalLayoutLoopEqualsTheGeneralLoop() throws {
    let n = 3000
    var r = RandomStream(seed: 7)
    var adj = [[Int32: Float]](repeating: [:], count: n)
    for i in 0..<n {
      for _ in 0..<6 {
        let j = r.nextInt(n)
        if j == i { continue }
        let w = Float(r.nextDouble()) * 0.99 + 0.01
        adj[i][Int32(j)] = w; adj[j][Int32(i)] = w
      }
    }
    // a loop edge after the vertex's other edges (which move it first); a fuzzy graph has none
    adj[n - 1][Int32(n - 1)] = 0.5
    var rs = [0], cols = [Int32](), ws = [Float]()
    for i in 0..<n {
      for (c, w) in adj[i].sorted(by: { $0.key < $1.key }) { cols.append(c); ws.append(w) }
      rs.append(cols.count)
    }
    let g = FuzzyGraph(n: n, rowStart: rs, columns: cols, weights: ws)
    var start = [Float](repeating: 0, count: 2 * n)
    for i in 0..<(2 * n) { start[i] = Float(r.nextDouble() * 20 - 10) }
    let eps = makeEpochsPerSampleFloat(ws, nEpochs: 30)
    for rate in [5.0, 40.0] {
      var reference: [Float]? = nil
      for (threads, loop) in [(1, false), (1, true), (2, true), (2, false)] {
        var settings = LayoutSettings(a: 1.577, b: 0.895, gamma: 1, initialAlpha: 1, negativeSampleRate: rate,
                                      nEpochs: 30, seed: 11)
        settings.twoDimensionalLoop = loop
        var y = start
        try optimizeLayoutEuclidean(embedding: &y, dim: 2, graph: g, epochsPerSample: eps, settings: settings,
                                    context: RunContext(threads: threads))
        XCTAssertNotEqual(y, start)
        if let ref = reference {
          XCTAssertEqual(y.map(\.bitPattern), ref.map(\.bitPattern), "rate \(rate), \(threads) threads, 2-D loop \(loop)")
        } else {
          reference = y
        }
      }
    }
  }

  // MARK: spectral solver

  /// A ring of n vertices with unit weights (each joined to its two neighbours).
  private func ringGraph(_ n: Int) -> FuzzyGraph {
    var rs = [0], cols = [Int32](), ws = [Float]()
    for i in 0..<n {
      let a = (i + n - 1) % n, b = (i + 1) % n
      for c in [a, b].sorted() { cols.append(Int32(c)); ws.append(1) }
      rs.append(cols.count)
    }
    return FuzzyGraph(n: n, rowStart: rs, columns: cols, weights: ws)
  }

  func testSpectralSolverOnRingGraph() throws {
    // ring of n vertices, unit weights: M = W/2 has eigenvalues cos(2πk/n); the two largest
    // non-trivial ones are cos(2π/n) (double) and the eigenvectors are cos/sin waves.
    let n = 400
    let g = ringGraph(n)
    let sol = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, threads: 2, cancel: CancellationToken()))
    XCTAssertTrue(sol.converged)
    for v in sol.values { XCTAssertEqual(v, cos(2 * Double.pi / Double(n)), accuracy: 1e-9) }
    // the layout is a circle: every point at the same radius
    var r = [Double]()
    for i in 0..<n {
      let u = sol.vectors[2 * i], v = sol.vectors[2 * i + 1]
      r.append((u * u + v * v).squareRoot())
    }
    XCTAssertLessThan((r.max()! - r.min()!) / r.max()!, 1e-3)
  }

  /// The Chebyshev filter on the ring's eigenvectors (M = W/2, eigenvalues cos(2πk/n), eigenvectors
  /// the cos and sin waves of frequency k): each column comes back multiplied by Tₐ((λ − c)/e), the
  /// Chebyshev polynomial of the filter's degree computed here from its closed forms (cosh of
  /// d·acosh above the interval, cos of d·acos inside it), c and e the centre and half-width of
  /// [−1, cut]; above the cut the wave grows by orders of magnitude, below it it stays within 1.
  func testChebyshevFilterScalesEachEigenvectorByThePolynomial() {
    let n = 400
    let op = NormalizedAdjacency(ringGraph(n))
    let ks = [1, 3, 40, 150]
    var x = [Double](repeating: 0, count: n * ks.count)
    for i in 0..<n { for (c, k) in ks.enumerated() { x[i * ks.count + c] = cos(2 * Double.pi * Double(k * i) / Double(n)) } }
    let cut = 0.9, degree = 16
    let y = chebyshevFilter(op, x, ks.count, degree: degree, cut: cut, threads: 3)
    let e = (cut + 1) / 2, centre = (cut - 1) / 2
    for (c, k) in ks.enumerated() {
      let t = (cos(2 * Double.pi * Double(k) / Double(n)) - centre) / e
      let p = abs(t) >= 1 ? cosh(Double(degree) * acosh(abs(t))) * (t < 0 && degree % 2 == 1 ? -1 : 1) : cos(Double(degree) * acos(t))
      for i in 0..<n {
        XCTAssertEqual(y[i * ks.count + c], p * x[i * ks.count + c], accuracy: 1e-9 * max(1, abs(p)), "k \(k), row \(i)")
      }
      if k <= 3 { XCTAssertGreaterThan(abs(p), 100, "k \(k) lies above the cut") } else { XCTAssertLessThanOrEqual(abs(p), 1, "k \(k)") }
    }
    XCTAssertEqual(y.map(\.bitPattern), chebyshevFilter(op, x, ks.count, degree: degree, cut: cut, threads: 1).map(\.bitPattern))
  }

  /// `NormalizedAdjacency.apply`, with the AVX kernel and without, gives the bits of the plain sum
  /// written out here (0 plus each rounded product, in the row's entry order) for 1 to 16 columns, on
  /// a random graph with empty rows, a self-loop and rows of up to 40 entries, at 1 and 3 threads.
  func testAdjacencyProductMatchesThePlainSum() {
    var rng = RandomStream(seed: 29)
    let n = 2_600
    var rs = [0], cols = [Int32]()
    for i in 0..<n {
      let count = i % 97 == 0 ? 0 : rng.nextInt(40) + 1
      for _ in 0..<count { cols.append(Int32(i == 5 ? 5 : rng.nextInt(n))) }
      rs.append(cols.count)
    }
    let weights = (0..<cols.count).map { _ in rng.nextDouble() }
    let op = NormalizedAdjacency(n: n, rowStart: rs, columns: cols) { weights[$0] }
    for p in 1...16 {
      var x = (0..<(n * p)).map { _ in rng.nextGaussian() }
      x[7 * p] = -0.0
      var want = [Double](repeating: 0, count: n * p)
      for i in 0..<n {
        for j in 0..<p {
          var s = 0.0
          for e in rs[i]..<rs[i + 1] { s += op.values[e] * x[Int(cols[e]) * p + j] }
          want[i * p + j] = s
        }
      }
      for avx in [false, true] where !avx || Gemm.avx {
        for threads in [1, 3] {
          var got = [Double](repeating: .nan, count: n * p)
          x.withUnsafeBufferPointer { xp in got.withUnsafeMutableBufferPointer { gp in op.apply(xp.baseAddress!, gp.baseAddress!, p, threads: threads, avx: avx) } }
          XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "\(p) columns, avx \(avx), \(threads) threads")
        }
      }
    }
  }

  /// `blockGram` gives the bits of its former definition: each chunk of 2,048 rows transposed and
  /// multiplied by `Gemm.dgemmNT` (AVX tiles and the plain kernel alike), the chunks summed in order;
  /// odd and even row counts, a single short chunk, block widths 1 to 18, 1 and 3 threads.
  func testBlockGramMatchesTransposedProducts() {
    var rng = RandomStream(seed: 11)
    for (n, p, q) in [(1, 1, 1), (7, 3, 5), (2048, 6, 6), (2049, 1, 12), (6145, 18, 18), (5000, 12, 7),
                      (3001, 4, 4), (4097, 5, 21), (2050, 3, 42), (2, 2, 17)] {
      let a = (0..<(n * p)).map { _ in rng.nextGaussian() * 3 }
      let b = (0..<(n * q)).map { _ in rng.nextGaussian() }
      for avx in [false, true] where !avx || Gemm.avx {
        var ref = [Double](repeating: 0, count: p * q)
        var r0 = 0
        while r0 < n {
          let m = min(2048, n - r0)
          var at = [Double](repeating: 0, count: p * m), bt = [Double](repeating: 0, count: q * m)
          var part = [Double](repeating: 0, count: p * q)
          a.withUnsafeBufferPointer { ap in Gemm.transpose(rows: m, cols: p, ap.baseAddress! + r0 * p, lds: p, into: &at) }
          b.withUnsafeBufferPointer { bp in Gemm.transpose(rows: m, cols: q, bp.baseAddress! + r0 * q, lds: q, into: &bt) }
          Gemm.dgemmNT(m: p, n: q, k: m, a: at, lda: m, b: bt, ldb: m, c: &part, ldc: q, upperOnly: false, avx: avx)
          for t in 0..<(p * q) { ref[t] += part[t] }
          r0 += m
        }
        for threads in [1, 3] {
          let got = a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in blockGram(ap.baseAddress!, p, bp.baseAddress!, q, n, threads: threads) } }
          XCTAssertEqual(got.map(\.bitPattern), ref.map(\.bitPattern), "n \(n), \(p) × \(q), avx \(avx), \(threads) threads")
        }
      }
    }
  }

  /// A torus lattice of l1 × l2 vertices with unit weights (each joined to its four neighbours):
  /// M = W/4 has eigenvalues (cos(2πa/l1) + cos(2πb/l2))/2.
  private func torusGraph(_ l1: Int, _ l2: Int) -> FuzzyGraph {
    var rs = [0], cols = [Int32](), ws = [Float]()
    for i in 0..<l1 {
      for j in 0..<l2 {
        let nb = [((i + l1 - 1) % l1) * l2 + j, ((i + 1) % l1) * l2 + j, i * l2 + (j + l2 - 1) % l2, i * l2 + (j + 1) % l2]
        for c in nb.sorted() { cols.append(Int32(c)); ws.append(1) }
        rs.append(cols.count)
      }
    }
    return FuzzyGraph(n: l1 * l2, rowStart: rs, columns: cols, weights: ws)
  }

  /// Aggregation on a path 0–1–2–3–4–5–6 with weights 1, 2, 3, 4, 5, 6 (by hand): vertex 0 takes
  /// {0, 1}; 1 and 2 have a taken neighbour; 3 takes {2, 3, 4}; 5 has a taken neighbour; 6 takes
  /// {5, 6}. The coarse graph: aggregates A = {0, 1}, B = {2, 3, 4}, C = {5, 6}; weights A–A 2·1,
  /// A–B 2, B–B 2·(3 + 4), B–C 5, C–C 2·6 (inner edges counted from both ends), so degrees
  /// 4, 21, 17 = the sums of the vertices' degrees.
  func testGraphAggregationAndCoarseningByHand() throws {
    let w: [Float] = [1, 2, 3, 4, 5, 6]
    var rs = [0], cols = [Int32](), ws = [Float]()
    for i in 0..<7 {
      if i > 0 { cols.append(Int32(i - 1)); ws.append(w[i - 1]) }
      if i < 6 { cols.append(Int32(i + 1)); ws.append(w[i]) }
      rs.append(cols.count)
    }
    let op = NormalizedAdjacency(FuzzyGraph(n: 7, rowStart: rs, columns: cols, weights: ws))
    let (agg, count) = aggregateVertices(op)
    XCTAssertEqual(agg, [0, 0, 1, 1, 1, 2, 2])
    XCTAssertEqual(count, 3)
    let coarse = coarsenedAdjacency(op, aggregate: agg, count: count)
    XCTAssertEqual(coarse.n, 3)
    // M of the coarse graph by hand: w_ab / √(d_a d_b)
    let d: [Double] = [4, 21, 17]
    let expected: [[Double]] = [[2, 2, 0], [2, 14, 5], [0, 5, 12]]
    for a in 0..<3 {
      var row = [Double](repeating: 0, count: 3)
      for e in coarse.rowStart[a]..<coarse.rowStart[a + 1] { row[Int(coarse.columns[e])] += coarse.values[e] }
      for b in 0..<3 { XCTAssertEqual(row[b], expected[a][b] / (d[a] * d[b]).squareRoot(), accuracy: 1e-12, "entry \(a), \(b)") }
    }
    for a in 0..<3 { XCTAssertEqual(coarse.trivial[a], (d[a] / 42).squareRoot(), accuracy: 1e-12) }
  }

  /// The multilevel start on a 90 × 60 torus (coarsened down to 300 vertices): the same
  /// eigenvalue as the formula, (1 + cos(2π/90))/2 twice, and vectors spanning the same plane
  /// as the plain solver's (the eigenvalue is double: any basis of the plane is right; by
  /// Davis–Kahan each solver's plane is within ‖R‖_F/gap ≤ √2·tol/gap of the true one, the gap
  /// to the next eigenvalue (1 + cos(2π/60))/2 being 0.0015); the fine
  /// level needs fewer iterations than the plain solver from a random block; the same bits for
  /// 1 and 3 threads.
  func testMultilevelSpectralStartOnTorus() throws {
    let g = torusGraph(90, 60)
    let n = g.n
    let plain = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, maxIter: 2_000, threads: 2, cancel: CancellationToken()))
    let ml = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, maxIter: 2_000, multilevelFrom: 1_000, coarsest: 300, threads: 1, cancel: CancellationToken()))
    let ml3 = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, maxIter: 2_000, multilevelFrom: 1_000, coarsest: 300, threads: 3, cancel: CancellationToken()))
    XCTAssertTrue(plain.converged); XCTAssertTrue(ml.converged)
    let lambda = (1 + cos(2 * Double.pi / 90)) / 2
    for v in plain.values + ml.values { XCTAssertEqual(v, lambda, accuracy: 1e-9) }
    XCTAssertLessThan(ml.iterations * 2, plain.iterations, "fine iterations: multilevel \(ml.iterations), plain \(plain.iterations)")
    XCTAssertEqual(ml.vectors.map(\.bitPattern), ml3.vectors.map(\.bitPattern))
    // the multilevel vectors lie in the plain solver's plane: ‖v − P v‖/‖v‖ ≤ 2·√2·tol/gap for each
    let gap = lambda - (1 + cos(2 * Double.pi / 60)) / 2
    let bound = 2 * 2.0.squareRoot() * 1e-6 / gap
    for c in 0..<2 {
      var proj = [Double](repeating: 0, count: n)
      var norm2 = 0.0
      for i in 0..<n { norm2 += ml.vectors[i * 2 + c] * ml.vectors[i * 2 + c] }
      for b in 0..<2 {
        var dot = 0.0, pb2 = 0.0
        for i in 0..<n { dot += plain.vectors[i * 2 + b] * ml.vectors[i * 2 + c]; pb2 += plain.vectors[i * 2 + b] * plain.vectors[i * 2 + b] }
        for i in 0..<n { proj[i] += dot / pb2 * plain.vectors[i * 2 + b] }
      }
      var rest = 0.0
      for i in 0..<n { let t = ml.vectors[i * 2 + c] - proj[i]; rest += t * t }
      XCTAssertLessThan((rest / norm2).squareRoot(), bound, "vector \(c)")
    }
  }

  /// Stopped by maxIter (20 iterations: the last one re-orthonormalises the block), the values
  /// returned are the Rayleigh quotients vᵀMv / vᵀv of the vectors returned, computed here from
  /// the torus's M = W/4 (each vertex's four neighbours); they had been zeros.
  func testSpectralValuesWhenStoppedByMaxIter() throws {
    let (l1, l2) = (90, 60)
    let g = torusGraph(l1, l2)
    for maxIter in [19, 20] {
      let s = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-12, maxIter: maxIter, threads: 2, cancel: CancellationToken()))
      XCTAssertFalse(s.converged)
      XCTAssertEqual(s.iterations, maxIter)
      for c in 0..<2 {
        var vmv = 0.0, vv = 0.0
        for i in 0..<l1 {
          for j in 0..<l2 {
            let nb = [((i + l1 - 1) % l1) * l2 + j, ((i + 1) % l1) * l2 + j, i * l2 + (j + l2 - 1) % l2, i * l2 + (j + 1) % l2]
            let v = s.vectors[(i * l2 + j) * 2 + c]
            vmv += v * nb.reduce(0.0) { $0 + s.vectors[$1 * 2 + c] } / 4
            vv += v * v
          }
        }
        XCTAssertEqual(s.values[c], vmv / vv, accuracy: 1e-12, "maxIter \(maxIter), vector \(c)")
      }
    }
  }

  /// A spectral start accepted before convergence says so: the torus stopped at an iteration
  /// count where the solver's residual lies between 1e-4 and 1e-2 (found from the solver itself)
  /// warns once; converged (the default 500), no warning.
  func testUnconvergedSpectralStartWarns() throws {
    final class Warnings: @unchecked Sendable { var list = [String]() }
    let g = torusGraph(90, 60)
    let stop = try XCTUnwrap(try [20, 40, 60, 80, 100, 150, 200].first { it in
      let s = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, maxIter: it, threads: 2, cancel: CancellationToken()))
      return !s.converged && s.maxResidual <= 1e-2
    })
    let w = Warnings()
    let ctx = RunContext(threads: 2, warn: { w.list.append($0) })
    XCTAssertNotNil(try connectedSpectralLayout(g, dim: 2, seed: 1, key: 0, maxIter: stop, context: ctx))
    XCTAssertEqual(w.list, ["spectral initialisation of 5400 points stopped after \(stop) iterations, before its residual reached 1e-4; the layout starts from approximate eigenvectors"])
    w.list = []
    XCTAssertNotNil(try connectedSpectralLayout(g, dim: 2, seed: 1, key: 0, context: ctx))
    XCTAssertEqual(w.list, [])
  }

  private final class SpectralProgress: ProgressSink, @unchecked Sendable {
    var begun: [(String, Int)] = []
    var updates: [Int] = []
    var ended = 0
    func begin(_ label: String, total: Int) { begun.append((label, total)) }
    func update(_ done: Int) { updates.append(done) }
    func end() { ended += 1 }
  }

  /// The eigensolver's progress: one phase, updates rising (log of the residual's way to the
  /// tolerance) and at the total once converged, then closed; the same vectors as without a sink.
  func testSpectralSolverReportsItsWayToTheTolerance() throws {
    let n = 400
    let g = ringGraph(n)
    let rec = SpectralProgress()
    let sol = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, threads: 2, cancel: CancellationToken(), progress: rec))
    let plain = try XCTUnwrap(try largestNonTrivialEigenvectors(g, dim: 2, seed: 1, key: 0, tol: 1e-6, threads: 2, cancel: CancellationToken()))
    XCTAssertTrue(sol.converged)
    XCTAssertEqual(sol.vectors, plain.vectors)
    XCTAssertEqual(rec.begun.map(\.0), ["spectral initialisation"])
    XCTAssertEqual(rec.begun.first?.1, 1_000)
    XCTAssertEqual(rec.ended, 1)
    XCTAssertGreaterThan(rec.updates.count, 2, "several iterations report")
    XCTAssertEqual(rec.updates, rec.updates.sorted(), "monotone")
    XCTAssertEqual(Set(rec.updates).count, rec.updates.count, "each update moves")
    XCTAssertEqual(rec.updates.last, 1_000)
  }

  // MARK: embeddings

  func testBitIdenticalForThreadCounts() throws {
    let x = blobs(150, d: 5, gap: 4, seed: 3)
    let knn = try bruteForceKNN(x, k: 15)
    let p = params(epochs: 60)
    let e1 = try umap(x, knn: knn, parameters: p, context: RunContext(threads: 1)).embedding
    let e2 = try umap(x, knn: knn, parameters: p, context: RunContext(threads: 2)).embedding
    let e3 = try umap(x, knn: knn, parameters: p, context: RunContext(threads: 3)).embedding
    XCTAssertEqual(e1.data, e2.data)
    XCTAssertEqual(e1.data, e3.data)
    var q = p; q.randomState = 43
    XCTAssertNotEqual(try umap(x, knn: knn, parameters: q, context: RunContext(threads: 2)).embedding.data, e1.data)
  }

  func testSeparatesTwoBlobs() throws {
    let x = blobs(100, d: 10, gap: 8, seed: 5)
    for initialization in UMAPInit.allCases {
      var p = params(epochs: 200)
      p.initialization = initialization
      let r = try umap(x, parameters: p, context: RunContext(threads: 2))
      XCTAssertEqual(r.embedding.rows, 200); XCTAssertEqual(r.embedding.cols, 2)
      XCTAssertTrue(r.embedding.allFinite)
      // centroids far apart relative to the spread of each blob
      func centroid(_ rg: Range<Int>) -> (Float, Float) {
        var cx: Float = 0, cy: Float = 0
        for i in rg { cx += r.embedding[i, 0]; cy += r.embedding[i, 1] }
        return (cx / Float(rg.count), cy / Float(rg.count))
      }
      let c0 = centroid(0..<100), c1 = centroid(100..<200)
      let gx = c0.0 - c1.0, gy = c0.1 - c1.1
      let gap = (gx * gx + gy * gy).squareRoot()
      var maxR: Float = 0
      for i in 0..<200 {
        let c = i < 100 ? c0 : c1
        let dx = r.embedding[i, 0] - c.0, dy = r.embedding[i, 1] - c.1
        maxR = max(maxR, (dx * dx + dy * dy).squareRoot())
      }
      XCTAssertGreaterThan(gap, 2 * maxR, "init \(initialization)")
      // every point's nearest embedded neighbour is in its own blob
      for i in 0..<200 {
        var best = Float.infinity, bj = -1
        for j in 0..<200 where j != i {
          let dx = r.embedding[i, 0] - r.embedding[j, 0], dy = r.embedding[i, 1] - r.embedding[j, 1]
          let d = dx * dx + dy * dy
          if d < best { best = d; bj = j }
        }
        XCTAssertEqual(bj < 100, i < 100)
      }
    }
  }

  func testThreeDimensionsAndDisconnectedComponents() throws {
    // four far-apart clusters: the kNN graph is disconnected → multi-component layout
    var r = RandomStream(seed: 9)
    var x = Matrix(rows: 160, cols: 3)
    for i in 0..<160 { for j in 0..<3 { x[i, j] = Float(r.nextGaussian()) * 0.1 + Float((i / 40) * 100) } }
    var p = params(epochs: 50); p.nComponents = 3
    let res = try umap(x, parameters: p, context: RunContext(threads: 2))
    XCTAssertEqual(res.embedding.cols, 3)
    XCTAssertTrue(res.embedding.allFinite)
    XCTAssertEqual(connectedComponents(fuzzySimplicialSet(knn: res.knn).graph).count, 4)
  }

  /// A disconnected graph's components are laid out each on its own (the small ones side by side,
  /// one thread each): the layout is the same bits for 1 and 3 threads, and each component's rows
  /// are its own spectral layout (`connectedSpectralLayout` of the component alone, one thread,
  /// its key c + 1) scaled and moved as a whole: (u_i − u_0) = s · (e_i − e_0) with one s per
  /// component. Components of 3 points (placed at random, below 2·dim), 40, 300 and 2,500 points,
  /// each a ring joined to its next two vertices with seeded weights.
  func testDisconnectedComponentsLaidOutEachOnItsOwn() throws {
    let sizes = [40, 3, 2500, 300]
    var r = RandomStream(seed: 21)
    var edges = [[(Int, Float)]]()
    var firstOf = [Int]()
    for m in sizes {
      let base = edges.count
      firstOf.append(base)
      for _ in 0..<m { edges.append([]) }
      for i in 0..<m {
        for step in 1...2 where m > 2 * step {
          let j = (i + step) % m, w = Float(0.2 + 0.8 * r.nextDouble())
          edges[base + i].append((base + j, w)); edges[base + j].append((base + i, w))
        }
      }
    }
    let n = edges.count
    var rowStart = [0], cols = [Int32](), ws = [Float]()
    for i in 0..<n {
      for (j, w) in edges[i].sorted(by: { $0.0 < $1.0 }) { cols.append(Int32(j)); ws.append(w) }
      rowStart.append(cols.count)
    }
    let g = FuzzyGraph(n: n, rowStart: rowStart, columns: cols, weights: ws)
    let x = UMAPData.dense(Matrix(rows: n, cols: 2, repeating: 0))
    XCTAssertEqual(connectedComponents(g).count, sizes.count)
    let one = try XCTUnwrap(spectralLayout(g, x: x, metric: .euclidean, dim: 2, seed: 5, context: RunContext(threads: 1)))
    let three = try XCTUnwrap(spectralLayout(g, x: x, metric: .euclidean, dim: 2, seed: 5, context: RunContext(threads: 3)))
    XCTAssertEqual(one.map { $0.bitPattern }, three.map { $0.bitPattern })
    for (c, m) in sizes.enumerated() where m >= 4 {
      let vs = Array(firstOf[c]..<(firstOf[c] + m))
      var local = [Int](repeating: -1, count: n)
      for (li, v) in vs.enumerated() { local[v] = li }
      let e = try XCTUnwrap(connectedSpectralLayout(inducedSubgraph(g, vs, local), dim: 2, seed: 5, key: UInt64(c + 1),
                                                    context: RunContext(threads: 1)))
      var scale: Double? = nil
      for li in 1..<m {
        for t in 0..<2 where abs(e[li * 2 + t] - e[t]) > 1e-3 {
          let s = (one[vs[li] * 2 + t] - one[vs[0] * 2 + t]) / (e[li * 2 + t] - e[t])
          if let s0 = scale { XCTAssertEqual(s, s0, accuracy: 1e-9 * abs(s0), "component \(c) row \(li)") } else { scale = s }
        }
      }
      XCTAssertNotNil(scale, "component \(c)")
    }
  }

  func testTinyAndDegenerateInputs() throws {
    final class Warnings: @unchecked Sendable { var list = [String]() }
    let w = Warnings()
    let ctx = RunContext(threads: 2, warn: { w.list.append($0) })
    // n = 1 → zeros
    let one = try umap(Matrix(rows: 1, cols: 3, data: [1, 2, 3]), parameters: params(), context: ctx)
    XCTAssertEqual(one.embedding.data, [0, 0])
    // n from 2 to n_neighbors: warning, n_neighbors = n − 1, finite output
    for n in [2, 3, 4, 5, 8, 15] {
      w.list = []
      var r = RandomStream(seed: UInt64(n))
      let x = Matrix(rows: n, cols: 4, data: (0..<(4 * n)).map { _ in Float(r.nextGaussian()) })
      for initialization in UMAPInit.allCases {
        var p = params(epochs: 30); p.initialization = initialization
        let res = try umap(x, parameters: p, context: ctx)
        XCTAssertTrue(res.embedding.allFinite, "n = \(n) \(initialization)")
        XCTAssertEqual(res.nNeighbors, n - 1)
      }
      XCTAssertTrue(w.list.contains { $0.contains("n_neighbors") }, "n = \(n)")
      // a spectral layout of 2 dimensions needs 4 points: 3 is said as such, not as a failure of the
      // eigensolver (2 points are placed without one)
      if n >= 3 {
        XCTAssertEqual(w.list.contains { $0.contains("spectral initialisation needs at least 4 points for 2 dimensions (got \(n))") },
                       n == 3, "n = \(n): \(w.list)")
      }
      XCTAssertFalse(w.list.contains { $0.contains("did not converge") }, "n = \(n): \(w.list)")
    }
    var r = RandomStream(seed: 1)
    // duplicate rows
    var dup = Matrix(rows: 60, cols: 3, data: (0..<180).map { _ in Float(r.nextGaussian()) })
    for i in 30..<60 { for j in 0..<3 { dup[i, j] = dup[i - 30, j] } }
    // all rows identical
    let same = Matrix(rows: 40, cols: 3, repeating: 2.5)
    // one column
    let oneCol = Matrix(rows: 50, cols: 1, data: (0..<50).map { _ in Float(r.nextGaussian()) })
    // a constant column
    var constCol = Matrix(rows: 50, cols: 3, data: (0..<150).map { _ in Float(r.nextGaussian()) })
    for i in 0..<50 { constCol[i, 1] = 7 }
    for (name, x) in [("duplicates", dup), ("identical", same), ("one column", oneCol), ("constant column", constCol)] {
      for initialization in UMAPInit.allCases {
        var p = params(epochs: 40); p.initialization = initialization
        // umap-learn's PCA start (scikit-learn's PCA) refuses 2 components of 1 column
        if initialization == .pca && x.cols < 2 {
          XCTAssertThrowsError(try umap(x, parameters: p, context: ctx), name)
          continue
        }
        let res = try umap(x, parameters: p, context: ctx)
        XCTAssertTrue(res.embedding.allFinite, "\(name) \(initialization)")
        XCTAssertEqual(res.embedding.rows, x.rows)
      }
    }
    // bad inputs: clear errors
    XCTAssertThrowsError(try umap(Matrix(rows: 0, cols: 2), parameters: params(), context: ctx))
    XCTAssertThrowsError(try umap(Matrix(rows: 3, cols: 1, data: [1, .nan, 2]), parameters: params(), context: ctx))
    let x = blobs(20, d: 2, gap: 3, seed: 1)
    let knn5 = try bruteForceKNN(x, k: 5)
    XCTAssertThrowsError(try umap(x, knn: knn5, parameters: params(), context: ctx))  // needs 15 columns
  }

  func testProgressAndCancellation() throws {
    final class Recorder: ProgressSink, @unchecked Sendable {
      var label = "", total = 0, last = 0
      func begin(_ l: String, total t: Int) { label = l; total = t }
      func update(_ d: Int) { last = d }
      func end() {}
    }
    let rec = Recorder()
    let x = blobs(30, d: 3, gap: 3, seed: 2)
    _ = try umap(x, parameters: params(epochs: 25), context: RunContext(threads: 1, progress: rec))
    XCTAssertEqual(rec.label, "embedding epochs"); XCTAssertEqual(rec.total, 25); XCTAssertEqual(rec.last, 25)
    let token = CancellationToken(); token.cancel()
    XCTAssertThrowsError(try umap(x, parameters: params(), context: RunContext(cancellation: token))) { e in
      XCTAssertEqual(e as? AlgorithmError, .cancelled)
    }
  }

  /// `init` as an array, by hand: with no epochs the result is the array with every column
  /// min-max rescaled to [0, 10] (as umap-learn does to every initialisation). Column 0 =
  /// [1, 3, 2, 5] → [0, 5, 2.5, 10]; column 1 = [−2, −2, 0, 2] → [0, 0, 5, 10].
  func testInitArray() throws {
    let x = Matrix(rows: 4, cols: 3, data: [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])
    var p = params(epochs: 0)
    p.nNeighbors = 3
    p.initialEmbedding = Matrix(rows: 4, cols: 2, data: [1, -2, 3, -2, 2, 0, 5, 2])
    let r = try umap(x, parameters: p, context: RunContext(threads: 1))
    XCTAssertEqual(r.embedding.data, [0, 0, 5, 0, 2.5, 5, 10, 10])
    // repeated rows: moved apart by noise of 0.001 × the mean nearest-neighbour distance (here
    // (0 + 0 + 2√2 + 3√2)/4 = 1.768 → σ = 0.00177, ×2 by the rescale of [0, 5] to [0, 10]):
    // distinct, and within 6σ of the rescaled array (the rescale's own shift is another 6σ)
    p.initialEmbedding = Matrix(rows: 4, cols: 2, data: [0, 0, 0, 0, 2, 2, 5, 5])
    let d = try umap(x, parameters: p, context: RunContext(threads: 1))
    XCTAssertNotEqual(Array(d.embedding.data[0..<2]), Array(d.embedding.data[2..<4]))
    for (a, b) in zip(d.embedding.data, [0, 0, 0, 0, 4, 4, 10, 10] as [Float]) { XCTAssertEqual(a, b, accuracy: 12 * 0.00177 * 2) }
    // the wrong shape or non-finite values: clear errors
    for bad in [Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 2]), Matrix(rows: 4, cols: 1, data: [0, 1, 2, 3]),
                Matrix(rows: 4, cols: 2, data: [0, 0, 1, .nan, 2, 2, 3, 3])] {
      p.initialEmbedding = bad
      XCTAssertThrowsError(try umap(x, parameters: p, context: RunContext(threads: 1))) { e in
        guard case .invalidParameter(let name, _, _)? = e as? AlgorithmError else { return XCTFail("\(e)") }
        XCTAssertEqual(name, "init")
      }
    }
  }

  /// `disconnection_distance`, by hand: points 0, 1, 2 and 100 on a line, n_neighbors = 3 (the
  /// point and two others). Point 3's neighbours (2 at 98, 1 at 99) are cut at 50, and nobody else
  /// has it among their two nearest: the fuzzy graph keeps the 3 edges among 0, 1, 2 (6 stored
  /// entries) instead of 5 (10), and a warning says one vertex was disconnected. The default for
  /// euclidean (∞) cuts nothing; for cosine it is 2, for an explicit value ≤ 0 an error.
  func testDisconnectionDistance() throws {
    final class Warnings: @unchecked Sendable { var list = [String]() }
    let w = Warnings()
    let ctx = RunContext(threads: 1, warn: { w.list.append($0) })
    let x = Matrix(rows: 4, cols: 1, data: [0, 1, 2, 100])
    var p = params(epochs: 10)
    p.nNeighbors = 3
    let full = try umap(x, parameters: p, context: ctx)
    XCTAssertEqual(full.graphNNZ, 10)
    XCTAssertTrue(w.list.isEmpty)
    p.disconnectionDistance = 50
    let cut = try umap(x, parameters: p, context: ctx)
    XCTAssertEqual(cut.graphNNZ, 6)
    XCTAssertTrue(cut.embedding.allFinite)
    XCTAssertEqual(w.list.count, 1)
    XCTAssertTrue(w.list.first?.contains("disconnected 1 of 4 vertices") ?? false, "\(w.list)")
    var c = UMAPParameters()
    c.metric = .cosine
    XCTAssertEqual(c.effectiveDisconnectionDistance, 2)
    XCTAssertEqual(UMAPParameters().effectiveDisconnectionDistance, .infinity)
    p.disconnectionDistance = 0
    XCTAssertThrowsError(try umap(x, parameters: p, context: ctx))
  }

  /// `transform`'s starting positions, by hand (n_epochs = 2 gives 2 / 3 = 0 transform epochs, so
  /// the result is the start). Training points 0, 1, 2, 3 on a line with embedding rows (0, 0),
  /// (2, 4), (6, 6), (8, 2); n_neighbors = 2, local_connectivity 1 − 1 = 0, so ρ = 0:
  /// - 0.5: neighbours 0 and 1 at 0.5 each, equal memberships → the mean (1, 2);
  /// - 3: coincides with point 3 (membership 1) → its coordinates (8, 2);
  /// - 1.25: neighbours 1 (0.25) and 2 (0.75); only the second enters the σ search (umap-learn's
  ///   loop starts at the second neighbour), exp(−0.75/σ) = 1 − 10⁻⁵ within tolerance → σ ≈ 75,000,
  ///   memberships ≈ 1 − 3.3·10⁻⁶ and 1 − 10⁻⁵ → almost the mean (4, 5).
  func testTransformStartingPositions() throws {
    let t = try tinyTransform(Matrix(rows: 3, cols: 1, data: [0.5, 3, 1.25]), train: [0, 1, 2, 3])
    for (a, b) in zip(t.data, [1, 2, 8, 2, 4, 5] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-4) }
  }

  /// `transform`'s float32 range check measures the differences between the new and the training
  /// rows (the distances it computes): one column (d = 1: the limit is R < 2^(127/2) ≈ 1.30·10¹⁹)
  /// with training values 0 … 7·10¹⁸ and new values −7·10¹⁸ … 0 has a range of 7·10¹⁸ in each but
  /// differences up to 1.4·10¹⁹ between them: refused. New values 1·10¹⁸ … 3·10¹⁸ (differences up
  /// to 6·10¹⁸) pass. New rows near 0 against training rows 0 … 3 pass (their own range, 2·10⁻¹⁸,
  /// would be "too small"), in a batch as alone.
  func testTransformRangeCheckSpansTheTrainingRows() throws {
    let train: [Float] = [0, 2e18, 4e18, 7e18]
    XCTAssertNoThrow(try Metric.euclidean.checkRange(of: .dense(Matrix(rows: 4, cols: 1, data: train)), float32: true))
    let far = Matrix(rows: 2, cols: 1, data: [-7e18, 0])
    XCTAssertNoThrow(try Metric.euclidean.checkRange(of: .dense(far), float32: true))
    XCTAssertThrowsError(try tinyTransform(far, train: train)) {
      XCTAssertTrue("\($0)".contains("too large") && "\($0)".contains("scale the data"), "\($0)")
      // minkowski with p = 2 runs as euclidean: the message names both, for whoever asked for minkowski
      XCTAssertTrue("\($0)".contains("metric=euclidean (or minkowski with p=2)"), "\($0)")
    }
    XCTAssertNoThrow(try tinyTransform(Matrix(rows: 2, cols: 1, data: [1e18, 3e18]), train: train))
    let nearZero = Matrix(rows: 2, cols: 1, data: [1e-18, 3e-18])
    XCTAssertThrowsError(try Metric.euclidean.checkRange(of: .dense(nearZero), float32: true))
    let both = try tinyTransform(nearZero, train: [0, 1, 2, 3])
    let alone = try tinyTransform(Matrix(rows: 1, cols: 1, data: [3e-18]), train: [0, 1, 2, 3])
    XCTAssertEqual((2..<4).map { both.data[$0] }, (0..<2).map { alone.data[$0] })
  }

  /// `umapTransform` of `new` against four 1-column training rows `train` embedded at (0, 0),
  /// (2, 4), (6, 6), (8, 2), with n_neighbors=2 and 2 epochs, on one thread.
  private func tinyTransform(_ new: Matrix, train: [Float], a: Double = 1.577, b: Double = 0.895, epochs: Int = 2) throws -> Matrix {
    var p = UMAPParameters()
    p.nNeighbors = 2
    p.nEpochs = epochs
    return try umapTransform(new, trainingData: Matrix(rows: 4, cols: 1, data: train),
                             embedding: Matrix(rows: 4, cols: 2, data: [0, 0, 2, 4, 6, 6, 8, 2]), parameters: p,
                             a: a, b: b, context: RunContext(threads: 1))
  }

  /// A model fitted with a large `b` transforms: for b = 1000, x^b overflows a Double from a
  /// squared distance of 2.04 on (the attraction was inf/inf = NaN: "the transform diverged"); the
  /// limit −2b/x takes over, as in the layout. The new point at 1.25 starts between the embeddings
  /// (2, 4) and (6, 6) of training points 1 and 2 (a squared distance of at least 5 from one), and
  /// its 10 epochs' moves (a fit of 30) stay finite and bounded by the clip (4 × learning_rate/4
  /// per coordinate and step).
  func testTransformWithALargeB() throws {
    let t = try tinyTransform(Matrix(rows: 1, cols: 1, data: [1.25]), train: [0, 1, 2, 3], b: 1000, epochs: 30)
    XCTAssertTrue(t.data.allSatisfy { $0.isFinite }, "\(t.data)")
    XCTAssertTrue(t.data.allSatisfy { abs($0) < 20 }, "\(t.data)")
  }

  /// A model fitted with negative_sample_rate = 0 (allowed: no negative samples) transforms: its
  /// schedule of negative samples is infinite, and their count (inf − inf)/inf was converted to an
  /// Int, which trapped (the process crashed). Without repulsion the point is only drawn towards its
  /// neighbours' embeddings (2, 4) and (6, 6), overshooting one by at most a step (the clip, 4 ×
  /// learning_rate/4 = 1 per coordinate): it stays in [1, 7] × [3, 7].
  func testTransformWithoutNegativeSamples() throws {
    var p = UMAPParameters()
    p.nNeighbors = 2
    p.nEpochs = 30
    p.negativeSampleRate = 0
    let t = try umapTransform(Matrix(rows: 1, cols: 1, data: [1.25]), trainingData: Matrix(rows: 4, cols: 1, data: [0, 1, 2, 3]),
                              embedding: Matrix(rows: 4, cols: 2, data: [0, 0, 2, 4, 6, 6, 8, 2]), parameters: p,
                              a: 1.577, b: 0.895, context: RunContext(threads: 1))
    XCTAssertTrue((1...7).contains(t.data[0]) && (3...7).contains(t.data[1]), "\(t.data.map { $0 })")
  }

  /// A model of one neighbour per point (fitted on 2 points) is refused by name: the bandwidth
  /// search skips the first neighbour's term, so every membership was 0 and the message asked to
  /// rescale the data, which would not help.
  func testTransformNeedsTwoNeighbours() throws {
    // and a model's curve out of umap's range (a model file can hold any a and b) is named; a=1e300
    // diverged with advice to lower learning_rate
    for (a, b) in [(1e300, 1e10), (-1.0, 0.9), (1.5, .nan), (1e-40, 0.9)] {
      XCTAssertThrowsError(try tinyTransform(Matrix(rows: 1, cols: 1, data: [0.5]), train: [0, 1, 2, 3], a: a, b: b)) {
        XCTAssertTrue("\($0)".contains("each must be a positive float32 number from 1.2e-38 to 3.4e38"), "\($0)")
      }
    }
    // the same range for a and b given to umap (1e-40 is float32 subnormal: it was accepted there,
    // while a fitted one, or a model's, was refused)
    for v in [1e-40, 0, 4e38] {
      var p = UMAPParameters()
      p.a = v; p.b = 1
      XCTAssertThrowsError(try p.validate()) { XCTAssertTrue("\($0)".contains("a must be a positive float32 number from 1.2e-38"), "\($0)") }
      p.a = 1; p.b = v
      XCTAssertThrowsError(try p.validate()) { XCTAssertTrue("\($0)".contains("b must be a positive float32 number from 1.2e-38"), "\($0)") }
    }
    var edge = UMAPParameters()
    edge.a = Double(Float.leastNormalMagnitude); edge.b = Double(Float.greatestFiniteMagnitude)
    XCTAssertNoThrow(try edge.validate())
    var p = UMAPParameters()
    p.nNeighbors = 1
    XCTAssertThrowsError(try umapTransform(Matrix(rows: 1, cols: 1, data: [0.5]), trainingData: Matrix(rows: 2, cols: 1, data: [0, 1]),
                                           embedding: Matrix(rows: 2, cols: 2, data: [0, 0, 1, 1]), parameters: p,
                                           a: 1.577, b: 0.895, context: RunContext(threads: 1))) {
      XCTAssertTrue("\($0)".contains("at least 2 neighbours per point; this one has 1 (fitted on 2 points)"), "\($0)")
    }
  }

  /// σ's floor is the row's own mean distance in `transform`: a batch holding a far row (distances
  /// 10⁴ times the others') gives the near row the bits it gets alone. With the batch's mean as the
  /// floor (umap-learn's `smooth_knn_dist` when ρ = 0), the far row lifted the near row's σ to
  /// 10⁻³ × half the far row's distances and moved it.
  func testTransformSigmaFloorIsTheRowsOwn() throws {
    let x = blobs(150, d: 5, gap: 8, seed: 3)
    let fit = try umap(x, parameters: params(epochs: 60), context: RunContext(threads: 1))
    var p = params(epochs: 60)
    p.nNeighbors = fit.nNeighbors
    let near = Array(blobs(1, d: 5, gap: 8, seed: 4).data[0..<5])
    let far = near.map { $0 * 1e4 }
    func run(_ rows: [Float]) throws -> [Float] {
      try umapTransform(Matrix(rows: rows.count / 5, cols: 5, data: rows), trainingData: x,
                        embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b,
                        context: RunContext(threads: 1)).data.map { $0 }
    }
    let alone = try run(near)
    XCTAssertEqual(Array(try run(near + far)[0..<2]), alone)
    XCTAssertEqual(Array(try run(far + near)[2..<4]), alone)
  }

  /// `transform` on two separated blobs: new points from each blob land next to their blob's
  /// embedding (nearer its centroid than the other's), the same for 1 and 2 threads, and bad input
  /// is a clear error.
  func testTransformPlacesNewPointsInTheirBlob() throws {
    let x = blobs(150, d: 5, gap: 8, seed: 3)
    let fit = try umap(x, parameters: params(epochs: 200), context: RunContext(threads: 2))
    let new = blobs(20, d: 5, gap: 8, seed: 4)  // rows 0..<20 from blob 0, 20..<40 from blob 1
    var p = params(epochs: 200)
    p.nNeighbors = fit.nNeighbors
    let t1 = try umapTransform(new, trainingData: x, embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b,
                               context: RunContext(threads: 1))
    let t2 = try umapTransform(new, trainingData: x, embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b,
                               context: RunContext(threads: 2))
    XCTAssertEqual(t1.data, t2.data)
    // identical new rows end at identical coordinates (their streams come from their start)
    let twice = Matrix(rows: 2, cols: 5, data: Array(new.data[0..<5]) + Array(new.data[0..<5]))
    let tt = try umapTransform(twice, trainingData: x, embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b,
                               context: RunContext(threads: 2))
    XCTAssertEqual(Array(tt.data[0..<2]), Array(tt.data[2..<4]))
    var c = [[Double]](repeating: [0, 0], count: 2)
    for i in 0..<300 { for t in 0..<2 { c[i / 150][t] += Double(fit.embedding[i, t]) / 150 } }
    for i in 0..<40 {
      let own = i / 20
      func d2(_ b: Int) -> Double { (0..<2).map { pow(Double(t1[i, $0]) - c[b][$0], 2) }.reduce(0, +) }
      XCTAssertLessThan(d2(own), d2(1 - own), "new point \(i)")
    }
    XCTAssertThrowsError(try umapTransform(Matrix(rows: 2, cols: 3, data: [0, 0, 0, 1, 1, 1]), trainingData: x,
                                           embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b, context: RunContext()))
    XCTAssertThrowsError(try umapTransform(Matrix(rows: 1, cols: 5, data: [0, .nan, 0, 0, 0]), trainingData: x,
                                           embedding: fit.embedding, parameters: p, a: fit.a, b: fit.b, context: RunContext()))
  }

  /// densMAP's input radii by hand: vertices 0–1–2 on a path, kNN distances d(0,1) = 1,
  /// d(1,2) = 2 (and d(1,0) = 1, d(2,1) = 3: the edge takes the larger, 3), memberships 0.5 and
  /// 1 on both stored entries of each edge. Each stored entry adds μ·d² to both ends:
  /// r0 = 2·0.5·1 / (2·0.5) = 1, r1 = (2·0.5·1 + 2·1·9)/(2·0.5 + 2·1) = 19/3, r2 = 9;
  /// R = standardised log r; μ_tot = (1 + 3 + 2)/2 = 3.
  func testDensMAPInputRadii() {
    let g = FuzzyGraph(n: 3, rowStart: [0, 1, 3, 4], columns: [1, 0, 2, 1], weights: [0.5, 0.5, 1, 1])
    let knn = KNNGraph(n: 3, k: 2, indices: [0, 1, 1, 2, 2, 1], distances: [0, 1, 0, 2, 0, 3])
    var p = UMAPParameters()
    p.densmap = true
    let d = densmapInput(graph: g, knn: knn, kUse: 2, parameters: p)
    let l = [log(1 + 1e-8), log(19.0 / 3 + 1e-8), log(9 + 1e-8)]
    let mean = l.reduce(0, +) / 3
    let sd = (l.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
    for i in 0..<3 { XCTAssertEqual(Double(d.R[i]), (l[i] - mean) / sd, accuracy: 1e-6) }
    XCTAssertEqual(d.muTot, 3, accuracy: 1e-12)
    XCTAssertEqual(p.epochs(forPoints: 100), 700)
    XCTAssertEqual(p.epochs(forPoints: 20_000), 400)
  }

  /// densMAP keeps density: a tight blob (σ = 0.3) and a wide one (σ = 2) in 5-d. Plain UMAP
  /// draws them at similar sizes; densMAP must draw the wide one clearly larger than UMAP does
  /// (ratio of mean distance to the blob's centroid), and identically for 1 and 2 threads.
  func testDensMAPPreservesRelativeDensity() throws {
    var r = RandomStream(seed: 9)
    var x = Matrix(rows: 300, cols: 5)
    for i in 0..<300 { for j in 0..<5 { x[i, j] = Float(r.nextGaussian() * (i < 150 ? 0.3 : 2)) + (i < 150 ? 0 : 20) } }
    func spreadRatio(_ e: Matrix) -> Double {
      func spread(_ rows: Range<Int>) -> Double {
        let c = (0..<2).map { t in rows.map { Double(e[$0, t]) }.reduce(0, +) / Double(rows.count) }
        return rows.map { i in (0..<2).map { pow(Double(e[i, $0]) - c[$0], 2) }.reduce(0, +).squareRoot() }.reduce(0, +) / Double(rows.count)
      }
      return spread(150..<300) / spread(0..<150)
    }
    var p = params(epochs: 300)
    let plain = try umap(x, parameters: p, context: RunContext(threads: 2))
    p.densmap = true
    let d1 = try umap(x, parameters: p, context: RunContext(threads: 1))
    let d2 = try umap(x, parameters: p, context: RunContext(threads: 2))
    XCTAssertEqual(d1.embedding.data, d2.embedding.data)
    XCTAssertTrue(d1.embedding.allFinite)
    // output_dens: the radii of data and embedding correlate far better with densMAP
    func pearson(_ a: [Double], _ b: [Double]) -> Double {
      let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
      var sab = 0.0, saa = 0.0, sbb = 0.0
      for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
      return sab / (saa * sbb).squareRoot()
    }
    p.outputDens = true
    let dr = try umap(x, parameters: p, context: RunContext(threads: 2))
    p.densmap = false
    let pr = try umap(x, parameters: p, context: RunContext(threads: 2))
    XCTAssertEqual(dr.radOrig.count, 300); XCTAssertEqual(dr.radEmb.count, 300)
    XCTAssertTrue(dr.radEmb.allSatisfy { $0.isFinite } && dr.radOrig.allSatisfy { $0.isFinite })
    XCTAssertGreaterThan(pearson(dr.radOrig, dr.radEmb), pearson(pr.radOrig, pr.radEmb) + 0.2,
                         "densMAP \(pearson(dr.radOrig, dr.radEmb)) vs UMAP \(pearson(pr.radOrig, pr.radEmb))")
    XCTAssertGreaterThan(spreadRatio(d1.embedding), 1.5 * spreadRatio(plain.embedding),
                         "densMAP \(spreadRatio(d1.embedding)) vs UMAP \(spreadRatio(plain.embedding))")
  }
}
