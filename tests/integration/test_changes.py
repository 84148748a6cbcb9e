"""Two workstations on one database: a change at one reaches the other's ChangeWatcher within
2 seconds, and a stale edit is refused naming who changed it and when (on either backend)."""

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from mild_desk.db import Database
from mild_desk.errors import Refused, StaleEdit
from mild_desk.models.enums import AppointmentStatus, Role
from mild_desk.services import appointments, patients, prep
from mild_desk.services.changes import ChangeWatcher
from tests.conftest import Clinic
from tests.integration.conftest import NOW, Schedule, at

TUE = date(2026, 12, 8)


@pytest.fixture
def other(clinic_db: Clinic) -> Iterator[Database]:
    """A second workstation: its own Database (engine, connections) on the same database."""
    db = Database.open(clinic_db.url)
    yield db
    db.dispose()


@pytest.fixture
def watcher(other: Database) -> Iterator[ChangeWatcher]:
    with ChangeWatcher(other) as w:
        yield w


def test_a_booking_is_seen_by_the_other_workstation_within_two_seconds(
    sched: Schedule, other: Database, watcher: ChangeWatcher
) -> None:
    assert not watcher.changed()
    started = time.monotonic()
    appt = appointments.book(
        sched.db, sched.actor(Role.SCHEDULER), mrn="S001", start=at(TUE, "08:00"), now=NOW
    )
    assert watcher.wait(2.0)
    assert time.monotonic() - started < 2.0
    seen = appointments.on_date(other, sched.actor(Role.SCHEDULER), TUE)
    assert [a.id for a in seen] == [appt.id]
    assert not watcher.changed()  # each change is reported once


def test_every_committed_change_is_seen_and_nothing_else(
    sched: Schedule, watcher: ChangeWatcher
) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    appt = appointments.book(sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), now=NOW)
    assert watcher.wait(2.0)
    # Reading changes nothing; neither does a refused change (its transaction rolls back).
    appointments.on_date(sched.db, scheduler, TUE)
    with pytest.raises(StaleEdit):
        appointments.cancel(
            sched.db, scheduler, appt.id, by="clinic", reason="x", expected_version=99, now=NOW
        )
    assert not watcher.wait(0.5)
    patients.add_patient(sched.db, scheduler, mrn="N1", first="Ann", last="Lee", dob="1950-01-01")
    assert watcher.wait(2.0)


def test_a_stale_edit_from_another_workstation_is_refused(sched: Schedule, other: Database) -> None:
    scheduler, nurse = sched.actor(Role.SCHEDULER), sched.actor(Role.NURSE)
    appt = appointments.book(sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), now=NOW)
    opened_here = appointments.get(sched.db, scheduler, appt.id)
    opened_there = appointments.get(other, nurse, appt.id)
    assert opened_here.version == opened_there.version
    arrived = appointments.check_in(
        other, nurse, appt.id, expected_version=opened_there.version, now=NOW
    )
    assert arrived.version == opened_here.version + 1
    with pytest.raises(StaleEdit) as refused:
        appointments.cancel(
            sched.db,
            scheduler,
            appt.id,
            by="patient",
            reason="feels better",
            expected_version=opened_here.version,
            now=NOW,
        )
    assert refused.value.message == "changed by nina at Mon 7 Dec 2026 09:00 — reload"
    assert appointments.get(sched.db, scheduler, appt.id).status is AppointmentStatus.ARRIVED


def test_completing_an_appointment_changed_since_it_was_read_is_refused(
    sched: Schedule, other: Database
) -> None:
    scheduler, nurse = sched.actor(Role.SCHEDULER), sched.actor(Role.NURSE)
    provider = sched.actor(Role.PROVIDER)
    appt = appointments.book(sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), now=NOW)
    opened = appointments.check_in(sched.db, nurse, appt.id, now=NOW)  # what the provider sees
    later = NOW + timedelta(minutes=5)
    appointments.cancel(
        other,
        scheduler,
        appt.id,
        by="patient",
        reason="went home",
        expected_version=opened.version,
        now=later,
    )
    with pytest.raises(StaleEdit) as refused:
        prep.complete(sched.db, provider, appt.id, expected_version=opened.version, now=later)
    assert refused.value.message == "changed by sam at Mon 7 Dec 2026 09:05 — reload"
    assert refused.value.field == "appointment"
    assert appointments.get(sched.db, scheduler, appt.id).status is AppointmentStatus.CANCELLED


def test_completing_at_the_current_version_passes_the_version_check(sched: Schedule) -> None:
    """The check is only on the version: a current one goes on to the readiness rules."""
    scheduler, nurse = sched.actor(Role.SCHEDULER), sched.actor(Role.NURSE)
    appt = appointments.book(sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), now=NOW)
    arrived = appointments.check_in(sched.db, nurse, appt.id, now=NOW)
    with pytest.raises(Refused) as refused:
        prep.complete(
            sched.db,
            sched.actor(Role.PROVIDER),
            appt.id,
            expected_version=arrived.version,
            now=NOW,
        )
    assert not isinstance(refused.value, StaleEdit)
    assert refused.value.field == "readiness"


def test_an_edit_racing_an_uncommitted_one_waits_and_is_refused(
    sched: Schedule, other: Database
) -> None:
    """The version check cannot pass on a version that another transaction is about to
    replace: the second writer waits for the first and then sees its version."""
    scheduler = sched.actor(Role.SCHEDULER)
    appt = appointments.book(sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), now=NOW)
    outcome: list[BaseException | None] = []

    def second_writer() -> None:
        try:
            appointments.cancel(
                sched.db,
                scheduler,
                appt.id,
                by="clinic",
                reason="room closed",
                expected_version=appt.version,
                now=NOW,
            )
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    with other.write() as tx:
        tx.session.execute(
            text("UPDATE appointment SET version = version + 1 WHERE id = :id"), {"id": appt.id}
        )
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the first writer's lock
        tx.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], StaleEdit), outcome
    assert appointments.get(sched.db, scheduler, appt.id).status is AppointmentStatus.BOOKED
