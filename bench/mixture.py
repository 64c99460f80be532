"""Writes N points of a seeded Gaussian mixture (K components in D dimensions, float32, C order) to a .npy
file in chunks, so that 10,000,000 × 50 needs no 2 GB array in memory; and the component of each point to
LABELS.npy when given. For `make bench-scale` (bench/scale.sh).
Usage: python3 bench/mixture.py OUT.npy N D [K] [SEED] [LABELS.npy]"""
import sys
import numpy as np
from numpy.lib.format import open_memmap

out, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
k = int(sys.argv[4]) if len(sys.argv) > 4 else 20
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
labels_out = sys.argv[6] if len(sys.argv) > 6 else None
rng = np.random.default_rng(seed)
centres = rng.normal(0, 10, size=(k, d)).astype(np.float32)
scales = rng.uniform(0.5, 2.0, size=k).astype(np.float32)
x = open_memmap(out, mode="w+", dtype="<f4", shape=(n, d))
labels = open_memmap(labels_out, mode="w+", dtype="<i4", shape=(n,)) if labels_out else None
chunk = 1 << 18
for s in range(0, n, chunk):
    m = min(chunk, n - s)
    c = rng.integers(0, k, size=m)
    x[s:s + m] = centres[c] + rng.standard_normal((m, d), dtype=np.float32) * scales[c, None]
    if labels is not None:
        labels[s:s + m] = c
x.flush()
del x
