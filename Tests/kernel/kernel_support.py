"""Shared set-up for the Jupyter kernel tests in Tests/kernel (not a test module itself).

Every test module calls `setup_jupyter_env()` from its `setUpModule()` and `teardown_jupyter_env()` from
its `tearDownModule()`. Set-up:

  - finds the clus binary: `$CLUS_BIN`, default `.build/release/clus` (relative paths are taken from the
    working directory, which is the repository root when run as the README says);
  - runs `$CLUS_BIN kernel install --prefix <tmp> --name clus-test`, which must write
    `<tmp>/share/jupyter/kernels/clus-test/kernel.json`;
  - points `JUPYTER_PATH` at `<tmp>/share/jupyter` and `JUPYTER_RUNTIME_DIR` at `<tmp>/runtime` in
    `os.environ`, before any kernel is started, so that `kernel_name="clus-test"` finds that spec and
    connection files go to a private folder (the user's own Jupyter set-up is neither used nor touched).

The helpers below read the kernel's messages with timeouts, so that a kernel that never answers makes a
test fail instead of hanging the run.

Run the suite from the repository root:

    CLUS_BIN=.build/release/clus .venv/bin/python -m unittest discover -s Tests/kernel -v
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from queue import Empty

REPO = Path(__file__).resolve().parents[2]
KERNEL_NAME = "clus-test"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def clus_bin():
    """The absolute path of the clus binary under test (`$CLUS_BIN`, default `.build/release/clus`)."""
    p = Path(os.environ.get("CLUS_BIN") or ".build/release/clus")
    if not p.is_absolute():
        p = (Path.cwd() / p) if (Path.cwd() / p).exists() else (REPO / p)
    return str(p.resolve())


class _Env:
    tmp = None
    saved = None
    spec_dir = None
    refs = 0


def setup_jupyter_env():
    """Installs the clus kernel spec as `clus-test` into a temporary Jupyter data dir and points
    JUPYTER_PATH and JUPYTER_RUNTIME_DIR there. Returns the kernel spec folder."""
    if _Env.tmp is not None:
        _Env.refs += 1
        return _Env.spec_dir
    binary = clus_bin()
    if not os.access(binary, os.X_OK):
        raise RuntimeError(
            f"clus binary not found at {binary}: build it (swift build -c release) or set CLUS_BIN")
    tmp = tempfile.mkdtemp(prefix="clus-kernel-test-")
    try:
        r = subprocess.run([binary, "kernel", "install", "--prefix", tmp, "--name", KERNEL_NAME],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"`{binary} kernel install --prefix {tmp} --name {KERNEL_NAME}` exited with "
                               f"{r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        spec_dir = Path(tmp) / "share" / "jupyter" / "kernels" / KERNEL_NAME
        if not (spec_dir / "kernel.json").is_file():
            found = [str(p) for p in Path(tmp).rglob("*")]
            raise RuntimeError(f"`clus kernel install` did not write {spec_dir / 'kernel.json'}; "
                               f"it wrote: {found}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    runtime = Path(tmp) / "runtime"
    runtime.mkdir()
    _Env.saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS")}
    os.environ["JUPYTER_PATH"] = str(Path(tmp) / "share" / "jupyter")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    # jupyter_core 5 warns about its coming move to platformdirs unless this is set
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    _Env.tmp = tmp
    _Env.spec_dir = spec_dir
    _Env.refs = 1
    return spec_dir


def teardown_jupyter_env():
    """Restores the environment and removes the temporary Jupyter data dir."""
    if _Env.tmp is None:
        return
    _Env.refs -= 1
    if _Env.refs > 0:
        return
    for k, v in (_Env.saved or {}).items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    shutil.rmtree(_Env.tmp, ignore_errors=True)
    _Env.tmp = _Env.spec_dir = _Env.saved = None


def strip_ansi(s):
    return ANSI.sub("", s)


def error_text(content):
    """ename, evalue and the traceback of an error reply or error output, as one ANSI-free string."""
    parts = [content.get("ename", ""), content.get("evalue", "")] + list(content.get("traceback", []))
    return strip_ansi("\n".join(str(p) for p in parts))


def parent_id(msg):
    return (msg.get("parent_header") or {}).get("msg_id")


def get_reply(kc, msg_id, timeout, channel="shell", others=None):
    """The reply to `msg_id` on `channel` ("shell" or "control"); other replies met on the way are
    appended to `others` (when given). Raises AssertionError after `timeout` seconds."""
    get = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {channel} reply to {msg_id} within {timeout} s")
        try:
            msg = get(timeout=left)
        except Empty:
            raise AssertionError(f"no {channel} reply to {msg_id} within {timeout} s") from None
        if parent_id(msg) == msg_id:
            return msg
        if others is not None:
            others.append(msg)


def iopub_until_idle(kc, msg_id, timeout):
    """The iopub messages whose parent is `msg_id`, in order, up to and including its status idle."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no status idle for {msg_id} on iopub within {timeout} s; got "
                                 f"{[m['msg_type'] for m in out]}")
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except Empty:
            continue
        if parent_id(msg) != msg_id:
            continue
        out.append(msg)
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            return out


def wait_busy(kc, msg_id, timeout):
    """Waits for the status busy of `msg_id` on iopub; returns the messages read on the way."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no status busy for {msg_id} on iopub within {timeout} s")
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except Empty:
            continue
        seen.append(msg)
        if (parent_id(msg) == msg_id and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "busy"):
            return seen


def drain(kc, seconds=0.2):
    """Discards whatever is waiting on shell, iopub and control."""
    for get in (kc.get_shell_msg, kc.get_iopub_msg, kc.get_control_msg):
        while True:
            try:
                get(timeout=seconds)
            except Empty:
                break


def execute(kc, code, timeout=60, **kw):
    """Runs `code` and returns (reply, iopub messages of that request up to its status idle)."""
    msg_id = kc.execute(code, **kw)
    reply = get_reply(kc, msg_id, timeout)
    return reply, iopub_until_idle(kc, msg_id, timeout)


def outputs_of(msgs):
    """The output messages (stream, execute_result, display_data, error, ...) among iopub messages."""
    return [m for m in msgs if m["msg_type"] not in ("status", "execute_input")]


def result_text(msgs):
    """The text/plain of the execute_result among iopub messages (None when there is none)."""
    for m in msgs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"].get("text/plain")
    return None


def stream_text(msgs, name="stdout"):
    return "".join(m["content"]["text"] for m in msgs
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


def write_json(path, obj):
    Path(path).write_text(json.dumps(obj, indent=1))


def summary(outputs):
    """Notebook outputs for an assertion message: images as their size, not their base64."""
    out = []
    for o in outputs:
        o = dict(o)
        if "data" in o:
            o["data"] = {k: (f"<{len(v)} base64 chars>" if k.startswith("image/") else v)
                         for k, v in o["data"].items()}
        out.append(o)
    return out

