"""Patient CSV import and export on a real database: round trip, updates, bad rows, refusals."""

import codecs
import dataclasses
import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from mild_desk.db import Database
from mild_desk.errors import DomainError, InvalidInput, PermissionDenied
from mild_desk.models.enums import Role
from mild_desk.models.tables import AuditEvent, Patient
from mild_desk.services import audit, clinic, patients, users
from mild_desk.services.interop import patient_csv
from mild_desk.services.interop.patient_csv import ImportAction, ImportReport
from tests.conftest import NOW, PASSWORD, Clinic

HEADER = "mrn,first,last,dob,phone,preferred_language,referring_physician"
DATA = Path(__file__).resolve().parents[1] / "data" / "interop"


def write(tmp_path: Path, text: str | bytes, name: str = "referrals.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def run(
    c: Clinic, path: Path, *, dry_run: bool = False, role: Role = Role.SCHEDULER
) -> ImportReport:
    return patient_csv.import_patients(c.db, c.actor(role), path=path, dry_run=dry_run, now=NOW)


def all_patients(c: Clinic) -> list[dict[str, object]]:
    """Every patient as plain values, without the database id (which differs after a copy)."""
    with c.db.read() as tx:
        rows = tx.session.exec(select(Patient).order_by(col(Patient.mrn))).all()
        return [
            {k: v for k, v in dataclasses.asdict(patients.read_model(r)).items() if k != "id"}
            for r in rows
        ]


