"""Sign-in: user name and password; the role comes from the account."""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mild_desk.db import Database
from mild_desk.errors import DomainError
from mild_desk.services import clinic, users
from mild_desk.services.base import Actor


class LoginDialog(QDialog):
    """User name and password; the role comes from the account."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.actor: Actor | None = None
        self.setWindowTitle("Sign in — mild-desk")
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Sign-in message")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        sign_in = buttons.button(QDialogButtonBox.StandardButton.Ok)
        sign_in.setText("Sign in")
        sign_in.setAccessibleName("Sign in")
        sign_in.setDefault(True)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{clinic.clinic(db).name}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _on_buttons_accepted(self) -> None:
        try:
            self.actor = users.login(self._db, self.username.text(), self.password.text())
        except DomainError as exc:
            self.error.setText(exc.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()
