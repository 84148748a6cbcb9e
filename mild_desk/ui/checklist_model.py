"""The day-of checklist as a two-level tree: phases, then their items with state, who and when."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from mild_desk.models.enums import ChecklistState
from mild_desk.rules.checklist import DONE_STATES, PHASES
from mild_desk.ui.table_model import RECORD_ROLE
from mild_desk.ui.text import moment_text

if TYPE_CHECKING:  # the prep service loads with the first appointment shown, not at start
    from mild_desk.services.prep import ChecklistLine

Index = QModelIndex | QPersistentModelIndex

HEADERS = ("Item", "State", "Who, when", "Note")
ITEM, STATE, WHO, NOTE = range(len(HEADERS))
NO_BREAK = "\u00a0"
STATE_TEXT = {
    ChecklistState.CONFIRMED: "✓ confirmed",
    ChecklistState.NOT_APPLICABLE: "○ not applicable",
    ChecklistState.NOT_DONE: "✗ not done",
}
STATE_COLOURS = {
    ChecklistState.CONFIRMED: "#d7eed8",
    ChecklistState.NOT_APPLICABLE: "#e6e6e6",
    ChecklistState.NOT_DONE: "#f9d0d0",
}
PHASE_NAMES = {
    "pre-op": "Pre-op",
    "sign-in": "Sign-in (before sedation)",
    "time-out": "Time-out (before the incision)",
    "sign-out": "Sign-out",
}
_TOP = 0  # internal id of a phase row; an item row stores its phase index + 1


class ChecklistModel(QAbstractItemModel):
    def __init__(self, tz: Callable[[], ZoneInfo], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._phases: tuple[str, ...] = ()
        self._items: tuple[tuple[ChecklistLine, ...], ...] = ()

    # --- helpers --------------------------------------------------------------------

    def set_lines(self, lines: "Sequence[ChecklistLine]") -> None:
        self.beginResetModel()
        phases = [p for p in PHASES if any(line.phase == p for line in lines)]
        self._phases = tuple(phases)
        self._items = tuple(tuple(line for line in lines if line.phase == p) for p in phases)
        self.endResetModel()

    def line(self, index: Index) -> "ChecklistLine | None":
        if not index.isValid() or index.internalId() == _TOP:
            return None
        return self._items[index.internalId() - 1][index.row()]

    def find(self, key: str) -> QModelIndex:
        for p, items in enumerate(self._items):
            for row, line in enumerate(items):
                if line.key == key:
                    return self.index(row, 0, self.index(p, 0))
        return QModelIndex()

    def lines(self) -> "list[ChecklistLine]":
        return [line for items in self._items for line in items]

    def _phase_text(self, p: int) -> str:
        items = self._items[p]
        done = sum(1 for line in items if line.state in DONE_STATES)
        return f"{PHASE_NAMES.get(self._phases[p], self._phases[p])} ({done} of {len(items)} done)"

    def _cell(self, line: "ChecklistLine", column: int, *, keep_time: bool = False) -> str:
        """A cell's text; with `keep_time` the time never wraps across two lines (no-break
        spaces), so a narrow "who, when" column reads "name," then "Tue 3 Nov 07:20"."""
        if column == ITEM:
            return f"{line.label}{' *' if line.required else ''}"
        if column == STATE:
            return STATE_TEXT.get(line.state, "open") if line.state else "open"
        if column == WHO:
            when = moment_text(line.at, self._tz())
            if keep_time:
                when = when.replace(" ", NO_BREAK)
            return f"{line.by}, {when}" if line.by else ""
        return line.note

    def _tooltip(self, line: "ChecklistLine") -> str:
        """The whole text of every cell of the row (a narrow cell ends in "…")."""
        who = ", ".join(line.roles)
        required = "yes" if line.required else "no"
        done = self._cell(line, WHO)
        note = f"\nNote: {line.note}" if line.note else ""
        return (
            f"{line.label}\nRequired: {required} · ticked by: {who}\n"
            f"State: {self._cell(line, STATE)}{f' · {done}' if done else ''}{note}"
        )

    # --- Qt overrides ---------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._phases)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self._items[parent.row()])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.line(index)
        if line is None:
            if role in (
                Qt.ItemDataRole.DisplayRole,
                Qt.ItemDataRole.AccessibleTextRole,
                Qt.ItemDataRole.ToolTipRole,
            ):
                return self._phase_text(index.row()) if index.column() == ITEM else ""
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(line, index.column(), keep_time=True)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self._cell(line, index.column())
            return text.replace(" *", ", required") if index.column() == ITEM else text
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(line)
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == STATE and line.state:
            return QBrush(QColor(STATE_COLOURS[line.state]))
        if role == RECORD_ROLE:
            return line
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
