#if canImport(Glibc)
import Glibc
#endif
import CGemmKernels

// The hdbscan library's default spanning tree: dual-tree Borůvka on a KD-tree
// (`_hdbscan_boruvka.pyx`, `KDTreeBoruvkaAlgorithm` with `approx_min_span_tree=True`, called from
// `_hdbscan_boruvka_kdtree` with a tree of leaf_size 40 // 3 = 13). Between rounds the node bounds
// are kept unless a round joined nothing, so a round may prune away a component's lightest
// outgoing edge and take a heavier one: the result is a spanning tree, not always the minimum one.
// Which edges it takes depends on every detail of the traversal, so this follows them all:
// - the tree has scikit-learn's `BinaryTree` layout: 2^levels − 1 nodes in heap order, levels =
//   1 + ⌊log2(max(1, (n − 1)/leaf_size))⌋, a node split at n_points/2 on the dimension of largest
//   spread (the first one on ties), its indices partitioned by libstdc++'s `std::nth_element`
//   (introselect) ordered by (coordinate, index) — the order of points inside a node decides ties;
// - node radius and node-to-node distances as scikit-learn's KD-tree and the library compute them
//   (including the radius of 1 that `pow(r, 1/∞)` gives every chebyshev node);
// - core distances converted to distances and back to reduced distances, as the library does;
// - the first round from each point's nearest neighbours, the union-find with union by rank, the
//   candidate bookkeeping and the bound propagation of the library.
// It runs on one thread (the traversal is a chain of dependent updates), so its result does not
// depend on the thread count. Only the tree's lower levels and the core distances use several
// threads. What is ours is the memory layout, which decides the speed at millions of points and
// none of the values: the points, core distances and components are read in tree order (a leaf's
// points side by side), the union-find and the candidates work on tree positions (a component's
// entries near its points), the core distances come from a neighbour search on this same tree,
// and a point's scan of a leaf is skipped when its box distance shows the scan would take nothing.

/// A position's entry in the Borůvka union-find: the library's `parent`, `rank` and whether the
/// position is a component's root (8 bytes).
private struct BoruvkaUnion {
  var parent: Int32
  var rank: UInt8
  var isComponent: Bool
}

/// sklearn `BinaryTree` layout of a KD-tree: nodes in heap order (children of i are 2i+1, 2i+2).
struct HeapKDTree {
  let nNodes: Int
  var idx: [Int]
  var start: [Int]
  var end: [Int]
  var isLeaf: [Bool]
  var radius: [Double]
  /// nNodes × d lower and upper corners.
  var lo: [Double]
  var hi: [Double]

  /// Builds the tree over the n × d rows that `fill` writes into `rows` (allocated by the
  /// caller), and leaves there the points in tree order, row t = the input's row idx[t]. The
  /// build reads them there and in a second buffer of the same size, a node's points side by
  /// side (each level's split gathers them from one buffer into the other), and selects each
  /// split on contiguous (coordinate, index, position) triples: the same comparisons and swaps as
  /// on the indices, so the same tree. The nodes above level
  /// ⌈log₂ threads⌉ are built one at a time, each pass over their points cut among the workers;
  /// the subtrees below are built in parallel on `threads` (heap-numbered nodes and disjoint
  /// ranges of `idx` and `rows`: the same tree for any count).
  init(_ fill: (UnsafeMutablePointer<Double>) -> Void, n: Int, d: Int, leafSize: Int, p: Double, threads: Int = 1,
       rows X: UnsafeMutablePointer<Double>) {
    let levels = Int(Elementary.log2(max(1.0, Double(n - 1) / Double(leafSize)))) + 1
    nNodes = (1 << levels) - 1
    idx = Array(0..<n)
    start = [Int](repeating: 0, count: nNodes)
    end = [Int](repeating: 0, count: nNodes)
    isLeaf = [Bool](repeating: false, count: nNodes)
    radius = [Double](repeating: 0, count: nNodes)
    lo = [Double](repeating: 0, count: nNodes * d)
    hi = [Double](repeating: 0, count: nNodes * d)
    let nn = nNodes
    idx.withUnsafeMutableBufferPointer { ip in
    lo.withUnsafeMutableBufferPointer { lp in
    hi.withUnsafeMutableBufferPointer { hp in
    start.withUnsafeMutableBufferPointer { sp in
    end.withUnsafeMutableBufferPointer { ep in
    isLeaf.withUnsafeMutableBufferPointer { fp in
    radius.withUnsafeMutableBufferPointer { rp in
      let I = ip.baseAddress!, L = lp.baseAddress!, H = hp.baseAddress!
      let S = sp.baseAddress!, E = ep.baseAddress!, F = fp.baseAddress!, R = rp.baseAddress!
      fill(X)
      // scratch of the selections: node s..<e uses [s, e) of each (disjoint for parallel subtrees)
      let sel = UnsafeMutablePointer<SplitKey>.allocate(capacity: max(1, n))
      let moved = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n * d))
      defer { sel.deallocate(); moved.deallocate() }
      // `body(part, range)` over 0..<count: in `topParts` parts on the workers when `parallel` (and
      // the count is large), else in one; returns the number of parts
      let topParts = 32
      @discardableResult func over(_ count: Int, _ parallel: Bool, _ body: (Int, Range<Int>) -> Void) -> Int {
        if !parallel || threads < 2 || count < 1 << 16 {
          body(0, 0..<count)
          return 1
        }
        let size = (count + topParts - 1) / topParts
        parallelChunks(count: count, chunkSize: size, threads: threads, body)
        return chunkCount(count, size)
      }
      // builds `node` over idx[s..<e], whose rows are in X when `parity` is 0, else in `moved`
      // (each split gathers its children's rows into the other buffer: no copy back; a leaf's
      // rows go to X). The root's box is found by a pass over its points, every other node's by
      // its parent's gather (fmin and fmax are exact: the same box whichever way the points are
      // cut). Below `stopDepth` it only records the children to build.
      func build(_ node: Int, _ s: Int, _ e: Int, parity: Int, depth: Int, stopDepth: Int, _ pending: inout [(Int, Int, Int, Int)]) {
        if depth == stopDepth {
          pending.append((node, s, e, parity))
          return
        }
        // a node above the parallel subtrees is built alone: its passes over the points use every
        // worker
        let top = depth < stopDepth
        let src = parity == 0 ? X : moved, dst = parity == 0 ? moved : X
        let l = L + node * d, h = H + node * d
        if node == 0 {
          for j in 0..<d { l[j] = .infinity; h[j] = -.infinity }
          let parts = UnsafeMutablePointer<Double>.allocate(capacity: 2 * topParts * d)
          defer { parts.deallocate() }
          let used = over(e - s, top) { c, r in
            let pl = parts + 2 * c * d, ph = pl + d
            for j in 0..<d { pl[j] = .infinity; ph[j] = -.infinity }
            for t in r {
              let row = src + (s + t) * d
              for j in 0..<d { pl[j] = fmin(pl[j], row[j]); ph[j] = fmax(ph[j], row[j]) }
            }
          }
          for c in 0..<used {
            for j in 0..<d { l[j] = fmin(l[j], parts[2 * c * d + j]); h[j] = fmax(h[j], parts[2 * c * d + d + j]) }
          }
        }
        var rad = 0.0
        for j in 0..<d {
          if p.isInfinite { rad = fmax(rad, 0.5 * (h[j] - l[j])) } else { rad += Elementary.minkowskiPower(0.5 * abs(h[j] - l[j]), p) }
        }
        S[node] = s; E[node] = e
        R[node] = Elementary.pow(rad, 1 / p)
        if 2 * node + 1 >= nn || e - s < 2 {
          F[node] = true
          if parity != 0 { X.advanced(by: s * d).update(from: moved + s * d, count: (e - s) * d) }
          return
        }
        var dim = 0
        var spread = 0.0
        for j in 0..<d where h[j] - l[j] > spread { spread = h[j] - l[j]; dim = j }
        let mid = (e - s) / 2
        let keys = sel + s
        over(e - s, top) { _, r in
          for t in r {
            keys[t] = SplitKey(value: src[(s + t) * d + dim], index: Int32(truncatingIfNeeded: I[s + t]),
                               position: Int32(truncatingIfNeeded: s + t))
          }
        }
        stdNthElement(keys, mid, e - s) { a, b in a.value == b.value ? a.index < b.index : a.value < b.value }
        // the rows follow their indices into the other buffer (the source rows prefetched 8
        // ahead, up to `end`: a selection leaves them in no order), each child's box taken on the
        // way (two columns in registers)
        func gather(_ r: Range<Int>, _ end: Int, _ lows: UnsafeMutablePointer<Double>, _ highs: UnsafeMutablePointer<Double>) {
          if d == 2 {
            var l0 = lows[0], l1 = lows[1], h0 = highs[0], h1 = highs[1]
            for t in r {
              if t &+ 8 < end { clus_prefetch(src + Int(keys[t &+ 8].position) &* 2) }
              I[s + t] = Int(keys[t].index)
              let from = src + Int(keys[t].position) * 2, to = dst + (s + t) * 2
              let v0 = from[0], v1 = from[1]
              to[0] = v0; to[1] = v1
              l0 = fmin(l0, v0); h0 = fmax(h0, v0); l1 = fmin(l1, v1); h1 = fmax(h1, v1)
            }
            lows[0] = l0; lows[1] = l1; highs[0] = h0; highs[1] = h1
            return
          }
          for t in r {
            if t &+ 8 < end { clus_prefetch(src + Int(keys[t &+ 8].position) &* d) }
            I[s + t] = Int(keys[t].index)
            let from = src + Int(keys[t].position) * d, to = dst + (s + t) * d
            for j in 0..<d {
              let v = from[j]
              to[j] = v
              lows[j] = fmin(lows[j], v); highs[j] = fmax(highs[j], v)
            }
          }
        }
        let cl = L + (2 * node + 1) * d, ch = H + (2 * node + 1) * d
        let dl = L + (2 * node + 2) * d, dh = H + (2 * node + 2) * d
        for j in 0..<d { cl[j] = .infinity; ch[j] = -.infinity; dl[j] = .infinity; dh[j] = -.infinity }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * (top ? topParts : 1) * d) { pb in
        let parts = pb.baseAddress!
        let used = over(e - s, top) { c, r in
          let part = parts + 4 * c * d
          for j in 0..<(2 * d) { part[j] = .infinity; part[2 * d + j] = -.infinity }
          // lows of the left child, then of the right; highs likewise
          let cut = min(max(mid, r.lowerBound), r.upperBound)
          gather(r.lowerBound..<cut, r.upperBound, part, part + 2 * d)
          gather(cut..<r.upperBound, r.upperBound, part + d, part + 3 * d)
        }
        for c in 0..<used {
          let part = parts + 4 * c * d
          for j in 0..<d {
            cl[j] = fmin(cl[j], part[j]); dl[j] = fmin(dl[j], part[d + j])
            ch[j] = fmax(ch[j], part[2 * d + j]); dh[j] = fmax(dh[j], part[3 * d + j])
          }
        }
        }
        build(2 * node + 1, s, s + mid, parity: 1 - parity, depth: depth + 1, stopDepth: stopDepth, &pending)
        build(2 * node + 2, s + mid, e, parity: 1 - parity, depth: depth + 1, stopDepth: stopDepth, &pending)
      }
      var subtrees: [(Int, Int, Int, Int)] = []
      // the top levels one after the other, then 2^split subtrees (≥ threads, of equal sizes) in parallel
      var split = -1
      if threads > 1 { split = 1; while 1 << split < threads { split += 1 } }
      build(0, 0, n, parity: 0, depth: 0, stopDepth: split, &subtrees)
      subtrees.withUnsafeBufferPointer { tp in
        let T = tp.baseAddress!
        parallelChunks(count: tp.count, chunkSize: 1, threads: threads) { c, _ in
          var none: [(Int, Int, Int, Int)] = []
          build(T[c].0, T[c].1, T[c].2, parity: T[c].3, depth: 0, stopDepth: -1, &none)
        }
      }
    }}}}}}}
  }
}

