// A KD-tree over Double rows (scikit-learn's `KDTree` idea: median split on the widest
// dimension, a box per node) and its depth-first k-nearest-neighbour searches, with the
// reduced distances of a `KDMetric`. Used by HDBSCAN (core distances, the exact Borůvka's
// searches, `approximate_predict`) and, through its radius queries (RadiusSearch.swift), DBSCAN.

/// A KD-tree over n points (median split on the widest dimension). Nodes are in preorder, so a
/// parent's id is smaller than its children's. Points are stored in tree order (`pts`, Double).
/// The arrays are owned by the tree (allocated once, freed with it), so searches read them
/// without a closure per array.
final class KDTreeIndex {
  let n: Int
  let d: Int
  let nodeCount: Int
  /// Tree position → original row (n).
  let perm: UnsafeMutablePointer<Int32>
  /// n × d coordinates in tree order.
  let pts: UnsafeMutablePointer<Double>
  /// Per node: its points are tree positions start..<end; children (−1 for a leaf).
  let start: UnsafeMutablePointer<Int32>
  let end: UnsafeMutablePointer<Int32>
  let left: UnsafeMutablePointer<Int32>
  let right: UnsafeMutablePointer<Int32>
  /// nodes × d box corners.
  let lo: UnsafeMutablePointer<Double>
  let hi: UnsafeMutablePointer<Double>
  /// Per node: the smallest original row among its points, so that a search whose candidates
  /// are ordered by (distance, row) can skip a node at exactly its bound that holds no row small
  /// enough to enter (many equal points: a grid, duplicated rows).
  let minRow: UnsafeMutablePointer<Int32>

  /// Builds the tree over `x` (n × d, row-major), leaves of at most `leafSize` points.
  init(_ x: [Double], n: Int, d: Int, leafSize: Int) {
    self.n = n
    self.d = d
    var order = (0..<Int32(n)).map { $0 }
    var st = [Int32](), en = [Int32](), le = [Int32](), ri = [Int32](), lo = [Double](), hi = [Double]()
    let estimate = max(1, 2 * n / max(1, leafSize / 2))
    st.reserveCapacity(estimate); en.reserveCapacity(estimate); le.reserveCapacity(estimate); ri.reserveCapacity(estimate)
    x.withUnsafeBufferPointer { xp in
      let xb = xp.baseAddress!
      order.withUnsafeMutableBufferPointer { pp in
        let pb = pp.baseAddress!
        var boxLo = [Double](repeating: 0, count: d), boxHi = [Double](repeating: 0, count: d)
        func build(_ s: Int, _ e: Int) -> Int32 {
          let id = Int32(st.count)
          st.append(Int32(s)); en.append(Int32(e)); le.append(-1); ri.append(-1)
          for j in 0..<d { boxLo[j] = .infinity; boxHi[j] = -.infinity }
          for t in s..<e {
            let row = xb + Int(pb[t]) * d
            for j in 0..<d {
              let v = row[j]
              if v < boxLo[j] { boxLo[j] = v }
              if v > boxHi[j] { boxHi[j] = v }
            }
          }
          lo.append(contentsOf: boxLo); hi.append(contentsOf: boxHi)
          if e - s <= leafSize { return id }
          var dim = 0
          var spread = -1.0
          for j in 0..<d where boxHi[j] - boxLo[j] > spread { spread = boxHi[j] - boxLo[j]; dim = j }
          let mid = (s + e) / 2
          quickselect(pb, s, e, mid) { xb[Int($0) * d + dim] }
          let l = build(s, mid)
          let r = build(mid, e)
          le[Int(id)] = l; ri[Int(id)] = r
          return id
        }
        _ = build(0, n)
      }
    }
    nodeCount = st.count
    perm = copyToOwned(order)
    start = copyToOwned(st); end = copyToOwned(en); left = copyToOwned(le); right = copyToOwned(ri)
    self.lo = copyToOwned(lo); self.hi = copyToOwned(hi)
    minRow = KDTreeIndex.smallestRows(perm: perm, start: start, end: end, left: left, right: right, nodeCount: nodeCount)
    pts = .allocate(capacity: max(1, n * d))
    for t in 0..<n {
      let r = Int(perm[t]) * d
      for j in 0..<d { pts[t * d + j] = x[r + j] }
    }
  }

