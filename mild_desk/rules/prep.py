"""Prep requirements for one MILD appointment: imaging, blood-thinner holds, fasting, driver."""

# Every datetime this module returns is UTC-aware; details show clinic-local time. Instants
# are compared and shifted in UTC: Python compares and subtracts two datetimes that share a
# ZoneInfo by wall clock, which is wrong across a DST change.

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from mild_desk.models.enums import (
    ChecklistState,
    Indication,
    LabTest,
    Modality,
    RequirementKey,
    RequirementStatus,
)
from mild_desk.rules.checklist import KEY_NPO, ChecklistItem, missing_items
from mild_desk.rules.holds import (
    HoldRule,
    HoldTable,
    hold_hours_for,
    last_allowed_dose,
    normalize_drug_name,
    restart_at,
)

IMAGING_MODALITIES: frozenset[Modality] = frozenset({Modality.MRI, Modality.CT})
"""Studies that can show the ligamentum flavum (REFERENCE.md §3b)."""

WARFARIN_CONDITION = "warfarin"
"""Checklist condition set when a drug that needs a same-day INR is on the list."""


@dataclass(frozen=True, slots=True)
class ProfileValues:
    """The procedure-profile settings the prep rules need (defaults: procedure_profile.toml)."""

    solids_fast_hours: float
    clear_liquids_fast_hours: float
    imaging_max_months: int
    lf_min_mm: float
    inr_max: float
    escort_required: bool
    driver_due_days_before: int
    arrival_lead_minutes: int
    unverified: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ImagingInput:
    study_id: str
    modality: Modality
    study_date: date
    lf_mm: float | None


@dataclass(frozen=True, slots=True)
class MedInput:
    entry_id: str
    drug_name: str
    indication: Indication | None
    last_dose_at: datetime | None


