// Step 2b of the symmetric eigensolvers (SymmetricEigen.swift): selected eigenpairs of the
// tridiagonal matrix by Sturm-sequence bisection and inverse iteration.

/// A symmetric tridiagonal matrix T (diagonal d, sub-diagonal e) with the operations of
/// `symmetricEigenSelected`: Sturm-sequence bisection and inverse iteration.
struct SymmetricTridiagonal {
  /// Diagonal, length n.
  let d: [Double]
  /// Sub-diagonal, length n − 1 (e[k] = T[k + 1, k]).
  let e: [Double]
  /// Squares of e.
  private let e2: [Double]
  /// Gershgorin interval containing every eigenvalue.
  private let lower: Double, upper: Double
  /// Largest absolute row sum (the 1-norm of T); 1 for the zero matrix.
  let norm: Double
  /// Smallest magnitude allowed for a pivot of the Sturm recurrence.
  private let pivmin: Double
  /// Whether every entry is zero (all eigenvalues are then exactly 0).
  private let isZero: Bool

  /// T from its diagonal (length n ≥ 0) and sub-diagonal (length max(0, n − 1)).
  init(diagonal: [Double], offDiagonal: [Double]) {
    d = diagonal
    e = offDiagonal
    e2 = offDiagonal.map { $0 * $0 }
    let n = diagonal.count
    var lo = Double.infinity, hi = -Double.infinity, nrm = 0.0, maxE2 = 0.0
    for i in 0..<n {
      let r = (i > 0 ? Swift.abs(e[i - 1]) : 0) + (i < n - 1 ? Swift.abs(e[i]) : 0)
      lo = Swift.min(lo, d[i] - r)
      hi = Swift.max(hi, d[i] + r)
      nrm = Swift.max(nrm, Swift.abs(d[i]) + r)
      if i < n - 1 { maxE2 = Swift.max(maxE2, e2[i]) }
    }
    isZero = nrm == 0
    norm = isZero ? 1 : nrm
    pivmin = Double.leastNormalMagnitude * Swift.max(1, maxE2)
    let pad = 4 * Double.ulpOfOne * norm + 2 * pivmin
    lower = n > 0 ? lo - pad : 0
    upper = n > 0 ? hi + pad : 0
  }

  /// Number of eigenvalues smaller than x: negative pivots of the LDLᵀ factorisation of T − xI
  /// (Sturm sequence; Golub & Van Loan §8.4.2), pivots of magnitude below `pivmin` taken as −pivmin.
  func countBelow(_ x: Double) -> Int {
    let n = d.count
    var count = 0
    var q = d[0] - x
    if Swift.abs(q) < pivmin { q = -pivmin }
    if q < 0 { count += 1 }
    var i = 1
    while i < n {
      q = d[i] - x - e2[i - 1] / q
      if Swift.abs(q) < pivmin { q = -pivmin }
      if q < 0 { count += 1 }
      i += 1
    }
    return count
  }

  /// The eigenvalue at position `index` of the ascending order (0-based), by bisection of the
  /// Gershgorin interval (0 for the zero matrix) until the bracket is below 2ε of its magnitude (or 10⁻³ε‖T‖) or has no
  /// representable midpoint.
  func eigenvalue(index: Int) -> Double {
    if isZero { return 0 }
    var lo = lower, hi = upper
    let absTol = 1e-3 * Double.ulpOfOne * norm
    while true {
      let mid = lo + (hi - lo) / 2
      if mid <= lo || mid >= hi { break }
      if countBelow(mid) > index { hi = mid } else { lo = mid }
      let width = hi - lo
      if width <= 2 * Double.ulpOfOne * Swift.max(Swift.abs(lo), Swift.abs(hi)) || width <= absTol { break }
    }
    return lo + (hi - lo) / 2
  }

  /// Unit eigenvectors of T (rows, `values.count × n`) for the given ascending eigenvalues, by
  /// inverse iteration with partial pivoting (Wilkinson ch. 9; Golub & Van Loan §8.2.2).
  ///
  /// Eigenvalues closer than 10⁻³‖T‖ to the previous one form a cluster: each new vector of a
  /// cluster is orthogonalised against the cluster's earlier ones (modified Gram–Schmidt) after
  /// every solve, and shifts that are (nearly) equal are separated by 10ε‖T‖ so the factorisations
  /// differ. Start vectors come from a fixed integer hash of (index, coordinate). Iteration stops
  /// one solve after the growth ‖(T − λI)⁻¹x‖ reaches 1/(16√n ε‖T‖), at most 8 solves.
  func eigenvectors(values: [Double]) -> [Double] {
    let n = d.count, count = values.count
    var z = [Double](repeating: 0, count: count * n)
    if n == 0 || count == 0 { return z }
    if n == 1 { for r in 0..<count { z[r] = 1 }; return z }
    let eps = Double.ulpOfOne
    let clusterGap = 1e-3 * norm
    let separation = 10 * eps * norm
    let goal = 1 / (16 * Double(n).squareRoot() * eps * norm)
    var u0 = [Double](repeating: 0, count: n), u1 = u0, u2 = u0, mult = u0
    var swapped = [Bool](repeating: false, count: n)
    var x = [Double](repeating: 0, count: n)
    var clusterStart = 0
    var prevShift = -Double.infinity
    for r in 0..<count {
      var shift = values[r]
      if r > 0 && values[r] - values[r - 1] <= clusterGap {
        if shift < prevShift + separation { shift = prevShift + separation }
      } else {
        clusterStart = r
      }
      prevShift = shift
      factor(shift: shift, u0: &u0, u1: &u1, u2: &u2, mult: &mult, swapped: &swapped)
      // deterministic start vector in (−1, 1)
      for i in 0..<n { x[i] = startEntry(r, i) }
      var extra = -1
      for _ in 0..<8 {
        scaleToUnit(&x)
        solve(&x, u0: u0, u1: u1, u2: u2, mult: mult, swapped: swapped)
        orthogonalise(&x, against: z, rows: clusterStart..<r, n: n)
        var nrm2 = 0.0
        let big = x.reduce(0) { Swift.max($0, Swift.abs($1)) }
        if big > 0 { for v in x { let s = v / big; nrm2 += s * s } }
        let growth = big * nrm2.squareRoot()
        if extra >= 0 { extra += 1 } else if growth >= goal { extra = 0 }
        if extra >= 1 { break }
      }
      scaleToUnit(&x)
      if r > clusterStart {
        orthogonalise(&x, against: z, rows: clusterStart..<r, n: n)
        scaleToUnit(&x)
      }
      for i in 0..<n { z[r * n + i] = x[i] }
    }
    return z
  }

