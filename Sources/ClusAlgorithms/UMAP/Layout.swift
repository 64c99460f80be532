#if canImport(Glibc)
import Glibc
#endif
import CGemmKernels

/// umap-learn `make_epochs_per_sample`: for each weight w, max(w)/w (epochs between two samples
/// of the edge), −1 for a zero weight.
public func makeEpochsPerSample(_ weights: [Float], nEpochs: Int) -> [Double] {
  let wmax = Double(weights.max() ?? 0)
  return weights.map { epochsPerSample($0, wmax: wmax, nEpochs: nEpochs) }
}

/// `makeEpochsPerSample` rounded to Float, as the layout keeps its schedule (4 bytes per edge
/// instead of 8 + 4 for the Double array and its rounded copy).
func makeEpochsPerSampleFloat(_ weights: [Float], nEpochs: Int) -> [Float] {
  let wmax = Double(weights.max() ?? 0)
  return weights.map { Float(epochsPerSample($0, wmax: wmax, nEpochs: nEpochs)) }
}

@inline(__always) private func epochsPerSample(_ w: Float, wmax: Double, nEpochs: Int) -> Double {
  let ns = wmax > 0 ? Double(nEpochs) * (Double(w) / wmax) : 0
  return ns > 0 ? Double(nEpochs) / ns : -1
}

/// Settings of `optimizeLayoutEuclidean`.
struct LayoutSettings {
  var a: Float
  var b: Float
  var gamma: Float
  var initialAlpha: Float
  var negativeSampleRate: Double
  var nEpochs: Int
  var seed: UInt64
  /// Rounds per epoch (fixed: the result depends on it, never on the thread count).
  var rounds: Int = 16
  /// densMAP's input-space data, nil for plain UMAP.
  var dens: DensMAPInput? = nil
  /// Two dimensions without densMAP take a loop of their own (j's position in registers, negative
  /// samples drawn before the attraction); false sends them through the general loop, which gives
  /// the same bits (for the test that checks it).
  var twoDimensionalLoop = true
}

/// densMAP's extra gradient coefficient for the sampled edge (j, k) with membership μ, squared
/// embedding distance d2 > 0 and pb = d2^b (umap-learn `_optimize_layout_euclidean_single_epoch`,
/// `grad_cor_coeff`, times the 2 it is applied with).
@inline(__always)
private func densCoefficient(_ j: Int, _ k: Int, _ mu: Float, _ d2: Float, _ pb: Float, a: Float, b: Float, n: Int,
                             _ de: DensMAPEpoch, _ dn: DensMAPInput) -> Float {
  let ad = Double(a), bd = Double(b), pbd = Double(pb)
  let phi = 1 / (1 + ad * pbd)
  let dphi = ad * bd * (pbd / Double(d2)) / (1 + ad * pbd)
  let qjk = phi / Double(de.phiSum[k]), qkj = phi / Double(de.phiSum[j])
  let drk = qjk * ((1 - bd * (1 - phi)) / Elementary.exp(Double(de.reSum[k])) + dphi)
  let drj = qkj * ((1 - bd * (1 - phi)) / Elementary.exp(Double(de.reSum[j])) + dphi)
  let sq = de.reStd * de.reStd
  let wk = Double(dn.R[k]) - de.reCov * (Double(de.reSum[k]) - de.reMean) / sq
  let wj = Double(dn.R[j]) - de.reCov * (Double(de.reSum[j]) - de.reMean) / sq
  let c = 2 * dn.lambda * dn.muTot * (wk * drk + wj * drj) / (Double(mu) * de.reStd) / Double(n)
  return c.isFinite ? Float(c) : 0
}

/// x^b by linear interpolation in a table over the Float representation (exponent and the top
/// 7 mantissa bits; 25,729 entries, ~200 KB) — relative error ≤ b|b−1|/8·2⁻¹⁴ (7·10⁻⁷ for the
/// default b), several times cheaper than `Elementary.pow`. Outside [7.9·10⁻³¹, 2.5·10³⁰]
/// it calls `Elementary.pow` (deterministic, no libm).
struct PowTable {
  static let first: UInt32 = 0x0D80, last: UInt32 = 0x7200
  let exponent: Float
  /// (value, slope to the next entry) pairs.
  let table: [Float]

