/// ClusAlgorithms: clus's numeric library (UMAP, HDBSCAN, K-Means, PCA, nearest neighbours, scores).
///
/// It knows nothing of the clus language; every entry point takes a `Matrix` (n × d Float32,
/// row-major), a parameter struct named as in umap-learn / hdbscan / scikit-learn, and a
/// `RunContext` (threads, cancellation, progress, warnings).
public enum AlgorithmsInfo {
  /// The library version, shown by `clus --version`.
  public static let version = "0.1.0"
}
