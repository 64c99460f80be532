#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// Clustering comparison scores, following scikit-learn 1.9 `sklearn.metrics.cluster._supervised`
// (`adjusted_rand_score`, `mutual_info_score`, `adjusted_mutual_info_score`,
// `normalized_mutual_info_score`) and `_expected_mutual_info_fast.expected_mutual_information`.
// Labels are arbitrary integers (negative ones such as the HDBSCAN noise label −1 are an ordinary
// class). Natural logarithms throughout.

/// The sparse contingency table of two labelings: the non-zero cells n_ij (row = class index of the
/// first labeling, column = class index of the second, both in increasing label order), and the
/// row sums a_i and column sums b_j. Counts are 64-bit.
struct Contingency {
  /// Number of points.
  var n: Int
  /// Row sums (one per distinct label of the first labeling, labels in increasing order).
  var a: [Int]
  /// Column sums (one per distinct label of the second labeling).
  var b: [Int]
  /// Non-zero cells in row-major order: (row, column, count).
  var cells: [(i: Int, j: Int, count: Int)]

  /// Builds the table by mapping labels to dense indices and sorting the encoded pairs.
  init(_ x: [Int], _ y: [Int]) {
    n = x.count
    let (xi, nx) = Contingency.denseIndices(x)
    let (yi, ny) = Contingency.denseIndices(y)
    a = [Int](repeating: 0, count: nx)
    b = [Int](repeating: 0, count: ny)
    for v in xi { a[v] += 1 }
    for v in yi { b[v] += 1 }
    // Encode each pair as i * ny + j (fits in 64 bits: nx, ny ≤ n) and count runs after sorting.
    var codes = [Int](repeating: 0, count: n)
    for k in 0..<n { codes[k] = xi[k] &* ny &+ yi[k] }
    codes.sort()
    cells = []
    var k = 0
    while k < n {
      let c = codes[k]
      var e = k + 1
      while e < n && codes[e] == c { e += 1 }
      cells.append((c / ny, c % ny, e - k))
      k = e
    }
  }

  /// Maps arbitrary integer labels to 0..<m in increasing label order.
  static func denseIndices(_ labels: [Int]) -> ([Int], Int) {
    let uniq = Array(Set(labels)).sorted()
    var map = [Int: Int](minimumCapacity: uniq.count)
    for (i, u) in uniq.enumerated() { map[u] = i }
    return (labels.map { map[$0]! }, uniq.count)
  }
}

private func checkLengths(_ a: [Int], _ b: [Int]) throws {
  if a.count != b.count {
    throw AlgorithmError.invalidInput(
      "the two labelings have different lengths (\(a.count) and \(b.count))")
  }
}

/// Entropy (natural log) of the class sizes `counts` summing to `n`, as scikit-learn `_entropy`:
/// 1.0 for an empty labeling, 0.0 for a single class.
private func labelEntropy(_ counts: [Int], _ n: Int) -> Double {
  if n == 0 { return 1.0 }
  if counts.count == 1 { return 0.0 }
  let logN = Elementary.log(Double(n))
  var s = 0.0
  for c in counts { s += (Double(c) / Double(n)) * (Elementary.log(Double(c)) - logN) }
  return -s
}

/// scikit-learn `_generalized_average`.
private func generalizedAverage(_ u: Double, _ v: Double, _ method: String) throws -> Double {
  switch method {
  case "min": return Swift.min(u, v)
  case "max": return Swift.max(u, v)
  case "geometric": return (u * v).squareRoot()
  case "arithmetic": return (u + v) / 2
  default:
    throw AlgorithmError.invalidParameter(
      name: "average_method", value: method, allowed: "one of arithmetic, max, min, geometric")
  }
}

