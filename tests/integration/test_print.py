"""Printing end to end on a real database: the document service, `mild-desk print`, the audit
trail, roles, and the discharge sheet going from DRAFT to final."""

import io
import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from mild_desk.cli import main
from mild_desk.errors import InvalidInput, PermissionDenied
from mild_desk.models.enums import Role
from mild_desk.resources import checklist_items
from mild_desk.services import appointments, audit, base, documents, patients, prep
from mild_desk.services.documents import DocumentKind
from tests.conftest import PASSWORD
from tests.integration.conftest import NOW, Schedule, at

THURSDAY = date(2026, 12, 17)
FOLLOW_UP = date(2026, 12, 29)
FIRST, LAST = "Zoë Łukasz", "Nguyễn-Ωmega 山田"


def book_unicode_patient(s: Schedule) -> tuple[int, int]:
    """Zoë on Thu 17 Dec 08:00 (naproxen stopped in time, fish oil cleared, a driver), with a
    follow-up visit on Tue 29 Dec. Returns (appointment id, follow-up id)."""
    c, nurse, sam = s.c, s.actor(Role.NURSE), s.actor(Role.SCHEDULER)
    patients.add_patient(
        c.db,
        sam,
        mrn="U777",
        first=FIRST,
        last=LAST,
        dob="1949-02-03",
        preferred_language="es",
        allergies="penicilina",
        now=NOW,
    )
    prep.add_imaging(
        c.db, nurse, mrn="U777", modality="MRI", study_date="2026-10-01", lf_mm=3.1, now=NOW
    )
    prep.add_medication(
        c.db, nurse, mrn="U777", drug="naproxen", last_dose=at(date(2026, 12, 6), "21:00"), now=NOW
    )
    prep.add_medication(c.db, nurse, mrn="U777", drug="fish oil", now=NOW)
    prep.add_clearance(c.db, nurse, mrn="U777", drug="fish oil", by="Dr. Alvarez", now=NOW)
    appt = appointments.book(
        c.db,
        sam,
        mrn="U777",
        start=at(THURSDAY, "08:00"),
        levels="L4-L5",
        laterality="left",
        now=NOW,
    )
    prep.set_driver(c.db, sam, appt.id, name="Łucja Ōkubo", phone="555-0123", now=NOW)
    later = appointments.book(c.db, sam, mrn="U777", start=at(FOLLOW_UP, "08:00"), now=NOW)
    return int(appt.id), int(later.id)


def complete_procedure(s: Schedule, appointment_id: int) -> None:
    """The day itself: check in, tick every item, complete."""
    nurse, provider = s.actor(Role.NURSE), s.actor(Role.PROVIDER)
    morning = at(THURSDAY, "07:20")
    appointments.check_in(s.db, nurse, appointment_id, now=morning)
    for item in checklist_items():
        prep.tick(
            s.db,
            nurse if "nurse" in item.roles else provider,
            appointment_id,
            item=item.key,
            state="confirmed" if item.condition is None else "not-applicable",
            last_solids=at(date(2026, 12, 16), "22:00"),
            last_clear_liquids=at(THURSDAY, "05:00"),
            now=morning,
        )
    prep.complete(s.db, provider, appointment_id, now=at(THURSDAY, "09:00"))


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def page_count(path: Path) -> int:
    return len(PdfReader(io.BytesIO(path.read_bytes())).pages)


def qpdf_clean(path: Path) -> None:
    if shutil.which("qpdf") is None:
        return  # the unit tests report the skip
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def print_events(s: Schedule, entity: str, entity_id: object) -> list[audit.AuditEntry]:
    return [
        e
        for e in audit.history(s.db, s.actor(Role.ADMIN), entity=entity, entity_id=entity_id)
        if e.action.startswith("print.")
    ]


