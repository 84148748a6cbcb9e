"""A stale edit in the app: the appointment on screen was changed at another workstation since
it was shown, so the action is refused with "changed by NAME at TIME — reload" (never a silent
overwrite), the panel and the status bar say so, and the views reload to the current state."""

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mild_desk.db import Database
from mild_desk.models.enums import AppointmentStatus
from mild_desk.services import appointments, audit, demo, prep, users
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.base import Actor
from mild_desk.ui.fact_dialogs import CancelDialog
from mild_desk.ui.main_window import MainWindow
from mild_desk.ui.patient_panel import NOTICE_ERROR
from mild_desk.ui.reschedule_dialog import RescheduleDialog
from tests.ui.conftest import TUESDAY, Demo

THURSDAY = date(2026, 11, 5)
# The demo clock starts at 09:00 in New York; the other workstation changes things 7 min later.
CHANGED_AT = "Mon 2 Nov 2026 09:07"


@pytest.fixture
def other(demo_clinic: Demo) -> Iterator[Database]:
    """A second workstation: its own Database (engine, connections) on the same file."""
    db = Database.open(f"sqlite:///{demo_clinic.path}")
    yield db
    db.dispose()


def _login(db: Database, demo_clinic: Demo, username: str, password: str = "") -> Actor:
    secret = password or demo.password_for(username)
    return users.login(db, username, secret, now=demo_clinic.clock())


def _window(qtbot: QtBot, demo_clinic: Demo, role: str) -> MainWindow:
    window = MainWindow(
        demo_clinic.db, demo_clinic.actor(role), clock=demo_clinic.clock, live=False
    )
    qtbot.add_widget(window)
    window.resize(1500, 950)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
        window.board.set_date(TUESDAY)
    return window


def _act(qtbot: QtBot, window: MainWindow, act: Callable[[], object]) -> None:
    """Do it, then wait for the board to reload (after a change, or after a stale refusal)."""
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        act()


def _first(demo_clinic: Demo, day: date, status: AppointmentStatus) -> AppointmentRead:
    found = appointments.on_date(demo_clinic.db, demo_clinic.actor("scheduler"), day)
    return next(a for a in found if a.status is status)


def _now(demo_clinic: Demo, appointment_id: int) -> AppointmentRead:
    return appointments.get(demo_clinic.db, demo_clinic.actor("scheduler"), appointment_id)


def _assert_refused(window: MainWindow, who: str) -> None:
    line = f"changed by {who} at {CHANGED_AT} — reload"
    assert line in window.panel.notice.text()
    assert window.panel.notice.isVisibleTo(window.panel)
    assert window.panel.notice.styleSheet() == NOTICE_ERROR
    assert line in window.statusBar().currentMessage()


def _assert_reloaded(window: MainWindow, current: AppointmentRead) -> None:
    """The panel, and the version the actions will send, are the appointment as it is now."""
    assert window.panel.read is not None
    assert window.panel.read.appointment == current
    assert window.appointment_actions.read is window.panel.read


def test_a_stale_check_in_is_refused_naming_who_changed_it_and_when(
    qtbot: QtBot, demo_clinic: Demo, other: Database
) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    shown = _first(demo_clinic, TUESDAY, AppointmentStatus.BOOKED)
    window.open_appointment(int(shown.id))
    assert window.appointment_actions.check_in.isEnabled()
    # Meanwhile the front desk marks the patient a no-show on its own workstation.
    demo_clinic.clock.advance(minutes=7)
    sam = _login(other, demo_clinic, "sam")
    appointments.no_show(
        other, sam, shown.id, expected_version=shown.version, now=demo_clinic.clock()
    )
    after_other = demo_clinic.dump()

    _act(qtbot, window, window.appointment_actions.check_in.trigger)

    _assert_refused(window, "Sam Rivera")
    assert demo_clinic.dump() == after_other  # nothing written: the no-show stands
    current = _now(demo_clinic, shown.id)
    assert current.status is AppointmentStatus.NOSHOW
    assert current.version == shown.version + 1
    _assert_reloaded(window, current)
    assert not window.appointment_actions.check_in.isEnabled()


