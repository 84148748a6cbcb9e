"""Prep use cases: patient facts, readiness, worklist, checklist, overrides and completion."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from mild_desk.db import Database
from mild_desk.errors import InvalidInput, PermissionDenied, Refused
from mild_desk.models.enums import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    ChecklistState,
    Indication,
    LabTest,
    Modality,
    RequirementKey,
    RequirementStatus,
)
from mild_desk.models.tables import (
    Appointment,
    CallNote,
    ChecklistEvent,
    Driver,
    ImagingStudy,
    LabResult,
    MedicationEntry,
    Override,
    Patient,
    PrescriberClearance,
    User,
)
from mild_desk.models.types import AppointmentId
from mild_desk.resources import checklist_items, hold_table
from mild_desk.rules.checklist import (
    KEY_DRIVER_PRESENT,
    KEY_HOLD_CONFIRMED,
    KEY_NPO,
    PHASES,
)
from mild_desk.rules.holds import normalize_drug_name
from mild_desk.rules.prep import PrepResult, study_valid_until
from mild_desk.services import appointments, audit
from mild_desk.services.availability import SlotRead, free_in
from mild_desk.services.base import (
    Actor,
    clean_phone,
    clean_text,
    local_text,
    parse_date,
    parse_datetime,
    parse_float,
    require,
    utcnow,
)
from mild_desk.services.clinic import clinic_in
from mild_desk.services.patients import patient_by_mrn
from mild_desk.services.prep_inputs import (
    condition_flags,
    evaluate_appointment,
    evaluate_many,
    feasibility_window,
    profile_values,
)

OVERRIDE_MIN_WORDS = 3
WORKLIST_DAYS = 90


@dataclass(frozen=True, slots=True)
class RequirementLine:
    key: RequirementKey
    status: RequirementStatus
    detail: str
    due: datetime | None
    subject: str | None
    underlying: RequirementStatus
    override_reason: str | None


@dataclass(frozen=True, slots=True)
class MedicationLine:
    entry_id: int
    drug: str
    rule_id: str | None
    hold_hours: int | None
    hold_text: str
    last_allowed_dose: datetime | None
    recorded_last_dose: datetime | None
    restart_at: datetime | None
    status: RequirementStatus
    needs_clearance: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Fasting:
    no_solids_after: datetime
    clear_liquids_until: datetime


@dataclass(frozen=True, slots=True)
class ImagingValidity:
    study_id: int | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class PrepReport:
    """The prep state of one appointment (`mild-desk prep ID --json`)."""

    appointment_id: AppointmentId
    ready: bool
    requirements: tuple[RequirementLine, ...]
    medications: tuple[MedicationLine, ...]
    fasting: Fasting
    imaging: ImagingValidity
    checklist_missing: tuple[str, ...]
    earliest_feasible_start: datetime | None
    arrival: datetime


@dataclass(frozen=True, slots=True)
class MedicationRead:
    id: int
    patient_id: int
    drug: str
    matched_rule: str | None
    needs_review: bool
    indication: Indication | None
    last_dose_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    key: str
    phase: str
    label: str
    required: bool
    state: ChecklistState | None
    by: str | None
    at: datetime | None
    note: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReadinessLine:
    appointment_id: AppointmentId
    start: datetime
    patient_mrn: str
    patient_name: str
    status: AppointmentStatus
    ready: bool
    summary: dict[str, RequirementStatus]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WorkItem:
    appointment_id: AppointmentId
    start: datetime
    patient_mrn: str
    patient_name: str
    phone: str
    key: RequirementKey
    status: RequirementStatus
    detail: str
    due: datetime
    last_call: str | None


# --- patient facts -----------------------------------------------------------------------


def add_imaging(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    modality: str,
    study_date: str | date,
    lf_mm: str | float | None = None,
    levels: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> ImagingValidity:
    require(actor, "imaging.add")
    when = now or utcnow()
    try:
        kind = Modality((modality or "").strip().upper())
    except ValueError:
        raise InvalidInput(f"{modality!r} is not MRI or CT", field="modality") from None
    day = parse_date("date", study_date)
    thickness = (
        None if lf_mm in (None, "") else parse_float("lf_mm", lf_mm, minimum=0.1, maximum=20)
    )
    lv = appointments.clean_levels(levels)
    text = clean_text("note", note, required=False, max_len=1000)
    with db.write() as tx:
        session = tx.session
        patient = patient_by_mrn(session, mrn)
        if day > when.astimezone(clinic_in(session).tz).date():
            raise InvalidInput(f"{day} is in the future", field="date")
        row = ImagingStudy(
            patient_id=patient.id or 0,
            modality=kind,
            study_date=day,
            lf_mm=thickness,
            levels=lv,
            note=text,
            created_at=when,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            tx,
            actor,
            "imaging.add",
            "patient",
            patient.id,
            after={"study": row.id, "modality": kind, "date": day, "lf_mm": thickness},
            now=when,
        )
        until = study_valid_until(day, profile_values(session).imaging_max_months)
        tx.commit()
        return ImagingValidity(row.id, until)


def add_medication(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    drug: str,
    last_dose: str | datetime | None = None,
    indication: str | None = None,
    now: datetime | None = None,
) -> MedicationRead:
    """Add a drug to the patient's list, or update the last dose of one already listed."""
    require(actor, "medication.edit")
    when = now or utcnow()
    name = clean_text("drug", drug, max_len=120)
    why = _indication(indication)
    with db.write() as tx:
        session = tx.session
        patient = patient_by_mrn(session, mrn)
        tz = clinic_in(session).tz
        dose = parse_datetime("last_dose", last_dose, tz) if last_dose else None
        if dose is not None and dose > when + timedelta(minutes=5):
            raise InvalidInput(f"{local_text(dose, tz)} is in the future", field="last_dose")
        listed = session.exec(
            select(MedicationEntry).where(
                MedicationEntry.patient_id == patient.id,
                MedicationEntry.active == True,  # noqa: E712
            )
        ).all()
        row = next((m for m in listed if _same_drug(m, name, why)), None)
        before = None
        if row is None:
            row = MedicationEntry(
                patient_id=patient.id or 0,
                drug_name=name,
                created_at=when,
                created_by=actor.user_id,
            )
        else:
            before = {"last_dose_at": row.last_dose_at, "indication": row.indication}
        if dose is not None:
            row.last_dose_at = dose
        if why is not None:
            row.indication = why.value
        session.add(row)
        session.flush()
        rule = hold_table().match(row.drug_name, why)
        audit.record(
            tx,
            actor,
            "medication.update" if before else "medication.add",
            "patient",
            patient.id,
            before=before,
            after={
                "entry": row.id,
                "drug": row.drug_name,
                "rule": rule.id if rule else None,
                "last_dose_at": row.last_dose_at,
                "indication": row.indication,
            },
            now=when,
        )
        tx.commit()
        return MedicationRead(
            row.id or 0,
            patient.id or 0,
            row.drug_name,
            rule.id if rule else None,
            rule is None,
            why,
            row.last_dose_at,
        )


