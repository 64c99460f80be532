"""Builds the text-topics example data: data/topics_tfidf.npz and data/topics_labels.csv.

Made with: Python 3.11.7, sympy 1.14.0 (mpmath 1.3.0), scikit-learn 1.9.1, scipy 1.17.1,
numpy 2.4.6.  Run: python3 make_topics.py   (a few seconds; `--reference` also runs the
UMAP + HDBSCAN reference, which needs umap-learn 0.5.12 and hdbscan 0.8.44, about a minute).

The corpus: the docstrings of SymPy 1.14.0 (shipped inside the pure-Python `sympy` wheel; nothing
is downloaded at run time), one document per public function, class or method that is DEFINED in
one of ten subpackages, labelled with that subpackage:
    combinatorics, crypto, geometry, integrals, logic, ntheory, physics.mechanics, physics.quantum,
    stats, tensor
Rules: only objects whose __module__ lies inside the subpackage (re-exports are skipped), public
names only (no leading underscore), test and benchmark modules skipped, docstrings shorter than
200 characters skipped, each object taken once (first subpackage that defines it); a class gives
its own docstring plus one document per public method defined in the class body.  Doctest input
lines (starting with ">>>" or "...") are dropped, so the text is the prose plus doctest outputs.
Documents are sorted by (topic, name) and exact-duplicate texts are dropped, so the output is
deterministic.  The docstrings are plain string literals of a pinned sympy release, so the corpus
does NOT depend on the Python minor version (sympy 1.14 supports Python 3.9+); it does depend on
the sympy version, hence the pin: pip install sympy==1.14.0.

Features: TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english", dtype=np.float32)
(every other parameter at its default: lowercase, token_pattern r"(?u)\\b\\w\\w+\\b", norm="l2",
smooth_idf=True), saved with scipy.sparse.save_npz (CSR float32, compressed) as
data/topics_tfidf.npz; data/topics_labels.csv has columns doc,topic (doc = dotted name of the
documented object), one row per matrix row, same order.

Reference (--reference): umap.UMAP(n_neighbors=15, n_components=5, min_dist=0, metric="cosine",
random_state=s) on the sparse TF-IDF matrix, then hdbscan.HDBSCAN(min_cluster_size=M) on the
5-D embedding; ARI / AMI vs topic (noise -1 counted as its own cluster), for s = 42 and 1..5.

RESULTS (this environment; 1186 documents x 3303 terms, nnz 35873, 10 topics of 53-226 documents;
`--reference --sweep` reproduces the table; medians over random_state 1..5):
  min_cluster_size  clusters  clustered  ARI     AMI     AMI(max)  ARI(clustered)
   5                61        82.0 %     0.2526  0.5677  0.4503    0.3879
  10                25        85.7 %     0.4796  0.6618  0.5768    0.6383
  15                18        91.1 %     0.5884  0.7122  0.6519    0.6888
  20                12        95.9 %     0.7211  0.7572  0.7265    0.7678
  30                10        87.6 %     0.6765  0.7316  0.7201    0.7902
  40                 9        85.8 %     0.6155  0.7043  0.7040    0.7543
Chosen: min_cluster_size=20: ARI per seed 1..5 = 0.7154 0.7211 0.7147 0.7269 0.7512 (12-13
clusters, 94-96 % clustered); random_state=42: 12 clusters, 96.1 % clustered, ARI 0.7221,
AMI 0.7632, AMI(max) 0.7343.
"""
import argparse
import csv
import importlib
import inspect
import os
import pkgutil
import warnings

import numpy as np
import scipy.sparse as sp
import sympy
from sklearn.feature_extraction.text import TfidfVectorizer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")
TOPICS = ["combinatorics", "crypto", "geometry", "integrals", "logic", "ntheory", "physics.mechanics",
          "physics.quantum", "stats", "tensor"]
SYMPY_VERSION = "1.14.0"
CHOSEN_MCS = 20
SKIPPED = []


def clean(doc):
    keep = [ln for ln in inspect.cleandoc(doc).splitlines()
            if not ln.lstrip().startswith((">>>", "..."))]
    return "\n".join(keep).strip()


