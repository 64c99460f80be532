"""Reference numbers for (semi-)supervised UMAP on pbmc68k_reduced's X_pca.

Made with: Python 3.11.7, anndata 0.12.19, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1,
umap-learn 0.5.12 (numba, pynndescent as installed with it).
Run from anywhere: python3 supervised_reference.py [--no-full]   (about a minute or two; 2 cores)
Writes supervised_reference.json next to this script.

Data: data/pbmc68k_reduced.h5ad (see cells_reference.py for its provenance), X = obsm["X_pca"]
(700 x 50, float32, used as is), truth = obs["bulk_labels"] category codes 0..9.

Split (semi-supervised): rows with EVEN index (0, 2, 4, ...; 350 cells) keep their label, rows with
ODD index (350 cells) get -1, which umap-learn treats as "unlabelled" for the categorical target.

For random_state s in 1..5 (every other UMAP parameter at umap-learn's default: n_components=2,
min_dist=0.1, metric="euclidean", target_metric="categorical", target_n_neighbors=-1 -> n_neighbors,
target_weight as given):
  supervised     umap.UMAP(n_neighbors=15, random_state=s, target_weight=0.5).fit(X, y_split)
  unsupervised   umap.UMAP(n_neighbors=15, random_state=s).fit(X)
  full           umap.UMAP(n_neighbors=15, random_state=s, target_weight=0.5).fit(X, y_true)
                 (all 700 labels given; skip with --no-full)
Score (same for all three): take embedding_ (700 x 2); sklearn KNeighborsClassifier(n_neighbors=15)
(defaults: uniform weights, Minkowski p=2) fitted on the embedding of the even rows with their TRUE
labels, predicting the odd rows; accuracy = fraction of odd rows predicted equal to their true
label.  NOTE for "full": the odd rows' labels were given to UMAP, so that accuracy is leaky (it
measures how well the labels were imprinted on the layout, not generalisation).
Baselines printed for context (not seeded): the same kNN protocol on the raw 50-D X_pca, and the
majority-class rate of the odd rows.

Output JSON: {"supervised": [5 accuracies, seed 1..5], "unsupervised": [...], "full": [...],
"seeds": [1..5], "summary": {variant: {"min", "median", "max"}}, "baselines": {...},
"params": {...}, "versions": {...}}.
"""
import importlib.metadata as md
import json
import os
import statistics
import sys
import time
import warnings

import anndata
import numpy as np
import scipy
import sklearn
from sklearn.neighbors import KNeighborsClassifier

warnings.filterwarnings("ignore")  # anndata OldFormatWarning, umap n_jobs / numba chatter
import umap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "pbmc68k_reduced.h5ad")
OUT = os.path.join(HERE, "supervised_reference.json")
SEEDS = [1, 2, 3, 4, 5]
N_NEIGHBORS = 15
TARGET_WEIGHT = 0.5
KNN_K = 15


def knn_accuracy(emb, truth, train, test):
    clf = KNeighborsClassifier(n_neighbors=KNN_K).fit(emb[train], truth[train])
    return float((clf.predict(emb[test]) == truth[test]).mean())


def main():
    full = "--no-full" not in sys.argv[1:]
    ad = anndata.read_h5ad(DATA)
    X = np.asarray(ad.obsm["X_pca"])
    assert X.shape == (700, 50) and X.dtype == np.float32, (X.shape, X.dtype)
    truth = np.asarray(ad.obs["bulk_labels"].cat.codes, dtype=np.int64)
    assert truth.min() == 0 and truth.max() == 9
    idx = np.arange(X.shape[0])
    train, test = idx % 2 == 0, idx % 2 == 1
    y_split = np.where(train, truth, -1)

    variants = {"supervised": {}, "unsupervised": {}}
    if full:
        variants["full"] = {}
    res = {v: [] for v in variants}
    for s in SEEDS:
        for v in variants:
            t = time.time()
            if v == "unsupervised":
                m = umap.UMAP(n_neighbors=N_NEIGHBORS, random_state=s).fit(X)
            else:
                y = y_split if v == "supervised" else truth
                m = umap.UMAP(n_neighbors=N_NEIGHBORS, random_state=s,
                              target_weight=TARGET_WEIGHT).fit(X, y)
            acc = knn_accuracy(m.embedding_, truth, train, test)
            res[v].append(acc)
            print(f"seed {s}  {v:<13} acc {acc:.4f}   ({time.time() - t:.1f} s)", flush=True)

    raw = knn_accuracy(X, truth, train, test)
    majority = float(np.bincount(truth[test]).max() / test.sum())

    print()
    cols = list(variants)
    print("seed  " + "  ".join(f"{c:>12}" for c in cols))
    for i, s in enumerate(SEEDS):
        print(f"{s:>4}  " + "  ".join(f"{res[c][i]:>12.4f}" for c in cols))
    summary = {}
    for name, f in (("min", min), ("median", statistics.median), ("max", max)):
        print(f"{name:>6}" + "  ".join(f"{f(res[c]):>12.4f}" for c in cols))
    for c in cols:
        summary[c] = {"min": min(res[c]), "median": statistics.median(res[c]), "max": max(res[c])}
    print(f"\nbaselines: kNN on raw 50-D X_pca {raw:.4f}; majority class {majority:.4f}")

    out = dict(res)
    out.update({
        "seeds": SEEDS,
        "summary": summary,
        "baselines": {"knn_raw_X_pca_50d": raw, "majority_class_odd_rows": majority},
        "params": {
            "data": "data/pbmc68k_reduced.h5ad obsm['X_pca'] (700 x 50 float32)",
            "labels": "obs['bulk_labels'] category codes 0..9",
            "split": "even row index labelled, odd row index -1 (unlabelled); score on odd rows",
            "umap": {"n_neighbors": N_NEIGHBORS, "n_components": 2, "min_dist": 0.1,
                     "metric": "euclidean", "target_metric": "categorical",
                     "target_weight": TARGET_WEIGHT, "random_state": "seed"},
            "knn": {"classifier": "sklearn KNeighborsClassifier", "n_neighbors": KNN_K,
                    "weights": "uniform", "train": "even rows, true labels",
                    "test": "odd rows, true labels"},
            "full_note": "all 700 labels given to UMAP; odd-row accuracy is leaky",
        },
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
                     "anndata": md.version("anndata"), "umap-learn": md.version("umap-learn"),
                     "numba": md.version("numba"), "pynndescent": md.version("pynndescent")},
    })
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
