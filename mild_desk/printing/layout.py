"""What every printed document shares: page size, styles, running headers and footers with
"page i of n" per section, the draft watermark, and building the story into PDF bytes."""

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mild_desk.printing import fonts
from mild_desk.printing.textbox import Segment, box_class

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter, in points
STAFF_MARGIN = 36.0
PATIENT_MARGIN = 54.0
PATIENT_MIN_PT = 12.0
_WATERMARK_WIDTH = 660.0  # fits inside the page along the rotated line
"""Smallest type on a patient-facing page (the issue: large type, at least 12 pt)."""
FLATE_LEVEL = 1
"""zlib level of every stream in a PDF (pages, embedded font subsets, their ToUnicode maps).
reportlab's own (zlib's default, 6, with ASCII85 on top for pages) took a fifth of a
checklist's time, mostly on the two font subsets (~36 KB each, half of it the fonts' name
table); level 1 takes half that for a PDF some 5% larger. The bytes decoded are the same."""


@dataclass(frozen=True, slots=True)
class Section:
    """One document inside a PDF (a day packet holds several): how its pages are decorated."""

    key: str
    footer: str
    running_header: str
    page_label: Callable[[int, int], str]
    footer_size: float = 8.0
    watermark: tuple[str, ...] = ()


def color(css: str) -> Any:
    """A reportlab colour for "#9a9a9a", parsed once: a table style given the text parses it
    again for every line and cell background it draws."""
    return _color(css)


def styles() -> dict[str, Any]:
    """Paragraph styles by name (built once per process, after the fonts are registered)."""
    return _styles()


def paragraph(text: str, style: str, *, bold: bool = False) -> Any:
    """A Paragraph of plain text (escaped, with font fallback)."""
    from reportlab.platypus import Paragraph

    return Paragraph(fonts.markup(text, bold=bold), styles()[style])


def rich(markup: str, style: str) -> Any:
    """A Paragraph of markup already made safe with `fonts.markup`."""
    from reportlab.platypus import Paragraph

    return Paragraph(markup, styles()[style])


def text(
    content: str | Sequence[Segment],
    style: str,
    *,
    bold: bool = False,
    space_before: float = 0.0,
) -> Any:
    """A fast wrapped-text flowable for the staff forms (no markup parsing): plain text, or
    (text, bold) segments. Paragraph is several times slower and the checklist is timed."""
    make, size, leading, fill, style_bold, before, after = _text_style(style)
    bold = bold or style_bold
    segments = ((content, bold),) if isinstance(content, str) else tuple(content)
    box = make(segments, size, leading, fill)
    box.spaceBefore = space_before or before
    box.spaceAfter = after
    return box


def section_mark(section: Section, on_drawn: Callable[[Section], None] | None = None) -> Any:
    """A zero-size flowable that starts `section`: the pages from here on are decorated as it."""
    return _section_mark_class()(section, on_drawn)


def build(
    story: Sequence[Any],
    *,
    title: str,
    author: str,
    subject: str,
    margin: float,
    top_margin: float | None = None,
) -> tuple[bytes, int]:
    """The story as PDF bytes and the page count."""
    from reportlab.platypus import SimpleDocTemplate

    fonts.register()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=top_margin if top_margin is not None else margin,
        bottomMargin=margin,
        title=title,
        author=author,
        subject=subject,
        creator="mild-desk",
        initialFontName=fonts.REGULAR,
        initialFontSize=10,
        # Every stream is still compressed: by the document's default filter, set below.
        pageCompression=0,
    )
    made: list[Any] = []

    def maker(*args: Any, **kwargs: Any) -> Any:
        canvas = _decorated_canvas_class()(*args, **kwargs)
        canvas._doc.defaultStreamFilters = [_flate()]
        # Text boxes write their opaque fill colour without canvas.setFillColor, whose alpha
        # asks for PDF 1.4 (transparency); ask for it here so the PDF's version is the same.
        canvas.setFillAlpha(1)
        made.append(canvas)
        return canvas

    doc.build(list(story), canvasmaker=maker)
    return buf.getvalue(), int(made[-1].mild_page_count)


@functools.cache
def _flate() -> Any:
    """A FlateDecode stream filter at FLATE_LEVEL (reportlab's PDFStreamFilterZCompress has no
    level). A document uses it for every stream that names no filter of its own, which with
    compression off is all of them (pdfdoc.PDFStream.format, ttfonts.addSubsetObjects)."""
    import zlib

    from reportlab.pdfbase.pdfdoc import PDFStreamFilterZCompress

    class Flate(PDFStreamFilterZCompress):  # type: ignore[misc]
        def encode(self, text: str | bytes) -> bytes:
            data = text.encode("utf8") if isinstance(text, str) else text
            return zlib.compress(data, FLATE_LEVEL)

    return Flate()


@functools.cache
def _section_mark_class() -> type:
    """One class for every section mark (a class made per mark cost more than the mark)."""
    from reportlab.platypus import Flowable

    class SectionMark(Flowable):  # type: ignore[misc]
        def __init__(self, section: Section, on_drawn: Callable[[Section], None] | None) -> None:
            super().__init__()
            self._section = section
            self._on_drawn = on_drawn

        def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
            return 0.0, 0.0

        def draw(self) -> None:
            self.canv._mild_section = self._section
            if self._on_drawn is not None:
                self._on_drawn(self._section)

    return SectionMark


