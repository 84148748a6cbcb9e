"""The idle lock: no keyboard or mouse input for the clinic's idle time locks the window."""

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleTimer(QObject):
    """Watches the application's input; emits `timed_out` after `interval_ms` without any."""

    timed_out = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.timed_out)
        self._app: QApplication | None = None

    @property
    def interval_ms(self) -> int:
        return int(self._timer.interval())

    def set_interval_ms(self, interval_ms: int) -> None:
        self._timer.setInterval(interval_ms)
        if self._timer.isActive():
            self._timer.start()

    def start(self, *, watch: bool = True) -> None:
        """Count from now. `watch` False: count, but see input only from `watch()` on."""
        self._timer.start()
        if watch:
            self.watch()

    def watch(self) -> None:
        """See the application's input from now on, and count from now (so that input not seen
        before can only make the lock come later, never earlier). Nothing once stopped."""
        app = QApplication.instance()
        if not self._timer.isActive() or not isinstance(app, QApplication) or self._app is not None:
            return
        self._app = app
        app.installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        """Stop counting and stop watching the application (call on close)."""
        self._timer.stop()
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def watching(self) -> bool:
        """True while the application's input is seen."""
        return self._app is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False
