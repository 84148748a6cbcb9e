"""Status mappings to iCalendar and FHIR cover every appointment status, with legal codes."""

import pytest

from mild_desk.models.enums import AppointmentStatus
from mild_desk.services.interop._files import clinic_slug
from mild_desk.services.interop.calendar_ics import ICS_STATUS, event_uid, initials
from mild_desk.services.interop.fhir_resources import APPOINTMENT_STATUS

# http://hl7.org/fhir/R4/valueset-appointmentstatus.html
FHIR_R4_APPOINTMENT_STATUS = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}


def test_every_status_has_an_ics_status_from_rfc5545() -> None:
    assert set(ICS_STATUS) == set(AppointmentStatus)
    assert set(ICS_STATUS.values()) <= {"TENTATIVE", "CONFIRMED", "CANCELLED"}
    assert ICS_STATUS[AppointmentStatus.PENDING] == "TENTATIVE"
    assert ICS_STATUS[AppointmentStatus.BOOKED] == "CONFIRMED"
    assert ICS_STATUS[AppointmentStatus.CANCELLED] == "CANCELLED"


def test_every_status_has_a_fhir_r4_code() -> None:
    assert set(APPOINTMENT_STATUS) == set(AppointmentStatus)
    assert set(APPOINTMENT_STATUS.values()) <= FHIR_R4_APPOINTMENT_STATUS


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Riverside Spine & Pain Center", "riverside-spine-pain-center"),
        ("Clínica Señor Ñandú", "clinica-senor-nandu"),
        ("東京", "clinic"),
    ],
)
def test_clinic_slug_is_ascii(name: str, slug: str) -> None:
    assert clinic_slug(name) == slug
    assert event_uid(7, slug) == f"appointment-7@{slug}.mild-desk"


def test_initials() -> None:
    assert initials("Zoë Ann", "Nguyễn") == "Z.N."
    assert initials("", "O'Brien") == "O."
