import CGemmKernels
#if canImport(Glibc)
import Glibc
#endif

// Dense matrix products whose every output element is computed by the same arithmetic on every
// x86-64 processor.
//
// OpenBLAS chooses its kernels by processor at run time (Sandy Bridge, Haswell, Zen, SkylakeX,
// ...): blocking, summation order and fused multiply-adds differ from family to family, so the
// last bits of a Gram matrix depend on the machine, and a nearest neighbour, a label or a layout
// that is decided by them can change. These products are compiled code of ours: each element
// C[i][j] is the dot product of a row of A and a row of B accumulated in `V.scalarCount` lanes
// over k (lane l sums the terms with index ≡ l mod lanes, in increasing index order), the lanes
// then added in lane order and the tail terms after them, with separate multiplies and adds
// (Swift never contracts them into fused multiply-adds). The result of an element does not depend
// on the tile it is computed in, on m, n, the leading dimensions or the processor.
//
// The kernel works on 4 rows of A against 2 rows of B at a time (8 SSE accumulators), which keeps
// it within the 16 vector registers of baseline x86-64. Where the CPU has AVX, 4 × 4 tiles run in
// C (Sources/CGemmKernels), whose 256-bit registers hold the 4 lanes of two neighbouring elements
// side by side: the same arithmetic per element at twice the width, so the result is the same.

/// Deterministic dense products (row-major), replacing BLAS where a result feeds a decision.
public enum Gemm {
  /// Whether 4 × 4 tiles run in 256-bit AVX (the same element arithmetic, twice the width): when the
  /// CPU and the OS support AVX and the environment variable `CLUS_NO_AVX` is not set (`make
  /// test-cpus` sets it to show that both paths give the same bits).
  public static let avx: Bool = clus_gemm_have_avx() == 1 && getenv("CLUS_NO_AVX") == nil

  /// C (m × n) = A (m × k) · Bᵀ, with B stored n × k: C[i][j] = Σₚ A[i][p] · B[j][p], Float32.
  /// Leading dimensions are the row lengths in memory (lda ≥ k, ldb ≥ k, ldc ≥ n).
  /// The arithmetic of each element is fixed (see the file's comment): identical on every CPU.
  public static func sgemmNT(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    sgemmNT(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, upperOnly: false, avx: avx)
  }

  /// Double-precision `sgemmNT` (2 lanes): C (m × n) = A (m × k) · Bᵀ, B stored n × k.
  public static func dgemmNT(
    m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    dgemmNT(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, upperOnly: false, avx: avx)
  }

  /// The upper triangle (j ≥ i) of C (m × m) = A · Aᵀ for A (m × k), Float32 (as BLAS `ssyrk`
  /// with `CblasUpper, CblasNoTrans`); elements below the diagonal may also be written (with the
  /// values of their mirror images) and must not be read.
  public static func ssyrkUpper(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
    sgemmNT(m: m, n: m, k: k, a: a, lda: lda, b: a, ldb: lda, c: c, ldc: ldc, upperOnly: true, avx: avx)
  }

