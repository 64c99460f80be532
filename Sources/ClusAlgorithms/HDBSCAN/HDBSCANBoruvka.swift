// Exact minimum spanning tree of the mutual reachability graph for metrics with axis-aligned
// box bounds, by Borůvka rounds on a KD-tree (Borůvka 1926; the rounds of hdbscan's
// `KDTreeBoruvkaAlgorithm.spanning_tree`, with a single tree instead of its dual-tree traversal
// and no bounds kept between rounds, so the tree is the minimum one).
//
// Core distances: the k = min_samples + 1 nearest neighbours including the point itself
// (`treeSelfKNN`: the KD-tree, or GEMM tiles from 10 dimensions on). Then, until one component
// is left, each round:
// 1. `labelComponents`: every point's and every node's component (a node lies inside one
//    component or none), the members of each component in increasing core distance;
// 2. `boundByStoredNeighbours`: each component's lightest outgoing edge among its members'
//    stored neighbours, an upper bound on its lightest outgoing edge;
// 3. `searchOutsideComponents`: the nearest point outside the component in mutual reachability
//    of each member whose core distance is below that bound, by a tree search that prunes nodes
//    inside the component and nodes whose smallest core distance or box distance reaches the
//    bound. Members are searched in fixed slices (the first slice of every component before the
//    others), so the result is the same for any thread count;
// 4. `mergeComponents`: each component's lightest edge joins the tree (union–find).
// The largest component does not search: every other component's lightest outgoing edge is an
// MST edge (cut property), and each round still merges every other component. Distances are
// compared in a "reduced" form (squared for euclidean) and converted back only for the output.

/// The error of a spanning tree that cannot be completed (no finite edge left between its
/// components: distances that overflow). With alpha < 1 (distances divided by it) it names alpha.
func spanningTreeOverflow(alpha: Double) -> AlgorithmError {
  if alpha < 1 {
    return .invalidParameter(
      name: "alpha", value: "\(alpha)",
      allowed: "the distances divided by alpha overflow float64 in the form the spanning tree compares them (squared, for euclidean), so it cannot be completed: use an alpha nearer 1")
  }
  return .invalidInput("the spanning tree could not be completed (distances overflow)")
}

/// Core distances and exact MST by Borůvka rounds on a KD-tree (see the file comment): the n − 1
/// edges (original rows, weights in distance units), the k-nearest-neighbour edges with their
/// mutual reachability (tie candidates for `singleLinkageTree`), and the n core distances.
/// - Parameters:
///   - x: n × d data, row-major, n ≥ 2.
///   - minSamples: neighbours other than the point itself for the core distance.
///   - alpha: distances are divided by alpha in the mutual reachability.
/// - Throws: `AlgorithmError.cancelled`; `.invalidInput` if a round merges nothing
///   (`.invalidParameter` naming alpha when alpha < 1).
func kdBoruvkaMST<M: KDMetric>(
  _ x: [Double], n: Int, d: Int, minSamples: Int, alpha: Double, metric: M, context: RunContext
) throws -> ([HDBSCANEdge], [HDBSCANEdge], [Double]) {
  let tree = KDTreeIndex(x, n: n, d: d, leafSize: d <= 4 ? 16 : 32)
  let k = minSamples + 1
  let neighbours = try treeSelfKNN(tree, k: k, metric: metric, context: context)
  let boruvka = ExactBoruvka(tree: tree, neighbours: neighbours, metric: metric, alpha: alpha)
  context.progress.begin("hdbscan spanning tree", total: n - 1)
  var nComp = n
  while nComp > 1 {
    try context.cancellation.check()
    let (components, largest) = boruvka.labelComponents()
    boruvka.boundByStoredNeighbours(components, largest: largest, threads: context.threads)
    try boruvka.searchOutsideComponents(components, largest: largest, context: context)
    let added = boruvka.mergeComponents(components)
    if added == 0 { throw spanningTreeOverflow(alpha: alpha) }
    nComp = components - added
    context.progress.update(boruvka.edges.count)
  }
  context.progress.end()
  return (boruvka.edges, boruvka.neighbourEdges(k: k), boruvka.coreOut)
}

