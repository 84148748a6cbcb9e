"""Gathers a patient's prep facts from the database for the pure rules, and guards bookings."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Row, Table

from mild_desk.db import Unit, fetch
from mild_desk.errors import Refused
from mild_desk.models import schema
from mild_desk.models.enums import AppointmentStatus, Indication, RequirementKey
from mild_desk.resources import checklist_items, hold_table, procedure_profile_defaults
from mild_desk.rules.checklist import latest_states
from mild_desk.rules.holds import hold_hours_for
from mild_desk.rules.prep import (
    DriverInput,
    ImagingInput,
    LabInput,
    MedInput,
    PrepInput,
    PrepResult,
    ProfileValues,
    earliest_feasible_start,
    evaluate,
    imaging_valid_until,
    med_conditions,
    parse_profile,
)
from mild_desk.services.base import local_text
from mild_desk.services.clinic import clinic_in, profile_in

if TYPE_CHECKING:  # loaded by the booking path that asks (the board does not)
    from sqlmodel import Session

    from mild_desk.models.tables import Appointment, Patient
    from mild_desk.services.availability import Window


def profile_values(session: Unit) -> ProfileValues:
    """The clinic's profile (database) with the unverified flags of the shipped defaults."""
    row = profile_in(session)
    defaults = procedure_profile_defaults()
    data = {**defaults, **{k: getattr(row, k) for k in row.__slots__}}
    data["daily_case_cap"] = data.get("daily_case_cap") or 0
    return parse_profile(data)


def imaging_inputs(session: Unit, patient_id: int) -> list[ImagingInput]:
    rows = fetch(session, _IMAGING, {"patient_id": patient_id})
    return [ImagingInput(str(study_id), *rest) for study_id, *rest in rows]


def med_inputs(session: Unit, patient_id: int) -> list[MedInput]:
    rows = fetch(session, _ACTIVE_MEDS, {"patient_id": patient_id})
    return [
        MedInput(str(entry_id), drug, Indication(why) if why else None, last_dose_at)
        for entry_id, drug, why, last_dose_at in rows
    ]


def lab_inputs(session: Unit, patient_id: int) -> list[LabInput]:
    return [LabInput(*row) for row in fetch(session, _LABS, {"patient_id": patient_id})]


# Built once (see db.fetch): the booking check reads these for every booking.
_STUDY, _MED, _LAB = schema.imaging_study, schema.medication_entry, schema.lab_result
_IMAGING = sa.select(_STUDY.c.id, _STUDY.c.modality, _STUDY.c.study_date, _STUDY.c.lf_mm).where(
    _STUDY.c.patient_id == sa.bindparam("patient_id")
)
_ACTIVE_MEDS = (
    sa.select(_MED.c.id, _MED.c.drug_name, _MED.c.indication, _MED.c.last_dose_at)
    .where(
        _MED.c.patient_id == sa.bindparam("patient_id"),
        _MED.c.active == True,  # noqa: E712
    )
    .order_by(_MED.c.id)
)
_LABS = sa.select(_LAB.c.test, _LAB.c.value, _LAB.c.taken_at).where(
    _LAB.c.patient_id == sa.bindparam("patient_id")
)
_CLEARED = sa.select(schema.prescriber_clearance.c.drug).where(
    schema.prescriber_clearance.c.patient_id == sa.bindparam("patient_id")
)


def clearances(session: Unit, patient_id: int) -> frozenset[str]:
    return frozenset(drug for (drug,) in fetch(session, _CLEARED, {"patient_id": patient_id}))


def evaluate_appointment(session: "Session", row: "Appointment", now: datetime) -> PrepResult:
    """Every requirement and readiness of one appointment, as of `now`."""
    return evaluate_many(session, [row], now)[0][2]


def evaluate_many(
    session: "Session", rows: Sequence["Appointment"], now: datetime
) -> list[tuple["Appointment", "Patient", PrepResult]]:
    """Each appointment with its patient and readiness as of `now`, from one query per table
    whatever the number of appointments (the rules do the rest)."""
    if not rows:
        return []
    from sqlmodel import col, select

    from mild_desk.models.tables import Patient

    ids = sorted({r.patient_id for r in rows})
    found = session.exec(select(Patient).where(col(Patient.id).in_(ids)).order_by(col(Patient.id)))
    people = {p.id: p for p in found}
    return _evaluate(session, rows, people, now)


