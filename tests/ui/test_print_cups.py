"""A real printer: a checklist printed through the app's print path (QPrinter to the CUPS queue
"PDF", served by cups-pdf) arrives as a PDF with the right page count.

scripts/test.sh starts cupsd and adds the queue where CUPS is installed and it runs as root
(DESIGN.md, platform facts). Elsewhere this test skips and says why. cups-pdf's files carry no
extractable text (Ghostscript redraws the pages), so the check is the file and its page count;
the text is checked on the reportlab PDF itself (tests/unit/test_printing.py).
"""

import getpass
import io
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from pytestqt.qtbot import QtBot

from mild_desk.services import appointments, audit
from mild_desk.services.documents import DocumentKind
from mild_desk.ui.printing import DocumentPrinter
from tests.ui.conftest import TUESDAY, Demo

QUEUE = "PDF"
CONF = Path("/etc/cups/cups-pdf.conf")
ARRIVAL_SECONDS = 90


def cups_problem() -> str | None:
    """Why the real-printer test cannot run here, or None."""
    if shutil.which("lpstat") is None:
        return "CUPS is not installed (Debian packages cups and printer-driver-cups-pdf)"
    status = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, timeout=10)
    if "is running" not in status.stdout:
        return "the CUPS scheduler (cupsd) is not running"
    queue = subprocess.run(["lpstat", "-p", QUEUE], capture_output=True, text=True, timeout=10)
    if queue.returncode != 0:
        return f"CUPS has no printer queue named {QUEUE} (scripts/test.sh adds it as root)"
    return None


def output_folders() -> list[Path]:
    """Where cups-pdf writes: its `Out` setting (default ~/PDF) and its anonymous folder."""
    settings = {"Out": "${HOME}/PDF", "AnonDirName": "/var/spool/cups-pdf/ANONYMOUS"}
    if CONF.is_file():
        for line in CONF.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"^\s*(Out|AnonDirName)\s+(\S+)", line)
            if match:
                settings[match.group(1)] = match.group(2)
    user = getpass.getuser()
    return [
        Path(value.replace("${HOME}", str(Path.home())).replace("${USER}", user))
        for value in settings.values()
    ]


def pdfs_in(folders: list[Path]) -> set[Path]:
    return {p for folder in folders if folder.is_dir() for p in folder.glob("*.pdf")}


def wait_for_new_pdf(folders: list[Path], before: set[Path], token: str) -> Path:
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while time.monotonic() < deadline:
        new = sorted(pdfs_in(folders) - before, key=lambda p: token not in p.name)
        for path in new:
            try:
                size = path.stat().st_size
                time.sleep(0.3)
                if size and size == path.stat().st_size:
                    PdfReader(io.BytesIO(path.read_bytes()))
                    return path
            except Exception:  # still being written
                continue
        time.sleep(0.5)
    raise AssertionError(
        f"no PDF arrived in {', '.join(map(str, folders))} within {ARRIVAL_SECONDS} s"
    )


@pytest.mark.slow
def test_a_checklist_printed_to_the_cups_pdf_queue_arrives_whole(
    demo_clinic: Demo, qtbot: QtBot
) -> None:
    problem = cups_problem()
    if problem:
        pytest.skip(f"no real printer: {problem}")
    if QPrinterInfo.printerInfo(QUEUE).isNull():
        pytest.skip(f"no real printer: Qt's CUPS support does not list the {QUEUE} queue")
    nurse = demo_clinic.actor("nurse")
    appt = int(appointments.on_date(demo_clinic.db, nurse, TUESDAY)[0].id)
    printer_ = DocumentPrinter(demo_clinic.db, nurse)
    job = printer_.make(DocumentKind.CHECKLIST, appt)
    assert job.rendered.pages >= 1

    token = f"mild-desk-test-{uuid.uuid4().hex[:10]}"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(QUEUE)
    printer.setDocName(token)
    assert printer.isValid()
    assert printer.outputFormat() is QPrinter.OutputFormat.NativeFormat

    folders = output_folders()
    before = pdfs_in(folders)
    printer_.print_to(printer, job)
    arrived = wait_for_new_pdf(folders, before, token)
    try:
        assert len(PdfReader(io.BytesIO(arrived.read_bytes())).pages) == job.rendered.pages
    finally:
        arrived.unlink(missing_ok=True)
    events = [
        e.after["via"]
        for e in audit.history(demo_clinic.db, nurse, entity="appointment", entity_id=appt)
        if e.action == "print.checklist"
    ]
    assert events == ["printer"]