/// Mutual information of a contingency table, as scikit-learn `mutual_info_score`: terms smaller
/// than machine epsilon in magnitude are zeroed, and the sum is clipped at 0.
private func mutualInformation(_ t: Contingency) -> Double {
  if t.a.count == 1 || t.b.count == 1 || t.n == 0 { return 0.0 }
  let total = Double(t.n)
  let logTotal = Elementary.log(total)
  let logSums = Elementary.log(Double(t.n)) + Elementary.log(Double(t.n))  // log(Σa) + log(Σb)
  var mi = 0.0
  for c in t.cells {
    let p = Double(c.count) / total
    let outer = Double(t.a[c.i] &* t.b[c.j])
    let term = p * (Elementary.log(Double(c.count)) - logTotal) + p * (-Elementary.log(outer) + logSums)
    if Swift.abs(term) >= Double.ulpOfOne { mi += term }
  }
  return Swift.max(mi, 0.0)
}

/// Expected mutual information of two random labelings with the class sizes of `t`, as
/// scikit-learn `expected_mutual_information` (hypergeometric model, Vinh, Epps & Bailey 2010),
/// evaluated in log-gamma space. `log(m!)` is tabulated once for m in 0...n, so the cost is
/// Σ_ij min(a_i, b_j) exponentials.
func expectedMutualInformation(_ t: Contingency) -> Double {
  let a = t.a, b = t.b, n = t.n
  if a.count == 1 || b.count == 1 { return 0.0 }
  let maxAB = Swift.max(a.max() ?? 0, b.max() ?? 0)
  // lf[m] = log(m!) = log Γ(m + 1) (`Elementary.logGamma`).
  var lf = [Double](repeating: 0, count: n + 1)
  for m in 0...n { lf[m] = Elementary.logGamma(Double(m) + 1) }
  var logNij = [Double](repeating: 0, count: maxAB + 1)
  var term1 = [Double](repeating: 0, count: maxAB + 1)
  let logN = Elementary.log(Double(n))
  for v in 1...Swift.max(1, maxAB) where v <= maxAB {
    logNij[v] = logN + Elementary.log(Double(v))
    term1[v] = Double(v) / Double(n)
  }
  let logA = a.map { Elementary.log(Double($0)) }
  let logB = b.map { Elementary.log(Double($0)) }
  let lfN = lf[n]
  var emi = 0.0
  lf.withUnsafeBufferPointer { lf in
    logNij.withUnsafeBufferPointer { logNij in
      term1.withUnsafeBufferPointer { term1 in
        for i in 0..<a.count {
          let ai = a[i]
          for j in 0..<b.count {
            let bj = b[j]
            let start = Swift.max(1, ai - n + bj)
            let end = Swift.min(ai, bj)
            if start > end { continue }
            let base = lf[ai] + lf[bj] + lf[n - ai] + lf[n - bj] - lfN
            let logAB = logA[i] + logB[j]
            var v = start
            while v <= end {
              let term2 = logNij[v] - logAB
              let gln = base - lf[v] - lf[ai - v] - lf[bj - v] - lf[n - ai - bj + v]
              emi += term1[v] * term2 * Elementary.exp(gln)
              v += 1
            }
          }
        }
      }
    }
  }
  return emi
}

/// Adjusted Rand index of two labelings of the same points, as scikit-learn
/// `adjusted_rand_score`: built from the pair confusion matrix, 1.0 when no pair disagrees
/// (including empty labelings), in [−0.5, 1]. Products are formed in 128-bit integers, so there is
/// no overflow for billions of points.
/// - Parameters:
///   - a: labels of n points (arbitrary integers, −1 included); reference name `labels_true`.
///   - b: labels of the same n points; reference name `labels_pred`.
/// - Throws: `AlgorithmError.invalidInput` if the lengths differ.
public func adjustedRandScore(_ a: [Int], _ b: [Int]) throws -> Double {
  try checkLengths(a, b)
  let t = Contingency(a, b)
  let n = t.n
  var sumSquares = 0
  var dotB = 0  // Σ_ij n_ij · b_j
  var dotA = 0  // Σ_ij n_ij · a_i
  for c in t.cells {
    sumSquares += c.count * c.count
    dotB += c.count * t.b[c.j]
    dotA += c.count * t.a[c.i]
  }
  let tp = Int128(sumSquares - n)
  let fp = Int128(dotB - sumSquares)
  let fn = Int128(dotA - sumSquares)
  let tn = Int128(n) * Int128(n) - fp - fn - Int128(sumSquares)
  if fn == 0 && fp == 0 { return 1.0 }
  let num = 2 * (tp * tn - fn * fp)
  let den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
  return Double(num) / Double(den)
}

