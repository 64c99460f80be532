// Lloyd's algorithm for K-Means, step by step as scikit-learn's `_kmeans_single_lloyd`
// (sklearn/cluster/_kmeans.py), `lloyd_iter_chunked_dense` and `_update_chunk_dense`
// (_k_means_lloyd.pyx), `_relocate_empty_clusters_dense`, `_average_centers` and `_center_shift`
// (_k_means_common.pyx), with Hamerly's bounds (Hamerly 2010) to skip the rows whose nearest
// centre cannot have changed. `_inertia_dense` is `KMeansData.inertia` (KMeans.swift).

/// One run's labels (n), centres (k × d Double, centred coordinates), inertia and iterations.
typealias LloydResult = (labels: [Int32], centers: [Double], inertia: Double, nIter: Int)

extension KMeansData {
  /// Lloyd iterations from `centers` (k × d Double, centred coordinates), as scikit-learn
  /// `_kmeans_single_lloyd`: iterate `lloyd_iter` until the labels no longer change (strict
  /// convergence) or the total squared centre shift is ≤ `tol` (then one more assignment step
  /// without an update), at most `maxIter` times; then the inertia.
  ///
  /// With `pruning`, a row is not recomputed when Hamerly's bounds (Hamerly 2010) prove that its
  /// nearest centre cannot have changed: an upper bound on the distance to its centre and a lower
  /// bound on the distance to every other centre, moved by the centre shifts each iteration and
  /// widened by the rounding error of the Float distance computation. The iterates are Lloyd's
  /// (the same labels and centres), except possibly at exact ties within rounding; centre sums
  /// are then updated by the rows that changed cluster (in Double, in row order per group).
  func kmeansSingleLloyd(
    centers: [Double], k: Int, maxIter: Int, tol: Double, context: RunContext,
    progressBase: Int, pruning: Bool = true
  ) throws -> LloydResult {
    let run = LloydRun(self, centers: centers, k: k, pruning: pruning)
    var strictConvergence = false
    var iter = 0
    while iter < maxIter {
      try context.cancellation.check()
      run.lloydIter(updateCenters: true)
      let centerShiftTotal = run.centerShift()
      swap(&run.centers, &run.centersNew)
      context.progress.update(progressBase + iter + 1)
      if run.labelsUnchanged() {
        strictConvergence = true
        break
      }
      if centerShiftTotal <= tol { break }
      run.labelsOld.update(from: run.labels, count: n)
      iter += 1
    }
    let nIter = Swift.min(iter + 1, maxIter)
    // Rerun the assignment step so that the labels match the centres.
    if !strictConvergence { run.lloydIter(updateCenters: false) }
    let inertia = self.inertia(centers: run.centers, labels: run.labels)
    return (Array(UnsafeBufferPointer(start: run.labels, count: n)), run.centers, inertia, nIter)
  }

  /// scikit-learn `_relocate_empty_clusters_dense`: every empty cluster takes one of the points
  /// farthest from their assigned (old) centre, farthest first (ties: lower index first).
  /// - Returns: whether any cluster was moved.
  func relocateEmptyClusters(
    k: Int, centersOld: [Double], sums: inout [Double], weight: inout [Int], labels: UnsafePointer<Int32>
  ) -> Bool {
    let empty = (0..<k).filter { weight[$0] == 0 }
    if empty.isEmpty { return false }
    let dist = distancesToAssigned(centers: centersOld, labels: labels)
    guard let maxDist = dist.max(), maxDist > 0 else { return false }
    let order = (0..<n).sorted { dist[$0] > dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }
    for (idx, newId) in empty.enumerated() {
      let far = order[idx]
      let oldId = Int(labels[far])
      for f in 0..<d {
        let v = Double(xc[far * d + f])
        sums[oldId * d + f] -= v
        sums[newId * d + f] = v
      }
      weight[newId] = 1
      weight[oldId] -= 1
    }
    return true
  }
}

/// Rows per product block in the assignment step, from k and d only (never from the thread count):
/// when possible small enough (rows × k × d ≤ 10⁶) that a block stays in cache; between 16 and 256 rows.
func assignmentBlockRows(k: Int, d: Int) -> Int {
  return Swift.max(16, Swift.min(256, (1_000_000 / Swift.max(1, k * d)) / 16 * 16))
}

/// `count` values set to `value` (room for at least one, so that the pointer always exists).
private func allocateFilled<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
  let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, count))
  p.initialize(repeating: value, count: Swift.max(1, count))
  return p
}

