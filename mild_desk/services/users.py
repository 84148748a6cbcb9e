"""User accounts: argon2id passwords, roles, sign-in with lockout."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mild_desk.db import Database, Unit, fetch
from mild_desk.errors import InvalidInput, Refused
from mild_desk.models import schema
from mild_desk.models.enums import Role
from mild_desk.models.types import UserId
from mild_desk.services import audit
from mild_desk.services.base import Actor, clean_text, require, utcnow

if TYPE_CHECKING:  # the ORM loads after the start (models.schema says why)
    from sqlmodel import Session

    from mild_desk.models.tables import User

# argon2id at OWASP's baseline (19 MiB, 2 passes, 1 lane; Password Storage Cheat Sheet): about
# 20 ms a sign-in on a 2-core workstation. RFC 9106's 64 MiB profile doubled the app's peak memory
# for no gain a clinic would notice. The parameters travel in each hash; an older hash is
# re-made with these at its next successful sign-in.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
PASSWORD_MIN = 8
_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True, slots=True)
class UserRead:
    id: UserId
    username: str
    full_name: str
    role: Role
    active: bool


class LoginFailed(Refused):
    """Wrong user name or password, a disabled or a locked account. An unknown user and a wrong
    password give the same message, so a failed sign-in does not reveal which names exist."""


def add_user(
    db: Database,
    actor: Actor | None,
    *,
    username: str,
    role: str,
    password: str,
    full_name: str = "",
    now: datetime | None = None,
) -> UserRead:
    """Create an account. `actor` None is allowed only for the first admin of an empty database."""
    name = _clean_username(username)
    role_value = _parse_role(role)
    _check_password(password)
    full = clean_text("full_name", full_name, required=False)
    when = now or utcnow()
    from mild_desk.models.tables import User

    with db.write() as tx:
        session = tx.session
        if actor is None:
            if fetch(session, _ANY_USER).first() is not None:
                raise Refused("users already exist: sign in as an admin to add more", field="user")
            if role_value is not Role.ADMIN:
                raise InvalidInput("the first user must be an admin", field="role")
        else:
            require(actor, "user.manage")
        if account(session, name) is not None:
            raise InvalidInput(f"{name!r} already exists", field="username")
        user = User(
            username=name,
            full_name=full,
            role=role_value,
            password_hash=_HASHER.hash(password),
            created_at=when,
        )
        session.add(user)
        session.flush()
        read = _read(user)
        audit.record(
            tx,
            actor,
            "user.add",
            "user",
            user.id,
            after={"username": name, "role": role_value, "full_name": full},
            now=when,
        )
        tx.commit()
    return read


def set_active(
    db: Database, actor: Actor, *, username: str, active: bool, now: datetime | None = None
) -> UserRead:
    require(actor, "user.manage")
    with db.write() as tx:
        user = _get(tx.session, username)
        if user.id == actor.user_id and not active:
            raise Refused("you cannot disable your own account", field="username")
        before = {"active": user.active}
        user.active = active
        user.failed_logins = 0
        user.locked_until = None
        tx.session.add(user)
        audit.record(
            tx, actor, "user.set_active", "user", user.id, before=before, after={"active": active}
        )
        tx.commit()
        return _read(user)


def list_users(db: Database, actor: Actor) -> list[UserRead]:
    require(actor, "user.manage")
    with db.plain() as unit:
        return [_read(u) for u in fetch(unit, _ALL_USERS)]


def login(db: Database, username: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check a password. Repeated failures lock the account for the clinic's lockout time.

    The (deliberately slow) hash check runs outside the write lock; only a failure count or a
    reset takes a short write transaction."""
    when = now or utcnow()
    name = (username or "").strip().lower()
    with db.plain() as unit:
        user = account(unit, name)
    if user is None:
        _HASHER.hash(password or "x")  # same cost as a real check: no timing hint
        raise LoginFailed("wrong user name or password", field="password")
    if user.locked_until is not None and user.locked_until > when:
        raise LoginFailed(
            f"account locked after repeated wrong passwords until {user.locked_until:%H:%M} UTC; "
            "ask an admin",
            field="user",
        )
    try:
        _HASHER.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        _count_failure(db, user.id, when)
        raise LoginFailed("wrong user name or password", field="password") from None
    if not user.active:
        raise LoginFailed("this account is disabled; ask an admin", field="user")
    rehash = _HASHER.check_needs_rehash(user.password_hash)
    if rehash or user.failed_logins or user.locked_until is not None:
        from mild_desk.models.tables import User

        with db.write() as tx:
            row = tx.session.get(User, user.id)
            assert row is not None
            row.failed_logins = 0
            row.locked_until = None
            if rehash:
                row.password_hash = _HASHER.hash(password)
            tx.session.add(row)
            tx.commit()
    assert user.id is not None
    return Actor(UserId(user.id), user.username, user.role, user.full_name)


def account(session: Unit, username: str) -> Any:
    """The account named `username` (already folded to lower case) as a plain row, or None."""
    return fetch(session, _BY_USERNAME, {"name": username}).first()


_USER = schema.user_account
_BY_USERNAME = sa.select(_USER).where(_USER.c.username == sa.bindparam("name"))
"""The sign-in's read: a plain row (built once, run with db.fetch)."""
_ANY_USER = sa.select(_USER.c.id).limit(1)
_ALL_USERS = sa.select(_USER).order_by(_USER.c.username)


def _count_failure(db: Database, user_id: int | None, when: datetime) -> None:
    from mild_desk.models.tables import ClinicSettings, User

    with db.write() as tx:
        user = tx.session.get(User, user_id)
        assert user is not None
        settings = tx.session.get(ClinicSettings, 1) or ClinicSettings()
        user.failed_logins += 1
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = when + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            audit.record(tx, None, "user.locked", "user", user.id, after={}, now=when)
        tx.session.add(user)
        tx.commit()


def _get(session: "Session", username: str) -> "User":
    from sqlmodel import select

    from mild_desk.models.tables import User

    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise InvalidInput(f"no user {username!r}", field="username")
    return user


def _read(user: Any) -> UserRead:
    """Of a User, or of a plain row of the user table."""
    assert user.id is not None
    return UserRead(UserId(user.id), user.username, user.full_name, user.role, user.active)


def _clean_username(username: str) -> str:
    name = clean_text("username", username, max_len=40).lower()
    if not set(name) <= _USERNAME_CHARS:
        raise InvalidInput("use letters a-z, digits, dot, dash or underscore", field="username")
    return name


def _parse_role(role: str) -> Role:
    try:
        return Role((role or "").strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {role!r} (one of {choices})", field="role") from None


def _check_password(password: str) -> None:
    if len(password or "") < PASSWORD_MIN:
        raise InvalidInput(f"must be at least {PASSWORD_MIN} characters", field="password")
