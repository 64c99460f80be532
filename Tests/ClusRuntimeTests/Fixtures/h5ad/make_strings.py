"""Variable-length string fixtures for clus's own string reader (Sources/ClusRuntime/IO/HDF5Raw.swift).

Run: python3 make_strings.py   (h5py; made with h5py 3.16.0 bundling HDF5 2.0.0, numpy 2.4.6)

clus resolves every variable-length string itself (the raw elements of a dataset's storage or of an
attribute message, then the global heap object each names), so these files hold the layouts that
path must read, each with the values h5py reads written to strings_expected.json:
  strings_v1.h5  libver "earliest": object headers version 1 (what anndata/h5py write by default);
                 /many has 12 attributes, so its header continues in a second block
  strings_v2.h5  libver ("v110", "v110"): object headers version 2 ("OHDR"), superblock 3;
                 /many's 12 attributes are in dense storage (a fractal heap), read through libhdf5
Datasets in both: contiguous, chunked without filters (edge chunk), chunked with shuffle + deflate
(HDF5 refuses fletcher32 on variable-length data), a 5 x 3 array in 2 x 2 chunks, an empty array, a never-written array (no storage:
empty strings), fixed-length strings; the strings include "", non-ASCII text and 5,000 characters.
And one damaged structure, made from dense.h5ad:
  link_cycle.h5ad  obs/cell_type/categories is a hard link to obs/cell_type itself (a categorical
                   whose categories are the categorical: reading it recursed without end), and
                   var's column-order names "." (the frame itself)
"""
import shutil
import json

import h5py
import numpy as np

WORDS = ["", "a", "T cell", "B cell", "ümlaut é", "世界", "x" * 5000, "NK", "tab\there", "end"]
VALUES = [WORDS[i % len(WORDS)] + ("" if i % len(WORDS) == 0 else str(i)) for i in range(40)]
VALUES[0] = ""
GRID = [[f"r{r}c{c}" if (r + c) % 4 else "" for c in range(3)] for r in range(5)]
S = h5py.string_dtype("utf-8")


def write(name, libver):
    expected = {"datasets": {}, "attributes": {}}
    with h5py.File(name, "w", libver=libver) as f:
        f.create_dataset("contig", data=np.array(VALUES, dtype=object), dtype=S)
        f.create_dataset("plain_chunks", data=np.array(VALUES, dtype=object), dtype=S, chunks=(6,))
        f.create_dataset("filtered", data=np.array(VALUES, dtype=object), dtype=S, chunks=(7,),
                         compression="gzip", shuffle=True)
        f.create_dataset("grid", data=np.array(GRID, dtype=object), dtype=S, chunks=(2, 2))
        f.create_dataset("empty", shape=(0,), dtype=S)
        f.create_dataset("unwritten", shape=(5,), dtype=S)
        f.create_dataset("fixed", data=np.array([b"abc", b"", b"fixed8ch"], dtype="S8"))
        for k in ["contig", "plain_chunks", "filtered"]:
            expected["datasets"][k] = VALUES
        expected["datasets"]["grid"] = [s for row in GRID for s in row]
        expected["datasets"]["empty"] = []
        expected["datasets"]["unwritten"] = [""] * 5
        expected["datasets"]["fixed"] = ["abc", "", "fixed8ch"]
        f["contig"].attrs.create("scalar", "encoding é", dtype=S)
        f["contig"].attrs.create("array", np.array(["obs", "", "var"], dtype=object), dtype=S)
        f["contig"].attrs.create("blank", "", dtype=S)
        expected["attributes"]["contig"] = {"scalar": ["encoding é"], "array": ["obs", "", "var"], "blank": [""]}
        g = f.create_group("many")
        expected["attributes"]["many"] = {}
        for i in range(12):
            v = f"value {i} " + "z" * (i * 7)
            g.attrs.create(f"a{i:02d}", v, dtype=S)
            expected["attributes"]["many"][f"a{i:02d}"] = [v]
    # what h5py reads back is the expectation
    with h5py.File(name, "r") as f:
        for k, v in expected["datasets"].items():
            got = [s.decode() if isinstance(s, bytes) else s for s in np.asarray(f[k][()]).ravel().tolist()]
            assert got == v, (name, k)
        for obj, attrs in expected["attributes"].items():
            for k, v in attrs.items():
                got = f[obj].attrs[k]
                got = [got] if isinstance(got, str) else [s for s in got.tolist()]
                assert got == v, (name, obj, k)
    return expected


out = {"strings_v1.h5": write("strings_v1.h5", "earliest"),
       "strings_v2.h5": write("strings_v2.h5", ("v110", "v110"))}
with open("strings_expected.json", "w") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")

shutil.copy("dense.h5ad", "link_cycle.h5ad")
with h5py.File("link_cycle.h5ad", "r+") as f:
    del f["obs/cell_type/categories"]
    f["obs/cell_type/categories"] = f["obs/cell_type"]
    f["var"].attrs.create("column-order", np.array(["."], dtype=object), dtype=S)
