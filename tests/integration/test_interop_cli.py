"""`mild-desk import` and `export`: one JSON document, exit codes, nothing written on refusal."""

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from mild_desk.cli import main
from mild_desk.models.enums import Role
from mild_desk.services import appointments
from tests.conftest import PASSWORD, Clinic
from tests.integration.conftest import NOW, Schedule, at
from tests.integration.test_bad_input import EXAMPLES, ONE_LINE, names, text

TUE = date(2026, 12, 8)


def run(
    capsys: pytest.CaptureFixture[str], c: Clinic, *args: str, user: str = "sam"
) -> tuple[int, str, str]:
    code = main(["--db", c.url, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)


def test_import_dry_run_then_import_with_json(
    capsys: pytest.CaptureFixture[str], clinic_db: Clinic, tmp_path: Path
) -> None:
    csv_file = tmp_path / "referrals.csv"
    csv_file.write_text(
        "MRN,First,Last,DOB,Phone\r\nC1,Ann,Lee,1950-01-02,555-0100\r\nC2,Bob,Ray,31/02/1950,\r\n",
        encoding="utf-8-sig",
    )
    before = clinic_db.dump()
    code, out, _ = run(
        capsys, clinic_db, "--json", "import", "patients", str(csv_file), "--dry-run"
    )
    assert code == 0
    report = json.loads(out)  # exactly one JSON document
    assert (report["dry_run"], report["written"], report["added"], report["errors"]) == (
        True,
        False,
        1,
        1,
    )
    assert report["rows"][1] == {
        "line": 3,
        "mrn": "C2",
        "name": "Ray, Bob",
        "action": "error",
        "changes": [],
        "problems": [{"column": "DOB", "message": "'31/02/1950' is not a date (use YYYY-MM-DD)"}],
        "reason": "DOB: '31/02/1950' is not a date (use YYYY-MM-DD)",
        "patient_id": None,
        "values": {"mrn": "C2", "first_name": "Bob", "last_name": "Ray"},
    }
    assert report["headers"] == ["MRN", "First", "Last", "DOB", "Phone"]
    assert report["rows"][0]["values"] == {
        "mrn": "C1",
        "first_name": "Ann",
        "last_name": "Lee",
        "dob": "1950-01-02",
        "phone": "555-0100",
    }
    assert clinic_db.dump() == before

    code, out, _ = run(capsys, clinic_db, "import", "patients", str(csv_file))
    assert code == 0
    assert out.splitlines() == [
        f"{csv_file}: imported 1 new, 0 updated; 0 unchanged; 1 bad row(s)",
        "  line 3: DOB: '31/02/1950' is not a date (use YYYY-MM-DD)",
    ]
    code, out, _ = run(capsys, clinic_db, "--json", "patient", "search", "C1")
    assert [p["mrn"] for p in json.loads(out)] == ["C1"]


def test_an_unknown_column_exits_2_with_one_json_error_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], clinic_db: Clinic, tmp_path: Path
) -> None:
    csv_file = tmp_path / "referrals.csv"
    csv_file.write_text("mrn,first,last,dob,Insurance\nC1,Ann,Lee,1950-01-02,Aetna\n")
    before = clinic_db.dump()
    code, out, err = run(capsys, clinic_db, "--json", "import", "patients", str(csv_file))
    assert code == 2
    assert json.loads(out) == {
        "error": "header: line 1: unknown column 'Insurance' (known: mrn, first_name, "
        "last_name, dob, phone, preferred_language, referring_physician, allergies, diabetic, "
        "pregnancy_possible, update)",
        "field": "header",
        "exit_code": 2,
    }
    assert "unknown column 'Insurance'" in err
    assert clinic_db.dump() == before


