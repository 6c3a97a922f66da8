#!/usr/bin/env bash
# Set up (with the Label Studio server for the integration tests) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "dev,studio"
.venv/bin/python -m pytest -ra "$@"
