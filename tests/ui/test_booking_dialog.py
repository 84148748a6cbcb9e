"""Booking through the dialog: search as you type, feasible slots, levels, refusal and retry."""

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from mild_desk.models.enums import AppointmentStatus, Laterality
from mild_desk.services import appointments, patients, prep
from mild_desk.ui.booking_dialog import BookingDialog
from mild_desk.ui.context import AppContext
from tests.ui.conftest import DEMO_NOW, TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]
NO_APPOINTMENT = "MRN10032"  # demo patients 31-40 have no appointment and no imaging
NO_IMAGING = "MRN10031"


def _dialog(qtbot: QtBot, ctx: AppContext) -> BookingDialog:
    dialog = BookingDialog(ctx)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _find(qtbot: QtBot, dialog: BookingDialog, text: str) -> None:
    dialog.search.setFocus()
    qtbot.keyClicks(dialog.search, text)
    assert dialog.search_timer.isActive()  # one search after the typing pauses
    qtbot.waitUntil(lambda: not dialog.search_timer.isActive())
    assert dialog.patient_model.rowCount() > 0


def test_book_a_patient_through_the_dialog(
    qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo
) -> None:
    nurse = make_ctx("nurse")
    prep.add_imaging(
        nurse.db,
        nurse.actor,
        mrn=NO_APPOINTMENT,
        modality="MRI",
        study_date="2026-09-01",
        lf_mm=3.6,
        now=DEMO_NOW,
    )
    ctx = make_ctx("scheduler")
    dialog = _dialog(qtbot, ctx)
    _find(qtbot, dialog, NO_APPOINTMENT)
    assert dialog.patient_model.rowCount() == 1
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() > 0)
    slot = dialog.selected_slot()
    assert slot is not None
    assert slot.start.astimezone(ctx.tz).date() == TUESDAY
    assert "Earliest feasible: Tue 3 Nov 2026 09:15" in dialog.slot_note.text()
    level = next(box for box in dialog.levels if box.text() == "L4-L5")
    qtbot.mouseClick(level, Qt.MouseButton.LeftButton, pos=level.rect().topLeft() + QPoint(6, 6))
    assert level.isChecked()
    dialog.laterality.setFocus()
    dialog.laterality.setCurrentIndex(dialog.laterality.findData("bilateral"))
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.booked is not None
    booked = appointments.get(ctx.db, ctx.actor, dialog.booked.id)
    assert booked.patient_mrn == NO_APPOINTMENT
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.start == slot.start
    assert (booked.levels, booked.laterality) == ("L4-L5", Laterality.BILATERAL)


def test_search_by_name_and_date_of_birth(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    ctx = make_ctx("scheduler")
    dialog = _dialog(qtbot, ctx)
    _find(qtbot, dialog, "rossi")
    names = {
        dialog.patient_model.record(r).last_name for r in range(dialog.patient_model.rowCount())
    }
    assert names == {"Rossi"}
    someone = patients.get_by_mrn(ctx.db, ctx.actor, NO_IMAGING)
    dialog.search.clear()
    _find(qtbot, dialog, someone.dob.isoformat())
    found = [dialog.patient_model.record(r).mrn for r in range(dialog.patient_model.rowCount())]
    assert NO_IMAGING in found


def test_a_refusal_says_which_rule_and_offers_the_earliest_slot(
    qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo
) -> None:
    ctx = make_ctx("scheduler")
    dialog = _dialog(qtbot, ctx)
    _find(qtbot, dialog, NO_IMAGING)
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() > 0)
    before = demo_clinic.dump()
    qtbot.keyClick(dialog.book_button, Qt.Key.Key_Space)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith("Not booked. Imaging: no MRI or CT")
    assert "as pending. You can tick 'Hold as pending'" in dialog.error.text()  # two sentences
    assert dialog.suggestion.isVisible()
    # the slot just refused is the earliest one: it takes the pending hold
    assert "Earliest slot, held as pending: Tue 3 Nov 2026 09:15" in dialog.suggestion_label.text()
    assert demo_clinic.dump() == before
    dialog.pending.setFocus()
    qtbot.keyClick(dialog.pending, Qt.Key.Key_Space)
    assert dialog.pending.isChecked()
    qtbot.mouseClick(dialog.use_earliest, Qt.MouseButton.LeftButton)
    assert not dialog.error.isVisible()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.booked is not None
    assert dialog.booked.status is AppointmentStatus.PENDING


def test_escape_cancels_without_booking(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("scheduler")
    dialog = _dialog(qtbot, ctx)
    before = demo_clinic.dump()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert demo_clinic.dump() == before
