"""Every control a user can reach has a name a screen reader can say, on every screen and for
every role; and Tab walks the dialogs' fields in the order they are read.

What counts as a control: a button (push, tool, check, radio), a line or text edit, a combo box,
a spin box (dates and times too), an item view (tables, trees, the board), a tab bar or tab
widget, a slider, and any other widget that takes focus from the Tab key.

What counts as named (what Qt hands to the screen reader as the name, made stricter):
- an accessibleName(); or
- for a button, its visible text (Qt reads the text when there is no accessible name); or
- for anything else, a QLabel beside it whose buddy it is (a QFormLayout row label is one).
Qt would also fall back to the title of a group box the widget sits in, but that names every
field in the box the same ("Tick the selected item"), so it does not count here. Each control
must also get a non-empty name from Qt's own accessibility layer, which proves the name reaches
a screen reader (on Linux Qt names a combo box by its current text and links the label).

What is Qt's own inner part of another control, and so not checked: anything inside a combo box
(its popup list), a spin box or date/time edit (its line edit, its calendar popup), an item view
(its header views, its scroll bars) or a line edit (its clear button); the scroll bars of a
scroll area; the tab bar inside a tab widget (the tab widget is checked, with the text of every
tab); the "»" overflow button Qt adds to a toolbar or menu bar (no focus, no name from Qt; every
action it lists is in the menus, which are checked)."""

import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from mild_desk.rules.checklist import KEY_NPO
from mild_desk.services import appointments, prep
from mild_desk.services.appointments import AppointmentRead
from mild_desk.services.documents import DocumentKind
from mild_desk.ui.booking_dialog import BookingDialog
from mild_desk.ui.checklist_panel import ChecklistPanel
from mild_desk.ui.context import AppContext
from mild_desk.ui.fact_dialogs import (
    CancelDialog,
    ClearanceDialog,
    DriverDialog,
    FactDialog,
    ImagingDialog,
    LabDialog,
    MedicationDialog,
    OverrideDialog,
)
from mild_desk.ui.import_dialog import ImportDialog
from mild_desk.ui.login_dialog import LoginDialog
from mild_desk.ui.main_window import MainWindow
from mild_desk.ui.print_actions import PrintChooser
from mild_desk.ui.reschedule_dialog import RescheduleDialog
from tests.ui.conftest import TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]
W = TypeVar("W", bound=QWidget)
ROLES = ("scheduler", "nurse", "provider", "admin")
CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QTextEdit,
    QPlainTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QTabBar,
    QTabWidget,
    QAbstractSlider,
)
COMPOSITES = (QComboBox, QAbstractSpinBox, QAbstractItemView, QLineEdit)
OVERFLOW_BUTTONS = ("qt_toolbar_ext_button", "qt_menubar_ext_button")


# --- the rule ---------------------------------------------------------------------------


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _is_control(widget: QWidget) -> bool:
    takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    return isinstance(widget, CONTROLS) or takes_tab


def _is_inner_part(widget: QWidget, root: QWidget) -> bool:
    """Qt's own parts of another control (see the module docstring)."""
    if widget.objectName() in OVERFLOW_BUTTONS:
        return True
    parent = widget.parentWidget()
    in_scroll_area = parent is not None and parent.objectName().startswith("qt_scrollarea_")
    if isinstance(widget, QScrollBar) and in_scroll_area:
        return True
    if isinstance(widget, QTabBar) and isinstance(parent, QTabWidget):
        return True
    while parent is not None and parent is not root:
        if isinstance(parent, COMPOSITES):
            return True
        parent = parent.parentWidget()
    return False


def _buddy_text(widget: QWidget) -> str:
    parent = widget.parentWidget()
    if parent is None:
        return ""
    for label in parent.findChildren(QLabel, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if label.buddy() is widget:
            return _plain(label.text())
    return ""


def _own_name(widget: QWidget) -> str:
    """The name under this module's rule; "" when the control has none."""
    if widget.accessibleName().strip():
        return widget.accessibleName().strip()
    if isinstance(widget, QAbstractButton):
        return _plain(widget.text())
    return _buddy_text(widget)


def _qt_name(widget: QWidget) -> str:
    """What Qt's accessibility layer gives a screen reader as the name."""
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name).strip() if face is not None else ""