extension HeapKDTree {
  /// The same tree as a `KDTreeIndex` (heap ids; `rows`, the points in tree order that `init`
  /// wrote, become its `pts` and are freed with it), for the core distances' neighbour search
  /// and the traversal's reads in tree order.
  func index(rows pts: UnsafeMutablePointer<Double>, n: Int, d: Int) -> KDTreeIndex {
    let perm = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
    for t in 0..<n { perm[t] = Int32(idx[t]) }
    let st = UnsafeMutablePointer<Int32>.allocate(capacity: nNodes), en = UnsafeMutablePointer<Int32>.allocate(capacity: nNodes)
    let le = UnsafeMutablePointer<Int32>.allocate(capacity: nNodes), ri = UnsafeMutablePointer<Int32>.allocate(capacity: nNodes)
    let l = UnsafeMutablePointer<Double>.allocate(capacity: nNodes * d), h = UnsafeMutablePointer<Double>.allocate(capacity: nNodes * d)
    for v in 0..<nNodes {
      st[v] = Int32(start[v]); en[v] = Int32(end[v])
      le[v] = isLeaf[v] ? -1 : Int32(2 * v + 1); ri[v] = isLeaf[v] ? -1 : Int32(2 * v + 2)
    }
    l.initialize(from: lo, count: nNodes * d)
    h.initialize(from: hi, count: nNodes * d)
    return KDTreeIndex(n: n, d: d, nodeCount: nNodes, perm: perm, pts: pts, start: st, end: en, left: le, right: ri, lo: l, hi: h)
  }
}

/// A point in a split's selection: its coordinate on the split dimension, its index (the
/// tie-break), its tree position before the split (where its row is).
/// 16 bytes (rows and positions fit Int32: the tree's other tables are Int32 too).
private struct SplitKey {
  var value: Double
  var index: Int32
  var position: Int32
}

// MARK: - libstdc++ std::nth_element (introselect), reproduced for the same permutation

