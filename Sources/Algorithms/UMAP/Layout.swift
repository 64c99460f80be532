#if canImport(Glibc)
import Glibc
#endif

/// umap-learn `make_epochs_per_sample`: for each weight w, max(w)/w (epochs between two samples
/// of the edge), −1 for a zero weight.
public func makeEpochsPerSample(_ weights: [Float], nEpochs: Int) -> [Double] {
  let wmax = Double(weights.max() ?? 0)
  return weights.map { w in
    let ns = wmax > 0 ? Double(nEpochs) * (Double(w) / wmax) : 0
    return ns > 0 ? Double(nEpochs) / ns : -1
  }
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
}

@inline(__always) private func clip4(_ v: Float) -> Float { v > 4 ? 4 : (v < -4 ? -4 : v) }

/// The SGD layout of umap-learn's `optimize_layout_euclidean` (layouts.py,
/// `_optimize_layout_euclidean_single_epoch`, move_other = true), made parallel and
/// deterministic.
///
/// Per edge (j → k) sampled at this epoch (every `epochs_per_sample` epochs): attraction with
/// coefficient −2ab·d^{b−1}/(1 + a·d^b) (d = squared distance, 0 if d = 0), per-coordinate
/// gradient clipped to ±4, applied to j and (negated) to k; then
/// ⌊(epoch − next_negative)/epochs_per_negative_sample⌋ negative samples k′ uniform over the
/// vertices, repulsion 2γb/((0.001 + d)(1 + a·d^b)) clipped to ±4, moving j only (a coincident
/// sample gives a zero gradient; sampling j itself is skipped). Learning rate
/// α = lr·(1 − (epoch−1)/n_epochs) (lr at epoch 0), as umap-learn.
///
/// Deterministic parallel scheme. The edges are stored head-major (CSR), as umap-learn visits
/// them. Every epoch is cut into `rounds` (16) consecutive ranges of head vertices, run one
/// after the other; each round is cut into fixed blocks of head vertices (their size depends on
/// n only) that run in parallel. A block walks its edges exactly as umap-learn's serial loop,
/// drawing negative samples from its own random stream derived from (seed, epoch, round, block).
/// Reads and writes:
/// - the block's own head vertices are read and moved live (no other block touches them);
/// - vertices outside the current round are read live (nobody moves them during the round);
/// - vertices of other blocks of the same round are read from a snapshot taken at the start of
///   the round;
/// - moves of tails outside the block are recorded and applied after the round, in block order.
/// No value depends on thread scheduling, so the embedding is bit-identical for any thread
/// count. Compared with the serial loop, information between blocks of a round is at most
/// 1/16 epoch stale; the embedding quality (trustworthiness) stays at umap-learn's level.
func optimizeLayoutEuclidean(
  embedding: inout [Float], dim: Int, graph: FuzzyGraph, epochsPerSample: [Double],
  settings s: LayoutSettings, context: RunContext
) throws {
  let n = graph.n, nnz = graph.nnz
  if n == 0 || s.nEpochs == 0 { return }
  // per-edge schedule in Float (16 bytes per edge with the column index: the arrays are streamed
  // every epoch, so their size bounds the speed on large graphs)
  let eps = epochsPerSample.map { Float($0) }
  let negRate = Float(s.negativeSampleRate)
  var nextSample = eps
  var nextNeg = eps.map { $0 / negRate }
  var snapshot = embedding
  var defTarget = [Int32](repeating: 0, count: max(1, nnz))
  var defDelta = [Float](repeating: 0, count: max(1, nnz * dim))
  let nRounds = max(1, min(s.rounds, n))
  let roundSize = (n + nRounds - 1) / nRounds
  let bsz = getenv("UMAP_BSZ").map { Int(atoi($0)) } ?? min(256, max(16, (roundSize + 7) / 8))
  let blocksPerRound = chunkCount(roundSize, bsz)
  var defCount = [Int](repeating: 0, count: blocksPerRound)
  let a = s.a, b = s.b, gamma = s.gamma
  let twoAB = 2 * a * b, twoGB = 2 * gamma * b
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
  eps.withUnsafeBufferPointer { epp in
  nextSample.withUnsafeMutableBufferPointer { nsp in
  nextNeg.withUnsafeMutableBufferPointer { nnp in
  defTarget.withUnsafeMutableBufferPointer { dtp in
  defDelta.withUnsafeMutableBufferPointer { ddp in
  defCount.withUnsafeMutableBufferPointer { dcp in
    let y = yp.baseAddress!, snapM = sp.baseAddress!, rs = rsp.baseAddress!, cols = cp.baseAddress!
    let snap = UnsafePointer(snapM)
    let ep = epp.baseAddress!, ns = nsp.baseAddress!, nn = nnp.baseAddress!
    let dt = dtp.baseAddress!, dd = ddp.baseAddress!, dc = dcp.baseAddress!
    for epoch in 0..<nEpochs {
      if context.cancellation.isCancelled { break }
      let fEpoch = Float(epoch)
      let al = alpha
      for round in 0..<nRounds {
        let rlo = round * roundSize, rhi = min(n, rlo + roundSize)
        if rlo >= rhi { break }
        (snapM + rlo * dim).update(from: y + rlo * dim, count: (rhi - rlo) * dim)
        parallelChunks(count: rhi - rlo, chunkSize: bsz, threads: threads) { block, local in
          var rng = RandomStream(seed: s.seed, 0x5A1D_0E90C, UInt64(epoch), UInt64(round), UInt64(block))
          let lo = rlo + local.lowerBound, hi = rlo + local.upperBound
          let defBase = rs[lo]
          var nDef = 0
          for j in lo..<hi {
            let cur = y + j * dim
            for e in rs[j]..<rs[j + 1] {
              if ns[e] > fEpoch { continue }
              let k = Int(cols[e])
              let own = k >= lo && k < hi
              let other = (own || k < rlo || k >= rhi) ? UnsafePointer(y + k * dim) : snap + k * dim
              var d2: Float = 0
              for t in 0..<dim { let u = cur[t] - other[t]; d2 += u * u }
              var coeff: Float = 0
              if d2 > 0 {
                let pb = powf(d2, b)
                coeff = -twoAB * (pb / d2) / (a * pb + 1)
              }
              if own {
                let om = y + k * dim
                for t in 0..<dim {
                  let g = clip4(coeff * (cur[t] - om[t]))
                  cur[t] += g * al
                  om[t] -= g * al
                }
              } else {
                let slot = defBase + nDef
                dt[slot] = Int32(k)
                let dslot = dd + slot * dim
                for t in 0..<dim {
                  let g = clip4(coeff * (cur[t] - other[t]))
                  cur[t] += g * al
                  dslot[t] = -g * al
                }
                nDef += 1
              }
              ns[e] += ep[e]
              let en = ep[e] / negRate
              let qNeg = (fEpoch - nn[e]) / en
              if qNeg >= 1 && qNeg.isFinite {
                let nNeg = Int(qNeg)
                nn[e] += Float(nNeg) * en
                for _ in 0..<nNeg {
                  let k2 = rng.nextInt(n)
                  let o2 = (k2 >= rlo && k2 < rhi && (k2 < lo || k2 >= hi)) ? snap + k2 * dim : UnsafePointer(y + k2 * dim)
                  var q2: Float = 0
                  for t in 0..<dim { let u = cur[t] - o2[t]; q2 += u * u }
                  if q2 > 0 {
                    let rc = twoGB / ((0.001 + q2) * (a * powf(q2, b) + 1))
                    if rc > 0 { for t in 0..<dim { cur[t] += clip4(rc * (cur[t] - o2[t])) * al } }
                  }
                  // q2 == 0: zero gradient (umap-learn ≥ 0.5.4), nothing to do for k2 == j either
                }
              }
            }
          }
          dc[block] = nDef
        }
        // deferred moves of tails outside their block, in block order
        for blk in 0..<chunkCount(rhi - rlo, bsz) {
          let base = rs[rlo + blk * bsz]
          for t in 0..<dc[blk] {
            let slot = base + t
            let dst = y + Int(dt[slot]) * dim, src = dd + slot * dim
            for c in 0..<dim { dst[c] += src[c] }
          }
        }
      }
      alpha = s.initialAlpha * (1 - Float(epoch) / Float(nEpochs))
      progress.update(epoch + 1)
    }
  }}}}}}}}}}
  try context.cancellation.check()
}
