"""Reference values for the clustering scores (scikit-learn adjusted_rand_score,
mutual_info_score, adjusted_mutual_info_score, normalized_mutual_info_score).

Writes scores.json. Small cases store the labels; large ones store run-length encoded labels
([[label, count], ...]) that the test expands.
Run: python3 make_fixtures.py
"""
import json
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (adjusted_mutual_info_score, adjusted_rand_score,
                             mutual_info_score, normalized_mutual_info_score)

warnings.simplefilter("ignore")
METHODS = ["arithmetic", "max", "min", "geometric"]


def scores(a, b):
    out = {"ari": adjusted_rand_score(a, b)}
    out["mi"] = mutual_info_score(a, b) if len(a) else None
    for m in METHODS:
        out["ami_" + m] = adjusted_mutual_info_score(a, b, average_method=m)
        out["nmi_" + m] = normalized_mutual_info_score(a, b, average_method=m)
    return {k: (None if v is None else float(v)) for k, v in out.items()}


def runs(x):
    r = []
    for v in x:
        if r and r[-1][0] == v:
            r[-1][1] += 1
        else:
            r.append([int(v), 1])
    return r


rng = np.random.default_rng(20240611)
cases = []


def add(name, a, b, rle=False):
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    c = {"name": name, **scores(a, b)}
    if rle:
        c["a_runs"], c["b_runs"] = runs(a), runs(b)
    else:
        c["a"], c["b"] = a.tolist(), b.tolist()
    cases.append(c)


add("empty", [], [])
add("single point", [3], [-1])
add("single class both", [1, 1, 1], [2, 2, 2])
add("single class one side", [1, 1, 1, 1], [0, 1, 0, 1])
add("identical", [0, 0, 1, 1, 2, 2], [5, 5, -1, -1, 7, 7])
add("hand 2x2", [0, 0, 1, 1], [0, 1, 0, 1])
add("all distinct", list(range(10)), list(range(10))[::-1])
for t in range(40):
    n = int(rng.integers(2, 400))
    ka = int(rng.integers(1, 12))
    kb = int(rng.integers(1, 12))
    a = rng.integers(-1, ka, n)
    if t % 3 == 0:  # correlated labelings
        b = np.where(rng.random(n) < 0.7, a * 3 + 1, rng.integers(-1, kb, n))
    else:
        b = rng.integers(-1, kb, n)
    add(f"random {t}", a, b)
# Many clusters.
n = 3000
a = rng.integers(-1, 300, n)
b = np.where(rng.random(n) < 0.5, a, rng.integers(-1, 250, n))
add("hundreds of clusters", a, b)
# Large counts (run-length encoded): 400 000 points, few classes.
a = np.repeat([0, 1, 2, -1], [140000, 120000, 100000, 40000])
b = np.concatenate([np.repeat([0, 1], [130000, 10000]), np.repeat([1, 2], [110000, 10000]),
                    np.repeat([2, 0, -1], [80000, 4000, 16000]), np.repeat([-1, 2], [30000, 10000])])
add("400k points", a, b, rle=True)
a = np.repeat(np.arange(40), 1750)
b = np.repeat(np.arange(70) - 1, 1000)
add("70k points, 40 x 70 runs", a, b, rle=True)

json.dump({"sklearn": sklearn.__version__, "cases": cases}, open("scores.json", "w"))
print(len(cases), "cases")