def evaluate_rows(
    session: Unit, rows: Sequence[Row[Any]], now: datetime
) -> list[tuple[Row[Any], Row[Any], PrepResult]]:
    """`evaluate_many` for appointment rows read as plain columns (the board's): the patients
    come back as plain rows too, and nothing goes through the ORM (models.schema says why)."""
    if not rows:
        return []
    ids = sorted({r.patient_id for r in rows})
    people = {p.id: p for p in fetch(session, _OF[schema.patient], {"ids": ids})}
    return _evaluate(session, rows, people, now)


class _AppointmentFacts(Protocol):
    """What the readiness reads of an appointment: an ORM row or a plain one."""

    @property
    def id(self) -> int | None: ...
    @property
    def patient_id(self) -> int: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


_A = TypeVar("_A", bound=_AppointmentFacts)
_P = TypeVar("_P")


def _evaluate(
    session: Unit, rows: Sequence[_A], people: dict[Any, _P], now: datetime
) -> list[tuple[_A, _P, PrepResult]]:
    tz = clinic_in(session).tz
    profile = profile_values(session)
    table, items = hold_table(), checklist_items()
    by_appointment = {"ids": [r.id for r in rows]}
    by_patient = {"ids": sorted({r.patient_id for r in rows})}
    drivers = {d.appointment_id: d for d in fetch(session, _OF[schema.driver], by_appointment)}
    overrides: dict[int, dict[RequirementKey, str]] = defaultdict(dict)
    for o in fetch(session, _OF[schema.override], by_appointment):
        overrides[o.appointment_id][RequirementKey(o.requirement_key)] = o.reason
    events: dict[int, list[Any]] = defaultdict(list)
    for e in fetch(session, _OF[schema.checklist_event], by_appointment):
        events[e.appointment_id].append(e)
    imaging: dict[int, list[ImagingInput]] = defaultdict(list)
    for s in fetch(session, _OF[_STUDY], by_patient):
        imaging[s.patient_id].append(ImagingInput(str(s.id), s.modality, s.study_date, s.lf_mm))
    meds: dict[int, list[MedInput]] = defaultdict(list)
    for m in fetch(session, _OF[_MED], by_patient):
        if m.active:
            why = Indication(m.indication) if m.indication else None
            meds[m.patient_id].append(MedInput(str(m.id), m.drug_name, why, m.last_dose_at))
    labs: dict[int, list[LabInput]] = defaultdict(list)
    for lab in fetch(session, _OF[_LAB], by_patient):
        labs[lab.patient_id].append(LabInput(lab.test, lab.value, lab.taken_at))
    cleared: dict[int, set[str]] = defaultdict(set)
    for c in fetch(session, _OF[schema.prescriber_clearance], by_patient):
        cleared[c.patient_id].add(c.drug)
    out = []
    for row in rows:
        patient = people[row.patient_id]
        driver = drivers.get(row.id)
        facts: Any = patient
        flags = {"diabetic"} if facts.diabetic else set()
        if facts.pregnancy_possible:
            flags.add("pregnancy_possible")
        patient_meds = meds[row.patient_id]
        inp = PrepInput(
            start=row.start,
            end=row.end,
            tz=tz,
            now=now,
            profile=profile,
            imaging=imaging[row.patient_id],
            meds=patient_meds,
            labs=labs[row.patient_id],
            clearances=frozenset(cleared[row.patient_id]),
            driver=DriverInput(driver.name, driver.phone) if driver else None,
            overrides=overrides[row.id or 0],
            checklist=latest_states((e.item_key, e.state, e.at) for e in events[row.id or 0]),
            checklist_items=items,
            conditions=frozenset(flags) | med_conditions(patient_meds, table),
        )
        out.append((row, patient, evaluate(inp, table)))
    return out