  /// A tree over arrays built elsewhere, which it takes over (and frees): `perm` (n), `pts`
  /// (n × d in tree order), per node `start`, `end`, `left`, `right` (−1 for a leaf) and the
  /// nodes × d box corners `lo`, `hi`. Each node's box must hold its points and a parent's id
  /// must be smaller than its children's (HDBSCAN's heap-ordered tree, `HeapKDTree`, qualifies).
  init(n: Int, d: Int, nodeCount: Int, perm: UnsafeMutablePointer<Int32>, pts: UnsafeMutablePointer<Double>,
       start: UnsafeMutablePointer<Int32>, end: UnsafeMutablePointer<Int32>, left: UnsafeMutablePointer<Int32>,
       right: UnsafeMutablePointer<Int32>, lo: UnsafeMutablePointer<Double>, hi: UnsafeMutablePointer<Double>) {
    self.n = n; self.d = d; self.nodeCount = nodeCount
    self.perm = perm; self.pts = pts
    self.start = start; self.end = end; self.left = left; self.right = right
    self.lo = lo; self.hi = hi
    minRow = KDTreeIndex.smallestRows(perm: perm, start: start, end: end, left: left, right: right, nodeCount: nodeCount)
  }

  /// Each node's smallest original row: a leaf's from its points, an inner node's from its
  /// children (ids descending, as a parent's id is smaller than its children's).
  private static func smallestRows(
    perm: UnsafePointer<Int32>, start: UnsafePointer<Int32>, end: UnsafePointer<Int32>,
    left: UnsafePointer<Int32>, right: UnsafePointer<Int32>, nodeCount: Int
  ) -> UnsafeMutablePointer<Int32> {
    let m = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, nodeCount))
    for v in stride(from: nodeCount - 1, through: 0, by: -1) {
      if left[v] < 0 {
        var r = Int32.max
        for t in Int(start[v])..<Int(end[v]) { r = min(r, perm[t]) }
        m[v] = r
      } else {
        m[v] = min(m[Int(left[v])], m[Int(right[v])])
      }
    }
    return m
  }

  deinit {
    perm.deallocate(); pts.deallocate(); start.deallocate(); end.deallocate()
    left.deallocate(); right.deallocate(); lo.deallocate(); hi.deallocate(); minRow.deallocate()
  }

  /// Depth-first search for the query `a` (d values) from the root, the nearer child first:
  /// a node is skipped when its box is farther than `candidates.bound`, or exactly at it with no
  /// row below `candidates.tieRow` (no point of it could enter), and every point of a leaf
  /// reached is offered to `candidates`, in position order. With `scan` (a euclidean metric:
  /// `LeafColumns.serves`) a node of at most `scan.unit` points is scanned whole instead, from its
  /// columns, and only its points within the bound are offered: the same k best.
  @inline(__always)
  func search<M: KDMetric, C: KDCandidates>(_ a: UnsafePointer<Double>, metric: M, _ candidates: inout C, _ stack: KDStack,
                                            scan: LeafScan? = nil) {
    let P = pts, LO = lo, HI = hi, ST = start, EN = end, LE = left, RI = right, MR = minRow, d = d
    stack.nodes[0] = 0; stack.bounds[0] = 0
    var sp = 1
    while sp > 0 {
      sp -= 1
      let node = Int(stack.nodes[sp])
      let b = stack.bounds[sp], bound = candidates.bound
      if b > bound || (b == bound && Int(MR[node]) >= candidates.tieRow) { continue }
      let l = Int(LE[node])
      if let scan = scan, l < 0 || Int(EN[node] - ST[node]) <= scan.unit {
        scan.offerUnit(a, Int(ST[node]), Int(EN[node]), &candidates)
      } else if l < 0 {
        for q in Int(ST[node])..<Int(EN[node]) { candidates.offer(metric.rdist(a, P + q * d, d), q) }
      } else {
        let r = Int(RI[node])
        let bl = metric.boxRdist(a, LO + l * d, HI + l * d, d)
        let br = metric.boxRdist(a, LO + r * d, HI + r * d, d)
        stack.pushChildren(l, bl, r, br, &sp, admitting: candidates.bound, inclusive: true)
      }
    }
  }
}

