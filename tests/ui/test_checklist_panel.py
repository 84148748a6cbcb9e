"""The checklist shows every word: long items, times and notes wrap onto more lines (each row as
tall as it needs at any width, after every resize), every cell's whole text is in its tooltip,
the panel fits the appointment dock of a 200 % scaled screen, and Tab goes top to bottom."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle
from pytestqt.qtbot import QtBot

from mild_desk.rules.checklist import KEY_NPO
from mild_desk.services import appointments, prep
from mild_desk.ui.checklist_model import ITEM, NOTE, STATE, WHO, ChecklistModel
from mild_desk.ui.checklist_panel import ChecklistPanel
from mild_desk.ui.context import AppContext
from tests.ui.conftest import TUESDAY, Demo
from tests.ui.test_accessibility import tab_stops, tab_walk

MakeCtx = Callable[[str], AppContext]
TUESDAY_0720 = datetime(2026, 11, 3, 12, 20, tzinfo=UTC)  # 07:20 in New York
LONG_NOTE = "dentures and hearing aids in the blue bag with her glasses; her daughter keeps it"


@pytest.fixture
def ticked(demo_clinic: Demo, make_ctx: MakeCtx) -> tuple[AppContext, int]:
    """A nurse's context and Tuesday's first appointment, checked in, its pre-op items ticked:
    the fasting times as a note, and one long note of the nurse's own."""
    demo_clinic.clock.now = TUESDAY_0720
    ctx = make_ctx("nurse")
    first = appointments.on_date(ctx.db, ctx.actor, TUESDAY)[0]
    appointments.check_in(ctx.db, ctx.actor, first.id, now=ctx.now())
    for n, line in enumerate(prep.checklist(ctx.db, ctx.actor, first.id)):
        if line.phase != "pre-op" or "nurse" not in line.roles:
            continue
        prep.tick(
            ctx.db,
            ctx.actor,
            first.id,
            item=line.key,
            state="confirmed",
            note=LONG_NOTE if line.key == "gown_valuables" else None,
            last_solids=TUESDAY_0720 - timedelta(hours=12),
            last_clear_liquids=TUESDAY_0720 - timedelta(hours=3),
            now=TUESDAY_0720 + timedelta(minutes=n),
        )
    return ctx, int(first.id)


def _panel(qtbot: QtBot, ctx: AppContext, appointment: int, width: int) -> ChecklistPanel:
    panel = ChecklistPanel(ctx)
    qtbot.add_widget(panel)
    panel.resize(width, 800)
    panel.show()
    qtbot.waitExposed(panel)
    lines = tuple(prep.checklist(ctx.db, ctx.actor, appointment))
    report = prep.prep(ctx.db, ctx.actor, appointment, now=ctx.now())
    panel.set_checklist(appointment, lines, report)
    assert panel.select_item(KEY_NPO)
    return panel


def _items(model: ChecklistModel) -> Iterator[QModelIndex]:
    for phase in range(model.rowCount()):
        parent = model.index(phase, 0)
        for row in range(model.rowCount(parent)):
            yield model.index(row, 0, parent)


def _cut_off(panel: ChecklistPanel) -> list[str]:
    """Every item cell whose text, wrapped at the cell's width, does not fit in the cell."""
    tree = panel.tree
    metrics = QFontMetrics(tree.font())
    style = tree.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    found = []
    for item in _items(panel.model):
        for column in (ITEM, STATE, WHO, NOTE):
            index = item.siblingAtColumn(column)
            text = str(index.data())
            cell = tree.visualRect(index)
            room = cell.width() - 2 * margin
            needs = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, text)
            if needs.width() > room or needs.height() > cell.height():
                found.append(f"{text!r}: needs {needs.size().toTuple()} in {cell.size().toTuple()}")
    return found


def test_every_cell_has_its_whole_text_in_its_tooltip(ticked: tuple[AppContext, int]) -> None:
    ctx, appointment = ticked
    model = ChecklistModel(lambda: ctx.tz)
    model.set_lines(prep.checklist(ctx.db, ctx.actor, appointment))
    notes = 0
    for phase in range(model.rowCount()):
        index = model.index(phase, 0)
        assert index.data(Qt.ItemDataRole.ToolTipRole) == index.data()
    for item in _items(model):
        for column in (ITEM, STATE, WHO, NOTE):
            index = item.siblingAtColumn(column)
            tip = str(index.data(Qt.ItemDataRole.ToolTipRole))
            text = str(index.data()).replace("\N{NO-BREAK SPACE}", " ").removesuffix(" *")
            assert text in tip, (text, tip)
            assert index.data(Qt.ItemDataRole.AccessibleTextRole).startswith(text)
        notes += bool(item.siblingAtColumn(NOTE).data())
    assert notes == 2  # the fasting times and the long note


def test_long_items_and_notes_wrap_at_any_width(
    qtbot: QtBot, ticked: tuple[AppContext, int]
) -> None:
    """Wide (the README's picture), then narrower on the same panel (the rows re-size), down
    to the appointment dock of a 200 % scaled full-HD screen (about 420 of 960 pixels)."""
    panel = _panel(qtbot, *ticked, width=1000)
    tree = panel.tree
    tall = max(tree.visualRect(i).height() for i in _items(panel.model))
    assert tall > 2 * tree.fontMetrics().height()  # the fasting note is on several lines
    for width in (1000, 700, 420):
        panel.resize(width, 800)
        qtbot.wait(50)  # the rows are laid out again after the columns' widths change
        assert _cut_off(panel) == [], width
        header = tree.header()
        columns = sum(header.sectionSize(c) for c in range(header.count()))
        assert columns <= tree.viewport().width(), width  # no sideways scrolling
        assert not tree.horizontalScrollBar().isVisible()
    who = panel.model.find(KEY_NPO).siblingAtColumn(WHO)
    assert tree.visualRect(who).height() >= 2 * tree.fontMetrics().height()  # name, then time


def test_the_panel_fits_the_dock_of_a_200_percent_screen(
    qtbot: QtBot, ticked: tuple[AppContext, int]
) -> None:
    """At 200 % a full-HD screen is 960 logical pixels wide and the appointment dock takes 45 %
    of it (432): the checklist, with the fasting times' editor showing, asks for less than
    that less the dock's and the tab widget's frames (the state buttons wrap when narrow)."""
    panel = _panel(qtbot, *ticked, width=420)
    assert panel.last_solids.isVisible()
    assert panel.minimumSizeHint().width() <= 380


def test_tab_walks_the_checklist_top_to_bottom(
    qtbot: QtBot, ticked: tuple[AppContext, int]
) -> None:
    """List, the chosen state (one Tab stop for the three; the arrow keys choose), note, the
    fasting times, Record."""
    panel = _panel(qtbot, *ticked, width=1000)
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    assert panel.confirmed.isChecked()
    unchosen = (panel.not_applicable, panel.not_done)
    stops = [w for w in tab_stops(panel) if w not in unchosen]
    assert stops == [
        panel.tree,
        panel.confirmed,
        panel.note,
        panel.last_solids,
        panel.last_liquids,
        panel.record_button,
    ]
    assert tab_walk(qtbot, panel, panel.tree, len(stops)) == stops
