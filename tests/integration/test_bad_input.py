"""Bad input everywhere a person or a file can type: hypothesis drives the CLI and the services
with hostile values. Never an unhandled error; every rejection is one line naming the field;
a rejected input leaves the database byte-for-byte unchanged (a full dump is compared)."""

import contextlib
import io
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mild_desk.cli import main
from mild_desk.cli_commands import PROCEDURE_OPTIONS
from mild_desk.errors import DomainError
from mild_desk.models.enums import Role
from mild_desk.services import appointments, availability, base, clinic, patients, prep
from tests.conftest import BACKEND_ENV, PASSWORD
from tests.integration.conftest import NOW, Schedule, build_schedule

# 1,000 hostile examples per entry point on SQLite. The PostgreSQL pass re-runs the same
# validation code against the server, so 100 each prove the database side there.
EXAMPLES = 1000 if os.environ.get(BACKEND_ENV, "sqlite") == "sqlite" else 100
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HOSTILE = [
    "'; DROP TABLE patient; --",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "%_%",
    "NULL",
    "",
    " ",
    "\t",
    "\u202egnp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "\u0645\u0631\u062d\u0628\u0627",
    "😀🏥",
    "Zoë Łukasz Nguyễn",
    "O'Brien",
    "山田",
    "\x00",
    "\x07bell",
    "line\nbreak",
    "x" * 10_000,
    "x" * 250,  # a file name that fits, but not with a suffix added
    "1950-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "2027-03-14T02:30",
    "2026-11-01T01:30",
    "2026-12-08T08:00",
    "-1",
    "0",
    "1",
    "2",
    "99999999999999999999",
    "1e309",
    "nan",
    "inf",
    "08:00",
    "25:61",
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=SECONDLY",
    "L4-L5",
    "L5-S1",
    "MRI",
    "CT",
    "INR",
    "CrCl",
    "confirmed",
    "not-done",
    "patient",
    "clinic",
    "S001",
    "es",
    "America/New_York",
    "Mars/Base",
    "+1 (555) 010-2030",
]
text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
)
dates = st.one_of(st.dates(min_value=date(1, 1, 1)).map(date.isoformat), text)
moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1)).map(lambda d: d.isoformat(timespec="minutes")),
    st.datetimes(min_value=datetime(2026, 12, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(minute=d.minute // 15 * 15).isoformat(timespec="minutes")
    ),
    text,
)
ids = st.one_of(st.integers(-5, 12).map(str), text)
numbers = st.one_of(st.integers(-10, 10_000).map(str), st.floats().map(str))
# A file name inside the test's folder (never a path that climbs out of it).
names = text.filter(lambda t: "/" not in t and ".." not in t and t.strip() not in {"", "."})
ONE_LINE = re.compile(r"^mild-desk[^\n]*: [^\n]+\n$")
# Invalid input (exit 2) names its field: "mild-desk: FIELD: ..." from the services, or
# argparse's "mild-desk COMMAND: argument --OPTION: ..." (or "... are required: NAME").
FIELD = re.compile(
    r"^mild-desk: (?P<field>[a-z_]+): "
    r"|^mild-desk [^:]*: (argument|the following arguments are required:) (?P<arg>[^:, ]+)"
)


@pytest.fixture
def sched(clinic_db, monkeypatch: pytest.MonkeyPatch) -> Schedule:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)
    monkeypatch.setattr(base, "_pinned_now", NOW)
    s = build_schedule(clinic_db)
    appointments.book(
        s.db,
        s.actor(Role.SCHEDULER),
        mrn="S001",
        start=datetime.fromisoformat("2026-12-08T08:00-05:00"),
        now=NOW,
    )
    return s


# The names a message may give a positional argument or a value the command looks up itself.
POSITIONAL = {"appointment", "id", "file", "name", "query", "item", "entry", "verb"}
# Fields a command names besides its options: the account's user name, the profile's fields (one
# option is checked against the others, e.g. clear liquids against solids), the provider's cap.
ALSO_NAMED = {
    "user": {"username"},
    "procedure": {o.replace("-", "_") for o in PROCEDURE_OPTIONS},
    "provider": {"daily_case_cap"},
}


