"""Small-screen helpers: a layout that wraps onto more lines when narrow (Qt's flow layout
example), a scroll area for pages taller than a 200 % scaled laptop screen, and a label that
elides instead of clipping; the date boxes of every form; and a tab page built when first
needed."""

from collections.abc import Callable
from datetime import date
from typing import Generic, TypeVar

from PySide6.QtCore import QDate, QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QFrame,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from mild_desk.services.base import FIRST_YEAR, LAST_YEAR

DATE_FORMAT = "ddd d MMM yyyy"
_Edit = TypeVar("_Edit", bound=QDateTimeEdit)
_Page = TypeVar("_Page", bound=QWidget)


def calendar_edit(
    edit: _Edit, display: str = DATE_FORMAT, *, last: date = date(LAST_YEAR, 12, 31)
) -> _Edit:
    """A date (or date and time) box with a calendar pop-up, that cannot leave the years the
    services take (from 1 Jan FIRST_YEAR to `last`): such a date is never typed, only refused."""
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(display)
    edit.setDateRange(QDate(FIRST_YEAR, 1, 1), QDate(last.year, last.month, last.day))
    return edit


class FlowLayout(QLayout):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            right = x + hint.width()
            if right > area.right() + 1 and line > 0:
                x, y = area.x(), y + line + self._spacing
                right, line = x + hint.width(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x = right + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


def flow_widget(parent: QWidget, widgets: list[QWidget]) -> QWidget:
    """A container that lays `widgets` out left to right, wrapping as needed."""
    box = QWidget(parent)
    layout = FlowLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    box.setSizePolicy(policy)
    return box


def scrolling(widget: QWidget, name: str) -> QScrollArea:
    """`widget` in a frameless scroll area: full size when there is room, scrolls when not."""
    area = QScrollArea(widget.parentWidget())
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setAccessibleName(name)
    return area


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when narrow; the full text is its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance("x") * 12, super().minimumSizeHint().height()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(
            area, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text
        )


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize to `width` x `height`, or to nine tenths of the screen when that is smaller (a
    200 % scaled full-HD screen is 960 x 540 logical pixels)."""
    screen = widget.screen()
    if screen is not None:
        free = screen.availableGeometry()
        width = min(width, int(free.width() * 0.9))
        height = min(height, int(free.height() * 0.9))
    widget.resize(width, height)


class LazyTab(Generic[_Page]):
    """A tab whose page is built when first needed: when the tab is opened (`tabs` emits
    currentChanged; call `open_if_current`) or when code asks for `page()`. Until then an empty
    placeholder holds the tab's place, label and visibility. Saves a page's modules and widgets
    at start (the admin pages are ~50 ms)."""

    def __init__(self, tabs: QTabWidget, label: str, make: Callable[[], _Page]) -> None:
        self._tabs = tabs
        self._make = make
        self._page: _Page | None = None
        self._placeholder: QWidget | None = QWidget(tabs)
        tabs.addTab(self._placeholder, label)

    @property
    def built(self) -> _Page | None:
        return self._page

    @property
    def tab(self) -> QWidget:
        """What holds the tab now (for indexOf)."""
        return self._page if self._page is not None else self._tab_placeholder()

    def page(self) -> _Page:
        if self._page is None:
            placeholder = self._tab_placeholder()
            self._page = self._make()  # first: a currentChanged below must not build it again
            tabs = self._tabs
            index = tabs.indexOf(placeholder)
            current = tabs.currentIndex() == index
            visible = tabs.isTabVisible(index)
            # In front of the placeholder, then the placeholder goes: no other page is shown
            # meanwhile (taking the current tab away first would show its neighbour).
            tabs.insertTab(index, self._page, tabs.tabText(index))
            tabs.setTabVisible(index, visible)
            if current:
                tabs.setCurrentIndex(index)
            tabs.removeTab(index + 1)
            placeholder.deleteLater()
            self._placeholder = None
        return self._page

    def open_if_current(self) -> None:
        if self._page is None and self._tabs.currentWidget() is self._placeholder:
            self.page()

    def _tab_placeholder(self) -> QWidget:
        assert self._placeholder is not None
        return self._placeholder
