"""Read models for the screens agree with the per-appointment services and batch their queries."""

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import col

from mild_desk.db import Database, fetch
from mild_desk.errors import InvalidInput
from mild_desk.models.enums import AppointmentStatus, RequirementKey, RequirementStatus
from mild_desk.models.tables import Provider
from mild_desk.services import (
    appointments,
    audit,
    availability,
    clinic,
    demo,
    panel_view,
    patients,
    prep,
    prep_inputs,
    users,
    views,
)
from mild_desk.services.base import Actor

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
MONDAY = date(2026, 11, 2)


@pytest.fixture(scope="module")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    demo.build(db, now=NOW)
    db.dispose()
    return path


@pytest.fixture
def demo_db(_demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(_demo_template, path)
    db = Database.open(f"sqlite:///{path}")
    yield db
    db.dispose()


def _login(db: Database, name: str) -> Actor:
    return users.login(db, name, demo.password_for(name), now=NOW)


def test_board_readiness_matches_the_per_day_service(demo_db: Database) -> None:
    sam = _login(demo_db, "sam")
    read = views.board(demo_db, sam, date_from=MONDAY, date_to=MONDAY + timedelta(days=20), now=NOW)
    assert [lane.name for lane in read.providers] == ["Dr. Priya Patel", "Dr. Marcus Chen"]
    assert len(read.rooms) == 2
    assert read.appointments
    by_id = {a.id: a for a in read.appointments}
    compared = 0
    for offset in range(21):
        for line in prep.readiness(demo_db, sam, MONDAY + timedelta(days=offset), now=NOW):
            block = by_id[line.appointment_id]
            assert block.ready == line.ready
            assert {k.value: s for k, s in block.summary} == line.summary
            assert block.missing == line.missing
            compared += 1
    assert compared == len(read.appointments)
    states = {a.state for a in read.appointments}
    assert {views.BlockState.PENDING, views.BlockState.UNMET} <= states
    unmet = next(a for a in read.appointments if a.state is views.BlockState.UNMET)
    assert unmet.hint.startswith("blood thinner")


def test_board_sessions_closures_and_done_appointments(demo_db: Database) -> None:
    sam = _login(demo_db, "sam")
    read = views.board(
        demo_db, sam, date_from=MONDAY - timedelta(days=14), date_to=date(2026, 11, 30), now=NOW
    )
    tz = read.tz
    days = {s.day.weekday() for s in read.sessions}
    assert days == {1, 3}  # Tuesdays and Thursdays
    first = min(read.sessions, key=lambda s: s.start)
    assert first.start.astimezone(tz).strftime("%H:%M") == "08:00"
    assert first.end.astimezone(tz).strftime("%H:%M") == "12:00"
    assert [(c.day, c.reason) for c in read.closures] == [(date(2026, 11, 26), "Thanksgiving")]
    done = [a for a in read.appointments if a.status is AppointmentStatus.FULFILLED]
    assert done
    assert all(a.state is views.BlockState.DONE and a.hint == "" for a in done)


def test_board_reads_in_a_fixed_number_of_queries(demo_db: Database) -> None:
    sam = _login(demo_db, "sam")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(demo_db.engine, "before_cursor_execute", count)
    try:
        views.board(demo_db, sam, date_from=MONDAY, date_to=MONDAY, now=NOW)
        few = len(statements)
        statements.clear()
        many = views.board(
            demo_db, sam, date_from=MONDAY, date_to=MONDAY + timedelta(days=20), now=NOW
        )
    finally:
        event.remove(demo_db.engine, "before_cursor_execute", count)
    assert len(many.appointments) > 20
    assert len(statements) <= few + 12
    assert len(statements) < 30


def test_worklist_is_batched_and_agrees_with_each_appointments_prep(demo_db: Database) -> None:
    sam = _login(demo_db, "sam")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(demo_db.engine, "before_cursor_execute", count)
    try:
        items = prep.worklist(demo_db, sam, now=NOW)
    finally:
        event.remove(demo_db.engine, "before_cursor_execute", count)
    appointments = {i.appointment_id for i in items}
    assert len(appointments) > 10
    assert len(statements) < 20  # one query per table, not per appointment
    for appointment_id in appointments:  # the one-appointment path gives the same lines
        report = prep.prep(demo_db, sam, appointment_id, now=NOW)
        expected = {
            (r.key, r.status, r.detail)
            for r in report.requirements
            if r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
            and r.key is not RequirementKey.FASTING
        }
        assert {
            (i.key, i.status, i.detail) for i in items if i.appointment_id == appointment_id
        } == (expected)


def test_board_refuses_a_backwards_or_huge_range(demo_db: Database) -> None:
    sam = _login(demo_db, "sam")
    with pytest.raises(InvalidInput):
        views.board(demo_db, sam, date_from=MONDAY, date_to=MONDAY - timedelta(days=1))
    with pytest.raises(InvalidInput):
        views.board(demo_db, sam, date_from=MONDAY, date_to=MONDAY + timedelta(days=90))


def test_panel_gathers_facts_prep_checklist_and_history(demo_db: Database) -> None:
    nina = _login(demo_db, "nina")
    sam = _login(demo_db, "sam")
    lines = prep.readiness(demo_db, sam, date(2026, 11, 5), now=NOW)
    warfarin = next(
        line
        for line in lines
        if any("warfarin" in m for m in line.missing)  # the warfarin patient
    )
    panel = panel_view.appointment_panel(demo_db, nina, warfarin.appointment_id, now=NOW)
    assert panel.appointment.id == warfarin.appointment_id
    assert panel.patient.mrn == warfarin.patient_mrn
    assert [m.drug for m in panel.medications] == ["warfarin"]
    assert panel.medications[0].needs_clearance
    assert panel.imaging
    assert panel.imaging[0].valid_until > panel.imaging[0].study_date
    assert {r.key for r in panel.prep.requirements} == set(RequirementKey)
    assert panel.checklist
    assert [h.action for h in panel.history][:1] == ["appointment.book"]


def _both_ways(db: Database, stmt: Any, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """`stmt`'s rows through db.fetch's direct path, and through SQLAlchemy's own (which fetch
    takes while a statement listener is on the engine)."""
    with db.read() as tx:
        direct = fetch(tx.session, stmt, params).all()
    event.listen(db.engine, "before_cursor_execute", _ignore)
    try:
        with db.read() as tx:
            through = fetch(tx.session, stmt, params).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", _ignore)
    return direct, through


def _ignore(*_args: object) -> None:
    pass


def test_fetch_reads_the_same_rows_as_sqlalchemy(demo_db: Database) -> None:
    """The direct path (statements compiled once, sent to sqlite3 with the column types' own
    conversions) gives what SQLAlchemy gives: aware UTC datetimes, dates, times, enums, booleans,
    NULLs and labelled columns, by position and by name."""
    lo, hi = NOW - timedelta(days=60), NOW + timedelta(days=60)
    cases: list[tuple[Any, dict[str, Any]]] = [
        (appointments._READ_BETWEEN, {"lo": lo, "hi": hi}),
        (appointments._READ_NAMES, {"patient_id": 3, "provider_id": 1, "room_id": 1}),
        (views._APPOINTMENTS, {"lo": lo, "hi": hi}),
        (views._TEMPLATES, {}),
        (views._PROVIDER_LANES, {}),
        (availability._TEMPLATES, {}),
        (availability._PROVIDER_CAPS, {}),
        (availability._ACTIVE_BUSY, {"start": lo, "end": hi, "since": lo - timedelta(days=1)}),
        (availability._CLOSURE_SPECS, {"first": MONDAY, "last": MONDAY + timedelta(days=90)}),
        (clinic._CLINIC_ROW, {}),
        (clinic._PROFILE_ROW, {}),
        (users._BY_USERNAME, {"name": "sam"}),
        (patients._ID_BY_MRN, {"mrn": "MRN10003"}),
        (audit._HEAD, {}),
    ]
    cases += [
        (s, {"patient_id": p})
        for s in (prep_inputs._IMAGING, prep_inputs._ACTIVE_MEDS, prep_inputs._LABS)
        for p in range(1, 13)
    ]
    kinds: set[type] = set()
    for stmt, params in cases:
        direct, through = _both_ways(demo_db, stmt, params)
        assert direct == [tuple(r) for r in through], stmt
        assert [r._mapping for r in direct] == [dict(r._mapping) for r in through], stmt
        for row in direct:
            kinds |= {type(v) for v in row}
            for value in row:
                if isinstance(value, datetime):
                    assert value.tzinfo is UTC
    assert {datetime, date, time, bool, int, float, str, type(None), AppointmentStatus} <= kinds


def test_fetch_reports_driver_errors_as_sqlalchemy_does(demo_db: Database) -> None:
    """A constraint broken on the direct path raises SQLAlchemy's IntegrityError (what the
    services catch), a naive datetime its StatementError; nothing of either is kept."""
    head = _both_ways(demo_db, audit._HEAD, {})[0]
    with demo_db.write() as tx:
        taken = {"seq": 1, "hash": "x"}
        with pytest.raises(IntegrityError):  # the head row exists: its id is taken
            fetch(tx.session, audit._NEW_HEAD, taken)
    with demo_db.write() as tx, pytest.raises(StatementError, match="naive datetime"):
        fetch(tx.session, views._APPOINTMENTS, {"lo": datetime(2026, 1, 1), "hi": NOW})
    with demo_db.read() as tx, pytest.raises(StatementError, match="'name'"):
        fetch(tx.session, users._BY_USERNAME, {})  # a parameter left out is not read as NULL
    assert _both_ways(demo_db, audit._HEAD, {})[0] == head


def _move_then_fail(session: Any) -> None:
    with session.begin_nested():
        fetch(session, audit._MOVE_HEAD, {"seq": 1001, "hash": "undone"})
        fetch(session, audit._NEW_HEAD, {"seq": 1, "hash": "x"})  # the head row exists


def test_fetch_follows_the_unit_of_work_across_commits(demo_db: Database) -> None:
    """fetch keeps the unit of work's connection between statements; after a commit it takes
    the session's next one (the first is back in the pool), inside a savepoint it works within
    the savepoint, and an IN list still works."""
    by_ids = sa.select(Provider.id).where(col(Provider.id).in_(sa.bindparam("ids", expanding=True)))
    with demo_db.write() as tx:
        fetch(tx.session, audit._MOVE_HEAD, {"seq": 999, "hash": "moved"})
        tx.commit()
        assert fetch(tx.session, audit._HEAD, {}).first() == (999, "moved")
        assert [r.id for r in fetch(tx.session, by_ids, {"ids": [1, 2, 99]})] == [1, 2]
        fetch(tx.session, audit._MOVE_HEAD, {"seq": 1000, "hash": "kept"})
        with pytest.raises(IntegrityError):  # undone to the savepoint
            _move_then_fail(tx.session)
        assert fetch(tx.session, audit._HEAD, {}).first() == (1000, "kept")
        tx.commit()
    assert _both_ways(demo_db, audit._HEAD, {})[0] == [(1000, "kept")]
