"""scipy.sparse.save_npz fixtures for the sparse-matrix (.npz) reader.

Made with: Python 3.11.7, numpy 2.4.6, scipy 1.17.1.   Run: python3 make_fixtures.py
Deterministic (seeded); zip member timestamps may differ between runs, array bytes do not.

Files (all 30 x 20 unless said; "M" is one float32 matrix, density 0.15, sorted indices):
  csr.npz                M as CSR float32            (save_npz, compressed=True: members DEFLATED)
  csr_uncompressed.npz   M as CSR float32            (save_npz(compressed=False): members STORED)
  csc.npz                M as CSC float64
  coo.npz                M as COO float32 (row-major order of entries, i.e. M.tocoo())
  csr_int64_index.npz    M as CSR float32 with int64 indices/indptr (what scipy uses for big matrices)
  unsorted.npz           M as CSR float32, but within every row with >= 2 entries the column
                         indices are REVERSED (has_sorted_indices False); same dense values as M
  duplicates.npz         4 x 3 CSR float32 whose row 1 holds column 2 twice (1.5 and 2.25);
                         scipy sums duplicates: dense[1][2] == 3.75
  nan.npz                M as CSR float32 with data[5] = NaN (entry row/col given in expected.json)
  out_of_range.npz       5 x 4 CSR float32 written member-by-member with np.savez (uncompressed)
                         because scipy refuses it: a column index 4 == shape[1] (invalid)
expected.json: dense values of M (row-major, float32 written exactly), nnz, and per-file notes.

Members written by scipy.sparse.save_npz (this scipy; names are "<member>.npy" in the zip,
order as listed by zipfile; every member is an ordinary .npy, little-endian, C-order):
  CSR: indices <i4 (nnz,), indptr <i4 (rows+1,), format |S3 shape () = b'csr',
       shape <i8 (2,), data <f4 (nnz,)
  CSC: indices <i4 (nnz,), indptr <i4 (cols+1,), format |S3 () = b'csc', shape <i8 (2,), data <f8 (nnz,)
  COO: row <i4 (nnz,), col <i4 (nnz,), format |S3 () = b'coo', shape <i8 (2,), data <f4 (nnz,)
  -> `format` is a 0-d NumPy BYTES array (dtype '|S3', header descr '|S3'), not a unicode '<U3';
     `shape` is int64 even when indices are int32; index dtype can be int32 OR int64.
  (The exact listing produced at run time is printed to stdout.)
"""
import json
import os
import zipfile

import numpy as np
import scipy
import scipy.sparse as sp

here = os.path.dirname(os.path.abspath(__file__))
P = lambda name: os.path.join(here, name)  # noqa: E731

rng = np.random.default_rng(2024)
dense = np.where(rng.random((30, 20)) < 0.15, np.round(rng.gamma(2.0, 2.0, (30, 20)), 3), 0.0)
dense = dense.astype(np.float32)
M = sp.csr_matrix(dense)
M.sort_indices()
assert M.has_sorted_indices

sp.save_npz(P("csr.npz"), M)
sp.save_npz(P("csr_uncompressed.npz"), M, compressed=False)
sp.save_npz(P("csc.npz"), M.tocsc().astype(np.float64))
sp.save_npz(P("coo.npz"), M.tocoo())

m64 = M.copy()  # scipy's constructor would downcast int64 indices to int32, so set them afterwards
m64.indices = M.indices.astype(np.int64)
m64.indptr = M.indptr.astype(np.int64)
assert m64.indices.dtype == np.int64
sp.save_npz(P("csr_int64_index.npz"), m64)

# unsorted: reverse the column order inside each row
data, indices = M.data.copy(), M.indices.copy()
for r in range(M.shape[0]):
    a, b = M.indptr[r], M.indptr[r + 1]
    data[a:b] = data[a:b][::-1]
    indices[a:b] = indices[a:b][::-1]
U = sp.csr_matrix((data, indices, M.indptr.copy()), shape=M.shape)
U.has_sorted_indices = False
assert not np.array_equal(U.indices, M.indices)
assert np.array_equal(U.toarray(), dense)
sp.save_npz(P("unsorted.npz"), U)

