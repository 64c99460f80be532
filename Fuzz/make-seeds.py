#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (Fuzz/Corpus/<target>/seed-*) from real files:
the MNIST IDX files (truncated to a few images), small NPY and NPZ files written by numpy, CSV/TSV text,
the example scripts, the algorithm test fixtures' shapes, the scipy sparse and AnnData test fixtures. Run from the repository root; the
seeds are committed, so this is only needed to regenerate them (numpy required)."""
import glob, gzip, io, json, os, struct, sys
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Fuzz", "Corpus")

def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def gz(b):
    return gzip.compress(b, mtime=0)

# --- IDX: the first images and labels of MNIST, the header's count changed to match
mn = os.path.join(root, "data", "mnist")
with gzip.open(os.path.join(mn, "t10k-images-idx3-ubyte.gz")) as f:
    head = f.read(16 + 2 * 784)
img2 = head[:4] + struct.pack(">I", 2) + head[8:16] + head[16:]
put("FuzzIDX", "mnist-2-images-idx3-ubyte", img2)
put("FuzzIDX", "mnist-2-images-idx3-ubyte.gz", gz(img2))
crop = bytes(head[:4]) + struct.pack(">III", 1, 8, 8) + bytes(head[16 + 10 * 28 + 10 + r * 28 + c] for r in range(8) for c in range(8))
put("FuzzIDX", "mnist-crop-8x8", crop)
with gzip.open(os.path.join(mn, "t10k-labels-idx1-ubyte.gz")) as f:
    lab = f.read(8 + 10)
put("FuzzIDX", "mnist-10-labels-idx1-ubyte", lab[:4] + struct.pack(">I", 10) + lab[8:])
put("FuzzIDX", "mnist-10-labels.gz", gz(lab[:4] + struct.pack(">I", 10) + lab[8:]))
def idx(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape) + payload
put("FuzzIDX", "int8", idx(0x09, [3], bytes([0xFF, 0x80, 0x7F])))
put("FuzzIDX", "int16", idx(0x0B, [2, 2], struct.pack(">4h", -1, 300, 7, -32768)))
put("FuzzIDX", "int32", idx(0x0C, [2], struct.pack(">2i", -70000, 2**31 - 1)))
put("FuzzIDX", "float32", idx(0x0D, [2, 1, 2], struct.pack(">4f", 1.5, -2.25, float("nan"), float("inf"))))
put("FuzzIDX", "float64", idx(0x0E, [2, 2], struct.pack(">4d", 1e9, 1e9 + 1, -0.0, 5e-324)))
put("FuzzIDX", "empty-rows", idx(0x08, [0, 28, 28], b""))

# --- NPY: small arrays of every dtype family numpy writes, both orders, both byte orders
def npy(a, version=None):
    b = io.BytesIO()
    if version:
        np.lib.format.write_array(b, a, version=version)
    else:
        np.save(b, a)
    return b.getvalue()
x = np.arange(6, dtype=np.float32).reshape(3, 2)
seeds = {
    "f4-3x2": x, "f8-2x3": np.array([[1e9, 1e9 + 1, 3], [-0.0, np.nan, np.inf]]),
    "f2": np.array([1.5, -2, 65504], dtype=np.float16), "f4-big-endian": x.astype(">f4"),
    "i8": np.array([-1, 2**40, 3]), "u1-2x2x2": np.arange(8, dtype=np.uint8).reshape(2, 2, 2),
    "i2-big": np.array([[1, -2]], dtype=">i2"), "u8": np.array([2**63 + 5, 1], dtype=np.uint64),
    "bool": np.array([True, False, True]), "fortran": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
    "unicode": np.array(["a", "bc", "a", ""]), "bytes": np.array([b"x", b"yz"]), "empty": np.zeros((0, 3), np.float32),
    "scalar": np.float64(2.5), "i4-3d": np.arange(24, dtype=np.int32).reshape(2, 3, 4),
}
for name, a in seeds.items():
    put("FuzzNPY", name + ".npy", npy(np.asarray(a)))
put("FuzzNPY", "v2.npy", npy(x, version=(2, 0)))
put("FuzzNPY", "v3.npy", npy(np.array(["é"]), version=(3, 0)))
put("FuzzNPY", "f4.npy.gz", gz(npy(x)))
put("FuzzNPY", "object.npy", npy(np.array([1, "a"], dtype=object)) if False else
    b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (2,), }" + b" " * 53 + b"\n" + b"\0" * 16)

# --- NPZ: archives numpy writes (savez stored, savez_compressed deflated), several dtypes, Fortran
# order, 0-d and empty arrays, a non-array member, and damaged ones (truncated, a flipped data byte)
import zipfile
def npz(compressed=False, **arrays):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()
mixed = dict(embedding=x, labels=np.array([1, -1, 0]), mask=np.array([True, False]), names=np.array(["a", "bc"]))
put("FuzzNPZ", "savez.npz", npz(**mixed))
put("FuzzNPZ", "savez-compressed.npz", npz(True, **mixed))
put("FuzzNPZ", "dtypes.npz", npz(True, f8=np.array([[1e9, np.nan], [-0.0, np.inf]]), f2=np.array([1.5], np.float16),
                                  i2=np.array([[1, -2]], ">i2"), u8=np.array([2**63 + 5], np.uint64), b=np.array([b"x", b"yz"])))
put("FuzzNPZ", "fortran.npz", npz(f=np.asfortranarray(np.arange(6, dtype=">f4").reshape(2, 3)),
                                   i=np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4))))
put("FuzzNPZ", "scalar-empty.npz", npz(s=np.float64(2.5), e=np.zeros((0, 3), np.float32), v=np.zeros(0, np.int64)))
put("FuzzNPZ", "positional.npz", npz(**{"arr_0": np.arange(3, dtype=np.float32), "arr_1": np.arange(4, dtype=np.uint8)}))
mb = io.BytesIO()
with zipfile.ZipFile(mb, "w") as z:
    z.writestr("manifest.json", '{"format": "clus-model", "version": 1}')
    z.writestr("x.npy", npy(x))
put("FuzzNPZ", "manifest.npz", mb.getvalue())
mb = io.BytesIO()
with zipfile.ZipFile(mb, "w") as z:
    z.writestr("readme.txt", "no arrays here")
put("FuzzNPZ", "text-only.zip", mb.getvalue())
whole = npz(True, **mixed)
put("FuzzNPZ", "truncated.npz", whole[: len(whole) // 2])
bad = bytearray(npz(**mixed))
bad[200] ^= 0xFF  # inside the first member's data: a CRC mismatch
put("FuzzNPZ", "bad-crc.npz", bytes(bad))
put("FuzzNPZ", "object.npz", npz(o=np.array([1, "a"], dtype=object)))

# --- CSV: first byte = options (see FuzzCSV/main.swift), then the file
csvs = {
    "header": (0, b"x,y,label\n1,2,a\n3.5,-4e2,b\n,NaN,a\n"),
    "numbers": (0, b"1,2,3\n4,5,6\n"),
    "no-header": (8, b"1,2\n3,4\n"),
    "tsv": (1, b"a\tb\n1\t2\n3\t4\n"),
    "txt-semicolon": (2, b"1;2;3\n4;5;6\n"),
    "quoted": (0, b'name,v\n"a, b",1\n"say ""hi""",2\n"multi\nline",3\n'),
    "crlf-bom": (0, b"\xef\xbb\xbfx,y\r\n1,2\r\n3,4\r\n"),
    "bools": (0, b"flag,n\ntrue,1\nFalse,2\nTRUE,3\n"),
    "na-values": (128, b"a,b\n-,1\nx,2\nNA,3\nnull,4\n"),
    "columns": (32 | 64, b"a,b,c\n1,2,3\n4,5,6\n"),
    "ragged": (0, b"a,b\n1,2,3\n"),
    "overflow": (0, b"x\n1e39\n"),
    "delimiter": (16, b"a;b\n1;2\n"),
    "gz": (3, gz(b"x,y\n1,2\n")),
    "iris-like": (0, b"sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n"),
}
for name, (opt, body) in csvs.items():
    put("FuzzCSV", name, bytes([opt]) + body)

