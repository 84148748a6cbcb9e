"""What every printed document shares: page size, styles, running headers and footers with
"page i of n" per section, the draft watermark, and building the story into PDF bytes."""

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mild_desk.printing import fonts

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter, in points
STAFF_MARGIN = 36.0
PATIENT_MARGIN = 54.0
PATIENT_MIN_PT = 12.0
_WATERMARK_WIDTH = 660.0  # fits inside the page along the rotated line
"""Smallest type on a patient-facing page (the issue: large type, at least 12 pt)."""


@dataclass(frozen=True, slots=True)
class Section:
    """One document inside a PDF (a day packet holds several): how its pages are decorated."""

    key: str
    footer: str
    running_header: str
    page_label: Callable[[int, int], str]
    footer_size: float = 8.0
    watermark: tuple[str, ...] = ()


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


Segment = tuple[str, bool]
"""A piece of text and whether it is bold."""


def text(
    content: str | Sequence[Segment],
    style: str,
    *,
    bold: bool = False,
    space_before: float = 0.0,
) -> Any:
    """A fast wrapped-text flowable for the staff forms (no markup parsing): plain text, or
    (text, bold) segments. Paragraph is several times slower and the checklist is timed."""
    spec = styles()[style]
    bold = bold or spec.fontName == fonts.BOLD
    segments = [(content, bold)] if isinstance(content, str) else list(content)
    box = _text_box_class()(segments, float(spec.fontSize), float(spec.leading), spec.textColor)
    box.spaceBefore = space_before or float(spec.spaceBefore)
    box.spaceAfter = float(spec.spaceAfter)
    return box


def section_mark(section: Section, on_drawn: Callable[[Section], None] | None = None) -> Any:
    """A zero-size flowable that starts `section`: the pages from here on are decorated as it."""
    from reportlab.platypus import Flowable

    class _SectionMark(Flowable):  # type: ignore[misc]
        def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
            return 0.0, 0.0

        def draw(self) -> None:
            self.canv._mild_section = section
            if on_drawn is not None:
                on_drawn(section)

    return _SectionMark()


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
        pageCompression=1,
    )
    made: list[Any] = []

    def maker(*args: Any, **kwargs: Any) -> Any:
        canvas = _decorated_canvas_class()(*args, **kwargs)
        made.append(canvas)
        return canvas

    doc.build(list(story), canvasmaker=maker)
    return buf.getvalue(), int(made[-1].mild_page_count)


@functools.cache
def _text_box_class() -> type:
    from reportlab.platypus import Flowable

    class TextBox(Flowable):  # type: ignore[misc]
        """Greedy word wrap with measured widths; draws each run in the font that has it."""

        def __init__(
            self,
            segments: list[Segment],
            size: float,
            leading: float,
            color: Any,
        ) -> None:
            super().__init__()
            self._segments = segments
            self._size = size
            self._leading = leading
            self._color = color
            self._lines: list[list[tuple[str, bool, float]]] = []
            self._wrapped_at = -1.0

        def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
            if avail_width != self._wrapped_at:  # tables ask the same question several times
                self._lines = _wrap(self._segments, self._size, avail_width)
                self._wrapped_at = avail_width
            self.width = max((sum(w for _, _, w in line) for line in self._lines), default=0.0)
            self.height = len(self._lines) * self._leading
            return self.width, self.height

        def draw(self) -> None:
            canvas = self.canv
            if self._color is not None:
                canvas.setFillColor(self._color)
            size, leading = self._size, self._leading
            baseline = self.height - (leading - size) / 2 - size * 0.93
            for line in self._lines:
                x = 0.0
                # One drawString per run of same-weight words (each call costs a text object).
                start = 0
                for end in range(1, len(line) + 1):
                    if end == len(line) or line[end][1] != line[start][1]:
                        piece = "".join(p for p, _, _ in line[start:end])
                        fonts.draw(canvas, x, baseline, piece, size, bold=line[start][1])
                        x += sum(w for _, _, w in line[start:end])
                        start = end
                baseline -= leading

    return TextBox


def _wrap(
    segments: list[Segment], size: float, avail: float
) -> list[list[tuple[str, bool, float]]]:
    """Lines of (piece, bold, width); a word too long for a line is cut by characters."""
    lines: list[list[tuple[str, bool, float]]] = [[]]
    used = 0.0
    space = fonts.width(" ", size)
    for content, bold in segments:
        for n, para in enumerate(content.split("\n")):
            if n:
                lines.append([])
                used = 0.0
            for word in para.split(" "):
                if not word:
                    continue
                word_width = fonts.width(word, size, bold=bold)
                gap = space if lines[-1] else 0.0
                if used + gap + word_width > avail and lines[-1]:
                    lines.append([])
                    used, gap = 0.0, 0.0
                while word_width > avail and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and fonts.width(word[:cut], size, bold=bold) > avail:
                        cut -= 1
                    head = word[:cut]
                    lines[-1].append((head, bold, fonts.width(head, size, bold=bold)))
                    lines.append([])
                    word = word[cut:]
                    word_width = fonts.width(word, size, bold=bold)
                    used, gap = 0.0, 0.0
                piece = (" " if gap else "") + word
                lines[-1].append((piece, bold, gap + word_width))
                used += gap + word_width
    return [line for line in lines if line] or [[]]


@functools.cache
def _decorated_canvas_class() -> type:
    from reportlab.pdfgen.canvas import Canvas

    class DecoratedCanvas(Canvas):  # type: ignore[misc]
        """Holds each page back until the end, so footers can say "page i of n"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._mild_pages: list[dict[str, Any]] = []
            self._mild_section: Section | None = None
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
