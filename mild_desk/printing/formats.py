"""Dates, times and names as the staff documents print them (English, 24-hour, clinic-local)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

EN_DASH = "\u2013"
"""Between the start and the end of a time range (an en dash)."""
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def staff_date(day: date) -> str:
    """ "Tue 1 Dec 2026" (the app's own way of writing a date)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def staff_time(moment: datetime, tz: ZoneInfo) -> str:
    """ "08:00", clinic-local."""
    return f"{moment.astimezone(tz):%H:%M}"


def staff_moment(moment: datetime, tz: ZoneInfo) -> str:
    """ "Tue 1 Dec 2026 08:00", clinic-local."""
    local = moment.astimezone(tz)
    return f"{staff_date(local.date())} {local:%H:%M}"


def staff_moment_near(moment: datetime, tz: ZoneInfo, day: date) -> str:
    """The time alone when `moment` falls on `day` (clinic-local), else the date and time."""
    local = moment.astimezone(tz)
    return f"{local:%H:%M}" if local.date() == day else staff_moment(moment, tz)


def birth_date(dob: date) -> str:
    """ "3 Feb 1950": day and month name, never the ambiguous 03/02/1950."""
    return f"{dob.day} {_MONTHS[dob.month - 1]} {dob.year}"


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def initials(name: str) -> str:
    """ "Nina Okafor" → "NO"; "Dr. Priya Patel" → "PP"."""
    words = [w for w in name.replace(".", ". ").split() if not w.endswith(".")]
    return "".join(w[0].upper() for w in words) or name[:2].upper()


def levels_text(levels: str) -> str:
    """ "L3-L4,L4-L5" → "L3-L4, L4-L5"."""
    return ", ".join(p for p in levels.split(",") if p)