class Cli:
    def __init__(
        self, s: Schedule, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.url, self.capsys = s.c.url, capsys
        monkeypatch.setenv("MILD_DESK_PASSWORD", PASSWORD)
        monkeypatch.setattr(base, "_pinned_now", NOW)

    def __call__(self, user: str, *args: str) -> tuple[int, str, str]:
        try:
            code = main(["--db", self.url, "--user", user, *args])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli(
    sched: Schedule, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    return Cli(sched, capsys, monkeypatch)


# --- the service ---------------------------------------------------------------------------


def test_document_data_gathers_everything_one_document_needs(sched: Schedule) -> None:
    appt_id, later_id = book_unicode_patient(sched)
    data = documents.document_data(sched.db, sched.actor(Role.NURSE), appt_id, now=NOW)
    assert data.patient.first_name == FIRST
    assert data.patient.last_name == LAST
    assert data.appointment.start == at(THURSDAY, "08:00")
    assert data.driver is not None
    assert data.driver.name == "Łucja Ōkubo"
    assert data.follow_up is not None
    assert int(data.follow_up.id) == later_id
    assert {m.drug for m in data.prep.medications} == {"naproxen", "fish oil"}
    assert [line.key for line in data.checklist] == [i.key for i in checklist_items()]
    assert data.printed_by == "nina"
    assert documents.language(data, None) == "es"
    assert documents.language(data, "EN") == "en"
    with pytest.raises(InvalidInput, match="lang"):
        documents.language(data, "fr")


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.SCHEDULER, DocumentKind.PREP_LETTER, True),
        (Role.SCHEDULER, DocumentKind.CHECKLIST, False),
        (Role.SCHEDULER, DocumentKind.DISCHARGE, False),
        (Role.NURSE, DocumentKind.DISCHARGE, True),
        (Role.PROVIDER, DocumentKind.CHECKLIST, True),
        (Role.ADMIN, DocumentKind.PREP_LETTER, False),
    ],
)
def test_who_may_print_what(sched: Schedule, role: Role, kind: DocumentKind, allowed: bool) -> None:
    appt_id, _ = book_unicode_patient(sched)
    if allowed:
        documents.document_data(sched.db, sched.actor(role), appt_id, kind=kind, now=NOW)
    else:
        with pytest.raises(PermissionDenied):
            documents.document_data(sched.db, sched.actor(role), appt_id, kind=kind, now=NOW)


def test_discharge_becomes_final_only_when_done_with_the_driver_confirmed(sched: Schedule) -> None:
    appt_id, _ = book_unicode_patient(sched)
    nurse = sched.actor(Role.NURSE)
    data = documents.document_data(sched.db, nurse, appt_id, now=NOW)
    assert len(documents.discharge_problems(data)) == 2
    complete_procedure(sched, appt_id)
    data = documents.document_data(sched.db, nurse, appt_id, now=at(THURSDAY, "10:00"))
    assert documents.discharge_problems(data) == ()


# --- the command line ----------------------------------------------------------------------


