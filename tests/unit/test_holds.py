"""Hold table: every fixed hold to the minute, name matching, dabigatran renal hold, validation."""

import copy
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mild_desk.models.enums import Indication, LabTest
from mild_desk.rules.holds import (
    HoldTable,
    hold_hours_for,
    last_allowed_dose,
    normalize_drug_name,
    parse_hold_table,
    restart_at,
)

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
# Procedure 2026-12-03 09:00-10:00 New York (EST, UTC-5; no DST change within 10 days).
START = datetime(2026, 12, 3, 9, 0, tzinfo=NY)
END = datetime(2026, 12, 3, 10, 0, tzinfo=NY)


def _raw() -> dict[str, Any]:
    return tomllib.loads((ROOT / "resources" / "hold_table.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def table() -> HoldTable:
    return parse_hold_table(_raw())


def _ny(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=NY)


# id: (hold hours, last allowed dose, earliest restart), all New York local time, derived by
# hand from REFERENCE.md §1c/§1e (e.g. 7 days before Thu 3 Dec 09:00 is Thu 26 Nov 09:00;
# 12 h restart after 10:00 is 22:00). Dabigatran with a normal CrCl (80).
FIXED_HOLDS: dict[str, tuple[int, str, str]] = {
    "aspirin_primary": (144, "2026-11-27 09:00", "2026-12-04 10:00"),
    "aspirin_combination": (144, "2026-11-27 09:00", "2026-12-04 10:00"),
    "ibuprofen": (24, "2026-12-02 09:00", "2026-12-04 10:00"),
    "diclofenac": (24, "2026-12-02 09:00", "2026-12-04 10:00"),
    "ketorolac": (24, "2026-12-02 09:00", "2026-12-04 10:00"),
    "etodolac": (48, "2026-12-01 09:00", "2026-12-04 10:00"),
    "indomethacin": (48, "2026-12-01 09:00", "2026-12-04 10:00"),
    "naproxen": (96, "2026-11-29 09:00", "2026-12-04 10:00"),
    "meloxicam": (96, "2026-11-29 09:00", "2026-12-04 10:00"),
    "nabumetone": (144, "2026-11-27 09:00", "2026-12-04 10:00"),
    "oxaprozin": (240, "2026-11-23 09:00", "2026-12-04 10:00"),
    "piroxicam": (240, "2026-11-23 09:00", "2026-12-04 10:00"),
    "cilostazol": (48, "2026-12-01 09:00", "2026-12-04 10:00"),
    "dipyridamole": (48, "2026-12-01 09:00", "2026-12-04 10:00"),
    "clopidogrel": (168, "2026-11-26 09:00", "2026-12-04 10:00"),
    "prasugrel": (168, "2026-11-26 09:00", "2026-12-04 10:00"),
    "ticagrelor": (120, "2026-11-28 09:00", "2026-12-04 10:00"),
    "warfarin": (120, "2026-11-28 09:00", "2026-12-03 16:00"),
    "acenocoumarol": (72, "2026-11-30 09:00", "2026-12-04 10:00"),
    "dabigatran": (96, "2026-11-29 09:00", "2026-12-04 10:00"),
    "rivaroxaban": (72, "2026-11-30 09:00", "2026-12-04 10:00"),
    "apixaban": (72, "2026-11-30 09:00", "2026-12-04 10:00"),
    "edoxaban": (72, "2026-11-30 09:00", "2026-12-04 10:00"),
    "heparin_iv": (6, "2026-12-03 03:00", "2026-12-03 12:00"),
    "heparin_sc_bid_tid": (24, "2026-12-02 09:00", "2026-12-03 16:00"),
    "enoxaparin_prophylactic": (12, "2026-12-02 21:00", "2026-12-03 22:00"),
    "enoxaparin_therapeutic": (24, "2026-12-02 09:00", "2026-12-03 22:00"),
    "dalteparin": (24, "2026-12-02 09:00", "2026-12-03 22:00"),
    "fondaparinux": (96, "2026-11-29 09:00", "2026-12-04 10:00"),
}


def test_every_fixed_hold_row_is_covered(table: HoldTable) -> None:
    assert {rule.id for rule in table.rules if rule.fixed_hold} == set(FIXED_HOLDS)


@pytest.mark.parametrize(("rule_id", "expected"), FIXED_HOLDS.items())
def test_last_allowed_dose_and_restart_to_the_minute(
    table: HoldTable, rule_id: str, expected: tuple[int, str, str]
) -> None:
    hours, last_dose, restart = expected
    rule = table.get(rule_id)
    got_hours = hold_hours_for(rule, 80.0)
    assert got_hours == hours
    assert rule.restart_hours is not None
    got_last = last_allowed_dose(START, hours)
    got_restart = restart_at(END, rule.restart_hours)
    assert got_last == _ny(last_dose)
    assert got_restart == _ny(restart)
    assert got_last.astimezone(NY).strftime("%Y-%m-%d %H:%M") == last_dose
    assert got_restart.astimezone(NY).strftime("%Y-%m-%d %H:%M") == restart


def test_rows_without_fixed_hold_give_none(table: HoldTable) -> None:
    for rule in table.rules:
        if not rule.fixed_hold:
            assert hold_hours_for(rule, None) is None
            assert hold_hours_for(rule, 90.0) is None


@pytest.mark.parametrize(("crcl", "hours"), [(40.0, 144), (80.0, 96), (None, 144), (50.0, 96)])
def test_dabigatran_renal_hold(table: HoldTable, crcl: float | None, hours: int) -> None:
    rule = table.get("dabigatran")
    assert rule.needs_lab is LabTest.CRCL
    assert hold_hours_for(rule, crcl) == hours


def test_hold_arithmetic_uses_absolute_hours_across_the_autumn_dst_change() -> None:
    # DST ended Sun 1 Nov 2026 in New York: 144 h before Tue 3 Nov 09:00 EST (14:00 UTC) is
    # Wed 28 Oct 14:00 UTC = 10:00 EDT (the wall clock shows one hour later).
    start = datetime(2026, 11, 3, 9, 0, tzinfo=NY)
    got = last_allowed_dose(start, 144)
    assert got == datetime(2026, 10, 28, 14, 0, tzinfo=UTC)
    assert got.tzinfo is UTC
    assert got.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") == "2026-10-28 10:00 EDT"
    back = restart_at(datetime(2026, 10, 31, 22, 0, tzinfo=NY), 6)  # 02:00 UTC + 6 h
    assert back.astimezone(NY).strftime("%Y-%m-%d %H:%M %Z") == "2026-11-01 03:00 EST"


def test_hold_arithmetic_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        last_allowed_dose(datetime(2026, 12, 3, 9, 0), 24)
    with pytest.raises(ValueError, match="timezone-aware"):
        restart_at(datetime(2026, 12, 3, 10, 0), 24)


@pytest.mark.parametrize(
    ("typed", "rule_id"),
    [
        ("clopidogrel", "clopidogrel"),
        ("CLOPIDOGREL", "clopidogrel"),
        ("  Clopidogrel  ", "clopidogrel"),
        ("Plavix", "clopidogrel"),
        ("Plavix 75 mg", "clopidogrel"),
        ("plavix 75mg tablet", "clopidogrel"),
        ("naproxen sodium 220mg tablet", "naproxen"),
        ("Aleve", "naproxen"),
        ("Eliquis 5 mg twice daily", "apixaban"),
        ("Coumadin (warfarin) 5 mg", "warfarin"),
        ("Xarelto", "rivaroxaban"),
        ("fish   oil 1000 mg", "herbal_supplements"),
        ("Vitamin E 400 IU", "herbal_supplements"),
        ("Zoloft 50 mg", "ssri_snri"),
        ("duloxetine", "ssri_snri"),
        ("Celebrex", "celecoxib"),
        ("Aggrenox", "aspirin_combination"),
        ("aspirin/dipyridamole", "aspirin_combination"),
        ("aspirin dipyridamole ER", "aspirin_combination"),
        ("Persantine", "dipyridamole"),
        ("enoxaparin prophylactic 40 mg", "enoxaparin_prophylactic"),
        ("heparin infusion", "heparin_iv"),
        ("heparin sc 5000 units", "heparin_sc_bid_tid"),
    ],
)
def test_match_names_brands_and_strengths(table: HoldTable, typed: str, rule_id: str) -> None:
    rule = table.match(typed)
    assert rule is not None
    assert rule.id == rule_id


@pytest.mark.parametrize(
    "typed", ["lisinopril", "metformin 500 mg", "", "   ", "75 mg", "vitamin d"]
)
def test_unknown_names_match_nothing(table: HoldTable, typed: str) -> None:
    assert table.match(typed) is None


@pytest.mark.parametrize(
    ("typed", "indication", "rule_id"),
    [
        ("aspirin", Indication.PRIMARY, "aspirin_primary"),
        ("Aspirin 81 mg", Indication.PRIMARY, "aspirin_primary"),
        ("Bayer", Indication.PRIMARY, "aspirin_primary"),
        ("aspirin", Indication.SECONDARY, "aspirin_secondary"),
        ("ASA 81mg", Indication.SECONDARY, "aspirin_secondary"),
        ("Ecotrin", Indication.SECONDARY, "aspirin_secondary"),
        # No indication recorded: the safe row (no fixed hold, clearance required).
        ("aspirin", None, "aspirin_secondary"),
        ("baby aspirin", None, "aspirin_secondary"),
        # Indication is irrelevant to other drugs.
        ("Plavix", Indication.PRIMARY, "clopidogrel"),
        ("Aggrenox", Indication.PRIMARY, "aspirin_combination"),
    ],
)
def test_aspirin_by_indication(
    table: HoldTable, typed: str, indication: Indication | None, rule_id: str
) -> None:
    rule = table.match(typed, indication)
    assert rule is not None
    assert rule.id == rule_id


@pytest.mark.parametrize(
    ("typed", "rule_id"),
    [("heparin", "heparin_sc_bid_tid"), ("Lovenox 40 mg", "enoxaparin_therapeutic")],
)
def test_ambiguous_names_pick_the_conservative_row(
    table: HoldTable, typed: str, rule_id: str
) -> None:
    rule = table.match(typed)
    assert rule is not None
    assert rule.id == rule_id


def test_aspirin_secondary_needs_clearance_and_has_no_fixed_hold(table: HoldTable) -> None:
    rule = table.get("aspirin_secondary")
    assert rule.clearance_required
    assert not rule.fixed_hold
    assert rule.restart_hours == 24


def test_get_unknown_id_raises(table: HoldTable) -> None:
    with pytest.raises(KeyError):
        table.get("no_such_drug")


def test_normalize_drug_name() -> None:
    assert normalize_drug_name("  Plavix®  75   MG, daily ") == "plavix 75 mg daily"


def _row(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(row for row in data["drug"] if row["id"] == rule_id)


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(_raw())
    if change == "duplicate id":
        data["drug"].append(copy.deepcopy(_row(data, "ibuprofen")))
    elif change == "unknown source":
        _row(data, "ibuprofen")["sources"] = ["S99"]
    elif change == "max below hold":
        _row(data, "prasugrel")["hold_hours_max"] = 100
    elif change == "no hold without clearance":
        _row(data, "celecoxib")["clearance_required"] = False
    elif change == "listed clearance false":
        _row(data, "warfarin")["clearance_required"] = False
    elif change == "missing hold_text":
        del _row(data, "naproxen")["hold_text"]
    elif change == "bad status":
        _row(data, "naproxen")["status"] = "MAYBE"
    elif change == "hours as text":
        _row(data, "naproxen")["hold_hours"] = "96"
    elif change == "unknown field":
        _row(data, "naproxen")["hold_hour"] = 96
    elif change == "upper-case generic":
        _row(data, "naproxen")["generic_names"] = ["Naproxen"]
    elif change == "bad lab":
        _row(data, "warfarin")["needs_lab"] = "PT"
    elif change == "name in two classes":
        _row(data, "naproxen")["brands"] = ["Plavix"]
    elif change == "renal without cut-off":
        del _row(data, "dabigatran")["renal_crcl_below"]
    elif change == "no sources table":
        del data["meta"]["sources"]
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate id", "drug 'ibuprofen': duplicate id"),
        ("unknown source", "drug 'ibuprofen': source 'S99'"),
        ("max below hold", "drug 'prasugrel': hold_hours_max"),
        ("no hold without clearance", "drug 'celecoxib': a row without hold_hours"),
        ("listed clearance false", "drug 'warfarin': clearance_required must be true"),
        ("missing hold_text", "drug 'naproxen': hold_text"),
        ("bad status", "drug 'naproxen': status"),
        ("hours as text", "drug 'naproxen': hold_hours"),
        ("unknown field", "drug 'naproxen': unknown fields"),
        ("upper-case generic", "drug 'naproxen': generic name"),
        ("bad lab", "drug 'warfarin': needs_lab"),
        ("name in two classes", "name 'plavix' is also on"),
        ("renal without cut-off", "drug 'dabigatran': hold_hours_renal"),
        ("no sources table", "meta"),
    ],
)
def test_parse_refuses_bad_data(change: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^hold_table: ") as info:
        parse_hold_table(_broken(change))
    assert message in str(info.value)
