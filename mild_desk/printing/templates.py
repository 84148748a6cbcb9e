"""Patient text from resources/templates/<lang>/<name>.toml: loading, checking, filling in, and
the clinic-local dates and times written the way each language writes them."""

import functools
import string
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from mild_desk.resources import read_toml

LANGUAGES: tuple[str, ...] = ("en", "es")
TEMPLATES: tuple[str, ...] = ("common", "prep_letter", "discharge")
"""Every template file; each exists in every language with the same keys and placeholders."""

Value = str | tuple[str, ...]


class TemplateError(ValueError):
    """A template file is missing, malformed, or asks for a value the program does not give."""


@functools.cache
def template(name: str, lang: str) -> Mapping[str, Value]:
    """One template file, checked: every value is text or a list of texts."""
    if lang not in LANGUAGES:
        raise TemplateError(f"no templates in language {lang!r}")
    try:
        raw = read_toml(f"templates/{lang}/{name}.toml")
    except FileNotFoundError as exc:
        raise TemplateError(str(exc)) from None
    out: dict[str, Value] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[key] = tuple(value)
        else:
            raise TemplateError(f"templates/{lang}/{name}.toml: {key} must be text or texts")
    return MappingProxyType(out)


def placeholders(text: str) -> frozenset[str]:
    """The {names} a template text asks for."""
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(text) if field is not None
    )


class Text:
    """The texts of one template in one language, filled in with values."""

    def __init__(self, name: str, lang: str) -> None:
        self.name = name
        self.lang = lang
        self._texts = template(name, lang)
        self._common = template("common", lang)

    def __call__(self, key: str, **values: object) -> str:
        raw = self._texts[key] if key in self._texts else self._common[key]
        if not isinstance(raw, str):
            raise TemplateError(f"templates/{self.lang}/{self.name}.toml: {key} is a list")
        return self._fill(key, raw, values)

    def items(self, key: str, **values: object) -> list[str]:
        raw = self._texts[key]
        texts = (raw,) if isinstance(raw, str) else raw
        return [self._fill(key, t, values) for t in texts]

    def date_text(self, day: date) -> str:
        return format_date(day, self.lang)

    def birth_date(self, day: date) -> str:
        return format_birth_date(day, self.lang)

    def moment(self, moment: datetime, tz: ZoneInfo) -> str:
        return format_moment(moment, tz, self.lang)

    def time_text(self, moment: datetime, tz: ZoneInfo) -> str:
        return format_time(moment.astimezone(tz), self.lang)

    def _fill(self, key: str, text: str, values: Mapping[str, object]) -> str:
        for name, value in values.items():
            # "… a las 3:00 p. m.." — a value that ends a sentence brings its own full stop.
            if str(value).endswith(".") and "{" + name + "}." in text:
                text = text.replace("{" + name + "}.", "{" + name + "}")
        try:
            return text.format_map(values)
        except (KeyError, IndexError, ValueError) as exc:
            raise TemplateError(
                f"templates/{self.lang}/{self.name}.toml: {key}: cannot fill {exc}"
            ) from None


def format_date(day: date, lang: str) -> str:
    """ "Tuesday, December 1, 2026" / "martes 1 de diciembre de 2026"."""
    common = template("common", lang)
    return _common_text(common, "date").format(
        weekday=_common_list(common, "weekdays")[day.weekday()],
        month=_common_list(common, "months")[day.month - 1],
        day=day.day,
        year=day.year,
    )


def format_birth_date(day: date, lang: str) -> str:
    """A date of birth: "March 20, 1962" / "20 de marzo de 1962" (no weekday)."""
    common = template("common", lang)
    return _common_text(common, "birth_date").format(
        month=_common_list(common, "months")[day.month - 1], day=day.day, year=day.year
    )


def format_time(local: datetime, lang: str) -> str:
    """A wall-clock time on a 12-hour clock: "7:30 AM" / "7:30 a. m."."""
    common = template("common", lang)
    hour = local.hour % 12 or 12
    ampm = _common_text(common, "am" if local.hour < 12 else "pm")
    return _common_text(common, "time").format(hour=hour, minute=f"{local.minute:02d}", ampm=ampm)


def format_moment(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    """A clinic-local date and time inside a sentence."""
    local = moment.astimezone(tz)
    common = template("common", lang)
    key = "datetime_one" if local.hour % 12 == 1 else "datetime"
    return _common_text(common, key).format(
        date=format_date(local.date(), lang), time=format_time(local, lang)
    )


def _common_text(common: Mapping[str, Value], key: str) -> str:
    value = common[key]
    if not isinstance(value, str):
        raise TemplateError(f"common.toml: {key} must be text")
    return value


def _common_list(common: Mapping[str, Value], key: str) -> tuple[str, ...]:
    value = common[key]
    if isinstance(value, str):
        raise TemplateError(f"common.toml: {key} must be a list")
    return value
