"""The app's print path: preview, print to a QPrinter, save as PDF, and the day packet made off
the GUI thread with progress (pytest-qt, offscreen, on the demo clinic)."""

import gc
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from mild_desk.services import appointments, audit
from mild_desk.services.documents import DocumentKind
from mild_desk.ui import printing
from mild_desk.ui.printing import DayPacketJob, DocumentPrinter, PrintJob
from tests.ui.conftest import TUESDAY, Demo


def first_appointment(demo: Demo) -> int:
    return int(appointments.on_date(demo.db, demo.actor("nurse"), TUESDAY)[0].id)


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(72)  # keeps the test quick; the real print path caps at 300 dpi
    return printer


def print_actions(demo: Demo, entity: str, entity_id: object) -> list[tuple[str, str]]:
    return [
        (e.action, e.after["via"])
        for e in audit.history(demo.db, demo.actor("admin"), entity=entity, entity_id=entity_id)
        if e.action.startswith("print.")
    ]


def test_pages_render_opaque_on_white(demo_clinic: Demo, qtbot: QtBot) -> None:
    job = DocumentPrinter(demo_clinic.db, demo_clinic.actor("nurse")).make(
        DocumentKind.CHECKLIST, first_appointment(demo_clinic)
    )
    assert printing.page_count(job.rendered.pdf) == job.rendered.pages
    image = printing.render_page(job.rendered.pdf, 0, 36)
    assert (image.width(), image.height()) == (306, 396)  # US Letter at 36 dpi
    assert not image.hasAlphaChannel()
    assert image.pixelColor(2, 2).name() == "#ffffff"  # the margin is white, not transparent
    assert image.format() == QImage.Format.Format_RGB32


def test_print_to_a_printer_paints_every_page_and_is_audited(
    demo_clinic: Demo, qtbot: QtBot, tmp_path: Path
) -> None:
    printer_ = DocumentPrinter(demo_clinic.db, demo_clinic.actor("nurse"))
    appt = first_appointment(demo_clinic)
    job = printer_.make(DocumentKind.DISCHARGE, appt, lang="es")
    out = tmp_path / "qt.pdf"
    with qtbot.waitSignal(printer_.printed) as blocker:
        printer_.print_to(pdf_printer(out), job)
    assert blocker.args[0].document is DocumentKind.DISCHARGE
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == job.rendered.pages
    assert print_actions(demo_clinic, "appointment", appt) == [("print.discharge", "printer")]


def test_save_as_pdf_writes_the_searchable_file(
    demo_clinic: Demo, qtbot: QtBot, tmp_path: Path
) -> None:
    printer_ = DocumentPrinter(demo_clinic.db, demo_clinic.actor("scheduler"))
    appt = first_appointment(demo_clinic)
    job = printer_.make(DocumentKind.PREP_LETTER, appt, lang="en")
    out = tmp_path / job.rendered.filename
    record = printer_.save_as(job, out)
    assert out.read_bytes() == job.rendered.pdf
    assert out.stat().st_mode & 0o777 == 0o600  # patient data: owner-only
    assert [f.name for f in tmp_path.glob("*.pdf")] == [out.name]  # nothing staged is left
    assert record.sha256 == job.rendered.sha256
    first_page = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "How to get ready for your back procedure" in first_page
    assert print_actions(demo_clinic, "appointment", appt) == [("print.prep-letter", "pdf")]


def test_preview_shows_the_pages_and_a_cancelled_preview_prints_nothing(
    demo_clinic: Demo, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    printer_ = DocumentPrinter(demo_clinic.db, demo_clinic.actor("nurse"))
    appt = first_appointment(demo_clinic)
    job = printer_.make(DocumentKind.CHECKLIST, appt)
    painted: list[int] = []
    real_paint = printing.paint_pdf

    def spy(printer: QPrinter, pdf: bytes) -> int:
        painted.append(real_paint(printer, pdf))
        return painted[-1]

    monkeypatch.setattr(printing, "paint_pdf", spy)
    parent = QWidget()
    qtbot.add_widget(parent)

    def close_preview() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QPrintPreviewDialog)
        dialog.reject()

    QTimer.singleShot(200, close_preview)
    assert printer_.preview(job, parent) is False
    assert painted
    assert painted[0] == job.rendered.pages
    assert print_actions(demo_clinic, "appointment", appt) == []


def test_a_job_that_is_not_for_one_appointment_is_refused(demo_clinic: Demo, qtbot: QtBot) -> None:
    with pytest.raises(ValueError, match="day"):
        DocumentPrinter(demo_clinic.db, demo_clinic.actor("nurse")).make(DocumentKind.DAY, 1)


def test_day_packet_is_made_off_the_gui_thread_with_progress(
    demo_clinic: Demo, qtbot: QtBot, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.add_widget(parent)
    nurse = demo_clinic.actor("nurse")
    count = len(
        [a for a in appointments.on_date(demo_clinic.db, nurse, TUESDAY) if a.status != "cancelled"]
    )
    packet = DayPacketJob(demo_clinic.db, nurse, TUESDAY, parent)
    steps: list[tuple[int, int]] = []
    threads: list[bool] = []
    collecting: list[bool] = []  # the cyclic collector is paused while the thread works

    def on_progress(done: int, total: int) -> None:
        steps.append((done, total))

    def on_worker_progress(done: int, total: int) -> None:
        threads.append(QThread.currentThread() is not QApplication.instance().thread())
        collecting.append(gc.isenabled())

    packet._worker.progressed.connect(on_progress)
    packet._worker.progressed.connect(on_worker_progress, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(packet.ready, timeout=30_000) as blocker:
        packet.start()
    job: PrintJob = blocker.args[0]
    assert packet.wait(5_000)
    assert threads
    assert all(threads)
    assert not any(collecting)
    assert gc.isenabled()  # and back on once the packet is made
    assert steps[-1][0] == steps[-1][1] == 2 * len(job.appointment_ids)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
    assert 1 <= len(job.appointment_ids) <= count
    reader = PdfReader(io.BytesIO(job.rendered.pdf))
    assert len(reader.pages) == job.rendered.pages > len(job.appointment_ids)
    assert "Day list — MILD — Tue 3 Nov 2026" in reader.pages[0].extract_text()
    record = DocumentPrinter(demo_clinic.db, nurse).save_as(job, tmp_path / "day.pdf")
    assert record.entity == "day"
    assert record.entity_id == TUESDAY.isoformat()
    assert print_actions(demo_clinic, "day", TUESDAY.isoformat()) == [("print.day", "pdf")]


def test_day_packet_failure_is_reported_not_raised_in_the_thread(
    demo_clinic: Demo, qtbot: QtBot
) -> None:
    parent = QWidget()
    qtbot.add_widget(parent)
    packet = DayPacketJob(demo_clinic.db, demo_clinic.actor("scheduler"), TUESDAY, parent)
    with qtbot.waitSignal(packet.failed, timeout=30_000) as blocker:
        packet.start()
    assert "may not print clinical" in blocker.args[0]
    assert packet.wait(5_000)
    assert gc.isenabled()
