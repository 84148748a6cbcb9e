"""Builds benchmark clinics fast: the schema through the app, the bulk rows with SQL inserts.

Rows are valid for the app (on the slot grid, no overlapping active appointments), but they
skip the services so that tens of thousands of appointments take seconds, not an hour.
"""

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from mild_desk.db import Database
from mild_desk.models.search import search_key
from mild_desk.models.tables import Appointment, ImagingStudy, Patient
from mild_desk.services import availability, clinic, users
from mild_desk.services.base import Actor

PASSWORD = "bench-password"
TZ = ZoneInfo("America/New_York")
# Three providers and two rooms; providers 1 and 3 share room 1 on different weekdays.
TEMPLATES = (
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", 1, 1),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 2, 2),
    ("FREQ=WEEKLY;BYDAY=TU,TH", 3, 1),
)


def build(
    path: Path,
    *,
    patients: int,
    appointments: int,
    start: date,
    days: int,
    now: datetime,
    seed: int = 1,
    future_free: float = 0.3,
) -> tuple[Database, dict[str, Actor]]:
    """A clinic with `patients` patients and `appointments` appointments in [start, start+days):
    past ones fulfilled (a few cancelled), future ones booked.

    When `appointments` is more than the slot grid holds (two rooms cannot hold 50,000
    non-overlapping cases), the grid is filled instead (every past slot fulfilled, future slots
    booked except a `future_free` share left open for the slot finder) and the rest are
    cancelled or no-show history on the same slots, which block nothing."""
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    users.add_user(db, None, username="admin", role="admin", password=PASSWORD, now=now)
    admin = users.login(db, "admin", PASSWORD, now=now)
    actors = {"admin": admin}
    for name, role in (("sched", "scheduler"), ("nurse", "nurse"), ("doc", "provider")):
        users.add_user(db, admin, username=name, role=role, password=PASSWORD, now=now)
        actors[name] = users.login(db, name, PASSWORD, now=now)
    clinic.set_clinic(db, admin, name="Bench Clinic", timezone=TZ.key, now=now)
    for i in range(3):
        clinic.add_provider(db, admin, name=f"Dr. Bench {i + 1}", now=now)
    for i in range(2):
        clinic.add_room(db, admin, name=f"Room {i + 1}", now=now)
    for rule, provider, room in TEMPLATES:
        availability.add_template(
            db,
            admin,
            provider_id=provider,
            room_id=room,
            rrule=rule,
            start="07:00",
            end="19:00",
            valid_from=start - timedelta(days=7),
            now=now,
        )
    rng = random.Random(seed)
    _patients(db, patients, now, rng)
    _appointments(db, appointments, patients, start, days, now, rng, future_free)
    return db, actors


def _patients(db: Database, count: int, now: datetime, rng: random.Random) -> None:
    firsts = ["Ana", "Ben", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hana", "Ivan", "Júlia"]
    lasts = ["Smith", "García", "Nguyễn", "Kowalski", "O'Brien", "Yamada", "Haddad", "Lee"]
    rows = [
        {
            "mrn": f"B{i:07d}",
            "first_name": rng.choice(firsts),
            "last_name": rng.choice(lasts) + (f"-{i % 997}" if i % 3 else ""),
            "dob": date(1930 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29)),
            "phone": "555-0100",
            "preferred_language": "en",
            "referring_physician": "",
            "allergies": "",
            "diabetic": False,
            "pregnancy_possible": False,
            "created_at": now,
            "version": 1,
        }
        for i in range(count)
    ]
    for row in rows:  # bulk inserts skip the ORM event that fills these
        row["search_last"] = search_key(str(row["last_name"]))
        row["search_first"] = search_key(str(row["first_name"]))
    # Every patient has a recent MRI (3.1 mm ligamentum flavum), so a booking is a real,
    # confirmed booking with the prep checks of one, not only a pending hold.
    studies = [
        {
            "patient_id": i + 1,
            "modality": "MRI",
            "study_date": now.date() - timedelta(days=30 + i % 60),
            "lf_mm": 3.1,
            "levels": "L4-L5",
            "note": "",
            "created_at": now,
        }
        for i in range(count)
    ]
    with db.write() as tx:
        for i in range(0, len(rows), 5000):
            tx.session.execute(insert(Patient), rows[i : i + 5000])
            tx.session.execute(insert(ImagingStudy), studies[i : i + 5000])
        tx.commit()


def _appointments(
    db: Database,
    count: int,
    patients: int,
    start: date,
    days: int,
    now: datetime,
    rng: random.Random,
    future_free: float = 0.3,
) -> None:
    with db.read() as tx:
        prof = clinic.profile_in(tx.session)
        grid = availability.grid(tx.session, start, start + timedelta(days=days - 1), TZ, prof)
    overflow = count > len(grid)
    if overflow:  # fill the grid (leaving some future slots open); the rest is history below
        every = round(1 / future_free) if future_free > 0 else 0
        picked = [i for i, s in enumerate(grid) if s.start < now or not every or i % every != 0]
    else:
        picked = sorted(rng.sample(range(len(grid)), count))
    rows = []
    turnover = timedelta(minutes=prof.turnover_minutes)

    def row(patient: int, slot: Any, status: str) -> dict[str, Any]:
        cancelled = status == "cancelled"
        return {
            "patient_id": patient,
            "provider_id": slot.provider_id,
            "room_id": slot.room_id,
            "start": slot.start,
            "end": slot.end,
            "block_end": slot.end + turnover,
            "status": status,
            "levels": "L4-L5",
            "cancelled_by": "patient" if cancelled else None,
            "cancel_reason": "bench history" if cancelled else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }

    for n, index in enumerate(picked):
        slot = grid[index]
        status = "fulfilled" if slot.start < now else "booked"
        if status == "fulfilled" and n % 20 == 0 and not overflow:
            status = "cancelled"
        rows.append(row(1 + (n * 7919) % patients, slot, status))
    for n in range(count - len(rows)):  # history: inactive rows never block a slot
        slot = grid[rng.randrange(len(grid))]
        status = "noshow" if n % 4 == 0 and slot.start < now else "cancelled"
        rows.append(row(1 + rng.randrange(patients), slot, status))
    with db.write() as tx:
        for i in range(0, len(rows), 5000):
            tx.session.execute(insert(Appointment), rows[i : i + 5000])
        tx.commit()


def utc(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
