#!/usr/bin/env bash
# Create .venv (if needed) and install the project with its test tools and Jupyter kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.xpo1review-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing xpo1review and its dependencies into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet --progress-bar off -e ".[test]"
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (xpo1review)" >/dev/null
  touch "$stamp"
fi
# Offline machines and CI use a local mirror of the data files (see data/README.md).
if [ -z "${XPO1REVIEW_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export XPO1REVIEW_MIRROR
  XPO1REVIEW_MIRROR="$(cd ../shared/data && pwd)"
  echo "==> using the local data mirror XPO1REVIEW_MIRROR=$XPO1REVIEW_MIRROR"
fi
