"""Change notification: has anyone committed a change since I last looked? (live refresh)."""

import logging
import select
import time
from typing import Any, Protocol

from mild_desk.db import Database

log = logging.getLogger(__name__)

# NOTIFY channel of the audit trigger (migration 0002 writes the same name).
CHANNEL = "mild_desk"
# A server that does not answer within this is treated as down (checked again after a pause).
CONNECT_TIMEOUT_S = 5


class ChangeWatcher:
    """Watches one database for commits from every connection: other workstations, other windows
    and this process's own services. For a QTimer on the GUI thread: `changed()` is cheap and
    never waits on the network.

    SQLite: `PRAGMA data_version` on a dedicated connection (a local read of the WAL index).
    PostgreSQL: `LISTEN mild_desk` on a dedicated autocommit connection; every committed audit
    event NOTIFYs (migration 0002), so every change through the services does. `changed()` only
    reads what has already arrived on that socket.

    When the watcher's connection is lost (server restart, network) it reconnects at most every
    `retry_s` seconds (a reconnect may wait up to CONNECT_TIMEOUT_S) and then reports True once,
    as anything may have changed meanwhile. It never raises: a problem is logged and reported as
    "no change". Use it from one thread; `close()` (or `with`) releases the connection.
    """

    def __init__(self, db: Database, *, retry_s: float = 15.0) -> None:
        self._db = db
        self._retry_s = retry_s
        self._source: _Source | None = None
        self._retry_at = 0.0
        self._missed = False
        self._closed = False
        self._connect()
        self._missed = False  # the first connection is the baseline, not a reconnection

    def changed(self) -> bool:
        """True when a change was committed since the previous call (or since construction)."""
        if self._closed:
            return False
        if self._source is None and time.monotonic() >= self._retry_at:
            self._connect()
        if self._source is None:
            return False
        try:
            seen = self._source.poll()
        except Exception as exc:  # the connection broke: report, reconnect later
            self._lost(exc)
            return False
        missed, self._missed = self._missed, False
        return seen or missed

    def wait(self, timeout_s: float) -> bool:
        """Block up to `timeout_s` for a change (for worker threads and tests, not the GUI
        thread). True as soon as one is seen."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self.changed():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self._source is None:
                time.sleep(min(left, 0.05))
            else:
                self._source.sleep(min(left, 0.05))

    def close(self) -> None:
        self._closed = True
        if self._source is not None:
            self._source.close()
            self._source = None

    def __enter__(self) -> "ChangeWatcher":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _connect(self) -> None:
        try:
            if self._db.is_sqlite:
                self._source = _SqliteSource(self._db)
            else:
                self._source = _PostgresSource(self._db)
        except Exception as exc:
            self._source = None
            self._retry_at = time.monotonic() + self._retry_s
            log.warning("change watcher cannot connect to %s: %s", self._db.url, exc)
            return
        self._missed = True

    def _lost(self, exc: Exception) -> None:
        log.warning("change watcher lost %s: %s", self._db.url, exc)
        if self._source is not None:
            self._source.close()
        self._source = None
        self._retry_at = time.monotonic() + min(self._retry_s, 1.0)


class _Source(Protocol):
    def poll(self) -> bool: ...

    def sleep(self, seconds: float) -> None: ...

    def close(self) -> None: ...


class _SqliteSource:
    """`PRAGMA data_version` changes whenever another connection commits to the file."""

    def __init__(self, db: Database) -> None:
        database = db.engine.url.database or ""
        self._memory = database in ("", ":memory:")  # private to each connection: nothing to see
        self._fairy: Any = None
        if self._memory:
            return
        fairy = db.engine.raw_connection()  # the engine's own pragmas; autocommit (no BEGIN)
        fairy.detach()
        self._fairy = fairy
        self._version = self._read()

    def poll(self) -> bool:
        if self._memory:
            return False
        version = self._read()
        seen, self._version = version != self._version, version
        return seen

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        if self._fairy is not None:
            self._fairy.close()
            self._fairy = None

    def _read(self) -> int:
        cursor = self._fairy.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()


class _PostgresSource:
    """LISTEN on CHANNEL; notifications queue on the socket until `poll()` reads them."""

    def __init__(self, db: Database) -> None:
        import psycopg

        args, params = db.engine.dialect.create_connect_args(db.engine.url)
        params = {k: v for k, v in params.items() if k != "context"}
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        params.setdefault("application_name", "mild-desk watcher")
        # An idle socket never errors by itself: TCP keepalives notice a vanished server (~1 min).
        params.setdefault("keepalives_idle", 30)
        params.setdefault("keepalives_interval", 10)
        params.setdefault("keepalives_count", 3)
        self._conn = psycopg.connect(*args, **params, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def poll(self) -> bool:
        pgconn = self._conn.pgconn
        pgconn.consume_input()  # reads what the socket already holds; raises if it is closed
        seen = False
        while pgconn.notifies() is not None:
            seen = True
        return seen

    def sleep(self, seconds: float) -> None:
        select.select([self._conn.fileno()], [], [], seconds)

    def close(self) -> None:
        self._conn.close()
