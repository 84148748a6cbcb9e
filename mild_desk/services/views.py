"""Read model of the schedule board: lanes, sessions, closures and appointments with their
readiness for a date range, in a fixed number of queries."""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Row

from mild_desk.db import Database, Unit, fetch
from mild_desk.errors import InvalidInput
from mild_desk.models import schema
from mild_desk.models.enums import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    Laterality,
    RequirementKey,
    RequirementStatus,
)
from mild_desk.models.types import AppointmentId, PatientId, ProviderId, RoomId
from mild_desk.rules.prep import (
    PrepResult,
)
from mild_desk.rules.slots import occurrence_dates, to_utc
from mild_desk.services.base import Actor, parse_date, require, utcnow
from mild_desk.services.clinic import clinic_in, profile_in
from mild_desk.services.prep_inputs import evaluate_rows

MAX_BOARD_DAYS = 62
BOARD_STATUSES = (*ACTIVE_STATUSES, AppointmentStatus.FULFILLED)
"""What the board shows: appointments that hold a slot, and the ones done that day."""

REQUIREMENT_LABELS = {
    RequirementKey.IMAGING: "imaging",
    RequirementKey.ANTICOAGULATION: "blood thinner",
    RequirementKey.FASTING: "fasting",
    RequirementKey.DRIVER: "driver",
}


class BlockState(enum.StrEnum):
    """How the board colours an appointment."""

    READY = "ready"
    PENDING = "pending"
    UNMET = "unmet"
    OVERRIDDEN = "overridden"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class LaneRead:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class SessionRead:
    """Open time on one clinic-local day: a template occurrence (before closures)."""

    day: date
    provider_id: ProviderId
    room_id: RoomId
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ClosureDay:
    day: date
    provider_id: ProviderId | None
    reason: str


@dataclass(frozen=True, slots=True)
class BoardAppointment:
    id: AppointmentId
    version: int
    status: AppointmentStatus
    start: datetime
    end: datetime
    provider_id: ProviderId
    room_id: RoomId
    patient_id: PatientId
    patient_mrn: str
    patient_name: str
    levels: str
    laterality: Laterality | None
    ready: bool
    state: BlockState
    summary: tuple[tuple[RequirementKey, RequirementStatus], ...]
    missing: tuple[str, ...]
    hint: str


