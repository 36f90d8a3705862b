#!/usr/bin/env bash
# Build the book: environment, doctor, data, checks, chapters executed, quarto render.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH" QUARTO_PYTHON="$PWD/.venv/bin/python"
exec reviewbuild build "$@"
