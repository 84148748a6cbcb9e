"""The day-of checklist (a staff form, in English): who, what, the prep facts and every item."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mild_desk.models.enums import ChecklistState, RequirementStatus
from mild_desk.printing import fonts
from mild_desk.printing.formats import (
    EN_DASH,
    age_on,
    birth_date,
    initials,
    levels_text,
    staff_date,
    staff_moment,
    staff_moment_near,
    staff_time,
)
from mild_desk.printing.layout import (
    PAGE_WIDTH,
    STAFF_MARGIN,
    Section,
    color,
    section_mark,
    text,
)
from mild_desk.rules.checklist import PHASES

if TYPE_CHECKING:
    from mild_desk.services.documents import DocumentData

TITLE = "Day-of checklist — MILD"
PROCEDURE = "MILD — minimally invasive lumbar decompression"
WIDTH = PAGE_WIDTH - 2 * STAFF_MARGIN
PHASE_TITLES = {
    "pre-op": "Pre-op (nurse, before the patient goes in)",
    "sign-in": "Sign-in (before sedation)",
    "time-out": "Time-out (immediately before starting)",
    "sign-out": "Sign-out (before the patient leaves the room)",
}
BOX = {
    None: "☐",
    ChecklistState.CONFIRMED: "☑",
    ChecklistState.NOT_APPLICABLE: "—",
    ChecklistState.NOT_DONE: "☒",
}
STATE_TEXT = {
    None: "",
    ChecklistState.CONFIRMED: "confirmed",
    ChecklistState.NOT_APPLICABLE: "not applicable",
    ChecklistState.NOT_DONE: "NOT DONE",
}
GAP = "\u2003"
NOTE_MAX = 240
"""A tick's note is cut here on paper (notes may hold 2,000 characters; the app shows them
whole), so one row can never outgrow a page."""
_GRID = "#9a9a9a"
_SHADE = "#eeeeee"
_BLACK = "#000000"


def section_for(data: "DocumentData", key: str | None = None) -> Section:
    appt, patient = data.appointment, data.patient
    return Section(
        key=key or f"checklist-{appt.id}",
        footer=(
            f"{data.clinic.name} · {TITLE} · appointment {appt.id} · printed "
            f"{staff_moment(data.printed_at, data.tz)} by {data.printed_by}"
        ),
        running_header=(
            f"{appt.patient_name} · MRN {patient.mrn} · DOB {birth_date(patient.dob)} · "
            f"{staff_moment(appt.start, data.tz)} — checklist, continued"
        ),
        page_label=lambda page, pages: f"Page {page} of {pages}",
    )


def story(
    data: "DocumentData",
    *,
    section_key: str | None = None,
    on_drawn: Callable[[Section], None] | None = None,
) -> list[Any]:
    """The checklist's flowables (one or two pages)."""
    from reportlab.platypus import KeepTogether, Spacer

    flow: list[Any] = [section_mark(section_for(data, section_key), on_drawn)]
    flow += _header(data)
    flow.append(Spacer(1, 5))
    flow.append(_alerts(data))
    flow.append(_requirements(data))
    flow.append(_medications(data))
    for phase in PHASES:
        lines = [line for line in data.checklist if line.phase == phase]
        if lines:
            flow.append(_items(data, PHASE_TITLES.get(phase, phase), lines))
    flow.append(KeepTogether([Spacer(1, 10), _signatures()]))
    return flow


# --- parts -------------------------------------------------------------------------------


