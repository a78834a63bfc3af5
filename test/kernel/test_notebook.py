"""nbclient executes a notebook on the quantscope kernel; outputs and execution counts are saved."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(HERE, "kernel_tour.ipynb")


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


class NotebookTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        nb = nbformat.read(NOTEBOOK, as_version=4)
        for cell in code_cells(nb):
            cell.outputs, cell.execution_count = [], None
        NotebookClient(nb, timeout=60, kernel_name="quantscope").execute()
        cls.executed = nb
        cls.saved = os.path.join(tempfile.mkdtemp(), "kernel_tour.ipynb")
        nbformat.write(nb, cls.saved)
        if os.environ.get("QUANTSCOPE_SAVE_TOUR") == "1":
            shutil.copy(cls.saved, NOTEBOOK)

    def reread(self):
        return nbformat.read(self.saved, as_version=4)

    def test_the_saved_notebook_is_valid_and_has_execution_counts(self):
        nb = self.reread()
        nbformat.validate(nb)
        self.assertEqual([c.execution_count for c in code_cells(nb)], list(range(1, len(code_cells(nb)) + 1)))

    def test_stdout_and_results_are_saved(self):
        cells = code_cells(self.reread())
        self.assertEqual(cells[0].outputs[0].output_type, "stream")
        self.assertEqual(cells[0].outputs[0].text, "hello from quantscope\n")
        self.assertEqual(cells[1].outputs[0].data["text/plain"], "8")
        self.assertEqual(cells[2].outputs[0].data["text/plain"], "6")

    def test_a_view_is_saved_as_its_mime_bundle_with_escaped_fallbacks(self):
        out = code_cells(self.reread())[3].outputs[0]
        self.assertEqual(out.output_type, "execute_result")
        self.assertEqual(out.data["application/vnd.quantscope.demo+json"], {"kind": "demo", "version": 1, "rows": [[1, "<b>"]]})
        self.assertIn("quantscope demo view", out.data["text/plain"])
        self.assertIn("&lt;b&gt;", out.data["text/html"])
        self.assertNotIn("<b>", out.data["text/html"])

    def test_the_progress_bar_is_saved_in_its_final_state(self):
        outputs = code_cells(self.reread())[4].outputs
        bars = [o for o in outputs if o.output_type == "display_data"]
        self.assertEqual(len(bars), 1, "update_display_data must update the bar in place, not add outputs")
        self.assertEqual(bars[0].data["application/vnd.quantscope.progress+json"]["done"], 4)
        self.assertIn("4/4", bars[0].data["text/plain"])

    @unittest.skipUnless(shutil.which("jupyter") and subprocess.run(["jupyter", "nbconvert", "--version"], capture_output=True).returncode == 0, "jupyter nbconvert is not installed")
    def test_jupyter_nbconvert_executes_it_too(self):
        out_dir = tempfile.mkdtemp()
        subprocess.run(["jupyter", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=quantscope",
                        "--output-dir", out_dir, NOTEBOOK], check=True, capture_output=True, timeout=120)
        nb = nbformat.read(os.path.join(out_dir, "kernel_tour.ipynb"), as_version=4)
        self.assertEqual(code_cells(nb)[1].outputs[0].data["text/plain"], "8")


if __name__ == "__main__":
    unittest.main()
