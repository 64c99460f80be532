// Tree stages of HDBSCAN*, following the hdbscan library 0.8.x: the single-linkage tree
// (`_hdbscan_linkage.pyx` `label`), the condensed tree (`_hdbscan_tree.pyx` `condense_tree`) and
// its simplification (`simplify_hierarchy`). Cluster selection on the condensed tree is in
// HDBSCANSelection.swift.

import CGemmKernels

/// One edge of a spanning tree of the mutual reachability graph (a row of hdbscan's
/// `minimum_spanning_tree_`): its endpoints (point indices 0..<n) and its weight, the mutual
/// reachability distance max(core(a), core(b), d(a, b)/alpha) in the metric's units.
public struct HDBSCANEdge: Sendable, Equatable {
  /// One endpoint (the point already in the tree when the edge was emitted).
  public var a: Int32
  /// The other endpoint.
  public var b: Int32
  /// The mutual reachability distance between them.
  public var weight: Double

  /// An edge from its parts.
  public init(a: Int32, b: Int32, weight: Double) {
    self.a = a
    self.b = b
    self.weight = weight
  }
}

/// A single-linkage tree in scipy format: row `i` merges nodes `left[i]` and `right[i]` (points are
/// `0..<n`, merged nodes `n + i`) at `distance[i]` into a node of `size[i]` points.
struct SingleLinkageTree {
  var n: Int
  /// The spanning tree's edges in merge order (by weight, stably).
  var edges: [HDBSCANEdge]
  var left: [Int32]
  var right: [Int32]
  var distance: [Double]
  var size: [Int32]
}

/// Orders MST edges as hdbscan's dense Prim (`mst_linkage_core_vector`) emits them and builds the
/// single-linkage tree with the union-find of hdbscan's `label`.
///
/// Prim's algorithm runs from point 0 on the candidate graph `edges ∪ extra` (an MST plus, for
/// example, the k-nearest-neighbour edges with their mutual reachability weights) with the
/// library's tie rules: a point's best edge changes only for a strictly lighter one (the earliest
/// source wins), and the lightest point is taken first, ties by the smaller index. Edges of equal
/// weight arise constantly (every weight equal to a core distance), and the candidates hold the
/// alternatives, so the tree is the one the library's Prim finds. The edges, oriented (point in
/// the tree, new point), are then sorted by weight stably (the library's `np.argsort` leaves the
/// order of ties unspecified, and numpy orders them differently with AVX-512, AVX2 and neither; a
/// stable sort is its deterministic version).
func singleLinkageTree(edges: [HDBSCANEdge], extra: [HDBSCANEdge] = [], n: Int) -> SingleLinkageTree {
  let m = edges.count
  // adjacency of the candidate graph (CSR)
  var deg = [Int](repeating: 0, count: n + 1)
  for e in edges { deg[Int(e.a) + 1] += 1; deg[Int(e.b) + 1] += 1 }
  for e in extra { deg[Int(e.a) + 1] += 1; deg[Int(e.b) + 1] += 1 }
  for i in 0..<n { deg[i + 1] += deg[i] }
  var adj = [Int32](repeating: 0, count: deg[n])
  var adjW = [Double](repeating: 0, count: deg[n])
  var fill = deg
  for list in [edges, extra] {
    for e in list {
      adj[fill[Int(e.a)]] = e.b; adjW[fill[Int(e.a)]] = e.weight; fill[Int(e.a)] += 1
      adj[fill[Int(e.b)]] = e.a; adjW[fill[Int(e.b)]] = e.weight; fill[Int(e.b)] += 1
    }
  }
  var inTree = [Bool](repeating: false, count: n)
  var curDist = [Double](repeating: .infinity, count: n)
  var source = [Int32](repeating: 0, count: n)
  var heap = [(w: Double, v: Int32)]()
  heap.reserveCapacity(n)
  func less(_ x: (w: Double, v: Int32), _ y: (w: Double, v: Int32)) -> Bool {
    x.w != y.w ? x.w < y.w : x.v < y.v
  }
  func push(_ x: (w: Double, v: Int32)) {
    heap.append(x)
    var i = heap.count - 1
    while i > 0 {
      let p = (i - 1) / 2
      if less(heap[i], heap[p]) { heap.swapAt(i, p); i = p } else { break }
    }
  }
  func pop() -> (w: Double, v: Int32) {
    let top = heap[0]
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var i = 0
      while true {
        let l = 2 * i + 1, r = l + 1
        var s = i
        if l < heap.count && less(heap[l], heap[s]) { s = l }
        if r < heap.count && less(heap[r], heap[s]) { s = r }
        if s == i { break }
        heap.swapAt(i, s); i = s
      }
    }
    return top
  }
  var order = [HDBSCANEdge]()
  order.reserveCapacity(m)
  var start = 0
  while order.count < m {
    while start < n && inTree[start] { start += 1 }
    if start >= n { break }
    var c = start
    while true {
      inTree[c] = true
      for t in deg[c]..<deg[c + 1] {
        let j = Int(adj[t])
        if !inTree[j] && adjW[t] < curDist[j] {
          curDist[j] = adjW[t]; source[j] = Int32(c); push((adjW[t], Int32(j)))
        }
      }
      var next = -1
      while !heap.isEmpty {
        let x = pop()
        let v = Int(x.v)
        if inTree[v] || x.w != curDist[v] { continue }
        next = v
        break
      }
      if next < 0 { break }
      order.append(HDBSCANEdge(a: source[next], b: Int32(next), weight: curDist[next]))
      c = next
    }
  }
  return singleLinkageTree(emitted: order, n: n)
}

