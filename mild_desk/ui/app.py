"""Composition root of the desktop app: database, sign-in, main window."""


def run(db_arg: str | None) -> int:
    import sys

    from PySide6.QtWidgets import QApplication

    from mild_desk.db import Database, resolve_url
    from mild_desk.errors import DomainError
    from mild_desk.services import backup, clinic

    db = Database.open(resolve_url(db_arg))
    try:
        clinic.initialise(db)
    except DomainError as exc:  # e.g. a database from a newer mild-desk: say so, change nothing
        sys.stderr.write(f"mild-desk: {exc}\n")
        return exc.exit_code
    backup.start_auto_backup(db)  # the daily backup, on a background thread
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    from mild_desk.ui.main_window import start

    return int(start(app, db))
