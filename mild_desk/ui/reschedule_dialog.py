"""Reschedule from the keyboard: the patient's feasible slots, pick one (the board's drag does
the same through the same service call)."""

from datetime import timedelta

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError, StaleEdit
from mild_desk.services import appointments, clinic, prep
from mild_desk.services.appointments import AppointmentRead
from mild_desk.ui.booking_dialog import SLOT_HORIZON_DAYS
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel
from mild_desk.ui.models import SlotModel
from mild_desk.ui.text import moment_text
from mild_desk.ui.widgets import fit_to_screen


class RescheduleDialog(QDialog):
    """Moves the appointment as it was when the dialog opened (its version): when it changed
    meanwhile the dialog emits `stale` with the refusal and closes (the opener reloads)."""

    stale = Signal(object)

    def __init__(
        self, ctx: AppContext, appointment: AppointmentRead, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.appointment = appointment
        self.moved: AppointmentRead | None = None
        self.setWindowTitle(f"Reschedule {appointment.patient_name}")
        names: dict[str, dict[int, str]] = {
            "provider": {p.id: p.name for p in clinic.providers(ctx.db)},
            "room": {r.id: r.name for r in clinic.rooms(ctx.db)},
        }
        self.model = SlotModel(lambda: ctx.tz, names, self)
        intro = QLabel(
            f"Now: {moment_text(appointment.start, ctx.tz, with_year=True)} with "
            f"{appointment.provider_name}. Feasible slots for this patient:",
            self,
        )
        intro.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Feasible slots")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list (arrows move in it)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.error = ErrorLabel(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        move = buttons.button(QDialogButtonBox.StandardButton.Ok)
        move.setText("&Move here")
        move.setAccessibleName("Move here")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.table.activated.connect(self._on_table_activated)
        fit_to_screen(
            self, self.fontMetrics().horizontalAdvance("x") * 80, self.fontMetrics().height() * 24
        )
        self._load()

    def _load(self) -> None:
        today = self.ctx.today()
        try:
            slots = prep.feasible_slots(
                self.ctx.db,
                self.ctx.actor,
                mrn=self.appointment.patient_mrn,
                date_from=today,
                date_to=today + timedelta(days=SLOT_HORIZON_DAYS),
                limit=20,
                now=self.ctx.now(),
            )
        except DomainError as exc:
            self.error.show_error(exc)
            slots = []
        self.model.set_records(slots)
        if slots:
            self.table.selectRow(0)
        self.table.setFocus()

    def _on_table_activated(self, index: QModelIndex) -> None:
        self._on_buttons_accepted()

    def _on_buttons_accepted(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.error.show_error("Choose a slot first.")
            return
        slot = self.model.record(index.row())
        try:
            self.moved = appointments.reschedule(
                self.ctx.db,
                self.ctx.actor,
                self.appointment.id,
                start=slot.start,
                provider_id=slot.provider_id,
                room_id=slot.room_id,
                expected_version=self.appointment.version,
                now=self.ctx.now(),
            )
        except StaleEdit as exc:
            self.stale.emit(exc)
            self.reject()
            return
        except DomainError as exc:
            self.error.show_error(exc)
            return
        self.accept()