  init(exponent b: Float) {
    exponent = b
    let count = Int(PowTable.last - PowTable.first) + 1
    var v = [Double](repeating: 0, count: count)
    for i in 0..<count { v[i] = Elementary.pow(Double(Float(bitPattern: (PowTable.first + UInt32(i)) << 16)), Double(b)) }
    var t = [Float](repeating: 0, count: 2 * count)
    for i in 0..<count {
      t[2 * i] = Float(v[i])
      t[2 * i + 1] = i + 1 < count ? Float(v[i + 1] - v[i]) : 0
    }
    table = t
  }

  /// x^b outside the table's range (rare: kept out of line so that `lookup` inlines small).
  @inline(never) static func outside(_ x: Float, _ b: Float) -> Float { Elementary.pow(x, b) }

  @inline(__always) static func lookup(_ x: Float, _ b: Float, _ t: UnsafePointer<Float>) -> Float {
    let bits = x.bitPattern
    let hiBits = bits >> 16
    if hiBits < first || hiBits >= last { return outside(x, b) }
    let i = Int(hiBits - first) * 2
    let frac = Float(bitPattern: 0x3F80_0000 | ((bits & 0xFFFF) << 7)) - 1
    return t[i] + frac * t[i + 1]
  }
}

/// A positive function of x > 0 by quadratic interpolation in a table over the Float
/// representation: the cells of `PowTable` (exponent and the top 7 mantissa bits, 25,728 cells
/// between 7.9·10⁻³¹ and 2.5·10³⁰), each holding the parabola through the function's values at
/// its start, its middle and its end (computed in Double), as (c₀, c₁, c₂, 0) for
/// c₀ + f·(c₁ + f·c₂) with f ∈ [0, 1) the position in the cell. For the layout's two gradient
/// coefficients (functions of a power of x, whose relative third derivative in a cell of relative
/// width 2⁻⁷ is small) the relative error is a few Float ulps (`UMAPTests.testCurveTableAccuracy`):
/// one table lookup replaces `PowTable`'s and the one or two divisions after it.
/// Outside the table, `lookup` returns nil and the caller computes the function itself.
struct CurveTable {
  /// (c₀, c₁, c₂, 0) per cell.
  let table: [Float]

  init(_ f: (Double) -> Double) {
    let count = Int(PowTable.last - PowTable.first)
    var t = [Float](repeating: 0, count: 4 * count)
    for i in 0..<count {
      let lo = Double(Float(bitPattern: (PowTable.first + UInt32(i)) << 16))
      let hi = Double(Float(bitPattern: (PowTable.first + UInt32(i) + 1) << 16))
      let v0 = f(lo), vm = f((lo + hi) / 2), v1 = f(hi)
      let c2 = 2 * (v1 - 2 * vm + v0)
      t[4 * i] = Float(v0)
      t[4 * i + 1] = Float(v1 - v0 - c2)
      t[4 * i + 2] = Float(c2)
    }
    table = t
  }

  /// The function at x (> 0), or nil outside the table's range (x < 7.9·10⁻³¹ or ≥ 2.5·10³⁰).
  @inline(__always) static func lookup(_ x: Float, _ t: UnsafePointer<Float>) -> Float? {
    let bits = x.bitPattern
    let hiBits = bits >> 16
    if hiBits < PowTable.first || hiBits >= PowTable.last { return nil }
    let c = t + Int(hiBits - PowTable.first) &* 4
    let frac = Float(bitPattern: 0x3F80_0000 | ((bits & 0xFFFF) << 7)) - 1
    return c[0] + frac * (c[1] + frac * c[2])
  }
}

/// The layout's attraction coefficient −2ab·x^{b−1}/(1 + a·x^b) for a squared distance x > 0,
/// from the table, or outside it in Float from `Elementary.pow` (kept out of line).
@inline(__always) private func attractionCoefficient(_ x: Float, _ a: Float, _ b: Float, _ t: UnsafePointer<Float>) -> Float {
  if let c = CurveTable.lookup(x, t) { return c }
  return attractionOutside(x, a, b)
}
@inline(never) private func attractionOutside(_ x: Float, _ a: Float, _ b: Float) -> Float {
  let pb = Elementary.pow(x, b)
  // a·x^b beyond float32: the coefficient is −2b/x to float32's precision (inf/inf otherwise)
  if !(a * pb).isFinite { return -2 * b / x }
  return -(2 * a * b) * (pb / x) / (a * pb + 1)
}

