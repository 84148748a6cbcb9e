"""The worklist and admin pages, and live refresh from another workstation."""

from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mild_desk.db import Database
from mild_desk.services import appointments, availability, clinic, prep, users
from mild_desk.ui.board_model import CELL_ROLE
from mild_desk.ui.board_types import Cell
from mild_desk.ui.changes import ChangeNotice
from mild_desk.ui.main_window import MainWindow
from tests.ui.conftest import DEMO_NOW, TUESDAY, Demo

CTRL = Qt.KeyboardModifier.ControlModifier


def _window(qtbot: QtBot, demo_clinic: Demo, role: str) -> MainWindow:
    window = MainWindow(
        demo_clinic.db, demo_clinic.actor(role), clock=demo_clinic.clock, live=False
    )
    qtbot.add_widget(window)
    window.resize(1500, 950)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
    return window


def test_worklist_one_click_call_note(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "scheduler")
    page = window.worklist
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    assert window.pages.currentWidget() is page
    items = page.model.records()
    assert items
    dues = [(i.status.value != "unmet", i.due) for i in items]
    assert dues == sorted(dues)  # what cannot be met first, then soonest deadline
    page.table.selectRow(0)
    first = page.selected_item()
    assert first is not None
    qtbot.keyClicks(page.note, "will call back after lunch")
    left_message = next(b for b in page.buttons if b.property("outcome") == "left message")
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(left_message, Qt.MouseButton.LeftButton)
    assert "recorded: left message" in page.status.text()
    same = [i for i in page.model.records() if i.appointment_id == first.appointment_id]
    assert same
    assert all("called — left message" in (i.last_call or "") for i in same)
    with qtbot.waitSignal(page.appointment_opened) as opened:
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args[0] in {int(i.appointment_id) for i in page.model.records()}


def test_nurse_sees_the_worklist_without_booking(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "provider")
    with qtbot.waitSignal(window.worklist.loaded, timeout=10_000):
        window.show_page(window.worklist)
    assert window.worklist.model.rowCount() > 0
    assert not any(b.isVisibleTo(window.worklist) for b in window.worklist.buttons)


def test_admin_adds_a_user_and_a_closure(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "admin")
    qtbot.keyClick(window, Qt.Key.Key_3, CTRL)
    admin = window.admin
    assert window.pages.currentWidget() is admin
    assert admin.user_model.rowCount() == 4
    qtbot.keyClicks(admin.new_username, "rosa")
    qtbot.keyClicks(admin.new_full_name, "Rosa Lee")
    admin.new_role.setCurrentIndex(admin.new_role.findData("nurse"))
    qtbot.keyClicks(admin.new_password, "short")
    qtbot.mouseClick(admin.add_user_section.button, Qt.MouseButton.LeftButton)
    assert "Password: must be at least 8 characters" in admin.add_user_section.error.text()
    qtbot.keyClicks(admin.new_password, "-but-long-enough")
    qtbot.mouseClick(admin.add_user_section.button, Qt.MouseButton.LeftButton)
    assert admin.add_user_section.done.text() == "Added rosa (nurse)."
    assert admin.user_model.rowCount() == 5
    assert users.login(demo_clinic.db, "rosa", "short-but-long-enough").role.value == "nurse"

    setup = admin.schedule
    tuesday_after = date(2026, 11, 10)
    setup.closure_from.setDate(setup.closure_from.date().addDays(8))
    setup.closure_to.setDate(setup.closure_from.date())
    qtbot.mouseClick(setup.closure_section.button, Qt.MouseButton.LeftButton)
    assert "Reason: is required" in setup.closure_section.error.text()
    qtbot.keyClicks(setup.closure_reason, "Staff training")
    qtbot.mouseClick(setup.closure_section.button, Qt.MouseButton.LeftButton)
    assert "Staff training" in setup.closure_section.done.text()
    closures = availability.closures(demo_clinic.db, date_from=tuesday_after, date_to=tuesday_after)
    assert [c.reason for c in closures] == ["Staff training"]
    window.show_page(window.board)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.board.set_date(tuesday_after)
    model = window.board.model
    assert model.block_at(0, 0) is not None  # a closure does not cancel what is booked
    labels = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "Closed: Staff training" in labels
    assert model.index(4, 0).data(CELL_ROLE) == Cell.CLOSED


def test_the_worklist_and_admin_pages_are_built_when_first_opened(
    qtbot: QtBot, demo_clinic: Demo
) -> None:
    from mild_desk.ui.admin import AdminPage
    from mild_desk.ui.worklist import WorklistPage

    window = _window(qtbot, demo_clinic, "admin")
    pages = window.pages
    labels = [pages.tabText(i) for i in range(pages.count())]
    assert labels == ["Schedule &board", "&Worklist", "&Admin"]
    assert not any(isinstance(pages.widget(i), WorklistPage | AdminPage) for i in range(3))
    pages.setCurrentIndex(2)  # a click on the tab
    assert isinstance(pages.currentWidget(), AdminPage)
    assert pages.currentWidget() is window.admin
    assert [pages.tabText(i) for i in range(pages.count())] == labels
    assert window.admin.user_model.rowCount() == 4  # loaded when shown
    with qtbot.waitSignal(window.worklist.loaded, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    assert pages.currentIndex() == 1
    assert pages.currentWidget() is window.worklist
    assert [pages.tabText(i) for i in range(pages.count())] == labels


def test_a_role_without_admin_never_sees_the_admin_tab(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    pages = window.pages
    assert not pages.isTabVisible(2)
    window.show_page(window.admin)  # built on asking, still not shown
    assert not pages.isTabVisible(pages.indexOf(window.admin))
    assert pages.currentWidget() is window.board


def test_admin_sets_the_account_lockout(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "admin")
    window.show_page(window.admin)
    admin = window.admin
    assert (admin.max_failed.value(), admin.lockout_minutes.value()) == (5, 15)
    admin.max_failed.setValue(3)
    admin.lockout_minutes.setValue(45)
    qtbot.mouseClick(admin.clinic_section.button, Qt.MouseButton.LeftButton)
    assert "locks for 45 min after 3 wrong passwords" in admin.clinic_section.done.text()
    settings = clinic.clinic(demo_clinic.db)
    assert (settings.max_failed_logins, settings.lockout_minutes) == (3, 45)


def test_changes_from_another_workstation_arrive_by_themselves(
    qtbot: QtBot, demo_clinic: Demo
) -> None:
    notice = ChangeNotice(demo_clinic.db, poll_ms=50)
    assert notice.live
    other = Database.open(f"sqlite:///{demo_clinic.path}")  # a second workstation
    try:
        sam = users.login(other, "sam", "sam-demo-2026", now=DEMO_NOW)
        appt = appointments.on_date(other, sam, TUESDAY)[0]
        with qtbot.waitSignal(notice.changed, timeout=5_000):
            prep.record_call(other, sam, appt.id, outcome="called — reached", now=DEMO_NOW)
    finally:
        notice.stop()
        other.dispose()
