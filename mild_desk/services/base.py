"""What every service shares: the acting user, the role check, the clock and input checks."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mild_desk.errors import InvalidInput, PermissionDenied
from mild_desk.models.enums import Role
from mild_desk.models.types import UserId
from mild_desk.rules.permissions import allowed

NAME_MAX = 100
TEXT_MAX = 4000
FIRST_YEAR, LAST_YEAR = 1900, 2200  # times outside are refused; far from date.min and date.max


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user on whose behalf a service acts."""

    user_id: UserId
    username: str
    role: Role
    full_name: str = ""


def require(actor: Actor, action: str) -> None:
    """Refuse unless the actor's role may perform `action`."""
    if not allowed(actor.role, action):
        raise PermissionDenied(f"role {actor.role.value} may not {action.replace('.', ' ')}")


def load_orm() -> None:
    """Load the ORM and map the tables ahead of the first unit of work that needs them (~0.3 s
    wherever it falls): the start reads without them (models.schema)."""
    from sqlalchemy.orm import configure_mappers

    from mild_desk.models import tables  # noqa: F401

    configure_mappers()


_pinned_now: datetime | None = None  # tests pin the clock here (monkeypatch); never set in the app


def utcnow() -> datetime:
    """The services' clock (each service also takes an explicit `now=`)."""
    return _pinned_now or datetime.now(UTC)


def clean_text(
    field: str, value: str | None, *, required: bool = True, max_len: int = NAME_MAX
) -> str:
    """Trimmed text, or InvalidInput naming the field: empty when required, too long, or holding
    control characters (tabs and line breaks are allowed in long texts only)."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput("is required", field=field)
    if len(text) > max_len:
        raise InvalidInput(f"is too long ({len(text)} characters, at most {max_len})", field=field)
    allowed_ws = "\n\t" if max_len > NAME_MAX else ""
    for ch in text:
        if ch not in allowed_ws and unicodedata.category(ch) in {"Cc", "Cs"}:
            raise InvalidInput(f"contains a control character (U+{ord(ch):04X})", field=field)
    return text


_PHONE = re.compile(r"^\+?[0-9 ()./-]{7,25}$")


def clean_phone(field: str, value: str | None, *, required: bool = False) -> str:
    text = clean_text(field, value, required=required, max_len=30)
    if text and not _PHONE.match(text):
        raise InvalidInput(f"{text!r} is not a phone number", field=field)
    return text


def parse_date(field: str, value: str | date) -> date:
    """A date in FIRST_YEAR..LAST_YEAR: the arithmetic on it (a week on, a UTC shift) stays far
    from date.max."""
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(value.strip())
        except (ValueError, AttributeError):
            raise InvalidInput(f"{value!r} is not a date (use YYYY-MM-DD)", field=field) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise InvalidInput(f"year {parsed.year} is out of range", field=field)
    return parsed


def parse_time(field: str, value: str | time) -> time:
    if isinstance(value, time):
        return value
    try:
        parsed = time.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(f"{value!r} is not a time (use HH:MM)", field=field) from None
    if parsed.tzinfo is not None:
        raise InvalidInput("give a clinic-local time without an offset", field=field)
    return parsed


def parse_datetime(field: str, value: str | datetime, tz: ZoneInfo) -> datetime:
    """An aware UTC datetime. Text without an offset is clinic-local; a wall time that does not
    exist (inside a daylight-saving gap) is refused rather than guessed."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except (ValueError, AttributeError):
            raise InvalidInput(
                f"{value!r} is not a date and time (use YYYY-MM-DDTHH:MM)", field=field
            ) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # first: by year 9999 the UTC shift overflows
        raise InvalidInput(f"year {parsed.year} is out of range", field=field)
    if parsed.tzinfo is None:
        local = parsed.replace(tzinfo=tz)
        round_trip = local.astimezone(UTC).astimezone(tz)
        if round_trip.replace(tzinfo=None) != parsed:
            raise InvalidInput(
                f"{parsed:%Y-%m-%d %H:%M} does not exist in {tz.key} (clocks change that night)",
                field=field,
            )
        parsed = local
    return parsed.astimezone(UTC)


def parse_zone(field: str, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value.strip())
    # OSError: a folder of the zone database ("America") or a name too long for a file name
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise InvalidInput(f"{value!r} is not an IANA time zone", field=field) from None


def parse_int(field: str, value: str | float, *, minimum: int, maximum: int) -> int:
    try:
        if isinstance(value, float) and not value.is_integer():  # 2.5, inf and nan: not cut
            raise ValueError
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{value!r} is not a whole number", field=field) from None
    if not minimum <= number <= maximum:
        raise InvalidInput(f"{number} is outside {minimum}-{maximum}", field=field)
    return number


def parse_float(field: str, value: str | float, *, minimum: float, maximum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past any float
        raise InvalidInput(f"{value!r} is not a number", field=field) from None
    if number != number or not minimum <= number <= maximum:
        raise InvalidInput(f"{value} is outside {minimum:g}-{maximum:g}", field=field)
    return number


def local_text(moment: datetime, tz: ZoneInfo, *, with_date: bool = True) -> str:
    """A clinic-local time as people read it: "Tue 1 Dec 2026 08:00"."""
    local = moment.astimezone(tz)
    if not with_date:
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
