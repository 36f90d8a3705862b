#!/usr/bin/env bash
# Run every test: lint, the pre-render gate, unit + integration tests (each chapter executed
# once, its outputs compared with its golden notebook by nbval's comparison), render checks.
# The import contracts are checked once, by tests/unit/test_import_contracts.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH" QUARTO_PYTHON="$PWD/.venv/bin/python"
echo "==> ruff"
ruff check src tests benchmarks scripts
# The project's own gate first: it names a malformed file (e.g. `references.bib:19: unparsable
# BibTeX block`) in seconds, where a third-party linter may run away on the same input.
echo "==> reviewbuild check"
reviewbuild check
# Third-party linters run bounded (time, memory): a runaway is reported, not a dead machine.
echo "==> panache lint (at most ${REVIEWBUILD_LINT_SECONDS:-300} s, ${REVIEWBUILD_LINT_MB:-2048} MB)"
if ! scripts/bounded.sh "${REVIEWBUILD_LINT_SECONDS:-300}" "${REVIEWBUILD_LINT_MB:-2048}" \
    panache lint --no-cache .; then
  echo "panache lint failed (above). If it hit a limit although \`reviewbuild check\` is clean," \
       "re-run it on single files to find the input it chokes on; raise" \
       "REVIEWBUILD_LINT_SECONDS / REVIEWBUILD_LINT_MB only if it really needs more." >&2
  exit 1
fi
echo "==> data: fetch and verify every pinned source"
reviewbuild data fetch
reviewbuild data verify
echo "==> pytest (unit, integration, import contracts, chapters against their golden notebooks, render checks)"
# One worker per core (pytest-xdist); --dist loadscope keeps each test module on one worker,
# so a module's shared fixtures (each chapter's one execution, the drift book) exist once.
pytest -n "${REVIEWBUILD_TEST_WORKERS:-auto}" --dist loadscope "$@"
