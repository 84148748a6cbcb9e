"""The board's table view and its painter: blocks coloured by readiness, greyed closed time,
drag an appointment to another cell to ask for a reschedule."""

from typing import Any, cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QStaticText,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from mild_desk.services.views import BoardAppointment
from mild_desk.ui.board_model import APPOINTMENT_ROLE, CELL_ROLE, TIME_ROLE, BoardModel
from mild_desk.ui.board_types import MIME_TYPE, Block, Cell, decode_moving
from mild_desk.ui.theme import BLOCK_COLOURS, BLOCK_EDGES, BLOCK_MARKS, CLOSED, OPEN, OUTSIDE

Index = QModelIndex | QPersistentModelIndex


CELL_COLOURS = {Cell.CLOSED: QColor(CLOSED), Cell.OPEN: QColor(OPEN), Cell.OUTSIDE: QColor(OUTSIDE)}
HATCH = QBrush(QColor("#a8a8a8"), Qt.BrushStyle.BDiagPattern)
GRID = QColor("#c4c4c4")
FOCUS = QColor("#1565c0")
TEXT = QColor("#111111")
_FILLS = {state: QColor(colour) for state, colour in BLOCK_COLOURS.items()}
_EDGES = {state: QColor(colour) for state, colour in BLOCK_EDGES.items()}


LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ELIDE = Qt.TextElideMode.ElideRight
Lines = tuple[tuple[QStaticText, bool], ...]


def block_lines(appt: BoardAppointment, time_text: str) -> tuple[tuple[str, bool], ...]:
    """What a block says: the patient (bold); time and readiness; what is missing or levels."""
    side = f" {appt.laterality.value}" if appt.laterality else ""
    return (
        (appt.patient_name, True),
        (f"{time_text} · {BLOCK_MARKS[appt.state]}", False),
        (appt.hint or f"{appt.levels}{side}", False),
    )


def static_lines(
    lines: tuple[tuple[str, bool], ...], width: int, fonts: tuple[QFont, QFont]
) -> Lines:
    """Laid-out text for each line, elided to `width` (cached by the view between paints)."""
    made = []
    for text, bold in lines:
        font = fonts[1] if bold else fonts[0]
        elided = QFontMetrics(font).elidedText(text, ELIDE, width)
        static = QStaticText(elided)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=font)
        made.append((static, bold))
    return tuple(made)


def paint_block(
    painter: QPainter,
    rect: QRect,
    appt: BoardAppointment,
    lines: Lines,
    fonts: tuple[QFont, QFont],
    line_height: int,
    *,
    selected: bool,
) -> None:
    """One appointment: a rounded box in its readiness colour with a darker edge stripe."""
    box = rect.adjusted(2, 1, -2, -2)
    edge = _EDGES[appt.state]
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(edge, 1))
    painter.setBrush(_FILLS[appt.state])
    painter.drawRoundedRect(box, 4, 4)
    painter.fillRect(QRect(box.left(), box.top(), 5, box.height()), edge)
    if selected:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(FOCUS, 3))
        painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 4, 4)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(TEXT)
    x, y, bottom = box.left() + 9, box.top() + 2, box.bottom()
    for static, bold in lines:
        if y + line_height > bottom:
            break
        painter.setFont(fonts[1] if bold else fonts[0])
        painter.drawStaticText(x, y, static)
        y += line_height


def block_width(rect_width: int) -> int:
    return max(1, rect_width - 2 - 2 - 9 - 4)


