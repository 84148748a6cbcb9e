"""Backups of the embedded SQLite database: on demand, daily and automatic, and restoring one.

Every copy is made with SQLite's online backup API in one step, so it is one consistent snapshot
even while other processes write (WAL readers do not block writers). A copy is written to a
private temporary file (0600) beside its destination, checked, flushed to disk and then renamed
into place, so a crash never leaves a half-written backup under a backup's name. Copies are
single self-contained files (rollback-journal mode): they can be moved to a USB stick as they are.

PostgreSQL databases are backed up on the server with pg_dump (docs/WORKSTATIONS.md).
"""

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mild_desk.db import Database, Transaction, one_line, upgrade
from mild_desk.errors import InvalidInput, Refused
from mild_desk.models.types import UserId
from mild_desk.services import audit, users
from mild_desk.services.base import Actor, parse_int, require, utcnow
from mild_desk.services.clinic import clinic_in
from mild_desk.services.files import in_path, out_path, why

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
KEEP_DAYS_MAX = 3650
PG_BACKUP = (
    "a PostgreSQL database is backed up on the server with pg_dump "
    "and restored with pg_restore (see docs/WORKSTATIONS.md)"
)
# The tables of schema revision 0001 (the whole model); a mild-desk database has had them all
# since its first revision. A later table may be missing from an older backup: the upgrade that
# follows a restore creates it.
CORE_TABLES = frozenset(
    {
        "appointment",
        "audit_event",
        "audit_head",
        "availability_template",
        "call_note",
        "checklist_event",
        "clinic_settings",
        "closure",
        "driver",
        "imaging_study",
        "lab_result",
        "medication_entry",
        "override",
        "patient",
        "prescriber_clearance",
        "procedure_profile",
        "provider",
        "room",
        "user_account",
        "waitlist_entry",
    }
)
_SQLITE_HEADER = b"SQLite format 3\x00"
# Clinic-local time with its UTC offset: readable in a file browser, unambiguous, no colons
# (Windows file names).
_STAMP = "%Y-%m-%d-%H%M%S%z"
_NAME = re.compile(
    r"^mild-desk-(?P<kind>auto|before-restore)-"
    r"(?P<stamp>\d{4}-\d{2}-\d{2}-\d{6}[+-]\d{4})\.sqlite3$"
)
_PARTIAL = ".partial"
_STALE_PARTIAL_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class BackupRead:
    """A backup that was written."""

    path: str
    taken_at: datetime
    size_bytes: int
    revision: str
    audit_events: int
    pruned: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BackupFile:
    """One backup the app made in the backups folder (automatic, or the copy before a restore)."""

    path: str
    kind: str
    taken_at: datetime
    size_bytes: int


@dataclass(frozen=True, slots=True)
class BackupSettings:
    folder: str
    keep_days: int
    files: tuple[BackupFile, ...]


@dataclass(frozen=True, slots=True)
class RestoreRead:
    source: str
    revision: str
    audit_events: int
    safety_backup: str


def backup(
    db: Database, actor: Actor, *, out: str | Path, force: bool = False, now: datetime | None = None
) -> BackupRead:
    """Write a consistent copy of the database to `out` (owner-only). An existing file is
    refused unless `force`; the database file itself is always refused."""
    require(actor, "backup.manage")
    source = sqlite_file(db)
    dest = _out_path(out)
    if _is_database_file(dest, source):
        raise Refused(f"{str(dest)!r} is the database itself; choose another file", field="out")
    if dest.exists() and not force:
        raise Refused(f"{str(dest)!r} already exists (give --force to replace it)", field="out")
    when = now or utcnow()
    made = _copy(source, dest, taken_at=when)
    with db.write() as tx:
        audit.record(
            tx,
            actor,
            "backup.create",
            "backup",
            dest.name,
            after={"file": str(dest), "bytes": made.size_bytes, "revision": made.revision},
            now=when,
        )
        tx.commit()
    return made


