// Bounded max-heaps that keep the k smallest values seen (the candidate lists of the neighbour
// searches and of the core distances). Two orders, as their callers need:
// - (value, index): among equal values the larger index is "worse" and leaves first, so the kept
//   set does not depend on the order of the offers (the exact and GEMM kNN);
// - value only: the first of equal values stays (the KD-tree walks and Prim's core distances,
//   which visit points in a fixed order).

/// Pushes (v, j) into the bounded max-heap `keys`/`ids` holding `count` of at most `cap`
/// entries, ordered by (value, index).
@inline(__always)
func boundedHeapPush(
  _ keys: UnsafeMutablePointer<Float>, _ ids: UnsafeMutablePointer<Int32>, _ count: inout Int, _ cap: Int,
  _ v: Float, _ j: Int32
) {
  if count < cap {
    // sift up
    var c = count
    count += 1
    while c > 0 {
      let p = (c - 1) >> 1
      if keys[p] > v || (keys[p] == v && ids[p] > j) { break }
      keys[c] = keys[p]; ids[c] = ids[p]
      c = p
    }
    keys[c] = v; ids[c] = j
    return
  }
  heapReplaceTop(keys, ids, cap, v, j)
}

/// Offers (v, j) to the full max-heap `keys`/`ids` of `cap` entries ordered by (value, index):
/// when it is smaller than the top, it replaces the top, which sifts down.
@inline(__always)
func heapReplaceTop(
  _ keys: UnsafeMutablePointer<Float>, _ ids: UnsafeMutablePointer<Int32>, _ cap: Int, _ v: Float, _ j: Int32
) {
  if v > keys[0] || (v == keys[0] && j >= ids[0]) { return }
  var c = 0
  while true {
    let l = 2 * c + 1
    if l >= cap { break }
    var w = l
    let r = l + 1
    if r < cap && (keys[r] > keys[l] || (keys[r] == keys[l] && ids[r] > ids[l])) { w = r }
    if keys[w] < v || (keys[w] == v && ids[w] < j) { break }
    keys[c] = keys[w]; ids[c] = ids[w]
    c = w
  }
  keys[c] = v; ids[c] = j
}

/// Puts (v, id) at the top of the max-heap `values[0..<count]` (ordered by value only) and sifts
/// it down; `ids`, when given, moves along. The caller has checked that v is below the top, or
/// is refilling the heap after taking its top away.
@inline(__always)
func maxHeapSiftDown(
  _ values: UnsafeMutablePointer<Double>, _ ids: UnsafeMutablePointer<Int32>?, count: Int, _ v: Double, _ id: Int32
) {
  var i = 0
  while true {
    let c1 = 2 * i + 1
    if c1 >= count { break }
    var c = c1
    if c1 + 1 < count && values[c1 + 1] > values[c1] { c = c1 + 1 }
    if values[c] <= v { break }
    values[i] = values[c]
    if let ids = ids { ids[i] = ids[c] }
    i = c
  }
  values[i] = v
  if let ids = ids { ids[i] = id }
}
