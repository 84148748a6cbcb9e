"""No double booking: conflicts, the free-slot filter and per-day counts."""

import random
import time as clock
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mild_desk.rules.conflicts import (
    Busy,
    Conflict,
    ConflictKind,
    day_counts,
    find_conflicts,
    free_slots,
    overlaps,
)
from mild_desk.rules.slots import Slot, TemplateSpec, generate_slots

NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 08:00 in New York
CASE = timedelta(minutes=60)
TURNOVER = timedelta(minutes=15)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def busy(
    appointment_id: int,
    start_minutes: int,
    *,
    provider: int = 1,
    room: int = 1,
    patient: int = 1,
    case: timedelta = CASE,
    turnover: timedelta = TURNOVER,
) -> Busy:
    start = at(start_minutes)
    return Busy(
        appointment_id, provider, room, patient, start, start + case, start + case + turnover
    )


def slot(start_minutes: int, *, provider: int = 1, room: int = 1) -> Slot:
    start = at(start_minutes)
    return Slot(start, start + CASE, provider, room, template_id=1)


# --- overlaps and find_conflicts -----------------------------------------------------------


def test_overlaps_is_half_open() -> None:
    assert overlaps(at(0), at(60), at(59), at(120))
    assert overlaps(at(0), at(60), at(-30), at(1))
    assert overlaps(at(0), at(60), at(10), at(20))
    assert not overlaps(at(0), at(60), at(60), at(120))
    assert not overlaps(at(60), at(120), at(0), at(60))
    assert not overlaps(at(0), at(60), at(30), at(30))  # empty interval


@pytest.mark.parametrize(
    ("other", "kinds"),
    [
        (busy(2, 30, provider=1, room=9, patient=9), [ConflictKind.PROVIDER]),
        (busy(2, 30, provider=9, room=1, patient=9), [ConflictKind.ROOM]),
        (busy(2, 30, provider=9, room=9, patient=1), [ConflictKind.PATIENT]),
        (
            busy(2, 30),
            [ConflictKind.PROVIDER, ConflictKind.ROOM, ConflictKind.PATIENT],
        ),
        (busy(2, 30, provider=9, room=9, patient=9), []),
    ],
)
def test_each_kind_is_detected(other: Busy, kinds: list[ConflictKind]) -> None:
    candidate = busy(1, 0)
    assert find_conflicts(candidate, [other]) == [Conflict(kind, 2) for kind in kinds]


def test_case_starting_in_anothers_turnover_conflicts_for_provider_and_room_only() -> None:
    candidate = busy(1, 0)
    in_turnover = busy(2, 70)  # previous case ends at 60, turnover until 75
    assert find_conflicts(candidate, [in_turnover]) == [
        Conflict(ConflictKind.PROVIDER, 2),
        Conflict(ConflictKind.ROOM, 2),
    ]
    # The other way round: the candidate's own turnover runs into the next case.
    assert find_conflicts(in_turnover, [candidate]) == [
        Conflict(ConflictKind.PROVIDER, 1),
        Conflict(ConflictKind.ROOM, 1),
    ]
    after_turnover = busy(3, 75)
    assert find_conflicts(candidate, [after_turnover]) == []
    just_before_end = busy(4, 59, provider=8, room=8)
    assert find_conflicts(candidate, [just_before_end]) == [Conflict(ConflictKind.PATIENT, 4)]


def test_same_appointment_is_ignored() -> None:
    me = busy(1, 0)
    moved = replace(me, start=at(30), end=at(90), block_end=at(105))
    assert find_conflicts(moved, [me]) == []
    assert find_conflicts(moved, [me, busy(2, 100)]) == [
        Conflict(ConflictKind.PROVIDER, 2),
        Conflict(ConflictKind.ROOM, 2),
    ]


# --- random book / cancel / reschedule -----------------------------------------------------

# (kind, which active appointment, provider, room, patient, start, length, turnover); start,
# length and turnover in 15-minute steps.
Op = tuple[str, int, int, int, int, int, int, int]
operations = st.lists(
    st.tuples(
        st.sampled_from(["book", "book", "cancel", "reschedule"]),
        st.integers(0, 50),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 4),
        st.integers(0, 40),
        st.integers(1, 8),
        st.integers(0, 2),
    ),
    max_size=60,
)


