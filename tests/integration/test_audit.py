"""The audit chain: every change is recorded, and any edit, deletion or reordering is detected."""

import pytest

from mild_desk.models.enums import Role
from mild_desk.services import audit, clinic, patients
from tests.conftest import Clinic


def _changes(c: Clinic) -> None:
    admin = c.actor(Role.ADMIN)
    clinic.add_provider(c.db, admin, name="Dr. A")
    clinic.add_room(c.db, admin, name="Room 1")
    patients.add_patient(
        c.db, c.actor(Role.SCHEDULER), mrn="M1", first="Ann", last="Lee", dob="1950-01-01"
    )


def test_every_change_is_an_event_and_the_chain_verifies(clinic_db: Clinic) -> None:
    start = audit.verify(clinic_db.db).events
    _changes(clinic_db)
    result = audit.verify(clinic_db.db)
    assert result.ok
    assert result.events == start + 3
    history = audit.history(
        clinic_db.db, clinic_db.actor(Role.NURSE), entity="patient", entity_id=1
    )
    assert [e.action for e in history] == ["patient.add"]
    assert history[0].actor_name == "sam"
    assert history[0].after["last_name"] == "Lee"


def test_passwords_never_reach_the_audit_log(clinic_db: Clinic) -> None:
    text = " ".join(str(r) for r in clinic_db.rows("SELECT * FROM audit_event"))
    assert "correct-horse" not in text
    assert "argon2" not in text


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (
            "UPDATE audit_event SET after = replace(after, 'Lee', 'Lea') WHERE action = "
            "'patient.add'",
            "altered",
        ),
        ("UPDATE audit_event SET actor_name = 'someone' WHERE id = 2", "event 2"),
        ("DELETE FROM audit_event WHERE id = 3", "event 3"),
        ("DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)", "missing"),
        (
            "UPDATE audit_event SET id = -id WHERE id IN (4, 5); "
            "UPDATE audit_event SET id = 5 WHERE id = -4; "
            "UPDATE audit_event SET id = 4 WHERE id = -5",
            "event 4",
        ),
    ],
    ids=["edit-content", "edit-actor", "delete-middle", "delete-last", "reorder"],
)
def test_tampering_is_detected_and_named(clinic_db: Clinic, tamper: str, named: str) -> None:
    _changes(clinic_db)
    assert audit.verify(clinic_db.db).ok
    clinic_db.execute(tamper)
    result = audit.verify(clinic_db.db)
    assert not result.ok
    assert result.problem is not None
    assert named in result.problem


def test_a_refused_change_writes_no_event(clinic_db: Clinic) -> None:
    before = audit.verify(clinic_db.db).events
    with pytest.raises(Exception, match="mrn"):
        patients.add_patient(
            clinic_db.db,
            clinic_db.actor(Role.SCHEDULER),
            mrn="",
            first="A",
            last="B",
            dob="1950-01-01",
        )
    assert audit.verify(clinic_db.db).events == before
