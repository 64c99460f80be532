// Deterministic elementary functions.
//
// glibc's libm chooses between implementations of exp, log, pow, sin, cos, … when it is loaded,
// by CPU (FMA/AVX2 variants), so the last bit of their results can differ from one x86-64
// machine to another, and UMAP's SGD or HDBSCAN's tree turn one bit into other clusters. The
// functions here use plain IEEE-754 double arithmetic only (+ − × ÷, bit manipulation; no fused
// multiply-add — Swift never contracts a·b + c on its own —, no libm, no CPU dispatch), so every
// x86-64 CPU (and any IEEE-754 machine) gives the same bits.
//
// Methods (written from the mathematics):
// - range reduction by a power of two / a multiple of ln 2 or π/2, the constant split in a
//   leading part with trailing zero bits (Cody–Waite) so the product with the integer is exact;
// - Taylor series (coefficients are exact rationals rounded once, or Bernoulli / zeta values)
//   on the reduced argument, with the few leading terms kept in extra precision where the
//   accuracy needs it (double-double arithmetic from Dekker's exact product and Knuth's sum).

/// Deterministic exp, log, log1p, log2, pow, cos and log-gamma: the same bits on every CPU (see the
/// file comment for the rules that guarantee it). Accuracy, measured against glibc in
/// `ElementaryTests`: exp, log, log1p, log2 < 1 ulp; pow < 2 ulp where the result is normal; the Float
/// pow is the Double computation rounded once; cos < 1 ulp for |x| ≤ 10⁵; logGamma relative
/// error < 10⁻¹⁵ for x ≥ 0.5 away from its zeros 1 and 2 (exact there).
public enum Elementary {
  // MARK: Constants (computed properties, so they fold into the callers)

  /// The leading 42 bits of ln 2: k·ln2Hi is exact for |k| < 2¹¹.
  @inlinable static var ln2Hi: Double { 0x1.62e42fefa3800p-1 }
  /// ln 2 − ln2Hi, rounded: ln2Hi + ln2Lo carries ln 2 to about 95 bits.
  @inlinable static var ln2Lo: Double { 5.497923018708371e-14 }
  /// 1/ln 2 rounded.
  @inlinable static var invLn2: Double { 1.4426950408889634 }
  /// 1.5·2⁵²: adding and subtracting it rounds a double of magnitude < 2⁵¹ to the nearest
  /// integer (ties to even), and the integer sits in the low bits of the sum.
  @inlinable static var shifter: Double { 0x1.8p52 }

  // MARK: Double-double helpers

  /// a·b exactly as hi + lo (Dekker's product with Veltkamp's split; no FMA). |a|, |b| < 2⁹⁹⁵.
  @inlinable @inline(__always)
  static func twoProduct(_ a: Double, _ b: Double) -> (hi: Double, lo: Double) {
    let p = a * b
    let ca = 134_217_729 * a, cb = 134_217_729 * b  // 2²⁷ + 1
    let ah = ca - (ca - a), al = a - ah
    let bh = cb - (cb - b), bl = b - bh
    return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
  }

  /// The integer nearest to x (|x| < 2⁵¹, ties to even) as a Double and as an Int, by the
  /// shifter trick.
  @inlinable @inline(__always)
  static func nearestInteger(_ x: Double) -> (Double, Int) {
    let s = x + shifter
    return (s - shifter, Int(Int64(bitPattern: s.bitPattern &- shifter.bitPattern)))
  }

  /// y·2ᵏ for y in [½, 2] and −2000 ≤ k ≤ 2046, rounded once (the subnormal range is reached
  /// through an exact intermediate scaling), overflowing to ±∞.
  @inlinable @inline(__always)
  static func scale(_ y: Double, _ k: Int) -> Double {
    if k < -1021 { return y * Double(bitPattern: UInt64(k + 2023) << 52) * 0x1p-1000 }
    if k > 1023 { return y * Double(bitPattern: UInt64(k) << 52) * 0x1p1023 }
    return y * Double(bitPattern: UInt64(k + 1023) << 52)
  }

  // MARK: exp

