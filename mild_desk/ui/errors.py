"""The two kinds of error: a domain error gets one clear line; anything else is a bug."""

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from mild_desk.errors import DomainError

log = logging.getLogger("mild_desk.ui")

FIELD_LABELS = {
    "anticoagulation": "Blood thinners",
    "appointment": "Appointment",
    "at": "Taken at",
    "by": "Cleared by",
    "clear_liquids_fast_hours": "Clear liquids until",
    "date": "Date",
    "dob": "Date of birth",
    "drug": "Medication",
    "end": "End",
    "first": "First name",
    "from": "From",
    "imaging": "Imaging",
    "item": "Checklist item",
    "last": "Last name",
    "last_clear_liquids": "Last clear liquids",
    "last_dose": "Last dose",
    "last_solids": "Last solids",
    "levels": "Levels",
    "lf_mm": "Ligamentum flavum",
    "modality": "Modality",
    "mrn": "Patient",
    "name": "Name",
    "note": "Note",
    "outcome": "Outcome",
    "password": "Password",
    "phone": "Phone",
    "readiness": "Not ready",
    "reason": "Reason",
    "requirement": "Requirement",
    "role": "Role",
    "rrule": "Repeat rule",
    "start": "Time",
    "state": "State",
    "status": "Status",
    "to": "To",
    "tz": "Time zone",
    "until": "Until",
    "user": "Account",
    "username": "User name",
    "value": "Value",
}


def error_text(exc: DomainError) -> str:
    """ "Time: slot taken: the provider is already booked at …" — the field in words, then why."""
    if not exc.field:
        return exc.message
    label = FIELD_LABELS.get(exc.field, exc.field.replace("_", " ").capitalize())
    return f"{label}: {exc.message}"


class ErrorLabel(QLabel):
    """A dialog's one line of refusal, read out by screen readers when it appears."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020; font-weight: bold")
        self.setAccessibleName("Error")
        self.hide()

    def show_error(self, exc: DomainError | str) -> None:
        text = exc if isinstance(exc, str) else error_text(exc)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.show()

    def clear_error(self) -> None:
        self.clear()
        self.hide()


def install_crash_handler() -> None:
    """Log any unexpected exception and tell the user it is a bug (the app keeps running)."""
    sys.excepthook = _on_unexpected_exception


def _on_unexpected_exception(
    kind: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    log.error("unexpected error", exc_info=(kind, exc, tb))
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("mild-desk — unexpected error")
    box.setText(
        "Something went wrong inside mild-desk. This is a bug, not something you did.\n"
        "Your last change may not have been saved: check it, and tell your administrator."
    )
    box.setInformativeText(f"{kind.__name__}: {exc}")
    box.setDetailedText("".join(traceback.format_exception(kind, exc, tb)))
    box.exec()
