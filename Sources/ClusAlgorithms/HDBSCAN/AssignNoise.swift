// Noise points given a cluster after the fit, as BERTopic's `reduce_outliers` strategies do for topics:
// the cluster of the nearest clustered point ("embeddings"-like), or the strongest soft membership
// ("distributions"-like).

/// How `HDBSCANModel.assignNoise` chooses a noise point's cluster.
public enum NoiseAssignment: String, Sendable, CaseIterable {
  /// The label of the nearest clustered training point (the model's metric; the smaller index among
  /// equally near points).
  case nearest
  /// The cluster of the largest soft membership (`allPointsMembershipVectors`; the smaller cluster
  /// among equal memberships).
  case membership
}

extension HDBSCANModel {
  /// Every training point's label with each noise point (−1) given a cluster by `strategy`; clustered
  /// points keep theirs.
  /// - Returns: n labels, none −1, and how many points moved out of noise.
  /// - Throws: `AlgorithmError.invalidInput` when every point is noise (no cluster to assign to);
  ///   `.cancelled`.
  public func assignNoise(strategy: NoiseAssignment, context: RunContext = RunContext()) throws -> (labels: [Int], moved: Int) {
    var labels = result.labels
    let noise = labels.indices.filter { labels[$0] < 0 }
    if noise.isEmpty { return (labels, 0) }
    let clustered = labels.indices.filter { labels[$0] >= 0 }
    guard !clustered.isEmpty else {
      throw AlgorithmError.invalidInput("every point is noise: there is no cluster to assign the noise to")
    }
    switch strategy {
    case .nearest:
      let knn = try exactCrossKNN(trainingData.gatheringRows(noise), reference: trainingData.gatheringRows(clustered), k: 1,
                                  metric: parameters.metric, context: context)
      for (r, i) in noise.enumerated() { labels[i] = result.labels[clustered[Int(knn.indices[r])]] }
    case .membership:
      let m = allPointsMembershipVectors()
      for i in noise {
        var best = 0
        for c in 1..<m.cols where m[i, c] > m[i, best] { best = c }
        labels[i] = best
      }
    }
    return (labels, noise.count)
  }
}
