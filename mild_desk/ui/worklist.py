"""The worklist: calls to make for upcoming appointments, soonest deadline first, with a
one-click "called — outcome" note."""

from typing import cast

from PySide6.QtCore import QItemSelection, QModelIndex, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from mild_desk.services import prep
from mild_desk.services.prep import WorkItem
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel, error_text
from mild_desk.ui.models import WorklistModel
from mild_desk.ui.widgets import flow_widget
from mild_desk.ui.workers import TaskRunner

OUTCOMES = (
    ("&Reached", "reached"),
    ("Left &message", "left message"),
    ("No &answer", "no answer"),
    ("&Wrong number", "wrong number"),
)


class WorklistPage(QWidget):
    """Loads `prep.worklist` in the background whenever something changed and it is shown."""

    loaded = Signal()
    appointment_opened = Signal(int)
    appointment_selected = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        self.runner = TaskRunner(self)
        self.model = WorklistModel(lambda: ctx.tz, self)
        self._build()
        self._connect_signals()

    # --- public -----------------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        db, actor, now = self.ctx.db, self.ctx.actor, self.ctx.now()
        self.runner.start(lambda: prep.worklist(db, actor, now=now))

    def selected_item(self) -> WorkItem | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()) if index.isValid() else None

    def record_call(self, outcome: str) -> bool:
        """One click: "called — <outcome>" (and the note, if any) on the selected item."""
        item = self.selected_item()
        if item is None:
            self.error.show_error("Select a line of the worklist first.")
            return False
        try:
            prep.record_call(
                self.ctx.db,
                self.ctx.actor,
                item.appointment_id,
                outcome=f"called — {outcome}",
                note=self.note.text() or None,
                now=self.ctx.now(),
            )
        except DomainError as exc:
            self.error.show_error(exc)
            return False
        self.error.clear_error()
        self.note.clear()
        self.status.setText(f"Call to {item.patient_name} recorded: {outcome}.")
        self.ctx.changes.notify()
        return True

    def apply_role(self) -> None:
        may = self.ctx.can("worklist.call")
        for widget in (self.called_label, *self.buttons, self.note):
            widget.setVisible(may)

    def shutdown(self) -> None:
        self.runner.wait()

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(
            "Calls to make for upcoming procedures: what cannot be met first, then the soonest "
            "deadline. Enter opens the appointment.",
            self,
        )
        intro.setWordWrap(True)
        self.count = QLabel(self)
        self.count.setAccessibleName("Worklist size")
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Worklist")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Call note")
        self.note.setPlaceholderText("Note about the call (optional)")
        self.buttons: list[QPushButton] = []
        self.called_label = QLabel("Called —", self)
        for text, outcome in OUTCOMES:
            button = QPushButton(text, self)
            button.setAccessibleName(f"Called, {outcome}")
            button.setProperty("outcome", outcome)
            self.buttons.append(button)
        self.note.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 30)
        self.open_button = QPushButton("&Open appointment", self)
        self.open_button.setAccessibleName("Open appointment")
        row = flow_widget(self, [self.open_button, self.called_label, *self.buttons, self.note])
        self.apply_role()
        self.status = QLabel(self)
        self.status.setAccessibleName("Worklist message")
        self.error = ErrorLabel(self)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(row)
        layout.addWidget(self.status)
        layout.addWidget(self.error)

    def _connect_signals(self) -> None:
        self.runner.finished.connect(self._on_runner_finished)
        self.runner.failed.connect(self._on_runner_failed)
        self.table.activated.connect(self._on_table_activated)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        for button in self.buttons:
            button.clicked.connect(self._on_outcome_button_clicked)
        self.ctx.changes.changed.connect(self._on_changes_changed)

    # --- slots ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_changes_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def _on_runner_finished(self, result: object) -> None:
        selected = self.selected_item()
        items = cast(list[WorkItem], result)
        self.model.set_records(items)
        self.table.resizeRowsToContents()
        if selected is not None:
            for row, item in enumerate(items):
                if (item.appointment_id, item.key, item.detail) == (
                    selected.appointment_id,
                    selected.key,
                    selected.detail,
                ):
                    self.table.selectRow(row)
                    break
        self.count.setText(f"{len(items)} thing(s) to chase.")
        self.loaded.emit()

    def _on_runner_failed(self, exc: object) -> None:
        if isinstance(exc, DomainError):
            self.error.show_error(f"Cannot load the worklist: {error_text(exc)}")
            return
        assert isinstance(exc, BaseException)
        raise exc

    def _on_table_activated(self, index: QModelIndex) -> None:
        self.appointment_opened.emit(int(self.model.record(index.row()).appointment_id))

    def _on_table_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        item = self.selected_item()
        if item is not None:
            self.appointment_selected.emit(int(item.appointment_id))

    def _on_open_button_clicked(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.appointment_opened.emit(int(item.appointment_id))

    def _on_outcome_button_clicked(self) -> None:
        button = self.sender()
        assert isinstance(button, QPushButton)
        self.record_call(str(button.property("outcome")))
