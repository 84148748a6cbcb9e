"""Appointment state machine: every (old, new) pair against the FHIR-based table."""

import itertools

import pytest

from mild_desk.models.enums import ACTIVE_STATUSES, AppointmentStatus
from mild_desk.rules.states import TRANSITIONS, IllegalTransition, check_transition, is_active

S = AppointmentStatus

ALLOWED = {
    (S.PENDING, S.BOOKED),
    (S.PENDING, S.CANCELLED),
    (S.PENDING, S.ENTERED_IN_ERROR),
    (S.BOOKED, S.ARRIVED),
    (S.BOOKED, S.CANCELLED),
    (S.BOOKED, S.NOSHOW),
    (S.BOOKED, S.ENTERED_IN_ERROR),
    (S.ARRIVED, S.FULFILLED),
    (S.ARRIVED, S.CANCELLED),
    (S.ARRIVED, S.ENTERED_IN_ERROR),
}
PAIRS = list(itertools.product(S, S))


def test_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {(old, new) for old, targets in TRANSITIONS.items() for new in targets} == ALLOWED


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_every_pair(old: AppointmentStatus, new: AppointmentStatus) -> None:
    if (old, new) in ALLOWED:
        check_transition(old, new)
        return
    with pytest.raises(IllegalTransition) as caught:
        check_transition(old, new)
    assert str(caught.value) == f"cannot go from {old.value} to {new.value}"
    assert (caught.value.old, caught.value.new) == (old, new)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("status", [S.FULFILLED, S.CANCELLED, S.NOSHOW, S.ENTERED_IN_ERROR])
def test_terminal_statuses_lead_nowhere(status: AppointmentStatus) -> None:
    assert TRANSITIONS[status] == frozenset()


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[S.PENDING] = frozenset()  # type: ignore[index]


def test_is_active() -> None:
    assert {s for s in S if is_active(s)} == {S.PENDING, S.BOOKED, S.ARRIVED} == ACTIVE_STATUSES
