"""The Dask integration (integrations/dask, clus_dask) on a distributed.LocalCluster of 2 worker
processes: every part's embedding, labels and probabilities put together are byte-identical to one clus
process over the whole array (for a .npy file, a directory of parts, a Dask array, Parquet), also when a
worker process is killed during the run; a bad part fails with clus's message naming the part.

Run: CLUS_BIN=.build/release/clus .venv/bin/python -m unittest discover -s Tests/dask -v   (make test-dask)
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
# the checkout's integration (make deps also installs it into .venv, as a user would)
sys.path.insert(0, os.path.join(ROOT, "integrations", "dask"))
import clus_dask  # noqa: E402

from distributed import Client, LocalCluster

CLUS = os.environ.get("CLUS_BIN") or os.path.join(ROOT, ".build", "release", "clus")


def blobs(n, d, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 8, size=(6, d))
    return (centres[rng.integers(0, 6, size=n)] + rng.normal(0, 1, size=(n, d))).astype(np.float32)


def same_bytes(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


class DaskIntegrationTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CLUS, os.X_OK):
            raise unittest.SkipTest(f"no clus binary at {CLUS} (make release, or set CLUS_BIN)")
        cls.dir = tempfile.mkdtemp(prefix="clus-dask-test-")
        cls.x = blobs(6_000, 10, 3)
        cls.data = os.path.join(cls.dir, "data.npy")
        np.save(cls.data, cls.x)
        cls.models = clus_dask.fit(cls.x[:1_500], os.path.join(cls.dir, "models"), clus=CLUS, threads=2,
                                   umap=dict(n_neighbors=15, random_state=7), hdbscan=dict(min_cluster_size=30))
        cls.ref = clus_dask.transform_predict_local(cls.data, cls.models.umap, cls.models.hdbscan, clus=CLUS)
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        cls.client = Client(cls.cluster)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def predict(self, data, **kw):
        return clus_dask.transform_predict(data, self.models.umap, self.models.hdbscan, client=self.client,
                                           clus=CLUS, **kw).compute()

    def assertIdentical(self, got):
        e, l, p = got
        self.assertEqual(e.shape, (6_000, 2))
        self.assertEqual((e.dtype, l.dtype, p.dtype), (np.float32, np.int64, np.float64))
        for g, r, name in zip(got, self.ref, ["embedding", "labels", "probabilities"]):
            self.assertTrue(same_bytes(g, r), name)

    def test_the_reference_is_a_clustering(self):
        # the fit and the one-process run themselves: 6 blobs found, few noise points, probabilities in [0, 1]
        e, l, p = self.ref
        self.assertEqual(len(set(l.tolist()) - {-1}), 6)
        self.assertLess(np.mean(l < 0), 0.05)
        self.assertTrue(np.all((p >= 0) & (p <= 1)) and np.all(np.isfinite(e)))

    def test_npy_file_in_parts_is_identical(self):
        self.assertIdentical(self.predict(self.data, rows_per_part=700))

    def test_directory_of_parts_and_dask_array_are_identical(self):
        import dask.array as da
        parts = os.path.join(self.dir, "parts")
        os.makedirs(parts, exist_ok=True)
        for i, r0 in enumerate(range(0, 6_000, 1_100)):
            np.save(os.path.join(parts, f"part-{i:03d}.npy"), self.x[r0:r0 + 1_100])
        self.assertIdentical(self.predict(parts))
        self.assertIdentical(self.predict(da.from_array(self.x, chunks=(1_300, 5))))

    def test_parquet_is_identical(self):
        try:
            import pandas as pd
            import pyarrow  # noqa: F401
        except ImportError:
            self.skipTest("pyarrow is not installed")
        path = os.path.join(self.dir, "data.parquet")
        pd.DataFrame(self.x, columns=[f"f{j}" for j in range(10)]).to_parquet(path, row_group_size=1_000)
        self.assertIdentical(self.predict(path))

    def test_a_killed_worker_changes_nothing(self):
        # a worker process killed by its pid once a part has finished: Dask reruns its parts, nothing is
        # lost or duplicated, the bytes are the same
        killed = []

        def kill():
            deadline = time.time() + 60
            while time.time() < deadline and not killed:
                processing = self.client.processing()
                busy = [w for w, keys in processing.items() if any("_predict_block" in str(k) for k in keys)]
                finished = self.client.run_on_scheduler(
                    lambda dask_scheduler: sum(1 for ts in dask_scheduler.tasks.values()
                                               if "_predict_block" in str(ts.key) and ts.state == "memory"))
                if finished >= 1 and busy:
                    pid = self.client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.02)

        t = threading.Thread(target=kill, daemon=True)
        t.start()
        got = self.predict(self.data, rows_per_part=250)
        t.join()
        self.assertEqual(len(killed), 1, "a worker was killed during the run")
        self.assertIdentical(got)
        self.client.wait_for_workers(2, timeout=60)

    def test_bad_parts_fail_with_clus_message_naming_the_part(self):
        parts = os.path.join(self.dir, "bad")
        os.makedirs(parts, exist_ok=True)
        np.save(os.path.join(parts, "a.npy"), self.x[:100])
        np.save(os.path.join(parts, "b.npy"), self.x[:100, :9])
        with self.assertRaises(clus_dask.ClusError) as c:
            self.predict(parts)
        self.assertEqual(c.exception.part, "b.npy")
        self.assertIn("transform: the new data has 9 columns but the embedding was fitted on 10", str(c.exception))
        self.assertIn("^", c.exception.message)
        os.remove(os.path.join(parts, "b.npy"))
        y = self.x[:100].copy()
        y[17, 4] = np.nan
        np.save(os.path.join(parts, "c.npy"), y)
        with self.assertRaises(clus_dask.ClusError) as c:
            self.predict(parts)
        self.assertEqual(c.exception.part, "c.npy")
        self.assertIn("non-finite value (nan) at row 17, column 4", str(c.exception))

    def test_values_clus_cannot_take_are_refused_before_it_runs(self):
        parts = os.path.join(self.dir, "odd")
        os.makedirs(parts, exist_ok=True)
        big = self.x[:50].astype(np.float64)
        big[3, 3] = 1e300
        np.save(os.path.join(parts, "a.npy"), big)
        with self.assertRaises(clus_dask.ClusError) as c:
            self.predict(parts)
        self.assertEqual(c.exception.part, "a.npy")
        self.assertIn("the value 1e+300 (row 3, column 3) is beyond float32's range", c.exception.message)
        np.save(os.path.join(parts, "a.npy"), np.zeros((0, 10), np.float32))
        with self.assertRaises(clus_dask.ClusError) as c:
            self.predict(parts)
        self.assertIn("no rows", c.exception.message)
        empty = os.path.join(self.dir, "empty.npy")
        np.save(empty, np.zeros((0, 10), np.float32))
        with self.assertRaisesRegex(ValueError, "empty.npy: no rows"):
            clus_dask.transform_predict(empty, self.models.umap, self.models.hdbscan, client=self.client, clus=CLUS)
        with self.assertRaisesRegex(ValueError, "rows_per_part=0"):
            clus_dask.transform_predict(self.data, self.models.umap, self.models.hdbscan, client=self.client, clus=CLUS,
                                        rows_per_part=0)
        with self.assertRaisesRegex(ValueError, "1-D"):
            clus_dask.fit(self.x[:, 0], os.path.join(self.dir, "m3"), clus=CLUS)
        # a non-ASCII string parameter reaches clus as written (its message quotes it back)
        with self.assertRaises(clus_dask.ClusError) as c:
            clus_dask.fit(self.x[:300], os.path.join(self.dir, "m4"), clus=CLUS, umap=dict(metric="cosineé"))
        self.assertIn("cosineé", c.exception.message)
        self.assertIn("fit.clus:", c.exception.message)

    def test_a_missing_model_file(self):
        # shipped from the client: the client's own error, before any task
        with self.assertRaises(FileNotFoundError):
            clus_dask.transform_predict(self.data, os.path.join(self.dir, "none.npz"), self.models.hdbscan,
                                        client=self.client, clus=CLUS)
        # read by the workers from a shared path that one of them lacks: clus's message, naming the part
        gone = os.path.join(self.dir, "gone.npz")
        shutil.copy(self.models.umap, gone)
        r = clus_dask.transform_predict(self.data, gone, self.models.hdbscan, client=self.client, clus=CLUS,
                                        ship_models=False, rows_per_part=3_000)
        os.remove(gone)
        with self.assertRaises(clus_dask.ClusError) as c:
            r.compute()
        self.assertIn("data.npy rows", c.exception.part)
        self.assertIn(f"load: {gone}: no such file", c.exception.message)

    def test_swapped_models_are_refused(self):
        with self.assertRaisesRegex(ValueError, "a hdbscan model, not umap"):
            clus_dask.transform_predict(self.data, self.models.hdbscan, self.models.umap, client=self.client, clus=CLUS)

    def test_a_failed_fit_names_the_parameter(self):
        with self.assertRaises(clus_dask.ClusError) as c:
            clus_dask.fit(self.x[:300], os.path.join(self.dir, "m2"), clus=CLUS, umap=dict(n_neigbors=5))
        self.assertEqual(c.exception.part, "fit")
        self.assertIn("did you mean n_neighbors", c.exception.message)

    def test_the_example_prints_identical_true(self):
        # examples/dask/run.py on a small size, with a worker killed
        env = dict(os.environ, CLUS_BIN=CLUS)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "dask", "run.py"), "--points", "20000",
                            "--sample", "3000", "--workers", "2", "--rows-per-part", "1000", "--kill-one",
                            "--workdir", os.path.join(self.dir, "example")],
                           capture_output=True, text=True, env=env, timeout=600)
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-3000:])
        self.assertTrue(last.startswith("identical=true points=20000 seconds="), r.stdout)
        self.assertIn("killed worker", r.stdout)


if __name__ == "__main__":
    unittest.main()