def _where(widget: QWidget, root: QWidget) -> str:
    """The control and the named things around it, to find it in the code."""
    parts = []
    parent = widget.parentWidget()
    while parent is not None and parent is not root.parentWidget():
        title = parent.title() if isinstance(parent, QGroupBox) else ""
        label = parent.accessibleName() or title or parent.objectName()
        if label:
            parts.append(f"{type(parent).__name__} {label!r}")
        parent = parent.parentWidget()
    hint = ""
    if isinstance(widget, QLineEdit):
        hint = f" placeholder {widget.placeholderText()!r}"
    elif isinstance(widget, QAbstractButton):
        hint = f" text {widget.text()!r}"
    if widget.toolTip():
        hint += f" tooltip {widget.toolTip()!r}"
    return f"{type(widget).__name__}{hint} in {' < '.join(parts) or type(root).__name__}"


def controls(root: QWidget) -> Iterator[QWidget]:
    """Every control under `root`, shown or not (a hidden one shows for some role or state)."""
    for widget in root.findChildren(QWidget):
        if _is_control(widget) and not _is_inner_part(widget, root):
            yield widget


def unnamed(root: QWidget) -> list[str]:
    """Every control under `root` without a name, and every tab or menu entry without text."""
    found = []
    for widget in controls(root):
        if not _own_name(widget):
            found.append(f"no name: {_where(widget, root)}")
        elif not _qt_name(widget):
            found.append(f"named, but not through Qt's accessibility: {_where(widget, root)}")
        tabs = widget if isinstance(widget, QTabBar) else None
        if isinstance(widget, QTabWidget):
            tabs = widget.tabBar()
        if tabs is not None:
            found += [
                f"tab {i} without text: {_where(widget, root)}"
                for i in range(tabs.count())
                if not _plain(tabs.tabText(i))
            ]
    return found


def _action_problems(actions: list[QAction], where: str) -> list[str]:
    return [
        f"{where}: action without text"
        for act in actions
        if not act.isSeparator() and not _plain(act.text())
    ]


# --- helpers ----------------------------------------------------------------------------


def _tuesday(demo_clinic: Demo, ctx: AppContext) -> AppointmentRead:
    return appointments.on_date(demo_clinic.db, ctx.actor, TUESDAY)[0]


def _window(qtbot: QtBot, demo_clinic: Demo, role: str) -> MainWindow:
    window = MainWindow(
        demo_clinic.db, demo_clinic.actor(role), clock=demo_clinic.clock, live=False
    )
    qtbot.add_widget(window)
    window.resize(1400, 900)
    with qtbot.waitSignal(window.board.loaded, timeout=10_000):
        window.show()
        window.board.set_date(TUESDAY)
    return window


def _show(qtbot: QtBot, dialog: W) -> W:
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


# --- every screen -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_control_in_the_main_window_has_a_name(
    qtbot: QtBot, demo_clinic: Demo, role: str
) -> None:
    window = _window(qtbot, demo_clinic, role)
    window.open_appointment(int(window.board.model.blocks()[0].appointment.id))
    assert window.panel.read is not None
    problems: set[str] = set()
    for page in range(window.pages.count()):
        if not window.pages.isTabVisible(page):
            continue
        window.pages.setCurrentIndex(page)
        if window.pages.currentWidget() is window.worklist:
            qtbot.waitUntil(lambda: not window.worklist.runner.busy, timeout=10_000)
        if window.pages.currentWidget() is window.admin:
            for tab in range(window.admin.count()):
                window.admin.setCurrentIndex(tab)
                QApplication.processEvents()
                problems.update(unnamed(window))
            for tab in range(window.admin.schedule.count()):
                window.admin.schedule.setCurrentIndex(tab)
                QApplication.processEvents()
                problems.update(unnamed(window))
        for tab in range(window.panel.tabs.count()):
            window.panel.tabs.setCurrentIndex(tab)
            QApplication.processEvents()
            problems.update(unnamed(window))
    bar = window.menuBar()
    problems.update(_action_problems(bar.actions(), "menu bar"))
    for top in bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            problems.update(_action_problems(menu.actions(), f"menu {_plain(menu.title())}"))
    problems.update(_action_problems(window.toolbar.actions(), "toolbar"))
    window.lock()
    QApplication.processEvents()
    problems.update(unnamed(window))
    assert sorted(problems) == []


