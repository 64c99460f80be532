// PCA's projection of the data on the components (scikit-learn `PCA.transform`, with `whiten`).

/// (X − μ) · componentsᵀ by blocks of rows centred in Double then rounded to Float (sgemm), optionally divided by sqrt(variance)
/// (variances below machine epsilon² are clipped as scikit-learn does), as Float n × k.
func project(
  _ x: Matrix, mean: [Double], components: [Double], k: Int, whiten: [Double]?, threads: Int
) -> Matrix {
  let n = x.rows, d = x.cols
  var out = Matrix(rows: n, cols: k)
  let nBlocks = chunkCount(n, pcaBlock)
  var whitening = [Double](repeating: 1, count: k)
  if let ev = whiten {
    for j in 0..<k { whitening[j] = 1 / Swift.max(ev[j].squareRoot(), Double.ulpOfOne) }
  }
  let scale = whitening
  // Fixed groups of blocks, each owning its scratch.
  let nGroups = Swift.min(nBlocks, 64)
  let groupRows = ((nBlocks + nGroups - 1) / nGroups) * pcaBlock
  let groups = chunkCount(n, groupRows)
  let componentsF = components.map { Float($0) }
  let blockIn = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, groups * pcaBlock * d))
  let blockOut = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, groups * pcaBlock * k))
  defer {
    blockIn.deallocate()
    blockOut.deallocate()
  }
  x.data.withUnsafeBufferPointer { xp in
    mean.withUnsafeBufferPointer { mp in
      componentsF.withUnsafeBufferPointer { cp in
        out.data.withUnsafeMutableBufferPointer { op in
          let xb = xp.baseAddress!, mb = mp.baseAddress!, cb = cp.baseAddress!, ob = op.baseAddress!
          parallelChunks(count: n, chunkSize: groupRows, threads: threads) { g, range in
            let blkIn = blockIn + g * pcaBlock * d
            let blkOut = blockOut + g * pcaBlock * k
            forEachBlock(of: range, blockRows: pcaBlock) { start, m in
              for r in 0..<m {
                let row = xb + (start + r) * d, o = blkIn + r * d
                for f in 0..<d { o[f] = Float(Double(row[f]) - mb[f]) }
              }
              Gemm.sgemmNT(m: m, n: k, k: d, a: blkIn, lda: d, b: cb, ldb: d, c: blkOut, ldc: k)
              for r in 0..<m {
                let o = ob + (start + r) * k
                for j in 0..<k { o[j] = Float(Double(blkOut[r * k + j]) * scale[j]) }
              }
            }
          }
        }
      }
    }
  }
  return out
}