def events(c: Clinic, action: str) -> list[AuditEvent]:
    with c.db.read() as tx:
        return list(tx.session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def add(c: Clinic, mrn: str, **kw: object) -> patients.PatientRead:
    values: dict[str, object] = {"first": "Ann", "last": "Lee", "dob": "1950-01-02", **kw}
    return patients.add_patient(c.db, c.actor(Role.SCHEDULER), mrn=mrn, now=NOW, **values)  # type: ignore[arg-type]


# --- round trip --------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_gives_the_same_patients(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    add(
        clinic_db,
        "R1",
        first="Zoë Łukasz",
        last="Nguyễn-O'Brien",
        phone="+1 (555) 010-2030",
        preferred_language="es",
        referring_physician='Dr. "Doc" Wu, MD',
        allergies="latex, iodine\npenicillin (rash)",
        diabetic=True,
    )
    add(clinic_db, "R2", first="=SUM(A1)", last="Smith", dob="1931-12-31")
    add(clinic_db, "R3", first="José", last="García", pregnancy_possible=True)
    out = tmp_path / "patients.csv"
    result = patient_csv.export_patients(
        clinic_db.db, clinic_db.actor(Role.NURSE), out=out, now=NOW
    )
    assert result.patients == 3
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data
    assert out.stat().st_mode & 0o077 == 0  # patient data: owner-only

    # A new database: initialised, one user, no patients.
    db = Database.open(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    clinic.initialise(db)
    users.add_user(db, None, username="ada", role="admin", password=PASSWORD, now=NOW)
    empty = Clinic(
        path=tmp_path / "empty.sqlite3",
        db=db,
        actors={Role.ADMIN: users.login(db, "ada", PASSWORD, now=NOW)},
    )
    try:
        assert all_patients(empty) == []
        report = run(empty, out, role=Role.ADMIN)
        assert (report.added, report.errors, report.written) == (3, 0, True)
        assert all_patients(empty) == all_patients(clinic_db)
        assert len(events(empty, "patient.import")) == 3
        assert audit.verify(empty.db).ok
        again = run(empty, out, role=Role.ADMIN)
        assert (again.added, again.unchanged, again.errors) == (0, 3, 0)
    finally:
        empty.db.dispose()


def test_header_spellings_bom_and_windows_line_endings(clinic_db: Clinic, tmp_path: Path) -> None:
    text = (
        "Medical Record Number,First Name,LAST NAME,Date of Birth,Phone Number,Language,"
        "Referring Physician\r\nQ1,Rosa,Martínez,1949-07-04,555-0100,ES,Dr. Alvarez\r\n"
    )
    report = run(clinic_db, write(tmp_path, codecs.BOM_UTF8 + text.encode()))
    assert [(r.line, r.action) for r in report.rows] == [(2, ImportAction.ADD)]
    got = patients.get_by_mrn(clinic_db.db, clinic_db.actor(Role.NURSE), "Q1")
    assert (got.last_name, got.preferred_language, got.referring_physician) == (
        "Martínez",
        "es",
        "Dr. Alvarez",
    )


def test_an_ehr_referral_file(clinic_db: Clinic) -> None:
    """tests/data/interop/ehr_referrals.csv: an EHR's export as a clinic would receive it."""
    report = run(clinic_db, DATA / "ehr_referrals.csv")
    assert [(r.line, r.action.value) for r in report.rows] == [
        (2, "add"),
        (3, "add"),
        (4, "add"),
        (5, "error"),
        (6, "error"),
        (7, "error"),
        (8, "add"),
    ]
    assert [r.reason for r in report.bad_rows] == [
        "Patient MRN: is required",
        "Date of Birth: '31/02/1950' is not a date (use YYYY-MM-DD)",
        "Preferred Language: 'ja' is not supported (one of en, es)",
    ]
    on_file = {p["mrn"]: p for p in all_patients(clinic_db)}
    assert on_file["RF1001"]["referring_physician"] == "Alvarez, Maria MD"
    assert on_file["RF1002"]["first_name"] == "José Luis"
    assert on_file["RF1003"]["preferred_language"] == "en"
    assert on_file["RF1007"]["referring_physician"] == 'Dr. "Sam" Reyes'


# --- bad rows ----------------------------------------------------------------------------


def test_bad_rows_are_reported_by_line_and_only_good_rows_are_written(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    big = "x" * (1024 * 1024)
    text = "\r\n".join(
        [
            HEADER,
            "G1,Ann,Lee,1950-01-02,,,",  # 2 good
            ",Bob,Ray,1950-01-02,,,",  # 3 missing MRN
            "B2,Cy,Day,31/02/1950,,,",  # 4 DOB that is no date
            f"B3,{big},Orr,1950-01-02,,,",  # 5 a 1 MB cell
            "B4,Dee,Fox,1950-01-02,not a phone,fr,",  # 6 two bad cells
            "G2,Eve,Kim,1950-01-02,555-0101,en,",  # 7 good
            "B5,Fay,Lu,2099-01-01,,,",  # 8 DOB in the future
            "",
        ]
    )
    path = write(tmp_path, text)
    report = run(clinic_db, path)
    by_line = {r.line: r for r in report.rows}
    assert {n: r.action for n, r in by_line.items()} == {
        2: ImportAction.ADD,
        3: ImportAction.ERROR,
        4: ImportAction.ERROR,
        5: ImportAction.ERROR,
        6: ImportAction.ERROR,
        7: ImportAction.ADD,
        8: ImportAction.ERROR,
    }
    assert by_line[3].reason == "mrn: is required"
    assert by_line[4].reason == "dob: '31/02/1950' is not a date (use YYYY-MM-DD)"
    assert "longer than 131,072 characters" in by_line[5].reason
    assert [p.column for p in by_line[6].problems] == ["phone", "preferred_language"]
    assert by_line[8].reason == "dob: 2099-01-01 is in the future"
    assert (report.added, report.errors, report.written) == (2, 5, True)
    # Only the good rows are on file, each with its audit event; nothing of a bad row is.
    assert [p["mrn"] for p in all_patients(clinic_db)] == ["G1", "G2"]
    imported = events(clinic_db, "patient.import")
    assert sorted(json.loads(e.after)["mrn"] for e in imported) == ["G1", "G2"]
    assert json.loads(imported[0].after)["import"] == "referrals.csv, line 2"


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        (
            "mrn,first,last,dob,Insurance\r\nA1,Ann,Lee,1950-01-02,Aetna\r\n",
            "header",
            "line 1: unknown column 'Insurance'",
        ),
        (b"mrn,first,last,dob\nA1,Ann,Lee,1950-01-02\n\x00\x01\x02\xff", "file", "line 3:"),
        (bytes(range(256)) * 4, "file", "line 1: the file holds binary data"),
        (b"mrn,first,last,dob\r\nA1,Ren\xe9,Lee,1950-01-02\r\n", "file", "line 2: byte 0xE9"),
        (b"", "file", "the file is empty"),
    ],
)
def test_a_file_refused_as_a_whole_changes_nothing(
    clinic_db: Clinic, tmp_path: Path, content: str | bytes, field: str, message: str
) -> None:
    add(clinic_db, "KEEP")
    before = clinic_db.dump()
    with pytest.raises(InvalidInput) as exc:
        run(clinic_db, write(tmp_path, content))
    assert exc.value.field == field
    assert exc.value.message.startswith(message)
    assert clinic_db.dump() == before