@settings(database=None, max_examples=300, deadline=None)
@given(ops=operations)
def test_accepted_bookings_never_double_book(ops: list[Op]) -> None:
    active: dict[int, Busy] = {}
    next_id = 1
    accepted = 0
    for kind, which, provider, room, patient, start, length, turnover in ops:
        if kind == "book":
            begin = at(start * 15)
            end = begin + timedelta(minutes=15 * length)
            block_end = end + timedelta(minutes=15 * turnover)
            candidate = Busy(next_id, provider, room, patient, begin, end, block_end)
            if not find_conflicts(candidate, active.values()):
                active[next_id] = candidate
                accepted += 1
            next_id += 1
        elif kind == "cancel" and active:
            del active[sorted(active)[which % len(active)]]
        elif kind == "reschedule" and active:
            old = active[sorted(active)[which % len(active)]]
            shift = at(start * 15) - old.start
            moved = Busy(
                old.appointment_id,
                provider,
                room,
                old.patient_id,
                old.start + shift,
                old.end + shift,
                old.block_end + shift,
            )
            # Checked as itself (its own old slot does not count), stored as a new appointment.
            if not find_conflicts(moved, active.values()):
                del active[old.appointment_id]
                active[next_id] = replace(moved, appointment_id=next_id)
                next_id += 1
        assert_no_double_booking(list(active.values()))


def assert_no_double_booking(active: list[Busy]) -> None:
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            if a.provider_id == b.provider_id or a.room_id == b.room_id:
                assert not overlaps(a.start, a.block_end, b.start, b.block_end), (a, b)
            if a.patient_id == b.patient_id:
                assert not overlaps(a.start, a.end, b.start, b.end), (a, b)


# --- free_slots ----------------------------------------------------------------------------


def free(slots: list[Slot], active: list[Busy], **kwargs: object) -> list[Slot]:
    return list(free_slots(slots, active, tz=NY, turnover_minutes=15, **kwargs))  # type: ignore[arg-type]


DAY = [slot(m) for m in (0, 75, 150)]  # 08:00, 09:15, 10:30


def test_free_slots_drop_provider_and_room_collisions_with_turnover() -> None:
    assert free(DAY, []) == DAY
    assert free(DAY, [busy(9, 70, patient=5)]) == [DAY[2]]  # 09:10 case blocks 08:00 and 09:15
    assert free(DAY, [busy(9, 75, provider=2, patient=5)]) == [DAY[0], DAY[2]]  # room only
    assert free(DAY, [busy(9, 75, room=2, patient=5)]) == [DAY[0], DAY[2]]  # provider only
    other = [busy(9, 75, provider=2, room=2, patient=5)]
    assert free(DAY, other) == DAY


def test_free_slots_exclude_the_patients_other_appointments() -> None:
    elsewhere = busy(9, 80, provider=2, room=2, patient=7)
    assert free(DAY, [elsewhere]) == DAY
    assert free(DAY, [elsewhere], patient_id=8) == DAY
    assert free(DAY, [elsewhere], patient_id=7) == [DAY[0], DAY[2]]
    # The patient needs no turnover: a case ending at 10:30 leaves the 10:30 slot free.
    ends_at_slot = busy(9, 90, provider=2, room=2, patient=7)
    assert free(DAY, [ends_at_slot], patient_id=7) == [DAY[0], DAY[2]]
    starts_at_slot_end = busy(9, 60, provider=2, room=2, patient=7)
    assert free(DAY, [starts_at_slot_end], patient_id=7) == [DAY[0], DAY[2]]


def test_a_long_appointment_hidden_behind_a_short_one_still_blocks() -> None:
    long = busy(1, -30, case=timedelta(hours=4), patient=5)  # 07:30-11:30
    short = busy(2, 0, case=timedelta(minutes=15), patient=6)  # 08:00-08:15
    assert free(DAY, [long, short]) == []
    assert free(DAY, [short, long]) == []


def test_free_slots_can_leave_out_the_appointment_being_moved() -> None:
    mine = busy(9, 75, patient=7)
    assert free(DAY, [mine], patient_id=7) == [DAY[0], DAY[2]]
    assert free(DAY, [mine], patient_id=7, exclude_appointment_id=9) == DAY


