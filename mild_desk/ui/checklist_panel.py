"""The nurse's day-of checklist: items by phase, tri-state with who and when, a note, and a
"Ready for procedure" banner only when the appointment is ready."""

from datetime import datetime
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError
from mild_desk.models.enums import ChecklistState
from mild_desk.rules.checklist import KEY_NPO
from mild_desk.ui.checklist_model import ITEM, NOTE, STATE, WHO, ChecklistModel
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel
from mild_desk.ui.theme import NOT_READY_BANNER, READY_BANNER
from mild_desk.ui.widgets import calendar_edit, flow_widget

if TYPE_CHECKING:  # the prep service loads with the first appointment shown, not at start
    from mild_desk.services.prep import ChecklistLine, Fasting, PrepReport


class _WrappingDelegate(QStyledItemDelegate):
    """Sizes a cell for its text wrapped at the width the tree gives that cell (a tree view asks
    its delegate for one line whatever the column's width)."""

    def __init__(self, tree: "ChecklistTree") -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        cell = QStyleOptionViewItem(option)
        width = self._tree.cell_width(index)
        cell.rect = QRect(0, 0, width, 1) if width > 0 else QRect()
        return super().sizeHint(cell, index)

    def one_line_width(self, index: QModelIndex) -> int:
        cell = QStyleOptionViewItem()
        self._tree.initViewItemOption(cell)
        cell.rect = QRect()  # no width to wrap at
        return super().sizeHint(cell, index).width()


