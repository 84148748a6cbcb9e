"""Enumerations shared by the tables, the rules and the read models."""

import enum


class Role(enum.StrEnum):
    """What a user account may do; see DESIGN.md "Who uses it"."""

    ADMIN = "admin"
    SCHEDULER = "scheduler"
    NURSE = "nurse"
    PROVIDER = "provider"


class AppointmentStatus(enum.StrEnum):
    """FHIR R4 Appointment.status values used by mild-desk."""

    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"


ACTIVE_STATUSES = frozenset(
    {AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED}
)
"""Statuses that hold a provider, a room and a patient (no double booking among these)."""


class CancelledBy(enum.StrEnum):
    PATIENT = "patient"
    CLINIC = "clinic"


class Laterality(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class Modality(enum.StrEnum):
    MRI = "MRI"
    CT = "CT"


class LabTest(enum.StrEnum):
    INR = "INR"
    CRCL = "CrCl"


class Indication(enum.StrEnum):
    """Why a patient takes aspirin: it decides between two hold-table rows."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class RequirementKey(enum.StrEnum):
    IMAGING = "imaging"
    ANTICOAGULATION = "anticoagulation"
    FASTING = "fasting"
    DRIVER = "driver"


class RequirementStatus(enum.StrEnum):
    MET = "met"
    PENDING = "pending"
    UNMET = "unmet"
    OVERRIDDEN = "overridden"


class ChecklistState(enum.StrEnum):
    CONFIRMED = "confirmed"
    NOT_APPLICABLE = "not-applicable"
    NOT_DONE = "not-done"


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    REMOVED = "removed"
