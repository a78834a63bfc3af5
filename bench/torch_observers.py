#!/usr/bin/env python3
"""PyTorch peer for Quantscope's `npm run bench`: times torch's observers on one tensor.

Usage (needs Debian's PyTorch, installed for /usr/bin/python3 only):

    /usr/bin/python3 bench/torch_observers.py /tmp/x.f32 1,64,56,56 [--repeat 50] [--warmup 3]

The first argument is a raw file of little-endian float32 values in C order, the second
its shape. torch runs on one thread. Each benchmark is run --warmup times untimed, then
--repeat times timed; the medians and minima are reported.

Benchmarks (results keys):
  histogram_forward_first      HistogramObserver().forward(x) on a fresh observer
  histogram_forward_second     forward(x) again on an observer that has already seen x
                               (the range is the same, so this is the merge path)
  histogram_calculate_qparams  calculate_qparams() after one forward(x)
  minmax_forward               MinMaxObserver.forward(x)
  per_channel_minmax_forward   PerChannelMinMaxObserver(ch_axis=0, qint8, per_channel_symmetric)
                               .forward(x), x read as a conv weight [out, in, kh, kw]; 4-D only
  per_channel_minmax_forward_axis1
                               the same with ch_axis=1 (activation channels); 4-D only

Prints exactly one JSON object on stdout:
  {"torch_version": str, "threads": int, "shape": [int], "numel": int, "warmup": int,
   "results": {"<name>": {"median_ms": float, "min_ms": float, "repeats": int}},
   "details": {...}}
Diagnostics go to stderr. Exit status 2 on bad arguments or a file of the wrong size.
If the interpreter running this has no torch, the script re-executes itself with
/usr/bin/python3.
"""

import os
import sys

try:
    import torch
except ImportError:  # the python3 first on PATH has no torch; Debian's has.
    _debian = "/usr/bin/python3"
    if os.path.exists(_debian) and os.path.realpath(sys.executable) != os.path.realpath(_debian):
        os.execv(_debian, [_debian, os.path.abspath(__file__)] + sys.argv[1:])
    raise

import argparse
import gc
import json
import statistics
import time
import warnings

import numpy as np
from torch.ao.quantization.observer import (
    HistogramObserver,
    MinMaxObserver,
    PerChannelMinMaxObserver,
)


def fail(msg):
    print(f"torch_observers.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Time torch quantization observers on a raw float32 tensor.")
    ap.add_argument("path", help="raw little-endian float32 file, C order")
    ap.add_argument("shape", help="comma-separated shape, e.g. 1,64,56,56")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per benchmark (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs per benchmark (default 3)")
    args = ap.parse_args(argv)
    try:
        shape = [int(s) for s in args.shape.replace("x", ",").split(",") if s.strip() != ""]
    except ValueError:
        fail(f"bad shape {args.shape!r}: expected comma-separated positive integers")
    if not shape or any(d <= 0 for d in shape):
        fail(f"bad shape {args.shape!r}: expected comma-separated positive integers")
    if args.repeat < 1 or args.warmup < 0:
        fail("--repeat must be >= 1 and --warmup >= 0")
    return args, shape


def load(path, shape):
    try:
        data = np.fromfile(path, dtype="<f4")
    except OSError as e:
        fail(f"cannot read {path}: {e}")
    numel = int(np.prod(shape))
    if data.size != numel:
        fail(f"{path} holds {data.size} float32 values, shape {shape} needs {numel}")
    return torch.from_numpy(data.astype(np.float32).reshape(shape)).contiguous()


def bench(fn, setup, warmup, repeat):
    """Runs setup() (untimed) then fn(state) (timed) warmup + repeat times."""
    times = []
    for i in range(warmup + repeat):
        state = setup()
        gc.collect()
        t0 = time.perf_counter_ns()
        fn(state)
        t1 = time.perf_counter_ns()
        if i >= warmup:
            times.append((t1 - t0) / 1e6)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "repeats": repeat}


def main(argv):
    warnings.filterwarnings("ignore")
    args, shape = parse_args(argv)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    x = load(args.path, shape)
    w, r = args.warmup, args.repeat

    results = {}
    details = {}

    def fresh_hist():
        return HistogramObserver()

    def seen_hist():
        obs = HistogramObserver()
        obs.forward(x)
        return obs

    results["histogram_forward_first"] = bench(lambda o: o.forward(x), fresh_hist, w, r)
    results["histogram_forward_second"] = bench(lambda o: o.forward(x), seen_hist, w, r)

    probe = seen_hist()
    cmin, cmax, _, _ = probe._adjust_min_max(torch.min(x.min(), probe.min_val), torch.max(x.max(), probe.max_val),
                                             probe.upsample_rate)
    same = bool(cmin == probe.min_val and cmax == probe.max_val)
    details["histogram_second_forward_path"] = "add_histograms" if same else "combine_histograms"
    details["histogram_histc_bounds"] = [int(probe.min_val), int(probe.max_val)]

    calc_obs = seen_hist()
    results["histogram_calculate_qparams"] = bench(lambda o: o.calculate_qparams(), lambda: calc_obs, w, r)

    mm = MinMaxObserver()
    results["minmax_forward"] = bench(lambda o: o.forward(x), lambda: mm, w, r)

    if x.dim() == 4:
        pc0 = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        results["per_channel_minmax_forward"] = bench(lambda o: o.forward(x), lambda: pc0, w, r)
        pc1 = PerChannelMinMaxObserver(ch_axis=1, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        results["per_channel_minmax_forward_axis1"] = bench(lambda o: o.forward(x), lambda: pc1, w, r)
        details["per_channel_channels"] = {"axis0": int(x.shape[0]), "axis1": int(x.shape[1])}

    out = {
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "shape": shape,
        "numel": int(x.numel()),
        "warmup": w,
        "results": results,
        "details": details,
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
