"""AnnData (.h5ad) fixtures for the clus .h5ad reader.  Run: python3 make_fixtures.py

Made with: Python 3.11.7, anndata 0.12.19, h5py 3.16.0 (bundling HDF5 2.0.0), numpy 2.4.6,
pandas 2.3.3, scipy 1.17.1.  Deterministic (seed 20240611; corrupt.h5ad uses seed 7).
The .h5ad files are byte-for-byte reproducible only up to HDF5 object-header timestamps
(h5py disables them by default, so in practice they are identical run to run).

Files (40 cells x 12 genes unless said; X = counts-like float32, 158 non-zeros of 480, row 3 and
column 7 all zero; obs/var/obsm/layers/uns identical in every file unless said):
  dense.h5ad        X dense float32                      csr.h5ad      X CSR float32, sorted indices
  csc.h5ad          X CSC float64                        counts_int.h5ad  X CSR int64
  csr_gzip.h5ad     csr.h5ad written with compression="gzip" (every dataset chunked + deflate)
  no_x.h5ad         AnnData(X=None): no /X at all        minimal.h5ad  3 x 2 X only, no columns
  unsupported_nullable_int.h5ad     /obs/n_umi    encoding-type "nullable-integer" 0.1.0
  unsupported_nullable_bool.h5ad    /obs/qc_pass  encoding-type "nullable-boolean" 0.1.0
  unsupported_nullable_string.h5ad  /obs/donor    encoding-type "nullable-string-array" 0.1.0
  unsupported_obsm_dataframe.h5ad   /obsm/meta    encoding-type "dataframe" 0.2.0 (DataFrame in obsm)
        (each nullable group holds datasets `values` (<i8 / bool enum / vlen UTF-8) and `mask`
         (bool enum, TRUE = missing); every one of these files is dense.h5ad plus that one element)
  legacy.h5ad, legacy_csr.h5ad  the pre-0.7 anndata layout, hand-written with h5py (see below)
  corrupt.h5ad      first 2 KB of dense.h5ad + random bytes to the same length (opens; reads fail)
  truncated.h5ad    first 2 KB of dense.h5ad only (open fails: "truncated file")
  not_hdf5.h5ad     a text file (open fails: "file signature not found")
  misaligned_obsm.h5ad  minimal.h5ad + /obsm/X_bad with 5 rows for 3 cells (anndata refuses it)
                    and /uns/cube, a 2 x 3 x 4 array, /layers/flat (a vector), /obsm/scalar (0-d)
  no_obs_index.h5ad minimal.h5ad without obs's `_index` attribute (anndata refuses it: KeyError) and
                    with /obsm/X_long, 4 rows for 3 cells
  no_obs_index_bad_shape.h5ad  minimal.h5ad's X as CSR whose shape attribute says 7 x 2 (indptr: 3
                    rows), obs without `_index`; no_obs_index_no_x.h5ad: no `_index` and no X
  obs_index_missing.h5ad  minimal.h5ad whose obs `_index` names "cell_names", which obs does not hold
  root_unmarked.h5ad  minimal.h5ad without the root's encoding-type (its elements keep theirs);
                    root_unmarked_both.h5ad without its encoding-version too (anndata reads it)
  external_x.h5ad   minimal.h5ad whose X is an external link to elsewhere.h5 (absent)
  misaligned_raw_varm.h5ad  minimal.h5ad with raw (3 raw genes) whose raw/varm/PCs has 4 rows
expected.json: per file the shape, nnz and the full dense X (nested lists), and for dense.h5ad the
obs/var/obsm/layers/uns listing; LAYOUT.txt: the full h5py walk of dense, csr and legacy.

ON-DISK LAYOUT written by anndata 0.12.19 (h5py 3.16.0 / HDF5 2.0.0), from the walk below:
* Superblock version 0, no userblock, no creation-order tracking: h5py/HDF5 list members by NAME;
  the column order comes only from `column-order`.  Every good file here was also read completely
  (every dataset and attribute) by Debian 12's libhdf5 1.10.8 with a small C program (H5Ovisit +
  H5Dread/H5Aread with H5Tget_native_type): 0 errors.
* Every element has attributes `encoding-type` and `encoding-version`: SCALAR dataspace,
  variable-length UTF-8 strings (H5T_STRING, H5T_VARIABLE, H5T_CSET_UTF8; h5py dtype object,
  i.e. h5py.string_dtype('utf-8', None)).  All string attributes are of this kind.
* /  : encoding-type "anndata", encoding-version "0.1.0"; children X, layers, obs, obsm, obsp, uns,
  var, varm, varp (layers/obsm/obsp/uns/varm/varp: "dict" 0.1.0 groups, possibly empty).
* Dense arrays (X, obsm/*, numeric obs columns): DATASET, encoding-type "array" 0.2.0, native
  little-endian dtype (X <f4, X_pca <f4 (40,5), X_umap <f8 (40,2), n_counts <f8, n_genes <i8),
  C (row-major) order, layout CONTIGUOUS (chunked + deflate only with compression="gzip").
* Sparse (X in csr/csc/counts_int, layers/counts): GROUP, encoding-type "csr_matrix" or
  "csc_matrix", encoding-version "0.1.0", attribute `shape` = INT64 1-D (2,) [n_obs, n_vars]
  (NOT h5sparse_shape; there is no h5sparse_format attribute in the new layout); datasets
  `data` (value dtype as in memory: <f4, <f8, <i4, <i8), `indices` <i4, `indptr` <i4 (anndata keeps
  scipy's index dtype, so <i8 for big matrices; with anndata's non-default setting
  write_csr_csc_indices_with_min_possible_dtype, indices would be UNSIGNED u1/u2/u4).  CSR indptr
  has n_obs+1 entries, CSC n_vars+1.  Always CHUNKED (maxshape (None,), one chunk here).
* DataFrame (obs, var, and obsm/meta): GROUP, encoding-type "dataframe", encoding-version "0.2.0",
  attributes `_index` (scalar vlen UTF-8: the NAME of the index dataset, "_index" unless the pandas
  index had a name) and `column-order` (1-D vlen UTF-8 string array, e.g. ['cell_type', 'n_counts',
  'n_genes', 'batch', 'is_doublet']; when there are NO columns it is an EMPTY FLOAT64 array of shape
  (0,), see minimal.h5ad).  Members: the index dataset + one element per column.
* string-array 0.2.0 (obs/_index, var/_index, batch, categories, uns/cell_type_colors): 1-D DATASET,
  variable-length UTF-8 (h5py.string_dtype('utf-8', None)), contiguous; non-ASCII is plain UTF-8
  ("b3-ü").  No fixed-length strings anywhere in the new layout.
* categorical 0.2.0 (obs/cell_type): GROUP with attribute `ordered` (SCALAR HDF5 ENUM over int8
  {FALSE:0, TRUE:1}, numpy bool), dataset `codes` (<i1 here, "array"; -1 = missing; pandas widens to
  int16... with more categories) and dataset `categories` (string-array ['B', 'T', 'NK']).
* bool arrays (is_doublet, highly_variable, nullable masks, the `ordered` attribute): HDF5 ENUM with
  base H5T_STD_I8LE and members FALSE=0, TRUE=1 (h5py's mapping of numpy bool).
* uns: "dict" groups; Python int -> "numeric-scalar" 0.2.0 (SCALAR dataspace <i8); str -> "string"
  0.2.0 (SCALAR vlen UTF-8 dataset); list/array of str -> "string-array".
Legacy layout (legacy*.h5ad, like data/pbmc68k_reduced.h5ad): no encoding attributes at all; obs,
var, raw.var, obsm are 1-D packed COMPOUND datasets (see the comment before write_legacy).
"""
import importlib.metadata
import json
import os
import shutil
import warnings

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import scipy
import scipy.sparse as sp

