// Descriptive statistics and feature scaling as numpy and scikit-learn compute them, without the
// language: the Runtime's `var`, `std`, `median`, `quantile`, `sort`, `argsort`,
// `standard_scale` and `l2_normalize` call these.

/// numpy's `var`/`std`/`median`/`quantile`/`argsort` and scikit-learn's `StandardScaler` and
/// `normalize` on plain arrays. Arithmetic is + − × ÷ and `squareRoot()` only (deterministic on
/// every CPU); sums are taken in Double.
public enum Statistics {
  /// The mean of `x` (sum in Double, divided by the count); NaN for an empty array.
  public static func mean(_ x: [Double]) -> Double {
    var s = 0.0
    for v in x { s += v }
    return s / Double(x.count)
  }

  /// Variance as `numpy.var(x, ddof=ddof)`: Σ(x − mean)² / (n − ddof), the two-pass formula.
  ///
  /// n − ddof ≤ 0 gives numpy's answer (the sum divided by 0: +∞, or NaN when the sum is 0).
  /// NaN in `x` gives NaN. `ddof` must be ≥ 0 (the caller checks).
  public static func variance(_ x: [Double], ddof: Int = 0) -> Double {
    let m = mean(x)
    var s = 0.0
    for v in x {
      let d = v - m
      s += d * d
    }
    return s / Double(max(x.count - ddof, 0))
  }

  /// The positions that sort `x` ascending, stably (equal values keep their order), NaN last,
  /// as `numpy.argsort(x, kind="stable")`.
  public static func argsort(_ x: [Double]) -> [Int] {
    Array(0..<x.count).sorted { a, b in
      let u = x[a], v = x[b]
      if u.isNaN || v.isNaN { return !u.isNaN && v.isNaN || (u.isNaN == v.isNaN && a < b) }
      return u < v || (u == v && a < b)
    }
  }

  /// `x` sorted ascending with NaN last, as `numpy.sort`.
  public static func sorted(_ x: [Double]) -> [Double] { argsort(x).map { x[$0] } }

  /// The q-th quantile of `x` as `numpy.quantile(x, q)` (method "linear", numpy's default): the
  /// sorted values interpolated at position q·(n − 1), with numpy's two-sided interpolation
  /// (`a + (b − a)·t` for t < ½, `b − (b − a)·(1 − t)` otherwise).
  ///
  /// NaN anywhere in `x` gives NaN (as numpy). Precondition: `x` not empty, 0 ≤ q ≤ 1.
  public static func quantile(_ x: [Double], _ q: Double) -> Double {
    precondition(!x.isEmpty && q >= 0 && q <= 1)
    if x.contains(where: { $0.isNaN }) { return .nan }
    let s = x.sorted()
    let position = q * Double(s.count - 1)
    let lo = Int(position.rounded(.down))
    let hi = min(lo + 1, s.count - 1)
    let t = position - Double(lo)
    let a = s[lo], b = s[hi]
    let d = b - a
    return t < 0.5 ? a + d * t : b - d * (1 - t)
  }

  /// The median as `numpy.median`: the middle value, or the mean of the two middle values
  /// ((a + b)/2) for an even count; NaN when `x` holds a NaN. Precondition: `x` not empty.
  public static func median(_ x: [Double]) -> Double {
    precondition(!x.isEmpty)
    if x.contains(where: { $0.isNaN }) { return .nan }
    let s = x.sorted(), n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
  }

  /// Per-column mean and scale of `x` (n × d) as scikit-learn's `StandardScaler` fits them:
  /// mean and population variance (ddof 0) in Double, with the rounding-error correction
  /// Σ(x − mean)² − (Σ(x − mean))²/n; the scale is √var, or 1 for a column that
  /// `_is_constant_feature` calls constant (var ≤ n·ε·var + (n·mean·ε)², ε the Double epsilon).
  /// NaN values are left out, each column's n its count of other values, as scikit-learn fits
  /// (a column of NaN only: mean and scale NaN).
  /// - Returns: `mean` and `scale`, d values each.
  public static func standardScalerFit(_ x: Matrix) -> (mean: [Double], scale: [Double]) {
    let n = x.rows, d = x.cols
    // NaN is left out of a column's statistics (scikit-learn's nan-aware sums), each column over its
    // own count of values
    var sum = [Double](repeating: 0, count: d), count = [Int](repeating: 0, count: d)
    for i in 0..<n {
      for j in 0..<d where !x[i, j].isNaN {
        sum[j] += Double(x[i, j])
        count[j] += 1
      }
    }
    let mean = (0..<d).map { sum[$0] / Double(count[$0]) }
    var sq = [Double](repeating: 0, count: d), corr = [Double](repeating: 0, count: d)
    for i in 0..<n {
      for j in 0..<d where !x[i, j].isNaN {
        let t = Double(x[i, j]) - mean[j]
        corr[j] += t
        sq[j] += t * t
      }
    }
    let eps = Double.ulpOfOne
    let scale = (0..<d).map { j -> Double in
      let nf = Double(count[j])
      let v = (sq[j] - corr[j] * corr[j] / nf) / nf
      let bound = nf * eps * v + (nf * mean[j] * eps) * (nf * mean[j] * eps)
      return v <= bound ? 1 : v.squareRoot()
    }
    return (mean, scale)
  }