@dataclass(frozen=True, slots=True)
class LabInput:
    test: LabTest
    value: float
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class DriverInput:
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class PrepInput:
    """Everything known about one appointment; `now` is passed in (the rules read no clock).

    `clearances` holds drug names (normalised as by `normalize_drug_name`) or hold-table
    rule ids that a prescriber cleared. `conditions` holds checklist conditions such as
    "diabetic"; "warfarin" is added automatically when an INR-monitored drug is listed.
    """

    start: datetime
    end: datetime
    tz: ZoneInfo
    now: datetime
    profile: ProfileValues
    imaging: Sequence[ImagingInput]
    meds: Sequence[MedInput]
    labs: Sequence[LabInput]
    clearances: frozenset[str]
    driver: DriverInput | None
    overrides: Mapping[RequirementKey, str]
    checklist: Mapping[str, ChecklistState]
    checklist_items: Sequence[ChecklistItem]
    conditions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One readiness line. `underlying` is the status before any override."""

    key: RequirementKey
    status: RequirementStatus
    detail: str
    due: datetime | None
    subject: str | None
    override_reason: str | None
    underlying: RequirementStatus


@dataclass(frozen=True, slots=True)
class MedicationResult:
    """Hold arithmetic for one medication (its status ignores overrides)."""

    entry_id: str
    drug_name: str
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
class FastingTimes:
    no_solids_after: datetime
    clear_liquids_until: datetime


@dataclass(frozen=True, slots=True)
class ImagingResult:
    study_id: str | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class PrepResult:
    requirements: tuple[Requirement, ...]
    medications: tuple[MedicationResult, ...]
    fasting: FastingTimes
    imaging: ImagingResult
    ready: bool
    earliest_feasible_start: datetime | None
    checklist_missing: tuple[str, ...]


def parse_profile(data: Mapping[str, object]) -> ProfileValues:
    """Prep values from parsed procedure_profile.toml (or a profile row); other keys are ignored."""

    def number(key: str, *, minimum: float = 0.0) -> float:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise ValueError(f"procedure_profile: {key} must be a number >= {minimum:g}")
        return float(value)

    def whole(key: str, *, minimum: int = 0) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"procedure_profile: {key} must be a whole number >= {minimum}")
        return value

    escort = data.get("escort_required")
    if not isinstance(escort, bool):
        raise ValueError("procedure_profile: escort_required must be true or false")
    unverified = data.get("unverified", [])
    if not isinstance(unverified, list | tuple | frozenset | set) or not all(
        isinstance(name, str) and name in data for name in unverified
    ):
        raise ValueError("procedure_profile: unverified must list setting names of the profile")
    profile = ProfileValues(
        solids_fast_hours=number("solids_fast_hours"),
        clear_liquids_fast_hours=number("clear_liquids_fast_hours"),
        imaging_max_months=whole("imaging_max_months", minimum=1),
        lf_min_mm=number("lf_min_mm"),
        inr_max=number("inr_max"),
        escort_required=escort,
        driver_due_days_before=whole("driver_due_days_before"),
        arrival_lead_minutes=whole("arrival_lead_minutes"),
        unverified=frozenset(str(name) for name in unverified),
    )
    if profile.clear_liquids_fast_hours > profile.solids_fast_hours:
        raise ValueError("procedure_profile: clear liquids cannot stop before solids")
    return profile


def evaluate(inp: PrepInput, table: HoldTable) -> PrepResult:
    """Evaluate every prep requirement and readiness for one appointment."""
    for label, moment in (("start", inp.start), ("end", inp.end), ("now", inp.now)):
        _require_aware(moment, label)
    if inp.end <= inp.start:
        raise ValueError("the procedure must end after it starts")
    for key, reason in inp.overrides.items():
        if not reason.strip():
            raise ValueError(f"override of {key} needs a reason")

    imaging_requirement, imaging_result = _imaging(inp)
    evaluated = [_medication(inp, table, med) for med in inp.meds]
    medications = tuple(result for result, _ in evaluated)
    fasting_requirement, fasting = _fasting(inp)
    requirements = [imaging_requirement]
    if medications:
        requirements += [
            _requirement(RequirementKey.ANTICOAGULATION, m.status, m.detail, due, m)
            for m, due in evaluated
        ]
    else:
        requirements.append(
            _requirement(
                RequirementKey.ANTICOAGULATION,
                RequirementStatus.MET,
                "No blood thinners on the medication list.",
                None,
            )
        )
    requirements += [fasting_requirement, _driver(inp)]
    requirements = [_apply_override(r, inp.overrides) for r in requirements]

    conditions = inp.conditions | med_conditions(inp.meds, table)
    missing = missing_items(inp.checklist_items, conditions, inp.checklist)
    ready = not missing and all(
        r.status in (RequirementStatus.MET, RequirementStatus.OVERRIDDEN) for r in requirements
    )
    return PrepResult(
        requirements=tuple(requirements),
        medications=medications,
        fasting=fasting,
        imaging=imaging_result,
        ready=ready,
        earliest_feasible_start=earliest_feasible_start(inp.meds, table, inp.now, inp.labs),
        checklist_missing=missing,
    )


def earliest_feasible_start(
    meds: Sequence[MedInput], table: HoldTable, now: datetime, labs: Sequence[LabInput]
) -> datetime | None:
    """Earliest instant every fixed hold can be complete: max of (last dose or now) + hold.

    An unrecorded last dose counts as a dose taken `now`. None when no listed drug has a
    fixed hold (drugs without one need a clearance, which is not a time).
    """
    _require_aware(now, "now")
    crcl = _latest_value(labs, LabTest.CRCL)
    latest: datetime | None = None
    for med in meds:
        rule = table.match(med.drug_name, med.indication)
        hours = None if rule is None else hold_hours_for(rule, crcl)
        if hours is None:
            continue
        base = med.last_dose_at if med.last_dose_at is not None else now
        _require_aware(base, "last_dose_at")
        candidate = _shift_hours(base, hours)
        if latest is None or candidate > latest:
            latest = candidate
    return latest


def imaging_valid_until(
    imaging: Sequence[ImagingInput], profile: ProfileValues, on: date
) -> date | None:
    """Latest valid-until date among qualifying MRI/CT studies dated on or before `on`."""
    best: date | None = None
    for study in imaging:
        if study.modality in IMAGING_MODALITIES and study.study_date <= on:
            if study.lf_mm is not None and study.lf_mm < profile.lf_min_mm:
                continue
            until = study_valid_until(study.study_date, profile.imaging_max_months)
            if best is None or until > best:
                best = until
    return best


@lru_cache(maxsize=4096)  # each booking and readiness check asks again; relativedelta is slow
def study_valid_until(study_date: date, months: int) -> date:
    """Last procedure date for which a study is within `months` calendar months.

    A study is valid for procedure date D when study_date >= D - relativedelta(months);
    this returns the largest such D (12 months after 2025-11-22 is 2026-11-22).
    """
    until = study_date + relativedelta(months=months)
    while (until + timedelta(days=1)) - relativedelta(months=months) <= study_date:
        until += timedelta(days=1)
    return until


def med_conditions(meds: Iterable[MedInput], table: HoldTable) -> frozenset[str]:
    """Checklist conditions implied by the medication list ("warfarin" for INR-monitored drugs)."""
    for med in meds:
        rule = table.match(med.drug_name, med.indication)
        if rule is not None and rule.needs_lab is LabTest.INR:
            return frozenset({WARFARIN_CONDITION})
    return frozenset()


# --- requirements ------------------------------------------------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _imaging(inp: PrepInput) -> tuple[Requirement, ImagingResult]:
    months = inp.profile.imaging_max_months
    procedure_day = inp.start.astimezone(inp.tz).date()
    earliest = procedure_day - relativedelta(months=months)
    in_range = [
        s
        for s in inp.imaging
        if s.modality in IMAGING_MODALITIES and earliest <= s.study_date <= procedure_day
    ]
    qualifying = [s for s in in_range if s.lf_mm is None or s.lf_mm >= inp.profile.lf_min_mm]
    key = RequirementKey.IMAGING
    if qualifying:
        best = max(qualifying, key=lambda s: s.study_date)
        until = study_valid_until(best.study_date, months)
        detail = (
            f"{best.modality.value} of {_day(best.study_date)} is on file "
            f"(valid through {_day(until)})."
        )
        return (
            _requirement(key, RequirementStatus.MET, detail, None),
            ImagingResult(best.study_id, until),
        )
    none = ImagingResult(None, None)
    if in_range:
        thickest = max(in_range, key=lambda s: s.lf_mm or 0.0)
        detail = (
            f"Ligamentum flavum is {thickest.lf_mm:g} mm on the {thickest.modality.value} of "
            f"{_day(thickest.study_date)}; at least {inp.profile.lf_min_mm:g} mm is required."
        )
        return _requirement(key, RequirementStatus.UNMET, detail, None), none
    due = _local_days_before(inp.start, inp.tz, 1)
    needed = (
        f"an MRI or CT dated {_day(earliest)} or later (within {months} months of the "
        f"procedure), on file by {_moment(due, inp.tz)}"
    )
    older = [s for s in inp.imaging if s.modality in IMAGING_MODALITIES and s.study_date < earliest]
    if older:
        latest = max(older, key=lambda s: s.study_date)
        detail = (
            f"The {latest.modality.value} of {_day(latest.study_date)} is more than "
            f"{months} months old; needs {needed}."
        )
    else:
        detail = f"Needs {needed}."
    return _requirement(key, RequirementStatus.PENDING, detail, due), none


def _medication(
    inp: PrepInput, table: HoldTable, med: MedInput
) -> tuple[MedicationResult, datetime | None]:
    """The medication's result and, when pending, by when the missing thing is due."""
    name = med.drug_name.strip() or "(unnamed medication)"
    if med.last_dose_at is not None:
        _require_aware(med.last_dose_at, "last_dose_at")
    rule = table.match(med.drug_name, med.indication)
    cleared = _is_cleared(inp.clearances, med.drug_name, rule)
    if rule is None:
        return _unknown_medication(inp, med, name, cleared)
    restart = None if rule.restart_hours is None else restart_at(inp.end, rule.restart_hours)
    restart_note = (
        "" if restart is None else f"; restart no earlier than {_moment(restart, inp.tz)}"
    )
    crcl = _latest_value(inp.labs, LabTest.CRCL)
    hours = hold_hours_for(rule, crcl)

    assumed = ""
    if rule.indication is not None and med.indication is None:
        assumed = f"; indication not recorded, treated as {rule.indication.value} prevention"
    if hours is None:
        due: datetime | None = None
        if cleared:
            status = RequirementStatus.MET
            detail = f"Prescriber clearance for {name} on file{restart_note}{assumed}."
        else:
            status = RequirementStatus.PENDING
            due = _local_days_before(inp.start, inp.tz, 1)
            detail = (
                f"Prescriber clearance for {name} needed by {_moment(due, inp.tz)}; "
                f"{_lower_first(rule.hold_text)}{assumed}."
            )
        return MedicationResult(
            entry_id=med.entry_id,
            drug_name=name,
            rule_id=rule.id,
            hold_hours=None,
            hold_text=rule.hold_text,
            last_allowed_dose=None,
            recorded_last_dose=None if med.last_dose_at is None else _utc(med.last_dose_at),
            restart_at=restart,
            status=status,
            needs_clearance=True,
            detail=detail,
        ), due

    limit = last_allowed_dose(inp.start, hours)
    unmet: list[str] = []
    pending: list[str] = []
    dues: list[datetime] = []
    hold_phrase = f"a {hours}-hour hold ({rule.hold_text})"
    recorded = None if med.last_dose_at is None else _utc(med.last_dose_at)
    if recorded is not None and recorded > limit:
        feasible = _shift_hours(recorded, hours)
        unmet.append(
            f"last {name} dose {_moment(recorded, inp.tz)} is too late for {hold_phrase}; "
            f"earliest feasible start {_moment(feasible, inp.tz)}"
        )
    elif recorded is None:
        dues.append(limit)
        if _utc(inp.now) > limit:
            pending.append(
                f"record the last {name} dose: it had to be by {_moment(limit, inp.tz)} "
                f"for {hold_phrase}"
            )
        else:
            pending.append(f"stop {name} by {_moment(limit, inp.tz)}")
    if rule.clearance_required and not cleared:
        pending.append(f"prescriber clearance for {name} needed")
        dues.append(limit)
    if rule.needs_lab is LabTest.INR and _check_inr(inp, unmet, pending):
        dues.append(inp.start)
    elif rule.needs_lab is LabTest.CRCL and crcl is None:
        dues.append(limit)
        pending.append(f"a CrCl result is needed (until then the longer {hours}-hour hold applies)")

    if assumed and (unmet or pending):
        pending.append(assumed.removeprefix("; "))
    if unmet:
        status = RequirementStatus.UNMET
        detail = _sentence([*unmet, *pending])
    elif pending:
        status = RequirementStatus.PENDING
        detail = _sentence(pending)
    else:
        status = RequirementStatus.MET
        assert recorded is not None
        detail = (
            f"Last {name} dose {_moment(recorded, inp.tz)} is before the "
            f"{_moment(limit, inp.tz)} limit{restart_note}."
        )
    return MedicationResult(
        entry_id=med.entry_id,
        drug_name=name,
        rule_id=rule.id,
        hold_hours=hours,
        hold_text=rule.hold_text,
        last_allowed_dose=limit,
        recorded_last_dose=recorded,
        restart_at=restart,
        status=status,
        needs_clearance=rule.clearance_required,
        detail=detail,
    ), (min(dues) if status is RequirementStatus.PENDING and dues else None)