D = sp.csr_matrix((np.array([1.0, 1.5, 2.25, 4.0], np.float32), np.array([0, 2, 2, 1], np.int32),
                   np.array([0, 1, 3, 3, 4], np.int32)), shape=(4, 3))
sp.save_npz(P("duplicates.npz"), D)
dup_dense = D.toarray()
assert dup_dense[1, 2] == np.float32(3.75)

N = M.copy()
N.data[5] = np.nan
nan_row = int(np.searchsorted(N.indptr, 5, side="right") - 1)
nan_col = int(N.indices[5])
sp.save_npz(P("nan.npz"), N)

# out of range: built by hand; scipy's constructor checks would reject index 4 for 4 columns
np.savez(P("out_of_range.npz"),
         indices=np.array([0, 3, 4, 1], np.int32), indptr=np.array([0, 2, 3, 3, 4, 4], np.int32),
         format=np.array(b"csr"), shape=np.array([5, 4], np.int64),
         data=np.array([1.0, 2.0, 3.0, 4.0], np.float32))
# NOTE: scipy.sparse.load_npz does NOT validate: it loads this file, and .toarray() silently
# writes the bad entry (row 1, col 4, value 3.0) at flat offset 1*4+4, i.e. shows it as
# dense[2][0]. Only check_format(full_check=True) refuses it.
try:
    sp.load_npz(P("out_of_range.npz")).check_format(full_check=True)
    refused = "no"
except Exception as e:
    refused = f"load_npz accepts it; check_format(full_check=True) raises {type(e).__name__}: {e}"

expected = {
    "numpy": np.__version__, "scipy": scipy.__version__,
    "shape": [30, 20], "nnz": int(M.nnz),
    "dense": [float(v) for v in dense.ravel()],
    "files": {
        "csr.npz": {"format": "csr", "data_dtype": "float32", "index_dtype": "int32", "compressed": True},
        "csr_uncompressed.npz": {"format": "csr", "data_dtype": "float32", "index_dtype": "int32", "compressed": False},
        "csc.npz": {"format": "csc", "data_dtype": "float64", "index_dtype": "int32", "compressed": True},
        "coo.npz": {"format": "coo", "data_dtype": "float32", "index_dtype": "int32", "compressed": True},
        "csr_int64_index.npz": {"format": "csr", "data_dtype": "float32", "index_dtype": "int64", "compressed": True},
        "unsorted.npz": {"format": "csr", "data_dtype": "float32", "index_dtype": "int32",
                         "indices": U.indices.tolist(), "note": "same dense values as csr.npz"},
        "duplicates.npz": {"format": "csr", "shape": [4, 3], "nnz_stored": 4,
                           "dense": [float(v) for v in dup_dense.ravel()],
                           "note": "row 1 stores column 2 twice; scipy sums duplicates"},
        "nan.npz": {"format": "csr", "nan_entry": {"data_index": 5, "row": nan_row, "col": nan_col},
                    "note": "other values as csr.npz"},
        "out_of_range.npz": {"format": "csr", "shape": [5, 4], "bad_index": 4, "bad_data_index": 2, "bad_row": 1,
                             "scipy": refused, "note": "reader must reject (index >= shape[1])"},
    },
}
with open(P("expected.json"), "w") as f:
    json.dump(expected, f, indent=1)

for name in ["csr.npz", "csr_uncompressed.npz", "csc.npz", "coo.npz", "csr_int64_index.npz",
             "unsorted.npz", "duplicates.npz", "nan.npz", "out_of_range.npz"]:
    z = np.load(P(name), allow_pickle=False)
    with zipfile.ZipFile(P(name)) as zf:
        comp = {i.filename: ("deflated" if i.compress_type == zipfile.ZIP_DEFLATED else "stored")
                for i in zf.infolist()}
    members = ", ".join(f"{k} {z[k].dtype.str} {z[k].shape}" + (f" = {z[k]!r}" if k in ("format", "shape") else "")
                        + f" [{comp[k + '.npy']}]" for k in z.files)
    print(f"{name}: {members}")
print("nnz", M.nnz, "nan at", nan_row, nan_col, "| scipy on out_of_range:", refused)
