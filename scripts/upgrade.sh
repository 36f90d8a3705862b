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
before=$(mktemp)
cp uv.lock "$before"
if [ $# -gt 0 ]; then
  "$UV" lock $(printf -- '--upgrade-package %s ' "$@")
else
  "$UV" lock --upgrade
fi
echo "==> package versions changed by the new lock:"
status=0
python -m reviewbuild.lock --changes "$before" | sed 's/^/  /' || status=$?
if [ "$status" -eq 3 ]; then
  echo "==> every dependency is already at its newest allowed version; nothing to re-execute"
  mv "$before" uv.lock   # keep the lock byte for byte (uv may reorder its header)
  exit 0
fi
rm -f "$before"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
echo "==> writing environment.yml from the new lock"
python -m reviewbuild.lock
echo "==> installing the new lock"
source scripts/bootstrap.sh
echo "==> pytest: the environment matches the new lock, environment.yml agrees with it"
pytest -q -p no:cacheprovider tests/unit/test_lock.py tests/unit/test_doctor.py
echo "==> re-executing every chapter and comparing with its golden notebook (pytest --nbval)"
log=$(mktemp)
if pytest --nbval -q -p no:cacheprovider tests/notebooks 2>&1 | tee "$log"; then
  echo "==> no golden output changed. Commit uv.lock and environment.yml."
else
  echo
  echo "==> golden outputs that changed with the new versions:"
  grep -E '^FAILED ' "$log" | sed 's/^FAILED /  /' || true
  echo "Review the differences above (nbval prints each changed cell). If they are right:"
  echo "  reviewbuild notebooks accept --force     # re-execute and write the golden notebooks"
  echo "then commit uv.lock, environment.yml and tests/notebooks/. If not, revert with"
  echo "  git checkout uv.lock environment.yml && bash scripts/bootstrap.sh"
fi
rm -f "$log"
