"""Interoperability sub-commands: `import patients`, `export patients|ics|fhir`."""

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mild_desk.cli import Context
    from mild_desk.services.interop.patient_csv import ImportReport


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    imp = sub.add_parser("import", help="bring records in from other systems").add_subparsers(
        dest="action", required=True
    )
    p = imp.add_parser(
        "patients",
        help="patients / referrals from a CSV file (UTF-8; header names the columns)",
        description=(
            "Columns (any case, any order): mrn, first, last, dob (YYYY-MM-DD), phone, "
            "preferred_language (en/es), referring_physician, allergies, diabetic, "
            "pregnancy_possible, update. A new MRN adds a patient; an MRN already on file is "
            "changed only on rows whose update column says yes. Bad rows are reported by line "
            "and skipped; the good rows are imported in one transaction."
        ),
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    p.set_defaults(handler=_import_patients)

    exp = sub.add_parser("export", help="give records out in standard formats").add_subparsers(
        dest="action", required=True
    )
    p = exp.add_parser("patients", help="every patient as CSV (the format `import` reads)")
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.set_defaults(handler=_export_patients)

    p = exp.add_parser("ics", help="a provider's appointments as an iCalendar (RFC 5545) file")
    p.add_argument("--provider", required=True, help="provider id")
    p.add_argument("--from", dest="date_from", required=True, help="first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", required=True, help="last date (YYYY-MM-DD)")
    p.add_argument("--out", required=True, metavar="FILE.ics")
    p.add_argument(
        "--full-names",
        action="store_true",
        help="put patients' names in the events (default: initials and MRN only)",
    )
    p.set_defaults(handler=_export_ics)

    p = exp.add_parser("fhir", help="the schedule as a FHIR R4 Bundle (JSON)")
    p.add_argument("--from", dest="date_from", required=True, help="first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", required=True, help="last date (YYYY-MM-DD)")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p.set_defaults(handler=_export_fhir)


def _import_patients(ctx: "Context") -> Any:
    from mild_desk.services.interop import patient_csv

    report = patient_csv.import_patients(
        ctx.db, ctx.actor, path=ctx.args.file, dry_run=ctx.args.dry_run
    )
    return report if ctx.args.json else _import_text(report)


def _import_text(report: "ImportReport") -> str:
    verb = "would import" if report.dry_run else "imported"
    lines = [
        f"{report.file}: {verb} {report.added} new, {report.updated} updated; "
        f"{report.unchanged} unchanged; {report.errors} bad row(s)"
        + (" (dry run: nothing written)" if report.dry_run else "")
    ]
    lines += [f"  line {r.line}: {r.reason}" for r in report.bad_rows]
    return "\n".join(lines)


def _export_patients(ctx: "Context") -> Any:
    from mild_desk.services.interop import patient_csv

    result = patient_csv.export_patients(ctx.db, ctx.actor, out=ctx.args.out)
    return result if ctx.args.json else f"{result.patients} patients written to {result.file}"


def _export_ics(ctx: "Context") -> Any:
    from mild_desk.services.interop import calendar_ics

    a = ctx.args
    result = calendar_ics.export_ics(
        ctx.db,
        ctx.actor,
        provider_id=a.provider,
        date_from=a.date_from,
        date_to=a.date_to,
        out=a.out,
        full_names=a.full_names,
    )
    if ctx.args.json:
        return result
    return (
        f"{result.events} appointments of {result.provider_name} "
        f"({result.cancelled} cancelled) written to {result.file}"
    )


def _export_fhir(ctx: "Context") -> Any:
    from mild_desk.services.interop import fhir_export

    a = ctx.args
    result = fhir_export.export_fhir(
        ctx.db, ctx.actor, date_from=a.date_from, date_to=a.date_to, out=a.out
    )
    if ctx.args.json:
        return result
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.resources.items()))
    return f"FHIR bundle written to {result.file}: {counts}"
