"""`mild-desk`: the command-line face of the services (and, with no command, the desktop app)."""

import argparse
import dataclasses
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from enum import Enum
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from mild_desk import __version__
from mild_desk.errors import DomainError, InvalidInput

USER_ENV = "MILD_DESK_USER"
PASSWORD_ENV = "MILD_DESK_PASSWORD"

Handler = Callable[["Context"], Any]


class Context:
    """What a command handler gets: parsed arguments, the database and the signed-in user."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._db: Any = None
        self._actor: Any = None

    @property
    def db(self) -> Any:
        if self._db is None:
            from mild_desk.db import Database, head_revision, resolve_url, schema_revision, upgrade

            self._db = Database.open(resolve_url(self.args.db))
            revision = schema_revision(self._db)
            if self.args.command not in {"init", "demo"} and revision is None:
                raise InvalidInput("the database is empty: run `mild-desk init` first", field="db")
            if revision is not None and revision != head_revision():
                upgrade(self._db)  # an older schema is upgraded; a newer one is refused
        return self._db

    @property
    def actor(self) -> Any:
        if self._actor is None:
            from mild_desk.services import users

            name = self.args.user or os.environ.get(USER_ENV)
            if not name:
                raise InvalidInput(f"give --user NAME (or set {USER_ENV})", field="user")
            self._actor = users.login(self.db, name, read_password(f"Password for {name}: "))
        return self._actor

    @property
    def tz(self) -> ZoneInfo:
        from mild_desk.services import clinic

        return clinic.clinic(self.db).tz

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def read_password(prompt: str) -> str:
    """From MILD_DESK_PASSWORD, else a terminal prompt; never from arguments (they show in `ps`)."""
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise InvalidInput(f"set {PASSWORD_ENV} or run in a terminal to be asked", field="password")
    return getpass.getpass(prompt)


def to_jsonable(value: Any, tz: ZoneInfo | None) -> Any:
    """Read models to JSON values: datetimes in ISO 8601 with the clinic zone's UTC offset."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), tz) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v, tz) for v in value]
    return value


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit 2, takes `--json` before or
    after the command (`mild-desk --json slots ...` or `mild-desk slots ... --json`), and
    never guesses an option from its first letters (`--l` is not `--last-solids`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--json",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print exactly one JSON document",
        )

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see --help)\n")
        raise SystemExit(2)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse, but a value starting with '-' given for an optional positional (the
        checklist's item, say) is named as that value, not left over as an unknown option."""
        parsed, extras = super().parse_known_args(args, namespace)
        stray = next((a for a in extras if a.startswith("-")), None)
        for action in self._actions:
            if stray is None or action.option_strings or action.nargs != "?":
                continue
            if getattr(parsed, action.dest, None) is None:
                self.error(f"argument {action.dest}: {stray!r} starts with '-', read as an option")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mild-desk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mild-desk {__version__}")
    parser.add_argument(
        "--db",
        help="SQLAlchemy URL or SQLite file (default: MILD_DESK_DB, then the per-user data folder)",
    )
    parser.add_argument(
        "--user", help=f"act as this user (or {USER_ENV}); password from {PASSWORD_ENV} or a prompt"
    )
    parser.set_defaults(json=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from mild_desk import cli_commands

    cli_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    desktop = _desktop_start(argv)
    if desktop is not None:  # the usual start: no need to build the commands' parser (~20 ms)
        from mild_desk.ui.launch import launch

        return launch(desktop.db)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from mild_desk.ui.launch import launch

        return launch(args.db)
    from mild_desk import logs, resources

    logs.configure()
    ctx = Context(args)
    handler: Handler = args.handler
    try:
        resources.check()
        result = handler(ctx)
        _print(ctx, result)
        return 0
    except DomainError as exc:
        return _fail(args, str(exc), exc.exit_code, exc.field)
    except KeyboardInterrupt:
        return _fail(args, "interrupted", 130, None)
    except BrokenPipeError:  # the reader stopped early (`| head`): the work itself is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0
    except Exception as exc:  # a bug: one line, not a trace
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            from mild_desk.db import one_line

            return _fail(args, f"db: {one_line(exc.orig)}", 2, "db")
        logging.getLogger("mild_desk.cli").exception("internal error in %s", args.command)
        return _fail(
            args, f"internal error (a bug): {type(exc).__name__}; details in the log", 3, None
        )
    finally:
        ctx.close()


def _desktop_start(argv: list[str]) -> argparse.Namespace | None:
    """What the parser makes of `mild-desk`, `mild-desk --db VALUE` or `--db=VALUE` (no command:
    the desktop app); None for anything else, which the parser reads."""
    if not argv:
        return argparse.Namespace(db=None)
    if len(argv) == 1 and argv[0].startswith("--db="):
        return argparse.Namespace(db=argv[0].removeprefix("--db="))
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return argparse.Namespace(db=argv[1])
    return None


def _print(ctx: Context, result: Any) -> None:
    if result is None:
        return
    if ctx.args.json:
        tz = ctx.tz if ctx._db is not None else None
        print(json.dumps(to_jsonable(result, tz), ensure_ascii=False, indent=2))
    elif isinstance(result, str):
        print(result)
    else:
        tz = ctx.tz if ctx._db is not None else None
        print(_human(to_jsonable(result, tz)))


def _human(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(_human(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "  ".join(f"{k}={v}" for k, v in value.items() if v not in ("", None))
    return str(value)


def _fail(args: argparse.Namespace, message: str, code: int, field: str | None) -> int:
    sys.stderr.write(f"mild-desk: {message}\n")
    if getattr(args, "json", False):
        print(json.dumps({"error": message, "field": field, "exit_code": code}))
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
