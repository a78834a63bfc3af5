#!/usr/bin/env bash
# Builds the kernel, installs its kernelspec into a temporary Jupyter data folder (never the user's), and runs every
# Python kernel test from an empty folder with no node_modules, as a notebook's folder may be. Prints
# "N passed, N failed" and exits non-zero on any failure. Optional argument: a file pattern, e.g. 'test_comms*.py'.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
node_modules/.bin/tsc -p kernel/tsconfig.json
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime" "$scratch/config" "$scratch/cwd"
export JUPYTER_DATA_DIR="$scratch/data" JUPYTER_PATH="$scratch/data" JUPYTER_RUNTIME_DIR="$scratch/runtime"
export JUPYTER_CONFIG_DIR="$scratch/config" JUPYTER_PLATFORM_DIRS=1
node build/kernel/install.js --user >/dev/null
export QUANTSCOPE_REPO="$root"
cd "$scratch/cwd"
/usr/bin/python3 -u "$root/test/kernel/run_kernel_tests.py" "$@"
