"""Reference values for UMAPTests, from umap-learn 0.5.12.

Writes:
  ab_params.json  - umap.umap_.find_ab_params(spread, min_dist) for several pairs
  fuzzy.json      - a small data set, its exact kNN (self at column 0, float32 distances),
                    smooth_knn_dist sigmas/rhos and the fuzzy_simplicial_set graph (COO)
Run: python3 make_fixtures.py
"""
import json
import numpy as np
from umap.umap_ import find_ab_params, smooth_knn_dist, fuzzy_simplicial_set

pairs = [(1.0, 0.1), (1.0, 0.0), (1.0, 0.5), (1.0, 0.99), (2.0, 0.1), (0.5, 0.25), (3.0, 1.0), (1.0, 0.001)]
ab = []
for spread, min_dist in pairs:
    a, b = find_ab_params(spread, min_dist)
    ab.append({"spread": spread, "min_dist": min_dist, "a": float(a), "b": float(b)})
json.dump(ab, open("ab_params.json", "w"), indent=1)

rng = np.random.RandomState(0)
n, d, k = 40, 4, 8
x = np.vstack([rng.normal(0, 1, (n // 2, d)), rng.normal(3, 0.5, (n // 2, d))]).astype(np.float32)
x[5] = x[4]  # one duplicated row (a zero non-self distance)
dist = np.sqrt(((x[:, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1))
idx = np.zeros((n, k), dtype=np.int64)
for i in range(n):
    order = sorted(range(n), key=lambda j: (dist[i, j], j != i, j))
    idx[i] = order[:k]
kd = np.take_along_axis(dist, idx, 1).astype(np.float32)
out = {"n": n, "d": d, "k": k, "x": x.ravel().tolist(), "knn_indices": idx.ravel().tolist(),
       "knn_dists": kd.ravel().astype(float).tolist()}
for lc in (1.0, 1.5):
    sig, rho = smooth_knn_dist(kd, float(k), local_connectivity=lc)
    out[f"sigmas_lc{lc}"] = sig.astype(float).tolist()
    out[f"rhos_lc{lc}"] = rho.astype(float).tolist()
for mix in (1.0, 0.5):
    g, _, _ = fuzzy_simplicial_set(x, k, np.random.RandomState(0), "euclidean",
                                   knn_indices=idx, knn_dists=kd, set_op_mix_ratio=mix)
    g = g.tocoo()
    out[f"graph_mix{mix}"] = {"rows": g.row.tolist(), "cols": g.col.tolist(), "vals": g.data.astype(float).tolist()}
json.dump(out, open("fuzzy.json", "w"))
print("ok", ab[0])
