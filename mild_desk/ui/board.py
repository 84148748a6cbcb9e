"""The schedule board: day and week views, navigation, legend, drag to reschedule."""

from datetime import date, datetime, timedelta
from typing import cast

from PySide6.QtCore import QDate, QItemSelection, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDateEdit,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError, StaleEdit
from mild_desk.services import views
from mild_desk.services.base import FIRST_YEAR, LAST_YEAR
from mild_desk.services.views import BlockState, BoardAppointment, BoardRead
from mild_desk.ui.board_model import APPOINTMENT_ROLE, BoardModel
from mild_desk.ui.board_types import Lanes, shown_days, week_days
from mild_desk.ui.board_view import BoardView
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import error_text
from mild_desk.ui.text import day_text, moment_text
from mild_desk.ui.theme import BLOCK_COLOURS, BLOCK_EDGES, BLOCK_MARKS, CLOSED
from mild_desk.ui.widgets import calendar_edit, flow_widget
from mild_desk.ui.workers import TaskRunner

# The dates the board goes to: its whole week inside the years the services take (1 Jan 1900 is
# a Monday; a week ends at most six days after a day).
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31) - timedelta(days=6)
NOTICE_OK = "background: #e3f2e4; color: #1b3d1c; padding: 4px"
NOTICE_ERROR = "background: #fde2e2; color: #7a0014; padding: 4px; font-weight: bold"


