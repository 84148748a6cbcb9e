"""The shipped Unicode fonts, and text split into runs by which font has the glyphs.

reportlab does no font fallback: a character the font lacks prints as an empty box. DejaVu Sans
covers Latin (with Vietnamese), Greek and Cyrillic; Droid Sans Fallback covers Chinese and
Japanese, NanumGothic Korean (resources/fonts/README.md). Every piece
of text goes through `runs` (or `markup` for Paragraphs, `draw` for the canvas) so that
"Zoë Łukasz Nguyễn, Ωmega, 山田" prints with real glyphs.
"""

import functools
import io
import unicodedata
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from mild_desk.resources import resource_path

REGULAR = "MildSans"
BOLD = "MildSans-Bold"
FALLBACK = "MildSansCJK"
FALLBACK_KO = "MildSansKO"

FILES: dict[str, str] = {
    REGULAR: "fonts/DejaVuSans.ttf",
    BOLD: "fonts/DejaVuSans-Bold.ttf",
    FALLBACK: "fonts/DroidSansFallbackFull.ttf",
    FALLBACK_KO: "fonts/NanumGothic.ttf",
}
FALLBACKS: tuple[str, ...] = (FALLBACK, FALLBACK_KO)
"""Tried in order for a character the main font lacks; each is loaded on first need."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """The code points the main fonts have a glyph for."""

    regular: frozenset[int]
    bold: frozenset[int]

    def font_for(self, ch: str, bold: bool = False) -> str | None:
        """The font to print `ch` with, or None when no shipped font has it."""
        cp = ord(ch)
        if cp in (self.bold if bold else self.regular):
            return BOLD if bold else REGULAR
        for name in FALLBACKS:
            if cp in _fallback(name):
                return name
        return None


@functools.cache
def register() -> Coverage:
    """Register the main fonts with reportlab once per process; returns their coverage."""
    from reportlab.lib.fonts import addMapping

    regular, bold = _load(REGULAR), _load(BOLD)
    # <b> in a Paragraph whose font is REGULAR switches to BOLD.
    for is_bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
        addMapping(REGULAR, is_bold, italic, name)
    return Coverage(regular=regular, bold=bold)


@functools.cache
def _fallback(name: str) -> frozenset[int]:
    """Register a fallback font (a few megabytes: only when some text needs it)."""
    from reportlab.lib.fonts import addMapping

    coverage = _load(name)
    for is_bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(name, is_bold, italic, name)  # a fallback has no bold: keep its glyphs
    return coverage


def _load(name: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(name, io.BytesIO(resource_path(FILES[name]).read_bytes()))
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


def runs(text: str, *, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """`text` as (font name, piece) runs. Spaces and combining marks stay with the run they
    follow; a character no font has stays in the main font (it prints as a box)."""
    return _runs(text, bold)


@functools.lru_cache(maxsize=16384)
def _runs(text: str, bold: bool) -> tuple[tuple[str, str], ...]:
    coverage = register()
    main = BOLD if bold else REGULAR
    out: list[tuple[str, str]] = []
    current = main
    piece: list[str] = []
    for ch in text:
        if ch.isspace() or unicodedata.combining(ch):
            font = current
        else:
            font = coverage.font_for(ch, bold) or main
        if font != current and piece:
            out.append((current, "".join(piece)))
            piece = []
        current = font
        piece.append(ch)
    if piece:
        out.append((current, "".join(piece)))
    return tuple(out)


def missing(text: str) -> str:
    """The characters of `text` that no shipped font can print (empty when all can)."""
    coverage = register()
    return "".join(
        ch
        for ch in dict.fromkeys(text)
        if not ch.isspace()
        and not unicodedata.combining(ch)
        and coverage.font_for(ch) is None
        and unicodedata.category(ch)[0] != "C"
    )


def markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup for plain `text`: XML-escaped, fallback runs wrapped in <font>."""
    parts = []
    for font, piece in runs(text, bold=bold):
        safe = escape(piece)
        parts.append(safe if font in (REGULAR, BOLD) else f'<font name="{font}">{safe}</font>')
    joined = "".join(parts)
    return f"<b>{joined}</b>" if bold else joined


def width(text: str, size: float, *, bold: bool = False) -> float:
    """The printed width of one line of `text`, in points."""
    return _width(text, size, bold)


@functools.lru_cache(maxsize=16384)
def _width(text: str, size: float, bold: bool) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(sum(stringWidth(piece, font, size) for font, piece in _runs(text, bold)))


def draw(
    canvas: Any,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    align: str = "left",
) -> None:
    """Draw one line on a reportlab canvas, switching fonts by glyph coverage."""
    pieces = runs(text, bold=bold)
    if align != "left":
        total = width(text, size, bold=bold)
        x -= total if align == "right" else total / 2
    # One text object for the whole line: the font changes inside it, so a reader extracting
    # the text sees one word where a name mixes scripts ("山田," stays "山田,").
    line = canvas.beginText(x, y)
    for font, piece in pieces:
        line.setFont(font, size)
        line.textOut(piece)
    canvas.drawText(line)
