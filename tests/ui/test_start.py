"""The start reads without the ORM (models.schema) and loads it once the first board is up."""

import os
import subprocess
import sys
from pathlib import Path

from mild_desk.services import demo
from tests.ui.conftest import DEMO_NOW, Demo

ROOT = Path(__file__).resolve().parent.parent.parent
# A fresh process, as the app starts (mild_desk.ui.app without the login dialog), the day's
# automatic backup included: it prints the ORM modules loaded when the first board has loaded,
# and again two seconds later.
START = """
import sys
from datetime import datetime
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from mild_desk.db import Database
from mild_desk.services import backup, clinic, document_kinds, users, views  # as ui.app
from mild_desk.ui.main_window import MainWindow
from argon2 import PasswordHasher

# The test accounts' argon2 profile (tests/conftest.py): a real one would re-hash at sign-in.
users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ORM = ("sqlalchemy.orm", "sqlmodel", "pydantic", "mild_desk.models.tables")
path, password, now = sys.argv[1:4]
db = Database.open(f"sqlite:///{path}")
clinic.initialise(db)
assert backup.auto_backup(db) is not None  # the day's first start takes it (the app: a thread)
app = QApplication([])
actor = users.login(db, "sam", password)
window = MainWindow(db, actor, clock=lambda: datetime.fromisoformat(now))
window.show()


def report(when):
    blocks = len(window.board.model.blocks())
    print(when, blocks, *[m for m in ORM if m in sys.modules], flush=True)


def loaded():
    report("board")
    QTimer.singleShot(2000, lambda: (report("later"), app.quit()))


window.board.loaded.connect(loaded)
QTimer.singleShot(60_000, app.quit)
app.exec()
"""


def test_the_board_paints_before_the_orm_loads_and_it_loads_just_after(demo_clinic: Demo) -> None:
    demo_clinic.db.dispose()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            START,
            str(demo_clinic.path),
            demo.password_for("sam"),
            DEMO_NOW.replace(day=3).isoformat(),  # the demo's first day of procedures
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    board, later = (line.split() for line in done.stdout.splitlines())
    assert board[0] == "board"
    assert int(board[1]) > 0  # appointments, with their readiness
    assert board[2:] == []  # no ORM module
    assert later[0] == "later"
    assert later[2:] == [
        "sqlalchemy.orm",
        "sqlmodel",
        "pydantic",
        "mild_desk.models.tables",
    ]
