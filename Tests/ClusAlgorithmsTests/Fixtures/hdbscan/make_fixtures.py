"""Reference values for HDBSCANTests.swift from the hdbscan library (0.8.x).

Each fixture holds float32 data X and labels_, probabilities_, outlier_scores_ and
cluster_persistence_ as `hdbscan.HDBSCAN(algorithm="prims_kdtree")` computes them (an exact
minimum spanning tree; the default boruvka_kdtree with approx_min_span_tree=True returns an
approximate one), assembled from the library's own functions with one change: the MST edges are
sorted with a *stable* argsort, so equal weights keep Prim's order (np.argsort's default order of
ties is unspecified and depends on the CPU). The script also reports how many labels differ from
the unmodified HDBSCAN(algorithm="prims_kdtree").fit.
Run: python3 make_fixtures.py  (writes *.json next to this file).
"""
import json, os, warnings
import numpy as np
import hdbscan
from hdbscan._hdbscan_linkage import mst_linkage_core, mst_linkage_core_vector, label
from hdbscan._hdbscan_reachability import mutual_reachability
from hdbscan._hdbscan_tree import outlier_scores
from hdbscan.dist_metrics import DistanceMetric
from hdbscan.hdbscan_ import _tree_to_labels
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KDTree
from sklearn.datasets import make_blobs, make_moons

warnings.simplefilter("ignore")
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(12345)


def noisy_blobs(n, d, centers, std, seed, noise_frac=0.1):
    X, _ = make_blobs(n, n_features=d, centers=centers, cluster_std=std, random_state=seed)
    r = np.random.RandomState(seed + 1)
    N = r.uniform(X.min(0) - 1, X.max(0) + 1, (int(n * noise_frac), d))
    return np.vstack([X, N])


def reference(X, min_cluster_size=5, min_samples=None, cluster_selection_epsilon=0.0,
              cluster_selection_method="eom", allow_single_cluster=False, alpha=1.0,
              metric="euclidean", max_cluster_size=0, cluster_selection_epsilon_max=float("inf"),
              cluster_selection_persistence=0.0):
    """hdbscan.hdbscan() with algorithm prims_kdtree (generic for cosine and correlation), stable edge sort."""
    ms = min_cluster_size if min_samples is None else min_samples
    ms = max(1, min(X.shape[0] - 1, ms))
    if metric in ("cosine", "correlation"):
        D = pairwise_distances(X, metric=metric)
        mst = mst_linkage_core(mutual_reachability(D, ms, alpha))
    else:
        core = KDTree(X, metric=metric).query(X, k=ms + 1)[0][:, -1].copy(order="C")
        mst = mst_linkage_core_vector(X, core, DistanceMetric.get_metric(metric), alpha)
    mst = mst[np.argsort(mst.T[2], kind="stable"), :]
    slt = label(mst)
    labels, probs, pers, ctree, _ = _tree_to_labels(
        X, slt, min_cluster_size, cluster_selection_method, allow_single_cluster, False,
        cluster_selection_epsilon, cluster_selection_persistence, max_cluster_size, cluster_selection_epsilon_max)
    return labels, probs, outlier_scores(ctree), pers


