"""Admin schedule set-up: providers, rooms, availability templates and closures."""

from datetime import date, timedelta

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from mild_desk.services import availability, clinic
from mild_desk.ui.admin_forms import FormSection, table
from mild_desk.ui.context import AppContext
from mild_desk.ui.models import ClosureModel, ProviderModel, RoomModel, TemplateModel
from mild_desk.ui.widgets import calendar_edit

CLOSURE_HORIZON_DAYS = 366


class ScheduleSetup(QTabWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Schedule set-up")
        self.names: dict[str, dict[int, str]] = {"provider": {}, "room": {}}
        self.provider_model = ProviderModel(self)
        self.room_model = RoomModel(self)
        self.template_model = TemplateModel(self.names, self)
        self.closure_model = ClosureModel(self.names, self)
        lanes = QWidget(self)
        grid = QGridLayout(lanes)
        grid.addWidget(table(self.provider_model, "Providers", lanes), 0, 0)
        grid.addWidget(table(self.room_model, "Rooms", lanes), 0, 1)
        grid.addWidget(self._provider_form(), 1, 0)
        grid.addWidget(self._room_form(), 1, 1)
        self.addTab(lanes, "Providers and rooms")
        self.addTab(
            self._page(
                table(self.template_model, "Availability templates", self), self._template_form()
            ),
            "Templates",
        )
        self.addTab(
            self._page(table(self.closure_model, "Closures", self), self._closure_form()),
            "Closures",
        )

    def refresh(self) -> None:
        providers = clinic.providers(self.ctx.db)
        rooms = clinic.rooms(self.ctx.db)
        self.names["provider"].clear()
        self.names["provider"].update({p.id: p.name for p in providers})
        self.names["room"].clear()
        self.names["room"].update({r.id: r.name for r in rooms})
        self.provider_model.set_records(providers)
        self.room_model.set_records(rooms)
        self.template_model.set_records(availability.templates(self.ctx.db))
        today = self.ctx.today()
        self.closure_model.set_records(
            availability.closures(
                self.ctx.db,
                date_from=today,
                date_to=today + timedelta(days=CLOSURE_HORIZON_DAYS),
            )
        )
        for combo, items, anyone in (
            (self.template_provider, providers, None),
            (self.template_room, rooms, None),
            (self.closure_provider, providers, "whole clinic"),
        ):
            kept = combo.currentData()
            combo.clear()
            if anyone:
                combo.addItem(anyone, None)
            for item in items:
                if item.active:
                    combo.addItem(item.name, int(item.id))
            at = combo.findData(kept)
            combo.setCurrentIndex(max(0, at))

    # --- forms ----------------------------------------------------------------------

    def _page(self, view: QWidget, form: QWidget) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(view, 1)
        layout.addWidget(form)
        return page

    def _provider_form(self) -> QWidget:
        self.provider_name = QLineEdit(self)
        self.provider_cap = QSpinBox(self)
        self.provider_cap.setRange(0, 50)
        self.provider_cap.setSpecialValueText("clinic default")
        section = FormSection(self.ctx, "Add a provider", "Add pro&vider", self._add_provider, self)
        section.add_row("Provider &name:", self.provider_name)
        section.add_row("Daily case ca&p:", self.provider_cap)
        self.provider_section = section
        return section

    def _room_form(self) -> QWidget:
        self.room_name = QLineEdit(self)
        section = FormSection(self.ctx, "Add a room", "Add roo&m", self._add_room, self)
        section.add_row("&Room name:", self.room_name)
        self.room_section = section
        return section

    def _template_form(self) -> QWidget:
        self.template_provider = QComboBox(self)
        self.template_room = QComboBox(self)
        self.template_rule = QLineEdit("FREQ=WEEKLY;BYDAY=TU,TH", self)
        self.template_start = QTimeEdit(QTime(8, 0), self)
        self.template_end = QTimeEdit(QTime(12, 0), self)
        self.template_from = self._date_edit(self.ctx.today())
        section = FormSection(self.ctx, "Add a template", "Add &template", self._add_template, self)
        section.add_row("Pro&vider:", self.template_provider)
        section.add_row("R&oom:", self.template_room)
        section.add_row("Repeat r&ule (RFC 5545):", self.template_rule)
        section.add_row("&Starts:", self.template_start)
        section.add_row("&Ends:", self.template_end)
        section.add_row("&Valid from:", self.template_from)
        self.template_section = section
        return section

    def _closure_form(self) -> QWidget:
        self.closure_from = self._date_edit(self.ctx.today())
        self.closure_to = self._date_edit(self.ctx.today())
        self.closure_provider = QComboBox(self)
        self.closure_reason = QLineEdit(self)
        self.closure_reason.setPlaceholderText("e.g. Thanksgiving")
        section = FormSection(self.ctx, "Add a closure", "Add &closure", self._add_closure, self)
        section.add_row("F&rom:", self.closure_from)
        section.add_row("T&o:", self.closure_to)
        section.add_row("&Who:", self.closure_provider)
        section.add_row("Re&ason:", self.closure_reason)
        self.closure_section = section
        return section

    def _date_edit(self, day: date) -> QDateEdit:
        edit = calendar_edit(QDateEdit(self))
        edit.setDate(QDate(day.year, day.month, day.day))
        return edit

    # --- service calls (one each) ---------------------------------------------------

    def _add_provider(self) -> str:
        cap = self.provider_cap.value() or None
        added = clinic.add_provider(
            self.ctx.db, self.ctx.actor, name=self.provider_name.text(), daily_case_cap=cap
        )
        self.provider_name.clear()
        return f"Added provider {added.name}."

    def _add_room(self) -> str:
        added = clinic.add_room(self.ctx.db, self.ctx.actor, name=self.room_name.text())
        self.room_name.clear()
        return f"Added room {added.name}."

    def _add_template(self) -> str:
        added = availability.add_template(
            self.ctx.db,
            self.ctx.actor,
            provider_id=self.template_provider.currentData() or "",
            room_id=self.template_room.currentData() or "",
            rrule=self.template_rule.text(),
            start=self.template_start.time().toString("HH:mm"),
            end=self.template_end.time().toString("HH:mm"),
            valid_from=self.template_from.date().toString("yyyy-MM-dd"),
            now=self.ctx.now(),
        )
        return f"Added template {added.rrule} {added.start_time:%H:%M} to {added.end_time:%H:%M}."

    def _add_closure(self) -> str:
        added = availability.add_closure(
            self.ctx.db,
            self.ctx.actor,
            start_date=self.closure_from.date().toString("yyyy-MM-dd"),
            end_date=self.closure_to.date().toString("yyyy-MM-dd"),
            provider_id=self.closure_provider.currentData(),
            reason=self.closure_reason.text(),
            now=self.ctx.now(),
        )
        self.closure_reason.clear()
        return f"Closed {added.start_date} to {added.end_date}: {added.reason}."