/// Rearranges `a[0..<count]` as libstdc++'s `std::nth_element(a, a + nth, a + count, less)` does:
/// introselect with a median-of-three pivot moved to the front, an unguarded Hoare partition,
/// insertion sort below 4 elements and heap select when the depth limit 2⌊log2 count⌋ runs out.
/// `blocks: false` makes every partition's swaps one element at a time (`blockHoarePrefix` finds
/// the same swaps faster; the tests compare the two).
func stdNthElement<T>(_ a: UnsafeMutablePointer<T>, _ nth: Int, _ count: Int, blocks: Bool = true, _ less: (T, T) -> Bool) {
  if count == 0 || nth == count { return }
  var first = 0, last = count
  var depth = 2 * (Int.bitWidth - 1 - count.leadingZeroBitCount)
  while last - first > 3 {
    if depth == 0 {
      heapSelect(a, first, nth + 1, last, less)
      a.swapAt(first, nth)
      return
    }
    depth -= 1
    // median of (first + 1, mid, last − 1) to first, then partition [first + 1, last) around it
    let mid = first + (last - first) / 2
    let x = first + 1, y = mid, z = last - 1
    if less(a[x], a[y]) {
      if less(a[y], a[z]) { a.swapAt(first, y) } else if less(a[x], a[z]) { a.swapAt(first, z) } else { a.swapAt(first, x) }
    } else if less(a[x], a[z]) {
      a.swapAt(first, x)
    } else if less(a[y], a[z]) {
      a.swapAt(first, z)
    } else {
      a.swapAt(first, y)
    }
    var lo = first + 1, hi = last
    let pivot = a[first]
    if blocks && hi - lo >= 4 * nthElementBlock {
      (lo, hi) = blockHoarePrefix(a, lo, hi, pivot, less)
    }
    while true {
      while less(a[lo], pivot) { lo += 1 }
      hi -= 1
      while less(pivot, a[hi]) { hi -= 1 }
      if !(lo < hi) { break }
      a.swapAt(lo, hi)
      lo += 1
    }
    if lo <= nth { first = lo } else { last = lo }
  }
  // insertion sort of [first, last)
  if first == last { return }
  var i = first + 1
  while i < last {
    let v = a[i]
    if less(v, a[first]) {
      var j = i
      while j > first { a[j] = a[j - 1]; j -= 1 }
      a[first] = v
    } else {
      var j = i
      while less(v, a[j - 1]) { a[j] = a[j - 1]; j -= 1 }
      a[j] = v
    }
    i += 1
  }
}

/// Positions scanned per block by `blockHoarePrefix`.
let nthElementBlock = 64

/// The first swaps of the unguarded Hoare partition of `stdNthElement` over [lo, hi) around
/// `pivot`, found block by block without a branch per element (the scheme of Edelkamp and Weiß,
/// "BlockQuicksort", 2016): the partition swaps the i-th element from the left that is not less
/// than the pivot with the i-th from the right that the pivot is not less than, for as long as
/// the two lie in that order. Here each block of 64 positions records where those elements are
/// (a count advanced by the comparison's bit, not a branch that mispredicts on random data), and
/// they are swapped pair by pair, while the blocks still to scan on the two sides are disjoint
/// (so every pair is in order, and no position is read after a swap changed it). Returns the
/// partition's state after the last swap made (the position after its left element, its right
/// element), from which the element-by-element loop goes on exactly as if it had made every
/// swap itself: the same swaps, in the same order, so the same permutation.
@inline(__always)
private func blockHoarePrefix<T>(
  _ a: UnsafeMutablePointer<T>, _ lo0: Int, _ hi0: Int, _ pivot: T, _ less: (T, T) -> Bool
) -> (Int, Int) {
  let B = nthElementBlock
  return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * B) { buf in
    let leftStops = buf.baseAddress!, rightStops = leftStops + B
    // the last pair swapped (the loop's state after it), the next positions to scan, the
    // recorded stops not yet paired ([lf, ln) and [rf, rn))
    var stateLo = lo0, stateHi = hi0
    var nextLeft = lo0, nextRight = hi0 - 1
    var lf = 0, ln = 0, rf = 0, rn = 0
    while true {
      if lf == ln {
        // a new left block needs B unscanned positions below those the right side may still scan
        if nextLeft + B > nextRight - (rf == rn ? B : 0) + 1 { break }
        lf = 0; ln = 0
        for t in 0..<B {
          let p = nextLeft &+ t
          leftStops[ln] = p
          ln &+= 1 &- Int(unsafeBitCast(less(a[p], pivot), to: UInt8.self))
        }
        nextLeft += B
      }
      if rf == rn {
        if nextRight - B + 1 < nextLeft { break }
        rf = 0; rn = 0
        for t in 0..<B {
          let q = nextRight &- t
          rightStops[rn] = q
          rn &+= 1 &- Int(unsafeBitCast(less(pivot, a[q]), to: UInt8.self))
        }
        nextRight -= B
      }
      let pairs = min(ln - lf, rn - rf)
      for u in 0..<pairs {
        let p = leftStops[lf + u], q = rightStops[rf + u]
        let t = a[p]; a[p] = a[q]; a[q] = t
      }
      if pairs > 0 {
        lf += pairs; rf += pairs
        stateLo = leftStops[lf - 1] + 1
        stateHi = rightStops[rf - 1]
      }
    }
    return (stateLo, stateHi)
  }
}

/// libstdc++ `__heap_select`: a max-heap of [first, middle) keeps the smallest elements.
private func heapSelect<T>(_ a: UnsafeMutablePointer<T>, _ first: Int, _ middle: Int, _ last: Int, _ less: (T, T) -> Bool) {
  let len = middle - first
  if len >= 2 {
    var parent = (len - 2) / 2
    while true {
      adjustHeap(a + first, parent, len, a[first + parent], less)
      if parent == 0 { break }
      parent -= 1
    }
  }
  for i in middle..<last where less(a[i], a[first]) {
    let v = a[i]
    a[i] = a[first]
    adjustHeap(a + first, 0, len, v, less)
  }
}

/// libstdc++ `__adjust_heap`: sift the hole at `hole` down to a leaf, then push `value` up.
private func adjustHeap<T>(_ a: UnsafeMutablePointer<T>, _ hole0: Int, _ len: Int, _ value: T, _ less: (T, T) -> Bool) {
  let top = hole0
  var hole = hole0, child = hole0
  while child < (len - 1) / 2 {
    child = 2 * (child + 1)
    if less(a[child], a[child - 1]) { child -= 1 }
    a[hole] = a[child]
    hole = child
  }
  if len & 1 == 0 && child == (len - 2) / 2 {
    child = 2 * (child + 1)
    a[hole] = a[child - 1]
    hole = child - 1
  }
  var parent = (hole - 1) / 2
  while hole > top && less(a[parent], value) {
    a[hole] = a[parent]
    hole = parent
    parent = (hole - 1) / 2
  }
  a[hole] = value
}

// MARK: - the traversal