def auto_backup(db: Database, *, now: datetime | None = None) -> BackupRead | None:
    """The automatic daily backup: at most one per clinic-local day, written to the backups
    folder beside the database; then those older than the clinic's `backup_keep_days` are
    deleted. None when today's backup exists already, or for a PostgreSQL database (backed up
    on the server). Needs no sign-in: it only copies into the database's own folder."""
    if not db.is_sqlite:
        return None
    source = sqlite_file(db)
    when = now or utcnow()
    with db.plain() as unit:
        clinic = clinic_in(unit)
    tz, keep_days = clinic.tz, clinic.backup_keep_days
    folder = backup_folder(db)
    _private_dir(folder)
    _remove_stale_partials(folder)
    today = when.astimezone(tz).date()
    if any(f.kind == "auto" and f.taken_at.astimezone(tz).date() == today for f in _files(folder)):
        return None
    dest = folder / _name("auto", when, tz)
    made = _copy(source, dest, taken_at=when)
    pruned = _prune(folder, keep_days=keep_days, now=when, keep=dest)
    with db.plain(write=True) as tx:  # no ORM: it runs while the app starts
        audit.record(
            tx,
            None,
            "backup.auto",
            "backup",
            dest.name,
            after={"file": str(dest), "bytes": made.size_bytes, "pruned": list(pruned)},
            now=when,
        )
        tx.commit()
    log.info("automatic backup %s written; %d old backups deleted", dest.name, len(pruned))
    return BackupRead(
        made.path, made.taken_at, made.size_bytes, made.revision, made.audit_events, pruned
    )


def start_auto_backup(db: Database) -> threading.Thread:
    """Run `auto_backup` on a background thread (app start: the window opens at once). A failure
    is logged, never raised: a backup problem must not stop the clinic's day. The thread is not a
    daemon, so quitting the app lets a backup in progress finish."""
    thread = threading.Thread(target=_auto_backup_logged, args=(db,), name="mild-desk-backup")
    thread.start()
    return thread


def restore(
    db: Database, actor: Actor, *, source: str | Path, now: datetime | None = None
) -> RestoreRead:
    """Replace the database's content with a backup. Refuses a file that is not a SQLite
    database, not a mild-desk database, damaged, or from a newer mild-desk. The current database
    is first saved to the backups folder; the copy in goes through the backup API in one
    transaction (other connections see the old or the new database, never a mix); an older
    backup is then upgraded to the current schema and the restore is recorded in the audit log."""
    require(actor, "backup.manage")
    target = sqlite_file(db)
    src = in_path(source)
    if _is_database_file(src, target):
        raise Refused(f"{str(src)!r} is the database itself", field="file")
    when = now or utcnow()
    folder = backup_folder(db)
    _private_dir(folder)
    staged = folder / f".restore-{os.getpid()}-{threading.get_ident()}{_PARTIAL}"
    try:
        _stage(src, staged)
        revision, events = check_backup(staged, label=src.name)
        with db.read() as tx:
            tz = clinic_in(tx.session).tz
        safety = folder / _name("before-restore", when, tz)
        _copy(target, safety, taken_at=when)
        _copy_pages(staged, target)
    finally:
        _remove_with_sidecars(staged)
    db.dispose()  # pooled connections are idle; start afresh on the restored file
    upgrade(db)  # an older backup is brought to this version's schema
    with db.write() as tx:
        audit.record(
            tx,
            _same_user_in(tx, actor),
            "backup.restore",
            "backup",
            src.name,
            after={
                "file": str(src),
                "revision": revision,
                "safety_backup": str(safety),
                "restored_by": actor.username,
            },
            now=when,
        )
        tx.commit()
    return RestoreRead(str(src), revision, events, str(safety))


