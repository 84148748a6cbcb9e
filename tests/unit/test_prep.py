"""Prep requirements: imaging window, holds and labs, clearances, fasting, driver, readiness."""

import dataclasses
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from mild_desk.models.enums import (
    ChecklistState,
    Indication,
    LabTest,
    Modality,
    RequirementKey,
    RequirementStatus,
)
from mild_desk.rules.checklist import CONDITIONS, ChecklistItem, parse_checklist, required_items
from mild_desk.rules.holds import normalize_drug_name, parse_hold_table
from mild_desk.rules.prep import (
    DriverInput,
    ImagingInput,
    LabInput,
    MedInput,
    PrepInput,
    PrepResult,
    Requirement,
    earliest_feasible_start,
    evaluate,
    imaging_valid_until,
    med_conditions,
    parse_profile,
    study_valid_until,
)

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
START = datetime(2026, 12, 3, 9, 0, tzinfo=NY)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=NY)


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / "resources" / name).read_text(encoding="utf-8"))


TABLE = parse_hold_table(_load("hold_table.toml"))
PROFILE = parse_profile(_load("procedure_profile.toml"))
ITEMS = parse_checklist(_load("checklist.toml"))
GOOD_MRI = ImagingInput("mri-1", Modality.MRI, date(2026, 6, 1), 3.4)
DRIVER = DriverInput("Pat Doe", "555-0100")


def _all_done(
    items: tuple[ChecklistItem, ...], conditions: frozenset[str]
) -> dict[str, ChecklistState]:
    return {item.key: ChecklistState.CONFIRMED for item in required_items(items, conditions)}


def make(**changes: Any) -> PrepInput:
    start = changes.pop("start", START)
    base = PrepInput(
        start=start,
        end=start + timedelta(minutes=60),
        tz=NY,
        now=NOW,
        profile=PROFILE,
        imaging=(GOOD_MRI,),
        meds=(),
        labs=(),
        clearances=frozenset(),
        driver=DRIVER,
        overrides={},
        checklist={},
        checklist_items=ITEMS,
        conditions=frozenset(),
    )
    return dataclasses.replace(base, **changes)


def req(result: PrepResult, key: RequirementKey) -> Requirement:
    (found,) = [r for r in result.requirements if r.key is key]
    return found


def med(name: str, last_dose: datetime | None = None, **kw: Any) -> MedInput:
    return MedInput(kw.get("entry_id", name), name, kw.get("indication"), last_dose)


def inr(value: float, at: datetime) -> LabInput:
    return LabInput(LabTest.INR, value, at)


# --- imaging ------------------------------------------------------------------------------


def test_imaging_valid_on_the_last_day_and_not_the_day_after() -> None:
    study = ImagingInput("mri-old", Modality.MRI, date(2025, 11, 22), None)
    last_day = evaluate(
        make(start=datetime(2026, 11, 22, 9, 0, tzinfo=NY), imaging=(study,)), TABLE
    )
    assert req(last_day, RequirementKey.IMAGING).status is RequirementStatus.MET
    assert last_day.imaging.study_id == "mri-old"
    assert last_day.imaging.valid_until == date(2026, 11, 22)
    day_after = evaluate(
        make(start=datetime(2026, 11, 23, 9, 0, tzinfo=NY), imaging=(study,)), TABLE
    )
    imaging = req(day_after, RequirementKey.IMAGING)
    assert imaging.status is RequirementStatus.PENDING
    assert day_after.imaging.study_id is None
    assert "more than 12 months old" in imaging.detail
    assert "Sun 23 Nov 2025 or later" in imaging.detail
    # Due the day before at the same local time.
    assert imaging.due == datetime(2026, 11, 22, 9, 0, tzinfo=NY)


