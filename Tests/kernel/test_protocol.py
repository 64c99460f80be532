"""The clus kernel's handling of the Jupyter messaging protocol beyond the conformance suite.

Interrupts (`InterruptTests`, a fresh kernel per test; the long cell is a UMAP of 10,000 digits with
100,000 epochs, which runs for minutes unless interrupted):
  - interrupt while a cell runs, three ways: `km.interrupt_kernel()` (an interrupt_request on control, as
    the kernel spec's `"interrupt_mode": "message"` asks), an interrupt_request sent by the client on
    control (its interrupt_reply must come back), SIGINT sent to the kernel process, and an
    interrupt_request on the shell channel. Each time the execute_reply must come within 10 s with
    status "error" and "interrupted" in its ename/evalue/traceback, an `error` output must be on iopub,
    the interrupted assignment must leave its target as it was, and the variables must survive
    (`shape x.data` is still "70000 × 784");
  - SIGINT and interrupt_request while idle change nothing.
Shutdown (`ShutdownTests`, a fresh kernel per test):
  - `km.shutdown_kernel(now=False)`: the process exits by itself (exit code 0) well before
    jupyter_client would kill it;
  - `kc.shutdown()` (shutdown_request on control): a shutdown_reply, and the process gone within 2 s
    (exit code 0); the same while a long cell runs.
Interrupts also: two interrupts in a row, then another long cell interrupted by SIGINT.
Busy kernel (`BusyTests`): kernel_info_request on shell is answered within 1 s while a long cell runs,
before that cell's execute_reply; kernel_info on control too.
Bad messages (`BadMessageTests`): raw multipart messages sent from the test's own DEALER socket to the
shell port: a correctly signed one runs (checks the raw sender itself); one signed with a wrong key,
one with an empty signature, one without the <IDS|MSG> delimiter, one with fewer than 4 frames after
the signature, one whose header is not JSON and one correctly signed whose content is not JSON are
dropped: nothing runs ("pwned" never shows on iopub), the kernel stays alive and answers the next
normal execute.
Connection files (`ConnectionFileTests`, no kernel started): `clus kernel -f FILE` with a missing file,
a folder (or an unreadable file when not root), transport "ipc2", text that is not JSON, an empty file
or signature_scheme "hmac-md4" exits with code 2 within 10 s and says what is wrong on stderr (the file
named; the transport or the scheme named).
Execute options (`ExecuteTests`, one kernel): silent=True gives no execute_input and no output;
store_history=False and silent=True leave execution_count alone; stop_on_error=True aborts the execute
queued behind a failing one (status "aborted"), stop_on_error=False does not; one execute's iopub
messages come in the order status busy, execute_input, outputs, status idle (and an error's the same
with its `error` output, clus's message and a caret line in its traceback); comm_info_request gets an
empty comms reply (JupyterLab sends it on connect); a request type the kernel does not know leaves it
working.
"""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid
from datetime import datetime, timezone
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_kernel_test.msgspec_v5 import validate_message

import kernel_support as ks

LOAD = 'x = load "data/mnist"'
# runs for minutes (100,000 epochs) unless interrupted; 10,000 rows keep the kNN part short
LONG = "e = umap x.data[0:10000] n_epochs=100000 random_state=1"
SHAPE = "shape x.data"
SHAPE_RESULT = "70000 × 784"
# After an error with stop_on_error (an interrupt is one), a kernel aborts the execute requests already
# queued (ipykernel's stop_on_error_timeout, 0 by default): the tests wait this long before the next
# request that must run, so that it is never queued before the error.
AFTER_ERROR = 0.3


def setUpModule():
    ks.setup_jupyter_env()


def tearDownModule():
    ks.teardown_jupyter_env()


def new_kernel():
    return start_new_kernel(kernel_name=ks.KERNEL_NAME, startup_timeout=60)


def kernel_process(km):
    return km.provisioner.process