/// The state of one Lloyd run: centres, labels, Hamerly's bounds and a workspace per reduction
/// group. Groups are fixed runs of whole blocks of rows (from n, k and d only); each owns Double
/// partial sums of its rows, combined in group order, so the result is the same for any thread count.
final class LloydRun {
  let data: KMeansData
  let n: Int, d: Int, k: Int
  let pruning: Bool
  /// Rows per product block, rows per reduction group, and the number of groups.
  let blockRows: Int, groupRows: Int, groups: Int
  /// The centres of this iteration and of the next (k × d Double, centred coordinates).
  var centers: [Double]
  var centersNew: [Double]
  /// Totals of the centre sums (k × d) and sizes (k) for the labels in `labels`.
  var totalSums: [Double]
  var totalCounts: [Int]
  /// Set when the sums no longer follow the labels (after a relocation): the next step is full.
  var needFull = true
  /// The largest of `centerNorms`.
  var maxCenterNorm = 0.0

  // What the workers read or write, owned by the run.
  /// `centers` rounded to Float (k × d) and their squared norms in Float (k).
  let centersF: UnsafeMutablePointer<Float>
  let centerNorms: UnsafeMutablePointer<Float>
  /// Label of each point after this step and after the previous one (n; −1 before the first).
  let labels: UnsafeMutablePointer<Int32>
  let labelsOld: UnsafeMutablePointer<Int32>
  /// Per group: Double centre sums (k × d) and counts (k), of its rows in a full step, of the
  /// rows that changed cluster in a pruned one.
  let sums: UnsafeMutablePointer<Double>
  let counts: UnsafeMutablePointer<Int>
  /// Per group: Float sums (k × d) and counts (k) of one block of rows (at most `blockRows`
  /// values each), added to the group's Double sums after every block.
  let blockSums: UnsafeMutablePointer<Float>
  let blockCounts: UnsafeMutablePointer<Int32>
  /// Per group: a block's ‖c‖² − 2 x·c (blockRows × k), and the rows gathered for recomputation
  /// in a pruned step (blockRows × d) with their indices.
  let distances: UnsafeMutablePointer<Float>
  let gathered: UnsafeMutablePointer<Float>
  let gatheredIndex: UnsafeMutablePointer<Int>
  /// Hamerly's bounds of each point (distances, not squared; used only with `pruning`).
  let upper: UnsafeMutablePointer<Double>
  let lower: UnsafeMutablePointer<Double>
  /// Shift of each centre in the last update, and for each centre the largest shift of the others.
  let shift: UnsafeMutablePointer<Double>
  let shiftOthers: UnsafeMutablePointer<Double>

  init(_ data: KMeansData, centers: [Double], k: Int, pruning: Bool) {
    let n = data.n, d = data.d
    self.data = data
    self.n = n
    self.d = d
    self.k = k
    self.pruning = pruning
    blockRows = assignmentBlockRows(k: k, d: d)
    let nBlocks = chunkCount(n, blockRows)
    let budget = 64 << 20
    let maxGroups = Swift.max(1, Swift.min(64, budget / Swift.max(1, k * d * 8)))
    let nGroups = Swift.min(nBlocks, maxGroups)
    groupRows = ((nBlocks + nGroups - 1) / nGroups) * blockRows
    groups = chunkCount(n, groupRows)
    self.centers = centers
    centersNew = [Double](repeating: 0, count: k * d)
    totalSums = [Double](repeating: 0, count: k * d)
    totalCounts = [Int](repeating: 0, count: k)
    centersF = allocateFilled(k * d, 0)
    centerNorms = allocateFilled(k, 0)
    labels = allocateFilled(n, -1)
    labelsOld = allocateFilled(n, -1)
    sums = allocateFilled(groups * k * d, 0)
    counts = allocateFilled(groups * k, 0)
    blockSums = allocateFilled(groups * k * d, 0)
    blockCounts = allocateFilled(groups * k, 0)
    distances = allocateFilled(groups * blockRows * k, 0)
    gathered = allocateFilled(groups * blockRows * d, 0)
    gatheredIndex = allocateFilled(groups * blockRows, 0)
    upper = allocateFilled(pruning ? n : 0, 0)
    lower = allocateFilled(pruning ? n : 0, 0)
    shift = allocateFilled(k, 0)
    shiftOthers = allocateFilled(k, 0)
  }

