#!/usr/bin/env bash
# Install the locked environment into .venv: every package at the version and hash in uv.lock
# (`uv sync --frozen`, never newer), the test tools, and the Jupyter kernel. Sourced by
# scripts/build.sh and scripts/test.sh; `bash scripts/bootstrap.sh` runs it alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV_VERSION=0.13.9   # installed when no uv >= UV_MIN is on PATH
UV_MIN=0.13.0       # reads this uv.lock (see [tool.uv] required-version in pyproject.toml)
PYTHON=${PYTHON:-python3}
export UV_PROJECT_ENVIRONMENT="$PWD/.venv"

_uv_ok() {  # is $1 a uv at least UV_MIN?
  local v
  v=$("$1" --version 2>/dev/null | awk '{print $2}') || return 1
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$UV_MIN" "$v" | sort -V | head -n1)" = "$UV_MIN" ]
}

if command -v uv >/dev/null && _uv_ok uv; then
  UV=$(command -v uv)
elif _uv_ok .tools/uv/bin/uv; then
  UV=$PWD/.tools/uv/bin/uv
else
  echo "==> installing uv $UV_VERSION into .tools/uv (no uv >= $UV_MIN on PATH)"
  "$PYTHON" -m venv .tools/uv
  .tools/uv/bin/python -m pip install --quiet --progress-bar off "uv==$UV_VERSION"
  UV=$PWD/.tools/uv/bin/uv
fi
export UV

# Re-sync when uv.lock or pyproject.toml changed since the last install (the stamp holds
# their hashes, and the install's format: 2 = with compiled bytecode); otherwise
# `uv sync --frozen` only checks .venv against the lock (~0.1 s) and removes anything the
# lock does not list. The install compiles every module to bytecode: where
# PYTHONDONTWRITEBYTECODE=1 (containers, CI images) nothing else writes it, and every process
# (each test, each chapter's kernel) would compile every module it imports afresh.
if ! "$UV" lock --check --offline --quiet 2>/dev/null; then
  echo "bootstrap: uv.lock does not match pyproject.toml; re-lock with \`uv lock\`" \
    "(or bash scripts/upgrade.sh) and commit uv.lock" >&2
  exit 1
fi
stamp=.venv/.xpo1review-installed
want=$({ cat uv.lock pyproject.toml; echo "install format 2"; } | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$PYTHON" --version)"
  "$UV" venv --quiet --python "$PYTHON" .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing the locked environment into .venv (uv sync --frozen --extra test --compile-bytecode)"
  "$UV" sync --frozen --extra test --compile-bytecode
  echo "==> registering the Jupyter kernel python3 for .venv"
  .venv/bin/python -m ipykernel install --sys-prefix --name python3 \
    --display-name "Python 3 (xpo1review)" >/dev/null
  echo "$want" > "$stamp"
else
  "$UV" sync --frozen --extra test
fi
# The project's own packages are installed editable (src/): compile what changed since the
# last run (the same bytecode Python would otherwise compile, and discard, in every process).
# A file that does not compile is reported by ruff and the tests, not here.
.venv/bin/python -m compileall -qq src || true

# Offline machines and CI use a local mirror of the data files (see data/README.md).
if [ -z "${REVIEWBUILD_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export REVIEWBUILD_MIRROR
  REVIEWBUILD_MIRROR="$(cd ../shared/data && pwd)"
  echo "==> using the local data mirror REVIEWBUILD_MIRROR=$REVIEWBUILD_MIRROR"
fi