def test_daily_cap_counts_active_appointments_per_local_day() -> None:
    # 23:30 New York on 2 March is 04:30Z on 3 March: it counts for 2 March.
    late = Busy(8, 1, 2, 5, at(-570), at(-510), at(-495))
    morning = busy(9, 300, room=2, patient=5)  # 13:00 local, 3 March
    assert day_counts([late, morning], NY) == {(1, date(2026, 3, 2)): 1, (1, date(2026, 3, 3)): 1}
    assert free(DAY, [late, morning], daily_cap={1: 1}) == []
    assert free(DAY, [late, morning], daily_cap={1: 2}) == DAY
    assert free(DAY, [late, morning], daily_cap={1: None}) == DAY
    assert free(DAY, [late, morning], daily_cap={2: 0}) == DAY
    assert free(DAY, [late], daily_cap={1: 1}) == DAY
    assert free(DAY, [], daily_cap={1: 0}) == []


def test_not_before_and_not_after_are_inclusive() -> None:
    assert free(DAY, [], not_before=at(75)) == DAY[1:]
    assert free(DAY, [], not_before=at(76)) == DAY[2:]
    assert free(DAY, [], not_after=at(75)) == DAY[:2]
    assert free(DAY, [], not_before=at(75), not_after=at(75)) == [DAY[1]]


def test_free_slots_keep_the_given_order() -> None:
    shuffled = [DAY[2], DAY[0], DAY[1]]
    assert free(shuffled, []) == shuffled


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[Slot], list[Busy], int | None, dict[int, int | None]]:
    slots = [
        Slot(at(15 * m), at(15 * m + 60), p, r, 1)
        for m, p, r in draw(
            st.lists(st.tuples(st.integers(0, 300), st.integers(1, 3), st.integers(1, 3)))
        )
    ]
    active = []
    for i, (m, length, p, r, patient) in enumerate(
        draw(
            st.lists(
                st.tuples(
                    st.integers(-10, 310),
                    st.integers(0, 24),
                    st.integers(1, 3),
                    st.integers(1, 3),
                    st.integers(1, 3),
                ),
                max_size=30,
            )
        )
    ):
        start = at(15 * m)
        end = start + timedelta(minutes=15 * length)
        active.append(Busy(i, p, r, patient, start, end, end + TURNOVER))
    patient_id = draw(st.none() | st.integers(1, 3))
    caps = draw(st.dictionaries(st.integers(1, 3), st.none() | st.integers(0, 4)))
    return slots, active, patient_id, caps


@settings(database=None, max_examples=300, deadline=None)
@given(case=schedules())
def test_free_slots_agree_with_find_conflicts(
    case: tuple[list[Slot], list[Busy], int | None, dict[int, int | None]],
) -> None:
    slots, active, patient_id, caps = case
    counts = day_counts(active, NY)
    expected = []
    for s in slots:
        candidate = Busy(
            -1, s.provider_id, s.room_id, patient_id or -1, s.start, s.end, s.end + TURNOVER
        )
        cap = caps.get(s.provider_id)
        day = s.start.astimezone(NY).date()
        if cap is not None and counts.get((s.provider_id, day), 0) >= cap:
            continue
        if not find_conflicts(candidate, active):
            expected.append(s)
    assert free(slots, active, patient_id=patient_id, daily_cap=caps) == expected


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def test_free_slots_is_fast_for_a_busy_half_year() -> None:
    templates = [
        TemplateSpec(p, p, p, WEEKDAYS, time(7), time(19), date(2026, 1, 1), None, None)
        for p in range(1, 11)
    ]
    slots = generate_slots(
        templates,
        [],
        tz=NY,
        date_from=date(2026, 3, 1),
        date_to=date(2026, 8, 27),
        case_minutes=60,
        turnover_minutes=15,
    )
    chooser = random.Random(7)
    active = [
        Busy(i, s.provider_id, s.room_id, i % 900, s.start, s.end, s.end + TURNOVER)
        for i, s in enumerate(chooser.sample(slots, 5000))
    ]
    began = clock.perf_counter()
    offered = free(slots, active, patient_id=3, daily_cap={1: 6, 2: None})
    elapsed = clock.perf_counter() - began
    assert len(slots) > 10_000
    assert 0 < len(offered) < len(slots) - 5000
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms"
