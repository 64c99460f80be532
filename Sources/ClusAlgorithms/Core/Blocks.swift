// Row passes shared by the numeric library: per-chunk partial results, column means, constant
// columns, and a row range cut into blocks.

/// Per-chunk partial results, for sums that must not depend on the thread count: cuts `0..<n`
/// into chunks of `chunkRows` rows (as `parallelChunks`) and calls `body(chunk, range, partial)` with the
/// chunk's own `width` values, zero at first (and the chunk's index).
/// - Returns: the partials, chunk after chunk (`chunkCount(n, chunkRows)` × `width`), for the
///   caller to combine in chunk order.
func chunkPartials<T: Numeric>(
  rows n: Int, width: Int, chunkRows: Int, threads: Int,
  _ body: (_ chunk: Int, _ range: Range<Int>, _ partial: UnsafeMutablePointer<T>) -> Void
) -> [T] {
  var partials = [T](repeating: 0, count: chunkCount(n, chunkRows) * width)
  partials.withUnsafeMutableBufferPointer { pp in
    guard let pb = pp.baseAddress else { return }
    parallelChunks(count: n, chunkSize: chunkRows, threads: threads) { c, range in body(c, range, pb + c * width) }
  }
  return partials
}

/// Column means of the n × d row-major Float rows at `x`, in Double: per-chunk sums
/// (`chunkPartials`) added in chunk order, divided by n. The result depends on `chunkRows`, never
/// on `threads`.
/// - Returns: d means (NaN for n = 0).
func columnMeans(_ x: UnsafePointer<Float>, rows n: Int, cols d: Int, chunkRows: Int, threads: Int) -> [Double] {
  let partial: [Double] = chunkPartials(rows: n, width: d, chunkRows: chunkRows, threads: threads) { _, range, s in
    for i in range {
      let row = x + i * d
      for f in 0..<d { s[f] += Double(row[f]) }
    }
  }
  var mean = [Double](repeating: 0, count: d)
  for c in 0..<chunkCount(n, chunkRows) { for f in 0..<d { mean[f] += partial[c * d + f] } }
  for f in 0..<d { mean[f] /= Double(n) }
  return mean
}

/// Which columns of the n × d row-major Float rows at `x` are not constant: hold some value
/// different from row 0's. The answer depends on neither `chunkRows` nor `threads`.
func varyingColumns(_ x: UnsafePointer<Float>, rows n: Int, cols d: Int, chunkRows: Int, threads: Int) -> [Bool] {
  let differs: [UInt8] = chunkPartials(rows: n, width: d, chunkRows: chunkRows, threads: threads) { _, range, flags in
    for i in range {
      let row = x + i * d
      for f in 0..<d where row[f] != x[f] { flags[f] = 1 }
    }
  }
  var varying = [Bool](repeating: false, count: d)
  for c in 0..<chunkCount(n, chunkRows) { for f in 0..<d where differs[c * d + f] != 0 { varying[f] = true } }
  return varying
}

/// Cuts `range` into consecutive blocks of `blockRows` rows (the last may be shorter) and calls
/// `body(start, count)` for each, in order.
@inline(__always)
func forEachBlock(of range: Range<Int>, blockRows: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
  var start = range.lowerBound
  while start < range.upperBound {
    let count = Swift.min(blockRows, range.upperBound - start)
    body(start, count)
    start += count
  }
}
