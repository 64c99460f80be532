"""The same walk-through steps with the Python stack (umap-learn, hdbscan, scikit-learn) on the same
data, timed the same way (median of RUNS, inputs prepared beforehand), for `make bench-anchors`.
Prints one line per step: name and median seconds. Reference only: clus never runs Python."""
import gzip, statistics, sys, time
import numpy as np

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 1

def idx(path):
    with gzip.open(path) as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)

def load():
    d = "data/mnist/"
    x = np.concatenate([idx(d + "train-images-idx3-ubyte.gz"), idx(d + "t10k-images-idx3-ubyte.gz")])
    y = np.concatenate([idx(d + "train-labels-idx1-ubyte.gz"), idx(d + "t10k-labels-idx1-ubyte.gz")])
    return x.reshape(len(x), -1).astype(np.float32), y

import umap, hdbscan
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, adjusted_mutual_info_score

x, y = load()
p50 = PCA(n_components=50).fit_transform(x)
c = umap.UMAP(n_neighbors=30, min_dist=0, random_state=42).fit_transform(x)
lab = hdbscan.HDBSCAN(min_samples=10, min_cluster_size=500).fit_predict(c)

steps = [
    ("load MNIST (70,000 × 784)", lambda: load()),
    ("UMAP, default (random_state=42)", lambda: umap.UMAP(random_state=42).fit_transform(x)),
    ("K-Means k=10", lambda: KMeans(n_clusters=10, random_state=42).fit_predict(x)),
    ("PCA to 50 components", lambda: PCA(n_components=50).fit_transform(x)),
    ("HDBSCAN on PCA-50", lambda: hdbscan.HDBSCAN(min_samples=10, min_cluster_size=500).fit_predict(p50)),
    ("UMAP, n_neighbors=30 min_dist=0", lambda: umap.UMAP(n_neighbors=30, min_dist=0, random_state=42).fit_transform(x)),
    ("HDBSCAN on the UMAP", lambda: hdbscan.HDBSCAN(min_samples=10, min_cluster_size=500).fit_predict(c)),
    ("ARI + AMI", lambda: (adjusted_rand_score(y, lab), adjusted_mutual_info_score(y, lab))),
]
for name, f in steps:
    ts = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    print(f"{name}|{statistics.median(ts):.3f}", flush=True)
