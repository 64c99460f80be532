import XCTest
@testable import ClusAlgorithms
#if canImport(Glibc)
import Glibc
#endif

/// `Elementary` against glibc: the long-double (Float80, 64-bit mantissa) functions are the
/// reference for the error in ulps (their own error, ~2⁻⁶⁴ relative, is far below what is
/// measured), and the double functions for the distance in representable steps.
final class ElementaryTests: XCTestCase {
  /// A reproducible stream of test inputs.
  struct Inputs {
    var state: UInt64
    mutating func bits() -> UInt64 { splitMix64(&state) }
    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double {
      a + (b - a) * (Double(bits() >> 11) * 0x1p-53)
    }
  }

  /// |ours − exact| in units of the last place of the exact value rounded to double.
  func ulpError(_ ours: Double, _ exact: Float80) -> Double {
    if ours.isNaN || exact.isNaN { return ours.isNaN && exact.isNaN ? 0 : .infinity }
    if ours.isInfinite || exact.isInfinite || Double(exact).isInfinite {
      return ours == Double(exact) ? 0 : .infinity
    }
    let e = Double(exact)
    return Double(Swift.abs(Float80(ours) - exact) / Float80(e.ulp))  // in Float80: subnormal differences
  }

  /// Distance in representable doubles (same sign assumed; NaN = NaN is 0).
  func steps(_ a: Double, _ b: Double) -> UInt64 {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
    if a == b { return 0 }
    if a.sign != b.sign { return .max }
    let x = a.bitPattern, y = b.bitPattern
    return x > y ? x - y : y - x
  }

  /// Checks f against the reference on every input: max ulp error below `maxUlp`, at most
  /// `maxSteps` representable steps from glibc's double function; returns the max ulp error.
  @discardableResult
  func check(_ name: String, _ xs: [Double], maxUlp: Double, maxSteps: UInt64 = 1,
             _ f: (Double) -> Double, _ ref: (Float80) -> Float80, _ glibc: (Double) -> Double) -> Double {
    var worst = 0.0, worstX = 0.0, worstSteps: UInt64 = 0, worstStepsX = 0.0
    for x in xs {
      let ours = f(x)
      let err = ulpError(ours, ref(Float80(x)))
      if err > worst { worst = err; worstX = x }
      let s = steps(ours, glibc(x))
      if s > worstSteps { worstSteps = s; worstStepsX = x }
    }
    XCTAssertLessThan(worst, maxUlp, "\(name): \(worst) ulp at x = \(worstX)")
    XCTAssertLessThanOrEqual(worstSteps, maxSteps, "\(name): \(worstSteps) steps from glibc at x = \(worstStepsX)")
    print("Elementary.\(name): \(xs.count) inputs, max error \(worst) ulp (x = \(worstX)), max \(worstSteps) step(s) from glibc")
    return worst
  }

