"""The clus Jupyter kernel against jupyter_kernel_test's protocol conformance suite.

`ClusKernelTests` fills in every sample of `jupyter_kernel_test.KernelTests` (0.7), so that each of its
tests runs instead of being skipped (except the pager and clear_output, which clus does not have). One
kernel (`clus-test`, installed by kernel_support) serves the whole class; each reply and iopub message
is validated against the message spec v5 schemas. What the samples check:

  - kernel_info: language_info.name "clus", file_extension ".clus";
  - execute: `print "hello, world"` streams to stdout; `var [1] ddof=1` (numpy's division-by-zero
    warning, a nan result) sends the warning as a `stream` named stderr; `1 + 2` and `x = 2\\nx * 3` give
    execute_results "3" and "6"; a plot gives a display_data with image/png; a missing file gives
    status "error" and exactly one output, the `error` message;
  - complete: command names ("um" -> umap, "hdb" -> hdbscan) and a command's parameters
    ("umap x n_neigh" -> "n_neighbors=");
  - is_complete: "complete", "incomplete" for open brackets, "invalid" for closed brackets that do not
    parse;
  - history: tail, range and search (search's pattern is glob syntax over the whole cell, as IPython's:
    "1?+?2*" matches the cell "1 + 2" only, `unique` gives one entry, `n=3` three);
  - inspect: help text for the command "umap".

`ClusKernelExtraTests` (same kernel spec, its own kernel) checks what the generic suite does not: the
kernel.json that `clus kernel install` wrote, completions applied the way a front end applies them
(replacing cursor_start..cursor_end: a path inside a string, a record's field), and inspect of a
non-command.
"""

import json
import subprocess
import tempfile
from pathlib import Path
import os
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel
from jupyter_kernel_test.msgspec_v5 import validate_message

import kernel_support as ks


def setUpModule():
    ks.setup_jupyter_env()


def tearDownModule():
    ks.teardown_jupyter_env()


class ClusKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = ks.KERNEL_NAME
    language_name = "clus"
    file_extension = ".clus"

    code_hello_world = 'print "hello, world"'
    # var with ddof ≥ the number of values warns (as numpy's RuntimeWarning) on stderr and gives nan
    code_stderr = "var [1] ddof=1"

    completion_samples = [
        {"text": "um", "matches": {"umap"}},
        {"text": "hdb", "matches": {"hdbscan"}},
        {"text": "umap x n_neigh", "matches": {"n_neighbors="}},
        # the reply is only validated here; ClusKernelExtraTests applies it
        {"text": 'x = load "data/mn'},
    ]

    complete_code_samples = ["x = 1", "print 1", "umap"]
    incomplete_code_samples = ["x = [1, 2", "print (1 +"]
    invalid_code_samples = ["x = = 1", ")"]

    code_page_something = None  # no pager

    code_generate_error = 'load "no/such/file.npy"'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "x = 2\nx * 3", "result": "6"},
    ]

    code_display_data = [
        {"code": 'p = load "data/mnist"\nplot (pca p.data[0:500] n_components=2) color=p.target[0:500]',
         "mime": "image/png"},
    ]

    # glob over the whole cell (as IPython's history search): matches "1 + 2", not "x = 2\nx * 3"
    code_history_pattern = "1?+?2*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "umap"

    code_clear_output = None  # clus never clears a cell's output


