"""Upgrades: the first release's database (schema revision 0001, committed as a fixture with rows
in every table) upgrades to head keeping every row; a database from a newer mild-desk is refused
by every way in, and left byte-for-byte as it was.

tests/integration/test_db.py checks the newer-schema refusal at the service layer (comparing a
dump); this file adds the file's bytes, the command line, the app's start and restore."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mild_desk.cli import main
from mild_desk.db import Database, head_revision, schema_revision, upgrade
from mild_desk.errors import Refused
from mild_desk.models.enums import Role
from mild_desk.services import appointments, audit, backup, patients, prep, users
from tests.conftest import Clinic
from tests.integration.crash_worker import tables

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "schema-0001.sqlite3"
FIXTURE_PASSWORD = "fixture-pass-0001"  # scripts/make_schema_fixture.py
NEWER = "9999_future"


def rows_of(path: Path, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        return conn.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid').fetchall()
    finally:
        conn.close()


@pytest.fixture
def first_release(tmp_path: Path) -> Path:
    path = tmp_path / "first-release.sqlite3"
    shutil.copyfile(FIXTURE, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def newer(first_release: Path) -> Path:
    """A database as a newer mild-desk leaves it: WAL mode, stamped with a revision we do not
    know, every connection closed (nothing waiting in a -wal file)."""
    db = Database.open(f"sqlite:///{first_release}")
    upgrade(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{NEWER}'")
    db.dispose()
    assert not wal_has_data(first_release)
    return first_release


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wal_has_data(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def test_the_fixture_is_revision_0001_with_rows_in_every_table() -> None:
    found = tables(FIXTURE)
    assert found["alembic_version"][1] == [("0001",)]
    assert set(found) == backup.CORE_TABLES | {"alembic_version"}
    assert {name: len(rows) for name, (_, rows) in found.items() if not rows} == {}
    assert FIXTURE.stat().st_size < 500_000


def test_upgrading_the_first_release_to_head_keeps_every_row(first_release: Path) -> None:
    before = tables(first_release)
    db = Database.open(f"sqlite:///{first_release}")
    upgrade(db)
    upgrade(db)  # idempotent
    assert schema_revision(db) == head_revision()
    db.dispose()
    after = tables(first_release)
    assert set(after) >= set(before)
    for name, (columns, rows) in before.items():
        if name == "alembic_version":
            continue
        assert set(after[name][0]) >= set(columns), f"{name} lost a column"
        assert rows_of(first_release, name, columns) == rows, f"{name}: rows changed"
    conn = sqlite3.connect(first_release)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_the_upgraded_first_release_works_with_the_services(first_release: Path) -> None:
    db = Database.open(f"sqlite:///{first_release}")
    try:
        upgrade(db)
        assert audit.verify(db).events == len(tables(first_release)["audit_event"][1])
        assert audit.verify(db).ok
        admin = users.login(db, "ada", FIXTURE_PASSWORD)
        sam = users.login(db, "sam", FIXTURE_PASSWORD)
        nina = users.login(db, "nina", FIXTURE_PASSWORD)
        assert admin.role is Role.ADMIN
        assert [p.mrn for p in patients.search(db, sam, "García")] == ["F0003"]
        done = appointments.get(db, sam, 1)
        assert done.status.value == "fulfilled"
        assert all(line.state is not None for line in prep.checklist(db, nina, done.id))
        held = appointments.get(db, sam, 4)
        appointments.cancel(db, sam, held.id, by="patient", reason="moved away")
        result = audit.verify(db)
        assert result.ok, result.problem
    finally:
        db.dispose()


def test_a_newer_database_is_refused_by_init_untouched(newer: Path, capsys) -> None:
    before = digest(newer)
    assert main(["--db", str(newer), "init"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"schema revision {NEWER}, made by a newer mild-desk" in err
    assert digest(newer) == before
    assert not wal_has_data(newer)


def test_a_newer_database_is_refused_at_app_start_untouched(newer: Path, tmp_path: Path) -> None:
    before = digest(newer)
    done = subprocess.run(
        [sys.executable, "-m", "mild_desk.cli", "--db", str(newer)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_DATA_HOME": str(tmp_path / "xdg"),
            "PYTHONPATH": str(ROOT),
        },
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "made by a newer mild-desk" in done.stderr
    assert digest(newer) == before
    assert not wal_has_data(newer)
    assert not (newer.parent / backup.BACKUP_DIR).exists()  # no daily backup of it either


@pytest.mark.sqlite_only("restores into the SQLite file")
def test_a_newer_database_is_refused_as_a_backup_to_restore(newer: Path, clinic_db: Clinic) -> None:
    before, current = digest(newer), clinic_db.dump()
    with pytest.raises(Refused, match=f"made by a newer mild-desk \\(schema revision {NEWER}\\)"):
        backup.restore(clinic_db.db, clinic_db.actor(Role.ADMIN), source=newer)
    assert digest(newer) == before
    assert clinic_db.dump() == current


def test_a_newer_database_is_refused_by_every_command_untouched(
    newer: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", FIXTURE_PASSWORD)
    before = digest(newer)
    code = main(
        ["--db", str(newer), "--user", "sam", "cancel", "4", "--by", "clinic", "--reason", "x"]
    )
    assert "made by a newer mild-desk" in capsys.readouterr().err
    assert code == 1
    assert digest(newer) == before