def _of(t: Table, key: str) -> Any:
    """The rows of `t` whose `key` is one of the parameter `ids`, oldest first."""
    return sa.select(t).where(t.c[key].in_(sa.bindparam("ids", expanding=True))).order_by(t.c.id)


# The readiness reads, one per table (plain rows: models.schema says why).
_OF: dict[Table, Any] = {
    schema.patient: _of(schema.patient, "id"),
    schema.driver: _of(schema.driver, "appointment_id"),
    schema.override: _of(schema.override, "appointment_id"),
    schema.checklist_event: _of(schema.checklist_event, "appointment_id"),
    _STUDY: _of(_STUDY, "patient_id"),
    _MED: _of(_MED, "patient_id"),
    _LAB: _of(_LAB, "patient_id"),
    schema.prescriber_clearance: _of(schema.prescriber_clearance, "patient_id"),
}


def condition_flags(session: Unit, patient_id: int) -> frozenset[str]:
    """Checklist conditions that hold for the patient ("diabetic", "warfarin", ...)."""
    patient = fetch(session, _OF[schema.patient], {"ids": [patient_id]}).first()
    assert patient is not None
    flags = {"diabetic"} if patient.diabetic else set()
    if patient.pregnancy_possible:
        flags.add("pregnancy_possible")
    return frozenset(flags) | med_conditions(med_inputs(session, patient_id), hold_table())


def feasibility_window(session: Unit, patient_id: int, now: datetime) -> "Window":
    """Where the patient's prep allows a procedure: after every fixed hold can be complete,
    and (when imaging is on file) no later than the day its validity ends."""
    tz = clinic_in(session).tz
    earliest = earliest_feasible_start(
        med_inputs(session, patient_id), hold_table(), now, lab_inputs(session, patient_id)
    )
    imaging = imaging_inputs(session, patient_id)
    not_after = None
    if imaging:
        until = imaging_valid_until(imaging, profile_values(session), now.astimezone(tz).date())
        not_after = _day_end(until, tz) if until else now
    from mild_desk.services.availability import Window

    return Window(not_before=earliest, not_after=not_after)


def booking_refusal(
    session: Unit, *, patient_id: int, start: datetime, status: AppointmentStatus
) -> Refused | None:
    """Why prep forbids this patient at `start`, or None. A recorded last dose too late for a
    hold, or imaging that will have expired, refuses any booking; a confirmed (`booked`)
    appointment also needs imaging valid on the procedure date. Pending holds may wait."""
    tz = clinic_in(session).tz
    table = hold_table()
    meds = med_inputs(session, patient_id)
    labs = lab_inputs(session, patient_id) if meds else []  # CrCl matters only for a hold
    crcl = [lab.value for lab in sorted(labs, key=lambda x: x.taken_at) if lab.test == "CrCl"]
    for med in meds:
        rule = table.match(med.drug_name, med.indication)
        hours = hold_hours_for(rule, crcl[-1] if crcl else None) if rule else None
        if hours is None or med.last_dose_at is None:
            continue
        earliest = med.last_dose_at + timedelta(hours=hours)
        if earliest > start:
            return Refused(
                f"the last {med.drug_name} dose ({local_text(med.last_dose_at, tz)}) is too late "
                f"for its {hours}-hour hold; earliest feasible start {local_text(earliest, tz)}",
                field="anticoagulation",
            )
    day = start.astimezone(tz).date()
    imaging = imaging_inputs(session, patient_id)
    profile = profile_values(session)
    until = imaging_valid_until(imaging, profile, day)
    if until is not None and until >= day:
        return None
    if imaging and until is not None:
        return Refused(
            f"the imaging on file is valid until {until:%a %d %b %Y}, before the procedure date; "
            "book by then or add a newer MRI or CT",
            field="imaging",
        )
    if status is AppointmentStatus.BOOKED:
        return Refused(
            f"no MRI or CT within {profile.imaging_max_months} months of {day:%a %d %b %Y}"
            f" with ligamentum flavum of at least {profile.lf_min_mm:g} mm on file; add the "
            "imaging first or hold the slot as pending",
            field="imaging",
        )
    return None


def _day_end(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
