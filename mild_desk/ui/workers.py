"""Background work: a function runs on a pool thread; its result comes back on the GUI thread.

While any task runs, Python's cyclic garbage collector is paused (gc_pause.py says why)."""

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from mild_desk.ui.gc_pause import pause_gc as pause_gc
from mild_desk.ui.gc_pause import resume_gc as resume_gc

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries one task's outcome across threads (queued to the GUI thread)."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, ticket: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._ticket, self._fn, self._relay = ticket, fn, relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported to the GUI thread, which decides
            self._relay.failed.emit(self._ticket, exc)
            return
        self._relay.finished.emit(self._ticket, result)


class TaskRunner(QObject):
    """Runs one kind of work (e.g. loading the board) off the GUI thread; only the newest
    request's result is delivered, so a slow old load never overwrites a newer one.

    `finished(result)` or `failed(exception)` arrive on the GUI thread; `busy_changed(bool)`
    drives a progress indicator."""

    finished = Signal(object)
    failed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._ticket = 0
        self._running = 0
        self._connect_signals()

    @property
    def busy(self) -> bool:
        return self._running > 0

    def start(self, fn: Callable[[], Any]) -> None:
        self._ticket += 1
        self._running += 1
        pause_gc()
        if self._running == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self._ticket, fn, self._relay))

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued work is done, dropping results not yet delivered (on shutdown)."""
        done = bool(self._pool.waitForDone(msecs))
        if done:
            self._ticket += 1  # results still queued for delivery are stale now
            while self._running:
                self._done()
        return done

    def _connect_signals(self) -> None:
        self._relay.finished.connect(self._on_relay_finished)
        self._relay.failed.connect(self._on_relay_failed)

    def _done(self) -> None:
        if self._running == 0:
            return  # already released by wait()
        self._running -= 1
        resume_gc()
        if self._running == 0:
            self.busy_changed.emit(False)

    def _on_relay_finished(self, ticket: int, result: object) -> None:
        self._done()
        if ticket == self._ticket:
            self.finished.emit(result)

    def _on_relay_failed(self, ticket: int, exc: object) -> None:
        self._done()
        if ticket == self._ticket:
            self.failed.emit(exc)
