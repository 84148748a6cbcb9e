"""Read model of the appointment panel: the appointment, its patient's imaging, medications,
labs, clearances and driver, its prep report, checklist and audit history."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from mild_desk.db import Database
from mild_desk.models.enums import Indication, RequirementStatus
from mild_desk.models.tables import (
    Driver,
    ImagingStudy,
    LabResult,
    MedicationEntry,
    Patient,
    PrescriberClearance,
)
from mild_desk.resources import hold_table
from mild_desk.rules.prep import study_valid_until
from mild_desk.services import appointments, audit, patients, prep
from mild_desk.services.audit import AuditEntry
from mild_desk.services.base import Actor, require, utcnow
from mild_desk.services.clinic import clinic_in
from mild_desk.services.prep import ChecklistLine, PrepReport
from mild_desk.services.prep_inputs import profile_values


@dataclass(frozen=True, slots=True)
class ImagingRow:
    id: int
    modality: str
    study_date: date
    lf_mm: float | None
    levels: str
    note: str
    valid_until: date


@dataclass(frozen=True, slots=True)
class MedicationRow:
    entry_id: int
    drug: str
    indication: Indication | None
    last_dose_at: datetime | None
    hold_text: str
    last_allowed_dose: datetime | None
    restart_at: datetime | None
    status: RequirementStatus | None
    needs_clearance: bool
    cleared_by: str | None
    detail: str
    evidence: str
    """How well the sources support the hold row (REFERENCE.md): VERIFIED, PARTIAL or
    UNVERIFIED; "" for a drug with no row."""


@dataclass(frozen=True, slots=True)
class LabRow:
    test: str
    value: float
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class ClearanceRow:
    drug: str
    cleared_by: str
    note: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DriverRow:
    name: str
    phone: str
    relationship: str


@dataclass(frozen=True, slots=True)
class PanelRead:
    """The appointment panel: the appointment, its patient's facts, prep, checklist, history."""

    appointment: appointments.AppointmentRead
    patient: patients.PatientRead
    timezone: str
    imaging: tuple[ImagingRow, ...]
    medications: tuple[MedicationRow, ...]
    labs: tuple[LabRow, ...]
    clearances: tuple[ClearanceRow, ...]
    driver: DriverRow | None
    prep: PrepReport
    checklist: tuple[ChecklistLine, ...]
    history: tuple[AuditEntry, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def appointment_panel(
    db: Database, actor: Actor, appointment_id: int | str, *, now: datetime | None = None
) -> PanelRead:
    """Everything the appointment panel shows, through the public read services."""
    require(actor, "patient.read")
    when = now or utcnow()
    appt = appointments.get(db, actor, appointment_id)
    report = prep.prep(db, actor, appt.id, now=when)
    lines = prep.checklist(db, actor, appt.id)
    history = audit.history(db, actor, entity="appointment", entity_id=appt.id)
    with db.read() as tx:
        session = tx.session
        patient_row = session.get(Patient, appt.patient_id)
        assert patient_row is not None
        months = profile_values(session).imaging_max_months
        imaging = tuple(
            ImagingRow(
                s.id or 0,
                s.modality.value,
                s.study_date,
                s.lf_mm,
                s.levels,
                s.note,
                study_valid_until(s.study_date, months),
            )
            for s in session.exec(
                select(ImagingStudy)
                .where(ImagingStudy.patient_id == appt.patient_id)
                .order_by(col(ImagingStudy.study_date).desc())
            ).all()
        )
        labs = tuple(
            LabRow(r.test.value, r.value, r.taken_at)
            for r in session.exec(
                select(LabResult)
                .where(LabResult.patient_id == appt.patient_id)
                .order_by(col(LabResult.taken_at).desc())
            ).all()
        )
        clearances = tuple(
            ClearanceRow(c.drug, c.cleared_by, c.note, c.recorded_at)
            for c in session.exec(
                select(PrescriberClearance)
                .where(PrescriberClearance.patient_id == appt.patient_id)
                .order_by(col(PrescriberClearance.recorded_at))
            ).all()
        )
        entries = session.exec(
            select(MedicationEntry)
            .where(
                MedicationEntry.patient_id == appt.patient_id,
                MedicationEntry.active == True,  # noqa: E712
            )
            .order_by(col(MedicationEntry.id))
        ).all()
        driver = session.exec(select(Driver).where(Driver.appointment_id == appt.id)).first()
        tz = clinic_in(session).tz
    return PanelRead(
        appointment=appt,
        patient=patients.read_model(patient_row),
        timezone=tz.key,
        imaging=imaging,
        medications=tuple(_medication_rows(entries, report, clearances)),
        labs=labs,
        clearances=clearances,
        driver=DriverRow(driver.name, driver.phone, driver.relationship) if driver else None,
        prep=report,
        checklist=tuple(lines),
        history=tuple(history),
    )


# --- helpers -----------------------------------------------------------------------------


def _medication_rows(
    entries: Sequence[MedicationEntry],
    report: PrepReport,
    clearances: Sequence[ClearanceRow],
) -> Iterable[MedicationRow]:
    by_entry = {m.entry_id: m for m in report.medications}
    table = hold_table()
    cleared = {c.drug.strip().lower(): c.cleared_by for c in clearances}
    for entry in entries:
        line = by_entry.get(entry.id or 0)
        yield MedicationRow(
            entry_id=entry.id or 0,
            drug=entry.drug_name,
            indication=Indication(entry.indication) if entry.indication else None,
            last_dose_at=entry.last_dose_at,
            hold_text=line.hold_text if line else "",
            last_allowed_dose=line.last_allowed_dose if line else None,
            restart_at=line.restart_at if line else None,
            status=line.status if line else None,
            needs_clearance=line.needs_clearance if line else False,
            cleared_by=cleared.get(entry.drug_name.strip().lower()),
            detail=line.detail if line else "",
            evidence=table.get(line.rule_id).status if line and line.rule_id else "",
        )
