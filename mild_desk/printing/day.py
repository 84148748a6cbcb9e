"""The day packet: the day list (time, patient, provider, room, readiness), then every
patient's checklist, in one PDF."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mild_desk.models.enums import RequirementStatus
from mild_desk.printing import checklist, fonts
from mild_desk.printing.formats import EN_DASH, staff_date, staff_moment, staff_time
from mild_desk.printing.layout import (
    PAGE_WIDTH,
    STAFF_MARGIN,
    Section,
    color,
    section_mark,
    text,
)

if TYPE_CHECKING:
    from mild_desk.services.documents import DayData, DocumentData

WIDTH = PAGE_WIDTH - 2 * STAFF_MARGIN
TITLE = "Day list — MILD"


def story(day: "DayData", on_drawn: Callable[[Section], None] | None = None) -> list[Any]:
    from reportlab.platypus import PageBreak, Spacer

    flow: list[Any] = [section_mark(_section(day), on_drawn)]
    flow.append(text(f"{TITLE} — {staff_date(day.day)}", "staff-title"))
    flow.append(text(day.clinic.name, "staff", bold=True))
    ready = sum(1 for d in day.documents if d.prep.ready)
    flow.append(
        text(
            f"{len(day.documents)} appointment(s), {ready} ready. Times are clinic time "
            f"({day.clinic.timezone}). Each patient's checklist follows.",
            "staff",
        )
    )
    flow.append(Spacer(1, 8))
    flow.append(_table(day))
    for n, data in enumerate(day.documents):
        flow.append(PageBreak())
        key = f"checklist-{n}-{data.appointment.id}"
        flow += checklist.story(data, section_key=key, on_drawn=on_drawn)
    return flow


def _section(day: "DayData") -> Section:
    return Section(
        key="day-list",
        footer=(
            f"{day.clinic.name} · {TITLE} {staff_date(day.day)} · printed "
            f"{staff_moment(day.printed_at, day.tz)} by {day.printed_by}"
        ),
        running_header=f"{TITLE} — {staff_date(day.day)}, continued",
        page_label=lambda page, pages: f"Day list page {page} of {pages}",
    )


def _table(day: "DayData") -> Any:
    from reportlab.platypus import Table, TableStyle

    head = ["Time", "Patient", "Provider", "Room", "Status", "Readiness"]
    rows: list[list[Any]] = [[text(h, "staff-small", bold=True) for h in head]]
    for data in day.documents:
        appt = data.appointment
        rows.append(
            [
                text(
                    f"{staff_time(appt.start, day.tz)}{EN_DASH}{staff_time(appt.end, day.tz)}",
                    "staff",
                ),
                [
                    text(appt.patient_name, "staff", bold=True),
                    text(f"MRN {appt.patient_mrn}", "staff-small"),
                ],
                text(appt.provider_name, "staff"),
                text(appt.room_name, "staff"),
                text(appt.status.value, "staff"),
                text(_readiness(data), "staff-small", bold=not data.prep.ready),
            ]
        )
    if len(rows) == 1:
        rows.append([text("No appointments on this day.", "staff"), "", "", "", "", ""])
    return Table(
        rows,
        colWidths=[70, 124, 86, 76, 56, WIDTH - 412],
        repeatRows=1,
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                *([("SPAN", (0, 1), (-1, 1))] if not day.documents else []),
                ("GRID", (0, 0), (-1, -1), 0.4, color("#9a9a9a")),
                ("BACKGROUND", (0, 0), (-1, 0), color("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )


def _readiness(data: "DocumentData") -> str:
    if data.prep.ready:
        return "Ready"
    open_reqs = [
        f"{r.key.value} {r.status.value}"
        for r in data.prep.requirements
        if r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
    ]
    missing = len(data.prep.checklist_missing)
    if missing:
        open_reqs.append(f"{missing} checklist item(s) open")
    return "Not ready: " + "; ".join(open_reqs)
