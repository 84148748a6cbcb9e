"""Backup sub-commands: `mild-desk backup` (a copy now, the daily backup, retention) and
`mild-desk restore`."""

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mild_desk.errors import InvalidInput, Refused

if TYPE_CHECKING:
    from mild_desk.cli import Context
    from mild_desk.services.backup import BackupRead


@dataclass(frozen=True)
class AutoResult:
    """`backup --auto`: the backup taken, or None when today's exists already."""

    folder: str
    backup: "BackupRead | None"


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    p = sub.add_parser(
        "backup",
        help="copy the SQLite database to a file, or take the daily backup (admin)",
        description="A consistent copy of the database, made while the app may be writing. "
        "Automatic daily backups go to the backups/ folder beside the database.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", metavar="FILE", help="write a copy to FILE (owner-only)")
    what.add_argument(
        "--auto",
        action="store_true",
        help="take today's automatic backup unless it exists (no sign-in needed; for a "
        "scheduled task) and delete those older than the kept days",
    )
    what.add_argument(
        "--list", action="store_true", help="the backups folder, the kept days, the backups"
    )
    what.add_argument("--keep-days", metavar="DAYS", help="keep automatic backups this long")
    p.add_argument("--force", action="store_true", help="with --out: replace an existing FILE")
    p.set_defaults(handler=_backup)

    p = sub.add_parser(
        "restore",
        help="replace the database with a backup (admin); the current one is saved first",
    )
    p.add_argument("file", help="a backup made by `mild-desk backup` or the daily backup")
    p.set_defaults(handler=_restore)


def _backup(ctx: "Context") -> Any:
    from mild_desk.services import backup

    a = ctx.args
    if a.force and not a.out:
        raise InvalidInput("--force goes with --out", field="force")
    if not ctx.db.is_sqlite:
        raise Refused(backup.PG_BACKUP, field="db")
    if a.auto:
        made = backup.auto_backup(ctx.db)
        folder = str(backup.backup_folder(ctx.db))
        if a.json:
            return AutoResult(folder, made)
        if made is None:
            return f"today's automatic backup is already in {folder}"
        return _written(made) + (f"; deleted {len(made.pruned)} old" if made.pruned else "")
    if a.list:
        return _listing(backup.settings(ctx.db, ctx.actor), ctx)
    if a.keep_days is not None:
        result = backup.set_keep_days(ctx.db, ctx.actor, days=a.keep_days)
        return result if a.json else f"automatic backups are kept {result.keep_days} days"
    made = backup.backup(ctx.db, ctx.actor, out=a.out, force=a.force)
    return made if a.json else _written(made)


def _restore(ctx: "Context") -> Any:
    from mild_desk.services import backup

    if not ctx.db.is_sqlite:
        raise Refused(backup.PG_BACKUP, field="db")
    done = backup.restore(ctx.db, ctx.actor, source=ctx.args.file)
    if ctx.args.json:
        return done
    return (
        f"restored {done.source} (schema {done.revision}, {done.audit_events} audit events); "
        f"the database as it was is saved in {done.safety_backup}"
    )


def _written(made: "BackupRead") -> str:
    return (
        f"backup written: {made.path} ({made.size_bytes:,} bytes, schema {made.revision}, "
        f"{made.audit_events} audit events)"
    )


def _listing(found: Any, ctx: "Context") -> Any:
    if ctx.args.json:
        return found
    tz = ctx.tz
    lines = [f"backups folder: {found.folder} (kept {found.keep_days} days)"]
    lines += [
        f"  {f.taken_at.astimezone(tz):%Y-%m-%d %H:%M}  {f.kind:<14} {f.size_bytes:>12,}  {f.path}"
        for f in found.files
    ]
    if not found.files:
        lines.append("  (none yet)")
    return "\n".join(lines)
