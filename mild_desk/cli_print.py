"""`mild-desk print`: the day-of checklist, prep letter, discharge sheet and day packet as PDF
files. Every print is an audit event, written before the file appears."""

import argparse
from typing import TYPE_CHECKING, Any

from mild_desk.errors import InvalidInput
from mild_desk.services.files import out_path

if TYPE_CHECKING:
    from mild_desk.cli import Context
    from mild_desk.printing.render import RenderedPdf
    from mild_desk.services.documents import PrintRecord

_DOCUMENTS = (
    ("checklist", "the day-of checklist (staff form, English)"),
    ("prep-letter", "the patient's prep letter (given at booking)"),
    ("discharge", "discharge instructions (a DRAFT until fulfilled and the driver is confirmed)"),
)


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    prt = sub.add_parser("print", help="print a document to a PDF file").add_subparsers(
        dest="action", required=True
    )
    for name, helptext in _DOCUMENTS:
        p = prt.add_parser(name, help=helptext)
        p.add_argument("id", help="appointment id")
        p.add_argument("--out", required=True, metavar="FILE", help="the PDF file to write")
        p.add_argument(
            "--lang",
            choices=["en", "es"],
            help="language of the patient text (default: the patient's preferred language)",
        )
        p.set_defaults(handler=_print_appointment, document=name)
    p = prt.add_parser("day", help="the day list and every patient's checklist, one PDF")
    p.add_argument("--date", required=True, help="YYYY-MM-DD (clinic-local)")
    p.add_argument("--out", required=True, metavar="FILE", help="the PDF file to write")
    p.set_defaults(handler=_print_day, document="day")


def _print_appointment(ctx: "Context") -> Any:
    from mild_desk.printing import render
    from mild_desk.services import documents
    from mild_desk.services.documents import DocumentKind

    a = ctx.args
    kind = DocumentKind(a.document)
    out = out_path(a.out)
    if kind is DocumentKind.CHECKLIST and a.lang not in (None, "en"):
        raise InvalidInput(
            "the day-of checklist is a staff form printed in English; --lang is for the "
            "prep letter and the discharge sheet",
            field="lang",
        )
    data = documents.document_data(ctx.db, ctx.actor, a.id, kind=kind)
    pdf = render.appointment_pdf(kind.value, data, a.lang)
    record = documents.write_recorded(
        out, pdf.pdf, lambda: _record(ctx, kind, data.appointment.id, pdf, str(out))
    )
    return record if a.json else _summary(record, pdf)


def _print_day(ctx: "Context") -> Any:
    from mild_desk.printing import render
    from mild_desk.services import documents
    from mild_desk.services.documents import DocumentKind

    out = out_path(ctx.args.out)
    packet = documents.day_data(ctx.db, ctx.actor, ctx.args.date)
    pdf = render.day_packet_pdf(packet)
    ids = tuple(int(d.appointment.id) for d in packet.documents)
    record = documents.write_recorded(
        out,
        pdf.pdf,
        lambda: _record(ctx, DocumentKind.DAY, packet.day, pdf, str(out), ids),
    )
    return record if ctx.args.json else _summary(record, pdf)


def _record(
    ctx: "Context",
    kind: Any,
    entity_id: Any,
    pdf: "RenderedPdf",
    out: str,
    ids: tuple[int, ...] = (),
) -> "PrintRecord":
    from mild_desk.services import documents

    return documents.record_print(
        ctx.db,
        ctx.actor,
        kind=kind,
        entity_id=entity_id,
        lang=pdf.lang,
        pages=pdf.pages,
        final=pdf.final,
        sha256=pdf.sha256,
        via="cli",
        appointments_printed=ids,
        out=out,
    )


def _summary(record: "PrintRecord", pdf: "RenderedPdf") -> str:
    draft = "" if pdf.final else " — DRAFT, not for discharge"
    what = (
        f"day packet for {record.entity_id}"
        if record.entity == "day"
        else f"{record.document.value} for appointment {record.entity_id}"
    )
    return f"wrote {record.out}: {what}, {pdf.pages} page(s), {pdf.lang}{draft}"
