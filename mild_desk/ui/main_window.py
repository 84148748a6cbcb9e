"""The main window: schedule board, worklist and admin pages, the appointment panel, menus and
toolbar with shortcuts, the status bar, and the idle lock. The worklist and admin pages are built
when first opened (the start shows the board)."""

import gc
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QWidget,
)

from mild_desk.db import Database
from mild_desk.services import clinic
from mild_desk.services.base import Actor, load_orm, utcnow
from mild_desk.ui import gc_pause
from mild_desk.ui.appointment_actions import AppointmentActions
from mild_desk.ui.board import BoardWidget
from mild_desk.ui.changes import ChangeNotice
from mild_desk.ui.context import AppContext, Clock
from mild_desk.ui.errors import install_crash_handler
from mild_desk.ui.idle import IdleTimer
from mild_desk.ui.lock_screen import LockScreen
from mild_desk.ui.login_dialog import LoginDialog
from mild_desk.ui.patient_panel import AppointmentPanel
from mild_desk.ui.widgets import ElidedLabel, LazyTab, fit_to_screen, scrolling

if TYPE_CHECKING:  # these load when first opened, not at start
    from mild_desk.services.interop.patient_csv import ImportReport
    from mild_desk.services.panel_view import PanelRead
    from mild_desk.ui.admin import AdminPage
    from mild_desk.ui.import_dialog import ImportDialog
    from mild_desk.ui.worklist import WorklistPage

__all__ = ["LoginDialog", "MainWindow", "start"]

_WATCH_INPUT_BY_MS = 3_000
_LOAD_AHEAD_MS = 300


def _load_panel_reads() -> None:
    """What opening an appointment needs first: the panel's read model and the ORM. They live as
    long as the app, like what the start builds: loaded with the collector paused, then frozen."""
    gc_pause.pause_gc()
    try:
        from mild_desk.services import panel_view  # noqa: F401

        load_orm()
    finally:
        gc_pause.resume_gc()
    gc.freeze()


