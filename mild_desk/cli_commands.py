"""Sub-commands of `mild-desk`: parse arguments, call one service, return a read model."""

import argparse
from typing import TYPE_CHECKING, Any

from mild_desk.errors import Refused

if TYPE_CHECKING:
    from mild_desk.cli import Context


# `procedure set`'s options: the procedure profile's settings (clinic.set_procedure).
PROCEDURE_OPTIONS = (
    "case-minutes",
    "turnover-minutes",
    "solids-fast-hours",
    "clear-liquids-fast-hours",
    "imaging-max-months",
    "lf-min-mm",
    "inr-max",
    "arrival-lead-minutes",
    "driver-due-days-before",
    "daily-case-cap",
)


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    _foundation(sub)
    from mild_desk import cli_interop, cli_prep, cli_print, cli_scheduling

    cli_scheduling.register(sub)
    cli_prep.register(sub)
    cli_interop.register(sub)
    cli_print.register(sub)
    from mild_desk import cli_backup

    cli_backup.register(sub)


def _foundation(sub: "argparse._SubParsersAction[Any]") -> None:
    p = sub.add_parser("init", help="create or upgrade the database")
    p.add_argument(
        "--admin",
        metavar="NAME",
        help="create the first admin (password from MILD_DESK_PASSWORD or a prompt)",
    )
    p.set_defaults(handler=_init)

    p = sub.add_parser("demo", help="fill an empty database with a believable demo clinic")
    p.set_defaults(handler=_demo)

    user = sub.add_parser("user", help="user accounts").add_subparsers(dest="action", required=True)
    p = user.add_parser("add", help="add a user (password from MILD_DESK_NEW_PASSWORD or a prompt)")
    p.add_argument("name")
    p.add_argument("--role", required=True)
    p.add_argument("--full-name", default="")
    p.set_defaults(handler=_user_add)
    p = user.add_parser("list")
    p.set_defaults(handler=_user_list)
    for verb in ("disable", "enable"):
        p = user.add_parser(verb)
        p.add_argument("name")
        p.set_defaults(handler=_user_set_active, active=verb == "enable")

    clinic = sub.add_parser("clinic", help="clinic settings").add_subparsers(
        dest="action", required=True
    )
    p = clinic.add_parser("set")
    p.add_argument("--name")
    p.add_argument("--phone")
    p.add_argument("--tz", help="IANA time zone, e.g. America/New_York")
    p.add_argument("--idle-lock-minutes")
    p.add_argument("--max-failed-logins", help="wrong passwords in a row that lock an account")
    p.add_argument("--lockout-minutes", help="how long a locked account stays locked")
    p.set_defaults(handler=_clinic_set)
    p = clinic.add_parser("show")
    p.set_defaults(handler=_clinic_show)

    proc = sub.add_parser("procedure", help="procedure profile").add_subparsers(
        dest="action", required=True
    )
    p = proc.add_parser("set")
    for name in PROCEDURE_OPTIONS:
        p.add_argument(f"--{name}")
    p.set_defaults(handler=_procedure_set)
    p = proc.add_parser("show")
    p.set_defaults(handler=_procedure_show)

    prov = sub.add_parser("provider", help="providers").add_subparsers(dest="action", required=True)
    p = prov.add_parser("add")
    p.add_argument("--name", required=True)
    p.add_argument("--daily-cap")
    p.set_defaults(handler=_provider_add)
    prov.add_parser("list").set_defaults(handler=_provider_list)

    room = sub.add_parser("room", help="procedure rooms").add_subparsers(
        dest="action", required=True
    )
    p = room.add_parser("add")
    p.add_argument("--name", required=True)
    p.set_defaults(handler=_room_add)
    room.add_parser("list").set_defaults(handler=_room_list)

    pat = sub.add_parser("patient", help="patients").add_subparsers(dest="action", required=True)
    p = pat.add_parser("add")
    p.add_argument("--mrn", required=True)
    p.add_argument("--first", required=True)
    p.add_argument("--last", required=True)
    p.add_argument("--dob", required=True, help="YYYY-MM-DD")
    p.add_argument("--phone")
    p.add_argument("--lang", default="en", help="preferred language: en or es")
    p.add_argument("--allergies")
    p.add_argument("--diabetic", action="store_true")
    p.set_defaults(handler=_patient_add)
    p = pat.add_parser("search")
    p.add_argument("query")
    p.set_defaults(handler=_patient_search)

    aud = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    aud.add_parser("verify", help="check the hash chain").set_defaults(handler=_audit_verify)