  /// C (m × n) = A · Bᵀ for rows anywhere in memory: row i of A is `aRows[i]`, row j of B is
  /// `bRows[j]` (k Floats each), so a gathered block needs no copy. Each element has `sgemmNT`'s
  /// arithmetic (the same bits). Every element runs in the AVX tiles, 6 × 4 while 6 rows of A
  /// remain, then 4 × 4: a last block of fewer than 4 rows or columns repeats the last row, into
  /// scratch, and only its real elements are stored. With `upperOnly` (aRows and bRows the same
  /// rows) only the blocks on and above the diagonal are computed: the upper triangle (j ≥ i) is
  /// exact, elements below it may be written and must not be read. Requires `avx` (callers gather the rows for `sgemmNT` otherwise).
  public static func sgemmNTRows(
    m: Int, n: Int, k: Int, aRows: UnsafePointer<UnsafePointer<Float>>, bRows: UnsafePointer<UnsafePointer<Float>>,
    c: UnsafeMutablePointer<Float>, ldc: Int, upperOnly: Bool = false
  ) {
    precondition(avx, "sgemmNTRows needs AVX")
    if m <= 0 || n <= 0 { return }
    withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 8) { rp in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 24) { tp in
        let pa = rp.baseAddress!, pb = pa + 4, tmp = tp.baseAddress!
        var i0 = 0
        // 6 rows of A at a time (two pairs of B rows loaded per step serve 6 rows, not 4)
        while i0 + 6 <= m {
          var j0 = upperOnly ? i0 : 0
          while j0 < n {
            if j0 + 4 <= n {
              clus_sgemm_tile6x4_rows_avx(optionalRows(aRows + i0), optionalRows(bRows + j0), k, c + i0 * ldc + j0, ldc)
            } else {
              for q in 0..<4 { pb[q] = bRows[min(j0 + q, n - 1)] }
              clus_sgemm_tile6x4_rows_avx(optionalRows(aRows + i0), optionalRows(UnsafePointer(pb)), k, tmp, 4)
              for r in 0..<6 { for q in 0..<(n - j0) { c[(i0 + r) * ldc + j0 + q] = tmp[r * 4 + q] } }
            }
            j0 += 4
          }
          i0 += 6
        }
        while i0 < m {
          let fullI = i0 + 4 <= m
          if !fullI { for r in 0..<4 { pa[r] = aRows[min(i0 + r, m - 1)] } }
          var j0 = upperOnly ? i0 : 0
          while j0 < n {
            if fullI && j0 + 4 <= n {
              clus_sgemm_tile4x4_rows_avx(optionalRows(aRows + i0), optionalRows(bRows + j0), k, c + i0 * ldc + j0, ldc)
            } else {
              let a4 = fullI ? aRows + i0 : UnsafePointer(pa)
              for q in 0..<4 { pb[q] = bRows[min(j0 + q, n - 1)] }
              clus_sgemm_tile4x4_rows_avx(optionalRows(a4), optionalRows(UnsafePointer(pb)), k, tmp, 4)
              for r in 0..<min(4, m - i0) { for q in 0..<min(4, n - j0) { c[(i0 + r) * ldc + j0 + q] = tmp[r * 4 + q] } }
            }
            j0 += 4
          }
          i0 += 4
        }
      }
    }
  }

  /// The rows of `x` (rows × k, row stride ldx ≥ k) in panels of 8 rows for `sgemmPacked`: coordinate
  /// p of row 8g + l at [(g · k + p) · 8 + l], the missing rows of the last panel zero;
  /// ⌈rows / 8⌉ · 8 · k Floats. Moves only.
  public static func packPanels(_ x: UnsafePointer<Float>, rows: Int, k: Int, ldx: Int) -> [Float] {
    let count = (rows + 7) / 8 * 8 * k
    return [Float](unsafeUninitializedCapacity: count) { buf, initialized in
      if count > 0 { clus_sgemm_pack_panels(x, ldx, rows, k, buf.baseAddress!) }
      initialized = count
    }
  }

  /// C (m × n) = A · Bᵀ, C[i][j] = Σₚ A[i][p] · B[j][p] (Float32), for A and B packed by `packPanels`
  /// (`a` and `b` at the start of a panel; m, n ≤ the rows packed from there), written at c with
  /// row stride ldc ≥ n. Each element has `sgemmNT`'s arithmetic, the same bits on every CPU: in AVX
  /// 8 columns share a register (3 rows at a time; the epilogue adds whole registers, where the
  /// 4 × 4 tiles transpose and gather), elsewhere the same per element in Swift.
  public static func sgemmPacked(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    sgemmPacked(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, avx: avx)
  }

  /// `sgemmPacked` with the AVX kernel on or off (the tests compare the two paths bit for bit).
  static func sgemmPacked(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
    avx: Bool
  ) {
    if m <= 0 || n <= 0 { return }
    if avx { clus_sgemm_packed_avx(a, m, b, n, k, c, ldc); return }
    let kv = k - k % 4
    @inline(__always) func lane8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
      UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
    var j0 = 0
    while j0 < n {
      let bp = b + (j0 / 8) * k * 8
      let cols = min(8, n - j0)
      for i in 0..<m {
        let ar = a + (i / 8) * k * 8 + i % 8
        var l0 = SIMD8<Float>(), l1 = SIMD8<Float>(), l2 = SIMD8<Float>(), l3 = SIMD8<Float>()
        var p = 0
        while p < kv {
          l0 = l0 + SIMD8(repeating: ar[p * 8]) * lane8(bp + p * 8)
          l1 = l1 + SIMD8(repeating: ar[(p + 1) * 8]) * lane8(bp + (p + 1) * 8)
          l2 = l2 + SIMD8(repeating: ar[(p + 2) * 8]) * lane8(bp + (p + 2) * 8)
          l3 = l3 + SIMD8(repeating: ar[(p + 3) * 8]) * lane8(bp + (p + 3) * 8)
          p += 4
        }
        var s = ((l0 + l1) + l2) + l3
        if kv < k {
          var t = SIMD8(repeating: ar[kv * 8]) * lane8(bp + kv * 8)
          for q in (kv + 1)..<k { t = t + SIMD8(repeating: ar[q * 8]) * lane8(bp + q * 8) }
          s = s + t
        }
        for q in 0..<cols { c[i * ldc + j0 + q] = s[q] }
      }
      j0 += 8
    }
  }

  /// Double-precision `ssyrkUpper`: the upper triangle of A · Aᵀ for A (m × k).
  public static func dsyrkUpper(m: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
    dgemmNT(m: m, n: m, k: k, a: a, lda: lda, b: a, ldb: lda, c: c, ldc: ldc, upperOnly: true, avx: avx)
  }

  /// `sgemmNT` with the choices made explicit: the upper triangle only, and the AVX tiles on or off
  /// (the tests compare the two paths bit for bit).
  static func sgemmNT(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, upperOnly: Bool, avx: Bool
  ) {
    gemmNT(SIMD4<Float>.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
           upperOnly: upperOnly, tile: avx ? { a, lda, b, ldb, k, c, ldc in clus_sgemm_tile4x4_avx(a, lda, b, ldb, k, c, ldc) } : nil)
  }

  /// `dgemmNT` with the choices made explicit (see `sgemmNT(…upperOnly:avx:)`).
  static func dgemmNT(
    m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    c: UnsafeMutablePointer<Double>, ldc: Int, upperOnly: Bool, avx: Bool
  ) {
    gemmNT(SIMD2<Double>.self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
           upperOnly: upperOnly, tile: avx ? { a, lda, b, ldb, k, c, ldc in clus_dgemm_tile4x4_avx(a, lda, b, ldb, k, c, ldc) } : nil)
  }

  /// Transposes the `rows × cols` block at `src` (leading dimension `lds`) into `dst`
  /// (`cols × rows`, leading dimension `rows`), so that products with a transposed operand can
  /// run on the row-major kernel. Exact (moves only).
  @inlinable
  public static func transpose<T>(
    rows: Int, cols: Int, _ src: UnsafePointer<T>, lds: Int, into dst: UnsafeMutablePointer<T>
  ) {
    // 32 × 32 tiles keep both sides in cache
    let t = 32
    var i0 = 0
    while i0 < rows {
      let i1 = min(rows, i0 + t)
      var j0 = 0
      while j0 < cols {
        let j1 = min(cols, j0 + t)
        for i in i0..<i1 { for j in j0..<j1 { dst[j * rows + i] = src[i * lds + j] } }
        j0 = j1
      }
      i0 = i1
    }
  }
}

