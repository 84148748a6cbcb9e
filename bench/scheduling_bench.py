"""Issue 3 benchmark: with 5,000 booked appointments, the first 10 free slots over the next 180
days for one patient, and one booking (check + insert + audit + commit), both on SQLite.

Run: .venv/bin/python bench/scheduling_bench.py [--quick]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clinic_db import TZ, build
from mild_desk.services import appointments, prep


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny database, one run each")
    args = parser.parse_args()
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    today = now.date()
    booked = 50 if args.quick else 5000
    with tempfile.TemporaryDirectory() as tmp:
        db, actors = build(
            Path(tmp) / "bench.sqlite3",
            patients=2000,
            appointments=booked,
            start=today + timedelta(days=1),
            days=400,
            now=now,
        )
        sched = actors["sched"]
        runs = 1 if args.quick else 50
        finder = []
        for i in range(runs):
            mrn = f"B{(i * 37) % 2000:07d}"
            t0 = time.perf_counter()
            found = prep.feasible_slots(
                db,
                sched,
                mrn=mrn,
                date_from=today,
                date_to=today + timedelta(days=180),
                limit=10,
                now=now,
            )
            finder.append((time.perf_counter() - t0) * 1000)
            assert len(found) == 10
        free = prep.feasible_slots(
            db, sched, mrn="B0000001", date_from=today, date_to=today + timedelta(days=180), now=now
        )
        booking = []
        for i, slot in enumerate(free[: 1 if args.quick else 100]):
            t0 = time.perf_counter()
            appointments.book(
                db,
                sched,
                mrn=f"B{1000 + i:07d}",
                start=slot.start,
                provider_id=slot.provider_id,
                pending=False,
                now=now,
            )
            booking.append((time.perf_counter() - t0) * 1000)
    report("first 10 feasible slots, 180 days", finder, 20.0)
    report("book one appointment", booking, 5.0)
    return 0


def report(what: str, samples: list[float], target_ms: float) -> None:
    median = statistics.median(samples)
    p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
    verdict = "ok" if median <= target_ms else "MISSED"
    print(
        f"{what:<38} median {median:7.2f} ms  p95 {p95:7.2f} ms  target {target_ms} ms  "
        f"{verdict}  (n={len(samples)})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
