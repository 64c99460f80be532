// Three Gaussian blobs in the plane, clustered with K-Means and HDBSCAN from ClusAlgorithms; prints the
// labels and how well each clustering agrees with the blobs (adjusted Rand index).
import ClusAlgorithms

let centres: [(Double, Double)] = [(0, 0), (8, 0), (4, 7)]
let perBlob = 20
var rng = RandomStream(seed: 42)
var data: [Float] = []
var truth: [Int] = []
for (blob, (cx, cy)) in centres.enumerated() {
  for _ in 0..<perBlob {
    data.append(Float(cx + rng.nextGaussian()))
    data.append(Float(cy + rng.nextGaussian()))
    truth.append(blob)
  }
}
let x = Matrix(rows: truth.count, cols: 2, data: data)

// a thrown error ends the program with its message and a non-zero status
let km = try kmeans(x, parameters: KMeansParameters(nClusters: 3, randomState: 0))
print("kmeans  labels:", km.labels.map(String.init).joined(separator: " "))
print("kmeans  inertia:", km.inertia, " ARI:", try adjustedRandScore(truth, km.labels))

let hd = try hdbscan(x, parameters: HDBSCANParameters(minClusterSize: 5))
print("hdbscan labels:", hd.labels.map(String.init).joined(separator: " "))
print("hdbscan clusters:", Set(hd.labels.filter { $0 >= 0 }).count, " ARI:", try adjustedRandScore(truth, hd.labels))
