#!/usr/bin/env bash
# Set up and run the main job: train and evaluate on the committed annotations.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh ""
.venv/bin/python train.py configs/base.cfg "$@"