/// The best candidates of one query during `KDTreeIndex.search`.
protocol KDCandidates {
  /// The reduced distance a node's box must not exceed to be searched (+∞ until k are held).
  var bound: Double { get }
  /// A point at exactly `bound` can still enter only when its original row is below this:
  /// `Int.max` where every such point counts (radius queries), `Int.min` where none does.
  var tieRow: Int { get }
  /// Offers the point at tree position `q`, at reduced distance `r`.
  mutating func offer(_ r: Double, _ q: Int)
}

/// The stack of a depth-first tree search: node ids and their lower bounds. 256 entries: a
/// median-split tree is balanced, so a search holds at most its depth + 1 (≈ log₂ n) entries.
struct KDStack {
  let nodes: UnsafeMutablePointer<Int32>
  let bounds: UnsafeMutablePointer<Double>

  static func allocate() -> KDStack { KDStack(nodes: .allocate(capacity: 256), bounds: .allocate(capacity: 256)) }
  func deallocate() { nodes.deallocate(); bounds.deallocate() }

  /// Pushes the children `l` and `r` of a node with their lower bounds `bl` and `br`, the
  /// farther first so that the nearer is searched next; a child is pushed when its bound is
  /// below `limit` (or equal to it, when `inclusive`).
  @inline(__always)
  func pushChildren(_ l: Int, _ bl: Double, _ r: Int, _ br: Double, _ sp: inout Int, admitting limit: Double, inclusive: Bool) {
    let pushL = inclusive ? bl <= limit : bl < limit
    let pushR = inclusive ? br <= limit : br < limit
    if bl <= br {
      if pushR { nodes[sp] = Int32(r); bounds[sp] = br; sp += 1 }
      if pushL { nodes[sp] = Int32(l); bounds[sp] = bl; sp += 1 }
    } else {
      if pushL { nodes[sp] = Int32(l); bounds[sp] = bl; sp += 1 }
      if pushR { nodes[sp] = Int32(r); bounds[sp] = br; sp += 1 }
    }
  }
}

/// The k smallest reduced distances seen, as a max-heap (value order only; the first of equal
/// values stays), with their tree positions.
struct HeapCandidates: KDCandidates {
  let values: UnsafeMutablePointer<Double>
  let ids: UnsafeMutablePointer<Int32>
  let k: Int
  var bound: Double { values[0] }
  /// A value equal to the largest held never enters (the first of equal values stays).
  var tieRow: Int { Int.min }

  /// Empties the heap (k entries at +∞).
  func reset() { for t in 0..<k { values[t] = .infinity; ids[t] = -1 } }

  @inline(__always) mutating func offer(_ r: Double, _ q: Int) {
    if r < values[0] { maxHeapSiftDown(values, ids, count: k, r, Int32(q)) }
  }

  /// Takes the heap apart in ascending order: `out(rank, value, id)` for the `keep` ≤ k nearest.
  @inline(__always)
  func drain(keep: Int, _ out: (Int, Double, Int32) -> Void) {
    var size = k
    while size > 0 {
      let topR = values[0], topI = ids[0]
      size -= 1
      if size < keep { out(size, topR, topI) }
      maxHeapSiftDown(values, ids, count: size, values[size], ids[size])
    }
  }
}

