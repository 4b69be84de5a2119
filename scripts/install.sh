#!/usr/bin/env bash
# Install sk-swat (editable) with the extras named on the command line, e.g. `bash scripts/install.sh test`.
# torch comes from a local CPU wheel when one is at hand (/opt/wheels or $TORCH_WHEEL_DIR), else from
# PyTorch's CPU index, unless a torch is already installed (a CUDA build is left as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if ! python -c "import torch" 2>/dev/null; then
    wheel=$(ls "${TORCH_WHEEL_DIR:-/opt/wheels}"/torch-*+cpu-*.whl 2>/dev/null | head -n 1 || true)
    if [ -n "$wheel" ]; then
        python -m pip install -q "$wheel"
    else
        python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
    fi
fi
python -m pip install -q -e ".${extras:+[$extras]}"
