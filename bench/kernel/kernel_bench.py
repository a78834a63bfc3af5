"""Kernel start-up and trivial-cell round trip: quantscope against plain tslab and Debian's ipykernel, in one run.

Usage: bench/kernel/run_kernel_bench.sh [ROUNDS]. Each kernel is started ROUNDS times (default 3) from an empty
folder. Reported medians:
  ready       start_kernel() until the kernel answered kernel_info (jupyter_client's wait_for_ready): the first idle
  first cell  the first `1 + 1` after ready (includes the TypeScript type-checker's start for the TS kernels)
  trivial     median round trip of 20 further `1 + 1` cells (execute_request sent -> idle status received)
"""
import json
import os
import statistics
import sys
import tempfile
import time

from jupyter_client.manager import KernelManager

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def write_spec(data_dir, name, argv, language):
    folder = os.path.join(data_dir, "kernels", name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "kernel.json"), "w") as f:
        json.dump({"argv": argv, "display_name": name, "language": language}, f)


def round_trip(kc, code):
    t = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    kc.get_shell_msg(timeout=60)
    return time.perf_counter() - t


def measure(name, code, rounds):
    ready, first, trivial = [], [], []
    for _ in range(rounds):
        km = KernelManager(kernel_name=name)
        t = time.perf_counter()
        km.start_kernel(stderr=open(os.devnull, "w"))
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        ready.append(time.perf_counter() - t)
        first.append(round_trip(kc, code))
        trivial.append(statistics.median(round_trip(kc, code) for _ in range(20)))
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(ready), statistics.median(first), statistics.median(trivial)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    data_dir = os.environ["JUPYTER_PATH"]
    node = os.environ.get("NODE", "node")
    write_spec(data_dir, "bench-tslab", [node, os.path.join(REPO, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"], "typescript")
    write_spec(data_dir, "bench-ipykernel", ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "python")
    print(f"{'kernel':<12} {'ready (s)':>10} {'first cell (s)':>15} {'trivial cell (ms)':>18}")
    for label, name in (("quantscope", "quantscope"), ("tslab", "bench-tslab"), ("ipykernel", "bench-ipykernel")):
        r, f, c = measure(name, "1 + 1", rounds)
        print(f"{label:<12} {r:>10.2f} {f:>15.2f} {c * 1000:>18.1f}", flush=True)


if __name__ == "__main__":
    main()
