"""Reference labels for clus's dbscan: sklearn.cluster.DBSCAN (metric "euclidean", default
algorithm) on float32 data: blobs with noise and bridges of border points, for several eps and
min_samples, including a grid with exactly equal distances.

Writes dbscan.json: per case the data and, per setting, labels and core_sample_indices.
Run: python3 make_fixtures.py   (numpy, scikit-learn)
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN

rng = np.random.default_rng(20261203)
cases = []


def add(name, x, settings):
    x = np.asarray(x, dtype=np.float32)
    runs = []
    for eps, ms in settings:
        m = DBSCAN(eps=eps, min_samples=ms).fit(x)
        runs.append({"eps": eps, "min_samples": ms, "labels": m.labels_.tolist(),
                     "core": m.core_sample_indices_.tolist()})
    cases.append({"name": name, "x": x.tolist(), "runs": runs})


centers = np.array([[0, 0], [5, 5], [0, 6], [2.6, 2.4]])
blobs = np.concatenate([c + rng.normal(0, s, (m, 2)) for c, s, m in
                        zip(centers, [0.6, 0.8, 0.4, 0.3], [120, 100, 60, 15])]
                       + [rng.uniform(-3, 9, (60, 2))])
rng.shuffle(blobs)
add("blobs2d", blobs, [(0.5, 5), (0.3, 4), (0.8, 10), (1.2, 3), (0.2, 1), (0.7, 25)])
x5 = np.concatenate([rng.normal(0, 1, (150, 5)), rng.normal(4, 1.5, (150, 5))])
add("gauss5d", x5, [(1.0, 5), (1.5, 8), (0.7, 3)])
grid = np.array([[i, j] for i in range(8) for j in range(6)], dtype=float)
grid = np.concatenate([grid, [[20, 20], [20, 21], [21, 20], [3.5, 10]]])
add("grid", grid, [(1.0, 5), (1.0, 4), (1.5, 9), (1.0, 2)])

with open("dbscan.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
