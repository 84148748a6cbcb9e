"""The actions on the open appointment (menus, toolbar, panel buttons): each is one service
call, shown only to roles that may do it, enabled only where the status allows it."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from mild_desk.errors import DomainError, StaleEdit
from mild_desk.models.enums import AppointmentStatus
from mild_desk.services.document_kinds import DocumentKind
from mild_desk.ui import print_actions
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import error_text
from mild_desk.ui.text import moment_text

if TYPE_CHECKING:  # the dialogs and the booking path load when first used, not at start
    from mild_desk.services.panel_view import PanelRead

_S = AppointmentStatus
ACTIVE = frozenset({_S.PENDING, _S.BOOKED, _S.ARRIVED})


class AppointmentActions(QObject):
    """Acts on the appointment the panel shows (`set_panel`). Dialogs open window-modal with
    `open()`; `dialog` is the one showing. After a write: `reported` (what happened), then
    `appointment_changed` with the id to show (a reschedule makes a new appointment), then the
    change notice.

    Every change of the appointment carries the version shown when the user acted, so a change
    made meanwhile at another workstation is never overwritten: the service refuses with
    "changed by NAME at TIME — reload", that line is `reported` and every view reloads."""

    reported = Signal(str, bool)
    appointment_changed = Signal(int)

    def __init__(self, ctx: AppContext, window: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.read: PanelRead | None = None
        self.day: date = ctx.today()
        self.dialog: QDialog | None = None
        a = self._action
        self.new_booking = a("&Book a patient…", "Ctrl+N", "appointment.book", self._on_book)
        self.confirm = a("C&onfirm booking", "Ctrl+Shift+B", "appointment.book", self._on_confirm)
        self.check_in = a("Check &in", "Ctrl+I", "appointment.check_in", self._on_check_in)
        self.reschedule = a("&Reschedule…", "Ctrl+R", "appointment.book", self._on_reschedule)
        self.cancel = a(
            "&Cancel appointment…", "Ctrl+Shift+X", "appointment.cancel", self._on_cancel
        )
        self.no_show = a("Mark &no-show", "Ctrl+Shift+N", "appointment.noshow", self._on_no_show)
        self.set_driver = a("Set &driver…", "Ctrl+D", "driver.set", self._on_set_driver)
        self.override = a(
            "&Override a requirement…", "Ctrl+Shift+O", "override.add", self._on_override
        )
        self.complete = a(
            "Co&mplete procedure", "Ctrl+Shift+F", "appointment.complete", self._on_complete
        )
        self.print_prep = self._print_action(
            "Print &prep letter…", "Ctrl+P", DocumentKind.PREP_LETTER
        )
        self.print_checklist = self._print_action(
            "Print day-of &checklist…", "Ctrl+Shift+P", DocumentKind.CHECKLIST
        )
        self.print_discharge = self._print_action(
            "Print disc&harge instructions…", "Ctrl+Alt+P", DocumentKind.DISCHARGE
        )
        self.print_day = self._print_action(
            "Print the &day's packet…", "Ctrl+Alt+D", DocumentKind.DAY
        )
        self.apply_role()

    # --- public -----------------------------------------------------------------------

    def all(self) -> list[QAction]:
        return [
            self.new_booking,
            self.confirm,
            self.check_in,
            self.reschedule,
            self.cancel,
            self.no_show,
            self.set_driver,
            self.override,
            self.complete,
        ]

    def prints(self) -> list[QAction]:
        return [self.print_prep, self.print_checklist, self.print_discharge, self.print_day]

    def set_panel(self, read: "PanelRead | None") -> None:
        self.read = read
        self.update_enabled()

    def set_day(self, day: date) -> None:
        self.day = day

    def apply_role(self) -> None:
        for act in self.all() + self.prints():
            act.setVisible(self.ctx.can(str(act.property("permission"))))
        self.update_enabled()

    def update_enabled(self) -> None:
        status = self.read.appointment.status if self.read else None
        self.new_booking.setEnabled(True)
        self.confirm.setEnabled(status is _S.PENDING)
        self.check_in.setEnabled(status is _S.BOOKED)
        self.no_show.setEnabled(status is _S.BOOKED)
        self.reschedule.setEnabled(status in (_S.PENDING, _S.BOOKED))
        self.cancel.setEnabled(status in ACTIVE)
        self.set_driver.setEnabled(status in ACTIVE)
        self.override.setEnabled(status in ACTIVE)
        self.complete.setEnabled(status is _S.ARRIVED)
        for act in self.prints():
            kind = DocumentKind(str(act.property("kind")))
            reason = print_actions.unavailable_reason(kind)
            act.setEnabled(reason is None and (kind is DocumentKind.DAY or self.read is not None))
            act.setToolTip(reason or act.statusTip())

    def book(self, preferred: tuple[datetime, int | None, int | None] | None = None) -> None:
        from mild_desk.ui.booking_dialog import BookingDialog

        dialog = BookingDialog(self.ctx, self.window, preferred=preferred)
        dialog.accepted.connect(self._on_booking_dialog_accepted)
        self._open(dialog)

    # --- building -------------------------------------------------------------------

    def _action(self, text: str, keys: str, permission: str, slot: Any) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(keys))
        plain = text.replace("&", "").rstrip("…")
        act.setStatusTip(plain)
        act.setToolTip(f"{plain} ({QKeySequence(keys).toString()})")
        act.setProperty("permission", permission)
        act.triggered.connect(slot)
        return act

    def _print_action(self, text: str, keys: str, kind: DocumentKind) -> QAction:
        act = self._action(text, keys, print_actions.permission(kind), self._on_print)
        act.setProperty("kind", kind.value)
        return act

    # --- helpers --------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        from mild_desk.ui.fact_dialogs import FactDialog
        from mild_desk.ui.reschedule_dialog import RescheduleDialog

        self.dialog = dialog
        dialog.finished.connect(self._on_dialog_finished)
        if isinstance(dialog, FactDialog | RescheduleDialog):
            dialog.stale.connect(self._on_dialog_stale)
        dialog.open()

    def _done(self, text: str, appointment_id: int) -> None:
        self.reported.emit(text, False)
        self.appointment_changed.emit(appointment_id)
        self.ctx.changes.notify()

    def _refused(self, what: str, exc: DomainError) -> None:
        self.reported.emit(f"{what}: refused. {error_text(exc)}", True)
        if isinstance(exc, StaleEdit):  # show what is there now
            self.ctx.changes.notify()

    def _call(self, what: str, fn: Any, *args: Any, **kw: Any) -> None:
        """One service call on the shown appointment, at the version shown."""
        if self.read is None:
            return
        appt = self.read.appointment
        try:
            result = fn(
                self.ctx.db,
                self.ctx.actor,
                appt.id,
                *args,
                expected_version=appt.version,
                now=self.ctx.now(),
                **kw,
            )
        except DomainError as exc:
            self._refused(what, exc)
            return
        self._done(f"{appt.patient_name}: {what.lower()}.", int(result.id))

    # --- slots ----------------------------------------------------------------------

    def _on_dialog_finished(self, result: int) -> None:
        self.dialog = None

    def _on_dialog_stale(self, exc: StaleEdit) -> None:
        """The dialog closed: its appointment changed since it opened (retrying cannot help)."""
        what = self.dialog.windowTitle() if self.dialog is not None else "Change"
        self._refused(what, exc)

    def _on_book(self) -> None:
        self.book()

    def _on_booking_dialog_accepted(self) -> None:
        from mild_desk.ui.booking_dialog import BookingDialog

        dialog = self.dialog
        assert isinstance(dialog, BookingDialog)
        assert dialog.booked is not None
        booked = dialog.booked
        self._done(
            f"Booked {booked.patient_name} on {moment_text(booked.start, self.ctx.tz)} "
            f"with {booked.provider_name} ({booked.status.value}).",
            int(booked.id),
        )

    def _on_confirm(self) -> None:
        from mild_desk.services import appointments

        self._call("Booking confirmed", appointments.confirm)

    def _on_check_in(self) -> None:
        from mild_desk.services import appointments

        self._call("Checked in", appointments.check_in)

    def _on_no_show(self) -> None:
        from mild_desk.services import appointments

        self._call("Marked no-show", appointments.no_show)

    def _on_complete(self) -> None:
        from mild_desk.services import prep

        self._call("Procedure completed", prep.complete)

    def _on_reschedule(self) -> None:
        from mild_desk.ui.reschedule_dialog import RescheduleDialog

        if self.read is None:
            return
        dialog = RescheduleDialog(self.ctx, self.read.appointment, self.window)
        dialog.accepted.connect(self._on_reschedule_dialog_accepted)
        self._open(dialog)

    def _on_reschedule_dialog_accepted(self) -> None:
        from mild_desk.ui.reschedule_dialog import RescheduleDialog

        dialog = self.dialog
        assert isinstance(dialog, RescheduleDialog)
        assert dialog.moved is not None
        moved = dialog.moved
        self._done(
            f"Moved {moved.patient_name} to {moment_text(moved.start, self.ctx.tz)}.",
            int(moved.id),
        )

    def _on_cancel(self) -> None:
        from mild_desk.ui.fact_dialogs import CancelDialog

        if self.read is None:
            return
        appt = self.read.appointment
        dialog = CancelDialog(self.ctx, appt.id, appt.version, self.window)
        dialog.accepted.connect(self._on_fact_dialog_accepted)
        self._open(dialog)

    def _on_set_driver(self) -> None:
        from mild_desk.ui.fact_dialogs import DriverDialog

        if self.read is None:
            return
        d = self.read.driver
        current = (d.name, d.phone, d.relationship) if d else None
        dialog = DriverDialog(self.ctx, self.read.appointment.id, self.window, current=current)
        dialog.accepted.connect(self._on_fact_dialog_accepted)
        self._open(dialog)

    def _on_override(self) -> None:
        from mild_desk.ui.fact_dialogs import OverrideDialog

        if self.read is None:
            return
        dialog = OverrideDialog(
            self.ctx, self.read.appointment.id, self.read.prep.requirements, self.window
        )
        dialog.accepted.connect(self._on_fact_dialog_accepted)
        self._open(dialog)

    def _on_fact_dialog_accepted(self) -> None:
        from mild_desk.ui.fact_dialogs import FactDialog

        dialog = self.dialog
        if self.read is not None and isinstance(dialog, FactDialog):
            appt = self.read.appointment
            self._done(f"{appt.patient_name}: {dialog.done_text}.", appt.id)

    def _on_print(self) -> None:
        act = self.sender()
        assert isinstance(act, QAction)
        kind = DocumentKind(str(act.property("kind")))
        try:
            if kind is DocumentKind.DAY:
                print_actions.print_day(self.ctx, self.window, self.day)
            elif self.read is not None:
                chooser = print_actions.print_document(
                    self.ctx, self.window, kind, self.read.appointment.id
                )
                self.dialog = chooser
        except ImportError as exc:
            self.reported.emit(f"Printing is not available here: {exc}", True)
