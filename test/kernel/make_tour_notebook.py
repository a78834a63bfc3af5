"""Writes kernel_tour.ipynb (sources only); test_notebook.py executes it and `--save` stores the executed copy."""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("A tour of the quantscope kernel: `q` and `tf` are bound, views display themselves, progress updates in place."),
    new_code_cell('console.log("hello from quantscope")'),
    new_code_cell("const scheme = q.intScheme({ bits: 8 });\nscheme.bits"),
    new_code_cell("tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]"),
    new_code_cell(
        "class DemoView {\n"
        "  [Symbol.for('Jupyter.display')]() {\n"
        "    return { 'application/vnd.quantscope.demo+json': { kind: 'demo', version: 1, rows: [[1, '<b>']] } };\n"
        "  }\n"
        "}\n"
        "new DemoView()"
    ),
    new_code_cell('const bar = progress(4, "batches");\nfor (let i = 0; i < 4; i++) bar.tick();\nbar.done'),
]


def tour_notebook():
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {"name": "quantscope", "display_name": "TypeScript (Quantscope)", "language": "typescript"}
    nb.metadata["language_info"] = {"name": "typescript"}
    return nb


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_tour.ipynb")
    nbformat.write(tour_notebook(), path)
