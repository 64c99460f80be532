// Cluster selection on a condensed tree, function by function as the hdbscan library 0.8.x
// (`_hdbscan_tree.pyx`): `compute_stability`, `get_clusters` (excess of mass or leaves, with
// `get_cluster_tree_leaves`, `traverse_upwards` and `epsilon_search` for
// cluster_selection_epsilon), `do_labelling`, `get_probabilities`, `get_stability_scores` and
// `outlier_scores` (GLOSH).

/// Flat clustering extracted from a condensed tree.
struct HDBSCANSelection {
  var labels: [Int]
  var probabilities: [Double]
  var outlierScores: [Double]
  var persistence: [Double]
  /// Condensed-tree id (≥ n) of the cluster of each label.
  var selectedClusters: [Int] = []
  /// Whether the excess-of-mass sums of the children's stabilities passed Float32's range, so
  /// that the selection was made with Double sums instead (see `excessOfMassClusters`).
  var wideStabilitySums = false
}

/// hdbscan `get_clusters` on the condensed tree `rows` of n points: `compute_stability`, the
/// selection (`method`: excess of mass or leaves; `epsilon`, `allowSingleCluster`,
/// `maxClusterSize`, `epsilonMax` as the library's parameters), `do_labelling`,
/// `get_probabilities`, `get_stability_scores`, and `outlier_scores`.
func selectClusters(
  rows: [CondensedTreeRow], n: Int, method: HDBSCANParameters.SelectionMethod,
  allowSingleCluster: Bool, epsilon: Double, maxClusterSize: Int = 0, epsilonMax: Double = .infinity
) -> HDBSCANSelection {
  guard n >= 2, !rows.isEmpty else {
    return HDBSCANSelection(
      labels: [Int](repeating: -1, count: n), probabilities: [Double](repeating: 0, count: n),
      outlierScores: [Double](repeating: 0, count: n), persistence: [])
  }
  let tree = ClusterTree(rows: rows, n: n)
  var stability = computeStability(rows: rows, tree: tree)
  let selected: [Bool]
  var wide = false
  switch method {
  case .eom:
    selected = excessOfMassClusters(
      tree, stability: &stability, allowSingleCluster: allowSingleCluster, epsilon: epsilon,
      maxClusterSize: maxClusterSize, epsilonMax: epsilonMax, wide: &wide)
  case .leaf:
    selected = leafClusters(tree, allowSingleCluster: allowSingleCluster, epsilon: epsilon)
  }
  let (labels, clusterIds) = doLabelling(
    tree, selected: selected, allowSingleCluster: allowSingleCluster, epsilon: epsilon)
  return HDBSCANSelection(
    labels: labels,
    probabilities: getProbabilities(tree, labels: labels, clusterIds: clusterIds),
    outlierScores: outlierScores(tree),
    persistence: getStabilityScores(tree, labels: labels, clusterIds: clusterIds, stability: stability),
    selectedClusters: clusterIds.map { $0 + n }, wideStabilitySums: wide)
}

/// The clusters of a condensed tree, numbered from the root (0 here, n in the tree), with what
/// the selection functions look up: each cluster's parent, birth λ, size and the two children it
/// splits into, each point's λ and cluster, and hdbscan's `max_lambdas` (`deaths`).
struct ClusterTree {
  /// Number of points.
  let n: Int
  /// Number of clusters (the root included).
  let count: Int
  /// Per cluster: the parent cluster (−1 for the root), the λ at which it was born (that of the
  /// row creating it), its size, its first and second child clusters (−1 if none), and the
  /// largest λ of the rows under it (`max_lambdas`).
  var parent: [Int]
  var birth: [Double]
  var size: [Int]
  var firstChild: [Int]
  var secondChild: [Int]
  var deaths: [Double]
  /// Per point: the λ at which it leaves its cluster, and that cluster.
  var pointLambda: [Double]
  var pointParent: [Int]
  /// The largest and smallest λ of the whole tree, and the largest λ of the root's rows.
  var maxLambda = -Double.infinity
  var minLambda = Double.infinity
  var rootMaxLambda = 0.0

