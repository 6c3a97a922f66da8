#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its extras from pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-dev}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[${EXTRAS}]"
