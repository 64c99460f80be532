#if canImport(Glibc)
import Glibc
#endif
import CGemmKernels

// Random-stream purposes (keys of `RandomStream`) used by NN-descent.
private let purposeTree: UInt64 = 0x6E6E_7472_6565  // "nntree"
private let purposeRandomInit: UInt64 = 0x6E6E_7269  // "nnri"
private let purposeCandidates: UInt64 = 0x6E6E_6361  // "nnca"

/// A random priority for sampling `member` into `owner`'s candidate list in one iteration: a hash
/// of (iteration salt, owner, member), so the sample does not depend on the order of the scan.
@inline(__always)
private func candidatePriority(_ salt: UInt64, _ owner: Int, _ member: Int32) -> UInt64 {
  var z = salt ^ (UInt64(owner) &* 0x9E37_79B9_7F4A_7C15)
    ^ (UInt64(UInt32(bitPattern: member)) &* 0xC2B2_AE3D_27D4_EB4F)
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// Inserts `member` with `priority` into a bounded list sorted by (priority, member), no duplicates.
@inline(__always)
private func pushCandidate(
  _ ids: UnsafeMutablePointer<Int32>, _ pri: UnsafeMutablePointer<UInt64>, _ count: inout Int, _ cap: Int,
  _ member: Int32, _ priority: UInt64
) {
  if count == cap {
    let lp = pri[cap - 1]
    if priority > lp || (priority == lp && member >= ids[cap - 1]) { return }
  }
  for t in 0..<count where ids[t] == member { return }
  var s = count < cap ? count : cap - 1
  if count < cap { count += 1 }
  while s > 0 {
    let ps = pri[s - 1]
    if ps < priority || (ps == priority && ids[s - 1] < member) { break }
    pri[s] = ps
    ids[s] = ids[s - 1]
    s -= 1
  }
  pri[s] = priority
  ids[s] = member
}

/// Offers the pair (p, q) to both rows (reduced distance from the metric's kernel).
@inline(__always)
private func joinPair(
  _ p: Int, _ q: Int, _ sp: SearchSpace, _ g: NeighborGraphState, _ buf: inout [GraphUpdate]
) {
  let tp = g.threshold(p), tq = g.threshold(q)
  let d = sp.rd(p, q)
  if d <= tp { buf.append(GraphUpdate(dest: Int32(truncatingIfNeeded: p), src: Int32(truncatingIfNeeded: q), d: d)) }
  if d <= tq { buf.append(GraphUpdate(dest: Int32(truncatingIfNeeded: q), src: Int32(truncatingIfNeeded: p), d: d)) }
}

/// How many rows ahead of its projection a tree node's row is prefetched.
private let treeAhead = 8

/// Prefetches the `bytes` bytes from `p` (every cache line they touch) for reading.
@inline(__always) private func prefetchRow(_ p: UnsafePointer<Float>, _ bytes: Int) {
  let raw = UnsafeRawPointer(p)
  var o = 0
  while o < bytes { clus_prefetch(raw + o); o &+= 64 }
  clus_prefetch(raw + (bytes &- 1))
}

/// The side of a point in a random-projection split from its margin: 0 (left) for a positive
/// margin, 1 for a negative one, each without a draw and without a branch on the side (a coin
/// toss for the branch predictor); a margin of 0, or NaN (products beyond Float's range, which
/// the manhattan and chebyshev metrics accept), takes the low bit of one draw of `rng`.
@inline(__always)
func splitSide(_ margin: Float, _ rng: inout RandomStream) -> UInt8 {
  var s: UInt8 = margin > 0 ? 0 : 1
  if s == 1 && !(margin < 0) { s = UInt8(truncatingIfNeeded: rng.next() & 1) }
  return s
}

/// One random-projection tree (pynndescent `make_euclidean_tree`): recursive splits of the points
/// by the hyperplane equidistant from two random points of the node, until a node has at most
/// `leafSize` points (or depth 200). Returns the permutation of point indices and the leaves as
/// consecutive (start, end) offsets into it.
///
/// `labels` (n values, or nil for 0..<n) names point i's row of `data` (n × dims): with
/// `labels[i]` the row at which point i sits in a reordered copy of the rows, the tree is the
/// same one (the same nodes in the same order, the same draws, the same margins), and the
/// returned permutation holds the labels.
private func buildRPTree(
  _ data: UnsafePointer<Float>, n: Int, dims: Int, leafSize: Int, labels: [Int32]? = nil,
  rng: inout RandomStream
) -> (perm: [Int32], leaves: [Int32]) {
  var perm = labels ?? (0..<n).map { Int32($0) }
  var leaves = [Int32]()
  var stack: [(Int, Int, Int)] = [(0, n, 0)]
  var normal = [Float](repeating: 0, count: dims)
  var side = [UInt8](repeating: 0, count: n)
  var tmp = [Int32](repeating: 0, count: n)
  while let (lo, hi, depth) = stack.popLast() {
    let cnt = hi - lo
    if cnt <= leafSize || depth >= 200 {
      leaves.append(Int32(lo)); leaves.append(Int32(hi))
      continue
    }
    let ia = rng.nextInt(cnt)
    var ib = rng.nextInt(cnt - 1)
    if ib >= ia { ib += 1 }
    let pa = data + Int(perm[lo + ia]) * dims, pb = data + Int(perm[lo + ib]) * dims
    var offset: Float = 0
    for t in 0..<dims {
      let h = pa[t] - pb[t]
      normal[t] = h
      offset -= h * (pa[t] + pb[t]) * 0.5
    }
    var nLeft = 0
    normal.withUnsafeBufferPointer { np in
      let nb = np.baseAddress!
      // the node's rows are random reads (perm order): each is prefetched `treeAhead` rows ahead
      let rowBytes = dims &* 4
      for a in lo..<min(hi, lo &+ treeAhead) { prefetchRow(data + Int(perm[a]) &* dims, rowBytes) }
      for a in lo..<hi {
        if a &+ treeAhead < hi { prefetchRow(data + Int(perm[a &+ treeAhead]) &* dims, rowBytes) }
        let s = splitSide(dotProduct(nb, data + Int(perm[a]) * dims, dims) + offset, &rng)
        side[a] = s
        nLeft &+= Int(1 &- s)
      }
    }
    if nLeft == 0 || nLeft == cnt {
      // degenerate split (duplicates): random halves
      nLeft = 0
      for a in lo..<hi {
        let s = UInt8(truncatingIfNeeded: rng.next() & 1)
        side[a] = s
        if s == 0 { nLeft += 1 }
      }
      if nLeft == 0 || nLeft == cnt {
        nLeft = cnt / 2
        for a in lo..<hi { side[a] = a - lo < nLeft ? 0 : 1 }
      }
    }
    var l = lo, r = lo + nLeft
    for a in lo..<hi {
      let right = Int(side[a])
      tmp[right == 0 ? l : r] = perm[a]
      l &+= 1 &- right
      r &+= right
    }
    for a in lo..<hi { perm[a] = tmp[a] }
    // right pushed first so the left subtree is processed (and its leaves listed) first
    stack.append((lo + nLeft, hi, depth + 1))
    stack.append((lo, lo + nLeft, depth + 1))
  }
  return (perm, leaves)
}

/// Approximate k nearest neighbours by NN-descent (Dong, Moses & Li 2011) initialised from a
/// random-projection-tree forest, as pynndescent's `NNDescent` is called by umap-learn's
/// `nearest_neighbors`: `n_trees = min(64, 5 + round(√n / 20))`, `n_iters = max(5, round(log₂ n))`,
/// `max_candidates = 60`, `delta = 0.001`, `leaf_size = max(60, min(256, 5·k))`. The point itself is
/// column 0 with distance 0; the other k − 1 columns are the approximate nearest other points.
///
/// Determinism: every random choice derives from (`seed`, purpose, tree / point / iteration), the
/// candidate sample of each point is chosen by hashed priorities, distances are computed in
/// parallel but the graph updates are applied in a fixed order, so the result is bit-identical for
/// any `context.threads`.
/// Speed (same algorithm, organised for the memory hierarchy):
/// - the rows are copied in the leaf order of the first tree (neighbours close in memory),
///   without columns that cannot change a distance, and euclidean rows far from the origin centred
///   on their means (`farCentre`);
/// - euclidean, cosine, correlation: the all-pairs join of a leaf and the local join of a point's
///   candidates use Gram matrices (`Gemm`, the same bits on every CPU; ‖p‖² + ‖q‖² − 2p·q, or 1 − p·q on unit
///   rows) instead of pairwise loops;
/// - euclidean with 128 ≤ d ≤ 1024: the trees split in the space of the top 64 principal
///   directions of a sample of rows.
/// Distances are computed in Float32; final euclidean distances are recomputed pairwise
/// (√ of a direct squared-difference sum), other metrics with `Metric.distance`.
/// - Parameters:
///   - x: data, n × d, finite.
///   - k: neighbours per point including itself (umap-learn `n_neighbors`), 1 ≤ k ≤ n.
///   - metric: distance.
///   - seed: random seed (umap-learn `random_state`).
///   - nTrees: pynndescent `n_trees` (≥ 0); nil for the umap-learn default.
///   - nIters: pynndescent `n_iters` (≥ 0); nil for the umap-learn default.
///   - context: threads, cancellation (polled every tree batch and iteration), progress
///     ("neighbour trees", one unit per tree built and joined; then "nearest neighbours", one unit
///     per iteration).
///   - reorderTreeRows: the trees after the first group read their rows in the working order
///     (the default; the same trees, faster); false reads them in data order (for the tests that
///     compare both).
/// - Returns: `KNNGraph` n × k, rows ascending.
/// - Throws: `AlgorithmError.invalidInput` (empty or non-finite data), `.invalidParameter`
///   (k, nTrees or nIters out of range), `.cancelled`.
func nnDescentKNN(
  _ x: Matrix, k: Int, metric: Metric, seed: UInt64, nTrees: Int? = nil, nIters: Int? = nil,
  context: RunContext, reorderTreeRows: Bool = true
) throws -> KNNGraph {
  try validateKNNInput(x, k: k)
  let n = x.rows, d = x.cols
  let trees = nTrees ?? min(64, 5 + Int((Double(n).squareRoot() / 20).rounded(.toNearestOrEven)))
  let iters = nIters ?? max(5, Int(Elementary.log2(Double(n)).rounded(.toNearestOrEven)))
  guard trees >= 0 else {
    throw AlgorithmError.invalidParameter(name: "n_trees", value: "\(trees)", allowed: "n_trees ≥ 0")
  }
  guard iters >= 0 else {
    throw AlgorithmError.invalidParameter(name: "n_iters", value: "\(iters)", allowed: "n_iters ≥ 0")
  }
  let leafSize = max(60, min(256, 5 * k))
  let maxCandidates = 60
  let delta = 0.001
  let m = k - 1
  let threads = context.threads
  let token = context.cancellation

  if m == 0 { return KNNGraph(n: n, k: 1, indices: (0..<n).map { Int32($0) }, distances: [Float](repeating: 0, count: n)) }
  // the output (every row written in step 4), allocated only then
  var outIdx = [Int32](), outDist = [Float]()

  let graph = NeighborGraphState(n: n, m: m)
  let cap = maxCandidates
  try x.data.withUnsafeBufferPointer { xbp in
    let xb = xbp.baseAddress!
    let prep = PreparedData(xb, n: n, d: d, metric: metric)
    let sp0 = prep.space(xb)
    let projDims = 64
    let proj: PrincipalProjection? =
      (metric == .euclidean && d >= 2 * projDims && d <= 1024 && n > leafSize)
      ? PrincipalProjection(xb, n: n, d: d, r: projDims, threads: threads) : nil
    let treeData = proj.map { UnsafePointer($0.z) } ?? sp0.base
    let treeDims = proj?.r ?? d

    // 1. random-projection forest, built a few trees at a time (each tree's leaves are joined and
    // the tree released before the next group is built: the forest is never held whole). The
    // first group reads the rows in data order; later groups read them in the working order (below,
    // `treeRows`), where the points of a node sit close together in memory.
    let treeGroup = max(2, threads)
    func buildTrees(
      _ range: Range<Int>, rows: UnsafePointer<Float>, labels: [Int32]?
    ) -> [(perm: [Int32], leaves: [Int32])] {
      var group = [(perm: [Int32], leaves: [Int32])](repeating: ([], []), count: range.count)
      group.withUnsafeMutableBufferPointer { gp in
        let gb = gp.baseAddress!
        parallelChunks(count: range.count, chunkSize: 1, threads: threads) { c, _ in
          if token.isCancelled { return }
          var rng = RandomStream(seed: seed, purposeTree, UInt64(range.lowerBound + c))
          gb[c] = buildRPTree(rows, n: n, dims: treeDims, leafSize: leafSize, labels: labels, rng: &rng)
        }
      }
      return group
    }
    let useTrees = trees > 0 && n > 1
    if useTrees { context.progress.begin("neighbour trees", total: trees) }
    var group = useTrees ? buildTrees(0..<min(trees, treeGroup), rows: treeData, labels: nil) : []
    var groupStart = 0
    try token.check()

    // Work on a copy of the rows in the leaf order of the first tree: neighbours then sit close
    // in memory, which makes the memory-bound distance evaluations cache friendly. `order` maps
    // working index → data index.
    let order: [Int32] = useTrees ? group[0].perm : (0..<n).map { Int32($0) }
    var rank = [Int32](repeating: 0, count: n)
    for (w, i) in order.enumerated() { rank[Int(i)] = Int32(w) }
    // euclidean rows far from the origin are worked on centred (`farCentre`: the Gram distances'
    // cancellation error scales with the squared norms)
    let centre = metric == .euclidean ? farCentre(xb, n: n, d: d, threads: threads) : nil
    let permRows = PermutedRows(sp0, order: order, centre: centre, threads: threads)
    defer { withExtendedLifetime(permRows) {} }
    let sp = permRows.space
    // euclidean, cosine, correlation: distances of whole leaves / candidate lists from Gram matrices (`Gemm`)
    let gemm: GramData? =
      sp.kind == .sqeuclidean || sp.kind == .angular ? GramData(sp, n: n, threads: threads) : nil
    let maxGemmLeaf = max(leafSize, 2 * cap)
    let pool = gemm.map { GramPool($0, rows: maxGemmLeaf) }
    // the trees after the first group read the tree rows in the working order (the same values,
    // so the same trees; their nodes' rows then sit close together in memory, which the trees'
    // random reads of whole rows need far more than the data order gives): the working copy
    // itself where it holds exactly those rows, or the projected rows reordered in place
    let laterTrees = reorderTreeRows && useTrees && trees > treeGroup
    var treeRows = treeData, treeLabels: [Int32]? = nil
    if laterTrees, let p = proj {
      permuteRowsInPlace(p.z, rows: n, cols: p.r, order: order)
      treeLabels = rank
    } else if laterTrees && centre == nil && sp.d == d {
      treeRows = sp.base
      treeLabels = rank
    }

    // chunked update generation, bounded by a block of work items
    let applier = UpdateApplier(n: n, maxChunks: 256)

    // all-pairs join of every leaf, tree by tree. The updates are applied after every batch of
    // leaves holding about `batchPoints` points (not once per tree), which bounds the update
    // buffers; the graph after a tree is the same: the rows keep the best (distance, index) of
    // what they held and every offer not above their threshold, and an offer a batch's fresher
    // threshold skips would have been refused at its turn anyway.
    let batchPoints = 1 << 16
    if useTrees {
      for t in 0..<trees {
        try token.check()
        if t >= groupStart + group.count {
          groupStart = t
          group = buildTrees(t..<min(trees, t + treeGroup), rows: treeRows, labels: treeLabels)
          try token.check()
        }
        var (perm, leaves) = group[t - groupStart]
        group[t - groupStart] = ([], [])
        if t < treeGroup || treeLabels == nil {
          perm.withUnsafeMutableBufferPointer { pp in
            for a in 0..<n { pp[a] = rank[Int(pp[a])] }
          }
        }
        let nLeaves = leaves.count / 2
        var l0 = 0
        while l0 < nLeaves {
          var l1 = l0, points = 0
          while l1 < nLeaves && (l1 == l0 || points + Int(leaves[2 * l1 + 1] - leaves[2 * l1]) <= batchPoints) {
            points += Int(leaves[2 * l1 + 1] - leaves[2 * l1])
            l1 += 1
          }
          let batchLeaves = l1 - l0, first = l0
          let leavesPerChunk = max(1, (batchLeaves + 255) / 256)
          let nChunks = chunkCount(batchLeaves, leavesPerChunk)
          applier.reset(nChunks)
          let bufs = applier.buffers
          perm.withUnsafeBufferPointer { pp in
            leaves.withUnsafeBufferPointer { lp in
              let pb = pp.baseAddress!, lvb = lp.baseAddress!
              parallelChunks(count: batchLeaves, chunkSize: leavesPerChunk, threads: threads) { c, range in
                var buf = bufs[c]
                bufs[c] = []
                let gram = pool?.take()
                defer { if let g = gram { pool!.give(g) } }
                for leaf in (first + range.lowerBound)..<(first + range.upperBound) {
                  let lo = Int(lvb[2 * leaf]), hi = Int(lvb[2 * leaf + 1])
                  if hi - lo < 2 { continue }
                  if let gram = gram, hi - lo <= maxGemmLeaf {
                    gram.joinLeaf(pb + lo, hi - lo, graph, &buf)
                    continue
                  }
                  for a in lo..<(hi - 1) {
                    let p = Int(pb[a])
                    for b in (a + 1)..<hi { joinPair(p, Int(pb[b]), sp, graph, &buf) }
                  }
                }
                bufs[c] = buf
              }
            }
          }
          _ = applier.apply(nChunks, to: graph, threads: threads)
          l0 = l1
        }
        context.progress.update(t + 1)
      }
    }
    if useTrees { context.progress.end() }
    group = []
    // 2. rows not yet full get random points (pynndescent `init_random`)
    parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
      for i in rows where graph.idx[i * m + m - 1] < 0 {
        var rng = RandomStream(seed: seed, purposeRandomInit, UInt64(i))
        var tries = 4 * m + 16
        while graph.idx[i * m + m - 1] < 0 && tries > 0 {
          tries -= 1
          let j = rng.nextInt(n)
          if j == i { continue }
          _ = graph.insert(i, Int32(j), sp.rd(i, j))
        }
        if graph.idx[i * m + m - 1] < 0 {
          for j in 0..<n where j != i { _ = graph.insert(i, Int32(j), sp.rd(i, j)) }
        }
      }
    }

    // 3. NN-descent iterations
    context.progress.begin("nearest neighbours", total: iters)
    defer { context.progress.end() }
    // Candidate lists, stored compactly: per chunk of `candChunk` rows one exact-size buffer
    // holding each row's new then old candidates (rows hold far fewer than 2 × max_candidates on
    // average, so n × 2 × 60 slots would be mostly empty); `candOff[i]` is row i's offset in it.
    let candChunk = 512
    let nCandChunks = chunkCount(n, candChunk)
    let candBase = UnsafeMutablePointer<UnsafeMutablePointer<Int32>?>.allocate(capacity: max(1, nCandChunks))
    candBase.initialize(repeating: nil, count: max(1, nCandChunks))
    let candOff = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let newN = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let oldN = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    let revStart = UnsafeMutablePointer<Int>.allocate(capacity: n + 1)
    let revIdx = UnsafeMutablePointer<Int32>.allocate(capacity: n * m)
    let revFlag = UnsafeMutablePointer<UInt8>.allocate(capacity: n * m)
    func freeCandidates() {
      for c in 0..<nCandChunks { candBase[c]?.deallocate(); candBase[c] = nil }
    }
    defer {
      freeCandidates(); candBase.deallocate(); candOff.deallocate(); newN.deallocate(); oldN.deallocate()
      revStart.deallocate(); revIdx.deallocate(); revFlag.deallocate()
    }
    let gi = graph.idx, gf = graph.flag
    for iter in 0..<iters {
      try token.check()
      var saltRng = RandomStream(seed: seed, purposeCandidates, UInt64(iter))
      let salt = saltRng.next()
      // reverse lists (member i of row q's reverse list means q is in row i), with the flag
      for i in 0...n { revStart[i] = 0 }
      for e in 0..<(n * m) { let q = gi[e]; if q >= 0 { revStart[Int(q) + 1] += 1 } }
      for i in 0..<n { revStart[i + 1] += revStart[i] }
      do {
        let fill = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer { fill.deallocate() }
        for i in 0..<n { fill[i] = revStart[i] }
        for i in 0..<n {
          for s in 0..<m {
            let q = gi[i * m + s]
            if q < 0 { continue }
            let f = fill[Int(q)]
            revIdx[f] = Int32(i)
            revFlag[f] = gf[i * m + s]
            fill[Int(q)] = f + 1
          }
        }
      }
      // candidate lists: the `cap` lowest priorities among forward and reverse neighbours
      freeCandidates()
      parallelChunks(count: n, chunkSize: candChunk, threads: threads) { chunk, rows in
        let newP = UnsafeMutablePointer<UInt64>.allocate(capacity: cap)
        let oldP = UnsafeMutablePointer<UInt64>.allocate(capacity: cap)
        let ni = UnsafeMutablePointer<Int32>.allocate(capacity: cap)
        let oi = UnsafeMutablePointer<Int32>.allocate(capacity: cap)
        defer { newP.deallocate(); oldP.deallocate(); ni.deallocate(); oi.deallocate() }
        var lists = [Int32]()
        lists.reserveCapacity(rows.count * 2 * m)
        for i in rows {
          var nc = 0, oc = 0
          for s in 0..<m {
            let q = gi[i * m + s]
            if q < 0 { continue }
            let pr = candidatePriority(salt, i, q)
            if gf[i * m + s] != 0 { pushCandidate(ni, newP, &nc, cap, q, pr) } else { pushCandidate(oi, oldP, &oc, cap, q, pr) }
          }
          for e in revStart[i]..<revStart[i + 1] {
            let q = revIdx[e]
            let pr = candidatePriority(salt, i, q)
            if revFlag[e] != 0 { pushCandidate(ni, newP, &nc, cap, q, pr) } else { pushCandidate(oi, oldP, &oc, cap, q, pr) }
          }
          newN[i] = Int32(nc)
          oldN[i] = Int32(oc)
          // sampled new neighbours become old
          for s in 0..<m where gf[i * m + s] != 0 {
            let q = gi[i * m + s]
            for t in 0..<nc where ni[t] == q { gf[i * m + s] = 0; break }
          }
          candOff[i] = Int32(lists.count)
          lists.append(contentsOf: UnsafeBufferPointer(start: ni, count: nc))
          lists.append(contentsOf: UnsafeBufferPointer(start: oi, count: oc))
        }
        let stored = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, lists.count))
        if !lists.isEmpty { lists.withUnsafeBufferPointer { stored.initialize(from: $0.baseAddress!, count: lists.count) } }
        candBase[chunk] = stored
      }
      // local joins, in blocks of points; updates applied after each block
      var changes = 0
      let blockSize = 8192, chunk = 64
      var b0 = 0
      while b0 < n {
        try token.check()
        let b1 = min(n, b0 + blockSize)
        let nChunks = chunkCount(b1 - b0, chunk)
        applier.reset(nChunks)
        let bufs = applier.buffers
        parallelChunks(count: b1 - b0, chunkSize: chunk, threads: threads) { c, range in
          var buf = bufs[c]
          bufs[c] = []
          let gram = pool?.take()
          defer { if let g = gram { pool!.give(g) } }
          for r in range {
            let i = b0 + r
            let a = Int(newN[i]), bo = Int(oldN[i])
            if a == 0 { continue }
            let ni = candBase[i / candChunk]! + Int(candOff[i]), oi = ni + a
            if let gram = gram {
              gram.joinCandidates(ni, a, oi, bo, graph, &buf)
              continue
            }
            for u in 0..<a {
              let p = Int(ni[u])
              if u + 1 < a { for v in (u + 1)..<a { joinPair(p, Int(ni[v]), sp, graph, &buf) } }
              for v in 0..<bo {
                let q = Int(oi[v])
                if q != p { joinPair(p, q, sp, graph, &buf) }
              }
            }
          }
          bufs[c] = buf
        }
        changes += applier.apply(nChunks, to: graph, threads: threads)
        b0 = b1
      }
      context.progress.update(iter + 1)
      if Double(changes) <= delta * Double(k) * Double(n) { break }
    }
    try token.check()

    // 4. output: self first, then the row (reduced → true distances)
    freeCandidates()
    outIdx = [Int32](repeating: -1, count: n * k)
    outDist = [Float](repeating: .infinity, count: n * k)
    let exactRecompute = metric != .euclidean
    outIdx.withUnsafeMutableBufferPointer { oip in
      outDist.withUnsafeMutableBufferPointer { odp in
        let oi = oip.baseAddress!, od = odp.baseAddress!
        parallelChunks(count: n, chunkSize: 1024, threads: threads) { _, rows in
          let cd = UnsafeMutablePointer<Double>.allocate(capacity: k)
          let ci = UnsafeMutablePointer<Int32>.allocate(capacity: k)
          defer { cd.deallocate(); ci.deallocate() }
          // in working order: a row's neighbours are then close in memory
          for w in rows {
            let i = Int(order[w])
            cd[0] = 0; ci[0] = Int32(i)
            for s in 0..<m {
              let qw = gi[w * m + s]
              let q = qw < 0 ? -1 : order[Int(qw)]
              ci[s + 1] = q
              if q < 0 {
                cd[s + 1] = .infinity
              } else if exactRecompute {
                cd[s + 1] = metric.distance(xb + i * d, xb + Int(q) * d, d)
              } else {
                cd[s + 1] = Double(sp.trueDistance(sp.rd(w, Int(qw))))
              }
            }
            sortRow(cd, ci, k, selfIndex: Int32(i))
            for s in 0..<k {
              oi[i * k + s] = ci[s]
              od[i * k + s] = Float(cd[s])
            }
          }
        }
      }
    }
  }
  return KNNGraph(n: n, k: k, indices: outIdx, distances: outDist)
}
