"""Fit on a sample with clus, then transform + approximate_predict every point on Dask workers.

    pip install ./integrations/dask          # numpy and dask[distributed] come with it
    CLUS_BIN=.build/release/clus python examples/dask/run.py --points 2000000 --sample 100000 --workers 2

N points of 50-dimensional synthetic embeddings (a seeded Gaussian mixture made here) are written to a
.npy file; UMAP + HDBSCAN are fitted by clus on a sample of S of them; then every point is embedded and
labelled on a distributed.LocalCluster of 1 and of W worker processes (one clus process per part of
--rows-per-part rows), and the result is compared byte for byte with one clus process over the whole
file. --kill-one kills one worker process (by its pid) while the W-worker run is under way: Dask reruns
its parts elsewhere and the result must still be identical, with no part lost or duplicated.
The last line: identical=true|false points=N seconds=T points_per_second=R (the W-worker run).
"""

import argparse
import os
import signal
import sys
import tempfile
import threading
import time

import numpy as np

try:
    import clus_dask
except ImportError:  # run from a checkout without installing the integration
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "dask"))
    import clus_dask


def mixture(path, n, d, k, seed, block=500_000):
    """n x d float32 points from k Gaussian clusters (centres N(0, 10^2), unit spread), written in blocks."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 10.0, size=(k, d))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    for r0 in range(0, n, block):
        m = min(block, n - r0)
        which = rng.integers(0, k, size=m)
        out[r0:r0 + m] = centres[which] + rng.normal(0.0, 1.0, size=(m, d))
    out.flush()
    del out


def same_bytes(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def killer(client, done, log):
    """Kills one worker process once a part has finished and another is running on that worker."""
    def run():
        while not done.is_set():
            processing = client.processing()
            finished = client.run_on_scheduler(
                lambda dask_scheduler: sum(1 for ts in dask_scheduler.tasks.values()
                                           if "_predict_block" in str(ts.key) and ts.state == "memory"))
            busy = [w for w, keys in processing.items() if any("_predict_block" in str(k) for k in keys)]
            if finished >= 1 and busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                log.append(f"killed worker {busy[0]} (pid {pid}) after {finished} part(s) had finished")
                return
            time.sleep(0.05)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=2_000_000)
    ap.add_argument("--sample", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dim", type=int, default=50)
    ap.add_argument("--clusters", type=int, default=20)
    ap.add_argument("--rows-per-part", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--kill-one", action="store_true", help="kill one worker process during the W-worker run")
    ap.add_argument("--workdir", default=None, help="where the data and models go (default: a temporary folder)")
    args = ap.parse_args()
    if args.sample > args.points:
        ap.error("--sample must be at most --points")

    from distributed import Client, LocalCluster

    clus = clus_dask.clus_binary()
    work = args.workdir or tempfile.mkdtemp(prefix="clus-dask-example-")
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, f"mixture-{args.points}x{args.dim}.npy")
    t = time.perf_counter()
    mixture(data, args.points, args.dim, args.clusters, args.seed)
    print(f"data: {args.points} x {args.dim} float32, {args.clusters} clusters, seed {args.seed} ({time.perf_counter() - t:.1f} s)")

    # the fit: UMAP + HDBSCAN on a seeded sample, on this machine
    rng = np.random.default_rng(args.seed + 1)
    idx = np.sort(rng.choice(args.points, size=args.sample, replace=False))
    sample = np.load(data, mmap_mode="r")[idx]
    t = time.perf_counter()
    models = clus_dask.fit(sample, os.path.join(work, "models"), clus=clus,
                           umap=dict(n_neighbors=15, min_dist=0.0, random_state=42),
                           hdbscan=dict(min_samples=10, min_cluster_size=max(50, args.sample // 200)))
    fit_s = time.perf_counter() - t
    print(f"fit on {args.sample} points: {fit_s:.1f} s (UMAP n_neighbors=15 min_dist=0 random_state=42, HDBSCAN min_samples=10)")

    # the reference: one clus process over the whole file
    t = time.perf_counter()
    ref = clus_dask.transform_predict_local(data, models.umap, models.hdbscan, clus=clus, threads=args.workers)
    local_s = time.perf_counter() - t
    print(f"one clus process, {args.workers} threads: {local_s:.1f} s "
          f"({args.points / local_s:,.0f} points/s); {len(set(ref[1].tolist()) - {-1})} clusters, "
          f"noise {np.mean(ref[1] < 0):.3f}")

    identical = True
    seconds = {}
    for w in sorted({1, args.workers}):
        kill = args.kill_one and w == args.workers
        with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            log, done = [], threading.Event()
            t = time.perf_counter()
            thread = killer(client, done, log) if kill else None
            r = clus_dask.transform_predict(data, models.umap, models.hdbscan, client=client, clus=clus,
                                            threads=1, rows_per_part=args.rows_per_part)
            got = r.compute()
            seconds[w] = time.perf_counter() - t
            done.set()
            if thread:
                thread.join()
            same = all(same_bytes(a, b) for a, b in zip(got, ref))
            identical = identical and same
            for line in log:
                print(line)
            if kill and not log:
                print("no worker was killed (the run ended first): use more points or smaller parts")
                identical = False
            print(f"workers={w}: {seconds[w]:.1f} s, {args.points / seconds[w]:,.0f} points/s, "
                  f"identical to one process: {str(same).lower()}")
    if args.workers != 1:
        print(f"scaling 1 -> {args.workers} workers: {seconds[1] / seconds[args.workers]:.2f}x")
    s = seconds[args.workers]
    print(f"identical={str(identical).lower()} points={args.points} seconds={s:.2f} points_per_second={args.points / s:.0f}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
