"""PHI hygiene: the log carries ids, never names, birth dates, phone numbers or passwords."""

import logging
from pathlib import Path

import pytest
from sqlmodel import select

from mild_desk import logs
from mild_desk.cli import main
from mild_desk.db import Database
from mild_desk.models.tables import Driver, Patient
from mild_desk.services import clinic, demo


def _phi(db: Database) -> set[str]:
    """Every identifying string in the database that must not leak."""
    with db.read() as tx:
        found: set[str] = set()
        for p in tx.session.exec(select(Patient)).all():
            found |= {
                p.first_name,
                p.last_name,
                p.dob.isoformat(),
                p.dob.strftime("%d %b %Y"),
                p.phone,
            }
        for d in tx.session.exec(select(Driver)).all():
            found |= {d.name, d.phone}
    return {s for s in found if len(s) >= 4}


def test_a_full_demo_run_logs_ids_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = logs.configure(tmp_path / "logs" / "mild-desk.log", level=logging.DEBUG)
    path = tmp_path / "demo.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    report = demo.build(db)
    monkeypatch.setenv("MILD_DESK_PASSWORD", demo.password_for("sam"))
    url = f"sqlite:///{path}"
    assert (
        main(
            [
                "--db",
                url,
                "--user",
                "sam",
                "patient",
                "add",
                "--mrn",
                "PHI1",
                "--first",
                "Wilhelmina",
                "--last",
                "Zebrowski-Quaid",
                "--dob",
                "1944-04-04",
                "--phone",
                "555-867-5309",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                url,
                "--user",
                "sam",
                "patient",
                "add",
                "--mrn",
                "PHI1",
                "--first",
                "Wilhelmina",
                "--last",
                "Zebrowski-Quaid",
                "--dob",
                "1944-04-04",
            ]
        )
        == 2
    )
    capsys.readouterr()
    for handler in logging.getLogger("mild_desk").handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "patient.add patient" in text  # the log does record what happened, by id
    assert text.count("appointment.book appointment") >= report.appointments
    leaks = sorted(s for s in _phi(db) | {"Wilhelmina", "Zebrowski", "555-867-5309"} if s in text)
    assert leaks == []
    assert not any(u["password"] in text for u in report.users)
    assert log_file.stat().st_mode & 0o777 == 0o600


def test_database_errors_do_not_carry_patient_values(tmp_path: Path) -> None:
    """SQLAlchemy puts bound parameters into error messages unless told not to."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    db = Database.open(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    clinic.initialise(db)
    statement = text(
        "INSERT INTO patient (mrn, first_name, last_name, dob, phone, "
        "preferred_language, referring_physician, allergies, diabetic, "
        "pregnancy_possible, created_at, version) VALUES (:mrn, :first, 'Secretname',"
        " '1950-01-01', '555-1234', 'en', '', '', 0, 0, '2026-01-01', 1)"
    )
    with db.write() as tx:
        tx.session.execute(statement, {"mrn": "M1", "first": "Hiddenfirst"})
        tx.commit()
    with pytest.raises(IntegrityError) as info, db.write() as tx:
        tx.session.execute(statement, {"mrn": "M1", "first": "Hiddenfirst"})
    assert "Hiddenfirst" not in str(info.value)
