"""Small forms that record one fact each through one service call (imaging, a medication and
its last dose, a lab, a clearance, the driver, an override, a cancellation)."""

from collections.abc import Sequence
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from mild_desk.errors import DomainError, StaleEdit
from mild_desk.models.enums import RequirementStatus
from mild_desk.services import appointments, prep
from mild_desk.services.prep import RequirementLine
from mild_desk.ui.context import AppContext
from mild_desk.ui.errors import ErrorLabel
from mild_desk.ui.models import REQUIREMENT_NAMES
from mild_desk.ui.text import status_text
from mild_desk.ui.widgets import DATE_FORMAT, calendar_edit


class FactDialog(QDialog):
    """A form, one line of refusal, OK/Cancel. Subclasses add rows and implement `submit()`.

    A stale edit (the record changed since the dialog opened) cannot succeed on a retry: the
    dialog emits `stale` with the refusal and closes, and the opener shows it and reloads."""

    stale = Signal(object)

    title = ""
    ok_text = "&Save"
    done_text = "saved"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.title)
        self.form = QFormLayout()
        self.error = ErrorLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.ok_text)
        ok.setAccessibleName(self.ok_text.replace("&", ""))
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def add_row(self, label: str, widget: QWidget) -> None:
        widget.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.form.addRow(label, widget)

    def submit(self) -> None:
        raise NotImplementedError

    def local_text(self, edit: QDateTimeEdit) -> str:
        """The clinic-local wall time as the services read it (they refuse a time that does not
        exist on a daylight-saving night)."""
        return edit.dateTime().toString("yyyy-MM-ddTHH:mm")

    def datetime_edit(self, moment: datetime | None = None) -> QDateTimeEdit:
        local = (moment or self.ctx.now()).astimezone(self.ctx.tz)
        edit = calendar_edit(QDateTimeEdit(self), f"{DATE_FORMAT} HH:mm")
        edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )
        return edit

    def date_edit(self, day: date) -> QDateEdit:
        edit = calendar_edit(QDateEdit(self))
        edit.setDate(QDate(day.year, day.month, day.day))
        return edit

    def _on_buttons_accepted(self) -> None:
        try:
            self.submit()
        except StaleEdit as exc:
            self.stale.emit(exc)
            self.reject()
            return
        except DomainError as exc:
            self.error.show_error(exc)
            return
        self.accept()