/// The positions of `edges` in increasing weight, equal weights in increasing position (the order of
/// a sort by (weight, position)): an LSD radix sort on 16-bit digits of the weights' order-preserving
/// bit patterns (−0 as +0), each pass stable, passes whose digit is the same for every edge skipped.
/// O(m), where the comparison sort it replaces was the largest serial step after the spanning tree
/// on 10,000,000 points. Each pass counts and scatters consecutive parts of the edges on `threads`
/// workers, part after part within a digit (still stable: the one order, for any thread count).
/// Weights must not be NaN.
func orderByWeight(_ edges: [HDBSCANEdge], threads: Int = 1) -> [Int32] {
  let m = edges.count
  precondition(m <= Int(Int32.max), "more edges than Int32 positions")
  // doubles to unsigned integers in the same order: negative ones reversed below the positive ones
  let keys = edges.map { e -> UInt64 in
    let w = e.weight == 0 ? 0.0 : e.weight
    let b = w.bitPattern
    return b & (1 << 63) != 0 ? ~b : b | (1 << 63)
  }
  var order = [Int32](unsafeUninitializedCapacity: m) { p, c in
    for i in 0..<m { p[i] = Int32(i) }
    c = m
  }
  if m < 2 { return order }
  var spare = [Int32](unsafeUninitializedCapacity: m) { _, c in c = m }
  let buckets = 1 << 16
  // parts of at least 2^18 edges, so that the counts (256 KiB a part) stay small beside them
  let parts = max(1, min(threads, m >> 18))
  let partSize = (m + parts - 1) / parts
  let count = UnsafeMutablePointer<Int>.allocate(capacity: parts * buckets)
  defer { count.deallocate() }
  keys.withUnsafeBufferPointer { kp in
    let K = kp.baseAddress!
    for pass in 0..<4 {
      let shift = UInt64(16 * pass)
      // each part counts the edges it will scatter: those at its positions of the current order
      order.withUnsafeBufferPointer { src in
        let S = src.baseAddress!
        parallelChunks(count: m, chunkSize: partSize, threads: parts) { part, range in
          let c = count + part * buckets
          c.initialize(repeating: 0, count: buckets)
          for t in range { c[Int((K[Int(S[t])] >> shift) & 0xFFFF)] += 1 }
        }
      }
      var first = 0
      for part in 0..<parts { first += count[part * buckets + Int((K[0] >> shift) & 0xFFFF)] }
      if first == m { continue }  // one digit for all: order unchanged
      // offsets: digit by digit, part after part within a digit
      var sum = 0
      for b in 0..<buckets {
        for part in 0..<parts {
          let c = count[part * buckets + b]
          count[part * buckets + b] = sum
          sum += c
        }
      }
      order.withUnsafeBufferPointer { src in
        spare.withUnsafeMutableBufferPointer { dst in
          let S = src.baseAddress!, D = dst.baseAddress!
          parallelChunks(count: m, chunkSize: partSize, threads: parts) { part, range in
            let c = count + part * buckets
            for t in range {
              let i = S[t]
              let digit = Int((K[Int(i)] >> shift) & 0xFFFF)
              D[c[digit]] = i
              c[digit] += 1
            }
          }
        }
      }
      swap(&order, &spare)
    }
  }
  return order
}