ANNDATA_VERSION = importlib.metadata.version("anndata")
here = os.path.dirname(os.path.abspath(__file__))
P = lambda name: os.path.join(here, name)  # noqa: E731
rng = np.random.default_rng(20240611)

N_CELLS, N_GENES = 40, 12

# ---------------------------------------------------------------- the data
# counts-like: negative-binomial counts, ~65% zeros, as float32
lam = rng.gamma(0.6, 3.0, size=(N_CELLS, N_GENES))
counts = rng.poisson(lam).astype(np.int32)
counts[rng.random((N_CELLS, N_GENES)) < 0.35] = 0
counts[3, :] = 0                     # one all-zero cell (empty CSR row)
counts[:, 7] = 0                     # one all-zero gene (empty CSC column)
counts[5, 7] = 0
X = counts.astype(np.float32)

cell_type = pd.Categorical(rng.choice(["B", "T", "NK"], size=N_CELLS), categories=["B", "T", "NK"])
cell_type[6] = np.nan                # one missing value -> code -1
obs = pd.DataFrame(
    {
        "cell_type": cell_type,
        "n_counts": X.sum(axis=1).astype(np.float64),
        "n_genes": (X > 0).sum(axis=1).astype(np.int64),
        "batch": np.array(rng.choice(["b1", "b2", "b3-ü"], size=N_CELLS), dtype=object),
        "is_doublet": rng.random(N_CELLS) < 0.1,
    },
    index=pd.Index([f"cell{i}" for i in range(N_CELLS)]),
)
assert obs["batch"].dtype == object and not isinstance(obs["batch"].dtype, pd.CategoricalDtype)
var = pd.DataFrame({"highly_variable": (np.arange(N_GENES) % 3 == 0)},
                   index=pd.Index([f"gene{j}" for j in range(N_GENES)]))
X_pca = rng.normal(size=(N_CELLS, 5)).astype(np.float32)
X_umap = rng.normal(size=(N_CELLS, 2)).astype(np.float64) * 3.0
uns = {
    "title": "clus h5ad fixture",                  # -> encoding-type "string"
    "seed": 20240611,                              # -> "numeric-scalar"
    "cell_type_colors": np.array(["#1f77b4", "#ff7f0e", "#2ca02c"], dtype=object),  # "string-array"
    "params": {"n_neighbors": 15, "metric": "euclidean"},  # "dict"
}


def make(x, **extra_obs):
    o = obs.copy()
    for k, v in extra_obs.items():
        o[k] = v
    a = ad.AnnData(X=x, obs=o, var=var.copy(),
                   obsm={"X_pca": X_pca.copy(), "X_umap": X_umap.copy()},
                   layers={"counts": sp.csr_matrix(counts)}, uns=dict(uns))
    return a


