"""The data catalogues in resources/ parse and agree with REFERENCE.md."""

import tomllib
from pathlib import Path
from typing import Any

import pytest

from mild_desk.rules.checklist import CONDITIONS, PHASES, RULE_KEYS, parse_checklist
from mild_desk.rules.holds import parse_hold_table
from mild_desk.rules.prep import parse_profile

ROOT = Path(__file__).resolve().parents[2]

# REFERENCE.md §1e, every `id` of `medications`.
REFERENCE_IDS = (
    "aspirin_primary",
    "aspirin_secondary",
    "aspirin_combination",
    "nsaid_generic_rule",
    "ibuprofen",
    "diclofenac",
    "ketorolac",
    "etodolac",
    "indomethacin",
    "naproxen",
    "meloxicam",
    "nabumetone",
    "oxaprozin",
    "piroxicam",
    "celecoxib",
    "cilostazol",
    "dipyridamole",
    "clopidogrel",
    "prasugrel",
    "ticagrelor",
    "abciximab",
    "eptifibatide",
    "tirofiban",
    "warfarin",
    "acenocoumarol",
    "dabigatran",
    "rivaroxaban",
    "apixaban",
    "edoxaban",
    "heparin_iv",
    "heparin_sc_bid_tid",
    "enoxaparin_prophylactic",
    "enoxaparin_therapeutic",
    "dalteparin",
    "fondaparinux",
    "ssri_snri",
    "herbal_supplements",
)

# REFERENCE.md §1e `always_require_prescriber_clearance_for`.
REFERENCE_CLEARANCE_IDS = frozenset(
    {
        "aspirin_secondary",
        "clopidogrel",
        "prasugrel",
        "ticagrelor",
        "warfarin",
        "acenocoumarol",
        "dabigatran",
        "rivaroxaban",
        "apixaban",
        "edoxaban",
        "enoxaparin_therapeutic",
        "dalteparin",
        "fondaparinux",
    }
)

# REFERENCE.md §0: the source ids that exist.
REFERENCE_SOURCE_IDS = frozenset(f"S{n}" for n in range(1, 37))


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / "resources" / name).read_text(encoding="utf-8"))


def test_hold_table_parses_with_unique_ids() -> None:
    raw = _load("hold_table.toml")
    ids = [row["id"] for row in raw["drug"]]
    assert len(ids) == len(set(ids))
    table = parse_hold_table(raw)
    assert [rule.id for rule in table.rules] == ids
    assert table.procedure == "MILD"
    assert table.risk_category == "high"


def test_every_reference_row_is_present_and_nothing_else() -> None:
    table = parse_hold_table(_load("hold_table.toml"))
    assert sorted(rule.id for rule in table.rules) == sorted(REFERENCE_IDS)


def test_every_cited_source_is_in_the_source_key() -> None:
    raw = _load("hold_table.toml")
    table = parse_hold_table(raw)
    assert set(table.sources) <= REFERENCE_SOURCE_IDS
    for rule in table.rules:
        assert set(rule.sources) <= set(table.sources), rule.id


def test_clearance_list_matches_reference_and_no_row_is_no_hold() -> None:
    raw = _load("hold_table.toml")
    assert set(raw["meta"]["always_require_prescriber_clearance_for"]) == REFERENCE_CLEARANCE_IDS
    table = parse_hold_table(raw)
    for rule in table.rules:
        if rule.id in REFERENCE_CLEARANCE_IDS or not rule.fixed_hold:
            assert rule.clearance_required, rule.id
        assert rule.status in {"VERIFIED", "PARTIAL", "UNVERIFIED"}
        assert rule.hold_text.strip()
        assert rule.restart_text.strip()


def test_rows_without_a_number_in_reference_have_no_fixed_hold() -> None:
    table = parse_hold_table(_load("hold_table.toml"))
    no_number = {
        "aspirin_secondary",
        "nsaid_generic_rule",
        "celecoxib",
        "abciximab",
        "eptifibatide",
        "tirofiban",
        "ssri_snri",
        "herbal_supplements",
    }
    assert {rule.id for rule in table.rules if not rule.fixed_hold} == no_number


def test_unverified_rows_are_labelled_as_reference_labels_them() -> None:
    table = parse_hold_table(_load("hold_table.toml"))
    unverified = {r.id for r in table.rules if r.status == "UNVERIFIED"}
    assert unverified == {
        "celecoxib",
        "abciximab",
        "eptifibatide",
        "tirofiban",
        "ssri_snri",
        "herbal_supplements",
    }
    partial = {r.id for r in table.rules if r.status == "PARTIAL"}
    assert partial == {
        "clopidogrel",
        "prasugrel",
        "ticagrelor",
        "dabigatran",
        "rivaroxaban",
        "apixaban",
        "edoxaban",
        "fondaparinux",
    }
    restart_unverified = {r.id for r in table.rules if r.restart_status == "UNVERIFIED"}
    assert restart_unverified == {"dipyridamole", "clopidogrel", "prasugrel", "ticagrelor"}


def test_ssri_and_supplement_names_are_matchable() -> None:
    table = parse_hold_table(_load("hold_table.toml"))
    ssri = table.get("ssri_snri")
    assert set(ssri.generic_names) >= {
        "sertraline",
        "fluoxetine",
        "escitalopram",
        "citalopram",
        "paroxetine",
        "duloxetine",
        "venlafaxine",
        "desvenlafaxine",
    }
    herbal = table.get("herbal_supplements")
    assert set(herbal.generic_names) >= {
        "fish oil",
        "omega-3",
        "garlic",
        "ginkgo",
        "vitamin e",
        "ginseng",
        "turmeric",
    }


def test_procedure_profile_parses_with_the_reference_defaults() -> None:
    raw = _load("procedure_profile.toml")
    profile = parse_profile(raw)
    assert profile.solids_fast_hours == 6
    assert profile.clear_liquids_fast_hours == 2
    assert profile.imaging_max_months == 12
    assert profile.lf_min_mm == 2.5
    assert profile.inr_max == 1.2
    assert profile.arrival_lead_minutes == 30
    assert profile.escort_required is True
    assert profile.driver_due_days_before == 1
    assert {"inr_max", "driver_due_days_before"} <= profile.unverified
    # The scheduling settings live in the same file.
    assert raw["case_minutes"] == 60
    assert raw["turnover_minutes"] == 15
    assert raw["daily_case_cap"] == 0


def test_checklist_parses_with_the_items_the_rules_need() -> None:
    items = parse_checklist(_load("checklist.toml"))
    keys = [item.key for item in items]
    assert len(keys) == len(set(keys))
    assert set(keys) >= RULE_KEYS
    assert {item.phase for item in items} == set(PHASES)
    assert {item.condition for item in items if item.condition} == CONDITIONS
    phases = [PHASES.index(item.phase) for item in items]
    assert phases == sorted(phases), "items are grouped in phase order"
    by_key = {item.key: item for item in items}
    assert by_key["inr_today"].condition == "warfarin"
    assert by_key["glucose"].condition == "diabetic"
    assert by_key["pregnancy"].condition == "pregnancy_possible"
    for key in ("identity", "consent", "h_and_p", "imaging_displayed", "allergies", "npo"):
        assert by_key[key].required
    for key in ("hold_confirmed", "driver_present", "vitals", "iv_access", "site_marked"):
        assert by_key[key].required
    for key in ("time_out", "sign_out"):
        assert by_key[key].required


@pytest.mark.parametrize("name", ["hold_table.toml", "procedure_profile.toml", "checklist.toml"])
def test_files_are_utf8_toml(name: str) -> None:
    assert isinstance(_load(name), dict)
