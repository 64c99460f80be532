"""Reference values for clus's Statistics (numpy var/std/median/quantile/argsort, scikit-learn
StandardScaler and normalize, pandas.crosstab).

Writes statistics.json. Matrices are float32 (as clus's), stored as lists of rows of the exact
float32 values; the scaled outputs are float32 as scikit-learn returns them.
Run: python3 make_fixtures.py   (numpy, scikit-learn, pandas)
"""
import json

import numpy as np
import pandas as pd
import sklearn
from sklearn.preprocessing import StandardScaler, normalize

rng = np.random.default_rng(20261201)
out = {"versions": {"numpy": np.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__}}

vectors = {
    "odd": rng.normal(3, 2, 101),
    "even": rng.exponential(1.5, 64),
    "ties": rng.integers(0, 5, 40).astype(float),
    "one": np.array([7.25]),
    "two": np.array([1.0, 4.0]),
}
qs = [0.0, 0.1, 0.25, 0.5, 0.77, 0.9, 1.0]
out["vectors"] = []
for name, v in vectors.items():
    out["vectors"].append({
        "name": name, "x": v.tolist(),
        "var0": float(np.var(v)), "var1": float(np.var(v, ddof=1)) if len(v) > 1 else None,
        "std0": float(np.std(v)), "median": float(np.median(v)),
        "quantiles": [[q, float(np.quantile(v, q))] for q in qs],
        "argsort": np.argsort(v, kind="stable").tolist(),
    })

x = rng.normal(0, 1, (30, 5)).astype(np.float32) * np.array([1, 10, 0.01, 1, 1000], dtype=np.float32)
x += np.array([5, -3, 100, 0, 1e4], dtype=np.float32)
x[:, 3] = np.float32(2.5)  # a constant column: scale 1
z = x.copy()
z[7, :] = 0               # a zero row for normalize
out["matrix"] = {
    "x": x.tolist(),
    "standard_scale": StandardScaler().fit_transform(x).tolist(),
    "z": z.tolist(),
    "l2_normalize": normalize(z).tolist(),
}
assert StandardScaler().fit_transform(x).dtype == np.float32

a = rng.integers(0, 4, 200)
b = rng.integers(-1, 6, 200)
b[b == 2] = 5  # a value never taken
ct = pd.crosstab(a, b)
out["crosstab"] = {"a": a.tolist(), "b": b.tolist(), "rows": ct.index.tolist(),
                   "columns": ct.columns.tolist(), "counts": ct.values.tolist()}

with open("statistics.json", "w") as f:
    json.dump(out, f)