private final class DualTreeBoruvka<M: KDMetric> {
  let metric: M
  let n: Int, d: Int
  let p: Double
  let f: Double
  let approximate: Bool
  let euclidean: Bool
  /// Whether a point's box distance to a leaf may skip the leaf's scan (euclidean, manhattan, chebyshev).
  let boxPrune: Bool
  let tree: HeapKDTree
  /// The tree as a `KDTreeIndex`: its `pts` are the n × d points in tree order, which the
  /// traversal reads (a leaf's points side by side) instead of the rows of the input.
  let index: KDTreeIndex
  let xs: UnsafePointer<Double>
  /// Reduced core distances by tree position (`coreAt`, set by the caller); each tree position's
  /// component (`compAt`, from `updateComponents`).
  let coreAt: UnsafeMutablePointer<Double>
  let compAt: UnsafeMutablePointer<Int32>
  /// Euclidean data of two columns only: per tree position its x, y, reduced core distance and
  /// component (as a Double), side by side (4n), which the leaf scan reads as one stream instead
  /// of four arrays. The core distances are set by `computeMinCore`, the components by
  /// `updateComponents`; nil otherwise.
  let packed: UnsafeMutablePointer<Double>?
  let compOfNode: UnsafeMutablePointer<Int>
  let candPoint: UnsafeMutablePointer<Int>
  let candNeighbor: UnsafeMutablePointer<Int>
  let candDist: UnsafeMutablePointer<Double>
  let bounds: UnsafeMutablePointer<Double>
  /// Smallest reduced core distance in each node.
  let minCore: UnsafeMutablePointer<Double>
  /// The union-find (the library's `parent`, `rank` and its components' flags), n entries. It runs
  /// on tree positions instead of the library's rows: the same unions in the same order, so the
  /// same roots up to that renaming, and a component's id (its root's position) and candidate
  /// (`candPoint`, `candNeighbor`: positions; `candDist`) lie near its points in memory. The
  /// components are listed by their roots' rows, the library's order.
  /// One entry per position (`BoruvkaUnion`: parent, rank, flag side by side, so that a union
  /// touches one cache line per root instead of three).
  let uf: UnsafeMutablePointer<BoruvkaUnion>
  var components: [Int]
  /// Row → tree position (n).
  let posOf: UnsafeMutablePointer<Int32>
  var edges: [HDBSCANEdge] = []
  let token: CancellationToken
  /// Workers for the parallel passes over all points (the components' roots); the traversal is serial.
  let threads: Int
  /// The tree's node arrays as plain buffers for the traversal's inner loop (copies of `tree`'s
  /// `start`, `end`, `isLeaf` and `radius`): reads without bounds checks, and no exclusivity
  /// check for the counters below, which a stored `var` of a class would get on every access.
  let nodeStart: UnsafeMutablePointer<Int>
  let nodeEnd: UnsafeMutablePointer<Int>
  let nodeIsLeaf: UnsafeMutablePointer<Bool>
  let nodeRadius: UnsafeMutablePointer<Double>
  /// [0]: leaf pairs visited (a cancellation check every 4,096), [1]: 1 once cancelled.
  let counters: UnsafeMutablePointer<Int>
  /// Whether `nodeRdist2` takes the box gaps from `clus_box_gaps2` (euclidean, 16 to 64 columns,
  /// every corner within ±10³⁰⁰ so that no gap's doubling overflows), with AVX or not, and the 2d
  /// squared gaps it writes there (the traversal is serial: one buffer).
  let gapKernel: Bool
  let gapAVX: Bool
  let gapTerms: UnsafeMutablePointer<Double>
  /// Whether the traversal saw the cancellation token set and stopped.
  var cancelled: Bool { counters[1] != 0 }