def _header(data: "DocumentData") -> list[Any]:
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.platypus import Spacer, Table, TableStyle

    appt, patient, tz = data.appointment, data.patient, data.tz
    day = appt.start.astimezone(tz).date()
    side = f" · {appt.laterality.value}" if appt.laterality else ""
    levels = levels_text(appt.levels) or "levels not recorded"
    left = [
        text(appt.patient_name, "staff-name"),
        text(
            [
                ("MRN ", True),
                (f"{patient.mrn}{GAP}", False),
                ("DOB ", True),
                (f"{birth_date(patient.dob)} (age {age_on(patient.dob, day)}){GAP}", False),
                ("Language ", True),
                (patient.preferred_language, False),
            ],
            "staff",
        ),
        text([("Procedure ", True), (PROCEDURE, False)], "staff"),
        text([("Levels ", True), (levels + side, False)], "staff"),
        text(
            [
                ("Date ", True),
                (f"{staff_date(day)}{GAP}", False),
                ("Time ", True),
                (f"{staff_time(appt.start, tz)}{EN_DASH}{staff_time(appt.end, tz)}{GAP}", False),
                ("Arrive ", True),
                (staff_moment_near(data.prep.arrival, tz, day), False),
            ],
            "staff",
        ),
        text(
            [
                ("Provider ", True),
                (f"{appt.provider_name}{GAP}", False),
                ("Room ", True),
                (appt.room_name, False),
            ],
            "staff",
        ),
        text(
            [
                ("Status ", True),
                (f"{appt.status.value}{GAP}", False),
                ("Ready ", True),
                ("yes" if data.prep.ready else "no", False),
            ],
            "staff",
        ),
    ]
    right: list[Any] = [text(data.clinic.name, "staff", bold=True)]
    if data.clinic.phone:
        right.append(text(data.clinic.phone, "staff-small"))
    if patient.mrn.isascii() and patient.mrn.isprintable():
        right.append(Spacer(1, 6))
        right.append(Code128(patient.mrn, barHeight=26, barWidth=0.85, humanReadable=False))
        right.append(text(patient.mrn, "staff-small"))
    title = text(TITLE, "staff-title")
    table = Table(
        [[[title, *left], right]],
        colWidths=[WIDTH - 170, 170],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, color(_BLACK)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )
    return [table]