def write(a, name, **kw):
    path = P(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a.write_h5ad(path, convert_strings_to_categoricals=False, **kw)
    return path


csr32 = sp.csr_matrix(X, dtype=np.float32)
csr32.sort_indices()
assert csr32.has_sorted_indices
csc64 = sp.csc_matrix(X.astype(np.float64))
csc64.sort_indices()
csr_i64 = sp.csr_matrix(counts.astype(np.int64))
assert csr_i64.data.dtype == np.int64

main_files = {
    "dense.h5ad": write(make(X.copy()), "dense.h5ad"),
    "csr.h5ad": write(make(csr32), "csr.h5ad"),
    "csc.h5ad": write(make(csc64), "csc.h5ad"),
    "counts_int.h5ad": write(make(csr_i64), "counts_int.h5ad"),
    # extra: the same CSR X, every dataset gzip-compressed (chunked + deflate filter), as many
    # real files are (sc.write(..., compression="gzip"))
    "csr_gzip.h5ad": write(make(csr32), "csr_gzip.h5ad", compression="gzip"),
}
# extra: a file without X (AnnData(X=None)): there is no "/X" at all
a_nox = make(X.copy())
a_nox.X = None
main_files["no_x.h5ad"] = write(a_nox, "no_x.h5ad")

# extra: the smallest file anndata writes: 3 x 2 float32 X, no obs/var columns, default
# string indices "0","1",... ; obs/var "column-order" is then an EMPTY FLOAT64 array (shape (0,)),
# not a string array
main_files["minimal.h5ad"] = write(ad.AnnData(X=np.array([[1, 0], [0, 2.5], [3, 0]], np.float32)),
                                   "minimal.h5ad")

# ---------------------------------------------------------------- unsupported encodings
# Each file is dense.h5ad plus ONE element a simple reader does not support:
unsupported = {
    # /obs/n_umi: group, encoding-type "nullable-integer" 0.1.0, datasets values <i8 and mask (bool enum)
    "unsupported_nullable_int.h5ad": ("/obs/n_umi", "nullable-integer"),
    # /obs/qc_pass: group, encoding-type "nullable-boolean" 0.1.0, datasets values (bool) and mask (bool)
    "unsupported_nullable_bool.h5ad": ("/obs/qc_pass", "nullable-boolean"),
    # /obs/donor: group, encoding-type "nullable-string-array" 0.1.0, values (vlen utf-8 str) and mask
    "unsupported_nullable_string.h5ad": ("/obs/donor", "nullable-string-array"),
    # /obsm/meta: group, encoding-type "dataframe" 0.2.0 (a DataFrame in obsm), columns score, group
    "unsupported_obsm_dataframe.h5ad": ("/obsm/meta", "dataframe"),
}
n_umi = pd.array([int(v) for v in rng.integers(100, 5000, N_CELLS)], dtype="Int64")
n_umi[2] = pd.NA
write(make(X.copy(), n_umi=n_umi), "unsupported_nullable_int.h5ad")
qc = pd.array(list(rng.random(N_CELLS) < 0.8), dtype="boolean")
qc[4] = pd.NA
write(make(X.copy(), qc_pass=qc), "unsupported_nullable_bool.h5ad")
donor = pd.array(list(rng.choice(["d1", "d2"], size=N_CELLS)), dtype=pd.StringDtype())
donor[1] = pd.NA
with ad.settings.override(allow_write_nullable_strings=True):
    write(make(X.copy(), donor=donor), "unsupported_nullable_string.h5ad")
a = make(X.copy())
a.obsm["meta"] = pd.DataFrame({"score": rng.normal(size=N_CELLS),
                               "group": pd.Categorical(rng.choice(["x", "y"], N_CELLS))},
                              index=obs.index)
write(a, "unsupported_obsm_dataframe.h5ad")
for name, (path, enc) in unsupported.items():
    with h5py.File(P(name), "r") as f:
        got = f[path].attrs["encoding-type"]
        assert got == enc, (name, path, got)

# ---------------------------------------------------------------- legacy (anndata < 0.7) layout
# anndata 0.12 cannot write the pre-0.7 layout any more, but it still READS it, and the example data
# set data/pbmc68k_reduced.h5ad (shipped in scanpy's wheel) is in exactly this layout.  legacy.h5ad
# and legacy_csr.h5ad are written by hand with h5py to mirror pbmc68k_reduced.h5ad's layout:
#   * no attributes anywhere except h5sparse_format / h5sparse_shape on sparse groups; no root attrs
#   * /obs, /var, /raw.var: 1-D PACKED COMPOUND datasets (numpy structured arrays, no alignment):
#     field "index" = fixed-length NULLPAD ASCII string (|S<n>), then one field per column;
#     categorical columns are int8 codes (-1 = missing) whose categories live in
#     /uns/<column>_categories (fixed-length NULLPAD ASCII |S<n>, 1-D); bool columns are the HDF5
#     ENUM {FALSE:0, TRUE:1} over int8 (numpy '?')
#   * /obsm (and /varm): 1-D COMPOUND dataset, one ARRAY-typed field per key, e.g. X_pca '<f4' (5,)
#   * sparse matrices (/raw.X, and /X in legacy_csr.h5ad): a group with scalar vlen-UTF-8 attribute
#     h5sparse_format = 'csr' and int64 (2,) attribute h5sparse_shape; datasets data, indices (int32),
#     indptr (int32); indices DESCENDING within each row (as in pbmc68k_reduced's raw.X: unsorted!)
#   * every dataset chunked + gzip level 4 (resizable sparse members: maxshape (None,))
#   * strings must be ASCII in this layout, so the batch value "b3-ü" is written as "b3-u" here
LEGACY_BATCH = [b.replace("ü", "u") for b in obs["batch"]]


def write_legacy(name, sparse_x):
    kw = dict(compression="gzip", compression_opts=4)
    with h5py.File(P(name), "w") as f:
        if sparse_x:
            m = sp.csr_matrix(X)
            g = f.create_group("X")
            g.attrs["h5sparse_format"] = "csr"
            g.attrs["h5sparse_shape"] = np.array(X.shape, np.int64)
            rev_ind, rev_dat = m.indices.copy(), m.data.copy()
            for r in range(m.shape[0]):
                a, b = m.indptr[r], m.indptr[r + 1]
                rev_ind[a:b], rev_dat[a:b] = rev_ind[a:b][::-1], rev_dat[a:b][::-1]
            g.create_dataset("data", data=rev_dat, maxshape=(None,), **kw)
            g.create_dataset("indices", data=rev_ind.astype(np.int32), maxshape=(None,), **kw)
            g.create_dataset("indptr", data=m.indptr.astype(np.int32), maxshape=(None,), **kw)
        else:
            f.create_dataset("X", data=X, chunks=(20, 6), maxshape=X.shape, **kw)
        batch_cats = sorted(set(LEGACY_BATCH))
        odt = np.dtype([("index", "S7"), ("cell_type", "i1"), ("n_counts", "<f8"), ("n_genes", "<i8"),
                        ("batch", "i1"), ("is_doublet", "?")])
        o = np.zeros(N_CELLS, odt)
        o["index"] = [s.encode() for s in obs.index]
        o["cell_type"] = obs["cell_type"].cat.codes.to_numpy()
        o["n_counts"] = obs["n_counts"].to_numpy()
        o["n_genes"] = obs["n_genes"].to_numpy()
        o["batch"] = [batch_cats.index(b) for b in LEGACY_BATCH]
        o["is_doublet"] = obs["is_doublet"].to_numpy()
        f.create_dataset("obs", data=o, maxshape=(N_CELLS,), **kw)
        vdt = np.dtype([("index", "S6"), ("highly_variable", "?")])
        v = np.zeros(N_GENES, vdt)
        v["index"] = [s.encode() for s in var.index]
        v["highly_variable"] = var["highly_variable"].to_numpy()
        f.create_dataset("var", data=v, maxshape=(N_GENES,), **kw)
        mdt = np.dtype([("X_pca", "<f4", (5,)), ("X_umap", "<f8", (2,))])
        om = np.zeros(N_CELLS, mdt)
        om["X_pca"], om["X_umap"] = X_pca, X_umap
        f.create_dataset("obsm", data=om, maxshape=(N_CELLS,), **kw)
        u = f.create_group("uns")
        u.create_dataset("cell_type_categories", data=np.array([c.encode() for c in obs["cell_type"].cat.categories]),
                         maxshape=(3,), **kw)
        u.create_dataset("batch_categories", data=np.array([c.encode() for c in batch_cats]), maxshape=(3,), **kw)
        u.create_dataset("cell_type_colors", data=np.array([c.encode() for c in uns["cell_type_colors"]]),
                         maxshape=(3,), **kw)
        p = u.create_group("params")
        p.create_dataset("n_neighbors", data=np.array([15], np.int64), maxshape=(1,), **kw)
        p.create_dataset("metric", data=np.array([b"euclidean"]), maxshape=(1,), **kw)
        # raw: the integer counts as float32 CSR with descending indices, like pbmc68k_reduced
        raw = sp.csr_matrix(counts.astype(np.float32))
        g = f.create_group("raw.X")
        g.attrs["h5sparse_format"] = "csr"
        g.attrs["h5sparse_shape"] = np.array(raw.shape, np.int64)
        ind, dat = raw.indices.copy(), raw.data.copy()
        for r in range(raw.shape[0]):
            a, b = raw.indptr[r], raw.indptr[r + 1]
            ind[a:b], dat[a:b] = ind[a:b][::-1], dat[a:b][::-1]
        g.create_dataset("data", data=dat, maxshape=(None,), **kw)
        g.create_dataset("indices", data=ind.astype(np.int32), maxshape=(None,), **kw)
        g.create_dataset("indptr", data=raw.indptr.astype(np.int32), maxshape=(None,), **kw)
        f.create_dataset("raw.var", data=v[["index"]].astype(np.dtype([("index", "S6")])),
                         maxshape=(N_GENES,), **kw)
    return batch_cats


LEGACY_BATCH_CATS = write_legacy("legacy.h5ad", sparse_x=False)
write_legacy("legacy_csr.h5ad", sparse_x=True)
for name in ["legacy.h5ad", "legacy_csr.h5ad"]:   # anndata 0.12 must read them back exactly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = ad.read_h5ad(P(name))
    bx = b.X.toarray() if sp.issparse(b.X) else b.X
    assert np.array_equal(bx, X), name
    assert list(b.obs["cell_type"].astype(object).fillna("NaN")) == list(obs["cell_type"].astype(object).fillna("NaN"))
    assert list(b.obs["batch"].astype(str)) == LEGACY_BATCH and list(b.obs_names) == list(obs.index)
    assert np.array_equal(b.obsm["X_pca"], X_pca) and np.array_equal(b.obsm["X_umap"], X_umap)
    assert np.array_equal(b.raw.X.toarray(), counts.astype(np.float32))
    assert list(b.var["highly_variable"]) == list(var["highly_variable"])

# ---------------------------------------------------------------- corrupt files
with open(P("dense.h5ad"), "rb") as f:
    head = f.read(2048)
    full_size = len(head) + len(f.read())
# corrupt.h5ad: the first 2 KB of dense.h5ad (superblock and root object header intact), then random
# bytes up to dense.h5ad's length, so HDF5's end-of-file check passes and the damage is only met when
# the root group's symbol table / the global heap (variable-length strings) are read.
with open(P("corrupt.h5ad"), "wb") as f:
    f.write(head + np.random.default_rng(7).bytes(full_size - len(head)))
# truncated.h5ad: only the first 2 KB of dense.h5ad (HDF5: "truncated file: eof = 2048 ... stored_eof")
with open(P("truncated.h5ad"), "wb") as f:
    f.write(head)
with open(P("not_hdf5.h5ad"), "w") as f:
    f.write("cell,gene0,gene1\ncell0,1,0\n# this is a text file, not HDF5\n")


# ---------------------------------------------------------------- misaligned elements
# misaligned_obsm.h5ad: minimal.h5ad (3 cells) plus /obsm/X_bad, a 5 x 2 float32 "array" element
# added with h5py: more rows than cells. anndata itself refuses to read it (asserted below).
shutil.copyfile(P("minimal.h5ad"), P("misaligned_obsm.h5ad"))
with h5py.File(P("misaligned_obsm.h5ad"), "r+") as f:
    d = f["obsm"].create_dataset("X_bad", data=np.arange(10, dtype=np.float32).reshape(5, 2))
    d.attrs["encoding-type"] = "array"
    d.attrs["encoding-version"] = "0.2.0"
    # and /uns/cube, a 2 x 3 x 4 float32 array (0, 1, ..., 23), which clus reads as a 2 x 12 matrix
    c = f["uns"].create_dataset("cube", data=np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    c.attrs["encoding-type"] = "array"
    c.attrs["encoding-version"] = "0.2.0"
    # /layers/flat, a vector of 3 (one per cell, but a layer is a cells x genes matrix), and
    # /obsm/scalar, a single number (0-d): clus refuses both when read
    for parent, name, value in (("layers", "flat", np.array([1, 2, 3], np.float32)), ("obsm", "scalar", np.float32(7))):
        e = f[parent].create_dataset(name, data=value)
        e.attrs["encoding-type"] = "array"
        e.attrs["encoding-version"] = "0.2.0"


def assert_anndata_refuses(name, *fragments):
    """anndata.read_h5ad fails on `name` with an error that holds one of `fragments`."""
    try:
        ad.read_h5ad(P(name))
    except Exception as e:
        assert any(f in str(e) for f in fragments), e
        return
    raise AssertionError(f"anndata read {name}")


assert_anndata_refuses("misaligned_obsm.h5ad", "incorrect shape", "must match")

# no_obs_index.h5ad: minimal.h5ad (3 x 2) whose obs frame lost its `_index` attribute (the cell names'
# dataset is no longer named), plus /obsm/X_long, 4 x 2: clus takes the cell count from X's rows and
# refuses X_long; anndata refuses the whole file (asserted below).
shutil.copyfile(P("minimal.h5ad"), P("no_obs_index.h5ad"))
with h5py.File(P("no_obs_index.h5ad"), "r+") as f:
    del f["obs"].attrs["_index"]
    d = f["obsm"].create_dataset("X_long", data=np.arange(8, dtype=np.float32).reshape(4, 2))
    d.attrs["encoding-type"] = "array"
    d.attrs["encoding-version"] = "0.2.0"
assert_anndata_refuses("no_obs_index.h5ad", "_index")

# no_obs_index_bad_shape.h5ad: minimal.h5ad's 3 x 2 with X as CSR, obs without `_index`, and X's
# `shape` attribute saying 7 x 2 while its indptr holds 4 entries (3 rows): nothing says how many
# cells the file has, so clus shows n_obs as none and refuses X, naming the mismatch.
# no_obs_index_no_x.h5ad: minimal.h5ad without obs's `_index` and without X: n_obs none too.
# anndata refuses both files (asserted below).
write(ad.AnnData(X=sp.csr_matrix(np.array([[1, 0], [0, 2.5], [3, 0]], np.float32))), "no_obs_index_bad_shape.h5ad")
with h5py.File(P("no_obs_index_bad_shape.h5ad"), "r+") as f:
    del f["obs"].attrs["_index"]
    f["X"].attrs["shape"] = np.array([7, 2], dtype=np.int64)
assert_anndata_refuses("no_obs_index_bad_shape.h5ad", "_index")
shutil.copyfile(P("minimal.h5ad"), P("no_obs_index_no_x.h5ad"))
with h5py.File(P("no_obs_index_no_x.h5ad"), "r+") as f:
    del f["obs"].attrs["_index"]
    del f["X"]
assert_anndata_refuses("no_obs_index_no_x.h5ad", "_index")

# obs_index_missing.h5ad: minimal.h5ad whose obs `_index` attribute names "cell_names", a dataset the
# group does not hold (anndata refuses it: KeyError); clus refuses obs naming the attribute's target.
shutil.copyfile(P("minimal.h5ad"), P("obs_index_missing.h5ad"))
with h5py.File(P("obs_index_missing.h5ad"), "r+") as f:
    f["obs"].attrs["_index"] = "cell_names"
assert_anndata_refuses("obs_index_missing.h5ad", "cell_names")

# root_unmarked.h5ad: minimal.h5ad without the root's encoding-type attribute, its elements still marked
# as anndata >= 0.7 writes them (anndata refuses it: no read method for encoding_type ''): damage, not an
# old anndata's layout; clus says so instead of advising a conversion.
shutil.copyfile(P("minimal.h5ad"), P("root_unmarked.h5ad"))
with h5py.File(P("root_unmarked.h5ad"), "r+") as f:
    del f.attrs["encoding-type"]
assert_anndata_refuses("root_unmarked.h5ad", "No read method")
# root_unmarked_both.h5ad: the same without the root's encoding-version too: anndata reads it (element by
# element), and so does clus.
shutil.copyfile(P("minimal.h5ad"), P("root_unmarked_both.h5ad"))
with h5py.File(P("root_unmarked_both.h5ad"), "r+") as f:
    del f.attrs["encoding-type"]
    del f.attrs["encoding-version"]
assert ad.read_h5ad(P("root_unmarked_both.h5ad")).shape == (3, 2)

# external_x.h5ad: minimal.h5ad whose X is an HDF5 external link to "elsewhere.h5" (absent): clus reads
# only what the file holds and names the link; anndata fails to open the link's target.
shutil.copyfile(P("minimal.h5ad"), P("external_x.h5ad"))
with h5py.File(P("external_x.h5ad"), "r+") as f:
    del f["X"]
    f["X"] = h5py.ExternalLink("elsewhere.h5", "/X")
assert_anndata_refuses("external_x.h5ad", "elsewhere", "unable to open", "Unable to")

# misaligned_raw_varm.h5ad: minimal.h5ad's 3 x 2 with raw (3 cells x 3 raw genes, raw.varm["PCs"] 3 x 2),
# then raw/varm/PCs replaced by a 4 x 2 array: one row per raw gene is 3 (anndata refuses it).
r = ad.AnnData(X=np.array([[1, 0, 4], [0, 2.5, 0], [3, 0, 1]], np.float32))
r.varm["PCs"] = np.arange(6, dtype=np.float32).reshape(3, 2)
m = ad.AnnData(X=np.array([[1, 0], [0, 2.5], [3, 0]], np.float32))
m.raw = r
write(m, "misaligned_raw_varm.h5ad")
with h5py.File(P("misaligned_raw_varm.h5ad"), "r+") as f:
    del f["raw/varm/PCs"]
    d = f["raw/varm"].create_dataset("PCs", data=np.arange(8, dtype=np.float32).reshape(4, 2))
    d.attrs["encoding-type"] = "array"
    d.attrs["encoding-version"] = "0.2.0"
assert_anndata_refuses("misaligned_raw_varm.h5ad", "incorrect shape")


def open_error(name):
    try:
        ad.read_h5ad(P(name))
        return "opened?!"
    except Exception as e:
        return f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"


# ---------------------------------------------------------------- the walk
TYPE_CLASS = {h5py.h5t.INTEGER: "INTEGER", h5py.h5t.FLOAT: "FLOAT", h5py.h5t.STRING: "STRING",
              h5py.h5t.ENUM: "ENUM", h5py.h5t.COMPOUND: "COMPOUND", h5py.h5t.OPAQUE: "OPAQUE",
              h5py.h5t.REFERENCE: "REFERENCE", h5py.h5t.VLEN: "VLEN", h5py.h5t.ARRAY: "ARRAY",
              h5py.h5t.BITFIELD: "BITFIELD"}
LAYOUT = {h5py.h5d.COMPACT: "compact", h5py.h5d.CONTIGUOUS: "contiguous", h5py.h5d.CHUNKED: "chunked"}


def describe_type(tid):
    c = tid.get_class()
    name = TYPE_CLASS.get(c, str(c))
    if c == h5py.h5t.STRING:
        cset = {h5py.h5t.CSET_ASCII: "ASCII", h5py.h5t.CSET_UTF8: "UTF-8"}[tid.get_cset()]
        if tid.is_variable_str():
            return f"STRING variable-length {cset}"
        return f"STRING fixed-length size={tid.get_size()} {cset}"
    if c == h5py.h5t.INTEGER:
        order = "LE" if tid.get_order() == h5py.h5t.ORDER_LE else "BE"
        sign = "signed" if tid.get_sign() == h5py.h5t.SGN_2 else "unsigned"
        return f"INTEGER {sign} {8 * tid.get_size()}-bit {order}"
    if c == h5py.h5t.FLOAT:
        order = "LE" if tid.get_order() == h5py.h5t.ORDER_LE else "BE"
        return f"FLOAT {8 * tid.get_size()}-bit {order}"
    if c == h5py.h5t.ENUM:
        base = describe_type(tid.get_super())
        members = {tid.get_member_name(i).decode(): tid.get_member_value(i) for i in range(tid.get_nmembers())}
        return f"ENUM base=({base}) members={members}"
    return name


def describe_space(sid):
    t = sid.get_simple_extent_type()
    if t == h5py.h5s.SCALAR:
        return "scalar"
    if t == h5py.h5s.NULL:
        return "null"
    return f"simple{tuple(int(d) for d in sid.shape)}"


def fmt_value(v, limit=16):
    if isinstance(v, bytes):
        return repr(v)
    if isinstance(v, np.ndarray):
        flat = v.ravel()
        items = [x.decode() if isinstance(x, bytes) else x for x in flat[:limit].tolist()]
        more = f" ... ({flat.size} in all)" if flat.size > limit else ""
        return f"{items}{more}"
    return repr(v)


def walk(path, out):
    with h5py.File(path, "r") as f:
        with open(path, "rb") as raw:
            sb = raw.read(9)
        out.append(f"FILE {os.path.basename(path)}  ({os.path.getsize(path)} bytes, "
                   f"superblock version {sb[8]}, userblock {f.userblock_size})")

        def attrs(obj, indent):
            for k in sorted(obj.attrs.keys()):
                aid = h5py.h5a.open(obj.id, k.encode())
                v = obj.attrs[k]
                out.append(f"{indent}@{k} = {fmt_value(v)}   "
                           f"[{describe_type(aid.get_type())}, {describe_space(aid.get_space())}, "
                           f"h5py dtype {obj.attrs.get_id(k).dtype!r}]")

        def visit(obj, indent):
            if isinstance(obj, h5py.Dataset):
                tid = obj.id.get_type()
                dcpl = obj.id.get_create_plist()
                filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
                fnames = {1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset"}
                line = (f"{indent}{obj.name.split('/')[-1] or '/'}  DATASET {describe_type(tid)} "
                        f"{describe_space(obj.id.get_space())}  h5py dtype {obj.dtype!r}")
                sdt = h5py.check_string_dtype(obj.dtype)
                if sdt is not None:
                    line += f" (check_string_dtype: encoding={sdt.encoding!r}, length={sdt.length!r})"
                line += f"  layout={LAYOUT.get(dcpl.get_layout())}"
                if obj.chunks:
                    line += f" chunks={obj.chunks} maxshape={obj.maxshape}"
                if filters:
                    line += f" filters={[fnames.get(x, x) for x in filters]}"
                out.append(line)
                if obj.shape == ():
                    out.append(f"{indent}  value = {fmt_value(obj[()])}")
                elif len(obj.shape) == 1:
                    out.append(f"{indent}  values[:16] = {fmt_value(obj[: min(obj.shape[0], 16)])}")
                else:
                    out.append(f"{indent}  row 0 = {fmt_value(obj[0])}")
                attrs(obj, indent + "  ")
            else:
                label = obj.name if obj.name == "/" else obj.name.split("/")[-1] + "/"
                out.append(f"{indent}{label}  GROUP")
                attrs(obj, indent + "  ")
                for k in obj.keys():   # h5py iterates in name order (no track_order)
                    visit(obj[k], indent + "  ")

        visit(f["/"], "  ")
    out.append("")


if __name__ == "__main__":
    lines = []
    for name in sorted(os.listdir(here)):
        if name.endswith(".h5ad") and name not in ("corrupt.h5ad", "truncated.h5ad", "not_hdf5.h5ad", "link_cycle.h5ad",
                                                   "external_x.h5ad"):
            walk(P(name), lines)
    print("\n".join(lines))
    layout_lines = []
    for name in ["dense.h5ad", "csr.h5ad", "legacy.h5ad"]:
        walk(P(name), layout_lines)
    with open(P("LAYOUT.txt"), "w") as f:
        f.write("h5py walk of dense.h5ad, csr.h5ad and legacy.h5ad, written by make_fixtures.py\n"
                f"(anndata {ANNDATA_VERSION}, h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}).\n"
                "Groups and datasets are listed in h5py's (name) order; '@' lines are attributes with\n"
                "[HDF5 type, dataspace, h5py dtype].  values[:16] shows the first 16 entries (a scalar string\n"
                "dataset reads back as bytes in h5py; it is the same variable-length UTF-8 string).\n\n")
        f.write("\n".join(layout_lines))

    # ------------------------------------------------------------ expected.json
    def obs_expect(o):
        cols = {}
        for c in o.columns:
            s = o[c]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cols[c] = {"kind": "categorical", "codes": s.cat.codes.astype(int).tolist(),
                           "codes_dtype": str(s.cat.codes.dtype),
                           "categories": [str(x) for x in s.cat.categories], "ordered": bool(s.cat.ordered),
                           "missing_code": -1}
            elif s.dtype == object:
                cols[c] = {"kind": "string", "values": [str(x) for x in s]}
            elif s.dtype == bool:
                cols[c] = {"kind": "bool", "values": [bool(x) for x in s]}
            elif np.issubdtype(s.dtype, np.integer):
                cols[c] = {"kind": "int", "dtype": str(s.dtype), "values": [int(x) for x in s]}
            else:
                cols[c] = {"kind": "float", "dtype": str(s.dtype), "values": [float(x) for x in s]}
        return cols

    dense_rows = [[float(v) for v in row] for row in X]
    files = {}
    for name, x in [("dense.h5ad", X), ("csr.h5ad", csr32), ("csc.h5ad", csc64),
                    ("counts_int.h5ad", csr_i64), ("csr_gzip.h5ad", csr32)]:
        with h5py.File(P(name), "r") as f:
            enc = f["X"].attrs.get("encoding-type", None)
            storage = {"encoding_type": str(enc)}
            if isinstance(f["X"], h5py.Group):
                storage.update({k: str(f["X"][k].dtype) for k in ("data", "indices", "indptr")})
            else:
                storage["dtype"] = str(f["X"].dtype)
        files[name] = {"X_storage": storage, "shape": list(x.shape),
                       "nnz": int(np.count_nonzero(X)) if name == "dense.h5ad" else int(x.nnz),
                       "X": dense_rows}
    # the full listing for dense.h5ad (the other files share obs/var/obsm/layers/uns)
    files["dense.h5ad"].update({
        "obs_names": list(obs.index), "obs_column_order": list(obs.columns), "obs": obs_expect(obs),
        "var_names": list(var.index), "var": obs_expect(var),
        "obsm": {"X_pca": {"dtype": "float32", "shape": list(X_pca.shape),
                           "values": [[float(v) for v in r] for r in X_pca]},
                 "X_umap": {"dtype": "float64", "shape": list(X_umap.shape),
                            "values": [[float(v) for v in r] for r in X_umap]}},
        "layers": {"counts": {"encoding_type": "csr_matrix", "dtype": "int32", "shape": list(counts.shape),
                              "nnz": int(np.count_nonzero(counts))}},
        "uns": {"title": uns["title"], "seed": uns["seed"], "cell_type_colors": list(uns["cell_type_colors"]),
                "params": uns["params"]},
        "varm": [], "obsp": [], "varp": [],
    })
    for name in ["legacy.h5ad", "legacy_csr.h5ad"]:
        files[name] = {
            "layout": "legacy (anndata < 0.7, like data/pbmc68k_reduced.h5ad)",
            "X_storage": ({"h5sparse_format": "csr", "data": "float32", "indices": "int32", "indptr": "int32",
                           "indices_order": "descending within each row"} if "csr" in name
                          else {"dense": "float32", "chunked_gzip": True}),
            "shape": [N_CELLS, N_GENES], "nnz": int(np.count_nonzero(X)), "X": dense_rows,
            "obs_names": list(obs.index),
            "obs_fields": ["index", "cell_type", "n_counts", "n_genes", "batch", "is_doublet"],
            "obs": {"cell_type": {"kind": "categorical", "codes": obs["cell_type"].cat.codes.astype(int).tolist(),
                                  "categories_path": "/uns/cell_type_categories", "categories": ["B", "T", "NK"]},
                    "batch": {"kind": "categorical", "codes": [LEGACY_BATCH_CATS.index(b) for b in LEGACY_BATCH],
                              "categories_path": "/uns/batch_categories", "categories": LEGACY_BATCH_CATS,
                              "values": LEGACY_BATCH},
                    "n_counts": {"kind": "float", "dtype": "float64", "values": [float(x) for x in obs["n_counts"]]},
                    "n_genes": {"kind": "int", "dtype": "int64", "values": [int(x) for x in obs["n_genes"]]},
                    "is_doublet": {"kind": "bool", "values": [bool(x) for x in obs["is_doublet"]]}},
            "var_names": list(var.index),
            "obsm": {"X_pca": {"dtype": "float32", "shape": [N_CELLS, 5]},
                     "X_umap": {"dtype": "float64", "shape": [N_CELLS, 2]},
                     "note": "values as dense.h5ad's obsm"},
            "raw_X": {"shape": [N_CELLS, N_GENES], "dtype": "float32", "nnz": int(np.count_nonzero(counts)),
                      "note": "dense values = dense.h5ad's layers/counts"},
        }
    files["minimal.h5ad"] = {"X_storage": {"encoding_type": "array", "dtype": "float32"}, "shape": [3, 2],
                             "nnz": 3, "X": [[1.0, 0.0], [0.0, 2.5], [3.0, 0.0]],
                             "obs_names": ["0", "1", "2"], "var_names": ["0", "1"],
                             "obs_column_order": [], "var_column_order": [],
                             "note": "column-order attributes are empty float64 arrays"}
    files["no_x.h5ad"] = {"X": None, "note": "no /X in the file; obs/var/obsm as dense.h5ad",
                          "shape_from_obs_var": [N_CELLS, N_GENES]}
    for name, (path, enc) in unsupported.items():
        files[name] = {"unsupported_path": path, "encoding_type": enc,
                       "note": "everything else as dense.h5ad"}
    files["corrupt.h5ad"] = {"error": True, "size": os.path.getsize(P("corrupt.h5ad")),
                             "anndata_says": open_error("corrupt.h5ad")}
    files["truncated.h5ad"] = {"error": True, "size": os.path.getsize(P("truncated.h5ad")),
                               "anndata_says": open_error("truncated.h5ad")}
    files["not_hdf5.h5ad"] = {"error": True, "anndata_says": open_error("not_hdf5.h5ad")}
    for name in files:
        if "anndata_says" not in files[name]:
            ad.read_h5ad(P(name))  # every good file must load in anndata itself
    # sanity: the CSR/CSC/int files hold the same values as dense.h5ad
    for name in ["csr.h5ad", "csc.h5ad", "counts_int.h5ad", "csr_gzip.h5ad"]:
        b = ad.read_h5ad(P(name))
        assert np.array_equal(b.X.toarray().astype(np.float64), X.astype(np.float64)), name
    with open(P("expected.json"), "w") as f:
        json.dump({"anndata": ANNDATA_VERSION, "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
                   "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
                   "files": files}, f, indent=1)
    print({k: v.get("anndata_says") for k, v in files.items() if "anndata_says" in v})
