"""Print preview, printing to any installed printer, and saving as PDF, for every document.

The documents are reportlab PDFs (mild_desk.printing). PySide6-Essentials has no QtPdf, so a
page reaches a QPrinter as an image: pypdfium2 renders it, composited on white (its pages have
a transparent background), and a QPainter draws it scaled to the paper. "Save as PDF" writes
the reportlab file itself, so its text stays searchable. Every print or save is an audit event,
recorded before the pages go out. The day packet is made off the GUI thread with progress.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QRect, QRectF, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from mild_desk.db import Database
from mild_desk.errors import DomainError
from mild_desk.printing import render
from mild_desk.printing.render import RenderedPdf
from mild_desk.services import documents
from mild_desk.services.base import Actor
from mild_desk.services.documents import DocumentKind, PrintRecord
from mild_desk.ui.workers import pause_gc, resume_gc

MAX_DPI = 300.0
"""Pages are rendered at the printer's resolution, but never finer than this (memory)."""


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A rendered document and what its audit event is about."""

    kind: DocumentKind
    entity_id: int | date
    rendered: RenderedPdf
    appointment_ids: tuple[int, ...] = ()

    @property
    def title(self) -> str:
        return self.rendered.filename.removesuffix(".pdf")


def render_page(pdf: bytes, index: int, dpi: float) -> QImage:
    """One page as an opaque image at `dpi` (white under the transparent page background)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return _page_image(document[index], dpi)
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def paint_pdf(printer: QPrinter, pdf: bytes, *, opened: Callable[[], object] | None = None) -> int:
    """Paint every page of `pdf` on `printer`, each scaled to fit the paper; returns the number
    of pages painted. `opened` runs once the printer has accepted the job, before any page."""
    import pypdfium2

    printer.setFullPage(True)
    dpi = min(float(printer.resolution()), MAX_DPI)
    document = pypdfium2.PdfDocument(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        document.close()
        raise DomainError("the printer could not be opened", field="printer")
    painted = 0
    try:
        if opened is not None:
            opened()
        for index in range(len(document)):
            if index:
                printer.newPage()
            image = _page_image(document[index], dpi)
            paper = printer.paperRect(QPrinter.Unit.DevicePixel)
            painter.drawImage(_fit(image, paper), image)
            painted += 1
    finally:
        painter.end()
        document.close()
    return painted


class DocumentPrinter(QObject):
    """Makes an appointment's document and previews, prints or saves it, auditing each print."""

    printed = Signal(object)  # PrintRecord

    def __init__(self, db: Database, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._actor = actor

    def make(self, kind: DocumentKind, appointment_id: int, *, lang: str | None = None) -> PrintJob:
        """The document for one appointment (lang: the patient's preferred one by default)."""
        if kind is DocumentKind.DAY:
            raise ValueError(f"{kind} is not an appointment document")
        data = documents.document_data(self._db, self._actor, appointment_id, kind=kind)
        rendered = render.appointment_pdf(kind.value, data, lang)
        return PrintJob(kind, int(data.appointment.id), rendered)

    def print_to(self, printer: QPrinter, job: PrintJob, *, via: str = "printer") -> PrintRecord:
        """Open the printer, record the print, then paint every page."""
        records: list[PrintRecord] = []
        paint_pdf(
            printer, job.rendered.pdf, opened=lambda: records.append(self._record(job, via=via))
        )
        self.printed.emit(records[0])
        return records[0]

    def save_as(self, job: PrintJob, path: str | Path) -> PrintRecord:
        """Write the PDF file (owner-only) once its print is recorded."""
        target = Path(path)
        record = documents.write_recorded(
            target, job.rendered.pdf, lambda: self._record(job, via="pdf", out=str(target))
        )
        self.printed.emit(record)
        return record

    def preview(self, job: PrintJob, parent: QWidget | None = None) -> bool:
        """Show the print preview; True when the user printed from it (then it is audited)."""
        printer = _new_printer(job)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(f"Print preview — {job.title}")
        dialog.paintRequested.connect(lambda p: paint_pdf(p, job.rendered.pdf))
        accepted = dialog.exec() == QPrintPreviewDialog.DialogCode.Accepted
        if accepted:  # the dialog's Print button printed and closed it
            self.printed.emit(self._record(job, via="preview"))
        return accepted

    def print_with_dialog(self, job: PrintJob, parent: QWidget | None = None) -> bool:
        """Choose any installed printer (QPrintDialog) and print."""
        printer = _new_printer(job)
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(f"Print — {job.title}")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        self.print_to(printer, job)
        return True

    def save_with_dialog(self, job: PrintJob, parent: QWidget | None = None) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            parent, "Save as PDF", job.rendered.filename, "PDF files (*.pdf)"
        )
        if not path:
            return False
        self.save_as(job, path)
        return True

    def _record(self, job: PrintJob, *, via: str, out: str | None = None) -> PrintRecord:
        r = job.rendered
        return documents.record_print(
            self._db,
            self._actor,
            kind=job.kind,
            entity_id=job.entity_id,
            lang=r.lang,
            pages=r.pages,
            final=r.final,
            sha256=r.sha256,
            via=via,
            appointments_printed=job.appointment_ids,
            out=out,
        )


class DayPacketWorker(QObject):
    """Gathers and renders a day packet; runs in a QThread with its own database sessions."""

    progressed = Signal(int, int)  # steps done, steps in all
    finished = Signal(object)  # PrintJob
    failed = Signal(str)

    def __init__(self, db: Database, actor: Actor, day: date) -> None:
        super().__init__()
        self._db = db
        self._actor = actor
        self._day = day

    @Slot()
    def run(self) -> None:
        try:
            job = self.build(self.progressed.emit)
        except DomainError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a bug: report it rather than die silently in a thread
            self.failed.emit(f"internal error (a bug): {type(exc).__name__}: {exc}")
            return
        self.finished.emit(job)

    def build(self, progress: Callable[[int, int], None]) -> PrintJob:
        """Gathering is the first half of the steps, laying out the second."""
        total = [0]

        def gathered(done: int, count: int) -> None:
            total[0] = count
            progress(done, 2 * count)

        packet = documents.day_data(self._db, self._actor, self._day, progress=gathered)
        count = len(packet.documents)
        rendered = render.day_packet_pdf(packet, lambda done, n: progress(n + done, 2 * n))
        progress(2 * count, 2 * count)
        ids = tuple(int(d.appointment.id) for d in packet.documents)
        return PrintJob(DocumentKind.DAY, packet.day, rendered, ids)


class DayPacketJob(QObject):
    """Runs a DayPacketWorker off the GUI thread behind a progress dialog."""

    ready = Signal(object)  # PrintJob
    failed = Signal(str)

    def __init__(self, db: Database, actor: Actor, day: date, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._thread = QThread(self)
        self._worker = DayPacketWorker(db, actor, day)
        self._worker.moveToThread(self._thread)
        self.progress = QProgressDialog(
            f"Preparing the day packet for {day.isoformat()}…", "", 0, 0, parent
        )
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        self._connect_signals()

    def start(self) -> None:
        pause_gc()  # as for every worker thread (mild_desk/ui/workers.py)
        self._thread.start()

    def wait(self, ms: int = 30000) -> bool:
        return bool(self._thread.wait(ms))

    def _connect_signals(self) -> None:
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)

    @Slot(int, int)
    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    @Slot(object)
    def _on_worker_finished(self, job: PrintJob) -> None:
        self._stop()
        self.ready.emit(job)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._stop()
        self.failed.emit(message)

    def _stop(self) -> None:
        self.progress.reset()
        self._thread.quit()
        self._thread.wait()
        resume_gc()


def show_error(parent: QWidget | None, message: str) -> None:
    QMessageBox.warning(parent, "Printing", message)


# --- helpers -----------------------------------------------------------------------------


def _new_printer(job: PrintJob) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(job.title)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    return printer


def _page_image(page: object, dpi: float) -> QImage:
    bitmap = page.render(  # type: ignore[attr-defined]
        scale=dpi / 72.0, fill_color=(255, 255, 255, 255), rev_byteorder=True, prefer_bgrx=True
    )
    raw = QImage(
        bitmap.buffer,
        bitmap.width,
        bitmap.height,
        bitmap.stride,
        QImage.Format.Format_RGBA8888 if bitmap.mode == "RGBA" else QImage.Format.Format_RGBX8888,
    )
    opaque = QImage(raw.size(), QImage.Format.Format_RGB32)
    opaque.fill(Qt.GlobalColor.white)
    painter = QPainter(opaque)
    painter.drawImage(0, 0, raw)
    painter.end()
    bitmap.close()
    page.close()  # type: ignore[attr-defined]
    return opaque


def _fit(image: QImage, paper: QRect | QRectF) -> QRectF:
    """The largest rectangle with the image's shape, centred on the paper."""
    area = QRectF(paper)
    scale = min(area.width() / image.width(), area.height() / image.height())
    width, height = image.width() * scale, image.height() * scale
    return QRectF(
        area.left() + (area.width() - width) / 2,
        area.top() + (area.height() - height) / 2,
        width,
        height,
    )
