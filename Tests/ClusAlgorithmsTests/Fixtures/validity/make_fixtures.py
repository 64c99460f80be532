"""Reference values for clus's internal validity scores (Sources/ClusAlgorithms/Metrics/ClusterValidity.swift).

Run: python3 make_fixtures.py   (made with scikit-learn 1.9.1, numpy 2.4.6)

Cases (float32 data, as clus keeps data; the references are computed on the same values in float64, so they
are the exact scores of the data clus reads):
  blobs      300 x 4, 5 Gaussian blobs (seed 0), the generating labels
  noise      the same points labelled by a cut that leaves a -1 "noise" group and a cluster of one point
  overlap    200 x 2, two overlapping blobs (seed 1) and labels from a random split (scores near 0)
  duplicates 60 x 3 with repeated rows and 3 labels (zero distances inside clusters)
For each: silhouette_score, silhouette_samples, calinski_harabasz_score, davies_bouldin_score.
"""
import json

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_samples, silhouette_score


def case(x, labels):
    x = np.asarray(x, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    x64 = x.astype(np.float64)
    return {
        "x": x.tolist(), "rows": int(x.shape[0]), "cols": int(x.shape[1]), "labels": labels.tolist(),
        "silhouette": float(silhouette_score(x64, labels)),
        "silhouette_samples": silhouette_samples(x64, labels).tolist(),
        "calinski_harabasz": float(calinski_harabasz_score(x64, labels)),
        "davies_bouldin": float(davies_bouldin_score(x64, labels)),
    }


rng = np.random.default_rng(0)
centres = rng.normal(0, 6, size=(5, 4))
y = rng.integers(0, 5, size=300)
blobs = centres[y] + rng.normal(0, 1, size=(300, 4))
noise = y.copy()
noise[blobs[:, 0] > np.quantile(blobs[:, 0], 0.9)] = -1
noise[7] = 9  # a cluster of one point

rng = np.random.default_rng(1)
overlap = np.concatenate([rng.normal(0, 1, size=(100, 2)), rng.normal(0.5, 1, size=(100, 2))])
split = rng.integers(0, 2, size=200)

rng = np.random.default_rng(2)
base = rng.integers(0, 4, size=(20, 3)).astype(np.float64)
dup = np.repeat(base, 3, axis=0)
dup_labels = (np.arange(60) // 20) * 3 % 7

out = {"blobs": case(blobs, y), "noise": case(blobs, noise), "overlap": case(overlap, split),
       "duplicates": case(dup, dup_labels)}
with open("validity.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
