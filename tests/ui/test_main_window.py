"""The main window per role (signed in through the real dialog), and the idle lock."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from mild_desk.errors import Refused
from mild_desk.rules.permissions import allowed
from mild_desk.services import demo
from mild_desk.services.base import Actor
from mild_desk.ui import board as board_module
from mild_desk.ui.idle import IdleTimer
from mild_desk.ui.main_window import LoginDialog, MainWindow
from tests.ui.conftest import DEMO_USERS, TUESDAY, Demo


def _sign_in(qtbot: QtBot, demo_clinic: Demo, role: str) -> Actor:
    dialog = LoginDialog(demo_clinic.db)
    qtbot.add_widget(dialog)
    dialog.show()
    name = DEMO_USERS[role]
    qtbot.keyClicks(dialog.username, name)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, demo.password_for(name))
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    return dialog.actor


def _window(qtbot: QtBot, demo_clinic: Demo, actor: Actor, **kw: int) -> MainWindow:
    window = MainWindow(demo_clinic.db, actor, clock=demo_clinic.clock, live=False, **kw)
    qtbot.add_widget(window)
    window.resize(1400, 900)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
        window.board.set_date(TUESDAY)
    return window


@pytest.mark.parametrize("role", ["admin", "scheduler", "nurse", "provider"])
def test_each_role_sees_only_what_it_may_do(qtbot: QtBot, demo_clinic: Demo, role: str) -> None:
    actor = _sign_in(qtbot, demo_clinic, role)
    window = _window(qtbot, demo_clinic, actor)
    assert role in window.identity.text()
    assert str(demo_clinic.path) in window.identity.text()
    acts = window.appointment_actions
    for act in acts.all() + acts.prints():
        assert act.isVisible() == allowed(actor.role, str(act.property("permission"))), act.text()
    pages = window.pages
    assert pages.isTabVisible(pages.indexOf(window.admin)) == (role == "admin")
    board = window.board.model
    johnson = board.index(0, 0)
    assert bool(board.flags(johnson) & Qt.ItemFlag.ItemIsDragEnabled) == (role == "scheduler")
    window.open_appointment(int(board.blocks()[0].appointment.id))
    panel = window.panel
    assert panel.read is not None
    assert (not panel.add_medication.isHidden()) == (role in ("nurse", "provider"))
    assert (not panel.add_imaging.isHidden()) == (role != "admin")
    buttons = {b.accessibleName() for b in panel.findChildren(type(panel.checklist.record_button))}
    assert ("Override a requirement" in str(window.shortcut_lines())) == (role == "provider")
    assert ("Book a patient" in str(window.shortcut_lines())) == (role == "scheduler")
    assert buttons  # the panel has its buttons for the role
    menus = [a.text().replace("&", "") for a in window.menuBar().actions() if a.isVisible()]
    assert ("Appointment" in menus) == (role != "admin")


def test_idle_lock_keeps_the_window_state(qtbot: QtBot, demo_clinic: Demo) -> None:
    nurse = demo_clinic.actor("nurse")
    window = _window(qtbot, demo_clinic, nurse, idle_ms=400)
    with qtbot.waitSignal(window.board.loaded):
        window.board.show_week(True)
    first = int(window.board.model.blocks()[0].appointment.id)
    window.open_appointment(first)
    window.panel.tabs.setCurrentIndex(2)
    with qtbot.waitSignal(window.locked, timeout=5_000):
        pass
    assert window.is_locked
    assert not window.dock.isVisible()
    assert not window.menuBar().isEnabled()
    login = window.lock_screen.login
    assert login is not None
    assert login.username.text() == "nina"
    assert "without use" in window.lock_screen.message.text()
    qtbot.keyClicks(login.password, "not-her-password")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert window.is_locked
    assert "wrong user name or password" in login.error.text()
    with qtbot.waitSignal(window.unlocked):
        qtbot.keyClicks(login.password, demo.password_for("nina"))
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert not window.is_locked
    assert window.dock.isVisible()
    assert window.board.week
    assert window.board.day == TUESDAY
    assert window.panel.appointment_id == first
    assert window.panel.tabs.currentIndex() == 2
    assert window.actor.username == "nina"


def test_input_postpones_the_lock_and_another_user_may_take_over(
    qtbot: QtBot, demo_clinic: Demo
) -> None:
    window = _window(qtbot, demo_clinic, demo_clinic.actor("nurse"), idle_ms=1_000)
    for _ in range(8):
        qtbot.wait(200)
        qtbot.keyClick(window.board.view, Qt.Key.Key_Down)
    assert not window.is_locked
    assert not window.appointment_actions.new_booking.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked
    login = window.lock_screen.login
    assert login is not None
    login.username.setText("sam")
    with qtbot.waitSignal(window.unlocked):
        qtbot.keyClicks(login.password, demo.password_for("sam"))
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert window.actor.username == "sam"
    assert window.appointment_actions.new_booking.isVisible()
    assert "scheduler" in window.identity.text()


def test_idle_watch_counts_from_when_it_starts_seeing_input(qtbot: QtBot) -> None:
    """The window counts idle time from its start but sees input only from its first board on
    (the start's own events skip the filter): watching restarts the count, so input it could
    not see makes the lock later, never earlier. A stopped timer is not watched again."""
    idle = IdleTimer(1_000)
    idle.start(watch=False)
    qtbot.wait(700)
    idle.watch()
    qtbot.wait(500)  # 1.2 s after start: it would have fired without the restart
    assert idle.active
    with qtbot.waitSignal(idle.timed_out, timeout=5_000):
        pass
    idle.start()
    idle.stop()
    idle.watch()
    assert not idle.active


def test_the_window_watches_input_from_its_first_board_or_soon_after_a_failed_one(
    qtbot: QtBot, demo_clinic: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    nurse = demo_clinic.actor("nurse")
    window = _window(qtbot, demo_clinic, nurse)
    assert window.idle.watching  # from the first board on

    def cannot_read(*_args: object, **_kwargs: object) -> None:
        raise Refused("the database is busy", field="db")

    monkeypatch.setattr(board_module.views, "board", cannot_read)
    failed = MainWindow(demo_clinic.db, nurse, clock=demo_clinic.clock, live=False)
    qtbot.add_widget(failed)
    failed.show()
    assert failed.idle.active
    assert not failed.idle.watching
    qtbot.waitUntil(lambda: "Cannot show the board" in failed.board.notice.text())
    qtbot.waitUntil(lambda: failed.idle.watching, timeout=10_000)  # a few seconds at the latest
    assert failed.idle.active
