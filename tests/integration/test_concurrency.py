"""Real OS processes racing for the same slots on one database: one winner per slot, every
loser refused cleanly (exit 1, "slot taken"), never a crash or "database is locked"."""

import itertools
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mild_desk.models.enums import AppointmentStatus, Role
from mild_desk.services import appointments
from tests.conftest import PASSWORD, Clinic
from tests.integration.conftest import NY, build_schedule

ROOT = Path(__file__).resolve().parents[2]
SLOTS_PER_DAY = 8  # 08:00-18:00 with 60 + 15 minute steps


def race(c: Clinic, *, processes: int, slots: int) -> list[dict[str, object]]:
    """`processes` workers, each booking its own patient into the same `slots` slots of one
    provider. Returns every attempt's outcome."""
    now = datetime.now(NY)
    today = now.date()
    first = today + timedelta(days=7 - today.weekday() + 7)  # a Monday 8-14 days ahead
    sched = build_schedule(
        c, patients_count=processes, rrule="FREQ=DAILY", start="08:00", end="18:00", now=now
    )
    starts = [
        datetime.combine(first + timedelta(days=k // SLOTS_PER_DAY), datetime.min.time())
        + timedelta(hours=8, minutes=75 * (k % SLOTS_PER_DAY))
        for k in range(slots)
    ]
    env = {**os.environ, "MILD_DESK_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.book_worker",
                c.url,
                str(sched.providers[0]),
                mrn,
                *[s.isoformat(timespec="minutes") for s in starts],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for mrn in sched.mrns
    ]
    results: list[dict[str, object]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=900)
        assert worker.returncode == 0, err
        results += [json.loads(line) for line in out.splitlines()]
    return results


def assert_one_winner_per_slot(
    c: Clinic, results: list[dict[str, object]], *, processes: int, slots: int
) -> None:
    assert len(results) == processes * slots
    wins = [r for r in results if r["code"] == 0]
    losses = [r for r in results if r["code"] != 0]
    assert len({r["start"] for r in wins}) == len(wins) == slots
    for loss in losses:
        assert loss["code"] == 1, loss
        assert str(loss["stderr"]).startswith("mild-desk: start: slot taken"), loss
    days = sorted({str(r["start"])[:10] for r in wins})
    booked = [a for d in days for a in appointments.on_date(c.db, c.actor(Role.SCHEDULER), d)]
    assert len(booked) == slots
    assert all(a.status is AppointmentStatus.BOOKED for a in booked)
    ordered = sorted(booked, key=lambda a: a.start)
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end <= later.start  # one provider, one room: no overlap at all


@pytest.mark.slow
def test_four_processes_race_for_forty_slots_on_sqlite(clinic_db: Clinic) -> None:
    results = race(clinic_db, processes=4, slots=40)
    assert_one_winner_per_slot(clinic_db, results, processes=4, slots=40)
