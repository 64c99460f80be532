#if canImport(Glibc)
import Glibc
#endif

/// The norms side of the Gram-matrix distances (`Gemm`): squared euclidean
/// ‖p − q‖² = ‖p‖² + ‖q‖² − 2 p·q (clamped at 0), or for the angular metrics (unit rows)
/// 1 − p·q with the zero-row conventions of `SearchSpace`. Used by NN-descent's leaf and candidate joins,
/// where blocks of 50–250 rows meet all at once and the Gram matrix runs far faster (SIMD
/// kernels) than pairwise loops. The Float32 cancellation error (≈ 10⁻⁷ · (‖p‖² + ‖q‖²)) only
/// affects the ranking of near-ties; final distances are recomputed pairwise.
final class GramData {
  let base: UnsafePointer<Float>
  let d: Int
  let angular: Bool
  /// Squared norms (euclidean) or 1 for an all-zero row, else 0 (angular).
  let norms: UnsafeMutablePointer<Float>

  /// Gram data for a squared-euclidean or angular search space.
  init(_ sp: SearchSpace, n: Int, threads: Int) {
    precondition(sp.kind == .sqeuclidean || sp.kind == .angular)
    base = sp.base
    d = sp.d
    angular = sp.kind == .angular
    norms = .allocate(capacity: max(1, n))
    if let z = sp.zero {
      for i in 0..<n { norms[i] = z[i] != 0 ? 1 : 0 }
    } else {
      squaredRowNormsSIMD(base, rows: n, cols: d, into: norms, threads: threads)
    }
  }

  deinit { norms.deallocate() }
}

/// Per-chunk scratch space for Gram joins of at most `rows` rows (one per chunk).
final class GramWorkspace: @unchecked Sendable {
  let data: GramData
  let angular: Bool
  let cap: Int
  let rowsBuf: UnsafeMutablePointer<Float>
  /// The rows' addresses, for `Gemm.sgemmNTRows` (with AVX the rows are read in place, not copied).
  let rowPtr: UnsafeMutablePointer<UnsafePointer<Float>>
  let inPlace = Gemm.avx
  let gram: UnsafeMutablePointer<Float>
  let ids: UnsafeMutablePointer<Int32>
  let nrm: UnsafeMutablePointer<Float>
  let thr: UnsafeMutablePointer<Float>
  private var graphIdx: UnsafeMutablePointer<Int32>
  private var graphM = 0
  /// The loaded block's rows (the copy, or the rows in place), for distances recomputed from the
  /// differences where the Gram distance may be dominated by cancellation (`gramExactBelow`).
  private var blockRows: UnsafePointer<Float>
  private let exactBelow: Float

  init(_ data: GramData, rows: Int) {
    self.data = data
    angular = data.angular
    cap = rows
    // same alignment for every workspace, whichever chunk uses it
    rowsBuf = inPlace ? allocateLargeFloats(1) : allocateLargeFloats(rows * data.d)
    rowPtr = .allocate(capacity: rows)
    gram = .allocate(capacity: rows * rows)
    ids = .allocate(capacity: rows)
    nrm = .allocate(capacity: rows)
    thr = .allocate(capacity: rows)
    graphIdx = ids
    blockRows = UnsafePointer(rowsBuf)
    exactBelow = gramExactBelow(data.d)
  }

  /// Row t of the loaded block.
  @inline(__always) private func row(_ t: Int) -> UnsafePointer<Float> {
    inPlace ? rowPtr[t] : blockRows + t &* data.d
  }

  deinit {
    free(rowsBuf); rowPtr.deallocate(); gram.deallocate(); ids.deallocate(); nrm.deallocate(); thr.deallocate()
  }

  /// Loads rows `idx[0..<count]`: their ids, norms and thresholds, and their addresses in `rowPtr`
  /// (`inPlace`, read there by `Gemm.sgemmNTRows`) or else the block of the rows (contiguous rows
  /// are used in place, others copied), which it returns.
  @inline(__always)
  private func load(_ idx: UnsafePointer<Int32>, _ count: Int, _ g: NeighborGraphState) -> UnsafePointer<Float> {
    let d = data.d
    graphIdx = g.idx
    graphM = g.m
    var contiguous = true
    let first = Int(idx[0])
    for t in 0..<count {
      let p = Int(idx[t])
      ids[t] = idx[t]
      nrm[t] = data.norms[p]
      thr[t] = g.threshold(p)
      if p != first + t { contiguous = false }
    }
    if inPlace {
      for t in 0..<count { rowPtr[t] = data.base + Int(idx[t]) &* d }
      return data.base
    }
    if contiguous { blockRows = data.base + first * d; return blockRows }
    for t in 0..<count { (rowsBuf + t * d).update(from: data.base + Int(idx[t]) * d, count: d) }
    blockRows = UnsafePointer(rowsBuf)
    return blockRows
  }

