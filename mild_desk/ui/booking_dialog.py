"""Booking: find the patient as you type, see the first feasible slots, pick one, confirm."""

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QItemSelection, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.models.enums import Laterality
from mild_desk.services import appointments, clinic, patients, prep
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.availability import SlotRead
from mild_desk.services.base import LAST_YEAR
from mild_desk.services.patients import PatientRead
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel, error_text
from mild_desk.ui.models import PatientSearchModel, SlotModel
from mild_desk.ui.text import moment_text
from mild_desk.ui.widgets import calendar_edit, fit_to_screen

LEVELS = ("L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1")
SEARCH_DELAY_MS = 150
SLOT_HORIZON_DAYS = 180
SLOTS_SHOWN = 12


class BookingDialog(QDialog):
    """One call books: `appointments.book`. The slot list is `prep.feasible_slots`, so it only
    offers slots where every hold can be complete and the imaging is still valid."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        preferred: tuple[datetime, int | None, int | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.booked: AppointmentRead | None = None
        self._patient: PatientRead | None = None
        self._preferred = preferred
        self._names: dict[str, dict[int, str]] = {
            "provider": {p.id: p.name for p in clinic.providers(ctx.db)},
            "room": {r.id: r.name for r in clinic.rooms(ctx.db)},
        }
        self.setWindowTitle("Book a MILD procedure")
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.patient_model = PatientSearchModel(ctx.today, self)
        self.slot_model = SlotModel(lambda: ctx.tz, self._names, self)
        self._build()
        self._connect_signals()
        self.search.setFocus()

    # --- public -----------------------------------------------------------------------

    def choose_patient(self, patient: PatientRead) -> None:
        self._patient = patient
        self.patient_label.setText(
            f"<b>{patient.display_name}</b> · MRN {patient.mrn} · born {patient.dob.isoformat()}"
        )
        self.load_slots()

    def load_slots(self) -> None:
        """The first feasible slots for the chosen patient from the 'From' date."""
        self.error.clear_error()
        self.suggestion.hide()
        if self._patient is None:
            self.slot_model.set_records([])
            return
        first = self._from_date()
        try:
            slots = prep.feasible_slots(
                self.ctx.db,
                self.ctx.actor,
                mrn=self._patient.mrn,
                date_from=first,
                date_to=first + timedelta(days=SLOT_HORIZON_DAYS),
                limit=SLOTS_SHOWN,
                now=self.ctx.now(),
            )
        except DomainError as exc:
            self.error.show_error(exc)
            slots = []
        self.slot_model.set_records(slots)
        if not slots:
            self.slot_note.setText(
                f"No feasible slot within {SLOT_HORIZON_DAYS} days of {first:%d %b %Y}: check "
                "the patient's medications and imaging, or hold a slot as pending."
            )
        else:
            self.slot_note.setText(
                f"Earliest feasible: {moment_text(slots[0].start, self.ctx.tz, with_year=True)}"
            )
        self._select_slot(self._preferred_row(slots))

    def selected_slot(self) -> SlotRead | None:
        index = self.slots.currentIndex()
        return self.slot_model.record(index.row()) if index.isValid() else None

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Name, MRN or date of birth (YYYY-MM-DD)")
        self.search.setAccessibleName("Find patient")
        self.search.setClearButtonEnabled(True)
        self.results = self._table(self.patient_model, "Matching patients")
        self.patient_label = QLabel("No patient chosen yet.", self)
        self.patient_label.setAccessibleName("Chosen patient")
        last = date(LAST_YEAR, 12, 31) - timedelta(days=SLOT_HORIZON_DAYS)  # + the horizon
        self.from_date = calendar_edit(QDateEdit(self), last=last)
        self.from_date.setAccessibleName("Slots from")
        first = self._preferred[0].date() if self._preferred else self.ctx.today()
        self.from_date.setDate(QDate(first.year, first.month, first.day))
        self.slots = self._table(self.slot_model, "Feasible slots")
        self.slot_note = QLabel(self)
        self.slot_note.setWordWrap(True)
        self.slot_note.setAccessibleName("Slot finder note")
        self.levels = []
        level_row = QHBoxLayout()
        for level in LEVELS:
            box = QCheckBox(level, self)
            box.setAccessibleName(f"Level {level}")
            self.levels.append(box)
            level_row.addWidget(box)
        level_row.addStretch(1)
        self.laterality = QComboBox(self)
        self.laterality.setAccessibleName("Laterality")
        self.laterality.addItem("not recorded", "")
        for side in Laterality:
            self.laterality.addItem(side.value, side.value)
        self.pending = QCheckBox("Hold as &pending (imaging not on file yet)", self)
        self.pending.setAccessibleName("Hold as pending")
        self.error = ErrorLabel(self)
        self.suggestion = QWidget(self)
        suggestion_row = QHBoxLayout(self.suggestion)
        suggestion_row.setContentsMargins(0, 0, 0, 0)
        self.suggestion_label = QLabel(self.suggestion)
        self.use_earliest = QPushButton("Use &earliest feasible slot", self.suggestion)
        self.use_earliest.setAccessibleName("Use earliest feasible slot")
        suggestion_row.addWidget(self.suggestion_label, 1)
        suggestion_row.addWidget(self.use_earliest)
        self.suggestion.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.book_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.book_button.setText("&Book")
        self.book_button.setAccessibleName("Book")

        find = QGroupBox("1. Patient", self)
        find_layout = QVBoxLayout(find)
        find_form = QFormLayout()
        find_form.addRow("&Find:", self.search)
        find_layout.addLayout(find_form)
        find_layout.addWidget(self.results)
        find_layout.addWidget(self.patient_label)
        pick = QGroupBox("2. Slot", self)
        pick_layout = QVBoxLayout(pick)
        pick_form = QFormLayout()
        pick_form.addRow("Slots &from:", self.from_date)
        pick_layout.addLayout(pick_form)
        pick_layout.addWidget(self.slots)
        pick_layout.addWidget(self.slot_note)
        details = QGroupBox("3. Procedure", self)
        form = QFormLayout(details)
        form.addRow("Levels:", level_row)
        form.addRow("&Laterality:", self.laterality)
        form.addRow("", self.pending)
        columns = QHBoxLayout()
        columns.addWidget(find, 1)
        columns.addWidget(pick, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(details)
        layout.addWidget(self.error)
        layout.addWidget(self.suggestion)
        layout.addWidget(self.buttons)
        metrics = self.fontMetrics()
        fit_to_screen(self, metrics.horizontalAdvance("x") * 150, metrics.height() * 34)

    def _table(self, model: PatientSearchModel | SlotModel, name: str) -> QTableView:
        table = QTableView(self)
        table.setModel(model)
        table.setAccessibleName(name)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setTabKeyNavigation(False)
        return table

    def _connect_signals(self) -> None:
        self.search.textEdited.connect(self._on_search_text_edited)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search_timer.timeout.connect(self._on_search_timer_timeout)
        self.results.selectionModel().selectionChanged.connect(self._on_results_selection_changed)
        self.results.activated.connect(self._on_results_activated)
        self.from_date.dateChanged.connect(self._on_from_date_date_changed)
        self.use_earliest.clicked.connect(self._on_use_earliest_clicked)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    # --- helpers --------------------------------------------------------------------

    def _from_date(self) -> date:
        value = self.from_date.date()
        return date(value.year(), value.month(), value.day())

    def _preferred_row(self, slots: list[SlotRead]) -> int:
        if self._preferred is None:
            return 0
        start, provider, room = self._preferred
        for row, slot in enumerate(slots):
            if (
                slot.start == start
                and provider in (None, slot.provider_id)
                and room
                in (
                    None,
                    slot.room_id,
                )
            ):
                return row
        if slots:
            self.slot_note.setText(
                f"The slot you picked ({moment_text(start, self.ctx.tz)}) is not feasible for "
                f"this patient. Earliest feasible: "
                f"{moment_text(slots[0].start, self.ctx.tz, with_year=True)}"
            )
        return 0

    def _select_slot(self, row: int) -> None:
        if 0 <= row < self.slot_model.rowCount():
            self.slots.setCurrentIndex(self.slot_model.index(row, 0))
            self.slots.selectRow(row)

    def _run_search(self) -> None:
        self.search_timer.stop()
        text = self.search.text()
        try:
            found = patients.search(self.ctx.db, self.ctx.actor, text, limit=50)
        except DomainError as exc:
            self.error.show_error(exc)
            return
        self.patient_model.set_records(found)
        if len(found) == 1:
            self.results.selectRow(0)

    # --- slots ----------------------------------------------------------------------

    def _on_search_text_edited(self, text: str) -> None:
        self.search_timer.start()

    def _on_search_timer_timeout(self) -> None:
        self._run_search()

    def _on_search_return_pressed(self) -> None:
        self._run_search()
        if self.patient_model.rowCount():
            self.results.setFocus()
            if not self.results.currentIndex().isValid():
                self.results.selectRow(0)

    def _on_results_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        rows = self.results.selectionModel().selectedRows()
        if rows:
            self.choose_patient(self.patient_model.record(rows[0].row()))

    def _on_results_activated(self, index: QModelIndex) -> None:
        self.slots.setFocus()

    def _on_from_date_date_changed(self, value: QDate) -> None:
        self.load_slots()

    def _on_use_earliest_clicked(self) -> None:
        self.load_slots()
        self.slots.setFocus()

    def _on_buttons_accepted(self) -> None:
        slot = self.selected_slot()
        if self._patient is None:
            self.error.show_error("Choose a patient first.")
            self.search.setFocus()
            return
        if slot is None:
            self.error.show_error("Choose a slot first.")
            self.slots.setFocus()
            return
        levels = ",".join(box.text() for box in self.levels if box.isChecked())
        try:
            self.booked = appointments.book(
                self.ctx.db,
                self.ctx.actor,
                mrn=self._patient.mrn,
                start=slot.start,
                provider_id=slot.provider_id,
                room_id=slot.room_id,
                levels=levels or None,
                laterality=self.laterality.currentData() or None,
                pending=self.pending.isChecked(),
                now=self.ctx.now(),
            )
        except DomainError as exc:
            self._refused(exc)
            return
        self.accept()

    def _refused(self, exc: DomainError) -> None:
        """Say which rule refused, and offer the earliest feasible slot."""
        text = f"Not booked. {error_text(exc)}"
        if exc.field == "imaging" and not self.pending.isChecked():
            text = text if text.endswith((".", "?", "!")) else f"{text}."  # a second sentence
            text += " You can tick 'Hold as pending' to keep the slot until the imaging arrives."
        self.error.show_error(text)
        assert self._patient is not None
        try:
            earliest = prep.feasible_slots(
                self.ctx.db,
                self.ctx.actor,
                mrn=self._patient.mrn,
                date_from=self.ctx.today(),
                date_to=self.ctx.today() + timedelta(days=SLOT_HORIZON_DAYS),
                limit=1,
                now=self.ctx.now(),
            )
        except DomainError:
            earliest = []
        if earliest:
            first = earliest[0]
            when = moment_text(first.start, self.ctx.tz, with_year=True)
            name = self._names["provider"].get(first.provider_id, "")
            # The finder leaves imaging not yet on file to a pending hold: when it offers the
            # very slot just refused for imaging, say that it takes the hold.
            tried = self.selected_slot()
            same = tried is not None and (tried.start, tried.provider_id) == (
                first.start,
                first.provider_id,
            )
            pending = same and exc.field == "imaging"
            what = "Earliest slot, held as pending" if pending else "Earliest feasible slot"
            self.suggestion_label.setText(f"{what}: {when} with {name}.")
            self.suggestion.show()
            today = self.ctx.today()
            self.from_date.blockSignals(True)
            self.from_date.setDate(QDate(today.year, today.month, today.day))
            self.from_date.blockSignals(False)
        else:
            self.suggestion.hide()
        self.use_earliest.setFocus(Qt.FocusReason.OtherFocusReason)