def fixture(name, X, algorithm="prims_kdtree", **params):
    X = np.asarray(X, dtype=np.float32)
    X64 = X.astype(np.float64)
    labels, probs, scores, pers = reference(X64, **params)
    c = hdbscan.HDBSCAN(algorithm=algorithm, **params).fit(X64)
    print("  unmodified library: %d labels differ" % int((c.labels_ != labels).sum()))
    out = dict(name=name, params=params, rows=int(X.shape[0]), cols=int(X.shape[1]),
               X=[float(v) for v in X.ravel()],
               labels=[int(v) for v in labels],
               probabilities=[float(v) for v in probs],
               # NaN (the library's ∞/∞ for clusters with points at distance 0) is written as null
               outlier_scores=[None if np.isnan(v) else float(v) for v in scores],
               persistence=[float(v) for v in pers])
    with open(os.path.join(here, name + ".json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(name, X.shape, "clusters", labels.max() + 1, "noise", int((labels < 0).sum()))


blobs = noisy_blobs(300, 2, 4, [0.6, 1.0, 0.4, 1.5], 7)
fixture("blobs_eom", blobs, min_cluster_size=10)
fixture("blobs_leaf", blobs, min_cluster_size=10, cluster_selection_method="leaf")
fixture("blobs_ms3", blobs, min_cluster_size=8, min_samples=3)
fixture("blobs_eps", blobs, min_cluster_size=5, cluster_selection_epsilon=1.0)
fixture("blobs_leaf_eps", blobs, min_cluster_size=5, cluster_selection_method="leaf",
        cluster_selection_epsilon=0.5)
fixture("blobs_alpha", blobs, min_cluster_size=10, alpha=1.5)
fixture("blobs_manhattan", blobs, min_cluster_size=10, metric="manhattan")
fixture("blobs_cosine", blobs + np.float32([20.0, 20.0]), algorithm="generic", min_cluster_size=10,
        metric="cosine")

moons, _ = make_moons(250, noise=0.08, random_state=3)
moons = np.vstack([moons, np.random.RandomState(4).uniform(-1.2, 2.2, (25, 2))])
fixture("moons", moons, min_cluster_size=10, min_samples=5)

dens = np.vstack([np.random.RandomState(5).normal(0, 0.1, (120, 2)),
                  np.random.RandomState(6).normal([3, 0], 0.6, (150, 2)),
                  np.random.RandomState(7).normal([0, 4], 1.2, (150, 2)),
                  np.random.RandomState(8).uniform(-4, 6, (30, 2))])
fixture("densities", dens, min_cluster_size=15)

single = np.vstack([np.random.RandomState(9).normal(0, 1, (150, 2)),
                    np.random.RandomState(10).uniform(-6, 6, (15, 2))])
fixture("single_eom", single, min_cluster_size=20, allow_single_cluster=True)
fixture("single_eps", single, min_cluster_size=20, allow_single_cluster=True,
        cluster_selection_epsilon=0.8)
fixture("single_off", single, min_cluster_size=20)

dup_base = np.random.RandomState(11).normal(0, 1, (40, 2)).round(1)
dups = np.vstack([dup_base, dup_base[:20], np.repeat([[4.0, 4.0]], 12, axis=0),
                  np.random.RandomState(12).normal([4, 4], 0.3, (30, 2)).round(2),
                  np.random.RandomState(13).uniform(-3, 7, (10, 2)).round(1)])
fixture("duplicates", dups, min_cluster_size=6)

fixture("blobs5d", noisy_blobs(300, 5, 5, 1.0, 21), min_cluster_size=10, min_samples=7)
fixture("blobs20d", noisy_blobs(300, 20, 4, 2.0, 22), min_cluster_size=12)

# degenerate inputs
fixture("identical", np.ones((20, 2)), min_cluster_size=5)
fixture("identical_single", np.ones((20, 2)), min_cluster_size=5, allow_single_cluster=True)
fixture("fewer_than_mcs", np.random.RandomState(0).rand(4, 2), min_cluster_size=5)
fixture("two_points", np.array([[1.0, 2.0], [3.0, 4.0]]), min_cluster_size=5)
fixture("min_samples_ge_n", np.random.RandomState(0).rand(8, 2), min_cluster_size=3, min_samples=20)
fixture("dup_groups_single", np.vstack([np.ones((10, 2)), np.zeros((10, 2)),
                                        np.random.RandomState(1).rand(5, 2) * 5]),
        min_cluster_size=5, allow_single_cluster=True)

# min_samples above the 33 stored neighbours (KD-tree and GEMM paths)
fixture("blobs_ms40", blobs, min_cluster_size=15, min_samples=40)
fixture("blobs20d_ms40", noisy_blobs(300, 20, 4, 2.0, 22), min_cluster_size=12, min_samples=40)

# cosine with alpha, correlation (generic algorithm: dense distances, exact Prim)
fixture("blobs_cosine_alpha", blobs + np.float32([20.0, 20.0]), algorithm="generic", min_cluster_size=10,
        metric="cosine", alpha=1.4)
fixture("blobs5d_correlation", noisy_blobs(300, 5, 5, 1.0, 21), algorithm="generic", min_cluster_size=10,
        metric="correlation")

# more selection corner cases
fixture("single_leaf", single, min_cluster_size=20, cluster_selection_method="leaf", allow_single_cluster=True)
fixture("tiny_leaf", np.random.RandomState(14).normal(0, 1, (12, 2)), min_cluster_size=8,
        cluster_selection_method="leaf")
fixture("blobs_eps_single", blobs, min_cluster_size=10, cluster_selection_epsilon=3.0, allow_single_cluster=True)
fixture("moons_leaf_eps_single", moons, min_cluster_size=8, cluster_selection_method="leaf",
        cluster_selection_epsilon=0.3, allow_single_cluster=True)

# max_cluster_size and cluster_selection_epsilon_max (excess of mass refuses clusters above them)
fixture("blobs_maxsize", blobs, min_cluster_size=5, max_cluster_size=80)
fixture("densities_maxsize", dens, min_cluster_size=5, max_cluster_size=50)
fixture("blobs_epsmax", blobs, min_cluster_size=5, cluster_selection_epsilon_max=0.5)
fixture("densities_epsmax", dens, min_cluster_size=10, cluster_selection_epsilon_max=1.0)
fixture("single_epsmax", single, min_cluster_size=10, allow_single_cluster=True, cluster_selection_epsilon_max=0.5)

# cluster_selection_persistence (simplify_hierarchy before selection)
fixture("blobs_persistence", blobs, min_cluster_size=5, cluster_selection_persistence=2.0)
fixture("densities_persistence", dens, min_cluster_size=5, cluster_selection_persistence=1.0)
fixture("moons_persistence_leaf", moons, min_cluster_size=5, cluster_selection_method="leaf", cluster_selection_persistence=2.0)
