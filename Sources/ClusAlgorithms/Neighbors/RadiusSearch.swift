// Radius neighbourhoods with the Euclidean metric (scikit-learn's `NearestNeighbors.radius_neighbors`
// on a KD-tree): the points within distance ≤ r of a query, counted (up to a limit, a subtree within
// r counted whole) or walked among the rows still open (`OpenRows`), by depth-first walks of a
// `KDTreeIndex`. Used by DBSCAN (its core points and its expansion).

/// Radius queries among the rows of a Float32 matrix, Euclidean: a row is within `radius` of the
/// query when Σ(xᵢ − qᵢ)² ≤ radius², computed in Double from the Float32 values, as scikit-learn's
/// KD-tree compares (so a point at exactly `radius` is a neighbour). Each query is a row of the
/// data, itself included in its neighbourhood. The tree is `KDTreeIndex` (median split on the widest
/// dimension, leaves of at most 40 points); a node is searched when its box is within `radius`.
/// Read-only after construction: queries may run in parallel.
struct RadiusNeighbors {
  /// The tree over the rows as Doubles.
  let tree: KDTreeIndex
  /// Row → its tree position (the inverse of `tree.perm`), to find a query's coordinates.
  private let position: [Int32]

  /// Builds the tree over the rows of `x` (n × d).
  init(_ x: Matrix, leafSize: Int = 40) {
    tree = KDTreeIndex(x.data.map(Double.init), n: x.rows, d: x.cols, leafSize: leafSize)
    var position = [Int32](repeating: 0, count: x.rows)
    for t in 0..<x.rows { position[Int(tree.perm[t])] = Int32(t) }
    self.position = position
  }

  /// The number of rows within `radius` of row `i`, row `i` included, counted up to `limit`: the
  /// search stops once `limit` are found (then the answer is `limit` or a little more, never less),
  /// and a subtree whose box lies wholly within `radius` of the row is counted whole, without a
  /// distance to each of its points. So a point in a dense region (many duplicated rows, an eps
  /// that covers the data) costs about `limit` distances, or a few boxes, instead of its whole
  /// neighbourhood. The count is what comparing each point's `EuclideanKD.rdist` with radius²
  /// gives: see `farthestRdist`.
  func count(of i: Int, within radius: Double, upTo limit: Int = .max) -> Int {
    let t = tree, d = t.d, bound = radius * radius
    let query = t.pts + Int(position[i]) * d
    let metric = EuclideanKD()
    var count = 0
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { nb in
      let nodes = nb.baseAddress!
      nodes[0] = 0
      var sp = 1
      while sp > 0 && count < limit {
        sp -= 1
        let node = Int(nodes[sp])
        let first = Int(t.start[node]), end = Int(t.end[node])
        let l = Int(t.left[node])
        // (a leaf's points are counted one by one: as cheap as its farthest corner)
        if l >= 0 && farthestRdist(query, t.lo + node * d, t.hi + node * d, d) <= bound { count += end - first; continue }
        if l < 0 {
          for q in first..<end where metric.rdist(query, t.pts + q * d, d) <= bound { count += 1 }
          continue
        }
        // the nearer child on top: the count reaches its limit sooner
        let r = Int(t.right[node])
        let bl = metric.boxRdist(query, t.lo + l * d, t.hi + l * d, d), br = metric.boxRdist(query, t.lo + r * d, t.hi + r * d, d)
        let (near, far, bn, bf) = bl <= br ? (l, r, bl, br) : (r, l, br, bl)
        if bf <= bound { nodes[sp] = Int32(far); sp += 1 }
        if bn <= bound { nodes[sp] = Int32(near); sp += 1 }
      }
    }
    return count
  }

  /// Calls `visit` with every row within `radius` of row `i` that `open` still holds, in no set
  /// order; subtrees `open` holds none of are skipped whole. For an expansion that only needs the
  /// neighbours not yet labelled (DBSCAN), which makes a dense region cost about its size instead
  /// of its size squared. `visit` may `close` rows (the search then skips what is left closed).
  func forEachOpenNeighbor(of i: Int, within radius: Double, _ open: OpenRows, _ visit: (Int) -> Void) {
    let t = tree, d = t.d, bound = radius * radius
    let query = t.pts + Int(position[i]) * d
    let metric = EuclideanKD()
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { nb in
      let nodes = nb.baseAddress!
      nodes[0] = 0
      var sp = 1
      while sp > 0 {
        sp -= 1
        let node = Int(nodes[sp])
        if open.count[node] == 0 { continue }
        let l = Int(t.left[node])
        if l < 0 {
          for q in Int(t.start[node])..<Int(t.end[node]) where open.isOpen[q] {
            if metric.rdist(query, t.pts + q * d, d) <= bound { visit(Int(t.perm[q])) }
          }
          continue
        }
        let r = Int(t.right[node])
        if open.count[r] > 0 && metric.boxRdist(query, t.lo + r * d, t.hi + r * d, d) <= bound { nodes[sp] = Int32(r); sp += 1 }
        if open.count[l] > 0 && metric.boxRdist(query, t.lo + l * d, t.hi + l * d, d) <= bound { nodes[sp] = Int32(l); sp += 1 }
      }
    }
  }

  /// The rows of `tree` not yet closed, with a count per node (`forEachOpenNeighbor`).
  func openRows() -> OpenRows { OpenRows(tree, position: position) }
}

/// Which rows of a `RadiusNeighbors` tree are still open (DBSCAN: not yet labelled), and how many
/// per node, so that a search skips the subtrees with none. Closing a row costs the tree's depth.
final class OpenRows {
  private let tree: KDTreeIndex
  private let position: [Int32]
  /// Per node: how many of its rows are open.
  let count: UnsafeMutablePointer<Int32>
  /// Per tree position: whether its row is open.
  let isOpen: UnsafeMutablePointer<Bool>

  fileprivate init(_ tree: KDTreeIndex, position: [Int32]) {
    self.tree = tree
    self.position = position
    count = .allocate(capacity: max(1, tree.nodeCount))
    isOpen = .allocate(capacity: max(1, tree.n))
    isOpen.initialize(repeating: true, count: max(1, tree.n))
    for v in 0..<tree.nodeCount { count[v] = tree.end[v] - tree.start[v] }
  }

  deinit { count.deallocate(); isOpen.deallocate() }

  /// Closes `row` (it must be open): its tree position and every node on the path to it.
  func close(_ row: Int) {
    let q = position[row]
    isOpen[Int(q)] = false
    var node = 0
    while true {
      count[node] -= 1
      let l = Int(tree.left[node])
      if l < 0 { break }
      node = q < tree.end[l] ? l : Int(tree.right[node])
    }
  }
}

/// The squared distance from `a` to the farthest corner of the box [lo, hi] (d coordinates), summed
/// as `EuclideanKD.rdist` sums: 0, then each coordinate's square in order. For a point p in the box,
/// |a_j − p_j| ≤ max(|a_j − lo_j|, |hi_j − a_j|) holds for the computed differences too (rounding is
/// monotone), and so for their squares and the running sums: `EuclideanKD.rdist(a, p)` ≤ this, bit
/// for bit. When this is within a radius, every point of the box is.
@inline(__always)
func farthestRdist(_ a: UnsafePointer<Double>, _ lo: UnsafePointer<Double>, _ hi: UnsafePointer<Double>, _ d: Int) -> Double {
  var s = 0.0
  for j in 0..<d {
    let u = max(abs(a[j] - lo[j]), abs(hi[j] - a[j]))
    s += u * u
  }
  return s
}
