"""The patient's prep letter and discharge instructions: plain language from the templates,
large type, in English or Spanish."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mild_desk.models.enums import Laterality, RequirementKey
from mild_desk.printing import fonts
from mild_desk.printing.formats import levels_text
from mild_desk.printing.layout import (
    PAGE_WIDTH,
    PATIENT_MARGIN,
    PATIENT_MIN_PT,
    Section,
    color,
    paragraph,
    section_mark,
)
from mild_desk.printing.templates import Text

if TYPE_CHECKING:
    from mild_desk.services.documents import DocumentData
    from mild_desk.services.prep import MedicationLine

WIDTH = PAGE_WIDTH - 2 * PATIENT_MARGIN
DRAFT = "DRAFT — not for discharge"
DRAFT_LOCAL = {"es": "BORRADOR — no es para el alta"}


def prep_letter_story(data: "DocumentData", lang: str) -> list[Any]:
    t = Text("prep_letter", lang)
    tz, prep = data.tz, data.prep
    flow = _top(data, t, "prep-letter", ())
    flow += _paragraphs([t("intro")])
    flow.append(_heading(t("visit_heading")))
    appt = data.appointment
    flow += _paragraphs(
        [
            t("visit_date", date=t.date_text(appt.start.astimezone(tz).date())),
            t("visit_arrive", arrival=t.time_text(prep.arrival, tz)),
            t("visit_start", start=t.time_text(appt.start, tz)),
            t("visit_doctor", provider=appt.provider_name),
        ]
    )
    flow.append(_heading(t("food_heading")))
    flow += _paragraphs(
        [
            t("food_stop", no_solids=t.moment(prep.fasting.no_solids_after, tz)),
            t("liquids_until", clear_until=t.moment(prep.fasting.clear_liquids_until, tz)),
            t("liquids_list"),
            t("pills"),
        ]
    )
    flow.append(_heading(t("meds_heading")))
    lines = [_prep_med_line(t, med, data) for med in prep.medications]
    if lines:
        flow += _paragraphs([t("meds_intro")])
        flow += _bullets(lines)
    else:
        flow += _paragraphs([t("meds_none")])
    flow += _paragraphs([t("meds_tell")])
    flow.append(_heading(t("driver_heading")))
    flow += _paragraphs(t.items("driver_rule"))
    if data.driver is not None:
        flow += _paragraphs(
            [t("driver_known", driver_name=data.driver.name, driver_phone=data.driver.phone)],
            bold=True,
        )
    else:
        due = next(
            (r.due for r in prep.requirements if r.key is RequirementKey.DRIVER and r.due), None
        )
        text = (
            t("driver_missing_by", driver_due=t.moment(due, tz))
            if due is not None
            else t("driver_missing")
        )
        flow += _paragraphs([text], bold=True)
    flow.append(_heading(t("bring_heading")))
    flow += _bullets([(None, s) for s in t.items("bring")])
    flow += _paragraphs([t("sick")])
    flow += _questions(data, t)
    return _keep_sections(flow)


def discharge_story(data: "DocumentData", lang: str, problems: tuple[str, ...]) -> list[Any]:
    t = Text("discharge", lang)
    tz, appt = data.tz, data.appointment
    flow = _top(data, t, "discharge", problems)
    day = t.date_text(appt.start.astimezone(tz).date())
    levels = levels_text(appt.levels)
    if levels and appt.laterality is not None:
        done = t("done_levels_side", date=day, levels=levels, side=_side(t, appt.laterality))
    elif levels:
        done = t("done_levels", date=day, levels=levels)
    else:
        done = t("done", date=day)
    flow += _paragraphs([done])
    held = [m for m in data.prep.medications if m.hold_hours is not None]
    others = [m for m in data.prep.medications if m.hold_hours is None]
    flow.append(_heading(t("meds_heading")))
    if held:
        flow += _paragraphs([t("meds_intro")])
        flow += _bullets([_restart_line(t, med, data) for med in held])
    flow += _bullets([(m.drug, t("med_ask", drug=m.drug)) for m in others])
    flow += _paragraphs([t("meds_other")])
    for heading, key in (
        ("drive_heading", "drive"),
        ("cut_heading", "cut"),
        ("activity_heading", "activity"),
        ("normal_heading", "normal"),
    ):
        flow.append(_heading(t(heading)))
        flow += _bullets([(None, s) for s in t.items(key)])
    flow.append(_heading(t("call_heading")))
    flow += _paragraphs([t("call_intro", clinic_phone=data.clinic.phone or data.clinic.name)])
    flow += _bullets([(None, s) for s in t.items("call_signs")])
    flow += _paragraphs([t("call_emergency")], bold=True)
    flow.append(_heading(t("follow_heading")))
    follow = data.follow_up
    if follow is not None:
        flow += _paragraphs(
            [
                t(
                    "follow_known",
                    when=t.moment(follow.start, tz),
                    provider=follow.provider_name,
                )
            ]
        )
    else:
        flow += _paragraphs([t("follow_none")])
    flow += _questions(data, t)
    flow.append(_signature_block(t))
    return _keep_sections(flow)


def section_for(data: "DocumentData", kind: str, lang: str, draft: bool) -> Section:
    t = Text("common", lang)
    title = Text("prep_letter" if kind == "prep-letter" else "discharge", lang)("title")
    watermark: tuple[str, ...] = ()
    if draft:
        watermark = (DRAFT, DRAFT_LOCAL[lang]) if lang in DRAFT_LOCAL else (DRAFT,)
    return Section(
        key=f"{kind}-{data.appointment.id}",
        footer=f"{data.clinic.name} · {data.patient.mrn}",
        running_header=f"{data.appointment.patient_name} · {title}",
        page_label=lambda page, pages: t("page", page=page, pages=pages),
        footer_size=PATIENT_MIN_PT,
        watermark=watermark,
    )


# --- parts -------------------------------------------------------------------------------


def _top(data: "DocumentData", t: Text, kind: str, problems: tuple[str, ...]) -> list[Any]:
    patient = data.patient
    flow: list[Any] = [section_mark(section_for(data, kind, t.lang, draft=bool(problems)))]
    if problems:
        flow.append(_draft_box(t.lang, problems))
    flow.append(paragraph(data.clinic.name, "patient-clinic"))
    if data.clinic.phone:
        flow.append(paragraph(data.clinic.phone, "patient"))
    flow.append(paragraph(t("title"), "patient-title"))
    name = f"{patient.first_name} {patient.last_name}"
    flow.append(
        paragraph(t("patient_line", patient_name=name, dob=t.birth_date(patient.dob)), "patient")
    )
    return flow


def _draft_box(lang: str, problems: tuple[str, ...]) -> Any:
    from reportlab.platypus import Table, TableStyle

    title = DRAFT if lang not in DRAFT_LOCAL else f"{DRAFT} / {DRAFT_LOCAL[lang]}"
    text = f"{title}. Not final because " + "; ".join(problems) + "."
    return Table(
        [[paragraph(text, "patient-draft")]],
        colWidths=[WIDTH],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("BOX", (0, 0), (-1, -1), 2, color("#a00000")),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        ),
    )


def _prep_med_line(t: Text, med: "MedicationLine", data: "DocumentData") -> tuple[str, str]:
    if med.hold_hours is None or med.last_allowed_dose is None:
        return med.drug, t("med_ask", drug=med.drug)
    last = t.moment(med.last_allowed_dose, data.tz)
    if med.needs_clearance:
        return med.drug, t("med_ask_first", drug=med.drug, last_dose=last)
    return med.drug, t("med_stop", drug=med.drug, last_dose=last)


def _restart_line(t: Text, med: "MedicationLine", data: "DocumentData") -> tuple[str, str]:
    if med.restart_at is None:
        return med.drug, t("med_ask", drug=med.drug)
    when = t.moment(med.restart_at, data.tz)
    key = "med_restart_ask" if med.needs_clearance else "med_restart"
    return med.drug, t(key, drug=med.drug, restart=when)


def _side(t: Text, laterality: Laterality) -> str:
    return t(f"side_{laterality.value}")


def _questions(data: "DocumentData", t: Text) -> list[Any]:
    if not data.clinic.phone:
        return []
    return [
        _spacer(6),
        paragraph(t("questions", clinic_phone=data.clinic.phone), "patient", bold=True),
    ]


def _signature_block(t: Text) -> Any:
    from reportlab.platypus import Table, TableStyle

    rows = [
        [paragraph(t("sign_patient"), "patient"), "", paragraph(t("sign_time"), "patient"), ""],
        [paragraph(t("sign_staff"), "patient"), "", paragraph(t("sign_time"), "patient"), ""],
    ]
    return Table(
        rows,
        colWidths=[165, 135, 115, WIDTH - 415],
        rowHeights=[36, 36],
        style=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("LINEBELOW", (1, 0), (1, -1), 0.8, color("#000000")),
                ("LINEBELOW", (3, 0), (3, -1), 0.8, color("#000000")),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (2, 0), (2, -1), 12),
            ]
        ),
    )


def _heading(text: str) -> Any:
    heading = paragraph(text, "patient-h2")
    heading.mild_heading = True
    return heading


def _keep_sections(flow: list[Any]) -> list[Any]:
    """Each heading with the text under it on one page (a section never starts at the foot of a
    page and goes on over the leaf)."""
    from reportlab.platypus import KeepTogether

    out: list[Any] = []
    group: list[Any] = []
    for flowable in flow:
        if getattr(flowable, "mild_heading", False):
            if group:
                out.append(KeepTogether(group))
            group = [flowable]
        elif group:
            group.append(flowable)
        else:
            out.append(flowable)
    if group:
        out.append(KeepTogether(group))
    return out


def _paragraphs(texts: list[str], *, bold: bool = False) -> list[Any]:
    return [paragraph(s, "patient", bold=bold) for s in texts]


def _bullets(lines: Sequence[tuple[str | None, str]]) -> list[Any]:
    """Bullet paragraphs; a line that starts with its drug name shows the name in bold."""
    from reportlab.platypus import Paragraph

    from mild_desk.printing.layout import styles

    out = []
    for lead, text in lines:
        if lead and text.startswith(lead):
            body = fonts.markup(lead, bold=True) + fonts.markup(text[len(lead) :])
        else:
            body = fonts.markup(text)
        out.append(Paragraph(body, styles()["patient-bullet"], bulletText="•"))
    return out


def _spacer(height: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, height)