class ClusKernelExtraTests(unittest.TestCase):
    """kernel.json, completions as a front end applies them, inspect of a non-command."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=ks.KERNEL_NAME, startup_timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def test_kernel_json(self):
        spec = json.loads((ks._Env.spec_dir / "kernel.json").read_text())
        self.assertEqual(len(spec["argv"]), 4, spec["argv"])
        self.assertTrue(os.path.isabs(spec["argv"][0]), spec["argv"])
        self.assertTrue(os.path.samefile(spec["argv"][0], ks.clus_bin()), spec["argv"])
        self.assertEqual(spec["argv"][1:], ["kernel", "-f", "{connection_file}"])
        self.assertEqual(spec.get("interrupt_mode"), "message")
        self.assertEqual(spec.get("language"), "clus")
        self.assertTrue(spec.get("display_name"), spec)
        self.assertEqual(self.km.kernel_spec.language, "clus")

    def complete(self, code, cursor_pos=None):
        """Completes `code` and returns (reply content, each match applied to `code`)."""
        msg_id = self.kc.complete(code, cursor_pos)
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "complete_reply", msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "ok", c)
        pos = len(code) if cursor_pos is None else cursor_pos
        self.assertLessEqual(0, c["cursor_start"], c)
        self.assertLessEqual(c["cursor_start"], c["cursor_end"], c)
        self.assertLessEqual(c["cursor_end"], pos, c)
        applied = [code[:c["cursor_start"]] + m + code[c["cursor_end"]:] for m in c["matches"]]
        return c, applied

    def test_install_refuses_names_that_leave_the_kernels_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name in (".", "..", ".hidden", "a/b", ""):
                r = subprocess.run([ks.clus_bin(), "kernel", "install", "--prefix", tmp, "--name", name],
                                   capture_output=True, text=True, timeout=30)
                self.assertNotEqual(r.returncode, 0, name)
                self.assertIn("not a kernel name", r.stderr, name)
            self.assertFalse(Path(tmp, "share", "jupyter", "kernel.json").exists())
            self.assertFalse(Path(tmp, "share", "jupyter", "kernels", "kernel.json").exists())

    def test_completion_after_astral_characters(self):
        """cursor_pos counts code points: an emoji (4 UTF-8 bytes, 1 code point) before the word."""
        code = 's = "\U0001F389" + hdbsc'
        reply = self.kc.complete(code, len(code), reply=True, timeout=15)["content"]
        self.assertEqual(reply["matches"], ["hdbscan"], reply)
        self.assertEqual((reply["cursor_start"], reply["cursor_end"]), (len(code) - 5, len(code)))

    def test_path_completion(self):
        """`x = load "data/mn` completes to the folder data/mnist (a trailing / or quote allowed)."""
        c, applied = self.complete('x = load "data/mn')
        self.assertEqual(len(applied), 1, c)
        self.assertIn(applied[0], ['x = load "data/mnist/', 'x = load "data/mnist', 'x = load "data/mnist"'])

    def test_path_completion_inside_folder(self):
        """A folder's files complete by their full names; the quote closes only for a single file."""
        c, applied = self.complete('x = load "data/mnist/train-')
        self.assertEqual(sorted(applied), ['x = load "data/mnist/train-images-idx3-ubyte.gz',
                                           'x = load "data/mnist/train-labels-idx1-ubyte.gz'], c)
        c, applied = self.complete('x = load "data/mnist/train-la')
        self.assertEqual(len(applied), 1, c)
        self.assertIn(applied[0], ['x = load "data/mnist/train-labels-idx1-ubyte.gz"',
                                   'x = load "data/mnist/train-labels-idx1-ubyte.gz'])

    def test_variable_and_field_completion(self):
        reply, _ = ks.execute(self.kc, 'mnist_digits = load "data/mnist"', timeout=60)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        c, applied = self.complete("shape mnist_d")
        self.assertEqual(applied, ["shape mnist_digits"], c)
        c, applied = self.complete("shape mnist_digits.tar")
        self.assertEqual(applied, ["shape mnist_digits.target"], c)

    def test_completion_in_the_middle(self):
        """cursor_pos before the end: only the text before the cursor counts."""
        code = "hdb x min_cluster_size=5"
        c, applied = self.complete(code, cursor_pos=3)
        self.assertEqual(applied, ["hdbscan x min_cluster_size=5"], c)

    def test_choice_completion(self):
        c, applied = self.complete('y = umap x init="sp')
        self.assertEqual(len(applied), 1, c)
        self.assertIn(applied[0], ['y = umap x init="spectral"', 'y = umap x init="spectral'])

    def test_inspect_unknown_word(self):
        msg_id = self.kc.inspect("no_such_thing_here")
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "inspect_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertFalse(reply["content"]["found"])

    def test_inspect_text(self):
        """inspect of `umap` (cursor after it) is its help: the usage line and its parameters."""
        msg_id = self.kc.inspect("e = umap x n_neighbors=5", cursor_pos=len("e = um"))
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "inspect_reply", msg_id)
        c = reply["content"]
        self.assertTrue(c["found"], c)
        text = ks.strip_ansi(c["data"].get("text/plain", ""))
        self.assertIn("umap DATA", text)
        self.assertIn("n_neighbors", text)
