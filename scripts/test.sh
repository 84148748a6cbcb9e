#!/usr/bin/env bash
# The whole test suite from a fresh clone: system packages (where root), a venv, lint, types, tests.
# pytest runs twice: on SQLite (with the PostgreSQL-only tests), then the database tests
# (tests/integration) again on PostgreSQL, on a private server that is stopped at the end.
# Arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh test
# A real printer for the printing tests (DESIGN.md): start CUPS and add the cups-pdf queue "PDF",
# where both are installed and we are root. Never fails the run: without it those tests skip.
ppd=/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd
if [ "$(id -u)" = 0 ] && command -v cupsd >/dev/null 2>&1 && [ -f "$ppd" ]; then
  lpstat -r 2>/dev/null | grep -q "is running" || cupsd >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    lpstat -r 2>/dev/null | grep -q "is running" && break
    sleep 0.5
  done
  lpstat -p PDF >/dev/null 2>&1 \
    || lpadmin -p PDF -v cups-pdf:/ -E -P "$ppd" >/dev/null 2>&1 \
    || echo "note: could not add the PDF printer queue; the real-printer test skips" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

# A private PostgreSQL cluster in a temporary folder (unless MILD_DESK_TEST_PG_URL names a server).
pgdir=""
stop_pg() { if [ -n "$pgdir" ]; then bash scripts/pg.sh stop "$pgdir" || true; fi; }
trap stop_pg EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -z "${MILD_DESK_TEST_PG_URL:-}" ]; then
  if pgdir=$(bash scripts/pg.sh start); then
    MILD_DESK_TEST_PG_URL=$(cat "$pgdir/url")
    export MILD_DESK_TEST_PG_URL
  else
    pgdir=""
    echo "note: no PostgreSQL server could be started; its tests skip (under CI they fail)" >&2
  fi
fi

status=0
echo "== pytest on SQLite (and the PostgreSQL-only tests)"
.venv/bin/pytest "$@" || status=$?
if [ -n "${MILD_DESK_TEST_PG_URL:-}" ] || [ "${CI:-}" = true ]; then
  echo "== pytest: the database tests again on PostgreSQL"
  # tests/integration, unless the arguments name tests themselves.
  where=(tests/integration)
  for arg in "$@"; do
    case $arg in -*) ;; *) [ ! -e "${arg%%::*}" ] || where=() ;; esac
  done
  # Exit 5 (nothing selected): the arguments named no database test.
  .venv/bin/pytest --db-backend=postgresql "${where[@]}" "$@" || { rc=$?; [ "$rc" = 5 ] || status=$rc; }
fi
exit "$status"