/// hdbscan `label` on spanning-tree edges sorted by weight: the edges in the order an MST
/// algorithm emitted them, oriented (a, b) as emitted, are sorted stably by weight (the library's
/// `np.argsort` leaves the order of ties unspecified, and numpy orders them differently with
/// AVX-512, AVX2 and neither; a stable sort is its deterministic version) and merged with a union-find.
func singleLinkageTree(emitted: [HDBSCANEdge], n: Int, threads: Int = 1) -> SingleLinkageTree {
  let m = emitted.count
  let idx = orderByWeight(emitted, threads: threads)
  // the edges in that order: a gather (random reads) on the workers
  let order = [HDBSCANEdge](unsafeUninitializedCapacity: m) { dst, c in
    idx.withUnsafeBufferPointer { ip in
      emitted.withUnsafeBufferPointer { ep in
        let D = dst.baseAddress!, I = ip.baseAddress!, E = ep.baseAddress!
        parallelChunks(count: m, chunkSize: 1 << 16, threads: threads) { _, range in
          for i in range { (D + i).initialize(to: E[Int(I[i])]) }
        }
      }
    }
    c = m
  }
  // every row written by the merge below
  var left = [Int32](unsafeUninitializedCapacity: m) { _, c in c = m }
  var right = [Int32](unsafeUninitializedCapacity: m) { _, c in c = m }
  var dist = [Double](unsafeUninitializedCapacity: m) { _, c in c = m }
  var size = [Int32](unsafeUninitializedCapacity: m) { _, c in c = m }
  // a union-find over the points (union by rank, path halving: short paths, few cache misses),
  // each root labelled with its cluster's node id (the points 0..<n, the merge of edge i n + i)
  // and size: the same rows as the library's `UnionFind` over node ids. A point's parent, rank,
  // label and size share one 16-byte entry, so a root costs one cache miss, not four.
  let uf = UnsafeMutablePointer<UnionFindEntry>.allocate(capacity: max(1, n))
  defer { uf.deallocate() }
  parallelChunks(count: n, chunkSize: 1 << 16, threads: threads) { _, range in
    for i in range { (uf + i).initialize(to: UnionFindEntry(up: Int32(i), label: Int32(i), count: 1, rank: 0)) }
  }
  @inline(__always) func find(_ x0: Int32) -> Int {
    var x = Int(x0)
    while Int(uf[x].up) != x {
      let g = uf[Int(uf[x].up)].up
      uf[x].up = g
      x = Int(g)
    }
    return x
  }
  order.withUnsafeBufferPointer { op in
    let E = op.baseAddress!
    // the ends 16 edges ahead, then their parents (most often the roots) 8 ahead, when the ends'
    // entries have arrived (hints only)
    let ahead = 16, near = 8
    for i in 0..<m {
      if i + ahead < m { clus_prefetch(uf + Int(E[i + ahead].a)); clus_prefetch(uf + Int(E[i + ahead].b)) }
      if i + near < m { clus_prefetch(uf + Int(uf[Int(E[i + near].a)].up)); clus_prefetch(uf + Int(uf[Int(E[i + near].b)].up)) }
      let ra = find(E[i].a), rb = find(E[i].b)
      left[i] = uf[ra].label
      right[i] = uf[rb].label
      dist[i] = E[i].weight
      let s = uf[ra].count + uf[rb].count
      size[i] = s
      var r = ra
      if ra != rb {
        if uf[ra].rank < uf[rb].rank { uf[ra].up = Int32(rb); r = rb } else {
          uf[rb].up = Int32(ra)
          if uf[ra].rank == uf[rb].rank { uf[ra].rank &+= 1 }
        }
      }
      uf[r].label = Int32(n + i)
      uf[r].count = s
    }
  }
  return SingleLinkageTree(n: n, edges: order, left: left, right: right, distance: dist, size: size)
}

