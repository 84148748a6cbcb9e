"""The shipped fonts print every name: text split into runs by glyph coverage."""

from pathlib import Path

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
