"""A separate OS process that books, ticks checklist items and cancels in a loop through the
services, for the crash-safety and backup tests; and the checks those tests make afterwards.

    python -m tests.integration.crash_worker DB_URL PROVIDER_ID MRN FIRST_DAY SEED

Prints one JSON line per action, flushed: {"op": "begin", ...} before it and, only after its
transaction has committed, {"op": "book" | "tick" | "cancel", ...}. A process killed between the
two was killed inside that action. Each tick carries a unique note, so it can be found again.
"""

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from mild_desk.db import Database
from mild_desk.models.enums import ACTIVE_STATUSES
from mild_desk.models.tables import User
from mild_desk.models.types import UserId
from mild_desk.services import appointments, audit, prep
from mild_desk.services.base import Actor

ROOT = Path(__file__).resolve().parents[2]
SLOTS_PER_DAY = 8  # a 08:00-18:00 daily template: 60-minute cases + 15 minutes turnover
DAYS = 3
ITEMS = ("identity", "consent", "allergies")  # nurse items that need no other facts


def run(url: str, provider: int, mrn: str, first_day: date, seed: int) -> None:
    db = Database.open(url)
    scheduler, nurse = _actor(db, "sam"), _actor(db, "nina")
    rng = random.Random(seed)
    tz = ZoneInfo("America/New_York")
    starts = [
        datetime.combine(first_day + timedelta(days=d), time(8), tzinfo=tz)
        + timedelta(minutes=75 * k)
        for d in range(DAYS)
        for k in range(SLOTS_PER_DAY)
    ]
    # A previous run may have been killed while its appointment was active: free the patient.
    for day in range(DAYS):
        for appt in appointments.on_date(db, scheduler, first_day + timedelta(days=day)):
            if appt.patient_mrn == mrn and appt.status in ACTIVE_STATUSES:
                _cancel(db, scheduler, appt.id, rng)
    while True:
        start = rng.choice(starts)
        _emit({"op": "begin", "action": "book", "start": start.isoformat()})
        appt = appointments.book(db, scheduler, mrn=mrn, start=start, provider_id=provider)
        _emit({"op": "book", "appointment": appt.id})
        for item in rng.sample(ITEMS, rng.randint(1, len(ITEMS))):
            note = f"tick {seed}-{rng.getrandbits(48):012x}"
            _emit({"op": "begin", "action": "tick", "appointment": appt.id})
            prep.tick(db, nurse, appt.id, item=item, state="confirmed", note=note)
            _emit({"op": "tick", "appointment": appt.id, "item": item, "note": note})
        _cancel(db, scheduler, appt.id, rng)


class Worker:
    """The test's handle on one worker process: its reported lines, collected as they come."""

    def __init__(self, url: str, provider: int, mrn: str, first_day: date, seed: int) -> None:
        self.lines: list[dict[str, Any]] = []
        self._acted = threading.Condition()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.crash_worker",
                url,
                str(provider),
                mrn,
                first_day.isoformat(),
                str(seed),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def done(self) -> list[dict[str, Any]]:
        """The actions reported as committed."""
        return [line for line in self.lines if line["op"] != "begin"]

    @property
    def killed_mid_action(self) -> bool:
        """The last line announced an action whose commit was never reported."""
        return bool(self.lines) and self.lines[-1]["op"] == "begin"

    def wait_for(self, actions: int, timeout: float = 30) -> None:
        """Until the worker has reported `actions` committed actions (or died)."""
        with self._acted:
            self._acted.wait_for(
                lambda: len(self.done) >= actions or not self._reader.is_alive(), timeout
            )
        if len(self.done) < actions:
            stderr = self._stop()
            raise AssertionError(f"the worker did not act: {stderr[-2000:]}")

    def kill(self) -> None:
        """SIGKILL, then collect every line written before it."""
        stderr = self._stop()
        assert self.proc.returncode == -9, f"the worker died by itself: {stderr[-2000:]}"

    def _stop(self) -> str:
        self.proc.kill()
        self.proc.wait()
        self._reader.join()
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return stderr

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            if not raw.endswith("\n"):
                break  # a line cut off by the kill: not reported
            with self._acted:
                self.lines.append(json.loads(raw))
                self._acted.notify_all()
        with self._acted:
            self._acted.notify_all()