/// A point's entry in the single-linkage union-find: its parent, and for a root its cluster's node
/// id, size and rank.
private struct UnionFindEntry {
  var up: Int32
  var label: Int32
  var count: Int32
  var rank: UInt8
}

/// One row of a condensed tree (hdbscan's `condensed_tree_`): a point or cluster `child` leaves
/// cluster `parent` at λ = 1/distance (`lambda`, +∞ for distance 0); `childSize` is 1 for a point.
/// Points are numbered `0..<n`, clusters `n...` with the root `n`.
public struct CondensedTreeRow: Sendable, Equatable {
  /// The cluster the child leaves (cluster ids start at n, the root).
  public var parent: Int
  /// A point index (< n) or a child cluster id (> n).
  public var child: Int
  /// λ = 1 / mutual reachability distance at which the child leaves (+∞ for distance 0).
  public var lambda: Double
  /// Number of points in the child (1 for a point).
  public var childSize: Int

  /// Creates a row.
  public init(parent: Int, child: Int, lambda: Double, childSize: Int) {
    self.parent = parent
    self.child = child
    self.lambda = lambda
    self.childSize = childSize
  }
}

/// hdbscan `condense_tree`: breadth-first from the root; splits whose both sides have at least
/// `minClusterSize` points create two new clusters, smaller sides fall out as points.
func condenseTree(_ t: SingleLinkageTree, minClusterSize: Int) -> [CondensedTreeRow] {
  let n = t.n
  guard n >= 2 else { return [] }
  let root = 2 * (n - 1)
  // cluster ids (< 2n) as Int32: half the memory of the random reads and writes
  var relabel = [Int32](repeating: 0, count: root + 1)
  relabel[root] = Int32(n)
  var nextLabel = n + 1
  var rows = [CondensedTreeRow]()
  rows.reserveCapacity(2 * n)
  // The library walks every node breadth-first and skips the ones inside a subtree that fell out
  // (`ignore`). The nodes it does not skip are the root and the children it keeps, so a queue of
  // just those (first in, first out; left before right) meets them in the same order, and the
  // fallen subtrees are walked once, by `fallOut`, instead of twice.
  var queue = [Int32](unsafeUninitializedCapacity: n) { _, c in c = n }  // written before read
  queue[0] = Int32(root)
  var head = 0, tail = 1
  @inline(__always) func keep(_ v: Int) {
    // a kept point (a child of size 1 ≥ min_cluster_size, which validation excludes) adds no row
    if v >= n { queue[tail] = Int32(v); tail += 1 }
  }
  var sub = [Int32](unsafeUninitializedCapacity: root + 1) { _, c in c = root + 1 }  // written before read
  func count(_ v: Int) -> Int { v >= n ? Int(t.size[v - n]) : 1 }
  // Emits every point under `start` (in breadth-first order) as falling out of `parent`.
  func fallOut(_ start: Int, parent: Int, lambda: Double) {
    sub[0] = Int32(start)
    var h = 0, e = 1
    while h < e {
      let v = Int(sub[h]); h += 1
      if v < n {
        rows.append(CondensedTreeRow(parent: parent, child: v, lambda: lambda, childSize: 1))
      } else {
        sub[e] = t.left[v - n]; sub[e + 1] = t.right[v - n]; e += 2
      }
    }
  }
  while head < tail {
    let node = Int(queue[head]); head += 1
    let r = node - n
    let left = Int(t.left[r]), right = Int(t.right[r])
    let d = t.distance[r]
    let lambda = d > 0 ? 1.0 / d : Double.infinity
    let lc = count(left), rc = count(right)
    let p = Int(relabel[node])
    if lc >= minClusterSize && rc >= minClusterSize {
      relabel[left] = Int32(nextLabel)
      rows.append(CondensedTreeRow(parent: p, child: nextLabel, lambda: lambda, childSize: lc))
      nextLabel += 1
      relabel[right] = Int32(nextLabel)
      rows.append(CondensedTreeRow(parent: p, child: nextLabel, lambda: lambda, childSize: rc))
      nextLabel += 1
      keep(left); keep(right)
    } else if lc < minClusterSize && rc < minClusterSize {
      fallOut(left, parent: p, lambda: lambda)
      fallOut(right, parent: p, lambda: lambda)
    } else if lc < minClusterSize {
      relabel[right] = Int32(p)
      fallOut(left, parent: p, lambda: lambda)
      keep(right)
    } else {
      relabel[left] = Int32(p)
      fallOut(right, parent: p, lambda: lambda)
      keep(left)
    }
  }
  return rows
}

