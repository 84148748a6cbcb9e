"""SQLModel tables: the whole data model of mild-desk (later work adds behaviour, not tables)."""

# No `from __future__ import annotations` here: it breaks SQLModel relationships (STYLE.md).

from datetime import date, datetime, time

from sqlalchemy import Column, Index, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from mild_desk.models.enums import (
    AppointmentStatus,
    CancelledBy,
    ChecklistState,
    LabTest,
    Laterality,
    Modality,
    RequirementKey,
    Role,
    WaitlistStatus,
)
from mild_desk.models.schema import enum_column, utc_column
from mild_desk.models.search import search_key


class _Table(SQLModel):
    """What every table shares: pydantic builds a table's validator when one is first used (only
    clinic.initialise validates, on a new database), not at import: ~8 ms less at each start."""

    model_config = {"defer_build": True}


class ClinicSettings(_Table, table=True):
    """The clinic: one row (id 1)."""

    __tablename__ = "clinic_settings"
    id: int | None = Field(default=None, primary_key=True)
    name: str = "My Spine Clinic"
    phone: str = ""
    timezone: str = "America/New_York"
    idle_lock_minutes: int = 10
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    backup_keep_days: int = 14


class ProcedureProfile(_Table, table=True):
    """The MILD procedure profile: one row (id 1); defaults in resources/procedure_profile.toml."""

    __tablename__ = "procedure_profile"
    id: int | None = Field(default=None, primary_key=True)
    name: str = "MILD"
    case_minutes: int
    turnover_minutes: int
    solids_fast_hours: float
    clear_liquids_fast_hours: float
    imaging_max_months: int
    lf_min_mm: float
    inr_max: float
    arrival_lead_minutes: int
    escort_required: bool
    driver_due_days_before: int
    daily_case_cap: int | None = None