@functools.cache
def _text_style(style: str) -> tuple[type, float, float, Any, bool, float, float]:
    """What `text` takes from a paragraph style: box class, size, leading, colour, bold,
    space before and after."""
    spec = styles()[style]
    return (
        box_class(),
        float(spec.fontSize),
        float(spec.leading),
        spec.textColor,
        spec.fontName == fonts.BOLD,
        float(spec.spaceBefore),
        float(spec.spaceAfter),
    )


@functools.cache
def _decorated_canvas_class() -> type:
    from reportlab.pdfgen.canvas import Canvas

    class DecoratedCanvas(Canvas):  # type: ignore[misc]
        """Holds each page back until the end, so footers can say "page i of n"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._mild_pages: list[dict[str, Any]] = []
            self._mild_section: Section | None = None
            self.mild_text = fonts.DocumentText(self._doc)  # this document's alone
            # This document's wrapped text boxes, by (segments, size, width): see TextBox.
            self.mild_wraps: dict[tuple[tuple[Segment, ...], float, float], Any] = {}
            self.mild_page_count = 0

        def showPage(self) -> None:
            self._mild_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages = list(self._mild_pages)
            totals: dict[str, int] = {}
            for state in pages:
                key = state["_mild_section"].key if state["_mild_section"] else ""
                totals[key] = totals.get(key, 0) + 1
            seen: dict[str, int] = {}
            for state in pages:
                self.__dict__.update(state)
                section: Section | None = state["_mild_section"]
                if section is not None:
                    seen[section.key] = seen.get(section.key, 0) + 1
                    _decorate(self, section, seen[section.key], totals[section.key])
                Canvas.showPage(self)
            self.mild_page_count = len(pages)
            Canvas.save(self)

    return DecoratedCanvas


def _decorate(canvas: Any, section: Section, page: int, pages: int) -> None:
    from reportlab.lib.colors import Color

    margin = STAFF_MARGIN if section.footer_size < PATIENT_MIN_PT else PATIENT_MARGIN * 0.6
    if section.watermark:
        canvas.saveState()
        canvas.setFillColor(Color(0.8, 0.0, 0.0, alpha=0.22))
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(52)
        y = 24.0
        for n, line in enumerate(section.watermark):
            size = 52.0 if n == 0 else 34.0
            size = min(size, size * _WATERMARK_WIDTH / fonts.width(line, size, bold=True))
            fonts.draw(canvas, 0, y, line, size, bold=True, align="center")
            y -= size * 1.5
        canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(0.25, 0.25, 0.25)
    size = section.footer_size
    y = margin * 0.55
    fonts.draw(canvas, margin, y, section.footer, size)
    fonts.draw(canvas, PAGE_WIDTH - margin, y, section.page_label(page, pages), size, align="right")
    if page > 1 and section.running_header:
        fonts.draw(canvas, margin, PAGE_HEIGHT - margin * 0.7, section.running_header, size)
    canvas.restoreState()


@functools.cache
def _color(css: str) -> Any:
    from reportlab.lib.colors import toColor

    return toColor(css)


@functools.cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    fonts.register()
    base = ParagraphStyle("base", fontName=fonts.REGULAR, fontSize=9, leading=11.5)
    grey = HexColor("#555555")
    return {
        "staff": base,
        "staff-small": ParagraphStyle("staff-small", parent=base, fontSize=8, leading=10),
        "staff-grey": ParagraphStyle(
            "staff-grey", parent=base, fontSize=8, leading=10, textColor=grey
        ),
        "staff-title": ParagraphStyle(
            "staff-title", parent=base, fontName=fonts.BOLD, fontSize=15, leading=18
        ),
        "staff-name": ParagraphStyle(
            "staff-name", parent=base, fontName=fonts.BOLD, fontSize=14, leading=17
        ),
        "staff-h2": ParagraphStyle(
            "staff-h2",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=7,
            spaceAfter=3,
        ),
        "staff-alert": ParagraphStyle(
            "staff-alert", parent=base, fontSize=9.5, leading=12, textColor=HexColor("#8a0000")
        ),
        "patient": ParagraphStyle("patient", parent=base, fontSize=13, leading=17.5, spaceAfter=4),
        "patient-bullet": ParagraphStyle(
            "patient-bullet",
            parent=base,
            fontSize=13,
            leading=17.5,
            leftIndent=18,
            bulletIndent=4,
            bulletFontName=fonts.REGULAR,
            bulletFontSize=13,
            spaceAfter=3,
        ),
        "patient-clinic": ParagraphStyle(
            "patient-clinic", parent=base, fontName=fonts.BOLD, fontSize=17, leading=21
        ),
        "patient-title": ParagraphStyle(
            "patient-title",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=21,
            leading=26,
            spaceBefore=10,
            spaceAfter=6,
        ),
        "patient-h2": ParagraphStyle(
            "patient-h2",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=16,
            leading=20,
            spaceBefore=12,
            spaceAfter=4,
        ),
        "patient-draft": ParagraphStyle(
            "patient-draft",
            parent=base,
            fontName=fonts.BOLD,
            fontSize=13,
            leading=17,
            textColor=HexColor("#a00000"),
        ),
    }
