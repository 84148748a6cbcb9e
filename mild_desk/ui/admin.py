"""Admin: users and roles, clinic settings and the procedure profile (schedule set-up is in
admin_schedule.py). Every button is one service call."""

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mild_desk.models.enums import Role
from mild_desk.services import clinic, users
from mild_desk.ui.admin_forms import FormSection, table
from mild_desk.ui.admin_schedule import ScheduleSetup
from mild_desk.ui.context import AppContext
from mild_desk.ui.models import UserModel
from mild_desk.ui.widgets import scrolling

# (field, label, minimum, maximum, decimals; 0 decimals = whole number)
PROFILE_FIELDS = (
    ("case_minutes", "&Case length (minutes):", 15, 480, 0),
    ("turnover_minutes", "&Turnover (minutes):", 0, 240, 0),
    ("solids_fast_hours", "No &solids for (hours):", 0, 24, 1),
    ("clear_liquids_fast_hours", "Clear &liquids until (hours before):", 0, 24, 1),
    ("imaging_max_months", "&Imaging valid (months):", 1, 60, 0),
    ("lf_min_mm", "Ligamentum &flavum at least (mm):", 0, 20, 1),
    ("inr_max", "INR at &most:", 0.5, 5, 2),
    ("arrival_lead_minutes", "&Arrive before (minutes):", 0, 240, 0),
    ("driver_due_days_before", "&Driver due (days before):", 0, 30, 0),
    ("daily_case_cap", "Cases per provider per day (0 = no &cap):", 0, 50, 0),
)


UNVERIFIED_MARK = "⚠ unverified"
UNVERIFIED_TIP = (
    "Clinic policy, not a number from a guideline: a clinician should confirm it for your clinic."
)