class BoardWidget(QWidget):
    """Loads its read model off the GUI thread; emits `loaded` when the view shows it."""

    loaded = Signal()
    appointment_selected = Signal(int)
    appointment_opened = Signal(int)
    booking_requested = Signal(object, object, object)
    appointment_moved = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._date = ctx.today()
        self._week = False
        self._lanes = Lanes.PROVIDERS
        self._read: BoardRead | None = None
        self._select_after_load: int | None = None
        self.runner = TaskRunner(self)
        self.model = BoardModel(self)
        self.view = BoardView(self)
        self.view.setModel(self.model)
        self._build_actions()
        self._build_layout()
        self._connect_signals()
        self._update_title()

    # --- public -----------------------------------------------------------------------

    @property
    def day(self) -> date:
        return self._date

    @property
    def week(self) -> bool:
        return self._week

    @property
    def lanes(self) -> Lanes:
        return self._lanes

    def set_date(self, day: date) -> None:
        day = min(max(day, FIRST_DAY), LAST_DAY)
        if day == self._date:
            return
        self._date = day
        self._sync_date_edit()
        self.refresh()

    def show_week(self, week: bool) -> None:
        self._week = week
        (self.week_action if week else self.day_action).setChecked(True)
        self.refresh()

    def set_lanes(self, lanes: Lanes) -> None:
        self._lanes = lanes
        self.rooms_action.setChecked(lanes is Lanes.ROOMS)
        self.refresh()

    def refresh(self) -> None:
        """Reload from the database in the background (the view keeps showing the old state)."""
        self._update_title()
        first, last = self._range()
        db, actor, now = self.ctx.db, self.ctx.actor, self.ctx.now()
        self.runner.start(lambda: views.board(db, actor, date_from=first, date_to=last, now=now))

    def selected_appointment(self) -> BoardAppointment | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        block = self.model.block_at(index.row(), index.column())
        return block.appointment if block else None

    def select_appointment(self, appointment_id: int) -> bool:
        index = self.model.find(appointment_id)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def select_after_load(self, appointment_id: int) -> None:
        """Select this appointment when the next load arrives (e.g. one just booked)."""
        self._select_after_load = appointment_id

    def show_board(self, read: BoardRead) -> None:
        """Show a read model (what a finished load does; benchmarks call it directly)."""
        self._read = read
        keep = self._select_after_load
        current = self.selected_appointment()
        if keep is None and current is not None:
            keep = int(current.id)
        days = shown_days(read, self._date, week=self._week)
        self.model.set_board(
            read, days, lanes=self._lanes, can_move=self.ctx.can("appointment.book")
        )
        self.view.apply_spans()
        self._update_title()
        self._select_after_load = None
        if keep is not None:
            self.select_appointment(keep)

    def show_notice(self, text: str, *, error: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(NOTICE_ERROR if error else NOTICE_OK)
        self.notice.setAccessibleDescription(text)
        self.notice.show()

    def shutdown(self) -> None:
        self.runner.wait()

    # --- building -------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, keys: QKeySequence | str, tip: str) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            act.setStatusTip(tip)
            return act

        self.today_action = action("&Today", "Ctrl+T", "Go to today")
        self.previous_action = action("&Previous", "Alt+Left", "Previous day or week")
        self.next_action = action("&Next", "Alt+Right", "Next day or week")
        self.go_to_action = action("&Go to date…", "Ctrl+G", "Type or pick a date")
        self.day_action = action("&Day", "Ctrl+Alt+1", "Show one day")
        self.week_action = action("&Week", "Ctrl+Alt+2", "Show the week")
        self.rooms_action = action(
            "By &room", "Ctrl+Alt+R", "One column per room instead of per provider"
        )
        self.day_action.setCheckable(True)
        self.week_action.setCheckable(True)
        self.rooms_action.setCheckable(True)
        self.day_action.setChecked(True)
        group = QActionGroup(self)
        group.addAction(self.day_action)
        group.addAction(self.week_action)

    def _build_layout(self) -> None:
        self.date_edit = calendar_edit(QDateEdit(self), last=LAST_DAY)
        self.date_edit.setAccessibleName("Board date")
        self.date_edit.setToolTip("Board date (Ctrl+G)")
        self._sync_date_edit()
        self.title = QLabel(self)
        self.title.setAccessibleName("Showing")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        navigation = [
            self._button(act) for act in (self.today_action, self.previous_action, self.next_action)
        ]
        views = [
            self._button(act) for act in (self.day_action, self.week_action, self.rooms_action)
        ]
        header = flow_widget(self, [*navigation, self.date_edit, *views, self.title])
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Board message")
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)
        layout.addWidget(self._legend())

    def _button(self, act: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(act)
        button.setAccessibleName(act.text().replace("&", "").rstrip("…"))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _legend(self) -> QWidget:
        items: list[QWidget] = [QLabel("Key:", self)]
        for state in BlockState:
            swatch = QLabel(BLOCK_MARKS[state], self)
            swatch.setStyleSheet(
                f"background: {BLOCK_COLOURS[state]}; border-left: 5px solid {BLOCK_EDGES[state]};"
                " padding: 2px 6px"
            )
            items.append(swatch)
        closed = QLabel("closed or no session", self)
        closed.setStyleSheet(f"background: {CLOSED}; padding: 2px 6px")
        items.append(closed)
        legend = flow_widget(self, items)
        legend.setAccessibleName("Colour key")
        return legend

    def _connect_signals(self) -> None:
        self.today_action.triggered.connect(self._on_today_action_triggered)
        self.previous_action.triggered.connect(self._on_previous_action_triggered)
        self.next_action.triggered.connect(self._on_next_action_triggered)
        self.go_to_action.triggered.connect(self._on_go_to_action_triggered)
        self.day_action.triggered.connect(self._on_day_action_triggered)
        self.week_action.triggered.connect(self._on_week_action_triggered)
        self.rooms_action.toggled.connect(self._on_rooms_action_toggled)
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self.runner.finished.connect(self._on_runner_finished)
        self.runner.failed.connect(self._on_runner_failed)
        self.view.appointment_opened.connect(self.appointment_opened)
        self.view.slot_opened.connect(self._on_view_slot_opened)
        self.view.appointment_dropped.connect(self._on_view_appointment_dropped)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.ctx.changes.changed.connect(self._on_changes_changed)

    # --- helpers --------------------------------------------------------------------

    def _range(self) -> tuple[date, date]:
        if not self._week:
            return self._date, self._date
        days = week_days(self._date)
        return days[0], days[-1]

    def _sync_date_edit(self) -> None:
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(self._date.year, self._date.month, self._date.day))
        self.date_edit.blockSignals(False)

    def _update_title(self) -> None:
        if self._week:
            text = f"Week of {day_text(self._range()[0])}"
            hidden = [d for d in week_days(self._date) if d not in self.model.days()]
            if self._read is not None and hidden and len(hidden) < 7:
                text += f" · no sessions {', '.join(f'{d:%a}' for d in hidden)}"
        else:
            text = f"{self._date:%A} {self._date.day} {self._date:%B %Y}"
        if self._date == self.ctx.today():
            text += " (today)" if not self._week else " (this week)"
        self.title.setText(text)

    def _step(self, sign: int) -> None:
        self.set_date(self._date + timedelta(days=sign * (7 if self._week else 1)))

    # --- slots ----------------------------------------------------------------------

    def _on_today_action_triggered(self) -> None:
        self.set_date(self.ctx.today())

    def _on_previous_action_triggered(self) -> None:
        self._step(-1)

    def _on_next_action_triggered(self) -> None:
        self._step(1)

    def _on_go_to_action_triggered(self) -> None:
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.date_edit.selectAll()

    def _on_day_action_triggered(self) -> None:
        self.show_week(False)

    def _on_week_action_triggered(self) -> None:
        self.show_week(True)

    def _on_rooms_action_toggled(self, checked: bool) -> None:
        wanted = Lanes.ROOMS if checked else Lanes.PROVIDERS
        if wanted is not self._lanes:
            self.set_lanes(wanted)

    def _on_date_edit_date_changed(self, value: QDate) -> None:
        self.set_date(date(value.year(), value.month(), value.day()))

    def _on_changes_changed(self) -> None:
        self.refresh()

    def _on_runner_finished(self, result: object) -> None:
        self.show_board(cast(BoardRead, result))
        self.loaded.emit()

    def _on_runner_failed(self, exc: object) -> None:
        if isinstance(exc, DomainError):
            self.show_notice(f"Cannot show the board: {error_text(exc)}", error=True)
            return
        assert isinstance(exc, BaseException)
        raise exc

    def _on_view_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        appt = self.selected_appointment()
        if appt is not None:
            self.appointment_selected.emit(int(appt.id))

    def _on_view_slot_opened(self, start: datetime, lane: int) -> None:
        provider = lane if self._lanes is Lanes.PROVIDERS else None
        room = lane if self._lanes is Lanes.ROOMS else None
        self.booking_requested.emit(start, provider, room)

    def _on_view_appointment_dropped(
        self, appointment_id: int, version: int, start: datetime, lane: int
    ) -> None:
        index = self.model.find(appointment_id)
        moving = cast(BoardAppointment | None, index.data(APPOINTMENT_ROLE))
        if moving is not None:
            same_lane = lane == (
                moving.provider_id if self._lanes is Lanes.PROVIDERS else moving.room_id
            )
            if same_lane and moving.start == start:
                return
        where = {"provider_id" if self._lanes is Lanes.PROVIDERS else "room_id": lane}
        from mild_desk.services import appointments  # the booking path loads when first used

        try:
            new = appointments.reschedule(
                self.ctx.db,
                self.ctx.actor,
                appointment_id,
                start=start,
                expected_version=version,
                now=self.ctx.now(),
                **where,
            )
        except DomainError as exc:
            self.show_notice(f"Not moved: {error_text(exc)}", error=True)
            if index.isValid():
                self.view.setCurrentIndex(index)
            if isinstance(exc, StaleEdit):  # the block was out of date: show what is there now
                self.ctx.changes.notify()
            return
        self.show_notice(
            f"Moved {new.patient_name} to {moment_text(new.start, self.ctx.tz)} "
            f"with {new.provider_name} in {new.room_name}."
        )
        self._select_after_load = int(new.id)
        self.appointment_moved.emit(appointment_id, int(new.id))
        self.ctx.changes.notify()
