#!/usr/bin/env bash
# Builds the kernel, installs the quantscope, tslab and ipykernel kernelspecs into a temporary Jupyter folder and
# runs kernel_bench.py from an empty folder. Argument: rounds per kernel (default 3).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
node_modules/.bin/tsc -p kernel/tsconfig.json
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime" "$scratch/cwd"
export JUPYTER_DATA_DIR="$scratch/data" JUPYTER_PATH="$scratch/data" JUPYTER_RUNTIME_DIR="$scratch/runtime" JUPYTER_PLATFORM_DIRS=1
export NODE="$(command -v node)"
node build/kernel/install.js --user >/dev/null
cd "$scratch/cwd"
/usr/bin/python3 "$root/bench/kernel/kernel_bench.py" "$@"
