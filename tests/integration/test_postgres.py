"""PostgreSQL only: the database's own no-overlap constraints, eight workstations racing for the
same slots, the CLI on a server URL, concurrent first starts and a watcher that reconnects."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError

from mild_desk.db import Database, head_revision, schema_revision
from mild_desk.errors import NotFound, SlotTaken
from mild_desk.models.enums import Role
from mild_desk.services import appointments, clinic, patients, users
from mild_desk.services.changes import ChangeWatcher
from mild_desk.services.users import LoginFailed
from tests.conftest import PASSWORD, Clinic, PgServer
from tests.integration.conftest import NOW, Schedule, at, build_schedule
from tests.integration.test_concurrency import assert_one_winner_per_slot, race

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
TUE = date(2026, 12, 8)
NO_OVERLAP = {
    "appointment_patient_no_overlap",
    "appointment_provider_no_overlap",
    "appointment_room_no_overlap",
}


@pytest.fixture
def pg_sched(pg_clinic: Clinic) -> Schedule:
    return build_schedule(pg_clinic)


@pytest.fixture
def empty_db(pg_server: PgServer) -> Iterator[str]:
    """The URL of a new, empty database on the server."""
    name = pg_server.new_name()
    with pg_server.admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield pg_server.url_for(name)
    pg_server.drop(name)


def test_the_migration_adds_three_exclusion_constraints_and_a_notify_trigger(
    pg_clinic: Clinic,
) -> None:
    found = pg_clinic.rows(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'appointment'::regclass AND contype = 'x' ORDER BY conname"
    )
    assert {name for name, _ in found} == NO_OVERLAP
    for name, definition in found:
        assert "gist" in str(definition)
        assert "'pending'" in str(definition)
        assert "'arrived'" in str(definition)
        assert ("block_end" in str(definition)) == ("patient" not in str(name))
    assert pg_clinic.rows(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal"
    ) == [("audit_event_notify_change",)]


def test_the_migration_downgrades_and_upgrades_again(pg_clinic: Clinic) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "mild_desk" / "migrations"))
    with pg_clinic.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert pg_clinic.rows("SELECT count(*) FROM pg_constraint WHERE contype = 'x'") == [(0,)]
    clinic.initialise(pg_clinic.db)
    assert schema_revision(pg_clinic.db) == head_revision()
    assert pg_clinic.rows("SELECT count(*) FROM pg_constraint WHERE contype = 'x'") == [(3,)]


def test_the_migration_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'plain.sqlite3'}")
    clinic.initialise(db)
    assert schema_revision(db) == head_revision()
    with db.engine.connect() as conn:
        sql = " ".join(
            str(r[0]) for r in conn.exec_driver_sql("SELECT sql FROM sqlite_master") if r[0]
        )
    db.dispose()
    assert "no_overlap" not in sql
    assert "notify" not in sql.lower()


def _raw_insert(
    c: Clinic, *, patient: int, provider: int, room: int, start: str, status: str
) -> None:
    """An appointment written straight into the table, as a client without the checks would."""
    c.execute(
        'INSERT INTO appointment (patient_id, provider_id, room_id, start, "end", block_end, '
        "status, levels, version, created_at, updated_at) VALUES "
        f"({patient}, {provider}, {room}, TIMESTAMPTZ '{start}', "
        f"TIMESTAMPTZ '{start}' + interval '60 minutes', "
        f"TIMESTAMPTZ '{start}' + interval '75 minutes', '{status}', '', 1, now(), now())"
    )


@pytest.mark.parametrize(
    ("patient", "provider", "room", "start", "constraint"),
    [
        (2, 1, 2, "2026-12-08 08:30-05", "appointment_provider_no_overlap"),
        (2, 2, 1, "2026-12-08 09:10-05", "appointment_room_no_overlap"),
        (1, 2, 2, "2026-12-08 08:59-05", "appointment_patient_no_overlap"),
    ],
    ids=["provider", "room-during-turnover", "patient"],
)
def test_the_database_refuses_an_overlap_from_a_client_that_skips_the_checks(
    pg_sched: Schedule, patient: int, provider: int, room: int, start: str, constraint: str
) -> None:
    c = pg_sched.c
    _raw_insert(c, patient=1, provider=1, room=1, start="2026-12-08 08:00-05", status="booked")
    before = c.dump()
    with pytest.raises(IntegrityError) as info:
        _raw_insert(c, patient=patient, provider=provider, room=room, start=start, status="pending")
    assert constraint in str(info.value)
    assert c.dump() == before


def test_touching_ranges_and_inactive_appointments_do_not_collide(pg_sched: Schedule) -> None:
    c = pg_sched.c
    _raw_insert(c, patient=1, provider=1, room=1, start="2026-12-08 08:00-05", status="booked")
    # The patient is free at 09:00 (end); provider and room at 09:15 (end + turnover).
    _raw_insert(c, patient=1, provider=2, room=2, start="2026-12-08 09:00-05", status="booked")
    _raw_insert(c, patient=2, provider=1, room=1, start="2026-12-08 09:15-05", status="pending")
    for status in ("cancelled", "noshow", "entered-in-error", "fulfilled"):
        _raw_insert(c, patient=3, provider=1, room=1, start="2026-12-08 08:00-05", status=status)
    assert c.rows("SELECT count(*) FROM appointment") == [(7,)]


def test_a_constraint_violation_is_the_same_slot_taken_refusal(
    pg_sched: Schedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = pg_sched.actor(Role.SCHEDULER)
    p1, p2 = pg_sched.providers

    def book(mrn: str, provider: int) -> str:
        with pytest.raises(SlotTaken) as info:
            appointments.book(
                pg_sched.db,
                scheduler,
                mrn=mrn,
                start=at(TUE, "08:00"),
                provider_id=provider,
                now=NOW,
            )
        return str(info.value)

    first = appointments.book(
        pg_sched.db, scheduler, mrn="S001", start=at(TUE, "08:00"), provider_id=p1, now=NOW
    )
    by_service = [book("S002", p1), book("S001", p2)]
    assert by_service == [
        "start: slot taken: the provider is already booked at Tue 8 Dec 2026 08:00",
        f"start: the patient already has appointment {first.id} at Tue 8 Dec 2026 08:00",
    ]
    before = pg_sched.c.dump()
    monkeypatch.setattr(appointments, "_check_slot", lambda *a, **k: None)  # a buggy client
    from_constraint: list[SlotTaken] = []
    insert = appointments._insert

    def spy(*args: object) -> None:
        try:
            insert(*args)  # type: ignore[arg-type]
        except SlotTaken as exc:
            from_constraint.append(exc)
            raise

    monkeypatch.setattr(appointments, "_insert", spy)
    assert [book("S002", p1), book("S001", p2)] == by_service
    assert [type(e.__context__) for e in from_constraint] == [IntegrityError, IntegrityError]
    assert pg_sched.c.dump() == before


@pytest.mark.slow
def test_eight_processes_race_for_forty_slots_on_postgresql(pg_clinic: Clinic) -> None:
    results = race(pg_clinic, processes=8, slots=40)
    assert_one_winner_per_slot(pg_clinic, results, processes=8, slots=40)
    assert pg_clinic.rows("SELECT count(*) FROM appointment") == [(40,)]


def test_init_and_the_first_admin_through_the_cli_on_a_server_url(empty_db: str) -> None:
    env = {**os.environ, "MILD_DESK_PASSWORD": "first-admin-pw", "PYTHONPATH": str(ROOT)}
    url = empty_db.replace("postgresql+psycopg://", "postgresql://")  # psycopg 3 is implied
    result = subprocess.run(
        [sys.executable, "-m", "mild_desk.cli", "--db", url, "init", "--admin", "boss"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    db = Database.open(empty_db)
    try:
        assert schema_revision(db) == head_revision()
        assert users.login(db, "boss", "first-admin-pw").role is Role.ADMIN
    finally:
        db.dispose()


def test_workstations_starting_at_once_on_an_empty_database(empty_db: str) -> None:
    """Every workstation upgrades the schema when it starts; they queue instead of colliding."""
    errors: list[BaseException] = []

    def start() -> None:
        db = Database.open(empty_db)
        try:
            clinic.initialise(db)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db = Database.open(empty_db)
    try:
        assert schema_revision(db) == head_revision()
        assert clinic.clinic(db).name
    finally:
        db.dispose()


def test_the_watcher_reconnects_after_losing_its_connection(pg_clinic: Clinic) -> None:
    """It reports a change once reconnected (it may have missed one), then keeps listening."""
    with ChangeWatcher(pg_clinic.db, retry_s=0.2) as watcher:
        assert not watcher.changed()
        terminated = pg_clinic.rows(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'mild-desk watcher' AND datname = current_database()"
        )
        assert terminated == [(True,)]
        assert watcher.wait(5.0)
        assert not watcher.changed()
        patients.add_patient(
            pg_clinic.db,
            pg_clinic.actor(Role.SCHEDULER),
            mrn="N2",
            first="Bo",
            last="Ng",
            dob="1951-01-01",
        )
        assert watcher.wait(2.0)


def test_a_nul_character_typed_into_a_lookup_finds_nothing(pg_clinic: Clinic) -> None:
    """PostgreSQL text cannot hold NUL (SQLite's can): a lookup with one is a clean "not found",
    never a driver error."""
    scheduler = pg_clinic.actor(Role.SCHEDULER)
    patients.add_patient(
        pg_clinic.db, scheduler, mrn="M1", first="Ann", last="Lee", dob="1950-01-01"
    )
    with pytest.raises(NotFound):
        patients.get_by_mrn(pg_clinic.db, scheduler, "M1\x00")
    assert patients.search(pg_clinic.db, scheduler, "Lee\x00") == []
    with pytest.raises(LoginFailed):
        users.login(pg_clinic.db, "sam\x00", PASSWORD)