/// The layout's repulsion coefficient 2γb/((0.001 + x)(1 + a·x^b)) for a squared distance x > 0,
/// from the table, or outside it in Float from `Elementary.pow` (kept out of line).
@inline(__always) private func repulsionCoefficient(_ x: Float, _ a: Float, _ b: Float, _ gamma: Float, _ t: UnsafePointer<Float>) -> Float {
  if let c = CurveTable.lookup(x, t) { return c }
  return repulsionOutside(x, a, b, gamma)
}
@inline(never) private func repulsionOutside(_ x: Float, _ a: Float, _ b: Float, _ gamma: Float) -> Float {
  (2 * gamma * b) / ((0.001 + x) * (a * Elementary.pow(x, b) + 1))
}

/// `attractionOutside` and `repulsionOutside` for the C kernel of the 2-D layout (layout2d.c).
private let attractionOutsideC: @convention(c) (Float, Float, Float) -> Float = { x, a, b in attractionOutside(x, a, b) }
private let repulsionOutsideC: @convention(c) (Float, Float, Float, Float) -> Float = { x, a, b, g in repulsionOutside(x, a, b, g) }

/// How many negative samples the layout draws ahead of their use (a power of two).
private let layoutLookahead = 16
/// How many deferred moves ahead of their application the tails' rows are prefetched.
private let deferAhead = 16

@inline(__always) private func clip4(_ v: Float) -> Float { v > 4 ? 4 : (v < -4 ? -4 : v) }

