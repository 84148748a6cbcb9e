"""Slot generation from availability templates (RFC 5545 rules) and closures, DST-correct."""

import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule as _RRule
from dateutil.rrule import rrulestr


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One availability template: a provider in a room on the dates of a rule, between two times."""

    id: int
    provider_id: int
    room_id: int
    rrule: str
    start_time: time
    end_time: time
    dtstart: date
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class ClosureSpec:
    """Dates (clinic-local, inclusive) on which one provider, or the whole clinic, has no slots."""

    provider_id: int | None
    start_date: date
    end_date: date
    reason: str


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """One bookable case: aware UTC start and end (start + case length)."""

    start: datetime
    end: datetime
    provider_id: int
    room_id: int
    template_id: int


def validate_rrule(rule: str) -> str:
    """Return the normalised rule body (FREQ first, upper case, no "RRULE:" prefix).

    Raise ValueError with a one-line message when the rule is empty, unparsable, carries a
    DTSTART, repeats more often than daily, sets hours/minutes/seconds, or has both UNTIL and
    COUNT.
    """
    return _join(_parse_rule(rule))


def local_date(dt: datetime, tz: ZoneInfo) -> date:
    """The clinic-local calendar date of an aware instant."""
    if dt.tzinfo is None:
        raise ValueError("local_date: expected an aware datetime, got a naive one")
    return dt.astimezone(tz).date()


def to_utc(local: datetime, tz: ZoneInfo) -> datetime | None:
    """Convert a naive clinic-local wall time to aware UTC.

    Return None for a wall time that does not exist (inside a spring-forward gap); an ambiguous
    one (fall back) resolves to the first occurrence (fold=0).
    """
    if local.tzinfo is not None:
        raise ValueError("to_utc: expected a naive local wall time, got an aware one")
    wall = local.replace(fold=0)
    utc = wall.replace(tzinfo=tz).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return utc


def occurrence_dates(
    rule: str, *, dtstart: date, date_from: date, date_to: date, tz: ZoneInfo
) -> list[date]:
    """Dates of `rule` anchored at `dtstart` that fall in [date_from, date_to], in order.

    COUNT and INTERVAL are counted from `dtstart`; an UNTIL in UTC ("...Z") is read in the
    clinic zone. Without COUNT the expansion starts near `date_from` rather than at `dtstart`,
    so an old anchor costs nothing.

    A range within about a year is answered from whole calendar months, each expanded once and
    kept: bookings and slot searches on days of the same months then reuse the expansion
    (dateutil takes ~0.1 ms to read a rule).
    """
    if date_to < date_from or (date_to - date_from).days > _MONTHLY_SPAN_DAYS:
        return list(_occurrence_dates(rule, dtstart, date_from, date_to, tz))
    found: list[date] = []
    first = date_from.replace(day=1)
    while first <= date_to:
        last = first.replace(day=monthrange(first.year, first.month)[1])
        month = _occurrence_dates(rule, dtstart, first, last, tz)
        found += (d for d in month if date_from <= d <= date_to)
        if last >= date_to:
            break
        first = last + timedelta(days=1)
    return found


_MONTHLY_SPAN_DAYS = 400


@lru_cache(maxsize=4096)  # every booking expands its day's rules again: dateutil is slow at it
def _occurrence_dates(
    rule: str, dtstart: date, date_from: date, date_to: date, tz: ZoneInfo
) -> tuple[date, ...]:
    parts = _parse_rule(rule)
    lo = max(date_from, dtstart)
    hi = date_to
    if lo > hi:
        return ()
    if _daily_weekdays_unreachable(parts, dtstart):
        return ()
    _add_dtstart_defaults(parts, dtstart)
    until = _until_local(parts.pop("UNTIL", None), tz)
    hi_dt = datetime.combine(hi, time(0))
    until = hi_dt if until is None else min(until, hi_dt)
    parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    count_text = parts.pop("COUNT", None)
    if count_text is None:
        anchor = _rebased_anchor(parts["FREQ"], int(parts.get("INTERVAL", "1")), dtstart, lo)
        occurrences = list(_build(parts, anchor))
    else:
        occurrences = list(islice(_build(parts, dtstart), int(count_text)))
    return tuple(d for d in (o.date() for o in occurrences) if lo <= d <= hi)


def generate_slots(
    templates: Iterable[TemplateSpec],
    closures: Iterable[ClosureSpec],
    *,
    tz: ZoneInfo,
    date_from: date,
    date_to: date,
    case_minutes: int,
    turnover_minutes: int,
) -> list[Slot]:
    """Every slot of `templates` on clinic-local dates [date_from, date_to], minus closures.

    On each rule date, slots start at the template's start time and step (in wall-clock time)
    by case + turnover while the case ends by the template's end time. Wall times that do not
    exist are skipped; ambiguous ones take fold=0. On a DST-change day a slot is also dropped
    if, in real time, it would start before the previous slot's turnover is over or end after
    the template's end. Sorted by (start, provider_id, room_id); no duplicates.
    """
    if case_minutes <= 0:
        raise ValueError(f"case_minutes must be positive, got {case_minutes}")
    if turnover_minutes < 0:
        raise ValueError(f"turnover_minutes must not be negative, got {turnover_minutes}")
    case = timedelta(minutes=case_minutes)
    step = timedelta(minutes=case_minutes + turnover_minutes)
    turnover = timedelta(minutes=turnover_minutes)
    closure_list = list(closures)
    seen: dict[tuple[datetime, datetime, int, int], Slot] = {}
    for t in templates:
        lo = max(date_from, t.valid_from) if t.valid_from is not None else date_from
        hi = min(date_to, t.valid_until) if t.valid_until is not None else date_to
        if lo > hi:
            continue
        closed = [
            (c.start_date, c.end_date)
            for c in closure_list
            if c.provider_id is None or c.provider_id == t.provider_id
        ]
        dates = occurrence_dates(t.rrule, dtstart=t.dtstart, date_from=lo, date_to=hi, tz=tz)
        for day in dates:
            if any(start <= day <= end for start, end in closed):
                continue
            for slot in _day_slots(t, day, tz, case, step, turnover):
                key = (slot.start, slot.end, slot.provider_id, slot.room_id)
                kept = seen.get(key)
                if kept is None or slot.template_id < kept.template_id:
                    seen[key] = slot
    return sorted(
        seen.values(), key=lambda s: (s.start, s.provider_id, s.room_id, s.end, s.template_id)
    )


_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_KNOWN = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_INT_LIST_RANGES = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
_BYDAY_RE = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_INT_RE = re.compile(r"^[+-]?\d{1,4}$")
_UNTIL_FORMATS = (("%Y%m%dT%H%M%SZ", True), ("%Y%m%dT%H%M%S", False), ("%Y%m%d", False))
# The three formats written exactly (ASCII digits, capital T and Z): read without strptime.
_UNTIL_RE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})(Z?))?")


def _parse_rule(rule: str) -> dict[str, str]:
    """Parse and check a rule body into an ordered NAME -> VALUE dict (FREQ first)."""
    text = rule.strip()
    if not text:
        raise ValueError("rrule: the rule is empty")
    if "DTSTART" in text.upper():
        raise ValueError("rrule: DTSTART is not allowed in the rule; the template sets the anchor")
    if "\n" in text or "\r" in text:
        raise ValueError("rrule: give a single RRULE line (no RDATE, EXDATE or other lines)")
    body = text[6:] if text.upper().startswith("RRULE:") else text
    if ":" in body:
        name = body.split(":", 1)[0].strip()
        raise ValueError(f"rrule: unexpected property {name!r}; give only the RRULE body")
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        if not piece.strip():
            continue
        name, sep, value = piece.partition("=")
        name = name.strip().upper()
        value = "".join(value.split()).upper()
        if not sep:
            raise ValueError(f"rrule: expected NAME=VALUE, got {piece.strip()!r}")
        if name not in _KNOWN:
            raise ValueError(f"rrule: unknown part {name!r}")
        if name in parts:
            raise ValueError(f"rrule: {name} is given twice")
        if not value:
            raise ValueError(f"rrule: {name} has no value")
        parts[name] = value
    _check_parts(parts)
    reason = _never_matches(parts)
    if reason is not None:
        raise ValueError(f"rrule: the rule never matches a date ({reason})")
    ordered = {"FREQ": parts.pop("FREQ")}
    ordered.update(parts)
    try:
        _build(ordered, datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        message = " ".join(str(exc).split())
        raise ValueError(f"rrule: {message}") from None
    return ordered


def _check_parts(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise ValueError("rrule: FREQ is required (e.g. FREQ=WEEKLY;BYDAY=TU)")
    if freq in _SUB_DAILY:
        raise ValueError(f"rrule: frequency {freq} is finer than a day; use DAILY or longer")
    if freq not in _FREQS:
        raise ValueError(f"rrule: unknown frequency {freq!r}")
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValueError("rrule: UNTIL and COUNT cannot be used together")
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if name in parts:
            raise ValueError(f"rrule: {name} is not allowed; the template's times set the hours")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and not (parts[name].isdigit() and 0 < int(parts[name]) < 100_000):
            raise ValueError(f"rrule: {name} must be a positive whole number, got {parts[name]!r}")
    if "UNTIL" in parts:
        _parse_until(parts["UNTIL"])
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise ValueError(f"rrule: WKST must be a weekday code (MO..SU), got {parts['WKST']!r}")
    for name, (low, high, signed) in _INT_LIST_RANGES.items():
        if name in parts:
            _check_int_list(name, parts[name], low, high, signed)
    if "BYDAY" in parts:
        _check_byday(parts["BYDAY"], freq)
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise ValueError("rrule: BYWEEKNO is only allowed with FREQ=YEARLY")
    if "BYYEARDAY" in parts and freq != "YEARLY":
        raise ValueError("rrule: BYYEARDAY is only allowed with FREQ=YEARLY")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise ValueError("rrule: BYMONTHDAY is not allowed with FREQ=WEEKLY")


def _never_matches(parts: dict[str, str]) -> str | None:
    """Why the rule can never produce a date, for the common mistakes; None when it may.

    dateutil searches to year 9999 for a rule with no occurrence, so such rules are refused.
    """
    if "BYSETPOS" in parts:
        smallest = min(abs(int(p)) for p in parts["BYSETPOS"].split(","))
        if smallest > _most_per_period(parts):
            return "BYSETPOS is past the last date of every period"
    months = {int(m) for m in parts["BYMONTH"].split(",")} if "BYMONTH" in parts else None
    if months is None:
        return None
    if "BYMONTHDAY" in parts:
        days = [abs(int(d)) for d in parts["BYMONTHDAY"].split(",")]
        longest = {m: (date(2000, m % 12 + 1, 1) - timedelta(days=1)).day for m in months}
        if not any(d <= longest[m] for m in months for d in days):
            return "no BYMONTH has that BYMONTHDAY"
    if "BYYEARDAY" in parts:
        hit = set()
        for y in (int(v) for v in parts["BYYEARDAY"].split(",")):
            for year in (2000, 2001):
                first, last = date(year, 1, 1), date(year, 12, 31)
                day = first + timedelta(days=y - 1) if y > 0 else last + timedelta(days=y + 1)
                if day.year == year:
                    hit.add(day.month)
        if not hit & months:
            return "no BYYEARDAY falls in a BYMONTH"
    return None


def _most_per_period(parts: dict[str, str]) -> int:
    """An upper bound on how many dates one period (day, week, month, year) can hold."""
    freq = parts["FREQ"]
    days = parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []
    if freq == "DAILY":
        return 1
    if freq == "WEEKLY":
        return len(days) or 1
    if freq == "MONTHLY":
        if "BYMONTHDAY" in parts:
            return len(parts["BYMONTHDAY"].split(","))
        return sum(1 if d[:1] in "+-0123456789" else 5 for d in days) or 1
    return 366


def _daily_weekdays_unreachable(parts: dict[str, str], dtstart: date) -> bool:
    """True when a DAILY rule's INTERVAL never lands on a BYDAY weekday (e.g. every 7 days from
    a Tuesday, on Mondays), which dateutil would search for until year 9999."""
    if parts["FREQ"] != "DAILY" or "BYDAY" not in parts:
        return False
    interval = int(parts.get("INTERVAL", "1"))
    reachable = {_WEEKDAYS[(dtstart.weekday() + k * interval) % 7] for k in range(7)}
    return not reachable & set(parts["BYDAY"].split(","))


def _check_int_list(name: str, value: str, low: int, high: int, signed: bool) -> None:
    for item in value.split(","):
        ok = bool(_INT_RE.match(item)) and low <= abs(int(item)) <= high
        if ok and not signed and item.startswith(("+", "-")):
            ok = int(item) > 0
        if not ok:
            span = f"{low}..{high}" + (f" or -{high}..-{low}" if signed else "")
            raise ValueError(f"rrule: {name} values must be in {span}, got {item!r}")


def _check_byday(value: str, freq: str) -> None:
    for item in value.split(","):
        match = _BYDAY_RE.match(item)
        if match is None:
            raise ValueError(f"rrule: BYDAY entries look like TU or 2TU or -1FR, got {item!r}")
        sign, number, _ = match.groups()
        if number is None:
            if sign:
                raise ValueError(f"rrule: BYDAY entries look like TU or 2TU or -1FR, got {item!r}")
            continue
        if freq not in ("MONTHLY", "YEARLY"):
            raise ValueError(f"rrule: numbered BYDAY ({item}) needs FREQ=MONTHLY or YEARLY")
        limit = 5 if freq == "MONTHLY" else 53
        if not 1 <= int(number) <= limit:
            raise ValueError(f"rrule: BYDAY position must be 1..{limit} or negative, got {item!r}")


def _parse_until(value: str) -> datetime:
    """UNTIL as a datetime: aware UTC when written with Z, naive local otherwise."""
    usual = _UNTIL_RE.fullmatch(value)
    if usual is not None:  # what strptime reads it as, without loading _strptime (~5 ms a start)
        year, month, day, hour, minute, second, utc_mark = usual.groups()
        try:
            found = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            pass  # not a date: strptime below says so
        else:
            return found.replace(tzinfo=UTC) if utc_mark else found
    for fmt, utc in _UNTIL_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if utc else parsed
    raise ValueError(f"rrule: UNTIL must look like 20271231 or 20271231T235959Z, got {value!r}")


def _until_local(value: str | None, tz: ZoneInfo) -> datetime | None:
    """UNTIL as a naive clinic-local datetime, comparable with naive occurrences."""
    if value is None:
        return None
    until = _parse_until(value)
    if until.tzinfo is None:
        return until
    return until.astimezone(tz).replace(tzinfo=None)


def _join(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _build(parts: dict[str, str], anchor: datetime | date) -> _RRule:
    """Expand with dateutil over naive local midnights; any UTC UNTIL is read as naive."""
    fixed = dict(parts)
    until = fixed.pop("UNTIL", None)  # read here: dateutil's general date parser is slow to load
    start = anchor if isinstance(anchor, datetime) else datetime.combine(anchor, time(0))
    built = rrulestr(_join(fixed), dtstart=start)
    if not isinstance(built, _RRule):  # pragma: no cover - a single RRULE line gives an rrule
        raise ValueError("rrule: expected a single rule")
    if until is not None:
        built = built.replace(until=_parse_until(until).replace(tzinfo=None))
    return built


def _add_dtstart_defaults(parts: dict[str, str], dtstart: date) -> None:
    """Write out the parts dateutil would take from dtstart, so the anchor can move."""
    if any(k in parts for k in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")):
        return
    freq = parts["FREQ"]
    if freq == "YEARLY":
        parts.setdefault("BYMONTH", str(dtstart.month))
        parts["BYMONTHDAY"] = str(dtstart.day)
    elif freq == "MONTHLY":
        parts["BYMONTHDAY"] = str(dtstart.day)
    elif freq == "WEEKLY":
        parts["BYDAY"] = _WEEKDAYS[dtstart.weekday()]


def _rebased_anchor(freq: str, interval: int, dtstart: date, lo: date) -> date:
    """A later anchor in phase with `dtstart` (whole intervals on), at least one period before lo.

    Valid only once the dtstart-derived defaults are explicit and the rule has no COUNT.
    """
    if freq in ("DAILY", "WEEKLY"):
        step = interval * (7 if freq == "WEEKLY" else 1)
        k = (lo - dtstart).days // step - 1
        return dtstart + timedelta(days=k * step) if k > 0 else dtstart
    if freq == "MONTHLY":
        k = ((lo.year - dtstart.year) * 12 + lo.month - dtstart.month) // interval - 1
        if k <= 0:
            return dtstart
        return dtstart.replace(day=1) + relativedelta(months=k * interval)
    k = (lo.year - dtstart.year) // interval - 1
    return date(dtstart.year + k * interval, 1, 1) if k > 0 else dtstart


def _day_slots(
    t: TemplateSpec,
    day: date,
    tz: ZoneInfo,
    case: timedelta,
    step: timedelta,
    turnover: timedelta,
) -> list[Slot]:
    first_wall = datetime.combine(day, t.start_time)
    window_end_wall = datetime.combine(day, t.end_time)
    offset = _steady_offset(first_wall, window_end_wall, tz)
    if offset is not None:
        base = (first_wall - offset).replace(tzinfo=UTC)
        slots: list[Slot] = []
        start = base
        while start + case <= base + (window_end_wall - first_wall):
            slots.append(Slot(start, start + case, t.provider_id, t.room_id, t.id))
            start += step
        return slots
    return _transition_day_slots(t, first_wall, window_end_wall, tz, case, step, turnover)


def _steady_offset(first: datetime, last: datetime, tz: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset over [first, last] wall times when no transition falls inside."""
    offsets = {
        tz.utcoffset(first.replace(fold=0)),
        tz.utcoffset(first.replace(fold=1)),
        tz.utcoffset(last.replace(fold=0)),
        tz.utcoffset(last.replace(fold=1)),
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return offset


def _transition_day_slots(
    t: TemplateSpec,
    first_wall: datetime,
    window_end_wall: datetime,
    tz: ZoneInfo,
    case: timedelta,
    step: timedelta,
    turnover: timedelta,
) -> list[Slot]:
    """Slots on a day whose template window holds a DST change: walk wall times one by one."""
    window_end = _earliest_utc(window_end_wall, tz)
    slots: list[Slot] = []
    free_from: datetime | None = None
    wall = first_wall
    while wall + case <= window_end_wall:
        start = to_utc(wall, tz)
        wall += step
        if start is None or start + case > window_end:
            continue
        if free_from is not None and start < free_from:
            continue
        slots.append(Slot(start, start + case, t.provider_id, t.room_id, t.id))
        free_from = start + case + turnover
    return slots


def _earliest_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The earlier UTC reading of a wall time (either fold), so a gap or overlap never widens."""
    first = wall.replace(fold=0, tzinfo=tz).astimezone(UTC)
    second = wall.replace(fold=1, tzinfo=tz).astimezone(UTC)
    return min(first, second)
