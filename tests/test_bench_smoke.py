"""The benchmark suite (bench/run.py) must not rot: run it once on tiny databases and check
that it completes and reports every row. Timings are not asserted (--no-fail)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("1.", "2.", "3.", "4.", "5.", "6a.", "6b.", "7.")


def test_bench_quick_run_reports_every_row(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-fail", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = out.read_text()
    table = [line for line in report.splitlines() if line.startswith("| ")][1:]
    assert [line.split(" | ")[0][2:].split(" ")[0] for line in table] == list(ROWS)
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[6] in {"ok", "MISSED"}, line
    assert "CPU:" in report
    assert "Python" in report
