"""Composition root of the desktop app: database, sign-in, main window."""


def run(db_arg: str | None) -> int:
    from PySide6.QtWidgets import QApplication

    from mild_desk.db import Database, resolve_url
    from mild_desk.services import clinic

    db = Database.open(resolve_url(db_arg))
    clinic.initialise(db)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    from mild_desk.ui.main_window import start

    return int(start(app, db))