def _unknown_medication(
    inp: PrepInput, med: MedInput, name: str, cleared: bool
) -> tuple[MedicationResult, datetime | None]:
    due: datetime | None = None
    if cleared:
        status = RequirementStatus.MET
        detail = f"{name} is not in the hold table; prescriber clearance on file."
    else:
        status = RequirementStatus.PENDING
        due = _local_days_before(inp.start, inp.tz, 1)
        detail = (
            f"{name} is not in the hold table: flagged for clinician review; prescriber "
            f"clearance needed by {_moment(due, inp.tz)}."
        )
    return MedicationResult(
        entry_id=med.entry_id,
        drug_name=name,
        rule_id=None,
        hold_hours=None,
        hold_text="Not in the hold table: clinician review",
        last_allowed_dose=None,
        recorded_last_dose=None if med.last_dose_at is None else _utc(med.last_dose_at),
        restart_at=None,
        status=status,
        needs_clearance=True,
        detail=detail,
    ), due


def _check_inr(inp: PrepInput, unmet: list[str], pending: list[str]) -> bool:
    """Adds the INR finding; True when the INR is still missing (pending)."""
    procedure_day = inp.start.astimezone(inp.tz).date()
    same_day = [
        lab
        for lab in inp.labs
        if lab.test is LabTest.INR and lab.taken_at.astimezone(inp.tz).date() == procedure_day
    ]
    if not same_day:
        pending.append(f"an INR taken on {_day(procedure_day)} is needed")
        return True
    inr = max(same_day, key=lambda lab: _utc(lab.taken_at))
    if inr.value > inp.profile.inr_max:
        unmet.append(
            f"INR {inr.value:g} on {_day(procedure_day)} is above the clinic limit of "
            f"{inp.profile.inr_max:g}"
        )
    return False


