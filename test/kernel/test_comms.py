"""Comms on target `quantscope`, driven from jupyter_client: a round trip, view actions, and bad messages."""
import time
import unittest
import uuid

from kernel_harness import KernelTestCase


class CommTests(KernelTestCase):
    def send(self, msg_type, content):
        msg = self.k.kc.session.msg(msg_type, content)
        self.k.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def comm_replies(self, msg_id, msg_type="comm_msg"):
        return [m["content"] for m in self.k.collect(msg_id) if m["msg_type"] == msg_type]

    def open_comm(self, data=None):
        comm_id = uuid.uuid4().hex
        msg_id = self.send("comm_open", {"comm_id": comm_id, "target_name": "quantscope", "data": data or {}})
        self.assertEqual(self.comm_replies(msg_id, "comm_close"), [])
        return comm_id

    def request(self, comm_id, data):
        replies = self.comm_replies(self.send("comm_msg", {"comm_id": comm_id, "data": data}))
        self.assertEqual(len(replies), 1, replies)
        self.assertEqual(replies[0]["comm_id"], comm_id)
        return replies[0]["data"]

    def comm_info(self, target=None):
        msg_id = self.k.kc.comm_info(target)
        return self.k.shell_reply(msg_id)["content"]

    def test_round_trip_ping_and_comm_info(self):
        comm_id = self.open_comm()
        info = self.comm_info("quantscope")
        self.assertEqual(info["status"], "ok")
        self.assertEqual(info["comms"][comm_id], {"target_name": "quantscope"})
        self.assertEqual(self.request(comm_id, {"action": "ping", "request_id": 7}), {"ok": True, "result": "pong", "request_id": 7})
        self.send("comm_close", {"comm_id": comm_id, "data": {}})
        time.sleep(0.2)
        self.assertNotIn(comm_id, self.comm_info()["comms"])

    def test_a_view_registered_by_a_cell_answers_its_widget(self):
        reply, _ = self.k.execute(
            "let threshold = 1;\n"
            "kernel.registerView('calib-1', {\n"
            "  setThreshold: (r) => { if (typeof r.value !== 'number') throw new Error('value must be a number'); threshold = r.value; return threshold * 2 },\n"
            "})"
        )
        self.assertEqual(reply["status"], "ok")
        comm_id = self.open_comm({"view_id": "calib-1"})
        self.assertEqual(self.request(comm_id, {"action": "setThreshold", "value": 21}), {"ok": True, "result": 42})
        self.assertEqual(self.request(comm_id, {"action": "setThreshold", "value": "x"}), {"ok": False, "error": "value must be a number"})
        self.assertEqual(self.k.execute("threshold")[1][-1]["content"]["data"]["text/plain"], "21")

    def test_a_displayed_library_view_registers_its_actions(self):
        reply, msgs = self.k.execute(
            "const shown = q.displayable({ kind: 'progress', title: 'p', done: 1, total: 2, label: 'x' }, { header: ['a'], rows: [[1]] },\n"
            "  { evaluate: (r) => ({ min: r.min, codes: new Int8Array([-1, 2]) }) });\n"
            "display(shown); shown.view.id"
        )
        self.assertEqual(reply["status"], "ok", reply)
        displayed = [m["content"]["data"] for m in msgs if m["msg_type"] == "display_data"]
        view = displayed[0]["application/vnd.quantscope.progress+json"]
        self.assertEqual(view["actions"], ["evaluate"])
        comm_id = self.open_comm({"view_id": view["id"]})
        self.assertEqual(self.request(comm_id, {"action": "evaluate", "min": 0.5}), {"ok": True, "result": {"min": 0.5, "codes": [-1, 2]}})

    def test_a_cell_ending_in_display_or_progress_shows_the_output_not_the_handle(self):
        for code in ("display(q.schemeName(q.int8Activations))", "progress(3, 'steps')"):
            reply, msgs = self.k.execute(code)
            self.assertEqual(reply["status"], "ok", reply)
            kinds = [m["msg_type"] for m in msgs]
            self.assertIn("display_data", kinds, code)
            self.assertNotIn("execute_result", kinds, code)

    def test_shorthand_properties_see_earlier_cells_and_kernel_names(self):
        self.assertEqual(self.k.execute("const answer = 42")[0]["status"], "ok")
        reply, msgs = self.k.execute("JSON.stringify({ answer, hasProgress: typeof ({ progress }).progress })")
        self.assertEqual(reply["status"], "ok", reply)
        result = [m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(result, ['\'{"answer":42,"hasProgress":"function"}\''])

    def test_bad_requests_get_errors_that_name_what_was_wrong(self):
        comm_id = self.open_comm()
        missing = self.request(comm_id, {"value": 1})
        self.assertFalse(missing["ok"])
        self.assertIn("data.action was null; expected a non-empty string", missing["error"])
        unknown = self.request(comm_id, {"action": "explode"})
        self.assertIn('unknown action "explode"', unknown["error"])
        not_object = self.request(comm_id, [1, 2])
        self.assertIn("content.data was [1,2]; expected a JSON object", not_object["error"])

    def test_unknown_comm_and_unknown_target_are_answered_not_fatal(self):
        stray = self.comm_replies(self.send("comm_msg", {"comm_id": "no-such-comm", "data": {"action": "ping"}}))
        self.assertEqual(stray[0]["data"]["ok"], False)
        self.assertIn('no open comm with id "no-such-comm"', stray[0]["data"]["error"])
        closed = self.comm_replies(self.send("comm_open", {"comm_id": "c2", "target_name": "jupyter.widget", "data": {}}), "comm_close")
        self.assertIn('no comm target named "jupyter.widget"', closed[0]["data"]["error"])
        self.send("comm_open", {"target_name": "quantscope", "data": {}})  # no comm_id: dropped and logged
        view = self.comm_replies(self.send("comm_open", {"comm_id": "c3", "target_name": "quantscope", "data": {"view_id": 5}}), "comm_close")
        self.assertIn("data.view_id was 5; expected a string", view[0]["data"]["error"])
        self.assertEqual(self.k.execute("1")[0]["status"], "ok")
        self.assertIn("content.comm_id was undefined", self.k.log())

    def test_a_view_that_is_not_registered_is_an_error(self):
        comm_id = self.open_comm({"view_id": "never-displayed"})
        reply = self.request(comm_id, {"action": "setThreshold"})
        self.assertIn('no view "never-displayed" is registered', reply["error"])


if __name__ == "__main__":
    unittest.main()
