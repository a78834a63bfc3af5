#!/usr/bin/env bash
# Brings everything `npm start` and the browser tests serve up to date, doing only what is stale: Debian's Jupyter
# server, the project build (scripts/setup.sh), the JupyterLab application (lab/), the Quantscope extension
# (extension/, once it exists) copied where JupyterLab finds prebuilt extensions, and the quantscope kernelspec.
# Both land in build/jupyter/share/jupyter, which lab/serve.py puts first on JUPYTER_PATH.
#
#   bash lab/prepare.sh [EXTRA_DEBIAN_PACKAGE...]     (the browser tests add chromium)
#
# When a real JupyterLab is installed (jupyter-lab on PATH), the application in lab/ is not needed and not built,
# unless QUANTSCOPE_LAB_APP=1 (the browser tests test that application).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'lab: %s\n' "$*" >&2; }
data_dir=build/jupyter/share/jupyter

# True when any file under the given paths is newer than the stamp file (or the stamp is missing).
stale() {
  local stamp=$1
  shift
  [[ ! -e "$stamp" ]] && return 0
  [[ -n "$(find "$@" -newer "$stamp" -type f -print -quit 2>/dev/null)" ]]
}

build_app=0
if [[ ${QUANTSCOPE_LAB_APP:-0} == 1 ]] || ! command -v jupyter-lab >/dev/null; then build_app=1; fi
debian_packages=("$@")
if ((build_app)); then debian_packages+=(python3-jupyter-server python3-jupyterlab-server); fi

log "building the project (scripts/setup.sh, with Debian packages: ${debian_packages[*]:-none extra})"
bash scripts/setup.sh "${debian_packages[@]}"

if ((build_app)); then
  if [[ ! -f lab/node_modules/.package-lock.json || lab/package-lock.json -nt lab/node_modules/.package-lock.json ]]; then
    log "installing the JupyterLab application's npm packages (npm --prefix lab ci)"
    npm --prefix lab ci --no-audit --no-fund --loglevel=error
  fi
  if stale lab/static/bundle.js lab/src lab/webpack.config.js lab/package.json lab/node_modules/.package-lock.json; then
    log "building the JupyterLab application into lab/static (webpack, production)"
    npm --prefix lab run --silent build >/dev/null
  else
    log "the JupyterLab application in lab/static is up to date"
  fi
fi

if [[ -f extension/package.json ]]; then
  if [[ -f extension/package-lock.json ]] \
    && [[ ! -f extension/node_modules/.package-lock.json || extension/package-lock.json -nt extension/node_modules/.package-lock.json ]]; then
    log "installing the extension's npm packages (npm --prefix extension ci)"
    npm --prefix extension ci --no-audit --no-fund --loglevel=error
  fi
  # The extension renders the library's view types (src/views), so a change there rebuilds it too.
  if stale extension/labextension/package.json extension/package.json extension/src extension/style src/views; then
    log "building the Quantscope extension (npm --prefix extension run build)"
    npm --prefix extension run --silent build
  else
    log "the Quantscope extension in extension/labextension is up to date"
  fi
  target=$data_dir/labextensions/@quantscope/jupyterlab-extension
  if ! diff -rq extension/labextension "$target" >/dev/null 2>&1; then
    log "installing the extension into $target"
    rm -rf "$target"
    mkdir -p "$(dirname "$target")"
    cp -r extension/labextension "$target"
  fi
else
  log "no extension/package.json yet: JupyterLab runs without the Quantscope extension"
fi

log "registering the quantscope kernel in $data_dir"
node build/kernel/install.js --prefix build/jupyter >/dev/null
