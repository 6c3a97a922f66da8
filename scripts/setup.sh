#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its extras from pyproject.toml
# (default: dev; "" installs the project alone).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1-dev}"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${EXTRAS:+[${EXTRAS}]}"
# The browser tests (tests/test_report.py) drive Debian's headless Chromium; a CJK font lets it draw Chinese.
if [[ ",${EXTRAS}," == *",dev,"* ]] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing the Debian packages chromium, chromium-driver and fonts-wqy-microhei (browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
  else
    echo "chromium and chromedriver are missing (install the Debian packages chromium and chromium-driver as root):"\
         "the browser tests will be skipped"
  fi
fi