def test_the_walk_finds_the_controls_it_should(qtbot: QtBot, demo_clinic: Demo) -> None:
    """The rule sees the controls that matter and leaves Qt's inner parts out."""
    window = _window(qtbot, demo_clinic, "nurse")
    window.show_page(window.worklist)  # built when first opened
    window.show_page(window.board)
    found = list(controls(window))
    panel = window.panel
    for widget in (
        window.board.view,
        window.board.date_edit,
        window.pages,
        window.worklist.table,
        window.worklist.note,
        panel.tabs,
        panel.checklist.tree,
        panel.checklist.note,
        panel.checklist.last_solids,
        panel.checklist.confirmed,
        panel.add_medication,
    ):
        assert widget in found, _where(widget, window)
    assert not any(w.objectName() == "qt_spinbox_lineedit" for w in found)
    assert not any(type(w).__name__ == "QHeaderView" for w in found)
    assert not any(isinstance(w, QScrollBar) for w in found)


def test_the_rule_does_not_take_a_group_box_title_as_a_name(qtbot: QtBot) -> None:
    """Qt falls back to the title of the enclosing group box; this test's rule does not."""
    box = QGroupBox("Tick the selected item")
    qtbot.add_widget(box)
    edit = QLineEdit(box)
    assert _qt_name(edit) == "Tick the selected item"
    assert unnamed(box) == [f"no name: {_where(edit, box)}"]
    edit.setAccessibleName("Note")
    assert unnamed(box) == []


def test_every_control_in_the_login_dialog_has_a_name(qtbot: QtBot, demo_clinic: Demo) -> None:
    dialog = _show(qtbot, LoginDialog(demo_clinic.db))
    assert unnamed(dialog) == []


def test_every_control_in_the_lock_screen_has_a_name(qtbot: QtBot, demo_clinic: Demo) -> None:
    window = _window(qtbot, demo_clinic, "nurse")
    window.lock()
    assert window.lock_screen.login is not None
    assert unnamed(window.lock_screen) == []


def test_every_control_in_the_booking_dialog_has_a_name(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    dialog = _show(qtbot, BookingDialog(make_ctx("scheduler")))
    dialog.search.setText("Mart")
    dialog.search_timer.timeout.emit()
    dialog.results.selectRow(0)
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() > 0)
    assert unnamed(dialog) == []