# --- Language: the example scripts, their data loads pointed at the sandbox, and edge cases
for p in sorted(glob.glob(os.path.join(root, "examples", "*.clus"))):
    text = open(p, "rb").read()
    put("FuzzLanguage", os.path.basename(p), text)
    put("FuzzLanguage", "sandbox-" + os.path.basename(p), text.replace(b'load "data/mnist"', b'load "."')
        .replace(b"[0:10000]", b"").replace(b"[0:60000]", b"[0:2]").replace(b"[60000:70000]", b"[1:3]"))
lang = {
    "load-files": b'a = load "a.csv"\na.data\na["name"]\nb = load "b.tsv"\nc = load "c.txt" delimiter=";"\nd = load "d.npy"\nm = load "."\nm.train.data\nvars\n',
    "toolkit": b"v = [3, -1, 4, -1, 5]\nsort v\nargsort v\nwhere (v > 0) v 0\nunique v counts=true\nstandard_scale [[1, 2], [3, 4]]\nv ** 2\n2 ** -1\nformat 3.14159 \"%.2f\"\nprint \"x\" v\n",
    "algorithms": b"x = [[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [6, 5], [9, 9]]\nk = kmeans x n_clusters=2 random_state=0\nh = hdbscan x min_cluster_size=2\np = pca x\nd = dbscan x eps=1.5 min_samples=2\nscore k h\ntrustworthiness x p n_neighbors=2\nu = umap x n_neighbors=3 n_epochs=5 random_state=1\ntransform u x[0:2]\napproximate_predict h x\n",
    "for-loop": b"s = 0\nfor i in [1, 2, 3]:\n  s = s + i\n  print i s\ns\n",
    "plot": b"x = [[0, 0], [1, 1], [2, 0]]\nf = plot x color=[0, 1, 1] title=\"t\" width=64 height=48\nplot f x \"grey\"\n",
    "help": b"help\nhelp umap\nhelp \"load\"\ntime 1 + 2\n",
    "deep-nesting": b"(" * 300 + b"1" + b")" * 300 + b"\n" + b"[" * 200 + b"]" * 200 + b"\n" + b"-" * 500 + b"1\n" + b"not " * 300 + b"true\n",
    "long-chain": b"1" + b" + 1" * 3000 + b"\n" + b"2" + b" ** 2" * 200 + b"\n",
    "huge-numbers": b"99999999999999999999999999\n1e999\n-1e-999\n9223372036854775807 + 1\n-9223372036854775808\n2 ** 63\n0x10\n1.7976931348623157e308 * 10\n",
    "long-line": b"x = [" + b", ".join(str(i).encode() for i in range(2000)) + b"]\nshape x\n",
    "invalid-utf8": b"x = \"\xff\xfe\xc3\x28\"\n\xe2\x82 = 1\nprint \"\xf0\x9f\x98\x80\" x\n# \xc0\xaf\n",
    "strings": b'"a\\nb\\t\\"c\\\\"\n"unterminated\n\'single\'\n',
    "errors": b"umap\nkmeans [1, 2] n_clusters=0\nx = \nfoo bar=\n1 +\n[1, 2][5]\n{}\n",
}
for name, text in lang.items():
    put("FuzzLanguage", name + ".clus", text)

