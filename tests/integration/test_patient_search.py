"""Patient search as you type: MRN, last name, "last, first", "first last", DOB; accents and
case ignored; keys kept current on every insert and update."""

import pytest

from mild_desk.models.enums import Role
from mild_desk.models.search import search_key
from mild_desk.models.tables import Patient
from mild_desk.services import patients
from tests.conftest import NOW, Clinic

PEOPLE = [
    ("A100", "Zoë", "Nguyễn", "1950-03-03"),
    ("A101", "Łukasz", "Kowalski", "1961-07-21"),
    ("A102", "Ana", "Lee", "1950-03-03"),
    ("B200", "Ben", "Leeds", "1972-01-09"),
    ("B201", "Siobhán", "O'Brien", "1948-11-30"),
    ("C300", "Hiroshi", "山田", "1955-05-05"),
]


@pytest.fixture
def people(clinic_db: Clinic) -> Clinic:
    for mrn, first, last, dob in PEOPLE:
        patients.add_patient(
            clinic_db.db,
            clinic_db.actor(Role.SCHEDULER),
            mrn=mrn,
            first=first,
            last=last,
            dob=dob,
            now=NOW,
        )
    return clinic_db


@pytest.mark.parametrize(
    ("query", "mrns"),
    [
        ("nguyen", ["A100"]),
        ("NGUYỄN", ["A100"]),
        ("lee", ["A102", "B200"]),
        ("Lee, A", ["A102"]),
        ("ana lee", ["A102"]),
        ("kowalski lukasz", ["A101"]),  # "last first" works too
        ("lukasz kow", ["A101"]),
        ("o'b", ["B201"]),
        ("siobhan o", ["B201"]),
        ("a10", ["A101", "A100", "A102"]),
        ("b20", ["B200", "B201"]),
        ("1950-03-03", ["A102", "A100"]),
        ("山", ["C300"]),
        ("%", []),
        ("_", []),
        ("   ", []),
    ],
)
def test_search(people: Clinic, query: str, mrns: list[str]) -> None:
    found = patients.search(people.db, people.actor(Role.NURSE), query)
    assert sorted(p.mrn for p in found) == sorted(mrns)


def test_results_are_limited_and_shown_in_name_order(people: Clinic) -> None:
    nurse = people.actor(Role.NURSE)
    # A name prefix takes the first matches by name ...
    assert [p.last_name for p in patients.search(people.db, nurse, "le", limit=1)] == ["Lee"]
    # ... an MRN prefix the first matches by MRN (A100, A101), then shown by name.
    found = patients.search(people.db, nurse, "a1", limit=2)
    assert [p.last_name for p in found] == ["Kowalski", "Nguyễn"]


def test_keys_follow_a_name_change(people: Clinic) -> None:
    from sqlmodel import select

    with people.db.write() as tx:
        row = tx.session.exec(select(Patient).where(Patient.mrn == "A102")).one()
        row.last_name = "Żółć"
        tx.session.add(row)
        tx.commit()
    assert [p.mrn for p in patients.search(people.db, people.actor(Role.NURSE), "zolc")] == ["A102"]
    assert patients.search(people.db, people.actor(Role.NURSE), "ana lee") == []


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nguyễn", "nguyen"),
        ("ŁUKASZ", "lukasz"),
        ("  Ana   María ", "ana maria"),
        ("Straße", "strasse"),
        ("Ørsted", "orsted"),
        ("O'Brien", "o'brien"),
    ],
)
def test_search_key(text: str, key: str) -> None:
    assert search_key(text) == key
