"""Column types and typed ids shared by the tables and the read models."""

from datetime import UTC, datetime
from typing import Any, NewType

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

UserId = NewType("UserId", int)
PatientId = NewType("PatientId", int)
ProviderId = NewType("ProviderId", int)
RoomId = NewType("RoomId", int)
AppointmentId = NewType("AppointmentId", int)
TemplateId = NewType("TemplateId", int)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive values are refused, values read back are aware UTC.

    SQLite keeps no offset, so the value is normalised to UTC on the way in and tagged UTC on the
    way out; PostgreSQL stores it as ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: store timezone-aware values")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
