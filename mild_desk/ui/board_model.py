"""The schedule board as a table: rows are clinic-local times, columns are one per provider (or
room) per day; an appointment is the top cell of a run of cells the view spans."""

import json
import math
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from mild_desk.models.enums import AppointmentStatus
from mild_desk.services.views import BoardAppointment, BoardRead
from mild_desk.ui.board_types import (
    MIME_TYPE,
    Block,
    BoardColumn,
    Cell,
    Lanes,
    Run,
    short_lane,
)
from mild_desk.ui.text import short_day
from mild_desk.ui.theme import BLOCK_COLOURS, BLOCK_MARKS, CLOSED, OPEN, OUTSIDE

Index = QModelIndex | QPersistentModelIndex


APPOINTMENT_ROLE = Qt.ItemDataRole.UserRole + 1
CELL_ROLE = Qt.ItemDataRole.UserRole + 2
START_ROLE = Qt.ItemDataRole.UserRole + 3
LANE_ROLE = Qt.ItemDataRole.UserRole + 4
SPAN_ROLE = Qt.ItemDataRole.UserRole + 5
TIME_ROLE = Qt.ItemDataRole.UserRole + 6
MOVABLE = frozenset({AppointmentStatus.PENDING, AppointmentStatus.BOOKED})
DEFAULT_HOURS = (time(8), time(17))


