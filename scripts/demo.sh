#!/usr/bin/env bash
# Install mild-desk into .venv, create the demo clinic (once) and launch the app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh app
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check .
db=demo-clinic.sqlite3
[ -f "$db" ] || .venv/bin/mild-desk --db "$db" demo
echo "Sign in as admin, sam (scheduler), nina (nurse) or drpatel (provider);"
echo "each password is the user name followed by -demo-2026 (e.g. sam-demo-2026)."
exec .venv/bin/mild-desk --db "$db"
