#!/usr/bin/env bash
# Brings a fresh clone to a runnable state, doing only what is missing: Debian packages, npm packages, the build.
# Safe to run again and again; `npm start`, `npm test` and `npm run bench` call it first.
#
#   bash scripts/setup.sh [EXTRA_DEBIAN_PACKAGE...]     (lab/prepare.sh adds the Jupyter server and chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages the project needs at run and test time: the Fashion-MNIST data set, and the real Jupyter clients
# the kernel is tested with (jupyter_client, jupyter_kernel_test, nbclient, nbconvert).
debian_packages=(dataset-fashion-mnist python3-jupyter-client python3-jupyter-kernel-test python3-nbclient python3-nbformat
  python3-nbconvert jupyter-nbconvert jupyter-core python3-zmq)
# Extra packages for benchmarks and golden data: PyTorch, the peer the benchmarks compare against.
if [[ "${QUANTSCOPE_SETUP_BENCH:-0}" == 1 ]]; then debian_packages+=(python3-torch python3-numpy python3-ipykernel); fi
debian_packages+=("$@")

missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  sudo=()
  if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, from the committed lock file; reinstalled when the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm packages (npm ci)"
  # onnxruntime-node's install script would try to download GPU binaries; its CPU binary ships in the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

log "building (tsc -b, WebAssembly kernels)"
node_modules/.bin/tsc -b
node scripts/build-wasm.js
