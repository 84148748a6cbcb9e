"""PHI hygiene: the log carries ids, never names, birth dates, phone numbers or passwords."""

import logging
from pathlib import Path

import pytest
from sqlmodel import select

from mild_desk import logs
from mild_desk.cli import main
from mild_desk.db import Database
from mild_desk.models.tables import Appointment, Driver, Patient
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
    # The per-user log (under the test's private XDG_STATE_HOME): the CLI below logs there too.
    log_file = logs.configure(level=logging.DEBUG)
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

    def run(user: str, *args: str) -> int:
        monkeypatch.setenv("MILD_DESK_PASSWORD", demo.password_for(user))
        return main(["--db", url, "--user", user, *args])

    # Printing, exports and an import write patient data to files: the log still must not.
    with db.read() as tx:
        appt = str(
            tx.session.exec(select(Appointment.id).where(Appointment.status == "booked")).first()
        )
    referrals = tmp_path / "referrals.csv"
    referrals.write_text("mrn,first,last,dob\nPHI2,Ottoline,Vandersteen,1938-08-08\n")
    assert run("nina", "print", "checklist", appt, "--out", str(tmp_path / "c.pdf")) == 0
    assert run("sam", "print", "prep-letter", appt, "--out", str(tmp_path / "p.pdf")) == 0
    assert run("sam", "import", "patients", str(referrals)) == 0
    assert run("sam", "export", "patients", "--out", str(tmp_path / "all.csv")) == 0
    span = ("--from", "2026-01-01", "--to", "2027-12-31")
    assert run("sam", "export", "fhir", *span, "--out", str(tmp_path / "b.json")) == 0
    assert (
        run("sam", "export", "ics", "--provider", "1", *span, "--out", str(tmp_path / "c.ics")) == 0
    )
    capsys.readouterr()
    for handler in logging.getLogger("mild_desk").handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "patient.add patient" in text  # the log does record what happened, by id
    assert "print.checklist" in text
    assert "Ottoline" not in text
    assert "Vandersteen" not in text
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


def test_every_log_file_stays_private_when_the_log_rotates(tmp_path: Path) -> None:
    path = logs.configure(tmp_path / "log" / "mild-desk.log", max_bytes=300)
    log = logging.getLogger(f"{logs.LOGGER}.test")
    try:
        for n in range(40):
            log.info("appointment %d booked by user 1", n)
    finally:
        for handler in list(logging.getLogger(logs.LOGGER).handlers):
            logging.getLogger(logs.LOGGER).removeHandler(handler)
            handler.close()
    files = sorted(path.parent.iterdir())
    assert len(files) > 2  # it rotated
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files
    ]
    assert path.parent.stat().st_mode & 0o777 == 0o700
