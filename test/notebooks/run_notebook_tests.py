"""Executes the tutorial notebooks fresh on the quantscope kernel and checks them; prints "N passed, N failed".

Called by run_notebook_tests.sh, which builds the kernel and installs its kernelspec into a temporary Jupyter data
folder first. For each notebook (cells from notebooks/make_notebooks.py, outputs cleared):
  - it runs top to bottom within TIMEOUT_SECONDS, with no error output and nothing on stderr;
  - its outputs hold the view MIME types and texts EXPECTED lists;
  - the committed notebooks/NAME.ipynb is up to date: the same cells as the generator's, saved with outputs, none of
    them an error, and the same view MIME types as the fresh run.
With --save the executed notebook (outputs and its run time in metadata.quantscope) is written to notebooks/.
"""
import os
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
sys.path.insert(0, NOTEBOOKS)
sys.dont_write_bytecode = True  # no __pycache__ in notebooks/, which the lab serves
import make_notebooks  # noqa: E402

# A notebook's whole run; each is meant to take a few minutes on 2 shared cores (notebooks/README.md has the times).
TIMEOUT_SECONDS = 900
VIEW = "application/vnd.quantscope."


def mime(kind):
    return f"{VIEW}{kind}+json"


# What each notebook must show: view MIME types and texts (in a text/plain output or the printed stream).
EXPECTED = {
    "00_quickstart": {"mime": [mime("layerwise"), mime("progress")],
                      "text": ["Layerwise error of resnet"]},
    "01_schemes": {"mime": [mime("schemes"), mime("progress")],
                   "text": ["Schemes of resnet", "Schemes of mobilenet_v2", "Schemes of efficientnet", "Weight ranges of mobilenet_v2",
                            "Schemes of mobilenet_v2-imbalanced", "INT32"]},
    "02_layerwise_error": {"mime": [mime("layerwise"), mime("distribution"), mime("error-budget"), mime("progress")],
                           "text": ["Activation ranges of resnet", "Layerwise error of efficientnet", "Layerwise error of mobilenet_v2-imbalanced",
                                    "depthwise and project layers in float"]},
    "03_min_max_tuning": {"mime": [mime("calibration"), mime("schemes"), mime("progress")],
                          "text": ["Calibration of block2_dw", "Calibration of block1_se_expand", "Calibration methods on efficientnet",
                                   "1000 calibration images"]},
    "04_mixed_precision": {"mime": [mime("schemes"), mime("progress")],
                           "text": ["INT8 per-channel, stem_conv, predictions in float", "Sensitivity of resnet", "Mixed-precision search on resnet",
                                    "budget met", "was not met"]},
    "05_weight_equalization": {"mime": [mime("equalization"), mime("progress")],
                               "text": ["Weight ranges of mobilenet_v2-imbalanced", "Cross-layer equalization of mobilenet_v2-imbalanced",
                                        "+ CLE", "bias correction (empirical)", "HBA on the equalized graph"]},
    "06_quantization_aware_training": {"mime": [mime("schemes"), mime("progress")],
                                       "text": ["Quantization-aware training of mobilenet_v2", "epoch 0 is post-training quantization",
                                                "control (FP16 fine-tuning, then PTQ)", "INT4 per-tensor weights after QAT"]},
    "07_best_practices": {"mime": [mime("progress")],
                          "text": ["Quantization doctor: efficientnet", "recommended:", "ONNX Runtime", "same top-1 class on",
                                   "integer executor", "integer executor vs ONNX Runtime: 0 of"]},
    "08_bring_your_own_model": {"mime": [mime("progress")],
                                "text": ["resnet (tfjs-layers)", "torch_jit (onnx)", "between Quantscope and ONNX Runtime",
                                         "'mobilenet_v2'?", "did you mean 'block1_conv1'", "expected images of 16x16"]},
}


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def view_mimes(nb):
    return {m for o in outputs(nb) for m in o.get("data", {}) if m.startswith(VIEW)}