def test_imaging_uses_the_local_date_of_the_start() -> None:
    # 23:30 in New York on 22 Nov is already 23 Nov in UTC: the local date decides.
    study = ImagingInput("mri-old", Modality.CT, date(2025, 11, 22), 2.5)
    late = datetime(2026, 11, 22, 23, 30, tzinfo=NY)
    result = evaluate(make(start=late, imaging=(study,)), TABLE)
    assert req(result, RequirementKey.IMAGING).status is RequirementStatus.MET


def test_imaging_lf_below_threshold_is_unmet() -> None:
    thin = ImagingInput("mri-thin", Modality.MRI, date(2026, 6, 1), 2.1)
    result = evaluate(make(imaging=(thin,)), TABLE)
    imaging = req(result, RequirementKey.IMAGING)
    assert imaging.status is RequirementStatus.UNMET
    assert "2.1 mm" in imaging.detail
    assert "2.5 mm" in imaging.detail
    assert result.imaging.study_id is None
    # A qualifying study alongside it makes it met.
    both = evaluate(make(imaging=(thin, GOOD_MRI)), TABLE)
    assert req(both, RequirementKey.IMAGING).status is RequirementStatus.MET
    assert both.imaging.study_id == "mri-1"


def test_imaging_lf_exactly_at_threshold_counts() -> None:
    exact = ImagingInput("ct", Modality.CT, date(2026, 6, 1), 2.5)
    result = evaluate(make(imaging=(exact,)), TABLE)
    assert req(result, RequirementKey.IMAGING).status is RequirementStatus.MET


def test_imaging_after_the_start_is_ignored() -> None:
    later = ImagingInput("mri-later", Modality.MRI, date(2026, 12, 4), 3.0)
    result = evaluate(make(imaging=(later,)), TABLE)
    imaging = req(result, RequirementKey.IMAGING)
    assert imaging.status is RequirementStatus.PENDING
    assert imaging.detail.startswith("Needs an MRI or CT dated Wed 3 Dec 2025 or later")
    same_day = ImagingInput("mri-today", Modality.MRI, date(2026, 12, 3), 3.0)
    assert (
        req(evaluate(make(imaging=(same_day,)), TABLE), RequirementKey.IMAGING).status
        is RequirementStatus.MET
    )


def test_imaging_picks_the_most_recent_qualifying_study() -> None:
    older = ImagingInput("ct-old", Modality.CT, date(2026, 1, 10), 3.0)
    result = evaluate(make(imaging=(older, GOOD_MRI)), TABLE)
    assert result.imaging.study_id == "mri-1"
    assert result.imaging.valid_until == date(2027, 6, 1)


def test_imaging_valid_until_helper_for_the_finder() -> None:
    studies = (
        ImagingInput("a", Modality.MRI, date(2026, 1, 10), 3.0),
        ImagingInput("b", Modality.CT, date(2026, 3, 5), 2.0),  # too thin
        ImagingInput("c", Modality.MRI, date(2026, 9, 1), None),  # after `on`
    )
    assert imaging_valid_until(studies, PROFILE, date(2026, 8, 1)) == date(2027, 1, 10)
    assert imaging_valid_until(studies, PROFILE, date(2026, 9, 1)) == date(2027, 9, 1)
    assert imaging_valid_until(studies, PROFILE, date(2025, 1, 1)) is None


@given(
    study=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    months=st.integers(min_value=1, max_value=24),
    offset=st.integers(min_value=0, max_value=800),
)
@settings(database=None, deadline=None)
def test_valid_until_agrees_with_the_window_rule(study: date, months: int, offset: int) -> None:
    procedure = study + timedelta(days=offset)
    in_window = study >= procedure - relativedelta(months=months)
    assert in_window == (procedure <= study_valid_until(study, months))


# --- anticoagulation ----------------------------------------------------------------------


def test_no_medications_gives_one_met_line() -> None:
    result = evaluate(make(), TABLE)
    lines = [r for r in result.requirements if r.key is RequirementKey.ANTICOAGULATION]
    assert len(lines) == 1
    assert lines[0].status is RequirementStatus.MET
    assert lines[0].detail == "No blood thinners on the medication list."
    assert result.medications == ()
    assert result.earliest_feasible_start is None


