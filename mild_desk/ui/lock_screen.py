"""What covers the window while it is locked: the clinic's name and a sign-in form."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mild_desk.db import Database
from mild_desk.services.base import Actor
from mild_desk.ui.login_dialog import LoginDialog


class LockScreen(QWidget):
    """Shows a fresh sign-in each time it locks; emits `unlocked(actor)` on a good password."""

    unlocked = Signal(object)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.login: LoginDialog | None = None
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Locked")
        self._layout = QVBoxLayout(self)
        self._layout.addStretch(1)
        self._layout.addWidget(self.message)
        self._layout.addStretch(1)

    def lock(self, username: str, reason: str) -> None:
        if self.login is not None:
            self.login.deleteLater()
        self.message.setText(
            f"<h2>Locked</h2><p>{reason}</p><p>Sign in to carry on where you left off.</p>"
        )
        login = LoginDialog(self._db, self)
        login.setWindowFlags(Qt.WindowType.Widget)
        login.username.setText(username)
        login.accepted.connect(self._on_login_accepted)
        login.rejected.connect(self._on_login_rejected)
        self._layout.insertWidget(2, login, 0, Qt.AlignmentFlag.AlignHCenter)
        self.login = login
        login.show()
        login.password.setFocus()

    def _on_login_accepted(self) -> None:
        assert self.login is not None
        actor: Actor | None = self.login.actor
        if actor is not None:
            self.unlocked.emit(actor)

    def _on_login_rejected(self) -> None:
        # Escape or Cancel on the lock screen leaves it locked with a fresh form.
        assert self.login is not None
        self.lock(self.login.username.text(), "Still locked.")