  init(rows: [CondensedTreeRow], n: Int) {
    let root = n
    var maxCluster = root
    for r in rows { maxCluster = max(maxCluster, r.parent) }
    let nc = maxCluster - root + 1
    self.n = n
    count = nc
    parent = [Int](repeating: -1, count: nc)
    birth = [Double](repeating: 0, count: nc)
    size = [Int](repeating: 0, count: nc)
    firstChild = [Int](repeating: -1, count: nc)
    secondChild = [Int](repeating: -1, count: nc)
    deaths = [Double](repeating: 0, count: nc)
    pointLambda = [Double](repeating: 0, count: n)
    pointParent = [Int](repeating: 0, count: n)
    size[0] = n
    for r in rows {
      let pi = r.parent - root
      if r.lambda > deaths[pi] { deaths[pi] = r.lambda }
      if r.lambda > maxLambda { maxLambda = r.lambda }
      if r.lambda < minLambda { minLambda = r.lambda }
      if r.parent == root && r.lambda > rootMaxLambda { rootMaxLambda = r.lambda }
      if r.child < n {
        pointLambda[r.child] = r.lambda
        pointParent[r.child] = pi
      } else {
        let ci = r.child - root
        parent[ci] = pi
        birth[ci] = r.lambda
        size[ci] = r.childSize
        if firstChild[pi] < 0 { firstChild[pi] = ci } else { secondChild[pi] = ci }
      }
    }
  }

  /// Whether the root splits at all (the library's non-empty `cluster_tree`).
  var hasClusterTree: Bool { firstChild[0] >= 0 }

  /// Calls `body` on `c` and every cluster below it (the library's `bfs_from_cluster_tree`; the
  /// order does not matter to its callers).
  func descendants(_ c: Int, _ body: (Int) -> Void) {
    var stack = [c]
    while let v = stack.popLast() {
      body(v)
      if firstChild[v] >= 0 { stack.append(firstChild[v]) }
      if secondChild[v] >= 0 { stack.append(secondChild[v]) }
    }
  }
}

/// hdbscan `compute_stability`: per cluster Σ over its rows of (λ − λ_birth) · child size; a
/// zero-length interval at λ = ∞ counts 0.
func computeStability(rows: [CondensedTreeRow], tree: ClusterTree) -> [Double] {
  var stability = [Double](repeating: 0, count: tree.count)
  for r in rows {
    let pi = r.parent - tree.n
    let b = tree.birth[pi]
    let delta = r.lambda == b ? 0 : r.lambda - b
    stability[pi] += delta * Double(r.childSize)
  }
  return stability
}

/// hdbscan `get_cluster_tree_leaves`: the clusters that do not split, by id (none if the root
/// does not split).
func getClusterTreeLeaves(_ tree: ClusterTree) -> [Int] {
  guard tree.hasClusterTree else { return [] }
  return (1..<tree.count).filter { tree.firstChild[$0] < 0 }
}

/// hdbscan `traverse_upwards`: from `leaf`, the first ancestor born at a distance 1/λ above
/// `epsilon`; reaching the root gives the root with `allowSingleCluster`, else the last cluster
/// below it.
func traverseUpwards(_ tree: ClusterTree, epsilon: Double, leaf: Int, allowSingleCluster: Bool) -> Int {
  var node = leaf
  while true {
    let p = tree.parent[node]
    if p == 0 { return allowSingleCluster ? p : node }
    if 1.0 / tree.birth[p] > epsilon { return p }
    node = p
  }
}

/// hdbscan `epsilon_search` (`_epsilon_search_fast`): each cluster of `leaves` born at a distance
/// below `epsilon` is replaced by its ancestor from `traverseUpwards` (once per subtree); the
/// others stay.
/// - Returns: the selected clusters, as a mask over the cluster ids.
func epsilonSearch(_ leaves: [Int], tree: ClusterTree, epsilon: Double, allowSingleCluster: Bool) -> [Bool] {
  var out = [Bool](repeating: false, count: tree.count)
  var processed = [Bool](repeating: false, count: tree.count)
  for leaf in leaves {
    let eps = 1.0 / tree.birth[leaf]
    if eps < epsilon {
      if !processed[leaf] {
        let chosen = traverseUpwards(tree, epsilon: epsilon, leaf: leaf, allowSingleCluster: allowSingleCluster)
        out[chosen] = true
        tree.descendants(chosen) { v in if v != chosen { processed[v] = true } }
      }
    } else {
      out[leaf] = true
    }
  }
  return out
}

