"""UI fixtures: the demo clinic on a private copy, a settable clock, a context per role."""

import gc
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from mild_desk.db import Database
from mild_desk.services import clinic, demo, users
from mild_desk.services.base import Actor
from mild_desk.ui.changes import ChangeNotice
from mild_desk.ui.context import AppContext

# Monday 2 Nov 2026, 09:00 in New York: the demo's procedures start on Tuesday 3 Nov.
DEMO_NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
TUESDAY = date(2026, 11, 3)
DEMO_USERS = {"admin": "admin", "scheduler": "sam", "nurse": "nina", "provider": "drpatel"}


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = DEMO_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Demo:
    path: Path
    db: Database
    clock: Clock = field(default_factory=Clock)

    def dump(self) -> str:
        """Every row of every table, for "nothing changed" comparisons."""
        conn = sqlite3.connect(self.path)
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()

    def actor(self, role: str) -> Actor:
        name = DEMO_USERS[role]
        return users.login(self.db, name, demo.password_for(name), now=self.clock())


@pytest.fixture(autouse=True)
def _delete_closed_widgets(qapp: QApplication) -> Iterator[None]:
    """pytest-qt closes each test's widgets with deleteLater(), which processEvents() does not
    carry out: the windows would then be deleted in some later test's event loop, after the
    garbage collector had cleared their Python side (a page shown during the teardown then runs
    on cleared state and crashes). Delete them now, while both sides are whole, then collect."""
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    demo.build(db, now=DEMO_NOW)
    db.dispose()
    return path


@pytest.fixture
def demo_clinic(_demo_template: Path, tmp_path: Path) -> Iterator[Demo]:
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(_demo_template, path)
    db = Database.open(f"sqlite:///{path}")
    yield Demo(path, db)
    db.dispose()


@pytest.fixture
def make_ctx(demo_clinic: Demo, qtbot: QtBot) -> Callable[[str], AppContext]:
    """An AppContext for a role, with no live watcher (tests refresh through notify())."""

    def make(role: str) -> AppContext:
        notice = ChangeNotice(demo_clinic.db, live=False)
        return AppContext(demo_clinic.db, demo_clinic.actor(role), notice, clock=demo_clinic.clock)

    return make
