"""Print actions: a small chooser (preview, print, save as PDF) over mild_desk.ui.printing.

The printing module is imported when first used (it pulls in reportlab and pdfium); if it
cannot be imported the print actions stay disabled and their tooltip says why."""

import importlib.util
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.services.document_kinds import PATIENT_FACING, PERMISSION, DocumentKind
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel, error_text

if TYPE_CHECKING:
    from mild_desk.ui.printing import DayPacketJob, PrintJob

MODULE = "mild_desk.ui.printing"
TITLES = {
    DocumentKind.PREP_LETTER: "Prep letter",
    DocumentKind.CHECKLIST: "Day-of checklist",
    DocumentKind.DISCHARGE: "Discharge instructions",
    DocumentKind.DAY: "Day packet",
}


def unavailable_reason(kind: DocumentKind) -> str | None:
    """Why printing cannot be used from here, or None when it can. Only looks for the module
    (importing it loads reportlab and pdfium: that waits for the first print)."""
    if importlib.util.find_spec(MODULE) is None:
        return f"Printing from the app is not installed ({MODULE})"
    return None


def permission(kind: DocumentKind) -> str:
    return PERMISSION[kind]


class PrintChooser(QDialog):
    """Preview, print to any installed printer, or save as PDF; every print is audited by the
    printing module. Patient-facing documents offer the language (the patient's by default)."""

    def __init__(
        self,
        ctx: AppContext,
        kind: DocumentKind,
        parent: QWidget | None = None,
        *,
        appointment_id: int | None = None,
        job: "PrintJob | None" = None,
    ) -> None:
        super().__init__(parent)
        from mild_desk.ui.printing import DocumentPrinter

        self.ctx, self.kind, self.appointment_id = ctx, kind, appointment_id
        self.printer: DocumentPrinter = DocumentPrinter(ctx.db, ctx.actor, self)
        self._job = job
        self.setWindowTitle(f"Print — {TITLES[kind]}")
        self.language = QComboBox(self)
        self.language.setAccessibleName("Language")
        self.language.addItem("the patient's language", None)
        self.language.addItem("English", "en")
        self.language.addItem("Spanish (español)", "es")
        self.error = ErrorLabel(self)
        form = QFormLayout()
        form.addRow(QLabel(f"<b>{TITLES[kind]}</b>", self))
        if kind in PATIENT_FACING:
            form.addRow("&Language:", self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.preview_button = self._button(buttons, "Pre&view…")
        self.print_button = self._button(buttons, "&Print…")
        self.save_button = self._button(buttons, "&Save as PDF…")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.language.currentIndexChanged.connect(self._on_language_current_index_changed)

    def job(self) -> "PrintJob | None":
        if self._job is None and self.appointment_id is not None:
            try:
                self._job = self.printer.make(
                    self.kind, self.appointment_id, lang=self.language.currentData()
                )
            except DomainError as exc:
                self.error.show_error(exc)
                return None
        return self._job

    def _button(self, box: QDialogButtonBox, text: str) -> QPushButton:
        button = box.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        return button

    def _on_language_current_index_changed(self, index: int) -> None:
        if self.appointment_id is not None:
            self._job = None

    def _on_preview_button_clicked(self) -> None:
        job = self.job()
        if job is not None:
            self._run(lambda: self.printer.preview(job, self))

    def _on_print_button_clicked(self) -> None:
        job = self.job()
        if job is not None:
            self._run(lambda: self.printer.print_with_dialog(job, self))

    def _on_save_button_clicked(self) -> None:
        job = self.job()
        if job is not None:
            self._run(lambda: self.printer.save_with_dialog(job, self))

    def _run(self, step: Callable[[], bool]) -> None:
        try:
            done = step()
        except DomainError as exc:
            self.error.show_error(f"Not printed. {error_text(exc)}")
            return
        if done:
            self.accept()


def print_document(
    ctx: AppContext, parent: QWidget, kind: DocumentKind, appointment_id: int
) -> PrintChooser:
    chooser = PrintChooser(ctx, kind, parent, appointment_id=appointment_id)
    chooser.open()
    return chooser


def print_day(ctx: AppContext, parent: QWidget, day: date) -> "DayPacketJob":
    """Build the day packet off the GUI thread (with progress), then offer the chooser."""
    from mild_desk.ui.printing import DayPacketJob, show_error

    packet = DayPacketJob(ctx.db, ctx.actor, day, parent)

    def ready(job: "PrintJob") -> None:
        PrintChooser(ctx, DocumentKind.DAY, parent, job=job).open()
        packet.deleteLater()

    def failed(message: str) -> None:
        show_error(parent, message)
        packet.deleteLater()

    packet.ready.connect(ready)
    packet.failed.connect(failed)
    packet.start()
    return packet
