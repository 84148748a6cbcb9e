"""Guards against the PySide6 6.12.0 / Python 3.11 refcount bug (DESIGN.md, platform facts)."""

import sys

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot


def test_adding_items_leaves_none_refcount_alone(qtbot: QtBot) -> None:
    """6.12.0 on 3.11 drops one reference to None per call and aborts after ~1,000; a clean
    build changes the count by a handful at most."""
    combo = QComboBox()
    qtbot.add_widget(combo)
    before = sys.getrefcount(None)
    for i in range(5000):
        combo.addItem(f"item {i}")
    assert abs(sys.getrefcount(None) - before) < 100
    assert combo.count() == 5000