/// hdbscan `simplify_hierarchy` (`cluster_selection_persistence`): walking the cluster splits
/// from the last to the first, a split whose children's smaller "birth" (largest λ reached below
/// it, float32 as the library) exceeds the split's λ by less than `persistence` is undone: both
/// children merge into the parent; if the more persistent child is a leaf the parent becomes a
/// leaf, otherwise the other child's points leave at the split's λ. Clusters are then renumbered
/// consecutively. Rows come in the library's order (two children of a split adjacent).
func simplifyHierarchy(_ rows: [CondensedTreeRow], n: Int, persistence: Double) -> [CondensedTreeRow] {
  let clusterRows = rows.filter { $0.child >= n }
  guard let lastCluster = clusterRows.last?.child else { return rows }
  let nNodes = lastCluster + 1 - n
  var leaf = [Bool](repeating: true, count: nNodes)
  for r in clusterRows { leaf[r.parent - n] = false }
  // the λ of the last row under each cluster (numpy's assignment with repeated indices)
  var births = [Float](repeating: 0, count: nNodes)
  for r in rows { births[r.parent - n] = Float(r.lambda) }
  var parentMap = Array(n..<(n + nNodes))
  var lambdaMap = [Int: Double]()
  var idx = clusterRows.count - 1
  while idx > 0 {
    let parent = clusterRows[idx].parent
    let c0 = clusterRows[idx - 1].child, c1 = clusterRows[idx].child
    let death = Float(clusterRows[idx].lambda)
    let b0 = births[c0 - n], b1 = births[c1 - n]
    births[parent - n] = max(births[parent - n], max(b0, b1))
    idx -= 2
    if Double(min(b0, b1) - death) >= persistence { continue }
    let sibling = b0 <= b1 ? c1 : c0, other = b0 <= b1 ? c0 : c1
    if leaf[sibling - n] {
      leaf[parent - n] = true
    } else {
      lambdaMap[other] = Double(death)
    }
    parentMap[c0 - n] = parent
    parentMap[c1 - n] = parent
  }
  var skipped = [Bool](repeating: false, count: nNodes)
  for i in 0..<nNodes { parentMap[i] = parentMap[parentMap[i] - n] }
  var skippedBefore = [Int](repeating: 0, count: nNodes + 1)
  for i in 0..<nNodes {
    let p = parentMap[i]
    skipped[i] = p != i + n
    skippedBefore[i + 1] = skippedBefore[i] + (skipped[i] ? 1 : 0)
    parentMap[i] = p - skippedBefore[p - n]
  }
  var out = [CondensedTreeRow]()
  out.reserveCapacity(rows.count)
  for r in rows {
    if skipped[max(r.child - n, 0)] { continue }
    out.append(CondensedTreeRow(parent: parentMap[r.parent - n], child: r.child >= n ? parentMap[r.child - n] : r.child,
                                lambda: lambdaMap[r.parent] ?? r.lambda, childSize: r.childSize))
  }
  return out
}
