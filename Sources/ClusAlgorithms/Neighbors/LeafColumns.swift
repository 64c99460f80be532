import CGemmKernels

/// The points of a `KDTreeIndex` stored column by column, unit after unit (n × d Double): a unit is
/// a node of at most `unit` points whose parent has more (a leaf when `unit` is the largest leaf's
/// size), and coordinate j of tree position t, in the unit of positions s..<e, is at
/// `values[s·d + j·(e − s) + (t − s)]`. A self-join's search then scans a whole unit at once: the
/// squared euclidean distances several points at a time (`clus_leaf_sqdist_within`, 2 a time; with
/// AVX 4), each with exactly `EuclideanKD.rdist`'s arithmetic, and only the points within the
/// current bound offered (the others would be refused), so the candidates and every result are the
/// same bits as one point at a time. Built for one search (8·d bytes a point) and freed after it.
final class LeafColumns {
  let values: UnsafeMutablePointer<Double>
  let d: Int
  /// A node of at most this many points is scanned whole.
  let unit: Int
  /// The most points of any unit (the size of a worker's buffers).
  let widest: Int

  /// Copies `tree`'s points unit by unit, in parallel over the units.
  init(_ tree: KDTreeIndex, unit: Int, threads: Int) {
    let n = tree.n, d = tree.d
    self.d = d
    self.unit = unit
    values = .allocate(capacity: max(1, n * d))
    let ST = tree.start, EN = tree.end, LE = tree.left, RI = tree.right
    var units = [Int32]()
    var stack: [Int32] = [0]
    while let v = stack.popLast() {
      let i = Int(v)
      if LE[i] < 0 || Int(EN[i] - ST[i]) <= unit { units.append(v) } else { stack.append(RI[i]); stack.append(LE[i]) }
    }
    var most = 1
    for v in units { most = max(most, Int(EN[Int(v)] - ST[Int(v)])) }
    widest = most
    let V = values, P = UnsafePointer(tree.pts)
    units.withUnsafeBufferPointer { up in
      parallelChunks(count: up.count, chunkSize: 1024, threads: threads) { _, range in
        for u in range {
          let v = Int(up[u])
          let s = Int(ST[v]), m = Int(EN[v]) - s
          let block = V + s * d
          for t in 0..<m {
            for j in 0..<d { block[j * m + t] = P[(s + t) * d + j] }
          }
        }
      }
    }
  }

  deinit { values.deallocate() }

  /// Whether `metric`'s reduced distance is the squared euclidean one these distances reproduce.
  static func serves<M: KDMetric>(_ metric: M) -> Bool { metric is EuclideanKD || metric is EuclideanKD2 }
}

/// One worker's use of `LeafColumns`: its pointer and sizes (no reference to the shared object, so
/// no reference counting in the search's loop) and buffers for one unit's distances.
struct LeafScan {
  let values: UnsafePointer<Double>
  let d: Int
  /// A node of at most this many points is scanned whole (`LeafColumns.unit`).
  let unit: Int
  let avx: Bool
  let dist: UnsafeMutablePointer<Double>
  let index: UnsafeMutablePointer<Int32>

  static func allocate(_ columns: LeafColumns) -> LeafScan {
    LeafScan(values: UnsafePointer(columns.values), d: columns.d, unit: columns.unit, avx: Gemm.avx,
             dist: .allocate(capacity: columns.widest), index: .allocate(capacity: columns.widest))
  }
  func deallocate() { dist.deallocate(); index.deallocate() }

  /// Offers the points of the unit s..<e within `candidates.bound` of `q`, in position order.
  @inline(__always)
  func offerUnit<C: KDCandidates>(_ q: UnsafePointer<Double>, _ s: Int, _ e: Int, _ candidates: inout C) {
    let block = values + s * d
    let c = avx ? clus_leaf_sqdist_within_avx(block, e - s, d, q, candidates.bound, dist, index)
      : clus_leaf_sqdist_within(block, e - s, d, q, candidates.bound, dist, index)
    for i in 0..<c { candidates.offer(dist[i], s + Int(index[i])) }
  }
}
