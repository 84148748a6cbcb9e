"""Slot generation: rules, DST, closures, validation, speed."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mild_desk.rules.slots import (
    ClosureSpec,
    Slot,
    TemplateSpec,
    generate_slots,
    local_date,
    occurrence_dates,
    to_utc,
    validate_rrule,
)

NY = ZoneInfo("America/New_York")
CASE = 60
TURNOVER = 15


def template(
    rule: str = "FREQ=WEEKLY;BYDAY=TU",
    *,
    start: time = time(8),
    end: time = time(12),
    dtstart: date = date(2026, 1, 1),
    valid_from: date | None = None,
    valid_until: date | None = None,
    id: int = 1,
    provider_id: int = 10,
    room_id: int = 20,
) -> TemplateSpec:
    return TemplateSpec(
        id=id,
        provider_id=provider_id,
        room_id=room_id,
        rrule=rule,
        start_time=start,
        end_time=end,
        dtstart=dtstart,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def generate(
    templates: list[TemplateSpec],
    date_from: date,
    date_to: date,
    closures: tuple[ClosureSpec, ...] = (),
    tz: ZoneInfo = NY,
    case: int = CASE,
    turnover: int = TURNOVER,
) -> list[Slot]:
    return generate_slots(
        templates,
        closures,
        tz=tz,
        date_from=date_from,
        date_to=date_to,
        case_minutes=case,
        turnover_minutes=turnover,
    )


def local_starts(slots: list[Slot], tz: ZoneInfo = NY) -> list[datetime]:
    return [s.start.astimezone(tz) for s in slots]


def dates_of(slots: list[Slot], tz: ZoneInfo = NY) -> list[date]:
    return sorted({local_date(s.start, tz) for s in slots})


# --- DST -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "offset_before", "offset_after"),
    [
        (date(2026, 3, 3), date(2026, 3, 10), -5, -4),  # spring forward on Sunday 8 March
        (date(2026, 10, 27), date(2026, 11, 3), -4, -5),  # fall back on Sunday 1 November
    ],
)
def test_tuesday_slots_stay_at_local_wall_times_across_dst(
    before: date, after: date, offset_before: int, offset_after: int
) -> None:
    slots = generate([template()], before, after)
    by_day: dict[date, list[datetime]] = {}
    for start in local_starts(slots):
        by_day.setdefault(start.date(), []).append(start)
    assert sorted(by_day) == [before, after]
    for day, offset in ((before, offset_before), (after, offset_after)):
        starts = by_day[day]
        assert [(s.hour, s.minute) for s in starts] == [(8, 0), (9, 15), (10, 30)]
        assert {s.utcoffset() for s in starts} == {timedelta(hours=offset)}
    utc_hours = {local_date(s.start, NY): s.start.hour for s in slots if s.start.minute == 0}
    assert utc_hours[before] == 8 - offset_before
    assert utc_hours[after] == 8 - offset_after
    for slot in slots:
        assert slot.start.tzinfo is UTC
        assert slot.end - slot.start == timedelta(minutes=CASE)
        assert slot.end.astimezone(NY).time() <= time(12)


def test_last_slot_must_end_inside_template() -> None:
    slots = generate([template(end=time(12, 45))], date(2026, 3, 3), date(2026, 3, 3))
    assert [s.start.astimezone(NY).time() for s in slots] == [
        time(8),
        time(9, 15),
        time(10, 30),
        time(11, 45),
    ]
    slots = generate([template(end=time(12, 44))], date(2026, 3, 3), date(2026, 3, 3))
    assert len(slots) == 3


def test_nonexistent_wall_time_is_skipped() -> None:
    sundays = template("FREQ=WEEKLY;BYDAY=SU", start=time(2, 30), end=time(3, 30))
    slots = generate([sundays], date(2026, 3, 1), date(2026, 3, 15))
    assert dates_of(slots) == [date(2026, 3, 1), date(2026, 3, 15)]
    assert all(s.start.astimezone(NY).time() == time(2, 30) for s in slots)
    assert to_utc(datetime(2026, 3, 8, 2, 30), NY) is None


def test_slot_running_into_the_gap_is_dropped_in_real_time() -> None:
    # 01:30 EST + 60 min = 03:30 EDT, after the template's 03:00 end.
    sundays = template("FREQ=WEEKLY;BYDAY=SU", start=time(1, 30), end=time(3))
    slots = generate([sundays], date(2026, 3, 1), date(2026, 3, 15))
    assert dates_of(slots) == [date(2026, 3, 1), date(2026, 3, 15)]


def test_wall_step_across_the_gap_never_overlaps_in_real_time() -> None:
    # 01:45 EST runs to 07:45Z; the next wall step, 03:00 EDT, is 07:00Z: dropped.
    sundays = template("FREQ=WEEKLY;BYDAY=SU", start=time(1, 45), end=time(6))
    slots = generate([sundays], date(2026, 3, 8), date(2026, 3, 8))
    assert [(s.hour, s.minute) for s in local_starts(slots)] == [(1, 45), (4, 15)]
    slots = generate([sundays], date(2026, 3, 1), date(2026, 3, 1))
    assert [(s.hour, s.minute) for s in local_starts(slots)] == [(1, 45), (3, 0), (4, 15)]


def test_ambiguous_wall_time_uses_first_occurrence() -> None:
    sundays = template("FREQ=WEEKLY;BYDAY=SU", start=time(1, 30), end=time(2, 30))
    slots = generate([sundays], date(2026, 11, 1), date(2026, 11, 1))
    assert len(slots) == 1
    local = slots[0].start.astimezone(NY)
    assert (local.hour, local.minute, local.fold) == (1, 30, 0)
    assert local.utcoffset() == timedelta(hours=-4)
    assert to_utc(datetime(2026, 11, 1, 1, 30), NY) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_helpers_reject_the_wrong_kind_of_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_utc(datetime(2026, 1, 1, tzinfo=UTC), NY)
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 1, 1), NY)
    assert local_date(datetime(2026, 1, 1, 3, tzinfo=UTC), NY) == date(2025, 12, 31)


# --- rule parts ----------------------------------------------------------------------------


def test_until_is_inclusive_and_accepts_utc() -> None:
    for until in ("20260317", "20260317T000000", "20260317T120000Z", "20260317T040000Z"):
        t = template(f"FREQ=WEEKLY;BYDAY=TU;UNTIL={until}")
        assert dates_of(generate([t], date(2026, 3, 1), date(2026, 4, 30))) == [
            date(2026, 3, 3),
            date(2026, 3, 10),
            date(2026, 3, 17),
        ], until
    # 03:59Z on the 17th is still the 16th in New York.
    t = template("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260317T035900Z")
    assert dates_of(generate([t], date(2026, 3, 1), date(2026, 4, 30)))[-1] == date(2026, 3, 10)


def test_count_is_counted_from_dtstart() -> None:
    t = template("FREQ=WEEKLY;BYDAY=TU;COUNT=3", dtstart=date(2026, 3, 1))
    assert dates_of(generate([t], date(2026, 1, 1), date(2026, 12, 31))) == [
        date(2026, 3, 3),
        date(2026, 3, 10),
        date(2026, 3, 17),
    ]
    assert dates_of(generate([t], date(2026, 3, 15), date(2026, 12, 31))) == [date(2026, 3, 17)]


def test_interval_two_is_phased_from_dtstart() -> None:
    t = template("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", dtstart=date(2020, 1, 7))
    got = dates_of(generate([t], date(2026, 3, 1), date(2026, 4, 30)))
    assert len(got) == 4
    assert all((d - date(2020, 1, 7)).days % 14 == 0 for d in got)
    assert all(b - a == timedelta(days=14) for a, b in pairwise(got))


def test_valid_from_and_until_are_inclusive() -> None:
    t = template(valid_from=date(2026, 3, 10), valid_until=date(2026, 3, 24))
    assert dates_of(generate([t], date(2026, 3, 1), date(2026, 4, 30))) == [
        date(2026, 3, 10),
        date(2026, 3, 17),
        date(2026, 3, 24),
    ]
    assert generate([t], date(2026, 4, 1), date(2026, 4, 30)) == []


def test_closures_for_clinic_and_for_one_provider() -> None:
    a = template(id=1, provider_id=1, room_id=1)
    b = template(id=2, provider_id=2, room_id=2)
    closures = (
        ClosureSpec(None, date(2026, 3, 10), date(2026, 3, 10), "holiday"),
        ClosureSpec(2, date(2026, 3, 15), date(2026, 3, 24), "away"),
    )
    slots = generate([a, b], date(2026, 3, 1), date(2026, 3, 31), closures)
    days = {p: dates_of([s for s in slots if s.provider_id == p]) for p in (1, 2)}
    assert days[1] == [date(2026, 3, d) for d in (3, 17, 24, 31)]
    assert days[2] == [date(2026, 3, d) for d in (3, 31)]


def test_result_sorted_and_without_duplicates() -> None:
    a = template(id=2, provider_id=1, room_id=1)
    twin = template(id=1, provider_id=1, room_id=1)
    other = template("FREQ=WEEKLY;BYDAY=TU,TH", id=3, provider_id=0, room_id=5)
    slots = generate([a, twin, other], date(2026, 3, 1), date(2026, 3, 31))
    assert slots == sorted(slots, key=lambda s: (s.start, s.provider_id, s.room_id))
    keys = [(s.start, s.provider_id, s.room_id) for s in slots]
    assert len(keys) == len(set(keys))
    assert {s.template_id for s in slots if s.provider_id == 1} == {1}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="case_minutes"):
        generate([template()], date(2026, 3, 1), date(2026, 3, 31), case=0)
    with pytest.raises(ValueError, match="turnover_minutes"):
        generate([template()], date(2026, 3, 1), date(2026, 3, 31), turnover=-1)
    with pytest.raises(ValueError, match="rrule"):
        generate([template("FREQ=HOURLY")], date(2026, 3, 1), date(2026, 3, 31))


def test_three_templates_over_two_years_is_fast() -> None:
    templates = [
        template("FREQ=WEEKLY;BYDAY=TU,TH", id=1, provider_id=1, dtstart=date(1990, 1, 2)),
        template("FREQ=DAILY;BYDAY=MO,WE,FR", id=2, provider_id=2, dtstart=date(1995, 6, 1)),
        template("FREQ=MONTHLY;BYDAY=1TU,3TH", id=3, provider_id=3, dtstart=date(2001, 1, 1)),
    ]
    generate(templates, date(2026, 1, 1), date(2027, 12, 31))
    began = clock.perf_counter()
    slots = generate(templates, date(2026, 1, 1), date(2027, 12, 31))
    elapsed = clock.perf_counter() - began
    assert len(slots) > 1500
    assert elapsed < 0.25, f"{elapsed * 1000:.0f} ms"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO",  # dtstart is a Thursday: never a Monday
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=5",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4;COUNT=2",
    ],
)
def test_rules_that_never_match_fail_fast(rule: str) -> None:
    began = clock.perf_counter()
    try:
        dates = occurrence_dates(
            rule,
            dtstart=date(2026, 1, 1),
            date_from=date(2026, 1, 1),
            date_to=date(2027, 1, 1),
            tz=NY,
        )
    except ValueError:
        dates = []
    assert dates == []
    assert clock.perf_counter() - began < 0.25


def test_occurrence_dates_are_the_callers_own_list() -> None:
    """The expansion is cached: changing one answer must not change the next."""
    mondays = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]

    def ask() -> list[date]:
        return occurrence_dates(
            "FREQ=WEEKLY;BYDAY=MO",
            dtstart=mondays[0],
            date_from=mondays[0],
            date_to=mondays[-1],
            tz=NY,
        )

    first = ask()
    assert first == mondays
    first.clear()
    assert ask() == mondays


# --- validate_rrule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=FOO", "unknown frequency 'FOO'"),
        ("", "empty"),
        ("   ", "empty"),
        ("BYDAY=TU", "FREQ is required"),
        ("FREQ=HOURLY", "finer than a day"),
        ("FREQ=MINUTELY", "finer than a day"),
        ("FREQ=SECONDLY", "finer than a day"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "UNTIL and COUNT"),
        ("every tuesday please", "NAME=VALUE"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=TU,", "BYDAY"),
        ("FREQ=WEEKLY;FOO=1", "unknown part 'FOO'"),
        ("FREQ=WEEKLY;FREQ=DAILY", "twice"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=WEEKLY;COUNT=-2", "COUNT"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=WEEKLY;UNTIL=20271340", "UNTIL"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=MONTHLY;BYDAY=9MO", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=2TU", "numbered BYDAY"),
        ("FREQ=DAILY;BYHOUR=8", "BYHOUR"),
        ("FREQ=WEEKLY;WKST=XX", "WKST"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "never matches"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "never matches"),
        ("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3,-3", "never matches"),
        ("FREQ=DAILY;BYSETPOS=2", "never matches"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=WEEKLY", "DTSTART"),
        ("FREQ=WEEKLY;DTSTART=20260101", "DTSTART"),
        ("RRULE:FREQ=WEEKLY\nEXDATE:20260101", "single RRULE line"),
        ("EXRULE:FREQ=WEEKLY", "unexpected property"),
        ("FREQ", "NAME=VALUE"),
        ("FREQ=", "no value"),
    ],
)
def test_validate_rrule_rejects(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        validate_rrule(rule)
    text = str(caught.value)
    assert text.startswith("rrule: ")
    assert "\n" not in text


@pytest.mark.parametrize(
    ("rule", "normalised"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=TU,TH", "FREQ=WEEKLY;BYDAY=TU,TH"),
        ("rrule:byday=tu, th; freq=weekly;", "FREQ=WEEKLY;BYDAY=TU,TH"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", "FREQ=WEEKLY;UNTIL=20270101T000000Z"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    ],
)
def test_validate_rrule_accepts_and_normalises(rule: str, normalised: str) -> None:
    assert validate_rrule(rule) == normalised
    assert validate_rrule(normalised) == normalised


@settings(database=None, max_examples=300)
@given(st.text(alphabet="FREQ=;,:WEKLYDAIBTUHMO0123456789-+ \nZ", max_size=40))
def test_validate_rrule_fails_only_with_value_error(rule: str) -> None:
    try:
        normalised = validate_rrule(rule)
    except ValueError as exc:
        message = str(exc)
    else:
        assert validate_rrule(normalised) == normalised
        return
    assert message.startswith("rrule: ")
    assert "\n" not in message


# --- properties ----------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in (
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Australia/Lord_Howe",  # 30-minute DST shift
        "Asia/Kolkata",
        "UTC",
    )
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rule_bodies(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 4))}")
    if freq in ("DAILY", "WEEKLY") and draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True))
        parts.append("BYDAY=" + ",".join(days))
    if freq == "MONTHLY":
        choice = draw(st.sampled_from(["none", "monthday", "nthday", "setpos"]))
        if choice == "monthday":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from(['1', '15', '-1', '28,29,30,31']))}")
        elif choice == "nthday":
            parts.append(f"BYDAY={draw(st.sampled_from(['1TU', '-1FR', '2MO,4MO', '5WE']))}")
        elif choice == "setpos":
            parts.append(f"BYDAY=MO,TU,WE,TH,FR;BYSETPOS={draw(st.sampled_from(['1', '-1']))}")
    if freq == "YEARLY":
        choice = draw(st.sampled_from(["none", "month", "weekno", "yearday"]))
        if choice == "month":
            parts.append(f"BYMONTH={draw(st.sampled_from(['1', '3,11', '2']))};BYDAY=TU")
        elif choice == "weekno":
            parts.append(f"BYWEEKNO={draw(st.sampled_from(['1', '10,20', '-1', '53']))};BYDAY=TH")
        elif choice == "yearday":
            parts.append(f"BYYEARDAY={draw(st.sampled_from(['1', '100', '-1', '366']))}")
        if draw(st.booleans()):
            parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    if draw(st.booleans()):
        if draw(st.booleans()):
            parts.append(f"COUNT={draw(st.integers(1, 400))}")
        else:
            until = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
            parts.append(f"UNTIL={until:%Y%m%d}")
    return ";".join(parts)


def reference_dates(rule: str, dtstart: date, lo: date, hi: date) -> list[date]:
    """The obvious, slow expansion: dateutil from dtstart, then filter."""
    expanded = rrulestr(rule, dtstart=datetime.combine(dtstart, time(0)))
    found = expanded.between(
        datetime.combine(lo, time(0)), datetime.combine(hi, time(23, 59)), inc=True
    )
    return sorted({d.date() for d in found})


@settings(database=None, max_examples=300, deadline=None)
@given(
    rule=rule_bodies(),
    dtstart=st.dates(date(1990, 1, 1), date(2028, 12, 31)),
    date_from=st.dates(date(2024, 1, 1), date(2029, 12, 31)),
    span=st.integers(0, 800),
)
def test_occurrence_dates_match_plain_dateutil(
    rule: str, dtstart: date, date_from: date, span: int
) -> None:
    date_to = date_from + timedelta(days=span)
    got = occurrence_dates(rule, dtstart=dtstart, date_from=date_from, date_to=date_to, tz=NY)
    assert got == reference_dates(rule, dtstart, date_from, date_to)


@st.composite
def templates(draw: st.DrawFn, template_id: int = 1) -> TemplateSpec:
    start_minutes = draw(st.integers(0, 23 * 60 + 45).map(lambda m: m - m % 15))
    length = draw(st.integers(0, 24 * 60 - 1 - start_minutes))
    start = datetime.combine(date(2000, 1, 1), time(0)) + timedelta(minutes=start_minutes)
    end = start + timedelta(minutes=length)
    valid_from = draw(st.none() | st.dates(date(2025, 6, 1), date(2027, 6, 1)))
    valid_until = draw(st.none() | st.dates(date(2025, 6, 1), date(2027, 6, 1)))
    return TemplateSpec(
        id=template_id,
        provider_id=draw(st.integers(1, 3)),
        room_id=draw(st.integers(1, 3)),
        rrule=draw(rule_bodies()),
        start_time=start.time(),
        end_time=end.time(),
        dtstart=draw(st.dates(date(2020, 1, 1), date(2026, 6, 1))),
        valid_from=valid_from,
        valid_until=valid_until,
    )


@st.composite
def closures(draw: st.DrawFn) -> ClosureSpec:
    start = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
    return ClosureSpec(
        provider_id=draw(st.none() | st.integers(1, 3)),
        start_date=start,
        end_date=start + timedelta(days=draw(st.integers(0, 20))),
        reason="closed",
    )


@settings(
    database=None, max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    t=templates(),
    closed=st.lists(closures(), max_size=4),
    tz=st.sampled_from(ZONES),
    date_from=st.dates(date(2026, 1, 1), date(2026, 12, 1)),
    span=st.integers(0, 120),
    case=st.integers(5, 120),
    turnover=st.integers(0, 30),
)
def test_generated_slots_respect_template_rule_and_closures(
    t: TemplateSpec,
    closed: list[ClosureSpec],
    tz: ZoneInfo,
    date_from: date,
    span: int,
    case: int,
    turnover: int,
) -> None:
    date_to = date_from + timedelta(days=span)
    slots = generate([t], date_from, date_to, tuple(closed), tz, case, turnover)
    check_slots(slots, t, closed, tz, date_from, date_to, case, turnover)


# Clinic-local dates of 2026 DST changes: spring forward first, then fall back.
DST_DAYS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/London", date(2026, 3, 29)),
    ("Europe/London", date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 10, 4)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
]


@settings(database=None, max_examples=300, deadline=None)
@given(
    zone_day=st.sampled_from(DST_DAYS),
    start_minutes=st.integers(0, 4 * 12).map(lambda q: q * 5),
    length=st.integers(0, 6 * 60),
    case=st.integers(5, 120),
    turnover=st.integers(0, 30),
)
def test_slots_on_dst_change_days_stay_inside_and_apart(
    zone_day: tuple[str, date], start_minutes: int, length: int, case: int, turnover: int
) -> None:
    zone, day = zone_day
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0)) + timedelta(minutes=start_minutes)
    t = template(
        "FREQ=DAILY",
        id=1,
        start=start.time(),
        end=(start + timedelta(minutes=length)).time() if length else start.time(),
    )
    if t.end_time < t.start_time:
        t = template("FREQ=DAILY", id=1, start=t.start_time, end=time(23, 59))
    lo, hi = day - timedelta(days=1), day + timedelta(days=1)
    slots = generate([t], lo, hi, (), tz, case, turnover)
    check_slots(slots, t, [], tz, lo, hi, case, turnover)


def check_slots(
    slots: list[Slot],
    t: TemplateSpec,
    closed: list[ClosureSpec],
    tz: ZoneInfo,
    date_from: date,
    date_to: date,
    case: int,
    turnover: int,
) -> None:
    """Every slot of one template sits on a rule date, inside the template's wall times, off
    closures, lasts one case, and keeps a turnover's distance from the next."""
    lo = max(date_from, t.valid_from or date_from)
    hi = min(date_to, t.valid_until or date_to)
    rule_days = set(reference_dates(t.rrule, t.dtstart, lo, hi)) if lo <= hi else set()
    for slot in slots:
        day = local_date(slot.start, tz)
        start_wall = slot.start.astimezone(tz).replace(tzinfo=None)
        end_wall = slot.end.astimezone(tz).replace(tzinfo=None)
        assert slot.end - slot.start == timedelta(minutes=case)
        assert slot.start.utcoffset() == timedelta(0)
        assert day in rule_days
        assert datetime.combine(day, t.start_time) <= start_wall
        assert end_wall <= datetime.combine(day, t.end_time)
        assert (slot.provider_id, slot.room_id, slot.template_id) == (t.provider_id, t.room_id, 1)
        for c in closed:
            if c.provider_id in (None, slot.provider_id):
                assert not c.start_date <= day <= c.end_date
    # One template = one provider in one room: no two slots (with turnover) may overlap.
    assert slots == sorted(slots)
    for a, b in pairwise(slots):
        assert a.end + timedelta(minutes=turnover) <= b.start


@settings(database=None, max_examples=150, deadline=None)
@given(
    t=templates(),
    date_from=st.dates(date(2026, 1, 1), date(2026, 12, 1)),
    span=st.integers(0, 60),
    case=st.integers(5, 120),
    turnover=st.integers(0, 30),
)
def test_without_dst_every_fitting_start_is_offered(
    t: TemplateSpec, date_from: date, span: int, case: int, turnover: int
) -> None:
    date_to = date_from + timedelta(days=span)
    slots = generate([t], date_from, date_to, (), ZoneInfo("UTC"), case, turnover)
    lo = max(date_from, t.valid_from or date_from)
    hi = min(date_to, t.valid_until or date_to)
    expected = []
    for day in reference_dates(t.rrule, t.dtstart, lo, hi) if lo <= hi else []:
        wall = datetime.combine(day, t.start_time)
        while wall + timedelta(minutes=case) <= datetime.combine(day, t.end_time):
            expected.append(wall.replace(tzinfo=UTC))
            wall += timedelta(minutes=case + turnover)
    assert [s.start for s in slots] == expected
