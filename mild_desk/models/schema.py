"""The tables as SQLAlchemy Core sees them, without the ORM: what the start reads (sign-in, the
settings, the schedule board with its readiness) and the audit append.

The SQLModel classes in tables.py stay the model the services write through; these mirror them
column for column, and a test keeps the two equal (tests/integration/test_db.py). Loading the ORM
stack (sqlalchemy.orm, pydantic, SQLModel and the mapping of the tables) took a fifth of a cold
start; the start now paints the board first and loads it afterwards (ui.main_window)."""

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum

from mild_desk.models.enums import (
    AppointmentStatus,
    CancelledBy,
    ChecklistState,
    LabTest,
    Laterality,
    Modality,
    RequirementKey,
    Role,
)
from mild_desk.models.types import UTCDateTime


def utc_column(
    name: str | None = None, *, nullable: bool = False, index: bool = False
) -> Column[datetime]:
    """An aware UTC timestamp (models.types.UTCDateTime)."""
    return Column(name, UTCDateTime(), nullable=nullable, index=index)


def enum_column(
    cls: type[enum.StrEnum],
    name: str | None = None,
    *,
    nullable: bool = False,
    index: bool = False,
) -> Column[str]:
    """Store an enum by its value as a plain string (readable in SQL, no PostgreSQL enum types)."""
    sa_type = SAEnum(
        cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=False,
        length=32,
        validate_strings=True,
    )
    return Column(name, sa_type, nullable=nullable, index=index)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _text(name: str) -> Column[str]:
    return Column(name, String, nullable=False)


def _user(name: str, *, nullable: bool = True) -> Column[int]:
    return Column(name, Integer, ForeignKey("user_account.id"), nullable=nullable)


def _patient() -> Column[int]:
    return Column("patient_id", Integer, ForeignKey("patient.id"), nullable=False, index=True)


def _appointment(*, index: bool = True, unique: bool = False) -> Column[int]:
    return Column(
        "appointment_id",
        Integer,
        ForeignKey("appointment.id"),
        nullable=False,
        index=index or None,
        unique=unique or None,
    )


metadata = MetaData()

clinic_settings = Table(
    "clinic_settings",
    metadata,
    _id(),
    _text("name"),
    _text("phone"),
    _text("timezone"),
    Column("idle_lock_minutes", Integer, nullable=False),
    Column("max_failed_logins", Integer, nullable=False),
    Column("lockout_minutes", Integer, nullable=False),
    Column("backup_keep_days", Integer, nullable=False),
)

procedure_profile = Table(
    "procedure_profile",
    metadata,
    _id(),
    _text("name"),
    Column("case_minutes", Integer, nullable=False),
    Column("turnover_minutes", Integer, nullable=False),
    Column("solids_fast_hours", Float, nullable=False),
    Column("clear_liquids_fast_hours", Float, nullable=False),
    Column("imaging_max_months", Integer, nullable=False),
    Column("lf_min_mm", Float, nullable=False),
    Column("inr_max", Float, nullable=False),
    Column("arrival_lead_minutes", Integer, nullable=False),
    Column("escort_required", Boolean, nullable=False),
    Column("driver_due_days_before", Integer, nullable=False),
    Column("daily_case_cap", Integer, nullable=True),
)

user_account = Table(
    "user_account",
    metadata,
    _id(),
    Column("username", String, nullable=False, unique=True, index=True),
    _text("full_name"),
    enum_column(Role, "role"),
    _text("password_hash"),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    utc_column("locked_until", nullable=True),
    utc_column("created_at"),
)

provider = Table(
    "provider",
    metadata,
    _id(),
    _text("name"),
    _user("user_id"),
    Column("daily_case_cap", Integer, nullable=True),
    Column("active", Boolean, nullable=False),
)

room = Table(
    "room",
    metadata,
    _id(),
    Column("name", String, nullable=False, unique=True),
    Column("active", Boolean, nullable=False),
)

