import Foundation
import XCTest
@testable import ClusAlgorithms

final class PCATests: XCTestCase {
  private func fixture() throws -> [[String: Any]] {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/pca/pca.json")
    let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return obj["cases"] as! [[String: Any]]
  }

  private func doubles(_ c: [String: Any], _ key: String) -> [Double] {
    (c[key] as! [NSNumber]).map { $0.doubleValue }
  }

  func testMatchesScikitLearnFullSolver() throws {
    try compareWithFixtures(floatCovarianceMinWork: pcaFloatCovarianceMinWork, minRatio: 1e-9)
  }

  /// The Float block-product covariance (used for large inputs) forced on the small fixtures:
  /// the components with at least 0.1 % of the variance still match scikit-learn.
  func testFloatCovariancePathMatchesLeadingComponents() throws {
    try compareWithFixtures(floatCovarianceMinWork: 0, minRatio: 1e-3)
  }

  private func compareWithFixtures(floatCovarianceMinWork: Int, minRatio: Double) throws {
    let cases = try fixture()
    XCTAssertEqual(cases.count, 20)
    for c in cases {
      let name = c["name"] as! String
      let rows = c["rows"] as! Int, cols = c["cols"] as! Int
      let x = Matrix(rows: rows, cols: cols, data: doubles(c, "x").map { Float($0) })
      var p = PCAParameters(whiten: c["whiten"] as! Bool)
      if let nc = c["n_components"] as? NSNumber {
        p.nComponents = nc.doubleValue < 1 ? .varianceFraction(nc.doubleValue) : .count(nc.intValue)
      }
      for threads in [1, 3] {
        let r = try pcaFit(
          x, parameters: p, context: RunContext(threads: threads), floatCovarianceMinWork: floatCovarianceMinWork)
        let k = c["k"] as! Int
        XCTAssertEqual(r.transformed.cols, k, name)
        XCTAssertEqual(r.components.rows, k, name)
        let ev = doubles(c, "explained_variance"), ratio = doubles(c, "explained_variance_ratio")
        let sv = doubles(c, "singular_values"), mean = doubles(c, "mean")
        for j in 0..<k where ratio[j] >= minRatio {
          XCTAssertEqual(r.explainedVariance[j], ev[j], accuracy: 1e-6 * ev[0], "\(name) variance \(j)")
          XCTAssertEqual(r.explainedVarianceRatio[j], ratio[j], accuracy: 1e-6, "\(name) ratio \(j)")
          XCTAssertEqual(r.singularValues[j], sv[j], accuracy: 1e-6 * sv[0], "\(name) singular \(j)")
        }
        for f in 0..<cols { XCTAssertEqual(r.mean[f], mean[f], accuracy: 1e-9 * (1 + abs(mean[f])), name) }
        if minRatio < 1e-6 {
          XCTAssertEqual(
          r.noiseVariance, (c["noise_variance"] as! NSNumber).doubleValue, accuracy: 1e-6 * ev[0], name)
        }
        // Components whose variance is not degenerate (rank-deficient data has arbitrary null axes).
        let comps = doubles(c, "components")
        for j in 0..<k where ratio[j] >= minRatio {
          for f in 0..<cols {
            XCTAssertEqual(Double(r.components[j, f]), comps[j * cols + f], accuracy: 1e-4, "\(name) component \(j)")
          }
        }
        let t = doubles(c, "transformed")
        let scale = t.map { abs($0) }.max()!
        for i in 0..<rows {
          for j in 0..<k where ratio[j] >= minRatio {
            XCTAssertEqual(Double(r.transformed[i, j]), t[i * k + j], accuracy: 1e-4 * scale, "\(name) transformed")
          }
        }
      }
    }
  }

  /// Points on a line y = 2x through (1, 1): one component along (1, 2)/√5 with all the variance.
  func testHandCheckedLine() throws {
    let ts: [Float] = [-2, -1, 0, 1, 2]
    let x = Matrix(rows: 5, cols: 2, data: ts.flatMap { [1 + $0, 1 + 2 * $0] })
    let r = try pca(x, parameters: PCAParameters(nComponents: .count(1)))
    XCTAssertEqual(Double(r.components[0, 0]), 1 / 5.0.squareRoot(), accuracy: 1e-6)
    XCTAssertEqual(Double(r.components[0, 1]), 2 / 5.0.squareRoot(), accuracy: 1e-6)
    // Variance of t·√5 with divisor n − 1: 5 · (4+1+0+1+4)/4 = 12.5.
    XCTAssertEqual(r.explainedVariance[0], 12.5, accuracy: 1e-9)
    XCTAssertEqual(r.explainedVarianceRatio[0], 1, accuracy: 1e-12)
    XCTAssertEqual(r.mean, [1, 1])
    for i in 0..<5 { XCTAssertEqual(Double(r.transformed[i, 0]), Double(ts[i]) * 5.0.squareRoot(), accuracy: 1e-5) }
  }

  /// Constant data: no variance at all; zero outputs, no NaN (scikit-learn's ratios would be NaN).
  func testConstantData() throws {
    let r = try pca(Matrix(rows: 3, cols: 2, data: [1, 2, 1, 2, 1, 2]))
    XCTAssertEqual(r.explainedVariance, [0, 0])
    XCTAssertEqual(r.explainedVarianceRatio, [0, 0])
    XCTAssertEqual(r.transformed.data, FloatStorage(repeating: 0, count: 6))
    XCTAssertEqual(r.components.data, [1, 0, 0, 1])
    XCTAssertEqual(r.mean, [1, 2])
  }

  func testErrors() throws {
    let x = Matrix(rows: 4, cols: 3, data: (0..<12).map { Float($0 * $0 % 7) })
    XCTAssertThrowsError(try pca(x, parameters: PCAParameters(nComponents: .count(4)))) { e in
      guard case .invalidParameter(let name, _, _) = e as? AlgorithmError else { return XCTFail("\(e)") }
      XCTAssertEqual(name, "n_components")
    }
    XCTAssertThrowsError(try pca(x, parameters: PCAParameters(nComponents: .count(0))))
    XCTAssertThrowsError(try pca(x, parameters: PCAParameters(nComponents: .varianceFraction(1.0))))
    XCTAssertThrowsError(try pca(Matrix(rows: 1, cols: 3, data: [1, 2, 3])))
    XCTAssertThrowsError(try pca(Matrix(rows: 2, cols: 2, data: [1, .nan, 3, 4])))
  }

  /// Larger than the row blocks, several thread counts: bit-identical results.
  func testDeterministicAcrossThreadCounts() throws {
    var rng = RandomStream(seed: 5)
    let n = 3000, d = 24
    let x = Matrix(rows: n, cols: d, data: (0..<(n * d)).map { i in Float(rng.nextGaussian()) * Float(1 + i % d) })
    let p = PCAParameters(nComponents: .count(5))
    let r1 = try pca(x, parameters: p, context: RunContext(threads: 1))
    let r2 = try pca(x, parameters: p, context: RunContext(threads: 2))
    let r4 = try pca(x, parameters: p, context: RunContext(threads: 4))
    XCTAssertEqual(r1, r2)
    XCTAssertEqual(r1, r4)
    let f1 = try pcaFit(x, parameters: p, context: RunContext(threads: 1), floatCovarianceMinWork: 0)
    let f3 = try pcaFit(x, parameters: p, context: RunContext(threads: 3), floatCovarianceMinWork: 0)
    XCTAssertEqual(f1, f3)
  }
}
