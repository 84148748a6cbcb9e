"""Backups: a copy taken while another process writes restores to exactly that copy; the
refusals; owner-only files; the automatic daily backup and its retention on a pinned clock."""

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mild_desk.cli import main
from mild_desk.db import Database, head_revision
from mild_desk.errors import InvalidInput, PermissionDenied, Refused
from mild_desk.models.enums import Role
from mild_desk.services import audit, backup, users
from tests.conftest import PASSWORD, Clinic
from tests.integration.conftest import NY, build_schedule
from tests.integration.crash_worker import Worker, check_database, check_reported, tables

pytestmark = pytest.mark.sqlite_only("backs up the SQLite file (PostgreSQL: pg_dump)")

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "schema-0001.sqlite3"
ROUND_TRIPS = 5
# Monday 2 Nov 2026, 09:00 in New York (the day after the clocks went back).
MONDAY = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    """Files must be private whatever the user's umask."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def folder(c: Clinic) -> Path:
    return c.path.parent / "backups"


def app_backups(c: Clinic) -> list[str]:
    return sorted(p.name for p in folder(c).glob("mild-desk-*.sqlite3"))


def assert_restored_equals(c: Clinic, copy: dict[str, tuple[list[str], list[tuple]]]) -> None:
    """Every table of the live database equals the copy's, but for the restore's own audit
    event appended to the chain."""
    live = tables(c.path)
    assert set(live) == set(copy)
    for name, (columns, rows) in copy.items():
        if name in ("audit_event", "audit_head"):
            continue
        assert live[name] == (columns, rows), f"{name} differs from the backup"
    events = live["audit_event"][1]
    assert events[:-1] == copy["audit_event"][1]
    assert events[-1][4] == "backup.restore"  # (id, at, actor_id, actor_name, action, ...)
    result = audit.verify(c.db)
    assert result.ok, result.problem


# --- consistency while another process writes --------------------------------------------


def test_backups_taken_while_another_process_writes_restore_every_table(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    now = datetime.now(NY)
    sched = build_schedule(
        clinic_db, patients_count=1, rrule="FREQ=DAILY", start="08:00", end="18:00", now=now
    )
    admin = clinic_db.actor(Role.ADMIN)
    worker = Worker(
        clinic_db.url, sched.providers[0], sched.mrns[0], now.date() + timedelta(days=10), 7
    )
    taken: list[tuple[Path, list[dict[str, object]]]] = []
    try:
        worker.wait_for(3)
        for n in range(ROUND_TRIPS):
            committed = list(worker.done)  # all reported before the copy starts
            out = tmp_path / f"during-{n}.sqlite3"
            backup.backup(clinic_db.db, admin, out=out)
            taken.append((out, committed))
            worker.wait_for(len(worker.done) + 5)  # it writes on between the copies
    finally:
        worker.kill()
    assert len({len(c) for _, c in taken}) == ROUND_TRIPS  # each copy saw a different moment
    for out, committed in taken:
        assert mode(out) == 0o600
        checked = check_database(out)  # one consistent snapshot: nothing half-written
        check_reported(out, committed)  # everything committed before the copy is in it
        assert checked.appointments > 0
        copy = tables(out)
        done = backup.restore(clinic_db.db, admin, source=out)
        assert done.audit_events == len(copy["audit_event"][1])
        assert_restored_equals(clinic_db, copy)
        check_database(clinic_db.path)
        assert mode(clinic_db.path) == 0o600
    print(f"\nbackup/restore round trips during writes: {len(taken)}")


# --- backup ------------------------------------------------------------------------------


def test_backup_is_private_and_refuses_an_existing_file_unless_forced(
    clinic_db: Clinic, tmp_path: Path
) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    out = tmp_path / "copy.sqlite3"
    with umask(0):
        made = backup.backup(clinic_db.db, admin, out=out)
    assert mode(out) == 0o600
    assert made.revision == head_revision()
    assert made.size_bytes == out.stat().st_size
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not out.with_name(out.name + "-wal").exists()  # one self-contained file
    first = out.read_bytes()
    with pytest.raises(Refused, match="already exists") as info:
        backup.backup(clinic_db.db, admin, out=out)
    assert info.value.field == "out"
    assert out.read_bytes() == first
    with umask(0):
        again = backup.backup(clinic_db.db, admin, out=out, force=True)
    assert mode(out) == 0o600
    assert again.audit_events == made.audit_events + 1  # the first backup's own event
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    events = audit.history(clinic_db.db, admin, entity="backup", entity_id=out.name)
    assert [e.action for e in events] == ["backup.create", "backup.create"]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_backup_refuses_to_write_over_the_database(clinic_db: Clinic, suffix: str) -> None:
    before = clinic_db.dump()
    target = clinic_db.path.with_name(clinic_db.path.name + suffix)
    with pytest.raises(Refused, match="is the database itself"):
        backup.backup(clinic_db.db, clinic_db.actor(Role.ADMIN), out=target, force=True)
    assert clinic_db.dump() == before


def test_backup_refuses_a_folder_or_a_missing_folder(clinic_db: Clinic, tmp_path: Path) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    with pytest.raises(InvalidInput, match="is a folder"):
        backup.backup(clinic_db.db, admin, out=tmp_path)
    with pytest.raises(InvalidInput, match="does not exist"):
        backup.backup(clinic_db.db, admin, out=tmp_path / "nope" / "x.sqlite3")


@pytest.mark.parametrize("role", [Role.SCHEDULER, Role.NURSE, Role.PROVIDER])
def test_only_an_admin_may_back_up_or_restore(
    clinic_db: Clinic, tmp_path: Path, role: Role
) -> None:
    actor = clinic_db.actor(role)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(clinic_db.db, clinic_db.actor(Role.ADMIN), out=copy)
    before = clinic_db.dump()
    with pytest.raises(PermissionDenied):
        backup.backup(clinic_db.db, actor, out=tmp_path / "mine.sqlite3")
    with pytest.raises(PermissionDenied):
        backup.restore(clinic_db.db, actor, source=copy)
    with pytest.raises(PermissionDenied):
        backup.set_keep_days(clinic_db.db, actor, days=30)
    with pytest.raises(PermissionDenied):
        backup.settings(clinic_db.db, actor)
    assert clinic_db.dump() == before
    assert not (tmp_path / "mine.sqlite3").exists()


def test_a_postgresql_database_is_pointed_to_pg_dump(clinic_db: Clinic, tmp_path: Path) -> None:
    server = Database.open("postgresql://nobody@127.0.0.1:1/none")  # never connects
    admin = clinic_db.actor(Role.ADMIN)
    for attempt in (
        lambda: backup.backup(server, admin, out=tmp_path / "x.sqlite3"),
        lambda: backup.restore(server, admin, source=FIXTURE),
    ):
        with pytest.raises(Refused) as info:
            attempt()
        assert "pg_dump" in str(info.value)
        assert "docs/WORKSTATIONS.md" in str(info.value)
        assert "\n" not in str(info.value)
    assert backup.auto_backup(server) is None
    assert [p.name for p in tmp_path.iterdir()] == ["clinic.sqlite3"]


@pytest.mark.postgres
def test_the_backup_command_on_postgresql_says_pg_dump(
    pg_clinic: Clinic, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)
    for args in (["backup", "--out", str(tmp_path / "x")], ["restore", str(FIXTURE)]):
        code = main(["--db", pg_clinic.url, "--user", "ada", *args])
        err = capsys.readouterr().err
        assert code == 1
        assert err.count("\n") == 1
        assert "pg_dump" in err
    assert not (tmp_path / "x").exists()


# --- restore -----------------------------------------------------------------------------


def _not_sqlite(path: Path, _: Path) -> None:
    path.write_text("name,dob\nA,1950-01-01\n")


def _empty(path: Path, _: Path) -> None:
    path.write_bytes(b"")


def _other_app(path: Path, _: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.commit()
    conn.close()


def _missing_tables(path: Path, good: Path) -> None:
    shutil.copyfile(good, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE checklist_event")
    conn.commit()
    conn.close()


def _no_version(path: Path, good: Path) -> None:
    shutil.copyfile(good, path)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM alembic_version")
    conn.commit()
    conn.close()


def _newer(path: Path, good: Path) -> None:
    shutil.copyfile(good, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()


def _damaged(path: Path, good: Path) -> None:
    data = bytearray(good.read_bytes())
    page = 4096
    for at in range(page * 2, len(data) - page, page):  # every page but the first and last
        data[at : at + 64] = os.urandom(64)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (_not_sqlite, InvalidInput, "is not a SQLite database"),
        (_empty, InvalidInput, "is not a SQLite database"),
        (_other_app, InvalidInput, "is not a mild-desk database \\(it has no schema version\\)"),
        (_missing_tables, InvalidInput, "is not a mild-desk database \\(no table checklist_event"),
        (_no_version, InvalidInput, "is not a mild-desk database \\(it has no schema version\\)"),
        (_newer, Refused, "was made by a newer mild-desk \\(schema revision 9999_future\\)"),
        (_damaged, InvalidInput, "(is damaged|is not a readable database)"),
    ],
    ids=["text", "empty", "other-app", "missing-tables", "no-version", "newer", "damaged"],
)
def test_restore_refuses_what_is_not_a_mild_desk_backup(
    clinic_db: Clinic, tmp_path: Path, make, error: type[Exception], message: str
) -> None:
    good = tmp_path / "good.sqlite3"
    backup.backup(clinic_db.db, clinic_db.actor(Role.ADMIN), out=good)
    bad = tmp_path / "bad.sqlite3"
    make(bad, good)
    before, bad_bytes = clinic_db.dump(), bad.read_bytes()
    with pytest.raises(error, match=f"^file: bad.sqlite3 {message}") as info:
        backup.restore(clinic_db.db, clinic_db.actor(Role.ADMIN), source=bad)
    assert "\n" not in str(info.value)
    assert clinic_db.dump() == before
    assert bad.read_bytes() == bad_bytes
    assert list(folder(clinic_db).iterdir()) == []  # no safety copy, no staged copy left
    assert {p.name for p in tmp_path.glob("*.sqlite3")} == {
        "bad.sqlite3",
        "good.sqlite3",
        "clinic.sqlite3",
    }


def test_restore_refuses_a_missing_file_and_the_database_itself(clinic_db: Clinic) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    before = clinic_db.dump()
    with pytest.raises(InvalidInput, match="does not exist"):
        backup.restore(clinic_db.db, admin, source=clinic_db.path.with_name("gone.sqlite3"))
    with pytest.raises(Refused, match="is the database itself"):
        backup.restore(clinic_db.db, admin, source=clinic_db.path)
    assert clinic_db.dump() == before


def test_restore_saves_the_current_database_first(clinic_db: Clinic, tmp_path: Path) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(clinic_db.db, admin, out=copy)
    users.add_user(clinic_db.db, admin, username="late", role="nurse", password=PASSWORD)
    current = tables(clinic_db.path)
    with umask(0):
        done = backup.restore(clinic_db.db, admin, source=copy, now=MONDAY)
    safety = Path(done.safety_backup)
    assert safety.name == "mild-desk-before-restore-2026-11-02-090000-0500.sqlite3"
    assert tables(safety) == current
    assert mode(safety) == 0o600
    assert mode(safety.parent) == 0o700
    assert mode(clinic_db.path) == 0o600
    assert "late" not in {u.username for u in users.list_users(clinic_db.db, admin)}
    assert_restored_equals(clinic_db, tables(copy))
    event = audit.history(clinic_db.db, admin, entity="backup", entity_id=copy.name)[-1]
    assert (event.action, event.actor_name) == ("backup.restore", "ada")
    assert event.after["safety_backup"] == str(safety)


def test_restore_by_a_user_the_backup_does_not_know(clinic_db: Clinic, tmp_path: Path) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    copy = tmp_path / "copy.sqlite3"
    backup.backup(clinic_db.db, admin, out=copy)
    users.add_user(clinic_db.db, admin, username="zoe", role="admin", password=PASSWORD)
    zoe = users.login(clinic_db.db, "zoe", PASSWORD)
    backup.restore(clinic_db.db, zoe, source=copy)
    event = audit.history(clinic_db.db, admin, entity="backup", entity_id=copy.name)[-1]
    assert (event.action, event.actor_name, event.after["restored_by"]) == (
        "backup.restore",
        "system",
        "zoe",
    )
    assert audit.verify(clinic_db.db).ok


def test_restoring_a_first_release_backup_upgrades_it(clinic_db: Clinic) -> None:
    old = tables(FIXTURE)
    done = backup.restore(clinic_db.db, clinic_db.actor(Role.ADMIN), source=FIXTURE)
    assert done.revision == "0001"
    live = tables(clinic_db.path)
    assert live["alembic_version"][1] == [(head_revision(),)]
    for name, (columns, rows) in old.items():
        if name in ("alembic_version", "audit_event", "audit_head"):
            continue
        kept = [tuple(r[live[name][0].index(c)] for c in columns) for r in live[name][1]]
        assert kept == rows, name
    assert live["audit_event"][1][:-1] == old["audit_event"][1]
    result = audit.verify(clinic_db.db)
    assert result.ok, result.problem


# --- automatic daily backups -------------------------------------------------------------


def test_the_automatic_backup_is_taken_once_per_clinic_local_day(clinic_db: Clinic) -> None:
    db = clinic_db.db
    late = datetime(2026, 11, 3, 4, 30, tzinfo=UTC)  # Mon 2 Nov 23:30 in New York
    with umask(0):
        first = backup.auto_backup(db, now=late)
    assert first is not None
    assert Path(first.path).name == "mild-desk-auto-2026-11-02-233000-0500.sqlite3"
    # 00:30 on Tuesday in New York is the same UTC day, but a new clinic day.
    second = backup.auto_backup(db, now=late + timedelta(hours=1))
    assert second is not None
    assert Path(second.path).name == "mild-desk-auto-2026-11-03-003000-0500.sqlite3"
    assert backup.auto_backup(db, now=late + timedelta(hours=12)) is None
    assert backup.auto_backup(db, now=late + timedelta(hours=24, minutes=29)) is None
    assert app_backups(clinic_db) == [Path(first.path).name, Path(second.path).name]
    assert mode(folder(clinic_db)) == 0o700
    assert {mode(Path(b.path)) for b in (first, second)} == {0o600}
    events = [
        e
        for name in app_backups(clinic_db)
        for e in audit.history(db, clinic_db.actor(Role.ADMIN), entity="backup", entity_id=name)
    ]
    assert [(e.action, e.actor_name) for e in events] == [("backup.auto", "system")] * 2
    assert audit.verify(db).ok


def test_automatic_backups_older_than_the_kept_days_are_deleted(clinic_db: Clinic) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    assert backup.settings(clinic_db.db, admin).keep_days == 14  # the default
    assert backup.set_keep_days(clinic_db.db, admin, days=3).keep_days == 3
    folder(clinic_db).mkdir()
    strangers = ["notes.txt", "mild-desk-auto-garbage.sqlite3", "my-copy.sqlite3"]
    for name in strangers:
        (folder(clinic_db) / name).write_text("not ours")
    made = [backup.auto_backup(clinic_db.db, now=MONDAY + timedelta(days=d)) for d in range(8)]
    assert all(m is not None for m in made)
    kept = [f"mild-desk-auto-2026-11-{d:02d}-090000-0500.sqlite3" for d in range(6, 10)]
    assert app_backups(clinic_db) == sorted([*kept, strangers[1]])
    assert sorted(p.name for p in folder(clinic_db).iterdir()) == sorted([*kept, *strangers])
    last = made[-1]
    assert last is not None
    assert last.pruned == ("mild-desk-auto-2026-11-05-090000-0500.sqlite3",)
    listed = backup.settings(clinic_db.db, admin)
    assert [Path(f.path).name for f in listed.files] == kept[::-1]  # newest first
    assert {f.kind for f in listed.files} == {"auto"}
    with pytest.raises(InvalidInput, match="outside 1-3650") as info:
        backup.set_keep_days(clinic_db.db, admin, days=0)
    assert info.value.field == "keep_days"


def test_app_start_backs_up_on_a_background_thread(clinic_db: Clinic) -> None:
    thread = backup.start_auto_backup(clinic_db.db)
    assert thread is not threading.current_thread()
    thread.join(timeout=30)
    assert len(app_backups(clinic_db)) == 1
    check_database(folder(clinic_db) / app_backups(clinic_db)[0])


def test_a_failing_automatic_backup_is_logged_not_raised(
    clinic_db: Clinic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(db: Database, *, now: datetime | None = None) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(backup, "auto_backup", broken)
    with caplog.at_level(logging.ERROR, logger="mild_desk.services.backup"):
        backup.start_auto_backup(clinic_db.db).join(timeout=30)
    assert "the automatic daily backup failed" in caplog.text


# --- the command line --------------------------------------------------------------------


def cli(capsys, c: Clinic, *args: str, user: str | None = "ada") -> tuple[int, str, str]:
    argv = ["--db", str(c.path), *(["--user", user] if user else []), *args]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)


@pytest.mark.usefixtures("_password")
def test_backup_and_restore_commands(capsys, clinic_db: Clinic, tmp_path: Path) -> None:
    out = tmp_path / "copy.sqlite3"
    code, stdout, _ = cli(capsys, clinic_db, "backup", "--out", str(out))
    assert code == 0
    assert stdout.startswith(f"backup written: {out} (")
    code, _, err = cli(capsys, clinic_db, "backup", "--out", str(out))
    assert (code, err) == (
        1,
        f"mild-desk: out: {str(out)!r} already exists (give --force to replace it)\n",
    )
    code, stdout, _ = cli(capsys, clinic_db, "--json", "backup", "--out", str(out), "--force")
    assert code == 0
    assert json.loads(stdout)["path"] == str(out)
    code, stdout, err = cli(capsys, clinic_db, "--json", "restore", str(out))
    assert code == 0, err
    restored = json.loads(stdout)
    assert restored["revision"] == head_revision()
    assert Path(restored["safety_backup"]).parent == folder(clinic_db)
    code, _, err = cli(capsys, clinic_db, "restore", str(tmp_path / "none.sqlite3"))
    assert code == 2
    assert err.count("\n") == 1
    code, _, err = cli(capsys, clinic_db, "backup", "--out", str(out), user="sam")
    assert code == 1
    assert "may not backup manage" in err


@pytest.mark.usefixtures("_password")
def test_the_daily_backup_command_needs_no_sign_in(capsys, clinic_db: Clinic) -> None:
    code, stdout, _ = cli(capsys, clinic_db, "backup", "--auto", user=None)
    assert code == 0
    assert stdout.startswith(f"backup written: {folder(clinic_db)}/mild-desk-auto-")
    code, stdout, _ = cli(capsys, clinic_db, "--json", "backup", "--auto", user=None)
    assert json.loads(stdout) == {"folder": str(folder(clinic_db)), "backup": None}
    code, stdout, _ = cli(capsys, clinic_db, "backup", "--keep-days", "30")
    assert (code, stdout) == (0, "automatic backups are kept 30 days\n")
    code, stdout, _ = cli(capsys, clinic_db, "backup", "--list")
    assert stdout.startswith(f"backups folder: {folder(clinic_db)} (kept 30 days)\n")
    assert " auto " in stdout
    code, _, err = cli(capsys, clinic_db, "backup", "--keep-days", "0")
    assert (code, err.count("\n")) == (2, 1)
    assert "keep_days" in err
    code, _, err = cli(capsys, clinic_db, "backup", "--auto", "--force")
    assert (code, err) == (2, "mild-desk: force: --force goes with --out\n")
    with pytest.raises(SystemExit, match="2"):
        cli(capsys, clinic_db, "backup")
    assert "one of the arguments --out --auto --list --keep-days is required" in (
        capsys.readouterr().err
    )