def cli(s: Schedule, user: str, args: list[str]) -> None:
    """Run one command; assert the contract for whatever it answered."""
    before = s.c.dump()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--db", s.c.url, "--user", user, *args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code  # type: ignore[assignment]
    message = err.getvalue()
    assert code in (0, 1, 2), message
    if code:
        assert ONE_LINE.match(message), repr(message)
        assert s.c.dump() == before, message
    if code == 2:
        named = FIELD.match(message)
        assert named, f"no field named: {message!r}"
        field = named["field"] or named["arg"].split("/")[-1].lstrip("-").replace("-", "_")
        given = {a.lstrip("-").replace("-", "_") for a in args if a.startswith("--")}
        known = given | POSITIONAL | ALSO_NAMED.get(args[0], set())
        assert field in known, f"{field!r} is not a field of {args[:2]}: {message!r}"


ENTRY_POINTS: dict[str, tuple[str, Callable[..., list[str]], dict[str, Any]]] = {
    "patient add": (
        "sam",
        lambda mrn, first, last, dob, phone, lang: [
            "patient",
            "add",
            "--mrn",
            mrn,
            "--first",
            first,
            "--last",
            last,
            "--dob",
            dob,
            "--phone",
            phone,
            "--lang",
            lang,
        ],
        {"mrn": text, "first": text, "last": text, "dob": dates, "phone": text, "lang": text},
    ),
    "book": (
        "sam",
        lambda mrn, start, provider, levels, side: [
            "book",
            "--mrn",
            mrn,
            "--start",
            start,
            "--provider",
            provider,
            "--levels",
            levels,
            "--laterality",
            side,
        ],
        {
            "mrn": st.one_of(st.sampled_from(["S001", "S002", "S003"]), text),
            "start": moments,
            "provider": ids,
            "levels": text,
            "side": text,
        },
    ),
    "template add": (
        "ada",
        lambda provider, room, rule, start, end, first: [
            "template",
            "add",
            "--provider",
            provider,
            "--room",
            room,
            "--rrule",
            rule,
            "--start",
            start,
            "--end",
            end,
            "--from",
            first,
        ],
        {"provider": ids, "room": ids, "rule": text, "start": text, "end": text, "first": dates},
    ),
    "closure add": (
        "ada",
        lambda day, to, provider, reason: [
            "closure",
            "add",
            "--date",
            day,
            "--to",
            to,
            "--provider",
            provider,
            "--reason",
            reason,
        ],
        {"day": dates, "to": dates, "provider": ids, "reason": text},
    ),
    "med add": (
        "nina",
        lambda mrn, drug, dose: ["med", "add", "--mrn", mrn, "--drug", drug, "--last-dose", dose],
        {"mrn": st.one_of(st.just("S002"), text), "drug": text, "dose": moments},
    ),
    "lab add": (
        "nina",
        lambda test, value, at: [
            "lab",
            "add",
            "--mrn",
            "S002",
            "--test",
            test,
            "--value",
            value,
            "--at",
            at,
        ],
        {"test": text, "value": text, "at": moments},
    ),
    "imaging add": (
        "nina",
        lambda modality, day, lf, levels: [
            "imaging",
            "add",
            "--mrn",
            "S003",
            "--modality",
            modality,
            "--date",
            day,
            "--lf-mm",
            lf,
            "--levels",
            levels,
        ],
        {"modality": text, "day": dates, "lf": text, "levels": text},
    ),
    "checklist tick": (
        "nina",
        lambda appt, item, state, note: [
            "checklist",
            appt,
            "tick",
            item,
            "--state",
            state,
            "--note",
            note,
        ],
        {"appt": ids, "item": text, "state": text, "note": text},
    ),
    "override": (
        "drp",
        lambda appt, requirement, reason: [
            "override",
            appt,
            "--requirement",
            requirement,
            "--reason",
            reason,
        ],
        {"appt": ids, "requirement": text, "reason": text},
    ),
    "cancel": (
        "sam",
        lambda appt, by, reason: ["cancel", appt, "--by", by, "--reason", reason],
        {"appt": ids, "by": text, "reason": text},
    ),
    "driver set": (
        "sam",
        lambda appt, name, phone, rel: [
            "driver",
            "set",
            appt,
            "--name",
            name,
            "--phone",
            phone,
            "--relationship",
            rel,
        ],
        {"appt": ids, "name": text, "phone": text, "rel": text},
    ),
    "clinic set": (
        "ada",
        lambda name, phone, tz: ["clinic", "set", "--name", name, "--phone", phone, "--tz", tz],
        {"name": text, "phone": text, "tz": text},
    ),
    "clinic set limits": (
        "ada",
        lambda idle, fails, lockout: [
            "clinic",
            "set",
            "--idle-lock-minutes",
            idle,
            "--max-failed-logins",
            fails,
            "--lockout-minutes",
            lockout,
        ],
        {"idle": ids, "fails": ids, "lockout": ids},
    ),
    "procedure set": (
        "ada",
        lambda option, value: ["procedure", "set", f"--{option}", value],
        {"option": st.sampled_from(PROCEDURE_OPTIONS), "value": st.one_of(numbers, text)},
    ),
    "user add": (
        "ada",
        lambda name, role, full: ["user", "add", name, "--role", role, "--full-name", full],
        {
            "name": text,
            "role": st.one_of(st.sampled_from(["nurse", "admin", "provider"]), text),
            "full": text,
        },
    ),
    "user disable": (
        "ada",
        lambda verb, name: ["user", verb, name],
        {"verb": st.sampled_from(["disable", "enable"]), "name": text},
    ),
    "provider add": (
        "ada",
        lambda name, cap: ["provider", "add", "--name", name, "--daily-cap", cap],
        {"name": text, "cap": ids},
    ),
    "room add": ("ada", lambda name: ["room", "add", "--name", name], {"name": text}),
    "patient search": ("sam", lambda query: ["patient", "search", query], {"query": text}),
    "slots": (
        "sam",
        lambda first, last, provider, mrn, limit: [
            "slots",
            "--from",
            first,
            "--to",
            last,
            "--provider",
            provider,
            "--mrn",
            mrn,
            "--limit",
            limit,
        ],
        {"first": dates, "last": dates, "provider": ids, "mrn": text, "limit": ids},
    ),
    "reschedule": (
        "sam",
        lambda appt, start, provider, room: [
            "reschedule",
            appt,
            "--start",
            start,
            "--provider",
            provider,
            "--room",
            room,
        ],
        {"appt": ids, "start": moments, "provider": ids, "room": ids},
    ),
    "appointment state": (
        "sam",
        lambda verb, appt: [verb, appt],
        {"verb": st.sampled_from(["confirm", "check-in", "no-show", "complete"]), "appt": ids},
    ),
    "day lists": (
        "nina",
        lambda command, day: [command, "--date", day],
        {"command": st.sampled_from(["appointments", "readiness"]), "day": dates},
    ),
    "waitlist add": (
        "sam",
        lambda mrn, provider, away, note: [
            "waitlist",
            "add",
            "--mrn",
            mrn,
            "--provider",
            provider,
            "--unavailable",
            away,
            "--note",
            note,
        ],
        {
            "mrn": st.one_of(st.just("S002"), text),
            "provider": ids,
            "away": dates,
            "note": text,
        },
    ),
    "waitlist remove": ("sam", lambda entry: ["waitlist", "remove", entry], {"entry": ids}),
    "clearance add": (
        "nina",
        lambda mrn, drug, by, note: [
            "clearance",
            "add",
            "--mrn",
            mrn,
            "--drug",
            drug,
            "--by",
            by,
            "--note",
            note,
        ],
        {"mrn": st.one_of(st.just("S002"), text), "drug": text, "by": text, "note": text},
    ),
    "called": (
        "sam",
        lambda appt, outcome, note: ["called", appt, "--outcome", outcome, "--note", note],
        {"appt": ids, "outcome": text, "note": text},
    ),
    "prep": (
        "nina",
        lambda command, appt: [command, appt],
        {"command": st.sampled_from(["prep", "checklist"]), "appt": ids},
    ),
    "print": (
        "nina",
        lambda document, appt, out, lang: ["print", document, appt, "--out", out, "--lang", lang],
        {
            "document": st.sampled_from(["checklist", "prep-letter", "discharge"]),
            "appt": ids,
            "out": names,
            "lang": st.one_of(st.sampled_from(["en", "es"]), text),
        },
    ),
    "print day": (
        "nina",
        lambda day, out: ["print", "day", "--date", day, "--out", out],
        {"day": dates, "out": names},
    ),
    "backup": (
        "ada",
        lambda option, value: ["backup", f"--{option}", value],
        {"option": st.sampled_from(["out", "keep-days"]), "value": st.one_of(names, ids)},
    ),
    "restore": ("ada", lambda file: ["restore", file], {"file": names}),
}