class BoardDelegate(QStyledItemDelegate):
    """Paints one cell from the index's data (the view paints the whole board in one pass
    itself; this serves anything that asks for a single cell)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRect(option.rect)
        appt = cast(BoardAppointment | None, index.data(APPOINTMENT_ROLE))
        painter.save()
        if appt is not None:
            state = option.state
            selected = bool(
                state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
            )
            fonts = (QFont(option.font), QFont(option.font))
            fonts[1].setBold(True)
            lines = block_lines(appt, str(index.data(TIME_ROLE)))
            statics = static_lines(lines, block_width(rect.width()), fonts)
            height = option.fontMetrics.height()
            paint_block(painter, rect, appt, statics, fonts, height, selected=selected)
        else:
            kind = Cell(index.data(CELL_ROLE))
            painter.fillRect(rect, CELL_COLOURS[kind])
            if kind is Cell.CLOSED:
                painter.fillRect(rect, HATCH)
        painter.restore()


class BoardView(QTableView):
    """Keyboard: arrows move, Enter opens. Mouse: click selects, double-click opens, drag moves.

    A drop never changes the model: it asks for a reschedule through `appointment_dropped`."""

    appointment_opened = Signal(int)
    slot_opened = Signal(object, int)
    appointment_dropped = Signal(int, int, object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Schedule board")
        self.setItemDelegate(BoardDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(False)
        self.setShowGrid(True)
        self.setGridStyle(Qt.PenStyle.DotLine)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._press_pos = QPoint()
        self._grab_rows = 0
        self._font_pair: tuple[QFont, QFont] | None = None
        self._static: dict[tuple[int, int, int], Lines] = {}
        self.doubleClicked.connect(self._on_self_double_clicked)
        self._apply_metrics()

    def board_model(self) -> BoardModel:
        return cast(BoardModel, self.model())

    def apply_spans(self) -> None:
        """Span each appointment over its rows (after every model reset)."""
        self._static.clear()
        self.clearSpans()
        for block in self.board_model().blocks():
            if block.rows > 1:
                self.setSpan(block.row, block.column, block.rows, 1)
        self._apply_metrics()

    def drop_at(self, pos: QPoint, data: Any) -> bool:
        """Turn a drop at `pos` (viewport coordinates) into `appointment_dropped`."""
        row, column = self.rowAt(pos.y()), self.columnAt(pos.x())
        moving = decode_moving(data) if data.hasFormat(MIME_TYPE) else []
        if row < 0 or column < 0 or not moving:
            return False
        model = self.board_model()
        target = max(0, row - self._grab_rows)
        self._grab_rows = 0
        appointment_id, version = moving[0]
        lane = model.board_column(column).lane.id
        self.appointment_dropped.emit(
            appointment_id, version, model.cell_start(target, column), lane
        )
        return True

    def _apply_metrics(self) -> None:
        """Rows at least one line of text high, taller when the window has room to spare."""
        metrics = self.fontMetrics()
        minimum = metrics.height() + 6
        rows = self.model().rowCount() if self.model() is not None else 0
        spare = self.viewport().height() // rows if rows else minimum
        self.verticalHeader().setDefaultSectionSize(max(minimum, min(spare, 3 * minimum)))
        self.horizontalHeader().setMinimumSectionSize(metrics.horizontalAdvance("Wed 30 Nov") + 16)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_metrics()

    # --- Qt overrides ---------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """The whole visible board in one pass: backgrounds by runs of rows, the grid as long
        lines, then the blocks (a few hundred draw calls for a busy week, not one per cell)."""
        painter = QPainter(self.viewport())
        try:
            self._paint(painter, event.rect())
        finally:
            painter.end()

    def _paint(self, painter: QPainter, area: QRect) -> None:
        model = self.board_model()
        painter.fillRect(area, self.palette().base())
        rows, columns = model.rowCount(), model.columnCount()
        if rows == 0 or columns == 0:
            return
        top, bottom = self._visible(self.rowAt(area.top()), self.rowAt(area.bottom()), rows)
        left, right = self._visible(
            self.columnAt(area.left()), self.columnAt(area.right()), columns
        )
        height = self.rowHeight(0)
        y0 = self.rowViewportPosition(top)
        y1 = self.rowViewportPosition(bottom) + height
        for column in range(left, right + 1):
            x, width = self.columnViewportPosition(column), self.columnWidth(column)
            for run in model.runs(column):
                if run.last < top or run.first > bottom:
                    continue
                y = self.rowViewportPosition(run.first)
                box = QRect(x, y, width, (run.last - run.first + 1) * height)
                painter.fillRect(box, CELL_COLOURS[run.cell])
                if run.cell is Cell.CLOSED:
                    painter.fillRect(box, HATCH)
        x0 = self.columnViewportPosition(left)
        x1 = self.columnViewportPosition(right) + self.columnWidth(right)
        painter.setPen(QPen(GRID, 1, Qt.PenStyle.DotLine))
        for row in range(top, bottom + 1):
            y = self.rowViewportPosition(row) + height - 1
            painter.drawLine(x0, y, x1, y)
        painter.setPen(QPen(GRID, 1))
        for column in range(left, right + 1):
            x = self.columnViewportPosition(column) + self.columnWidth(column) - 1
            painter.drawLine(x, y0, x, y1)
        metrics = self.fontMetrics()
        painter.setPen(TEXT)
        painter.setFont(self.font())
        for row, column, text in model.closed_labels():
            if top <= row <= bottom and left <= column <= right:
                cell = QRect(
                    self.columnViewportPosition(column) + 4,
                    self.rowViewportPosition(row),
                    self.columnWidth(column) - 8,
                    height,
                )
                painter.drawText(
                    cell, int(LEFT_MIDDLE), metrics.elidedText(text, ELIDE, cell.width())
                )
        current = self.currentIndex()
        fonts = self._fonts()
        line_height = metrics.height()
        for column in range(left, right + 1):
            x, width = self.columnViewportPosition(column), self.columnWidth(column)
            for block in model.column_blocks(column):
                if block.row + block.rows <= top or block.row > bottom:
                    continue
                box = QRect(x, self.rowViewportPosition(block.row), width, block.rows * height)
                selected = current.isValid() and (current.row(), current.column()) == (
                    block.row,
                    block.column,
                )
                lines = self._lines(block, width, fonts)
                paint_block(
                    painter, box, block.appointment, lines, fonts, line_height, selected=selected
                )
        if current.isValid() and model.block_at(current.row(), current.column()) is None:
            painter.setPen(QPen(FOCUS, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.visualRect(current).adjusted(1, 1, -2, -2))

    def _fonts(self) -> tuple[QFont, QFont]:
        if self._font_pair is None or self._font_pair[0] != self.font():
            bold = QFont(self.font())
            bold.setBold(True)
            self._font_pair = (QFont(self.font()), bold)
            self._static.clear()
        return self._font_pair

    def _lines(self, block: Block, width: int, fonts: tuple[QFont, QFont]) -> Lines:
        key = (block.row, block.column, width)
        lines = self._static.get(key)
        if lines is None:
            model = self.board_model()
            time_text = str(model.index(block.row, block.column).data(TIME_ROLE))
            lines = static_lines(
                block_lines(block.appointment, time_text), block_width(width), fonts
            )
            self._static[key] = lines
        return lines

    @staticmethod
    def _visible(first: int, last: int, count: int) -> tuple[int, int]:
        return max(0, first), (count - 1 if last < 0 else last)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        index = self.currentIndex()
        model = self.board_model()
        if not index.isValid() or not model.flags(index) & Qt.ItemFlag.ItemIsDragEnabled:
            return
        rect = self.visualRect(index)
        self._grab_rows = max(0, (self._press_pos.y() - rect.top()) // max(1, self.rowHeight(0)))
        drag = QDrag(self)
        drag.setMimeData(model.mimeData([index]))
        drag.setPixmap(self.viewport().grab(rect))
        drag.setHotSpot(self._press_pos - rect.topLeft())
        drag.exec(Qt.DropAction.MoveAction)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        pos = event.position().toPoint()
        if event.mimeData().hasFormat(MIME_TYPE) and self.rowAt(pos.y()) >= 0:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.drop_at(event.position().toPoint(), event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def _open(self, index: QModelIndex) -> None:
        appt = cast(BoardAppointment | None, index.data(APPOINTMENT_ROLE))
        if appt is not None:
            self.appointment_opened.emit(int(appt.id))
            return
        block = self.board_model().block_at(index.row(), index.column())
        if block is not None:
            self.appointment_opened.emit(int(block.appointment.id))
        elif index.data(CELL_ROLE) == Cell.OPEN:
            lane = self.board_model().board_column(index.column()).lane.id
            self.slot_opened.emit(self.board_model().cell_start(index.row(), index.column()), lane)

    def _on_self_double_clicked(self, index: QModelIndex) -> None:
        self._open(index)
