"""Debian's jupyter_kernel_test suite against the quantscope kernel: the protocol conformance the issue asks for."""
import unittest

import jupyter_kernel_test


class QuantscopeKernelProtocolTests(jupyter_kernel_test.KernelTests):
    kernel_name = "quantscope"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "q.intSch", "matches": {"intScheme"}},
    ]
    complete_code_samples = ["1", 'console.log("x")', "function f() { return 1 }", "const a = [1, 2]"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {", "const s = `multi"]
    invalid_code_samples = ["let x = ;", "1 +* 2", "const = 5"]

    code_generate_error = 'throw new Error("oops")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": '"hel" + "lo"', "result": "'hello'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "q.intScheme({ bits: 8 }).bits", "result": "8"},
    ]
    code_display_data = [
        {"code": 'display({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>hi</b>" }) })', "mime": "text/html"},
        {"code": 'progress(2, "batches").tick()', "mime": "application/vnd.quantscope.progress+json"},
    ]
    code_history_pattern = "6*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "q.intScheme"
    code_clear_output = "clearOutput()"

    def test_kernel_info_names_the_kernel(self):
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=15)
        content = reply["content"]
        self.assertEqual(content["status"], "ok")
        self.assertEqual(content["implementation"], "quantscope")
        self.assertEqual(content["protocol_version"], "5.3")

    def test_execution_counts_follow_execute_input(self):
        self.flush_channels()
        first, _ = self.execute_helper("1")
        second, outputs = self.execute_helper("2")
        self.assertEqual(second["content"]["execution_count"], first["content"]["execution_count"] + 1)
        result = [m for m in outputs if m["msg_type"] == "execute_result"][0]
        self.assertEqual(result["content"]["execution_count"], second["content"]["execution_count"])

    def test_error_reports_ename_evalue_traceback(self):
        self.flush_channels()
        reply, outputs = self.execute_helper('throw new RangeError("out of range: 7")')
        self.assertEqual(reply["content"]["status"], "error")
        error = outputs[0]["content"]
        self.assertEqual(error["ename"], "RangeError")
        self.assertEqual(error["evalue"], "out of range: 7")
        self.assertTrue(error["traceback"][0].startswith("RangeError: out of range: 7"))
        self.assertEqual(reply["content"]["ename"], "RangeError")

    def test_type_error_is_a_compile_error_naming_the_position(self):
        self.flush_channels()
        reply, outputs = self.execute_helper('const n: number = "text"')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(outputs[0]["content"]["ename"], "CompileError")
        self.assertIn("1:7", outputs[0]["content"]["evalue"])
        self.assertIn("not assignable to type 'number'", outputs[0]["content"]["evalue"])

    def test_state_persists_between_cells(self):
        self.flush_channels()
        self.execute_helper("let counter = 40")
        reply, outputs = self.execute_helper("counter + 2")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ["42"])

    def test_q_and_tf_are_bound_with_the_backend(self):
        self.flush_channels()
        reply, outputs = self.execute_helper("q.describeBackend(backend).split(' ')[0] + ' ' + tf.getBackend() + ' ' + tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]")
        self.assertEqual(reply["content"]["status"], "ok")
        text = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"][0]
        name = text.strip("'").split(" ")
        self.assertEqual(name[0], name[1])
        self.assertEqual(name[2], "6")
        self.assertIn(name[0], ("wasm", "cpu", "tensorflow"))

    def test_node_types_resolve_in_a_folder_without_node_modules(self):
        # The test runner starts the kernel in an empty temporary folder.
        self.flush_channels()
        reply, outputs = self.execute_helper('const b: Buffer = Buffer.from("ab"); console.log(process.cwd().length > 0, b.length)')
        self.assertEqual(reply["content"]["status"], "ok", [m["content"] for m in outputs])
        self.assertIn("true 2", "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream"))

    def test_silent_execution_neither_counts_nor_publishes_input(self):
        self.flush_channels()
        before, _ = self.execute_helper("1")
        msg_id = self.kc.execute("2", silent=True)
        reply = self.get_non_kernel_info_reply(timeout=15)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        after, _ = self.execute_helper("3")
        self.assertEqual(after["content"]["execution_count"], before["content"]["execution_count"] + 1)


if __name__ == "__main__":
    unittest.main()