  deinit {
    for p in [centersF, centerNorms, blockSums, distances, gathered] { p.deallocate() }
    for p in [sums, upper, lower, shift, shiftOthers] { p.deallocate() }
    labels.deallocate()
    labelsOld.deallocate()
    counts.deallocate()
    blockCounts.deallocate()
    gatheredIndex.deallocate()
  }

  /// scikit-learn `lloyd_iter_chunked_dense`: one assignment step with `centers`, the row groups
  /// in parallel; with `updateCenters`, the new centres in `centersNew`: the means of their points
  /// (`reduceGroupSums`, `relocateEmptyClusters`, `averageCenters`). A full step recomputes every
  /// row and rebuilds the sums; a pruned step recomputes only the rows whose bounds fail and
  /// updates the sums by the rows that changed cluster.
  func lloydIter(updateCenters: Bool) {
    let full = !pruning || needFull
    needFull = false
    roundCenters()
    sums.update(repeating: 0, count: groups * k * d)
    counts.update(repeating: 0, count: groups * k)
    let xb = UnsafePointer(data.xc), d = self.d
    parallelChunks(count: n, chunkSize: groupRows, threads: data.threads) { g, range in
      if full {
        forEachBlock(of: range, blockRows: blockRows) { start, m in
          updateChunk(group: g, rows: xb + start * d, count: m, first: start, index: nil,
                      updateCenters: updateCenters, full: true)
        }
      } else {
        updateChunkPruned(group: g, range: range, updateCenters: updateCenters)
      }
    }
    if !updateCenters { return }
    reduceGroupSums(full: full)
    for i in 0..<(k * d) { centersNew[i] = totalSums[i] }
    var weight = totalCounts
    let relocated = data.relocateEmptyClusters(
      k: k, centersOld: centers, sums: &centersNew, weight: &weight, labels: labels)
    // After a relocation the sums no longer follow the labels: rebuild them next time.
    if relocated { needFull = true }
    averageCenters(weight: weight)
  }

  /// `centers` rounded to Float for the products, with their squared norms (Float) and the largest.
  private func roundCenters() {
    maxCenterNorm = 0
    for j in 0..<k {
      var s: Float = 0
      for f in 0..<d {
        let v = Float(centers[j * d + f])
        centersF[j * d + f] = v
        s += v * v
      }
      centerNorms[j] = s
      maxCenterNorm = Swift.max(maxCenterNorm, Double(s))
    }
  }

  /// scikit-learn `_update_chunk_dense`: assigns the `m` rows at `a` (row-major, stride d; point
  /// indices `first + r`, or `index[r]`) to their nearest centres by one `Gemm` product
  /// (‖c‖² − 2 x·c), sets their Hamerly bounds, and with `updateCenters` adds them to group `g`'s
  /// sums: every row in a full step (in Float per block, then in Double), otherwise only the rows
  /// that changed cluster (in Double, moved from the old cluster's sums).
  private func updateChunk(
    group g: Int, rows a: UnsafePointer<Float>, count m: Int, first: Int, index: UnsafePointer<Int>?,
    updateCenters: Bool, full: Bool
  ) {
    let k = self.k, d = self.d
    let dist = distances + g * blockRows * k
    let gs = sums + g * k * d, gc = counts + g * k
    let bs = blockSums + g * k * d, bc = blockCounts + g * k
    let lb = labels, nb = data.norms, cnb = centerNorms, maxC = maxCenterNorm
    let ub = pruning ? upper : nil, lob = pruning ? lower : nil
    Gemm.sgemmNT(m: m, n: k, k: d, a: a, lda: d, b: centersF, ldb: d, c: dist, ldc: k)
    for r in 0..<m { for j in 0..<k { dist[r * k + j] = cnb[j] - 2 * dist[r * k + j] } }
    for r in 0..<m {
      let row = dist + r * k
      var best = row[0]
      var second = Float.infinity
      var label = 0
      var j = 1
      while j < k {
        let v = row[j]
        if v < best {
          second = best; best = v; label = j
        } else if v < second {
          second = v
        }
        j += 1
      }
      let i = index != nil ? index![r] : first + r
      let old = Int(lb[i])
      lb[i] = Int32(label)
      if let ub = ub, let lob = lob {
        let xn = nb[i]
        let err = 1e-5 * (xn + maxC)
        ub[i] = (Swift.max(0, xn + Double(best)) + err).squareRoot()
        lob[i] = second == .infinity
          ? .infinity : Swift.max(0, xn + Double(second) - err).squareRoot()
      }
      if !updateCenters { continue }
      let xr = a + r * d
      if full {
        if bc[label] == 0 {
          let s = bs + label * d
          for f in 0..<d { s[f] = 0 }
        }
        bc[label] += 1
        let s = bs + label * d
        for f in 0..<d { s[f] += xr[f] }
      } else if old != label {
        gc[label] += 1
        gc[old] -= 1
        let sNew = gs + label * d, sOld = gs + old * d
        for f in 0..<d {
          let v = Double(xr[f])
          sNew[f] += v
          sOld[f] -= v
        }
      }
    }
    if updateCenters && full {
      for j in 0..<k where bc[j] > 0 {
        gc[j] += Int(bc[j])
        bc[j] = 0
        let s = gs + j * d, b = bs + j * d
        for f in 0..<d { s[f] += Double(b[f]) }
      }
    }
  }

