"""Reference values for PCA / TruncatedSVD on a sparse CSR matrix.

Made with: Python 3.11.7, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1.
Run: python3 make_fixtures.py   (writes sparse_pca.json; deterministic, fixed seeds)

Inputs: sparse CSR float32 matrices (sorted indices, no explicit zeros), stored in the
JSON as `indptr`, `indices`, `values` (float32 values written exactly: float(np.float32)
round-trips). scikit-learn is given the SAME values as float64 (X.astype(np.float64)), so
the references are float64-precision; `dense` is the row-major dense copy.

For each matrix and each k in (3, 5):
  pca_arpack : PCA(n_components=k, svd_solver="arpack", random_state=0).fit_transform(X_csr)
               (sparse input; sklearn centers implicitly with a LinearOperator, X is never densified)
  pca_full   : PCA(n_components=k, svd_solver="full").fit_transform(X_dense)  -- agrees with pca_arpack
  tsvd_arpack: TruncatedSVD(n_components=k, algorithm="arpack", random_state=0).fit_transform(X_csr)
               (NO centering)
  tsvd_full  : numpy full SVD of the uncentered dense X with the same sign rule, as a cross-check.

Conventions that a port must match (read from sklearn 1.9.1 source):
  * Sign: svd_flip(U, Vt, u_based_decision=False) for both PCA and TruncatedSVD: each row of
    components_ is multiplied by the sign of its entry of largest absolute value (first such
    entry, np.argmax), so that entry is positive; transformed columns flip with it.
  * PCA.explained_variance_ = S**2 / (n - 1)  (ddof=1);  ratio = that / total variance with ddof=1.
    mean_ is the column mean.  transformed = (X - mean_) @ components_.T  (= U * S).
  * TruncatedSVD.explained_variance_ = np.var(X_transformed, axis=0)  (ddof=0, variance of the
    transformed columns about THEIR mean, even though X was not centered);
    explained_variance_ratio_ = that / sum of per-column variances of X with ddof=0.
    singular_values_ = S of the UNcentered X.  transformed = X @ components_.T (tol=0 → U * S).
  * All arrays are row-major flattened: transformed is n×k, components is k×d.
`max_abs_diff_arpack_vs_full` records the agreement between the two solvers.
"""
import json

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import PCA, TruncatedSVD


def make_matrix(n, d, density, seed):
    rng = np.random.default_rng(seed)
    m = sp.random(n, d, density=density, format="csr", dtype=np.float64,
                  random_state=rng, data_rvs=lambda s: rng.gamma(2.0, 1.5, size=s))
    # give columns different scales so the spectrum is not flat
    m = sp.csr_matrix(m @ sp.diags(np.linspace(2.0, 0.3, d)))
    m.data = m.data.astype(np.float32)
    m = sp.csr_matrix(m, dtype=np.float32)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def flip(vt, u=None):
    idx = np.argmax(np.abs(vt), axis=1)
    s = np.sign(vt[np.arange(vt.shape[0]), idx])
    vt = vt * s[:, None]
    if u is not None:
        u = u * s[None, :]
    return vt, u


def pca_dict(p, t):
    return {"transformed": t.ravel().tolist(), "components": p.components_.ravel().tolist(),
            "explained_variance": p.explained_variance_.tolist(),
            "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
            "singular_values": p.singular_values_.tolist(), "mean": p.mean_.tolist(),
            "noise_variance": float(p.noise_variance_)}


def tsvd_dict(p, t):
    return {"transformed": t.ravel().tolist(), "components": p.components_.ravel().tolist(),
            "explained_variance": p.explained_variance_.tolist(),
            "explained_variance_ratio": p.explained_variance_ratio_.tolist(),
            "singular_values": p.singular_values_.tolist()}


cases = []
for name, (n, d, dens, seed) in [("csr 60x25 density 0.2", (60, 25, 0.2, 11)),
                                 ("csr 200x40 density 0.2", (200, 40, 0.2, 12))]:
    x32 = make_matrix(n, d, dens, seed)
    x = x32.astype(np.float64)
    xd = x.toarray()
    for k in (3, 5):
        pa = PCA(n_components=k, svd_solver="arpack", random_state=0)
        ta = pa.fit_transform(x)
        pf = PCA(n_components=k, svd_solver="full")
        tf = pf.fit_transform(xd)
        sa = TruncatedSVD(n_components=k, algorithm="arpack", random_state=0)
        tsa = sa.fit_transform(x)
        # full-SVD cross-check of TruncatedSVD, same sign rule and same variance definitions
        u, s, vt = np.linalg.svd(xd, full_matrices=False)
        vt, u = flip(vt[:k], u[:, :k])
        s = s[:k]
        tsf = u * s
        tev = np.var(tsf, axis=0)
        tsvd_full = {"transformed": tsf.ravel().tolist(), "components": vt.ravel().tolist(),
                     "explained_variance": tev.tolist(),
                     "explained_variance_ratio": (tev / np.var(xd, axis=0).sum()).tolist(),
                     "singular_values": s.tolist()}
        diffs = {
            "pca_transformed": float(np.abs(ta - tf).max()),
            "pca_components": float(np.abs(pa.components_ - pf.components_).max()),
            "pca_explained_variance": float(np.abs(pa.explained_variance_ - pf.explained_variance_).max()),
            "tsvd_transformed": float(np.abs(tsa - tsf).max()),
            "tsvd_components": float(np.abs(sa.components_ - vt).max()),
            "tsvd_singular_values": float(np.abs(sa.singular_values_ - s).max()),
        }
        assert max(diffs.values()) < 1e-8, diffs
        cases.append({
            "name": f"{name} k={k}", "rows": n, "cols": d, "k": k, "nnz": int(x32.nnz),
            "indptr": x32.indptr.astype(np.int64).tolist(),
            "indices": x32.indices.astype(np.int64).tolist(),
            "values": [float(v) for v in x32.data],
            "dense": [float(v) for v in x32.toarray().ravel()],
            "pca_arpack": pca_dict(pa, ta), "pca_full": pca_dict(pf, tf),
            "tsvd_arpack": tsvd_dict(sa, tsa), "tsvd_full": tsvd_full,
            "max_abs_diff_arpack_vs_full": diffs,
        })
        print(cases[-1]["name"], "nnz", x32.nnz, "max diff", max(diffs.values()))

json.dump({"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__,
           "layout": "row-major; transformed n*k, components k*d; values are float32 stored exactly",
           "cases": cases}, open("sparse_pca.json", "w"))
print(len(cases), "cases")
