"""Scheduling through the CLI: exit 2 for malformed input, exit 1 for a rule's refusal, one line,
and the database unchanged either way."""

import json

import pytest

from mild_desk.cli import main
from mild_desk.services import base
from tests.conftest import PASSWORD
from tests.integration.conftest import NOW, Schedule


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)
    monkeypatch.setattr(base, "_pinned_now", NOW)


def run(s: Schedule, capsys: pytest.CaptureFixture[str], user: str, *args: str):  # type: ignore[no-untyped-def]
    code = main(["--db", s.c.url, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


BAD = [
    (
        "ada",
        [
            "template",
            "add",
            "--provider",
            "1",
            "--room",
            "1",
            "--rrule",
            "FREQ=NEVER",
            "--start",
            "08:00",
            "--end",
            "12:00",
        ],
        "rrule",
    ),
    (
        "ada",
        [
            "template",
            "add",
            "--provider",
            "1",
            "--room",
            "1",
            "--rrule",
            "FREQ=WEEKLY",
            "--start",
            "12:00",
            "--end",
            "08:00",
        ],
        "end",
    ),
    (
        "ada",
        [
            "template",
            "add",
            "--provider",
            "9",
            "--room",
            "1",
            "--rrule",
            "FREQ=WEEKLY",
            "--start",
            "08:00",
            "--end",
            "12:00",
        ],
        "provider",
    ),
    (
        "ada",
        [
            "template",
            "add",
            "--provider",
            "1",
            "--room",
            "9",
            "--rrule",
            "FREQ=WEEKLY",
            "--start",
            "08:00",
            "--end",
            "12:00",
        ],
        "room",
    ),
    ("ada", ["closure", "add", "--date", "2026-02-30", "--reason", "x"], "date"),
    (
        "ada",
        ["closure", "add", "--date", "2026-12-10", "--to", "2026-12-01", "--reason", "x"],
        "to",
    ),
    ("sam", ["book", "--mrn", "NOPE", "--start", "2026-12-08T08:00"], "mrn"),
    ("sam", ["book", "--mrn", "S001", "--start", "2026-02-30T08:00"], "start"),
    (
        "sam",
        ["book", "--mrn", "S001", "--start", "2026-12-08T08:00", "--provider", "9"],
        "provider",
    ),
    (
        "sam",
        ["book", "--mrn", "S001", "--start", "2026-12-08T08:00", "--levels", "L2-L4"],
        "levels",
    ),
    ("sam", ["book", "--mrn", "S001", "--start", "2027-03-14T02:30"], "start"),  # DST gap
    ("sam", ["slots", "--from", "2026-12-10", "--to", "2026-12-01"], "to"),
    ("sam", ["cancel", "999", "--by", "clinic", "--reason", "x"], "appointment"),
    ("sam", ["waitlist", "add", "--mrn", "S001", "--unavailable", "tomorrow"], "unavailable"),
]


@pytest.mark.parametrize(("user", "args", "field"), BAD)
def test_malformed_input_exits_2_naming_the_field(
    sched: Schedule,
    capsys,
    user,
    args,  # type: ignore[no-untyped-def]
    field,
) -> None:
    before = sched.c.dump()
    code, _, err = run(sched, capsys, user, *args)
    assert code == 2, err
    assert err.count("\n") == 1
    assert err.startswith(f"mild-desk: {field}: "), err
    assert sched.c.dump() == before


REFUSED = [
    (["book", "--mrn", "S002", "--start", "2026-12-08T08:00", "--provider", "1"], "slot taken"),
    (["book", "--mrn", "S002", "--start", "2026-12-08T08:20"], "not a bookable slot"),
    (["book", "--mrn", "S002", "--start", "2026-12-24T08:00"], "closed"),
    (["book", "--mrn", "S002", "--start", "2026-12-01T08:00"], "in the past"),
]


@pytest.mark.parametrize(("args", "reason"), REFUSED)
def test_rule_refusals_exit_1_with_the_reason(sched: Schedule, capsys, args, reason) -> None:  # type: ignore[no-untyped-def]
    assert (
        run(
            sched,
            capsys,
            "ada",
            "closure",
            "add",
            "--date",
            "2026-12-24",
            "--reason",
            "Christmas Eve",
        )[0]
        == 0
    )
    assert (
        run(
            sched,
            capsys,
            "sam",
            "book",
            "--mrn",
            "S001",
            "--start",
            "2026-12-08T08:00",
            "--provider",
            "1",
        )[0]
        == 0
    )
    before = sched.c.dump()
    code, _, err = run(sched, capsys, "sam", *args)
    assert code == 1, err
    assert reason in err
    assert err.count("\n") == 1
    assert sched.c.dump() == before


def test_appointments_json_lists_the_day(sched: Schedule, capsys) -> None:  # type: ignore[no-untyped-def]
    run(sched, capsys, "sam", "book", "--mrn", "S001", "--start", "2026-12-08T09:15")
    run(sched, capsys, "sam", "book", "--mrn", "S002", "--start", "2026-12-08T08:00")
    code, out, _ = run(sched, capsys, "sam", "--json", "appointments", "--date", "2026-12-08")
    listed = json.loads(out)
    assert code == 0
    assert [(a["patient_mrn"], a["start"]) for a in listed] == [
        ("S002", "2026-12-08T08:00:00-05:00"),
        ("S001", "2026-12-08T09:15:00-05:00"),
    ]
    assert set(listed[0]) >= {
        "id",
        "status",
        "start",
        "end",
        "patient_mrn",
        "provider_id",
        "room_id",
    }
    code, out, _ = run(
        sched, capsys, "sam", "--json", "slots", "--from", "2026-12-08", "--to", "2026-12-08"
    )
    slots = json.loads(out)
    assert set(slots[0]) == {"start", "end", "provider_id", "room_id"}
    assert slots == sorted(slots, key=lambda s: s["start"])
