"""Qt models over the services' read models (lists and tables; the board has its own; the
import preview's is in import_dialog.py).

The read models are named for the type checker only: the panel builds its models at start, and
importing their services (panel_view, prep, ...) would load the booking path before it is used."""

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject

from mild_desk.models.enums import RequirementStatus
from mild_desk.ui.table_model import Column, RecordTableModel
from mild_desk.ui.text import day_text, moment_text, status_text
from mild_desk.ui.theme import STATUS_COLOURS

if TYPE_CHECKING:  # named in the models' bases as strings, which ruff does not read (F401)
    from mild_desk.services.audit import AuditEntry
    from mild_desk.services.availability import ClosureRead, SlotRead, TemplateRead  # noqa: F401
    from mild_desk.services.clinic import ProviderRead, RoomRead  # noqa: F401
    from mild_desk.services.panel_view import ImagingRow, LabRow, MedicationRow  # noqa: F401
    from mild_desk.services.patients import PatientRead  # noqa: F401
    from mild_desk.services.prep import RequirementLine, WorkItem  # noqa: F401
    from mild_desk.services.users import UserRead  # noqa: F401

TzSource = Callable[[], ZoneInfo]
REQUIREMENT_NAMES = {
    "imaging": "Imaging",
    "anticoagulation": "Blood thinner",
    "fasting": "Fasting",
    "driver": "Driver",
}


def status_colour(status: RequirementStatus | None) -> str | None:
    return STATUS_COLOURS.get(status) if status is not None else None


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PatientSearchModel(RecordTableModel["PatientRead"]):
    def __init__(self, today: Callable[[], date], parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Patient", lambda p: p.display_name),
                Column("MRN", lambda p: p.mrn),
                Column(
                    "Date of birth",
                    lambda p: f"{p.dob.isoformat()} ({_age(p.dob, today())})",
                ),
                Column("Phone", lambda p: p.phone),
            ],
            parent,
        )


class SlotModel(RecordTableModel["SlotRead"]):
    def __init__(
        self, tz: TzSource, names: Mapping[str, Mapping[int, str]], parent: QObject | None = None
    ) -> None:
        super().__init__(
            [
                Column("When", lambda s: moment_text(s.start, tz(), with_year=True)),
                Column("Provider", lambda s: names["provider"].get(s.provider_id, "?")),
                Column("Room", lambda s: names["room"].get(s.room_id, "?")),
            ],
            parent,
        )


def _requirement_why(r: "RequirementLine") -> str:
    text = r.detail
    if r.override_reason:
        text += f" Overridden: {r.override_reason}"
    return text


class RequirementModel(RecordTableModel["RequirementLine"]):
    """Two columns, so it stays readable in a narrow panel: what and its status, then why."""

    def __init__(self, tz: TzSource, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Requirement",
                    lambda r: (
                        REQUIREMENT_NAMES[r.key.value]
                        + (f" — {r.subject}" if r.subject else "")
                        + f"\n{status_text(r.status)}"
                    ),
                    colour=lambda r: status_colour(r.status),
                ),
                Column("Why", _requirement_why),
            ],
            parent,
        )


class MedicationModel(RecordTableModel["MedicationRow"]):
    def __init__(self, tz: TzSource, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Medication", lambda m: m.drug),
                Column("Hold", _hold_text, tooltip=_hold_tooltip),
                Column("Last allowed dose", lambda m: moment_text(m.last_allowed_dose, tz())),
                Column("Last dose taken", lambda m: moment_text(m.last_dose_at, tz()) or "—"),
                Column("Restart from", lambda m: moment_text(m.restart_at, tz())),
                Column(
                    "Clearance",
                    lambda m: m.cleared_by or ("needed" if m.needs_clearance else ""),
                ),
                Column(
                    "Status",
                    lambda m: status_text(m.status),
                    tooltip=lambda m: m.detail,
                    colour=lambda m: status_colour(m.status),
                ),
            ],
            parent,
        )


# How the hold table's sources support a row (REFERENCE.md), as the medication table says it.
EVIDENCE_MARKS = {"PARTIAL": "⚠ partly verified", "UNVERIFIED": "⚠ unverified"}


def _hold_text(m: "MedicationRow") -> str:
    text = m.hold_text or "no table entry"
    mark = EVIDENCE_MARKS.get(m.evidence)
    return f"{text} ({mark})" if mark else text


def _hold_tooltip(m: "MedicationRow") -> str:
    why = {
        "PARTIAL": "The sources support this hold only in part",
        "UNVERIFIED": "No source confirms this hold",
    }.get(m.evidence)
    return f"{m.detail}\n{why}: a clinician should confirm it." if why else m.detail