  init(metric: M, rows fill: (UnsafeMutablePointer<Double>) -> Void, n: Int, d: Int, p: Double, alphaFactor: Double, approximate: Bool,
       token: CancellationToken, threads: Int = 1) {
    self.metric = metric
    self.n = n; self.d = d; self.p = p; self.f = alphaFactor
    self.approximate = approximate
    self.euclidean = metric is EuclideanKD || metric is EuclideanKD2
    self.boxPrune = euclidean || metric is ManhattanKD || metric is ChebyshevKD
    self.token = token
    self.threads = threads
    let rows = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n * d))
    tree = HeapKDTree(fill, n: n, d: d, leafSize: 13, p: p, threads: threads, rows: rows)
    index = tree.index(rows: rows, n: n, d: d)
    xs = UnsafePointer(index.pts)
    let nodes = tree.nNodes
    coreAt = .allocate(capacity: n)
    compAt = .allocate(capacity: n)
    packed = metric is EuclideanKD2 && d == 2 ? .allocate(capacity: 4 * n) : nil
    compOfNode = .allocate(capacity: nodes)
    candPoint = .allocate(capacity: n)
    candNeighbor = .allocate(capacity: n)
    candDist = .allocate(capacity: n)
    bounds = .allocate(capacity: nodes)
    minCore = .allocate(capacity: nodes)
    nodeStart = .allocate(capacity: nodes)
    nodeStart.initialize(from: tree.start, count: nodes)
    nodeEnd = .allocate(capacity: nodes)
    nodeEnd.initialize(from: tree.end, count: nodes)
    nodeIsLeaf = .allocate(capacity: nodes)
    nodeIsLeaf.initialize(from: tree.isLeaf, count: nodes)
    nodeRadius = .allocate(capacity: nodes)
    nodeRadius.initialize(from: tree.radius, count: nodes)
    counters = .allocate(capacity: 2)
    var moderate = metric is EuclideanKD && (16...64).contains(d) && tree.nNodes > 0
    for j in 0..<d where moderate { moderate = abs(tree.lo[j]) <= 1e300 && abs(tree.hi[j]) <= 1e300 }
    gapKernel = moderate
    gapAVX = Gemm.avx
    gapTerms = .allocate(capacity: 2 * max(1, d))
    counters.initialize(repeating: 0, count: 2)
    for v in 0..<nodes { compOfNode[v] = -(v + 1); bounds[v] = .greatestFiniteMagnitude }
    uf = .allocate(capacity: n)
    let where_ = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    var roots = [Int](unsafeUninitializedCapacity: n) { _, c in c = n }
    // the n-sized arrays filled by the workers (each entry by one; the first touch of their pages too)
    let (cA, cP, cN, cD, u, pk, X) = (compAt, candPoint, candNeighbor, candDist, uf, packed, xs)
    tree.idx.withUnsafeBufferPointer { ip in
    roots.withUnsafeMutableBufferPointer { rp in
      let I = ip.baseAddress!, R = rp.baseAddress!
      parallelChunks(count: n, chunkSize: 1 << 16, threads: threads) { _, range in
        for i in range {
          cA[i] = Int32(truncatingIfNeeded: i); cP[i] = -1; cN[i] = -1; cD[i] = .greatestFiniteMagnitude
          (u + i).initialize(to: BoruvkaUnion(parent: Int32(truncatingIfNeeded: i), rank: 0, isComponent: true))
          where_[I[i]] = Int32(truncatingIfNeeded: i)
          if let pk { pk[4 * i] = X[2 * i]; pk[4 * i + 1] = X[2 * i + 1]; pk[4 * i + 3] = Double(i) }
        }
      }
      parallelChunks(count: n, chunkSize: 1 << 16, threads: threads) { _, range in
        for i in range { R[i] = Int(where_[i]) }
      }
    }}
    posOf = where_
    components = roots
    edges.reserveCapacity(n - 1)
  }

  deinit {
    coreAt.deallocate(); compAt.deallocate(); compOfNode.deallocate(); packed?.deallocate()
    candPoint.deallocate(); candNeighbor.deallocate(); candDist.deallocate(); bounds.deallocate(); minCore.deallocate()
    nodeStart.deallocate(); nodeEnd.deallocate(); nodeIsLeaf.deallocate(); nodeRadius.deallocate(); counters.deallocate()
    gapTerms.deallocate()
    uf.deallocate(); posOf.deallocate()
  }

  /// Fills `minCore` from `coreAt` (children before parents: heap order backwards), and the core
  /// distances of `packed`.
  func computeMinCore() {
    if let pk = packed { for t in 0..<n { pk[4 * t + 2] = coreAt[t] } }
    for v in stride(from: tree.nNodes - 1, through: 0, by: -1) {
      if tree.isLeaf[v] {
        var m = Double.infinity
        for t in tree.start[v]..<tree.end[v] { m = min(m, coreAt[t]) }
        minCore[v] = m
      } else {
        minCore[v] = min(minCore[2 * v + 1], minCore[2 * v + 2])
      }
    }
  }

  /// Reduced distance of a distance (sklearn `_dist_to_rdist`).
  @inline(__always) func toRdist(_ v: Double) -> Double {
    if p == 2 { return v * v }
    if p == 1 || p.isInfinite { return v }
    return Elementary.minkowskiPower(v, p)
  }

  func find(_ x0: Int) -> Int {
    var x = x0
    var xp = Int(uf[x].parent)
    while xp != x {
      let g = uf[xp].parent
      uf[x].parent = g
      x = xp
      xp = Int(g)
    }
    return x
  }

  func union(_ a: Int, _ b: Int) {
    let ra = find(a), rb = find(b)
    if ra == rb { return }
    if uf[ra].rank < uf[rb].rank {
      uf[ra].parent = Int32(truncatingIfNeeded: rb); uf[ra].isComponent = false
    } else if uf[ra].rank > uf[rb].rank {
      uf[rb].parent = Int32(truncatingIfNeeded: ra); uf[rb].isComponent = false
    } else {
      uf[ra].rank &+= 1; uf[rb].parent = Int32(truncatingIfNeeded: ra); uf[rb].isComponent = false
    }
  }

  /// Adds each component's candidate edge, recomputes the components of points and nodes and
  /// resets the bounds (every round when exact; only after a round that joined nothing when
  /// approximate). Returns the number of components.
  func updateComponents() -> Int {
    // the components come in the order of their roots' rows, so their entries are random reads
    // (all n of them before the first traversal): block by block, the candidates (ends, their rows,
    // weight) are gathered on the workers, then applied in order with the union-find entries of
    // the ends prefetched 16 components ahead and their parents' 6 ahead (hints only). The
    // gathered values are what the ordered pass would read: a component's entries change only
    // when it is itself applied.
    let list = components
    var done = false
    // the edges taken out of the class for the loop (and put back below): an append to a stored
    // property would check exclusive access at run time on every edge
    var out: [HDBSCANEdge] = []
    swap(&out, &edges)
    defer { swap(&out, &edges) }
    let block = 1 << 16
    let gSrc = UnsafeMutablePointer<Int>.allocate(capacity: block), gSnk = UnsafeMutablePointer<Int>.allocate(capacity: block)
    let gA = UnsafeMutablePointer<Int32>.allocate(capacity: block), gB = UnsafeMutablePointer<Int32>.allocate(capacity: block)
    let gW = UnsafeMutablePointer<Double>.allocate(capacity: block)
    defer { gSrc.deallocate(); gSnk.deallocate(); gA.deallocate(); gB.deallocate(); gW.deallocate() }
    let (cP, cN, cD, metric) = (candPoint, candNeighbor, candDist, metric)
    list.withUnsafeBufferPointer { lp in
    tree.idx.withUnsafeBufferPointer { ip in
      let L = lp.baseAddress!, I = ip.baseAddress!
      let count = lp.count
      var b0 = 0
      blocks: while b0 < count {
        let b1 = min(count, b0 + block), m = b1 - b0
        parallelChunks(count: m, chunkSize: 4096, threads: threads) { _, range in
          for u in range {
            let c = L[b0 + u]
            let source = cP[c], sink = cN[c]
            gSrc[u] = source; gSnk[u] = sink
            if source >= 0 && sink >= 0 { gA[u] = Int32(I[source]); gB[u] = Int32(I[sink]); gW[u] = metric.toDist(cD[c]) }
          }
        }
        for u in 0..<m {
          if u + 16 < m {
            let s3 = gSrc[u + 16], k3 = gSnk[u + 16]
            if s3 >= 0 && k3 >= 0 {
              // the union reads the ranks of the roots, which are often the ends themselves
              clus_prefetch(uf + s3); clus_prefetch(uf + k3)
              clus_prefetch(cD + L[b0 + u + 16])
            }
          }
          if u + 6 < m {
            // the ends' parents (most often the roots), once the ends' entries have arrived
            let s6 = gSrc[u + 6], k6 = gSnk[u + 6]
            if s6 >= 0 && k6 >= 0 { clus_prefetch(uf + Int(uf[s6].parent)); clus_prefetch(uf + Int(uf[k6].parent)) }
          }
          let source = gSrc[u], sink = gSnk[u]
          if source == -1 || sink == -1 { continue }
          let c = L[b0 + u]
          let rs = find(source), rk = find(sink)
          if rs == rk {
            cP[c] = -1; cN[c] = -1; cD[c] = .greatestFiniteMagnitude
            continue
          }
          out.append(HDBSCANEdge(a: gA[u], b: gB[u], weight: gW[u]))
          union(source, sink)
          cD[c] = .greatestFiniteMagnitude
          if out.count == n - 1 { done = true; break blocks }
        }
        b0 = b1
      }
    }}
    if done {
      components = components.filter { uf[$0].isComponent }
      return components.count
    }
    // every position's root, in parallel: first found without writing (the parent array is only
    // read), then every path compressed to its root (each entry written by one worker); the same
    // roots as finds one after the other, so the same components and unions after
    let (cp, up, pk) = (compAt, uf, packed)
    parallelChunks(count: n, chunkSize: 1 << 16, threads: threads) { _, range in
      for t in range {
        var x = Int(up[t].parent)
        while true { let g = Int(up[x].parent); if g == x { break }; x = g }
        cp[t] = Int32(truncatingIfNeeded: x)
        if let pk { pk[4 * t + 3] = Double(x) }
      }
    }
    parallelChunks(count: n, chunkSize: 1 << 16, threads: threads) { _, range in
      for t in range { up[t].parent = cp[t] }
    }
    for v in stride(from: tree.nNodes - 1, through: 0, by: -1) {
      if nodeIsLeaf[v] {
        let s = nodeStart[v], e = nodeEnd[v]
        let c = compAt[s]
        var same = true
        for t in (s + 1)..<max(s + 1, e) where compAt[t] != c { same = false; break }
        if same { compOfNode[v] = Int(c) }
      } else if compOfNode[2 * v + 1] == compOfNode[2 * v + 2] {
        compOfNode[v] = compOfNode[2 * v + 1]
      }
    }
    let last = components.count
    // the roots that stay roots, still in the order of their rows
    components = components.filter { uf[$0].isComponent }
    if !approximate || components.count == last {
      for v in 0..<tree.nNodes { bounds[v] = .greatestFiniteMagnitude }
    }
    return components.count
  }

  /// sklearn/hdbscan `kdtree_min_rdist_dual`: reduced distance between the boxes of two nodes.
  @inline(__always) func nodeRdist(_ a: Int, _ b: Int, _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>) -> Double {
    var r = 0.0
    let la = L + a * d, ha = H + a * d, lb = L + b * d, hb = H + b * d
    if p.isInfinite {
      for j in 0..<d {
        let d1 = la[j] - hb[j], d2 = lb[j] - ha[j]
        r = max(r, 0.5 * ((d1 + abs(d1)) + (d2 + abs(d2))))
      }
    } else if p == 2 {
      for j in 0..<d {
        let d1 = la[j] - hb[j], d2 = lb[j] - ha[j]
        let h = 0.5 * ((d1 + abs(d1)) + (d2 + abs(d2)))
        r += h * h
      }
    } else {
      for j in 0..<d {
        let d1 = la[j] - hb[j], d2 = lb[j] - ha[j]
        r += Elementary.minkowskiPower(0.5 * ((d1 + abs(d1)) + (d2 + abs(d2))), p)
      }
    }
    return r
  }

  /// `nodeRdist(a, b1)` and `nodeRdist(a, b2)` (the box distance is symmetric), computed in one
  /// loop as two independent sums in the library's order. With `gapKernel` the squared gaps come
  /// from `clus_box_gaps2` (several coordinates at a time) and only the nonzero ones are added,
  /// still in coordinate order: each term is +0 or positive and r + 0 = r, so the sums are the same
  /// bits, while the chain of dependent additions shrinks to the coordinates where the boxes are
  /// apart (the walk-through's PCA-50 data: 1 to 6 of the 50 for nearly every pair).
  @inline(__always) func nodeRdist2(_ a: Int, _ b1: Int, _ b2: Int, _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>) -> (Double, Double) {
    if p != 2 { return (nodeRdist(a, b1, L, H), nodeRdist(a, b2, L, H)) }
    var r1 = 0.0, r2 = 0.0
    let la = L + a * d, ha = H + a * d
    let l1 = L + b1 * d, h1 = H + b1 * d, l2 = L + b2 * d, h2 = H + b2 * d
    if gapKernel { return euclideanBoxRdist2(la, ha, l1, h1, l2, h2, d: d, avx: gapAVX, scratch: gapTerms) }
    for j in 0..<d {
      let d1 = la[j] - h1[j], d2 = l1[j] - ha[j]
      let e1 = la[j] - h2[j], e2 = l2[j] - ha[j]
      let g1 = 0.5 * ((d1 + abs(d1)) + (d2 + abs(d2)))
      let g2 = 0.5 * ((e1 + abs(e1)) + (e2 + abs(e2)))
      r1 += g1 * g1
      r2 += g2 * g2
    }
    return (r1, r2)
  }

  /// The reduced distance from `a` to `node`'s box, times the alpha factor.
  @inline(__always) func scaledBoxRdist(_ a: UnsafePointer<Double>, _ node: Int, _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>) -> Double {
    let g = metric.boxRdist(a, L + node * d, H + node * d, d)
    return f == 1 ? g : g * f
  }

  /// Whether max(`scaledBoxRdist(a, node)`, cp) ≥ cand: with `gapKernel` (16 to 64 euclidean
  /// columns) by `euclideanBoxReaches`, which stops summing once the answer is known.
  @inline(__always) func boxReaches(_ a: UnsafePointer<Double>, _ node: Int, _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>,
                                    _ cp: Double, _ cand: Double) -> Bool {
    if !gapKernel { return max(scaledBoxRdist(a, node, L, H), cp) >= cand }
    return euclideanBoxReaches(a, L + node * d, H + node * d, d: d, f: f, cp, cand)
  }

  /// The leaf pair of `traverse` for two euclidean columns (`packed`): the same tests and
  /// candidates as its general loop, with node 2's box, component and smallest core distance read
  /// once, each point's row from `packed`, and the component's candidate distance kept in a
  /// register while its point is scanned. Updates `upper` and `lower` as that loop does.
  @inline(__always) private func leafPair2(_ node1: Int, _ node2: Int, _ pk: UnsafeMutablePointer<Double>,
                                           _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>,
                                           _ upper: inout Double, _ lower: inout Double) {
    let cn2 = compOfNode[node2], mc2 = minCore[node2]
    let lo0 = L[2 * node2], lo1 = L[2 * node2 + 1], hi0 = H[2 * node2], hi1 = H[2 * node2 + 1]
    let s2 = nodeStart[node2], e2 = nodeEnd[node2]
    for i in nodeStart[node1]..<nodeEnd[node1] {
      let pi = pk + 4 * i
      let c1 = Int(compAt[i])
      let cp = pi[2]
      var cand = candDist[c1]
      if cp > cand { continue }
      let px = pi[0], py = pi[1]
      // metric.boxRdist(p, node 2's box) times the alpha factor, as in the general loop
      let g0 = boxGapBranchless(px, lo0, hi0), g1 = boxGapBranchless(py, lo1, hi1)
      let g = g0 * g0 + g1 * g1
      if cn2 == c1 || mc2 > cand || max(f == 1 ? g : g * f, cp) >= cand {
        upper = max(upper, cand)
        lower = min(lower, cand)
        continue
      }
      var bestJ = -1
      let c1d = Double(c1)
      for j in s2..<e2 {
        let e = pk + 4 * j
        let t0 = px - e[0], t1 = py - e[1]
        let r = t0 * t0 + t1 * t1
        let rf = f == 1 ? r : r * f
        let cq = e[2]
        let m1 = rf > cp ? rf : cp
        let mr = e[3] == c1d ? Double.infinity : (cq > m1 ? cq : m1)
        if mr < cand { cand = mr; bestJ = j }
      }
      if bestJ >= 0 { candDist[c1] = cand; candNeighbor[c1] = bestJ; candPoint[c1] = i }
      upper = max(upper, cand)
      lower = min(lower, cand)
    }
  }

  /// One step of the library's `dual_tree_traversal`; `nodeDist` = `nodeRdist(node1, node2)`
  /// (the caller has it: the library computes the same value twice).
  func traverse(_ node1: Int, _ node2: Int, _ nodeDist: Double, _ I: UnsafePointer<Int>, _ L: UnsafePointer<Double>, _ H: UnsafePointer<Double>) {
    if counters[1] != 0 { return }
    if nodeDist < bounds[node1] {
      if compOfNode[node1] == compOfNode[node2] && compOfNode[node1] >= 0 { return }
    } else {
      return
    }
    let leaf1 = nodeIsLeaf[node1], leaf2 = nodeIsLeaf[node2]
    if leaf1 && leaf2 {
      counters[0] &+= 1
      if counters[0] & 0xFFF == 0 && token.isCancelled { counters[1] = 1; return }
      var upper = 0.0, lower = Double.greatestFiniteMagnitude
      if let pk = packed {
        leafPair2(node1, node2, pk, L, H, &upper, &lower)
      } else {
        for i in nodeStart[node1]..<nodeEnd[node1] {
          let c1i = compAt[i]
          let c1 = Int(c1i)
          let cp = coreAt[i]
          if cp > candDist[c1] { continue }
          let xp = xs + i * d
          // every point of node 2 is in p's component, or has a core distance above the candidate, or
          // (boxPrune) p's reduced distance to node 2's box, at most its distance to any point there
          // (each rounded step is monotone: differences, squares or absolute values, a sum in the
          // same order; not for other Minkowski exponents, whose pow need not be), reaches the
          // candidate: the scan below would take nothing
          if compOfNode[node2] == c1 || minCore[node2] > candDist[c1]
            || (boxPrune && boxReaches(xp, node2, L, H, cp, candDist[c1])) {
            upper = max(upper, candDist[c1])
            lower = min(lower, candDist[c1])
            continue
          }
          if euclidean && d >= 8 {
            // four distances at a time, each summed in the library's order (independent chains);
            // the candidates are then applied in order, re-checking the core test against the
            // candidate distance, which only decreases: the same outcome as one at a time
            var j = nodeStart[node2]
            let je = nodeEnd[node2]
            while j < je {
              var qs = (0, 0, 0, 0)
              var m = 0
              while j < je && m < 4 {
                let q = j
                j += 1
                if coreAt[q] > candDist[c1] || compAt[q] == c1i { continue }
                switch m { case 0: qs.0 = q; case 1: qs.1 = q; case 2: qs.2 = q; default: qs.3 = q }
                m += 1
              }
              if m == 0 { break }
              // unused lanes repeat the first point, so they never hold the early exit back
              if m < 2 { qs.1 = qs.0 }
              if m < 3 { qs.2 = qs.0 }
              if m < 4 { qs.3 = qs.0 }
              let r4 = euclideanRdist4(xp, xs + qs.0 * d, xs + qs.1 * d, xs + qs.2 * d, xs + qs.3 * d, d, f: f, limit: candDist[c1])
              for t in 0..<m {
                let q: Int, r: Double
                switch t { case 0: (q, r) = (qs.0, r4.0); case 1: (q, r) = (qs.1, r4.1); case 2: (q, r) = (qs.2, r4.2); default: (q, r) = (qs.3, r4.3) }
                let cq = coreAt[q]
                if cq > candDist[c1] { continue }
                let mr = max(f == 1 ? r : r * f, cp, cq)
                if mr < candDist[c1] {
                  candDist[c1] = mr; candNeighbor[c1] = q; candPoint[c1] = i
                }
              }
            }
          } else if d <= 4 {
            // few coordinates: every point's mutual reachability without branching, the lightest
            // (the first of equal ones) kept. The library skips a point whose core distance is
            // above the candidate or that lies in p's component and takes each strictly lighter
            // one in order; a skipped point could not have been taken, so the outcome is the same
            var best = candDist[c1]
            var bestJ = -1
            for j in nodeStart[node2]..<nodeEnd[node2] {
              let r = metric.rdist(xp, xs + j * d, d)
              // max as comparisons (no NaN here: the data are finite, the distances ≥ 0)
              let rf = f == 1 ? r : r * f
              let cq = coreAt[j]
              let m1 = rf > cp ? rf : cp
              let mr = compAt[j] == c1i ? Double.infinity : (cq > m1 ? cq : m1)
              if mr < best { best = mr; bestJ = j }
            }
            if bestJ >= 0 { candDist[c1] = best; candNeighbor[c1] = bestJ; candPoint[c1] = i }
          } else {
            for j in nodeStart[node2]..<nodeEnd[node2] {
              let c2 = Int(compAt[j])
              let cq = coreAt[j]
              if cq > candDist[c1] { continue }
              if c1 != c2 {
                let r = metric.rdist(xp, xs + j * d, d)
                let mr = max(f == 1 ? r : r * f, cp, cq)
                if mr < candDist[c1] {
                  candDist[c1] = mr; candNeighbor[c1] = j; candPoint[c1] = i
                }
              }
            }
          }
          upper = max(upper, candDist[c1])
          lower = min(lower, candDist[c1])
        }
      }
      let newBound = min(upper, lower + 2 * toRdist(nodeRadius[node1]))
      if newBound < bounds[node1] {
        bounds[node1] = newBound
        var v = node1
        while v > 0 {
          let par = (v - 1) / 2
          let nb = max(bounds[2 * par + 1], bounds[2 * par + 2])
          if nb < bounds[par] { bounds[par] = nb; v = par } else { break }
        }
      }
    } else if leaf1 || (!leaf2 && nodeRadius[node2] > nodeRadius[node1]) {
      let l = 2 * node2 + 1, r = 2 * node2 + 2
      let (ld, rd) = nodeRdist2(node1, l, r, L, H)
      if ld < rd { traverse(node1, l, ld, I, L, H); traverse(node1, r, rd, I, L, H) } else { traverse(node1, r, rd, I, L, H); traverse(node1, l, ld, I, L, H) }
    } else {
      let l = 2 * node1 + 1, r = 2 * node1 + 2
      let (ld, rd) = nodeRdist2(node2, l, r, L, H)
      if ld < rd { traverse(l, node2, ld, I, L, H); traverse(r, node2, rd, I, L, H) } else { traverse(r, node2, rd, I, L, H); traverse(l, node2, ld, I, L, H) }
    }
  }

  func round() {
    tree.idx.withUnsafeBufferPointer { ip in
    tree.lo.withUnsafeBufferPointer { lp in
    tree.hi.withUnsafeBufferPointer { hp in
      let (L, H) = (lp.baseAddress!, hp.baseAddress!)
      traverse(0, 0, nodeRdist(0, 0, L, H), ip.baseAddress!, L, H)
    }}}
  }
}