def test_a_provider_is_refused_the_import_with_exit_1(
    capsys: pytest.CaptureFixture[str], clinic_db: Clinic, tmp_path: Path
) -> None:
    csv_file = tmp_path / "referrals.csv"
    csv_file.write_text("mrn,first,last,dob\nC1,Ann,Lee,1950-01-02\n")
    before = clinic_db.dump()
    code, _, err = run(capsys, clinic_db, "import", "patients", str(csv_file), user="drp")
    assert code == 1
    assert "may not patient edit" in err
    assert clinic_db.dump() == before


def test_export_patients_ics_and_fhir(
    capsys: pytest.CaptureFixture[str], sched: Schedule, tmp_path: Path
) -> None:
    c = sched.c
    code, out, _ = run(capsys, c, "--json", "export", "patients", "--out", str(tmp_path / "p.csv"))
    assert code == 0
    assert json.loads(out) == {"file": str(tmp_path / "p.csv"), "patients": 6}

    appointments.book(
        c.db,
        c.actor(Role.SCHEDULER),
        mrn="S001",
        start=at(TUE, "08:00"),
        provider_id=sched.providers[0],
        now=NOW,
    )
    ics = tmp_path / "p1.ics"
    code, out, _ = run(
        capsys,
        c,
        "--json",
        "export",
        "ics",
        "--provider",
        str(sched.providers[0]),
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--out",
        str(ics),
    )
    assert code == 0
    result = json.loads(out)
    assert (result["events"], result["cancelled"], result["timezone"]) == (
        1,
        0,
        "America/New_York",
    )
    (event,) = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "MILD: P.C. (S001)"

    code, out, _ = run(
        capsys,
        c,
        "export",
        "fhir",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--out",
        str(tmp_path / "b.json"),
    )
    assert code == 0
    assert out.startswith(f"FHIR bundle written to {tmp_path / 'b.json'}: 1 Appointment")
    bundle = json.loads((tmp_path / "b.json").read_text())
    assert bundle["type"] == "collection"


def test_an_export_into_a_missing_folder_exits_2(
    capsys: pytest.CaptureFixture[str], clinic_db: Clinic, tmp_path: Path
) -> None:
    before = clinic_db.dump()
    code, out, _ = run(
        capsys,
        clinic_db,
        "--json",
        "export",
        "fhir",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--out",
        str(tmp_path / "nope" / "b.json"),
    )
    assert code == 2
    assert json.loads(out)["field"] == "out"
    assert clinic_db.dump() == before


csv_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(text, min_size=1, max_size=6).map(",".join), min_size=1, max_size=5).map(
        lambda rows: ("mrn,first,last,dob\r\n" + "\r\n".join(rows)).encode()
    ),
)


@pytest.mark.slow
def test_import_and_export_survive_hostile_input(
    capsys: pytest.CaptureFixture[str], sched: Schedule, tmp_path: Path
) -> None:
    """Whatever the arguments or the file, the exit code is 0, 1 or 2, an error is one line, and
    a failed command leaves the database exactly as it was."""
    c = sched.c

    def check(args: list[str]) -> None:
        before = c.dump()
        try:
            code = main(["--db", c.url, "--user", "sam", *args])
        except SystemExit as exc:  # argparse's usage errors (e.g. a value that starts with "-")
            code = exc.code  # type: ignore[assignment]
        _, err = capsys.readouterr()
        assert code in (0, 1, 2), (args, err)
        if code:
            assert ONE_LINE.match(err), err
            assert c.dump() == before

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(provider=text, first=text, last=text, name=names, kind=st.sampled_from(["ics", "fhir"]))
    def exports(provider: str, first: str, last: str, name: str, kind: str) -> None:
        args = ["export", kind, "--from", first, "--to", last, "--out", str(tmp_path / name)]
        check([*args, "--provider", provider] if kind == "ics" else args)

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(data=csv_bytes, dry_run=st.booleans())
    def imports(data: bytes, dry_run: bool) -> None:
        path = tmp_path / "in.csv"
        path.write_bytes(data)
        check(["import", "patients", str(path), *(["--dry-run"] if dry_run else [])])

    exports()
    imports()
    check(["import", "patients", "a\x00b"])
    check(["import", "patients", "x" * 5000])