def test_fixed_hold_not_recorded_is_pending_until_the_stop_date() -> None:
    result = evaluate(make(meds=(med("Ibuprofen 200 mg"),)), TABLE)
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert line.subject == "Ibuprofen 200 mg"
    assert line.detail == "Stop Ibuprofen 200 mg by Wed 2 Dec 2026 09:00."
    assert line.due == datetime(2026, 12, 2, 9, 0, tzinfo=NY)
    (m,) = result.medications
    assert m.rule_id == "ibuprofen"
    assert m.hold_hours == 24
    assert m.last_allowed_dose == datetime(2026, 12, 2, 9, 0, tzinfo=NY)
    assert m.restart_at == datetime(2026, 12, 4, 10, 0, tzinfo=NY)
    assert not m.needs_clearance


def test_fixed_hold_recorded_in_time_is_met() -> None:
    dose = datetime(2026, 12, 2, 9, 0, tzinfo=NY)  # exactly the limit
    result = evaluate(make(meds=(med("ibuprofen", dose),)), TABLE)
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.MET
    assert "Wed 2 Dec 2026 09:00" in line.detail
    assert "restart no earlier than Fri 4 Dec 2026 10:00" in line.detail


def test_recorded_too_late_is_unmet_and_names_the_earliest_start() -> None:
    dose = datetime(2026, 11, 30, 8, 0, tzinfo=NY)
    result = evaluate(
        make(meds=(med("Plavix 75 mg", dose),), clearances=frozenset({"clopidogrel"})), TABLE
    )
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.UNMET
    assert "too late" in line.detail
    assert "earliest feasible start Mon 7 Dec 2026 08:00" in line.detail
    assert line.due is None
    assert result.earliest_feasible_start == datetime(2026, 12, 7, 8, 0, tzinfo=NY)
    assert not result.ready


