"""Patients: registration, lookup and search."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput, NotFound
from mild_desk.models.search import search_key
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
    """Search as you type: an MRN prefix, a last-name prefix, "last, first" or "first last"
    (accents and case ignored), or a date of birth (YYYY-MM-DD). Each form is a small indexed
    query; the results are merged in name order."""
    require(actor, "patient.read")
    text = (query or "").strip()
    if not text:
        return []
    with db.read() as tx:
        session = tx.session
        try:
            born = date.fromisoformat(text)
        except ValueError:
            born = None
        by_name = (col(Patient.search_last), col(Patient.search_first))
        queries = (
            [select(Patient).where(Patient.dob == born).order_by(*by_name)]
            if born
            else _name_queries(text, by_name)
        )
        found: dict[int, Patient] = {}
        for stmt in queries:
            for row in session.exec(stmt.limit(limit)).all():
                found[row.id or 0] = row
        rows = sorted(found.values(), key=lambda r: (r.search_last, r.search_first, r.mrn))
        return [_read(r) for r in rows[:limit]]


def _name_queries(text: str, by_name: tuple[Any, ...]) -> list[Any]:
    """Each query walks an index in its own order (MRN prefixes by MRN, names by name)."""
    key = search_key(text)
    last, first = col(Patient.search_last), col(Patient.search_first)
    by_mrn = col(Patient.mrn)
    queries = [
        select(Patient).where(_prefix(by_mrn, text)).order_by(by_mrn),
        select(Patient).where(_prefix(by_mrn, text.upper())).order_by(by_mrn),
    ]
    names = [_prefix(last, key)]
    if "," in text:  # "last, first"
        a, _, b = (search_key(part) for part in text.partition(","))
        names.append((last == a) & _prefix(first, b))
    elif " " in key:  # "last first" or "first last"
        a, b = key.split(" ", 1)
        names += [(last == a) & _prefix(first, b), _prefix(last, b) & _prefix(first, a)]
    return queries + [select(Patient).where(name).order_by(*by_name) for name in names]


def _prefix(column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as an index-friendly range (keys compare bytewise)."""
    return (column >= prefix) & (column < prefix + "\U0010ffff")


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
