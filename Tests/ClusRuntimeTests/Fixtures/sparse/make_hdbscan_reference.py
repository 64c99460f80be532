"""HDBSCAN reference labels on the sparse TF-IDF topics matrix (data/topics_tfidf.npz).

Made with: Python 3.11.7, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1, hdbscan 0.8.44
(joblib as installed with it).   Run from anywhere: python3 make_hdbscan_reference.py   (seconds)
Writes hdbscan_cosine_topics.json next to this script.  Deterministic (HDBSCAN has no randomness).

Input: data/topics_tfidf.npz, 1186 x 3303 CSR float32 (TfidfVectorizer, norm="l2", so every row
has unit L2 norm up to float32 rounding; see examples/reference/make_topics.py).

What the library does with it (hdbscan 0.8.44):
  * hdbscan.HDBSCAN(metric="cosine", min_cluster_size=15).fit(X) on the float32 CSR matrix is
    ACCEPTED by the front end (sparse input forces the "generic" algorithm: sklearn
    pairwise_distances -> dense n x n matrix -> mutual reachability -> Prim MST), but then FAILS in
    hdbscan._hdbscan_linkage.mst_linkage_core with
        ValueError: Buffer dtype mismatch, expected 'double_t' but got 'float'
    because pairwise_distances keeps float32 for float32 input.  (The dense float32 array with
    algorithm="generic" fails the same way.)  So the sparse float32 path is unusable as is.
  * The brief's fallback: the dense float64 copy (X.toarray().astype(float64)) with
    algorithm="generic".  THE LABELS STORED come from this run.
  * Cross-check: the same sparse matrix cast to float64 (X.astype(float64), still CSR, so still the
    library's sparse/generic path) gives IDENTICAL labels; the script asserts this.
  * metric="euclidean", algorithm="generic" on the dense float64 copy is recorded too.  Because the
    rows are L2-normalised, ||a-b||^2 = 2 (1 - cos(a,b)), a monotone function of the cosine
    distance, so the MST, the tree and the labels are expected to be the same as for cosine (the
    script reports whether they are).

JSON layout: top level = the headline run (cosine, min_cluster_size=15):
  {"labels": [...1186 ints, -1 = noise...], "n_clusters": N, "how": "...", "n_noise": k,
   "cluster_sizes": [...], "params": {...},
   "runs": [ {"metric", "min_cluster_size", "min_samples", "algorithm", "input", "labels",
              "n_clusters", "n_noise", "cluster_sizes", "how", "ari_vs_topic"} , ... ],
   "float32_sparse_error": "...", "versions": {...}}
"runs" holds cosine and euclidean for min_cluster_size 15 and 5 (min_samples defaults to
min_cluster_size; every other parameter at hdbscan's default: alpha=1.0,
cluster_selection_method="eom", allow_single_cluster=False, cluster_selection_epsilon=0).
ari_vs_topic: sklearn adjusted_rand_score against data/topics_labels.csv "topic", noise counted as
one more cluster (informational only).
"""
import csv
import importlib.metadata as md
import json
import os
import sys
import warnings

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.metrics import adjusted_rand_score

import hdbscan

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
NPZ = os.path.join(ROOT, "data", "topics_tfidf.npz")
LABELS_CSV = os.path.join(ROOT, "data", "topics_labels.csv")
OUT = os.path.join(HERE, "hdbscan_cosine_topics.json")


def summary(labels):
    n = int(labels.max()) + 1 if labels.size else 0
    sizes = [int((labels == k).sum()) for k in range(n)]
    return n, int((labels == -1).sum()), sizes


def main():
    X = sp.load_npz(NPZ)
    assert sp.issparse(X) and X.format == "csr" and X.dtype == np.float32, (X.format, X.dtype)
    dense64 = X.toarray().astype(np.float64)
    norms = np.sqrt((dense64 ** 2).sum(axis=1))
    print(f"X: {X.shape} {X.format} {X.dtype} nnz={X.nnz}; row L2 norms in "
          f"[{norms.min():.7f}, {norms.max():.7f}]")
    n_dup = X.shape[0] - len({(tuple(r.indices), tuple(r.data)) for r in X})
    print(f"exact duplicate rows: {n_dup}")

    with open(LABELS_CSV, newline="") as f:
        topics = [row["topic"] for row in csv.DictReader(f)]
    assert len(topics) == X.shape[0]

    # 1. The sparse float32 matrix as loaded (the library's generic path).
    err32 = None
    try:
        hdbscan.HDBSCAN(metric="cosine", min_cluster_size=15).fit(X)
        print("sparse float32 cosine: ACCEPTED (unexpected with hdbscan 0.8.44)")
    except Exception as e:  # noqa: BLE001
        err32 = f"{type(e).__name__}: {e}"
        print(f"sparse float32 cosine: REFUSED -> {err32}")

    runs = []
    for mcs in (15, 5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cos_dense = hdbscan.HDBSCAN(metric="cosine", min_cluster_size=mcs,
                                        algorithm="generic").fit(dense64).labels_
            cos_sparse64 = hdbscan.HDBSCAN(metric="cosine", min_cluster_size=mcs
                                           ).fit(X.astype(np.float64)).labels_
            euc_dense = hdbscan.HDBSCAN(metric="euclidean", min_cluster_size=mcs,
                                        algorithm="generic").fit(dense64).labels_
        assert np.array_equal(cos_dense, cos_sparse64), "sparse float64 != dense float64 (cosine)"
        same_as_cos = bool(np.array_equal(cos_dense, euc_dense))
        for metric, labels, how in (
            ("cosine", cos_dense,
             "float32 CSR refused by hdbscan (" + (err32 or "no error") + "); labels from the dense "
             "float64 copy with algorithm='generic'; X.astype(float64) as CSR (sparse generic path) "
             "gives identical labels"),
            ("euclidean", euc_dense,
             "dense float64 copy, algorithm='generic'; identical to the cosine labels: "
             + str(same_as_cos)),
        ):
            n, noise, sizes = summary(labels)
            ari = adjusted_rand_score(topics, labels)
            runs.append({
                "metric": metric, "min_cluster_size": mcs, "min_samples": mcs,
                "algorithm": "generic", "input": "dense float64 copy of topics_tfidf.npz",
                "labels": [int(v) for v in labels], "n_clusters": n, "n_noise": noise,
                "cluster_sizes": sizes, "how": how, "ari_vs_topic": round(float(ari), 6),
            })

    print()
    print(f"{'metric':<10} {'mcs':>4} {'clusters':>8} {'noise':>6} {'ARI vs topic':>12}  sizes")
    for r in runs:
        print(f"{r['metric']:<10} {r['min_cluster_size']:>4} {r['n_clusters']:>8} {r['n_noise']:>6} "
              f"{r['ari_vs_topic']:>12.4f}  {r['cluster_sizes']}")

    head = runs[0]
    out = {
        "labels": head["labels"], "n_clusters": head["n_clusters"], "how": head["how"],
        "n_noise": head["n_noise"], "cluster_sizes": head["cluster_sizes"],
        "params": {"metric": "cosine", "min_cluster_size": 15, "min_samples": 15,
                   "algorithm": "generic", "alpha": 1.0, "cluster_selection_method": "eom"},
        "float32_sparse_error": err32,
        "runs": runs,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
                     "hdbscan": md.version("hdbscan")},
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