/// The excess-of-mass branch of hdbscan `get_clusters`. Bottom-up (descending ids), a cluster is
/// kept unless its children's summed stability is strictly larger (then it takes that sum; the
/// sum is accumulated in Float32 as the library's `cdef float`, unless a sum passes Float32's
/// range: λ = 1/distance, so data whose distances are near 1e-37 have stabilities near 1e39, and
/// the library's sums become +∞ and its selection follows the infinities (a few thousand points
/// of four blobs scaled by 1e-36 give it 86 clusters and half the points as noise). Then the
/// whole selection is made again with Double sums, the scale-free answer, and `wide` is set);
/// `maxClusterSize` and
/// `epsilonMax` also refuse a cluster (the root's size is that of its child clusters and its ε
/// the largest 1/λ of the tree, as the library). A kept cluster is selected unless a kept
/// ancestor was processed after it. Then `epsilonSearch` on the selection when `epsilon` ≠ 0.
/// - Returns: the selected clusters, as a mask over the cluster ids.
func excessOfMassClusters(
  _ tree: ClusterTree, stability: inout [Double], allowSingleCluster: Bool, epsilon: Double,
  maxClusterSize: Int, epsilonMax: Double, wide: inout Bool
) -> [Bool] {
  let nc = tree.count
  var keep = [Bool](repeating: false, count: nc)
  let lowest = allowSingleCluster ? 0 : 1
  let sizeLimit = maxClusterSize > 0 ? maxClusterSize : tree.n + 1
  func size(_ c: Int) -> Int {
    if c != 0 { return tree.size[c] }
    let first = tree.firstChild[0], second = tree.secondChild[0]
    return (first >= 0 ? tree.size[first] : 0) + (second >= 0 ? tree.size[second] : 0)
  }
  func eps(_ c: Int) -> Double { c != 0 ? 1 / tree.birth[c] : 1 / tree.minLambda }
  let given = stability
  if nc - 1 >= lowest {
    var passes = 0
    while passes < 2 {
      passes += 1
      var overflow = false
      for c in stride(from: nc - 1, through: lowest, by: -1) {
        // the children's sum, rounded to Float32 after each addition as the library's float
        var sd = 0.0
        func add(_ child: Int) {
          guard child >= 0 else { return }
          sd += stability[child]
          if !wide {
            let f = Float(sd)
            if f.isInfinite && sd.isFinite { overflow = true }
            sd = Double(f)
          }
        }
        add(tree.firstChild[c])
        add(tree.secondChild[c])
        if overflow { break }
        if sd > stability[c] || size(c) > sizeLimit || eps(c) > epsilonMax {
          keep[c] = false
          stability[c] = sd
        } else {
          keep[c] = true
        }
      }
      if !overflow { break }
      wide = true
      stability = given
    }
  }
  // Top-down: a kept cluster below a kept (or blocked) ancestor is not selected.
  var selected = [Bool](repeating: false, count: nc)
  var blocked = [Bool](repeating: false, count: nc)
  for c in 0..<nc {
    let p = tree.parent[c]
    let ancestorKept = p >= 0 && (blocked[p] || keep[p])
    blocked[c] = ancestorKept
    selected[c] = keep[c] && !ancestorKept
  }
  if epsilon != 0 && tree.hasClusterTree {
    let eom = (0..<nc).filter { selected[$0] }
    if eom.count == 1 && eom[0] == 0 {
      if !allowSingleCluster { selected[0] = false }
    } else {
      selected = epsilonSearch(eom, tree: tree, epsilon: epsilon, allowSingleCluster: allowSingleCluster)
    }
  }
  return selected
}

/// The leaf branch of hdbscan `get_clusters`: the leaves of the cluster tree, through
/// `epsilonSearch` when `epsilon` ≠ 0. No leaves: the library selects nothing (its root fallback
/// is overwritten).
/// - Returns: the selected clusters, as a mask over the cluster ids.
func leafClusters(_ tree: ClusterTree, allowSingleCluster: Bool, epsilon: Double) -> [Bool] {
  let leaves = getClusterTreeLeaves(tree)
  if epsilon != 0 {
    return epsilonSearch(leaves, tree: tree, epsilon: epsilon, allowSingleCluster: allowSingleCluster)
  }
  var selected = [Bool](repeating: false, count: tree.count)
  for l in leaves { selected[l] = true }
  return selected
}

