"""Booking, refusals, states, reschedule, waitlist and the slot finder on a real database."""

from datetime import date, timedelta

import pytest

from mild_desk.errors import InvalidInput, PermissionDenied, Refused, SlotTaken, StaleEdit
from mild_desk.models.enums import AppointmentStatus, Role
from mild_desk.services import appointments, audit, availability, clinic, waitlist
from tests.integration.conftest import NOW, NY, Schedule, at

TUE = date(2026, 12, 8)
THU = date(2026, 12, 10)


def book(s: Schedule, mrn: str, day: date, hhmm: str, **kw):  # type: ignore[no-untyped-def]
    return appointments.book(
        s.db, s.actor(Role.SCHEDULER), mrn=mrn, start=at(day, hhmm), now=NOW, **kw
    )


def test_slots_follow_the_template_grid(sched: Schedule) -> None:
    slots = availability.find_slots(
        sched.db,
        sched.actor(Role.SCHEDULER),
        date_from=TUE,
        date_to=TUE,
        provider_id=sched.providers[0],
        now=NOW,
    )
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in slots] == ["08:00", "09:15", "10:30"]
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)


def test_book_returns_the_appointment_and_takes_the_slot(sched: Schedule) -> None:
    appt = book(
        sched,
        "S001",
        TUE,
        "08:00",
        provider_id=sched.providers[0],
        levels="l4-l5, L3-L4",
        laterality="Bilateral",
    )
    assert appt.status is AppointmentStatus.BOOKED
    assert (appt.provider_id, appt.room_id, appt.levels) == (
        sched.providers[0],
        sched.rooms[0],
        "L3-L4,L4-L5",
    )
    assert appt.start == at(TUE, "08:00")
    free = availability.find_slots(
        sched.db, sched.actor(Role.SCHEDULER), date_from=TUE, date_to=TUE, now=NOW
    )
    assert at(TUE, "08:00") in [s.start for s in free if s.provider_id == sched.providers[1]]
    assert at(TUE, "08:00") not in [s.start for s in free if s.provider_id == sched.providers[0]]


def test_without_a_provider_the_next_free_one_at_that_time_is_used(sched: Schedule) -> None:
    first = book(sched, "S001", TUE, "08:00")
    second = book(sched, "S002", TUE, "08:00")
    assert {first.provider_id, second.provider_id} == set(sched.providers)
    with pytest.raises(SlotTaken, match="slot taken"):
        book(sched, "S003", TUE, "08:00")


@pytest.mark.parametrize(
    ("day", "hhmm", "message"),
    [
        (TUE, "08:30", "not a bookable slot"),
        (date(2026, 12, 9), "08:00", "no MILD session that day"),
        (date(2026, 12, 1), "08:00", "in the past"),
    ],
)
def test_off_grid_and_past_starts_are_refused(sched: Schedule, day, hhmm, message) -> None:  # type: ignore[no-untyped-def]
    before = sched.c.dump()
    with pytest.raises(Refused, match=message) as info:
        book(sched, "S001", day, hhmm)
    assert info.value.exit_code == 1
    assert sched.c.dump() == before


def test_closures_remove_slots_and_refuse_bookings(sched: Schedule) -> None:
    admin = sched.actor(Role.ADMIN)
    availability.add_closure(sched.db, admin, start_date=THU, reason="Staff training", now=NOW)
    availability.add_closure(
        sched.db,
        admin,
        start_date=TUE,
        provider_id=sched.providers[0],
        reason="Dr. Ortiz away",
        now=NOW,
    )
    with pytest.raises(Refused, match="Staff training"):
        book(sched, "S001", THU, "08:00")
    with pytest.raises(Refused, match="Ortiz away"):
        book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    free = availability.find_slots(sched.db, admin, date_from=TUE, date_to=THU, now=NOW)
    assert {s.provider_id for s in free if s.start.date() == TUE} == {sched.providers[1]}
    assert not [s for s in free if s.start.astimezone(NY).date() == THU]


def test_a_patient_cannot_be_in_two_places(sched: Schedule) -> None:
    book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    with pytest.raises(SlotTaken, match="the patient already has appointment"):
        book(sched, "S001", TUE, "08:00", provider_id=sched.providers[1])


