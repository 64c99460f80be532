// Steps 1 and 3 of the symmetric eigensolvers (SymmetricEigen.swift): Householder reduction to
// tridiagonal form and the back-transformation, with the fixed-order dot products they use.

/// T = Qᵀ (A / scale) Q for a symmetric A, Q = H₀ H₁ ⋯ H₍ₙ₋₃₎ a product of Householder reflectors
/// Hₖ = I − βₖ vₖ vₖᵀ acting on coordinates k + 1 ..< n (Golub & Van Loan §8.3.1).
///
/// A is first divided by a power of two (`scale`, exact) so its largest entry has magnitude in
/// [1, 2); the reduction then works on the lower triangle with the symmetric rank-2 update
/// B ← B − v wᵀ − w vᵀ, w = p − (β pᵀv / 2) v, p = β B v.
struct HouseholderTridiagonal {
  /// Order of the matrix.
  let n: Int
  /// The power of two A was divided by (eigenvalues of A = scale × eigenvalues of T).
  let scale: Double
  /// Diagonal of T, length n.
  var diagonal: [Double]
  /// Sub-diagonal of T, length max(0, n − 1): offDiagonal[k] = T[k + 1, k].
  var offDiagonal: [Double]
  /// The vectors vₖ packed one after another (vₖ has n − k − 1 entries, for coordinates k + 1 ..< n).
  private var reflectors: [Double]
  /// Start of vₖ in `reflectors`, length max(0, n − 2).
  private var offsets: [Int]
  /// βₖ = 2 / vₖᵀvₖ, or 0 when no reflection was needed.
  private var betas: [Double]