  /// Gaussian elimination with partial pivoting of T − shift·I = P L U; U has the diagonal u0 and
  /// two super-diagonals u1, u2; mult[i] and swapped[i] record the step eliminating column i.
  /// Zero pivots are replaced by ε‖T‖.
  private func factor(
    shift: Double, u0: inout [Double], u1: inout [Double], u2: inout [Double], mult: inout [Double],
    swapped: inout [Bool]
  ) {
    let n = d.count
    let tinyPivot = Double.ulpOfOne * norm
    // current row i in columns i, i+1, i+2
    var a = d[0] - shift, b = e[0], c = 0.0
    for i in 0..<(n - 1) {
      let below0 = e[i], below1 = d[i + 1] - shift, below2 = i + 1 < n - 1 ? e[i + 1] : 0
      if Swift.abs(a) >= Swift.abs(below0) {
        if a == 0 { a = tinyPivot }
        let m = below0 / a
        u0[i] = a; u1[i] = b; u2[i] = c; mult[i] = m; swapped[i] = false
        a = below1 - m * b
        b = below2 - m * c
      } else {
        let m = a / below0
        u0[i] = below0; u1[i] = below1; u2[i] = below2; mult[i] = m; swapped[i] = true
        a = b - m * below1
        b = c - m * below2
      }
      c = 0
    }
    if a == 0 { a = tinyPivot }
    u0[n - 1] = a; u1[n - 1] = 0; u2[n - 1] = 0
  }

  /// x ← (T − shift·I)⁻¹ x from the factorisation of `factor`; the partial solution is rescaled
  /// by 2⁻⁶⁰⁰ whenever an entry exceeds 2⁶⁰⁰ (no overflow near tiny pivots).
  private func solve(
    _ x: inout [Double], u0: [Double], u1: [Double], u2: [Double], mult: [Double], swapped: [Bool]
  ) {
    let n = d.count
    for i in 0..<(n - 1) {
      if swapped[i] { x.swapAt(i, i + 1) }
      x[i + 1] -= mult[i] * x[i]
    }
    let limit = Double(sign: .plus, exponent: 600, significand: 1)
    let down = Double(sign: .plus, exponent: -600, significand: 1)
    var i = n - 1
    while i >= 0 {
      var s = x[i]
      if i + 1 < n { s -= u1[i] * x[i + 1] }
      if i + 2 < n { s -= u2[i] * x[i + 2] }
      x[i] = s / u0[i]
      if Swift.abs(x[i]) > limit { for t in i..<n { x[t] *= down } }
      i -= 1
    }
  }

  /// Entry i of the start vector of eigenpair r: a SplitMix64-style hash of (r, i) mapped to (−1, 1).
  private func startEntry(_ r: Int, _ i: Int) -> Double {
    var h = UInt64(truncatingIfNeeded: r) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: i) &* 0xD1B5_4A32_D192_ED03
    h ^= h >> 30; h &*= 0xBF58_476D_1CE4_E5B9
    h ^= h >> 27; h &*= 0x94D0_49BB_1331_11EB
    h ^= h >> 31
    return Double(h >> 11) * 0x1p-52 - 1 + 0x1p-53
  }
}

/// Divides x by its 2-norm (computed after scaling by the largest magnitude); a zero vector
/// becomes the first unit vector.
private func scaleToUnit(_ x: inout [Double]) {
  let big = x.reduce(0) { Swift.max($0, Swift.abs($1)) }
  if !(big > 0) {
    for i in 0..<x.count { x[i] = i == 0 ? 1 : 0 }
    return
  }
  var s = 0.0
  for i in 0..<x.count { x[i] /= big; s += x[i] * x[i] }
  let inv = 1 / s.squareRoot()
  for i in 0..<x.count { x[i] *= inv }
}

/// Modified Gram–Schmidt: removes from x its components along the unit rows `rows` of `z`
/// (`… × n`), in row order.
private func orthogonalise(_ x: inout [Double], against z: [Double], rows: Range<Int>, n: Int) {
  if rows.isEmpty { return }
  z.withUnsafeBufferPointer { zp in
    x.withUnsafeMutableBufferPointer { xp in
      for q in rows {
        let zq = zp.baseAddress! + q * n
        let s = dot(zq, UnsafePointer(xp.baseAddress!), n)
        for i in 0..<n { xp[i] -= s * zq[i] }
      }
    }
  }
}