class ChecklistTree(QTreeView):
    """The checklist, with long items and notes wrapped onto more lines instead of cut off.

    Each row is as tall as its tallest cell at the columns' widths, and the widths follow the
    tree's (`fit_columns`): state and "who, when" as wide as their text ("who, when" on two
    lines when the tree is narrow), the note as wide as its longest text up to a third of what
    is left, and the item the rest. Phase rows span the whole width. A cell still too small
    ends in "…": the model's tooltip holds the whole text of every cell of the row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)  # tall rows
        self._delegate = _WrappingDelegate(self)
        self.setItemDelegate(self._delegate)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._on_header_section_resized)

    def cell_width(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The width the tree paints `index`'s text in (the first column is indented)."""
        if not index.isValid():
            return 0
        depth = 0
        parent = index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        spanned = self.isFirstColumnSpanned(index.row(), index.parent())
        width = self.viewport().width() if spanned else self.header().sectionSize(index.column())
        if index.column() == ITEM:
            width -= self.indentation() * (depth + int(self.rootIsDecorated()))
        return width

    def fit_columns(self) -> None:
        """Share the width out (see the class), then size the rows for it; after each load."""
        model = self.model()
        if model is None:
            return
        for row in range(model.rowCount()):
            self.setFirstColumnSpanned(row, QModelIndex(), True)
        x = self.fontMetrics().horizontalAdvance("x")
        width = self.viewport().width()
        state, who, note = (self._one_line_width(column) for column in (STATE, WHO, NOTE))
        if width - state - who < x * 50:
            who = min(who, x * 18)  # narrow: the name on one line, the time on the next
        rest = max(width - state - who, x * 20)
        note = min(note, rest // 3)
        header = self.header()
        header.resizeSection(STATE, state)
        header.resizeSection(WHO, who)
        header.resizeSection(NOTE, note)
        header.resizeSection(ITEM, rest - note)
        self.doItemsLayout()  # the rows' heights now, so scrolling to a row sees all of it

    def _one_line_width(self, column: int) -> int:
        model = self.model()
        header = self.header()
        widest = header.sectionSizeHint(column)
        for row in range(model.rowCount()):
            phase = model.index(row, 0)
            for item in range(model.rowCount(phase)):
                index = model.index(item, column, phase)
                widest = max(widest, self._delegate.one_line_width(index))
        return widest

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_columns()
            if self.currentIndex().isValid():
                self.scrollTo(self.currentIndex())

    def _on_header_section_resized(self, section: int, old: int, new: int) -> None:
        self.scheduleDelayedItemsLayout()  # the rows' heights follow the columns' widths


class ChecklistPanel(QWidget):
    """Pick an item, choose its state (Alt+C / Alt+A / Alt+N), add a note, press Record.
    Double-click (or Space) confirms an item in one step. Each record is one `prep.tick`."""

    ticked = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.appointment_id: int | None = None
        self._fasting: Fasting | None = None
        self.model = ChecklistModel(lambda: ctx.tz, self)
        self._build()
        self._connect_signals()
        self._on_tree_selection_changed(QItemSelection(), QItemSelection())

    # --- public -----------------------------------------------------------------------

    def set_checklist(
        self, appointment_id: int, lines: "tuple[ChecklistLine, ...]", report: "PrepReport"
    ) -> None:
        selected = self.selected_line()
        self.appointment_id = appointment_id
        self.model.set_lines(lines)
        self.tree.expandAll()
        self.tree.fit_columns()
        self._show_banner(report)
        self._fasting = report.fasting
        if selected is not None:
            self.select_item(selected.key)

    def select_item(self, key: str) -> bool:
        index = self.model.find(key)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        return True

    def selected_line(self) -> "ChecklistLine | None":
        return self.model.line(self.tree.currentIndex())

    def record(self, state: ChecklistState | None = None) -> bool:
        """Record the chosen state for the selected item; False (with the reason) if refused."""
        from mild_desk.services import prep

        line = self.selected_line()
        if line is None or self.appointment_id is None:
            return False
        chosen = state or self._chosen_state()
        if chosen is None:
            self.error.show_error("Choose confirmed, not applicable or not done.")
            return False
        npo = line.key == KEY_NPO and chosen is ChecklistState.CONFIRMED
        try:
            prep.tick(
                self.ctx.db,
                self.ctx.actor,
                self.appointment_id,
                item=line.key,
                state=chosen.value,
                note=self.note.text() or None,
                last_solids=self._local(self.last_solids) if npo else None,
                last_clear_liquids=self._local(self.last_liquids) if npo else None,
                now=self.ctx.now(),
            )
        except DomainError as exc:
            self.error.show_error(exc)
            return False
        self.error.clear_error()
        self.note.clear()
        self.ticked.emit(line.key)
        self.ctx.changes.notify()
        return True

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QLabel(self)
        self.banner.setAccessibleName("Readiness")
        self.banner.setWordWrap(True)
        self.tree = ChecklistTree(self)
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Day-of checklist")
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.item_label = QLabel(self)
        self.item_label.setWordWrap(True)
        self.item_label.setAccessibleName("Selected item")
        self.states = QButtonGroup(self)
        self.confirmed = QRadioButton("&Confirmed", self)
        self.not_applicable = QRadioButton("Not &applicable", self)
        self.not_done = QRadioButton("&Not done", self)
        for button, state in (
            (self.confirmed, ChecklistState.CONFIRMED),
            (self.not_applicable, ChecklistState.NOT_APPLICABLE),
            (self.not_done, ChecklistState.NOT_DONE),
        ):
            button.setAccessibleName(button.text().replace("&", ""))
            button.setProperty("state", state.value)
            self.states.addButton(button)
        # the three states wrap onto two lines in a narrow panel (200 % scaling)
        state_row = flow_widget(self, [self.confirmed, self.not_applicable, self.not_done])
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("optional note")
        self.last_solids = self._time_edit("Last solid food")
        self.last_liquids = self._time_edit("Last clear liquids")
        self.record_button = QPushButton("&Record", self)
        self.record_button.setAccessibleName("Record")
        self.record_button.setDefault(True)
        self.who_may = QLabel(self)
        self.who_may.setStyleSheet("color: #555")
        self.error = ErrorLabel(self)
        editor = QGroupBox("Tick the selected item", self)
        self.editor = editor
        form = QFormLayout(editor)
        form.addRow(self.item_label)
        form.addRow("State:", state_row)
        form.addRow("N&ote:", self.note)
        self.npo_label_solids = QLabel("Last &solids:", self)
        self.npo_label_solids.setBuddy(self.last_solids)
        self.npo_label_liquids = QLabel("Last clear &liquids:", self)
        self.npo_label_liquids.setBuddy(self.last_liquids)
        form.addRow(self.npo_label_solids, self.last_solids)
        form.addRow(self.npo_label_liquids, self.last_liquids)
        buttons = QHBoxLayout()
        buttons.addWidget(self.who_may, 1)
        buttons.addWidget(self.record_button)
        form.addRow(buttons)
        form.addRow(self.error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tree, 1)
        layout.addWidget(editor)

    def _time_edit(self, name: str) -> QDateTimeEdit:
        edit = calendar_edit(QDateTimeEdit(self), "ddd d MMM HH:mm")
        edit.setAccessibleName(name)
        return edit

    def _connect_signals(self) -> None:
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.tree.doubleClicked.connect(self._on_tree_double_clicked)
        self.tree.installEventFilter(self)
        self.record_button.clicked.connect(self._on_record_button_clicked)
        self.note.returnPressed.connect(self._on_record_button_clicked)

    # --- helpers --------------------------------------------------------------------

    def _chosen_state(self) -> ChecklistState | None:
        button = self.states.checkedButton()
        return ChecklistState(str(button.property("state"))) if button else None

    def _local(self, edit: QDateTimeEdit) -> str:
        return edit.dateTime().toString("yyyy-MM-ddTHH:mm")

    def _set_time(self, edit: QDateTimeEdit, moment: datetime) -> None:
        local = moment.astimezone(self.ctx.tz)
        edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )

    def _show_banner(self, report: "PrepReport") -> None:
        if report.ready:
            self.banner.setText("✓  Ready for procedure")
            self.banner.setStyleSheet(READY_BANNER)
        else:
            open_reqs = sum(
                1 for r in report.requirements if r.status.value in ("pending", "unmet")
            )
            items = len(report.checklist_missing)
            parts = [f"{open_reqs} requirement(s)"] if open_reqs else []
            parts += [f"{items} required checklist item(s)"] if items else []
            self.banner.setText(
                f"Not ready yet: {' and '.join(parts) or 'see the Prep tab'} open "
                "(required items are marked *)."
            )
            self.banner.setStyleSheet(NOT_READY_BANNER)
        self.banner.setAccessibleDescription(self.banner.text())

    # --- slots ----------------------------------------------------------------------

    def _on_tree_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        line = self.selected_line()
        may = line is not None and self.ctx.actor.role.value in line.roles
        self.editor.setEnabled(may)
        npo = line is not None and line.key == KEY_NPO
        for widget in (
            self.last_solids,
            self.last_liquids,
            self.npo_label_solids,
            self.npo_label_liquids,
        ):
            widget.setVisible(npo)
        if line is None:
            self.item_label.setText("Select an item in the list above.")
            self.who_may.clear()
            return
        self.item_label.setText(f"<b>{line.label}</b>{' (required)' if line.required else ''}")
        self.who_may.setText("" if may else f"Only a {' or '.join(line.roles)} may tick this item.")
        if npo and self._fasting is not None:
            self._set_time(self.last_solids, self._fasting.no_solids_after)
            self._set_time(self.last_liquids, self._fasting.clear_liquids_until)
        self.states.setExclusive(False)
        for button in self.states.buttons():
            button.setChecked(bool(line.state) and button.property("state") == line.state)
        self.states.setExclusive(True)
        self.error.clear_error()

    def _on_tree_double_clicked(self, index: QModelIndex) -> None:
        line = self.model.line(index)
        if line is None or self.ctx.actor.role.value not in line.roles:
            return
        if line.key == KEY_NPO:
            self.confirmed.setChecked(True)
            self.last_solids.setFocus()
            return
        self.record(ChecklistState.CONFIRMED)

    def _on_record_button_clicked(self) -> None:
        self.record()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space on the list confirms the current item (Enter stays with the dialog)."""
        if (
            watched is self.tree
            and event.type() == QEvent.Type.KeyPress
            and cast(QKeyEvent, event).key() == Qt.Key.Key_Space
        ):
            self._on_tree_double_clicked(self.tree.currentIndex())
            return True
        return super().eventFilter(watched, event)