@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_cli_entry_point_survives_hostile_input(
    sched: Schedule, entry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files a command writes (print, backup) land in the test's own folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MILD_DESK_NEW_PASSWORD", "a-new-password-2026")
    user, build, strategies = ENTRY_POINTS[entry]

    @SETTINGS
    @given(**strategies)
    def run(**values: str) -> None:
        cli(sched, user, build(**values))

    run()


def _service(s: Schedule, call: Callable[[], object]) -> None:
    before = s.c.dump()
    error: DomainError | None = None
    try:
        call()
    except DomainError as exc:
        error = exc
    if error is not None:
        assert error.field, error
        assert "\n" not in str(error)
        assert s.c.dump() == before


@pytest.mark.slow
def test_patient_service_survives_hostile_input(sched: Schedule) -> None:
    actor = sched.actor(Role.SCHEDULER)

    @SETTINGS
    @given(
        mrn=text,
        first=text,
        last=text,
        dob=st.one_of(st.dates(), dates),
        phone=text,
        lang=text,
        allergies=text,
    )
    def run(**kw: Any) -> None:
        _service(
            sched,
            lambda: patients.add_patient(
                sched.db,
                actor,
                mrn=kw["mrn"],
                first=kw["first"],
                last=kw["last"],
                dob=kw["dob"],
                phone=kw["phone"],
                preferred_language=kw["lang"],
                allergies=kw["allergies"],
                now=NOW,
            ),
        )

    run()


@pytest.mark.slow
def test_prep_services_survive_hostile_input(sched: Schedule) -> None:
    nurse = sched.actor(Role.NURSE)

    @SETTINGS
    @given(
        drug=text,
        dose=st.one_of(st.datetimes(timezones=st.timezones()), moments),
        indication=st.one_of(st.none(), text),
        solids=moments,
        note=text,
    )
    def run(**kw: Any) -> None:
        _service(
            sched,
            lambda: prep.add_medication(
                sched.db,
                nurse,
                mrn="S002",
                drug=kw["drug"],
                last_dose=kw["dose"],
                indication=kw["indication"],
                now=NOW,
            ),
        )
        _service(
            sched,
            lambda: prep.tick(
                sched.db,
                nurse,
                1,
                item="npo",
                state="confirmed",
                note=kw["note"],
                last_solids=kw["solids"],
                last_clear_liquids=kw["solids"],
                now=NOW,
            ),
        )

    run()


# Python values only a caller of the services (the app) can pass: datetimes in any zone, dates
# at the ends of the calendar, floats that are not numbers, integers past any column.
any_moment = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.datetimes(datetime(2026, 12, 1), datetime(2027, 2, 1), timezones=st.just(NOW.tzinfo)).map(
        lambda d: d.replace(minute=d.minute // 30 * 30, second=0, microsecond=0)
    ),
    moments,
)
any_day = st.one_of(st.dates(), st.dates(date(2026, 12, 1), date(2027, 6, 1)), dates)
any_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    numbers,
    text,
)


