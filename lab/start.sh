#!/usr/bin/env bash
# `npm start`: brings the build, the JupyterLab application, the extension and the kernel up to date (only what
# changed; see lab/prepare.sh), then serves the notebooks on 127.0.0.1 and prints the URL with its token.
#
#   bash lab/start.sh [NOTEBOOK_DIR] [server options]     (default: notebooks/; stop with Ctrl-C)
#
# With a real JupyterLab installed (jupyter-lab on PATH) it runs that instead of the application in lab/, with the
# same kernel and extension.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
notebooks="$root/notebooks"
if [[ $# -gt 0 && $1 != -* ]]; then
  notebooks="$(cd "$1" && pwd)"
  shift
fi

bash "$root/lab/prepare.sh"

if command -v jupyter-lab >/dev/null; then
  export JUPYTER_PATH="$root/build/jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
  allow_root=()
  if [[ $(id -u) == 0 ]]; then allow_root=(--allow-root); fi
  printf 'lab: starting JupyterLab (%s) on %s\n' "$(command -v jupyter-lab)" "$notebooks" >&2
  exec jupyter-lab --ip=127.0.0.1 --no-browser --ServerApp.root_dir="$notebooks" "${allow_root[@]}" "$@"
fi
printf 'lab: starting lab/serve.py on %s\n' "$notebooks" >&2
exec /usr/bin/python3 "$root/lab/serve.py" "$notebooks" "$@"