def test_clearance_required_row_stays_pending_without_clearance() -> None:
    dose = datetime(2026, 11, 20, 8, 0, tzinfo=NY)  # well before the 168 h limit
    without = evaluate(make(meds=(med("clopidogrel", dose),)), TABLE)
    line = req(without, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert "prescriber clearance" in line.detail.lower()
    assert line.due == datetime(2026, 11, 26, 9, 0, tzinfo=NY)
    cleared = evaluate(
        make(meds=(med("clopidogrel", dose),), clearances=frozenset({"Clopidogrel"})), TABLE
    )
    assert req(cleared, RequirementKey.ANTICOAGULATION).status is RequirementStatus.MET


@pytest.mark.parametrize(
    ("name", "indication", "clearance"),
    [
        ("sertraline", None, "sertraline"),
        ("Zoloft 50 mg", None, "ssri_snri"),
        ("fish oil", None, "herbal_supplements"),
        ("Celebrex", None, "celebrex"),
        ("aspirin 81 mg", Indication.SECONDARY, "aspirin_secondary"),
        ("aspirin 81 mg", None, "aspirin 81 mg"),
        ("eptifibatide", None, "eptifibatide"),
        ("ketoprofen", None, "nsaid_generic_rule"),
    ],
)
def test_no_fixed_hold_is_pending_until_cleared(
    name: str, indication: Indication | None, clearance: str
) -> None:
    meds = (med(name, indication=indication),)
    pending = evaluate(make(meds=meds), TABLE)
    line = req(pending, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert line.detail.startswith(f"Prescriber clearance for {name} needed by Wed 2 Dec 2026 09:00")
    assert line.due == datetime(2026, 12, 2, 9, 0, tzinfo=NY)
    (m,) = pending.medications
    assert m.hold_hours is None
    assert m.last_allowed_dose is None
    assert m.needs_clearance
    met = evaluate(make(meds=meds, clearances=frozenset({clearance})), TABLE)
    assert req(met, RequirementKey.ANTICOAGULATION).status is RequirementStatus.MET
    assert met.earliest_feasible_start is None


def test_unknown_drug_is_flagged_for_review() -> None:
    result = evaluate(make(meds=(med("Zyntrabex 10 mg"),)), TABLE)
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert "flagged for clinician review" in line.detail
    (m,) = result.medications
    assert m.rule_id is None
    assert m.needs_clearance
    cleared = evaluate(
        make(meds=(med("Zyntrabex 10 mg"),), clearances=frozenset({"zyntrabex  10 MG"})), TABLE
    )
    assert req(cleared, RequirementKey.ANTICOAGULATION).status is RequirementStatus.MET


def test_restart_is_reported_for_rows_without_a_fixed_hold() -> None:
    meds = (med("aspirin", indication=Indication.SECONDARY),)
    (m,) = evaluate(make(meds=meds), TABLE).medications
    assert m.restart_at == datetime(2026, 12, 4, 10, 0, tzinfo=NY)


def _warfarin_input(labs: tuple[LabInput, ...], *, recorded: bool = True) -> PrepInput:
    dose = datetime(2026, 11, 27, 20, 0, tzinfo=NY) if recorded else None
    return make(meds=(med("Coumadin 5 mg", dose),), labs=labs, clearances=frozenset({"warfarin"}))


def test_warfarin_without_an_inr_on_the_day_is_pending() -> None:
    yesterday = inr(1.0, datetime(2026, 12, 2, 8, 0, tzinfo=NY))
    result = evaluate(_warfarin_input((yesterday,)), TABLE)
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert "INR taken on Thu 3 Dec 2026 is needed" in line.detail
    assert line.due == START


def test_warfarin_normal_inr_is_met_once_the_hold_is_recorded() -> None:
    today = inr(1.1, datetime(2026, 12, 3, 7, 15, tzinfo=NY))
    met = evaluate(_warfarin_input((today,)), TABLE)
    assert req(met, RequirementKey.ANTICOAGULATION).status is RequirementStatus.MET
    (m,) = met.medications
    assert m.restart_at == datetime(2026, 12, 3, 16, 0, tzinfo=NY)
    not_recorded = evaluate(_warfarin_input((today,), recorded=False), TABLE)
    assert req(not_recorded, RequirementKey.ANTICOAGULATION).status is RequirementStatus.PENDING


def test_warfarin_high_inr_is_unmet_and_latest_inr_of_the_day_counts() -> None:
    high = inr(1.5, datetime(2026, 12, 3, 7, 15, tzinfo=NY))
    result = evaluate(_warfarin_input((high,)), TABLE)
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.UNMET
    assert "INR 1.5" in line.detail
    assert "1.2" in line.detail
    retest = inr(1.2, datetime(2026, 12, 3, 8, 0, tzinfo=NY))
    again = evaluate(_warfarin_input((retest, high)), TABLE)
    assert req(again, RequirementKey.ANTICOAGULATION).status is RequirementStatus.MET


def test_warfarin_makes_the_inr_checklist_item_required() -> None:
    meds = (med("warfarin"),)
    assert med_conditions(meds, TABLE) == frozenset({"warfarin"})
    assert med_conditions((med("ibuprofen"),), TABLE) == frozenset()
    result = evaluate(make(meds=meds), TABLE)
    assert "inr_today" in result.checklist_missing
    assert "inr_today" not in evaluate(make(), TABLE).checklist_missing


def test_dabigatran_needs_a_crcl_and_uses_the_renal_hold_until_then() -> None:
    meds = (med("Pradaxa"),)
    unknown = evaluate(make(meds=meds, clearances=frozenset({"dabigatran"})), TABLE)
    (m,) = unknown.medications
    assert m.hold_hours == 144
    line = req(unknown, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert "CrCl" in line.detail
    normal = LabInput(LabTest.CRCL, 80.0, datetime(2026, 11, 1, 9, 0, tzinfo=NY))
    known = evaluate(make(meds=meds, labs=(normal,), clearances=frozenset({"dabigatran"})), TABLE)
    (m2,) = known.medications
    assert m2.hold_hours == 96
    assert m2.last_allowed_dose == datetime(2026, 11, 29, 9, 0, tzinfo=NY)
    impaired = LabInput(LabTest.CRCL, 40.0, datetime(2026, 11, 15, 9, 0, tzinfo=NY))
    latest = evaluate(make(meds=meds, labs=(normal, impaired)), TABLE)
    assert latest.medications[0].hold_hours == 144


def test_earliest_feasible_start_over_fixed_holds() -> None:
    meds = [
        med("clopidogrel", datetime(2026, 11, 19, 8, 0, tzinfo=NY)),  # + 168 h = 26 Nov 08:00
        med("ibuprofen"),  # unrecorded: now + 24 h = 21 Nov 12:00
        med("sertraline"),  # no fixed hold: ignored
        med("unknownium"),  # unknown: ignored
    ]
    assert earliest_feasible_start(meds, TABLE, NOW, []) == datetime(2026, 11, 26, 8, 0, tzinfo=NY)
    assert earliest_feasible_start(meds[1:], TABLE, NOW, []) == datetime(
        2026, 11, 21, 12, 0, tzinfo=NY
    )
    assert earliest_feasible_start(meds[2:], TABLE, NOW, []) is None


# --- overrides ----------------------------------------------------------------------------


def test_overrides_keep_the_underlying_status() -> None:
    thin = ImagingInput("mri-thin", Modality.MRI, date(2026, 6, 1), 2.1)
    result = evaluate(
        make(
            imaging=(thin,),
            meds=(med("sertraline"), med("ibuprofen")),
            overrides={
                RequirementKey.IMAGING: "Surgeon reviewed the images in person",
                RequirementKey.ANTICOAGULATION: "Prescriber called: continue",
            },
        ),
        TABLE,
    )
    imaging = req(result, RequirementKey.IMAGING)
    assert imaging.status is RequirementStatus.OVERRIDDEN
    assert imaging.underlying is RequirementStatus.UNMET
    assert imaging.override_reason == "Surgeon reviewed the images in person"
    assert "2.1 mm" in imaging.detail
    lines = [r for r in result.requirements if r.key is RequirementKey.ANTICOAGULATION]
    assert [r.status for r in lines] == [RequirementStatus.OVERRIDDEN] * 2
    assert [r.underlying for r in lines] == [RequirementStatus.PENDING] * 2
    # The medication results keep the real status.
    assert [m.status for m in result.medications] == [RequirementStatus.PENDING] * 2
    fasting = req(result, RequirementKey.FASTING)
    assert fasting.status is RequirementStatus.PENDING
    assert fasting.override_reason is None


def test_an_override_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        evaluate(make(overrides={RequirementKey.DRIVER: "  "}), TABLE)


# --- fasting ------------------------------------------------------------------------------


def test_fasting_times_and_confirmation() -> None:
    pending = evaluate(make(), TABLE)
    assert pending.fasting.no_solids_after == datetime(2026, 12, 3, 3, 0, tzinfo=NY)
    assert pending.fasting.clear_liquids_until == datetime(2026, 12, 3, 7, 0, tzinfo=NY)
    line = req(pending, RequirementKey.FASTING)
    assert line.status is RequirementStatus.PENDING
    assert line.due == datetime(2026, 12, 3, 3, 0, tzinfo=NY)
    assert "no solid food after Thu 3 Dec 2026 03:00" in line.detail
    assert "clear liquids until Thu 3 Dec 2026 07:00" in line.detail
    met = evaluate(make(checklist={"npo": ChecklistState.CONFIRMED}), TABLE)
    assert req(met, RequirementKey.FASTING).status is RequirementStatus.MET
    not_done = evaluate(make(checklist={"npo": ChecklistState.NOT_DONE}), TABLE)
    assert req(not_done, RequirementKey.FASTING).status is RequirementStatus.PENDING


def test_fasting_across_the_spring_dst_change() -> None:
    # 8 Mar 2026, New York: clocks jump 02:00 EST -> 03:00 EDT; 02:00-02:59 does not exist.
    # S = 08:00 EDT = 12:00 UTC. Solids: 06:00 UTC = 01:00 EST. Clear: 10:00 UTC = 06:00 EDT.
    start = datetime(2026, 3, 8, 8, 0, tzinfo=NY)
    result = evaluate(make(start=start, imaging=()), TABLE)
    solids = result.fasting.no_solids_after
    clear = result.fasting.clear_liquids_until
    assert solids == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
    assert clear == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    assert start - solids == timedelta(hours=6)
    assert solids.astimezone(NY).strftime("%H:%M %Z") == "01:00 EST"
    assert clear.astimezone(NY).strftime("%H:%M %Z") == "06:00 EDT"
    detail = req(result, RequirementKey.FASTING).detail
    assert "no solid food after Sun 8 Mar 2026 01:00" in detail
    assert "clear liquids until Sun 8 Mar 2026 06:00" in detail


def test_fasting_across_the_autumn_dst_change() -> None:
    # 1 Nov 2026, New York: 02:00 EDT -> 01:00 EST. S = 07:00 EST = 12:00 UTC;
    # 6 h before is 06:00 UTC = 01:00 EST (the second 01:00 of the night).
    start = datetime(2026, 11, 1, 7, 0, tzinfo=NY)
    result = evaluate(make(start=start, imaging=()), TABLE)
    solids = result.fasting.no_solids_after
    assert solids == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert solids.astimezone(NY).strftime("%H:%M %Z") == "01:00 EST"


# --- driver -------------------------------------------------------------------------------


def test_driver_rules() -> None:
    assert req(evaluate(make(), TABLE), RequirementKey.DRIVER).status is RequirementStatus.MET
    missing = req(evaluate(make(driver=None), TABLE), RequirementKey.DRIVER)
    assert missing.status is RequirementStatus.PENDING
    assert missing.due == datetime(2026, 12, 2, 9, 0, tzinfo=NY)
    assert missing.detail == "Record the driver's name and phone by Wed 2 Dec 2026 09:00."
    no_phone = req(evaluate(make(driver=DriverInput("Pat", " ")), TABLE), RequirementKey.DRIVER)
    assert no_phone.status is RequirementStatus.PENDING
    assert "phone" in no_phone.detail
    relaxed = dataclasses.replace(PROFILE, escort_required=False)
    not_needed = evaluate(make(driver=None, profile=relaxed), TABLE)
    assert req(not_needed, RequirementKey.DRIVER).status is RequirementStatus.MET


def test_driver_due_keeps_the_local_time_across_dst() -> None:
    start = datetime(2026, 3, 9, 8, 0, tzinfo=NY)  # Monday after the spring change
    line = req(evaluate(make(start=start, driver=None), TABLE), RequirementKey.DRIVER)
    assert line.due == datetime(2026, 3, 8, 8, 0, tzinfo=NY)
    assert line.due is not None
    assert line.due.astimezone(NY).strftime("%H:%M") == "08:00"


# --- readiness ----------------------------------------------------------------------------


def test_ready_when_everything_is_met_and_the_checklist_is_done() -> None:
    dose = datetime(2026, 11, 25, 8, 0, tzinfo=NY)
    meds = (med("Coumadin", dose),)
    labs = (inr(1.0, datetime(2026, 12, 3, 7, 0, tzinfo=NY)),)
    conditions = frozenset({"diabetic"})
    done = _all_done(ITEMS, conditions | {"warfarin"})
    result = evaluate(
        make(
            meds=meds,
            labs=labs,
            clearances=frozenset({"warfarin"}),
            checklist=done,
            conditions=conditions,
        ),
        TABLE,
    )
    assert all(r.status is RequirementStatus.MET for r in result.requirements)
    assert result.checklist_missing == ()
    assert result.ready
    # Marking an item not applicable still counts; not done does not.
    na = evaluate(
        make(
            meds=meds,
            labs=labs,
            clearances=frozenset({"warfarin"}),
            checklist={**done, "glucose": ChecklistState.NOT_APPLICABLE},
            conditions=conditions,
        ),
        TABLE,
    )
    assert na.ready
    undone = evaluate(
        make(
            meds=meds,
            labs=labs,
            clearances=frozenset({"warfarin"}),
            checklist={**done, "glucose": ChecklistState.NOT_DONE},
            conditions=conditions,
        ),
        TABLE,
    )
    assert not undone.ready
    assert undone.checklist_missing == ("glucose",)


def test_overridden_requirements_count_for_readiness() -> None:
    done = _all_done(ITEMS, frozenset())
    result = evaluate(
        make(driver=None, checklist=done, overrides={RequirementKey.DRIVER: "Ambulance"}), TABLE
    )
    assert result.ready


def test_inputs_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(make(now=datetime(2026, 11, 20, 12, 0)), TABLE)
    with pytest.raises(ValueError, match="end after"):
        evaluate(dataclasses.replace(make(), end=START), TABLE)


def test_parse_profile_refuses_bad_values() -> None:
    raw = _load("procedure_profile.toml")
    with pytest.raises(ValueError, match="inr_max"):
        parse_profile({**raw, "inr_max": "1.2"})
    with pytest.raises(ValueError, match="escort_required"):
        parse_profile({**raw, "escort_required": 1})
    with pytest.raises(ValueError, match="unverified"):
        parse_profile({**raw, "unverified": ["no_such_setting"]})
    with pytest.raises(ValueError, match="clear liquids"):
        parse_profile({**raw, "clear_liquids_fast_hours": 8})
    # Database rows carry float hours and extra columns.
    row = {**raw, "solids_fast_hours": 6.0, "id": 1, "name": "MILD"}
    assert parse_profile(row) == PROFILE


# --- properties ---------------------------------------------------------------------------

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "UTC",
)


_known_names = st.sampled_from(
    sorted({name for rule in TABLE.rules for name in (*rule.generic_names, *rule.brands)})
)
_unknown_names = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=10)


@st.composite
def _inputs(draw: st.DrawFn) -> PrepInput:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
    minutes = draw(st.integers(min_value=6 * 60, max_value=18 * 60))
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    start = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    now = start - timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 40)))
    names = draw(st.lists(st.one_of(_known_names, _unknown_names), max_size=5))
    meds = []
    for index, name in enumerate(names):
        offset = draw(st.none() | st.integers(min_value=-400, max_value=10))
        last_dose = None if offset is None else start + timedelta(hours=offset)
        indication = draw(st.none() | st.sampled_from(list(Indication)))
        meds.append(MedInput(str(index), name, indication, last_dose))
    clearance_pool = sorted({*names, *(rule.id for rule in TABLE.rules)})
    clearances = draw(st.frozensets(st.sampled_from(clearance_pool), max_size=8))
    labs: list[LabInput] = []
    if draw(st.booleans()):
        value = draw(st.sampled_from([0.9, 1.1, 1.2, 1.3, 2.0]))
        labs.append(LabInput(LabTest.INR, value, start - timedelta(hours=draw(st.integers(0, 30)))))
    if draw(st.booleans()):
        value = draw(st.sampled_from([20.0, 49.9, 50.0, 90.0]))
        labs.append(LabInput(LabTest.CRCL, value, start - timedelta(days=3)))
    imaging = draw(
        st.lists(
            st.builds(
                ImagingInput,
                study_id=st.just("study"),
                modality=st.sampled_from(list(Modality)),
                study_date=st.dates(
                    min_value=day - timedelta(days=500), max_value=day + timedelta(days=30)
                ),
                lf_mm=st.none() | st.sampled_from([1.5, 2.4, 2.5, 4.0]),
            ),
            max_size=3,
        )
    )
    conditions = draw(st.frozensets(st.sampled_from(sorted(CONDITIONS))))
    states = st.sampled_from(list(ChecklistState))
    if draw(st.booleans()):
        checklist = dict.fromkeys((item.key for item in ITEMS), ChecklistState.CONFIRMED)
    else:
        checklist = draw(st.dictionaries(st.sampled_from([i.key for i in ITEMS]), states))
    overrides = dict.fromkeys(
        draw(st.frozensets(st.sampled_from(list(RequirementKey)))), "clinician decision"
    )
    driver = draw(st.none() | st.just(DRIVER) | st.just(DriverInput("Pat", "")))
    return PrepInput(
        start=start,
        end=start + timedelta(minutes=60),
        tz=tz,
        now=now,
        profile=PROFILE,
        imaging=tuple(imaging),
        meds=tuple(meds),
        labs=tuple(labs),
        clearances=clearances,
        driver=driver,
        overrides=overrides,
        checklist=checklist,
        checklist_items=ITEMS,
        conditions=conditions,
    )


