"""Patients: registration, lookup and search."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput, NotFound
from mild_desk.models.tables import Patient
from mild_desk.models.types import PatientId
from mild_desk.services import audit
from mild_desk.services.base import Actor, clean_phone, clean_text, parse_date, require, utcnow
from mild_desk.services.clinic import clinic_in

LANGUAGES = ("en", "es")
_MRN_MAX = 20


@dataclass(frozen=True, slots=True)
class PatientRead:
    id: PatientId
    mrn: str
    first_name: str
    last_name: str
    dob: date
    phone: str
    preferred_language: str
    referring_physician: str
    allergies: str
    diabetic: bool
    pregnancy_possible: bool

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


def add_patient(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    first: str,
    last: str,
    dob: str | date,
    phone: str | None = None,
    preferred_language: str = "en",
    referring_physician: str | None = None,
    allergies: str | None = None,
    diabetic: bool = False,
    pregnancy_possible: bool = False,
    now: datetime | None = None,
) -> PatientRead:
    require(actor, "patient.edit")
    when = now or utcnow()
    clean_mrn = clean_mrn_text(mrn)
    values = {
        "mrn": clean_mrn,
        "first_name": clean_text("first", first),
        "last_name": clean_text("last", last),
        "phone": clean_phone("phone", phone),
        "preferred_language": _language(preferred_language),
        "referring_physician": clean_text(
            "referring_physician", referring_physician, required=False
        ),
        "allergies": clean_text("allergies", allergies, required=False, max_len=1000),
        "diabetic": bool(diabetic),
        "pregnancy_possible": bool(pregnancy_possible),
    }
    with db.write() as tx:
        session = tx.session
        birth = _dob(dob, when.astimezone(clinic_in(session).tz).date())
        if session.exec(select(Patient.id).where(Patient.mrn == clean_mrn)).first() is not None:
            raise InvalidInput(f"{clean_mrn!r} already belongs to a patient", field="mrn")
        row = Patient(dob=birth, created_at=when, **values)  # type: ignore[arg-type]
        session.add(row)
        session.flush()
        audit.record(
            tx, actor, "patient.add", "patient", row.id, after={**values, "dob": birth}, now=when
        )
        tx.commit()
        return _read(row)


def get_by_mrn(db: Database, actor: Actor, mrn: str) -> PatientRead:
    require(actor, "patient.read")
    with db.read() as tx:
        return _read(patient_by_mrn(tx.session, mrn))


def get(db: Database, actor: Actor, patient_id: int) -> PatientRead:
    require(actor, "patient.read")
    with db.read() as tx:
        row = tx.session.get(Patient, patient_id)
        if row is None:
            raise NotFound(f"no patient {patient_id}", field="patient")
        return _read(row)


def search(db: Database, actor: Actor, query: str, *, limit: int = 20) -> list[PatientRead]:
    """Patients whose MRN or last name starts with `query`, or whose "last, first" / "first last"
    contains it, or whose DOB equals it (YYYY-MM-DD). Case-insensitive."""
    require(actor, "patient.read")
    text = (query or "").strip()
    if not text:
        return []
    with db.read() as tx:
        stmt = select(Patient)
        try:
            stmt = stmt.where(Patient.dob == date.fromisoformat(text))
        except ValueError:
            lowered = text.lower()
            prefix = lowered.replace("%", r"\%").replace("_", r"\_") + "%"
            parts = [p for p in lowered.replace(",", " ").split() if p]
            conditions: list[ColumnElement[bool]] = [
                func.lower(Patient.mrn).like(prefix, escape="\\"),
                func.lower(Patient.last_name).like(prefix, escape="\\"),
            ]
            if len(parts) >= 2:
                a, b = parts[0], parts[1]
                conditions.append(
                    (func.lower(Patient.last_name) == a)
                    & func.lower(Patient.first_name).like(b + "%")
                )
                conditions.append(
                    (func.lower(Patient.first_name) == a)
                    & func.lower(Patient.last_name).like(b + "%")
                )
            stmt = stmt.where(or_(*conditions))
        rows = tx.session.exec(
            stmt.order_by(col(Patient.last_name), col(Patient.first_name)).limit(limit)
        ).all()
        return [_read(r) for r in rows]


def patient_by_mrn(session: Session, mrn: str) -> Patient:
    clean = (mrn or "").strip()
    row = session.exec(select(Patient).where(Patient.mrn == clean)).first()
    if row is None:
        raise NotFound(f"no patient with MRN {clean!r}", field="mrn")
    return row


def clean_mrn_text(mrn: str) -> str:
    clean = clean_text("mrn", mrn, max_len=_MRN_MAX)
    if any(ch.isspace() for ch in clean):
        raise InvalidInput("must not contain spaces", field="mrn")
    return clean


def read_model(row: Patient) -> PatientRead:
    return _read(row)


def _read(row: Patient) -> PatientRead:
    assert row.id is not None
    return PatientRead(
        id=PatientId(row.id),
        mrn=row.mrn,
        first_name=row.first_name,
        last_name=row.last_name,
        dob=row.dob,
        phone=row.phone,
        preferred_language=row.preferred_language,
        referring_physician=row.referring_physician,
        allergies=row.allergies,
        diabetic=row.diabetic,
        pregnancy_possible=row.pregnancy_possible,
    )


def _dob(value: str | date, today: date) -> date:
    birth = parse_date("dob", value)
    if birth > today:
        raise InvalidInput(f"{birth.isoformat()} is in the future", field="dob")
    if birth.year < 1900:
        raise InvalidInput(f"{birth.isoformat()} is before 1900", field="dob")
    return birth


def _language(value: str) -> str:
    lang = (value or "en").strip().lower()
    if lang not in LANGUAGES:
        raise InvalidInput(
            f"{value!r} is not supported (one of {', '.join(LANGUAGES)})", field="lang"
        )
    return lang
