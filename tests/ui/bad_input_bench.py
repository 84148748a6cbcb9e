"""The harness of the dialog bad-input tests: hostile values for the widgets, and a bench that
acts on a form, checks what it answered and rolls an accepted write back."""

import sqlite3
import traceback
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import example
from hypothesis import strategies as st
from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from mild_desk.errors import DomainError
from mild_desk.ui.errors import ErrorLabel, error_text
from mild_desk.ui.fact_dialogs import FactDialog
from tests.integration.test_bad_input import text as hostile_text
from tests.ui.conftest import Demo

Fields = Mapping[str, QWidget | None]
"""The fields a form sends, by the name its service gives them (None: a rule, not a widget)."""

# The named cases, each given explicitly to every free-text field (they are also among
# the hostile strategy's samples): SQL, 10,000 characters, control characters, right-to-left
# text, emoji.
NAMED = (
    "'; DROP TABLE patient; --",
    "x" * 10_000,
    "\x00",
    "\x07bell",
    "\u202egnp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "😀🏥",
)
LONG_WORDS = "word " * 2_000  # 10,000 characters in many words (past any word-count check)
GAP = datetime(2027, 3, 14, 2, 30)  # America/New_York springs forward at 02:00: never happens
FOLD = datetime(2026, 11, 1, 1, 30)  # ... and falls back at 02:00: happens twice
FIRST, LAST = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59)  # a widget clamps year 1 to 1752
GAP_REFUSED = "does not exist in America/New_York"

