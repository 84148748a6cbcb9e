"""Read models for the screens agree with the per-appointment services and batch their queries."""

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from mild_desk.db import Database
from mild_desk.errors import InvalidInput
from mild_desk.models.enums import AppointmentStatus, RequirementKey, RequirementStatus
from mild_desk.services import clinic, demo, panel_view, prep, users, views
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