def test_every_control_in_the_reschedule_dialog_has_a_name(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    ctx = make_ctx("scheduler")
    dialog = _show(qtbot, RescheduleDialog(ctx, _tuesday(demo_clinic, ctx)))
    assert unnamed(dialog) == []


def test_every_control_in_the_import_and_print_dialogs_has_a_name(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    ctx = make_ctx("nurse")
    assert unnamed(_show(qtbot, ImportDialog(ctx))) == []
    appointment = int(_tuesday(demo_clinic, ctx).id)
    for kind in (DocumentKind.PREP_LETTER, DocumentKind.CHECKLIST):
        chooser = PrintChooser(ctx, kind, appointment_id=appointment)
        assert unnamed(_show(qtbot, chooser)) == []


FactFactory = Callable[[AppContext, AppointmentRead], FactDialog]
FACT_DIALOGS: dict[str, FactFactory] = {
    "imaging": lambda ctx, a: ImagingDialog(ctx, a.patient_mrn),
    "medication": lambda ctx, a: MedicationDialog(ctx, a.patient_mrn),
    "last dose": lambda ctx, a: MedicationDialog(
        ctx, a.patient_mrn, drug="apixaban", last_dose=ctx.now()
    ),
    "lab": lambda ctx, a: LabDialog(ctx, a.patient_mrn),
    "clearance": lambda ctx, a: ClearanceDialog(ctx, a.patient_mrn, drug="aspirin"),
    "driver": lambda ctx, a: DriverDialog(ctx, a.id),
    "override": lambda ctx, a: OverrideDialog(
        ctx, a.id, prep.prep(ctx.db, ctx.actor, a.id, now=ctx.now()).requirements
    ),
    "cancel": lambda ctx, a: CancelDialog(ctx, a.id, a.version),
}


@pytest.mark.parametrize("name", FACT_DIALOGS)
def test_every_control_in_each_fact_dialog_has_a_name(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, name: str
) -> None:
    ctx = make_ctx("provider")
    dialog = _show(qtbot, FACT_DIALOGS[name](ctx, _tuesday(demo_clinic, ctx)))
    assert list(controls(dialog))
    assert unnamed(dialog) == []


def test_every_control_in_the_checklist_panel_has_a_name(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    ctx = make_ctx("nurse")
    appointment = _tuesday(demo_clinic, ctx)
    panel = ChecklistPanel(ctx)
    _show(qtbot, panel)
    report = prep.prep(ctx.db, ctx.actor, appointment.id, now=ctx.now())
    panel.set_checklist(
        int(appointment.id), tuple(prep.checklist(ctx.db, ctx.actor, appointment.id)), report
    )
    assert panel.select_item(KEY_NPO)
    assert unnamed(panel) == []


# --- tab order --------------------------------------------------------------------------


def _reading_order(a: QWidget, b: QWidget) -> int:
    """Top to bottom, and left to right within a line (widgets whose heights overlap); a
    group box is read whole before the one to its right."""
    window = a.window()

    def section(widget: QWidget) -> QWidget:
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent, QGroupBox):
                return parent
            parent = parent.parentWidget()
        return widget

    sa, sb = section(a), section(b)
    if sa is not sb:
        a, b = sa, sb
    ra = a.rect().translated(a.mapTo(window, a.rect().topLeft()))
    rb = b.rect().translated(b.mapTo(window, b.rect().topLeft()))
    if ra.bottom() < rb.top():
        return -1
    if rb.bottom() < ra.top():
        return 1
    return -1 if ra.left() < rb.left() else 1 if rb.left() < ra.left() else 0


def tab_stops(dialog: QWidget) -> list[QWidget]:
    """The widgets Tab can reach, in reading order."""
    stops = [
        w
        for w in dialog.findChildren(QWidget)
        if w.isVisibleTo(dialog)
        and w.isEnabled()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.focusProxy() is None
        and not _is_inner_part(w, dialog)
    ]
    return sorted(stops, key=functools.cmp_to_key(_reading_order))


def tab_walk(qtbot: QtBot, dialog: QWidget, first: QWidget, stops: int) -> list[QWidget]:
    """Press Tab from `first` until focus comes back to it; the widgets focus went through
    (Tab moves between the sections of a date edit first: that stays one widget)."""
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    walked = [first]
    for _ in range(stops * 8):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        assert now is not None
        if now is first and walked[-1] is not first:
            break
        if now is not walked[-1]:
            walked.append(now)
    return walked


def _assert_tab_order(qtbot: QtBot, dialog: QDialog) -> None:
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    expected = tab_stops(dialog)
    walked = tab_walk(qtbot, dialog, expected[0], len(expected))
    described = [_own_name(w) or _where(w, dialog) for w in walked]
    assert walked == expected, described


@pytest.mark.parametrize("name", FACT_DIALOGS)
def test_tab_walks_each_fact_dialog_top_to_bottom(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx, name: str
) -> None:
    ctx = make_ctx("provider")
    dialog = _show(qtbot, FACT_DIALOGS[name](ctx, _tuesday(demo_clinic, ctx)))
    _assert_tab_order(qtbot, dialog)


def test_tab_walks_the_booking_dialog_in_reading_order(qtbot: QtBot, make_ctx: MakeCtx) -> None:
    dialog = BookingDialog(make_ctx("scheduler"))
    _show(qtbot, dialog)
    dialog.search.setText("Mart")
    dialog.search_timer.timeout.emit()
    dialog.results.selectRow(0)
    qtbot.waitUntil(lambda: dialog.slot_model.rowCount() > 0)
    stops = tab_stops(dialog)
    assert stops[:4] == [dialog.search, dialog.results, dialog.from_date, dialog.slots]
    assert stops[4:9] == dialog.levels
    _assert_tab_order(qtbot, dialog)


def test_tab_walks_the_login_and_reschedule_dialogs_in_reading_order(
    qtbot: QtBot, demo_clinic: Demo, make_ctx: MakeCtx
) -> None:
    login = _show(qtbot, LoginDialog(demo_clinic.db))
    assert tab_stops(login)[:2] == [login.username, login.password]
    _assert_tab_order(qtbot, login)
    ctx = make_ctx("scheduler")
    move = _show(qtbot, RescheduleDialog(ctx, _tuesday(demo_clinic, ctx)))
    assert tab_stops(move)[0] is move.table
    _assert_tab_order(qtbot, move)