/// The k nearest seen, as a list sorted by (reduced distance, original row): ties go to the
/// smaller original row, whatever the visiting order. Plain buffers of k entries (the search
/// offers every point of every leaf it reaches, so this is the inner loop), freed by `deallocate`.
struct SortedCandidates: KDCandidates {
  let k: Int
  let perm: UnsafePointer<Int32>
  /// The reduced distances and tree positions of the `count` best, ascending by (reduced
  /// distance, original row); a row (`row(_:)`) is looked up only to order equal distances.
  let dist: UnsafeMutablePointer<Double>
  let pos: UnsafeMutablePointer<Int32>
  private(set) var count = 0
  var worst = Double.infinity
  var bound: Double { worst }
  /// Once k are held, a point at `worst` enters only with a row below the last one's.
  var tieRow: Int { count == k ? row(k - 1) : Int.max }

  init(k: Int, perm: UnsafePointer<Int32>) {
    self.k = k
    self.perm = perm
    dist = .allocate(capacity: max(1, k))
    pos = .allocate(capacity: max(1, k))
  }

  func deallocate() { dist.deallocate(); pos.deallocate() }

  /// The original row of the t-th best.
  @inline(__always) func row(_ t: Int) -> Int { Int(perm[Int(pos[t])]) }

  mutating func reset() {
    count = 0
    worst = .infinity
  }

  @inline(__always) mutating func offer(_ r: Double, _ q: Int) {
    if count == k && r > worst { return }
    if count == k && r == worst && Int(perm[q]) > row(count - 1) { return }
    // insertion into the sorted list of the best k; when full, the last one drops out
    var at = count < k ? count : k - 1
    while at > 0 {
      let prev = dist[at - 1]
      if prev < r || (prev == r && row(at - 1) < Int(perm[q])) { break }
      dist[at] = prev; pos[at] = pos[at - 1]
      at -= 1
    }
    dist[at] = r
    pos[at] = Int32(truncatingIfNeeded: q)
    if count < k { count += 1 }
    if count == k { worst = dist[k - 1] }
  }
}

/// Each point's k nearest points of the tree (itself included) by `KDTreeIndex.search` with a
/// heap per point (hdbscan's `KDTree.query` for the core distances): the reduced distance of the
/// k-th in `coreR` (tree order), and the `keep` ≤ k nearest ascending, as tree positions and
/// reduced distances (n × keep). Parallel over fixed chunks of 512 points (independent of the
/// thread count); progress "hdbscan core distances", one unit per point.
/// - Throws: `AlgorithmError.cancelled`.
func kdSelfKNN<M: KDMetric>(
  _ tree: KDTreeIndex, k: Int, keep ks: Int, metric: M, context: RunContext
) throws -> (coreR: [Double], indices: [Int32], rdist: [Double]) {
  let n = tree.n, d = tree.d
  var coreR = [Double](repeating: 0, count: n)
  var knnIdx = [Int32](repeating: -1, count: n * ks)
  var knnR = [Double](repeating: .infinity, count: n * ks)
  let token = context.cancellation
  var cancelled = false
  context.progress.begin("hdbscan core distances", total: n)
  coreR.withUnsafeMutableBufferPointer { crp in
    knnIdx.withUnsafeMutableBufferPointer { kip in
      knnR.withUnsafeMutableBufferPointer { krp in
        let CR = crp.baseAddress!, KI = kip.baseAddress!, KR = krp.baseAddress!
        let chunk = 512
        let doneCounter = AtomicCounter()
        parallelChunks(count: n, chunkSize: chunk, threads: context.threads) { _, range in
          if token.isCancelled { cancelled = true; return }
          var heap = HeapCandidates(values: .allocate(capacity: k), ids: .allocate(capacity: k), k: k)
          let stack = KDStack.allocate()
          defer { heap.values.deallocate(); heap.ids.deallocate(); stack.deallocate() }
          for p in range {
            heap.reset()
            tree.search(tree.pts + p * d, metric: metric, &heap, stack)
            CR[p] = heap.bound
            heap.drain(keep: ks) { t, r, q in KI[p * ks + t] = q; KR[p * ks + t] = r }
          }
          let done = doneCounter.add(range.count)
          if range.lowerBound == 0 || done == n || (range.lowerBound / chunk) % 64 == 0 { context.progress.update(done) }
        }
      }
    }
  }
  context.progress.end()
  if cancelled { throw AlgorithmError.cancelled }
  return (coreR, knnIdx, knnR)
}