/// Mutual information (natural log, nats) between two labelings, as scikit-learn
/// `mutual_info_score`. 0.0 if either labeling has a single class; 0.0 for empty labelings
/// (where scikit-learn raises a math-domain error).
/// - Throws: `AlgorithmError.invalidInput` if the lengths differ.
public func mutualInfoScore(_ a: [Int], _ b: [Int]) throws -> Double {
  try checkLengths(a, b)
  return mutualInformation(Contingency(a, b))
}

/// Adjusted mutual information, as scikit-learn `adjusted_mutual_info_score`:
/// (MI − E[MI]) / (mean(H(a), H(b)) − E[MI]), with the exact expected mutual information.
/// 1.0 if both labelings have one class or both are empty; 0.0 if exactly one has a single class.
/// Numerator and denominator are kept at least machine epsilon in magnitude (sign preserved).
/// - Parameters:
///   - a: labels of n points (reference `labels_true`); b: labels of the same points (`labels_pred`).
///   - averageMethod: reference `average_method`: "arithmetic" (default), "max", "min", "geometric".
/// - Throws: `AlgorithmError.invalidInput` if the lengths differ;
///   `AlgorithmError.invalidParameter` for an unknown average method.
public func adjustedMutualInfoScore(
  _ a: [Int], _ b: [Int], averageMethod: String = "arithmetic"
) throws -> Double {
  let t = try informationTable(a, b, averageMethod)
  let (r, c) = (t.a.count, t.b.count)
  if (r == 1 && c == 1) || (r == 0 && c == 0) { return 1.0 }
  if r == 1 || c == 1 { return 0.0 }
  let mi = mutualInformation(t)
  let emi = expectedMutualInformation(t)
  let hA = labelEntropy(t.a, t.n), hB = labelEntropy(t.b, t.n)
  let normalizer = try generalizedAverage(hA, hB, averageMethod)
  let eps = Double.ulpOfOne
  var den = normalizer - emi
  den = den < 0 ? Swift.min(den, -eps) : Swift.max(den, eps)
  var num = mi - emi
  num = num < 0 ? Swift.min(num, -eps) : Swift.max(num, eps)
  return num / den
}

/// Normalized mutual information, as scikit-learn `normalized_mutual_info_score`:
/// MI / mean(H(a), H(b)). 1.0 if both labelings have one class or both are empty; 0.0 when the
/// mutual information is 0.
/// - Parameters: as `adjustedMutualInfoScore`.
/// - Throws: `AlgorithmError.invalidInput` if the lengths differ;
///   `AlgorithmError.invalidParameter` for an unknown average method.
public func normalizedMutualInfoScore(
  _ a: [Int], _ b: [Int], averageMethod: String = "arithmetic"
) throws -> Double {
  let t = try informationTable(a, b, averageMethod)
  let (r, c) = (t.a.count, t.b.count)
  if (r == 1 && c == 1) || (r == 0 && c == 0) { return 1.0 }
  let mi = mutualInformation(t)
  if mi == 0 { return 0.0 }
  let hA = labelEntropy(t.a, t.n), hB = labelEntropy(t.b, t.n)
  return mi / (try generalizedAverage(hA, hB, averageMethod))
}

/// The contingency table of AMI and NMI, after their common checks (scikit-learn checks the
/// lengths, then the average method, before any counting).
/// - Throws: `AlgorithmError.invalidInput` if the lengths differ;
///   `AlgorithmError.invalidParameter` for an unknown average method.
private func informationTable(_ a: [Int], _ b: [Int], _ averageMethod: String) throws -> Contingency {
  try checkLengths(a, b)
  _ = try generalizedAverage(0, 0, averageMethod)
  return Contingency(a, b)
}
