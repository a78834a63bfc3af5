"""Builds the tutorial notebooks' cells from notebooks/src/*.md.

A source file is Markdown: each ```ts fenced block becomes a code cell, the Markdown between blocks a Markdown cell.
This script writes notebooks without outputs (for a quick look or a fresh start in Jupyter). The committed notebooks
carry their outputs: `test/notebooks/run_notebook_tests.sh --save` executes these same cells on the quantscope kernel
and writes them to notebooks/.

    /usr/bin/python3 notebooks/make_notebooks.py --out DIR [NAME ...]
"""
import argparse
import os
import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(HERE, "src")
KERNELSPEC = {"name": "quantscope", "display_name": "TypeScript (Quantscope)", "language": "typescript"}
FENCE = re.compile(r"^```ts\n(.*?)^```\n", re.S | re.M)


def names():
    """The notebooks' names (the source files' stems), in order."""
    return sorted(f[:-3] for f in os.listdir(SOURCES) if f.endswith(".md"))


def cells_of(text, where):
    cells = []
    at = 0
    for m in FENCE.finditer(text):
        cells.extend(markdown_cells(text[at:m.start()]))
        code = m.group(1).rstrip("\n")
        if not code.strip():
            raise ValueError(f"{where}: an empty ```ts block at offset {m.start()}")
        cells.append(new_code_cell(code))
        at = m.end()
    cells.extend(markdown_cells(text[at:]))
    if "```ts" in "".join(c.source for c in cells if c.cell_type == "markdown"):
        raise ValueError(f"{where}: a ```ts fence is not closed by a line holding only ```")
    return cells


def markdown_cells(text):
    text = text.strip("\n")
    return [new_markdown_cell(text)] if text.strip() else []


def notebook(name):
    """The notebook `name` (e.g. '00_quickstart') without outputs."""
    path = os.path.join(SOURCES, name + ".md")
    with open(path, encoding="utf-8") as f:
        nb = new_notebook(cells=cells_of(f.read(), path))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "typescript"}
    return nb


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # No default: notebooks/ holds the executed notebooks, which these would overwrite without their outputs.
    parser.add_argument("--out", required=True, help="folder to write NAME.ipynb into (created if missing)")
    parser.add_argument("names", nargs="*", help="notebooks to write (default: all)")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(names()))
    if unknown:
        parser.error(f"no source for {', '.join(unknown)}; the notebooks are {', '.join(names())}")
    os.makedirs(args.out, exist_ok=True)
    for name in args.names or names():
        out = os.path.join(args.out, name + ".ipynb")
        nbformat.write(notebook(name), out)
        print(out)


if __name__ == "__main__":
    main()