def test_a_stale_confirm_is_refused_and_after_the_reload_check_in_goes_through(
    qtbot: QtBot, demo_clinic: Demo, other: Database
) -> None:
    admin = demo_clinic.actor("admin")
    users.add_user(
        demo_clinic.db,
        admin,
        username="sue",
        role="scheduler",
        password="sue-at-the-second-desk",
        full_name="Sue Lee",
        now=demo_clinic.clock(),
    )
    window = _window(qtbot, demo_clinic, "scheduler")
    held = _first(demo_clinic, THURSDAY, AppointmentStatus.PENDING)
    window.open_appointment(int(held.id))
    assert window.appointment_actions.confirm.isEnabled()
    # At the second front-desk workstation Sue files the MRI (a patient fact: the appointment's
    # version stays) and, a few minutes later, confirms the booking.
    sue = _login(other, demo_clinic, "sue", "sue-at-the-second-desk")
    prep.add_imaging(
        other,
        sue,
        mrn=held.patient_mrn,
        modality="MRI",
        study_date=date(2026, 10, 1),
        lf_mm=3.6,
        now=demo_clinic.clock(),
    )
    assert _now(demo_clinic, held.id).version == held.version
    demo_clinic.clock.advance(minutes=7)
    appointments.confirm(
        other, sue, held.id, expected_version=held.version, now=demo_clinic.clock()
    )
    after_other = demo_clinic.dump()

    _act(qtbot, window, window.appointment_actions.confirm.trigger)

    _assert_refused(window, "Sue Lee")
    assert demo_clinic.dump() == after_other
    current = _now(demo_clinic, held.id)
    assert current.status is AppointmentStatus.BOOKED
    assert current.version == held.version + 1
    history = audit.history(demo_clinic.db, admin, entity="appointment", entity_id=held.id)
    assert [e.actor_name for e in history if e.action == "appointment.booked"] == ["sue"]
    _assert_reloaded(window, current)
    assert not window.appointment_actions.confirm.isEnabled()

    # After the reload the app acts on the current version: checking in goes through.
    assert window.appointment_actions.check_in.isEnabled()
    _act(qtbot, window, window.appointment_actions.check_in.trigger)
    arrived = _now(demo_clinic, held.id)
    assert arrived.status is AppointmentStatus.ARRIVED
    assert arrived.version == current.version + 1
    assert window.panel.notice.text() == f"{held.patient_name}: checked in."
    _assert_reloaded(window, arrived)


def test_a_stale_complete_is_refused(qtbot: QtBot, demo_clinic: Demo, other: Database) -> None:
    booked = _first(demo_clinic, TUESDAY, AppointmentStatus.BOOKED)
    shown = appointments.check_in(
        demo_clinic.db, demo_clinic.actor("nurse"), booked.id, now=demo_clinic.clock()
    )
    window = _window(qtbot, demo_clinic, "provider")
    window.open_appointment(int(shown.id))
    assert window.appointment_actions.complete.isEnabled()
    demo_clinic.clock.advance(minutes=7)
    sam = _login(other, demo_clinic, "sam")
    appointments.cancel(
        other,
        sam,
        shown.id,
        by="patient",
        reason="went home unwell",
        expected_version=shown.version,
        now=demo_clinic.clock(),
    )
    after_other = demo_clinic.dump()

    _act(qtbot, window, window.appointment_actions.complete.trigger)

    _assert_refused(window, "Sam Rivera")
    assert demo_clinic.dump() == after_other
    current = _now(demo_clinic, shown.id)
    assert current.status is AppointmentStatus.CANCELLED
    _assert_reloaded(window, current)
    assert not window.appointment_actions.complete.isEnabled()


