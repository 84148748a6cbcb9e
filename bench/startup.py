"""One cold start, run as a child process by bench/run.py (offscreen):

    python bench/startup.py app DB_PATH DAY    mild-desk: open, sign in, main window, board
                                               painted (its clock set to 08:00 on DAY)
    python bench/startup.py floor DB_PATH DAY  the floor: PySide6 + sqlalchemy, a QTableView of
                                               DAY's appointments

DAY (YYYY-MM-DD) is "today": a clinic day, so that both screens have rows to paint.

Each prints `painted <unix time>` once its first screen has painted (the parent measures from
spawn), then `vmhwm <kB>` (peak resident memory, Linux /proc; 0 elsewhere), and exits.
The app start mirrors mild_desk/ui/app.py (the same import order) without the interactive login
dialog (the password check of `users.login` is still made) and without the daily backup thread.
It imports nothing from bench/ (bench.clinic_db would load services the start does not need).
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PASSWORD = "bench-password"  # every user's in bench/clinic_db.py (PASSWORD there)


def peak_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def report() -> None:
    print(f"painted {time.time():.6f}", flush=True)
    print(f"vmhwm {peak_kb()}", flush=True)


def app(path: str, day: str) -> int:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from mild_desk.ui import gc_pause

    gc_pause.begin_start()
    from mild_desk import resources
    from mild_desk.db import Database
    from mild_desk.services import backup, clinic, document_kinds, users, views  # noqa: F401

    resources.check()
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    from PySide6.QtCore import QTimer  # noqa: TID251 (a benchmark of the UI)
    from PySide6.QtWidgets import QApplication  # noqa: TID251

    qapp = QApplication([])
    actor = users.login(db, "sched", PASSWORD)
    from mild_desk.ui.main_window import MainWindow

    tz = ZoneInfo(clinic.clinic(db).timezone)
    opened = datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=tz).astimezone(UTC)
    window = MainWindow(db, actor, clock=lambda: opened)
    window.show()
    gc_pause.end_start(freeze=True)

    def painted() -> None:
        qapp.processEvents()
        window.board.grab()  # the board with its first read model, rendered
        report()
        window.close()
        qapp.quit()

    window.board.loaded.connect(lambda: QTimer.singleShot(0, painted))
    QTimer.singleShot(60_000, qapp.quit)
    qapp.exec()
    db.dispose()
    return 0


def floor(path: str, day: str) -> int:
    from datetime import UTC, datetime, timedelta
    from typing import Any
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt  # noqa: TID251
    from PySide6.QtWidgets import QApplication, QTableView  # noqa: TID251
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        zone = conn.execute(text("SELECT timezone FROM clinic_settings")).scalar() or "UTC"
        tz = ZoneInfo(zone)
        midnight = datetime.fromisoformat(day).replace(tzinfo=tz)
        first = midnight.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        last = (midnight + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        rows = [
            tuple(str(v) for v in r)
            for r in conn.execute(
                text(
                    "SELECT a.start, a.provider_id, a.room_id, p.last_name, p.first_name, "
                    "a.status FROM appointment a JOIN patient p ON p.id = a.patient_id "
                    "WHERE a.start >= :first AND a.start < :last ORDER BY a.start"
                ),
                {"first": first, "last": last},
            )
        ]
    qapp = QApplication([])

    class Rows(QAbstractTableModel):
        def rowCount(self, parent: Any = None) -> int:
            return len(rows)

        def columnCount(self, parent: Any = None) -> int:
            return 6

        def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> str | None:
            if role == Qt.ItemDataRole.DisplayRole:
                return rows[index.row()][index.column()]
            return None

    view = QTableView()
    view.setModel(Rows())
    view.resize(1280, 800)
    view.show()
    qapp.processEvents()
    view.grab()
    report()
    engine.dispose()
    return 0


if __name__ == "__main__":
    mode, db_path, today = sys.argv[1:4]
    sys.exit(app(db_path, today) if mode == "app" else floor(db_path, today))
