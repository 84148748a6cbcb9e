"""The shipped Unicode fonts, and text split into runs by which font has the glyphs.

reportlab does no font fallback: a character the font lacks prints as an empty box. DejaVu Sans
covers Latin (with Vietnamese), Greek and Cyrillic; Droid Sans Fallback covers Chinese and
Japanese, NanumGothic Korean (resources/fonts/README.md). Every piece
of text goes through `runs` (or `markup` for Paragraphs, `draw` or a document's `DocumentText`
for the canvas) so that "Zoë Łukasz Nguyễn, Ωmega, 山田" prints with real glyphs.
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
    """Draw one line on a reportlab canvas, switching fonts by glyph coverage. A canvas with a
    `mild_text` (layout's: a DocumentText of its own document) reuses what it has encoded."""
    if align != "left":
        total = width(text, size, bold=bold)
        x -= total if align == "right" else total / 2
    texts = getattr(canvas, "mild_text", None) or DocumentText(canvas._doc)
    canvas.addLiteral(texts.line(x, y, text, size, bold=bold))


class DocumentText:
    """The text operators of one PDF document (`doc`, a reportlab canvas's `_doc`).

    `line` writes one line as one text object: the font changes inside it, so a reader
    extracting the text sees one word where a name mixes scripts ("山田," stays "山田,"). The
    operators are exactly what reportlab's `beginText`, `setFont` and `textOut` write, made
    with the dynamic-font call reportlab documents for this (`splitString`: ttfonts.py), but
    without a text object's bookkeeping per call, and encoding each character with
    `splitString` once per document: the staff forms draw hundreds of lines a page, and
    that was most of their drawing time.

    It holds the document's text and font subset codes, so it belongs to that one document
    and goes with it (a document's subsets number the characters in the order they first
    appear; nothing here outlives the document or is shared with another)."""

    def __init__(self, doc: Any) -> None:
        self._doc = doc
        self._shown: dict[tuple[str, float, bool], str] = {}
        # Per font: code by character for those in subset 0, and the characters in others.
        self._codes: dict[str, tuple[dict[int, int], set[str], set[str]]] = {}
        self._names: dict[tuple[str, int], str] = {}

    def line(self, x: float, y: float, text: str, size: float, *, bold: bool = False) -> str:
        """The operators that draw `text` with its baseline starting at (x, y)."""
        from reportlab.lib.rl_accel import fp_str

        key = (text, size, bold)
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = self._show(text, size, bold)
        if not shown:
            return f"BT 1 0 0 1 {fp_str(x, y)} Tm ET"
        return f"BT 1 0 0 1 {fp_str(x, y)} Tm {shown} ET"

    def _show(self, text: str, size: float, bold: bool) -> str:
        """The font-setting and showing operators for `text` inside a text object."""
        from reportlab.lib.rl_accel import escapePDF

        size_code = _size_code(size)
        code = []
        for name, piece in _runs(text, bold):
            out: list[str] = []
            current = -1  # a font change always names the font again, as setFont does
            for subset, chunk in self._chunks(name, piece):
                if subset != current:
                    out.append(f"{self._name(name, subset)} {size_code}")
                    current = subset
                out.append(f"({escapePDF(chunk)}) Tj")
            code.append(" ".join(out))
        return " ".join(code)

    def _chunks(self, name: str, text: str) -> list[tuple[int, bytes]]:
        """What `font.splitString(text, doc)` returns: (subset, codes) runs. Each new character
        goes through splitString alone, in the order it appears (so it gets the code the whole
        text would have given it); text whose characters all have codes in subset 0 is then
        encoded at once."""
        codes, known, wide = self._codes.get(name) or self._codes.setdefault(
            name, ({}, set(), set())
        )
        if not text:
            return []
        if not known.issuperset(text):
            font = _font(name)
            for ch in text:
                if ch not in known and ch not in wide:
                    ((subset, chunk),) = font.splitString(ch, self._doc)
                    if subset == 0:
                        codes[ord(ch)] = chunk[0]
                        known.add(ch)
                    else:
                        wide.add(ch)
            if not known.issuperset(text):  # a subset past the first 256 characters
                return list(font.splitString(text, self._doc))
        return [(0, text.translate(codes).encode("latin-1"))]

    def _name(self, name: str, subset: int) -> str:
        key = (name, subset)
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = _font(name).getSubsetInternalName(subset, self._doc)
        return found


@functools.cache
def _font(name: str) -> Any:
    """The registered reportlab font object (registration is once per process)."""
    from reportlab.pdfbase.pdfmetrics import getFont

    return getFont(name)


@functools.lru_cache(maxsize=64)
def _size_code(size: float) -> str:
    """ "9 Tf 10.8 TL": a text object's font size and its default leading (1.2 x size)."""
    from reportlab.lib.rl_accel import fp_str

    return f"{fp_str(size)} Tf {fp_str(size * 1.2)} TL"
