import CGemmKernels
import Dispatch
import Synchronization

// Exact k nearest neighbours (euclidean) for higher dimensions by blocked Float32 GEMM tiles.
// Only tiles (I, J) with I ≤ J are multiplied (the distance matrix is symmetric): a tile ranks
// the candidates of its row block and, through its columns, those of its column block. Each
// worker keeps its own candidate heaps for all rows; they are merged by (value, index), so the
// result does not depend on the thread count or the scheduling. The value ‖y‖² − 2x·y ranks the
// candidates of row x; the candidates are then recomputed exactly in Double, and a per-row
// certificate (the Float32 error bound) proves that no other point can be closer; the rows that
// fail it (rare) are searched exactly (`settleExactly`).

/// For each of the n points (n × d, row-major, Double `pts`), the k nearest points including
/// itself: the `keep` ≤ n nearest with squared distances ascending in `knnR` and their indices in
/// `knnI` (n × keep), the k-th squared distance in `coreR`, and in `beyond` a lower bound of the
/// squared distance to every point not kept; in `rescanned` how many rows the certificate could not
/// settle (searched exactly: against every point, or by a KD-tree when there are many); in
/// `skipped` how many 8-column groups of the tiles the bound on a few principal axes spared (from
/// 32 columns and max(2,048, 10·d) rows, with AVX; `boundColumns: false` turns it off, for the
/// tests), which changes no result.
/// Deterministic for any thread count (all but `skipped`, which depends on the scheduling).
/// Memory O(threads · n · max(k, keep)) for the heaps and n · (d + 64) Floats for the rows.
func gemmSelfKNN(
  pts: UnsafePointer<Double>, n: Int, d: Int, k: Int, keep: Int, threads: Int, token: CancellationToken, progress: ProgressSink,
  boundColumns: Bool = true
) throws -> (coreR: [Double], knnI: [Int32], knnR: [Double], beyond: [Double], rescanned: Int, skipped: Int) {
  let kmax = max(k, keep)
  let kk = min(n, kmax + 8)
  // Data whose squared norms would overflow Float32 (|x| beyond about 10^19), or underflow it (|x|
  // below about 10^−19: the squares flush to 0 and no row could be certified), is ranked from a
  // copy scaled by a power of two, 2^−e, so that √d·max|x| lies in [2^59, 2^60): the scaling is
  // exact (up to the Float rounding the values get anyway), so the ranking and its error bound are
  // those of the unscaled values times 2^−2e. Otherwise e = 0 and the copy is the values
  // themselves. The candidates' distances are recomputed from the unscaled Doubles.
  // The tiles may rank the rows about their mean instead of the origin (distances do not depend on
  // it): the Float32 error grows with the squared norms, and data far from the origin (raw counts,
  // pixels, an offset) left the certificate nothing to prove with, so every row was scanned
  // exactly. The mean is taken when it halves the median squared norm (of up to 65,536 rows, evenly
  // spaced): not for data at the origin already (the same bits as without), nor for rows of very
  // different magnitudes, whose short rows the mean would lengthen. Centring in Double rounds
  // relative to the centred values, so the error bounds below hold for their norms.
  var mean = [Double](repeating: 0, count: d)
  for i in 0..<n { for j in 0..<d { mean[j] += pts[i * d + j] } }
  for j in 0..<d { mean[j] /= Double(n) }
  do {
    let step = max(1, n / 65_536)
    var atZero = [Double](), atMean = [Double]()
    for i in stride(from: 0, to: n, by: step) {
      var z = 0.0, c = 0.0
      for j in 0..<d { let v = pts[i * d + j]; z += v * v; c += (v - mean[j]) * (v - mean[j]) }
      atZero.append(z); atMean.append(c)
    }
    atZero.sort(); atMean.sort()
    let mid = (atZero.count - 1) / 2
    if !(atMean[mid] < 0.5 * atZero[mid]) { mean = [Double](repeating: 0, count: d) }
  }
  var maxAbs = 0.0
  for i in 0..<n { for j in 0..<d { maxAbs = max(maxAbs, abs(pts[i * d + j] - mean[j])) } }
  let reach = Double(d).squareRoot() * maxAbs
  let e = reach.isFinite && reach > 0 && (reach >= 0x1p60 || reach < 0x1p-60) ? Int(reach.exponent) + 1 - 60 : 0
  let scale = Double(sign: .plus, exponent: -e, significand: 1)
  let f0 = (0..<(n * d)).map { Float((pts[$0] - mean[$0 % d]) * scale) }
  let norms = f0.withUnsafeBufferPointer { squaredRowNorms($0.baseAddress!, rows: n, cols: d) }
  let maxNorm = norms.reduce(0, max)
  // The tiles multiply rows packed in panels of 8 (`Gemm.sgemmPacked`: the same bits as the
  // row-major kernel, without its per-4 × 4 epilogue, which cost more than the products at d = 50).
  let f = f0.withUnsafeBufferPointer { Gemm.packPanels($0.baseAddress!, rows: n, k: d, ldx: d) }
  // From 32 columns on, a tile is first multiplied over a few coordinates only: those of the rows
  // turned to their principal axes (S, the `sub` leading eigenvectors of a sample's covariance; a
  // PCA's output has them as its first columns already). With the norms of what the axes leave
  // (`tail`), ‖x − y‖² ≥ ‖S(x − y)‖² + (‖x_rest‖ − ‖y_rest‖)², so a pair whose bound already lies
  // beyond both rows' heap thresholds (plus the Float32 error of the products and of the turn) can
  // offer neither row a candidate, and its 8-column group of the tile is not multiplied over all d
  // columns. The heaps keep the kk smallest (value, index) of what they are offered, and what is
  // skipped would have been refused, so every heap ends the same, bit for bit, as without the
  // bound, whatever the axes. Not for fewer than 10·d rows (the axes would cost more than the tiles).
  var sub = boundColumns && d >= 32 && Gemm.avx && n >= 2048 && n >= 10 * d ? min(64, d / 3) & ~3 : 0
  var fs = [Float](), tail = [Float](), turnSlack = 0.0
  if sub > 0, let axes = principalAxes(f0, n: n, d: d, count: sub, threads: threads) {
    // the turned rows Z = X·Sᵀ (n × sub), in Float32: each coordinate within (γ_d + u)‖x‖ of the
    // exact turn of the Float32 row (u = 2⁻²⁴, γ_d = d·u/(1 − d·u); the axes rounded to Float32
    // move by at most u), so ‖Z_x − Sx‖ ≤ ε‖x‖ with ε = √sub·(γ_d + u)
    var z = [Float](repeating: 0, count: n * sub)
    f0.withUnsafeBufferPointer { xp in
      axes.withUnsafeBufferPointer { ap in
        z.withUnsafeMutableBufferPointer { zp in
          let X = xp.baseAddress!, A = ap.baseAddress!, Z = zp.baseAddress!
          parallelChunks(count: n, chunkSize: 2048, threads: threads) { _, rows in
            Gemm.sgemmNT(m: rows.count, n: sub, k: d, a: X + rows.lowerBound * d, lda: d, b: A, ldb: d,
                         c: Z + rows.lowerBound * sub, ldc: sub)
          }
        }
      }
    }
    let u = 0x1p-24, gammaD = Double(d) * u / (1 - Double(d) * u)
    let eps = Double(sub).squareRoot() * (gammaD + u) * 1.01 + 0x1p-40  // + the axes' own non-orthogonality
    // ‖x_rest‖² = ‖x‖² − ‖Sx‖² ≤ ‖x‖² − (‖Z_x‖ − ε‖x‖)², rounded up
    tail = [Float](repeating: 0, count: n)
    for i in 0..<n {
      var x2 = 0.0, z2 = 0.0
      for j in 0..<d { let v = Double(f0[i * d + j]); x2 += v * v }
      for t in 0..<sub { let v = Double(z[i * sub + t]); z2 += v * v }
      // (less what underflow adds to the turned coordinates: up to d + 2 terms of 2⁻¹²⁰ each, taken
      // so in case subnormals are flushed)
      let lower = z2.squareRoot() - eps * x2.squareRoot() - Double(sub).squareRoot() * Double(d + 2) * 0x1p-118
      let rest = x2 * (1 + Double(d + 2) * 0x1p-52) - (lower > 0 ? lower * lower : 0)
      tail[i] = Float(Swift.max(0, rest).squareRoot() * (1 + 0x1p-20)).nextUp
    }
    fs = z.withUnsafeBufferPointer { Gemm.packPanels($0.baseAddress!, rows: n, k: sub, ldx: sub) }
    // x·y ≤ Z_x·Z_y + 2ε(1 + ε)‖x‖‖y‖ + ‖x_rest‖‖y_rest‖, and 2‖x‖‖y‖ ≤ ‖x‖² + ‖y‖²: in the units of
    // ‖y‖² − 2x·y, 2ε(1 + ε)(‖x‖² + max ‖y‖²)
    turnSlack = 2 * eps * (1 + eps) * 1.01
  } else {
    sub = 0
  }
  // The skip test's slack, in the tiles' units, for a row x: γ(‖x‖² + max ‖y‖²) bounds the Float32
  // errors of the partial and the full product (at most d and sub terms, 2^−24 each relative to
  // ‖x‖‖y‖ ≤ (‖x‖² + ‖y‖²)/2), of ‖y‖² − 2x·y, and of the bound's own few operations; and that of
  // the turn to the axes. Underflow adds an absolute error the slack cannot bound when every norm
  // is tiny: each product and sum of a Float32 dot product may be off by 2⁻¹⁴⁹ (2⁻¹²⁰ taken, in
  // case subnormals are flushed), so `eta` is added to every limit (at most d + sub + 8 such terms
  // per product, and those of the turned coordinates, below 2⁻¹¹⁸·√sub·(d + 2) times
  // ‖x‖ + ‖y‖ ≤ 2 + ‖x‖² + ‖y‖², whose relative part 2⁻¹⁰⁰ adds to the slack).
  let slack = Float(Double(4 * (d + sub + 8)) * Double(Float.ulpOfOne) + turnSlack + 0x1p-100).nextUp
  let eta = Float(Double(4 * (d + sub + 8)) * 0x1p-120 + Double(sub).squareRoot() * Double(d + 2) * 0x1p-114)
  let bs = 512
  let nb = (n + bs - 1) / bs
  var pairI = [Int32](), pairJ = [Int32]()
  pairI.reserveCapacity(nb * (nb + 1) / 2); pairJ.reserveCapacity(nb * (nb + 1) / 2)
  // diagonal tiles first (rows are in KD-tree order, so a block holds close points and the
  // heaps start with good thresholds), then the others by increasing block distance
  for i in 0..<nb { pairI.append(Int32(i)); pairJ.append(Int32(i)) }
  for gap in 1..<max(1, nb) { for i in 0..<(nb - gap) { pairI.append(Int32(i)); pairJ.append(Int32(i + gap)) } }
  let tiles = pairI.count
  let workers = max(1, min(threads, tiles))
  // per-worker heaps for every row
  var heapV = [Float](repeating: .infinity, count: workers * n * kk)
  var heapI = [Int32](repeating: Int32.max, count: workers * n * kk)
  let next = Atomic<Int>(0)
  let done = Atomic<Int>(0)
  progress.begin("hdbscan core distances", total: tiles)
  let skipped = Atomic<Int>(0)
  f.withUnsafeBufferPointer { fp in
  fs.withUnsafeBufferPointer { fsp in
  tail.withUnsafeBufferPointer { tlp in
  norms.withUnsafeBufferPointer { np in
  pairI.withUnsafeBufferPointer { pip in
  pairJ.withUnsafeBufferPointer { pjp in
  heapV.withUnsafeMutableBufferPointer { hvp in
  heapI.withUnsafeMutableBufferPointer { hip in
    let F = fp.baseAddress!, NR = np.baseAddress!, PI = pip.baseAddress!, PJ = pjp.baseAddress!
    let FS = fsp.baseAddress, TL = tlp.baseAddress
    let HVall = hvp.baseAddress!, HIall = hip.baseAddress!
    for phase in 0..<2 {
    // phase 0: the diagonal tiles into the first heap set, copied to the others; phase 1: the rest
    let first = phase == 0 ? 0 : nb, last = phase == 0 ? nb : tiles
    next.store(first, ordering: .relaxed)
    if phase == 1 {
      for w in 1..<workers {
        (HVall + w * n * kk).update(from: HVall, count: n * kk)
        (HIall + w * n * kk).update(from: HIall, count: n * kk)
      }
    }
    DispatchQueue.concurrentPerform(iterations: phase == 0 ? min(workers, nb) : workers) { w in
      let slot = phase == 0 ? 0 : w
      let HV = HVall + slot * n * kk, HI = HIall + slot * n * kk
      var tile = [Float](repeating: 0, count: bs * bs)
      var limits = [Float](repeating: 0, count: 2 * bs)
      var keptGroups = [Int32](repeating: 0, count: bs * bs / 8)
      // the share of 8-column groups the bound could not skip, over this worker's recent tiles:
      // where it stays high (data whose variance is spread over all columns), the tiles are
      // multiplied whole for a while (the same bits either way)
      var tried = 0, kept = 0, wholeUntil = 0, failures = 0
      tile.withUnsafeMutableBufferPointer { tp in
      limits.withUnsafeMutableBufferPointer { lp in
      keptGroups.withUnsafeMutableBufferPointer { kp in
        let T = tp.baseAddress!, LIMA = lp.baseAddress!, LIMB = lp.baseAddress! + bs, KEPT = kp.baseAddress!
        var myTiles = 0
        while true {
          let t = next.wrappingAdd(1, ordering: .relaxed).oldValue
          if t >= last || token.isCancelled { break }
          let i0 = Int(PI[t]) * bs, j0 = Int(PJ[t]) * bs
          let mi = min(bs, n - i0), mj = min(bs, n - j0)
          myTiles += 1
          // i0, j0 are multiples of 8: the blocks start at panels
          if sub > 0, let FS = FS, let TL = TL, phase == 1, myTiles >= wholeUntil {
            // each row's limit: its heap's top plus the slack (+∞ while a heap is not full, which
            // keeps every group it meets); the columns of a diagonal tile are offered nothing (−∞)
            for a in 0..<mi { LIMA[a] = HV[(i0 + a) * kk] + slack * (NR[i0 + a] + maxNorm) + eta }
            for b in 0..<mj { LIMB[b] = i0 == j0 ? -.infinity : HV[(j0 + b) * kk] + slack * (NR[j0 + b] + maxNorm) + eta }
            let count = clus_sgemm_skip_tile_avx(FS + i0 * sub, FS + j0 * sub, sub, F + i0 * d, F + j0 * d, d, mi, mj,
                                                 TL + i0, TL + j0, NR + i0, NR + j0, LIMA, LIMB, KEPT, T)
            tried += mi * ((mj + 7) / 8); kept += count
            if tried >= 1 << 16 {
              // 16 tiles whole after the first failure, then 32, 64, … up to 1,024
              if kept * 10 > tried * 6 { wholeUntil = myTiles + 16 << min(failures, 6); failures += 1 } else { failures = 0 }
              skipped.wrappingAdd(tried - kept, ordering: .relaxed)
              tried = 0; kept = 0
            }
            // the kept groups' candidates, offered as below (the heaps refuse what lies beyond them)
            for e in 0..<count {
              let a = Int(KEPT[e]) >> 6, g = (Int(KEPT[e]) & 63) * 8
              let lanes = min(8, mj - g)
              let vals = T + e * 8
              let hv = HV + (i0 + a) * kk, hi = HI + (i0 + a) * kk
              let thr = hv[0]
              var offer = false
              for u in 0..<lanes where NR[j0 + g + u] - 2 * vals[u] <= thr { offer = true }
              if offer { for u in 0..<lanes { heapReplaceTop(hv, hi, kk, NR[j0 + g + u] - 2 * vals[u], Int32(j0 + g + u)) } }
              if i0 != j0 {
                let nra = NR[i0 + a]
                for u in 0..<lanes {
                  let r = j0 + g + u, v = nra - 2 * vals[u]
                  if v <= HV[r * kk] { heapReplaceTop(HV + r * kk, HI + r * kk, kk, v, Int32(i0 + a)) }
                }
              }
            }
            let dn = done.wrappingAdd(1, ordering: .relaxed).oldValue + 1
            if w == 0 { progress.update(dn) }
            continue
          }
          Gemm.sgemmPacked(m: mi, n: mj, k: d, a: F + i0 * d, b: F + j0 * d, c: T, ldc: bs)
          // rows of block I against the columns of block J
          let nrJ = NR + j0
          for a in 0..<mi {
            let hv = HV + (i0 + a) * kk, hi = HI + (i0 + a) * kk
            let row = T + a * bs
            var thr = hv[0]
            var j = 0
            while j + 8 <= mj {
              let t8 = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
              let n8 = UnsafeRawPointer(nrJ + j).loadUnaligned(as: SIMD8<Float>.self)
              let v8 = n8 - 2 * t8
              if any(v8 .<= SIMD8<Float>(repeating: thr)) {
                for u in 0..<8 { heapReplaceTop(hv, hi, kk, v8[u], Int32(j0 + j + u)) }
                thr = hv[0]
              }
              j += 8
            }
            while j < mj { heapReplaceTop(hv, hi, kk, nrJ[j] - 2 * row[j], Int32(j0 + j)); j += 1 }
          }
          // rows of block J against the rows of block I (the tile's columns), 8 rows at a time
          if i0 != j0 {
            let nrI = NR + i0
            var b = 0
            while b < mj {
              let lanes = min(8, mj - b)
              var thr8 = SIMD8<Float>(repeating: -.infinity)
              for u in 0..<lanes { thr8[u] = HV[(j0 + b + u) * kk] }
              for a in 0..<mi {
                let col = T + a * bs + b
                var t8 = SIMD8<Float>(repeating: 0)
                if lanes == 8 {
                  t8 = UnsafeRawPointer(col).loadUnaligned(as: SIMD8<Float>.self)
                } else {
                  for u in 0..<lanes { t8[u] = col[u] }
                }
                let v8 = SIMD8<Float>(repeating: nrI[a]) - 2 * t8
                if any(v8 .<= thr8) {
                  for u in 0..<lanes where v8[u] <= thr8[u] {
                    let r = j0 + b + u
                    heapReplaceTop(HV + r * kk, HI + r * kk, kk, v8[u], Int32(i0 + a))
                    thr8[u] = HV[r * kk]
                  }
                }
              }
              b += 8
            }
          }
          let dn = done.wrappingAdd(1, ordering: .relaxed).oldValue + 1
          if w == 0 { progress.update(dn) }
        }
      }}}
      skipped.wrappingAdd(tried - kept, ordering: .relaxed)
    }
    }
  }}}}}}}}
  progress.end()
  try token.check()

  // merge the workers' candidates, recompute exactly, certify
  var coreR = [Double](repeating: 0, count: n)
  var knnI = [Int32](repeating: -1, count: n * keep)
  var knnR = [Double](repeating: .infinity, count: n * keep)
  var beyond = [Double](repeating: 0, count: n)
  let gamma = 4.0 * Double(d + 2) * Double(Float.ulpOfOne)
  let unscale2 = Double(sign: .plus, exponent: 2 * e, significand: 1)
  let rescans = Atomic<Int>(0)
  var needsScan = [UInt8](repeating: 0, count: n)
  needsScan.withUnsafeMutableBufferPointer { nsp in
  let NS = nsp.baseAddress!
  norms.withUnsafeBufferPointer { np in
  heapV.withUnsafeBufferPointer { hvp in
  heapI.withUnsafeBufferPointer { hip in
  coreR.withUnsafeMutableBufferPointer { crp in
  knnI.withUnsafeMutableBufferPointer { kip in
  knnR.withUnsafeMutableBufferPointer { krp in
  beyond.withUnsafeMutableBufferPointer { byp in
    let P = pts, NR = np.baseAddress!, HV = hvp.baseAddress!, HI = hip.baseAddress!
    let CR = crp.baseAddress!, KI = kip.baseAddress!, KR = krp.baseAddress!, BY = byp.baseAddress!
    // The local floor of one row `a` whose m-th candidate has the Float32 value c (‖y‖² − 2x·y in
    // the tiles' units) and whose Float32 squared norm is nr: a lower bound of the squared
    // distance from `a` to every point not among its candidates, in the units of `exact`.
    // In the tiles' units a point y has a value ≥ c, so ‖x − y‖² ≥ c + ‖x‖² − 2γ(‖x‖² + ‖y‖²) − η,
    // where η bounds what Float32 underflow adds (each rounded coordinate, product and sum off by
    // at most 2^−149, taken as 2^−120 in case subnormals are flushed): the coordinates' error
    // changes a distance by at most 2(‖x‖ + ‖y‖)·√d·2^−120 + d·2^−240, the sums by (3d + 8)·2^−120.
    // With the split at T = (‖x‖ + √A)², A = c + ‖x‖², the points within T are at least
    // A − 2γ(‖x‖² + T) − η away and those beyond at least (√T − ‖x‖)² = A. Norms are about the
    // tiles' origin (0 or the mean): the Double ones of the centred, unscaled row (relative error
    // below (d + 2)·2^−53, taken as δ). The result is lowered by 2^−40 of itself for the rounding of
    // these few operations.
    let delta = Double(d + 8) * 0x1p-50
    func localFloor(_ a: UnsafePointer<Double>, m: Int, c: Double, nr: Double) -> Double {
      guard c.isFinite else { return -.infinity }
      var n2 = 0.0
      for j in 0..<d { let c = a[j] - mean[j]; n2 += c * c }
      let nx = max(n2, nr * unscale2) * (1 + delta)
      let big = c * unscale2 + nx  // A, before the error terms
      guard big > 0 && nx.isFinite else { return -.infinity }
      let t = (nx.squareRoot() + big.squareRoot()) * (nx.squareRoot() + big.squareRoot())
      let eta = 4 * (Double(d) * (nx + t * (1 + delta)) * unscale2).squareRoot() * 0x1p-120
        + 8 * Double(d + 2) * 0x1p-120 * unscale2
      let within = c * unscale2 + nr * unscale2 - gamma * 2 * (nx + t * (1 + delta)) - eta
      let r = (t * (1 - delta)).squareRoot() - nx.squareRoot()
      let beyond = r > 0 ? r * r : 0
      let lower = min(within, beyond)
      return lower > 0 ? lower * (1 - 0x1p-40) : lower
    }
    parallelChunks(count: n, chunkSize: 256, threads: threads) { _, rows in
      var cand = [(Float, Int32)]()
      var exact = [(Double, Int32)]()
      cand.reserveCapacity(workers * kk); exact.reserveCapacity(kk)
      for p in rows {
        cand.removeAll(keepingCapacity: true)
        for w in 0..<workers {
          let base = (w * n + p) * kk
          for t in 0..<kk where HI[base + t] != Int32.max { cand.append((HV[base + t], HI[base + t])) }
        }
        // a Float32 value that overflowed (‖y‖² or x·y beyond Float's range: NaN) ranks as +∞, so
        // that the order is total and the repeats below are equal
        for t in 0..<cand.count where cand[t].0.isNaN { cand[t].0 = .infinity }
        cand.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        // the diagonal candidates are in every heap set: drop repeats
        var u = 0
        for t in 0..<cand.count where u == 0 || cand[t] != cand[u - 1] { cand[u] = cand[t]; u += 1 }
        cand.removeLast(cand.count - u)
        let m = min(kk, cand.count)
        let a = P + p * d
        exact.removeAll(keepingCapacity: true)
        for t in 0..<m {
          let q = Int(cand[t].1)
          var s = 0.0
          let b = P + q * d
          for j in 0..<d { let u = a[j] - b[j]; s += u * u }
          exact.append((s, cand[t].1))
        }
        exact.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        // every other point has a Float value ≥ cand[m−1], so its squared distance is at least
        // that + ‖x‖² − (error bound)
        // (too few candidates or non-finite Float32 values, e.g. overflow: scan exactly)
        let err = gamma * (Double(NR[p]) + Double(maxNorm)) * 2
        // in the scaled units of the tiles, then back (×2^2e, exact) to those of `exact`
        var floor = m > 0 ? (Double(cand[m - 1].0) + Double(NR[p]) - err) * unscale2 : -Double.infinity
        // The bound above holds for every point but is loose for a row much shorter than the
        // longest (a few far outliers, or rows of very different magnitudes). A sharper one splits
        // the others at a squared norm T: those within it have an error of at most 2γ(‖x‖² + T),
        // those beyond are at least (√T − ‖x‖)² away (the reverse triangle inequality).
        if m > 0 && m < n { floor = max(floor, localFloor(a, m: m, c: Double(cand[m - 1].0), nr: Double(NR[p]))) }
        // The k-th distance (the core distance) must be certified: below that floor, or 0 (e.g.
        // duplicates: nothing is closer). The kept ones need not be: `beyond` bounds the rest.
        var rescan = m < min(n, kmax)
        if !rescan && m < n && exact[k - 1].0 != 0 && !(exact[k - 1].0 < floor) { rescan = true }
        // no bound at all (the Float32 values overflowed): even a k-th distance of 0 is not known
        // to come with the smallest rows
        if !rescan && m < n && !floor.isFinite { rescan = true }
        if rescan {
          // settled below, exactly
          rescans.wrappingAdd(1, ordering: .relaxed)
          NS[p] = 1
          continue
        }
        var b = m > keep ? exact[keep].0 : Double.infinity
        if m < n { b = min(b, floor) }  // finite here: a non-finite floor forces the rescan
        BY[p] = b
        for t in 0..<keep { KR[p * keep + t] = exact[t].0; KI[p * keep + t] = exact[t].1 }
        CR[p] = exact[k - 1].0
      }
    }
  }}}}}}}}
  try settleExactly(pts: pts, n: n, d: d, k: k, keep: keep, rows: (0..<n).filter { needsScan[$0] != 0 },
                    coreR: &coreR, knnI: &knnI, knnR: &knnR, beyond: &beyond, threads: threads, token: token)
  return (coreR, knnI, knnR, beyond, rescans.load(ordering: .relaxed), skipped.load(ordering: .relaxed))
}

