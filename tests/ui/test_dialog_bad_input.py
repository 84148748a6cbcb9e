"""Bad input in the dialog fields: hypothesis types hostile values into the real widgets of every
form where a person types, then presses the form's real button. Never an unhandled error (an
exception in a Qt slot fails the example); every refusal is one line naming a field of that
form; a refused input leaves the database byte-for-byte unchanged (a full dump is compared). An
accepted input is rolled back from a pristine copy, so the examples stay independent."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QLineEdit
from pytestqt.qtbot import QtBot

from mild_desk.services import appointments, patients, prep
from mild_desk.services.appointments import AppointmentRead
from mild_desk.ui.admin import AdminPage
from mild_desk.ui.board import BoardWidget
from mild_desk.ui.booking_dialog import BookingDialog
from mild_desk.ui.checklist_panel import ChecklistPanel
from mild_desk.ui.context import AppContext
from mild_desk.ui.fact_dialogs import (
    CancelDialog,
    ClearanceDialog,
    DriverDialog,
    FactDialog,
    ImagingDialog,
    LabDialog,
    MedicationDialog,
    OverrideDialog,
)
from mild_desk.ui.login_dialog import LoginDialog
from mild_desk.ui.worklist import WorklistPage
from tests.ui.bad_input_bench import FIRST as YEAR_ONE
from tests.ui.bad_input_bench import (
    FOLD,
    GAP,
    GAP_REFUSED,
    LAST,
    LONG_WORDS,
    Bench,
    Fields,
    days,
    fact_refusal,
    fact_reset,
    gap_reaches_the_service,
    label_refusal,
    moments,
    named,
    pick,
    put,
    set_day,
    set_moment,
    shown,
    texts,
    typed,
)
from tests.ui.conftest import DEMO_USERS, TUESDAY, Demo

MakeCtx = Callable[[str], AppContext]

SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DEMO_TODAY = date(2026, 11, 2)
TUESDAY_0715 = datetime(2026, 11, 3, 12, 15, tzinfo=UTC)  # 07:15 in New York, before the 08:00 case
near_days = st.dates(DEMO_TODAY, date(2027, 2, 1))  # where the booking dialog finds slots


def _tuesday_first(ctx: AppContext) -> AppointmentRead:
    """Johnson, Tuesday 08:00 with Dr. Patel: booked, imaging and holds met, driver recorded."""
    return appointments.on_date(ctx.db, ctx.actor, TUESDAY)[0]


def _save(dialog: FactDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_an_exception_in_a_slot_fails_the_example(qtbot: QtBot, demo_clinic: Demo) -> None:
    """The capture is on: an exception raised in a Qt slot during `act` fails the example."""
    box = QLineEdit()
    qtbot.add_widget(box)
    box.returnPressed.connect(lambda: 1 / 0)
    bench = Bench(qtbot, demo_clinic, {}).freeze()
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        bench.run(lambda: qtbot.keyClick(box, Qt.Key.Key_Return), lambda: None)


# --- sign-in and booking ----------------------------------------------------------------------


@pytest.mark.slow
def test_sign_in(qtbot: QtBot, demo_clinic: Demo) -> None:
    dialog = LoginDialog(demo_clinic.db)
    shown(qtbot, dialog)
    accounts = set(DEMO_USERS.values())
    # The same words for an unknown name and a wrong password, so that a failed sign-in does not
    # tell which accounts exist: the message names both fields in words, without a prefix.
    bench = Bench(
        qtbot,
        demo_clinic,
        {},
        names_field=lambda message: bool(re.search(r"user name|password|account", message)),
    ).freeze()

    def failed_sign_in_counted(changed: list[str]) -> bool:
        return all(line.startswith('INSERT INTO "user_account"') for line in changed)

    @SETTINGS
    @given(
        user=st.one_of(st.sampled_from(["sam", " NINA ", "drpatel", "Admin"]), texts()),
        password=st.one_of(st.sampled_from(["sam-demo-2026", "nina-demo-2026"]), texts()),
        typed=typed,
    )
    @named("user", password="x", typed=False)
    @named("password", user="sam", typed=False)
    def run(user: str, password: str, typed: bool) -> None:
        def act() -> None:
            dialog.actor = None
            dialog.error.clear()
            dialog.setResult(0)
            if dialog.isHidden():
                dialog.show()
            put(qtbot, dialog.username, user, typed)
            put(qtbot, dialog.password, password, typed)
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

        def refusal() -> str | None:
            if dialog.actor is not None:
                return None
            assert dialog.error.text(), "neither signed in nor refused"
            return dialog.error.text()

        real = user.strip().lower() in accounts
        bench.run(act, refusal, may_write=lambda changed: real and failed_sign_in_counted(changed))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_booking_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("scheduler")
    dialog = BookingDialog(ctx)
    shown(qtbot, dialog)
    fallback = {
        mrn: patients.get_by_mrn(ctx.db, ctx.actor, mrn)
        for mrn in ("MRN10007", "MRN10031")  # imaging on file; none yet
    }
    bench = Bench(
        qtbot,
        demo_clinic,
        {
            "mrn": dialog.search,
            "from": dialog.from_date,
            "laterality": dialog.laterality,
            "levels": None,
            "start": None,  # the slot: taken, off the grid, in the past, out of range
            "imaging": None,
            "anticoagulation": None,
            "provider": None,
            "room": None,
        },
        prompts=frozenset({"Choose a slot first."}),
    ).freeze()
    nothing = [False] * 5
    plain = {"search": "", "typed": False, "row": 0, "side": 0}

    @SETTINGS
    @given(
        search=texts("MRN10007", "MRN1003", "Johnson", "García", "nguyen", "1950-02-30"),
        typed=typed,
        fallback_mrn=st.sampled_from(sorted(fallback)),
        first=st.one_of(days, near_days),
        row=st.integers(0, 11),
        levels=st.lists(st.booleans(), min_size=5, max_size=5),
        side=st.integers(0, 3),
        pending=st.booleans(),
    )
    @named(
        "search",
        typed=False,
        fallback_mrn="MRN10007",
        first=DEMO_TODAY,
        row=0,
        levels=nothing,
        side=1,
        pending=False,
    )
    @example(first=LAST.date(), fallback_mrn="MRN10031", levels=[True] * 5, pending=True, **plain)
    @example(first=YEAR_ONE.date(), fallback_mrn="MRN10007", levels=nothing, pending=False, **plain)
    @example(first=GAP.date(), fallback_mrn="MRN10007", levels=nothing, pending=False, **plain)
    def run(
        search: str,
        typed: bool,
        fallback_mrn: str,
        first: date,
        row: int,
        levels: list[bool],
        side: int,
        pending: bool,
    ) -> None:
        def act() -> None:
            dialog.booked = None
            dialog.setResult(0)
            dialog.error.clear_error()
            if dialog.isHidden():
                dialog.show()
            set_day(dialog.from_date, first)
            put(qtbot, dialog.search, search, typed)
            qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
            if dialog.patient_model.rowCount() == 0:
                dialog.choose_patient(fallback[fallback_mrn])
            elif not dialog.results.selectionModel().hasSelection():
                dialog.results.selectRow(0)
            if dialog.slot_model.rowCount():
                dialog.slots.selectRow(row % dialog.slot_model.rowCount())
            for box, on in zip(dialog.levels, levels, strict=True):
                box.setChecked(on)
            pick(dialog.laterality, side)
            dialog.pending.setChecked(pending)
            dialog.book_button.click()

        def refusal() -> str | None:
            if dialog.booked is not None:
                assert dialog.result() == QDialog.DialogCode.Accepted
                return None
            assert not dialog.error.isHidden(), "neither booked nor refused"
            return dialog.error.text().removeprefix("Not booked. ")

        bench.run(act, refusal)

    run()
    bench.both_seen()


# --- the appointment's and the patient's facts ------------------------------------------------


@pytest.mark.slow
def test_cancel_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("scheduler")
    appt = _tuesday_first(ctx)
    dialog = CancelDialog(ctx, appt.id, appt.version)
    shown(qtbot, dialog)
    fields = {"reason": dialog.reason, "by": dialog.by, "appointment": None}
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        reason=texts("moved away", "feels better, wants to wait"),
        by=st.integers(0, 1),
        typed=typed,
    )
    @named("reason", by=0, typed=False)
    def run(reason: str, by: int, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            pick(dialog.by, by)
            put(qtbot, dialog.reason, reason, typed)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_driver_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("scheduler")
    dialog = DriverDialog(ctx, _tuesday_first(ctx).id)
    shown(qtbot, dialog)
    fields: Fields = {
        "name": dialog.name,
        "phone": dialog.phone,
        "relationship": dialog.relationship,
        "appointment": None,
    }
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        name=texts("Maria Lopez", "O'Brien", "Zoë Łukasz Nguyễn"),
        phone=texts("(555) 010-2030", "+1 555 010 7777", "555.010.2030"),
        relationship=texts("daughter", "", "friend"),
        typed=typed,
    )
    @named("name", phone="(555) 010-2030", relationship="son", typed=False)
    @named("phone", name="Tom", relationship="son", typed=False)
    @named("relationship", name="Tom", phone="(555) 010-2030", typed=False)
    def run(name: str, phone: str, relationship: str, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            put(qtbot, dialog.name, name, typed)
            put(qtbot, dialog.phone, phone, typed)
            put(qtbot, dialog.relationship, relationship, typed)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_override_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("provider")
    appt = _tuesday_first(ctx)
    report = prep.prep(ctx.db, ctx.actor, appt.id, now=ctx.now())
    dialog = OverrideDialog(ctx, appt.id, report.requirements)
    shown(qtbot, dialog)
    fields = {"requirement": dialog.requirement, "reason": dialog.reason, "appointment": None}
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        requirement=st.integers(0, dialog.requirement.count() - 1),
        reason=texts("her daughter waits with a taxi", "ok", LONG_WORDS),
        typed=typed,
    )
    @named("reason", requirement=0, typed=False)
    @example(requirement=0, reason=LONG_WORDS, typed=False)
    def run(requirement: int, reason: str, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            pick(dialog.requirement, requirement)
            put(qtbot, dialog.reason, reason, typed)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_imaging_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("nurse")
    dialog = ImagingDialog(ctx, _tuesday_first(ctx).patient_mrn)
    shown(qtbot, dialog)
    fields: Fields = {
        "modality": dialog.modality,
        "date": dialog.study_date,
        "lf_mm": dialog.lf_mm,
        "levels": dialog.levels,
        "note": dialog.note,
        "mrn": None,
    }
    bench = Bench(qtbot, demo_clinic, fields).freeze()
    valid = {"modality": 0, "day": DEMO_TODAY, "typed": False}

    @SETTINGS
    @given(
        modality=st.integers(0, 1),
        day=days,
        lf_mm=texts("3.4", "2.5", "0.1", "20", ""),
        levels=texts("L4-L5", "l3-l4, L4-L5", "L5-S1", ""),
        note=texts("", "axial T2, severe at L4-L5"),
        typed=typed,
    )
    @named("lf_mm", levels="", note="", **valid)
    @named("levels", lf_mm="", note="", **valid)
    @named("note", lf_mm="", levels="", **valid)
    @example(modality=1, day=YEAR_ONE.date(), lf_mm="3", levels="", note="", typed=False)
    @example(modality=1, day=LAST.date(), lf_mm="3", levels="", note="", typed=False)
    def run(modality: int, day: date, lf_mm: str, levels: str, note: str, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            pick(dialog.modality, modality)
            set_day(dialog.study_date, day)
            put(qtbot, dialog.lf_mm, lf_mm, typed)
            put(qtbot, dialog.levels, levels, typed)
            put(qtbot, dialog.note, note, typed)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_medication_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("nurse")
    dialog = MedicationDialog(ctx, _tuesday_first(ctx).patient_mrn)
    shown(qtbot, dialog)
    fields: Fields = {
        "drug": dialog.drug,
        "indication": dialog.indication,
        "last_dose": dialog.last_dose,
        "mrn": None,
    }
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        drug=texts("clopidogrel", "aspirin", "Plavix 75 mg", "fish oil"),
        indication=st.integers(0, 2),
        known=st.booleans(),
        dose=moments,
        typed=typed,
    )
    @named("drug", indication=0, known=False, dose=FOLD, typed=False)
    @example(drug="warfarin", indication=0, known=True, dose=GAP, typed=False)
    @example(drug="warfarin", indication=0, known=True, dose=FOLD, typed=False)
    @example(drug="warfarin", indication=0, known=True, dose=YEAR_ONE, typed=False)
    @example(drug="warfarin", indication=0, known=True, dose=LAST, typed=False)
    def run(drug: str, indication: int, known: bool, dose: datetime, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            put(qtbot, dialog.drug, drug, typed)
            pick(dialog.indication, indication)
            dialog.dose_known.setChecked(known)
            set_moment(dialog.last_dose, dose)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()
    if gap_reaches_the_service():
        bench.refused_with(f"Last dose: 2027-03-14 02:30 {GAP_REFUSED}")


@pytest.mark.slow
def test_lab_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("nurse")
    dialog = LabDialog(ctx, _tuesday_first(ctx).patient_mrn)
    shown(qtbot, dialog)
    fields = {"test": dialog.test, "value": dialog.value, "at": dialog.taken_at, "mrn": None}
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        test=st.integers(0, 1),
        value=texts("1.1", "0.9", "45", "250", "1,1"),
        at=moments,
        typed=typed,
    )
    @named("value", test=0, at=FOLD, typed=False)
    @example(test=0, value="1.1", at=GAP, typed=False)
    @example(test=1, value="45", at=YEAR_ONE, typed=False)
    @example(test=1, value="45", at=LAST, typed=False)
    def run(test: int, value: str, at: datetime, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            pick(dialog.test, test)
            put(qtbot, dialog.value, value, typed)
            set_moment(dialog.taken_at, at)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()
    if gap_reaches_the_service():
        bench.refused_with(f"Taken at: 2027-03-14 02:30 {GAP_REFUSED}")


@pytest.mark.slow
def test_clearance_dialog(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("nurse")
    dialog = ClearanceDialog(ctx, _tuesday_first(ctx).patient_mrn)
    shown(qtbot, dialog)
    fields = {"drug": dialog.drug, "by": dialog.by, "note": dialog.note, "mrn": None}
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(
        drug=texts("fish oil", "sertraline"),
        by=texts("Dr. Alvarez (cardiology)", "O'Brien"),
        note=texts("", "stop 7 days before"),
        typed=typed,
    )
    @named("drug", by="Dr. Alvarez", note="", typed=False)
    @named("by", drug="fish oil", note="", typed=False)
    @named("note", drug="fish oil", by="Dr. Alvarez", typed=False)
    def run(drug: str, by: str, note: str, typed: bool) -> None:
        def act() -> None:
            fact_reset(dialog)
            put(qtbot, dialog.drug, drug, typed)
            put(qtbot, dialog.by, by, typed)
            put(qtbot, dialog.note, note, typed)
            _save(dialog)

        bench.run(act, fact_refusal(dialog))

    run()
    bench.both_seen()


# --- pages: worklist, checklist, board --------------------------------------------------------


@pytest.mark.slow
def test_worklist_call_note(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    ctx = make_ctx("scheduler")
    page = WorklistPage(ctx)
    qtbot.add_widget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    page.table.selectRow(0)
    assert page.selected_item() is not None
    fields = {"note": page.note, "outcome": None, "appointment": None}
    bench = Bench(qtbot, demo_clinic, fields).freeze()

    @SETTINGS
    @given(note=texts("", "daughter will drive"), outcome=st.integers(0, 3), typed=typed)
    @named("note", outcome=0, typed=False)
    def run(note: str, outcome: int, typed: bool) -> None:
        def act() -> None:
            page.error.clear_error()
            put(qtbot, page.note, note, typed)
            page.buttons[outcome].click()
            qtbot.waitUntil(lambda: not page.runner.busy, timeout=10_000)  # the reload it causes

        bench.run(act, label_refusal(page.error))

    run()
    page.shutdown()
    bench.both_seen()


@pytest.mark.slow
def test_checklist_note_and_times(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    demo_clinic.clock.now = TUESDAY_0715  # the day of the procedure: NPO can be confirmed
    ctx = make_ctx("nurse")
    appt = _tuesday_first(ctx)
    panel = ChecklistPanel(ctx)

    def load() -> None:
        lines = prep.checklist(ctx.db, ctx.actor, appt.id)
        panel.set_checklist(appt.id, tuple(lines), prep.prep(ctx.db, ctx.actor, appt.id))

    load()
    shown(qtbot, panel)
    keys = sorted(line.key for line in panel.model.lines() if "nurse" in line.roles)
    states = (panel.confirmed, panel.not_applicable, panel.not_done)
    fields: Fields = {
        "note": panel.note,
        "last_solids": panel.last_solids,
        "last_clear_liquids": panel.last_liquids,
        "item": None,  # a fact the item needs is missing (no driver, a hold not met)
        "state": None,
        "appointment": None,
    }
    bench = Bench(qtbot, demo_clinic, fields, reload=load).freeze()
    evening, dawn = datetime(2026, 11, 2, 20, 0), datetime(2026, 11, 3, 5, 0)

    @SETTINGS
    @given(
        item=st.one_of(st.just("npo"), st.sampled_from(keys)),  # NPO: the two times
        state=st.integers(0, 2),
        note=texts("", "band on left wrist"),
        solids=st.one_of(st.just(evening), moments),
        liquids=st.one_of(st.just(dawn), moments),
        typed=typed,
    )
    @named("note", item="identity", state=0, solids=evening, liquids=dawn, typed=False)
    @example(item="npo", state=0, note="", solids=GAP, liquids=dawn, typed=False)
    @example(item="npo", state=0, note="", solids=evening, liquids=GAP, typed=False)
    @example(item="npo", state=0, note="", solids=YEAR_ONE, liquids=dawn, typed=False)
    @example(item="npo", state=0, note="", solids=evening, liquids=LAST, typed=False)
    def run(
        item: str, state: int, note: str, solids: datetime, liquids: datetime, typed: bool
    ) -> None:
        def act() -> None:
            assert panel.select_item(item)
            panel.error.clear_error()
            states[state].setChecked(True)
            put(qtbot, panel.note, note, typed)
            set_moment(panel.last_solids, solids)
            set_moment(panel.last_liquids, liquids)
            panel.record_button.click()

        bench.run(act, label_refusal(panel.error))

    run()
    bench.both_seen()
    if gap_reaches_the_service():
        bench.refused_with(f"Last solids: 2027-03-14 02:30 {GAP_REFUSED}")
        bench.refused_with(f"Last clear liquids: 2027-03-14 02:30 {GAP_REFUSED}")


@pytest.mark.slow
def test_board_date(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    """The board's date (Ctrl+G, typed) and Previous/Next from there: it only reads."""
    board = BoardWidget(make_ctx("scheduler"))
    qtbot.add_widget(board)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        board.show()
        board.refresh()
    bench = Bench(qtbot, demo_clinic, {"date": board.date_edit}).freeze()

    def refusal() -> str | None:
        if board.notice.isHidden() or "Cannot show" not in board.notice.text():
            return None
        return board.notice.text().removeprefix("Cannot show the board: ")

    @SETTINGS
    @given(day=st.one_of(days, near_days), week=st.booleans(), steps=st.integers(-3, 3))
    @example(day=LAST.date(), week=True, steps=3)
    @example(day=LAST.date(), week=False, steps=3)
    @example(day=YEAR_ONE.date(), week=True, steps=-3)
    @example(day=GAP.date(), week=False, steps=0)
    def run(day: date, week: bool, steps: int) -> None:
        def act() -> None:
            board.show_week(week)
            set_day(board.date_edit, day)
            step = board.next_action if steps > 0 else board.previous_action
            for _ in range(abs(steps)):
                step.trigger()
            qtbot.waitUntil(lambda: not board.runner.busy, timeout=10_000)
            shown_day = board.date_edit.date()
            assert (shown_day.year(), shown_day.month(), shown_day.day()) == (
                board.day.year,
                board.day.month,
                board.day.day,
            )

        bench.run(act, refusal, read_only=True)

    run()
    board.runner.wait()