def _fasting(inp: PrepInput) -> tuple[Requirement, FastingTimes]:
    no_solids = _shift_hours(inp.start, -inp.profile.solids_fast_hours)
    clear_until = _shift_hours(inp.start, -inp.profile.clear_liquids_fast_hours)
    times = (
        f"no solid food after {_moment(no_solids, inp.tz)}, "
        f"clear liquids until {_moment(clear_until, inp.tz)}"
    )
    key = RequirementKey.FASTING
    if inp.checklist.get(KEY_NPO) is ChecklistState.CONFIRMED:
        requirement = _requirement(key, RequirementStatus.MET, f"Fasting confirmed: {times}.", None)
    else:
        requirement = _requirement(
            key, RequirementStatus.PENDING, f"Fasting to be confirmed: {times}.", no_solids
        )
    return requirement, FastingTimes(no_solids, clear_until)


def _driver(inp: PrepInput) -> Requirement:
    key = RequirementKey.DRIVER
    if not inp.profile.escort_required:
        return _requirement(
            key, RequirementStatus.MET, "No driver required by clinic settings.", None
        )
    driver = inp.driver
    name = driver.name.strip() if driver else ""
    phone = driver.phone.strip() if driver else ""
    if name and phone:
        return _requirement(key, RequirementStatus.MET, f"Driver: {name}, {phone}.", None)
    due = _local_days_before(inp.start, inp.tz, inp.profile.driver_due_days_before)
    missing = "name and phone" if not name and not phone else ("name" if not name else "phone")
    detail = f"Record the driver's {missing} by {_moment(due, inp.tz)}."
    return _requirement(key, RequirementStatus.PENDING, detail, due)


