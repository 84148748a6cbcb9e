"""Blood-thinner hold table: parsing, matching a typed drug name, and hold/restart arithmetic."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from mild_desk.models.enums import Indication, LabTest

STATUSES: frozenset[str] = frozenset({"VERIFIED", "PARTIAL", "UNVERIFIED"})
"""How well a row was checked (REFERENCE.md, top)."""


@dataclass(frozen=True, slots=True)
class HoldRule:
    """One row of the hold table (high-risk column). Hours are absolute hours."""

    id: str
    drug_class: str
    generic_names: tuple[str, ...]
    brands: tuple[str, ...]
    indication: Indication | None
    hold_hours: int | None
    hold_hours_max: int | None
    hold_hours_renal: int | None
    renal_crcl_below: float | None
    restart_hours: int | None
    restart_hours_max: int | None
    needs_lab: LabTest | None
    clearance_required: bool
    hold_text: str
    restart_text: str
    status: str
    sources: tuple[str, ...]
    note: str
    restart_status: str | None = None

    @property
    def fixed_hold(self) -> bool:
        """True when the row has a fixed number of hours (otherwise: clearance only)."""
        return self.hold_hours is not None


@dataclass(frozen=True, slots=True)
class HoldTable:
    """All rows plus the source key (S# -> short title)."""

    rules: tuple[HoldRule, ...]
    sources: Mapping[str, str]
    procedure: str = ""
    risk_category: str = ""
    guideline: str = ""
    _index: Mapping[str, tuple[HoldRule, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        index: dict[str, list[HoldRule]] = {}
        for rule in self.rules:
            for name in _rule_names(rule):
                bucket = index.setdefault(name, [])
                if rule not in bucket:
                    bucket.append(rule)
        object.__setattr__(
            self, "_index", MappingProxyType({k: tuple(v) for k, v in index.items()})
        )

    def get(self, rule_id: str) -> HoldRule:
        """The row with this id; KeyError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def match(self, drug_name: str, indication: Indication | None = None) -> HoldRule | None:
        """Row for a typed medication name, or None when unknown (flag for clinician review).

        Case-insensitive and whitespace-normalised; an exact generic or brand name, also
        followed by a strength or form ("Plavix 75 mg", "naproxen sodium 220mg tablet"): the
        longest leading word sequence that is a known name wins. When a name belongs to
        several rows (aspirin, heparin, enoxaparin), the row whose indication equals
        `indication` wins; otherwise the most conservative row: one that needs prescriber
        clearance first, then the longest hold. So aspirin with no recorded indication is
        aspirin_secondary (clearance required), never the 6-day primary-prevention row.
        """
        words = normalize_drug_name(drug_name).split(" ")
        for length in range(len(words), 0, -1):
            candidates = self._index.get(" ".join(words[:length]))
            if candidates:
                return _choose(candidates, indication)
        return None


def parse_hold_table(data: Mapping[str, object]) -> HoldTable:
    """Build and validate the table from parsed hold_table.toml; raises ValueError on problems."""
    meta = data.get("meta")
    if not isinstance(meta, Mapping):
        raise ValueError("hold_table: meta: missing [meta] table")
    raw_sources = meta.get("sources")
    if not isinstance(raw_sources, Mapping) or not raw_sources:
        raise ValueError("hold_table: meta: missing [meta.sources] table")
    sources: dict[str, str] = {}
    for source_id, title in raw_sources.items():
        if not isinstance(title, str) or not title.strip():
            raise ValueError(f"hold_table: meta: source {source_id!r} needs a title")
        sources[str(source_id)] = title
    procedure = _meta_text(meta, "procedure")
    risk_category = _meta_text(meta, "asra_risk_category")
    guideline = _meta_text(meta, "guideline")

    raw_rows = data.get("drug")
    if not isinstance(raw_rows, list) or not raw_rows:
        raise ValueError("hold_table: expected a non-empty [[drug]] array")
    rules: list[HoldRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rows):
        rule = _parse_rule(raw, index, sources)
        if rule.id in seen:
            raise ValueError(f"hold_table: drug '{rule.id}': duplicate id")
        seen.add(rule.id)
        rules.append(rule)

    clearance_ids = meta.get("always_require_prescriber_clearance_for", [])
    if not isinstance(clearance_ids, list):
        raise ValueError("hold_table: meta: always_require_prescriber_clearance_for must be a list")
    by_id = {rule.id: rule for rule in rules}
    for rule_id in clearance_ids:
        if rule_id not in by_id:
            raise ValueError(f"hold_table: drug '{rule_id}': listed for clearance but not defined")
        if not by_id[rule_id].clearance_required:
            raise ValueError(
                f"hold_table: drug '{rule_id}': clearance_required must be true "
                "(meta.always_require_prescriber_clearance_for)"
            )
    _check_shared_names(rules)
    return HoldTable(
        rules=tuple(rules),
        sources=MappingProxyType(sources),
        procedure=procedure,
        risk_category=risk_category,
        guideline=guideline,
    )


def hold_hours_for(rule: HoldRule, crcl: float | None) -> int | None:
    """Hours to hold before the start; the renal value when CrCl is unknown or below the cut."""
    if rule.hold_hours is None:
        return None
    if rule.hold_hours_renal is not None and (
        crcl is None or rule.renal_crcl_below is None or crcl < rule.renal_crcl_below
    ):
        return rule.hold_hours_renal
    return rule.hold_hours


def last_allowed_dose(start: datetime, hold_hours: int) -> datetime:
    """Latest dose that still completes the hold: start - hold in absolute hours, as UTC."""
    return _shift(start, -hold_hours)


def restart_at(end: datetime, restart_hours: int) -> datetime:
    """Earliest restart: end + restart in absolute hours, as UTC."""
    return _shift(end, restart_hours)


def normalize_drug_name(name: str) -> str:
    """Lower-case, punctuation-light, single-spaced form used for matching and clearances."""
    cleaned = _PUNCTUATION.sub(" ", name.casefold())
    return " ".join(cleaned.split())


_PUNCTUATION = re.compile(r"[,;:()\[\]{}\"'®™*]")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_INT_FIELDS = (
    "hold_hours",
    "hold_hours_max",
    "hold_hours_renal",
    "restart_hours",
    "restart_hours_max",
)
_FIELDS = frozenset(
    {
        "id",
        "drug_class",
        "generic_names",
        "brands",
        "indication",
        *_INT_FIELDS,
        "renal_crcl_below",
        "needs_lab",
        "clearance_required",
        "hold_text",
        "restart_text",
        "status",
        "restart_status",
        "sources",
        "note",
    }
)


def _shift(moment: datetime, hours: int) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("hold arithmetic needs a timezone-aware datetime")
    # In UTC: arithmetic on a ZoneInfo datetime is wall-clock arithmetic (wrong across DST),
    # and a fold=1 local time never compares equal to another zone's (PEP 495).
    return moment.astimezone(UTC) + timedelta(hours=hours)


def _rule_names(rule: HoldRule) -> list[str]:
    return [normalize_drug_name(name) for name in (*rule.generic_names, *rule.brands)]


def _conservatism(rule: HoldRule) -> tuple[bool, int]:
    longest = max(
        (h for h in (rule.hold_hours, rule.hold_hours_max, rule.hold_hours_renal) if h), default=0
    )
    return (rule.clearance_required or not rule.fixed_hold, longest)


def _choose(candidates: tuple[HoldRule, ...], indication: Indication | None) -> HoldRule:
    if indication is not None:
        for rule in candidates:
            if rule.indication == indication:
                return rule
    best = candidates[0]
    for rule in candidates[1:]:
        if _conservatism(rule) > _conservatism(best):
            best = rule
    return best


def _meta_text(meta: Mapping[str, object], key: str) -> str:
    value = meta.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"hold_table: meta: {key} must be text")
    return value


def _parse_rule(raw: object, index: int, sources: Mapping[str, str]) -> HoldRule:
    if not isinstance(raw, Mapping):
        raise ValueError(f"hold_table: drug #{index + 1}: expected a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID_RE.match(rule_id):
        raise ValueError(f"hold_table: drug #{index + 1}: id must be snake_case text")

    def fail(problem: str) -> ValueError:
        return ValueError(f"hold_table: drug '{rule_id}': {problem}")

    unknown = set(raw) - _FIELDS
    if unknown:
        raise fail(f"unknown fields {sorted(unknown)}")

    def text(key: str, *, required: bool = True) -> str:
        value = raw.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise fail(f"{key} must be non-empty text")
        return value

    def text_list(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise fail(f"{key} must be a list of non-empty text")
        return tuple(value)

    ints: dict[str, int | None] = {}
    for key in _INT_FIELDS:
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise fail(f"{key} must be a whole number of hours")
        if value is not None and value <= 0:
            raise fail(f"{key} must be positive")
        ints[key] = value

    drug_class = text("drug_class")
    generic_names = text_list("generic_names")
    if not generic_names:
        raise fail("generic_names must not be empty")
    for name in generic_names:
        if normalize_drug_name(name) != name:
            raise fail(f"generic name {name!r} must be lower case and single-spaced")
    brands = text_list("brands")

    indication_raw = raw.get("indication")
    try:
        indication = None if indication_raw is None else Indication(str(indication_raw))
    except ValueError:
        raise fail(f"indication must be one of {[i.value for i in Indication]}") from None
    needs_lab_raw = raw.get("needs_lab")
    try:
        needs_lab = None if needs_lab_raw is None else LabTest(str(needs_lab_raw))
    except ValueError:
        raise fail(f"needs_lab must be one of {[t.value for t in LabTest]}") from None

    crcl_raw = raw.get("renal_crcl_below")
    if crcl_raw is not None and (
        isinstance(crcl_raw, bool) or not isinstance(crcl_raw, int | float) or crcl_raw <= 0
    ):
        raise fail("renal_crcl_below must be a positive number")
    renal_crcl_below = None if crcl_raw is None else float(crcl_raw)

    hold, hold_max = ints["hold_hours"], ints["hold_hours_max"]
    hold_renal = ints["hold_hours_renal"]
    restart, restart_max = ints["restart_hours"], ints["restart_hours_max"]
    if hold is None and (hold_max is not None or hold_renal is not None):
        raise fail("hold_hours_max / hold_hours_renal need hold_hours")
    if hold is not None and hold_max is not None and hold_max < hold:
        raise fail("hold_hours_max must be >= hold_hours")
    if hold is not None and hold_renal is not None and hold_renal < hold:
        raise fail("hold_hours_renal must be >= hold_hours")
    if (hold_renal is None) != (renal_crcl_below is None):
        raise fail("hold_hours_renal and renal_crcl_below go together")
    if restart is None and restart_max is not None:
        raise fail("restart_hours_max needs restart_hours")
    if restart is not None and restart_max is not None and restart_max < restart:
        raise fail("restart_hours_max must be >= restart_hours")

    clearance_raw = raw.get("clearance_required", hold is None)
    if not isinstance(clearance_raw, bool):
        raise fail("clearance_required must be true or false")
    if hold is None and not clearance_raw:
        raise fail("a row without hold_hours must require clearance (never 'no hold')")

    status = text("status")
    if status not in STATUSES:
        raise fail(f"status must be one of {sorted(STATUSES)}")
    restart_status_raw = raw.get("restart_status")
    if restart_status_raw is not None and restart_status_raw not in STATUSES:
        raise fail(f"restart_status must be one of {sorted(STATUSES)}")
    rule_sources = text_list("sources")
    for source_id in rule_sources:
        if source_id not in sources:
            raise fail(f"source {source_id!r} is not in meta.sources")

    return HoldRule(
        id=rule_id,
        drug_class=drug_class,
        generic_names=generic_names,
        brands=brands,
        indication=indication,
        hold_hours=hold,
        hold_hours_max=hold_max,
        hold_hours_renal=hold_renal,
        renal_crcl_below=renal_crcl_below,
        restart_hours=restart,
        restart_hours_max=restart_max,
        needs_lab=needs_lab,
        clearance_required=clearance_raw,
        hold_text=text("hold_text"),
        restart_text=text("restart_text"),
        status=status,
        sources=rule_sources,
        note=text("note", required=False),
        restart_status=None if restart_status_raw is None else str(restart_status_raw),
    )


def _check_shared_names(rules: list[HoldRule]) -> None:
    """A name on several rows must stay within one drug class (catches copy-paste slips)."""
    owners: dict[str, HoldRule] = {}
    for rule in rules:
        for name in set(_rule_names(rule)):
            other = owners.setdefault(name, rule)
            if other.drug_class != rule.drug_class:
                raise ValueError(
                    f"hold_table: drug '{rule.id}': name {name!r} is also on "
                    f"'{other.id}' ({other.drug_class})"
                )
