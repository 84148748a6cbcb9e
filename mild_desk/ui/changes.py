"""The one "what changed" notice: own writes, other workstations (when the watcher exists), F5."""

import importlib
import logging
from typing import Protocol, cast

from PySide6.QtCore import QObject, QTimer, Signal

from mild_desk.db import Database

log = logging.getLogger(__name__)

POLL_MS = 1000


class Watcher(Protocol):
    """mild_desk.services.changes.ChangeWatcher: a cheap, non-blocking "anything new?" check."""

    def changed(self) -> bool: ...


class ChangeNotice(QObject):
    """Emits `changed` once per change seen; every view decides for itself whether to reload."""

    changed = Signal()

    def __init__(
        self,
        db: Database,
        parent: QObject | None = None,
        *,
        poll_ms: int = POLL_MS,
        live: bool = True,
        watcher: Watcher | None = None,
    ) -> None:
        """`live=False` turns polling off (tests, and screenshots, refresh by hand)."""
        super().__init__(parent)
        if watcher is None and live:
            watcher = make_watcher(db)
        self._watcher = watcher
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        if self._watcher is not None:
            self._timer.start()

    @property
    def live(self) -> bool:
        """True when other workstations' changes arrive by themselves (else: F5)."""
        return self._watcher is not None

    def notify(self) -> None:
        """Something changed (our own write, or a manual refresh). The watcher would report
        our own commit again a moment later: that report is taken now, as everything reloads."""
        if self._watcher is not None:
            self._watcher.changed()
        self.changed.emit()

    def stop(self) -> None:
        self._timer.stop()
        close = getattr(self._watcher, "close", None)
        if callable(close):
            close()

    def _on_timer_timeout(self) -> None:
        assert self._watcher is not None
        if self._watcher.changed():
            self.changed.emit()


def make_watcher(db: Database) -> Watcher | None:
    """The change watcher service when it is installed; None until then (refresh with F5)."""
    try:
        module = importlib.import_module("mild_desk.services.changes")
    except ModuleNotFoundError:
        return None
    factory = getattr(module, "ChangeWatcher", None)
    if factory is None:
        log.warning("mild_desk.services.changes has no ChangeWatcher; live refresh is off")
        return None
    return cast(Watcher, factory(db))