  /// `StandardScaler().fit_transform(x)` for an n × d Float32 matrix: each column minus its
  /// mean, divided by its scale (`standardScalerFit`), in Float32 with the mean and scale
  /// rounded to Float32 first, as numpy's in-place `x -= mean_; x /= scale_` on a float32 array
  /// does (the same bits as scikit-learn on the fixtures). Zero-variance columns become 0
  /// (scale 1); a NaN stays NaN, left out of its column's mean and scale. Precondition: n ≥ 1.
  public static func standardScale(_ x: Matrix) -> Matrix {
    let (mean, scale) = standardScalerFit(x)
    let m = mean.map(Float.init), s = scale.map(Float.init)
    return Matrix(rows: x.rows, cols: x.cols) { out in
      for i in 0..<x.rows {
        for j in 0..<x.cols { out[i * x.cols + j] = (x[i, j] - m[j]) / s[j] }
      }
    }
  }

  /// `sklearn.preprocessing.normalize(x)` (norm "l2", per row) for an n × d Float32 matrix: each
  /// row divided by its Euclidean norm (sum of squares in Double, rounded to Float); rows whose
  /// norm is below 10 Float epsilons (zero rows) are divided by 1, so they stay as they are.
  public static func l2NormalizeRows(_ x: Matrix) -> Matrix {
    Matrix(rows: x.rows, cols: x.cols) { out in
      for i in 0..<x.rows {
        var s = 0.0
        for j in 0..<x.cols {
          let v = Double(x[i, j])
          s += v * v
        }
        var norm = Float(s.squareRoot())
        if norm < 10 * Float.ulpOfOne { norm = 1 }
        for j in 0..<x.cols { out[i * x.cols + j] = x[i, j] / norm }
      }
    }
  }

  /// `pandas.crosstab(a, b)`: `crosstab(a, b, beforeTable:)` without a check before the table.
  /// Precondition: `a` and `b` have the same length.
  public static func crosstab<A: Hashable & Comparable, B: Hashable & Comparable>(
    _ a: [A], _ b: [B]
  ) -> (rows: [A], columns: [B], counts: [Int]) {
    crosstab(a, b, beforeTable: { _, _ in })
  }

  /// `pandas.crosstab(a, b)`: the sorted distinct values of `a` (rows) and of `b` (columns) and
  /// how often each pair occurs, rows × columns, row-major.
  /// `beforeTable` is given the table's row and column counts before its `rows × columns` counts are
  /// allocated (a memory check); what it throws is thrown.
  /// Precondition: `a` and `b` have the same length.
  public static func crosstab<A: Hashable & Comparable, B: Hashable & Comparable>(
    _ a: [A], _ b: [B], beforeTable: (_ rows: Int, _ columns: Int) throws -> Void
  ) rethrows -> (rows: [A], columns: [B], counts: [Int]) {
    precondition(a.count == b.count)
    let rows = Array(Set(a)).sorted(), cols = Array(Set(b)).sorted()
    try beforeTable(rows.count, cols.count)
    var ri: [A: Int] = [:], ci: [B: Int] = [:]
    for (i, v) in rows.enumerated() { ri[v] = i }
    for (j, v) in cols.enumerated() { ci[v] = j }
    var counts = [Int](repeating: 0, count: rows.count * cols.count)
    for (u, v) in zip(a, b) { counts[ri[u]! * cols.count + ci[v]!] += 1 }
    return (rows, cols, counts)
  }
}
