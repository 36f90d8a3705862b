#!/usr/bin/env bash
# Upgrade every dependency: re-lock (uv lock --upgrade), regenerate environment.yml, install
# the new lock, re-execute the chapters against the golden notebooks and list the outputs
# that changed. Nothing golden is written: review the differences, then accept them.
#   bash scripts/upgrade.sh [PACKAGE...]   # all packages, or only the ones named
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH" QUARTO_PYTHON="$PWD/.venv/bin/python"

echo "==> re-locking: uv lock --upgrade${*:+ (only: $*)}"
if [ $# -gt 0 ]; then
  "$UV" lock $(printf -- '--upgrade-package %s ' "$@")
else
  "$UV" lock --upgrade
fi
if git diff --quiet -- uv.lock; then
  echo "==> uv.lock unchanged: every dependency is already at its newest allowed version"
  exit 0
fi
echo "==> writing environment.yml from the new lock"
python -m xpo1review.lock
echo "==> installing the new lock"
source scripts/bootstrap.sh
echo "==> pytest: the environment matches the new lock, environment.yml agrees with it"
pytest -q -p no:cacheprovider tests/unit/test_lock.py tests/unit/test_doctor.py
# The data-aware freeze does not record package versions: re-execute every chapter.
rm -rf _freeze
echo "==> re-executing every chapter and comparing with its golden notebook (pytest --nbval)"
log=$(mktemp)
if pytest --nbval -q -p no:cacheprovider tests/notebooks 2>&1 | tee "$log"; then
  echo "==> no golden output changed. Commit uv.lock and environment.yml."
else
  echo
  echo "==> golden outputs that changed with the new versions:"
  grep -E '^FAILED ' "$log" | sed 's/^FAILED /  /' || true
  echo "Review the differences above (nbval prints each changed cell). If they are right:"
  echo "  xpo1review notebooks accept --force     # re-execute and write the golden notebooks"
  echo "then commit uv.lock, environment.yml and tests/notebooks/. If not, revert with"
  echo "  git checkout uv.lock environment.yml && bash scripts/bootstrap.sh"
fi
rm -f "$log"