def _alerts(data: "DocumentData") -> Any:
    from reportlab.platypus import Table, TableStyle

    tz = data.tz
    day = data.appointment.start.astimezone(tz).date()
    allergies = data.patient.allergies.strip()
    driver = data.driver
    rows: list[tuple[str, str, bool]] = [
        ("Allergies", allergies or "None recorded — ask", True),
    ]
    if driver is not None:
        relation = f" ({driver.relationship})" if driver.relationship else ""
        rows.append(("Driver", f"{driver.name}{relation}, {driver.phone}", False))
    else:
        rows.append(("Driver", "NOT RECORDED", True))
    fasting = data.prep.fasting
    until = data.prep.imaging.valid_until
    rows.append(
        (
            "Fasting",
            f"no solid food after {staff_moment_near(fasting.no_solids_after, tz, day)}; "
            f"clear liquids until {staff_moment_near(fasting.clear_liquids_until, tz, day)}",
            False,
        )
    )
    if until:
        rows.append(("Imaging", f"MRI/CT valid through {staff_date(until)}", False))
    else:
        rows.append(("Imaging", "NO VALID MRI/CT ON FILE", True))
    if data.patient.diabetic:
        rows.append(("Diabetic", "yes — check blood sugar", True))
    return Table(
        [[text(k, "staff", bold=True), text(v, "staff", bold=b)] for k, v, b in rows],
        colWidths=[70, WIDTH - 70],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("BOX", (0, 0), (-1, -1), 1, color(_BLACK)),
                ("BACKGROUND", (0, 0), (0, -1), color(_SHADE)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )


def _requirements(data: "DocumentData") -> Any:
    rows = [["Requirement", "Status", "Detail"]]
    body: list[list[Any]] = []
    for req in data.prep.requirements:
        status = req.status.value
        detail = req.detail
        if req.status is RequirementStatus.OVERRIDDEN and req.override_reason:
            status = f"overridden (was {req.underlying.value})"
            detail = f"{detail} Override: {req.override_reason}"
        body.append(
            [
                text(req.key.value, "staff-small"),
                text(status, "staff-small", bold=req.status is RequirementStatus.UNMET),
                text(detail, "staff-small"),
            ]
        )
    if data.prep.checklist_missing:
        body.append(
            [
                text("checklist", "staff-small"),
                text("open", "staff-small"),
                text(
                    f"{len(data.prep.checklist_missing)} required item(s) not yet done",
                    "staff-small",
                ),
            ]
        )
    return _grid(rows, body, [80, 95, WIDTH - 175], title="Readiness")


def _medications(data: "DocumentData") -> Any:
    tz = data.tz
    head = [["Drug", "Required hold", "Last allowed dose", "Recorded last dose", "Status"]]
    body: list[list[Any]] = []
    for med in data.prep.medications:
        hold = med.hold_text if med.hold_hours is None else f"{med.hold_hours} h ({med.hold_text})"
        status = med.status.value + ("; prescriber clearance" if med.needs_clearance else "")
        body.append(
            [
                text(med.drug, "staff-small", bold=True),
                text(hold, "staff-small"),
                text(
                    staff_moment(med.last_allowed_dose, tz)
                    if med.last_allowed_dose
                    else "no fixed time — prescriber decides",
                    "staff-small",
                ),
                text(
                    staff_moment(med.recorded_last_dose, tz)
                    if med.recorded_last_dose
                    else "not recorded",
                    "staff-small",
                ),
                text(status, "staff-small", bold=med.status is RequirementStatus.UNMET),
            ]
        )
    if not body:
        body.append([text("No medications on the list.", "staff-small"), "", "", "", ""])
    return _grid(
        head, body, [100, 100, 108, 108, WIDTH - 416], title="Medications (blood-thinner holds)"
    )


def _items(data: "DocumentData", title: str, lines: list[Any]) -> Any:
    tz = data.tz
    day = data.appointment.start.astimezone(tz).date()
    head = [["", "Item", "State", "By / time", "Note"]]
    body: list[list[Any]] = []
    for line in lines:
        label = line.label + ("" if line.required else "  (optional for this patient)")
        who = ""
        if line.by and line.at:
            who = f"{initials(line.by)} {staff_moment_near(line.at, tz, day)}"
        body.append(
            [
                text(BOX[line.state], "staff"),
                text(label, "staff-small" if line.required else "staff-grey"),
                text(
                    STATE_TEXT[line.state],
                    "staff-small",
                    bold=line.state is ChecklistState.NOT_DONE,
                ),
                text(who, "staff-small"),
                text(_clip(line.note, NOTE_MAX), "staff-small"),
            ]
        )
    return _grid(head, body, [16, 240, 72, 78, WIDTH - 406], title=title)


def _signatures() -> Any:
    from reportlab.platypus import Table, TableStyle

    cells = [
        ["Pre-op nurse signature", "", "Time", ""],
        ["Provider signature", "", "Time", ""],
    ]
    return Table(
        cells,
        colWidths=[120, 230, 40, WIDTH - 390],
        rowHeights=[24, 24],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9),
                ("LINEBELOW", (1, 0), (1, -1), 0.8, color(_BLACK)),
                ("LINEBELOW", (3, 0), (3, -1), 0.8, color(_BLACK)),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        ),
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _grid(
    head: list[list[str]], body: list[list[Any]], widths: list[float], title: str = ""
) -> Any:
    """A ruled table with a header row; a `title` row above it stays with the first rows and
    repeats, with the header, on the next page when the table splits."""
    from reportlab.platypus import Table, TableStyle

    header = [[text(h, "staff-small", bold=True) for h in head[0]]]
    top = [[text(title, "staff-h2")] + [""] * (len(widths) - 1)] if title else []
    first = 1 if title else 0
    return Table(
        top + header + body,
        colWidths=widths,
        repeatRows=first + 1,
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                *(
                    [
                        ("SPAN", (0, 0), (-1, 0)),
                        ("LEFTPADDING", (0, 0), (0, 0), 0),
                        ("TOPPADDING", (0, 0), (0, 0), 7),
                    ]
                    if title
                    else []
                ),
                *(
                    ("SPAN", (0, first + 1 + n), (-1, first + 1 + n))
                    for n, row in enumerate(body)
                    if all(cell == "" for cell in row[1:])
                ),
                ("GRID", (0, first), (-1, -1), 0.4, color(_GRID)),
                ("BACKGROUND", (0, first), (-1, first), color(_SHADE)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
