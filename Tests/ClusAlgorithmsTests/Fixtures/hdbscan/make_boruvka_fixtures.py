"""Reference values for the library's default spanning tree (HDBSCANTests.testDefaultBoruvkaTree).

hdbscan.HDBSCAN() with its defaults (algorithm="best", approx_min_span_tree=True) builds the tree
of data with at most 60 columns by dual-tree Borůvka on a KD-tree, keeping node bounds between
rounds: a spanning tree that is not always the minimum one. Each fixture holds float32 data X,
the edges exactly as `KDTreeBoruvkaAlgorithm(...).spanning_tree()` emits them (as
`_hdbscan_boruvka_kdtree` calls it: tree leaf_size 40, Borůvka leaf_size 40 // 3), and the
labels, probabilities and persistence obtained from those edges with a *stable* argsort of the
weights (np.argsort's default order of equal weights is unspecified and depends on the CPU).
The script reports how many labels differ from the unmodified HDBSCAN().fit and how many tree
edges differ from the exact minimum spanning tree.
Run: python3 make_boruvka_fixtures.py  (writes boruvka_*.json next to this file).
"""
import json, os, warnings
import numpy as np
import hdbscan
from hdbscan._hdbscan_boruvka import KDTreeBoruvkaAlgorithm
from hdbscan._hdbscan_linkage import label
from hdbscan.hdbscan_ import _tree_to_labels
from sklearn.neighbors import KDTree
from sklearn.datasets import make_blobs, make_moons

warnings.simplefilter("ignore")
here = os.path.dirname(os.path.abspath(__file__))


def noisy_blobs(n, d, centers, std, seed, noise_frac=0.1):
    X, _ = make_blobs(n, n_features=d, centers=centers, cluster_std=std, random_state=seed)
    r = np.random.RandomState(seed + 1)
    N = r.uniform(X.min(0) - 1, X.max(0) + 1, (int(n * noise_frac), d))
    return np.vstack([X, N])


def spanning_tree(X, ms, metric, approx, **kw):
    tree = KDTree(X, metric=metric, leaf_size=40, **kw)
    alg = KDTreeBoruvkaAlgorithm(tree, ms, metric=metric, leaf_size=40 // 3,
                                 approx_min_span_tree=approx, n_jobs=1, **kw)
    return np.asarray(alg.spanning_tree())


def fixture(name, X, min_cluster_size=5, min_samples=None, metric="euclidean", **kw):
    X = np.asarray(X, dtype=np.float32).astype(np.float64)
    ms = min_cluster_size if min_samples is None else min_samples
    ms = max(1, min(X.shape[0] - 1, ms))
    edges = spanning_tree(X, ms, metric, True, **kw)
    exact = spanning_tree(X, ms, metric, False, **kw)
    key = lambda e: set((min(int(a), int(b)), max(int(a), int(b))) for a, b in e[:, :2])
    print("  %d of %d edges differ from the exact tree (weight %+.6g)" % (
        len(key(edges) - key(exact)), len(edges), edges[:, 2].sum() - exact[:, 2].sum()))
    mst = edges[np.argsort(edges[:, 2], kind="stable"), :]
    labels, probs, pers, _, _ = _tree_to_labels(X, label(mst), min_cluster_size, "eom", False, False,
                                                0.0, 0.0, 0, float("inf"))
    params = dict(min_cluster_size=min_cluster_size, min_samples=min_samples, metric=metric, **kw)
    params = {k: v for k, v in params.items() if v is not None}
    lib = hdbscan.HDBSCAN(**params).fit(X)
    print("  unmodified library: %d labels differ" % int((lib.labels_ != labels).sum()))
    out = dict(name=name, params=params, rows=int(X.shape[0]), cols=int(X.shape[1]),
               X=[float(v) for v in X.ravel()],
               edges=[[int(a), int(b), float(w)] for a, b, w in edges],
               labels=[int(v) for v in labels],
               probabilities=[float(v) for v in probs],
               persistence=[float(v) for v in pers])
    with open(os.path.join(here, "boruvka_" + name + ".json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(name, X.shape, "clusters", labels.max() + 1, "noise", int((labels < 0).sum()))


blobs = noisy_blobs(3000, 2, 6, [0.6, 1.0, 0.4, 1.5, 0.8, 2.0], 7)
fixture("blobs2d", blobs, min_cluster_size=30, min_samples=10)
fixture("blobs2d_ms3", blobs, min_cluster_size=15, min_samples=3)
moons, _ = make_moons(2000, noise=0.1, random_state=3)
moons = np.vstack([moons, np.random.RandomState(4).uniform(-1.2, 2.2, (200, 2))])
fixture("moons", moons, min_cluster_size=25, min_samples=8)
fixture("blobs5d", noisy_blobs(1500, 5, 5, 1.0, 21), min_cluster_size=20, min_samples=7)
fixture("blobs20d", noisy_blobs(1200, 20, 4, 2.0, 22), min_cluster_size=20, min_samples=10)
fixture("blobs2d_manhattan", blobs[:1500], min_cluster_size=20, metric="manhattan")
fixture("blobs2d_chebyshev", blobs[:1500], min_cluster_size=20, metric="chebyshev")
fixture("blobs3d_minkowski", noisy_blobs(1000, 3, 4, 1.0, 23), min_cluster_size=20, metric="minkowski", p=3)
# 50 columns whose spread falls from the first to the last, as principal components' do (the
# walk-through's HDBSCAN on PCA-50): the box distances of the traversal reach their bounds after
# the first columns
pcs = noisy_blobs(2500, 50, 8, 1.5, 24) * (1.0 / (1.0 + np.arange(50) / 4.0))
fixture("blobs50d", pcs, min_cluster_size=25, min_samples=10)
