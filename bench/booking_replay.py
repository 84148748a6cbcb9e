"""Where a booking's time goes (not a test; row 5 of bench/run.py is the target):

    .venv/bin/python bench/booking_replay.py [--runs 60]

Builds the big clinic, books `--runs` appointments with the service on one copy while recording
every SQL statement it sends with its parameters, then replays each booking's statements with
plain sqlite3 (BEGIN IMMEDIATE ... COMMIT, the app's PRAGMAs) on a second copy that starts from
the same state. The replay is the database's share of a booking; the rest is Python (the
service's rules, SQLAlchemy, the session). Row 5's floor (floors.book_raw) is timed too.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench import floors
from bench.clinic_db import TZ, build
from mild_desk.db import Database
from mild_desk.errors import Refused
from mild_desk.services import appointments, prep


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        service_copy, replay_copy = Path(tmp) / "service.sqlite3", Path(tmp) / "replay.sqlite3"
        db, actors = build(
            service_copy,
            patients=20_000,
            appointments=50_000,
            start=now.date() - timedelta(days=365),
            days=730,
            now=now,
        )
        sched = actors["sched"]
        free = prep.feasible_slots(
            db,
            sched,
            mrn="B0000000",
            date_from=now.date(),
            date_to=now.date() + timedelta(days=180),
            now=now,
        )
        db.dispose()
        shutil.copyfile(service_copy, replay_copy)  # the same state, before any booking
        db = Database.open(f"sqlite:///{service_copy}")
        sent: list[tuple[str, tuple[Any, ...]]] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
            sent.append((sql, tuple(params or ())))

        service: list[float] = []
        bookings: list[list[tuple[str, tuple[Any, ...]]]] = []
        patient = 0
        slots = iter(free)
        while len(service) < args.runs:
            slot = next(slots)
            patient += 1
            sent.clear()
            started = time.perf_counter()
            try:
                appointments.book(
                    db,
                    sched,
                    mrn=f"B{(patient * 211) % 20_000:07d}",
                    start=slot.start,
                    provider_id=slot.provider_id,
                    now=now,
                )
            except Refused:  # the patient is busy elsewhere then: not a booking
                continue
            service.append((time.perf_counter() - started) * 1000)
            bookings.append(list(sent))
        db.dispose()
        conn = floors.raw_connection(replay_copy)
        replay: list[float] = []
        for statements in bookings:
            started = time.perf_counter()
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
            conn.execute("COMMIT")
            replay.append((time.perf_counter() - started) * 1000)
        floor = floors.book_raw_samples(conn, slots, args.runs, first=patient, patients=20_000)
        conn.close()
    service_ms, replay_ms = statistics.median(service), statistics.median(replay)
    print(f"statements per booking: {len(bookings[0]) + 1} (BEGIN and COMMIT included)")
    print(f"service:                         median {service_ms:.2f} ms")
    print(f"its statements, plain sqlite3:   median {replay_ms:.2f} ms")
    print(f"row 5's floor (floors.book_raw): median {statistics.median(floor):.2f} ms")
    print(f"Python's share (service - replay): {service_ms - replay_ms:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
