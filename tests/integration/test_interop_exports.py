"""Calendar (RFC 5545) and FHIR R4 exports of a real schedule, read back with their libraries."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from icalendar import Calendar
from sqlmodel import select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput, NotFound
from mild_desk.models.enums import AppointmentStatus, Role
from mild_desk.models.tables import AuditEvent
from mild_desk.services import appointments, availability, clinic, demo, prep, users
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.interop.calendar_ics import export_ics
from mild_desk.services.interop.fhir_export import export_fhir
from tests.integration.conftest import NOW, Schedule, at

# http://hl7.org/fhir/R4/valueset-appointmentstatus.html and valueset-slotstatus.html
R4_APPOINTMENT_STATUS = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}
R4_SLOT_STATUS = {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}
ICS_FOR = {
    AppointmentStatus.PENDING: "TENTATIVE",
    AppointmentStatus.BOOKED: "CONFIRMED",
    AppointmentStatus.ARRIVED: "CONFIRMED",
    AppointmentStatus.FULFILLED: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.NOSHOW: "CANCELLED",
    AppointmentStatus.ENTERED_IN_ERROR: "CANCELLED",
}
TUE, THU = date(2026, 12, 8), date(2026, 12, 10)
FIRST, LAST = date(2026, 12, 1), date(2027, 3, 31)


@dataclass(frozen=True)
class Busy:
    """A schedule with an appointment in every status, and some across the March DST change."""

    s: Schedule
    ids: dict[str, int]

    def all(self) -> list[AppointmentRead]:
        with self.s.db.read() as tx:
            return appointments.between(tx.session, FIRST, LAST)


@pytest.fixture
def busy(sched: Schedule) -> Busy:
    s = sched
    sam, nina = s.actor(Role.SCHEDULER), s.actor(Role.NURSE)
    p1, p2 = s.providers

    def book(mrn: str, day: date, hhmm: str, provider: int = p1, **kw: Any) -> int:
        return appointments.book(
            s.db, sam, mrn=mrn, start=at(day, hhmm), provider_id=provider, now=NOW, **kw
        ).id

    ids = {
        "booked": book("S001", TUE, "08:00", levels="L4-L5", laterality="bilateral"),
        "pending": book("S002", TUE, "09:15", pending=True),
        "cancelled": book("S003", THU, "08:00"),
        "arrived": book("S004", TUE, "08:00", provider=p2),
        "noshow": book("S002", THU, "09:15"),
        "error": book("S003", THU, "10:30"),
        "est": book("S005", date(2027, 3, 9), "08:00"),
        "edt": book("S006", date(2027, 3, 16), "08:00"),
        "moved": book("S004", date(2026, 12, 15), "08:00"),
    }
    appointments.cancel(s.db, sam, ids["cancelled"], by="patient", reason="flu", now=NOW)
    appointments.check_in(s.db, nina, ids["arrived"], now=at(TUE, "07:30"))
    appointments.no_show(s.db, sam, ids["noshow"], now=at(THU, "10:00"))
    appointments.entered_in_error(s.db, sam, ids["error"], reason="wrong patient", now=NOW)
    ids["new"] = appointments.reschedule(
        s.db, sam, ids["moved"], start=at(date(2026, 12, 17), "08:00"), now=NOW
    ).id
    prep.add_medication(s.db, nina, mrn="S001", drug="clopidogrel", now=NOW)
    return Busy(s, ids)


def ics_export(b: Busy, tmp_path: Path, **kw: Any) -> Calendar:
    out = tmp_path / "p1.ics"
    export_ics(
        b.s.db,
        b.s.actor(Role.SCHEDULER),
        provider_id=b.s.providers[0],
        date_from=FIRST,
        date_to=LAST,
        out=out,
        now=NOW,
        **kw,
    )
    return Calendar.from_ical(out.read_bytes())


def events_by_id(cal: Calendar) -> dict[int, Any]:
    found = {}
    for event in cal.walk("VEVENT"):
        uid = str(event["UID"])
        found[int(uid.split("@")[0].removeprefix("appointment-"))] = event
    return found


# --- iCalendar ---------------------------------------------------------------------------


def test_the_calendar_parses_back_and_matches_the_appointments(busy: Busy, tmp_path: Path) -> None:
    cal = ics_export(busy, tmp_path)
    mine = [a for a in busy.all() if a.provider_id == busy.s.providers[0]]
    events = events_by_id(cal)
    assert sorted(events) == sorted(a.id for a in mine)  # one VEVENT each, cancelled included
    for a in mine:
        event = events[a.id]
        assert event.decoded("DTSTART").astimezone(UTC) == a.start.astimezone(UTC)
        assert event.decoded("DTEND").astimezone(UTC) == a.end.astimezone(UTC)
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert str(event["STATUS"]) == ICS_FOR[a.status]
        assert int(event["SEQUENCE"]) == a.version - 1
        assert str(event["LOCATION"]) == a.room_name
        assert str(event["UID"]) == f"appointment-{a.id}@test-clinic.mild-desk"
    statuses = {a.status for a in mine}
    assert {AppointmentStatus.BOOKED, AppointmentStatus.PENDING, AppointmentStatus.CANCELLED} <= (
        statuses
    )
    assert {str(e["STATUS"]) for e in events.values()} == {"CONFIRMED", "TENTATIVE", "CANCELLED"}


def test_times_are_right_in_utc_across_daylight_saving_from_the_vtimezone_alone(
    busy: Busy, tmp_path: Path
) -> None:
    cal = ics_export(busy, tmp_path)
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "America/New_York"
    # Build the zone from the VTIMEZONE component itself, not from the machine's tz database.
    zone = vtimezone.to_tz(lookup_tzid=False)
    events = events_by_id(cal)
    for key, utc_hour in (("est", 13), ("edt", 12)):
        wall = events[busy.ids[key]].decoded("DTSTART").replace(tzinfo=None)
        assert wall.hour == 8
        assert wall.replace(tzinfo=zone).astimezone(UTC).hour == utc_hour


def test_privacy_initials_and_mrn_unless_full_names(busy: Busy, tmp_path: Path) -> None:
    summary = str(events_by_id(ics_export(busy, tmp_path))[busy.ids["booked"]]["SUMMARY"])
    assert summary == "MILD: P.C. (S001)"
    text = (tmp_path / "p1.ics").read_text()
    assert "Case0" not in text
    assert "Pat0" not in text
    assert "flu" not in text  # a cancellation's free-text reason stays out of calendars
    full = events_by_id(ics_export(busy, tmp_path, full_names=True))
    assert str(full[busy.ids["booked"]]["SUMMARY"]) == "MILD: Case0, Pat0 (S001)"


def test_a_change_keeps_the_uid_and_bumps_the_sequence(busy: Busy, tmp_path: Path) -> None:
    aid = busy.ids["booked"]
    before = events_by_id(ics_export(busy, tmp_path))[aid]
    appointments.cancel(
        busy.s.db, busy.s.actor(Role.SCHEDULER), aid, by="clinic", reason="room flood", now=NOW
    )
    after = events_by_id(ics_export(busy, tmp_path))[aid]
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert (str(before["STATUS"]), str(after["STATUS"])) == ("CONFIRMED", "CANCELLED")


def test_a_reschedule_cancels_the_old_uid_and_adds_a_new_one(busy: Busy, tmp_path: Path) -> None:
    events = events_by_id(ics_export(busy, tmp_path))
    assert str(events[busy.ids["moved"]]["STATUS"]) == "CANCELLED"
    assert str(events[busy.ids["new"]]["STATUS"]) == "CONFIRMED"


def test_other_providers_and_dates_are_left_out(busy: Busy, tmp_path: Path) -> None:
    out = tmp_path / "p2.ics"
    result = export_ics(
        busy.s.db,
        busy.s.actor(Role.NURSE),
        provider_id=busy.s.providers[1],
        date_from=TUE,
        date_to=TUE,
        out=out,
        now=NOW,
    )
    assert (result.events, result.timezone) == (1, "America/New_York")
    assert list(events_by_id(Calendar.from_ical(out.read_bytes()))) == [busy.ids["arrived"]]


def test_the_export_is_audited_and_owner_only(busy: Busy, tmp_path: Path) -> None:
    ics_export(busy, tmp_path)
    assert (tmp_path / "p1.ics").stat().st_mode & 0o077 == 0
    with busy.s.db.read() as tx:
        (event,) = tx.session.exec(
            select(AuditEvent).where(AuditEvent.action == "export.ics")
        ).all()
    details = json.loads(event.after)
    assert (details["provider_id"], details["from"], details["full_names"]) == (
        busy.s.providers[0],
        FIRST.isoformat(),
        False,
    )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"provider_id": 99}, "provider"),
        ({"provider_id": "x"}, "provider"),
        ({"date_from": "2027-01-02", "date_to": "2027-01-01"}, "to"),
        ({"date_from": "2026-01-01", "date_to": "2030-01-01"}, "to"),
        ({"date_from": "01/02/2027"}, "from"),
        ({"out": "no-such-folder/x.ics"}, "out"),
        ({"out": "."}, "out"),
    ],
)
def test_a_refused_export_writes_nothing(
    sched: Schedule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kw: dict[str, Any], field: str
) -> None:
    monkeypatch.chdir(tmp_path)
    args: dict[str, Any] = {
        "provider_id": sched.providers[0],
        "date_from": FIRST,
        "date_to": LAST,
        "out": tmp_path / "x.ics",
        **kw,
    }
    before = sched.c.dump()
    with pytest.raises((InvalidInput, NotFound)) as exc:
        export_ics(sched.db, sched.actor(Role.SCHEDULER), now=NOW, **args)
    assert exc.value.field == field
    assert sched.c.dump() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in {".ics", ".part"}) == []


# --- FHIR --------------------------------------------------------------------------------


def fhir_export(b: Busy | Schedule, tmp_path: Path) -> dict[str, Any]:
    s = b.s if isinstance(b, Busy) else b
    out = tmp_path / "bundle.json"
    export_fhir(s.db, s.actor(Role.PROVIDER), date_from=FIRST, date_to=LAST, out=out, now=NOW)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "reference" in value:
            yield value["reference"]
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)


def test_the_bundle_validates_against_the_r4_models(busy: Busy, tmp_path: Path) -> None:
    bundle = fhir_export(busy, tmp_path)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Practitioner",
        "Location",
        "Schedule",
        "Slot",
        "Appointment",
        "ImagingStudy",
    }


def test_every_reference_resolves_inside_the_bundle(busy: Busy, tmp_path: Path) -> None:
    bundle = fhir_export(busy, tmp_path)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    assert len(by_url) == len(bundle["entry"])  # full URLs are unique
    for entry in bundle["entry"]:
        for ref in references(entry["resource"]):
            assert ref in by_url, ref
    for appt in resources(bundle, "Appointment"):
        kinds = {by_url[p["actor"]["reference"]]["resourceType"] for p in appt["participant"]}
        assert {"Patient", "Practitioner", "Location"} <= kinds


def test_appointments_and_their_statuses(busy: Busy, tmp_path: Path) -> None:
    bundle = fhir_export(busy, tmp_path)
    exported = {int(a["id"]): a for a in resources(bundle, "Appointment")}
    expected = {a.id: a for a in busy.all()}
    assert set(exported) == set(expected)
    for aid, a in expected.items():
        resource = exported[aid]
        assert resource["status"] in R4_APPOINTMENT_STATUS
        assert resource["status"] == a.status.value
        assert datetime.fromisoformat(resource["start"]) == a.start
        assert datetime.fromisoformat(resource["end"]) == a.end
    assert exported[busy.ids["cancelled"]]["cancelationReason"]["text"] == "by the patient: flu"
    assert (
        exported[busy.ids["new"]]["comment"] == f"Rescheduled from appointment {busy.ids['moved']}."
    )


def test_prep_instructions_and_the_imaging_study(busy: Busy, tmp_path: Path) -> None:
    bundle = fhir_export(busy, tmp_path)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    exported = {int(a["id"]): a for a in resources(bundle, "Appointment")}
    booked = exported[busy.ids["booked"]]
    text = booked["patientInstruction"]
    # Tue 8 Dec 2026, 08:00: solids stop six hours before, clear liquids two hours before.
    assert "08:00 on Tuesday 8 December 2026" in text
    assert "solid food after 02:00 on Tuesday 8 December 2026" in text
    assert "clear liquids until 06:00 on Tuesday 8 December 2026" in text
    assert "last dose of clopidogrel no later than" in text
    assert "drive you home" in text
    for key in ("cancelled", "noshow", "error"):
        assert "patientInstruction" not in exported[busy.ids[key]]
    (ref,) = booked["supportingInformation"]
    study = by_url[ref["reference"]]
    assert study["resourceType"] == "ImagingStudy"
    assert study["modality"] == [
        {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}
    ]
    patient_ref = next(
        p["actor"]["reference"]
        for p in booked["participant"]
        if p["actor"].get("type") == "Patient"
    )
    assert study["subject"]["reference"] == patient_ref
    patient = by_url[patient_ref]
    assert patient["identifier"][0]["value"] == "S001"
    assert patient["name"][0]["family"] == "Case0"


def test_free_and_busy_slots(busy: Busy, tmp_path: Path) -> None:
    bundle = fhir_export(busy, tmp_path)
    slots = resources(bundle, "Slot")
    assert {s["status"] for s in slots} <= R4_SLOT_STATUS
    assert {"free", "busy", "busy-tentative"} <= {s["status"] for s in slots}
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    exported = {int(a["id"]): a for a in resources(bundle, "Appointment")}
    slot_of = {
        aid: by_url[a["slot"][0]["reference"]]["status"]
        for aid, a in exported.items()
        if "slot" in a
    }
    assert slot_of[busy.ids["booked"]] == "busy"
    assert slot_of[busy.ids["pending"]] == "busy-tentative"
    assert slot_of[busy.ids["moved"]] == "free"  # cancelled by the reschedule: offered again
    # "free" is exactly what the slot finder offers.
    offered = availability.find_slots(
        busy.s.db, busy.s.actor(Role.SCHEDULER), date_from=FIRST, date_to=LAST, now=NOW
    )
    free = {datetime.fromisoformat(s["start"]) for s in slots if s["status"] == "free"}
    assert len([s for s in slots if s["status"] == "free"]) == len(offered)
    assert free == {s.start for s in offered}
    schedules = resources(bundle, "Schedule")
    assert len(schedules) == 2
    assert {s["schedule"]["reference"] for s in slots} == {
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Schedule"
    }


def test_full_urls_are_the_same_in_every_export(busy: Busy, tmp_path: Path) -> None:
    first = fhir_export(busy, tmp_path)
    second = fhir_export(busy, tmp_path)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_an_empty_range_is_still_a_valid_bundle(sched: Schedule, tmp_path: Path) -> None:
    out = tmp_path / "empty.json"
    result = export_fhir(
        sched.db,
        sched.actor(Role.ADMIN),
        date_from="2026-12-07",
        date_to="2026-12-07",  # a Monday: no sessions
        out=out,
        now=NOW,
    )
    assert (result.appointments, result.free_slots, result.busy_slots) == (0, 0, 0)
    Bundle.model_validate(json.loads(out.read_text()))


# --- the demo clinic ---------------------------------------------------------------------

DEMO_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    demo.build(db, now=DEMO_NOW)
    db.dispose()
    return path


def test_the_demo_clinic_exports_both_ways(demo_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(demo_template.read_bytes())
    db = Database.open(f"sqlite:///{path}")
    try:
        actor = users.login(db, "sam", demo.password_for("sam"), now=DEMO_NOW)
        first, last = DEMO_NOW.date() - timedelta(days=30), DEMO_NOW.date() + timedelta(days=30)
        result = export_fhir(
            db, actor, date_from=first, date_to=last, out=tmp_path / "b.json", now=DEMO_NOW
        )
        bundle = json.loads((tmp_path / "b.json").read_text())
        Bundle.model_validate(bundle)
        statuses = {a["status"] for a in resources(bundle, "Appointment")}
        assert {"fulfilled", "booked", "pending"} <= statuses
        assert result.appointments == len(resources(bundle, "Appointment")) > 20
        cal = export_ics(
            db,
            actor,
            provider_id=1,
            date_from=first,
            date_to=last,
            out=tmp_path / "p.ics",
            now=DEMO_NOW,
        )
        parsed = Calendar.from_ical((tmp_path / "p.ics").read_bytes())
        assert len(parsed.walk("VEVENT")) == cal.events > 0
    finally:
        db.dispose()