def test_print_checklist_writes_the_pdf_and_an_audit_event(
    cli: Cli, sched: Schedule, tmp_path: Path
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    out = tmp_path / "checklist.pdf"
    code, stdout, err = cli("nina", "--json", "print", "checklist", str(appt_id), "--out", str(out))
    assert code == 0, err
    result = json.loads(stdout)
    text = pdf_text(out)
    assert f"{LAST}, {FIRST}" in text
    assert "MRN U777" in text
    assert "3 Feb 1949" in text
    assert "Thu 17 Dec 2026" in text
    assert "08:00\u201309:00" in text
    assert "Arrive 07:30" in text
    assert "no solid food after 02:00; clear liquids until 06:00" in text
    assert "Łucja Ōkubo, 555-0123" in text
    assert "penicilina" in text
    for item in checklist_items():
        assert item.label in text
    assert "naproxen" in text
    assert "fish oil" in text
    assert "Sun 6 Dec 2026 21:00" in text  # recorded naproxen dose, clinic time
    assert "Sun 13 Dec 2026 08:00" in text  # last allowed: 96 h before the start
    assert result["pages"] == page_count(out) <= 2
    events = print_events(sched, "appointment", appt_id)
    assert [e.action for e in events] == ["print.checklist"]
    assert events[0].actor_name == "nina"
    assert events[0].after["sha256"] == result["sha256"]
    assert events[0].after["via"] == "cli"
    assert audit.verify(sched.db).ok
    qpdf_clean(out)
    assert out.stat().st_mode & 0o777 == 0o600  # patient data: owner-only
    assert sorted(f.name for f in tmp_path.iterdir() if f.suffix == ".pdf") == [out.name]


def test_prep_letter_in_the_patients_language_or_the_one_asked_for(
    cli: Cli, sched: Schedule, tmp_path: Path
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    es, en = tmp_path / "es.pdf", tmp_path / "en.pdf"
    assert cli("sam", "print", "prep-letter", str(appt_id), "--out", str(es))[0] == 0
    assert (
        cli("sam", "print", "prep-letter", str(appt_id), "--out", str(en), "--lang", "en")[0] == 0
    )
    text = pdf_text(es)
    assert f"Para {FIRST} {LAST}." in text
    assert "Hora de llegada: 7:30 a. m." in text
    assert "Deje de comer el jueves 17 de diciembre de 2026 a las 2:00 a. m." in text
    assert "fish oil: no la deje hasta que se lo diga el médico" in text
    text = pdf_text(en)
    assert "Date: Thursday, December 17, 2026." in text
    assert "naproxen: take your last dose by 8:00 AM on Sunday, December 13, 2026." in text
    assert "Your driver: Łucja Ōkubo, 555-0123." in text
    events = print_events(sched, "appointment", appt_id)
    assert [(e.action, e.after["lang"]) for e in events] == [
        ("print.prep-letter", "es"),
        ("print.prep-letter", "en"),
    ]


def test_discharge_is_a_draft_until_the_procedure_is_done(
    cli: Cli, sched: Schedule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    draft = tmp_path / "draft.pdf"
    code, stdout, _ = cli(
        "nina", "--json", "print", "discharge", str(appt_id), "--out", str(draft), "--lang", "en"
    )
    assert code == 0
    assert json.loads(stdout)["final"] is False
    for page in PdfReader(io.BytesIO(draft.read_bytes())).pages:
        assert "DRAFT — not for discharge" in re.sub(r"\s+", " ", page.extract_text())
    complete_procedure(sched, appt_id)
    monkeypatch.setattr(base, "_pinned_now", at(THURSDAY, "10:00"))
    final = tmp_path / "final.pdf"
    code, stdout, _ = cli(
        "drp", "--json", "print", "discharge", str(appt_id), "--out", str(final), "--lang", "en"
    )
    assert code == 0
    assert json.loads(stdout)["final"] is True
    text = pdf_text(final)
    assert "DRAFT" not in text
    assert "You had a MILD procedure on Thursday, December 17, 2026." in text
    assert "at L4-L5, on the left side." in text
    assert "naproxen: you may start it again at 9:00 AM on Friday, December 18, 2026." in text
    assert "Your next visit is at 8:00 AM on Tuesday, December 29, 2026" in text
    events = print_events(sched, "appointment", appt_id)
    assert [(e.action, e.after["final"]) for e in events] == [
        ("print.discharge", False),
        ("print.discharge", True),
    ]
    qpdf_clean(final)


def test_day_packet_holds_the_day_list_and_every_checklist(
    cli: Cli, sched: Schedule, tmp_path: Path
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    sam = sched.actor(Role.SCHEDULER)
    others = [
        appointments.book(sched.db, sam, mrn=mrn, start=at(THURSDAY, hhmm), now=NOW)
        for mrn, hhmm in zip(sched.mrns, ("09:15", "10:30", "08:00"), strict=False)
    ]
    out = tmp_path / "day.pdf"
    code, stdout, err = cli(
        "nina", "--json", "print", "day", "--date", THURSDAY.isoformat(), "--out", str(out)
    )
    assert code == 0, err
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Day list — MILD — Thu 17 Dec 2026" in first
    assert "4 appointment(s)" in first
    assert first.index(f"{LAST}, {FIRST}") < first.index("Case2, Pat2")  # 08:00 before 10:30
    text = pdf_text(out)
    assert text.count("Sign-out (before the patient leaves the room)") == 4
    assert json.loads(stdout)["pages"] == len(reader.pages) >= 5
    events = print_events(sched, "day", THURSDAY.isoformat())
    assert len(events) == 1
    assert sorted(events[0].after["appointments"]) == sorted(
        [appt_id, *(int(a.id) for a in others)]
    )
    qpdf_clean(out)


@pytest.mark.parametrize(
    ("user", "args", "code"),
    [
        ("sam", ("print", "checklist", "{id}"), 1),
        ("ada", ("print", "prep-letter", "{id}"), 1),
        ("sam", ("print", "day", "--date", "2026-12-17"), 1),
        ("nina", ("print", "checklist", "999"), 2),
        ("nina", ("print", "checklist", "{id}", "--lang", "es"), 2),
        ("nina", ("print", "discharge", "{id}", "--lang", "fr"), 2),
        ("nina", ("print", "day", "--date", "17/12/2026"), 2),
    ],
)
def test_refused_or_invalid_prints_write_nothing(
    cli: Cli, sched: Schedule, tmp_path: Path, user: str, args: tuple[str, ...], code: int
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    before = sched.c.dump()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "x.pdf"
    argv = [a.format(id=appt_id) for a in args]
    got, _, err = cli(user, *argv, "--out", str(out))
    assert got == code, err
    assert err.strip()
    assert list(folder.iterdir()) == []  # no file, and no temporary file left behind
    assert sched.c.dump() == before


def test_out_must_name_a_file_in_an_existing_folder(
    cli: Cli, sched: Schedule, tmp_path: Path
) -> None:
    appt_id, _ = book_unicode_patient(sched)
    code, _, err = cli("nina", "print", "checklist", str(appt_id), "--out", str(tmp_path))
    assert code == 2
    assert "folder" in err
    missing = tmp_path / "nope" / "x.pdf"
    code, _, err = cli("nina", "print", "checklist", str(appt_id), "--out", str(missing))
    assert code == 2
    assert "does not exist" in err


def test_day_with_nothing_booked_prints_an_empty_list(
    cli: Cli, sched: Schedule, tmp_path: Path
) -> None:
    out = tmp_path / "empty.pdf"
    day = (THURSDAY + timedelta(days=1)).isoformat()
    code, stdout, _ = cli("nina", "print", "day", "--date", day, "--out", str(out))
    assert code == 0
    assert "0 appointment" not in stdout
    assert "No appointments on this day." in pdf_text(out)