def check_backup(path: Path, *, label: str) -> tuple[str, int]:
    """(schema revision, audit events) of a mild-desk backup file, or the one-line reason it
    cannot be restored (`label` names the file in the message)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise InvalidInput(f"cannot read {label}: {exc.strerror}", field="file") from exc
    if header != _SQLITE_HEADER:
        raise InvalidInput(f"{label} is not a SQLite database", field="file")
    try:
        with _connect(path) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check(3)")]
            if problems != ["ok"]:
                raise InvalidInput(
                    f"{label} is damaged (integrity check: {one_line(problems[0])})", field="file"
                )
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" not in tables:
                raise InvalidInput(
                    f"{label} is not a mild-desk database (it has no schema version)", field="file"
                )
            missing = sorted(CORE_TABLES - tables)
            if missing:
                raise InvalidInput(
                    f"{label} is not a mild-desk database (no table {', '.join(missing[:3])}"
                    f"{' …' if len(missing) > 3 else ''})",
                    field="file",
                )
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            head = conn.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(
            f"{label} is not a readable database: {one_line(exc)}", field="file"
        ) from exc
    if found is None:
        raise InvalidInput(
            f"{label} is not a mild-desk database (it has no schema version)", field="file"
        )
    revision = str(found[0])
    if revision not in known_revisions():
        raise Refused(
            f"{label} was made by a newer mild-desk (schema revision {revision}); "
            "upgrade mild-desk before restoring it",
            field="file",
        )
    return revision, int(head[0]) if head else 0


def set_keep_days(
    db: Database, actor: Actor, *, days: int | str, now: datetime | None = None
) -> BackupSettings:
    """How many days automatic backups (and the copies saved before a restore) are kept."""
    require(actor, "backup.manage")
    keep = parse_int("keep_days", days, minimum=1, maximum=KEEP_DAYS_MAX)
    from mild_desk.models.tables import ClinicSettings

    with db.write() as tx:
        row = tx.session.get(ClinicSettings, 1)
        if row is None:
            raise InvalidInput("the database is not initialised: run `mild-desk init`", field="db")
        before = row.backup_keep_days
        if before != keep:
            row.backup_keep_days = keep
            tx.session.add(row)
            audit.record(
                tx,
                actor,
                "backup.settings",
                "clinic_settings",
                1,
                before={"backup_keep_days": before},
                after={"backup_keep_days": keep},
                now=now,
            )
        tx.commit()
    return settings(db, actor)


def settings(db: Database, actor: Actor) -> BackupSettings:
    """The backups folder, the days kept and the backups the app made, newest first."""
    require(actor, "backup.manage")
    folder = backup_folder(db)
    with db.plain() as unit:
        keep = clinic_in(unit).backup_keep_days
    files = sorted(_files(folder), key=lambda f: f.taken_at, reverse=True)
    return BackupSettings(str(folder), keep, tuple(files))


def backup_folder(db: Database) -> Path:
    """`backups/` beside the database file (for the default database: in the platform's per-user
    data folder)."""
    return sqlite_file(db).parent / BACKUP_DIR


def sqlite_file(db: Database) -> Path:
    """The database file, or a one-line refusal for a server or an in-memory database."""
    if not db.is_sqlite:
        raise Refused(PG_BACKUP, field="db")
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise InvalidInput("an in-memory database cannot be backed up", field="db")
    return Path(name)


def known_revisions() -> frozenset[str]:
    """Every schema revision this version of mild-desk knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mild_desk import migrations

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return frozenset(r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions())


# --- helpers -----------------------------------------------------------------------------


def _copy(source: Path, dest: Path, *, taken_at: datetime) -> BackupRead:
    """Copy `source` to `dest` through the backup API, atomically and owner-only."""
    # A short name of its own: `dest`'s name may be as long as a file name can be.
    partial = dest.with_name(f".mild-desk-{os.getpid()}-{threading.get_ident()}{_PARTIAL}")
    try:
        _create_private(partial)
        with _connect(source, timeout=30) as src, _connect(partial) as out:
            src.backup(out)  # pages=-1: one step, so one consistent snapshot
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = out.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise InvalidInput(f"the copy failed its check: {check}", field="out")
            revision = out.execute("SELECT version_num FROM alembic_version").fetchone()
            head = out.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()
        _fsync(partial)
        os.replace(partial, dest)
        _fsync_dir(dest.parent)
    except sqlite3.Error as exc:
        raise InvalidInput(f"cannot write the backup: {one_line(exc)}", field="out") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot write {str(dest)!r}: {why(exc)}", field="out") from exc
    finally:
        _remove_with_sidecars(partial)
    return BackupRead(
        path=str(dest),
        taken_at=taken_at,
        size_bytes=dest.stat().st_size,
        revision=str(revision[0]) if revision else "",
        audit_events=int(head[0]) if head else 0,
    )


