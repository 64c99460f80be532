#!/usr/bin/env python3
"""Soak test of a long clus session (issue #19, "Long sessions").

Starts the `clus` REPL in a pseudo-terminal and sends it a long run of cells (1,000 by default):
small loads, UMAP on small data, HDBSCAN, K-Means, PCA, scores, assignments, saves and plots,
intentional errors (unknown command, bad parameter, missing file, NaN, syntax) and Ctrl-C in the
middle of long steps (and at an idle prompt). While it runs it samples the process's resident memory
(/proc/PID/status VmRSS), threads (/proc/PID/task) and open file descriptors (/proc/PID/fd).

It fails (exit status 1) when:
  - a cell that should succeed reports an error, or one that should fail does not;
  - Ctrl-C during a step does not bring the prompt back within --interrupt-timeout seconds, or the
    step was not reported as interrupted (a late Ctrl-C that lands on the prompt is only counted);
  - the process dies or a cell does not finish within --cell-timeout seconds;
  - a variable defined at the start, or one an interrupted assignment targeted, has changed;
  - a seeded UMAP computed at the end differs from the same one computed at the start;
  - RSS at the end (after the same reset cells as after the warm-up, and after malloc_trim(0) called
    in clus through gdb) exceeds RSS after the warm-up by more than --rss-tolerance-mb (16 MB; plain
    RSS and --raw-rss-tolerance-mb, 40 MB, when gdb is missing; see docs/reliability.md);
  - the thread count does not come back to its idle baseline within --settle seconds of the last
    step, or the open file descriptors are not the same as at the idle baseline. The baseline is
    taken after the warm-up: the first parallel step makes libdispatch start its manager thread and
    event loop (an epoll, an eventfd and a timerfd), which live as long as the process; anything
    else the warm-up leaves is a failure too.

Python 3 standard library only. The session is driven through the small `CellRunner` interface
(`execute`, `execute_interrupted`, `interrupt_idle`, `pid`, `stop`) so that another front end
(a Jupyter kernel, later) can be soaked by the same cells and checks.

Usage: scripts/soak.py [--bin .build/release/clus] [--cells 1000] [--seed 19] [--verbose]
"""

import argparse
import array
import fcntl
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def clean(raw):
    """Terminal output as plain text: escape sequences and carriage returns removed."""
    text = ANSI.sub(b"", raw).replace(b"\r\n", b"\n")
    # a carriage return alone redraws the line (progress bars): keep what was drawn last
    lines = []
    for line in text.split(b"\n"):
        lines.append(line.split(b"\r")[-1] if b"\r" in line else line)
    return b"\n".join(lines).decode("utf-8", "replace")


class CellResult:
    """What one cell printed, how long it took, and whether the session came back to a prompt."""

    def __init__(self, code, raw, seconds, completed):
        self.code = code
        self.raw = raw
        self.text = clean(raw)
        self.seconds = seconds
        self.completed = completed

    @property
    def body(self):
        """The output without the echoed input line."""
        # The output starts right after the prompt with the echo of the cell: once from libedit, and
        # once more from the terminal when the keys arrived before libedit switched it to raw mode.
        lines = [l.rstrip() for l in self.text.split("\n")]
        code = self.code.strip()
        k = 0
        while k < len(lines) and k < 2 and lines[k].strip() == code:
            k += 1
        return "\n".join(lines[k:]).strip("\n")

    @property
    def has_error(self):
        return ": error:" in self.text or self.text.startswith("error:") or "\nerror:" in self.text


class SessionDied(Exception):
    pass


class CellRunner:
    """A session that runs cells one at a time; the soak only talks to this interface."""

    pid = None

    def execute(self, code, timeout):
        """Runs one cell; returns a CellResult once the session is idle again (or timeout)."""
        raise NotImplementedError

    def execute_interrupted(self, code, delay, timeout):
        """Starts a cell, interrupts it after `delay` seconds, returns when the session is idle."""
        raise NotImplementedError

    def interrupt_idle(self, timeout):
        """Interrupts an idle session; returns whether it is still answering."""
        raise NotImplementedError

    def stop(self, timeout):
        """Ends the session; returns its exit status (or None if it had to be killed)."""
        raise NotImplementedError