/// The spanning tree of the mutual reachability graph as the hdbscan library's default builds
/// it (`KDTreeBoruvkaAlgorithm(...).spanning_tree()`, dual-tree Borůvka; see the file comment):
/// n − 1 edges (candidate point, its neighbour, weight in distance units) in the order the
/// library emits them, and the n core distances. `approximate` keeps node bounds between
/// rounds as `approx_min_span_tree=True` does; false resets them every round (an exact tree).
/// alpha scales distances as in the rest of clus (the library's Borůvka path ignores it).
/// - Parameters:
///   - x: n × d data, row-major, n ≥ 2.
///   - p: the Minkowski exponent of `metric` (2 euclidean, 1 manhattan, ∞ chebyshev).
/// - Throws: `AlgorithmError.cancelled`.
func libraryBoruvkaMST<M: KDMetric>(
  _ x: [Double], n: Int, d: Int, minSamples: Int, alpha: Double, metric: M, p: Double, approximate: Bool,
  context: RunContext
) throws -> (edges: [HDBSCANEdge], core: [Double]) {
  try libraryBoruvkaMST(
    rows: { dst in x.withUnsafeBufferPointer { dst.initialize(from: $0.baseAddress!, count: n * d) } }, doubles: { x },
    n: n, d: d, minSamples: minSamples, alpha: alpha, metric: metric, p: p, approximate: approximate, context: context)
}