/// The k nearest rows of `data` (n × d, Double) for every row of `queries` (m × d): indices
/// (original rows) and reduced distances, ascending by (distance, index), from a KD-tree search
/// per query (parallel over fixed chunks, so independent of the thread count). `queries` may be
/// `data` itself (each point then finds itself first). Rows beyond n neighbours are −1, +∞.
/// - Throws: `AlgorithmError.cancelled`.
func kdCrossKNN<M: KDMetric>(
  data: [Double], n: Int, d: Int, queries: [Double], m: Int, k: Int, metric: M, context: RunContext
) throws -> (indices: [Int], rdist: [Double]) {
  try kdQueryKNN(KDTreeIndex(crossJoinOver: data, n: n, d: d), queries: queries, m: m, k: k, metric: metric, context: context)
}

extension KDTreeIndex {
  /// The tree `kdCrossKNN` searches: leaves of 16 points up to 4 columns, else 32.
  convenience init(crossJoinOver data: [Double], n: Int, d: Int) {
    self.init(data, n: n, d: d, leafSize: d <= 4 ? 16 : 32)
  }
}

/// `kdCrossKNN` on a tree already built (`KDTreeIndex(crossJoinOver:n:d:)`), so that a fitted
/// model searches its training points without rebuilding the tree for every query batch.
/// - Throws: `AlgorithmError.cancelled`.
func kdQueryKNN<M: KDMetric>(
  _ tree: KDTreeIndex, queries: [Double], m: Int, k: Int, metric: M, context: RunContext
) throws -> (indices: [Int], rdist: [Double]) {
  var outI = [Int](repeating: -1, count: m * k), outR = [Double](repeating: .infinity, count: m * k)
  try outI.withUnsafeMutableBufferPointer { oip in
    try outR.withUnsafeMutableBufferPointer { orp in
      let OI = oip.baseAddress!, OR = orp.baseAddress!
      try kdQueryEach(tree, queries: queries, m: m, k: k, metric: metric, context: context) { i, best in
        for t in 0..<best.count { OI[i * k + t] = best.row(t); OR[i * k + t] = best.dist[t] }
      }
    }
  }
  return (outI, outR)
}

/// Runs `body(i, best)` for every query i of `queries` (m × d, Double) with its k nearest
/// points of `tree` (ascending by (reduced distance, original row)), in parallel blocks of
/// queries: `body` must only write what belongs to query i. `queries: nil` queries the tree's
/// own n points (i is then the original row), in tree order: consecutive queries are near one
/// another, so their searches visit the same nodes (the same results, found with fewer cache
/// misses); with `positions`, i is the tree position instead (the caller's writes then go in
/// order too). With a `progress` label the queries are reported as a phase of that name.
/// - Throws: `AlgorithmError.cancelled`.
func kdQueryEach<M: KDMetric>(
  _ tree: KDTreeIndex, queries: [Double]?, m: Int, k: Int, metric: M, context: RunContext,
  progress label: String? = nil, positions: Bool = false, _ body: (Int, SortedCandidates) -> Void
) throws {
  let d = tree.d
  let token = context.cancellation
  let total = queries == nil ? tree.n : m
  let doneCounter = AtomicCounter()
  if let l = label { context.progress.begin(l, total: total) }
  defer { if label != nil { context.progress.end() } }
  func run(_ Q: UnsafePointer<Double>, _ selfJoin: Bool, _ columns: LeafColumns?) {
    parallelChunks(count: total, chunkSize: 256, threads: context.threads) { _, range in
      defer {
        if label != nil {
          let done = doneCounter.add(range.count)
          if range.lowerBound == 0 || done == total || (range.lowerBound / 256) % 256 == 0 { context.progress.update(done) }
        }
      }
      if token.isCancelled { return }
      var best = SortedCandidates(k: k, perm: tree.perm)
      let stack = KDStack.allocate()
      let scan = columns.map(LeafScan.allocate)
      defer { best.deallocate(); stack.deallocate(); scan?.deallocate() }
      for j in range {
        best.reset()
        tree.search(Q + j * d, metric: metric, &best, stack, scan: scan)
        body(selfJoin && !positions ? Int(tree.perm[j]) : j, best)
      }
    }
  }
  if let queries = queries {
    queries.withUnsafeBufferPointer { run($0.baseAddress!, false, nil) }
  } else if tree.d <= 2 && !(metric is MinkowskiKD) {
    // one walk per leaf pays on one or two columns; from five the leaf's box is too loose a proxy
    // for its points (1,000,000 × 5: 6.8 → 9.4 s), at three it is even
    selfJoinByLeaf(tree, k: k, metric: metric, context: context, report: label == nil ? nil : { done in
      let all = doneCounter.add(done)
      context.progress.update(all)
    }) { t, best in body(positions ? t : Int(tree.perm[t]), best) }
  } else {
    // euclidean: the search scans whole subtrees of up to 64 points from a column copy, several
    // points a time, and offers only those within the bound (1,000,000 × 5, min_samples=10: the
    // whole HDBSCAN 4.0 → 3.3 s, the same neighbours). One or two columns gained nothing from it
    // (their time is in the candidates' insertions, not the distances).
    let columns = LeafColumns.serves(metric) ? LeafColumns(tree, unit: 64, threads: context.threads) : nil
    run(UnsafePointer(tree.pts), true, columns)
  }
  try token.check()
}

