"""FHIR R4 resources for the schedule export, built as plain JSON data from the tables."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mild_desk.models.enums import AppointmentStatus, Modality, RequirementStatus
from mild_desk.models.tables import Appointment, ImagingStudy, Patient, Provider, Room
from mild_desk.rules.prep import PrepResult
from mild_desk.rules.slots import Slot

APPOINTMENT_STATUS: dict[AppointmentStatus, str] = {
    AppointmentStatus.PENDING: "pending",
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.FULFILLED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NOSHOW: "noshow",
    AppointmentStatus.ENTERED_IN_ERROR: "entered-in-error",
}
"""mild-desk status -> http://hl7.org/fhir/appointmentstatus (the states were modelled on it)."""

_SERVICE = {"text": "MILD (minimally invasive lumbar decompression)"}
_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
_DICOM = "http://dicom.nema.org/resources/ontology/DCM"
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def patient_instruction(
    result: PrepResult, start: datetime, lead_minutes: int, tz: ZoneInfo, *, escort: bool
) -> str:
    """The prep a patient has to follow, in plain words, with clock times in the clinic zone."""
    arrival = start - timedelta(minutes=lead_minutes)
    parts = [
        f"Your MILD procedure is at {_when(start, tz)}. Please arrive by "
        f"{arrival.astimezone(tz):%H:%M}.",
        f"Do not eat any solid food after {_when(result.fasting.no_solids_after, tz)}. You may "
        f"drink clear liquids until {_when(result.fasting.clear_liquids_until, tz)}; after "
        "that, nothing by mouth.",
    ]
    for med in result.medications:
        if med.hold_hours and med.last_allowed_dose is not None:
            text = (
                f"Take your last dose of {med.drug_name} no later than "
                f"{_when(med.last_allowed_dose, tz)}"
            )
            if med.restart_at is not None:
                text += (
                    f", and do not start it again before {_when(med.restart_at, tz)} unless "
                    "your doctor tells you to"
                )
            parts.append(text + ".")
        elif (
            med.needs_clearance
            and med.hold_hours is None
            and med.status is not RequirementStatus.MET
        ):
            parts.append(
                f"Do not change how you take {med.drug_name} until the clinic calls you: we are "
                "asking the doctor who prescribes it."
            )
    if escort:
        parts.append("An adult must drive you home; you must not drive after the sedation.")
    return " ".join(parts)


class BundleBuilder:
    """Collects entries and hands out stable `urn:uuid:` addresses for (type, id) pairs."""

    def __init__(self, slug: str, tz: ZoneInfo) -> None:
        self.slug = slug
        self.tz = tz
        self._entries: list[dict[str, Any]] = []
        self._ids: set[tuple[str, str]] = set()

    def url(self, kind: str, rid: object) -> str:
        name = f"mild-desk:{self.slug}:{kind}/{rid}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    def ref(self, kind: str, rid: object, display: str | None = None) -> dict[str, str]:
        ref = {"reference": self.url(kind, rid), "type": kind}
        if display:
            ref["display"] = display
        return ref

    def add(self, resource: dict[str, Any]) -> None:
        kind, rid = resource["resourceType"], resource["id"]
        self._ids.add((kind, rid))
        self._entries.append({"fullUrl": self.url(kind, rid), "resource": resource})

    def has(self, kind: str, rid: object) -> bool:
        return (kind, str(rid)) in self._ids

    def entries(self) -> list[dict[str, Any]]:
        return self._entries


def location(room: Room, slug: str) -> dict[str, Any]:
    return {
        "resourceType": "Location",
        "id": str(room.id),
        "identifier": [_identifier(slug, "room", room.id)],
        "status": "active" if room.active else "inactive",
        "name": room.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "ro",
                    "display": "Room",
                }
            ]
        },
    }


def practitioner(provider: Provider, slug: str) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": str(provider.id),
        "identifier": [_identifier(slug, "provider", provider.id)],
        "active": provider.active,
        "name": [{"text": provider.name}],
    }


def schedule(
    provider: Provider, rooms: list[Room], first: date, last: date, b: BundleBuilder
) -> dict[str, Any]:
    start = datetime.combine(first, time(0), tzinfo=b.tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=b.tz)
    return {
        "resourceType": "Schedule",
        "id": str(provider.id),
        "active": provider.active,
        "serviceType": [_SERVICE],
        "actor": [
            b.ref("Practitioner", provider.id, provider.name),
            *(b.ref("Location", r.id, r.name) for r in rooms),
        ],
        "planningHorizon": {"start": instant(start, b.tz), "end": instant(end, b.tz)},
        "comment": f"MILD cases of {provider.name}",
    }