availability_template = Table(
    "availability_template",
    metadata,
    _id(),
    Column("provider_id", Integer, ForeignKey("provider.id"), nullable=False, index=True),
    Column("room_id", Integer, ForeignKey("room.id"), nullable=False),
    _text("rrule"),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("dtstart", Date, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("active", Boolean, nullable=False),
    utc_column("created_at"),
)

closure = Table(
    "closure",
    metadata,
    _id(),
    Column("provider_id", Integer, ForeignKey("provider.id"), nullable=True),
    Column("start_date", Date, nullable=False, index=True),
    Column("end_date", Date, nullable=False),
    _text("reason"),
    utc_column("created_at"),
)

patient = Table(
    "patient",
    metadata,
    _id(),
    Column("mrn", String, nullable=False, unique=True, index=True),
    _text("first_name"),
    Column("last_name", String, nullable=False, index=True),
    Column("dob", Date, nullable=False),
    _text("phone"),
    _text("preferred_language"),
    _text("referring_physician"),
    _text("allergies"),
    Column("diabetic", Boolean, nullable=False),
    Column("pregnancy_possible", Boolean, nullable=False),
    utc_column("created_at"),
    Column("version", Integer, nullable=False),
    _text("search_last"),
    _text("search_first"),
    Index("ix_patient_search", "search_last", "search_first"),
    Index("ix_patient_dob", "dob"),
)

imaging_study = Table(
    "imaging_study",
    metadata,
    _id(),
    _patient(),
    enum_column(Modality, "modality"),
    Column("study_date", Date, nullable=False),
    Column("lf_mm", Float, nullable=True),
    _text("levels"),
    _text("note"),
    utc_column("created_at"),
    _user("created_by"),
)

medication_entry = Table(
    "medication_entry",
    metadata,
    _id(),
    _patient(),
    _text("drug_name"),
    Column("indication", String, nullable=True),
    utc_column("last_dose_at", nullable=True),
    Column("active", Boolean, nullable=False),
    utc_column("created_at"),
    _user("created_by"),
)

lab_result = Table(
    "lab_result",
    metadata,
    _id(),
    _patient(),
    enum_column(LabTest, "test"),
    Column("value", Float, nullable=False),
    utc_column("taken_at"),
    _user("created_by"),
)

appointment = Table(
    "appointment",
    metadata,
    _id(),
    Column("patient_id", Integer, ForeignKey("patient.id"), nullable=False),
    Column("provider_id", Integer, ForeignKey("provider.id"), nullable=False),
    Column("room_id", Integer, ForeignKey("room.id"), nullable=False),
    utc_column("start", index=True),
    utc_column("end"),
    utc_column("block_end"),
    enum_column(AppointmentStatus, "status", index=True),
    _text("levels"),
    enum_column(Laterality, "laterality", nullable=True),
    Column("replaces_id", Integer, ForeignKey("appointment.id"), nullable=True),
    enum_column(CancelledBy, "cancelled_by", nullable=True),
    Column("cancel_reason", String, nullable=True),
    Column("version", Integer, nullable=False),
    utc_column("created_at"),
    _user("created_by"),
    utc_column("updated_at"),
    _user("updated_by"),
    Index("ix_appointment_provider_start", "provider_id", "start"),
    Index("ix_appointment_room_start", "room_id", "start"),
    Index("ix_appointment_patient_start", "patient_id", "start"),
)

driver = Table(
    "driver",
    metadata,
    _id(),
    _appointment(index=False, unique=True),
    _text("name"),
    _text("phone"),
    _text("relationship"),
    utc_column("updated_at"),
    _user("updated_by"),
)

prescriber_clearance = Table(
    "prescriber_clearance",
    metadata,
    _id(),
    _patient(),
    _text("drug"),
    _text("cleared_by"),
    _text("note"),
    utc_column("recorded_at"),
    _user("recorded_by"),
)

override = Table(
    "override",
    metadata,
    _id(),
    _appointment(),
    enum_column(RequirementKey, "requirement_key"),
    _text("reason"),
    _user("user_id", nullable=False),
    utc_column("created_at"),
)

checklist_event = Table(
    "checklist_event",
    metadata,
    _id(),
    _appointment(),
    _text("item_key"),
    enum_column(ChecklistState, "state"),
    _text("note"),
    _user("user_id", nullable=False),
    utc_column("at"),
)

audit_event = Table(
    "audit_event",
    metadata,
    _id(),  # = the sequence number, assigned from audit_head
    utc_column("at"),
    _user("actor_id"),
    _text("actor_name"),
    Column("action", String, nullable=False, index=True),
    _text("entity"),
    Column("entity_id", String, nullable=False, index=True),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    _text("prev_hash"),
    _text("hash"),
    UniqueConstraint("prev_hash", name="uq_audit_prev_hash"),
)

audit_head = Table(
    "audit_head",
    metadata,
    _id(),
    Column("seq", Integer, nullable=False),
    _text("hash"),
)
