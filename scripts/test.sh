#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages (where root), a venv, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh test
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
