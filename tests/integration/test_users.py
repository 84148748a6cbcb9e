"""Accounts: argon2id hashes, roles, duplicates, sign-in, disabling and lockout."""

from datetime import timedelta

import pytest
from sqlmodel import select

from mild_desk.errors import InvalidInput, PermissionDenied, Refused
from mild_desk.models.enums import Role
from mild_desk.models.tables import User
from mild_desk.services import clinic, users
from tests.conftest import NOW, PASSWORD, Clinic


def test_passwords_are_stored_as_argon2id(clinic_db: Clinic) -> None:
    with clinic_db.db.read() as tx:
        hashes = tx.session.exec(select(User.password_hash)).all()
    assert hashes
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_a_hash_with_older_parameters_is_remade_at_the_next_sign_in(clinic_db: Clinic) -> None:
    from argon2 import PasswordHasher

    older = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2)  # not the current profile
    with clinic_db.db.write() as tx:
        user = tx.session.exec(select(User).where(User.username == "nina")).one()
        user.password_hash = older.hash(PASSWORD)
        tx.session.add(user)
        tx.commit()
    users.login(clinic_db.db, "nina", PASSWORD, now=NOW)
    with clinic_db.db.read() as tx:
        remade = tx.session.exec(select(User.password_hash).where(User.username == "nina")).one()
    assert remade.startswith("$argon2id$")
    assert "m=2048,t=3,p=2" not in remade
    assert not users._HASHER.check_needs_rehash(remade)
    users.login(clinic_db.db, "nina", PASSWORD, now=NOW)  # the new hash signs in too


def test_admin_adds_a_user_who_can_sign_in(clinic_db: Clinic) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    created = users.add_user(
        clinic_db.db,
        admin,
        username="Rosa.M",
        role="nurse",
        password="long-enough",
        full_name="Rosa Martínez",
    )
    assert (created.username, created.role) == ("rosa.m", Role.NURSE)
    actor = users.login(clinic_db.db, "rosa.m", "long-enough")
    assert (actor.role, actor.full_name) == (Role.NURSE, "Rosa Martínez")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "sam", "role": "nurse"}, "username"),  # duplicate
        ({"username": "new", "role": "janitor"}, "role"),
        ({"username": "bad name", "role": "nurse"}, "username"),
        ({"username": "", "role": "nurse"}, "username"),
        ({"username": "new", "role": "nurse", "password": "short"}, "password"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(clinic_db: Clinic, kwargs, field) -> None:
    before = clinic_db.dump()
    with pytest.raises(InvalidInput) as info:
        users.add_user(
            clinic_db.db, clinic_db.actor(Role.ADMIN), **{"password": "long-enough", **kwargs}
        )
    assert info.value.field == field
    assert clinic_db.dump() == before


@pytest.mark.parametrize("role", [Role.SCHEDULER, Role.NURSE, Role.PROVIDER])
def test_only_admins_manage_users(clinic_db: Clinic, role) -> None:
    with pytest.raises(PermissionDenied):
        users.add_user(
            clinic_db.db, clinic_db.actor(role), username="x1", role="admin", password="long-enough"
        )


def test_the_first_admin_needs_an_empty_database(clinic_db: Clinic) -> None:
    with pytest.raises(Refused, match="already exist"):
        users.add_user(clinic_db.db, None, username="sneaky", role="admin", password="long-enough")


def test_wrong_password_and_unknown_user_read_the_same(clinic_db: Clinic) -> None:
    with pytest.raises(users.LoginFailed) as wrong:
        users.login(clinic_db.db, "sam", "nope-nope-nope", now=NOW)
    with pytest.raises(users.LoginFailed) as unknown:
        users.login(clinic_db.db, "nobody", "nope-nope-nope", now=NOW)
    assert str(wrong.value) == str(unknown.value)
    assert "nope" not in str(wrong.value)


def test_five_wrong_passwords_lock_the_account_for_a_while(clinic_db: Clinic) -> None:
    for _ in range(5):
        with pytest.raises(users.LoginFailed, match="wrong"):
            users.login(clinic_db.db, "nina", "wrong-password", now=NOW)
    with pytest.raises(users.LoginFailed, match="locked"):
        users.login(clinic_db.db, "nina", PASSWORD, now=NOW + timedelta(minutes=1))
    actor = users.login(clinic_db.db, "nina", PASSWORD, now=NOW + timedelta(minutes=16))
    assert actor.username == "nina"


def test_the_clinic_sets_how_many_wrong_passwords_lock_and_for_how_long(
    clinic_db: Clinic,
) -> None:
    admin = clinic_db.actor(Role.ADMIN)
    saved = clinic.set_clinic(clinic_db.db, admin, max_failed_logins="3", lockout_minutes=60)
    assert (saved.max_failed_logins, saved.lockout_minutes) == (3, 60)
    for _ in range(3):
        with pytest.raises(users.LoginFailed, match="wrong"):
            users.login(clinic_db.db, "nina", "wrong-password", now=NOW)
    with pytest.raises(users.LoginFailed, match="locked"):
        users.login(clinic_db.db, "nina", PASSWORD, now=NOW + timedelta(minutes=59))
    assert users.login(clinic_db.db, "nina", PASSWORD, now=NOW + timedelta(minutes=61))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_failed_logins": 2}, "max_failed_logins"),
        ({"max_failed_logins": "five"}, "max_failed_logins"),
        ({"lockout_minutes": 0}, "lockout_minutes"),
        ({"lockout_minutes": 100_000}, "lockout_minutes"),
    ],
)
def test_lockout_settings_out_of_range_are_refused(
    clinic_db: Clinic, kwargs: dict[str, object], field: str
) -> None:
    before = clinic_db.dump()
    with pytest.raises(InvalidInput) as refused:
        clinic.set_clinic(clinic_db.db, clinic_db.actor(Role.ADMIN), **kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert clinic_db.dump() == before


def test_disabled_users_cannot_sign_in(clinic_db: Clinic) -> None:
    users.set_active(clinic_db.db, clinic_db.actor(Role.ADMIN), username="drp", active=False)
    with pytest.raises(users.LoginFailed, match="disabled"):
        users.login(clinic_db.db, "drp", PASSWORD)
    users.set_active(clinic_db.db, clinic_db.actor(Role.ADMIN), username="drp", active=True)
    assert users.login(clinic_db.db, "drp", PASSWORD).role is Role.PROVIDER