@dataclass(frozen=True, slots=True)
class BoardRead:
    """Everything the board draws for a date range, read in one transaction."""

    first: date
    last: date
    timezone: str
    case_minutes: int
    turnover_minutes: int
    providers: tuple[LaneRead, ...]
    rooms: tuple[LaneRead, ...]
    sessions: tuple[SessionRead, ...]
    closures: tuple[ClosureDay, ...]
    appointments: tuple[BoardAppointment, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def board(
    db: Database,
    actor: Actor,
    *,
    date_from: str | date,
    date_to: str | date,
    now: datetime | None = None,
) -> BoardRead:
    """Lanes, open sessions, closures and appointments with their readiness for a date range.

    A fixed number of queries whatever the number of appointments (no query per appointment)."""
    require(actor, "schedule.read")
    first, last = parse_date("from", date_from), parse_date("to", date_to)
    if last < first:
        raise InvalidInput(f"{last} is before {first}", field="to")
    if (last - first).days >= MAX_BOARD_DAYS:
        raise InvalidInput(f"the board shows at most {MAX_BOARD_DAYS} days", field="to")
    when = now or utcnow()
    with db.plain() as session:
        tz = clinic_in(session).tz
        prof = profile_in(session)
        providers = tuple(LaneRead(p.id or 0, p.name) for p in fetch(session, _PROVIDER_LANES))
        rooms = tuple(LaneRead(r.id or 0, r.name) for r in fetch(session, _ROOM_LANES))
        rows = _appointments_between(session, first, last, tz)
        return BoardRead(
            first=first,
            last=last,
            timezone=tz.key,
            case_minutes=prof.case_minutes,
            turnover_minutes=prof.turnover_minutes,
            providers=providers,
            rooms=rooms,
            sessions=tuple(_sessions(session, first, last, tz)),
            closures=tuple(_closure_days(session, first, last)),
            appointments=tuple(_board_appointments(session, rows, when)),
        )


def block_state(status: AppointmentStatus, result: PrepResult) -> BlockState:
    """The board colour of one appointment: done, ready (overridden when an override made it
    so), or not ready (unmet when something cannot be met for this date, else pending)."""
    if status is AppointmentStatus.FULFILLED:
        return BlockState.DONE
    statuses = {r.status for r in result.requirements}
    if result.ready:
        if RequirementStatus.OVERRIDDEN in statuses:
            return BlockState.OVERRIDDEN
        return BlockState.READY
    if RequirementStatus.UNMET in statuses:
        return BlockState.UNMET
    return BlockState.PENDING


def short_hint(result: PrepResult) -> str:
    """A few words naming what is missing, worst first: "blood thinner, driver, checklist 9"."""
    names: list[str] = []
    for wanted in (RequirementStatus.UNMET, RequirementStatus.PENDING):
        for req in result.requirements:
            label = REQUIREMENT_LABELS[req.key]
            if req.status is wanted and label not in names:
                names.append(label)
    if result.checklist_missing:
        names.append(f"checklist {len(result.checklist_missing)}")
    return ", ".join(names)


# --- helpers -----------------------------------------------------------------------------


# The board's reads: statements on the tables' columns, built once (models.schema says why).
_PROVIDER, _ROOM, _APPT = schema.provider, schema.room, schema.appointment
_TEMPLATE, _CLOSURE = schema.availability_template, schema.closure
_PROVIDER_LANES = (
    sa.select(_PROVIDER.c.id, _PROVIDER.c.name)
    .where(_PROVIDER.c.active == True)  # noqa: E712
    .order_by(_PROVIDER.c.id)
)
_ROOM_LANES = (
    sa.select(_ROOM.c.id, _ROOM.c.name)
    .where(_ROOM.c.active == True)  # noqa: E712
    .order_by(_ROOM.c.id)
)
_APPOINTMENTS = (
    sa.select(_APPT)
    .where(
        _APPT.c.start >= sa.bindparam("lo"),
        _APPT.c.start < sa.bindparam("hi"),
        _APPT.c.status.in_([s.value for s in BOARD_STATUSES]),
    )
    .order_by(_APPT.c.start, _APPT.c.provider_id)
)
_TEMPLATES = sa.select(_TEMPLATE).where(_TEMPLATE.c.active == True)  # noqa: E712
_CLOSURES = sa.select(_CLOSURE).where(
    _CLOSURE.c.start_date <= sa.bindparam("last"), _CLOSURE.c.end_date >= sa.bindparam("first")
)


def _appointments_between(session: Unit, first: date, last: date, tz: ZoneInfo) -> list[Row[Any]]:
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return list(fetch(session, _APPOINTMENTS, {"lo": lo, "hi": hi}))


def _sessions(session: Unit, first: date, last: date, tz: ZoneInfo) -> Iterable[SessionRead]:
    templates = fetch(session, _TEMPLATES).all()
    for t in templates:
        lo = max(first, t.valid_from) if t.valid_from else first
        hi = min(last, t.valid_until) if t.valid_until else last
        if lo > hi:
            continue
        for day in occurrence_dates(t.rrule, dtstart=t.dtstart, date_from=lo, date_to=hi, tz=tz):
            start = to_utc(datetime.combine(day, t.start_time), tz)
            end = to_utc(datetime.combine(day, t.end_time), tz)
            if start is None or end is None or end <= start:
                continue
            yield SessionRead(day, ProviderId(t.provider_id), RoomId(t.room_id), start, end)


def _closure_days(session: Unit, first: date, last: date) -> Iterable[ClosureDay]:
    rows = fetch(session, _CLOSURES, {"first": first, "last": last}).all()
    for c in rows:
        day = max(c.start_date, first)
        while day <= min(c.end_date, last):
            pid = ProviderId(c.provider_id) if c.provider_id else None
            yield ClosureDay(day, pid, c.reason)
            day += timedelta(days=1)


def _board_appointments(
    session: Unit, rows: Sequence[Row[Any]], now: datetime
) -> Iterable[BoardAppointment]:
    for row, patient, result in evaluate_rows(session, rows, now):
        yield _board_appointment(row, patient, result)


_SEVERITY = (
    RequirementStatus.MET,
    RequirementStatus.OVERRIDDEN,
    RequirementStatus.PENDING,
    RequirementStatus.UNMET,
)


def _board_appointment(row: Row[Any], patient: Row[Any], result: PrepResult) -> BoardAppointment:
    summary: dict[RequirementKey, RequirementStatus] = {}
    for req in result.requirements:
        worst = summary.get(req.key)
        if worst is None or _SEVERITY.index(req.status) > _SEVERITY.index(worst):
            summary[req.key] = req.status
    missing = tuple(
        f"{r.key.value}: {r.detail}"
        for r in result.requirements
        if r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
    ) + tuple(f"checklist: {k}" for k in result.checklist_missing)
    status = AppointmentStatus(row.status)
    return BoardAppointment(
        id=AppointmentId(row.id or 0),
        version=row.version,
        status=status,
        start=row.start,
        end=row.end,
        provider_id=ProviderId(row.provider_id),
        room_id=RoomId(row.room_id),
        patient_id=PatientId(row.patient_id),
        patient_mrn=patient.mrn,
        patient_name=f"{patient.last_name}, {patient.first_name}",
        levels=row.levels,
        laterality=row.laterality,
        ready=result.ready,
        state=block_state(status, result),
        summary=tuple(summary.items()),
        missing=missing,
        hint="" if status is AppointmentStatus.FULFILLED else short_hint(result),
    )
