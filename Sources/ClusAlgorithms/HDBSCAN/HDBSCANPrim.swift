// Exact mutual reachability MST by brute force for any metric: core distances and Prim's
// algorithm on the implicit complete graph, as hdbscan's `mst_linkage_core_vector` (O(n²)
// distance evaluations, O(n) memory). Used for cosine / correlation data with zero rows, and as
// the independent reference of the tests.

/// Core distances by brute force (the (min_samples + 1)-th smallest distance including the point
/// itself) and Prim's MST from point 0 (ties: the smallest index).
func primMST(
  _ x: Matrix, minSamples: Int, alpha: Double, metric: Metric, context: RunContext
) throws -> ([HDBSCANEdge], [Double]) {
  let d = x.cols
  return try x.data.withUnsafeBufferPointer { xp in
    let xb = xp.baseAddress!
    return try primMST(n: x.rows, minSamples: minSamples, alpha: alpha, context: context) { i, j in
      metric.distance(xb + i * d, xb + j * d, d)
    }
  }
}

/// `primMST` of sparse rows (`Metric.distance` on them: the dense rows' distances bit for bit).
func primMST(
  _ x: SparseMatrix, minSamples: Int, alpha: Double, metric: Metric, context: RunContext
) throws -> ([HDBSCANEdge], [Double]) {
  try primMST(n: x.rows, minSamples: minSamples, alpha: alpha, context: context) { i, j in metric.distance(x, i, j) }
}

/// `primMST` over points `0..<n` whose distances `distance(i, j)` gives (symmetric, called from
/// several threads at once).
func primMST(
  n: Int, minSamples: Int, alpha: Double, context: RunContext, distance: (Int, Int) -> Double
) throws -> ([HDBSCANEdge], [Double]) {
  let k = minSamples + 1
  var core = [Double](repeating: 0, count: n)
  let token = context.cancellation
  var cancelled = false
  context.progress.begin("hdbscan core distances", total: n)
  do {
    core.withUnsafeMutableBufferPointer { cp in
      let cb = cp.baseAddress!
      parallelChunks(count: n, chunkSize: 64, threads: context.threads) { _, rows in
        if token.isCancelled { cancelled = true; return }
        let heap = UnsafeMutablePointer<Double>.allocate(capacity: k)  // max-heap of the k smallest
        defer { heap.deallocate() }
        for i in rows {
          for t in 0..<k { heap[t] = .infinity }
          for j in 0..<n {
            let v = i == j ? 0 : distance(i, j)
            if v < heap[0] { maxHeapSiftDown(heap, nil, count: k, v, 0) }
          }
          cb[i] = heap[0]
        }
      }
    }
  }
  context.progress.end()
  if cancelled { throw AlgorithmError.cancelled }

  var edges = [HDBSCANEdge]()
  edges.reserveCapacity(n - 1)
  var inTree = [Bool](repeating: false, count: n)
  var curDist = [Double](repeating: .infinity, count: n)
  var curSrc = [Int32](repeating: 0, count: n)
  let chunk = 2048
  let nChunks = chunkCount(n, chunk)
  var chunkBest = [Double](repeating: .infinity, count: nChunks)
  var chunkNode = [Int](repeating: -1, count: nChunks)
  context.progress.begin("hdbscan spanning tree", total: n - 1)
  var current = 0
  do {
    try core.withUnsafeBufferPointer { cp in
      try inTree.withUnsafeMutableBufferPointer { itp in
        try curDist.withUnsafeMutableBufferPointer { cdp in
          try curSrc.withUnsafeMutableBufferPointer { csp in
            try chunkBest.withUnsafeMutableBufferPointer { cbp in
              try chunkNode.withUnsafeMutableBufferPointer { cnp in
                let cb = cp.baseAddress!, IT = itp.baseAddress!
                let CD = cdp.baseAddress!, CS = csp.baseAddress!, CB = cbp.baseAddress!, CN = cnp.baseAddress!
                for step in 1..<n {
                  IT[current] = true
                  let cc = cb[current]
                  let cur = current
                  let threads = n > 4096 ? context.threads : 1
                  parallelChunks(count: n, chunkSize: chunk, threads: threads) { ci, js in
                    var best = Double.infinity, node = -1
                    for j in js where !IT[j] {
                      var v = distance(cur, j)
                      if alpha != 1 { v /= alpha }
                      let w = max(v, cc, cb[j])
                      if w < CD[j] { CD[j] = w; CS[j] = Int32(cur) }
                      if CD[j] < best { best = CD[j]; node = j }
                    }
                    CB[ci] = best; CN[ci] = node
                  }
                  var best = Double.infinity, node = -1
                  for ci in 0..<nChunks where CN[ci] >= 0 && CB[ci] < best { best = CB[ci]; node = CN[ci] }
                  if node < 0 {  // only infinite weights left: take the first remaining point
                    node = (0..<n).first { !IT[$0] }!
                  }
                  edges.append(HDBSCANEdge(a: CS[node], b: Int32(node), weight: CD[node]))
                  current = node
                  if step % 1024 == 0 {
                    try token.check()
                    context.progress.update(step)
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
  return (edges, core)
}
