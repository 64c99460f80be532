"""The hdbscan library's side of bench/validity.sh: the same steps on the same embedding and labels.

Prints one line per step, "name|seconds", then the values ("value dbcv X", "value relative_validity Y").
hdbscan has no reuse between settings: its sweep is one fit per setting (gen_min_span_tree=True, which
relative_validity_ needs).
"""
import sys
import time

import hdbscan
import numpy as np
from hdbscan.validity import validity_index

e = np.load(sys.argv[1]).astype(np.float64)
labels = np.load(sys.argv[2]).astype(np.intp)


def timed(name, f):
    t = time.perf_counter()
    out = f()
    print(f"{name}|{time.perf_counter() - t:.3f}", flush=True)
    return out


h = timed("HDBSCAN (one fit)", lambda: hdbscan.HDBSCAN(min_samples=10, min_cluster_size=500, gen_min_span_tree=True).fit(e))
rv = timed("relative_validity", lambda: h.relative_validity_)
timed("sweep, 10 min_cluster_size", lambda: [
    hdbscan.HDBSCAN(min_samples=10, min_cluster_size=m, gen_min_span_tree=True).fit(e).relative_validity_
    for m in [50, 100, 200, 300, 400, 500, 600, 800, 1000, 2000]])
timed("sweep, 5 min_cluster_size x 2 min_samples", lambda: [
    hdbscan.HDBSCAN(min_samples=s, min_cluster_size=m, gen_min_span_tree=True).fit(e).relative_validity_
    for m in [50, 100, 250, 500, 1000] for s in [5, 10]])
dbcv = timed("DBCV (validity_index)", lambda: validity_index(e, labels))
print(f"value dbcv {dbcv:.6f}")
print(f"value relative_validity {rv:.6f}")
