"""A small clinic with a schedule: two providers, two rooms, daily templates, prepared patients."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mild_desk.models.enums import Role
from mild_desk.services import availability, clinic, patients, prep
from tests.conftest import Clinic

NY = ZoneInfo("America/New_York")
# The schedule tests' clock: Mon 7 Dec 2026, 09:00 in New York.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=NY)


def at(day: date, hhmm: str) -> datetime:
    """A clinic-local wall time as an aware datetime."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=NY)


@dataclass(frozen=True)
class Schedule:
    c: Clinic
    providers: tuple[int, int]
    rooms: tuple[int, int]
    mrns: tuple[str, ...]

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.c.db

    def actor(self, role: Role):  # type: ignore[no-untyped-def]
        return self.c.actor(role)


def build_schedule(
    c: Clinic,
    *,
    patients_count: int = 6,
    rrule: str = "FREQ=WEEKLY;BYDAY=TU,TH",
    start: str = "08:00",
    end: str = "12:00",
    now: datetime = NOW,
) -> Schedule:
    admin, nurse = c.actor(Role.ADMIN), c.actor(Role.NURSE)
    p1 = clinic.add_provider(c.db, admin, name="Dr. Ada Ortiz", now=now).id
    p2 = clinic.add_provider(c.db, admin, name="Dr. Ben Oyelaran", now=now).id
    r1 = clinic.add_room(c.db, admin, name="Room 1", now=now).id
    r2 = clinic.add_room(c.db, admin, name="Room 2", now=now).id
    for provider, room in ((p1, r1), (p2, r2)):
        availability.add_template(
            c.db,
            admin,
            provider_id=provider,
            room_id=room,
            rrule=rrule,
            start=start,
            end=end,
            valid_from=date(2026, 1, 1),
            now=now,
        )
    mrns = []
    for i in range(patients_count):
        mrn = f"S{i + 1:03d}"
        patients.add_patient(
            c.db,
            c.actor(Role.SCHEDULER),
            mrn=mrn,
            first=f"Pat{i}",
            last=f"Case{i}",
            dob="1950-05-05",
            now=now,
        )
        prep.add_imaging(
            c.db,
            nurse,
            mrn=mrn,
            modality="MRI",
            study_date=now.date() - timedelta(days=90),
            lf_mm=3.4,
            now=now,
        )
        mrns.append(mrn)
    return Schedule(c, (p1, p2), (r1, r2), tuple(mrns))


@pytest.fixture
def sched(clinic_db: Clinic) -> Schedule:
    return build_schedule(clinic_db)
