"""Numbers no guideline fixes are flagged where staff see them: the clinic-policy settings of
the procedure profile, and hold rows the sources support only in part or not at all."""

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from mild_desk.resources import procedure_profile_defaults
from mild_desk.services import appointments
from mild_desk.ui.admin import PROFILE_FIELDS, UNVERIFIED_MARK, AdminPage
from mild_desk.ui.context import AppContext
from mild_desk.ui.models import MedicationModel
from mild_desk.ui.patient_panel import AppointmentPanel
from tests.ui.conftest import TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]


def _labels(page: AdminPage) -> dict[str, str]:
    """The text of each profile setting's row label, by setting name."""
    form = page.profile_section.form
    assert isinstance(form, QFormLayout)
    found = {}
    for name, box in page.profile_boxes.items():
        label = form.labelForField(box)
        assert isinstance(label, QLabel)
        found[name] = label.text()
    return found


def test_the_admin_profile_flags_exactly_the_unverified_settings(
    qtbot: QtBot, make_ctx: MakeCtx
) -> None:
    page = AdminPage(make_ctx("admin"))
    qtbot.add_widget(page)
    unverified = set(procedure_profile_defaults()["unverified"])
    assert unverified  # the shipped profile has clinic-policy settings (e.g. inr_max)
    labels = _labels(page)
    assert set(labels) == {name for name, *_ in PROFILE_FIELDS}
    flagged = {name for name, text in labels.items() if UNVERIFIED_MARK in text}
    assert flagged == unverified
    assert all("clinician" in page.profile_boxes[n].toolTip() for n in flagged)


def test_the_medication_table_says_how_well_each_hold_is_sourced(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    ctx = make_ctx("nurse")
    panel = AppointmentPanel(ctx)
    qtbot.add_widget(panel)
    rossi = next(  # the demo's patient on clopidogrel, a PARTIAL row of the hold table
        a.id
        for a in appointments.on_date(demo_clinic.db, ctx.actor, TUESDAY)
        if a.patient_name.startswith("Rossi")
    )
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.show_appointment(int(rossi))
    model = panel.medications
    assert isinstance(model, MedicationModel)
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    hold = model.index(rows["clopidogrel"], 1)
    assert "(⚠ partly verified)" in hold.data()
    assert "a clinician should confirm it" in hold.data(Qt.ItemDataRole.ToolTipRole)
