"""Day-of checklist template: parsing, required items under conditions, latest tick per item."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from mild_desk.models.enums import ChecklistState
from mild_desk.rules.permissions import PERMISSIONS

PHASES: tuple[str, ...] = ("pre-op", "sign-in", "time-out", "sign-out")
"""Checklist phases in the order they happen on the day."""

# Who may tick an item: roles with the checklist.tick permission (a template cannot widen it).
ROLES: frozenset[str] = frozenset(role.value for role in PERMISSIONS["checklist.tick"])
"""Roles that may be named as able to tick an item."""

CONDITIONS: frozenset[str] = frozenset({"warfarin", "diabetic", "pregnancy_possible"})
"""Patient conditions an item may depend on; see `required_items`."""

KEY_NPO = "npo"
KEY_HOLD_CONFIRMED = "hold_confirmed"
KEY_INR_TODAY = "inr_today"
KEY_DRIVER_PRESENT = "driver_present"
RULE_KEYS: frozenset[str] = frozenset(
    {KEY_NPO, KEY_HOLD_CONFIRMED, KEY_INR_TODAY, KEY_DRIVER_PRESENT}
)
"""Item keys that the prep rules read; the template must contain every one."""

DONE_STATES: frozenset[ChecklistState] = frozenset(
    {ChecklistState.CONFIRMED, ChecklistState.NOT_APPLICABLE}
)
"""States that count as done for readiness."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One line of the day-of checklist template."""

    key: str
    phase: str
    label: str
    required: bool
    roles: frozenset[str]
    condition: str | None
    source: str


def parse_checklist(data: Mapping[str, object]) -> tuple[ChecklistItem, ...]:
    """Build the template from the parsed checklist.toml; raises ValueError on any problem."""
    raw_items = data.get("item")
    if not isinstance(raw_items, list) or not raw_items:
        raise ValueError("checklist: expected a non-empty [[item]] array")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        item = _parse_item(raw, index)
        if item.key in seen:
            raise ValueError(f"checklist: item '{item.key}': duplicate key")
        seen.add(item.key)
        items.append(item)
    missing = RULE_KEYS - seen
    if missing:
        raise ValueError(f"checklist: missing items the rules need: {sorted(missing)}")
    return tuple(items)


def required_items(
    items: Iterable[ChecklistItem], conditions: Iterable[str]
) -> list[ChecklistItem]:
    """Items that must be done: required, and either unconditional or their condition holds."""
    present = frozenset(conditions)
    return [
        item
        for item in items
        if item.required and (item.condition is None or item.condition in present)
    ]


def latest_states(
    events: Iterable[tuple[str, ChecklistState, datetime]],
) -> dict[str, ChecklistState]:
    """Latest state per item key; a change of mind is a new event (ties: the later event wins)."""
    latest: dict[str, tuple[datetime, ChecklistState]] = {}
    for key, state, at in events:
        moment = at.astimezone(UTC)  # compare instants, not wall clocks
        previous = latest.get(key)
        if previous is None or moment >= previous[0]:
            latest[key] = (moment, state)
    return {key: state for key, (_, state) in latest.items()}


def missing_items(
    items: Sequence[ChecklistItem],
    conditions: Iterable[str],
    states: Mapping[str, ChecklistState],
) -> tuple[str, ...]:
    """Keys of required items (in template order) not yet confirmed or marked not applicable."""
    return tuple(
        item.key
        for item in required_items(items, conditions)
        if states.get(item.key) not in DONE_STATES
    )


_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = frozenset({"key", "phase", "label", "required", "roles", "condition", "source"})


def _parse_item(raw: object, index: int) -> ChecklistItem:
    if not isinstance(raw, Mapping):
        raise ValueError(f"checklist: item #{index + 1}: expected a table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise ValueError(f"checklist: item #{index + 1}: key must be snake_case text")

    def fail(problem: str) -> ValueError:
        return ValueError(f"checklist: item '{key}': {problem}")

    unknown = set(raw) - _FIELDS
    if unknown:
        raise fail(f"unknown fields {sorted(unknown)}")
    phase = raw.get("phase")
    if phase not in PHASES:
        raise fail(f"phase must be one of {list(PHASES)}, not {phase!r}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise fail("label must be non-empty text")
    required = raw.get("required")
    if not isinstance(required, bool):
        raise fail("required must be true or false")
    roles = raw.get("roles")
    if (
        not isinstance(roles, list)
        or not roles
        or not all(isinstance(role, str) and role in ROLES for role in roles)
    ):
        raise fail(f"roles must be a non-empty list among {sorted(ROLES)}")
    condition = raw.get("condition")
    if condition is not None and condition not in CONDITIONS:
        raise fail(f"condition must be one of {sorted(CONDITIONS)}, not {condition!r}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise fail("source must be non-empty text")
    return ChecklistItem(
        key=key,
        phase=str(phase),
        label=label.strip(),
        required=required,
        roles=frozenset(str(role) for role in roles),
        condition=None if condition is None else str(condition),
        source=source,
    )