def add_lab(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    test: str,
    value: str | float,
    taken_at: str | datetime,
    now: datetime | None = None,
) -> dict[str, object]:
    require(actor, "lab.add")
    when = now or utcnow()
    try:
        kind = LabTest({"inr": "INR", "crcl": "CrCl"}[(test or "").strip().lower()])
    except KeyError:
        raise InvalidInput(f"{test!r} is not INR or CrCl", field="test") from None
    limits = {LabTest.INR: (0.5, 15.0), LabTest.CRCL: (1.0, 250.0)}[kind]
    number = parse_float("value", value, minimum=limits[0], maximum=limits[1])
    with db.write() as tx:
        session = tx.session
        patient = patient_by_mrn(session, mrn)
        tz = clinic_in(session).tz
        at = parse_datetime("at", taken_at, tz)
        if at > when + timedelta(minutes=5):
            raise InvalidInput(f"{local_text(at, tz)} is in the future", field="at")
        row = LabResult(
            patient_id=patient.id or 0,
            test=kind,
            value=number,
            taken_at=at,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            tx,
            actor,
            "lab.add",
            "patient",
            patient.id,
            after={"lab": row.id, "test": kind, "value": number, "at": at},
            now=when,
        )
        tx.commit()
        return {"id": row.id, "test": kind.value, "value": number, "taken_at": at}