@dataclass(frozen=True)
class Checked:
    appointments: int
    checklist_events: int
    audit_events: int


def check_database(path: Path) -> Checked:
    """What must hold after any crash, and in any backup: the file is intact, and no appointment,
    checklist event or audit event exists without the others its transaction wrote."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        events = conn.execute(
            "SELECT action, entity_id, after FROM audit_event WHERE entity = 'appointment'"
        ).fetchall()
        booked = Counter(int(e[1]) for e in events if e[0] == "appointment.book")
        cancelled = Counter(
            int(e[1]) for e in events if e[0] in ("appointment.cancelled", "appointment.cancel")
        )
        rows = dict(conn.execute("SELECT id, status FROM appointment").fetchall())
        # Every appointment has exactly one booking event, and every booking event its row.
        assert booked == Counter(list(rows)), "appointment rows and booking events differ"
        assert cancelled == Counter(i for i, s in rows.items() if s == "cancelled"), (
            "cancelled appointments and cancel events differ"
        )
        ticks = Counter(
            (int(e[1]), after["item"], after["state"], after["note"])
            for e in events
            if e[0] == "checklist.tick"
            for after in [json.loads(e[2])]
        )
        stored = Counter(
            (r[0], r[1], r[2], r[3])
            for r in conn.execute(
                "SELECT appointment_id, item_key, state, note FROM checklist_event"
            )
        )
        assert ticks == stored, "checklist events and their audit events differ"
        seq, count, top = conn.execute(
            "SELECT (SELECT seq FROM audit_head WHERE id = 1), count(*), max(id) FROM audit_event"
        ).fetchone()
        assert seq == count == top, f"audit head {seq}, {count} events, last {top}"
    finally:
        conn.close()
    db = Database.open(f"sqlite:///{path}")
    try:
        result = audit.verify(db)
    finally:
        db.dispose()
    assert result.ok, result.problem
    return Checked(len(rows), sum(stored.values()), result.events)


def check_reported(path: Path, done: list[dict[str, Any]]) -> None:
    """Every action the worker reported as committed is in the database."""
    conn = sqlite3.connect(path)
    try:
        status = dict(conn.execute("SELECT id, status FROM appointment").fetchall())
        ticks = {
            (r[0], r[1], r[2])
            for r in conn.execute("SELECT appointment_id, item_key, note FROM checklist_event")
        }
    finally:
        conn.close()
    for action in done:
        if action["op"] == "book":
            assert action["appointment"] in status, action
        elif action["op"] == "tick":
            assert (action["appointment"], action["item"], action["note"]) in ticks, action
        elif action["op"] == "cancel":
            assert status.get(action["appointment"]) == "cancelled", action


def tables(path: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's column names and rows (in id order), read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {}
        for name in names:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            found[name] = (columns, rows)
        return found
    finally:
        conn.close()


def _cancel(db: Database, actor: Actor, appointment_id: int, rng: random.Random) -> None:
    _emit({"op": "begin", "action": "cancel", "appointment": appointment_id})
    appointments.cancel(
        db, actor, appointment_id, by="clinic", reason=f"crash test {rng.getrandbits(32)}"
    )
    _emit({"op": "cancel", "appointment": appointment_id})


def _actor(db: Database, username: str) -> Actor:
    """The account as a signed-in actor (the test accounts' password check is not the point)."""
    with db.read() as tx:
        user = tx.session.exec(select(User).where(User.username == username)).one()
    assert user.id is not None
    return Actor(UserId(user.id), user.username, user.role, user.full_name)


def _emit(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    run(
        sys.argv[1],
        int(sys.argv[2]),
        sys.argv[3],
        date.fromisoformat(sys.argv[4]),
        int(sys.argv[5]),
    )
