"""Scheduling sub-commands: templates, closures, slots, booking and appointment states."""

import argparse
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    """Added by the scheduling work."""