class AdminPage(QTabWidget):
    """Users, clinic, procedure, and the schedule set-up; reloads when shown after a change."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        self.setAccessibleName("Administration")
        self.user_model = UserModel(self)
        self.addTab(scrolling(self._users_tab(), "Users"), "&Users")
        self.addTab(scrolling(self._clinic_tab(), "Clinic"), "C&linic")
        self.addTab(scrolling(self._procedure_tab(), "Procedure"), "&Procedure")
        self.schedule = ScheduleSetup(ctx, self)
        self.addTab(scrolling(self.schedule, "Schedule set-up"), "&Schedule set-up")
        self.ctx.changes.changed.connect(self._on_changes_changed)

    def refresh(self) -> None:
        self._stale = False
        self.user_model.set_records(users.list_users(self.ctx.db, self.ctx.actor))
        settings = clinic.clinic(self.ctx.db)
        self.clinic_name.setText(settings.name)
        self.clinic_phone.setText(settings.phone)
        self.clinic_tz.setText(settings.timezone)
        self.idle_minutes.setValue(settings.idle_lock_minutes)
        self.max_failed.setValue(settings.max_failed_logins)
        self.lockout_minutes.setValue(settings.lockout_minutes)
        profile = clinic.profile(self.ctx.db)
        for name, box in self.profile_boxes.items():
            value = getattr(profile, name)
            box.setValue(0 if value is None else value)
        self.escort.setChecked(profile.escort_required)
        self.schedule.refresh()

    # --- tabs -----------------------------------------------------------------------

    def _users_tab(self) -> QWidget:
        page = QWidget(self)
        self.users_table = table(self.user_model, "Users", page)
        self.new_username = QLineEdit(page)
        self.new_full_name = QLineEdit(page)
        self.new_role = QComboBox(page)
        for role in Role:
            self.new_role.addItem(role.value, role.value)
        self.new_password = QLineEdit(page)
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        add = FormSection(self.ctx, "Add a user", "&Add user", self._add_user, page)
        add.add_row("User &name:", self.new_username)
        add.add_row("&Full name:", self.new_full_name)
        add.add_row("&Role:", self.new_role)
        add.add_row("Pass&word:", self.new_password)
        self.add_user_section = add
        toggle = FormSection(
            self.ctx, "Selected user", "&Enable or disable", self._toggle_user, page
        )
        self.toggle_user_section = toggle
        layout = QVBoxLayout(page)
        layout.addWidget(self.users_table, 1)
        row = QHBoxLayout()
        row.addWidget(add, 2)
        row.addWidget(toggle, 1)
        layout.addLayout(row)
        return page

    def _clinic_tab(self) -> QWidget:
        page = QWidget(self)
        self.clinic_name = QLineEdit(page)
        self.clinic_phone = QLineEdit(page)
        self.clinic_tz = QLineEdit(page)
        self.clinic_tz.setPlaceholderText("IANA zone, e.g. America/New_York")
        self.idle_minutes = QSpinBox(page)
        self.idle_minutes.setRange(1, 480)
        self.idle_minutes.setSuffix(" min")
        self.max_failed = QSpinBox(page)
        self.max_failed.setRange(3, 20)
        self.max_failed.setSuffix(" wrong passwords")
        self.lockout_minutes = QSpinBox(page)
        self.lockout_minutes.setRange(1, 1440)
        self.lockout_minutes.setSuffix(" min")
        section = FormSection(
            self.ctx, "Clinic settings", "&Save clinic settings", self._save_clinic, page
        )
        section.add_row("&Name:", self.clinic_name)
        section.add_row("P&hone:", self.clinic_phone)
        section.add_row("&Time zone:", self.clinic_tz)
        section.add_row("Lock after &idle:", self.idle_minutes)
        section.add_row("Lock an &account after:", self.max_failed)
        section.add_row("&Keep it locked for:", self.lockout_minutes)
        self.clinic_section = section
        layout = QVBoxLayout(page)
        layout.addWidget(section)
        layout.addStretch(1)
        return page

    def _procedure_tab(self) -> QWidget:
        page = QWidget(self)
        section = FormSection(
            self.ctx, "MILD procedure profile", "&Save procedure profile", self._save_profile, page
        )
        self.profile_boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        unverified = clinic.unverified_settings()
        for name, label, low, high, decimals in PROFILE_FIELDS:
            box: QSpinBox | QDoubleSpinBox
            if decimals:
                box = QDoubleSpinBox(page)
                box.setDecimals(decimals)
                box.setSingleStep(0.1 if decimals == 1 else 0.05)
                box.setRange(float(low), float(high))
            else:
                box = QSpinBox(page)
                box.setRange(int(low), int(high))
            self.profile_boxes[name] = box
            if name in unverified:
                label = f"{label[:-1]} {UNVERIFIED_MARK}:"
                box.setToolTip(UNVERIFIED_TIP)
            section.add_row(label, box)
        self.escort = QCheckBox("A driver (escort) is required", page)
        section.add_row("", self.escort)
        self.escort.setAccessibleName("Driver required")
        self.profile_section = section
        layout = QVBoxLayout(page)
        layout.addWidget(section)
        layout.addStretch(1)
        return page

    # --- service calls (one each) ---------------------------------------------------

    def _add_user(self) -> str:
        created = users.add_user(
            self.ctx.db,
            self.ctx.actor,
            username=self.new_username.text(),
            role=str(self.new_role.currentData()),
            password=self.new_password.text(),
            full_name=self.new_full_name.text(),
            now=self.ctx.now(),
        )
        for edit in (self.new_username, self.new_full_name, self.new_password):
            edit.clear()
        return f"Added {created.username} ({created.role.value})."

    def _toggle_user(self) -> str:
        index = self.users_table.currentIndex()
        if not index.isValid():
            return "Select a user in the list first."
        user = self.user_model.record(index.row())
        changed = users.set_active(
            self.ctx.db, self.ctx.actor, username=user.username, active=not user.active
        )
        return f"{changed.username} is now {'active' if changed.active else 'disabled'}."

    def _save_clinic(self) -> str:
        saved = clinic.set_clinic(
            self.ctx.db,
            self.ctx.actor,
            name=self.clinic_name.text(),
            phone=self.clinic_phone.text(),
            timezone=self.clinic_tz.text(),
            idle_lock_minutes=self.idle_minutes.value(),
            max_failed_logins=self.max_failed.value(),
            lockout_minutes=self.lockout_minutes.value(),
            now=self.ctx.now(),
        )
        return (
            f"Saved. Time zone {saved.timezone}; idle lock {saved.idle_lock_minutes} min; "
            f"an account locks for {saved.lockout_minutes} min after "
            f"{saved.max_failed_logins} wrong passwords."
        )

    def _save_profile(self) -> str:
        values: dict[str, object] = {n: b.value() for n, b in self.profile_boxes.items()}
        values["escort_required"] = self.escort.isChecked()
        clinic.set_procedure(self.ctx.db, self.ctx.actor, now=self.ctx.now(), **values)
        return "Saved the procedure profile."

    # --- slots ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_changes_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True
