"""Engine, transactions and schema upgrades for SQLite (default) or any SQLAlchemy URL."""

import os
import weakref
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import (
    Engine,
    Executable,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    MultipleResultsFound,
    NoResultFound,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import QueuePool, StaticPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, ReturnsRows, UpdateBase

from mild_desk.errors import InvalidInput, Refused

if TYPE_CHECKING:  # the ORM loads with the first unit of work that needs it, after the start
    from sqlmodel import Session

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
    sql = f"BEGIN {mode}"
    try:  # straight to the driver (see fetch); a lock timeout still reads as SQLAlchemy's error
        conn.connection.dbapi_connection.execute(sql)
    except conn.dialect.loaded_dbapi.Error as exc:
        error = conn.dialect.loaded_dbapi.Error
        raise DBAPIError.instance(sql, (), exc, error, dialect=conn.dialect) from exc


@dataclass
class Transaction:
    """One unit of work: a session; nothing is kept unless `commit()` is called."""

    session: "Session"

    def commit(self) -> None:
        self.session.commit()


class Plain:
    """A unit of work on a Core connection: what `fetch` and the read models use of a Session
    (its `info`, its connection), without loading the ORM. The start goes through it: sign-in,
    the settings, the schedule board and the daily backup's audit entry (models.schema says
    why). Nothing is kept unless `commit()` is called."""

    __slots__ = ("_connection", "info")
    is_active = True

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.info: dict[str, Any] = {}

    def connection(self) -> Connection:
        return self._connection

    def flush(self) -> None:
        """Nothing is pending: a plain unit's statements go straight to the database."""

    def commit(self) -> None:
        self._connection.commit()

    def get_nested_transaction(self) -> None:
        return None


Unit: TypeAlias = "Session | Plain"
"""What the reads take: an ORM unit of work's session, or a plain one."""


class Rows:
    """A statement's rows, read to the end (each a named tuple: by position or by name)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise (
                NoResultFound("expected one row")
                if not self._rows
                else MultipleResultsFound("expected one row")
            )
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


def fetch(session: Unit, stmt: Executable, params: Mapping[str, Any] | None = None) -> Rows:
    """Run a statement built once (module level, with bind parameters) on the unit of work's
    connection: plain rows, no ORM objects and no statement built per call, which is most of
    the cost of a small query. The hot paths (booking, the slot finder, the start) read this
    way. Pending ORM changes are flushed first, as Session.execute would do.

    On SQLite the statement is compiled once and then sent straight to the driver, with the
    column types' own conversions: SQLAlchemy's execution layer (events, execution context,
    result objects) costs 30-50 µs a statement, more than SQLite takes to answer most of them.
    Statements that must be compiled per call (IN lists), any other database, and an engine
    with statement listeners (tests and benchmarks that count statements) take SQLAlchemy's
    own path."""
    session.flush()
    values = params or {}
    info = session.info
    nested = session.get_nested_transaction()
    conn, direct, since = info.get(_CONNECTION) or (None, False, None)
    # Ask the session again after a commit or rollback (the connection went back to the pool),
    # inside or after a savepoint (the session emits SAVEPOINT when it hands the connection
    # out) and after an error (the session refuses until rolled back).
    if (
        conn is None
        or conn.closed
        or conn.invalidated
        or since is not nested
        or not session.is_active
    ):
        conn = session.connection()
        dispatch = conn.dispatch
        counted = dispatch.before_cursor_execute or dispatch.after_cursor_execute
        direct = conn.dialect.name == "sqlite" and not counted
        info[_CONNECTION] = conn, direct, nested
    prepared = _prepared(stmt, conn.dialect, values) if direct else None
    if prepared is None:
        result = conn.execute(stmt, dict(values))
        rows = result.all() if result.returns_rows else []
        return Rows(rows, result.rowcount)
    return prepared.run(conn.connection.dbapi_connection, values)


# In Session.info: the unit of work's Connection, whether statements may skip SQLAlchemy, and
# the savepoint it was handed out in.
_CONNECTION = "mild_desk.connection"


class _Prepared:
    """One statement compiled for SQLite, with its parameters' and columns' conversions."""

    __slots__ = ("binds", "dialect", "results", "row", "sql")

    def __init__(self, compiled: SQLCompiler, columns: Sequence[Any], dialect: Dialect) -> None:
        self.sql = compiled.string
        self.dialect = dialect
        # Each positional parameter: its key in the caller's params, its name, its value when
        # not given (a literal written into the statement, or _REQUIRED) and its conversion.
        self.binds = tuple(
            (
                bind.key,
                name,
                _REQUIRED if bind.required else bind.value,
                bind.type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in compiled.positiontup or ()
            for bind in (compiled.binds[name],)
        )
        # A named tuple, with `_mapping` as SQLAlchemy's rows have it (by column name).
        plain = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self.row: Any = type(
            "Row", (plain,), {"__slots__": (), "_mapping": property(plain._asdict)}
        )
        processors = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        self.results = processors if any(processors) else None

    def run(self, dbapi_connection: Any, params: Mapping[str, Any]) -> Rows:
        values: list[Any] = []
        cursor = dbapi_connection.cursor()
        try:
            for key, name, constant, process in self.binds:
                value = params[key] if key in params else params.get(name, constant)
                if value is _REQUIRED:
                    raise KeyError(f"a value is required for bind parameter {key!r}")
                values.append(value if process is None else process(value))
            cursor.execute(self.sql, values)
            raw = cursor.fetchall() if cursor.description else []
            rowcount = cursor.rowcount
        except Exception as exc:  # as SQLAlchemy reports it: IntegrityError, StatementError...
            raise DBAPIError.instance(
                self.sql,
                values,
                exc,
                self.dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=self.dialect,
            ) from exc
        finally:
            cursor.close()
        make = self.row._make
        processors = self.results
        if processors is None:
            return Rows([make(r) for r in raw], rowcount)
        return Rows(
            [make([p(v) if p else v for p, v in zip(processors, r, strict=True)]) for r in raw],
            rowcount,
        )


_REQUIRED = object()  # a bind parameter the caller must give
_PREPARED: "weakref.WeakKeyDictionary[Executable, dict[Any, _Prepared | None]]" = (
    weakref.WeakKeyDictionary()
)


def _prepared(stmt: Executable, dialect: Dialect, params: Mapping[str, Any]) -> _Prepared | None:
    """`stmt` compiled once for SQLite, or None when it must take SQLAlchemy's path."""
    if not isinstance(stmt, ClauseElement):
        return None
    by_keys = _PREPARED.get(stmt)
    if by_keys is None:
        by_keys = _PREPARED[stmt] = {}
    dml = isinstance(stmt, UpdateBase)
    # An INSERT or UPDATE sets the columns it is given: its SQL depends on the params' keys.
    keys = tuple(sorted(params)) if dml else None
    if keys in by_keys:
        return by_keys[keys]
    compiled = stmt.compile(dialect=dialect, column_keys=None if keys is None else list(keys))
    assert isinstance(compiled, SQLCompiler)
    simple = (
        dialect.positional
        and not compiled.literal_execute_params
        and not compiled.post_compile_params
        and not compiled.insert_prefetch
        and not compiled.update_prefetch
        and all(b.callable is None for b in compiled.binds.values())
    )
    columns: list[Any] = list(stmt.exported_columns) if isinstance(stmt, ReturnsRows) else []
    found = _Prepared(compiled, columns, dialect) if simple else None
    by_keys[keys] = found
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
        from sqlmodel import Session

        with Session(self.engine, expire_on_commit=False) as session:
            yield Transaction(session)

    @contextmanager
    def plain(self, *, write: bool = False) -> Iterator[Plain]:
        """A unit of work without the ORM (see Plain); `write` takes the write lock first, as
        `write()` does."""
        with (self._write_engine if write else self.engine).connect() as connection:
            connection.begin()  # one snapshot for all its reads; closing rolls it back
            if write and self.engine.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})"))
            yield Plain(connection)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write unit of work. It takes the write lock first (SQLite: BEGIN IMMEDIATE; a server:
        a transaction-level advisory lock, so writers queue as on SQLite), so a check made inside
        it cannot be invalidated by another writer before the commit."""
        from sqlmodel import Session

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
