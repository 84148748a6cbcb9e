"""Every role by every service action, checked at the service layer (the UI hiding a button is
not the check). An allowed call must succeed; a forbidden one must raise PermissionDenied and
leave the database exactly as it was."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from mild_desk.errors import PermissionDenied
from mild_desk.models.enums import Role
from mild_desk.rules.permissions import PERMISSIONS
from mild_desk.services import (
    appointments,
    audit,
    availability,
    clinic,
    patients,
    prep,
    users,
    waitlist,
)
from mild_desk.services.base import Actor
from tests.integration.conftest import NOW, Schedule, at, build_schedule

TUE = date(2026, 12, 8)
Call = Callable[[Schedule, Actor, dict[str, int]], Any]


def _setup(s: Schedule) -> dict[str, int]:
    """Appointments for the actions to act on."""
    sam = s.actor(Role.SCHEDULER)
    booked = appointments.book(s.db, sam, mrn="S001", start=at(TUE, "08:00"), now=NOW).id
    pending = appointments.book(
        s.db, sam, mrn="S002", start=at(TUE, "09:15"), pending=True, now=NOW
    ).id
    arrived = appointments.book(s.db, sam, mrn="S003", start=at(TUE, "10:30"), now=NOW).id
    appointments.check_in(s.db, s.actor(Role.NURSE), arrived, now=NOW)
    waiting = waitlist.add(s.db, sam, mrn="S004", now=NOW).id
    return {"booked": booked, "pending": pending, "arrived": arrived, "waiting": waiting}


# (action in PERMISSIONS, a label, the call). Reads that need no role (clinic settings shown on
# the sign-in screen) are not in the matrix.
CASES: list[tuple[str, str, Call]] = [
    (
        "user.manage",
        "add user",
        lambda s, a, ids: users.add_user(
            s.db, a, username="newbie", role="nurse", password="long-enough1", now=NOW
        ),
    ),
    (
        "user.manage",
        "disable user",
        lambda s, a, ids: users.set_active(s.db, a, username="nina", active=False),
    ),
    ("user.manage", "list users", lambda s, a, ids: users.list_users(s.db, a)),
    (
        "clinic.configure",
        "clinic settings",
        lambda s, a, ids: clinic.set_clinic(s.db, a, phone="555-0101", now=NOW),
    ),
    (
        "clinic.configure",
        "procedure profile",
        lambda s, a, ids: clinic.set_procedure(s.db, a, turnover_minutes=20, now=NOW),
    ),
    (
        "clinic.configure",
        "add provider",
        lambda s, a, ids: clinic.add_provider(s.db, a, name="Dr. New", now=NOW),
    ),
    (
        "clinic.configure",
        "add room",
        lambda s, a, ids: clinic.add_room(s.db, a, name="Room 9", now=NOW),
    ),
    (
        "availability.manage",
        "add template",
        lambda s, a, ids: availability.add_template(
            s.db,
            a,
            provider_id=1,
            room_id=1,
            rrule="FREQ=WEEKLY;BYDAY=MO",
            start="08:00",
            end="12:00",
            now=NOW,
        ),
    ),
    (
        "availability.manage",
        "add closure",
        lambda s, a, ids: availability.add_closure(
            s.db, a, start_date=TUE + timedelta(days=30), reason="Holiday", now=NOW
        ),
    ),
    ("audit.verify", "verify audit", lambda s, a, ids: audit.verify(s.db, a)),
    (
        "schedule.read",
        "find slots",
        lambda s, a, ids: availability.find_slots(s.db, a, date_from=TUE, date_to=TUE, now=NOW),
    ),
    ("schedule.read", "day list", lambda s, a, ids: appointments.on_date(s.db, a, TUE)),
    ("schedule.read", "appointment", lambda s, a, ids: appointments.get(s.db, a, ids["booked"])),
    (
        "schedule.read",
        "feasible slots",
        lambda s, a, ids: prep.feasible_slots(
            s.db, a, mrn="S005", date_from=TUE, date_to=TUE, now=NOW
        ),
    ),
    ("schedule.read", "readiness", lambda s, a, ids: prep.readiness(s.db, a, TUE, now=NOW)),
    ("schedule.read", "worklist", lambda s, a, ids: prep.worklist(s.db, a, now=NOW)),
    ("schedule.read", "waitlist", lambda s, a, ids: waitlist.waiting(s.db, a, now=NOW)),
    ("patient.read", "search", lambda s, a, ids: patients.search(s.db, a, "Case")),
    ("patient.read", "by MRN", lambda s, a, ids: patients.get_by_mrn(s.db, a, "S001")),
    ("patient.read", "prep", lambda s, a, ids: prep.prep(s.db, a, ids["booked"], now=NOW)),
    ("patient.read", "checklist", lambda s, a, ids: prep.checklist(s.db, a, ids["booked"])),
    (
        "patient.read",
        "history",
        lambda s, a, ids: audit.history(s.db, a, entity="appointment", entity_id=ids["booked"]),
    ),
    (
        "patient.edit",
        "add patient",
        lambda s, a, ids: patients.add_patient(
            s.db, a, mrn="NEW1", first="A", last="B", dob="1950-01-01", now=NOW
        ),
    ),
    (
        "appointment.book",
        "book",
        lambda s, a, ids: appointments.book(
            s.db, a, mrn="S005", start=at(TUE + timedelta(days=2), "08:00"), now=NOW
        ),
    ),
    (
        "appointment.book",
        "reschedule",
        lambda s, a, ids: appointments.reschedule(
            s.db, a, ids["booked"], start=at(TUE + timedelta(days=2), "09:15"), now=NOW
        ),
    ),
    (
        "appointment.book",
        "confirm",
        lambda s, a, ids: appointments.confirm(s.db, a, ids["pending"], now=NOW),
    ),
    (
        "appointment.cancel",
        "cancel",
        lambda s, a, ids: appointments.cancel(
            s.db, a, ids["booked"], by="patient", reason="unwell", now=NOW
        ),
    ),
    (
        "appointment.cancel",
        "entered in error",
        lambda s, a, ids: appointments.entered_in_error(
            s.db, a, ids["pending"], reason="wrong patient", now=NOW
        ),
    ),
    (
        "appointment.noshow",
        "no-show",
        lambda s, a, ids: appointments.no_show(s.db, a, ids["booked"], now=NOW),
    ),
    (
        "appointment.check_in",
        "check in",
        lambda s, a, ids: appointments.check_in(s.db, a, ids["booked"], now=NOW),
    ),
    (
        "waitlist.manage",
        "waitlist add",
        lambda s, a, ids: waitlist.add(s.db, a, mrn="S005", now=NOW),
    ),
    (
        "waitlist.manage",
        "waitlist remove",
        lambda s, a, ids: waitlist.remove(s.db, a, ids["waiting"]),
    ),
    (
        "driver.set",
        "driver",
        lambda s, a, ids: prep.set_driver(
            s.db, a, ids["booked"], name="Tom Lee", phone="555-0100", now=NOW
        ),
    ),
    (
        "worklist.call",
        "call note",
        lambda s, a, ids: prep.record_call(
            s.db, a, ids["booked"], outcome="left a message", now=NOW
        ),
    ),
    (
        "imaging.add",
        "imaging",
        lambda s, a, ids: prep.add_imaging(
            s.db, a, mrn="S005", modality="CT", study_date="2026-11-01", now=NOW
        ),
    ),
    (
        "medication.edit",
        "medication",
        lambda s, a, ids: prep.add_medication(s.db, a, mrn="S001", drug="naproxen", now=NOW),
    ),
    (
        "lab.add",
        "lab",
        lambda s, a, ids: prep.add_lab(
            s.db, a, mrn="S001", test="INR", value="1.0", taken_at="2026-12-07T08:00", now=NOW
        ),
    ),
    (
        "clearance.add",
        "clearance",
        lambda s, a, ids: prep.add_clearance(
            s.db, a, mrn="S001", drug="fish oil", by="Dr. PCP", now=NOW
        ),
    ),
    (
        "checklist.tick",
        "tick consent",
        lambda s, a, ids: prep.tick(
            s.db, a, ids["booked"], item="consent", state="confirmed", now=NOW
        ),
    ),
    (
        "override.add",
        "override",
        lambda s, a, ids: prep.override(
            s.db,
            a,
            ids["booked"],
            requirement="driver",
            reason="escorted home by clinic staff",
            now=NOW,
        ),
    ),
    ("appointment.complete", "complete", None),  # see test_complete_is_for_providers_only
]

MATRIX = [
    pytest.param(action, call, role, id=f"{label}-{role.value}")
    for action, label, call in CASES
    if call is not None
    for role in Role
]


@pytest.mark.parametrize(("action", "call", "role"), MATRIX)
def test_role_matrix(clinic_db, action: str, call: Call, role: Role) -> None:  # type: ignore[no-untyped-def]
    s = build_schedule(clinic_db)
    ids = _setup(s)
    actor = s.actor(role)
    if role in PERMISSIONS[action]:
        call(s, actor, ids)
        return
    before = s.c.dump()
    with pytest.raises(PermissionDenied):
        call(s, actor, ids)
    assert s.c.dump() == before


@pytest.mark.parametrize("role", list(Role))
def test_complete_is_for_providers_only(clinic_db, role: Role) -> None:  # type: ignore[no-untyped-def]
    """Completing needs readiness, which the setup does not give: a provider passes the role
    check and is refused on readiness; everyone else is refused on the role."""
    from mild_desk.errors import Refused

    s = build_schedule(clinic_db)
    ids = _setup(s)
    with pytest.raises(Refused) as info:
        prep.complete(s.db, s.actor(role), ids["arrived"], now=NOW)
    if role is Role.PROVIDER:
        assert not isinstance(info.value, PermissionDenied)
        assert info.value.field == "readiness"
    else:
        assert isinstance(info.value, PermissionDenied)


# The roles of DESIGN.md ("Who uses it, and for what"), written out by hand so that the matrix
# above, which reads PERMISSIONS, is checked against a spec that does not: A admin, S scheduler,
# N pre-op nurse, P provider.
SPEC = {
    "user.manage": "A",
    "clinic.configure": "A",
    "availability.manage": "A",  # templates and closures
    "audit.verify": "A",
    "backup.manage": "A",
    "schedule.read": "ASNP",
    "patient.read": "ASNP",
    "patient.edit": "ASN",
    "appointment.book": "S",  # book, reschedule
    "appointment.cancel": "S",
    "appointment.noshow": "S",
    "appointment.check_in": "SN",
    "waitlist.manage": "S",
    "driver.set": "SN",  # the scheduler records it, the nurse confirms it on the day
    "worklist.call": "SN",
    "imaging.add": "SNP",
    "medication.edit": "NP",  # the nurse reconciles the list and last doses
    "lab.add": "NP",
    "clearance.add": "NP",
    "checklist.tick": "NP",
    "override.add": "P",  # a documented override with a reason
    "appointment.complete": "P",
    "print.patient": "SNP",  # prep letter, discharge sheet
    "print.clinical": "NP",  # checklist, day packet
}


def test_permissions_match_the_written_spec() -> None:
    letters = {Role.ADMIN: "A", Role.SCHEDULER: "S", Role.NURSE: "N", Role.PROVIDER: "P"}
    actual = {
        action: "".join(letters[r] for r in Role if r in roles)
        for action, roles in PERMISSIONS.items()
    }
    assert actual == SPEC


def test_every_permission_is_exercised() -> None:
    assert {action for action, _, _ in CASES} >= set(PERMISSIONS) - {
        "backup.manage",
        "print.patient",
        "print.clinical",  # tested with backups and printing
    }


def test_checklist_items_keep_their_own_roles(clinic_db) -> None:  # type: ignore[no-untyped-def]
    """A provider may tick checklist items, but not the nurse-only ones."""
    s = build_schedule(clinic_db)
    ids = _setup(s)
    with pytest.raises(PermissionDenied, match="identity"):
        prep.tick(
            s.db, s.actor(Role.PROVIDER), ids["booked"], item="identity", state="confirmed", now=NOW
        )