/// The self-join of `kdQueryEach` one leaf at a time: the points of a leaf share one walk of the
/// tree, which visits a node only when the reduced distance between the leaf's box and the node's
/// box is within the largest bound of the leaf's points; at each leaf reached, a point searches it
/// only when its own box distance is within its own bound (as `KDTreeIndex.search` decides). Every
/// point is offered to a point's candidates at most once, and every point its search would reach
/// is reached (the box-to-box gap of each coordinate is at most the point-to-box gap, rounding
/// included, and the sums are formed alike; a node at exactly the bound is skipped, as there, only
/// when its smallest row could not enter any of the leaf's candidates), so the k best by (reduced distance, original row)
/// are the same as the one-point searches'. Not for Minkowski exponents other than 1, 2 and ∞
/// (whose `pow` need not be monotone); used for one or two columns. `body(t, best)` gets tree
/// positions t; `report` the number of points just finished. Parallel over fixed blocks of 64
/// leaves.
private func selfJoinByLeaf<M: KDMetric>(
  _ tree: KDTreeIndex, k: Int, metric: M, context: RunContext, report: ((Int) -> Void)?, _ body: (Int, SortedCandidates) -> Void
) {
  let d = tree.d
  let P = UnsafePointer(tree.pts), LO = UnsafePointer(tree.lo), HI = UnsafePointer(tree.hi)
  let ST = tree.start, EN = tree.end, LE = tree.left, RI = tree.right, MR = UnsafePointer(tree.minRow)
  // the leaves in the order of their points (a heap-ordered tree numbers them otherwise)
  var leaves = (0..<tree.nodeCount).filter { LE[$0] < 0 }.map { Int32($0) }
  leaves.sort { ST[Int($0)] < ST[Int($1)] }
  var widest = 1
  for v in leaves { widest = max(widest, Int(EN[Int(v)] - ST[Int(v)])) }
  let token = context.cancellation
  leaves.withUnsafeBufferPointer { lp in
    let LV = lp.baseAddress!
    parallelChunks(count: lp.count, chunkSize: 64, threads: context.threads) { _, range in
      if token.isCancelled { return }
      var cands = (0..<widest).map { _ in SortedCandidates(k: k, perm: tree.perm) }
      let stack = KDStack.allocate()
      let gap = UnsafeMutablePointer<Double>.allocate(capacity: 2 * max(1, d))
      let zero = gap + d
      zero.initialize(repeating: 0, count: d)
      defer { for c in cands { c.deallocate() }; stack.deallocate(); gap.deallocate() }
      var finished = 0
      for li in range {
        let own = Int(LV[li])
        let s = Int(ST[own]), m = Int(EN[own]) - s
        for c in 0..<m { cands[c].reset() }
        let qlo = LO + own * d, qhi = HI + own * d
        // the reduced distance between the leaf's box and a node's box: each coordinate's gap
        // (0 where they overlap) through the metric's own sum
        func boxToBox(_ v: Int) -> Double {
          let lo = LO + v * d, hi = HI + v * d
          for j in 0..<d { gap[j] = qhi[j] < lo[j] ? lo[j] - qhi[j] : (qlo[j] > hi[j] ? qlo[j] - hi[j] : 0) }
          return metric.rdist(gap, zero, d)
        }
        // the walk's limit: the largest (bound, tieRow) of the leaf's points; a node at exactly
        // `bound` is still needed only when it holds a row below `boundRow`
        var bound = Double.infinity, boundRow = Int.max
        stack.nodes[0] = 0; stack.bounds[0] = 0
        var sp = 1
        while sp > 0 {
          sp -= 1
          let node = Int(stack.nodes[sp])
          let nb = stack.bounds[sp]
          if nb > bound || (nb == bound && Int(MR[node]) >= boundRow) { continue }
          let l = Int(LE[node])
          if l < 0 {
            let a = Int(ST[node]), b = Int(EN[node])
            let nodeRow = Int(MR[node])
            var worst = 0.0, worstRow = Int.min
            for c in 0..<m {
              let q = P + (s + c) * d
              // a local copy while the leaf is offered: its buffers' addresses stay in registers
              // (stores through them could otherwise alias the array's element)
              var best = cands[c]
              var search = node == own
              if !search {
                let r = metric.boxRdist(q, LO + node * d, HI + node * d, d), cb = best.bound
                search = r < cb || (r == cb && nodeRow < best.tieRow)
              }
              if search {
                for t in a..<b { best.offer(metric.rdist(q, P + t * d, d), t) }
                cands[c] = best
              }
              let cb = best.bound
              if cb > worst { worst = cb; worstRow = best.tieRow } else if cb == worst { worstRow = max(worstRow, best.tieRow) }
            }
            bound = worst; boundRow = worstRow
          } else {
            let r = Int(RI[node])
            stack.pushChildren(l, boxToBox(l), r, boxToBox(r), &sp, admitting: bound, inclusive: true)
          }
        }
        for c in 0..<m { body(s + c, cands[c]) }
        finished += m
        if finished >= 1 << 14 { report?(finished); finished = 0 }
      }
      if finished > 0 { report?(finished) }
    }
  }
}

