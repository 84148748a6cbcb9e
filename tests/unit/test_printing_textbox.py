"""The staff forms' text boxes write what drawing them through the reportlab canvas writes."""

import io

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from mild_desk.printing import fonts, layout


@pytest.mark.parametrize("style", ["staff", "staff-grey", "staff-alert", "staff-title"])
def test_a_text_box_writes_what_the_canvas_would(style: str) -> None:
    fonts.register()
    box = layout.text(
        [("Allergies ", True), ("latex; iodinated contrast (hives) — 山田 Zoë \\ ☑", False)],
        style,
    )
    ours, theirs = Canvas(io.BytesIO()), Canvas(io.BytesIO())
    assert box.wrapOn(ours, 120.0, 1000.0) == box.wrapOn(theirs, 120.0, 1000.0)
    assert box.height > box._leading  # wrapped onto more than one line
    box.drawOn(ours, 36.5, 700.25)
    Flowable.drawOn(box, theirs, 36.5, 700.25)  # saveState, translate, draw, restoreState
    assert "\n".join(ours._code) == "\n".join(theirs._code)


def test_an_empty_text_box_still_takes_a_line() -> None:
    fonts.register()
    box = layout.text("", "staff")
    assert box.wrapOn(Canvas(io.BytesIO()), 100.0, 1000.0) == (0.0, box._leading)
