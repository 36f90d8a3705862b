#!/usr/bin/env bash
# Run every test: lint, the pre-render gate, unit + integration tests, golden notebooks (nbval).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH" QUARTO_PYTHON="$PWD/.venv/bin/python"
echo "==> ruff"
ruff check src tests benchmarks
echo "==> panache lint"
panache lint --no-cache .
echo "==> data: fetch and verify every pinned source"
xpo1review data fetch
xpo1review data verify
echo "==> xpo1review check"
xpo1review check
echo "==> pytest (unit, integration, golden notebooks with nbval, render checks)"
pytest --nbval "$@"