/// Copies `a` into a new allocation (at least one element) that the caller frees.
private func copyToOwned<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
  let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
  a.withUnsafeBufferPointer { src in if let b = src.baseAddress { p.initialize(from: b, count: a.count) } }
  return p
}

/// Rearranges `a[s..<e]` so that `a[k]` holds the element of rank k - s by `key`, smaller keys
/// before it and larger after (Hoare partition, median-of-three pivot).
private func quickselect(_ a: UnsafeMutablePointer<Int32>, _ s0: Int, _ e0: Int, _ k: Int, key: (Int32) -> Double) {
  var s = s0, e = e0 - 1
  while e > s {
    let m = s + (e - s) / 2
    // median of three to a[m]
    if key(a[m]) < key(a[s]) { a.swapAt(m, s) }
    if key(a[e]) < key(a[s]) { a.swapAt(e, s) }
    if key(a[e]) < key(a[m]) { a.swapAt(e, m) }
    let pivot = key(a[m])
    var i = s, j = e
    while i <= j {
      while key(a[i]) < pivot { i += 1 }
      while key(a[j]) > pivot { j -= 1 }
      if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
    }
    if k <= j { e = j } else if k >= i { s = i } else { return }
  }
}

private extension UnsafeMutablePointer where Pointee == Int32 {
  @inline(__always) func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}
