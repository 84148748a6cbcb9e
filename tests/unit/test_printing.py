"""The printed documents, from hand-made read models (no database): read back with pypdf."""

import io
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from mild_desk.models.enums import (
    AppointmentStatus,
    ChecklistState,
    Laterality,
    RequirementKey,
    RequirementStatus,
)
from mild_desk.models.types import AppointmentId, PatientId, ProviderId, RoomId
from mild_desk.printing import render
from mild_desk.printing.layout import PATIENT_MIN_PT
from mild_desk.resources import checklist_items
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.clinic import ClinicRead
from mild_desk.services.documents import DayData, DocumentData, DriverRead, discharge_problems
from mild_desk.services.patients import PatientRead
from mild_desk.services.prep import (
    ChecklistLine,
    Fasting,
    ImagingValidity,
    MedicationLine,
    PrepReport,
    RequirementLine,
)

TZ = ZoneInfo("America/Chicago")
UNICODE_NAME = ("Zoë Łukasz", "Nguyễn-Ωmega 山田")
# Tue 1 Dec 2026 08:00 in Chicago is 14:00 UTC: a test that printed UTC would show 14:00.
START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def make_data(
    *,
    first: str = UNICODE_NAME[0],
    last: str = UNICODE_NAME[1],
    status: AppointmentStatus = AppointmentStatus.BOOKED,
    states: dict[str, ChecklistState] | None = None,
    appointment_id: int = 7,
    start: datetime = START,
    driver: bool = True,
    follow_up: bool = True,
    medications: bool = True,
    language: str = "en",
) -> DocumentData:
    """A believable appointment's document data, built by hand."""
    end = start + timedelta(hours=1)
    clinic = ClinicRead(
        name="Lakeside Spine & Pain",
        phone="555-0100",
        timezone=TZ.key,
        idle_lock_minutes=10,
        max_failed_logins=5,
        lockout_minutes=15,
        backup_keep_days=14,
    )
    patient = PatientRead(
        id=PatientId(3),
        mrn="MRN-0042",
        first_name=first,
        last_name=last,
        dob=date(1951, 4, 9),
        phone="555-0199",
        preferred_language=language,
        referring_physician="",
        allergies="latex; iodinated contrast (hives)",
        diabetic=True,
        pregnancy_possible=False,
    )
    appt = AppointmentRead(
        id=AppointmentId(appointment_id),
        status=status,
        start=start,
        end=end,
        provider_id=ProviderId(1),
        provider_name="Dr. Ōta Ingrid",
        room_id=RoomId(2),
        room_name="Procedure Room 2",
        patient_id=patient.id,
        patient_mrn=patient.mrn,
        patient_name=f"{last}, {first}",
        levels="L3-L4,L4-L5",
        laterality=Laterality.BILATERAL,
        replaces_id=None,
        cancelled_by=None,
        cancel_reason=None,
        version=1,
        updated_at=start - timedelta(days=10),
    )
    meds = (
        MedicationLine(
            1,
            "naproxen",
            "naproxen",
            96,
            "4 days",
            start - timedelta(hours=96),
            start - timedelta(days=6),
            end + timedelta(hours=24),
            RequirementStatus.MET,
            False,
            "ok",
        ),
        MedicationLine(
            2,
            "clopidogrel",
            "clopidogrel",
            168,
            "7 days",
            start - timedelta(hours=168),
            None,
            end + timedelta(hours=24),
            RequirementStatus.PENDING,
            True,
            "clearance needed",
        ),
        MedicationLine(
            3,
            "fish oil",
            "herbal_supplements",
            None,
            "no verified fixed hold; prescriber decision",
            None,
            None,
            None,
            RequirementStatus.PENDING,
            True,
            "clearance needed",
        ),
    )
    states = states or {}
    at = start - timedelta(minutes=50)
    lines = tuple(
        ChecklistLine(
            key=item.key,
            phase=item.phase,
            label=item.label,
            required=item.required and item.condition in (None, "diabetic"),
            state=states.get(item.key),
            by="Nina Okafor" if item.key in states else None,
            at=at if item.key in states else None,
            note="",
            roles=tuple(sorted(item.roles)),
        )
        for item in checklist_items()
    )
    report = PrepReport(
        appointment_id=appt.id,
        ready=False,
        requirements=(
            RequirementLine(
                RequirementKey.IMAGING,
                RequirementStatus.MET,
                "MRI on file",
                None,
                None,
                RequirementStatus.MET,
                None,
            ),
            RequirementLine(
                RequirementKey.DRIVER,
                RequirementStatus.MET if driver else RequirementStatus.PENDING,
                "driver",
                None if driver else start - timedelta(days=1),
                None,
                RequirementStatus.MET,
                None,
            ),
        ),
        medications=meds if medications else (),
        fasting=Fasting(start - timedelta(hours=6), start - timedelta(hours=2)),
        imaging=ImagingValidity(1, date(2027, 5, 1)),
        checklist_missing=("identity",),
        earliest_feasible_start=None,
        arrival=start - timedelta(minutes=30),
    )
    later = replace(
        appt,
        id=AppointmentId(appointment_id + 100),
        start=start + timedelta(days=14, hours=2),
        end=start + timedelta(days=14, hours=3),
    )
    return DocumentData(
        clinic=clinic,
        patient=patient,
        appointment=appt,
        prep=report,
        checklist=lines,
        driver=DriverRead("Łucja Ōkubo", "555-0123", "daughter") if driver else None,
        follow_up=later if follow_up else None,
        printed_at=start - timedelta(hours=2),
        printed_by="Nina Okafor",
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """Extracted text with line breaks and repeated spaces folded (wrapping moves them)."""
    return re.sub(r"\s+", " ", text)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def font_sizes(pdf: bytes) -> set[float]:
    """Every effective font size used to show text (the text matrix scale times Tf)."""
    sizes: set[float] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                sizes.add(round(size * abs(tm[3]) if tm[3] else size * abs(tm[1]), 2))

        page.extract_text(visitor_text=visit)
    return sizes


def fonts_used(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            f = font.get_object()
            descriptor = f.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            names.add(f"{f['/BaseFont']}{'' if embedded else ' (not embedded)'}")
    return names


def qpdf_check(pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed (Debian package qpdf)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the day-of checklist ----------------------------------------------------------------


def test_checklist_names_the_patient_and_clinic_local_times(tmp_path: Path) -> None:
    data = make_data(states={"identity": ChecklistState.CONFIRMED})
    pdf = render.checklist_pdf(data)
    text = flat(text_of(pdf.pdf))
    assert "Nguyễn-Ωmega 山田, Zoë Łukasz" in text
    assert "MRN MRN-0042" in text
    assert "9 Apr 1951 (age 75)" in text
    assert "Tue 1 Dec 2026" in text
    assert "08:00\u201309:00" in text  # Chicago time, not 14:00 UTC
    assert "Arrive 07:30" in text
    assert "no solid food after 02:00; clear liquids until 06:00" in text
    assert "Dr. Ōta Ingrid" in text
    assert "Procedure Room 2" in text
    assert "L3-L4, L4-L5 · bilateral" in text
    assert "Łucja Ōkubo (daughter), 555-0123" in text
    assert "latex; iodinated contrast (hives)" in text
    assert "NO 07:10" in text  # initials and clinic-local time of the recorded tick
    assert 1 <= pdf.pages <= 2 == pages(pdf.pdf)
    qpdf_check(pdf.pdf, tmp_path)


def test_checklist_carries_the_mrn_as_a_code_128_barcode_a_scanner_reads() -> None:
    import pypdfium2
    import zxingcpp

    pdf = pypdfium2.PdfDocument(render.checklist_pdf(make_data()).pdf)
    image = pdf[0].render(scale=300 / 72).to_pil()  # the first page as a 300 dpi scan
    codes = zxingcpp.read_barcodes(image)
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.Code128, "MRN-0042")]


def test_checklist_lists_every_item_and_every_medication() -> None:
    data = make_data()
    text = flat(text_of(render.checklist_pdf(data).pdf))
    for line in data.checklist:
        assert line.label in text
    for heading in ("Pre-op", "Sign-in", "Time-out", "Sign-out"):
        assert heading in text
    assert "naproxen" in text
    assert "clopidogrel" in text
    assert "fish oil" in text
    assert "Fri 27 Nov 2026 08:00" in text  # naproxen: last allowed dose, 96 h before 08:00
    assert "Wed 25 Nov 2026 08:00" in text  # naproxen: recorded last dose
    assert "no fixed time — prescriber decides" in text
    assert "Pre-op nurse signature" in text
    assert "Provider signature" in text


def test_a_long_note_is_cut_so_the_row_fits_a_page() -> None:
    data = make_data(states={"npo": ChecklistState.CONFIRMED})
    lines = tuple(
        replace(line, note="last solids at 22:00; " * 90) if line.key == "npo" else line
        for line in data.checklist
    )
    pdf = render.checklist_pdf(replace(data, checklist=lines))
    assert pdf.pages <= 2
    assert "…" in text_of(pdf.pdf)


def test_checklist_without_medications_or_driver_says_so() -> None:
    text = flat(text_of(render.checklist_pdf(make_data(driver=False, medications=False)).pdf))
    assert "No medications on the list." in text
    assert "NOT RECORDED" in text


def test_every_font_is_embedded_and_no_name_falls_back_to_a_box() -> None:
    for pdf in (
        render.checklist_pdf(make_data()).pdf,
        render.prep_letter_pdf(make_data(), "es").pdf,
    ):
        used = fonts_used(pdf)
        assert not [f for f in used if "not embedded" in f], used
        assert any("DroidSansFallback" in f for f in used)  # 山田 needs the CJK font
        assert any("DejaVuSans" in f for f in used)


# --- patient documents -------------------------------------------------------------------


def test_prep_letter_gives_clock_times_and_each_medicine(tmp_path: Path) -> None:
    pdf = render.prep_letter_pdf(make_data(), "en")
    text = flat(text_of(pdf.pdf))
    assert "For Zoë Łukasz Nguyễn-Ωmega 山田." in text
    assert "Date: Tuesday, December 1, 2026." in text
    assert "Please come at 7:30 AM." in text
    assert "Do not eat any food after 2:00 AM on Tuesday, December 1, 2026." in text
    assert "clear liquids until 6:00 AM on Tuesday, December 1, 2026" in text
    assert "naproxen: take your last dose by 8:00 AM on Friday, November 27, 2026." in text
    # A drug that needs the prescriber's word never gets a bare stop time.
    assert "clopidogrel: do not stop until your prescriber" in text
    assert "take your last dose by 8:00 AM on Tuesday, November 24, 2026" in text
    assert "fish oil: do not stop until your prescriber" in text
    assert "Your driver: Łucja Ōkubo, 555-0123." in text
    assert "Questions? Call us at 555-0100." in text
    assert pdf.final
    assert pdf.pages == pages(pdf.pdf)
    qpdf_check(pdf.pdf, tmp_path)


def test_prep_letter_without_a_driver_asks_for_one_by_the_due_time() -> None:
    text = flat(text_of(render.prep_letter_pdf(make_data(driver=False), "en").pdf))
    assert "We do not have your driver yet." in text
    assert "by 8:00 AM on Monday, November 30, 2026." in text


def test_prep_letter_in_spanish() -> None:
    text = flat(text_of(render.prep_letter_pdf(make_data(), "es").pdf))
    assert "Fecha: martes 1 de diciembre de 2026." in text
    assert "Hora de llegada: 7:30 a. m." in text
    assert "Deje de comer el martes 1 de diciembre de 2026 a las 2:00 a. m." in text
    assert "naproxen: tome la última dosis a más tardar el viernes 27 de noviembre" in text
    assert "Página 1 de" in text


def test_discharge_final_when_fulfilled_and_driver_confirmed(tmp_path: Path) -> None:
    data = make_data(
        status=AppointmentStatus.FULFILLED,
        states={"driver_present": ChecklistState.CONFIRMED},
    )
    assert discharge_problems(data) == ()
    pdf = render.discharge_pdf(data, "en", ())
    text = flat(text_of(pdf.pdf))
    assert "DRAFT" not in text
    assert "You had a MILD procedure on Tuesday, December 1, 2026." in text
    assert "at L3-L4, L4-L5, on both sides" in text
    # Restart = procedure end 09:00 + 24 h, clinic time.
    assert "naproxen: you may start it again at 9:00 AM on Wednesday, December 2, 2026." in text
    assert "clopidogrel: ask your prescriber" in text
    assert "Do not drive for 24 hours." in text
    assert "Do not take a bath or swim for 24 hours." in text
    for sign in ("fever", "Redness, swelling", "weakness or numbness", "bowels or bladder"):
        assert sign in text
    assert "Sudden, very bad back pain." in text
    assert "Your old back or leg pain comes back." in text
    assert "Your next visit is at 10:00 AM on Tuesday, December 15, 2026" in text
    assert "Call us right away at 555-0100" in text
    assert pdf.final
    qpdf_check(pdf.pdf, tmp_path)


@pytest.mark.parametrize(
    ("status", "states", "reason"),
    [
        (AppointmentStatus.ARRIVED, {"driver_present": ChecklistState.CONFIRMED}, "not marked"),
        (AppointmentStatus.FULFILLED, {}, "driver is not confirmed"),
        (AppointmentStatus.FULFILLED, {"driver_present": ChecklistState.NOT_DONE}, "driver"),
    ],
)
def test_incomplete_discharge_is_a_draft_on_every_page(
    status: AppointmentStatus, states: dict[str, ChecklistState], reason: str
) -> None:
    data = make_data(status=status, states=states)
    problems = discharge_problems(data)
    assert problems
    assert reason in " ".join(problems)
    pdf = render.discharge_pdf(data, "es", problems)
    assert not pdf.final
    reader = PdfReader(io.BytesIO(pdf.pdf))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        page_text = flat(page.extract_text())
        assert "DRAFT — not for discharge" in page_text
        assert "BORRADOR — no es para el alta" in page_text


def test_patient_documents_use_at_least_12_point_type() -> None:
    data = make_data()
    for lang in ("en", "es"):
        for pdf in (
            render.prep_letter_pdf(data, lang).pdf,
            render.discharge_pdf(data, lang, discharge_problems(data)).pdf,
        ):
            sizes = font_sizes(pdf)
            assert sizes
            assert min(sizes) >= PATIENT_MIN_PT, sorted(sizes)


def test_discharge_without_levels_side_or_follow_up() -> None:
    data = make_data(follow_up=False)
    data = replace(data, appointment=replace(data.appointment, levels="", laterality=None))
    text = flat(text_of(render.discharge_pdf(data, "en", ()).pdf))
    assert "You had a MILD procedure on Tuesday, December 1, 2026. " in text
    assert "worked on your lower back" not in text
    assert "Call us to set up your next visit." in text


# --- the day packet ----------------------------------------------------------------------


def test_day_packet_lists_the_day_then_each_checklist() -> None:
    docs = tuple(
        make_data(
            appointment_id=10 + n,
            first=name,
            last="Yamada 山田" if n == 2 else "Haddad",
            start=START + timedelta(minutes=75 * n),
        )
        for n, name in enumerate(("Ana", "Björn", "Chloé"))
    )
    packet = DayData(docs[0].clinic, date(2026, 12, 1), docs, START, "Nina Okafor")
    progress: list[tuple[int, int]] = []
    pdf = render.day_packet_pdf(packet, lambda done, total: progress.append((done, total)))
    reader = PdfReader(io.BytesIO(pdf.pdf))
    assert pdf.pages == len(reader.pages) >= 1 + len(docs)
    first = flat(reader.pages[0].extract_text())
    assert "Day list — MILD — Tue 1 Dec 2026" in first
    assert "08:00\u201309:00" in first
    assert "09:15\u201310:15" in first
    assert "10:30\u201311:30" in first
    assert "Yamada 山田, Chloé" in first
    assert "Not ready" in first
    text = flat(text_of(pdf.pdf))
    for name in ("Haddad, Ana", "Haddad, Björn", "Yamada 山田, Chloé"):
        assert f"{name} MRN MRN-0042" in text
    assert text.count("Day-of checklist — MILD") >= len(docs)
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_an_empty_day_prints_a_day_list_that_says_so() -> None:
    clinic = make_data().clinic
    pdf = render.day_packet_pdf(DayData(clinic, date(2026, 12, 25), (), START, "Nina"))
    assert pdf.pages == 1
    assert "No appointments on this day." in flat(text_of(pdf.pdf))


# --- import cost ---------------------------------------------------------------------------


def test_the_command_line_does_not_load_reportlab_until_it_prints() -> None:
    code = (
        "import sys, mild_desk.cli, mild_desk.printing.render, mild_desk.services.documents;"
        "mild_desk.cli.build_parser();"
        "print([m for m in ('reportlab', 'pypdfium2', 'PySide6') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"
