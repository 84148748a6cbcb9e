"""The database layer: migrations, pragmas, URLs, refusing newer schemas."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, bindparam, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel, col

from mild_desk.db import (
    Database,
    default_db_path,
    fetch,
    head_revision,
    resolve_url,
    schema_revision,
)
from mild_desk.errors import InvalidInput, Refused
from mild_desk.models import schema, tables  # noqa: F401
from mild_desk.models.enums import Role
from mild_desk.models.tables import Provider
from mild_desk.services import audit, clinic
from tests.conftest import Clinic


def test_migrations_create_the_whole_model_from_empty(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert schema_revision(db) is None
    clinic.initialise(db)
    assert schema_revision(db) == head_revision()
    with db.engine.connect() as conn:
        found = set(inspect(conn).get_table_names()) - {"alembic_version"}
        for name, table in SQLModel.metadata.tables.items():
            columns = {c["name"] for c in inspect(conn).get_columns(name)}
            assert columns == {c.name for c in table.columns}, name
    assert found == set(SQLModel.metadata.tables)


def test_init_twice_is_harmless(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'twice.sqlite3'}")
    clinic.initialise(db)
    with db.read() as tx:
        before = tx.session.exec(text("SELECT count(*) FROM clinic_settings")).one()
    clinic.initialise(db)
    with db.read() as tx:
        after = tx.session.exec(text("SELECT count(*) FROM clinic_settings")).one()
    assert before == after == (1,)


@pytest.mark.sqlite_only("PRAGMAs")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(clinic_db: Clinic) -> None:
    with clinic_db.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    orphan = text(
        "INSERT INTO lab_result (patient_id, test, value, taken_at) "
        "VALUES (999, 'INR', 1.0, '2026-01-01 00:00:00')"
    )
    with clinic_db.db.write() as tx, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        tx.session.exec(orphan)  # type: ignore[call-overload]


def test_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite3"
    clinic.initialise(Database.open(f"sqlite:///{path}"))
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_database_from_a_newer_version_is_refused_untouched(clinic_db: Clinic) -> None:
    clinic_db.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = clinic_db.dump()
    with pytest.raises(Refused, match="newer mild-desk"):
        clinic.initialise(clinic_db.db)
    assert clinic_db.dump() == before


def test_default_location_is_the_platform_data_folder(tmp_path: Path) -> None:
    # conftest points XDG_DATA_HOME at tmp_path/xdg-data
    assert default_db_path() == tmp_path / "xdg-data" / "mild-desk" / "mild-desk.sqlite3"
    assert resolve_url() == f"sqlite:///{default_db_path()}"


def test_url_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MILD_DESK_DB", "sqlite:///from-env.db")
    assert resolve_url() == "sqlite:///from-env.db"
    assert resolve_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


@pytest.mark.parametrize("kind", ["not-a-url", "unwritable-path", "no-server"])
def test_unreachable_or_bad_urls_give_one_clear_error(kind: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    url = {
        "not-a-url": "notaurl://",
        "unwritable-path": f"sqlite:///{tmp_path / 'a-file' / 'x.db'}",
        "no-server": "postgresql://nobody@127.0.0.1:1/none",
    }[kind]
    with pytest.raises(InvalidInput) as info:
        clinic.initialise(Database.open(url))
    assert info.value.field == "db"
    assert "\n" not in str(info.value)


def test_the_known_revisions_are_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mild_desk.db import _MIGRATIONS, REVISIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    assert tuple(reversed([r.revision for r in script.walk_revisions()])) == REVISIONS
    assert script.get_current_head() == REVISIONS[-1]


def _column_facts(column: Column[Any]) -> tuple[object, ...]:
    sa_type = column.type
    kind = type(sa_type).__name__.replace("AutoString", "String")  # SQLModel's str: a VARCHAR
    return (
        column.name,
        kind,
        getattr(sa_type, "enum_class", None),
        {d.name: str(sa_type.compile(dialect=d)) for d in _DIALECTS},
        column.nullable,
        column.primary_key,
        bool(column.unique),
        bool(column.index),
        sorted(fk.target_fullname for fk in column.foreign_keys),
    )


_DIALECTS = (sqlite.dialect(), postgresql.dialect())


@pytest.mark.parametrize("name", sorted(schema.metadata.tables))
def test_the_core_schema_mirrors_the_models(name: str) -> None:
    """The start reads through models.schema without loading the ORM: each of its tables must be
    the SQLModel table column for column, with the same indexes and constraints."""
    core, model = schema.metadata.tables[name], SQLModel.metadata.tables[name]
    assert [_column_facts(c) for c in core.columns] == [_column_facts(c) for c in model.columns]
    for d in _DIALECTS:
        assert str(CreateTable(core).compile(dialect=d)) == str(
            CreateTable(model).compile(dialect=d)
        )
        indexes = [
            sorted(str(CreateIndex(i).compile(dialect=d)) for i in t.indexes) for t in (core, model)
        ]
        assert indexes[0] == indexes[1]


def test_fetch_sees_the_unit_of_works_pending_changes(clinic_db: Clinic) -> None:
    """db.fetch runs on the transaction's own connection after flushing, as Session.execute
    would: a check made with it sees what the same unit of work has just changed."""
    by_name = select(col(Provider.id)).where(col(Provider.name) == bindparam("name"))
    with clinic_db.db.write() as tx:
        tx.session.add(Provider(name="Dr. Pending"))  # not flushed
        assert fetch(tx.session, by_name, {"name": "Dr. Pending"}).first() is not None
    with clinic_db.db.read() as tx:  # the write was not committed: nothing kept
        assert fetch(tx.session, by_name, {"name": "Dr. Pending"}).first() is None


def _add_provider(db: Database, name: str) -> None:
    with db.write() as tx:
        tx.session.add(Provider(name=name))
        tx.commit()


def test_a_write_lock_held_elsewhere_is_sqlalchemys_operational_error(clinic_db: Clinic) -> None:
    """BEGIN IMMEDIATE goes straight to the driver; when another process holds the write lock
    past the busy timeout, the error is still SQLAlchemy's OperationalError (what the CLI turns
    into one line), and nothing is written."""
    if not clinic_db.is_sqlite:
        pytest.skip("SQLite only: its file lock")
    db = clinic_db.db
    with db.engine.connect() as conn:  # the pool hands this connection out again below
        conn.exec_driver_sql("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(clinic_db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            _add_provider(db, "Dr. Locked Out")
    finally:
        other.execute("ROLLBACK")
        other.close()
    with db.read() as tx:
        assert (
            fetch(
                tx.session, select(col(Provider.id)).where(col(Provider.name) == "Dr. Locked Out")
            ).first()
            is None
        )


def test_a_plain_write_keeps_only_what_it_commits_and_takes_the_write_lock(
    clinic_db: Clinic,
) -> None:
    """db.plain(write=True), the daily backup's unit of work without the ORM: an audit entry
    kept only on commit, a valid chain, and the write lock taken at its start (a second writer
    waits: on SQLite it gives up after the busy timeout)."""
    db, admin = clinic_db.db, clinic_db.actor(Role.ADMIN)
    before = audit.verify(db).events
    with db.plain(write=True) as unit:
        audit.record(unit, admin, "test.dropped", "test", 1)
    assert audit.verify(db).events == before
    with db.plain(write=True) as unit:
        if clinic_db.is_sqlite:  # before it has written anything
            other = sqlite3.connect(clinic_db.path, isolation_level=None, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        audit.record(unit, admin, "test.kept", "test", 2)
        unit.commit()
    result = audit.verify(db)
    assert result.ok
    assert result.events == before + 1
    assert [e.action for e in audit.history(db, admin, entity="test", entity_id=2)] == ["test.kept"]