def _init(ctx: "Context") -> Any:
    from mild_desk.cli import read_password
    from mild_desk.services import clinic, users

    clinic.initialise(ctx.db)
    if not ctx.args.admin:
        return f"database ready: {ctx.db.url}"
    try:
        password = read_password(f"Password for the new admin {ctx.args.admin}: ")
        created = users.add_user(
            ctx.db, None, username=ctx.args.admin, role="admin", password=password
        )
    except Refused:
        # init is safe to run twice: an existing account is left exactly as it is.
        existing = _usernames(ctx)
        if ctx.args.admin.strip().lower() in existing:
            return f"database ready: {ctx.db.url} (admin {ctx.args.admin} already exists)"
        raise
    return created


def _usernames(ctx: "Context") -> set[str]:
    from sqlmodel import select

    from mild_desk.models.tables import User

    with ctx.db.read() as tx:
        return set(tx.session.exec(select(User.username)).all())


def _demo(ctx: "Context") -> Any:
    from mild_desk.services import clinic, demo

    clinic.initialise(ctx.db)
    report = demo.build(ctx.db)
    if ctx.args.json:
        return report
    lines = [
        f"Demo clinic ready in {report.database}: {report.patients} patients, "
        f"{report.appointments} appointments, {report.providers} providers, "
        f"{report.rooms} rooms.",
        "Users (user name / role / password):",
    ]
    lines += [f"  {u['username']:<10} {u['role']:<10} {u['password']}" for u in report.users]
    return "\n".join(lines)


def _user_add(ctx: "Context") -> Any:
    import os

    from mild_desk.cli import read_password
    from mild_desk.services import users

    password = os.environ.get("MILD_DESK_NEW_PASSWORD")
    actor = ctx.actor
    if password is None:
        password = read_password(f"Password for the new user {ctx.args.name}: ")
    return users.add_user(
        ctx.db,
        actor,
        username=ctx.args.name,
        role=ctx.args.role,
        password=password,
        full_name=ctx.args.full_name,
    )


def _user_list(ctx: "Context") -> Any:
    from mild_desk.services import users

    return users.list_users(ctx.db, ctx.actor)


def _user_set_active(ctx: "Context") -> Any:
    from mild_desk.services import users

    return users.set_active(ctx.db, ctx.actor, username=ctx.args.name, active=ctx.args.active)


def _clinic_set(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    a = ctx.args
    return clinic.set_clinic(
        ctx.db,
        ctx.actor,
        name=a.name,
        phone=a.phone,
        timezone=a.tz,
        idle_lock_minutes=a.idle_lock_minutes,
        max_failed_logins=a.max_failed_logins,
        lockout_minutes=a.lockout_minutes,
    )


def _clinic_show(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    ctx.actor  # noqa: B018  (signing in is the check)
    return clinic.clinic(ctx.db)


def _procedure_set(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    names = (
        "case_minutes",
        "turnover_minutes",
        "solids_fast_hours",
        "clear_liquids_fast_hours",
        "imaging_max_months",
        "lf_min_mm",
        "inr_max",
        "arrival_lead_minutes",
        "driver_due_days_before",
        "daily_case_cap",
    )
    values = {n: getattr(ctx.args, n) for n in names}
    return clinic.set_procedure(ctx.db, ctx.actor, **values)


def _procedure_show(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    ctx.actor  # noqa: B018
    return clinic.profile(ctx.db)


def _provider_add(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    return clinic.add_provider(
        ctx.db, ctx.actor, name=ctx.args.name, daily_case_cap=ctx.args.daily_cap
    )


def _provider_list(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    ctx.actor  # noqa: B018
    return clinic.providers(ctx.db)


def _room_add(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    return clinic.add_room(ctx.db, ctx.actor, name=ctx.args.name)


def _room_list(ctx: "Context") -> Any:
    from mild_desk.services import clinic

    ctx.actor  # noqa: B018
    return clinic.rooms(ctx.db)


def _patient_add(ctx: "Context") -> Any:
    from mild_desk.services import patients

    a = ctx.args
    return patients.add_patient(
        ctx.db,
        ctx.actor,
        mrn=a.mrn,
        first=a.first,
        last=a.last,
        dob=a.dob,
        phone=a.phone,
        preferred_language=a.lang,
        allergies=a.allergies,
        diabetic=a.diabetic,
    )


def _patient_search(ctx: "Context") -> Any:
    from mild_desk.services import patients

    return patients.search(ctx.db, ctx.actor, ctx.args.query)


def _audit_verify(ctx: "Context") -> Any:
    from mild_desk.services import audit

    result = audit.verify(ctx.db)
    if not result.ok:
        raise Refused(f"audit chain broken: {result.problem}", field="audit")
    return result if ctx.args.json else f"audit chain intact: {result.events} events"
