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
  /// Vertices per block (fixed: the result depends on it, never on the thread count).
  var blockSize: Int = 256
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
/// Deterministic parallel scheme: the edges (CSR, head-major) are cut into fixed blocks of
/// `blockSize` head vertices. Within an epoch every block runs sequentially exactly as
/// umap-learn's serial loop, with its own random stream derived from (seed, epoch, block); the
/// block owns its head vertices, which it reads and moves live. Vertices of other blocks are read
/// from a snapshot taken at the start of the epoch, and moves of such tails are recorded and
/// applied after all blocks finished, in block order. No value depends on the scheduling, so the
/// result is bit-identical for any thread count; the only difference to the serial algorithm is
/// that cross-block information is up to one epoch stale (as in umap-learn's own parallel mode).
func optimizeLayoutEuclidean(
  embedding: inout [Float], dim: Int, graph: FuzzyGraph, epochsPerSample: [Double],
  settings s: LayoutSettings, context: RunContext
) throws {
  let n = graph.n, nnz = graph.nnz
  if n == 0 || s.nEpochs == 0 { return }
  let eps = epochsPerSample
  let epsNeg = eps.map { $0 / s.negativeSampleRate }
  var nextSample = eps
  var nextNeg = epsNeg
  var snapshot = embedding
  var defTarget = [Int32](repeating: 0, count: max(1, nnz))
  var defDelta = [Float](repeating: 0, count: max(1, nnz * dim))
  let bsz = max(1, s.blockSize)
  let nBlocks = chunkCount(n, bsz)
  var defCount = [Int](repeating: 0, count: nBlocks)
  let a = s.a, b = s.b, gamma = s.gamma
  let twoAB = 2 * a * b, twoGB = 2 * gamma * b
  let progress = context.progress
  progress.begin("embedding epochs", total: s.nEpochs)
  defer { progress.end() }
  var alpha = s.initialAlpha
  let nEpochs = s.nEpochs
  for epoch in 0..<nEpochs {
    try context.cancellation.check()
    snapshot.withUnsafeMutableBufferPointer { sp in
      embedding.withUnsafeBufferPointer { ep in sp.baseAddress!.update(from: ep.baseAddress!, count: n * dim) }
    }
    let fEpoch = Double(epoch)
    let al = alpha
    embedding.withUnsafeMutableBufferPointer { yp in
    snapshot.withUnsafeBufferPointer { sp in
    graph.rowStart.withUnsafeBufferPointer { rsp in
    graph.columns.withUnsafeBufferPointer { cp in
    eps.withUnsafeBufferPointer { epp in
    epsNeg.withUnsafeBufferPointer { enp in
    nextSample.withUnsafeMutableBufferPointer { nsp in
    nextNeg.withUnsafeMutableBufferPointer { nnp in
    defTarget.withUnsafeMutableBufferPointer { dtp in
    defDelta.withUnsafeMutableBufferPointer { ddp in
    defCount.withUnsafeMutableBufferPointer { dcp in
      let y = yp.baseAddress!, snap = sp.baseAddress!, rs = rsp.baseAddress!, cols = cp.baseAddress!
      let ep = epp.baseAddress!, en = enp.baseAddress!, ns = nsp.baseAddress!, nn = nnp.baseAddress!
      let dt = dtp.baseAddress!, dd = ddp.baseAddress!, dc = dcp.baseAddress!
      parallelChunks(count: n, chunkSize: bsz, threads: context.threads) { block, range in
        var rng = RandomStream(seed: s.seed, 0x5A1D_0E90C, UInt64(epoch), UInt64(block))
        let lo = range.lowerBound, hi = range.upperBound
        let defBase = rs[lo]
        var nDef = 0
        for j in range {
          let cur = y + j * dim
          for e in rs[j]..<rs[j + 1] {
            if ns[e] > fEpoch { continue }
            let k = Int(cols[e])
            let own = k >= lo && k < hi
            let other = own ? y + k * dim : UnsafeMutablePointer(mutating: snap + k * dim)
            var d2: Float = 0
            for t in 0..<dim { let u = cur[t] - other[t]; d2 += u * u }
            var coeff: Float = 0
            if d2 > 0 {
              let pb = powf(d2, b)
              coeff = -twoAB * (pb / d2) / (a * pb + 1)
            }
            if own {
              for t in 0..<dim {
                let g = clip4(coeff * (cur[t] - other[t]))
                cur[t] += g * al
                other[t] -= g * al
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
            let qNeg = (fEpoch - nn[e]) / en[e]
            if qNeg >= 1 && qNeg.isFinite {
              let nNeg = Int(qNeg)
              for _ in 0..<nNeg {
                let k2 = rng.nextInt(n)
                let o2 = (k2 >= lo && k2 < hi) ? UnsafePointer(y + k2 * dim) : snap + k2 * dim
                var q2: Float = 0
                for t in 0..<dim { let u = cur[t] - o2[t]; q2 += u * u }
                if q2 > 0 {
                  let pb = powf(q2, b)
                  let rc = twoGB / ((0.001 + q2) * (a * pb + 1))
                  if rc > 0 {
                    for t in 0..<dim { cur[t] += clip4(rc * (cur[t] - o2[t])) * al }
                  }
                } else if k2 == j {
                  continue
                }
              }
              nn[e] += Double(nNeg) * en[e]
            }
          }
        }
        dc[block] = nDef
      }
      // deferred moves of tails owned by other blocks, in block order
      for blk in 0..<nBlocks {
        let base = rs[blk * bsz]
        for t in 0..<dc[blk] {
          let slot = base + t
          let k = Int(dt[slot])
          let dst = y + k * dim, src = dd + slot * dim
          for c in 0..<dim { dst[c] += src[c] }
        }
      }
    }}}}}}}}}}}
    alpha = s.initialAlpha * (1 - Float(epoch) / Float(nEpochs))
    progress.update(epoch + 1)
  }
}