def add_clearance(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    drug: str,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    """Record a prescriber's written clearance for one drug (what to do is in the note)."""
    require(actor, "clearance.add")
    when = now or utcnow()
    name = clean_text("drug", drug, max_len=120)
    prescriber = clean_text("by", by, max_len=120)
    text = clean_text("note", note, required=False, max_len=1000)
    with db.write() as tx:
        patient = patient_by_mrn(tx.session, mrn)
        row = PrescriberClearance(
            patient_id=patient.id or 0,
            drug=name,
            cleared_by=prescriber,
            note=text,
            recorded_at=when,
            recorded_by=actor.user_id,
        )
        tx.session.add(row)
        tx.session.flush()
        audit.record(
            tx,
            actor,
            "clearance.add",
            "patient",
            patient.id,
            after={"drug": name, "by": prescriber, "note": text},
            now=when,
        )
        tx.commit()
        return {"id": row.id, "drug": name, "cleared_by": prescriber}


def set_driver(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    name: str,
    phone: str,
    relationship: str | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    require(actor, "driver.set")
    when = now or utcnow()
    who = clean_text("name", name)
    number = clean_phone("phone", phone, required=True)
    rel = clean_text("relationship", relationship, required=False, max_len=60)
    with db.write() as tx:
        session = tx.session
        appt = _active(session, appointment_id)
        row = session.exec(select(Driver).where(Driver.appointment_id == appt.id)).first()
        before = {"name": row.name, "phone": row.phone} if row else None
        row = row or Driver(appointment_id=appt.id or 0, name=who, phone=number, updated_at=when)
        row.name, row.phone, row.relationship = who, number, rel
        row.updated_at, row.updated_by = when, actor.user_id
        session.add(row)
        audit.record(
            tx,
            actor,
            "driver.set",
            "appointment",
            appt.id,
            before=before,
            after={"name": who, "phone": number, "relationship": rel},
            now=when,
        )
        tx.commit()
        return {"appointment_id": appt.id, "name": who, "phone": number, "relationship": rel}


# --- readiness ---------------------------------------------------------------------------


def prep(
    db: Database, actor: Actor, appointment_id: int | str, *, now: datetime | None = None
) -> PrepReport:
    require(actor, "patient.read")
    with db.read() as tx:
        row = appointments.get_row(tx.session, appointment_id)
        return _report(tx.session, row, now or utcnow())


def readiness(
    db: Database, actor: Actor, day: str | date, *, now: datetime | None = None
) -> list[ReadinessLine]:
    """Each active appointment of a day with its readiness and what is missing."""
    require(actor, "schedule.read")
    first = parse_date("date", day)
    when = now or utcnow()
    with db.read() as tx:
        session = tx.session
        rows = _active_between(session, first, first)
        return [_readiness_line(*found) for found in evaluate_many(session, rows, when)]


def worklist(db: Database, actor: Actor, *, now: datetime | None = None) -> list[WorkItem]:
    """What still needs doing for upcoming appointments, soonest deadline first (unmet first)."""
    require(actor, "schedule.read")
    when = now or utcnow()
    with db.read() as tx:
        session = tx.session
        tz = clinic_in(session).tz
        today = when.astimezone(tz).date()
        rows = [
            r
            for r in _active_between(session, today, today + timedelta(days=WORKLIST_DAYS))
            if r.start >= when
        ]
        calls = {  # the latest call note of each appointment
            c.appointment_id: f"{local_text(c.at, tz)}: {c.outcome}"
            for c in session.exec(
                select(CallNote)
                .where(col(CallNote.appointment_id).in_([r.id for r in rows]))
                .order_by(col(CallNote.id))
            )
        }
        items: list[WorkItem] = []
        for row, patient, result in evaluate_many(session, rows, when):
            last_call = calls.get(row.id or 0)
            for req in result.requirements:
                if req.status not in (RequirementStatus.PENDING, RequirementStatus.UNMET):
                    continue
                if req.key is RequirementKey.FASTING:
                    continue  # confirmed on the day, not a call to make
                due = when if req.status is RequirementStatus.UNMET else (req.due or row.start)
                items.append(
                    WorkItem(
                        AppointmentId(row.id or 0),
                        row.start,
                        patient.mrn,
                        f"{patient.last_name}, {patient.first_name}",
                        patient.phone,
                        req.key,
                        req.status,
                        req.detail,
                        due,
                        last_call,
                    )
                )
        items.sort(key=lambda i: (i.status is not RequirementStatus.UNMET, i.due, i.start))
        return items


def record_call(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    outcome: str,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    require(actor, "worklist.call")
    when = now or utcnow()
    text = clean_text("outcome", outcome, max_len=200)
    extra = clean_text("note", note, required=False, max_len=1000)
    with db.write() as tx:
        appt = appointments.get_row(tx.session, appointment_id)
        tx.session.add(
            CallNote(
                appointment_id=appt.id or 0,
                outcome=text,
                note=extra,
                user_id=actor.user_id,
                at=when,
            )
        )
        audit.record(
            tx,
            actor,
            "worklist.call",
            "appointment",
            appt.id,
            after={"outcome": text, "note": extra},
            now=when,
        )
        tx.commit()
        return {"appointment_id": appt.id, "outcome": text}


def feasible_slots(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    date_from: str | date,
    date_to: str | date,
    provider_id: int | str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[SlotRead]:
    """Free slots this patient could actually take: no clash with their other appointments,
    every medication hold complete by the start, imaging still valid on the day."""
    require(actor, "schedule.read")
    when = now or utcnow()
    first, last = parse_date("from", date_from), parse_date("to", date_to)
    if last < first:
        raise InvalidInput(f"{last} is before {first}", field="to")
    with db.read() as tx:
        session = tx.session
        patient = patient_by_mrn(session, mrn)
        pid = appointments._opt_id("provider", provider_id)
        window = feasibility_window(session, patient.id or 0, when)
        found = free_in(
            session,
            first,
            last,
            provider_id=pid,
            patient_id=patient.id,
            window=window,
            limit=limit,
            now=when,
        )
    from mild_desk.models.types import ProviderId, RoomId

    return [SlotRead(s.start, s.end, ProviderId(s.provider_id), RoomId(s.room_id)) for s in found]


# --- checklist, overrides, completion ------------------------------------------------------


def checklist(db: Database, actor: Actor, appointment_id: int | str) -> list[ChecklistLine]:
    require(actor, "patient.read")
    with db.read() as tx:
        row = appointments.get_row(tx.session, appointment_id)
        return _checklist_lines(tx.session, row)


def tick(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    item: str,
    state: str,
    note: str | None = None,
    last_solids: str | datetime | None = None,
    last_clear_liquids: str | datetime | None = None,
    now: datetime | None = None,
) -> list[ChecklistLine]:
    """Record a checklist state (a change of mind is a new event, never an overwrite)."""
    require(actor, "checklist.tick")
    when = now or utcnow()
    items = {i.key: i for i in checklist_items()}
    if item not in items:
        raise InvalidInput(f"unknown checklist item {item!r}", field="item")
    spec = items[item]
    if actor.role.value not in spec.roles:
        raise PermissionDenied(f"role {actor.role.value} may not tick {item!r}")
    try:
        new_state = ChecklistState((state or "").strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{state!r} is not confirmed, not-applicable or not-done", field="state"
        ) from None
    text = clean_text("note", note, required=False, max_len=2000)
    with db.write() as tx:
        session = tx.session
        row = _active(session, appointment_id)
        if row.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
            raise Refused(
                f"a {row.status.value} appointment has no checklist to tick", field="appointment"
            )
        tz = clinic_in(session).tz
        if new_state is ChecklistState.CONFIRMED:
            text = _confirmable(session, row, item, text, when, tz, last_solids, last_clear_liquids)
        session.add(
            ChecklistEvent(
                appointment_id=row.id or 0,
                item_key=item,
                state=new_state,
                note=text,
                user_id=actor.user_id,
                at=when,
            )
        )
        audit.record(
            tx,
            actor,
            "checklist.tick",
            "appointment",
            row.id,
            after={"item": item, "state": new_state, "note": text},
            now=when,
        )
        tx.commit()
        return _checklist_lines(session, row)


def override(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    requirement: str,
    reason: str,
    now: datetime | None = None,
) -> PrepReport:
    """A provider accepts an unmet or pending requirement, with a reason; the fact stays shown."""
    require(actor, "override.add")
    when = now or utcnow()
    try:
        key = RequirementKey((requirement or "").strip().lower())
    except ValueError:
        keys = ", ".join(k.value for k in RequirementKey)
        raise InvalidInput(f"{requirement!r} is not one of {keys}", field="requirement") from None
    text = clean_text("reason", reason, max_len=1000)
    if len(text.split()) < OVERRIDE_MIN_WORDS:
        raise InvalidInput(f"give a reason of at least {OVERRIDE_MIN_WORDS} words", field="reason")
    with db.write() as tx:
        session = tx.session
        row = _active(session, appointment_id)
        session.add(
            Override(
                appointment_id=row.id or 0,
                requirement_key=key,
                reason=text,
                user_id=actor.user_id,
                created_at=when,
            )
        )
        audit.record(
            tx,
            actor,
            "override.add",
            "appointment",
            row.id,
            after={"requirement": key, "reason": text},
            now=when,
        )
        session.flush()
        report = _report(session, row, when)
        tx.commit()
        return report


def complete(
    db: Database,
    actor: Actor,
    appointment_id: int | str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> appointments.AppointmentRead:
    """arrived → fulfilled, only when the appointment is ready. With `expected_version`, refused
    (StaleEdit) when someone changed the appointment since that version was read."""
    require(actor, "appointment.complete")
    when = now or utcnow()
    with db.write() as tx:
        session = tx.session
        row = appointments.get_for_update(session, appointment_id, expected_version)
        if row.status is not AppointmentStatus.ARRIVED:
            raise Refused(
                f"only an arrived appointment can be completed (this one is {row.status.value})",
                field="status",
            )
        result = evaluate_appointment(session, row, when)
        if not result.ready:
            raise Refused("not ready: " + _not_ready(result), field="readiness")
        before = appointments.snapshot(row)
        row.status = AppointmentStatus.FULFILLED
        appointments.touch(row, actor, when)
        session.add(row)
        audit.record(
            tx,
            actor,
            "appointment.fulfilled",
            "appointment",
            row.id,
            before=before,
            after=appointments.snapshot(row),
            now=when,
        )
        read = appointments.read_model(session, row)
        tx.commit()
        return read


# --- helpers -----------------------------------------------------------------------------


def _report(session: Session, row: Appointment, now: datetime) -> PrepReport:
    result = evaluate_appointment(session, row, now)
    lead = profile_values(session).arrival_lead_minutes
    return PrepReport(
        appointment_id=AppointmentId(row.id or 0),
        ready=result.ready,
        requirements=tuple(
            RequirementLine(
                r.key, r.status, r.detail, r.due, r.subject, r.underlying, r.override_reason
            )
            for r in result.requirements
        ),
        medications=tuple(
            MedicationLine(
                int(m.entry_id),
                m.drug_name,
                m.rule_id,
                m.hold_hours,
                m.hold_text,
                m.last_allowed_dose,
                m.recorded_last_dose,
                m.restart_at,
                m.status,
                m.needs_clearance,
                m.detail,
            )
            for m in result.medications
        ),
        fasting=Fasting(result.fasting.no_solids_after, result.fasting.clear_liquids_until),
        imaging=ImagingValidity(
            int(result.imaging.study_id) if result.imaging.study_id else None,
            result.imaging.valid_until,
        ),
        checklist_missing=result.checklist_missing,
        earliest_feasible_start=result.earliest_feasible_start,
        arrival=row.start - timedelta(minutes=lead),
    )


_SEVERITY = (
    RequirementStatus.MET,
    RequirementStatus.OVERRIDDEN,
    RequirementStatus.PENDING,
    RequirementStatus.UNMET,
)


def _readiness_line(row: Appointment, patient: Patient, result: PrepResult) -> ReadinessLine:
    summary: dict[str, RequirementStatus] = {}
    for req in result.requirements:
        worst = summary.get(req.key.value)
        if worst is None or _SEVERITY.index(req.status) > _SEVERITY.index(worst):
            summary[req.key.value] = req.status
    missing = tuple(
        f"{r.key.value}: {r.detail}"
        for r in result.requirements
        if r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
    ) + tuple(f"checklist: {k}" for k in result.checklist_missing)
    return ReadinessLine(
        AppointmentId(row.id or 0),
        row.start,
        patient.mrn,
        f"{patient.last_name}, {patient.first_name}",
        row.status,
        result.ready,
        summary,
        missing,
    )


def _not_ready(result: PrepResult) -> str:
    parts = [
        f"{r.key.value} {r.status.value} ({r.detail})"
        for r in result.requirements
        if r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
    ]
    if result.checklist_missing:
        parts.append("checklist items open: " + ", ".join(result.checklist_missing))
    return "; ".join(parts)


def _confirmable(
    session: Session,
    row: Appointment,
    item: str,
    note: str,
    now: datetime,
    tz: object,
    last_solids: str | datetime | None,
    last_clear_liquids: str | datetime | None,
) -> str:
    """Refuse a confirmation the facts do not support; returns the note to store."""
    from zoneinfo import ZoneInfo

    assert isinstance(tz, ZoneInfo)
    on_the_day = now.astimezone(tz).date() == row.start.astimezone(tz).date()
    if item in (KEY_NPO, KEY_DRIVER_PRESENT) and not on_the_day:
        raise Refused(f"{item} can only be confirmed on the day of the procedure", field="item")
    if item == KEY_NPO:
        if not last_solids or not last_clear_liquids:
            raise InvalidInput(
                "confirming NPO needs the last solids and last clear liquids times",
                field="last_solids" if not last_solids else "last_clear_liquids",
            )
        solids = parse_datetime("last_solids", last_solids, tz)
        liquids = parse_datetime("last_clear_liquids", last_clear_liquids, tz)
        result = evaluate_appointment(session, row, now)
        if solids > result.fasting.no_solids_after:
            raise Refused(
                f"last solids at {local_text(solids, tz, with_date=False)} is after "
                f"{local_text(result.fasting.no_solids_after, tz, with_date=False)}: "
                "not fasted long enough (mark not-done, or a provider overrides)",
                field="last_solids",
            )
        if liquids > result.fasting.clear_liquids_until:
            raise Refused(
                f"last clear liquids at {local_text(liquids, tz, with_date=False)} is "
                f"after {local_text(result.fasting.clear_liquids_until, tz, with_date=False)}",
                field="last_clear_liquids",
            )
        facts = (
            f"last solids {local_text(solids, tz)}; last clear liquids {local_text(liquids, tz)}"
        )
        return f"{facts}. {note}".strip() if note else facts
    if item == KEY_HOLD_CONFIRMED:
        result = evaluate_appointment(session, row, now)
        open_lines = [
            r
            for r in result.requirements
            if r.key is RequirementKey.ANTICOAGULATION
            and r.status in (RequirementStatus.PENDING, RequirementStatus.UNMET)
        ]
        if open_lines:
            raise Refused(
                "the medication holds are not all met: " + open_lines[0].detail, field="item"
            )
    driver = session.exec(select(Driver).where(Driver.appointment_id == row.id)).first()
    if item == KEY_DRIVER_PRESENT and driver is None:
        raise Refused("no driver is recorded for this appointment", field="item")
    return note


def _checklist_lines(session: Session, row: Appointment) -> list[ChecklistLine]:
    events = session.exec(
        select(ChecklistEvent)
        .where(ChecklistEvent.appointment_id == row.id)
        .order_by(col(ChecklistEvent.at), col(ChecklistEvent.id))
    ).all()
    latest = {e.item_key: e for e in events}
    conditions = condition_flags(session, row.patient_id)
    lines = []
    for spec in sorted(checklist_items(), key=lambda i: PHASES.index(i.phase)):
        event = latest.get(spec.key)
        who = session.get(User, event.user_id) if event else None
        lines.append(
            ChecklistLine(
                key=spec.key,
                phase=spec.phase,
                label=spec.label,
                required=spec.required and (spec.condition is None or spec.condition in conditions),
                state=event.state if event else None,
                by=(who.full_name or who.username) if who else None,
                at=event.at if event else None,
                note=event.note if event else "",
                roles=tuple(sorted(spec.roles)),
            )
        )
    return lines


def _active(session: Session, appointment_id: int | str) -> Appointment:
    row = appointments.get_row(session, appointment_id)
    if row.status not in ACTIVE_STATUSES:
        raise Refused(f"appointment {row.id} is {row.status.value}", field="appointment")
    return row


def _active_between(session: Session, first: date, last: date) -> list[Appointment]:
    tz = clinic_in(session).tz
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return list(
        session.exec(
            select(Appointment)
            .where(
                col(Appointment.start) >= lo,
                col(Appointment.start) < hi,
                col(Appointment.status).in_([s.value for s in ACTIVE_STATUSES]),
            )
            .order_by(col(Appointment.start))
        ).all()
    )


def _same_drug(entry: MedicationEntry, name: str, indication: Indication | None) -> bool:
    """Same hold-table row (so "Plavix 75 mg" is "clopidogrel"), or the same name when the
    table does not know the drug."""
    if normalize_drug_name(entry.drug_name) == normalize_drug_name(name):
        return True
    table = hold_table()
    listed = Indication(entry.indication) if entry.indication else None
    mine = table.match(entry.drug_name, listed)
    theirs = table.match(name, indication or listed)
    return mine is not None and theirs is not None and mine.id == theirs.id


def _indication(value: str | None) -> Indication | None:
    if not value:
        return None
    try:
        return Indication(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"{value!r} is not primary or secondary", field="indication") from None
