"""How the screens write dates, times and statuses (clinic-local, short, unambiguous)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from mild_desk.models.enums import RequirementStatus

STATUS_MARKS = {
    RequirementStatus.MET: "✓ met",
    RequirementStatus.PENDING: "… pending",
    RequirementStatus.UNMET: "✗ unmet",
    RequirementStatus.OVERRIDDEN: "⚑ overridden",
}


def day_text(day: date) -> str:
    """ "Tue 3 Nov 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def short_day(day: date) -> str:
    """ "Tue 3 Nov"."""
    return f"{day:%a} {day.day} {day:%b}"


def moment_text(moment: datetime | None, tz: ZoneInfo, *, with_year: bool = False) -> str:
    """ "Tue 3 Nov 08:00" in the clinic zone; "" for None."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    year = f" {local:%Y}" if with_year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def status_text(status: RequirementStatus | None) -> str:
    return STATUS_MARKS.get(status, "") if status is not None else ""
