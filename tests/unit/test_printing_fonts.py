"""The shipped fonts print every name: text split into runs by glyph coverage."""

import io
from pathlib import Path
from typing import Any

import pytest

from mild_desk.printing import fonts
from mild_desk.resources import resource_path

NAMES = "Zoë Łukasz Nguyễn, Ωmega, 山田"


def test_the_fonts_and_their_licences_ship_in_resources() -> None:
    for path in fonts.FILES.values():
        assert resource_path(path).read_bytes()[:4] in (b"\x00\x01\x00\x00", b"true")
    folder = Path(str(resource_path("fonts/DejaVuSans.ttf"))).parent
    licences = {p.name for p in folder.glob("LICENSE*")}
    assert {"LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt"} <= licences


@pytest.mark.parametrize(
    "text",
    [NAMES, "Ærøskøbing Ça Ğüşçöı", "Ψυχή Москва", "Nguyễn Thị Phương", "山田 太郎 김민준 さくら"],
)
def test_every_character_has_a_glyph(text: str) -> None:
    assert fonts.missing(text) == ""
    for bold in (False, True):
        assert "".join(piece for _, piece in fonts.runs(text, bold=bold)) == text


def test_runs_switch_to_the_fallback_for_cjk_only() -> None:
    assert fonts.runs(NAMES) == (
        (fonts.REGULAR, "Zoë Łukasz Nguyễn, Ωmega, "),
        (fonts.FALLBACK, "山田"),
    )
    assert fonts.runs("山田, Zoë", bold=True) == (
        (fonts.FALLBACK, "山田"),
        (fonts.BOLD, ", Zoë"),
    )


def test_korean_uses_its_own_fallback() -> None:
    assert fonts.runs("김민준 Kim") == ((fonts.FALLBACK_KO, "김민준 "), (fonts.REGULAR, "Kim"))


def test_markup_escapes_and_tags_the_fallback() -> None:
    assert fonts.markup("A&B <山>") == f'A&amp;B &lt;<font name="{fonts.FALLBACK}">山</font>&gt;'
    assert fonts.markup("x", bold=True) == "<b>x</b>"


def test_a_character_no_font_has_is_reported() -> None:
    assert fonts.missing("Zoë \U0001f9ea") == "\U0001f9ea"


def test_widths_add_up_across_runs() -> None:
    assert fonts.width(NAMES, 10) == pytest.approx(
        fonts.width("Zoë Łukasz Nguyễn, Ωmega, ", 10) + fonts.width("山田", 10)
    )


def _reportlab_lines(canvas: Any, lines: list[tuple[float, float, str, float, bool]]) -> list[str]:
    """The same lines drawn with reportlab's own text object (what fonts.draw used to do)."""
    for x, y, text, size, bold in lines:
        line = canvas.beginText(x, y)
        for font, piece in fonts.runs(text, bold=bold):
            line.setFont(font, size)
            line.textOut(piece)
        canvas.drawText(line)
    return list(canvas._code[-len(lines) :])


def test_document_text_writes_what_reportlab_writes() -> None:
    from reportlab.pdfgen.canvas import Canvas

    fonts.register()
    # Over 256 distinct characters of the main font, so its second subset is used too; names
    # that mix scripts, PDF string escapes, a repeated line, an empty one.
    many = "".join(
        chr(c) for c in [*range(0x100, 0x180), *range(0x391, 0x3CA), *range(0x410, 0x450)]
    )
    lines = [
        (36.0, 700.5, NAMES, 9.0, False),
        (36.0, 688.25, "(Björn) \\ 김민준 — ☑ 08:00\u201309:00", 8.0, True),
        *((40.0, 600.0 - n, many[n * 40 : n * 40 + 40] + " x ý", 8.0, False) for n in range(7)),
        (36.0, 500.0, NAMES, 9.0, False),
        (36.0, 490.0, "", 9.0, False),
        (12.125, 20.0, "printed by Nina Økafor · Page 1 of 2", 8.0, False),
    ]
    theirs = Canvas(io.BytesIO())
    expected = _reportlab_lines(theirs, lines)
    ours = Canvas(io.BytesIO())
    text = fonts.DocumentText(ours._doc)
    assert [text.line(x, y, s, size, bold=bold) for x, y, s, size, bold in lines] == expected
    assert "+1 " in " ".join(expected)  # the second subset of a font was exercised
