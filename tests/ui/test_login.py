"""The sign-in dialog on a real database."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from mild_desk.models.enums import Role
from mild_desk.ui.main_window import LoginDialog, MainWindow
from tests.conftest import PASSWORD, Clinic


def test_wrong_then_right_password(qtbot: QtBot, clinic_db: Clinic) -> None:
    dialog = LoginDialog(clinic_db.db)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.username, "nina")
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "wrong user name or password" in dialog.error.text()
    assert dialog.password.text() == ""
    assert dialog.result() != QDialog.DialogCode.Accepted
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert dialog.actor.role is Role.NURSE


def test_status_bar_names_user_role_and_database(qtbot: QtBot, clinic_db: Clinic) -> None:
    window = MainWindow(clinic_db.db, clinic_db.actor(Role.PROVIDER))
    qtbot.add_widget(window)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
    message = window.identity.text()  # a permanent part of the status bar
    assert window.identity.isVisible()
    assert "provider" in message
    assert str(clinic_db.path) in message
