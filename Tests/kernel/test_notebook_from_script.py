"""`clus --notebook OUT.ipynb SCRIPT.clus`: a script run as a notebook, and the same notebook re-run.

Writes a small script (comment blocks, a load, a PCA, a shape and a plot) into a temporary folder that
holds a link to the repository's data/, runs `$CLUS_BIN --notebook out.ipynb script.clus` there (so
that nothing lands in the repository's out/), and checks the notebook it wrote:

  - it validates against the nbformat schema, and is nbformat 4.5 on disk;
  - the comment blocks are markdown cells holding their text without the "# " (the first cell is the
    title block "A title\\nsome words"; "PCA" is one too); the code cells hold all of the script's code,
    in order, and no comment lines;
  - cell ids are present and unique;
  - metadata.kernelspec.name and metadata.language_info.name are "clus";
  - code cells have execution counts and outputs: the cell with `shape p` shows "2000 × 2" (its
    execute_result when `shape p` ends the cell, else a display_data), the cell with `plot` one
    image/png (a PNG);
  - assignments display nothing.

Then it re-runs the written notebook through the kernel with `jupyter execute --kernel_name=clus-test`
(nbclient's command line; nbclient's API when the command is missing), in the same folder, and
compares each code cell's text outputs (stream text by stream name, and text/plain of results and
displays, in order) with the written notebook's: they must be equal, and so must the number of images.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import nbformat

import kernel_support as ks


def setUpModule():
    ks.setup_jupyter_env()


def tearDownModule():
    ks.teardown_jupyter_env()


SCRIPT = """\
# A title
# some words
d = load "data/mnist"
x = d.data[0:2000]

# PCA
p = pca x n_components=2
shape p
plot p color=d.target[0:2000]
"""


def text_outputs(cell):
    """A cell's text outputs: stream text per name, then the text/plain of each result or display."""
    streams = {}
    plain = []
    images = 0
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            streams[o["name"]] = streams.get(o["name"], "") + o["text"]
        elif o["output_type"] in ("execute_result", "display_data"):
            text = o["data"].get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            # a long step's progress display is emptied when the step ends: nothing of it is kept
            if text:
                plain.append(text)
            if "image/png" in o["data"]:
                images += 1
        elif o["output_type"] == "error":
            plain.append("error: " + o.get("evalue", ""))
    return {"streams": streams, "text/plain": plain, "images": images}


class NotebookFromScriptTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="clus-notebook-")
        cls.dir = Path(cls.tmp.name)
        os.symlink(ks.REPO / "data", cls.dir / "data")
        (cls.dir / "script.clus").write_text(SCRIPT)
        r = subprocess.run([ks.clus_bin(), "--notebook", "out.ipynb", "script.clus"], cwd=cls.dir,
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        cls.run_result = r
        cls.path = cls.dir / "out.ipynb"
        cls.raw = json.loads(cls.path.read_text()) if cls.path.exists() else None
        cls.nb = nbformat.read(str(cls.path), as_version=4) if cls.path.exists() else None

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        r = self.run_result
        self.assertEqual(r.returncode, 0, f"clus --notebook failed\nstdout: {r.stdout}\nstderr: {r.stderr}")
        self.assertIsNotNone(self.nb, "clus --notebook wrote no out.ipynb")

    def code_cells(self):
        return [c for c in self.nb.cells if c.cell_type == "code"]

    def cell_with(self, text):
        cells = [c for c in self.code_cells() if text in c.source]
        self.assertEqual(len(cells), 1, f"code cells holding {text!r}: {[c.source for c in self.code_cells()]}")
        return cells[0]

    def test_valid(self):
        nbformat.validate(self.nb)
        self.assertEqual(self.raw["nbformat"], 4)
        self.assertEqual(self.raw["nbformat_minor"], 5)

    def test_metadata(self):
        self.assertEqual(self.nb.metadata.kernelspec.name, "clus")
        self.assertEqual(self.nb.metadata.language_info.name, "clus")

    def test_ids_unique(self):
        ids = [c.get("id") for c in self.nb.cells]
        self.assertTrue(all(ids), ids)
        self.assertEqual(len(set(ids)), len(ids), ids)

    def test_markdown_cells(self):
        md = [c.source.strip() for c in self.nb.cells if c.cell_type == "markdown"]
        self.assertEqual(md, ["A title\nsome words", "PCA"])
        self.assertEqual(self.nb.cells[0].cell_type, "markdown")

    def test_code_cells_hold_the_code(self):
        code_lines = [l for c in self.code_cells() for l in c.source.splitlines() if l.strip()]
        expected = [l for l in SCRIPT.splitlines() if l.strip() and not l.startswith("#")]
        self.assertEqual(code_lines, expected)

    def test_outputs(self):
        for c in self.code_cells():
            self.assertIsInstance(c.execution_count, int, c.source)
        shape = self.cell_with("shape p")
        # `shape p` is the cell's last expression when the script's cells split there (an
        # execute_result); when a plot follows in the same cell it is displayed (a display_data)
        values = [o.data.get("text/plain") for o in shape.outputs
                  if o.output_type in ("execute_result", "display_data")]
        self.assertIn("2000 × 2", values, ks.summary(shape.outputs))
        if shape.source.rstrip().endswith("shape p"):
            results = [o for o in shape.outputs if o.output_type == "execute_result"]
            self.assertEqual([o.data["text/plain"] for o in results], ["2000 × 2"], ks.summary(shape.outputs))
        plot = self.cell_with("plot p")
        images = [o for o in plot.outputs if "image/png" in o.get("data", {})]
        self.assertEqual(len(images), 1, ks.summary(plot.outputs))
        self.assertEqual(base64.b64decode(images[0].data["image/png"])[:8], b"\x89PNG\r\n\x1a\n")
        load = self.cell_with("d = load")
        self.assertEqual([o for o in load.outputs if o.output_type != "stream"], [], ks.summary(load.outputs))
        for c in self.code_cells():
            self.assertNotIn("error", [o.output_type for o in c.outputs], c.source)

    def rerun(self):
        """The written notebook re-run through the kernel clus-test, as a notebook node."""
        exe = Path(sys.executable).parent / "jupyter-execute"
        if exe.exists():
            r = subprocess.run([str(exe), "out.ipynb", f"--kernel_name={ks.KERNEL_NAME}", "--output=rerun",
                                "--timeout=600", "--startup_timeout=60"],
                               cwd=self.dir, capture_output=True, text=True, timeout=900)
            self.assertEqual(r.returncode, 0, f"jupyter execute failed\nstdout: {r.stdout}\nstderr: {r.stderr}")
            return nbformat.read(str(self.dir / "rerun.ipynb"), as_version=4)
        from nbclient import NotebookClient
        nb = nbformat.read(str(self.path), as_version=4)
        return NotebookClient(nb, kernel_name=ks.KERNEL_NAME, timeout=600, startup_timeout=60,
                              resources={"metadata": {"path": str(self.dir)}}).execute()

    def test_rerun_in_kernel_gives_the_same_text(self):
        rerun = self.rerun()
        nbformat.validate(rerun)
        mine = self.code_cells()
        theirs = [c for c in rerun.cells if c.cell_type == "code"]
        self.assertEqual([c.source for c in theirs], [c.source for c in mine])
        for a, b in zip(mine, theirs):
            with self.subTest(cell=a.source):
                self.assertEqual(text_outputs(b), text_outputs(a))


class CommittedWalkthroughTests(unittest.TestCase):
    """examples/mnist.ipynb (made with `clus --notebook examples/mnist.ipynb examples/mnist.clus`) is a valid
    notebook of the walk-through, and its text is the walk-through's golden output, examples/mnist.out: the
    stdout streams and each displayed value's text/plain followed by a line break, in order, are that file
    (so the committed notebook cannot drift from what the golden test checks)."""

    def test_committed_notebook_is_the_golden_walkthrough(self):
        path = ks.REPO / "examples" / "mnist.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        self.assertEqual((nb.nbformat, nb.nbformat_minor), (4, 5))
        self.assertEqual(nb.metadata.kernelspec.name, "clus")
        source = "".join(c.source + "\n" for c in nb.cells if c.cell_type == "code")
        script = (ks.REPO / "examples" / "mnist.clus").read_text()
        # every statement of the script is in a code cell, in order
        statements = [l for l in script.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        self.assertEqual([l for l in source.splitlines() if l.strip()], statements)
        text = ""
        images = 0
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                self.assertNotEqual(o.output_type, "error", o)
                if o.output_type == "stream" and o.name == "stdout":
                    text += o.text
                elif o.output_type in ("execute_result", "display_data"):
                    if "image/png" in o.data:
                        images += 1
                    elif o.data.get("text/plain"):
                        text += o.data["text/plain"] + "\n"
        self.assertEqual(text, (ks.REPO / "examples" / "mnist.out").read_text())
        self.assertEqual(images, script.count("\nplot "))


class NotebookOptionsTests(unittest.TestCase):
    """--set values become a parameters cell (so the notebook re-runs alone); an output path that cannot
    be written fails before the script runs; nothing is printed on stdout."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="clus-nb-opts-"))

    def notebook(self, *args):
        """clus --notebook with `args` (the notebook's path, then the scripts), its output captured."""
        return subprocess.run([ks.clus_bin(), "--notebook", *map(str, args)], capture_output=True, text=True, timeout=60)

    def test_set_values_become_a_parameters_cell(self):
        script = self.dir / "p.clus"
        script.write_text('n = int k\nprint (n * 2)\n')
        out = self.dir / "p.ipynb"
        r = subprocess.run([ks.clus_bin(), "--set", "k=21", "--notebook", str(out), str(script)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        nb = nbformat.read(str(out), as_version=4)
        nbformat.validate(nb)
        first = nb.cells[0]
        self.assertEqual(first.cell_type, "code")
        self.assertEqual(first.source, 'k = "21"')
        self.assertEqual(first.metadata.get("tags"), ["parameters"])
        # re-run alone in the kernel: the same text
        rerun = self.dir / "rerun.ipynb"
        from nbclient import NotebookClient
        nb2 = nbformat.read(str(out), as_version=4)
        NotebookClient(nb2, kernel_name=ks.KERNEL_NAME, timeout=120,
                       resources={"metadata": {"path": str(self.dir)}}).execute()
        self.assertEqual([text_outputs(c) for c in nb2.cells], [text_outputs(c) for c in nb.cells])

    def test_a_failing_cell_is_said_on_stderr_too(self):
        # the error was only inside the notebook: a batch log showed exit status 1 and "wrote x.ipynb"
        script = self.dir / "fails.clus"
        script.write_text("x = 1\nfoo\n")
        out = self.dir / "fails.ipynb"
        r = self.notebook(out, script)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{script}:2:1: error: unknown variable or command 'foo'\nfoo\n^~~\n", r.stderr)
        self.assertNotIn("\x1b[", r.stderr)
        self.assertIn(f"wrote {out}", r.stderr)
        errors = [o for c in nbformat.read(str(out), as_version=4).cells if c.cell_type == "code"
                  for o in c.outputs if o["output_type"] == "error"]
        self.assertEqual(len(errors), 1)

    def test_exit_ends_the_run_with_its_status(self):
        # as `clus script.clus`: exit 4 ends the run with status 4 and no later cell runs (it was an
        # error meant for the kernel, status 1)
        script = self.dir / "exits.clus"
        script.write_text("x = 1\nprint 11\n\n# the end\nexit 4\n\nprint 99\n")
        out = self.dir / "exits.ipynb"
        r = self.notebook(out, script)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertNotIn("error", r.stderr)
        printed = "".join(text_outputs(c)["streams"].get("stdout", "")
                          for c in nbformat.read(str(out), as_version=4).cells if c.cell_type == "code")
        self.assertEqual(printed, "11\n")
        # the cell that ran exit says so under it (it left no mark: the notebook just stopped)
        cells = [c for c in nbformat.read(str(out), as_version=4).cells if c.cell_type == "code"]
        self.assertEqual([text_outputs(c)["streams"].get("stderr", "") for c in cells],
                         ["", "exit 4: the run ended here; the cells below did not run\n", ""])
        self.assertIsNone(cells[2].execution_count)
        # exit in the last code cell: nothing below to mention
        last = self.dir / "exits-last.clus"
        last.write_text("print 1\nexit 3\n")
        out2 = self.dir / "exits-last.ipynb"
        self.assertEqual(self.notebook(out2, last).returncode, 3)
        only = [c for c in nbformat.read(str(out2), as_version=4).cells if c.cell_type == "code"]
        self.assertEqual(text_outputs(only[0])["streams"].get("stderr", ""), "exit 3: the run ended here\n")

    def test_existing_files_are_never_lost(self):
        # the scripts given in the notebook's place, the same file twice, an unreadable script: each
        # is refused and every file stays as it was (the script was emptied and removed, an old
        # notebook removed, `--notebook s.clus s.clus` overwrote the script with an empty notebook)
        script = self.dir / "keep.clus"
        script.write_text("x = 1\n")
        r = self.notebook(script, self.dir / "out.ipynb")
        self.assertEqual(r.returncode, 2)
        self.assertIn("whose name ends in .ipynb", r.stderr)
        self.assertIn("the notebook's path comes first", r.stderr)
        self.assertEqual(script.read_text(), "x = 1\n")
        same = self.dir / "same.ipynb"
        same.write_text("x = 1\n")
        r = self.notebook(same, same)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is the script", r.stderr)
        self.assertEqual(same.read_text(), "x = 1\n")
        old = self.dir / "old.ipynb"
        old.write_text("{}\n")
        latin = self.dir / "latin.clus"
        latin.write_bytes(b'x = "caf\xe9"\n')
        r = self.notebook(old, latin)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not UTF-8 text", r.stderr)
        self.assertEqual(old.read_text(), "{}\n")
        # a successful run replaces it whole, and leaves no file of its own beside it
        r = self.notebook(old, script)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(nbformat.read(str(old), as_version=4).cells), 1)
        self.assertEqual([p.name for p in self.dir.iterdir() if ".clus-" in p.name], [])

    def test_unwritable_output_fails_before_running(self):
        script = self.dir / "s.clus"
        marker = self.dir / "ran.npy"
        script.write_text(f'save [1, 2] "{marker}"\n')
        r = self.notebook(self.dir / "no" / "such" / "x.ipynb", script)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot write", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertFalse(marker.exists(), "the script ran although the notebook could not be written")