/// The `count` leading principal axes of the n rows of x (n × d, Float32, row-major), as the rows of
/// a count × d Float32 matrix: the eigenvectors of the largest eigenvalues of the covariance of up to
/// 2,048 evenly spaced rows (`symmetricEigenLargest`, deterministic), orthonormal to Double
/// precision before the rounding to Float32. Only `gemmSelfKNN`'s bound reads them, and any
/// orthonormal rows keep it valid: the sample only makes it sharper. Nil when the eigensolver
/// refuses the covariance (not finite).
private func principalAxes(_ x: [Float], n: Int, d: Int, count: Int, threads: Int) -> [Float]? {
  let m = Swift.min(n, 2048)
  var mean = [Double](repeating: 0, count: d)
  for s in 0..<m { let r = s * n / m; for j in 0..<d { mean[j] += Double(x[r * d + j]) } }
  for j in 0..<d { mean[j] /= Double(m) }
  // the sample centred, transposed (d × m), so that its Gram matrix is d × d
  var t = [Float](repeating: 0, count: d * m)
  for s in 0..<m { let r = s * n / m; for j in 0..<d { t[j * m + s] = Float(Double(x[r * d + j]) - mean[j]) } }
  var g = [Float](repeating: 0, count: d * d)
  t.withUnsafeBufferPointer { tp in
    g.withUnsafeMutableBufferPointer { gp in
      Gemm.ssyrkUpper(m: d, k: m, a: tp.baseAddress!, lda: m, c: gp.baseAddress!, ldc: d)
    }
  }
  var cov = [Double](repeating: 0, count: d * d)
  for i in 0..<d { for j in i..<d { cov[j * d + i] = Double(g[i * d + j]); cov[i * d + j] = cov[j * d + i] } }
  guard let e = try? symmetricEigenLargest(cov, n: d, count: count, threads: threads) else { return nil }
  return e.vectors.map { Float($0) }
}

