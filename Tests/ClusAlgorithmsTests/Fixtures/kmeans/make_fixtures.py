"""Reference values for K-Means (scikit-learn KMeans, algorithm="lloyd").

- "lloyd" cases: KMeans(init=<given centres>, n_init=1) on small blob data, so the Lloyd
  iterations can be compared exactly (labels, centres, inertia, n_iter).
- "plusplus" cases: k-means++ with n_init=1 over 20 seeds; the inertias are stored so the test
  can compare the median quality (the random streams differ from numpy's).
Data are float32 values stored exactly; scikit-learn is given them as float32 too.
Writes kmeans.json. Run: python3 make_fixtures.py
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

cases = []


def blobs(n, d, centers, std, seed):
    x, _ = make_blobs(n_samples=n, n_features=d, centers=centers, cluster_std=std,
                      random_state=seed)
    return x.astype(np.float32)


def lloyd_case(name, x, init, **kw):
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, **kw).fit(x)
    cases.append({
        "kind": "lloyd", "name": name, "rows": x.shape[0], "cols": x.shape[1],
        "x": [float(v) for v in x.ravel()], "init": [float(v) for v in init.ravel()],
        "k": init.shape[0], "max_iter": kw.get("max_iter", 300), "tol": kw.get("tol", 1e-4),
        "labels": km.labels_.tolist(), "centers": km.cluster_centers_.ravel().tolist(),
        "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
    })


x = blobs(300, 5, 4, 1.0, 0)
lloyd_case("separated blobs, first rows as centres", x, x[:4].copy())
x2 = blobs(400, 3, 6, 2.5, 1)
lloyd_case("overlapping blobs", x2, x2[[0, 1, 2, 3, 4, 5]].copy())
lloyd_case("overlapping blobs, max_iter 3", x2, x2[[0, 1, 2, 3, 4, 5]].copy(), max_iter=3)
lloyd_case("overlapping blobs, tol 0.05", x2, x2[[0, 1, 2, 3, 4, 5]].copy(), tol=0.05)
init = x[:3].copy()
init = np.vstack([init, np.full((1, 5), 1000.0, dtype=np.float32)])
lloyd_case("empty cluster relocated", x, init)

for name, xx, k in [("plusplus blobs k=8", blobs(600, 4, 8, 1.5, 3), 8),
                    ("plusplus blobs k=3", blobs(300, 2, 3, 1.0, 4), 3)]:
    inertias = [float(KMeans(k, n_init=1, random_state=s).fit(xx).inertia_) for s in range(20)]
    cases.append({"kind": "plusplus", "name": name, "rows": xx.shape[0], "cols": xx.shape[1],
                  "x": [float(v) for v in xx.ravel()], "k": k, "inertias": inertias})
json.dump({"sklearn": sklearn.__version__, "cases": cases}, open("kmeans.json", "w"))
for c in cases:
    print(c["name"], c.get("n_iter"), c.get("inertia"), np.median(c.get("inertias", [0])))
