"""Interrupt (SIGINT, as the kernelspec's interrupt_mode says, and interrupt_request), shutdown and restart."""
import time
import unittest

from kernel_harness import KernelHarness, KernelTestCase, result_of


class InterruptTests(KernelTestCase):
    def interrupt_after(self, msg_id, seconds):
        time.sleep(seconds)
        self.k.km.interrupt_kernel()
        return self.k.shell_reply(msg_id, timeout=20)["content"]

    def test_sigint_stops_a_synchronous_loop_and_keeps_the_state(self):
        self.k.execute("let before = 'kept'")
        msg_id = self.k.kc.execute("let spins = 0; while (true) { spins++ }")
        reply = self.interrupt_after(msg_id, 1.5)
        self.assertEqual((reply["status"], reply["ename"]), ("error", "Interrupted"))
        reply, outputs = self.k.execute("before")
        self.assertEqual((reply["status"], result_of(outputs)), ("ok", "'kept'"))

    def test_sigint_stops_an_awaiting_loop_between_batches(self):
        self.k.execute("let batches = 0")
        code = "const bar = progress(1_000_000, 'calibrating');\nwhile (true) { await new Promise((r) => setTimeout(r, 2)); batches++; bar.tick() }"
        msg_id = self.k.kc.execute("console.log('running');\n" + code)
        self.k.wait_for_output(msg_id, "running")
        reply = self.interrupt_after(msg_id, 0.5)
        self.assertEqual((reply["status"], reply["ename"]), ("error", "Interrupted"))
        _, first = self.k.execute("batches")
        time.sleep(0.3)
        _, second = self.k.execute("batches")
        self.assertGreater(int(result_of(first)), 0)
        self.assertEqual(result_of(first), result_of(second), "the loop kept running after the interrupt")

    def test_interrupt_request_on_control_stops_a_cell_that_never_returns(self):
        msg_id = self.k.kc.execute("console.log('running'); await new Promise(() => {})")
        self.k.wait_for_output(msg_id, "running")
        request = self.k.kc.session.msg("interrupt_request", {})
        self.k.kc.control_channel.send(request)
        control = self.k.kc.get_control_msg(timeout=10)
        self.assertEqual((control["msg_type"], control["content"]["status"]), ("interrupt_reply", "ok"))
        reply = self.k.shell_reply(msg_id, timeout=10)["content"]
        self.assertEqual((reply["status"], reply["ename"]), ("error", "Interrupted"))
        self.assertEqual(self.k.execute("1 + 1")[0]["status"], "ok")

    def test_the_signal_aborts_for_cooperative_work(self):
        msg_id = self.k.kc.execute(
            "console.log('running'); await new Promise<void>((resolve) => kernel.signal.addEventListener('abort', () => resolve())); 'unreached'"
        )
        self.k.wait_for_output(msg_id, "running")
        reply = self.interrupt_after(msg_id, 0.2)
        self.assertEqual(reply["ename"], "Interrupted")


class LifecycleTests(unittest.TestCase):
    def test_restart_gives_a_fresh_working_kernel(self):
        k = KernelHarness()
        try:
            k.execute("const gone = 1")
            k.km.restart_kernel(now=False)
            k.kc.wait_for_ready(timeout=30)
            reply, outputs = k.execute("typeof gone")
            self.assertEqual(reply["status"], "error", "state survived a restart")
            reply, outputs = k.execute("2 * 21")
            self.assertEqual(result_of(outputs), "42")
        finally:
            k.stop()

    def test_shutdown_request_ends_the_process(self):
        k = KernelHarness()
        try:
            k.execute("setInterval(() => {}, 1000)")  # a timer must not keep a shut-down kernel alive
            k.kc.shutdown()
            reply = k.kc.get_control_msg(timeout=10)
            self.assertEqual((reply["msg_type"], reply["content"]["status"]), ("shutdown_reply", "ok"))
            deadline = time.time() + 10
            while k.km.is_alive() and time.time() < deadline:
                time.sleep(0.1)
            self.assertFalse(k.km.is_alive())
        finally:
            k.stop()


if __name__ == "__main__":
    unittest.main()
