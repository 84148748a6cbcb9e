"""Make tests/data/schema-0001.sqlite3: a clinic database at schema revision 0001 with rows in
every table, for the upgrade test (tests/integration/test_upgrade.py).

    .venv/bin/python scripts/make_schema_fixture.py [OUT]

The rows come from the services, on a pinned clock, written to a scratch database at the current
head; one column no service sets (provider.user_id) is set directly. A fresh database is then
created with Alembic revision 0001 only, and every column that revision has is copied into it,
row by row, ids included. So the fixture is what the first release's clinic looks like, whatever
later revisions added. The fixture is committed; regenerate it only if a table or column of
revision 0001 changes meaning (the script refuses when one has disappeared from head).
"""

import sqlite3
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from mild_desk import migrations
from mild_desk.db import Database
from mild_desk.resources import checklist_items
from mild_desk.services import (
    appointments,
    availability,
    clinic,
    patients,
    prep,
    users,
    waitlist,
)
from mild_desk.services import base as services_base

ROOT = Path(__file__).resolve().parents[1]
REVISION = "0001"
OUT = ROOT / "tests" / "data" / f"schema-{REVISION}.sqlite3"
PASSWORD = "fixture-pass-0001"
# The clinic's day: Monday 16 Nov 2026, 10:00 in New York.
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
SET_UP = datetime(2026, 10, 1, 14, 0, tzinfo=UTC)


def main(out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, *(out.with_name(out.name + s) for s in ("-wal", "-shm", "-journal"))):
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "head.sqlite3"
        db = Database.open(f"sqlite:///{source}")
        clinic.initialise(db)
        _fill(db)
        db.dispose()
        target = Database.open(f"sqlite:///{out}")
        _schema_at_revision(target)
        target.dispose()
        _copy_rows(source, out)
    _compact(out)
    counts = _counts(out)
    empty = sorted(name for name, count in counts.items() if count == 0)
    if empty:
        raise SystemExit(f"tables left empty: {', '.join(empty)}")
    print(f"{out}: revision {REVISION}, {out.stat().st_size:,} bytes")
    for name, count in sorted(counts.items()):
        print(f"  {name:<24} {count:>4}")


def _schema_at_revision(db: Database) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, REVISION)