  /// Reduces the symmetric `n × n` row-major `a` (lower triangle read).
  /// - Throws: `AlgorithmError.invalidInput` for a size mismatch or a non-finite entry.
  init(_ a: [Double], n: Int) throws {
    if n < 0 || a.count != n * n {
      throw AlgorithmError.invalidInput("a symmetric eigenproblem of order \(n) needs \(n * n) entries, got \(a.count)")
    }
    self.n = n
    var maxAbs = 0.0
    for i in 0..<n {
      for j in 0...i {
        let v = a[i * n + j]
        if !v.isFinite { throw AlgorithmError.invalidInput("the matrix of an eigenproblem has a non-finite entry") }
        maxAbs = Swift.max(maxAbs, Swift.abs(v))
      }
    }
    // Power of two with maxAbs / scale in [1, 2): exact scaling, no libm.
    scale = maxAbs > 0 ? Double(sign: .plus, exponent: maxAbs.exponent, significand: 1) : 1
    let inv = 1 / scale
    var w = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { w[i * n + j] = a[i * n + j] * inv } }
    diagonal = [Double](repeating: 0, count: n)
    offDiagonal = [Double](repeating: 0, count: Swift.max(0, n - 1))
    let steps = Swift.max(0, n - 2)
    offsets = [Int](repeating: 0, count: steps)
    var total = 0
    for k in 0..<steps { offsets[k] = total; total += n - k - 1 }
    reflectors = [Double](repeating: 0, count: total)
    betas = [Double](repeating: 0, count: steps)
    var p = [Double](repeating: 0, count: n)
    var wv = [Double](repeating: 0, count: n)
    let nn = n
    w.withUnsafeMutableBufferPointer { wp in
      reflectors.withUnsafeMutableBufferPointer { rp in
        p.withUnsafeMutableBufferPointer { pp in
          wv.withUnsafeMutableBufferPointer { wvp in
            let ab = wp.baseAddress!, pb = pp.baseAddress!, wb = wvp.baseAddress!
            for k in 0..<steps {
              let lo = k + 1
              // v indexed by global coordinate: vg[i] for i in lo..<n
              let vg = rp.baseAddress! + offsets[k] - lo
              let x0 = ab[lo * nn + k]
              var tail = 0.0
              for i in (lo + 1)..<nn { let x = ab[i * nn + k]; tail += x * x }
              diagonal[k] = ab[k * nn + k]
              if tail == 0 {
                offDiagonal[k] = x0
                betas[k] = 0
                continue
              }
              let norm = (x0 * x0 + tail).squareRoot()
              let alpha = x0 >= 0 ? -norm : norm
              let v0 = x0 - alpha
              vg[lo] = v0
              for i in (lo + 1)..<nn { vg[i] = ab[i * nn + k] }
              let beta = 2 / (v0 * v0 + tail)
              betas[k] = beta
              offDiagonal[k] = alpha
              // p = β B v over the lower triangle of B = A[lo..., lo...]
              for i in lo..<nn { pb[i] = 0 }
              for i in lo..<nn {
                let row = ab + i * nn
                let vi = vg[i]
                let s = dotAndAxpy(row + lo, UnsafePointer(vg + lo), pb + lo, i - lo, vi)
                pb[i] += s + row[i] * vi
              }
              var pv = 0.0
              for i in lo..<nn { pb[i] *= beta; pv += pb[i] * vg[i] }
              let half = 0.5 * beta * pv
              for i in lo..<nn { wb[i] = pb[i] - half * vg[i] }
              // B ← B − v wᵀ − w vᵀ (lower triangle)
              for i in lo..<nn {
                let row = ab + i * nn
                let vi = vg[i], wi = wb[i]
                for j in lo...i { row[j] -= vi * wb[j] + wi * vg[j] }
              }
            }
          }
        }
      }
    }
    if n >= 1 { diagonal[n - 1] = w[(n - 1) * n + (n - 1)] }
    if n >= 2 {
      diagonal[n - 2] = w[(n - 2) * n + (n - 2)]
      offDiagonal[n - 2] = w[(n - 1) * n + (n - 2)]
    }
  }

  /// Replaces each of the `count` rows z of `z` (`count × n`, eigenvectors of T) by Q z
  /// (eigenvectors of A): applies H₍ₙ₋₃₎ first, H₀ last, each as z ← z − β (vᵀz) v.
  /// Rows run in parallel on `threads` threads; each row's arithmetic is the same for any count.
  func backTransform(_ z: inout [Double], count: Int, threads: Int = 1) {
    let n = self.n
    if n < 3 || count == 0 { return }
    reflectors.withUnsafeBufferPointer { rp in
      z.withUnsafeMutableBufferPointer { zp in
        let zb = zp.baseAddress!
        parallelChunks(count: count, chunkSize: 1, threads: threads) { r, _ in
          let zr = zb + r * n
          for k in stride(from: n - 3, through: 0, by: -1) {
            let beta = betas[k]
            if beta == 0 { continue }
            let lo = k + 1, m = n - lo
            let v = rp.baseAddress! + offsets[k]
            let s = beta * dot(v, UnsafePointer(zr + lo), m)
            for i in 0..<m { zr[lo + i] -= s * v[i] }
          }
        }
      }
    }
  }
}

/// Σ a[j]·x[j] for j in 0..<count (returned) while y[j] += a[j]·alpha, in one pass.
/// Four SIMD lanes of partial sums, combined as (l0 + l1) + (l2 + l3), then the remainder in
/// order: a fixed summation order.
@inline(__always)
private func dotAndAxpy(
  _ a: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
  _ count: Int, _ alpha: Double
) -> Double {
  var acc = SIMD4<Double>(repeating: 0)
  let al = SIMD4<Double>(repeating: alpha)
  var j = 0
  while j + 4 <= count {
    let av = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
    let xv = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Double>.self)
    let yv = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD4<Double>.self)
    acc += av * xv
    UnsafeMutableRawPointer(y + j).storeBytes(of: yv + av * al, as: SIMD4<Double>.self)
    j += 4
  }
  var s = (acc[0] + acc[1]) + (acc[2] + acc[3])
  while j < count {
    s += a[j] * x[j]
    y[j] += a[j] * alpha
    j += 1
  }
  return s
}

/// Σ a[j]·b[j] for j in 0..<count, with the fixed summation order of `dotAndAxpy`.
@inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
  var acc = SIMD4<Double>(repeating: 0)
  var j = 0
  while j + 4 <= count {
    acc += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self)
      * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Double>.self)
    j += 4
  }
  var s = (acc[0] + acc[1]) + (acc[2] + acc[3])
  while j < count { s += a[j] * b[j]; j += 1 }
  return s
}