def test_daily_cap(sched: Schedule) -> None:
    clinic.set_procedure(sched.db, sched.actor(Role.ADMIN), daily_case_cap=2)
    book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    book(sched, "S002", TUE, "09:15", provider_id=sched.providers[0])
    with pytest.raises(Refused, match="daily cap"):
        book(sched, "S003", TUE, "10:30", provider_id=sched.providers[0])
    free = availability.find_slots(
        sched.db,
        sched.actor(Role.SCHEDULER),
        date_from=TUE,
        date_to=TUE,
        provider_id=sched.providers[0],
        now=NOW,
    )
    assert free == []


def test_state_machine_through_the_services(sched: Schedule) -> None:
    scheduler, nurse = sched.actor(Role.SCHEDULER), sched.actor(Role.NURSE)
    appt = book(sched, "S001", TUE, "08:00", pending=True)
    assert appt.status is AppointmentStatus.PENDING
    with pytest.raises(Refused, match="cannot go from pending to arrived"):
        appointments.check_in(sched.db, nurse, appt.id, now=NOW)
    assert appointments.confirm(sched.db, scheduler, appt.id, now=NOW).status == "booked"
    assert appointments.check_in(sched.db, nurse, appt.id, now=NOW).status == "arrived"
    with pytest.raises(Refused, match="cannot go from arrived to noshow"):
        appointments.no_show(sched.db, scheduler, appt.id, now=NOW)
    other = book(sched, "S002", TUE, "09:15")
    assert appointments.no_show(sched.db, scheduler, other.id, now=NOW).status == "noshow"
    with pytest.raises(Refused):
        appointments.cancel(sched.db, scheduler, other.id, by="clinic", reason="x", now=NOW)


def test_cancel_needs_a_reason_and_frees_the_slot_at_once(sched: Schedule) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    appt = book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    with pytest.raises(InvalidInput, match="reason"):
        appointments.cancel(sched.db, scheduler, appt.id, by="patient", reason="  ", now=NOW)
    with pytest.raises(InvalidInput, match="by"):
        appointments.cancel(sched.db, scheduler, appt.id, by="weather", reason="snow", now=NOW)
    done = appointments.cancel(
        sched.db, scheduler, appt.id, by="patient", reason="feels better", now=NOW
    )
    assert (done.status, done.cancelled_by, done.cancel_reason) == (
        AppointmentStatus.CANCELLED,
        "patient",
        "feels better",
    )
    again = book(sched, "S002", TUE, "08:00", provider_id=sched.providers[0])
    assert again.start == appt.start


def test_reschedule_links_the_new_to_the_old_in_one_step(sched: Schedule) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    appt = book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0], levels="L4-L5")
    moved = appointments.reschedule(sched.db, scheduler, appt.id, start=at(TUE, "09:15"), now=NOW)
    assert (moved.replaces_id, moved.provider_id, moved.levels) == (
        appt.id,
        appt.provider_id,
        "L4-L5",
    )
    old = appointments.get(sched.db, scheduler, appt.id)
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancel_reason == f"rescheduled to appointment {moved.id}"
    assert [
        e.action
        for e in audit.history(sched.db, scheduler, entity="appointment", entity_id=appt.id)
    ] == ["appointment.book", "appointment.cancel"]


def test_a_refused_reschedule_changes_nothing(sched: Schedule) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    appt = book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    book(sched, "S002", TUE, "09:15", provider_id=sched.providers[0])
    before = sched.c.dump()
    with pytest.raises(SlotTaken):
        appointments.reschedule(
            sched.db,
            scheduler,
            appt.id,
            start=at(TUE, "09:15"),
            provider_id=sched.providers[0],
            now=NOW,
        )
    assert sched.c.dump() == before


def test_a_stale_edit_is_refused_with_who_and_when(sched: Schedule) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    appt = book(sched, "S001", TUE, "08:00")
    appointments.reschedule(
        sched.db, scheduler, appt.id, start=at(TUE, "09:15"), expected_version=appt.version, now=NOW
    )
    with pytest.raises(StaleEdit, match=r"changed by sam at .* — reload"):
        appointments.cancel(
            sched.db,
            scheduler,
            appt.id,
            by="clinic",
            reason="typo",
            expected_version=appt.version,
            now=NOW,
        )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.NURSE, Role.PROVIDER])
