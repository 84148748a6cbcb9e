"""The waitlist: patients who want an earlier date, and who fits a slot when one frees."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput, NotFound
from mild_desk.models.enums import ACTIVE_STATUSES, WaitlistStatus
from mild_desk.models.tables import Appointment, Patient, WaitlistEntry
from mild_desk.models.types import AppointmentId, PatientId, ProviderId
from mild_desk.rules.conflicts import Busy, find_conflicts
from mild_desk.rules.slots import local_date
from mild_desk.services import audit
from mild_desk.services.availability import active_busy
from mild_desk.services.base import Actor, clean_text, parse_date, parse_int, require, utcnow
from mild_desk.services.clinic import clinic_in, get_provider
from mild_desk.services.patients import patient_by_mrn


@dataclass(frozen=True, slots=True)
class WaitlistRead:
    id: int
    patient_id: PatientId
    patient_mrn: str
    patient_name: str
    preferred_provider_id: ProviderId | None
    unavailable_dates: tuple[date, ...]
    current_appointment_id: AppointmentId | None
    current_start: datetime | None
    note: str
    created_at: datetime


def add(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    preferred_provider_id: int | str | None = None,
    unavailable: list[str] | list[date] | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> WaitlistRead:
    require(actor, "waitlist.manage")
    when = now or utcnow()
    days = sorted({parse_date("unavailable", d) for d in unavailable or []})
    text = clean_text("note", note, required=False, max_len=500)
    pid = (
        parse_int("provider", preferred_provider_id, minimum=1, maximum=2**31)
        if preferred_provider_id
        else None
    )
    with db.write() as tx:
        session = tx.session
        patient = patient_by_mrn(session, mrn)
        if pid is not None:
            get_provider(session, pid)
        waiting = session.exec(
            select(WaitlistEntry.id).where(
                WaitlistEntry.patient_id == patient.id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
            )
        ).first()
        if waiting is not None:
            raise InvalidInput(f"{patient.mrn} is already on the waitlist", field="mrn")
        row = WaitlistEntry(
            patient_id=patient.id or 0,
            preferred_provider_id=pid,
            unavailable_dates=json.dumps([d.isoformat() for d in days]),
            note=text,
            created_at=when,
        )
        session.add(row)
        session.flush()
        audit.record(
            tx,
            actor,
            "waitlist.add",
            "waitlist",
            row.id,
            after={
                "patient_id": patient.id,
                "preferred_provider_id": pid,
                "unavailable_dates": days,
            },
            now=when,
        )
        read = _read(session, row, when)
        tx.commit()
        return read


def remove(db: Database, actor: Actor, entry_id: int | str) -> None:
    require(actor, "waitlist.manage")
    eid = parse_int("entry", entry_id, minimum=1, maximum=2**31)
    with db.write() as tx:
        row = tx.session.get(WaitlistEntry, eid)
        if row is None or row.status is not WaitlistStatus.WAITING:
            raise NotFound(f"no waiting entry {eid}", field="entry")
        row.status = WaitlistStatus.REMOVED
        tx.session.add(row)
        audit.record(tx, actor, "waitlist.remove", "waitlist", eid, after={"status": "removed"})
        tx.commit()


def waiting(db: Database, actor: Actor, *, now: datetime | None = None) -> list[WaitlistRead]:
    """Everyone waiting, first come first served."""
    require(actor, "schedule.read")
    when = now or utcnow()
    with db.read() as tx:
        return [_read(tx.session, r, when) for r in _waiting_rows(tx.session)]


def candidates(
    db: Database,
    actor: Actor,
    *,
    start: datetime,
    end: datetime,
    provider_id: int,
    room_id: int,
    turnover_minutes: int,
    now: datetime | None = None,
) -> list[WaitlistRead]:
    """Waiting patients who fit a freed slot, in waitlist order: the slot is earlier than the
    date they hold, they can come that day, it suits their preferred provider, and they have no
    other appointment then."""
    require(actor, "schedule.read")
    when = now or utcnow()
    with db.read() as tx:
        session = tx.session
        tz = clinic_in(session).tz
        day = local_date(start, tz)
        block_end = end + timedelta(minutes=turnover_minutes)
        fits: list[WaitlistRead] = []
        for row in _waiting_rows(session):
            entry = _read(session, row, when)
            if entry.preferred_provider_id not in (None, provider_id):
                continue
            if day in entry.unavailable_dates:
                continue
            if entry.current_start is not None and entry.current_start <= start:
                continue
            mine = Busy(0, provider_id, room_id, row.patient_id, start, end, block_end)
            others = [
                b
                for b in active_busy(
                    session,
                    start - timedelta(days=1),
                    end + timedelta(days=1),
                    patient_id=row.patient_id,
                )
                if b.appointment_id != entry.current_appointment_id
            ]
            if any(c.kind == "patient" for c in find_conflicts(mine, others)):
                continue
            fits.append(entry)
        return fits


def _waiting_rows(session: Session) -> list[WaitlistEntry]:
    return list(
        session.exec(
            select(WaitlistEntry)
            .where(WaitlistEntry.status == WaitlistStatus.WAITING)
            .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
        ).all()
    )


def _read(session: Session, row: WaitlistEntry, now: datetime) -> WaitlistRead:
    patient = session.get(Patient, row.patient_id)
    assert patient is not None
    upcoming = session.exec(
        select(Appointment)
        .where(
            Appointment.patient_id == row.patient_id,
            col(Appointment.status).in_([s.value for s in ACTIVE_STATUSES]),
            col(Appointment.start) >= now,
        )
        .order_by(col(Appointment.start))
    ).first()
    return WaitlistRead(
        id=row.id or 0,
        patient_id=PatientId(row.patient_id),
        patient_mrn=patient.mrn,
        patient_name=f"{patient.last_name}, {patient.first_name}",
        preferred_provider_id=(
            ProviderId(row.preferred_provider_id) if row.preferred_provider_id else None
        ),
        unavailable_dates=tuple(date.fromisoformat(d) for d in json.loads(row.unavailable_dates)),
        current_appointment_id=AppointmentId(upcoming.id or 0) if upcoming else None,
        current_start=upcoming.start if upcoming else None,
        note=row.note,
        created_at=row.created_at,
    )
