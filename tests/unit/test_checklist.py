"""Day-of checklist template: parsing, conditions, and the latest tick per item."""

import copy
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mild_desk.models.enums import ChecklistState
from mild_desk.rules.checklist import (
    PHASES,
    ChecklistItem,
    latest_states,
    missing_items,
    parse_checklist,
    required_items,
)

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
T0 = datetime(2026, 12, 3, 7, 0, tzinfo=NY)


def _raw() -> dict[str, Any]:
    return tomllib.loads((ROOT / "resources" / "checklist.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items() -> tuple[ChecklistItem, ...]:
    return parse_checklist(_raw())


def test_parse_gives_typed_items(items: tuple[ChecklistItem, ...]) -> None:
    npo = next(item for item in items if item.key == "npo")
    assert npo.phase == "pre-op"
    assert npo.required
    assert npo.roles == frozenset({"nurse"})
    assert npo.condition is None
    assert npo.source
    assert PHASES == ("pre-op", "sign-in", "time-out", "sign-out")


def test_required_items_follow_conditions(items: tuple[ChecklistItem, ...]) -> None:
    plain = {item.key for item in required_items(items, frozenset())}
    assert "inr_today" not in plain
    assert "glucose" not in plain
    assert "pregnancy" not in plain
    assert "gown_valuables" not in plain  # shown but never required
    assert {"identity", "npo", "hold_confirmed", "driver_present", "time_out"} <= plain
    warfarin = {item.key for item in required_items(items, {"warfarin"})}
    assert warfarin - plain == {"inr_today"}
    everything = {item.key for item in required_items(items, ["warfarin", "diabetic"])}
    assert everything - plain == {"inr_today", "glucose"}


def test_missing_items_counts_confirmed_and_not_applicable_as_done(
    items: tuple[ChecklistItem, ...],
) -> None:
    required = [item.key for item in required_items(items, frozenset())]
    states = dict.fromkeys(required, ChecklistState.CONFIRMED)
    states["identity"] = ChecklistState.NOT_APPLICABLE
    assert missing_items(items, frozenset(), states) == ()
    states["npo"] = ChecklistState.NOT_DONE
    assert missing_items(items, frozenset(), states) == ("npo",)
    assert missing_items(items, {"warfarin"}, states) == ("inr_today", "npo")


def test_latest_states_change_of_mind() -> None:
    events = [
        ("npo", ChecklistState.CONFIRMED, T0),
        ("vitals", ChecklistState.CONFIRMED, T0),
        ("npo", ChecklistState.NOT_DONE, T0 + timedelta(minutes=5)),
        # Out of order in the input: the later time still wins.
        ("vitals", ChecklistState.NOT_DONE, T0 - timedelta(minutes=5)),
        ("identity", ChecklistState.NOT_DONE, T0),
        ("identity", ChecklistState.CONFIRMED, T0),  # same instant: the later event wins
    ]
    assert latest_states(events) == {
        "npo": ChecklistState.NOT_DONE,
        "vitals": ChecklistState.CONFIRMED,
        "identity": ChecklistState.CONFIRMED,
    }
    assert latest_states([]) == {}


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(_raw())
    first = data["item"][0]
    if change == "duplicate":
        data["item"].append(copy.deepcopy(first))
    elif change == "phase":
        first["phase"] = "recovery"
    elif change == "role":
        first["roles"] = ["scheduler"]
    elif change == "admin":  # admins may not tick the checklist (rules/permissions.py)
        first["roles"] = ["nurse", "admin"]
    elif change == "no roles":
        first["roles"] = []
    elif change == "condition":
        first["condition"] = "smoker"
    elif change == "key":
        first["key"] = "Two IDs"
    elif change == "required":
        first["required"] = "yes"
    elif change == "unknown field":
        first["colour"] = "red"
    elif change == "rule item missing":
        data["item"] = [item for item in data["item"] if item["key"] != "npo"]
    elif change == "empty":
        data["item"] = []
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("duplicate", "duplicate key"),
        ("phase", "phase must be one of"),
        ("role", "roles must be"),
        ("admin", "roles must be"),
        ("no roles", "roles must be"),
        ("condition", "condition must be one of"),
        ("key", "key must be snake_case"),
        ("required", "required must be"),
        ("unknown field", "unknown fields"),
        ("rule item missing", "missing items the rules need"),
        ("empty", "non-empty"),
    ],
)
def test_parse_refuses_bad_templates(change: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^checklist: ") as info:
        parse_checklist(_broken(change))
    assert message in str(info.value)