  /// e^(hi − lo) for |hi − lo| ≤ ½ln 2 (+ a little), with hi − lo given unevaluated.
  ///
  /// Method: with R(r) = r·coth(r/2) = 2 + Σₙ 2B₂ₙ r²ⁿ/(2n)! (Bernoulli numbers; terms to r¹²,
  /// the next is < 3·10⁻¹⁸ here) and c = r − (R − 2), e^r = 1 + 2r/(R − r) = 1 + r + r·c/(2 − c);
  /// 1 + hi is formed exactly (Knuth/Dekker two-sum) and the small terms are added to its error
  /// first, so only the last addition rounds noticeably. Error ≈ 0.5 ulp + a few hundredths.
  @inlinable @inline(__always)
  static func expReduced(_ hi: Double, _ lo: Double) -> Double {
    let r = hi - lo
    let z = r * r
    // (R − 2)/z with R − 2 = z/6 − z²/360 + z³/15120 − z⁴/604800 + z⁵/23950080 − 691z⁶/653837184000
    let p = 1.0 / 6 + z * (-1.0 / 360 + z * (1.0 / 15120 + z * (-1.0 / 604_800
      + z * (1.0 / 23_950_080 + z * (-691.0 / 653_837_184_000)))))
    let c = r - z * p
    let s = 1 + hi, e = (1 - s) + hi  // 1 + hi exactly as s + e
    return s + ((e - lo) + (r * c) / (2 - c))
  }

  /// e^x, within 1 ulp of the correctly rounded result (measured < 0.54 ulp).
  ///
  /// Range: +∞ above 709.78 (ln of the largest double), 0 below about −745.13, subnormal results
  /// rounded once in between; exp(±0) = 1, exp(−∞) = 0, NaN → NaN.
  /// Method: x = k·ln 2 + r, |r| ≤ ½ln 2 (Cody–Waite: k·ln2Hi exact, ln2Lo carried separately),
  /// e^r from `expReduced`, then scaled by 2ᵏ through the exponent bits.
  @inlinable @inline(__always)
  public static func exp(_ x: Double) -> Double {
    if !(Swift.abs(x) <= 708) {
      if x.isNaN { return x }
      if x > 709.782712893384 { return .infinity }
      if x < -745.2 { return 0 }
    }
    let (kf, k) = nearestInteger(x * invLn2)
    return scale(expReduced(x - kf * ln2Hi, kf * ln2Lo), k)
  }

  /// e^(a + b) for a double-double a + b (|b| ≤ ulp(a)), |a| ≤ 746: the second half of `pow`.
  @inlinable @inline(__always)
  static func exp(_ a: Double, plus b: Double) -> Double {
    let (kf, k) = nearestInteger(a * invLn2)
    return scale(expReduced(a - kf * ln2Hi, kf * ln2Lo - b), k)
  }

  // MARK: log, log2

  /// x = 2ᵏ·(1 + f) with 1 + f in [√2/2, √2) for finite x > 0 (subnormals scaled first).
  @inlinable @inline(__always)
  static func decompose(_ x: Double) -> (k: Double, f: Double) {
    var bits = x.bitPattern, k = 0
    if x < 0x1p-1022 { bits = (x * 0x1p54).bitPattern; k = -54 }
    // Subtracting the bits of √2/2 moves the exponent up by one exactly when the mantissa is ≥ √2.
    let e = Int64(bitPattern: bits &- 0x3FE6_A09E_667F_3BCD) >> 52
    k += Int(e)
    let m = Double(bitPattern: bits &- UInt64(bitPattern: e << 52))
    return (Double(k), m - 1)  // m − 1 is exact (Sterbenz)
  }

  /// Special values of log and log2: NaN for x < 0 or NaN, −∞ at ±0, +∞ at +∞; nil for finite
  /// x > 0.
  @inlinable @inline(__always)
  static func logSpecial(_ x: Double) -> Double? {
    if x > 0 && x < .infinity { return nil }
    if x == 0 { return -.infinity }
    if x == .infinity { return x }
    return .nan
  }

  /// The parts of log(1 + f) for 1 + f in [√2/2, √2): log(1 + f) = f − hfsq + s·(hfsq + R) with
  /// s = f/(2 + f), hfsq = f²/2 and R = Σ_{n=1…10} 2s²ⁿ/(2n + 1) (the atanh series
  /// log(1 + f) = 2·atanh s, rearranged with 2s = f − s·f; truncation < 10⁻¹⁸ relative).
  @inlinable @inline(__always)
  static func log1pParts(_ f: Double) -> (hfsq: Double, correction: Double) {
    let s = f / (2 + f)
    let z = s * s
    // Estrin's scheme (independent pairs, shorter dependency chain than Horner's)
    let z2 = z * z, z4 = z2 * z2
    let r = z * ((2.0 / 3 + z * (2.0 / 5)) + z2 * (2.0 / 7 + z * (2.0 / 9))
      + z4 * ((2.0 / 11 + z * (2.0 / 13)) + z2 * (2.0 / 15 + z * (2.0 / 17)) + z4 * (2.0 / 19 + z * (2.0 / 21))))
    let hfsq = 0.5 * f * f
    return (hfsq, s * (hfsq + r))
  }

