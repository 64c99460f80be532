"""Reference values for clus's density-based validity scores (Sources/ClusAlgorithms/Metrics/DensityValidity.swift).

Run: python3 make_dbcv.py   (made with hdbscan 0.8.44, scikit-learn 1.9.1, numpy 2.4.6)

Data are float32 values (what clus keeps), passed to the library as float64 so that the references are the
scores of exactly the values clus reads.

validity_index cases (hdbscan.validity.validity_index(x, labels, metric, per_cluster_scores=True, mst_raw_dist)):
  blobs2d    400 x 2, 4 Gaussian blobs of different spreads (seed 0), labelled by hdbscan (noise -1 included)
  blobs5d    300 x 5, 3 blobs (seed 1), the generating labels with every 10th point made noise
  raw        blobs2d with mst_raw_dist=True
  manhattan  blobs5d with metric="cityblock" (the library hands the name to scipy's cdist, which knows
             manhattan only as cityblock; clus calls it manhattan)
  grid       integer grid points in 2-D (many equal distances: the tree's ties and the library's
             reattachment of edges decide the internal vertices), 3 clusters by position
  duplicates 3 clusters of repeated points (zero distances inside clusters)
  missing    blobs2d's labels with cluster 1 renumbered to 5 (labels 1..4 carry no point: NaN per cluster)
relative_validity cases (hdbscan.HDBSCAN(min_cluster_size, min_samples, gen_min_span_tree=True).fit(x)):
  the labels and relative_validity_ of blobs2d (min_cluster_size=15) and of blobs5d (min_cluster_size=20, min_samples=5),
  each also with cluster_selection_method="leaf" and min_samples=1 (blobs2d_leaf, blobs5d_leaf: 28 and 13 clusters;
  min_samples=1 makes every edge weight a distance, with no ties here), and blobs2d_leaf_ties: leaf selection with
  min_samples=5, where 40 of the spanning tree's 399 weights repeat one another. The library sorts the tree's edges
  with numpy's default argsort, which is not stable and orders equal weights differently with AVX-512, AVX2 and
  without either (numpy 2.4 on one machine: 17, 17 and 18 leaf clusters, three different labellings); clus sorts
  them stably. This case is therefore made by the library's own steps (its Boruvka spanning tree, label,
  condense_tree, compute_stability, get_clusters) with the edges sorted stably, and relative_validity_ of those
  labels on the library's spanning tree.
  and of one cluster with noise (allow_single_cluster=True).
"""
import json

import hdbscan
import numpy as np
from hdbscan.validity import validity_index


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def dbcv(x, labels, **kw):
    score, per = validity_index(x, np.asarray(labels, dtype=np.intp), per_cluster_scores=True, **kw)
    present = set(int(l) for l in labels if l >= 0)
    per = [float(v) if i in present else None for i, v in enumerate(per)]
    return {"x": x.tolist(), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "labels": [int(l) for l in labels],
            "metric": {"cityblock": "manhattan"}.get(kw.get("metric"), kw.get("metric", "euclidean")), "mst_raw_dist": bool(kw.get("mst_raw_dist", False)),
            "score": float(score), "per_cluster": per}


def relative_stable(x, **kw):
    from hdbscan._hdbscan_boruvka import KDTreeBoruvkaAlgorithm
    from hdbscan._hdbscan_linkage import label
    from hdbscan._hdbscan_tree import condense_tree, compute_stability, get_clusters
    from sklearn.neighbors import KDTree
    mcs = kw["min_cluster_size"]
    alg = KDTreeBoruvkaAlgorithm(KDTree(x, metric="euclidean", leaf_size=40), kw.get("min_samples", mcs),
                                 metric="euclidean", leaf_size=40 // 3, approx_min_span_tree=True)
    mst = alg.spanning_tree()
    tree = condense_tree(label(mst[np.argsort(mst.T[2], kind="stable"), :]), mcs)
    labels = get_clusters(tree, compute_stability(tree), kw["cluster_selection_method"], False, False, 0.0, 0)[0]
    h = hdbscan.HDBSCAN(gen_min_span_tree=True, **kw).fit(x)
    h.labels_ = labels  # relative_validity_ reads the labels and the spanning tree (its edges, in any order)
    return {"x": x.tolist(), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "params": kw, "sorted": "stable",
            "labels": labels.tolist(), "relative_validity": float(h.relative_validity_)}


def relative(x, **kw):
    h = hdbscan.HDBSCAN(gen_min_span_tree=True, **kw).fit(x)
    return {"x": x.tolist(), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "params": kw,
            "labels": h.labels_.tolist(), "relative_validity": float(h.relative_validity_)}


rng = np.random.default_rng(0)
centres = np.array([[0, 0], [8, 0], [0, 9], [9, 9]], dtype=np.float64)
spread = np.array([0.6, 1.0, 1.5, 0.8])
y = rng.integers(0, 4, size=400)
blobs2d = f32(centres[y] + rng.normal(size=(400, 2)) * spread[y, None])
l2 = hdbscan.HDBSCAN(min_cluster_size=15).fit(blobs2d).labels_

rng = np.random.default_rng(1)
c5 = rng.normal(0, 5, size=(3, 5))
y5 = rng.integers(0, 3, size=300)
blobs5d = f32(c5[y5] + rng.normal(size=(300, 5)))
l5 = y5.copy()
l5[::10] = -1

gx, gy = np.meshgrid(np.arange(12), np.arange(12))
grid = f32(np.stack([gx.ravel(), gy.ravel()], axis=1))
gl = np.where(grid[:, 0] < 4, 0, np.where(grid[:, 1] < 6, 1, 2))
gl[(grid[:, 0] == 4) & (grid[:, 1] == 11)] = -1

rng = np.random.default_rng(2)
base = f32(rng.integers(0, 6, size=(12, 3)))
dup = np.repeat(base, 3, axis=0) + np.repeat(np.arange(3), 12)[:, None] * 10
dup = f32(dup)
dl = np.repeat(np.arange(3), 12)

missing = np.where(l2 == 1, 5, l2)

rng = np.random.default_rng(3)
single = f32(np.concatenate([rng.normal(size=(150, 2)), rng.uniform(-8, 8, size=(30, 2))]))

out = {
    "dbcv": {
        "blobs2d": dbcv(blobs2d, l2),
        "blobs5d": dbcv(blobs5d, l5),
        "raw": dbcv(blobs2d, l2, mst_raw_dist=True),
        "manhattan": dbcv(blobs5d, l5, metric="cityblock"),
        "grid": dbcv(grid, gl),
        "duplicates": dbcv(dup, dl),
        "missing": dbcv(blobs2d, missing),
    },
    "relative": {
        "blobs2d": relative(blobs2d, min_cluster_size=15),
        "blobs5d": relative(blobs5d, min_cluster_size=20, min_samples=5),
        "single": relative(single, min_cluster_size=20, allow_single_cluster=True),
        "blobs2d_leaf": relative(blobs2d, min_cluster_size=5, min_samples=1, cluster_selection_method="leaf"),
        "blobs5d_leaf": relative(blobs5d, min_cluster_size=5, min_samples=1, cluster_selection_method="leaf"),
        "blobs2d_leaf_ties": relative_stable(blobs2d, min_cluster_size=5, cluster_selection_method="leaf"),
    },
}
with open("dbcv.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
