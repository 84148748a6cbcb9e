"""Document data in, PDF bytes out: the four printed documents (reportlab, no database, no Qt)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mild_desk.printing import checklist, day, letters
from mild_desk.printing.formats import staff_moment
from mild_desk.printing.layout import PATIENT_MARGIN, STAFF_MARGIN, Section, build
from mild_desk.printing.templates import LANGUAGES

if TYPE_CHECKING:
    from mild_desk.services.documents import DayData, DocumentData

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """One printed document as PDF bytes, with what its audit event records."""

    kind: str
    pdf: bytes
    pages: int
    lang: str
    final: bool
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def appointment_pdf(kind: str, data: "DocumentData", lang: str | None = None) -> RenderedPdf:
    """One appointment's document by kind ("checklist", "prep-letter", "discharge"). `lang`
    None prints patient text in the patient's preferred language; the discharge sheet is a
    DRAFT unless the appointment is fulfilled with the driver confirmed present."""
    from mild_desk.services.documents import discharge_problems, language

    if kind == "checklist":
        return checklist_pdf(data)
    if kind == "prep-letter":
        return prep_letter_pdf(data, language(data, lang))
    if kind == "discharge":
        return discharge_pdf(data, language(data, lang), discharge_problems(data))
    raise ValueError(f"{kind} is not an appointment document")


def checklist_pdf(data: "DocumentData") -> RenderedPdf:
    """The day-of checklist (staff form, English)."""
    tz = data.tz
    pdf, pages = build(
        checklist.story(data),
        title=f"{checklist.TITLE}: {data.appointment.patient_name}",
        author=data.clinic.name,
        subject=f"Appointment {data.appointment.id}, {staff_moment(data.appointment.start, tz)}",
        margin=STAFF_MARGIN,
    )
    return RenderedPdf("checklist", pdf, pages, "en", True, _filename("checklist", data))


def prep_letter_pdf(data: "DocumentData", lang: str) -> RenderedPdf:
    """The patient's prep letter in `lang` (en or es)."""
    _check(lang)
    story = letters.prep_letter_story(data, lang)
    pdf, pages = build(
        story,
        title=f"Prep letter: {data.appointment.patient_name}",
        author=data.clinic.name,
        subject=f"Appointment {data.appointment.id}",
        margin=PATIENT_MARGIN,
    )
    return RenderedPdf("prep-letter", pdf, pages, lang, True, _filename("prep-letter", data, lang))


def discharge_pdf(data: "DocumentData", lang: str, problems: tuple[str, ...]) -> RenderedPdf:
    """Discharge instructions in `lang`; with `problems` (why it may not be final) every page
    carries the "DRAFT — not for discharge" watermark."""
    _check(lang)
    pdf, pages = build(
        letters.discharge_story(data, lang, problems),
        title=f"Discharge instructions: {data.appointment.patient_name}"
        + (" (DRAFT)" if problems else ""),
        author=data.clinic.name,
        subject=f"Appointment {data.appointment.id}",
        margin=PATIENT_MARGIN,
    )
    name = _filename("discharge" + ("-DRAFT" if problems else ""), data, lang)
    return RenderedPdf("discharge", pdf, pages, lang, not problems, name)


def day_packet_pdf(packet: "DayData", progress: Progress | None = None) -> RenderedPdf:
    """The day list and then each patient's checklist. `progress(done, total)` is called as
    each patient's checklist is laid out."""
    total = len(packet.documents)
    started: set[str] = set()

    def on_drawn(section: Section) -> None:
        if progress and section.key.startswith("checklist-") and section.key not in started:
            started.add(section.key)
            progress(len(started), total)

    pdf, pages = build(
        day.story(packet, on_drawn),
        title=f"{day.TITLE} {packet.day.isoformat()}",
        author=packet.clinic.name,
        subject=f"{total} appointment(s)",
        margin=STAFF_MARGIN,
    )
    return RenderedPdf("day", pdf, pages, "en", True, f"day-packet-{packet.day.isoformat()}.pdf")


def _filename(kind: str, data: "DocumentData", lang: str | None = None) -> str:
    when = data.appointment.start.astimezone(data.tz).date().isoformat()
    safe_mrn = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in data.patient.mrn)
    suffix = f"-{lang}" if lang else ""
    return f"{kind}-{safe_mrn}-{when}{suffix}.pdf"


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"no patient templates in {lang!r}")