class KernelTestCase(unittest.TestCase):
    """A fresh kernel per test (self.km, self.kc)."""

    def setUp(self):
        self.km, self.kc = new_kernel()

    def tearDown(self):
        try:
            self.kc.stop_channels()
        finally:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)

    def run_ok(self, code, timeout=60):
        reply, msgs = ks.execute(self.kc, code, timeout=timeout)
        self.assertEqual(reply["content"]["status"], "ok", (code, reply["content"], ks.outputs_of(msgs)))
        return reply, msgs

    def start_long_cell(self, settle=1.5):
        """Starts LONG (after LOAD and `e = 1`) and returns its msg_id once it has been running `settle` s."""
        self.run_ok(LOAD)
        self.run_ok("e = 1")
        msg_id = self.kc.execute(LONG)
        ks.wait_busy(self.kc, msg_id, 15)
        time.sleep(settle)
        return msg_id


class InterruptTests(KernelTestCase):

    def check_interrupted(self, msg_id, others=None):
        """The execute_reply of `msg_id` says interrupted; iopub has an error output; variables kept."""
        t0 = time.monotonic()
        reply = ks.get_reply(self.kc, msg_id, 10, others=others)
        elapsed = time.monotonic() - t0
        validate_message(reply, "execute_reply", msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "error", c)
        self.assertIn("interrupted", ks.error_text(c).lower(), c)
        msgs = ks.iopub_until_idle(self.kc, msg_id, 10)
        errors = [m for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1, [m["msg_type"] for m in msgs])
        self.assertIn("interrupted", ks.error_text(errors[0]["content"]).lower())
        time.sleep(AFTER_ERROR)
        # the variables survive, and the interrupted assignment did not bind e
        _, msgs = self.run_ok(SHAPE)
        self.assertEqual(ks.result_text(msgs), SHAPE_RESULT)
        _, msgs = self.run_ok("e")
        self.assertEqual(ks.result_text(msgs), "1")
        return elapsed

    def test_interrupt_message_mode(self):
        """km.interrupt_kernel() with the kernel spec's interrupt_mode "message"."""
        self.assertEqual(self.km.kernel_spec.interrupt_mode, "message")
        msg_id = self.start_long_cell()
        self.km.interrupt_kernel()
        self.check_interrupted(msg_id)

    def test_interrupt_request_on_control(self):
        """interrupt_request from the client on control: interrupt_reply, and the cell stops."""
        msg_id = self.start_long_cell()
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(req)
        reply = ks.get_reply(self.kc, req["header"]["msg_id"], 10, channel="control")
        validate_message(reply, "interrupt_reply", req["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "ok")
        self.check_interrupted(msg_id)

    def test_interrupt_sigint(self):
        """SIGINT to the kernel process (interrupt_mode "signal" front ends, or a user's kill -INT)."""
        msg_id = self.start_long_cell()
        os.kill(kernel_process(self.km).pid, signal.SIGINT)
        self.check_interrupted(msg_id)
        self.assertTrue(self.km.is_alive())

    def test_interrupt_request_on_shell(self):
        """interrupt_request on the shell channel while a cell runs."""
        msg_id = self.start_long_cell()
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.shell_channel.send(req)
        others = []
        self.check_interrupted(msg_id, others=others)
        # an interrupt_reply on shell, if the kernel sends one, must be a valid one
        for m in others:
            if m["msg_type"] == "interrupt_reply":
                validate_message(m, "interrupt_reply", req["header"]["msg_id"])

    def test_interrupt_twice_then_run(self):
        """Two interrupts in a row, then a new long cell interrupted again: still answers."""
        msg_id = self.start_long_cell()
        self.km.interrupt_kernel()
        self.km.interrupt_kernel()
        self.check_interrupted(msg_id)
        msg_id = self.kc.execute(LONG)
        ks.wait_busy(self.kc, msg_id, 15)
        time.sleep(1.0)
        os.kill(kernel_process(self.km).pid, signal.SIGINT)
        self.check_interrupted(msg_id)

    def test_interrupt_idle(self):
        """SIGINT and interrupt_request while idle: the kernel lives on and the next cell runs."""
        self.run_ok("a = 41")
        os.kill(kernel_process(self.km).pid, signal.SIGINT)
        self.km.interrupt_kernel()
        time.sleep(0.5)
        self.assertTrue(self.km.is_alive())
        ks.drain(self.kc)
        _, msgs = self.run_ok("a + 1")
        self.assertEqual(ks.result_text(msgs), "42")


class ShutdownTests(KernelTestCase):

    def test_shutdown_kernel_graceful(self):
        """km.shutdown_kernel(now=False): the kernel exits by itself, with code 0."""
        proc = kernel_process(self.km)
        self.kc.stop_channels()
        t0 = time.monotonic()
        self.km.shutdown_kernel(now=False)
        elapsed = time.monotonic() - t0
        self.assertIsNotNone(proc.poll())
        self.assertEqual(proc.returncode, 0, "killed by jupyter_client instead of exiting by itself")
        # jupyter_client waits shutdown_wait_time (5 s) before it terminates a kernel
        self.assertLess(elapsed, 4.0)

    def shutdown_and_wait(self):
        proc = kernel_process(self.km)
        msg_id = self.kc.shutdown()
        reply = ks.get_reply(self.kc, msg_id, 5, channel="control")
        validate_message(reply, "shutdown_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertFalse(reply["content"]["restart"])
        deadline = time.monotonic() + 2.0
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIsNotNone(proc.poll(), "the kernel process is still running 2 s after shutdown_reply")
        self.assertFalse(self.km.is_alive())
        return proc

    def test_shutdown_request(self):
        """kc.shutdown(): shutdown_reply on control, and the process exits within 2 s."""
        self.run_ok("a = 1")
        proc = self.shutdown_and_wait()
        self.assertEqual(proc.returncode, 0)

    def test_shutdown_request_while_busy(self):
        """A shutdown_request while a long cell runs still ends the process within 2 s."""
        self.start_long_cell()
        self.shutdown_and_wait()


class BusyTests(KernelTestCase):

    def test_kernel_info_while_busy(self):
        msg_id = self.start_long_cell()
        t0 = time.monotonic()
        info_id = self.kc.kernel_info()
        reply = None
        while reply is None:
            left = 1.0 - (time.monotonic() - t0)
            try:
                msg = self.kc.get_shell_msg(timeout=max(left, 0.01))
            except Empty:
                self.fail("no kernel_info_reply on shell within 1 s while a cell runs")
            self.assertNotEqual(ks.parent_id(msg), msg_id, "the execute_reply came before kernel_info_reply")
            if ks.parent_id(msg) == info_id:
                reply = msg
        validate_message(reply, "kernel_info_reply", info_id)
        self.assertEqual(reply["content"]["language_info"]["name"], "clus")
        # the same on control
        req = self.kc.session.msg("kernel_info_request", {})
        self.kc.control_channel.send(req)
        t0 = time.monotonic()
        reply = ks.get_reply(self.kc, req["header"]["msg_id"], 1.0, channel="control")
        validate_message(reply, "kernel_info_reply", req["header"]["msg_id"])
        self.km.interrupt_kernel()
        reply = ks.get_reply(self.kc, msg_id, 10)
        self.assertEqual(reply["content"]["status"], "error")

    def test_kernel_info_on_control_idle(self):
        req = self.kc.session.msg("kernel_info_request", {})
        self.kc.control_channel.send(req)
        reply = ks.get_reply(self.kc, req["header"]["msg_id"], 5, channel="control")
        validate_message(reply, "kernel_info_reply", req["header"]["msg_id"])
        c = reply["content"]
        self.assertEqual(c["status"], "ok")
        self.assertEqual(c["language_info"]["name"], "clus")
        self.assertEqual(c["language_info"]["file_extension"], ".clus")
        self.assertTrue(c["protocol_version"].startswith("5."), c)


class BadMessageTests(unittest.TestCase):
    """Raw multipart messages on the shell socket from the test's own DEALER socket."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = new_kernel()
        info = cls.km.get_connection_info()
        cls.key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
        cls.scheme = info.get("signature_scheme", "hmac-sha256")
        cls.ctx = zmq.Context()
        cls.sock = cls.ctx.socket(zmq.DEALER)
        cls.sock.setsockopt(zmq.LINGER, 0)
        cls.sock.setsockopt(zmq.IDENTITY, b"raw-test-" + uuid.uuid4().hex[:8].encode())
        cls.sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
        cls.session_id = str(uuid.uuid4())
        time.sleep(0.3)  # let the DEALER connect before the first send

    @classmethod
    def tearDownClass(cls):
        cls.sock.close(0)
        cls.ctx.term()
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def sign(self, frames, key=None):
        digest = self.scheme.split("-", 1)[1]
        h = hmac.new(self.key if key is None else key, digestmod=getattr(hashlib, digest))
        for f in frames:
            h.update(f)
        return h.hexdigest().encode()

    def execute_frames(self, code):
        header = json.dumps({
            "msg_id": str(uuid.uuid4()), "username": "raw", "session": self.session_id,
            "date": datetime.now(timezone.utc).isoformat(), "msg_type": "execute_request", "version": "5.3",
        }).encode()
        content = json.dumps({
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True,
        }).encode()
        return [header, b"{}", b"{}", content]

    def raw_replies(self, wait):
        """Whatever came back on the raw socket within `wait` seconds."""
        got = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.sock.poll(50):
                got.append(self.sock.recv_multipart())
        return got

    def iopub_text(self, seconds):
        """Everything on iopub for `seconds`, as one string (to look for what must not have run)."""
        texts = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=0.05)
            except Empty:
                continue
            texts.append(json.dumps(m["content"], default=str))
        return "\n".join(texts)

    def check_dropped(self, frames, what):
        ks.drain(self.kc, 0.1)
        self.sock.send_multipart(frames)
        seen = self.iopub_text(1.0)
        # the kernel is alive and answers a normal request; anything the bad message ran would be on
        # iopub before this one's output
        reply, msgs = ks.execute(self.kc, 'print "alive"', timeout=15)
        self.assertEqual(reply["content"]["status"], "ok", (what, reply["content"]))
        self.assertIn("alive", ks.stream_text(msgs), what)
        seen += "\n" + json.dumps([m["content"] for m in msgs], default=str)
        self.assertNotIn("pwned", seen, f"{what}: the message ran")
        self.assertTrue(self.km.is_alive(), what)
        self.raw_replies(0.1)

    def test_good_signature_runs(self):
        """The raw sender itself works: a correctly signed execute_request runs and is answered."""
        ks.drain(self.kc, 0.1)
        parts = self.execute_frames('print "raw-ok"')
        self.sock.send_multipart([b"<IDS|MSG>", self.sign(parts)] + parts)
        replies = []
        deadline = time.monotonic() + 15
        while not replies and time.monotonic() < deadline:
            replies = self.raw_replies(0.2)
        self.assertTrue(replies, "no execute_reply on the raw socket")
        frames = replies[0]
        i = frames.index(b"<IDS|MSG>")
        header, parent, _, content = (json.loads(f) for f in frames[i + 2:i + 6])
        self.assertEqual(frames[i + 1], self.sign(frames[i + 2:i + 6]), "the reply's signature is wrong")
        self.assertEqual(header["msg_type"], "execute_reply")
        self.assertEqual(content["status"], "ok")
        self.assertIn("raw-ok", self.iopub_text(1.0))

    def test_wrong_key(self):
        parts = self.execute_frames('print "pwned"')
        self.check_dropped([b"<IDS|MSG>", self.sign(parts, key=b"not-the-key")] + parts, "wrong key")

    def test_empty_signature(self):
        parts = self.execute_frames('print "pwned"')
        self.check_dropped([b"<IDS|MSG>", b""] + parts, "empty signature")

    def test_truncated_signature(self):
        parts = self.execute_frames('print "pwned"')
        self.check_dropped([b"<IDS|MSG>", self.sign(parts)[:-2]] + parts, "truncated signature")

    def test_no_delimiter(self):
        parts = self.execute_frames('print "pwned"')
        self.check_dropped([self.sign(parts)] + parts, "no delimiter")
        self.check_dropped(parts, "no delimiter nor signature")

    def test_too_few_frames(self):
        parts = self.execute_frames('print "pwned"')[:2]
        self.check_dropped([b"<IDS|MSG>", self.sign(parts)] + parts, "2 frames after the signature")
        self.check_dropped([b"<IDS|MSG>"], "delimiter only")

    def test_header_not_json(self):
        parts = self.execute_frames('print "pwned"')
        parts[0] = b"{not json"
        self.check_dropped([b"<IDS|MSG>", self.sign(parts)] + parts, "header not JSON")

    def test_content_not_json(self):
        parts = self.execute_frames('print "pwned"')
        parts[3] = b'{"code": "print \\"pwned\\"", '
        self.check_dropped([b"<IDS|MSG>", self.sign(parts)] + parts, "content not JSON")

    def test_content_not_an_object(self):
        parts = self.execute_frames('print "pwned"')
        parts[3] = b'["print \\"pwned\\""]'
        self.check_dropped([b"<IDS|MSG>", self.sign(parts)] + parts, "content a JSON list")


class ConnectionFileTests(unittest.TestCase):
    """`clus kernel -f FILE` with a bad FILE: exit code 2 and a message, within 10 s."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="clus-connfile-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def run_kernel(self, path):
        try:
            r = subprocess.run([ks.clus_bin(), "kernel", "-f", str(path)], capture_output=True, text=True,
                               timeout=10, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.fail(f"`clus kernel -f {path}` still running after 10 s")
        self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
        self.assertTrue(r.stderr.strip(), "no message on stderr")
        return r.stderr

    def connection(self, **over):
        ports = []
        socks = []
        for _ in range(5):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
        for s in socks:
            s.close()
        info = {"shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
                "control_port": ports[3], "hb_port": ports[4], "ip": "127.0.0.1", "transport": "tcp",
                "key": uuid.uuid4().hex, "signature_scheme": "hmac-sha256", "kernel_name": ks.KERNEL_NAME}
        info.update(over)
        return info

    def test_missing_file(self):
        path = self.dir / "no-such-folder" / "kernel-nonexistent.json"
        err = self.run_kernel(path)
        self.assertIn(str(path), err)

    def test_unreadable_file(self):
        if os.geteuid() == 0:
            # root reads a chmod 000 file; a folder cannot be read as a file by anyone
            path = self.dir / "a-folder.json"
            path.mkdir()
        else:
            path = self.dir / "unreadable.json"
            ks.write_json(path, self.connection())
            path.chmod(0)
        err = self.run_kernel(path)
        self.assertIn(str(path), err)

    def test_bad_transport(self):
        path = self.dir / "ipc2.json"
        ks.write_json(path, self.connection(transport="ipc2"))
        err = self.run_kernel(path)
        self.assertTrue("ipc2" in err or "transport" in err.lower(), err)

    def test_not_json(self):
        path = self.dir / "garbage.json"
        path.write_text("this is { not json\n")
        err = self.run_kernel(path)
        self.assertIn(str(path), err)

    def test_empty_file(self):
        path = self.dir / "empty.json"
        path.write_text("")
        self.run_kernel(path)

    def test_bad_signature_scheme(self):
        path = self.dir / "scheme.json"
        ks.write_json(path, self.connection(signature_scheme="hmac-md4"))
        err = self.run_kernel(path)
        self.assertIn("hmac-md4", err)


class ExecuteTests(unittest.TestCase):
    """execute_request options and the order of messages, on one kernel."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = new_kernel()

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def setUp(self):
        ks.drain(self.kc, 0.05)
        time.sleep(AFTER_ERROR)

    def count(self):
        """The execution_count that the next stored execute will get."""
        reply, _ = ks.execute(self.kc, "0", timeout=15)
        return reply["content"]["execution_count"] + 1

    def test_silent_error_does_not_abort(self):
        """A failing silent request (a frontend's background one) aborts nothing queued after it."""
        first = self.kc.execute("no_such_thing_silent", silent=True)
        second = self.kc.execute('print "after"')
        r1 = ks.get_reply(self.kc, first, 15)
        r2 = ks.get_reply(self.kc, second, 15)
        self.assertEqual(r1["content"]["status"], "error")
        self.assertEqual(r2["content"]["status"], "ok", r2["content"])

    def test_loop_values_are_displays(self):
        """A for loop ending a cell shows its values as display_data: one execute_result at most per cell."""
        _, msgs = ks.execute(self.kc, "for k in [1, 2, 3] { k }", timeout=15)
        kinds = [m["msg_type"] for m in ks.outputs_of(msgs)]
        self.assertEqual(kinds, ["display_data"] * 3, kinds)

    def test_print_before_a_long_step_arrives_first(self):
        """A print is sent within about 0.2 s, not held back until the next output or the cell's end."""
        msg_id = self.kc.execute('print "start"\nd = load "data/mnist"\ne = umap d.data[0:5000] n_epochs=800 random_state=1')
        t0 = time.time()
        seen = None
        deadline = t0 + 120
        while time.time() < deadline:
            m = self.kc.get_iopub_msg(timeout=120)
            if ks.parent_id(m) != msg_id:
                continue
            if m["msg_type"] == "stream" and "start" in m["content"]["text"] and seen is None:
                seen = time.time() - t0
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        total = time.time() - t0
        self.assertIsNotNone(seen, "no stream with the print")
        self.assertGreater(total, 1.5, "the step was too short to tell")
        self.assertLess(seen, 1.0, f"the print came after {seen:.2f} s of a {total:.2f} s cell")

    def test_user_expressions(self):
        """user_expressions are evaluated after the cell: values as MIME bundles, errors as errors."""
        reply, _ = ks.execute(self.kc, "ue = [1, 2, 3]", timeout=15,
                              user_expressions={"v": "ue", "sum": "sum ue", "bad": "no_such_name"})
        ue = reply["content"]["user_expressions"]
        self.assertEqual(ue["v"]["status"], "ok", ue)
        self.assertEqual(ue["v"]["data"]["text/plain"], "[1, 2, 3]")
        self.assertEqual(ue["sum"]["data"]["text/plain"], "6")
        self.assertEqual(ue["bad"]["status"], "error")
        self.assertIn("no_such_name", ue["bad"]["evalue"])

    def test_silent(self):
        n = self.count()
        reply, msgs = ks.execute(self.kc, 'print "quiet"\n1 + 2\nzz_silent = 5', silent=True, timeout=15)
        validate_message(reply, "execute_reply", ks.parent_id(reply))
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual([m["msg_type"] for m in msgs], ["status", "status"],
                         [(m["msg_type"], m["content"]) for m in msgs])
        self.assertEqual(self.count(), n + 1, "a silent execute counted")
        # it ran all the same
        _, msgs = ks.execute(self.kc, "zz_silent", timeout=15)
        self.assertEqual(ks.result_text(msgs), "5")

    def test_store_history_false(self):
        n = self.count()
        reply, msgs = ks.execute(self.kc, "1 + 1", store_history=False, timeout=15)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(ks.result_text(msgs), "2")
        self.assertEqual(self.count(), n + 1, "an execute with store_history=False counted")

    def test_stop_on_error_aborts_queued(self):
        # the failing cell loads first (about a second), so the second request is queued behind it
        first = self.kc.execute('s = load "data/mnist"\nzzz_undefined + 1', stop_on_error=True)
        second = self.kc.execute('print "after"')
        r1 = ks.get_reply(self.kc, first, 60)
        r2 = ks.get_reply(self.kc, second, 60)
        validate_message(r1, "execute_reply", first)
        # (not validated: jupyter_kernel_test 0.7's schema says "abort" where the spec says "aborted")
        self.assertEqual(r1["content"]["status"], "error")
        self.assertEqual(r2["content"]["status"], "aborted", r2["content"])
        msgs = ks.iopub_until_idle(self.kc, first, 15)
        self.assertNotIn("after", json.dumps([m["content"] for m in msgs]))
        # the abort ends with the queue: the next request runs
        time.sleep(AFTER_ERROR)
        reply, msgs = ks.execute(self.kc, 'print "runs again"', timeout=15)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("runs again", ks.stream_text(msgs))

    def test_stop_on_error_false(self):
        first = self.kc.execute('s = load "data/mnist"\nzzz_undefined + 1', stop_on_error=False)
        second = self.kc.execute('print "after"')
        r1 = ks.get_reply(self.kc, first, 60)
        r2 = ks.get_reply(self.kc, second, 60)
        self.assertEqual(r1["content"]["status"], "error")
        self.assertEqual(r2["content"]["status"], "ok", r2["content"])

    def test_iopub_order(self):
        code = 'print "hi"\n1 + 2'
        msg_id = self.kc.execute(code)
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "execute_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        msgs = ks.iopub_until_idle(self.kc, msg_id, 15)
        for m in msgs:
            validate_message(m, m["msg_type"], msg_id)
        kinds = [m["msg_type"] for m in msgs]
        self.assertEqual(kinds, ["status", "execute_input", "stream", "execute_result", "status"], kinds)
        self.assertEqual(msgs[0]["content"]["execution_state"], "busy")
        self.assertEqual(msgs[1]["content"]["code"], code)
        n = reply["content"]["execution_count"]
        self.assertEqual(msgs[1]["content"]["execution_count"], n)
        self.assertEqual(msgs[2]["content"], {"name": "stdout", "text": "hi\n"})
        self.assertEqual(msgs[3]["content"]["execution_count"], n)
        self.assertEqual(msgs[3]["content"]["data"]["text/plain"], "3")
        self.assertEqual(msgs[4]["content"]["execution_state"], "idle")

    def test_iopub_order_error(self):
        code = "zzz_undefined + 1"
        msg_id = self.kc.execute(code)
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "execute_reply", msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        msgs = ks.iopub_until_idle(self.kc, msg_id, 15)
        for m in msgs:
            validate_message(m, m["msg_type"], msg_id)
        kinds = [m["msg_type"] for m in msgs]
        self.assertEqual(kinds, ["status", "execute_input", "error", "status"], kinds)
        text = ks.error_text(msgs[2]["content"])
        self.assertIn("error:", text)
        self.assertIn("zzz_undefined", text)
        self.assertTrue(any(line.strip().startswith("^") for line in text.splitlines()), text)
        self.assertIn("zzz_undefined", ks.error_text(reply["content"]))

    def test_comm_info(self):
        """comm_info_request is answered (with no comms): JupyterLab asks for it on connect."""
        msg_id = self.kc.comm_info()
        reply = ks.get_reply(self.kc, msg_id, 15)
        validate_message(reply, "comm_info_reply", msg_id)
        self.assertEqual(reply["content"]["comms"], {})

    def test_unknown_request_type(self):
        """A request type the kernel does not know does not break it."""
        req = self.kc.session.msg("no_such_request", {})
        self.kc.shell_channel.send(req)
        time.sleep(0.3)
        reply, msgs = ks.execute(self.kc, "1 + 41", timeout=15)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(ks.result_text(msgs), "42")


if __name__ == "__main__":
    unittest.main()
