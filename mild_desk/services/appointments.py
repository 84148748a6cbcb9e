"""Appointments: booking, rescheduling, state changes and the day list."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mild_desk.db import Database, Transaction, fetch
from mild_desk.errors import InvalidInput, NotFound, Refused, SlotTaken, StaleEdit
from mild_desk.models.enums import ACTIVE_STATUSES, AppointmentStatus, CancelledBy, Laterality
from mild_desk.models.tables import Appointment, Driver, Patient, Provider, Room, User
from mild_desk.models.types import AppointmentId, PatientId, ProviderId, RoomId
from mild_desk.rules.conflicts import Busy, ConflictKind, day_counts, find_conflicts
from mild_desk.rules.slots import Slot, local_date
from mild_desk.rules.states import IllegalTransition, check_transition
from mild_desk.services import audit
from mild_desk.services.availability import active_busy, closures_on, grid, provider_caps
from mild_desk.services.base import (
    Actor,
    clean_text,
    local_text,
    parse_date,
    parse_datetime,
    parse_int,
    require,
    utcnow,
)
from mild_desk.services.clinic import clinic_in, profile_in, require_active
from mild_desk.services.patients import patient_id_by_mrn
from mild_desk.services.prep_inputs import booking_refusal

_LEVEL = re.compile(r"^(L[1-4]-L[2-5]|L5-S1)$")
_AUDITED = (
    "status",
    "start",
    "end",
    "provider_id",
    "room_id",
    "levels",
    "laterality",
    "cancelled_by",
    "cancel_reason",
    "replaces_id",
    "version",
)


@dataclass(frozen=True, slots=True)
class AppointmentRead:
    id: AppointmentId
    status: AppointmentStatus
    start: datetime
    end: datetime
    provider_id: ProviderId
    provider_name: str
    room_id: RoomId
    room_name: str
    patient_id: PatientId
    patient_mrn: str
    patient_name: str
    levels: str
    laterality: Laterality | None
    replaces_id: AppointmentId | None
    cancelled_by: CancelledBy | None
    cancel_reason: str | None
    version: int
    updated_at: datetime


def book(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    start: str | datetime,
    provider_id: int | str | None = None,
    room_id: int | str | None = None,
    levels: str | None = None,
    laterality: str | None = None,
    pending: bool = False,
    now: datetime | None = None,
) -> AppointmentRead:
    """Book a patient into a generated slot. The checks and the insert share one write
    transaction, so two workstations cannot both take the same slot."""
    require(actor, "appointment.book")
    when = now or utcnow()
    pid = _opt_id("provider", provider_id)
    rid = _opt_id("room", room_id)
    lv, lat = clean_levels(levels), clean_laterality(laterality)
    with db.write() as tx:
        session = tx.session
        patient_id = patient_id_by_mrn(session, mrn)
        tz = clinic_in(session).tz
        begin = parse_datetime("start", start, tz)
        status = AppointmentStatus.PENDING if pending else AppointmentStatus.BOOKED
        row = _place(
            tx,
            patient_id=patient_id,
            start=begin,
            provider_id=pid,
            room_id=rid,
            status=status,
            now=when,
            tz=tz,
        )
        row.update(levels=lv, laterality=lat, created_by=actor.user_id, updated_by=actor.user_id)
        _insert(session, row, tz)
        audit.record(
            tx, actor, "appointment.book", "appointment", row["id"], after=_snapshot(row), now=when
        )
        read = _read(session, row)
        tx.commit()
        return read


def reschedule(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    start: str | datetime,
    provider_id: int | str | None = None,
    room_id: int | str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentRead:
    """A new appointment that records the one it replaces; the old one is cancelled in the
    same transaction (so the patient's own old slot never blocks the new one)."""
    require(actor, "appointment.book")
    when = now or utcnow()
    pid = _opt_id("provider", provider_id)
    rid = _opt_id("room", room_id)
    with db.write() as tx:
        session = tx.session
        old = _get_for_update(session, appointment_id, expected_version)
        tz = clinic_in(session).tz
        begin = parse_datetime("start", start, tz)
        if old.status not in (AppointmentStatus.PENDING, AppointmentStatus.BOOKED):
            raise Refused(
                f"a {old.status.value} appointment cannot be rescheduled", field="appointment"
            )
        before = _snapshot(old)
        old.status = AppointmentStatus.CANCELLED
        old.cancel_reason = "rescheduled"
        _touch(old, actor, when)
        session.add(old)
        session.flush()
        new = _place(
            tx,
            patient_id=old.patient_id,
            start=begin,
            provider_id=pid if pid is not None else None,
            room_id=rid,
            status=AppointmentStatus(before["status"]),
            now=when,
            tz=tz,
            prefer_provider=old.provider_id,
        )
        new.update(levels=old.levels, laterality=old.laterality, replaces_id=old.id)
        new.update(created_by=actor.user_id, updated_by=actor.user_id)
        _insert(session, new, tz)
        driver = session.exec(select(Driver).where(Driver.appointment_id == old.id)).first()
        if driver is not None:
            session.add(
                Driver(
                    appointment_id=new["id"],
                    name=driver.name,
                    phone=driver.phone,
                    relationship=driver.relationship,
                    updated_at=when,
                    updated_by=actor.user_id,
                )
            )
        old.cancel_reason = f"rescheduled to appointment {new['id']}"
        session.add(old)
        audit.record(
            tx,
            actor,
            "appointment.cancel",
            "appointment",
            old.id,
            before=before,
            after=_snapshot(old),
            now=when,
        )
        audit.record(
            tx, actor, "appointment.book", "appointment", new["id"], after=_snapshot(new), now=when
        )
        read = _read(session, new)
        tx.commit()
        return read


def confirm(db: Database, actor: Actor, appointment_id: int | str, **kw: Any) -> AppointmentRead:
    """pending → booked."""
    require(actor, "appointment.book")
    return _transition(db, actor, appointment_id, AppointmentStatus.BOOKED, **kw)


def check_in(db: Database, actor: Actor, appointment_id: int | str, **kw: Any) -> AppointmentRead:
    """booked → arrived."""
    require(actor, "appointment.check_in")
    return _transition(db, actor, appointment_id, AppointmentStatus.ARRIVED, **kw)


def no_show(db: Database, actor: Actor, appointment_id: int | str, **kw: Any) -> AppointmentRead:
    require(actor, "appointment.noshow")
    return _transition(db, actor, appointment_id, AppointmentStatus.NOSHOW, **kw)


def entered_in_error(
    db: Database, actor: Actor, appointment_id: int | str, *, reason: str, **kw: Any
) -> AppointmentRead:
    require(actor, "appointment.cancel")
    text = clean_text("reason", reason, max_len=500)
    return _transition(
        db, actor, appointment_id, AppointmentStatus.ENTERED_IN_ERROR, cancel_reason=text, **kw
    )


def cancel(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    by: str,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentRead:
    """Cancel by the patient or the clinic with a reason; the slot is free at once."""
    require(actor, "appointment.cancel")
    try:
        who = CancelledBy((by or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"{by!r} is not patient or clinic", field="by") from None
    text = clean_text("reason", reason, max_len=500)
    return _transition(
        db,
        actor,
        appointment_id,
        AppointmentStatus.CANCELLED,
        cancelled_by=who,
        cancel_reason=text,
        expected_version=expected_version,
        now=now,
    )


def get(db: Database, actor: Actor, appointment_id: int | str) -> AppointmentRead:
    require(actor, "schedule.read")
    with db.read() as tx:
        return _read(tx.session, _get(tx.session, appointment_id))


def on_date(db: Database, actor: Actor, day: str | date) -> list[AppointmentRead]:
    """Every appointment starting on a clinic-local date, in time order."""
    require(actor, "schedule.read")
    first = parse_date("date", day)
    with db.read() as tx:
        return between(tx.session, first, first)


def between(session: Session, first: date, last: date) -> list[AppointmentRead]:
    tz = clinic_in(session).tz
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    rows = fetch(session, _READ_BETWEEN, {"lo": lo, "hi": hi})
    return [_read_model(row._mapping, *row[-5:]) for row in rows]


def clean_levels(levels: str | None) -> str:
    """ "l4-l5, L3-L4" → "L3-L4,L4-L5"; each level one MILD lumbar interspace."""
    text = clean_text("levels", levels, required=False, max_len=60).upper().replace(" ", "")
    if not text:
        return ""
    parts = sorted(set(text.split(",")))
    for part in parts:
        if not _LEVEL.match(part):
            raise InvalidInput(
                f"{part!r} is not a lumbar level like L4-L5 or L5-S1", field="levels"
            )
        if part != "L5-S1" and int(part[4]) != int(part[1]) + 1:
            raise InvalidInput(f"{part!r} is not two adjacent vertebrae", field="levels")
    return ",".join(parts)


def clean_laterality(value: str | None) -> Laterality | None:
    if not value:
        return None
    try:
        return Laterality(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not left, right or bilateral", field="laterality"
        ) from None


def get_row(session: Session, appointment_id: int | str) -> Appointment:
    return _get(session, appointment_id)


def get_for_update(
    session: Session, appointment_id: int | str, expected_version: int | None
) -> Appointment:
    """The row to change; StaleEdit ("changed by NAME at TIME — reload") when someone changed
    it since the caller read `expected_version` (None: no check)."""
    return _get_for_update(session, appointment_id, expected_version)


def read_model(session: Session, row: Appointment) -> AppointmentRead:
    return _read(session, row)


def snapshot(row: Appointment) -> dict[str, Any]:
    return _snapshot(row)


def touch(row: Appointment, actor: Actor, when: datetime) -> None:
    _touch(row, actor, when)


def _place(
    tx: Transaction,
    *,
    patient_id: int,
    start: datetime,
    provider_id: int | None,
    room_id: int | None,
    status: AppointmentStatus,
    now: datetime,
    tz: ZoneInfo,
    prefer_provider: int | None = None,
) -> dict[str, Any]:
    """Choose the slot at `start` and check every scheduling rule; returns the new row's values,
    to be inserted by `_insert` (a plain dict: building an ORM object costs more than the
    insert)."""
    session = tx.session
    if provider_id is not None:
        require_active(session, "provider", provider_id)
    if room_id is not None:
        require_active(session, "room", room_id)
    if start < now:
        raise Refused(f"{local_text(start, tz)} is in the past", field="start")
    prof = profile_in(session)
    day = local_date(start, tz)
    day_grid = grid(session, day, day, tz, prof, provider_id=provider_id, with_closures=False)
    at_start = [s for s in day_grid if s.start == start and room_id in (None, s.room_id)]
    if not at_start:
        raise Refused(_off_grid(day_grid, start, tz), field="start")
    if prefer_provider is not None:
        at_start.sort(key=lambda s: s.provider_id != prefer_provider)
    open_slots = [s for s in at_start if not closures_on(session, day, s.provider_id)]
    if not open_slots:
        closure = closures_on(session, day, at_start[0].provider_id)[0]
        raise Refused(f"closed on {local_text(start, tz)[:-6]}: {closure.reason}", field="start")
    prep_refusal = booking_refusal(session, patient_id=patient_id, start=start, status=status)
    if prep_refusal is not None:
        raise prep_refusal
    _lock(session, patient_id, open_slots)
    caps = provider_caps(session, prof)
    refusal: Refused | None = None
    for slot in open_slots:
        try:
            _check_slot(session, slot, patient_id, caps, tz, prof.turnover_minutes)
        except Refused as exc:
            refusal = refusal or exc
            continue
        return {
            **_NEW_ROW,
            "patient_id": patient_id,
            "provider_id": slot.provider_id,
            "room_id": slot.room_id,
            "start": slot.start,
            "end": slot.end,
            "block_end": slot.end + timedelta(minutes=prof.turnover_minutes),
            "status": status,
            "created_at": now,
            "updated_at": now,
        }
    assert refusal is not None
    raise refusal


def _check_slot(
    session: Session,
    slot: Slot,
    patient_id: int,
    caps: dict[int, int | None],
    tz: ZoneInfo,
    turnover: int,
) -> None:
    block_end = slot.end + timedelta(minutes=turnover)
    candidate = Busy(0, slot.provider_id, slot.room_id, patient_id, slot.start, slot.end, block_end)
    # Everything that can collide overlaps [start, block_end): the patient's own hold ends
    # earlier, at `end`.
    nearby = active_busy(
        session,
        slot.start,
        block_end,
        provider_id=slot.provider_id,
        room_id=slot.room_id,
        patient_id=patient_id,
    )
    conflicts = find_conflicts(candidate, nearby)
    if conflicts:
        first = conflicts[0]
        if first.kind is ConflictKind.PATIENT:
            other = session.get(Appointment, first.appointment_id)
            assert other is not None
            raise SlotTaken(
                f"the patient already has appointment {other.id} at {local_text(other.start, tz)}",
                field="start",
            )
        who = {ConflictKind.PROVIDER: "provider", ConflictKind.ROOM: "room"}[first.kind]
        raise SlotTaken(
            f"slot taken: the {who} is already booked at {local_text(slot.start, tz)}",
            field="start",
        )
    cap = caps.get(slot.provider_id)
    if cap:
        day = local_date(slot.start, tz)
        lo = datetime.combine(day, time(0), tzinfo=tz)
        hi = lo + timedelta(days=1)
        count = day_counts(active_busy(session, lo, hi, provider_id=slot.provider_id), tz)
        if count.get((slot.provider_id, day), 0) >= cap:
            raise Refused(
                f"the provider already has {cap} cases on {day:%a %d %b %Y} (the daily cap)",
                field="start",
            )


# Built once (see db.fetch). A placed row is inserted as it is, not added to the session: it is
# only read afterwards (audit snapshot, read model).
_COLUMNS = tuple(c.name for c in sa.inspect(Appointment).columns)
_INSERTED = tuple(name for name in _COLUMNS if name != "id")
# A new row's values before `_place` and the caller fill in the rest: the columns' defaults.
_NEW_ROW = {
    c.name: getattr(c.default, "arg", None)
    for c in sa.inspect(Appointment).columns
    if c.default is not None or c.nullable
}
_INSERT = sa.insert(Appointment).returning(col(Appointment.id))


# The exclusion constraints of migration 0002 (PostgreSQL only), by what they protect.
_NO_OVERLAP = {
    "appointment_provider_no_overlap": ConflictKind.PROVIDER,
    "appointment_room_no_overlap": ConflictKind.ROOM,
    "appointment_patient_no_overlap": ConflictKind.PATIENT,
}


def _insert(session: Session, row: dict[str, Any], tz: ZoneInfo) -> None:
    """Insert a placed appointment. On PostgreSQL the database's no-overlap constraints back up
    `_check_slot` (a client that skipped it still cannot double-book); their violation becomes the
    same SlotTaken refusal."""
    values = {name: row[name] for name in _INSERTED}
    if session.get_bind().dialect.name == "sqlite":
        row["id"] = fetch(session, _INSERT, values).scalar_one()
        return
    try:
        with session.begin_nested():  # a savepoint, so the refusal can still name the other one
            row["id"] = fetch(session, _INSERT, values).scalar_one()
    except IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        kind = _NO_OVERLAP.get(str(getattr(diag, "constraint_name", None)))
        if kind is None:
            raise
        if kind is ConflictKind.PATIENT:
            other = session.exec(
                select(Appointment)
                .where(
                    Appointment.patient_id == row["patient_id"],
                    col(Appointment.status).in_([s.value for s in ACTIVE_STATUSES]),
                    col(Appointment.start) < row["end"],
                    col(Appointment.end) > row["start"],
                )
                .order_by(col(Appointment.start))
            ).first()
            if other is not None:
                raise SlotTaken(
                    f"the patient already has appointment {other.id} at "
                    f"{local_text(other.start, tz)}",
                    field="start",
                ) from None
        raise SlotTaken(
            f"slot taken: the {kind.value} is already booked at {local_text(row['start'], tz)}",
            field="start",
        ) from None


def _lock(session: Session, patient_id: int, slots: list[Slot]) -> None:
    """Serialise bookings that could collide. SQLite already holds the database write lock
    (BEGIN IMMEDIATE); on a server database these row locks do the same per provider, room and
    patient."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.exec(select(Patient.id).where(Patient.id == patient_id).with_for_update()).all()
    for slot in slots:
        session.exec(
            select(Provider.id).where(Provider.id == slot.provider_id).with_for_update()
        ).all()
        session.exec(select(Room.id).where(Room.id == slot.room_id).with_for_update()).all()


def _off_grid(day_grid: list[Slot], start: datetime, tz: ZoneInfo) -> str:
    when = local_text(start, tz)
    if not day_grid:
        return f"{when} is not a bookable slot: no MILD session that day"
    times = ", ".join(sorted({local_text(s.start, tz, with_date=False) for s in day_grid}))
    return f"{when} is not a bookable slot (that day's slots start at {times})"


def _transition(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    new: AppointmentStatus,
    *,
    cancelled_by: CancelledBy | None = None,
    cancel_reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> AppointmentRead:
    when = now or utcnow()
    with db.write() as tx:
        session = tx.session
        row = _get_for_update(session, appointment_id, expected_version)
        try:
            check_transition(row.status, new)
        except IllegalTransition as exc:
            raise Refused(str(exc), field="status") from None
        if new is AppointmentStatus.BOOKED:
            refusal = booking_refusal(
                session, patient_id=row.patient_id, start=row.start, status=new
            )
            if refusal is not None:
                raise refusal
        before = _snapshot(row)
        row.status = new
        if cancelled_by is not None:
            row.cancelled_by = cancelled_by
        if cancel_reason is not None:
            row.cancel_reason = cancel_reason
        _touch(row, actor, when)
        session.add(row)
        audit.record(
            tx,
            actor,
            f"appointment.{new.value}",
            "appointment",
            row.id,
            before=before,
            after=_snapshot(row),
            now=when,
        )
        read = _read(session, row)
        tx.commit()
        return read


def _get(session: Session, appointment_id: int | str) -> Appointment:
    aid = parse_int("appointment", appointment_id, minimum=1, maximum=2**31)
    row = session.get(Appointment, aid)
    if row is None:
        raise NotFound(f"no appointment {aid}", field="appointment")
    return row


def _get_for_update(
    session: Session, appointment_id: int | str, expected_version: int | None
) -> Appointment:
    row = _get(session, appointment_id)
    if expected_version is not None and row.version != expected_version:
        editor = session.get(User, row.updated_by) if row.updated_by else None
        tz = clinic_in(session).tz
        raise StaleEdit(
            f"changed by {editor.full_name or editor.username if editor else 'someone'} at "
            f"{local_text(row.updated_at, tz)} — reload",
            field="appointment",
        )
    return row


def _touch(row: Appointment, actor: Actor, when: datetime) -> None:
    row.version += 1
    row.updated_at = when
    row.updated_by = actor.user_id


def _snapshot(row: Appointment | Mapping[str, Any]) -> dict[str, Any]:
    values = row if isinstance(row, Mapping) else _values(row)
    return {name: values[name] for name in _AUDITED}


def _values(row: Appointment) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _COLUMNS}


def _opt_id(field: str, value: int | str | None) -> int | None:
    if value is None or value == "":
        return None
    return parse_int(field, value, minimum=1, maximum=2**31)


def _read(session: Session, row: Appointment | Mapping[str, Any]) -> AppointmentRead:
    """The read model of a stored row, or of the values `_insert` has just stored."""
    v = row if isinstance(row, Mapping) else _values(row)
    names = fetch(
        session,
        _READ_NAMES,
        {"patient_id": v["patient_id"], "provider_id": v["provider_id"], "room_id": v["room_id"]},
    ).one()
    return _read_model(v, *names)


def _read_model(
    v: Mapping[Any, Any],
    mrn: str,
    last_name: str,
    first_name: str,
    provider_name: str,
    room_name: str,
) -> AppointmentRead:
    return AppointmentRead(
        id=AppointmentId(v["id"]),
        status=AppointmentStatus(v["status"]),
        start=v["start"],
        end=v["end"],
        provider_id=ProviderId(v["provider_id"]),
        provider_name=provider_name,
        room_id=RoomId(v["room_id"]),
        room_name=room_name,
        patient_id=PatientId(v["patient_id"]),
        patient_mrn=mrn,
        patient_name=f"{last_name}, {first_name}",
        levels=v["levels"],
        laterality=v["laterality"],
        replaces_id=AppointmentId(v["replaces_id"]) if v["replaces_id"] else None,
        cancelled_by=v["cancelled_by"],
        cancel_reason=v["cancel_reason"],
        version=v["version"],
        updated_at=v["updated_at"],
    )


_NAMES: tuple[Any, ...] = (
    col(Patient.mrn),
    col(Patient.last_name),
    col(Patient.first_name),
    col(Provider.name).label("provider_name"),
    col(Room.name).label("room_name"),
)
_READ_NAMES = (
    sa.select(*_NAMES)
    .select_from(Patient)
    .where(col(Patient.id) == sa.bindparam("patient_id"))
    .join(Provider, col(Provider.id) == sa.bindparam("provider_id"))
    .join(Room, col(Room.id) == sa.bindparam("room_id"))
)
# The rows of a date range with their names, in one statement (the day packet, calendar export).
_READ_BETWEEN = (
    sa.select(*(getattr(Appointment, name) for name in _COLUMNS), *_NAMES)
    .select_from(Appointment)
    .join(Patient, col(Patient.id) == col(Appointment.patient_id))
    .join(Provider, col(Provider.id) == col(Appointment.provider_id))
    .join(Room, col(Room.id) == col(Appointment.room_id))
    .where(
        col(Appointment.start) >= sa.bindparam("lo"), col(Appointment.start) < sa.bindparam("hi")
    )
    .order_by(col(Appointment.start), col(Appointment.provider_id))
)