class ImagingDialog(FactDialog):
    title = "Add imaging"
    done_text = "imaging added"

    def __init__(self, ctx: AppContext, mrn: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.mrn = mrn
        self.modality = QComboBox(self)
        self.modality.addItems(["MRI", "CT"])
        self.study_date = self.date_edit(ctx.today())
        self.lf_mm = QLineEdit(self)
        self.lf_mm.setPlaceholderText("e.g. 3.4 (optional)")
        self.levels = QLineEdit(self)
        self.levels.setPlaceholderText("e.g. L4-L5 (optional)")
        self.note = QLineEdit(self)
        self.add_row("&Study:", self.modality)
        self.add_row("Study &date:", self.study_date)
        self.add_row("&Ligamentum flavum (mm):", self.lf_mm)
        self.add_row("&Levels:", self.levels)
        self.add_row("&Note:", self.note)

    def submit(self) -> None:
        prep.add_imaging(
            self.ctx.db,
            self.ctx.actor,
            mrn=self.mrn,
            modality=self.modality.currentText(),
            study_date=self.study_date.date().toString("yyyy-MM-dd"),
            lf_mm=self.lf_mm.text().strip() or None,
            levels=self.levels.text() or None,
            note=self.note.text() or None,
            now=self.ctx.now(),
        )


class MedicationDialog(FactDialog):
    """Adds a drug to the list, or records the last dose of one already listed."""

    title = "Medication and last dose"
    done_text = "medication saved"

    def __init__(
        self,
        ctx: AppContext,
        mrn: str,
        parent: QWidget | None = None,
        *,
        drug: str = "",
        last_dose: datetime | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.mrn = mrn
        self.drug = QLineEdit(drug, self)
        self.drug.setPlaceholderText("e.g. clopidogrel")
        self.indication = QComboBox(self)
        self.indication.addItem("not recorded", "")
        self.indication.addItem("primary prevention", "primary")
        self.indication.addItem("secondary prevention", "secondary")
        self.dose_known = QCheckBox("Last dose known", self)
        self.dose_known.setChecked(bool(drug))
        self.last_dose = self.datetime_edit(last_dose)
        self.add_row("&Medication:", self.drug)
        self.add_row("&Indication (aspirin):", self.indication)
        self.add_row("", self.dose_known)
        self.add_row("Last &dose taken:", self.last_dose)
        self.last_dose.setEnabled(self.dose_known.isChecked())
        self.dose_known.toggled.connect(self.last_dose.setEnabled)
        (self.last_dose if drug else self.drug).setFocus()

    def submit(self) -> None:
        prep.add_medication(
            self.ctx.db,
            self.ctx.actor,
            mrn=self.mrn,
            drug=self.drug.text(),
            last_dose=self.local_text(self.last_dose) if self.dose_known.isChecked() else None,
            indication=self.indication.currentData() or None,
            now=self.ctx.now(),
        )


class LabDialog(FactDialog):
    title = "Add a lab result"
    done_text = "lab result added"

    def __init__(self, ctx: AppContext, mrn: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.mrn = mrn
        self.test = QComboBox(self)
        self.test.addItems(["INR", "CrCl"])
        self.value = QLineEdit(self)
        self.value.setPlaceholderText("INR e.g. 1.1; CrCl in mL/min")
        self.taken_at = self.datetime_edit()
        self.add_row("&Test:", self.test)
        self.add_row("&Value:", self.value)
        self.add_row("Taken &at:", self.taken_at)

    def submit(self) -> None:
        prep.add_lab(
            self.ctx.db,
            self.ctx.actor,
            mrn=self.mrn,
            test=self.test.currentText(),
            value=self.value.text().strip(),
            taken_at=self.local_text(self.taken_at),
            now=self.ctx.now(),
        )


class ClearanceDialog(FactDialog):
    title = "Record a prescriber clearance"
    done_text = "clearance recorded"

    def __init__(
        self, ctx: AppContext, mrn: str, parent: QWidget | None = None, *, drug: str = ""
    ) -> None:
        super().__init__(ctx, parent)
        self.mrn = mrn
        self.drug = QLineEdit(drug, self)
        self.by = QLineEdit(self)
        self.by.setPlaceholderText("e.g. Dr. Alvarez (cardiology)")
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("what the prescriber said, e.g. stop 7 days before")
        self.add_row("&Medication:", self.drug)
        self.add_row("Cleared &by:", self.by)
        self.add_row("&Note:", self.note)

    def submit(self) -> None:
        prep.add_clearance(
            self.ctx.db,
            self.ctx.actor,
            mrn=self.mrn,
            drug=self.drug.text(),
            by=self.by.text(),
            note=self.note.text() or None,
            now=self.ctx.now(),
        )


class DriverDialog(FactDialog):
    title = "Driver home"
    done_text = "driver recorded"

    def __init__(
        self,
        ctx: AppContext,
        appointment_id: int,
        parent: QWidget | None = None,
        *,
        current: tuple[str, str, str] | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.appointment_id = appointment_id
        name, phone, relationship = current or ("", "", "")
        self.name = QLineEdit(name, self)
        self.phone = QLineEdit(phone, self)
        self.relationship = QLineEdit(relationship, self)
        self.relationship.setPlaceholderText("e.g. daughter")
        self.add_row("&Name:", self.name)
        self.add_row("&Phone:", self.phone)
        self.add_row("&Relationship:", self.relationship)

    def submit(self) -> None:
        prep.set_driver(
            self.ctx.db,
            self.ctx.actor,
            self.appointment_id,
            name=self.name.text(),
            phone=self.phone.text(),
            relationship=self.relationship.text() or None,
            now=self.ctx.now(),
        )


class OverrideDialog(FactDialog):
    """A provider accepts one requirement with a reason; the fact itself stays shown."""

    title = "Override a requirement"
    done_text = "requirement overridden"
    ok_text = "&Override"

    def __init__(
        self,
        ctx: AppContext,
        appointment_id: int,
        requirements: Sequence[RequirementLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.appointment_id = appointment_id
        self.report: prep.PrepReport | None = None
        self.requirement = QComboBox(self)
        open_first = sorted(
            requirements,
            key=lambda r: r.status not in (RequirementStatus.UNMET, RequirementStatus.PENDING),
        )
        seen: set[str] = set()
        for line in open_first:
            if line.key.value in seen:
                continue
            seen.add(line.key.value)
            self.requirement.addItem(
                f"{REQUIREMENT_NAMES[line.key.value]} ({status_text(line.status)})", line.key.value
            )
        self.why = QLabel(self)
        self.why.setWordWrap(True)
        self.reason = QPlainTextEdit(self)
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("Why it is safe to go ahead (at least three words)")
        self._details = {line.key.value: line.detail for line in requirements}
        self.add_row("&Requirement:", self.requirement)
        self.form.addRow("", self.why)
        self.add_row("&Reason:", self.reason)
        self.requirement.currentIndexChanged.connect(self._on_requirement_current_index_changed)
        self._on_requirement_current_index_changed(0)

    def submit(self) -> None:
        self.report = prep.override(
            self.ctx.db,
            self.ctx.actor,
            self.appointment_id,
            requirement=str(self.requirement.currentData() or ""),
            reason=self.reason.toPlainText(),
            now=self.ctx.now(),
        )

    def _on_requirement_current_index_changed(self, index: int) -> None:
        self.why.setText(self._details.get(str(self.requirement.currentData() or ""), ""))


class CancelDialog(FactDialog):
    title = "Cancel the appointment"
    done_text = "appointment cancelled"
    ok_text = "Cancel &appointment"

    def __init__(
        self, ctx: AppContext, appointment_id: int, version: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self.appointment_id, self.version = appointment_id, version
        self.by = QComboBox(self)
        self.by.addItem("the patient", "patient")
        self.by.addItem("the clinic", "clinic")
        self.reason = QLineEdit(self)
        self.add_row("Cancelled &by:", self.by)
        self.add_row("&Reason:", self.reason)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Keep it")

    def submit(self) -> None:
        appointments.cancel(
            self.ctx.db,
            self.ctx.actor,
            self.appointment_id,
            by=str(self.by.currentData()),
            reason=self.reason.text(),
            expected_version=self.version,
            now=self.ctx.now(),
        )