@pytest.mark.slow
def test_scheduling_services_survive_hostile_values(sched: Schedule) -> None:
    admin, scheduler = sched.actor(Role.ADMIN), sched.actor(Role.SCHEDULER)

    @SETTINGS
    @given(
        start=any_moment,
        first=any_day,
        last=st.one_of(st.none(), any_day),
        provider=st.one_of(st.none(), st.integers(-3, 5), ids),
        setting=st.sampled_from([o.replace("-", "_") for o in PROCEDURE_OPTIONS]),
        value=any_number,
        reason=text,
    )
    def run(**kw: Any) -> None:
        _service(
            sched,
            lambda: appointments.book(
                sched.db, scheduler, mrn="S002", start=kw["start"], provider_id=kw["provider"]
            ),
        )
        _service(
            sched,
            lambda: appointments.reschedule(
                sched.db, scheduler, 1, start=kw["start"], provider_id=kw["provider"]
            ),
        )
        _service(
            sched,
            lambda: availability.find_slots(
                sched.db, scheduler, date_from=kw["first"], date_to=kw["last"] or kw["first"]
            ),
        )
        _service(
            sched,
            lambda: availability.add_closure(
                sched.db,
                admin,
                start_date=kw["first"],
                end_date=kw["last"],
                provider_id=kw["provider"],
                reason=kw["reason"],
            ),
        )
        setting = {kw["setting"]: kw["value"]}
        _service(sched, lambda: clinic.set_procedure(sched.db, admin, **setting))

    run()
