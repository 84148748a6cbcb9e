"""Patients: registration, lookup and search."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mild_desk.db import Database, fetch
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
        "preferred_language": clean_language(preferred_language),
        "referring_physician": clean_text(
            "referring_physician", referring_physician, required=False
        ),
        "allergies": clean_text("allergies", allergies, required=False, max_len=1000),
        "diabetic": bool(diabetic),
        "pregnancy_possible": bool(pregnancy_possible),
    }
    with db.write() as tx:
        session = tx.session
        birth = clean_dob(dob, when.astimezone(clinic_in(session).tz).date())
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
    (accents and case ignored), or a date of birth (YYYY-MM-DD). One statement per keystroke:
    each form is an indexed range with its own limit, merged in name order by the database."""
    require(actor, "patient.read")
    text = (query or "").strip()
    if not text:
        return []
    try:
        born: date | None = date.fromisoformat(text)
    except ValueError:
        born = None
    if born is not None:
        stmt, params = _BY_DOB, {"dob": born}
    else:
        stmt, params = _name_search(text)
    with db.read() as tx:
        rows = tx.session.connection().execute(stmt, {**params, "limit": limit}).all()
    return [PatientRead(PatientId(r.id), *r[1:11]) for r in rows]


_P = Patient.__table__.c  # type: ignore[attr-defined]  # plain columns: rows, not entities
_ROW = (
    _P.id,
    _P.mrn,
    _P.first_name,
    _P.last_name,
    _P.dob,
    _P.phone,
    _P.preferred_language,
    _P.referring_physician,
    _P.allergies,
    _P.diabetic,
    _P.pregnancy_possible,
    _P.search_last,
    _P.search_first,
)
_BY_NAME = (_P.search_last, _P.search_first, _P.mrn)
_BY_DOB = (
    sa.select(*_ROW)
    .where(_P.dob == sa.bindparam("dob"))
    .order_by(*_BY_NAME)
    .limit(sa.bindparam("limit"))
)
_END = "\U0010ffff"  # above every character: [p, p + _END) holds the keys starting with p


def _prefix(column: Any, name: str) -> Any:
    """`column` starts with the parameter `name`, as an index-friendly range (keys compare
    bytewise)."""
    return (column >= sa.bindparam(name)) & (column < sa.bindparam(f"{name}_end"))


def _limited(where: Any, *order: Any) -> Any:
    """One form of the query, walking its index in its own order, cut at the limit."""
    return sa.select(
        sa.select(*_ROW).where(where).order_by(*order).limit(sa.bindparam("limit")).subquery()
    )


@cache
def _union(shape: str) -> Any:
    """The statement for a query shape: "word", "last, first" or "first last"."""
    forms = [
        _limited(_prefix(_P.mrn, "mrn"), _P.mrn),
        _limited(_prefix(_P.mrn, "mrn_upper"), _P.mrn),
        _limited(_prefix(_P.search_last, "key"), _P.search_last, _P.search_first),
    ]
    if shape != "word":
        both = (_P.search_last == sa.bindparam("a")) & _prefix(_P.search_first, "b")
        forms.append(_limited(both, _P.search_last, _P.search_first))
    if shape == "first last":
        swapped = _prefix(_P.search_last, "b2") & _prefix(_P.search_first, "a2")
        forms.append(_limited(swapped, _P.search_last, _P.search_first))
    merged = sa.union(*forms).subquery()
    by_name = (merged.c[c.name] for c in _BY_NAME)
    return sa.select(merged).order_by(*by_name).limit(sa.bindparam("limit"))


def _name_search(text: str) -> tuple[Any, dict[str, Any]]:
    key = search_key(text)
    params: dict[str, Any] = {}

    def prefix(name: str, value: str) -> None:
        params[name], params[f"{name}_end"] = value, value + _END

    prefix("mrn", text)
    prefix("mrn_upper", text.upper())
    prefix("key", key)
    shape = "word"
    if "," in text:
        a, _, b = (search_key(part) for part in text.partition(","))
        shape, params["a"] = "last, first", a
        prefix("b", b)
    elif " " in key:
        a, b = key.split(" ", 1)
        shape, params["a"] = "first last", a
        prefix("b", b)
        prefix("a2", a)
        prefix("b2", b)
    return _union(shape), params


def patient_by_mrn(session: Session, mrn: str) -> Patient:
    clean = (mrn or "").strip()
    row = session.exec(select(Patient).where(Patient.mrn == clean)).first()
    if row is None:
        raise NotFound(f"no patient with MRN {clean!r}", field="mrn")
    return row


def patient_id_by_mrn(session: Session, mrn: str) -> int:
    """The patient's id alone (the booking path needs no more), without loading the row."""
    clean = (mrn or "").strip()
    found = fetch(session, _ID_BY_MRN, {"mrn": clean}).scalar()
    if found is None:
        raise NotFound(f"no patient with MRN {clean!r}", field="mrn")
    return int(found)


_ID_BY_MRN = sa.select(col(Patient.id)).where(col(Patient.mrn) == sa.bindparam("mrn"))


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


def clean_dob(value: str | date, today: date) -> date:
    birth = parse_date("dob", value)
    if birth > today:
        raise InvalidInput(f"{birth.isoformat()} is in the future", field="dob")
    return birth


def clean_language(value: str) -> str:
    lang = (value or "en").strip().lower()
    if lang not in LANGUAGES:
        raise InvalidInput(
            f"{value!r} is not supported (one of {', '.join(LANGUAGES)})", field="lang"
        )
    return lang