@given(inp=_inputs())
@settings(database=None, deadline=None, max_examples=300)
def test_properties_of_holds_and_readiness(inp: PrepInput) -> None:
    result = evaluate(inp, TABLE)
    start_utc = inp.start.astimezone(UTC)
    for m in result.medications:
        if m.hold_hours is not None:
            assert m.rule_id is not None
            table_hold = TABLE.get(m.rule_id).hold_hours
            assert table_hold is not None
            assert m.hold_hours >= table_hold
            assert m.last_allowed_dose is not None
            assert m.last_allowed_dose.astimezone(UTC) <= start_utc - timedelta(hours=m.hold_hours)
            if m.recorded_last_dose is not None and m.recorded_last_dose > m.last_allowed_dose:
                assert m.status is RequirementStatus.UNMET
        else:
            assert m.needs_clearance
            cleared = {normalize_drug_name(c) for c in inp.clearances}
            expected = normalize_drug_name(m.drug_name) in cleared or m.rule_id in cleared
            assert (m.status is RequirementStatus.MET) == expected
    statuses = {r.status for r in result.requirements}
    if statuses & {RequirementStatus.PENDING, RequirementStatus.UNMET} or result.checklist_missing:
        assert not result.ready
    if result.ready:
        assert statuses <= {RequirementStatus.MET, RequirementStatus.OVERRIDDEN}
    for r in result.requirements:
        assert r.underlying is not RequirementStatus.OVERRIDDEN
        if r.status is RequirementStatus.OVERRIDDEN:
            assert r.override_reason
        else:
            assert r.status is r.underlying
            assert r.key not in inp.overrides
    solids = timedelta(hours=inp.profile.solids_fast_hours)
    liquids = timedelta(hours=inp.profile.clear_liquids_fast_hours)
    assert result.fasting.no_solids_after.astimezone(UTC) == start_utc - solids
    assert result.fasting.clear_liquids_until.astimezone(UTC) == start_utc - liquids


def test_aspirin_without_an_indication_is_treated_as_secondary_prevention() -> None:
    result = evaluate(make(meds=(med("Aspirin 81 mg"),)), TABLE)
    (m,) = result.medications
    assert m.rule_id == "aspirin_secondary"
    assert m.hold_hours is None
    line = req(result, RequirementKey.ANTICOAGULATION)
    assert line.status is RequirementStatus.PENDING
    assert "indication not recorded, treated as secondary prevention" in line.detail
    primary = evaluate(make(meds=(med("Aspirin 81 mg", indication=Indication.PRIMARY),)), TABLE)
    assert primary.medications[0].rule_id == "aspirin_primary"
    assert primary.medications[0].hold_hours == 144
