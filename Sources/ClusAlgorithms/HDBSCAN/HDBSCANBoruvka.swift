#if canImport(Glibc)
import Glibc
#endif

// Exact minimum spanning tree of the mutual reachability graph for metrics with axis-aligned
// box bounds: a KD-tree gives the core distances (k = min_samples + 1 nearest neighbours including
// the point itself, as hdbscan's `KDTree.query`; from 10 dimensions on the euclidean neighbours come
// from GEMM tiles instead) and the nearest point outside a component in each Borůvka round.
// A round bounds each component's lightest outgoing edge with the stored neighbours, then searches
// the tree from its members in increasing core distance (a member whose core distance reaches the
// bound cannot improve it), pruning nodes that lie inside the component, whose smallest core
// distance or box distance reaches the bound. Members are searched in fixed slices (the first
// slice of every component before the others), so the result is the same for any thread count.
// Distances are compared in a "reduced" form (squared for euclidean) and converted back only for
// the output weights.

/// A metric with a reduced distance that is monotone in the true distance and a lower bound of
/// the reduced distance from a point to an axis-aligned box.
protocol KDMetric {
  /// Reduced distance between two d-vectors.
  func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double
  /// Reduced distance from `a` to the box [lo, hi] (0 inside).
  func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double
  /// True distance of a reduced distance.
  func toDist(_ r: Double) -> Double
  /// Factor f with rdist(x/alpha) = f · rdist(x).
  func alphaFactor(_ alpha: Double) -> Double
}

struct EuclideanKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { let t = a[i] - b[i]; s += t * t }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      let v = a[i]
      let g = v < lo[i] ? lo[i] - v : (v > hi[i] ? v - hi[i] : 0)
      s += g * g
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r.squareRoot() }
  func alphaFactor(_ alpha: Double) -> Double { 1 / (alpha * alpha) }
}

struct ManhattanKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s += abs(a[i] - b[i]) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      let v = a[i]
      s += v < lo[i] ? lo[i] - v : (v > hi[i] ? v - hi[i] : 0)
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r }
  func alphaFactor(_ alpha: Double) -> Double { 1 / alpha }
}

struct ChebyshevKD: KDMetric {
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s = max(s, abs(a[i] - b[i])) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      let v = a[i]
      s = max(s, v < lo[i] ? lo[i] - v : (v > hi[i] ? v - hi[i] : 0))
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { r }
  func alphaFactor(_ alpha: Double) -> Double { 1 / alpha }
}

struct MinkowskiKD: KDMetric {
  let p: Double
  @inline(__always) func rdist(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d { s += Elementary.pow(abs(a[i] - b[i]), p) }
    return s
  }
  @inline(__always) func boxRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
    var s = 0.0
    for i in 0..<d {
      let v = a[i]
      let g = v < lo[i] ? lo[i] - v : (v > hi[i] ? v - hi[i] : 0)
      s += Elementary.pow(g, p)
    }
    return s
  }
  @inline(__always) func toDist(_ r: Double) -> Double { Elementary.pow(r, 1 / p) }
  func alphaFactor(_ alpha: Double) -> Double { Elementary.pow(alpha, -p) }
}

/// A KD-tree over n points (median split on the widest dimension). Nodes are in preorder, so a
/// parent's id is smaller than its children's. Points are stored in tree order (`pts`, Double).
struct KDTreeIndex {
  let n: Int
  let d: Int
  /// Tree position → original row.
  var perm: [Int32]
  /// n × d coordinates in tree order.
  var pts: [Double]
  var start: [Int32] = []
  var end: [Int32] = []
  var left: [Int32] = []
  var right: [Int32] = []
  /// nodes × d box corners.
  var lo: [Double] = []
  var hi: [Double] = []
  var nodeCount: Int { start.count }

