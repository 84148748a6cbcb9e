"""What a printed document needs, gathered in one place, and the audit event of every print."""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput
from mild_desk.models.enums import ACTIVE_STATUSES, AppointmentStatus, ChecklistState
from mild_desk.models.tables import Appointment, Driver
from mild_desk.rules.checklist import KEY_DRIVER_PRESENT
from mild_desk.services import appointments, audit, patients, prep
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.base import Actor, parse_date, require, utcnow
from mild_desk.services.clinic import ClinicRead, clinic_in
from mild_desk.services.document_kinds import PATIENT_FACING as PATIENT_FACING
from mild_desk.services.document_kinds import PERMISSION as PERMISSION
from mild_desk.services.document_kinds import DocumentKind as DocumentKind
from mild_desk.services.patients import PatientRead
from mild_desk.services.prep import ChecklistLine, PrepReport

LANGUAGES = patients.LANGUAGES
DAY_STATUSES = ACTIVE_STATUSES | {AppointmentStatus.FULFILLED}
"""Appointments a day packet covers: the day's active ones and those already done."""


@dataclass(frozen=True, slots=True)
class DriverRead:
    name: str
    phone: str
    relationship: str


@dataclass(frozen=True, slots=True)
class DocumentData:
    """Everything one appointment's documents show; the printing code reads nothing else."""

    clinic: ClinicRead
    patient: PatientRead
    appointment: AppointmentRead
    prep: PrepReport
    checklist: tuple[ChecklistLine, ...]
    driver: DriverRead | None
    follow_up: AppointmentRead | None
    printed_at: datetime
    printed_by: str

    @property
    def tz(self) -> ZoneInfo:
        return self.clinic.tz

    def checklist_state(self, key: str) -> ChecklistState | None:
        return next((line.state for line in self.checklist if line.key == key), None)


@dataclass(frozen=True, slots=True)
class DayData:
    """A day's packet: the appointments of one clinic-local date, each with its documents' data."""

    clinic: ClinicRead
    day: date
    documents: tuple[DocumentData, ...]
    printed_at: datetime
    printed_by: str

    @property
    def tz(self) -> ZoneInfo:
        return self.clinic.tz


@dataclass(frozen=True, slots=True)
class PrintRecord:
    """What was printed (also what `mild-desk print` reports)."""

    document: DocumentKind
    entity: str
    entity_id: str
    lang: str
    pages: int
    final: bool
    sha256: str
    via: str
    out: str | None = None


def document_data(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    kind: DocumentKind = DocumentKind.CHECKLIST,
    now: datetime | None = None,
) -> DocumentData:
    """Gather one appointment's document data (refused unless the role may print `kind`)."""
    require(actor, PERMISSION[kind])
    when = now or utcnow()
    appt = appointments.get(db, actor, appointment_id)
    return _gather(db, actor, appt, when)