# --- administration ---------------------------------------------------------------------------


def _admin(qtbot: QtBot, make_ctx: MakeCtx) -> AdminPage:
    page = AdminPage(make_ctx("admin"))
    page.resize(1200, 900)
    shown(qtbot, page)  # shown: every accepted change reloads the page, as in the app
    return page


def _admin_bench(qtbot: QtBot, demo: Demo, page: AdminPage, fields: Fields) -> Bench:
    return Bench(qtbot, demo, fields, reload=page.ctx.changes.notify).freeze()


@pytest.mark.slow
def test_admin_add_user(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    section = page.add_user_section
    fields: Fields = {
        "username": page.new_username,
        "full_name": page.new_full_name,
        "role": page.new_role,
        "password": page.new_password,
    }
    bench = _admin_bench(qtbot, demo_clinic, page, fields)
    valid = {"role": 0, "typed": False}

    @SETTINGS
    @given(
        username=texts("newbie", "j.doe-2", "sam"),
        full_name=texts("Jo Doe", ""),
        role=st.integers(0, 3),
        password=texts("long-enough-9", "short"),
        typed=typed,
    )
    @named("username", full_name="", password="long-enough-9", **valid)
    @named("full_name", username="jo", password="long-enough-9", **valid)
    @named("password", username="jo", full_name="", **valid)
    def run(username: str, full_name: str, role: int, password: str, typed: bool) -> None:
        def act() -> None:
            section.error.clear_error()
            put(qtbot, page.new_username, username, typed)
            put(qtbot, page.new_full_name, full_name, typed)
            pick(page.new_role, role)
            put(qtbot, page.new_password, password, typed)
            section.button.click()

        bench.run(act, label_refusal(section.error))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_admin_clinic_settings(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    section = page.clinic_section
    fields: Fields = {
        "name": page.clinic_name,
        "phone": page.clinic_phone,
        "tz": page.clinic_tz,
        "idle_lock_minutes": page.idle_minutes,
        "max_failed_logins": page.max_failed,
        "lockout_minutes": page.lockout_minutes,
    }
    bench = _admin_bench(qtbot, demo_clinic, page, fields)
    spin = st.one_of(st.sampled_from([0, 1, 3, 20, 480, 1440]), st.integers(-(2**31), 2**31 - 1))
    valid = {"idle": 15, "failed": 5, "lockout": 15, "typed": False}

    @SETTINGS
    @given(
        name=texts("Riverside Spine & Pain Center", "Clínica del Río"),
        phone=texts("(555) 010-2030"),
        tz=texts("America/New_York", "Europe/London", " UTC ", "America", "Mars/Base", "../etc"),
        idle=spin,
        failed=spin,
        lockout=spin,
        typed=typed,
    )
    @named("name", phone="", tz="America/New_York", **valid)
    @named("phone", name="Spine", tz="America/New_York", **valid)
    @named("tz", name="Spine", phone="", **valid)
    def run(
        name: str, phone: str, tz: str, idle: int, failed: int, lockout: int, typed: bool
    ) -> None:
        def act() -> None:
            section.error.clear_error()
            put(qtbot, page.clinic_name, name, typed)
            put(qtbot, page.clinic_phone, phone, typed)
            put(qtbot, page.clinic_tz, tz, typed)
            page.idle_minutes.setValue(idle)
            page.max_failed.setValue(failed)
            page.lockout_minutes.setValue(lockout)
            section.button.click()

        bench.run(act, label_refusal(section.error))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_admin_procedure_profile(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    section = page.profile_section
    boxes = page.profile_boxes
    bench = _admin_bench(qtbot, demo_clinic, page, dict(boxes))
    number = st.one_of(
        st.sampled_from([0, 0.5, 2.5, 6, 24, 60, 480, -1, 10**9]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(0, 30),
    )

    @SETTINGS
    @given(values=st.fixed_dictionaries(dict.fromkeys(boxes, number)), escort=st.booleans())
    @example(values=dict.fromkeys(boxes, float("nan")), escort=True)
    @example(values=dict.fromkeys(boxes, 10**9), escort=False)
    def run(values: dict[str, float], escort: bool) -> None:
        def act() -> None:
            section.error.clear_error()
            for name, box in boxes.items():
                value = values[name]
                if isinstance(box, QDoubleSpinBox):
                    box.setValue(value)
                elif value == value:  # not NaN: a whole-number box takes what a C int holds
                    box.setValue(int(max(-(2**31), min(2**31 - 1, value))))
            page.escort.setChecked(escort)
            section.button.click()

        bench.run(act, label_refusal(section.error))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_admin_add_provider_and_room(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    schedule = page.schedule
    provider_fields = {"name": schedule.provider_name, "daily_case_cap": schedule.provider_cap}
    providers = _admin_bench(qtbot, demo_clinic, page, provider_fields)
    rooms = _admin_bench(qtbot, demo_clinic, page, {"name": schedule.room_name})

    @SETTINGS
    @given(
        name=texts("Dr. Ana Souza", "Procedure Room 1", "Room 3"),
        cap=st.integers(-(2**31), 2**31 - 1),
        typed=typed,
    )
    @named("name", cap=0, typed=False)
    def run(name: str, cap: int, typed: bool) -> None:
        def add_provider() -> None:
            schedule.provider_section.error.clear_error()
            put(qtbot, schedule.provider_name, name, typed)
            schedule.provider_cap.setValue(cap)
            schedule.provider_section.button.click()

        def add_room() -> None:
            schedule.room_section.error.clear_error()
            put(qtbot, schedule.room_name, name, typed)
            schedule.room_section.button.click()

        providers.run(add_provider, label_refusal(schedule.provider_section.error))
        rooms.run(add_room, label_refusal(schedule.room_section.error))

    run()
    providers.both_seen()
    rooms.both_seen()


@pytest.mark.slow
def test_admin_add_template(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    schedule = page.schedule
    section = schedule.template_section
    fields: Fields = {
        "provider": schedule.template_provider,
        "room": schedule.template_room,
        "rrule": schedule.template_rule,
        "start": schedule.template_start,
        "end": schedule.template_end,
        "from": schedule.template_from,
    }
    bench = _admin_bench(qtbot, demo_clinic, page, fields)
    daily = {"provider": 0, "room": 0, "rule": "FREQ=DAILY", "typed": False}

    @SETTINGS
    @given(
        provider=st.integers(0, 1),
        room=st.integers(0, 1),
        rule=texts(
            "FREQ=WEEKLY;BYDAY=TU,TH",
            "FREQ=DAILY",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270314T023000",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        ),
        start=st.times(),
        end=st.times(),
        first=days,
        typed=typed,
    )
    @named("rule", provider=0, room=0, start=time(8), end=time(12), first=DEMO_TODAY, typed=False)
    @example(start=time(2, 30), end=time(3, 30), first=GAP.date(), **daily)
    @example(start=time(8), end=time(12), first=YEAR_ONE.date(), **daily)
    @example(start=time(8), end=time(12), first=LAST.date(), **daily)
    def run(
        provider: int, room: int, rule: str, start: time, end: time, first: date, typed: bool
    ) -> None:
        def act() -> None:
            section.error.clear_error()
            pick(schedule.template_provider, provider)
            pick(schedule.template_room, room)
            put(qtbot, schedule.template_rule, rule, typed)
            schedule.template_start.setTime(QTime(start.hour, start.minute))
            schedule.template_end.setTime(QTime(end.hour, end.minute))
            set_day(schedule.template_from, first)
            section.button.click()

        bench.run(act, label_refusal(section.error))

    run()
    bench.both_seen()


@pytest.mark.slow
def test_admin_add_closure(qtbot: QtBot, make_ctx: MakeCtx, demo_clinic: Demo) -> None:
    page = _admin(qtbot, make_ctx)
    schedule = page.schedule
    section = schedule.closure_section
    fields: Fields = {
        "date": schedule.closure_from,
        "to": schedule.closure_to,
        "provider": schedule.closure_provider,
        "reason": schedule.closure_reason,
    }
    bench = _admin_bench(qtbot, demo_clinic, page, fields)

    @SETTINGS
    @given(
        first=days,
        last=days,
        provider=st.integers(0, 2),
        reason=texts("Thanksgiving", "Dr. Patel away"),
        typed=typed,
    )
    @named("reason", first=DEMO_TODAY, last=DEMO_TODAY, provider=0, typed=False)
    @example(first=YEAR_ONE.date(), last=LAST.date(), provider=0, reason="forever", typed=False)
    @example(first=LAST.date(), last=LAST.date(), provider=1, reason="the end", typed=False)
    @example(first=GAP.date(), last=GAP.date(), provider=2, reason="DST", typed=False)
    def run(first: date, last: date, provider: int, reason: str, typed: bool) -> None:
        def act() -> None:
            section.error.clear_error()
            set_day(schedule.closure_from, first)
            set_day(schedule.closure_to, last)
            pick(schedule.closure_provider, provider)
            put(qtbot, schedule.closure_reason, reason, typed)
            section.button.click()

        bench.run(act, label_refusal(section.error))

    run()
    bench.both_seen()
