"""Run in a fresh process with QT_SCALE_FACTOR set: lay the screens out on a full-HD screen at
that scale and print (as JSON) every button or one-line label squeezed below its minimum size,
and the appointment panel when it is wider than its dock.

    python tests/ui/scaling_probe.py DEMO_DB_PATH
"""

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QLabel, QScrollArea, QWidget

if TYPE_CHECKING:
    from mild_desk.ui.main_window import MainWindow

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
FULL_HD = (1920, 1080)


def squeezed(root: QWidget) -> list[str]:
    """Visible buttons and one-line labels narrower or lower than their minimum size hint."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.width() == 0:
            continue
        if isinstance(widget, QLabel) and (widget.wordWrap() or not widget.text()):
            continue
        if not isinstance(widget, QAbstractButton | QLabel):
            continue
        if type(widget).__name__ == "ElidedLabel" or widget.parent().metaObject().className() in {
            "QTabBar",
            "QToolBarExtension",
        }:
            continue
        need = widget.minimumSizeHint()
        if widget.width() < need.width() or widget.height() < need.height():
            label = widget.text() if isinstance(widget, QAbstractButton | QLabel) else ""
            found.append(
                f"{type(widget).__name__} {label!r}: {widget.width()}x{widget.height()} "
                f"< {need.width()}x{need.height()}"
            )
    return found


def overflowing(window: "MainWindow") -> list[str]:
    """The appointment panel wider than its dock (it would scroll sideways, cutting off the
    right of every line)."""
    area = window.dock.widget()
    assert isinstance(area, QScrollArea)
    if not area.horizontalScrollBar().isVisible():
        return []
    return [f"appointment panel {window.panel.width()} wide in a dock {area.viewport().width()}"]


def main() -> int:
    from mild_desk.db import Database
    from mild_desk.rules.checklist import KEY_NPO
    from mild_desk.services import demo, users
    from mild_desk.ui.booking_dialog import BookingDialog
    from mild_desk.ui.main_window import MainWindow

    app = QApplication([])
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1"))
    width, height = (int(FULL_HD[0] / scale), int(FULL_HD[1] / scale * 0.9))  # minus a taskbar
    db = Database.open(f"sqlite:///{sys.argv[1]}")
    problems: dict[str, list[str]] = {}
    for name in ("sam", "nina", "drpatel", "admin"):
        actor = users.login(db, name, demo.password_for(name), now=NOW)
        window = MainWindow(db, actor, clock=lambda: NOW, live=False)
        window.resize(width, height)
        window.show()
        loop = QEventLoop()
        window.board.loaded.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        window.board.set_date((NOW + timedelta(days=1)).date())
        loop.exec()
        window.open_appointment(int(window.board.model.blocks()[0].appointment.id))
        window.panel.checklist.select_item(KEY_NPO)  # its editor has the most rows
        for page in range(window.pages.count()):
            if not window.pages.isTabVisible(page):
                continue
            window.pages.setCurrentIndex(page)
            if window.worklist.runner.busy:
                wait = QEventLoop()
                window.worklist.loaded.connect(wait.quit)
                QTimer.singleShot(10_000, wait.quit)
                wait.exec()
            for tab in range(window.panel.tabs.count()):
                window.panel.tabs.setCurrentIndex(tab)
                app.processEvents()
                where = f"{name} page {page} tab {tab}"
                problems[where] = squeezed(window) + overflowing(window)
        if name == "sam":
            dialog: QDialog = BookingDialog(window.ctx, window)
            dialog.show()
            dialog.resize(min(dialog.width(), width), min(dialog.height(), height))
            app.processEvents()
            problems["booking dialog"] = squeezed(dialog)
            problems["booking dialog fits"] = (
                []
                if dialog.minimumSizeHint().width() <= width
                and dialog.minimumSizeHint().height() <= height
                else [f"minimum {dialog.minimumSizeHint().toTuple()} > {(width, height)}"]
            )
            dialog.close()
        window.close()
    db.dispose()
    print(json.dumps({k: v for k, v in problems.items() if v}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
