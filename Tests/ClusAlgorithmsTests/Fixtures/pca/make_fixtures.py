"""Reference values for PCA (scikit-learn PCA(svd_solver="full").fit_transform).

The data are float32 values (stored exactly in JSON); scikit-learn is given them as float64.
Writes pca.json. Run: python3 make_fixtures.py
"""
import json

import numpy as np
import sklearn
from sklearn.decomposition import PCA

rng = np.random.default_rng(7)


def dataset(n, d, rank_decay):
    z = rng.normal(size=(n, d)) * (rank_decay ** np.arange(d))
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    x = z @ q.T * 3.0 + rng.normal(size=d) * 10.0
    return x.astype(np.float32)


def with_constant_columns():
    x = dataset(60, 7, 0.8)
    x[:, 1] = 4.25
    x[:, 4] = -1.5
    return x


cases = []
for name, x in [("tall 80x9", dataset(80, 9, 0.7)), ("wide 12x30", dataset(12, 30, 0.8)),
                ("square 20x20", dataset(20, 20, 0.75)),
                ("tall 60x7 with constant columns", with_constant_columns())]:
    xd = x.astype(np.float64)
    for label, nc, whiten in [("count 3", 3, False), ("fraction 0.8", 0.8, False),
                              ("all", None, False), ("whiten count 4", 4, True),
                              ("whiten fraction 0.95", 0.95, True)]:
        p = PCA(n_components=nc, svd_solver="full", whiten=whiten)
        t = p.fit_transform(xd)
        cases.append({
            "name": f"{name} {label}", "rows": x.shape[0], "cols": x.shape[1],
            "x": [float(v) for v in x.ravel()],
            "n_components": nc, "whiten": whiten,
            "transformed": t.ravel().tolist(), "k": int(p.n_components_),
            "components": p.components_.ravel().tolist(),
            "explained_variance": p.explained_variance_.tolist(),
            "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
            "singular_values": p.singular_values_.tolist(),
            "mean": p.mean_.tolist(), "noise_variance": float(p.noise_variance_),
        })
json.dump({"sklearn": sklearn.__version__, "cases": cases}, open("pca.json", "w"))
print(len(cases), "cases")