def test_a_stale_cancel_dialog_closes_with_the_refusal(
    qtbot: QtBot, demo_clinic: Demo, other: Database
) -> None:
    """A dialog keeps the version it opened on; retrying cannot help, so it closes."""
    window = _window(qtbot, demo_clinic, "scheduler")
    shown = _first(demo_clinic, TUESDAY, AppointmentStatus.BOOKED)
    window.open_appointment(int(shown.id))
    window.appointment_actions.cancel.trigger()
    dialog = window.appointment_actions.dialog
    assert isinstance(dialog, CancelDialog)
    dialog.reason.setText("patient called to cancel")
    demo_clinic.clock.advance(minutes=7)
    nina = _login(other, demo_clinic, "nina")
    appointments.check_in(
        other, nina, shown.id, expected_version=shown.version, now=demo_clinic.clock()
    )
    after_other = demo_clinic.dump()

    _act(qtbot, window, dialog.buttons.accepted.emit)

    assert not dialog.isVisible()
    assert window.appointment_actions.dialog is None
    _assert_refused(window, "Nina Okafor")
    assert demo_clinic.dump() == after_other  # the patient stays checked in
    current = _now(demo_clinic, shown.id)
    assert current.status is AppointmentStatus.ARRIVED
    _assert_reloaded(window, current)


def test_without_a_concurrent_change_the_action_goes_through(
    qtbot: QtBot, demo_clinic: Demo
) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    shown = _first(demo_clinic, TUESDAY, AppointmentStatus.BOOKED)
    window.open_appointment(int(shown.id))

    _act(qtbot, window, window.appointment_actions.check_in.trigger)

    current = _now(demo_clinic, shown.id)
    assert current.status is AppointmentStatus.ARRIVED
    assert current.version == shown.version + 1
    assert window.panel.notice.text() == f"{shown.patient_name}: checked in."
    assert window.panel.notice.styleSheet() != NOTICE_ERROR
    _assert_reloaded(window, current)


def test_a_stale_reschedule_dialog_closes_with_the_refusal(
    qtbot: QtBot, demo_clinic: Demo, other: Database
) -> None:
    window = _window(qtbot, demo_clinic, "scheduler")
    shown = _first(demo_clinic, TUESDAY, AppointmentStatus.BOOKED)
    window.open_appointment(int(shown.id))
    window.appointment_actions.reschedule.trigger()
    dialog = window.appointment_actions.dialog
    assert isinstance(dialog, RescheduleDialog)
    assert dialog.model.rowCount() > 0
    demo_clinic.clock.advance(minutes=7)
    nina = _login(other, demo_clinic, "nina")
    appointments.check_in(
        other, nina, shown.id, expected_version=shown.version, now=demo_clinic.clock()
    )
    after_other = demo_clinic.dump()

    _act(qtbot, window, lambda: qtbot.keyClick(dialog.table, Qt.Key.Key_Return))

    assert not dialog.isVisible()
    assert dialog.moved is None
    _assert_refused(window, "Nina Okafor")
    assert demo_clinic.dump() == after_other  # not moved: the patient stays checked in
    _assert_reloaded(window, _now(demo_clinic, shown.id))


def test_a_stale_drag_on_the_board_is_refused_and_the_board_reloads(
    qtbot: QtBot, demo_clinic: Demo, other: Database
) -> None:
    window = _window(qtbot, demo_clinic, "scheduler")
    board = window.board
    block = board.model.block_at(0, 0)
    assert block is not None
    shown = block.appointment
    demo_clinic.clock.advance(minutes=7)
    nina = _login(other, demo_clinic, "nina")
    appointments.check_in(
        other, nina, shown.id, expected_version=shown.version, now=demo_clinic.clock()
    )
    after_other = demo_clinic.dump()
    free_start, free_lane = board.model.cell_start(10, 1), board.model.board_column(1).lane.id

    _act(
        qtbot,
        window,
        lambda: board.view.appointment_dropped.emit(
            int(shown.id), shown.version, free_start, free_lane
        ),
    )

    line = f"changed by Nina Okafor at {CHANGED_AT} — reload"
    assert line in board.notice.text()
    assert demo_clinic.dump() == after_other
    reloaded = board.model.block_at(0, 0)
    assert reloaded is not None
    assert reloaded.appointment.status is AppointmentStatus.ARRIVED
    assert reloaded.appointment.version == shown.version + 1