  @inline(__always)
  private func linked(_ p: Int32, _ q: Int32) -> Bool {
    let row = graphIdx + Int(p) &* graphM
    for s in 0..<graphM where row[s] == q { return true }
    return false
  }

  @inline(__always)
  private func offer(_ u: Int, _ v: Int, _ g2: Float, _ buf: inout [GraphUpdate]) {
    let dd: Float
    if angular {
      let zu = nrm[u], zv = nrm[v]
      dd = zu + zv == 0 ? max(0, 1 - g2) : (zu * zv != 0 ? 0 : 1)
    } else {
      let s = nrm[u] + nrm[v]
      let gd = s - 2 * g2
      dd = gd < exactBelow * s ? squaredEuclidean(row(u), row(v), data.d) : max(0, gd)
    }
    // pairs already linked are not offered again (the graph is read-only while updates are generated)
    if dd <= thr[u] && !linked(ids[u], ids[v]) { buf.append(GraphUpdate(dest: ids[u], src: ids[v], d: dd)) }
    if dd <= thr[v] && !linked(ids[v], ids[u]) { buf.append(GraphUpdate(dest: ids[v], src: ids[u], d: dd)) }
  }

  /// All pairs of a leaf of `count` ≤ cap points.
  func joinLeaf(_ idx: UnsafePointer<Int32>, _ count: Int, _ g: NeighborGraphState, _ buf: inout [GraphUpdate]) {
    let rows = load(idx, count, g)
    let d = data.d
    if inPlace {
      let r = UnsafePointer(rowPtr)
      Gemm.sgemmNTRows(m: count, n: count, k: d, aRows: r, bRows: r, c: gram, ldc: count, upperOnly: true)
    } else {
      Gemm.ssyrkUpper(m: count, k: d, a: rows, lda: d, c: gram, ldc: count)
    }
    for u in 0..<(count - 1) {
      let gr = gram + u * count
      for v in (u + 1)..<count { offer(u, v, gr[v], &buf) }
    }
  }

  /// NN-descent local join: new × new (u < v) and new × old pairs; `a + b` ≤ cap.
  func joinCandidates(
    _ newIdx: UnsafePointer<Int32>, _ a: Int, _ oldIdx: UnsafePointer<Int32>, _ b: Int,
    _ g: NeighborGraphState, _ buf: inout [GraphUpdate]
  ) {
    let d = data.d
    let w = a + b
    // new rows first, then old rows
    for t in 0..<a { ids[t] = newIdx[t] }
    for t in 0..<b { ids[a + t] = oldIdx[t] }
    let rows = load(UnsafePointer(ids), w, g)
    let r = UnsafePointer(rowPtr)
    if a >= 40 {
      // symmetric part with half the work, then new × old
      if inPlace {
        Gemm.sgemmNTRows(m: a, n: a, k: d, aRows: r, bRows: r, c: gram, ldc: a, upperOnly: true)
      } else {
        Gemm.ssyrkUpper(m: a, k: d, a: rows, lda: d, c: gram, ldc: a)
      }
      for u in 0..<(a - 1) {
        let gr = gram + u * a
        for v in (u + 1)..<a { offer(u, v, gr[v], &buf) }
      }
      if b > 0 {
        let g2 = gram + a * a
        if inPlace {
          Gemm.sgemmNTRows(m: a, n: b, k: d, aRows: r, bRows: r + a, c: g2, ldc: b)
        } else {
          Gemm.sgemmNT(m: a, n: b, k: d, a: rows, lda: d, b: rows + a * d, ldb: d, c: g2, ldc: b)
        }
        for u in 0..<a {
          let gr = g2 + u * b
          let p = ids[u]
          for v in 0..<b where ids[a + v] != p { offer(u, a + v, gr[v], &buf) }
        }
      }
      return
    }
    if inPlace {
      Gemm.sgemmNTRows(m: a, n: w, k: d, aRows: r, bRows: r, c: gram, ldc: w)
    } else {
      Gemm.sgemmNT(m: a, n: w, k: d, a: rows, lda: d, b: rows, ldb: d, c: gram, ldc: w)
    }
    for u in 0..<a {
      let gr = gram + u * w
      if u + 1 < a { for v in (u + 1)..<a { offer(u, v, gr[v], &buf) } }
      let p = ids[u]
      for v in a..<w where ids[v] != p { offer(u, v, gr[v], &buf) }
    }
  }
}

/// Reuses Gram workspaces across chunks (fresh large allocations page-fault on first touch).
/// Which chunk gets which workspace does not matter: they are scratch space only.
final class GramPool: @unchecked Sendable {
  let data: GramData
  let rows: Int
  private let free = Locked<[GramWorkspace]>([])

  init(_ data: GramData, rows: Int) {
    self.data = data
    self.rows = rows
  }

  func take() -> GramWorkspace {
    free.withLock { $0.popLast() } ?? GramWorkspace(data, rows: rows)
  }

  func give(_ w: GramWorkspace) {
    free.withLock { $0.append(w) }
  }
}