def slot(slot: Slot, status: str, room_name: str, b: BundleBuilder) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": f"{slot.provider_id}-{slot.room_id}-{slot.start.astimezone(UTC):%Y%m%dT%H%MZ}",
        "serviceType": [_SERVICE],
        "schedule": b.ref("Schedule", slot.provider_id),
        "status": status,
        "start": instant(slot.start, b.tz),
        "end": instant(slot.end, b.tz),
        "comment": room_name,
    }


def patient(patient: Patient, slug: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {"system": _V2_0203, "code": "MR", "display": "Medical record number"}
                    ]
                },
                **_identifier(slug, "mrn", patient.mrn),
            }
        ],
        "active": True,
        "name": [
            {
                "use": "official",
                "text": f"{patient.first_name} {patient.last_name}",
                "family": patient.last_name,
                "given": patient.first_name.split(),
            }
        ],
        "birthDate": patient.dob.isoformat(),
        "communication": [
            {
                "language": {
                    "coding": [
                        {
                            "system": "urn:ietf:bcp:47",
                            "code": patient.preferred_language,
                            "display": _LANGUAGE_NAMES.get(patient.preferred_language, ""),
                        }
                    ]
                },
                "preferred": True,
            }
        ],
    }
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone, "use": "home"}]
    return resource


def imaging_study(study: ImagingStudy, b: BundleBuilder) -> dict[str, Any]:
    kind = "MR" if study.modality is Modality.MRI else "CT"
    details = [f"Lumbar {study.modality.value}"]
    if study.levels:
        details.append(f"levels {study.levels}")
    if study.lf_mm is not None:
        details.append(f"ligamentum flavum {study.lf_mm:g} mm")
    resource: dict[str, Any] = {
        "resourceType": "ImagingStudy",
        "id": str(study.id),
        "status": "available",
        "modality": [{"system": _DICOM, "code": kind}],
        "subject": b.ref("Patient", study.patient_id),
        "started": study.study_date.isoformat(),
        "description": ", ".join(details),
    }
    if study.note:
        resource["note"] = [{"text": study.note}]
    return resource


def appointment(
    row: Appointment,
    patient: Patient,
    *,
    providers_by_id: dict[int, Provider],
    room: Room,
    slot_id: str | None,
    study_id: int | None,
    instruction: str | None,
    builder: BundleBuilder,
) -> dict[str, Any]:
    b = builder
    provider = providers_by_id[row.provider_id]
    taking_part = "tentative" if row.status is AppointmentStatus.PENDING else "accepted"
    participants: list[dict[str, Any]] = [
        {
            "actor": b.ref("Patient", patient.id, f"{patient.first_name} {patient.last_name}"),
            "required": "required",
            "status": taking_part,
        },
        {
            "type": [
                {
                    "coding": [
                        {"system": _PARTICIPATION, "code": "PPRF", "display": "primary performer"}
                    ]
                }
            ],
            "actor": b.ref("Practitioner", provider.id, provider.name),
            "required": "required",
            "status": taking_part,
        },
        {
            "actor": b.ref("Location", room.id, room.name),
            "required": "required",
            "status": taking_part,
        },
    ]
    if patient.referring_physician:
        participants.append(
            {
                "type": [
                    {"coding": [{"system": _PARTICIPATION, "code": "REF", "display": "referrer"}]}
                ],
                "actor": {"display": patient.referring_physician},
                "required": "information-only",
                "status": "accepted",
            }
        )
    what = "MILD"
    if row.levels:
        what += f" at {row.levels.replace(',', ', ')}"
    if row.laterality:
        what += f", {row.laterality.value}"
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(row.id),
        "identifier": [_identifier(b.slug, "appointment", row.id)],
        "status": APPOINTMENT_STATUS[row.status],
        "serviceType": [_SERVICE],
        "description": what,
        "start": instant(row.start, b.tz),
        "end": instant(row.end, b.tz),
        "minutesDuration": int((row.end - row.start).total_seconds() // 60),
        "created": instant(row.created_at, b.tz),
        "participant": participants,
    }
    if row.cancelled_by or row.cancel_reason:
        by = f"by the {row.cancelled_by.value}" if row.cancelled_by else ""
        resource["cancelationReason"] = {
            "text": ": ".join(p for p in (by, row.cancel_reason or "") if p)
        }
    if slot_id is not None:
        resource["slot"] = [b.ref("Slot", slot_id)]
    if study_id is not None:
        resource["supportingInformation"] = [b.ref("ImagingStudy", study_id)]
    if instruction:
        resource["patientInstruction"] = instruction
    if row.replaces_id:
        resource["comment"] = f"Rescheduled from appointment {row.replaces_id}."
    return resource


def instant(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")


def _identifier(slug: str, kind: str, value: object) -> dict[str, str]:
    return {"system": f"urn:mild-desk:{slug}:{kind}", "value": str(value)}


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    """ "08:00 on Tuesday 1 December 2026" (English names whatever the process locale)."""
    local = moment.astimezone(tz)
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{local:%H:%M} on {day} {local.day} {month} {local.year}"
