"""Printing benchmark (not a test): one checklist PDF, and a 12-patient day packet.

    .venv/bin/python bench/print_bench.py [--runs 50]

Builds the demo clinic in a temporary folder, gathers the document data once (the database
part, timed separately), then times only the PDF making: warm (fonts registered, modules
imported), median of --runs. Targets from issue 6: checklist < 15 ms, day packet < 250 ms.
"""

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mild_desk.db import Database
from mild_desk.models.enums import AppointmentStatus
from mild_desk.printing import render
from mild_desk.services import appointments, clinic, demo, documents, users
from mild_desk.services.base import Actor
from mild_desk.services.documents import DayData, DocumentData

TARGET_CHECKLIST_MS = 15.0
TARGET_PACKET_MS = 250.0
PACKET_SIZE = 12


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per run (CPU time shows the cost on a busy machine)."""
    fn()  # warm: fonts, caches, imports
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def report(name: str, samples: tuple[list[float], list[float]], target: float) -> bool:
    wall, cpu = samples
    median = statistics.median(wall)
    p90 = statistics.quantiles(wall, n=10)[-1]
    ok = median < target
    verdict = "ok" if ok else "MISSED"
    print(
        f"{name:<32} median {median:6.1f} ms  p90 {p90:6.1f} ms  "
        f"(CPU median {statistics.median(cpu):6.1f} ms)  target < {target:.0f} ms: {verdict}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    one, packet, gather_ms = prepare()
    data = packet.documents
    pages = render.checklist_pdf(one).pages
    packet_pages = render.day_packet_pdf(packet).pages
    print(f"demo clinic: {len(data)} appointments; gathering their data took {gather_ms:.0f} ms")
    print(f"checklist: {pages} page(s); day packet: {packet_pages} pages")
    print(
        f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    ok = report(
        "checklist PDF", timed(lambda: render.checklist_pdf(one), args.runs), TARGET_CHECKLIST_MS
    )
    ok &= report(
        f"day packet PDF ({len(data)} patients)",
        timed(lambda: render.day_packet_pdf(packet), max(5, args.runs // 5)),
        TARGET_PACKET_MS,
    )
    return 0 if ok else 1


def prepare() -> tuple[DocumentData, DayData, float]:
    """The demo clinic's document data: one checklist, a PACKET_SIZE day packet, and how long
    gathering the data from the database took (ms)."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        clinic.initialise(db)
        demo.build(db)
        nurse = users.login(db, "nina", demo.password_for("nina"))
        rows = _appointments(db, nurse)
        start = time.perf_counter()
        data: list[DocumentData] = [documents.document_data(db, nurse, a) for a in rows]
        gather_ms = (time.perf_counter() - start) * 1000
        db.dispose()
    one = data[0]
    packet = DayData(one.clinic, one.appointment.start.date(), tuple(data), one.printed_at, "bench")
    return one, packet, gather_ms


def _appointments(db: Database, actor: Actor) -> list[int]:
    """The first PACKET_SIZE booked, arrived or fulfilled appointments of the demo clinic."""
    from datetime import timedelta

    from mild_desk.services.base import utcnow

    found: list[int] = []
    day = utcnow().date() - timedelta(days=20)
    for _ in range(60):
        for a in appointments.on_date(db, actor, day):
            if a.status in (AppointmentStatus.BOOKED, AppointmentStatus.FULFILLED):
                found.append(int(a.id))
        day += timedelta(days=1)
        if len(found) >= PACKET_SIZE:
            break
    return found[:PACKET_SIZE]


if __name__ == "__main__":
    raise SystemExit(main())