def texts(nb):
    for o in outputs(nb):
        if o.output_type == "stream":
            yield o.text
        elif "text/plain" in o.get("data", {}):
            yield o.data["text/plain"]


def errors(nb):
    """Each error output or stderr stream, as 'cell N: what'."""
    found = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code, 1):
        for o in cell.outputs:
            if o.output_type == "error":
                found.append(f"cell {i}: {o.ename}: {o.evalue}")
            elif o.output_type == "stream" and o.name == "stderr":
                found.append(f"cell {i}: stderr: {o.text.strip()[:300]}")
    return found


def execute(nb):
    """Runs nb in place on the quantscope kernel from notebooks/; returns the seconds it took."""
    client = NotebookClient(nb, timeout=TIMEOUT_SECONDS, kernel_name="quantscope", allow_errors=True,
                            record_timing=False, resources={"metadata": {"path": NOTEBOOKS}})
    failure = []

    def run():
        try:
            client.execute()
        except Exception as err:  # reported as this notebook's failure, the next notebook still runs
            failure.append(err)

    start = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(TIMEOUT_SECONDS)
    seconds = time.monotonic() - start
    if worker.is_alive():
        if client.km is not None:
            client.km.shutdown_kernel(now=True)
        raise TimeoutError(f"did not finish within {TIMEOUT_SECONDS} s")
    if failure:
        raise failure[0]
    return seconds


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for p in problems:
                print(f"     {p}")
        else:
            self.passed += 1
            print(f"ok   {name}")


def check_notebook(name, results, save):
    nb = make_notebooks.notebook(name)
    try:
        seconds = execute(nb)
    except Exception as err:
        results.check(f"{name}: runs top to bottom", [f"{type(err).__name__}: {err}"])
        return
    print(f"     {name}: {seconds:.0f} s")
    results.check(f"{name}: runs with no error output or stderr", errors(nb))
    expected = EXPECTED.get(name, {})
    results.check(f"{name}: shows the expected views",
                  [f"no output of type {m}" for m in expected.get("mime", []) if m not in view_mimes(nb)]
                  + ([] if name in EXPECTED else ["no expectations in EXPECTED"]))
    shown = "\n".join(texts(nb))
    results.check(f"{name}: shows the expected texts", [f"no output contains {t!r}" for t in expected.get("text", []) if t not in shown])
    path = os.path.join(NOTEBOOKS, name + ".ipynb")
    if save:
        nb.metadata["quantscope"] = {"run_seconds": round(seconds)}
        nbformat.write(nb, path)
        print(f"     saved {os.path.relpath(path, ROOT)}")
    results.check(f"{name}: committed notebook is up to date", committed_problems(path, nb))


def committed_problems(path, fresh):
    if not os.path.exists(path):
        return [f"{os.path.relpath(path, ROOT)} does not exist; run run_notebook_tests.sh --save"]
    committed = nbformat.read(path, as_version=4)
    nbformat.validate(committed)
    problems = []
    cells = lambda nb: [(c.cell_type, c.source) for c in nb.cells]
    if cells(committed) != cells(fresh):
        problems.append("its cells differ from the generator's (notebooks/src); run run_notebook_tests.sh --save")
    code = [c for c in committed.cells if c.cell_type == "code"]
    if any(c.execution_count is None for c in code) or not outputs(committed):
        problems.append("it was saved without running every cell")
    problems.extend(f"committed {e}" for e in errors(committed))
    if view_mimes(committed) != view_mimes(fresh):
        problems.append(f"its view MIME types {sorted(view_mimes(committed))} differ from the fresh run's {sorted(view_mimes(fresh))}")
    return problems


def main(argv):
    save = "--save" in argv
    wanted = [a for a in argv if a != "--save"]
    all_names = make_notebooks.names()
    chosen = [n for n in all_names if not wanted or any(n.startswith(w) for w in wanted)]
    if not chosen:
        print(f"no notebook matches {wanted}; the notebooks are {', '.join(all_names)}")
        return 1
    results = Results()
    for name in chosen:
        check_notebook(name, results, save)
    print(f"{results.passed} passed, {results.failed} failed")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
