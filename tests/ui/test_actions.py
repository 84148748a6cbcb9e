"""Keyboard reschedule, booking from an empty board cell, the print chooser, settings that
apply at once, and the two kinds of error."""

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from mild_desk.errors import InvalidInput, SlotTaken
from mild_desk.models.enums import AppointmentStatus
from mild_desk.services import appointments
from mild_desk.services.documents import DocumentKind
from mild_desk.ui import errors
from mild_desk.ui.booking_dialog import BookingDialog
from mild_desk.ui.main_window import MainWindow
from mild_desk.ui.print_actions import PrintChooser
from mild_desk.ui.reschedule_dialog import RescheduleDialog
from tests.ui.conftest import TUESDAY, Demo

CTRL = Qt.KeyboardModifier.ControlModifier


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


def test_reschedule_from_the_keyboard(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "scheduler")
    johnson = window.board.model.block_at(0, 0)
    assert johnson is not None
    window.open_appointment(int(johnson.appointment.id))
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    dialog = window.appointment_actions.dialog
    assert isinstance(dialog, RescheduleDialog)
    assert dialog.model.rowCount() > 0
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    target = dialog.model.record(dialog.table.currentIndex().row())
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert window.panel.read is not None
    moved = window.panel.read.appointment
    assert moved.start == target.start
    assert moved.replaces_id == johnson.appointment.id
    ctx = window.ctx
    old = appointments.get(ctx.db, ctx.actor, johnson.appointment.id)
    assert old.status is AppointmentStatus.CANCELLED
    assert "Moved Johnson, Barbara" in window.panel.notice.text()


def test_double_click_on_a_free_slot_books_into_it(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "scheduler")
    view = window.board.view
    free = window.board.model.index(5, 1)  # Dr. Chen, 09:15: free
    rect = view.visualRect(free)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = window.appointment_actions.dialog
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.search, "MRN10033")
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() > 0)
    slot = dialog.selected_slot()
    assert slot is not None
    assert slot.start == window.board.model.cell_start(5, 1)
    assert slot.provider_id == window.board.model.board_column(1).lane.id


def test_print_actions_open_the_chooser(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    block = window.board.model.block_at(0, 0)
    assert block is not None
    window.open_appointment(int(block.appointment.id))
    assert window.appointment_actions.print_checklist.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
    chooser = window.appointment_actions.dialog
    assert isinstance(chooser, PrintChooser)
    assert chooser.kind is DocumentKind.CHECKLIST
    assert chooser.job() is not None
    assert [b.text() for b in (chooser.preview_button, chooser.print_button, chooser.save_button)]
    chooser.reject()


def test_idle_lock_follows_the_clinic_setting(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "admin")
    assert window.idle.interval_ms == 10 * 60_000
    window.show_page(window.admin)
    admin = window.admin
    admin.idle_minutes.setValue(3)
    assert admin.clinic_section.run()
    assert window.idle.interval_ms == 3 * 60_000


def test_a_domain_error_is_one_line_with_its_field() -> None:
    assert errors.error_text(SlotTaken("slot taken", field="start")) == "Time: slot taken"
    assert errors.error_text(InvalidInput("is required", field="reason")) == "Reason: is required"
    assert errors.error_text(InvalidInput("bad", field="odd_field")) == "Odd field: bad"


def test_anything_else_is_logged_and_shown_as_a_bug(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        with caplog.at_level(logging.ERROR, logger="mild_desk.ui"):
            errors._on_unexpected_exception(type(exc), exc, exc.__traceback__)
    assert "unexpected error" in caplog.text
    assert shown
    assert "This is a bug" in shown[0]
