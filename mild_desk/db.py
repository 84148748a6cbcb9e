"""Engine, transactions and schema upgrades for SQLite (default) or any SQLAlchemy URL."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import QueuePool, StaticPool
from sqlmodel import Session

from mild_desk.errors import InvalidInput, Refused

DB_ENV = "MILD_DESK_DB"
_MIGRATIONS = Path(__file__).with_name("migrations")


def one_line(error: object) -> str:
    """A driver's (often multi-line) error message as one line."""
    return " ".join(str(error).split())


def default_db_path() -> Path:
    """The embedded database in the platform's per-user data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("mild-desk", appauthor=False)) / "mild-desk.sqlite3"


def resolve_url(cli_value: str | None = None) -> str:
    """`--db` wins, then `MILD_DESK_DB`, then the default file. A bare path means SQLite."""
    value = cli_value or os.environ.get(DB_ENV) or str(default_db_path())
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and explicit BEGIN handling."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {url!r}", field="db") from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(
                f"cannot use {parsed.render_as_string()}: {exc}", field="db"
            ) from exc
    database = parsed.database or ""
    if database and database != ":memory:":
        _create_private_file(Path(database))
    engine = create_engine(
        parsed,
        # A pool of reused connections (SQLAlchemy's default for a file: each connection is
        # used by one thread at a time); :memory: needs one shared connection instead.
        poolclass=StaticPool if database in ("", ":memory:") else QueuePool,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _create_private_file(path: Path) -> None:
    """Create the database file owner-only (0600) before SQLite creates it with the umask."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise InvalidInput(f"cannot create {path}: {exc.strerror}", field="db") from exc


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


@dataclass
class Transaction:
    """One unit of work: a session; nothing is kept unless `commit()` is called."""

    session: Session

    def commit(self) -> None:
        self.session.commit()


class Database:
    """The session factory the composition root hands to services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_engine = engine.execution_options(sqlite_begin="IMMEDIATE")

    @classmethod
    def open(cls, url: str) -> "Database":
        return cls(make_engine(url))

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only unit of work. Closing it ends the transaction without a commit; rows read
        stay usable (detached, not expired)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield Transaction(session)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write unit of work. On SQLite it takes the write lock first (BEGIN IMMEDIATE), so a
        check made inside it cannot be invalidated by another writer before the commit."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield Transaction(session)
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision (idempotent). Refuses a database from a newer
    mild-desk, and reports an unreachable database as one line."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    current = schema_revision(db)
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise Refused(
            f"the database is at schema revision {current}, made by a newer mild-desk; "
            "upgrade mild-desk instead of opening it with this version",
            field="db",
        )
    try:
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise InvalidInput(f"cannot open the database: {one_line(exc.orig)}", field="db") from exc


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def schema_revision(db: Database) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    try:
        with db.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise InvalidInput(f"cannot open the database: {one_line(orig)}", field="db") from exc