  /// Builds the tree over `x` (n × d, row-major).
  init(_ x: [Double], n: Int, d: Int, leafSize: Int) {
    self.n = n
    self.d = d
    perm = (0..<Int32(n)).map { $0 }
    pts = []
    let d = self.d
    var st = [Int32](), en = [Int32](), le = [Int32](), ri = [Int32](), lo = [Double](), hi = [Double]()
    let estimate = max(1, 2 * n / max(1, leafSize / 2))
    st.reserveCapacity(estimate); en.reserveCapacity(estimate); le.reserveCapacity(estimate); ri.reserveCapacity(estimate)
    x.withUnsafeBufferPointer { xp in
      let xb = xp.baseAddress!
      perm.withUnsafeMutableBufferPointer { pp in
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
    start = st; end = en; left = le; right = ri; self.lo = lo; self.hi = hi
    var p = [Double](repeating: 0, count: n * d)
    x.withUnsafeBufferPointer { xp in
      for t in 0..<n {
        let r = Int(perm[t]) * d
        for j in 0..<d { p[t * d + j] = xp[r + j] }
      }
    }
    pts = p
  }
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

/// Core distances and exact MST by Borůvka rounds on a KD-tree (see the file comment).
func kdBoruvkaMST<M: KDMetric>(
  _ x: [Double], n: Int, d: Int, minSamples: Int, alpha: Double, metric: M, context: RunContext
) throws -> ([HDBSCANEdge], [HDBSCANEdge], [Double]) {
  let tree = KDTreeIndex(x, n: n, d: d, leafSize: d <= 4 ? 16 : 32)
  let k = minSamples + 1
  let nodes = tree.nodeCount
  var coreR = [Double](repeating: 0, count: n)       // reduced core distance per tree position
  // the ks nearest (including self) are kept: bounds for Borůvka and tie candidates for Prim's order
  // (33 from 10 dimensions on, where the GEMM tiles give them at little cost and the distance to the
  // farthest kept one bounds every other point: a member whose kept neighbours all lie in its
  // component is at least that far from any other component)
  let gemm = metric is EuclideanKD && d >= 10
  let ks = gemm ? min(n, 33) : min(k, 33)
  var knnIdx = [Int32](repeating: -1, count: n * ks)   // tree positions, nearest first
  var knnR = [Double](repeating: .infinity, count: n * ks)
  var beyondR = [Double]()  // lower bound of the reduced distance to any point not kept
  let token = context.cancellation
  var cancelled = false
  if gemm {
    (coreR, knnIdx, knnR, beyondR) = try sgemmKNN(pts: tree.pts, n: n, d: d, k: k, keep: ks, threads: context.threads,
                                         token: token, progress: context.progress)
  } else {
  context.progress.begin("hdbscan core distances", total: n)
  // ---- core distances: k nearest (including self) per point
  tree.pts.withUnsafeBufferPointer { pp in
    tree.lo.withUnsafeBufferPointer { lop in
      tree.hi.withUnsafeBufferPointer { hip in
        tree.start.withUnsafeBufferPointer { stp in
          tree.end.withUnsafeBufferPointer { enp in
            tree.left.withUnsafeBufferPointer { lep in
              tree.right.withUnsafeBufferPointer { rip in
                coreR.withUnsafeMutableBufferPointer { crp in
                  knnIdx.withUnsafeMutableBufferPointer { kip in
                    knnR.withUnsafeMutableBufferPointer { krp in
                      let P = pp.baseAddress!, LO = lop.baseAddress!, HI = hip.baseAddress!
                      let ST = stp.baseAddress!, EN = enp.baseAddress!, LE = lep.baseAddress!, RI = rip.baseAddress!
                      let CR = crp.baseAddress!, KI = kip.baseAddress!, KR = krp.baseAddress!
                      let chunk = 512
                      let doneCounter = AtomicCounter()
                      parallelChunks(count: n, chunkSize: chunk, threads: context.threads) { _, range in
                        if token.isCancelled { cancelled = true; return }
                        var heapR = [Double](repeating: .infinity, count: k)
                        var heapI = [Int32](repeating: -1, count: k)
                        var stack = [Int32](repeating: 0, count: 256)
                        var stackLb = [Double](repeating: 0, count: 256)
                        heapR.withUnsafeMutableBufferPointer { hrp in
                          heapI.withUnsafeMutableBufferPointer { hip2 in
                            stack.withUnsafeMutableBufferPointer { skp in
                              stackLb.withUnsafeMutableBufferPointer { slp in
                                let HR = hrp.baseAddress!, HIx = hip2.baseAddress!, SK = skp.baseAddress!, SL = slp.baseAddress!
                                for p in range {
                                  for t in 0..<k { HR[t] = .infinity; HIx[t] = -1 }
                                  let a = P + p * d
                                  var sp = 0
                                  SK[0] = 0; SL[0] = 0; sp = 1
                                  while sp > 0 {
                                    sp -= 1
                                    let node = Int(SK[sp])
                                    if SL[sp] > HR[0] { continue }
                                    let l = Int(LE[node])
                                    if l < 0 {
                                      for q in Int(ST[node])..<Int(EN[node]) {
                                        let r = metric.rdist(a, P + q * d, d)
                                        if r < HR[0] {
                                          // replace the max and sift down
                                          var i = 0
                                          while true {
                                            let c1 = 2 * i + 1
                                            if c1 >= k { break }
                                            var c = c1
                                            if c1 + 1 < k && HR[c1 + 1] > HR[c1] { c = c1 + 1 }
                                            if HR[c] <= r { break }
                                            HR[i] = HR[c]; HIx[i] = HIx[c]; i = c
                                          }
                                          HR[i] = r; HIx[i] = Int32(q)
                                        }
                                      }
                                    } else {
                                      let r = Int(RI[node])
                                      let bl = metric.boxRdist(a, LO + l * d, HI + l * d, d)
                                      let br = metric.boxRdist(a, LO + r * d, HI + r * d, d)
                                      if bl <= br {
                                        if br <= HR[0] { SK[sp] = Int32(r); SL[sp] = br; sp += 1 }
                                        if bl <= HR[0] { SK[sp] = Int32(l); SL[sp] = bl; sp += 1 }
                                      } else {
                                        if bl <= HR[0] { SK[sp] = Int32(l); SL[sp] = bl; sp += 1 }
                                        if br <= HR[0] { SK[sp] = Int32(r); SL[sp] = br; sp += 1 }
                                      }
                                    }
                                  }
                                  CR[p] = HR[0]
                                  // pop the heap: ascending order, keep the ks nearest
                                  var size = k
                                  while size > 0 {
                                    let topR = HR[0], topI = HIx[0]
                                    size -= 1
                                    if size < ks { KI[p * ks + size] = topI; KR[p * ks + size] = topR }
                                    let lr = HR[size], li = HIx[size]
                                    var i = 0
                                    while true {
                                      let c1 = 2 * i + 1
                                      if c1 >= size { break }
                                      var c = c1
                                      if c1 + 1 < size && HR[c1 + 1] > HR[c1] { c = c1 + 1 }
                                      if HR[c] <= lr { break }
                                      HR[i] = HR[c]; HIx[i] = HIx[c]; i = c
                                    }
                                    HR[i] = lr; HIx[i] = li
                                  }
                                }
                              }
                            }
                          }
                        }
                        let done = doneCounter.add(range.count)
                        if range.lowerBound == 0 || done == n || (range.lowerBound / chunk) % 64 == 0 { context.progress.update(done) }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  context.progress.end()
  }
  if cancelled { throw AlgorithmError.cancelled }

  if beyondR.isEmpty {
    beyondR = (0..<n).map { ks < n ? knnR[$0 * ks + ks - 1] : Double.infinity }
  }
  // ---- Borůvka
  let f = metric.alphaFactor(alpha)
  var nodeMinCore = [Double](repeating: .infinity, count: nodes)
  for v in stride(from: nodes - 1, through: 0, by: -1) {
    if tree.left[v] < 0 {
      var m = Double.infinity
      for q in Int(tree.start[v])..<Int(tree.end[v]) { m = min(m, coreR[q]) }
      nodeMinCore[v] = m
    } else {
      nodeMinCore[v] = min(nodeMinCore[Int(tree.left[v])], nodeMinCore[Int(tree.right[v])])
    }
  }
  // positions ordered by increasing core distance (ties by position)
  var byCore = (0..<Int32(n)).map { $0 }
  byCore.sort { coreR[Int($0)] != coreR[Int($1)] ? coreR[Int($0)] < coreR[Int($1)] : $0 < $1 }
  var uf = [Int32](0..<Int32(n))
  func find(_ x0: Int32) -> Int32 {
    var x = x0
    while uf[Int(x)] != x { x = uf[Int(x)] }
    var p = x0
    while uf[Int(p)] != x { let q = uf[Int(p)]; uf[Int(p)] = x; p = q }
    return x
  }
  var comp = [Int32](repeating: 0, count: n)
  var nodeComp = [Int32](repeating: -1, count: nodes)
  var compIndex = [Int32](repeating: -1, count: n)
  var members = [Int32](repeating: 0, count: n)
  var edges = [HDBSCANEdge]()
  edges.reserveCapacity(n - 1)
  let core = tree.perm.indices.map { _ in 0.0 }
  var coreOut = core
  for t in 0..<n { coreOut[Int(tree.perm[t])] = metric.toDist(coreR[t]) }
  context.progress.begin("hdbscan spanning tree", total: n - 1)
  var nComp = n
  while nComp > 1 {
    try token.check()
    for t in 0..<n { comp[t] = find(Int32(t)) }
    for v in stride(from: nodes - 1, through: 0, by: -1) {
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
    // group members by component, each group in increasing core distance
    var roots = [Int32]()
    for t in 0..<n where comp[t] == Int32(t) { compIndex[t] = Int32(roots.count); roots.append(Int32(t)) }
    let C = roots.count
    var offsets = [Int](repeating: 0, count: C + 1)
    for t in 0..<n { offsets[Int(compIndex[Int(comp[t])]) + 1] += 1 }
    for c in 0..<C { offsets[c + 1] += offsets[c] }
    var fill = offsets
    for t in byCore { let c = Int(compIndex[Int(comp[Int(t)])]); members[fill[c]] = t; fill[c] += 1 }
    // The largest component does not search: every other component's lightest outgoing edge is
    // an MST edge (cut property), and each round still merges every other component.
    var largest = 0
    for c in 1..<max(1, C) where offsets[c + 1] - offsets[c] > offsets[largest + 1] - offsets[largest] { largest = c }
    var bestW = [Double](repeating: .infinity, count: C)
    var bestP = [Int32](repeating: -1, count: C)
    var bestQ = [Int32](repeating: -1, count: C)
    tree.pts.withUnsafeBufferPointer { pp in
    tree.lo.withUnsafeBufferPointer { lop in
    tree.hi.withUnsafeBufferPointer { hip in
    tree.start.withUnsafeBufferPointer { stp in
    tree.end.withUnsafeBufferPointer { enp in
    tree.left.withUnsafeBufferPointer { lep in
    tree.right.withUnsafeBufferPointer { rip in
    coreR.withUnsafeBufferPointer { crp in
    beyondR.withUnsafeBufferPointer { byp in
    knnIdx.withUnsafeBufferPointer { kip in
    knnR.withUnsafeBufferPointer { krp in
    comp.withUnsafeBufferPointer { cop in
    nodeComp.withUnsafeBufferPointer { ncp in
    nodeMinCore.withUnsafeBufferPointer { nmp in
    members.withUnsafeBufferPointer { mep in
    offsets.withUnsafeBufferPointer { ofp in
    bestW.withUnsafeMutableBufferPointer { bwp in
    bestP.withUnsafeMutableBufferPointer { bpp in
    bestQ.withUnsafeMutableBufferPointer { bqp in
      let P = pp.baseAddress!, LO = lop.baseAddress!, HI = hip.baseAddress!
      let ST = stp.baseAddress!, EN = enp.baseAddress!, LE = lep.baseAddress!, RI = rip.baseAddress!
      let CR = crp.baseAddress!, KI = kip.baseAddress!, KR = krp.baseAddress!, CO = cop.baseAddress!
      let BY = byp.baseAddress!
      let NC = ncp.baseAddress!, NM = nmp.baseAddress!, ME = mep.baseAddress!, OF = ofp.baseAddress!
      let BW = bwp.baseAddress!, BP = bpp.baseAddress!, BQ = bqp.baseAddress!
      // pass 1, per component: an upper bound from the stored nearest neighbours
      parallelChunks(count: C, chunkSize: max(1, min(256, C / 64)), threads: context.threads) { _, crange in
        for ci in crange {
          BW[ci] = .infinity; BP[ci] = -1; BQ[ci] = -1
          if ci == largest { continue }
          let m0 = OF[ci], m1 = OF[ci + 1]
          let c = CO[Int(ME[m0])]
          var bw = Double.infinity
          var bp: Int32 = -1, bq: Int32 = -1
          for mi in m0..<m1 {
            let p = Int(ME[mi])
            let cp = CR[p]
            if cp >= bw { break }
            for t in 0..<ks {
              let q = Int(KI[p * ks + t])
              if q < 0 || CO[q] == c { continue }
              let w = max(cp, CR[q], KR[p * ks + t] * f)
              if w < bw { bw = w; bp = Int32(p); bq = Int32(q) }
            }
          }
          BW[ci] = bw; BP[ci] = bp; BQ[ci] = bq
        }
      }
      // pass 2: exact searches for the members whose core distance is below that bound, in
      // fixed slices of each component's members (independent of the thread count)
      let slice = 128
      for phase in 0..<2 {
      var itemComp = [Int32](), itemStart = [Int32](), itemEnd = [Int32]()
      for ci in 0..<C where ci != largest {
        let m0 = OF[ci], m1 = OF[ci + 1]
        var e = m0
        while e < m1 && CR[Int(ME[e])] < BW[ci] { e += 1 }
        // phase 0: the first slice (lowest core distances) tightens the bound; phase 1: the rest
        var s0 = phase == 0 ? m0 : m0 + slice
        let eEnd = phase == 0 ? min(e, m0 + slice) : e
        while s0 < eEnd {
          itemComp.append(Int32(ci)); itemStart.append(Int32(s0)); itemEnd.append(Int32(min(eEnd, s0 + slice)))
          s0 += slice
        }
      }
      let items = itemComp.count
      var itemW = [Double](repeating: .infinity, count: items)
      var itemP = [Int32](repeating: -1, count: items)
      var itemQ = [Int32](repeating: -1, count: items)
      itemW.withUnsafeMutableBufferPointer { iwp in
      itemP.withUnsafeMutableBufferPointer { ipp in
      itemQ.withUnsafeMutableBufferPointer { iqp in
      let IW = iwp.baseAddress!, IP = ipp.baseAddress!, IQ = iqp.baseAddress!
      parallelChunks(count: items, chunkSize: 8, threads: context.threads) { _, irange in
        if token.isCancelled { cancelled = true; return }
        var stack = [Int32](repeating: 0, count: 256)
        var stackLb = [Double](repeating: 0, count: 256)
        stack.withUnsafeMutableBufferPointer { skp in
        stackLb.withUnsafeMutableBufferPointer { slp in
          let SK = skp.baseAddress!, SL = slp.baseAddress!
          for it in irange {
            let ci = Int(itemComp[it])
            let c = CO[Int(ME[OF[ci]])]
            var bw = BW[ci]
            var bp: Int32 = -1, bq: Int32 = -1
            for mi in Int(itemStart[it])..<Int(itemEnd[it]) {
              let p = Int(ME[mi])
              let cp = CR[p]
              if cp >= bw { break }
              // points beyond the kept neighbours are at least the last kept distance away
              if max(cp, BY[p] * f) >= bw { continue }
              let a = P + p * d
              SK[0] = 0; SL[0] = cp
              var sp = 1
              while sp > 0 {
                sp -= 1
                if SL[sp] >= bw { continue }
                let node = Int(SK[sp])
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
                  if bl <= br {
                    if br < bw { SK[sp] = Int32(r); SL[sp] = br; sp += 1 }
                    if bl < bw { SK[sp] = Int32(l); SL[sp] = bl; sp += 1 }
                  } else {
                    if bl < bw { SK[sp] = Int32(l); SL[sp] = bl; sp += 1 }
                    if br < bw { SK[sp] = Int32(r); SL[sp] = br; sp += 1 }
                  }
                }
              }
            }
            IW[it] = bp >= 0 ? bw : .infinity; IP[it] = bp; IQ[it] = bq
          }
        }
        }
      }
      // the first slice with the strictly lightest edge wins
      for it in 0..<items where IP[it] >= 0 {
        let ci = Int(itemComp[it])
        if IW[it] < BW[ci] { BW[ci] = IW[it]; BP[ci] = IP[it]; BQ[ci] = IQ[it] }
      }
      }}}
      }
    }}}}}}}}}}}}}}}}}}}
    if cancelled { throw AlgorithmError.cancelled }
    var added = 0
    for ci in 0..<C {
      let p = bestP[ci], q = bestQ[ci]
      if p < 0 { continue }
      let rp = find(p), rq = find(q)
      if rp == rq { continue }
      uf[Int(rp)] = rq
      let op = Int(tree.perm[Int(p)]), oq = Int(tree.perm[Int(q)])
      let dpq = metric.toDist(metric.rdist(tree.pts.withUnsafeBufferPointer { $0.baseAddress! + Int(p) * d },
                                           tree.pts.withUnsafeBufferPointer { $0.baseAddress! + Int(q) * d }, d))
      let w = max(coreOut[op], coreOut[oq], alpha == 1 ? dpq : dpq / alpha)
      edges.append(HDBSCANEdge(a: Int32(op), b: Int32(oq), weight: w))
      added += 1
    }
    if added == 0 { throw AlgorithmError.invalidInput("hdbscan: the spanning tree could not be completed") }
    nComp = C - added
    context.progress.update(edges.count)
  }
  context.progress.end()
  // k-nearest-neighbour edges with their exact mutual reachability weights (tie candidates)
  // (the k nearest: ties of mutual reachability are at a core distance, within that radius)
  let kt = min(k, ks)
  var extra = [HDBSCANEdge]()
  extra.reserveCapacity(n * (kt - 1))
  tree.pts.withUnsafeBufferPointer { pp in
    let P = pp.baseAddress!
    for p in 0..<n {
      for t in 0..<kt {
        let q = Int(knnIdx[p * ks + t])
        if q < 0 || q == p { continue }
        let op = Int(tree.perm[p]), oq = Int(tree.perm[q])
        let dpq = metric.toDist(metric.rdist(P + p * d, P + q * d, d))
        let w = max(coreOut[op], coreOut[oq], alpha == 1 ? dpq : dpq / alpha)
        extra.append(HDBSCANEdge(a: Int32(op), b: Int32(oq), weight: w))
      }
    }
  }
  return (edges, extra, coreOut)
}

/// A thread-safe counter for progress reporting.
final class AtomicCounter: @unchecked Sendable {
  private var value = 0
  private var lock = pthread_mutex_t()
  init() { pthread_mutex_init(&lock, nil) }
  deinit { pthread_mutex_destroy(&lock) }
  func add(_ x: Int) -> Int {
    pthread_mutex_lock(&lock); value += x; let v = value; pthread_mutex_unlock(&lock)
    return v
  }
}