def test_a_missing_file_or_a_folder_is_refused(clinic_db: Clinic, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        run(clinic_db, tmp_path / "nope.csv")
    with pytest.raises(InvalidInput, match="is a folder"):
        run(clinic_db, tmp_path)


def test_a_file_over_the_size_limit_is_refused(
    clinic_db: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mild_desk.services.interop import csv_table

    monkeypatch.setattr(csv_table, "MAX_IMPORT_BYTES", 100)
    path = write(tmp_path, HEADER + "\n" + "A1,Ann,Lee,1950-01-02,,,\n" * 10)
    with pytest.raises(InvalidInput, match="the limit is 100"):
        run(clinic_db, path)


def test_rows_with_a_wrong_number_of_cells_and_duplicate_mrns(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    text = "\n".join(
        [
            "mrn,first,last,dob",
            "D1,Ann,Lee,1950-01-02",
            "C1,Bob,Ray",  # too few cells
            "C2,Cy,Day,1950-01-02,extra",  # too many
            "C3,Dee,Fox,1950-01-02,,",  # empty trailing cells are harmless
            "D1,Ann,Lee,1950-01-02",  # the same MRN twice: both refused
            '"C4,Eve',  # an unclosed quote
        ]
    )
    report = run(clinic_db, write(tmp_path, text))
    assert [(r.line, r.action.value) for r in report.rows] == [
        (2, "error"),
        (3, "error"),
        (4, "error"),
        (5, "add"),
        (6, "error"),
        (7, "error"),
    ]
    assert report.rows[0].reason == "mrn: D1 is also on line 6"
    assert report.rows[1].reason == "3 cells, but the header has 4 columns"
    assert report.rows[5].reason == "a quoted cell is never closed"
    assert [p["mrn"] for p in all_patients(clinic_db)] == ["C3"]


def test_a_row_missing_what_a_new_patient_needs(clinic_db: Clinic, tmp_path: Path) -> None:
    report = run(clinic_db, write(tmp_path, "mrn,phone\nN1,555-0100\n"))
    assert report.rows[0].reason == (
        "first_name: is required to add a patient; last_name: is required to add a patient; "
        "dob: is required to add a patient"
    )


# --- existing MRNs -----------------------------------------------------------------------


def test_existing_mrns_change_only_where_the_update_column_says_yes(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    kept = add(clinic_db, "E1", phone="555-0100", referring_physician="Dr. Wu")
    add(clinic_db, "E2", phone="555-0100")
    add(clinic_db, "E3", phone="555-0100")
    text = "\n".join(
        [
            "mrn,first,last,dob,phone,referring_physician,update",
            "E1,,,,555-0199,,",  # differs, no update: refused
            "E2,,,,555-0199,,yes",  # differs, update: changed (empty cells keep the values)
            "E3,Ann,Lee,1950-01-02,555-0100,,no",  # the same as on file: unchanged
            "E4,Gus,Hay,1950-01-02,,,yes",  # a new MRN with update yes is simply added
            "E5,Ivy,Ng,1950-01-02,,,maybe",  # not yes or no
        ]
    )
    report = run(clinic_db, write(tmp_path, text))
    assert [(r.mrn, r.action.value) for r in report.rows] == [
        ("E1", "error"),
        ("E2", "update"),
        ("E3", "unchanged"),
        ("E4", "add"),
        ("E5", "error"),
    ]
    assert report.rows[0].patient_id == kept.id
    assert "put yes in the update column" in report.rows[0].reason
    assert "would change phone" in report.rows[0].reason
    assert report.rows[1].changes == ("phone",)
    assert report.rows[4].reason == "update: 'maybe' is not yes or no"
    on_file = {p["mrn"]: p for p in all_patients(clinic_db)}
    assert on_file["E1"]["phone"] == "555-0100"
    assert (on_file["E2"]["phone"], on_file["E2"]["first_name"]) == ("555-0199", "Ann")
    with clinic_db.db.read() as tx:
        e2 = tx.session.exec(select(Patient).where(Patient.mrn == "E2")).one()
        assert e2.version == 2
    history = audit.history(
        clinic_db.db, clinic_db.actor(Role.NURSE), entity="patient", entity_id=e2.id
    )
    assert history[-1].action == "patient.update"
    assert history[-1].before == {"phone": "555-0100"}
    assert history[-1].after == {"phone": "555-0199", "import": "referrals.csv, line 3"}


# --- dry run, roles, agreement with `patient add` ----------------------------------------


def test_a_dry_run_reports_the_same_and_writes_nothing(clinic_db: Clinic, tmp_path: Path) -> None:
    add(clinic_db, "E1")
    text = "\n".join(
        [HEADER, "P1,Ann,Lee,1950-01-02,,,", "E1,Ann,Lee,1950-01-02,,,", ",x,y,1950-01-02,,,"]
    )
    path = write(tmp_path, text)
    before = clinic_db.dump()
    preview = patient_csv.preview_patients(
        clinic_db.db, clinic_db.actor(Role.NURSE), path=path, now=NOW
    )
    assert clinic_db.dump() == before
    assert (preview.dry_run, preview.written) == (True, False)
    assert preview.rows[0].patient_id is None
    real = run(clinic_db, path)

    def strip(report: ImportReport) -> list[tuple[object, ...]]:
        return [(r.line, r.mrn, r.action, r.reason) for r in report.rows]

    assert strip(preview) == strip(real)
    assert real.rows[0].patient_id is not None


def test_a_provider_may_not_import_and_nothing_changes(clinic_db: Clinic, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\nP1,Ann,Lee,1950-01-02,,,\n")
    before = clinic_db.dump()
    with pytest.raises(PermissionDenied):
        run(clinic_db, path, role=Role.PROVIDER)
    with pytest.raises(PermissionDenied):
        run(clinic_db, path, role=Role.PROVIDER, dry_run=True)
    assert clinic_db.dump() == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("mrn", "A 1"),
        ("mrn", "M" * 21),
        ("first", "Ann\x07"),
        ("last", "L" * 101),
        ("dob", "1899-12-31"),
        ("dob", "2026-11-02"),
        ("phone", "call me"),
        ("preferred_language", "fr"),
        ("referring_physician", "R" * 101),
    ],
)
def test_import_and_patient_add_refuse_the_same_values_with_the_same_words(
    clinic_db: Clinic, tmp_path: Path, column: str, value: str
) -> None:
    row = {
        "mrn": "OK1",
        "first": "Ann",
        "last": "Lee",
        "dob": "1950-01-02",
        "phone": "",
        "preferred_language": "en",
        "referring_physician": "",
        column: value,
    }
    kwargs = {
        "mrn": row["mrn"],
        "first": row["first"],
        "last": row["last"],
        "dob": row["dob"],
        "phone": row["phone"],
        "preferred_language": row["preferred_language"],
        "referring_physician": row["referring_physician"],
    }
    with pytest.raises(DomainError) as refused:
        patients.add_patient(clinic_db.db, clinic_db.actor(Role.SCHEDULER), now=NOW, **kwargs)
    line = ",".join(f'"{row[k]}"' for k in HEADER.split(","))
    report = run(clinic_db, write(tmp_path, HEADER + "\n" + line + "\n"))
    (problem,) = report.rows[0].problems
    assert (problem.column, problem.message) == (column, refused.value.message)
