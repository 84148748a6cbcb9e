"""Crash safety: a process booking, ticking and cancelling is killed (SIGKILL) at random moments;
after every kill the database is intact, everything the process reported done is there, and
nothing is half-written."""

import os
import random
import sys
import time
from datetime import datetime, timedelta

import pytest

from tests.conftest import Clinic
from tests.integration.conftest import NY, build_schedule
from tests.integration.crash_worker import Worker, check_database, check_reported

KILLS = 24


@pytest.mark.slow
@pytest.mark.sqlite_only("kills a process writing an SQLite file")
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_moments_loses_nothing_and_leaves_nothing_half_written(
    clinic_db: Clinic,
) -> None:
    now = datetime.now(NY)
    sched = build_schedule(
        clinic_db, patients_count=1, rrule="FREQ=DAILY", start="08:00", end="18:00", now=now
    )
    first_day = now.date() + timedelta(days=10)
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    reported: list[dict[str, object]] = []
    mid_action = 0
    began = time.monotonic()
    for kill in range(KILLS):
        worker = Worker(clinic_db.url, sched.providers[0], sched.mrns[0], first_day, seed + kill)
        worker.wait_for(1)  # started and working: from here on every moment is fair game
        time.sleep(rng.uniform(0, 0.3))
        worker.kill()
        mid_action += worker.killed_mid_action
        reported += worker.done
        context = f"seed {seed}, kill {kill + 1}"
        try:
            checked = check_database(clinic_db.path)
            check_reported(clinic_db.path, reported)
        except AssertionError as exc:
            raise AssertionError(f"{context}: {exc}") from exc
    elapsed = time.monotonic() - began
    ops = {op: sum(1 for a in reported if a["op"] == op) for op in ("book", "tick", "cancel")}
    print(
        f"\ncrash safety: {KILLS} SIGKILLs survived ({mid_action} inside an action), "
        f"{len(reported)} reported actions verified ({ops}), {checked.appointments} "
        f"appointments, {checked.checklist_events} checklist events, "
        f"{checked.audit_events} audit events verified, {elapsed:.1f} s (seed {seed})"
    )
    assert len(reported) >= KILLS  # at least one action per life
    assert ops["tick"] > 0
    assert ops["cancel"] > 0