  /// The natural logarithm, within 1 ulp of the correctly rounded result (measured < 0.52 ulp).
  ///
  /// Range: every x ≥ 0 (subnormals included); log(1) = +0, log(±0) = −∞, log(+∞) = +∞, NaN for
  /// x < 0 and NaN. Method: x = 2ᵏ(1 + f), 1 + f in [√2/2, √2), log x = k·ln 2 + log(1 + f) with
  /// log(1 + f) from the atanh series (`log1pParts`); the rounding errors of f − f²/2 and of
  /// k·ln 2 + (f − f²/2) are kept and added with the small terms before the last rounding.
  @inlinable @inline(__always)
  public static func log(_ x: Double) -> Double {
    if let s = logSpecial(x) { return s }
    return logAssembled(decompose(x), tail: 0)
  }

  /// k·ln 2 + log(1 + f) + tail for 1 + f in [√2/2, √2) and a small tail (|tail| ≪ ulp of the
  /// result's leading part), with the rounding errors kept until the last addition.
  @inlinable @inline(__always)
  static func logAssembled(_ kf: (k: Double, f: Double), tail: Double) -> Double {
    let (k, f) = kf
    let (hfsq, corr) = log1pParts(f)
    let hi = f - hfsq
    let lo = ((f - hi) - hfsq) + corr + tail  // f − hi is exact (Sterbenz)
    let kh = k * ln2Hi, w = kh + hi
    return w + (((kh - w) + hi) + (lo + k * ln2Lo))  // two-sum: |kh| ≥ |hi| unless k = 0
  }

  /// log(1 + x), accurate for small x, within 1 ulp of the correctly rounded result (measured
  /// against glibc's `log1p` in `ElementaryTests`).
  ///
  /// Range: x ≥ −1; log1p(−1) = −∞, log1p(+∞) = +∞, log1p(±0) = ±0, NaN for x < −1 and NaN.
  /// Method: u = 1 + x rounded and its rounding error c = (1 + x) − u exactly (Dekker's fast
  /// two-sum, larger operand first), then log u as `log` computes it with c/u (the first-order
  /// term of log(u + c) − log u) added to the small terms before the last rounding.
  @inlinable @inline(__always)
  public static func log1p(_ x: Double) -> Double {
    if !(x > -1 && x < .infinity) { return x == -1 ? -.infinity : (x == .infinity ? x : .nan) }
    if Swift.abs(x) < 0x1p-54 { return x }  // log1p(x) = x − x²/2 + …: x is the rounded value
    let u = 1 + x
    let c = (x >= 1 ? 1 - (u - x) : x - (u - 1)) / u
    return logAssembled(decompose(u), tail: c)
  }

  /// The base-2 logarithm, within 1 ulp of the correctly rounded result; exact integers at
  /// powers of two. Same range and specials as `log`.
  ///
  /// Method: as `log`, then log(1 + f) is split into a 21-bit head and a tail, each multiplied
  /// by a 21-bit head and a tail of 1/ln 2 (the head product is exact), and k is added with the
  /// rounding error of that sum kept.
  @inlinable @inline(__always)
  public static func log2(_ x: Double) -> Double {
    if let s = logSpecial(x) { return s }
    let (k, f) = decompose(x)
    let (hfsq, corr) = log1pParts(f)
    let hi = Double(bitPattern: (f - hfsq).bitPattern & 0xFFFF_FFFF_0000_0000)
    let lo = ((f - hi) - hfsq) + corr
    let invHi = 1.4426946640014648, invLo = 3.768874985636099e-07  // 1/ln 2 = invHi + invLo
    let vh = hi * invHi
    let vl = (lo + hi) * invLo + lo * invHi
    let w = k + vh
    return w + (vl + ((k - w) + vh))
  }

