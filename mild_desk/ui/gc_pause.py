"""Pauses of Python's cyclic garbage collector, counted: the start's and each worker thread's.

No Qt here: the app's start pauses the collector before it loads PySide6 (mild_desk.ui.app).

- A worker thread pauses it while it runs (workers.py, printing.py). Otherwise a collection
  triggered by the worker's allocations could destroy a Qt object that became garbage in the GUI
  thread from the worker thread ("QBasicTimer::stop: Failed. Possibly trying to stop from a
  different thread", then a crash). Reference counting still frees everything else at once.
- The start pauses it from its first import until the main window is up. It builds ~170,000
  objects that live as long as the app and almost no garbage (~600 objects): collecting them over
  and over cost ~60 ms of a ~0.9 s start. `end_start` then freezes them (gc.freeze), so that no
  later collection walks them again either.
"""

import gc

_paused = 0
_was_enabled = True
_starting = False


def pause_gc() -> None:
    """Pause the collector (nested calls count: it runs again after the last `resume_gc`)."""
    global _paused, _was_enabled
    if _paused == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _paused += 1


def resume_gc() -> None:
    global _paused
    _paused -= 1
    if _paused == 0 and _was_enabled:
        gc.enable()


def begin_start() -> None:
    """Pause the collector for the start (once, until `end_start`)."""
    global _starting
    if not _starting:
        _starting = True
        pause_gc()


def end_start(*, freeze: bool) -> None:
    """End the start's pause; nothing if there is none. `freeze` when the window is up: what the
    start built lives as long as the app, so later collections leave it out."""
    global _starting
    if _starting:
        _starting = False
        if freeze:
            gc.freeze()
        resume_gc()
