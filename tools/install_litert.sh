#!/usr/bin/env bash
# Optional: a separate Python environment for the LiteRT (TFLite) export (docs/deploy.md, "LiteRT").
#
#   bash tools/install_litert.sh               # makes .venv-litert in the repository
#   bash tools/install_litert.sh /path/to/venv
#   /path/to/venv/bin/python tools/deploy.py configs/deploy/vos_litert_static-480x854.py CONFIG CKPT --work-dir DIR
#
# litert-torch pulls in jax, transformers, torchao and the LiteRT converter and runtime, and pins
# pydantic/typing-extensions versions that other packages may conflict with; it is kept out of the main
# environment (tools/install.sh never installs it). The venv is made with --system-site-packages from
# the main environment's Python, so it sees that environment's torch (2.13), mmcv, mmseg and mobilevos
# and adds only the LiteRT packages on top (litert-torch accepts torch >= 2.4, < 2.15: pip keeps ours).
#
# Environment variables:
#   PYTHON   the main environment's interpreter (default: python, else python3)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO_ROOT/.venv-litert}"
die() { printf '\n\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

if [[ -z "${PYTHON:-}" ]]; then
  if command -v python >/dev/null 2>&1; then PYTHON=python; else PYTHON=python3; fi
fi
"$PYTHON" -c 'import torch, mobilevos' 2>/dev/null \
  || die "$PYTHON cannot import torch and mobilevos: run tools/install.sh first (or set PYTHON to its interpreter)."

# The versions the export was checked with (docs/deploy.md, "LiteRT"); newer ones may work.
PACKAGES=(litert-torch==0.10.0 ai-edge-litert==2.3.0 litert-converter==0.5.0 torchao==0.18.0)

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "making $VENV (--system-site-packages from $("$PYTHON" -c 'import sys; print(sys.executable)'))"
  "$PYTHON" -m venv --system-site-packages "$VENV"
fi
"$VENV/bin/python" -m pip install --disable-pip-version-check "${PACKAGES[@]}"

torch_main="$("$PYTHON" -c 'import torch; print(torch.__version__)')"
torch_venv="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
[[ "$torch_main" == "$torch_venv" ]] \
  || die "the venv's torch is $torch_venv, the main environment's $torch_main: pip replaced it; remove $VENV"
"$VENV/bin/python" -c 'import litert_torch, mobilevos; from ai_edge_litert.interpreter import Interpreter' \
  || die "litert-torch does not import in $VENV"
echo "LiteRT environment ready: $VENV/bin/python (torch $torch_venv)"
