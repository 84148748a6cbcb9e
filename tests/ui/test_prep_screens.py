"""Nurse checklist to ready, provider override and completion, and the patient facts forms."""

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mild_desk.models.enums import AppointmentStatus, RequirementKey, RequirementStatus
from mild_desk.services.views import BlockState
from mild_desk.ui.fact_dialogs import DriverDialog, MedicationDialog, OverrideDialog
from mild_desk.ui.main_window import MainWindow
from tests.ui.conftest import TUESDAY, Demo

TUESDAY_0715 = datetime(2026, 11, 3, 12, 15, tzinfo=UTC)  # 07:15 in New York, before the 08:00 case
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def _window(qtbot: QtBot, demo_clinic: Demo, role: str) -> MainWindow:
    window = MainWindow(
        demo_clinic.db, demo_clinic.actor(role), clock=demo_clinic.clock, live=False
    )
    qtbot.add_widget(window)
    window.resize(1500, 950)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
        window.board.set_date(TUESDAY)
    return window


def _open(window: MainWindow, row: int) -> int:
    block = window.board.model.block_at(row, 0)
    assert block is not None
    window.open_appointment(int(block.appointment.id))
    assert window.panel.read is not None
    return int(block.appointment.id)


def _requirement(window: MainWindow, key: RequirementKey) -> RequirementStatus:
    assert window.panel.read is not None
    return max(
        (r.status for r in window.panel.read.prep.requirements if r.key is key),
        key=lambda s: s is not RequirementStatus.MET,
    )


def test_nurse_ticks_the_checklist_to_ready_and_the_provider_completes(
    qtbot: QtBot, demo_clinic: Demo
) -> None:
    demo_clinic.clock.now = TUESDAY_0715
    nurse = _window(qtbot, demo_clinic, "nurse")
    appointment = _open(nurse, 0)  # Johnson, 08:00 with Dr. Patel: imaging, holds, driver met
    qtbot.keyClick(nurse, Qt.Key.Key_I, CTRL)  # check in
    panel = nurse.panel
    assert panel.read is not None
    assert panel.read.appointment.status is AppointmentStatus.ARRIVED
    panel.tabs.setCurrentWidget(panel.checklist)
    checklist = panel.checklist
    assert "Not ready" in checklist.banner.text()
    for line in checklist.model.lines():
        if not line.required or "nurse" not in line.roles:
            continue
        assert checklist.select_item(line.key)
        if line.key == "npo":  # needs the last solids and clear liquids times (pre-filled)
            assert checklist.last_solids.isVisible()
            qtbot.mouseClick(checklist.confirmed, Qt.MouseButton.LeftButton)
            qtbot.mouseClick(checklist.record_button, Qt.MouseButton.LeftButton)
        else:
            checklist.tree.setFocus()
            qtbot.keyClick(checklist.tree, Qt.Key.Key_Space)
        assert not checklist.error.isVisible(), checklist.error.text()
    states = {line.key: line.state for line in checklist.model.lines()}
    assert states["site_marked"] is None  # only a provider may tick it
    checklist.select_item("site_marked")
    assert not checklist.editor.isEnabled()
    assert "Only a provider" in checklist.who_may.text()
    assert "Not ready" in checklist.banner.text()

    provider = _window(qtbot, demo_clinic, "provider")  # another workstation
    _open(provider, 0)
    pchecklist = provider.panel.checklist
    pchecklist.select_item("site_marked")
    qtbot.mouseClick(pchecklist.confirmed, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(pchecklist.note, "left L4-L5 marked")
    qtbot.keyClick(pchecklist.note, Qt.Key.Key_Return)
    assert pchecklist.banner.text() == "✓  Ready for procedure"

    nurse.activateWindow()
    qtbot.waitUntil(nurse.isActiveWindow)
    qtbot.keyClick(nurse, Qt.Key.Key_F5)  # the nurse's screen catches up
    assert checklist.banner.text() == "✓  Ready for procedure"
    site = next(line for line in checklist.model.lines() if line.key == "site_marked")
    assert (site.by, site.note) == ("Dr. Priya Patel", "left L4-L5 marked")

    provider.activateWindow()
    qtbot.waitUntil(provider.isActiveWindow)
    with qtbot.waitSignal(provider.board.loaded, timeout=10_000):
        qtbot.keyClick(provider, Qt.Key.Key_F, CTRL | SHIFT)  # complete the procedure
    assert provider.panel.read is not None
    assert provider.panel.read.appointment.status is AppointmentStatus.FULFILLED
    done = provider.board.model.block_at(0, 0)
    assert done is not None
    assert done.appointment.id == appointment
    assert done.appointment.state is BlockState.DONE


def test_provider_overrides_a_requirement_with_a_reason(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "provider")
    _open(window, 5)  # Rossi, 09:15: no driver recorded
    assert _requirement(window, RequirementKey.DRIVER) is RequirementStatus.PENDING
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL | SHIFT)
    dialog = window.appointment_actions.dialog
    assert isinstance(dialog, OverrideDialog)
    dialog.requirement.setCurrentIndex(dialog.requirement.findData("driver"))
    assert "driver" in dialog.why.text()
    qtbot.keyClicks(dialog.reason, "ok")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "at least 3 words" in dialog.error.text()
    qtbot.keyClicks(dialog.reason, ", her daughter waits in the lobby with a taxi")
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    assert _requirement(window, RequirementKey.DRIVER) is RequirementStatus.OVERRIDDEN
    assert "requirement overridden" in window.panel.notice.text()
    rossi = window.board.model.block_at(5, 0)
    assert rossi is not None
    assert dict(rossi.appointment.summary)[RequirementKey.DRIVER] is RequirementStatus.OVERRIDDEN
    history = [e.action for e in window.panel.history.records()]
    assert "override.add" in history


def test_nurse_records_a_last_dose_a_lab_and_the_driver(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    _open(window, 5)  # Rossi: clopidogrel
    panel = window.panel
    panel.tabs.setCurrentIndex(1)
    panel.medication_table.selectRow(0)
    qtbot.mouseClick(panel.add_medication, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, MedicationDialog)
    assert dialog.drug.text() == "clopidogrel"
    dialog.last_dose.setDateTime(dialog.last_dose.dateTime().addDays(2))
    dialog.buttons.accepted.emit()
    assert "Last dose" in dialog.error.text()
    assert "in the future" in dialog.error.text()
    dialog.last_dose.setDateTime(dialog.last_dose.dateTime().addDays(-12))
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    assert panel.read is not None
    assert panel.read.medications[0].last_dose_at is not None
    assert _requirement(window, RequirementKey.ANTICOAGULATION) is not RequirementStatus.UNMET

    qtbot.mouseClick(panel.add_lab, Qt.MouseButton.LeftButton)
    lab = panel.dialog
    assert lab is not None
    qtbot.keyClicks(lab.value, "1.1")  # type: ignore[attr-defined]
    qtbot.keyClick(lab.value, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert panel.labs.rowCount() == 1

    qtbot.keyClick(window, Qt.Key.Key_D, CTRL)
    driver = window.appointment_actions.dialog
    assert isinstance(driver, DriverDialog)
    qtbot.keyClicks(driver.name, "Ana Rossi")
    qtbot.keyClicks(driver.phone, "(555) 010-4242")
    qtbot.keyClick(driver.phone, Qt.Key.Key_Return)
    assert _requirement(window, RequirementKey.DRIVER) is RequirementStatus.MET
    assert "Ana Rossi" in panel.driver_label.text()