days = st.one_of(
    st.sampled_from(
        [FIRST.date(), LAST.date(), date(1752, 9, 14), date(1899, 12, 31), date(2200, 12, 31)]
    ),
    st.dates(),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
moments = st.one_of(
    st.sampled_from([GAP, FOLD, FIRST, LAST]),
    st.datetimes(),
    st.datetimes(datetime(2026, 10, 1), datetime(2026, 11, 4)),
)
typed = st.booleans()  # type a sample with real key presses (ASCII only: Qt's key table)


def texts(*valid: str) -> st.SearchStrategy[str]:
    """The CLI tests' hostile text, with values the field accepts mixed in."""
    return st.one_of(st.sampled_from(valid), hostile_text) if valid else hostile_text


def named(field: str, **valid: Any) -> Callable[[Any], Any]:
    """Give every named case to `field`, the other arguments valid."""

    def apply(fn: Any) -> Any:
        for value in NAMED:
            fn = example(**valid, **{field: value})(fn)
        return fn

    return apply


@dataclass
class Bench:
    """One entry point's widgets and database: acts, checks what happened, rolls writes back."""

    qtbot: QtBot
    demo: Demo
    fields: Fields
    reload: Callable[[], None] = lambda: None  # what the screen re-reads after a roll-back
    prompts: frozenset[str] = frozenset()  # the form's own one-line "choose X first" prompts
    names_field: Callable[[str], bool] | None = None  # instead of "Field: why" (sign-in)
    pristine: str = ""
    counts: dict[str, int] = field(default_factory=lambda: {"accepted": 0, "refused": 0})
    refusals: list[str] = field(default_factory=list)
    _copy: Path | None = None
    _dirty: bool = False

    def freeze(self) -> "Bench":
        """The database as every example starts from (call once the widgets are built)."""
        self._copy = self.demo.path.with_name(f"pristine-{id(self)}.sqlite3")
        _copy_database(self.demo.path, self._copy)
        self.pristine = self.demo.dump()
        return self

    def run(
        self,
        act: Callable[[], None],
        refusal: Callable[[], str | None],
        *,
        may_write: Callable[[list[str]], bool] = lambda changed: False,
        read_only: bool = False,
    ) -> None:
        """`act` fills the widgets and presses the button; `refusal` is the message shown, or
        None when the input was accepted. `may_write` allows a refusal's own record (a failed
        sign-in is counted); a `read_only` screen writes nothing either way."""
        if self._dirty:  # a failed example (hypothesis is shrinking) left its write behind
            self._roll_back()
        self._dirty = True
        with self.qtbot.captureExceptions() as raised:
            act()
        assert not raised, "".join(traceback.format_exception(raised[0][1]))
        message = refusal()
        dump = self.demo.dump()
        if message is None:
            self.counts["accepted"] += 1
            assert not read_only or dump == self.pristine, "a read-only screen wrote"
        else:
            self.counts["refused"] += 1
            self.refusals.append(message[:300])
            self._check_message(message)
            changed = sorted(set(dump.splitlines()) - set(self.pristine.splitlines()))
            assert dump == self.pristine or may_write(changed), (
                f"refused ({message}) yet the database changed: {changed[:3]}"
            )
        if dump != self.pristine:
            self._roll_back()
        self._dirty = False

    def both_seen(self) -> None:
        """The strategies reached both sides: some inputs accepted, some refused."""
        assert self.counts["accepted"], self.counts
        assert self.counts["refused"], self.counts

    def refused_with(self, words: str) -> None:
        assert any(words in message for message in self.refusals), (words, self.refusals[:5])

    def _check_message(self, message: str) -> None:
        assert message.splitlines() == [message], f"not one line: {message!r}"
        if message in self.prompts:
            return
        if self.names_field is not None:
            assert self.names_field(message), f"names no field: {message!r}"
            return
        label, sep, why = message.partition(": ")
        assert sep, f"names no field: {message!r}"
        assert why.strip(), f"says nothing after the field: {message!r}"
        named = {field_label(key): widget for key, widget in self.fields.items()}
        assert label in named, f"{message!r} names none of this form's fields {sorted(named)}"
        widget = named[label]
        if widget is not None:  # the user finds the field under that name on the form
            shown = shown_names(widget)
            assert any(label.lower() in name for name in shown), f"{label!r} is not on {shown}"

    def _roll_back(self) -> None:
        assert self._copy is not None
        _copy_database(self._copy, self.demo.path)
        self.reload()
        assert self.demo.dump() == self.pristine
        self._dirty = False


def field_label(key: str) -> str:
    """How a refusal names the field `key` (ui.errors.error_text)."""
    return error_text(DomainError("·", field=key)).removesuffix(": ·")


def shown_names(widget: QWidget) -> list[str]:
    """The names a person sees for `widget`: its form label and its accessible name."""
    names = [widget.accessibleName()]
    parent = widget.parentWidget()
    for form in parent.findChildren(QFormLayout) if parent is not None else []:
        label = form.labelForField(widget)
        if isinstance(label, QLabel):
            names.append(label.text())
    return [name.replace("&", "").rstrip(":").lower() for name in names if name]


def gap_reaches_the_service() -> bool:
    """Whether a date-time widget holds 02:30 on the night New York springs forward: not when
    this machine's own zone skips that hour too (Qt then moves it to 03:30 itself)."""
    held = QDateTime(QDate(GAP.year, GAP.month, GAP.day), QTime(GAP.hour, GAP.minute))
    return held.time() == QTime(GAP.hour, GAP.minute)


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: the app's open connections see the copy as a normal write."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# --- putting values into widgets --------------------------------------------------------------


def put(qtbot: QtBot, edit: QLineEdit | QPlainTextEdit, value: str, typed: bool) -> None:
    """Key presses for a typable sample (Qt's test keyboard knows ASCII only), else paste."""
    edit.clear()
    if typed and value.isascii() and value.isprintable() and len(value) <= 40:
        qtbot.keyClicks(edit, value)
        return
    if isinstance(edit, QPlainTextEdit):
        edit.setPlainText(value)  # the document keeps what it can hold (NBSP becomes a space)
    else:
        edit.setText(value)
        assert edit.text() == value


def set_day(edit: QDateEdit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


def set_moment(edit: QDateTimeEdit, moment: datetime) -> None:
    edit.setDateTime(
        QDateTime(QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute))
    )


def pick(combo: QComboBox, index: int) -> None:
    combo.setCurrentIndex(index % combo.count())


# --- what a form answered ---------------------------------------------------------------------


def fact_reset(dialog: FactDialog) -> None:
    dialog.setResult(0)
    dialog.error.clear_error()
    if dialog.isHidden():
        dialog.show()


def fact_refusal(dialog: FactDialog) -> Callable[[], str | None]:
    def refusal() -> str | None:
        if dialog.result() == QDialog.DialogCode.Accepted:
            assert dialog.error.isHidden()
            return None
        assert not dialog.error.isHidden(), "neither saved nor refused"
        return dialog.error.text()

    return refusal


def label_refusal(error: ErrorLabel) -> Callable[[], str | None]:
    return lambda: None if error.isHidden() else error.text()


def shown(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.add_widget(widget)
    widget.show()
    qtbot.waitExposed(widget)
