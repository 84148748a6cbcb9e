"""The schedule as a FHIR R4 Bundle (type collection), for an EHR to read.

The bundle holds every Practitioner (provider), Location (room) and Schedule (one per provider),
each generated Slot in the range (free or busy), each Appointment starting in the range with its
Patient, and the ImagingStudy that makes each appointment's imaging valid, referenced from
`Appointment.supportingInformation` (inside the bundle, so every reference resolves without a
server). Entries are addressed by `urn:uuid:` full URLs derived from the clinic and the record
(the same record gets the same URL in every export). The written bundle is validated against the
`fhir.resources` R4B models (FHIR 4.3, the R4 line; none of these resources differ from 4.0.1).
"""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from mild_desk.db import Database
from mild_desk.models.enums import AppointmentStatus
from mild_desk.models.tables import (
    Appointment,
    AvailabilityTemplate,
    ImagingStudy,
    Provider,
    Room,
)
from mild_desk.rules.slots import Slot
from mild_desk.services.availability import free_in, grid
from mild_desk.services.base import Actor, require, utcnow
from mild_desk.services.clinic import clinic_in, profile_in
from mild_desk.services.files import out_path
from mild_desk.services.interop import fhir_resources as res
from mild_desk.services.interop._files import clinic_slug, date_range, publish
from mild_desk.services.interop.fhir_resources import patient_instruction
from mild_desk.services.prep_inputs import evaluate_many, profile_values

_HOLDING = {
    AppointmentStatus.PENDING,
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.FULFILLED,
}
_ACTIVE = {AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED}


@dataclass(frozen=True, slots=True)
class FhirExport:
    file: str
    date_from: date
    date_to: date
    resources: dict[str, int]
    appointments: int
    free_slots: int
    busy_slots: int


def export_fhir(
    db: Database,
    actor: Actor,
    *,
    date_from: str | date,
    date_to: str | date,
    out: str | Path,
    now: datetime | None = None,
) -> FhirExport:
    """Write the schedule of a clinic-local date range (both days included) as a Bundle."""
    require(actor, "schedule.read")
    when = now or utcnow()
    first, last = date_range(date_from, date_to)
    target = out_path(out)
    bundle = build_bundle(db, first, last, when)
    validate(bundle)
    data = (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    counts: dict[str, int] = defaultdict(int)
    slot_counts: dict[str, int] = defaultdict(int)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        counts[resource["resourceType"]] += 1
        if resource["resourceType"] == "Slot":
            slot_counts["free" if resource["status"] == "free" else "busy"] += 1
    publish(
        db,
        actor,
        out=target,
        data=data,
        action="export.fhir",
        details={"from": first, "to": last, **counts},
        now=when,
    )
    return FhirExport(
        file=str(target),
        date_from=first,
        date_to=last,
        resources=dict(counts),
        appointments=counts["Appointment"],
        free_slots=slot_counts["free"],
        busy_slots=slot_counts["busy"],
    )


def build_bundle(db: Database, first: date, last: date, now: datetime) -> dict[str, Any]:
    """The Bundle as plain JSON data, read in one transaction."""
    with db.read() as tx:
        session = tx.session
        clinic = clinic_in(session)
        tz = clinic.tz
        slug = clinic_slug(clinic.name)
        b = res.BundleBuilder(slug, tz)
        lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
        hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        appts = session.exec(
            select(Appointment)
            .where(col(Appointment.start) >= lo, col(Appointment.start) < hi)
            .order_by(col(Appointment.start), col(Appointment.id))
        ).all()
        providers = session.exec(select(Provider).order_by(col(Provider.id))).all()
        rooms = {r.id or 0: r for r in session.exec(select(Room).order_by(col(Room.id))).all()}
        templates = session.exec(select(AvailabilityTemplate)).all()
        for room in rooms.values():
            b.add(res.location(room, slug))
        for provider in providers:
            b.add(res.practitioner(provider, slug))
            room_ids = sorted({t.room_id for t in templates if t.provider_id == provider.id})
            b.add(res.schedule(provider, [rooms[r] for r in room_ids], first, last, b))
        prof = profile_in(session)
        slots = grid(session, first, last, tz, prof)
        free = {
            (s.provider_id, s.room_id, s.start)
            for s in free_in(
                session,
                first,
                last,
                provider_id=None,
                patient_id=None,
                window=None,
                limit=None,
                now=now,
            )
        }
        slot_of: dict[tuple[int, int, datetime], str] = {}
        for slot in slots:
            status = _slot_status(slot, free, appts)
            resource = res.slot(slot, status, rooms[slot.room_id].name, b)
            slot_of[(slot.provider_id, slot.room_id, slot.start)] = resource["id"]
            b.add(resource)
        lead = profile_values(session).arrival_lead_minutes
        escort = prof.escort_required
        providers_by_id = {p.id or 0: p for p in providers}
        for row, patient, result in evaluate_many(session, appts, now):
            if not b.has("Patient", patient.id or 0):
                b.add(res.patient(patient, slug))
            study_id = int(result.imaging.study_id) if result.imaging.study_id else None
            if study_id is not None and not b.has("ImagingStudy", study_id):
                study = session.get(ImagingStudy, study_id)
                assert study is not None
                b.add(res.imaging_study(study, b))
            instruction = (
                patient_instruction(result, row.start, lead, tz, escort=escort)
                if row.status in _ACTIVE
                else None
            )
            slot_id = slot_of.get((row.provider_id, row.room_id, row.start))
            b.add(
                res.appointment(
                    row,
                    patient,
                    providers_by_id=providers_by_id,
                    room=rooms[row.room_id],
                    slot_id=slot_id,
                    study_id=study_id,
                    instruction=instruction,
                    builder=b,
                )
            )
    return {
        "resourceType": "Bundle",
        "meta": {"lastUpdated": res.instant(now, tz)},
        "type": "collection",
        "timestamp": res.instant(now, tz),
        "entry": b.entries(),
    }


def validate(bundle: dict[str, Any]) -> None:
    """Raise pydantic's ValidationError unless the bundle is valid R4 (a bug if it is not)."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def _slot_status(
    slot: Slot, free: set[tuple[int, int, datetime]], appts: Sequence[Appointment]
) -> str:
    """free when the slot finder would offer it now; busy / busy-tentative when an appointment
    of its provider or in its room overlaps it; otherwise busy-unavailable (in the past, the
    daily cap reached, or too close to a neighbour for the room turnover)."""
    if (slot.provider_id, slot.room_id, slot.start) in free:
        return "free"
    holders = [
        a
        for a in appts
        if a.status in _HOLDING
        and (a.provider_id == slot.provider_id or a.room_id == slot.room_id)
        and a.start < slot.end
        and slot.start < a.end
    ]
    if not holders:
        return "busy-unavailable"
    if all(a.status is AppointmentStatus.PENDING for a in holders):
        return "busy-tentative"
    return "busy"
