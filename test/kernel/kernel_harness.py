"""Starts a quantscope kernel with jupyter_client and drives it; shared by the robustness, comm and interrupt tests."""
import json
import os
import tempfile
import time
import unittest
from queue import Empty

from jupyter_client.manager import KernelManager

TIMEOUT = 30


class KernelHarness:
    """A kernel whose stderr (the kernel's log) goes to a file the test can read."""

    def __init__(self):
        self.log_file = tempfile.NamedTemporaryFile(prefix="quantscope-kernel-", suffix=".log", delete=False)
        self.km = KernelManager(kernel_name="quantscope")
        self.km.start_kernel(stderr=self.log_file)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)
        # The first cell waits for the type-checker to start; run it now so tests time only their own cells.
        self.execute("0")

    def stop(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        self.log_file.close()
        os.unlink(self.log_file.name)

    def log(self):
        with open(self.log_file.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def collect(self, msg_id, timeout=TIMEOUT):
        """The iopub messages of request msg_id, up to and without its idle status."""
        outputs = []
        deadline = time.time() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    return outputs
                continue
            outputs.append(msg)

    def shell_reply(self, msg_id, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def execute(self, code, timeout=TIMEOUT, **kwargs):
        """Runs code; returns (reply content, iopub messages)."""
        msg_id = self.kc.execute(code, **kwargs)
        reply = self.shell_reply(msg_id, timeout)
        return reply["content"], self.collect(msg_id, timeout)

    def wait_for_output(self, msg_id, text, timeout=TIMEOUT):
        """Waits until request msg_id has printed `text` (so the cell is surely running)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" and text in msg["content"]["text"]:
                return
        raise AssertionError(f"the cell never printed {text!r}")

    def flush_iopub(self):
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.2)
            except Empty:
                return


class KernelTestCase(unittest.TestCase):
    """One kernel per test class, its iopub drained before each test."""

    @classmethod
    def setUpClass(cls):
        cls.k = KernelHarness()

    @classmethod
    def tearDownClass(cls):
        cls.k.stop()

    def setUp(self):
        self.k.flush_iopub()


def text_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result_of(outputs):
    results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    return results[0] if results else None


def connection_info(harness):
    with open(harness.km.connection_file, encoding="utf-8") as f:
        return json.load(f)
