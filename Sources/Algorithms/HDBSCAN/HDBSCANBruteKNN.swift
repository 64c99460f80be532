// Exact k nearest neighbours (euclidean) for higher dimensions by blocked Float32 GEMM tiles
// (‖y‖² − 2x·y ranks the candidates of row x), with an exact Double recomputation of the
// candidates and a per-row certificate; rows that fail the certificate are scanned exactly.

/// For each of the n points (n × d, row-major, Double `pts`), the k nearest points including
/// itself: reduced (squared) distances ascending in `knnR` and their indices in `knnI` (n × k),
/// the k-th squared distance in `coreR`. Deterministic for any thread count.
func sgemmKNN(
  pts: [Double], n: Int, d: Int, k: Int, threads: Int, token: CancellationToken, progress: ProgressSink
) throws -> (coreR: [Double], knnI: [Int32], knnR: [Double]) {
  let extraCandidates = 8
  let kk = min(n, k + extraCandidates)
  var f = [Float](repeating: 0, count: n * d)
  var norms = [Float](repeating: 0, count: n)
  var maxNorm: Float = 0
  for i in 0..<n {
    var s: Float = 0
    for j in 0..<d { let v = Float(pts[i * d + j]); f[i * d + j] = v; s += v * v }
    norms[i] = s
    maxNorm = max(maxNorm, s)
  }
  var coreR = [Double](repeating: 0, count: n)
  var knnI = [Int32](repeating: -1, count: n * k)
  var knnR = [Double](repeating: .infinity, count: n * k)
  let qb = 128, rb = 2048
  // error bound of the Float32 value ‖x‖² + ‖y‖² − 2x·y (each term has relative error ≤ (d+2)u)
  let gamma = 4.0 * Double(d + 2) * Double(Float.ulpOfOne)
  let savedBLAS = BLAS.threads
  BLAS.setThreads(1)
  defer { BLAS.setThreads(savedBLAS) }
  var cancelled = false
  let counter = AtomicCounter()
  progress.begin("hdbscan core distances", total: n)
  f.withUnsafeBufferPointer { fp in
    norms.withUnsafeBufferPointer { np in
      pts.withUnsafeBufferPointer { pp in
        coreR.withUnsafeMutableBufferPointer { crp in
          knnI.withUnsafeMutableBufferPointer { kip in
            knnR.withUnsafeMutableBufferPointer { krp in
              let F = fp.baseAddress!, NR = np.baseAddress!, P = pp.baseAddress!
              let CR = crp.baseAddress!, KI = kip.baseAddress!, KR = krp.baseAddress!
              parallelChunks(count: n, chunkSize: qb, threads: threads) { _, rows in
                if token.isCancelled { cancelled = true; return }
                let m = rows.count
                var tile = [Float](repeating: 0, count: qb * rb)
                var heapV = [Float](repeating: .infinity, count: qb * kk)  // max-heaps per row
                var heapI = [Int32](repeating: -1, count: qb * kk)
                var exact = [(Double, Int32)]()
                exact.reserveCapacity(kk)
                tile.withUnsafeMutableBufferPointer { tp in
                heapV.withUnsafeMutableBufferPointer { hvp in
                heapI.withUnsafeMutableBufferPointer { hip in
                  let T = tp.baseAddress!, HV = hvp.baseAddress!, HI = hip.baseAddress!
                  var r0 = 0
                  while r0 < n {
                    let rc = min(rb, n - r0)
                    BLAS.sgemm(m: m, n: rc, k: d, a: F + rows.lowerBound * d, lda: d, b: F + r0 * d, ldb: d,
                               transB: true, c: T, ldc: rb)
                    for qi in 0..<m {
                      let hv = HV + qi * kk, hi = HI + qi * kk
                      let row = T + qi * rb
                      var thr = hv[0]
                      let nr = NR + r0
                      var j0 = 0
                      // 8 candidates at a time; most blocks hold none below the current threshold
                      while j0 + 8 <= rc {
                        let t8 = UnsafeRawPointer(row + j0).loadUnaligned(as: SIMD8<Float>.self)
                        let n8 = UnsafeRawPointer(nr + j0).loadUnaligned(as: SIMD8<Float>.self)
                        let v8 = n8 - 2 * t8
                        if any(v8 .< SIMD8<Float>(repeating: thr)) {
                          for u in 0..<8 where v8[u] < thr {
                            let v = v8[u]
                            let j = j0 + u
                            var a = 0
                            while true {
                              let c1 = 2 * a + 1
                              if c1 >= kk { break }
                              var c = c1
                              if c1 + 1 < kk && hv[c1 + 1] > hv[c1] { c = c1 + 1 }
                              if hv[c] <= v { break }
                              hv[a] = hv[c]; hi[a] = hi[c]; a = c
                            }
                            hv[a] = v; hi[a] = Int32(r0 + j)
                            thr = hv[0]
                          }
                        }
                        j0 += 8
                      }
                      for j in j0..<rc {
                        let v = NR[r0 + j] - 2 * row[j]
                        if v < thr {
                          // replace the max, sift down
                          var a = 0
                          while true {
                            let c1 = 2 * a + 1
                            if c1 >= kk { break }
                            var c = c1
                            if c1 + 1 < kk && hv[c1 + 1] > hv[c1] { c = c1 + 1 }
                            if hv[c] <= v { break }
                            hv[a] = hv[c]; hi[a] = hi[c]; a = c
                          }
                          hv[a] = v; hi[a] = Int32(r0 + j)
                          thr = hv[0]
                        }
                      }
                    }
                    r0 += rc
                  }
                  for qi in 0..<m {
                    let p = rows.lowerBound + qi
                    let a = P + p * d
                    let hv = HV + qi * kk, hi = HI + qi * kk
                    exact.removeAll(keepingCapacity: true)
                    for t in 0..<kk where hi[t] >= 0 {
                      let q = Int(hi[t])
                      var s = 0.0
                      let b = P + q * d
                      for j in 0..<d { let u = a[j] - b[j]; s += u * u }
                      exact.append((s, hi[t]))
                    }
                    exact.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                    // certificate: every point outside the candidates has Float value ≥ hv[0],
                    // so its exact squared distance ≥ hv[0] + ‖x‖² − err.
                    let err = gamma * (Double(NR[p]) + Double(maxNorm)) * 2
                    let floor = Double(hv[0]) + Double(NR[p]) - err
                    if kk < n && !(exact[k - 1].0 < floor) {
                      // rare: scan the row exactly
                      exact.removeAll(keepingCapacity: true)
                      exact.reserveCapacity(n)
                      for q in 0..<n {
                        var s = 0.0
                        let b = P + q * d
                        for j in 0..<d { let u = a[j] - b[j]; s += u * u }
                        exact.append((s, Int32(q)))
                      }
                      exact.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                    }
                    for t in 0..<k { KR[p * k + t] = exact[t].0; KI[p * k + t] = exact[t].1 }
                    CR[p] = exact[k - 1].0
                  }
                }
                }
                }
                let done = counter.add(m)
                progress.update(done)
              }
            }
          }
        }
      }
    }
  }
  progress.end()
  if cancelled { throw AlgorithmError.cancelled }
  return (coreR, knnI, knnR)
}
