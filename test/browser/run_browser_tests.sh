#!/usr/bin/env bash
# Runs the JupyterLab browser tests (test/browser/lab.test.js) in Debian's Chromium: brings the build, the JupyterLab
# application, the extension and the kernel up to date (lab/prepare.sh, which also installs chromium when missing),
# copies the test notebooks to a scratch folder the server serves, and prints "N passed, N failed". Screenshots and
# the server's log go to test-artifacts/browser/. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
QUANTSCOPE_LAB_APP=1 bash lab/prepare.sh chromium

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/notebooks"
cp test/browser/notebooks/*.ipynb "$scratch/notebooks/"
artifacts="$root/test-artifacts/browser"
rm -rf "$artifacts"
mkdir -p "$artifacts"
export QUANTSCOPE_BROWSER_ROOT="$scratch/notebooks" QUANTSCOPE_BROWSER_ARTIFACTS="$artifacts"

set +e
node --test --test-reporter=tap test/browser/lab.test.js | tee "$scratch/tap.txt"
status=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$scratch/tap.txt" | tail -1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$scratch/tap.txt" | tail -1)
if [[ -z $passed || -z $failed ]]; then
  echo "run_browser_tests: the test runner printed no summary" >&2
  passed=${passed:-0}
  failed=$((${failed:-0} + 1))
fi
echo "$passed passed, $failed failed"
if ((status != 0 || failed > 0)); then exit 1; fi
