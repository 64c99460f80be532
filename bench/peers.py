"""The Python peers of `make bench-anchors`' side-by-side run (bench/peers.sh): umap-learn in its fastest
configuration (no random_state, so its parallel layout runs on every core; numba compiled beforehand by a
first fit) and fast_hdbscan (compiled beforehand the same way), on the same .npy files clus reads.
Prints one line per task: `name|seconds` (one timed run: these are the slow side). With --quality, prints
instead the trustworthiness@15 (scikit-learn's) of umap-learn's and clus's embeddings of MNIST's first
10,000 digits. Reference only: clus never runs Python.
Usage: python bench/peers.py DIR   |   python bench/peers.py DIR --quality CLUS_EMBEDDING.npy"""
import os, sys, time
import numpy as np

d = sys.argv[1]

if "--quality" in sys.argv:
    import umap
    from sklearn.manifold import trustworthiness
    x = np.load(os.path.join(d, "x.npy"), mmap_mode="r")[:10000]
    ours = np.load(sys.argv[sys.argv.index("--quality") + 1])
    theirs = umap.UMAP(random_state=42).fit_transform(np.asarray(x))
    print(f"trustworthiness@15 umap-learn|{trustworthiness(x, theirs, n_neighbors=15):.4f}")
    print(f"trustworthiness@15 clus|{trustworthiness(x, ours, n_neighbors=15):.4f}")
    sys.exit(0)

import umap, fast_hdbscan

def timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0

# compile numba's functions before any timing (both libraries cache nothing across processes by default).
# 5,000 rows: umap-learn computes the neighbours of fewer than 4,096 rows exactly, without pynndescent, whose
# NN-descent would then be compiled inside the first timed fit (about 45 s on the 2-core machine).
warm = np.random.default_rng(0).normal(size=(5000, 10)).astype(np.float32)
umap.UMAP(n_jobs=-1).fit_transform(warm)
fast_hdbscan.HDBSCAN(min_samples=10, min_cluster_size=100).fit_predict(warm[:, :2])

mnist = np.load(os.path.join(d, "x.npy"))
print(f"UMAP default, MNIST 70,000 × 784|{timed(lambda: umap.UMAP(n_jobs=-1).fit_transform(mnist)):.3f}", flush=True)
del mnist
m200 = np.load(os.path.join(d, "mix-200000-50.npy"))
print(f"UMAP default, 200,000 × 50|{timed(lambda: umap.UMAP(n_jobs=-1).fit_transform(m200)):.3f}", flush=True)
del m200
for cols in (2, 5):
    x = np.load(os.path.join(d, f"mix-1000000-{cols}.npy"))
    t = timed(lambda: fast_hdbscan.HDBSCAN(min_samples=10, min_cluster_size=100).fit_predict(x))
    print(f"HDBSCAN 1,000,000 × {cols}|{t:.3f}", flush=True)
