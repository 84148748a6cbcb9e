"""File → Import patients: preview a CSV file row by row, then import its good rows at once."""

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.models.enums import RequirementStatus
from mild_desk.services.interop import patient_csv
from mild_desk.services.interop.patient_csv import ImportAction, ImportReport, ImportRow
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel, error_text
from mild_desk.ui.models import status_colour
from mild_desk.ui.table_model import Column, RecordTableModel
from mild_desk.ui.widgets import ElidedLabel, fit_to_screen
from mild_desk.ui.workers import TaskRunner

CSV_FILTER = "CSV files (*.csv);;All files (*)"
WRAP_ROWS = 1000
"""Rows are fitted to wrapped text up to this many; past it each stays one line (speed)."""
IMPORT_ACTIONS = {
    ImportAction.ADD: "+ new patient",
    ImportAction.UPDATE: "✎ update",
    ImportAction.UNCHANGED: "= unchanged",
    ImportAction.ERROR: "✗ bad row, skipped",
}
_IMPORT_STATUS = {  # what needs a second look stands out: changes to records, bad rows
    ImportAction.UPDATE: RequirementStatus.PENDING,
    ImportAction.ERROR: RequirementStatus.UNMET,
}
_FIELD_WORDS = {"dob": "date of birth", "preferred_language": "language"}


def summary_text(report: ImportReport) -> str:
    """ "12 new, 3 updated, 1 unchanged, 2 bad rows — nothing is written until you press Import"."""
    counts = (
        f"{report.added} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.errors} bad row{'' if report.errors == 1 else 's'}"
    )
    if report.written:
        skipped = " (the bad rows were not imported)" if report.errors else ""
        return f"Imported: {counts}{skipped}."
    if importable(report) == 0:
        return f"{counts} — nothing to import."
    return f"{counts} — nothing is written until you press Import."


def importable(report: ImportReport) -> int:
    """How many patients importing the previewed file would add or change."""
    return report.added + report.updated


def _import_details(r: ImportRow) -> str:
    if r.action is ImportAction.ERROR:
        return r.reason
    if r.action is ImportAction.UPDATE:
        return "; ".join(
            f"{_FIELD_WORDS.get(f, f.replace('_', ' '))} → {r.values.get(f, '')}" for f in r.changes
        )
    if r.action is ImportAction.ADD:
        return f"born {r.values['dob']}" if "dob" in r.values else ""
    return "already on file with these details"


class ImportPreviewModel(RecordTableModel[ImportRow]):
    """The rows of a patient import report: what each line of the file does, or why not."""

    def __init__(self, parent: QObject | None = None) -> None:
        def colour(r: ImportRow) -> str | None:
            return status_colour(_IMPORT_STATUS.get(r.action))

        super().__init__(
            [
                Column("Line", lambda r: str(r.line), colour=colour, align_right=True),
                Column("MRN", lambda r: r.mrn, colour=colour),
                Column("Name", lambda r: r.name, colour=colour),
                Column("What happens", lambda r: IMPORT_ACTIONS[r.action], colour=colour),
                Column("Why / what changes", _import_details, colour=colour),
            ],
            parent,
        )


