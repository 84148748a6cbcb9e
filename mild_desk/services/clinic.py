"""Clinic set-up: database initialisation, clinic settings, procedure profile, providers, rooms."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from mild_desk.db import Database, Transaction, Unit, fetch, upgrade
from mild_desk.errors import InvalidInput, NotFound
from mild_desk.models import schema
from mild_desk.models.types import ProviderId, RoomId
from mild_desk.resources import procedure_profile_defaults
from mild_desk.services import audit
from mild_desk.services.base import (
    Actor,
    clean_phone,
    clean_text,
    parse_float,
    parse_int,
    parse_zone,
    require,
)

if TYPE_CHECKING:  # the ORM loads after the start (models.schema says why)
    from sqlmodel import Session

    from mild_desk.models.tables import ClinicSettings, Provider, Room

_PROFILE_FIELDS = (
    "case_minutes",
    "turnover_minutes",
    "solids_fast_hours",
    "clear_liquids_fast_hours",
    "imaging_max_months",
    "lf_min_mm",
    "inr_max",
    "arrival_lead_minutes",
    "escort_required",
    "driver_due_days_before",
    "daily_case_cap",
)


@dataclass(frozen=True, slots=True)
class ClinicRead:
    name: str
    phone: str
    timezone: str
    idle_lock_minutes: int
    max_failed_logins: int
    lockout_minutes: int
    backup_keep_days: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class ProfileRead:
    case_minutes: int
    turnover_minutes: int
    solids_fast_hours: float
    clear_liquids_fast_hours: float
    imaging_max_months: int
    lf_min_mm: float
    inr_max: float
    arrival_lead_minutes: int
    escort_required: bool
    driver_due_days_before: int
    daily_case_cap: int | None


@dataclass(frozen=True, slots=True)
class ProviderRead:
    id: ProviderId
    name: str
    daily_case_cap: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class RoomRead:
    id: RoomId
    name: str
    active: bool


def initialise(db: Database) -> None:
    """Upgrade the schema to head and create the settings rows; harmless when run again."""
    upgrade(db)
    with db.plain() as unit:
        if len(fetch(unit, _SETTINGS_ROWS).all()) == 2:
            return  # the usual start: nothing to write
    from mild_desk.models.tables import ClinicSettings, ProcedureProfile

    with db.write() as tx:
        have = {name for (name,) in fetch(tx.session, _SETTINGS_ROWS)}
        if "clinic" not in have:
            tx.session.add(ClinicSettings(id=1))
        if "profile" not in have:
            defaults = procedure_profile_defaults()
            values: dict[str, Any] = {k: defaults.get(k) for k in _PROFILE_FIELDS}
            values["daily_case_cap"] = values["daily_case_cap"] or None
            tx.session.add(ProcedureProfile.model_validate({"id": 1, **values}))
        tx.commit()


_SETTINGS_ROWS = sa.union_all(
    sa.select(sa.literal("clinic")).where(schema.clinic_settings.c.id == 1),
    sa.select(sa.literal("profile")).where(schema.procedure_profile.c.id == 1),
)
"""Which of the two settings rows exist: one plain query (the usual start finds both)."""


def clinic(db: Database) -> ClinicRead:
    with db.plain() as unit:
        return clinic_in(unit)


def clinic_in(session: Unit) -> ClinicRead:
    """The clinic settings, read once per unit of work."""
    cached = session.info.get(_CLINIC_KEY)
    if cached is None:
        cached = session.info[_CLINIC_KEY] = _clinic_read(session)
    assert isinstance(cached, ClinicRead)
    return cached


_CLINIC_KEY, _PROFILE_KEY = "mild_desk.clinic", "mild_desk.profile"


def _clinic_read(session: Unit) -> ClinicRead:
    row = fetch(session, _CLINIC_ROW).first()
    if row is None:
        from mild_desk.models.tables import ClinicSettings

        return ClinicRead(**{name: getattr(ClinicSettings(), name) for name in _CLINIC_FIELDS})
    return ClinicRead(**row._mapping)


_CLINIC_FIELDS = ClinicRead.__slots__
_CLINIC_ROW = sa.select(*(schema.clinic_settings.c[name] for name in _CLINIC_FIELDS)).where(
    schema.clinic_settings.c.id == 1
)


def set_clinic(
    db: Database,
    actor: Actor,
    *,
    name: str | None = None,
    phone: str | None = None,
    timezone: str | None = None,
    idle_lock_minutes: int | str | None = None,
    max_failed_logins: int | str | None = None,
    lockout_minutes: int | str | None = None,
    now: datetime | None = None,
) -> ClinicRead:
    """Change the clinic's settings; only the given ones change. Sign-in security: an account
    locks for `lockout_minutes` after `max_failed_logins` wrong passwords in a row."""
    require(actor, "clinic.configure")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = clean_text("name", name)
    if phone is not None:
        changes["phone"] = clean_phone("phone", phone)
    if timezone is not None:
        changes["timezone"] = parse_zone("tz", timezone).key
    if idle_lock_minutes is not None:
        changes["idle_lock_minutes"] = parse_int(
            "idle_lock_minutes", idle_lock_minutes, minimum=1, maximum=480
        )
    if max_failed_logins is not None:
        changes["max_failed_logins"] = parse_int(
            "max_failed_logins", max_failed_logins, minimum=3, maximum=20
        )
    if lockout_minutes is not None:
        changes["lockout_minutes"] = parse_int(
            "lockout_minutes", lockout_minutes, minimum=1, maximum=1440
        )
    with db.write() as tx:
        row = _settings_row(tx.session)
        _apply(tx, actor, row, changes, "clinic.set", "clinic_settings", now)
        tx.commit()
        return clinic_in(tx.session)


def unverified_settings() -> frozenset[str]:
    """The procedure profile settings that are clinic policy, not a guideline number
    (resources/procedure_profile.toml): screens flag them for a clinician to confirm."""
    from mild_desk.resources import procedure_profile_defaults

    return frozenset(procedure_profile_defaults().get("unverified", ()))


def profile(db: Database) -> ProfileRead:
    with db.plain() as unit:
        return profile_in(unit)


def profile_in(session: Unit) -> ProfileRead:
    """The procedure profile, read once per unit of work."""
    cached = session.info.get(_PROFILE_KEY)
    if cached is None:
        row = fetch(session, _PROFILE_ROW).first()
        if row is None:
            raise InvalidInput("the database is not initialised: run `mild-desk init`", field="db")
        cached = session.info[_PROFILE_KEY] = ProfileRead(**row._mapping)
    assert isinstance(cached, ProfileRead)
    return cached


_PROFILE_ROW = sa.select(*(schema.procedure_profile.c[name] for name in _PROFILE_FIELDS)).where(
    schema.procedure_profile.c.id == 1
)


# Allowed ranges of the editable numbers: (minimum, maximum, integer?).
_PROFILE_LIMITS: dict[str, tuple[float, float, bool]] = {
    "case_minutes": (15, 480, True),
    "turnover_minutes": (0, 240, True),
    "solids_fast_hours": (0, 24, False),
    "clear_liquids_fast_hours": (0, 24, False),
    "imaging_max_months": (1, 60, True),
    "lf_min_mm": (0, 20, False),
    "inr_max": (0.5, 5, False),
    "arrival_lead_minutes": (0, 240, True),
    "driver_due_days_before": (0, 30, True),
    "daily_case_cap": (0, 50, True),
}


def set_procedure(
    db: Database, actor: Actor, now: datetime | None = None, **values: Any
) -> ProfileRead:
    """Change profile values (e.g. ``case_minutes=60``). Unknown names are refused."""
    require(actor, "clinic.configure")
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if raw is None:
            continue
        if key == "escort_required":
            changes[key] = bool(raw)
            continue
        if key not in _PROFILE_LIMITS:
            raise InvalidInput("unknown procedure setting", field=key)
        low, high, whole = _PROFILE_LIMITS[key]
        if whole:
            changes[key] = parse_int(key, raw, minimum=int(low), maximum=int(high))
        else:
            changes[key] = parse_float(key, raw, minimum=low, maximum=high)
    if changes.get("daily_case_cap") == 0:
        changes["daily_case_cap"] = None
    from mild_desk.models.tables import ProcedureProfile

    with db.write() as tx:
        row = tx.session.get(ProcedureProfile, 1)
        if row is None:
            raise InvalidInput("the database is not initialised: run `mild-desk init`", field="db")
        if changes.get("clear_liquids_fast_hours", row.clear_liquids_fast_hours) > changes.get(
            "solids_fast_hours", row.solids_fast_hours
        ):
            raise InvalidInput(
                "clear liquids cannot stop earlier than solids", field="clear_liquids_fast_hours"
            )
        _apply(tx, actor, row, changes, "procedure.set", "procedure_profile", now)
        tx.commit()
        return profile_in(tx.session)


def add_provider(
    db: Database,
    actor: Actor,
    *,
    name: str,
    daily_case_cap: int | str | None = None,
    now: datetime | None = None,
) -> ProviderRead:
    require(actor, "clinic.configure")
    clean = clean_text("name", name)
    cap = None
    if daily_case_cap is not None:
        cap = parse_int("daily_case_cap", daily_case_cap, minimum=1, maximum=50)
    from mild_desk.models.tables import Provider

    with db.write() as tx:
        row = Provider(name=clean, daily_case_cap=cap)
        tx.session.add(row)
        tx.session.flush()
        audit.record(tx, actor, "provider.add", "provider", row.id, after={"name": clean}, now=now)
        tx.commit()
        return _provider_read(row)


def add_room(db: Database, actor: Actor, *, name: str, now: datetime | None = None) -> RoomRead:
    require(actor, "clinic.configure")
    clean = clean_text("name", name)
    from mild_desk.models.tables import Room

    with db.write() as tx:
        if fetch(tx.session, _ROOM_NAMED, {"name": clean}).first() is not None:
            raise InvalidInput(f"a room named {clean!r} already exists", field="name")
        row = Room(name=clean)
        tx.session.add(row)
        tx.session.flush()
        audit.record(tx, actor, "room.add", "room", row.id, after={"name": clean}, now=now)
        tx.commit()
        assert row.id is not None
        return RoomRead(RoomId(row.id), row.name, row.active)


def providers(db: Database) -> list[ProviderRead]:
    with db.plain() as unit:
        return [_provider_read(r) for r in fetch(unit, _PROVIDERS)]


def rooms(db: Database) -> list[RoomRead]:
    with db.plain() as unit:
        return [RoomRead(RoomId(r.id), r.name, r.active) for r in fetch(unit, _ROOMS)]


_PROVIDERS = sa.select(schema.provider).order_by(schema.provider.c.id)
_ROOMS = sa.select(schema.room).order_by(schema.room.c.id)
_ROOM_NAMED = sa.select(schema.room.c.id).where(schema.room.c.name == sa.bindparam("name"))


def get_provider(session: "Session", provider_id: int) -> "Provider":
    from mild_desk.models.tables import Provider

    row = session.get(Provider, provider_id)
    if row is None or not row.active:
        raise NotFound(f"no provider {provider_id}", field="provider")
    return row


def get_room(session: "Session", room_id: int) -> "Room":
    from mild_desk.models.tables import Room

    row = session.get(Room, room_id)
    if row is None or not row.active:
        raise NotFound(f"no room {room_id}", field="room")
    return row


def require_active(session: Unit, kind: Literal["provider", "room"], ident: int) -> None:
    """NotFound unless provider or room `ident` exists and is active (no row loaded)."""
    if fetch(session, _ACTIVE[kind], {"id": ident}).first() is None:
        raise NotFound(f"no {kind} {ident}", field=kind)


_ACTIVE = {
    kind: sa.select(t.c.id).where(t.c.id == sa.bindparam("id"), t.c.active)
    for kind, t in (("provider", schema.provider), ("room", schema.room))
}


def _provider_read(row: Any) -> ProviderRead:
    """Of a Provider, or of a plain row of the provider table."""
    assert row.id is not None
    return ProviderRead(ProviderId(row.id), row.name, row.daily_case_cap, row.active)


def _settings_row(session: "Session") -> "ClinicSettings":
    from mild_desk.models.tables import ClinicSettings

    row = session.get(ClinicSettings, 1)
    if row is None:
        raise InvalidInput("the database is not initialised: run `mild-desk init`", field="db")
    return row


def _apply(
    tx: Transaction,
    actor: Actor,
    row: Any,
    changes: dict[str, Any],
    action: str,
    entity: str,
    now: datetime | None,
) -> None:
    before = {k: getattr(row, k) for k in changes}
    for key, value in changes.items():
        setattr(row, key, value)
    tx.session.add(row)
    tx.session.info.pop(_CLINIC_KEY, None)
    tx.session.info.pop(_PROFILE_KEY, None)
    if changes:
        audit.record(tx, actor, action, entity, 1, before=before, after=changes, now=now)