def _copy_pages(staged: Path, target: Path) -> None:
    """Write the staged backup over the live database in one write transaction."""
    try:
        with _connect(staged) as src, _connect(target, timeout=30) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise InvalidInput(
            f"cannot restore (the database is unchanged): {one_line(exc)}", field="file"
        ) from exc


def _stage(src: Path, staged: Path) -> None:
    """A private copy of the file to restore (with its write-ahead log, if it has one), so it is
    checked and restored as it was, and opening it leaves nothing beside the original."""
    try:
        _create_private(staged)
        shutil.copyfile(src, staged)
        wal = src.with_name(src.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, staged.with_name(staged.name + "-wal"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {str(src)!r}: {why(exc)}", field="file") from exc


@contextlib.contextmanager
def _connect(path: Path, *, timeout: float = 5) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(str(path), timeout=timeout)
    try:
        yield conn
    finally:
        conn.close()


def _files(folder: Path) -> list[BackupFile]:
    found: list[BackupFile] = []
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match is None or not entry.is_file():
            continue
        try:
            taken = datetime.strptime(match["stamp"], _STAMP)
        except ValueError:
            continue
        found.append(BackupFile(str(entry), match["kind"], taken, entry.stat().st_size))
    return found


def _prune(folder: Path, *, keep_days: int, now: datetime, keep: Path) -> tuple[str, ...]:
    """Delete the app's backups taken more than `keep_days` days before `now` (never `keep`,
    never a file the app did not name)."""
    cutoff = now - timedelta(days=keep_days)
    pruned = []
    for found in sorted(_files(folder), key=lambda f: f.taken_at):
        path = Path(found.path)
        if found.taken_at < cutoff and path != keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                pruned.append(path.name)
    return tuple(pruned)


def _remove_stale_partials(folder: Path) -> None:
    """Temporary files of a backup that was interrupted (the process killed) a day or more ago."""
    limit = time.time() - _STALE_PARTIAL_SECONDS
    for entry in folder.glob(f".*{_PARTIAL}*"):
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < limit:
                entry.unlink()


def _name(kind: str, when: datetime, tz: ZoneInfo) -> str:
    return f"mild-desk-{kind}-{when.astimezone(tz).strftime(_STAMP)}.sqlite3"


def _out_path(out: str | Path) -> Path:
    return out_path(out).absolute()


def _is_database_file(path: Path, database: Path) -> bool:
    """True for the database file or one of its -wal / -shm / -journal companions."""
    try:
        resolved, db = path.resolve(), database.resolve()
    except OSError:
        return False
    if resolved.parent != db.parent:
        return False
    return resolved.name in {db.name, *(db.name + s for s in ("-wal", "-shm", "-journal"))}


def _same_user_in(tx: Transaction, actor: Actor) -> Actor | None:
    """The restoring user as the restored database knows them (ids may differ between
    databases); None (recorded as "system", with `restored_by`) when the backup lacks them."""
    user = users.account(tx.session, actor.username)
    if user is None:
        return None
    return Actor(UserId(user.id), user.username, user.role, user.full_name)


def _create_private(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _private_dir(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {folder}: {exc.strerror}", field="db") from exc


def _remove_with_sidecars(path: Path) -> None:
    for name in (path.name, *(path.name + s for s in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(name).unlink()


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX; Windows has no directory handles to flush)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _auto_backup_logged(db: Database) -> None:
    try:
        auto_backup(db)
    except Exception:  # logged for the admin; the app carries on
        log.exception("the automatic daily backup failed")
