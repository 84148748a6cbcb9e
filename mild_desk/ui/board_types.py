"""The board's value types and pure helpers: lanes, cells, runs, blocks, which days a week
shows, and what a drag carries."""

import enum
import json
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QMimeData

from mild_desk.services.views import BoardAppointment, BoardRead, LaneRead

MIME_TYPE = "application/x-mild-desk-appointment"


class Lanes(enum.StrEnum):
    PROVIDERS = "provider"
    ROOMS = "room"


class Cell(enum.StrEnum):
    OPEN = "open"
    OUTSIDE = "outside"
    CLOSED = "closed"
    APPOINTMENT = "appointment"


@dataclass(frozen=True, slots=True)
class BoardColumn:
    day: date
    lane: LaneRead


@dataclass(frozen=True, slots=True)
class Run:
    """Rows first..last (inclusive) of one column that look alike under the appointments."""

    first: int
    last: int
    cell: Cell


@dataclass(frozen=True, slots=True)
class Block:
    appointment: BoardAppointment
    row: int
    column: int
    rows: int


def decode_moving(data: QMimeData) -> list[tuple[int, int]]:
    """(appointment id, version) pairs carried by a drag."""
    raw = bytes(data.data(MIME_TYPE).data()).decode() or "[]"
    return [(int(item["id"]), int(item["version"])) for item in json.loads(raw)]


def short_lane(name: str) -> str:
    """ "Dr. Priya Patel" → "Patel", "Procedure Room 1" → "Room 1" (week view headers)."""
    words = name.split()
    if len(words) > 1 and words[0].rstrip(".").lower() in {"dr", "prof", "mr", "mrs", "ms"}:
        return words[-1]
    if len(words) > 2 and words[-1].isdigit():
        return " ".join(words[-2:])
    return name


def week_days(anchor: date) -> list[date]:
    monday = anchor - timedelta(days=anchor.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def shown_days(read: BoardRead, anchor: date, *, week: bool) -> list[date]:
    """The day itself; or the days of its week with a session, a booking or a closure (Monday
    to Friday when there is none of those), so a clinic's few operating days fill the width."""
    if not week:
        return [anchor]
    busy = (
        {s.day for s in read.sessions}
        | {a.start.astimezone(read.tz).date() for a in read.appointments}
        | {c.day for c in read.closures}
    )
    days = week_days(anchor)
    return [d for d in days if d in busy] or days[:5]
