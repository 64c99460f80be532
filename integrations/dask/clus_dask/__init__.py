"""clus on Dask: fit UMAP + HDBSCAN on a sample on one machine, then ``transform`` and
``approximate_predict`` every part of a large array on Dask's workers.

Dask schedules; every computation is the ``clus`` binary, run once per part on the worker that holds
the part (``clus --set part=... predict.clus``). ``transform`` and ``approximate_predict`` are per row
in clus (a row gets the same bytes alone, in any batch, in any order), so the parts' results put
together are byte-identical to one clus process over the whole array, however Dask splits, orders or
retries the work.

    import clus_dask
    from distributed import Client, LocalCluster

    models = clus_dask.fit("sample.npy", "models/", umap=dict(n_neighbors=30, min_dist=0.0, random_state=42),
                           hdbscan=dict(min_samples=10, min_cluster_size=500))
    with Client(LocalCluster(n_workers=2, threads_per_worker=1)) as client:
        r = clus_dask.transform_predict("big.npy", models.umap, models.hdbscan, client=client)
        embedding, labels, probabilities = r.compute()

The binary is ``clus=`` when given, else ``$CLUS_BIN``, else ``clus`` on the PATH (on every worker).
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

__all__ = ["ClusError", "Models", "Result", "clus_binary", "fit", "read_parts", "transform_predict",
           "transform_predict_local", "PREDICT_SCRIPT"]

#: The script each task runs: the models and the part are ``--set`` paths, the outputs three ``.npy`` files.
PREDICT_SCRIPT = """e = load umap_model
l = load hdbscan_model
t = transform e (load part)
p = approximate_predict l t
save t (out + ".embedding.npy")
save p.labels (out + ".labels.npy")
save p.probabilities (out + ".probabilities.npy")
"""

_FIT_SCRIPT = """x = load sample
e = umap x{umap}
l = hdbscan e{hdbscan}
save e umap_model
save l hdbscan_model
"""


class ClusError(RuntimeError):
    """A clus run that failed: ``part`` names what it was given (a part of the array, a file, the fit),
    ``message`` is clus's own error (``file:line:col: error: ...`` and the caret). Row numbers in the
    message count from the part's first row (``data.npy rows 2000..3000``: its row 5 is row 2005)."""

    def __init__(self, part: str, message: str):
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message

    def __reduce__(self):  # raised on a worker, re-raised on the client
        return (ClusError, (self.part, self.message))


@dataclass(frozen=True)
class Models:
    """The two model files a fit wrote (clus's ``.npz`` model format, docs/model-format.md)."""
    umap: str
    hdbscan: str


@dataclass
class Result:
    """Dask arrays: ``embedding`` (rows x n_components, float32), ``labels`` (rows, int64, -1 = noise),
    ``probabilities`` (rows, float64), as clus's ``transform`` and ``approximate_predict`` give them."""
    embedding: Any
    labels: Any
    probabilities: Any

    def compute(self, **kwargs):
        """The three arrays as NumPy arrays, computed together (each part runs clus once)."""
        import dask
        return dask.compute(self.embedding, self.labels, self.probabilities, **kwargs)


def clus_binary(clus: Optional[str] = None) -> str:
    """The clus executable: ``clus`` when given, else ``$CLUS_BIN``, else ``clus`` on the PATH.

    Raises FileNotFoundError when none is found."""
    candidate = clus or os.environ.get("CLUS_BIN") or shutil.which("clus")
    if not candidate:
        raise FileNotFoundError("no clus binary: pass clus=, set CLUS_BIN, or put clus on the PATH")
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise FileNotFoundError(f"{candidate}: not an executable clus binary")
    return candidate