/// The SGD layout of umap-learn's `optimize_layout_euclidean` (layouts.py,
/// `_optimize_layout_euclidean_single_epoch`, move_other = true), made parallel and
/// deterministic.
///
/// Per edge (j → k) sampled at this epoch (every `epochs_per_sample` epochs): attraction with
/// coefficient −2ab·d^{b−1}/(1 + a·d^b) (d = squared distance, 0 if d = 0), per-coordinate
/// gradient clipped to ±4, applied to j and (negated) to k; then
/// ⌊(epoch − next_negative)/epochs_per_negative_sample⌋ negative samples k′ uniform over the
/// vertices, repulsion 2γb/((0.001 + d)(1 + a·d^b)) per coordinate clipped to ±4, moving j only
/// (a coincident sample gives a zero gradient; sampling j itself is skipped). Learning rate
/// α = lr·(1 − (epoch−1)/n_epochs) (lr at epoch 0), as umap-learn. The two coefficients come
/// from `CurveTable`s (a few Float ulps from the formulas; densMAP's term takes d^b from
/// `PowTable`).
///
/// Differences to umap-learn's serial loop, all for speed, none measurably changing quality
/// (trustworthiness@15 of MNIST 10k embeddings stays at umap-learn's level, seeds 1–4 and 42):
/// - the negative samples of one positive sample are all evaluated at j's position before the
///   attraction, and their clipped moves summed and added after the attraction's move
///   (umap-learn moves j after the attraction and after each negative sample): the samples and
///   the attraction become independent computations instead of one long dependency chain;
/// - the per-edge schedule (epoch of next sample / next negative sample) is kept in Float.
///
/// Deterministic parallel scheme. The edges are stored head-major (CSR), as umap-learn visits
/// them. Every epoch is cut into `rounds` (16) consecutive ranges of head vertices, run one
/// after the other; each round is cut into fixed blocks of head vertices (their size depends on
/// n only) that run in parallel. A block walks its edges in umap-learn's order, drawing negative
/// samples from its own random stream derived from (seed, epoch, round, block).
/// Reads and writes:
/// - the block's own head vertices are read and moved live (no other block touches them);
/// - vertices outside the current round are read live (nobody moves them during the round);
/// - vertices of other blocks of the same round are read from a snapshot taken at the start of
///   the round;
/// - moves of tails outside the block are recorded and applied after the round, in block order.
/// No value depends on thread scheduling, so the embedding is bit-identical for any thread
/// count. Random reads (the rows of negative samples, drawn 16 ahead of their use, and the tails
/// of a vertex's sampled edges, gathered one vertex ahead) are prefetched: a hint only, no value
/// changes. Two dimensions without densMAP run a loop of their own, in C (`clus_layout2d_run`, layout2d.c: the Swift loop kept its random stream and bounds in memory, about 100 instructions a negative sample), with the same arithmetic
/// (j's position in registers, each positive sample's negative rows drawn before its attraction);
/// `LayoutSettings.twoDimensionalLoop` turns it off for the test that compares the two. Information between blocks of a round is at most 1/16 epoch stale (umap-learn's own
/// parallel mode is Hogwild, with unbounded races).
func optimizeLayoutEuclidean(
  embedding: inout [Float], dim: Int, graph: FuzzyGraph, epochsPerSample eps: [Float],
  settings s: LayoutSettings, context: RunContext
) throws {
  let n = graph.n
  if n == 0 || s.nEpochs == 0 { return }
  // per-edge schedule in Float (16 bytes per edge with the column index: the arrays are streamed
  // every epoch, so their size bounds the speed on large graphs)
  let negRate = Float(s.negativeSampleRate)
  var nextSample = eps
  var nextNeg = eps.map { $0 / negRate }
  var snapshot = embedding
  let nRounds = max(1, min(s.rounds, n))
  let roundSize = (n + nRounds - 1) / nRounds
  // deferred moves: slots for the edges of one round (the largest), reused round after round
  var roundEdges = 1
  for r in 0..<nRounds where r * roundSize < n {
    roundEdges = max(roundEdges, graph.rowStart[min(n, (r + 1) * roundSize)] - graph.rowStart[r * roundSize])
  }
  var defTarget = [Int32](repeating: 0, count: roundEdges)
  var defDelta = [Float](repeating: 0, count: roundEdges * dim)
  let bsz = min(256, max(16, (roundSize + 7) / 8))
  var maxDegree = 1
  for i in 0..<n { maxDegree = max(maxDegree, graph.rowStart[i + 1] - graph.rowStart[i]) }
  let blocksPerRound = chunkCount(roundSize, bsz)
  var defCount = [Int](repeating: 0, count: blocksPerRound)
  let a = s.a, b = s.b, gamma = s.gamma
  let progress = context.progress
  progress.begin("embedding epochs", total: s.nEpochs)
  defer { progress.end() }
  var alpha = s.initialAlpha
  let nEpochs = s.nEpochs
  let threads = context.threads
  embedding.withUnsafeMutableBufferPointer { yp in
  snapshot.withUnsafeMutableBufferPointer { sp in
  graph.rowStart.withUnsafeBufferPointer { rsp in
  graph.columns.withUnsafeBufferPointer { cp in
  graph.weights.withUnsafeBufferPointer { wsp in
  // x^b for densMAP's coefficient only (the plain layout's coefficients come from the curve tables)
  let powTable = s.dens != nil ? PowTable(exponent: s.b).table : [0]
  let (ad, bd, gd) = (Double(a), Double(b), Double(gamma))
  let attraction = CurveTable { x in
    let pb = Elementary.pow(x, bd)
    // a·x^b beyond 1e300 (a large b): the coefficient is −2b/x to double precision (inf/inf
    // otherwise, for b = 100 from x ≈ 1,200 on: every run diverged)
    if !(ad * pb <= 1e300) { return -2 * bd / x }
    return -2 * ad * bd * (pb / x) / (ad * pb + 1)
  }
  let repulsion = CurveTable { x in 2 * gd * bd / ((0.001 + x) * (ad * Elementary.pow(x, bd) + 1)) }
  eps.withUnsafeBufferPointer { epp in
  powTable.withUnsafeBufferPointer { ptp in
  attraction.table.withUnsafeBufferPointer { atbp in
  repulsion.table.withUnsafeBufferPointer { rtbp in
  nextSample.withUnsafeMutableBufferPointer { nsp in
  nextNeg.withUnsafeMutableBufferPointer { nnp in
  defTarget.withUnsafeMutableBufferPointer { dtp in
  defDelta.withUnsafeMutableBufferPointer { ddp in
  defCount.withUnsafeMutableBufferPointer { dcp in
    let y = yp.baseAddress!, snapM = sp.baseAddress!, rs = rsp.baseAddress!, cols = cp.baseAddress!
    let ws = wsp.baseAddress!
    let snap = UnsafePointer(snapM)
    let pt = ptp.baseAddress!, atp = atbp.baseAddress!, rtp = rtbp.baseAddress!
    let ep = epp.baseAddress!, ns = nsp.baseAddress!, nn = nnp.baseAddress!
    let dt = dtp.baseAddress!, dd = ddp.baseAddress!, dc = dcp.baseAddress!
    for epoch in 0..<nEpochs {
      if context.cancellation.isCancelled { break }
      let fEpoch = Float(epoch)
      let al = alpha
      // densMAP: the last dens_frac of the epochs, with radii from the start of the epoch
      var densEpoch: DensMAPEpoch? = nil
      if let dn = s.dens, dn.lambda > 0, Double(epoch + 1) / Double(nEpochs) > 1 - dn.frac {
        densEpoch = DensMAPEpoch(y: UnsafePointer(y), dim: dim, graph: graph, a: Double(a), b: Double(b), input: dn, threads: threads)
      }
      let dE = densEpoch, dIn = s.dens
      for round in 0..<nRounds {
        let rlo = round * roundSize, rhi = min(n, rlo + roundSize)
        if rlo >= rhi { break }
        (snapM + rlo * dim).update(from: y + rlo * dim, count: (rhi - rlo) * dim)
        parallelChunks(count: rhi - rlo, chunkSize: bsz, threads: threads) { block, local in
          var rng = RandomStream(seed: s.seed, 0x5A1D_0E90C, UInt64(epoch), UInt64(round), UInt64(block))
          let lo = rlo + local.lowerBound, hi = rlo + local.upperBound
          let defBase = rs[lo] - rs[rlo]
          if dim == 2 && dE == nil && s.twoDimensionalLoop {
            // two dimensions: the block in C (layout2d.c), the arithmetic of the general loop below
            // with j's position in registers from its first edge to its last (nothing else reads or
            // writes j's row meanwhile: a negative sample of j itself is skipped, a loop edge reads
            // j's current position) and each positive sample's negative samples evaluated before its
            // attraction, as below; the same draws in the same order
            let selection = UnsafeMutablePointer<Int>.allocate(capacity: 2 * maxDegree)
            defer { selection.deallocate() }
            var args = clus_layout2d_block(
              y: y, snap: snap, rs: rs, cols: cols, ep: ep, ns: ns, nn: nn, atab: atp, rtab: rtp,
              a: a, b: b, gamma: gamma, neg_rate: negRate, epoch: fEpoch, alpha: al,
              n: n, rlo: rlo, rhi: rhi, lo: lo, hi: hi, def_target: dt + defBase, def_delta: dd + defBase * 2,
              selection: selection, max_degree: maxDegree, rng: (rng.s0, rng.s1, rng.s2, rng.s3),
              attraction_outside: attractionOutsideC, repulsion_outside: repulsionOutsideC)
            dc[block] = clus_layout2d_run(&args)
            return
          }
          var nDef = 0
          let negMove = UnsafeMutablePointer<Float>.allocate(capacity: dim)
          defer { negMove.deallocate() }
          // The negative samples' rows are random reads (cache misses from about 50,000 points on):
          // the block's stream is drawn `lookahead` values ahead of its use and each drawn row is
          // prefetched. Every draw is nextInt(n), so the samples are the same, in the same order.
          // The ring holds the drawn rows (where each is read from, resolved at the draw); a
          // sample of j itself is recognised by its row, j's live row.
          let ring = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: layoutLookahead)
          defer { ring.deallocate() }
          let selection = UnsafeMutablePointer<Int>.allocate(capacity: 2 * maxDegree)
          defer { selection.deallocate() }
          let roundCount = UInt(bitPattern: rhi &- rlo), blockCount = UInt(bitPattern: hi &- lo)
          let liveRows = UnsafePointer(y)
          @inline(__always) func rowToRead(_ k2: Int) -> UnsafePointer<Float> {
            // in the round but outside the block: the snapshot (unsigned compares: one each)
            let snapshotted = UInt(bitPattern: k2 &- rlo) < roundCount && UInt(bitPattern: k2 &- lo) >= blockCount
            return (snapshotted ? snap : liveRows) + k2 &* dim
          }
          for i in 0..<layoutLookahead {
            ring[i] = rowToRead(rng.nextInt(n))
            clus_prefetch(ring[i])
          }
          var head = 0
          @inline(__always) func nextNegative() -> UnsafePointer<Float> {
            let row = ring[head]
            let drawn = rowToRead(rng.nextInt(n))
            ring[head] = drawn
            clus_prefetch(drawn)
            head = (head &+ 1) & (layoutLookahead - 1)
            return row
          }
          // The edges of a head vertex sampled at this epoch are gathered (without a branch per
          // edge: about 70 % are skipped, in no predictable pattern) one vertex ahead of their use,
          // and their tails' rows prefetched then: the same edges in the same order as a test of
          // each edge in turn.
          var curSel = selection, nextSel = selection + maxDegree
          @inline(__always) func gatherSampled(_ v: Int, _ into: UnsafeMutablePointer<Int>) -> Int {
            var m = 0
            // sampled ⟺ ns[e] ≤ epoch ⟺ the sign bit of epoch − ns[e] is clear (the schedule is
            // finite and never −0), as integer arithmetic: a comparison becomes a branch here
            for e in rs[v]..<rs[v + 1] { into[m] = e; m &+= Int(((fEpoch - ns[e]).bitPattern >> 31) ^ 1) }
            for t in 0..<m { clus_prefetch(rowToRead(Int(cols[into[t]]))) }
            return m
          }
          var curCount = gatherSampled(lo, curSel)
          for j in lo..<hi {
            let nextCount = j + 1 < hi ? gatherSampled(j + 1, nextSel) : 0
            defer { swap(&curSel, &nextSel); curCount = nextCount }
            let cur = y + j * dim
            for t in 0..<curCount {
              let e = curSel[t]
              let k = Int(cols[e])
              let own = UInt(bitPattern: k &- lo) < blockCount
              let other = rowToRead(k)
              // the repulsion first, at j's position before this sample's attraction
              ns[e] += ep[e]
              let en = ep[e] / negRate
              let qNeg = (fEpoch - nn[e]) / en
              var nNeg = 0
              if qNeg >= 1 && qNeg.isFinite {
                nNeg = Int(qNeg)
                nn[e] += Float(nNeg) * en
                for t in 0..<dim { negMove[t] = 0 }
                let jRow = UnsafePointer(cur)
                for _ in 0..<nNeg {
                  let o2 = nextNegative()
                  if o2 == jRow { continue }
                  var q2: Float = 0
                  for t in 0..<dim { let u = cur[t] - o2[t]; q2 += u * u }
                  if q2 > 0 {  // q2 == 0: zero gradient (umap-learn ≥ 0.5.4)
                    let rc = repulsionCoefficient(q2, a, b, gamma, rtp)
                    if rc > 0 { for t in 0..<dim { negMove[t] += clip4(rc * (cur[t] - o2[t])) } }
                  }
                }
              }
              var d2: Float = 0
              for t in 0..<dim { let u = cur[t] - other[t]; d2 += u * u }
              var coeff: Float = 0
              var dcoeff: Float = 0
              if d2 > 0 {
                coeff = attractionCoefficient(d2, a, b, atp)
                if let de = dE, let dn = dIn {
                  dcoeff = densCoefficient(j, k, ws[e], d2, PowTable.lookup(d2, b, pt), a: a, b: b, n: n, de, dn)
                }
              }
              if own {
                let om = y + k * dim
                for t in 0..<dim {
                  let u = cur[t] - om[t]
                  let g = dcoeff == 0 ? clip4(coeff * u) : clip4(coeff * u) + clip4(dcoeff * u)
                  cur[t] += g * al
                  om[t] -= g * al
                }
              } else {
                let slot = defBase + nDef
                dt[slot] = Int32(k)
                let dslot = dd + slot * dim
                for t in 0..<dim {
                  let u = cur[t] - other[t]
                  let g = dcoeff == 0 ? clip4(coeff * u) : clip4(coeff * u) + clip4(dcoeff * u)
                  cur[t] += g * al
                  dslot[t] = -g * al
                }
                nDef += 1
              }
              if nNeg > 0 { for t in 0..<dim { cur[t] += negMove[t] * al } }
            }
          }
          dc[block] = nDef
        }
        // deferred moves of tails outside their block, in block order; the tails' rows are random
        // writes (a cache miss each on large graphs), prefetched `deferAhead` moves ahead
        for blk in 0..<chunkCount(rhi - rlo, bsz) {
          let base = rs[rlo + blk * bsz] - rs[rlo]
          let count = dc[blk]
          for t in 0..<min(count, deferAhead) { clus_prefetch_write(y + Int(dt[base + t]) &* dim) }
          for t in 0..<count {
            let slot = base + t
            if t + deferAhead < count { clus_prefetch_write(y + Int(dt[slot + deferAhead]) &* dim) }
            let dst = y + Int(dt[slot]) * dim, src = dd + slot * dim
            for c in 0..<dim { dst[c] += src[c] }
          }
        }
      }
      alpha = s.initialAlpha * (1 - Float(epoch) / Float(nEpochs))
      progress.update(epoch + 1)
    }
  }}}}}}}}}}}}}}
  try context.cancellation.check()
}