def day_data(
    db: Database,
    actor: Actor,
    day: str | date,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DayData:
    """The day packet's data: every active or fulfilled appointment of a clinic-local date, in
    time order. `progress(done, total)` is called after each appointment."""
    require(actor, PERMISSION[DocumentKind.DAY])
    first = parse_date("date", day)
    when = now or utcnow()
    todo = [a for a in appointments.on_date(db, actor, first) if a.status in DAY_STATUSES]
    gathered = []
    for n, appt in enumerate(todo, start=1):
        gathered.append(_gather(db, actor, appt, when))
        if progress is not None:
            progress(n, len(todo))
    return DayData(
        clinic=gathered[0].clinic if gathered else _clinic(db),
        day=first,
        documents=tuple(gathered),
        printed_at=when,
        printed_by=_who(actor),
    )


def discharge_problems(data: DocumentData) -> tuple[str, ...]:
    """Why a discharge sheet may not be final (empty when it may): the procedure must be done
    (fulfilled) and the driver confirmed present on the checklist."""
    problems = []
    if data.appointment.status is not AppointmentStatus.FULFILLED:
        problems.append(f"the procedure is not marked done (status {data.appointment.status})")
    if data.checklist_state(KEY_DRIVER_PRESENT) is not ChecklistState.CONFIRMED:
        problems.append("the driver is not confirmed present on the checklist")
    return tuple(problems)


def language(data: DocumentData, lang: str | None) -> str:
    """The language to print in: `lang` when given (en or es), else the patient's preferred one."""
    chosen = (lang or data.patient.preferred_language or "en").strip().lower()
    if chosen not in LANGUAGES:
        raise InvalidInput(f"{lang!r} is not one of {', '.join(LANGUAGES)}", field="lang")
    return chosen


def record_print(
    db: Database,
    actor: Actor,
    *,
    kind: DocumentKind,
    entity_id: int | str | date,
    lang: str,
    pages: int,
    final: bool,
    sha256: str,
    via: str,
    appointments_printed: tuple[int, ...] = (),
    out: str | None = None,
    now: datetime | None = None,
) -> PrintRecord:
    """Append the audit event of one print (a file saved, a page sent to a printer)."""
    require(actor, PERMISSION[kind])
    when = now or utcnow()
    entity = "day" if kind is DocumentKind.DAY else "appointment"
    ident = entity_id.isoformat() if isinstance(entity_id, date) else str(entity_id)
    after: dict[str, object] = {
        "lang": lang,
        "pages": pages,
        "final": final,
        "sha256": sha256,
        "via": via,
    }
    if appointments_printed:
        after["appointments"] = list(appointments_printed)
    with db.write() as tx:
        audit.record(tx, actor, f"print.{kind.value}", entity, ident, after=after, now=when)
        tx.commit()
    return PrintRecord(kind, entity, ident, lang, pages, final, sha256, via, out)


# --- helpers -----------------------------------------------------------------------------


_T = TypeVar("_T")


def write_recorded(out: Path, pdf: bytes, record: Callable[[], _T]) -> _T:
    """Write a PDF that holds patient data: staged owner-only (0600) beside `out`, the print
    recorded (`record()`, the audit event), then moved into place, so a file appears only when
    its print is in the audit log, and a failed print leaves no file behind."""
    try:
        fd, staged = tempfile.mkstemp(prefix=".mild-desk-", suffix=".pdf", dir=out.parent)
    except OSError as exc:
        raise InvalidInput(f"cannot write in {out.parent}: {exc.strerror}", field="out") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
        result = record()
        os.replace(staged, out)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return result


def _gather(db: Database, actor: Actor, appt: AppointmentRead, when: datetime) -> DocumentData:
    report = prep.prep(db, actor, appt.id, now=when)
    lines = tuple(prep.checklist(db, actor, appt.id))
    patient = patients.get(db, actor, appt.patient_id)
    with db.read() as tx:
        session = tx.session
        clinic = clinic_in(session)
        row = session.exec(select(Driver).where(Driver.appointment_id == appt.id)).first()
        driver = DriverRead(row.name, row.phone, row.relationship or "") if row else None
        nxt = session.exec(
            select(Appointment)
            .where(
                Appointment.patient_id == appt.patient_id,
                col(Appointment.start) >= appt.end,
                col(Appointment.status).in_([s.value for s in ACTIVE_STATUSES]),
                Appointment.id != appt.id,
            )
            .order_by(col(Appointment.start))
        ).first()
        follow_up = appointments.read_model(session, nxt) if nxt is not None else None
    return DocumentData(
        clinic=clinic,
        patient=patient,
        appointment=appt,
        prep=report,
        checklist=lines,
        driver=driver,
        follow_up=follow_up,
        printed_at=when,
        printed_by=_who(actor),
    )


def _clinic(db: Database) -> ClinicRead:
    with db.read() as tx:
        return clinic_in(tx.session)


def _who(actor: Actor) -> str:
    return actor.full_name or actor.username