def _literal(value: Any) -> str:
    """A Python value as a clus literal (parameters of the fit script)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"{value}: clus parameters must be finite")
        return repr(float(value))
    if isinstance(value, str):
        if any(c in value for c in "\n\r\t\0"):
            raise ValueError(f"{value!r}: a clus string parameter holds no control characters")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"{value!r}: a clus parameter is a number, a bool, a string or None")


def _parameters(params: Optional[dict]) -> str:
    out = ""
    for name, value in (params or {}).items():
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a parameter name")
        out += f" {name}={_literal(value)}"
    return out


def _run(script: str, sets: dict, clus: str, threads: int, part: str, name: str = "predict.clus") -> None:
    """Runs ``script`` (text, shown in messages as ``name``) with ``--set`` bindings; a failure raises
    ClusError naming ``part``."""
    with tempfile.TemporaryDirectory(prefix="clus-dask-script-") as d:
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(script)
        args = [clus, "--threads", str(threads), path]
        for k, v in sets.items():
            args += ["--set", f"{k}={v}"]
        try:
            r = subprocess.run(args, capture_output=True, text=True)
        except OSError as e:
            raise ClusError(part, f"cannot run {clus} on {os.uname().nodename}: {e.strerror}") from None
    if r.returncode != 0:
        message = r.stderr.strip() or f"clus exited with status {r.returncode}"
        raise ClusError(part, message.replace(path, name))


def fit(sample: Any, out_dir: str, *, umap: Optional[dict] = None, hdbscan: Optional[dict] = None,
        script: Optional[str] = None, clus: Optional[str] = None, threads: Optional[int] = None) -> Models:
    """Fits UMAP, then HDBSCAN on the embedding, on one machine, and saves both models in ``out_dir``.

    ``sample``: a NumPy array (rows x columns; stored as float32, as clus keeps data) or the path of a
    ``.npy`` file. ``umap`` / ``hdbscan``: parameters by umap-learn's and hdbscan's names (clus's
    defaults are theirs). ``script``: instead, a ``.clus`` script of your own that reads ``sample``
    and saves the two models to the paths ``umap_model`` and ``hdbscan_model`` it is given.
    Returns the two paths. Raises ClusError with clus's message when the fit fails."""
    os.makedirs(out_dir, exist_ok=True)
    if isinstance(sample, (str, os.PathLike)):
        sample_path = os.fspath(sample)
    else:
        sample = np.asarray(sample)
        if sample.ndim != 2:
            raise ValueError(f"the sample is {sample.ndim}-D; it must be rows x columns (reshape(-1, 1) for one feature)")
        sample_path = os.path.join(out_dir, "sample.npy")
        np.save(sample_path, _float32(sample, "the sample"))
    models = Models(os.path.join(out_dir, "umap.npz"), os.path.join(out_dir, "hdbscan.npz"))
    if script is not None:
        with open(script) as f:
            text = f.read()
    else:
        text = _FIT_SCRIPT.format(umap=_parameters(umap), hdbscan=_parameters(hdbscan))
    _run(text, {"sample": os.path.abspath(sample_path), "umap_model": os.path.abspath(models.umap),
                "hdbscan_model": os.path.abspath(models.hdbscan)},
         clus_binary(clus), threads or os.cpu_count() or 1, "fit", name=os.path.basename(script) if script else "fit.clus")
    return models


def _manifest(path: str) -> dict:
    """A clus model file's manifest.json. Raises FileNotFoundError / ValueError."""
    try:
        with zipfile.ZipFile(path) as z:
            m = json.loads(z.read("manifest.json"))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ValueError(f"{path}: not a clus model file ({e})") from None
    if m.get("format") != "clus-model":
        raise ValueError(f"{path}: not a clus model file")
    return m


def _float32(a, what: str) -> np.ndarray:
    """``a`` as C-ordered float32, refusing finite values beyond float32's range (as clus does on load)
    instead of letting them become infinite."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{what}: holds {a.dtype} values; the data must be numbers")
    if a.dtype.kind == "f" and a.dtype.itemsize > 4 and a.size:
        big = np.isfinite(a) & (np.abs(a) > np.finfo(np.float32).max)
        if big.any():
            i = np.argwhere(big)[0]
            where = f"row {i[0]}, column {i[1]}" if a.ndim == 2 else f"element {tuple(i)}"
            raise ValueError(f"{what}: the value {a[tuple(i)]:g} ({where}) is beyond float32's range (clus keeps data as float32)")
    return np.ascontiguousarray(a, dtype=np.float32)


# --- reading the data ---------------------------------------------------------------------------------

def _rows(path: str, r0: int, r1: int) -> np.ndarray:
    """Rows r0..<r1 of a .npy file, read through a memory map on the worker (as they are: the part's
    task converts them to float32)."""
    return np.array(_open_npy(path)[r0:r1])


def _open_npy(path: str):
    """A .npy file mapped; numpy's own refusals (object arrays, damaged headers) name the file."""
    try:
        return np.load(path, mmap_mode="r")
    except (ValueError, OSError) as e:
        raise ValueError(f"{path}: {e}") from None