/// `libraryBoruvkaMST` of float32 rows (n × d; the `Matrix` storage, mapped or not), each value
/// widened exactly to Double where the tree keeps it: no n × d Double copy by row besides the
/// tree's own (one is made only for the GEMM neighbour search of 10 or more euclidean columns).
/// - Throws: `AlgorithmError.cancelled`.
func libraryBoruvkaMST<M: KDMetric>(
  _ x: FloatStorage, n: Int, d: Int, minSamples: Int, alpha: Double, metric: M, p: Double, approximate: Bool,
  context: RunContext
) throws -> (edges: [HDBSCANEdge], core: [Double]) {
  try libraryBoruvkaMST(
    rows: { dst in x.withUnsafeBufferPointer { src in for i in 0..<(n * d) { dst[i] = Double(src[i]) } } },
    doubles: { x.map { Double($0) } },
    n: n, d: d, minSamples: minSamples, alpha: alpha, metric: metric, p: p, approximate: approximate, context: context)
}

/// The Borůvka of `libraryBoruvkaMST` over rows that `fill` writes (n × d Double, by row) and,
/// for the GEMM neighbour search only, `doubles` gives as an array.
private func libraryBoruvkaMST<M: KDMetric>(
  rows fill: (UnsafeMutablePointer<Double>) -> Void, doubles: () -> [Double], n: Int, d: Int, minSamples: Int,
  alpha: Double, metric: M, p: Double, approximate: Bool, context: RunContext
) throws -> (edges: [HDBSCANEdge], core: [Double]) {
  let k = minSamples + 1
  do {
    let alg = DualTreeBoruvka(metric: metric, rows: fill, n: n, d: d, p: p,
                              alphaFactor: alpha == 1 ? 1 : metric.alphaFactor(alpha),
                              approximate: approximate, token: context.cancellation, threads: context.threads)
    // the k nearest (including the point itself) of every point, by (reduced distance, row), as
    // tree positions in a table by tree position: searched on the traversal's tree in tree order
    // (the writes go in order, and a point's neighbours lie near it in the tables read next);
    // from GEMM tiles (euclidean, 10 or more columns) by row, then converted
    // written whole below (by the parallel search's workers: no serial pass over them first)
    var knnP = [Int32](unsafeUninitializedCapacity: n * k) { _, c in c = n * k }
    var kth = [Double](unsafeUninitializedCapacity: n) { _, c in c = n }
    if metric is EuclideanKD && d >= 10 {
      let (knnI, kthRow) = try sortedSelfKNN(doubles(), n: n, d: d, k: k, metric: metric, context: context)
      for t in 0..<n {
        let i = alg.tree.idx[t]
        kth[t] = kthRow[i]
        for u in 0..<k { let m = knnI[i * k + u]; knnP[t * k + u] = m < 0 ? -1 : alg.posOf[Int(m)] }
      }
    } else {
      try knnP.withUnsafeMutableBufferPointer { pp in
        try kth.withUnsafeMutableBufferPointer { kp in
          let P = pp.baseAddress!, K = kp.baseAddress!
          try kdQueryEach(alg.index, queries: nil, m: n, k: k, metric: metric, context: context,
                          progress: "hdbscan core distances", positions: true) { t, best in
            for u in 0..<best.count { P[t * k + u] = best.pos[u] }
            for u in best.count..<k { P[t * k + u] = -1 }
            K[t] = best.count == k ? best.dist[k - 1] : .infinity
          }
        }
      }
    }
    // core distances: the min_samples-th neighbour's distance, back to a reduced distance (each
    // position and its row written by one worker)
    var coreOut = [Double](unsafeUninitializedCapacity: n) { _, c in c = n }
    coreOut.withUnsafeMutableBufferPointer { op in
    kth.withUnsafeBufferPointer { kp in
    alg.tree.idx.withUnsafeBufferPointer { ip in
      let O = op.baseAddress!, K = kp.baseAddress!, I = ip.baseAddress!, C = alg.coreAt
      parallelChunks(count: n, chunkSize: 1 << 16, threads: context.threads) { _, range in
        for t in range {
          let v = metric.toDist(K[t])
          O[I[t]] = v
          C[t] = alg.toRdist(v)
        }
      }
    }}}
    alg.computeMinCore()
    // first round from the stored neighbours: the nearest one with a core distance not above
    // the point's own (each point on its own, writing only its own candidate: the order of the
    // points does not matter, so they run in parallel)
    knnP.withUnsafeBufferPointer { pp in
      let P = pp.baseAddress!, C = UnsafePointer(alg.coreAt)
      let (cPoint, cNeighbor, cDist) = (alg.candPoint, alg.candNeighbor, alg.candDist)
      parallelChunks(count: n, chunkSize: 1 << 14, threads: context.threads) { _, range in
        for t in range {
          for u in 0..<k {
            let q = Int(P[t * k + u])
            if q == t || q < 0 { continue }
            if C[q] <= C[t] {
              cPoint[t] = t; cNeighbor[t] = q; cDist[t] = C[t]
              break
            }
          }
        }
      }
    }
    // the tables are not read again: free them before the spanning tree's peak
    knnP = []
    kth = []
    context.progress.begin("hdbscan spanning tree", total: n - 1)
    defer { context.progress.end() }
    var nComp = alg.updateComponents()
    for v in 0..<alg.tree.nNodes { alg.bounds[v] = .greatestFiniteMagnitude }
    context.progress.update(alg.edges.count)
    var stalled = 0
    while nComp > 1 {
      try context.cancellation.check()
      let before = alg.edges.count
      alg.round()
      if alg.cancelled { throw AlgorithmError.cancelled }
      nComp = alg.updateComponents()
      // a round that joins nothing resets the bounds; a second one (an exact round) means no
      // finite edge is left, as with distances that overflow
      stalled = alg.edges.count == before ? stalled + 1 : 0
      if stalled >= 2 { throw spanningTreeOverflow(alpha: alpha) }
      context.progress.update(alg.edges.count)
    }
    return (alg.edges, coreOut)
  }
}

