"""Shared pieces of the admin screens: a section with a table, a form and one action button."""

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel


def table(model: QAbstractItemModel, name: str, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return view


class FormSection(QGroupBox):
    """A titled form whose button makes one service call; refusals show under the form."""

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        button_text: str,
        submit: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.ctx = ctx
        self._submit = submit
        self.form = QFormLayout()
        self.button = QPushButton(button_text, self)
        self.button.setAccessibleName(button_text.replace("&", ""))
        self.error = ErrorLabel(self)
        self.done = QLabel(self)
        self.done.setAccessibleName(f"{title} message")
        self.done.setStyleSheet("color: #1b5e20")
        row = QHBoxLayout()
        row.addWidget(self.done, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.button.clicked.connect(self._on_button_clicked)

    def add_row(self, label: str, widget: QWidget) -> None:
        widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.form.addRow(label, widget)

    def run(self) -> bool:
        try:
            message = self._submit()
        except DomainError as exc:
            self.done.clear()
            self.error.show_error(exc)
            return False
        self.error.clear_error()
        self.done.setText(message)
        self.ctx.changes.notify()
        return True

    def _on_button_clicked(self) -> None:
        self.run()