def _copy_rows(source: Path, out: Path) -> None:
    """Every row of every revision-0001 table, its 0001 columns only, ids kept."""
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS head", (str(source),))
        conn.execute("BEGIN")
        for table in _tables(conn, "main"):
            if table == "alembic_version":
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")')]
            have = {r[1] for r in conn.execute(f'PRAGMA head.table_info("{table}")')}
            missing = sorted(set(columns) - have)
            if missing:
                raise SystemExit(
                    f"{table}.{', '.join(missing)} of revision {REVISION} is gone from head; "
                    "keep the committed fixture (it was made when they existed)"
                )
            names = ", ".join(f'"{c}"' for c in columns)
            conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM head."{table}"')
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE head")
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection, schema: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _fill(db: Database) -> None:
    at(SET_UP)
    users.add_user(db, None, username="ada", role="admin", password=PASSWORD, full_name="Ada Admin")
    admin = users.login(db, "ada", PASSWORD)
    for name, role, full in (
        ("sam", "scheduler", "Sam Rivera"),
        ("nina", "nurse", "Nina Okafor"),
        ("drp", "provider", "Dr. Priya Patel"),
        ("old", "scheduler", "Former Scheduler"),
    ):
        users.add_user(db, admin, username=name, role=role, password=PASSWORD, full_name=full)
    users.set_active(db, admin, username="old", active=False)
    sam, nina, drp = (users.login(db, u, PASSWORD) for u in ("sam", "nina", "drp"))
    clinic.set_clinic(
        db, admin, name="Riverside Spine & Pain", phone="(555) 010-2030", idle_lock_minutes=15
    )
    clinic.set_procedure(db, admin, daily_case_cap=4, inr_max=1.3)
    p1 = clinic.add_provider(db, admin, name="Dr. Priya Patel").id
    p2 = clinic.add_provider(db, admin, name="Dr. Marcus Chen", daily_case_cap=3).id
    r1 = clinic.add_room(db, admin, name="Procedure Room 1").id
    r2 = clinic.add_room(db, admin, name="Procedure Room 2").id
    for provider, room, until in ((p1, r1, None), (p2, r2, date(2027, 6, 30))):
        availability.add_template(
            db,
            admin,
            provider_id=provider,
            room_id=room,
            rrule="FREQ=WEEKLY;BYDAY=TU,TH",
            start="08:00",
            end="12:00",
            valid_from=date(2026, 9, 1),
            valid_until=until,
        )
    availability.add_closure(db, admin, start_date=date(2026, 11, 26), reason="Thanksgiving")
    availability.add_closure(
        db,
        admin,
        start_date=date(2026, 11, 24),
        end_date=date(2026, 11, 25),
        provider_id=p2,
        reason="Dr. Chen at a conference",
    )
    people = (
        ("F0001", "Margaret", "Nguyễn", "1948-03-02", "", False),
        ("F0002", "Robert", "O'Brien", "1951-11-30", "latex", True),
        ("F0003", "Dolores", "García", "1945-07-14", "iodinated contrast (hives)", False),
        ("F0004", "Hiroshi", "Yamada", "1956-01-09", "", False),
        ("F0005", "Łukasz", "Kowalski", "1950-05-05", "penicillin", True),
        ("F0006", "Fatima", "Haddad", "1953-12-24", "", False),
        ("F0007", "Zoë", "Schäfer", "1949-08-18", "", False),
    )
    for n, (mrn, first, last, dob, allergies, diabetic) in enumerate(people):
        patients.add_patient(
            db,
            sam,
            mrn=mrn,
            first=first,
            last=last,
            dob=dob,
            phone=f"(555) 010-{4000 + n}",
            preferred_language="es" if last == "García" else "en",
            referring_physician="Dr. Alvarez (PCP)" if n % 2 else None,
            allergies=allergies or None,
            diabetic=diabetic,
        )
    with db.write() as tx:  # no service links a provider to a user account at this revision
        tx.session.exec(text("UPDATE provider SET user_id = 4 WHERE id = :p").bindparams(p=p1))  # type: ignore[call-overload]
        tx.commit()

    # A procedure done last week: prepared, checked in, every checklist item, completed.
    booked_at = datetime(2026, 10, 28, 15, 0, tzinfo=UTC)
    at(booked_at)
    prep.add_imaging(
        db, nina, mrn="F0001", modality="MRI", study_date="2026-09-20", lf_mm=4.1, levels="L4-L5"
    )
    done = appointments.book(
        db,
        sam,
        mrn="F0001",
        start="2026-11-10T08:00",
        provider_id=p1,
        levels="L4-L5",
        laterality="bilateral",
    ).id
    prep.set_driver(db, sam, done, name="Tom Nguyễn", phone="(555) 010-7777", relationship="son")
    morning = datetime(2026, 11, 10, 12, 15, tzinfo=UTC)  # 07:15 in New York
    at(morning)
    appointments.check_in(db, nina, done)
    for item in checklist_items():
        prep.tick(
            db,
            nina if "nurse" in item.roles else drp,
            done,
            item=item.key,
            state="confirmed" if item.condition is None else "not-applicable",
            last_solids="2026-11-09T22:00",
            last_clear_liquids="2026-11-10T05:00",
        )
    at(datetime(2026, 11, 10, 14, 0, tzinfo=UTC))
    prep.complete(db, drp, done)

    # A no-show last week.
    at(booked_at)
    prep.add_imaging(db, nina, mrn="F0002", modality="CT", study_date="2026-06-01")
    missed = appointments.book(db, sam, mrn="F0002", start="2026-11-12T08:00").id
    at(datetime(2026, 11, 12, 15, 0, tzinfo=UTC))
    appointments.no_show(db, sam, missed)

    # This week and next, booked today.
    at(NOW)
    prep.add_imaging(db, nina, mrn="F0003", modality="MRI", study_date="2026-08-11", lf_mm=3.2)
    prep.add_medication(db, nina, mrn="F0003", drug="warfarin", last_dose="2026-11-10T20:00")
    prep.add_lab(db, nina, mrn="F0003", test="INR", value=1.1, taken_at="2026-11-16T08:30")
    ready = appointments.book(
        db, sam, mrn="F0003", start="2026-11-17T08:00", provider_id=p1, levels="L3-L4,L4-L5"
    ).id
    prep.set_driver(db, nina, ready, name="Rosa García", phone="555 010 8888")
    prep.tick(db, nina, ready, item="consent", state="confirmed", note="signed in clinic")
    prep.tick(db, nina, ready, item="allergies", state="not-done", note="call the patient")
    prep.override(
        db,
        drp,
        ready,
        requirement="driver",
        reason="her daughter confirmed by phone and will bring photo id",
    )

    prep.add_medication(db, nina, mrn="F0004", drug="aspirin", indication="primary")
    held = appointments.book(db, sam, mrn="F0004", start="2026-11-19T08:00", pending=True).id
    prep.record_call(db, sam, held, outcome="left voicemail", note="asked for the MRI report")

    prep.add_imaging(db, nina, mrn="F0005", modality="MRI", study_date="2026-10-02", lf_mm=2.9)
    prep.add_lab(db, nina, mrn="F0005", test="CrCl", value=48, taken_at="2026-11-02T09:00")
    prep.add_medication(db, nina, mrn="F0005", drug="dabigatran")
    moved = appointments.book(db, sam, mrn="F0005", start="2026-11-17T09:15", provider_id=p1).id
    appointments.reschedule(db, sam, moved, start="2026-11-19T09:15")

    prep.add_imaging(db, nina, mrn="F0006", modality="MRI", study_date="2026-07-07", lf_mm=5.0)
    prep.add_medication(db, nina, mrn="F0006", drug="fish oil")
    prep.add_clearance(
        db, nina, mrn="F0006", drug="fish oil", by="Dr. Alvarez (PCP)", note="may continue"
    )
    dropped = appointments.book(db, sam, mrn="F0006", start="2026-11-19T10:30", provider_id=p2).id
    appointments.cancel(db, sam, dropped, by="patient", reason="family wedding that week")
    waitlist.add(
        db,
        sam,
        mrn="F0006",
        preferred_provider_id=p2,
        unavailable=["2026-12-24", "2026-12-31"],
        note="mornings only",
    )
    entry = waitlist.add(db, sam, mrn="F0004", note="wants an earlier date")
    waitlist.remove(db, sam, entry.id)

    prep.add_imaging(db, nina, mrn="F0007", modality="MRI", study_date="2026-10-20", lf_mm=3.6)
    wrong = appointments.book(db, sam, mrn="F0007", start="2026-11-17T10:30").id
    appointments.entered_in_error(db, sam, wrong, reason="booked for the wrong patient")
    at(None)


def at(moment: datetime | None) -> None:
    """Pin the services' clock (every row and audit event gets this time)."""
    services_base._pinned_now = moment


def _compact(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = _tables(conn, "main")
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
