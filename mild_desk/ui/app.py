"""Composition root of the desktop app: database, sign-in, main window."""


def run(db_arg: str | None) -> int:
    from mild_desk.ui import gc_pause

    gc_pause.begin_start()  # no garbage collection until the window is up (gc_pause says why)
    try:
        return _run(db_arg)
    finally:
        gc_pause.end_start(freeze=False)  # a start that stopped early (start() ends it otherwise)


def _run(db_arg: str | None) -> int:
    import sys

    # The services the first screens use (sign-in, the board, the print actions' kinds) load
    # before PySide6: every module imported after it passes through PySide6's import hook, which
    # reads the module's source. The appointment panel's (panel_view) and the dialogs' load when
    # first used.
    from mild_desk import resources
    from mild_desk.db import Database, resolve_url
    from mild_desk.errors import DomainError
    from mild_desk.services import backup, clinic, document_kinds, users, views  # noqa: F401

    try:
        resources.check()
        db = Database.open(resolve_url(db_arg))
        clinic.initialise(db)
    except DomainError as exc:  # e.g. a database from a newer mild-desk: say so, change nothing
        sys.stderr.write(f"mild-desk: {exc}\n")
        return exc.exit_code
    backup.start_auto_backup(db)  # the daily backup, on a background thread
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    from mild_desk.ui.main_window import start

    return int(start(app, db))
