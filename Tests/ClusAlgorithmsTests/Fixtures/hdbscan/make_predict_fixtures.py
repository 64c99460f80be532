"""Reference values for HDBSCANTests.testApproximatePredict and testSoftClustering: hdbscan's
`approximate_predict`, `membership_vector` and `all_points_membership_vectors`.

Each fixture holds float32 training data X, new points Y, the library's labels for X
(`HDBSCAN(..., prediction_data=True)` with its defaults otherwise), its `approximate_predict`
labels and probabilities for Y, and the soft memberships of Y and of X. The library sorts the
spanning-tree edges with np.argsort, whose order of equal weights is unspecified (CPU-dependent);
here hdbscan_.py's argsort is made stable, as clus sorts, so that the whole condensed tree (which
the soft memberships read) is the deterministic one. The script reports how many labels the
unmodified library gives differently.
Run: python3 make_predict_fixtures.py  (writes predict_*.json next to this file).
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


class _StableNumpy:
    """numpy with a stable argsort, for hdbscan_.py's sort of the spanning-tree edges."""
    def __getattr__(self, name):
        return getattr(np, name)

    def argsort(self, a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return np.argsort(a, *args, **kwargs)


import hdbscan.hdbscan_ as _hh
_unpatched_np = _hh.np
here = os.path.dirname(os.path.abspath(__file__))


def fixture(name, X, Y, min_cluster_size, min_samples=None, **kw):
    X = np.asarray(X, dtype=np.float32).astype(np.float64)
    Y = np.asarray(Y, dtype=np.float32).astype(np.float64)
    _hh.np = np
    plain = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, **kw).fit(X).labels_
    _hh.np = _StableNumpy()
    c = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples,
                        prediction_data=True, **kw).fit(X)
    _hh.np = np
    print("  unmodified library: %d labels differ" % int((plain != c.labels_).sum()))
    ms = min_samples or min_cluster_size
    alg = KDTreeBoruvkaAlgorithm(KDTree(X, leaf_size=40), ms, leaf_size=40 // 3,
                                 approx_min_span_tree=True, n_jobs=1)
    e = np.asarray(alg.spanning_tree())
    stable, _, _, _, _ = _tree_to_labels(X, label(e[np.argsort(e[:, 2], kind="stable")]), min_cluster_size,
                                         "eom", False, False, 0.0, 0.0, 0, float("inf"))
    assert (stable == c.labels_).all(), name + ": the stable sort did not take effect"
    labels, probs = hdbscan.approximate_predict(c, Y)
    soft = hdbscan.membership_vector(c, Y)
    soft_all = hdbscan.all_points_membership_vectors(c)
    out = dict(name=name, params=dict(min_cluster_size=min_cluster_size, min_samples=min_samples),
               rows=int(X.shape[0]), cols=int(X.shape[1]), X=[float(v) for v in X.ravel()],
               newRows=int(Y.shape[0]), Y=[float(v) for v in Y.ravel()],
               fitLabels=[int(v) for v in c.labels_], labels=[int(v) for v in labels],
               probabilities=[float(v) for v in probs],
               clusters=int(soft.shape[1]),
               membership=[float(v) for v in np.asarray(soft).ravel()],
               allPointsMembership=[float(v) for v in np.asarray(soft_all).ravel()])
    with open(os.path.join(here, "predict_" + name + ".json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(name, "clusters", c.labels_.max() + 1, "predicted noise", int((labels < 0).sum()), "of", len(labels))


X, _ = make_blobs(1200, n_features=2, centers=4, cluster_std=[0.5, 1.0, 0.8, 1.5], random_state=5)
X = np.vstack([X, np.random.RandomState(6).uniform(X.min(0) - 1, X.max(0) + 1, (120, 2))])
Y = np.vstack([make_blobs(150, n_features=2, centers=4, cluster_std=[0.5, 1.0, 0.8, 1.5], random_state=5)[0][:150] + 0.05,
               np.random.RandomState(7).uniform(X.min(0) - 1, X.max(0) + 1, (50, 2))])
fixture("blobs2d", X, Y, min_cluster_size=25, min_samples=8)
M, _ = make_moons(1000, noise=0.08, random_state=8)
Mn, _ = make_moons(200, noise=0.12, random_state=9)
fixture("moons", M, Mn, min_cluster_size=20)
B5, _ = make_blobs(800, n_features=5, centers=3, random_state=10)
B5n, _ = make_blobs(100, n_features=5, centers=3, random_state=10)
fixture("blobs5d", B5, B5n + 0.3, min_cluster_size=15, min_samples=5)
