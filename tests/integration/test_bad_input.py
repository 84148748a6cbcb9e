"""Bad input everywhere a person or a file can type: hypothesis drives the CLI and the services
with hostile values. Never an unhandled error; every rejection is one line naming the field;
a rejected input leaves the database byte-for-byte unchanged (a full dump is compared)."""

import contextlib
import io
import os
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mild_desk.cli import main
from mild_desk.errors import DomainError
from mild_desk.models.enums import Role
from mild_desk.services import appointments, base, patients, prep
from tests.conftest import BACKEND_ENV, PASSWORD
from tests.integration.conftest import NOW, Schedule, build_schedule

# 1,000 hostile examples per entry point on SQLite. The PostgreSQL pass re-runs the same
# validation code against the server, so 100 each prove the database side there.
EXAMPLES = 1000 if os.environ.get(BACKEND_ENV, "sqlite") == "sqlite" else 100
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
ONE_LINE = re.compile(r"^mild-desk[^\n]*: [^\n]+\n$")


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
}


@pytest.mark.slow
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_cli_entry_point_survives_hostile_input(sched: Schedule, entry: str) -> None:
    user, build, strategies = ENTRY_POINTS[entry]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
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

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
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

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
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