def corpus():
    assert sympy.__version__ == SYMPY_VERSION, f"need sympy=={SYMPY_VERSION}, have {sympy.__version__}"
    seen, docs = set(), []
    for topic in TOPICS:
        pkg = importlib.import_module("sympy." + topic)
        mods = [pkg.__name__] + sorted(m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."))
        for modname in mods:
            if ".tests" in modname or ".benchmarks" in modname:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    mod = importlib.import_module(modname)
                except Exception as e:      # optional dependency missing: skip the module
                    SKIPPED.append(f"{modname} ({type(e).__name__})")
                    continue
            for name, obj in sorted(vars(mod).items()):
                if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                    continue
                if getattr(obj, "__module__", None) != modname:
                    continue
                items = [(f"{modname}.{name}", obj)]
                if inspect.isclass(obj):
                    items += [(f"{modname}.{name}.{k}", v) for k, v in sorted(vars(obj).items())
                              if not k.startswith("_") and inspect.isfunction(v)]
                for qual, o in items:
                    d = o.__doc__
                    if not isinstance(d, str) or len(d) < 200 or id(o) in seen:
                        continue
                    seen.add(id(o))
                    text = clean(d)
                    if len(text) >= 100:
                        docs.append((topic, qual, text))
    docs.sort(key=lambda t: (t[0], t[1]))
    out, texts = [], set()
    for t in docs:
        if t[2] not in texts:
            texts.add(t[2])
            out.append(t)
    return out


def build():
    docs = corpus()
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english", dtype=np.float32)
    x = vec.fit_transform([d[2] for d in docs]).tocsr()
    x.sort_indices()
    os.makedirs(DATA, exist_ok=True)
    sp.save_npz(os.path.join(DATA, "topics_tfidf.npz"), x)
    with open(os.path.join(DATA, "topics_labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["doc", "topic"])
        for topic, qual, _ in docs:
            w.writerow([qual, topic])
    counts = {t: sum(d[0] == t for d in docs) for t in TOPICS}
    empty = int((np.diff(x.indptr) == 0).sum())
    print(f"{x.shape[0]} documents x {x.shape[1]} terms, nnz {x.nnz} "
          f"(density {x.nnz / (x.shape[0] * x.shape[1]):.4f}), empty rows {empty}")
    print("per topic:", counts)
    print("modules skipped (import failed):", SKIPPED or "none")
    return x, np.array([TOPICS.index(d[0]) for d in docs])


def reference(x, y, sweep):
    import hdbscan
    import umap
    from sklearn.metrics import adjusted_mutual_info_score as ami
    from sklearn.metrics import adjusted_rand_score as ari
    embeddings = {}
    for s in [1, 2, 3, 4, 5, 42]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            embeddings[s] = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0, metric="cosine",
                                      random_state=s).fit_transform(x)
    for mcs in ([5, 10, 15, 20, 30, 40] if sweep else [CHOSEN_MCS]):
        print(f"\nUMAP(n_neighbors=15, n_components=5, min_dist=0, cosine) -> HDBSCAN(min_cluster_size={mcs})")
        print("seed  clusters  clustered     ARI     AMI  AMI(max)   ARI(c)  AMI(c)")
        rows = []
        for s, e in embeddings.items():
            lab = hdbscan.HDBSCAN(min_cluster_size=mcs).fit_predict(e)
            c = lab >= 0
            r = (int(lab.max() + 1), c.mean(), ari(y, lab), ami(y, lab), ami(y, lab, average_method="max"),
                 ari(y[c], lab[c]), ami(y[c], lab[c]))
            print(f"{s:>4}  {r[0]:>8}  {100 * r[1]:8.1f}%  {r[2]:.4f}  {r[3]:.4f}    {r[4]:.4f}   {r[5]:.4f}  {r[6]:.4f}")
            if s != 42:
                rows.append(r)
        med = np.median(np.array(rows), axis=0)
        print(f"median over random_state 1..5: clusters {med[0]:g}, clustered {100 * med[1]:.1f}%, ARI {med[2]:.4f}, "
              f"AMI {med[3]:.4f}, AMI(max) {med[4]:.4f}, ARI(c) {med[5]:.4f}, AMI(c) {med[6]:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="with --reference: several min_cluster_size")
    a = ap.parse_args()
    x, y = build()
    if a.reference:
        reference(x, y, a.sweep)
