"""The demo clinic: a believable, living clinic in an empty database, for newcomers."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import select

from mild_desk.db import Database
from mild_desk.errors import Refused
from mild_desk.models.tables import Patient, User
from mild_desk.services import clinic, patients, users
from mild_desk.services.base import Actor, utcnow

DEMO_USERS = (
    ("admin", "admin", "Alex Admin"),
    ("sam", "scheduler", "Sam Rivera"),
    ("nina", "nurse", "Nina Okafor"),
    ("drpatel", "provider", "Dr. Priya Patel"),
)
DEMO_PASSWORD_SUFFIX = "-demo-2026"

_FIRST = (
    "Margaret",
    "Robert",
    "Linda",
    "James",
    "Patricia",
    "John",
    "Barbara",
    "William",
    "Dolores",
    "Carlos",
    "Zoë",
    "Łukasz",
    "Siobhan",
    "Hiroshi",
    "Fatima",
    "George",
    "Evelyn",
    "Frank",
    "Rosa",
    "Harold",
)
_LAST = (
    "Nguyễn",
    "O'Brien",
    "Johnson",
    "García",
    "Kowalski",
    "Smith",
    "Yamada",
    "Haddad",
    "Williams",
    "Brown",
    "Martínez",
    "Davis",
    "Schäfer",
    "Murphy",
    "Okonkwo",
    "Lee",
    "Rossi",
    "Andersen",
    "Thompson",
    "Clark",
)


@dataclass
class DemoReport:
    database: str
    users: list[dict[str, str]] = field(default_factory=list)
    providers: int = 0
    rooms: int = 0
    patients: int = 0
    appointments: int = 0


def password_for(username: str) -> str:
    return f"{username}{DEMO_PASSWORD_SUFFIX}"


def build(db: Database, *, now: datetime | None = None, seed: int = 7) -> DemoReport:
    """Fill an empty (initialised) database. Refuses a database that already has users."""
    when = now or utcnow()
    with db.read() as tx:
        if tx.session.exec(select(User.id).limit(1)).first() is not None:
            raise Refused("the database already has users; the demo needs an empty one", field="db")
    report = DemoReport(database=db.url)
    admin_name = DEMO_USERS[0][0]
    users.add_user(
        db,
        None,
        username=admin_name,
        role="admin",
        password=password_for(admin_name),
        full_name=DEMO_USERS[0][2],
        now=when,
    )
    admin = users.login(db, admin_name, password_for(admin_name), now=when)
    for username, role, full in DEMO_USERS:
        if username != admin_name:
            users.add_user(
                db,
                admin,
                username=username,
                role=role,
                password=password_for(username),
                full_name=full,
                now=when,
            )
        report.users.append(
            {"username": username, "role": role, "password": password_for(username)}
        )
    clinic.set_clinic(
        db,
        admin,
        name="Riverside Spine & Pain Center",
        phone="(555) 010-2030",
        timezone="America/New_York",
        now=when,
    )
    p1 = clinic.add_provider(db, admin, name="Dr. Priya Patel", now=when)
    p2 = clinic.add_provider(db, admin, name="Dr. Marcus Chen", now=when)
    r1 = clinic.add_room(db, admin, name="Procedure Room 1", now=when)
    r2 = clinic.add_room(db, admin, name="Procedure Room 2", now=when)
    report.providers, report.rooms = 2, 2
    scheduler = users.login(db, "sam", password_for("sam"), now=when)
    report.patients = len(_patients(db, scheduler, when, random.Random(seed)))
    _ = (p1, p2, r1, r2)
    return report


def _patients(db: Database, actor: Actor, when: datetime, rng: random.Random) -> list[int]:
    ids: list[int] = []
    for i in range(40):
        first = _FIRST[i % len(_FIRST)]
        last = _LAST[(i * 7) % len(_LAST)]
        born = date(1940 + rng.randrange(35), rng.randrange(1, 13), rng.randrange(1, 29))
        row = patients.add_patient(
            db,
            actor,
            mrn=f"MRN{10001 + i}",
            first=first,
            last=last,
            dob=born,
            phone=f"(555) 01{rng.randrange(10)}-{rng.randrange(1000, 9999)}",
            preferred_language="es" if last in {"García", "Martínez"} else "en",
            allergies=rng.choice(["", "", "iodinated contrast (hives)", "latex", "penicillin"]),
            diabetic=rng.random() < 0.25,
            now=when,
        )
        ids.append(row.id)
    with db.read() as tx:
        assert tx.session.exec(select(Patient.id)).first() is not None
    return ids