/// Row pointers as C sees them (`const float *const *`: optional pointers, the same layout).
@inline(__always)
private func optionalRows(_ p: UnsafePointer<UnsafePointer<Float>>) -> UnsafePointer<UnsafePointer<Float>?> {
  UnsafeRawPointer(p).assumingMemoryBound(to: UnsafePointer<Float>?.self)
}

/// Sum of the lanes of `v` in lane order.
@inline(__always)
private func laneSum<V: SIMD>(_ v: V) -> V.Scalar where V.Scalar: FloatingPoint {
  var s = v[0]
  for l in 1..<V.scalarCount { s = s + v[l] }
  return s
}

/// The core of every product: C[i][j] = dot(A row i, B row j) with the fixed arithmetic described
/// at the top of the file; with `upperOnly`, tiles entirely below the diagonal are skipped. `tile`,
/// when given, computes 4 × 4 tiles with the same element arithmetic (the AVX kernels).
@inline(__always)
private func gemmNT<V: SIMD>(
  _: V.Type, m: Int, n: Int, k: Int, a: UnsafePointer<V.Scalar>, lda: Int, b: UnsafePointer<V.Scalar>,
  ldb: Int, c: UnsafeMutablePointer<V.Scalar>, ldc: Int, upperOnly: Bool,
  tile: ((UnsafePointer<V.Scalar>, Int, UnsafePointer<V.Scalar>, Int, Int, UnsafeMutablePointer<V.Scalar>, Int) -> Void)?
) where V.Scalar: BinaryFloatingPoint {
  if m <= 0 || n <= 0 { return }
  let lanes = V.scalarCount
  let kv = k - k % lanes  // terms summed in lanes; the rest is the tail
  let stride = MemoryLayout<V.Scalar>.stride
  let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)

  @inline(__always) func load(_ base: UnsafeRawPointer, _ row: Int, _ ld: Int, _ p: Int) -> V {
    base.loadUnaligned(fromByteOffset: (row &* ld &+ p) &* stride, as: V.self)
  }
  @inline(__always) func finish(_ acc: V, _ i: Int, _ j: Int) -> V.Scalar {
    var s = laneSum(acc)
    if kv < k {
      let ai = a + i * lda, bj = b + j * ldb
      var t = ai[kv] * bj[kv]
      var p = kv + 1
      while p < k { t = t + ai[p] * bj[p]; p += 1 }
      s = s + t
    }
    return s
  }
  // one element (edges)
  @inline(__always) func single(_ i: Int, _ j: Int) {
    var acc = V()
    var p = 0
    while p < kv { acc = acc + load(ra, i, lda, p) * load(rb, j, ldb, p); p &+= lanes }
    c[i * ldc + j] = finish(acc, i, j)
  }

  // B in blocks of rows that stay in the L2 cache while all rows of A pass
  let nb = max(2, min(n, (1 << 17) / max(1, k &* stride)) & ~1)
  var j0 = 0
  while j0 < n {
    let j1 = min(n, j0 + nb)
    var i = 0
    while i + 4 <= m {
      var j = upperOnly ? max(j0, i & ~1) : j0
      if let tile = tile {
        while j + 4 <= j1 {
          tile(a + i * lda, lda, b + j * ldb, ldb, k, c + i * ldc + j, ldc)
          j += 4
        }
      }
      while j + 2 <= j1 {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var p = 0
        while p < kv {
          let b0 = load(rb, j, ldb, p), b1 = load(rb, j + 1, ldb, p)
          let a0 = load(ra, i, lda, p)
          c00 = c00 + a0 * b0; c01 = c01 + a0 * b1
          let a1 = load(ra, i + 1, lda, p)
          c10 = c10 + a1 * b0; c11 = c11 + a1 * b1
          let a2 = load(ra, i + 2, lda, p)
          c20 = c20 + a2 * b0; c21 = c21 + a2 * b1
          let a3 = load(ra, i + 3, lda, p)
          c30 = c30 + a3 * b0; c31 = c31 + a3 * b1
          p &+= lanes
        }
        c[i * ldc + j] = finish(c00, i, j); c[i * ldc + j + 1] = finish(c01, i, j + 1)
        c[(i + 1) * ldc + j] = finish(c10, i + 1, j); c[(i + 1) * ldc + j + 1] = finish(c11, i + 1, j + 1)
        c[(i + 2) * ldc + j] = finish(c20, i + 2, j); c[(i + 2) * ldc + j + 1] = finish(c21, i + 2, j + 1)
        c[(i + 3) * ldc + j] = finish(c30, i + 3, j); c[(i + 3) * ldc + j + 1] = finish(c31, i + 3, j + 1)
        j += 2
      }
      while j < j1 {
        for r in i..<(i + 4) { single(r, j) }
        j += 1
      }
      i += 4
    }
    while i < m {
      var j = upperOnly ? max(j0, i) : j0
      while j < j1 { single(i, j); j += 1 }
      i += 1
    }
    j0 = j1
  }
}
