"""No double booking: provider, room and patient overlap checks and the free-slot filter."""

import enum
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mild_desk.rules.slots import Slot, local_date


@dataclass(frozen=True, slots=True)
class Busy:
    """An active appointment as the conflict rules see it.

    Provider and room are held over [start, block_end) (case plus turnover); the patient over
    [start, end).
    """

    appointment_id: int
    provider_id: int
    room_id: int
    patient_id: int
    start: datetime
    end: datetime
    block_end: datetime


class ConflictKind(enum.StrEnum):
    """What a candidate appointment collides on."""

    PROVIDER = "provider"
    ROOM = "room"
    PATIENT = "patient"


@dataclass(frozen=True, slots=True)
class Conflict:
    """One collision: its kind and the active appointment it collides with."""

    kind: ConflictKind
    appointment_id: int


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether half-open intervals [a_start, a_end) and [b_start, b_end) share an instant.

    An empty interval (start >= end) overlaps nothing.
    """
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


def find_conflicts(candidate: Busy, active: Iterable[Busy]) -> list[Conflict]:
    """Every collision of `candidate` with the other active appointments, in their order.

    The appointment with the candidate's own id is skipped (a reschedule or edit of itself).
    """
    found: list[Conflict] = []
    for other in active:
        if other.appointment_id == candidate.appointment_id:
            continue
        blocks = overlaps(candidate.start, candidate.block_end, other.start, other.block_end)
        if blocks and other.provider_id == candidate.provider_id:
            found.append(Conflict(ConflictKind.PROVIDER, other.appointment_id))
        if blocks and other.room_id == candidate.room_id:
            found.append(Conflict(ConflictKind.ROOM, other.appointment_id))
        if other.patient_id == candidate.patient_id and overlaps(
            candidate.start, candidate.end, other.start, other.end
        ):
            found.append(Conflict(ConflictKind.PATIENT, other.appointment_id))
    return found


def free_slots(
    slots: Iterable[Slot],
    active: Iterable[Busy],
    *,
    tz: ZoneInfo,
    turnover_minutes: int,
    patient_id: int | None = None,
    daily_cap: Mapping[int, int | None] | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> Iterator[Slot]:
    """The slots, in the given order, that could be booked now.

    A slot is kept when, booked for `patient_id` (or nobody), it has no conflict with `active`;
    it starts within [not_before, not_after]; and its provider has fewer than
    daily_cap[provider_id] active appointments on its clinic-local date (missing or None means
    no cap). `exclude_appointment_id` leaves one appointment out of `active` (the one being
    rescheduled). The active appointments are indexed once, so each slot costs O(log n).
    """
    busy = [b for b in active if b.appointment_id != exclude_appointment_id]
    turnover = timedelta(minutes=turnover_minutes)
    providers = _index((b.provider_id, b.start, b.block_end) for b in busy)
    rooms = _index((b.room_id, b.start, b.block_end) for b in busy)
    patient = _index((0, b.start, b.end) for b in busy if b.patient_id == patient_id)
    counts = day_counts(busy, tz) if daily_cap else {}
    return _free(
        slots,
        providers,
        rooms,
        patient.get(0),
        counts,
        daily_cap or {},
        tz,
        turnover,
        not_before,
        not_after,
    )


def day_counts(active: Iterable[Busy], tz: ZoneInfo) -> dict[tuple[int, date], int]:
    """Active appointments per (provider_id, clinic-local date of the start)."""
    return dict(Counter((b.provider_id, local_date(b.start, tz)) for b in active))


class _Intervals:
    """Intervals sorted by start, with a running maximum of ends, for O(log n) overlap tests."""

    __slots__ = ("_max_end", "_starts")

    def __init__(self, intervals: list[tuple[datetime, datetime]]) -> None:
        intervals.sort()
        self._starts = [start for start, _ in intervals]
        self._max_end: list[datetime] = []
        for _, end in intervals:
            self._max_end.append(max(end, self._max_end[-1]) if self._max_end else end)

    def hits(self, start: datetime, end: datetime) -> bool:
        """Whether any stored [s, e) overlaps [start, end)."""
        if start >= end:
            return False
        before = bisect_left(self._starts, end)
        return before > 0 and self._max_end[before - 1] > start


def _index(rows: Iterable[tuple[int, datetime, datetime]]) -> dict[int, _Intervals]:
    grouped: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for key, start, end in rows:
        if start < end:
            grouped[key].append((start, end))
    return {key: _Intervals(spans) for key, spans in grouped.items()}


def _free(
    slots: Iterable[Slot],
    providers: dict[int, _Intervals],
    rooms: dict[int, _Intervals],
    patient: _Intervals | None,
    counts: dict[tuple[int, date], int],
    daily_cap: Mapping[int, int | None],
    tz: ZoneInfo,
    turnover: timedelta,
    not_before: datetime | None,
    not_after: datetime | None,
) -> Iterator[Slot]:
    for slot in slots:
        if not_before is not None and slot.start < not_before:
            continue
        if not_after is not None and slot.start > not_after:
            continue
        block_end = slot.end + turnover
        provider = providers.get(slot.provider_id)
        if provider is not None and provider.hits(slot.start, block_end):
            continue
        room = rooms.get(slot.room_id)
        if room is not None and room.hits(slot.start, block_end):
            continue
        if patient is not None and patient.hits(slot.start, slot.end):
            continue
        cap = daily_cap.get(slot.provider_id)
        if cap is not None and counts.get((slot.provider_id, local_date(slot.start, tz)), 0) >= cap:
            continue
        yield slot
