"""Appointment state machine (FHIR Appointment.status): which status may follow which."""

from collections.abc import Mapping
from types import MappingProxyType

from mild_desk.models.enums import ACTIVE_STATUSES, AppointmentStatus

_S = AppointmentStatus

TRANSITIONS: Mapping[AppointmentStatus, frozenset[AppointmentStatus]] = MappingProxyType(
    {
        _S.PENDING: frozenset({_S.BOOKED, _S.CANCELLED, _S.ENTERED_IN_ERROR}),
        _S.BOOKED: frozenset({_S.ARRIVED, _S.CANCELLED, _S.NOSHOW, _S.ENTERED_IN_ERROR}),
        _S.ARRIVED: frozenset({_S.FULFILLED, _S.CANCELLED, _S.ENTERED_IN_ERROR}),
        _S.FULFILLED: frozenset(),
        _S.CANCELLED: frozenset(),
        _S.NOSHOW: frozenset(),
        _S.ENTERED_IN_ERROR: frozenset(),
    }
)
"""Allowed next statuses for each status; the last four are terminal."""


class IllegalTransition(ValueError):
    """A status change the state machine refuses, e.g. "cannot go from booked to fulfilled"."""

    def __init__(self, old: AppointmentStatus, new: AppointmentStatus) -> None:
        super().__init__(f"cannot go from {old.value} to {new.value}")
        self.old = old
        self.new = new


def check_transition(old: AppointmentStatus, new: AppointmentStatus) -> None:
    """Raise IllegalTransition unless `new` may directly follow `old`."""
    if new not in TRANSITIONS[old]:
        raise IllegalTransition(old, new)


def is_active(status: AppointmentStatus) -> bool:
    """Whether the status holds a provider, a room and a patient (pending, booked, arrived)."""
    return status in ACTIVE_STATUSES