  /// log x as a double-double hi + lo, relative error about 2⁻⁶⁶, for finite x > 0 (the first
  /// half of `pow`).
  ///
  /// Method: x = 2ᵏ(1 + f); s = f/(2 + f) in double-double; log(1 + f) = 2s + (2/3)s³ + s⁵·Q(s²)
  /// (atanh series, Q = Σ_{n≥2} 2s²⁽ⁿ⁻²⁾/(2n + 1) to n = 11), the first two terms in
  /// double-double; k·ln 2 added with ln 2 to 95 bits.
  @inlinable @inline(__always)
  static func logExtended(_ x: Double) -> (hi: Double, lo: Double) {
    let (k, f) = decompose(x)
    let v = 2 + f, vl = (2 - v) + f  // 2 + f exactly
    let sh = f / v
    let (ph, pl) = twoProduct(sh, v)
    let sl = (((f - ph) - pl) - sh * vl) / v
    let (zh, zl) = twoProduct(sh, sh)
    let (ch, cl0) = twoProduct(zh, sh)
    let cl = cl0 + (zl * sh + 3 * zh * sl)  // s³ ≈ ch + cl
    let twoThirdsHi = 0.6666666666666666, twoThirdsLo = 3.700743415417188e-17
    let (th, tl0) = twoProduct(ch, twoThirdsHi)
    let tl = tl0 + (cl * twoThirdsHi + ch * twoThirdsLo)
    let z = zh
    let z2 = z * z, z4 = z2 * z2  // Estrin's scheme
    let q = (2.0 / 5 + z * (2.0 / 7)) + z2 * (2.0 / 9 + z * (2.0 / 11))
      + z4 * ((2.0 / 13 + z * (2.0 / 15)) + z2 * (2.0 / 17 + z * (2.0 / 19)) + z4 * (2.0 / 21 + z * (2.0 / 23)))
    let tail = (z2 * sh) * q
    let a = 2 * sh + th
    let b = ((2 * sh - a) + th) + (2 * sl + tl + tail)  // log(1 + f) = a + b
    let kh = k * ln2Hi
    let h = kh + a
    let l = ((kh - h) + a) + (b + k * ln2Lo)  // |kh| ≥ |a| unless k = 0, where the sum is exact
    let hi = h + l
    return (hi, (h - hi) + l)
  }

  // MARK: pow

  /// C's special cases of pow, `core(|x|, y)` (for finite x > 0, finite y) for the rest.
  ///
  /// pow(x, ±0) = 1 and pow(1, y) = 1 (even for NaN); NaN in, NaN out; y = ±∞: 1 for |x| = 1,
  /// else 0 or +∞ as |x| < 1 or > 1 and the sign of y; x = ±0 and ±∞ as C (sign kept for odd
  /// integer y); x < 0: ±core(−x, y) for integer y (negative for odd y), NaN otherwise.
  @inlinable @inline(__always)
  static func powSpecial(_ x: Double, _ y: Double, _ core: (Double, Double) -> Double) -> Double {
    if x > 0 && x < .infinity && Swift.abs(y) < .infinity { return core(x, y) }
    if y == 0 || x == 1 { return 1 }
    if x.isNaN || y.isNaN { return .nan }
    if y.isInfinite {
      let ax = Swift.abs(x)
      if ax == 1 { return 1 }
      return (ax < 1) == (y > 0) ? 0 : .infinity
    }
    // y finite and non-zero; x is ±0, ±∞ or negative.
    var isInteger = true, isOdd = false
    if Swift.abs(y) < 0x1p53 {
      let i = Int64(y)
      isInteger = Double(i) == y
      isOdd = isInteger && i & 1 != 0
    }
    let negative = x.sign == .minus && isOdd
    if x == 0 || x.isInfinite {
      let big = (x == 0) == (y < 0)
      return negative ? (big ? -.infinity : -0.0) : (big ? .infinity : 0)
    }
    if !isInteger { return .nan }
    let r = core(-x, y)
    return negative ? -r : r
  }

  /// xʸ, within 2 ulp where the result is normal (measured < 1 ulp), with C's special values
  /// (`powSpecial`; x < 0 only for integer y).
  ///
  /// Method: log x in double-double (`logExtended`), y·log x as a double-double by Dekker's
  /// product, then e^(that) with the low part folded into exp's reduction (`exp(_:plus:)`).
  /// Overflow gives +∞, underflow 0, subnormal results are rounded once.
  @inlinable @inline(__always)
  public static func pow(_ x: Double, _ y: Double) -> Double {
    powSpecial(x, y) { x, y in
      let (lh, ll) = logExtended(x)
      let p = y * lh
      if !(Swift.abs(p) < 746) { return p > 0 ? .infinity : 0 }
      var ys = y, lhs = lh, lls = ll
      if Swift.abs(y) > 0x1p900 { ys = y * 0x1p-100; lhs = lh * 0x1p100; lls = ll * 0x1p100 }  // keep the split finite
      let (th, tl0) = twoProduct(ys, lhs)
      let tl = tl0 + ys * lls
      let t = th + tl
      return exp(t, plus: (th - t) + tl)
    }
  }

