"""Reference values for clus's trustworthiness: sklearn.manifold.trustworthiness (metric
"euclidean") on float32 data and embeddings (the embedding a noisy projection of the data, so
the score is neither 1 nor at chance).

Writes trustworthiness.json: per case the data, the embedding and the score for several k.
Run: python3 make_fixtures.py   (numpy, scikit-learn)
"""
import json

import numpy as np
import sklearn
from sklearn.manifold import trustworthiness

rng = np.random.default_rng(20261202)
cases = []
for name, n, d, noise in [("blobs", 150, 6, 0.5), ("uniform", 90, 3, 0.2), ("noisy", 200, 10, 3.0)]:
    centers = rng.normal(0, 4, (4, d))
    x = (centers[rng.integers(0, 4, n)] + rng.normal(0, 1, (n, d))).astype(np.float32)
    if name == "uniform":
        x = rng.uniform(0, 1, (n, d)).astype(np.float32)
    e = (x[:, :2] + noise * rng.normal(0, 1, (n, 2))).astype(np.float32)
    ks = [1, 5, 15, 30]
    cases.append({"name": name, "x": x.tolist(), "e": e.tolist(),
                  "scores": [[k, float(trustworthiness(x, e, n_neighbors=k))] for k in ks]})

with open("trustworthiness.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