def read_parts(source: Any, rows_per_part: int = 100_000):
    """The data as a Dask array of float32 rows (chunked by rows only) and the parts' names.

    ``source``: a Dask array; the path of a ``.npy`` file (read by the workers through a memory map,
    ``rows_per_part`` rows a part); a directory of ``.npy`` parts or a list of their paths (one part
    each, in name order); or a Parquet file or directory (Dask's reader; needs pyarrow), every column a
    feature. Paths must be readable by the workers (the same path on a shared file system)."""
    import dask
    import dask.array as da

    if int(rows_per_part) < 1:
        raise ValueError(f"rows_per_part={rows_per_part}: it must be at least 1")
    if hasattr(source, "chunks") and hasattr(source, "dask"):
        return source.rechunk({1: -1}), None
    parts = _npy_parts(source)
    if parts is not None:
        widths = {b.shape[1] for b, _ in parts}
        if len(widths) > 1:
            first = parts[0]
            odd = next((b, n) for b, n in parts if b.shape[1] != first[0].shape[1])
            raise ValueError(f"{odd[1]}: {odd[0].shape[1]} columns, but {first[1]} has {first[0].shape[1]}")
        return da.concatenate([b for b, _ in parts], axis=0), [n for _, n in parts]
    path = os.fspath(source)
    if path.endswith(".parquet") or (os.path.isdir(path) and glob.glob(os.path.join(path, "*.parquet"))):
        import dask.dataframe as dd
        df = dd.read_parquet(path)
        text = [c for c, t in df.dtypes.items() if t.kind not in "biuf"]
        if text:
            raise ValueError(f"{path}: column {text[0]!r} holds {df.dtypes[text[0]]} values; every column must be numbers")
        return df.to_dask_array(lengths=True).rechunk({1: -1}), None
    m = _open_npy(path)
    if m.ndim != 2:
        raise ValueError(f"{path}: {m.ndim}-D; the data must be rows x columns")
    n, d = m.shape
    if n == 0:
        raise ValueError(f"{path}: no rows (0 x {d})")
    step = int(rows_per_part)
    starts = range(0, n, step)
    blocks = [da.from_delayed(dask.delayed(_rows)(os.path.abspath(path), r0, min(n, r0 + step)),
                              shape=(min(n, r0 + step) - r0, d), dtype=m.dtype) for r0 in starts]
    names = [f"{os.path.basename(path)} rows {r0}..{min(n, r0 + step)}" for r0 in starts]
    return da.concatenate(blocks, axis=0), names


def _npy_parts(source):
    """For a directory of .npy parts or a list of paths: one Dask array per part and its file name, in
    name order; None for any other source."""
    import dask
    import dask.array as da

    if isinstance(source, (list, tuple)):
        paths = [os.fspath(p) for p in source]
    elif isinstance(source, (str, os.PathLike)) and os.path.isdir(source) and not glob.glob(os.path.join(source, "*.parquet")):
        paths = sorted(glob.glob(os.path.join(os.fspath(source), "*.npy")))
        if not paths:
            raise FileNotFoundError(f"{os.fspath(source)}: no .npy parts")
    else:
        return None
    parts = []
    for p in paths:
        m = _open_npy(p)
        if m.ndim != 2:
            raise ValueError(f"{p}: {m.ndim}-D; each part must be rows x columns")
        parts.append((da.from_delayed(dask.delayed(_rows)(os.path.abspath(p), 0, m.shape[0]), shape=m.shape, dtype=m.dtype),
                      os.path.basename(p)))
    return parts


# --- on the workers ---------------------------------------------------------------------------------

_local_models: dict = {}


def _model_path(ref) -> str:
    """A model file on this worker: the shared path itself, or the shipped bytes written once per
    worker process to its temporary folder (named by their SHA-256)."""
    if ref[0] == "path":
        return ref[1]
    _, digest, data = ref
    p = _local_models.get(digest)
    if p is not None and os.path.exists(p):
        return p
    d = os.path.join(tempfile.gettempdir(), f"clus-dask-models-{os.getuid()}")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, digest + ".npz")
    if not (os.path.exists(p) and os.path.getsize(p) == len(data)):
        fd, tmp = tempfile.mkstemp(dir=d)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    _local_models[digest] = p
    return p


