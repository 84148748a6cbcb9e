"""Availability: templates, closures and the free-slot finder."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from mild_desk.db import Database, fetch
from mild_desk.errors import InvalidInput
from mild_desk.models.enums import ACTIVE_STATUSES
from mild_desk.models.tables import Appointment, AvailabilityTemplate, Closure, Provider
from mild_desk.models.types import ProviderId, RoomId, TemplateId
from mild_desk.rules.conflicts import Busy, free_slots
from mild_desk.rules.slots import ClosureSpec, Slot, TemplateSpec, generate_slots, validate_rrule
from mild_desk.services import audit
from mild_desk.services.base import (
    Actor,
    clean_text,
    parse_date,
    parse_int,
    parse_time,
    require,
    utcnow,
)
from mild_desk.services.clinic import ProfileRead, clinic_in, get_provider, get_room, profile_in

MAX_RANGE_DAYS = 3 * 366
# The longest an appointment can hold a provider or a room: the profile allows cases of up to
# 480 minutes and turnovers of up to 240 (clinic.set_procedure); a day bounds both with room.
MAX_BLOCK = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TemplateRead:
    id: TemplateId
    provider_id: ProviderId
    room_id: RoomId
    rrule: str
    start_time: time
    end_time: time
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class ClosureRead:
    id: int
    provider_id: ProviderId | None
    start_date: date
    end_date: date
    reason: str


@dataclass(frozen=True, slots=True)
class SlotRead:
    start: datetime
    end: datetime
    provider_id: ProviderId
    room_id: RoomId


@dataclass(frozen=True, slots=True)
class Window:
    """Extra limits on a search: prep feasibility narrows the finder through these."""

    not_before: datetime | None = None
    not_after: datetime | None = None


def add_template(
    db: Database,
    actor: Actor,
    *,
    provider_id: int | str,
    room_id: int | str,
    rrule: str,
    start: str | time,
    end: str | time,
    valid_from: str | date | None = None,
    valid_until: str | date | None = None,
    now: datetime | None = None,
) -> TemplateRead:
    require(actor, "availability.manage")
    when = now or utcnow()
    pid = parse_int("provider", provider_id, minimum=1, maximum=2**31)
    rid = parse_int("room", room_id, minimum=1, maximum=2**31)
    try:
        rule = validate_rrule(clean_text("rrule", rrule, max_len=500))
    except ValueError as exc:
        raise InvalidInput(str(exc).removeprefix("rrule: "), field="rrule") from None
    start_t, end_t = parse_time("start", start), parse_time("end", end)
    if end_t <= start_t:
        raise InvalidInput(f"{end_t:%H:%M} is not after the start {start_t:%H:%M}", field="end")
    v_from = parse_date("from", valid_from) if valid_from else None
    v_until = parse_date("until", valid_until) if valid_until else None
    if v_from and v_until and v_until < v_from:
        raise InvalidInput(f"{v_until} is before {v_from}", field="until")
    with db.write() as tx:
        get_provider(tx.session, pid)
        get_room(tx.session, rid)
        tz = clinic_in(tx.session).tz
        row = AvailabilityTemplate(
            provider_id=pid,
            room_id=rid,
            rrule=rule,
            start_time=start_t,
            end_time=end_t,
            dtstart=v_from or when.astimezone(tz).date(),
            valid_from=v_from,
            valid_until=v_until,
            created_at=when,
        )
        tx.session.add(row)
        tx.session.flush()
        read = _template_read(row)
        audit.record(tx, actor, "template.add", "template", row.id, after=_asdict(read), now=when)
        tx.commit()
        return read


def add_closure(
    db: Database,
    actor: Actor,
    *,
    start_date: str | date,
    end_date: str | date | None = None,
    provider_id: int | str | None = None,
    reason: str,
    now: datetime | None = None,
) -> ClosureRead:
    require(actor, "availability.manage")
    first = parse_date("date", start_date)
    last = parse_date("to", end_date) if end_date else first
    if last < first:
        raise InvalidInput(f"{last} is before {first}", field="to")
    text = clean_text("reason", reason, max_len=200)
    pid = parse_int("provider", provider_id, minimum=1, maximum=2**31) if provider_id else None
    with db.write() as tx:
        if pid is not None:
            get_provider(tx.session, pid)
        row = Closure(
            provider_id=pid,
            start_date=first,
            end_date=last,
            reason=text,
            created_at=now or utcnow(),
        )
        tx.session.add(row)
        tx.session.flush()
        read = _closure_read(row)
        audit.record(tx, actor, "closure.add", "closure", row.id, after=_asdict(read), now=now)
        tx.commit()
        return read


def templates(db: Database) -> list[TemplateRead]:
    with db.read() as tx:
        rows = tx.session.exec(
            select(AvailabilityTemplate)
            .where(AvailabilityTemplate.active == True)  # noqa: E712
            .order_by(col(AvailabilityTemplate.id))
        ).all()
        return [_template_read(r) for r in rows]


def closures(db: Database, *, date_from: date, date_to: date) -> list[ClosureRead]:
    with db.read() as tx:
        return [_closure_read(c) for c in _closures(tx.session, date_from, date_to)]


def find_slots(
    db: Database,
    actor: Actor,
    *,
    date_from: str | date,
    date_to: str | date,
    provider_id: int | str | None = None,
    patient_id: int | None = None,
    window: Window | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[SlotRead]:
    """Free slots in a clinic-local date range, in time order, never in the past."""
    require(actor, "schedule.read")
    first, last = parse_date("from", date_from), parse_date("to", date_to)
    if last < first:
        raise InvalidInput(f"{last} is before {first}", field="to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise InvalidInput(f"the range is longer than {MAX_RANGE_DAYS} days", field="to")
    pid = parse_int("provider", provider_id, minimum=1, maximum=2**31) if provider_id else None
    with db.read() as tx:
        if pid is not None:
            get_provider(tx.session, pid)
        found = free_in(
            tx.session,
            first,
            last,
            provider_id=pid,
            patient_id=patient_id,
            window=window,
            limit=limit,
            now=now or utcnow(),
        )
    return [SlotRead(s.start, s.end, ProviderId(s.provider_id), RoomId(s.room_id)) for s in found]


def free_in(
    session: Session,
    first: date,
    last: date,
    *,
    provider_id: int | None,
    patient_id: int | None,
    window: Window | None,
    limit: int | None,
    now: datetime,
) -> list[Slot]:
    """The finder inside a caller's transaction (booking and the waitlist reuse it).

    It searches in growing chunks of days (2, 4, 8... weeks) and stops as soon as `limit` slots
    are found, so "the next 10 slots" does not build and check half a year of them."""
    tz = clinic_in(session).tz
    prof = profile_in(session)
    caps = provider_caps(session, prof)
    not_before = max(now, window.not_before) if window and window.not_before else now
    not_after = window.not_after if window else None
    day = max(first, not_before.astimezone(tz).date())
    end = min(last, not_after.astimezone(tz).date()) if not_after else last
    span = _FIRST_CHUNK_DAYS
    result: list[Slot] = []
    while day <= end:
        chunk_end = min(end, day + timedelta(days=span - 1))
        slots = grid(session, day, chunk_end, tz, prof, provider_id=provider_id)
        if slots:
            busy = active_busy(
                session, slots[0].start - timedelta(days=1), slots[-1].end + timedelta(days=1)
            )
            for slot in free_slots(
                slots,
                busy,
                tz=tz,
                turnover_minutes=prof.turnover_minutes,
                patient_id=patient_id,
                daily_cap=caps,
                not_before=not_before,
                not_after=not_after,
            ):
                result.append(slot)
                if limit is not None and len(result) >= limit:
                    return result
        day = chunk_end + timedelta(days=1)
        span *= 2
    return result


_FIRST_CHUNK_DAYS = 14


def grid(
    session: Session,
    first: date,
    last: date,
    tz: ZoneInfo,
    prof: ProfileRead,
    *,
    provider_id: int | None = None,
    with_closures: bool = True,
) -> list[Slot]:
    """Every generated slot (free or not) in the range."""
    if provider_id is None:
        rows = fetch(session, _TEMPLATES)
    else:
        rows = fetch(session, _PROVIDER_TEMPLATES, {"provider_id": provider_id})
    specs = [TemplateSpec(**row._mapping) for row in rows]
    closure_specs = closure_specs_in(session, first, last) if with_closures else []
    return generate_slots(
        specs,
        closure_specs,
        tz=tz,
        date_from=first,
        date_to=last,
        case_minutes=prof.case_minutes,
        turnover_minutes=prof.turnover_minutes,
    )


def active_busy(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    provider_id: int | None = None,
    room_id: int | None = None,
    patient_id: int | None = None,
) -> list[Busy]:
    """Active appointments touching [start, end), optionally only those sharing a provider, a
    room or a patient with a candidate."""
    window = {
        "start": start.astimezone(UTC),
        "end": end.astimezone(UTC),
        # A lower bound on `start` lets the (provider|room|patient, start) indexes skip history:
        # nothing that overlaps `start` can have begun more than one longest block before it.
        "since": (start - MAX_BLOCK).astimezone(UTC),
    }
    shared = {"provider_id": provider_id, "room_id": room_id, "patient_id": patient_id}
    if all(value is None for value in shared.values()):
        rows = fetch(session, _ACTIVE_BUSY, window)
    else:  # a None never equals a column, so it shares nothing
        rows = fetch(session, _ACTIVE_BUSY_SHARING, window | shared)
    # Plain columns, not ORM rows: the finder reads thousands of these per search.
    return [Busy(*row) for row in rows]


def provider_caps(session: Session, prof: ProfileRead) -> dict[int, int | None]:
    return {pid: cap or prof.daily_case_cap for pid, cap in fetch(session, _PROVIDER_CAPS)}


def closures_on(session: Session, day: date, provider_id: int) -> list[ClosureSpec]:
    return [
        c
        for c in closure_specs_in(session, day, day)
        if c.provider_id is None or c.provider_id == provider_id
    ]


def closure_specs_in(session: Session, first: date, last: date) -> list[ClosureSpec]:
    rows = fetch(session, _CLOSURE_SPECS, {"first": first, "last": last})
    return [ClosureSpec(**row._mapping) for row in rows]


def _closures(session: Session, first: date, last: date) -> list[Closure]:
    stmt = select(Closure).where(Closure.start_date <= last, Closure.end_date >= first)
    return list(session.exec(stmt).all())


# The hot reads, each built once (see db.fetch).
_TEMPLATES = sa_select(
    *(getattr(AvailabilityTemplate, name) for name in TemplateSpec.__slots__)
).where(col(AvailabilityTemplate.active) == True)  # noqa: E712
_PROVIDER_TEMPLATES = _TEMPLATES.where(
    col(AvailabilityTemplate.provider_id) == bindparam("provider_id")
)
_CLOSURE_SPECS = sa_select(*(getattr(Closure, name) for name in ClosureSpec.__slots__)).where(
    col(Closure.start_date) <= bindparam("last"), col(Closure.end_date) >= bindparam("first")
)
_PROVIDER_CAPS = sa_select(col(Provider.id), col(Provider.daily_case_cap))
_ACTIVE_BUSY = sa_select(
    col(Appointment.id),
    col(Appointment.provider_id),
    col(Appointment.room_id),
    col(Appointment.patient_id),
    col(Appointment.start),
    col(Appointment.end),
    col(Appointment.block_end),
).where(
    # The statuses written into the SQL (our own constants): an IN list of bound values would be
    # re-rendered on every run.
    col(Appointment.status).in_([literal_column(f"'{s.value}'") for s in ACTIVE_STATUSES]),
    col(Appointment.start) < bindparam("end"),
    col(Appointment.block_end) > bindparam("start"),
    col(Appointment.start) > bindparam("since"),
)
_ACTIVE_BUSY_SHARING = _ACTIVE_BUSY.where(
    or_(
        col(Appointment.provider_id) == bindparam("provider_id"),
        col(Appointment.room_id) == bindparam("room_id"),
        col(Appointment.patient_id) == bindparam("patient_id"),
    )
)


def _template_read(row: AvailabilityTemplate) -> TemplateRead:
    return TemplateRead(
        id=TemplateId(row.id or 0),
        provider_id=ProviderId(row.provider_id),
        room_id=RoomId(row.room_id),
        rrule=row.rrule,
        start_time=row.start_time,
        end_time=row.end_time,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def _closure_read(row: Closure) -> ClosureRead:
    return ClosureRead(
        id=row.id or 0,
        provider_id=ProviderId(row.provider_id) if row.provider_id else None,
        start_date=row.start_date,
        end_date=row.end_date,
        reason=row.reason,
    )


def _asdict(read: TemplateRead | ClosureRead) -> dict[str, object]:
    return {name: getattr(read, name) for name in read.__slots__}
