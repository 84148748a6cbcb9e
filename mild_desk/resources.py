"""Finds the data files of resources/ in a checkout and in an installed wheel, and loads them."""

import functools
import tomllib
from importlib import resources as importlib_resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mild_desk.rules.checklist import ChecklistItem
    from mild_desk.rules.holds import HoldTable

_CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Traversable:
    """The resource `name` (e.g. ``"hold_table.toml"`` or ``"fonts/DejaVuSans.ttf"``).

    An installed wheel carries resources/ as the package ``mild_desk._resources``; a source checkout
    has it at the top of the repository.
    """
    try:
        root: Traversable = importlib_resources.files("mild_desk._resources")
    except ModuleNotFoundError:
        root = _CHECKOUT
    target = root.joinpath(*name.split("/"))
    if not target.is_file():
        raise FileNotFoundError(f"mild-desk resource missing: {name}")
    return target


def read_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(resource_path(name).read_text(encoding="utf-8"))


@functools.cache
def procedure_profile_defaults() -> dict[str, Any]:
    """Default values of the procedure profile (clinic-editable copies live in the database)."""
    return read_toml("procedure_profile.toml")


@functools.cache
def hold_table() -> "HoldTable":
    """The medication hold table, validated (a bad file stops the app with the row named)."""
    from mild_desk.rules.holds import parse_hold_table

    return parse_hold_table(read_toml("hold_table.toml"))


@functools.cache
def checklist_items() -> "tuple[ChecklistItem, ...]":
    """The day-of checklist template."""
    from mild_desk.rules.checklist import parse_checklist

    return parse_checklist(read_toml("checklist.toml"))


def check() -> None:
    """Load and validate every rules data file now, at start: a bad file stops the app with one
    line naming the file and the row, before anything is read or written."""
    from mild_desk.errors import BrokenInstall

    try:
        procedure_profile_defaults()
        hold_table()
        checklist_items()
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise BrokenInstall(f"{exc} (reinstall mild-desk)", field="resources") from None
