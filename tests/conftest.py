"""Shared fixtures: a private data folder, a temporary initialised database, an actor per role.

The database tests run on SQLite by default; `--db-backend=postgresql` (or
MILD_DESK_TEST_BACKEND=postgresql) runs every test that uses `clinic_db` on PostgreSQL instead and
deselects the others. The server comes from `--pg-url` / MILD_DESK_TEST_PG_URL, else a private
cluster is started with scripts/pg.sh for the session. Tests marked `postgres` always use it.
Without a server they skip with the reason, except under CI=true, where they fail.
"""

import itertools
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from mild_desk.db import Database
from mild_desk.models.enums import Role
from mild_desk.services import clinic, users
from mild_desk.services.base import Actor

PASSWORD = "correct-horse-9"
ROLE_USERS = {Role.ADMIN: "ada", Role.SCHEDULER: "sam", Role.NURSE: "nina", Role.PROVIDER: "drp"}
# A fixed "now" for tests that do not care about the clock: Sunday 1 Nov 2026, 12:00 UTC.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
PG_URL_ENV = "MILD_DESK_TEST_PG_URL"
BACKEND_ENV = "MILD_DESK_TEST_BACKEND"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mild-desk database")
    group.addoption(
        "--db-backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get(BACKEND_ENV) or "sqlite",
        help="where clinic_db lives; postgresql runs only the tests that use clinic_db "
        f"(default: ${BACKEND_ENV} or sqlite)",
    )
    group.addoption(
        "--pg-url",
        default=os.environ.get(PG_URL_ENV) or None,
        help="SQLAlchemy URL of a PostgreSQL database on a server where the tests may create and "
        f"drop databases (default: ${PG_URL_ENV}, else a private cluster from scripts/pg.sh)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Test modules read the backend at import (e.g. to size hypothesis runs).
    os.environ[BACKEND_ENV] = config.getoption("--db-backend")
    # Before pytest-qt creates the QApplication: no display is needed (an explicit setting wins).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Test accounts get a cheap argon2id profile (still argon2id; the parameters travel in
    # each hash, so sign-ins against them are fast everywhere, subprocesses included).
    from argon2 import PasswordHasher

    from mild_desk.services import users as users_service

    users_service._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass re-runs the tests that use the clinic database; the rest do not
    depend on the backend and already ran on SQLite."""
    if config.getoption("--db-backend") != "postgresql":
        return
    keep = [i for i in items if "clinic_db" in getattr(i, "fixturenames", ())]
    dropped = [i for i in items if "clinic_db" not in getattr(i, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    for item in keep:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "SQLite-specific"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(autouse=True)
def _private_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the user's files or inherits a database, user or password."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log file
    for name in ("MILD_DESK_DB", "MILD_DESK_USER", "MILD_DESK_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Clinic:
    """A database and one signed-in actor per role. On SQLite `path` is the database file; on
    PostgreSQL (`pg_url` set) there is no file and `path` names a folder that does not exist."""

    path: Path
    db: Database
    actors: dict[Role, Actor]
    pg_url: str | None = None

    @property
    def url(self) -> str:
        return self.pg_url or f"sqlite:///{self.path}"

    @property
    def is_sqlite(self) -> bool:
        return self.pg_url is None

    def actor(self, role: Role) -> Actor:
        return self.actors[role]

    def dump(self) -> str:
        """Every row of every table, for "nothing changed" comparisons (on PostgreSQL: each
        table's rows sorted; sequences are left out, as a rolled-back insert still uses one)."""
        if self.pg_url is None:
            conn = sqlite3.connect(self.path)
            try:
                return "\n".join(conn.iterdump())
            finally:
                conn.close()
        lines: list[str] = []
        with self.db.engine.connect() as conn:
            for name in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
                lines.append(f"-- {name}")
                lines.extend(sorted(repr(tuple(row)) for row in rows))
        return "\n".join(lines)

    def execute(self, script: str) -> None:
        """Run raw SQL statements (separated by `;`) behind the services' back and commit, as
        tampering tests need."""
        if self.pg_url is None:
            conn = sqlite3.connect(self.path)
            try:
                conn.executescript(script)
            finally:
                conn.close()
            return
        with self.db.engine.begin() as conn:
            for statement in filter(None, (s.strip() for s in script.split(";"))):
                conn.exec_driver_sql(statement)

    def rows(self, query: str) -> list[tuple[object, ...]]:
        """The rows of one raw SQL query, as plain tuples."""
        with self.db.engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(query)]


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, Actor]]:
    """Build an initialised database with one user per role once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    actors = _fill_template(db)
    db.dispose()
    return path, actors


def _fill_template(db: Database) -> dict[Role, Actor]:
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
    return actors


@pytest.fixture
def clinic_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Clinic]:
    """A fresh copy of the initialised clinic on the selected backend (see the module doc)."""
    if request.config.getoption("--db-backend") == "postgresql":
        yield from _pg_clinic(request.getfixturevalue("_pg_template"), tmp_path)
        return
    template, actors = request.getfixturevalue("_template_db")
    path = tmp_path / "clinic.sqlite3"
    shutil.copyfile(template, path)
    path.chmod(0o600)
    db = Database.open(f"sqlite:///{path}")
    yield Clinic(path=path, db=db, actors=actors)
    db.dispose()


@pytest.fixture
def pg_clinic(_pg_template: "PgTemplate", tmp_path: Path) -> Iterator[Clinic]:
    """A fresh copy of the initialised clinic on PostgreSQL, whatever `--db-backend` says."""
    yield from _pg_clinic(_pg_template, tmp_path)


@dataclass(frozen=True)
class PgTemplate:
    """An initialised clinic database on the server that tests copy (CREATE DATABASE … TEMPLATE)."""

    server: "PgServer"
    name: str
    actors: dict[Role, Actor]


@dataclass(frozen=True)
class PgServer:
    """A PostgreSQL server the tests may create databases on; `admin` runs in autocommit."""

    url: str
    admin: Engine
    prefix: str
    _counter: "itertools.count[int]"

    def url_for(self, database: str) -> str:
        return make_url(self.url).set(database=database).render_as_string(hide_password=False)

    def new_name(self) -> str:
        return f"{self.prefix}_{next(self._counter)}"

    def drop(self, database: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server(pytestconfig: pytest.Config) -> Iterator[PgServer]:
    """The PostgreSQL server: `--pg-url`, else a private cluster for this session; skips with the
    reason when there is none (fails under CI=true)."""
    url = pytestconfig.getoption("--pg-url")
    cluster: str | None = None
    if not url:
        cluster, problem = _start_private_cluster()
        if cluster is None:
            _no_postgres(problem)
        url = (Path(cluster) / "url").read_text().strip()
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # no driver, no server, wrong password: one reason line
        if cluster:
            _stop_private_cluster(cluster)
        problem = " ".join(str(getattr(exc, "orig", None) or exc).split())
        _no_postgres(f"cannot connect to {make_url(url).render_as_string()}: {problem}")
    server = PgServer(url, admin, f"mdt_{os.getpid()}", itertools.count(1))
    try:
        yield server
    finally:
        admin.dispose()
        if cluster:
            _stop_private_cluster(cluster)


@pytest.fixture(scope="session")
def _pg_template(pg_server: PgServer) -> Iterator[PgTemplate]:
    name = f"{pg_server.prefix}_template"
    pg_server.drop(name)
    with pg_server.admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database.open(pg_server.url_for(name))
    actors = _fill_template(db)
    db.dispose()
    try:
        yield PgTemplate(pg_server, name, actors)
    finally:
        pg_server.drop(name)


def _pg_clinic(template: PgTemplate, tmp_path: Path) -> Iterator[Clinic]:
    server = template.server
    name = server.new_name()
    with server.admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
    url = server.url_for(name)
    db = Database.open(url)
    try:
        yield Clinic(path=tmp_path / "postgresql" / name, db=db, actors=template.actors, pg_url=url)
    finally:
        db.dispose()
        server.drop(name)


def _start_private_cluster() -> tuple[str | None, str]:
    try:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg.sh"), "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"scripts/pg.sh start: {exc}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["failed"]
        return None, f"scripts/pg.sh start: {lines[-1]}"
    return done.stdout.strip(), ""


def _stop_private_cluster(cluster: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg.sh"), "stop", cluster], timeout=120, check=False
    )


def _no_postgres(reason: str) -> NoReturn:
    message = f"no PostgreSQL server ({reason}); set {PG_URL_ENV} or install Debian's postgresql"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI must run the PostgreSQL tests: {message}", pytrace=False)
    pytest.skip(message)
