"""The staff forms' wrapped text: a flowable that breaks plain text into lines by measured
width and writes its own PDF operators (layout.text makes them; Paragraph, with its markup
parsing, and reportlab's text objects, with their state keeping, were several times slower).

On a canvas of layout.build's, a box reuses what its document has already encoded or wrapped
(the canvas's `mild_text` and `mild_wraps`): per document, never across documents."""

import functools
from typing import Any

from mild_desk.printing import fonts

Segment = tuple[str, bool]
"""A piece of text and whether it is bold."""


@functools.cache
def box_class() -> type:
    """The TextBox flowable class (made on first use: reportlab is imported then)."""
    from reportlab.lib.rl_accel import fp_str
    from reportlab.platypus import Flowable

    class TextBox(Flowable):  # type: ignore[misc]
        """Greedy word wrap with measured widths; draws each run in the font that has it."""

        def __init__(
            self,
            segments: tuple[Segment, ...],
            size: float,
            leading: float,
            color: Any,
        ) -> None:
            # Flowable.__init__'s attributes (sizes and alignment hints) are set on the class
            # below: a checklist makes some two hundred of these boxes.
            self._segments = segments
            self._size = size
            self._leading = leading
            self._color = color
            self._fill = _fill_code(color)
            self._lines: list[list[_Run]] = []
            self._wrapped_at = -1.0

        def wrapOn(self, canvas: Any, avail_width: float, avail_height: float) -> Any:
            """As `wrap`; on a canvas of layout.build's, the same text at the same width in the
            same document ("confirmed", a table's header) is wrapped once."""
            wraps = getattr(canvas, "mild_wraps", None)
            if wraps is None or avail_width == self._wrapped_at:
                return self.wrap(avail_width, avail_height)
            key = (self._segments, self._size, avail_width)
            found = wraps.get(key)
            if found is None:
                found = wraps[key] = _wrap(self._segments, self._size, avail_width)
            self._lines, self.width = found
            self._wrapped_at = avail_width
            self.height = len(self._lines) * self._leading
            return self.width, self.height

        def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
            if avail_width != self._wrapped_at:  # tables ask the same question several times
                self._lines, self.width = _wrap(self._segments, self._size, avail_width)
                self._wrapped_at = avail_width
                self.height = len(self._lines) * self._leading
            return self.width, self.height

        def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
            """What Flowable.drawOn and `draw` write (q, cm, the fill colour, a text object per
            run of same-weight words, Q), written at once: a checklist has some two hundred of
            these boxes, and the canvas's state keeping for each was a third of its drawing
            time. A colour other than opaque RGB goes the canvas's way."""
            fill = self._fill
            if fill is None:
                super().drawOn(canvas, x, y, _sW)
                return
            if _sW:
                x = self._hAlignAdjust(x, _sW)
            code = ["q", f"{fp_str(1, 0, 0, 1, x, y)} cm", fill]
            code += self._text_code(canvas)
            code.append("Q")
            canvas.addLiteral("\n".join(code))

        def draw(self) -> None:
            if self._color is not None:
                self.canv.setFillColor(self._color)
            for line in self._text_code(self.canv):
                self.canv.addLiteral(line)

        def _text_code(self, canvas: Any) -> list[str]:
            texts = getattr(canvas, "mild_text", None) or fonts.DocumentText(canvas._doc)
            size, leading = self._size, self._leading
            baseline = self.height - (leading - size) / 2 - size * 0.93
            code = []
            for line in self._lines:
                left = 0.0
                for piece, bold, piece_width in line:
                    code.append(texts.line(left, baseline, piece, size, bold=bold))
                    left += piece_width
                baseline -= leading
            return code

    TextBox.width = TextBox.height = 0.0
    TextBox.wrapped = 0
    TextBox.hAlign, TextBox.vAlign = "LEFT", "BOTTOM"
    TextBox._traceInfo = TextBox._showBoundary = TextBox.encoding = None
    return TextBox


@functools.lru_cache(maxsize=32)
def _fill_code(color: Any) -> str | None:
    """ "0 0 0 rg": what canvas.setFillColor writes for an opaque RGB colour; None for any
    other colour (or none). Its alpha of 1 changes nothing where no transparent fill is in
    force (the draft watermark sets its own inside saveState/restoreState); layout.build asks
    for the PDF version that setFillColor's alpha would have."""
    from reportlab.lib.colors import Color
    from reportlab.lib.rl_accel import fp_str

    if type(color) is not Color or color.alpha != 1:
        return None
    return f"{fp_str(color.red, color.green, color.blue)} rg"


_Run = list[Any]
"""[text, bold, width]: words of one weight that go on a line together, drawn as one text
object (each costs one)."""


def _wrap(
    segments: tuple[Segment, ...], size: float, avail: float
) -> tuple[list[list[_Run]], float]:
    """Lines of runs, and the widest line's width; a word too long for a line is cut by
    characters. Widths are summed word by word, left to right."""
    measure = fonts.width
    line: list[_Run] = []
    lines = [line]
    widths = [0.0]
    used = 0.0
    space = measure(" ", size)
    for content, bold in segments:
        for n, para in enumerate(content.split("\n")):
            if n:
                line = []
                lines.append(line)
                widths.append(0.0)
                used = 0.0
            for word in para.split(" "):
                if not word:
                    continue
                word_width = measure(word, size, bold=bold)
                gap = space if line else 0.0
                if line and used + gap + word_width > avail:
                    line = []
                    lines.append(line)
                    widths.append(0.0)
                    used, gap = 0.0, 0.0
                while word_width > avail and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and measure(word[:cut], size, bold=bold) > avail:
                        cut -= 1
                    head = word[:cut]
                    head_width = measure(head, size, bold=bold)
                    line.append([head, bold, head_width])
                    widths[-1] += head_width
                    line = []
                    lines.append(line)
                    widths.append(0.0)
                    word = word[cut:]
                    word_width = measure(word, size, bold=bold)
                    used, gap = 0.0, 0.0
                piece_width = gap + word_width
                if line and line[-1][1] == bold:
                    run = line[-1]
                    run[0] += " " + word if gap else word
                    run[2] += piece_width
                else:
                    line.append([" " + word if gap else word, bold, piece_width])
                widths[-1] += piece_width
                used += piece_width
    return [line for line in lines if line] or [[]], max(widths)