class ImportDialog(QDialog):
    """Choose a file, see what importing it would do (nothing is written), then Import.

    Each step is one service call in the background: `previewed(report)` or `imported(report)`
    when done, `refused(text)` when the file cannot be read or the import is refused."""

    previewed = Signal(object)
    imported = Signal(object)
    refused = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.preview: ImportReport | None = None
        self.report: ImportReport | None = None
        self._importing = False
        self.runner = TaskRunner(self)
        self.model = ImportPreviewModel(self)
        self.setWindowTitle("Import patients")
        self._build()
        self._connect_signals()
        self._update_buttons()

    # --- public -----------------------------------------------------------------------

    def load(self, path: str | Path) -> None:
        """Preview `path`: what importing it would do, row by row (writes nothing)."""
        self.path = Path(path)
        self.preview = self.report = None
        self._importing = False
        self.model.set_records(())
        self.file_label.setText(str(self.path))
        self.summary.setText("Reading the file…")
        self.error.clear_error()
        db, actor, now, source = self.ctx.db, self.ctx.actor, self.ctx.now(), self.path
        self.runner.start(lambda: patient_csv.preview_patients(db, actor, path=source, now=now))
        self._update_buttons()

    def import_rows(self) -> None:
        """Import the file's good rows (one transaction); the import's own report is shown."""
        if self.path is None or self.preview is None or self.runner.busy:
            return
        self._importing = True
        self.summary.setText("Importing…")
        self.error.clear_error()
        db, actor, now, source = self.ctx.db, self.ctx.actor, self.ctx.now(), self.path
        self.runner.start(lambda: patient_csv.import_patients(db, actor, path=source, now=now))
        self._update_buttons()

    def done(self, result: int) -> None:
        """Closing waits for work under way; an import that finished meanwhile is announced."""
        if self.runner.busy:
            self.runner.wait()
            if self._importing:
                self.ctx.changes.notify()
        super().done(result)

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(
            "Add or update patients from a CSV file (UTF-8) whose first line names the columns: "
            "mrn, first, last, dob (YYYY-MM-DD), phone, preferred_language, "
            "referring_physician, allergies, diabetic, pregnancy_possible, update. A new MRN "
            "adds a patient; an MRN already on file is changed only on rows whose update "
            "column says yes. Bad rows are skipped.",
            self,
        )
        intro.setWordWrap(True)
        self.choose_button = QPushButton("&Choose file…", self)
        self.choose_button.setAccessibleName("Choose file")
        self.choose_button.setToolTip("Pick the CSV file to import")
        self.file_label = ElidedLabel(self)
        self.file_label.setAccessibleName("File")
        self.file_label.setText("No file chosen yet.")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Import summary")
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Rows of the file")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.model.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        self.error = ErrorLabel(self)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(self.fontMetrics().horizontalAdvance("x") * 12)
        self.busy.setAccessibleName("Working")
        self.busy.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.import_button.setAccessibleName("Import")
        self.import_button.setToolTip("Write the new and updated patients (not the bad rows)")
        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(self.file_label, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        metrics = self.fontMetrics()
        fit_to_screen(self, metrics.horizontalAdvance("x") * 120, metrics.height() * 30)

    def _connect_signals(self) -> None:
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.buttons.rejected.connect(self.reject)
        self.runner.finished.connect(self._on_runner_finished)
        self.runner.failed.connect(self._on_runner_failed)

    def _update_buttons(self) -> None:
        busy = self.runner.busy
        preview = self.preview
        count = importable(preview) if preview is not None and self.report is None else 0
        self.busy.setVisible(busy)
        self.choose_button.setEnabled(not busy)
        self.close_button.setEnabled(not busy)
        self.import_button.setEnabled(count > 0 and not busy)
        self.import_button.setText(
            f"&Import {count} patient{'' if count == 1 else 's'}" if count else "&Import"
        )
        self.import_button.setAccessibleName(self.import_button.text().replace("&", ""))
        if count and not busy:
            default = self.import_button
        elif self.report is not None:
            default = self.close_button
        else:
            default = self.choose_button
        for button in (self.choose_button, self.import_button, self.close_button):
            button.setDefault(button is default)

    def _show(self, report: ImportReport) -> None:
        self.model.set_records(report.rows)
        if self.model.rowCount() <= WRAP_ROWS:
            self.table.resizeRowsToContents()
        if report.rows:
            self.table.selectRow(0)
        self.summary.setText(summary_text(report))

    # --- slots ----------------------------------------------------------------------

    def _on_choose_button_clicked(self) -> None:
        start = str(self.path.parent) if self.path is not None else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a CSV file of patients", start, CSV_FILTER
        )
        if path:
            self.load(path)

    def _on_import_button_clicked(self) -> None:
        self.import_rows()

    def _on_runner_finished(self, result: object) -> None:
        assert isinstance(result, ImportReport)
        importing, self._importing = self._importing, False
        if importing:
            self.report = result
            self._show(result)
            previewed = [(r.line, r.action) for r in self.preview.rows] if self.preview else []
            if previewed != [(r.line, r.action) for r in result.rows]:
                self.summary.setText(
                    f"{self.summary.text()} The file or the patients on file changed after the "
                    "preview: this is what the import did."
                )
            self._update_buttons()
            self.table.setFocus()
            self.ctx.changes.notify()
            self.imported.emit(result)
            return
        self.preview = result
        self._show(result)
        self._update_buttons()
        self.table.setFocus()
        self.previewed.emit(result)

    def _on_runner_failed(self, exc: object) -> None:
        importing, self._importing = self._importing, False
        if not isinstance(exc, DomainError):
            self._update_buttons()
            assert isinstance(exc, BaseException)
            raise exc
        if importing:
            text = f"Nothing was imported. {error_text(exc)}"
            assert self.preview is not None
            self.summary.setText(summary_text(self.preview))
        else:
            text = f"Cannot import this file. {error_text(exc)}"
            self.summary.setText("Nothing was read from the file.")
        self.error.show_error(text)
        self._update_buttons()
        self.refused.emit(text)