def _requirement(
    key: RequirementKey,
    status: RequirementStatus,
    detail: str,
    due: datetime | None,
    med: MedicationResult | None = None,
) -> Requirement:
    return Requirement(
        key=key,
        status=status,
        detail=detail,
        due=due,
        subject=None if med is None else med.drug_name,
        override_reason=None,
        underlying=status,
    )


def _apply_override(
    requirement: Requirement, overrides: Mapping[RequirementKey, str]
) -> Requirement:
    reason = overrides.get(requirement.key)
    if reason is None:
        return requirement
    return Requirement(
        key=requirement.key,
        status=RequirementStatus.OVERRIDDEN,
        detail=requirement.detail,
        due=requirement.due,
        subject=requirement.subject,
        override_reason=reason.strip(),
        underlying=requirement.underlying,
    )


# --- helpers -----------------------------------------------------------------------------


def _is_cleared(clearances: frozenset[str], drug_name: str, rule: HoldRule | None) -> bool:
    normalised = {normalize_drug_name(c) for c in clearances}
    if normalize_drug_name(drug_name) in normalised:
        return True
    return rule is not None and rule.id in normalised


def _latest_value(labs: Iterable[LabInput], test: LabTest) -> float | None:
    latest: LabInput | None = None
    for lab in labs:
        if lab.test is test and (latest is None or _utc(lab.taken_at) > _utc(latest.taken_at)):
            latest = lab
    return None if latest is None else latest.value


def _shift_hours(moment: datetime, hours: float) -> datetime:
    return moment.astimezone(UTC) + timedelta(hours=hours)


def _local_days_before(moment: datetime, tz: ZoneInfo, days: int) -> datetime:
    """Same local wall-clock time `days` calendar days earlier (DST-correct)."""
    local = moment.astimezone(tz)
    wall = local.replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _require_aware(moment: datetime, label: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} must be a timezone-aware datetime")


def _moment(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{_day(local.date())} {local:%H:%M}"


def _day(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _sentence(parts: Sequence[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