/// hdbscan `do_labelling`: the selected clusters in id order become labels 0..<k; a point
/// belongs to its nearest selected ancestor cluster (the library's union-find), the root only in
/// the single-cluster case (and then only if its λ reaches 1/epsilon, or the root's largest λ).
/// - Returns: each point's label (−1 for noise), and the cluster id (from 0) of each label.
func doLabelling(_ tree: ClusterTree, selected: [Bool], allowSingleCluster: Bool, epsilon: Double)
  -> (labels: [Int], clusterIds: [Int])
{
  let nc = tree.count
  var labelOf = [Int](repeating: -1, count: nc)
  var k = 0
  for c in 0..<nc where selected[c] { labelOf[c] = k; k += 1 }
  var rep = [Int](repeating: 0, count: nc)
  for c in 0..<nc { rep[c] = selected[c] || c == 0 ? c : rep[tree.parent[c]] }
  var labels = [Int](repeating: -1, count: tree.n)
  for i in 0..<tree.n {
    let r = rep[tree.pointParent[i]]
    if r == 0 {
      if selected[0] && k == 1 && allowSingleCluster {
        let lambda = tree.pointLambda[i]
        let ok = epsilon != 0 ? lambda >= 1.0 / epsilon : lambda >= tree.rootMaxLambda
        labels[i] = ok ? labelOf[0] : -1
      }
    } else {
      labels[i] = labelOf[r]
    }
  }
  var clusterIds = [Int](repeating: 0, count: k)
  for c in 0..<nc where selected[c] { clusterIds[labelOf[c]] = c }
  return (labels, clusterIds)
}

/// hdbscan `get_probabilities`: λ_p / (largest λ of the rows of the point's cluster), clipped to
/// 1; 1 when that λ is 0 or the point's λ is infinite; 0 for noise.
func getProbabilities(_ tree: ClusterTree, labels: [Int], clusterIds: [Int]) -> [Double] {
  var probabilities = [Double](repeating: 0, count: tree.n)
  for i in 0..<tree.n where labels[i] >= 0 {
    let death = tree.deaths[clusterIds[labels[i]]]
    let l = tree.pointLambda[i]
    if death == 0 || !l.isFinite {
      probabilities[i] = 1
    } else {
      probabilities[i] = min(l, death) / death
    }
  }
  return probabilities
}

/// hdbscan `outlier_scores` (GLOSH): (λ_max − λ_p) / λ_max, λ_max the largest λ in the subtree of
/// the point's cluster.
func outlierScores(_ tree: ClusterTree) -> [Double] {
  var subtreeMax = tree.deaths
  for c in stride(from: tree.count - 1, through: 1, by: -1) {
    let p = tree.parent[c]
    if subtreeMax[c] > subtreeMax[p] { subtreeMax[p] = subtreeMax[c] }
  }
  var outlier = [Double](repeating: 0, count: tree.n)
  for i in 0..<tree.n {
    let lmax = subtreeMax[tree.pointParent[i]]
    let l = tree.pointLambda[i]
    if lmax == 0 || !l.isFinite {
      outlier[i] = 0
    } else if !lmax.isFinite {
      outlier[i] = 1  // the limit of (λ_max − λ)/λ_max; the library divides ∞ by ∞ here
    } else {
      outlier[i] = (lmax - l) / lmax
    }
  }
  return outlier
}

/// hdbscan `get_stability_scores` (`cluster_persistence_`): each selected cluster's stability /
/// (its number of points · the largest λ of the tree); 1 if that λ is ∞ or 0, or the cluster has
/// no point.
func getStabilityScores(_ tree: ClusterTree, labels: [Int], clusterIds: [Int], stability: [Double]) -> [Double] {
  let k = clusterIds.count
  var sizes = [Int](repeating: 0, count: k)
  for l in labels where l >= 0 { sizes[l] += 1 }
  var persistence = [Double](repeating: 1, count: k)
  for j in 0..<k {
    if tree.maxLambda.isInfinite || tree.maxLambda == 0 || sizes[j] == 0 { continue }
    persistence[j] = stability[clusterIds[j]] / (Double(sizes[j]) * tree.maxLambda)
  }
  return persistence
}