# --- Algorithms: command, n, d, k, seed, options, extra parameter bytes, then values (see AlgorithmCase)
import random
rng = random.Random(19)
for which in range(7):
    for n, d in [(10, 2), (25, 3), (3, 1), (40, 5)]:
        params = [which, n, d, rng.randrange(12), rng.randrange(4), rng.randrange(256), rng.randrange(256), rng.randrange(256)]
        values = [rng.randrange(200) for _ in range(n * d * 2 + 2 * n)]
        put("FuzzAlgorithms", f"cmd{which}-{n}x{d}", bytes(params + values))
    # specials: duplicates, ±0, subnormals, huge, NaN/inf (bytes 200–211), raw bit patterns (212+)
    put("FuzzAlgorithms", f"cmd{which}-special", bytes([which, 12, 2, 3, 0, 0, 1, 1] + [200, 201, 202, 203, 204, 205, 206, 210, 211, 5, 5, 5] * 3))
    put("FuzzAlgorithms", f"cmd{which}-nan", bytes([which, 6, 2, 2, 1, 0, 1, 1] + [207, 1, 2, 3, 208, 4, 5, 6, 209, 7, 8, 9]))
    put("FuzzAlgorithms", f"cmd{which}-duplicates", bytes([which, 20, 2, 4, 2, 0x55, 3, 3] + [5] * 80))
# --- sparse matrices (scipy.sparse.save_npz) and AnnData files: the test fixtures the reference
# libraries wrote (Tests/ClusRuntimeTests/Fixtures/{sparse,h5ad}/make_fixtures.py), copied
fixtures = os.path.join(root, "Tests", "ClusRuntimeTests", "Fixtures")
for name in ["csr", "csc", "coo", "csr_int64_index", "unsorted", "nan", "out_of_range"]:
    with open(os.path.join(fixtures, "sparse", name + ".npz"), "rb") as f:
        put("FuzzNPZ", "scipy-" + name + ".npz", f.read())
for name in ["dense", "csr", "csc", "minimal", "no_x", "legacy", "unsupported_nullable_int", "corrupt"]:
    with open(os.path.join(fixtures, "h5ad", name + ".h5ad"), "rb") as f:
        put("FuzzH5AD", name + ".h5ad", f.read())
print("seeds written to", out)