class User(_Table, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    full_name: str = ""
    role: Role = Field(sa_column=enum_column(Role))
    password_hash: str
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(sa_column=utc_column())


class Provider(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    daily_case_cap: int | None = None
    active: bool = True


class Room(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    active: bool = True


class AvailabilityTemplate(_Table, table=True):
    __tablename__ = "availability_template"
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    room_id: int = Field(foreign_key="room.id")
    rrule: str
    start_time: time
    end_time: time
    dtstart: date
    valid_from: date | None = None
    valid_until: date | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column())


class Closure(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    start_date: date = Field(index=True)
    end_date: date
    reason: str
    created_at: datetime = Field(sa_column=utc_column())


class Patient(_Table, table=True):
    __table_args__ = (
        Index("ix_patient_search", "search_last", "search_first"),
        Index("ix_patient_dob", "dob"),
    )
    id: int | None = Field(default=None, primary_key=True)
    mrn: str = Field(unique=True, index=True)
    first_name: str
    last_name: str = Field(index=True)
    dob: date
    phone: str = ""
    preferred_language: str = "en"
    referring_physician: str = ""
    allergies: str = ""
    diabetic: bool = False
    pregnancy_possible: bool = False
    created_at: datetime = Field(sa_column=utc_column())
    version: int = 1
    # Folded copies of the names for search as you type (set on every insert and update).
    search_last: str = ""
    search_first: str = ""


class ImagingStudy(_Table, table=True):
    __tablename__ = "imaging_study"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    modality: Modality = Field(sa_column=enum_column(Modality))
    study_date: date
    lf_mm: float | None = None
    levels: str = ""
    note: str = ""
    created_at: datetime = Field(sa_column=utc_column())
    created_by: int | None = Field(default=None, foreign_key="user_account.id")


class MedicationEntry(_Table, table=True):
    __tablename__ = "medication_entry"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    drug_name: str
    indication: str | None = None
    last_dose_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column())
    created_by: int | None = Field(default=None, foreign_key="user_account.id")


class LabResult(_Table, table=True):
    __tablename__ = "lab_result"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    test: LabTest = Field(sa_column=enum_column(LabTest))
    value: float
    taken_at: datetime = Field(sa_column=utc_column())
    created_by: int | None = Field(default=None, foreign_key="user_account.id")


class Appointment(_Table, table=True):
    __table_args__ = (
        Index("ix_appointment_provider_start", "provider_id", "start"),
        Index("ix_appointment_room_start", "room_id", "start"),
        Index("ix_appointment_patient_start", "patient_id", "start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    provider_id: int = Field(foreign_key="provider.id")
    room_id: int = Field(foreign_key="room.id")
    start: datetime = Field(sa_column=utc_column(index=True))
    end: datetime = Field(sa_column=utc_column())
    # Provider and room are busy until the room has been turned over; the patient until `end`.
    block_end: datetime = Field(sa_column=utc_column())
    status: AppointmentStatus = Field(sa_column=enum_column(AppointmentStatus, index=True))
    levels: str = ""
    laterality: Laterality | None = Field(
        default=None, sa_column=enum_column(Laterality, nullable=True)
    )
    replaces_id: int | None = Field(default=None, foreign_key="appointment.id")
    cancelled_by: CancelledBy | None = Field(
        default=None, sa_column=enum_column(CancelledBy, nullable=True)
    )
    cancel_reason: str | None = None
    version: int = 1
    created_at: datetime = Field(sa_column=utc_column())
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(sa_column=utc_column())
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class Driver(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", unique=True)
    name: str
    phone: str
    relationship: str = ""
    updated_at: datetime = Field(sa_column=utc_column())
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")


class PrescriberClearance(_Table, table=True):
    __tablename__ = "prescriber_clearance"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    drug: str
    cleared_by: str
    note: str = ""
    recorded_at: datetime = Field(sa_column=utc_column())
    recorded_by: int | None = Field(default=None, foreign_key="user_account.id")


class Override(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    requirement_key: RequirementKey = Field(sa_column=enum_column(RequirementKey))
    reason: str
    user_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(sa_column=utc_column())


class ChecklistEvent(_Table, table=True):
    """One tick of a day-of checklist item; a change of mind is a new row, never an update."""

    __tablename__ = "checklist_event"
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    item_key: str
    state: ChecklistState = Field(sa_column=enum_column(ChecklistState))
    note: str = ""
    user_id: int = Field(foreign_key="user_account.id")
    at: datetime = Field(sa_column=utc_column())


class WaitlistEntry(_Table, table=True):
    __tablename__ = "waitlist_entry"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    preferred_provider_id: int | None = Field(default=None, foreign_key="provider.id")
    current_appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    # JSON list of ISO dates the patient cannot come.
    unavailable_dates: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    note: str = ""
    status: WaitlistStatus = Field(
        default=WaitlistStatus.WAITING, sa_column=enum_column(WaitlistStatus)
    )
    created_at: datetime = Field(sa_column=utc_column())


class CallNote(_Table, table=True):
    """A reminder call made from the worklist, with its outcome."""

    __tablename__ = "call_note"
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    outcome: str
    note: str = ""
    user_id: int = Field(foreign_key="user_account.id")
    at: datetime = Field(sa_column=utc_column())


class AuditEvent(_Table, table=True):
    """Append-only, hash-chained record of every change and every print."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_audit_prev_hash"),)
    id: int = Field(primary_key=True)  # = sequence number, gap-free, assigned from audit_head
    at: datetime = Field(sa_column=utc_column())
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_name: str
    action: str = Field(index=True)
    entity: str
    entity_id: str = Field(index=True)
    before: str = Field(sa_column=Column(Text, nullable=False))
    after: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str
    hash: str


class AuditHead(_Table, table=True):
    """The chain tip (one row): `audit verify` sees a deleted last event; appends serialise here."""

    __tablename__ = "audit_head"
    id: int | None = Field(default=None, primary_key=True)
    seq: int = 0
    hash: str


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _fill_search_keys(_mapper: object, _connection: object, patient: Patient) -> None:
    patient.search_last = search_key(patient.last_name)
    patient.search_first = search_key(patient.first_name)