/// The state of the Borůvka rounds. Points are tree positions; arrays are owned (allocated
/// once, freed with the object), so the parallel steps read them without a closure per array.
private final class ExactBoruvka<M: KDMetric> {
  let tree: KDTreeIndex
  let metric: M
  let n: Int, d: Int, ks: Int
  let alpha: Double
  /// Factor of the reduced distance for the division by alpha.
  let f: Double
  /// Reduced core distances; the `ks` stored nearest (positions, reduced distances); a lower
  /// bound of the reduced distance to any point not stored.
  let coreR: UnsafeMutablePointer<Double>
  let knnIdx: UnsafeMutablePointer<Int32>
  let knnR: UnsafeMutablePointer<Double>
  let beyond: UnsafeMutablePointer<Double>
  /// Smallest reduced core distance under each node.
  let nodeMinCore: UnsafeMutablePointer<Double>
  /// Positions by increasing core distance (ties by position).
  let byCore: UnsafeMutablePointer<Int32>
  /// Union–find parents.
  let uf: UnsafeMutablePointer<Int32>
  /// Per round: each point's component (its root), each node's (−1 if it spans several), each
  /// root's component number, the members grouped by component (`offsets`) in `byCore` order.
  let comp: UnsafeMutablePointer<Int32>
  let nodeComp: UnsafeMutablePointer<Int32>
  let compIndex: UnsafeMutablePointer<Int32>
  let members: UnsafeMutablePointer<Int32>
  let offsets: UnsafeMutablePointer<Int>
  /// Per round and component: the lightest outgoing edge found (reduced weight, from, to).
  let bestW: UnsafeMutablePointer<Double>
  let bestP: UnsafeMutablePointer<Int32>
  let bestQ: UnsafeMutablePointer<Int32>
  /// Core distances in distance units, by original row.
  var coreOut: [Double]
  var edges: [HDBSCANEdge] = []

  init(tree: KDTreeIndex, neighbours nn: TreeNeighbors, metric: M, alpha: Double) {
    self.tree = tree
    self.metric = metric
    self.alpha = alpha
    n = tree.n; d = tree.d; ks = nn.keep
    f = metric.alphaFactor(alpha)
    let nodes = tree.nodeCount
    coreR = owned(nn.coreR); knnIdx = owned(nn.indices); knnR = owned(nn.rdist); beyond = owned(nn.beyond)
    nodeMinCore = .allocate(capacity: nodes)
    byCore = .allocate(capacity: n)
    uf = .allocate(capacity: n)
    comp = .allocate(capacity: n)
    nodeComp = .allocate(capacity: nodes)
    compIndex = .allocate(capacity: n)
    members = .allocate(capacity: n)
    offsets = .allocate(capacity: n + 1)
    bestW = .allocate(capacity: n)
    bestP = .allocate(capacity: n)
    bestQ = .allocate(capacity: n)
    nodeComp.initialize(repeating: -1, count: nodes)
    compIndex.initialize(repeating: -1, count: n)
    for t in 0..<n { uf[t] = Int32(t) }
    for v in stride(from: nodes - 1, through: 0, by: -1) {
      if tree.left[v] < 0 {
        var m = Double.infinity
        for q in Int(tree.start[v])..<Int(tree.end[v]) { m = min(m, coreR[q]) }
        nodeMinCore[v] = m
      } else {
        nodeMinCore[v] = min(nodeMinCore[Int(tree.left[v])], nodeMinCore[Int(tree.right[v])])
      }
    }
    let cr = coreR
    let order = (0..<Int32(n)).sorted { cr[Int($0)] != cr[Int($1)] ? cr[Int($0)] < cr[Int($1)] : $0 < $1 }
    for t in 0..<n { byCore[t] = order[t] }
    coreOut = [Double](repeating: 0, count: n)
    for t in 0..<n { coreOut[Int(tree.perm[t])] = metric.toDist(coreR[t]) }
    edges.reserveCapacity(n - 1)
  }

  deinit {
    for p in [coreR, knnR, beyond, nodeMinCore, bestW] { p.deallocate() }
    for p in [knnIdx, byCore, uf, comp, nodeComp, compIndex, members, bestP, bestQ] { p.deallocate() }
    offsets.deallocate()
  }

  /// The union–find root of `x0`, compressing the path.
  func find(_ x0: Int32) -> Int32 {
    var x = x0
    while uf[Int(x)] != x { x = uf[Int(x)] }
    var p = x0
    while uf[Int(p)] != x { let q = uf[Int(p)]; uf[Int(p)] = x; p = q }
    return x
  }

