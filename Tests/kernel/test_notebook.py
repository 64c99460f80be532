"""A clustering notebook run end to end through the clus kernel with nbclient.

Builds a notebook in memory (kernelspec "clus-test") that loads MNIST, takes the first 3,000 digits,
embeds them with UMAP, clusters the embedding with HDBSCAN, scores the clusters against the labels,
plots them, runs a cell that fails (tagged `raises-exception`, so nbclient goes on) and then uses the
variables again. It runs with `NotebookClient(..., allow_errors=False)` (any other failing cell fails the
test) from the repository root, and checks:

  - assignments display nothing; every code cell gets an execution_count, increasing;
  - `score l y`: one execute_result whose text/plain holds `.ari` and `.ami`; the ARI is a number in
    [0.4, 1], clusters well above chance (the value itself is not pinned: it is the algorithms'
    business, tested elsewhere; on these 3,000 digits it moves with the seed: umap-learn + hdbscan
    give 0.5635, 0.5598, 0.5076, 0.5327 at random_state 42, 1, 2, 3, clus 0.4910 at 42 and
    0.5060–0.5627 over 1–5);
  - `plot e color=l`: exactly one image/png output, a display_data; the base64 decodes to a PNG (its
    signature and IHDR), and the output's metadata gives image/png a positive width and height with the
    picture's aspect ratio;
  - the failing cell: one `error` output whose traceback, joined and ANSI-stripped, has clus's
    `:1:1: error: ...` line and a caret line (a line starting with `^`);
  - after the error the variables are still there: `shape e` is "3000 × 2", `l.n_clusters` a number;
  - the executed notebook validates against the nbformat schema and its metadata.language_info.name is
    "clus".
"""

import base64
import re
import struct
import unittest

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

import kernel_support as ks


def setUpModule():
    ks.setup_jupyter_env()


def tearDownModule():
    ks.teardown_jupyter_env()


CELLS = [
    ("load", 'd = load "data/mnist"'),
    ("subset", "x = d.data[0:3000]\ny = d.target[0:3000]"),
    ("umap", "e = umap x n_neighbors=15 random_state=42"),
    ("hdbscan", "l = hdbscan e min_samples=10 min_cluster_size=50"),
    ("score", "score l y"),
    ("plot", "plot e color=l"),
    ("error", "zzz + 1"),
    ("after", "shape e"),
    ("clusters", "l.n_clusters"),
]


def png_size(data):
    """(width, height) from a PNG's IHDR chunk; fails unless `data` starts with the PNG signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    assert data[12:16] == b"IHDR", data[8:32]
    return struct.unpack(">II", data[16:24])


class NotebookTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        nb = new_notebook(metadata={"kernelspec": {"name": ks.KERNEL_NAME, "display_name": "clus (test)",
                                                   "language": "clus"}})
        for name, source in CELLS:
            cell = new_code_cell(source)
            if name == "error":
                cell.metadata["tags"] = ["raises-exception"]
            nb.cells.append(cell)
        client = NotebookClient(nb, kernel_name=ks.KERNEL_NAME, timeout=600, allow_errors=False,
                                startup_timeout=60, resources={"metadata": {"path": str(ks.REPO)}})
        cls.nb = client.execute()
        cls.cells = {name: cell for (name, _), cell in zip(CELLS, cls.nb.cells)}

    def results(self, name):
        return [o for o in self.cells[name].outputs if o.output_type == "execute_result"]

    def test_valid_notebook(self):
        nbformat.validate(self.nb)
        self.assertEqual(self.nb.metadata.language_info.name, "clus")

    def test_execution_counts(self):
        counts = [c.execution_count for c in self.nb.cells]
        self.assertTrue(all(isinstance(n, int) for n in counts), counts)
        self.assertEqual(counts, sorted(counts), counts)
        self.assertEqual(len(set(counts)), len(counts), counts)

    def test_assignments_display_nothing(self):
        for name in ("load", "subset", "umap", "hdbscan"):
            with self.subTest(cell=name):
                outputs = self.cells[name].outputs
                kinds = [o.output_type for o in outputs]
                self.assertNotIn("execute_result", kinds)
                self.assertNotIn("error", kinds)
                # a step that ran over a second showed its progress in a display that it emptied at
                # the end (update_display_data): an empty text/plain is all that may stay of it
                shown = [o for o in outputs if o.output_type == "display_data"
                         and (set(o.data) != {"text/plain"} or "".join(o.data["text/plain"]) != "")]
                self.assertEqual(shown, [], outputs)

    def test_score(self):
        results = self.results("score")
        self.assertEqual(len(results), 1, ks.summary(self.cells["score"].outputs))
        text = results[0].data["text/plain"]
        m = re.search(r"\.ari\s+(-?[0-9.]+)", text)
        self.assertIsNotNone(m, text)
        self.assertRegex(text, r"\.ami\s+-?[0-9.]+")
        ari = float(m.group(1))
        self.assertGreaterEqual(ari, 0.4, text)
        self.assertLessEqual(ari, 1.0, text)

    def test_plot(self):
        outputs = self.cells["plot"].outputs
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        self.assertEqual(len(images), 1, [o.output_type for o in outputs])
        out = images[0]
        self.assertEqual(out.output_type, "display_data")
        width, height = png_size(base64.b64decode(out.data["image/png"]))
        self.assertGreater(width, 0)
        self.assertGreater(height, 0)
        meta = out.metadata.get("image/png", {})
        self.assertIn("width", meta, out.metadata)
        self.assertIn("height", meta, out.metadata)
        self.assertGreater(meta["width"], 0)
        self.assertGreater(meta["height"], 0)
        self.assertAlmostEqual(meta["width"] / meta["height"], width / height, delta=0.02 * width / height)
        self.assertNotIn("error", [o.output_type for o in outputs])

    def test_error_cell(self):
        outputs = self.cells["error"].outputs
        errors = [o for o in outputs if o.output_type == "error"]
        self.assertEqual(len(errors), 1, ks.summary(outputs))
        text = ks.strip_ansi("\n".join(errors[0].traceback))
        self.assertIn("error:", text)
        self.assertRegex(text, r":1:1: error: .*zzz")
        self.assertTrue(any(line.lstrip().startswith("^") for line in text.splitlines()), text)
        self.assertTrue(errors[0].ename, errors[0])
        self.assertIn("zzz", errors[0].evalue)

    def test_variables_survive_the_error(self):
        results = self.results("after")
        self.assertEqual(len(results), 1, ks.summary(self.cells["after"].outputs))
        self.assertEqual(results[0].data["text/plain"], "3000 × 2")
        results = self.results("clusters")
        self.assertEqual(len(results), 1, ks.summary(self.cells["clusters"].outputs))
        self.assertRegex(results[0].data["text/plain"], r"^[0-9]+$")
