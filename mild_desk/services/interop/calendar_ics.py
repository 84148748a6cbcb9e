"""A provider's appointments as an RFC 5545 calendar, for the calendars a clinic already uses.

Every appointment starting in the range is a VEVENT, cancelled ones included with
STATUS:CANCELLED so that a calendar which imported the event earlier drops it. The UID is the
appointment's own and never changes; SEQUENCE follows the appointment's version, so each
change (confirm, check-in, cancel) reaches subscribers as a newer copy. A reschedule is a new
appointment: the old UID turns CANCELLED and a new UID appears.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mild_desk import __version__
from mild_desk.db import Database
from mild_desk.models.enums import AppointmentStatus
from mild_desk.models.tables import Appointment, Patient
from mild_desk.models.types import ProviderId
from mild_desk.services import appointments
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.base import Actor, parse_int, require, utcnow
from mild_desk.services.clinic import clinic_in, get_provider
from mild_desk.services.files import out_path
from mild_desk.services.interop._files import clinic_slug, date_range, publish

ICS_STATUS: dict[AppointmentStatus, str] = {
    AppointmentStatus.PENDING: "TENTATIVE",
    AppointmentStatus.BOOKED: "CONFIRMED",
    AppointmentStatus.ARRIVED: "CONFIRMED",
    AppointmentStatus.FULFILLED: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.NOSHOW: "CANCELLED",
    AppointmentStatus.ENTERED_IN_ERROR: "CANCELLED",
}
"""Appointment status -> VEVENT STATUS (RFC 5545 3.8.1.11 has only these three for events)."""


@dataclass(frozen=True, slots=True)
class CalendarExport:
    file: str
    provider_id: ProviderId
    provider_name: str
    date_from: date
    date_to: date
    timezone: str
    events: int
    cancelled: int


@dataclass(frozen=True, slots=True)
class _Who:
    first: str
    last: str
    mrn: str
    created_at: datetime


def export_ics(
    db: Database,
    actor: Actor,
    *,
    provider_id: int | str,
    date_from: str | date,
    date_to: str | date,
    out: str | Path,
    full_names: bool = False,
    now: datetime | None = None,
) -> CalendarExport:
    """Write one provider's appointments in a clinic-local date range (both days included)."""
    require(actor, "schedule.read")
    when = now or utcnow()
    pid = parse_int("provider", provider_id, minimum=1, maximum=2**31)
    first, last = date_range(date_from, date_to)
    target = out_path(out)
    with db.read() as tx:
        session = tx.session
        provider = get_provider(session, pid)
        clinic = clinic_in(session)
        rows = [a for a in appointments.between(session, first, last) if a.provider_id == pid]
        who: dict[int, _Who] = {}
        for a in rows:
            patient = session.get(Patient, a.patient_id)
            booked = session.get(Appointment, a.id)
            assert patient is not None
            assert booked is not None
            who[a.id] = _Who(patient.first_name, patient.last_name, patient.mrn, booked.created_at)
    data = render_ics(
        rows,
        who,
        tz=clinic.tz,
        slug=clinic_slug(clinic.name),
        calendar_name=f"{provider.name}: MILD ({clinic.name})",
        first=first,
        last=last,
        full_names=full_names,
        now=when,
    )
    cancelled = sum(1 for a in rows if ICS_STATUS[a.status] == "CANCELLED")
    publish(
        db,
        actor,
        out=target,
        data=data,
        action="export.ics",
        details={
            "provider_id": pid,
            "from": first,
            "to": last,
            "events": len(rows),
            "full_names": full_names,
        },
        now=when,
    )
    return CalendarExport(
        file=str(target),
        provider_id=ProviderId(pid),
        provider_name=provider.name,
        date_from=first,
        date_to=last,
        timezone=clinic.timezone,
        events=len(rows),
        cancelled=cancelled,
    )


def event_uid(appointment_id: int, slug: str) -> str:
    return f"appointment-{appointment_id}@{slug}.mild-desk"


def initials(first: str, last: str) -> str:
    """ "Zoë", "Nguyễn" -> "Z.N." (the first letter of each name)."""
    return "".join(f"{name.strip()[0].upper()}." for name in (first, last) if name.strip())


def render_ics(
    rows: list[AppointmentRead],
    who: dict[int, _Who],
    *,
    tz: ZoneInfo,
    slug: str,
    calendar_name: str,
    first: date,
    last: date,
    full_names: bool,
    now: datetime,
) -> bytes:
    from icalendar import Calendar, Event, Timezone

    cal = Calendar()
    cal.add("prodid", f"-//mild-desk//mild-desk {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", tz.key)
    # The zone's rules around the range (a day either side covers events near midnight).
    cal.add_component(
        Timezone.from_tzinfo(
            tz,
            tzid=tz.key,
            first_date=first - timedelta(days=1),
            last_date=last + timedelta(days=2),
        )
    )
    for a in rows:
        person = who[a.id]
        name = (
            f"{person.last}, {person.first}" if full_names else initials(person.first, person.last)
        )
        event = Event()
        event.add("uid", event_uid(a.id, slug))
        event.add("dtstamp", now)
        event.add("created", person.created_at)
        event.add("last-modified", a.updated_at)
        event.add("sequence", a.version - 1)
        event.add("dtstart", a.start.astimezone(tz))
        event.add("dtend", a.end.astimezone(tz))
        event.add("status", ICS_STATUS[a.status])
        event.add("summary", f"MILD: {name} ({person.mrn})")
        event.add("location", a.room_name)
        event.add("description", _description(a))
        event.add("categories", ["MILD"])
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def _description(a: AppointmentRead) -> str:
    parts = [f"Provider: {a.provider_name}", f"Status: {a.status.value}"]
    if a.levels:
        parts.append(f"Levels: {a.levels}")
    if a.laterality:
        parts.append(f"Side: {a.laterality.value}")
    if a.status is AppointmentStatus.CANCELLED and a.cancelled_by:
        # Not the free-text reason: it may say more about the patient than a calendar should.
        parts.append(f"Cancelled by the {a.cancelled_by.value}")
    return "\n".join(parts)
