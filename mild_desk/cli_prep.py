"""Prep sub-commands: imaging, medications, labs, clearances, driver, readiness, checklist."""

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mild_desk.cli import Context


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    img = sub.add_parser("imaging", help="MRI/CT studies").add_subparsers(
        dest="action", required=True
    )
    p = img.add_parser("add")
    p.add_argument("--mrn", required=True)
    p.add_argument("--modality", required=True, help="MRI or CT")
    p.add_argument("--date", required=True, help="study date YYYY-MM-DD")
    p.add_argument("--lf-mm", help="ligamentum flavum thickness in mm")
    p.add_argument("--levels")
    p.set_defaults(handler=_imaging_add)

    med = sub.add_parser("med", help="the medication list").add_subparsers(
        dest="action", required=True
    )
    p = med.add_parser("add", help="add a drug, or record the last dose of a listed one")
    p.add_argument("--mrn", required=True)
    p.add_argument("--drug", required=True)
    p.add_argument("--last-dose", help="YYYY-MM-DDTHH:MM, clinic-local")
    p.add_argument(
        "--indication",
        choices=["primary", "secondary"],
        help="for aspirin: primary or secondary prevention",
    )
    p.set_defaults(handler=_med_add)

    lab = sub.add_parser("lab", help="INR and CrCl results").add_subparsers(
        dest="action", required=True
    )
    p = lab.add_parser("add")
    p.add_argument("--mrn", required=True)
    p.add_argument("--test", required=True, help="INR or CrCl")
    p.add_argument("--value", required=True)
    p.add_argument("--at", required=True, help="when the sample was taken")
    p.set_defaults(handler=_lab_add)

    clr = sub.add_parser("clearance", help="prescriber clearances").add_subparsers(
        dest="action", required=True
    )
    p = clr.add_parser("add")
    p.add_argument("--mrn", required=True)
    p.add_argument("--drug", required=True)
    p.add_argument("--by", required=True, help="the prescriber who cleared it")
    p.add_argument("--note")
    p.set_defaults(handler=_clearance_add)

    drv = sub.add_parser("driver", help="the adult who drives the patient home").add_subparsers(
        dest="action", required=True
    )
    p = drv.add_parser("set")
    p.add_argument("id", help="appointment id")
    p.add_argument("--name", required=True)
    p.add_argument("--phone", required=True)
    p.add_argument("--relationship")
    p.set_defaults(handler=_driver_set)

    p = sub.add_parser("prep", help="the prep state of an appointment")
    p.add_argument("id")
    p.set_defaults(handler=_prep)

    p = sub.add_parser("readiness", help="readiness of a day's appointments")
    p.add_argument("--date", required=True)
    p.set_defaults(handler=_readiness)

    p = sub.add_parser("worklist", help="calls to make, soonest deadline first")
    p.set_defaults(handler=_worklist)

    p = sub.add_parser("called", help="record a worklist call and its outcome")
    p.add_argument("id", help="appointment id")
    p.add_argument("--outcome", required=True)
    p.add_argument("--note")
    p.set_defaults(handler=_called)

    p = sub.add_parser("checklist", help="the day-of checklist: show, or tick an item")
    p.add_argument("id", help="appointment id")
    p.add_argument("verb", nargs="?", choices=["tick"])
    p.add_argument("item", nargs="?")
    p.add_argument("--state", choices=["confirmed", "not-applicable", "not-done"])
    p.add_argument("--note")
    p.add_argument("--last-solids", help="for npo: time of the last solid food")
    p.add_argument("--last-clear-liquids", help="for npo: time of the last clear liquid")
    p.set_defaults(handler=_checklist)

    p = sub.add_parser("override", help="provider override of a requirement, with a reason")
    p.add_argument("id")
    p.add_argument(
        "--requirement", required=True, choices=["imaging", "anticoagulation", "fasting", "driver"]
    )
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_override)

    p = sub.add_parser("complete", help="the procedure is done (needs readiness)")
    p.add_argument("id")
    p.set_defaults(handler=_complete)


def _imaging_add(ctx: "Context") -> Any:
    from mild_desk.services import prep

    a = ctx.args
    return prep.add_imaging(
        ctx.db,
        ctx.actor,
        mrn=a.mrn,
        modality=a.modality,
        study_date=a.date,
        lf_mm=a.lf_mm,
        levels=a.levels,
    )


def _med_add(ctx: "Context") -> Any:
    from mild_desk.services import prep

    a = ctx.args
    return prep.add_medication(
        ctx.db, ctx.actor, mrn=a.mrn, drug=a.drug, last_dose=a.last_dose, indication=a.indication
    )


def _lab_add(ctx: "Context") -> Any:
    from mild_desk.services import prep

    a = ctx.args
    return prep.add_lab(ctx.db, ctx.actor, mrn=a.mrn, test=a.test, value=a.value, taken_at=a.at)


def _clearance_add(ctx: "Context") -> Any:
    from mild_desk.services import prep

    a = ctx.args
    return prep.add_clearance(ctx.db, ctx.actor, mrn=a.mrn, drug=a.drug, by=a.by, note=a.note)


def _driver_set(ctx: "Context") -> Any:
    from mild_desk.services import prep

    a = ctx.args
    return prep.set_driver(
        ctx.db, ctx.actor, a.id, name=a.name, phone=a.phone, relationship=a.relationship
    )


def _prep(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.prep(ctx.db, ctx.actor, ctx.args.id)


def _readiness(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.readiness(ctx.db, ctx.actor, ctx.args.date)


def _worklist(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.worklist(ctx.db, ctx.actor)


def _called(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.record_call(
        ctx.db, ctx.actor, ctx.args.id, outcome=ctx.args.outcome, note=ctx.args.note
    )


def _checklist(ctx: "Context") -> Any:
    from mild_desk.errors import InvalidInput
    from mild_desk.services import prep

    a = ctx.args
    if a.verb is None:
        return prep.checklist(ctx.db, ctx.actor, a.id)
    if not a.item or not a.state:
        raise InvalidInput("give the item and --state", field="item" if not a.item else "state")
    return prep.tick(
        ctx.db,
        ctx.actor,
        a.id,
        item=a.item,
        state=a.state,
        note=a.note,
        last_solids=a.last_solids,
        last_clear_liquids=a.last_clear_liquids,
    )


def _override(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.override(
        ctx.db, ctx.actor, ctx.args.id, requirement=ctx.args.requirement, reason=ctx.args.reason
    )


def _complete(ctx: "Context") -> Any:
    from mild_desk.services import prep

    return prep.complete(ctx.db, ctx.actor, ctx.args.id)
