/// A candidate improvement of the graph: `src` may become a neighbour of `dest` at reduced distance `d`.
struct GraphUpdate {
  var dest: Int32
  var src: Int32
  var d: Float
}

/// The working graph of NN-descent: for every point, its `m` best other points found so far,
/// sorted ascending by (reduced distance, index), with a "new" flag per entry (Dong et al. 2011).
/// Missing entries are index −1, distance +∞; an index is never present twice.
final class NeighborGraphState {
  let n: Int
  let m: Int
  let idx: UnsafeMutablePointer<Int32>
  let dist: UnsafeMutablePointer<Float>
  let flag: UnsafeMutablePointer<UInt8>

  init(n: Int, m: Int) {
    self.n = n
    self.m = m
    idx = .allocate(capacity: max(1, n * m))
    dist = .allocate(capacity: max(1, n * m))
    flag = .allocate(capacity: max(1, n * m))
    idx.initialize(repeating: -1, count: max(1, n * m))
    dist.initialize(repeating: .infinity, count: max(1, n * m))
    flag.initialize(repeating: 0, count: max(1, n * m))
  }

  deinit {
    idx.deallocate()
    dist.deallocate()
    flag.deallocate()
  }

  /// The largest reduced distance kept for `p` (+∞ while the row is not full).
  @inline(__always) func threshold(_ p: Int) -> Float { dist[p &* m &+ m &- 1] }

  /// Offers `q` at reduced distance `d` to row `p`; returns whether the row changed.
  @inline(__always) func insert(_ p: Int, _ q: Int32, _ d: Float) -> Bool {
    let row = p &* m
    let last = row &+ m &- 1
    let dl = dist[last]
    if d > dl { return false }
    if d == dl {
      let il = idx[last]
      if il >= 0 && q >= il { return false }
    }
    // q may already be present (possibly with a slightly different Float distance when it was
    // computed from a Gram matrix in another block)
    for s in 0..<m where idx[row &+ s] == q { return false }
    // position: after every entry with key ≤ (d, q)
    var s = m &- 1
    while s > 0 {
      let ds = dist[row &+ s &- 1]
      if ds < d { break }
      if ds == d {
        let iv = idx[row &+ s &- 1]
        if iv >= 0 && iv <= q { break }
      }
      s &-= 1
    }
    var t = m &- 1
    while t > s {
      dist[row &+ t] = dist[row &+ t &- 1]
      idx[row &+ t] = idx[row &+ t &- 1]
      flag[row &+ t] = flag[row &+ t &- 1]
      t &-= 1
    }
    dist[row &+ s] = d
    idx[row &+ s] = q
    flag[row &+ s] = 1
    return true
  }
}

/// Per-chunk update lists, then a deterministic parallel application: updates are bucketed by
/// destination row (counting sort in chunk order), and every bucket applies its updates in
/// (chunk, generation) order. The result is independent of the number of threads.
final class UpdateApplier {
  let n: Int
  let shift: Int
  let nBuckets: Int
  private(set) var buffers: UnsafeMutablePointer<[GraphUpdate]>
  private(set) var capacity: Int
  private var sorted: UnsafeMutablePointer<GraphUpdate>
  private var sortedCap: Int

  init(n: Int, maxChunks: Int) {
    self.n = n
    var s = 0
    while (n >> s) > 256 { s += 1 }
    shift = s
    nBuckets = (max(n, 1) - 1) >> s + 1
    capacity = max(1, maxChunks)
    buffers = .allocate(capacity: capacity)
    buffers.initialize(repeating: [], count: capacity)
    sortedCap = 1
    sorted = .allocate(capacity: 1)
  }

  deinit {
    buffers.deinitialize(count: capacity)
    buffers.deallocate()
    sorted.deallocate()
  }

  /// Clears the first `count` chunk buffers (keeping their storage).
  func reset(_ count: Int) {
    for c in 0..<count { buffers[c].removeAll(keepingCapacity: true) }
  }

  /// Applies the updates of chunks `0..<nChunks` to `graph`; returns the number of row changes.
  func apply(_ nChunks: Int, to graph: NeighborGraphState, threads: Int) -> Int {
    let nb = nBuckets
    var counts = [Int](repeating: 0, count: nChunks * nb)
    forEachUpdate(nChunks, &counts, threads: threads) { row, b, _ in row[b] += 1 }
    // bucket-major offsets
    var bucketStart = [Int](repeating: 0, count: nb + 1)
    var total = 0
    for b in 0..<nb {
      bucketStart[b] = total
      for c in 0..<nChunks {
        let v = counts[c * nb + b]
        counts[c * nb + b] = total
        total += v
      }
    }
    bucketStart[nb] = total
    if total == 0 { return 0 }
    if total > sortedCap {
      sorted.deallocate()
      sortedCap = max(total, sortedCap * 3 / 2)
      sorted = .allocate(capacity: sortedCap)
    }
    let out = sorted
    forEachUpdate(nChunks, &counts, threads: threads) { off, b, u in
      out[off[b]] = u
      off[b] += 1
    }
    var changed = [Int](repeating: 0, count: nb)
    changed.withUnsafeMutableBufferPointer { chp in
      let chb = chp.baseAddress!
      bucketStart.withUnsafeBufferPointer { bsp in
        let bs = bsp.baseAddress!
        parallelChunks(count: nb, chunkSize: 1, threads: threads) { b, _ in
          var c = 0
          for t in bs[b]..<bs[b + 1] {
            let u = out[t]
            if graph.insert(Int(u.dest), u.src, u.d) { c += 1 }
          }
          chb[b] = c
        }
      }
    }
    return changed.reduce(0, +)
  }

  /// Runs `body(row, bucket, update)` for every update of chunks `0..<nChunks` in generation
  /// order, in parallel over the chunks: `row` is the chunk's row of `table` (nChunks × buckets),
  /// `bucket` the update's destination bucket.
  @inline(__always)
  private func forEachUpdate(
    _ nChunks: Int, _ table: inout [Int], threads: Int,
    _ body: (_ row: UnsafeMutablePointer<Int>, _ bucket: Int, _ update: GraphUpdate) -> Void
  ) {
    let nb = nBuckets, sh = shift, bufs = buffers
    table.withUnsafeMutableBufferPointer { tp in
      let tb = tp.baseAddress!
      parallelChunks(count: nChunks, chunkSize: 1, threads: threads) { c, _ in
        let row = tb + c * nb
        bufs[c].withUnsafeBufferPointer { up in
          for u in up { body(row, Int(u.dest) >> sh, u) }
        }
      }
    }
  }
}
