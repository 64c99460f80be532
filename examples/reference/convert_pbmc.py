"""Rewrites data/pbmc68k_reduced.h5ad (gzip-compressed datasets; scanpy's bundled file, anndata 0.6's legacy layout) in the
current AnnData layout (encoding-type attributes), which clus reads. Run once, from the repository:
    python3 examples/reference/convert_pbmc.py
Needs anndata (made with anndata 0.12.19, h5py 3.16.0). Sparse matrices get sorted column indices
(the legacy file's raw.X has them descending within each row; clus refuses unsorted indices).
The values are unchanged: the script checks X, obsm and obs against the original after writing.
"""
import sys
import warnings
from pathlib import Path

import anndata
import numpy as np
import scipy.sparse as sp

root = Path(__file__).resolve().parents[2]
path = root / "data" / "pbmc68k_reduced.h5ad"
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # OldFormatWarning: this is what the script is for
    a = anndata.read_h5ad(path)
if a.raw is not None and sp.issparse(a.raw.X):
    a.raw.X.sort_indices()
for k, v in list(a.uns.items()):
    if isinstance(v, dict) and "connectivities" in v:
        for m in v.values():
            if sp.issparse(m):
                m.sort_indices()
out = path.with_suffix(".tmp.h5ad")
a.write_h5ad(out, compression="gzip")
b = anndata.read_h5ad(out)
assert np.array_equal(np.asarray(a.X), np.asarray(b.X))
assert np.array_equal(a.obsm["X_pca"], b.obsm["X_pca"])
assert list(a.obs["bulk_labels"]) == list(b.obs["bulk_labels"])
out.replace(path)
print(f"wrote {path} ({path.stat().st_size} bytes): {b.n_obs} x {b.n_vars}, obs {list(b.obs.columns)}", file=sys.stderr)
