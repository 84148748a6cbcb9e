"""The patient / appointment panel: who, when, readiness with reasons, the patient's imaging,
medications, labs and driver, the day-of checklist and the appointment's audit history."""

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.ui.checklist_panel import ChecklistPanel
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import error_text
from mild_desk.ui.models import (
    HistoryModel,
    ImagingModel,
    LabModel,
    MedicationModel,
    RequirementModel,
)
from mild_desk.ui.text import day_text, moment_text
from mild_desk.ui.theme import NOT_READY_BANNER, READY_BANNER
from mild_desk.ui.widgets import FlowLayout, flow_widget

if TYPE_CHECKING:  # these load with the first appointment or dialog, not at start
    from mild_desk.services.panel_view import PanelRead
    from mild_desk.ui.fact_dialogs import FactDialog

NOTICE_OK = "background: #e3f2e4; color: #1b3d1c; padding: 4px"
NOTICE_ERROR = "background: #fde2e2; color: #7a0014; padding: 4px; font-weight: bold"


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class AppointmentPanel(QWidget):
    """`show_appointment(id)` reads one read model (panel_view.appointment_panel); every button is
    one service call through a small dialog, then the change notice reloads what shows."""

    loaded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.read: PanelRead | None = None
        self.appointment_id: int | None = None
        self.dialog: QDialog | None = None
        tz = lambda: ctx.tz  # noqa: E731
        self.requirements = RequirementModel(tz, self)
        self.medications = MedicationModel(tz, self)
        self.imaging = ImagingModel(self)
        self.labs = LabModel(tz, self)
        self.history = HistoryModel(tz, self)
        self._build()
        self._connect_signals()
        self._show_empty()

    # --- public -----------------------------------------------------------------------

    def show_appointment(self, appointment_id: int | None) -> None:
        self.appointment_id = appointment_id
        self.reload()

    def reload(self) -> None:
        if self.appointment_id is None:
            self._show_empty()
            return
        from mild_desk.services import panel_view

        try:
            read = panel_view.appointment_panel(
                self.ctx.db, self.ctx.actor, self.appointment_id, now=self.ctx.now()
            )
        except DomainError as exc:
            self.show_notice(error_text(exc), error=True)
            return
        self._fill(read)
        self.loaded.emit(read)

    def set_actions(self, actions: Sequence[QAction]) -> None:
        """Buttons for the window's appointment actions (only those the role may use)."""
        while self.action_row.count():
            item = self.action_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for act in actions:
            if not act.isVisible():
                continue
            button = QToolButton(self)
            button.setDefaultAction(act)
            button.setAccessibleName(act.text().replace("&", "").rstrip("…"))
            self.action_row.addWidget(button)

    def show_notice(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(NOTICE_ERROR if error else NOTICE_OK)
        self.notice.setAccessibleDescription(text)
        self.notice.show()

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setAccessibleName("Patient")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.when = QLabel(self)
        self.when.setAccessibleName("Appointment")
        self.when.setWordWrap(True)
        self.banner = QLabel(self)
        self.banner.setAccessibleName("Readiness")
        self.banner.setWordWrap(True)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Panel message")
        self.notice.hide()
        self.action_bar = flow_widget(self, [])
        self.action_row = cast(FlowLayout, self.action_bar.layout())
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Appointment details")
        self.tabs.addTab(self._prep_tab(), "&Prep")
        self.tabs.addTab(self._patient_tab(), "Pa&tient")
        self.checklist = ChecklistPanel(self.ctx, self)
        self.tabs.addTab(self.checklist, "Chec&klist")
        self.history_table = self._table(self.history, "Audit history")
        self.tabs.addTab(self.history_table, "&History")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.when)
        layout.addWidget(self.banner)
        layout.addWidget(self.action_bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)

    def _prep_tab(self) -> QWidget:
        page = QWidget(self)
        self.fasting = QLabel(page)
        self.fasting.setWordWrap(True)
        self.fasting.setAccessibleName("Fasting and arrival")
        self.requirement_table = self._table(self.requirements, "Readiness requirements")
        self.requirement_table.setWordWrap(True)
        header = self.requirement_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(page)
        layout.addWidget(self.requirement_table, 1)
        layout.addWidget(self.fasting)
        return page

    def _patient_tab(self) -> QWidget:
        page = QWidget(self)
        self.demographics = QLabel(page)
        self.demographics.setWordWrap(True)
        self.demographics.setAccessibleName("Demographics")
        self.driver_label = QLabel(page)
        self.driver_label.setAccessibleName("Driver")
        self.driver_label.setWordWrap(True)
        self.add_imaging = self._button("Add &imaging…", page)
        self.add_medication = self._button("Add &medication or last dose…", page)
        self.add_clearance = self._button("Add &clearance…", page)
        self.add_lab = self._button("Add &lab (INR/CrCl)…", page)
        self.imaging_table = self._table(self.imaging, "Imaging on file")
        self.medication_table = self._table(self.medications, "Medications")
        self.lab_table = self._table(self.labs, "Lab results")
        form = QFormLayout()
        form.addRow("Patient:", self.demographics)
        form.addRow("Driver:", self.driver_label)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self._group("Imaging (MRI or CT)", self.imaging_table, [self.add_imaging]))
        layout.addWidget(
            self._group(
                "Medications and holds",
                self.medication_table,
                [self.add_medication, self.add_clearance],
            )
        )
        layout.addWidget(self._group("Labs", self.lab_table, [self.add_lab]))
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        scroll.setAccessibleName("Patient facts")
        return scroll

    def _group(self, title: str, table: QTableView, buttons: list[QPushButton]) -> QGroupBox:
        box = QGroupBox(title, self)
        table.setMaximumHeight((self.fontMetrics().height() + 8) * 7)  # about six rows
        layout = QVBoxLayout(box)
        layout.addWidget(table)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        layout.addLayout(row)
        return box

    def _button(self, text: str, parent: QWidget) -> QPushButton:
        button = QPushButton(text, parent)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        return button

    def _table(self, model: QAbstractItemModel, name: str) -> QTableView:
        table = QTableView(self)
        table.setModel(model)
        table.setAccessibleName(name)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        table.setMinimumHeight((self.fontMetrics().height() + 8) * 3)
        return table

    def _connect_signals(self) -> None:
        self.add_imaging.clicked.connect(self._on_add_imaging_clicked)
        self.add_medication.clicked.connect(self._on_add_medication_clicked)
        self.add_clearance.clicked.connect(self._on_add_clearance_clicked)
        self.add_lab.clicked.connect(self._on_add_lab_clicked)
        self.medication_table.doubleClicked.connect(self._on_medication_table_double_clicked)
        self.ctx.changes.changed.connect(self._on_changes_changed)

    # --- helpers --------------------------------------------------------------------

    def _show_empty(self) -> None:
        self.read = None
        self.heading.setText("<b>No appointment open</b>")
        self.when.setText("Select an appointment on the board or in the worklist.")
        self.banner.clear()
        self.banner.setStyleSheet("")
        for model in (self.requirements, self.medications, self.imaging, self.labs, self.history):
            model.set_records([])
        self.fasting.clear()
        self.demographics.clear()
        self.driver_label.clear()
        self._apply_role()

    def _fill(self, read: "PanelRead") -> None:
        self.read = read
        tz, p, a = read.tz, read.patient, read.appointment
        self.heading.setText(
            f"<b style='font-size: large'>{p.display_name}</b> · MRN {p.mrn} · "
            f"born {p.dob.isoformat()} ({_age(p.dob, self.ctx.today())})"
        )
        side = f", {a.laterality.value}" if a.laterality else ""
        self.when.setText(
            f"{moment_text(a.start, tz, with_year=True)} to {a.end.astimezone(tz):%H:%M} · "
            f"{a.provider_name} · {a.room_name} · {a.status.value} · "
            f"levels {a.levels or 'not recorded'}{side}"
        )
        if read.prep.ready:
            self.banner.setText("✓  Ready for procedure")
            self.banner.setStyleSheet(READY_BANNER)
        else:
            self.banner.setText("Not ready: see the Prep and Checklist tabs for what is open.")
            self.banner.setStyleSheet(NOT_READY_BANNER)
        self.requirements.set_records(read.prep.requirements)
        self.requirement_table.resizeRowsToContents()
        f = read.prep.fasting
        earliest = read.prep.earliest_feasible_start
        self.fasting.setText(
            f"Arrive by {moment_text(read.prep.arrival, tz)}. No solid food after "
            f"{moment_text(f.no_solids_after, tz)}; clear liquids until "
            f"{moment_text(f.clear_liquids_until, tz)}."
            + (f" Earliest feasible start: {moment_text(earliest, tz)}." if earliest else "")
        )
        self.demographics.setText(
            f"{p.phone or 'no phone'} · language {p.preferred_language} · "
            f"allergies: {p.allergies or 'none recorded'} · "
            f"{'diabetic' if p.diabetic else 'not diabetic'}"
            + (f" · referred by {p.referring_physician}" if p.referring_physician else "")
        )
        d = read.driver
        self.driver_label.setText(
            f"{d.name}, {d.phone}" + (f" ({d.relationship})" if d.relationship else "")
            if d
            else "none recorded"
        )
        self.imaging.set_records(read.imaging)
        self.medications.set_records(read.medications)
        self.labs.set_records(read.labs)
        self.history.set_records(read.history)
        self.checklist.set_checklist(a.id, read.checklist, read.prep)
        if read.imaging:
            valid = read.imaging[0].valid_until
            self.imaging_table.setToolTip(f"Newest study valid through {day_text(valid)}")
        self._apply_role()

    def _apply_role(self) -> None:
        has = self.read is not None
        for button, action in (
            (self.add_imaging, "imaging.add"),
            (self.add_medication, "medication.edit"),
            (self.add_clearance, "clearance.add"),
            (self.add_lab, "lab.add"),
        ):
            button.setVisible(self.ctx.can(action))
            button.setEnabled(has)

    def _open(self, dialog: "FactDialog") -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._on_dialog_accepted)
        dialog.finished.connect(self._on_dialog_finished)
        dialog.stale.connect(self._on_dialog_stale)
        dialog.open()

    # --- slots ----------------------------------------------------------------------

    def _on_add_imaging_clicked(self) -> None:
        from mild_desk.ui.fact_dialogs import ImagingDialog

        if self.read is not None:
            self._open(ImagingDialog(self.ctx, self.read.patient.mrn, self))

    def _on_add_medication_clicked(self) -> None:
        from mild_desk.ui.fact_dialogs import MedicationDialog

        if self.read is None or not self.ctx.can("medication.edit"):
            return
        index = self.medication_table.currentIndex()
        row = self.medications.record(index.row()) if index.isValid() else None
        self._open(
            MedicationDialog(
                self.ctx,
                self.read.patient.mrn,
                self,
                drug=row.drug if row else "",
                last_dose=row.last_dose_at if row else None,
            )
        )

    def _on_medication_table_double_clicked(self, index: QModelIndex) -> None:
        self._on_add_medication_clicked()

    def _on_add_clearance_clicked(self) -> None:
        from mild_desk.ui.fact_dialogs import ClearanceDialog

        if self.read is None:
            return
        index = self.medication_table.currentIndex()
        drug = self.medications.record(index.row()).drug if index.isValid() else ""
        self._open(ClearanceDialog(self.ctx, self.read.patient.mrn, self, drug=drug))

    def _on_add_lab_clicked(self) -> None:
        from mild_desk.ui.fact_dialogs import LabDialog

        if self.read is not None:
            self._open(LabDialog(self.ctx, self.read.patient.mrn, self))

    def _on_dialog_accepted(self) -> None:
        from mild_desk.ui.fact_dialogs import FactDialog

        if isinstance(self.dialog, FactDialog):
            self.show_notice(f"{self.dialog.title}: {self.dialog.done_text}.")
        self.ctx.changes.notify()

    def _on_dialog_finished(self, result: int) -> None:
        self.dialog = None

    def _on_dialog_stale(self, exc: DomainError) -> None:
        from mild_desk.ui.fact_dialogs import FactDialog

        title = self.dialog.title if isinstance(self.dialog, FactDialog) else "Change"
        self.show_notice(f"{title}: refused. {error_text(exc)}", error=True)
        self.ctx.changes.notify()

    def _on_changes_changed(self) -> None:
        if self.appointment_id is not None:
            self.reload()