  /// Hamerly's test for the rows of `range` (group `g`): moves each row's bounds by the centre
  /// shifts and gathers the rows whose bounds no longer prove their label, in blocks, for
  /// `updateChunk`.
  private func updateChunkPruned(group g: Int, range: Range<Int>, updateCenters: Bool) {
    let d = self.d
    let rows = gathered + g * blockRows * d, rowIndex = gatheredIndex + g * blockRows
    let xb = data.xc, nb = data.norms, lb = labels, ub = upper, lob = lower
    let shb = shift, shob = shiftOthers, maxC = maxCenterNorm
    var m = 0
    for i in range {
      let a = Int(lb[i])
      let u = ub[i] + shb[a]
      let l = lob[i] - shob[a]
      ub[i] = u
      lob[i] = l
      let err = 1e-5 * (nb[i] + maxC)
      if l > u && l * l - u * u > 2 * err { continue }
      let src = xb + i * d, dst = rows + m * d
      for f in 0..<d { dst[f] = src[f] }
      rowIndex[m] = i
      m += 1
      if m == blockRows {
        updateChunk(group: g, rows: rows, count: m, first: 0, index: rowIndex, updateCenters: updateCenters, full: false)
        m = 0
      }
    }
    if m > 0 {
      updateChunk(group: g, rows: rows, count: m, first: 0, index: rowIndex, updateCenters: updateCenters, full: false)
    }
  }

  /// The reduction of `lloyd_iter_chunked_dense`: the groups' sums and counts added to the totals
  /// in group order (after a full step the totals start again from zero).
  private func reduceGroupSums(full: Bool) {
    if full {
      for i in 0..<(k * d) { totalSums[i] = 0 }
      for j in 0..<k { totalCounts[j] = 0 }
    }
    for g in 0..<groups {
      for j in 0..<k { totalCounts[j] += counts[g * k + j] }
      let base = g * k * d
      for i in 0..<(k * d) { totalSums[i] += sums[base + i] }
    }
  }

  /// scikit-learn `_average_centers`: each centre's sum divided by its weight; a centre without
  /// points takes the centre of the heaviest cluster.
  private func averageCenters(weight: [Int]) {
    var argmax = 0
    for j in 1..<Swift.max(1, k) where weight[j] > weight[argmax] { argmax = j }
    for j in 0..<k where weight[j] > 0 {
      let inv = 1.0 / Double(weight[j])
      for f in 0..<d { centersNew[j * d + f] *= inv }
    }
    for j in 0..<k where weight[j] <= 0 {
      for f in 0..<d { centersNew[j * d + f] = centersNew[argmax * d + f] }
    }
  }

  /// scikit-learn `_center_shift`: the shift of each centre from `centers` to `centersNew`, and
  /// for each centre the largest shift of the others (for Hamerly's lower bounds).
  /// - Returns: the total squared shift.
  func centerShift() -> Double {
    var total = 0.0
    for j in 0..<k {
      var s = 0.0
      for f in 0..<d {
        let t = centersNew[j * d + f] - centers[j * d + f]
        s += t * t
      }
      total += s
      shift[j] = s.squareRoot()
    }
    var top1 = -1.0, top2 = -1.0, topIndex = -1
    for j in 0..<k {
      if shift[j] > top1 { top2 = top1; top1 = shift[j]; topIndex = j } else if shift[j] > top2 { top2 = shift[j] }
    }
    for j in 0..<k { shiftOthers[j] = Swift.max(0, j == topIndex ? top2 : top1) }
    return total
  }

  /// Whether the labels equal those of the previous step (strict convergence).
  func labelsUnchanged() -> Bool {
    for i in 0..<n where labels[i] != labelsOld[i] { return false }
    return true
  }
}
