"""Issue 4 end to end through the CLI: book, hold dates, a too-late dose, reschedule to the
earliest feasible date, tick the checklist to ready, complete. The clock is pinned per step."""

import json
from datetime import datetime

import pytest

from mild_desk.cli import main
from mild_desk.resources import checklist_items
from mild_desk.services import base
from tests.conftest import PASSWORD
from tests.integration.conftest import NY, Schedule


class Cli:
    def __init__(
        self, sched: Schedule, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.url = sched.c.url
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)

    def at(self, local: str) -> "Cli":
        """Pin the clock to a clinic-local time."""
        self.monkeypatch.setattr(
            base, "_pinned_now", datetime.fromisoformat(local).replace(tzinfo=NY)
        )
        return self

    def __call__(self, user: str, *args: str, code: int = 0):  # type: ignore[no-untyped-def]
        got = main(["--db", self.url, "--user", user, "--json", *args])
        out, err = self.capsys.readouterr()
        assert got == code, err
        return json.loads(out) if out.strip() else None


@pytest.fixture
def cli(
    sched: Schedule, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    return Cli(sched, capsys, monkeypatch).at("2026-12-07T09:00")


def iso(local: str) -> str:
    return datetime.fromisoformat(local).replace(tzinfo=NY).isoformat()


def test_naproxen_and_clopidogrel_from_booking_to_completion(cli: Cli) -> None:
    cli(
        "sam",
        "patient",
        "add",
        "--mrn",
        "P100",
        "--first",
        "Rosa",
        "--last",
        "Nguyễn",
        "--dob",
        "1949-03-14",
    )
    cli(
        "nina",
        "imaging",
        "add",
        "--mrn",
        "P100",
        "--modality",
        "MRI",
        "--date",
        "2026-06-15",
        "--lf-mm",
        "3.0",
        "--levels",
        "L4-L5",
    )
    cli("nina", "med", "add", "--mrn", "P100", "--drug", "Naproxen 220 mg")
    cli("nina", "med", "add", "--mrn", "P100", "--drug", "Plavix")
    first = cli("sam", "book", "--mrn", "P100", "--start", "2026-12-10T08:00", "--levels", "L4-L5")

    prep = cli("sam", "prep", str(first["id"]))
    meds = {m["drug"]: m for m in prep["medications"]}
    assert meds["Naproxen 220 mg"]["hold_hours"] == 96
    assert meds["Naproxen 220 mg"]["last_allowed_dose"] == iso("2026-12-06T08:00")
    assert meds["Plavix"]["hold_hours"] == 168
    assert meds["Plavix"]["last_allowed_dose"] == iso("2026-12-03T08:00")
    assert meds["Plavix"]["restart_at"] == iso("2026-12-11T09:00")
    assert prep["fasting"] == {
        "no_solids_after": iso("2026-12-10T02:00"),
        "clear_liquids_until": iso("2026-12-10T06:00"),
    }
    assert prep["imaging"]["valid_until"] == "2027-06-15"
    assert prep["ready"] is False
    assert {r["key"] for r in prep["requirements"]} == {
        "imaging",
        "anticoagulation",
        "fasting",
        "driver",
    }

    # Naproxen stopped in time; Plavix taken yesterday morning: too late for Thursday.
    cli(
        "nina",
        "med",
        "add",
        "--mrn",
        "P100",
        "--drug",
        "naproxen",
        "--last-dose",
        "2026-12-05T20:00",
    )
    cli(
        "nina", "med", "add", "--mrn", "P100", "--drug", "plavix", "--last-dose", "2026-12-06T08:00"
    )
    prep = cli("sam", "prep", str(first["id"]))
    lines = {r["subject"]: r for r in prep["requirements"] if r["key"] == "anticoagulation"}
    assert lines["Naproxen 220 mg"]["status"] == "met"
    assert lines["Plavix"]["status"] == "unmet"
    assert "earliest feasible start Sun 13 Dec 2026 08:00" in lines["Plavix"]["detail"]

    # Moving to a date the hold still forbids is refused, naming the earliest feasible start.
    cli("sam", "reschedule", str(first["id"]), "--start", "2026-12-10T09:15", code=1)
    (slot,) = cli(
        "sam",
        "slots",
        "--mrn",
        "P100",
        "--from",
        "2026-12-08",
        "--to",
        "2026-12-31",
        "--limit",
        "1",
    )
    assert slot["start"] == iso("2026-12-15T08:00")
    moved = cli("sam", "reschedule", str(first["id"]), "--start", "2026-12-15T08:00")
    assert moved["replaces_id"] == first["id"]
    cli(
        "nina",
        "clearance",
        "add",
        "--mrn",
        "P100",
        "--drug",
        "Plavix",
        "--by",
        "Dr. Imani Heart (cardiology)",
    )
    cli(
        "sam",
        "driver",
        "set",
        str(moved["id"]),
        "--name",
        "Tom Nguyễn",
        "--phone",
        "555-0199",
        "--relationship",
        "son",
    )
    prep = cli("sam", "prep", str(moved["id"]))
    statuses = {(r["key"], r["subject"]): r["status"] for r in prep["requirements"]}
    assert statuses == {
        ("imaging", None): "met",
        ("anticoagulation", "Naproxen 220 mg"): "met",
        ("anticoagulation", "Plavix"): "met",
        ("fasting", None): "pending",
        ("driver", None): "met",
    }

    # The day: check in, refuse completion while not ready, tick everything, complete.
    cli.at("2026-12-15T07:00")
    cli("nina", "check-in", str(moved["id"]))
    cli("drp", "complete", str(moved["id"]), code=1)
    for item in checklist_items():
        user = "nina" if "nurse" in item.roles else "drp"
        state = "not-applicable" if item.condition else "confirmed"
        extra = (
            ["--last-solids", "2026-12-15T00:30", "--last-clear-liquids", "2026-12-15T05:45"]
            if item.key == "npo"
            else []
        )
        cli(user, "checklist", str(moved["id"]), "tick", item.key, "--state", state, *extra)
    listed = cli("nina", "checklist", str(moved["id"]))
    assert {i["key"] for i in listed} == {i.key for i in checklist_items()}
    assert all(i["state"] in ("confirmed", "not-applicable") for i in listed)
    assert cli("nina", "prep", str(moved["id"]))["ready"] is True
    done = cli("drp", "complete", str(moved["id"]))
    assert done["status"] == "fulfilled"


def test_npo_confirmation_needs_times_that_respect_the_fast(cli: Cli, sched: Schedule) -> None:
    appt = cli("sam", "book", "--mrn", sched.mrns[0], "--start", "2026-12-08T08:00")
    cli.at("2026-12-08T07:00")
    cli("nina", "check-in", str(appt["id"]))
    cli("nina", "checklist", str(appt["id"]), "tick", "npo", "--state", "confirmed", code=2)
    cli(
        "nina",
        "checklist",
        str(appt["id"]),
        "tick",
        "npo",
        "--state",
        "confirmed",
        "--last-solids",
        "2026-12-08T03:00",
        "--last-clear-liquids",
        "2026-12-08T05:00",
        code=1,
    )
    cli(
        "nina",
        "checklist",
        str(appt["id"]),
        "tick",
        "npo",
        "--state",
        "confirmed",
        "--last-solids",
        "2026-12-07T23:00",
        "--last-clear-liquids",
        "2026-12-08T05:00",
    )
    (npo,) = [i for i in cli("nina", "checklist", str(appt["id"])) if i["key"] == "npo"]
    assert npo["state"] == "confirmed"
    assert npo["by"] == "nina"
    assert "last solids Mon 7 Dec 2026 23:00" in npo["note"]


def test_a_change_of_mind_is_a_new_event(cli: Cli, sched: Schedule) -> None:
    appt = cli("sam", "book", "--mrn", sched.mrns[0], "--start", "2026-12-08T08:00")
    cli("nina", "checklist", str(appt["id"]), "tick", "consent", "--state", "confirmed")
    cli.at("2026-12-07T09:05")
    cli(
        "nina",
        "checklist",
        str(appt["id"]),
        "tick",
        "consent",
        "--state",
        "not-done",
        "--note",
        "wrong level on the form",
    )
    (consent,) = [i for i in cli("nina", "checklist", str(appt["id"])) if i["key"] == "consent"]
    assert (consent["state"], consent["note"]) == ("not-done", "wrong level on the form")
    rows = sched.c.rows("SELECT state FROM checklist_event WHERE item_key='consent' ORDER BY id")
    assert rows == [("confirmed",), ("not-done",)]


@pytest.mark.parametrize(("user", "code"), [("ada", 1), ("sam", 1), ("nina", 1), ("drp", 0)])
def test_only_a_provider_may_override(cli: Cli, sched: Schedule, user: str, code: int) -> None:
    appt = cli("sam", "book", "--mrn", sched.mrns[0], "--start", "2026-12-08T08:00")
    before = sched.c.dump()
    result = cli(
        user,
        "override",
        str(appt["id"]),
        "--requirement",
        "driver",
        "--reason",
        "patient walks home with the clinic's escort",
        code=code,
    )
    if code:
        assert sched.c.dump() == before
        return
    (driver,) = [r for r in result["requirements"] if r["key"] == "driver"]
    assert (driver["status"], driver["underlying"]) == ("overridden", "pending")
    assert driver["override_reason"] == "patient walks home with the clinic's escort"


def test_an_override_needs_a_real_reason(cli: Cli, sched: Schedule) -> None:
    appt = cli("sam", "book", "--mrn", sched.mrns[0], "--start", "2026-12-08T08:00")
    cli("drp", "override", str(appt["id"]), "--requirement", "driver", "--reason", "ok", code=2)


def test_booking_needs_imaging_but_a_pending_hold_does_not(cli: Cli) -> None:
    cli(
        "sam",
        "patient",
        "add",
        "--mrn",
        "N1",
        "--first",
        "No",
        "--last",
        "Scan",
        "--dob",
        "1950-01-01",
    )
    cli("sam", "book", "--mrn", "N1", "--start", "2026-12-08T08:00", code=1)
    held = cli("sam", "book", "--mrn", "N1", "--start", "2026-12-08T08:00", "--pending")
    assert held["status"] == "pending"
    cli("sam", "confirm", str(held["id"]), code=1)
    cli("nina", "imaging", "add", "--mrn", "N1", "--modality", "CT", "--date", "2025-12-08")
    assert cli("sam", "confirm", str(held["id"]))["status"] == "booked"


def test_expired_imaging_refuses_the_date(cli: Cli) -> None:
    cli(
        "sam",
        "patient",
        "add",
        "--mrn",
        "X1",
        "--first",
        "Old",
        "--last",
        "Scan",
        "--dob",
        "1950-01-01",
    )
    cli("nina", "imaging", "add", "--mrn", "X1", "--modality", "MRI", "--date", "2025-12-08")
    cli("sam", "book", "--mrn", "X1", "--start", "2026-12-08T08:00")  # valid on the last day
    cli("sam", "book", "--mrn", "X1", "--start", "2026-12-10T08:00", code=1)  # expired