class ImagingModel(RecordTableModel["ImagingRow"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Study", lambda s: s.modality),
                Column("Date", lambda s: day_text(s.study_date)),
                Column(
                    "Ligamentum flavum",
                    lambda s: "—" if s.lf_mm is None else f"{s.lf_mm:g} mm",
                    align_right=True,
                ),
                Column("Valid through", lambda s: day_text(s.valid_until)),
                Column("Levels", lambda s: s.levels),
            ],
            parent,
        )


class LabModel(RecordTableModel["LabRow"]):
    def __init__(self, tz: TzSource, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Test", lambda r: r.test),
                Column("Value", lambda r: f"{r.value:g}", align_right=True),
                Column("Taken", lambda r: moment_text(r.taken_at, tz(), with_year=True)),
            ],
            parent,
        )


def change_text(entry: "AuditEntry") -> str:
    """ "status: booked → arrived; version: 1 → 2" or, for a creation, "key=value, …"."""
    if entry.before:
        parts = [
            f"{k}: {_short(entry.before.get(k))} → {_short(v)}"
            for k, v in entry.after.items()
            if entry.before.get(k) != v and k != "version"
        ]
    else:
        parts = [f"{k}={_short(v)}" for k, v in entry.after.items() if v not in (None, "", [])]
    return "; ".join(parts)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


class HistoryModel(RecordTableModel["AuditEntry"]):
    def __init__(self, tz: TzSource, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("When", lambda e: moment_text(e.at, tz(), with_year=True)),
                Column("Who", lambda e: e.actor_name),
                Column("What", lambda e: e.action),
                Column("Change", change_text),
            ],
            parent,
        )


class WorklistModel(RecordTableModel["WorkItem"]):
    def __init__(self, tz: TzSource, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Due", lambda w: moment_text(w.due, tz())),
                Column("Patient", lambda w: f"{w.patient_name} ({w.patient_mrn})"),
                Column("Phone", lambda w: w.phone),
                Column("Procedure", lambda w: moment_text(w.start, tz())),
                Column(
                    "Needs",
                    lambda w: f"{REQUIREMENT_NAMES[w.key.value]} {status_text(w.status)}",
                    colour=lambda w: status_colour(w.status),
                ),
                Column("What is missing", lambda w: w.detail),
                Column("Last call", lambda w: w.last_call or ""),
            ],
            parent,
        )


class UserModel(RecordTableModel["UserRead"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("User name", lambda u: u.username),
                Column("Name", lambda u: u.full_name),
                Column("Role", lambda u: u.role.value),
                Column("Active", lambda u: "yes" if u.active else "disabled"),
            ],
            parent,
        )


class ProviderModel(RecordTableModel["ProviderRead"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Provider", lambda p: p.name),
                Column("Daily cap", lambda p: str(p.daily_case_cap or "")),
                Column("Active", lambda p: "yes" if p.active else "no"),
            ],
            parent,
        )


class RoomModel(RecordTableModel["RoomRead"]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column("Room", lambda r: r.name),
                Column("Active", lambda r: "yes" if r.active else "no"),
            ],
            parent,
        )


class TemplateModel(RecordTableModel["TemplateRead"]):
    def __init__(
        self, names: Mapping[str, Mapping[int, str]], parent: QObject | None = None
    ) -> None:
        super().__init__(
            [
                Column("Provider", lambda t: names["provider"].get(t.provider_id, "?")),
                Column("Room", lambda t: names["room"].get(t.room_id, "?")),
                Column("Repeats", lambda t: t.rrule),
                Column("Hours", lambda t: f"{t.start_time:%H:%M} to {t.end_time:%H:%M}"),
                Column("From", lambda t: t.valid_from.isoformat() if t.valid_from else ""),
                Column("Until", lambda t: t.valid_until.isoformat() if t.valid_until else ""),
            ],
            parent,
        )


class ClosureModel(RecordTableModel["ClosureRead"]):
    def __init__(
        self, names: Mapping[str, Mapping[int, str]], parent: QObject | None = None
    ) -> None:
        super().__init__(
            [
                Column("From", lambda c: day_text(c.start_date)),
                Column("To", lambda c: day_text(c.end_date)),
                Column(
                    "Who",
                    lambda c: (
                        names["provider"].get(c.provider_id, "?")
                        if c.provider_id
                        else "whole clinic"
                    ),
                ),
                Column("Reason", lambda c: c.reason),
            ],
            parent,
        )
