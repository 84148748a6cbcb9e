"""Engine, transactions and schema upgrades for SQLite (default) or any SQLAlchemy URL."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CursorResult,
    Engine,
    Executable,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import QueuePool, StaticPool
from sqlmodel import Session, SQLModel

from mild_desk.errors import InvalidInput, Refused

DB_ENV = "MILD_DESK_DB"
# PostgreSQL advisory lock keys ("mild-desk write" / "upgrade"), held until the transaction ends.
_WRITE_LOCK = 0x6D696C645F7772
_UPGRADE_LOCK = 0x6D696C645F7570
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
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    if parsed.get_backend_name() != "sqlite":
        try:
            server = create_engine(
                parsed,
                pool_pre_ping=True,
                connect_args=_server_connect_args(parsed),
                hide_parameters=True,  # bound values are patient data: never in errors or logs
            )
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(
                f"cannot use {parsed.render_as_string()}: {exc}", field="db"
            ) from exc
        if server.dialect.name == "postgresql" and server.dialect.driver == "psycopg":
            event.listen(server, "connect", _psycopg_on_connect)
        return server
    database = parsed.database or ""
    if database and database != ":memory:":
        _create_private_file(Path(database))
    engine = create_engine(
        parsed,
        # A pool of reused connections (SQLAlchemy's default for a file: each connection is
        # used by one thread at a time); :memory: needs one shared connection instead.
        poolclass=StaticPool if database in ("", ":memory:") else QueuePool,
        hide_parameters=True,  # bound values are patient data: never in errors or logs
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _server_connect_args(url: URL) -> dict[str, Any]:
    """PostgreSQL: give up on an unreachable server after 10 s rather than the TCP default of
    minutes, and name the app in pg_stat_activity. A value in the URL's query wins."""
    if url.get_backend_name() != "postgresql":
        return {}
    defaults: dict[str, Any] = {"connect_timeout": 10, "application_name": "mild-desk"}
    return {k: v for k, v in defaults.items() if k not in url.query}


def _psycopg_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL text cannot hold NUL, which SQLite stores: send it as U+FFFD, so a lookup typed
    with one finds nothing (as on SQLite) instead of failing. Stored text never has NUL: the
    services refuse control characters."""
    for dumper in _nul_safe_dumpers():
        dbapi_connection.adapters.register_dumper(str, dumper)


@cache
def _nul_safe_dumpers() -> tuple[type[Any], ...]:
    from psycopg.abc import Buffer
    from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

    class NulSafeText(StrDumperUnknown):
        def dump(self, obj: str) -> Buffer | None:
            return super().dump(obj.replace("\x00", "\ufffd"))

    class NulSafeBinary(StrBinaryDumper):
        def dump(self, obj: str) -> Buffer | None:
            return super().dump(obj.replace("\x00", "\ufffd"))

    return NulSafeText, NulSafeBinary


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
    # FULL: a commit reaches the disk before it is reported, so a booking survives a power cut
    # (NORMAL survives a killed process but may lose the last commits on power loss).
    cursor.execute("PRAGMA synchronous = FULL")
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


def fetch(
    session: Session, stmt: Executable, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """Run a statement built once (module level, with bind parameters) on the unit of work's
    connection: plain rows, no ORM objects and no statement built per call, which is most of
    the cost of a small query. The hot paths (booking, the slot finder) read this way. Pending
    ORM changes are flushed first, as Session.execute would do."""
    session.flush()
    return session.connection().execute(stmt, dict(params or {}))


def table(model: type[SQLModel]) -> Table:
    """A table model's Core table. Statements on its columns read plain rows without the ORM:
    no mapper configuration and no ORM compilation the first time each runs, which is most of
    the cost of the start's first reads (sign-in, the settings, the board)."""
    found = model.__table__  # type: ignore[attr-defined]  # set on every table=True model
    assert isinstance(found, Table)
    return found


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
        """A write unit of work. It takes the write lock first (SQLite: BEGIN IMMEDIATE; a server:
        a transaction-level advisory lock, so writers queue as on SQLite), so a check made inside
        it cannot be invalidated by another writer before the commit."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                if self.engine.dialect.name == "postgresql":
                    session.execute(text(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})"))
                yield Transaction(session)
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision (idempotent). Refuses a database from a newer
    mild-desk, and reports an unreachable database as one line."""
    current = schema_revision(db)
    if current == HEAD_REVISION:
        return  # the usual start: no need to import and run Alembic
    if current is not None and current not in REVISIONS:
        raise Refused(
            f"the database is at schema revision {current}, made by a newer mild-desk; "
            "upgrade mild-desk instead of opening it with this version",
            field="db",
        )
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    try:
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Workstations starting at once upgrade one after the other (released at commit).
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise InvalidInput(f"cannot open the database: {one_line(exc.orig)}", field="db") from exc


def head_revision() -> str:
    return HEAD_REVISION


# The migrations' revisions, oldest first (a test checks them against mild_desk/migrations):
# knowing them without Alembic keeps an up-to-date start fast.
REVISIONS = ("0001", "0002", "0003")
HEAD_REVISION = REVISIONS[-1]


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
