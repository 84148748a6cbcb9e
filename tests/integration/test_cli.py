"""The command line: exit codes, one-line errors, JSON output, nothing written on refusal."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mild_desk.cli import main
from tests.conftest import PASSWORD, Clinic


def run(
    capsys: pytest.CaptureFixture[str], c: Clinic, *args: str, user: str | None = "ada"
) -> tuple[int, str, str]:
    argv = ["--db", c.url]
    if user:
        argv += ["--user", user]
    code = main([*argv, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)


def test_add_commands_return_the_new_record_as_json(capsys, clinic_db: Clinic) -> None:
    code, out, _ = run(capsys, clinic_db, "--json", "provider", "add", "--name", "Dr. Ōta")
    assert code == 0
    assert json.loads(out) == {"id": 1, "name": "Dr. Ōta", "daily_case_cap": None, "active": True}
    code, out, _ = run(capsys, clinic_db, "--json", "room", "add", "--name", "Room A")
    assert json.loads(out)["id"] == 1
    code, out, _ = run(
        capsys,
        clinic_db,
        "--json",
        "patient",
        "add",
        "--mrn",
        "Q1",
        "--first",
        "Zoë Łukasz",
        "--last",
        "Nguyễn-O'Brien",
        "--dob",
        "1948-07-04",
        "--phone",
        "+1 555 123 4567",
        user="sam",
    )
    record = json.loads(out)
    assert code == 0
    assert (record["id"], record["first_name"], record["last_name"]) == (
        1,
        "Zoë Łukasz",
        "Nguyễn-O'Brien",
    )


def test_clinic_and_procedure_settings(capsys, clinic_db: Clinic) -> None:
    code, out, _ = run(
        capsys,
        clinic_db,
        "--json",
        "clinic",
        "set",
        "--name",
        "Lakeside",
        "--tz",
        "Europe/Berlin",
        "--phone",
        "030 1234567",
    )
    assert code == 0
    assert json.loads(out)["timezone"] == "Europe/Berlin"
    code, out, _ = run(
        capsys,
        clinic_db,
        "--json",
        "procedure",
        "set",
        "--case-minutes",
        "45",
        "--turnover-minutes",
        "10",
    )
    assert (json.loads(out)["case_minutes"], json.loads(out)["turnover_minutes"]) == (45, 10)


@pytest.mark.parametrize(
    ("args", "user", "code", "field"),
    [
        (["user", "add", "x1", "--role", "janitor"], "ada", 2, "role"),
        (["user", "add", "sam", "--role", "nurse"], "ada", 2, "username"),
        (
            ["patient", "add", "--mrn", "M9", "--first", "A", "--last", "B", "--dob", "2999-01-01"],
            "sam",
            2,
            "dob",
        ),
        (
            ["patient", "add", "--mrn", "M9", "--first", "A", "--last", "B", "--dob", "1950-02-30"],
            "sam",
            2,
            "dob",
        ),
        (
            ["patient", "add", "--mrn", "M9", "--first", "A", "--last", "B", "--dob", "yesterday"],
            "sam",
            2,
            "dob",
        ),
        (["clinic", "set", "--tz", "Mars/Olympus_Mons"], "ada", 2, "tz"),
        (["procedure", "set", "--case-minutes", "sixty"], "ada", 2, "case_minutes"),
        (["provider", "add", "--name", "Dr. X"], "sam", 1, None),  # role refused
        (["room", "add", "--name", "R"], "nina", 1, None),
        (["user", "add", "x2", "--role", "nurse"], "drp", 1, None),
    ],
)
def test_bad_input_exits_with_one_line_and_changes_nothing(
    capsys, clinic_db: Clinic, args: list[str], user: str, code: int, field: str | None
) -> None:
    os.environ["MILD_DESK_NEW_PASSWORD"] = "long-enough"
    try:
        before = clinic_db.dump()
        got, out, err = run(capsys, clinic_db, "--json", *args, user=user)
    finally:
        del os.environ["MILD_DESK_NEW_PASSWORD"]
    assert got == code, err
    assert err.count("\n") == 1
    assert json.loads(out)["field"] == field
    if field:
        assert field in err
    assert clinic_db.dump() == before


def test_duplicate_mrn_is_refused(capsys, clinic_db: Clinic) -> None:
    args = ["patient", "add", "--mrn", "D1", "--first", "A", "--last", "B", "--dob", "1950-01-01"]
    assert run(capsys, clinic_db, *args, user="sam")[0] == 0
    before = clinic_db.dump()
    code, _, err = run(capsys, clinic_db, *args, user="sam")
    assert code == 2
    assert "mrn" in err
    assert clinic_db.dump() == before


def test_wrong_password_is_refused(capsys, clinic_db: Clinic, monkeypatch) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", "not-the-password")
    code, _, err = run(capsys, clinic_db, "provider", "add", "--name", "Dr. X")
    assert code == 1
    assert err.strip() == "mild-desk: password: wrong user name or password"


def test_missing_user_or_password_is_a_usage_error(capsys, clinic_db: Clinic, monkeypatch) -> None:
    code, _, err = run(capsys, clinic_db, "provider", "add", "--name", "Dr. X", user=None)
    assert code == 2
    assert "--user" in err
    monkeypatch.delenv("MILD_DESK_PASSWORD")
    code, _, err = run(capsys, clinic_db, "provider", "add", "--name", "Dr. X")
    assert code == 2
    assert "MILD_DESK_PASSWORD" in err


def test_usage_errors_are_one_line(capsys, clinic_db: Clinic) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--db", clinic_db.url, "patient", "add", "--mrn"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["checklist", "1", "tick", "-:", "--state", "confirmed"], "argument item: '-:'"),
        (["checklist", "1", "-x"], "argument verb: '-x'"),
    ],
)
def test_a_dash_value_for_an_optional_positional_names_it(
    capsys, clinic_db: Clinic, args: list[str], named: str
) -> None:
    """argparse leaves it over as an unknown option ("unrecognized arguments: -:"), which names
    no field; found by the fuzzing."""
    with pytest.raises(SystemExit) as info:
        main(["--db", clinic_db.url, *args])
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        f"mild-desk checklist: {named} starts with '-', read as an option (see --help)\n"
    )


def test_audit_verify_exit_codes(capsys, clinic_db: Clinic) -> None:
    assert run(capsys, clinic_db, "audit", "verify", user=None)[0] == 0
    clinic_db.execute("UPDATE audit_event SET action = 'x' WHERE id = 2")
    code, _, err = run(capsys, clinic_db, "audit", "verify", user=None)
    assert code == 1
    assert "event 2" in err


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mild_desk.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_init_demo_and_version_as_real_processes(tmp_path: Path) -> None:
    env = {**os.environ, "MILD_DESK_PASSWORD": "first-admin-pw"}
    db = str(tmp_path / "cli.sqlite3")
    first = _cli("--db", db, "init", "--admin", "boss", env=env)
    again = _cli("--db", db, "init", "--admin", "boss", env=env)
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert "already exists" in again.stdout
    assert _cli("--version").stdout.strip().startswith("mild-desk ")
    demo = _cli("--db", str(tmp_path / "demo.sqlite3"), "--json", "demo")
    assert demo.returncode == 0, demo.stderr
    report = json.loads(demo.stdout)
    assert {u["role"] for u in report["users"]} == {"admin", "scheduler", "nurse", "provider"}
    assert report["patients"] >= 40


def test_launching_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    result = _cli("--db", str(tmp_path / "x.sqlite3"), env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Xvfb" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "x.sqlite3"],
        ["--db=x.sqlite3"],
        ["--db="],
        ["--db", ""],
        ["--db", "init"],
        ["--user", "ada"],
        ["--db", "x.sqlite3", "--user", "ada"],
    ],
)
def test_no_command_starts_the_desktop_app_with_the_database_the_parser_reads(
    monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    """The usual start skips building the parser: it must read `--db` exactly as the parser."""
    from mild_desk import cli
    from mild_desk.ui import launch

    started: list[str | None] = []

    def fake_launch(db_arg: str | None) -> int:
        started.append(db_arg)
        return 0

    monkeypatch.setattr(launch, "launch", fake_launch)
    assert main(argv) == 0
    assert started == [cli.build_parser().parse_args(argv).db]


@pytest.fixture
def broken_hold_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """resources/ as read with a negative hold in the hold table's first row."""
    from mild_desk import resources

    real = resources.read_toml

    def read_toml(name: str) -> dict[str, Any]:
        data = real(name)
        if name == "hold_table.toml":
            data["drug"][0]["hold_hours"] = -144  # the first row: aspirin_primary
        return data

    monkeypatch.setattr(resources, "read_toml", read_toml)
    caches = (resources.hold_table, resources.checklist_items, resources.procedure_profile_defaults)
    for cached in caches:
        cached.cache_clear()
    yield
    for cached in caches:
        cached.cache_clear()


