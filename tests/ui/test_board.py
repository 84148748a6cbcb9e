"""The schedule board on the demo clinic: views, navigation, opening and drag to reschedule."""

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from mild_desk.models.enums import AppointmentStatus
from mild_desk.services import appointments
from mild_desk.services.views import BlockState
from mild_desk.ui.board import BoardWidget
from mild_desk.ui.board_model import CELL_ROLE
from mild_desk.ui.board_types import Cell, Lanes
from mild_desk.ui.board_view import BoardView
from mild_desk.ui.context import AppContext
from tests.ui.conftest import TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]
ROW_0800, ROW_0915, ROW_1030 = 0, 5, 10  # 15-minute rows from 08:00


def _board(qtbot: QtBot, ctx: AppContext, day: date = TUESDAY) -> BoardWidget:
    board = BoardWidget(ctx)
    qtbot.add_widget(board)
    board.resize(1200, 800)
    board.show()
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        board.set_date(day)
    return board


def _drag(qtbot: QtBot, view: BoardView, source: tuple[int, int], target: tuple[int, int]) -> None:
    """Press on the block, then drag-enter, move and drop on the target cell."""
    model = view.board_model()
    start = view.visualRect(model.index(*source)).topLeft() + QPoint(10, 5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    data: QMimeData = model.mimeData([model.index(*source)])
    rect = view.visualRect(model.index(*target))
    where = QPointF(rect.left() + rect.width() / 2, rect.top() + 3)  # the target cell's top row
    action, button, none = (
        Qt.DropAction.MoveAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(where.toPoint(), action, data, button, none)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(where.toPoint(), action, data, button, none)
    QApplication.sendEvent(view.viewport(), move)
    assert move.isAccepted()
    QApplication.sendEvent(view.viewport(), QDropEvent(where, action, data, button, none))


def _patient_at(board: BoardWidget, row: int, column: int) -> str | None:
    block = board.model.block_at(row, column)
    return block.appointment.patient_name if block else None


def test_day_view_has_a_column_per_provider_and_coloured_blocks(
    qtbot: QtBot, make_ctx: MakeCtx
) -> None:
    board = _board(qtbot, make_ctx("nurse"))
    model = board.model
    assert model.columnCount() == 2
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Dr. Priya Patel"
    assert model.headerData(ROW_0800, Qt.Orientation.Vertical) == "08:00"
    assert _patient_at(board, ROW_0800, 0) == "Johnson, Barbara"
    rossi = model.block_at(ROW_0915, 0)
    assert rossi is not None
    assert rossi.appointment.state is BlockState.UNMET
    assert rossi.rows == 4  # 60 minutes of 15-minute rows
    assert board.view.rowSpan(ROW_0915, 0) == 4
    assert "blood thinner" in rossi.appointment.hint
    described = model.index(ROW_0915, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Rossi" in described
    assert "unmet" in described
    assert "Tuesday 3 November 2026" in board.title.text()
    # a nurse may not move appointments
    assert not model.flags(model.index(ROW_0800, 0)) & Qt.ItemFlag.ItemIsDragEnabled


def test_week_view_rooms_and_closures(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    board = _board(qtbot, make_ctx("scheduler"))
    with qtbot.waitSignal(board.loaded):
        qtbot.keyClick(
            board,
            Qt.Key.Key_2,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
        )
    assert board.week
    days = board.model.days()
    assert [d.weekday() for d in days] == [1, 3]  # the clinic's Tuesday and Thursday sessions
    assert board.model.columnCount() == 4
    assert board.model.headerData(0, Qt.Orientation.Horizontal) == "Tue 3 Nov\nPatel"
    with qtbot.waitSignal(board.loaded):
        board.rooms_action.trigger()
    assert board.lanes is Lanes.ROOMS
    assert board.model.headerData(0, Qt.Orientation.Horizontal) == "Tue 3 Nov\nRoom 1"
    with qtbot.waitSignal(board.loaded):
        board.set_date(date(2026, 11, 26))
    thursday = [
        c for c in range(board.model.columnCount()) if board.model.board_column(c).day.day == 26
    ]
    assert thursday
    cell = board.model.index(0, thursday[0])
    assert cell.data(CELL_ROLE) == Cell.CLOSED
    assert cell.data() == "Closed: Thanksgiving"


def test_navigation_by_keyboard_and_date_picker(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    ctx = make_ctx("scheduler")
    board = _board(qtbot, ctx)
    with qtbot.waitSignal(board.loaded):
        qtbot.keyClick(board, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert board.day == TUESDAY + timedelta(days=1)
    with qtbot.waitSignal(board.loaded):
        qtbot.keyClick(board, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert board.day == ctx.today()
    with qtbot.waitSignal(board.loaded):
        board.date_edit.setDate(board.date_edit.date().addDays(3))
    assert board.day == ctx.today() + timedelta(days=3)
    assert _patient_at(board, ROW_0800, 0) is not None  # Thursday 5 Nov has bookings


def test_double_click_and_enter_open_the_appointment(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    board = _board(qtbot, make_ctx("nurse"))
    view = board.view
    rect = view.visualRect(board.model.index(ROW_0915, 0))
    with qtbot.waitSignal(board.appointment_opened) as opened:
        # Qt's double-click follows a first press on the same cell
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    rossi = board.model.block_at(ROW_0915, 0)
    assert rossi is not None
    assert opened.args == [int(rossi.appointment.id)]
    view.setFocus()
    view.setCurrentIndex(board.model.index(ROW_0800, 0))
    with qtbot.waitSignal(board.appointment_opened) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args[0] != int(rossi.appointment.id)


def test_drag_reschedules_to_a_free_slot(
    qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo
) -> None:
    ctx = make_ctx("scheduler")
    board = _board(qtbot, ctx)
    johnson = board.model.block_at(ROW_0800, 0)
    assert johnson is not None
    assert board.model.flags(board.model.index(ROW_0800, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        _drag(qtbot, board.view, (ROW_0800, 0), (ROW_1030, 1))
    assert "Moved Johnson, Barbara" in board.notice.text()
    assert _patient_at(board, ROW_0800, 0) is None
    moved = board.model.block_at(ROW_1030, 1)
    assert moved is not None
    assert moved.appointment.patient_name == "Johnson, Barbara"
    old = appointments.get(ctx.db, ctx.actor, johnson.appointment.id)
    assert old.status is AppointmentStatus.CANCELLED
    new = appointments.get(ctx.db, ctx.actor, moved.appointment.id)
    assert new.replaces_id == johnson.appointment.id
    assert new.provider_name == "Dr. Marcus Chen"
    assert board.selected_appointment() == moved.appointment


def test_refused_drop_snaps_back_with_the_reason(
    qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo
) -> None:
    ctx = make_ctx("scheduler")
    board = _board(qtbot, ctx)
    before = demo_clinic.dump()
    johnson = board.model.block_at(ROW_0800, 0)
    assert johnson is not None
    _drag(qtbot, board.view, (ROW_0800, 0), (ROW_0800, 1))  # Dr. Chen is busy at 08:00
    assert "Not moved" in board.notice.text()
    assert "already booked" in board.notice.text()
    assert _patient_at(board, ROW_0800, 0) == "Johnson, Barbara"
    _drag(qtbot, board.view, (ROW_0800, 0), (ROW_0915 - 1, 1))  # 09:00 is not a slot start
    assert "not a bookable slot" in board.notice.text()
    assert _patient_at(board, ROW_0800, 0) == "Johnson, Barbara"
    assert appointments.get(ctx.db, ctx.actor, johnson.appointment.id).version == (
        johnson.appointment.version
    )
    assert demo_clinic.dump() == before
