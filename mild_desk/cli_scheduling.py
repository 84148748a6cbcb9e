"""Scheduling sub-commands: templates, closures, slots, booking, appointment states, waitlist."""

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mild_desk.cli import Context
    from mild_desk.services.appointments import AppointmentRead
    from mild_desk.services.waitlist import WaitlistRead


@dataclass(frozen=True)
class CancelResult:
    appointment: "AppointmentRead"
    waitlist_candidates: "list[WaitlistRead]"


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    tpl = sub.add_parser("template", help="availability templates").add_subparsers(
        dest="action", required=True
    )
    p = tpl.add_parser("add", help="provider + room + RFC 5545 rule + local hours")
    p.add_argument("--provider", required=True, help="provider id")
    p.add_argument("--room", required=True, help="room id")
    p.add_argument("--rrule", required=True, help='e.g. "FREQ=WEEKLY;BYDAY=TU,TH"')
    p.add_argument("--start", required=True, help="HH:MM, clinic-local")
    p.add_argument("--end", required=True, help="HH:MM, clinic-local")
    p.add_argument("--from", dest="valid_from", help="first date (YYYY-MM-DD)")
    p.add_argument("--until", help="last date (YYYY-MM-DD)")
    p.set_defaults(handler=_template_add)
    tpl.add_parser("list").set_defaults(handler=_template_list)

    clo = sub.add_parser("closure", help="holidays and provider absences").add_subparsers(
        dest="action", required=True
    )
    p = clo.add_parser("add")
    p.add_argument("--date", required=True)
    p.add_argument("--to", help="last day of a range (default: --date)")
    p.add_argument("--provider", help="only this provider (default: the whole clinic)")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_closure_add)

    p = sub.add_parser("slots", help="free slots in a date range")
    p.add_argument("--from", dest="date_from", required=True)
    p.add_argument("--to", dest="date_to", required=True)
    p.add_argument("--provider")
    p.add_argument("--mrn", help="only slots this patient could take")
    p.add_argument("--limit", type=int)
    p.set_defaults(handler=_slots)

    p = sub.add_parser("book", help="book a patient into a slot")
    p.add_argument("--mrn", required=True)
    p.add_argument("--start", required=True, help="YYYY-MM-DDTHH:MM (clinic-local) or with offset")
    p.add_argument("--provider")
    p.add_argument("--room")
    p.add_argument("--levels", help="e.g. L3-L4,L4-L5")
    p.add_argument("--laterality", help="left, right or bilateral")
    p.add_argument("--pending", action="store_true", help="hold the slot, not yet confirmed")
    p.set_defaults(handler=_book)

    p = sub.add_parser("reschedule", help="move an appointment (a new one replaces it)")
    p.add_argument("id")
    p.add_argument("--start", required=True)
    p.add_argument("--provider")
    p.add_argument("--room")
    p.set_defaults(handler=_reschedule)

    p = sub.add_parser("cancel", help="cancel an appointment")
    p.add_argument("id")
    p.add_argument("--by", required=True, choices=["patient", "clinic"])
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_cancel)

    for name, helptext in (
        ("confirm", "pending -> booked"),
        ("check-in", "the patient has arrived"),
        ("no-show", "the patient did not come"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id")
        p.set_defaults(handler=_transition, transition=name)

    p = sub.add_parser("appointments", help="the appointments of a day")
    p.add_argument("--date", required=True)
    p.set_defaults(handler=_appointments)

    wl = sub.add_parser("waitlist", help="patients waiting for an earlier date").add_subparsers(
        dest="action", required=True
    )
    p = wl.add_parser("add")
    p.add_argument("--mrn", required=True)
    p.add_argument("--provider", help="preferred provider id")
    p.add_argument(
        "--unavailable",
        action="append",
        default=[],
        metavar="DATE",
        help="a date the patient cannot come (repeatable)",
    )
    p.add_argument("--note")
    p.set_defaults(handler=_waitlist_add)
    wl.add_parser("list").set_defaults(handler=_waitlist_list)
    p = wl.add_parser("remove")
    p.add_argument("entry")
    p.set_defaults(handler=_waitlist_remove)


def _template_add(ctx: "Context") -> Any:
    from mild_desk.services import availability

    a = ctx.args
    return availability.add_template(
        ctx.db,
        ctx.actor,
        provider_id=a.provider,
        room_id=a.room,
        rrule=a.rrule,
        start=a.start,
        end=a.end,
        valid_from=a.valid_from,
        valid_until=a.until,
    )


def _template_list(ctx: "Context") -> Any:
    from mild_desk.services import availability

    ctx.actor  # noqa: B018  (signing in is the check)
    return availability.templates(ctx.db)


def _closure_add(ctx: "Context") -> Any:
    from mild_desk.services import availability

    a = ctx.args
    return availability.add_closure(
        ctx.db, ctx.actor, start_date=a.date, end_date=a.to, provider_id=a.provider, reason=a.reason
    )


def _slots(ctx: "Context") -> Any:
    from mild_desk.services import availability, prep

    a = ctx.args
    if a.mrn:
        return prep.feasible_slots(
            ctx.db,
            ctx.actor,
            mrn=a.mrn,
            date_from=a.date_from,
            date_to=a.date_to,
            provider_id=a.provider,
            limit=a.limit,
        )
    return availability.find_slots(
        ctx.db,
        ctx.actor,
        date_from=a.date_from,
        date_to=a.date_to,
        provider_id=a.provider,
        limit=a.limit,
    )


def _book(ctx: "Context") -> Any:
    from mild_desk.services import appointments

    a = ctx.args
    return appointments.book(
        ctx.db,
        ctx.actor,
        mrn=a.mrn,
        start=a.start,
        provider_id=a.provider,
        room_id=a.room,
        levels=a.levels,
        laterality=a.laterality,
        pending=a.pending,
    )


def _reschedule(ctx: "Context") -> Any:
    from mild_desk.services import appointments

    a = ctx.args
    return appointments.reschedule(
        ctx.db, ctx.actor, a.id, start=a.start, provider_id=a.provider, room_id=a.room
    )


def _cancel(ctx: "Context") -> Any:
    from mild_desk.services import appointments, clinic, waitlist

    a = ctx.args
    cancelled = appointments.cancel(ctx.db, ctx.actor, a.id, by=a.by, reason=a.reason)
    fits = waitlist.candidates(
        ctx.db,
        ctx.actor,
        start=cancelled.start,
        end=cancelled.end,
        provider_id=cancelled.provider_id,
        room_id=cancelled.room_id,
        turnover_minutes=clinic.profile(ctx.db).turnover_minutes,
    )
    return CancelResult(cancelled, fits)


def _transition(ctx: "Context") -> Any:
    from mild_desk.services import appointments

    action = {
        "confirm": appointments.confirm,
        "check-in": appointments.check_in,
        "no-show": appointments.no_show,
    }[ctx.args.transition]
    return action(ctx.db, ctx.actor, ctx.args.id)


def _appointments(ctx: "Context") -> Any:
    from mild_desk.services import appointments

    return appointments.on_date(ctx.db, ctx.actor, ctx.args.date)


def _waitlist_add(ctx: "Context") -> Any:
    from mild_desk.services import waitlist

    a = ctx.args
    return waitlist.add(
        ctx.db,
        ctx.actor,
        mrn=a.mrn,
        preferred_provider_id=a.provider,
        unavailable=a.unavailable,
        note=a.note,
    )


def _waitlist_list(ctx: "Context") -> Any:
    from mild_desk.services import waitlist

    return waitlist.waiting(ctx.db, ctx.actor)


def _waitlist_remove(ctx: "Context") -> Any:
    from mild_desk.services import waitlist

    waitlist.remove(ctx.db, ctx.actor, ctx.args.entry)
    return f"waitlist entry {ctx.args.entry} removed"