  /// Step 1: each point's and node's component, the members of each component in increasing
  /// core distance. Returns the number of components and the largest one (the first of the
  /// largest), which does not search.
  func labelComponents() -> (components: Int, largest: Int) {
    for t in 0..<n { comp[t] = find(Int32(t)) }
    for v in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
      let l = Int(tree.left[v])
      if l < 0 {
        let s = Int(tree.start[v]), e = Int(tree.end[v])
        let c = comp[s]
        var same = true
        for q in (s + 1)..<max(s + 1, e) where comp[q] != c { same = false; break }
        nodeComp[v] = same ? c : -1
      } else {
        let a = nodeComp[l], b = nodeComp[Int(tree.right[v])]
        nodeComp[v] = a == b ? a : -1
      }
    }
    var count = 0
    for t in 0..<n where comp[t] == Int32(t) { compIndex[t] = Int32(count); count += 1 }
    for c in 0...count { offsets[c] = 0 }
    for t in 0..<n { offsets[Int(compIndex[Int(comp[t])]) + 1] += 1 }
    for c in 0..<count { offsets[c + 1] += offsets[c] }
    var fill = (0..<count).map { offsets[$0] }
    for r in 0..<n {
      let t = Int(byCore[r])
      let c = Int(compIndex[Int(comp[t])])
      members[fill[c]] = Int32(t); fill[c] += 1
    }
    var largest = 0
    for c in 1..<max(1, count) where offsets[c + 1] - offsets[c] > offsets[largest + 1] - offsets[largest] { largest = c }
    return (count, largest)
  }

  /// Step 2: per component, the lightest edge to another component among its members' stored
  /// neighbours (members in increasing core distance: one whose core distance reaches the
  /// bound cannot improve it).
  func boundByStoredNeighbours(_ components: Int, largest: Int, threads: Int) {
    parallelChunks(count: components, chunkSize: max(1, min(256, components / 64)), threads: threads) { _, crange in
      for ci in crange {
        self.bestW[ci] = .infinity; self.bestP[ci] = -1; self.bestQ[ci] = -1
        if ci == largest { continue }
        let m0 = self.offsets[ci], m1 = self.offsets[ci + 1]
        let c = self.comp[Int(self.members[m0])]
        var bw = Double.infinity
        var bp: Int32 = -1, bq: Int32 = -1
        for mi in m0..<m1 {
          let p = Int(self.members[mi])
          let cp = self.coreR[p]
          if cp >= bw { break }
          for t in 0..<self.ks {
            let q = Int(self.knnIdx[p * self.ks + t])
            if q < 0 || self.comp[q] == c { continue }
            let w = max(cp, self.coreR[q], self.knnR[p * self.ks + t] * self.f)
            if w < bw { bw = w; bp = Int32(p); bq = Int32(q) }
          }
        }
        self.bestW[ci] = bw; self.bestP[ci] = bp; self.bestQ[ci] = bq
      }
    }
  }

  /// Step 3: tree searches for the members whose core distance is below their component's
  /// bound, in fixed slices of 128 members: first the first slice of every component (the
  /// lowest core distances tighten the bound), then the rest; of a component's slices the first
  /// with the strictly lightest edge wins.
  /// - Throws: `AlgorithmError.cancelled`.
  func searchOutsideComponents(_ components: Int, largest: Int, context: RunContext) throws {
    let slice = 128
    let token = context.cancellation
    var cancelled = false
    for phase in 0..<2 {
      var itemComp = [Int32](), itemStart = [Int32](), itemEnd = [Int32]()
      for ci in 0..<components where ci != largest {
        let m0 = offsets[ci], m1 = offsets[ci + 1]
        var e = m0
        while e < m1 && coreR[Int(members[e])] < bestW[ci] { e += 1 }
        var s0 = phase == 0 ? m0 : m0 + slice
        let eEnd = phase == 0 ? min(e, m0 + slice) : e
        while s0 < eEnd {
          itemComp.append(Int32(ci)); itemStart.append(Int32(s0)); itemEnd.append(Int32(min(eEnd, s0 + slice)))
          s0 += slice
        }
      }
      let items = itemComp.count
      var found = [(w: Double, p: Int32, q: Int32)](repeating: (.infinity, -1, -1), count: items)
      found.withUnsafeMutableBufferPointer { fp in
        let out = fp.baseAddress!
        parallelChunks(count: items, chunkSize: 8, threads: context.threads) { _, irange in
          if token.isCancelled { cancelled = true; return }
          let stack = KDStack.allocate()
          defer { stack.deallocate() }
          for it in irange {
            let ci = Int(itemComp[it])
            out[it] = self.lightestEdgeFromSlice(
              Int(itemStart[it])..<Int(itemEnd[it]), component: self.comp[Int(self.members[self.offsets[ci]])],
              bound: self.bestW[ci], stack)
          }
        }
      }
      for it in 0..<items where found[it].p >= 0 {
        let ci = Int(itemComp[it])
        if found[it].w < bestW[ci] { bestW[ci] = found[it].w; bestP[ci] = found[it].p; bestQ[ci] = found[it].q }
      }
    }
    if cancelled { throw AlgorithmError.cancelled }
  }

  /// The lightest edge (reduced mutual reachability below `bound`) from the members
  /// `members[slice]` of component `c` to a point outside it; p = −1 when there is none.
  @inline(__always)
  private func lightestEdgeFromSlice(
    _ slice: Range<Int>, component c: Int32, bound: Double, _ stack: KDStack
  ) -> (w: Double, p: Int32, q: Int32) {
    var bw = bound
    var bp: Int32 = -1, bq: Int32 = -1
    let P = tree.pts, LO = tree.lo, HI = tree.hi, ST = tree.start, EN = tree.end, LE = tree.left, RI = tree.right
    let CR = coreR, CO = comp, NC = nodeComp, NM = nodeMinCore, f = f, d = d, metric = metric
    for mi in slice {
      let p = Int(members[mi])
      let cp = CR[p]
      if cp >= bw { break }
      // points beyond the kept neighbours are at least the last kept distance away
      if max(cp, beyond[p] * f) >= bw { continue }
      let a = P + p * d
      stack.nodes[0] = 0; stack.bounds[0] = cp
      var sp = 1
      while sp > 0 {
        sp -= 1
        if stack.bounds[sp] >= bw { continue }
        let node = Int(stack.nodes[sp])
        let l = Int(LE[node])
        if l < 0 {
          for q in Int(ST[node])..<Int(EN[node]) {
            let cq = CR[q]
            if cq >= bw || CO[q] == c { continue }
            let w = max(cp, cq, metric.rdist(a, P + q * d, d) * f)
            if w < bw { bw = w; bp = Int32(p); bq = Int32(q) }
          }
        } else {
          let r = Int(RI[node])
          var bl = Double.infinity, br = Double.infinity
          if NC[l] != c { bl = max(cp, NM[l], metric.boxRdist(a, LO + l * d, HI + l * d, d) * f) }
          if NC[r] != c { br = max(cp, NM[r], metric.boxRdist(a, LO + r * d, HI + r * d, d) * f) }
          stack.pushChildren(l, bl, r, br, &sp, admitting: bw, inclusive: false)
        }
      }
    }
    return (bp >= 0 ? bw : .infinity, bp, bq)
  }

  /// Step 4: each component's lightest edge joins the tree unless an earlier one of this round
  /// already joined its two ends. Returns the number of edges added.
  func mergeComponents(_ components: Int) -> Int {
    var added = 0
    for ci in 0..<components {
      let p = bestP[ci], q = bestQ[ci]
      if p < 0 { continue }
      let rp = find(p), rq = find(q)
      if rp == rq { continue }
      uf[Int(rp)] = rq
      edges.append(edge(Int(p), Int(q)))
      added += 1
    }
    return added
  }

  /// The k-nearest-neighbour edges with their exact mutual reachability weights (tie
  /// candidates: ties of mutual reachability are at a core distance, within that radius).
  func neighbourEdges(k: Int) -> [HDBSCANEdge] {
    let kt = min(k, ks)
    var extra = [HDBSCANEdge]()
    extra.reserveCapacity(n * (kt - 1))
    for p in 0..<n {
      for t in 0..<kt {
        let q = Int(knnIdx[p * ks + t])
        if q < 0 || q == p { continue }
        extra.append(edge(p, q))
      }
    }
    return extra
  }

  /// The edge between positions p and q in original rows, weighted by the mutual reachability
  /// max(core(p), core(q), distance/alpha) in distance units.
  private func edge(_ p: Int, _ q: Int) -> HDBSCANEdge {
    let op = Int(tree.perm[p]), oq = Int(tree.perm[q])
    let dpq = metric.toDist(metric.rdist(tree.pts + p * d, tree.pts + q * d, d))
    let w = max(coreOut[op], coreOut[oq], alpha == 1 ? dpq : dpq / alpha)
    return HDBSCANEdge(a: Int32(op), b: Int32(oq), weight: w)
  }
}

/// A copy of `a` in a new allocation that the caller frees.
private func owned<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
  let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
  a.withUnsafeBufferPointer { src in if let b = src.baseAddress { p.initialize(from: b, count: a.count) } }
  return p
}