@pytest.mark.sqlite_only("an SQLite file is compared")
def test_a_broken_rules_file_stops_every_front_end_before_anything_is_written(
    capsys, clinic_db: Clinic, broken_hold_table: None
) -> None:
    from mild_desk.ui.app import run as run_app

    before = clinic_db.dump()
    code, _out, err = run(
        capsys, clinic_db, "patient", "add", "--mrn", "B1", "--first", "A", "--last", "B",
        "--dob", "1950-01-01",
    )  # fmt: skip
    assert code == 3
    assert err.count("\n") == 1
    assert "resources: hold_table: drug 'aspirin_primary'" in err
    assert run_app(clinic_db.url) == 3
    assert "aspirin_primary" in capsys.readouterr().err
    assert clinic_db.dump() == before


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    """`mild-desk ... | head`: the command's work is done; no traceback, no "bug" line."""
    db = str(tmp_path / "demo.sqlite3")
    assert _cli("--db", db, "demo").returncode == 0
    env = {**os.environ, "MILD_DESK_PASSWORD": "sam-demo-2026"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mild_desk.cli", "--db", db, "--user", "sam", "--json", "worklist"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # the reader is gone before anything is written
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_json_goes_before_or_after_the_command(capsys, clinic_db: Clinic, tmp_path: Path) -> None:
    csv = tmp_path / "in.csv"
    csv.write_text("mrn,first,last,dob\nJ1,Ada,Byron,1950-12-10\n", encoding="utf-8")
    before = clinic_db.dump()
    code, out, err = run(capsys, clinic_db, "import", "patients", str(csv), "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out)["added"] == 1  # the issue's own spelling of the command
    assert clinic_db.dump() == before
    first = run(capsys, clinic_db, "--json", "clinic", "show")
    last = run(capsys, clinic_db, "clinic", "show", "--json")
    assert first == last
    assert json.loads(last[1])["timezone"] == "America/New_York"
    assert not run(capsys, clinic_db, "clinic", "show")[1].startswith("{")