  /// vᵖ (v ≥ 0), a term of the minkowski metric's reduced distance |xᵢ − yᵢ|ᵖ: for a whole p in
  /// 2...8 by repeated squaring (at most 4 roundings: within p − 1 ulp, against `pow`'s 2; several
  /// times faster, and HDBSCAN with p = 3 spends nearly all its time here), otherwise `pow`. The
  /// same arithmetic on every CPU.
  @inlinable @inline(__always)
  public static func minkowskiPower(_ v: Double, _ p: Double) -> Double {
    if p >= 2 && p <= 8 && p == p.rounded(.towardZero) {
      var e = Int(p), base = v, r = 1.0
      while true {
        if e & 1 != 0 { r *= base }
        e >>= 1
        if e == 0 { return r }
        base *= base
      }
    }
    return pow(v, p)
  }

  /// xʸ for Float: the Double e^(y·log x) with `exp` and `log` (error < 2⁻⁴⁴ relative, far
  /// below a Float ulp) rounded once to Float, so within 1 ulp and nearly always correctly
  /// rounded. Special values as `pow(Double, Double)`.
  @inlinable @inline(__always)
  public static func pow(_ x: Float, _ y: Float) -> Float {
    if x > 0 && x < .infinity && Swift.abs(y) < .infinity { return Float(exp(Double(y) * log(Double(x)))) }
    return Float(powSpecial(Double(x), Double(y)) { x, y in exp(y * log(x)) })
  }

  // MARK: cos

