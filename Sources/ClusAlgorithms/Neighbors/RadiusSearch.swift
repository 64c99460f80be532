// Radius neighbourhoods with the Euclidean metric (scikit-learn's `NearestNeighbors.radius_neighbors`
// on a KD-tree): every point within distance ≤ r of a query, from `KDTreeIndex.search` with a fixed
// bound instead of a shrinking one. Used by DBSCAN (its core points and its expansion).

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

  /// The number of rows within `radius` of row `i`, row `i` included.
  func count(of i: Int, within radius: Double) -> Int {
    var counter = RadiusCount(bound: radius * radius)
    search(from: i, &counter)
    return counter.count
  }

  /// Calls `visit` with every row within `radius` of row `i` (row `i` included), in tree order.
  func forEachNeighbor(of i: Int, within radius: Double, _ visit: (Int) -> Void) {
    withoutActuallyEscaping(visit) { visit in
      var visitor = RadiusVisit(bound: radius * radius, perm: tree.perm, visit: visit)
      search(from: i, &visitor)
    }
  }

  /// `tree.search` from row `i`'s coordinates with the Euclidean reduced distance, on a stack of
  /// the search's own (on the thread's stack, not the heap).
  @inline(__always)
  private func search<C: KDCandidates>(from i: Int, _ candidates: inout C) {
    let query = tree.pts + Int(position[i]) * tree.d
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { nodes in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 256) { bounds in
        let stack = KDStack(nodes: nodes.baseAddress!, bounds: bounds.baseAddress!)
        tree.search(query, metric: EuclideanKD(), &candidates, stack)
      }
    }
  }
}

/// Counts the points within a fixed reduced distance (`bound`, inclusive).
private struct RadiusCount: KDCandidates {
  let bound: Double
  var tieRow: Int { Int.max }
  var count = 0
  @inline(__always) mutating func offer(_ r: Double, _ q: Int) { if r <= bound { count += 1 } }
}

/// Passes the original row of every point within a fixed reduced distance (`bound`, inclusive) to `visit`.
private struct RadiusVisit: KDCandidates {
  let bound: Double
  var tieRow: Int { Int.max }
  let perm: UnsafeMutablePointer<Int32>
  let visit: (Int) -> Void
  @inline(__always) mutating func offer(_ r: Double, _ q: Int) { if r <= bound { visit(Int(perm[q])) } }
}