class PtyRepl(CellRunner):
    """The `clus` REPL in a pseudo-terminal: cells are typed lines, Ctrl-C is the byte 0x03."""

    def __init__(self, binary, cwd, env, args=()):
        pid, fd = pty.fork()
        if pid == 0:  # child: the pty is its controlling terminal and stdin/stdout/stderr
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
                os.closerange(3, 1 << 16)  # nothing of the driver's leaks into the count
                os.chdir(cwd)
                os.execve(binary, [binary] + list(args), env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.buf = bytearray()
        self.next_number = 1
        self.exit_status = None
        if not self._expect(self._prompt(1), 0, 30):
            raise SessionDied("no first prompt; output:\n" + clean(bytes(self.buf))[-2000:])

    @staticmethod
    def _prompt(n):
        return b"In [%d]: " % n

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            self._reap()
            raise SessionDied(self._death())
        self.buf += data

    def _reap(self):
        if self.exit_status is None:
            try:
                p, status = os.waitpid(self.pid, 0)
                self.exit_status = status
            except ChildProcessError:
                self.exit_status = -1

    def _death(self):
        s = self.exit_status
        how = "unknown"
        if s is not None and s >= 0:
            how = ("killed by signal %d" % os.WTERMSIG(s)) if os.WIFSIGNALED(s) else ("exit %d" % os.WEXITSTATUS(s))
        return "clus ended (%s); last output:\n%s" % (how, clean(bytes(self.buf[-3000:])))

    def _expect(self, needle, start, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.buf.find(needle, start) >= 0:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._read(min(left, 0.5))

    def _send(self, data):
        os.write(self.fd, data)

    def _run(self, code, timeout, interrupt_after=None):
        assert "\n" not in code, "cells are single lines"
        start = len(self.buf)
        t0 = time.monotonic()
        self._send(code.encode() + b"\r")
        want = self._prompt(self.next_number + 1)
        if interrupt_after is not None:
            if self._expect(want, start, interrupt_after):  # finished before the Ctrl-C
                pass
            else:
                self._send(b"\x03")
                t0 = time.monotonic()  # from here on, the time to come back after Ctrl-C
        ok = self._expect(want, start, timeout)
        end = self.buf.find(want, start)
        raw = bytes(self.buf[start:end if end >= 0 else len(self.buf)])
        if ok:
            self.next_number += 1
        return CellResult(code, raw, time.monotonic() - t0, ok)

    def execute(self, code, timeout):
        return self._run(code, timeout)

    def execute_interrupted(self, code, delay, timeout):
        return self._run(code, timeout, interrupt_after=delay)

    def interrupt_idle(self, timeout):
        start = len(self.buf)
        self._send(b"\x03")
        return self._expect(self._prompt(self.next_number), start, timeout)

    def stop(self, timeout):
        try:
            self._send(b"\x04")
            deadline = time.monotonic() + timeout
            while self.exit_status is None and time.monotonic() < deadline:
                try:
                    self._read(0.2)
                except SessionDied:
                    break
                p, status = os.waitpid(self.pid, os.WNOHANG)
                if p:
                    self.exit_status = status
        except OSError:
            pass
        if self.exit_status is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()
            return None
        return self.exit_status


# ---------------------------------------------------------------------------------------------
# /proc sampling


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def fd_list(pid):
    out = {}
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(name)] = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            pass
    return out


def trimmed_rss_kb(pid):
    """RSS after glibc's malloc_trim(0) in the process (through gdb, when installed), or None.

    glibc keeps freed memory in its arenas (and, after a large block was freed, serves blocks up to
    32 MB from the heap instead of mmap), so plain RSS swings by 20-30 MB with the same live values;
    malloc_trim hands the free pages back, leaving RSS close to what is live."""
    gdb = shutil.which("gdb")
    if not gdb:
        return None
    try:
        subprocess.run([gdb, "-nx", "-batch", "-p", str(pid), "-ex", "call (int) malloc_trim(0)"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return rss_kb(pid)


def thread_names(pid):
    names = []
    for t in sorted(os.listdir("/proc/%d/task" % pid), key=int):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


# What libdispatch (DispatchQueue.concurrentPerform) sets up once, at the first parallel step, and
# keeps for the life of the process: its manager thread and the event loop's descriptors.
DISPATCH_FDS = {"anon_inode:[eventpoll]", "anon_inode:[eventfd]", "anon_inode:[timerfd]"}
DISPATCH_THREADS = 1


def wait_threads(pid, limit, seconds):
    """Waits until the process has at most `limit` threads; returns (count, seconds waited)."""
    t0 = time.monotonic()
    while True:
        n = thread_count(pid)
        if n <= limit or time.monotonic() - t0 >= seconds:
            return n, time.monotonic() - t0
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# data


def write_npy(path, rows, cols, values):
    """A little-endian float32 .npy file (format 1.0)."""
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        a = array.array("f", values)
        if sys.byteorder != "little":
            a.byteswap()
        f.write(a.tobytes())


def blobs(rng, n, d, centers, spread=1.0):
    """n points in d dimensions around `centers` random centres (row-major list)."""
    cs = [[rng.uniform(-10, 10) for _ in range(d)] for _ in range(centers)]
    out = []
    for i in range(n):
        c = cs[i % centers]
        out.extend(c[j] + rng.gauss(0, spread) for j in range(d))
    return out


def make_data(folder, rng):
    small = blobs(rng, 200, 10, 3)
    with open(os.path.join(folder, "small.csv"), "w") as f:
        for i in range(200):
            f.write(",".join("%.6f" % v for v in small[i * 10:(i + 1) * 10]) + "\n")
    write_npy(os.path.join(folder, "small.npy"), 200, 10, small)
    write_npy(os.path.join(folder, "mid.npy"), 600, 16, blobs(rng, 600, 16, 4))
    write_npy(os.path.join(folder, "big.npy"), 4000, 20, blobs(rng, 4000, 20, 6, 2.0))
    write_npy(os.path.join(folder, "huge.npy"), 20000, 32, blobs(rng, 20000, 32, 10, 3.0))
    with open(os.path.join(folder, "nan.csv"), "w") as f:
        for i in range(50):
            row = ["%.3f" % rng.gauss(0, 1) for _ in range(4)]
            if i % 7 == 3:
                row[i % 4] = "nan"
            f.write(",".join(row) + "\n")
    with open(os.path.join(folder, "frame.csv"), "w") as f:
        f.write("a,b,c,kind\n")
        for i in range(120):
            f.write("%.4f,%.4f,%.4f,%s\n" % (rng.gauss(0, 1), rng.gauss(2, 1), rng.gauss(-1, 3), "xyz"[i % 3]))


# ---------------------------------------------------------------------------------------------
# cells

# Names the cells bind are fixed, so the live set stays bounded however many cells run.
RESET_CELLS = [
    'x = load "small.csv"',
    'm = load "mid.npy"',
    'big = load "big.npy"',
    'huge = load "huge.npy"',
    "truth = kmeans x n_clusters=3 random_state=0",
    "e = umap x n_neighbors=10 n_epochs=30 random_state=1",
    "l = hdbscan e min_cluster_size=10",
    "k = kmeans x n_clusters=3 random_state=1",
    "em = umap m n_neighbors=8 n_epochs=20 random_state=1",
    "km = kmeans m n_clusters=4 random_state=1",
    "pm = pca m n_components=5",
    "p = pca x n_components=3",
    "s = score truth k",
    "w = x[0:50] * 2 + 1",
    'fr = load "frame.csv"',
    "xn = 0",
    "1",
]


def ok_cells(i, rng):
    """Cells that must succeed (each a single line)."""
    r = rng.randrange(1000)
    return [
        'x = load "small.csv"',
        'x = load "small.npy"',
        'm = load "mid.npy"',
        'fr = load "frame.csv"; fr["kind"]',
        "e = umap x n_neighbors=10 n_epochs=%d random_state=%d" % (rng.choice([20, 30, 50]), r),
        "em = umap m n_neighbors=8 n_epochs=20 init=\"random\" random_state=%d" % r,
        "l = hdbscan e min_cluster_size=%d" % rng.choice([5, 10, 15]),
        "l = hdbscan x min_cluster_size=10 approx_min_span_tree=false",
        "k = kmeans x n_clusters=%d random_state=%d" % (rng.choice([2, 3, 4]), r),
        "km = kmeans m n_clusters=4 init=\"random\" n_init=3 random_state=%d" % r,
        "pm = pca m n_components=%d" % rng.choice([2, 3, 5]),
        "p = pca x n_components=0.9 whiten=true",
        "score truth k",
        "ari truth l",
        "ami truth k average_method=\"max\"",
        "crosstab truth k",
        "s = score truth k; s",
        "w = x[0:50] * 2 + 1",
        "w = mean x axis=0",
        "c = count (l == -1)",
        "v = [%d, %d, %d]" % (r, r + 1, r + 2),
        "v[v > %d]" % r,
        "shape x",
        "unique k counts=true",
        "format (sum x) \"%.3f\"",
        "vars",
        "help kmeans",
        "time kmeans x n_clusters=3 random_state=2",
        "for j in [2, 3] { kk = kmeans x n_clusters=j random_state=j }",
        'save e "emb.npy"; e2 = load "emb.npy"; shape e2',
        'save k "k.csv"',
        'plot e color=k out="plot.png"',
        'f = plot e color=l',
        "t = trustworthiness x e n_neighbors=5",
        "dl = dbscan x eps=3 min_samples=5",
        "q = quantile (x[:, 0]) q=0.5",
        "z = standard_scale x",
    ]


def error_cells(i, rng):
    """Cells that must report an error and leave the session as it was."""
    return [
        "nosuchcommand x",
        "umap x n_neighbors=1",
        "kmeans x n_clusters=0",
        "umap x nosuch_parameter=3",
        'y = load "missing-file.csv"',
        'y = load "no-such-folder/data.npy"',
        'xn = load "nan.csv"; umap xn n_epochs=10',
        'xn = load "nan.csv"; kmeans xn n_clusters=2',
        "x = = 3",
        "undefined_variable + 1",
        "x[0:5] + [1, 2]",
        "hdbscan \"not data\"",
        'plot e out="no-such-folder/p.png"',  # relative to the soak's temporary folder
    ]


def interrupt_cells(rng):
    """Long steps that Ctrl-C stops in the middle (they bind `held`, which must stay as it was)."""
    r = rng.randrange(1000)
    return [
        ("held = umap big n_epochs=100000 random_state=%d" % r, (0.05, 2.0)),
        ("held = umap huge n_epochs=100000 random_state=%d" % r, (0.05, 3.0)),
        ("held = umap big n_epochs=100000 init=\"random\" densmap=true", (0.3, 2.0)),
        ("held = hdbscan huge min_cluster_size=5 approx_min_span_tree=false", (0.1, 1.0)),
        ("held = kmeans huge n_clusters=50 n_init=1000 random_state=%d" % r, (0.1, 2.0)),
        ("held = time umap huge n_epochs=100000", (0.1, 2.0)),
        ("for j in [1, 2, 3, 4, 5, 6, 7, 8] { held = kmeans huge n_clusters=40 n_init=100 random_state=j }", (0.2, 2.0)),
        ("held = trustworthiness huge huge n_neighbors=50", (0.1, 1.0)),
    ]


# ---------------------------------------------------------------------------------------------
# the soak


class Soak:
    def __init__(self, runner, args, log):
        self.s = runner
        self.args = args
        self.log = log
        self.failures = []
        self.cells = 0
        self.errors_seen = 0
        self.interrupts = 0
        self.late_interrupts = 0
        self.idle_interrupts = 0
        self.interrupt_seconds = []
        self.samples = []  # (cell, rss_kb, threads, fds)
        self.slowest = (0.0, "")
        self._last = None
        self.trimmed = False

    def fail(self, msg):
        self.failures.append(msg)
        self.log("FAIL: " + msg)

    def sample(self):
        pid = self.s.pid
        self.samples.append((self.cells, rss_kb(pid), thread_count(pid), len(fd_list(pid))))

    def run(self, code, expect="ok"):
        res = self.s.execute(code, self.args.cell_timeout)
        self.cells += 1
        if res.seconds > self.slowest[0]:
            self.slowest = (res.seconds, code)
        if not res.completed:
            self.fail("cell %d did not finish in %gs: %s\n%s" % (self.cells, self.args.cell_timeout, code, res.text[-1500:]))
            raise SessionDied("stuck")
        if res.has_error:
            self.errors_seen += 1
        if expect == "ok" and res.has_error:
            self.fail("cell %d reported an error: %s\n%s" % (self.cells, code, res.body[-800:]))
        elif expect == "error" and not res.has_error:
            self.fail("cell %d should have reported an error: %s\n%s" % (self.cells, code, res.body[-800:]))
        self.sample()
        self._last = res
        return res

    def run_interrupted(self, code, window):
        delay = random.uniform(*window)
        res = self.s.execute_interrupted(code, delay, self.args.interrupt_timeout)
        self.cells += 1
        if not res.completed:
            self.fail("no prompt %gs after Ctrl-C (sent %.2fs into) cell %d: %s\n%s"
                      % (self.args.interrupt_timeout, delay, self.cells, code, res.text[-1500:]))
            raise SessionDied("stuck after Ctrl-C")
        if "interrupted" in res.text:
            self.interrupts += 1
            self.interrupt_seconds.append(res.seconds)
            self.errors_seen += 1
        elif res.has_error:
            self.fail("cell %d ended with another error after Ctrl-C: %s\n%s" % (self.cells, code, res.body[-800:]))
        else:
            self.late_interrupts += 1  # finished before the Ctrl-C arrived
        self.sample()
        return res

    def value_of(self, code):
        return self.run(code).body

    def check_equal(self, what, before, after):
        if before != after:
            self.fail("%s changed:\n  at the start: %r\n  at the end:   %r" % (what, before, after))

    def reset(self):
        for c in RESET_CELLS:
            self.run(c)

    def settle_threads(self, baseline):
        n, waited = wait_threads(self.s.pid, baseline, self.args.settle)
        return n, waited

    def soak(self):
        a = self.args
        rng = random.Random(a.seed)
        random.seed(a.seed + 1)
        pid = self.s.pid
        start_rss = rss_kb(pid)
        start_threads = thread_count(pid)
        start_fds = fd_list(pid)
        self.log("pid %d: RSS %.1f MB, %d threads, %d fds at the first prompt"
                 % (pid, start_rss / 1024, start_threads, len(start_fds)))

        # anchors: defined first, printed again at the end
        anchors = [
            ("anchor", "anchor = [3, 1, 4, 1, 5, 9, 2, 6]", "anchor"),
            ("amat", 'amat = load "small.csv"', 'format (sum amat) "%.6f"'),
            ("aemb", "aemb = umap amat n_neighbors=10 n_epochs=50 random_state=7", 'format (sum (abs aemb)) "%.9g"'),
            ("alab", "alab = hdbscan aemb min_cluster_size=10", "unique alab counts=true"),
            ("held", "held = 12345", "held"),
        ]
        first = {}
        for name, define, show in anchors:
            self.run(define)
            first[name] = self.value_of(show)
        if first["anchor"].strip() != "[3, 1, 4, 1, 5, 9, 2, 6]":
            self.fail("anchor printed as %r" % first["anchor"])

        # warm-up: every kind of cell once (with an interrupt), then the reset cells
        self.reset()
        for c in ok_cells(0, rng):
            self.run(c)
        for c in error_cells(0, rng):
            self.run(c, "error")
        for code, window in interrupt_cells(rng):
            self.run_interrupted(code, window)
        self.reset()
        idle_threads, waited = self.settle_threads(start_threads + DISPATCH_THREADS)
        base_raw = rss_kb(pid)
        base_rss = trimmed_rss_kb(pid)
        self.trimmed = base_rss is not None
        if not self.trimmed:
            self.log("gdb not found: comparing RSS without malloc_trim (tolerance %g MB)" % a.raw_rss_tolerance_mb)
            base_rss = base_raw
        base_fds = fd_list(pid)
        self.log("after the warm-up (%d cells): RSS %.1f MB (%.1f MB after malloc_trim), %d threads %.1fs after the last step (%s), %d fds"
                 % (self.cells, base_raw / 1024, base_rss / 1024, idle_threads, waited, ", ".join(thread_names(pid)), len(base_fds)))
        # the warm-up may add libdispatch's manager thread and event loop, nothing else
        if idle_threads > start_threads + DISPATCH_THREADS:
            self.fail("%d threads %gs after the warm-up's last step (%d at the start, + %d for libdispatch)"
                      % (idle_threads, a.settle, start_threads, DISPATCH_THREADS))
        extra = {fd: t for fd, t in base_fds.items() if start_fds.get(fd) != t}
        if set(start_fds) - set(base_fds) or any(t not in DISPATCH_FDS for t in extra.values()):
            self.fail("file descriptors after the warm-up: %s (at the start: %s)" % (base_fds, start_fds))
        base_threads = idle_threads
        warm_cells = self.cells

        # the long run; leave room for the final checks
        final_cells = len(RESET_CELLS) + len(anchors) + 3  # then aemb2, the difference, vars
        budget = a.cells - final_cells
        next_interrupt = self.cells + rng.randint(10, 30)
        mid_check = warm_cells + (budget - warm_cells) // 2
        mid_done = False
        while self.cells < budget:
            if self.cells >= next_interrupt:
                code, window = rng.choice(interrupt_cells(rng))
                self.run_interrupted(code, window)
                next_interrupt = self.cells + rng.randint(a.interrupt_every // 2, a.interrupt_every * 3 // 2)
                if rng.random() < 0.3:
                    self.run("held")
                    if self.last_body().strip() != "12345":
                        self.fail("held is %r after an interrupted assignment (expected 12345)" % self.last_body())
                continue
            roll = rng.random()
            if roll < 0.15:
                self.run(rng.choice(error_cells(self.cells, rng)), "error")
            elif roll < 0.17:
                if self.s.interrupt_idle(a.interrupt_timeout):
                    self.idle_interrupts += 1
                else:
                    self.fail("Ctrl-C at the idle prompt: no prompt again")
                    raise SessionDied("stuck after Ctrl-C at the prompt")
            else:
                self.run(rng.choice(ok_cells(self.cells, rng)))
            if not mid_done and self.cells >= mid_check:
                mid_done = True
                n, waited = self.settle_threads(base_threads)
                raw = rss_kb(pid)
                trimmed = trimmed_rss_kb(pid) if self.trimmed else None
                self.log("midway (%d cells): RSS %.1f MB%s, %d threads after %.1fs idle, %d fds"
                         % (self.cells, raw / 1024, " (%.1f MB after malloc_trim)" % (trimmed / 1024) if trimmed else "",
                            n, waited, len(fd_list(pid))))
                if n > base_threads:
                    self.fail("midway: %d threads %gs after the last step (baseline %d)" % (n, a.settle, base_threads))
            if a.verbose and self.cells % 50 == 0:
                c, r, t, f = self.samples[-1]
                self.log("  %4d cells: RSS %.1f MB, %d threads, %d fds" % (c, r / 1024, t, f))

        # the end: the same reset cells, then the anchors again
        self.reset()
        end_raw = rss_kb(pid)
        end_rss = (trimmed_rss_kb(pid) if self.trimmed else None) or end_raw
        for name, define, show in anchors:
            self.check_equal("%s (defined at the start)" % name, first[name], self.value_of(show))
        self.run("aemb2 = umap amat n_neighbors=10 n_epochs=50 random_state=7")
        diff = self.value_of("max (abs (aemb - aemb2))")
        if diff.strip() not in ("0.0000", "0"):
            self.fail("the seeded UMAP at the end differs from the one at the start: max |diff| = %r" % diff)
        listing = self.value_of("vars")
        for name, _, _ in anchors:
            if not re.search(r"^%s\s" % name, listing, re.M):
                self.fail("vars does not list %s:\n%s" % (name, listing))
        end_threads, waited = self.settle_threads(base_threads)
        end_fds = fd_list(pid)
        max_rss = max(s[1] for s in self.samples)
        max_threads = max(s[2] for s in self.samples)

        tol_mb = a.rss_tolerance_mb if self.trimmed else a.raw_rss_tolerance_mb
        if end_rss > base_rss + tol_mb * 1024:
            self.fail("RSS%s grew from %.1f MB after the warm-up to %.1f MB at the end (tolerance %g MB)"
                      % (" after malloc_trim" if self.trimmed else "", base_rss / 1024, end_rss / 1024, tol_mb))
        if end_threads > base_threads:
            self.fail("%d threads %gs after the last step (%d after the warm-up): %s"
                      % (end_threads, a.settle, base_threads, thread_names(pid)))
        if end_fds != base_fds:
            self.fail("file descriptors: %d after the warm-up %s, %d at the end %s"
                      % (len(base_fds), base_fds, len(end_fds), end_fds))

        # growth after the warm-up: least-squares slope of RSS over cells, for the record
        post = [(c, r) for c, r, _, _ in self.samples if c > warm_cells]
        slope = 0.0
        if len(post) > 2:
            mc = sum(c for c, _ in post) / len(post)
            mr = sum(r for _, r in post) / len(post)
            den = sum((c - mc) ** 2 for c, _ in post)
            slope = sum((c - mc) * (r - mr) for c, r in post) / den if den else 0.0
        return {
            "start_rss": start_rss, "base_rss": base_rss, "end_rss": end_rss, "max_rss": max_rss,
            "base_raw": base_raw, "end_raw": end_raw, "trimmed": self.trimmed, "tol_mb": tol_mb,
            "slope_kb_per_100": slope * 100, "start_threads": start_threads, "base_threads": base_threads, "max_threads": max_threads,
            "end_threads": end_threads, "settle_seconds": waited, "start_fds": len(start_fds),
            "base_fds": len(base_fds), "end_fds": len(end_fds), "warm_cells": warm_cells,
        }

    def last_body(self):
        return self._last.body if self._last else ""


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(root, ".build/release/clus"), help="the clus binary")
    ap.add_argument("--cells", type=int, default=1000, help="cells to run in all (default 1000)")
    ap.add_argument("--seed", type=int, default=19, help="seed of the cell choice and the data")
    ap.add_argument("--threads", type=int, default=2, help="clus --threads (default 2)")
    ap.add_argument("--interrupt-every", type=int, default=25, help="mean cells between Ctrl-Cs in steps")
    ap.add_argument("--rss-tolerance-mb", type=float, default=16.0,
                    help="allowed growth of RSS after malloc_trim from the warm-up to the end (default 16 MB)")
    ap.add_argument("--raw-rss-tolerance-mb", type=float, default=40.0,
                    help="the same for plain RSS, used when gdb is missing (default 40 MB)")
    ap.add_argument("--cell-timeout", type=float, default=120.0, help="seconds a cell may take")
    ap.add_argument("--interrupt-timeout", type=float, default=10.0, help="seconds to the prompt after Ctrl-C")
    ap.add_argument("--settle", type=float, default=15.0, help="seconds idle threads may take to end")
    ap.add_argument("--transcript", help="write the session's whole terminal output here")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for clus (e.g. MALLOC_ARENA_MAX=1)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if args.cells < 150:
        ap.error("--cells must be at least 150 (the warm-up and final checks take about 130)")
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        print("soak: no clus binary at %s (make release)" % binary, file=sys.stderr)
        return 2

    def log(msg):
        print(msg, flush=True)

    folder = tempfile.mkdtemp(prefix="clus-soak-")
    make_data(folder, random.Random(args.seed))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": folder,
        "XDG_STATE_HOME": os.path.join(folder, "state"),  # a history file of its own
        "TERM": "xterm",
        "LANG": "C.UTF-8",
    }
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
    t0 = time.monotonic()
    runner = None
    soak = None
    stats = None
    status = None
    try:
        runner = PtyRepl(binary, folder, env, ["--threads", str(args.threads)])
        soak = Soak(runner, args, log)
        stats = soak.soak()
    except SessionDied as e:
        if soak is None:
            soak = Soak(runner, args, log)
        soak.fail(str(e))
    finally:
        if runner is not None:
            status = runner.stop(10)
            if args.transcript:
                with open(args.transcript, "wb") as f:
                    f.write(bytes(runner.buf))
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - t0
    if status is None:
        soak.fail("clus did not end on Ctrl-D (killed)")
    elif not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        soak.fail("clus ended with status %r on Ctrl-D" % status)

    mb = lambda kb: "%.1f MB" % (kb / 1024)
    print("soak: %d cells in %.0fs (%d reported errors, %d interrupted steps, %d late Ctrl-Cs, %d Ctrl-Cs at the prompt)"
          % (soak.cells, elapsed, soak.errors_seen, soak.interrupts, soak.late_interrupts, soak.idle_interrupts))
    if soak.interrupt_seconds:
        print("  back at the prompt after Ctrl-C: median %.2fs, max %.2fs"
              % (sorted(soak.interrupt_seconds)[len(soak.interrupt_seconds) // 2], max(soak.interrupt_seconds)))
    if stats:
        print("  RSS: %s at start, %s after the warm-up (%d cells), %s at the end, %s max; slope after the warm-up %+.0f kB per 100 cells"
              % (mb(stats["start_rss"]), mb(stats["base_raw"]), stats["warm_cells"], mb(stats["end_raw"]),
                 mb(stats["max_rss"]), stats["slope_kb_per_100"]))
        if stats["trimmed"]:
            print("  RSS after malloc_trim: %s after the warm-up, %s at the end (tolerance %g MB)"
                  % (mb(stats["base_rss"]), mb(stats["end_rss"]), stats["tol_mb"]))
        print("  threads: %d at start, %d idle after the warm-up, %d max, %d at the end (%.1fs after the last step)"
              % (stats["start_threads"], stats["base_threads"], stats["max_threads"], stats["end_threads"],
                 stats["settle_seconds"]))
        print("  fds: %d at start, %d after the warm-up, %d at the end"
              % (stats["start_fds"], stats["base_fds"], stats["end_fds"]))
        print("  slowest cell: %.2fs  %s" % soak.slowest)
    if soak.failures:
        print("soak: FAILED (%d)" % len(soak.failures))
        for f in soak.failures:
            print("  - " + f.split("\n")[0])
        return 1
    print("soak: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
