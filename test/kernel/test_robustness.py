"""The kernel survives what cells and clients throw at it: failing cells, bad signatures, malformed frames."""
import hashlib
import hmac
import json
import time
import unittest
import uuid

import zmq

from kernel_harness import KernelTestCase, connection_info, result_of, text_of


def frames_for(msg_type, content, key, signature=None):
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": "raw", "username": "test",
              "date": "2026-01-01T00:00:00Z", "version": "5.3"}
    parts = [json.dumps(p).encode() for p in (header, {}, {}, content)]
    if signature is None:
        mac = hmac.new(key, digestmod=hashlib.sha256)
        for p in parts:
            mac.update(p)
        signature = mac.hexdigest()
    return header["msg_id"], [b"<IDS|MSG>", signature.encode()] + parts


class RobustnessTests(KernelTestCase):
    def test_a_cell_that_throws_leaves_the_kernel_and_its_state(self):
        self.k.execute("const kept = 41")
        reply, outputs = self.k.execute('throw new TypeError("bad input")')
        self.assertEqual((reply["status"], reply["ename"], reply["evalue"]), ("error", "TypeError", "bad input"))
        reply, outputs = self.k.execute("kept + 1")
        self.assertEqual((reply["status"], result_of(outputs)), ("ok", "42"))

    def test_a_thrown_non_error_value_is_reported(self):
        reply, outputs = self.k.execute("throw 42")
        self.assertEqual((reply["status"], reply["ename"], reply["evalue"]), ("error", "Uncaught", "42"))

    def test_an_awaited_rejected_promise_is_an_error_of_the_cell(self):
        reply, outputs = self.k.execute('await Promise.reject(new Error("rejected on purpose"))')
        self.assertEqual((reply["status"], reply["evalue"]), ("error", "rejected on purpose"))
        self.assertEqual([m["msg_type"] for m in outputs], ["execute_input", "error"])

    def test_an_unawaited_rejection_is_reported_and_the_kernel_survives(self):
        reply, outputs = self.k.execute('Promise.reject(new Error("nobody awaits me")); await new Promise((r) => setTimeout(r, 50)); "after"')
        self.assertEqual(reply["status"], "ok")
        self.assertIn("Unhandled promise rejection: Error: nobody awaits me", text_of(outputs, "stderr"))
        reply, outputs = self.k.execute("1 + 1")
        self.assertEqual(result_of(outputs), "2")

    def test_a_timer_that_throws_does_not_end_the_kernel(self):
        reply, outputs = self.k.execute('setTimeout(() => { throw new Error("late") }, 10); await new Promise((r) => setTimeout(r, 100)); 3')
        self.assertEqual((reply["status"], result_of(outputs)), ("ok", "3"))
        self.assertIn("Uncaught exception: Error: late", text_of(outputs, "stderr"))
        self.assertTrue(self.k.km.is_alive())

    def test_the_cell_after_an_error_gets_its_output_at_once(self):
        # tslab aborted every request for 200 ms after an error, so nbclient's next cell had no output.
        self.k.execute('throw new Error("first")')
        reply, outputs = self.k.execute('console.log("second runs")')
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(text_of(outputs), "second runs\n")

    def test_stop_on_error_aborts_the_requests_already_queued(self):
        failing = self.k.kc.execute('await new Promise((r) => setTimeout(r, 300)); throw new Error("stop")')
        queued = [self.k.kc.execute(f'console.log("queued {i}")') for i in range(2)]
        self.assertEqual(self.k.shell_reply(failing)["content"]["status"], "error")
        self.assertEqual([self.k.shell_reply(m)["content"]["status"] for m in queued], ["aborted", "aborted"])
        reply, outputs = self.k.execute('"runs again"')
        self.assertEqual((reply["status"], result_of(outputs)), ("ok", "'runs again'"))

    def test_stop_on_error_false_keeps_the_queue(self):
        failing = self.k.kc.execute('await new Promise((r) => setTimeout(r, 200)); throw new Error("go on")', stop_on_error=False)
        queued = self.k.kc.execute('"still runs"')
        self.assertEqual(self.k.shell_reply(failing)["content"]["status"], "error")
        self.assertEqual(self.k.shell_reply(queued)["content"]["status"], "ok")

    def raw_shell(self):
        info = connection_info(self.k)
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
        return sock, info["key"].encode()

    def test_messages_with_a_bad_or_missing_signature_are_dropped_and_logged(self):
        sock, key = self.raw_shell()
        try:
            _, bad = frames_for("kernel_info_request", {}, key, signature="0" * 64)
            _, missing = frames_for("kernel_info_request", {}, key, signature="")
            _, wrong_key = frames_for("execute_request", {"code": 'console.log("forged")', "silent": False}, b"not-the-key")
            for frames in (bad, missing, wrong_key):
                sock.send_multipart(frames)
            self.assertEqual(sock.poll(1000), 0, "the kernel answered a message with a bad signature")
            good_id, good = frames_for("kernel_info_request", {}, key)
            sock.send_multipart(good)
            self.assertTrue(sock.poll(10000), "the kernel stopped serving after bad signatures")
            reply = sock.recv_multipart()
            self.assertEqual(json.loads(reply[3])["msg_id"], good_id)
        finally:
            sock.close()
        log = self.k.log()
        self.assertIn("dropped a message: decodeMessage: bad signature", log)
        self.assertIn("dropped a message: decodeMessage: missing signature", log)
        reply, outputs = self.k.execute('"still serving"')
        self.assertEqual(reply["status"], "ok")
        self.assertNotIn("forged", text_of(outputs))

    def test_malformed_frames_are_dropped(self):
        sock, key = self.raw_shell()
        try:
            sock.send_multipart([b"no delimiter at all"])
            _, frames = frames_for("kernel_info_request", {}, key)
            sock.send_multipart(frames[:4])  # truncated
            sig = hmac.new(key, digestmod=hashlib.sha256)
            body = [b"not json", b"{}", b"{}", b"{}"]
            for p in body:
                sig.update(p)
            sock.send_multipart([b"<IDS|MSG>", sig.hexdigest().encode()] + body)
            self.assertEqual(sock.poll(1000), 0)
        finally:
            sock.close()
        log = self.k.log()
        self.assertIn("no '<IDS|MSG>' delimiter", log)
        self.assertIn("frame 'header' is not JSON", log)
        reply, _ = self.k.execute("1")
        self.assertEqual(reply["status"], "ok")

    def test_a_displayable_with_a_broken_bundle_is_an_error_naming_the_key(self):
        reply, outputs = self.k.execute('({ [Symbol.for("Jupyter.display")]: () => ({ "not a mime": "x" }) })')
        self.assertEqual(reply["status"], "error")
        self.assertIn('key "not a mime" is not a MIME type', reply["evalue"])


if __name__ == "__main__":
    unittest.main()