  /// cos(r) for r = rh + rl, |r| ≤ π/4 (+ a little): 1 − r²/2 + r⁴·C(r²), Taylor to r¹⁶
  /// (the next term < 3·10⁻¹⁸); 1 − r²/2 is formed with its rounding error kept.
  @inlinable @inline(__always)
  static func cosKernel(_ rh: Double, _ rl: Double) -> Double {
    let z = rh * rh
    let c = 1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (-1.0 / 3_628_800
      + z * (1.0 / 479_001_600 + z * (-1.0 / 87_178_291_200 + z * (1.0 / 20_922_789_888_000))))))
    let hz = 0.5 * z
    let w = 1 - hz
    return w + (((1 - w) - hz) + (z * z * c - rh * rl))
  }

  /// sin(r) for r = rh + rl, |r| ≤ π/4 (+ a little): r + r³·S(r²), Taylor to r¹⁷ (the next term
  /// < 10⁻¹⁹), plus rl·cos r.
  @inlinable @inline(__always)
  static func sinKernel(_ rh: Double, _ rl: Double) -> Double {
    let z = rh * rh
    let s = -1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362_880 + z * (-1.0 / 39_916_800
      + z * (1.0 / 6_227_020_800 + z * (-1.0 / 1_307_674_368_000 + z * (1.0 / 355_687_428_096_000)))))))
    return rh + ((z * rh) * s + rl * (1 - 0.5 * z))
  }

  /// The cosine, within 1 ulp for |x| ≤ 10⁵ (measured); NaN for ±∞ and NaN.
  ///
  /// Method: x = q·π/2 + r, |r| ≤ π/4, with π/2 in three parts (33 + 33 + 53 bits, Cody–Waite;
  /// the products with q are exact for |q| < 2²⁰, so r keeps full relative accuracy up to
  /// |x| ≈ 1.6·10⁶ except right next to the zeros of cos; beyond, the reduction loses accuracy
  /// gradually but stays deterministic), then ±cos r or ±sin r by q mod 4.
  @inlinable @inline(__always)
  public static func cos(_ x: Double) -> Double {
    if !x.isFinite { return .nan }
    if Swift.abs(x) <= 0.7853981633974483 { return Swift.abs(x) < 0x1p-27 ? 1 : cosKernel(x, 0) }
    let (qf, q) = nearestInteger(x * 0.6366197723675814)
    let p1 = 1.5707963267341256, p2 = 6.077100506303966e-11, p3 = 2.0222662487959506e-21
    let y0 = x - qf * p1
    let w = qf * p2
    let rh = y0 - w
    let rl = ((y0 - rh) - w) - qf * p3
    switch q & 3 {
    case 0: return cosKernel(rh, rl)
    case 1: return -sinKernel(rh, rl)
    case 2: return -cosKernel(rh, rl)
    default: return sinKernel(rh, rl)
    }
  }

  // MARK: log-gamma

  /// lgamma(2 + t) for |t| ≤ ½: (1 − γ)t + Σ_{k=2…28} (−1)ᵏ(ζ(k) − 1)tᵏ/k (the Taylor series of
  /// log Γ about 2; terms beyond k = 28 are < 10⁻¹⁷ relative).
  @inlinable @inline(__always)
  static func logGammaNearTwo(_ t: Double) -> Double {
    let c: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
            Double, Double) = (
      0.3224670334241132, -0.0673523010531981, 0.020580808427784546, -0.007385551028673986,
      0.0028905103307415234, -0.001192753911703261, 0.0005096695247430425, -0.00022315475845357939,
      9.945751278180853e-05, -4.492623673813314e-05, 2.050721277567069e-05, -9.439488275268397e-06,
      4.374866789907488e-06, -2.039215753801366e-06)
    let d: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
            Double) = (
      9.55141213040742e-07, -4.492469198764566e-07, 2.1207184805554665e-07, -1.0043224823968099e-07,
      4.7698101693639804e-08, -2.2711094608943164e-08, 1.0838659214896955e-08, -5.183475041970047e-09,
      2.4836745438024785e-09, -1.1921401405860912e-09, 5.731367241678862e-10, -2.7595228851242334e-10,
      1.330476437424449e-10)
    // k = 16…28
    var h = d.12
    h = d.11 + t * h; h = d.10 + t * h; h = d.9 + t * h; h = d.8 + t * h; h = d.7 + t * h
    h = d.6 + t * h; h = d.5 + t * h; h = d.4 + t * h; h = d.3 + t * h; h = d.2 + t * h
    h = d.1 + t * h; h = d.0 + t * h
    // k = 2…15
    h = c.13 + t * h; h = c.12 + t * h; h = c.11 + t * h; h = c.10 + t * h; h = c.9 + t * h
    h = c.8 + t * h; h = c.7 + t * h; h = c.6 + t * h; h = c.5 + t * h; h = c.4 + t * h
    h = c.3 + t * h; h = c.2 + t * h; h = c.1 + t * h; h = c.0 + t * h
    return t * (0.42278433509846713 + t * h)  // 1 − γ
  }

  /// log Γ(x) for x > 0: relative error < 10⁻¹⁵ (measured against glibc for 0.5 ≤ x ≤ 10⁷ away
  /// from the zeros at 1 and 2, where it returns exactly 0; near them the absolute error is
  /// < 10⁻¹⁶); exact integers' log-factorials to the same accuracy. +∞ at 0 and +∞ and for
  /// x > 2.55·10³⁰⁵; NaN for x < 0 (unlike C, which defines log|Γ| there) and NaN.
  ///
  /// Method: x < ½: log Γ(x + 2) − log x − log(1 + x); ½ ≤ x < 3/2: log Γ(x + 1) − log x;
  /// 3/2 ≤ x < 15: shifted down by the recurrence to y = x − n in [3/2, 5/2) and
  /// log Γ(y) + log(y(y + 1)…(y + n − 1)); log Γ near 2 from its Taylor series
  /// (`logGammaNearTwo`); x ≥ 15: Stirling's series (x − ½)(log x − 1) + ½log 2π − ½ +
  /// Σ B₂ₙ/(2n(2n − 1)x²ⁿ⁻¹) to n = 7.
  public static func logGamma(_ x: Double) -> Double {
    if !(x > 0) { return x == 0 ? .infinity : .nan }
    if x < 0.5 { return logGammaNearTwo(x) - log(x) - log(1 + x) }
    if x < 1.5 { return logGammaNearTwo(x - 1) - log(x) }
    if x < 15 {
      var y = x, product = 1.0
      while y >= 2.5 { y -= 1; product *= y }
      return logGammaNearTwo(y - 2) + log(product)
    }
    if x == .infinity { return x }
    let r = 1 / x, r2 = r * r
    let series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
      + r2 * (-691.0 / 360_360 + r2 * (1.0 / 156)))))))
    return (x - 0.5) * (log(x) - 1) + (0.9189385332046728 - 0.5 + series)  // ½log 2π − ½
  }
}