/// The rows the certificate could not settle, exactly: their `max(k, keep)` + 1 nearest by (squared
/// distance, row), as sorting every point would give them. A few are scanned against every point;
/// more (far-flung magnitudes beyond Float32's range can leave most rows unsettled: 19 s for 20,000
/// rows) go through a KD-tree on the Double rows, whose search keeps the same order and sums the
/// same squares in the same order (`EuclideanKD`).
/// - Throws: `AlgorithmError.cancelled`.
private func settleExactly(
  pts: UnsafePointer<Double>, n: Int, d: Int, k: Int, keep: Int, rows: [Int], coreR: inout [Double],
  knnI: inout [Int32], knnR: inout [Double], beyond: inout [Double], threads: Int, token: CancellationToken
) throws {
  if rows.isEmpty { return }
  let kq = min(n, max(k, keep) + 1)
  var outR = [Double](repeating: 0, count: rows.count * kq)
  var outI = [Int32](repeating: 0, count: rows.count * kq)
  if rows.count <= 32 {
    outR.withUnsafeMutableBufferPointer { rp in
      outI.withUnsafeMutableBufferPointer { ip in
        let R = rp.baseAddress!, I = ip.baseAddress!
        parallelChunks(count: rows.count, chunkSize: 1, threads: threads) { r, _ in
          let a = pts + rows[r] * d
          var exact = [(Double, Int32)]()
          exact.reserveCapacity(n)
          for q in 0..<n {
            var s = 0.0
            let b = pts + q * d
            for j in 0..<d { let u = a[j] - b[j]; s += u * u }
            exact.append((s, Int32(q)))
          }
          exact.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
          for t in 0..<kq { R[r * kq + t] = exact[t].0; I[r * kq + t] = exact[t].1 }
        }
      }
    }
  } else {
    let x = Array(UnsafeBufferPointer(start: pts, count: n * d))
    var queries = [Double](repeating: 0, count: rows.count * d)
    for (r, p) in rows.enumerated() { for j in 0..<d { queries[r * d + j] = pts[p * d + j] } }
    try outR.withUnsafeMutableBufferPointer { rp in
      try outI.withUnsafeMutableBufferPointer { ip in
        let R = rp.baseAddress!, I = ip.baseAddress!
        try kdQueryEach(KDTreeIndex(crossJoinOver: x, n: n, d: d), queries: queries, m: rows.count, k: kq,
                        metric: EuclideanKD(), context: RunContext(threads: threads, cancellation: token)) { r, best in
          for t in 0..<kq { R[r * kq + t] = best.dist[t]; I[r * kq + t] = Int32(best.row(t)) }
        }
      }
    }
  }
  try token.check()
  for (r, p) in rows.enumerated() {
    for t in 0..<keep { knnR[p * keep + t] = outR[r * kq + t]; knnI[p * keep + t] = outI[r * kq + t] }
    coreR[p] = outR[r * kq + k - 1]
    beyond[p] = keep < n ? outR[r * kq + keep] : Double.infinity
  }
}
