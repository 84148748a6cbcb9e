"""The demo clinic: a believable, living clinic in an empty database, for newcomers."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from mild_desk.db import Database
from mild_desk.errors import Refused
from mild_desk.models.tables import User
from mild_desk.resources import checklist_items
from mild_desk.services import appointments, availability, clinic, patients, prep, users
from mild_desk.services.availability import SlotRead
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
    rng = random.Random(seed)
    mrns = _patients(db, scheduler, when, rng)
    report.patients = len(mrns)
    tz = clinic.clinic(db).tz
    today = when.astimezone(tz).date()
    horizon = today - timedelta(days=21)
    for provider, room in ((p1, r1), (p2, r2)):
        availability.add_template(
            db,
            admin,
            provider_id=provider.id,
            room_id=room.id,
            rrule="FREQ=WEEKLY;BYDAY=TU,TH",
            start="08:00",
            end="12:00",
            valid_from=horizon,
            now=when,
        )
    thanksgiving = _fourth_thursday(today.year, 11)
    if thanksgiving < today:
        thanksgiving = _fourth_thursday(today.year + 1, 11)
    availability.add_closure(db, admin, start_date=thanksgiving, reason="Thanksgiving", now=when)
    staff = {u: users.login(db, u, password_for(u), now=when) for u in ("nina", "drpatel")}
    report.appointments = _history(db, scheduler, staff, mrns[:6], when, tz, rng)
    report.appointments += _upcoming(db, scheduler, staff, mrns[6:], when, tz, rng)
    return report


def _patients(db: Database, actor: Actor, when: datetime, rng: random.Random) -> list[str]:
    ids: list[str] = []
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
        ids.append(row.mrn)
    return ids


def _fourth_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _session_slots(
    db: Database, actor: Actor, first: date, last: date, now: datetime
) -> list[SlotRead]:
    return availability.find_slots(db, actor, date_from=first, date_to=last, now=now)


def _history(
    db: Database,
    scheduler: Actor,
    staff: dict[str, Actor],
    mrns: list[str],
    now: datetime,
    tz: ZoneInfo,
    rng: random.Random,
) -> int:
    """Procedures done in the last two weeks: fully prepared, ticked and completed."""
    nurse, provider = staff["nina"], staff["drpatel"]
    today = now.astimezone(tz).date()
    past = now - timedelta(days=30)
    slots = [
        s
        for s in _session_slots(
            db, scheduler, today - timedelta(days=14), today - timedelta(days=1), past
        )
        if s.provider_id == 1
    ]
    done = 0
    for mrn, slot in zip(mrns, slots[:: max(1, len(slots) // max(1, len(mrns)))], strict=False):
        booked_at = slot.start - timedelta(days=12)
        prep.add_imaging(
            db,
            nurse,
            mrn=mrn,
            modality="MRI",
            study_date=(slot.start - timedelta(days=60)).astimezone(tz).date(),
            lf_mm=round(rng.uniform(2.8, 5.5), 1),
            now=booked_at,
        )
        appt = appointments.book(
            db,
            scheduler,
            mrn=mrn,
            start=slot.start,
            levels="L4-L5",
            laterality="bilateral",
            now=booked_at,
        )
        prep.set_driver(
            db,
            scheduler,
            appt.id,
            name="Pat Driver",
            phone="(555) 010-7777",
            relationship="spouse",
            now=booked_at,
        )
        morning = slot.start - timedelta(minutes=45)
        appointments.check_in(db, nurse, appt.id, now=morning)
        for item in checklist_items():
            role = nurse if "nurse" in item.roles else provider
            state = "confirmed" if item.condition is None else "not-applicable"
            prep.tick(
                db,
                role,
                appt.id,
                item=item.key,
                state=state,
                now=morning,
                last_solids=slot.start - timedelta(hours=10),
                last_clear_liquids=slot.start - timedelta(hours=3),
            )
        prep.complete(db, provider, appt.id, now=slot.end)
        done += 1
    return done


def _upcoming(
    db: Database,
    scheduler: Actor,
    staff: dict[str, Actor],
    mrns: list[str],
    now: datetime,
    tz: ZoneInfo,
    rng: random.Random,
) -> int:
    """Bookings over the next three weeks, with patients in every prep state."""
    nurse, provider = staff["nina"], staff["drpatel"]
    today = now.astimezone(tz).date()
    slots = _session_slots(
        db, scheduler, today + timedelta(days=1), today + timedelta(days=21), now
    )
    chosen = [s for i, s in enumerate(slots) if i % 3 != 2][: len(mrns)]
    booked = 0
    for n, (mrn, slot) in enumerate(zip(mrns, chosen, strict=False)):
        kind = n % 7
        if kind != 5:  # everyone but the "no imaging yet" patient has a recent MRI
            prep.add_imaging(
                db,
                nurse,
                mrn=mrn,
                modality=rng.choice(["MRI", "MRI", "CT"]),
                study_date=today - timedelta(days=rng.randrange(20, 300)),
                lf_mm=round(rng.uniform(2.6, 5.5), 1),
                now=now,
            )
        plans: dict[int, list[tuple[str, str | None]]] = {
            1: [("naproxen", None)],
            2: [("clopidogrel", None)],
            3: [("aspirin", "primary"), ("ibuprofen", None)],
            4: [("warfarin", None)],
            6: [("fish oil", None)],
        }
        drugs = plans.get(kind, [])
        for drug, indication in drugs:
            prep.add_medication(db, nurse, mrn=mrn, drug=drug, indication=indication, now=now)
        appt = appointments.book(
            db,
            scheduler,
            mrn=mrn,
            start=slot.start,
            pending=kind == 5,
            levels=rng.choice(["L4-L5", "L3-L4,L4-L5", "L3-L4"]),
            laterality=rng.choice(["bilateral", "left", "right"]),
            now=now,
        )
        booked += 1
        if kind in (0, 1, 3, 6):
            prep.set_driver(
                db,
                scheduler,
                appt.id,
                name=rng.choice(["Maria", "Tom", "Aiko"]) + " " + mrn[-2:],
                phone=f"(555) 010-{1000 + n}",
                relationship=rng.choice(["daughter", "son", "spouse", "friend"]),
                now=now,
            )
        if kind == 1:  # stopped early enough: the hold is met
            prep.add_medication(
                db,
                nurse,
                mrn=mrn,
                drug="naproxen",
                last_dose=min(now - timedelta(hours=1), slot.start - timedelta(days=5)),
                now=now,
            )
        if kind == 2 and n < 4:  # took a dose too late for this date: unmet, must move
            prep.add_medication(db, nurse, mrn=mrn, drug="clopidogrel", last_dose=now, now=now)
        if kind == 6:
            prep.add_clearance(
                db,
                nurse,
                mrn=mrn,
                drug="fish oil",
                by="Dr. Alvarez (PCP)",
                note="may continue",
                now=now,
            )
        if kind == 3:
            prep.override(
                db,
                provider,
                appt.id,
                requirement="driver",
                reason="patient lives next door and a nurse will walk her home",
                now=now,
            )
    return booked