class BoardModel(QAbstractTableModel):
    """Built once per load from a BoardRead; data() only looks things up in memory."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo("UTC")
        self._columns: tuple[BoardColumn, ...] = ()
        self._first_minute = 8 * 60
        self._step = 15
        self._rows = 0
        self._blocks: dict[tuple[int, int], Block] = {}
        self._covered: dict[tuple[int, int], Block] = {}
        self._open: set[tuple[int, int]] = set()
        self._closed: dict[tuple[int, int], str] = {}
        self._closed_label: set[tuple[int, int]] = set()
        self._runs: tuple[tuple[Run, ...], ...] = ()
        self._row_labels: tuple[str, ...] = ()
        self._headers: tuple[tuple[str, str], ...] = ()
        self._blocks_by_column: tuple[tuple[Block, ...], ...] = ()
        self._can_move = False
        self._lanes = Lanes.PROVIDERS
        self.week = False

    # --- helpers --------------------------------------------------------------------

    def set_board(
        self,
        read: BoardRead,
        days: list[date],
        *,
        lanes: Lanes = Lanes.PROVIDERS,
        can_move: bool = False,
    ) -> None:
        self.beginResetModel()
        self._tz = read.tz
        self._lanes = lanes
        self._can_move = can_move
        self.week = len(days) > 1
        lane_list = read.providers if lanes is Lanes.PROVIDERS else read.rooms
        self._columns = tuple(BoardColumn(d, lane) for d in days for lane in lane_list)
        shown = set(days)
        sessions = [s for s in read.sessions if s.day in shown]
        appts = [a for a in read.appointments if self._local(a.start).date() in shown]
        self._layout_rows(read, sessions, appts)
        self._mark_sessions(read, sessions)
        self._place_blocks(appts)
        self._move_closed_labels()
        self._index_for_painting()
        self._row_labels = tuple(self.row_label(r) for r in range(self._rows))
        self._headers = tuple(
            (
                f"{short_day(c.day)}\n{short_lane(c.lane.name)}" if self.week else c.lane.name,
                f"{c.lane.name}, {short_day(c.day)}",
            )
            for c in self._columns
        )
        self.endResetModel()

    def days(self) -> list[date]:
        return sorted({c.day for c in self._columns})

    def step_minutes(self) -> int:
        return self._step

    def board_column(self, column: int) -> BoardColumn:
        return self._columns[column]

    def runs(self, column: int) -> tuple[Run, ...]:
        """The column's background as runs of rows (the view paints a run in one go)."""
        return self._runs[column]

    def column_blocks(self, column: int) -> tuple[Block, ...]:
        return self._blocks_by_column[column]

    def closed_labels(self) -> list[tuple[int, int, str]]:
        """(row, column, "Closed: why") for the label of each closed stretch."""
        return [(r, c, f"Closed: {self._closed[(r, c)]}") for r, c in sorted(self._closed_label)]

    def blocks(self) -> list[Block]:
        return sorted(self._blocks.values(), key=lambda b: (b.column, b.row))

    def block_at(self, row: int, column: int) -> Block | None:
        return self._covered.get((row, column))

    def find(self, appointment_id: int) -> QModelIndex:
        for block in self._blocks.values():
            if block.appointment.id == appointment_id:
                return self.index(block.row, block.column)
        return QModelIndex()

    def cell_start(self, row: int, column: int) -> datetime:
        """The clinic-local (aware) time of a cell's top edge."""
        minutes = self._first_minute + row * self._step
        day = self._columns[column].day
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self._tz)

    def row_label(self, row: int) -> str:
        minutes = self._first_minute + row * self._step
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._tz)

    def _minute(self, moment: datetime) -> int:
        local = self._local(moment)
        return local.hour * 60 + local.minute

    def _layout_rows(self, read: BoardRead, sessions: list[Any], appts: list[Any]) -> None:
        starts = [self._minute(s.start) for s in sessions] + [self._minute(a.start) for a in appts]
        ends = [self._minute(s.end) or 24 * 60 for s in sessions] + [
            self._end_minute(a) for a in appts
        ]
        parts = [60, read.case_minutes, *starts, *ends]
        if read.turnover_minutes:
            parts.append(read.turnover_minutes)
        self._step = max(5, math.gcd(*parts))
        lo = min(starts, default=DEFAULT_HOURS[0].hour * 60)
        hi = max(ends, default=DEFAULT_HOURS[1].hour * 60)
        self._first_minute = (lo // 60) * 60
        last = min(24 * 60, -(-hi // 60) * 60)
        self._rows = max(1, (last - self._first_minute) // self._step)

    def _end_minute(self, appt: BoardAppointment) -> int:
        start = self._minute(appt.start)
        return start + max(1, int((appt.end - appt.start).total_seconds() // 60))

    def _column_of(self, day: date, lane_id: int) -> int | None:
        for i, col in enumerate(self._columns):
            if col.day == day and col.lane.id == lane_id:
                return i
        return None

    def _row_of(self, minute: int) -> int:
        return (minute - self._first_minute) // self._step

    def _mark_sessions(self, read: BoardRead, sessions: list[Any]) -> None:
        self._open, self._closed, self._closed_label = set(), {}, set()
        for s in sessions:
            lane = s.provider_id if self._lanes is Lanes.PROVIDERS else s.room_id
            column = self._column_of(s.day, lane)
            if column is None:
                continue
            reason = next(
                (
                    c.reason
                    for c in read.closures
                    if c.day == s.day and c.provider_id in (None, s.provider_id)
                ),
                None,
            )
            first = max(0, self._row_of(self._minute(s.start)))
            last = min(self._rows, self._row_of(self._minute(s.end) or 24 * 60))
            for row in range(first, last):
                if reason is None:
                    self._open.add((row, column))
                else:
                    self._closed[(row, column)] = reason
            if reason is not None:
                self._closed_label.add((first, column))
        # a closed day with no session in a lane still says why
        for c in read.closures:
            for column, col in enumerate(self._columns):
                if col.day != c.day or (c.provider_id not in (None, col.lane.id)):
                    continue
                if self._lanes is Lanes.ROOMS and c.provider_id is not None:
                    continue
                if not any((r, column) in self._closed for r in range(self._rows)):
                    for row in range(self._rows):
                        self._closed[(row, column)] = c.reason
                    self._closed_label.add((0, column))

    def _place_blocks(self, appts: list[BoardAppointment]) -> None:
        self._blocks, self._covered = {}, {}
        by_column: dict[int, list[tuple[int, int, BoardAppointment]]] = {}
        for a in appts:
            lane = a.provider_id if self._lanes is Lanes.PROVIDERS else a.room_id
            column = self._column_of(self._local(a.start).date(), lane)
            if column is None:
                continue
            row = self._row_of(self._minute(a.start))
            span = max(1, -(-(self._end_minute(a) - self._minute(a.start)) // self._step))
            by_column.setdefault(column, []).append((row, span, a))
        for column, items in by_column.items():
            items.sort(key=lambda item: (item[0], item[2].status is AppointmentStatus.FULFILLED))
            free_from = 0
            for row, span, a in items:
                if row < free_from or row >= self._rows:
                    continue  # an overlap the rules forbid; never draw one block over another
                rows = min(span, self._rows - row)
                nxt = [r for r, _, _ in items if r > row]
                if nxt:
                    rows = min(rows, min(nxt) - row)
                block = Block(a, row, column, rows)
                self._blocks[(row, column)] = block
                for r in range(row, row + rows):
                    self._covered[(r, column)] = block
                free_from = row + rows

    def _index_for_painting(self) -> None:
        runs: list[tuple[Run, ...]] = []
        for column in range(len(self._columns)):
            column_runs: list[Run] = []
            for row in range(self._rows):
                if (row, column) in self._closed:
                    cell = Cell.CLOSED
                elif (row, column) in self._open:
                    cell = Cell.OPEN
                else:
                    cell = Cell.OUTSIDE
                last = column_runs[-1] if column_runs else None
                if last is not None and last.cell is cell and last.last == row - 1:
                    column_runs[-1] = Run(last.first, row, cell)
                else:
                    column_runs.append(Run(row, row, cell))
            runs.append(tuple(column_runs))
        self._runs = tuple(runs)
        by_column: list[list[Block]] = [[] for _ in self._columns]
        for block in self._blocks.values():
            by_column[block.column].append(block)
        self._blocks_by_column = tuple(tuple(sorted(b, key=lambda x: x.row)) for b in by_column)

    def _move_closed_labels(self) -> None:
        """A "Closed: why" label sits on the first closed cell that no booking covers."""
        moved = set()
        for row, column in self._closed_label:
            while (row, column) in self._covered and (row + 1, column) in self._closed:
                row += 1
            moved.add((row, column))
        self._closed_label = moved

    def _cell(self, row: int, column: int) -> Cell:
        if (row, column) in self._covered:
            return Cell.APPOINTMENT
        if (row, column) in self._closed:
            return Cell.CLOSED
        if (row, column) in self._open:
            return Cell.OPEN
        return Cell.OUTSIDE

    def _describe(self, row: int, column: int) -> str:
        col = self._columns[column]
        where = f"{short_day(col.day)} {self.row_label(row)}, {col.lane.name}"
        block = self._covered.get((row, column))
        if block is not None:
            a = block.appointment
            end = self._local(a.end)
            return (
                f"{where}: {a.patient_name}, {self.row_label(block.row)} to {end:%H:%M}, "
                f"{BLOCK_MARKS[a.state]}" + (f", needs {a.hint}" if a.hint else "")
            )
        cell = self._cell(row, column)
        if cell is Cell.CLOSED:
            return f"{where}: closed, {self._closed[(row, column)]}"
        return f"{where}: {'free session time' if cell is Cell.OPEN else 'no session'}"

    def _tooltip(self, a: BoardAppointment) -> str:
        lines = [
            f"{a.patient_name} ({a.patient_mrn})",
            f"{self._local(a.start):%a %d %b %H:%M} to {self._local(a.end):%H:%M}, "
            f"{a.status.value}",
            f"Levels {a.levels or '—'} {a.laterality.value if a.laterality else ''}".rstrip(),
            BLOCK_MARKS[a.state],
        ]
        lines += [f"• {m}" for m in a.missing[:6]]
        if len(a.missing) > 6:
            lines.append(f"… and {len(a.missing) - 6} more")
        return "\n".join(lines)

    # --- Qt overrides ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else (self._rows if self._columns else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return None
        block = self._blocks.get((row, column))
        if role == Qt.ItemDataRole.DisplayRole:
            if block is not None:
                return f"{self.row_label(row)} {block.appointment.patient_name}"
            if (row, column) in self._closed_label:
                return f"Closed: {self._closed[(row, column)]}"
            return ""
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._describe(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            covering = self._covered.get((row, column))
            return self._tooltip(covering.appointment) if covering else self._describe(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(self._background(row, column)))
        if role == APPOINTMENT_ROLE:
            return block.appointment if block else None
        if role == CELL_ROLE:
            return self._cell(row, column).value
        if role == SPAN_ROLE:
            return block.rows if block else 1
        if role == TIME_ROLE:
            if block is None:
                return self.row_label(row)
            return f"{self.row_label(row)} to {self._local(block.appointment.end):%H:%M}"
        if role == START_ROLE:
            return self.cell_start(row, column)
        if role == LANE_ROLE:
            return self._columns[column].lane.id
        return None

    def _background(self, row: int, column: int) -> str:
        covering = self._covered.get((row, column))
        if covering is not None:
            return BLOCK_COLOURS[covering.appointment.state]
        return {Cell.CLOSED: CLOSED, Cell.OPEN: OPEN}.get(self._cell(row, column), OUTSIDE)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Vertical:
            return self._row_labels[section] if 0 <= section < self._rows else None
        if not 0 <= section < len(self._columns):
            return None
        texts = self._headers[section]
        return texts[1] if role == Qt.ItemDataRole.ToolTipRole else texts[0]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled if self._can_move else Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._can_move:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
            block = self._blocks.get((index.row(), index.column()))
            if block is not None and block.appointment.status in MOVABLE:
                flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Any) -> QMimeData:
        moving = []
        for index in indexes:
            block = self._blocks.get((index.row(), index.column()))
            if block is not None and block.appointment.status in MOVABLE:
                a = block.appointment
                moving.append({"id": int(a.id), "version": a.version})
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray(json.dumps(moving).encode()))
        return data

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return self._can_move and data.hasFormat(MIME_TYPE)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Never changes the model: the view turns a drop into one reschedule call, and the
        board reloads (or, when refused, stays as it was: the block snaps back)."""
        return False