def test_only_schedulers_book(sched: Schedule, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        appointments.book(sched.db, sched.actor(role), mrn="S001", start=at(TUE, "08:00"), now=NOW)


def test_waitlist_lists_who_fits_a_freed_slot_in_order(sched: Schedule) -> None:
    scheduler = sched.actor(Role.SCHEDULER)
    p1, p2 = sched.providers
    freed = book(sched, "S001", TUE, "08:00", provider_id=p1)
    book(sched, "S002", date(2026, 12, 17), "08:00", provider_id=p1)  # holds a later date
    book(sched, "S003", date(2026, 12, 17), "09:15", provider_id=p1)
    waitlist.add(sched.db, scheduler, mrn="S002", now=NOW)
    waitlist.add(
        sched.db, scheduler, mrn="S003", unavailable=["2026-12-08"], now=NOW + timedelta(minutes=1)
    )
    waitlist.add(
        sched.db, scheduler, mrn="S004", preferred_provider_id=p2, now=NOW + timedelta(minutes=2)
    )
    waitlist.add(sched.db, scheduler, mrn="S005", now=NOW + timedelta(minutes=3))
    with pytest.raises(InvalidInput, match="already on the waitlist"):
        waitlist.add(sched.db, scheduler, mrn="S005", now=NOW)
    appointments.cancel(sched.db, scheduler, freed.id, by="patient", reason="moved away", now=NOW)
    fits = waitlist.candidates(
        sched.db,
        scheduler,
        start=freed.start,
        end=freed.end,
        provider_id=p1,
        room_id=freed.room_id,
        turnover_minutes=15,
        now=NOW,
    )
    # S003 cannot come that day, S004 wants the other provider; S002 then S005 (order of asking)
    assert [f.patient_mrn for f in fits] == ["S002", "S005"]
    assert fits[0].current_start == at(date(2026, 12, 17), "08:00")


def test_slot_finder_for_a_patient_skips_their_own_busy_times(sched: Schedule) -> None:
    book(sched, "S001", TUE, "08:00", provider_id=sched.providers[0])
    from mild_desk.services import prep

    mine = prep.feasible_slots(
        sched.db, sched.actor(Role.SCHEDULER), mrn="S001", date_from=TUE, date_to=TUE, now=NOW
    )
    assert at(TUE, "08:00") not in [s.start for s in mine]
    anyone = availability.find_slots(
        sched.db, sched.actor(Role.SCHEDULER), date_from=TUE, date_to=TUE, now=NOW
    )
    assert at(TUE, "08:00") in [s.start for s in anyone]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"start": "12:00", "end": "08:00"}, "end"),
        ({"start": "25:00"}, "start"),
        ({"provider_id": 99}, "provider"),
        ({"room_id": 99}, "room"),
        ({"valid_from": "2026-02-30"}, "from"),
    ],
)
def test_bad_templates_are_refused_and_nothing_is_written(sched: Schedule, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    base = {
        "provider_id": sched.providers[0],
        "room_id": sched.rooms[0],
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "start": "08:00",
        "end": "12:00",
    }
    before = sched.c.dump()
    with pytest.raises(InvalidInput) as info:
        availability.add_template(sched.db, sched.actor(Role.ADMIN), **{**base, **kwargs})
    assert info.value.field == field
    assert sched.c.dump() == before


def test_a_long_case_still_blocks_a_later_start(sched: Schedule) -> None:
    """The overlap query only looks back one longest block; the longest the profile allows
    (480-minute case + 240-minute turnover) must still be seen 11 hours later."""
    admin = sched.actor(Role.ADMIN)
    clinic.set_procedure(sched.db, admin, case_minutes=480, turnover_minutes=240)
    p1, r1 = sched.providers[0], sched.rooms[0]
    for start in ("00:00", "11:00"):
        availability.add_template(
            sched.db,
            admin,
            provider_id=p1,
            room_id=r1,
            rrule="FREQ=DAILY",
            start=start,
            end="23:59",
            valid_from=date(2026, 12, 1),
            now=NOW,
        )
    wed = date(2026, 12, 9)
    book(sched, "S001", wed, "00:00", provider_id=p1)
    with pytest.raises(SlotTaken, match="slot taken"):
        book(sched, "S002", wed, "11:00", provider_id=p1)
    free = availability.find_slots(
        sched.db, sched.actor(Role.SCHEDULER), date_from=wed, date_to=wed, provider_id=p1, now=NOW
    )
    assert at(wed, "11:00") not in [s.start for s in free]
    assert at(wed, "12:00") in [s.start for s in free]  # the block ends exactly here
    with sched.db.read() as tx:
        busy = availability.active_busy(
            tx.session, at(wed, "11:00"), at(wed, "11:01"), provider_id=p1
        )
    assert [b.start for b in busy] == [at(wed, "00:00")]
