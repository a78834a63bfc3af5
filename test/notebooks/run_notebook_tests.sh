#!/usr/bin/env bash
# Executes every tutorial notebook fresh (cells from notebooks/make_notebooks.py) on the quantscope kernel through
# nbclient, with the kernelspec installed in a temporary Jupyter data folder (never the user's), and checks the
# outputs and that the committed notebooks are up to date. Prints "N passed, N failed" and exits non-zero on any
# failure. Arguments: notebook names or prefixes (e.g. 03), and --save to write the executed notebooks to notebooks/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
node_modules/.bin/tsc -b
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime" "$scratch/config"
export JUPYTER_DATA_DIR="$scratch/data" JUPYTER_PATH="$scratch/data" JUPYTER_RUNTIME_DIR="$scratch/runtime"
export JUPYTER_CONFIG_DIR="$scratch/config" JUPYTER_PLATFORM_DIRS=1
node build/kernel/install.js --user >/dev/null
/usr/bin/python3 -u "$root/test/notebooks/run_notebook_tests.py" "$@"