def _predict_block(block, umap_ref, hdbscan_ref, clus, threads, k, names, block_info=None):
    """One part through clus: rows x (k embedding columns, label, probability) as float64 (every value
    exact: float32 embeddings, float64 probabilities, labels below 2^53)."""
    if block_info is not None:
        i = block_info[0]["chunk-location"][0]
        r0, r1 = block_info[0]["array-location"][0]
        part = names[i] if names is not None and i < len(names) else f"part {i} (rows {r0}..{r1})"
    else:
        part = "a part"
    n = block.shape[0]
    if n == 0:
        # clus refuses empty data; an empty part has nothing to place, but a whole input without rows is refused
        # by read_parts, and a 0-row part file is named here
        if names is not None:
            raise ClusError(part, "the part has no rows")
        return np.empty((0, k + 2), dtype=np.float64)
    try:
        block = _float32(block, "the part")
    except ValueError as e:
        raise ClusError(part, str(e)) from None
    out = np.empty((n, k + 2), dtype=np.float64)
    with tempfile.TemporaryDirectory(prefix="clus-dask-part-") as d:
        inp = os.path.join(d, "part.npy")
        np.save(inp, block)
        stem = os.path.join(d, "out")
        _run(PREDICT_SCRIPT, {"umap_model": _model_path(umap_ref), "hdbscan_model": _model_path(hdbscan_ref),
                              "part": inp, "out": stem}, clus, threads, part)
        out[:, :k] = np.load(stem + ".embedding.npy")
        out[:, k] = np.load(stem + ".labels.npy")
        out[:, k + 1] = np.load(stem + ".probabilities.npy")
    return out


# --- on the client ----------------------------------------------------------------------------------

def transform_predict(data: Any, umap_model: str, hdbscan_model: str, *, client=None, clus: Optional[str] = None,
                      threads: int = 1, rows_per_part: int = 100_000, ship_models: bool = True) -> Result:
    """``transform`` (UMAP) and ``approximate_predict`` (HDBSCAN) of every row of ``data``, one clus
    process per part on the Dask workers.

    ``data``: what ``read_parts`` reads (a Dask array, a ``.npy`` file, a directory or list of ``.npy``
    parts, Parquet). ``ship_models``: the model files are sent to every worker once (``client.scatter``,
    broadcast) and written to its temporary folder; False: the workers read them at the same paths (a
    shared file system). ``threads``: clus's ``--threads`` per task (one per Dask worker thread suits).
    Returns lazy Dask arrays (``Result``); a part clus refuses (columns that do not fit the model, NaN)
    raises ClusError naming the part, with clus's message, when computed."""
    import dask.array as da

    # the binary is looked up on the client when it has one; the workers run the same path (or clus on theirs)
    clus = clus or os.environ.get("CLUS_BIN") or shutil.which("clus") or "clus"
    um, hm = _manifest(umap_model), _manifest(hdbscan_model)
    if um.get("model") != "umap":
        raise ValueError(f"{umap_model}: a {um.get('model')} model, not umap")
    if hm.get("model") != "hdbscan":
        raise ValueError(f"{hdbscan_model}: a {hm.get('model')} model, not hdbscan")
    k = int(um["arrays"]["embedding"]["shape"][1])

    def ref(path):
        if not ship_models:
            return ("path", os.path.abspath(path))
        with open(path, "rb") as f:
            b = f.read()
        return ("bytes", hashlib.sha256(b).hexdigest(), b)

    uref, href = ref(umap_model), ref(hdbscan_model)
    if ship_models and client is not None:
        uref, href = client.scatter([uref, href], broadcast=True, hash=False)
    def predict(x, names):
        return x.map_blocks(_predict_block, uref, href, clus, threads, k, names, dtype=np.float64,
                            chunks=(x.chunks[0], (k + 2,)), meta=np.empty((0, 0), np.float64))

    parts = _npy_parts(data)
    if parts is not None:
        # one Dask array per part: a part whose columns do not fit reaches clus as it is, which names it
        out = da.concatenate([predict(b, [n]) for b, n in parts], axis=0)
    else:
        x, names = read_parts(data, rows_per_part)
        if x.ndim != 2:
            raise ValueError(f"the data are {x.ndim}-D; they must be rows x columns")
        out = predict(x, names)
    return Result(out[:, :k].astype(np.float32), out[:, k].astype(np.int64), out[:, k + 1].copy())


def transform_predict_local(path: str, umap_model: str, hdbscan_model: str, *, clus: Optional[str] = None,
                            threads: Optional[int] = None):
    """The same in one clus process over the whole ``.npy`` file: what the parts must equal byte for
    byte. Returns (embedding, labels, probabilities) as NumPy arrays."""
    with tempfile.TemporaryDirectory(prefix="clus-dask-local-") as d:
        stem = os.path.join(d, "out")
        _run(PREDICT_SCRIPT, {"umap_model": os.path.abspath(umap_model), "hdbscan_model": os.path.abspath(hdbscan_model),
                              "part": os.path.abspath(path), "out": stem},
             clus_binary(clus), threads or os.cpu_count() or 1, os.path.basename(path))
        return (np.load(stem + ".embedding.npy"), np.load(stem + ".labels.npy"), np.load(stem + ".probabilities.npy"))