  static let subnormals: [Double] = [
    .leastNonzeroMagnitude, 2 * .leastNonzeroMagnitude, 0x1p-1060, 0x1.8p-1040, 0x1.fffffffffffffp-1023,
    Double.leastNormalMagnitude.nextDown]
  static let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, 1, -1, .greatestFiniteMagnitude,
                                   -.greatestFiniteMagnitude, .leastNormalMagnitude, .ulpOfOne, 1 + .ulpOfOne,
                                   1 - .ulpOfOne / 2, 0.5, 2] + subnormals

  func testExp() {
    var g = Inputs(state: 1)
    var xs = Self.specials + [709.782712893384, 709.782712893384.nextUp, 709.78, -745.1332191019411,
                              -745.1332191019411.nextDown, -745.1332191019412, -744.44, -708.4, -708.39641853226408,
                              -708.3964185322641.nextDown, 0x1p-30, -0x1p-30, 0x1p-1000, -0x1p-1000, 708, -708]
    for k in -1074...1023 { xs.append(Double(k) * 0.6931471805599453) }
    for _ in 0..<200_000 { xs.append(g.uniform(-745.2, 709.8)) }
    for _ in 0..<100_000 { xs.append(g.uniform(-1, 1)) }
    for _ in 0..<50_000 { xs.append(g.uniform(-1e-6, 1e-6)) }
    for _ in 0..<50_000 { xs.append(Double(bitPattern: g.bits())) }  // every magnitude, NaNs included
    for _ in 0..<50_000 { xs.append(g.uniform(-745.2, -708)) }      // subnormal results
    check("exp", xs, maxUlp: 1, { Elementary.exp($0) }, { Glibc.expl($0) }, { Glibc.exp($0) })
    XCTAssertEqual(Elementary.exp(0), 1)
    XCTAssertEqual(Elementary.exp(-.infinity), 0)
    XCTAssertEqual(Elementary.exp(.infinity), .infinity)
    XCTAssertEqual(Elementary.exp(710), .infinity)
    XCTAssertEqual(Elementary.exp(-746), 0)
    XCTAssertTrue(Elementary.exp(.nan).isNaN)
    XCTAssertEqual(Elementary.exp(1), 2.718281828459045)  // e
    XCTAssertEqual(Elementary.exp(-1), 0.36787944117144233)
    XCTAssertEqual(Elementary.exp(0.6931471805599453), 2)  // the double nearest ln 2
  }

  /// Positive inputs of every magnitude plus the neighbourhood of 1 and the powers of two.
  func logInputs() -> [Double] {
    var g = Inputs(state: 2)
    var xs = Self.specials + [-1e-300, -.infinity, 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bcdp0]
    for k in -1074...1023 { xs.append(0x1p0 * Double(sign: .plus, exponent: k, significand: 1)) }
    for _ in 0..<200_000 { xs.append(Double(bitPattern: g.bits() >> 1)) }  // all positive bit patterns
    for _ in 0..<100_000 { xs.append(g.uniform(0.7, 1.42)) }
    for _ in 0..<50_000 { xs.append(1 + g.uniform(-1e-6, 1e-6)) }
    for _ in 0..<50_000 { xs.append(g.uniform(0, 100)) }
    for i in 1...64 { xs.append(1 + Double(i) * .ulpOfOne); xs.append(1 - Double(i) * .ulpOfOne / 2) }
    return xs
  }

  func testLog() {
    check("log", logInputs(), maxUlp: 1, { Elementary.log($0) }, { Glibc.logl($0) }, { Glibc.log($0) })
    XCTAssertEqual(Elementary.log(1), 0)
    XCTAssertEqual(Elementary.log(0), -.infinity)
    XCTAssertEqual(Elementary.log(-0.0), -.infinity)
    XCTAssertEqual(Elementary.log(.infinity), .infinity)
    XCTAssertTrue(Elementary.log(-1).isNaN)
    XCTAssertTrue(Elementary.log(.nan).isNaN)
    XCTAssertEqual(Elementary.log(10), 2.302585092994046)  // ln 10
    XCTAssertEqual(Elementary.log(2.718281828459045), 1)   // the double nearest e
    XCTAssertEqual(Elementary.log(2), 0.6931471805599453)  // ln 2
  }

  func testLog1p() {
    var g = Inputs(state: 7)
    var xs = Self.specials + [-1, -1.5, -0.5, -0.25, 0x1p-54, -0x1p-54, 0x1p-53, 1e-300, -1e-300, 0.4142135623730950,
                              -0.2928932188134524, 1e300, 0x1p52, 0x1p53]
    for k in -1074...1023 { xs.append(Double(sign: .plus, exponent: k, significand: 1)) }
    for k in -60...0 { xs.append(-Double(sign: .plus, exponent: k, significand: 1) * 0.999) }
    for _ in 0..<100_000 { xs.append(g.uniform(-1, 1)) }
    for _ in 0..<50_000 { xs.append(g.uniform(-1e-8, 1e-8)) }
    for _ in 0..<50_000 { xs.append(g.uniform(-1, 100)) }
    for _ in 0..<50_000 { xs.append(Double(bitPattern: g.bits() >> 1)) }  // all positive bit patterns
    for _ in 0..<20_000 { xs.append(-1 + g.uniform(0, 1e-6)) }
    check("log1p", xs, maxUlp: 1, { Elementary.log1p($0) }, { Glibc.log1pl($0) }, { Glibc.log1p($0) })
    XCTAssertEqual(Elementary.log1p(0), 0)
    XCTAssertEqual(Elementary.log1p(-0.0).sign, .minus)
    XCTAssertEqual(Elementary.log1p(-1), -.infinity)
    XCTAssertTrue(Elementary.log1p(-2).isNaN)
    XCTAssertEqual(Elementary.log1p(.infinity), .infinity)
    XCTAssertEqual(Elementary.log1p(1), 0.6931471805599453)  // ln 2
    XCTAssertEqual(Elementary.log1p(1e-10), 9.999999999500001e-11)
  }

  func testLog2() {
    check("log2", logInputs(), maxUlp: 1, { Elementary.log2($0) }, { Glibc.log2l($0) }, { Glibc.log2($0) })
    for k in -1074...1023 {
      XCTAssertEqual(Elementary.log2(Double(sign: .plus, exponent: k, significand: 1)), Double(k))
    }
    XCTAssertEqual(Elementary.log2(10), 3.321928094887362)  // log₂ 10
    XCTAssertEqual(Elementary.log2(0), -.infinity)
    XCTAssertTrue(Elementary.log2(-2).isNaN)
  }

  /// `minkowskiPower` for whole p in 2...8 (repeated squaring) within p − 1 ulp of the long-double
  /// power, on values of every magnitude whose power is normal; other p are `pow` bit for bit.
  func testMinkowskiPower() {
    var g = Inputs(state: 11)
    for p in 2...8 {
      var worst = 0.0
      for _ in 0..<50_000 {
        let v = Elementary.exp(g.uniform(-700, 700) / Double(p))
        let exact = Glibc.powl(Float80(v), Float80(p))
        guard Swift.abs(Double(exact)) >= Double.leastNormalMagnitude, Double(exact).isFinite else { continue }
        worst = max(worst, ulpError(Elementary.minkowskiPower(v, Double(p)), exact))
      }
      XCTAssertLessThanOrEqual(worst, Double(p - 1), "p=\(p): \(worst) ulp")
      XCTAssertEqual(Elementary.minkowskiPower(3, Double(p)), Elementary.pow(3, Double(p)), "3^\(p) is exact")
    }
    for p in [1.5, 2.5, 9, 12, 1000] {
      for _ in 0..<1_000 {
        let v = g.uniform(0, 10)
        XCTAssertEqual(Elementary.minkowskiPower(v, p).bitPattern, Elementary.pow(v, p).bitPattern)
      }
    }
  }

  func testPow() {
    var g = Inputs(state: 3)
    var worst = 0.0, worstXY = (0.0, 0.0), worstSteps: UInt64 = 0, count = 0
    func one(_ x: Double, _ y: Double) {
      let ours = Elementary.pow(x, y)
      let exact = Glibc.powl(Float80(x), Float80(y))
      let s = steps(ours, Glibc.pow(x, y))
      worstSteps = max(worstSteps, s)
      count += 1
      if Swift.abs(Double(exact)) >= Double.leastNormalMagnitude || exact == 0 || exact.isInfinite {
        let e = ulpError(ours, exact)
        if e > worst { worst = e; worstXY = (x, y) }
      } else {
        XCTAssertLessThanOrEqual(s, 2, "pow(\(x), \(y)) subnormal")
      }
    }
    for _ in 0..<100_000 {  // results of every magnitude
      let x = Elementary.exp(g.uniform(-700, 700))
      one(x, g.uniform(-700, 700) / Elementary.log(x))
    }
    for _ in 0..<100_000 { one(g.uniform(0, 4), g.uniform(-10, 10)) }
    for _ in 0..<50_000 { one(g.uniform(0, 1e4), g.uniform(0.5, 3)) }          // minkowski-like
    for _ in 0..<50_000 { one(g.uniform(0, 50), g.uniform(-1, 1)) }            // UMAP's d^(b−1), d^b
    for _ in 0..<50_000 { one(1 + g.uniform(-1e-10, 1e-10), g.uniform(-1e12, 1e12)) }  // x near 1, y huge
    for _ in 0..<20_000 { one(-g.uniform(0, 10), Double(Int(g.uniform(-300, 300)))) }  // x < 0, integer y
    for k in -1074...1023 { one(Double(sign: .plus, exponent: k, significand: 1), 0.5); one(2, Double(k)) }
    XCTAssertLessThan(worst, 2, "pow: \(worst) ulp at \(worstXY)")
    XCTAssertLessThanOrEqual(worstSteps, 2)
    print("Elementary.pow: \(count) inputs, max error \(worst) ulp at \(worstXY), max \(worstSteps) step(s) from glibc")
    // Special values: the same as glibc, bit for bit (NaN for NaN, signs of zeros and infinities),
    // and at most one step from it where the result is finite and non-zero.
    let sv: [Double] = [0, -0.0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 2.5, -2.5, .infinity, -.infinity, .nan,
                        0x1p53, -0x1p53, 0x1p53 + 2, 1e300, -1e300, 1e-300, .leastNonzeroMagnitude]
    for x in sv {
      for y in sv {
        let a = Elementary.pow(x, y), b = Glibc.pow(x, y)
        if b.isFinite && b != 0 {
          XCTAssertLessThanOrEqual(steps(a, b), 1, "pow(\(x), \(y)) = \(a), glibc \(b)")
        } else {
          XCTAssertTrue(a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern, "pow(\(x), \(y)) = \(a), glibc \(b)")
        }
      }
    }
    XCTAssertEqual(Elementary.pow(2.0, 10.0), 1024)
    XCTAssertEqual(Elementary.pow(9.0, 0.5), 3)
    XCTAssertEqual(Elementary.pow(-2.0, 3.0), -8)
    XCTAssertEqual(Elementary.pow(10.0, -2.0), 0.01)
    XCTAssertEqual(Elementary.pow(2.0, 1024.0), .infinity)
    XCTAssertEqual(Elementary.pow(2.0, -1074.0), .leastNonzeroMagnitude)
  }

  func testPowFloat() {
    var g = Inputs(state: 4)
    var worst: UInt32 = 0, worstXY: (Float, Float) = (0, 0)
    func one(_ x: Float, _ y: Float) {
      let a = Elementary.pow(x, y), b = Glibc.powf(x, y)
      if a.isNaN && b.isNaN { return }
      let d = a == b ? 0 : (a.sign != b.sign ? UInt32.max
        : (a.bitPattern > b.bitPattern ? a.bitPattern - b.bitPattern : b.bitPattern - a.bitPattern))
      if d > worst { worst = d; worstXY = (x, y) }
    }
    for _ in 0..<200_000 { one(Float(g.uniform(0, 100)), Float(g.uniform(-3, 3))) }
    for _ in 0..<100_000 { one(Float(bitPattern: UInt32(truncatingIfNeeded: g.bits())), Float(g.uniform(-4, 4))) }
    let sv: [Float] = [0, -0.0, 1, -1, 0.5, -2, 3, -3, 2.5, .infinity, -.infinity, .nan, 1e30, 1e-30]
    for x in sv { for y in sv { one(x, y) } }
    XCTAssertLessThanOrEqual(worst, 1, "powf: \(worst) steps from glibc at \(worstXY)")
    print("Elementary.pow(Float): max \(worst) step(s) from glibc powf")
    XCTAssertEqual(Elementary.pow(Float(2), Float(0.5)), Float(2).squareRoot())
  }

  func testCos() {
    var g = Inputs(state: 5)
    var xs = Self.specials + [.pi, -.pi, .pi / 2, .pi / 4, 0.7853981633974483.nextUp, 3 * .pi / 4, 2 * .pi, 1e5]
    for _ in 0..<200_000 { xs.append(g.uniform(0, 2 * .pi)) }  // Box–Muller's arguments
    for _ in 0..<100_000 { xs.append(g.uniform(-10, 10)) }
    for _ in 0..<50_000 { xs.append(g.uniform(-1e5, 1e5)) }
    for _ in 0..<20_000 { xs.append(g.uniform(-1e-4, 1e-4)) }
    check("cos", xs.filter { !($0.magnitude > 1e5) }, maxUlp: 1, { Elementary.cos($0) },
          { Glibc.cosl($0) }, { Glibc.cos($0) })
    XCTAssertEqual(Elementary.cos(0), 1)
    XCTAssertEqual(Elementary.cos(.pi), -1)
    XCTAssertEqual(Elementary.cos(1), 0.5403023058681398)
    XCTAssertTrue(Elementary.cos(.infinity).isNaN)
  }

  func testLogGamma() {
    var g = Inputs(state: 6)
    var xs: [Double] = [0.5, 1, 1.5, 2, 2.5, 3, 10.5, 14.999999999999998, 15, 1e7, 1e-300, 0x1p-1074]
    for m in 1...3000 { xs.append(Double(m)) }
    for _ in 0..<100_000 { xs.append(Elementary.exp(g.uniform(0, 16.2))) }  // 1 … 1.1·10⁷, log-uniform
    for _ in 0..<50_000 { xs.append(g.uniform(0, 20)) }
    for _ in 0..<20_000 { xs.append(1 + g.uniform(-1e-3, 1e-3)); xs.append(2 + g.uniform(-1e-3, 1e-3)) }
    var worst = 0.0, worstX = 0.0
    for x in xs {
      let ours = Elementary.logGamma(x), ref = Glibc.lgammal(Float80(x))
      if ref == 0 { XCTAssertEqual(ours, 0, "logGamma(\(x))"); continue }
      let rel = Double(Swift.abs((Float80(ours) - ref) / ref))
      if rel > worst { worst = rel; worstX = x }
    }
    XCTAssertLessThan(worst, 1e-14, "logGamma: relative error \(worst) at x = \(worstX)")
    print("Elementary.logGamma: \(xs.count) inputs, max relative error \(worst) (x = \(worstX))")
    XCTAssertEqual(Elementary.logGamma(10.5), 13.940625219403763, accuracy: 2e-15)  // log(654729075·√π/1024)
    XCTAssertEqual(Elementary.logGamma(11), 15.104412573075516, accuracy: 2e-15)    // log 10!
    XCTAssertEqual(Elementary.logGamma(0.5), 0.5723649429247001, accuracy: 1e-16)   // log √π
    XCTAssertEqual(Elementary.logGamma(1), 0)
    XCTAssertEqual(Elementary.logGamma(2), 0)
    XCTAssertEqual(Elementary.logGamma(0), .infinity)
    XCTAssertTrue(Elementary.logGamma(-1).isNaN)
  }
}