/// The library's reduced euclidean distances (`kdtree_min_rdist_dual`) from the box [la, ha] to
/// the boxes [l1, h1] and [l2, h2] (d corners each, 16 ≤ d ≤ 64, coordinates within ±10³⁰⁰): the
/// squared gaps from `clus_box_gaps2` (AVX when `avx`), of which only the nonzero are added, in
/// coordinate order, from +0 (the same bits as adding all d). `scratch` holds 2d values.
@inline(__always)
func euclideanBoxRdist2(
  _ la: UnsafePointer<Double>, _ ha: UnsafePointer<Double>, _ l1: UnsafePointer<Double>, _ h1: UnsafePointer<Double>,
  _ l2: UnsafePointer<Double>, _ h2: UnsafePointer<Double>, d: Int, avx: Bool, scratch: UnsafeMutablePointer<Double>
) -> (Double, Double) {
  var m1: UInt64 = 0, m2: UInt64 = 0
  let t1 = scratch, t2 = scratch + d
  if avx {
    clus_box_gaps2_avx(la, ha, l1, h1, l2, h2, d, t1, t2, &m1, &m2)
  } else {
    clus_box_gaps2(la, ha, l1, h1, l2, h2, d, t1, t2, &m1, &m2)
  }
  var r1 = 0.0, r2 = 0.0
  while m1 != 0 { r1 += t1[m1.trailingZeroBitCount]; m1 &= m1 &- 1 }
  while m2 != 0 { r2 += t2[m2.trailingZeroBitCount]; m2 &= m2 &- 1 }
  return (r1, r2)
}

/// Whether max(f · `EuclideanKD.boxRdist(a, lo, hi, d)`, cp) ≥ cand (f > 0), the box distance summed
/// as there, in coordinate order, with a test of the partial sum every 8 coordinates: the terms
/// are ≥ 0, so the rounded partial sums never decrease (nor do their products with f), and once one
/// reaches cand the whole would too — the same answer without the rest of the sum.
@inline(__always)
func euclideanBoxReaches(
  _ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, d: Int, f: Double,
  _ cp: Double, _ cand: Double
) -> Bool {
  if cp >= cand { return true }
  var s = 0.0, j = 0
  while j + 8 <= d {
    for t in j..<(j + 8) { let g = boxGapBranchless(a[t], lo[t], hi[t]); s += g * g }
    j += 8
    if (f == 1 ? s : s * f) >= cand { return true }
  }
  while j < d { let g = boxGapBranchless(a[j], lo[j], hi[j]); s += g * g; j += 1 }
  return (f == 1 ? s : s * f) >= cand
}

/// Four squared euclidean distances from `a`, each summed over the coordinates in order (the
/// same rounding as one at a time; the four chains run side by side). Every 8 coordinates the
/// partial sums are checked: once all four times `f` reach `limit`, the full sums would too (the
/// terms are ≥ 0, so the rounded partial sums never decrease) and +∞ is returned for all four.
@inline(__always)
private func euclideanRdist4(
  _ a: UnsafePointer<Double>, _ b0: UnsafePointer<Double>, _ b1: UnsafePointer<Double>,
  _ b2: UnsafePointer<Double>, _ b3: UnsafePointer<Double>, _ d: Int, f: Double, limit: Double
) -> (Double, Double, Double, Double) {
  var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
  var j = 0
  while j < d {
    let e = min(d, j + 8)
    while j < e {
      let v = a[j]
      let t0 = v - b0[j], t1 = v - b1[j], t2 = v - b2[j], t3 = v - b3[j]
      s0 += t0 * t0; s1 += t1 * t1; s2 += t2 * t2; s3 += t3 * t3
      j += 1
    }
    if j < d && min(min(s0, s1), min(s2, s3)) * f >= limit { return (.infinity, .infinity, .infinity, .infinity) }
  }
  return (s0, s1, s2, s3)
}

private extension UnsafeMutablePointer {
  @inline(__always) func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}