class MainWindow(QMainWindow):
    """Built for one signed-in user; another user may take over at the lock screen."""

    locked = Signal()
    unlocked = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        clock: Clock = utcnow,
        idle_ms: int | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.db = db
        settings = clinic.clinic(db)
        self.ctx = AppContext(db, actor, ChangeNotice(db, self, live=live), clock=clock)
        self.setWindowTitle(f"mild-desk — {settings.name}")
        self.board = BoardWidget(self.ctx, self)
        self.panel = AppointmentPanel(self.ctx, self)
        self.appointment_actions = AppointmentActions(self.ctx, self)
        self.lock_screen = LockScreen(db, self)
        self._fixed_idle_ms = idle_ms
        self.idle = IdleTimer(idle_ms or settings.idle_lock_minutes * 60_000, self)
        self._dock_was_visible = True
        self.import_dialog: ImportDialog | None = None
        self._build_pages()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect_signals()
        self._apply_role()
        self._size_to_screen()
        # The idle lock counts from now but sees input from the first board on (the window's
        # first moments send thousands of events, each a call into Python through its filter),
        # and at the latest a few seconds from now, should that board fail to load.
        self.idle.start(watch=False)
        self.board.loaded.connect(self.idle.watch, Qt.ConnectionType.SingleShotConnection)
        QTimer.singleShot(_WATCH_INPUT_BY_MS, self.idle, self.idle.watch)
        self.board.loaded.connect(self._load_ahead, Qt.ConnectionType.SingleShotConnection)
        self.board.refresh()

    # --- public -----------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    @property
    def worklist(self) -> "WorklistPage":
        """The worklist page, built now if it has not been opened yet."""
        return self._worklist_tab.page()

    @property
    def admin(self) -> "AdminPage":
        """The admin pages, built now if they have not been opened yet."""
        return self._admin_tab.page()

    @property
    def is_locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_screen

    def lock(self, reason: str = "Locked by hand.") -> None:
        """Cover everything with the sign-in; pages, dates and the open appointment stay."""
        if self.is_locked:
            return
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible() and dialog is not self.lock_screen.login:
                dialog.reject()
        self._dock_was_visible = self.dock.isVisible()
        self.dock.hide()
        self.menuBar().setEnabled(False)
        self.toolbar.setEnabled(False)
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.lock(self.ctx.actor.username, reason)
        self.idle.stop()
        self.locked.emit()

    def unlock(self, actor: Actor) -> None:
        changed_user = actor.user_id != self.ctx.actor.user_id
        self.ctx.actor = actor
        self.stack.setCurrentWidget(self.pages)
        self.menuBar().setEnabled(True)
        self.toolbar.setEnabled(True)
        self.dock.setVisible(self._dock_was_visible)
        if changed_user:
            self._apply_role()
        self.idle.start()
        self.unlocked.emit()
        self.ctx.changes.notify()

    def shortcut_lines(self) -> list[str]:
        """ "Ctrl+N  Book a patient…" for every visible menu action with a shortcut."""
        lines = []
        for top in self.menuBar().actions():
            menu = top.menu()
            if not isinstance(menu, QMenu) or not top.isVisible():
                continue
            for act in menu.actions():
                if act.isVisible() and not act.shortcut().isEmpty():
                    keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    lines.append(f"{keys}\t{act.text().replace('&', '')}")
        return lines

    def show_page(self, page: QWidget) -> None:
        if self.pages.indexOf(page) >= 0 and self.pages.isTabVisible(self.pages.indexOf(page)):
            self.pages.setCurrentWidget(page)
            page.setFocus()

    def open_appointment(self, appointment_id: int, *, focus: bool = True) -> None:
        self.dock.show()
        self.panel.show_appointment(appointment_id)
        if focus:
            self.dock.raise_()
            self.panel.tabs.setFocus()

    # --- building -------------------------------------------------------------------

    def _size_to_screen(self) -> None:
        """Most of the screen, in proportion to the font (so it scales with the display)."""
        metrics = self.fontMetrics()
        fit_to_screen(self, metrics.horizontalAdvance("x") * 200, metrics.height() * 60)

    def _build_pages(self) -> None:
        self.pages = QTabWidget(self)
        self.pages.setAccessibleName("Pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.board, "Schedule &board")
        self._worklist_tab = LazyTab(self.pages, "&Worklist", self._make_worklist)
        self._admin_tab = LazyTab(self.pages, "&Admin", self._make_admin)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.pages)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)
        self.dock = QDockWidget("Appointment", self)
        self.dock.setObjectName("appointment-dock")
        self.dock.setWidget(scrolling(self.panel, "Appointment panel"))
        self.dock.setAccessibleName("Appointment panel")
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self._dock_sized = False

    def _make_worklist(self) -> "WorklistPage":
        from mild_desk.ui.worklist import WorklistPage

        page = WorklistPage(self.ctx, self)
        page.runner.busy_changed.connect(self._on_runner_busy_changed)
        page.appointment_opened.connect(self._on_worklist_appointment_opened)
        page.apply_role()
        return page

    def _make_admin(self) -> "AdminPage":
        from mild_desk.ui.admin import AdminPage

        return AdminPage(self.ctx, self)

    def _action(self, text: str, keys: str | QKeySequence.StandardKey, tip: str) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(keys))
        act.setStatusTip(tip)
        act.setToolTip(f"{tip} ({act.shortcut().toString()})")
        return act

    def _build_actions(self) -> None:
        self.import_action = self._action(
            "&Import patients…", "Ctrl+Shift+I", "Add or update patients from a CSV file"
        )
        self.refresh_action = self._action("&Refresh", "F5", "Reload everything from the database")
        self.lock_action = self._action("&Lock", "Ctrl+L", "Lock the window now")
        self.quit_action = self._action("&Quit", "Ctrl+Q", "Close mild-desk")
        self.board_page_action = self._action(
            "Schedule &board", "Ctrl+1", "Show the schedule board"
        )
        self.worklist_page_action = self._action("&Worklist", "Ctrl+2", "Show the worklist")
        self.admin_page_action = self._action("&Admin", "Ctrl+3", "Show the admin pages")
        self.panel_action = self.dock.toggleViewAction()
        self.panel_action.setText("Appointment &panel")
        self.panel_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.shortcuts_action = self._action("&Keyboard shortcuts", "F1", "List every shortcut")
        self.about_action = QAction("&About mild-desk", self)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addActions([self.refresh_action, self.lock_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view = bar.addMenu("&View")
        view.addActions([self.board_page_action, self.worklist_page_action, self.admin_page_action])
        view.addSeparator()
        b = self.board
        view.addActions([b.day_action, b.week_action, b.rooms_action])
        view.addSeparator()
        view.addActions([b.today_action, b.previous_action, b.next_action, b.go_to_action])
        view.addSeparator()
        view.addAction(self.panel_action)
        self.appointment_menu = bar.addMenu("A&ppointment")
        self.appointment_menu.addActions(self.appointment_actions.all())
        self.print_menu = bar.addMenu("P&rint")
        self.print_menu.addActions(self.appointment_actions.prints())
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setAccessibleName("Main toolbar")
        a = self.appointment_actions
        self.toolbar.addActions([a.new_booking, a.check_in, a.set_driver, a.override, a.complete])
        self.toolbar.addSeparator()
        self.toolbar.addActions([a.print_checklist, a.print_prep])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.refresh_action, self.lock_action])
        self.addToolBar(self.toolbar)

    def _build_status_bar(self) -> None:
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(self.fontMetrics().horizontalAdvance("x") * 12)
        self.busy.setAccessibleName("Loading")
        self.busy.hide()
        self.identity = ElidedLabel(self)
        self.identity.setAccessibleName("Signed in")
        self.live = QLabel("live updates" if self.ctx.changes.live else "F5: refresh", self)
        self.live.setToolTip(
            "Changes from other workstations appear by themselves"
            if self.ctx.changes.live
            else "Press F5 to see changes made on other workstations"
        )
        self.live.setAccessibleName("Refresh mode")
        self.statusBar().addPermanentWidget(self.live)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.identity)

    def _connect_signals(self) -> None:
        self.import_action.triggered.connect(self._on_import_action_triggered)
        self.refresh_action.triggered.connect(self._on_refresh_action_triggered)
        self.lock_action.triggered.connect(self._on_lock_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.board_page_action.triggered.connect(self._on_board_page_action_triggered)
        self.worklist_page_action.triggered.connect(self._on_worklist_page_action_triggered)
        self.admin_page_action.triggered.connect(self._on_admin_page_action_triggered)
        self.shortcuts_action.triggered.connect(self._on_shortcuts_action_triggered)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        self.board.appointment_selected.connect(self._on_board_appointment_selected)
        self.board.appointment_opened.connect(self._on_board_appointment_opened)
        self.board.appointment_moved.connect(self._on_board_appointment_moved)
        self.board.booking_requested.connect(self._on_board_booking_requested)
        self.board.loaded.connect(self._on_board_loaded)
        self.board.runner.busy_changed.connect(self._on_runner_busy_changed)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        self.panel.loaded.connect(self._on_panel_loaded)
        self.appointment_actions.reported.connect(self._on_appointment_actions_reported)
        self.appointment_actions.appointment_changed.connect(
            self._on_appointment_actions_appointment_changed
        )
        self.idle.timed_out.connect(self._on_idle_timed_out)
        self.ctx.changes.changed.connect(self._on_changes_changed)
        self.lock_screen.unlocked.connect(self._on_lock_screen_unlocked)

    def _apply_role(self) -> None:
        """Show only what the signed-in role may do (every service checks again)."""
        actor = self.ctx.actor
        admin = self.ctx.can("user.manage")
        self.pages.setTabVisible(self.pages.indexOf(self._admin_tab.tab), admin)
        self.admin_page_action.setVisible(admin)
        self.import_action.setVisible(self.ctx.can("patient.edit"))
        self.appointment_actions.apply_role()
        self.print_menu.menuAction().setVisible(
            any(a.isVisible() for a in self.appointment_actions.prints())
        )
        self.appointment_menu.menuAction().setVisible(
            any(a.isVisible() for a in self.appointment_actions.all())
        )
        a = self.appointment_actions
        self.panel.set_actions(
            [a.confirm, a.check_in, a.set_driver, a.override, a.complete, a.reschedule, a.cancel]
        )
        self.identity.setText(
            f"{actor.full_name or actor.username} · {actor.role.value} · {self.db.url}"
        )
        if (worklist := self._worklist_tab.built) is not None:
            worklist.apply_role()

    # --- slots ----------------------------------------------------------------------

    def _on_import_action_triggered(self) -> None:
        from mild_desk.ui.import_dialog import ImportDialog

        self.import_dialog = ImportDialog(self.ctx, self)
        self.import_dialog.imported.connect(self._on_import_dialog_imported)
        self.import_dialog.finished.connect(self._on_import_dialog_finished)
        self.import_dialog.open()

    def _on_import_dialog_imported(self, report: "ImportReport") -> None:
        from mild_desk.ui.import_dialog import summary_text

        self.statusBar().showMessage(summary_text(report), 10_000)

    def _on_import_dialog_finished(self, result: int) -> None:
        if self.import_dialog is not None:
            self.import_dialog.deleteLater()
            self.import_dialog = None

    def _on_refresh_action_triggered(self) -> None:
        self.ctx.changes.notify()

    def _on_changes_changed(self) -> None:
        """The admin may have changed the idle lock time (the context re-read the settings)."""
        if self._fixed_idle_ms is None:
            self.idle.set_interval_ms(self.ctx.settings.idle_lock_minutes * 60_000)

    def _on_lock_action_triggered(self) -> None:
        self.lock()

    def _on_idle_timed_out(self) -> None:
        minutes = max(1, round(self.idle.interval_ms / 60_000))
        self.lock(f"Locked after {minutes} minute(s) without use.")

    def _on_lock_screen_unlocked(self, actor: Actor) -> None:
        self.unlock(actor)

    def _on_pages_current_changed(self, index: int) -> None:
        self._worklist_tab.open_if_current()
        self._admin_tab.open_if_current()

    def _on_board_page_action_triggered(self) -> None:
        self.show_page(self.board)

    def _on_worklist_page_action_triggered(self) -> None:
        self.show_page(self.worklist)

    def _on_admin_page_action_triggered(self) -> None:
        self.show_page(self.admin)

    def _on_board_appointment_selected(self, appointment_id: int) -> None:
        if appointment_id != self.panel.appointment_id:
            self.panel.show_appointment(appointment_id)

    def _on_board_appointment_opened(self, appointment_id: int) -> None:
        self.open_appointment(appointment_id)

    def _on_board_appointment_moved(self, old: int, new: int) -> None:
        if self.panel.appointment_id == old:
            self.panel.show_appointment(new)

    def _on_board_booking_requested(
        self, start: datetime, provider: int | None, room: int | None
    ) -> None:
        if self.ctx.can("appointment.book"):
            self.appointment_actions.book(preferred=(start, provider, room))

    def _load_ahead(self) -> None:
        """A moment after the first board is on screen, load what opening an appointment needs
        (the ORM and the panel's read model, 0.25-0.35 s here), which the start leaves out."""
        QTimer.singleShot(_LOAD_AHEAD_MS, self, _load_panel_reads)

    def _on_board_loaded(self) -> None:
        self.appointment_actions.set_day(self.board.day)

    def _on_worklist_appointment_opened(self, appointment_id: int) -> None:
        self.open_appointment(appointment_id)
        if self.panel.read is not None:
            start = self.panel.read.appointment.start.astimezone(self.ctx.tz)
            self.board.select_after_load(appointment_id)
            self.board.date_edit.setDate(QDate(start.year, start.month, start.day))

    def _on_panel_loaded(self, read: "PanelRead") -> None:
        self.appointment_actions.set_panel(read)

    def _on_appointment_actions_reported(self, text: str, error: bool) -> None:
        self.panel.show_notice(text, error=error)
        self.statusBar().showMessage(text, 10_000)

    def _on_appointment_actions_appointment_changed(self, appointment_id: int) -> None:
        self.board.select_after_load(appointment_id)
        self.open_appointment(appointment_id, focus=False)

    def _on_runner_busy_changed(self, busy: bool) -> None:
        worklist = self._worklist_tab.built
        running = self.board.runner.busy or (worklist is not None and worklist.runner.busy)
        self.busy.setVisible(running)

    def _on_shortcuts_action_triggered(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("Every frequent action has a shortcut:")
        box.setInformativeText("\n".join(self.shortcut_lines()))
        box.open()

    def _on_about_action_triggered(self) -> None:
        QMessageBox.about(
            self,
            "About mild-desk",
            "mild-desk books MILD procedures and enforces their prep requirements.",
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._dock_sized:  # the panel takes about 45 % of the width at first
            self._dock_sized = True
            self.resizeDocks([self.dock], [int(self.width() * 0.45)], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle.stop()
        self.ctx.changes.stop()
        self.board.shutdown()
        if (worklist := self._worklist_tab.built) is not None:
            worklist.shutdown()
        super().closeEvent(event)


def start(app: QApplication, db: Database) -> int:
    install_crash_handler()
    login = LoginDialog(db)
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return 0
    window = MainWindow(db, login.actor)
    window.show()
    gc_pause.end_start(freeze=True)  # what the start built lives as long as the window
    return int(app.exec())
