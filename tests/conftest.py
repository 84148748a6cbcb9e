"""Shared fixtures: a private data folder, a temporary initialised database, an actor per role."""

import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mild_desk.db import Database
from mild_desk.models.enums import Role
from mild_desk.services import clinic, users
from mild_desk.services.base import Actor

PASSWORD = "correct-horse-9"
ROLE_USERS = {Role.ADMIN: "ada", Role.SCHEDULER: "sam", Role.NURSE: "nina", Role.PROVIDER: "drp"}
# A fixed "now" for tests that do not care about the clock: Sunday 1 Nov 2026, 12:00 UTC.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    # Before pytest-qt creates the QApplication: no display is needed (an explicit setting wins).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the user's files or inherits a database, user or password."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for name in ("MILD_DESK_DB", "MILD_DESK_USER", "MILD_DESK_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Clinic:
    """A database file and one signed-in actor per role."""

    path: Path
    db: Database
    actors: dict[Role, Actor]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def actor(self, role: Role) -> Actor:
        return self.actors[role]

    def dump(self) -> str:
        """Every row of every table, for "nothing changed" comparisons."""
        conn = sqlite3.connect(self.path)
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, Actor]]:
    """Build an initialised database with one user per role once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    clinic.initialise(db)
    users.add_user(db, None, username="ada", role="admin", password=PASSWORD, now=NOW)
    admin = users.login(db, "ada", PASSWORD, now=NOW)
    actors = {Role.ADMIN: admin}
    for role, name in ROLE_USERS.items():
        if role is not Role.ADMIN:
            users.add_user(db, admin, username=name, role=role.value, password=PASSWORD, now=NOW)
            actors[role] = users.login(db, name, PASSWORD, now=NOW)
    clinic.set_clinic(
        db, admin, name="Test Clinic", phone="555-0100", timezone="America/New_York", now=NOW
    )
    db.dispose()
    return path, actors


@pytest.fixture
def clinic_db(_template_db: tuple[Path, dict[Role, Actor]], tmp_path: Path) -> Iterator[Clinic]:
    template, actors = _template_db
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(template, path)
    path.chmod(0o600)
    db = Database.open(f"sqlite:///{path}")
    yield Clinic(path=path, db=db, actors=actors)
    db.dispose()
